"""The corpus's value types: what reading the article files produces, and nothing that does work.

A leaf module (it imports nothing from `bot`), so the index's on-disk format can name `Skipped`
without depending on how files are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    title: str | None
    publisher: str | None
    byline: str | None
    date: str | None  # ISO YYYY-MM-DD when the full date is known, else as printed
    url: str | None
    path: str  # relative to the corpus folder, "/" separated
    place: str | None = None  # dateline place, e.g. "SEOUL"


@dataclass(frozen=True)
class Paragraph:
    start: int  # character offsets into Article.text
    end: int
    kind: str  # "title" | "deck" | "body" | "caption" | "heading" | "list" | "quote"


# The kinds of paragraph that are the article's text itself (not its headline, standfirst or captions).
TEXT_KINDS = frozenset({"body", "heading", "list", "quote"})


@dataclass(frozen=True)
class Article:
    text: str  # the decoded file (HTML reduced to text); every quote is a substring of it
    paragraphs: tuple[Paragraph, ...]
    source: Source
    also: tuple[Source, ...] = ()  # the same story found in other files

    def paragraph_text(self, p: Paragraph) -> str:
        return self.text[p.start:p.end]


@dataclass(frozen=True)
class Skipped:
    """A file that could not be used, and why (shown to the user, kept in the index manifest)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Corpus:
    articles: tuple[Article, ...]  # sorted by relative path, duplicates merged
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = field(default=())  # e.g. "seeds/x.txt: not valid UTF-8, decoded as cp1252"
    files_read: int = 0  # files read in this load
    files_cached: int = 0  # files whose result came from the extraction cache instead
    # Source.path -> the file's content key (bot.corpus.cache.ExtractCache.key: its bytes, its sidecar's,
    # its path, the reading's version), where one was made: an index keeps it to tell a file whose
    # state changed (copied, touched, linked) from one whose text did.
    keys: dict = field(default_factory=dict, compare=False)
