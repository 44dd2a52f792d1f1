"""A progress bar on stderr for the long commands (build, eval): drawn on a terminal only, and only
once there is enough work to show."""

from __future__ import annotations

import sys

import click


class ProgressBar:
    """A `progress(done, total)` callback that draws a click progress bar; use it as a context manager
    so the bar is closed (its line ended) when the work is."""

    def __init__(self, label: str, minimum: int = 0, enabled: bool | None = None):
        self.label = label
        self.minimum = minimum  # draw nothing for less work than this
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < self.minimum:
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None
