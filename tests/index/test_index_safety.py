"""A damaged, foreign or half-written index is never used and never runs code; builds survive
SIGKILL and each other."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from bot.index import build as index_build
from bot.index import updates as index_updates
from bot.index import checksums
from bot.index import verified
from bot.index import format as index_format
from bot.answer.answerer import Answerer
from bot.frontends.json_shapes import answer_json
from bot.config import Settings

from tests.support.paths import ROOT
QUESTIONS = ["How many steel cables were replaced?", "Who cut the ribbon?", "How much snow is expected?",
             "harbour bridge repairs cost", "capital of France"]


def answers(index, settings: Settings, questions=QUESTIONS) -> list[dict]:
    a = Answerer(index, settings.answering)
    return [answer_json(a.answer(q)) for q in questions]


class Boom:
    """Unpickling this creates the marker file: proof that something was executed."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def pickle_payload(marker: Path) -> bytes:
    return pickle.dumps([Boom(marker)], protocol=4)


def npy_object_payload(marker: Path, path: Path) -> None:
    arr = np.empty(1, dtype=object)
    arr[0] = Boom(marker)
    with open(path, "wb") as f:
        np.save(f, arr, allow_pickle=True)


# -- fixtures: a good index and a build of another corpus to steal files from ---------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("safety")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Harbour bridge reopens after repairs\n\nBy Ann Lee\n\n"
        "PORTVILLE, March 3 (Wire) -- The harbour bridge reopened on Tuesday after nine months of repairs. "
        "Engineers replaced 412 steel cables. The mayor said traffic would return to normal by Friday.\n\n"
        "The repairs cost $48 million, twice the first estimate.\n")
    (corpus / "b.txt").write_text(
        "Library opens new wing\n\nThe city library opened a new wing for children on Monday. "
        "It holds 20,000 books and a reading garden. Dr. Rosa Diaz, the head librarian, cut the ribbon.\n")
    (corpus / "c.txt").write_text(
        "Storm closes schools\n\nA winter storm closed every school in the county on Wednesday. "
        "Forecasters expect 30 centimetres of snow. Buses will run again on Thursday.\n")
    settings = Settings(corpus_dir=corpus, index_dir=base / "index")
    index, _ = index_build.build(settings)
    other_corpus = base / "other"
    other_corpus.mkdir()
    (other_corpus / "x.txt").write_text(
        "Ferry strike ends\n\nFerry workers returned to work on Saturday after a four-day strike. "
        "The union won a raise of 6 percent. Crossings resume at dawn.\n\nFares stay the same.\n")
    other = Settings(corpus_dir=other_corpus, index_dir=base / "other-index")
    index_build.build(other)
    return settings, index_format.current_build(other.index_dir), answers(index, settings)


@pytest.fixture
def fresh(built, tmp_path):
    """A private copy of the good index (same corpus), for one test to damage."""
    settings, other_build, expected = built
    index_dir = tmp_path / "index"
    shutil.copytree(settings.index_dir, index_dir, ignore=shutil.ignore_patterns(".lock"))
    return Settings(corpus_dir=settings.corpus_dir, index_dir=index_dir), other_build, expected


def index_files(built) -> list[str]:
    settings = built[0]
    # (the record of files already checked is no part of the index: tests/index/test_verified.py)
    return sorted(p.name for p in index_format.current_build(settings.index_dir).iterdir() if p.name != verified.RECORD)


FILES = ["CURRENT", "manifest.json", "articles.json", "terms.json", "states.json", "blob.bin",
         *(f"sent.{name}.npy" for name in ("indptr", "doc_ids", "tf", "doc_len", "block_ptr", "block_max_tf",
                                           "block_min_len", "block_min_ratio")),
         "para.df.npy", "para.doc_len.npy",
         "spell.del_hash.npy",
         "spell.del_word.npy", "spell.freq.npy", "sent_para.npy", "sent_start.npy", "sent_end.npy",
         "sent_byte.npy", "para_article.npy", "para_first.npy", "para_kind.npy", "article_byte.npy",
         "article_para_first.npy", "article_para_span.npy", "article_para_kind.npy",
         "dup_digest.npy", "dup_size.npy", "dup_prefix.npy", "dup_owner.npy"]


def test_every_index_file_is_covered(built):
    assert sorted(FILES[1:]) == index_files(built)


def tamper(path: Path, how: str, other: Path, marker: Path) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2] if len(data) > 1 else b"")
    elif how == "flipped":
        rng = random.Random(path.name)
        b = bytearray(data)
        for i in {len(b) // 2, len(b) - 1, rng.randrange(len(b))}:
            b[i] ^= 0x5A
        path.write_bytes(bytes(b))
    elif how == "other-build":
        replacement = (other / path.name).read_bytes() if path.name != "CURRENT" else other.name.encode()
        assert replacement != data
        path.write_bytes(replacement)
    elif how == "pickle":
        if path.suffix == ".npy":
            npy_object_payload(marker, path)
        else:
            path.write_bytes(pickle_payload(marker))
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["truncated", "flipped", "other-build", "pickle"])
@pytest.mark.parametrize("name", FILES)
def test_tampered_file_is_detected_and_rebuilt(fresh, name, how, tmp_path):
    settings, other_build, expected = fresh
    marker = tmp_path / "executed"
    build = index_format.current_build(settings.index_dir)
    path = settings.index_dir / "CURRENT" if name == "CURRENT" else build / name
    tamper(path, how, other_build, marker)
    with pytest.raises(index_format.IndexUnusable):
        index_format.load(settings.index_dir)
    said: list[str] = []
    index = index_updates.open_index(settings, notify=said.append)
    assert any(m.startswith("Warning:") and "rebuilding" in m for m in said), said
    assert answers(index, settings) == expected
    assert not marker.exists()
    index_format.load(settings.index_dir)  # the rebuilt index is sound


def test_consistent_checksums_do_not_let_a_pickle_in(fresh, tmp_path):
    """A foreign index whose manifest was rewritten to match its pickled arrays: still refused,
    still nothing executed (allow_pickle=False; numeric dtypes only)."""
    settings, _, expected = fresh
    marker = tmp_path / "executed"
    build = index_format.current_build(settings.index_dir)
    for victim in ("sent.tf.npy", "sent_para.npy"):
        npy_object_payload(marker, build / victim)
    manifest = json.loads((build / "manifest.json").read_text())
    for name in manifest["files"]:
        p = build / name
        manifest["files"][name] = {"size": p.stat().st_size, checksums.CHECKSUM: checksums.file_digest(p)}
    manifest["manifest_checksum"] = checksums.manifest_digest(manifest)
    (build / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(index_format.IndexUnusable, match="not a numeric array|Object arrays|pickle|Python objects"):
        index_format.load(settings.index_dir)
    with pytest.raises(index_format.IndexUnusable):
        index_format.load(settings.index_dir, mmap=False)
    index = index_updates.open_index(settings)
    assert answers(index, settings) == expected
    assert not marker.exists()


def test_missing_file_and_extra_symlink(fresh, tmp_path):
    settings, _, expected = fresh
    build = index_format.current_build(settings.index_dir)
    (build / "para.doc_len.npy").unlink()
    with pytest.raises(index_format.IndexUnusable, match="missing"):
        index_format.load(settings.index_dir)
    index_updates.open_index(settings)
    build = index_format.current_build(settings.index_dir)
    outside = tmp_path / "outside.npy"
    shutil.copy(build / "sent.doc_len.npy", outside)
    (build / "sent.doc_len.npy").unlink()
    (build / "sent.doc_len.npy").symlink_to(outside)  # same bytes, but not a file of the build
    with pytest.raises(index_format.IndexUnusable):
        index_format.load(settings.index_dir)


@pytest.mark.parametrize("pointer", ["../x", "{abs}", "build-a/../../x", "..", ".", "", "x",
                                     "build-leftover.tmp", "build-link", "build-missing", "build-a\nbuild-b"])
def test_current_pointing_outside_is_rejected(fresh, tmp_path, pointer):
    settings, _, expected = fresh
    # A complete, valid index outside the index folder: following CURRENT there would load it.
    outside = tmp_path / "x"
    shutil.copytree(index_format.current_build(settings.index_dir), outside)
    shutil.copytree(outside, settings.index_dir / "build-leftover.tmp")
    (settings.index_dir / "build-link").symlink_to(outside)
    (settings.index_dir / "CURRENT").write_text(pointer.replace("{abs}", str(outside)) + "\n")
    with pytest.raises(index_format.IndexUnusable):
        index_format.load(settings.index_dir)
    said: list[str] = []
    index = index_updates.open_index(settings, notify=said.append)
    assert any(m.startswith("Warning:") for m in said)
    assert answers(index, settings) == expected
    assert outside.is_dir() and (outside / "manifest.json").is_file()  # cleanup never follows links out
    assert not (settings.index_dir / "build-leftover.tmp").exists()


def test_leftover_temp_folders_are_never_loaded_and_cleaned_up(fresh):
    settings, _, expected = fresh
    good = index_format.current_build(settings.index_dir)
    leftover = settings.index_dir / "build-20000101000000-1-1.tmp"
    shutil.copytree(good, leftover)
    half = settings.index_dir / "build-20000101000000-2-2.tmp"
    half.mkdir()
    (half / "sent.tf.npy").write_bytes(b"\x93NUMPY")
    index = index_updates.open_index(settings)  # current index: loaded, and the idle lock lets it tidy up
    assert answers(index, settings) == expected
    assert not leftover.exists() and not half.exists()
    # while a build holds the lock, leftovers (which may be that build's own folder) are left alone
    shutil.copytree(good, leftover)
    with index_build.build_lock(settings.index_dir):
        index_build.remove_leftovers(settings.index_dir)
        assert leftover.exists()
    index_build.build(settings)
    assert not leftover.exists()
    assert [p.name for p in settings.index_dir.iterdir() if p.name.startswith("build-")] == [
        index_format.current_build(settings.index_dir).name]


def test_reader_survives_a_swap_during_load(fresh, monkeypatch):
    """CURRENT replaced and the old build removed between reading CURRENT and its files: the
    reader reads CURRENT again instead of calling the index damaged."""
    settings, _, expected = fresh
    real = index_format.load_build
    calls = []

    def racing(build, mmap, verify):
        if not calls:
            calls.append(build)
            index_build.build(settings)  # swaps CURRENT and deletes `build`
        return real(build, mmap, verify)

    monkeypatch.setattr(index_format, "load_build", racing)
    index, _ = index_format.load(settings.index_dir)
    assert answers(index, settings) == expected


# -- concurrency ----------------------------------------------------------------------------------

def test_two_open_index_at_once_build_once(tiny_corpus, monkeypatch):
    from bot.index.sentences import SentenceIndex

    real = SentenceIndex.build.__func__
    builds = []

    def slow_build(cls, corpus, progress=None):
        builds.append(1)
        time.sleep(0.3)
        return real(cls, corpus, progress)

    monkeypatch.setattr(SentenceIndex, "build", classmethod(slow_build))
    said: list[list[str]] = [[], []]
    results = [None, None]

    def run(i):
        results[i] = index_updates.open_index(tiny_corpus, notify=said[i].append)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1, said
    assert sorted(any("another process" in m for m in s) for s in said) == [False, True]
    assert answers(results[0], tiny_corpus) == answers(results[1], tiny_corpus)


def _bot(args: list[str], **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def write_articles(folder: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    words = [f"{a}{b}" for a in ("har", "lo", "mi", "sten", "quo", "vex", "dru", "pal") for b in
             ("bor", "tan", "ric", "mund", "sel", "ix", "ova", "pen", "gard", "lem")]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(6, 20))).capitalize() + "."
                     for _ in range(rng.randint(20, 40))]
        paras = ["\n".join([" ".join(sentences[j:j + 5]) for j in range(0, len(sentences), 5)])]
        (folder / f"art{seed}_{i:04d}.txt").write_text(f"Title number {i} of {seed}\n\n" + "\n\n".join(paras))


def test_two_cli_builds_at_once_do_not_corrupt_each_other(tiny_corpus):
    write_articles(tiny_corpus.corpus_dir, 40, 1)
    args = ["build", "--corpus", str(tiny_corpus.corpus_dir), "--index", str(tiny_corpus.index_dir)]
    procs = [_bot(args) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    index, manifest = index_format.load(tiny_corpus.index_dir)
    assert manifest["fingerprint"] == index_build.fingerprint(tiny_corpus.corpus_dir)
    assert index.article_count == 43
    names = sorted(p.name for p in tiny_corpus.index_dir.iterdir())
    assert [n for n in names if n.startswith("build-")] == [index_format.current_build(tiny_corpus.index_dir).name]
    assert "CURRENT.tmp" not in names


def test_sigkill_during_build_keeps_the_old_index(tmp_path):
    corpus = tmp_path / "corpus"
    write_articles(corpus, 40, 7)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    old_index, _ = index_build.build(settings)
    questions = ["harbor lomund quoova", "Title number 3 of 7", "stenric palpen drusel", "nothing at all here"]
    expected = answers(old_index, settings, questions)
    old_build = index_format.current_build(settings.index_dir).name
    del old_index
    write_articles(corpus / "new", 150, 8)  # the next build has real work to do
    new_fp = index_build.fingerprint(corpus)
    args = ["build", "--corpus", str(corpus), "--index", str(settings.index_dir)]

    # How long a whole build takes here, to spread the kills over it (measured on a copy).
    probe = Settings(corpus_dir=corpus, index_dir=tmp_path / "probe")
    t = time.perf_counter()
    assert _bot(["build", "--corpus", str(corpus), "--index", str(probe.index_dir)]).wait(120) == 0
    total = time.perf_counter() - t

    rng = random.Random(20240229)
    delays = [rng.uniform(0.05, 0.85) * total for _ in range(3)]
    phases: list = []
    def temp_folders() -> set[str]:
        return {p.name for p in settings.index_dir.iterdir() if p.name.endswith(".tmp")}

    for kill_at in ["tmp-appears", *delays]:
        left_before = temp_folders()
        proc = _bot(args)
        if kill_at == "tmp-appears":  # right in the middle of writing the new build folder
            deadline = time.monotonic() + 60
            while not temp_folders() - left_before:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.002)
        else:
            time.sleep(kill_at)
        phases.append((kill_at, bool(temp_folders() - left_before)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        if index_format.current_build(settings.index_dir).name != old_build:
            break  # this kill came after the swap: the new build is complete (checked below)
        index, manifest = index_format.load(settings.index_dir)
        assert manifest["fingerprint"] != new_fp
        assert answers(index, settings, questions) == expected
    finished = _bot(args)
    out, err = finished.communicate(timeout=120)
    assert finished.returncode == 0, err
    index, manifest = index_format.load(settings.index_dir)
    assert manifest["fingerprint"] == new_fp and index.article_count == 190
    assert not any(p.name.endswith(".tmp") for p in settings.index_dir.iterdir())
    said: list[str] = []
    index_updates.open_index(settings, notify=said.append)
    assert said == []
    print(f"build takes {total:.2f} s; kills (delay, while writing the new folder):", phases)


@pytest.mark.parametrize("point", ["first array written", "manifest about to be written", "build folder renamed",
                                   "pointer about to be switched", "pointer switched, old build not yet removed"])
def test_abrupt_death_at_each_step_of_save(tiny_corpus, point):
    """A forked child dies (os._exit, no cleanup) at an exact step of `save`; the parent checks
    that the index folder still gives the old answers (or, after the switch, the new ones), and
    that the next build finishes and leaves one build folder."""
    old_index, _ = index_build.build(tiny_corpus)
    expected_old = answers(old_index, tiny_corpus)
    (tiny_corpus.corpus_dir / "c.txt").write_text(
        "Storm closes schools\n\nA winter storm closed every school in the county on Wednesday. "
        "Forecasters expect 55 centimetres of snow. Buses will run again on Thursday.\n")
    pid = os.fork()
    if pid == 0:  # child
        try:
            die = lambda *a, **k: os._exit(9)  # noqa: E731
            if point == "first array written":
                real_save = np.save
                np.save = lambda *a, **k: (real_save(*a, **k), os._exit(9))
            elif point == "manifest about to be written":
                real_json = index_format.write_json
                index_format.write_json = lambda path, v: die() if path.name == "manifest.json" else real_json(path, v)
            elif point == "build folder renamed":
                index_format.fsync = lambda path: die() if path.name == tiny_corpus.index_dir.name else None
            elif point == "pointer about to be switched":
                index_format.os.replace = die
            else:
                index_format.remove_old_builds = die
            index_build.build(tiny_corpus)
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 9
    index, manifest = index_format.load(tiny_corpus.index_dir)
    switched = manifest["fingerprint"] == index_build.fingerprint(tiny_corpus.corpus_dir)
    assert switched == (point == "pointer switched, old build not yet removed")
    if not switched:
        assert answers(index, tiny_corpus) == expected_old
    said: list[str] = []
    index = index_updates.open_index(tiny_corpus, notify=said.append)
    assert "55 centimetres" in Answerer(index, tiny_corpus.answering).answer("How much snow is expected?").passages[0].quote
    index_build.build(tiny_corpus)
    leftovers = [p.name for p in tiny_corpus.index_dir.iterdir() if p.name.startswith("build-")]
    assert leftovers == [index_format.current_build(tiny_corpus.index_dir).name]


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 3 * 4096, 3 * 4096 + 17])
def test_a_file_is_hashed_piece_by_piece_as_if_whole(tmp_path, monkeypatch, size):
    monkeypatch.setattr(checksums, "_PIECE", 4096)  # (pages let go after each piece: several pieces here)
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert checksums.file_digest(path, "crc32") == f"{zlib.crc32(data):08x}"
    assert checksums.file_digest(path, "sha256") == hashlib.sha256(data).hexdigest()
    with pytest.raises(ValueError):
        checksums.file_digest(path, "md5")
