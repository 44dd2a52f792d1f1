"""Typo correction against the corpus vocabulary, within the speed and memory budget of 1M sentences.

A symmetric-delete index (after SymSpell) but only one deletion deep on the vocabulary side, stored
as two sorted numpy arrays of 32-bit hashes and word ids: a question word's deletions (up to two)
are looked up with searchsorted, and the few candidates are checked with a real edit distance.
A full two-deep deletion index would cost ~10x the memory; a scan of the vocabulary ~1 s a word.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Sequence

import numpy as np

MIN_LENGTH = 4  # shorter words have too many neighbours to correct safely


def max_distance(word: str) -> int:
    return 1 if len(word) <= 5 else 2


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))} if frontier else set()
        out |= frontier
    return out


def _hash(s: str) -> int:
    return zlib.crc32(s.encode("utf-8"))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition counts one), or limit + 1 when larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@dataclass(frozen=True)
class Correction:
    typed: str
    word: str
    distance: int


class Speller:
    ARRAYS = ("freq", "del_hash", "del_word")

    def __init__(self, words: Sequence[str], freq: np.ndarray, del_hash: np.ndarray, del_word: np.ndarray):
        self.words = tuple(words)  # (a tuple: see ArticleRecords, the collector's walks)
        self.freq = freq
        self.del_hash = del_hash
        self.del_word = del_word

    @classmethod
    def build(cls, counts: dict[str, int]) -> "Speller":
        words = sorted(w for w in counts if len(w) >= MIN_LENGTH - 1 and w.isalpha())
        freq = np.asarray([counts[w] for w in words], dtype=np.int64)
        hashes: list[int] = []
        owners: list[int] = []
        for i, w in enumerate(words):
            for d in _deletes(w, 1):
                hashes.append(_hash(d))
                owners.append(i)
        h = np.asarray(hashes, dtype=np.uint32)
        o = np.asarray(owners, dtype=np.int32)
        order = np.argsort(h, kind="stable")
        return cls(words, freq, h[order], o[order])

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.ARRAYS}

    def candidates(self, typed: str) -> list[tuple[int, str]]:
        """(edit distance, word) of every vocabulary word close enough to correct `typed` to."""
        if len(typed) < MIN_LENGTH or not typed.isalpha() or not len(self.del_hash):
            return []
        limit = max_distance(typed)
        probes = np.asarray(sorted({_hash(d) for d in _deletes(typed, limit)}), dtype=np.uint32)
        lo = np.searchsorted(self.del_hash, probes, side="left")
        hi = np.searchsorted(self.del_hash, probes, side="right")
        out = []
        for wid in {int(w) for a, b in zip(lo, hi) if b > a for w in self.del_word[a:b]}:
            word = self.words[wid]
            if word == typed:
                continue
            dist = edit_distance(typed, word, limit)
            if dist <= limit:
                out.append((dist, word))
        return out

    def correct(self, typed: str) -> Correction | None:
        """The closest vocabulary word (fewest edits, then most frequent), or None."""
        if not hasattr(self, "_word_ids"):
            self._word_ids = {w: i for i, w in enumerate(self.words)}
        best = min(((dist, -int(self.freq[self._word_ids[word]]), word) for dist, word in self.candidates(typed)),
                   default=None)
        return self.correction(typed, best)

    @staticmethod
    def correction(typed: str, best: tuple[int, int, str] | None) -> Correction | None:
        """The Correction for the best (distance, -frequency, word), None for none."""
        return None if best is None else Correction(typed, best[2], best[0])
