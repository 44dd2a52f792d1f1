"""The real `python -m bot telegram` process against the stand-in Bot API: polling, restart, webhook."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.botapi import TOKEN, BotAPI
from tests.support.telegram_harness import make_corpus

from tests.support.paths import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BotProcess:
    def __init__(self, api: BotAPI, corpus: Path, index: Path, *args: str, token: str = TOKEN):
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_BASE_URL": api.base_url,
               "QUOTEBOT_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
        self.log = index.parent / f"bot-{time.monotonic_ns()}.log"
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "telegram", "--corpus", str(corpus),
                                      "--index", str(index), *args], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=self.log.open("w"))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture
def corpus(tmp_path):
    return make_corpus(tmp_path)


@pytest.fixture
def api():
    with BotAPI() as server:
        yield server


def test_polling_process_answers_stops_cleanly_and_keeps_buttons_across_restart(api, corpus):
    bot = BotProcess(api, *corpus)
    try:
        api.private(1, "How many officials were executed in 2014?")
        first = api.replies(1, timeout=60)[0]
        assert "31 in 2014" in first["text"] and "UPI" in first["text"] and first["markup"]
    finally:
        rc = bot.stop()
    assert rc == 0, bot.output()
    log = bot.output()
    assert "serving 2 articles (40 sentences) as @quotebot_test_bot" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert api.committed > max(api.delivered)  # the offset was confirmed before exiting

    again = BotProcess(api, *corpus)
    try:
        api.press(1, first)
        assert api.replies(1, 2, timeout=60)[1]["text"].startswith("4. ")
        api.private(1, "Who replaced Choe Sun Hui?")
        assert "Kim Hyok Chol" in api.replies(1, 3)[2]["text"]
    finally:
        rc = again.stop()
    assert rc == 0, again.output()
    assert len(api.messages(1)) == 3  # nothing answered twice after the restart


def test_rejected_token_is_one_line_without_the_token(api, corpus):
    wrong = "987654321:WRONGtoken_never-printed"
    bot = BotProcess(api, *corpus, token=wrong)
    assert bot.proc.wait(60) == 2
    out = bot.output()
    assert wrong not in out and "WRONGtoken" not in out
    assert out.strip().splitlines()[-1].startswith("Error: Telegram did not accept the bot token")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _post(port: int, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    req = urllib.request.Request(f"http://127.0.0.1:{port}/hook", json.dumps(update).encode(), headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_webhook_process_checks_the_secret_token(api, corpus):
    port = free_port()
    bot = BotProcess(api, *corpus, "--webhook", f"http://127.0.0.1:{port}/hook", "--listen", "127.0.0.1",
                     "--port", str(port), "--secret-token", "s3cret-Token")
    try:
        hook = api.wait(lambda: api.webhook, timeout=60, what="setWebhook")
        api.wait(lambda: _listening(port), timeout=30, what="the webhook server")
        assert hook == {"url": f"http://127.0.0.1:{port}/hook", "secret_token": "s3cret-Token"}

        def update(update_id: int, user: int, text: str) -> dict:
            return {"update_id": update_id, "message": {
                "message_id": update_id, "date": int(time.time()), "text": text,
                "chat": api.private_chat(user), "from": api.user(user)}}

        assert _post(port, update(1, 5, "Who replaced Choe Sun Hui?"), "wrong") == 403
        assert _post(port, update(2, 6, "Who replaced Choe Sun Hui?"), None) == 403
        assert _post(port, update(3, 7, "Why was the defense minister executed?"), "s3cret-Token") == 200
        assert "napping at a rally" in api.replies(7, timeout=30)[0]["text"]
        assert api.messages(5) == [] and api.messages(6) == []
        assert not api.calls_of("getUpdates")
    finally:
        rc = bot.stop()
    assert rc == 0, bot.output()
    assert TOKEN not in bot.output()
