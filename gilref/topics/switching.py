"""The switch interval: how long a waiting thread waits for the GIL, and what it costs.

CPython's GIL is handed over on request: a thread that wants it waits up to the
*switch interval* (:func:`sys.getswitchinterval`, 5 ms by default), then asks
the holder to drop it; the holder does at its next eval-breaker check, which
CPython makes only at some instructions (a function's start, a loop's backward
jump, the return from a call into C), not between every two bytecodes. :func:`measure`
makes that visible. In each *trial* two threads share the interpreter for a
fixed window:

* an **I/O-style thread** sleeps for a short *tick* (the way a thread blocks on
  a socket, releasing the GIL), then needs the GIL to run again. Its *wake-up
  latency* is how much longer than the tick it took to get back to Python code;
* a **CPU-bound thread** counts in a pure-Python loop; its *throughput* is the
  number of loop steps per second of wall time.

Each switch interval is measured *repeats* times, interleaved with the others
and with two baselines (each thread alone). The interval is always restored
(:func:`switch_interval`), even when a trial fails.

Standard library only; runs in any CPython 3.9+ (GIL or free-threaded) and PyPy.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, Callable

from ..core._checks import check_int, check_seconds
from ..core.harness import interleave, run_threads
from ..core.hostinfo import collect_metadata
from ..core.results import Suite, Timing
from ..core.stats import summarize

__all__ = [
    "DEFAULT_INTERVALS",
    "LATENCY",
    "THROUGHPUT",
    "measure",
    "points",
    "switch_interval",
    "trial",
]

#: Switch intervals measured by default, in seconds (0.1 ms to 50 ms).
DEFAULT_INTERVALS = (0.0001, 0.0005, 0.001, 0.005, 0.02, 0.05)
#: Workload names in the suite :func:`measure` returns.
LATENCY = "wakeup_latency"
THROUGHPUT = "cpu_throughput"
#: Mode of the baseline timings (each thread alone) and of the shared runs.
ALONE = "sequential"
SHARED = "threads"


def _check_interval(name: str, value: Any) -> float:
    seconds = check_seconds(name, value, allow_zero=False)
    if seconds > 1.0:
        raise ValueError(f"{name} must be at most 1 second, got {value!r}")
    return seconds


@contextmanager
def switch_interval(seconds: float) -> Iterator[float]:
    """Run the ``with`` block under switch interval *seconds*, then restore the old one.

    Yields the previous interval (seconds). The old value is restored however
    the block exits.

    :param seconds: the interval, in seconds (> 0, at most 1).
    :raises TypeError: if *seconds* is not a number.
    :raises ValueError: if *seconds* is not in (0, 1].
    """
    new = _check_interval("seconds", seconds)
    old = sys.getswitchinterval()
    sys.setswitchinterval(new)
    try:
        yield old
    finally:
        sys.setswitchinterval(old)


def _spin(stop: list[bool], out: dict[str, float]) -> None:
    """Count until ``stop[0]`` is set; store steps per second in ``out``."""
    steps = 0
    start = time.perf_counter()
    while not stop[0]:
        steps += 1
    out["steps_per_s"] = steps / (time.perf_counter() - start)


def _then_stop(target: Callable[..., Any], args: tuple[Any, ...], stop: list[bool]) -> None:
    """Call ``target(*args)``, then set the flag ``stop[0]``, however the call ends."""
    try:
        target(*args)
    finally:
        stop[0] = True


def _wake(window: float, tick: float, out: dict[str, Any]) -> None:
    """Sleep *tick* again and again for *window* seconds; store each wake-up's lateness."""
    late: list[float] = []
    now = time.perf_counter
    end = now() + window
    while True:
        before = now()
        time.sleep(tick)
        after = now()
        late.append(max(0.0, after - before - tick))
        if after >= end:
            break
    out["latencies"] = late


def trial(
    interval: float,
    *,
    window: float = 0.25,
    tick: float = 0.001,
    io: bool = True,
    cpu: bool = True,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """Run the threads of one trial for *window* seconds under switch interval *interval*.

    :param interval: the switch interval for the trial, in seconds (restored afterwards).
    :param window: how long the trial runs, in seconds.
    :param tick: how long the I/O-style thread sleeps each time, in seconds.
    :param io: run the I/O-style thread.
    :param cpu: run the CPU-bound thread.
    :param timeout: seconds to wait for the threads to finish before giving up.
    :returns: ``{"latencies": [s, ...] or None, "steps_per_s": float or None}``:
        each wake-up's lateness beyond *tick* (seconds) and the CPU-bound
        thread's loop steps per second.
    :raises RuntimeError: (:class:`~gilref.core.harness.MeasurementTimeout`) if a
        thread did not finish within *timeout*.
    """
    check_seconds("window", window, allow_zero=False)
    check_seconds("tick", tick, allow_zero=False)
    check_seconds("timeout", timeout, allow_zero=False)
    if not (io or cpu):
        raise ValueError("a trial needs at least one thread: io or cpu must be true")
    stop = [False]
    spun: dict[str, float] = {}
    woke: dict[str, Any] = {}
    # The trial ends when the I/O-style thread has slept through its window (or,
    # without one, after the window): that job then stops the CPU-bound loop.
    ender = (_wake, (window, tick, woke)) if io else (time.sleep, (window,))
    jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [(_then_stop, (*ender, stop))]  # target, args, stop
    if cpu:
        jobs.insert(0, (_spin, (stop, spun)))
    with switch_interval(interval):
        try:
            run_threads(jobs, timeout, name="gilref-trial", what="of a switch-interval trial")
        finally:
            stop[0] = True  # a timed-out or failed trial leaves no loop spinning
    return {"latencies": woke.get("latencies"), "steps_per_s": spun.get("steps_per_s")}


def measure(
    intervals: Sequence[float] = DEFAULT_INTERVALS,
    *,
    window: float = 0.25,
    tick: float = 0.001,
    repeats: int = 5,
    warmups: int = 1,
) -> Suite:
    """Wake-up latency and CPU throughput at each switch interval, with baselines.

    For every interval, *repeats* trials (after *warmups* unrecorded ones) run
    the I/O-style and the CPU-bound thread together; the baselines run each
    thread alone under this interpreter's own interval. Trials are interleaved
    (:func:`gilref.core.harness.interleave`: every configuration once, then
    again) so slow drift of the machine hits all of them alike.

    :param intervals: switch intervals to try, in seconds (each in (0, 1]).
    :param window: seconds each trial runs.
    :param tick: seconds the I/O-style thread sleeps each time.
    :param repeats: recorded trials per configuration (>= 5).
    :param warmups: unrecorded trials per configuration first (>= 0), each at
        most 0.05 s long.
    :returns: a :class:`~gilref.core.results.Suite`: for each interval a
        ``wakeup_latency`` timing (unit ``s``, one value per trial: the median
        lateness of that trial's wake-ups) and a ``cpu_throughput`` timing (unit
        ``steps/s``), in mode ``"threads"``; the baselines in mode
        ``"sequential"``. Each timing's ``params`` hold ``switch_interval_s``;
        the suite's metadata holds ``default_switch_interval_s`` (this
        interpreter's interval before the run) and ``switch_interval_restored``.
    """
    if isinstance(intervals, (str, bytes)) or not isinstance(intervals, Sequence) or not intervals:
        raise ValueError("intervals must be a non-empty list of switch intervals in seconds")
    checked = [_check_interval("intervals", v) for v in intervals]
    if len(set(checked)) != len(checked):
        raise ValueError(f"intervals must not repeat a value: {list(intervals)}")
    check_seconds("window", window, allow_zero=False)
    check_seconds("tick", tick, allow_zero=False)
    check_int("repeats", repeats, minimum=5)
    check_int("warmups", warmups, minimum=0)

    default = sys.getswitchinterval()
    # (key, interval, io, cpu): the two baselines, then every interval.
    configs: list[tuple[str, float, bool, bool]] = [
        ("io_alone", default, True, False),
        ("cpu_alone", default, False, True),
    ] + [(f"shared_{i}", iv, True, True) for i, iv in enumerate(checked)]
    lat: dict[str, list[float]] = {c[0]: [] for c in configs}
    samples: dict[str, int] = {c[0]: 0 for c in configs}
    thr: dict[str, list[float]] = {c[0]: [] for c in configs}
    # Warmup trials only wake the code paths up: a short window will do.
    runs, _ = interleave([partial(trial, iv, window=window, tick=tick, io=io, cpu=cpu) for _, iv, io, cpu in configs],
                         repeats=repeats, warmups=warmups,
                         warmup_runs=[partial(trial, iv, window=min(window, 0.05), tick=tick, io=io, cpu=cpu)
                                      for _, iv, io, cpu in configs])
    for (key, *_), outs in zip(configs, runs):
        for out in outs:
            if out["latencies"]:
                lat[key].append(statistics.median(out["latencies"]))
                samples[key] += len(out["latencies"])
            if out["steps_per_s"] is not None:
                thr[key].append(out["steps_per_s"])
    restored = sys.getswitchinterval() == default

    metadata = collect_metadata()
    metadata["default_switch_interval_s"] = default
    metadata["switch_interval_restored"] = restored
    suite = Suite(metadata=metadata)
    common = {"window_s": window, "tick_s": tick}
    suite.add(Timing(LATENCY, ALONE, 1, tuple(lat["io_alone"]),
                     params={**common, "switch_interval_s": default, "wakeups": samples["io_alone"]}))
    suite.add(Timing(THROUGHPUT, ALONE, 1, tuple(thr["cpu_alone"]), unit="steps/s", better="higher",
                     params={**common, "switch_interval_s": default}))
    for i, iv in enumerate(checked):
        key = f"shared_{i}"
        suite.add(Timing(LATENCY, SHARED, 2, tuple(lat[key]),
                         params={**common, "switch_interval_s": iv, "wakeups": samples[key]}))
        suite.add(Timing(THROUGHPUT, SHARED, 2, tuple(thr[key]), unit="steps/s", better="higher",
                         params={**common, "switch_interval_s": iv}))
    return suite


def points(suite: Suite) -> list[dict[str, Any]]:
    """One row per switch interval of a :func:`measure` suite, by interval.

    Keys: ``interval_s``; ``latency_s``, ``latency_q1_s``, ``latency_q3_s``
    (medians and quartiles over trials of each trial's median lateness, in
    seconds); ``throughput``, ``throughput_q1``, ``throughput_q3`` (steps per
    second); ``relative_throughput`` (median throughput over the CPU thread's
    median throughput alone, a fraction; ``nan`` without that baseline).

    :raises ValueError: if the suite holds no shared-thread timings.
    """
    shared_lat = {float(t.params["switch_interval_s"]): t for t in suite.select(LATENCY, SHARED)}
    shared_thr = {float(t.params["switch_interval_s"]): t for t in suite.select(THROUGHPUT, SHARED)}
    if not shared_lat:
        raise ValueError("the suite holds no wakeup_latency timings in mode 'threads'")
    alone = suite.select(THROUGHPUT, ALONE)
    base = alone[0].median if alone else math.nan
    rows = []
    for iv in sorted(shared_lat):
        lat = shared_lat[iv].summary
        row: dict[str, Any] = {
            "interval_s": iv,
            "latency_s": lat.median,
            "latency_q1_s": lat.q1,
            "latency_q3_s": lat.q3,
        }
        if iv in shared_thr:
            thr = summarize(shared_thr[iv].values)
            row.update(throughput=thr.median, throughput_q1=thr.q1, throughput_q3=thr.q3,
                       relative_throughput=thr.median / base if base == base and base else math.nan)
        rows.append(row)
    return rows
