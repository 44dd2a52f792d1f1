"""Paragraph BM25 read from the sentence postings equals a BM25 index built over the paragraphs."""

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.index.bm25 import BM25Index, count_pairs
from bot.index.paragraphs import ParagraphBM25


def _corpus(seed: int):
    """Sentences of generated words, cut into paragraphs of 1-6 consecutive sentences."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(300)]
    weights = [1 / (i + 1) for i in range(len(vocab))]
    sentences = [rng.choices(vocab, weights, k=rng.randint(0, 25)) for _ in range(rng.randint(50, 600))]
    para_first = [0]
    while para_first[-1] < len(sentences):
        para_first.append(min(len(sentences), para_first[-1] + rng.randint(1, 6)))
    return sentences, np.asarray(para_first, dtype=np.int64)


def _built(sentences, para_first):
    index = BM25Index.build(sentences)
    ids = [index.vocab[t] for s in sentences for t in s]
    terms, docs, tf = count_pairs(np.asarray(ids, dtype=np.int64), index.doc_len)
    sent_para = np.repeat(np.arange(len(para_first) - 1), np.diff(para_first))
    para_len = np.add.reduceat(index.doc_len.astype(np.int64), para_first[:-1])
    return index, ParagraphBM25.from_counts(index, para_first, terms, sent_para[docs], para_len)


@pytest.mark.parametrize("seed", range(6))
def test_scores_and_presence_equal_a_direct_paragraph_index(seed):
    sentences, para_first = _corpus(seed)
    index, paragraphs = _built(sentences, para_first)
    docs = [[t for s in sentences[a:b] for t in s] for a, b in zip(para_first[:-1], para_first[1:])]
    # the reference: the paragraphs' own tokens, in the sentence vocabulary's term order
    direct = BM25Index.from_ids(index.terms, np.asarray([index.vocab[t] for d in docs for t in d], dtype=np.int64),
                                np.asarray([len(d) for d in docs]))
    ref = BM25Okapi(docs)
    np.testing.assert_array_equal(paragraphs.idf, direct.idf)
    assert paragraphs.avgdl == direct.avgdl and paragraphs.doc_count == len(docs)
    rng = random.Random(seed + 50)
    for _ in range(20):
        query = [rng.choice(index.terms) for _ in range(rng.randint(1, 5))] + ["unseen"]
        weighted = [(t, rng.choice([1.0, 0.5, 0.0])) for t in query]
        some = np.asarray(sorted(rng.sample(range(len(docs)), min(len(docs), 30))))
        assert paragraphs.doc_scores(weighted, some).tolist() == direct.doc_scores(weighted, some).tolist()
        np.testing.assert_allclose(paragraphs.scores(query), ref.get_scores(query), atol=1e-9, rtol=0)
        for t in query:
            assert paragraphs.holds(t, some).tolist() == direct.holds(t, some).tolist()
        lo = np.asarray(sorted(rng.sample(range(len(docs)), 5)))
        hi = np.minimum(lo + np.asarray([rng.randint(0, 4) for _ in lo]), len(docs))
        expected = [any(direct.holds(query[0], np.arange(a, b))) for a, b in zip(lo, hi)]
        assert paragraphs.holds_any(query[0], lo, hi).tolist() == expected
