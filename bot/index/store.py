"""The index on disk: plain .npy arrays and JSON (never pickle), checksummed, swapped in atomically.

Layout of the index folder:
    CURRENT            name of the build folder in use (replaced atomically)
    build-*/           one complete build: manifest.json, *.npy, blob.bin, *.json
    build-*.tmp/       a build being written (or left by a killed build: never loaded, removed
                       by the next build)
    .lock              flock held while building, so two builds never interleave
A build is written into a fresh temporary folder, fsynced, renamed, and only then named in CURRENT
(written to CURRENT.tmp, fsynced, os.replace'd), so a crash at any point leaves the previous index
usable.

Safety: arrays are loaded with allow_pickle=False and everything else is JSON, so nothing in the
index folder can run code.  The manifest lists the size and crc32 of every file and carries a sha256
of itself; load verifies them all (two files at a time: zlib releases the GIL), so a truncated,
bit-flipped or swapped file is found and the index rebuilt.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import mmap
import os
import re
import shutil
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from bot.corpus import load as corpus_mod
from bot.index import bm25 as bm25_mod
from bot.index.bm25 import BM25Index
from bot.config import Settings
from bot.errors import QuotebotError
from bot.index.sentences import SentenceIndex
from bot.index.spelling import Speller

logger = logging.getLogger(__name__)

FORMAT = "quotebot-index"
FORMAT_VERSION = 2
# Bump when sentence splitting, term analysis or cleaning change: old indexes are then stale.
ANALYZER_VERSION = 1
# Checksums of the index files, verified at every load.  They guard against damage (truncation,
# flipped bits, a file from another build), not against an attacker, who could rewrite the manifest
# too: that safety comes from the format (no pickle).  crc32 reads the 1M-sentence index (~470 MB)
# in ~0.1 s, where sha256 costs ~0.6-0.9 s of the 1 s load budget.
CHECKSUM = "crc32"
CHECKSUMS = ("crc32", "sha256")

# What CURRENT may name: a finished build folder directly inside the index folder, nothing else.
_BUILD_NAME = re.compile(r"build-[A-Za-z0-9_-]+")
_TMP_SUFFIX = ".tmp"

Notify = Callable[[str], None]


class IndexUnusable(Exception):
    """The stored index cannot be used (missing, foreign, corrupt); the message says why."""


@dataclass(frozen=True)
class BuildReport:
    articles: int
    sentences: int
    vocabulary: int
    seconds: float
    skipped: tuple[corpus_mod.Skipped, ...]
    warnings: tuple[str, ...]
    reused: bool = False  # another builder had just built the same corpus: its index was kept


def fingerprint(corpus_dir: Path) -> str:
    """Changes whenever an article or sidecar is added, removed or edited, or the analyser or the
    index settings change.  Size, mtime and ctime (which no copy tool can preserve) of each file."""
    h = hashlib.sha256(f"{FORMAT_VERSION}/{ANALYZER_VERSION}/{bm25_mod.K1}/{bm25_mod.B}/{bm25_mod.EPSILON}".encode())
    for path in corpus_mod.fingerprint_files(corpus_dir):
        try:
            st = path.stat()
        except OSError:
            continue
        rel = path.relative_to(corpus_dir).as_posix()
        h.update(f"\0{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _digest(path: Path, algorithm: str = CHECKSUM) -> str:
    """A file's checksum, read through a memory map (no copies).  crc32: zlib releases the GIL, so
    two threads hash two files at once; sha256 is kept for indexes written with it."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        view = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)) if size else memoryview(b"")
    try:
        if algorithm == "crc32":
            crc = 0
            for i in range(0, size, 1 << 24):
                crc = zlib.crc32(view[i:i + (1 << 24)], crc)
            return f"{crc:08x}"
        if algorithm == "sha256":
            return hashlib.sha256(view).hexdigest()
        raise IndexUnusable(f"unknown checksum {algorithm!r}")
    finally:
        obj = view.obj
        view.release()
        if isinstance(obj, mmap.mmap):
            obj.close()


def _digests(paths: list[Path], algorithm: str = CHECKSUM) -> list[str]:
    """Checksums of several files, two at a time (the hash functions release the GIL)."""
    big_first = sorted(range(len(paths)), key=lambda i: -paths[i].stat().st_size)
    out: list[str] = [""] * len(paths)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for i, d in zip(big_first, pool.map(lambda i: _digest(paths[i], algorithm), big_first)):
            out[i] = d
    return out


def _manifest_digest(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


# -- saving -------------------------------------------------------------------------------------

def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def _array_files(index: SentenceIndex) -> dict[str, np.ndarray]:
    arrays = {f"sent.{k}": v for k, v in index.sentences.arrays().items()}
    arrays.update({f"para.{k}": v for k, v in index.paragraphs.arrays().items()})
    arrays.update({f"spell.{k}": v for k, v in index.speller.arrays().items()})
    for name in ("sent_para", "sent_start", "sent_end", "sent_byte", "para_article", "para_first",
                 "para_kind", "article_byte"):
        arrays[name] = getattr(index, name)
    return arrays


def save(index: SentenceIndex, index_dir: Path, fp: str, skipped: tuple[corpus_mod.Skipped, ...] = (),
         warnings: tuple[str, ...] = ()) -> Path:
    """Write a complete build folder, then point CURRENT at it; returns the build folder.

    Call with the build lock held (`build` does): old builds and temporary folders are removed."""
    index_dir.mkdir(parents=True, exist_ok=True)
    build = index_dir / f"build-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = build.with_name(build.name + _TMP_SUFFIX)
    tmp.mkdir()
    try:
        for name, array in _array_files(index).items():
            array = np.ascontiguousarray(array)
            if array.dtype.hasobject:
                raise ValueError(f"refusing to save object array {name}")
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        (tmp / "blob.bin").write_bytes(bytes(index.blob))
        _write_json(tmp / "articles.json", index.articles)
        _write_json(tmp / "terms.json", {"sent": index.sentences.terms, "para": index.paragraphs.terms,
                                          "spell": index.speller.words, "surface": index.surface_terms})
        files = sorted(tmp.iterdir())
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "analyzer": ANALYZER_VERSION,
            "fingerprint": fp,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "bm25": {"sent": index.sentences.params(), "para": index.paragraphs.params()},
            "counts": {"articles": index.article_count, "sentences": index.sentence_count,
                       "vocabulary": len(index.sentences.terms)},
            "skipped": [[s.path, s.reason] for s in skipped],
            "warnings": list(warnings),
            "checksum": CHECKSUM,
            "files": {p.name: {"size": p.stat().st_size, CHECKSUM: d} for p, d in zip(files, _digests(files))},
        }
        manifest["manifest_checksum"] = _manifest_digest(manifest)
        _write_json(tmp / "manifest.json", manifest)
        _fsync_dir(tmp)
        tmp.rename(build)
        _fsync(index_dir)  # the rename is on disk before CURRENT may name the build
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = index_dir / "CURRENT.tmp"
    with open(pointer, "w", encoding="utf-8") as f:
        f.write(build.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(pointer, index_dir / "CURRENT")
    _fsync(index_dir)
    _remove_old_builds(index_dir, keep=build.name)
    return build


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    for p in path.iterdir():
        if p.is_file():
            _fsync(p)
    _fsync(path)


def _remove_old_builds(index_dir: Path, keep: str | None) -> None:
    """Old builds and temporary folders of killed builds; only ever called with the lock held.
    Readers that still map an old build keep their open files; Linux frees them on close."""
    for p in index_dir.iterdir():
        if p.name.startswith("build-") and p.name != keep:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
    (index_dir / "CURRENT.tmp").unlink(missing_ok=True)


def remove_leftovers(index_dir: Path) -> None:
    """Remove temporary folders left by killed builds, when no build is running (never blocks)."""
    lock = _try_lock(index_dir)
    if lock is None:
        return
    try:
        for p in index_dir.iterdir():
            if p.name.startswith("build-") and p.name.endswith(_TMP_SUFFIX) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
    finally:
        lock.close()


# -- loading ------------------------------------------------------------------------------------

def current_name(index_dir: Path) -> str | None:
    """What CURRENT says, unchecked (None when it cannot be read)."""
    try:
        return (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def current_build(index_dir: Path) -> Path:
    pointer = index_dir / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexUnusable(f"no index in {index_dir}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise IndexUnusable(f"cannot read {pointer}: {e}") from None
    if not _BUILD_NAME.fullmatch(name) or name.endswith(_TMP_SUFFIX):
        raise IndexUnusable(f"{pointer} does not name a build folder in {index_dir}")
    build = index_dir / name
    if build.is_symlink() or not build.is_dir():
        raise IndexUnusable(f"{pointer} names {name}, which is not a build folder in {index_dir}")
    return build


def read_manifest(build: Path) -> dict:
    try:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexUnusable(f"unreadable manifest in {build}: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexUnusable(f"{build} is not a quotebot index")
    if manifest.get("version") != FORMAT_VERSION or manifest.get("analyzer") != ANALYZER_VERSION:
        raise IndexUnusable(f"{build} was written by another version of quotebot")
    if manifest.get("manifest_checksum") != _manifest_digest(manifest):
        raise IndexUnusable(f"the manifest of {build} is damaged (checksum mismatch)")
    return manifest


def _verify(build: Path, manifest: dict) -> None:
    """Every listed file present, a regular file of the recorded size and checksum; nothing else."""
    files = manifest.get("files")
    algorithm = manifest.get("checksum")
    if not isinstance(files, dict) or not files or algorithm not in CHECKSUMS:
        raise IndexUnusable("manifest lists no files")
    paths: list[Path] = []
    for name, meta in files.items():
        path = build / name
        if not isinstance(name, str) or "/" in name or name.startswith(".") or not isinstance(meta, dict):
            raise IndexUnusable(f"manifest names a bad file {name!r}")
        if path.is_symlink() or not path.is_file():
            raise IndexUnusable(f"missing index file {name}")
        if path.stat().st_size != meta.get("size"):
            raise IndexUnusable(f"index file {name} is damaged (size differs)")
        paths.append(path)
    for path, digest in zip(paths, _digests(paths, algorithm)):
        if files[path.name].get(algorithm) != digest:
            raise IndexUnusable(f"index file {path.name} is damaged (checksum mismatch)")


def load(index_dir: Path, mmap: bool = True, verify: bool = True) -> tuple[SentenceIndex, dict]:
    """Load and verify the current build; IndexUnusable if anything is off.

    A build swapped in (and the old one removed) while we read is not damage: read CURRENT again."""
    for attempt in range(3):
        name = current_name(index_dir)
        try:
            return _load_build(current_build(index_dir), mmap, verify)
        except IndexUnusable:
            if attempt == 2 or current_name(index_dir) == name:
                raise
    raise AssertionError("unreachable")


def _load_build(build: Path, mmap: bool, verify: bool) -> tuple[SentenceIndex, dict]:
    manifest = read_manifest(build)
    if verify:
        _verify(build, manifest)
    try:
        return _load_verified(build, manifest, mmap), manifest
    except IndexUnusable:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise IndexUnusable(f"cannot load {build}: {e}") from None


def _load_verified(build: Path, manifest: dict, mmap: bool) -> SentenceIndex:
    mode = "r" if mmap else None

    def arr(name: str) -> np.ndarray:
        a = np.load(build / f"{name}.npy", mmap_mode=mode, allow_pickle=False)
        if not isinstance(a, np.ndarray) or a.dtype.kind not in "iuf":
            raise IndexUnusable(f"index file {name}.npy is not a numeric array")
        return a

    def json_file(name: str):
        return json.loads((build / name).read_text(encoding="utf-8"))

    terms = json_file("terms.json")
    bm25 = manifest["bm25"]

    def bm25_index(prefix: str) -> BM25Index:
        p = bm25[prefix]
        return BM25Index(terms[prefix], *(arr(f"{prefix}.{k}") for k in BM25Index.ARRAYS),
                         k1=float(p["k1"]), b=float(p["b"]), epsilon=float(p["epsilon"]))

    blob_path = build / "blob.bin"
    blob = np.memmap(blob_path, dtype=np.uint8, mode="r") if mmap and blob_path.stat().st_size else blob_path.read_bytes()
    index = SentenceIndex(
        sentences=bm25_index("sent"),
        paragraphs=bm25_index("para"),
        speller=Speller(terms["spell"], *(arr(f"spell.{k}") for k in Speller.ARRAYS)),
        **{name: arr(name) for name in ("sent_para", "sent_start", "sent_end", "sent_byte", "para_article",
                                         "para_first", "para_kind", "article_byte")},
        blob=blob,
        articles=json_file("articles.json"),
        surface_terms=terms["surface"],
    )
    _check_shapes(index, manifest)
    return index


def _check_shapes(index: SentenceIndex, manifest: dict) -> None:
    """Cheap consistency checks, so a foreign index with valid checksums fails here, not mid-answer."""
    n = index.sentence_count
    counts = manifest["counts"]
    if n != counts["sentences"] or index.article_count != counts["articles"]:
        raise IndexUnusable("sentence or article count does not match the manifest")
    if not (len(index.sent_para) == len(index.sent_start) == len(index.sent_end) == len(index.sent_byte) == n):
        raise IndexUnusable("sentence arrays disagree in length")
    if len(index.para_first) != len(index.para_article) + 1 or len(index.article_byte) != index.article_count:
        raise IndexUnusable("paragraph or article arrays disagree in length")
    if n and (int(index.sent_byte.max()) > len(index.blob) or int(index.sent_byte.min()) < 0):
        raise IndexUnusable("sentence offsets point outside the text")


# -- building -----------------------------------------------------------------------------------

def _try_lock(index_dir: Path):
    """The build lock if free right now (an open file; close it to release), else None."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock = open(index_dir / ".lock", "a+")
    except OSError:
        return None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return None
    return lock


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _reusable(index_dir: Path, fp: str) -> tuple[SentenceIndex, dict] | None:
    try:
        index, manifest = load(index_dir)
    except IndexUnusable:
        return None
    return (index, manifest) if manifest.get("fingerprint") == fp else None


def build(settings: Settings, progress: Callable[[int, int], None] | None = None,
          reuse: bool = False) -> tuple[SentenceIndex, BuildReport]:
    """Load the corpus, index it and save it under the index folder.

    Builds are serialised by a lock.  A builder that had to wait for another one keeps the index
    that one wrote if it covers the same corpus; `reuse=True` keeps any current index."""
    started = time.perf_counter()
    corpus_dir, index_dir = settings.corpus_dir, settings.index_dir
    corpus_mod.corpus_files(corpus_dir)  # a missing corpus folder is reported before touching the index
    before = current_name(index_dir)
    try:
        lock = _build_lock(index_dir)
        lock.__enter__()
    except OSError as e:
        raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
    try:
        fp = fingerprint(corpus_dir)
        if reuse or current_name(index_dir) != before:
            found = _reusable(index_dir, fp)
            if found is not None:
                index, manifest = found
                report = BuildReport(index.article_count, index.sentence_count, len(index.sentences.terms),
                                     time.perf_counter() - started,
                                     tuple(corpus_mod.Skipped(p, r) for p, r in manifest.get("skipped", [])),
                                     tuple(manifest.get("warnings", [])), reused=True)
                return index, report
        corpus = corpus_mod.load_corpus(corpus_dir)
        loaded = time.perf_counter()
        logger.info("read and cleaned %d articles in %.1f s", len(corpus.articles), loaded - started)
        total = len(corpus.articles)
        index = SentenceIndex.build(corpus, progress=(lambda n: progress(n, total)) if progress else None)
        indexed = time.perf_counter()
        logger.info("indexed %d sentences in %.1f s", index.sentence_count, indexed - loaded)
        if index.sentence_count == 0:
            raise QuotebotError(f"no sentences to index in {corpus_dir}")
        try:
            save(index, index_dir, fp, corpus.skipped, corpus.warnings)
        except OSError as e:
            raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
    finally:
        lock.__exit__(None, None, None)
    report = BuildReport(index.article_count, index.sentence_count, len(index.sentences.terms),
                         time.perf_counter() - started, corpus.skipped, corpus.warnings)
    return index, report


def open_index(settings: Settings, notify: Notify = lambda message: None) -> SentenceIndex:
    """The current index, built first when missing, stale, damaged or foreign (and said so)."""
    if not settings.corpus_dir.is_dir():
        raise QuotebotError(f"corpus folder not found: {settings.corpus_dir}")
    fp = fingerprint(settings.corpus_dir)
    try:
        index, manifest = load(settings.index_dir)
        if manifest.get("fingerprint") == fp:
            remove_leftovers(settings.index_dir)
            return index
        notify(f"The articles in {settings.corpus_dir} changed; rebuilding the index in {settings.index_dir}...")
    except IndexUnusable as e:
        if (settings.index_dir / "CURRENT").exists():
            logger.info("index unusable, rebuilding: %s", e)
            notify(f"Warning: the index is unusable ({e}); rebuilding it in {settings.index_dir}...")
        else:
            notify(f"Building the index of {settings.corpus_dir} in {settings.index_dir} (first use)...")
    index, report = build(settings, reuse=True)
    if report.reused:
        notify(f"Using the index just built by another process ({report.articles} articles, {report.sentences} sentences).")
        return index
    for w in report.warnings:
        notify(f"Warning: {w}")
    for skipped in report.skipped:
        notify(f"Skipped {skipped.path}: {skipped.reason}")
    notify(f"Indexed {report.articles} articles, {report.sentences} sentences in {report.seconds:.1f} s.")
    return index
