"""HTML pages are read in a process that is stopped after a time limit: a page that takes too long
is skipped with a reason naming it, the next page is read by a fresh process, and the build goes on
(in this process or in a pool of readers).  The limit is lowered here, and the slow page is a real
one, only big: trafilatura takes seconds over it."""

from __future__ import annotations

import time

from click.testing import CliRunner

from bot.corpus import html_worker, load
from bot.corpus.load import load_corpus
from bot.frontends.cli import cli
from tests.corpus.test_html import PAGE
from tests.support.corpora import write
from tests.support.pools import watch_pools

LIMIT = 0.5
# ~2 MB of article: about 2.5 s of extraction on an idle core, five times the limit.
PARAGRAPH = "<p>The council said the river rose two metres overnight and residents moved to higher ground. " * 3 + "</p>\n"
SLOW_PAGE = ("<html><head><title>Flood report</title></head><body><article><h1>Flood report</h1>"
             + PARAGRAPH * 8000 + "</article></body></html>")
REASON = f"HTML extraction took over {LIMIT:g} s"


def slow_folder(root):
    write(root, "a-slow.html", SLOW_PAGE)
    write(root, "b-bridge.html", PAGE)
    write(root, "c-notes.txt", "River notes\n\nThe river fell by a metre on Thursday, the council said.\n")


def test_a_page_over_the_limit_is_skipped_and_the_next_page_read(tmp_path, monkeypatch):
    slow_folder(tmp_path)
    monkeypatch.setattr(html_worker, "HTML_SECONDS_LIMIT", LIMIT)
    started = time.monotonic()
    corpus = load_corpus(tmp_path)
    assert time.monotonic() - started < 10
    assert [(s.path, s.reason) for s in corpus.skipped] == [("a-slow.html", REASON)]
    assert [a.source.path for a in corpus.articles] == ["b-bridge.html", "c-notes.txt"]
    assert corpus.articles[0].source.title == "Harbour bridge reopens after repairs"


def test_pool_readers_stop_their_own_slow_pages(tmp_path, monkeypatch):
    slow_folder(tmp_path)
    monkeypatch.setattr(html_worker, "HTML_SECONDS_LIMIT", LIMIT)
    monkeypatch.setattr(load, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(load, "_READ_CHUNK", 1)
    pools = watch_pools(monkeypatch)
    corpus = load_corpus(tmp_path)
    assert pools[:1] == [3]  # the three files were read in the pool
    assert [(s.path, s.reason) for s in corpus.skipped] == [("a-slow.html", REASON)]
    assert [a.source.path for a in corpus.articles] == ["b-bridge.html", "c-notes.txt"]


def test_build_says_which_page_was_skipped_and_reads_it_again_next_time(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    slow_folder(corpus)
    monkeypatch.setattr(html_worker, "HTML_SECONDS_LIMIT", LIMIT)
    args = ["build", "--corpus", str(corpus), "--index", str(tmp_path / "index")]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert f"Skipped a-slow.html: {REASON}\n" in first.stderr
    assert first.stdout.startswith("Indexed 2 articles, ") and "(3 files read, 0 from the cache)" in first.stdout
    # A time limit is no verdict on the file (the machine may have been busy): it is tried again.
    second = CliRunner().invoke(cli, args)
    assert f"Skipped a-slow.html: {REASON}\n" in second.stderr
    assert "(1 file read, 2 from the cache)" in second.stdout
