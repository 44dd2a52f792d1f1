"""The answerer: a question in, ranked verbatim passages (or a refusal: nothing found) out.

A question is analyzed into weighted index terms (bot/answer/analysis.py: typos corrected, compounds,
related and derived words, carried words added), then runs through the answer stage in one direction: the ranker's candidates -> their order -> the no-answer
decision -> the sentences kept -> passages.  Returns data only; wording and markup belong to the front
ends.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

from bot import text
from bot.answer import decision
from bot.answer.analysis import MAX_QUESTION_CHARS, QueryAnalyzer
from bot.answer.passages import Answer, Passage, RankedPassages, Remaining
from bot.answer.query import NOTHING, QueryTerm, Ranking
from bot.answer.ranking import Ranker
from bot.config import AnswerSettings
from bot.corpus.types import Source
from bot.index.sentences import SentenceIndex

# Passages after the first must score at least this share of the best one ("more" stays relevant).
MIN_RELATIVE_SCORE = 0.3


class Answerer:
    """Ranks an index's sentences for questions; one per loaded index, shared by every session."""

    def __init__(self, index: SentenceIndex, settings: AnswerSettings):
        self.index = index
        self.settings = settings
        self.ranker = Ranker(index)
        self.analyzer = QueryAnalyzer(index)
        self._examples: dict[int, list[str]] = {}
        # Answers whose later passages are not made yet hold this index: when a live bot swaps in a
        # newer one, `finish_answers` makes them, so sessions' last answers no longer keep it in memory.
        self._unfinished: weakref.WeakSet[RankedPassages] = weakref.WeakSet()
        self._unfinished_lock = threading.Lock()  # (serving threads add while the watcher reads)

    def warm(self) -> None:
        """Make now what the first questions would otherwise make on the way (the kernel's length norms,
        the sorted vocabulary, one answer's buffers): a bot swapping in a new index calls it first, off
        the serving thread."""
        self.index.warm()
        self.analyzer.sorted_terms()
        if self.index.sentences.vocab:
            self.answer(next(iter(self.index.sentences.vocab)))

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
        """Question words -> weighted index terms (bot/answer/analysis.py), and the typos corrected."""
        return self.analyzer.analyze(question, carried)

    def holds(self, passage: Passage) -> bool:
        article = self.index.article_number(passage.source.path)
        if article is None or self.index.source(article) != passage.source:
            return False
        return self.index.article_text(article)[passage.quote_start:passage.quote_end] == passage.quote

    def answer(self, question: str, carried: tuple[QueryTerm, ...] = ()) -> Answer:
        """All passages for a question, best first; `passages` holds the first page."""
        terms, corrections = self.analyze(question, carried)
        searched = tuple(t.surface for t in terms if not t.carried and t.related is None)
        carried_words = tuple(t.surface for t in terms if t.carried)
        ranking = self.rank(terms, question[:MAX_QUESTION_CHARS])  # the words analyzed, no more
        if not ranking.found:
            return Answer(question, False, searched, tuple(corrections), carried_words=carried_words,
                          terms=tuple(terms), confidence=ranking.confidence)
        ranked = RankedPassages(self.index, ranking, terms, self.settings)  # made as they are shown
        with self._unfinished_lock:
            self._unfinished.add(ranked)
        passages = Remaining(ranked=ranked)
        return Answer(question, True, searched, tuple(corrections), remaining=passages, carried_words=carried_words,
                      terms=tuple(terms), confidence=ranking.confidence).first_page(self.page_size)

    def finish_answers(self) -> None:
        """Make every passage of the answers given so far that is not made yet: they let go of this
        index, which a swapped-out answerer's sessions would otherwise keep alive, one old index per
        reload, until each session's next question."""
        with self._unfinished_lock:
            pending = list(self._unfinished)
        for ranked in pending:
            ranked.all()

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
        order = self.ranker.naming_last(c, order)
        sentences, scores, bm25 = c.sentences[order], linear[order], c.features["bm25"][order]
        keep = scores >= MIN_RELATIVE_SCORE * scores[0]
        return Ranking(True, sentences[keep], scores[keep], bm25[keep], confidence)
