"""Splitting and term analysis of a whole corpus, on every core.

Sentence splitting and tokenising are pure Python and most of the build's time, so big corpora are
cut into chunks of articles analysed in worker processes.  Workers send back compact arrays (term
ids against a chunk-local vocabulary), never lists of strings per sentence, so the hand-back stays
cheap; the parent renumbers ids into one vocabulary.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from itertools import repeat
from typing import Callable, Sequence

import numpy as np

from bot import text
from bot.corpus.types import Article
from bot.parallel import bounds_by_size, map_chunks, worker_count

# What each paragraph is, stored in the index as its number in this tuple (so only ever append).
PARAGRAPH_KINDS = ("title", "deck", "body", "caption", "heading", "list", "quote")


def kind_table(kinds: tuple[str, ...]) -> np.ndarray:
    """One bool per paragraph kind number (PARAGRAPH_KINDS' order): whether it is one of `kinds`.
    Indexed with the kinds of many paragraphs it tells which are of them (np.isin costs ~30 us even
    for a few values)."""
    return np.isin(np.arange(len(PARAGRAPH_KINDS)), [PARAGRAPH_KINDS.index(k) for k in kinds])
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
    token_ids: np.ndarray  # int32 term ids of every sentence, end to end
    terms: list[str]  # the vocabulary: term id -> term
    surfaces: dict[str, str]  # every indexed word as written (folded) -> its term


def _byte_offsets(s: str) -> Callable[[int], int]:
    """Character offset -> UTF-8 byte offset, without re-encoding the prefix every time."""
    if s.isascii():
        return lambda i: i
    cumulative = np.concatenate(([0], np.cumsum([len(ch.encode("utf-8")) for ch in s])))
    return lambda i: int(cumulative[i])


# A chunk's folded sentences are joined into one text, split at whitespace once: no token holds a
# space, so each piece's tokens are those findall would find there, and each distinct piece is
# tokenised once.  "Q" between sentences is a piece of its own that folded text never holds
# (folding lowercases), so it marks where each sentence's tokens end.
_GAP = " Q "
_GAP_TOKEN = "Q"
_GAP_ID = -1
_UNKNOWN = -1


class _Numbering:
    """One process's numbering of terms, kept from chunk to chunk of one corpus: each distinct token
    is analysed once per process, and a chunk sends back only the terms its process had not sent
    before (the parent keeps each process's numbers apart and renumbers them into one vocabulary)."""

    def __init__(self) -> None:
        self.term_ids: dict[str, int] = {}
        self.token_terms: dict[str, tuple[int, ...]] = {}  # token as written (folded) -> its term ids
        self.fresh: list[str] = []  # tokens met since the last chunk was sent, in the order met
        # Text between spaces -> its number; piece p's term ids are piece_terms[piece_start[p]:][:piece_len[p]]
        self.piece_ids: dict[str, int] = {_GAP_TOKEN: 0}
        self.piece_start = np.zeros(1, dtype=np.int64)
        self.piece_len = np.ones(1, dtype=np.int64)
        self.piece_terms = np.full(1, _GAP_ID, dtype=np.int32)
        self.sent = 0  # terms sent back so far (the first len(term_ids) numbers)

    def token(self, token: str) -> tuple[int, ...]:
        found = self.token_terms.get(token)
        if found is None:
            term_ids = self.term_ids
            found = self.token_terms[token] = tuple(term_ids.setdefault(t, len(term_ids))
                                                    for t in text.terms_of_tokens([token]))
            self.fresh.append(token)
        return found

    def pieces(self, pieces: list[str]) -> np.ndarray:
        """The term ids of these pieces of text, end to end (the gap's: _GAP_ID)."""
        numbers = np.fromiter(map(self.piece_ids.get, pieces, repeat(_UNKNOWN)), dtype=np.int64, count=len(pieces))
        unknown = np.flatnonzero(numbers == _UNKNOWN).tolist()
        if unknown:
            # New pieces in the order they first appear, so terms are numbered in the order they first appear.
            starts, lengths, ids = [], [], []
            for piece in dict.fromkeys([pieces[i] for i in unknown]):
                self.piece_ids[piece] = len(self.piece_start) + len(starts)
                starts.append(len(self.piece_terms) + len(ids))
                before = len(ids)
                for token in text.TOKEN_RE.findall(piece):
                    ids += self.token(token)
                lengths.append(len(ids) - before)
            self.piece_start = np.concatenate([self.piece_start, np.asarray(starts, dtype=np.int64)])
            self.piece_len = np.concatenate([self.piece_len, np.asarray(lengths, dtype=np.int64)])
            self.piece_terms = np.concatenate([self.piece_terms, np.asarray(ids, dtype=np.int32)])
            numbers[unknown] = [self.piece_ids[pieces[i]] for i in unknown]
        lengths = self.piece_len[numbers]
        ends = np.cumsum(lengths)
        at = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
        at += np.repeat(self.piece_start[numbers] - (ends - lengths), lengths)
        return self.piece_terms[at]


@dataclass
class _Part:
    """One chunk's analysis as a worker sends it: term ids numbered by the worker's _Numbering."""

    process: int  # which process numbered the terms (its pid)
    first_term: int  # the number of terms[0]: how many terms this process had sent before
    analysis: Analysis  # terms and surfaces: only those this process had not sent before


def _analyze_chunk(articles: Sequence[Article], first_article: int, numbering: _Numbering) -> _Part:
    para_article: list[int] = []
    para_kind: list[int] = []
    para_first: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    pieces: list[str] = []  # each sentence's text, folded
    recoded: list[tuple[int, int, Callable[[int], int]]] = []  # (first, last sentence) of non-ASCII articles
    unsafe = False  # a folded sentence holds the gap token (folding never leaves one: checked all the same)
    for a, article in enumerate(articles, first_article):
        body = article.text
        plain = body.isascii()
        folded = body.lower() if plain else ""  # text.fold of ASCII text, done once for the article
        first_sentence = len(starts)
        for paragraph in article.paragraphs:
            spans = text.split_sentences(body, paragraph.start, paragraph.end)
            if not spans:
                continue
            para_article.append(a)
            para_kind.append(PARAGRAPH_KINDS.index(paragraph.kind) if paragraph.kind in PARAGRAPH_KINDS
                             else PARAGRAPH_KINDS.index("body"))
            para_first.append(len(starts))
            starts += [start for start, _ in spans]
            ends += [end for _, end in spans]
            if plain:
                pieces += [folded[start:end] for start, end in spans]
                continue
            for start, end in spans:
                piece = text.fold(body[start:end])
                unsafe = unsafe or _GAP_TOKEN in piece
                pieces.append(piece)
        if not plain and len(starts) > first_sentence:
            recoded.append((first_sentence, len(starts), _byte_offsets(body)))
    para_first.append(len(starts))
    if unsafe:
        ids: list[int] = []
        for piece in pieces:
            for token in text.TOKEN_RE.findall(piece):
                ids += numbering.token(token)
            ids.append(_GAP_ID)
        flat = np.asarray(ids, dtype=np.int32)
    else:
        flat = numbering.pieces((_GAP.join(pieces) + _GAP).split()) if pieces else np.zeros(0, dtype=np.int32)
    del pieces
    gaps = np.flatnonzero(flat == _GAP_ID)
    lengths = np.diff(gaps, prepend=-1) - 1
    sent_byte = np.stack([np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)], axis=1)
    for lo, hi, to_byte in recoded:
        sent_byte[lo:hi] = [[to_byte(start), to_byte(end)] for start, end in sent_byte[lo:hi].tolist()]
    term_ids = numbering.term_ids
    terms = list(term_ids)[numbering.sent:] if len(term_ids) > numbering.sent else []
    first_term, numbering.sent = numbering.sent, len(term_ids)
    analysis = Analysis(
        para_article=np.asarray(para_article, dtype=np.int32),
        para_kind=np.asarray(para_kind, dtype=np.uint8),
        para_first=np.asarray(para_first, dtype=np.int64),
        sent_start=np.asarray(starts, dtype=np.int64),
        sent_end=np.asarray(ends, dtype=np.int64),
        sent_byte=sent_byte,
        sent_len=lengths.astype(np.int64),
        token_ids=flat[flat != _GAP_ID] if len(gaps) else flat,
        terms=terms,
        # Analysed here, where the words are already stemmed (cached), not again in the parent; only
        # this process's new tokens: the words of the others were sent with an earlier chunk.
        surfaces={w.surface: w.term for token in numbering.fresh for w in text.words_of_token(token)},
    )
    numbering.fresh = []
    return _Part(os.getpid(), first_term, analysis)


def analyze(articles: Sequence[Article], first_article: int = 0) -> Analysis:
    """One process's work: every kept paragraph of these articles split and reduced to term ids."""
    return merge([_analyze_chunk(articles, first_article, _Numbering())])


class _Merger:
    """Chunks in article order -> one analysis with one vocabulary, each chunk folded in as it comes
    (its term ids renumbered at once, so only compact arrays are held)."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.surfaces: dict[str, str] = {}
        self.numbers: dict[int, np.ndarray] = {}  # process -> its term numbers' ids in `vocab`
        self.parts: list[Analysis] = []
        self.sentences = 0

    def add(self, part: _Part) -> None:
        done = part.analysis
        known = self.numbers.get(part.process, np.zeros(0, dtype=np.int32))
        if part.first_term != len(known):
            raise AssertionError("a chunk's terms arrived out of their process's order")
        if done.terms:
            vocab = self.vocab
            known = np.concatenate([known, np.asarray([vocab.setdefault(t, len(vocab)) for t in done.terms],
                                                      dtype=np.int32)])
            self.numbers[part.process] = known
        done.token_ids = known[done.token_ids] if len(done.token_ids) else done.token_ids
        done.para_first = done.para_first[:-1] + self.sentences
        self.sentences += len(done.sent_start)
        self.surfaces.update(done.surfaces)
        done.terms, done.surfaces = [], {}
        self.parts.append(done)

    def result(self) -> Analysis:
        parts = self.parts

        def cat(name: str, dtype, shape=(0,)) -> np.ndarray:
            arrays = [getattr(p, name) for p in parts]
            return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(shape, dtype=dtype)

        return Analysis(
            para_article=cat("para_article", np.int32),
            para_kind=cat("para_kind", np.uint8),
            para_first=np.concatenate([p.para_first for p in parts] + [np.asarray([self.sentences], dtype=np.int64)]),
            sent_start=cat("sent_start", np.int64),
            sent_end=cat("sent_end", np.int64),
            sent_byte=cat("sent_byte", np.int64, (0, 2)).reshape(-1, 2),
            sent_len=cat("sent_len", np.int64),
            token_ids=cat("token_ids", np.int32),
            terms=list(self.vocab),
            surfaces=self.surfaces,
        )


def merge(parts: Sequence[_Part]) -> Analysis:
    """Chunks in article order -> one analysis with one vocabulary."""
    merger = _Merger()
    for part in parts:
        merger.add(part)
    return merger.result()


def analyze_corpus(articles: Sequence[Article], progress: Callable[[int], None] | None = None) -> Analysis:
    """All articles, in worker processes when the corpus is big and the machine has cores to spare;
    `progress` is told how many articles are done after each chunk."""
    size = sum(len(a.text) for a in articles)
    target = min(CHUNK_CHARS, max(CHUNK_CHARS // 8, size // (4 * worker_count())))  # >= 4 chunks a worker
    bounds = bounds_by_size([len(a.text) for a in articles], target)
    numbering = _Numbering()  # this build's: a pool worker fills its own copy, kept from chunk to chunk

    def analyze_chunk(chunk: Sequence[Article], first: int) -> _Part:
        return _analyze_chunk(chunk, first, numbering)

    merger = _Merger()
    for number, part in enumerate(map_chunks(analyze_chunk, articles, bounds, parallel=size >= PARALLEL_MIN_CHARS)):
        merger.add(part)
        if progress:
            progress(bounds[number][1])
    return merger.result()
