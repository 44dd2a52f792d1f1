"""What an answer is made of: passages quoted verbatim from the articles, and the answer that holds
them; and how ranked sentences become passages (each hit with its neighbouring sentences).

Data only; wording and markup belong to the front ends.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from bot import text
from bot.answer.query import QueryTerm, Ranking
from bot.config import AnswerSettings
from bot.corpus.types import Source
from bot.index.sentences import SentenceIndex

# How many passages one question keeps ready (the first page plus what "more" pages through).
MAX_PASSAGES = 30


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


@dataclass(frozen=True)
class Answer:
    question: str
    found: bool
    searched_for: tuple[str, ...]  # words searched, after typo correction, as a person reads them
    corrections: tuple[tuple[str, str], ...] = ()  # (typed, searched instead)
    passages: tuple[Passage, ...] = ()
    remaining: tuple[Passage, ...] = field(default=(), repr=False)  # ready for "more"
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
        return bool(self.remaining)

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
        ahead = (self.passages + self.remaining)[start - self.shown_before:]
        k = len(ahead) if k is None else k
        return replace(self, passages=ahead[:k], remaining=ahead[k:], shown_before=start)

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


def build_passages(index: SentenceIndex, ranking: Ranking, terms: Sequence[QueryTerm],
                   settings: AnswerSettings) -> list[Passage]:
    """The ranking's sentences as passages, best first: each hit quoted with up to
    settings.context_before / context_after neighbouring sentences of its paragraph, no text twice."""
    hits = _distinct_hits(index, ranking)
    ranges = _quoted_ranges(index, hits, settings)
    if not ranges:
        return []
    first, last, hit, order = (np.array(column, dtype=np.int64) for column in zip(*ranges))
    # every look-up done once for all passages: some thirty are made a question, most never shown
    articles = index.para_article[index.sent_para[hit]].tolist()
    rows = zip(index.texts_between(first, last), index.sentence_texts(hit), articles, index.sent_start[hit].tolist(),
               index.sent_end[hit].tolist(), index.sent_start[first].tolist(), index.sent_end[last].tolist(),
               ranking.scores[order].tolist(), ranking.bm25[order].tolist())
    passages = []
    asked = tuple(terms)
    seen_quotes: set[str] = set()
    sources: dict[int, tuple[Source, tuple[Source, ...]]] = {}  # the passages share a few articles
    for quote, sentence, article, start, end, quote_start, quote_end, score, bm25 in rows:
        key = text.normalized(quote)
        if key in seen_quotes:
            continue
        seen_quotes.add(key)
        source = sources.get(article)
        if source is None:
            source = sources[article] = (index.source(article), index.also(article))
        passages.append(Passage(quote=quote, sentence=sentence, start=start, end=end, quote_start=quote_start,
                                quote_end=quote_end, score=round(score, 6), bm25=round(bm25, 6),
                                source=source[0], also=source[1], asked=asked, known=index.surface_terms))
    return passages


def _distinct_hits(index: SentenceIndex, ranking: Ranking) -> list[tuple[int, int]]:
    """Up to MAX_PASSAGES of the ranking's sentences with distinct text: (sentence, place in the ranking)."""
    hits: list[tuple[int, int]] = []
    seen_text: set[str] = set()
    for order, (s, sentence) in enumerate(zip(ranking.sentences.tolist(), index.sentence_texts(ranking.sentences))):
        key = text.normalized(sentence)
        if key in seen_text:
            continue  # a caption repeated in the body, the same line twice: one passage
        seen_text.add(key)
        hits.append((s, order))
        if len(hits) >= MAX_PASSAGES:
            break
    return hits


def _quoted_ranges(index: SentenceIndex, hits: list[tuple[int, int]],
                   settings: AnswerSettings) -> list[tuple[int, int, int, int]]:
    """Each hit's quoted sentences: (first, last, hit, place in the ranking)."""
    # Quoted neighbours never repeat text.  The first page's hits are kept as passages of their own (a
    # neighbour that is one of them is not swallowed into another's quote); a later hit already quoted
    # as a neighbour above is not shown again.
    page = {s for s, _ in hits[: settings.top_k]}
    taken = set(page)
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
