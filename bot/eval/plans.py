"""Question files -> plans: which corpus folder to index and which questions to ask of it.

- SQuAD v1.1 JSON: the articles are written into a corpus folder (see `bot.eval.squad`), some of them
  left out when asked (`off_corpus`): their questions should then get no answer.
- the project's canned-question file (tests/data/canned.json): names its corpus folder; each question
  expects a quote from a file, or no answer.
- news-qa (a folder of `questions.jsonl` and `pages/`, see `bot.eval.newsqa`): its pages, saved or as
  whole-page text, and its questions; unanswerable ones carry a topic, reported apart.
Distractors (SQuAD JSON or folders of article files) join any plan's corpus and are never asked about,
so refusals are measured on corpora of realistic size.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from bot.config import Settings
from bot.errors import QuotebotError
from bot.eval import newsqa, squad
from bot.eval.metrics import Case


@dataclass
class Plan:
    """What to index and what to ask."""

    kind: str  # "squad" | "canned" | "news-qa"
    corpus_dir: Path  # folder to index
    articles: int | None  # articles in the corpus (None: as many as the index holds)
    cases: list[Case]


def plan_for(file: Path, settings: Settings, folder: Path, off_corpus: float, rng: random.Random,
             form: str = "html", distractors: Sequence[Path] = ()) -> Plan:
    """The plan of a question file; its corpus (and the distractors) written into `folder` when it
    has to be (SQuAD, news-qa, or any plan with distractors)."""
    if newsqa.is_newsqa(file):
        newsqa.write_pages(file, form, folder)
        plan = Plan("news-qa", folder, None, newsqa.cases(file, form))
    elif file.is_dir():
        raise QuotebotError(f"{file} is a folder without questions.jsonl and pages/ (the news-qa format)")
    else:
        data = read_question_file(file)
        if squad.is_squad(data):
            plan = squad_plan(squad.parse(data), folder, off_corpus, rng)
        elif isinstance(data, dict) and "questions" in data:
            plan = canned_plan(data, file, settings)
        else:
            raise QuotebotError(f"{file} is neither SQuAD v1.1 JSON, a canned-question file nor news-qa")
    return add_distractors(plan, folder, distractors)


def add_distractors(plan: Plan, folder: Path, distractors: Sequence[Path]) -> Plan:
    """The plan with articles nobody asks about added to its corpus, each source in a folder of its
    own (distractors/1/, ...); a canned plan's corpus is copied into `folder` first."""
    if not distractors:
        return plan
    if plan.corpus_dir != folder:
        shutil.copytree(plan.corpus_dir, folder, dirs_exist_ok=True)
        plan = replace(plan, corpus_dir=folder)
    added = 0
    for n, source in enumerate(distractors, 1):
        target = folder / "distractors" / str(n)
        if source.is_dir():
            from bot.corpus.folder import corpus_files, relative_path

            for path in corpus_files(source):
                to = target / relative_path(path, source)
                to.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, to)
                added += 1
        else:
            data = read_question_file(source)
            if not squad.is_squad(data):
                raise QuotebotError(f"distractors {source} are neither SQuAD v1.1 JSON nor a folder of articles")
            added += len(squad.write_corpus(squad.parse(data), target))
    return replace(plan, articles=None if plan.articles is None else plan.articles + added)


def read_question_file(file: Path) -> object:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise QuotebotError(f"cannot read {file}: {e}") from None


def squad_plan(articles: list[squad.SquadArticle], folder: Path, off_corpus: float, rng: random.Random) -> Plan:
    """The articles written into `folder`, but for a seeded share `off_corpus` of them (always one kept)."""
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


def canned_plan(data: dict, file: Path, settings: Settings) -> Plan:
    corpus = canned_corpus(data.get("corpus"), file, settings)
    cases = []
    for q in data.get("questions", ()):
        if q.get("no_answer"):
            cases.append(Case(q["question"], None))
        else:
            cases.append(Case(q["question"], q["path"], expect=q["expect"], within=q.get("rank")))
    return Plan("canned", corpus, None, cases)


def canned_corpus(name: str | None, file: Path, settings: Settings) -> Path:
    """The file's "corpus" folder, looked up from the file's folder upwards, else --corpus."""
    if name:
        for folder in [file.resolve().parent, *file.resolve().parents, Path.cwd()]:
            if (folder / name).is_dir():
                return folder / name
    if settings.corpus_dir.is_dir():
        return settings.corpus_dir
    raise QuotebotError(f"corpus folder {name or settings.corpus_dir} of {file} not found")


def sample(cases: list[Case], limit: int | None, rng: random.Random) -> list[Case]:
    """A seeded sample of `limit` cases, in their order (all of them without a limit)."""
    if limit is None or limit >= len(cases):
        return cases
    return [cases[i] for i in sorted(rng.sample(range(len(cases)), limit))]
