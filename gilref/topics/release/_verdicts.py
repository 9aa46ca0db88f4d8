"""What the release-points measurements say (verdicts) and whether they were sound (invariants).

Every verdict is decided on an interval (the repeats' quartiles, see
:meth:`gilref.core.results.Suite.speedup_interval`), against one of the named
thresholds below; an interval that straddles its threshold leaves the claim
undecided. Every figure the chapter prints that bears on a verdict (the
reader's examples' output included) is passed in and stated by it.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from ...core.results import Suite, Timing
from ...core.verdicts import Claim, Interval, Invariant, check, invariant, quartiles
from .._crosscheck import agreement, busy_text
from .._crosscheck import load as load_average
from ._interleaved_prints import count_switches, interleave_labels

# -- thresholds -------------------------------------------------------------------

#: Speedup (×, at the thread count where threads = CPUs, or the largest below) that
#: work releasing the GIL must reach to count as "running on several cores at once".
#: Two CPUs allow 2×; 1.4× is 70% of that, more than any GIL build gives a
#: pure-Python loop and less than a loaded host usually takes away.
RELEASED_SCALING = 1.4

#: Shortest stretch (seconds) one release of the GIL must last to count as *long*:
#: long enough that handing the GIL between threads costs little beside it. A thread
#: that comes back from a release while another thread holds the GIL sleeps on a
#: condition variable until the holder lets go and wakes it (a futex wake-up and a
#: context switch, microseconds to tens of microseconds on Linux); 50 µs is above
#: that and far below the milliseconds a hash of a large buffer takes. A kind whose
#: releases are shorter can lose time on threads, GIL build or not of its own code.
LONG_RELEASE_S = 50e-6

#: Speedup (×) below which a pure-Python loop "does not scale" under the GIL: one
#: thread's time with up to 20% left over for noise (threads only take turns).
LOOP_CEILING = 1.2

#: Share of the ideal (speedup = threads) that sleeping threads must reach when
#: there are more of them than CPUs: a sleep needs no core, so only thread start-up
#: and timer slack stand between them and the ideal; 80% leaves room for both.
SLEEP_SHARE = 0.8

#: Speedup (×) the pure-Python loop must reach on a free-threaded build to count
#: as scaling: the same bar as :data:`RELEASED_SCALING`, since it then needs cores just the same.
FT_LOOP_SCALING = RELEASED_SCALING

#: Switches between the two printing tasks (quartiles of the runs) from which their
#: lines "interleave" as the classic demonstration means it: the tasks take turns
#: *while* they count, not only as they start. The threads' start alone gives up to
#: three switches (the second task's first line cuts in before the first task's
#: second: ``-1 +1 -2 … -100 +2 … +100``), and a task that prints all its numbers
#: before the other gives one. Ten switches are at least five turns for each task,
#: well clear of those three and far below the 199 of strict alternation in 200
#: numbers.
INTERLEAVE_MIN_SWITCHES = 10

#: Share of the printed numbers at which the printing task must change, flushing
#: every line, to say that a write hands the GIL to the waiting thread: a quarter,
#: i.e. on average a switch at least every fourth line, so the waiting thread took
#: the GIL at one write in four or more. If no write handed it over, the switches
#: would stay at the three or fewer of the threads' start (as without ``--flush``);
#: if every write did, there would be one per line. A quarter is far above the
#: first and leaves room below the second, which nothing guarantees: the woken
#: thread must still be scheduled before the writer takes the GIL back.
FLUSH_SWITCH_SHARE = 0.25

#: How much longer than one wait (a fraction of it) gathered asyncio waits may take
#: and still count as "about one wait": 10%, room for the event loop and a busy host.
ASYNCIO_SLACK = 0.10

#: Slack (a fraction) for invariants on times: a speedup may exceed its ideal by this
#: much, a sleep may end this much early by the timer's resolution, before a run is
#: called unsound.
TIME_SLACK = 0.10

#: How far (a fraction of the target) a kind's one-thread job may lie from the job length
#: the chapter aims at (its ``TARGET``) before the page says so: calibration times a few
#: batches before the measurement starts, and a unit that runs faster or slower once
#: measured (a page cache, a CPU's clock, a busy host) shifts the job; a fifth either way
#: leaves every job long enough to time, and more is worth a word beside the table.
TARGET_TOLERANCE = 0.2

#: Kinds that need no core while they work (a sleep), so their speedup may rise past the CPU count.
NEEDS_NO_CORE = ("sleep",)

__all__ = [
    "ASYNCIO_SLACK",
    "FLUSH_SWITCH_SHARE",
    "FT_LOOP_SCALING",
    "INTERLEAVE_MIN_SWITCHES",
    "LONG_RELEASE_S",
    "LOOP_CEILING",
    "NEEDS_NO_CORE",
    "RELEASED_SCALING",
    "SLEEP_SHARE",
    "TARGET_TOLERANCE",
    "TIME_SLACK",
    "asyncio_invariants",
    "asyncio_verdict",
    "beyond_cpus_text",
    "example_speedups",
    "example_total",
    "flush_verdict",
    "ft_verdict",
    "interleave_invariants",
    "interleave_rows",
    "interleave_verdict",
    "loop_verdict",
    "release_stretch",
    "released_verdict",
    "runs_words",
    "scaling_invariants",
    "sleep_verdict",
    "socket_verdict",
    "speedup_intervals",
    "target_text",
]


def _all(results: Sequence[bool | None]) -> bool | None:
    """True if every result is True, False if any is False, else None (undecided)."""
    if any(r is False for r in results):
        return False
    if all(r is True for r in results):
        return True
    return None


def speedup_intervals(suite: Suite, kind: str) -> dict[int, Interval]:
    """Thread count -> speedup over one thread of *kind* as an interval (from the quartiles; 1 thread is exactly 1)."""
    out = {1: Interval.exact(1.0)}
    for t in suite.select(kind, "threads"):
        out[t.workers] = suite.speedup_interval(t)
    return out


def _label(suite: Suite, kind: str) -> str:
    return str(suite.baseline(kind).params.get("label", kind))


def _plural(n: float, word: str) -> str:
    """``1 CPU``, ``2 CPUs``: *word* with an s unless *n* is one."""
    num = f"{int(n):,}" if float(n).is_integer() else f"{n:g}"
    return f"{num} {word}" if n == 1 else f"{num} {word}s"


def release_stretch(suite: Suite, kind: str) -> float | None:
    """The longest one release of the GIL by *kind* can have lasted, in seconds, on one thread.

    The one-thread median time per unit divided by the releases per unit that
    the kind recorded (``gil_releases_per_unit`` in its params: counted as its
    units ran for the socket kind, known from CPython's source for the others).
    An upper bound: the unit's time also holds the bytecode between releases.

    :returns: seconds, or ``None`` when the kind recorded no count (or none at all).
    """
    base = suite.baseline(kind)
    releases, units = base.params.get("gil_releases_per_unit"), base.params.get("units")
    if not releases or not units:
        return None
    return base.median / (float(units) * float(releases))


def _short_releases(suite: Suite, kind: str) -> bool:
    stretch = release_stretch(suite, kind)
    return stretch is not None and stretch < LONG_RELEASE_S


def _esc(text: str) -> str:
    """*text* with its braces doubled, to pass through :func:`str.format` unchanged."""
    return text.replace("{", "{{").replace("}", "}}")


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs" if seconds < 1e-4 else f"{seconds * 1e6:,.0f} µs"


# -- the reader's example's output --------------------------------------------------

_EXAMPLE_HEAD = re.compile(r"^Python (\S+) \(GIL (on|off)\), (\d+) CPUs?, median of (\d+) runs?")
_EXAMPLE_ROW = re.compile(r"^\s+(\w+)\s+([0-9.]+)s\s+(.*)$")
_EXAMPLE_NOISY = re.compile(r"^note: the (\w+) runs varied by up to ([0-9]+)% between repeats")


def example_speedups(text: str) -> dict[str, Any]:
    """Read ``examples/release_points.py``'s output.

    :returns: ``python`` (its version), ``gil`` (bool), ``cpus``, ``repeats``
        and ``kinds``: kind -> {thread count: speedup (×, ratio of medians)},
        thread counts from 2 up. Kinds it skipped are left out. ``noisy``: kind ->
        the spread (a share) between repeats the example flagged in a ``note:`` line.
    :raises ValueError: if *text* has no header line of that example.
    """
    lines = text.splitlines()
    head = next((m for m in map(_EXAMPLE_HEAD.match, lines) if m), None)
    if head is None:
        raise ValueError("not the output of examples/release_points.py: no 'Python ... (GIL ...)' line")
    kinds: dict[str, dict[int, float]] = {}
    noisy: dict[str, float] = {}
    for line in lines:
        m = _EXAMPLE_ROW.match(line)
        if m and m.group(1) != "kind":
            values = [float(v) for v in m.group(3).split()]
            kinds[m.group(1)] = {w: v for w, v in enumerate(values, start=2)}
        n = _EXAMPLE_NOISY.match(line)
        if n:
            noisy[n.group(1)] = int(n.group(2)) / 100
    return {"python": head.group(1), "gil": head.group(2) == "on", "cpus": int(head.group(3)),
            "repeats": int(head.group(4)), "kinds": kinds, "noisy": noisy}


def _example_noise(example: Mapping[str, Any] | None, kind: str) -> str:
    """`` (its own note says ... up to 80% between repeats)`` when the example flagged *kind* as noisy."""
    share = ((example or {}).get("noisy") or {}).get(_EXAMPLE_KIND.get(kind, kind))
    return "" if share is None else (f" (the example's own note says its {_EXAMPLE_KIND.get(kind, kind)} runs "
                                     f"varied by up to {share:.0%} between repeats)")


_TOTAL = re.compile(r"^total: ([0-9.]+) s for (\d+) waits of ([0-9.]+) s", re.M)


def example_total(text: str) -> float:
    """The total (seconds) ``examples/asyncio_three.py`` printed on its last line.

    :raises ValueError: if there is no ``total: ...`` line.
    """
    m = _TOTAL.search(text)
    if m is None:
        raise ValueError("not the output of examples/asyncio_three.py: no 'total: ... s' line")
    return float(m.group(1))


#: The example's kind names for the chapter's kinds.
_EXAMPLE_KIND = {"python_loop": "python", "file_read": "file"}


def _example_line(example: Mapping[str, Any] | None, kind: str, threads: int) -> float | None:
    if not example:
        return None
    value = example["kinds"].get(_EXAMPLE_KIND.get(kind, kind), {}).get(threads)
    return None if value is None else float(value)


# -- verdicts: the seven kinds ---------------------------------------------------------


def _released_kinds(suite: Suite) -> list[str]:
    """The kinds of *suite* that release the GIL while they work, sleep aside."""
    return [t.workload for t in suite.select(mode="sequential")
            if t.params.get("releases_gil") and t.workload != "sleep"]


def _load_why(suite: Suite, kinds: Sequence[str], *, cpus: int, load: Sequence[float] | None) -> str:
    """Why kinds that release the GIL for long stretches fell short: the host's load, stated."""
    metadata = dict(suite.metadata)
    if load:
        metadata["load_average"] = list(load)
    metadata.setdefault("usable_cpus", cpus)
    return (f" The {', '.join(_label(suite, k) for k in kinds)} "
            f"kind{'' if len(kinds) == 1 else 's'} released the GIL for long stretches, "
            f"so the hand-off does not explain {'it' if len(kinds) == 1 else 'them'}: "
            f"{busy_text(metadata)}.")


def released_verdict(
    suite: Suite,
    *,
    threads: int,
    cpus: int,
    load: Sequence[float] | None = None,
    example: Mapping[str, Any] | None = None,
) -> Claim:
    """C code that releases the GIL for long stretches runs on several cores: every kind
    that releases it (sleep and the socket kind aside) reaches :data:`RELEASED_SCALING`
    at *threads* threads.

    The socket kind is judged on its own by :func:`socket_verdict` (its releases
    are many short ones, whatever the host), and so is any other kind whose
    releases came out shorter than :data:`LONG_RELEASE_S` (:func:`release_stretch`):
    this verdict states only what the kinds it covers did, kind by kind, and
    blames a shortfall on the host's load (``busy_text``).

    :param threads: the thread count judged (the book uses min(CPUs, largest count)).
    :param cpus: the usable CPUs (with one, there is no second core: contradicted).
    :param load: the host's load averages when the chapter started, for the sentence
        (default: the suite's own ``load_average``).
    :param example: :func:`example_speedups` of the example run on the page; its
        hashing speedup at *threads* threads is stated, and whether it agrees with
        the hashing row here.
    :raises ValueError: if the suite holds no such kind.
    """
    released = _released_kinds(suite)
    busy = [k for k in released if k != "socket" and not _short_releases(suite, k)]
    apart = [k for k in released if k not in busy]
    if not busy:
        raise ValueError("the suite holds no kind of work that releases the GIL for long stretches besides sleep")
    s = {k: speedup_intervals(suite, k)[threads] for k in busy}
    decided = {k: s[k].at_least(RELEASED_SCALING) for k in busy}
    passed = [k for k in busy if decided[k] is True]
    failed = [k for k in busy if decided[k] is False]
    unsure = [k for k in busy if decided[k] is None]
    holds = _all(list(decided.values())) if cpus >= 2 else False

    def names(kinds: Sequence[str]) -> str:
        return ", ".join(f"{_label(suite, k)} {s[k].text()}" for k in kinds)

    bar = f"{RELEASED_SCALING:g}×"
    parts = []
    n = len(busy)
    if passed:
        parts.append(("every one" if len(passed) == n else str(len(passed)))
                     + f" of the {n} kinds that let go of the GIL for long stretches reached at least {bar} "
                     f"one thread over their repeats ({names(passed)})")
    if failed:
        parts.append(f"{names(failed)} fell short" if passed else
                     f"none of the {n} kinds that let go of the GIL for long stretches reached {bar} one thread "
                     f"({names(failed)})" if not unsure else f"{names(failed)} fell short of {bar} one thread")
    if unsure:
        parts.append(f"the repeats of {names(unsure)} straddle the {bar} bar")
    found = f"With {threads} threads " + "; ".join(parts) + "."
    why = ""
    if cpus < 2:
        why = " With one usable CPU there is no second core to run on."
    elif failed:
        why = _load_why(suite, failed, cpus=cpus, load=load)
    aside = ("" if not apart else
             f" ({' and '.join(_label(suite, k) for k in apart)}, whose releases are many short ones, "
             "is judged on its own below.)")
    ex = ""
    shown = _example_line(example, "hashlib", threads) if "hashlib" in busy else None
    if shown is not None:
        side = "above" if shown >= RELEASED_SCALING else "below"
        verdict = agreement(decided["hashlib"], shown >= RELEASED_SCALING)
        ex = (f" The reader's example below (shorter jobs, medians only, on {example['python'] if example else ''})"
              f" hashed at {shown:.2f}× on {threads} threads, {side} the {bar} bar: "
              + (f"{verdict} with the hashing row here." if verdict == "it agrees" else
                 f"{verdict}." if verdict else
                 "on the other side of it from the hashing row here (its jobs are shorter, so thread "
                 "start-up and a burst of other work on the host weigh more)."))
        ex = ex[:-1] + _example_noise(example, "hashlib") + "."
    listing = ", ".join(_label(suite, k) for k in busy)
    return check(
        "released_verdict",
        f"C code that releases the GIL for long stretches ({listing}) runs on several cores at once",
        holds,
        n=threads, bar=RELEASED_SCALING, listing=names(busy), example_hashlib=shown,
        passed=passed, failed=failed, undecided_kinds=unsure, judged_apart=apart,
        supported=("**Work that releases the GIL for long stretches scaled.** With {n} threads every one of the "
                   + str(n) + " kinds that let go of it for long stretches reached at least {bar:g}× one thread "
                   "over its repeats (" + _esc(names(busy)) + "): while one thread hashes or copies bytes in C, "
                   "another can run." + _esc(aside + ex)),
        contradicted=_esc(found + why + aside + ex),
        unclear=_esc(found + " This run cannot say whether "
                     + ("those" if len(unsure) > 1 else "that kind") + " used a second core throughout." + why
                     + aside + ex),
    )


def socket_verdict(
    suite: Suite,
    *,
    threads: int,
    cpus: int,
    load: Sequence[float] | None = None,
) -> Claim:
    """Threads speed up socket I/O, which releases the GIL around every ``send`` and
    ``recv``: the socket kind reaches :data:`RELEASED_SCALING` at *threads* threads.

    When it falls short the sentence says why: releases shorter than
    :data:`LONG_RELEASE_S` each (:func:`release_stretch`, against the shortest
    release of the kinds :func:`released_verdict` judges), where the threads
    spend their time handing the GIL back and forth; otherwise the host's load.

    :raises KeyError: if the suite has no socket kind.
    """
    sp = speedup_intervals(suite, "socket")[threads]
    holds = sp.at_least(RELEASED_SCALING) if cpus >= 2 else False
    label = _label(suite, "socket")
    stretch = release_stretch(suite, "socket")
    others = [x for k in _released_kinds(suite) if k != "socket"
              for x in [release_stretch(suite, k)] if x is not None and x >= LONG_RELEASE_S]
    per_unit = suite.baseline("socket").params.get("gil_releases_per_unit")
    how = ("" if stretch is None or not per_unit else
           f" It releases the GIL {float(per_unit):.0f} times per unit, for at most {_us(stretch)} each (its "
           "one-thread time per unit over those releases)"
           + (f", against at least {_us(min(others))} for the kinds above" if others else "") + ".")
    if cpus < 2:
        why = " With one usable CPU there is no second core to run on."
    elif stretch is not None and stretch < LONG_RELEASE_S:
        why = (how[:-1] + ": a thread back from a call that short can find the GIL taken by the other "
               "thread, which was waiting for it, and must sleep until it is handed over, a wake-up that "
               "costs more than the call let run in parallel. The threads spend the time "
               "passing the GIL back and forth, so releasing it pays only when the call is long beside that "
               "hand-off.")
        x = load_average(load or suite.metadata.get("load_average"))
        if x is not None and x >= cpus:
            why += (f" The host was busy as well (1-minute load average {x:.1f} on {_plural(cpus, 'CPU')} when "
                    "the chapter started), which takes more away from the threaded runs.")
    else:
        why = how + _load_why(suite, ["socket"], cpus=cpus, load=load)
    bar = f"{RELEASED_SCALING:g}×"
    return check(
        "socket_verdict",
        f"threads speed up socket I/O, which releases the GIL around every send and recv ({label})",
        holds,
        n=threads, sp=sp, bar=RELEASED_SCALING, stretch_s=stretch,
        supported=f"**Socket transfers scaled too:** with {{n}} threads {_esc(label)} reached {{sp}} one thread, "
                  f"at least {{bar:g}}×." + _esc(how),
        contradicted=f"With {{n}} threads {_esc(label)} ran at {{sp}} one thread, short of {bar}, although "
                     "each send and recv releases the GIL." + _esc(why),
        unclear=f"With {{n}} threads {_esc(label)} ran at {{sp}} one thread: its repeats straddle the {bar} bar."
                + _esc(how),
    )


def loop_verdict(suite: Suite, *, example: Mapping[str, Any] | None = None, interpreter: str = "") -> Claim:
    """Threads do not speed up a pure-Python loop under the GIL: its best thread count
    stays below :data:`LOOP_CEILING`.

    :param example: :func:`example_speedups` of the example run on the page (its loop row is stated).
    :param interpreter: which interpreter the suite ran in, for the sentence.
    """
    s = {w: v for w, v in speedup_intervals(suite, "python_loop").items() if w > 1}
    if not s:
        raise ValueError("the suite has no threaded run of python_loop")
    top = max(s, key=lambda w: s[w].median)
    shown = {w: v for w, v in (example or {}).get("kinds", {}).get("python", {}).items()}
    ex = ""
    if shown:
        best = max(shown.values())
        ex = (f" The reader's example below, on {example['python'] if example else ''}, gave the loop at "
              f"most {best:.2f}× " + ("too." if best < LOOP_CEILING else
                                       f"on a thread count, above the {LOOP_CEILING:g}× bar: its jobs are "
                                       "shorter and timed once per repeat, so one slow one-thread run "
                                       "lifts every ratio" + _example_noise(example, "python_loop") + "."))
    where = f" on {interpreter}" if interpreter else ""
    return check(
        "loop_verdict",
        "threads do not speed up a pure-Python loop under the GIL",
        _all([v.below(LOOP_CEILING) for v in s.values()]),
        best=s[top], w=top, bar=LOOP_CEILING,
        supported="**The pure-Python loop did not scale" + where + ":** its best thread count ({w}) ran "
                  "at {best} one thread, below {bar:g}×. Every step of it is bytecode, so the threads "
                  "only take turns on the GIL." + ex,
        contradicted="The pure-Python loop reached {best} one thread on {w} threads" + where + ", which "
                     "the GIL should not allow: either the one-thread runs were slowed by other load on "
                     "the host, or this interpreter runs without the GIL." + ex,
        unclear="The pure-Python loop's repeats on {w} threads straddle {bar:g}×, at {best}: this run "
                "cannot tell it from a small gain." + ex,
    )


def sleep_verdict(suite: Suite, *, cpus: int) -> Claim:
    """Waiting threads overlap beyond the number of cores: at the largest thread count
    (above *cpus*), sleeps reach :data:`SLEEP_SHARE` of the ideal speedup."""
    s = speedup_intervals(suite, "sleep")
    top = max(s)
    bar = SLEEP_SHARE * top
    holds = s[top].at_least(bar) if top > cpus else False
    return check(
        "sleep_verdict",
        "waiting threads overlap beyond the number of cores",
        holds,
        top=top, cpus=cpus, sp=s[top], bar=bar, on=_plural(cpus, "CPU"),
        supported="**Sleeping is not limited by the cores:** {top} sleeping threads finished {sp} "
                  "faster than one on {on}, at least {bar:.1f}×. A sleeping thread needs "
                  "neither the GIL nor a core.",
        contradicted=("{top} sleeping threads reached {sp} one thread on {on}, short of the "
                      "{bar:.1f}× that waits allow." if top > cpus else
                      "This run had no more threads ({top}) than CPUs ({cpus}), so it cannot show "
                      "waits overlapping beyond the cores."),
        unclear="{top} sleeping threads reached {sp} one thread on {on}: the repeats "
                "straddle the {bar:.1f}× bar.",
    )


def target_text(suite: Suite, target: float) -> str:
    """A sentence for each kind whose one-thread job (the sequential run's median) lies more than
    :data:`TARGET_TOLERANCE` from *target* seconds, or ``""`` when every kind came within it.

    Gives the job's time, how far it is from the target and, from the suite's own record, why:
    the job calibration predicted (params ``calibrated_s``, see
    :func:`~gilref.topics.release.scaling_suite`) and the warm-up run's time, against the
    measured runs. The speedups compare one job size across thread counts, so they stand.
    """
    if float(target) <= 0:
        raise ValueError(f"target must be > 0 seconds, got {target!r}")
    off = []
    for kind in _kinds(suite):
        base = suite.baseline(kind)
        gap = base.median / target - 1
        if abs(gap) <= TARGET_TOLERANCE:
            continue
        what = (f"{_label(suite, kind)}'s job took {base.median:.3f} s on one thread, {abs(gap):.0%} "
                f"{'short of' if gap < 0 else 'over'} the target")
        predicted = base.params.get("calibrated_s")
        warm = f" and its warm-up run took {base.warmups[0]:.3f} s" if base.warmups else ""
        if predicted:
            ran = "faster" if base.median < float(predicted) else "slower"
            what += (f": calibration, just before, predicted {float(predicted):.3f} s for the job{warm}, "
                     f"so its units ran {ran} in the measured runs than when they were counted out")
        off.append(what)
    if not off:
        return ""
    return (f"Not every job came within {TARGET_TOLERANCE:.0%} of the {target * 1000:.0f} ms aimed at: "
            + "; ".join(off) + ". The speedups compare the same job on every thread count, so they stand; "
            "only the job's length, and with it how much one millisecond's pause weighs, differs.")


def _kinds(suite: Suite) -> list[str]:
    seen: list[str] = []
    for t in suite.timings:
        if t.workload not in seen:
            seen.append(t.workload)
    return seen


def beyond_cpus_text(suites: Sequence[tuple[str, Suite]], *, cpus: int) -> str:
    """What the chapter expects past the CPU count, and each kind that did otherwise.

    Work that needs a core (every kind but :data:`NEEDS_NO_CORE`; with a GIL, a kind whose
    releases are short is left to :func:`socket_verdict`, since more threads hand the GIL over
    more often) cannot run faster on more threads than CPUs than on as many threads as CPUs:
    the threads time-share the CPUs, so its
    speedup should hold level at the CPU count's. A kind whose interval at a larger count lies
    wholly below its interval at the CPU count fell beyond both runs' spread: the sentence names
    it and, where the same kind held level on another of *suites* (another build), says so: then
    the fall is not the work's own. ``""`` when no count above *cpus* was measured or nothing fell.
    """
    fell: list[tuple[str, Suite, str, int, Interval, Interval]] = []
    held: dict[str, list[tuple[str, int, Interval, Interval]]] = {}
    for label, suite in suites:
        for kind in _kinds(suite):
            gil_on = suite.metadata.get("gil_enabled", True)
            if kind in NEEDS_NO_CORE or (_short_releases(suite, kind) and gil_on):
                continue  # a sleep needs no core; short releases lose to GIL hand-offs (socket_verdict says so)
            iv = speedup_intervals(suite, kind)
            if cpus not in iv:
                continue
            for k in sorted(x for x in iv if x > cpus):
                if iv[k].high < iv[cpus].low:
                    fell.append((label, suite, kind, k, iv[cpus], iv[k]))
                else:
                    held.setdefault(kind, []).append((label, k, iv[cpus], iv[k]))
    if not fell:
        return ""
    parts = []
    for label, suite, kind, k, at, past in fell:
        text = (f"{_label(suite, kind)} on {label} fell from {at.text()} at {_plural(cpus, 'thread')} to "
                f"{past.text()} at {k}")
        others = [o for o in held.get(kind, []) if o[0] != label and o[1] == k]
        if others:
            o = others[0]
            text += (f", where on {o[0]} it held level ({o[2].text()} and {o[3].text()}), so the fall is not the "
                     f"work's own but that run's")
        parts.append(text)
    return (f"Past the CPU count the chapter expects work that needs a core to hold its figure at "
            f"{_plural(cpus, 'thread')}: more threads than {_plural(cpus, 'CPU')} take turns on them, so they "
            "can go no faster, and turns handed over every few milliseconds cost little. Beyond both runs' "
            "spread, " + "; ".join(parts) + ". " + _loads_text([f[:2] for f in fell])
            + " This page does not record what else ran during the runs; running the thread counts again, in "
            "turns, would tell a fall of the work's own from one of the moment's.")


def _loads_text(runs: Sequence[tuple[str, Suite]]) -> str:
    """The host's 1-minute load average as each of *runs* (label, suite) started, one sentence."""
    seen: dict[str, str] = {}
    for label, suite in runs:
        x, cpus = load_average(suite.metadata.get("load_average")), suite.metadata.get("usable_cpus")
        seen.setdefault(label, "not recorded" if x is None else f"{x:.1f}" + (f" on {cpus} CPUs" if cpus else ""))
    return ("The host's 1-minute load average as the run started: "
            + "; ".join(f"{v} ({k})" for k, v in seen.items()) + ".")


def ft_verdict(
    ft: Suite, gil: Suite, *, threads: int, cpus: int, ft_label: str, gil_label: str,
    host: Suite | None = None, host_label: str = "",
) -> Claim:
    """Without the GIL a pure-Python loop runs on several cores: on the free-threaded
    build *ft* it reaches :data:`FT_LOOP_SCALING` at *threads* threads.

    The sentence also gives the same loop on the GIL build *gil* and, if given, on
    the book's own interpreter *host* (the first table), naming each interpreter.
    """
    f = speedup_intervals(ft, "python_loop")[threads]
    g = speedup_intervals(gil, "python_loop")[threads]
    also = ""
    if host is not None and host is not gil:
        h = speedup_intervals(host, "python_loop")[threads]
        also = f"; the first table, on {host_label}, {h.text()}"
    holds = f.at_least(FT_LOOP_SCALING) if cpus >= 2 else False
    return check(
        "ft_verdict",
        "without the GIL, a pure-Python loop runs on several cores at once",
        holds,
        n=threads, ft=ft_label, sp=f, gil=g, gil_label=gil_label, bar=FT_LOOP_SCALING,
        supported="**Without the GIL the loop scaled:** on {ft} {n} threads ran it {sp} faster than "
                  "one, against {gil} on the GIL build ({gil_label}" + also + ").",
        contradicted="On {ft} {n} threads ran the loop at only {sp} one thread, short of {bar:g}× "
                     "(GIL build {gil_label}: {gil}" + also + ")"
                     + (": with one usable CPU there is no second core." if cpus < 2 else "."),
        unclear="On {ft} the loop's repeats on {n} threads straddle {bar:g}× ({sp}; GIL build "
                "{gil_label}: {gil}" + also + ").",
    )


def scaling_invariants(suite: Suite, *, cpus: int, prefix: str = "") -> list[Invariant]:
    """What a sound scaling run satisfies, for every kind in *suite* (keys start with
    *prefix*, so that suites from several interpreters can be checked in one chapter):

    * every thread count did the same number of units (same total work);
    * no speedup beats its ideal (threads; and at most *cpus* for work that needs
      a core, i.e. all but sleep), on the quartiles, with :data:`TIME_SLACK`;
    * a sleeping job lasts at least its sleeps (units per thread × one sleep);
    * on a GIL build, the pure-Python loop is no faster on threads than on one
      (its speedup's low end at most 1 + :data:`TIME_SLACK`), and work that
      releases the GIL for long stretches (:func:`release_stretch` at least
      :data:`LONG_RELEASE_S`) gains at least as much from threads as that loop
      (compared on the quartiles): with releases that long, threads can at worst
      take turns, as the loop's do. Kinds with shorter releases are exempt (they
      can lose time handing the GIL back and forth, a real effect, not a fault of
      the run) and are named in the evidence (``exempt``).
    """
    out: list[Invariant] = []
    kinds: list[str] = []
    for t in suite.timings:
        if t.workload not in kinds:
            kinds.append(t.workload)
    for kind in kinds:
        timings = suite.select(kind)
        units = sorted({t.params.get("units") for t in timings}, key=str)
        out.append(invariant(
            f"{prefix}same_work_{kind}", "every thread count of {kind} did the same units of work ({units})",
            len(units) == 1, cause="the suite mixes runs of different calibrations", kind=kind,
            units=", ".join(map(str, units))))
        s = speedup_intervals(suite, kind)
        over = [f"{w}: {v.text()}" for w, v in s.items()
                if v.low > (w if kind == "sleep" else min(w, cpus)) * (1 + TIME_SLACK)]
        out.append(invariant(
            f"{prefix}ideal_{kind}", "{kind} is never faster than its ideal (threads, at most the CPUs for work "
            "needing a core)", not over, kind=kind, over="; ".join(over) or "none",
            cause="the one-thread runs were slowed (other load on the host while they ran): "
                  "{over}"))
        if kind == "sleep":
            unit_s = float(suite.baseline(kind).params.get("unit_s", 0.0))
            short = [f"{t.workers}: {min(t.values):.4f} s" for t in timings
                     if min(t.values) < (int(t.params["units"]) // t.workers) * unit_s * (1 - TIME_SLACK)]
            out.append(invariant(
                f"{prefix}sleep_at_least_asked", "no sleeping job is shorter than its sleeps", not short,
                cause="a clock or timer misbehaved: {short}", short="; ".join(short) or "none"))
    gil = suite.metadata.get("gil_enabled")
    if gil is not False and "python_loop" in kinds:
        loop = speedup_intervals(suite, "python_loop")
        faster = [f"{w}: {v.text()}" for w, v in loop.items() if v.low > 1 + TIME_SLACK]
        out.append(invariant(
            f"{prefix}held_loop_not_faster", "with the GIL on, the pure-Python loop is no faster on threads "
            "than on one (only one thread runs bytecode at a time)", not faster, faster="; ".join(faster) or "none",
            cause="the one-thread runs were slowed by other load on the host, or the GIL was off: {faster}"))
        behind, exempt = [], []
        for kind in kinds:
            if kind in ("python_loop", "sleep") or not suite.baseline(kind).params.get("releases_gil"):
                continue
            stretch = release_stretch(suite, kind)
            if stretch is None or stretch < LONG_RELEASE_S:
                exempt.append(f"{_label(suite, kind)} ("
                              + ("releases not counted" if stretch is None else f"at most {_us(stretch)} per release")
                              + ")")
                continue
            for w, v in speedup_intervals(suite, kind).items():
                if w in loop and v.high < loop[w].low:
                    behind.append(f"{_label(suite, kind)} {v.text()} vs loop {loop[w].text()} on {w} threads")
        out.append(invariant(
            f"{prefix}released_not_behind_held", "work that releases the GIL for long stretches (at least "
            "{long_us} each) gains at least as much from threads as the loop that holds it", not behind,
            behind="; ".join(behind) or "none", exempt="; ".join(exempt) or "none", long_us=_us(LONG_RELEASE_S),
            cause="with releases that long the threads can at worst run one after another, as the loop "
                  "does, so other load on the host fell on the released kind's threaded runs: {behind}"))
    return out


# -- verdicts: interleaved prints --------------------------------------------------------


def _switch_interval(run: Mapping[str, Any]) -> Interval:
    return Interval.of([float(x) for x in run["switches"]])


def _shown(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    labels = interleave_labels(text)
    return count_switches(labels), len(labels)


def runs_words(printed: str, runs: int) -> str:
    """How a figure printed as *printed* (``Interval.text``: ``"3 (2–4)"``, or ``"3"`` when its
    quartiles print like the median) sums up *runs* runs: ``"median of 5 runs, quartiles in
    brackets"`` when an interval is printed, ``"median of 5 runs, its quartiles the same"`` when not."""
    return (f"median of {runs} runs, quartiles in brackets" if "(" in printed else
            f"median of {runs} runs, its quartiles the same")


def _writes_reason(mode: str) -> str:
    if mode == "unbuffered":
        return ("each unbuffered `print` makes two writes that release the GIL, but so briefly that the "
                "printing thread takes it back before the waiting one wakes")
    if mode == "buffered":
        return "a buffered `print` makes no system call"
    raise ValueError(f"unknown output mode {mode!r}: 'buffered' or 'unbuffered'")


def interleave_verdict(runs: Sequence[Mapping[str, Any]], *, shown: str | None = None,
                       load: Sequence[float] | None = None, cpus: int | None = None,
                       mode: str = "buffered") -> Claim:
    """The two tasks' lines interleave, taking turns while they count: with the defaults
    (``runs[0]``) the printing task changes at least :data:`INTERLEAVE_MIN_SWITCHES`
    times (quartiles of the runs).

    :param runs: :func:`interleave_runs` results, the defaults first.
    :param shown: the output of the run printed on the page, whose switches are stated too;
        when that one run falls on the other side of the bar from the timed runs'
        verdict, the sentence says why one run can.
    :param load: the host's load averages when the chapter started, and *cpus* its
        usable CPUs, for that sentence.
    :param mode: how the runs wrote (:func:`gilref.topics.release.output_mode`): the reason a
        contradicted verdict gives differs (a buffered print makes no system call; an unbuffered
        one makes two writes that each release the GIL only briefly).
    """
    r = runs[0]
    sw = _switch_interval(r)
    seen = _shown(shown)
    bar = INTERLEAVE_MIN_SWITCHES
    decided = sw.at_least(bar)
    ex = "" if seen is None else (f" The run printed above, one more, changed {_plural(seen[0], 'time')} in "
                                  f"{seen[1]:,} numbers (the timed runs: {min(r['switches']):,} to "
                                  f"{max(r['switches']):,}).")
    if seen is not None and decided is not None and (seen[0] >= bar) != decided:
        busy = ("" if not load else f" (the load average was {load[0]:.1f}"
                + (f" on {_plural(cpus, 'CPU')}" if cpus else "") + " when the chapter started)")
        ex += (f" That one run lies on the other side of the {bar}-switch bar from the timed ones: a single "
               "run depends on its moment. On a busy host" + busy + " the printing thread can lose its CPU "
               "for longer than a switch interval; the waiting thread then asks for the GIL and gets it, "
               "and the tasks take turns." if seen[0] >= bar else
               f" That one run lies on the other side of the {bar}-switch bar from the timed ones: a single "
               "run depends on its moment, and this one ran before the switch interval could act.")
    return check(
        "interleave_verdict",
        "the two tasks' printed lines interleave (the tasks take turns while they count)",
        decided,
        d=sw, d_n=sw.text(",.0f", ""), n=f"{r['numbers'][0]:,}", runs=len(r["switches"]), bar=bar,
        spread=runs_words(sw.text(",.0f", ""), len(r["switches"])),
        times="time" if sw.low == sw.high == 1 else "times",
        supported="**The lines interleaved:** with the defaults the printing task changed "
                  "{d_n} times in {n} numbers ({spread}), at least "
                  "the {bar} that mean the tasks took turns while they counted." + ex,
        contradicted="With 100 numbers per task and the output going to a pipe, the printing task "
                     "changed only {d_n} {times} in {n} numbers ({spread}), fewer than the {bar} that "
                     "would mean the tasks took turns while they counted (the threads' start alone gives up to 3): "
                     "each task printed its numbers in "
                     "about one block. The lines did not interleave as the classic demonstration says: "
                     + _esc(_writes_reason(mode)) + ", and 100 numbers take less than one switch "
                     "interval, so nothing asks the printing thread to let go." + ex,
        unclear="With the defaults the printing task changed {d_n} times in {n} numbers ({spread}): the "
                "runs straddle the {bar} switches that would mean the tasks took turns while they counted." + ex,
    )


def flush_verdict(runs: Sequence[Mapping[str, Any]], *, mode: str = "buffered") -> Claim:
    """A write system call hands the GIL to the waiting thread: flushing every line
    (``runs[1]``), the printing task changes at least every :data:`FLUSH_SWITCH_SHARE` of the numbers.

    *mode* is how the runs wrote (:func:`output_mode`): when ``"unbuffered"`` the defaults already
    write each print (two writes), so ``--flush`` only adds a flush call and the sentence says the
    two variants measure the same thing here, with the defaults' switches beside the flushed ones."""
    r = runs[1]
    n = int(r["numbers"][0])
    sw = _switch_interval(r)
    bar = FLUSH_SWITCH_SHARE * n
    if mode == "unbuffered":
        d = _switch_interval(runs[0])
        same = ("The runs here are unbuffered, so the defaults already write each print (two writes, the text "
                "and then the line end) and `--flush` only adds a flush call: the two variants measure the same "
                f"thing here (the defaults changed the printing task {d.text(',.0f', '')} times in "
                f"{int(runs[0]['numbers'][0]):,} numbers). ")
        took, fewer, unsure = ("With `--flush` the printing task changed {f_n} times",
                               "With `--flush` the printing task changed only {f_n} {times}",
                               "With `--flush` the printing task changed {f_n} times")
    else:
        same = ""
        took, fewer, unsure = ("flushing every line made the printing task change {f_n} times",
                               "Flushing every line, one `write` system call per line, changed the printing task "
                               "only {f_n} {times}",
                               "Flushing every line, the printing task changed {f_n} times")
    same = _esc(same)
    return check(
        "flush_verdict",
        "a thread that releases the GIL for a write system call hands it to the waiting thread",
        sw.at_least(bar),
        f=sw, f_n=sw.text(",.0f", ""), n=f"{n:,}", bar=bar, per=1 / FLUSH_SWITCH_SHARE,
        spread=runs_words(sw.text(",.0f", ""), len(r["switches"])),
        times="time" if sw.low == sw.high == 1 else "times",
        supported="**Every write was a chance to switch, and the threads took it:** " + same + took
                  + " in {n} numbers ({spread}), at least {bar:,.0f}: one switch per {per:g} lines or more often.",
        contradicted=same + fewer + " in {n} numbers ({spread}), under the {bar:,.0f} (one switch per {per:g} "
                     "lines) that would mean the waiting thread took the GIL at one write in {per:g} or more. Each "
                     "write releases the GIL, but so briefly that the writing thread took it back before the "
                     "waiting one got it: releasing the GIL gives other threads a chance, not a turn.",
        unclear=same + unsure + " in {n} numbers: the runs straddle {bar:,.0f} (one switch per {per:g} lines), "
                "so this run cannot say whether a write hands the GIL over.",
    )


def interleave_rows(runs: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """One table row per variant of :func:`interleave_runs`: its arguments, the numbers
    printed, and the median and range of switches and split lines (text only)."""
    rows = []
    for r in runs:
        sw, br = [int(x) for x in r["switches"]], [int(x) for x in r["broken"]]
        rows.append({
            "arguments": f"`{' '.join(r['args'])}`" if r["args"] else "(defaults: `--count 100`)",
            "numbers printed": f"{r['numbers'][0]:,}",
            "switches (median)": f"{statistics.median(sw):,g}",
            "switches (fewest to most)": (f"{min(sw):,} in every run" if min(sw) == max(sw)
                                          else f"{min(sw):,} to {max(sw):,}"),
            "split lines (median)": f"{statistics.median(br):,g}",
        })
    return rows


def _expected_numbers(args: Sequence[str]) -> int:
    """Numbers ``examples/interleave.py`` prints with *args*: two tasks of ``--count`` (100) each."""
    count = 100
    for a, b in zip(args, [*args[1:], ""]):
        if a == "--count":
            count = int(b.replace("_", ""))
        elif a.startswith("--count="):
            count = int(a.split("=", 1)[1].replace("_", ""))
    return 2 * count


def interleave_invariants(runs: Sequence[Mapping[str, Any]]) -> list[Invariant]:
    """What sound interleaving runs satisfy: every number was printed (two tasks of
    ``--count`` each), and the switches and split lines are counts within that total."""
    lost, over = [], []
    for r in runs:
        want = _expected_numbers(r["args"])
        args = " ".join(r["args"]) or "defaults"
        lost += [f"{args}: {n} of {want}" for n in r["numbers"] if n != want]
        over += [f"{args}: {s} switches, {b} split lines in {n} numbers"
                 for s, b, n in zip(r["switches"], r["broken"], r["numbers"])
                 if not (0 <= s <= max(n - 1, 0) and 0 <= b <= n)]
    return [
        invariant("interleave_all_printed", "every run printed all its numbers", not lost,
                  cause="the example's output was cut short (killed, or a pipe closed): {lost}",
                  lost="; ".join(lost) or "none"),
        invariant("interleave_counts_within", "switches and split lines are counts within the numbers printed",
                  not over, cause="the output was not parsed as the example writes it: {over}",
                  over="; ".join(over) or "none"),
    ]


# -- verdicts: asyncio ----------------------------------------------------------------------


def asyncio_verdict(waits: Timing, *, shown: float | None = None) -> Claim:
    """Gathered asyncio waits overlap: *tasks* waits of *seconds* take between one wait
    and one wait plus :data:`ASYNCIO_SLACK` (quartiles of the repeats).

    :param waits: :func:`asyncio_waits` (its params hold ``tasks`` and ``seconds``).
    :param shown: the total the example printed on the page (seconds), stated too.
    """
    tasks, seconds = int(waits.params["tasks"]), float(waits.params["seconds"])
    iv = Interval.of(waits.values)
    limit = seconds * (1 + ASYNCIO_SLACK)
    ex = "" if shown is None else (
        f" The example above, one more run, took {shown:.3f} s"
        + (", the same." if seconds * (1 - TIME_SLACK) <= shown <= limit else
           ": outside that range; it was one run, the figure here is the middle of several."))
    return check(
        "asyncio_verdict",
        f"asyncio runs {tasks} waits of {seconds:g} s in about {seconds:g} s",
        iv.between(seconds * (1 - TIME_SLACK / 10), limit),
        m=iv, m_s=iv.text(".3f", " s"), tasks=tasks, seconds=seconds, n=len(waits.values), limit=limit,
        seq=tasks * seconds, spread=runs_words(iv.text(".3f", " s"), len(waits.values)),
        supported="**About one wait:** {tasks} gathered {seconds:g}-second waits took {m_s} "
                  "({spread}; at most {limit:.2f} s), not the "
                  "{seq:g} s they would take one after another." + ex,
        contradicted="{tasks} gathered {seconds:g}-second waits took {m_s} (median of {n} runs), "
                     "not about {seconds:g} s." + ex,
        unclear="{tasks} gathered {seconds:g}-second waits took {m_s} (median of {n} runs): the "
                "repeats straddle {limit:.2f} s." + ex,
    )


def asyncio_invariants(waits: Timing) -> list[Invariant]:
    """What sound asyncio timings satisfy: no gather is shorter than one wait (less the
    timer's resolution, :data:`TIME_SLACK` of a tenth) and, since they overlap at all,
    none is as long as the waits one after another (compared on the quartiles)."""
    tasks, seconds = int(waits.params["tasks"]), float(waits.params["seconds"])
    q1 = quartiles(waits.values)[0]
    return [
        invariant("asyncio_at_least_one_wait", "no gather of waits was shorter than one wait ({seconds:g} s)",
                  min(waits.values) >= seconds * (1 - TIME_SLACK / 10), seconds=seconds,
                  shortest=min(waits.values),
                  cause="a clock misbehaved: the shortest gather took {shortest:.4f} s"),
        invariant("asyncio_below_sequential", "gathered waits took less than the {seq:g} s of the waits one "
                  "after another", tasks == 1 or q1 < tasks * seconds, seq=tasks * seconds, q1=q1,
                  cause="the event loop was starved (a busy host): the first quartile was {q1:.3f} s"),
    ]
