"""The index on disk: plain .npy arrays and JSON (never pickle), checksummed, swapped in atomically.

Layout of the index folder:
    CURRENT            what is in use (replaced atomically): a build folder, or a commit
    build-*/           one segment: manifest.json, *.npy, blob.bin, *.json (a fresh build is one)
    commit-*.json      the segments in use and the articles removed from each since it was written,
                       the folder states they cover, a sequence number (bot.index.updates)
    build-*.tmp/       a segment being written (or left by a killed writer: never loaded, removed
                       by the next build or update)
    merge-*/           a merged segment written aside, not yet committed (bot.index.updates.merge_due)
    .lock              flock held while writing a segment or a commit, so two writers never interleave
    .merge-lock        flock held by the one process merging
A segment is written into a fresh temporary folder, fsynced, renamed, and only then named in CURRENT
or in a commit (written aside, fsynced, renamed; CURRENT then replaced likewise), so a crash at any
point leaves the previous index usable.

Safety: arrays are loaded with allow_pickle=False and everything else is JSON, so nothing in the
index folder can run code.  The manifest lists the size and crc32 of every file and carries a sha256
of itself (bot.index.checksums); load verifies them all, so a truncated, bit-flipped or swapped file
is found and the index rebuilt.
"""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from bot.corpus.types import Skipped
from bot.index.bm25 import BM25Index
from bot.index.paragraphs import ParagraphBM25
from bot.index.records import ArticleRecords
from bot.index import verified
from bot.index.checksums import CHECKSUM, CHECKSUMS, file_digests, manifest_digest
from bot.index.sentences import SentenceIndex
from bot.index.spelling import Speller

FORMAT = "quotebot-index"
FORMAT_VERSION = 5  # 5: segments; each keeps its articles' paragraphs and copy-finding keys
# Bump when sentence splitting, term analysis or cleaning change: old indexes are then stale.
ANALYZER_VERSION = 1

# What CURRENT may name: a finished build folder directly inside the index folder, nothing else.
_BUILD_NAME = re.compile(r"build-[A-Za-z0-9_-]+")
_COMMIT_NAME = re.compile(r"commit-[A-Za-z0-9_-]+\.json")
_COMMIT_PREFIX = "commit-"
_TMP_SUFFIX = ".tmp"


class IndexUnusable(Exception):
    """The stored index cannot be used (missing, foreign, corrupt); the message says why."""


# -- saving -------------------------------------------------------------------------------------

def write_json(path: Path, value) -> None:
    """`json.dumps(value, ensure_ascii=False)` written to `path`, a piece at a time: a dict that holds
    lists or dicts is written key by key, each of those values a piece (or, a dict again, key by key),
    so a big record (articles.json at 400,000 articles: 77-115 MB, a list per field) never stands in
    memory whole, twice (as a string and its UTF-8).  A dict of plain values (the surface map: 200,000
    words) is one piece: one dump of it is many times faster than one a key.  The bytes are json.dumps'."""
    with open(path, "w", encoding="utf-8") as out:
        for piece in _json_pieces(value):
            out.write(piece)


def _json_pieces(value) -> Iterator[str]:
    # (a dict of plain values, such as the 200,000-word surface map, is scanned once, for containers)
    if not isinstance(value, dict) or not any(isinstance(v, (dict, list, tuple)) for v in value.values()) \
            or not all(isinstance(k, str) for k in value):
        yield json.dumps(value, ensure_ascii=False)
        return
    sep = "{"
    for key, item in value.items():
        yield sep + json.dumps(key, ensure_ascii=False) + ": "
        yield from _json_pieces(item)
        sep = ", "
    yield "}"


def array_files(index: SentenceIndex) -> dict[str, np.ndarray]:
    """Every array `save` writes, by file name without ".npy"."""
    arrays = {f"sent.{k}": v for k, v in index.sentences.arrays().items()}
    arrays.update({f"para.{k}": v for k, v in index.paragraphs.arrays().items()})
    arrays.update({f"spell.{k}": v for k, v in index.speller.arrays().items()})
    arrays.update(index.arrays())
    return arrays


def memmap_of(array) -> np.memmap | None:
    """The np.memmap an array was read through (itself, or the one under a view or slice of it such
    as bot.index.bm25.as_ndarray makes), or None for an array in ordinary memory.  It is the one that
    holds the mmap itself: a slice of a memmap is a memmap too, but keeps its parent's file offset."""
    while array is not None and not (isinstance(array, np.memmap) and isinstance(array.base, mmap.mmap)):
        array = getattr(array, "base", None)
    return array


def release_pages(*arrays) -> None:
    """Drop the pages of memory-mapped arrays from this process's resident memory (they stay in the
    page cache, and come back on the next read).  A merge reads every part's postings once, a chunk at
    a time: without this, all that was read counts in the merging process's RSS until it ends."""
    for a in arrays:
        mapping = getattr(memmap_of(a), "_mmap", None)
        if mapping is not None and not mapping.closed and hasattr(mapping, "madvise"):
            try:
                mapping.madvise(mmap.MADV_DONTNEED)
            except (OSError, ValueError):
                pass  # (an advice only: where it cannot be taken the pages just stay)


def release_index_pages(index: SentenceIndex) -> None:
    """release_pages for every memory-mapped array of a loaded segment and its text."""
    release_pages(index.blob, *array_files(index).values())


def save(index: SentenceIndex, index_dir: Path, fp: str, skipped: tuple[Skipped, ...] = (),
         warnings: tuple[str, ...] = (), similar: list | None = None, states: dict | None = None,
         sequence: int = 0, folder: Path | None = None) -> Path:
    """Write a complete build folder (a segment holding every article), then point CURRENT at it;
    returns the build folder (`folder`: as write_segment's).

    Call with the build lock held (`bot.index.build.build` does): old builds and temporary folders
    are removed."""
    build = write_segment(index, index_dir, fp, skipped, warnings, similar or [], states or {}, sequence=sequence,
                          folder=folder)
    point_current(index_dir, build.name)
    remove_old_builds(index_dir, keep={build.name})
    return build


def write_segment(index: SentenceIndex, index_dir: Path, fp: str, skipped: tuple[Skipped, ...] = (),
                  warnings: tuple[str, ...] = (), similar: list | None = None, states: dict | None = None,
                  aside: bool = False, sequence: int = 0, folder: Path | None = None) -> Path:
    """Write one build folder (fsynced, renamed into place) without naming it in CURRENT.  `aside`: as
    merge-*, which no clean-up removes while a merge holds the merge lock (a merge writes its segment
    without the build lock; `adopt_segment` renames it to build-* once it holds that lock).

    `similar`: [article, segment, other article] for each pair of the same story between this
    segment's articles and another's ("" for this one's own); `states`: the article files' states
    this segment's articles were read from (bot.corpus.folder.article_states), kept in states.json.
    `folder`: the segment's temporary folder (`new_segment_folder`) where some of its files were
    written already (bot.index.merging streams the largest there); they are not written again."""
    tmp = folder if folder is not None else new_segment_folder(index_dir, aside)
    build = tmp.with_name(tmp.name.removesuffix(_TMP_SUFFIX))  # (merge-* when aside)
    try:
        for name, array in array_files(index).items():
            if (tmp / f"{name}.npy").exists():
                continue
            array = np.ascontiguousarray(array)
            if array.dtype.hasobject:
                raise ValueError(f"refusing to save object array {name}")
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        if not (tmp / "blob.bin").exists():
            with open(tmp / "blob.bin", "wb") as f:
                f.write(memoryview(index.blob).cast("B") if len(index.blob) else b"")
        write_json(tmp / "articles.json", index.articles.to_json())
        write_json(tmp / "terms.json", {"sent": index.sentences.terms, "spell": index.speller.words,
                                          "surface": index.surface_terms})
        # (file names that are not UTF-8 keep their lone surrogates as \udcXX escapes: ASCII JSON)
        (tmp / "states.json").write_text(json.dumps(states or {}), encoding="utf-8")
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
            "similar": [list(p) for p in (similar or [])],
            "sequence": sequence,  # when it is CURRENT itself: one more than the index it replaced
            "checksum": CHECKSUM,
            "files": {p.name: {"size": p.stat().st_size, CHECKSUM: d} for p, d in zip(files, file_digests(files))},
        }
        manifest["manifest_checksum"] = manifest_digest(manifest)
        write_json(tmp / "manifest.json", manifest)
        fsync_dir(tmp)
        tmp.rename(build)
        fsync(index_dir)  # the rename is on disk before CURRENT may name the build
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return build


def new_segment_folder(index_dir: Path, aside: bool = False) -> Path:
    """A fresh temporary folder for a segment: build-*.tmp, removed if its writer dies, or for a
    segment written aside merge-*.tmp (removed by the next merge, never by a build's clean-up)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    prefix = "merge" if aside else "build"
    tmp = index_dir / f"{prefix}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**9}{_TMP_SUFFIX}"
    tmp.mkdir()
    return tmp


def adopt_segment(index_dir: Path, aside: Path) -> Path:
    """A segment written aside (merge-*) renamed to its build-* name; call with the build lock held."""
    build = index_dir / ("build-" + aside.name.removeprefix("merge-"))
    aside.rename(build)
    fsync(index_dir)
    return build


@contextmanager
def merge_lock(index_dir: Path) -> Iterator[bool]:
    """The merge lock (an flock on <index>/.merge-lock), never waited for: True when this process has it."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".merge-lock", "a+")
    except OSError:
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_stale_merges(index_dir: Path) -> None:
    """Segments a killed merge left aside; call with the merge lock held (no merge running)."""
    for p in index_dir.iterdir():
        if p.name.startswith("merge-") and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)


def write_commit(index_dir: Path, segments: list[dict], fp: str, skipped: list, warnings: list[str],
                 states: dict, sequence: int = 1, similar: list | None = None) -> str:
    """Write a commit: the segments in use (each {"name", "removed": [its article numbers]}), the
    folder's fingerprint and article states they cover; returns its file name (not yet current)."""
    record = {"format": FORMAT, "version": FORMAT_VERSION, "analyzer": ANALYZER_VERSION, "fingerprint": fp,
              "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "segments": segments, "skipped": skipped,
              "warnings": warnings, "states": states, "sequence": sequence,
              # pairs of the same story between segments that no segment's manifest holds (found after
              # a merge): [segment, article, other segment, article]
              "similar": similar or []}
    record["manifest_checksum"] = manifest_digest(record)
    name = f"{_COMMIT_PREFIX}{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**9}.json"
    tmp = index_dir / (name + _TMP_SUFFIX)
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(record))  # ASCII: file names that are not UTF-8 stay escaped
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / name)
    fsync(index_dir)
    return name


def point_current(index_dir: Path, name: str) -> None:
    """Name a build folder or commit in CURRENT (written aside, fsynced, renamed over: atomic)."""
    pointer = index_dir / "CURRENT.tmp"
    with open(pointer, "w", encoding="utf-8") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(pointer, index_dir / "CURRENT")
    fsync(index_dir)


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    for p in path.iterdir():
        if p.is_file():
            fsync(p)
    fsync(path)


def remove_old_builds(index_dir: Path, keep: set[str]) -> None:
    """Old builds, old commits and temporary folders of killed builds; only ever called with the lock
    held.  Readers that still map an old build keep their open files; Linux frees them on close."""
    for p in index_dir.iterdir():
        if p.name.startswith(_COMMIT_PREFIX) and p.name not in keep:
            p.unlink(missing_ok=True)
        elif p.name.startswith("build-") and p.name not in keep:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
    (index_dir / "CURRENT.tmp").unlink(missing_ok=True)


def remove_temporary_builds(index_dir: Path) -> None:
    """The temporary folders of killed builds; call with the build lock held (no build running)."""
    for p in index_dir.iterdir():
        if p.name.startswith("build-") and p.name.endswith(_TMP_SUFFIX) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(_COMMIT_PREFIX) and p.name.endswith(_TMP_SUFFIX):
            p.unlink(missing_ok=True)


# -- loading ------------------------------------------------------------------------------------

def current_sequence(index_dir: Path) -> int:
    """The sequence number of what CURRENT names (0 when none can be read)."""
    name = current_name(index_dir)
    try:
        if name is not None and _COMMIT_NAME.fullmatch(name):
            return int(read_commit(index_dir, name).get("sequence", 0))
        return int(read_manifest(current_build(index_dir)).get("sequence", 0))
    except (IndexUnusable, TypeError, ValueError):
        return 0


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
    return _checked(manifest, f"{build} is not a quotebot index", str(build), f"the manifest of {build}")


def _checked(record, foreign: str, named: str, damaged: str) -> dict:
    """A manifest or a commit, checked: ours, of this version, its checksum right (messages: whose)."""
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise IndexUnusable(foreign)
    if record.get("version") != FORMAT_VERSION or record.get("analyzer") != ANALYZER_VERSION:
        raise IndexUnusable(f"{named} was written by another version of quotebot")
    if record.get("manifest_checksum") != manifest_digest(record):
        raise IndexUnusable(f"{damaged} is damaged (checksum mismatch)")
    return record


def _verify(build: Path, manifest: dict) -> None:
    """Every listed file present, a regular file of the recorded size and checksum; nothing else."""
    files = manifest.get("files")
    algorithm = manifest.get("checksum")
    if not isinstance(files, dict) or not files or algorithm not in CHECKSUMS:
        raise IndexUnusable("manifest lists no files")
    stats: dict[str, os.stat_result] = {}
    for name, meta in files.items():
        path = build / name
        if not isinstance(name, str) or "/" in name or name.startswith(".") or not isinstance(meta, dict):
            raise IndexUnusable(f"manifest names a bad file {name!r}")
        if path.is_symlink() or not path.is_file():
            raise IndexUnusable(f"missing index file {name}")
        stats[name] = path.stat()  # (before its checksum is read: what verified.record keeps)
        if stats[name].st_size != meta.get("size"):
            raise IndexUnusable(f"index file {name} is damaged (size differs)")
    expected = {name: files[name].get(algorithm) for name in stats}
    # Files checked at an earlier load and not changed since are not read again (bot/index/verified.py).
    checked = verified.unchanged(build, stats, expected)
    unread = [name for name in stats if name not in checked]
    if not unread:
        return
    for name, digest in zip(unread, file_digests([build / name for name in unread], algorithm)):
        if expected[name] != digest:
            raise IndexUnusable(f"index file {name} is damaged (checksum mismatch)")
    verified.record(build, stats, expected)


def load(index_dir: Path, mmap: bool = True, verify: bool = True):
    """Load and verify the current index; IndexUnusable if anything is off.  Returns (index, manifest):
    a SentenceIndex when CURRENT names one build folder whose articles hold no copies of one story,
    else a CombinedIndex of the segments its commit lists; the manifest is the build's or the commit's.

    A build swapped in (and the old one removed) while we read is not damage: read CURRENT again."""
    for attempt in range(3):
        name = current_name(index_dir)
        try:
            if name is not None and _COMMIT_NAME.fullmatch(name):
                return load_commit(index_dir, name, mmap, verify)
            build = current_build(index_dir)
            index, manifest = load_build(build, mmap, verify)
            if manifest.get("similar"):
                return combined_of(index_dir, [(build.name, index, manifest, ())]), manifest
            return index, manifest
        except IndexUnusable:
            if attempt == 2 or current_name(index_dir) == name:
                raise
    raise AssertionError("unreachable")


def read_commit(index_dir: Path, name: str) -> dict:
    path = index_dir / name
    if path.is_symlink() or not path.is_file():
        raise IndexUnusable(f"CURRENT names {name}, which is not a commit in {index_dir}")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexUnusable(f"unreadable commit {name}: {e}") from None
    _checked(record, f"{name} is not a quotebot commit", name, f"the commit {name}")
    segments = record.get("segments")
    if not isinstance(segments, list) or not segments or not all(
            isinstance(g, dict) and isinstance(g.get("name"), str) and _BUILD_NAME.fullmatch(g["name"])
            and isinstance(g.get("removed"), list) for g in segments):
        raise IndexUnusable(f"the commit {name} lists no usable segments")
    return record


def load_commit(index_dir: Path, name: str, mmap: bool = True, verify: bool = True):
    record = read_commit(index_dir, name)
    loaded = []
    for g in record["segments"]:
        build = index_dir / g["name"]
        if build.is_symlink() or not build.is_dir():
            raise IndexUnusable(f"the commit {name} names a missing segment {g['name']}")
        index, manifest = load_build(build, mmap, verify)
        loaded.append((g["name"], index, manifest, g["removed"]))
    return combined_of(index_dir, loaded, record.get("similar", [])), record


def combined_of(index_dir: Path, loaded: list, pairs: list = ()):
    """A CombinedIndex of loaded segments: (name, index, manifest, removed article numbers) each; `pairs`:
    a commit's own pairs of the same story."""
    from bot.index.combined import CombinedIndex, Part

    parts, similar = [], {}
    try:
        for name, a, other, b in pairs:
            similar.setdefault((str(name), int(a)), []).append((str(other), int(b)))
    except (TypeError, ValueError):
        raise IndexUnusable("the commit's pairs of the same story are damaged") from None
    for name, index, manifest, removed in loaded:
        try:
            removed = frozenset(int(a) for a in removed)
            for a, other, b in manifest.get("similar", []):
                similar.setdefault((name, int(a)), []).append((other or name, int(b)))
        except (TypeError, ValueError):
            raise IndexUnusable(f"segment {name}: bad removed articles or pairs") from None
        if any(a < 0 or a >= index.article_count for a in removed):
            raise IndexUnusable(f"segment {name}: removed articles out of range")
        parts.append(Part(name, index, removed))
    return CombinedIndex(parts, similar)


def load_build(build: Path, mmap: bool, verify: bool) -> tuple[SentenceIndex, dict]:
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

    def params(prefix: str) -> dict[str, float]:
        return {k: float(bm25[prefix][k]) for k in ("k1", "b", "epsilon")}

    sentences = BM25Index(terms["sent"], *(arr(f"sent.{k}") for k in BM25Index.ARRAYS), **params("sent"))
    paragraphs = ParagraphBM25(sentences, arr("para_first"), *(arr(f"para.{k}") for k in ParagraphBM25.ARRAYS),
                               **params("para"))
    if len(paragraphs.df) != len(sentences.terms):
        raise IndexUnusable("paragraph and sentence vocabularies disagree in length")

    blob_path = build / "blob.bin"
    blob = np.memmap(blob_path, dtype=np.uint8, mode="r") if mmap and blob_path.stat().st_size else blob_path.read_bytes()
    index = SentenceIndex(
        sentences=sentences,
        paragraphs=paragraphs,
        speller=Speller(terms["spell"], *(arr(f"spell.{k}") for k in Speller.ARRAYS)),
        **{name: arr(name) for name in SentenceIndex.ARRAYS},
        blob=blob,
        articles=ArticleRecords.from_json(json_file("articles.json")),
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
