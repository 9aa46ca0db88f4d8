"""Tables of results: rows, and the one renderer for them (standard library only).

:func:`render_table` turns rows (dicts sharing keys) into a Markdown pipe table
for a chapter (``style="markdown"``) or into aligned plain text for a terminal
(``style="text"``, the reader's ``report`` and ``compare`` commands).
:func:`markdown_table` is its Markdown form.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.results import Suite, Timing

__all__ = ["STYLES", "Table", "markdown_table", "render_table", "timing_rows"]

#: The output styles of :func:`render_table`.
STYLES = ("markdown", "text")


def timing_rows(suite: Suite, timings: Sequence[Timing] | None = None) -> list[dict[str, Any]]:
    """One row per timing: configuration, median, quartiles, runs, speedup.

    Values are in each timing's unit (seconds unless stated); the speedup is the
    ratio of medians versus the workload's sequential run, the right way round
    for rates (blank if there is no comparable baseline).
    """
    rows = []
    for t in timings if timings is not None else suite.timings:
        s = t.summary
        try:
            speed = f"{suite.speedup(t):.2f}×"
        except (KeyError, ValueError):
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


def _text(value: Any) -> str:
    return ("" if value is None else str(value)).replace("\n", " ")


def _md_cell(value: Any) -> str:
    return _text(value).replace("|", "\\|")


def render_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    style: str = "markdown",
    indent: str = "",
) -> str:
    """Render *rows* (dicts sharing keys) as a table, one line per row after a header.

    :param columns: the keys to show, in order (default: the first row's keys);
        a row without a key shows an empty cell.
    :param style: ``"markdown"``, a pipe table (``|`` in a cell escaped); or
        ``"text"``, columns padded to their widest cell and separated by two
        spaces (no trailing spaces), under a rule of dashes.
    :param indent: put before every line (e.g. two spaces in a text report).
    :returns: the table, ending with a newline. A cell is ``str(value)`` (``None``
        is empty; a newline becomes a space).
    :raises ValueError: if *rows* is empty and no *columns* are given, or for
        another *style*.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}; got {style!r}")
    if columns is None:
        if not rows:
            raise ValueError("cannot make a table of no rows without columns")
        columns = list(rows[0])
    if style == "markdown":
        lines = [
            "| " + " | ".join(_md_cell(c) for c in columns) + " |",
            "|" + "|".join(" --- " for _ in columns) + "|",
        ]
        lines += ["| " + " | ".join(_md_cell(row.get(c)) for c in columns) + " |" for row in rows]
    else:
        header = [_text(c) for c in columns]
        cells = [[_text(row.get(c)) for c in columns] for row in rows]
        widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(), "  ".join("-" * w for w in widths)]
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    return "".join(f"{indent}{line}\n" for line in lines)


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Render *rows* (dicts sharing keys) as a Markdown pipe table (:func:`render_table`).

    :raises ValueError: if *rows* is empty and no *columns* are given.
    """
    return render_table(rows, columns, style="markdown")


class Table:
    """Rows shown as a table when a notebook cell ends with one (HTML on the page).

    A cell that would otherwise end with a dict or a list (and print its repr)
    ends with ``Table(rows)``: the page shows an HTML table, ``repr()`` (a
    terminal) the aligned text of :func:`render_table`.

    :raises ValueError: if *rows* is empty and no *columns* are given.
    """

    def __init__(self, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
        if columns is None and not rows:
            raise ValueError("cannot make a table of no rows without columns")
        self.rows = [dict(r) for r in rows]
        self.columns = list(columns) if columns is not None else list(self.rows[0])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(_text(c))}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_text(r.get(c)))}</td>" for c in self.columns) + "</tr>"
            for r in self.rows)
        return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def __repr__(self) -> str:
        return render_table(self.rows, self.columns, style="text")
