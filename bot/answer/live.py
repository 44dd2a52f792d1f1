"""An answerer that follows the corpus folder: articles added, edited or deleted while a bot runs are
picked up without a restart, a rebuild or a pause in answering.

A background thread looks every `reload_seconds`: where the system has inotify (Linux), a look is one
non-blocking read of the folder's change events, and the folder is listed only after a change; else
the folder is listed with one stat per file.  On a change it brings the index up to the folder by
segments (bot.index.updates: only the changed files are read) and then swaps one reference, so
questions asked meanwhile are answered from the old index and no question ever sees half of each.
It also sees another process's commit (a webhook replica's) and loads it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import struct
import sys
import threading
from pathlib import Path
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


# inotify(7): what makes a folder "changed" for us, and the event header's layout.
_IN_MODIFY, _IN_ATTRIB, _IN_CLOSE_WRITE = 0x2, 0x4, 0x8
_IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x40, 0x80, 0x100, 0x200
_IN_DELETE_SELF, _IN_MOVE_SELF, _IN_Q_OVERFLOW, _IN_ISDIR = 0x400, 0x800, 0x4000, 0x40000000
_IN_NONBLOCK, _IN_CLOEXEC = 0o4000, 0o2000000
_MASK = (_IN_MODIFY | _IN_ATTRIB | _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
         | _IN_DELETE_SELF | _IN_MOVE_SELF)
_EVENT = struct.Struct("iIII")
# The interpreter's thread switch interval while a bot follows its folder (see LiveAnswerer.start).
SWITCH_INTERVAL = 0.001


class FolderWatch:
    """inotify watches on a folder and every folder under it: `changed()` says whether anything in them
    changed since it was last asked (one read of pending events; no listing, no stat)."""

    def __init__(self, folder: Path):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        self._add = libc.inotify_add_watch
        self._add.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
        self.folder = folder
        self.fd = libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        try:
            self._watch_all()
        except OSError:
            os.close(self.fd)
            raise

    def _watch_all(self) -> None:
        seen: set[str] = set()  # (folder links are followed, as the listing follows them: once each)
        for root, dirs, _ in os.walk(self.folder, followlinks=True):
            real = os.path.realpath(root)
            if real in seen:
                dirs[:] = []
                continue
            seen.add(real)
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            if self._add(self.fd, os.fsencode(root), _MASK) < 0:
                raise OSError(ctypes.get_errno(), f"cannot watch {root}")

    def changed(self) -> bool:
        found = folders = False
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not data:
                break
            found = True
            at = 0
            while at + _EVENT.size <= len(data):
                _, mask, _, length = _EVENT.unpack_from(data, at)
                folders |= bool(mask & (_IN_ISDIR | _IN_Q_OVERFLOW))
                at += _EVENT.size + length
        if folders:  # a folder came, went or moved (or events were lost): watch what is there now
            self._watch_all()
        return found

    def close(self) -> None:
        os.close(self.fd)


def _watch(folder: Path) -> FolderWatch | None:
    """A FolderWatch when the system has inotify and watches to spare, else None (then we list)."""
    try:
        return FolderWatch(folder)
    except (OSError, AttributeError) as e:
        if getattr(e, "errno", None) == errno.ENOSPC:
            logger.info("too many folders to watch in %s (fs.inotify.max_user_watches): listing it instead", folder)
        return None


class LiveAnswerer:
    """An `AnswerService` that always answers from the newest complete index of its corpus folder."""

    article_count = _Current()
    sentence_count = _Current()
    page_size = _Current()
    sources = _Current()
    example_questions = _Current()
    answer = _Current()
    holds = _Current()

    def __init__(self, answerer: Answerer, settings: Settings):
        from bot.index import format as index_format
        from bot.index.updates import indexed_states

        self.current = answerer  # replaced whole on a reload, never changed in place
        self.settings = settings  # where the corpus and the index are, how often to look
        self._name = index_format.current_name(settings.index_dir)  # what CURRENT named when loaded
        self._sequence = index_format.current_sequence(settings.index_dir)  # and its number
        self._states = indexed_states(settings.index_dir)  # the article files' states the index covers
        self._swap_lock = threading.Lock()  # the watcher and a merge both swap
        self._merging: threading.Thread | None = None
        self._watch: FolderWatch | None = None
        self._pending = True  # look at the folder itself at the first check
        self._said: str | None = None  # the last failure logged (each is logged once)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reloads = 0

    # -- reloading ---------------------------------------------------------------------------------
    def _folder_changed(self) -> bool:
        from bot.corpus.folder import article_states

        if self._watch is not None:
            self._pending |= self._watch.changed()
            if not self._pending:
                return False
        self._pending = False
        try:
            return article_states(self.settings.corpus_dir) != self._states
        except (OSError, QuotebotError) as e:
            self._say(f"cannot read the corpus folder {self.settings.corpus_dir}: {e}")
            return False

    def check_once(self) -> bool:
        """Bring the index up to the folder (or to another process's commit) and swap; True when a new
        index was swapped in."""
        from bot.index import format as index_format
        from bot.index import updates

        name = index_format.current_name(self.settings.index_dir)
        if not self._folder_changed() and name == self._name:
            return False
        logger.info("articles changed in %s; updating the index", self.settings.corpus_dir)
        try:
            index, report = updates.update(self.settings, loaded=(self._name, self.current.index))
        except (QuotebotError, OSError) as e:
            # Keep serving the old index: an emptied or broken folder, a full disk or a read-only index
            # folder must not take the bot down.  Tried again at the next change.
            self._pending = True
            self._say(f"the index was not updated, still answering from the previous one: {e}")
            return False
        self._said = None
        swapped = self._swap(index, report)
        if swapped:
            logger.info("index updated (%d added or edited, %d deleted, %d segments): %d articles, %d sentences",
                        len(report.added), len(report.removed), report.segments, index.article_count,
                        index.sentence_count)
        self._merge_when_due()
        return swapped

    def _swap(self, index, report) -> bool:
        """Answer from this index from now on, unless the one answered from is as new (a merge and an
        update finish in either order)."""
        if report.current != self._name and report.sequence >= self._sequence:
            answerer = Answerer(index, self.settings.answering)
            answerer.warm()  # here, not in the first question after the swap
        with self._swap_lock:
            if report.current == self._name or report.sequence < self._sequence:
                if report.current == self._name:
                    self._states = report.states
                return False
            previous, self.current = self.current, answerer
            self._name, self._sequence, self._states = report.current, report.sequence, report.states
            self.reloads += 1
        # Answers from the old index make their remaining passages now (off the serving thread), so
        # that sessions keeping their last answer for "more" do not keep one old index per reload.
        previous.finish_answers()
        return True

    def _merge_when_due(self) -> None:
        """Start a merge in a thread of its own when the policy asks for one: files are still added
        meanwhile (bot.index.updates.merge_due holds the build lock only to commit)."""
        from bot.index import updates
        from bot.index.combined import CombinedIndex

        if self._merging is not None and self._merging.is_alive():
            return
        index = self.current.index
        if not isinstance(index, CombinedIndex) or not updates.to_merge(index.parts):
            return

        def merge() -> None:
            try:
                done = updates.merge_due(self.settings, loaded=(self._name, self.current.index))
            except (QuotebotError, OSError) as e:
                self._say(f"a merge of the index's segments failed (the index is as it was): {e}")
                return
            except Exception:
                logger.exception("a merge of the index's segments failed")
                return
            if done is not None and self._swap(*done):
                logger.info("index segments merged: %d segments in %.1f s", done[1].segments, done[1].seconds)

        self._merging = threading.Thread(target=merge, name="quotebot-merge", daemon=True)
        self._merging.start()

    def _say(self, message: str) -> None:
        if message != self._said:
            logger.warning("%s", message)
            self._said = message

    def start(self, on_reload: Callable[[], None] | None = None) -> None:
        """Check every settings.reload_seconds in a daemon thread (no-op when that is 0)."""
        if self.settings.reload_seconds <= 0 or self._thread is not None:
            return
        self._watch = _watch(self.settings.corpus_dir)
        # An update or a merge is Python work in a thread of this process: with the interpreter's 5 ms
        # switch interval, a question waits up to 5 ms each time it gives the GIL back (numpy and the
        # search kernel give it back often), 100 ms and more in all while a segment is built; at 1 ms
        # it waits ~25-50 ms at most, and questions cost no more when nothing is being updated.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))

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
        if self._merging is not None:
            self._merging.join(timeout=60)  # (a merge killed midway is harmless: its segment is set aside)
            self._merging = None
        if self._watch is not None:
            self._watch.close()
            self._watch = None
