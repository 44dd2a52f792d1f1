"""Near-duplicate articles: the same story in several files is kept once, the others listed in `also`.

Two articles are the same story when the word 3-shingles of their bodies reach DUPLICATE_JACCARD.
Every article's shingles are hashed to 64 bits (blake2b of each word, mixed per shingle: never the
per-process salted hash()).  Candidate pairs come from prefix filtering: with all shingles in one
global order (rarest first), two sets with Jaccard >= t always share a shingle among the first
|s| - ceil(t*|s|) + 1 of each, so looking up only those finds every pair that can reach the
threshold, without comparing every pair.  Candidates are then checked with the exact Jaccard of the
word shingles, in the same order and with the same first-match rule as the pairwise loop.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Sequence

import numpy as np

from bot.corpus.types import TEXT_KINDS, Article
from bot.parallel import bounds_by_count, map_chunks

# Word-shingle Jaccard at or above which two files are the same story.
DUPLICATE_JACCARD = 0.9
_SHINGLE = 3
_SKETCH_CHUNK = 64  # articles per pool task

_WORD = re.compile(r"\w+")
_MUL = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
_MIX = np.uint64(0xFF51AFD7ED558CCD)
_COUNT_BITS = 23  # buckets for the shingle frequency estimate that orders the prefixes
# Above this many articles sharing one prefix shingle, pairs are found article by article instead.
_BULK_GROUP = 64


def _body(article: Article) -> str:
    return " ".join(article.paragraph_text(p) for p in article.paragraphs if p.kind in TEXT_KINDS)


def shingles(article: Article) -> frozenset[tuple[str, ...]]:
    """The article's body as a set of word 3-shingles (lowercased): what the Jaccard is taken over."""
    words = re.findall(r"\w+", _body(article).lower())
    if len(words) < _SHINGLE:
        return frozenset([tuple(words)])
    return frozenset(tuple(words[i:i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1))


def _h64(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _sketch(article: Article, cache: dict[str, int]) -> np.ndarray:
    """Sorted distinct 64-bit hashes of the article's body word shingles (see shingles)."""
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


def _sketches(articles: Sequence[Article], parallel: bool) -> list[np.ndarray]:
    # Words hashed so far; a pool worker fills its own copy, kept from one chunk to the next.
    word_hashes: dict[str, int] = {}

    def sketch_chunk(chunk: Sequence[Article], first: int) -> list[np.ndarray]:
        return [_sketch(a, word_hashes) for a in chunk]

    out: list[np.ndarray] = []
    bounds = bounds_by_count(len(articles), _SKETCH_CHUNK)
    for part in map_chunks(sketch_chunk, articles, bounds, parallel=parallel):
        out += part
    return out


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


def merge_duplicates(articles: Sequence[Article], *, parallel: bool = False) -> list[Article]:
    """Articles in order; each one whose body shingles reach DUPLICATE_JACCARD with an earlier kept
    article is folded into the first such article's `also`.  `parallel`: sketch the articles in a
    pool of workers (the same result, sooner for a big corpus)."""
    if not articles:
        return []
    sketches = _sketches(articles, parallel)
    digests = [hashlib.blake2b(sk.tobytes(), digest_size=16).digest() for sk in sketches]
    prefixes = _prefixes(sketches)
    exact: dict[int, frozenset] = {}

    def exact_shingles(i: int) -> frozenset:
        if i not in exact:
            exact[i] = shingles(articles[i])
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
        sh, other = exact_shingles(j), exact_shingles(i)
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
