"""`quotebot eval`: answer quality measured through the same answerer and settings as `ask`.

Two kinds of question file:
- SQuAD v1.1 JSON: the articles are written into a temporary corpus folder (see `bot.eval.squad`) and
  indexed the normal way; a question is right at rank k when the k-th passage's hit sentence covers
  the character offset of one of its answers, in the right article.
- the project's canned-question file (tests/data/canned.json): right at rank k when the k-th
  passage's quote contains `expect` and comes from the article file `path`.
Questions marked no-answer (canned `no_answer`, SQuAD articles left out with --off-corpus) are right
when the answerer refuses.  A refusal is a miss at every rank for the others.

Plain BM25 (Okapi on lowercase words, no stemming or stopwords, the same sentences, never refusing)
is measured alongside on the same questions by the same criterion.
"""

from __future__ import annotations

import json
import logging
import random
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

import click
import numpy as np

from bot import text
from bot.eval import squad
from bot.answer.answerer import Answer, Answerer
from bot.index.bm25 import BM25Index
from bot.config import Settings
from bot.errors import QuotebotError
from bot.index.sentences import SentenceIndex

logger = logging.getLogger(__name__)

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

    @property
    def answerable(self) -> bool:
        return self.path is not None


@dataclass(frozen=True)
class Result:
    case: Case
    found: bool
    rank: int  # 1-based rank of the first right passage, 0 when none (or when refused)
    passages: tuple[tuple[str, int, int], ...]  # (path, start, end) of each hit sentence, in order

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

    def to_json(self) -> dict:
        out = {f"r@{k}": round(v, 4) for k, v in self.recall.items()}
        out["mrr@10"] = round(self.mrr, 4)
        out["answered"] = None if self.answered is None else round(self.answered, 4)
        out["refused"] = None if self.refused is None else round(self.refused, 4)
        return out


@dataclass
class Report:
    file: str
    kind: str  # "squad" | "canned"
    articles: int
    questions: int
    in_corpus: int
    off_corpus: int
    quotebot: Scores
    baseline: Scores
    questions_per_second: float
    baseline_questions_per_second: float
    build_seconds: float
    sentences: int
    unreachable: int  # answerable questions whose answer lies in no indexed sentence
    canned_right: int | None = None  # canned: questions right at their allowed rank
    results: list[Result] = field(default_factory=list, repr=False)

    def to_json(self) -> dict:
        out = {
            "file": self.file,
            "kind": self.kind,
            "articles": self.articles,
            "sentences": self.sentences,
            "questions": self.questions,
            "in_corpus": self.in_corpus,
            "off_corpus": self.off_corpus,
            "unreachable": self.unreachable,
            "quotebot": self.quotebot.to_json(),
            "plain_bm25": self.baseline.to_json(),
            "questions_per_second": round(self.questions_per_second, 1),
            "baseline_questions_per_second": round(self.baseline_questions_per_second, 1),
            "build_seconds": round(self.build_seconds, 2),
        }
        if self.canned_right is not None:
            out["canned_right"] = self.canned_right
        return out


# -- metrics ------------------------------------------------------------------------------------

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
    return Scores(recall, mrr, float(np.mean(found)) if found else None,
                  float(np.mean(refused)) if refused else None)


def first_right(case: Case, passages: Iterable[tuple[str, int, int, str]]) -> int:
    """1-based rank of the first passage (path, start, end, quote) that is right for the case, or 0."""
    for rank, (path, start, end, quote) in enumerate(passages, 1):
        if path != case.path:
            continue
        if case.expect is not None:
            if case.expect in quote:
                return rank
        elif any(start <= off < end for off in case.offsets):
            return rank
    return 0


def all_passages(answer: Answer) -> list:
    """Every passage the answer holds: the first page and what "more" pages through."""
    return list(answer.passages) + list(answer.remaining)


# -- loading question files ---------------------------------------------------------------------

@dataclass
class Plan:
    """What to index and what to ask."""

    kind: str
    corpus_dir: Path  # folder to index
    articles: int
    cases: list[Case]


def _squad_plan(articles: list[squad.SquadArticle], folder: Path, off_corpus: float, rng: random.Random) -> Plan:
    n_off = int(round(off_corpus * len(articles)))
    if n_off >= len(articles):
        n_off = len(articles) - 1
    left_out = set(rng.sample(range(len(articles)), n_off)) if n_off > 0 else set()
    keep = set(range(len(articles))) - left_out
    written = squad.write_corpus(articles, folder, keep)
    cases = []
    for a, article in enumerate(articles):
        for p, q in article.questions:
            if a in left_out:
                cases.append(Case(q.question, None))
            else:
                w = written[a]
                base = w.paragraph_offsets[p]
                cases.append(Case(q.question, w.path, tuple(base + off for off in q.offsets)))
    return Plan("squad", folder, len(keep), cases)


def _canned_plan(data: dict, file: Path, settings: Settings) -> Plan:
    corpus = _canned_corpus(data.get("corpus"), file, settings)
    cases = []
    for q in data.get("questions", ()):
        if q.get("no_answer"):
            cases.append(Case(q["question"], None))
        else:
            cases.append(Case(q["question"], q["path"], expect=q["expect"], within=q.get("rank")))
    return Plan("canned", corpus, -1, cases)


def _canned_corpus(name: str | None, file: Path, settings: Settings) -> Path:
    """The file's "corpus" folder, looked up from the file's folder upwards, else --corpus."""
    if name:
        for folder in [file.resolve().parent, *file.resolve().parents, Path.cwd()]:
            if (folder / name).is_dir():
                return folder / name
    if settings.corpus_dir.is_dir():
        return settings.corpus_dir
    raise QuotebotError(f"corpus folder {name or settings.corpus_dir} of {file} not found")


def _read_json(file: Path) -> dict:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise QuotebotError(f"cannot read {file}: {e}") from None


# -- the run ------------------------------------------------------------------------------------

def evaluate(file: Path, settings: Settings, *, off_corpus: float = 0.0, limit: int | None = None,
             seed: int = 0, misses_path: Path | None = None, progress: bool = False) -> Report:
    """Build the index of the file's corpus the normal way, ask every question, score the answers."""
    from bot.index.build import build, open_index

    file = Path(file)
    data = _read_json(file)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="quotebot-eval-") as tmp:
        tmp_dir = Path(tmp)
        if squad.is_squad(data):
            plan = _squad_plan(squad.parse(data), tmp_dir / "corpus", off_corpus, rng)
        elif isinstance(data, dict) and "questions" in data:
            plan = _canned_plan(data, file, settings)
        else:
            raise QuotebotError(f"{file} is neither SQuAD v1.1 JSON nor a canned-question file")
        cases = plan.cases
        if limit is not None and limit < len(cases):
            picked = sorted(rng.sample(range(len(cases)), limit))
            cases = [cases[i] for i in picked]
        run_settings = replace(settings, corpus_dir=plan.corpus_dir, index_dir=tmp_dir / "index")
        _, build_report = build(run_settings)
        index = open_index(run_settings)  # loaded back from disk, exactly as `ask` gets it
        answerer = Answerer(index, run_settings.answering)

        started = time.perf_counter()
        results = _ask_all(answerer, cases, progress)
        seconds = time.perf_counter() - started

        started = time.perf_counter()
        baseline = _baseline(index, cases)
        baseline_seconds = time.perf_counter() - started

        unreachable = sum(1 for c in cases if c.answerable and c.expect is None and not _covering(index, c))
        if misses_path is not None:
            write_misses(misses_path, index, results)

    articles = plan.articles if plan.articles >= 0 else index.article_count
    report = Report(
        file=str(file), kind=plan.kind, articles=articles, questions=len(cases),
        in_corpus=sum(c.answerable for c in cases), off_corpus=sum(not c.answerable for c in cases),
        quotebot=scores(results), baseline=scores(baseline),
        questions_per_second=len(cases) / seconds if seconds > 0 else 0.0,
        baseline_questions_per_second=len(cases) / baseline_seconds if baseline_seconds > 0 else 0.0,
        build_seconds=build_report.seconds, sentences=index.sentence_count, unreachable=unreachable,
        canned_right=sum(r.right for r in results) if plan.kind == "canned" else None,
        results=results,
    )
    return report


def _ask_all(answerer: Answerer, cases: list[Case], progress: bool) -> list[Result]:
    bar = click.progressbar(length=len(cases), label="Asking", file=sys.stderr) if progress else nullcontext()
    results = []
    with bar:
        for n, case in enumerate(cases):
            answer = answerer.answer(case.question)
            passages = [(p.source.path, p.start, p.end, p.quote) for p in all_passages(answer)] if answer.found else []
            rank = first_right(case, passages)
            results.append(Result(case, answer.found, rank, tuple(x[:3] for x in passages)))
            if progress and n % 100 == 99:
                bar.update(100)
        if progress:
            bar.update(len(cases) % 100)
    return results


def _baseline(index: SentenceIndex, cases: list[Case]) -> list[Result]:
    """Plain BM25 over the same sentences: lowercase words, never refusing, top 10 sentences."""
    plain = BM25Index.build(text.plain_terms(index.sentence_text(s)) for s in range(index.sentence_count))
    paths = [index.source(a).path for a in range(index.article_count)]
    sent_article = index.para_article[index.sent_para]
    results = []
    for case in cases:
        hits = plain.search(text.plain_terms(case.question), MRR_DEPTH)
        passages = []
        for h in hits:
            s = h.doc
            passages.append((paths[int(sent_article[s])], int(index.sent_start[s]), int(index.sent_end[s]),
                             index.sentence_text(s) if case.expect is not None else ""))
        results.append(Result(case, True, first_right(case, passages), tuple(x[:3] for x in passages)))
    return results


def _covering(index: SentenceIndex, case: Case) -> list[int]:
    """The indexed sentences holding one of the case's answer offsets."""
    article = _article_numbers(index).get(case.path)
    if article is None:
        return []
    sents = _article_sentences(index, article)
    starts, ends = index.sent_start[sents], index.sent_end[sents]
    return [int(s) for s, a, b in zip(sents, starts, ends) if any(a <= off < b for off in case.offsets)]


def _article_numbers(index: SentenceIndex) -> dict[str, int]:
    cached = getattr(index, "_eval_paths", None)
    if cached is None:
        cached = {index.source(a).path: a for a in range(index.article_count)}
        index._eval_paths = cached
    return cached


def _article_sentences(index: SentenceIndex, article: int) -> np.ndarray:
    paragraphs = np.flatnonzero(index.para_article == article)
    if not len(paragraphs):
        return np.empty(0, dtype=np.int64)
    return np.arange(int(index.para_first[paragraphs[0]]), int(index.para_first[paragraphs[-1] + 1]))


def write_misses(path: Path, index: SentenceIndex, results: list[Result]) -> None:
    """One JSON line per wrong answer: the question, the expected sentence, what was quoted."""
    with open(path, "w", encoding="utf-8") as out:
        for r in results:
            if r.right:
                continue
            case = r.case
            expected = None
            if case.answerable:
                expected = case.expect if case.expect is not None else \
                    " / ".join(index.sentence_text(s) for s in _covering(index, case)) or None
            quoted = None
            if r.found and r.passages:
                path_, start, end = r.passages[0]
                article = _article_numbers(index)[path_]
                quoted = index.article_text(article)[start:end]
            out.write(json.dumps({
                "question": case.question,
                "path": case.path,
                "expected": expected,
                "found": r.found,
                "rank": r.rank or None,
                "quoted": quoted,
                "quoted_path": r.passages[0][0] if r.found and r.passages else None,
            }, ensure_ascii=False) + "\n")


# -- the terminal table -------------------------------------------------------------------------

def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def format_report(report: Report) -> str:
    lines = [
        f"{report.file}: {report.questions} questions ({report.in_corpus} in corpus, "
        f"{report.off_corpus} off corpus), {report.articles} articles, {report.sentences} sentences",
        f"build {report.build_seconds:.1f} s",
        "",
        f"{'ranker':<11} {'R@1':>6} {'R@3':>6} {'R@5':>6} {'MRR@10':>7} {'answered':>9} {'refused':>8} {'q/s':>8}",
    ]
    for name, s, qps in (("plain BM25", report.baseline, report.baseline_questions_per_second),
                         ("quotebot", report.quotebot, report.questions_per_second)):
        lines.append(f"{name:<11} {s.recall[1]:>6.3f} {s.recall[3]:>6.3f} {s.recall[5]:>6.3f} {s.mrr:>7.3f} "
                     f"{_pct(s.answered):>9} {_pct(s.refused):>8} {qps:>8.0f}")
    if report.unreachable:
        lines.append(f"\n{report.unreachable} questions have their answer in no indexed sentence (dropped by cleaning).")
    if report.canned_right is not None:
        lines.append(f"\n{report.canned_right} of {report.questions} canned questions right at their allowed rank.")
    return "\n".join(lines)
