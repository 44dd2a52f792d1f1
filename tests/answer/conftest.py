"""Fixtures of the answer stage's unit tests: the hand-made index of tests/answer/hand_index.py."""

from __future__ import annotations

import pytest

from bot.answer.answerer import Answerer
from bot.answer.ranking import Ranker
from bot.config import AnswerSettings
from tests.answer import hand_index


@pytest.fixture(scope="package")
def hand(tmp_path_factory):
    index = hand_index.build(tmp_path_factory.mktemp("hand"))
    # The layout the hand-worked numbers rest on: if analysis ever changes it, say so first.
    assert index.sentence_count == hand_index.SENTENCES
    assert index.sentences.doc_len.tolist() == hand_index.SENTENCE_TERMS
    assert index.para_first.tolist() == [0, 1, 4, 5, 6, 9, 10]
    assert index.para_article.tolist() == [0, 0, 0, 1, 1, 1]
    return index


@pytest.fixture(scope="package")
def ranker(hand) -> Ranker:
    return Ranker(hand)


@pytest.fixture(scope="package")
def hand_answerer(hand) -> Answerer:
    return Answerer(hand, AnswerSettings(top_k=3, context_before=1, context_after=1))
