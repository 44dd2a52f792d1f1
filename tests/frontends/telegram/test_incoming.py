"""bot.frontends.telegram.incoming: what an incoming message asks, on python-telegram-bot's own
Message objects as Telegram sends them (entities offsets in UTF-16 units)."""

from __future__ import annotations

from datetime import datetime, timezone

from telegram import Bot, Chat, Message, User

from bot.frontends.telegram.incoming import addressed_question, command_argument, strip_mention, unknown_command
from tests.support.botapi import TOKEN, entities_for

BOT = User(777, "Quotebot", is_bot=True, username="quotebot_test_bot")
GROUP = Chat(-100, Chat.SUPERGROUP)


def message(text: str, reply_to: Message | None = None) -> Message:
    data = {"message_id": 1, "date": int(datetime.now(timezone.utc).timestamp()), "chat": GROUP.to_dict(),
            "from": {"id": 5, "is_bot": False, "first_name": "Ann"}, "text": text, "entities": entities_for(text)}
    if reply_to is not None:
        data["reply_to_message"] = reply_to.to_dict()
    return Message.de_json(data, Bot(TOKEN))


def test_command_argument_keeps_what_follows_the_command():
    assert command_argument(message("/ask Who replaced Choe Sun Hui?")) == "Who replaced Choe Sun Hui?"
    assert command_argument(message("/ask@quotebot_test_bot  two\nlines ")) == "two\nlines"
    assert command_argument(message("/ask")) == ""
    assert command_argument(message("no command /ask here")) == ""
    assert command_argument(message("/ask 😀 and more")) == "😀 and more"  # the entity counts UTF-16 units


def test_strip_mention():
    assert strip_mention("@QuoteBot_Test_Bot who is Kim?", "quotebot_test_bot") == "who is Kim?"
    assert strip_mention("who is @quotebot_test_botany?", "quotebot_test_bot") == "who is @quotebot_test_botany?"
    assert strip_mention("who is Kim?", None) == "who is Kim?"


def test_a_group_message_is_addressed_by_a_mention_or_a_reply():
    assert addressed_question(message("@quotebot_test_bot Who is Kim?"), "quotebot_test_bot", 777) == "Who is Kim?"
    assert addressed_question(message("@someotherbot Who is Kim?"), "quotebot_test_bot", 777) is None
    assert addressed_question(message("Who is Kim?"), "quotebot_test_bot", 777) is None
    ours = Message.de_json({"message_id": 9, "date": 0, "chat": GROUP.to_dict(), "from": BOT.to_dict(), "text": "1."},
                           Bot(TOKEN))
    assert addressed_question(message("and in 2013?", reply_to=ours), "quotebot_test_bot", 777) == "and in 2013?"


def test_unknown_commands_are_answered_in_private_and_when_addressed_in_groups():
    assert unknown_command("/frobnicate now", "quotebot_test_bot", private=True) == "/frobnicate"
    assert unknown_command("/frobnicate@someotherbot", "quotebot_test_bot", private=True) == "/frobnicate"
    assert unknown_command("/frobnicate@QuoteBot_test_bot", "quotebot_test_bot", private=False) == "/frobnicate"
    assert unknown_command("/frobnicate", "quotebot_test_bot", private=False) is None
    assert unknown_command("/frobnicate@someotherbot", "quotebot_test_bot", private=False) is None
