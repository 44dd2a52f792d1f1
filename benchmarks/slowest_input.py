"""Time per answer for nasty inputs (100 KB pastes, binary junk, Unicode oddities, random text);
reports the slowest.  Hypothesis tests check that these never raise; this script checks the time.

    python benchmarks/slowest_input.py [--corpus seeds] [--index DIR] [--random 300] [--repeat 3]

Without --index it builds the corpus's index in a temporary folder first.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.index.updates import open_index  # noqa: E402
from bot.answer.answerer import Answerer  # noqa: E402
from bot.chat import ChatSession  # noqa: E402
from bot.config import Settings  # noqa: E402


def nasty_inputs(rng: random.Random, n_random: int) -> dict[str, str]:
    words = "executed officials 2014 Kim Jong Un defense minister napping rally Choe replaced summit".split()
    cases = {
        "empty": "",
        "only punctuation": "?!.,;:'\"()[]{}-–—…" * 20,
        "only stopwords": "the of and a to in is it was for on with as by at " * 20,
        "question words only": "how many who why what when where which " * 20,
        "html": "<div><b>executed</b> <a href='x'>2014</a> &amp; <script>alert(1)</script></div>" * 50,
        "zero-width joiners": "\u200d".join("Kim Jong Un executed") * 50,
        "rtl": "\u202e" + "\u05de\u05d9 \u05d4\u05d5\u05e6\u05d0 " * 200,
        "control characters": "".join(chr(c) for c in range(32)) * 100,
        "lone surrogates": "\ud800 executed \udfff 2014 " * 100,
        "combining marks 100 KB": "Kim " + "\u0301" * 100_000,
        "100 KB one word": "x" * 100_000,
        "100 KB repeated term": ("executed " * 12_000)[:100_000],
        "100 KB real words": " ".join(rng.choice(words) for _ in range(20_000))[:100_000],
        "100 KB distinct junk words": " ".join(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
            for _ in range(15_000))[:100_000],
        "100 KB binary junk": bytes(rng.randrange(256) for _ in range(100_000)).decode("latin-1"),
        "100 KB hyphen chain": ("a-" * 50_000),
        "100 KB digits": "9" * 100_000,
        "100 KB apostrophes": "'" * 100_000,
        "100 KB dotted acronym": "u.s." * 25_000,
        "typos": "executd offcials minster nappng ralley replacd sumit",
        "long typo words": " ".join("".join(rng.choice("aeioustrn") for _ in range(12)) for _ in range(40)),
    }
    for i in range(n_random):
        size = rng.choice([10, 100, 1000, 20_000])
        cases[f"random unicode #{i}"] = "".join(chr(rng.randrange(0x110000)) for _ in range(size))
    return cases


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--random", type=int, default=200, help="random Unicode strings to add")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(corpus_dir=args.corpus, index_dir=args.index or Path(tmp) / "index")
        answerer = Answerer(open_index(settings, notify=lambda m: print(m, file=sys.stderr)), settings.answering)
        cases = nasty_inputs(random.Random(args.seed), args.random)
        timings: list[tuple[float, float, str, int, bool]] = []
        for name, question in cases.items():
            best_answer = best_chat = float("inf")
            for _ in range(args.repeat):
                t = time.perf_counter()
                answer = answerer.answer(question)
                best_answer = min(best_answer, time.perf_counter() - t)
                t = time.perf_counter()
                ChatSession(answerer).handle(question)  # what the REPL and Telegram call
                best_chat = min(best_chat, time.perf_counter() - t)
            timings.append((max(best_answer, best_chat), best_answer, name, len(question), answer.found))
    timings.sort(reverse=True)
    print(f"{len(timings)} inputs on {answerer.sentence_count} sentences; best of {args.repeat} runs each")
    print(f"median {statistics.median(t for t, *_ in timings) * 1000:.2f} ms per answer")
    print(f"{'chat ms':>9}  {'answer ms':>9}  {'chars':>7}  found  input")
    for t, ta, name, n, found in timings[:12]:
        print(f"{t * 1000:9.2f}  {ta * 1000:9.2f}  {n:7d}  {str(found):5}  {name}")
    t, ta, name, n, _ = timings[0]
    print(f"slowest: {name} ({n} chars): {t * 1000:.2f} ms through ChatSession.handle, "
          f"{ta * 1000:.2f} ms through Answerer.answer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
