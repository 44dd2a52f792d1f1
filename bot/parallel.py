"""Work cut into runs of items and mapped over them, on every core when that pays.

Reading article files, sketching them for duplicates and analysing their terms are each one pure
function over runs (lo, hi) of a sequence.  `map_chunks` runs it in this process, or in a pool of
forked workers that inherit the function and the sequence through the fork: nothing of the work
is pickled, only the bounds go out and the results come back, in order.
"""

from __future__ import annotations

import os
import threading
from typing import Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Bounds = tuple[int, int]

# More workers than this stop paying: the parent, which merges the results, becomes the bottleneck.
MAX_WORKERS = 8

# In a pool worker: the function and the work inherited from the parent (always None in the parent).
_inherited: tuple[Callable, Sequence] | None = None


def worker_count() -> int:
    """How many workers a pool would have with work enough for all of them."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


def fork_is_safe() -> bool:
    """Whether this process may fork workers now."""
    import multiprocessing  # (here, not at the top: a start-up that answers a question never forks)

    # Forking a process that runs other threads (a bot reloading its index) can copy a held lock.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def map_chunks(fn: Callable[[Sequence[T], int], R], work: Sequence[T], bounds: Sequence[Bounds], *,
               parallel: bool = True) -> Iterator[R]:
    """fn(work[lo:hi], lo) for each (lo, hi) of `bounds`, yielded in that order.

    `parallel` is the caller's judgement that the work is big enough to pay for starting a pool.
    The pool is used when it is set, there are two chunks and two cores or more, and forking is
    safe; otherwise the chunks run here, one after another, with the same results."""
    workers = min(worker_count(), len(bounds))
    if not parallel or workers < 2 or not fork_is_safe():
        for lo, hi in bounds:
            yield fn(work[lo:hi], lo)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    # A forked worker receives initargs as they are in memory (no pickling): the work is handed over once.
    with context.Pool(workers, initializer=_inherit, initargs=(fn, work)) as pool:
        yield from pool.imap(_run_chunk, bounds)


def _inherit(fn: Callable, work: Sequence) -> None:
    global _inherited
    _inherited = (fn, work)


def _run_chunk(bounds: Bounds):
    assert _inherited is not None, "only called in a pool worker"
    fn, work = _inherited
    lo, hi = bounds
    return fn(work[lo:hi], lo)


def bounds_by_count(count: int, size: int) -> list[Bounds]:
    """Consecutive (lo, hi) runs of `size` items (the last one shorter) covering `count` items."""
    return [(lo, min(lo + size, count)) for lo in range(0, count, size)]


def bounds_by_size(sizes: Sequence[int], target: int) -> list[Bounds]:
    """Consecutive (lo, hi) runs of items whose sizes add up to about `target` each."""
    bounds, lo, held = [], 0, 0
    for i, n in enumerate(sizes):
        held += n
        if held >= target:
            bounds.append((lo, i + 1))
            lo, held = i + 1, 0
    if lo < len(sizes):
        bounds.append((lo, len(sizes)))
    return bounds
