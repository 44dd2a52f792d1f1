"""An answerer that follows the corpus folder: articles added, edited or deleted while a bot runs are
picked up without a restart.

A background thread compares the corpus fingerprint every `reload_seconds`; on a change it builds
and loads a new index off to the side and then swaps one reference, so questions asked during the
rebuild are answered from the old index and no question ever sees half of each.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from bot.answer.answerer import Answerer
from bot.config import Settings
from bot.errors import QuotebotError

logger = logging.getLogger(__name__)


class _Current:
    """A member of the newest answerer, looked up again on every use: a reload is seen at once, and
    one call (an `answer`, say) runs wholly on the index it started on."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, live: "LiveAnswerer | None", owner: type | None = None) -> Any:
        return self if live is None else getattr(live.current, self.name)


class LiveAnswerer:
    """An `AnswerService` that always answers from the newest complete index of its corpus folder."""

    article_count = _Current()
    sentence_count = _Current()
    page_size = _Current()
    sources = _Current()
    example_questions = _Current()
    answer = _Current()

    def __init__(self, answerer: Answerer, settings: Settings, fingerprint: str | None = None):
        self.current = answerer  # replaced whole on a reload, never changed in place
        self.settings = settings  # where the corpus and the index are, how often to look
        self._fingerprint = fingerprint
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reloads = 0

    # -- reloading ---------------------------------------------------------------------------------
    def check_once(self) -> bool:
        """Rebuild and swap if the corpus changed; True when a new index was swapped in."""
        from bot.index import build as index_build

        try:
            fp = index_build.fingerprint(self.settings.corpus_dir)
        except OSError as e:
            logger.warning("cannot read the corpus folder %s: %s", self.settings.corpus_dir, e)
            return False
        if fp == self._fingerprint:
            return False
        logger.info("articles changed in %s; rebuilding the index", self.settings.corpus_dir)
        try:
            index = index_build.open_index(self.settings, notify=lambda message: logger.info("%s", message))
        except (QuotebotError, OSError) as e:
            # Keep serving the old index: an emptied or broken folder must not take the bot down.
            logger.warning("reload failed, still answering from the previous index: %s", e)
            self._fingerprint = fp
            return False
        self.current = Answerer(index, self.settings.answering)
        self._fingerprint = fp
        self.reloads += 1
        logger.info("index reloaded: %d articles, %d sentences", index.article_count, index.sentence_count)
        return True

    def start(self, on_reload: Callable[[], None] | None = None) -> None:
        """Check every settings.reload_seconds in a daemon thread (no-op when that is 0)."""
        if self.settings.reload_seconds <= 0 or self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(self.settings.reload_seconds):
                try:
                    if self.check_once() and on_reload:
                        on_reload()
                except Exception:  # a watcher that dies silently would stop all reloads
                    logger.exception("index reload check failed")

        self._thread = threading.Thread(target=loop, name="quotebot-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
