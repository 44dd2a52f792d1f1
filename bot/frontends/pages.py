"""`quotebot show`: article files read exactly as a build reads them, shown page by page.

This is how a user finds out why a page answers badly: which title, byline and date were read, and
which paragraphs (of which kind) the index will hold.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Iterable, Iterator

from bot.corpus.files import corpus_files, read_article
from bot.corpus.types import Article, Skipped
from bot.frontends.terminal import source_line


def _base(path: Path, corpus_dir: Path) -> Path:
    """The folder a file's name is taken relative to: the corpus folder when the file is in it (so
    `show` names a page as the index does), else the folder given, else the file's own folder."""
    resolved = path.resolve()
    corpus = corpus_dir.resolve()
    if resolved == corpus or corpus in resolved.parents:
        return corpus
    return resolved if resolved.is_dir() else resolved.parent


def read_pages(paths: Iterable[Path], corpus_dir: Path) -> Iterator[tuple[Article | Skipped, list[str]]]:
    """(the article or why it is skipped, its warnings) for each file, a folder standing for its
    article files, in the order given."""
    for path in paths:
        base = _base(path, corpus_dir)
        files = corpus_files(path) if path.is_dir() else [path.resolve()]
        for file in files:
            warnings: list[str] = []
            yield read_article(file.resolve(), base, warnings), warnings


def page_text(page: Article | Skipped) -> str:
    """A page for the terminal: its source line, then each kept paragraph under its kind."""
    if isinstance(page, Skipped):
        return f"{page.path}: skipped ({page.reason})\n"
    width = max(40, min(100, shutil.get_terminal_size((100, 24)).columns))
    lines = [source_line(page.source), ""]
    for p in page.paragraphs:
        lines += textwrap.wrap(" ".join(page.paragraph_text(p).split()), width, initial_indent=f"[{p.kind}] ",
                               subsequent_indent="    ") or [f"[{p.kind}]"]
    return "\n".join(lines) + "\n"
