"""Copy-finding across an index's articles (bot.index.combined.find_similar) finds exactly the pairs
comparing every pair finds, at the edge of the threshold too: its candidate filter (how many prefix
hashes a pair must share) may only leave out pairs that cannot be the same story."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.corpus import duplicates
from bot.corpus.duplicates import same_story
from bot.corpus.load import load_corpus
from bot.index import combined
from bot.index.combined import Part, find_similar
from bot.index.sentences import SentenceIndex
from tests.support.corpora import write


def _near_copies(root, rng: random.Random) -> None:
    """Stories of 20-400 words and copies of them with a few to a fifth of their words changed, cut or
    added: shingle Jaccard spread from far below to above the threshold."""
    words = [f"w{n}" for n in range(60)] + "the river council said water of a".split()
    for k in range(12):
        base = [rng.choice(words) for _ in range(rng.randrange(20, 400))]
        for c in range(8):
            body = list(base)
            for _ in range(int(len(body) * rng.choice((0, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.2)))):
                at = rng.randrange(len(body))
                change = rng.random()
                if change < 0.4:
                    body[at] = rng.choice(words)
                elif change < 0.7 and len(body) > 5:
                    del body[at]
                else:
                    body.insert(at, rng.choice(words))
            sentences = [" ".join(body[i:i + 10]).capitalize() + "." for i in range(0, len(body), 10)]
            write(root, f"s{k:02d}c{c}.txt", f"Story {k} copy {c}\n\n" + "\n\n".join(sentences) + "\n")


@pytest.mark.parametrize("spare, run, chunk", [
    (duplicates.PREFIX_SPARE, None, None), (0, None, None),  # 0: segments written before the spare hashes
    (duplicates.PREFIX_SPARE, 700, 90),  # many runs of articles, each looked up in many chunks
])
def test_copies_found_exactly_as_all_pairs(tmp_path, monkeypatch, spare, run, chunk):
    monkeypatch.setattr(duplicates, "PREFIX_SPARE", spare)
    if run is not None:
        monkeypatch.setattr(combined, "SIMILAR_RUN", run)
        monkeypatch.setattr(combined, "SIMILAR_CHUNK", chunk)
    _near_copies(tmp_path, random.Random(3))
    corpus = load_corpus(tmp_path, merge=False)
    segment = SentenceIndex.build(corpus, spelling=False)
    found = find_similar([], Part("", segment))
    got = {(a, b) for (_, a), others in found.items() for _, b in others}
    articles = [segment.article(a) for a in range(segment.article_count)]
    want = {(a, b) for a in range(len(articles)) for b in range(a + 1, len(articles))
            if same_story(articles[a], articles[b])}
    assert got == want
    # the corpus reaches both sides of the threshold, near it too
    assert len(want) > 50 and len(want) < len(articles) * 7 / 2


def test_many_runs_and_chunks_find_what_one_finds_with_removed_articles(tmp_path, monkeypatch):
    _near_copies(tmp_path, random.Random(5))
    segment = SentenceIndex.build(load_corpus(tmp_path, merge=False), spelling=False)
    removed = frozenset(range(0, segment.article_count, 3))
    whole = find_similar([], Part("", segment, removed))
    monkeypatch.setattr(combined, "SIMILAR_RUN", 500)
    monkeypatch.setattr(combined, "SIMILAR_CHUNK", 60)
    assert list(find_similar([], Part("", segment, removed)).items()) == list(whole.items())
    assert whole and not any(a in removed or b in removed for (_, a), others in whole.items() for _, b in others)


@pytest.mark.parametrize("seed", range(5))
def test_equal_runs_are_where_searchsorted_puts_them(seed):
    rng = np.random.default_rng(seed)
    keys = np.sort(rng.integers(0, [5, 50, 10**6, 2**32 - 1, 3][seed], rng.integers(1, 400), dtype=np.uint32))
    at = np.sort(rng.choice(len(keys), rng.integers(1, len(keys) + 1), replace=False))
    lo, hi = combined._equal_run(keys, at)
    assert lo.tolist() == np.searchsorted(keys, keys[at], side="left").tolist()
    assert hi.tolist() == np.searchsorted(keys, keys[at], side="right").tolist()


@pytest.mark.parametrize("seed", range(4))
def test_article_runs_cover_the_articles_in_order_about_a_size_each(seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 30, rng.integers(1, 200)) * (rng.random(1)[0] < 0.8)
    first = int(rng.integers(0, len(lengths)))
    end = int(rng.integers(first, len(lengths) + 1))
    runs = combined._article_runs(lengths, first, end, 40)
    covered = [a for lo, hi in runs for a in range(lo, hi)]
    assert covered == list(range(first, end)) and all(lo < hi for lo, hi in runs)
    # no run passes the size by more than its last article, and there are no more runs than the size asks
    sums = [int(lengths[lo:hi].sum()) for lo, hi in runs]
    assert all(s - int(lengths[hi - 1]) < 40 for s, (lo, hi) in zip(sums, runs))
    assert len(runs) <= int(lengths[first:end].sum()) // 40 + 1
