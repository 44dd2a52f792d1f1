"""Arbitrary questions through the whole path to Telegram: every reply is valid Telegram HTML within
4096 characters (UTF-16, after entity parsing), and every quote in it is the corpus's own words."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.chat import ChatSession
from bot.frontends.telegram import markup
from tests.support.botapi import parse_telegram_html, utf16_len

QUOTE = re.compile(r"<blockquote>(.*?)</blockquote>", re.S)
nasty = st.sampled_from(["", " ", "\u200d", "\u202e", "\x00", "<script>", "&amp;", "</blockquote>", "<b>", "more",
                         "Kim", "executed", "2014", "North Korea", "Choe Sun Hui", "\ud800", "😀", "مرحبا"])
questions = st.lists(st.one_of(st.text(max_size=200), nasty), min_size=1, max_size=6).map(" ".join)


def _folded(s: str) -> str:
    return " ".join(s.split())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(questions, min_size=1, max_size=4))
def test_every_telegram_reply_is_valid_html_within_the_limit_and_quotes_verbatim(answerer, seeds_index, lines):
    articles = [_folded(seeds_index.article_text(a)) for a in range(seeds_index.article_count)]
    session = ChatSession(answerer)
    for line in lines:
        reply = session.handle(line)
        for message in markup.reply_messages(reply, "Who replaced Choe Sun Hui?"):
            visible = parse_telegram_html(message)  # raises on anything Telegram would reject
            assert utf16_len(visible) <= markup.MAX_MESSAGE
            for quote in QUOTE.findall(message):
                words = _folded(parse_telegram_html(quote)).replace(markup.ELLIPSIS, "\n").split("\n")
                for piece in (w.strip() for w in words):
                    assert not piece or any(piece in a for a in articles), piece


def test_the_check_sees_real_quotes(answerer, seeds_index):
    reply = ChatSession(answerer).handle("How many officials were executed in 2014?")
    messages = markup.reply_messages(reply, "")
    quotes = [q for m in messages for q in QUOTE.findall(m)]
    assert quotes and "31 in 2014" in parse_telegram_html(quotes[0])
