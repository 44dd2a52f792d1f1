"""Fit the page text model (bot/corpus/zones.py): which paragraphs of a whole page of text are the article.

    python benchmarks/fit_page_text.py TRAFILATURA/tests [--half A] [--out bot/corpus/models/page_text.json]

Pages: trafilatura's evaluation set (see bench_cleaning.py), only those of one half of the sites
(`--half`, A by default; bench_cleaning.py reports the other half, which this never reads).  Each page
is rendered to whole-page text with html_text (as a scraper writes it) and split into paragraphs as a
build splits a .txt.  A paragraph's label is whether trafilatura, reading the page's HTML, keeps it
(the paragraph is one of its output's lines, or a longer passage of it), overridden by the set's own
judgements: a paragraph holding a `with` snippet is article, one holding a `without` snippet is not.
LightGBM fits small trees on the shape features; the threshold is the one that best balances the
share of `with` snippets kept against the `without` dropped on the fitting pages (page-level,
before the later line rules).  Needs the `fit` and `bench` extras.  After refitting, bump
EXTRACTION_VERSION (bot/corpus/__init__.py): indexes and extraction caches made with the old model are
then rebuilt.
"""
from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's bot, run from anywhere
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cleaning import norm, resolve, site_half  # noqa: E402
from fit_ranker import trees_json  # noqa: E402

from bot.corpus import zones  # noqa: E402
from bot.corpus.extract import page_paragraphs  # noqa: E402

ROUNDS = 200
FOLDS = 4
# Where the first model's score counts as keeping a paragraph, for the second model's context features.
FIRST_THRESHOLD = -0.6


def page_data(job: tuple[str, str, dict]) -> tuple[np.ndarray, np.ndarray, list[str], dict] | None:
    url, path, item = job
    import html_text
    import trafilatura
    from trafilatura.utils import decode_file

    raw = Path(path).read_bytes()
    paragraphs = page_paragraphs(html_text.extract_text(decode_file(raw)))
    if not paragraphs:
        return None
    texts = [t for t, _ in paragraphs]
    rows = zones.page_rows(texts, [reason is not None for _, reason in paragraphs])
    kept = trafilatura.extract(raw, include_comments=False, include_tables=True, include_formatting=False) or ""
    kept_lines = {norm(line) for line in kept.splitlines() if line.strip()}
    kept_all = norm(kept)
    labels = np.array([t in kept_lines or (len(t.split()) >= 5 and t in kept_all) for t in texts], dtype=float)
    for i, t in enumerate(texts):
        if any(norm(w) in t for w in item["without"]):
            labels[i] = 0
        if any(norm(w) in t for w in item["with"]):
            labels[i] = 1
    return rows, labels, texts, item


def page_score(texts: list[str], keep: np.ndarray, item: dict) -> tuple[int, int, int, int]:
    text = norm("\n".join(t for t, k in zip(texts, keep) if k))
    return (sum(norm(w) in text for w in item["with"]), len(item["with"]),
            sum(norm(w) not in text for w in item["without"]), len(item["without"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tests", type=Path)
    ap.add_argument("--half", choices=("A", "B"), default="A")
    ap.add_argument("--out", type=Path, default=zones.MODEL_PATH)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    import lightgbm

    evaldata = json.loads((args.tests / "evaldata.json").read_text(encoding="utf-8"))
    jobs = [(url, str(resolve(args.tests, item["file"])), item) for url, item in sorted(evaldata.items())
            if site_half(url) == args.half and resolve(args.tests, item["file"])]
    with ProcessPoolExecutor(args.jobs) as pool:
        pages = [p for p in pool.map(page_data, jobs, chunksize=8) if p is not None]
    X = np.concatenate([p[0] for p in pages])
    y = np.concatenate([p[1] for p in pages])
    print(f"{len(pages)} pages of half {args.half}, {len(y)} paragraphs, {y.mean():.2f} article")
    # The first model scores each paragraph alone; the second reads those scores in their
    # neighbourhood.  It is fitted on first scores of pages the first model did not see (4 folds by page).
    first = train(lightgbm, X, y)
    folds = np.arange(len(pages)) % FOLDS
    out_of_fold: list[np.ndarray] = [np.empty(0)] * len(pages)
    for fold in range(FOLDS):
        inside = [i for i in range(len(pages)) if folds[i] != fold]
        model = train(lightgbm, np.concatenate([pages[i][0] for i in inside]), np.concatenate([pages[i][1] for i in inside]))
        for i in np.flatnonzero(folds == fold):
            out_of_fold[i] = model.predict(pages[i][0], raw_score=True)
    first_threshold = FIRST_THRESHOLD
    C = np.concatenate([zones.context_rows(s, p[0], first_threshold) for s, p in zip(out_of_fold, pages)])
    second = train(lightgbm, C, y)
    best = None
    for threshold in np.arange(-2.0, 1.01, 0.1):
        totals = np.zeros(4)
        for (rows, _, texts, item), scores in zip(pages, out_of_fold):
            keep = second.predict(zones.context_rows(scores, rows, first_threshold), raw_score=True) >= threshold
            totals += page_score(texts, keep, item)
        kept, dropped = totals[0] / totals[1], totals[2] / totals[3]
        balance = min(kept - 0.93, dropped - 0.85)  # the text path's targets: the worse margin decides
        print(f"threshold {threshold:+.1f}: with kept {kept:.3f}, without dropped {dropped:.3f}")
        if best is None or balance > best[0]:
            best = (balance, float(threshold))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for booster, features, threshold, path in ((first, zones.FEATURES, first_threshold, args.out),
                                               (second, zones.CONTEXT_FEATURES, best[1], args.out.with_name(zones.CONTEXT_MODEL_PATH.name))):
        model = trees_json(booster, list(features), round(threshold, 3))
        path.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {path} ({len(model['trees'])} trees, threshold {threshold:+.1f})")


def train(lightgbm, X: np.ndarray, y: np.ndarray):
    params = dict(objective="binary", learning_rate=0.05, num_leaves=15, min_data_in_leaf=100, max_depth=5, lambda_l2=10.0,
                  feature_fraction=0.8, bagging_fraction=0.8, bagging_freq=1, seed=1, verbose=-1)
    return lightgbm.train(params, lightgbm.Dataset(X, y), ROUNDS)


if __name__ == "__main__":
    main()
