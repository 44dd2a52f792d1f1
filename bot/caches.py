"""A dict that empties itself when full: for what a server makes per article and keeps (sources,
titles and their terms), which over a big folder would otherwise grow to hold every article, and
which the garbage collector walks whole at each full collection."""

from __future__ import annotations


class ClearedWhenFull(dict):
    """Holds at most `limit` entries: storing one more when full starts it afresh (the entries are
    cheap to make again; the ones asked for next come back first)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value) -> None:
        if len(self) >= self.limit and key not in self:
            self.clear()
        super().__setitem__(key, value)
