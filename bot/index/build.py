"""Building and opening the index: the corpus read and indexed under a lock, or the saved index
loaded when it still matches the corpus.

fingerprint(corpus_dir) -> str          what the saved index must have been built from
build(settings) -> (index, BuildReport) always builds (waiting for another build to finish first)
(bot.index.updates.open_index loads the current index, brings it up to the folder, or builds it)

Each file's reading is kept in <index>/extract-cache/ (bot/corpus/cache.py), which outlives builds:
a rebuild reads only the files added or changed since.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import logging
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator


from bot.config import Settings
from bot.corpus import EXTRACTION_VERSION
from bot.corpus.folder import article_states, check_folder, file_states
from bot.corpus.types import Corpus, Skipped
from bot.errors import QuotebotError
from bot.index import bm25
from bot.index import format as index_format
from bot.index.format import ANALYZER_VERSION, FORMAT_VERSION, IndexUnusable
from bot.index.combined import CombinedIndex, Part, find_similar
from bot.index.sentences import SentenceIndex

logger = logging.getLogger(__name__)

Notify = Callable[[str], None]
# The index folder's sub-folder where each file's reading is kept between builds.
EXTRACT_CACHE = "extract-cache"
# A build reads and indexes a folder of more than this many bytes of article files a batch of about
# this many at a time (in path order), writes each batch as a segment and merges those into one
# (bot.index.merging), so its memory is a batch's whatever the size of the folder (about 1M sentences
# of plain text a batch; fewer of HTML).
BATCH_BYTES = 100_000_000


@dataclass(frozen=True)
class BuildReport:
    articles: int
    sentences: int
    vocabulary: int
    seconds: float
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]
    reused: bool = False  # another builder had just built the same corpus: its index was kept
    files_read: int = 0  # article files read in this build
    files_cached: int = 0  # article files whose reading came from <index>/extract-cache/ instead

    def files_line(self) -> str:
        """How the files were had, for the build summary: "(2 files read, 40 from the cache)"."""
        return f"({self.files_read} {'file' if self.files_read == 1 else 'files'} read, {self.files_cached} from the cache)"


def fingerprint(corpus_dir: Path) -> str:
    """Changes whenever an article or sidecar is added, removed or edited, or the reading of files, the
    analyser or the index settings change.  Size, mtime and ctime (which no copy tool can preserve) of each file."""
    h = hashlib.sha256(f"{FORMAT_VERSION}/{ANALYZER_VERSION}/{bm25.K1}/{bm25.B}/{bm25.EPSILON}"
                       f"/extraction {EXTRACTION_VERSION}".encode())
    # (one update of every file's line: the same digest as an update per file, a second less at 400,000)
    h.update("".join(f"\0{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}"
                     for rel, st in file_states(corpus_dir)).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


# -- the build lock: an flock on <index>/.lock ------------------------------------------------------

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
def build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def remove_leftovers(index_dir: Path) -> None:
    """Remove temporary folders left by killed builds, when no build is running (never blocks)."""
    lock = _try_lock(index_dir)
    if lock is None:
        return
    try:
        index_format.remove_temporary_builds(index_dir)
    finally:
        lock.close()


# -- building and opening -----------------------------------------------------------------------

def _reusable(index_dir: Path, fp: str) -> tuple[SentenceIndex, dict] | None:
    try:
        index, manifest = index_format.load(index_dir)
    except IndexUnusable:
        return None
    return (index, manifest) if manifest.get("fingerprint") == fp else None


def _similar_rows(found: dict, own: str) -> list[list]:
    """find_similar's pairs as a segment's manifest keeps them: [article, other segment ("" for its own), article]."""
    return [[a, "" if other == own else other, b] for (_, a), others in sorted(found.items()) for other, b in others]


def build(settings: Settings, progress: Callable[[int, int], None] | None = None,
          reuse: bool = False) -> tuple[SentenceIndex, BuildReport]:
    """Load the corpus, index it and save it under the index folder (one segment of every article).

    Builds are serialised by a lock.  A builder that had to wait for another one keeps the index
    that one wrote if it covers the same corpus; `reuse=True` keeps any current index."""
    started = time.perf_counter()
    corpus_dir, index_dir = settings.corpus_dir, settings.index_dir
    check_folder(corpus_dir)  # a missing corpus folder is reported before touching the index
    before = index_format.current_name(index_dir)
    with _locked(index_dir):
        fp = fingerprint(corpus_dir)
        if reuse or index_format.current_name(index_dir) != before:
            found = _reusable(index_dir, fp)
            if found is not None:
                index, manifest = found
                report = BuildReport(index.article_count, index.sentence_count, len(index.sentences.terms),
                                     time.perf_counter() - started,
                                     tuple(Skipped(p, r) for p, r in manifest.get("skipped", [])),
                                     tuple(manifest.get("warnings", [])), reused=True)
                return index, report
        states = article_states(corpus_dir)
        try:
            segment, read, folder = _read_and_index(corpus_dir, index_dir, states, progress)
            if segment.sentence_count == 0:
                raise QuotebotError(f"no sentences to index in {corpus_dir}")
            similar = find_similar([], Part("", segment))
            saved = index_format.save(segment, index_dir, fp, read.skipped, read.warnings,
                                      _similar_rows(similar, ""), states, index_format.current_sequence(index_dir) + 1,
                                      folder=folder)
        except OSError as e:
            raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
        index = CombinedIndex([Part(saved.name, segment)], {(saved.name, a): [(saved.name, b) for _, b in others]
                                                             for (_, a), others in similar.items()}) if similar else segment
    report = BuildReport(index.article_count, index.sentence_count, len(index.sentences.terms),
                         time.perf_counter() - started, read.skipped, read.warnings,
                         files_read=read.files_read, files_cached=read.files_cached)
    return index, report


def _batches(states: dict[str, list[int]]) -> list[list[str]]:
    """The article files (relative names, in path order) cut into runs of about BATCH_BYTES."""
    batches: list[list[str]] = [[]]
    size = 0
    for rel, state in states.items():
        if batches[-1] and size + state[0] > BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(rel)
        size += state[0]
    return batches


def _read_and_index(corpus_dir: Path, index_dir: Path, states: dict[str, list[int]],
                    progress: Callable[[int, int], None] | None):
    """Every article file read and indexed: (the segment, what the reading gave without the articles,
    the temporary folder holding part of the segment's files, or None).  A folder past BATCH_BYTES is
    read a batch at a time, each batch indexed and written as a segment, and the segments merged
    (bot.index.merging): only one batch's articles are ever in memory."""
    from bot.corpus.cache import ExtractCache
    from bot.corpus.load import load_corpus, no_article  # (the reading's modules: only a build needs them)
    from bot.index.merging import concatenate_into

    started = time.perf_counter()
    cache_dir = index_dir / EXTRACT_CACHE
    batches = _batches(states)
    total = len(states)
    if len(batches) == 1:
        corpus = load_corpus(corpus_dir, cache_dir=cache_dir, merge=False)
        logger.info("read and cleaned %d articles in %.1f s", len(corpus.articles), time.perf_counter() - started)
        count = len(corpus.articles)
        segment = SentenceIndex.build(corpus, progress=(lambda n: progress(n, count)) if progress else None)
        return segment, replace(corpus, articles=()), None
    scratch = index_format.new_segment_folder(index_dir)  # (build-*.tmp: all of it goes if the build dies)
    try:
        parts: list[Part] = []
        skipped: list[Skipped] = []
        warnings: list[str] = []
        read = cached = done = 0
        keys: dict[str, str] = {}
        for batch in batches:
            corpus = load_corpus(corpus_dir, cache_dir=cache_dir, merge=False, require=False,
                                 paths=[corpus_dir / rel for rel in batch])
            skipped += corpus.skipped
            warnings += corpus.warnings
            read, cached = read + corpus.files_read, cached + corpus.files_cached
            keys.update(corpus.keys)
            segment = SentenceIndex.build(corpus, progress=(lambda n, base=done: progress(base + n, total))
                                          if progress else None, spelling=False) if corpus.articles else None
            del corpus
            if segment is not None and segment.sentence_count:
                written = index_format.write_segment(segment, scratch, "")
                parts.append(Part(written.name, index_format.load_build(written, mmap=True, verify=False)[0]))
            del segment
            _give_back_freed_memory()
            done += len(batch)
            logger.info("indexed %d of %d files in %.1f s", done, total, time.perf_counter() - started)
        if not parts:
            raise no_article(corpus_dir, skipped)
        ExtractCache(cache_dir).prune(set(keys.values()))
        segment, folder = concatenate_into(parts, index_dir)
        logger.info("merged %d segments in %.1f s", len(parts), time.perf_counter() - started)
        del parts  # (the batch segments' maps and Python objects: the merged segment holds its own)
        _give_back_freed_memory()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return segment, Corpus((), tuple(skipped), tuple(warnings), files_read=read, files_cached=cached, keys=keys), folder


def _give_back_freed_memory() -> None:
    """Return the heap's free pages to the system.  glibc keeps what a batch freed (its articles,
    its analysis) in fragments it does not hand back by itself, so the build's resident memory grew
    by most of a batch each batch; where there is no glibc this does nothing."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


@contextmanager
def _locked(index_dir: Path) -> Iterator[None]:
    """The build lock, or QuotebotError when the index folder cannot be written."""
    try:
        lock = build_lock(index_dir)
        lock.__enter__()
    except OSError as e:
        raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)
