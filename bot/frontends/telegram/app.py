"""The Telegram front end: python-telegram-bot's Application around the shared answerer and sessions.

Handlers stay thin (text -> session -> HTML -> reply); the searching is the engine's, the markup is
bot.frontends.telegram.markup's, the More buttons' memory is bot.frontends.telegram.more_buttons's.

    TELEGRAM_BOT_TOKEN=123:abc python -m bot telegram
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref
from collections import OrderedDict, deque
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

from telegram import (BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle,
                      InputTextMessageContent, LinkPreviewOptions, Message, MessageEntity, ReplyParameters, Update)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          ContextTypes, InlineQueryHandler, MessageHandler, filters)

from bot.frontends.telegram import markup as fmt
from bot.answer.answerer import Answerer
from bot.answer.passages import Answer
from bot.chat import ChatSession, Reply, Sessions, is_more_request
from bot.config import Settings
from bot.errors import QuotebotError
from bot.frontends.telegram.questionlog import QuestionLog
from bot.frontends.telegram.more_buttons import MoreRequest, MoreStore

logger = logging.getLogger(__name__)

COMMANDS = [("start", "What I know, with example questions"), ("help", "How to ask"),
            ("ask", "Ask a question (in groups: /ask your question)"), ("more", "More passages for your last question"),
            ("sources", "The articles I quote"), ("about", "Where the answers come from")]
NETWORK_RETRIES = 3  # Telegram 5xx / connection failures, on top of AIORateLimiter's 429 retries
POLL_TIMEOUT = 30  # seconds a getUpdates long poll may wait
INLINE_RESULTS = 5
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class RetryingRateLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter (outgoing limits, 429 retry_after), plus a few retries with
    back-off when Telegram answers 5xx or the connection fails.  Rejections (400) and timeouts (the
    request may have arrived) are not retried."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if endpoint == "sendChatAction":  # "typing…" is not a message: outside the 30/s budget, never retried
            return await callback(*args, **kwargs)
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, TimedOut):
                raise
            except NetworkError as e:
                if attempt == NETWORK_RETRIES or _closing():
                    raise
                logger.warning("Telegram %s failed (%s); retrying", endpoint, e)
                await asyncio.sleep(0.5 * 2 ** attempt)


def _closing() -> bool:
    """True when a coroutine is being closed at shutdown (no loop runs it any more): don't retry then."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


class PerKeyLimit:
    """At most `count` events per `seconds` for each key (bounded memory: oldest keys dropped)."""

    def __init__(self, count: int, seconds: float, max_keys: int = 100_000):
        self.count, self.seconds, self.max_keys = count, seconds, max_keys
        self._events: OrderedDict[object, deque[float]] = OrderedDict()

    def allow(self, key: object) -> bool:
        now = time.monotonic()
        events = self._events.pop(key, None) or deque()
        while events and now - events[0] >= self.seconds:
            events.popleft()
        self._events[key] = events
        if len(self._events) > self.max_keys:
            self._events.popitem(last=False)
        if len(events) >= self.count:
            return False
        events.append(now)
        return True


class QuoteBot:
    """The bot's state (sessions, limits, More store) and its handlers."""

    def __init__(self, settings: Settings, answerer: Answerer, store: MoreStore):
        self.settings, self.answerer, self.store = settings, answerer, store
        self.sessions = Sessions(lambda: ChatSession(answerer), settings.max_sessions, settings.session_idle_seconds)
        self.questions = PerKeyLimit(settings.rate_limit, 60)
        self.slow_down_sent = PerKeyLimit(1, 60)
        self.refusal_sent = PerKeyLimit(1, 3600)
        self.shown: weakref.WeakKeyDictionary[ChatSession, int] = weakref.WeakKeyDictionary()
        self.locks: weakref.WeakValueDictionary[object, asyncio.Lock] = weakref.WeakValueDictionary()
        self.question_log = QuestionLog(settings)  # off unless QUOTEBOT_LOG_QUESTIONS; ids as salted hashes

    @property
    def examples(self) -> list[str]:
        """Three questions drawn from the index (a reloaded index draws its own)."""
        return self.answerer.example_questions(3) or ["What happened?"]

    # -- handlers ----------------------------------------------------------------------------------
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start: greeting, corpus size, three example questions."""
        if await self.admit(update, context, count=False):
            name = update.effective_user.first_name if update.effective_user else ""
            await self.send(update, fmt.start_html(name, self.answerer.article_count,
                                                   self.answerer.sentence_count, self.examples))

    async def help_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help."""
        if await self.admit(update, context, count=False):
            await self.send(update, fmt.help_html(self.examples[0]))

    async def about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/about."""
        if await self.admit(update, context, count=False):
            await self.send(update, fmt.about_html(self.answerer.article_count, self.answerer.sentence_count))

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/sources: the articles, title, publisher, date."""
        if await self.admit(update, context, count=False):
            for html in fmt.sources_messages(self.answerer.sources()):
                await self.send(update, html)

    async def ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/ask question (the way to ask in groups with privacy mode on)."""
        question = command_argument(update.effective_message)
        if not question:
            if await self.admit(update, context, count=False):
                await self.send(update, fmt.ASK_HINT.format(example=fmt.esc(self.examples[0])))
            return
        await self.respond(update, context, question)

    async def more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/more: the next passages for the last question."""
        await self.respond(update, context, "more")

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Private chat: every text message is a question."""
        await self.respond(update, context, strip_mention(update.effective_message.text or "", context.bot.username))

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Groups: only messages that mention the bot or reply to it."""
        question = addressed_question(update.effective_message, context.bot.username, context.bot.id)
        if question is not None:
            await self.respond(update, context, question)

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command we don't have (in groups only when it is addressed to us)."""
        command = (update.effective_message.text or "").split()[0]
        mine = "@" not in command or command.lower().endswith("@" + context.bot.username.lower())
        if (update.effective_chat.type == ChatType.PRIVATE or "@" in command and mine) and \
                await self.admit(update, context, count=False):
            await self.send(update, fmt.unknown_command_html(command.split("@")[0]))

    async def non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice...: a one-line hint (an empty text is an empty question)."""
        if update.effective_message.text is not None:
            await self.respond(update, context, "")
        elif await self.admit(update, context, count=False):
            await self.send(update, fmt.NON_TEXT_HINT)

    async def more_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The More button: answer the query at once, then send the next passages."""
        query = update.callback_query
        if not await self.admit(update, context, callback=True):
            return
        request = self.store.take(query.data or "")
        await query.answer(None if request else fmt.MORE_EXPIRED)
        with suppress(TelegramError):
            await query.edit_message_reply_markup(None)
        if request is not None:
            await self.answer_more(update, context, request)

    async def inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Inline mode: the top passages as results, each sending its quote and source."""
        query = update.inline_query
        if not query.query.strip() or not await self.admit(update, context, inline=True):
            await query.answer([], cache_time=5)
            return
        answer = await asyncio.to_thread(self.answerer.answer, query.query)
        await query.answer(inline_results(answer), cache_time=300)
        self.question_log.record(query.from_user.id, query.query, answer)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the exception; tell the user something went wrong, nothing more."""
        if not isinstance(update, Update):  # polling trouble: the updater retries by itself
            logger.warning("Telegram connection problem: %s", context.error)
            return
        logger.error("Failed to handle update %s", update.update_id, exc_info=context.error)
        with suppress(TelegramError):
            if update.callback_query:
                await update.callback_query.answer()
            if update.effective_chat:
                await context.bot.send_message(update.effective_chat.id, fmt.APOLOGY)

    # -- the work --------------------------------------------------------------------------------
    async def admit(self, update: Update, context: ContextTypes.DEFAULT_TYPE, count: bool = True,
                    callback: bool = False, inline: bool = False) -> bool:
        """Allowlist and per-user rate limit; sends the refusal / "slow down" when due."""
        user = update.effective_user
        chat = update.effective_chat
        user_id = user.id if user else 0
        notice = None
        refused = not self.allowed(user_id, chat.id if chat else None)
        if refused:
            if self.refusal_sent.allow(user_id):
                logger.warning("Refused user %s in chat %s (not in the allowlist)", user_id, chat.id if chat else "-")
                notice = fmt.REFUSAL
        elif not count or self.questions.allow(user_id):
            return True
        elif self.slow_down_sent.allow(user_id):
            logger.info("User %s is over the rate limit", user_id)
            notice = fmt.SLOW_DOWN
        if callback:
            await update.callback_query.answer(notice or (fmt.REFUSAL if refused else fmt.SLOW_DOWN))
        elif notice and not inline:
            await self.send(update, notice)
        return False

    def allowed(self, user_id: int, chat_id: int | None) -> bool:
        s = self.settings
        if not s.allowed_users and not s.allowed_chats:
            return True
        return user_id in s.allowed_users or chat_id in s.allowed_chats

    async def respond(self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
        """A question (or "more") from a chat: think with "typing…" showing, then reply."""
        if not await self.admit(update, context):
            return
        key = (update.effective_chat.id, update.effective_user.id if update.effective_user else 0)
        session = self.sessions.get(key)
        if is_more_request(question) and session.last is None and update.effective_chat.type == ChatType.PRIVATE:
            asked, request = self.store.take_last(update.effective_chat.id)  # the bot restarted since
            if request is not None:
                await self.answer_more(update, context, request)
                return
            if asked:
                await self.send_reply(update.effective_message, context, Reply(notice=fmt.Notice.NO_MORE), 1)
                return
        lock = self.locks.setdefault(key, asyncio.Lock())
        async with lock:
            typing = asyncio.create_task(self.typing(context, update.effective_chat.id))
            more = is_more_request(question)
            reply = await (asyncio.to_thread(session.more) if more else asyncio.to_thread(session.ask, question))
            await typing
            first = self.count_shown(session, reply, more)
            await self.send_reply(update.effective_message, context, reply, first)
            if not more:
                self.question_log.record(key[1], question, reply.answer)

    def count_shown(self, session: ChatSession, reply: Reply, more: bool) -> int:
        """Keeps count of the passages shown for the session's question; returns the reply's first number."""
        before = self.shown.get(session, 0) if more else 0
        if reply.answer is not None:
            self.shown[session] = before + len(reply.answer.passages)
        return before + 1

    async def answer_more(self, update: Update, context: ContextTypes.DEFAULT_TYPE, request: MoreRequest) -> None:
        """The page after `request.shown` passages of the question behind a More button."""
        answer = await asyncio.to_thread(self.page, request)
        session = self.sessions.get((request.chat_id, update.effective_user.id))
        session.last, self.shown[session] = answer, request.shown + len(answer.passages)
        reply = Reply(answer=answer) if answer.passages else Reply(notice=fmt.Notice.NO_MORE)
        await self.send_reply(update.effective_message, context, reply, request.shown + 1, request.chat_id)

    def page(self, request: MoreRequest) -> Answer:
        full = self.answerer.answer(request.question, request.carried)
        every = full.passages + full.remaining
        k = self.settings.top_k
        return replace(full, passages=every[request.shown:request.shown + k], remaining=every[request.shown + k:])

    async def typing(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        with suppress(TelegramError):
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)

    async def send_reply(self, message: Message | None, context: ContextTypes.DEFAULT_TYPE, reply: Reply,
                         first: int, chat_id: int | None = None) -> None:
        messages = fmt.reply_messages(reply, self.examples[0], first)
        markup = None
        if reply.answer is not None and reply.answer.has_more:
            carried = tuple(t for t in reply.answer.terms if t.carried)
            shown = first - 1 + len(reply.answer.passages)
            key = self.store.put(MoreRequest(chat_id or message.chat_id, reply.answer.question, carried, shown))
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(fmt.MORE_BUTTON, callback_data=key)]])
        if reply.answer is not None:
            self.store.remember_last(chat_id or message.chat_id, key if markup else None)
        for i, html in enumerate(messages):
            last = i == len(messages) - 1
            await send_html(context.bot, chat_id or message.chat_id, html, message.message_id if message else None,
                            markup if last else None)

    async def send(self, update: Update, html: str) -> None:
        message = update.effective_message
        await send_html(update.get_bot(), update.effective_chat.id, html, message.message_id if message else None)

    # -- lifecycle -------------------------------------------------------------------------------
    async def post_init(self, app: Application) -> None:
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        except TelegramError as e:
            logger.warning("Could not register the command menu: %s", e)
        logger.info("quotebot serving %d articles (%d sentences) as @%s", self.answerer.article_count,
                    self.answerer.sentence_count, app.bot.username)

    async def post_shutdown(self, app: Application) -> None:
        self.store.close()
        logger.info("quotebot stopped")


# -- small pure helpers ----------------------------------------------------------------------------
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


def inline_results(answer: Answer) -> list[InlineQueryResultArticle]:
    results = []
    for i, p in enumerate((answer.passages + answer.remaining)[:INLINE_RESULTS]):
        results.append(InlineQueryResultArticle(
            id=str(i), title=(p.source.title or p.source.path)[:100], description=" ".join(p.sentence.split())[:200],
            input_message_content=InputTextMessageContent(fmt.passage_html(p), parse_mode=ParseMode.HTML,
                                                          link_preview_options=NO_PREVIEW)))
    return results


async def send_html(bot, chat_id: int, html: str, reply_to: int | None = None, markup=None) -> Message:
    """Send HTML; if Telegram still can't parse it, send the same words as plain text."""
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    try:
        return await bot.send_message(chat_id, html, parse_mode=ParseMode.HTML, reply_parameters=reply,
                                      reply_markup=markup, link_preview_options=NO_PREVIEW)
    except BadRequest as e:
        if "can't parse entities" not in str(e).lower():
            raise
        logger.warning("Telegram rejected a reply's HTML (%s); sending it as plain text", e)
        return await bot.send_message(chat_id, fmt.plain_text(html), parse_mode=None, reply_parameters=reply,
                                      reply_markup=markup, link_preview_options=NO_PREVIEW)


# -- building and running --------------------------------------------------------------------------
def build_application(settings: Settings, answerer: Answerer, store_path: Path) -> Application:
    """The Application with every handler; `run` (or a test) starts it."""
    qb = QuoteBot(settings, answerer, MoreStore(store_path))
    app = (ApplicationBuilder().token(settings.checked_token()).base_url(settings.telegram_base_url)
           .rate_limiter(RetryingRateLimiter(max_retries=3)).concurrent_updates(True)
           .get_updates_read_timeout(10).post_init(qb.post_init).post_shutdown(qb.post_shutdown).build())
    app.bot_data["quotebot"] = qb
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    for name, handler in [("start", qb.start), ("help", qb.help_command), ("ask", qb.ask), ("more", qb.more),
                          ("sources", qb.sources), ("about", qb.about)]:
        app.add_handler(CommandHandler(name, handler))
    app.add_handler(MessageHandler(filters.COMMAND, qb.unknown_command))
    app.add_handler(MessageHandler(filters.TEXT & private, qb.private_text))
    app.add_handler(MessageHandler(filters.TEXT & groups, qb.group_text))
    app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, qb.non_text))
    app.add_handler(CallbackQueryHandler(qb.more_button))
    app.add_handler(InlineQueryHandler(qb.inline_query))
    app.add_error_handler(qb.on_error)
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


def run(settings: Settings, answerer: Answerer, webhook: str | None = None, listen: str = "127.0.0.1",
        port: int = 8443, secret_token: str | None = None) -> None:
    """Serve until SIGTERM/Ctrl-C: long polling, or a webhook server when `webhook` is a URL."""
    token = settings.checked_token()
    for handler in logging.getLogger().handlers:
        handler.addFilter(_MaskToken(token))
    if logger.getEffectiveLevel() > logging.INFO:  # a server says when it starts and stops
        logger.setLevel(logging.INFO)
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
