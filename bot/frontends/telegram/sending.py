"""What the bot sends that is more than a string: HTML messages (resent as text if Telegram can't
parse them), the More button, inline-mode results."""

from __future__ import annotations

import logging

from telegram import (Bot, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle,
                      InputTextMessageContent, LinkPreviewOptions, Message, ReplyParameters)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.answer.passages import Answer
from bot.frontends.telegram import markup

logger = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def send_html(bot: Bot, chat_id: int, html: str, reply_to: int | None = None,
                    keyboard: InlineKeyboardMarkup | None = None) -> Message:
    """Send HTML; if Telegram still can't parse it, send the same words as text without markup."""
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    try:
        return await bot.send_message(chat_id, html, parse_mode=ParseMode.HTML, reply_parameters=reply,
                                      reply_markup=keyboard, link_preview_options=NO_PREVIEW)
    except BadRequest as e:
        if "can't parse entities" not in str(e).lower():
            raise
        logger.warning("Telegram rejected a reply's HTML (%s); sending it as plain text", e)
        return await bot.send_message(chat_id, markup.strip_markup(html), parse_mode=None, reply_parameters=reply,
                                      reply_markup=keyboard, link_preview_options=NO_PREVIEW)


def more_keyboard(callback_data: str) -> InlineKeyboardMarkup:
    """The More button under the last message of a page."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(markup.MORE_BUTTON, callback_data=callback_data)]])


def inline_results(page: Answer) -> list[InlineQueryResultArticle]:
    """A page of an answer as inline results, each sending its quote and source."""
    return [InlineQueryResultArticle(
        id=str(i), title=(p.source.title or p.source.path)[:100], description=" ".join(p.sentence.split())[:200],
        input_message_content=InputTextMessageContent(markup.passage_html(p), parse_mode=ParseMode.HTML,
                                                      link_preview_options=NO_PREVIEW))
        for i, p in enumerate(page.passages)]
