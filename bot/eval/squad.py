"""SQuAD v1.1 JSON -> article files of a corpus folder, and each question's expected character offsets.

Each article is written as an article file of text: its title on the first line, a blank line, then
its paragraphs separated by blank lines.  An answer's place is its offset in that file, so the
evaluation can check it against the hit sentence's start/end the answerer reports.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import QuotebotError


@dataclass(frozen=True)
class Question:
    qid: str
    question: str
    article: int  # position in the SQuAD file's "data"
    offsets: tuple[int, ...]  # answers' first characters, relative to their paragraph


@dataclass(frozen=True)
class SquadArticle:
    title: str
    paragraphs: tuple[str, ...]
    questions: tuple[tuple[int, Question], ...]  # (paragraph number, question)


@dataclass(frozen=True)
class WrittenArticle:
    path: str  # relative to the corpus folder
    text: str
    paragraph_offsets: tuple[int, ...]  # where each paragraph starts in `text`


def is_squad(data: object) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("data"), list)
            and all(isinstance(a, dict) and "paragraphs" in a for a in data["data"]))


def parse(data: dict) -> list[SquadArticle]:
    """The articles of a loaded SQuAD v1.1 JSON object (questions without answers are skipped)."""
    articles = []
    for a, art in enumerate(data["data"]):
        paragraphs: list[str] = []
        questions: list[tuple[int, Question]] = []
        for p, para in enumerate(art["paragraphs"]):
            paragraphs.append(para["context"])
            for qa in para.get("qas", ()):
                offsets = tuple(sorted({int(x["answer_start"]) for x in qa.get("answers", ())}))
                if offsets:
                    questions.append((p, Question(str(qa.get("id", "")), qa["question"], a, offsets)))
        articles.append(SquadArticle(str(art.get("title") or f"Article {a + 1}"), tuple(paragraphs), tuple(questions)))
    return articles


def load(path: Path) -> list[SquadArticle]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise QuotebotError(f"cannot read {path}: {e}") from None
    if not is_squad(data):
        raise QuotebotError(f"{path} is not SQuAD v1.1 JSON (no data[].paragraphs)")
    return parse(data)


def article_text(article: SquadArticle) -> tuple[str, tuple[int, ...]]:
    """The file text of an article and each paragraph's offset in it."""
    parts = [article.title.replace("_", " ").strip(), ""]
    offsets = []
    pos = len(parts[0]) + 2  # title, newline, blank line
    for paragraph in article.paragraphs:
        offsets.append(pos)
        pos += len(paragraph) + 2
    text = "\n\n".join([parts[0], *article.paragraphs]) + "\n"
    return text, tuple(offsets)


def file_name(number: int, title: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_")[:60] or "article"
    return f"{number:04d}_{slug}.txt"


def write_corpus(articles: list[SquadArticle], folder: Path, keep: set[int] | None = None) -> dict[int, WrittenArticle]:
    """Write the articles (only those in `keep`, when given) as article files into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for a, article in enumerate(articles):
        if keep is not None and a not in keep:
            continue
        text, offsets = article_text(article)
        name = file_name(a, article.title)
        (folder / name).write_bytes(text.encode("utf-8"))
        written[a] = WrittenArticle(name, text, offsets)
    return written
