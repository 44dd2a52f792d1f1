"""benchmarks/fit_ranker.py: the script that fits the ranking weights and the no-answer model."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from bot.answer import ranking
from bot.trees import TreeEnsemble
from tests.support.paths import ROOT
from tests.support.scripts import load_script

fit_ranker = load_script("fit_ranker")


def test_lightgbm_trees_become_arrays_that_score_the_same():
    import lightgbm

    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(3000, 6))
    y = ((X[:, 0] * X[:, 1] > 0.3) | (X[:, 4] > 1.5)).astype(int)
    booster = lightgbm.train(dict(objective="binary", num_leaves=15, min_data_in_leaf=20, verbose=-1),
                             lightgbm.Dataset(X, y), 40)
    model = TreeEnsemble.from_json(fit_ranker.trees_json(booster, [f"f{i}" for i in range(6)], 0.25))
    rows = rng.uniform(-3, 3, size=(500, 6))
    rows[:50] = X[:50]  # values at and around the training thresholds too
    assert np.allclose(model.raw(rows), booster.predict(rows, raw_score=True), atol=1e-9)
    assert model.threshold == 0.25 and model.features == tuple(f"f{i}" for i in range(6))


def test_listwise_fit_puts_the_right_candidate_first():
    # Three questions, candidates with two features; the right one has the larger first feature.
    rng = np.random.RandomState(1)
    X = rng.uniform(0, 1, size=(30, 2))
    qid = np.repeat([0, 1, 2], 10)
    right = np.zeros(30, dtype=bool)
    for q in range(3):
        right[q * 10 + np.argmax(X[q * 10:(q + 1) * 10, 0])] = True
    w = fit_ranker.fit_listwise(X, right, qid)
    assert w[0] > 0 and abs(w[1]) < w[0]
    rows = {"qid": qid, "right": right, "sentence": np.arange(30), "questions": 3}
    assert fit_ranker.rank_metrics(rows, X @ w) == (1.0, 1.0)


def test_the_script_runs_on_a_small_squad_file(tmp_path):
    done = subprocess.run([sys.executable, "benchmarks/fit_ranker.py", str(ROOT / "tests" / "data" / "squad_tiny.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "refit, 4-fold by article" in done.stdout
    printed = done.stdout.split("FEATURE_WEIGHTS = ")[1].strip()
    weights = json.loads(printed)
    assert list(weights) == list(ranking.FEATURE_WEIGHTS) and weights["bm25"] == 1


def test_rerank_fit_writes_trees_the_ranker_can_read(tmp_path):
    # Candidates of 300 questions: the right one has a high "coverage" and a mid "length"; the linear
    # weights (all equal here) do not know that, the trees learn it.
    rng = np.random.RandomState(2)
    names = list(ranking.FEATURE_WEIGHTS)
    n_q, per = 300, 25
    X = rng.uniform(0, 1, size=(n_q * per, len(names)))
    qid = np.repeat(np.arange(n_q), per)
    right = np.zeros(len(qid), dtype=bool)
    for q in range(n_q):
        block = slice(q * per, (q + 1) * per)
        score = X[block, names.index("coverage")] - abs(X[block, names.index("length")] - 0.5)
        right[q * per + int(np.argmax(score))] = True
    rows = {"X": X, "qid": qid, "right": right, "article": qid % 8, "sentence": np.arange(len(qid)), "questions": n_q}
    linear = X.sum(axis=1)
    out = tmp_path / "rerank.json"
    fit_ranker.fit_rerank(rows, linear, np.arange(8) % 4, out, rounds=60)
    model = TreeEnsemble.load(out)
    assert model.features == tuple(names) + ("linear", "linear_gap")
    before = fit_ranker.rank_metrics(rows, linear)
    gap = np.repeat(linear.reshape(n_q, per).max(axis=1), per) - linear
    scores = model.raw(np.column_stack([X, linear, gap]))
    assert fit_ranker.rank_metrics(rows, scores)[0] > before[0] + 0.2
