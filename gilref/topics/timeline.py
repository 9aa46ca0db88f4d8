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

import re
import statistics
import time
from collections.abc import Sequence
from typing import Any

from ..core._checks import check_int, check_seconds
from ..core.harness import run_threads
from ..core.hostinfo import collect_metadata
from ..core.verdicts import Claim, Interval, Invariant, check, invariant
from ._crosscheck import (
    SPREAD,
    all_of,
    disagreement,
    example_label,
    interpreter_differs,
    labelled,
    load_phrase,
    load_text,
)

__all__ = [
    "CPUS_FULL_SLACK",
    "EXAMPLE_FORMAT",
    "EXAMPLE_OVERLAP_TOLERANCE",
    "EXAMPLE_WIDTH",
    "FORMAT",
    "FREE_CONCURRENCY_MIN",
    "FREE_IO_MIN",
    "FREE_IO_SHORTFALL",
    "FREE_OVERLAP_MIN",
    "GIL_OVERLAP_MAX",
    "IO_HELD_BACK",
    "SHARE_SLACK",
    "TURN_HIGH",
    "TURN_LOW",
    "TURN_STRETCH_SHARE",
    "analyze",
    "drawn_index",
    "example_args",
    "example_overlap_agreement",
    "example_page_comparison",
    "free_io_shortfall",
    "free_io_verdict",
    "free_overlaps_verdict",
    "from_example",
    "gil_alternates_verdict",
    "io_held_back_verdict",
    "io_ideal",
    "median_index",
    "overlap",
    "parse_example_output",
    "record",
    "record_many",
    "recording_invariants",
    "summarize_many",
    "table",
    "turn_length_verdict",
    "turns",
    "turns_defined",
]

FORMAT = "gilref-timeline"
FORMAT_VERSION = 1
TURN_STRETCH_SHARE = 0.9
"""Threads' worth of the time (the share each CPU-bound thread ran, summed) below which other
programs had the cores part of the time: with a GIL one thread runs at a time, so a sound
recording sums to about one; below nine tenths the operating system ran something else in
between, which stretches turns (the turn-length verdict says so at the same value)."""

#: The ``format`` of what ``examples/timeline.py --json FILE`` writes.
EXAMPLE_FORMAT = "gilref-timeline-example"
Run = list[float]

# -- thresholds the verdicts and invariants decide on ------------------------------

GIL_OVERLAP_MAX = 0.001
"""Most share of a recording in which two threads may seem to run at once under
a GIL: a hand-off inside a gap shorter than the detection gap (50 µs) makes
two runs touch; a tenth of a per cent covers a few of those per recording."""

TURN_LOW = 0.8
"""Shortest median turn of CPU-bound threads under a GIL, in switch intervals:
a waiting thread asks for the GIL only after a full interval."""

TURN_HIGH = 5.0
"""Longest median turn, in switch intervals: the operating system may stretch a
turn when it runs other programs on the core, but five intervals would mean
the GIL was not being handed over on request at all."""

IO_HELD_BACK = 0.75
"""Share of its unhindered running time (its duty cycle) below which the I/O-style
thread counts as held back by the GIL: a quarter lost is beyond noise."""

EXAMPLE_WIDTH = 48
"""Columns of the example's text drawing as the chapter runs it: with the thread name and
the share around it a row is 63 characters, which fits the book's content column without
scrolling (the example's own default, 72, makes 87)."""

FREE_OVERLAP_MIN = 0.1
"""Least share of the time with two or more threads running that shows real
parallelism on a free-threaded build (a tenth: well above any detection artefact)."""

FREE_CONCURRENCY_MIN = 1.0
"""Least threads' worth of running time on a free-threaded build: more than one
thread's worth means threads ran side by side (with a GIL it is at most 1)."""

FREE_IO_MIN = 0.5
"""Least share of its duty cycle the I/O-style thread keeps without a GIL: it
waits only for a core, which on a busy host of two cores can cost up to half."""

FREE_IO_SHORTFALL = 0.1
"""Share of its duty cycle the I/O-style thread may miss without a GIL before the verdict says why
(a tenth: beyond what the sleep timer's lateness and the clock readings at a run's ends take)."""

CPUS_FULL_SLACK = 0.1
"""How far below the usable CPUs the threads' worth of running may stay for the CPUs to count as
full: a tenth of a CPU goes to the switches between threads and the detection gaps."""

EXAMPLE_OVERLAP_TOLERANCE = 0.1
"""How far (as a share of the time, either way) the example's one recording may lie outside the
measurement's quartiles of the overlap share and still agree with it: one short recording on a
shared host of two cores loses a core to other programs for a few milliseconds at a time, a tenth
of a 50 ms recording."""

SHARE_SLACK = 0.02
"""Absolute slack of the invariants on shares of the recording: the clock
readings at a run's ends and a recording's edges are a few microseconds off."""


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


def median_index(timelines: Sequence[dict[str, Any]], *, share: str | None = None) -> int:
    """Index of the timeline with the median overlap fraction (ties: median concurrency), or, with
    *share*, the median share of the time that thread ran (ties: overlap).

    Use it to show a *typical* timeline of several, not the most striking one, picked by the
    quantity its caption states.
    """
    if not timelines:
        raise ValueError("median_index needs at least one timeline")
    facts = [overlap(t) for t in timelines]
    if share is not None:
        shares = [analyze(t)["shares"].get(share) for t in timelines]
        if any(x is None for x in shares):
            raise ValueError(f"no thread named {share!r} in every timeline")
        keyed = sorted(range(len(timelines)), key=lambda i: (shares[i], facts[i]["overlap_fraction"]))
    else:
        keyed = sorted(range(len(timelines)),
                       key=lambda i: (facts[i]["overlap_fraction"], facts[i]["concurrency"]))
    return keyed[(len(keyed) - 1) // 2]


def drawn_index(timelines: Sequence[dict[str, Any]]) -> int:
    """The recording the chapter draws and tabulates: the median share of the I/O-style thread
    (``io-1``) where every recording has one, else the median overlap (:func:`median_index`)."""
    if timelines and all("io-1" in analyze(t)["shares"] for t in timelines):
        return median_index(timelines, share="io-1")
    return median_index(timelines)


def example_args(cpu_threads: int = 3, duration: float = 0.05, width: int = EXAMPLE_WIDTH) -> list[str]:
    """The command-line arguments the chapter runs ``examples/timeline.py`` with (drawing *width* columns)."""
    check_int("cpu_threads", cpu_threads, minimum=1)
    check_int("width", width, minimum=10)
    check_seconds("duration", duration)
    return ["--cpu-threads", str(cpu_threads), "--duration", f"{duration:g}", "--width", str(width)]


# -- the reader's example and the chapter's table --------------------------------------


def from_example(data: Any) -> dict[str, Any]:
    """What ``examples/timeline.py --json FILE`` wrote, as a timeline :func:`analyze` reads.

    :raises ValueError: if *data* is not that example's JSON.
    """
    if not isinstance(data, dict) or data.get("format") != EXAMPLE_FORMAT:
        raise ValueError(f"not the JSON of examples/timeline.py (format {EXAMPLE_FORMAT!r})")
    return {"format": FORMAT, "version": FORMAT_VERSION, "duration_s": float(data["duration_s"]),
            "gap_s": float(data["gap_s"]), "params": {},
            "threads": [{"name": t["name"], "kind": "io" if t["name"].startswith("io") else "cpu",
                         "runs": [[float(a), float(b)] for a, b in t["runs"]]} for t in data["threads"]]}


def io_ideal(data: dict[str, Any]) -> float:
    """The I/O-style thread's duty cycle (burst over burst plus sleep) in a :func:`record_many` set."""
    params = data["timelines"][0]["params"]
    return float(params["io_burst_s"]) / (float(params["io_burst_s"]) + float(params["io_sleep_s"]))


def table(entries: Sequence[tuple[str, str, dict[str, Any]]]) -> list[dict[str, str]]:
    """The chapter's table: one row per (build label, scenario, :func:`record_many` set).

    Each thread's share comes from one recording, the one the chart draws
    (:func:`drawn_index`), with their sum: the shares of one recording add up
    to its threads' worth of running, which with a GIL is at most one (the
    invariant ``within_the_whole``). Per-thread medians over the recordings
    would not add up to anything. The other columns are medians over the
    recordings. A turn is defined only with a GIL and while runs do not overlap (at
    most :data:`GIL_OVERLAP_MAX` of the time; :func:`turns_defined`): otherwise the turn
    column shows "–".
    """
    rows = []
    for build, scenario, data in entries:
        st = summarize_many(data["timelines"])
        drawn = analyze(data["timelines"][drawn_index(data["timelines"])])
        period = st["handoff_period_s"]
        shares = ", ".join(f"{n} {v:.0%}" for n, v in drawn["shares"].items())
        rows.append({
            "build": build,
            "scenario": scenario,
            "share of time each thread ran (the recording drawn; sum)":
                f"{shares} = {sum(drawn['shares'].values()):.2f}",
            "threads' worth of running (median)": f"{st['concurrency']:.2f}",
            "time with ≥ 2 running (median)": f"{st['overlap_fraction']:.1%}",
            "median turn (ms)": (f"{period * 1000:.2f}" if period is not None
                                 and turns_defined(st, gil=data.get("metadata", {}).get("gil_enabled") is not False)
                                 else "–"),
        })
    return rows


def turns_defined(summary: dict[str, Any], *, gil: bool = True) -> bool:
    """Whether a :func:`summarize_many` summary's turns mean anything: a turn runs from one thread's
    start to the next thread's, a GIL hand-off, which describes who ran only with a GIL (without one
    no thread waits for another's turn, and a recording without overlap shows the operating
    system's scheduling on a busy host, not turns) and while runs do not overlap (the median
    overlap share at most :data:`GIL_OVERLAP_MAX`)."""
    return gil and float(summary["overlap_fraction"]) <= GIL_OVERLAP_MAX


# -- verdicts ----------------------------------------------------------------------


_EX_HEAD = re.compile(r"^Python (\S+) \(GIL (on|off)\), ([\d.]+) ms, one column", re.M)
_EX_SHARE = re.compile(r"^\s*(\S+) \|[#.]+\|\s+(\d+)%\s*$", re.M)
_EX_TURN = re.compile(r"^median turn: ([\d.]+) ms over (\d+) turns? \(switch interval ([\d.]+) ms", re.M)


def parse_example_output(text: str) -> dict[str, Any]:
    """What ``examples/timeline.py`` printed, as numbers.

    :returns: ``python``, ``gil`` (bool), ``duration_s``, ``shares`` (``{thread: fraction of the time it
        ran}``), and when it printed one, ``turn_s`` (median turn, seconds), ``turns`` (how many) and
        ``switch_s``; those three are ``None`` otherwise.
    :raises ValueError: when *text* is not the script's output.
    """
    head = _EX_HEAD.search(text)
    if head is None:
        raise ValueError("not the output of timeline.py")
    turn = _EX_TURN.search(text)
    return {"python": head.group(1), "gil": head.group(2) == "on", "duration_s": float(head.group(3)) / 1000,
            "shares": {n: float(v) / 100 for n, v in _EX_SHARE.findall(text)},
            "turn_s": float(turn.group(1)) / 1000 if turn else None, "turns": int(turn.group(2)) if turn else None,
            "switch_s": float(turn.group(3)) / 1000 if turn else None}


def example_page_comparison(output: str, record: dict[str, Any] | None, chapter: str = "timeline") -> str:
    """Why the turns ``timeline.py`` printed on its example page differ from the chapter's.

    *output*: what the script printed there (its small arguments, on the book's interpreter);
    *record*: the chapter's record (``record["data"]["gil_cpu"]`` is the GIL build's
    :func:`record_many` set of CPU-bound threads). Sets the example's median turn beside the
    chapter's (both in ms and in switch intervals), with the share of the time the threads ran
    together in each (below :data:`TURN_STRETCH_SHARE` other programs had the cores part of the
    time, which stretches turns), and names what else differs (interpreter, recording length and
    number of turns). ``""`` when *output* is not the script's or printed no median turn.
    """
    try:
        run = parse_example_output(output)
    except ValueError:
        return ""
    if run["turn_s"] is None or not run["switch_s"]:
        return ""
    mine_iv = run["turn_s"] / run["switch_s"]
    busy_here = sum(run["shares"].values())
    mine = (f"This run (one recording of {run['duration_s'] * 1000:g} ms on Python {run['python']}) took a median "
            f"turn of {run['turn_s'] * 1000:.2f} ms over {run['turns']} turns, {mine_iv:.2f} switch intervals; its "
            f"threads ran {busy_here:.2f} threads' worth of the time together.")
    data = ((record or {}).get("data") or {}).get("gil_cpu")
    if not data:
        return (f"**These are the small arguments' numbers.** {mine} (The chapter's record is not in this "
                "edition, so its turns cannot be set beside these.)\n")
    analyses = _analyses(data)
    periods = [a["handoff_period_s"] for a in analyses if a["handoff_period_s"] is not None]
    if not periods:
        return ""
    switch = float(data["metadata"]["switch_interval_s"])
    theirs = Interval.of(periods)
    busy_there = Interval.of([a["concurrency"] for a in analyses])
    counted = sum(max(0, a["handoffs"] - 1) for a in analyses)
    version = str(data.get("metadata", {}).get("python_version", "?"))
    dur = float(data["timelines"][0]["duration_s"])
    chap = (f"{{doc}}`../{chapter}` recorded CPython {version} {len(periods)} times for {dur * 1000:g} ms: median "
            f"turns of {theirs.scaled(1000).text('.2f', ' ms')} ({theirs.median / switch:.2f} intervals), about "
            f"{counted} turns in all, its threads running {busy_there.text('.2f', '')} threads' worth of the time.")
    why = []
    if busy_here < TURN_STRETCH_SHARE <= busy_there.low:
        why.append(f"here the threads had the cores only {busy_here:.2f} of the time, so other programs ran in "
                   "between and stretched the turns the operating system gave them")
    elif busy_here >= TURN_STRETCH_SHARE and busy_there.high < TURN_STRETCH_SHARE:
        why.append("there the threads had the cores less of the time, which stretches turns")
    if version != run["python"]:
        why.append(f"another interpreter (Python {run['python']} here, {version} there), whose holder reaches its "
                   "next eval-breaker check after its own delay")
    if run["turns"] < counted:
        why.append(f"{run['turns']} turns here against about {counted} there, so one long turn weighs more")
    agree = theirs.low <= run["turn_s"] <= theirs.high
    lead = ("**The turns agree with the chapter's.**" if agree else "**Why these turns differ from the chapter's.**")
    tail = ("; ".join(why) + ".") if why else "nothing this page measures: the host's noise."
    return f"{lead} {mine} {chap} " + ("" if agree else "What differs: " + tail) + "\n"


def _analyses(data: dict[str, Any]) -> list[dict[str, Any]]:
    timelines = data.get("timelines") if isinstance(data, dict) else None
    if not timelines:
        raise ValueError("a record_many set with at least one timeline is needed")
    return [analyze(t) for t in timelines]


def _differences(data: dict[str, Any], example: dict[str, Any]) -> str:
    """What differs between a :func:`record_many` set and the example's one recording."""
    first = data["timelines"][0]
    out = [interpreter_differs(data.get("metadata", {}), example),
           f"the recording (the example's one of {float(example['duration_s']) * 1000:g} ms, against "
           f"{len(data['timelines'])} of {float(first['duration_s']) * 1000:g} ms)",
           load_phrase(data.get("metadata", {}))]
    return "; ".join(o for o in out if o)


def _pct(interval: Interval, fmt: str = ".1f") -> str:
    return interval.scaled(100).text(fmt, "%")


def gil_alternates_verdict(sets: Sequence[dict[str, Any]], *, build: str,
                           example: dict[str, Any] | None = None) -> Claim:
    """Whether, with the GIL, no two threads ran at once in any recording of *sets*.

    Decided on (first quartile, median, largest) of every recording's overlap
    share: all of it below :data:`GIL_OVERLAP_MAX` holds (the largest too);
    from the first quartile up at or above contradicts; between is undecided (a
    few recordings overlapped). *example* (the example's ``--json``, run on
    the same build) is decided on its one recording; when it disagrees the
    claim is undecided.
    """
    overlaps = [a["overlap_fraction"] for data in sets for a in _analyses(data)]
    q = Interval.of(overlaps)
    spread = Interval(q.low, q.median, max(max(overlaps), q.median))
    decided = spread.below(GIL_OVERLAP_MAX)
    ex_text, ex_decided = "", decided
    if example is not None:
        ex = overlap(from_example(example))["overlap_fraction"]
        ex_decided = ex < GIL_OVERLAP_MAX
        ex_text = (f" The example below, on {example_label(example)}, recorded {ex * 100:.1f}% of its time with "
                   "two or more threads running.")
    worst = max(overlaps)
    share = "zero" if worst == 0 else f"at most {worst * 100:.3f}%"
    counts = [len(data["timelines"]) for data in sets]
    of_each = (f" ({counts[0]} of each of the {len(sets)} scenarios)" if len(set(counts)) == 1 and len(sets) > 1
               else f" ({' + '.join(str(c) for c in counts)} of its {len(sets)} scenarios)" if len(sets) > 1 else "")
    unclear = (SPREAD + " In the {n} recordings on {build}{of_each} the share of time in which two threads ran "
               "at once was {share}: below {limit_pct:.1f}% in most, not in all." + ex_text)
    if example is not None and decided != ex_decided:
        unclear = (disagreement(decided, ex_decided) + " In the {n} recordings on {build}{of_each} the share "
                   "of time in which two threads ran at once was {share}." + ex_text
                   + " With a GIL neither should exceed {limit_pct:.1f}%. They differ in "
                   + _differences(sets[0], example) + ".")
    return check(
        "gil_alternates", "with the GIL, only one thread runs Python code at any instant",
        decided if decided == ex_decided else None,
        overlap=spread, worst=worst * 100, n=len(overlaps), build=build, share=share, limit_pct=GIL_OVERLAP_MAX * 100,
        of_each=of_each,
        supported="**With the GIL the bars alternate.** In all {n} recordings on {build}{of_each}, the share of "
                  "time in which two threads ran at once was {share}: one thread ran, then another, "
                  "never two together." + ex_text,
        contradicted="On {build} two threads ran at once for up to {worst:.2f}% of a recording (more than "
                     "{limit_pct:.1f}% in most of them): more than the detection gap explains." + ex_text,
        unclear=unclear,
    )


def turn_length_verdict(cpu: dict[str, Any], *, build: str) -> Claim:
    """Whether CPU-bound threads under the GIL took turns of about one switch interval.

    Decided on the recordings' median turns in switch intervals (the set's
    ``metadata["switch_interval_s"]``): all of it in [:data:`TURN_LOW`,
    :data:`TURN_HIGH`] holds, none of it contradicts.
    """
    switch = float(cpu["metadata"]["switch_interval_s"])
    periods = [a["handoff_period_s"] for a in _analyses(cpu) if a["handoff_period_s"] is not None]
    if not periods:
        return check("gil_turn_length", "CPU-bound threads under the GIL take turns of about one switch interval",
                     False, switch=switch * 1000, build=build, supported="",
                     contradicted="On {build} the CPU-bound threads never handed over the GIL in a "
                                  "recording: no turns to measure.")
    turns_iv = Interval.of([p / switch for p in periods])
    conc = Interval.of([a["concurrency"] for a in _analyses(cpu)])
    busy = (f" Together the threads ran {conc.text('.2f', '')} threads' worth of the time: other programs "
            "had the cores for the rest, which stretches turns." if conc.median < TURN_STRETCH_SHARE else "")
    return check(
        "gil_turn_length", "CPU-bound threads under the GIL take turns of about one switch interval",
        turns_iv.between(TURN_LOW, TURN_HIGH),
        intervals=turns_iv, period=Interval.of(periods).scaled(1000).text(".1f", " ms"),
        turns=turns_iv.text(".2f", ""), switch=switch * 1000, build=build, low=TURN_LOW, high=TURN_HIGH,
        threads=cpu["timelines"][0]["params"].get("cpu_threads", "several"),
        supported="The {threads} CPU-bound threads took turns of {period} (median turn of each recording; "
                  "{turns} switch intervals): a waiting thread asks for the GIL after one switch interval "
                  "({switch:g} ms), and the operating system may stretch a turn when it runs something "
                  "else in between." + busy,
        contradicted="The CPU-bound threads' median turn lasted {period} ({turns} switch intervals of "
                     "{switch:g} ms), outside {low:g} to {high:g} intervals." + busy,
        unclear=SPREAD + " The CPU-bound threads' median turns lasted {period} ({turns} switch intervals of "
                "{switch:g} ms), partly outside {low:g} to {high:g} intervals." + busy,
    )


def io_held_back_verdict(mix: dict[str, Any], *, build: str) -> Claim:
    """Whether under the GIL the I/O-style thread ran less than :data:`IO_HELD_BACK` of its duty cycle.

    The sentence names the build and its switch interval (``mix["metadata"]["switch_interval_s"]``)
    and states the share over the recordings (median and quartiles): the chapter draws the
    recording with the median share (:func:`median_index` with ``share="io-1"``).
    """
    ideal = io_ideal(mix)
    switch = float(mix["metadata"].get("switch_interval_s") or 0.0) * 1000
    share = Interval.of([a["shares"]["io-1"] for a in _analyses(mix)])
    of_ideal = share.scaled(1 / ideal)
    return check(
        "gil_io_held_back",
        "under the GIL an I/O-bound thread beside CPU-bound threads gets less done than it could",
        of_ideal.below(IO_HELD_BACK),
        share_interval=share, share=_pct(share), ideal=ideal * 100, of_ideal=_pct(of_ideal, ".0f"),
        build=build, limit=IO_HELD_BACK * 100, switch=switch,
        supported="**With the GIL the I/O-style thread is held back.** On {build} (switch interval {switch:g} ms), "
                  "beside two CPU-bound threads the I/O-style thread ran {share} of the time, "
                  "{of_ideal} of the {ideal:.0f}% it needs: after every sleep it waited for the GIL first.",
        contradicted="On {build} (switch interval {switch:g} ms), beside two CPU-bound threads the I/O-style "
                     "thread still ran {share} of the time, {of_ideal} of the {ideal:.0f}% it needs (above "
                     "{limit:.0f}%).",
        unclear=SPREAD + " On {build} (switch interval {switch:g} ms), beside two CPU-bound threads the I/O-style "
                "thread ran {share} of the time, {of_ideal} of the {ideal:.0f}% it needs (held back means below "
                "{limit:.0f}%).",
    )


def free_overlaps_verdict(free: dict[str, Any], gil: dict[str, Any], *, build: str,
                          example: dict[str, Any] | None = None) -> Claim:
    """Whether without the GIL CPU-bound threads ran at the same time.

    Holds when the recordings' overlap shares are all at least
    :data:`FREE_OVERLAP_MIN` and their threads' worth of running at least
    :data:`FREE_CONCURRENCY_MIN` (quartiles); *example* (the example's
    ``--json`` on the free-threaded build) is decided alike on its one
    recording; when it disagrees the claim is undecided.
    """
    fa, ga = _analyses(free), _analyses(gil)
    ov = Interval.of([a["overlap_fraction"] for a in fa])
    conc = Interval.of([a["concurrency"] for a in fa])
    gconc = Interval.of([a["concurrency"] for a in ga])
    decided = all_of(ov.at_least(FREE_OVERLAP_MIN), conc.at_least(FREE_CONCURRENCY_MIN))
    ex_text, ex_decided = "", decided
    if example is not None:
        ex = overlap(from_example(example))
        ex_decided = ex["overlap_fraction"] >= FREE_OVERLAP_MIN and ex["concurrency"] >= FREE_CONCURRENCY_MIN
        ex_text = (f" The example below, on {example_label(example)}, recorded {ex['overlap_fraction'] * 100:.1f}% "
                   "of its time with two or more threads running"
                   + example_overlap_agreement(ov, conc, ex, free, example))
    unclear = (SPREAD + " On {build} two or more threads ran at once {overlap} of the time (together {conc} "
               "threads' worth; at least {need:.0f}% and one thread's worth would show it)." + ex_text)
    if example is not None and decided != ex_decided:
        unclear = (disagreement(decided, ex_decided) + " On {build} two or more threads ran at once "
                   "{overlap} of the time (together {conc} threads' worth)." + ex_text + " They differ in "
                   + _differences(free, example) + "; on a busy host of {cpus} cores the operating "
                   "system gives threads separate cores only part of the time.")
    return check(
        "free_overlaps", "without the GIL, CPU-bound threads run at the same time on different cores",
        decided if decided == ex_decided else None,
        overlap_interval=ov, overlap=_pct(ov, ".1f"), concurrency=conc, conc=conc.text(".2f", ""),
        gil_conc=gconc.text(".2f", ""), build=build, cpus=free["metadata"].get("usable_cpus", "?"),
        need=FREE_OVERLAP_MIN * 100,
        supported="**Without the GIL the bars overlap.** On {build} two or more threads ran at once "
                  "{overlap} of the time, and together they ran {conc} threads' worth of time, against "
                  "{gil_conc} with the GIL." + ex_text,
        contradicted="On {build} threads ran at once only {overlap} of the time (together {conc} "
                     "threads' worth): the operating system did not give them separate cores for long, "
                     "which happens on a busy host." + ex_text,
        unclear=unclear,
    )


def example_overlap_agreement(measured: Interval, concurrency: Interval, ex: dict[str, float],
                              data: dict[str, Any], example: dict[str, Any]) -> str:
    """How the example's overlap share compares with the measurement's, as the end of a sentence.

    Agrees when it lies within :data:`EXAMPLE_OVERLAP_TOLERANCE` of the
    measurement's quartiles; otherwise says by how much it differs and why,
    from the numbers: its threads' worth of running against the measurement's
    (fewer cores free during it) and what differs between the runs.

    :param measured: the measurement's overlap shares (quartiles, shares of 1).
    :param concurrency: the measurement's threads' worth of running (quartiles).
    :param ex: :func:`overlap` of the example's recording.
    """
    x, tol = ex["overlap_fraction"], EXAMPLE_OVERLAP_TOLERANCE
    if measured.low - tol <= x <= measured.high + tol:
        return (f", which agrees with the measurement's {_pct(measured, '.1f')} within {tol * 100:.0f} points "
                "(the tolerance for one short recording).")
    side = "below" if x < measured.low else "above"
    gap = (measured.low - x) if side == "below" else (x - measured.high)
    fewer = (f"; its threads ran {ex['concurrency']:.2f} threads' worth of the time against "
             f"{concurrency.text('.2f', '')} in the measurement, so for part of it fewer cores were free to them"
             if ex["concurrency"] < concurrency.low else "")
    return (f", {gap * 100:.0f} points {side} the measurement's {_pct(measured, '.1f')}, beyond the "
            f"{tol * 100:.0f}-point tolerance for one short recording. They differ in "
            + _differences(data, example) + fewer + ".")


def free_io_shortfall(free: dict[str, Any]) -> str:
    """Why the I/O-style thread ran short of its duty cycle without a GIL, as sentences, or ``""`` when
    its share's upper quartile came within :data:`FREE_IO_SHORTFALL` of the duty cycle.

    Computed from the recordings: what the threads ask for (each CPU-bound thread a whole CPU, the
    I/O-style one its duty cycle) against the usable CPUs, and the threads' worth of running they got
    (median over the recordings). With more asked than there are CPUs, and those CPUs full (within
    :data:`CPUS_FULL_SLACK`), the thread waited for a CPU after its sleeps, not for a lock; with CPUs
    to spare, or not full, other programs on the host held them (the load average is given).
    """
    ideal = io_ideal(free)
    analyses = _analyses(free)
    share = Interval.of([a["shares"]["io-1"] for a in analyses])
    if share.high >= ideal * (1 - FREE_IO_SHORTFALL):
        return ""
    kinds = [th.get("kind", "cpu") for th in free["timelines"][0]["threads"]]
    n_cpu, n_io = kinds.count("cpu"), kinds.count("io")
    asked = n_cpu + n_io * ideal
    meta = free.get("metadata", {})
    cpus = int(meta.get("usable_cpus") or 0)
    got = Interval.of([a["concurrency"] for a in analyses])
    threads = (f"The {n_cpu + n_io} threads ask for {asked:.2f} CPUs' worth of running ({n_cpu} CPU-bound, a whole "
               f"CPU each, {n_io} I/O-style at {ideal:.0%})")
    if not cpus:
        return " The usable CPUs were not recorded, so this page cannot say whether it waited for one."
    if asked > cpus and got.median >= cpus - CPUS_FULL_SLACK:
        return (f" {threads}, more than the {cpus} usable CPUs, and together they ran "
                f"{got.text('.2f', '')} threads' worth of the time: the CPUs were full, so after its sleeps it "
                "waited for a CPU, not for a lock (the gaps in its bars).")
    return (f" {threads}, against {cpus} usable CPUs, and together they ran only "
            f"{got.text('.2f', '')} threads' worth of the time, less than the {min(asked, cpus):.2f} they could "
            f"have had: other programs held the CPUs part of the time (load average "
            f"{load_text(meta.get('load_average'))} at the measurement).")


def free_io_verdict(free: dict[str, Any], gil: dict[str, Any], *, build: str) -> Claim:
    """Whether without the GIL the I/O-style thread kept at least :data:`FREE_IO_MIN` of its duty cycle.

    Where it kept less than all of it (beyond :data:`FREE_IO_SHORTFALL`), the lead no longer says it
    kept its pace, and :func:`free_io_shortfall` says why from the recordings.
    """
    ideal = io_ideal(free)
    share = Interval.of([a["shares"]["io-1"] for a in _analyses(free)])
    gshare = Interval.of([a["shares"]["io-1"] for a in _analyses(gil)])
    short = free_io_shortfall(free).replace("{", "{{").replace("}", "}}")  # sentences, not a template
    lead = ("**Without the GIL the I/O-style thread keeps its pace.**" if not short else
            "**Without the GIL no lock holds the I/O-style thread back; it still ran short.**")
    return check(
        "free_io_unhindered", "without the GIL an I/O-bound thread is not held back by CPU-bound threads",
        share.scaled(1 / ideal).at_least(FREE_IO_MIN),
        share_interval=share, share=_pct(share), gil_share=_pct(gshare), ideal=ideal * 100, build=build,
        of_ideal=_pct(share.scaled(1 / ideal), ".0f"),
        supported=lead + " It ran {share} of the time on {build}, {of_ideal} of the {ideal:.0f}% it needs, "
                  "against {gil_share} with the GIL." + short,
        contradicted="On {build} the I/O-style thread ran only {share} of the time (of the {ideal:.0f}% "
                     "it needs; {gil_share} with the GIL)." + (short
                                                              or " It waited for a core."),
        unclear=SPREAD + " The I/O-style thread ran {share} of the time on {build} (of the {ideal:.0f}% "
                "it needs, at least half of which would show it unhindered; {gil_share} with the GIL)."
                + short,
    )


# -- invariants --------------------------------------------------------------------


def recording_invariants(data: dict[str, Any], *, prefix: str = "", label: str = "") -> list[Invariant]:
    """What must hold of a :func:`record_many` set if the recording was sound.

    - each thread's share of a recording lies in [0, 1];
    - 0 ≤ the overlap share ≤ 1, and the overlap is at most the running time
      beyond the first thread's (threads' worth minus busy share);
    - the threads' worth of running is at most the threads, the usable CPUs,
      and with a GIL one (plus :data:`GIL_OVERLAP_MAX`);
    - an I/O-style thread runs at most its duty cycle;
    - every thread ran at all in every recording (else the host, not the GIL, decided the shares).

    All with :data:`SHARE_SLACK`.

    :param prefix: prepended to each key.
    :param label: which build and run, put before each statement.
    """
    analyses = _analyses(data)
    meta = data.get("metadata", {})
    threads = len(data["timelines"][0]["threads"])
    cpus = int(meta.get("usable_cpus") or meta.get("cpu_count") or threads)
    gil = meta.get("gil_enabled") is not False
    cap = 1.0 + GIL_OVERLAP_MAX if gil else float(min(threads, cpus))
    shares = [v for a in analyses for v in a["shares"].values()]
    out = [
        invariant(prefix + "shares_in_unit", "every thread ran between none and all of each recording",
                  all(-SHARE_SLACK <= v <= 1 + SHARE_SLACK for v in shares),
                  most=max(shares), cause="a run was recorded outside the recording's window (a bug)"),
        invariant(prefix + "overlap_consistent",
                  "the time with two or more running is at least zero, at most the whole, and at most the "
                  "running time beyond one thread's",
                  all(-SHARE_SLACK <= a["overlap_fraction"] <= 1 + SHARE_SLACK
                      and a["overlap_fraction"] <= a["concurrency"] - a["busy_fraction"] + SHARE_SLACK
                      for a in analyses),
                  cause="the overlap was computed from runs that do not match the shares (a bug)"),
        invariant(prefix + "within_the_whole",
                  "the threads together ran at most {cap:.2f} threads' worth of each recording"
                  + (" (one GIL)" if gil else " (threads and usable CPUs)"),
                  all(a["concurrency"] <= cap + SHARE_SLACK for a in analyses),
                  cap=cap, most=max(a["concurrency"] for a in analyses),
                  cause=("two threads held the GIL at once, or their clock readings overlapped by more than "
                         "the detection gap" if gil else "more threads ran at once than there are CPUs "
                         "(a bug in the recording)")),
    ]
    idle = sorted({n for a in analyses for n, v in a["shares"].items() if v <= 0})
    out.append(invariant(
        prefix + "every_thread_ran", "every thread ran in every recording", not idle,
        starved=", ".join(idle), cause="the host was so busy that the operating system did not run a thread at all "
                            "during a whole recording ({starved}); its share and the overlap say more about "
                            "the host's load than about the GIL"))
    io = [name for name in analyses[0]["shares"] if name.startswith("io")]
    if io:
        ideal = io_ideal(data)
        out.append(invariant(
            prefix + "io_within_duty_cycle",
            "the I/O-style thread ran at most its duty cycle ({ideal:.0%}) of each recording",
            all(a["shares"][n] <= ideal + SHARE_SLACK for a in analyses for n in io),
            ideal=ideal, most=max(a["shares"][n] for a in analyses for n in io),
            cause="its sleeps were shorter than asked (the operating system's timer), or a bug"))
    return labelled(out, label)
