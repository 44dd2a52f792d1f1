"""`quotebot eval`: answer quality measured through the same answerer and settings as `ask`.

The question file's plan (`bot.eval.plans`) names a corpus folder; it is indexed the normal way into
a temporary folder and loaded back from disk, every question is asked, and the answers are scored
(`bot.eval.metrics`) over all the passages an answer holds, in the order a person paging with "more"
sees them.  Plain BM25 (Okapi on lowercase words, no stemming or stopwords, the same sentences, never
refusing) is measured alongside on the same questions by the same criterion.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from bot import text
from bot.answer.answerer import Answerer
from bot.answer.service import AnswerService
from bot.config import Settings
from bot.eval import plans
from bot.eval.metrics import MRR_DEPTH, Calibration, Case, Result, Scores, calibration, first_right, scores
from bot.index.bm25 import BM25Index
from bot.index.sentences import SentenceIndex

PROGRESS_EVERY = 100  # questions between two progress reports

Progress = Callable[[int, int], None]  # (questions asked, questions in all)


@dataclass
class Report:
    file: str
    kind: str  # "squad" | "canned" | "news-qa"
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
    calibration: Calibration | None = None  # quotebot's confidence against its first passages
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
        if self.calibration is not None:
            out["calibration"] = self.calibration.to_json()
        return out


def evaluate(file: Path, settings: Settings, *, off_corpus: float = 0.0, limit: int | None = None,
             seed: int = 0, misses_path: Path | None = None, progress: Progress | None = None,
             form: str = "html", distractors: Sequence[Path] = ()) -> Report:
    """Build the index of the file's corpus the normal way, ask every question, score the answers."""
    from bot.index.build import build
    from bot.index.updates import open_index

    file = Path(file)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="quotebot-eval-") as tmp:
        tmp_dir = Path(tmp)
        plan = plans.plan_for(file, settings, tmp_dir / "corpus", off_corpus, rng, form=form,
                              distractors=[Path(d) for d in distractors])
        cases = plans.sample(plan.cases, limit, rng)
        run_settings = replace(settings, corpus_dir=plan.corpus_dir, index_dir=tmp_dir / "index")
        _, build_report = build(run_settings)
        index = open_index(run_settings)  # loaded back from disk, exactly as `ask` gets it
        answerer = Answerer(index, run_settings.answering)

        started = time.perf_counter()
        results = ask_all(answerer, cases, progress)
        seconds = time.perf_counter() - started

        started = time.perf_counter()
        baseline = ask_baseline(index, cases)
        baseline_seconds = time.perf_counter() - started

        unreachable = sum(1 for c in cases if c.answerable and c.expect is None and c.answer is None
                          and not c.covering(index))
        if misses_path is not None:
            write_misses(misses_path, index, results)

    return Report(
        file=str(file), kind=plan.kind, articles=index.article_count if plan.articles is None else plan.articles,
        questions=len(cases), in_corpus=sum(c.answerable for c in cases),
        off_corpus=sum(not c.answerable for c in cases), quotebot=scores(results), baseline=scores(baseline),
        questions_per_second=len(cases) / seconds if seconds > 0 else 0.0,
        baseline_questions_per_second=len(cases) / baseline_seconds if baseline_seconds > 0 else 0.0,
        build_seconds=build_report.seconds, sentences=index.sentence_count, unreachable=unreachable,
        canned_right=sum(r.right for r in results) if plan.kind == "canned" else None,
        calibration=calibration(results),
        results=results,
    )


def ask_all(answerer: AnswerService, cases: list[Case], progress: Progress | None = None) -> list[Result]:
    """Each case asked on its own; ranked over every passage of its answer, shown as one page."""
    results = []
    if progress is not None:
        progress(0, len(cases))
    for n, case in enumerate(cases, 1):
        answer = answerer.answer(case.question)
        ranked = answer.page(0).passages if answer.found else ()
        passages = [(p.source.path, p.start, p.end, p.quote, p.sentence) for p in ranked]
        results.append(Result(case, answer.found, first_right(case, passages), tuple(x[:3] for x in passages),
                              answer.confidence))
        if progress is not None and (n % PROGRESS_EVERY == 0 or n == len(cases)):
            progress(n, len(cases))
    return results


def ask_baseline(index: SentenceIndex, cases: list[Case]) -> list[Result]:
    """Plain BM25 over the same sentences: lowercase words, never refusing, top 10 sentences."""
    in_order = index.sentences_in_order().tolist()
    bm25 = BM25Index.build(text.plain_terms(index.sentence_text(s)) for s in in_order)
    results = []
    for case in cases:
        passages = []
        for hit in bm25.search(text.plain_terms(case.question), MRR_DEPTH):
            sentence = in_order[hit.doc]
            span = index.span(sentence)
            quote = index.sentence_text(sentence) if case.expect is not None or case.answer is not None else ""
            passages.append((index.source(span.article).path, span.start, span.end, quote, quote))
        results.append(Result(case, True, first_right(case, passages), tuple(x[:3] for x in passages)))
    return results


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
                    " / ".join(index.sentence_text(s) for s in case.covering(index)) or None
            quoted = None
            if r.found and r.passages:
                quoted_path, start, end = r.passages[0]
                quoted = index.article_text(index.article_number(quoted_path))[start:end]
            out.write(json.dumps({
                "question": case.question,
                "path": case.path,
                "expected": expected,
                "found": r.found,
                "rank": r.rank or None,
                "quoted": quoted,
                "quoted_path": r.passages[0][0] if r.found and r.passages else None,
            }, ensure_ascii=False) + "\n")
