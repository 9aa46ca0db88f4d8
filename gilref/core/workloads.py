"""Workloads: the units of work the harness times.

Each workload is a plain module-level function, so it can be sent to another
process under every multiprocessing start method (fork, forkserver, spawn).
They use only the standard library and run on any Python 3.9+ interpreter.
"""

from __future__ import annotations

import time

from ._checks import check_int, check_seconds

__all__ = ["countdown", "io_wait", "split_count"]


def countdown(n: int) -> int:
    """Count *n* down to zero in pure Python; return the number of steps taken.

    This is the classic CPU-bound loop (``while n > 0: n -= 1``): every step
    runs Python bytecode, so a thread running it needs the GIL the whole time.
    On CPython 3.11 one step takes roughly 20-50 nanoseconds.

    :param n: how many steps to count; an ``int`` >= 0.
    :raises TypeError: if *n* is not an ``int``.
    :raises ValueError: if *n* is negative.
    """
    check_int("n", n, minimum=0)
    steps = n
    while n > 0:
        n -= 1
    return steps


def io_wait(seconds: float) -> float:
    """Block for *seconds* the way I/O blocks, and return the seconds waited.

    The wait is a :func:`time.sleep`, which releases the GIL just as a read
    from a socket or a file does while the thread waits for the operating
    system; other threads run meanwhile.

    :param seconds: how long to wait, in seconds (>= 0, finite).
    :returns: the measured wall-clock duration of the wait, in seconds.
    :raises TypeError: if *seconds* is not a number.
    :raises ValueError: if *seconds* is negative, infinite or NaN.
    """
    wait = check_seconds("seconds", seconds)
    start = time.perf_counter()
    time.sleep(wait)
    return time.perf_counter() - start


def split_count(total: int, parts: int) -> list[int]:
    """Split *total* steps into *parts* near-equal counts that sum to *total*.

    >>> split_count(10, 3)
    [4, 3, 3]

    :param total: the number of countdown steps to share out (>= 0).
    :param parts: how many workers share them (>= 1).
    """
    check_int("total", total, minimum=0)
    check_int("parts", parts, minimum=1)
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]
