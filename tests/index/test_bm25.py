"""The index's scores are exactly rank_bm25.BM25Okapi's on the same token lists."""

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot import text
from bot.index.bm25 import BM25Index


def test_hand_checkable_corpus():
    docs = [["a", "b"], ["a", "c", "c"], ["d"]]
    idx = BM25Index.build(docs)
    assert idx.doc_count == 3
    assert list(idx.doc_len) == [2, 3, 1]
    assert idx.df("a") == 2 and idx.df("c") == 1 and idx.df("zzz") == 0
    np.testing.assert_allclose(idx.scores(["c"]), BM25Okapi(docs).get_scores(["c"]), atol=1e-12)


def _generated(n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(2000)]
    weights = [1 / (i + 1) for i in range(len(vocab))]
    return [rng.choices(vocab, weights, k=rng.randint(0, 40)) for _ in range(n)]


@pytest.mark.parametrize("seed", [0, 1])
def test_scores_equal_bm25okapi_on_generated_corpus(seed):
    docs = _generated(4000, seed)
    ref, idx = BM25Okapi(docs), BM25Index.build(docs)
    rng = random.Random(seed + 100)
    for _ in range(25):
        query = [rng.choice(rng.choice([d for d in docs if d])) for _ in range(rng.randint(1, 6))] + ["unseen"]
        np.testing.assert_allclose(idx.scores(query), ref.get_scores(query), atol=1e-6, rtol=0)


def test_scores_equal_bm25okapi_on_seeds(seeds_index):
    docs = [text.terms(seeds_index.sentence_text(i)) for i in range(seeds_index.sentence_count)]
    ref = BM25Okapi(docs)
    for question in ["officials executed 2014", "Kim Hyok Chol replaced Choe Sun Hui", "defense minister napping rally",
                     "north korea", "capital france"]:
        q = text.terms(question)
        np.testing.assert_allclose(seeds_index.sentences.scores(q), ref.get_scores(q), atol=1e-6, rtol=0)


def test_search_returns_the_top_k_of_the_dense_scores():
    docs = _generated(3000, 7)
    idx = BM25Index.build(docs)
    query = ["w3", "w40", "w900"]
    dense = idx.scores(query)
    hits = idx.search(query, 10)
    assert [h.doc for h in hits] == sorted(np.flatnonzero(dense), key=lambda d: (-dense[d], d))[:10]
    assert all(abs(h.score - dense[h.doc]) < 1e-9 for h in hits)


def test_k_is_clamped_and_never_raises():
    idx = BM25Index.build([["a"], ["a", "b"]])
    assert idx.search(["a"], 0) == []
    assert idx.search(["a"], -5) == []
    assert len(idx.search(["a"], 10**9)) == 2
    assert idx.search([], 3) == [] and idx.search(["nope"], 3) == []


def test_doc_scores_match_dense_scores():
    docs = _generated(1000, 3)
    idx = BM25Index.build(docs)
    weighted = [("w1", 1.0), ("w77", 0.5)]
    dense = sum(w * idx.scores([t]) for t, w in weighted)
    some = np.array([0, 5, 17, 999])
    np.testing.assert_allclose(idx.doc_scores(weighted, some), dense[some])


def test_paragraph_index_from_grouped_sentence_postings_equals_a_direct_build(seeds_index):
    docs = []
    for p in range(len(seeds_index.para_article)):
        docs.append([t for s in seeds_index.paragraph_sentences(p) for t in text.terms(seeds_index.sentence_text(s))])
    ref = BM25Okapi(docs)
    for question in ["officials executed 2014", "Kim elite purges", "human rights record"]:
        q = text.terms(question)
        np.testing.assert_allclose(seeds_index.paragraphs.scores(q), ref.get_scores(q), atol=1e-6, rtol=0)


def _hits_and_runs_by_hand(index, term, points, lo, hi):
    ids, tf = index.postings(term)
    held = dict(zip(ids.tolist(), tf.tolist()))
    found = [p in held for p in points]
    count = [sum(1 for d in range(a, b) if d in held) for a, b in zip(lo, hi)]
    total = [float(sum(held.get(d, 0) for d in range(a, b))) for a, b in zip(lo, hi)]
    return found, count, total


@pytest.mark.parametrize("seed", range(6))
def test_hits_and_runs_compiled_numpy_and_by_hand_agree(seed):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(12)]
    repeat = 300 if seed % 2 else 1  # (counts past 255: two-byte frequencies)
    docs = [[rng.choice(words) for _ in range(rng.randint(0, 12))] * (repeat if d == 3 else 1) for d in range(300)]
    index = BM25Index.build(docs)
    for term in words[:6] + ["absent"]:
        points = np.array([rng.randrange(0, 310) for _ in range(40)] + [0, 299], dtype=np.int64)
        starts = [rng.randrange(0, 300) for _ in range(30)]
        lo = np.array(starts + [0, 5, 299], dtype=np.int64)
        hi = np.array([s + rng.randint(0, 40) for s in starts] + [300, 5, 400], dtype=np.int64)  # (empty, past the end)
        expected = _hits_and_runs_by_hand(index, term, points.tolist(), lo.tolist(), hi.tolist())
        for compiled in (True, False):
            found, count, total = index.hits_and_runs(term, points, lo, hi, compiled=compiled)
            assert found.tolist() == expected[0] and count.tolist() == expected[1], (term, compiled)
            assert total.tolist() == expected[2] and total.dtype == np.float64


def test_hits_and_runs_refuse_inconsistent_arrays():
    from bot.index import bm25

    if bm25.RUNS is None:
        pytest.skip("the compiled look-up is not built in this install")
    ids, tf = np.array([1, 5], dtype=np.uint32), np.array([1, 2], dtype=np.uint8)
    points, runs = np.zeros(2, dtype=np.int64), np.zeros(1, dtype=np.int64)
    found, count, total = np.empty(2, dtype=bool), np.empty(1, dtype=np.int64), np.empty(1)
    with pytest.raises(ValueError):  # a frequency short
        bm25.RUNS.hits_and_runs(ids, 4, tf[:1], 1, points, runs, runs, found, count, total)
    with pytest.raises(ValueError):  # out too small
        bm25.RUNS.hits_and_runs(ids, 4, tf, 1, points, runs, runs, found[:1], count, total)
    with pytest.raises(ValueError):  # a width that is none
        bm25.RUNS.hits_and_runs(ids, 3, tf, 1, points, runs, runs, found, count, total)
