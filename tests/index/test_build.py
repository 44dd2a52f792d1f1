"""Building and opening the index: first use, a changed corpus, the fingerprint, reuse after waiting,
and a missing, empty or damaged corpus or index at the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.answer.answerer import Answerer
from bot.frontends.cli import cli
from bot.index import build as index_build
from bot.index import updates as index_updates
from bot.index import format as index_format
from tests.support.paths import ROOT


def collect(messages: list[str]):
    return messages.append


def touch_later(path: Path) -> None:
    """Make sure a rewrite is seen even on file systems with coarse timestamps."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_missing_index_is_built_on_first_use_with_a_message(tiny_corpus):
    said: list[str] = []
    index = index_updates.open_index(tiny_corpus, notify=collect(said))
    assert index.article_count == 3
    assert any("first use" in m for m in said), said
    assert any(m.startswith("Indexed 3 articles") for m in said)
    said.clear()
    index_updates.open_index(tiny_corpus, notify=collect(said))
    assert said == []  # current index: loaded silently


@pytest.mark.parametrize("change", ["add", "edit", "delete", "sidecar"])
def test_stale_corpus_is_rebuilt_and_said(tiny_corpus, change):
    index_updates.open_index(tiny_corpus)
    corpus = tiny_corpus.corpus_dir
    if change == "add":
        (corpus / "sub").mkdir()
        (corpus / "sub" / "d.txt").write_text("Zoo gets pandas\n\nThe zoo welcomed two giant pandas on Sunday.\n")
    elif change == "edit":
        path = corpus / "c.txt"
        path.write_text(path.read_text().replace("30 centimetres", "45 centimetres"))
        touch_later(path)
    elif change == "delete":
        (corpus / "b.txt").unlink()
    else:
        (corpus / "a.txt").with_suffix(".json").write_text('{"publisher": "Portville Wire"}')
    said: list[str] = []
    index = index_updates.open_index(tiny_corpus, notify=collect(said))
    assert any("changed; indexed 1 changed file" in m for m in said), said
    a = Answerer(index, tiny_corpus.answering)
    if change == "add":
        assert a.answer("giant pandas zoo").found
    elif change == "edit":
        assert "45 centimetres" in a.answer("How much snow is expected?").passages[0].quote
    elif change == "delete":
        assert index.article_count == 2 and not a.answer("Who cut the ribbon at the library?").found
    else:
        assert a.answer("steel cables").passages[0].source.publisher == "Portville Wire"
    said.clear()
    index_updates.open_index(tiny_corpus, notify=collect(said))
    assert said == []


def test_fingerprint_changes_with_same_size_same_mtime_edit(tiny_corpus):
    path = tiny_corpus.corpus_dir / "a.txt"
    before = index_build.fingerprint(tiny_corpus.corpus_dir)
    st = path.stat()
    path.write_text(path.read_text().replace("412", "413"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # size and mtime as before: ctime still moves
    assert path.stat().st_size == st.st_size
    assert index_build.fingerprint(tiny_corpus.corpus_dir) != before


def test_build_reports_counts_and_reuse_after_waiting(tiny_corpus):
    _, first = index_build.build(tiny_corpus)
    _, again = index_build.build(tiny_corpus)  # an explicit build always builds...
    assert not again.reused
    _, reused = index_build.build(tiny_corpus, reuse=True)  # ...open_index's build keeps a current index
    assert reused.reused and (reused.articles, reused.sentences) == (first.articles, first.sentences)


def test_only_one_build_folder_kept(tiny_corpus):
    for _ in range(3):
        index_build.build(tiny_corpus)
    names = [p.name for p in tiny_corpus.index_dir.iterdir()]
    assert len([n for n in names if n.startswith("build-")]) == 1
    assert "CURRENT.tmp" not in names


# -- bad input at the command line ---------------------------------------------------------------

def _one_clear_line(output: str, name: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert name in lines[0] and "Traceback" not in output


@pytest.mark.parametrize("command", [["build"], ["ask", "hello"]])
def test_cli_missing_corpus_folder(tmp_path, command):
    missing = tmp_path / "no-such-folder"
    result = CliRunner().invoke(cli, [*command, "--corpus", str(missing), "--index", str(tmp_path / "i")])
    assert result.exit_code == 2, result.output
    _one_clear_line(result.output, str(missing))
    assert not (tmp_path / "i").exists()  # nothing written for a corpus that is not there


@pytest.mark.parametrize("content", [None, "", "  \n\n"])
@pytest.mark.parametrize("command", [["build"], ["ask", "hello"]])
def test_cli_empty_corpus(tmp_path, command, content):
    corpus = tmp_path / "empty"
    corpus.mkdir()
    if content is not None:
        (corpus / "blank.txt").write_text(content)
    result = CliRunner().invoke(cli, [*command, "--corpus", str(corpus), "--index", str(tmp_path / "i")])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and str(corpus) in errors[0], result.output
    assert "Traceback" not in result.output


def _run(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("QUOTEBOT_CORPUS", None)
    env.pop("QUOTEBOT_INDEX", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_subprocess_missing_and_empty_corpus(tmp_path):
    missing = _run(["ask", "hello", "--corpus", "nowhere"], tmp_path)
    assert missing.returncode == 2 and missing.stdout == ""
    _one_clear_line(missing.stderr, "nowhere")
    (tmp_path / "empty").mkdir()
    empty = _run(["build", "--corpus", "empty"], tmp_path)
    assert empty.returncode == 2 and "Traceback" not in empty.stderr
    _one_clear_line(empty.stderr, "empty")


def test_subprocess_corrupt_index_is_rebuilt_with_a_warning(tiny_corpus, tmp_path):
    args = ["--corpus", str(tiny_corpus.corpus_dir), "--index", str(tiny_corpus.index_dir)]
    first = _run(["ask", "--json", "How many steel cables were replaced?", *args], tmp_path)
    assert first.returncode == 0 and "first use" in first.stderr
    build = index_format.current_build(tiny_corpus.index_dir)
    postings = build / "sent.tf.npy"
    postings.write_bytes(postings.read_bytes()[:-7])
    second = _run(["ask", "--json", "How many steel cables were replaced?", *args], tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Warning:" in second.stderr and "sent.tf.npy" in second.stderr and "rebuilding" in second.stderr
    assert "Traceback" not in second.stderr
    assert json.loads(second.stdout) == json.loads(first.stdout)
    (tiny_corpus.index_dir / "CURRENT").write_bytes(b"\xff\xfe garbage")
    third = _run(["ask", "--json", "How many steel cables were replaced?", *args], tmp_path)
    assert third.returncode == 0 and "Warning:" in third.stderr
    assert json.loads(third.stdout) == json.loads(first.stdout)


def test_cli_unreadable_index_rebuilt(tiny_corpus):
    """A file that cannot be read at all (here a folder where terms.json should be; chmod does not
    stop root) is reported and the index rebuilt."""
    index_build.build(tiny_corpus)
    build = index_format.current_build(tiny_corpus.index_dir)
    (build / "terms.json").unlink()
    (build / "terms.json").mkdir()
    args = ["--corpus", str(tiny_corpus.corpus_dir), "--index", str(tiny_corpus.index_dir)]
    result = CliRunner().invoke(cli, ["ask", "--json", "Who cut the ribbon?", *args])
    assert result.exit_code == 0, result.output
    assert "Warning:" in result.output and "terms.json" in result.output
    assert json.loads(result.output.splitlines()[-1])["found"]
