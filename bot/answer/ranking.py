"""Sentence ranking on top of the index's BM25 scores: the candidates, their features and their order.

Sentence BM25 picks the candidates; they are re-scored with the paragraph's, the article's and the
article title's match of the same terms, the share of the question's idf mass the sentence (and its
neighbours) hold, words found as typed, phrase matches, the sentence's place in its paragraph and
answer-type cues (a number for "how many", a date for "when", a name for "who", a reason for "why":
bot/answer/cues.py).  A linear score over these orders all candidates; small re-ranking trees then
order the best twenty.  Both are fitted by benchmarks/fit_ranker.py, the weights on SQuAD v1.1 dev,
the trees on SQuAD train half A (so dev is held out for them), each checked 4-fold by article; none
is tuned on single questions.  Related terms (bot/answer/expansion.py) count as partial matches of
the question's words they stand for.  Whether the best one answers the
question at all is bot/answer/decision.py's to say, from the same `Candidates`.
"""

from __future__ import annotations

import math
import re
from functools import cache, partial
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from bot import text
from bot.caches import ClearedWhenFull
from bot.answer import cues
from bot.answer.query import Candidates, QueryTerm
from bot.trees import TreeEnsemble, load_model
from bot.index.analysis import kind_table
from bot.index.sentences import SentenceIndex

try:  # the compiled word match (setup.py builds it when a C compiler is at hand); Python's gives the same
    from bot.answer import _sentence_match as MATCH
except ImportError:  # pragma: no cover - depends on the install
    MATCH = None

# How many BM25 candidates are re-scored with the richer signals.
CANDIDATES = 60
# The best this many by the linear score are put in order by the re-ranking trees.
RERANKED = 20
RERANK_MODEL_PATH = Path(__file__).parent / "models" / "rerank_model.json"

# Re-scoring: each candidate's score is a weighted sum of the features below (weights in BM25 points).
# Fitted together as a linear listwise ranker (softmax over a question's candidates, the right
# sentence's log-probability maximised) on SQuAD dev: 4-fold by article, held out, R@1 0.724 and
# MRR@10 0.798 before any refusal (`python benchmarks/fit_ranker.py ../shared/data/squad/dev-v1.1.json`).
FEATURE_WEIGHTS = {
    "bm25": 1.0,  # the sentence's BM25
    "paragraph_bm25": 9.01,  # the paragraph's BM25 for the same terms
    "coverage": 94.0,  # share of the question's idf mass found in the sentence
    "paragraph_coverage": 160.0,  # ... in the sentence's paragraph
    "article_coverage": 189.0,  # ... in the sentence's article
    "title_coverage": 297.0,  # ... in the article's title
    "rarest": -2.41,  # the question's rarest term is in the sentence
    # idf of the rarest term the sentence matches / idf of the question's rarest term: sentences that
    # match only the question's common words are weak evidence.
    "rarest_matched": 105.0,
    # share of the question's idf mass missing from the sentence but found in the sentence just before or
    # after it (same paragraph): the question's words often straddle two sentences around the answer.
    "neighbour": 187.0,
    "surface": 151.0,  # share of the question's words found exactly as written (not just the stem)
    "phrases": 5.03,  # pairs of adjacent question terms in the sentence
    "new_words": 3.66,  # log(1 + sentence words that are not question terms): answers add something
    "length": -20.4,  # log(1 + sentence words): ... but long sentences match by chance
    "lead": -13.6,  # the paragraph's first sentence
    "before_coverage": -8.74,  # share of the question's idf mass in the sentence just before (same paragraph)
    "after_coverage": -38.2,  # ... just after
    "matched_share": 197.0,  # share of the question's terms in the sentence, each counting once
    "spread": -12.2,  # log(1 + words from the first to the last question term / distinct terms matched)
    "refers_back": 19.2,  # the sentence opens with a pronoun or "this ...": it continues the one before
    "position": -16.3,  # log(1 + sentences before it in its paragraph)
    "paragraph_length": -29.1,  # log(1 + sentences in its paragraph)
    # Answer-type cues (bot/answer/cues.py): the question wants a number / date / person / place and
    # the sentence has one it did not already say; narrower ones on top: "what percentage" -> a percentage, "how much
    # money/cost" -> an amount of money, "what year" -> a year (a date cue alone is also met by a month),
    # "why" -> a reason ("because", "due to", "for doing").
    "cue_number": 127.0, "cue_date": 106.0, "cue_person": 42.6, "cue_place": 52.0,
    "cue_percent": 153.0, "cue_money": 200.0, "cue_year": 173.0, "cue_reason": 89.0,
    # Within the sentence's own article, each question word weighs by how few of the article's sentences
    # hold it: a news question names its story ("Alexandria Douziech", "Camp Margaritaville"), words its
    # every sentence may repeat, so which sentence answers is told by the words the article says once.
    # Share of that article-local idf mass in the sentence, and its rarest matched word's over the rarest's.
    # Fitted on dev with the weights above held (a scale and these two): held out 4-fold by article R@1
    # 0.732 -> 0.738 before the trees, news-qa (never seen by the fit) 0.439 -> 0.450.
    "local_coverage": 23.6, "local_rarest": 97.2,
    # Read by the re-ranking trees only (fitted on train half A; the weights above are dev's, so these
    # two are not weighed into the linear score): the share of the question's idf mass outside its
    # article's title that the sentence holds, and the share of the sentence's own matched mass that is
    # in the title.  A news question names its story with the headline's words, and a sentence that
    # matches only those names the story; the answer holds the question's other words.
    "beyond_title": 0.0, "title_share": 0.0,
}
# The features read from the candidates' words, in the order they join the others (the linear score
# adds them up in this order).
_TEXT_FEATURES = ("surface", "phrases", "new_words", "length", "spread", "refers_back", "lead", "cue_number",
                  "cue_date", "cue_person", "cue_place", "cue_percent", "cue_money", "cue_year", "cue_reason")

# A sentence opening with a pronoun or "this ..." continues the one before: questions about such a
# sentence often name what the pronoun stands for.
_REFERS_BACK = re.compile(r"\W*(?:this|these|that|those|it|its|he|she|they|his|her|their|such|there)\b", re.I)


# Articles whose titles (and their terms) it keeps, cleared when full: in a folder of 400,000 articles
# a long-running server would otherwise come to hold all of them, and each full garbage collection
# walks these caches whole.
RECENT_ARTICLES = 20_000

# Paragraph kinds that name a story more than they answer about it (bot.index.analysis.PARAGRAPH_KINDS).
_NAMING = kind_table(("title", "heading", "caption"))


@cache
def rerank_model() -> TreeEnsemble:
    """LambdaMART trees over FEATURE_WEIGHTS' features, "linear" and "linear_gap" (in model.features order)."""
    return load_model(RERANK_MODEL_PATH, "re-ranking model")


class Ranker:
    """Finds and orders one index's candidate sentences for a question's terms."""

    def __init__(self, index: SentenceIndex):
        self.index = index
        n = index.sentence_count
        # An unknown word weighs like a word found in a single sentence: rare, so missing it counts.
        self.unknown_idf = math.log((n + 0.5) / 1.5) if n > 1 else 1.0
        # Each article's paragraphs are consecutive: article a holds paragraphs [first[a], first[a+1]).
        self.article_first_para = np.searchsorted(index.para_article, np.arange(index.article_slots + 1))
        # (tuples, not sets: the garbage collector stops looking into a tuple of strings, where it walks
        # every set at each full collection; some 40,000 of them made one take 40-90 ms at 10M)
        self._title_terms = ClearedWhenFull(RECENT_ARTICLES)  # article -> tuple of terms, filled lazily
        self._titles = ClearedWhenFull(RECENT_ARTICLES)  # article -> its title, normalized

    def title_terms(self, article: int) -> tuple[str, ...]:
        """Index terms of an article's title (empty when it has none)."""
        found = self._title_terms.get(article)
        if found is None:
            # (its words were indexed with the article, so the index's surface map spares stemming them)
            title = self.index.title(article) or ""
            found = self._title_terms[article] = tuple(dict.fromkeys(text.terms_and_surfaces(title, self.index.surface_terms)[0]))
        return found

    def titles_terms(self, articles: list[int], compiled: bool = True) -> list[tuple[str, ...]]:
        """title_terms of many articles, those not yet kept read at once (in compiled code when built:
        at 400,000 articles most candidates' titles are new, and reading them was ~0.7 ms a question)."""
        found = [self._title_terms.get(a) for a in articles]
        missing = [k for k, terms in enumerate(found) if terms is None]
        if missing and compiled and MATCH is not None:
            known = self.index.surface_terms
            titles = [self.index.title(articles[k]) or "" for k in missing]
            read = MATCH.distinct_terms(titles, text.fold, text.PIECE_WORDS, text.PIECE_CACHE_SIZE, known,
                                        partial(text.piece_words, known=known))
            for k, terms in zip(missing, read):
                found[k] = self._title_terms[articles[k]] = terms
        elif missing:
            for k in missing:
                found[k] = self.title_terms(articles[k])
        return found

    def idf(self, term: str) -> float:
        """The term's sentence idf (an unknown word's: as if it were in one sentence)."""
        tid = self.index.sentences.vocab.get(term)
        return self.unknown_idf if tid is None else float(self.index.sentences.idf[tid])

    def order(self, c: Candidates) -> tuple[np.ndarray, np.ndarray]:
        """The candidates' final order (indices into c) and their linear scores.

        The linear score orders all of them; the best RERANKED are then put in the order of the
        re-ranking trees, which see the same features, the linear score and its distance to the best."""
        linear = linear_score(c.features)
        order = np.lexsort((self.index.order_keys(c.sentences), -linear))
        top = order[:RERANKED]
        if len(top) > 1:
            model = rerank_model()
            rows = np.column_stack([c.features[name][top] for name in model.features[:-2]]
                                   + [linear[top], linear[top[0]] - linear[top]])
            top = top[np.argsort(-model.raw(rows), kind="stable")]
            order[:len(top)] = top
        # A sentence that only repeats its article's title (a headline kept in the body) says nothing the
        # passage's source line does not: it goes after the other best ones.
        index = self.index
        lengths = (index.sent_end[c.sentences[top]] - index.sent_start[c.sentences[top]]).tolist()
        headline = np.array([self.is_title(s, a, n) for s, a, n in zip(c.sentences[top].tolist(),
                                                                         c.articles[top].tolist(), lengths)], dtype=bool)
        if headline.any():
            order[:len(top)] = np.concatenate([top[~headline], top[headline]])
        return order, linear

    @staticmethod
    def naming_last(c: Candidates, order: np.ndarray) -> np.ndarray:
        """The order with the best RERANKED's title, heading and caption lines after their other ones.

        Such a line names the story rather than saying a fact of it: it matches a question's story words
        ("STREAM: Luboku, Pale Blue Dot / Lift Off"), the answer is in the body.  Applied after the
        no-answer decision, which judges the best match whatever its kind (it has rules for these kinds)."""
        top = order[:RERANKED]
        naming = _NAMING[c.kinds[top]]
        if not naming.any():
            return order
        order = order.copy()
        order[:len(top)] = np.concatenate([top[~naming], top[naming]])
        return order

    def is_title(self, sentence: int, article: int, length: int | None = None) -> bool:
        """Whether the sentence (`length` characters long, when known) only repeats its article's title."""
        title = self._titles.get(article)
        if title is None:
            title = self._titles[article] = text.normalized(self.index.title(article) or "").rstrip(".")
        if length is None:
            length = int(self.index.sent_end[sentence] - self.index.sent_start[sentence])
        if not title or length > 2 * len(title) + 8:
            return False  # far longer than the title (most sentences): no need to compare
        return text.normalized(self.index.sentence_text(sentence)).rstrip(".") == title

    def candidates(self, terms: list[QueryTerm], question: str) -> Candidates | None:
        """The question's best BM25 sentences and the features they are re-scored on (None: no match)."""
        index = self.index
        weighted = [(t.term, t.weight) for t in terms]
        sentences, bm25 = index.sentences.top_k(weighted, CANDIDATES)
        if not len(sentences):
            return None
        paragraphs = index.sent_para[sentences].astype(np.int64)
        articles = index.para_article[paragraphs].astype(np.int64)

        # Which question term is in which candidate sentence / paragraph / article (terms x candidates).
        # The sentences just before and after each candidate are looked up with it.
        first, last = index.para_first[paragraphs], index.para_first[paragraphs + 1] - 1
        around = np.concatenate([sentences, np.maximum(sentences - 1, first), np.minimum(sentences + 1, last)])
        found, para_bm25, para_found, held = self._postings_evidence(terms, around, paragraphs, articles)
        in_article = held > 0
        titled, at = np.unique(articles, return_inverse=True)  # candidates share few articles
        titles = self.titles_terms(titled.tolist())
        in_title = np.array([[t.term in title for title in titles] for t in terms], dtype=bool).reshape(
            len(terms), len(titled))[:, at]
        # A related term is a partial match of the question's word it stands for (its weight relative to
        # that word's): the features see the question's own words, each matched fully or in part.
        asked = [i for i, t in enumerate(terms) if t.related is None]
        credit = _related_credit(terms, asked)
        related = [(k, j, float(credit[k, j])) for k, j in zip(*np.nonzero(credit)) if asked[k] != j]
        soft = lambda hits: _soft(hits, asked, related)  # noqa: E731
        found_soft, in_paragraph_soft = soft(found), soft(para_found)
        in_article_soft, in_title_soft = soft(in_article), soft(in_title)
        n = len(sentences)
        in_sentence, in_paragraph = found[asked, :n], para_found[asked]
        in_sentence_soft = found_soft[:, :n]
        # (a paragraph's first / last sentence has no neighbour on that side: it is its own, adds nothing)
        in_neighbour = np.clip(np.maximum(found_soft[:, n:2 * n], found_soft[:, 2 * n:]) - in_sentence_soft, 0, None)

        main = [terms[i] for i in asked]
        known = np.array([t.term in index.sentences.vocab for t in main])
        idf = np.array([self.idf(t.term) for t in main])
        weight = np.array([t.weight for t in main])
        total = idf.sum() or 1.0
        rarest = int(np.argmax(idf))
        features = {
            "bm25": bm25,
            "paragraph_bm25": para_bm25.sum(axis=0),
            "coverage": (idf * weight) @ in_sentence_soft / total,
            "paragraph_coverage": (idf @ in_paragraph_soft) / total,
            "article_coverage": (idf @ in_article_soft) / total,
            "title_coverage": (idf @ in_title_soft) / total,
            "rarest": in_sentence_soft[rarest],
            "rarest_matched": (in_sentence_soft * idf[:, None]).max(axis=0) / (idf[rarest] or 1.0),
            "neighbour": (idf @ in_neighbour) / total,
            "before_coverage": (idf @ (found_soft[:, n:2 * n] * (sentences > first))) / total,
            "after_coverage": (idf @ (found_soft[:, 2 * n:] * (sentences < last))) / total,
            "matched_share": in_sentence_soft.sum(axis=0) / len(main),
            "position": np.log1p(sentences - first),
            "paragraph_length": np.log1p(last + 1 - first),
        }
        features.update(self._local_features(asked, related, articles, held, in_sentence_soft, in_article_soft))
        outside = idf[:, None] * (1.0 - in_title_soft)  # each word's idf where its article's title lacks it
        matched = idf @ in_sentence_soft
        with np.errstate(invalid="ignore", divide="ignore"):
            features["beyond_title"] = np.nan_to_num((outside * in_sentence_soft).sum(axis=0) / outside.sum(axis=0))
            features["title_share"] = np.nan_to_num((idf @ (in_sentence_soft * in_title_soft)) / matched)
        answer_type = cues.answer_type(question)
        features.update(self._text_features(sentences, paragraphs, terms, question, answer_type))
        return Candidates(sentences, articles, idf, known, in_sentence, in_paragraph, in_article[asked],
                          in_title[asked], features, answer_type, index.para_kind[paragraphs], self.unknown_idf)

    def _postings_evidence(self, terms: list[QueryTerm], around: np.ndarray, paragraphs: np.ndarray,
                           articles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per term (rows) from its sentence postings: whether each of the `around` sentences holds it,
        its weighted BM25 in each paragraph, whether each paragraph holds it, and how many of each
        article's sentences do.  Paragraphs and articles are runs of consecutive sentences, so every
        one of these is a look-up of the same sentence numbers in the term's postings: one call a term
        (`hits_and_runs`).  (Presence comes from the postings, not from a score: rank_bm25's idf is 0
        for a word in exactly half of the documents, which in a folder of two articles is common.)"""
        index = self.index
        para_first, first_para = index.para_first, self.article_first_para
        lo = np.concatenate([para_first[paragraphs], para_first[first_para[articles]]])
        hi = np.concatenate([para_first[paragraphs + 1], para_first[first_para[articles + 1]]])
        n_terms, n = len(terms), len(paragraphs)
        found = np.zeros((n_terms, len(around)), dtype=bool)
        para_bm25 = np.zeros((n_terms, n))
        para_found = np.zeros((n_terms, n), dtype=bool)
        held = np.zeros((n_terms, len(articles)))
        for i, t in enumerate(terms):
            hit, count, total = index.sentences.hits_and_runs(t.term, around, lo, hi)
            if not count.any():  # (in none of these paragraphs and articles: nothing to add)
                continue
            found[i] = hit
            para_found[i] = count[:n] > 0
            held[i] = count[n:]
            if t.weight:
                index.paragraphs.add_term_scores(para_bm25[i], index.sentences.vocab[t.term], t.weight, paragraphs,
                                                 total[:n])
        return found, para_bm25, para_found, held

    def _local_features(self, asked: list[int], related: list[tuple[int, int, float]], articles: np.ndarray,
                        held: np.ndarray, in_sentence: np.ndarray, in_article: np.ndarray) -> dict[str, np.ndarray]:
        """local_coverage and local_rarest (FEATURE_WEIGHTS): question words weighed by idf over the
        candidate's article's sentences (`held`: terms x candidates, how many of them hold each term); a
        related term's sentences count for the word it stands for."""
        index = self.index
        lo = index.para_first[self.article_first_para[articles]]
        hi = index.para_first[self.article_first_para[articles + 1]]
        # a word's sentences in the article: its own, or (at most) its best related term's
        df = _soft(held, asked, [(k, j, 1.0) for k, j, c in related if c > 0])
        local_idf = np.log((hi - lo + 1.0) / (df + 1.0)) * in_article
        total = local_idf.sum(axis=0)
        matched = local_idf * in_sentence
        best = local_idf.max(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return {"local_coverage": np.where(total > 0, matched.sum(axis=0) / total, 0.0),
                    "local_rarest": np.where(best > 0, matched.max(axis=0) / best, 0.0)}

    def _text_features(self, sentences: np.ndarray, paragraphs: np.ndarray, terms: list[QueryTerm],
                       question: str, answer_type: str | None) -> dict[str, np.ndarray]:
        """Signals read from the candidates' words: words as typed, phrases, length, answer-type cues."""
        wanted = {t.term for t in terms}
        # A compound counts as written however the question joins it ("hard-liners", "hard liners",
        # "hardliners" are one word written three ways): hyphens and spaces are left out on both sides.
        surfaces = {_joined(text.fold(t.surface)): self.idf(t.term) for t in terms
                    if t.typed is None and not t.carried and t.related is None}
        narrow = cues.narrow_types(question)
        asked = set(text.TOKEN_RE.findall(text.fold(question)))
        texts = self.index.sentence_texts(sentences)
        matched = word_match(texts, wanted, surfaces, self.index.surface_terms)
        refers_back = [_REFERS_BACK.match(sentence) is not None for sentence in texts]
        cue = {name: [] for name in ([answer_type] if answer_type is not None else []) + narrow}
        for sentence in texts:
            if answer_type is not None:
                cue[answer_type].append(cues.has_cue(answer_type, sentence, asked))
            for name in narrow:
                cue[name].append(cues.has_narrow_cue(name, sentence, asked))
        n = len(sentences)
        out = {name: np.zeros(n) for name in _TEXT_FEATURES}
        out.update(zip(_WORD_MATCH, matched.T))
        out.update(refers_back=np.array(refers_back, dtype=np.float64),
                   lead=(self.index.para_first[paragraphs] == sentences).astype(np.float64))
        for name, met in cue.items():
            out["cue_" + name] = np.array(met, dtype=np.float64)
        return out


def linear_score(features: dict[str, np.ndarray]) -> np.ndarray:
    """The weighted sum of the features, added up in their order: the same doubles as Python's
    sum(weight * value ...) (numpy adds the rows of a reduction over its first axis one after the
    other; the 0.0 last is what sum's start makes of a -0.0), in one call instead of seventy."""
    weights = np.array([FEATURE_WEIGHTS[name] for name in features])
    return (weights[:, None] * np.array(list(features.values()))).sum(axis=0) + 0.0


# word_match's columns, in its order.
_WORD_MATCH = ("surface", "phrases", "new_words", "length", "spread")


def word_match(texts: list[str], wanted: set[str], surfaces: dict[str, float],
               known: Mapping[str, str] | None = None, compiled: bool = True) -> np.ndarray:
    """How each sentence's words meet the question's (sentences x _WORD_MATCH): `wanted` holds the
    question's terms, `surfaces` its words as typed (hyphens and spaces left out) with their idfs.

    surface: the share of those idfs whose word the sentence has as typed; phrases: adjacent question
    terms (two different ones); new_words, length: log1p of the words that are not question terms and
    of all words; spread: log1p(words from the first question term to the last / distinct ones met).
    The compiled path (bot/answer/_sentence_match.c, some sixty sentences a question) gives the same
    numbers as this one, which runs without it."""
    total = sum(surfaces.values()) or 1.0
    out = np.empty((len(texts), len(_WORD_MATCH)))
    if compiled and MATCH is not None:
        MATCH.match(list(texts), text.fold, text.PIECE_WORDS, text.PIECE_CACHE_SIZE, known,
                    partial(text.piece_words, known=known), set(wanted), tuple(surfaces),
                    tuple(float(v) for v in surfaces.values()), float(total), out)
        return out
    for row, sentence in zip(out, texts):
        words, written = text.terms_and_surfaces(sentence, known)
        seen = set(map(_joined, written))
        at = [k for k, w in enumerate(words) if w in wanted]  # where the question's terms are
        row[0] = sum(v for k, v in surfaces.items() if k in seen) / total
        row[1] = sum(1 for a, b in zip(at, at[1:]) if b == a + 1 and words[a] != words[b])
        row[2] = math.log1p(len(words) - len(at))
        row[3] = math.log1p(len(words))
        row[4] = math.log1p((at[-1] - at[0] + 1) / len(set(words[k] for k in at))) if at else 0.0
    return out


def _joined(surface: str) -> str:
    return surface.replace("-", "").replace(" ", "")


def _soft(hits: np.ndarray, asked: list[int], related: list[tuple[int, int, float]]) -> np.ndarray:
    """Per question word (rows of `asked`) and candidate: its own row of `hits`, or a related term's
    times its credit where that is more: max over terms of credit x hits, which is what it equals
    (credits are 1 for the word itself and 0 or more for its related terms, hits 0 or more), in a few
    calls rather than a words x terms x candidates product."""
    out = hits[asked].astype(np.float64)
    for k, j, c in related:
        np.maximum(out[k], c * hits[j], out=out[k])
    return out


def _related_credit(terms: list[QueryTerm], asked: list[int]) -> np.ndarray:
    """asked x terms: how much finding each term counts as finding each question word (1 for itself,
    a related term's weight over the word's for the word it stands for, else 0)."""
    credit = np.zeros((len(asked), len(terms)))
    row = {terms[i].term: k for k, i in enumerate(asked)}
    for k, i in enumerate(asked):
        credit[k, i] = 1.0
    for j, t in enumerate(terms):
        k = row.get(t.related) if t.related is not None else None
        if k is not None:
            credit[k, j] = min(1.0, t.weight / max(terms[asked[k]].weight, 1e-9))
    return credit
