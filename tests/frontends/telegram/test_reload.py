"""The real `python -m bot telegram` process with QUOTEBOT_RELOAD_SECONDS=1 follows its corpus folder:
an article added after start is quoted, a deleted one no longer is, without a restart, and questions
asked while the index is being updated are answered (from the old one)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest

from tests.support.botapi import BotAPI
from tests.support.telegram_harness import make_corpus

from tests.support.paths import ROOT
NEW_ARTICLE = ("Lighthouse keeper counts ships\n\nBy Ida Berg\n\n"
               "HALVIK, May 2 (Coast News) -- The lighthouse keeper of Halvik, Tomasz Quillfeather, counted "
               "8,214 ships passing the cape in 2019. He has kept the light for 31 years.\n\n"
               "Quillfeather said the busiest day was the first Monday of August.\n")
NEW_QUESTION = "Who is the lighthouse keeper of Halvik?"
OLD_QUESTION = "Who replaced Choe Sun Hui?"  # answered from 004_c8dacecdbfac066f.txt
STEADY_QUESTION = "How many officials were executed in 2014?"  # in 000_..., never deleted


def filler(n: int, rng: random.Random) -> str:
    """An article of made-up words, to make the update take a moment."""
    words = ["".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(400)]
    sentences = [" ".join(rng.choice(words) for _ in range(14)).capitalize() + "." for _ in range(60)]
    return f"Filler report {n}\n\n" + "\n\n".join(" ".join(sentences[i:i + 4]) for i in range(0, 60, 4)) + "\n"


def log_time(log: str, marker: str) -> datetime | None:
    for line in log.splitlines():
        if marker in line:
            return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
    return None


@pytest.fixture
def bot(tmp_path):
    corpus, index = make_corpus(tmp_path)
    with BotAPI() as api:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
               "QUOTEBOT_LOG_LEVEL": "INFO", "QUOTEBOT_RELOAD_SECONDS": "1", "PYTHONUNBUFFERED": "1"}
        log = tmp_path / "bot.log"
        proc = subprocess.Popen([sys.executable, "-m", "bot", "telegram", "--corpus", str(corpus), "--index",
                                 str(index)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
        try:
            yield api, corpus, log
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0, log.read_text()[-3000:]


def ask(api: BotAPI, user: int, question: str, timeout: float = 30) -> str:
    before = len(api.messages(user))
    api.private(user, question)
    return api.replies(user, before + 1, timeout)[before]["text"]


def test_added_and_deleted_articles_are_followed_without_a_restart(bot):
    api, corpus, log = bot
    assert "31 in 2014" in ask(api, 1, STEADY_QUESTION, timeout=60)
    assert "Quillfeather" not in ask(api, 1, NEW_QUESTION)
    assert "Kim Hyok Chol" in ask(api, 1, OLD_QUESTION)

    # Add the article (and enough filler that the update takes a moment); keep asking meanwhile.  The
    # files are written aside and moved in, the article first: a check of the folder that falls among
    # the moves still sees the article (writing 150 fillers in place takes long enough on a busy
    # machine for a check to see only some of them, and not the article written last).
    rng = random.Random(5)
    staging = corpus.parent / "staging"
    staging.mkdir()
    (staging / "lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    for n in range(150):
        (staging / f"filler_{n:03d}.txt").write_text(filler(n, rng), encoding="utf-8")
    for path in sorted(staging.iterdir(), key=lambda p: p.name != "lighthouse.txt"):
        path.rename(corpus / path.name)
    asked: list[tuple[int, datetime]] = []
    deadline = time.monotonic() + 30
    user = 100
    while time.monotonic() < deadline:
        user += 1
        api.private(user, STEADY_QUESTION)
        asked.append((user, datetime.now()))
        if "index updated" in log.read_text():
            break
        time.sleep(0.05)
    text = log.read_text()
    started, done = log_time(text, "updating the index"), log_time(text, "index updated")
    assert started and done, text[-3000:]
    during = [u for u, t in asked if started <= t <= done]
    assert during, f"no question was asked during the update ({started} .. {done})"
    for u, _ in asked:  # every one answered, once, with the quote
        replies = api.replies(u, 1, timeout=30)
        assert len(replies) == 1 and "31 in 2014" in replies[0]["text"], (u, replies)
    time.sleep(0.5)
    assert all(len(api.messages(u)) == 1 for u, _ in asked)

    reply = ask(api, 2, NEW_QUESTION)
    assert "Quillfeather" in reply and "8,214 ships" in reply

    # Delete an article: once the bot has noticed, its text is never quoted again.
    (corpus / "004_c8dacecdbfac066f.txt").unlink()
    user = 500
    deadline = time.monotonic() + 30
    while True:
        user += 1
        if "Kim Hyok Chol" not in ask(api, user, OLD_QUESTION):
            break
        assert time.monotonic() < deadline, "the deleted article is still quoted after 30 s"
        time.sleep(0.3)
    for n in range(3):
        assert "Kim Hyok Chol" not in ask(api, 600 + n, OLD_QUESTION)
    assert "31 in 2014" in ask(api, 700, STEADY_QUESTION)
    assert log.read_text().count("index updated") >= 2
