"""Article files -> cleaned articles with metadata.

load_corpus(folder) -> Corpus
    Corpus.articles: tuple[Article, ...]   sorted by rel path, duplicates merged
    Corpus.skipped:  tuple[Skipped, ...]    (path, reason) for files that could not be used
    Corpus.warnings: tuple[str, ...]        e.g. "seeds/x.txt: not valid UTF-8, decoded as cp1252"
corpus_files(folder) -> list[Path]          the article files load_corpus would read (for fingerprints)
fingerprint_files(folder) -> list[Path]     those plus their sidecar .json files
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence, TypeVar

import numpy as np

from bot.errors import QuotebotError
from bot.corpus.extract import extract
from bot.corpus.html import reduce_html

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
    rel = path.relative_to(folder).as_posix()
    # A file name that is not UTF-8 arrives with surrogate escapes, which no JSON or terminal takes:
    # show its odd bytes as \xNN instead.
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") if not rel.isascii() else rel


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


def _read_article(path: Path, folder: Path, warnings: list[str]) -> Article | Skipped:
    rel = _rel(path, folder)
    try:
        if not path.is_file() and path.exists():  # a FIFO would block the build, /dev/zero never end
            return Skipped(rel, "not a regular file")
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


def _body(article: Article) -> str:
    return " ".join(article.paragraph_text(p) for p in article.paragraphs if p.kind == "body")


def _shingles(article: Article) -> frozenset[tuple[str, ...]]:
    words = re.findall(r"\w+", _body(article).lower())
    if len(words) < _SHINGLE:
        return frozenset([tuple(words)])
    return frozenset(tuple(words[i:i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1))


# --- near-duplicate detection ------------------------------------------------
#
# Every article's shingles are hashed to 64 bits (blake2b of each word, mixed per shingle: never the
# per-process salted hash()).  Candidate pairs come from prefix filtering: with all shingles in one
# global order (rarest first), two sets with Jaccard >= t always share a shingle among the first
# |s| - ceil(t*|s|) + 1 of each, so looking up only those finds every pair that can reach the
# threshold, without comparing every pair.  Candidates are then checked with the exact Jaccard of the
# word shingles, in the same order and with the same first-match rule as the plain pairwise loop.

_WORD = re.compile(r"\w+")
_MUL = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
_MIX = np.uint64(0xFF51AFD7ED558CCD)
_COUNT_BITS = 23  # buckets for the shingle frequency estimate that orders the prefixes


def _h64(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _sketch(article: Article, cache: dict[str, int]) -> np.ndarray:
    """Sorted distinct 64-bit hashes of the article's body word shingles (see _shingles)."""
    words = _WORD.findall(_body(article).lower())
    if len(words) < _SHINGLE:
        return np.asarray([_h64("\x1f".join(words) + f"\x1e{len(words)}")], dtype=np.uint64)
    try:
        arr = np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))
    except KeyError:
        for w in set(words).difference(cache):
            cache[w] = _h64(w)
        arr = np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))
    with np.errstate(over="ignore"):
        h = arr[:-2] * _MUL[0] + arr[1:-1] * _MUL[1] + arr[2:] * _MUL[2]
        h ^= h >> np.uint64(31)
        h *= _MIX
        h ^= h >> np.uint64(29)
    return np.unique(h)


_SKETCH_WORK: Sequence[Article] = ()


_WORD_HASHES: dict[str, int] = {}  # a pool worker's words hashed so far (empty in the parent)


def _sketch_chunk(bounds: tuple[int, int]) -> list[np.ndarray]:
    return [_sketch(a, _WORD_HASHES) for a in _SKETCH_WORK[bounds[0]:bounds[1]]]


def _sketches(articles: Sequence[Article]) -> list[np.ndarray]:
    global _SKETCH_WORK
    size = sum(len(a.text) for a in articles)
    if not _use_pool(size, len(articles)):
        cache: dict[str, int] = {}
        return [_sketch(a, cache) for a in articles]
    _SKETCH_WORK = articles
    try:
        out: list[np.ndarray] = []
        for part in _pool_map(_sketch_chunk, _chunks(len(articles), 64)):
            out += part
        return out
    finally:
        _SKETCH_WORK = ()


def _prefixes(sketches: list[np.ndarray]) -> list[np.ndarray]:
    """Each sketch's first |s| - floor(t*|s|) + 1 shingles, rarest (then smallest hash) first."""
    total = sum(len(sk) for sk in sketches)
    bits = min(_COUNT_BITS, max(10, total.bit_length()))
    mask = np.uint64((1 << bits) - 1)
    # Masked values fit in 63 bits, so viewing them as int64 indexes without a copy.
    counts = np.bincount((np.concatenate(sketches) & mask).view(np.int64), minlength=1 << bits)
    counts = np.minimum(counts, 0xFFFF).astype(np.uint16)
    out: list[np.ndarray] = []
    for sk in sketches:
        n = len(sk)
        # floor, slightly lowered, instead of ceil: a longer prefix only adds candidates.
        p = n - int(DUPLICATE_JACCARD * n * (1 - 1e-9)) + 1
        freq = counts[(sk & mask).view(np.int64)]
        # sk is sorted, so a stable sort by frequency orders by (frequency, hash): one global order.
        order = np.argsort(freq, kind="stable")[:p]
        out.append(sk[order])
    return out


# Above this many articles sharing one prefix shingle, pairs are found article by article instead.
_BULK_GROUP = 64


def _prefix_pairs(prefixes: list[np.ndarray]) -> dict[int, list[int]] | None:
    """j -> the earlier articles sharing a prefix shingle with it, ascending; None when some shingle
    is in so many prefixes (a big cluster of copies) that listing all pairs would cost more than
    the incremental search, which only indexes kept articles."""
    lens = np.fromiter((len(p) for p in prefixes), dtype=np.int64, count=len(prefixes))
    tokens = np.concatenate(prefixes)
    owner = np.repeat(np.arange(len(prefixes), dtype=np.int64), lens)
    order = np.argsort(tokens, kind="stable")  # stable: owners ascend within a shingle
    tokens, owner = tokens[order], owner[order]
    new = np.concatenate(([True], tokens[1:] != tokens[:-1]))
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, len(tokens)))
    if len(sizes) and sizes.max() > _BULK_GROUP:
        return None
    group_end = np.repeat(starts + sizes, sizes)
    first, second = [], []
    for k in range(1, int(sizes.max()) if len(sizes) else 1):
        idx = np.flatnonzero(np.arange(len(tokens) - k) + k < group_end[:len(tokens) - k])
        first.append(owner[idx])
        second.append(owner[idx + k])
    pairs: dict[int, set[int]] = {}
    if first:
        for i, j in zip(np.concatenate(first).tolist(), np.concatenate(second).tolist()):
            pairs.setdefault(j, set()).add(i)
    return {j: sorted(found) for j, found in pairs.items()}


def _merge_duplicates(articles: list[Article]) -> list[Article]:
    """Articles in order; each one whose body shingles reach DUPLICATE_JACCARD with an earlier kept
    article is folded into the first such article's `also`."""
    if not articles:
        return []
    sketches = _sketches(articles)
    digests = [hashlib.blake2b(sk.tobytes(), digest_size=16).digest() for sk in sketches]
    prefixes = _prefixes(sketches)
    exact: dict[int, frozenset] = {}

    def shingles(i: int) -> frozenset:
        if i not in exact:
            exact[i] = _shingles(articles[i])
        return exact[i]

    def similar(i: int, j: int) -> bool:
        a, b = sketches[i], sketches[j]
        small, big = sorted((len(a), len(b)))
        if small / big < DUPLICATE_JACCARD - 0.01:
            return False
        inter = len(np.intersect1d(a, b, assume_unique=True))
        # Hash collisions could only move this by a hair; the exact check below decides.
        if inter / (len(a) + len(b) - inter) < DUPLICATE_JACCARD - 0.01:
            return False
        sh, other = shingles(j), shingles(i)
        small, big = sorted((len(sh), len(other)))
        if big and small / big < DUPLICATE_JACCARD:
            return False
        return len(sh & other) / len(sh | other) >= DUPLICATE_JACCARD

    # Candidates for j: the earlier kept articles sharing a prefix shingle with it.  Listed for all
    # pairs at once when that is cheap, else looked up in an index of kept articles' prefixes.
    bulk = _prefix_pairs(prefixes)
    kept: list[Article] = []
    slot: dict[int, int] = {}  # article number -> its place in `kept` (for kept articles)
    fate: dict[bytes, int] = {}  # shingle-set digest -> the kept article the first such set went to
    postings: dict[int, list[int]] = {}  # prefix shingle -> kept article numbers, ascending
    for j, art in enumerate(articles):
        target = fate.get(digests[j])
        if target is None:
            if bulk is not None:
                candidates = [i for i in bulk.get(j, ()) if i in slot]
            else:
                found: set[int] = set()
                for tok in prefixes[j].tolist():
                    hit = postings.get(tok)
                    if hit:
                        found.update(hit)
                candidates = sorted(found)
            for i in candidates:
                if similar(i, j):
                    target = i
                    break
        if target is None:
            slot[j] = len(kept)
            kept.append(art)
            if bulk is None:
                for tok in prefixes[j].tolist():
                    postings.setdefault(tok, []).append(j)
            target = j
        else:
            k = slot[target]
            kept[k] = replace(kept[k], also=kept[k].also + (art.source,))
        fate.setdefault(digests[j], target)
    return kept


# --- reading files, on every core when there are many -------------------------

# Below this many bytes of files (and this many files) a pool's start-up costs more than it saves.
PARALLEL_MIN_BYTES = 5_000_000
PARALLEL_MIN_FILES = 200
_T = TypeVar("_T")


def _use_pool(size: int, count: int) -> bool:
    if (os.cpu_count() or 1) < 2 or (size <= PARALLEL_MIN_BYTES and count <= PARALLEL_MIN_FILES):
        return False
    # Forking a process that runs other threads (a bot reloading its index) can copy a held lock.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)]


def _pool_map(fn: Callable[[tuple[int, int]], _T], bounds: list[tuple[int, int]]) -> list[_T]:
    """fn over bounds in forked workers (which see the module's globals as they were), in order."""
    workers = min(os.cpu_count() or 1, 8, len(bounds))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return list(pool.imap(fn, bounds))


_READ_WORK: tuple[Path, Sequence[Path]] | None = None


def _read_chunk(bounds: tuple[int, int]) -> list[tuple[Article | Skipped, list[str]]]:
    assert _READ_WORK is not None
    folder, paths = _READ_WORK
    out = []
    for path in paths[bounds[0]:bounds[1]]:
        warnings: list[str] = []
        out.append((_read_article(path, folder, warnings), warnings))
    return out


def _read_all(folder: Path, paths: Sequence[Path]):
    """(article or skip, its warnings) for every path, in order."""
    global _READ_WORK
    size = 0
    if len(paths) > 1:
        for path in paths:
            try:
                size += path.stat().st_size
            except OSError:
                pass
    if not _use_pool(size, len(paths)):
        for path in paths:
            warnings: list[str] = []
            yield _read_article(path, folder, warnings), warnings
        return
    _READ_WORK = (folder, paths)
    try:
        for part in _pool_map(_read_chunk, _chunks(len(paths), 16)):
            yield from part
    finally:
        _READ_WORK = None


def load_corpus(folder: Path) -> Corpus:
    folder = _check_folder(folder)
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
    return Corpus(tuple(_merge_duplicates(articles)), tuple(skipped), tuple(warnings))
