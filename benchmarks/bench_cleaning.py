"""How much of a real page's article quotebot keeps, and how much furniture it drops, on both paths
a user's pages take: saved HTML, and the same page as whole-page text (scraped `.txt`).

The pages and their judgements are trafilatura's evaluation set: `tests/evaldata.json` lists 990
pages of many sites and languages, each with snippets of text that must be kept (`with`) and text
that must not (`without`).  Bring the repository here and point this script at its `tests` folder:

    python benchmarks/bench_cleaning.py TRAFILATURA/tests [--only ../shared/data/news-qa/pages] [--jobs 2]

Per page, all in one run (the same bytes each time):
  html        quotebot reading NAME.html (bot.corpus.files.read_article, the function a build calls)
  text        quotebot reading NAME.txt, the page rendered by html_text.extract_text (defaults: the
              visible text, menus and comments included, as a scraper writes it)
  trafilatura trafilatura.extract alone (tables kept, comments left out: its own benchmark's settings)
  html-text   the rendered text itself: what keeping everything scores
A snippet counts as kept when it occurs, whitespace collapsed, in the kept paragraphs (quotebot) or
the output (the others), as trafilatura's tests/eval_common.py counts it.  Reported: the share of
`with` kept, of `without` dropped, pages with no article; for all pages and for each half of the
sites (half A is the one the text rules were written looking at; B was not looked at), so fitting
shows.  Then the metadata of the HTML path against the page's own JSON-LD / <meta>: title, byline
(the same people), date (the same calendar day), on the pages that carry each; and the extraction
rate of quotebot's HTML path next to trafilatura's own, with and without its metadata readers (wall time per
page, same processes).

Needs `pip install -e '.[bench]'` (html-text).  The pages are not committed anywhere in the repo.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's bot, run from anywhere

PATHS = ("html", "text", "trafilatura", "html-text")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def site_half(url: str) -> str:
    """A or B by a hash of the site (host without www.), so both halves mix languages and kinds."""
    host = urlsplit(url).netloc.lower().removeprefix("www.")
    return "AB"[hashlib.sha1(host.encode()).digest()[0] % 2]


def resolve(tests: Path, name: str) -> Path | None:
    for sub in ("cache", "eval"):  # as trafilatura's tests/eval_common.py looks them up
        if (tests / sub / name).is_file():
            return tests / sub / name
    return None


# -- the page's own metadata, read independently of trafilatura ----------------------------------

def _jsonld_objects(doc) -> list[dict]:
    out = []
    for script in doc.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack += item
            elif isinstance(item, dict):
                out.append(item)
                stack += [v for k, v in item.items() if k in ("@graph", "mainEntity", "mainEntityOfPage")]
    return out


_ARTICLE_TYPES = re.compile(r"Article|Posting|Report|NewsArticle|WebPage", re.I)


def _names(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):  # a person; an Organization as author is the publisher, nobody's byline
        return [] if "Organization" in str(value.get("@type", "")) else _names(value.get("name"))
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def page_metadata(raw: bytes) -> dict[str, set[str]]:
    """titles, authors (each a person), days (YYYY-MM-DD) the page declares for itself."""
    from lxml import html as lh

    from trafilatura.utils import decode_file

    found = {"title": set(), "author": set(), "day": set()}
    try:  # decoded by the page's own charset first: lxml reading the bytes guesses Latin-1
        doc = lh.fromstring(decode_file(raw))
    except ValueError:  # a str that still declares its encoding
        doc = None
    try:
        doc = doc if doc is not None else lh.fromstring(raw)
    except Exception:
        return found
    articles = [o for o in _jsonld_objects(doc) if _ARTICLE_TYPES.search(str(o.get("@type", "")))]
    for o in articles:
        if isinstance(o.get("headline"), str):
            found["title"].add(o["headline"])
        authors = _names(o.get("author"))
        if authors:
            found["author"].add(tuple(authors))
        if isinstance(o.get("datePublished"), str):
            found["day"].add(o["datePublished"][:10])
    found["title"] |= set(doc.xpath('//meta[@property="og:title"]/@content'))
    meta_authors = doc.xpath('//meta[@name="author" or @property="article:author"]/@content')
    found["author"] |= {(a,) for a in meta_authors if a.strip() and not a.startswith("http")}
    for d in doc.xpath('//meta[@property="article:published_time" or @name="pubdate" or @name="date"'
                       ' or @itemprop="datePublished"]/@content'):
        found["day"].add(d[:10])
    found["day"] = {d for d in found["day"] if re.fullmatch(r"\d{4}-\d\d-\d\d", d)}
    found["title"] = {t for t in found["title"] if t.strip()}
    return found


def fold(s: str) -> str:
    s = re.sub("[\u00ad\u200b-\u200d\u2060\ufeff]", "", s)  # soft hyphens and zero-width marks
    return " ".join(unicodedata.normalize("NFKC", s).split()).casefold()


def _no_site(title: str) -> str:
    return re.sub(r"\s+[|\-–—:]\s+[^|\-–—]{2,40}$", "", title)


def title_matches(ours: str | None, refs: set[str]) -> bool:
    if not ours:
        return False
    candidates = {fold(t) for t in refs} | {fold(_no_site(t)) for t in refs}
    return fold(ours) in candidates or fold(_no_site(ours)) in candidates


_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|/|\s-\s|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", re.I)
_SITE = re.compile(r"https?://|www\.|\.(?:com|net|org|de|at|ch|fr|es|it|pl|cl)\b|\[at\]", re.I)


def _people(byline: str) -> set[str]:
    """The names a byline or author field gives, folded (case, accents' forms, dots and dashes)."""
    import html as html_entities

    byline = re.sub(r"<[^>]+>", " ", html_entities.unescape(byline))
    try:  # UTF-8 read as Latin-1 by the page's own generator ("MÃ©ndez")
        byline = byline.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    names = set()
    for part in _NAME_SPLIT.split(byline):
        part = re.sub(r"^\s*(?:by|von|par|por|de)\s+", "", part, flags=re.I)
        if _SITE.search(part) or not part.strip():
            continue
        folded = " ".join(re.sub(r"[^\w]+", " ", fold(part)).split())
        if len(folded.split()) >= 2:  # a person's name: "admin", "red", "LN" name nobody
            names.add(folded)
    return names


def byline_matches(ours: str | None, refs: set[tuple[str, ...]]) -> bool:
    """The same people: ours names exactly the people of one of the page's author fields (its
    JSON-LD article's authors, or a meta author tag; sites left out)."""
    mine = _people(ours or "")
    return bool(mine) and any(mine == {p for name in ref for p in _people(name)} for ref in refs)


# -- one page, every path -------------------------------------------------------------------------

def _kept_text(article) -> str | None:
    from bot.corpus.types import Skipped

    if isinstance(article, Skipped):
        return None
    return "\n".join(article.paragraph_text(p) for p in article.paragraphs)


def run_page(job: tuple[str, str, str]) -> dict:
    url, path, name = job
    import html_text
    import trafilatura
    from trafilatura.utils import decode_file

    from bot.corpus.files import read_article

    raw = Path(path).read_bytes()
    out: dict = {"url": url, "name": name}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        page = folder / "page.html"
        page.write_bytes(raw)
        # Wall time, not CPU: quotebot extracts in a worker process whose CPU this process does not see.
        started = time.perf_counter()
        article = read_article(page, folder, [])
        out["html_seconds"] = time.perf_counter() - started
        out["html"] = _kept_text(article)
        out["source"] = None if out["html"] is None else {
            "title": article.source.title, "byline": article.source.byline, "date": article.source.date}
        started = time.perf_counter()
        out["trafilatura"] = trafilatura.extract(raw, include_comments=False, include_tables=True,
                                                 include_formatting=False)
        out["trafilatura_seconds"] = time.perf_counter() - started
        # The same with the page's metadata read too (title, author, date, site, url), as quotebot reads it.
        started = time.perf_counter()
        trafilatura.extract(raw, include_comments=False, include_tables=True, include_formatting=False, with_metadata=True)
        out["trafilatura_metadata_seconds"] = time.perf_counter() - started
        rendered = html_text.extract_text(decode_file(raw))
        out["html-text"] = rendered
        scraped = folder / "page.txt"
        scraped.write_text(rendered, encoding="utf-8")
        page.unlink()
        text_article = read_article(scraped, folder, [])
        out["text"] = _kept_text(text_article)
        out["text_title"] = None if out["text"] is None else text_article.source.title
    out["meta"] = {k: sorted(v) for k, v in page_metadata(raw).items()}
    return out


def _shingles(text: str | None):
    from collections import Counter

    words = re.findall(r"\w+", (text or "").lower())
    return Counter(tuple(words[i:i + 4]) for i in range(len(words) - 3))


def shingle_f1(kept: str | None, truth: str | None) -> tuple[float, float, float]:
    """(F1, precision, recall) of the kept text's 4-word shingles against the truth's (0 when either is empty)."""
    ours, theirs = _shingles(kept), _shingles(truth)
    if not ours or not theirs:
        return 0.0, 0.0, 0.0
    common = sum((ours & theirs).values())
    precision, recall = common / sum(ours.values()), common / sum(theirs.values())
    return (2 * precision * recall / (precision + recall) if common else 0.0), precision, recall


def score(item: dict, kept: str | None) -> tuple[int, int, int, int]:
    """(with kept, with total, without dropped, without total)"""
    text = norm(kept or "")
    kept_with = sum(norm(w) in text for w in item["with"]) if kept else 0
    dropped_without = sum(norm(w) not in text for w in item["without"]) if kept else len(item["without"])
    return kept_with, len(item["with"]), dropped_without, len(item["without"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tests", type=Path, help="trafilatura's tests folder (evaldata.json, cache/, eval/)")
    ap.add_argument("--only", type=Path, help="a folder of pages: score only the pages named as its files")
    ap.add_argument("--half", choices=("A", "B"), help="only one half of the sites")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--dump", type=Path, help="write every page's results (JSON lines) here, for reading")
    args = ap.parse_args()

    evaldata = json.loads((args.tests / "evaldata.json").read_text(encoding="utf-8"))
    only = {p.name for p in args.only.iterdir()} if args.only else None
    jobs = []
    for url, item in sorted(evaldata.items()):
        if only is not None and item["file"] not in only:
            continue
        if args.half and site_half(url) != args.half:
            continue
        path = resolve(args.tests, item["file"])
        if path is None:
            print(f"missing page file: {item['file']}", file=sys.stderr)
            continue
        jobs.append((url, str(path), item["file"]))
    started = time.time()
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run_page, jobs, chunksize=4))
    wall = time.time() - started
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as f:
            for r in results:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")

    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for r in results:
        item = evaldata[r["url"]]
        for group in ("all", site_half(r["url"])):
            for name in PATHS:
                t = totals[(group, name)]
                for i, v in enumerate(score(item, r[name])):
                    t[i] += v
                t[4] += r[name] is None or not r[name].strip()
                t[5] += 1
    print(f"{len(results)} pages ({sum(site_half(r['url']) == 'A' for r in results)} in half A), "
          f"{wall:.0f} s on {args.jobs} processes\n")
    print("| path | pages | with kept | without dropped | pages lost |")
    print("|---|---|---|---|---|")
    for group in ("all", "A", "B"):
        for name in PATHS:
            t = totals[(group, name)]
            if not t[5]:
                continue
            print(f"| {name} ({group if group != 'all' else 'all sites'}) | {t[5]} | {t[0] / max(t[1], 1):.3f} "
                  f"| {t[2] / max(t[3], 1):.3f} | {t[4]} |")

    # Whole-body agreement, as the issue measures pages nobody here sees: 4-word-shingle F1 of each
    # path's kept text against trafilatura's own output (a stand-in for the true article body, which
    # this set does not give: it favours the HTML path, which is trafilatura's reading).
    print("\n| path | 4-word-shingle F1 / precision / recall against trafilatura's text (mean over pages) |")
    print("|---|---|")
    for name in ("html", "text", "html-text"):
        values = [shingle_f1(r[name], r["trafilatura"]) for r in results if r["trafilatura"]]
        if values:
            print(f"| {name} | " + " / ".join(f"{sum(v[i] for v in values) / len(values):.3f}" for i in range(3)) + " |")

    title = [0, 0]
    # the whole-page text's title (its <title> line or the headline found), against the same references
    text_title_counts = {half: [0, 0] for half in ("all", "A", "B")}
    byline = [0, 0]
    day = [0, 0]
    for r in results:
        meta, source = r["meta"], r["source"] or {}
        if meta["title"]:
            title[1] += 1
            title[0] += title_matches(source.get("title"), set(meta["title"]))
            for half in ("all", site_half(r["url"])):
                text_title_counts[half][1] += 1
                text_title_counts[half][0] += title_matches(r.get("text_title"), set(meta["title"]))
        if any(_people(a) for ref in meta["author"] for a in ref):  # a person, not only a site, named
            byline[1] += 1
            byline[0] += byline_matches(source.get("byline"), {tuple(a) for a in meta["author"]})
        if meta["day"]:
            day[1] += 1
            day[0] += (source.get("date") or "")[:10] in set(meta["day"])
    print("\n| HTML path metadata, pages that declare it | equal | share |")
    print("|---|---|---|")
    for label, (ok, n) in (("title (JSON-LD headline / og:title)", title), ("byline (JSON-LD / meta author)", byline),
                           ("date (JSON-LD / meta published, same day)", day)):
        print(f"| {label} | {ok}/{n} | {ok / max(n, 1):.3f} |")
    print("\n| whole-page text path: title, pages that declare one | equal | share |")
    print("|---|---|---|")
    for half, (ok, n) in text_title_counts.items():
        print(f"| {'all sites' if half == 'all' else 'half ' + half} | {ok}/{n} | {ok / max(n, 1):.3f} |")

    ours = sum(r["html_seconds"] for r in results)
    theirs = sum(r["trafilatura_seconds"] for r in results)
    print(f"\nHTML extraction, wall time per page, one page at a time in each process: quotebot {ours / len(results) * 1000:.1f} ms "
          f"({len(results) / ours:.1f} pages/s a core), trafilatura alone {theirs / len(results) * 1000:.1f} ms "
          f"({len(results) / theirs:.1f} pages/s a core): quotebot at {theirs / ours:.0%} of trafilatura's rate")
    with_meta = sum(r["trafilatura_metadata_seconds"] for r in results)
    print(f"trafilatura reading the metadata too (with_metadata=True): {with_meta / len(results) * 1000:.1f} ms "
          f"({len(results) / with_meta:.1f} pages/s a core): quotebot at {with_meta / ours:.0%} of that rate")


if __name__ == "__main__":
    main()
