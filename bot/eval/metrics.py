"""What is right for a question, and the scores over many: R@k, MRR@10, answered and refused shares.

A question is right at rank k when the k-th passage is right for it: SQuAD, the passage's hit
sentence covers one of the answers' character offsets in the right article; canned, the passage's
quote contains `expect` and comes from the article file `path`.  Questions with no answer (canned
`no_answer`, SQuAD articles left out of the corpus) are right when the answerer refuses; a refusal is
a miss at every rank for the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from bot.index.sentences import SentenceIndex

RANKS = (1, 3, 5)
MRR_DEPTH = 10


@dataclass(frozen=True)
class Case:
    """One question and what counts as right for it."""

    question: str
    path: str | None  # article file holding the answer; None: the right outcome is no answer
    offsets: tuple[int, ...] = ()  # SQuAD: answer offsets in the article file's text
    expect: str | None = None  # canned: a substring the quote must contain
    within: int | None = None  # canned: the rank the expected passage must reach (default 1)
    answer: str | None = None  # news-qa: a phrase the hit sentence must hold (any page)
    topic: str | None = None  # news-qa, no answer: "on" (the pages' subject) or "unrelated"

    @property
    def answerable(self) -> bool:
        return self.path is not None

    def covering(self, index: SentenceIndex) -> list[int]:
        """The indexed sentences that hold one of the answer offsets (none: cleaning dropped it)."""
        article = index.article_number(self.path) if self.path is not None else None
        return [] if article is None else index.sentences_covering(article, self.offsets)


@dataclass(frozen=True)
class Result:
    case: Case
    found: bool
    rank: int  # 1-based rank of the first right passage, 0 when none (or when refused)
    passages: tuple[tuple[str, int, int], ...]  # (path, start, end) of each hit sentence, in order
    confidence: float = 0.0  # the answerer's probability that its first passage answers

    @property
    def right(self) -> bool:
        if not self.case.answerable:
            return not self.found
        return 0 < self.rank <= (self.case.within or 1)


@dataclass(frozen=True)
class Scores:
    recall: dict[int, float]  # R@k over answerable questions
    mrr: float  # MRR@10 over answerable questions
    answered: float | None  # share of answerable questions answered
    refused: float | None  # share of no-answer questions refused
    refused_by_topic: dict[str, float] = field(default_factory=dict)  # news-qa: "on" / "unrelated" apart

    def to_json(self) -> dict:
        out = {f"r@{k}": round(v, 4) for k, v in self.recall.items()}
        out["mrr@10"] = round(self.mrr, 4)
        out["answered"] = None if self.answered is None else round(self.answered, 4)
        out["refused"] = None if self.refused is None else round(self.refused, 4)
        if self.refused_by_topic:
            out["refused_by_topic"] = {t: round(v, 4) for t, v in self.refused_by_topic.items()}
        return out


def _fold(s: str) -> str:
    return " ".join(s.split()).casefold()


def first_right(case: Case, passages: Iterable[tuple[str, int, int, str, str]]) -> int:
    """1-based rank of the first passage (path, start, end, quote, sentence) right for the case, or 0."""
    for rank, (path, start, end, quote, sentence) in enumerate(passages, 1):
        if case.answer is not None:
            if _fold(case.answer) in _fold(sentence):
                return rank
            continue
        if path != case.path:
            continue
        if case.expect is not None:
            if case.expect in quote:
                return rank
        elif any(start <= off < end for off in case.offsets):
            return rank
    return 0


def scores(results: Iterable[Result]) -> Scores:
    """R@k, MRR@10 and answered share over answerable questions; refused share over the others."""
    results = list(results)
    ranks = np.asarray([r.rank for r in results if r.case.answerable], dtype=np.int64)
    found = [r.found for r in results if r.case.answerable]
    refused = [not r.found for r in results if not r.case.answerable]
    n = len(ranks)
    recall = {k: float(np.mean((ranks > 0) & (ranks <= k))) if n else 0.0 for k in RANKS}
    hits = (ranks > 0) & (ranks <= MRR_DEPTH)
    mrr = float(np.sum(1.0 / ranks[hits]) / n) if n else 0.0
    by_topic: dict[str, list[bool]] = {}
    for r in results:
        if not r.case.answerable and r.case.topic:
            by_topic.setdefault(r.case.topic, []).append(not r.found)
    return Scores(recall, mrr, float(np.mean(found)) if found else None,
                  float(np.mean(refused)) if refused else None,
                  {topic: float(np.mean(v)) for topic, v in sorted(by_topic.items())})


CALIBRATION_BINS = 10
BOOTSTRAP_ROUNDS = 1000


@dataclass(frozen=True)
class Calibration:
    """How well `confidence` says whether the first passage answers: questions in 10 equal-width
    bins of confidence, each bin's mean confidence against its share of first passages that are
    right (a question with no answer in the articles has none right); the expected calibration error
    is the mean gap, weighted by the bins' sizes; `interval` its 95 % bootstrap interval (the
    questions resampled BOOTSTRAP_ROUNDS times, seeded), which is wide on a few hundred questions."""

    ece: float
    bins: tuple[tuple[float, float, int, float, float], ...]  # (from, to, questions, mean confidence, right share)
    interval: tuple[float, float] = (0.0, 0.0)

    def to_json(self) -> dict:
        return {"ece": round(self.ece, 4), "interval": [round(x, 4) for x in self.interval], "bins": [
            {"from": lo, "to": hi, "questions": n, "confidence": round(c, 4), "right": round(r, 4)}
            for lo, hi, n, c, r in self.bins]}


def expected_calibration_error(confidence: np.ndarray, right: np.ndarray) -> float:
    which = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    n = np.bincount(which, minlength=CALIBRATION_BINS)
    gap = np.abs(np.bincount(which, confidence, CALIBRATION_BINS) - np.bincount(which, right, CALIBRATION_BINS))
    return float(gap.sum() / max(n.sum(), 1))  # sum over bins of n * |mean confidence - share right|, / all


def calibration(results: Iterable[Result]) -> Calibration:
    results = list(results)
    confidence = np.asarray([r.confidence for r in results], dtype=float)
    right = np.asarray([r.case.answerable and r.found and r.rank == 1 for r in results], dtype=float)
    interval = (0.0, 0.0)
    if results:
        rng = np.random.default_rng(0)
        draws = rng.integers(0, len(results), size=(BOOTSTRAP_ROUNDS, len(results)))
        boot = [expected_calibration_error(confidence[d], right[d]) for d in draws]
        interval = (float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5)))
    which = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    bins = []
    for b in range(CALIBRATION_BINS):
        mask = which == b
        if mask.any():
            bins.append((b / CALIBRATION_BINS, (b + 1) / CALIBRATION_BINS, int(mask.sum()),
                         float(confidence[mask].mean()), float(right[mask].mean())))
    return Calibration(expected_calibration_error(confidence, right), tuple(bins), interval)
