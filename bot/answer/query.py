"""The values a question passes through on its way to an answer: its terms, the candidate sentences
with what is known about them, and the final ranking.

Values only, no behaviour: the ranker makes `Candidates`, the no-answer decision reads them, the
answerer turns them into a `Ranking`; chat and the front ends keep `QueryTerm`s to carry words over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class QueryTerm:
    surface: str  # as searched (after correction), for people
    term: str  # index term
    weight: float
    typed: str | None = None  # what the user typed, when corrected
    carried: bool = False  # taken over from the previous question of the conversation
    related: str | None = None  # added for this query term (answers' word for it: bot/answer/expansion.py)


@dataclass(frozen=True)
class Candidates:
    """A question's best BM25 sentences, what each of its terms matches, and the ranking features."""

    sentences: np.ndarray  # sentence ids, in BM25 order
    articles: np.ndarray  # each one's article
    idf: np.ndarray  # each query term's idf (an unknown word's: as if it were in one sentence)
    known: np.ndarray  # each query term: whether the index's vocabulary has it
    # terms x candidates: the term is in the sentence / its paragraph / its article / its article's title
    in_sentence: np.ndarray
    in_paragraph: np.ndarray
    in_article: np.ndarray
    in_title: np.ndarray
    features: dict[str, np.ndarray]  # name -> one value per candidate (see ranking.FEATURE_WEIGHTS)
    answer_type: str | None  # which of cues.ANSWER_TYPES the question wants
    kinds: np.ndarray  # each one's paragraph kind (an index into bot.index.analysis.PARAGRAPH_KINDS)
    log_size: float  # the idf of a word in one sentence: log of the index's size, to put idf on a 0-1 scale


@dataclass(frozen=True)
class Ranking:
    """Sentences in their final order with their scores; `found`: the best one answers the question."""

    found: bool
    sentences: np.ndarray
    scores: np.ndarray  # linear ranking score
    bm25: np.ndarray  # each sentence's own BM25
    confidence: float = 0.0  # the no-answer model's probability that the first sentence answers


NOTHING = Ranking(False, np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))
