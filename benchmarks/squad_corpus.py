"""Write SQuAD articles as a corpus folder with a queries.jsonl of real English questions, for
bench_index.py: the answer time of questions people write (make_corpus.py's pseudo-words rarely
have related terms, so they leave the query expansion idle).

    python benchmarks/squad_corpus.py ../shared/data/squad/dev-v1.1.json ../shared/data/squad/train-half-a.json \\
        --questions 1000 --out benchmarks/data/squad_corpus
    python benchmarks/bench_index.py --corpus benchmarks/data/squad_corpus --index benchmarks/data/squad_index --no-baselines

Questions are drawn (seeded) from the first file's; every file's articles are in the corpus.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.eval import squad  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("squad_files", type=Path, nargs="+")
    ap.add_argument("--questions", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    asked: list[dict] = []
    for n, path in enumerate(args.squad_files):
        articles = squad.load(path)
        written = squad.write_corpus(articles, args.out / f"part{n}")
        if n == 0:
            asked = [{"question": q.question, "article": f"part0/{written[a].path}"}
                     for a, art in enumerate(articles) for _, q in art.questions]
    rows = random.Random(args.seed).sample(asked, min(args.questions, len(asked)))
    with open(args.out / "queries.jsonl", "w", encoding="utf-8") as f:
        for i, row in enumerate(rows):
            f.write(json.dumps({"id": i, **row}) + "\n")
    print(f"wrote {sum(1 for _ in args.out.rglob('*.txt'))} articles and {len(rows)} questions to {args.out}")


if __name__ == "__main__":
    main()
