"""What a "More" button stands for, kept on disk so buttons still work after a restart.

A button's callback_data is a short random key; the table maps it to the question, the words
carried over from the conversation, and how many passages were already shown.  Each key is used
once (pressing it takes it out), and only the newest `max_rows` keys are kept.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.answer.query import QueryTerm

KEY_PREFIX = "m:"  # callback_data is "m:" + 11 URL-safe characters, far below Telegram's 64 bytes


@dataclass(frozen=True)
class MoreRequest:
    """The page a More button asks for: the one after `shown` passages of the chat's question."""

    chat_id: int
    question: str
    carried: tuple[QueryTerm, ...]
    shown: int  # passages already shown
    page_start: int = 0  # the first passage of the page the button was under
    page_key: str | None = None  # that page's Answer.page_key (None: a button from before they were kept)


class MoreButtons:
    """The More buttons sent and not yet pressed, and each chat's latest answer, in SQLite."""

    def __init__(self, path: Path, max_rows: int = 50_000):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS more (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                         "key TEXT UNIQUE NOT NULL, chat_id INTEGER NOT NULL, question TEXT NOT NULL, "
                         "carried TEXT NOT NULL, shown INTEGER NOT NULL)")
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(more)")}
        if "page_key" not in columns:  # a store from before buttons knew their page
            self._db.execute("ALTER TABLE more ADD COLUMN page_start INTEGER NOT NULL DEFAULT 0")
            self._db.execute("ALTER TABLE more ADD COLUMN page_key TEXT")
        # Each chat's last answer: the key of its More button, or NULL when it had nothing more.
        self._db.execute("CREATE TABLE IF NOT EXISTS last (chat_id INTEGER PRIMARY KEY, key TEXT)")

    def put(self, request: MoreRequest) -> str:
        """Keep a request for its button; returns the button's callback_data."""
        key = secrets.token_urlsafe(8)
        carried = json.dumps([asdict(t) for t in request.carried])
        with self._lock:
            self._db.execute("INSERT INTO more (key, chat_id, question, carried, shown, page_start, page_key) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", (key, request.chat_id, request.question, carried,
                                                              request.shown, request.page_start, request.page_key))
            self._db.execute("DELETE FROM more WHERE id <= (SELECT MAX(id) FROM more) - ?", (self.max_rows,))
        return KEY_PREFIX + key

    def take(self, data: str) -> MoreRequest | None:
        """The request behind callback_data, removed so a second press finds nothing; None if unknown."""
        if not data.startswith(KEY_PREFIX):
            return None
        with self._lock:
            row = self._db.execute("DELETE FROM more WHERE key = ? RETURNING chat_id, question, carried, shown, "
                                   "page_start, page_key", (data[len(KEY_PREFIX):],)).fetchone()
        if row is None:
            return None
        chat_id, question, carried, shown, page_start, page_key = row
        try:
            terms = tuple(QueryTerm(**t) for t in json.loads(carried))
        except (TypeError, ValueError):
            terms = ()
        return MoreRequest(chat_id, question, terms, shown, page_start, page_key)

    def remember_last(self, chat_id: int, data: str | None) -> None:
        """Note the chat's latest answer (its More button's callback_data, or None)."""
        key = data[len(KEY_PREFIX):] if data else None
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO last (chat_id, key) VALUES (?, ?)", (chat_id, key))
            self._db.execute("DELETE FROM last WHERE rowid <= (SELECT MAX(rowid) FROM last) - ?", (self.max_rows,))

    def take_last(self, chat_id: int) -> tuple[bool, MoreRequest | None]:
        """What /more means for a chat whose conversation memory is gone (the bot restarted):
        (whether the chat asked anything, the next page of its last answer or None)."""
        with self._lock:
            row = self._db.execute("SELECT key FROM last WHERE chat_id = ?", (chat_id,)).fetchone()
        return row is not None, self.take(KEY_PREFIX + row[0]) if row and row[0] else None

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM more").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
