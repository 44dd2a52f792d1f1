"""Fit the ranker's weights and its re-ranking trees on a SQuAD v1.1 file.

    python benchmarks/fit_ranker.py ../shared/data/squad/dev-v1.1.json                # weights, printed
    python benchmarks/fit_ranker.py ../shared/data/squad/train-half-a.json --rerank   # + the trees (shipped)

Ranking: every question's candidates (the answerer's own `Ranker.candidates`, built through the normal
corpus -> index path as `bot eval` does) with their features; a candidate is right when it covers the
answer's offset.  A linear listwise model (softmax over a question's candidates, the right ones' log-
probability maximised, L2) is fitted, first 4-fold by article to report held-out R@1/MRR, then on all.
The weights are printed in BM25 points, ready to paste into FEATURE_WEIGHTS.

Re-ranking (--rerank): with the shipped weights, each question's best RERANKED candidates get small
LambdaMART trees (LightGBM) over the same features, the linear score and its distance to the best;
reported 4-fold by article and written to bot/answer/models/rerank_model.json.

The no-answer model is benchmarks/fit_decision.py's.

Both need `pip install -e '.[fit]'` (LightGBM, scipy) to fit, never to answer.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.answer import ranking  # noqa: E402
from bot.answer.answerer import Answerer  # noqa: E402
from bot.trees import TreeEnsemble  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.eval import squad  # noqa: E402
from bot.eval.metrics import Case  # noqa: E402
from bot.eval.plans import squad_plan  # noqa: E402
from bot.index.build import build  # noqa: E402
from bot.index.updates import open_index  # noqa: E402


def answerer_for(data: dict, folder: Path, off_corpus: float, seed: int) -> tuple[Answerer, list[Case]]:
    """An answerer over the file's articles (off_corpus of them left out), and its questions."""
    plan = squad_plan(squad.parse(data), folder / "corpus", off_corpus, random.Random(seed))
    settings = replace(Settings.from_env(), corpus_dir=plan.corpus_dir, index_dir=folder / "index")
    build(settings)
    index = open_index(settings)
    return Answerer(index, settings.answering), plan.cases


# -- ranking ---------------------------------------------------------------------------------------

def ranking_rows(answerer: Answerer, cases: list[Case]) -> dict[str, np.ndarray]:
    index, names = answerer.index, list(ranking.FEATURE_WEIGHTS)
    X, qid, right, article, sentence = [], [], [], [], []
    for q, case in enumerate(cases):
        terms, _ = answerer.analyze(case.question)
        c = answerer.ranker.candidates(terms, case.question)
        if c is None or not case.answerable:
            continue
        covering = set(case.covering(index))
        X.append(np.stack([c.features[k] for k in names], axis=1))
        qid.append(np.full(len(c.sentences), q))
        right.append(np.isin(c.sentences, list(covering)))
        article.append(np.full(len(c.sentences), index.article_number(case.path)))
        sentence.append(c.sentences)
    return {"X": np.concatenate(X), "qid": np.concatenate(qid), "right": np.concatenate(right),
            "article": np.concatenate(article), "sentence": np.concatenate(sentence),
            "questions": sum(c.answerable for c in cases)}


def fit_listwise(X: np.ndarray, right: np.ndarray, qid: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    from scipy.optimize import minimize

    mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-9
    Z = (X - mu) / sd
    starts = np.r_[0, np.flatnonzero(np.diff(qid)) + 1]
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(qid)]))
    n_right = np.add.reduceat(right.astype(float), starts)
    has = n_right > 0
    target = np.where(has[group], right / np.maximum(n_right[group], 1), 0.0)

    def loss(w):
        s = Z @ w
        top = np.maximum.reduceat(s, starts)
        e = np.exp(s - top[group])
        total = np.add.reduceat(e, starts)
        p = e / total[group]
        value = -(target * s).sum() + ((np.log(total) + top) * has).sum()
        grad = Z.T @ (p * has[group] - target)
        return value / has.sum() + l2 * w @ w, grad / has.sum() + 2 * l2 * w

    w = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 1000}).x
    return w / sd  # the standardisation's offset only shifts every candidate of a question alike


def rank_metrics(rows: dict, score: np.ndarray) -> tuple[float, float]:
    """R@1 and MRR@10 of the candidates ordered by score (questions with no right candidate: misses)."""
    qid, right = rows["qid"], rows["right"]
    order = np.lexsort((rows["sentence"], -score, qid))
    q, r = qid[order], right[order]
    starts = np.r_[0, np.flatnonzero(np.diff(q)) + 1]
    position = np.arange(len(q)) - np.repeat(starts, np.diff(np.r_[starts, len(q)]))
    first: dict[int, int] = {}
    for i in np.flatnonzero(r):
        first.setdefault(int(q[i]), int(position[i]) + 1)
    ranks = np.array(list(first.values()))
    n = rows["questions"]
    return float((ranks == 1).sum() / n), float((1.0 / ranks[ranks <= 10]).sum() / n)


def fit_ranking(data: dict, folder: Path, rerank_out: Path | None) -> None:
    answerer, cases = answerer_for(data, folder, 0.0, 0)
    started = time.perf_counter()
    rows = ranking_rows(answerer, cases)
    print(f"{len(rows['X'])} candidates of {rows['questions']} questions in {time.perf_counter() - started:.0f} s")
    names = list(ranking.FEATURE_WEIGHTS)
    current = rows["X"] @ np.array([ranking.FEATURE_WEIGHTS[n] for n in names])
    print("current weights:        R@1 %.4f  MRR@10 %.4f" % rank_metrics(rows, current))
    folds = np.random.RandomState(0).permutation(rows["article"].max() + 1) % 4
    held_out = np.zeros(len(current))
    for f in range(4):
        train = folds[rows["article"]] != f
        w = fit_listwise(rows["X"][train], rows["right"][train], rows["qid"][train])
        held_out[~train] = rows["X"][~train] @ w
    print("refit, 4-fold by article: R@1 %.4f  MRR@10 %.4f" % rank_metrics(rows, held_out))
    w = fit_listwise(rows["X"], rows["right"], rows["qid"])
    print("refit, all (in sample):  R@1 %.4f  MRR@10 %.4f" % rank_metrics(rows, rows["X"] @ w))
    w = w / w[names.index("bm25")]
    print("FEATURE_WEIGHTS = {" + ", ".join(f'"{n}": {v:.3g}' for n, v in zip(names, w)) + "}")
    if rerank_out is not None:
        fit_rerank(rows, current, folds, rerank_out)


def fit_rerank(rows: dict, linear: np.ndarray, folds: np.ndarray, out: Path, rounds: int = 150) -> None:
    """LambdaMART trees re-ordering each question's best RERANKED candidates by the shipped weights."""
    import lightgbm

    qid = rows["qid"]
    order = np.lexsort((rows["sentence"], -linear, qid))
    starts = np.r_[0, np.flatnonzero(np.diff(qid[order])) + 1]
    sizes = np.diff(np.r_[starts, len(order)])
    position = np.empty(len(qid), dtype=np.int64)
    position[order] = np.arange(len(order)) - np.repeat(starts, sizes)
    best = np.empty(len(qid))
    best[order] = np.repeat(linear[order][starts], sizes)
    X = np.column_stack([rows["X"], linear, best - linear])
    features = list(ranking.FEATURE_WEIGHTS) + ["linear", "linear_gap"]
    top = position < ranking.RERANKED
    # Small, strongly regularised trees: bigger ones gain nothing held out and learn the fitting articles
    # by heart (15 leaves, 300 rounds: R@1 0.735 held out but 0.78 in sample).
    params = dict(objective="lambdarank", learning_rate=0.05, num_leaves=7, min_data_in_leaf=400, lambda_l2=10.0,
                  feature_fraction=0.8, bagging_fraction=0.8, bagging_freq=1, lambdarank_truncation_level=10,
                  seed=1, verbose=-1)

    def train(mask: np.ndarray):
        q = qid[mask]
        group = np.diff(np.r_[np.flatnonzero(np.r_[True, q[1:] != q[:-1]]), len(q)])
        return lightgbm.train(params, lightgbm.Dataset(X[mask], rows["right"][mask].astype(int), group=group), rounds)

    final = -position.astype(np.float64) - 1e6  # below the re-ranked ones, in linear order
    for f in range(4):
        held = top & (folds[rows["article"]] == f)
        final[held] = train(top & (folds[rows["article"]] != f)).predict(X[held])
    print("re-ranked, 4-fold by article: R@1 %.4f  MRR@10 %.4f" % rank_metrics(rows, final))
    booster = train(top)
    final[top] = booster.predict(X[top])
    print("re-ranked, all (in sample):   R@1 %.4f  MRR@10 %.4f" % rank_metrics(rows, final))
    model = trees_json(booster, features, 0.0)
    out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    sample = X[top][:2000]
    assert np.allclose(TreeEnsemble.from_json(model).raw(sample), booster.predict(sample, raw_score=True), atol=1e-6)
    ranking.rerank_model.cache_clear()
    print(f"wrote {out} ({len(model['trees'])} trees)")


# -- the model files ------------------------------------------------------------------------------

def trees_json(booster, features: list[str], threshold: float) -> dict:
    """LightGBM's trees as flat arrays (see bot/trees.py)."""
    trees = []
    for info in booster.dump_model()["tree_info"]:
        tree = {"feature": [], "threshold": [], "left": [], "right": [], "leaf": [], "depth": 1}

        def walk(node: dict, depth: int) -> int:
            tree["depth"] = max(tree["depth"], depth)
            if "leaf_value" in node:
                tree["leaf"].append(round(float(node["leaf_value"]), 7))
                return -len(tree["leaf"])
            assert node["decision_type"] == "<=", node["decision_type"]
            at = len(tree["feature"])
            tree["feature"].append(int(node["split_feature"]))
            tree["threshold"].append(float(node["threshold"]))
            tree["left"].append(0)
            tree["right"].append(0)
            tree["left"][at] = walk(node["left_child"], depth + 1)
            tree["right"][at] = walk(node["right_child"], depth + 1)
            return at

        walk(info["tree_structure"], 1)
        trees.append(tree)
    return {"features": features, "threshold": threshold, "trees": trees}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("squad_file", type=Path)
    parser.add_argument("--rerank", action="store_true", help="also fit the re-ranking trees (bot/answer/models/rerank_model.json)")
    args = parser.parse_args()
    data = json.loads(args.squad_file.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="quotebot-fit-") as tmp:
        fit_ranking(data, Path(tmp) / "ranking", ranking.RERANK_MODEL_PATH if args.rerank else None)


if __name__ == "__main__":
    main()
