"""A two-article index written so that its numbers can be worked out by hand.

Ten sentences (each title is a sentence of its own, in a paragraph of its own):

    article 0 "Harbour bridge reopens"
      paragraph 0: s0 Harbour bridge reopens
      paragraph 1: s1 The harbour bridge reopened on Tuesday after long repairs.
                   s2 Engineers replaced 412 steel cables.
                   s3 They worked through the winter because the river froze.
      paragraph 2: s4 The mayor, Tom Reed, praised the crews for their work in 1998.
    article 1 "Library opens new wing"
      paragraph 3: s5 Library opens new wing
      paragraph 4: s6 The city library opened a new wing for children.
                   s7 It holds 20,000 books and a garden.
                   s8 Dr. Rosa Diaz, the head librarian, cut the ribbon.
      paragraph 5: s9 The repairs to the old wing cost $48 million, the mayor said.

Terms per sentence (stopwords dropped): 3, 6, 5, 4, 7, 4, 6, 4, 7, 8 (54 in all).  A term in one
sentence of the ten has idf log(9.5 / 1.5), in two log(8.5 / 2.5), in three ("wing") log(7.5 / 3.5).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.index import build as index_build
from bot.index import format as index_format
from bot.index.sentences import SentenceIndex

ARTICLES = {
    "a.txt": "Harbour bridge reopens\n\n"
             "The harbour bridge reopened on Tuesday after long repairs. Engineers replaced 412 steel cables. "
             "They worked through the winter because the river froze.\n\n"
             "The mayor, Tom Reed, praised the crews for their work in 1998.\n",
    "b.txt": "Library opens new wing\n\n"
             "The city library opened a new wing for children. It holds 20,000 books and a garden. "
             "Dr. Rosa Diaz, the head librarian, cut the ribbon.\n\n"
             "The repairs to the old wing cost $48 million, the mayor said.\n",
}
SENTENCES = 10
SENTENCE_TERMS = [3, 6, 5, 4, 7, 4, 6, 4, 7, 8]


def build(folder: Path) -> SentenceIndex:
    """The index, built through the normal corpus -> index path."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    for name, body in ARTICLES.items():
        (corpus / name).write_text(body, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=folder / "index")
    index_build.build(settings)
    index, _ = index_format.load(settings.index_dir)
    return index


def idf(df: int, n: int = SENTENCES) -> float:
    """Okapi idf of a term found in df of n documents (none of ours is common enough to be floored)."""
    return math.log((n - df + 0.5) / (df + 0.5))


def column(candidates, sentence: int) -> int:
    """Where a sentence sits among the candidates."""
    at = np.flatnonzero(candidates.sentences == sentence)
    assert len(at) == 1, f"sentence {sentence} is not a candidate: {candidates.sentences}"
    return int(at[0])


def best_first(candidates, *sentences: int) -> np.ndarray:
    """An order of the candidates that puts these sentences first, the others after in BM25 order."""
    first = [column(candidates, s) for s in sentences]
    return np.array(first + [j for j in range(len(candidates.sentences)) if j not in first])
