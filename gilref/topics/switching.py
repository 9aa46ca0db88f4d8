"""The switch interval: how long a waiting thread waits for the GIL, and what it costs.

CPython's GIL is handed over on request: a thread that wants it waits up to the
*switch interval* (:func:`sys.getswitchinterval`, 5 ms by default), then asks
the holder to drop it; the holder honours the request only where the interpreter
checks its eval breaker (in 3.12 and 3.13 at ``RESUME``, at function entry and
after a plain ``yield`` but not after ``yield from``/``await``; at ``JUMP_BACKWARD``,
each turn of a loop; and after calls that return in place, mostly calls into C:
``CHECK_EVAL_BREAKER`` / ``_CHECK_PERIODIC`` in 3.13's ``Python/bytecodes.c``;
3.11 at the corresponding instructions of ``Python/ceval.c``), not between every two bytecodes. :func:`measure`
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
import re
import statistics
import sys
import threading
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
from ..core.verdicts import Claim, Interval, Invariant, at_most, check, invariant, ratio_interval, shares_within
from ._crosscheck import (
    HOWTO_OVERHEAD,
    OVERHEAD_TOLERANCE,
    SLOWER_SHARE,
    SPREAD,
    all_of,
    disagreement,
    example_label,
    interpreter_differs,
    labelled,
    load_phrase,
    overhead_interval,
)

__all__ = [
    "CHEAP_SHARE",
    "DEFAULT_INTERVALS",
    "EXAMPLE_FORMAT",
    "FREE_LATENCY_SHARE",
    "LATENCY",
    "LATENCY_CEILING",
    "LATENCY_FLOOR",
    "LATENCY_FROM_S",
    "NOISE",
    "SPECIALIZATION_URL",
    "THROUGHPUT",
    "alone_note",
    "below_floor_note",
    "example_args",
    "example_page_comparison",
    "example_points",
    "free_threaded_verdict",
    "latency_verdict",
    "measure",
    "measure_invariants",
    "parse_example_output",
    "points",
    "slower_loop_note",
    "switch_interval",
    "table",
    "table_note",
    "throughput_trend",
    "throughput_verdict",
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
#: The ``format`` of what ``examples/switch_interval.py --json FILE`` writes.
EXAMPLE_FORMAT = "gilref-switch-interval-example"

# -- thresholds the verdicts and invariants decide on ------------------------------

LATENCY_FROM_S = 0.001
"""Intervals (seconds) from which the wake-up latency must be about one interval.

Below 1 ms the fixed cost of every wake-up beyond the interval (the operating
system's delay in waking the thread, visible in the I/O-style thread's latency
alone, plus the GIL's hand-off; tenths of a millisecond on a quiet host) is as
large as the interval, so the latency there, counted in intervals, says more
about that cost than about the interval (:func:`below_floor_note`)."""

LATENCY_FLOOR = 0.8
"""Least wake-up latency, in switch intervals, from :data:`LATENCY_FROM_S` up.

A waiting thread waits one full interval before it asks the holder to drop the
GIL (``take_gil`` in ``Python/ceval_gil.c``), so it cannot wait much less: 0.8
leaves a fifth for a timed wait that wakes a little early."""

LATENCY_CEILING = 1.5
"""Most wake-up latency, in switch intervals, at the longest interval measured.

One interval, plus the holder's time to reach its next eval-breaker check, plus
the operating system's delay in waking the thread: at the longest interval the
last two are small beside it; half an interval more is generous."""

CHEAP_SHARE = 0.8
"""Share of its throughput at the longest interval the CPU-bound thread must keep
at the shortest one for the shorter interval to count as costing "little".

At most a fifth lost: more than the runs' noise on a quiet host, less than the
cost of one operating-system thread switch per interval on a busy one."""

FREE_LATENCY_SHARE = 0.1
"""On a free-threaded build, the most wake-up latency as a share of the longest
interval: without a GIL nothing waits an interval, so a tenth of it already
means the threads waited for each other (or for a core)."""

NOISE = 0.1
"""Slack of the invariants, as a fraction: what the repeats of a short run on a
shared host may move beyond their quartiles without the run being unsound."""



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


def _spin(stop: threading.Event, out: dict[str, float]) -> None:
    """Count until *stop* is set; store steps per second in ``out``.

    The same loop as ``count`` in ``examples/switch_interval.py``, so the
    chapter's figures and the example's measure the same thing.
    """
    steps = 0
    start = time.perf_counter()
    while not stop.is_set():
        steps += 1
    out["steps_per_s"] = steps / (time.perf_counter() - start)


def _then_stop(target: Callable[..., Any], args: tuple[Any, ...], stop: threading.Event) -> None:
    """Call ``target(*args)``, then set *stop*, however the call ends."""
    try:
        target(*args)
    finally:
        stop.set()


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
    stop = threading.Event()
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
            stop.set()  # a timed-out or failed trial leaves no loop spinning
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


# -- the reader's example -----------------------------------------------------------


def example_args(intervals: Sequence[float], *, window: float, repeats: int) -> list[str]:
    """Command-line arguments for ``examples/switch_interval.py`` that repeat a measurement's settings.

    :param intervals: switch intervals in seconds (written in ms, as the example takes them).
    :param window: seconds each trial runs.
    :param repeats: trials per interval.
    """
    return ["--intervals", ",".join(f"{iv * 1000:g}" for iv in intervals),
            "--window", f"{window:g}", "--repeats", str(repeats)]


def example_points(data: Any) -> list[dict[str, Any]]:
    """The rows of what ``examples/switch_interval.py --json FILE`` wrote, by interval.

    Keys as :func:`points` (seconds and steps per second) plus ``latencies``
    and ``throughputs`` (every trial's value), so a verdict can take an
    interval of them.

    :raises ValueError: if *data* is not that example's JSON.
    """
    if not isinstance(data, dict) or data.get("format") != EXAMPLE_FORMAT:
        raise ValueError(f"not the JSON of examples/switch_interval.py (format {EXAMPLE_FORMAT!r})")
    rows = []
    for item in sorted(data["intervals"], key=lambda i: float(i["interval_s"])):
        lat = [float(x) for x in item["latency_s"]]
        thr = [float(x) for x in item["steps_per_s"]]
        if not lat or not thr:
            raise ValueError("an interval of the example's JSON has no trials")
        rows.append({"interval_s": float(item["interval_s"]), "latency_s": statistics.median(lat),
                     "throughput": statistics.median(thr), "latencies": lat, "throughputs": thr})
    if not rows:
        raise ValueError("the example's JSON holds no intervals")
    return rows


def _differences(suite: Suite, example: dict[str, Any], measured: Sequence[float],
                 tried: Sequence[float]) -> str:
    """What differs between the chapter's measurement and the example's run, as a phrase."""
    out = [interpreter_differs(suite.metadata, example)]
    if max(measured) != max(tried) or min(measured) != min(tried):
        out.append(f"the intervals compared ({min(measured) * 1000:g} against {max(measured) * 1000:g} ms "
                   f"there, {min(tried) * 1000:g} against {max(tried) * 1000:g} ms in the example)")
    window = suite.select(LATENCY, SHARED)[0].params.get("window_s")
    if window is not None and float(window) != float(example.get("window_s", window)):
        out.append(f"the trial length ({float(window):g} s against {float(example['window_s']):g} s)")
    out.append(load_phrase(suite.metadata))
    return "; ".join(o for o in out if o)


# -- verdicts ----------------------------------------------------------------------


def _shared(suite: Suite, workload: str) -> dict[float, Timing]:
    return {float(t.params["switch_interval_s"]): t for t in suite.select(workload, SHARED)}


def latency_verdict(suite: Suite, *, build: str, example: dict[str, Any] | None = None,
                    free: Suite | None = None, free_build: str = "") -> Claim:
    """Whether a thread returning from I/O waited about one switch interval (GIL build).

    Decided on every interval from :data:`LATENCY_FROM_S` up: the latency's
    quartiles, in intervals, must be at least :data:`LATENCY_FLOOR`, and at the
    longest interval below :data:`LATENCY_CEILING`. *example* (the JSON of
    ``examples/switch_interval.py --json``) is decided the same way; when it
    disagrees with the measurement the claim is undecided and says why they differ.

    :param suite: a :func:`measure` suite of a GIL build.
    :param build: the build's label, for the sentence.
    :param free: the same measurement on a free-threaded build (labelled *free_build*), whose
        latency at the shortest interval :func:`below_floor_note` sets beside the decomposition.
    """
    lat = _shared(suite, LATENCY)
    if not lat:
        raise ValueError("the suite holds no wakeup_latency timings in mode 'threads'")
    largest = max(lat)
    floors = {iv: Interval.of([v / iv for v in t.values]) for iv, t in lat.items() if iv >= LATENCY_FROM_S}
    longest = Interval.of([v / largest for v in lat[largest].values])
    decided = all_of(*(f.at_least(LATENCY_FLOOR) for f in floors.values()), longest.below(LATENCY_CEILING))
    least_at = min(floors, key=lambda iv: floors[iv].median) if floors else largest
    low = floors.get(least_at, longest)
    most_at = max(floors, key=lambda iv: floors[iv].median) if floors else largest
    most = floors.get(most_at, longest)
    where = (f" (at {least_at * 1000:g} ms, where it waited least), and at {largest * 1000:g} ms, the "
             f"longest interval, {longest.text('.2f', '')} intervals" if least_at != largest else
             f", the least at {largest * 1000:g} ms, the longest interval")
    # At shorter intervals the operating system's delay in waking the thread is a larger share of one
    # interval: say so when it pushed the wait there beyond the ceiling the longest interval is held to.
    stretched = (f" At {most_at * 1000:g} ms it waited {most.text('.2f', '')} intervals: there the operating "
                 "system's delay in waking the thread (on a busy host, milliseconds) is as large as the "
                 "interval itself." if most_at != largest and most.median >= LATENCY_CEILING else "")
    below = below_floor_note(suite, free, free_build)
    ex_text, ex_decided, why = "", decided, ""
    if example is not None:
        rows = example_points(example)
        ex_large = rows[-1]
        ex_floors = [Interval.of([v / r["interval_s"] for v in r["latencies"]])
                     for r in rows if r["interval_s"] >= LATENCY_FROM_S]
        ex_longest = Interval.of([v / ex_large["interval_s"] for v in ex_large["latencies"]])
        ex_decided = all_of(*(f.at_least(LATENCY_FLOOR) for f in ex_floors), ex_longest.below(LATENCY_CEILING))
        ex_text = (f" The example below ({example_label(example)}) waited {ex_longest.text('.2f', '')} "
                   f"intervals at {ex_large['interval_s'] * 1000:g} ms"
                   + ("." if ex_decided is not False else ", which is not about one interval."))
        why = _differences(suite, example, list(lat), [r["interval_s"] for r in rows])
    holds = decided if decided == ex_decided else None
    unclear = (" At {large_iv:g} ms the measurement on {build} waited {longest} intervals, and from {from_ms:g} ms "
               "up at least {floor} (at least {floor_at:g} and below {ceiling:g} at the longest expected)." + below
               + ex_text)
    unclear = (disagreement(decided, ex_decided) + unclear + " They differ in " + why + "."
               if decided != ex_decided else SPREAD + unclear)
    return check(
        "latency_follows_interval",
        "with a CPU-bound thread holding the GIL, a thread returning from I/O waits about one switch interval",
        holds, floor_intervals=low, longest_intervals=longest, floor=low.text(".2f", ""), least_at=least_at * 1000,
        longest=longest.text(".2f", ""), large_iv=largest * 1000, build=build,
        example=ex_text.strip(), floor_at=LATENCY_FLOOR, ceiling=LATENCY_CEILING,
        from_ms=LATENCY_FROM_S * 1000,
        supported="**The waiting thread waits one switch interval.** On {build}, from {from_ms:g} ms up, the "
                  "I/O-style thread waited at least {floor} intervals for the GIL" + where + "." + stretched
                  + below + ex_text,
        contradicted="On {build} the wake-up latency was not about one switch interval: at its least "
                     "{floor} intervals from {from_ms:g} ms up (at least {floor_at:g} expected) and {longest} "
                     "intervals at {large_iv:g} ms (below {ceiling:g} expected)." + stretched + below + ex_text,
        unclear=unclear,
    )


def below_floor_note(suite: Suite, free: Suite | None = None, free_build: str = "") -> str:
    """Why the intervals below :data:`LATENCY_FROM_S` cost more than one interval of waiting, or ``""``.

    Beyond the interval itself every wake-up costs some fixed time (the medians'
    latency minus the interval, stated for every interval measured), which is a
    larger share of a shorter interval. At the shortest interval that time is
    split into what was measured: the I/O-style thread's latency alone (no thread
    holds the GIL: the operating system's delay in waking a sleeping thread) and
    the rest, the GIL's hand-off (the waiter's timed wait running out, the holder
    reaching an eval-breaker check, the waiter being woken). *free* (the same
    measurement on a free-threaded build, labelled *free_build*), when it measured
    the shortest interval, adds its latency there: without a GIL, the operating
    system's part alone. Medians throughout; the shortest interval's latency
    also with its quartiles.
    """
    lat = _shared(suite, LATENCY)
    short = sorted(iv for iv in lat if iv < LATENCY_FROM_S)
    if not short:
        return ""
    waits = ", ".join(f"{Interval.of([v / iv for v in lat[iv].values]).median:.1f} intervals at {iv * 1000:g} ms"
                      for iv in short)
    shortest = short[0]
    beyond = {iv: (t.median - iv) * 1000 for iv, t in lat.items()}
    # The short intervals and the first from LATENCY_FROM_S up: where the cost beyond the interval is
    # comparable (at long intervals a busy host's delays weigh in too).
    near_ivs = short + sorted(iv for iv in lat if iv >= LATENCY_FROM_S)[:1]
    fixed = _and_list([f"{beyond[iv]:.3f} ms at {iv * 1000:g} ms" for iv in near_ivs])
    total = Interval.of(lat[shortest].values).scaled(1000)
    out = (f" Below {LATENCY_FROM_S * 1000:g} ms it waited longer, counted in intervals ({waits}): beyond the "
           f"interval itself each wake-up cost {fixed} (medians), a cost of its own that weighs most beside "
           "the shortest intervals. "
           f"At {shortest * 1000:g} ms "
           f"its wait of {total.text('.3f', ' ms')} is the {shortest * 1000:g} ms interval")
    alone = suite.select(LATENCY, ALONE)
    if alone:
        os_part = alone[0].median * 1000
        handoff = beyond[shortest] - os_part
        out += (f", {os_part:.3f} ms that the thread also waited alone, with no thread holding the GIL (the "
                "operating system's delay in waking a sleeping thread), and ")
        out += (f"the remaining {handoff:.3f} ms the GIL's hand-off: the waiter's timed wait running out, the "
                "holder reaching an eval-breaker check and dropping the GIL, and the operating system waking "
                "the waiter" if handoff > 0 else
                "nothing measurable beyond that for the GIL's hand-off (the thread alone waited as long)")
    else:
        out += f" and {beyond[shortest]:.3f} ms of waking the thread and handing it the GIL"
    out += "."
    free_lat = _shared(free, LATENCY) if free is not None else {}
    if shortest in free_lat:
        busy = Interval.of(free_lat[shortest].values).scaled(1000)
        out += (f" On {free_build or 'the free-threaded build'}, with no GIL to hand over, the same thread woke "
                f"{busy.median:.3f} ms late at {shortest * 1000:g} ms, the operating system's part only")
        out += _free_alone_text(busy, free.select(LATENCY, ALONE) if free is not None else [])
        out += "."
    return out


def _free_alone_text(busy: Interval, alone: Sequence[Timing]) -> str:
    """The free-threaded build's wake-up beside a busy thread (*busy*, ms, quartiles) set against its own
    wake-up alone (*alone*: that build's ``wakeup_latency`` timings in mode ``alone``, seconds), decided
    on the quartiles: "about" when they overlap (no mechanism for a gap inside the spread), "less" or
    "more" only when the quartiles are apart. ``""`` when that build did not measure it alone. There is
    no hand-off to count: that build has no GIL."""
    if not alone:
        return ""
    own = Interval.of(alone[0].values).scaled(1000)
    figures = f"{busy.text('.3f', ' ms')} beside the busy thread, {own.text('.3f', ' ms')} alone on that build"
    if busy.high < own.low:
        return (f"; that is less than it woke late alone on the same build ({figures}; quartiles apart), "
                "likely because beside a busy thread a CPU is awake, and waking on it is quicker")
    if busy.low > own.high:
        return f"; that is more than it woke late alone on the same build ({figures}; quartiles apart)"
    return f"; that is about what it woke late alone on the same build ({figures}: the quartiles overlap)"


def throughput_verdict(suite: Suite, *, build: str, example: dict[str, Any] | None = None) -> Claim:
    """Whether a short switch interval costs the CPU-bound thread little (GIL build).

    Decided on the ratio of the CPU-bound thread's throughput at the shortest
    interval to that at the longest, over the repeats' quartiles
    (:func:`~gilref.core.verdicts.ratio_interval`): at least :data:`CHEAP_SHARE`
    holds, all of it below contradicts. *example* (the example's JSON) is
    decided alike on its own shortest and longest interval; when the two
    disagree the claim is undecided and names what differs between the runs.
    """
    thr = _shared(suite, THROUGHPUT)
    if len(thr) < 2:
        raise ValueError("the suite needs the CPU thread's throughput at two intervals or more")
    small, large = min(thr), max(thr)
    ratio = ratio_interval(thr[small].values, thr[large].values)
    # Faster at the shorter interval beyond the repeats' spread is no cost at all but a host whose
    # load changed between the trials (the invariant shorter_not_faster): the ratio then decides nothing.
    sound = at_most(thr[small].values, thr[large].values, slack=NOISE)
    decided = ratio.at_least(CHEAP_SHARE) if sound else None
    ex_text, ex_decided, why = "", decided, ""
    if example is not None:
        rows = example_points(example)
        if len(rows) < 2:
            raise ValueError("the example's JSON needs two intervals or more")
        ex_ratio = ratio_interval(rows[0]["throughputs"], rows[-1]["throughputs"])
        ex_decided = ex_ratio.at_least(CHEAP_SHARE)
        ex_text = (f" The example below, on {example_label(example)}, counted at "
                   f"{rows[0]['interval_s'] * 1000:g} ms at {format_share(ex_ratio)} of its speed at "
                   f"{rows[-1]['interval_s'] * 1000:g} ms.")
        why = _differences(suite, example, list(thr), [r["interval_s"] for r in rows])
    holds = decided if decided == ex_decided else None
    unclear = ((SPREAD if sound else "**This measurement cannot decide it:** the CPU-bound thread counted "
                "faster at the shorter interval, beyond the repeats' spread, which no cost of hand-offs "
                "explains; the host's load changed between the trials.")
               + " At {small:g} ms the CPU-bound thread counted at {ratio:.0%} of its speed at "
               "{large:g} ms on {build} (at least {cheap:.0f}% would be cheap)." + ex_text)
    if sound and decided != ex_decided:
        unclear = (disagreement(decided, ex_decided) + " At {small:g} ms the CPU-bound thread counted "
                   "at {ratio:.0%} of its speed at {large:g} ms on {build}." + ex_text
                   + " Both count with the same loop; they differ in " + why + ". A few hundred extra "
                   "hand-offs a second cost little or a lot depending on how fast the operating system "
                   "wakes the threads, which a busy host changes from one minute to the next.")
    return check(
        "throughput_cost_small",
        "a shorter switch interval costs a CPU-bound thread little throughput when the other thread mostly waits",
        holds, ratio=ratio, small=small * 1000, large=large * 1000, build=build, cheap=CHEAP_SHARE * 100,
        example=ex_text.strip(),
        supported="**Responsiveness came cheap here.** At {small:g} ms the CPU-bound thread counted at "
                  "{ratio:.0%} of its speed at {large:g} ms on {build}." + ex_text + " The I/O-style "
                  "thread needs the GIL only briefly after each wake-up, so the extra hand-offs cost little.",
        contradicted="At {small:g} ms the CPU-bound thread counted at only {ratio:.0%} of its speed at "
                     "{large:g} ms on {build} (under {cheap:.0f}%)." + ex_text + " The extra hand-offs were "
                     "expensive on this host: each one needs the operating system to wake a thread.",
        unclear=unclear,
    )


def format_share(interval: Interval) -> str:
    """An interval of shares of 1 as per cent, e.g. ``69% (64–72%)``."""
    return interval.scaled(100).text(".0f", "%")


#: The 3.13 source that turns the specializing adaptive interpreter off in the free-threaded build
#: (``ENABLE_SPECIALIZATION`` is 0 under ``Py_GIL_DISABLED``).
SPECIALIZATION_URL = "https://github.com/python/cpython/blob/v3.13.5/Include/internal/pycore_code.h"


def _pct_text(i: Interval) -> str:
    return i.scaled(100).text(".0f", "%")


def slower_loop_note(free: Suite, gil: Suite, interval: float, countdown: Suite | None = None) -> str:
    """Why the CPU-bound loop runs so much slower on the free-threaded build, or ``""`` when it does not.

    Compares the loop's overhead at *interval* (the extra time per step, from the two
    builds' steps per second) with the HOWTO's figure for 3.13 and, when *countdown* (the
    free-threading chapter's :func:`gilref.topics.freethreading.single_thread_cost`) is given,
    with the countdown's overhead there; says which is larger in words and explains the gap
    by what each loop does per step. Empty unless the free-threaded build counted clearly
    below ``SLOWER_SHARE`` (of gilref.topics._crosscheck) of the GIL build's rate.
    """
    thr, gil_thr = _shared(free, THROUGHPUT), _shared(gil, THROUGHPUT)
    if interval not in thr or interval not in gil_thr:
        return ""
    ratio = ratio_interval(thr[interval].values, gil_thr[interval].values)
    if ratio.below(SLOWER_SHARE) is not True:
        return ""
    over = overhead_interval(ratio)
    ns_free, ns_gil = 1e9 / thr[interval].median, 1e9 / gil_thr[interval].median
    out = (f" Without a GIL the CPU-bound thread counted at {_pct_text(ratio)} of the GIL build's rate at "
           f"{interval * 1000:g} ms: each step took {ns_free:.0f} ns against {ns_gil:.0f} ns, "
           f"{_pct_text(over)} longer.")
    series = ".".join(str(free.metadata.get("python_version", "")).split(".")[:2])
    compare = []
    if countdown is not None:
        d, f = countdown.get("countdown", "default-build"), countdown.get("countdown", "free-threaded")
        cd = Interval(ratio_interval(f.values, d.values).low - 1, f.median / d.median - 1,
                      ratio_interval(f.values, d.values).high - 1)
        n = int(d.params.get("n", 0))
        word = ("far more than" if over.low > cd.high + OVERHEAD_TOLERANCE else "more than" if over.low > cd.high
                else "less than" if over.high < cd.low else "about")
        compare.append(f"{word} the countdown's {_pct_text(cd)} in "
                       "{doc}`the chapter on free-threaded Python <free-threading>` "
                       f"({f.median / n * 1e9:.0f} ns against {d.median / n * 1e9:.0f} ns a step)")
    if series == "3.13":
        word = ("more than" if over.low > HOWTO_OVERHEAD + OVERHEAD_TOLERANCE else
                "less than" if over.high < HOWTO_OVERHEAD - OVERHEAD_TOLERANCE else "close to")
        compare.append(f"{word} the free-threading HOWTO's about {HOWTO_OVERHEAD * 100:.0f}% on pyperformance")
    if compare:
        out += " That is " + ", and ".join(compare) + "."
    if series == "3.13" and over.low > HOWTO_OVERHEAD:
        out += (" The loop is not the countdown: `while not stop.is_set(): steps += 1` calls a Python method, "
                "which reads an attribute, on every step, where the countdown only subtracts and compares. "
                "Attribute loads and calls are what the specializing adaptive interpreter speeds up most, and "
                "the 3.13 free-threaded build runs without it (`ENABLE_SPECIALIZATION` is 0 under "
                f"`Py_GIL_DISABLED`, [Include/internal/pycore_code.h]({SPECIALIZATION_URL})); the two builds "
                "also ran at different moments on a shared host.")
    return out


def free_threaded_verdict(free: Suite, gil: Suite, *, build: str, countdown: Suite | None = None) -> Claim:
    """Whether, without a GIL, the waking thread stops waiting for the CPU-bound one.

    Holds when at every interval the latency's quartiles lie below
    :data:`FREE_LATENCY_SHARE` of the longest interval measured on the GIL
    build; contradicted when any interval's lie wholly above. *countdown* (the
    free-threading chapter's single-thread cost suite), when given, is set beside the
    CPU-bound loop's overhead (:func:`slower_loop_note`).
    """
    lat = _shared(free, LATENCY)
    gil_lat = _shared(gil, LATENCY)
    if not lat or not gil_lat:
        raise ValueError("both suites need wakeup_latency timings in mode 'threads'")
    largest = max(gil_lat)
    limit = FREE_LATENCY_SHARE * largest
    ivs = {iv: Interval.of(t.values).scaled(1000) for iv, t in lat.items()}
    worst_iv = max(ivs, key=lambda iv: ivs[iv].median)
    worst = ivs[worst_iv]
    thr, gil_thr = _shared(free, THROUGHPUT), _shared(gil, THROUGHPUT)
    common = sorted(set(thr) & set(gil_thr))
    # a literal text inside the check's template: its braces ({doc} links) must survive str.format
    slower = (slower_loop_note(free, gil, common[-1], countdown) if common else "").replace(
        "{", "{{").replace("}", "}}")
    return check(
        "free_threaded_ignores_interval",
        "without a GIL, a thread returning from I/O does not wait for the CPU-bound thread",
        all_of(*(i.below(limit * 1000) for i in ivs.values())),
        worst_interval=worst, worst=worst.text(".3f", " ms"), at=worst_iv * 1000, limit=limit * 1000,
        large=largest * 1000, build=build,
        gil_large=Interval.of(gil_lat[largest].values).scaled(1000).text(".1f", " ms"),
        supported="**Without a GIL the interval does not matter.** On {build} the wake-up latency "
                  "stayed low at every interval: at its worst, at {at:g} ms, it was {worst}, where the GIL "
                  "build waited {gil_large} at {large:g} ms. The waking thread runs on another core "
                  "without asking anyone for a lock." + slower,
        contradicted="On {build} the wake-up latency reached {worst} at {at:g} ms, above {limit:.1f} ms (a "
                     "tenth of the {large:g} ms interval): the threads still waited for each other, or for a core.",
        unclear=SPREAD + " On {build} the wake-up latency was {worst} at {at:g} ms, against a limit of "
                "{limit:.1f} ms (a tenth of the {large:g} ms interval).",
    )


_EXAMPLE_HEAD = re.compile(r"^Python (\S+) \(GIL (on|off)\), default switch interval ([\d.]+) ms, "
                           r"(?:medians of (\d+) trials|one trial) of ([\d.]+) s\s*$", re.M)
_EXAMPLE_ROW = re.compile(r"^\s*([\d.]+) ms\s+([\d.]+) ms\s+([\d.]+) M steps/s\s*$", re.M)


def parse_example_output(text: str) -> dict[str, Any]:
    """What ``examples/switch_interval.py`` printed, as numbers.

    :returns: ``python``, ``gil`` (bool), ``default_ms``, ``trials``, ``window_s`` and ``rows``:
        ``{interval_ms: (latency_ms, million steps per second)}``.
    :raises ValueError: when *text* is not the script's output.
    """
    head = _EXAMPLE_HEAD.search(text)
    rows = {float(a): (float(b), float(c)) for a, b, c in _EXAMPLE_ROW.findall(text)}
    if head is None or not rows:
        raise ValueError("not the output of switch_interval.py")
    return {"python": head.group(1), "gil": head.group(2) == "on", "default_ms": float(head.group(3)),
            "trials": int(head.group(4) or 1), "window_s": float(head.group(5)), "rows": rows}


def example_page_comparison(output: str, record: dict[str, Any] | None, chapter: str = "switch-interval") -> str:
    """Why the numbers ``switch_interval.py`` printed on its example page differ from the chapter's.

    *output* is what the script printed there (the matrix's run on the book's interpreter, with
    its small arguments); *record* the chapter's record (``record["suites"]["gil"]`` is the GIL
    build's :func:`measure`). Sets both runs' steps per second and wake-up latencies side by side at
    the intervals both measured, and names what differs (interpreter, trials, window). ``""`` when
    *output* is not the script's; a sentence without the chapter's figures when *record* is missing.
    """
    try:
        run = parse_example_output(output)
    except ValueError:
        return ""
    trials = "one trial" if run["trials"] == 1 else f"medians of {run['trials']} trials"
    mine = (f"This run ({trials} of {run['window_s']:g} s per interval, on Python {run['python']}) counted "
            + ", ".join(f"{v[1]:.1f} M steps/s at {k:g} ms" for k, v in run["rows"].items()) + ".")
    raw = ((record or {}).get("suites") or {}).get("gil")
    if not raw:
        return (f"**These are the small arguments' numbers.** {mine} (The chapter's record is not in this "
                "edition, so its numbers cannot be set beside these.)\n")
    suite = Suite.from_dict(raw)
    theirs = {round(r["interval_s"] * 1000, 6): r for r in points(suite)}
    both = [k for k in run["rows"] if k in theirs]
    version = str(suite.metadata.get("python_version", "?"))
    lat = _shared(suite, LATENCY)
    n, window = (len(next(iter(lat.values())).values), float(next(iter(lat.values())).params["window_s"])) \
        if lat else (0, 0.0)
    chapter_part = (f"{{doc}}`../{chapter}` measured CPython {version} ({n} trials of {window:g} s per interval): "
                    + ", ".join(f"{theirs[k]['throughput'] / 1e6:.1f} M at {k:g} ms" for k in both) + ".")
    differ = []
    if version != run["python"]:
        differ.append(f"they ran on different interpreters, Python {run['python']} here and {version} there, and "
                      "each CPython version runs this loop (`while not stop.is_set(): steps += 1`, a method call "
                      "every step) at its own speed")
    if run["trials"] < n:
        differ.append(f"this run takes {run['trials']} trial{'s' if run['trials'] != 1 else ''} of "
                      f"{run['window_s']:g} s where the chapter takes {n} of {window:g} s, so one busy moment of "
                      "the host weighs more here")
    same = ""
    set_by = [k for k in both if k / 1000 >= LATENCY_FROM_S]
    floor = [k for k in both if k / 1000 < LATENCY_FROM_S]

    def pairs(ks: list[float]) -> str:
        return ", ".join(f"{run['rows'][k][0]:.3f} ms here and {theirs[k]['latency_s'] * 1000:.3f} ms there "
                         f"at {k:g} ms" for k in ks)

    if set_by:
        same += (f" The wake-up latencies from {LATENCY_FROM_S * 1000:g} ms up, which the interval sets (about one "
                 f"interval each) rather than the interpreter: {pairs(set_by)}.")
    if floor:
        same += (f" Below {LATENCY_FROM_S * 1000:g} ms the interval does not set them alone: every wake-up also "
                 "costs a fixed time beyond the interval (the operating system waking the thread, and the GIL's "
                 "hand-off), as large as such an interval and moving with the host's load "
                 f"({pairs(floor)}).")
    why = ("; ".join(differ) + ".") if differ else "the same interpreter and trials: only the host's noise."
    return f"**Why these numbers differ from the chapter's.** {mine} {chapter_part} {why[0].upper() + why[1:]}{same}\n"


# -- invariants --------------------------------------------------------------------


def measure_invariants(suite: Suite, *, prefix: str = "", label: str = "") -> list[Invariant]:
    """What must hold of a :func:`measure` suite if the run was sound.

    - the switch interval was restored;
    - the CPU-bound thread is not faster at a shorter interval than at the
      longest (compared on quartiles, with :data:`NOISE`);
    - sharing the interpreter, it is not faster than alone;
    - on a GIL build, the wake-up latency does not fall as the interval grows;
    - the I/O-style thread's sleeps and waits fit in the time its trials ran
      (shares of the whole).

    :param prefix: prepended to each key (a chapter checks several suites).
    :param label: which build and run, put before each statement (e.g. the build's label).
    """
    out = [invariant(
        prefix + "interval_restored", "the switch interval was restored after the trials",
        bool(suite.metadata.get("switch_interval_restored", True)),
        cause="a trial failed without restoring sys.setswitchinterval")]
    thr = _shared(suite, THROUGHPUT)
    lat = _shared(suite, LATENCY)
    if thr:
        largest = max(thr)
        bad = [iv for iv in thr if iv < largest and not at_most(thr[iv].values, thr[largest].values, slack=NOISE)]
        out.append(invariant(
            prefix + "shorter_not_faster",
            "the CPU-bound thread counts no faster at a shorter switch interval than at the longest ({large:g} ms)",
            not bad, large=largest * 1000, broken=[iv * 1000 for iv in bad],
            cause="the host's load changed during the run (other programs took the cores at the longest "
                  "interval's trials), which the interleaving did not even out"))
        alone = suite.select(THROUGHPUT, ALONE)
        if alone:
            over = [iv for iv, t in thr.items() if not at_most(t.values, alone[0].values, slack=NOISE)]
            out.append(invariant(
                prefix + "shared_not_faster_than_alone",
                "the CPU-bound thread counts no faster beside the I/O-style thread than alone",
                not over, broken=[iv * 1000 for iv in over],
                cause="the baseline trials ran while the host was busier than the shared ones"))
    if lat and suite.metadata.get("gil_enabled") is not False:
        ordered = sorted(lat)
        falls = [b for a, b in zip(ordered, ordered[1:]) if not at_most(lat[a].values, lat[b].values, slack=NOISE)]
        out.append(invariant(
            prefix + "latency_grows_with_interval",
            "with a GIL, the wake-up latency does not fall as the switch interval grows",
            not falls, broken=[iv * 1000 for iv in falls],
            cause="the CPU-bound thread did not hold the GIL for part of the trials (it was descheduled "
                  "by the operating system, so the waking thread found the GIL free)"))
    shares = []
    for iv, t in lat.items():
        wakeups = int(t.params.get("wakeups", 0))
        tick, window = float(t.params["tick_s"]), float(t.params["window_s"])
        spread = Interval.of(t.values)
        whole = len(t.values) * (window + tick + spread.high)  # each trial ends within one cycle of its window
        shares.append((iv, wakeups * tick / whole, wakeups * spread.low / whole))
    over_whole = [iv for iv, sleep, wait in shares if not shares_within([sleep, wait], 1.0, slack=NOISE)]
    out.append(invariant(
        prefix + "wakeups_fit_window",
        "the I/O-style thread's sleeps and waits add up to no more than the time its trials ran",
        not over_whole, broken=[iv * 1000 for iv in over_whole],
        worst=max((s + w for _, s, w in shares), default=0.0),
        cause="the trials counted wake-ups they did not time (a bug in the measurement, not noise)"))
    return labelled(out, label)


def _spread(q1: float, median: float, q3: float, scale: float, fmt: str) -> str:
    """``median (q1–q3)`` scaled, or the median alone when the quartiles print alike."""
    return Interval(min(q1, median) * scale, median * scale, max(q3, median) * scale).text(fmt, "")


def table(runs: Sequence[tuple[str, Suite]]) -> list[dict[str, str]]:
    """Rows for the chapter's table: one per interval of the first suite, a column pair per build.

    Each cell is the median with its quartiles; an interval a build did not
    measure shows "–".
    """
    if not runs:
        raise ValueError("no suites to tabulate")
    by_build = [(label, {r["interval_s"]: r for r in points(s)}) for label, s in runs]
    rows = []
    for iv in sorted(by_build[0][1]):
        row = {"switch interval (ms)": f"{iv * 1000:g}"}
        for label, pts in by_build:
            r = pts.get(iv)
            row[f"wake-up latency, {label} (ms)"] = (
                _spread(r["latency_q1_s"], r["latency_s"], r["latency_q3_s"], 1000, ".3f") if r else "–")
            row[f"CPU thread, {label} (M steps/s)"] = (
                _spread(r["throughput_q1"], r["throughput"], r["throughput_q3"], 1e-6, ".1f")
                if r and "throughput" in r else "–")
        rows.append(row)
    return rows


def table_note(runs: Sequence[tuple[str, Suite]]) -> str:
    """Which intervals of the table (those of the first suite) a build did not measure, and why
    its cells there show "–"; ``""`` when every build measured every interval.

    :param runs: ``(label, suite)`` as for :func:`table`.
    """
    if not runs:
        return ""
    first = sorted(_shared(runs[0][1], LATENCY))
    out = []
    for label, suite in runs[1:]:
        mine = set(_shared(suite, LATENCY))
        missing = [iv for iv in first if iv not in mine]
        if missing:
            ran = [iv for iv in first if iv in mine]
            span = ("from the shortest to the longest, " if ran and ran[0] == first[0] and ran[-1] == first[-1]
                    else "")
            out.append(f"{label} ran the experiment at {_ms_list(ran)} only, not at {_ms_list(missing)} (its "
                       f"cells there show –): {len(ran)} intervals, {span}enough to see whether the interval "
                       "matters at all on that build, in less of the build's time.")
    return " ".join(out)


def _and_list(items: Sequence[str]) -> str:
    """``"a, b and c"``."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _ms_list(intervals: Sequence[float]) -> str:
    """``"0.1, 1, 5 and 50 ms"`` from intervals in seconds."""
    ms = [f"{iv * 1000:g}" for iv in intervals]
    return (", ".join(ms[:-1]) + " and " + ms[-1] if len(ms) > 1 else "".join(ms)) + " ms"


def throughput_trend(suite: Suite) -> str:
    """Whether the CPU-bound thread's steps per second differ between the shortest and the longest
    interval beyond the trials' spread, and whether the medians rise at every longer interval.

    Beyond the spread: the shortest interval's quartiles lie wholly below (or above) the longest's.
    Then the difference is not noise: each hand-off costs the thread a little time (:func:`throughput_verdict`
    says whether it is little). ``""`` for a suite without throughput timings.
    """
    thr = _shared(suite, THROUGHPUT)
    if len(thr) < 2:
        return ""
    ivs = sorted(thr)
    small, large = Interval.of(thr[ivs[0]].values).scaled(1e-6), Interval.of(thr[ivs[-1]].values).scaled(1e-6)
    medians = [thr[iv].median for iv in ivs]
    rising = all(a < b for a, b in zip(medians, medians[1:]))
    at = f"{small.text('.1f', ' M')} steps per second at {ivs[0] * 1000:g} ms, {large.text('.1f', ' M')} at " \
         f"{ivs[-1] * 1000:g} ms (medians and quartiles)"
    steady = (" and the medians rose at every longer interval" if rising else "")
    if small.high < large.low or small.low > large.high:
        return (f"That difference is not noise: {at}, quartiles that lie apart{steady}. Every hand-off of the "
                "GIL costs the CPU-bound thread a little time, and a shorter interval means more of them.")
    return (f"That difference is within the trials' spread ({at}: the quartiles overlap), so these runs cannot "
            "tell it from noise.")


def alone_note(suite: Suite) -> str:
    """A sentence explaining a CPU-bound thread that counted slower alone than beside the I/O-style
    thread (which cannot be physics, only noise or load), or ``""`` when it did not. "Slower" only when
    the difference is beyond the repeats' spread; within it, "no faster".

    States both figures and whether the invariant ``shared_not_faster_than_alone``
    (:func:`measure_invariants`) still holds, i.e. whether the difference lies within the repeats' spread.
    """
    alone = suite.select(THROUGHPUT, ALONE)
    thr = _shared(suite, THROUGHPUT)
    if not alone or not thr:
        return ""
    fastest = max(thr, key=lambda iv: thr[iv].median)
    if alone[0].median >= thr[fastest].median:
        return ""
    within = at_most(thr[fastest].values, alone[0].values, slack=NOISE)
    a = Interval.of(alone[0].values).scaled(1e-6).text(".1f", "")
    b = Interval.of(thr[fastest].values).scaled(1e-6).text(".1f", "")
    if within:
        return (f"Alone the CPU-bound thread counted no faster ({a} million steps per second) than beside the "
                f"I/O-style thread at {fastest * 1000:g} ms ({b} million): the two "
                "lie within the repeats' spread of each other, so what the I/O-style thread's brief turns cost it "
                "is smaller than the host's noise here (other programs took the cores during some trials).")
    return (f"Alone the CPU-bound thread counted slower ({a} million steps per second) than beside the "
            f"I/O-style thread at {fastest * 1000:g} ms ({b} million), which no mechanism explains: the "
            "difference is beyond the repeats' spread, so the host's load changed between the trials (the "
            "invariants' note above says so too).")
