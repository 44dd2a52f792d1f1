"""A segment's article records kept by column: the same records in, the same records out, the older
list-of-dicts form still read, a damaged one refused."""

from __future__ import annotations

import gc
import json

import pytest

from bot.index.build import build
from bot.index.records import ArticleRecords

RECORDS = [
    {"source": {"title": "A", "publisher": None, "byline": "By Ann Lee", "date": "2019-02-21", "url": None,
                "path": "a.txt", "place": "SEOUL"}, "also": [], "key": "k1"},
    {"source": {"title": None, "publisher": "Wire", "byline": None, "date": None, "url": "https://x.test/b",
                "path": "d/b.html", "place": None},
     "also": [{"title": "B copy", "publisher": None, "byline": None, "date": None, "url": None, "path": "d/c.txt",
               "place": None}]},
]


def test_records_by_column_give_back_each_record():
    records = ArticleRecords.of(RECORDS)
    assert list(records) == RECORDS and len(records) == 2
    assert records.paths == ("a.txt", "d/b.html") and records.keys == ("k1", None)
    assert records.source(1).url == "https://x.test/b" and records.also_sources(1)[0].path == "d/c.txt"
    assert records.also_sources(0) == ()
    saved = json.loads(json.dumps(records.to_json()))
    assert ArticleRecords.from_json(saved) == records
    assert ArticleRecords.from_json(RECORDS) == records  # the form segments of format 5 kept
    gathered = ArticleRecords.gather([(records, 1), (records, 0)])
    assert list(gathered) == [RECORDS[1], RECORDS[0]]


def test_records_and_a_segments_word_lists_are_not_walked_by_the_garbage_collector(tiny_corpus):
    # (a list is walked item by item at every full collection; at 400,000 articles the records alone
    # made each of a server's collections ~50 ms longer: a pause in answering every so often)
    index, _ = build(tiny_corpus)
    gc.collect()
    held = [*index.articles.columns.values(), index.articles.keys, index.sentences.terms, index.speller.words]
    assert held and not any(gc.is_tracked(column) for column in held)
    assert all(index.title(a) == index.source(a).title for a in range(index.article_count))
    with pytest.raises(IndexError):
        index.title(index.article_count)


@pytest.mark.parametrize("damage", ["short column", "copies of nothing", "missing field"])
def test_damaged_records_are_refused(damage):
    saved = json.loads(json.dumps(ArticleRecords.of(RECORDS).to_json()))
    if damage == "short column":
        saved["columns"]["title"].pop()
    elif damage == "copies of nothing":
        saved["also"]["7"] = []
    else:
        del saved["columns"]["place"]
    with pytest.raises(ValueError):
        ArticleRecords.from_json(saved)


def test_sources_kept_are_bounded_and_always_right(tiny_corpus, monkeypatch):
    # (a long-running server quoting a big folder would otherwise come to keep every article's Source,
    # and each full garbage collection walks them all)
    from bot.index import sentences
    monkeypatch.setattr(sentences, "SOURCES_KEPT", 2)
    index, _ = build(tiny_corpus)
    for _ in range(2):
        for a in range(index.article_count):
            assert index.source(a) == index.articles.source(a)
            assert len(index._sources) <= 2
