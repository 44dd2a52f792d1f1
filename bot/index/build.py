"""Building and opening the index: the corpus read and indexed under a lock, or the saved index
loaded when it still matches the corpus.

fingerprint(corpus_dir) -> str          what the saved index must have been built from
build(settings) -> (index, BuildReport) always builds (waiting for another build to finish first)
open_index(settings) -> SentenceIndex   loads the current index, building it when missing or stale

Each file's reading is kept in <index>/extract-cache/ (bot/corpus/cache.py), which outlives builds:
a rebuild reads only the files added or changed since.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from bot.config import Settings
from bot.corpus import EXTRACTION_VERSION
from bot.corpus.folder import article_states, check_folder, display_name, file_states
from bot.corpus.types import Skipped
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
    for rel, st in file_states(corpus_dir):
        h.update(f"\0{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}".encode("utf-8", "surrogateescape"))
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
        from bot.corpus.load import load_corpus  # (the reading's modules: only a build needs them)

        states = article_states(corpus_dir)
        corpus = load_corpus(corpus_dir, cache_dir=index_dir / EXTRACT_CACHE, merge=False)
        loaded = time.perf_counter()
        logger.info("read and cleaned %d articles in %.1f s", len(corpus.articles), loaded - started)
        total = len(corpus.articles)
        segment = SentenceIndex.build(corpus, progress=(lambda n: progress(n, total)) if progress else None)
        indexed = time.perf_counter()
        logger.info("indexed %d sentences in %.1f s", segment.sentence_count, indexed - loaded)
        if segment.sentence_count == 0:
            raise QuotebotError(f"no sentences to index in {corpus_dir}")
        similar = find_similar([], Part("", segment))
        try:
            saved = index_format.save(segment, index_dir, fp, corpus.skipped, corpus.warnings,
                                      _similar_rows(similar, ""), states)
        except OSError as e:
            raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
        index = CombinedIndex([Part(saved.name, segment)], {(saved.name, a): [(saved.name, b) for _, b in others]
                                                             for (_, a), others in similar.items()}) if similar else segment
    report = BuildReport(index.article_count, index.sentence_count, len(index.sentences.terms),
                         time.perf_counter() - started, corpus.skipped, corpus.warnings,
                         files_read=corpus.files_read, files_cached=corpus.files_cached)
    return index, report


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


# Past this many segments, an update merges them all into one (each segment costs every search a
# little; a merge of stored articles needs no file read again).
MAX_SEGMENTS = 8
# ... and likewise when this share of the stored sentences is dead (deleted, replaced or copies).
MAX_DEAD_SHARE = 0.3


@dataclass(frozen=True)
class UpdateReport:
    """What an update changed: files newly indexed, files taken out, segments now, a merge done."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    segments: int
    merged: bool
    seconds: float
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()


def _current_state(index_dir: Path) -> tuple[list[dict], dict, dict] | None:
    """The current index as an update sees it: [{"name", "removed"}] per segment, the folder states
    it covers and its record (commit or build manifest); None when there is none or it is unusable."""
    name = index_format.current_name(index_dir)
    if name is None:
        return None
    try:
        if name.startswith("commit-"):
            record = index_format.read_commit(index_dir, name)
            return [dict(g) for g in record["segments"]], record.get("states", {}), record
        build = index_format.current_build(index_dir)
        record = index_format.read_manifest(build)
        states = json.loads((build / "states.json").read_text(encoding="utf-8"))
    except (IndexUnusable, OSError, ValueError):
        return None
    return [{"name": build.name, "removed": []}], states, record


def update(settings: Settings) -> tuple[object, UpdateReport]:
    """Bring the index up to the corpus folder by segments: files added or edited since are read into
    one new segment, files deleted or edited are removed from theirs; the segments are merged into one
    past MAX_SEGMENTS or MAX_DEAD_SHARE.  A fresh build when there is no usable index.  Answers are
    then exactly those of a fresh build of the folder (bot.index.combined)."""
    started = time.perf_counter()
    corpus_dir, index_dir = settings.corpus_dir, settings.index_dir
    check_folder(corpus_dir)
    with _locked(index_dir):
        current = _current_state(index_dir)
        if current is None:
            index, report = build(settings)
            return index, UpdateReport((), (), 1, False, report.seconds, report.skipped, report.warnings)
        segments, old_states, record = current
        fp = fingerprint(corpus_dir)
        states = article_states(corpus_dir)
        changed = sorted(rel for rel, st in states.items() if old_states.get(rel) != st)
        gone = sorted(rel for rel in old_states if rel not in states)
        taken_out = {display_name(rel) for rel in [*changed, *gone]}
        try:
            index, _ = index_format.load(index_dir)
            if not taken_out:
                return index, UpdateReport((), (), len(segments), False, time.perf_counter() - started)
        except IndexUnusable:
            index, report = build(settings)
            return index, UpdateReport(tuple(changed), tuple(gone), 1, False, report.seconds,
                                       report.skipped, report.warnings)
        parts = index.parts if isinstance(index, CombinedIndex) else [Part(segments[0]["name"], index)]
        parts = [Part(p.name, p.index, p.removed | {a for a, r in enumerate(p.index.articles)
                                                     if r["source"]["path"] in taken_out}) for p in parts]
        skipped = [s for s in record.get("skipped", []) if s[0] not in taken_out]
        warnings = [w for w in record.get("warnings", []) if w.split(":", 1)[0] not in taken_out]
        from bot.corpus.load import load_corpus

        corpus = load_corpus(corpus_dir, cache_dir=index_dir / EXTRACT_CACHE, merge=False, require=False,
                             paths=[corpus_dir / rel for rel in changed])
        skipped += [[s.path, s.reason] for s in corpus.skipped]
        warnings += list(corpus.warnings)
        names = [p.name for p in parts]
        try:
            if corpus.articles:
                segment = SentenceIndex.build(corpus)
                found = find_similar(parts, Part("", segment))
                written = index_format.write_segment(segment, index_dir, fp, corpus.skipped, corpus.warnings,
                                                     _similar_rows(found, ""), {})
                parts.append(Part(written.name, segment))
                names.append(written.name)
            parts = [p for p in parts if len(p.removed) < p.index.article_count]
            merged = _worth_merging(parts)
            if merged:
                parts = [_merge(parts, index_dir, fp)]
            if not parts:
                raise QuotebotError(f"no sentences to index in {corpus_dir}")
            commit = index_format.write_commit(index_dir, [{"name": p.name, "removed": sorted(p.removed)} for p in parts],
                                               fp, sorted(skipped), warnings, states)
            index_format.point_current(index_dir, commit)
            index_format.remove_old_builds(index_dir, keep={commit, *(p.name for p in parts)})
        except OSError as e:
            raise QuotebotError(f"cannot write the index to {index_dir}: {e.strerror or e}") from None
        index, _ = index_format.load(index_dir)
    return index, UpdateReport(tuple(display_name(r) for r in changed), tuple(display_name(r) for r in gone),
                               len(parts), merged, time.perf_counter() - started,
                               tuple(Skipped(p, r) for p, r in skipped), tuple(warnings))


def _worth_merging(parts: list[Part]) -> bool:
    if len(parts) > MAX_SEGMENTS:
        return True
    stored = dead = 0
    for p in parts:
        stored += p.index.sentence_count
        if p.removed:
            per_article = np.bincount(np.asarray(p.index.para_article), weights=np.diff(np.asarray(p.index.para_first)),
                                      minlength=p.index.article_count)
            dead += int(per_article[sorted(p.removed)].sum())
    return len(parts) > 1 and stored > 0 and dead / stored > MAX_DEAD_SHARE  # (copies count as live here)


def _merge(parts: list[Part], index_dir: Path, fp: str) -> Part:
    """Every article not removed, from every segment, written as one segment (in path order; the
    articles are had again from the segments, no file is read)."""
    from bot.corpus.types import Corpus

    kept = sorted(((p.index.articles[a]["source"]["path"], k, a) for k, p in enumerate(parts)
                   for a in range(p.index.article_count) if a not in p.removed))
    corpus = Corpus(tuple(parts[k].index.article(a) for _, k, a in kept))
    segment = SentenceIndex.build(corpus)
    found = find_similar([], Part("", segment))
    written = index_format.write_segment(segment, index_dir, fp, (), (), _similar_rows(found, ""), {})
    return Part(written.name, segment)


def open_index(settings: Settings, notify: Notify = lambda message: None):
    """The current index, brought up to the folder first when articles changed (by segments: only the
    files added, edited or deleted are read), built when missing, damaged or foreign (and said so)."""
    if not settings.corpus_dir.is_dir():
        raise QuotebotError(f"corpus folder not found: {settings.corpus_dir}")
    fp = fingerprint(settings.corpus_dir)
    try:
        index, manifest = index_format.load(settings.index_dir)
        if manifest.get("fingerprint") == fp:
            remove_leftovers(settings.index_dir)
            return index
        index, update_report = update(settings)
        changed = len(update_report.added) + len(update_report.removed)
        notify(f"The articles in {settings.corpus_dir} changed; indexed {changed} changed "
               f"{'file' if changed == 1 else 'files'} in {update_report.seconds:.1f} s.")
        return index
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
    notify(f"Indexed {report.articles} articles, {report.sentences} sentences in {report.seconds:.1f} s {report.files_line()}.")
    return index
