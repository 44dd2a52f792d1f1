"""The compiled and the numpy top-k search against the exhaustive one on one index, in one process,
query by query.

    python benchmarks/make_corpus.py --sentences 1000000 --vocab 44000 --out benchmarks/data/corpus1m-v44k
    python benchmarks/bench_pruning.py benchmarks/data/corpus1m-v44k benchmarks/data/index1m-v44k

Builds the index when needed, then, on the corpus's common-word queries (make_corpus.py's
common_queries.jsonl), its rare-word queries (queries.jsonl, the first 200) and 200 queries of three
rare words (each in 5-200 sentences, drawn here, seeded), times `search_weighted`
by the compiled kernel (bot/index/_maxscore.c, when built), `search_weighted` by numpy's block-max
MaxScore (the kernel set aside) and `search_exhaustive`, the three one after the other on each query in
an order that rotates from query to query, after a warm-up on the first 20, in CPU time so other jobs
on the machine count less; checks that all give the same documents and scores.  OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE are removed from the environment when set (they slow numpy here) and the output says so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from bench_index import OPENBLAS_VARS  # noqa: E402  (imports no numpy)

if any(v in os.environ for v in OPENBLAS_VARS) and "--keep-openblas-env" not in sys.argv:
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
    os.execve(sys.executable, [sys.executable, *sys.argv, "--keep-openblas-env"], {**env, "QUOTEBOT_OPENBLAS_UNSET": "1"})

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import text  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.index import bm25  # noqa: E402
from bot.index.build import build  # noqa: E402
from bot.index.updates import open_index  # noqa: E402

WARM_UP = 20
RARE = 200  # rare-word queries timed, and queries of three rare words
RARE_DF = (5, 200)  # a rare word's sentences


def three_rare_words(index, count: int, seed: int = 0) -> list[list[tuple[str, float]]]:
    """count (+ WARM_UP) queries of three distinct words each in RARE_DF[0] .. RARE_DF[1] sentences."""
    df = np.diff(np.asarray(index.indptr))
    rare = np.flatnonzero((df >= RARE_DF[0]) & (df <= RARE_DF[1]))
    if len(rare) < 3:
        return []
    rng = np.random.default_rng(seed)
    return [[(index.terms[t], 1.0) for t in rng.choice(rare, 3, replace=False)] for _ in range(count + WARM_UP)]


def timed(index, paths: dict, queries: list, k: int) -> dict[str, list[float]]:
    """CPU seconds of each path on each query, the paths' order rotating from query to query."""
    kernel, names = bm25.KERNEL, list(paths)
    times: dict[str, list[float]] = {name: [] for name in names}
    for n, q in enumerate(queries):
        results = {}
        for name in names[n % len(names):] + names[:n % len(names)]:
            bm25.KERNEL = kernel if name == "compiled" else None
            t = time.process_time()
            results[name] = paths[name](q, k)
            times[name].append(time.process_time() - t)
        bm25.KERNEL = kernel
        first = results[names[0]]
        if any(r != first for r in results.values()):
            raise SystemExit(f"the searches disagree on {[w for w, _ in q]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("-k", type=int, default=60)
    parser.add_argument("--keep-openblas-env", action="store_true", help="leave the OpenBLAS variables as they are")
    args = parser.parse_args()
    if os.environ.get("QUOTEBOT_OPENBLAS_UNSET"):
        print("OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for this run")
    settings = replace(Settings.from_env(), corpus_dir=args.corpus, index_dir=args.index)
    started = time.perf_counter()
    build(settings)
    print(f"index ready in {time.perf_counter() - started:.1f} s")
    index = open_index(settings).sentences
    paths = {"compiled": index.search_weighted} if bm25.KERNEL is not None else {}
    paths.update({"numpy": index.search_weighted, "exhaustive": index.search_exhaustive})
    if bm25.KERNEL is None:
        print("the compiled kernel is not built here: numpy and exhaustive only")
    for label, file, limit in (("common-word", "common_queries.jsonl", None), ("rare-word", "queries.jsonl", RARE),
                               ("three rare words", None, RARE)):
        if file is None:
            queries = three_rare_words(index, limit)
        else:
            lines = [line for line in (args.corpus / file).read_text(encoding="utf-8").splitlines() if line.strip()]
            queries = [[(t, 1.0) for t in text.terms(json.loads(line)["question"])] for line in lines]
            queries = [q for q in queries if q][:WARM_UP + limit if limit else None]
        if len(queries) <= WARM_UP:
            print(f"{label}: too few queries here")
            continue
        postings = [sum(index.df(t) for t, _ in q) for q in queries]
        print(f"{label}: {len(queries) - WARM_UP} queries timed, median {int(np.median(postings)):,} postings each "
              f"({index.doc_count:,} sentences)")
        timed(index, paths, queries[:WARM_UP], args.k)
        times = timed(index, paths, queries[WARM_UP:], args.k)
        for name, t in times.items():
            print(f"  {name:>10}: median {1000 * np.median(t):.3f} ms, p95 {1000 * np.percentile(t, 95):.3f} ms")
        first, *others = times
        for name in others:
            print(f"  ratio {first} / {name}: median {np.median(times[first]) / np.median(times[name]):.2f}, "
                  f"p95 {np.percentile(times[first], 95) / np.percentile(times[name], 95):.2f}")


if __name__ == "__main__":
    main()
