"""Sentence ranking and the no-answer decision, on top of the index's BM25 scores."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bot import text
from bot.index import SentenceIndex

# How many BM25 candidates are re-scored with the richer signals.
CANDIDATES = 200
# Context: the sentence's paragraph's BM25 for the same terms, added with this weight.
PARAGRAPH_WEIGHT = 0.8
# Passages after the first must score at least this share of the best one ("more" stays relevant).
MIN_RELATIVE_SCORE = 0.3
# The best sentence must hold at least this share of the question's idf mass to be an answer.
MIN_COVERAGE = 0.4


@dataclass(frozen=True)
class QueryTerm:
    surface: str  # as searched (after correction), for people
    term: str  # index term
    weight: float
    typed: str | None = None  # what the user typed, when corrected
    carried: bool = False  # taken over from the previous question of the conversation


@dataclass(frozen=True)
class Ranking:
    found: bool
    sentences: np.ndarray
    scores: np.ndarray
    bm25: np.ndarray
    coverage: float


NOTHING = Ranking(False, np.empty(0, dtype=np.int64), np.empty(0), np.empty(0), 0.0)


class Ranker:
    def __init__(self, index: SentenceIndex):
        self.index = index
        n = index.sentence_count
        # An unknown word weighs like a word found in a single sentence: rare, so missing it counts.
        self.unknown_idf = math.log((n + 0.5) / 1.5) if n > 1 else 1.0

    def idf(self, term: str) -> float:
        tid = self.index.sentences.vocab.get(term)
        return self.unknown_idf if tid is None else float(self.index.sentences.idf[tid])

    def rank(self, terms: list[QueryTerm], question: str) -> Ranking:
        weighted = [(t.term, t.weight) for t in terms]
        hits = self.index.sentences.search_weighted(weighted, CANDIDATES)
        if not hits:
            return NOTHING
        sentences = np.fromiter((h.doc for h in hits), dtype=np.int64, count=len(hits))
        bm25 = np.fromiter((h.score for h in hits), dtype=np.float64, count=len(hits))
        paragraphs = self.index.sent_para[sentences].astype(np.int64)
        scores = bm25 + PARAGRAPH_WEIGHT * self.index.paragraphs.doc_scores(weighted, paragraphs)
        order = np.lexsort((sentences, -scores))
        sentences, scores, bm25 = sentences[order], scores[order], bm25[order]
        coverage = self.coverage(int(sentences[0]), terms)
        if not self.is_answer(int(sentences[0]), terms, coverage):
            return Ranking(False, sentences, scores, bm25, coverage)
        keep = scores >= MIN_RELATIVE_SCORE * scores[0]
        return Ranking(True, sentences[keep], scores[keep], bm25[keep], coverage)

    def coverage(self, sentence: int, terms: list[QueryTerm]) -> float:
        """Share of the question's idf mass found in the sentence (corrected words count less)."""
        present = set(text.terms(self.index.sentence_text(sentence)))
        total = sum(self.idf(t.term) for t in terms if not t.carried)
        if total <= 0:
            return 0.0
        got = sum(self.idf(t.term) * t.weight for t in terms if not t.carried and t.term in present)
        return got / total

    def is_answer(self, sentence: int, terms: list[QueryTerm], coverage: float) -> bool:
        present = set(text.terms(self.index.sentence_text(sentence)))
        # A corrected or carried-over word alone never makes an answer.
        exact = any(t.term in present and t.typed is None and not t.carried for t in terms)
        return exact and coverage >= MIN_COVERAGE
