"""The bot's handlers: each update -> the conversation (bot.chat) -> HTML (markup) -> a reply.

Each handler is a few lines in python-telegram-bot's style; the shared steps (admission, replying to
a question or a "more", sending a page with its More button) follow them.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from contextlib import suppress
from functools import partial

from telegram import BotCommand, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.answer.service import AnswerService
from bot.chat import ChatSession, Notice, Reply, Sessions, is_more_request
from bot.config import Settings
from bot.frontends.telegram import incoming, markup
from bot.frontends.telegram.limits import Admission
from bot.frontends.telegram.more_buttons import MoreButtons, MoreRequest
from bot.frontends.telegram.questionlog import QuestionLog
from bot.frontends.telegram.sending import inline_results, more_keyboard, send_html

logger = logging.getLogger(__name__)

COMMANDS = [("start", "What I know, with example questions"), ("help", "How to ask"),
            ("ask", "Ask a question (in groups: /ask your question)"), ("more", "More passages for your last question"),
            ("sources", "The articles I quote"), ("about", "Where the answers come from")]
INLINE_RESULTS = 5


class QuoteBot:
    """The bot's state (sessions, limits, More buttons) and its handlers."""

    def __init__(self, settings: Settings, answerer: AnswerService, buttons: MoreButtons):
        self.answerer, self.buttons = answerer, buttons
        self.sessions = Sessions(lambda: ChatSession(answerer), settings.max_sessions, settings.session_idle_seconds)
        self.admission = Admission(settings)
        self.locks: weakref.WeakValueDictionary[object, asyncio.Lock] = weakref.WeakValueDictionary()
        self.question_log = QuestionLog(settings)  # off unless QUOTEBOT_LOG_QUESTIONS; ids as salted hashes

    @property
    def examples(self) -> list[str]:
        """Three questions drawn from the index (a reloaded index draws its own)."""
        return self.answerer.example_questions(3) or ["What happened?"]

    # -- handlers ----------------------------------------------------------------------------------
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start: greeting, corpus size, three example questions."""
        if await self.admit(update, count=False):
            name = update.effective_user.first_name if update.effective_user else ""
            await self.send(update, markup.start_html(name, self.answerer.article_count,
                                                      self.answerer.sentence_count, self.examples))

    async def help_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help."""
        if await self.admit(update, count=False):
            await self.send(update, markup.help_html(self.examples[0]))

    async def about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/about."""
        if await self.admit(update, count=False):
            await self.send(update, markup.about_html(self.answerer.article_count, self.answerer.sentence_count))

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/sources: the articles, title, publisher, date."""
        if await self.admit(update, count=False):
            for html in markup.sources_messages(self.answerer.sources()):
                await self.send(update, html)

    async def ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/ask question (the way to ask in groups with privacy mode on)."""
        question = incoming.command_argument(update.effective_message)
        if question:
            await self.respond(update, context, question)
        elif await self.admit(update, count=False):
            await self.send(update, markup.ASK_HINT.format(example=markup.esc(self.examples[0])))

    async def more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/more: the next passages for the last question."""
        await self.respond(update, context, "more")

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Private chat: every text message is a question."""
        text = update.effective_message.text or ""
        await self.respond(update, context, incoming.strip_mention(text, context.bot.username))

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Groups: only messages that mention the bot or reply to it."""
        question = incoming.addressed_question(update.effective_message, context.bot.username, context.bot.id)
        if question is not None:
            await self.respond(update, context, question)

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command we don't have (in groups only when it is addressed to us)."""
        private = update.effective_chat.type == ChatType.PRIVATE
        command = incoming.unknown_command(update.effective_message.text or "", context.bot.username, private)
        if command is not None and await self.admit(update, count=False):
            await self.send(update, markup.unknown_command_html(command))

    async def non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice...: a one-line hint (an empty text is an empty question)."""
        if update.effective_message.text is not None:
            await self.respond(update, context, "")
        elif await self.admit(update, count=False):
            await self.send(update, markup.NON_TEXT_HINT)

    async def more_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The More button: answer the query at once, then send the next passages."""
        query = update.callback_query
        if not await self.admit(update, callback=True):
            return
        request = self.buttons.take(query.data or "")
        await query.answer(None if request else markup.MORE_EXPIRED)
        with suppress(TelegramError):
            await query.edit_message_reply_markup(None)
        if request is not None:
            await self.answer_more(update, context, request)

    async def inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Inline mode: the first passages as results, each sending its quote and source."""
        query = update.inline_query
        if not query.query.strip() or not await self.admit(update, inline=True):
            await query.answer([], cache_time=5)
            return
        answer = await asyncio.to_thread(self.answerer.answer, query.query)
        await query.answer(inline_results(answer.page(0, INLINE_RESULTS)), cache_time=300)
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
                await context.bot.send_message(update.effective_chat.id, markup.APOLOGY)

    # -- the work --------------------------------------------------------------------------------
    async def admit(self, update: Update, count: bool = True, callback: bool = False, inline: bool = False) -> bool:
        """The allowlist and the per-user rate; tells the user why not when that is due."""
        chat = update.effective_chat
        verdict = self.admission.check(update.effective_user.id if update.effective_user else 0,
                                       chat.id if chat else None, count)
        if callback and not verdict.admitted:
            await update.callback_query.answer(verdict.reason)
        elif verdict.tell and not inline:
            await self.send(update, verdict.reason)
        return verdict.admitted

    async def respond(self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
        """A question (or "more") from a chat: think with "typing…" showing, then reply."""
        if not await self.admit(update):
            return
        chat = update.effective_chat
        key = (chat.id, update.effective_user.id if update.effective_user else 0)
        session = self.sessions.get(key)
        more = is_more_request(question)
        if more and session.last is None and chat.type == ChatType.PRIVATE and \
                await self.more_after_restart(update, context):
            return
        async with self.locks.setdefault(key, asyncio.Lock()):
            typing = asyncio.create_task(self.typing(context, chat.id))
            reply = await asyncio.to_thread(session.more if more else partial(session.ask, question))
            await typing
            await self.send_reply(update.effective_message, context, reply)
            if not more:
                self.question_log.record(key[1], question, reply.answer)

    async def more_after_restart(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """/more in a chat whose conversation the bot forgot (it restarted): the next page of the chat's
        last answer, from the More buttons on disk.  False when the chat never asked anything."""
        asked, request = self.buttons.take_last(update.effective_chat.id)
        if request is not None:
            await self.answer_more(update, context, request)
        elif asked:
            await self.send_reply(update.effective_message, context, Reply(notice=Notice.NO_MORE))
        return asked

    async def answer_more(self, update: Update, context: ContextTypes.DEFAULT_TYPE, request: MoreRequest) -> None:
        """The page a More button stands for, and the conversation goes on from it."""
        session = self.sessions.get((request.chat_id, update.effective_user.id))
        reply = await asyncio.to_thread(session.more_after, request.question, request.carried, request.shown,
                                        request.page_start, request.page_key)
        await self.send_reply(update.effective_message, context, reply, request.chat_id)

    async def typing(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
        with suppress(TelegramError):
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)

    async def send_reply(self, message: Message | None, context: ContextTypes.DEFAULT_TYPE, reply: Reply,
                         chat_id: int | None = None) -> None:
        """A reply in as many messages as it needs, the last with a More button when more is ready."""
        chat_id = chat_id or message.chat_id
        messages = markup.reply_messages(reply, self.examples[0])
        keyboard = None
        page = reply.answer
        if page is not None:
            carried = tuple(t for t in page.terms if t.carried)
            key = self.buttons.put(MoreRequest(chat_id, page.question, carried, page.shown, page.shown_before,
                                               page.page_key)) if page.has_more else None
            self.buttons.remember_last(chat_id, key)
            keyboard = more_keyboard(key) if key else None
        for i, html in enumerate(messages):
            last = i == len(messages) - 1
            await send_html(context.bot, chat_id, html, message.message_id if message else None,
                            keyboard if last else None)

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
        self.buttons.close()
        logger.info("quotebot stopped")
