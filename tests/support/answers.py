"""Answers as `ask --json` prints them, for checking that two indexes of the same articles agree."""

from __future__ import annotations

from pathlib import Path

from bot.answer.answerer import Answerer
from bot.config import Settings
from bot.frontends.json_shapes import answer_json
from bot.index.build import build
from bot.index.updates import open_index
from bot.index.sentences import SentenceIndex
from tests.support.corpora import write

# Questions on the three articles of the `tiny_corpus` fixture: found, not found, misspelt.
TINY_QUESTIONS = ["How many steel cables were replaced?", "Who cut the ribbon?", "How much snow is expected?",
                  "What did the repairs cost?", "capital of France", "briddge"]


def answers(index: SentenceIndex, settings: Settings, questions: list[str] = TINY_QUESTIONS) -> list[dict]:
    answerer = Answerer(index, settings.answering)
    return [answer_json(answerer.answer(q)) for q in questions]


def answerer_over(folder: Path, files: dict[str, str]) -> Answerer:
    """An answerer over the given article files (name -> text), written to `folder`/corpus and built
    the normal way into `folder`/index."""
    for name, content in files.items():
        write(folder / "corpus", name, content)
    settings = Settings(corpus_dir=folder / "corpus", index_dir=folder / "index")
    build(settings)
    return Answerer(open_index(settings), settings.answering)
