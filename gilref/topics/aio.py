"""asyncio: many waits on one thread, and what a CPU-bound step does to them.

An event loop runs one coroutine at a time on one thread and switches only
where a coroutine ``await``\\ s something that is not ready: multitasking is
*cooperative*. Threads are switched by the interpreter (every switch interval,
or when a thread blocks) and by the operating system: *preemptive*. This
module measures the difference:

* :func:`interleaving` counts how often two loops take turns, as threads and as
  coroutines with and without an ``await`` inside;
* :func:`sleeps_suite` times many concurrent waits (1000 by default) on one
  event loop, against the same waits on as many threads;
* :func:`lag_suite` runs a *ticker* coroutine that wants to wake every few
  milliseconds next to a CPU-bound step, and records how late the ticker
  wakes: with the step run inline in a coroutine, moved to a thread with
  :func:`asyncio.to_thread`, or to a process with ``loop.run_in_executor``.

Every event loop run here is bounded by :func:`asyncio.wait_for`. Standard
library only.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any

from ..core import _loop
from ..core._checks import check_choice, check_int, check_seconds
from ..core.harness import MIN_REPEATS, MeasurementTimeout, interleave, run_threads
from ..core.hostinfo import collect_metadata
from ..core.results import Suite, Timing
from ..core.workloads import countdown

__all__ = [
    "LAG_MODES",
    "asyncio_sleeps",
    "interleaving",
    "lag_run",
    "lag_suite",
    "sleeps_suite",
    "thread_sleeps",
]

#: How :func:`lag_run` runs its CPU-bound step.
LAG_MODES = ("idle", "inline", "to-thread", "process")


# -- cooperative versus preemptive ------------------------------------------------


def _switches(log: Sequence[int]) -> int:
    return sum(1 for a, b in zip(log, log[1:]) if a != b)


def interleaving(kind: str, steps: int = 200_000, *, yield_every: int = 0, timeout: float = 60.0) -> dict[str, Any]:
    """Run two loops of *steps* appends to one shared list; count how often they took turns.

    :param kind: ``"threads"`` (two threads: the interpreter switches between
        them whenever it likes) or ``"coroutines"`` (two tasks on one event
        loop: they switch only at an ``await``).
    :param steps: appends per loop (>= 1).
    :param yield_every: for coroutines, ``await asyncio.sleep(0)`` after every
        this many appends (0: never).
    :param timeout: seconds before the run is abandoned (:class:`TimeoutError`).
    :returns: ``{"kind", "steps", "yield_every", "switches", "first_switch_at",
        "seconds"}``: *switches* counts the places where the list changes from
        one loop's entries to the other's; *first_switch_at* is the index of the
        first such place (``None`` if there is none).
    """
    check_choice("kind", kind, ("threads", "coroutines"))
    check_int("steps", steps, minimum=1)
    check_int("yield_every", yield_every, minimum=0)
    check_seconds("timeout", timeout, allow_zero=False)
    log: list[int] = []
    start = time.perf_counter()
    if kind == "threads":

        def loop(me: int) -> None:
            append = log.append
            for _ in range(steps):
                append(me)

        try:  # both threads exist before either appends (the start barrier)
            run_threads([(loop, (0,)), (loop, (1,))], timeout, name="gilref-interleave", start_together=True)
        except MeasurementTimeout:
            raise TimeoutError(f"the interleaving threads did not finish within {timeout:g} s") from None
    else:

        async def coro(me: int) -> None:
            append = log.append
            for i in range(1, steps + 1):
                append(me)
                if yield_every and i % yield_every == 0:
                    await asyncio.sleep(0)

        async def both() -> None:
            await asyncio.gather(coro(0), coro(1))

        _loop.run(both, timeout)
    elapsed = time.perf_counter() - start
    first = next((i for i, (a, b) in enumerate(zip(log, log[1:])) if a != b), None)
    return {"kind": kind, "steps": steps, "yield_every": yield_every, "switches": _switches(log),
            "first_switch_at": None if first is None else first + 1, "seconds": elapsed}


# -- many waits -------------------------------------------------------------------


def asyncio_sleeps(count: int = 1000, seconds: float = 0.1, timeout: float = 60.0) -> float:
    """Wall seconds for *count* concurrent ``asyncio.sleep(seconds)`` on one event loop.

    :param count: how many waits (>= 1).
    :param seconds: length of each wait (>= 0).
    :param timeout: seconds before the loop is cancelled (:class:`asyncio.TimeoutError`).
    """
    check_int("count", count, minimum=1)
    check_seconds("seconds", seconds)
    check_seconds("timeout", timeout, allow_zero=False)

    async def waits() -> None:
        await asyncio.gather(*(asyncio.sleep(seconds) for _ in range(count)))

    def timed() -> float:
        start = time.perf_counter()
        asyncio.run(asyncio.wait_for(waits(), timeout))
        return time.perf_counter() - start

    return _loop.outside_loop(timed, timeout + 10.0)


def thread_sleeps(count: int = 1000, seconds: float = 0.1, timeout: float = 60.0) -> float:
    """Wall seconds for *count* threads that each ``time.sleep(seconds)``, started and joined.

    :raises TimeoutError: if the threads are not done within *timeout* seconds.
    """
    check_int("count", count, minimum=1)
    check_seconds("seconds", seconds)
    check_seconds("timeout", timeout, allow_zero=False)
    try:
        return run_threads([(time.sleep, (seconds,))] * count, timeout, name="gilref-sleep")
    except MeasurementTimeout:
        raise TimeoutError(f"{count} sleeping threads did not finish within {timeout:g} s") from None


def sleeps_suite(
    count: int = 1000,
    seconds: float = 0.1,
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = 60.0,
) -> Suite:
    """*count* concurrent waits of *seconds*: on one event loop, and on *count* threads.

    One after another the waits would take ``count * seconds``; that total is
    recorded (``params["sum_of_waits_s"]``) but not run. The two ways take
    turns, repeat by repeat.

    Timings: workload ``"waits"``, modes ``"asyncio"`` and ``"threads"``,
    workers = *count*, seconds per run.
    """
    check_int("count", count, minimum=1)
    check_seconds("seconds", seconds)
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    runs = {"asyncio": asyncio_sleeps, "threads": thread_sleeps}
    values, warm = interleave([partial(run, count, seconds, timeout) for run in runs.values()],
                              repeats=repeats, warmups=warmups)
    suite = Suite(metadata=collect_metadata())
    params = {"count": count, "wait_s": seconds, "sum_of_waits_s": count * seconds}
    for name, vals, warmed in zip(runs, values, warm):
        suite.add(Timing("waits", name, count, tuple(vals), tuple(warmed), dict(params)))
    return suite


# -- a CPU-bound step next to a ticker ----------------------------------------------


def lag_run(
    mode: str,
    cpu_steps: int = 4_000_000,
    *,
    tick: float = 0.005,
    executor: ProcessPoolExecutor | None = None,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """Run a ticker coroutine beside one CPU-bound step; report how late the ticker woke.

    The ticker wants to wake every *tick* seconds; each time it records its
    *lag*: how much later than planned it actually ran. Beside it one
    coroutine does ``countdown(cpu_steps)``:

    ``"idle"``
        no CPU step: the ticker alone for about as long (a baseline);
    ``"inline"``
        called directly in the coroutine: the event loop cannot run the ticker
        until the step returns;
    ``"to-thread"``
        ``await asyncio.to_thread(countdown, cpu_steps)``: the step runs on a
        worker thread; the loop's thread gets the GIL back at least every
        switch interval;
    ``"process"``
        ``await loop.run_in_executor(executor, countdown, cpu_steps)`` on a
        :class:`~concurrent.futures.ProcessPoolExecutor`: the step runs in
        another process with its own GIL.

    :param cpu_steps: countdown steps of the CPU-bound step (>= 1).
    :param tick: the ticker's period in seconds (> 0).
    :param executor: the process pool for ``"process"`` (required for that mode).
    :param timeout: seconds before the run is cancelled (:func:`asyncio.wait_for`).
    :returns: ``{"mode", "ticks", "max_lag_s", "median_lag_s", "p95_lag_s",
        "cpu_step_s", "run_s"}`` (seconds).
    """
    check_choice("mode", mode, LAG_MODES)
    check_int("cpu_steps", cpu_steps, minimum=1)
    check_seconds("tick", tick, allow_zero=False)
    check_seconds("timeout", timeout, allow_zero=False)
    if mode == "process" and executor is None:
        raise ValueError("mode 'process' needs an executor (a ProcessPoolExecutor)")

    idle_for = 0.2  # seconds the "idle" step waits instead of computing

    async def main() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        lags: list[float] = []
        step_time: list[float] = []

        async def ticker() -> None:
            start = loop.time()
            i = 0
            # Keep ticking until the step is done, and at least a few ticks.
            while not done.is_set() or i < 3:
                i += 1
                planned = start + i * tick
                await asyncio.sleep(max(0.0, planned - loop.time()))
                lags.append(max(0.0, loop.time() - planned))

        async def step() -> None:
            await asyncio.sleep(2 * tick)  # let the ticker settle first
            begin = time.perf_counter()
            # The three ways to run a CPU-bound step from a coroutine:
            if mode == "inline":  # blocks the event loop until it returns
                countdown(cpu_steps)
            elif mode == "to-thread":  # a worker thread; the loop gets the GIL back every switch interval
                await asyncio.to_thread(countdown, cpu_steps)
            elif mode == "process":  # another process, with its own GIL
                await loop.run_in_executor(executor, countdown, cpu_steps)
            else:
                await asyncio.sleep(idle_for)
            # (end of the three ways)
            step_time.append(time.perf_counter() - begin)
            done.set()

        await asyncio.gather(ticker(), step())
        return {"lags": lags, "step": step_time[0]}

    def timed() -> tuple[dict[str, Any], float]:
        start = time.perf_counter()
        out = asyncio.run(asyncio.wait_for(main(), timeout))
        return out, time.perf_counter() - start

    result, run_s = _loop.outside_loop(timed, timeout + 10.0)
    lags = sorted(result["lags"])
    p95 = lags[min(len(lags) - 1, round(0.95 * (len(lags) - 1)))]
    return {"mode": mode, "ticks": len(lags), "max_lag_s": lags[-1], "median_lag_s": statistics.median(lags),
            "p95_lag_s": p95, "cpu_step_s": result["step"], "run_s": run_s}


def lag_suite(
    cpu_steps: int = 4_000_000,
    *,
    tick: float = 0.005,
    modes: Sequence[str] = LAG_MODES,
    repeats: int = MIN_REPEATS,
    timeout: float = 60.0,
    start_method: str | None = None,
) -> Suite:
    """:func:`lag_run` for each mode, *repeats* times, taking turns.

    Timings: workload ``"ticker-lag"``, mode = the lag mode, workers 1, values =
    the ticker's **maximum lag** per run in seconds; the runs' median lags, 95th
    percentiles and CPU-step durations are in ``params``. A process pool of one
    worker (for ``"process"``) is started and warmed up before the first run.
    """
    import multiprocessing

    check_int("repeats", repeats, minimum=MIN_REPEATS)
    if not modes:
        raise ValueError("modes must name at least one lag mode")
    for m in modes:
        check_choice("modes", m, LAG_MODES)
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    ctx = multiprocessing.get_context(start_method)
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        if "process" in modes:
            pool.submit(countdown, 1000).result(timeout)
        for m in modes:  # one unmeasured run each
            lag_run(m, cpu_steps, tick=tick, executor=pool, timeout=timeout)
        for _ in range(repeats):
            for m in modes:
                runs[m].append(lag_run(m, cpu_steps, tick=tick, executor=pool, timeout=timeout))
    suite = Suite(metadata=collect_metadata())
    for m in modes:
        rs = runs[m]
        params = {
            "cpu_steps": cpu_steps, "tick_s": tick,
            "median_lag_s": [r["median_lag_s"] for r in rs],
            "p95_lag_s": [r["p95_lag_s"] for r in rs],
            "cpu_step_s": [r["cpu_step_s"] for r in rs],
            "ticks": [r["ticks"] for r in rs],
        }
        suite.add(Timing("ticker-lag", m, 1, tuple(r["max_lag_s"] for r in rs), (), params))
    return suite
