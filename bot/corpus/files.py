"""Reading article files: one file on disk -> one `Article`, or the reason it was skipped.

read_article(path, folder, warnings)     one file decoded, reduced (HTML), extracted and described
read_page(...)                           the same, with every line left out and its rule (`show --dropped`)
worth_keeping(result) -> bool            whether a read result says something about the file's bytes
                                         (not a passing I/O error or time limit), so it may be cached
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

from bot.corpus.extract import extract
from bot.corpus.folder import relative_path
from bot.corpus.html import MAX_HTML_BYTES, Page, left_out
from bot.corpus.html_worker import HtmlStopped, read_html_limited
from bot.corpus.types import TEXT_KINDS, Article, Paragraph, Skipped, Source

SIDECAR_FIELDS = ("title", "url", "publisher", "byline", "date")

# An HTML page's own word on its encoding: <meta charset="..."> or http-equiv content="...; charset=...".
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
# Invalid UTF-8 sequences per character below which a page is UTF-8 with a few bad bytes, not another encoding.
_STRAY_BYTES = 1 / 2000


def _declared(data: bytes) -> str | None:
    m = _DECLARED_CHARSET.search(data[:4096])
    if not m:
        return None
    try:
        return codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        return None


def decode(data: bytes, rel: str, warnings: list[str], html: bool = False) -> str:
    """Bytes -> text without ever failing; a fallback is reported, never silent.  An HTML page that
    is not UTF-8 is read in the charset it declares; one with a few stray bytes stays UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = _declared(data) if html else None
    if declared and declared not in ("utf-8", "utf-8-sig"):
        try:
            return data.decode(declared)  # as the page says: no warning, nothing guessed
        except (UnicodeDecodeError, LookupError):
            pass
    mostly = data.decode("utf-8", errors="replace")
    if mostly.count("\ufffd") <= len(mostly) * _STRAY_BYTES:
        _warn(warnings, f"{rel}: invalid UTF-8 bytes replaced")
        return mostly
    try:
        text, enc = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, enc = data.decode("latin-1", errors="replace"), "latin-1"
    _warn(warnings, f"{rel}: not valid UTF-8, decoded as {enc}")
    return text


def _warn(warnings: list[str], message: str) -> None:
    # Collected, not logged: load_corpus logs each file's warnings in file order, whichever process read it.
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


# Skip reasons that depend on the moment, not on the file: such a file is read again at the next build.
# (A page over the HTML time limit may finish on a quieter machine.)
_PASSING = ("not a regular file", "file vanished", "cannot read file", "HTML extraction")


def worth_keeping(result: Article | Skipped) -> bool:
    return not (isinstance(result, Skipped) and result.reason.startswith(_PASSING))


def read_article(path: Path, folder: Path, warnings: list[str]) -> Article | Skipped:
    """One article file (under `folder`) as an Article, or Skipped with the reason; never raises for
    a bad file.  Anything worth telling the user is appended to `warnings`."""
    return read_page(path, folder, warnings)[0]


def read_page(path: Path, folder: Path, warnings: list[str],
              extractor: bool = False) -> tuple[Article | Skipped, list[tuple[str, str]]]:
    """`read_article`, and every line left out with the rule that left it out (`show --dropped`);
    `extractor`: also list the HTML page's visible blocks that the extractor did not keep."""
    found: list[tuple[str, str]] = []
    return _read(path, folder, warnings, found, extractor), found


def _read(path: Path, folder: Path, warnings: list[str], removed: list[tuple[str, str]],
          extractor_lines: bool) -> Article | Skipped:
    rel = relative_path(path, folder)
    try:
        if not path.is_file() and path.exists():  # a FIFO would block the build, /dev/zero never end
            return Skipped(rel, "not a regular file")
        data = path.read_bytes()
    except FileNotFoundError:
        return Skipped(rel, "file vanished before it could be read")
    except OSError as exc:
        return Skipped(rel, f"cannot read file: {exc.strerror or exc}")
    suffix = path.suffix.lower()
    is_html = suffix in (".html", ".htm")
    if is_html:
        unusable = _not_an_html_page(data)
        if unusable:
            return Skipped(rel, unusable)
    text = decode(data, rel, warnings, html=is_html)
    if not text.strip():
        return Skipped(rel, "empty file")
    page: Page | None = None
    if is_html:
        try:
            page = read_html_limited(text)  # in a process that is stopped after HTML_SECONDS_LIMIT
        except HtmlStopped as stopped:
            return Skipped(rel, str(stopped))
        if extractor_lines:
            ruled = {line for line, _ in page.dropped} if page else set()
            removed.extend((line, "extractor") for line in left_out(text, page) if line not in ruled)
        if page is not None:
            removed.extend(page.dropped)
        if page is None:
            return Skipped(rel, "no article text found in the HTML")
        text = page.text
    ex = extract(text, markdown=suffix in (".md", ".markdown"), kinds=page.kinds if page else {},
                 whole_page=page is None)
    removed.extend(ex.removed)
    paragraphs = tuple(Paragraph(s, e, k) for s, e, k in ex.paragraphs)
    if not any(p.kind in TEXT_KINDS for p in paragraphs):
        return Skipped(rel, "no article body found")
    side = _sidecar(path, rel, warnings)
    # A sidecar says what the user knows; a page's own metadata beats what its text suggests.
    source = Source(
        title=side.get("title") or (page and page.title) or ex.title,
        publisher=side.get("publisher") or (page and page.sitename) or ex.publisher,
        byline=side.get("byline") or (page and page.author) or ex.byline,
        date=side.get("date") or (page and page.date) or ex.date,
        url=side.get("url") or (page and page.url),
        path=rel,
        place=ex.place,
    )
    return Article(text=text, paragraphs=paragraphs, source=source)


# What a file named .html may really be: the first bytes of common binary formats.
_BINARY_MAGIC = {b"%PDF": "a PDF", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
                 b"PK\x03\x04": "a ZIP archive", b"\x1f\x8b": "gzip-compressed data"}


def _not_an_html_page(data: bytes) -> str | None:
    """Why bytes named .html are no page to read (too big, really another format), or None."""
    if len(data) > MAX_HTML_BYTES:
        return f"HTML page over {MAX_HTML_BYTES // 1_000_000} MB ({len(data) // 1_000_000} MB): not an article"
    head = data[:8]
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return f"not an HTML page: the file is {what}"
    return None
