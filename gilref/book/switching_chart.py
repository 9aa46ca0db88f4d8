"""The switch-interval chapter's two-panel chart: wake-up latency and throughput against the interval.

Beside :mod:`gilref.book.charts` rather than in it, because it reads
:mod:`gilref.topics.switching`: the book's inputs follow imports, so a chart that imports a
topic would make a change to that topic re-run every chapter that draws a chart.
Optional layer: matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from ..core.results import Suite
from .charts import _PALETTE, Build, _figure, builds_of, caption

__all__ = ["switch_interval_chart"]


def switch_interval_chart(
    suites: Sequence[tuple[str, Suite]],
    *,
    title: str = "Switch interval: wake-up latency and CPU-bound throughput",
    builds: Sequence[Build] | None = None,
) -> Figure:
    """Two panels from :func:`gilref.topics.switching.measure` suites, one line per suite.

    Left: the I/O-style thread's median wake-up latency (ms) against the switch
    interval (ms), log-log, with the line latency = interval. Right: the
    CPU-bound thread's throughput (million loop steps per second) against the
    interval, with each suite's CPU-thread-alone throughput as a dashed line.
    Error bars: quartiles over trials. Each suite's I/O-style thread alone is a
    dotted line in its colour, named in the legend; the caption says which builds'
    points all lie below their own (quartiles apart). The caption names every
    suite's build (or *builds*).
    """
    from ..topics.switching import LATENCY, THROUGHPUT, points

    if not suites:
        raise ValueError("switch_interval_chart needs at least one (label, suite) pair")
    fig = _figure(8.0, 5.6)
    left, right = fig.subplots(1, 2)
    lo = hi = None
    below: list[str] = []  # builds whose points lie wholly below their own "alone" line
    for i, (label, suite) in enumerate(suites):
        rows = points(suite)
        color = _PALETTE[i % 8]
        xs = [r["interval_s"] * 1e3 for r in rows]
        ys = [r["latency_s"] * 1e3 for r in rows]
        err = [[y - r["latency_q1_s"] * 1e3 for y, r in zip(ys, rows)],
               [r["latency_q3_s"] * 1e3 - y for y, r in zip(ys, rows)]]
        left.errorbar(xs, ys, yerr=err, marker="o", capsize=3, color=color, label=label)
        lo = min(xs) if lo is None else min(lo, min(xs))
        hi = max(xs) if hi is None else max(hi, max(xs))
        alone_lat = suite.select(LATENCY, "sequential")
        if alone_lat:
            left.axhline(alone_lat[0].median * 1e3, color=color, linestyle=":", linewidth=1,
                         label=f"{label}: I/O-style thread alone")
            floor = alone_lat[0].summary.q1
            if all(r["latency_q3_s"] < floor for r in rows):
                below.append(label)
        ts = [r["throughput"] / 1e6 for r in rows if "throughput" in r]
        terr = [[t - r["throughput_q1"] / 1e6 for t, r in zip(ts, rows)],
                [r["throughput_q3"] / 1e6 - t for t, r in zip(ts, rows)]]
        right.errorbar([r["interval_s"] * 1e3 for r in rows if "throughput" in r], ts, yerr=terr,
                       marker="o", capsize=3, color=color, label=label)
        alone = suite.select(THROUGHPUT, "sequential")
        if alone:
            right.axhline(alone[0].median / 1e6, color=color, linestyle="--", linewidth=1,
                          label=f"{label}: CPU thread alone")
    if lo is not None and hi is not None:
        left.plot([lo, hi], [lo, hi], linestyle="--", color="#999999", label="latency = interval")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("switch interval (ms)")
    left.set_ylabel("median wake-up latency (ms)")
    left.set_title("I/O-style thread: time to run again", fontsize=10)
    # Legends under the panels: beside them they squeeze the axes to slivers.
    left.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    right.set_xscale("log")
    right.set_ylim(bottom=0)
    right.set_xlabel("switch interval (ms)")
    right.set_ylabel("loop steps per second (millions)")
    right.set_title("CPU-bound thread: throughput", fontsize=10)
    right.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    fig.suptitle(title)
    note = "Points: medians over trials; bars: quartiles. Dotted: each build's I/O-style thread alone, in its colour."
    if below:
        note += (f" {' and '.join(below)}: every point below its dotted line (quartiles apart); beside a busy "
                 "thread a CPU stays awake, so a wake-up skips an idle CPU's, likely the reason (the convoy "
                 "chapter measures it).")
    caption(fig, suites[0][1].metadata, note,
            builds=builds if builds is not None else builds_of([s for _, s in suites]))
    return fig
