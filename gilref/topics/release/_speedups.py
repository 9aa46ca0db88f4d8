"""Reading a scaling suite: its kinds, each kind's speedup per thread count, the table rows,
and several suites' lines of one kind gathered for one chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ...core.results import Suite


def kinds_in(suite: Suite) -> list[str]:
    """The workloads of *suite*, in the order they were measured."""
    seen: list[str] = []
    for t in suite.timings:
        if t.workload not in seen:
            seen.append(t.workload)
    return seen


def speedups(suite: Suite, kind: str) -> dict[int, float]:
    """Thread count -> speedup over one thread (ratio of median seconds) for *kind*."""
    out = {1: 1.0}
    for t in suite.select(kind, "threads"):
        out[t.workers] = suite.speedup(t)
    return out


def speedup_rows(suite: Suite) -> list[dict[str, Any]]:
    """One table row per kind: its unit, units per job, one-thread median (s) and
    the speedup at each thread count."""
    rows = []
    for kind in kinds_in(suite):
        base = suite.baseline(kind)
        row: dict[str, Any] = {
            "kind of work": base.params.get("label", kind),
            "one unit": base.params.get("unit", ""),
            "units per job": base.params.get("units", ""),
            "1 thread (s)": f"{base.median:.3f}",
        }
        for workers, value in sorted(speedups(suite, kind).items()):
            if workers > 1:
                row[f"{workers} threads"] = f"{value:.2f}×"
        rows.append(row)
    return rows


def side_by_side(lines: Sequence[tuple[str, Suite]], workload: str) -> Suite:
    """One suite that holds *workload* of each suite under that suite's label, so
    that one chart (:func:`gilref.book.charts.scaling_chart`) draws them as lines of
    their own, each over its own one-thread run.

    :param lines: ``(label, suite)`` pairs; labels must differ.
    :returns: the timings of *workload* (its sequential run and every thread count)
        of each suite, renamed to its label; the metadata of the first suite.
    :raises ValueError: if two labels are the same or a suite lacks *workload*.
    """
    labels = [label for label, _ in lines]
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels must differ, got {labels}")
    out = Suite(metadata=dict(lines[0][1].metadata) if lines else {})
    for label, suite in lines:
        timings = suite.select(workload)
        if not timings:
            raise ValueError(f"the suite labelled {label!r} has no timings of {workload!r}")
        for t in timings:
            out.add(replace(t, workload=label))
    return out
