"""A question's words -> the weighted index terms it is searched with.

Each word is taken as the index holds it, or written the other way (a compound, or two words the
index has as one), or corrected as a typo (weighing less: the correction may be wrong); a word the
index has never seen also stands for its derivational forms ("testified" -> "testimony"); then the
answers' words for the question's words are added (related terms, bot/answer/expansion.py), and words
carried over from the conversation.  Related, derived, corrected and carried terms never alone make an
answer: the no-answer decision reads only the words as typed for that.
"""

from __future__ import annotations

import bisect
import math

from bot import text
from bot.answer import expansion
from bot.answer.query import QueryTerm
from bot.index.sentences import SentenceIndex

# Questions are cut to this many characters and distinct terms before searching: a 100 KB paste
# must be answered in normal time, and nobody asks about forty things at once.
MAX_QUESTION_CHARS = 2000
MAX_QUERY_TERMS = 32
# A corrected word counts for less than one typed as the corpus spells it: the correction may be wrong.
CORRECTED_WEIGHT = 0.6
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


class QueryAnalyzer:
    """Turns questions into query terms against one index's vocabulary."""

    def __init__(self, index: SentenceIndex):
        self.index = index
        self._sorted_terms: list[str] | None = None  # the vocabulary in order, for prefix lookups
        self._surfaces: dict[str, list[str]] | None = None  # index term -> the words that have it

    def analyze(self, question: str, carried: tuple[QueryTerm, ...] = ()) -> tuple[list[QueryTerm], list[tuple[str, str]]]:
        """Question words -> weighted index terms, and the (typed, searched) typo corrections."""
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
        for t in derived:  # two unknown words may share a derived form: it is searched once
            if t.term not in seen:
                seen.add(t.term)
                out.append(t)
        out.extend(self._related(out, seen))
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
        self.sorted_terms()
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

    def sorted_terms(self) -> list[str]:
        """The vocabulary in order, made when first needed (or by Answerer.warm)."""
        if self._sorted_terms is None:
            self._sorted_terms = sorted(self.index.sentences.vocab)
        return self._sorted_terms

    def _surface_of(self, term: str) -> str:
        """A word of the articles that has the term (the shortest), for people; the term when none."""
        if self._surfaces is None:
            surfaces: dict[str, list[str]] = {}
            for surface, t in self.index.surface_terms.items():
                surfaces.setdefault(t, []).append(surface)
            self._surfaces = surfaces
        for surface in sorted(self._surfaces.get(term, ()), key=lambda s: (len(s), s)):
            if self.index.surface_live(surface):
                return surface
        return term

    def _related(self, asked: list[QueryTerm], seen: set[str]) -> list[QueryTerm]:
        """The answers' words for the question's words, where the index holds them (strongest first)."""
        vocab = self.index.sentences.vocab
        table = expansion.table()
        best: dict[str, QueryTerm] = {}  # a related term of two question words: for the one it weighs most
        for t in asked:
            if t.related is not None:
                continue  # no related terms of related or derived ones
            for r in table.related(t.term):
                if r.term in vocab and r.term not in seen:
                    weight = t.weight * RELATED_WEIGHT * min(1.0, r.share / RELATED_FULL_STRENGTH)
                    if weight >= MIN_RELATED_WEIGHT and (r.term not in best or weight > best[r.term].weight):
                        best[r.term] = QueryTerm(r.surface, r.term, weight, related=t.term)
        chosen = sorted(best.values(), key=lambda q: -q.weight)[:MAX_RELATED_TERMS]
        seen.update(q.term for q in chosen)
        return chosen
