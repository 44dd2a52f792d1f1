"""The pruned top k (block-max MaxScore) is exactly the exhaustive top k: the same documents in the same
order, ties to the lower document number, bit-identical scores, and those scores are rank_bm25's."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.index import bm25
from bot.index.bm25 import BM25Index


def _corpus(rng: random.Random, n: int, vocab: int, longest: int, zipf: float) -> list[list[str]]:
    words = [f"w{i}" for i in range(vocab)]
    weights = [1 / (i + 1) ** zipf for i in range(vocab)]
    return [rng.choices(words, weights, k=rng.randint(0, longest)) for _ in range(n)]


def _query(rng: random.Random, idx: BM25Index) -> list[tuple[str, float]]:
    """1-7 terms: common ones, any from the vocabulary, unknown ones, repeats; related-word weights."""
    terms = []
    for _ in range(rng.randint(1, 7)):
        roll = rng.random()
        if roll < 0.4:
            terms.append(f"w{rng.randint(0, 8)}")
        elif roll < 0.8:
            terms.append(rng.choice(idx.terms))
        elif roll < 0.9:
            terms.append("absent")
        elif terms:
            terms.append(rng.choice(terms))  # the same term again
        else:
            terms.append("w0")
    return [(t, rng.choice([1.0, 1.0, 1.0, 0.5, 0.35, 0.25, 0.0])) for t in terms]


def _pruning(idx: BM25Index) -> BM25Index:
    idx.prune_min_postings = 0  # prune every query, however short its postings (the default skips short ones)
    return idx


@pytest.fixture(params=["compiled", "compiled-dense", "numpy"])
def search_path(request, monkeypatch):
    """Both pruned searches: the compiled kernel (skipped where it was not built), as it decides and
    adding up term by term wherever it may (dense chunks, whatever the share of the documents), and numpy's."""
    if request.param.startswith("compiled") and bm25.KERNEL is None:
        pytest.skip("the compiled kernel is not built here (no C compiler at install)")
    if request.param == "compiled-dense":
        monkeypatch.setattr(bm25, "DENSE_SHARE", 0.0)
    if request.param == "numpy":
        monkeypatch.setattr(bm25, "KERNEL", None)
    return request.param


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("seed_postings", [bm25.SEED_POSTINGS, 1])
def test_pruned_top_k_equals_exhaustive_on_random_corpora(seed, seed_postings, search_path, monkeypatch):
    """(With a seed of one block, the k held at first are far from the best: the pruning does the work.)"""
    monkeypatch.setattr(bm25, "SEED_POSTINGS", seed_postings)
    rng = random.Random(seed)
    docs = _corpus(rng, rng.choice([30, 400, 3000, 12000]), rng.choice([40, 400, 5000]), rng.choice([3, 12, 40]),
                   rng.choice([0.6, 1.0, 1.3]))
    idx = _pruning(BM25Index.build(docs))
    for _ in range(40):
        weighted = _query(rng, idx)
        k = rng.choice([1, 2, 10, 60, 500, 10**6])
        pruned, exhaustive = idx.search_weighted(weighted, k), idx.search_exhaustive(weighted, k)
        assert pruned == exhaustive, (weighted, k)
        assert len(pruned) == min(k, len({d for t, w in weighted if w for d in idx.postings(t)[0].tolist()}))


@pytest.mark.parametrize("longest, repeats", [(40, 1), (300, 1), (12, 300)])
def test_long_documents_and_high_frequencies(longest, repeats, search_path):
    """Lengths past 255 (two-byte lengths) and frequencies past the kernel's tables (and past 255: two-byte
    frequencies) are worked out from the document's norm, with the same results."""
    rng = random.Random(longest + repeats)
    docs = [doc * rng.choice([1, 1, 2, repeats]) for doc in _corpus(rng, 3000, 300, longest, 1.0)]
    idx = _pruning(BM25Index.build(docs))
    for _ in range(30):
        weighted, k = _query(rng, idx), rng.choice([1, 10, 60])
        assert idx.search_weighted(weighted, k) == idx.search_exhaustive(weighted, k), (weighted, k)


def test_the_norm_of_each_length_is_every_documents_norm():
    """The kernel's dense chunks read scores from tables by length: the norm of a length must be the
    very float numpy computes for a document of that length."""
    rng = random.Random(2)
    for longest in (5, 40, 300):
        idx = BM25Index.build(_corpus(rng, 2000, 100, longest, 1.0))
        table = idx._norm_by_length()
        assert len(table) == idx.doc_len.max() + 1
        assert np.array_equal(table[idx.doc_len], idx._norms())


def test_the_pruned_search_is_taken_and_skips_postings(monkeypatch):
    """On a corpus where pruning pays, few candidates of a common-word query survive to be scored in
    full, and the result is still the exhaustive one (so the pruned branch is what the other tests check)."""
    monkeypatch.setattr(bm25, "KERNEL", None)  # numpy's path (the kernel keeps no such count)
    rng = random.Random(5)
    docs = _corpus(rng, 40000, 3000, 20, 1.0)
    idx = _pruning(BM25Index.build(docs))
    seen = []
    original = idx._candidates

    def counting(*args):
        ids, scores = original(*args)
        seen.append(len(ids))
        return ids, scores

    idx._candidates = counting
    for query in (["w1", "w2", "w5", "w9"], ["w3", "w30", "w300"], ["w0"]):
        assert idx.search(query, 60) == idx.search_exhaustive([(t, 1.0) for t in query], 60)
    assert seen and sum(seen) < 0.05 * sum(idx.df(t) for t in ["w1", "w2", "w5", "w9", "w3", "w30", "w300", "w0"])


def test_ties_go_to_the_lower_document_number(search_path):
    """Documents that are all alike score alike: the top k are the first k, pruned or not."""
    alike = [["same", "words", "here"]] * 1000
    docs = alike + [["other"]] * 100 + alike + [[f"filler{i}"] for i in range(5000)]
    idx = _pruning(BM25Index.build(docs))
    assert idx.idf.min() > 0  # (a floored negative idf would not be pruned)
    for query in (["same"], ["same", "words"], ["here", "same", "words", "absent"]):
        hits = idx.search(query, 60)
        assert [h.doc for h in hits] == list(range(60))
        assert hits == idx.search_exhaustive([(t, 1.0) for t in query], 60)
    # the k-th place is among ties too: the lower numbers win it
    assert [h.doc for h in idx.search(["other", "same"], 103)] == [*range(1000, 1100), 0, 1, 2]


def test_scores_are_rank_bm25s_and_weights_multiply_them(search_path):
    rng = random.Random(11)
    docs = _corpus(rng, 2500, 300, 15, 0.9)
    idx = _pruning(BM25Index.build(docs))
    ref = BM25Okapi(docs)
    per_term = {t: ref.get_scores([t]) for t in idx.terms[:60]}
    for _ in range(30):
        weighted = [(t, w) for t, w in _query(rng, idx) if t in per_term or t == "absent"]
        dense = sum((w * per_term[t] for t, w in weighted if t in per_term), np.zeros(len(docs)))
        k = rng.choice([5, 60, 3000])
        hits = idx.search_weighted(weighted, k)
        np.testing.assert_allclose([h.score for h in hits], dense[[h.doc for h in hits]], rtol=1e-12, atol=1e-12)
        matching = {d for t, w in weighted if w and t in per_term for d in np.flatnonzero(ref.get_scores([t]) != 0)}
        best = sorted(matching, key=lambda d: (-dense[d], d))[:k]
        # rank_bm25 sums in another order: compare documents where scores are not within rounding of a tie
        assert [h.doc for h in hits][:len(best)] == best or np.allclose(
            sorted(dense[[h.doc for h in hits]]), sorted(dense[best]), rtol=1e-12)


def test_default_threshold_answers_the_same_as_always_pruning(search_path):
    rng = random.Random(3)
    docs = _corpus(rng, 20000, 2000, 25, 1.1)
    default, always = BM25Index.build(docs), _pruning(BM25Index.build(docs))
    assert default.prune_min_postings == bm25.PRUNE_MIN_POSTINGS
    for query in (["w0", "w1", "w2", "w3"], ["w100", "w7"], ["w1999", "absent"], ["w4"]):
        weighted = [(t, 1.0) for t in query] + [("w12", 0.5)]
        assert default.search_weighted(weighted, 60) == always.search_weighted(weighted, 60)


def test_negative_idf_falls_back_to_adding_up(search_path):
    """A term in more than half the documents has rank_bm25's floored idf; with a mean idf below zero
    (a tiny corpus of common words) the floor is negative, and the search adds every posting."""
    docs = [["a", "b"], ["a", "b", "c"], ["a"], ["b", "a", "a"]]
    idx = _pruning(BM25Index.build(docs))
    assert idx.idf[idx.vocab["a"]] < 0
    ref = BM25Okapi(docs).get_scores(["a", "c"])
    hits = idx.search(["a", "c"], 10)
    assert [h.doc for h in hits] == sorted(range(4), key=lambda d: (-ref[d], d))
    np.testing.assert_allclose([h.score for h in hits], ref[[h.doc for h in hits]], rtol=1e-12)


def test_a_tie_with_a_lower_number_outside_the_seed_still_wins(monkeypatch):
    """The seed reads block 1 (it holds the one best document) and holds document 129 at the k-th score;
    block 0's documents score the same and have lower numbers: block 0 must be read, and they win the tie."""
    monkeypatch.setattr(bm25, "SEED_POSTINGS", 1)
    monkeypatch.setattr(bm25, "KERNEL", None)  # (the seed is numpy's path; the kernel has its own test above)
    docs = [["x", "a", "b"]] * 128 + [["x", "a"]] + [["x", "a", "b"]] * 127 + [["y"]] * 300
    idx = _pruning(BM25Index.build(docs))
    assert [h.doc for h in idx.search(["x"], 2)] == [128, 0]
    assert [h.doc for h in idx.search(["x"], 5)] == [128, 0, 1, 2, 3]


@pytest.mark.skipif(bm25.KERNEL is None, reason="the compiled kernel is not built here")
def test_the_kernel_refuses_blocks_outside_the_per_block_arrays():
    """The kernel reads each term's blocks from where the caller says they start; a number past the
    arrays (a damaged or foreign index) is a ValueError, never a read out of bounds."""
    idx = BM25Index.build([["a", "b"], ["a"], ["b", "c"]] * 50)
    tid = idx.vocab["a"]
    lo, hi = int(idx.indptr[tid]), int(idx.indptr[tid + 1])
    max_tf, min_len, ratio = idx._contiguous_blocks

    def call(first_block: int):
        out_docs, out_scores = np.empty(5, dtype=np.int64), np.empty(5)
        return bm25.KERNEL.maxscore(
            *idx._contiguous_postings, idx.tf.dtype.itemsize, idx._norms(), np.array([lo], dtype=np.int64),
            np.array([hi], dtype=np.int64), np.array([float(idx.idf[tid])]), np.array([first_block], dtype=np.int64),
            max_tf, max_tf.dtype.itemsize, min_len, min_len.dtype.itemsize, ratio, bm25.BLOCK,
            np.array([0], dtype=np.int64), np.array([1.0]), 5, idx.k1, idx.k1 + 1, idx.b, float(idx.avgdl),
            out_docs, out_scores, idx._contiguous_lengths, idx.doc_len.dtype.itemsize, idx._norm_by_length(),
            bm25.DENSE_SHARE)

    assert call(int(idx.block_ptr[tid])) == 5
    with pytest.raises(ValueError):
        call(len(ratio))
    with pytest.raises(ValueError):
        call(-1)


@pytest.mark.parametrize("seed", range(4))
def test_other_statistics_weigh_the_same_postings_exactly(seed, search_path):
    """`with_statistics` (a segment searched with its whole index's statistics) after the index itself
    has been searched: the copy's search equals its own exhaustive sum and rank_bm25's arithmetic with
    those statistics, nothing made for the first statistics carried over."""
    rng = random.Random(100 + seed)
    docs = _corpus(rng, 3000, 400, 12, 1.0)
    idx = _pruning(BM25Index.build(docs))
    for _ in range(5):  # caches made with the index's own statistics first
        weighted = _query(rng, idx)
        idx.search_weighted(weighted, 60)
    other = idx.with_statistics(idx.idf * 1.7 + 0.3, idx.avgdl * 1.4)
    assert other.idf is not idx.idf and other.avgdl != idx.avgdl
    for _ in range(30):
        weighted = _query(rng, idx)
        k = rng.choice([1, 10, 60])
        assert other.search_weighted(weighted, k) == other.search_exhaustive(weighted, k), weighted
        scores = np.zeros(len(docs))
        for term, w in weighted:
            tid = idx.vocab.get(term)
            if w and tid is not None:
                ids, tf = idx.postings(term)
                norm = other.k1 * (1 - other.b + other.b * idx.doc_len[ids] / other.avgdl)
                scores[ids] += other.idf[tid] * (tf * (other.k1 + 1)) / (tf + norm) * w
        best = other.search_weighted(weighted, k)
        assert np.allclose([h.score for h in best], sorted(scores, reverse=True)[:len(best)], rtol=1e-12)
