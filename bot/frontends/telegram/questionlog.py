"""Optional question log (QUOTEBOT_LOG_QUESTIONS): what was asked and whether it was answered, with
user ids replaced by salted hashes so the log names nobody."""

from __future__ import annotations

import hashlib
import hmac
import logging

from bot.answer.passages import Answer
from bot.config import Settings

logger = logging.getLogger("quotebot.questions")


def user_hash(user_id: int | str, salt: str) -> str:
    """A stable pseudonym: the same user gets the same hash under one salt, and the id can't be read back."""
    return hmac.new(salt.encode("utf-8"), str(user_id).encode("utf-8"), hashlib.sha256).hexdigest()[:16]


class QuestionLog:
    def __init__(self, settings: Settings):
        self.enabled = settings.log_questions
        self.salt = settings.log_salt
        if self.enabled and not self.salt:
            logger.warning("QUOTEBOT_LOG_QUESTIONS is on without QUOTEBOT_LOG_SALT; user hashes are unsalted")

    def record(self, user_id: int | str | None, question: str, answer: Answer | None) -> None:
        if not self.enabled:
            return
        who = user_hash(user_id, self.salt) if user_id is not None else "-"
        found = answer is not None and answer.found
        logger.info("user=%s found=%s question=%r", who, found, question[:500])
