"""Helpers the topic modules' verdicts share: combining decisions, naming where a run ran.

A verdict that takes two runs of the same quantity (the chapter's measurement
and the reader's example run on the page) must agree with both or say why they
differ; these helpers name the interpreters and combine three-way decisions
(True, False, None = undecided). Standard library only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.verdicts import Interval, Invariant

__all__ = ["SPREAD", "agreement", "all_of", "busy_text", "disagreement", "example_label", "fixed_cost",
           "interpreter_differs", "job_size_text", "labelled", "load", "load_phrase", "load_text", "metadata_label",
           "overhead_interval", "overlap", "predicted_speedup", "quartile_note",
           "slower_build_note",
           "why_undecided", "with_example"]


SPREAD = ("This run cannot tell: the repeats are too spread out, their interval straddles the threshold "
          "the verdict is decided on.")
"""The opening of a verdict left undecided by the spread of its own repeats."""


def all_of(*decisions: bool | None) -> bool | None:
    """False if any decision is False, else None if any is undecided, else True."""
    if any(d is False for d in decisions):
        return False
    return None if any(d is None for d in decisions) else True


def metadata_label(metadata: Mapping[str, Any]) -> str:
    """E.g. ``CPython 3.13.5, GIL on`` from a suite's or a record's metadata."""
    gil = "GIL off" if metadata.get("gil_enabled") is False else "GIL on"
    return f"{metadata.get('python_implementation', 'Python')} {metadata.get('python_version', '?')}, {gil}"


def example_label(data: Mapping[str, Any]) -> str:
    """E.g. ``CPython 3.11.7, GIL on`` from an example's ``--json`` output."""
    gil = "GIL on" if data.get("gil", True) else "GIL off"
    return f"{data.get('implementation', 'Python')} {data.get('python', '?')}, {gil}"


def interpreter_differs(metadata: Mapping[str, Any], example: Mapping[str, Any]) -> str:
    """A phrase naming both interpreters when they differ, else ``""``."""
    a, b = metadata_label(metadata), example_label(example)
    return f"the interpreter ({a} against {b})" if a != b else ""


def load_phrase(metadata: Mapping[str, Any]) -> str:
    """``the minute they ran on a shared host (load average 1.5 at the measurement)``."""
    load = metadata.get("load_average")
    return "the minute they ran on a shared host" + (f" (load average {load[0]:.1f} at the measurement)"
                                                      if load else "")


def disagreement(measured: bool | None, example: bool | None) -> str:
    """The opening of an undecided verdict whose two runs did not decide alike.

    :param measured: the decision on the chapter's measurement.
    :param example: the decision on the example's run.
    :raises ValueError: if the two decided alike (there is nothing to explain).
    """
    if measured == example:
        raise ValueError("the two runs decided alike")
    if measured is not None and example is not None:
        return "**The two runs on this page disagree.**"
    if example is None:
        return ("**The example below cannot confirm the measurement:** its repeats straddle the threshold "
                "the verdict is decided on.")
    return ("**The measurement cannot decide it** (its repeats straddle the threshold the verdict is "
            "decided on), though the example below does.")


def labelled(invariants: Sequence[Invariant], label: str) -> list[Invariant]:
    """*invariants* with ``label: `` before each statement (which build and run it is about), or as they are."""
    if not label:
        return list(invariants)
    return [dataclasses.replace(i, statement=f"{label}: {i.statement}") for i in invariants]


#: Below this share of the GIL build's speed a free-threaded figure on the same page needs a word.
SLOWER_SHARE = 0.8

HOWTO_OVERHEAD = 0.40
"""The free-threaded CPython 3.13 build's overhead on Python code per the free-threading HOWTO:
"about 40% on the pyperformance suite", i.e. the same work takes 1.4 times as long."""

OVERHEAD_TOLERANCE = 0.2
"""How far (either way, as a share of the work's time) an overhead measured on one workload may lie
from :data:`HOWTO_OVERHEAD` and still agree with it: pyperformance's figure is an average over
dozens of benchmarks whose own overheads spread that far."""

_HOWTO = "https://docs.python.org/{v}/howto/free-threading-python.html#single-threaded-performance"


def overhead_interval(ratio: Any) -> Any:
    """The overhead (extra time for the same work, a share) from a speed ratio free-threaded / GIL build.

    A speed ratio *r* means each unit of work takes ``1/r`` as long, an overhead of ``1/r − 1``;
    the interval's ends swap (the slowest speed is the largest overhead).
    """
    if ratio.low <= 0:
        raise ValueError("a speed ratio must be positive")
    return Interval(1 / ratio.high - 1, 1 / ratio.median - 1, 1 / ratio.low - 1)


def slower_build_note(ratio: Any, what: str, free_metadata: Mapping[str, Any]) -> str:
    """A sentence for a free-threaded figure clearly below the GIL build's on the same page, or ``""``.

    Compares like with like: the speed ratio becomes an overhead (:func:`overhead_interval`) set
    beside the HOWTO's for 3.13 (:data:`HOWTO_OVERHEAD`), and the sentence says whether the two agree
    within :data:`OVERHEAD_TOLERANCE` and, when not, why they can differ.

    :param ratio: an :class:`~gilref.core.verdicts.Interval` of free-threaded over GIL build (a share).
    :param what: the subject and verb of what was compared, e.g. ``"the server alone answered"``.
    :param free_metadata: the free-threaded run's metadata (its Python version picks the HOWTO cited).
    """
    if ratio.below(SLOWER_SHARE) is not True:
        return ""
    version = str(free_metadata.get("python_version", ""))
    series = ".".join(version.split(".")[:2]) or "3"
    over = overhead_interval(ratio)
    slowdown = Interval(1 - ratio.high, 1 - ratio.median, 1 - ratio.low)
    head = (f" Without a GIL, {what} at {ratio.scaled(100).text('.0f', '%')} of the GIL build's rate "
            f"({slowdown.scaled(100).text('.0f', '%')} slower): the same work took "
            f"{over.scaled(100).text('.0f', '%')} longer, an overhead in the HOWTO's sense.")
    link = f"[free-threading HOWTO]({_HOWTO.format(v=series)})"
    if series != "3.13":
        return head + f" The {link} says the free-threaded build runs single-threaded Python code slower."
    agrees = over.between(HOWTO_OVERHEAD - OVERHEAD_TOLERANCE, HOWTO_OVERHEAD + OVERHEAD_TOLERANCE)
    howto = (f" The {link} puts the 3.13 free-threaded build's overhead at about {HOWTO_OVERHEAD * 100:.0f}% "
             "on pyperformance, mostly because its specializing adaptive interpreter is off")
    if agrees:
        return head + howto + f": this agrees within {OVERHEAD_TOLERANCE * 100:.0f} points."
    if agrees is False and over.low > HOWTO_OVERHEAD:
        return (head + howto + f": this run's overhead is larger, beyond {OVERHEAD_TOLERANCE * 100:.0f} points. "
                "The pyperformance figure averages dozens of benchmarks, and one workload can lie far from it; "
                "the two builds also ran at different moments on a shared host.")
    if agrees is False:
        return (head + howto + f": this run's overhead is smaller, beyond {OVERHEAD_TOLERANCE * 100:.0f} "
                "points; the two builds ran at different moments on a shared host.")
    return (head + howto + f": within {OVERHEAD_TOLERANCE * 100:.0f} points of that for part of this run's "
            "spread, not all of it, so this run neither confirms nor contradicts it.")


def with_example(primary: bool | None, secondary: bool | None) -> bool | None:
    """The chapter's measurement (*primary*) decides; an example that decides the other way makes it undecided."""
    if primary is not None and secondary is not None and primary != secondary:
        return None
    return primary


def overlap(a: Interval, b: Interval) -> bool:
    """Whether two intervals share any value (two measurements agree within their spreads)."""
    return a.low <= b.high and b.low <= a.high


def why_undecided(primary: bool | None, threshold: str, *, final: bool | None = None) -> str:
    """The reason an undecided verdict gives: the chapter's own interval straddled *threshold*
    (``primary is None``), or else the example decided the other way; ``""`` when the verdict
    (*final*, with the example taken into account) was decided, so a record never carries a
    reason for an undecided verdict it did not give."""
    if final is not None:
        return ""
    if primary is None:
        return f"a range that holds the threshold of {threshold}"
    return "which alone would decide, but the example on this page decided the other way"


def load(value: Any) -> float | None:
    """The 1-minute load average from a ``load_average`` triple (or None)."""
    if isinstance(value, (list, tuple)) and value:
        return float(value[0])
    return None


def load_text(value: Any) -> str:
    """The 1-minute load average as text (``"unknown"`` if not recorded)."""
    x = load(value)
    return "unknown" if x is None else f"{x:.1f}"


def busy_text(metadata: Mapping[str, Any]) -> str:
    """Why a parallel run fell short, from the host's load when it started (computed, not assumed)."""
    x, cpus = load(metadata.get("load_average")), metadata.get("usable_cpus")
    if x is None or not cpus:
        return "the host's load was not recorded, so this page cannot say whether other work held the cores"
    if x >= float(cpus):
        return (f"the host's 1-minute load average was {x:.1f} on {cpus} CPUs when it started, so other work "
                "held the cores and the workers waited for a CPU as threads wait for the GIL")
    return (f"the host's 1-minute load average was only {x:.1f} on {cpus} CPUs when it started, so its load "
            "does not explain it; a burst of other work during the runs, or throttled CPUs, would")


def agreement(holds: bool | None, passes: bool) -> str | None:
    """How one median figure (no spread) relates to a verdict decided on an interval.

    :param holds: the verdict (True, False, or None when undecided).
    :param passes: the figure is on the claim's side of the verdict's threshold.
    :returns: ``"it agrees"`` when the figure is on the verdict's side, ``None``
        when it is not (the caller says why they differ), and for an undecided
        verdict a clause saying one median cannot settle it.
    """
    if holds is None:
        return ("the interval above straddles the threshold, and one median without a spread cannot "
                "settle it either way")
    return "it agrees" if holds == passes else None


def fixed_cost(one: float, pooled: float, workers: int) -> float:
    """Seconds a run on *workers* took beyond a perfect split of the one-worker time *one* (at least 0).

    What a pool adds per run whatever the job's size: handing out the shares, waking the
    workers, returning the results (and, where the clock includes it, starting them).
    """
    if workers < 1 or one <= 0:
        raise ValueError("need a positive one-worker time and at least one worker")
    return max(pooled - one / workers, 0.0)


def predicted_speedup(one: float, cost: float, workers: int) -> float:
    """The speedup over one worker that a job taking *one* seconds gets on *workers*
    when each run also pays a fixed *cost* in seconds (:func:`fixed_cost`)."""
    if workers < 1 or one <= 0:
        raise ValueError("need a positive one-worker time and at least one worker")
    return one / (one / workers + cost)


def job_size_text(cost: float, workers: int, here_one: float, there_one: float, there: Interval,
                  there_name: str, *, where: str = "here", there_cost: float | None = None) -> tuple[str, bool]:
    """Whether a fixed cost per run, measured here, explains another run's speedup on a job of another size.

    :param cost: seconds per run this measurement spent beyond a perfect split (:func:`fixed_cost`).
    :param here_one: this measurement's one-worker time (s); *there_one* the other run's.
    :param there: the other run's speedup interval; *there_name* its name (``"the example"``).
    :param where: where *cost* and *here_one* were measured, as an adverbial (``"here"``,
        ``"in that chapter"``).
    :param there_cost: the other run's own fixed cost per run (s), when it was measured. When this
        run's cost does not explain the gap, the sentences then compare the two costs: the other
        run's own cost gives its own speedup, so the gap lies in the cost per run, not the job's size.
    :returns: (sentences, explained): *explained* is True when the predicted speedup lies within *there*,
        or beyond it on the side away from this run's own (the fixed cost accounts for more than the gap).
        With *there_cost*, it stays False when the costs differ: the caller names what differs.
    """
    pred = predicted_speedup(there_one, cost, workers)
    ms_here, ms_there = here_one / workers * 1000, there_one / workers * 1000
    head = (f" {where[0].upper()}{where[1:]}, each run took {cost * 1000:.1f} ms beyond a perfect split of one "
            f"worker's time, a fixed cost "
            f"per run (handing out the shares, waking the workers, collecting the results). Each of the "
            f"{workers} workers of {there_name} computed for {ms_there:.0f} ms, against {ms_here:.0f} ms {where}, so "
            f"that cost weighs {ms_here / ms_there:.1f} times as much for {there_name}: had {there_name} paid that "
            f"same cost "
            f"per run, it would have reached {pred:.2f}×")
    if there.low <= pred <= there.high:
        return head + ", inside its spread. The job's size explains the gap.", True
    here_pred = predicted_speedup(here_one, cost, workers)  # this run's own median ratio, by construction
    if (pred - here_pred) * (there.median - here_pred) > 0 and abs(pred - here_pred) > abs(there.median - here_pred):
        return (head + f", beyond its spread {there.text()}, on the far side from this run's own speedup: "
                f"a cost per run that large would more than explain the gap, so {there_name} must pay less "
                f"per run than the run {where} does.", True)
    head += f", still outside its spread {there.text()}: the job's size explains part of the gap, not all of it."
    if there_cost is None:
        return head, False
    return (head + f" {there_name[0].upper()}{there_name[1:]} paid {there_cost * 1000:.1f} ms beyond a perfect "
            f"split per run, against {cost * 1000:.1f} ms {where}: the rest of the gap is that difference in "
            "the cost per run.", False)


def quartile_note(s: Interval, cpus: Any, what: str) -> str:
    """A sentence when a speedup interval's upper end exceeds the CPU count, else ``""``: such an
    end is a ratio of quartiles (slowest one-worker runs over fastest pooled ones), not any run's."""
    if not cpus or s.high <= int(cpus):
        return ""
    return (f" The upper end of {what}, {s.high:.2f}×, lies above the {cpus} CPUs: it is a ratio of quartiles "
            "(the slowest one-worker runs over the fastest pooled ones), not the speedup of any run.")
