"""The verdicts and invariants of the chapter "CPU-bound versus I/O-bound".

The measurements are :func:`gilref.core.harness.countdown_suite` (the
countdown on one thread, on N threads, on N processes whose pool is started
before the clock) and :func:`gilref.core.harness.io_suite` (waits spread over
threads); the reader's script ``examples/countdown.py`` measures the countdown
again its own way, and :func:`run_countdown_example` runs it with ``--json``
so the verdicts can take its numbers too.

Verdicts (:func:`threads_verdict`, :func:`processes_verdict`,
:func:`io_verdict`) are decided on intervals (the quartiles of the repeats)
against the named thresholds below; the example, when given, can only make a
verdict undecided, by deciding the other way. Invariants
(:func:`countdown_invariants`, :func:`io_invariants`) are what any sound run
satisfies, whatever the GIL does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.results import Suite, Timing
from ..core.verdicts import Claim, Interval, Invariant, at_most, check, invariant, ratio_interval
from ._crosscheck import (
    busy_text,
    fixed_cost,
    job_size_text,
    load_text,
    overlap,
    quartile_note,
    why_undecided,
    with_example,
)
from ._examplejson import ExampleRun, run_with_json
from .fetch import SCALE_SHARE as FETCH_SCALE_SHARE
from .processes import load_reason

__all__ = [
    "IO_IDEAL_SHARE",
    "IO_MONOTONE_SLACK",
    "PROCESSES_GAIN",
    "PROCESS_SLACK",
    "SPEEDUP_SLACK",
    "THREADS_GAIN",
    "CountdownExample",
    "FirstLook",
    "bar_reason",
    "countdown_invariants",
    "example_invariants",
    "first_look",
    "io_invariants",
    "io_overhead",
    "io_verdict",
    "measured_under",
    "processes_verdict",
    "run_countdown_example",
    "threads_verdict",
]

# -- thresholds ---------------------------------------------------------------------

#: Threads count as *speeding up* the CPU-bound countdown when even the low end of
#: their speedup interval reaches this factor. Under the GIL the expectation is at
#: most 1 (turns on one lock, plus hand-offs); 1.2 leaves room for the noise of a
#: small shared host, yet is far below the 2× that two cores would give without it.
THREADS_GAIN = 1.2
#: Processes count as *speeding up* the countdown when the low end of their speedup
#: interval reaches this factor: well above what noise alone produces, and below the
#: ideal N× so that a host with one core busy elsewhere still shows the effect.
PROCESSES_GAIN = 1.3
#: Waiting threads count as *near the ideal* when, at every thread count, even the
#: low end of the speedup is at least this share of the ideal (the thread count, or
#: the task count if smaller): 80% leaves room for starting threads and waking up.
#: It is lower than the fetching chapter's bar (``gilref.topics.fetch.SCALE_SHARE``)
#: on purpose: each run here starts new threads inside its timing, and at the most
#: threads each makes a single wait, so starting and waking a thread weighs more than
#: in that chapter's pool, started (and warmed) before the clock; :func:`bar_reason`
#: says so on the page.
IO_IDEAL_SHARE = 0.8
#: Invariant: N processes started before the clock do the same work as one thread
#: on N cores, so even on one free core they are not slower than one thread by more
#: than this fraction (dispatching the shares through pipes and waking the workers).
PROCESS_SLACK = 0.25
#: Invariant: N workers cannot make a job more than N times faster; a speedup whose
#: low end exceeds N by more than this fraction means the baseline was disturbed.
SPEEDUP_SLACK = 0.10
#: Invariant: more threads never make a job of waits slower (while there are
#: tasks to share); this fraction covers starting the extra threads.
IO_MONOTONE_SLACK = 0.20


# -- the reader's example -------------------------------------------------------------


@dataclass(frozen=True)
class CountdownExample:
    """What ``examples/countdown.py --json`` measured (seconds per run, per configuration).

    :param count: total countdown steps.
    :param workers: threads and processes.
    :param start_method: the multiprocessing start method the script used (its Python's default).
    :param python: the script's Python version.
    :param one_thread: seconds per run, all steps on the main thread.
    :param threads: seconds per run on *workers* threads.
    :param processes: seconds per run on *workers* processes started inside the timing.
    :param process_start: seconds per run to start *workers* processes with nothing to do and see them end.
    :param load_average: the host's 1, 5 and 15 minute load average when the script ended (or None).
    """

    count: int
    workers: int
    start_method: str
    python: str
    one_thread: tuple[float, ...]
    threads: tuple[float, ...]
    processes: tuple[float, ...]
    process_start: tuple[float, ...]
    load_average: tuple[float, ...] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CountdownExample:
        """From the object the script writes with ``--json``.

        :raises ValueError: if a key is missing or a time list is empty.
        """
        try:
            sec = data["seconds"]
            one, thr, prc, start = (tuple(float(v) for v in sec[k])
                                    for k in ("one_thread", "threads", "processes", "process_start"))
            load = tuple(float(x) for x in data["load_average"]) if data.get("load_average") else None
            out = cls(int(data["count"]), int(data["workers"]), str(data["start_method"]), str(data["python"]),
                      one, thr, prc, start, load)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not the JSON of examples/countdown.py: {exc}") from None
        if not all((out.one_thread, out.threads, out.processes, out.process_start)):
            raise ValueError("examples/countdown.py wrote an empty time list")
        return out

    def threads_speedup(self) -> Interval:
        """One thread's time over the threads' time (a factor, > 1 is faster), on quartiles."""
        return ratio_interval(self.one_thread, self.threads)

    def processes_speedup(self) -> Interval:
        """One thread's time over the processes' time, process start included."""
        return ratio_interval(self.one_thread, self.processes)

    def processes_speedup_without_start(self) -> Interval:
        """As :meth:`processes_speedup`, with the start-up time of the same run taken off each time."""
        net = [max(p - s, 1e-9) for p, s in zip(self.processes, self.process_start)]
        return ratio_interval(self.one_thread, net)


def run_countdown_example(count: int, workers: int, repeats: int, *,
                          timeout: float = 300.0) -> tuple[str, CountdownExample]:
    """Run ``examples/countdown.py`` as a reader would: (what it printed, its measurements)."""
    run: ExampleRun = run_with_json("countdown.py", ["--count", str(count), "--workers", str(workers),
                                                     "--repeats", str(repeats)], timeout=timeout)
    return run.text, CountdownExample.from_json(run.data)


# -- verdicts -------------------------------------------------------------------------


def _example_threads_sentence(harness: Interval, ex: CountdownExample, metadata: Mapping[str, Any]) -> str:
    e = ex.threads_speedup()
    head = (f" The example below ({ex.count:,} steps, {len(ex.one_thread)} runs, in a fresh Python {ex.python}) "
            f"got {e.text()} with {ex.workers} threads")
    if overlap(harness, e):
        return head + ": the same within the repeats' spread."
    return (head + ", outside this measurement's spread. Same Python, same work per step; what differs is the "
            f"moment: the host's 1-minute load average was {load_text(metadata.get('load_average'))} when this "
            f"chapter measured and {load_text(ex.load_average)} when the example ended, and threads under the GIL "
            "are sensitive to how busy the cores are (a waiting thread must be woken to take the lock).")


def measured_under(metadata: Mapping[str, Any]) -> str:
    """``load average 3.6 on 2 CPUs when measured`` (the host's 1-minute load as the suite started)."""
    cpus = metadata.get("usable_cpus")
    return (f"load average {load_text(metadata.get('load_average'))}" + (f" on {cpus} CPUs" if cpus else "")
            + " when measured")


def threads_verdict(suite: Suite, example: CountdownExample | None = None) -> Claim:
    """Do threads speed up the CPU-bound countdown? (They should not, under the GIL.)

    Holds when the whole speedup interval of N threads is below :data:`THREADS_GAIN`.
    *example*, when given, is stated in the sentence and compared.
    """
    thr = suite.get("countdown", "threads")
    s = suite.speedup_interval(thr)
    own = holds = s.below(THREADS_GAIN)
    extra = ""
    if example is not None:
        holds = with_example(own, example.threads_speedup().below(THREADS_GAIN))
        extra = _example_threads_sentence(s, example, suite.metadata)
    gil = suite.metadata.get("gil_enabled")
    return check(
        "threads_verdict", "threads do not make CPU-bound pure-Python code faster under the GIL", holds,
        s=s, n=thr.workers, t=THREADS_GAIN, why=why_undecided(own, f"{THREADS_GAIN:g}×", final=holds),
        under=measured_under(suite.metadata),
        supported="**Threads did not help.** With the GIL, {n} threads ran the countdown at {s} the speed of "
                  "one thread (median, and the range the repeats' quartiles allow; {under}): they take turns on "
                  "the lock, "
                  "so the extra cores sit idle and the hand-offs add cost." + _esc(extra),
        contradicted="On this host {n} threads ran the CPU-bound countdown at {s} one thread ({under}), faster "
                     "by at least {t}×: " + ("this interpreter runs without a GIL." if gil is False else
                                        "the measurement was disturbed, or this interpreter releases the GIL "
                                        "where CPython does not.") + _esc(extra),
        unclear="This run cannot decide whether threads helped: {n} threads ran at {s} one thread ({under}), "
                "{why}."
                + _esc(extra),
    )


def processes_verdict(suite: Suite, example: CountdownExample | None = None) -> Claim:
    """Do processes speed up the countdown? Holds when the low end of the speedup reaches :data:`PROCESSES_GAIN`.

    Needs at least 2 workers (with one there is nothing to gain: contradicted,
    saying so). *example*, when given, is stated with its process start-up cost.
    """
    prc = suite.get("countdown", "processes")
    s = suite.speedup_interval(prc)
    n = prc.workers
    own: bool | None = False if n < 2 else s.at_least(PROCESSES_GAIN)
    holds = own
    extra = ""
    if example is not None and n >= 2:
        e, net = example.processes_speedup(), example.processes_speedup_without_start()
        start_ms = Interval.of(example.process_start).scaled(1000)
        holds = with_example(own, e.at_least(PROCESSES_GAIN))
        extra = (f" The example below starts its {example.workers} processes inside the timing "
                 f"({example.start_method} start method, its Python's default; here the pool was started before "
                 f"the clock) and got {e.text()}. Starting {example.workers} processes with nothing to do took it "
                 f"{start_ms.text('.1f', ' ms')}; with that taken off, its speedup is {net.text()}.")
        if overlap(s, net):
            extra += " That is the same as here within the spread."
        else:
            side = "below" if net.median < s.median else "above"
            extra += f" That is still {side} this measurement's spread, so the start is not the whole difference."
            seq = suite.baseline("countdown")
            text, explained = job_size_text(fixed_cost(seq.median, prc.median, n), n, seq.median,
                                            Interval.of(example.one_thread).median, net, "the example")
            extra += text
            if not explained:
                meta = suite.metadata
                extra += " " + (load_reason("the example", example.load_average, "this measurement",
                                            meta.get("load_average"), meta.get("usable_cpus")) if side == "below"
                                else load_reason("this measurement", meta.get("load_average"), "the example",
                                                 example.load_average, meta.get("usable_cpus")))
    extra = quartile_note(s, suite.metadata.get("usable_cpus"), "this interval") + extra
    return check(
        "processes_verdict", "processes side-step the GIL and use several cores for CPU-bound work", holds,
        s=s, n=n, t=PROCESSES_GAIN, cpus=suite.metadata.get("usable_cpus"),
        why=why_undecided(own, f"{PROCESSES_GAIN:g}×", final=holds), busy=busy_text(suite.metadata),
        under=measured_under(suite.metadata),
        supported="**Processes did help.** Each process has its own interpreter and its own GIL, so {n} "
                  "processes ran the same countdown at {s} the speed of one thread ({under})." + _esc(extra),
        contradicted="{n} processes reached only {s} one thread on this host ({cpus} usable CPUs)"
                     + (": with a single worker there is nothing to run in parallel." if n < 2 else
                        ", below {t}×: {busy}.") + _esc(extra),
        unclear="This run cannot decide whether processes helped: {n} processes ran at {s} one thread ({under}), "
                "{why}." + _esc(extra),
    )


def _ideal(timing: Timing) -> float:
    """The best speedup a job of waits can reach on this many threads (the task count caps it)."""
    tasks = int(timing.params["tasks"])
    return tasks / math.ceil(tasks / timing.workers)


def io_overhead(timing: Timing) -> tuple[float, float]:
    """(seconds the waits alone take on *timing*'s threads, seconds its median run took beyond them).

    The waits alone take ``latency × ceil(tasks / threads)``; the rest is starting
    the threads and waking them (at least 0).
    """
    floor = float(timing.params["latency_s"]) * math.ceil(int(timing.params["tasks"]) / timing.workers)
    return floor, max(timing.median - floor, 0.0)


def bar_reason(suite: Suite) -> str:
    """Why :data:`IO_IDEAL_SHARE` is lower than the fetching chapter's bar, from the suite (MyST, for
    the verdict's sentence): new threads started inside each timing, and how many waits each of the
    most threads makes."""
    most = suite.select("io_wait", "threads")[-1]
    waits = math.ceil(int(most.params["tasks"]) / most.workers)
    latency_ms = float(most.params["latency_s"]) * 1000
    return (f"a lower bar than the {FETCH_SCALE_SHARE:.0%} of {{doc}}`fetching`: each run here starts new "
            f"threads inside its timing, and at {most.workers} threads each makes {waits} "
            f"wait{'s' if waits != 1 else ''} of {latency_ms:g} ms, so the bar leaves room for starting and "
            "waking them, which that chapter's pool, started before the clock, does not pay")


def io_verdict(suite: Suite) -> Claim:
    """Do threads speed up waits almost in proportion to their number?

    Holds when, at every thread count, the low end of the speedup is at least
    :data:`IO_IDEAL_SHARE` of the ideal; contradicted when the high end is below
    it at some count.
    """
    rows = suite.select("io_wait", "threads")
    if not rows:
        raise KeyError("no io_wait timings on threads in this suite")
    shares = [(t, suite.speedup_interval(t).scaled(1 / _ideal(t))) for t in rows]
    decided = [iv.at_least(IO_IDEAL_SHARE) for _, iv in shares]
    holds: bool | None = (False if False in decided else None if None in decided else True)
    worst_t, worst = min(shares, key=lambda p: p[1].median)
    best = rows[-1]
    over = io_overhead(worst_t)
    lost = (f" At {worst_t.workers} threads the job took {worst_t.median:.3f} s where its waits alone take "
            f"{over[0]:.3f} s: the {over[1] * 1000:.0f} ms over, about {over[1] * 1000 / worst_t.workers:.1f} ms "
            "per thread, is starting the threads, waking each one after its wait and handing it the GIL back "
            f"to return, which a busy host delays ({measured_under(suite.metadata)}).")
    return check(
        "io_verdict", "threads speed up I/O-bound work almost in proportion to their number", holds,
        worst=worst, ww=worst_t.workers, w=best.workers, s=suite.speedup_interval(best),
        t=Interval.exact(IO_IDEAL_SHARE), bar=bar_reason(suite),
        supported="**Threads did help.** Every thread count reached at least {t:.0%} of the ideal speedup ({bar}; "
                  "the lowest: {worst:.0%} of it, at {ww} threads); {w} threads finished {s} faster than one.",
        contradicted="Waiting threads fell short of the ideal: {ww} threads reached only {worst:.0%} of it, "
                     "below {t:.0%} ({bar}; {w} threads reached {s})." + _esc(lost),
        unclear="This run cannot decide how close to the ideal the waiting threads came: at {ww} threads they "
                "reached {worst:.0%} of it, a range that holds the threshold of {t:.0%} ({bar})." + _esc(lost),
    )


def _esc(text: str) -> str:
    """*text* with braces doubled, to pass through :func:`check`'s formatting unchanged."""
    return text.replace("{", "{{").replace("}", "}}")


# -- invariants -----------------------------------------------------------------------


def countdown_invariants(suite: Suite) -> list[Invariant]:
    """What any sound countdown run satisfies, compared on quartiles.

    * N processes (pool started before the clock) are not slower than one thread
      by more than :data:`PROCESS_SLACK`: the same work, at worst on one core;
    * no configuration is more than N times faster than one thread (plus
      :data:`SPEEDUP_SLACK`): N workers cannot do better than N cores;
    * every configuration did the same number of steps.
    """
    seq = suite.baseline("countdown")
    out = []
    for t in suite.select("countdown"):
        if t.mode == "sequential":
            continue
        s = suite.speedup_interval(t)
        out.append(invariant(
            f"countdown_{t.mode}_at_most_n_times", "{label} ran at most {n} times as fast as one thread",
            s.low <= t.workers * (1 + SPEEDUP_SLACK), label=t.label, n=t.workers, s=s.text(),
            cause="the one-thread runs were slowed by something the others escaped (a burst of load, a cold "
                  "start); measured {s}"))
        if t.params.get("n") != seq.params.get("n"):
            out.append(invariant(f"countdown_{t.mode}_same_work", "{label} counted as many steps as one thread",
                                 False, label=t.label, cause="the configurations were given different jobs"))
    for t in suite.select("countdown", "processes"):
        q1 = t.summary.q1
        out.append(invariant(
            f"countdown_processes_{t.workers}_not_slower",
            "{n} processes, started before the clock, were not slower than one thread by more than {slack:.0%}",
            at_most(t.values, seq.values, slack=PROCESS_SLACK),
            n=t.workers, slack=PROCESS_SLACK, q1=round(q1, 4), q3=round(seq.summary.q3, 4),
            cause="the workers were descheduled or swapped out while they counted (their first quartile "
                  "{q1} s against one thread's third quartile {q3} s); another program held the cores"))
    return out


def io_invariants(suite: Suite) -> list[Invariant]:
    """What any sound run of waits satisfies.

    * no run is shorter than the waits allow: ``latency × ceil(tasks / threads)``
      (``time.sleep`` never returns early), i.e. at most the ideal speedup;
    * more threads never make the job slower (on quartiles, :data:`IO_MONOTONE_SLACK`).
    """
    out = []
    timings = suite.select("io_wait")
    for t in timings:
        latency = float(t.params["latency_s"])
        tasks = int(t.params["tasks"])
        floor = latency * math.ceil(tasks / t.workers)
        fastest = t.summary.minimum
        out.append(invariant(
            f"io_{t.mode}_{t.workers}_not_below_waits",
            "{label} took at least the waits' {floor:.3f} s ({tasks} waits of {ms:g} ms over {w} thread(s))",
            fastest >= floor * (1 - 1e-6), label=t.label, floor=floor, tasks=tasks, ms=latency * 1000,
            w=t.workers, fastest=round(fastest, 4),
            cause="a run took {fastest} s: the clock or time.sleep returned early, which CPython's sleep does not "
                  "do; the timing is broken"))
    threads = suite.select("io_wait", "threads")
    for a, b in zip(threads, threads[1:]):
        if b.workers > int(b.params["tasks"]):
            continue
        out.append(invariant(
            f"io_threads_{b.workers}_not_slower_than_{a.workers}",
            "{b} threads were not slower than {a} on the same waits",
            at_most(b.values, a.values, slack=IO_MONOTONE_SLACK), a=a.workers, b=b.workers,
            qb=round(b.summary.q1, 4), qa=round(a.summary.q3, 4),
            cause="starting threads or waking them took longer than the waits they saved ({b} threads' first "
                  "quartile {qb} s against {a} threads' third quartile {qa} s): the host was too busy to wake "
                  "the threads on time"))
    return out


def example_invariants(ex: CountdownExample) -> list[Invariant]:
    """What the example's own run satisfies if it was sound: processes took at least their start-up,
    and no configuration was more than *workers* times faster than one thread."""
    start = Interval.of(ex.process_start)
    return [
        invariant("example_start_within_processes", "the example's processes took longer than starting them",
                  at_most(ex.process_start, ex.processes), start=round(start.median, 4),
                  cause="starting {start} s of idle processes took longer than starting and running them: "
                        "the host was too busy while the example ran"),
        invariant("example_at_most_n_times", "the example's {n} threads and processes were at most {n} times "
                  "as fast as one thread",
                  max(ex.threads_speedup().low, ex.processes_speedup().low) <= ex.workers * (1 + SPEEDUP_SLACK),
                  n=ex.workers, cause="the example's one-thread runs were slowed by a burst of load"),
    ]


# -- read by another chapter -------------------------------------------------------


@dataclass(frozen=True)
class FirstLook:
    """The chapter's headline figures, as another chapter reads them from its record.

    :param workers: threads and processes of the countdown.
    :param threads: the countdown's speedup on *workers* threads (a factor over one thread).
    :param processes: the same on *workers* processes (pool started before the clock).
    :param io_workers: the most threads the waits were spread over.
    :param io: the waits' speedup on *io_workers* threads.
    :param verdicts: ``(statement, state)`` of each verdict the chapter printed, state
        ``"holds"``, ``"contradicted"`` or ``"undecided"``.
    :param cpu: the countdown suite (its metadata says where, when and under what load it ran).
    :param io_load: the host's load average triple when the waits were measured (or None).
    """

    workers: int
    threads: Interval
    processes: Interval
    io_workers: int
    io: Interval
    verdicts: tuple[tuple[str, str], ...]
    cpu: Suite
    io_load: tuple[float, ...] | None = None

    def load_text(self) -> str:
        """The 1-minute load average at each measurement, e.g. ``3.6 (countdown) and 1.2 (waits) on 2 CPUs``."""
        cpus = self.cpu.metadata.get("usable_cpus")
        on = f" on {cpus} CPUs" if cpus else ""
        a, b = load_text(self.cpu.metadata.get("load_average")), load_text(self.io_load)
        return f"{a}{on}" if a == b else f"{a} (countdown) and {b} (waits){on}"


def first_look(record: Mapping[str, Any]) -> FirstLook:
    """The headline figures of a cpu-vs-io chapter record (``book.results_of("cpu-vs-io")``).

    :raises KeyError: if the record lacks the ``countdown`` or ``io`` suite.
    """
    cpu = Suite.from_dict(record["suites"]["countdown"])
    io = Suite.from_dict(record["suites"]["io"])
    thr, prc = cpu.get("countdown", "threads"), cpu.get("countdown", "processes")
    best = io.select("io_wait", "threads")[-1]
    claims = record.get("claims", {})
    verdicts = tuple((str(claims[k]["statement"]), str(claims[k]["state"]))
                     for k in ("threads_verdict", "processes_verdict", "io_verdict") if k in claims)
    io_load = io.metadata.get("load_average")
    return FirstLook(thr.workers, cpu.speedup_interval(thr), cpu.speedup_interval(prc), best.workers,
                     io.speedup_interval(best), verdicts, cpu,
                     tuple(float(x) for x in io_load) if io_load else None)
