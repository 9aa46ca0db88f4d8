"""The timeline chapter's chart: which thread ran when.

Beside :mod:`gilref.book.charts` rather than in it, because it reads
:mod:`gilref.topics.timeline`: the book's inputs follow imports, so a chart that imports a
topic would make a change to that topic re-run every chapter that draws a chart.
Optional layer: matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from .charts import _PALETTE, Build, _figure, caption

__all__ = ["gantt_chart"]


def gantt_chart(
    panels: Sequence[tuple[str, dict[str, Any]]],
    *,
    title: str,
    window: float | None = None,
    metadata: dict[str, Any] | None = None,
    note: str = "",
    builds: Sequence[Build] | None = None,
) -> Figure:
    """Which thread ran when: one panel per timeline of :func:`gilref.topics.timeline.record`.

    Each thread is a row; a bar is an interval in which it ran. The y labels
    give each thread's share of the whole recording.

    :param panels: ``(panel title, timeline)`` pairs, drawn one above the other.
    :param window: show only the first *window* seconds (default: all).
    :param builds: the interpreter builds the timelines came from, when not *metadata*'s.
    """
    from ..topics.timeline import analyze

    if not panels:
        raise ValueError("gantt_chart needs at least one (title, timeline) pair")
    rows = sum(len(tl["threads"]) for _, tl in panels)
    fig = _figure(8.0, 1.2 + 0.42 * rows + 0.5 * len(panels))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    io_color = "#c44e52"
    for ax, (panel_title, tl) in zip(axes, panels):
        end = float(tl["duration_s"]) if window is None else min(float(window), float(tl["duration_s"]))
        shares = analyze(tl)["shares"]
        labels = []
        cpu_i = 0
        for row, th in enumerate(tl["threads"]):
            bars = [(a * 1e3, (min(b, end) - a) * 1e3) for a, b in th["runs"] if a < end and b > 0]
            if th["kind"] == "io":
                color = io_color
            else:
                color = _PALETTE[[0, 1, 2, 4, 5, 6, 7][cpu_i % 7]]
                cpu_i += 1
            ax.broken_barh(bars, (row - 0.38, 0.76), facecolors=color)
            labels.append(f"{th['name']} ({shares[th['name']]:.0%})")
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_xlim(0, end * 1e3)
        ax.set_title(panel_title, fontsize=9, loc="left")
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
    axes[-1].set_xlabel("time since the threads started competing (ms)")
    fig.suptitle(title)
    caption(fig, metadata, note or "Bars: intervals in which the thread ran (from its own clock readings); "
            "labels: share of the whole recording.", builds=builds)
    return fig
