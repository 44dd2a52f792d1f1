"""The handlers (bot.frontends.telegram.handlers) in the real Application (bot.frontends.telegram.app.build_application)
against the stand-in Bot API, in process."""

from __future__ import annotations

import logging
import time

import pytest

from tests.support.botapi import TOKEN, BotAPI, parse_telegram_html, utf16_len
from tests.support.telegram_harness import RunningBot, make_answerer, make_corpus, make_settings

from bot.chat import Notice
from bot.frontends.telegram.markup import (ASK_HINT, APOLOGY, MORE_EXPIRED, NON_TEXT_HINT, REFUSAL, SLOW_DOWN)

CANNED = {
    "How many officials were executed in 2014?": ["31 in 2014", "UPI"],
    "Why was the defense minister executed?": ["napping at a rally"],
    "Who replaced Choe Sun Hui?": ["Kim Hyok Chol"],
}
NO_ANSWER_Q = "What is the capital of France?"
GROUP = -1001234567890


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tg")
    return make_corpus(tmp)


@pytest.fixture(scope="module")
def answerer(corpus):
    with BotAPI() as api:  # only for the settings' shape; the answerer doesn't talk to Telegram
        return make_answerer(make_settings(api, *corpus))


@pytest.fixture
def api():
    with BotAPI() as server:
        yield server
        # Every reply the bot sent was valid Telegram HTML within the limit (the server refuses others).
        bad = [c for c in server.calls if c["status"] == 400 and "injected" not in (c["error"] or "")]
        assert not bad, bad


@pytest.fixture
def run(api, answerer, corpus, tmp_path):
    """run(**settings) starts the bot with these settings changed; stopped at the end of the test."""
    bots = []

    def start(**changes):
        settings = make_settings(api, *corpus, **changes)
        bot = RunningBot(settings, answerer, tmp_path / "telegram.sqlite").start()
        bots.append(bot)
        return bot

    yield start
    for bot in bots:
        bot.stop()


def only(messages: list[dict]) -> dict:
    assert len(messages) == 1, [m["text"][:80] for m in messages]
    return messages[0]


def test_canned_questions_are_answered_with_quote_and_source(api, run):
    run()
    for user, (question, expected) in enumerate(CANNED.items(), start=1):
        asked = api.private(user, question)
        reply = only(api.replies(user))
        for words in expected:
            assert words in reply["text"]
        assert reply["parse_mode"] == "HTML" and "<blockquote>" in reply["html"] and "<b>" in reply["html"]
        assert reply["reply_to"] == asked["message_id"]
    api.private(9, NO_ANSWER_Q)
    reply = only(api.replies(9))
    assert Notice.NO_ANSWER.format() in reply["text"] and "/sources" in reply["text"]
    actions = api.calls_of("sendChatAction")
    assert {c["params"]["action"] for c in actions} == {"typing"} and len(actions) == 4


def test_commands(api, run):
    run()
    registered = [c["command"] for c in api.wait(lambda: api.commands, what="setMyCommands")]
    assert registered == ["start", "help", "ask", "more", "sources", "about"]
    api.private(1, "/start")
    start = only(api.replies(1))["text"]
    assert "2 news articles" in start and start.count("• ") == 3
    for command, expected in [("/help", "/more"), ("/about", "verbatim"), ("/sources", "UPI"),
                              ("/more", Notice.NOTHING_BEFORE.format()), ("/ask", "/ask "),
                              ("/frobnicate", "/frobnicate"), ("/ask Who replaced Choe Sun Hui?", "Kim Hyok Chol")]:
        before = len(api.messages(1))
        api.private(1, command)
        assert expected in api.replies(1, before + 1)[-1]["text"], command
    assert "Nikkei" in api.messages(1)[3]["text"]  # /sources lists both articles


def test_more_button_pages_through_and_survives_a_restart(api, run, answerer, corpus, tmp_path):
    first_bot = run()
    api.private(1, "North Korea")
    first = only(api.replies(1))
    assert first["markup"]["inline_keyboard"][0][0]["text"] == "More"
    assert len(first["markup"]["inline_keyboard"][0][0]["callback_data"].encode()) <= 64
    api.press(1, first)
    second = dict(api.replies(1, 2)[1])
    assert second["text"].startswith("4. ") and second["markup"]
    assert api.wait(lambda: first["markup"] is None, what="button removed")
    answered = api.calls_of("answerCallbackQuery")[0]["params"]
    assert "text" not in answered
    # the text "more" and /more continue the same question
    api.private(1, "more")
    assert api.replies(1, 3)[2]["text"].startswith("7. ")
    # after a restart, the button of the last page still works
    first_bot.stop()
    run()
    second_key = second["markup"]["inline_keyboard"][0][0]["callback_data"]
    api.press(1, second)
    assert api.replies(1, 4)[3]["text"].startswith("7. ")
    # a button pressed twice, or one the bot never made, answers sensibly
    api.press(1, second, data=second_key)
    api.press(1, first, data="m:unknownkey")
    api.wait(lambda: sum(c["params"].get("text") == MORE_EXPIRED for c in api.calls_of("answerCallbackQuery")) == 2,
             what="two 'expired' answers")
    assert len(api.messages(1)) == 4


def test_more_command_after_a_restart_continues_the_last_question(api, run):
    bot = run()
    api.private(1, "North Korea")
    assert api.replies(1)[0]["markup"]
    bot.stop()
    bot = run()  # sessions were in memory; the More store on disk still knows the question
    api.private(1, "/more")
    assert api.replies(1, 2)[1]["text"].startswith("4. ")
    api.private(1, "Who replaced Choe Sun Hui?")  # a single passage: no More button
    assert not api.replies(1, 3)[2]["markup"]
    bot.stop()
    run()
    api.private(1, "/more")  # the last question had nothing more, whatever older buttons still hold
    assert api.replies(1, 4)[3]["text"] == Notice.NO_MORE.format()


def test_more_button_disappears_on_the_last_page(api, run, answerer):
    run()
    question = "Kim Jong Un"
    full = answerer.answer(question)
    total = len(full.passages) + len(full.remaining)
    pages = -(-total // 3)
    assert pages >= 2
    api.private(1, question)
    for page in range(1, pages):
        current = api.replies(1, page)[page - 1]
        assert current["markup"], page
        api.press(1, current)
    last = api.replies(1, pages)[pages - 1]
    assert last["text"].startswith(f"{3 * (pages - 1) + 1}. ") and not last["markup"]
    assert last["text"].count("\n— ") == total - 3 * (pages - 1)
    api.private(1, "/more")
    assert api.replies(1, pages + 1)[pages]["text"] == Notice.NO_MORE.format()


def test_inline_query(api, run):
    run()
    api.inline(5, "Who replaced Choe Sun Hui?")
    api.inline(5, "   ")
    calls = api.wait(lambda: len(api.calls_of("answerInlineQuery")) == 2 and api.calls_of("answerInlineQuery"))
    by_query = {c["params"]["inline_query_id"]: c["params"].get("results", []) for c in calls}
    results = [r for rs in by_query.values() for r in rs]
    assert results and "Kim Hyok Chol" in results[0]["input_message_content"]["message_text"]
    assert "Nikkei" in results[0]["input_message_content"]["message_text"]
    assert sum(1 for rs in by_query.values() if not rs) == 1  # the empty query: no results


def test_group_answers_only_mentions_replies_and_ask(api, run):
    run()
    api.group(GROUP, 1, "Who replaced Choe Sun Hui?")  # talk among people: ignored
    api.group(GROUP, 1, "@someotherbot Who replaced Choe Sun Hui?")
    api.group(GROUP, 1, "/ask@someotherbot Who replaced Choe Sun Hui?")
    api.group(GROUP, 1, "/frobnicate")
    api.group(GROUP, 1, "@quotebot_test_bot Who replaced Choe Sun Hui?")
    mention = only(api.replies(GROUP))
    assert "Kim Hyok Chol" in mention["text"] and "quotebot_test_bot" not in mention["text"]
    api.group(GROUP, 2, "Why was the defense minister executed?", reply_to=api.as_message(mention))
    assert "napping at a rally" in api.replies(GROUP, 2)[1]["text"]
    api.group(GROUP, 3, "/ask How many officials were executed in 2014?")
    assert "31 in 2014" in api.replies(GROUP, 3)[2]["text"]
    api.group(GROUP, 3, "/ask@quotebot_test_bot Who replaced Choe Sun Hui?")
    api.group(GROUP, 3, "/frobnicate@quotebot_test_bot")
    replies = [m["text"] for m in api.replies(GROUP, 5)[3:]]  # answered concurrently: in either order
    assert any("Kim Hyok Chol" in t for t in replies) and any("/frobnicate" in t for t in replies)
    api.wait(api.idle, what="all updates fetched")
    time.sleep(0.3)  # a last look: nothing else was answered
    assert len(api.messages(GROUP)) == 5


def test_allowlist_refuses_politely_once(api, run, caplog):
    caplog.set_level(logging.WARNING, logger="bot.frontends.telegram.limits")
    run(allowed_users=frozenset({1}), allowed_chats=frozenset({GROUP}))
    for _ in range(3):
        api.private(2, "Who replaced Choe Sun Hui?")
    api.private(2, "/start")
    api.private(1, "Who replaced Choe Sun Hui?")
    assert "Kim Hyok Chol" in only(api.replies(1))["text"]
    api.group(GROUP, 2, "/ask Who replaced Choe Sun Hui?")  # an allowed group serves everyone in it
    assert "Kim Hyok Chol" in only(api.replies(GROUP))["text"]
    api.inline(2, "Choe Sun Hui")
    api.wait(lambda: api.calls_of("answerInlineQuery"))
    api.wait(api.idle, what="all updates fetched")
    refusal = only(api.messages(2))
    assert refusal["text"] == REFUSAL
    assert api.calls_of("answerInlineQuery")[0]["params"].get("results", []) == []
    assert any("Refused user 2" in r.getMessage() for r in caplog.records)


def test_rate_limit_says_slow_down_once(api, run):
    run(rate_limit=3)
    for _ in range(6):
        api.private(1, "Who replaced Choe Sun Hui?")
    api.replies(1, 4)
    api.wait(api.idle, what="all updates fetched")
    texts = [m["text"] for m in api.messages(1)]
    assert sum("Kim Hyok Chol" in t for t in texts) == 3 and texts.count(SLOW_DOWN) == 1
    api.private(2, "Who replaced Choe Sun Hui?")  # others are not slowed down
    assert "Kim Hyok Chol" in only(api.replies(2))["text"]


def test_html_in_questions_and_names_is_escaped(api, run):
    run()
    nasty = "<script>alert(1)</script> & </blockquote> Choe Sun Hii?"
    api.private(1, nasty)
    reply = only(api.replies(1))
    assert "<script>" not in reply["html"] and parse_telegram_html(reply["html"]) == reply["text"]
    api.private(4, "/start", name="<b>&</blockquote>")
    start = only(api.replies(4))
    assert "Hello, <b>&</blockquote>!" in start["text"] and "&lt;b&gt;&amp;&lt;/blockquote&gt;" in start["html"]


def test_rejected_html_is_resent_as_plain_text(api, run):
    run()
    api.reject_html = 1
    api.private(1, "Who replaced Choe Sun Hui?")
    reply = only(api.replies(1))
    assert reply["parse_mode"] is None and "Kim Hyok Chol" in reply["text"] and "<b>" not in reply["text"]


def test_error_handler_apologises_without_internals(api, run, caplog):
    caplog.set_level(logging.ERROR)
    run()
    api.fail("sendMessage", 400)  # Telegram refuses the reply for a reason the bot can't fix
    api.private(1, "Who replaced Choe Sun Hui?")
    assert only(api.replies(1))["text"] == APOLOGY
    errors = [r for r in caplog.records if r.name == "bot.frontends.telegram.handlers" and r.exc_info]
    assert errors and all(TOKEN not in r.getMessage() for r in caplog.records)


def test_faults_500_429_and_a_stalled_get_updates(api, run):
    run()
    api.stall_get_updates()
    api.fail("sendMessage", 500, times=2)
    api.fail("sendMessage", 429, times=1, retry_after=1)
    questions = list(CANNED)
    for user, question in enumerate(questions, start=1):
        api.private(user, question)
    for user, question in enumerate(questions, start=1):
        assert CANNED[question][0] in only(api.replies(user, timeout=60))["text"]
    assert [c["status"] for c in api.calls_of("sendMessage")].count(500) == 2
    api.private(7, "Who replaced Choe Sun Hui?")  # still running
    assert "Kim Hyok Chol" in only(api.replies(7))["text"]
    api.wait(api.idle)
    assert len(api.delivered) >= len(set(api.delivered))


@pytest.mark.parametrize("text, expected", [
    ("", "Ask me something"),
    ("   ", "Ask me something"),
    ("Choe Sun Hui " * 315, "Kim Hyok Chol"),  # 4095 characters
    ("😀🎉🙈", None),
    ("ما هي عاصمة فرنسا؟", None),
    ("\x00\x07Who replaced\x1b Choe Sun Hui?\u200f", "Kim Hyok Chol"),
    (None, NON_TEXT_HINT),  # a sticker
])
def test_bad_input_gets_one_sensible_reply(api, run, text, expected):
    run()
    extra = {"sticker": {"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1, "is_animated": False,
                         "is_video": False, "type": "regular"}} if text is None else {}
    api.private(1, text, **extra)
    reply = only(api.replies(1))
    if expected:
        assert expected in reply["text"]
    assert utf16_len(reply["text"]) <= 4096


def test_ask_alone_gives_a_hint(api, run):
    run()
    api.private(1, "/ask")
    assert only(api.replies(1))["text"].startswith(ASK_HINT.split("<")[0])


def test_load_100_users_5_questions_each(api, run, capsys):
    run()
    questions = list(CANNED) + [NO_ANSWER_Q]
    expected = {q: (CANNED[q][0] if q in CANNED else Notice.NO_ANSWER.format()) for q in questions}
    asked: dict[tuple[int, int], str] = {}
    start = time.monotonic()
    for round_ in range(5):
        for user in range(1000, 1100):
            question = questions[(user + round_) % len(questions)]
            asked[(user, api.private(user, question)["message_id"])] = question
    api.wait(lambda: len(api.sent) >= 500, timeout=120, what="500 answers")
    elapsed = time.monotonic() - start
    api.wait(api.idle)
    assert len(api.sent) == 500
    for m in api.sent:
        question = asked[(m["chat_id"], m["reply_to"])]  # in the asker's own chat, replying to the question
        assert expected[question] in m["text"]
    assert len({(m["chat_id"], m["reply_to"]) for m in api.sent}) == 500  # each exactly once
    with capsys.disabled():
        print(f"\nload: 100 users x 5 questions answered in {elapsed:.1f} s")
