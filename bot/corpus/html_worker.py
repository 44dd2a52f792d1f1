"""HTML pages read in a separate process with a time limit, so one pathological page is skipped
with a reason instead of hanging a build.

trafilatura and lxml are C and Python code we do not control: a page can make them run for
minutes or take all memory, and a thread cannot be stopped.  A small process (`python -m
bot.corpus.html_worker`) is started on the first page and kept: each page goes over a pipe and its
`Page` comes back as JSON, well under a millisecond next to the ~40 ms of extraction.  When a page
takes longer than HTML_SECONDS_LIMIT the process is killed, the page reported, and a fresh process
started for the next page.  Each process that reads pages (the build, or each of its pool workers)
has its own worker, so pools never nest: a reader only waits while its worker extracts.

read_html_limited(html) -> Page | None   as bot.corpus.html.read_html; HtmlStopped when it could not finish
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot.corpus.html import Page, read_html

logger = logging.getLogger(__name__)

# The longest one page may take; the bound for any bad input.
HTML_SECONDS_LIMIT = 10.0
# Starting the worker (Python, lxml, trafilatura: ~0.5 s) is not counted against a page.
STARTUP_SECONDS_LIMIT = 60.0
_HEADER = 8  # bytes of big-endian length before every message


class HtmlStopped(Exception):
    """The page could not be read in time (or its worker died); the message is the skip reason."""


class _Worker:
    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[2])  # the child imports this same `bot`
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        self.owner = os.getpid()
        self.process = subprocess.Popen([sys.executable, "-m", "bot.corpus.html_worker"], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.ready = False

    def read(self, html: str, limit: float) -> Page | None:
        assert self.process.stdin is not None and self.process.stdout is not None
        if not self.ready:
            _receive(self.process.stdout.fileno(), 1, time.monotonic() + STARTUP_SECONDS_LIMIT)
            self.ready = True
        body = html.encode("utf-8", "surrogatepass")
        self.process.stdin.write(len(body).to_bytes(_HEADER, "big") + body)
        self.process.stdin.flush()
        deadline = time.monotonic() + limit
        size = int.from_bytes(_receive(self.process.stdout.fileno(), _HEADER, deadline), "big")
        return _page(json.loads(_receive(self.process.stdout.fileno(), size, deadline)))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass


class _Late(Exception):
    pass


def _receive(fd: int, size: int, deadline: float) -> bytes:
    """Exactly `size` bytes from the pipe by `deadline`; _Late when time runs out, EOFError when the
    worker is gone."""
    parts, got = [], 0
    while got < size:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise _Late
        part = os.read(fd, min(size - got, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        got += len(part)
    return b"".join(parts)


_worker: _Worker | None = None
_unprotected: list[OSError] = []  # why no worker could be started (said once)
_one_page_at_a_time = threading.Lock()  # one pipe: a thread reading pages while another builds waits


@atexit.register
def _stop_worker() -> None:
    # Closing its pipe would end it too; stopping it here also ends a page still being read.
    if _worker is not None and _worker.owner == os.getpid():
        _worker.stop()


def read_html_limited(html: str) -> Page | None:
    """`read_html(html)`, in the worker process, given HTML_SECONDS_LIMIT seconds."""
    with _one_page_at_a_time:
        return _read_limited(html)


def _read_limited(html: str) -> Page | None:
    global _worker
    if _worker is not None and _worker.owner != os.getpid():
        _worker = None  # inherited through a fork: that process belongs to the parent
    if _worker is None:
        try:
            _worker = _Worker()
        except OSError as e:  # no process can be started here: read in this process, unprotected
            if not _unprotected:
                logger.warning("cannot start a process for HTML pages (%s): reading them without a time limit", e)
                _unprotected.append(e)
            return read_html(html)
    worker = _worker
    try:
        return worker.read(html, HTML_SECONDS_LIMIT)
    except _Late:
        reason = f"HTML extraction took over {HTML_SECONDS_LIMIT:g} s" if worker.ready else "HTML extraction could not start"
    except (EOFError, OSError, ValueError, KeyError, TypeError):  # died (memory, a crash) or answered nonsense
        reason = "HTML extraction failed (its process stopped)"
    worker.stop()
    _worker = None
    raise HtmlStopped(reason)


def _page(data: dict | None) -> Page | None:
    if data is None:
        return None
    return Page(text=data["text"], title=data["title"], author=data["author"], date=data["date"],
                sitename=data["sitename"], url=data["url"],
                kinds={int(at): kind for at, kind in data["kinds"].items()},
                dropped=[(text, rule) for text, rule in data["dropped"]])


def _plain(page: Page | None) -> dict | None:
    if page is None:
        return None
    return {"text": page.text, "title": page.title, "author": page.author, "date": page.date,
            "sitename": page.sitename, "url": page.url, "kinds": {str(at): kind for at, kind in page.kinds.items()},
            "dropped": page.dropped}


def _serve() -> None:
    """The worker: pages in on stdin, their Page as JSON out, until stdin closes."""
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # anything a library prints must not garble the answers
    source = sys.stdin.buffer
    import trafilatura  # noqa: F401  (imported before saying ready: start-up is not a page's time)

    out.write(b"R")
    while True:
        header = source.read(_HEADER)
        if len(header) < _HEADER:
            return
        html = source.read(int.from_bytes(header, "big")).decode("utf-8", "surrogatepass")
        body = json.dumps(_plain(read_html(html))).encode("ascii")
        out.write(len(body).to_bytes(_HEADER, "big") + body)


if __name__ == "__main__":
    _serve()
