"""`quotebot eval`: the metric code by hand, the CLI on the tiny SQuAD file and the canned file,
and proof that the evaluation asks through the same answerer as `ask`."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.frontends import cli
from bot.eval import squad
from bot.eval import run as ev
from bot.config import Settings

from tests.support.paths import ROOT
TINY = ROOT / "tests" / "data" / "squad_tiny.json"
CANNED = ROOT / "tests" / "data" / "canned.json"


@pytest.fixture
def tiny_cases(tmp_path):
    plan = ev._squad_plan(squad.load(TINY), tmp_path / "corpus", 0.0, random.Random(0))
    return plan.cases


def test_squad_offsets_point_at_the_answers(tmp_path):
    articles = squad.load(TINY)
    written = squad.write_corpus(articles, tmp_path)
    raw = json.loads(TINY.read_text())
    for a, art in enumerate(raw["data"]):
        w = written[a]
        assert (tmp_path / w.path).read_text(encoding="utf-8") == w.text
        assert w.text.startswith(art["title"].replace("_", " ") + "\n\n")
        for p, para in enumerate(art["paragraphs"]):
            for qa in para["qas"]:
                ans = qa["answers"][0]
                start = w.paragraph_offsets[p] + ans["answer_start"]
                assert w.text[start:start + len(ans["text"])] == ans["text"]


def _sentence_around(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind(". ", 0, offset) + 2 if text.rfind(". ", 0, offset) >= 0 else 0
    end = text.find(".", offset) + 1
    return start, end


def test_metrics_known_by_hand(tmp_path):
    """Five questions whose right passage comes 1st, 2nd, never (refused), 1st, 4th."""
    plan = ev._squad_plan(squad.load(TINY), tmp_path / "corpus", 0.0, random.Random(0))
    cases = plan.cases
    texts = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "corpus").iterdir()}
    right = [(c.path, *_sentence_around(texts[c.path], c.offsets[0]), "") for c in cases]
    wrong = ("elsewhere.txt", 0, 10, "")
    lists = [[right[0]], [wrong, right[1]], [], [right[3], wrong], [wrong, wrong, wrong, right[4]]]
    ranks = [ev.first_right(c, passages) for c, passages in zip(cases, lists)]
    assert ranks == [1, 2, 0, 1, 4]
    results = [ev.Result(c, bool(p), r, ()) for c, p, r in zip(cases, lists, ranks)]
    s = ev.scores(results)
    assert s.recall == {1: pytest.approx(2 / 5), 3: pytest.approx(3 / 5), 5: pytest.approx(4 / 5)}
    assert s.mrr == pytest.approx((1 + 1 / 2 + 0 + 1 + 1 / 4) / 5)
    assert s.answered == pytest.approx(4 / 5)
    assert s.refused is None


def test_a_passage_from_another_article_or_sentence_is_wrong(tiny_cases):
    case = tiny_cases[0]
    off = case.offsets[0]
    assert ev.first_right(case, [("other.txt", off - 5, off + 5, "")]) == 0
    assert ev.first_right(case, [(case.path, off + 1, off + 50, "")]) == 0
    assert ev.first_right(case, [(case.path, off - 5, off + 1, "")]) == 1


def test_off_corpus_questions_are_right_when_refused():
    answerable = ev.Case("q", "a.txt", (3,))
    off = ev.Case("q", None)
    s = ev.scores([ev.Result(answerable, True, 1, ()), ev.Result(off, False, 0, ()), ev.Result(off, True, 0, ())])
    assert s.recall[1] == 1.0 and s.answered == 1.0 and s.refused == 0.5


def _invoke(args: list[str], tmp_path: Path):
    env = {"QUOTEBOT_INDEX": str(tmp_path / "index")}
    return CliRunner().invoke(cli.cli, args, env=env, catch_exceptions=False)


def test_eval_tiny_squad_through_the_cli(tmp_path):
    result = _invoke(["eval", str(TINY), "--json"], tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["kind"] == "squad"
    assert (report["questions"], report["in_corpus"], report["off_corpus"]) == (5, 5, 0)
    assert report["quotebot"]["r@1"] == 1.0 and report["quotebot"]["mrr@10"] == 1.0
    assert report["plain_bm25"]["r@1"] == 1.0
    assert report["unreachable"] == 0


def test_eval_off_corpus_leaves_articles_out(tmp_path):
    result = _invoke(["eval", str(TINY), "--off-corpus", "0.5", "--json"], tmp_path)
    report = json.loads(result.output)
    assert report["articles"] == 1
    assert report["in_corpus"] + report["off_corpus"] == 5 and report["off_corpus"] in (2, 3)
    assert report["quotebot"]["refused"] == 1.0
    assert report["plain_bm25"]["refused"] == 0.0  # the baseline never refuses


def test_eval_canned_file_through_the_cli(tmp_path):
    result = _invoke(["eval", str(CANNED), "--json"], tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    data = json.loads(CANNED.read_text())
    assert report["kind"] == "canned"
    assert report["questions"] == len(data["questions"])
    assert report["off_corpus"] == sum(1 for q in data["questions"] if q.get("no_answer"))
    assert report["quotebot"]["refused"] == 1.0
    assert report["quotebot"]["r@5"] >= 0.95
    assert report["canned_right"] >= report["questions"] - 1


def test_eval_table_and_misses(tmp_path):
    misses = tmp_path / "misses.jsonl"
    result = _invoke(["eval", str(CANNED), "--misses", str(misses)], tmp_path)
    assert result.exit_code == 0
    assert "plain BM25" in result.output and "quotebot" in result.output and "MRR@10" in result.output
    for line in misses.read_text().splitlines():
        row = json.loads(line)
        assert {"question", "expected", "quoted", "found"} <= set(row)


def test_limit_samples_questions(tmp_path):
    report = json.loads(_invoke(["eval", str(CANNED), "--limit", "7", "--json"], tmp_path).output)
    assert report["questions"] == 7


def test_eval_asks_through_the_same_answerer_as_ask(tmp_path):
    """What eval recorded for a question equals `python -m bot ask --json` on the same corpus."""
    settings = Settings(corpus_dir=ROOT / "seeds", index_dir=tmp_path / "unused", top_k=50)
    report = ev.evaluate(CANNED, settings)
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
