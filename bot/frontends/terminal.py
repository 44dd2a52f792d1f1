"""Answers and notices as terminal text: ANSI bold/colour on a colour terminal, none otherwise."""

from __future__ import annotations

import re
import shutil
import textwrap
from typing import Callable, Iterable

from bot.answer.passages import Answer, Passage
from bot.chat import HELP, Notice, Reply
from bot.corpus.types import Source

BOLD, HIGHLIGHT, DIM, RESET = "\033[1m", "\033[1;33m", "\033[2m", "\033[0m"
WIDTH = 100


def source_line(source: Source) -> str:
    parts = [source.title or source.path]
    parts += [p for p in (source.publisher, source.date) if p]
    if source.byline:
        parts.append(f"by {source.byline}")
    parts.append(source.path)
    if source.url and source.url.startswith(("http://", "https://")):  # where the page lives, to open it
        parts.append(source.url)
    return " · ".join(parts)


def _fold_ws(s: str) -> str:
    return " ".join(s.split())


# Markers that survive line wrapping and become ANSI codes afterwards, so colour never skews widths.
_BOLD_ON, _BOLD_OFF, _HL_ON, _HL_OFF = "\ue000", "\ue001", "\ue002", "\ue003"


def _mark(sentence: str, words: Iterable[str]) -> str:
    pattern = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    if pattern:
        sentence = re.sub(rf"(?<!\w)({pattern})(?!\w)", lambda m: _HL_ON + m.group(1) + _HL_OFF, sentence)
    return _BOLD_ON + sentence + _BOLD_OFF


def _paint(s: str, colour: bool) -> str:
    codes = {_BOLD_ON: BOLD, _BOLD_OFF: RESET, _HL_ON: HIGHLIGHT, _HL_OFF: RESET + BOLD} if colour else {}
    return re.sub("[\ue000-\ue003]", lambda m: codes.get(m.group(0), ""), s)


def passage_text(p: Passage, number: int, colour: bool) -> str:
    before = p.quote[: p.start - p.quote_start]
    after = p.quote[p.end - p.quote_start:]
    body = _fold_ws(before) + (" " if before.strip() else "")
    body += _mark(_fold_ws(p.sentence), p.terms)
    body += (" " if after.strip() else "") + _fold_ws(after)
    width = max(40, min(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns)) - 4
    quote = textwrap.fill(body, width, initial_indent="  > ", subsequent_indent="    ", break_on_hyphens=False)
    if colour:  # bold restarts on each line so a wrapped sentence stays bold in every terminal
        quote = quote.replace("\n", _BOLD_OFF + "\n" + _BOLD_ON) if _BOLD_ON in quote else quote
    src = textwrap.fill(source_line(p.source), width, initial_indent="    — ", subsequent_indent="      ",
                        break_long_words=False, break_on_hyphens=False)  # a web address stays whole
    if p.also:
        src += "\n    also in: " + "; ".join(s.path for s in p.also)
    return f"[{number}]\n{_paint(quote, colour)}\n{DIM + src + RESET if colour else src}"


def answer_text(answer: Answer, colour: bool) -> str:
    lines = []
    if answer.corrections:
        lines.append("Searched for: " + " ".join(answer.searched_for))
    if not answer.found:
        lines.append(Notice.NO_ANSWER.format())
        lines.append(Notice.NO_ANSWER_HINT.format(sources=":sources"))
        return "\n".join(lines)
    if answer.unsure and answer.shown_before == 0:
        lines.append(Notice.UNSURE.format())
    for i, p in enumerate(answer.passages):
        lines.append(passage_text(p, answer.shown_before + 1 + i, colour))
    if answer.has_more:
        lines.append(f"({len(answer.remaining)} more: type :more)")
    return "\n\n".join(lines)


def notice_text(notice: Notice, example: Callable[[], str]) -> str:
    """A notice in words; `example` is asked for only when the notice shows one."""
    return notice.format(example=example()) if notice is Notice.EMPTY else notice.format()


def reply_text(reply: Reply, colour: bool, example: Callable[[], str]) -> str:
    if reply.answer is not None:
        said = notice_text(reply.notice, example) + "\n\n" if reply.notice is not None else ""
        return said + answer_text(reply.answer, colour)
    assert reply.notice is not None
    return notice_text(reply.notice, example)


def help_text(example: str) -> str:
    return HELP.format(example=example, more=":more", sources=":sources") + "\n:help shows this, :quit or Ctrl-D leaves."


def sources_text(sources: list[Source]) -> str:
    return "\n".join(f"{i}. {source_line(s)}" for i, s in enumerate(sources, 1))


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def _names(names: tuple[str, ...], shown: int = 5) -> str:
    listed = ", ".join(names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")


def status_text(status) -> str:
    """`quotebot status`: the segments, then what waits to be indexed, then what a merge would need."""
    segments = status.segments
    lines = [f"Index {status.index_dir}: {status.articles:,} articles, {status.sentences:,} sentences, "
             f"in {len(segments)} {'segment' if len(segments) == 1 else 'segments'}"]
    for s in segments:
        lines.append(f"  {s.name}  {s.files:>8,} {'file ' if s.files == 1 else 'files'}  {s.sentences:>11,} sentences  "
                     f"{100 * s.dead_share:5.1f} % deleted  {_size(s.bytes):>9}")
    waiting = [(status.added, "added"), (status.edited, "edited"), (status.deleted, "deleted")]
    if any(names for names, _ in waiting):
        lines.append("Not indexed yet: " + "; ".join(f"{len(names)} {what} ({_names(names)})"
                                                     for names, what in waiting if names))
    else:
        lines.append("Nothing waits: the index holds every article in the folder as it is now.")
    lines.append(f"A full merge would need about {_size(status.merge_bytes)} of free disk ({_size(status.free_bytes)} free).")
    return "\n".join(lines)
