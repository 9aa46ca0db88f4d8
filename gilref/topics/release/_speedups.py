"""Reading a scaling suite: its kinds, each kind's speedup per thread count, the table rows."""

from __future__ import annotations

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
