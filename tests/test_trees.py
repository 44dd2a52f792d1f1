"""The tree-ensemble evaluator and the shipped no-answer model."""

import json

import numpy as np
import pytest

from bot.answer import decision
from bot import trees
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


@pytest.mark.skipif(trees.WALK is None, reason="the compiled walk is not built in this install")
@pytest.mark.parametrize("model", ["hand made", "re-ranking", "no-answer"])
def test_compiled_walk_finds_numpys_leaves(model):
    """Both walks of every row (values on thresholds, NaN, far out of range included) end in the same
    leaves, so the sums, done by numpy either way, are the same bits."""
    from bot.answer import ranking

    m = {"hand made": lambda: TreeEnsemble.from_json(HAND_MADE), "re-ranking": ranking.rerank_model,
         "no-answer": decision.model}[model]()
    rng = np.random.default_rng(7)
    rows = rng.normal(scale=3.0, size=(400, len(m.features)))
    rows[rng.random(rows.shape) < 0.05] = np.nan
    on_threshold = rng.random(rows.shape) < 0.2  # exactly a split value: goes left
    rows[on_threshold] = rng.choice(m.split[:max(m.n_internal, 1)], size=int(on_threshold.sum()))
    rows[0] = 1e300
    assert m.ordered
    assert np.array_equal(m.leaves(rows), m.leaves(rows, compiled=False))
    assert m.raw(rows).tobytes() == m.raw(rows, compiled=False).tobytes()
    assert m.raw(rows[:1]).tobytes() == m.raw(rows[:1], compiled=False).tobytes()


def test_a_model_numbered_out_of_order_is_walked_by_numpy():
    """The compiled walk needs every child numbered after its parent; a file whose tree has an unreachable
    node that points back (node 1's left child is node 0) is still read, and walked by numpy."""
    flipped = json.loads(json.dumps(HAND_MADE))
    flipped["trees"][0] = {"feature": [1, 0], "threshold": [2.0, 0.5], "left": [-1, 0], "right": [-2, -3],
                           "leaf": [1.0, 2.0, 3.0]}  # root: b <= 2 ? 1.0 : 2.0
    model = TreeEnsemble.from_json(flipped)
    assert not model.ordered
    assert model.raw(np.array([[0.0, 0.0], [0.0, 5.0]])) == pytest.approx([1.0 - 0.5 + 0.1, 2.0 + 0.25 + 0.1])


def test_shipped_model_reads_only_signals_the_answerer_computes(answerer):
    model = decision.model()
    assert len(model.root) > 10 and model.features
    terms, _ = answerer.analyze("Who did Kim Jong Un meet?")
    c = answerer.ranker.candidates(terms, "Who did Kim Jong Un meet?")
    order, linear = answerer.ranker.order(c)  # (the answerer's own order: its best one is no rule's refusal)
    signals = decision.answer_signals(terms, "Who did Kim Jong Un meet?", c, order, linear[order])
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
