"""Settings: read once from the environment and .env; every default lives in the dataclass."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import AnswerSettings, Settings
from bot.errors import QuotebotError


def test_an_empty_environment_gives_the_dataclass_defaults():
    assert Settings.from_env({}, dotenv_path=None) == Settings()


def test_variables_override_and_the_answerer_gets_only_its_part():
    s = Settings.from_env({"QUOTEBOT_TOP_K": "5", "QUOTEBOT_CONTEXT_AFTER": "0", "QUOTEBOT_CORPUS": "news",
                           "TELEGRAM_BOT_TOKEN": "1:abc"}, dotenv_path=None)
    assert s.corpus_dir == Path("news") and s.index_dir == Settings().index_dir
    assert s.answering == AnswerSettings(top_k=5, context_before=1, context_after=0)


def test_the_environment_wins_over_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("QUOTEBOT_TOP_K=7\nQUOTEBOT_RATE_LIMIT=4\n", encoding="utf-8")
    s = Settings.from_env({"QUOTEBOT_TOP_K": "2"}, dotenv_path=dotenv)
    assert (s.top_k, s.rate_limit) == (2, 4)


def test_history_file_is_a_setting_and_empty_turns_it_off():
    assert Settings.from_env({"QUOTEBOT_HISTORY": "/tmp/h"}, dotenv_path=None).history_path == Path("/tmp/h")
    assert Settings.from_env({"QUOTEBOT_HISTORY": " "}, dotenv_path=None).history_path is None
    assert Settings.from_env({}, dotenv_path=None).history_path == Path("~/.quotebot_history")


@pytest.mark.parametrize("env, message", [
    ({"QUOTEBOT_TOP_K": "three"}, "QUOTEBOT_TOP_K must be a whole number, got 'three'"),
    ({"QUOTEBOT_TOP_K": "0"}, "QUOTEBOT_TOP_K must be at least 1, got 0"),
    ({"QUOTEBOT_LOG_QUESTIONS": "maybe"}, "QUOTEBOT_LOG_QUESTIONS must be true or false, got 'maybe'"),
    ({"TELEGRAM_ALLOWED_USERS": "12,bob"}, "TELEGRAM_ALLOWED_USERS must be comma-separated numeric ids, got '12,bob'"),
])
def test_bad_values_are_one_line_errors(env, message):
    with pytest.raises(QuotebotError) as e:
        Settings.from_env(env, dotenv_path=None)
    assert str(e.value) == message
