"""`quotebot eval` on the news-qa format (saved pages or whole-page text, refusals by topic) and with
distractor articles added to any plan's corpus."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.config import Settings
from bot.eval.run import evaluate
from tests.corpus.test_html import PAGE
from tests.support.paths import CANNED, ROOT, SQUAD_TINY

QUESTIONS = [
    {"id": "d001", "file": "bridge.html", "question": "How many steel cables did engineers replace on the bridge?",
     "answer": "412 steel cables", "sentence": "-", "kind": "fact"},
    {"id": "x001", "question": "How much did the bridge repairs cost each lane?", "topic": "on", "kind": "none"},
    {"id": "x002", "question": "What is the official language of Brazil?", "topic": "unrelated", "kind": "none"},
]


def news_qa(tmp_path):
    folder = tmp_path / "news-qa"
    (folder / "pages").mkdir(parents=True)
    (folder / "pages" / "bridge.html").write_text(PAGE, encoding="utf-8")
    (folder / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n", encoding="utf-8")
    return folder


def settings_for(tmp_path) -> Settings:
    return Settings(corpus_dir=ROOT / "seeds", index_dir=tmp_path / "unused")


def test_news_qa_pages_as_saved_and_as_text(tmp_path):
    folder = news_qa(tmp_path)
    for form in ("html", "text"):
        report = evaluate(folder, settings_for(tmp_path), form=form)
        assert (report.kind, report.questions, report.in_corpus) == ("news-qa", 3, 1)
        assert report.quotebot.recall[1] == 1.0 and report.unreachable == 0
        assert set(report.quotebot.refused_by_topic) == {"on", "unrelated"}
        assert report.quotebot.refused_by_topic["unrelated"] == 1.0


def test_distractors_join_the_corpus_and_are_never_asked(tmp_path):
    alone = evaluate(SQUAD_TINY, settings_for(tmp_path))
    pages = news_qa(tmp_path) / "pages"
    more = evaluate(SQUAD_TINY, settings_for(tmp_path), distractors=[SQUAD_TINY, pages])
    assert more.questions == alone.questions and more.articles > alone.articles
    canned = evaluate(CANNED, settings_for(tmp_path), distractors=[pages])
    assert canned.articles == 3 and canned.canned_right == evaluate(CANNED, settings_for(tmp_path)).canned_right


def test_the_command_reads_a_news_qa_folder(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bot", "eval", str(news_qa(tmp_path)), "--json",
                           "--distractors", str(SQUAD_TINY)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["kind"] == "news-qa" and report["quotebot"]["refused_by_topic"]["unrelated"] == 1.0
    bad = subprocess.run([sys.executable, "-m", "bot", "eval", str(tmp_path / "news-qa" / "pages")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode != 0 and "news-qa" in bad.stderr and "Traceback" not in bad.stderr
