"""Settings: read once from the environment and an optional `.env`, then passed down."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

from dotenv import dotenv_values

from bot.errors import QuotebotError

TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QuotebotError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise QuotebotError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise QuotebotError(f"{name} must be true or false, got {raw!r}")


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "").strip()
    if not raw:
        return frozenset()
    try:
        return frozenset(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise QuotebotError(f"{name} must be comma-separated numeric ids, got {raw!r}") from None


@dataclass(frozen=True)
class AnswerSettings:
    """What the answerer uses: passages per page and the sentences quoted around each hit."""

    top_k: int
    context_before: int
    context_after: int


@dataclass(frozen=True)
class Settings:
    """Every setting with its default, written once; `from_env` reads the same fields by name."""

    corpus_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    top_k: int = 3
    context_before: int = 1
    context_after: int = 1
    max_sessions: int = 10_000
    session_idle_seconds: int = 3600
    log_level: str = "WARNING"
    history_path: Path | None = Path("~/.quotebot_history")  # the REPL's line history (None: none kept)
    # Telegram
    telegram_token: str = field(default="", repr=False)
    telegram_base_url: str = "https://api.telegram.org/bot"
    allowed_users: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] = frozenset()
    rate_limit: int = 20
    reload_seconds: int = 2  # the REPL and Telegram look for changed articles this often (0: never)
    log_questions: bool = False
    log_salt: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv_path: Path | None = Path(".env")) -> "Settings":
        """Environment wins over `.env`; `.env` is optional; an unset or empty variable keeps the default."""
        env: dict[str, str] = {}
        if dotenv_path is not None and dotenv_path.is_file():
            env.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        env.update(os.environ if environ is None else environ)
        default = {f.name: f.default for f in fields(cls)}

        def path(name: str, key: str) -> Path:
            raw = env.get(name)
            return Path(raw) if raw else default[key]

        history = env.get("QUOTEBOT_HISTORY")
        return cls(
            corpus_dir=path("QUOTEBOT_CORPUS", "corpus_dir"),
            index_dir=path("QUOTEBOT_INDEX", "index_dir"),
            top_k=_int(env, "QUOTEBOT_TOP_K", default["top_k"], 1),
            context_before=_int(env, "QUOTEBOT_CONTEXT_BEFORE", default["context_before"]),
            context_after=_int(env, "QUOTEBOT_CONTEXT_AFTER", default["context_after"]),
            max_sessions=_int(env, "QUOTEBOT_MAX_SESSIONS", default["max_sessions"], 1),
            session_idle_seconds=_int(env, "QUOTEBOT_SESSION_IDLE_SECONDS", default["session_idle_seconds"], 1),
            log_level=(env.get("QUOTEBOT_LOG_LEVEL") or default["log_level"]).upper(),
            history_path=default["history_path"] if history is None else Path(history.strip()) if history.strip() else None,
            telegram_token=(env.get("TELEGRAM_BOT_TOKEN") or "").strip(),
            telegram_base_url=env.get("TELEGRAM_BASE_URL") or default["telegram_base_url"],
            allowed_users=_ids(env, "TELEGRAM_ALLOWED_USERS"),
            allowed_chats=_ids(env, "TELEGRAM_ALLOWED_CHATS"),
            rate_limit=_int(env, "QUOTEBOT_RATE_LIMIT", default["rate_limit"], 1),
            reload_seconds=_int(env, "QUOTEBOT_RELOAD_SECONDS", default["reload_seconds"]),
            log_questions=_bool(env, "QUOTEBOT_LOG_QUESTIONS", default["log_questions"]),
            log_salt=env.get("QUOTEBOT_LOG_SALT") or "",
        )

    @property
    def answering(self) -> AnswerSettings:
        return AnswerSettings(self.top_k, self.context_before, self.context_after)

    def with_paths(self, corpus: Path | None = None, index: Path | None = None) -> "Settings":
        """Command-line --corpus/--index override the environment."""
        return replace(
            self,
            corpus_dir=corpus if corpus is not None else self.corpus_dir,
            index_dir=index if index is not None else self.index_dir,
        )

    def checked_token(self) -> str:
        """The Telegram token, or a QuotebotError that never repeats it."""
        if not self.telegram_token:
            raise QuotebotError("TELEGRAM_BOT_TOKEN is not set (put it in the environment or .env)")
        if not TOKEN_PATTERN.match(self.telegram_token):
            raise QuotebotError("TELEGRAM_BOT_TOKEN is not a valid bot token (expected digits:letters, as BotFather gives it)")
        return self.telegram_token
