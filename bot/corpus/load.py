"""A corpus folder -> a `Corpus`: every article file read (on every core when there are many), then
the copies of one story merged into one article.

load_corpus(folder, cache_dir=None) -> Corpus
    cache_dir: where each file's read result is kept between builds (bot/corpus/cache.py); a file
               whose bytes and sidecar are unchanged is taken from there instead of read again
    Corpus.articles: tuple[Article, ...]   sorted by relative path, duplicates merged
    Corpus.skipped:  tuple[Skipped, ...]    (path, reason) for files that could not be used
    Corpus.warnings: tuple[str, ...]        e.g. "seeds/x.txt: not valid UTF-8, decoded as cp1252"
    Corpus.files_read, Corpus.files_cached  how many files were read, how many came from the cache
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator, Sequence

from bot.corpus.cache import ExtractCache
from bot.corpus.duplicates import merge_duplicates
from bot.corpus.files import read_article, worth_keeping
from bot.corpus.folder import check_folder, corpus_files, relative_path
from bot.corpus.types import Article, Corpus, Skipped
from bot.errors import QuotebotError
from bot.parallel import bounds_by_count, map_chunks

log = logging.getLogger(__name__)

# Up to this many bytes of files (and this many files) a pool's start-up costs more than it saves.
PARALLEL_MIN_BYTES = 5_000_000
PARALLEL_MIN_FILES = 200
_READ_CHUNK = 16  # files per pool task


def _worth_a_pool(size: int, count: int) -> bool:
    return size > PARALLEL_MIN_BYTES or count > PARALLEL_MIN_FILES


# How a file's result was had: read now, taken from the cache, or read but the cache not written.
READ, CACHED, UNWRITTEN = "read", "cached", "unwritten"
Outcome = tuple[Article | Skipped, list[str], str, str | None]  # result, warnings, how, cache key


def _read_one(path: Path, folder: Path, cache: ExtractCache | None) -> Outcome:
    if cache is None:
        warnings: list[str] = []
        return read_article(path, folder, warnings), warnings, READ, None
    key = cache.key(path, relative_path(path, folder))
    found = cache.get(key) if key else None
    if found is not None:
        return found[0], found[1], CACHED, key
    warnings = []
    result = read_article(path, folder, warnings)
    if key is None or not worth_keeping(result):
        return result, warnings, READ, None
    return result, warnings, READ if cache.put(key, result, warnings) else UNWRITTEN, key


def _read_all(folder: Path, paths: Sequence[Path], cache: ExtractCache | None) -> Iterator[Outcome]:
    """Every path's outcome, in order (on every core when there are many files)."""
    size = 0
    if len(paths) > 1:
        for path in paths:
            try:
                size += path.stat().st_size
            except OSError:
                pass

    def read_chunk(chunk: Sequence[Path], first: int) -> list[Outcome]:
        # Workers look up and write the cache themselves: hashing and entries are spread over the cores.
        return [_read_one(path, folder, cache) for path in chunk]

    bounds = bounds_by_count(len(paths), _READ_CHUNK)
    for part in map_chunks(read_chunk, paths, bounds, parallel=_worth_a_pool(size, len(paths))):
        yield from part


def load_corpus(folder: Path, cache_dir: Path | None = None, *, paths: Sequence[Path] | None = None,
                merge: bool = True, require: bool = True) -> Corpus:
    """Every article file under `folder`, read (or taken from the cache in `cache_dir`) and with the
    copies of one story merged; each file's warnings and skip are logged as they come.  Cache
    entries of files no longer there are pruned.  QuotebotError when no file holds a usable article.

    `paths`: only these files (in this order; the cache is then not pruned); `merge=False`: copies
    of one story kept apart (an index of segments works out copies itself); `require=False`: no
    error when no file holds an article."""
    folder = check_folder(folder)
    cache = ExtractCache(cache_dir) if cache_dir is not None else None
    warnings: list[str] = []
    articles: list[Article] = []
    skipped: list[Skipped] = []
    counts = {READ: 0, CACHED: 0, UNWRITTEN: 0}
    used: set[str] = set()
    keys: dict[str, str] = {}
    for result, file_warnings, how, key in _read_all(folder, corpus_files(folder) if paths is None else paths, cache):
        counts[how] += 1
        if key is not None:
            used.add(key)
            keys[result.path if isinstance(result, Skipped) else result.source.path] = key
        for message in file_warnings:
            log.warning("%s", message)
        warnings += file_warnings
        if isinstance(result, Skipped):
            log.warning("%s: skipped (%s)", result.path, result.reason)
            skipped.append(result)
        else:
            articles.append(result)
    if counts[UNWRITTEN]:
        # Said once, not per file: the index is still built, only the next build reads everything again.
        log.warning("could not write the extraction cache in %s (%d files): the next build reads them again",
                    cache_dir, counts[UNWRITTEN])
    if cache is not None and paths is None:
        cache.prune(used)
    if not articles and require:
        raise no_article(folder, skipped)
    if merge:
        parallel = _worth_a_pool(sum(len(a.text) for a in articles), len(articles))
        articles = merge_duplicates(articles, parallel=parallel)
    return Corpus(tuple(articles), tuple(skipped), tuple(warnings),
                  files_read=counts[READ] + counts[UNWRITTEN], files_cached=counts[CACHED], keys=keys)


def no_article(folder: Path, skipped: Sequence[Skipped]) -> QuotebotError:
    """The error of a folder that holds no usable article (which files were skipped, and why)."""
    detail = f"; skipped: {', '.join(f'{s.path} ({s.reason})' for s in skipped)}" if skipped else ""
    return QuotebotError(f"Corpus folder {folder} holds no usable article (.txt, .md, .html){detail}")
