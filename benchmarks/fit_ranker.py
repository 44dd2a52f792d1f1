"""Fit the ranker's weights, its re-ranking trees and the no-answer model on a SQuAD v1.1 file.

    python benchmarks/fit_ranker.py ../shared/data/squad/dev-v1.1.json                    # weights, printed
    python benchmarks/fit_ranker.py ../shared/data/squad/dev-v1.1.json --rerank --decision # + both models

Ranking: every question's candidates (the answerer's own `Ranker.candidates`, built through the normal
corpus -> index path as `bot eval` does) with their features; a candidate is right when it covers the
answer's offset.  A linear listwise model (softmax over a question's candidates, the right ones' log-
probability maximised, L2) is fitted, first 4-fold by article to report held-out R@1/MRR, then on all.
The weights are printed in BM25 points, ready to paste into FEATURE_WEIGHTS.

Re-ranking (--rerank): with the shipped weights, each question's best RERANKED candidates get small
LambdaMART trees (LightGBM) over the same features, the linear score and its distance to the best;
reported 4-fold by article and written to bot/answer/models/rerank_model.json.

Decision (--decision): the corpus is built from half of the articles (several seeded splits);
questions of the kept articles should be answered, the others refused.  Each question's row is
`answer_signals` of its best sentence under the shipped ranking; a gradient-boosted tree model
(LightGBM, binary) is fitted and saved as flat JSON arrays that bot/trees.py evaluates with numpy.  The
threshold is set on out-of-fold scores (4 folds by article) to refuse --refuse of the off-corpus
questions, then checked on a split the model never saw.

Both models need `pip install -e '.[fit]'` (LightGBM, scipy) to fit, never to answer.
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

from bot.answer import decision, ranking  # noqa: E402
from bot.answer.answerer import Answerer  # noqa: E402
from bot.trees import TreeEnsemble  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.eval import squad  # noqa: E402
from bot.eval.metrics import Case  # noqa: E402
from bot.eval.plans import squad_plan  # noqa: E402
from bot.index.build import build, open_index  # noqa: E402


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


# -- the no-answer decision -----------------------------------------------------------------------

def decision_rows(answerer: Answerer, cases: list[Case], about_all: list[int]) -> tuple[list[dict], list[int], list[int]]:
    """Each question's decision signals (questions a fixed rule refuses are left out), whether it should
    be answered, and the article it is about."""
    ranker, rows, answerable, about = answerer.ranker, [], [], []
    for case, article in zip(cases, about_all):
        terms, _ = answerer.analyze(case.question)
        c = ranker.candidates(terms, case.question)
        if c is None:
            continue
        order, linear = ranker.order(c)  # the final (re-ranked) order, as the answerer ranks
        signals = decision.answer_signals(terms, case.question, c, order, linear[order])
        if signals is not None:
            rows.append(signals)
            answerable.append(int(case.answerable))
            about.append(article)
    return rows, answerable, about


def train_trees(X: np.ndarray, y: np.ndarray, rounds: int):
    import lightgbm

    params = dict(objective="binary", learning_rate=0.05, num_leaves=15, min_data_in_leaf=40,
                  feature_fraction=0.8, bagging_fraction=0.8, bagging_freq=1, seed=1, verbose=-1)
    return lightgbm.train(params, lightgbm.Dataset(X, y), rounds)


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


def fit_decision(data: dict, folder: Path, seeds: list[int], check_seeds: list[int], refuse: float,
                 rounds: int, out: Path) -> None:
    rows, answerable, about, seed_of = [], [], [], []
    for seed in seeds + check_seeds:
        answerer, cases = answerer_for(data, folder / f"split{seed}", 0.5, seed)
        about_all = [a for a, article in enumerate(squad.parse(data)) for _ in article.questions]
        r, a, b = decision_rows(answerer, cases, about_all)
        rows += r
        answerable += a
        about += b
        seed_of += [seed] * len(r)
        print(f"split {seed}: {len(r)} questions")
    features = list(rows[0])
    X = np.array([[r[f] for f in features] for r in rows])
    y, seed_of = np.array(answerable), np.array(seed_of)
    train = np.isin(seed_of, seeds)
    # Out-of-fold scores, 4 folds by the article a question is about (it never helps score itself).
    names = sorted(set(about))
    fold = {name: i % 4 for i, name in enumerate(random.Random(0).sample(names, len(names)))}
    fold_of = np.array([fold[name] for name in about])
    held_out = np.zeros(len(y))
    for f in range(4):
        fit_rows = train & (fold_of != f)
        held_out[fold_of == f] = train_trees(X[fit_rows], y[fit_rows], rounds).predict(X[fold_of == f], raw_score=True)
    refused_scores = np.sort(held_out[train & (y == 0)])
    threshold = float(refused_scores[int(refuse * len(refused_scores))])

    def report(label: str, mask: np.ndarray, scores: np.ndarray) -> None:
        answered = scores[mask & (y == 1)] >= threshold
        refused = scores[mask & (y == 0)] < threshold
        print(f"{label}: answers {answered.mean():.1%} of in-corpus questions, refuses {refused.mean():.1%} "
              "of off-corpus ones (questions a fixed rule refuses not counted)")

    report("out of fold, fitting splits", train, held_out)
    for seed in check_seeds:
        report(f"out of fold, split {seed} (not fitted on)", seed_of == seed, held_out)
    booster = train_trees(X[train], y[train], rounds)
    model = trees_json(booster, features, threshold)
    out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    check = TreeEnsemble.from_json(model).raw(X[:2000])
    assert np.allclose(check, booster.predict(X[:2000], raw_score=True), atol=1e-6)
    print(f"wrote {out} ({len(model['trees'])} trees, threshold {threshold:.4f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("squad_file", type=Path)
    parser.add_argument("--rerank", action="store_true", help="also fit the re-ranking trees (bot/answer/models/rerank_model.json)")
    parser.add_argument("--decision", action="store_true", help="also fit the no-answer model")
    parser.add_argument("--seeds", default="0,1,2,3,4,5", help="splits the no-answer model is fitted on")
    parser.add_argument("--check-seeds", default="7", help="splits only measured")
    parser.add_argument("--refuse", type=float, default=0.89, help="off-corpus share to refuse (out of fold)")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--out", type=Path, default=decision.MODEL_PATH)
    args = parser.parse_args()
    data = json.loads(args.squad_file.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="quotebot-fit-") as tmp:
        fit_ranking(data, Path(tmp) / "ranking", ranking.RERANK_MODEL_PATH if args.rerank else None)
        if args.decision:
            fit_decision(data, Path(tmp), [int(x) for x in args.seeds.split(",")],
                         [int(x) for x in args.check_seeds.split(",") if x], args.refuse, args.rounds, args.out)


if __name__ == "__main__":
    main()
