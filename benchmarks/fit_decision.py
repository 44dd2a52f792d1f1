"""Fit the no-answer model and the confidence's calibration on SQuAD, over corpora of many sizes.

    python benchmarks/fit_decision.py ../shared/data/squad/train-half-a.json  [--rows rows.json]
    quotebot eval ../shared/data/squad/dev-v1.1.json --off-corpus 0.5 --distractors ../shared/data/squad/train-half-a.json

A refusal must hold whether the folder has ten articles or thousands: with more articles an off-corpus
question finds more of its words somewhere by chance.  So the model is fitted on corpora of several
sizes drawn from the file (--sizes: articles in the corpus; as many others, up to what is left, are
asked about but absent): questions about articles in the corpus should be answered, the others
refused.  Each question's row is `decision.answer_signals` of its best sentence under the shipped
ranking (questions a fixed rule refuses are left out); a gradient-boosted tree model (LightGBM,
binary) is fitted, first 4-fold by article to set the threshold on out-of-fold scores and to report
each size, then on all rows.  The threshold answers --answer (92.5 %) of the in-corpus questions of
the corpora of 100 articles or more, out of fold (a fixed rule's refusals count), and the model
refuses what it can at that share (--refuse instead sets it by the off-corpus share refused).  The
confidence is a logistic map (Platt scaling) of the model's log-odds onto "the first passage covers
the answer", fitted on the same out-of-fold scores; its calibration error is reported out of fold.
Writes bot/answer/models/answer_model.json and confidence.json.  Check both with
`quotebot eval` on data the fit never saw (SQuAD dev, news-qa).
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

from bot.answer import decision  # noqa: E402
from bot.answer.answerer import Answerer  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.eval import squad  # noqa: E402
from bot.eval.metrics import Case, expected_calibration_error  # noqa: E402
from bot.index.build import build  # noqa: E402
from bot.index.updates import open_index  # noqa: E402
from bot.text import split_sentences  # noqa: E402
from bot.trees import TreeEnsemble  # noqa: E402
from fit_ranker import trees_json  # noqa: E402


# The fitting corpora (articles each; a seed after @, else its place in the list): small ones as the
# seeds' folder, and many of 100 to 230 articles, the size where off-corpus questions find their words
# by chance and refusals are hardest (each draws other absent articles and other withheld paragraphs).
SIZES = ("2,2,5,5,10,10,10,25,25,50,100,160,200,130,180,220,"
         "100@20,120@21,140@22,160@23,180@24,200@25,220@26,110@40,150@41,170@42,190@43,210@44,230@45,120@46,140@47,"
         "160@48,200@49")


def cut_answer_sentence(text: str, offsets: tuple[int, ...]) -> tuple[str, list[tuple[int, int]]]:
    """`text` without the sentences holding any of `offsets` (and the blank after each), and the cut
    (start, end) spans of the original text."""
    cut = []
    spans = split_sentences(text)
    for k, (a, b) in enumerate(spans):
        if any(a <= o < b for o in offsets):
            end = spans[k + 1][0] if k + 1 < len(spans) else len(text)
            cut.append((a, end))
    out, at = [], 0
    for a, b in cut:
        out.append(text[at:a])
        at = b
    out.append(text[at:])
    return "".join(out), cut


def split_rows(articles: list[squad.SquadArticle], size: int, per_side: int, seed: int, folder: Path,
               on_topic: float = 0.0, unit: str = "paragraph") -> dict:
    """One corpus of `size` articles; up to `per_side` questions about them and as many about absent
    articles, each with its decision signals, whether it should be answered and whether the first
    passage covers its answer.  With `on_topic`, that share of each kept article's paragraphs loses
    something and up to per_side x on_topic questions about what was lost are asked too: their article
    is there, the fact is not, so they should be refused (what a reader asks about a story that it does
    not say; SQuAD v1.1 has no such questions of its own).  With unit "paragraph" the whole paragraph
    is left out (the default); with "sentence" only the sentence holding one of its questions' answers,
    so the paragraph still holds the question's names and topic words (as a news story does of a
    question about it that it does not answer): questions whose answers were all in the cut sentences
    are on-topic, those with none there are asked as usual (offsets shifted), the rest not at all."""
    rng = random.Random(seed)
    chosen = rng.sample(range(len(articles)), min(len(articles), size + min(size, len(articles) - size)))
    kept, absent = set(chosen[:size]), chosen[size:]
    withheld = {a: set(rng.sample(range(len(articles[a].paragraphs)), int(on_topic * len(articles[a].paragraphs))))
                for a in sorted(kept)}
    # Each kept question's place: "in" (asked, answerable, with its offsets in its paragraph as shown),
    # "on" (asked, to be refused) or None (not asked).  A withheld paragraph is written as empty text
    # (or without its cut sentences): the other paragraphs keep their offsets.
    status: dict[tuple[int, str], tuple[str | None, tuple[int, ...]]] = {}
    shown = []
    for a, article in enumerate(articles):
        if a not in kept:
            shown.append(article)
            continue
        paragraphs = list(article.paragraphs)
        for p, q in article.questions:
            status[a, q.qid] = ("on", ()) if p in withheld[a] else ("in", q.offsets)
        if unit == "sentence":
            for p in sorted(withheld[a]):
                on_p = [q for pp, q in article.questions if pp == p]
                if not on_p:
                    continue
                paragraphs[p], cut = cut_answer_sentence(article.paragraphs[p], rng.choice(on_p).offsets)
                for q in on_p:
                    inside = [any(a0 <= o < b0 for a0, b0 in cut) for o in q.offsets]
                    if all(inside):
                        status[a, q.qid] = ("on", ())
                    elif not any(inside):
                        status[a, q.qid] = ("in", tuple(o - sum(b0 - a0 for a0, b0 in cut if b0 <= o) for o in q.offsets))
                    else:
                        status[a, q.qid] = (None, ())
        else:
            for p in withheld[a]:
                paragraphs[p] = ""
        shown.append(replace(article, paragraphs=tuple(paragraphs)))
    written = squad.write_corpus(shown, folder / "corpus", kept)
    settings = replace(Settings.from_env(), corpus_dir=folder / "corpus", index_dir=folder / "index")
    build(settings)
    answerer = Answerer(open_index(settings), settings.answering)
    asked_in = [(a, p, q) for a in sorted(kept) for p, q in articles[a].questions if status[a, q.qid][0] == "in"]
    asked_on = [(a, p, q) for a in sorted(kept) for p, q in articles[a].questions if status[a, q.qid][0] == "on"]
    asked_out = [(a, p, q) for a in absent for p, q in articles[a].questions]
    asked = (rng.sample(asked_in, min(per_side, len(asked_in))) + rng.sample(asked_out, min(per_side, len(asked_out)))
             + rng.sample(asked_on, min(int(per_side * on_topic), len(asked_on))))
    rows, answerable, right, about, topical = [], [], [], [], []
    refused_by_rule = {True: 0, False: 0}
    for a, p, q in asked:
        inside = a in kept and status[a, q.qid][0] == "in"
        case = Case(q.question, None)
        if inside:
            base = written[a].paragraph_offsets[p]
            case = Case(q.question, written[a].path, tuple(base + off for off in status[a, q.qid][1]))
        terms, _ = answerer.analyze(case.question)
        c = answerer.ranker.candidates(terms, case.question)
        signals = None
        if c is not None:
            order, linear = answerer.ranker.order(c)
            signals = decision.answer_signals(terms, case.question, c, order, linear[order])
        if signals is None:
            if a not in kept or inside:
                refused_by_rule[inside] += 1
            continue
        rows.append(signals)
        answerable.append(inside)
        right.append(inside and int(c.sentences[order[0]]) in set(case.covering(answerer.index)))
        about.append(a)
        topical.append(a in kept and not inside)
    return {"rows": rows, "answerable": answerable, "right": right, "about": about, "on_topic": topical,
            "size": size, "refused_by_rule": refused_by_rule}


def corpora(spec: str) -> list[tuple[int, int]]:
    """(seed, articles) of each fitting corpus: "SIZE" has its place in the list as its seed, "SIZE@SEED"
    the seed given."""
    out = []
    for place, entry in enumerate(spec.split(",")):
        size, _, seed = entry.partition("@")
        out.append((int(seed) if seed else place, int(size)))
    return out


def log_loss(a: float, b: float, x: np.ndarray, y: np.ndarray) -> float:
    z = a * x + b
    return float(np.mean(np.logaddexp(0, z) - y * z))


def fit_map(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(scale, shift) minimising the log loss: a coarse grid, then finer ones around the best
    (two parameters; no solver needed, and nothing can diverge)."""
    best = (1.0, 0.0)
    for width in (2.0, 0.5, 0.1, 0.02):
        a0, b0 = best
        grid = [(a, b) for a in np.linspace(max(a0 - width, 0.01), a0 + width, 41)
                for b in np.linspace(b0 - 2 * width, b0 + 2 * width, 41)]
        best = min(grid, key=lambda ab: log_loss(ab[0], ab[1], x, y))
    return float(best[0]), float(best[1])


def train_trees(X: np.ndarray, y: np.ndarray, rounds: int):
    import lightgbm

    params = dict(objective="binary", learning_rate=0.05, num_leaves=15, min_data_in_leaf=40,
                  feature_fraction=0.8, bagging_fraction=0.8, bagging_freq=1, seed=1, verbose=-1,
                  num_threads=1)  # (one thread: the same trees on any machine)
    return lightgbm.train(params, lightgbm.Dataset(X, y.astype(int)), rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("squad_file", type=Path)
    parser.add_argument("--sizes", default=SIZES,
                        help="articles in each fitting corpus (one corpus per entry, each its own seed: its place in "
                        "the list, or the number after @)")
    parser.add_argument("--per-side", type=int, default=1200, help="questions asked per corpus about kept / absent articles")
    parser.add_argument("--answer", type=float, default=0.925,
                        help="in-corpus share to answer (out of fold) in corpora of --answer-sizes articles or more")
    parser.add_argument("--answer-sizes", type=int, default=100)
    parser.add_argument("--refuse", type=float, help="instead of --answer: off-corpus share to refuse (out of fold) "
                        "in corpora of --threshold-sizes articles or more")
    parser.add_argument("--calibrate-with-on-topic", dest="calibrate_without_on_topic", action="store_false",
                        help="fit the confidence's map on the on-topic questions too")
    parser.add_argument("--threshold-sizes", type=int, default=10,
                        help="set the threshold on corpora of at least this many articles")
    parser.add_argument("--on-topic", type=float, default=0.2,
                        help="share of each kept article's paragraphs that lose something, asked about (to be refused)")
    parser.add_argument("--on-topic-unit", choices=("paragraph", "sentence"), default="paragraph",
                        help="what such a paragraph loses: all of it, or only the sentence holding one of its questions' "
                        "answers (tried: fewer news on-topic refusals)")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--out", type=Path, default=decision.MODEL_PATH)
    parser.add_argument("--calibration-out", type=Path, default=decision.CALIBRATION_PATH)
    parser.add_argument("--rows", type=Path, help="keep the questions' rows in this JSON file and reuse them when "
                        "there (to try fitting settings; delete it when the signals or the ranking change)")
    args = parser.parse_args()
    articles = squad.load(args.squad_file)
    if args.rows is not None and args.rows.exists():
        splits = json.loads(args.rows.read_text(encoding="utf-8"))
        for s in splits:
            s["refused_by_rule"] = {k == "true": v for k, v in s["refused_by_rule"].items()}
    else:
        splits = []
        with tempfile.TemporaryDirectory(prefix="quotebot-fit-") as tmp:
            for seed, size in corpora(args.sizes):
                started = time.perf_counter()
                splits.append(split_rows(articles, size, args.per_side, seed, Path(tmp) / f"split{seed}", args.on_topic,
                                         args.on_topic_unit))
                print(f"corpus of {size} articles: {len(splits[-1]['rows'])} questions "
                      f"({time.perf_counter() - started:.0f} s)", flush=True)
        if args.rows is not None:
            args.rows.write_text(json.dumps(splits), encoding="utf-8")
    features = list(splits[0]["rows"][0])
    X = np.array([[r[f] for f in features] for s in splits for r in s["rows"]])
    y = np.array([v for s in splits for v in s["answerable"]], dtype=bool)
    right = np.array([v for s in splits for v in s["right"]], dtype=float)
    about = np.array([v for s in splits for v in s["about"]])
    topical = np.array([v for s in splits for v in s.get("on_topic", [False] * len(s["rows"]))], dtype=bool)
    split_of = np.array([k for k, s in enumerate(splits) for _ in s["rows"]])
    # 4 folds by the article a question is about: no question helps score one about its own article.
    fold = np.random.RandomState(0).permutation(len(articles))[about] % 4
    held_out = np.zeros(len(y))
    for f in range(4):
        held_out[fold == f] = train_trees(X[fold != f], y[fold != f], args.rounds).predict(X[fold == f], raw_score=True)
    sizes = np.array([s["size"] for s in splits])[split_of]
    if args.refuse is not None:
        # On absent articles' questions in corpora of --threshold-sizes articles or more: tiny corpora
        # refuse easily, and pooling them in would loosen it for the big folders.
        negatives = np.sort(held_out[~y & ~topical & (sizes >= args.threshold_sizes)])
        threshold = float(negatives[min(int(args.refuse * len(negatives)), len(negatives) - 1)])
    else:
        # Answer --answer of the in-corpus questions of corpora of realistic size (those a fixed rule
        # refuses count as refused), and refuse what the model then can.
        big = {k for k, s in enumerate(splits) if s["size"] >= args.answer_sizes}
        positives = np.sort(held_out[y & np.isin(split_of, list(big))])[::-1]
        asked = positives.size + sum(splits[k]["refused_by_rule"][True] for k in big)
        threshold = float(positives[min(max(int(np.ceil(args.answer * asked)) - 1, 0), positives.size - 1)])
    print(f"\nout of fold, threshold {threshold:.4f} (questions a fixed rule refuses count as refused):")
    for k, s in enumerate(splits):
        m = split_of == k
        n_in = m & y
        n_out = m & ~y & ~topical
        n_on = m & topical
        answered = (held_out[n_in] >= threshold).sum() / (n_in.sum() + s["refused_by_rule"][True])
        off = n_out.sum() + s["refused_by_rule"][False]
        refused = ((held_out[n_out] < threshold).sum() + s["refused_by_rule"][False]) / max(off, 1)
        on = f", {(held_out[n_on] < threshold).mean():.1%} of on-topic ones" if n_on.any() else ""
        print(f"  {s['size']:4d} articles: answers {answered:.1%} of in-corpus questions, refuses {refused:.1%} of "
              f"off-corpus ones{on}")
    # The map is fitted without the on-topic questions: how many of those a user asks is not known, and
    # SQuAD held out (where the target is) has none; they still shape the model's order above.
    mapped = ~topical if args.calibrate_without_on_topic else np.ones(len(y), dtype=bool)
    scale, shift = fit_map(held_out[mapped], right[mapped])
    p = 1 / (1 + np.exp(-(scale * held_out + shift)))
    print(f"confidence = logistic({scale:.4f} x log-odds + {shift:.4f}); out of fold: expected calibration error "
          f"{expected_calibration_error(p, right):.3f} (uncalibrated {expected_calibration_error(1 / (1 + np.exp(-held_out)), right):.3f})")
    booster = train_trees(X, y, args.rounds)
    model = trees_json(booster, features, threshold)
    args.out.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    ours, theirs = TreeEnsemble.from_json(model).raw(X), booster.predict(X, raw_score=True)
    if not np.allclose(ours, theirs, atol=1e-5):  # leaves are kept to 7 digits
        bad = np.flatnonzero(~np.isclose(ours, theirs, atol=1e-5))
        np.save("/tmp/bad_rows.npy", X[bad])
        raise SystemExit(f"the model file scores {len(bad)} rows otherwise than LightGBM (max {np.abs(ours - theirs).max():.3g})")
    fitted_on = f"{args.squad_file.name}: corpora of {args.sizes} articles, {len(y)} questions"
    args.calibration_out.write_text(json.dumps({"fitted_on": fitted_on, "scale": round(scale, 6), "shift": round(shift, 6)})
                                    + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(model['trees'])} trees) and {args.calibration_out}")


if __name__ == "__main__":
    main()
