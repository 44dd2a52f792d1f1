"""The answerer: a question in, ranked verbatim passages (or a plain "nothing found") out.

Returns data only; wording and markup belong to the front ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from bot import text
from bot.config import AnswerSettings
from bot.corpus.types import Source
from bot.index.sentences import SentenceIndex
from bot.answer.ranking import Ranker, QueryTerm

# Questions are cut to this many characters and distinct terms before searching: a 100 KB paste
# must be answered in normal time, and nobody asks about forty things at once.
MAX_QUESTION_CHARS = 2000
MAX_QUERY_TERMS = 32
# How many passages one question keeps ready (the first page plus what "more" pages through).
MAX_PASSAGES = 30
CORRECTED_WEIGHT = 0.6


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
    context: tuple[str, ...] = ()  # words carried over from the previous question
    terms: tuple[QueryTerm, ...] = field(default=(), repr=False)
    shown_before: int = 0  # passages of this answer already shown on earlier pages

    @property
    def has_more(self) -> bool:
        return bool(self.remaining)

    def first_page(self, k: int) -> "Answer":
        """The same answer with its first k passages shown and the rest kept for "more"."""
        every = self.passages + self.remaining
        return replace(self, passages=every[:k], remaining=every[k:], shown_before=0)

    def next_page(self, k: int) -> "Answer":
        """The following k passages of the same answer."""
        return replace(self, passages=self.remaining[:k], remaining=self.remaining[k:],
                       shown_before=self.shown_before + len(self.passages))


class Answerer:
    """Ranks an index's sentences for questions; one per loaded index, shared by every session."""

    def __init__(self, index: SentenceIndex, settings: AnswerSettings):
        self.index = index
        self.settings = settings
        self.ranker = Ranker(index)
        self._examples: dict[int, list[str]] = {}

    # -- what front ends may ask about the corpus --------------------------------------------------
    @property
    def article_count(self) -> int:
        return self.index.article_count

    @property
    def sentence_count(self) -> int:
        return self.index.sentence_count

    def sources(self) -> list[Source]:
        return self.index.sources()

    def example_questions(self, n: int = 3) -> list[str]:
        """Questions drawn from this index (a scan of up to 20,000 sentences, so kept once drawn)."""
        from bot.answer.examples import example_questions

        if n not in self._examples:
            self._examples[n] = example_questions(self.index, n)
        return self._examples[n]

    # -- answering ---------------------------------------------------------------------------------
    def analyze(self, question: str, carried: tuple[QueryTerm, ...] = ()) -> tuple[list[QueryTerm], list[tuple[str, str]]]:
        """Question words -> weighted index terms, with typos corrected against the vocabulary."""
        vocab = self.index.sentences.vocab
        seen: set[str] = set()
        out: list[QueryTerm] = []
        corrections: list[tuple[str, str]] = []
        for word in text.query_words(question[:MAX_QUESTION_CHARS]):  # display is always set here
            if word.term in seen:
                continue
            if word.term in vocab:
                term = QueryTerm(word.display, word.term, 1.0)
            else:
                fix = self.index.speller.correct(word.surface)
                fixed_term = self.index.surface_terms.get(fix.word) if fix else None
                if fix and fixed_term in vocab and fixed_term not in seen:
                    term = QueryTerm(fix.word, fixed_term, CORRECTED_WEIGHT, typed=word.display)
                    corrections.append((word.display, fix.word))
                else:
                    term = QueryTerm(word.display, word.term, 1.0)
            seen.add(term.term)
            out.append(term)
            if len(out) >= MAX_QUERY_TERMS:
                break
        out.extend(t for t in carried if t.term not in seen)
        return out, corrections

    def answer(self, question: str, carried: tuple[QueryTerm, ...] = ()) -> Answer:
        """All passages for a question, best first; `passages` holds the first page."""
        terms, corrections = self.analyze(question, carried)
        searched = tuple(t.surface for t in terms if not t.carried)
        context = tuple(t.surface for t in terms if t.carried)
        ranking = self.ranker.rank(terms, question[:MAX_QUESTION_CHARS])  # the words analysed, no more
        if not ranking.found:
            return Answer(question, False, searched, tuple(corrections), context=context, terms=tuple(terms))
        passages = self._passages(ranking.sentences, ranking.scores, ranking.bm25, terms)
        k = self.settings.top_k
        return Answer(question, True, searched, tuple(corrections), tuple(passages[:k]),
                      tuple(passages[k:]), context, tuple(terms))

    def _passages(self, sentences: np.ndarray, scores: np.ndarray, bm25: np.ndarray,
                  terms: list[QueryTerm]) -> list[Passage]:
        index = self.index
        hits: list[tuple[int, int]] = []  # (sentence, rank order)
        seen_text: set[str] = set()
        for order, s in enumerate(int(x) for x in sentences):
            key = text.normalized(index.sentence_text(s))
            if key in seen_text:
                continue  # a caption repeated in the body, the same line twice: one passage
            seen_text.add(key)
            hits.append((s, order))
            if len(hits) >= MAX_PASSAGES:
                break
        # Context never repeats text.  The first page's hits are kept as passages of their own (a
        # neighbour that is one of them is not swallowed as context); a later hit already quoted as
        # context above is not shown again.
        page = {s for s, _ in hits[: self.settings.top_k]}
        taken = set(page)
        ranges: list[tuple[int, int, int, int]] = []
        for s, order in hits:
            if s in taken and s not in page:
                continue
            para = index.paragraph_sentences(int(index.sent_para[s]))
            first = last = s
            while first > para.start and s - first < self.settings.context_before and first - 1 not in taken:
                first -= 1
            while last < para.stop - 1 and last - s < self.settings.context_after and last + 1 not in taken:
                last += 1
            taken.update(range(first, last + 1))
            ranges.append((first, last, s, order))
        passages = []
        asked = tuple(terms)
        seen_quotes: set[str] = set()
        for first, last, hit, order in ranges:
            quote = index.text_between(first, last)
            key = text.normalized(quote)
            if key in seen_quotes:
                continue
            seen_quotes.add(key)
            span = index.span(hit)
            sentence = index.sentence_text(hit)
            passages.append(Passage(
                quote=quote,
                sentence=sentence,
                start=span.start,
                end=span.end,
                quote_start=int(index.sent_start[first]),
                quote_end=int(index.sent_end[last]),
                score=round(float(scores[order]), 6),
                bm25=round(float(bm25[order]), 6),
                source=index.source(span.article),
                also=index.also(span.article),
                asked=asked,
                known=index.surface_terms,
            ))
        return passages


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
