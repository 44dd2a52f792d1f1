"""Fit the question -> answer-sentence term associations (bot/answer/models/associations/) on SQuAD.

    python benchmarks/fit_associations.py ../shared/data/squad/dev-v1.1.json ../shared/data/squad/train-half-a.json

Readers ask with other words than the articles use: "die" for "executed", "testified" for "testimony".
Every SQuAD question is paired with the sentence of its context that holds the answer (Punkt, as the
index splits), both turned into index terms as the answerer does (question words and stopwords out).

What is learnt is what a question term that is *not* in its answer sentence was written for there:
  * only the question's missing terms are aligned (a copied word needs no related word, and copies
    made most of the old table's mass), and only to the sentence's terms that are neither another
    question term (a copy of another word explains nothing) nor a word of the answer itself ("cost" is
    answered by "billion", "when" by a year: answer types, the cues' business, not paraphrases);
  * IBM Model 1 by EM (Berger et al. 2000; Xue, Jeon & Croft 2008) shares each missing term's
    alignment among those sentence terms and a NULL word, so one sentence word that explains it takes
    the mass from the rest;
  * what the same model aligns in the *other* sentences of the answer's paragraph (their mean, the
    same terms left out) is subtracted: a topical word of the paragraph ("microgroove" in an article on
    records) is in all of them and aligned as much there, a paraphrase is in the answer sentence only.
    A paragraph of one sentence is contrasted with the article's other sentences.

Model 1's rare words take whatever stands beside them (Moore 2004's "garbage collectors"), so t(q | s)
is smoothed towards the missing terms' frequencies.  For each question term q the related sentence
terms s are ranked by the strength of the pair, the geometric mean of p(s | q) (the contrasted count
over the questions holding q) and p(q | s) (over all the alignment mass s took), and kept when it is
strong enough, the contrasted count is at least a couple of questions and half the count before the
contrast, it holds in several articles (one article's questions are written by the same people on one
subject: a pair only they make is that subject), s is in several answer sentences, neither is mostly
written capitalised (names are nobody's synonyms) and s is not q itself.  The table is pruned to a few
related terms a word and written as plain .npy arrays (no pickle, no timestamps: the same data gives
the same bytes).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import text  # noqa: E402
from bot.answer import expansion  # noqa: E402

_WORD = re.compile(r"[^\W\d_][\w'-]*")

ITERATIONS = 12
MIN_ALIGNED = 2.0  # contrasted expected times q was aligned to s over all pairs
MIN_KEPT = 0.5  # ... and at least this share of the count before the contrast
MIN_ARTICLES = 3  # ... in at least this many articles
ARTICLE_SUPPORT = 0.3  # a contrasted count in one article this big or more counts it
MIN_SENTENCES = 5  # a related term must be in this many answer sentences
MIN_STRENGTH = 0.04  # sqrt(p(s | q) p(q | s)), see table()
MAX_CAPITALISED = 0.3  # share of a term's occurrences written capitalised inside a sentence: names are no synonyms
PER_TERM = 3  # related terms kept per question term
SMOOTHING = 10.0  # t(q | s) smoothed by this many counts of the missing terms' frequencies


@dataclass
class Pairs:
    missing: list[list[str]] = field(default_factory=list)  # per question: its terms absent from the answer sentence
    sentence: list[list[str]] = field(default_factory=list)  # ... the answer sentence's terms that may explain them
    others: list[list[list[str]]] = field(default_factory=list)  # ... the same of the paragraph's other sentences
    article: list[int] = field(default_factory=list)  # ... the number of its article
    asked: dict[str, int] = field(default_factory=dict)  # questions holding each term
    answered: dict[str, int] = field(default_factory=dict)  # answer sentences holding each term
    surface: dict[str, str] = field(default_factory=dict)  # each sentence term's commonest surface
    capitalised: dict[str, float] = field(default_factory=dict)  # share written capitalised past a sentence's start


def _terms(sentence: str) -> set[str]:
    return {w.term for w in text.words(sentence)}


def pairs(files: list[Path]) -> Pairs:
    out = Pairs()
    surfaces: dict[str, dict[str, int]] = {}
    capitals: dict[str, list[int]] = {}
    number = -1
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        for article in data["data"]:
            number += 1
            split = []
            for para in article["paragraphs"]:
                context = para["context"]
                split.append([(a, b, _terms(context[a:b])) for a, b in text.split_sentences(context)])
            article_sentences = [terms for para in split for _, _, terms in para]
            for para, spans in zip(article["paragraphs"], split):
                context = para["context"]
                for qa in para.get("qas", ()):
                    if not qa.get("answers"):
                        continue
                    answer = qa["answers"][0]
                    at = int(answer["answer_start"])
                    k = next((i for i, (a, b, _) in enumerate(spans) if a <= at < b), None)
                    if k is None:
                        continue
                    a, b, s_terms = spans[k]
                    q = {w.term for w in text.query_words(qa["question"])}
                    if not q or not s_terms:
                        continue
                    sentence = context[a:b]
                    words = text.words(sentence)
                    for token in _WORD.findall(sentence)[1:]:
                        for w in text.words(token):
                            seen = capitals.setdefault(w.term, [0, 0])
                            seen[0] += token[:1].isupper()
                            seen[1] += 1
                    for w in words:
                        if w.surface.isalpha():
                            counts = surfaces.setdefault(w.term, {})
                            counts[w.surface] = counts.get(w.surface, 0) + 1
                    for t in q:
                        out.asked[t] = out.asked.get(t, 0) + 1
                    for t in s_terms:
                        out.answered[t] = out.answered.get(t, 0) + 1
                    missing = sorted(q - s_terms)
                    drop = q | _terms(answer["text"])
                    explaining = sorted(s_terms - drop)
                    if not missing or not explaining:
                        continue
                    others = [terms for i, (_, _, terms) in enumerate(spans) if i != k]
                    if not others:  # a paragraph of one sentence: the article's other sentences
                        others = [terms for terms in article_sentences if terms is not s_terms]
                    out.article.append(number)
                    out.missing.append(missing)
                    out.sentence.append(explaining)
                    out.others.append([sorted(terms - drop) for terms in others])
    out.surface = {t: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for t, c in surfaces.items()}
    out.capitalised = {t: a / b for t, (a, b) in capitals.items()}
    return out


def _entries(missing, sentences, weights, q_id, s_id):
    """One entry per (row, missing term, sentence term or NULL): q's id and s's id (NULL 0, unseen
    -1), the entry's group (one per row and missing term), the group's weight and the entry's row."""
    eq, es, group, gweight, row = [], [], [], [], []
    g = 0
    for r, (q, s, w) in enumerate(zip(missing, sentences, weights)):
        sids = [0] + [s_id.get(t, -1) for t in s]
        for t in q:
            eq.extend([q_id.get(t, -1)] * len(sids))
            es.extend(sids)
            group.extend([g] * len(sids))
            row.extend([r] * len(sids))
            gweight.append(w)
            g += 1
    return (np.array(eq, np.int64), np.array(es, np.int64), np.array(group, np.int64),
            np.array(gweight, np.float64), np.array(row, np.int64))


def _posteriors(t_of_entry, group):
    starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    total = np.add.reduceat(t_of_entry, starts)[group]
    return np.divide(t_of_entry, total, out=np.zeros_like(t_of_entry), where=total > 0)


def _align(targets, sources, others, article, t_vocab, s_vocab):
    """IBM Model 1 by EM: each pair's targets written for its sources or a NULL word (source 0).
    others[i] are pair i's (targets, sources) with another sentence of its paragraph in the sentence's
    place.  Returns, for every (target, source) seen together, its key (target id * len(s_vocab) +
    source id), its expected alignment count, the same model's count in the other sentences (each
    pair's mean over them) and in how many articles the contrasted count reaches ARTICLE_SUPPORT."""
    t_id = {t: i for i, t in enumerate(t_vocab)}
    s_id = {t: i for i, t in enumerate(s_vocab)}
    et, es, group, _, row = _entries(targets, sources, [1.0] * len(targets), t_id, s_id)
    keys, entry_key = np.unique(et * len(s_vocab) + es, return_inverse=True)
    key_t, key_s = keys // len(s_vocab), keys % len(s_vocab)
    prior = np.bincount(et[es == 0], minlength=len(t_vocab)).astype(np.float64)  # the targets' frequencies
    prior /= prior.sum()
    t = np.ones(len(keys))  # uniform start: t(target | source) the same for every target
    for _ in range(ITERATIONS):
        posterior = _posteriors(t[entry_key], group)
        counts = np.bincount(entry_key, weights=posterior, minlength=len(keys))
        per_s = np.bincount(key_s, weights=counts, minlength=len(s_vocab))
        # Smoothed towards the targets' frequencies: a rare source word would otherwise take all of
        # whatever stands beside it (Moore 2004's "garbage collector").
        t = (counts + SMOOTHING * prior[key_t]) / (per_s[key_s] + SMOOTHING)
    last = posterior  # the alignments the final counts were made of
    # The same model in the other sentences of each answer's paragraph, each pair's mean over them.
    o_targets, o_sources, weights, of_pair = [], [], [], []
    for i, rows in enumerate(others):
        for tg, src in rows:
            o_targets.append(tg)
            o_sources.append(src)
            weights.append(1.0 / len(rows))
            of_pair.append(i)
    ot, os_, ogroup, ogweight, orow = _entries(o_targets, o_sources, weights, t_id, s_id)
    okey = np.where((os_ >= 0) & (ot >= 0), ot * len(s_vocab) + os_, -1)
    at = np.minimum(np.searchsorted(keys, okey), len(keys) - 1)
    found = (okey >= 0) & (keys[at] == okey)
    # t is 0 for a pair never seen in an answer sentence; NULL is there for every target.
    posterior = _posteriors(np.where(found, t[at], 0.0), ogroup) * ogweight[ogroup]
    other_counts = np.bincount(at[found], weights=posterior[found], minlength=len(keys))
    # In how many articles the pair's contrasted count reaches ARTICLE_SUPPORT: the questions of one
    # article are written by the same people on one subject, and a pair only they make is its topic.
    n_articles = int(article.max()) + 1 if len(article) else 1
    by_article = np.concatenate([entry_key * n_articles + article[row],
                                 at[found] * n_articles + article[np.array(of_pair, np.int64)[orow[found]]]])
    signed = np.concatenate([last, -posterior[found]])
    cells, cell = np.unique(by_article, return_inverse=True)
    support = np.bincount(cell, weights=signed, minlength=len(cells)) >= ARTICLE_SUPPORT
    articles = np.bincount(cells[support] // n_articles, minlength=len(keys))
    return keys, counts, other_counts, articles


def fit(p: Pairs) -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The missing question terms aligned to the answer sentences' terms, contrasted with the
    paragraphs' other sentences.  Returns the question vocabulary, the sentence vocabulary (NULL first)
    and, for every (q, s) seen together in answer sentences, q's id, s's id, the expected alignment
    count, the same count in the other sentences and the articles supporting it."""
    q_vocab = sorted({t for q in p.missing for t in q})
    s_vocab = ["<null>"] + sorted({t for s in p.sentence for t in s})
    article = np.array(p.article, np.int64)
    keys, counts, other_counts, articles = _align(
        p.missing, p.sentence, [[(q, o) for o in others] for q, others in zip(p.missing, p.others)],
        article, q_vocab, s_vocab)
    key_q, key_s = keys // len(s_vocab), keys % len(s_vocab)
    return q_vocab, s_vocab, key_q, key_s, counts, other_counts, articles


def table(p: Pairs, q_vocab, s_vocab, key_q, key_s, counts, other_counts, articles):
    """The pruned expansion table: per question term, its related sentence terms and their strengths.

    A pair's strength is the geometric mean of p(s | q) (the contrasted alignment count over the
    questions holding q) and p(q | s) (over all of s's alignment mass): the first alone favours
    words that are in every answer sentence ("year"), the second alone rare words seen once beside the
    question word."""
    net = counts - other_counts
    asked = np.array([p.asked[q] for q in q_vocab], np.float64)
    per_s = np.bincount(key_s, weights=counts, minlength=len(s_vocab))
    kept = np.maximum(net, 0.0)
    strength = np.sqrt(kept / asked[key_q] * kept / per_s[key_s])
    rows: dict[str, list[tuple[str, float]]] = {}
    keep = ((net >= MIN_ALIGNED) & (net >= MIN_KEPT * counts) & (articles >= MIN_ARTICLES)
            & (strength >= MIN_STRENGTH) & (key_s > 0))
    for i in np.flatnonzero(keep):
        q, s = q_vocab[key_q[i]], s_vocab[key_s[i]]
        if (q == s or not q.isalpha() or not s.isalpha() or s not in p.surface or p.answered.get(s, 0) < MIN_SENTENCES
                or p.capitalised.get(s, 1.0) > MAX_CAPITALISED or p.capitalised.get(q, 1.0) > MAX_CAPITALISED):
            continue
        rows.setdefault(q, []).append((s, float(strength[i])))
    return {q: sorted(r, key=lambda x: (-x[1], x[0]))[:PER_TERM] for q, r in sorted(rows.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("squad_files", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, default=expansion.TABLE_DIR)
    parser.add_argument("--show", nargs="*", default=(), help="print these words' related terms")
    args = parser.parse_args()
    p = pairs(args.squad_files)
    print(f"{len(p.missing)} question / answer-sentence pairs with a missing question term")
    rows = table(p, *fit(p))
    print(f"{len(rows)} question terms with related terms, {sum(map(len, rows.values()))} pairs")
    expansion.write_table(args.out, rows, p.surface)
    size = sum(f.stat().st_size for f in args.out.iterdir())
    print(f"wrote {args.out} ({size / 1e6:.2f} MB)")
    for word in args.show:
        term = text.words(word)[0].term if text.words(word) else word
        print(f"{word} ({term}):", ", ".join(f"{p.surface.get(s, s)} {w:.3f}" for s, w in rows.get(term, [])))


if __name__ == "__main__":
    main()
