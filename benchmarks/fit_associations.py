"""Fit the question -> answer-sentence term associations (bot/answer/models/associations/) on SQuAD.

    python benchmarks/fit_associations.py ../shared/data/squad/dev-v1.1.json ../shared/data/squad/train-half-a.json

Readers ask with other words than the articles use: "die" for "executed", "testified" for "testimony".
Every SQuAD question is paired with the sentence of its context that holds the answer (Punkt, as the
index splits), both turned into index terms as the answerer does (question words and stopwords out).
A translation model in the manner of Berger et al. (2000) and Xue, Jeon & Croft (2008), IBM Model 1
fitted by EM, learns t(q | s): how likely a question term q is "written" for the sentence term s (a
NULL word takes what nothing explains).  Copied words dominate SQuAD's pairs, so the self-translation
is learnt along with the rest and what is left over are the paraphrases.

For each question term q the related sentence terms s are ranked by the strength of the pair (see
table()) and kept when it is strong enough, the pair was seen aligned in several questions, s is in
several answer sentences, neither is mostly written capitalised (names are nobody's synonyms) and s is
not q itself.  The table is pruned to a few related terms a
word and written as plain .npy arrays (no pickle, no timestamps: the same data gives the same bytes).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import text  # noqa: E402
from bot.answer import expansion  # noqa: E402

_WORD = re.compile(r"[^\W\d_][\w'-]*")

ITERATIONS = 12
MIN_ALIGNED = 2.0  # expected times q was aligned to s over all pairs
MIN_SENTENCES = 5  # a related term must be in this many answer sentences
MIN_STRENGTH = 0.04  # sqrt(p(s | q) p(q | s)), see table()
MAX_CAPITALISED = 0.3  # share of a term's occurrences written capitalised inside a sentence: names are no synonyms
PER_TERM = 3  # related terms kept per question term


def pairs(files: list[Path]) -> tuple[list[list[str]], list[list[str]], dict[str, str], dict[str, float]]:
    """(question terms, answer-sentence terms) per question, each sentence term's commonest surface, and
    the share of its occurrences past a sentence's first word that are capitalised."""
    questions, sentences = [], []
    surfaces: dict[str, dict[str, int]] = {}
    capitals: dict[str, list[int]] = {}
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        for article in data["data"]:
            for para in article["paragraphs"]:
                context = para["context"]
                spans = text.split_sentences(context)
                for qa in para.get("qas", ()):
                    if not qa.get("answers"):
                        continue
                    at = int(qa["answers"][0]["answer_start"])
                    span = next(((a, b) for a, b in spans if a <= at < b), None)
                    if span is None:
                        continue
                    q = sorted({w.term for w in text.query_words(qa["question"])})
                    sentence = context[span[0]:span[1]]
                    words = text.words(sentence)
                    for token in _WORD.findall(sentence)[1:]:
                        for w in text.words(token):
                            seen = capitals.setdefault(w.term, [0, 0])
                            seen[0] += token[:1].isupper()
                            seen[1] += 1
                    s = sorted({w.term for w in words})
                    if not q or not s:
                        continue
                    for w in words:
                        if w.surface.isalpha():
                            counts = surfaces.setdefault(w.term, {})
                            counts[w.surface] = counts.get(w.surface, 0) + 1
                    questions.append(q)
                    sentences.append(s)
    surface = {t: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for t, c in surfaces.items()}
    capitalised = {t: a / b for t, (a, b) in capitals.items()}
    return questions, sentences, surface, capitalised


def fit(questions: list[list[str]], sentences: list[list[str]]) -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray]:
    """IBM Model 1 by EM.  Returns the question vocabulary, the sentence vocabulary (NULL first) and,
    for every (q, s) seen together, q's id, s's id and the expected alignment count."""
    q_vocab = sorted({t for q in questions for t in q})
    s_vocab = ["<null>"] + sorted({t for s in sentences for t in s})
    q_id = {t: i for i, t in enumerate(q_vocab)}
    s_id = {t: i for i, t in enumerate(s_vocab)}
    # One entry per (question, question term, sentence term or NULL).
    eq, es, group = [], [], []
    g = 0
    for q, s in zip(questions, sentences):
        sids = [0] + [s_id[t] for t in s]
        for t in q:
            eq.extend([q_id[t]] * len(sids))
            es.extend(sids)
            group.extend([g] * len(sids))
            g += 1
    eq, es, group = np.array(eq, np.int64), np.array(es, np.int64), np.array(group, np.int64)
    key = eq * len(s_vocab) + es
    keys, entry_key = np.unique(key, return_inverse=True)
    key_s = keys % len(s_vocab)
    starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    t = np.ones(len(keys))  # uniform start: t(q | s) the same for every q
    for it in range(ITERATIONS):
        value = t[entry_key]
        posterior = value / np.add.reduceat(value, starts)[group]
        counts = np.bincount(entry_key, weights=posterior, minlength=len(keys))
        per_s = np.bincount(key_s, weights=counts, minlength=len(s_vocab))
        t = counts / per_s[key_s]
    return q_vocab, s_vocab, keys // len(s_vocab), key_s, counts


def table(sentences, q_vocab, s_vocab, key_q, key_s, counts, surface, capitalised):
    """The pruned expansion table: per question term, its related sentence terms and their strengths.

    A pair's strength is the geometric mean of p(s | q) (the share of q's alignment mass going to s)
    and p(q | s) (the share of s's going to q): the first alone favours words that are in every answer
    sentence ("year"), the second alone rare words seen once beside the question word."""
    sentence_df: dict[str, int] = {}
    for s in sentences:
        for t in s:
            sentence_df[t] = sentence_df.get(t, 0) + 1
    per_q = np.bincount(key_q, weights=counts, minlength=len(q_vocab))
    per_s = np.bincount(key_s, weights=counts, minlength=len(s_vocab))
    strength = np.sqrt(counts / per_q[key_q] * counts / per_s[key_s])
    rows: dict[str, list[tuple[str, float]]] = {}
    keep = (counts >= MIN_ALIGNED) & (strength >= MIN_STRENGTH) & (key_s > 0)
    for i in np.flatnonzero(keep):
        q, s = q_vocab[key_q[i]], s_vocab[key_s[i]]
        if (q == s or not q.isalpha() or not s.isalpha() or s not in surface or sentence_df.get(s, 0) < MIN_SENTENCES
                or capitalised.get(s, 1.0) > MAX_CAPITALISED or capitalised.get(q, 1.0) > MAX_CAPITALISED):
            continue
        rows.setdefault(q, []).append((s, float(strength[i])))
    return {q: sorted(r, key=lambda x: (-x[1], x[0]))[:PER_TERM] for q, r in sorted(rows.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("squad_files", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, default=expansion.TABLE_DIR)
    parser.add_argument("--show", nargs="*", default=(), help="print these words' related terms")
    args = parser.parse_args()
    questions, sentences, surface, capitalised = pairs(args.squad_files)
    print(f"{len(questions)} question / answer-sentence pairs")
    q_vocab, s_vocab, key_q, key_s, counts = fit(questions, sentences)
    rows = table(sentences, q_vocab, s_vocab, key_q, key_s, counts, surface, capitalised)
    print(f"{len(rows)} question terms with related terms, {sum(map(len, rows.values()))} pairs")
    expansion.write_table(args.out, rows, surface)
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"wrote {args.out} ({size / 1e6:.2f} MB)")
    for word in args.show:
        term = text.words(word)[0].term if text.words(word) else word
        print(f"{word} ({term}):", ", ".join(f"{surface.get(s, s)} {w:.3f}" for s, w in rows.get(term, [])))


if __name__ == "__main__":
    main()
