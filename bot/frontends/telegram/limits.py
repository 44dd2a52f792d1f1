"""The limits around the bot: Telegram's on what it sends (with retries when Telegram stumbles), and
its own on who may ask and how often (the allowlists, a per-user rate, notices sent once a while)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from typing import NamedTuple

from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

from bot.config import Settings
from bot.frontends.telegram import markup

logger = logging.getLogger(__name__)

NETWORK_RETRIES = 3  # Telegram 5xx / connection failures, on top of AIORateLimiter's 429 retries


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


class Verdict(NamedTuple):
    admitted: bool
    reason: str | None = None  # why not: the refusal or "slow down" (a pressed button always shows it)
    tell: bool = False  # whether to send the reason as a message now (once an hour / minute per user)


class Admission:
    """Who may ask (TELEGRAM_ALLOWED_USERS / _CHATS; everyone when both are empty) and how often
    (QUOTEBOT_RATE_LIMIT questions a minute per user)."""

    def __init__(self, settings: Settings):
        self.users, self.chats = settings.allowed_users, settings.allowed_chats
        self.questions = PerKeyLimit(settings.rate_limit, 60)
        self.slow_down_sent = PerKeyLimit(1, 60)
        self.refusal_sent = PerKeyLimit(1, 3600)

    def allowed(self, user_id: int, chat_id: int | None) -> bool:
        if not self.users and not self.chats:
            return True
        return user_id in self.users or chat_id in self.chats

    def check(self, user_id: int, chat_id: int | None, count: bool = True) -> Verdict:
        """Whether to serve this user here now; `count`: it is a question (commands are not counted)."""
        if not self.allowed(user_id, chat_id):
            tell = self.refusal_sent.allow(user_id)
            if tell:
                logger.warning("Refused user %s in chat %s (not in the allowlist)", user_id,
                               chat_id if chat_id is not None else "-")
            return Verdict(False, markup.REFUSAL, tell)
        if not count or self.questions.allow(user_id):
            return Verdict(True)
        tell = self.slow_down_sent.allow(user_id)
        if tell:
            logger.info("User %s is over the rate limit", user_id)
        return Verdict(False, markup.SLOW_DOWN, tell)
