"""The pruned search over frequencies weighed at query time answers the canned questions exactly as
the exhaustive search over weights baked in at build time did (tests/index/canned_answers_before_pruning.json,
written by `python -m bot ask --json` before the change): the same passages, at the same places, with
the same BM25 scores to the last bit."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.paths import CANNED, ROOT

BEFORE = ROOT / "tests" / "index" / "canned_answers_before_pruning.json"


def test_canned_answers_are_those_of_the_exhaustive_search_before(tmp_path):
    questions = [q["question"] for q in json.loads(CANNED.read_text(encoding="utf-8"))["questions"]]
    done = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "--corpus", str(ROOT / "seeds"),
                           "--index", str(tmp_path / "index")], input="\n".join(questions) + "\n",
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    now = [json.loads(line) for line in done.stdout.splitlines()]
    before = json.loads(BEFORE.read_text(encoding="utf-8"))["answers"]
    assert [a["question"] for a in now] == [b["question"] for b in before] == questions
    for a, b in zip(now, before):
        assert a["found"] == b["found"], a["question"]
        assert [{"path": p["source"]["path"], "start": p["start"], "end": p["end"], "bm25": p["bm25"]}
                for p in a["passages"]] == b["passages"], a["question"]
