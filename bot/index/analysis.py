"""Splitting and term analysis of a whole corpus, on every core.

Sentence splitting and tokenising are pure Python and most of the build's time, so big corpora are
cut into chunks of articles analysed in worker processes.  Workers send back compact arrays (term
ids against a chunk-local vocabulary), never lists of strings per sentence, so the hand-back stays
cheap; the parent renumbers ids into one vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from bot import text
from bot.corpus.types import Article
from bot.parallel import bounds_by_size, map_chunks, worker_count

# What each paragraph is, stored in the index as its number in this tuple (so only ever append).
PARAGRAPH_KINDS = ("title", "deck", "body", "caption", "heading", "list", "quote")
# Below this many characters of text the pool's start-up costs more than it saves.
PARALLEL_MIN_CHARS = 5_000_000
# Work is handed out in runs of articles of about this much text: big enough that each chunk's
# vocabulary (sent back with it) stays small next to its arrays, small enough to keep both cores busy.
CHUNK_CHARS = 2_000_000


@dataclass
class Analysis:
    """Everything about the sentences of a run of articles, in article order."""

    para_article: np.ndarray  # int32, article number of each kept paragraph (with sentences)
    para_kind: np.ndarray  # uint8, index into PARAGRAPH_KINDS
    para_first: np.ndarray  # int64, first sentence of each paragraph, plus one past the end
    sent_start: np.ndarray  # int64 character offsets in the article text
    sent_end: np.ndarray
    sent_byte: np.ndarray  # int64 (n, 2) byte offsets in the article's UTF-8 text
    sent_len: np.ndarray  # int64 number of terms per sentence
    token_ids: np.ndarray  # int64 term ids of every sentence, end to end
    terms: list[str]  # the vocabulary: term id -> term
    surfaces: dict[str, str]  # every indexed word as written (folded) -> its term


def _byte_offsets(s: str) -> Callable[[int], int]:
    """Character offset -> UTF-8 byte offset, without re-encoding the prefix every time."""
    if s.isascii():
        return lambda i: i
    cumulative = np.concatenate(([0], np.cumsum([len(ch.encode("utf-8")) for ch in s])))
    return lambda i: int(cumulative[i])


def analyze(articles: Sequence[Article], first_article: int = 0) -> Analysis:
    """One process's work: every kept paragraph of these articles split and reduced to term ids."""
    vocab: dict[str, int] = {}
    # token as written -> its term ids: each distinct token is analysed once per process.
    token_ids: dict[str, tuple[int, ...]] = {}
    para_article: list[int] = []
    para_kind: list[int] = []
    para_first: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    byte_offsets: list[int] = []
    lengths: list[int] = []
    ids: list[int] = []
    for a, article in enumerate(articles, first_article):
        to_byte = _byte_offsets(article.text)
        for paragraph in article.paragraphs:
            spans = text.split_sentences(article.text, paragraph.start, paragraph.end)
            if not spans:
                continue
            para_article.append(a)
            para_kind.append(PARAGRAPH_KINDS.index(paragraph.kind) if paragraph.kind in PARAGRAPH_KINDS
                             else PARAGRAPH_KINDS.index("body"))
            para_first.append(len(starts))
            for start, end in spans:
                before = len(ids)
                for token in text.TOKEN_RE.findall(text.fold(article.text[start:end])):
                    found = token_ids.get(token)
                    if found is None:
                        found = token_ids[token] = tuple(vocab.setdefault(t, len(vocab))
                                                         for t in text.terms_of_tokens([token]))
                    ids += found
                lengths.append(len(ids) - before)
                starts.append(start)
                ends.append(end)
                byte_offsets += (to_byte(start), to_byte(end))
    para_first.append(len(starts))
    return Analysis(
        para_article=np.asarray(para_article, dtype=np.int32),
        para_kind=np.asarray(para_kind, dtype=np.uint8),
        para_first=np.asarray(para_first, dtype=np.int64),
        sent_start=np.asarray(starts, dtype=np.int64),
        sent_end=np.asarray(ends, dtype=np.int64),
        sent_byte=np.asarray(byte_offsets, dtype=np.int64).reshape(-1, 2),
        sent_len=np.asarray(lengths, dtype=np.int64),
        token_ids=np.asarray(ids, dtype=np.int64),
        terms=list(vocab),
        # Analysed here, where the words are already stemmed (cached), not again in the parent.
        surfaces={w.surface: w.term for token in token_ids for w in text.words_of_token(token)},
    )


def merge(parts: Sequence[Analysis]) -> Analysis:
    """Chunks in article order -> one analysis with one vocabulary."""
    vocab: dict[str, int] = {}
    ids, firsts = [], []
    surfaces: dict[str, str] = {}
    offset = 0
    for part in parts:
        remap = np.asarray([vocab.setdefault(t, len(vocab)) for t in part.terms], dtype=np.int64)
        ids.append(remap[part.token_ids] if len(part.token_ids) else part.token_ids)
        firsts.append(part.para_first[:-1] + offset)
        offset += len(part.sent_start)
        surfaces.update(part.surfaces)

    def cat(name: str, dtype, shape=(0,)) -> np.ndarray:
        arrays = [getattr(p, name) for p in parts]
        return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(shape, dtype=dtype)

    return Analysis(
        para_article=cat("para_article", np.int32),
        para_kind=cat("para_kind", np.uint8),
        para_first=np.concatenate(firsts + [np.asarray([offset], dtype=np.int64)]),
        sent_start=cat("sent_start", np.int64),
        sent_end=cat("sent_end", np.int64),
        sent_byte=cat("sent_byte", np.int64, (0, 2)).reshape(-1, 2),
        sent_len=cat("sent_len", np.int64),
        token_ids=np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64),
        terms=list(vocab),
        surfaces=surfaces,
    )


def analyze_corpus(articles: Sequence[Article], progress: Callable[[int], None] | None = None) -> Analysis:
    """All articles, in worker processes when the corpus is big and the machine has cores to spare;
    `progress` is told how many articles are done after each chunk."""
    size = sum(len(a.text) for a in articles)
    target = min(CHUNK_CHARS, max(CHUNK_CHARS // 8, size // (4 * worker_count())))  # >= 4 chunks a worker
    bounds = bounds_by_size([len(a.text) for a in articles], target)
    parts = []
    for number, part in enumerate(map_chunks(analyze, articles, bounds, parallel=size >= PARALLEL_MIN_CHARS)):
        parts.append(part)
        if progress:
            progress(bounds[number][1])
    return merge(parts)
