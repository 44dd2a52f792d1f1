"""bot.frontends.progress: the progress bar of build and eval, drawn only on a terminal and for
enough work."""

from __future__ import annotations

import io

from bot.frontends import progress as progress_module
from bot.frontends.progress import ProgressBar


def test_nothing_is_drawn_when_disabled_or_for_little_work(monkeypatch, capsys):
    with ProgressBar("Asking", enabled=False) as bar:
        bar(0, 1000)
        bar(1000, 1000)
    with ProgressBar("Indexing articles", minimum=200, enabled=True) as bar:
        bar(10, 100)
    assert capsys.readouterr().err == ""


def test_the_bar_follows_the_work_and_ends_its_line(monkeypatch):
    err = io.StringIO()
    err.isatty = lambda: True
    monkeypatch.setattr(progress_module.sys, "stderr", err)
    with ProgressBar("Asking") as bar:
        bar(0, 300)
        bar(100, 300)
        bar(300, 300)
    out = err.getvalue()
    assert "Asking" in out and "100%" in out and out.endswith("\n")
