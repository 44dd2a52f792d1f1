"""Sentence ranking and the no-answer decision, on top of the index's BM25 scores.

Sentence BM25 picks the candidates; the best few are re-scored with the paragraph's and the article's
match of the same terms, the share of the question's idf mass the sentence holds, phrase matches,
and an answer-type cue (a number for "how many", a date for "when", a name for "who"/"where").
The weights below were set on a seeded half of SQuAD v1.1 dev and checked on the other half
(`quotebot eval`); none is tuned on single questions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from bot import text
from bot.index import SentenceIndex

# How many BM25 candidates are re-scored with the richer signals.
CANDIDATES = 40
# Passages after the first must score at least this share of the best one ("more" stays relevant).
MIN_RELATIVE_SCORE = 0.3

# Re-scoring: added to the sentence's BM25 (weights are in BM25 points).
PARAGRAPH_WEIGHT = 1.65  # x the paragraph's BM25 for the same terms
COVERAGE_WEIGHT = 16.0  # x share of the question's idf mass found in the sentence
ARTICLE_WEIGHT = 11.0  # x share of the question's idf mass found in the sentence's article
RAREST_WEIGHT = 3.0  # the question's rarest term is in the sentence
PHRASE_WEIGHT = 1.2  # per pair of adjacent question terms in the sentence
NEW_WORDS_WEIGHT = 0.8  # x log(1 + sentence words that are not question terms): answers add something
LEAD_WEIGHT = 0.9  # the paragraph's first sentence
SURFACE_WEIGHT = 12.0  # x share of the question's words found exactly as written (not just the stem)
CUE_WEIGHTS = {"number": 10.0, "date": 10.0, "person": 6.0, "place": 7.0}

# The no-answer decision: a logistic score over signals of the best sentence (fitted the same way).
# Fitted on SQuAD dev with --off-corpus 0.5 (two seeded splits); the threshold (-0.7, chosen to answer
# ~95 % of in-corpus questions while refusing ~86 % of off-corpus ones) is folded into the bias.
ANSWER_BIAS = -2.53 + 0.7
ANSWER_WEIGHTS = {
    "coverage_exact": 1.96,  # idf share matched by words as typed
    "coverage": 2.25,  # idf share matched, corrected words counting less
    "rarest": 0.04,
    "article": 0.62,  # idf share (as typed) found in the sentence's article
    "corrected": -0.97,  # idf share of corrected words
    "two_rarest": 0.25,  # both rarest terms matched as typed
    "paragraph": 2.05,  # idf share (as typed) found in the sentence's paragraph
    "unknown": -2.18,  # idf share of words the corpus does not have at all
    "margin": 0.66,  # lead of the best score over the second, relative
    "rarest_missing": -0.63,  # idf of the rarest term missing from the paragraph / the rarest term's idf
    "length": 1.11,  # question terms (up to 8) / 8
    "best_paragraph": 2.05,  # best paragraph idf share among the top five sentences
    "scatter": -3.76,  # distinct articles among the top five sentences / 5
    "rarest_article": 0.31,  # the rarest term is in the best sentence's article
    "matched_max": -1.06,  # idf of the rarest matched term / idf of the rarest term
}

_NUMBER_Q = re.compile(r"\bhow (?:many|much|long|old|far|large|big|tall|high|often|fast|wide|deep|heavy)\b"
                       r"|\bwhat (?:percentage|percent|number|amount|proportion|fraction|share)\b", re.I)
_DATE_Q = re.compile(r"\bwhen\b|\b(?:what|which|in what) (?:year|decade|century|date|month|day|period|era)\b"
                     r"|\bwhat time\b", re.I)
_PERSON_Q = re.compile(r"\bwho(?:m|se)?\b", re.I)
_PLACE_Q = re.compile(r"\bwhere\b|\b(?:what|which) (?:country|city|state|place|region|continent|location|town"
                      r"|county|area|island|river|nation|province)\b", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen"
                     r"|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozen|half|percent)\b", re.I)
_DATE = re.compile(r"\b(?:1\d{3}|20\d{2})s?\b|\b\d{1,2}(?:st|nd|rd|th)? century\b|\bcentury\b"
                   r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b", re.I)
_NAME = re.compile(r"(?<=[^.!?\s]\s)[A-Z][\w'-]+")


def answer_type(question: str) -> str | None:
    """What kind of answer the question wants, from its question words; None when it does not say."""
    if _NUMBER_Q.search(question):
        return "number"
    if _DATE_Q.search(question):
        return "date"
    if _PERSON_Q.search(question):
        return "person"
    if _PLACE_Q.search(question):
        return "place"
    return None


def has_cue(kind: str, sentence: str, asked: set[str]) -> bool:
    """Whether the sentence holds something of that kind that the question did not already say."""
    pattern = {"number": _NUMBER, "date": _DATE}.get(kind, _NAME)
    return any(text.fold(m.group(0)) not in asked for m in pattern.finditer(sentence))


@dataclass(frozen=True)
class QueryTerm:
    surface: str  # as searched (after correction), for people
    term: str  # index term
    weight: float
    typed: str | None = None  # what the user typed, when corrected
    carried: bool = False  # taken over from the previous question of the conversation


@dataclass(frozen=True)
class Ranking:
    found: bool
    sentences: np.ndarray
    scores: np.ndarray
    bm25: np.ndarray
    coverage: float


NOTHING = Ranking(False, np.empty(0, dtype=np.int64), np.empty(0), np.empty(0), 0.0)


class Ranker:
    def __init__(self, index: SentenceIndex):
        self.index = index
        n = index.sentence_count
        # An unknown word weighs like a word found in a single sentence: rare, so missing it counts.
        self.unknown_idf = math.log((n + 0.5) / 1.5) if n > 1 else 1.0
        # Each article's paragraphs are consecutive: article a holds paragraphs [first[a], first[a+1]).
        self.article_first_para = np.searchsorted(index.para_article, np.arange(index.article_count + 1))

    def idf(self, term: str) -> float:
        tid = self.index.sentences.vocab.get(term)
        return self.unknown_idf if tid is None else float(self.index.sentences.idf[tid])

    def rank(self, terms: list[QueryTerm], question: str) -> Ranking:
        index = self.index
        weighted = [(t.term, t.weight) for t in terms]
        hits = index.sentences.search_weighted(weighted, CANDIDATES)
        if not hits:
            return NOTHING
        sentences = np.fromiter((h.doc for h in hits), dtype=np.int64, count=len(hits))
        bm25 = np.fromiter((h.score for h in hits), dtype=np.float64, count=len(hits))
        paragraphs = index.sent_para[sentences].astype(np.int64)
        articles = index.para_article[paragraphs].astype(np.int64)

        # Which question term is in which candidate sentence / paragraph / article (terms x candidates).
        in_sentence = np.array([index.sentences.doc_scores([(t.term, 1.0)], sentences) > 0 for t in terms])
        para_bm25 = np.array([index.paragraphs.doc_scores([(t.term, t.weight)], paragraphs) for t in terms])
        in_paragraph = para_bm25 > 0
        in_article = np.array([self._in_articles(t.term, articles) for t in terms])

        idf = np.array([self.idf(t.term) for t in terms])
        weight = np.array([t.weight for t in terms])
        total = idf.sum() or 1.0
        coverage = (idf * weight) @ in_sentence / total
        rarest = int(np.argmax(idf))

        scores = (bm25 + PARAGRAPH_WEIGHT * para_bm25.sum(axis=0) + COVERAGE_WEIGHT * coverage
                  + ARTICLE_WEIGHT * (idf @ in_article) / total + RAREST_WEIGHT * in_sentence[rarest])
        scores += self._text_scores(sentences, paragraphs, terms, question)

        order = np.lexsort((sentences, -scores))
        sentences, scores, bm25 = sentences[order], scores[order], bm25[order]
        in_sentence, in_paragraph, in_article = in_sentence[:, order], in_paragraph[:, order], in_article[:, order]
        best_coverage = float(coverage[order[0]])
        if not self.is_answer(terms, idf, scores, in_sentence, in_paragraph, in_article, articles[order]):
            return Ranking(False, sentences, scores, bm25, best_coverage)
        keep = scores >= MIN_RELATIVE_SCORE * scores[0]
        return Ranking(True, sentences[keep], scores[keep], bm25[keep], best_coverage)

    def _in_articles(self, term: str, articles: np.ndarray) -> np.ndarray:
        """For each article, whether any of its paragraphs holds the term (postings are sorted)."""
        ids, _ = self.index.paragraphs.postings(term)
        if not len(ids):
            return np.zeros(len(articles), dtype=bool)
        lo = np.searchsorted(ids, self.article_first_para[articles])
        hi = np.searchsorted(ids, self.article_first_para[articles + 1])
        return hi > lo

    def _text_scores(self, sentences: np.ndarray, paragraphs: np.ndarray, terms: list[QueryTerm],
                     question: str) -> np.ndarray:
        """Signals read from the candidates' words: phrases, new words, answer-type cue, lead sentence."""
        wanted = {t.term for t in terms}
        surfaces = {text.fold(t.surface): self.idf(t.term) for t in terms if t.typed is None and not t.carried}
        surface_total = sum(surfaces.values()) or 1.0
        kind = answer_type(question)
        asked = set(text.TOKEN_RE.findall(text.fold(question)))
        lead = self.index.para_first[paragraphs] == sentences
        out = LEAD_WEIGHT * lead.astype(np.float64)
        for j, s in enumerate(sentences):
            sentence = self.index.sentence_text(int(s))
            found = text.words(sentence)
            words = [w.term for w in found]
            if SURFACE_WEIGHT:
                seen = {w.surface for w in found}
                out[j] += SURFACE_WEIGHT * sum(v for k, v in surfaces.items() if k in seen) / surface_total
            matched = [w in wanted for w in words]
            phrases = sum(1 for a, b, x, y in zip(matched, matched[1:], words, words[1:]) if a and b and x != y)
            new_words = len(words) - sum(matched)
            out[j] += PHRASE_WEIGHT * phrases + NEW_WORDS_WEIGHT * math.log1p(new_words)
            if kind is not None and has_cue(kind, sentence, asked):
                out[j] += CUE_WEIGHTS[kind]
        return out

    def is_answer(self, terms: list[QueryTerm], idf: np.ndarray, scores: np.ndarray, in_sentence: np.ndarray,
                  in_paragraph: np.ndarray, in_article: np.ndarray, articles: np.ndarray) -> bool:
        """Whether the best sentence answers the question: several signals, weighed together."""
        signals = self.answer_signals(terms, idf, scores, in_sentence, in_paragraph, in_article, articles)
        if signals is None:
            return False
        z = ANSWER_BIAS + sum(ANSWER_WEIGHTS[name] * value for name, value in signals.items())
        return z >= 0

    def answer_signals(self, terms: list[QueryTerm], idf: np.ndarray, scores: np.ndarray, in_sentence: np.ndarray,
                       in_paragraph: np.ndarray, in_article: np.ndarray, articles: np.ndarray) -> dict | None:
        """The no-answer decision's inputs for the best sentence; None when it cannot be an answer."""
        own = np.array([not t.carried for t in terms])
        if not own.any():
            return None
        exact = np.array([t.typed is None for t in terms]) & own
        # A corrected or carried-over word alone never makes an answer.
        if not (in_sentence[:, 0] & exact).any():
            return None
        known = np.array([t.term in self.index.sentences.vocab for t in terms])
        weight = np.array([t.weight for t in terms])
        q_idf = np.where(own, idf, 0.0)
        total = q_idf.sum()
        share = lambda mask: float((q_idf * mask).sum() / total)  # noqa: E731
        order = np.argsort(-q_idf, kind="stable")
        rarest, second = order[0], order[min(1, len(order) - 1)]
        missing = q_idf[~(in_paragraph[:, 0] & exact)]
        top = min(5, scores.size)
        signals = {
            "coverage_exact": share(in_sentence[:, 0] & exact),
            "coverage": float((q_idf * weight * in_sentence[:, 0]).sum() / total),
            "rarest": float(in_sentence[rarest, 0] and exact[rarest]),
            "article": share(in_article[:, 0] & exact),
            "corrected": share(~exact & own),
            "two_rarest": float(all(in_sentence[[rarest, second], 0] & exact[[rarest, second]])),
            "paragraph": share(in_paragraph[:, 0] & exact),
            "unknown": share(~known),
            "margin": float((scores[0] - scores[1]) / max(scores[0], 1e-9)) if scores.size > 1 else 1.0,
            "rarest_missing": float(missing.max() / q_idf[rarest]) if missing.size and q_idf[rarest] > 0 else 0.0,
            "length": min(int(own.sum()), 8) / 8,
            "best_paragraph": max(share(in_paragraph[:, k] & exact) for k in range(top)),
            "scatter": len(set(articles[:top].tolist())) / top,
            "rarest_article": float(in_article[rarest, 0] and exact[rarest]),
            "matched_max": float(q_idf[in_sentence[:, 0] & exact].max() / q_idf[rarest]) if q_idf[rarest] > 0 else 0.0,
        }
        return signals
