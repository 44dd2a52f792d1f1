"""The tree-ensemble evaluator and the shipped no-answer model."""

import json

import numpy as np
import pytest

from bot.answer import decision
from bot.trees import TreeEnsemble

# Two trees over features (a, b), worked out by hand:
#   tree 1: a <= 0.5 ? (b <= 2 ? 1.0 : 2.0) : 3.0      tree 2: b <= 1 ? -0.5 : 0.25      tree 3: a single leaf 0.1
HAND_MADE = {
    "features": ["a", "b"],
    "threshold": 2.0,
    "trees": [
        {"feature": [0, 1], "threshold": [0.5, 2.0], "left": [1, -1], "right": [-3, -2], "leaf": [1.0, 2.0, 3.0]},
        {"feature": [1], "threshold": [1.0], "left": [-1], "right": [-2], "leaf": [-0.5, 0.25]},
        {"feature": [], "threshold": [], "left": [], "right": [], "leaf": [0.1]},
    ],
}


@pytest.mark.parametrize("a, b, expected", [
    (0.0, 0.0, 1.0 - 0.5 + 0.1),
    (0.5, 2.0, 1.0 + 0.25 + 0.1),  # equal to a threshold goes left
    (0.2, 5.0, 2.0 + 0.25 + 0.1),
    (0.9, 0.0, 3.0 - 0.5 + 0.1),
    (7.0, 1.5, 3.0 + 0.25 + 0.1),
])
def test_hand_made_ensemble(a, b, expected):
    model = TreeEnsemble.from_json(HAND_MADE)
    assert model.raw(np.array([[a, b]]))[0] == pytest.approx(expected)
    assert model.decide({"a": a, "b": b, "unused": 1.0}) == (expected >= 2.0)


def test_many_rows_at_once_match_one_by_one():
    model = TreeEnsemble.from_json(HAND_MADE)
    rows = np.random.RandomState(0).uniform(-1, 4, size=(200, 2))
    together = model.raw(rows)
    assert np.allclose(together, [model.raw(r[None, :])[0] for r in rows])


def test_shipped_model_reads_only_signals_the_answerer_computes(answerer):
    model = decision.model()
    assert len(model.root) > 10 and model.features
    terms, _ = answerer.analyze("Who did Kim Jong Un meet?")
    c = answerer.ranker.candidates(terms, "Who did Kim Jong Un meet?")
    order = np.arange(len(c.sentences))
    scores = np.sort(np.arange(len(c.sentences), dtype=float))[::-1]
    signals = decision.answer_signals(terms, "Who did Kim Jong Un meet?", c, order, scores)
    assert set(model.features) <= set(signals)
    assert np.all(np.isfinite([signals[f] for f in model.features]))


def test_model_file_is_plain_json():
    data = json.loads(decision.MODEL_PATH.read_text(encoding="utf-8"))
    assert set(data) == {"features", "threshold", "trees"}
    nodes = sum(len(t["feature"]) for t in data["trees"])
    leaves = sum(len(t["leaf"]) for t in data["trees"])
    assert leaves == nodes + len(data["trees"])  # binary trees


def test_every_candidate_feature_has_a_weight(answerer):
    from bot.answer import ranking

    for question in ["Who did Kim Jong Un meet?", "Why was the defense minister executed?", "how many 2014"]:
        terms, _ = answerer.analyze(question)
        c = answerer.ranker.candidates(terms, question)
        assert set(c.features) == set(ranking.FEATURE_WEIGHTS)
        assert all(v.shape == c.sentences.shape and np.all(np.isfinite(v)) for v in c.features.values())


def test_an_unreadable_model_file_is_a_clear_error(tmp_path, monkeypatch):
    from bot.errors import QuotebotError

    broken = tmp_path / "answer_model.json"
    broken.write_text('{"features": ["a"], "trees": [', encoding="utf-8")
    monkeypatch.setattr(decision, "MODEL_PATH", broken)
    decision.model.cache_clear()
    try:
        with pytest.raises(QuotebotError, match="reinstall"):
            decision.model()
    finally:
        decision.model.cache_clear()
