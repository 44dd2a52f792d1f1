"""bot.eval.run: the evaluation builds the plan's corpus the normal way and asks through the same
answerer as `ask`; plain BM25 alongside."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.config import Settings
from bot.eval.run import evaluate
from tests.support.paths import CANNED, ROOT, SQUAD_TINY


def settings_for(tmp_path) -> Settings:
    return Settings(corpus_dir=ROOT / "seeds", index_dir=tmp_path / "unused")


def test_tiny_squad_is_answered_right_by_both(tmp_path):
    report = evaluate(SQUAD_TINY, settings_for(tmp_path))
    assert (report.kind, report.questions, report.in_corpus, report.off_corpus) == ("squad", 5, 5, 0)
    assert report.quotebot.recall[1] == 1.0 and report.quotebot.mrr == 1.0
    assert report.baseline.recall[1] == 1.0
    assert report.unreachable == 0 and report.canned_right is None
    assert not (tmp_path / "unused").exists()  # built in a temporary folder


def test_off_corpus_questions_are_refused_by_quotebot_never_by_the_baseline(tmp_path):
    report = evaluate(SQUAD_TINY, settings_for(tmp_path), off_corpus=0.5)
    assert report.articles == 1
    assert report.in_corpus + report.off_corpus == 5 and report.off_corpus in (2, 3)
    assert report.quotebot.refused == 1.0 and report.baseline.refused == 0.0


def test_canned_file(tmp_path):
    report = evaluate(CANNED, settings_for(tmp_path))
    data = json.loads(CANNED.read_text())
    assert report.kind == "canned" and report.articles == 2 and report.sentences == 40
    assert report.questions == len(data["questions"])
    assert report.off_corpus == sum(1 for q in data["questions"] if q.get("no_answer"))
    assert report.quotebot.refused == 1.0 and report.quotebot.recall[5] >= 0.95
    assert report.canned_right == report.questions == sum(r.right for r in report.results)


def test_progress_is_reported_as_questions_are_asked(tmp_path):
    seen = []
    report = evaluate(CANNED, settings_for(tmp_path), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, report.questions), (report.questions, report.questions)]  # fewer than 100 questions


def test_limit_samples_questions_with_the_seed(tmp_path):
    first = evaluate(CANNED, settings_for(tmp_path), limit=7, seed=1)
    again = evaluate(CANNED, settings_for(tmp_path), limit=7, seed=1)
    assert first.questions == 7
    assert [r.case for r in first.results] == [r.case for r in again.results]


def test_misses_name_the_expected_and_the_quoted_sentence(tmp_path):
    misses = tmp_path / "misses.jsonl"
    report = evaluate(SQUAD_TINY, settings_for(tmp_path), off_corpus=0.5, seed=2, misses_path=misses)
    rows = [json.loads(line) for line in misses.read_text().splitlines()]
    assert len(rows) == sum(not r.right for r in report.results)
    for row in rows:
        assert set(row) == {"question", "path", "expected", "found", "rank", "quoted", "quoted_path"}


def test_eval_asks_through_the_same_answerer_as_ask(tmp_path):
    """What eval recorded for a question equals `python -m bot ask --json` on the same corpus."""
    settings = Settings(corpus_dir=ROOT / "seeds", index_dir=tmp_path / "unused", top_k=50)
    report = evaluate(CANNED, settings)
    picked = [r for r in report.results if r.found][:3] + [r for r in report.results if not r.found][:1]
    questions = "\n".join(r.case.question for r in picked) + "\n"
    out = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "-k", "50",
         "--corpus", str(ROOT / "seeds"), "--index", str(tmp_path / "index")],
        input=questions, capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(answers) == len(picked)
    for r, a in zip(picked, answers):
        assert a["found"] == r.found
        assert [(p["source"]["path"], p["start"], p["end"]) for p in a["passages"]] == list(r.passages)
