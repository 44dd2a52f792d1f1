"""Canned questions end to end: the real `python -m bot ask --json` process, alone and as a conversation."""

from __future__ import annotations

import json
import subprocess
import sys

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
