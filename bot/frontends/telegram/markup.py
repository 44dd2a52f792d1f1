"""Answers and notices as Telegram HTML: pure functions, no I/O.

Telegram counts a message's length in UTF-16 code units of its text *after* entity parsing
(tags removed, `&lt;` counted as one character), at most 4096.  Replies are split on passage
boundaries, never inside a tag; a single passage too long for one message is cut at a sentence
boundary and marked with "…".
"""

from __future__ import annotations

import html
import re
from typing import Iterable

from bot.answer.passages import Answer, Passage
from bot.chat import HELP, Notice, Reply
from bot.corpus.types import Source

MAX_MESSAGE = 4096
ELLIPSIS = "…"
_TAG = re.compile(r"<[^>]*>")
_SENTENCE_END = re.compile(r"(?<=[.!?…\"”’)\]])\s+")
_WORD_GAP = re.compile(r"\s+")


def esc(s: str) -> str:
    return html.escape(s, quote=False)


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def visible(html_text: str) -> str:
    """The text Telegram shows for our HTML (we only ever produce escaped text between tags)."""
    return html.unescape(_TAG.sub("", html_text))


def visible_len(html_text: str) -> int:
    return utf16_len(visible(html_text).strip())


def strip_markup(html_text: str) -> str:
    """The fallback when Telegram rejects the HTML: same words, no markup."""
    return visible(html_text).strip()


def _fold_ws(s: str) -> str:
    return " ".join(s.split())


def source_line(source: Source) -> str:
    title = esc(source.title or source.path)
    if source.url and source.url.startswith(("http://", "https://")):
        title = f'<a href="{html.escape(source.url, quote=True)}">{title}</a>'
    parts = [title] + [esc(p) for p in (source.publisher, source.date) if p]
    if source.byline:
        parts.append("by " + esc(source.byline))
    return "— " + " · ".join(parts)


def _sentences(s: str) -> list[str]:
    return [p for p in _SENTENCE_END.split(s) if p]


def _cut_end(s: str, budget: int) -> str:
    """The longest run of whole sentences from the start of s within budget units, then "…"."""
    if budget < 3:
        return ""
    out = ""
    for sent in _sentences(s):
        candidate = f"{out} {sent}".strip()
        if utf16_len(candidate) + 2 > budget:
            break
        out = candidate
    if not out:  # one sentence longer than the budget: whole words, then
        for word in _WORD_GAP.split(s):
            candidate = f"{out} {word}".strip()
            if utf16_len(candidate) + 2 > budget:
                break
            out = candidate
        if not out:
            out = s.encode("utf-16-le")[: 2 * (budget - 2)].decode("utf-16-le", errors="ignore")
    return out + " " + ELLIPSIS


def _cut_start(s: str, budget: int) -> str:
    """The longest run of whole sentences from the end of s within budget units, after "…"."""
    out = ""
    for sent in reversed(_sentences(s)):
        candidate = f"{sent} {out}".strip()
        if utf16_len(candidate) + 2 > budget:
            break
        out = candidate
    return f"{ELLIPSIS} {out}" if out else ""


def passage_html(p: Passage, number: int | None = None, limit: int = MAX_MESSAGE) -> str:
    """One passage: a blockquote with the hit sentence in bold, then its source line."""
    before = _fold_ws(p.quote[: p.start - p.quote_start])
    sentence = _fold_ws(p.sentence)
    after = _fold_ws(p.quote[p.end - p.quote_start:])
    src = source_line(p.source)
    head = f"{number}. " if number is not None else ""
    fixed = utf16_len(head) + visible_len(src) + 4  # newline and spaces around the sentence
    room = limit - fixed
    if utf16_len(sentence) > room:
        before, after, sentence = "", "", _cut_end(sentence, room)
    elif utf16_len(before) + utf16_len(sentence) + utf16_len(after) > room:
        rest = room - utf16_len(sentence)  # shared by the neighbouring sentences: at least half for what follows
        after_room = rest - min(utf16_len(before), rest // 2)
        if utf16_len(after) > after_room:
            after = _cut_end(after, after_room)
        before_room = rest - utf16_len(after)
        if utf16_len(before) > before_room:
            before = _cut_start(before, before_room)
    body = " ".join(x for x in (esc(before), f"<b>{esc(sentence)}</b>", esc(after)) if x)
    return f"{esc(head)}<blockquote>{body}</blockquote>\n{src}"


def split_blocks(blocks: Iterable[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Blocks joined by blank lines into as few messages as fit; a block is never split."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if current and visible_len(candidate) > limit:
            messages.append(current)
            candidate = block
        current = candidate
    if current:
        messages.append(current)
    return messages


def answer_messages(answer: Answer, sources: str = "/sources") -> list[str]:
    """A page of an answer as one or more HTML messages, each within Telegram's limit; its passages
    are numbered on from the pages before it (a lone passage on a first page has no number)."""
    blocks = []
    if answer.corrections:
        blocks.append("Searched for: <i>" + esc(" ".join(answer.searched_for)) + "</i>")
    if not answer.found:
        blocks.append(esc(Notice.NO_ANSWER.format()) + "\n" + esc(Notice.NO_ANSWER_HINT.format(sources=sources)))
        return split_blocks(blocks)
    if answer.unsure and answer.shown_before == 0:
        blocks.append(esc(Notice.UNSURE.format()))
    numbered = len(answer.passages) > 1 or answer.shown_before > 0
    for i, p in enumerate(answer.passages):
        blocks.append(passage_html(p, answer.shown_before + 1 + i if numbered else None))
    return split_blocks(blocks)


def notice_html(notice: Notice, example: str = "") -> str:
    if notice is Notice.EMPTY:
        return esc(notice.format(example=example))
    if notice is Notice.NO_ANSWER_HINT:
        return esc(notice.format(sources="/sources"))
    return esc(notice.format())


def reply_messages(reply: Reply, example: str = "") -> list[str]:
    if reply.answer is not None:
        messages = answer_messages(reply.answer)
        if reply.notice is not None:  # said first, as a line of its own above the answer
            messages[0] = notice_html(reply.notice, example) + "\n\n" + messages[0]
        return messages
    assert reply.notice is not None
    return [notice_html(reply.notice, example)]


def help_html(example: str) -> str:
    text = esc(HELP.format(example=example, more="/more", sources="/sources"))
    return (text + "\n\nIn a group, write <code>/ask</code> and your question, mention me, "
            "or reply to one of my messages.\n/about says where the answers come from.")


def start_html(first_name: str, articles: int, sentences: int, examples: list[str]) -> str:
    lines = [f"Hello{', ' + esc(first_name) if first_name else ''}! I answer questions about "
             f"{articles} news article{'s' if articles != 1 else ''} ({sentences} sentences) "
             "by quoting them word for word.", "", "Try for example:"]
    lines += [f"• <code>{esc(q)}</code>" for q in examples]
    lines += ["", "/help explains more; /sources lists the articles."]
    return "\n".join(lines)


def about_html(articles: int, sentences: int) -> str:
    return ("quotebot answers only with sentences quoted verbatim from its articles "
            f"({articles} articles, {sentences} sentences), each with its source. "
            "It does not write text of its own, so it never invents an answer: when the articles "
            "say nothing about a question, it says so.")


def sources_messages(sources: list[Source]) -> list[str]:
    if not sources:
        return ["I have no articles yet."]
    lines = [f"{i}. " + source_line(s)[2:] for i, s in enumerate(sources, 1)]
    return split_blocks(["I quote these articles:"] + lines)


def unknown_command_html(command: str) -> str:
    return f"I don't know the command {esc(command)}. /help lists what I can do."


ASK_HINT = "Write your question after the command, e.g. <code>/ask {example}</code>."
NON_TEXT_HINT = "I can only read text: send me your question as a message."
SLOW_DOWN = "Slow down a little, please: you've asked a lot in the last minute. Try again shortly."
REFUSAL = "Sorry, this bot is private and can't answer you."
APOLOGY = "Sorry, something went wrong while answering. Please try again."
MORE_BUTTON = "More"
MORE_EXPIRED = "This button has expired. Please ask the question again."
