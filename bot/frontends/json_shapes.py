"""The JSON objects the CLI prints (`ask --json`, `show --json`): names other tools rely on."""

from __future__ import annotations

from dataclasses import fields

from bot.answer.passages import Answer
from bot.corpus.types import Article, Skipped, Source


_SOURCE_FIELDS = tuple(f.name for f in fields(Source) if f.name != "place")


def source_json(source: Source) -> dict:
    """A passage's or a page's source: title, publisher, byline, date, url, path (read field by field:
    dataclasses.asdict deep-copies, a tenth of a millisecond a passage)."""
    return {name: getattr(source, name) for name in _SOURCE_FIELDS}


def answer_json(answer: Answer) -> dict:
    return {
        "question": answer.question,
        "found": answer.found,
        "confidence": round(answer.confidence, 4),
        "searched_for": list(answer.searched_for),
        "corrections": [{"typed": a, "searched": b} for a, b in answer.corrections],
        "related": [{"word": w, "for": asked} for w, asked in answer.related_words],
        "passages": [
            {
                "quote": p.quote,
                "sentence": p.sentence,
                "start": p.start,
                "end": p.end,
                "terms": list(p.terms),
                "score": p.score,
                "bm25": p.bm25,
                "source": source_json(p.source),
                "also": [s.path for s in p.also],
            }
            for p in answer.passages
        ],
    }


def page_json(page: Article | Skipped, dropped: list[tuple[str, str]] | None = None) -> dict:
    """What the index will hold of one file: its source and kept paragraphs, or why it is skipped;
    with `dropped`, every line left out and the rule (snake_case) that left it out."""
    if isinstance(page, Skipped):
        out = {"path": page.path, "skipped": page.reason}
    else:
        out = {
            "path": page.source.path,
            "source": source_json(page.source),
            "paragraphs": [{"kind": p.kind, "text": page.paragraph_text(p)} for p in page.paragraphs],
        }
    if dropped is not None and isinstance(page, Article):
        out["dropped"] = [{"text": text, "rule": rule} for text, rule in dropped]
    return out
