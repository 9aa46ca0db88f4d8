"""What an uncontended lock costs a single thread.

The usual argument for one big lock: locking at a fine grain -- around every
small operation -- would make single-threaded code slower (older editions of
the Python FAQ said about twice as slow, of the free-threading patches of the
Python 1.5 days; as of Python 3.13 it says at least 30 % slower).
:func:`measure` times, in one thread and without any contention:

``empty``
    ``for _ in range(n): pass`` -- the loop alone;
``acquire_release``
    ``acquire(); release()`` of a :class:`threading.Lock` per iteration;
``with_lock``
    ``with lock: pass`` per iteration;
``increment``
    ``x += 1`` per iteration;
``locked_increment``
    ``with lock: x += 1`` per iteration.

Each is run *repeats* times, interleaved, and stored in nanoseconds per
iteration. :func:`summary` turns them into the figures the book quotes.

Standard library only; runs on CPython 3.9+ (GIL or free-threaded) and PyPy.
"""

from __future__ import annotations

import sys
import threading
import time
from functools import partial
from typing import Any, Callable

from ..core._checks import check_int
from ..core.harness import MIN_REPEATS, interleave
from ..core.hostinfo import collect_metadata
from ..core.results import Suite, Timing

__all__ = ["LOOPS", "measure", "profile", "summary"]

WORKLOAD = "lock_cost"


def _empty(n: int, lock: Any) -> None:
    for _ in range(n):
        pass


def _acquire_release(n: int, lock: Any) -> None:
    acquire, release = lock.acquire, lock.release
    for _ in range(n):
        acquire()
        release()


def _with_lock(n: int, lock: Any) -> None:
    for _ in range(n):
        with lock:
            pass


def _increment(n: int, lock: Any) -> int:
    x = 0
    for _ in range(n):
        x += 1
    return x


def _locked_increment(n: int, lock: Any) -> int:
    x = 0
    for _ in range(n):
        with lock:
            x += 1
    return x


#: The measured loops, by mode name, in the order they are run.
LOOPS: dict[str, Callable[[int, Any], Any]] = {
    "empty": _empty,
    "acquire_release": _acquire_release,
    "with_lock": _with_lock,
    "increment": _increment,
    "locked_increment": _locked_increment,
}


def measure(n: int = 1_000_000, *, repeats: int = 7, warmups: int = 1) -> Suite:
    """Time every loop of :data:`LOOPS` over *n* iterations, *repeats* times each.

    The loops run interleaved (:func:`gilref.core.harness.interleave`: the
    warmups of each loop, then A B C D E A B C ...) on the calling thread with
    a fresh, never-contended :class:`threading.Lock`.

    :param n: iterations per run (>= 1000).
    :param repeats: measured runs per loop (>= 5).
    :param warmups: unmeasured runs per loop first (>= 0).
    :returns: a suite with one timing per loop (workload ``"lock_cost"``, the
        loop as mode, 1 worker) in nanoseconds per iteration.
    """
    check_int("n", n, minimum=1000)
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    lock = threading.Lock()
    values, warm = interleave([partial(_ns_per_iteration, loop, n, lock) for loop in LOOPS.values()],
                              repeats=repeats, warmups=warmups)
    suite = Suite(metadata=collect_metadata())
    for name, vals, warmed in zip(LOOPS, values, warm):
        suite.add(Timing(WORKLOAD, name, 1, tuple(vals), tuple(warmed), params={"iterations": n}, unit="ns"))
    return suite


def _ns_per_iteration(loop: Callable[[int, Any], Any], n: int, lock: Any) -> float:
    """Nanoseconds per iteration of one run of *loop*; the clock is read right around it."""
    start = time.perf_counter_ns()
    loop(n, lock)
    return (time.perf_counter_ns() - start) / n


def summary(suite: Suite) -> dict[str, float]:
    """The figures derived from a :func:`measure` suite (medians, in ns per iteration).

    :returns: ``loop_ns`` (the empty loop), ``pair_ns`` (one acquire/release
        pair beyond the loop), ``with_ns`` (one ``with lock:`` beyond the
        loop), ``increment_ns`` (one ``x += 1`` beyond the loop),
        ``locked_ratio`` (locked increment loop time / unlocked increment loop
        time, ×) and ``pair_per_increment`` (``pair_ns / increment_ns``, ×).
    """
    med = {name: suite.get(WORKLOAD, name).median for name in LOOPS}
    loop = med["empty"]
    increment = med["increment"] - loop
    pair = med["acquire_release"] - loop
    return {
        "loop_ns": loop,
        "pair_ns": pair,
        "with_ns": med["with_lock"] - loop,
        "increment_ns": increment,
        "increment_loop_ns": med["increment"],
        "locked_increment_loop_ns": med["locked_increment"],
        "locked_ratio": med["locked_increment"] / med["increment"],
        "pair_per_increment": pair / increment if increment > 0 else float("inf"),
    }


def profile(n: int = 500_000, countdown_n: int = 2_000_000, *, repeats: int = 7) -> dict[str, Any]:
    """This interpreter's lock costs (:func:`measure`) and single-thread countdown time.

    Meant to run inside each interpreter to compare (see
    ``gilref.interp.child.call``): the same CPython version with and without
    the GIL shows what fine-grained locking costs single-threaded code today.

    :param n: iterations per lock-cost loop (>= 1000).
    :param countdown_n: countdown steps timed on one thread (>= 1).
    :returns: JSON-ready dict: ``locks`` (suite dict), ``summary``
        (:func:`summary`), ``countdown`` (timing dict, seconds), ``python``,
        ``free_threaded``, ``gil_enabled``.
    """
    from ..core.harness import measure as measure_job
    from ..core.hostinfo import free_threaded_build, gil_enabled
    from ..core.workloads import countdown

    check_int("countdown_n", countdown_n, minimum=1)
    locks = measure(n, repeats=repeats)
    count = measure_job(countdown, [(countdown_n,)], mode="sequential", repeats=repeats,
                        workload="countdown", params={"n": countdown_n})
    return {
        "locks": locks.to_dict(),
        "summary": summary(locks),
        "countdown": count.to_dict(),
        "python": sys.version.split()[0],
        "free_threaded": free_threaded_build(),
        "gil_enabled": gil_enabled(),
    }
