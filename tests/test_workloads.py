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


def test_io_wait_waits_about_as_long_as_asked():
    waited = io_wait(0.02)
    assert 0.02 <= waited < 1.0


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


def test_io_wait_releases_the_gil_so_waits_overlap():
    import threading

    threads = [threading.Thread(target=io_wait, args=(0.2,)) for _ in range(4)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert time.perf_counter() - start < 0.7  # serial would be 0.8 s


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
