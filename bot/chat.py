"""Conversations: per-user state (last question, its passages), follow-ups, "more", and the wording
that every front end shares.  Markup stays with each front end.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Hashable

from bot.answer.passages import Answer
from bot.answer.query import QueryTerm
from bot.answer.service import AnswerService

# A follow-up is short and leans on the question before it ("and in 2013?", "what about X?").
FOLLOW_UP_CUE = re.compile(r"^\s*(?:and|also|but|so|what about|how about|and what about|what of|and how about)\b", re.I)
FOLLOW_UP_MAX_WORDS = 4
CARRIED_WEIGHT = 0.5
MORE_WORDS = frozenset({"more", "more please", "next", "tell me more", "show more", ":more", "/more"})


class Notice(Enum):
    """Things the bot says in its own words, identical in every front end."""

    EMPTY = "Ask me something about the articles, for example: {example}"
    NO_ANSWER = "I found nothing about that in these articles."
    NO_ANSWER_HINT = "Try other words, or see which articles I know with {sources}."
    NO_MORE = "That's all I found for that question."
    UNSURE = "This may not answer it exactly:"
    NOTHING_BEFORE = "Ask a question first; then I can show more passages for it."
    CHANGED = "The articles changed since that answer, so I asked again:"

    def format(self, **values: str) -> str:
        return self.value.format(**values) if values else self.value


HELP = """I answer questions about a collection of news articles by quoting them word for word.
Ask a question in plain words, e.g. "{example}".
Each answer quotes the best passages, the best sentence marked, with its source.
A short follow-up ("and in 2013?", "what about the defense minister?") continues the last question.
{more} shows further passages for the last question; {sources} lists the articles."""


def is_more_request(message: str) -> bool:
    return " ".join(message.lower().split()).rstrip(".!?") in MORE_WORDS


@dataclass(frozen=True)
class Reply:
    """What a session says back: an answer (found or not), or one of the notices, or both (a notice
    said before the answer)."""

    answer: Answer | None = None
    notice: Notice | None = None


class ChatSession:
    """One person's conversation: remembers the last question and pages through its passages."""

    def __init__(self, answerer: AnswerService, page_size: int | None = None):
        self.answerer = answerer
        self.page_size = page_size or answerer.page_size
        self.last: Answer | None = None  # the page shown last
        self.last_terms: tuple[QueryTerm, ...] = ()
        self.touched = time.monotonic()

    def handle(self, message: str) -> Reply:
        """A line typed by the user: "more", or a question."""
        return self.more() if is_more_request(message) else self.ask(message)

    def ask(self, question: str) -> Reply:
        self.touched = time.monotonic()
        if not question.strip():
            return Reply(notice=Notice.EMPTY)
        answer = self.answerer.answer(question)
        if self.last_terms and self._is_follow_up(question, answer):
            carried = tuple(QueryTerm(t.surface, t.term, t.weight * CARRIED_WEIGHT, t.typed, carried=True)
                            for t in self.last_terms if t.related is None)
            combined = self.answerer.answer(question, carried)
            if combined.found:
                answer = combined
        answer = answer.page(0, self.page_size)
        if answer.searched_for:
            self.last = answer
            if not answer.carried_words:  # a follow-up keeps leaning on the question it followed
                self.last_terms = answer.terms
        return Reply(answer=answer)

    def _is_follow_up(self, question: str, alone: Answer) -> bool:
        short = len(alone.searched_for) <= FOLLOW_UP_MAX_WORDS
        return short and (FOLLOW_UP_CUE.match(question) is not None or not alone.found)

    def more(self) -> Reply:
        """The next page of the last question."""
        self.touched = time.monotonic()
        if self.last is None:
            return Reply(notice=Notice.NOTHING_BEFORE)
        if not self.last.found or not self.last.has_more:
            return Reply(notice=Notice.NO_MORE)
        following = self.last.page(self.last.shown, self.page_size)
        if not all(self.answerer.holds(p) for p in following.passages):  # never quote what is no longer so
            carried = tuple(t for t in self.last.terms if t.carried)
            self.last = self.answerer.answer(self.last.question, carried).page(0, self.page_size)
            return Reply(answer=self.last, notice=Notice.CHANGED)
        self.last = following
        return Reply(answer=self.last)

    def more_after(self, question: str, carried: tuple[QueryTerm, ...], shown: int, page_start: int = 0,
                   page_key: str | None = None) -> Reply:
        """The page after the first `shown` passages of a question asked earlier, perhaps before a
        restart (a Telegram More button): asked again, and "more" goes on from that page.  With the
        `page_key` of the page that was shown then (its first passage: `page_start`): when the question
        asked again shows another page there, the articles changed; then it says so and starts over."""
        self.touched = time.monotonic()
        fresh = self.answerer.answer(question, carried)
        if page_key is not None and fresh.page(page_start, shown - page_start).page_key != page_key:
            self.last = fresh.page(0, self.page_size)
            return Reply(answer=self.last, notice=Notice.CHANGED)
        self.last = fresh.page(shown, self.page_size)
        return Reply(answer=self.last) if self.last.passages else Reply(notice=Notice.NO_MORE)


class Sessions:
    """Sessions by key (user or chat id), bounded: least recently used dropped, idle ones expired."""

    def __init__(self, factory: Callable[[], ChatSession], max_sessions: int, idle_seconds: float):
        self.factory = factory
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self._sessions: OrderedDict[Hashable, ChatSession] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> ChatSession:
        now = time.monotonic()
        with self._lock:
            session = self._sessions.pop(key, None)
            if session is None or now - session.touched > self.idle_seconds:
                session = self.factory()
            self._sessions[key] = session
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            self._expire(now)
            return session

    def _expire(self, now: float) -> None:
        while self._sessions:
            key, oldest = next(iter(self._sessions.items()))
            if now - oldest.touched <= self.idle_seconds:
                break
            del self._sessions[key]

    def __len__(self) -> int:
        return len(self._sessions)
