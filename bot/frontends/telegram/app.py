"""The Telegram front end: python-telegram-bot's Application around the shared answerer and sessions.

`build_application` wires the handlers (bot.frontends.telegram.handlers) into an Application; `run`
serves it by long polling or as a webhook.  The package's other modules: `markup` (HTML), `incoming`
(reading messages), `sending`, `limits` (Telegram's, the allowlist, the per-user rate),
`more_buttons` (what a More button stands for, on disk), `questionlog`.

    TELEGRAM_BOT_TOKEN=123:abc python -m bot telegram
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, InlineQueryHandler,
                          MessageHandler, filters)

from bot.answer.service import AnswerService
from bot.config import Settings
from bot.errors import QuotebotError
from bot.frontends.telegram.handlers import QuoteBot
from bot.frontends.telegram.limits import RetryingRateLimiter
from bot.frontends.telegram.more_buttons import MoreButtons

POLL_TIMEOUT = 30  # seconds a getUpdates long poll may wait


def build_application(settings: Settings, answerer: AnswerService, buttons_path: Path) -> Application:
    """The Application with every handler; `run` (or a test) starts it.  `buttons_path`: the SQLite
    file of the More buttons (`telegram.sqlite` in the index folder)."""
    quotebot = QuoteBot(settings, answerer, MoreButtons(buttons_path))
    app = (ApplicationBuilder().token(settings.checked_token()).base_url(settings.telegram_base_url)
           .rate_limiter(RetryingRateLimiter(max_retries=3)).concurrent_updates(True).get_updates_read_timeout(10)
           .post_init(quotebot.post_init).post_shutdown(quotebot.post_shutdown).build())
    app.bot_data["quotebot"] = quotebot
    commands = [("start", quotebot.start), ("help", quotebot.help_command), ("ask", quotebot.ask),
                ("more", quotebot.more), ("sources", quotebot.sources), ("about", quotebot.about)]
    for name, handler in commands:
        app.add_handler(CommandHandler(name, handler))
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    app.add_handler(MessageHandler(filters.COMMAND, quotebot.unknown_command))
    app.add_handler(MessageHandler(filters.TEXT & private, quotebot.private_text))
    app.add_handler(MessageHandler(filters.TEXT & groups, quotebot.group_text))
    app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, quotebot.non_text))
    app.add_handler(CallbackQueryHandler(quotebot.more_button))
    app.add_handler(InlineQueryHandler(quotebot.inline_query))
    app.add_error_handler(quotebot.on_error)
    return app


class _MaskToken(logging.Filter):
    """Belt and braces: whatever a library logs, the token is replaced before it is written."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


def run(settings: Settings, answerer: AnswerService, webhook: str | None = None, listen: str = "127.0.0.1",
        port: int = 8443, secret_token: str | None = None) -> None:
    """Serve until SIGTERM/Ctrl-C: long polling, or a webhook server when `webhook` is a URL."""
    token = settings.checked_token()
    for handler in logging.getLogger().handlers:
        handler.addFilter(_MaskToken(token))
    own = logging.getLogger(__package__)  # the package's: handlers, limits, sending
    if own.getEffectiveLevel() > logging.INFO:  # a server says when it starts and stops
        own.setLevel(logging.INFO)
    questions = logging.getLogger("quotebot.questions")
    if settings.log_questions and questions.getEffectiveLevel() > logging.INFO:  # asked for: written
        questions.setLevel(logging.INFO)
    app = build_application(settings, answerer, settings.index_dir / "telegram.sqlite")
    try:
        if webhook:
            app.run_webhook(listen=listen, port=port, url_path=urlparse(webhook).path.lstrip("/"),
                            webhook_url=webhook, secret_token=secret_token, allowed_updates=Update.ALL_TYPES)
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES, timeout=POLL_TIMEOUT)
    except InvalidToken:
        raise QuotebotError("Telegram did not accept the bot token in TELEGRAM_BOT_TOKEN "
                            "(check it with @BotFather)") from None
    except NetworkError as e:  # only at start-up: once running, polling retries by itself
        reason = str(e).replace(token, "<token>")
        raise QuotebotError(f"Could not reach Telegram at {settings.telegram_base_url} ({reason}); "
                            "check the network and TELEGRAM_BASE_URL, then start again") from None
