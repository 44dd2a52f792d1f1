"""The garbage collector's full collections while a server answers: how long each one holds the
interpreter (and so every question waiting on it), and whether that grows with the questions.

    python benchmarks/gc_pauses.py --corpus benchmarks/data/corpus10m --index benchmarks/data/index10m [--questions 1000]

Loads the index as a server does, answers the corpus's queries.jsonl questions one by one (cycled
when --questions asks for more), times each full (generation 2) collection through gc.callbacks,
then one more forced at the end.  Prints the answer median / p99 and every full collection's length.
A full collection walks every container object still tracked: what the index and the answerer's
caches hold in lists, dicts, sets and objects (tuples of strings drop out after the first pass).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import statistics
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=1000)
    args = parser.parse_args()
    from bot.answer.answerer import Answerer
    from bot.config import Settings
    from bot.index import format as index_format

    settings = Settings(corpus_dir=args.corpus, index_dir=args.index)
    index, _ = index_format.load(args.index)
    answerer = Answerer(index, settings.answering)
    with open(args.corpus / "queries.jsonl", encoding="utf-8") as f:
        questions = [json.loads(line)["question"] for line in f if line.strip()]
    pauses: list[float] = []
    started = [0.0]

    def timed(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                started[0] = time.perf_counter()
            else:
                pauses.append(time.perf_counter() - started[0])

    gc.callbacks.append(timed)
    times = []
    for question in itertools.islice(itertools.cycle(questions), args.questions):
        t = time.perf_counter()
        answerer.answer(question)
        times.append(time.perf_counter() - t)
    gc.callbacks.remove(timed)
    t = time.perf_counter()
    gc.collect()
    last = time.perf_counter() - t
    times.sort()
    print(f"{len(times)} questions: answer median {statistics.median(times) * 1e3:.2f} ms, "
          f"p99 {times[int(0.99 * (len(times) - 1))] * 1e3:.1f} ms")
    print("full collections while answering, ms: " + (", ".join(f"{p * 1e3:.1f}" for p in pauses) or "none"))
    print(f"one full collection after them: {last * 1e3:.1f} ms; objects tracked: {len(gc.get_objects())}")


if __name__ == "__main__":
    main()
