"""Helpers shared by verdicts that weigh a chapter's measurement against the example run on its page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.verdicts import Interval


def with_example(primary: bool | None, secondary: bool | None) -> bool | None:
    """The chapter's measurement (*primary*) decides; an example that decides the other way makes it undecided."""
    if primary is not None and secondary is not None and primary != secondary:
        return None
    return primary


def overlap(a: Interval, b: Interval) -> bool:
    """Whether two intervals share any value (two measurements agree within their spreads)."""
    return a.low <= b.high and b.low <= a.high


def why_undecided(primary: bool | None, threshold: str) -> str:
    """The reason an undecided verdict gives: the chapter's own interval straddled *threshold*
    (``primary is None``), or else the example decided the other way."""
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
