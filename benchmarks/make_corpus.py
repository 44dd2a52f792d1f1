"""Generate a large, English-like news corpus and a query set for the benchmarks.

    python benchmarks/make_corpus.py --sentences 1000000 --out benchmarks/data/corpus1m [--seed 0]

Writes <out>/aNNNNN.txt article files (headline, "By First Last" byline, a dateline
"CITY, Month D (Wire) -- " on the first paragraph, paragraphs of 2-6 sentences separated by blank
lines), <out>/queries.jsonl (not an article suffix, so quotebot never indexes it) and
<out>/common_queries.jsonl (four distinct words of 4+ letters from random sentences, seeded: the speed
issue's query set; `bench_index.py --queries` takes either).  On this generator's 1M corpus their
terms are in a median of ~1,900 sentences a query (p90 ~10,000): far fewer than on the corpus the
speed issue measured with (~620,000), whose generator made its frequent words of 4+ letters; a
corpus for that issue's figures needs a vocabulary whose top ranks are such words.

Vocabulary: a few hundred real English function and common words plus pseudo-words made from
syllables, capitalised names, hyphenated names and numbers, drawn with a Zipf law (exponent
--zipf, default 1.05) over --vocab ranks (default 200,000; far more than 100,000 distinct index
terms survive stemming).  Everything is deterministic from --seed; only numpy is needed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

# Real words: stopwords first (the most frequent), then common news words.  No second person and no
# promotion/navigation words, which quotebot's cleaning would (rightly) treat as page furniture.
FUNCTION_WORDS = """
the of and to a in that is was he for it with as his on be at by had are but from or have an they which
one were her all she there would their we him been has when who will more no if out so said what up its
about into than them can only other new some could time these two may then do first any my now such like
our over man me even most made after also did many before must through back years where much your way well
down should because each just those people how too little state good very make world still own see men
work long get here between both life being under never day same another know while last might us great old
year off come since against go came right used take three
""".split()
COMMON_WORDS = """
government minister president police officials report country city military north south east west public
company market prices energy health court law party election vote leader former national security forces
official spokesman agency ministry foreign economic growth bank money trade talks deal plan policy support
group members workers union strike protest crisis war peace army border region capital province village
water food oil gas power plant factory budget tax debt rates inflation exports imports business industry
investors shares profit losses sales demand supply program project system service services school students
teachers hospital doctors patients disease virus vaccine cases deaths victims attack attacks fire storm
flood earthquake rescue aid relief families children women residents community council mayor governor
senator congress parliament committee investigation evidence trial judge prosecutors lawyers charges
prison sentence released arrested killed injured wounded missing found reported announced confirmed
denied warned urged called agreed rejected signed approved expected planned increased decreased rose fell
dropped gained million billion percent dollars week month today yesterday morning evening night hours
minutes early late recent previous future local international global regional central major key senior
chief head director executive chairman board team coach players game match season league title cup win
lost victory defeat record history center centre road bridge railway airport port ship train flight
""".split()
MONTHS = "January February March April May June July August September October November December".split()
WIRES = ["QNS", "Wire", "Press", "Newsline", "WNA"]
ONSETS = "b c d f g h j k l m n p r s t v w z br cr dr fr gr pr tr bl cl fl gl pl sl st sp sk ch sh th qu".split()
VOWELS = "a e i o u a e i o ai ea ou io".split()
CODAS = [""] * 6 + "n r l s t m nd nt rn rk st".split()
# Words quotebot's sentence splitter treats as abbreviations must never end a sentence.
ABBREV_ENDS = frozenset("""mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm maj st jr sr rev hon pres supt insp
inc corp co ltd llc plc bros dept univ assn est approx vs etc al cf ca fig vol pp ed eds jan feb mar apr jun jul aug
sep sept oct nov dec mon tue tues wed thu thurs fri sat sun no nos op art sec ch ave blvd rd mt ft hwy""".split())
STOP_QUERY = frozenset(FUNCTION_WORDS)


def pseudo_words(rng: np.random.Generator, n: int, syllables_lo: int, syllables_hi: int,
                 exclude: set[str]) -> list[str]:
    """n distinct pseudo-words of syllables_lo..syllables_hi syllables."""
    out: list[str] = []
    seen = set(exclude)
    while len(out) < n:
        m = (n - len(out)) * 2 + 64
        k = rng.integers(syllables_lo, syllables_hi + 1, size=m)
        on = rng.integers(0, len(ONSETS), size=(m, syllables_hi))
        vo = rng.integers(0, len(VOWELS), size=(m, syllables_hi))
        co = rng.integers(0, len(CODAS), size=(m, syllables_hi))
        for i in range(m):
            w = "".join(ONSETS[on[i, j]] + VOWELS[vo[i, j]] + CODAS[co[i, j]] for j in range(k[i]))
            if w not in seen and len(w) >= 3:
                seen.add(w)
                out.append(w)
                if len(out) == n:
                    break
    return out


def build_vocabulary(rng: np.random.Generator, size: int, content_head: int = 0) -> tuple[list[str], np.ndarray]:
    """Words by Zipf rank (0 = most frequent) and a mask of words safe to end a sentence.

    content_head: that many common content words of 4+ letters are moved to the very top ranks (ahead
    of "the"), so words a query draws from random sentences are in a large share of all sentences,
    as in the speed issue's query mix; 0 leaves the vocabulary as it always was."""
    real = list(dict.fromkeys(FUNCTION_WORDS + COMMON_WORDS))
    n_pseudo = size - len(real)
    # Shorter pseudo-words are more frequent, as in real languages: sort by length with noise.
    pw = pseudo_words(rng, n_pseudo, 1, 3, set(real) | ABBREV_ENDS)
    noise = rng.random(len(pw)) * 2.5
    pw = [pw[i] for i in np.argsort([len(w) + noise[i] for i, w in enumerate(pw)], kind="stable")]
    vocab: list[str] = [""] * size
    # Function words take most of the head; common words are spread over ranks ~50..3000.
    fw = [w for w in real if w in STOP_QUERY]
    cw = [w for w in real if w not in STOP_QUERY]
    taken = np.zeros(size, dtype=bool)
    fw_ranks = np.sort(rng.choice(np.arange(0, 400), size=len(fw), replace=False))
    fw_ranks[:20] = np.arange(20)  # "the of and to a ..." really are the top
    for r, w in zip(fw_ranks, fw):
        vocab[r] = w
        taken[r] = True
    free = np.flatnonzero(~taken[:3000])
    cw_ranks = rng.choice(free[free >= 30], size=len(cw), replace=False)
    for r, w in zip(cw_ranks, cw):
        vocab[r] = w
        taken[r] = True
    rest = np.flatnonzero(~taken)
    it = iter(pw)
    safe = np.zeros(size, dtype=bool)
    for r in rest:
        vocab[r] = next(it)
        safe[r] = True
    # Names (capitalised), hyphenated names and numbers at scattered ranks beyond the head.
    special = rng.choice(rest[rest >= 200], size=min(len(rest) // 12, 20000), replace=False)
    kinds = rng.random(len(special))
    for r, u in zip(special, kinds):
        w = vocab[r]
        if u < 0.55:
            vocab[r] = w.capitalize()
        elif u < 0.75:
            other = pw[int(rng.integers(0, len(pw)))]
            vocab[r] = w.capitalize() + "-" + other.capitalize()
        elif u < 0.85:
            vocab[r] = str(int(rng.integers(1900, 2030)))
        elif u < 0.95:
            vocab[r] = f"{int(rng.integers(1, 999))},{int(rng.integers(0, 1000)):03d}"
        else:
            vocab[r] = f"{int(rng.integers(0, 100))}.{int(rng.integers(0, 10))}"
        safe[r] = False
    for r in range(size):
        if vocab[r] in ABBREV_ENDS:
            safe[r] = False
    if content_head:
        head = [r for r in range(size) if vocab[r] in cw and len(vocab[r]) >= 4][:content_head]
        rest_ranks = sorted(set(range(size)) - set(head))
        order = head + rest_ranks
        vocab, safe = [vocab[r] for r in order], safe[order]
    return vocab, safe


def zipf_sampler(rng: np.random.Generator, n_ranks: int, s: float):
    cdf = np.cumsum(1.0 / np.arange(1, n_ranks + 1, dtype=np.float64) ** s)
    cdf /= cdf[-1]

    def sample(n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), n_ranks - 1).astype(np.int32)

    return sample


def misspell(rng: np.random.Generator, word: str) -> str:
    """One edit: delete, substitute, insert or transpose (never the first letter)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    kind = int(rng.integers(0, 4))
    i = int(rng.integers(1, len(word)))
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        c = letters[int(rng.integers(0, 26))]
        while c == word[i]:
            c = letters[int(rng.integers(0, 26))]
        return word[:i] + c + word[i + 1:]
    if kind == 2:
        return word[:i] + letters[int(rng.integers(0, 26))] + word[i:]
    if i == len(word) - 1 or word[i] == word[i + 1]:
        return word[:i] + word[i + 1:]  # nothing to transpose: a deletion instead
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=1_000_000, help="body sentences to generate")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/data/corpus1m"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocab", type=int, default=200_000, help="Zipf ranks (distinct words)")
    ap.add_argument("--zipf", type=float, default=1.05, help="Zipf exponent")
    ap.add_argument("--articles", type=int, default=0, help="default: sentences/250, between 2 and 5000")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--misspelled", type=float, default=0.10, help="share of queries with one typo")
    ap.add_argument("--content-head", type=int, default=0,
                    help="common content words of 4+ letters moved to the top Zipf ranks (heavy queries)")
    ap.add_argument("--common-queries", type=int, default=200,
                    help="queries of four words of 4+ letters from random sentences (common_queries.jsonl)")
    args = ap.parse_args(argv)
    if args.sentences < 10:
        ap.error("--sentences must be at least 10")

    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    vocab_size = max(args.vocab, 1000)
    vocab, safe = build_vocabulary(rng, vocab_size, args.content_head)
    vocab_arr = np.asarray(vocab, dtype=object)
    sample = zipf_sampler(rng, vocab_size, args.zipf)
    safe_ids = np.flatnonzero(safe).astype(np.int32)
    sample_safe = zipf_sampler(rng, len(safe_ids), args.zipf)

    n = args.sentences
    lengths = np.clip(np.rint(rng.gamma(6.0, 3.4, size=n)), 5, 40).astype(np.int64)  # mean ~20 words
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    ids = sample(int(offsets[-1]))
    ids[offsets[1:] - 1] = safe_ids[sample_safe(n)]  # a sentence ends on a plain word
    words = vocab_arr[ids].tolist()

    # Articles: sentence counts ~ lognormal, scaled to add up to n.
    n_articles = args.articles or int(np.clip(n // 250, 2, 5000))
    n_articles = max(1, min(n_articles, n // 2))
    w = rng.lognormal(0.0, 0.5, size=n_articles)
    per_article = np.maximum(2, np.floor(w / w.sum() * n)).astype(np.int64)
    diff = n - int(per_article.sum())
    while diff != 0:  # fix the rounding on random articles
        j = int(rng.integers(0, n_articles))
        if diff > 0:
            per_article[j] += 1
            diff -= 1
        elif per_article[j] > 2:
            per_article[j] -= 1
            diff += 1

    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cities = [w.upper() for w in pseudo_words(rng, 200, 2, 3, set())]
    names = pseudo_words(rng, 2000, 1, 3, set())
    head_ids = sample(n_articles * 12)
    sent_no = 0
    sentence_file: list[int] = []  # article of each sentence, for the query records
    for a in range(n_articles):
        m = int(per_article[a])
        hw = [vocab[i] for i in head_ids[a * 12: a * 12 + int(rng.integers(5, 13))]]
        headline = " ".join(x[:1].upper() + x[1:] for x in hw)
        first, last = names[int(rng.integers(0, len(names)))], names[int(rng.integers(0, len(names)))]
        byline = f"By {first.capitalize()} {last.capitalize()}"
        month = MONTHS[int(rng.integers(0, 12))]
        dateline = (f"{cities[int(rng.integers(0, len(cities)))]}, {month} {int(rng.integers(1, 29))} "
                    f"({WIRES[int(rng.integers(0, len(WIRES)))]}) -- ")
        paragraphs: list[str] = []
        left = m
        sizes = rng.integers(2, 7, size=m)
        p = 0
        while left > 0:
            k = int(min(sizes[p], left))
            p += 1
            sents = []
            for s in range(sent_no, sent_no + k):
                t = " ".join(words[offsets[s]:offsets[s + 1]])
                sents.append(t[:1].upper() + t[1:] + ".")
            sent_no += k
            left -= k
            paragraphs.append(" ".join(sents))
        sentence_file.extend([a] * m)
        paragraphs[0] = dateline + paragraphs[0]
        body = "\n\n".join([headline, byline] + paragraphs) + "\n"
        (out / f"a{a:05d}.txt").write_text(body, encoding="utf-8")
    assert sent_no == n

    # Queries: 2-6 words of one real sentence, its rarest content word always among them.
    qrng = np.random.default_rng(args.seed + 1)
    picks = qrng.integers(0, n, size=args.queries)
    queries = []
    for q, s in enumerate(picks):
        sid = ids[offsets[s]:offsets[s + 1]]
        content = [int(i) for i in dict.fromkeys(sid.tolist()) if vocab[i] not in STOP_QUERY]
        if len(content) < 2:
            content = [int(i) for i in dict.fromkeys(sid.tolist())]
        k = int(min(len(content), qrng.integers(2, 7)))
        rarest = max(content)
        others = [i for i in content if i != rarest]
        chosen = [rarest] + [others[j] for j in qrng.choice(len(others), size=k - 1, replace=False)] if others else [rarest]
        qrng.shuffle(chosen)
        qwords = [vocab[i] for i in chosen]
        typo = None
        if qrng.random() < args.misspelled:
            cand = [j for j, x in enumerate(qwords) if x.isalpha() and x.islower() and len(x) >= 5]
            if cand:
                j = cand[int(qrng.integers(0, len(cand)))]
                typo = [qwords[j], misspell(qrng, qwords[j])]
                qwords[j] = typo[1]
        queries.append({"id": q, "question": " ".join(qwords), "sentence": int(s),
                        "article": f"a{sentence_file[s]:05d}.txt", "misspelled": typo,
                        "ranks": sorted(int(i) + 1 for i in chosen)})
    with open(out / "queries.jsonl", "w", encoding="utf-8") as f:
        for rec in queries:
            f.write(json.dumps(rec) + "\n")

    # Common-word queries (the speed issue's set): four distinct words of four or more letters from a
    # random sentence, as questions made of everyday words are ("said", "would", "people" are no
    # stopwords: their postings are long).
    crng = np.random.default_rng(args.seed + 2)
    common = []
    while len(common) < args.common_queries:
        s = int(crng.integers(0, n))
        long_words = list(dict.fromkeys(w for w in words[offsets[s]:offsets[s + 1]] if len(w) >= 4))
        if len(long_words) < 4:
            continue
        chosen = [long_words[j] for j in crng.choice(len(long_words), size=4, replace=False)]
        common.append({"id": len(common), "question": " ".join(chosen), "sentence": s,
                       "article": f"a{sentence_file[s]:05d}.txt", "misspelled": None})
    with open(out / "common_queries.jsonl", "w", encoding="utf-8") as f:
        for rec in common:
            f.write(json.dumps(rec) + "\n")

    used = np.unique(ids).size
    size = sum(p.stat().st_size for p in out.glob("*.txt"))
    print(f"wrote {n_articles} articles, {n} body sentences, {int(offsets[-1])} words "
          f"({used} distinct words used of {vocab_size}), {size / 1e6:.1f} MB, "
          f"{len(queries)} queries ({sum(1 for r in queries if r['misspelled'])} misspelled), "
          f"{len(common)} common-word queries "
          f"to {out} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
