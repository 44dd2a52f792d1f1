"""An index file's checksum is read at the first load after it changed, not at every load (bot/index/
verified.py); any change to a file since is still caught."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from bot.config import Settings
from bot.index import build as index_build
from bot.index import format as index_format
from bot.index import verified


@pytest.fixture
def index_dir(tmp_path, monkeypatch) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Harbour bridge reopens\n\nThe harbour bridge reopened on Tuesday after nine "
                                  "months of repairs. Engineers replaced 412 steel cables.\n")
    (corpus / "b.txt").write_text("Storm closes schools\n\nA winter storm closed every school in the county. "
                                  "Forecasters expect 30 centimetres of snow.\n")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    index_build.build(settings)
    monkeypatch.setattr(verified, "SETTLED_NS", 0)  # (files written a moment ago count as settled)
    return settings.index_dir


@pytest.fixture
def reads(monkeypatch) -> list[list[str]]:
    """The names of the files each load reads checksums of."""
    seen: list[list[str]] = []
    real = index_format.file_digests

    def counted(paths, algorithm):
        seen.append(sorted(p.name for p in paths))
        return real(paths, algorithm)

    monkeypatch.setattr(index_format, "file_digests", counted)
    return seen


def listed(index_dir: Path) -> list[str]:
    build = index_format.current_build(index_dir)
    return sorted(index_format.read_manifest(build)["files"])


def a_tick_later(path: Path) -> None:
    """Wait until a write would give `path` a change time after its present one (the clock's tick)."""
    before = path.stat().st_ctime_ns
    probe = path.parent.parent / "probe"
    for _ in range(400):
        probe.write_bytes(b"x")
        if probe.stat().st_ctime_ns > before:
            return
        time.sleep(0.005)
    raise AssertionError("the file system's clock did not move")


def test_a_second_load_reads_no_checksum(index_dir, reads):
    index_format.load(index_dir)
    index_format.load(index_dir)
    assert reads == [listed(index_dir)]
    record = json.loads((index_format.current_build(index_dir) / verified.RECORD).read_text())
    assert sorted(record) == listed(index_dir)


@pytest.mark.parametrize("name", ["blob.bin", "sent.doc_ids.npy", "articles.json"])
def test_a_byte_changed_after_the_check_is_caught_whatever_its_mtime(index_dir, reads, name):
    index_format.load(index_dir)
    path = index_format.current_build(index_dir) / name
    st = path.stat()
    a_tick_later(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x5A
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # (mtime put back: the change time cannot be)
    with pytest.raises(index_format.IndexUnusable, match="checksum"):
        index_format.load(index_dir)
    assert reads[-1] == [name]  # the others still as checked


def test_a_file_put_in_the_place_of_another_is_caught(index_dir, reads):
    index_format.load(index_dir)
    build = index_format.current_build(index_dir)
    a, b = build / "sent_start.npy", build / "sent_end.npy"  # (same size)
    assert a.stat().st_size == b.stat().st_size
    moved = build.parent / "moved"
    os.rename(a, moved)
    os.rename(b, a)
    os.rename(moved, b)
    with pytest.raises(index_format.IndexUnusable, match="checksum"):
        index_format.load(index_dir)


def test_a_damaged_or_missing_record_means_every_file_is_checked(index_dir, reads):
    index_format.load(index_dir)
    record = index_format.current_build(index_dir) / verified.RECORD
    record.write_text("{not json")
    index_format.load(index_dir)
    record.write_text(json.dumps({name: [0, 0, 0, 0, 0, "00000000"] for name in listed(index_dir)}))
    index_format.load(index_dir)
    record.unlink()
    index_format.load(index_dir)
    assert reads == [listed(index_dir)] * 4


def test_a_copied_index_is_checked_again(index_dir, reads, tmp_path):
    index_format.load(index_dir)
    copy = tmp_path / "copy"
    shutil.copytree(index_dir, copy, ignore=shutil.ignore_patterns(".lock"))  # (the record comes along)
    index_format.load(copy)
    assert reads == [listed(index_dir), listed(copy)]


def test_an_index_that_cannot_be_written_is_checked_at_every_load(index_dir, reads, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(verified.os, "replace", refuse)
    index_format.load(index_dir)
    index_format.load(index_dir)
    build = index_format.current_build(index_dir)
    assert reads == [listed(index_dir)] * 2
    assert not [p for p in build.iterdir() if p.name.startswith(verified.RECORD)]  # (no leftover)


def test_files_changed_a_moment_ago_are_not_recorded(index_dir, reads, monkeypatch):
    monkeypatch.setattr(verified, "SETTLED_NS", 3600 * 10**9)
    index_format.load(index_dir)
    index_format.load(index_dir)
    assert reads == [listed(index_dir)] * 2
    assert not (index_format.current_build(index_dir) / verified.RECORD).exists()
