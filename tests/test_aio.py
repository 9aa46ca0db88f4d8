"""asyncio measurements: switches happen where the model says, waits overlap, lag is measured, loops are bounded."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor

import pytest

from gilref.core import _loop
from gilref.topics import aio


def test_coroutines_switch_only_at_awaits():
    assert aio.interleaving("coroutines", 10_000)["switches"] == 1
    out = aio.interleaving("coroutines", 10_000, yield_every=1000)
    assert out["switches"] == 2 * 10 - 1 and out["first_switch_at"] == 1000


def test_threads_are_switched_by_the_interpreter(no_leaked_threads):
    out = aio.interleaving("threads", 3_000_000)
    assert out["kind"] == "threads" and out["steps"] == 3_000_000
    assert out["switches"] >= 1  # the second thread ran before the first finished, or right after it
    assert out["seconds"] > 0


def test_many_waits_overlap_on_one_thread(no_leaked_threads):
    suite = aio.sleeps_suite(200, 0.05, repeats=5, warmups=0)
    a, t = suite.get("waits", "asyncio"), suite.get("waits", "threads")
    assert a.workers == t.workers == 200 and a.params["sum_of_waits_s"] == pytest.approx(10.0)
    # Every run waited at least one wait; how close to one wait they come is a speed goal
    # (tests/bench/bench_asyncio.py), checked on the measured data by the chapter's claim.
    assert len(a.values) == len(t.values) == 5
    assert min(a.values) >= 0.05 and min(t.values) >= 0.05


def test_lag_modes(no_leaked_threads):
    with ProcessPoolExecutor(1) as pool:
        inline = aio.lag_run("inline", 3_000_000, tick=0.005, executor=pool)
        idle = aio.lag_run("idle", tick=0.005)
        thread = aio.lag_run("to-thread", 3_000_000, tick=0.005)
        proc = aio.lag_run("process", 3_000_000, tick=0.005, executor=pool)
    # Inline, the ticker cannot run while the step runs: its worst lag is most of the step.
    assert inline["max_lag_s"] >= 0.5 * inline["cpu_step_s"]
    for r in (inline, idle, thread, proc):
        assert r["ticks"] >= 3 and r["max_lag_s"] >= r["p95_lag_s"] >= r["median_lag_s"] >= 0
    assert multiprocessing.active_children() == []


def test_lag_suite_records_every_mode():
    suite = aio.lag_suite(200_000, repeats=5, modes=("inline", "to-thread"))
    assert [t.mode for t in suite.timings] == ["inline", "to-thread"]
    t = suite.get("ticker-lag", "inline")
    assert len(t.values) == 5 and len(t.params["cpu_step_s"]) == 5 and t.params["cpu_steps"] == 200_000


def test_the_idle_baseline_ticks_as_long_as_one_step_and_the_countdown_is_warmed():
    suite = aio.lag_suite(2_000_000, tick=0.005, repeats=5, modes=("idle", "inline"))
    idle_for = suite.metadata["idle_for_s"]
    assert idle_for == pytest.approx(min(suite.metadata["bare_step_s"]), rel=1.0)
    idle = suite.get("ticker-lag", "idle")
    # The ticker alone waits idle_for after settling for two ticks: about idle_for / tick ticks, not 0.2 s worth.
    assert max(idle.params["ticks"]) <= (idle_for + 3 * 0.005) / 0.005 + 2
    assert suite.metadata["warm_calls"] == aio.WARM_CALLS


def test_lag_run_checks_idle_for():
    with pytest.raises(ValueError, match="idle_for must be > 0"):
        aio.lag_run("idle", idle_for=0)


def test_loops_run_from_inside_a_running_loop(no_leaked_threads):
    async def inside():
        return aio.asyncio_sleeps(10, 0.01), aio.interleaving("coroutines", 100, yield_every=10)

    elapsed, il = asyncio.run(inside())
    assert elapsed >= 0.01 and il["switches"] == 19


def test_loops_are_bounded():
    with pytest.raises((asyncio.TimeoutError, TimeoutError)):
        aio.asyncio_sleeps(5, 2.0, timeout=0.2)
    with pytest.raises(TimeoutError):
        aio.thread_sleeps(2, 1.0, timeout=0.2)
    for t in threading.enumerate():
        if t.name.startswith("gilref"):
            t.join(5)


def test_outside_loop_passes_errors_and_bounds_the_wait():
    async def inside():
        with pytest.raises(ZeroDivisionError):
            _loop.outside_loop(lambda: 1 / 0, 5)
        with pytest.raises(TimeoutError, match="did not finish within 0.1 s"):
            _loop.outside_loop(lambda: threading.Event().wait(1), 0.1)
        return _loop.loop_running()

    assert asyncio.run(inside()) is True
    assert _loop.loop_running() is False


@pytest.mark.parametrize(("call", "exc", "words"), [
    (lambda: aio.interleaving("fibers"), ValueError, "kind must be one of"),
    (lambda: aio.interleaving("threads", 0), ValueError, "steps must be >= 1"),
    (lambda: aio.interleaving("coroutines", 10, yield_every=-1), ValueError, "yield_every must be >= 0"),
    (lambda: aio.asyncio_sleeps(0), ValueError, "count must be >= 1"),
    (lambda: aio.asyncio_sleeps(1, -1.0), ValueError, "seconds must be >= 0"),
    (lambda: aio.sleeps_suite(repeats=2), ValueError, "repeats must be >= 5"),
    (lambda: aio.lag_run("sideways"), ValueError, "mode must be one of"),
    (lambda: aio.lag_run("process"), ValueError, "needs an executor"),
    (lambda: aio.lag_run("inline", 0), ValueError, "cpu_steps must be >= 1"),
    (lambda: aio.lag_run("inline", tick=0), ValueError, "tick must be > 0"),
    (lambda: aio.lag_suite(modes=()), ValueError, "at least one lag mode"),
    (lambda: aio.lag_suite(modes=("x",)), ValueError, "modes must be one of"),
])
def test_bad_arguments_are_named(call, exc, words):
    with pytest.raises(exc, match=words):
        call()
