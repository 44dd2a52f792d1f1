"""Fit the confidence's calibration: the no-answer model says how likely a question is answerable;
a user reads `confidence` as how likely the first passage answers it.  A logistic map (Platt scaling)
of the model's log-odds onto "the first passage is right" is fitted here.

    python benchmarks/fit_confidence.py ../shared/data/squad/train-half-a.json [--limit 8000] [--out bot/answer/models/confidence.json]

Questions of the file, half of its articles left out of the corpus (their questions are never right),
asked through the very answerer `ask` uses (`bot.eval.run.evaluate`); the map is fitted on their
log-odds against first-passage-right.  Check it with `quotebot eval` on other data (dev, news-qa).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's bot, run from anywhere

from bot.answer import decision  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.eval.run import evaluate  # noqa: E402


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("squad", type=Path)
    ap.add_argument("--limit", type=int, default=8000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=decision.CALIBRATION_PATH)
    args = ap.parse_args()
    args.out.unlink(missing_ok=True)  # fit on the model's own log-odds
    decision.calibration.cache_clear()
    report = evaluate(args.squad, Settings(), off_corpus=0.5, limit=args.limit, seed=args.seed)
    pairs = [(r.confidence, r.case.answerable and r.found and r.rank == 1) for r in report.results if r.confidence > 0]
    p = np.clip(np.array([c for c, _ in pairs]), 1e-6, 1 - 1e-6)
    x, y = np.log(p / (1 - p)), np.array([right for _, right in pairs], dtype=float)
    a, b = fit_map(x, y)
    args.out.write_text(json.dumps({"fitted_on": f"{args.squad.name}, {len(pairs)} questions, half the articles left out",
                                    "scale": round(float(a), 6), "shift": round(float(b), 6)}) + "\n", encoding="utf-8")
    print(f"{len(pairs)} questions ({y.mean():.3f} first passage right): confidence = logistic({a:.4f} x log-odds + {b:.4f}) -> {args.out}")


if __name__ == "__main__":
    main()
