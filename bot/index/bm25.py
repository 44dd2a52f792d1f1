"""Okapi BM25 over term-major postings of term frequencies, with exact pruned top-k search.

The index stores, per term, its documents (ascending) and the term's frequency in each, the length
of every document, and per block of BLOCK postings the block's largest frequency and shortest
document: nothing that depends on the collection's statistics.  Those (document count, average
length, document frequencies and rank_bm25's epsilon floor, an average over the whole vocabulary)
are worked out when the index is opened and applied at query time, so the scores equal
`rank_bm25.BM25Okapi(docs).get_scores(query)` (same k1, b, epsilon and the same idf floor), float64
throughout, and an index whose statistics change needs no re-weighting of its postings.

`search_weighted` finds the exact top k by block-max MaxScore (see `_search_pruned`): documents
are visited in windows of ascending document number; once k are held, a window's terms whose bounds
together cannot beat the k-th score are only looked up for the few documents that the other terms
make worth it, and blocks whose bound cannot beat it are never read.  Every bound is computed with
the same floating-point operations, in the same order, as the scores, so it is never below a score
it bounds (IEEE rounding is monotone); the result is exactly `search_exhaustive`'s (ties to the
lower document number) with bit-identical scores.  Pure numpy: no compiled kernel.
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
BLOCK = 128  # postings per block of per-block bounds
# Below this many postings in all a query's terms together, adding them all up is as fast as pruning.
PRUNE_MIN_POSTINGS = 20_000
# Window edges, as fractions of the documents: the first window is scored in full (it sets the k-th
# score to beat), the later ones, each as large as all before it, are pruned against it.
WINDOW_EDGES = (0.0, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0)


def as_ndarray(array: np.ndarray) -> np.ndarray:
    """A memory-mapped array as a plain ndarray over the same pages: np.memmap's Python-level
    __getitem__ costs microseconds per slice, which adds up on the query path."""
    return array.view(np.ndarray) if isinstance(array, np.memmap) else array


def narrow_uint(values: np.ndarray) -> np.dtype:
    """The narrowest unsigned integer type that holds every value (all >= 0)."""
    top = int(values.max()) if len(values) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.uint64)


def count_pairs(token_ids: np.ndarray, doc_len: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term, document, term frequency) for every term in every document, sorted by term then document."""
    doc_len = np.asarray(doc_len, dtype=np.int64)
    stride = max(len(doc_len), 1)
    doc_of_token = np.repeat(np.arange(len(doc_len), dtype=np.int64), doc_len)
    keys = np.asarray(token_ids, dtype=np.int64) * stride
    keys += doc_of_token
    del doc_of_token
    keys, tf = np.unique(keys, return_counts=True)
    terms, docs = np.divmod(keys, stride)
    return terms, docs, tf


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


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Every position of the half-open ranges [starts[i], ends[i]) laid end to end (empty ones skipped)."""
    lens = ends - starts
    keep = lens > 0
    starts, lens = starts[keep], lens[keep]
    total = int(lens.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
    return np.arange(total, dtype=np.int64) + shift


def top_k(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (score descending, then lower id first), exactly: ties at the k-th score go to the
    lower ids, whatever order the arrays are in."""
    if len(ids) > k:
        kth = -np.partition(-scores, k - 1)[k - 1]
        above = scores > kth
        tied = np.flatnonzero(scores == kth)
        need = k - int(above.sum())
        if need < len(tied):
            tied = tied[np.argsort(ids[tied], kind="stable")[:need]]
        keep = np.concatenate((np.flatnonzero(above), tied))
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))
    return ids[order], scores[order]


@dataclass(frozen=True)
class Hit:
    doc: int
    score: float


class _Term:
    """One distinct query term's postings and bounds, for one search."""

    __slots__ = ("tid", "lo", "hi", "idf", "block_bound", "window_pos", "window_block", "bound")

    def __init__(self, tid: int, lo: int, hi: int, idf: float):
        self.tid, self.lo, self.hi, self.idf = tid, lo, hi, idf  # its postings are [lo, hi)
        self.block_bound = np.zeros(0)  # per block: the term score of its largest tf in its shortest document
        self.window_pos = np.zeros(0, dtype=np.int64)  # per window edge: the first posting at or after it
        self.window_block = np.zeros(0, dtype=np.int64)  # per window edge: that posting's block
        self.bound = 0.0  # the largest block bound in the current window


class BM25Index:
    """Term-major postings: term t's documents are doc_ids[indptr[t]:indptr[t+1]] (ascending), with
    their term frequencies tf[...]; blocks of BLOCK postings (term t's start at block_ptr[t]) carry the
    block's largest frequency and its shortest document's length."""

    ARRAYS = ("indptr", "doc_ids", "tf", "doc_len", "block_ptr", "block_max_tf", "block_min_len")

    def __init__(self, terms: Sequence[str], indptr: np.ndarray, doc_ids: np.ndarray, tf: np.ndarray,
                 doc_len: np.ndarray, block_ptr: np.ndarray, block_max_tf: np.ndarray, block_min_len: np.ndarray,
                 k1: float = K1, b: float = B, epsilon: float = EPSILON):
        self.terms = list(terms)
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        self.indptr, self.doc_ids, self.tf = as_ndarray(indptr), as_ndarray(doc_ids), as_ndarray(tf)
        self.doc_len = as_ndarray(doc_len)
        self.block_ptr, self.block_max_tf = as_ndarray(block_ptr), as_ndarray(block_max_tf)
        self.block_min_len = as_ndarray(block_min_len)
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.prune_min_postings = PRUNE_MIN_POSTINGS
        # The collection's statistics, as rank_bm25 computes them, applied at query time.
        n_docs = len(self.doc_len)
        self.avgdl = float(self.doc_len.sum(dtype=np.int64)) / n_docs if n_docs else 0.0
        self.idf = self._okapi_idf(np.diff(self.indptr), n_docs, epsilon)
        self._norm: np.ndarray | None = None
        self._local = threading.local()

    @property
    def doc_count(self) -> int:
        return len(self.doc_len)

    # -- building ----------------------------------------------------------------------------------
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
        doc_len = np.asarray(doc_len)
        doc_len = doc_len.astype(narrow_uint(doc_len))
        n_terms = len(terms)
        df = np.bincount(post_terms, minlength=n_terms)
        indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        doc_ids = np.asarray(doc_ids).astype(np.uint32 if len(doc_len) <= 2**32 else np.uint64)
        tf = np.asarray(tf)
        tf = tf.astype(narrow_uint(tf))
        # Blocks: each term's postings cut every BLOCK; block j of term t starts at posting
        # indptr[t] + BLOCK * (j - block_ptr[t]).
        blocks = -(-df // BLOCK)
        block_ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(blocks, out=block_ptr[1:])
        term_of_block = np.repeat(np.arange(n_terms, dtype=np.int64), blocks)
        starts = indptr[term_of_block] + BLOCK * (np.arange(int(block_ptr[-1]), dtype=np.int64) - block_ptr[term_of_block])
        del term_of_block
        if len(starts):
            block_max_tf = np.maximum.reduceat(tf, starts)
            block_min_len = np.minimum.reduceat(doc_len[doc_ids], starts)
        else:
            block_max_tf, block_min_len = tf[:0], doc_len[:0]
        return cls(terms, indptr, doc_ids, tf, doc_len, block_ptr, block_max_tf, block_min_len, k1, b, epsilon)

    @staticmethod
    def _okapi_idf(df: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
        """rank_bm25's idf: log((N - n + .5) / (n + .5)), negative values floored at eps * mean idf."""
        if len(df) == 0:
            return np.zeros(0)
        idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
        floor = epsilon * (math.fsum(idf.tolist()) / len(idf))
        return np.where(idf < 0, floor, idf)

    # -- the score of a posting ----------------------------------------------------------------------
    def _length_norm(self, lengths: np.ndarray) -> np.ndarray:
        """k1 * (1 - b + b * |d| / avgdl), the same expression for documents and for block bounds."""
        if not self.avgdl:
            return np.full(len(lengths), self.k1)
        return self.k1 * (1 - self.b + self.b * lengths / self.avgdl)

    def doc_norm(self) -> np.ndarray:
        """Every document's length normalisation, worked out once when first needed."""
        norm = self._norm
        if norm is None:
            norm = self._norm = self._length_norm(self.doc_len)
        return norm

    def _term_scores(self, idf: float, tf: np.ndarray, norm: np.ndarray) -> np.ndarray:
        """BM25 term scores: idf * tf * (k1 + 1) / (tf + norm), rank_bm25's formula, float64."""
        return idf * (tf * (self.k1 + 1) / (tf + norm))

    # -- look-ups ------------------------------------------------------------------------------------
    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The term's documents (ascending) and its frequency in each."""
        tid = self.vocab.get(term)
        if tid is None:
            return np.empty(0, dtype=self.doc_ids.dtype), np.empty(0, dtype=self.tf.dtype)
        lo, hi = self.indptr[tid], self.indptr[tid + 1]
        return self.doc_ids[lo:hi], self.tf[lo:hi]

    def weights(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The term's documents and its BM25 score in each."""
        ids, tf = self.postings(term)
        tid = self.vocab.get(term)
        if tid is None or not len(ids):
            return ids, np.empty(0)
        return ids, self._term_scores(self.idf[tid], tf, self.doc_norm()[ids])

    def df(self, term: str) -> int:
        tid = self.vocab.get(term)
        return 0 if tid is None else int(self.indptr[tid + 1] - self.indptr[tid])

    def scores(self, query: Iterable[str]) -> np.ndarray:
        """Dense scores for every document, exactly as BM25Okapi.get_scores (for tests and baselines)."""
        out = np.zeros(self.doc_count)
        for term in query:
            ids, w = self.weights(term)
            out[ids] += w
        return out

    def doc_scores(self, weighted: Sequence[tuple[str, float]], docs: np.ndarray) -> np.ndarray:
        """Scores of the given documents only (postings are sorted by document, so searchsorted)."""
        out = np.zeros(len(docs))
        terms, uses = self._query_terms(weighted)
        for i, w in uses:
            hit, scores = self._scores_of(terms[i], terms[i].lo, terms[i].hi, docs)
            out[hit] += scores * w
        return out

    def _scores_of(self, t: "_Term", lo: int, hi: int, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of these documents have a posting of the term in [lo, hi) (a mask), and its scores there."""
        ids = self.doc_ids[lo:hi]
        pos = np.minimum(np.searchsorted(ids, docs), hi - lo - 1)
        hit = ids[pos] == docs
        found = pos[hit]
        return hit, self._term_scores(t.idf, self.tf[lo + found], self.doc_norm()[ids[found]])

    # -- top k ---------------------------------------------------------------------------------------
    def _query_terms(self, weighted: Sequence[tuple[str, float]]) -> tuple[list[_Term], list[tuple[int, float]]]:
        """The query's distinct known terms and, in query order, (term number, weight) for each use."""
        number: dict[int, int] = {}
        terms: list[_Term] = []
        uses: list[tuple[int, float]] = []
        for term, w in weighted:
            tid = self.vocab.get(term)
            if not w or tid is None:
                continue
            lo, hi = int(self.indptr[tid]), int(self.indptr[tid + 1])
            if lo == hi:
                continue
            if tid not in number:
                number[tid] = len(terms)
                terms.append(_Term(tid, lo, hi, float(self.idf[tid])))
            uses.append((number[tid], float(w)))
        return terms, uses

    def search_weighted(self, weighted: Sequence[tuple[str, float]], k: int) -> list[Hit]:
        """Top-k documents by sum of weight x BM25 term score, in the query's order of terms; only
        documents with a posting; ties go to the lower document number."""
        return self._search(weighted, k, prune=True)

    def search_exhaustive(self, weighted: Sequence[tuple[str, float]], k: int) -> list[Hit]:
        """The same as `search_weighted`, by adding up every posting of every term (the reference)."""
        return self._search(weighted, k, prune=False)

    def _search(self, weighted: Sequence[tuple[str, float]], k: int, prune: bool) -> list[Hit]:
        k = max(0, int(k))
        terms, uses = self._query_terms(weighted)
        if not terms or k == 0:
            return []
        # Bounds need non-negative contributions: a negative weight or idf (tiny corpora) is added up,
        # and so are short postings, where pruning saves nothing.
        prune = prune and not (sum(t.hi - t.lo for t in terms) < self.prune_min_postings
                               or any(w < 0 for _, w in uses) or any(t.idf < 0 for t in terms))
        ids, scores = self._search_pruned(terms, uses, k) if prune else self._search_exhaustive(terms, uses, k)
        return [Hit(int(d), float(s)) for d, s in zip(ids.tolist(), scores.tolist())]

    def search(self, query: Sequence[str], k: int) -> list[Hit]:
        return self.search_weighted([(t, 1.0) for t in query], k)

    def _accumulator(self) -> np.ndarray:
        """A zeroed score buffer, one per thread, reused: zero-filling 1M floats per query costs more
        than the query.  Callers must zero what they touched before returning."""
        acc = getattr(self._local, "acc", None)
        if acc is None or len(acc) != self.doc_count:
            acc = self._local.acc = np.zeros(self.doc_count)
        return acc

    def _add_up(self, terms: list[_Term], uses: list[tuple[int, float]], ranges: list[tuple[int, int]],
                k: int) -> tuple[np.ndarray, np.ndarray]:
        """Every document in the given posting range of each term, scored in full: the terms' scores
        added in query order, `score` or `score * weight` (the weight 1 is not multiplied)."""
        docs = [self.doc_ids[lo:hi] for lo, hi in ranges]
        if len(uses) == 1:
            (lo, hi), w = ranges[0], uses[0][1]
            term = terms[0]
            s = self._term_scores(term.idf, self.tf[lo:hi], self.doc_norm()[docs[0]])
            return top_k(docs[0], s if w == 1.0 else s * w, k)
        norm = self.doc_norm()
        scores = [self._term_scores(t.idf, self.tf[lo:hi], norm[d]) for t, (lo, hi), d in zip(terms, ranges, docs)]
        acc = self._accumulator()
        try:
            for i, w in uses:
                acc[docs[i]] += scores[i] if w == 1.0 else scores[i] * w
            every = np.concatenate(docs)
            if len(every) > 2 * k * len(terms):
                # A document appears once per term, so the best k are among the entries scoring at
                # least the (k x terms)-th best entry (all of them: ties at the k-th go to lower ids).
                values = acc[every]
                m = k * len(terms)
                every = every[values >= -np.partition(-values, m - 1)[m - 1]]
            ids = np.unique(every)
            return top_k(ids, acc[ids], k)
        finally:
            for d in docs:
                acc[d] = 0.0

    def _search_exhaustive(self, terms: list[_Term], uses: list[tuple[int, float]], k: int):
        return self._add_up(terms, uses, [(t.lo, t.hi) for t in terms], k)

    def _search_pruned(self, terms: list[_Term], uses: list[tuple[int, float]], k: int):
        """Block-max MaxScore, window by window of ascending document numbers.

        Within a window each term's bound is the largest of its blocks' bounds there (a block's bound:
        the term score of its largest frequency in its shortest document).  With k documents held and
        theta the k-th score, a later document (higher number: it loses ties) must score above theta:
        - the terms whose bounds add up to at most theta are non-essential: a document with only
          those cannot get in, so candidates come from the other (essential) terms' postings, and
          only from their blocks whose bound, with every other term's, is above theta;
        - each candidate's bound is its known term scores plus the bounds of the terms not yet looked
          up; the terms are looked up one by one (largest bound first), dropping every candidate
          whose bound falls to theta or below.
        Bounds add in query order with the same operations as scores: never below the true score."""
        n = self.doc_count
        edges = sorted({int(round(f * n)) for f in WINDOW_EDGES})
        norm = self.doc_norm()
        for t in terms:
            # block bounds (raw term scores, unweighted) and each window's posting and block range
            b0, b1 = int(self.block_ptr[t.tid]), int(self.block_ptr[t.tid + 1])
            t.block_bound = self._term_scores(t.idf, self.block_max_tf[b0:b1],
                                              self._length_norm(self.block_min_len[b0:b1]))
            t.window_pos = t.lo + np.searchsorted(self.doc_ids[t.lo:t.hi], edges)
            t.window_block = (t.window_pos - t.lo) // BLOCK  # block holding each window's first posting
        heap_ids = np.zeros(0, dtype=np.int64)
        heap_scores = np.zeros(0)
        for w in range(len(edges) - 1):
            ranges = [(int(t.window_pos[w]), int(t.window_pos[w + 1])) for t in terms]
            live = [i for i, (lo, hi) in enumerate(ranges) if hi > lo]
            if not live:
                continue
            if len(heap_ids) < k:
                ids, scores = self._window_in_full(terms, uses, ranges, k)
            else:
                theta = float(heap_scores[k - 1])
                ids, scores = self._window_pruned(terms, uses, ranges, w, theta, norm)
                if not len(ids):
                    continue
            heap_ids, heap_scores = top_k(np.concatenate((heap_ids, ids)), np.concatenate((heap_scores, scores)), k)
        return heap_ids, heap_scores

    def _window_in_full(self, terms, uses, ranges, k):
        """All documents of a window, scored in full (while fewer than k are held)."""
        live = [i for i, (lo, hi) in enumerate(ranges) if hi > lo]
        remap = {old: new for new, old in enumerate(live)}
        kept_uses = [(remap[i], w) for i, w in uses if i in remap]
        return self._add_up([terms[i] for i in live], kept_uses, [ranges[i] for i in live], k)

    @staticmethod
    def _weighted(value, w: float):
        return value if w == 1.0 else value * w

    def _window_pruned(self, terms: list[_Term], uses: list[tuple[int, float]], ranges: list[tuple[int, int]],
                       w: int, theta: float, norm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Each term's bound in this window (0 where it has no posting here).
        for t, (lo, hi) in zip(terms, ranges):
            if hi > lo:
                first = int(t.window_block[w])
                last = (hi - 1 - t.lo) // BLOCK
                t.bound = float(t.block_bound[first:last + 1].max())
            else:
                t.bound = 0.0
        use_bounds = [self._weighted(terms[i].bound, wt) for i, wt in uses]

        def add(values) -> float | np.ndarray:
            total = values[0]
            for v in values[1:]:
                total = total + v
            return total

        if add(use_bounds) <= theta:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        # Non-essential terms: the longest run of the smallest bounds whose sum is <= theta.
        order = sorted(range(len(terms)), key=lambda i: (sum(self._weighted(terms[i].bound, wt)
                                                            for j, wt in uses if j == i), i))
        essential = set(range(len(terms)))
        for i in order:
            trial = essential - {i}
            if add([b if uses[p][0] not in trial else 0.0 for p, b in enumerate(use_bounds)]) <= theta:
                essential = trial
            else:
                break
        # Candidates: the essential terms' postings in their blocks that can still beat theta.
        cand_docs, cand_scores, complete = [], {}, {}
        for i in sorted(essential):
            t, (lo, hi) = terms[i], ranges[i]
            first, last = int(t.window_block[w]), (hi - 1 - t.lo) // BLOCK
            blocks = t.block_bound[first:last + 1]
            parts = [self._weighted(blocks, wt) if j == i else b for (j, wt), b in zip(uses, use_bounds)]
            keep = np.flatnonzero(add(parts) > theta) + first
            complete[i] = len(keep) == len(blocks)
            if not len(keep):
                continue
            starts = np.maximum(t.lo + keep * BLOCK, lo)
            ends = np.minimum(t.lo + (keep + 1) * BLOCK, hi)
            at = np.arange(lo, hi) if complete[i] else _ranges(starts, ends)
            docs = self.doc_ids[at]
            cand_docs.append(docs)
            cand_scores[i] = (docs, self._term_scores(t.idf, self.tf[at], norm[docs]))
        if not cand_docs:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        cands = cand_docs[0].astype(np.int64) if len(cand_docs) == 1 else np.unique(np.concatenate(cand_docs))
        # rows[i]: term i's contribution per candidate, exact where known, else its bound.
        rows: dict[int, np.ndarray] = {}
        known: set[int] = set()
        for i in range(len(terms)):
            if i in cand_scores:
                docs, s = cand_scores[i]
                row = np.zeros(len(cands)) if complete[i] else np.full(len(cands), terms[i].bound)
                if len(cand_docs) == 1:
                    row[:] = s
                else:
                    row[np.searchsorted(cands, docs)] = s
                rows[i] = row
                if complete[i]:
                    known.add(i)
            else:
                rows[i] = np.full(len(cands), terms[i].bound) if ranges[i][1] > ranges[i][0] else np.zeros(len(cands))
                if ranges[i][1] <= ranges[i][0]:
                    known.add(i)

        def bound() -> np.ndarray:
            return add([self._weighted(rows[i], wt) for i, wt in uses])

        keep = bound() > theta
        cands = cands[keep]
        rows = {i: r[keep] for i, r in rows.items()}
        for i in sorted(set(range(len(terms))) - known, key=lambda i: -terms[i].bound):
            if not len(cands):
                break
            hit, scores = self._scores_of(terms[i], *ranges[i], cands)
            row = np.zeros(len(cands))
            row[hit] = scores
            rows[i] = row
            keep = bound() > theta
            cands = cands[keep]
            rows = {j: r[keep] for j, r in rows.items()}
        return cands, bound() if len(cands) else np.zeros(0)

    # -- saving ----------------------------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.ARRAYS}

    def params(self) -> dict:
        return {"k1": self.k1, "b": self.b, "epsilon": self.epsilon, "docs": self.doc_count, "terms": len(self.terms),
                "block": BLOCK}
