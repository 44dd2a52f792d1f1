"""bot.frontends.telegram.markup: Telegram HTML that Telegram's parser accepts, within 4096 UTF-16 units."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from tests.support.botapi import parse_telegram_html, utf16_len

from bot.answer.passages import Answer, Passage
from bot.chat import Notice, Reply
from bot.corpus.types import Source
from bot.frontends.telegram.markup import (MAX_MESSAGE, answer_messages, passage_html, strip_markup, reply_messages,
                                 sources_messages, split_blocks, start_html, visible_len)

NASTY = Source(title="<script>alert(1)</script> & </blockquote>", publisher="A&B <News>", byline="O'Brien",
               date="2015-07-02", url="https://example.org/?a=1&b=\"2\"", path="x.txt")


def passage(before: str, sentence: str, after: str, source: Source = NASTY) -> Passage:
    quote = " ".join(x for x in (before, sentence, after) if x)
    start = len(before) + 1 if before else 0
    return Passage(quote=quote, sentence=sentence, start=start, end=start + len(sentence), quote_start=0,
                   quote_end=len(quote), score=1.0, bm25=1.0, source=source)


def answer(*passages: Passage, corrections=(), confidence: float = 0.9) -> Answer:
    return Answer("q", True, ("choe", "sun", "hui"), corrections, tuple(passages), confidence=confidence)


def assert_valid(messages: list[str]) -> None:
    for m in messages:
        text = parse_telegram_html(m)  # raises on anything Telegram would reject
        assert 0 < utf16_len(text.strip()) <= MAX_MESSAGE


def test_passage_is_a_blockquote_with_the_sentence_bold_and_an_escaped_source_line():
    html = passage_html(passage("Before & after.", "The <hit> sentence.", "After </blockquote>."))
    assert html.startswith("<blockquote>Before &amp; after. <b>The &lt;hit&gt; sentence.</b> After &lt;/blockquote&gt;.</blockquote>\n— ")
    assert '<a href="https://example.org/?a=1&amp;b=&quot;2&quot;">&lt;script&gt;' in html
    assert "A&amp;B &lt;News&gt; · 2015-07-02 · by O'Brien" in html
    assert_valid([html])


def test_corrected_typo_says_what_was_searched_for():
    (html,) = answer_messages(answer(passage("", "Kim Hyok Chol replaced Choe Sun Hui.", ""),
                                     corrections=(("hii", "hui"),)))
    assert html.startswith("Searched for: <i>choe sun hui</i>\n\n<blockquote>")


def test_no_answer_is_short_with_a_sources_hint():
    (html,) = reply_messages(Reply(answer=Answer("capital of France?", False, ("capital", "france"))))
    assert html == Notice.NO_ANSWER.format() + "\n" + Notice.NO_ANSWER_HINT.format(sources="/sources")
    assert reply_messages(Reply(notice=Notice.EMPTY), example="Who?") == [Notice.EMPTY.format(example="Who?")]


def test_long_answers_split_on_passage_boundaries():
    sentence = "A fairly long sentence about the officials, " * 20 + "end."
    messages = answer_messages(answer(*[passage("", sentence, "") for _ in range(8)]))
    assert len(messages) > 1
    assert_valid(messages)
    assert sum(m.count("<blockquote>") for m in messages) == 8
    assert all(m.count("<blockquote>") == m.count("</blockquote>") for m in messages)
    assert messages[1].startswith(tuple(f"{i}. <blockquote>" for i in range(2, 9)))


def test_a_passage_too_long_for_one_message_is_cut_at_a_sentence_boundary():
    before = " ".join(f"Earlier sentence number {i}." for i in range(300))
    after = " ".join(f"Later sentence number {i}." for i in range(300))
    html = passage_html(passage(before, "The hit sentence.", after))
    assert visible_len(html) <= MAX_MESSAGE
    assert "<b>The hit sentence.</b> Later sentence number 0." in html
    assert html.startswith("<blockquote>… Earlier sentence") and "number 299. <b>" in html
    assert ". …</blockquote>" in html
    huge = passage("", "word " * 2000 + "end.", "")
    cut = passage_html(huge)
    assert visible_len(cut) <= MAX_MESSAGE and "word …</b>" in cut


def test_sources_and_start_escape_corpus_and_user_text():
    assert_valid(sources_messages([NASTY] * 200))
    html = start_html("<b>&", 2, 40, ["What about <x>?"])
    assert "Hello, &lt;b&gt;&amp;!" in html and "What about &lt;x&gt;?" in html
    assert strip_markup(html).startswith("Hello, <b>&!")


def test_split_blocks_never_exceeds_the_limit_when_blocks_fit():
    blocks = ["x" * 1000, "y" * 3000, "z" * 4096, "w"]
    assert [visible_len(m) for m in split_blocks(blocks)] == [4002, 4096, 1]


text_st = st.text(st.characters(blacklist_categories=("Cs",)), max_size=3000)


@settings(max_examples=60, deadline=None)
@given(before=text_st, sentence=text_st.filter(lambda s: s.strip()), after=text_st,
       title=st.text(max_size=300), k=st.integers(1, 12))
def test_any_text_renders_as_valid_telegram_html_within_the_limit(before, sentence, after, title, k):
    source = Source(title=title or None, publisher="P<&>", byline=None, date=None, url=None, path="p.txt")
    p = passage(before, sentence, after, source)
    assert_valid([passage_html(p)])
    assert_valid(answer_messages(answer(*[p] * k)))


def test_an_answer_found_with_little_confidence_says_so_first():
    p = passage("", "Kim Hyok Chol replaced Choe Sun Hui.", "")
    (html,) = answer_messages(answer(p, confidence=0.3))
    assert html.startswith(Notice.UNSURE.format() + "\n\n<blockquote>")
    (sure,) = answer_messages(answer(p, confidence=0.8))
    assert Notice.UNSURE.format() not in sure
