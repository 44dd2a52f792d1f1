"""Okapi BM25 with every (term, document) weight computed once into sparse arrays.

The scores equal `rank_bm25.BM25Okapi(docs).get_scores(query)` (same k1, b, epsilon and the same
idf floor), but a query only touches its own terms' postings instead of looping over documents.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

K1 = 1.5
B = 0.75
EPSILON = 0.25


def as_ndarray(array: np.ndarray) -> np.ndarray:
    """A memory-mapped array as a plain ndarray over the same pages: np.memmap's Python-level
    __getitem__ costs microseconds per slice, which adds up on the query path."""
    return array.view(np.ndarray) if isinstance(array, np.memmap) else array


def count_pairs(token_ids: np.ndarray, doc_len: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term, document, term frequency) for every term in every document, sorted by term then document."""
    doc_len = np.asarray(doc_len, dtype=np.int64)
    stride = max(len(doc_len), 1)
    doc_of_token = np.repeat(np.arange(len(doc_len), dtype=np.int64), doc_len)
    keys, tf = np.unique(np.asarray(token_ids, dtype=np.int64) * stride + doc_of_token, return_counts=True)
    return keys // stride, keys % stride, tf


def group_pairs(post_terms: np.ndarray, doc_ids: np.ndarray, tf: np.ndarray,
                group_of_doc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same triples for groups of consecutive documents (sentences -> paragraphs), no new sort:
    groups are runs of document ids, so the triples stay sorted and equal keys are adjacent."""
    groups = group_of_doc[doc_ids]
    if not len(groups):
        return post_terms, groups, tf
    change = np.empty(len(groups), dtype=bool)
    change[0] = True
    change[1:] = (post_terms[1:] != post_terms[:-1]) | (groups[1:] != groups[:-1])
    starts = np.flatnonzero(change)
    return post_terms[starts], groups[starts], np.add.reduceat(tf, starts)


@dataclass(frozen=True)
class Hit:
    doc: int
    score: float


class BM25Index:
    """Term-major postings: term t's documents are doc_ids[indptr[t]:indptr[t+1]], with weights."""

    ARRAYS = ("indptr", "doc_ids", "weights", "idf", "doc_len")

    def __init__(self, terms: Sequence[str], indptr: np.ndarray, doc_ids: np.ndarray, weights: np.ndarray,
                 idf: np.ndarray, doc_len: np.ndarray, k1: float = K1, b: float = B, epsilon: float = EPSILON):
        self.terms = list(terms)
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        self.indptr, self.doc_ids, self.weights = as_ndarray(indptr), as_ndarray(doc_ids), as_ndarray(weights)
        self.idf, self.doc_len = as_ndarray(idf), as_ndarray(doc_len)
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self._local = threading.local()

    @property
    def doc_count(self) -> int:
        return len(self.doc_len)

    @classmethod
    def build(cls, docs: Iterable[Sequence[str]], k1: float = K1, b: float = B, epsilon: float = EPSILON) -> "BM25Index":
        vocab: dict[str, int] = {}
        flat: list[int] = []
        lengths: list[int] = []
        for doc in docs:
            flat.extend([vocab.setdefault(t, len(vocab)) for t in doc])
            lengths.append(len(doc))
        return cls.from_ids(list(vocab), np.asarray(flat, dtype=np.int64), np.asarray(lengths, dtype=np.int64),
                            k1, b, epsilon)

    @classmethod
    def from_ids(cls, terms: Sequence[str], token_ids: np.ndarray, doc_len: np.ndarray,
                 k1: float = K1, b: float = B, epsilon: float = EPSILON) -> "BM25Index":
        """Build from every document's term ids laid end to end (doc_len says where each ends)."""
        return cls.from_counts(terms, *count_pairs(token_ids, doc_len), doc_len, k1, b, epsilon)

    @classmethod
    def from_counts(cls, terms: Sequence[str], post_terms: np.ndarray, doc_ids: np.ndarray, tf: np.ndarray,
                    doc_len: np.ndarray, k1: float = K1, b: float = B, epsilon: float = EPSILON) -> "BM25Index":
        """Build from (term, document, term frequency) triples sorted by term, then document."""
        doc_len = np.asarray(doc_len, dtype=np.int32)
        n_docs, n_terms = len(doc_len), len(terms)
        doc_ids = doc_ids.astype(np.int32)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(post_terms, minlength=n_terms), out=indptr[1:])
        idf = cls._okapi_idf(np.diff(indptr), n_docs, epsilon)
        avgdl = float(doc_len.sum()) / n_docs if n_docs else 0.0
        norm = k1 * (1 - b + b * doc_len[doc_ids] / avgdl) if avgdl else np.full(len(doc_ids), k1)
        weights = idf[post_terms] * (tf * (k1 + 1) / (tf + norm))
        return cls(terms, indptr, doc_ids, weights.astype(np.float64), idf, doc_len, k1, b, epsilon)

    @staticmethod
    def _okapi_idf(df: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
        """rank_bm25's idf: log((N - n + .5) / (n + .5)), negative values floored at eps * mean idf."""
        if len(df) == 0:
            return np.zeros(0)
        idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
        floor = epsilon * (math.fsum(idf.tolist()) / len(idf))
        return np.where(idf < 0, floor, idf)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        tid = self.vocab.get(term)
        if tid is None:
            return np.empty(0, dtype=np.int32), np.empty(0)
        lo, hi = self.indptr[tid], self.indptr[tid + 1]
        return self.doc_ids[lo:hi], self.weights[lo:hi]

    def df(self, term: str) -> int:
        tid = self.vocab.get(term)
        return 0 if tid is None else int(self.indptr[tid + 1] - self.indptr[tid])

    def scores(self, query: Iterable[str]) -> np.ndarray:
        """Dense scores for every document, exactly as BM25Okapi.get_scores (for tests and baselines)."""
        out = np.zeros(self.doc_count)
        for term in query:
            ids, w = self.postings(term)
            out[ids] += w
        return out

    def _accumulator(self) -> np.ndarray:
        """A zeroed score buffer, one per thread, reused: zero-filling 1M floats per query costs more
        than the query.  Callers must zero what they touched before returning."""
        acc = getattr(self._local, "acc", None)
        if acc is None or len(acc) != self.doc_count:
            acc = self._local.acc = np.zeros(self.doc_count)
        return acc

    def search_weighted(self, weighted: Sequence[tuple[str, float]], k: int) -> list[Hit]:
        """Top-k documents by sum of weight x BM25 term score; only documents with a posting."""
        k = max(0, int(k))
        parts = [(self.postings(t), w) for t, w in weighted if w]
        parts = [(p, w) for p, w in parts if len(p[0])]
        if not parts or k == 0:
            return []
        if len(parts) == 1:
            (ids, wts), w = parts[0]
            ids, scores = np.asarray(ids), wts * w
        else:
            acc = self._accumulator()
            try:
                for (pid, pw), w in parts:
                    acc[pid] += pw if w == 1.0 else pw * w
                every = np.concatenate([p[0] for p, _ in parts])
                scores = acc[every]
                # A document appears once per matching term, so the best k documents are among the
                # best k x terms entries: only those few need de-duplicating.
                m = k * len(parts)
                if len(every) > m:
                    every = every[np.argpartition(-scores, m - 1)[:m]]
                ids = np.unique(every)
                scores = acc[ids]
            finally:
                for (pid, _), _ in parts:
                    acc[pid] = 0.0
        if len(ids) > k:
            top = np.argpartition(-scores, k - 1)[:k]
        else:
            top = np.arange(len(ids))
        order = top[np.lexsort((ids[top], -scores[top]))]
        return [Hit(int(ids[i]), float(scores[i])) for i in order]

    def search(self, query: Sequence[str], k: int) -> list[Hit]:
        return self.search_weighted([(t, 1.0) for t in query], k)

    def doc_scores(self, weighted: Sequence[tuple[str, float]], docs: np.ndarray) -> np.ndarray:
        """Scores of the given documents only (postings are sorted by document, so searchsorted)."""
        out = np.zeros(len(docs))
        for term, w in weighted:
            ids, wts = self.postings(term)
            if not len(ids) or not w:
                continue
            pos = np.searchsorted(ids, docs)
            pos_clipped = np.minimum(pos, len(ids) - 1)
            hit = ids[pos_clipped] == docs
            out[hit] += wts[pos_clipped[hit]] * w
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.ARRAYS}

    def params(self) -> dict:
        return {"k1": self.k1, "b": self.b, "epsilon": self.epsilon, "docs": self.doc_count, "terms": len(self.terms)}
