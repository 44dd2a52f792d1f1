"""Answers as `ask --json` prints them, for checking that two indexes of the same articles agree."""

from __future__ import annotations

from bot.answer.answerer import Answerer
from bot.config import Settings
from bot.frontends.json_shapes import answer_json
from bot.index.sentences import SentenceIndex

# Questions on the three articles of the `tiny_corpus` fixture: found, not found, misspelt.
TINY_QUESTIONS = ["How many steel cables were replaced?", "Who cut the ribbon?", "How much snow is expected?",
                  "What did the repairs cost?", "capital of France", "briddge"]


def answers(index: SentenceIndex, settings: Settings, questions: list[str] = TINY_QUESTIONS) -> list[dict]:
    answerer = Answerer(index, settings.answering)
    return [answer_json(answerer.answer(q)) for q in questions]
