"""The index on disk: plain .npy arrays and JSON (never pickle), checksummed, swapped in atomically.

Layout of the index folder:
    CURRENT            name of the build folder in use (replaced atomically)
    build-*/           one complete build: manifest.json, *.npy, blob.bin, *.json
    .lock              held while building, so two builds never interleave
A build is written into a fresh build folder and only then named in CURRENT, so a crash at any
point leaves the previous index usable.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from bot import corpus as corpus_mod
from bot.bm25 import BM25Index
from bot.config import Settings
from bot.errors import QuotebotError
from bot.index import SentenceIndex
from bot.spelling import Speller

logger = logging.getLogger(__name__)

FORMAT = "quotebot-index"
FORMAT_VERSION = 1
# Bump when sentence splitting, term analysis or cleaning change: old indexes are then stale.
ANALYZER_VERSION = 1

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


def fingerprint(corpus_dir: Path) -> str:
    """Changes whenever an article or sidecar is added, removed or edited, or the analyser changes."""
    h = hashlib.sha256(f"{FORMAT_VERSION}/{ANALYZER_VERSION}".encode())
    for path in corpus_mod.fingerprint_files(corpus_dir):
        try:
            st = path.stat()
        except OSError:
            continue
        rel = path.relative_to(corpus_dir).as_posix()
        h.update(f"\0{rel}\0{st.st_size}\0{st.st_mtime_ns}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


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


def save(index: SentenceIndex, index_dir: Path, fp: str) -> Path:
    """Write a complete build folder, then point CURRENT at it; returns the build folder."""
    index_dir.mkdir(parents=True, exist_ok=True)
    build = index_dir / f"build-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = build.with_name(build.name + ".tmp")
    tmp.mkdir()
    for name, array in _array_files(index).items():
        np.save(tmp / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    (tmp / "blob.bin").write_bytes(bytes(index.blob))
    _write_json(tmp / "articles.json", index.articles)
    _write_json(tmp / "terms.json", {"sent": index.sentences.terms, "para": index.paragraphs.terms,
                                      "spell": index.speller.words, "surface": index.surface_terms})
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "analyzer": ANALYZER_VERSION,
        "fingerprint": fp,
        "bm25": {"sent": index.sentences.params(), "para": index.paragraphs.params()},
        "counts": {"articles": index.article_count, "sentences": index.sentence_count},
        "files": {p.name: _sha256(p) for p in sorted(tmp.iterdir())},
    }
    _write_json(tmp / "manifest.json", manifest)
    _fsync_dir(tmp)
    tmp.rename(build)
    pointer = index_dir / "CURRENT.tmp"
    pointer.write_text(build.name + "\n", encoding="utf-8")
    os.replace(pointer, index_dir / "CURRENT")
    _fsync_dir(index_dir)
    _remove_old_builds(index_dir, keep=build.name)
    return build


def _fsync_dir(path: Path) -> None:
    for p in path.iterdir():
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_old_builds(index_dir: Path, keep: str) -> None:
    """Readers that still map an old build keep their open files; Linux frees them on close."""
    for p in index_dir.iterdir():
        if p.is_dir() and p.name.startswith("build-") and p.name != keep:
            shutil.rmtree(p, ignore_errors=True)


# -- loading ------------------------------------------------------------------------------------

def current_build(index_dir: Path) -> Path:
    pointer = index_dir / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexUnusable(f"no index in {index_dir}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise IndexUnusable(f"cannot read {pointer}: {e}") from None
    if not name.startswith("build-") or "/" in name or name in (".", ".."):
        raise IndexUnusable(f"{pointer} does not name a build folder")
    return index_dir / name


def read_manifest(build: Path) -> dict:
    try:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexUnusable(f"unreadable manifest in {build}: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexUnusable(f"{build} is not a quotebot index")
    if manifest.get("version") != FORMAT_VERSION or manifest.get("analyzer") != ANALYZER_VERSION:
        raise IndexUnusable(f"{build} was written by another version of quotebot")
    return manifest


def _verify(build: Path, manifest: dict) -> None:
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise IndexUnusable("manifest lists no files")
    for name, digest in files.items():
        path = build / name
        if "/" in name or not path.is_file():
            raise IndexUnusable(f"missing index file {name}")
        if _sha256(path) != digest:
            raise IndexUnusable(f"index file {name} is damaged (checksum mismatch)")


def load(index_dir: Path, mmap: bool = True) -> tuple[SentenceIndex, dict]:
    """Load and verify the current build; IndexUnusable if anything is off."""
    build = current_build(index_dir)
    manifest = read_manifest(build)
    _verify(build, manifest)
    try:
        return _load_verified(build, manifest, mmap), manifest
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        raise IndexUnusable(f"cannot load {build}: {e}") from None


def _load_verified(build: Path, manifest: dict, mmap: bool) -> SentenceIndex:
    mode = "r" if mmap else None

    def arr(name: str) -> np.ndarray:
        return np.load(build / f"{name}.npy", mmap_mode=mode, allow_pickle=False)

    terms = json.loads((build / "terms.json").read_text(encoding="utf-8"))
    bm25 = manifest["bm25"]

    def bm25_index(prefix: str) -> BM25Index:
        p = bm25[prefix]
        return BM25Index(terms[prefix], *(arr(f"{prefix}.{k}") for k in BM25Index.ARRAYS),
                         k1=p["k1"], b=p["b"], epsilon=p["epsilon"])

    blob = np.memmap(build / "blob.bin", dtype=np.uint8, mode="r") if mmap and (build / "blob.bin").stat().st_size else (build / "blob.bin").read_bytes()
    index = SentenceIndex(
        sentences=bm25_index("sent"),
        paragraphs=bm25_index("para"),
        speller=Speller(terms["spell"], *(arr(f"spell.{k}") for k in Speller.ARRAYS)),
        **{name: arr(name) for name in ("sent_para", "sent_start", "sent_end", "sent_byte", "para_article",
                                         "para_first", "para_kind", "article_byte")},
        blob=blob,
        articles=json.loads((build / "articles.json").read_text(encoding="utf-8")),
        surface_terms=terms["surface"],
    )
    if index.sentence_count != manifest["counts"]["sentences"]:
        raise IndexUnusable("sentence count does not match the manifest")
    return index


# -- building -----------------------------------------------------------------------------------

@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build(settings: Settings, progress: Callable[[int, int], None] | None = None) -> tuple[SentenceIndex, BuildReport]:
    """Load the corpus, index it and save it under the index folder."""
    started = time.perf_counter()
    corpus_dir, index_dir = settings.corpus_dir, settings.index_dir
    with _build_lock(index_dir):
        fp = fingerprint(corpus_dir)
        corpus = corpus_mod.load_corpus(corpus_dir)
        total = len(corpus.articles)
        index = SentenceIndex.build(corpus, progress=(lambda n: progress(n, total)) if progress else None)
        if index.sentence_count == 0:
            raise QuotebotError(f"no sentences to index in {corpus_dir}")
        try:
            save(index, index_dir, fp)
        except OSError as e:
            raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
    report = BuildReport(index.article_count, index.sentence_count, len(index.sentences.terms),
                         time.perf_counter() - started, corpus.skipped, corpus.warnings)
    return index, report


def open_index(settings: Settings, notify: Notify = lambda message: None) -> SentenceIndex:
    """The current index, built first when missing, stale, damaged or foreign."""
    if not settings.corpus_dir.is_dir():
        raise QuotebotError(f"corpus folder not found: {settings.corpus_dir}")
    fp = fingerprint(settings.corpus_dir)
    try:
        index, manifest = load(settings.index_dir)
        if manifest.get("fingerprint") == fp:
            return index
        notify(f"The articles in {settings.corpus_dir} changed; rebuilding the index in {settings.index_dir}...")
    except IndexUnusable as e:
        if (settings.index_dir / "CURRENT").exists():
            logger.warning("index unusable, rebuilding: %s", e)
            notify(f"Warning: {e}; rebuilding the index in {settings.index_dir}...")
        else:
            notify(f"Building the index of {settings.corpus_dir} in {settings.index_dir} (first use)...")
    index, report = build(settings)
    for skipped in report.skipped:
        notify(f"Skipped {skipped.path}: {skipped.reason}")
    notify(f"Indexed {report.articles} articles, {report.sentences} sentences in {report.seconds:.1f} s.")
    return index
