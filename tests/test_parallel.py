"""The fork-pool helper: the same results in order whether chunks run here or in forked workers."""

from __future__ import annotations

import os
import threading

import pytest

from bot import parallel
from bot.parallel import bounds_by_count, bounds_by_size, map_chunks
from tests.support.pools import watch_pools


def where_and_what(chunk, first):
    return os.getpid(), first, list(chunk)


def test_bounds_by_count_cover_every_item_once():
    assert bounds_by_count(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert bounds_by_count(8, 4) == [(0, 4), (4, 8)]
    assert bounds_by_count(0, 4) == []


def test_bounds_by_size_close_a_run_once_it_holds_the_target():
    assert bounds_by_size([3, 3, 3, 10, 1], 5) == [(0, 2), (2, 4), (4, 5)]
    assert bounds_by_size([7], 5) == [(0, 1)]
    assert bounds_by_size([], 5) == []


def test_pool_and_this_process_give_the_same_results_in_order(monkeypatch):
    work = [f"item {i}" for i in range(50)]
    bounds = bounds_by_count(len(work), 7)
    here = list(map_chunks(where_and_what, work, bounds, parallel=False))
    assert {pid for pid, _, _ in here} == {os.getpid()}
    assert [(first, chunk) for _, first, chunk in here] == [(lo, work[lo:hi]) for lo, hi in bounds]

    pools = watch_pools(monkeypatch)
    pooled = list(map_chunks(where_and_what, work, bounds))
    assert pools == [len(bounds)]
    assert os.getpid() not in {pid for pid, _, _ in pooled}
    assert [(first, chunk) for _, first, chunk in pooled] == [(first, chunk) for _, first, chunk in here]


def test_the_work_reaches_the_workers_by_fork_not_by_pickling(monkeypatch):
    """A closure over an unpicklable object: it could not be sent to a spawned worker."""
    locks = [threading.Lock() for _ in range(6)]

    def unlocked(chunk, first):
        return [(first + i, lock.locked()) for i, lock in enumerate(chunk)]

    pools = watch_pools(monkeypatch)
    out = [pair for part in map_chunks(unlocked, locks, bounds_by_count(6, 2)) for pair in part]
    assert pools == [3] and out == [(i, False) for i in range(6)]


def test_one_chunk_runs_here(monkeypatch):
    pools = watch_pools(monkeypatch)
    assert [pid for pid, _, _ in map_chunks(where_and_what, list(range(20)), [(0, 20)])] == [os.getpid()]
    assert pools == []


def test_work_runs_here_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not parallel.fork_is_safe()  # a forked copy of a lock held by that thread would stay held
        pids = {pid for pid, _, _ in map_chunks(where_and_what, list(range(20)), bounds_by_count(20, 5))}
    finally:
        stop.set()
        other.join()
    assert pids == {os.getpid()}


def test_an_error_in_a_chunk_reaches_the_caller(monkeypatch):
    def fail_on_third(chunk, first):
        if first == 2:
            raise ValueError(f"chunk at {first}")
        return first

    pools = watch_pools(monkeypatch)
    for in_pool in (False, True):
        with pytest.raises(ValueError, match="chunk at 2"):
            list(map_chunks(fail_on_third, range(4), bounds_by_count(4, 1), parallel=in_pool))
    assert pools == [4]
