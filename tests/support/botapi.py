"""A stand-in Telegram Bot API server on 127.0.0.1 for the tests (threaded http.server, no extra deps).

It behaves like Telegram where it matters to a bot: `{base_url}{token}/{method}` with form fields
whose values are JSON (or a JSON body); getUpdates long polling with offsets; HTML checked like
Telegram does (only its tags, balanced, known entities) and text limited to 4096 UTF-16 units after
entity parsing; messages carry `bot_command` and `mention` entities.  Tests inject updates and
faults (HTTP 500, 429 with retry_after, slow answers, connections dropped before or after the call
was handled, a stalled getUpdates) and wait on what the bot sent.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import sys
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs

TOKEN = "123456789:TESTtoken_for-the-stand-in"
MAX_TEXT = 4096
RAW_KEYS = {"text", "query", "callback_query_id", "inline_query_id", "url", "secret_token", "parse_mode",
            "action", "caption", "description", "short_description", "name", "language_code", "next_offset",
            "drop_pending_updates"}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                "pre", "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}")


class ParseError(ValueError):
    pass


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def parse_telegram_html(text: str) -> str:
    """The visible text of Telegram HTML, or ParseError with Telegram's kind of message."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "<":
            m = _TAG.match(text, i)
            if not m:
                raise ParseError(f'Unclosed start tag at byte offset {len(text[:i].encode())}')
            closing, name = m.group(1) == "/", m.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise ParseError(f'Unsupported start tag "{name}" at byte offset {len(text[:i].encode())}')
            if closing:
                if not stack or stack[-1] != name:
                    raise ParseError(f'Unmatched end tag at byte offset {len(text[:i].encode())}, '
                                     f'expected "</{stack[-1] if stack else ""}>", found "</{name}>"')
                stack.pop()
            else:
                if name == "a" and "href" not in m.group(3):
                    raise ParseError("Can't find href attribute of tag a")
                stack.append(name)
            i = m.end()
        elif c == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise ParseError(f"Unsupported HTML entity at byte offset {len(text[:i].encode())}")
            out.append(html.unescape(m.group(0)))
            i = m.end()
        else:
            out.append(c)
            i += 1
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def entities_for(text: str) -> list[dict]:
    """What Telegram attaches to an incoming message: a leading bot_command, @mentions."""
    found = []
    m = _COMMAND.match(text)
    if m:
        found.append({"type": "bot_command", "offset": 0, "length": utf16_len(m.group(0))})
    for m in _MENTION.finditer(text):
        found.append({"type": "mention", "offset": utf16_len(text[:m.start()]), "length": utf16_len(m.group(0))})
    return found


DROP_BEFORE, DROP_AFTER, SLOW = "drop_before", "drop_after", "slow"  # fault kinds besides HTTP statuses


class _Dropped(Exception):
    """The connection is closed without an answer (DROP_BEFORE: unhandled; DROP_AFTER: handled)."""


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


class BotAPI:
    """The server and its state; every public method is thread-safe."""

    def __init__(self, token: str = TOKEN, bot_id: int = 777000111, username: str = "quotebot_test_bot"):
        self.token, self.bot_id, self.username = token, bot_id, username
        self.me = {"id": bot_id, "is_bot": True, "first_name": "Quotebot", "username": username,
                   "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
        self.cond = threading.Condition()
        self.calls: list[dict] = []  # every request: method, params, status
        self.sent: list[dict] = []  # messages the bot sent: chat_id, message_id, text, html, reply_to, markup
        self.updates: deque[dict] = deque()
        self.delivered: list[int] = []  # update ids handed out by getUpdates (with repeats)
        self.committed = 0  # highest offset the bot confirmed
        self.webhook: dict | None = None
        self.commands: list = []
        self.faults: dict[str, deque] = defaultdict(deque)
        self.stalls = 0
        self.dropped_after: list[dict] = []  # messages recorded by a send whose connection was then dropped
        self.retry_waits: list[tuple[float, int]] = []  # (monotonic time, retry_after) of each injected 429
        self.reject_html = 0
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._chats: dict[int, dict] = {}
        self._stopping = threading.Event()
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> "BotAPI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self.cond:
            self.cond.notify_all()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "BotAPI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what tests inject -------------------------------------------------------------------------
    def user(self, user_id: int, name: str | None = None) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": name or f"User{user_id}", "language_code": "en"}

    def private_chat(self, user_id: int) -> dict:
        return {"id": user_id, "type": "private", "first_name": f"User{user_id}"}

    def group_chat(self, chat_id: int) -> dict:
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}

    def message(self, chat: dict, user_id: int, text: str | None, reply_to: dict | None = None,
                name: str | None = None, **extra) -> dict:
        """Queue a message update; returns the message (its message_id is what replies point at)."""
        with self.cond:
            self._chats[chat["id"]] = chat
            msg = {"message_id": next(self._message_ids[chat["id"]]), "date": int(time.time()), "chat": chat,
                   "from": self.user(user_id, name)}
            if text is not None:
                msg["text"] = text
                if entities_for(text):
                    msg["entities"] = entities_for(text)
            if reply_to is not None:
                msg["reply_to_message"] = reply_to
            msg.update(extra)
            self._push({"message": msg})
            return msg

    def private(self, user_id: int, text: str | None, **extra) -> dict:
        return self.message(self.private_chat(user_id), user_id, text, **extra)

    def group(self, chat_id: int, user_id: int, text: str, reply_to: dict | None = None) -> dict:
        return self.message(self.group_chat(chat_id), user_id, text, reply_to)

    def press(self, user_id: int, sent: dict, data: str | None = None) -> str:
        """A press on the inline button of a message the bot sent; returns the callback query id."""
        with self.cond:
            data = data if data is not None else sent["markup"]["inline_keyboard"][0][0]["callback_data"]
            query_id = f"cq{next(self._update_ids)}"
            self._push({"callback_query": {"id": query_id, "from": self.user(user_id), "chat_instance": "1",
                                           "message": self.as_message(sent), "data": data}})
            return query_id

    def sent_before(self, chat_id: int, text: str, callback_data: str) -> dict:
        """A message with a More button that a bot sent earlier (before a restart, or before this
        server started): recorded as sent, so that pressing its button and editing it work."""
        with self.cond:
            markup = {"inline_keyboard": [[{"text": "More", "callback_data": callback_data}]]}
            sent = {"chat_id": chat_id, "message_id": next(self._message_ids[chat_id]), "text": text, "html": text,
                    "parse_mode": "HTML", "reply_to": None, "markup": markup, "time": time.monotonic()}
            self.sent.append(sent)
            return sent

    def inline(self, user_id: int, query: str) -> str:
        with self.cond:
            query_id = f"iq{next(self._update_ids)}"
            self._push({"inline_query": {"id": query_id, "from": self.user(user_id), "query": query, "offset": ""}})
            return query_id

    def fail(self, method: str, status: int | str, times: int = 1, retry_after: int | float | None = None) -> None:
        """The next `times` calls of `method` fail with this HTTP status (429: with retry_after), or
        DROP_BEFORE (connection closed unhandled), DROP_AFTER (handled and recorded, then the connection
        closed without an answer) or SLOW (answered after `retry_after` seconds)."""
        with self.cond:
            self.faults[method].extend([(status, retry_after)] * times)

    def stall_get_updates(self, times: int = 1) -> None:
        """The next getUpdates calls hang (as a dead connection would) until the client gives up."""
        with self.cond:
            self.stalls += times

    def _push(self, body: dict) -> None:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **body})
        self.cond.notify_all()

    # -- what tests look at ------------------------------------------------------------------------
    def wait(self, predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
        """Wait (no sleeps: woken by every request) until predicate() is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; "
                                         f"last calls: {[c['method'] for c in self.calls[-10:]]}")
                self.cond.wait(min(left, 0.5))

    def messages(self, chat_id: int) -> list[dict]:
        with self.cond:
            return [m for m in self.sent if m["chat_id"] == chat_id]

    def replies(self, chat_id: int, count: int = 1, timeout: float = 30.0) -> list[dict]:
        """Wait until the chat holds at least `count` messages from the bot; returns them all."""
        return self.wait(lambda: len(self.messages(chat_id)) >= count and self.messages(chat_id),
                         timeout, f"{count} message(s) in chat {chat_id}")

    def calls_of(self, method: str) -> list[dict]:
        with self.cond:
            return [c for c in self.calls if c["method"] == method]

    def idle(self) -> bool:
        """No update waiting to be fetched and confirmed."""
        with self.cond:
            return not self.updates

    # -- the API -------------------------------------------------------------------------------------
    def call(self, method: str, params: dict) -> Any:
        kind = None
        with self.cond:
            if method != "getUpdates" and self.faults[method]:
                status, retry_after = self.faults[method].popleft()
                if status in (DROP_AFTER, SLOW):
                    kind = (status, retry_after)
                else:
                    self._record(method, params, status, "injected fault")
                    if status == DROP_BEFORE:
                        raise _Dropped()
                    if status == 429:
                        self.retry_waits.append((time.monotonic(), retry_after))
                        raise ApiError(429, f"Too Many Requests: retry after {retry_after}",
                                       {"retry_after": retry_after})
                    if status == 401:
                        raise ApiError(401, "Unauthorized")
                    raise ApiError(status, "Internal Server Error (injected fault)")
        if method == "getUpdates":
            return self._get_updates(params)
        if kind and kind[0] == SLOW:
            self._stopping.wait(kind[1] or 1.0)
        with self.cond:
            try:
                result = self._dispatch(method, params)
            except ApiError as e:
                self._record(method, params, e.status, e.description)
                raise
            if kind and kind[0] == DROP_AFTER:
                self._record(method, params, 200, "injected fault: dropped after handling")
                if method == "sendMessage":
                    markup = self.sent[-1].get("markup") or {}
                    buttons = [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]
                    self.dropped_after.append({**self.sent[-1], "markup_data": buttons[0] if buttons else None})
                raise _Dropped()
            self._record(method, params, 200)
            return result

    def _record(self, method: str, params: dict, status: int, error: str | None = None) -> None:
        self.calls.append({"method": method, "params": params, "status": status, "error": error,
                           "time": time.monotonic()})
        self.cond.notify_all()

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        with self.cond:
            if offset:
                self.committed = max(self.committed, offset)
                while self.updates and self.updates[0]["update_id"] < offset:
                    self.updates.popleft()
            stalled = self.stalls > 0
            self.stalls -= stalled
            self._record("getUpdates", params, 200)
        if stalled:
            self._stopping.wait(60)
            return []
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.updates and not self._stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            batch = [u for u in itertools.islice(self.updates, limit) if u["update_id"] >= offset]
            self.delivered += [u["update_id"] for u in batch]
            return batch

    def _dispatch(self, method: str, p: dict) -> Any:
        if method == "getMe":
            return self.me
        if method in ("deleteWebhook", "close", "logOut"):
            self.webhook = None
            return True
        if method == "setWebhook":
            self.webhook = {"url": p.get("url"), "secret_token": p.get("secret_token")}
            return True
        if method == "getWebhookInfo":
            return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": len(self.updates)}
        if method == "setMyCommands":
            self.commands = p.get("commands") or []
            return True
        if method == "getMyCommands":
            return self.commands
        if method in ("sendChatAction", "answerCallbackQuery", "answerInlineQuery", "deleteMyCommands"):
            if method == "answerInlineQuery":
                for r in p.get("results") or []:
                    content = r.get("input_message_content") or {}
                    self._check_text(content.get("message_text", ""), content.get("parse_mode"))
            return True
        if method == "sendMessage":
            return self._send(p)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            return self._edit(method, p)
        raise ApiError(404, "Not Found: method not found")

    def _check_text(self, text: str, parse_mode: str | None) -> str:
        if parse_mode == "HTML":
            if self.reject_html > 0:
                self.reject_html -= 1
                raise ApiError(400, "Bad Request: can't parse entities: injected fault")
            try:
                text = parse_telegram_html(text)
            except ParseError as e:
                raise ApiError(400, f"Bad Request: can't parse entities: {e}") from None
        elif parse_mode:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text.strip()) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    def _send(self, p: dict) -> dict:
        chat_id = int(p["chat_id"])
        raw = str(p.get("text", ""))
        text = self._check_text(raw, p.get("parse_mode"))
        reply_to = (p.get("reply_parameters") or {}).get("message_id") or p.get("reply_to_message_id")
        sent = {"chat_id": chat_id, "message_id": next(self._message_ids[chat_id]), "text": text, "html": raw,
                "parse_mode": p.get("parse_mode"), "reply_to": reply_to, "markup": p.get("reply_markup"),
                "time": time.monotonic()}
        self.sent.append(sent)
        return self.as_message(sent)

    def _edit(self, method: str, p: dict) -> dict:
        chat_id, message_id = int(p["chat_id"]), int(p["message_id"])
        for sent in self.sent:
            if sent["chat_id"] == chat_id and sent["message_id"] == message_id:
                if method == "editMessageText":
                    sent["html"] = p["text"]
                    sent["text"] = self._check_text(p["text"], p.get("parse_mode"))
                sent["markup"] = p.get("reply_markup")
                return self.as_message(sent)
        raise ApiError(400, "Bad Request: message to edit not found")

    def as_message(self, sent: dict) -> dict:
        """A message the bot sent, as Telegram shows it in an update (to reply to it, say)."""
        chat = self._chats.get(sent["chat_id"]) or (self.private_chat(sent["chat_id"]) if sent["chat_id"] > 0
                                                    else self.group_chat(sent["chat_id"]))
        msg = {"message_id": sent["message_id"], "date": int(time.time()), "chat": chat, "from": self.me,
               "text": sent["text"]}
        if sent.get("markup"):
            msg["reply_markup"] = sent["markup"]
        return msg


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hanging up is not news
            super().handle_error(request, client_address)


def _decode(body: bytes, content_type: str) -> dict:
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    fields = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    out = {}
    for key, value in fields.items():
        if key in RAW_KEYS:
            out[key] = value
            continue
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def _handler(api: BotAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            m = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", self.path.split("?")[0])
            if not m:
                return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            if m.group(1) != api.token:
                return self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            try:
                params = _decode(body, self.headers.get("Content-Type", ""))
                result = api.call(m.group(2), params)
            except _Dropped:
                self.close_connection = True  # hang up without a word
                return None
            except ApiError as e:
                payload = {"ok": False, "error_code": e.status, "description": e.description}
                if e.parameters:
                    payload["parameters"] = e.parameters
                return self._reply(e.status, payload)
            self._reply(200, {"ok": True, "result": result})

        def _reply(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler
