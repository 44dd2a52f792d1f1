"""bot.answer.service: the one protocol chat sessions and front ends are typed against; the answerer
of one index and the live answerer both satisfy it."""

from __future__ import annotations

from bot.answer.live import LiveAnswerer
from bot.answer.service import AnswerService

MEMBERS = ["article_count", "sentence_count", "page_size", "sources", "example_questions", "answer", "holds"]


def test_the_protocol_is_what_front_ends_use():
    assert sorted(name for name in vars(AnswerService) if not name.startswith("_")) == sorted(MEMBERS)


def test_the_answerer_satisfies_it(answerer):
    assert isinstance(answerer, AnswerService)
    assert (answerer.article_count, answerer.sentence_count, answerer.page_size) == (2, 40, 3)


def test_the_live_answerer_satisfies_it_with_its_current_answerers_members(answerer, seeds_settings):
    live = LiveAnswerer(answerer, seeds_settings)
    assert isinstance(live, AnswerService)
    for name in ("article_count", "sentence_count", "page_size"):
        assert getattr(live, name) == getattr(answerer, name)
    assert live.sources() == answerer.sources()
    assert live.example_questions(2) == answerer.example_questions(2)
    assert live.answer("Who replaced Choe Sun Hui?") == answerer.answer("Who replaced Choe Sun Hui?")
