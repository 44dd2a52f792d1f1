"""What an answer is made of: passages quoted verbatim from the articles, and the answer that holds
them; and how ranked sentences become passages (each hit with its neighbouring sentences).

Data only; wording and markup belong to the front ends.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from bot import text
from bot.answer.query import QueryTerm, Ranking
from bot.config import AnswerSettings
from bot.corpus.types import Source
from bot.index.sentences import SentenceIndex

# How many passages one question can show (the first page plus what "more" pages through).
MAX_PASSAGES = 30
# The ranking's sentences read at once while looking for distinct hits (a page needs a few).
HITS_READ_AT_ONCE = 16


# Below this confidence a found answer is shown with a word of doubt (the front ends' Notice.UNSURE).
UNSURE_BELOW = 0.5


@dataclass(frozen=True)
class Passage:
    quote: str  # the hit sentence with its neighbours, exactly as written in the article
    sentence: str  # the hit sentence, a substring of quote
    start: int  # the sentence's character offsets in the article's text
    end: int
    quote_start: int
    quote_end: int
    score: float  # linear ranking score (the first twenty are put in order by re-ranking trees: not monotone)
    bm25: float  # the sentence's raw BM25 score
    source: Source
    also: tuple[Source, ...] = ()  # the same story in other files
    # What `terms` is worked out from, when it is first read: most passages wait for a "more" that
    # never comes, so they are not searched for matching words in advance.
    asked: tuple[QueryTerm, ...] = field(default=(), repr=False, compare=False)
    known: Mapping[str, str] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def terms(self) -> tuple[str, ...]:
        """Words of the sentence (as written) that match the question."""
        return matched_words(self.sentence, self.asked, self.known)


class Remaining(Sequence):
    """The passages after a page, best first (a sequence): made when first read, so an answer whose
    "more" is never asked for never makes them.  `len` makes them all; `bool` only the first."""

    __slots__ = ("_before", "_ranked", "_start")

    def __init__(self, before: tuple[Passage, ...] = (), ranked: RankedPassages | None = None, start: int = 0):
        self._before = before  # passages in hand, ahead of the ranked ones
        self._ranked = ranked
        self._start = start  # where the ranked ones begin

    def first(self, k: int) -> tuple[Passage, ...]:
        """The first k of them (fewer when there are fewer)."""
        if k <= len(self._before) or self._ranked is None:
            return self._before[:k]
        return self._before + self._ranked.first(self._start + k - len(self._before))[self._start:]

    def after(self, k: int) -> "Remaining":
        """The same without their first k."""
        if k <= len(self._before):
            return Remaining(self._before[k:], self._ranked, self._start)
        return Remaining((), self._ranked, self._start + k - len(self._before))

    def behind(self, passages: tuple[Passage, ...]) -> "Remaining":
        """These passages, then the same."""
        return Remaining(passages + self._before, self._ranked, self._start)

    def __iter__(self) -> Iterator[Passage]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __bool__(self) -> bool:
        return bool(self.first(1))

    def __getitem__(self, item):
        if isinstance(item, slice) and item.step is None and (item.start or 0) >= 0 and (item.stop or -1) >= 0:
            return self.first(item.stop)[item]  # a slice from the front makes only as far as it goes
        if isinstance(item, int) and item >= 0:
            return self.first(item + 1)[item]  # (IndexError past the last)
        return self._all()[item]

    def __eq__(self, other: object) -> bool:
        """The same passages (however they are made)."""
        if not isinstance(other, Remaining):
            return NotImplemented
        return self._all() == other._all()

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"Remaining({self._all()!r})"

    def _all(self) -> tuple[Passage, ...]:
        if self._ranked is None:
            return self._before
        return self._before + self._ranked.all()[self._start:]


NOTHING_MORE = Remaining()


@dataclass(frozen=True)
class Answer:
    question: str
    found: bool
    searched_for: tuple[str, ...]  # words searched, after typo correction, as a person reads them
    corrections: tuple[tuple[str, str], ...] = ()  # (typed, searched instead)
    passages: tuple[Passage, ...] = ()
    remaining: Remaining = field(default=NOTHING_MORE, repr=False)  # what "more" shows
    carried_words: tuple[str, ...] = ()  # words taken over from the previous question (a follow-up)
    terms: tuple[QueryTerm, ...] = field(default=(), repr=False)
    shown_before: int = 0  # passages of this answer already shown on earlier pages
    # The probability that the first passage answers the question (also when nothing was found);
    # `found` is confidence at or above the no-answer model's threshold.
    confidence: float = 0.0

    @property
    def related_words(self) -> tuple[tuple[str, str], ...]:
        """(word searched as well, the question's word it stands for): the answers' words for what
        was asked (bot/answer/expansion.py) and derived forms, weighed less than the words typed."""
        asked = {t.term: t.surface for t in self.terms if t.related is None}
        return tuple((t.surface, asked.get(t.related, t.related)) for t in self.terms if t.related is not None)

    @property
    def unsure(self) -> bool:
        """Found, but more likely than not the first passage does not answer it exactly."""
        return self.found and self.confidence < UNSURE_BELOW

    # Paging: every front end (and the evaluation) shows an answer through `page`.
    @property
    def has_more(self) -> bool:
        return bool(self.remaining)  # (makes one passage past this page, not all of them)

    @property
    def shown(self) -> int:
        """Passages shown once this page has been: the earlier pages' and this one's."""
        return self.shown_before + len(self.passages)

    def page(self, start: int, k: int | None = None) -> "Answer":
        """The same answer showing the k passages after its first `start` (all the rest when k is
        None), the ones after them kept for "more".  Pages go forward: `start` is never before
        this page's own."""
        if start < self.shown_before:
            raise ValueError(f"page {start} is before this answer's page ({self.shown_before})")
        ahead = self.remaining.behind(self.passages).after(start - self.shown_before)
        if k is None:
            return replace(self, passages=tuple(ahead), remaining=NOTHING_MORE, shown_before=start)
        return replace(self, passages=ahead.first(k), remaining=ahead.after(k), shown_before=start)

    def first_page(self, k: int) -> "Answer":
        """The same answer with its first k passages shown and the rest kept for "more"."""
        return self.page(0, k)

    def next_page(self, k: int) -> "Answer":
        """The following k passages of the same answer."""
        return self.page(self.shown, k)

    @property
    def page_key(self) -> str:
        """What this page quotes, in a few characters: a More button pressed later asks again and
        compares, to know whether the articles changed in between."""
        quoted = [[p.source.path, p.quote_start, p.quote_end, p.quote] for p in self.passages]
        return hashlib.blake2b(json.dumps(quoted).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


class RankedPassages:
    """A ranking's passages, best first, made as far as they are first asked for: an answer shows a
    page of some thirty, and most wait for a "more" that never comes.

    Each hit is quoted with up to settings.context_before / context_after neighbouring sentences of
    its paragraph, no text twice; passage n is the same whenever, and by whichever thread, it is first
    made (they are made in order, under a lock, from the index the answer came from; once all are made
    the index is let go).  Pickled or copied, it is made in full first."""

    def __init__(self, index: SentenceIndex, ranking: Ranking, terms: Sequence[QueryTerm],
                 settings: AnswerSettings):
        self._made: list[Passage] = []
        self._lock = threading.Lock()
        self._index: SentenceIndex | None = index  # None once every passage is made
        self._ranking = ranking
        self._asked = tuple(terms)
        self._settings = settings
        self._read = 0  # the ranking's sentences whose text was read for _hits
        self._hits: list[tuple[int, int]] = []  # distinct hits found so far: (sentence, place in the ranking)
        self._seen_text: set[str] = set()
        self._used = 0  # hits made into passages (or found quoted above)
        self._page: set[int] | None = None  # the first page's hits, never swallowed into another's quote
        self._taken: set[int] = set()  # sentences quoted so far
        self._seen_quotes: set[str] = set()
        self._sources: dict[int, tuple[Source, tuple[Source, ...]]] = {}  # the passages share a few articles

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> "RankedPassages":
        """Passages made already (an unpickled answer's)."""
        made = cls.__new__(cls)
        made._made, made._lock, made._index = list(passages), threading.Lock(), None
        return made

    def first(self, n: int) -> tuple[Passage, ...]:
        """The first n passages (fewer when there are fewer)."""
        with self._lock:
            if self._index is not None and len(self._made) < n:
                self._make(n)
            return tuple(self._made[:n])

    def all(self) -> tuple[Passage, ...]:
        return self.first(MAX_PASSAGES + 1)  # (a passage a hit at most: asking one more makes them all)

    def __reduce__(self):
        return RankedPassages.of, (self.all(),)

    def _make(self, n: int) -> None:
        index, settings = self._index, self._settings
        if self._page is None:
            self._find_hits(settings.top_k)
            self._page = {s for s, _ in self._hits[: settings.top_k]}
            self._taken = set(self._page)
        while len(self._made) < n:
            self._find_hits(self._used + n - len(self._made))
            hits = self._hits[self._used: self._used + n - len(self._made)]
            if not hits:
                self._index = self._ranking = None  # all made: nothing more is read from them
                return
            self._used += len(hits)
            self._add(index, self._quoted_ranges(index, hits, settings))

    def _find_hits(self, n: int) -> None:
        """Read on in the ranking until n distinct hits are found, or MAX_PASSAGES, or its end."""
        sentences = self._ranking.sentences
        while len(self._hits) < min(n, MAX_PASSAGES) and self._read < len(sentences):
            chunk = sentences[self._read: self._read + max(HITS_READ_AT_ONCE, n - len(self._hits))]
            for order, (s, sentence) in enumerate(zip(chunk.tolist(), self._index.sentence_texts(chunk)), self._read):
                self._read = order + 1
                key = text.normalized(sentence)
                if key in self._seen_text:
                    continue  # a caption repeated in the body, the same line twice: one passage
                self._seen_text.add(key)
                self._hits.append((s, order))
                if len(self._hits) >= min(n, MAX_PASSAGES):
                    break

    def _quoted_ranges(self, index: SentenceIndex, hits: list[tuple[int, int]],
                       settings: AnswerSettings) -> list[tuple[int, int, int, int]]:
        """Each hit's quoted sentences: (first, last, hit, place in the ranking)."""
        # Quoted neighbours never repeat text.  The first page's hits are kept as passages of their own (a
        # neighbour that is one of them is not swallowed into another's quote); a later hit already quoted
        # as a neighbour above is not shown again.
        page, taken = self._page, self._taken
        ranges: list[tuple[int, int, int, int]] = []
        paragraphs = index.sent_para[np.array([s for s, _ in hits], dtype=np.int64)].astype(np.int64)
        starts, stops = index.para_first[paragraphs].tolist(), index.para_first[paragraphs + 1].tolist()
        for (s, order), start, stop in zip(hits, starts, stops):
            if s in taken and s not in page:
                continue
            first = last = s
            while first > start and s - first < settings.context_before and first - 1 not in taken:
                first -= 1
            while last < stop - 1 and last - s < settings.context_after and last + 1 not in taken:
                last += 1
            taken.update(range(first, last + 1))
            ranges.append((first, last, s, order))
        return ranges

    def _add(self, index: SentenceIndex, ranges: list[tuple[int, int, int, int]]) -> None:
        if not ranges:
            return
        first, last, hit, order = (np.array(column, dtype=np.int64) for column in zip(*ranges))
        ranking = self._ranking
        articles = index.para_article[index.sent_para[hit]].tolist()
        rows = zip(index.texts_between(first, last), index.sentence_texts(hit), articles, index.sent_start[hit].tolist(),
                   index.sent_end[hit].tolist(), index.sent_start[first].tolist(), index.sent_end[last].tolist(),
                   ranking.scores[order].tolist(), ranking.bm25[order].tolist())
        for quote, sentence, article, start, end, quote_start, quote_end, score, bm25 in rows:
            key = text.normalized(quote)
            if key in self._seen_quotes:
                continue
            self._seen_quotes.add(key)
            source = self._sources.get(article)
            if source is None:
                source = self._sources[article] = (index.source(article), index.also(article))
            self._made.append(Passage(quote=quote, sentence=sentence, start=start, end=end, quote_start=quote_start,
                                      quote_end=quote_end, score=round(score, 6), bm25=round(bm25, 6),
                                      source=source[0], also=source[1], asked=self._asked, known=index.surface_terms))


def matched_words(sentence: str, terms: Sequence[QueryTerm], known: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The sentence's own words (as written) whose index terms the question asked for (`known`: the
    index's surface word -> term map, which spares stemming words it has seen)."""
    wanted = {t.term for t in terms}
    found: list[str] = []
    for token in text.TOKEN_RE.findall(sentence):
        if token in found:
            continue
        term = text.known_term(text.fold(token), known)
        if term in wanted or (term is None and not wanted.isdisjoint(text.terms_of_token(token))):
            found.append(token)
    return tuple(found)
