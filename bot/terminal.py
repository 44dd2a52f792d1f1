"""Answers and notices as terminal text: ANSI bold/colour on a colour terminal, plain otherwise."""

from __future__ import annotations

import re
import textwrap
from typing import Iterable

from bot.answer import Answer, Passage
from bot.chat import HELP, Notice, Reply
from bot.corpus import Source

BOLD, HIGHLIGHT, DIM, RESET = "\033[1m", "\033[1;33m", "\033[2m", "\033[0m"
WIDTH = 100


def source_line(source: Source) -> str:
    parts = [source.title or source.path]
    parts += [p for p in (source.publisher, source.date) if p]
    if source.byline:
        parts.append(f"by {source.byline}")
    parts.append(source.path)
    return " · ".join(parts)


def _fold_ws(s: str) -> str:
    return " ".join(s.split())


def _highlight(sentence: str, words: Iterable[str], colour: bool) -> str:
    if not colour:
        return sentence
    pattern = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    if pattern:
        sentence = re.sub(rf"(?<!\w)({pattern})(?!\w)", lambda m: HIGHLIGHT + m.group(1) + RESET + BOLD, sentence)
    return BOLD + sentence + RESET


def passage_text(p: Passage, number: int, colour: bool) -> str:
    before = p.quote[: p.start - p.quote_start]
    after = p.quote[p.end - p.quote_start:]
    body = _fold_ws(before) + (" " if before.strip() else "")
    body += _highlight(_fold_ws(p.sentence), p.terms, colour)
    body += (" " if after.strip() else "") + _fold_ws(after)
    quote = textwrap.fill(body, WIDTH - 4, initial_indent="  > ", subsequent_indent="    ") if not colour else "  > " + body
    src = f"    — {source_line(p.source)}"
    if p.also:
        src += "\n    also in: " + "; ".join(s.path for s in p.also)
    return f"[{number}]\n{quote}\n{DIM + src + RESET if colour else src}"


def answer_text(answer: Answer, colour: bool) -> str:
    lines = []
    if answer.corrections:
        lines.append("Searched for: " + " ".join(answer.searched_for))
    if not answer.found:
        lines.append(Notice.NO_ANSWER.format())
        lines.append(Notice.NO_ANSWER_HINT.format(sources=":sources"))
        return "\n".join(lines)
    for i, p in enumerate(answer.passages):
        lines.append(passage_text(p, answer.shown_before + 1 + i, colour))
    if answer.has_more:
        lines.append(f"({len(answer.remaining)} more: type :more)")
    return "\n\n".join(lines)


def reply_text(reply: Reply, colour: bool, example: str = "") -> str:
    if reply.answer is not None:
        return answer_text(reply.answer, colour)
    assert reply.notice is not None
    return reply.notice.format(example=example) if reply.notice is Notice.EMPTY else reply.notice.format()


def help_text(example: str) -> str:
    return HELP.format(example=example, more=":more", sources=":sources") + "\n:help shows this, :quit or Ctrl-D leaves."


def sources_text(sources: list[Source]) -> str:
    return "\n".join(f"{i}. {source_line(s)}" for i, s in enumerate(sources, 1))
