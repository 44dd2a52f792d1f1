"""The news-qa format: a folder with `questions.jsonl` and `pages/` (saved HTML pages).

Answerable records name their page (`file`) and an `answer` phrase; the set's rule: a passage is right
when its hit sentence holds the answer (whitespace collapsed, case folded).  Unanswerable records carry
`topic` ("on": about a page's subject; "unrelated"), reported apart.  `form`: the pages as saved
("html"), or each rendered as whole-page text (`html_text.extract_text`, defaults, the `bench` extra)
into NAME.txt ("text"), as a scraper writes it; a passage's file still names its page by its stem.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bot.errors import QuotebotError
from bot.eval.metrics import Case

FORMS = ("html", "text")


def is_newsqa(path: Path) -> bool:
    folder = path if path.is_dir() else path.parent
    return (folder / "questions.jsonl").is_file() and (folder / "pages").is_dir()


def cases(path: Path, form: str) -> list[Case]:
    folder = path if path.is_dir() else path.parent
    out = []
    try:
        lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as e:
        raise QuotebotError(f"cannot read {folder / 'questions.jsonl'}: {e}") from None
    for r in records:
        if r.get("file"):
            name = r["file"] if form == "html" else str(Path(r["file"]).with_suffix(".txt"))
            out.append(Case(r["question"], name, answer=r["answer"]))
        else:
            out.append(Case(r["question"], None, topic=r.get("topic")))
    return out


def write_pages(path: Path, form: str, folder: Path) -> None:
    """The set's pages into `folder`, as saved or as whole-page text."""
    pages = (path if path.is_dir() else path.parent) / "pages"
    if form == "html":
        shutil.copytree(pages, folder, dirs_exist_ok=True)
        return
    try:
        import html_text
        from trafilatura.utils import decode_file
    except ImportError:
        raise QuotebotError("--form text renders pages with html-text: pip install 'quotebot[bench]'") from None
    folder.mkdir(parents=True, exist_ok=True)
    for page in sorted(pages.iterdir()):
        if page.is_file():
            text = html_text.extract_text(decode_file(page.read_bytes()))
            (folder / page.with_suffix(".txt").name).write_text(text, encoding="utf-8")
