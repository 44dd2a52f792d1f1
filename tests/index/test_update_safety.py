"""Updates and merges against crashes, a full disk and each other: SIGKILL or a sudden death at any
step leaves an index that answers exactly as before the change or exactly as after it; a failed write
leaves the old index serving and is said once; two processes on one index see each other's commits."""

from __future__ import annotations

import errno
import logging
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from bot.answer.answerer import Answerer
from bot.answer.live import LiveAnswerer
from bot.config import Settings
from bot.index import build as index_build
from bot.index import format as index_format
from bot.index import updates as index_updates
from tests.index.test_index_safety import write_articles
from tests.support.answers import answers
from tests.support.paths import ROOT

QUESTIONS = ["harbor lomund quoova", "Title number 3 of 7", "Title number 5 of 8", "stenric palpen drusel"]


def _bot(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _expected(folder, tmp_path, name: str) -> list[dict]:
    settings = Settings(corpus_dir=folder, index_dir=tmp_path / name)
    index, _ = index_build.build(settings)
    return answers(index, settings, QUESTIONS)


def _leftovers(index_dir) -> list[str]:
    """Folders and commits that the current commit does not name (none once a writer has finished)."""
    name = index_format.current_name(index_dir)
    named = {name}
    if name.startswith("commit-"):
        named |= {g["name"] for g in index_format.read_commit(index_dir, name)["segments"]}
    return sorted(p.name for p in index_dir.iterdir()
                  if p.name.startswith(("build-", "commit-", "merge-")) and p.name not in named)


def test_sigkill_during_add_leaves_the_index_before_or_after(tmp_path):
    corpus = tmp_path / "corpus"
    write_articles(corpus, 40, 7)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    index_build.build(settings)
    before = answers(index_format.load(settings.index_dir)[0], settings, QUESTIONS)
    staging = tmp_path / "staging"
    write_articles(staging, 60, 8)
    probe = tmp_path / "probe"
    write_articles(probe / "corpus", 40, 7)
    write_articles(probe / "corpus" / "staging", 60, 8)
    after = _expected(probe / "corpus", tmp_path, "fresh")
    args = ["add", str(staging), "--corpus", str(corpus), "--index", str(settings.index_dir)]
    started = time.perf_counter()
    assert _bot(["add", str(staging), "--corpus", str(probe / "corpus"), "--index", str(probe / "index")]).wait(120) == 0
    total = time.perf_counter() - started
    rng = random.Random(11)
    seen = set()
    for delay in [rng.uniform(0.1, 0.95) * total for _ in range(4)]:
        proc = _bot(args)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        now = answers(index_format.load(settings.index_dir)[0], settings, QUESTIONS)
        assert now in (before, after), delay
        seen.add("after" if now == after else "before")
    finished = _bot(args)
    out, err = finished.communicate(timeout=120)
    assert finished.returncode == 0, err
    assert answers(index_format.load(settings.index_dir)[0], settings, QUESTIONS) == after
    assert _leftovers(settings.index_dir) == []
    print("kills saw:", seen)


STEPS = ["segment written", "commit written", "pointer switched", "old ones about to be removed"]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("work", ["update", "merge"])
def test_sudden_death_at_each_step_of_an_update_or_a_merge(tmp_path, step, work):
    """A forked child dies (os._exit, no clean-up) at one step; the parent finds the old answers or
    the new ones, and the next update or merge finishes and leaves nothing behind."""
    corpus = tmp_path / "corpus"
    write_articles(corpus, 20, 7)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    index_build.build(settings)
    if work == "merge":  # two segments to merge, and a deletion for the merge to drop
        write_articles(corpus / "more", 10, 8)
        index_updates.update(settings)
        (corpus / "art7_0003.txt").unlink()
        index_updates.update(settings)
    else:
        write_articles(corpus / "more", 10, 8)
        (corpus / "art7_0003.txt").unlink()
    before = answers(index_format.load(settings.index_dir)[0], settings, QUESTIONS)
    after = _expected(corpus, tmp_path, "fresh")
    pid = os.fork()
    if pid == 0:  # child
        try:
            die = lambda *a, **k: os._exit(9)  # noqa: E731
            if step == "segment written":
                real = index_format.write_segment
                index_format.write_segment = lambda *a, **k: (real(*a, **k), os._exit(9))
            elif step == "commit written":
                real_commit = index_format.write_commit
                index_format.write_commit = lambda *a, **k: (real_commit(*a, **k), os._exit(9))
            elif step == "pointer switched":
                real_point = index_format.point_current
                index_format.point_current = lambda *a, **k: (real_point(*a, **k), os._exit(9))
            else:
                index_format.remove_old_builds = die
            if work == "merge":
                index_updates.merge(settings)
            else:
                index_updates.update(settings)
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 9
    now = answers(index_format.load(settings.index_dir)[0], settings, QUESTIONS)
    assert now == (after if step in STEPS[2:] else before)
    assert before != after or work == "merge"
    index, report = index_updates.merge(settings) if work == "merge" else index_updates.update(settings)
    assert answers(index, settings, QUESTIONS) == after
    assert answers(index_format.load(settings.index_dir)[0], settings, QUESTIONS) == after
    if work == "merge":
        assert report.segments == 1
    assert _leftovers(settings.index_dir) == []


def test_a_full_disk_keeps_the_old_index_serving_and_is_said_once(tiny_corpus, monkeypatch, caplog):
    live = LiveAnswerer(Answerer(index_updates.open_index(tiny_corpus), tiny_corpus.answering), tiny_corpus)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(index_format, "write_segment", full)
    (tiny_corpus.corpus_dir / "d.txt").write_text("Volcano erupts\n\nThe volcano erupted at dawn.\n")
    with caplog.at_level(logging.WARNING, logger="bot.answer.live"):
        assert live.check_once() is False
        (tiny_corpus.corpus_dir / "e.txt").write_text("Zoo gets pandas\n\nThe zoo welcomed two pandas.\n")
        assert live.check_once() is False
    said = [r.getMessage() for r in caplog.records if "No space left" in r.getMessage()]
    assert len(said) == 1 and "still answering from the previous one" in said[0]
    assert live.answer("steel cables").found and not live.answer("volcano erupted").found
    monkeypatch.undo()
    assert live.check_once() is True  # the disk has room again: both files come in
    assert live.answer("volcano erupted").found and live.answer("giant pandas zoo").found


def test_two_processes_on_one_index_see_each_others_commits(tiny_corpus):
    """Two bots (webhook replicas) on one index folder: one indexes a new file, the other loads the
    commit at its next look, without writing anything itself."""
    first = LiveAnswerer(Answerer(index_updates.open_index(tiny_corpus), tiny_corpus.answering), tiny_corpus)
    second = LiveAnswerer(Answerer(index_format.load(tiny_corpus.index_dir)[0], tiny_corpus.answering), tiny_corpus)
    (tiny_corpus.corpus_dir / "d.txt").write_text("Volcano erupts\n\nThe volcano erupted at dawn.\n")
    done = subprocess.run([sys.executable, "-m", "bot", "add", str(tiny_corpus.corpus_dir / "d.txt"), "--corpus",
                           str(tiny_corpus.corpus_dir), "--index", str(tiny_corpus.index_dir)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    committed = index_format.current_name(tiny_corpus.index_dir)
    for live in (first, second):
        assert live.check_once() is True
        assert live.answer("volcano erupted").found
    assert index_format.current_name(tiny_corpus.index_dir) == committed  # loaded, not written again
