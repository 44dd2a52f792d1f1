"""Running the real Application (from bot.frontends.telegram.app.build_application) in a background event loop,
against the stand-in Bot API of tests/support/botapi.py, so tests can stay plain synchronous code."""

from __future__ import annotations

import asyncio
import shutil
import threading
from dataclasses import replace
from pathlib import Path

from telegram import Update

from bot.answer.answerer import Answerer
from bot.answer.service import AnswerService
from bot.config import Settings
from bot.index.updates import open_index
from bot.frontends.telegram.app import build_application

from tests.support.botapi import BotAPI
from tests.support.paths import SEEDS


def make_corpus(tmp: Path) -> tuple[Path, Path]:
    corpus = tmp / "corpus"
    shutil.copytree(SEEDS, corpus)
    return corpus, tmp / "index"


def make_settings(api: BotAPI, corpus: Path, index: Path, **changes) -> Settings:
    base = Settings(corpus_dir=corpus, index_dir=index, telegram_token=api.token, telegram_base_url=api.base_url)
    return replace(base, **changes)


def make_answerer(settings: Settings) -> Answerer:
    return Answerer(open_index(settings), settings.answering)


class RunningBot:
    """build_application(...) polling the stand-in from its own thread and event loop."""

    def __init__(self, settings: Settings, answerer: AnswerService, buttons_path: Path | None = None,
                 poll_timeout: int = 1):
        self.app = build_application(settings, answerer, buttons_path or settings.index_dir / "telegram.sqlite")
        self.poll_timeout = poll_timeout
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> "RunningBot":
        self.thread.start()
        self._run(self._start())
        return self

    async def _start(self) -> None:
        app = self.app
        await app.initialize()
        await app.post_init(app)
        await app.updater.start_polling(timeout=self.poll_timeout, allowed_updates=Update.ALL_TYPES)
        await app.start()

    async def _stop(self) -> None:
        app = self.app
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)

    def stop(self) -> None:
        if not self.loop.is_running():
            return
        try:
            self._run(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)

    def _run(self, coro, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __enter__(self) -> "RunningBot":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
