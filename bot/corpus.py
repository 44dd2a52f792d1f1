"""Article files -> cleaned articles with metadata.

load_corpus(folder) -> Corpus
    Corpus.articles: tuple[Article, ...]   sorted by rel path, duplicates merged
    Corpus.skipped:  tuple[Skipped, ...]    (path, reason) for files that could not be used
    Corpus.warnings: tuple[str, ...]        e.g. "seeds/x.txt: not valid UTF-8, decoded as cp1252"
corpus_files(folder) -> list[Path]          the article files load_corpus would read (for fingerprints)
fingerprint_files(folder) -> list[Path]     those plus their sidecar .json files
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.errors import QuotebotError
from bot.extract import extract
from bot.htmltext import reduce_html

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
SIDECAR_FIELDS = ("title", "url", "publisher", "byline", "date")
# Word-shingle Jaccard at or above which two files are the same story.
DUPLICATE_JACCARD = 0.9
_SHINGLE = 3


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
    kind: str  # "title" | "deck" | "body" | "caption"


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
    path: str
    reason: str


@dataclass(frozen=True)
class Corpus:
    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = field(default=())


def _check_folder(folder: Path) -> Path:
    folder = Path(folder)
    if not folder.exists():
        raise QuotebotError(f"Corpus folder {folder} does not exist")
    if not folder.is_dir():
        raise QuotebotError(f"Corpus folder {folder} is not a folder")
    return folder


def _hidden(name: str) -> bool:
    return name.startswith(".")


def corpus_files(folder: Path) -> list[Path]:
    """Article files under `folder`, recursively, sorted; hidden entries and sidecars excluded."""
    folder = _check_folder(folder)
    found: list[Path] = []
    # Directory symlinks are followed once each; remembering real paths stops loops.
    seen_dirs: set[str] = set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen_dirs:
            dirs[:] = []
            continue
        seen_dirs.add(real)
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        for name in files:
            if not _hidden(name) and name.lower().endswith(ARTICLE_SUFFIXES):
                found.append(Path(root) / name)
    return sorted(found, key=lambda p: _rel(p, folder))


def fingerprint_files(folder: Path) -> list[Path]:
    """Everything whose change should invalidate an index: articles and their sidecars."""
    out: list[Path] = []
    for path in corpus_files(folder):
        out.append(path)
        side = path.with_suffix(".json")
        if side.is_file():
            out.append(side)
    return out


def _rel(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def decode(data: bytes, rel: str, warnings: list[str]) -> str:
    """Bytes -> text without ever failing; a fallback is reported, never silent."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text, enc = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, enc = data.decode("latin-1", errors="replace"), "latin-1"
    _warn(warnings, f"{rel}: not valid UTF-8, decoded as {enc}")
    return text


def _warn(warnings: list[str], message: str) -> None:
    log.warning("%s", message)
    warnings.append(message)


def _sidecar(path: Path, rel: str, warnings: list[str]) -> dict[str, str]:
    side = path.with_suffix(".json")
    if not side.is_file():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError("top level is not an object")
    except (OSError, ValueError) as exc:
        _warn(warnings, f"{rel}: sidecar {side.name} ignored ({exc})")
        return {}
    out: dict[str, str] = {}
    for key in SIDECAR_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            out[key] = value.strip()
        elif value is not None:
            _warn(warnings, f"{rel}: sidecar field {key!r} ignored (not a string)")
    return out


def _read_article(path: Path, folder: Path, warnings: list[str]) -> Article | Skipped:
    rel = _rel(path, folder)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Skipped(rel, "file vanished before it could be read")
    except OSError as exc:
        return Skipped(rel, f"cannot read file: {exc.strerror or exc}")
    text = decode(data, rel, warnings)
    if not text.strip():
        return Skipped(rel, "empty file")
    meta: dict[str, str] = {}
    captions: set[int] = set()
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        text, meta, captions = reduce_html(text)
        if not text.strip():
            return Skipped(rel, "no readable text in HTML")
    ex = extract(text, markdown=suffix in (".md", ".markdown"), captions=captions)
    paragraphs = tuple(Paragraph(s, e, k) for s, e, k in ex.paragraphs)
    if not any(p.kind == "body" for p in paragraphs):
        return Skipped(rel, "no article body found")
    side = _sidecar(path, rel, warnings)
    source = Source(
        title=side.get("title") or ex.title or meta.get("og:title"),
        publisher=side.get("publisher") or ex.publisher or meta.get("og:site_name"),
        byline=side.get("byline") or ex.byline or meta.get("author"),
        date=side.get("date") or ex.date or _meta_date(meta),
        url=side.get("url") or meta.get("canonical") or meta.get("og:url"),
        path=rel,
        place=ex.place,
    )
    return Article(text=text, paragraphs=paragraphs, source=source)


def _meta_date(meta: dict[str, str]) -> str | None:
    raw = meta.get("article:published_time") or meta.get("date") or ""
    m = re.match(r"\d{4}-\d{2}-\d{2}", raw)
    return m.group(0) if m else None


def _shingles(article: Article) -> frozenset[tuple[str, ...]]:
    body = " ".join(article.paragraph_text(p) for p in article.paragraphs if p.kind == "body")
    words = re.findall(r"\w+", body.lower())
    if len(words) < _SHINGLE:
        return frozenset([tuple(words)])
    return frozenset(tuple(words[i:i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1))


def _merge_duplicates(articles: list[Article]) -> list[Article]:
    kept: list[Article] = []
    shingles: list[frozenset] = []
    for art in articles:
        sh = _shingles(art)
        for i, other in enumerate(shingles):
            small, big = sorted((len(sh), len(other)))
            # Jaccard can't reach the threshold when sizes differ this much; skip the set work.
            if big and small / big < DUPLICATE_JACCARD:
                continue
            if len(sh & other) / len(sh | other) >= DUPLICATE_JACCARD:
                kept[i] = replace(kept[i], also=kept[i].also + (art.source,))
                break
        else:
            kept.append(art)
            shingles.append(sh)
    return kept


def load_corpus(folder: Path) -> Corpus:
    folder = _check_folder(folder)
    warnings: list[str] = []
    articles: list[Article] = []
    skipped: list[Skipped] = []
    for path in corpus_files(folder):
        result = _read_article(path, folder, warnings)
        if isinstance(result, Skipped):
            log.warning("%s: skipped (%s)", result.path, result.reason)
            skipped.append(result)
        else:
            articles.append(result)
    if not articles:
        detail = f"; skipped: {', '.join(f'{s.path} ({s.reason})' for s in skipped)}" if skipped else ""
        raise QuotebotError(f"Corpus folder {folder} holds no usable article (.txt, .md, .html){detail}")
    return Corpus(tuple(_merge_duplicates(articles)), tuple(skipped), tuple(warnings))
