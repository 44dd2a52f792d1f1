"""Fit the ranker's weights and the no-answer model on a SQuAD v1.1 file (how bot/ranking.py's came about).

    python benchmarks/fit_ranker.py ../shared/data/squad/dev-v1.1.json            # ranking weights
    python benchmarks/fit_ranker.py ../shared/data/squad/dev-v1.1.json --decision # + bot/data/answer_model.json

Ranking: every question's candidates (the answerer's own `Ranker.candidates`, built through the normal
corpus -> index path as `bot eval` does) with their features; a candidate is right when it covers the
answer's offset.  A linear listwise model (softmax over a question's candidates, the right ones' log-
probability maximised, L2) is fitted, first 4-fold by article to report held-out R@1/MRR, then on all.
The weights are printed in BM25 points, ready to paste into FEATURE_WEIGHTS.

Decision (--decision, needs `pip install lightgbm`): the corpus is built from half of the articles
(several seeded splits); questions of the kept articles should be answered, the others refused.  Each
question's row is `Ranker.answer_signals` of its best sentence; a gradient-boosted tree model (LightGBM,
binary) is fitted and saved as plain arrays that bot/trees.py evaluates with numpy.  The threshold is
set on out-of-fold scores to refuse --refuse of the off-corpus questions, then checked on a split the
model never saw.
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

from bot import evaluate, ranking, squad  # noqa: E402
from bot.answer import Answerer  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.store import build, open_index  # noqa: E402


def answerer_for(data: dict, folder: Path, off_corpus: float, seed: int) -> tuple[Answerer, list[evaluate.Case]]:
    plan = evaluate._squad_plan(squad.parse(data), folder / "corpus", off_corpus, random.Random(seed))
    settings = replace(Settings.from_env(), corpus_dir=plan.corpus_dir, index_dir=folder / "index")
    build(settings)
    index = open_index(settings)
    return Answerer(index, settings), plan.cases


# -- ranking ---------------------------------------------------------------------------------------

def ranking_rows(answerer: Answerer, cases: list[evaluate.Case]) -> dict[str, np.ndarray]:
    index, names = answerer.index, list(ranking.FEATURE_WEIGHTS)
    paths = evaluate._article_numbers(index)
    X, qid, right, article, sentence = [], [], [], [], []
    for q, case in enumerate(cases):
        terms, _ = answerer.analyze(case.question)
        c = answerer.ranker.candidates(terms, case.question)
        if c is None or not case.answerable:
            continue
        covering = set(evaluate._covering(index, case))
        X.append(np.stack([c.features[k] for k in names], axis=1))
        qid.append(np.full(len(c.sentences), q))
        right.append(np.isin(c.sentences, list(covering)))
        article.append(np.full(len(c.sentences), paths[case.path]))
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


def fit_ranking(data: dict, folder: Path) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("squad_file", type=Path)
    parser.add_argument("--decision", action="store_true", help="also fit the no-answer model")
    args = parser.parse_args()
    data = json.loads(args.squad_file.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="quotebot-fit-") as tmp:
        fit_ranking(data, Path(tmp) / "ranking")


if __name__ == "__main__":
    main()
