"""Near-duplicate detection: copies of one story kept once, exactly as comparing every pair would."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.corpus import duplicates
from bot.corpus.duplicates import DUPLICATE_JACCARD, merge_duplicates, shingles
from bot.corpus.files import read_article
from bot.corpus.folder import corpus_files
from bot.corpus.load import load_corpus
from bot.corpus.types import Article
from tests.support.corpora import BODY, generated_corpus, write
from tests.support.pools import watch_pools


def unmerged_articles(root: Path) -> list[Article]:
    """The articles load_corpus hands to merge_duplicates, in the same order."""
    read = [read_article(path, root, []) for path in corpus_files(root)]
    return [a for a in read if isinstance(a, Article)]


def test_duplicate_story_merged(tmp_path):
    write(tmp_path, "a.txt", "First copy\n\n" + BODY)
    write(tmp_path, "b.txt", "Second copy\n\nAdvertisement\n\n" + BODY)
    write(tmp_path, "c.txt", "Other\n\nA wholly different report about a bakery that opened on Main Street this week.\n")
    c = load_corpus(tmp_path)
    assert [a.source.path for a in c.articles] == ["a.txt", "c.txt"]
    assert [s.path for s in c.articles[0].also] == ["b.txt"]
    assert c.articles[0].also[0].title == "Second copy"


def test_shingles_are_lowercased_body_word_triples(tmp_path):
    write(tmp_path, "a.txt", "Title words stay out\n\nThe River rose. The river fell.\n")
    (article,) = unmerged_articles(tmp_path)
    assert shingles(article) == {("the", "river", "rose"), ("river", "rose", "the"), ("rose", "the", "river"),
                                 ("the", "river", "fell")}


def test_duplicate_merging_matches_all_pairs(tmp_path, monkeypatch):
    """The prefix-filtered search finds exactly what comparing every pair finds."""
    generated_corpus(tmp_path)
    articles = unmerged_articles(tmp_path)
    kept, kept_shingles = [], []
    for art in articles:
        sh = shingles(art)
        for i, other in enumerate(kept_shingles):
            if len(sh & other) / len(sh | other) >= DUPLICATE_JACCARD:
                kept[i] = replace(kept[i], also=kept[i].also + (art.source,))
                break
        else:
            kept.append(art)
            kept_shingles.append(sh)
    assert merge_duplicates(articles) == kept
    monkeypatch.setattr(duplicates, "_BULK_GROUP", 0)  # the incremental candidate search
    assert merge_duplicates(articles) == kept
    assert sum(len(a.also) for a in kept) > 10


def test_sketching_in_a_pool_merges_the_same(tmp_path, monkeypatch):
    generated_corpus(tmp_path)
    articles = unmerged_articles(tmp_path)
    serial = merge_duplicates(articles)
    pools = watch_pools(monkeypatch)
    assert merge_duplicates(articles, parallel=True) == serial
    assert pools == [-(-len(articles) // 64)]  # sketched 64 articles a chunk
