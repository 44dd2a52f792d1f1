"""CPU seconds of each step of a build, each run in this one process (no pool), best of N runs:
reading the files, duplicate merging, analysis (splitting and terms), and the index from the analysis.

    PYTHONPATH=<tree> python benchmarks/build_steps.py CORPUS [--runs 3]

Run it for the old and the new tree one after the other, several times, and compare.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", default="read,dedupe,analyze,index")
    args = parser.parse_args()
    import bot
    from bot import parallel
    parallel.fork_is_safe = lambda: False  # every step in this process
    from bot.corpus import duplicates
    from bot.corpus.files import read_article
    from bot.corpus.folder import corpus_files
    from bot.corpus.types import Corpus
    from bot.index import analysis
    from bot.index.sentences import SentenceIndex

    steps = args.steps.split(",")
    paths = corpus_files(args.corpus)
    articles = [read_article(p, args.corpus, []) for p in paths]
    best: dict[str, float] = {}

    def timed(name, fn):
        t = time.process_time()
        out = fn()
        best[name] = min(best.get(name, 1e9), time.process_time() - t)
        return out

    for _ in range(args.runs):
        if "read" in steps:
            timed("read", lambda: [read_article(p, args.corpus, []) for p in paths])
        if "dedupe" in steps:
            kept = timed("dedupe", lambda: duplicates.merge_duplicates(articles))
        else:
            kept = articles
        if "analyze" in steps:
            timed("analyze", lambda: analysis.analyze_corpus(kept))
        if "index" in steps:
            timed("index(all)", lambda: SentenceIndex.build(Corpus(tuple(kept), (), ())))
    print("  ".join(f"{k} {v:.2f}" for k, v in best.items()), " code", Path(bot.__file__).parent.parent, flush=True)


if __name__ == "__main__":
    main()
