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
from ..core.verdicts import Claim, Interval, Invariant, at_most, check, invariant, ratio_interval
from ..core.workloads import countdown
from ._crosscheck import load_text, overlap

__all__ = [
    "EARLY_SLACK",
    "LAG_MODES",
    "MANY_WAITS_FACTOR",
    "OFFLOAD_FACTOR",
    "PROCESS_STEP_SLACK",
    "STALL_SHARE",
    "STEP_SLACK",
    "WARM_CALLS",
    "asyncio_sleeps",
    "cooperative_verdict",
    "inline_verdict",
    "interleaving",
    "interleaving_invariants",
    "interleaving_rows",
    "interleaving_time_note",
    "lag_invariants",
    "lag_rows",
    "lag_run",
    "lag_suite",
    "many_waits_verdict",
    "offload_verdict",
    "sleeps_invariants",
    "sleeps_suite",
    "thread_sleeps",
    "warm_countdown",
]

#: How :func:`lag_run` runs its CPU-bound step.
LAG_MODES = ("idle", "inline", "to-thread", "process")

# -- thresholds of the verdicts and invariants ---------------------------------------

#: "Finishing in about the time of one wait": the concurrent waits on one event loop
#: take less than this many times one wait (1.5: up to half a wait of overhead for
#: creating, scheduling and gathering the coroutines).
MANY_WAITS_FACTOR = 1.5
#: Two single runs of the same work are said to differ by more than a run's variation could make
#: them when one is this much longer than the other (0.10 = 10%); below that, a difference is stated
#: without a word on its cause.
SINGLE_RUN_SPREAD = 0.10
#: "The loop stalls for as long as the step runs": the ticker's worst lag with the
#: step inline is at least this share of the step's duration (0.8: the ticker may
#: have been due a little after the step began, and its period is 5 ms).
STALL_SHARE = 0.8
#: "Offloading fixes it": the worst lag with the step inline is at least this many
#: times the worst lag with the step offloaded (5: a clear, not a marginal, cut).
OFFLOAD_FACTOR = 5.0
#: How much earlier than planned (a fraction of the wait) a wait may seem to end
#: before the invariant "N waits take at least one wait" breaks: 1% (the event
#: loop rounds its timers to its clock's resolution).
EARLY_SLACK = 0.01
#: How much faster (a fraction) the CPU step may seem on a worker thread than inline
#: before the invariant breaks: 10%, on quartiles (the same countdown, sharing the GIL
#: with the loop's brief wake-ups, cannot run faster than alone).
STEP_SLACK = 0.10
#: How much longer (a fraction) the coroutines that await every so many appends may take
#: than the ones that never await before the invariant breaks: 100% (a handful of
#: ``await asyncio.sleep(0)`` costs microseconds; the runs are single, so the slack is wide).
AWAIT_SLACK = 1.0
#: How far apart (a fraction) the CPU step inline and the same countdown called bare
#: (no event loop) may be, on quartiles, for "the event loop adds nothing to the step":
#: 15% (the same loop in the same process; the host's load varies from run to run).
BARE_SLACK = 0.15
#: How much longer (a fraction) the CPU step may take in the process pool's worker than
#: inline, on quartiles, before the invariant breaks: 25% (the same countdown, warmed the
#: same way, plus one round trip to the worker, which costs about a millisecond).
PROCESS_STEP_SLACK = 0.25
#: Calls of ``countdown(1)`` made in each process that runs the CPU step (the loop's and the
#: pool's worker) before anything is timed: 16. CPython 3.11 specializes a function's
#: bytecode (PEP 659) only once the function has warmed up over a few calls (8 for this loop
#: on this build's 3.11; from 3.12 each instruction specializes after a couple of executions,
#: so the warm-up is harmless there); a worker that has run the countdown only a handful of times runs it unspecialized,
#: about half as slow again as the loop's process, which calls it at every repeat.
WARM_CALLS = 16


# -- cooperative versus preemptive ------------------------------------------------


def _switches(log: Sequence[int]) -> int:
    return sum(1 for a, b in zip(log, log[1:]) if a != b)


def chunk_sizes(steps: int, every: int) -> list[int]:
    """*steps* appends in chunks of *every* (one chunk of all with ``every=0``); the last may be shorter."""
    if not every:
        return [steps]
    return [every] * (steps // every) + ([steps % every] if steps % every else [])


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

        # The same inner loop as the threads' (no test per append): the appends come in
        # chunks of *yield_every* (all of them without), with one await after each chunk.
        chunks = chunk_sizes(steps, yield_every)

        async def coro(me: int) -> None:
            append = log.append
            for k, chunk in enumerate(chunks, 1):
                for _ in range(chunk):
                    append(me)
                if yield_every and (k < len(chunks) or chunk == yield_every):
                    await asyncio.sleep(0)

        async def both() -> None:
            await asyncio.gather(coro(0), coro(1))

        _loop.run(both, timeout)
    elapsed = time.perf_counter() - start
    first = next((i for i, (a, b) in enumerate(zip(log, log[1:])) if a != b), None)
    return {"kind": kind, "steps": steps, "yield_every": yield_every, "switches": _switches(log),
            "first_switch_at": None if first is None else first + 1, "seconds": elapsed,
            "appends": len(log)}


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


def warm_countdown(calls: int = WARM_CALLS) -> int:
    """Call ``countdown(1)`` *calls* times, so that this process runs the countdown specialized
    (see :data:`WARM_CALLS`); return *calls*. Importable by name, for a process pool's worker."""
    check_int("calls", calls, minimum=0)
    for _ in range(calls):
        countdown(1)
    return calls


def lag_run(
    mode: str,
    cpu_steps: int = 4_000_000,
    *,
    tick: float = 0.005,
    executor: ProcessPoolExecutor | None = None,
    timeout: float = 60.0,
    idle_for: float = 0.2,
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
    :param idle_for: seconds the ``"idle"`` step waits instead of computing (> 0); give it the
        step's duration so that the baseline's worst lag is the maximum of as many ticks.
    :returns: ``{"mode", "ticks", "max_lag_s", "median_lag_s", "p95_lag_s",
        "cpu_step_s", "run_s"}`` (seconds).
    """
    check_choice("mode", mode, LAG_MODES)
    check_int("cpu_steps", cpu_steps, minimum=1)
    check_seconds("tick", tick, allow_zero=False)
    check_seconds("timeout", timeout, allow_zero=False)
    check_seconds("idle_for", idle_for, allow_zero=False)
    if mode == "process" and executor is None:
        raise ValueError("mode 'process' needs an executor (a ProcessPoolExecutor)")

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
    percentiles, CPU-step durations and whole-run durations (``run_s``) are in
    ``params``; ``metadata["bare_step_s"]`` holds the same countdown timed bare (no
    event loop, seconds), once per repeat, to tell the loop's cost from the host's. A process pool of one
    worker (for ``"process"``) is started before the first run; this process and the worker each call
    the countdown :data:`WARM_CALLS` times first (:func:`warm_countdown`), so that both run it
    specialized. The ticker alone (``"idle"``) waits as long as one bare step took (measured after the
    warm-up, ``metadata["idle_for_s"]``), so that its worst lag is the maximum of as many ticks as
    beside the step.
    """
    import multiprocessing

    check_int("repeats", repeats, minimum=MIN_REPEATS)
    if not modes:
        raise ValueError("modes must name at least one lag mode")
    for m in modes:
        check_choice("modes", m, LAG_MODES)
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    ctx = multiprocessing.get_context(start_method)
    warm_countdown()
    begin = time.perf_counter()
    countdown(cpu_steps)
    idle_for = max(tick, time.perf_counter() - begin)  # the ticker alone ticks as long as one step
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        if "process" in modes:
            pool.submit(warm_countdown, WARM_CALLS).result(timeout)
        run = partial(lag_run, cpu_steps=cpu_steps, tick=tick, executor=pool, timeout=timeout, idle_for=idle_for)
        for m in modes:  # one unmeasured run each
            run(m)
        bare: list[float] = []
        for _ in range(repeats):
            for m in modes:
                runs[m].append(run(m))
            begin = time.perf_counter()  # the same step called bare: no event loop, no ticker
            countdown(cpu_steps)
            bare.append(time.perf_counter() - begin)
    suite = Suite(metadata={**collect_metadata(), "bare_step_s": bare, "idle_for_s": idle_for,
                            "warm_calls": WARM_CALLS})
    for m in modes:
        rs = runs[m]
        params = {
            "cpu_steps": cpu_steps, "tick_s": tick,
            "median_lag_s": [r["median_lag_s"] for r in rs],
            "p95_lag_s": [r["p95_lag_s"] for r in rs],
            "cpu_step_s": [r["cpu_step_s"] for r in rs],
            "ticks": [r["ticks"] for r in rs],
            "run_s": [r["run_s"] for r in rs],
        }
        suite.add(Timing("ticker-lag", m, 1, tuple(r["max_lag_s"] for r in rs), (), params))
    return suite


# -- verdicts ----------------------------------------------------------------------


def _expected_switches(run: dict[str, Any]) -> int:
    """Switches two coroutines make when each awaits every ``yield_every`` appends (1 without)."""
    every = run["yield_every"]
    return 1 if not every else 2 * (run["steps"] // every) - 1


def cooperative_verdict(runs: Sequence[dict[str, Any]]) -> Claim:
    """Claim ``cooperative``: coroutines switch exactly at their awaits; threads switch anyway.

    *runs* are :func:`interleaving` results: at least one of threads, and of
    coroutines. Counts, not timings: decided exactly (never undecided). Each
    coroutine run must switch exactly ``_expected_switches`` times (once
    without an await: the first runs to its end), and the threads at least once.
    """
    threads = [r for r in runs if r["kind"] == "threads"]
    coros = [r for r in runs if r["kind"] == "coroutines"]
    if not threads or not coros:
        raise ValueError("cooperative_verdict needs a threads run and a coroutines run")
    plain = next((r for r in coros if not r["yield_every"]), coros[0])
    awaiting = next((r for r in coros if r["yield_every"]), plain)
    exact = all(r["switches"] == _expected_switches(r) for r in coros)
    return check(
        "cooperative",
        "coroutines switch only where they await; threads are switched whenever the interpreter decides",
        exact and all(r["switches"] >= 1 for r in threads),
        co=plain["switches"], coy=awaiting["switches"], every=awaiting["yield_every"],
        expected=_expected_switches(awaiting), th=threads[0]["switches"],
        supported="**Cooperative, as advertised.** Without an `await` the two coroutines switched "
                  "{co} time (the first finished, then the second ran); with one every {every:,} appends "
                  "they switched {coy} times, exactly at the awaits. The two threads switched {th} times, "
                  "at points neither of them chose.",
        contradicted="The switches did not follow the rule: coroutines without an await switched {co} "
                     "times (1 expected), with one every {every:,} appends {coy} times ({expected} "
                     "expected); threads {th}.",
    )


def ratio_text(r: Interval) -> str:
    """A ratio at two decimals with its quartiles, e.g. ``1.08× (1.07–1.09×)``; just ``1.08×``
    when the quartiles print alike at that precision (the book's style for ratios below 10×)."""
    return r.text(".2f")


def many_waits_verdict(suite: Suite) -> Claim:
    """Claim ``many_waits``: the concurrent waits on one event loop took less than
    :data:`MANY_WAITS_FACTOR` times one wait, decided on the quartiles of the runs.

    :param suite: from :func:`sleeps_suite` (workload ``"waits"``).
    """
    wa, wt = suite.get("waits", "asyncio"), suite.get("waits", "threads")
    wait = float(wa.params["wait_s"])
    if wait <= 0:
        raise ValueError("many_waits_verdict needs waits longer than zero")
    a, t = Interval.of(wa.values), Interval.of(wt.values)
    return check(
        "many_waits",
        "one thread running asyncio can wait on a thousand things at once, finishing in about the time "
        "of one wait",
        a.below(MANY_WAITS_FACTOR * wait),
        a=ratio_text(a.scaled(1 / wait)), t=ratio_text(t.scaled(1 / wait)), n=wa.params["count"], w=wait * 1000,
        factor=MANY_WAITS_FACTOR, over=_ms_interval(Interval(a.low - wait, a.median - wait, a.high - wait)),
        supported="**One thread sufficed.** The {n:,} waits of {w:g} ms finished in {a} the time of one "
                  "wait on one event loop ({over} over it; under {factor:g}×); on {n:,} threads they took {t} "
                  "the time of one wait.",
        contradicted="The {n:,} waits of {w:g} ms took {a} the time of one wait on one event loop "
                     "({t} on threads): more than {factor:g}×, i.e. over half a wait of overhead.",
        unclear="This run cannot tell whether the {n:,} waits fit in {factor:g}× one wait: on one event "
                "loop they took {a} of it, an interval that straddles that ({t} on threads).",
    )


def inline_verdict(suite: Suite) -> Claim:
    """Claim ``inline_blocks``: with the step inline, the ticker's worst lag was at least
    :data:`STALL_SHARE` of the step's duration (interval: worst lags over step times, quartiles).

    :param suite: from :func:`lag_suite`, with mode ``"inline"``.
    """
    t = suite.get("ticker-lag", "inline")
    steps = [float(v) for v in t.params["cpu_step_s"]]
    if len(steps) != len(t.values) or min(steps) <= 0:
        raise ValueError("every inline run needs its step's duration")
    share = Interval.of([lag / step for lag, step in zip(t.values, steps)])  # paired: run by run
    above = (" A lag above 100% of the step (the upper end here) is no error: the step starts on a timer of "
             "its own, due at the moment a tick is due too, so a tick already due when the step began waits "
             "for the step and for that moment before it, and for the loop's pass after the step returns."
             if round(share.high * 100) > 100 else "")  # above 100% as printed
    return check(
        "inline_blocks",
        "a CPU-bound step inside a coroutine stalls every other task on the loop for as long as it runs",
        share.at_least(STALL_SHARE),
        lag=_ms(t.values), step=_ms(steps), share=share,
        threshold=Interval.exact(STALL_SHARE),
        supported="**The loop stalled.** Run inline, the step took {step} and the ticker woke up "
                  "to {lag} late ({share:.0%} of the step, run by run): nothing else on the loop ran until "
                  "the step returned." + above,
        contradicted="Run inline, the step took {step} but the ticker was at worst {lag} "
                     "late ({share:.0%} of the step, below {threshold:.0%}): less of a stall than the "
                     "loop's design implies.",
        unclear="This run cannot tell whether the ticker waited for the whole step: its worst lag was "
                "{share:.0%} of the step, run by run ({lag} against {step}), an interval that straddles "
                "{threshold:.0%}.",
    )


def _idle_above_process(idle: Timing, proc: Timing) -> str:
    """Why the ticker alone may lag more than beside the process pool: a sentence from the runs.

    Neither adds work to the loop's thread; the worst of a run's ticks then measures how late
    the host wakes that thread, which varies from run to run by about the spread stated here.
    """
    ticks = [statistics.median(t.params.get("ticks") or [0]) for t in (idle, proc)]
    med = [statistics.median(t.params.get("median_lag_s") or [0.0]) * 1000 for t in (idle, proc)]
    spread = max(idle.summary.q3 - idle.summary.q1, proc.summary.q3 - proc.summary.q1) * 1000
    return (f" The ticker alone was at worst {_ms(idle.values)} late, no less than beside the process: both "
            f"runs ticked alike ({ticks[0]:.0f} and {ticks[1]:.0f} ticks, median lags {med[0]:.2f} and "
            f"{med[1]:.2f} ms), so neither worst lag is a cost of the pool; they are how late the host woke the "
            f"loop's thread, which varied by {spread:.1f} ms from run to run (an idle virtual CPU may wake "
            "more slowly than one kept busy by the worker).")


def offload_verdict(suite: Suite, switch_interval_s: float) -> Claim:
    """Claim ``offload_fixes``: offloading the step cut the ticker's worst lag at least
    :data:`OFFLOAD_FACTOR`-fold, both to a thread and to a process.

    Decided on the intervals of inline's worst lags over each offloaded mode's
    (quartiles): holds when both whole intervals reach the factor, contradicted
    when either whole interval stays below it.

    :param switch_interval_s: :func:`sys.getswitchinterval` of the run (stated).
    """
    inline = suite.get("ticker-lag", "inline")
    thread, proc = suite.get("ticker-lag", "to-thread"), suite.get("ticker-lag", "process")
    cut_t, cut_p = ratio_interval(inline.values, thread.values), ratio_interval(inline.values, proc.values)
    idle = suite.get("ticker-lag", "idle") if suite.select("ticker-lag", "idle") else None
    above = ""
    if idle is not None and not at_most(proc.values, idle.values, slack=0.5):
        cpus = suite.metadata.get("usable_cpus", "few")
        above = (f" That is more than the ticker alone ({_ms(idle.values)}): the process takes no GIL "
                 f"from the loop but does take a CPU, and this host has {cpus} of them, shared with every "
                 "other program running.")
    elif idle is not None and idle.median > proc.median:
        above = _idle_above_process(idle, proc)
    both = [cut_t.at_least(OFFLOAD_FACTOR), cut_p.at_least(OFFLOAD_FACTOR)]
    holds: bool | None = False if False in both else None if None in both else True
    return check(
        "offload_fixes",
        "moving the CPU-bound step off the event loop (to a thread or a process) keeps the loop responsive",
        holds,
        inline=_ms(inline.values), thread=_ms(thread.values), proc=_ms(proc.values),
        cut_t=_factor_text(cut_t), cut_p=_factor_text(cut_p), above=above,
        sw=switch_interval_s * 1000, factor=OFFLOAD_FACTOR,
        supported="**Offloading fixed it.** With `asyncio.to_thread` the worst lag fell from {inline} "
                  "to {thread} (a cut of {cut_t}): the step still holds the GIL, but the loop's "
                  "thread, once it has waited a switch interval ({sw:g} ms), makes the step's thread "
                  "drop it. In a process, with a GIL of its own, the step left the ticker at worst "
                  "{proc} late (a cut of {cut_p}).{above}",
        contradicted="Offloading did not cut the worst lag {factor:g}-fold: inline {inline}, "
                     "to_thread {thread} (a cut of {cut_t}), process {proc} (a cut of {cut_p}).{above}",
        unclear="This run cannot tell whether offloading cuts the worst lag {factor:g}-fold: inline "
                "{inline}, to_thread {thread} (a cut of {cut_t}), process {proc} "
                "(a cut of {cut_p}); an interval straddles the factor.{above}",
    )


def _per_step(seconds: Sequence[float], steps: int) -> Interval:
    """Durations of a countdown of *steps* steps as nanoseconds per step (median and quartiles)."""
    return Interval.of([float(v) for v in seconds]).scaled(1e9 / steps)


def step_speed_text(suite: Suite) -> str:
    """The CPU step's speed per countdown step, inline, bare and on a thread, and why it may
    differ from other pages' countdowns (computed from :func:`lag_suite`'s results).

    Inline and bare agree when their intervals, widened by :data:`BARE_SLACK`, overlap.
    """
    inline, thread = suite.get("ticker-lag", "inline"), suite.get("ticker-lag", "to-thread")
    steps = int(inline.params["cpu_steps"])
    bare_s = suite.metadata.get("bare_step_s") or []
    i, t = _per_step(inline.params["cpu_step_s"], steps), _per_step(thread.params["cpu_step_s"], steps)
    text = f"Per countdown step, the CPU step ran at {i.text('.1f', ' ns')} inline"
    if bare_s:
        b = _per_step(bare_s, steps)
        wide = Interval(b.low * (1 - BARE_SLACK), b.median, b.high * (1 + BARE_SLACK))
        text += (f" and {b.text('.1f', ' ns')} when the same countdown was called bare between the runs, "
                 "with no event loop: ")
        text += ("the event loop adds nothing measurable to the step itself" if overlap(i, wide) else
                 f"more than {BARE_SLACK:.0%} apart: either the host's load changed between the runs or the "
                 "loop's wake-ups cost the step time")
    text += (f". On to_thread's worker it ran at {t.text('.1f', ' ns')}, its time including the hand-offs of "
             "the GIL to the loop's thread at every tick. Each run here is one step of "
             f"{steps:,} steps (the countdown warmed up first, in the loop's process and in the pool's worker "
             f"alike: {suite.metadata.get('warm_calls', 0):,} calls each), timed at its own minute of a shared "
             "host (1-minute load average "
             f"{load_text(suite.metadata.get('load_average'))} when this measurement started); the chapters "
             "that measure the countdown itself calibrate and repeat it, sometimes in another interpreter, "
             "so their nanoseconds per step differ by as much as the host's load and the build do.")
    return text


def to_thread_lag_text(suite: Suite, switch_interval_s: float) -> str:
    """The ticker's worst lag beside ``to_thread`` against the switch interval, from the data.

    Each time the loop's thread must take the GIL back from the step's thread it waits up
    to one switch interval; between waking from its poll and running the ticker's code it
    may need it more than once (the poll returns, then the woken task runs after the next
    poll), so the lag is a count of switch intervals, stated here.
    """
    lag = Interval.of([float(v) for v in suite.get("ticker-lag", "to-thread").values])
    k = lag.scaled(1 / switch_interval_s)
    sw = switch_interval_s * 1000
    text = (f"Against pure-Python work the loop still shares the GIL: beside `to_thread` the ticker's worst "
            f"lag was {_ms_interval(lag)}, {k.text('.1f', '')} switch intervals of {sw:g} ms")
    if k.median < 1.5:
        return text + ": about one wait for the GIL each time the ticker woke."
    return text + (": the loop's thread waits up to one interval each time it takes the GIL back from the "
                   "step's thread, and between waking and running the ticker it takes it back more than once "
                   "(to return from its poll for events, then to run the woken task after the next poll).")


def interleaving_time_note(runs: Sequence[dict[str, Any]]) -> str:
    """What the single-run times of :func:`interleaving` (no await, and awaits every so many appends)
    say: the two coroutine runs do the same appends and differ in what they do only by the awaits,
    so when the run with awaits was the faster one, or the two differ by more than
    ``SINGLE_RUN_SPREAD``, the sentence says that one run of each cannot tell the awaits' cost
    from a run's variation. ``""`` without both coroutine runs."""
    bare = [r for r in runs if r["kind"] == "coroutines" and not r["yield_every"]]
    awaited = [r for r in runs if r["kind"] == "coroutines" and r["yield_every"]]
    if not bare or not awaited:
        return ""
    a, b = bare[0]["seconds"], awaited[0]["seconds"]
    head = (f"Each row is a single run: the coroutines took {a:.3f} s without an await and {b:.3f} s with "
            f"one every {awaited[0]['yield_every']:,} appends")
    if b < a:
        return (head + ": the run that does more (the awaits) was the faster one, so a single run's time varies by "
                "more than those awaits cost, and these times do not measure them.")
    if b > a * (1 + SINGLE_RUN_SPREAD):
        return (head + f", {b / a - 1:.0%} more: one run of each cannot tell the awaits' cost from a run's "
                "variation.")
    return head + f", {b / a - 1:.0%} more."


def interleaving_rows(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One table row per :func:`interleaving` run: what ran, appends, switches, first switch, time."""
    return [
        {"what ran": "2 threads" if r["kind"] == "threads" else
                     "2 coroutines, no await" if not r["yield_every"] else
                     f"2 coroutines, await every {r['yield_every']:,} appends",
         "appends each": f"{r['steps']:,}", "switches": r["switches"],
         "first switch after (appends)": "" if r["first_switch_at"] is None else f"{r['first_switch_at']:,}",
         "time (s)": f"{r['seconds']:.3f}"}
        for r in runs]


def _factor_text(r: Interval) -> str:
    """A factor in the book's style: two decimals below 10× (``7.46× (6.90–9.10×)``), none from 10×
    up (``46× (28–53×)``)."""
    return r.text(".2f" if r.median < 10 else ".0f")


def _ms_fmt(ms: float) -> str:
    """The precision of a duration in milliseconds: none from 10 ms up, one decimal below."""
    return ".0f" if abs(ms) >= 10 else ".1f"


def _ms_shown_fmt(ms: Interval) -> str:
    """:func:`_ms_fmt`'s precision for an interval in ms, one decimal more when the quartiles would
    otherwise print as one figure (``59`` hiding ``58.7–58.9``)."""
    fmt = _ms_fmt(ms.median)
    if fmt == ".0f" and format(ms.low, fmt) == format(ms.high, fmt) and ms.low != ms.high:
        return ".1f"
    return fmt


def _ms_interval(seconds: Interval, unit: str = " ms") -> str:
    """An interval of seconds as milliseconds, at :func:`_ms_shown_fmt`'s precision: ``64 ms (59–88 ms)``."""
    ms = seconds.scaled(1000)
    return ms.text(_ms_shown_fmt(ms), unit)


def _ms(seconds: Sequence[float]) -> str:
    """Median and quartiles of durations in seconds, as milliseconds: ``87 ms (66–88 ms)``,
    ``7.1 ms (6.5–11.2 ms)``; the table and the verdicts print one figure alike."""
    return _ms_interval(Interval.of([float(v) for v in seconds]))


def lag_rows(suite: Suite, names: dict[str, str]) -> list[dict[str, Any]]:
    """One table row per lag mode of :func:`lag_suite`, in the order of *names* (mode -> label)."""
    rows = []
    for mode, label in names.items():
        t = suite.get("ticker-lag", mode)
        rows.append({
            "how the step ran": label,
            "worst lag (ms): median (quartiles)": _ms_interval(Interval.of(t.values), ""),
            "median lag (ms)": f"{statistics.median(t.params['median_lag_s']) * 1000:.2f}",
            "CPU step took (ms)": "" if mode == "idle" else f"{statistics.median(t.params['cpu_step_s']) * 1000:.0f}",
        })
    return rows


# -- invariants --------------------------------------------------------------------


def interleaving_invariants(runs: Sequence[dict[str, Any]]) -> list[Invariant]:
    """:func:`interleaving` runs: no append was lost, and no run switched more often than it appended."""
    lost = [r for r in runs if r.get("appends", 2 * r["steps"]) != 2 * r["steps"]]
    over = [r for r in runs if r["switches"] > 2 * r["steps"] - 1]
    plain = [r for r in runs if r["kind"] == "coroutines" and not r["yield_every"]]
    slow = [f"await every {r['yield_every']:,}: {r['seconds']:.3f} s against {plain[0]['seconds']:.3f} s"
            for r in runs if plain and r["kind"] == "coroutines" and r["yield_every"]
            and r["seconds"] > plain[0]["seconds"] * (1 + AWAIT_SLACK)]
    return [
        invariant("interleaving_await_cost", "the coroutines that await now and then took at most {f:.0%} "
                  "longer than those that never await", not slow, f=AWAIT_SLACK,
                  cause="the awaiting run did other work per append, or the host was busy during it ({which})",
                  which="; ".join(slow) or "none"),
        invariant("interleaving_appends", "every run kept all its appends (two loops of {steps:,} each)",
                  not lost, cause="appends were lost: the list is not thread-safe on this build ({which})",
                  steps=runs[0]["steps"] if runs else 0, which=", ".join(r["kind"] for r in lost) or "none"),
        invariant("interleaving_switches", "no run switched more often than it appended", not over,
                  cause="the switch count is wrong ({which})", which=", ".join(r["kind"] for r in over) or "none"),
    ]


def sleeps_invariants(suite: Suite) -> list[Invariant]:
    """:func:`sleeps_suite`: the concurrent waits took at least one wait, on one loop and on threads.

    Compared on quartiles (the third quartile of the runs must reach the wait,
    less :data:`EARLY_SLACK`): waits that end before their time mean a broken clock.
    """
    out = []
    for mode in ("asyncio", "threads"):
        t = suite.get("waits", mode)
        wait = float(t.params["wait_s"])
        out.append(invariant(
            f"waits_{mode}_at_least_one_wait",
            "{n:,} concurrent waits of {w:g} ms on " + ("one event loop" if mode == "asyncio" else "threads")
            + " took at least one wait",
            at_most(wait * (1 - EARLY_SLACK), t.values),
            cause="a wait ended before its time: the clock or the timer is wrong (median {m:.1f} ms)",
            n=t.params["count"], w=wait * 1000, m=t.median * 1000))
    return out


def lag_invariants(suite: Suite) -> list[Invariant]:
    """:func:`lag_suite`: the ticker alone lags no more than beside the inline step, and no
    worst lag exceeds its whole run (both on quartiles)."""
    out = []
    idle, inline = suite.get("ticker-lag", "idle"), suite.get("ticker-lag", "inline")
    out.append(invariant(
        "lag_idle_at_most_inline", "the ticker alone lagged no more than beside the step run inline",
        at_most(idle.values, inline.values),
        cause="the host stalled the idle runs (idle worst lag {i:.1f} ms, inline {n:.1f} ms)",
        i=idle.median * 1000, n=inline.median * 1000))
    longer = []
    for t in suite.select("ticker-lag"):
        runs = t.params.get("run_s")
        if runs and not at_most(t.values, [float(r) for r in runs]):
            longer.append(t.mode)
    steps_in = [float(v) for v in inline.params["cpu_step_s"]]
    thread = suite.get("ticker-lag", "to-thread") if suite.select("ticker-lag", "to-thread") else None
    if thread is not None:
        steps_th = [float(v) for v in thread.params["cpu_step_s"]]
        out.append(invariant(
            "lag_thread_step_not_faster",
            "the step on a worker thread took at least as long as inline (it shares the GIL with the loop)",
            at_most(steps_in, steps_th, slack=STEP_SLACK),
            cause="the host's load changed between the runs (inline step {i:.0f} ms, on a thread {t:.0f} ms, "
                  "medians)", i=statistics.median(steps_in) * 1000, t=statistics.median(steps_th) * 1000))
    proc = suite.get("ticker-lag", "process") if suite.select("ticker-lag", "process") else None
    if proc is not None:
        steps_pr = [float(v) for v in proc.params["cpu_step_s"]]
        out.append(invariant(
            "lag_process_step_as_inline",
            "the step took about as long in the pool's worker as inline (within {slack:.0%}; the same countdown)",
            at_most(steps_pr, steps_in, slack=PROCESS_STEP_SLACK), slack=PROCESS_STEP_SLACK,
            cause="the worker ran the countdown slower than the loop's process (inline {i:.0f} ms, in the worker "
                  "{p:.0f} ms, medians): a worker that ran it unspecialized (too few warm-up calls for this "
                  "interpreter) or a busy host", i=statistics.median(steps_in) * 1000,
            p=statistics.median(steps_pr) * 1000))
    out.append(invariant(
        "lag_within_run", "no worst lag was longer than the run it was measured in", not longer,
        cause="the lag clock and the run clock disagree ({which})", which=", ".join(longer) or "none"))
    return out
