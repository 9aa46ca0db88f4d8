"""Tables of results as rows and as Markdown (standard library only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.results import Suite, Timing

__all__ = ["markdown_table", "timing_rows"]


def timing_rows(suite: Suite, timings: Sequence[Timing] | None = None) -> list[dict[str, Any]]:
    """One row per timing: configuration, median, quartiles, runs, speedup.

    Times are in each timing's unit (seconds unless stated); the speedup is the
    ratio of medians versus the workload's sequential run (blank if none).
    """
    rows = []
    for t in timings if timings is not None else suite.timings:
        s = t.summary
        try:
            speed = f"{suite.speedup(t):.2f}×"
        except KeyError:
            speed = ""
        rows.append({
            "workload": t.workload,
            "configuration": t.label,
            f"median ({t.unit})": f"{s.median:.4f}",
            f"quartiles ({t.unit})": f"{s.q1:.4f} – {s.q3:.4f}",
            "runs": s.n,
            "speedup": speed,
        })
    return rows


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Render *rows* (dicts sharing keys) as a Markdown pipe table.

    :raises ValueError: if *rows* is empty and no *columns* are given.
    """
    if columns is None:
        if not rows:
            raise ValueError("cannot make a table of no rows without columns")
        columns = list(rows[0])
    lines = [
        "| " + " | ".join(_cell(c) for c in columns) + " |",
        "|" + "|".join(" --- " for _ in columns) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    return "\n".join(lines) + "\n"
