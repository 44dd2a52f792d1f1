"""The benchmark scripts still run end to end, on a small generated corpus (timings are not checked
here: speed is measured by running them at full size, see benchmarks/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.config import Settings
from bot.index import bm25
from bot.index.build import build
from tests.support.paths import ROOT


def test_make_corpus_and_bench_index_run_on_a_small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, "benchmarks/make_corpus.py", "--sentences", "3000", "--out", str(corpus),
                    "--queries", "230"], cwd=ROOT, check=True, capture_output=True, timeout=300)
    assert len(list(corpus.glob("*.txt"))) > 1 and (corpus / "queries.jsonl").exists()
    out = tmp_path / "result.json"
    done = subprocess.run([sys.executable, "benchmarks/bench_index.py", "--corpus", str(corpus),
                           "--index", str(tmp_path / "index"), "--load-runs", "1", "--bm25s-sample", "5",
                           "--rank-bm25-sample", "3", "--cli-runs", "1", "--out-dir", str(tmp_path), "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr  # 1: a target missed, which a tiny corpus may do
    assert "Traceback" not in done.stdout + done.stderr
    result = json.loads(out.read_text())
    for name in ("rare-word", "common-word"):  # each set timed query by query, and through `ask --json`
        assert result["sets"][name]["queries"] == 200 and result["sets"][name]["search"]["n"] == 200
        assert result["cli"][name]["per_question_ms"] > 0
    assert sum(result["index_parts"].values()) == result["index_bytes"]
    assert "common-word set" in done.stdout and "sentence postings" in done.stdout
    if "lucene" in result:  # where the Lucene baseline is installed (benchmarks/bench_lucene.py)
        assert result["lucene"]["sets"]["common-word"]["queries"] == 200 and "Lucene search top 60" in done.stdout


def test_slowest_input_reports_a_slowest_input(seeds_settings):
    done = subprocess.run([sys.executable, "benchmarks/slowest_input.py", "--corpus", str(seeds_settings.corpus_dir),
                           "--index", str(seeds_settings.index_dir), "--random", "5", "--repeat", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "slowest" in done.stdout.lower()


def test_rebuild_cache_runs_on_a_small_folder(tmp_path):
    done = subprocess.run([sys.executable, "benchmarks/rebuild_cache.py", "--pages", "30", "--added", "3",
                           "--folder", str(tmp_path / "run")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "(30 files read, 0 from the cache)" in done.stdout
    assert "(3 files read, 30 from the cache)" in done.stdout


def test_bench_pruning_compares_the_searches_on_a_small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, "benchmarks/make_corpus.py", "--sentences", "3000", "--out", str(corpus),
                    "--queries", "60"], cwd=ROOT, check=True, capture_output=True, timeout=300)
    done = subprocess.run([sys.executable, "benchmarks/bench_pruning.py", str(corpus), str(tmp_path / "index")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr  # it exits non-zero when the searches disagree on a query
    for label in ("common-word:", "rare-word:", "three rare words:", "numpy: median", "exhaustive: median"):
        assert label in done.stdout
    assert ("compiled: median" in done.stdout) == (bm25.KERNEL is not None)


def test_gc_pauses_reports_the_collections_of_a_server(tmp_path):
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, "benchmarks/make_corpus.py", "--sentences", "3000", "--out", str(corpus),
                    "--queries", "40"], cwd=ROOT, check=True, capture_output=True, timeout=300)
    build(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"))
    done = subprocess.run([sys.executable, "benchmarks/gc_pauses.py", "--corpus", str(corpus), "--index",
                           str(tmp_path / "index"), "--questions", "60"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "60 questions: answer median" in done.stdout and "one full collection after them:" in done.stdout
