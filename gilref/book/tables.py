"""Tables of results as rows and as Markdown (standard library only)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from ..core.results import Suite, Timing

__all__ = ["Table", "markdown_table", "text_table", "timing_rows"]


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


def _plain(value: Any) -> str:
    return "" if value is None else str(value).replace("\n", " ")


def text_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Render *rows* as aligned plain-text columns (for a terminal or a plain-text output)."""
    if columns is None:
        if not rows:
            raise ValueError("cannot make a table of no rows without columns")
        columns = list(rows[0])
    cells = [[_plain(c) for c in columns]] + [[_plain(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells) + "\n"


class Table:
    """Rows shown as a table when a notebook cell ends with one (HTML on the page).

    A cell that would otherwise end with a dict or a list (and print its
    repr) ends with ``Table(rows)``; the page shows a table, ``repr()`` and a
    terminal show aligned text.
    """

    def __init__(self, rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> None:
        if columns is None and not rows:
            raise ValueError("cannot make a table of no rows without columns")
        self.rows = [dict(r) for r in rows]
        self.columns = list(columns) if columns is not None else list(self.rows[0])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(_plain(c))}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_plain(r.get(c)))}</td>" for c in self.columns) + "</tr>"
            for r in self.rows)
        return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def __repr__(self) -> str:
        return text_table(self.rows, self.columns)
