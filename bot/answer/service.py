"""What the chat sessions, the front ends and the evaluation use of an answerer, as one protocol.

`Answerer` (one loaded index) and `LiveAnswerer` (the newest index of a folder it follows) both
satisfy it; nothing above the answer stage needs to know which one it was given.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.answer.passages import Answer, Passage
from bot.answer.query import QueryTerm
from bot.corpus.types import Source


@runtime_checkable
class AnswerService(Protocol):
    """Questions in, answers out, and what a front end says about the corpus."""

    @property
    def article_count(self) -> int: ...

    @property
    def sentence_count(self) -> int: ...

    @property
    def page_size(self) -> int:
        """Passages per page: the first page of an answer, and each "more" after it."""
        ...

    def sources(self) -> list[Source]:
        """The articles, in index order."""
        ...

    def example_questions(self, n: int = 3) -> list[str]:
        """Up to n questions this corpus can answer, to suggest to people."""
        ...

    def answer(self, question: str, carried: tuple[QueryTerm, ...] = ()) -> Answer:
        """Every passage for the question, best first, its first page shown (see `Answer.page`);
        `carried`: words taken over from the conversation's previous question."""
        ...

    def holds(self, passage: Passage) -> bool:
        """Whether the articles still say this passage where it says, from the same source (an answer
        kept for "more" may be older than the articles: the folder is followed while a bot runs)."""
        ...
