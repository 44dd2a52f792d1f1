"""Pruned against exhaustive top-k search on one index, in one process, query by query.

    python benchmarks/make_corpus.py --sentences 1000000 --vocab 44000 --out benchmarks/data/corpus1m-v44k
    python benchmarks/bench_pruning.py benchmarks/data/corpus1m-v44k benchmarks/data/index1m-v44k

Builds the index when needed, then times `search_weighted` (block-max MaxScore) and
`search_exhaustive` on the corpus's common-word queries (make_corpus.py's common_queries.jsonl),
alternating the two on each query after a warm-up on the first 20, in CPU time so other jobs on the
machine count less; checks that both give the same documents.  OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
are removed from the environment when set (they slow numpy here) and the output says so.
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
from bot.index.build import build, open_index  # noqa: E402

WARM_UP = 20


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
    lines = (args.corpus / "common_queries.jsonl").read_text(encoding="utf-8").splitlines()
    queries = [[(t, 1.0) for t in text.terms(json.loads(line)["question"])] for line in lines if line.strip()]
    postings = [sum(index.df(t) for t, _ in q) for q in queries]
    print(f"{len(queries)} common-word queries, median {int(np.median(postings))} postings each")
    for q in queries[:WARM_UP]:
        index.search_weighted(q, args.k), index.search_exhaustive(q, args.k)
    pruned, exhaustive = [], []
    for q in queries[WARM_UP:]:
        t = time.process_time()
        a = index.search_weighted(q, args.k)
        pruned.append(time.process_time() - t)
        t = time.process_time()
        b = index.search_exhaustive(q, args.k)
        exhaustive.append(time.process_time() - t)
        if [h.doc for h in a] != [h.doc for h in b]:
            raise SystemExit(f"pruned and exhaustive search disagree on {[w for w, _ in q]}")
    for name, times in (("pruned", pruned), ("exhaustive", exhaustive)):
        print(f"{name:>10}: median {1000 * np.median(times):.2f} ms, p95 {1000 * np.percentile(times, 95):.2f} ms")
    print(f"ratio pruned / exhaustive: median {np.median(pruned) / np.median(exhaustive):.2f}")


if __name__ == "__main__":
    main()
