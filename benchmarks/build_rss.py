"""One cold build from text, timed, with the peak RSS of this process and of its children apart.

    PYTHONPATH=<tree> python benchmarks/build_rss.py CORPUS INDEX [--profile OUT.prof]

The index folder (its extraction cache included) is removed first, so the build reads every file.
Prints one line: seconds, parent peak RSS MB, children's peak RSS MB (the largest child: pool
workers and the HTML worker), the code tree the `bot` package came from.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--small-chunks", action="store_true",
                        help="read and analyse in a pool of many small chunks whatever the corpus size")
    parser.add_argument("--keep-cache", action="store_true", help="keep the extraction cache (a warm rebuild)")
    args = parser.parse_args()
    if args.index.exists():
        if args.keep_cache:
            for entry in args.index.iterdir():
                if entry.name != "extract-cache":
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        else:
            shutil.rmtree(args.index)
    import bot
    from bot.config import Settings
    from bot.index.build import build

    if args.small_chunks:
        from bot.corpus import load
        from bot.index import analysis
        load.PARALLEL_MIN_FILES, load.PARALLEL_MIN_BYTES, analysis.PARALLEL_MIN_CHARS = 0, 0, 0
        analysis.CHUNK_CHARS = 16_000
    settings = Settings(corpus_dir=args.corpus, index_dir=args.index)
    started = time.perf_counter()
    if args.profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    _, report = build(settings)
    if args.profile:
        profiler.disable()
        profiler.dump_stats(str(args.profile))
    seconds = time.perf_counter() - started
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"seconds {seconds:.1f}  parent_rss_mb {parent:.0f}  children_rss_mb {children:.0f}  "
          f"sentences {report.sentences}  code {Path(bot.__file__).parent.parent}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
