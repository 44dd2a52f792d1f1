"""Which paragraphs of a whole page of text are the article: a model over their shapes.

A scraped page is menus, teasers, comments and footers around one stretch of running text, and no
library cleans text without its HTML.  Each paragraph is described by its shape alone (length,
closing stop, digits, repeats, the line rules' verdict) and by its neighbourhood (where it stands
against the page's longest run of prose, how much prose surrounds it), never by words of one
language or lines of one site.  Gradient-boosted trees (benchmarks/fit_page_text.py) learnt from
pages of one half of trafilatura's evaluation sites which paragraphs trafilatura, reading their
HTML, keeps; they run here on text alone, with numpy (bot/trees.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from bot.corpus import cleaning
from bot.errors import QuotebotError
from bot.trees import TreeEnsemble, load_model

MODEL_PATH = Path(__file__).with_name("models") / "page_text.json"
CONTEXT_MODEL_PATH = Path(__file__).with_name("models") / "page_text_context.json"

# A sentence ends with a full stop, question or exclamation mark of any script, maybe closed by quotes.
_SENTENCE_END = re.compile(r"[.!?。！？…؟।][\"'”’»)\]」』]*$")
_BULLET = re.compile(r"^(?:[-•·*▪►›»>]|\d{1,3}[.)]\s)")
_ADDRESS = re.compile(r"https?://|www\.|@\w|\.(?:com|org|net|de)\b")
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d\d\b|\b(?:19|20)\d\d\b")
# Below this many words a sentence is a teaser, a label or a caption fragment, not running text.
PROSE_WORDS = 10
LABEL_COST = 3.0
FLAGGED_COST = 4.0
_SHARE_CHARS = 160  # characters of a paragraph its digit, capital and punctuation shares are read from
_TOPIC_CHARS = 400  # characters of a paragraph whose words are compared with the article's
_WINDOW = 5  # paragraphs either side that describe a paragraph's neighbourhood

FEATURES = (
    "words", "chars", "sentence_end", "colon_end", "comma_rate", "digit_share", "upper_share", "punct_share",
    "bullet", "address", "clock", "flagged", "repeats", "position", "text_before",
    "in_run", "before_run", "after_run", "run_share",
    "weight", "prev_weight", "next_weight", "prev2_weight", "next2_weight",
    "prose_near", "weight_near", "same_as_first", "page_paragraphs", "page_prose_share",
    "run_overlap", "title_overlap",
)
# The second look: a paragraph's first score beside its neighbours' (a short line among article
# paragraphs is a list item or a subheading; among teasers it is a teaser).
CONTEXT_FEATURES = (
    "score", "prev_score", "next_score", "prev2_score", "next2_score", "score_near", "score_far",
    "best_near", "kept_before", "kept_after", "kept_share_before", "words", "sentence_end", "flagged",
)


def ends_sentence(t: str) -> bool:
    return _SENTENCE_END.search(t[-16:]) is not None  # the stop and its quotes are at the very end


def is_prose(t: str) -> bool:
    """Running text: a sentence of PROSE_WORDS or more, or a paragraph long enough without a stop."""
    return weight(cleaning.word_count(t), ends_sentence(t), False) > 0


def weight(n: float, sentence: bool, flagged: bool) -> float:
    """How much a paragraph of `n` words speaks for being article text."""
    if flagged:
        return -FLAGGED_COST
    if sentence and n >= PROSE_WORDS:
        return n - PROSE_WORDS + 1
    if n >= 2 * PROSE_WORDS:  # a long paragraph without a closing stop is still running text
        return n - 2 * PROSE_WORDS + 1
    return -LABEL_COST if n < PROSE_WORDS / 2 else -1.0


def article_run(weights: Sequence[float]) -> tuple[int, int] | None:
    """(first, last + 1) of the run of paragraphs with the greatest total weight (the maximum
    subarray, as Finn et al.'s Body Text Extraction does with tags and words), or None."""
    best, best_span = 0.0, None
    total, start = 0.0, 0
    for i, w in enumerate(weights):
        if total <= 0:
            total, start = 0.0, i
        total += w
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


def _shift(values: np.ndarray, k: int, fill: float) -> np.ndarray:
    """values[i - k] at i (the paragraph k before; k < 0: after), `fill` past the page's ends."""
    out = np.full(len(values), fill)
    if 0 < k < len(values):
        out[k:] = values[:-k]
    elif 0 < -k < len(values):
        out[:k] = values[-k:]
    return out


def _window_mean(values: np.ndarray, reach: int = _WINDOW) -> np.ndarray:
    """Mean of each value and its `reach` neighbours either side (fewer at the page's ends)."""
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    index = np.arange(len(values))
    low, high = np.clip(index - reach, 0, None), np.clip(index + reach + 1, None, len(values))
    return (cumulative[high] - cumulative[low]) / (high - low)


_TOKEN = re.compile(r"[^\W\d_]{3,}")


def _tokens(t: str) -> list[str]:
    """The paragraph's words of three letters or more, folded; in a space-free script, pairs of
    characters stand in for words."""
    low = t[:_TOPIC_CHARS].casefold()
    found = _TOKEN.findall(low)
    if not low.isascii() and cleaning.SPACE_FREE.search(low):
        chars = cleaning.SPACE_FREE.findall(low)
        found += [a + b for a, b in zip(chars, chars[1:])]
    return found


def _overlaps(texts: Sequence[str], run: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Per paragraph, the share of its words that the article's run of prose uses elsewhere (a
    teaser is about another story; a subheading or list item shares the article's words), and the
    share found in the page's first line (its <title>, as scrapers write it)."""
    tokens = [_tokens(t) for t in texts]
    in_run: Counter[str] = Counter()
    for toks in tokens[run[0]:run[1]]:
        in_run.update(set(toks))
    title = set(tokens[0]) if tokens else set()
    run_share = np.zeros(len(texts))
    title_share = np.zeros(len(texts))
    for i, toks in enumerate(tokens):
        if not toks:
            continue
        own = 1 if run[0] <= i < run[1] else 0
        distinct = set(toks)
        run_share[i] = sum(in_run[t] - own > 0 for t in distinct) / len(distinct)
        title_share[i] = sum(t in title for t in distinct) / len(distinct) if i else 0.0
    return run_share, title_share


def page_rows(texts: Sequence[str], flagged: Sequence[bool]) -> np.ndarray:
    """One row of FEATURES per paragraph (whitespace-normalised texts, in page order)."""
    n_par = len(texts)
    if not n_par:
        return np.zeros((0, len(FEATURES)))
    n_words = np.array([cleaning.word_count(t) for t in texts])
    sentence = np.array([ends_sentence(t) for t in texts])
    flags = np.asarray(flagged, dtype=bool)
    w = np.array([weight(n, s, f) for n, s, f in zip(n_words, sentence, flags)])
    chars = np.array([len(t) for t in texts], dtype=float)
    run = article_run(w) or (0, 0)
    index = np.arange(n_par)
    prose = (w > 0).astype(float)
    prose_near = _window_mean(prose)
    weight_near = _window_mean(np.clip(w, -FLAGGED_COST, 30))
    counts = Counter(texts)
    positive = np.clip(w, 0, None)
    total_positive = positive.sum() or 1.0
    cumulative = np.cumsum(chars) - chars
    first = texts[0].casefold()
    rows = np.empty((n_par, len(FEATURES)))
    rows[:, 0] = np.log1p(n_words)
    rows[:, 1] = np.log1p(chars)
    rows[:, 2] = sentence
    rows[:, 3] = [t.endswith(":") for t in texts]
    rows[:, 4] = [t.count(",") / max(n, 1.0) for t, n in zip(texts, n_words)]
    for i, t in enumerate(texts):
        # Character shares from the paragraph's head: the same for a label, near enough for prose,
        # and a page of long paragraphs costs no more than one of short ones.
        head = t[:_SHARE_CHARS]
        size = max(len(head), 1)
        rows[i, 5] = sum(map(str.isdigit, head)) / size
        rows[i, 6] = sum(map(str.isupper, head)) / (sum(map(str.isalpha, head)) or 1)
        rows[i, 7] = (size - sum(map(str.isalnum, head)) - head.count(" ")) / size
        rows[i, 8] = _BULLET.match(t) is not None
        rows[i, 9] = _ADDRESS.search(head) is not None
        rows[i, 10] = _CLOCK.search(head) is not None
        rows[i, 12] = math.log(counts[t])
        rows[i, 26] = i > 0 and (t.casefold() in first or first in t.casefold())
    rows[:, 11] = flags
    rows[:, 13] = index / n_par
    rows[:, 14] = cumulative / max(chars.sum(), 1.0)
    rows[:, 15] = (index >= run[0]) & (index < run[1])
    rows[:, 16] = np.log1p(np.clip(run[0] - index, 0, None))
    rows[:, 17] = np.log1p(np.clip(index - run[1] + 1, 0, None))
    rows[:, 18] = positive[run[0]:run[1]].sum() / total_positive
    rows[:, 19] = w
    rows[:, 20] = _shift(w, 1, -LABEL_COST)
    rows[:, 21] = _shift(w, -1, -LABEL_COST)
    rows[:, 22] = _shift(w, 2, -LABEL_COST)
    rows[:, 23] = _shift(w, -2, -LABEL_COST)
    rows[:, 24] = prose_near
    rows[:, 25] = weight_near
    rows[:, 27] = math.log(n_par)
    rows[:, 28] = prose.mean()
    rows[:, 29], rows[:, 30] = _overlaps(texts, run)
    return rows


def context_rows(scores: np.ndarray, rows: np.ndarray, threshold: float) -> np.ndarray:
    """One row of CONTEXT_FEATURES per paragraph, from the first model's raw scores."""
    n_par = len(scores)
    kept = scores >= threshold
    pad = lambda k: _shift(scores, k, float(scores.min()))  # noqa: E731
    index = np.arange(n_par)
    kept_at = np.flatnonzero(kept)
    if len(kept_at):
        before = np.searchsorted(kept_at, index, side="left")  # kept paragraphs strictly before i
        after = len(kept_at) - np.searchsorted(kept_at, index, side="right")
        nearest_before = np.where(before > 0, index - kept_at[np.clip(before - 1, 0, None)], n_par)
        nearest_after = np.where(after > 0, kept_at[np.clip(len(kept_at) - after, None, len(kept_at) - 1)] - index, n_par)
        share_before = before / len(kept_at)
    else:
        nearest_before = nearest_after = np.full(n_par, n_par)
        share_before = np.zeros(n_par)
    out = np.empty((n_par, len(CONTEXT_FEATURES)))
    out[:, 0] = scores
    out[:, 1], out[:, 2], out[:, 3], out[:, 4] = pad(1), pad(-1), pad(2), pad(-2)
    out[:, 5] = _window_mean(scores, 3)
    out[:, 6] = _window_mean(scores, 10)
    out[:, 7] = np.maximum.reduce([pad(k) for k in (-3, -2, -1, 1, 2, 3)])
    out[:, 8] = np.log1p(nearest_before)
    out[:, 9] = np.log1p(nearest_after)
    out[:, 10] = share_before
    out[:, 11] = rows[:, FEATURES.index("words")]
    out[:, 12] = rows[:, FEATURES.index("sentence_end")]
    out[:, 13] = rows[:, FEATURES.index("flagged")]
    return out


@lru_cache(maxsize=1)
def _models() -> tuple[TreeEnsemble, TreeEnsemble]:
    first = load_model(MODEL_PATH, "page text model")
    second = load_model(CONTEXT_MODEL_PATH, "page text model")
    if first.features != FEATURES or second.features != CONTEXT_FEATURES:
        raise QuotebotError(f"{MODEL_PATH.parent} holds models fitted on other features; reinstall quotebot")
    return first, second


def article_paragraphs(texts: Sequence[str], flagged: Sequence[bool]) -> list[bool]:
    """For each paragraph of a whole page, whether it is part of the article."""
    if not texts:
        return []
    first, second = _models()
    rows = page_rows(texts, flagged)
    scores = first.raw(rows)
    return list(second.raw(context_rows(scores, rows, first.threshold)) >= second.threshold)
