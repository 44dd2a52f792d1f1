"""Okapi BM25 over term-major postings of term frequencies, with exact pruned top-k search.

The index stores, per term, its documents (ascending) and the term's frequency in each, the length
of every document, and per block of BLOCK postings the block's largest frequency and shortest
document: nothing that depends on the collection's statistics.  Those (document count, average
length, document frequencies and rank_bm25's epsilon floor, an average over the whole vocabulary)
are worked out when the index is opened and applied at query time, so the scores equal
`rank_bm25.BM25Okapi(docs).get_scores(query)` (same k1, b, epsilon and the same idf floor), float64
throughout, and an index whose statistics change needs no re-weighting of its postings.

`search_weighted` finds the exact top k by block-max MaxScore (see `_search_pruned`): a seed of the
most promising blocks sets the score to beat; the terms whose bounds together cannot beat it are
only looked up for the few documents that the other terms make worth it, and blocks whose bound
cannot beat it are never read.  Every bound is computed with the same floating-point operations, in
the same order, as the scores, so it is never below a score it bounds (IEEE rounding is monotone);
the result is exactly `search_exhaustive`'s (ties to the lower document number) with bit-identical scores.
When setup.py could build it, `_maxscore.c` does the same search compiled (see `_search_compiled`).
"""

from __future__ import annotations

import copy
import functools
import math
import threading
from typing import Iterable, NamedTuple, Sequence

import numpy as np

try:  # the compiled document-at-a-time MaxScore (setup.py builds it when a C compiler is at hand)
    from bot.index import _maxscore as KERNEL
except ImportError:  # pragma: no cover - depends on the install
    KERNEL = None
try:  # the compiled look-up of many documents in a term's postings (hits_and_runs); numpy's is the same
    from bot.index import _runs as RUNS
except ImportError:  # pragma: no cover - depends on the install
    RUNS = None

K1 = 1.5
B = 0.75
EPSILON = 0.25
BLOCK = 128  # postings per block of per-block bounds
# Below this many postings in all a query's terms together, adding them all up is as fast as pruning.
PRUNE_MIN_POSTINGS = 20_000
# The seed: about this many postings of the blocks with the largest bounds, scored in full first.
SEED_POSTINGS = 2048
# Documents are looked up in a term's postings by binary search when they are fewer than 1/DENSE_LOOKUP
# of its postings, else by marking the postings in a dense array.
DENSE_LOOKUP = 16
# The compiled search adds up the next documents term by term (a chunk of them at a time) instead of
# visiting them one by one while the terms that can still get a document in (the essential ones) have
# postings in at least this share of the documents: nearly every document is then a candidate.
DENSE_SHARE = 0.25
# When the postings to read plus those to look up in (at most all of a list) pass this share of all
# the query's postings, adding them all up is cheaper than pruning.
READ_SHARE = 0.7


def as_ndarray(array: np.ndarray) -> np.ndarray:
    """A memory-mapped array as a plain ndarray over the same pages: np.memmap's Python-level
    __getitem__ costs microseconds per slice, which adds up on the query path."""
    return array.view(np.ndarray) if isinstance(array, np.memmap) else array


def find(ids: np.ndarray, values, side: str = "left") -> np.ndarray:
    """np.searchsorted of document numbers in sorted postings, the numbers cast to the postings' type
    first: given another type, numpy converts the whole postings array on every call (150 µs for 600,000
    postings, against 8 µs).  Document numbers and bounds fit: doc_ids are uint32 below 2**32 documents."""
    return np.searchsorted(ids, np.asarray(values).astype(ids.dtype, copy=False), side=side)


def length_norm(lengths: np.ndarray, k1: float, b: float, avgdl: float) -> np.ndarray:
    """k1 * (1 - b + b * |d| / avgdl), the same expression for documents, paragraphs and block bounds
    (the compiled search reads it precomputed: one order of operations everywhere, so equal floats)."""
    if not avgdl:
        return np.full(len(lengths), k1)
    return k1 * (1 - b + b * lengths / avgdl)


def term_scores(idf: float, tf: np.ndarray, norm: np.ndarray, k1: float) -> np.ndarray:
    """BM25 term scores: idf * tf * (k1 + 1) / (tf + norm), rank_bm25's formula, float64."""
    return idf * (tf * (k1 + 1) / (tf + norm))


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
    # One int64 key per token, the term above the document's bits: sorted, keys order by term, then document.
    shift = max(len(doc_len) - 1, 1).bit_length()
    keys = np.asarray(token_ids, dtype=np.int64) << shift
    keys |= np.repeat(np.arange(len(doc_len), dtype=np.int64), doc_len)
    # Sorted in place and cut where the key changes: what np.unique(return_counts=True) gives, without
    # its copies (a third of the time at 20M tokens).
    keys.sort()
    change = np.empty(len(keys), dtype=bool)
    change[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    tf = np.diff(starts, append=len(keys))
    keys = keys[starts]
    return keys >> shift, keys & ((1 << shift) - 1), tf


def _hits(ids: np.ndarray, scores: np.ndarray) -> list[Hit]:
    return [Hit(d, s) for d, s in zip(ids.tolist(), scores.tolist())]


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Every position of the half-open ranges [starts[i], ends[i]) laid end to end (empty ones skipped)."""
    lens = ends - starts
    keep = lens > 0
    starts, lens = starts[keep], lens[keep]
    total = int(lens.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
    return np.arange(total, dtype=np.int64) + shift


def run_sums(tf: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per run [lo[i], hi[i]) of a term's sentence postings (a paragraph's): the sum of its counts."""
    owner = np.repeat(np.arange(len(lo)), hi - lo)
    return np.bincount(owner, weights=tf[ranges(lo, hi)], minlength=len(lo))


def runs_of(located: tuple[np.ndarray, np.ndarray, np.ndarray], points: np.ndarray,
            runs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """hits_and_runs from a term's `locate` of points, then the runs' starts, then their ends."""
    at, doc, tf = located
    n = len(points)
    lo, hi = at[n:n + runs], at[n + runs:]
    return doc[:n] == points, (hi - lo).astype(np.int64), run_sums(tf, lo, hi) if len(tf) else np.zeros(runs)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique for the few-thousand-long id arrays of a query (sorting beats its hash table here)."""
    values = np.sort(values).astype(np.int64, copy=False)
    if len(values) > 1:
        values = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return values


def _union(ids_a: np.ndarray, scores_a: np.ndarray, ids_b: np.ndarray, scores_b: np.ndarray):
    """Two sets of (document, exact score), a document in both once (its scores are the same)."""
    ids = np.concatenate((ids_a, ids_b)).astype(np.int64, copy=False)
    scores = np.concatenate((scores_a, scores_b))
    order = np.argsort(ids, kind="stable")
    ids, scores = ids[order], scores[order]
    first = np.concatenate(([True], ids[1:] != ids[:-1])) if len(ids) else np.zeros(0, dtype=bool)
    return ids[first], scores[first]


def _best(scores: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Where the k best are (score descending, then lower id first), in no order; ties at the k-th
    score go to the lower ids."""
    if len(scores) <= k:
        return np.arange(len(scores))
    kth = -np.partition(-scores, k - 1)[k - 1]
    above = np.flatnonzero(scores > kth)
    tied = np.flatnonzero(scores == kth)
    if k - len(above) < len(tied):
        tied = tied[np.argsort(ids[tied], kind="stable")[:k - len(above)]]
    return np.concatenate((above, tied))


def top_k(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (score descending, then lower id first), exactly, whatever order the arrays are in."""
    keep = _best(scores, ids, k)
    ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))
    return ids[order], scores[order]


def _can_enter(bound, doc, theta: float, last: int):
    """Whether a document (at least this number) with at most this score can beat the k-th held, which
    scores theta and is document `last`: by scoring more, or the same with a lower number."""
    return (bound > theta) | ((bound == theta) & (doc < last))


def _add(values: list):
    """Term scores (or bounds) added in query order, as the exhaustive sum adds them."""
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


class Hit(NamedTuple):
    """A document and its score (a named tuple: made sixty at a time a search, ~4x faster than a
    frozen dataclass)."""

    doc: int
    score: float


class _Term:
    """One distinct query term's postings and bounds, for one search."""

    __slots__ = ("tid", "lo", "hi", "idf", "block_bound", "bound")

    def __init__(self, tid: int, lo: int, hi: int, idf: float):
        self.tid, self.lo, self.hi, self.idf = tid, lo, hi, idf  # its postings are [lo, hi)
        self.block_bound = np.zeros(0)  # per block: the term score of its largest tf in its shortest document
        self.bound = 0.0  # the largest block bound


class BM25Index:
    """Term-major postings: term t's documents are doc_ids[indptr[t]:indptr[t+1]] (ascending), with
    their term frequencies tf[...]; blocks of BLOCK postings (term t's start at block_ptr[t]) carry the
    block's largest frequency and its shortest document's length."""

    ARRAYS = ("indptr", "doc_ids", "tf", "doc_len", "block_ptr", "block_max_tf", "block_min_len", "block_min_ratio")

    def __init__(self, terms: Sequence[str], indptr: np.ndarray, doc_ids: np.ndarray, tf: np.ndarray,
                 doc_len: np.ndarray, block_ptr: np.ndarray, block_max_tf: np.ndarray, block_min_len: np.ndarray,
                 block_min_ratio: np.ndarray, k1: float = K1, b: float = B, epsilon: float = EPSILON):
        self.terms = tuple(terms)  # (a tuple: see ArticleRecords, the collector's walks)
        self.vocab = {t: i for i, t in enumerate(self.terms)}
        self.indptr, self.doc_ids, self.tf = as_ndarray(indptr), as_ndarray(doc_ids), as_ndarray(tf)
        self.doc_len = as_ndarray(doc_len)
        self.block_ptr, self.block_max_tf = as_ndarray(block_ptr), as_ndarray(block_max_tf)
        self.block_min_len, self.block_min_ratio = as_ndarray(block_min_len), as_ndarray(block_min_ratio)
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.prune_min_postings = PRUNE_MIN_POSTINGS
        self._norm_cache: np.ndarray | None = None  # every document's length norm, made when the kernel first needs it
        # The collection's statistics, as rank_bm25 computes them, applied at query time.
        n_docs = len(self.doc_len)
        self.avgdl = float(self.doc_len.sum(dtype=np.int64)) / n_docs if n_docs else 0.0
        self.idf = self._okapi_idf(np.diff(self.indptr), n_docs, epsilon)
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
        doc_ids = np.asarray(doc_ids).astype(np.uint32 if len(doc_len) < 2**32 else np.uint64)
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
            lengths = doc_len[doc_ids]
            block_max_tf = np.maximum.reduceat(tf, starts)
            block_min_len = np.minimum.reduceat(lengths, starts)
            ratio = np.minimum.reduceat(lengths / tf, starts)
            del lengths
            # float32, rounded down: a bound from it stays a bound
            block_min_ratio = ratio.astype(np.float32)
            high = block_min_ratio > ratio
            block_min_ratio[high] = np.nextafter(block_min_ratio[high], np.float32(0))
        else:
            block_max_tf, block_min_len, block_min_ratio = tf[:0], doc_len[:0], np.zeros(0, np.float32)
        return cls(terms, indptr, doc_ids, tf, doc_len, block_ptr, block_max_tf, block_min_len, block_min_ratio,
                   k1, b, epsilon)

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
        return length_norm(lengths, self.k1, self.b, self.avgdl)

    def _term_scores(self, idf: float, tf: np.ndarray, norm: np.ndarray) -> np.ndarray:
        return term_scores(idf, tf, norm, self.k1)

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
        return ids, self._term_scores(self.idf[tid], tf, self._length_norm(self.doc_len[ids]))

    def holds(self, term: str, docs: np.ndarray) -> np.ndarray:
        """Per document: whether the term occurs in it, from the postings (a score can be 0 where it
        occurs: rank_bm25's idf is 0 for a term in exactly half of the documents)."""
        ids, _ = self.postings(term)
        if not len(ids):
            return np.zeros(len(docs), dtype=bool)
        at = np.minimum(find(ids, docs), len(ids) - 1)
        return ids[at] == docs

    def df(self, term: str) -> int:
        tid = self.vocab.get(term)
        return 0 if tid is None else int(self.indptr[tid + 1] - self.indptr[tid])

    def locate(self, term: str, needles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where each document number would sit in the term's postings (`find`), the document found
        there (-1 past the end), and the frequencies those positions index: a run of documents
        [a, b) holds the term at positions [at(a), at(b))."""
        ids, tf = self.postings(term)
        at = find(ids, needles)
        doc = np.full(len(at), -1, dtype=np.int64)
        ok = at < len(ids)
        doc[ok] = ids[at[ok]]
        return at, doc, tf

    def hits_and_runs(self, term: str, points: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                      compiled: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Whether each document of `points` holds the term; and for each run of documents [lo[j], hi[j])
        (a paragraph's or an article's sentences) how many hold it and the sum of its counts in them.
        The ranker's evidence for sixty candidates a question, a term at a time: in compiled code when
        built (bot/index/_runs.c, the same numbers), else numpy's searches."""
        ids, tf = self.postings(term)
        points, lo, hi = (np.ascontiguousarray(a, dtype=np.int64) for a in (points, lo, hi))
        if compiled and RUNS is not None and ids.dtype.kind == "u" and tf.dtype.kind == "u":
            found = np.empty(len(points), dtype=bool)
            count = np.empty(len(lo), dtype=np.int64)
            total = np.empty(len(lo))
            RUNS.hits_and_runs(np.ascontiguousarray(ids), ids.itemsize, np.ascontiguousarray(tf), tf.itemsize,
                               points, lo, hi, found, count, total)
            return found, count, total
        return runs_of(self.locate(term, np.concatenate([points, lo, hi])), points, len(lo))

    def with_statistics(self, idf: np.ndarray, avgdl: float) -> "BM25Index":
        """The same postings weighed with another collection's statistics (a segment of a bigger index:
        bot.index.combined): its idf per term of this index, its average document length."""
        other = copy.copy(self)
        other.idf, other.avgdl = np.asarray(idf, dtype=np.float64), float(avgdl)
        other._norm_cache = None
        other.__dict__.pop("_norm_table", None)  # (made of the norms: this index's, not the other's)

        other._local = threading.local()
        return other

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
        """Which of these documents have a posting of the term in [lo, hi) (a mask), and its scores there.

        A few documents are found by binary search; many, against a long list, by marking the list's
        documents in a dense array (one pass over the list beats a binary search per document)."""
        ids = self.doc_ids[lo:hi]
        if len(docs) * DENSE_LOOKUP < hi - lo:
            pos = np.minimum(find(ids, docs), hi - lo - 1)
            hit = ids[pos] == docs
            found = lo + pos[hit]
        else:
            where = self._where()
            try:
                where[ids] = np.arange(lo, hi)
                found = where[docs]
            finally:
                where[ids] = -1
            hit = found >= 0
            found = found[hit]
        return hit, self._term_scores(t.idf, self.tf[found], self._length_norm(self.doc_len[docs[hit]]))

    def _where(self) -> np.ndarray:
        """A buffer of -1 per document, one per thread, reused; callers put back the -1s they changed."""
        where = getattr(self._local, "where", None)
        if where is None or len(where) != self.doc_count:
            where = self._local.where = np.full(self.doc_count, -1, dtype=np.int64)
        return where

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
        return _hits(*self._search(weighted, k, prune=True))

    def top_k(self, weighted: Sequence[tuple[str, float]], k: int) -> tuple[np.ndarray, np.ndarray]:
        """`search_weighted` as two arrays, the documents (int64) and their scores, best first (no Hit
        object a document, for callers that go on with arrays)."""
        return self._search(weighted, k, prune=True)

    def search_exhaustive(self, weighted: Sequence[tuple[str, float]], k: int) -> list[Hit]:
        """The same as `search_weighted`, by adding up every posting of every term (the reference)."""
        return _hits(*self._search(weighted, k, prune=False))

    def _search(self, weighted: Sequence[tuple[str, float]], k: int, prune: bool) -> tuple[np.ndarray, np.ndarray]:
        k = max(0, int(k))
        terms, uses = self._query_terms(weighted)
        if not terms or k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        # Bounds need non-negative contributions: a negative weight or idf (tiny corpora) is added up.
        bounded = prune and not (any(w < 0 for _, w in uses) or any(t.idf < 0 for t in terms))
        if bounded and KERNEL is not None and self.doc_ids.dtype == np.uint32:
            ids, scores = self._search_compiled(terms, uses, k)
        elif bounded and sum(t.hi - t.lo for t in terms) >= self.prune_min_postings:
            ids, scores = self._search_pruned(terms, uses, k)
        else:  # (short postings in numpy: adding them up is as fast as pruning)
            ids, scores = self._search_exhaustive(terms, uses, k)
        return np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64)

    def _search_compiled(self, terms: list[_Term], uses: list[tuple[int, float]], k: int):
        """The compiled MaxScore (bot/index/_maxscore.c): the same documents and bit-identical scores as
        `_search_exhaustive`, visiting documents in order and skipping those the terms' bounds rule out;
        where the terms that can still get a document in have postings in DENSE_SHARE of the documents
        or more, adding up a chunk of documents term by term, from a seed's floor.  The kernel works out
        the block bounds itself, from the per-block figures and the collection's (a few numpy calls a term
        cost more than a search of rare words)."""
        k = min(k, sum(t.hi - t.lo for t in terms))
        out_docs, out_scores = np.empty(k, dtype=np.int64), np.empty(k)
        n = KERNEL.maxscore(
            self._contiguous_postings[0], self._contiguous_postings[1], self.tf.dtype.itemsize, self._norms(),
            np.array([t.lo for t in terms], dtype=np.int64), np.array([t.hi for t in terms], dtype=np.int64),
            np.array([t.idf for t in terms]), np.array([self.block_ptr[t.tid] for t in terms], dtype=np.int64),
            self._contiguous_blocks[0], self.block_max_tf.dtype.itemsize, self._contiguous_blocks[1],
            self.block_min_len.dtype.itemsize, self._contiguous_blocks[2], BLOCK,
            np.array([i for i, _ in uses], dtype=np.int64), np.array([w for _, w in uses], dtype=np.float64),
            k, self.k1, self.k1 + 1, self.b, float(self.avgdl), out_docs, out_scores,
            self._contiguous_lengths, self.doc_len.dtype.itemsize, self._norm_by_length(), DENSE_SHARE)
        return out_docs[:n], out_scores[:n]

    @functools.cached_property
    def _contiguous_postings(self) -> tuple[np.ndarray, np.ndarray]:
        return np.ascontiguousarray(self.doc_ids), np.ascontiguousarray(self.tf)

    @functools.cached_property
    def _contiguous_blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The per-block figures as the kernel reads them (block_min_ratio: float32)."""
        return (np.ascontiguousarray(self.block_max_tf), np.ascontiguousarray(self.block_min_len),
                np.ascontiguousarray(self.block_min_ratio, dtype=np.float32))

    def _norms(self) -> np.ndarray:
        """k1 * (1 - b + b * |d| / avgdl) of every document, made once (8 bytes a document) for the kernel."""
        if self._norm_cache is None:
            self._norm_cache = np.ascontiguousarray(self._length_norm(self.doc_len), dtype=np.float64)
        return self._norm_cache

    @functools.cached_property
    def _contiguous_lengths(self) -> np.ndarray:
        return np.ascontiguousarray(self.doc_len)

    def _norm_by_length(self) -> np.ndarray:
        """The norm of each length 0 .. the longest document's (the kernel's dense chunks read term scores
        from tables made of it), checked equal to every document's own: empty when it is not (then the
        kernel works each score out from the document's norm)."""
        table = self.__dict__.get("_norm_table")
        if table is None:
            longest = int(self.doc_len.max()) if self.doc_count else 0
            table = np.ascontiguousarray(self._length_norm(np.arange(longest + 1).astype(self.doc_len.dtype)))
            if self.doc_count and not np.array_equal(table[self.doc_len], self._norms()):
                table = np.zeros(0)
            self.__dict__["_norm_table"] = table
        return table

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
            s = self._term_scores(term.idf, self.tf[lo:hi], self._length_norm(self.doc_len[docs[0]]))
            return top_k(docs[0], s if w == 1.0 else s * w, k)
        scores = [self._term_scores(t.idf, self.tf[lo:hi], self._length_norm(self.doc_len[d]))
                  for t, (lo, hi), d in zip(terms, ranges, docs)]
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
        """Block-max MaxScore: exactly the best k, reading few postings of the common terms.

        A block's bound is the term score of its largest frequency in its shortest document.
        1. Seed: the documents of the blocks with the largest (weighted) bounds are scored in full;
           the k-th best of them (score theta, document `last`) is what a document must beat to get
           in: score more, or the same with a lower number.
        2. The terms whose bounds add up to too little to beat it are non-essential: a document with
           only those cannot get in, so candidates come from the other (essential) terms' postings.
        3. For each essential term, rarest first, each of its blocks is bounded by its own bound plus,
           for every other term, the bound of that term's blocks holding documents in the block's
           range; only the blocks that can beat the k-th are read.  Each candidate's bound is its
           exact score for that term plus those bounds; the other terms are then looked up one by one
           (largest bound first) and every candidate whose bound cannot beat the k-th is dropped.
           What is left is exactly scored and joins the k held, which raises the bar for the next.
        Bounds add in query order with the same operations as scores, so never fall below them."""
        for t in terms:
            t.block_bound = self._block_bound(t)
            t.bound = float(t.block_bound.max())
        held_ids, held_scores = self._seed(terms, uses, k)
        if len(held_ids) < k:
            return self._search_exhaustive(terms, uses, k)
        use_bounds = [self._weighted(terms[i].bound, w) for i, w in uses]
        theta, last = float(held_scores[k - 1]), int(held_ids[k - 1])
        total = {i: sum(b for (j, _), b in zip(uses, use_bounds) if j == i) for i in range(len(terms))}
        essential = set(range(len(terms)))
        for i in sorted(essential, key=lambda i: (total[i], i)):
            trial = essential - {i}
            if _can_enter(_add([0.0 if j in trial else b for (j, _), b in zip(uses, use_bounds)]), 0, theta, last):
                break
            essential = trial
        # Which blocks of the essential terms can get a document in; reading most postings anyway,
        # adding them all up costs less than looking the other terms up for each.
        kept = {}
        for e in sorted(essential):
            first, bounds = self._block_bounds(terms, uses, e)
            kept[e] = (np.flatnonzero(_can_enter(bounds, first, theta, last)), len(bounds))
        reading = sum(min(len(blocks) * BLOCK, terms[e].hi - terms[e].lo) for e, (blocks, _) in kept.items())
        looking_up = sum(min(t.hi - t.lo, reading) for i, t in enumerate(terms) if i not in essential)
        if reading + looking_up > READ_SHARE * sum(t.hi - t.lo for t in terms):
            return self._search_exhaustive(terms, uses, k)
        ids, scores = self._candidates(terms, uses, kept, theta, last)
        return top_k(*_union(held_ids, held_scores, ids, scores), k)

    def _block_bound(self, t: _Term) -> np.ndarray:
        """Per block of the term, a bound on its score in any of the block's documents, never below the
        float64 score: the score of the block's largest tf in its shortest document (the same
        operations as a score: IEEE rounding keeps the order), or, when lower, the bound from the
        block's least length / tf (with a margin for rounding): a score is
        idf (k1 + 1) / (1 + k1 (1 - b) / tf + (k1 b / avgdl) len / tf).  (The compiled search works the
        same bounds out in C: _maxscore.c's block_bounds.)"""
        b0, b1 = int(self.block_ptr[t.tid]), int(self.block_ptr[t.tid + 1])
        corner = self._term_scores(t.idf, self.block_max_tf[b0:b1], self._length_norm(self.block_min_len[b0:b1]))
        if not self.avgdl:
            return corner
        k1, b = self.k1, self.b
        ratio = self.block_min_ratio[b0:b1].astype(np.float64)
        tight = t.idf * (k1 + 1) / (1 + k1 * (1 - b) / self.block_max_tf[b0:b1] + (k1 * b / self.avgdl) * ratio)
        return np.minimum(corner, tight * (1 + 1e-9))

    def _seed(self, terms: list[_Term], uses: list[tuple[int, float]], k: int) -> tuple[np.ndarray, np.ndarray]:
        """The documents of the blocks with the largest (weighted) bounds, the earliest of equal ones,
        SEED_POSTINGS postings or so, scored in full: their best k."""
        weight = {}
        for i, w in uses:
            weight[i] = weight.get(i, 0.0) + w
        sizes = [len(t.block_bound) for t in terms]
        owner = np.repeat(np.arange(len(terms)), sizes)
        rank = np.arange(len(owner)) - np.repeat(np.cumsum([0] + sizes[:-1]), sizes)  # block number within its term
        starts = np.array([t.lo for t in terms])[owner] + rank * BLOCK
        bounds = np.concatenate([t.block_bound * weight[i] for i, t in enumerate(terms)])
        best = _best(bounds, self.doc_ids[starts], max(SEED_POSTINGS // BLOCK, -(-4 * k // BLOCK)))
        ends = np.minimum(starts[best] + BLOCK, np.array([t.hi for t in terms])[owner[best]])
        docs = _sorted_unique(self.doc_ids[ranges(starts[best], ends)])
        return top_k(docs, self._score_docs(terms, uses, docs), k)

    @staticmethod
    def _weighted(value, w: float):
        return value if w == 1.0 else value * w

    def _block_bounds(self, terms: list[_Term], uses: list[tuple[int, float]], e: int) -> tuple[np.ndarray, np.ndarray]:
        """Each block of term e: its first document and a bound on the score of any document in it,
        added in query order: e's block bound plus, for each other term, the largest bound of that
        term's blocks with documents in the block's range (all of its bound when they are more than
        two blocks; 0 when it has none there)."""
        t = terms[e]
        starts = t.lo + np.arange(len(t.block_bound)) * BLOCK
        first = self.doc_ids[starts]
        final = self.doc_ids[np.minimum(starts + BLOCK, t.hi) - 1]
        parts: dict[int, np.ndarray] = {e: t.block_bound}
        for i, o in enumerate(terms):
            if i != e:
                docs = self.doc_ids[o.lo:o.hi]
                p_lo, p_hi = np.searchsorted(docs, first), np.searchsorted(docs, final, side="right")
                b_lo, b_hi = np.minimum(p_lo // BLOCK, len(o.block_bound) - 1), np.maximum(p_hi - 1, 0) // BLOCK
                bound = np.maximum(o.block_bound[b_lo], o.block_bound[b_hi])
                bound[b_hi - b_lo > 1] = o.bound
                bound[p_hi <= p_lo] = 0.0
                parts[i] = bound
        return first, _add([self._weighted(parts[i], w) for i, w in uses])

    def _candidates(self, terms: list[_Term], uses: list[tuple[int, float]], kept: dict[int, tuple[np.ndarray, int]],
                    theta: float, last: int) -> tuple[np.ndarray, np.ndarray]:
        """The documents of the essential terms' postings that can beat the k-th held (score theta,
        document `last`), exactly scored."""
        weight = {i: sum(w for j, w in uses if j == i) for i in range(len(terms))}
        top = {i: t.bound * weight[i] for i, t in enumerate(terms)}  # each term's largest contribution
        margin = 1e-9 * (abs(theta) + sum(top.values()))
        # Read the essential terms' blocks that can get a document in; add up their scores.
        read: dict[int, np.ndarray] = {}  # essential term -> the documents read of it (ascending)
        unread = 0.0  # what the essential terms with blocks left unread may add to any candidate
        acc = self._accumulator()
        try:
            essential = set(kept)
            for e, (keep, blocks) in kept.items():
                t = terms[e]
                if len(keep) < blocks:
                    unread += top[e]
                if not len(keep):
                    continue
                starts = t.lo + keep * BLOCK
                at = ranges(starts, np.minimum(starts + BLOCK, t.hi)) if len(keep) < blocks else np.arange(t.lo, t.hi)
                docs = self.doc_ids[at]
                own = self._term_scores(t.idf, self.tf[at], self._length_norm(self.doc_len[docs])) * weight[e]
                acc[docs] += own - top[e] if len(keep) < blocks else own
                read[e] = docs
            if not read:
                return np.zeros(0, dtype=np.int64), np.zeros(0)
            cands = next(iter(read.values())).astype(np.int64) if len(read) == 1 else _sorted_unique(
                np.concatenate(list(read.values())))
            # The bound of each candidate (its additions in no particular order: compared with a margin).
            bound = acc[cands] + unread + sum(top[i] for i in range(len(terms)) if i not in essential)
        finally:
            for docs in read.values():
                acc[docs] = 0.0
        # Look up the rest, largest first: the non-essential terms, and the essential ones for the
        # candidates not read in their blocks.
        partial = [e for e in essential if e not in read or len(read[e]) < terms[e].hi - terms[e].lo]
        for i in sorted([i for i in range(len(terms)) if i not in essential] + partial, key=lambda i: -top[i]):
            alive = bound >= theta - margin
            cands, bound = cands[alive], bound[alive]
            if not len(cands):
                return cands, bound
            hit, scores = self._scores_of(terms[i], terms[i].lo, terms[i].hi, cands)
            exact = np.zeros(len(cands))
            exact[hit] = scores * weight[i]
            if i in read:  # those read already count exactly
                docs = read[i]
                pos = np.minimum(find(docs, cands), len(docs) - 1)
                counted = docs[pos] == cands
                exact[counted] = top[i]
            bound = bound - top[i] + exact
        cands = cands[bound >= theta - margin]
        scores = self._score_docs(terms, uses, cands)
        keep = _can_enter(scores, cands, theta, last)
        return cands[keep], scores[keep]

    def _score_docs(self, terms: list[_Term], uses: list[tuple[int, float]], docs: np.ndarray) -> np.ndarray:
        """These documents' scores, exactly as the exhaustive sum makes them (0 where no term is)."""
        total = np.zeros(len(docs))
        for number, (i, w) in enumerate(uses):
            row = np.zeros(len(docs))
            hit, scores = self._scores_of(terms[i], terms[i].lo, terms[i].hi, docs)
            row[hit] = self._weighted(scores, w)
            total = row if number == 0 else total + row
        return total

    # -- saving ----------------------------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.ARRAYS}

    def params(self) -> dict:
        return {"k1": self.k1, "b": self.b, "epsilon": self.epsilon, "docs": self.doc_count, "terms": len(self.terms),
                "block": BLOCK}
