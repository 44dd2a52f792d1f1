import logging

from bot.config import Settings
from bot.frontends.telegram.questionlog import QuestionLog, user_hash


def test_off_by_default(caplog, answerer):
    caplog.set_level(logging.INFO, logger="quotebot.questions")
    QuestionLog(Settings()).record(12345, "Who replaced Choe Sun Hui?", answerer.answer("Who replaced Choe Sun Hui?"))
    assert caplog.records == []


def test_records_salted_hashes_not_ids(caplog, answerer):
    caplog.set_level(logging.INFO, logger="quotebot.questions")
    log = QuestionLog(Settings(log_questions=True, log_salt="pepper"))
    log.record(12345, "Who replaced Choe Sun Hui?", answerer.answer("Who replaced Choe Sun Hui?"))
    line = caplog.records[-1].getMessage()
    assert "12345" not in line
    assert user_hash(12345, "pepper") in line and "found=True" in line
    assert user_hash(12345, "pepper") != user_hash(12345, "salt") != user_hash(12346, "salt")
