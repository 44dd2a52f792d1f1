"""Canned questions end to end: the real `python -m bot ask --json` process and the REPL on a pty."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time

import pytest

from tests.support.paths import CANNED, ROOT

CASES = json.loads(CANNED.read_text(encoding="utf-8"))


def ask(settings, lines: list[str], *extra: str) -> list[dict]:
    cmd = [sys.executable, "-m", "bot", "ask", "--json", "--corpus", str(settings.corpus_dir),
           "--index", str(settings.index_dir), *extra]
    done = subprocess.run(cmd, input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def is_right(case: dict, answer: dict) -> bool:
    if case.get("no_answer"):
        return not answer["found"] and answer["passages"] == []
    rank = case.get("rank", 1)
    return answer["found"] and any(
        case["expect"] in p["quote"] and p["source"]["path"] == case["path"] for p in answer["passages"][:rank])


def test_canned_questions_through_ask_json(seeds_settings):
    questions = CASES["questions"]
    answers = ask(seeds_settings, [c["question"] for c in questions])
    assert len(answers) == len(questions)
    wrong = [(c["question"], [p["sentence"] for p in a["passages"][:2]]) for c, a in zip(questions, answers)
             if not is_right(c, a)]
    assert wrong == []
    for case, answer in zip(questions, answers):
        if case.get("typo"):
            assert case["typo"] in json.dumps(answer["corrections"])
        for p in answer["passages"]:
            assert p["sentence"] in p["quote"]
            article = (seeds_settings.corpus_dir / p["source"]["path"]).read_text(encoding="utf-8")
            assert article[p["start"]:p["end"]] == p["sentence"]
            assert p["quote"] in article


@pytest.mark.parametrize("conversation", CASES["conversations"], ids=lambda c: c["lines"][0])
def test_conversations_through_ask_chat(seeds_settings, conversation):
    answers = ask(seeds_settings, conversation["lines"], "--chat")
    assert len(answers) == len(conversation["lines"])
    for expect, answer in zip(conversation["expect"], answers):
        assert answer["found"]
        if expect is not None:
            assert expect in answer["passages"][0]["quote"]
    if conversation["lines"][-1] == "more":
        assert answers[-1]["passages"] and answers[-1]["passages"][0] not in answers[0]["passages"]


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


def plain(screen: str) -> str:
    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", screen).split())


def test_repl_on_a_terminal(seeds_settings):
    term = Terminal(seeds_settings)
    term.read_until(r"quotebot> ")
    term.type("How many officials were executed in 2014?")
    screen = term.read_until(r"more: type :more\)[\s\S]*quotebot> ")
    assert "\x1b[1m" in screen  # hit sentence in bold on a colour terminal
    assert "31 in 2014" in plain(screen) and "UPI" in screen
    term.type(":more")
    screen = term.read_until(r"\[4\][\s\S]*quotebot> ")
    term.type("and in 2013?")
    assert "30 in 2013" in plain(term.read_until(r"quotebot> "))
    term.type("What is the capital of France?")
    assert "I found nothing about that in these articles." in plain(term.read_until(r"quotebot> "))
    term.type(":sources")
    screen = plain(term.read_until(r"quotebot> "))
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
    assert "Kim Hyok Chol" in plain(done.stdout) and done.stdout.rstrip().endswith("Bye.")
