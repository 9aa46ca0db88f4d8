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
    "comparison_chart",
    "line_chart",
    "mode_chart",
    "readability_problems",
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
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(series) > 1:
        ax.legend(fontsize=8)
    caption(fig, metadata, note)
    return fig


def comparison_chart(
    rows: Sequence[tuple[str, float | None, float | None, bool]],
    *,
    names: tuple[str, str],
    metadata: tuple[dict[str, Any], dict[str, Any]],
    title: str,
) -> Figure:
    """Two machines side by side: speedups (left) and single-thread times (right).

    :param rows: ``(label, first value, second value, is_speedup)``; speedups are
        drawn as grouped bars in ×, the others (times, seconds per million
        countdown steps) on their own axes. ``None`` values are left out.
    :param names: what to call the two machines in the legend.
    :param metadata: the two machines' host facts, for the caption.
    """
    speed = [r for r in rows if r[3]]
    times = [r for r in rows if not r[3]]
    panels = [p for p in (speed, times) if p]
    if not panels:
        raise ValueError("rows must hold at least one measure")
    widths = [3 if p is speed else 1.4 for p in panels]
    fig = _figure(8.5, 4.4)
    axes = fig.subplots(1, len(panels), gridspec_kw={"width_ratios": widths}, squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        xs = list(range(len(panel)))
        for j, name in enumerate(names):
            vals = [r[1 + j] for r in panel]
            pos = [x + (j - 0.5) * 0.38 for x in xs]
            bars = ax.bar([p for p, v in zip(pos, vals) if v is not None], [v for v in vals if v is not None],
                          width=0.38, label=name, color=_PALETTE[j])
            for bar, v in zip(bars, [v for v in vals if v is not None]):
                ax.annotate(f"{v:.2f}×" if panel is speed else f"{v:.3g}",
                            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                            xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7.5)
        ax.set_xticks(xs)
        ax.set_xticklabels([r[0].replace(" on ", "\non ", 1) for r in panel], fontsize=8)
        ax.margins(y=0.15)
        if panel is speed:
            ax.axhline(1.0, color="#999999", linestyle="--", linewidth=1)
            ax.set_ylabel("speedup vs one thread (×)")
            ax.set_xlabel("measure (speedup of each over one thread, same machine)")
            ax.set_title("Speedups (higher is faster)", fontsize=10)
            ax.legend(fontsize=8)
        else:
            ax.set_ylabel("time (s per million steps)")
            ax.set_xlabel("measure")
            ax.set_title("One core (lower: faster)", fontsize=10)
    fig.suptitle(title)
    text = "Measured on:  " + "\n".join(f"{n}: {host_summary(md or {})}" for n, md in zip(names, metadata))
    fig.supxlabel(text, fontsize=7.5, color="#555555")
    return fig


def readability_problems(fig: Figure) -> list[str]:
    """What keeps *fig* from being a readable chart of this book (empty if nothing).

    The rules: a title (the figure's, or one on every axes); on every axes a
    y label and, unless the x axis holds categories, an x label, each naming its
    unit in parentheses, e.g. ``"median wall time (s)"``; and a caption naming
    the host (``"Measured on ..."``, as ``caption()`` writes it).
    """
    problems = []
    fig.draw_without_rendering()  # lays out the tick labels, to tell categories from numbers
    suptitle = getattr(fig, "_suptitle", None)
    has_title = bool(suptitle is not None and suptitle.get_text().strip())
    axes = [ax for ax in fig.get_axes() if ax.get_visible() and ax.get_label() != "<colorbar>"]
    if not axes:
        problems.append("the figure has no axes")
    for i, ax in enumerate(axes):
        where = f"axes {i + 1}"
        if not has_title and not ax.get_title().strip():
            problems.append(f"{where} has no title (and the figure none either)")
        ylabel = ax.get_ylabel().strip()
        if not ylabel:
            problems.append(f"{where} has no y axis label")
        elif "(" not in ylabel or ")" not in ylabel:
            problems.append(f"{where}: the y label {ylabel!r} names no unit in parentheses")
        xlabel = ax.get_xlabel().strip()
        categorical = _categorical(ax)
        if not xlabel and not categorical:
            problems.append(f"{where} has no x axis label")
        elif xlabel and not categorical and ("(" not in xlabel or ")" not in xlabel):
            problems.append(f"{where}: the x label {xlabel!r} names no unit in parentheses")
    supx = getattr(fig, "_supxlabel", None)
    if supx is None or not supx.get_text().strip().startswith("Measured on"):
        problems.append("no caption naming the host (use gilref.plotting.caption)")
    return problems


def _categorical(ax: Any) -> bool:
    """True if the x axis holds categories (its tick labels are words, not numbers)."""
    if type(ax.xaxis.get_major_formatter()).__name__ == "StrCategoryFormatter":
        return True
    labels = [t.get_text().strip() for t in ax.get_xticklabels() if t.get_visible()]
    labels = [t for t in labels if t]
    if not labels:
        return False
    for text in labels:
        try:
            float(text.replace("\u2212", "-"))
            return False
        except ValueError:
            if "$" in text:  # mathtext such as 10^2 on a log axis
                return False
    return True


def to_svg(fig: Figure) -> str:
    """The figure as SVG text (fonts as paths, so it renders the same everywhere)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()

