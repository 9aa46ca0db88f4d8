"""Charts of gilref results (optional layer: needs matplotlib).

Every chart has a title, axis labels with units and a caption line naming the
host it was measured on. Functions return a :class:`matplotlib.figure.Figure`
built without pyplot's global state, so they are safe to call from threads and
leave no figures open.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from .hostinfo import host_summary
from .results import Suite

try:
    from matplotlib.figure import Figure
except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
    raise ImportError(
        "gilref.plotting needs matplotlib: pip install matplotlib "
        "(or install gilref's 'docs' dependency group)"
    ) from exc

__all__ = [
    "bar_chart",
    "line_chart",
    "mode_chart",
    "scaling_chart",
    "speedup_chart",
    "to_svg",
]

COLORS = {
    "sequential": "#4c72b0",
    "threads": "#dd8452",
    "processes": "#55a868",
}
_PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]


def _figure(width: float = 7.0, height: float = 4.0) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def caption(fig: Figure, metadata: dict[str, Any] | None, note: str = "") -> None:
    """Write the host (and an optional note) under the chart, in small print."""
    text = "Measured on " + host_summary(metadata or {})
    if note:
        text += f"\n{note}"
    fig.supxlabel(text, fontsize=7.5, color="#555555")


def mode_chart(suite: Suite, workload: str, *, title: str | None = None) -> Figure:
    """Bar chart of median run time per configuration, with quartile whiskers.

    Each bar is labelled with its speedup versus the sequential run.
    """
    timings = [t for t in suite.timings if t.workload == workload]
    if not timings:
        raise KeyError(f"no timings of {workload!r} in this suite")
    fig = _figure(7.0, 3.8)
    ax = fig.subplots()
    labels = [t.label for t in timings]
    medians = [t.median for t in timings]
    lows = [t.median - t.summary.q1 for t in timings]
    highs = [t.summary.q3 - t.median for t in timings]
    colors = [COLORS.get(t.mode, "#8c8c8c") for t in timings]
    bars = ax.bar(labels, medians, yerr=[lows, highs], color=colors, capsize=4)
    for bar, t in zip(bars, timings):
        ax.annotate(
            f"{suite.speedup(t):.2f}×",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=9,
        )
    ax.set_ylabel(f"median wall time ({timings[0].unit})")
    ax.set_xlabel("configuration (label: speedup vs one thread)")
    ax.set_ylim(0, max(m + h for m, h in zip(medians, highs)) * 1.2)
    n = len(timings[0].values)
    ax.set_title(title or f"{workload}: one thread vs threads vs processes")
    caption(fig, suite.metadata, f"Bars: median of {n} runs; whiskers: quartiles.")
    return fig


def speedup_chart(
    suites: Sequence[tuple[str, Suite]] | Suite,
    workload: str,
    *,
    mode: str = "threads",
    title: str | None = None,
    ideal: bool = True,
) -> Figure:
    """Speedup versus worker count, one line per suite, with the ideal line.

    :param suites: a suite, or ``(label, suite)`` pairs to draw side by side
        (for instance the same workload on several interpreters).
    """
    pairs = [("measured", suites)] if isinstance(suites, Suite) else list(suites)
    fig = _figure(7.0, 4.0)
    ax = fig.subplots()
    top = 1
    for i, (label, suite) in enumerate(pairs):
        timings = suite.select(workload, mode)
        if not timings:
            continue
        xs = [t.workers for t in timings]
        ys = [suite.speedup(t) for t in timings]
        lo = [y - suite.speedup_range(t)[0] for t, y in zip(timings, ys)]
        hi = [suite.speedup_range(t)[1] - y for t, y in zip(timings, ys)]
        ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=label, color=_PALETTE[i % 8])
        top = max(top, max(xs))
    if ideal:
        ax.plot([1, top], [1, top], linestyle="--", color="#999999", label="ideal (speedup = workers)")
    ax.set_xlabel(f"{mode} (count)")
    ax.set_ylabel("speedup vs one thread (×)")
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0.5)
    ax.legend(fontsize=8)
    ax.set_title(title or f"{workload}: speedup on {mode}")
    first = pairs[0][1].metadata if pairs else {}
    caption(fig, first, "Points: ratio of medians; bars: quartile range.")
    return fig


def scaling_chart(
    suite: Suite,
    workload: str,
    modes: Sequence[tuple[str, str]],
    *,
    title: str,
    xlabel: str = "workers (count, log scale)",
    band: float | None = None,
) -> Figure:
    """Speedup versus worker count for several modes of one suite, against the ideal.

    Every line starts at the sequential run (1 worker, speedup 1). The x axis
    is logarithmic (base 2), so 1, 2, 4, 8, 16 are evenly spaced.

    :param modes: ``(mode, legend label)`` pairs, one line each.
    :param band: if given (e.g. 0.9), also draw ``band × ideal`` as a dotted line.
    """
    fig = _figure(7.0, 4.2)
    ax = fig.subplots()
    top = 1
    for i, (mode, label) in enumerate(modes):
        timings = suite.select(workload, mode)
        if not timings:
            continue
        xs = [t.workers for t in timings]
        ys = [suite.speedup(t) for t in timings]
        lo = [y - suite.speedup_range(t)[0] for t, y in zip(timings, ys)]
        hi = [suite.speedup_range(t)[1] - y for t, y in zip(timings, ys)]
        if xs[0] != 1:
            xs, ys, lo, hi = [1, *xs], [1.0, *ys], [0.0, *lo], [0.0, *hi]
        ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=label, color=_PALETTE[(i + 1) % 8])
        top = max(top, max(xs))
    ticks = [2 ** k for k in range(0, top.bit_length()) if 2 ** k <= top]
    ax.plot([1, top], [1, top], linestyle="--", color="#999999", label="ideal (speedup = workers)")
    if band is not None:
        ax.plot([1, top], [band, band * top], linestyle=":", color="#bbbbbb",
                label=f"{band:.0%} of ideal")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.set_yticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel(xlabel)
    ax.set_ylabel("speedup vs sequential (×, log scale)")
    ax.legend(fontsize=8)
    ax.set_title(title)
    n = len(suite.timings[0].values) if suite.timings else 0
    caption(fig, suite.metadata, f"Points: ratio of medians of {n} runs; bars: quartile range.")
    return fig


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    ylabel: str,
    xlabel: str = "",
    metadata: dict[str, Any] | None = None,
    note: str = "",
    errors: Sequence[tuple[float, float]] | None = None,
    annotate: str | None = "{:.3g}",
    colors: Sequence[str] | None = None,
) -> Figure:
    """A labelled bar chart; *errors* are ``(low, high)`` absolute bounds per bar."""
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    fig = _figure(7.0, 3.8)
    ax = fig.subplots()
    yerr = None
    if errors is not None:
        yerr = [[v - lo for v, (lo, _) in zip(values, errors)], [hi - v for v, (_, hi) in zip(values, errors)]]
    bars = ax.bar(list(labels), list(values), yerr=yerr, capsize=4,
                  color=list(colors) if colors else [_PALETTE[i % 8] for i in range(len(values))])
    if annotate:
        for bar, v in zip(bars, values):
            ax.annotate(annotate.format(v), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        xytext=(0, 4), textcoords="offset points", ha="center", fontsize=8)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.margins(y=0.15)
    caption(fig, metadata, note)
    return fig


def line_chart(
    series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    metadata: dict[str, Any] | None = None,
    note: str = "",
    logx: bool = False,
    logy: bool = False,
    ylim_bottom: float | None = None,
) -> Figure:
    """Lines of ``(label, xs, ys)``, with markers, on one pair of axes."""
    fig = _figure(7.0, 4.0)
    ax = fig.subplots()
    for i, (label, xs, ys) in enumerate(series):
        ax.plot(list(xs), list(ys), marker="o", label=label, color=_PALETTE[i % 8])
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    if ylim_bottom is not None:
        ax.set_ylim(bottom=ylim_bottom)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(series) > 1:
        ax.legend(fontsize=8)
    caption(fig, metadata, note)
    return fig


def to_svg(fig: Figure) -> str:
    """The figure as SVG text (fonts as paths, so it renders the same everywhere)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()

