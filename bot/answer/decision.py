"""The no-answer decision: does the best sentence answer the question, or do the articles not say?

The inputs are signals of the best sentence and its question (what share of the question it, its
paragraph, its article and its title hold, typos, unknown words, names, how far it leads the others,
its ranking features, the corpus's size), all read from the ranker's `Candidates` in their final
order; none is in raw BM25 points or raw idf, which grow with the corpus (idf is read against the
idf of a word in one sentence: how many sentences would hold the best one's matches by chance, in units
of the corpus's size).  A gradient-boosted tree model weighs them (bot/answer/models/answer_model.json,
fitted by benchmarks/fit_decision.py on SQuAD train half A, 33 corpora of 2 to 230 articles, most of
them of 100 or more, with up to as many absent articles' questions asked about, and questions
about paragraphs withheld from kept articles: questions the corpus answers should be answered, the
others refused); its log-odds are mapped onto "the first passage answers" by models/confidence.json,
fitted out of fold on the same questions.
Fixed rules stay outside the model: a question with nothing of its own to search (only carried
words), whose best sentence matches none of the words as typed (a corrected or related word alone),
or whose one matched word of several is in a caption, heading, list or title line, gets no answer;
nor does one of four words or more that names nothing and meets its best sentence on one word only;
nor one whose best sentence holds only the names it asks about while the answer type it wants
(a number for "how old", a date for "when") is not there either: such a sentence names the story,
and the question asks for a fact of it that the articles do not state.  (That last rule came from
news-qa's on-topic questions, "How old is Usman Hasib?"; on SQuAD, whose questions copy their
answer's words, it almost never applies.)
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import numpy as np

from bot.answer.cues import ANSWER_TYPES
from bot.answer.query import Candidates, QueryTerm
from bot.errors import QuotebotError
from bot.index.analysis import kind_table
from bot.trees import TreeEnsemble, load_model

MODEL_PATH = Path(__file__).parent / "models" / "answer_model.json"
CALIBRATION_PATH = Path(__file__).parent / "models" / "confidence.json"
# The question words left when the question wants none of the answer types.
_WH = re.compile(r"\b(what|which|why|how)\b", re.I)
# Paragraph kinds that answer; the others (caption, heading, list, title) mostly name things.
_ANSWERING = kind_table(("body", "quote", "deck"))
# A question of this many words of its own whose best sentence holds just one of them (and no name) is
# not answered.
MANY_WORDS = 4
# Ranking features in BM25 points: they grow with the corpus's idf, so the decision does not read them.
_SIZE_BOUND = frozenset({"bm25", "paragraph_bm25"})


@cache
def model() -> TreeEnsemble:
    """The shipped no-answer model: raw score >= its threshold means answer."""
    return load_model(MODEL_PATH, "no-answer model")


def confidence(terms: list[QueryTerm], question: str, c: Candidates, order: np.ndarray, scores: np.ndarray) -> float:
    """The model's probability that the best candidate answers the question: its raw score is a
    log-odds (a binary LightGBM model), mapped by the calibration; 0 when a fixed rule rules it out.
    `quotebot eval` reports how well it is calibrated on the data it is run on."""
    # (a question whose words all have idf 0, rank_bm25's for a word in half the sentences of a tiny
    # corpus, makes its shares 0/0: NaN, which the trees take as missing, as when they were fitted)
    with np.errstate(invalid="ignore", divide="ignore"):
        signals = answer_signals(terms, question, c, order, scores)
    if signals is None:
        return 0.0
    ensemble = model()
    raw = float(ensemble.raw(np.array([[signals[name] for name in ensemble.features]]))[0])
    return _calibrated(raw)


def threshold() -> float:
    """The confidence at and above which an answer is given: the model's raw threshold, mapped the same way."""
    return _calibrated(model().threshold)


@cache
def calibration() -> tuple[float, float]:
    """(scale, shift) of the map from the model's log-odds to "the first passage answers"
    (models/confidence.json, benchmarks/fit_decision.py); without the file, the model's own odds."""
    try:
        data = json.loads(CALIBRATION_PATH.read_text(encoding="utf-8"))
        return float(data["scale"]), float(data["shift"])
    except FileNotFoundError:
        return 1.0, 0.0
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise QuotebotError(f"the confidence calibration {CALIBRATION_PATH} cannot be read ({e}); reinstall quotebot") from None


def _calibrated(raw: float) -> float:
    scale, shift = calibration()
    return _logistic(scale * raw + shift)


def _logistic(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def _asked(terms: list[QueryTerm]) -> list[QueryTerm]:
    """The question's own words, carried ones included: c's rows (related terms only lend them credit)."""
    return [t for t in terms if t.related is None]


def _as_typed(asked: list[QueryTerm]) -> np.ndarray:
    """Per asked word: typed as the index holds it (not corrected) and not carried over."""
    return np.array([t.typed is None and not t.carried for t in asked], dtype=bool)


def about_topic(terms: list[QueryTerm], c: Candidates) -> np.ndarray:
    """Per candidate: whether its paragraph is of an answering kind and holds every word the question
    typed.  A topic request ("Tell me about X") is answered while X is in the articles' text, whatever
    the model thinks of its wording, with those passages first."""
    exact = _as_typed(_asked(terms))
    if not exact.any():
        return np.zeros(len(c.sentences), dtype=bool)
    return c.in_paragraph[exact].all(axis=0) & _ANSWERING[c.kinds]


def answer_signals(terms: list[QueryTerm], question: str, c: Candidates, order: np.ndarray,
                   scores: np.ndarray) -> dict[str, float] | None:
    """The decision's inputs for the best candidate (`order` ranks c's candidates, `scores` are their
    linear scores in that order); None when a fixed rule says it cannot be an answer."""
    terms = _asked(terms)
    own = np.array([not t.carried for t in terms])
    if not own.any():
        return None
    exact = _as_typed(terms)
    in_sentence, in_paragraph, in_article = c.in_sentence[:, order], c.in_paragraph[:, order], c.in_article[:, order]
    articles = c.articles[order]
    best = int(order[0])
    # A corrected, related or carried-over word alone never makes an answer.
    matched = int((in_sentence[:, 0] & exact).sum())
    if not matched:
        return None
    # One word of a longer question met in a caption, a heading, a list or a title line: a page's
    # furniture and picture credits name everything once, an answer says more.
    body = bool(_ANSWERING[c.kinds[best]])
    if not body and matched == 1 and own.sum() > 1:
        return None
    # Names the question mentions: capitalised words, not the question's first word; its other words
    # (as typed) are `plain`.  A best sentence that holds only the names, without the answer type the
    # question wants, names the story: `_names_only`.
    opening = question.lstrip()
    name = np.array([t.surface[:1].isupper() and not opening.startswith(t.surface) for t in terms]) & exact
    plain = exact & own & ~name
    if _names_only(plain, in_sentence[:, 0], c, best):
        return None
    # One word in common of four or more, and the question names nothing: a question about something
    # else meets some sentence of a big folder on one ordinary word ("How much water should an adult
    # drink every day?" -> "... multivitamins can improve memory in older adults").
    if matched == 1 and own.sum() >= MANY_WORDS and not (name & own).any():
        return None
    weight = np.array([t.weight for t in terms])
    q_idf = np.where(own, c.idf, 0.0)
    total = q_idf.sum()
    share = lambda mask: float((q_idf * mask).sum() / total)  # noqa: E731
    by_idf = np.argsort(-q_idf, kind="stable")
    rarest, second = by_idf[0], by_idf[min(1, len(by_idf) - 1)]
    missing = q_idf[~(in_paragraph[:, 0] & exact)]
    top = min(5, scores.size)
    signals = {
        "coverage_exact": share(in_sentence[:, 0] & exact),  # idf share matched by words as typed
        "coverage": float((q_idf * weight * in_sentence[:, 0]).sum() / total),  # corrected words count less
        "article": share(in_article[:, 0] & exact),  # idf share (as typed) in the sentence's article
        "corrected": share(~exact & own),  # idf share of corrected words
        "two_rarest": float(all(in_sentence[[rarest, second], 0] & exact[[rarest, second]])),
        "paragraph": share(in_paragraph[:, 0] & exact),  # idf share (as typed) in the sentence's paragraph
        "unknown": share(~c.known),  # idf share of words the corpus does not have at all
        # lead of the best score over the second, relative to the best (points would grow with the corpus)
        "margin": float((scores[0] - scores[1]) / max(scores[0], 1e-9)) if scores.size > 1 else 1.0,
        # idf of the rarest term missing from the paragraph / the rarest term's idf
        "rarest_missing": float(missing.max() / q_idf[rarest]) if missing.size and q_idf[rarest] > 0 else 0.0,
        "length": min(int(own.sum()), 8) / 8,  # question terms (up to 8) / 8
        "best_paragraph": max(share(in_paragraph[:, k] & exact) for k in range(top)),  # among the top five
        "scatter": len(set(articles[:top].tolist())) / top,  # distinct articles among the top five / 5
        "rarest_article": float(in_article[rarest, 0] and exact[rarest]),
        "same_article": int((articles[:top] == articles[0]).sum()) / top,  # top five from the best's article
    }
    # The question's names must be in the best sentence's paragraph / article: an off-topic question's
    # names usually are not.
    names_total = float((q_idf * name).sum())
    for key, where in (("names_paragraph", in_paragraph), ("names_article", in_article)):
        signals[key] = float((q_idf * (where[:, 0] & name)).sum() / names_total) if names_total else 1.0
    signals["has_names"] = float(names_total > 0)
    # The question's other words (not names) as typed: a question about a story it does not say names
    # the story ("How old is Usman Hasib?") but its other words ("old") are not where the names are.
    plain_total = float((q_idf * plain).sum())
    for key, where in (("plain_sentence", in_sentence), ("plain_paragraph", in_paragraph)):
        signals[key] = float((q_idf * (where[:, 0] & plain)).sum() / plain_total) if plain_total else 1.0
    signals["title"] = share(c.in_title[:, best] & exact)  # idf share (as typed) in the article's title
    signals["bm25"] = float(c.features["bm25"][best]) / total
    # How rare the question's rarest word, and the rarest word the best sentence matches, are on a 0-1
    # scale (idf over the idf of a word in one sentence): raw idf grows with the corpus, this does not.
    signals["rarest_scale"] = float(q_idf[rarest] / c.log_size)
    signals["matched_scale"] = float((q_idf * (in_sentence[:, 0] & exact)).max() / c.log_size)
    signals["matched_words"] = min(matched, 6) / 6
    # The best other article among the top ten: an off-corpus question's words are spread over many
    # articles about neighbouring things, an answered one's gather in one.
    others = [k for k in range(min(10, scores.size)) if articles[k] != articles[0]]
    signals["other_article"] = max((share(in_article[:, k] & exact) for k in others), default=0.0)
    # The corpus's size (log sentences over log of a million): the same match means less in a bigger
    # corpus, and the model learns by how much from corpora of 2 to 200 articles.
    signals["size"] = float(c.log_size / np.log(1e6))
    signals["body"] = float(body)
    signals.update(_evidence_signals(terms, c, order, exact, own, name, q_idf, c.log_size))
    # The best candidate's ranking features (not those in BM25 points, which grow with the corpus's
    # idf), and what the question asks for.
    for feature, values in c.features.items():
        if feature not in _SIZE_BOUND:
            signals["best_" + feature] = float(values[best])
    for answer_type in ANSWER_TYPES:
        signals["asks_" + answer_type] = float(c.answer_type == answer_type)
    wh = _WH.search(question)
    for w in ("what", "which", "why", "how"):
        signals["asks_" + w] = float(c.answer_type is None and wh is not None and wh.group(1).lower() == w)
    return signals


def _names_only(plain: np.ndarray, in_best: np.ndarray, c: Candidates, best: int) -> bool:
    """Whether the best sentence only names what the question is about: it holds none of the
    question's words other than names, and the question wants an answer type (a number, a date, a
    person, a place) that the sentence does not hold either."""
    if c.answer_type is None or not plain.any() or (plain & in_best).any():
        return False
    return not c.features["cue_" + c.answer_type][best]


def _evidence_signals(terms: list[QueryTerm], c: Candidates, order: np.ndarray, exact: np.ndarray, own: np.ndarray,
                      name: np.ndarray, q_idf: np.ndarray, log_size: float) -> dict[str, float]:
    """How the best sentence's evidence compares with what chance would give in a corpus of this size.

    A sentence idf is about log(sentences / sentences holding the word), so a sentence holding words
    whose idfs add up to S is expected by chance in about exp(log_size - S) sentences (were the words
    independent): the log of that count, in units of log_size, does not drift with the corpus's size
    the way raw idf does.  Also the count of the question's rare words (idf at least half of log_size)
    matched and missed, the share of the matched mass that is names, and whether the answer type the
    question wants is in the best sentence."""
    best = int(order[0])
    scale = max(log_size, 1e-9)
    typed = exact & own
    in_sentence = c.in_sentence[:, best] & typed
    in_paragraph = c.in_paragraph[:, best] & typed
    in_article = c.in_article[:, best] & typed
    matched = float((q_idf * in_sentence).sum())
    rare = q_idf >= 0.5 * scale
    out = {
        # log(expected chance sentences holding what the best one matches) / log_size: below 0, unlikely by chance
        "chance_sentence": _clip((log_size - matched) / scale, -2.0, 1.0),
        "chance_paragraph": _clip((log_size - (q_idf * in_paragraph).sum()) / scale, -3.0, 1.0),
        # the question's own idf mass the best sentence's paragraph / article lack, in log_size units
        "missing_sentence": float(min((q_idf * (typed & ~in_sentence)).sum() / scale, 3.0)),
        "missing_paragraph": float(min((q_idf * (typed & ~in_paragraph)).sum() / scale, 3.0)),
        "missing_article": float(min((q_idf * (typed & ~in_article)).sum() / scale, 3.0)),
        "rare_matched": min(int((rare & in_sentence).sum()), 4) / 4,
        "rare_missed": min(int((rare & typed & ~in_paragraph).sum()), 4) / 4,
        "names_share": float((q_idf * (in_sentence & name)).sum() / matched) if matched > 0 else 0.0,
        "title_matched_share": (float((q_idf * (in_sentence & c.in_title[:, best])).sum() / matched)
                                if matched > 0 else 0.0),
    }
    # the words other than names: chance of the best sentence's matches among them alone
    plain = typed & ~name
    out["chance_plain"] = _clip((log_size - (q_idf * (in_sentence & plain)).sum()) / scale, -2.0, 1.0)
    out["plain_missing"] = float(min((q_idf * (plain & ~in_paragraph)).sum() / scale, 3.0))
    # The wanted answer type met by the best sentence (1 when the question wants none), and by any of the top five.
    top = order[:5]
    if c.answer_type is None:
        out["cue_met"], out["cue_top"] = 1.0, 1.0
    else:
        cue = c.features["cue_" + c.answer_type]
        out["cue_met"], out["cue_top"] = float(cue[best]), float(cue[top].max())
    # The best sentence against the best of the other candidates: the share of typed idf mass each holds.
    cover = (q_idf * typed) @ (c.in_sentence[:, order] & typed[:, None]) / max(float((q_idf * typed).sum()), 1e-9)
    out["coverage_lead"] = float(cover[0] - cover[1:].max()) if cover.size > 1 else float(cover[0])
    out["coverage_rank"] = int((cover[1:] > cover[0]).sum()) / (cover.size - 1) if cover.size > 1 else 0.0
    return out


def _clip(x: float, lo: float, hi: float) -> float:
    """float(np.clip(x, lo, hi)) for one number, NaN kept (np.clip on a scalar costs ~10 us)."""
    x = float(x)
    return x if x != x else min(max(x, lo), hi)
