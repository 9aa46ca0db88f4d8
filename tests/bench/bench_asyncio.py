"""Speed goals of the asyncio chapter, as benchmarks (``nox -s bench``), never as tests."""

from __future__ import annotations

from gilref.topics import aio
from gilref.topics.release import asyncio_waits


def test_one_event_loop_waits_on_a_thousand_things_at_once(benchmark):
    """Goal: 1,000 waits of 100 ms on one event loop take < 1.5 waits (the chapter's claim);
    on 1,000 threads, < 10 waits (100 s one after another)."""
    suite = benchmark.pedantic(aio.sleeps_suite, args=(1000, 0.1), kwargs={"repeats": 5},
                               rounds=1, iterations=1)
    a, t = suite.get("waits", "asyncio"), suite.get("waits", "threads")
    benchmark.extra_info.update(asyncio_s=round(a.median, 4), threads_s=round(t.median, 4))
    print(f"\n1,000 waits of 0.1 s: {a.median:.3f} s on one event loop, {t.median:.3f} s on threads")
    assert a.median < 1.5 * 0.1
    assert t.median < 10 * 0.1


def test_gathered_waits_take_about_one_wait(benchmark):
    """Goal: 3 gathered waits of 50 ms take < 2 waits (one after another: 3)."""
    t = benchmark.pedantic(asyncio_waits, args=(3, 0.05), kwargs={"repeats": 5}, rounds=1, iterations=1)
    benchmark.extra_info["median_s"] = round(t.median, 4)
    print(f"\n3 gathered waits of 0.05 s: {t.median:.3f} s")
    assert t.median < 2 * 0.05
