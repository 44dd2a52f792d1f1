"""The answerer: a question in, ranked verbatim passages (or a refusal: nothing found) out.

A question is analyzed into weighted index terms (typos corrected, carried words added), then runs
through the answer stage in one direction: the ranker's candidates -> their order -> the no-answer
decision -> the sentences kept -> passages.  Returns data only; wording and markup belong to the front
ends.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from bot import text
from bot.answer import decision, expansion
from bot.answer.passages import Answer, build_passages
from bot.answer.query import NOTHING, QueryTerm, Ranking
from bot.answer.ranking import Ranker
from bot.config import AnswerSettings
from bot.corpus.types import Source
from bot.index.sentences import SentenceIndex

# Questions are cut to this many characters and distinct terms before searching: a 100 KB paste
# must be answered in normal time, and nobody asks about forty things at once.
MAX_QUESTION_CHARS = 2000
MAX_QUERY_TERMS = 32
# A corrected word counts for less than one typed as the corpus spells it: the correction may be wrong.
CORRECTED_WEIGHT = 0.6
# Passages after the first must score at least this share of the best one ("more" stays relevant).
MIN_RELATIVE_SCORE = 0.3
# A related term (the answers' word for a question's word) weighs at most this, less than a corrected
# word: it stands for what was asked, it was not asked.  It weighs that much at a pair strength of
# RELATED_FULL_STRENGTH or more (fit_associations.py), proportionally less below.
RELATED_WEIGHT = 0.5
RELATED_FULL_STRENGTH = 0.15
# At most this many related terms a question, none weighing less than MIN_RELATED_WEIGHT: each is one
# more term to search and look up in every candidate, and a faint one moves nothing.
MAX_RELATED_TERMS = 4
MIN_RELATED_WEIGHT = 0.2
# Derivational forms the stemmer leaves apart ("testified" -> testifi, "testimony" -> testimoni): a
# word the index does not hold stands also for index words sharing its first DERIVED_PREFIX letters or
# more (and DERIVED_SHARE of its stem), at most DERIVED_TERMS of them, the commonest first.
DERIVED_PREFIX = 5
DERIVED_SHARE = 0.7
DERIVED_TERMS = 2


class Answerer:
    """Ranks an index's sentences for questions; one per loaded index, shared by every session."""

    def __init__(self, index: SentenceIndex, settings: AnswerSettings):
        self.index = index
        self.settings = settings
        self.ranker = Ranker(index)
        self._examples: dict[int, list[str]] = {}
        self._sorted_terms: list[str] | None = None  # the vocabulary in order, for prefix lookups
        self._surfaces: dict[str, str] | None = None  # index term -> a word that has it

    # -- what front ends may ask about the corpus --------------------------------------------------
    @property
    def article_count(self) -> int:
        return self.index.article_count

    @property
    def sentence_count(self) -> int:
        return self.index.sentence_count

    @property
    def page_size(self) -> int:
        """Passages per page: an answer's first page, and each "more"."""
        return self.settings.top_k

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
        derived: list[QueryTerm] = []
        parts: list[str] = []  # the parts of a hyphenated word found as one: not words of their own
        for word in self._joined(text.query_words(question[:MAX_QUESTION_CHARS]), question):
            if word.surface in parts:
                parts.remove(word.surface)
                continue
            if word.term in seen:
                continue
            compound = None if word.term in vocab else next(
                (t for t in text.compound_terms(word.surface) if t in vocab and t not in seen), None)
            if word.term in vocab:
                term = QueryTerm(word.display, word.term, 1.0)
            elif compound is not None:  # "hardliners" where the articles write "hard-liners", and back
                term = QueryTerm(word.display, compound, 1.0)
                parts = [p for p in word.surface.split("-") if p] if "-" in word.surface else []
            else:
                fix = self.index.speller.correct(word.surface)
                fixed_term = self.index.surface_terms.get(fix.word) if fix else None
                if fix and fixed_term in vocab and fixed_term not in seen:
                    term = QueryTerm(fix.word, fixed_term, CORRECTED_WEIGHT, typed=word.display)
                    corrections.append((word.display, fix.word))
                else:
                    term = QueryTerm(word.display, word.term, 1.0)
                    derived.extend(QueryTerm(self._surface_of(d), d, RELATED_WEIGHT, related=word.term)
                                   for d in self._derived(word.term))
            seen.add(term.term)
            out.append(term)
            if len(out) >= MAX_QUERY_TERMS:
                break
        related = self._related(out, seen)
        out.extend([t for t in derived if t.term not in seen] + related)
        out.extend(t for t in carried if t.term not in seen)
        return out, corrections

    def _joined(self, words: list[text.Word], question: str) -> list[text.Word]:
        """Two adjacent question words the index holds only written as one ("hard liners" where the
        articles write "hardliners" or "hard-liners") become that one word."""
        vocab = self.index.sentences.vocab
        folded = text.fold(question)
        out: list[text.Word] = []
        i = 0
        while i < len(words):
            a = words[i]
            b = words[i + 1] if i + 1 < len(words) else None
            if (b is not None and (a.term not in vocab or b.term not in vocab) and a.surface.isalpha()
                    and b.surface.isalpha() and f"{a.surface} {b.surface}" in folded):
                joined = next((t for t in (f"{a.term}-{b.term}", *text.compound_terms(f"{a.surface}-{b.surface}"))
                               if t in vocab), None)
                if joined is not None:
                    out.append(text.Word(f"{a.surface}-{b.surface}", joined, f"{a.display} {b.display}"))
                    i += 2
                    continue
            out.append(a)
            i += 1
        return out

    def _derived(self, term: str) -> list[str]:
        """Index terms that look like derivations of an unknown word's stem (see DERIVED_PREFIX)."""
        if not term.isalpha() or len(term) < DERIVED_PREFIX + 1:
            return []
        if self._sorted_terms is None:
            self._sorted_terms = sorted(self.index.sentences.vocab)
        k = max(DERIVED_PREFIX, math.ceil(DERIVED_SHARE * len(term)))
        prefix = term[:k]
        at = bisect.bisect_left(self._sorted_terms, prefix)
        found = []
        for t in self._sorted_terms[at:at + 50]:
            if not t.startswith(prefix):
                break
            if t.isalpha() and len(t) <= len(term) + 4:
                found.append(t)
        idf = self.index.sentences.idf
        vocab = self.index.sentences.vocab
        return sorted(found, key=lambda t: (idf[vocab[t]], t))[:DERIVED_TERMS]

    def _surface_of(self, term: str) -> str:
        """A word of the articles that has the term (the shortest), for people; the term when none."""
        if self._surfaces is None:
            surfaces: dict[str, str] = {}
            for surface, t in self.index.surface_terms.items():
                if t not in surfaces or (len(surface), surface) < (len(surfaces[t]), surfaces[t]):
                    surfaces[t] = surface
            self._surfaces = surfaces
        return self._surfaces.get(term, term)

    def _related(self, asked: list[QueryTerm], seen: set[str]) -> list[QueryTerm]:
        """The answers' words for the question's words, where the index holds them (strongest first)."""
        vocab = self.index.sentences.vocab
        table = expansion.table()
        found: list[tuple[float, QueryTerm]] = []
        for t in asked:
            for r in table.related(t.term):
                if r.term in vocab and r.term not in seen:
                    seen.add(r.term)
                    weight = t.weight * RELATED_WEIGHT * min(1.0, r.share / RELATED_FULL_STRENGTH)
                    if weight >= MIN_RELATED_WEIGHT:
                        found.append((weight, QueryTerm(r.surface, r.term, weight, related=t.term)))
        found.sort(key=lambda x: -x[0])
        return [t for _, t in found[:MAX_RELATED_TERMS]]

    def answer(self, question: str, carried: tuple[QueryTerm, ...] = ()) -> Answer:
        """All passages for a question, best first; `passages` holds the first page."""
        terms, corrections = self.analyze(question, carried)
        searched = tuple(t.surface for t in terms if not t.carried and t.related is None)
        carried_words = tuple(t.surface for t in terms if t.carried)
        ranking = self.rank(terms, question[:MAX_QUESTION_CHARS])  # the words analyzed, no more
        if not ranking.found:
            return Answer(question, False, searched, tuple(corrections), carried_words=carried_words,
                          terms=tuple(terms), confidence=ranking.confidence)
        passages = build_passages(self.index, ranking, terms, self.settings)
        return Answer(question, True, searched, tuple(corrections), tuple(passages), carried_words=carried_words,
                      terms=tuple(terms), confidence=ranking.confidence).first_page(self.page_size)

    def rank(self, terms: list[QueryTerm], question: str) -> Ranking:
        """The candidates in their final order; when the best one answers the question (`found`), only
        those scoring at least MIN_RELATIVE_SCORE of the best."""
        c = self.ranker.candidates(terms, question)
        if c is None:
            return NOTHING
        order, linear = self.ranker.order(c)
        confidence = decision.confidence(terms, question, c, order, linear[order])
        if confidence < decision.threshold():
            about = decision.about_topic(terms, c)[order] if text.is_topic_request(question) else None
            if about is None or not about.any():
                return Ranking(False, c.sentences[order], linear[order], c.features["bm25"][order], confidence)
            order = np.concatenate([order[about], order[~about]])  # what is about the topic first
        sentences, scores, bm25 = c.sentences[order], linear[order], c.features["bm25"][order]
        keep = scores >= MIN_RELATIVE_SCORE * scores[0]
        return Ranking(True, sentences[keep], scores[keep], bm25[keep], confidence)
