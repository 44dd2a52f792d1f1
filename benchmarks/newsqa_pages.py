"""How quotebot reads real news pages: news-qa's 70 saved pages through the corpus reader (the very
function a build calls), reporting pages that lose their article, the share of answer sentences
(questions.jsonl) found in the kept text, and the title against the page's og:title / JSON-LD headline.

    python benchmarks/newsqa_pages.py ../shared/data/news-qa
"""
import json, re, sys, unicodedata, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's bot, run from anywhere
from lxml import html as lh
from bot.corpus.files import read_article
from bot.corpus.types import Skipped
D = Path(sys.argv[1])
pages = sorted((D / "pages").iterdir())
qs = [json.loads(l) for l in open(D / "questions.jsonl")]
fold = lambda s: " ".join(unicodedata.normalize("NFKC", s).split()).casefold()
def ref_titles(raw):
    try:
        doc = lh.fromstring(raw)
    except Exception:
        return set()
    out = set(doc.xpath('//meta[@property="og:title"]/@content'))
    for s in doc.xpath('//script[@type="application/ld+json"]/text()'):
        for m in re.finditer(r'"headline"\s*:\s*"((?:[^"\\]|\\.)*)"', s):
            try: out.add(json.loads('"' + m.group(1) + '"'))
            except Exception: pass
    strip = lambda t: re.sub(r"\s+[|\-–—]\s+[^|\-–—]{2,40}$", "", t)
    return {fold(strip(t)) for t in out if t.strip()} | {fold(t) for t in out if t.strip()}
kept, lost, titles, titled = {}, [], 0, 0
t0 = time.time()
for p in pages:
    w = []
    a = read_article(p, p.parent, w)
    if isinstance(a, Skipped):
        lost.append((p.name, a.reason)); kept[p.name] = ""; continue
    kept[p.name] = fold(" ".join(a.paragraph_text(x) for x in a.paragraphs))
    refs = ref_titles(p.read_bytes())
    if refs:
        titled += 1
        titles += fold(a.source.title or "") in refs
secs = time.time() - t0
ans = [q for q in qs if q.get("file")]
have = sum(fold(q["sentence"]) in kept[q["file"]] for q in ans)
print(f"pages {len(pages)} lost {len(lost)} {lost[:10]}")
print(f"answer sentences kept {have}/{len(ans)} = {have/len(ans):.3f}")
print(f"title equal to og:title/headline {titles}/{titled} = {titles/max(titled,1):.3f}; {len(pages)/secs:.1f} pages/s")
