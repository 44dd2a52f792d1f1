"""Making sure a test that means the fork pool of bot.parallel really ran there."""

from __future__ import annotations

import multiprocessing.pool

from bot import parallel


def watch_pools(monkeypatch) -> list[int]:
    """A list that gets, for every fork pool started from now on, how many chunks it was handed.

    The pool is also let run as it would on a quiet machine with two cores or more: even when an
    earlier test left a thread behind (which makes forking unsafe for the bot, not for this test)
    or the machine has a single core."""
    pools: list[int] = []
    real_imap = multiprocessing.pool.Pool.imap

    def imap(self, func, iterable, chunksize=1):
        items = list(iterable)
        pools.append(len(items))
        return real_imap(self, func, items, chunksize)

    monkeypatch.setattr(multiprocessing.pool.Pool, "imap", imap)
    monkeypatch.setattr(parallel, "fork_is_safe", lambda: True)
    real_count = parallel.worker_count
    monkeypatch.setattr(parallel, "worker_count", lambda: max(2, real_count()))
    return pools
