"""Question files -> plans: which corpus folder to index and which questions to ask of it.

- SQuAD v1.1 JSON: the articles are written into a corpus folder (see `bot.eval.squad`), some of them
  left out when asked (`off_corpus`): their questions should then get no answer.
- the project's canned-question file (tests/data/canned.json): names its corpus folder; each question
  expects a quote from a file, or no answer.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.errors import QuotebotError
from bot.eval import squad
from bot.eval.metrics import Case


@dataclass
class Plan:
    """What to index and what to ask."""

    kind: str  # "squad" | "canned"
    corpus_dir: Path  # folder to index
    articles: int | None  # articles in the corpus (None: as many as the index holds)
    cases: list[Case]


def plan_for(file: Path, settings: Settings, folder: Path, off_corpus: float, rng: random.Random) -> Plan:
    """The plan of a question file; a SQuAD file's corpus is written into `folder`."""
    data = read_question_file(file)
    if squad.is_squad(data):
        return squad_plan(squad.parse(data), folder, off_corpus, rng)
    if isinstance(data, dict) and "questions" in data:
        return canned_plan(data, file, settings)
    raise QuotebotError(f"{file} is neither SQuAD v1.1 JSON nor a canned-question file")


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
