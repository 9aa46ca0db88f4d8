"""Who runs when: each thread's running intervals, recorded from inside the thread.

Every thread of a :func:`record` run reads :func:`time.perf_counter` in a tight
loop. Consecutive readings normally lie well under a microsecond apart; a gap
longer than *gap* seconds means the thread was not running in between: it
waited for the GIL, was descheduled by the operating system, or (for an
I/O-style thread) slept. The readings between two gaps form one *run*,
``[start, end]``, both ends being readings the thread itself took while running.

On a build with a GIL only the thread holding it reads the clock, so runs of
different threads cannot overlap by more than one undetected gap (shorter than
*gap*); in practice they do not overlap at all and the timeline alternates. On
a free-threaded build they overlap wherever the operating system gives the
threads different cores.

A thread is either ``"cpu"`` (it loops the whole time) or ``"io"`` (it loops for
*io_burst* seconds, then sleeps *io_sleep* seconds, like a thread that handles
a message and blocks on a socket again).

All times are in seconds. Functions return JSON-ready data so they can run in
another interpreter (:func:`gilref.interp.select.run_on`). Standard library only.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

from ..core._checks import check_int, check_seconds
from ..core.harness import run_threads
from ..core.hostinfo import collect_metadata

__all__ = [
    "FORMAT",
    "analyze",
    "median_index",
    "overlap",
    "record",
    "record_many",
    "summarize_many",
    "turns",
]

FORMAT = "gilref-timeline"
FORMAT_VERSION = 1
Run = list[float]


def _ready(clock: list[float]) -> tuple[float, float, float]:
    """Spin until the common start (every thread exists by now); return
    ``(start_at, end_at, first reading)``."""
    start_at, end_at = clock
    now = time.perf_counter
    t = now()
    while t < start_at:
        t = now()
    return start_at, end_at, t


def _cpu(clock: list[float], gap: float, out: list[Run]) -> None:
    _, end_at, t = _ready(clock)
    now = time.perf_counter
    begin = prev = t
    while t < end_at:
        t = now()
        if t - prev > gap:
            out.append([begin, prev])
            begin = t
        prev = t
    out.append([begin, prev])


def _io(clock: list[float], gap: float, burst: float, pause: float, out: list[Run]) -> None:
    _, end_at, t = _ready(clock)
    now = time.perf_counter
    begin = prev = t
    while t < end_at:
        stop = min(t + burst, end_at)
        while t < stop:
            t = now()
            if t - prev > gap:
                out.append([begin, prev])
                begin = t
            prev = t
        out.append([begin, prev])
        if t >= end_at:
            return
        time.sleep(pause)
        begin = prev = t = now()
    if not out or out[-1][1] != prev:
        out.append([begin, prev])


def record(
    cpu_threads: int = 3,
    io_threads: int = 0,
    *,
    duration: float = 0.2,
    gap: float = 5e-5,
    io_burst: float = 0.0005,
    io_sleep: float = 0.002,
    lead: float = 0.02,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """Record the running intervals of *cpu_threads* + *io_threads* threads.

    The threads start and wait until all of them exist; then they spin until a
    common start time *lead* seconds later (so they all compete from the first
    instant), record for *duration* seconds, and stop.

    :param cpu_threads: threads that loop the whole time (>= 0).
    :param io_threads: threads that loop *io_burst* s, then sleep *io_sleep* s (>= 0).
    :param duration: seconds recorded (> 0, at most 10).
    :param gap: the shortest pause between two clock readings counted as not
        running, in seconds (> 0).
    :param io_burst: seconds an I/O-style thread computes after each wake-up.
    :param io_sleep: seconds an I/O-style thread sleeps after each burst.
    :param lead: seconds between releasing the threads and recording.
    :param timeout: seconds to wait for the threads beyond *lead* + *duration*.
    :returns: ``{"format": "gilref-timeline", "version", "metadata",
        "duration_s", "gap_s", "params", "threads": [{"name", "kind",
        "runs": [[start, end], ...]}]}`` with times in seconds from the start.
    :raises RuntimeError: (:class:`~gilref.core.harness.MeasurementTimeout`) if a
        thread did not finish in time.
    """
    check_int("cpu_threads", cpu_threads, minimum=0)
    check_int("io_threads", io_threads, minimum=0)
    if cpu_threads + io_threads < 1:
        raise ValueError("record at least one thread: cpu_threads + io_threads must be >= 1")
    if cpu_threads + io_threads > 16:
        raise ValueError(f"at most 16 threads, got {cpu_threads + io_threads}")
    check_seconds("duration", duration, allow_zero=False)
    if duration > 10:
        raise ValueError(f"duration must be at most 10 seconds, got {duration!r}")
    check_seconds("gap", gap, allow_zero=False)
    check_seconds("io_burst", io_burst, allow_zero=False)
    check_seconds("io_sleep", io_sleep, allow_zero=False)
    check_seconds("lead", lead)
    check_seconds("timeout", timeout, allow_zero=False)

    count = cpu_threads + io_threads
    outs: list[list[Run]] = [[] for _ in range(count)]
    names = [f"cpu-{i + 1}" for i in range(cpu_threads)] + [f"io-{i + 1}" for i in range(io_threads)]
    kinds = ["cpu"] * cpu_threads + ["io"] * io_threads
    # The threads first wait (without spinning) at run_threads' start barrier
    # until all of them exist, so a late thread start cannot eat into the
    # recording; the last to arrive fixes the common start instant, *lead*
    # seconds ahead, and they spin until then.
    clock = [0.0, 0.0]

    def fix_clock() -> None:
        start_at = time.perf_counter() + lead
        clock[:] = [start_at, start_at + duration]

    jobs: list[tuple[Any, tuple[Any, ...]]] = []
    for i, kind in enumerate(kinds):
        if kind == "cpu":
            jobs.append((_cpu, (clock, gap, outs[i])))
        else:
            jobs.append((_io, (clock, gap, io_burst, io_sleep, outs[i])))
    # The deadline: the threads' start, the lead and the recording, then *timeout*.
    run_threads(jobs, lead + duration + timeout, name="gilref-timeline", what="recording a timeline",
                on_start=fix_clock)
    start_at = clock[0]
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "metadata": collect_metadata(),
        "duration_s": duration,
        "gap_s": gap,
        "params": {"cpu_threads": cpu_threads, "io_threads": io_threads, "io_burst_s": io_burst,
                   "io_sleep_s": io_sleep},
        "threads": [
            {"name": n, "kind": k, "runs": [[a - start_at, b - start_at] for a, b in runs]}
            for n, k, runs in zip(names, kinds, outs)
        ],
    }


def record_many(repeats: int = 5, **kwargs: Any) -> dict[str, Any]:
    """*repeats* timelines of :func:`record` (same keyword arguments), one after another.

    :returns: ``{"format", "version", "metadata", "timelines": [...]}``.
    """
    check_int("repeats", repeats, minimum=1)
    timelines = [record(**kwargs) for _ in range(repeats)]
    for tl in timelines:
        tl.pop("metadata", None)  # one copy is enough
    return {"format": FORMAT + "-set", "version": FORMAT_VERSION, "metadata": collect_metadata(),
            "timelines": timelines}


def _check_timeline(timeline: Any) -> None:
    if not isinstance(timeline, dict) or timeline.get("format") != FORMAT:
        raise ValueError(f"not a timeline from gilref.topics.timeline.record (format {FORMAT!r})")


def _clipped(timeline: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Each thread's runs clipped to ``[0, duration]`` (empty runs dropped)."""
    end = float(timeline["duration_s"])
    out = []
    for th in timeline["threads"]:
        runs = []
        for a, b in th["runs"]:
            a, b = max(0.0, float(a)), min(end, float(b))
            if b > a:
                runs.append((a, b))
        out.append(runs)
    return out


def overlap(timeline: dict[str, Any]) -> dict[str, float]:
    """How much of the recording had several threads running at once.

    :returns: ``{"overlap_fraction": share of the duration with two or more
        threads running, "busy_fraction": share with at least one,
        "concurrency": total running time of all threads over the duration
        (1.0 = one thread's worth), "longest_overlap_s": the longest stretch
        with two or more running}``.
    """
    _check_timeline(timeline)
    duration = float(timeline["duration_s"])
    events: list[tuple[float, int]] = []
    total = 0.0
    for runs in _clipped(timeline):
        for a, b in runs:
            events.append((a, 1))
            events.append((b, -1))
            total += b - a
    events.sort(key=lambda e: (e[0], e[1]))  # ends before starts at the same instant
    running = 0
    last = 0.0
    multi = busy = longest = stretch = 0.0
    for t, d in events:
        span = t - last
        if running >= 2:
            multi += span
            stretch += span
        elif stretch:
            longest = max(longest, stretch)
            stretch = 0.0
        if running >= 1:
            busy += span
        running += d
        last = t
        if running < 2 and stretch:
            longest = max(longest, stretch)
            stretch = 0.0
    return {
        "overlap_fraction": multi / duration,
        "busy_fraction": busy / duration,
        "concurrency": total / duration,
        "longest_overlap_s": longest,
    }


def turns(timeline: dict[str, Any]) -> list[dict[str, Any]]:
    """The timeline as a sequence of turns: who ran, from when, until the next thread ran.

    Runs of all threads are ordered by start; consecutive runs of the same
    thread merge into one turn. A turn lasts from its first run's start to the
    next turn's start (the last turn to its own end). On a GIL build this is the
    sequence of GIL hand-offs.

    :returns: ``[{"thread": name, "start": s, "length": s}, ...]``.
    """
    _check_timeline(timeline)
    names = [th["name"] for th in timeline["threads"]]
    runs = sorted((a, b, names[i]) for i, rs in enumerate(_clipped(timeline)) for a, b in rs)
    out: list[dict[str, Any]] = []
    for a, b, name in runs:
        if out and out[-1]["thread"] == name:
            out[-1]["end"] = max(out[-1]["end"], b)
            continue
        out.append({"thread": name, "start": a, "end": b})
    for cur, nxt in zip(out, out[1:]):
        cur["length"] = nxt["start"] - cur["start"]
    if out:
        out[-1]["length"] = out[-1]["end"] - out[-1]["start"]
    return [{"thread": t["thread"], "start": t["start"], "length": t["length"]} for t in out]


def analyze(timeline: dict[str, Any]) -> dict[str, Any]:
    """Share of time each thread ran, overlap, and the hand-off period of one timeline.

    :returns: ``{"shares": {name: fraction of the duration it ran},
        "handoffs": number of turns after the first, "handoff_period_s": median
        length of the turns except the first and last (``None`` with fewer than
        three turns)}`` and every key of :func:`overlap`.
    """
    _check_timeline(timeline)
    duration = float(timeline["duration_s"])
    shares = {
        th["name"]: sum(b - a for a, b in runs) / duration
        for th, runs in zip(timeline["threads"], _clipped(timeline))
    }
    seq = turns(timeline)
    inner = [t["length"] for t in seq[1:-1]]
    return {
        "shares": shares,
        "handoffs": max(0, len(seq) - 1),
        "handoff_period_s": statistics.median(inner) if inner else None,
        **overlap(timeline),
    }


def summarize_many(timelines: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Medians over several timelines of :func:`analyze`'s numbers.

    :returns: ``{"repeats", "shares": {name: median share}, "handoff_period_s",
        "overlap_fraction", "concurrency", "busy_fraction"}`` (medians; the
        hand-off period over the timelines that have one, else ``None``) and
        ``"overlap_fractions"``, every timeline's overlap fraction.
    """
    if not timelines:
        raise ValueError("summarize at least one timeline")
    results = [analyze(t) for t in timelines]
    names = list(results[0]["shares"])
    periods = [r["handoff_period_s"] for r in results if r["handoff_period_s"] is not None]
    return {
        "repeats": len(results),
        "shares": {n: statistics.median(r["shares"].get(n, 0.0) for r in results) for n in names},
        "handoff_period_s": statistics.median(periods) if periods else None,
        "overlap_fraction": statistics.median(r["overlap_fraction"] for r in results),
        "overlap_fractions": [r["overlap_fraction"] for r in results],
        "concurrency": statistics.median(r["concurrency"] for r in results),
        "busy_fraction": statistics.median(r["busy_fraction"] for r in results),
    }


def median_index(timelines: Sequence[dict[str, Any]]) -> int:
    """Index of the timeline with the median overlap fraction (ties: median concurrency).

    Use it to show a *typical* timeline of several, not the most striking one.
    """
    if not timelines:
        raise ValueError("median_index needs at least one timeline")
    keyed = sorted(range(len(timelines)),
                   key=lambda i: (overlap(timelines[i])["overlap_fraction"], overlap(timelines[i])["concurrency"]))
    return keyed[(len(keyed) - 1) // 2]
