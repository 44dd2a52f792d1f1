"""`quotebot show`: article files read exactly as a build reads them, shown page by page.

This is how a user finds out why a page answers badly: which title, byline and date were read, and
which paragraphs (of which kind) the index will hold.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Iterable, Iterator

from bot.corpus.files import read_page
from bot.corpus.folder import corpus_files
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


Removed = list[tuple[str, str]]


def read_pages(paths: Iterable[Path], corpus_dir: Path,
               dropped: bool = False) -> Iterator[tuple[Article | Skipped, Removed, list[str]]]:
    """(the article or why it is skipped, the lines left out with their rules, its warnings) for
    each file, a folder standing for its article files, in the order given."""
    for path in paths:
        base = _base(path, corpus_dir)
        files = corpus_files(path) if path.is_dir() else [path.resolve()]
        for file in files:
            warnings: list[str] = []
            page, removed = read_page(file.resolve(), base, warnings, extractor=dropped)
            yield page, removed, warnings


def page_text(page: Article | Skipped, removed: Removed | None = None) -> str:
    """A page for the terminal: its source line, then each kept paragraph under its kind; with
    `removed`, then every line left out under the rule that left it out."""
    lines = [f"{page.path}: skipped ({page.reason})"] if isinstance(page, Skipped) else [source_line(page.source), ""]
    if isinstance(page, Article):
        for p in page.paragraphs:
            lines += _wrapped(page.paragraph_text(p), p.kind)
    if removed:
        lines += ["", "Dropped:"] + [line for text, rule in removed for line in _wrapped(text, rule)]
    return "\n".join(lines) + "\n"


def _wrapped(text: str, label: str) -> list[str]:
    width = max(40, min(100, shutil.get_terminal_size((100, 24)).columns))
    return textwrap.wrap(" ".join(text.split()), width, initial_indent=f"[{label}] ",
                         subsequent_indent="    ") or [f"[{label}]"]
