"""`quotebot eval` through the command line (CliRunner on bot.frontends.cli.cli): the JSON report, the
table of bot.frontends.eval_report, --misses and --limit."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.frontends import cli
from tests.support.paths import CANNED, SQUAD_TINY


def invoke(args: list[str], tmp_path: Path):
    env = {"QUOTEBOT_INDEX": str(tmp_path / "index")}
    return CliRunner().invoke(cli.cli, args, env=env, catch_exceptions=False)


def test_eval_tiny_squad_json(tmp_path):
    result = invoke(["eval", str(SQUAD_TINY), "--json"], tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert list(report) == ["file", "kind", "articles", "sentences", "questions", "in_corpus", "off_corpus",
                            "unreachable", "quotebot", "plain_bm25", "questions_per_second",
                            "baseline_questions_per_second", "build_seconds", "calibration"]
    assert report["kind"] == "squad" and (report["questions"], report["in_corpus"], report["off_corpus"]) == (5, 5, 0)
    bins = report["calibration"]["bins"]
    assert sum(b["questions"] for b in bins) == 5 and 0.0 <= report["calibration"]["ece"] <= 1.0
    assert report["quotebot"] == {"r@1": 1.0, "r@3": 1.0, "r@5": 1.0, "mrr@10": 1.0, "answered": 1.0, "refused": None}
    assert report["plain_bm25"]["r@1"] == 1.0


def test_eval_off_corpus_json(tmp_path):
    report = json.loads(invoke(["eval", str(SQUAD_TINY), "--off-corpus", "0.5", "--json"], tmp_path).output)
    assert report["articles"] == 1
    assert report["quotebot"]["refused"] == 1.0 and report["plain_bm25"]["refused"] == 0.0


def test_eval_canned_json(tmp_path):
    result = invoke(["eval", str(CANNED), "--json"], tmp_path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["kind"] == "canned" and report["canned_right"] == report["questions"]


def test_eval_table_and_misses(tmp_path):
    misses = tmp_path / "misses.jsonl"
    result = invoke(["eval", str(CANNED), "--misses", str(misses)], tmp_path)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{CANNED}: 52 questions (40 in corpus, 12 off corpus), 2 articles, 40 sentences")
    assert lines[1].startswith("build ") and lines[2] == ""
    assert lines[3].split() == ["ranker", "R@1", "R@3", "R@5", "MRR@10", "answered", "refused", "q/s"]
    assert lines[4].split()[:2] == ["plain", "BM25"] and lines[4].split()[6:8] == ["100.0%", "0.0%"]
    assert lines[5].split()[0] == "quotebot" and lines[5].split()[5:7] == ["100.0%", "100.0%"]
    assert lines[-1] == "52 of 52 canned questions right at their allowed rank."
    assert misses.read_text() == ""  # every canned question right


def test_eval_limit(tmp_path):
    report = json.loads(invoke(["eval", str(CANNED), "--limit", "7", "--json"], tmp_path).output)
    assert report["questions"] == 7


def test_eval_of_an_unreadable_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = CliRunner().invoke(cli.cli, ["eval", str(bad), "--index", str(tmp_path / "index")])
    assert result.exit_code == 2 and result.output.startswith(f"Error: cannot read {bad}: ")
