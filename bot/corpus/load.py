"""A corpus folder -> a `Corpus`: every article file read (on every core when there are many), then
the copies of one story merged into one article.

load_corpus(folder) -> Corpus
    Corpus.articles: tuple[Article, ...]   sorted by relative path, duplicates merged
    Corpus.skipped:  tuple[Skipped, ...]    (path, reason) for files that could not be used
    Corpus.warnings: tuple[str, ...]        e.g. "seeds/x.txt: not valid UTF-8, decoded as cp1252"
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator, Sequence

from bot.corpus.duplicates import merge_duplicates
from bot.corpus.files import check_folder, corpus_files, read_article
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


def _read_all(folder: Path, paths: Sequence[Path]) -> Iterator[tuple[Article | Skipped, list[str]]]:
    """(article or skip, its warnings) for every path, in order."""
    size = 0
    if len(paths) > 1:
        for path in paths:
            try:
                size += path.stat().st_size
            except OSError:
                pass

    def read_chunk(chunk: Sequence[Path], first: int) -> list[tuple[Article | Skipped, list[str]]]:
        out = []
        for path in chunk:
            warnings: list[str] = []
            out.append((read_article(path, folder, warnings), warnings))
        return out

    bounds = bounds_by_count(len(paths), _READ_CHUNK)
    for part in map_chunks(read_chunk, paths, bounds, parallel=_worth_a_pool(size, len(paths))):
        yield from part


def load_corpus(folder: Path) -> Corpus:
    """Every article file under `folder`, read and with the copies of one story merged; each file's
    warnings and skip are logged as they come.  QuotebotError when no file holds a usable article."""
    folder = check_folder(folder)
    warnings: list[str] = []
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for result, file_warnings in _read_all(folder, corpus_files(folder)):
        for message in file_warnings:
            log.warning("%s", message)
        warnings += file_warnings
        if isinstance(result, Skipped):
            log.warning("%s: skipped (%s)", result.path, result.reason)
            skipped.append(result)
        else:
            articles.append(result)
    if not articles:
        detail = f"; skipped: {', '.join(f'{s.path} ({s.reason})' for s in skipped)}" if skipped else ""
        raise QuotebotError(f"Corpus folder {folder} holds no usable article (.txt, .md, .html){detail}")
    parallel = _worth_a_pool(sum(len(a.text) for a in articles), len(articles))
    return Corpus(tuple(merge_duplicates(articles, parallel=parallel)), tuple(skipped), tuple(warnings))
