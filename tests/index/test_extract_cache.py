"""The extraction cache under <index>/extract-cache/, through the real build: a rebuild takes unchanged
files from it (and builds the same index as a cold build), re-reads edited files and files whose
sidecar changed, prunes deleted files, redoes damaged entries and survives a cache it cannot write."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from bot.frontends.cli import cli
from bot.index import format as index_format
from bot.index.build import EXTRACT_CACHE, build
from tests.corpus.test_html import PAGE

# One HTML page next to the three text files: the page is what the cache saves the most on.
HTML_NAME = "bridge.html"


@pytest.fixture
def corpus(tiny_corpus):
    (tiny_corpus.corpus_dir / HTML_NAME).write_text(PAGE, encoding="utf-8")
    return tiny_corpus


def entries(settings) -> list[Path]:
    return sorted((settings.index_dir / EXTRACT_CACHE).glob("*.json"))


def arrays(settings) -> dict:
    index, manifest = index_format.load(settings.index_dir, mmap=False)
    return {**index_format.array_files(index), "articles": json.dumps(index.articles.to_json()), "blob": index.blob}


def assert_same_index(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        if isinstance(a[name], np.ndarray):
            assert np.array_equal(a[name], b[name]), name
        else:
            assert a[name] == b[name], name


def test_rebuild_takes_every_file_from_the_cache_and_builds_the_same_index(corpus, tmp_path):
    _, first = build(corpus)
    assert (first.files_read, first.files_cached) == (4, 0)
    assert len(entries(corpus)) == 4
    _, again = build(corpus)
    assert (again.files_read, again.files_cached) == (0, 4)
    assert (again.articles, again.sentences, again.vocabulary) == (first.articles, first.sentences, first.vocabulary)
    cold = replace(corpus, index_dir=tmp_path / "cold-index")  # never saw a cache
    build(cold)
    assert_same_index(arrays(corpus), arrays(cold))


def test_build_summary_says_how_many_files_were_read_and_cached(corpus):
    args = ["build", "--corpus", str(corpus.corpus_dir), "--index", str(corpus.index_dir)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "(4 files read, 0 from the cache) -> " in first.stdout
    second = CliRunner().invoke(cli, args)
    assert "(0 files read, 4 from the cache) -> " in second.stdout


def test_edited_file_is_read_again(corpus):
    build(corpus)
    path = corpus.corpus_dir / "c.txt"
    path.write_text(path.read_text().replace("30 centimetres", "45 centimetres"))
    index, report = build(corpus)
    assert (report.files_read, report.files_cached) == (1, 3)
    assert b"45 centimetres" in index.blob and b"30 centimetres" not in index.blob
    assert len(entries(corpus)) == 4  # the old reading of c.txt is gone


def test_deleted_file_is_pruned_from_the_cache(corpus):
    build(corpus)
    (corpus.corpus_dir / HTML_NAME).unlink()
    (corpus.corpus_dir / "b.txt").unlink()
    _, report = build(corpus)
    assert (report.files_read, report.files_cached) == (0, 2)
    kept = [json.loads(p.read_text())["result"]["source"]["path"] for p in entries(corpus)]
    assert sorted(kept) == ["a.txt", "c.txt"]


def test_sidecar_edit_invalidates_the_entry(corpus):
    build(corpus)
    side = corpus.corpus_dir / "a.json"
    side.write_text('{"publisher": "Portville Wire"}')
    index, report = build(corpus)
    assert (report.files_read, report.files_cached) == (1, 3)
    assert [a["source"]["publisher"] for a in index.articles if a["source"]["path"] == "a.txt"] == ["Portville Wire"]
    side.write_text('{"publisher": "Harbour Times"}')
    index, report = build(corpus)
    assert report.files_read == 1
    assert [a["source"]["publisher"] for a in index.articles if a["source"]["path"] == "a.txt"] == ["Harbour Times"]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "another key", "bad offsets", "not an object", "too deep"])
def test_damaged_entry_is_ignored_and_redone(corpus, tmp_path, damage):
    build(corpus)
    entry = next(p for p in entries(corpus) if json.loads(p.read_text())["result"]["source"]["path"] == HTML_NAME)
    whole = entry.read_text()
    data = json.loads(whole)
    if damage == "garbage":
        entry.write_bytes(b"\x00\xff not json")
    elif damage == "truncated":
        entry.write_text(entry.read_text()[: 50])
    elif damage == "another key":  # a whole entry of another file under this file's name
        other = next(p for p in entries(corpus) if p != entry)
        shutil.copy(other, entry)
    elif damage == "bad offsets":
        data["result"]["paragraphs"][0] = [0, 10**9, "body"]
        entry.write_text(json.dumps(data))
    elif damage == "not an object":
        entry.write_text("[1, 2, 3]")
    else:  # deeper than json can parse: a RecursionError, not a ValueError
        entry.write_text("[" * 100_000)
    _, report = build(corpus)
    assert (report.files_read, report.files_cached) == (1, 3)
    assert json.loads(entry.read_text()) == json.loads(whole)  # written again, whole
    cold = replace(corpus, index_dir=tmp_path / "cold-index")
    build(cold)
    assert_same_index(arrays(corpus), arrays(cold))


def test_a_cache_that_cannot_be_written_does_not_stop_the_build(corpus, caplog):
    corpus.index_dir.mkdir()
    (corpus.index_dir / EXTRACT_CACHE).write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING):
        index, report = build(corpus)
    assert index.article_count == 4 and (report.files_read, report.files_cached) == (4, 0)
    said = [r.getMessage() for r in caplog.records if "extraction cache" in r.getMessage()]
    assert len(said) == 1 and "could not write" in said[0], said  # once, not once per file


def test_a_cache_folder_removed_between_builds_is_made_again(corpus):
    build(corpus)
    shutil.rmtree(corpus.index_dir / EXTRACT_CACHE)
    (corpus.corpus_dir / "b.txt").write_text("Headline\n\nA new sentence about the harbour.\n", encoding="utf-8")
    _, report = build(corpus)
    assert report.files_read >= 1 and entries(corpus)
    _, report = build(corpus)
    assert report.files_read == 0
