"""What an incoming message asks: the text after a command, a question with the bot's @name taken out,
whether a group message is addressed to the bot at all.  Pure functions over python-telegram-bot's
`Message`; offsets in Telegram's entities count UTF-16 code units."""

from __future__ import annotations

import re

from telegram import Message, MessageEntity


def command_argument(message: Message) -> str:
    """The text after a leading /command (or /command@bot), newlines kept."""
    text = message.text or ""
    for entity in message.entities or ():
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return text_after_utf16(text, entity.length).strip()
    return ""


def text_after_utf16(text: str, units: int) -> str:
    return text.encode("utf-16-le")[2 * units:].decode("utf-16-le", errors="ignore")


def strip_mention(text: str, username: str | None) -> str:
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.I).strip() if username else text


def addressed_question(message: Message, username: str, bot_id: int) -> str | None:
    """In a group: the question if the message mentions the bot or replies to it, else None."""
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
    mentions = message.parse_entities([MessageEntity.MENTION]).values()
    if to_bot or any(m.lower() == f"@{username.lower()}" for m in mentions):
        return strip_mention(message.text or "", username)
    return None


def unknown_command(text: str, username: str, private: bool) -> str | None:
    """The command a message starts with (without @bot) when the bot should say it doesn't know it:
    in a private chat always, in a group only when it is addressed to this bot (/cmd@this_bot)."""
    command = text.split()[0]
    addressed = command.lower().endswith("@" + username.lower())
    return command.split("@")[0] if private or addressed else None
