"""bot.frontends.telegram.more_buttons: what a More button stands for, kept on disk; a telegram.sqlite
written by the code before the layout change still loads, and its buttons still give their page."""

from __future__ import annotations

import json
import shutil

import pytest

from bot.answer.query import QueryTerm
from bot.chat import Notice
from bot.frontends.telegram.more_buttons import KEY_PREFIX, MoreButtons, MoreRequest
from tests.support.botapi import BotAPI
from tests.support.paths import BEFORE_LAYOUT
from tests.support.telegram_harness import RunningBot, make_settings

CARRIED = (QueryTerm("executed", "execut", 0.5, None, carried=True), QueryTerm("Kim", "kim", 0.3, "Kin", carried=True))
BEFORE = json.loads((BEFORE_LAYOUT / "telegram-pages.json").read_text(encoding="utf-8"))["buttons"]


@pytest.fixture
def buttons(tmp_path):
    store = MoreButtons(tmp_path / "telegram.sqlite")
    yield store
    store.close()


def test_a_button_stands_for_its_request_and_is_taken_once(buttons):
    data = buttons.put(MoreRequest(7, "and in 2013?", CARRIED, 3))
    assert data.startswith(KEY_PREFIX) and len(data.encode()) <= 64
    assert buttons.take(data) == MoreRequest(7, "and in 2013?", CARRIED, 3)
    assert buttons.take(data) is None
    assert buttons.take(KEY_PREFIX + "unknownkey") is None and buttons.take("not one of ours") is None


def test_only_the_newest_buttons_are_kept(tmp_path):
    buttons = MoreButtons(tmp_path / "telegram.sqlite", max_rows=3)
    keys = [buttons.put(MoreRequest(1, f"question {i}", (), 3)) for i in range(5)]
    assert len(buttons) == 3
    assert buttons.take(keys[1]) is None and buttons.take(keys[4]).question == "question 4"
    buttons.close()


def test_each_chat_remembers_its_last_answer(buttons):
    assert buttons.take_last(1) == (False, None)  # never asked
    data = buttons.put(MoreRequest(1, "North Korea", (), 3))
    buttons.remember_last(1, data)
    buttons.remember_last(2, None)  # an answer with nothing more
    assert buttons.take_last(2) == (True, None)
    assert buttons.take_last(1) == (True, MoreRequest(1, "North Korea", (), 3))
    assert buttons.take_last(1) == (True, None)  # its button is used up


def test_buttons_survive_a_restart(tmp_path):
    first = MoreButtons(tmp_path / "telegram.sqlite")
    data = first.put(MoreRequest(5, "Who replaced Choe Sun Hui?", CARRIED, 6))
    first.close()
    again = MoreButtons(tmp_path / "telegram.sqlite")
    assert again.take(data) == MoreRequest(5, "Who replaced Choe Sun Hui?", CARRIED, 6)
    again.close()


def test_a_store_written_before_the_layout_change_loads(tmp_path):
    shutil.copy(BEFORE_LAYOUT / "telegram.sqlite", tmp_path / "telegram.sqlite")
    buttons = MoreButtons(tmp_path / "telegram.sqlite")
    question, follow_up = BEFORE
    assert buttons.take(question["data"]) == MoreRequest(question["chat_id"], question["question"], (), 3)
    carried = tuple(QueryTerm(surface, term, 0.5, None, carried=True)
                    for surface, term in [("replaced", "replac"), ("Choe", "choe"), ("Sun", "sun"), ("Hui", "hui")])
    assert buttons.take(follow_up["data"]) == MoreRequest(follow_up["chat_id"], follow_up["question"], carried, 3)
    buttons.close()


def test_buttons_sent_before_the_layout_change_give_their_page(answerer, seeds_settings, tmp_path):
    shutil.copy(BEFORE_LAYOUT / "telegram.sqlite", tmp_path / "telegram.sqlite")
    with BotAPI() as api:
        settings = make_settings(api, seeds_settings.corpus_dir, seeds_settings.index_dir)
        with RunningBot(settings, answerer, tmp_path / "telegram.sqlite"):
            for button in BEFORE:
                chat = button["chat_id"]
                if button.get("last"):  # the chat's last answer, asked for with /more by a bot that forgot the chat
                    api.private(chat, "/more")
                else:
                    sent = api.sent_before(chat, button["question"], button["data"])
                    api.press(chat, sent)
                    assert api.wait(lambda: sent["markup"] is None, what="the pressed button removed")
                reply = api.replies(chat, 1 if button.get("last") else 2)[-1]
                if not button["page"]:
                    assert reply["text"] == Notice.NO_MORE.format()
                    continue
                text = " ".join(reply["text"].split())
                assert text.startswith("4. ")
                # The page the answerer gives that request now (the recorded one is the ranking of then).
                page = answerer.answer(button["question"]).page(3, 3).passages
                assert len(page) == len(button["page"])
                at = [text.index(" ".join(p.sentence.split())) for p in page]
                assert at == sorted(at)
