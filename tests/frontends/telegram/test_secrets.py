"""Secrets and privacy: the token appears in no output of the real process (DEBUG logging, faults, a
rejected token, a crash), `.env` is git-ignored, `.env.example` holds no secret, and the question
log (off by default) names users only by salted hashes."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.botapi import DROP_AFTER, DROP_BEFORE, SLOW, BotAPI
from tests.support.telegram_harness import RunningBot, make_answerer, make_corpus, make_settings

from bot.config import TOKEN_PATTERN
from bot.frontends.telegram.questionlog import user_hash

from tests.support.paths import ROOT
SECRET_TOKEN = "5550001112:AAF-SeCrEt_token-that-must-never-show"
SECRET_PARTS = [SECRET_TOKEN, SECRET_TOKEN.split(":")[1], "SeCrEt_token"]
SALT = "a-long-random-salt-for-the-test"
USER = 4242424242
USER_NAME = "Zelda Secretname"


def run_bot(api: BotAPI, corpus: Path, index: Path, out: Path, **env: str) -> subprocess.Popen:
    """`python -m bot telegram` with stdout and stderr both captured to files next to `out`."""
    full = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
            "QUOTEBOT_LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1", **env}
    return subprocess.Popen([sys.executable, "-m", "bot", "telegram", "--corpus", str(corpus), "--index", str(index)],
                            cwd=ROOT, env=full, stdout=out.with_suffix(".out").open("w"),
                            stderr=out.with_suffix(".err").open("w"))


def outputs(out: Path) -> str:
    return out.with_suffix(".out").read_text() + out.with_suffix(".err").read_text()


def assert_no_secret(text: str, where: str) -> None:
    for part in SECRET_PARTS:
        assert part not in text, f"the token ({part!r}) appears in {where}"


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(30)


@pytest.fixture
def corpus(tmp_path):
    return make_corpus(tmp_path)


def test_token_appears_in_no_output_of_the_process(tmp_path, corpus):
    with BotAPI(token=SECRET_TOKEN) as api:
        # 1. A normal run at DEBUG with faults on the way: 500s, a 429, dropped connections, a slow answer.
        out = tmp_path / "run1"
        proc = run_bot(api, *corpus, out, QUOTEBOT_LOG_QUESTIONS="true", QUOTEBOT_LOG_SALT=SALT)
        try:
            api.private(USER, "How many officials were executed in 2014?", name=USER_NAME)
            first = api.replies(USER, timeout=60)[0]
            assert "31 in 2014" in first["text"]
            api.fail("sendMessage", 500, times=2)
            api.private(USER, "Who replaced Choe Sun Hui?", name=USER_NAME)
            assert "Kim Hyok Chol" in api.replies(USER, 2)[1]["text"]
            api.fail("sendMessage", 429, retry_after=1)
            api.fail("sendMessage", DROP_BEFORE)
            api.fail("sendMessage", SLOW, retry_after=0.5)
            api.private(USER, "Why was the defense minister executed?", name=USER_NAME)
            assert "napping at a rally" in api.replies(USER, 3)[2]["text"]
            api.fail("answerCallbackQuery", 500, times=4)  # more than the retries: the handler fails
            api.press(USER, first)
            api.wait(lambda: len(api.calls_of("answerCallbackQuery")) >= 4, what="the failing callback")
            api.fail("sendMessage", DROP_AFTER)
            api.private(USER, "Kim Jong Un", name=USER_NAME)
            api.replies(USER, 5)
            api.inline(USER, "North Korea")
            api.wait(lambda: [c for c in api.calls_of("answerInlineQuery") if c["status"] == 200],
                     what="the inline answer")
        finally:
            rc = stop(proc)
        log = outputs(out)
        assert rc == 0, log
        assert " DEBUG " in log and "Refused" not in log  # really at DEBUG, and nothing refused
        assert "retrying" in log and "Failed to handle update" in log  # the faults did reach the logs
        assert_no_secret(log, "the DEBUG log of a normal run")
        # the question log was on: the user appears as a salted hash only
        questions = [line for line in log.splitlines() if "quotebot.questions" in line]
        assert len(questions) == 5 and all(f"user={user_hash(USER, SALT)}" in q for q in questions), questions
        assert not any(str(USER) in q or "Zelda" in q or "Secretname" in q for q in questions)
        # (python-telegram-bot's own DEBUG lines print whole updates, names included: DEBUG is for debugging)

        # 2. The server rejects the token (401 on getMe): one line, exit 2, no token.
        api.fail("getMe", 401)
        out = tmp_path / "run2"
        proc = run_bot(api, *corpus, out)
        assert proc.wait(60) == 2
        log = outputs(out)
        assert_no_secret(log, "the output of a rejected token")
        assert log.strip().splitlines()[-1].startswith("Error: Telegram did not accept the bot token")

        # 3. The server only answers 500 to getMe: the process gives up with a crash, still no token.
        api.fail("getMe", 500, times=100)
        out = tmp_path / "run3"
        proc = run_bot(api, *corpus, out)
        try:
            assert proc.wait(60) != 0
        finally:
            stop(proc)
        log = outputs(out)
        # (python-telegram-bot logs the failed start-up with its traceback; the last line is ours)
        assert log.strip().splitlines()[-1].startswith("Error: Could not reach Telegram"), log[-2000:]
        assert_no_secret(log, "the crash output of a failing getMe")

    # 4. A malformed token: refused before any request, without repeating it.
    malformed = "5550001112 SeCrEt_token-with-a-space"
    out = tmp_path / "run4"
    proc = subprocess.run([sys.executable, "-m", "bot", "telegram", "--corpus", str(corpus[0]), "--index",
                           str(corpus[1])], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TELEGRAM_BOT_TOKEN": malformed, "QUOTEBOT_LOG_LEVEL": "DEBUG"})
    assert proc.returncode == 2
    assert "SeCrEt_token" not in proc.stdout + proc.stderr

    # Nothing the bot wrote to disk holds the token either.
    for path in corpus[1].rglob("*"):
        if path.is_file():
            assert b"SeCrEt_token" not in path.read_bytes(), path


def test_env_is_git_ignored_and_the_example_holds_no_secret():
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert ignored.returncode == 0, ".env is not git-ignored"
    tracked = subprocess.run(["git", "ls-files", ".env"], cwd=ROOT, capture_output=True, text=True)
    assert tracked.stdout.strip() == "", ".env is committed"
    example = (ROOT / ".env.example").read_text()
    values = dict(line.split("=", 1) for line in example.splitlines() if "=" in line and not line.startswith("#"))
    assert values["TELEGRAM_BOT_TOKEN"].strip() == "" and values["QUOTEBOT_LOG_SALT"].strip() == ""
    for name, value in values.items():
        assert not TOKEN_PATTERN.match(value.strip()), f"{name} looks like a bot token"
    assert not re.search(r"\d{6,}:[A-Za-z0-9_-]{20,}", example), "something like a bot token in .env.example"


@pytest.fixture
def answerer_and_corpus(tmp_path):
    corpus = make_corpus(tmp_path)
    with BotAPI() as api:
        return make_answerer(make_settings(api, *corpus)), corpus


@pytest.mark.parametrize("enabled", [False, True])
def test_question_log_through_the_application(tmp_path, answerer_and_corpus, caplog, enabled):
    answerer, corpus = answerer_and_corpus
    caplog.set_level(logging.DEBUG)
    with BotAPI() as api:
        settings = make_settings(api, *corpus, log_questions=enabled, log_salt=SALT if enabled else "")
        with RunningBot(settings, answerer, tmp_path / "telegram.sqlite"):
            api.private(USER, "Who replaced Choe Sun Hui?", name=USER_NAME)
            reply = api.replies(USER)[0]
            api.press(USER, reply) if reply["markup"] else None
            api.private(USER, "more", name=USER_NAME)  # pages are not new questions
            api.private(USER + 1, "What is the capital of France?")
            api.replies(USER + 1)
            api.replies(USER, 3 if reply["markup"] else 2)
            api.inline(USER, "North Korea")
            api.wait(lambda: api.calls_of("answerInlineQuery"), what="the inline answer")
            time.sleep(0.2)
    records = [r for r in caplog.records if r.name == "quotebot.questions"]
    everything = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("bot", "quotebot"))
    assert str(USER) not in everything and "Zelda" not in everything and "Secretname" not in everything
    if not enabled:
        assert records == []
        return
    lines = [r.getMessage() for r in records]
    assert len(lines) == 3, lines  # one per question answered: two chat questions, one inline query
    assert lines[0] == f"user={user_hash(USER, SALT)} found=True question='Who replaced Choe Sun Hui?'"
    assert lines[1].startswith(f"user={user_hash(USER + 1, SALT)} found=False ")
    assert lines[2].startswith(f"user={user_hash(USER, SALT)} found=True question='North Korea'")
