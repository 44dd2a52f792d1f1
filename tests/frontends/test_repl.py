"""bot.frontends.repl: the real `python -m bot repl` on a pseudo-terminal (colour, line editing) and
with piped input (plain text)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time

from tests.support.paths import ROOT


class Terminal:
    """The REPL in a real pseudo-terminal, typed into like a person would."""

    def __init__(self, settings):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            os.chdir(ROOT)
            os.execvpe(sys.executable, [sys.executable, "-m", "bot", "repl", "--corpus", str(settings.corpus_dir),
                                        "--index", str(settings.index_dir)], {**os.environ, "TERM": "xterm", "HOME": str(settings.index_dir.parent)})
        self.screen = ""

    def read_until(self, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.screen):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{pattern!r} not seen; screen:\n{self.screen[-2000:]}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.screen += os.read(self.fd, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        return self.screen

    def type(self, line: str) -> None:
        self.screen = ""
        os.write(self.fd, line.encode() + b"\r")

    def close(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def unstyled(screen: str) -> str:
    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", screen).split())


def test_repl_on_a_terminal(seeds_settings):
    term = Terminal(seeds_settings)
    term.read_until(r"quotebot> ")
    term.type("How many officials were executed in 2014?")
    screen = term.read_until(r"more: type :more\)[\s\S]*quotebot> ")
    assert "\x1b[1m" in screen  # hit sentence in bold on a colour terminal
    assert "31 in 2014" in unstyled(screen) and "UPI" in screen
    term.type(":more")
    screen = term.read_until(r"\[4\][\s\S]*quotebot> ")
    term.type("and in 2013?")
    assert "30 in 2013" in unstyled(term.read_until(r"quotebot> "))
    term.type("What is the capital of France?")
    assert "I found nothing about that in these articles." in unstyled(term.read_until(r"quotebot> "))
    term.type(":sources")
    screen = unstyled(term.read_until(r"quotebot> "))
    assert "1. North Korea officials defecting in fear of rising executions" in screen
    term.type(":help")
    assert ":quit" in term.read_until(r"quotebot> ")
    term.type("")
    term.read_until(r"quotebot> ")
    os.write(term.fd, b"\x04")  # Ctrl-D
    term.read_until("Bye.")
    assert term.close() == 0


def test_repl_with_piped_input_is_plain_text(seeds_settings):
    cmd = [sys.executable, "-m", "bot", "repl", "--corpus", str(seeds_settings.corpus_dir), "--index", str(seeds_settings.index_dir)]
    done = subprocess.run(cmd, input="Who replaced Choe Sun Hui?\n:quit\n", capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0
    assert "\x1b[" not in done.stdout
    assert "Kim Hyok Chol" in unstyled(done.stdout) and done.stdout.rstrip().endswith("Bye.")


def test_commands_and_questions_in_process(answerer):
    import io

    from bot.frontends.repl import EXIT_HINT, run_repl

    out = io.StringIO()
    run_repl(answerer, stdin=io.StringIO(":help\n:sources\n:frobnicate\nWho replaced Choe Sun Hui?\n:more\nexit\nnever read\n"),
             stdout=out)
    replies = out.getvalue().split("quotebot> ")
    assert replies[0] == f"quotebot: 2 articles, 40 sentences. {EXIT_HINT}\n"
    assert ":quit or Ctrl-D leaves." in replies[1]
    assert replies[2].startswith("1. North Korea officials defecting in fear of rising executions")
    assert replies[3].strip() == f"Unknown command :frobnicate. {EXIT_HINT}"
    assert replies[4].startswith("[1]\n") and "Kim Hyok Chol" in unstyled(replies[4])
    assert replies[5].strip() == "That's all I found for that question."
    assert replies[6] == "Bye.\n" and "never read" not in out.getvalue()
