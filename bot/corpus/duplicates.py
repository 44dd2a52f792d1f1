"""Near-duplicate articles: the same story in several files is kept once, the others listed in `also`.

Two articles are the same story when the word 3-shingles of their bodies reach DUPLICATE_JACCARD.
Every article's shingles are hashed to 64 bits (a polynomial hash of each word's UTF-8 bytes, computed
for all words of an article at once with numpy, mixed per shingle: never the per-process salted
hash()).  Hashes only propose candidates; the exact check decides.  Candidate pairs come from prefix filtering: with all shingles in one
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


# The bytes a lowercased ASCII text's \w+ words are made of ([a-z0-9_]: lowercasing left no A-Z).
_WORD_BYTES = np.zeros(256, dtype=bool)
_WORD_BYTES[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789_", dtype=np.uint8)] = True
_BASE = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_powers = np.ones(1, dtype=np.uint64)  # _BASE ** k modulo 2**64, grown as longer texts come
_inverse_powers = np.ones(1, dtype=np.uint64)  # the inverse's powers


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    global _powers, _inverse_powers
    if len(_powers) < n:
        size = max(n, 2 * len(_powers))
        steps = np.full(size, _BASE, dtype=np.uint64)
        steps[0] = 1
        inverse = np.full(size, pow(_BASE, -1, 2**64), dtype=np.uint64)
        inverse[0] = 1
        _powers, _inverse_powers = np.multiply.accumulate(steps), np.multiply.accumulate(inverse)
    return _powers[:n], _inverse_powers[:n]


def _word_hashes(low: str) -> np.ndarray:
    """A 64-bit hash of each \\w+ word of this lowercased text, in order: sum of byte_k * BASE**k over the
    word's UTF-8 bytes, for every word at once from prefix sums (each word's sum shifted back to its own
    start by the inverse powers), then mixed with its length."""
    if low.isascii():
        data = np.frombuffer(low.encode("ascii"), dtype=np.uint8)
        inside = _WORD_BYTES[data]
    else:  # \\w is wider than ASCII: the regex finds the words, joined by spaces (never inside a word)
        data = np.frombuffer(" ".join(_WORD.findall(low)).encode("utf-8", "surrogatepass"), dtype=np.uint8)
        inside = data != ord(" ")
    edges = np.flatnonzero(np.diff(inside.view(np.int8), prepend=0, append=0))
    starts, ends = edges[0::2], edges[1::2]
    powers, inverse = _power_tables(len(data))
    sums = np.zeros(len(data) + 1, dtype=np.uint64)
    np.cumsum(data * powers, out=sums[1:])  # (wraps modulo 2**64, as meant)
    h = (sums[ends] - sums[starts]) * inverse[starts]
    h ^= (ends - starts).astype(np.uint64) * _MUL[2]
    h ^= h >> np.uint64(33)
    h *= _MIX
    h ^= h >> np.uint64(29)
    return h


def _sketch(article: Article) -> np.ndarray:
    """Sorted distinct 64-bit hashes of the article's body word shingles (see shingles)."""
    low = _body(article).lower()
    arr = _word_hashes(low)
    if len(arr) < _SHINGLE:
        words = _WORD.findall(low)
        return np.asarray([_h64("\x1f".join(words) + f"\x1e{len(words)}")], dtype=np.uint64)
    h = arr[:-2] * _MUL[0] + arr[1:-1] * _MUL[1] + arr[2:] * _MUL[2]
    h ^= h >> np.uint64(31)
    h *= _MIX
    h ^= h >> np.uint64(29)
    h.sort()  # distinct values by sorting: cheaper than np.unique's hash table at these sizes
    return h[np.concatenate(([True], h[1:] != h[:-1]))]


def _sketches(articles: Sequence[Article], parallel: bool) -> list[np.ndarray]:
    def sketch_chunk(chunk: Sequence[Article], first: int) -> list[np.ndarray]:
        return [_sketch(a) for a in chunk]

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
        p = n - int(DUPLICATE_JACCARD * n * (1 - 1e-9)) + 1  # (at most n + 1: all of sk)
        # sk is sorted, so ordering by (frequency, position) orders by (frequency, hash): one global
        # order.  Both in one key; only the p smallest keys are sorted (a partition finds them).
        key = counts[(sk & mask).view(np.int64)].astype(np.uint64) << np.uint64(32)
        key |= np.arange(n, dtype=np.uint64)
        if p < n:
            key = np.partition(key, p - 1)[:p]
        key.sort()
        out.append(sk[(key & np.uint64(0xFFFFFFFF)).astype(np.int64)])
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


# -- the same rule across an index's segments ------------------------------------------------------
# An index that grows by segments keeps every article, copies too, and works out which are copies
# whenever its articles change (bot/index/combined.py), by the rule merge_duplicates applies: each
# article, in path order, is folded into the first earlier kept article it is similar to.  For that
# it keeps per article the digest of its shingle hashes, their number, and a prefix of them: two
# articles whose hashes reach DUPLICATE_JACCARD share a hash among each one's first
# |s| - floor(t*|s|) + 1 (prefix filtering), whatever the one global order of hashes, and one more
# for each hash kept beyond those (PREFIX_SPARE).  merge_duplicates
# orders by corpus-wide counts; here the order must hold as articles come and go, so it is fixed: by
# how many stopwords the shingle has (fewest first: "the minister said" is in every other story,
# "Kim Yong Chol" in few), then by hash.  Only pairs sharing a prefix hash are checked, exactly.

# Prefix hashes kept beyond what prefix filtering needs: two articles that can be the same story then
# share at least this many more of them (bot/index/combined.py), where unrelated stories sharing a
# stock phrase meet once or twice, so only real candidates are checked.
PREFIX_SPARE = 8

_STOP_HASHES: np.ndarray | None = None


def _stop_hashes() -> np.ndarray:
    global _STOP_HASHES
    if _STOP_HASHES is None:
        from bot.text import STOPWORDS

        _STOP_HASHES = np.unique(_word_hashes(" ".join(sorted(STOPWORDS))))
    return _STOP_HASHES


def sketch_key(article: Article) -> tuple[bytes, np.ndarray, int]:
    """The article's shingle-set digest (16 bytes), its prefix of shingle hashes in the fixed order,
    and how many distinct shingle hashes it has."""
    low = _body(article).lower()
    arr = _word_hashes(low)
    if len(arr) < _SHINGLE:
        sk = _sketch(article)
        return hashlib.blake2b(sk.tobytes(), digest_size=16).digest(), sk.copy(), len(sk)
    h = arr[:-2] * _MUL[0] + arr[1:-1] * _MUL[1] + arr[2:] * _MUL[2]
    h ^= h >> np.uint64(31)
    h *= _MIX
    h ^= h >> np.uint64(29)
    stop = np.isin(arr, _stop_hashes()).astype(np.int8)
    stops = stop[:-2] + stop[1:-1] + stop[2:]
    sk = np.unique(h)  # what _sketch gives
    n = len(sk)
    p = n - int(DUPLICATE_JACCARD * n * (1 - 1e-9)) + 1 + PREFIX_SPARE
    prefix, have = [], 0
    for count in range(_SHINGLE + 1):  # (a shingle's stopword count is a function of its hash)
        if have >= p:
            break
        found = np.unique(h[stops == count])
        prefix.append(found[:p - have])
        have += len(prefix[-1])
    return hashlib.blake2b(sk.tobytes(), digest_size=16).digest(), np.concatenate(prefix), n


def same_story(a: Article, b: Article) -> bool:
    """merge_duplicates' similarity, exactly (on the word shingles themselves)."""
    sa, sb = shingles(a), shingles(b)
    small, big = sorted((len(sa), len(sb)))
    if big and small / big < DUPLICATE_JACCARD:
        return False
    return len(sa & sb) / len(sa | sb) >= DUPLICATE_JACCARD


def fold_targets(digests: Sequence[bytes], similar: dict[int, Sequence[int]]) -> list[int]:
    """Per article (in path order): the article it is kept as, itself when it is kept.

    `similar[j]`: the earlier articles that are the same story as j (any order).  The result is
    merge_duplicates' own: an article goes to the first earlier kept article similar to it, one whose
    shingle set equals an earlier one's goes where that one went."""
    target: list[int] = []
    fate: dict[bytes, int] = {}
    for j, digest in enumerate(digests):
        found = fate.get(digest)
        if found is None:
            found = next((i for i in sorted(similar.get(j, ())) if target[i] == i), j)
        target.append(found)
        fate.setdefault(digest, found)
    return target


def sketch_keys(articles: Sequence[Article], *, parallel: bool = False) -> list[tuple[bytes, np.ndarray, int]]:
    """sketch_key of every article (in a pool of workers when `parallel`)."""
    def key_chunk(chunk: Sequence[Article], first: int) -> list[tuple[bytes, np.ndarray, int]]:
        return [sketch_key(a) for a in chunk]

    out: list[tuple[bytes, np.ndarray, int]] = []
    for part in map_chunks(key_chunk, articles, bounds_by_count(len(articles), _SKETCH_CHUNK), parallel=parallel):
        out += part
    return out
