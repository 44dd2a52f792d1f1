"""bot.frontends.terminal: answers as terminal text, ANSI only when asked for."""

from __future__ import annotations

import re

from bot.chat import Notice, Reply
from bot.corpus.types import Source
from bot.frontends import terminal
from bot.frontends.terminal import BOLD, HIGHLIGHT, answer_text, notice_text, reply_text

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_pages_are_numbered_on_and_say_how_many_are_left(answerer):
    page = answerer.answer("North Korea").page(3, 3)
    text = answer_text(page, colour=False)
    assert re.findall(r"^\[(\d+)\]$", text, re.M) == ["4", "5", "6"]
    assert text.endswith(f"({len(page.remaining)} more: type :more)")
    assert not ANSI.search(text)
    last = page.page(page.shown + len(page.remaining) - 1, 3)
    assert "more: type :more" not in answer_text(last, colour=False)


def test_colour_marks_the_sentence_and_the_words_asked_for(answerer):
    page = answerer.answer("Who replaced Choe Sun Hui?")
    text = answer_text(page, colour=True)
    assert BOLD in text and HIGHLIGHT + "Choe" in text
    assert ANSI.sub("", text) == answer_text(page, colour=False)


def test_no_answer_and_notices(answerer):
    assert answer_text(answerer.answer("What is the capital of France?"), colour=False) == \
        Notice.NO_ANSWER.format() + "\n" + Notice.NO_ANSWER_HINT.format(sources=":sources")
    asked = []
    assert notice_text(Notice.NO_MORE, lambda: asked.append(1) or "Q?") == Notice.NO_MORE.format() and not asked
    assert reply_text(Reply(notice=Notice.EMPTY), False, lambda: "Who?") == Notice.EMPTY.format(example="Who?")


def test_the_source_line_says_where_the_page_lives():
    page = Source(title="Bridge reopens", publisher="Wire", byline="Ann Lee", date="2024-03-03",
                  url="https://news.example.org/bridge", path="a.html")
    assert terminal.source_line(page) == (
        "Bridge reopens · Wire · 2024-03-03 · by Ann Lee · a.html · https://news.example.org/bridge")
    # no address, or one that is not a web address (a sidecar may hold anything): nothing printed
    for url in (None, "javascript:alert(1)"):
        assert terminal.source_line(Source("T", None, None, None, url, "b.txt")) == "T · b.txt"


def test_a_long_web_address_is_never_broken_across_lines(answerer):
    from dataclasses import replace

    answer = answerer.answer("How many officials were executed in 2014?")
    url = "https://news.example.org/world/asia/" + "north-korea-officials-defecting-" * 3 + "2015/07/02/index.html"
    page = replace(answer.passages[0], source=replace(answer.passages[0].source, url=url))
    assert url in terminal.passage_text(page, 1, colour=False).split()


def test_a_doubtful_answer_says_so_before_its_passages(answerer):
    from dataclasses import replace

    answer = answerer.answer("How many officials were executed in 2014?")
    assert answer.found and not answer.unsure
    assert Notice.UNSURE.format() not in answer_text(answer, colour=False)
    doubtful = replace(answer, confidence=0.3)
    assert answer_text(doubtful, colour=False).startswith(Notice.UNSURE.format() + "\n\n[1]")
    assert Notice.UNSURE.format() not in answer_text(doubtful.page(1, 1), colour=False)  # first page only
