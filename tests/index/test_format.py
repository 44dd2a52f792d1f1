"""The index on disk: a round trip, plain .npy and JSON only, and an index written before still loads."""

from __future__ import annotations

import json
import shutil
import time

import numpy as np
import pytest

from bot.config import Settings
from bot.index import format as index_format
from bot.index.bm25 import BM25Index
from bot.index.paragraphs import ParagraphBM25
from bot.index.build import build
from bot.index.updates import open_index
from bot.index.sentences import SentenceIndex
from bot.index.spelling import Speller
from tests.support.answers import answers
from tests.support.paths import OLD_INDEX


def test_save_load_round_trip_answers_identically(tiny_corpus):
    built, report = build(tiny_corpus)
    assert report.articles == 3 and report.sentences > 5 and not report.reused
    for mmap in (True, False):
        loaded, manifest = index_format.load(tiny_corpus.index_dir, mmap=mmap)
        assert answers(loaded, tiny_corpus) == answers(built, tiny_corpus)
        for name, arr in index_format.array_files(built).items():
            np.testing.assert_array_equal(index_format.array_files(loaded)[name], arr)
        assert bytes(loaded.blob) == bytes(built.blob)
        assert loaded.articles == built.articles and loaded.surface_terms == built.surface_terms
    found = [a for a in answers(built, tiny_corpus) if a["found"]]
    assert any("412 steel cables" in a["passages"][0]["quote"] for a in found)


def test_every_array_is_saved_under_its_own_name(tiny_corpus):
    built, _ = build(tiny_corpus)
    expected = {*(f"sent.{k}" for k in BM25Index.ARRAYS), *(f"para.{k}" for k in ParagraphBM25.ARRAYS),
                *(f"spell.{k}" for k in Speller.ARRAYS), *SentenceIndex.ARRAYS}
    assert len(expected) == 8 + 2 + 3 + 15 and set(index_format.array_files(built)) == expected
    saved = index_format.current_build(tiny_corpus.index_dir)
    assert {p.name.removesuffix(".npy") for p in saved.glob("*.npy")} == expected


def test_format_is_plain_npy_and_json(tiny_corpus):
    build(tiny_corpus)
    saved = index_format.current_build(tiny_corpus.index_dir)
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["format"] == index_format.FORMAT and manifest["version"] == index_format.FORMAT_VERSION
    for name in manifest["files"]:
        path = saved / name
        assert name.endswith((".npy", ".json", ".bin"))
        if name.endswith(".npy"):
            a = np.load(path, allow_pickle=False)  # would raise for object arrays
            assert a.dtype.kind in "iuf"
        head = path.read_bytes()[:2]
        assert head != b"\x80\x04" and head != b"\x80\x05"  # no pickle protocol header anywhere
    assert sorted(p.name for p in saved.iterdir()) == sorted([*manifest["files"], "manifest.json"])


def test_an_index_of_the_previous_format_is_stale_and_rebuilt(tmp_path):
    """tests/fixtures/before-layout/index_v2 was written by format 2 (BM25 weights baked in at build time):
    it is refused as another version's, and opening it builds the current format, which answers as a
    fresh build of its articles does."""
    copy = tmp_path / "index_v2"
    shutil.copytree(OLD_INDEX, copy)
    with pytest.raises(index_format.IndexUnusable, match="another version"):
        index_format.load(copy / "index")
    settings = Settings(corpus_dir=copy / "corpus", index_dir=copy / "index")
    notes: list[str] = []
    reopened = open_index(settings, notes.append)
    assert any("unusable" in n and "rebuilding" in n for n in notes)
    assert index_format.load(copy / "index")[1]["version"] == index_format.FORMAT_VERSION
    fresh = Settings(corpus_dir=copy / "corpus", index_dir=tmp_path / "new")
    new, _ = build(fresh)
    assert answers(reopened, settings) == answers(new, fresh)
    assert reopened.articles == new.articles and reopened.source(1).publisher == "Portville Wire"


def test_load_time_of_verification_is_reported(tiny_corpus, capsys):
    """Not a timing test: records what verifying a small index costs (the benchmark covers 1M)."""
    build(tiny_corpus)
    t = time.perf_counter()
    index_format.load(tiny_corpus.index_dir)
    with_check = time.perf_counter() - t
    t = time.perf_counter()
    index_format.load(tiny_corpus.index_dir, verify=False)
    without = time.perf_counter() - t
    assert with_check < 1.0 and without < 1.0


def test_a_loaded_index_knows_the_file_behind_each_mapped_array(tiny_corpus):
    """What the merge relies on to copy the parts' text file to file and to release postings pages:
    each memory-mapped array (and any view or slice of one) leads back to its file and offset."""
    from bot.index.merging import _mapped_file
    build(tiny_corpus)
    loaded, _ = index_format.load(tiny_corpus.index_dir, mmap=True)
    in_memory, _ = index_format.load(tiny_corpus.index_dir, mmap=False)
    for whole in (loaded.blob, loaded.sentences.doc_ids):
        for view in (whole, whole[3:], whole[3:][2:]):
            filename, offset = _mapped_file(view)
            with open(filename, "rb") as f:
                f.seek(offset)
                assert f.read(view.nbytes) == view.tobytes()
    assert index_format.memmap_of(in_memory.blob) is None and _mapped_file(in_memory.sentences.doc_ids) is None
    index_format.release_index_pages(loaded)  # the pages come back on the next read
    assert bytes(loaded.blob) == bytes(in_memory.blob)


@pytest.mark.parametrize("value", [
    {"columns": {"title": ["Kim’s \"visit\"", None, "été"], "count": [1, 2.5, -3]}, "also": {}, "keys": ["a", "b"]},
    {"sent": ["a", "b"], "spell": [], "surface": {"Kim's": "kim", "x": {"nested": [1, {"deep": True}]}}},
    {1: "a number key", "b": None},  # (json.dumps turns it into "1": left to json.dumps whole)
    {"outer": {2: "inner number key"}, "text": "\u2028 line separator"},
    [], {}, "plain", 3, None,
])
def test_json_is_written_a_piece_at_a_time_with_the_bytes_of_one_dump(tmp_path, value):
    path = tmp_path / "x.json"
    index_format.write_json(path, value)
    assert path.read_bytes() == json.dumps(value, ensure_ascii=False).encode("utf-8")
