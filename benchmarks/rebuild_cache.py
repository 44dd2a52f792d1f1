"""How long a rebuild takes after adding a few pages to a big folder of HTML pages (the extraction
cache's target: 10 pages added to 5,000, rebuilt in ≤ 20 s).

    python benchmarks/rebuild_cache.py [--pages 5000] [--added 10] [--folder DIR] [--seed 0]

Writes --pages generated news pages (a page's usual parts: head metadata with JSON-LD, a nav bar,
the article's headline, byline and 8-14 paragraphs, a "related" rail and a footer; every article's
text its own, so none are merged as duplicates) into DIR/corpus (default: a temporary folder,
removed afterwards), runs `python -m bot build` once from scratch (cold), adds --added pages, runs it
again, and prints both wall times (interpreter start-up included, as a user sees it), each build's
summary line and the cold build's pages a second.  Exit code 1 when the rebuild misses 20 s.
"""

from __future__ import annotations

import argparse
import html
import itertools
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import numpy as np  # noqa: E402
from make_corpus import MONTHS, build_vocabulary  # noqa: E402  (the 1M benchmark's English-like words)

TARGET_SECONDS = 20.0
FIRST = "Ann Ben Carla David Elena Farid Grace Hiro Ines Jonas Kemi Luis Maya Nils Omar Priya".split()
LAST = "Lee Park Diaz Novak Okafor Silva Tanaka Weber Haddad Moreau Kowalski Adeyemi Rossi Berg".split()
SECTIONS = "World Politics Business Science Health Sport Culture Opinion Weather Local".split()


# Real words first, then pseudo-words and names; drawn by a Zipf-like law as in real text.
WORDS, _ = build_vocabulary(np.random.default_rng(0), 50_000)
CUMULATIVE = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(WORDS))))  # (summed once, not per draw)


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, cum_weights=CUMULATIVE, k=rng.randrange(12, 26))
    return " ".join(words).capitalize() + "."


def page(rng: random.Random, k: int) -> str:
    """One news page: furniture around an article whose text no other page shares."""
    title = _sentence(rng)[:-1].split()[: rng.randrange(5, 9)]
    title = " ".join(title)
    author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    day = f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    month = MONTHS[int(day[5:7]) - 1]
    paragraphs = [" ".join(_sentence(rng) for _ in range(rng.randrange(2, 6))) for _ in range(rng.randrange(8, 15))]
    nav = " ".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in SECTIONS)
    related = " ".join(f'<li><a href="/story/{rng.randrange(10**6)}">{html.escape(_sentence(rng)[:60])}</a></li>'
                       for _ in range(5))
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | Valley Gazette</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:site_name" content="Valley Gazette">
<link rel="canonical" href="https://gazette.example/story/{k}">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "{html.escape(title)}", "author": [{{"@type": "Person", "name": "{author}"}}], "datePublished": "{day}T08:00:00Z"}}</script>
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"page": {k}}});</script>
<style>body {{ font-family: serif }} .nav li {{ display: inline }}</style>
</head><body>
<header><a class="logo" href="/">Valley Gazette</a><ul class="nav">{nav}</ul>
<form action="/search"><input name="q" placeholder="Search"></form></header>
<main><article>
<h1>{html.escape(title)}</h1>
<p class="byline">By {author} · {month} {int(day[8:])}, 2024</p>
{body}
</article>
<aside class="related"><h2>Related stories</h2><ul>{related}</ul></aside>
</main>
<footer><p>© 2024 Valley Gazette. All rights reserved.</p>
<ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy</a></li><li><a href="/contact">Contact</a></li></ul></footer>
</body></html>
"""


def write_pages(folder: Path, first: int, count: int, rng: random.Random) -> None:
    for k in range(first, first + count):
        path = folder / f"s{k % 50:02d}" / f"page{k:05d}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page(rng, k), encoding="utf-8")


def timed_build(corpus: Path, index: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bot", "build", "--corpus", str(corpus), "--index", str(index)],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"build failed ({done.returncode}):\n{done.stderr}")
    return seconds, done.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=5000)
    ap.add_argument("--added", type=int, default=10)
    ap.add_argument("--folder", type=Path, help="where to write the corpus and index (kept afterwards)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    base = args.folder or Path(tempfile.mkdtemp(prefix="rebuild-cache-"))
    corpus, index = base / "corpus", base / "index"
    if corpus.exists() or index.exists():
        sys.exit(f"{base} already holds a corpus or an index: give an empty --folder")
    rng = random.Random(args.seed)
    try:
        write_pages(corpus, 0, args.pages, rng)
        cold, cold_line = timed_build(corpus, index)
        write_pages(corpus, args.pages, args.added, rng)
        warm, warm_line = timed_build(corpus, index)
    finally:
        if args.folder is None:
            shutil.rmtree(base, ignore_errors=True)
    print(f"cold build, {args.pages:,} pages: {cold:.1f} s ({args.pages / cold:.1f} pages/s)\n  {cold_line}")
    ok = warm <= TARGET_SECONDS
    print(f"rebuild after adding {args.added}: {warm:.1f} s (target ≤ {TARGET_SECONDS:g} s: {'met' if ok else 'MISSED'})"
          f"\n  {warm_line}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
