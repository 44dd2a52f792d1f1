"""BM25 over paragraphs, read from the sentence postings: no postings of their own.

A paragraph's sentences are numbered consecutively (`para_first[p]` .. `para_first[p + 1]`), so a
term's frequency in a paragraph is the sum of its frequencies in the run of sentence postings between
two binary searches.  What BM25 needs beyond that is stored per paragraph (its length) and per term
(in how many paragraphs it occurs); the scores equal `rank_bm25.BM25Okapi` over the paragraphs'
tokens, as the sentence index's equal it over the sentences'.  The answerer asks only for the
paragraphs of its few candidates, never for a top k of paragraphs, so a second set of postings (as
large as the first) would buy nothing but disk and load time.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from bot.index.bm25 import BM25Index, as_ndarray, length_norm, narrow_uint, term_scores


_NO_SENTENCES = np.zeros(0, dtype=np.int64)  # (hits_and_runs' sentences, when only its runs are asked for)


class ParagraphBM25:
    """BM25 scores and presence of terms in paragraphs, through `sentences`' postings."""

    ARRAYS = ("df", "doc_len")

    def __init__(self, sentences: BM25Index, para_first: np.ndarray, df: np.ndarray, doc_len: np.ndarray,
                 k1: float, b: float, epsilon: float):
        self.sentences = sentences
        self.para_first = as_ndarray(para_first)
        self.df = as_ndarray(df)  # per term of the sentence vocabulary: paragraphs holding it
        self.doc_len = as_ndarray(doc_len)
        self.k1, self.b, self.epsilon = k1, b, epsilon
        n_docs = len(self.doc_len)
        # The same statistics, from the same kinds of arrays, as BM25Index works out for its documents.
        self.avgdl = float(self.doc_len.sum(dtype=np.int64)) / n_docs if n_docs else 0.0
        self.idf = BM25Index._okapi_idf(self.df.astype(np.int64), n_docs, epsilon)

    @classmethod
    def from_counts(cls, sentences: BM25Index, para_first: np.ndarray, post_terms: np.ndarray,
                    paragraph_of_posting: np.ndarray, doc_len: np.ndarray) -> "ParagraphBM25":
        """From the sentence postings' terms and each posting's paragraph (sorted by term, then sentence)."""
        if len(post_terms):
            change = np.empty(len(post_terms), dtype=bool)
            change[0] = True
            change[1:] = (post_terms[1:] != post_terms[:-1]) | (paragraph_of_posting[1:] != paragraph_of_posting[:-1])
            df = np.bincount(post_terms[change], minlength=len(sentences.terms))
        else:
            df = np.zeros(len(sentences.terms), dtype=np.int64)
        doc_len = np.asarray(doc_len)
        return cls(sentences, para_first, df.astype(narrow_uint(df)), doc_len.astype(narrow_uint(doc_len)),
                   sentences.k1, sentences.b, sentences.epsilon)

    @property
    def doc_count(self) -> int:
        return len(self.doc_len)

    def params(self) -> dict:
        return {"k1": self.k1, "b": self.b, "epsilon": self.epsilon, "docs": self.doc_count,
                "terms": len(self.df), "postings": "sentences"}

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.ARRAYS}

    # -- look-ups ------------------------------------------------------------------------------------
    def _runs(self, term: str, first: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per range of paragraphs [first, end): how many of its sentences hold the term, and the sum
        of the term's counts in them (a paragraph's sentences are a run of the sentence postings)."""
        _, count, total = self.sentences.hits_and_runs(term, _NO_SENTENCES, self.para_first[first], self.para_first[end])
        return count, total

    def holds(self, term: str, paragraphs: np.ndarray) -> np.ndarray:
        """Per paragraph: whether the term occurs in it."""
        paragraphs = np.asarray(paragraphs, dtype=np.int64)
        return self.holds_any(term, paragraphs, paragraphs + 1)

    def holds_any(self, term: str, first: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Per range of paragraphs [first, end) (an article's, say): whether any of them holds the term."""
        count, _ = self._runs(term, np.asarray(first, dtype=np.int64), np.asarray(end, dtype=np.int64))
        return count > 0

    def term_frequencies(self, term: str, paragraphs: np.ndarray) -> np.ndarray:
        """The term's count in each paragraph (float64, as BM25 uses it)."""
        paragraphs = np.asarray(paragraphs, dtype=np.int64)
        return self._runs(term, paragraphs, paragraphs + 1)[1]

    def add_term_scores(self, out: np.ndarray, tid: int, weight: float, paragraphs: np.ndarray,
                        tf: np.ndarray) -> None:
        """out += term tid's BM25 score, times weight, in each of these paragraphs, given its count there."""
        hit = tf > 0
        norm = length_norm(self.doc_len[paragraphs[hit]], self.k1, self.b, self.avgdl)
        out[hit] += term_scores(float(self.idf[tid]), tf[hit], norm, self.k1) * weight

    def doc_scores(self, weighted: Sequence[tuple[str, float]], paragraphs: np.ndarray) -> np.ndarray:
        """BM25 scores of the given paragraphs, each term's weighted as BM25Index.doc_scores does."""
        paragraphs = np.asarray(paragraphs, dtype=np.int64)
        out = np.zeros(len(paragraphs))
        for term, w in weighted:
            tid = self.sentences.vocab.get(term)
            if not w or tid is None:
                continue
            self.add_term_scores(out, tid, w, paragraphs, self.term_frequencies(term, paragraphs))
        return out

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """Dense scores for every paragraph, exactly as BM25Okapi.get_scores (for tests and baselines)."""
        everything = np.arange(self.doc_count)
        return self.doc_scores([(t, 1.0) for t in query], everything) if len(everything) else np.zeros(0)
