from __future__ import annotations

import time

import pytest

from gilref.core.workloads import countdown, io_wait, split_count


def test_countdown_returns_steps():
    assert countdown(0) == 0
    assert countdown(12345) == 12345


@pytest.mark.parametrize(("bad", "exc", "words"), [
    (-1, ValueError, "n must be >= 0, got -1"),
    (1.5, TypeError, "n must be an int, not float"),
    ("10", TypeError, "not str"),
    (True, TypeError, "not bool"),
    (None, TypeError, "not NoneType"),
])
def test_countdown_rejects_bad_counts(bad, exc, words):
    with pytest.raises(exc, match=words):
        countdown(bad)


def test_io_wait_returns_the_seconds_it_waited():
    start = time.perf_counter()
    waited = io_wait(0.02)
    outside = time.perf_counter() - start
    assert 0.02 <= waited <= outside  # at least as asked, and what a clock outside saw
    assert outside < 20  # seconds, not milliseconds: 0.02 ms would be 20 s (not a speed bound)


@pytest.mark.parametrize(("bad", "exc", "words"), [
    (-0.1, ValueError, "seconds must be >= 0"),
    (float("inf"), ValueError, "finite"),
    (float("nan"), ValueError, "finite"),
    ("1", TypeError, "number of seconds"),
    (False, TypeError, "number of seconds"),
])
def test_io_wait_rejects_bad_durations(bad, exc, words):
    with pytest.raises(exc, match=words):
        io_wait(bad)


def test_io_wait_releases_the_gil_so_other_threads_run_meanwhile():
    import sys
    import threading

    # With a switch interval longer than the wait, a thread that kept the GIL while waiting
    # would keep this one from running until its wait was over.
    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        waiter = threading.Thread(target=io_wait, args=(3.0,), daemon=True)
        waiter.start()
        ran_while_waiting = waiter.is_alive()
    finally:
        sys.setswitchinterval(old)
    waiter.join(60)
    assert ran_while_waiting, "this thread could not run until io_wait had returned"


@pytest.mark.parametrize(("total", "parts", "expected"), [
    (10, 3, [4, 3, 3]),
    (10, 1, [10]),
    (0, 2, [0, 0]),
    (2, 4, [1, 1, 0, 0]),
])
def test_split_count_is_even_and_complete(total, parts, expected):
    assert split_count(total, parts) == expected
    assert sum(split_count(total, parts)) == total


def test_split_count_rejects_zero_workers():
    with pytest.raises(ValueError, match="parts must be >= 1, got 0"):
        split_count(10, 0)
