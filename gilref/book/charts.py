"""Charts of gilref results (optional layer: needs matplotlib).

Every chart has a title, axis labels with units and a caption line naming
where its data was measured: the interpreter build(s) the numbers came from
(which need not be the one drawing the chart: much of the book measures in
child processes on other builds) and the machine. Each chart function takes
``builds=``, the builds the data came from (metadata dicts as
:func:`gilref.core.hostinfo.collect_metadata` writes them, e.g. a child
suite's ``suite.metadata``, or ready-made strings); charts drawn from suites
read them from the suites' own metadata by default. Functions return a :class:`matplotlib.figure.Figure`
built without pyplot's global state, so they are safe to call from threads and
leave no figures open.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union

from ..core.hostinfo import collect_metadata, host_summary
from ..core.results import BASELINE_MODE, Suite, Timing

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.container import ErrorbarContainer
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle
    from matplotlib.text import Annotation, Text
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter
    from matplotlib.transforms import Bbox
except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
    raise ImportError(
        "gilref.book.charts needs matplotlib: pip install matplotlib "
        "(or install gilref's 'docs' dependency group)"
    ) from exc

__all__ = [
    "Build",
    "bar_chart",
    "build_text",
    "builds_of",
    "caption",
    "comparison_chart",
    "grouped_bar_chart",
    "layout_problems",
    "line_chart",
    "log_scaling_chart",
    "mend",
    "mode_chart",
    "placeholder_chart",
    "readability_problems",
    "reference_at",
    "runs_text",
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
#: One marker and one dash per line, so that lines lying on top of each other still show.
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
_DASHES = ["-", "--", "-.", ":"]
#: How far (in x units) neighbouring lines of a speedup chart are shifted sideways from each other.
_DODGE = 0.06


def _dodge(i: int, lines: int) -> float:
    """The sideways shift of line *i* of *lines*, centred on zero (0 for a single line)."""
    return (i - (lines - 1) / 2) * _DODGE


#: How far (in x units) a reference level reaches beyond the outermost shifted point of its count.
_LEVEL_PAD = 0.06


def _levels(counts: Sequence[float], level: Callable[[float], float], reach: float) -> tuple[list[float], list[float]]:
    """A reference drawn as level segments, one per count: ``level(count)`` over ``count ± reach``.

    The segments are separated by NaN, so that one line (one legend entry) draws them all and
    nothing is drawn between two counts: a point shifted sideways from its count is compared
    with its own count's level, never with a slope running past it.
    """
    xs: list[float] = []
    ys: list[float] = []
    for c in sorted(set(counts)):
        if xs:
            xs.append(math.nan)
            ys.append(math.nan)
        xs += [c - reach, c + reach]
        ys += [level(c)] * 2
    return xs, ys


def reference_at(line: Any, x: float) -> float | None:
    """The height of a drawn reference *line* (a matplotlib ``Line2D``: an ideal or a ceiling) at *x*,
    or None where it draws nothing.

    Reads the line's own data: each stretch between two NaN separators is a polyline;
    *x* is interpolated on the stretch that spans it.
    """
    xs: list[float] = [float(v) for v in line.get_xdata()]  # type: ignore[union-attr, arg-type, unused-ignore]
    ys: list[float] = [float(v) for v in line.get_ydata()]  # type: ignore[union-attr, arg-type, unused-ignore]
    for (x0, y0), (x1, y1) in zip(zip(xs, ys), zip(xs[1:], ys[1:])):
        if any(math.isnan(v) for v in (x0, y0, x1, y1)) or not min(x0, x1) <= x <= max(x0, x1):
            continue
        return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return None


def _figure(width: float = 7.0, height: float = 4.0) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


#: One build the data came from: its metadata (``collect_metadata()``, as in
#: ``Suite.metadata``) or a ready-made description such as ``"CPython 3.13.5t (GIL off)"``.
Build = Union[Mapping[str, Any], str]


def build_text(build: Build) -> str:
    """The interpreter part of a host summary, e.g. ``CPython 3.13.5 (free-threaded build, GIL off)``.

    A string is returned as it is.
    """
    if isinstance(build, str):
        return build
    # host_summary() is "<python> · <cpus> · <os>"; its first part names the build.
    return host_summary(dict(build)).split(" · ", 1)[0]


def builds_of(suites: Sequence[Suite]) -> list[Mapping[str, Any]]:
    """The metadata of each suite (the build it was measured on), for ``builds=``."""
    return [s.metadata for s in suites]


def _machine_text(metadata: Mapping[str, Any]) -> str:
    """The machine part of a host summary: ``2 CPUs (model) · OS``."""
    parts = host_summary(dict(metadata)).split(" · ", 1)
    return parts[1] if len(parts) > 1 else parts[0]


def caption(fig: Figure, metadata: Mapping[str, Any] | None, note: str = "", *,
            builds: Sequence[Build] | None = None) -> None:
    """Write where the data was measured (and an optional note) under the chart, in small print.

    :param metadata: the host facts (machine, OS; and the interpreter when
        *builds* is not given), e.g. ``ch.metadata`` or ``suite.metadata``.
    :param builds: the interpreter builds the data came from (see :data:`Build`);
        the caption names these instead of *metadata*'s interpreter, each once,
        in order. Give it whenever the data was measured in other interpreters
        (child processes) than the one drawing the chart.
    """
    if builds:
        names = list(dict.fromkeys(build_text(b) for b in builds))
        machine_md = metadata if metadata is not None else next(
            (b for b in builds if not isinstance(b, str)), {})
        python = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        text = f"Measured on {python} · {_machine_text(machine_md or {})}"
    else:
        text = "Measured on " + host_summary(dict(metadata or {}))
    if note:
        text += f"\n{note}"
    fig.supxlabel(_wrap_lines(text, fig), fontsize=7.5, color="#555555")


#: Points a character of the 7.5-point caption takes on average (a generous estimate).
_CAPTION_CHAR_PT = 4.3


def _wrap_lines(text: str, fig: Figure) -> str:
    """Wrap each line of *text* to the width of *fig* (at the caption's font size)."""
    import textwrap

    width = max(40, int(fig.get_figwidth() * 72 / _CAPTION_CHAR_PT))
    return "\n".join(textwrap.fill(line, width, break_on_hyphens=False) if len(line) > width else line
                     for line in text.split("\n"))


def mode_chart(suite: Suite, workload: str, *, title: str | None = None,
               builds: Sequence[Build] | None = None) -> Figure:
    """Bar chart of median run time per configuration, with quartile whiskers.

    Each bar is labelled with its speedup over the sequential run (every task
    in turn on one worker thread, started like the others: the suite's
    baseline), so the sequential bar reads 1.00×.

    :param builds: the build(s) the data came from (default: the suite's metadata).
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
    for bar, t, high in zip(bars, timings, highs):
        ax.annotate(
            f"{suite.speedup(t):.2f}×",
            (bar.get_x() + bar.get_width() / 2, bar.get_height() + high),  # above the upper whisker
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=9,
        )
    ax.set_ylabel(f"median wall time ({timings[0].unit})")
    ax.set_xlabel("configuration (label: speedup over the sequential run, every task in turn on one thread)")
    ax.set_ylim(0, max(m + h for m, h in zip(medians, highs)) * 1.2)
    n = len(timings[0].values)
    ax.set_title(title or f"{workload}: one thread vs threads vs processes")
    caption(fig, suite.metadata, f"Bars: median of {n} runs; whiskers: quartiles.", builds=builds)
    return fig


def _speedup_points(
    suite: Suite, timings: Sequence[Timing]
) -> tuple[list[int], list[float], list[float], list[float]]:
    """Workers, speedups (×) and the error-bar lengths below and above each speedup."""
    xs, ys, lo, hi = [], [], [], []
    for t in timings:
        y = suite.speedup(t)
        low, high = suite.speedup_range(t)
        xs.append(t.workers)
        ys.append(y)
        lo.append(y - low)
        hi.append(high - y)
    return xs, ys, lo, hi


def speedup_chart(
    suites: Sequence[tuple[str, Suite] | tuple[str, Suite, str]] | Suite,
    workload: str,
    *,
    mode: str = "threads",
    title: str | None = None,
    ideal: bool = True,
    xlabel: str | None = None,
    cpus: int | None = None,
    builds: Sequence[Build] | None = None,
) -> Figure:
    """Speedup versus worker count, one line per suite, with the ideal line.

    A speedup is over the suite's sequential run (every task in turn on one
    thread: :mod:`gilref.core.harness` mode ``"sequential"``).

    :param suites: a suite, or ``(label, suite)`` pairs to draw side by side
        (for instance the same workload on several interpreters), or
        ``(label, suite, mode)`` triples to draw several modes of one suite
        (threads, processes, ...) as separate lines.
    :param mode: the mode drawn for a suite given without one.
    :param xlabel: the x-axis label (default: ``"<mode> (count)"``).
    :param cpus: cap the ideal line at this many CPUs (more workers than
        cores cannot go faster); default: no cap.
    :param builds: the builds the data came from (default: every suite's own
        metadata, so a chart of suites measured on several interpreters names
        them all).
    """
    entries = [("measured", suites, mode)] if isinstance(suites, Suite) else [
        (e[0], e[1], e[2] if len(e) > 2 else mode) for e in suites
    ]
    fig = _figure(7.0, 4.0)
    ax = fig.subplots()
    top = 1
    counts: set[float] = set()
    for i, (label, suite, line_mode) in enumerate(entries):
        timings = suite.select(workload, line_mode)
        if not timings:
            continue
        xs, ys, lo, hi = _speedup_points(suite, timings)
        shift = _dodge(i, len(entries))
        ax.errorbar([x + shift for x in xs], ys, yerr=[lo, hi], marker=_MARKERS[i % len(_MARKERS)],
                    linestyle=_DASHES[i % len(_DASHES)], capsize=3, label=label, color=_PALETTE[i % 8])
        top = max(top, max(xs))
        counts.update(float(x) for x in xs)
    half = _dodge(len(entries) - 1, len(entries)) if len(entries) > 1 else 0.0
    cap = float(cpus) if cpus is not None else math.inf
    ideal_label = "ideal (speedup = workers" + (f", at most {cpus} CPUs)" if cpus is not None else ")")
    if ideal and half > 0:
        # Points of one count are shifted sideways; the ideal is a level dash at each count,
        # spanning its shifted points, with nothing between counts: a point is compared with
        # its own count's ideal, not with a slope running past it.
        xs_ideal, ys_ideal = _levels(sorted(counts | {1.0}), lambda c: min(c, cap), half + _LEVEL_PAD)
        ax.plot(xs_ideal, ys_ideal, linestyle="--", color="#999999", linewidth=1.6, label=ideal_label)
    elif ideal and cpus is not None and cpus < top:
        xs_ideal = [1.0, float(cpus), float(top)]
        ax.plot(xs_ideal, [min(x, cpus) for x in xs_ideal], linestyle="--", color="#999999", label=ideal_label)
    elif ideal:
        ax.plot([1, top], [1, top], linestyle="--", color="#999999", label="ideal (speedup = workers)")
    ax.set_xlabel(xlabel or f"{mode} (count)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("speedup vs the sequential run (×)")
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0.5)
    ax.legend(fontsize=8)
    ax.set_title(title or f"{workload}: speedup on {mode}")
    first = entries[0][1].metadata if entries else {}
    if builds is None:
        builds = builds_of([e[1] for e in entries])
    shifted = (" Lines are shifted a little sideways so that all show; the ideal is a dash at each count,"
               " across its shifted points.") if ideal and half > 0 else ""
    caption(fig, first, "Points: ratio of medians over the sequential run; bars: quartile range." + shifted,
            builds=builds)
    return fig


def log_scaling_chart(
    suite: Suite,
    workload: str,
    modes: Sequence[tuple[str, str]],
    *,
    title: str,
    xlabel: str = "workers (count, log scale)",
    band: float | None = None,
    builds: Sequence[Build] | None = None,
) -> Figure:
    """Speedup versus worker count for several modes of one suite, against the ideal.

    Every line starts at the sequential run (1 worker, speedup 1). The x axis
    is logarithmic (base 2), so 1, 2, 4, 8, 16 are evenly spaced.

    :param modes: ``(mode, legend label)`` pairs, one line each.
    :param band: if given (e.g. 0.9), also draw ``band × ideal`` as a dotted line.
    :param builds: the build(s) the data came from (default: the suite's metadata).
    """
    fig = _figure(7.0, 4.2)
    ax = fig.subplots()
    top = 1
    for i, (mode, label) in enumerate(modes):
        timings = suite.select(workload, mode)
        if not timings:
            continue
        xs, ys, lo, hi = _speedup_points(suite, timings)
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
    caption(fig, suite.metadata, f"Points: ratio of medians of {n} runs; bars: quartile range.", builds=builds)
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
    logy: bool = False,
    builds: Sequence[Build] | None = None,
) -> Figure:
    """A labelled bar chart; *errors* are ``(low, high)`` absolute bounds per bar.

    :param logy: a logarithmic value axis (for values that span orders of magnitude).
    :param builds: the interpreter builds the values came from, when not
        *metadata*'s (e.g. child processes); see :func:`caption`.
    """
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
        tops = [hi for _, hi in errors] if errors is not None else list(values)
        for bar, v, top in zip(bars, values, tops):  # above the upper whisker, if any
            ax.annotate(annotate.format(v), (bar.get_x() + bar.get_width() / 2, max(v, top)),
                        xytext=(0, 4), textcoords="offset points", ha="center", fontsize=8)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    if logy:
        ax.set_yscale("log")
    ax.margins(y=0.15)
    caption(fig, metadata, note, builds=builds)
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
    integer_x: bool = False,
    ylim_bottom: float | None = None,
    builds: Sequence[Build] | None = None,
) -> Figure:
    """Lines of ``(label, xs, ys)``, with markers, on one pair of axes.

    :param integer_x: put ticks on whole numbers only (counts such as threads).
    :param builds: the interpreter builds the values came from, when not
        *metadata*'s (e.g. child processes); see :func:`caption`.
    """
    fig = _figure(7.0, 4.0)
    ax = fig.subplots()
    for i, (label, xs, ys) in enumerate(series):
        ax.plot(list(xs), list(ys), marker=_MARKERS[i % len(_MARKERS)], linestyle=_DASHES[i % len(_DASHES)],
                label=label, color=_PALETTE[i % 8])
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    if integer_x:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if ylim_bottom is not None:
        ax.set_ylim(bottom=ylim_bottom)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(series) > 1:
        ax.legend(fontsize=8)
    caption(fig, metadata, note, builds=builds)
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
            ax.set_ylabel("speedup vs the sequential run (×)")
            ax.set_xlabel("measure (speedup of each over the sequential run, same machine)")
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
    y label and an x label, each naming its unit in parentheses, e.g.
    ``"median wall time (s)"``, except on an axis of categories (its tick
    labels are words: configurations, threads) and on an x axis shared with a
    labelled one (stacked panels); a caption naming the host
    (``"Measured on ..."``, as ``caption()`` writes it); and a layout a reader
    can read (:func:`layout_problems`).
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
        if not has_title and not ax.get_title().strip() and not ax.get_title("left").strip():
            problems.append(f"{where} has no title (and the figure none either)")
        for axis in ("y", "x"):
            label = (ax.get_ylabel() if axis == "y" else ax.get_xlabel()).strip()
            if not ax.axison or _categorical(ax, axis):  # an axes turned off (a placeholder) has no axis
                continue
            if not label and axis == "x" and any(
                    other.get_xlabel().strip() for other in ax.get_shared_x_axes().get_siblings(ax)):
                continue
            if not label:
                problems.append(f"{where} has no {axis} axis label")
            elif "(" not in label or ")" not in label:
                problems.append(f"{where}: the {axis} label {label!r} names no unit in parentheses")
    supx = getattr(fig, "_supxlabel", None)
    caption_text = "" if supx is None else supx.get_text().strip()
    empty = bool(axes) and not any(ax.axison for ax in axes)  # placeholder_chart: nothing measured
    if not (caption_text.startswith("Measured on") or (empty and caption_text.startswith("Not measured on"))):
        problems.append("no caption naming the host (use gilref.book.charts.caption)")
    return problems + layout_problems(fig)


def _categorical(ax: Any, axis: str = "x") -> bool:
    """True if the *axis* ("x" or "y") holds categories (its tick labels are words, not numbers)."""
    which = ax.xaxis if axis == "x" else ax.yaxis
    if type(which.get_major_formatter()).__name__ == "StrCategoryFormatter":
        return True
    labels = [t.get_text().strip() for t in which.get_ticklabels() if t.get_visible()]
    labels = [t for t in labels if t]
    if not labels:
        return False
    for text in labels:
        try:
            float(text.replace("\u2212", "-").replace(",", ""))
            return False
        except ValueError:
            if "$" in text:  # mathtext such as 10^2 on a log axis
                return False
    return True


def grouped_bar_chart(
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], Sequence[tuple[float, float]] | None]],
    *,
    title: str,
    ylabel: str,
    xlabel: str = "",
    metadata: dict[str, Any] | None = None,
    note: str = "",
    logy: bool = False,
    annotate: str | None = "{:,.0f}",
    hatches: Sequence[str] | None = None,
    builds: Sequence[Build] | None = None,
) -> Figure:
    """Bars grouped by *groups*, one bar per series in each group.

    :param series: ``(label, values, errors)`` with one value per group (``nan``
        leaves a gap); *errors* are ``(low, high)`` absolute bounds per value, or ``None``.
    :param hatches: a hatch pattern per series (``""`` for none), e.g. to mark cited figures.
    :param builds: the interpreter builds the values came from, when not
        *metadata*'s (e.g. child processes); see :func:`caption`.
    """
    if not groups or not series:
        raise ValueError("a grouped bar chart needs at least one group and one series")
    for label, values, errors in series:
        if len(values) != len(groups) or (errors is not None and len(errors) != len(groups)):
            raise ValueError(f"series {label!r} must have one value (and error) per group")
    n = len(series)
    # The legend sits above the plot, in rows of up to three entries (two when the labels are long).
    columns = min(n, 2 if max(len(label) for label, _, _ in series) > 24 else 3)
    fig = _figure(7.0, 4.6 + 0.22 * ((n + columns - 1) // columns))
    ax = fig.subplots()
    width = 0.8 / n
    for i, (label, values, errors) in enumerate(series):
        xs = [g - 0.4 + width * (i + 0.5) for g in range(len(groups))]
        shown: list[tuple[float, float, tuple[float, float]]] = []
        for j, (x, v) in enumerate(zip(xs, values)):
            if not math.isnan(v):
                shown.append((x, v, errors[j] if errors is not None else (v, v)))
        if not shown:
            continue
        yerr = None
        if errors is not None:
            yerr = [[v - e[0] for _, v, e in shown], [e[1] - v for _, v, e in shown]]
        bars = ax.bar([x for x, _, _ in shown], [v for _, v, _ in shown], width * 0.95, label=label,
                      color=_PALETTE[i % 8], yerr=yerr, capsize=3,
                      hatch=hatches[i] if hatches else None, edgecolor="white" if not hatches else "#333333")
        if annotate:
            for bar, (_, v, e) in zip(bars, shown):  # above the upper whisker
                ax.annotate(annotate.format(v), (bar.get_x() + bar.get_width() / 2, max(v, e[1])),
                            xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7,
                            rotation=90 if n > 3 else 0, va="bottom")  # upright: side by side they would overlap
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(list(groups))
    if logy:
        ax.set_yscale("log")
    ax.margins(y=0.15)
    fig.suptitle(title)  # the figure's title: the legend sits between it and the plot
    ax.set_ylabel(ylabel)
    if xlabel:
        ax.set_xlabel(xlabel)
    if not logy:
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.10g}"))  # 200,000, not 200000
    # Above the plot, not beside it: a legend at the side takes the plot's width, and the
    # figure then shrinks to the page's column with labels and caption too small to read.
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=columns, fontsize=8, frameon=False)
    caption(fig, metadata, note, builds=builds)
    return fig


def scaling_chart(
    suite: Suite,
    workloads: Sequence[tuple[str, str]],
    *,
    title: str,
    cpus: int | None = None,
    mode: str = "threads",
    note: str = "",
    builds: Sequence[Build] | None = None,
) -> Figure:
    """Speedup versus thread count for several workloads of one suite, one line each, with quartile whiskers.

    A speedup is over the suite's sequential run (every task in turn on one thread). Points are
    ratios of medians; each whisker spans the same ratio taken across the quartiles
    (:meth:`~gilref.core.results.Suite.speedup_range`), as :func:`speedup_chart` draws them; the
    one-thread point is the reference itself (exactly 1×, no whisker). Lines are shifted a little
    sideways so that whiskers of equal values do not hide each other. The caption says how many
    runs each point is the median of (:func:`runs_text`).

    :param workloads: ``(workload, label)`` pairs, drawn in this order.
    :param cpus: if given, also draw the ceiling ``min(threads, cpus)`` that
        work needing a core can reach.
    :param builds: the build(s) the data came from (default: the suite's metadata).
    """
    if not workloads:
        raise ValueError("workloads must name at least one workload")
    fig = _figure(7.0, 4.4)
    ax = fig.subplots()
    top = 1
    markers = "osD^v<>p"
    drawn: list[Timing] = []
    for i, (workload, label) in enumerate(workloads):
        base = suite.select(workload, BASELINE_MODE)
        timings = suite.select(workload, mode)
        if not base and not timings:
            raise KeyError(f"no timings of {workload!r} in this suite")
        xs, ys, lo, hi = _speedup_points(suite, timings)
        if base:  # the reference point: exactly 1x, no spread of its own to draw
            xs, ys, lo, hi = [base[0].workers, *xs], [1.0, *ys], [0.0, *lo], [0.0, *hi]
        drawn += base + timings
        shift = _dodge(i, len(workloads))
        ax.errorbar([x + shift for x in xs], ys, yerr=[lo, hi], marker=markers[i % len(markers)],
                    capsize=2.5, label=label, color=_PALETTE[i % 8], elinewidth=1)
        top = max(top, max(xs))
    ceiling = f"ceiling with {cpus} CPU{'' if cpus == 1 else 's'}"
    half = _dodge(len(workloads) - 1, len(workloads)) if len(workloads) > 1 else 0.0
    if half > 0:
        # The points of one count are shifted sideways: the ideal (and, where it is lower, the
        # ceiling) is a level dash at each count across its shifted points, nothing in between,
        # so that each point is compared with its own count's ideal, not with a slope beside it.
        counts = sorted({float(t.workers) for t in drawn} | {1.0})
        reach = half + _LEVEL_PAD
        xs_ideal, ys_ideal = _levels(counts, lambda c: c, reach)
        ax.plot(xs_ideal, ys_ideal, linestyle="--", color="#999999", linewidth=1.6,
                label="ideal (speedup = threads)")
        above = [c for c in counts if cpus is not None and c > cpus]
        if cpus is not None and above:
            xs_cap, ys_cap = _levels(above, lambda c: float(cpus), reach)
            ax.plot(xs_cap, ys_cap, linestyle=":", color="#555555", linewidth=1.6,
                    label=ceiling + " (below the ideal)")
    else:
        ax.plot([1, top], [1, top], linestyle="--", color="#999999", label="ideal (speedup = threads)")
        if cpus is not None:
            steps = list(range(1, top + 1))
            ax.plot(steps, [min(s, cpus) for s in steps], linestyle=":", color="#555555", label=ceiling)
    ax.set_xlabel(f"{mode} (count)")
    ax.set_ylabel("speedup vs the sequential run (×)")
    ax.set_ylim(bottom=0)
    ax.set_xticks(sorted({t.workers for w, _ in workloads for t in suite.select(w)}))
    ax.legend(fontsize=7.5, loc="upper left")
    ax.set_title(title)
    drawn_note = (f"Points: ratio of medians of {runs_text(drawn)} per thread count; bars: the same ratio "
                  "across the quartiles.")
    if half > 0:
        drawn_note += " Lines are shifted a little sideways so that all show; the ideal is a dash at each count, " \
                      "across its shifted points."
    caption(fig, suite.metadata, (note + "\n" if note else "") + drawn_note, builds=builds)
    return fig


def runs_text(timings: Sequence[Timing]) -> str:
    """How many runs each timing holds, for a caption: ``5 runs``, or ``5 to 7 runs`` when they differ.

    >>> runs_text([Timing("w", "threads", 2, (1.0,) * 5)])
    '5 runs'
    """
    counts = sorted({len(t.values) for t in timings})
    if not counts:
        return "no runs"
    if len(counts) == 1:
        return f"{counts[0]} run{'' if counts[0] == 1 else 's'}"
    return f"{counts[0]} to {counts[-1]} runs"


def placeholder_chart(title: str, message: str, *, metadata: dict[str, Any] | None = None) -> Figure:
    """An empty chart that says why nothing was measured (for a host that cannot run it).

    A chapter glues this in place of the real chart, so the page shows the gap
    instead of a missing figure.
    """
    import textwrap

    fig = _figure(7.0, 2.6)
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_title(title)
    wrapped = "\n".join(textwrap.fill(part, 80) for part in message.splitlines() or [""])
    ax.text(0.5, 0.5, "Not measured on this host:\n" + wrapped, ha="center", va="center",
            fontsize=10, color="#a33", transform=ax.transAxes, wrap=True)
    fig.supxlabel("Not measured on this host: " + host_summary(metadata or collect_metadata()),
                  fontsize=7.5, color="#555555")
    return fig


def to_svg(fig: Figure) -> str:
    """The figure as SVG text (fonts as paths, so it renders the same everywhere)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()



# -- layout: what overlaps what, measured with the figure's own renderer ---------------

#: Pixels two boxes may share before they count as overlapping (antialiasing, hairlines).
_SLACK = 1.0
#: Where mend() tries an axes legend, in order, before moving it outside the axes.
_LEGEND_SPOTS: tuple[Any, ...] = ("upper left", "upper right", "lower right", "lower left", "center left",
                 "center right", "upper center", "lower center", "center")


def _renderer(fig: Figure) -> Any:
    """Lay *fig* out (constrained layout included) and return the renderer that measured it."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()  # type: ignore[no-untyped-call, unused-ignore]
    return canvas.get_renderer()  # type: ignore[no-untyped-call, unused-ignore]


def _shrunk(box: Bbox, by: float = _SLACK) -> Bbox:
    return Bbox.from_extents(box.x0 + by, box.y0 + by, box.x1 - by, box.y1 - by)


def _segment_hits(box: Bbox, p: Sequence[float], q: Sequence[float]) -> bool:
    """True if the segment p-q crosses or touches the inside of *box* (display coordinates)."""
    (x0, y0), (x1, y1) = (float(p[0]), float(p[1])), (float(q[0]), float(q[1]))
    if not all(map(math.isfinite, (x0, y0, x1, y1))):
        return False
    # Liang-Barsky clipping of the segment against the box.
    t0, t1 = 0.0, 1.0
    dx, dy = x1 - x0, y1 - y0
    for edge_p, edge_q in ((-dx, x0 - box.x0), (dx, box.x1 - x0), (-dy, y0 - box.y0), (dy, box.y1 - y0)):
        if edge_p == 0:
            if edge_q < 0:
                return False
            continue
        r = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 > t1:
            return False
    return True


def _errorbar_segments(ax: Any) -> list[tuple[Any, Any]]:
    """Every error-bar stroke and cap of *ax*, as display-coordinate segments."""
    segments: list[tuple[Any, Any]] = []
    for container in ax.containers:
        if not isinstance(container, ErrorbarContainer):
            continue
        _, caplines, barlinecols = container.lines
        for lc in barlinecols:
            if not lc.get_visible():
                continue
            transform = lc.get_transform()
            for seg in lc.get_segments():
                if len(seg) >= 2:
                    pts = transform.transform(seg)
                    segments += list(zip(pts[:-1], pts[1:]))
        for cap in caplines:
            if not cap.get_visible():
                continue
            half = cap.get_markersize() * ax.figure.dpi / 72 / 2
            horizontal = cap.get_marker() in ("_", 0, 1, "|") and cap.get_marker() != "|"
            for x, y in cap.get_transform().transform(cap.get_xydata()):
                if horizontal:
                    segments.append(((x - half, y), (x + half, y)))
                else:
                    segments.append(((x, y - half), (x, y + half)))
    return segments


def _value_labels(ax: Any) -> list[Text]:
    """The annotations of *ax* (value labels on bars and points) that show some text."""
    return [t for t in ax.texts if isinstance(t, Annotation) and t.get_visible() and t.get_text().strip()]


def _line_hits(box: Bbox, line: Line2D) -> bool:
    """True if *line*'s drawn path or markers enter *box* (display coordinates)."""
    xydata: Any = line.get_xydata()
    if not line.get_visible() or len(xydata) == 0:
        return False
    pts: Any = line.get_transform().transform_path(line.get_path()).vertices
    drawn = line.get_linestyle() not in ("None", "none", "", " ")
    if drawn and any(_segment_hits(box, p, q) for p, q in zip(pts[:-1], pts[1:])):
        return True
    if line.get_marker() not in (None, "None", "none", "", " "):
        r = line.get_markersize() * line.figure.dpi / 72 / 2 if line.figure else 0.0
        grown = Bbox.from_extents(box.x0 - r, box.y0 - r, box.x1 + r, box.y1 + r)
        return any(grown.contains(float(x), float(y)) for x, y in pts)
    return False


def _data_hits(box: Bbox, ax: Any, renderer: Any) -> list[str]:
    """What of *ax*'s data (lines, markers, bars, error bars) lies under *box*."""
    hits = []
    for line in ax.get_lines():
        if _line_hits(box, line):
            hits.append(f"the line {line.get_label()!r}" if not line.get_label().startswith("_") else "a line")
    for patch in ax.patches:
        if (isinstance(patch, Rectangle) and patch.get_visible() and patch.get_height() != 0
                and box.overlaps(_shrunk(patch.get_window_extent(renderer)))):
            hits.append("a bar")
    if any(_segment_hits(box, p, q) for p, q in _errorbar_segments(ax)):
        hits.append("an error bar")
    return sorted(set(hits))


def _legends(fig: Figure) -> list[tuple[Any, Legend]]:
    """``(axes or None, legend)`` for every visible legend of *fig*."""
    out: list[tuple[Any, Legend]] = []
    for ax in fig.get_axes():
        leg = ax.get_legend()
        if leg is not None and leg.get_visible():
            out.append((ax, leg))
    out += [(None, leg) for leg in fig.legends if leg.get_visible()]
    return out


def _titles(fig: Figure) -> list[tuple[str, Text]]:
    titles: list[tuple[str, Text]] = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        titles.append(("the figure's title", suptitle))
    for i, ax in enumerate(fig.get_axes()):
        for loc in ("center", "left", "right"):
            t = ax.title if loc == "center" else getattr(ax, f"_{loc}_title")
            if t.get_visible() and t.get_text().strip():
                titles.append((f"the title of axes {i + 1}", t))
    return titles


def layout_problems(fig: Figure) -> list[str]:
    """What of *fig*'s layout keeps a reader from reading it (empty if nothing).

    Measured with the figure's own renderer after its layout: a value label
    (an annotation) struck through by an error bar, two value labels on top of
    each other, a value label sticking out of its axes; a legend over data
    (a line, a marker, a bar or an error bar of any axes it overlaps); a title
    (the figure's or an axes') or the caption not wholly inside the figure.
    """
    renderer = _renderer(fig)
    problems: list[str] = []
    for i, ax in enumerate(fig.get_axes()):
        if not ax.get_visible():
            continue
        where = f"axes {i + 1}"
        labels = _value_labels(ax)
        boxes = [_shrunk(t.get_window_extent(renderer)) for t in labels]
        bars = _errorbar_segments(ax)
        axes_box = ax.get_window_extent(renderer)
        for t, box in zip(labels, boxes):
            if any(_segment_hits(box, p, q) for p, q in bars):
                problems.append(f"{where}: the value label {t.get_text()!r} is struck through by an error bar")
            if not (box.x0 >= axes_box.x0 - _SLACK and box.x1 <= axes_box.x1 + _SLACK
                    and box.y0 >= axes_box.y0 - _SLACK and box.y1 <= axes_box.y1 + _SLACK):
                problems.append(f"{where}: the value label {t.get_text()!r} sticks out of its axes")
        for a in range(len(labels)):
            for b in range(a + 1, len(labels)):
                if boxes[a].overlaps(boxes[b]):
                    problems.append(f"{where}: the value labels {labels[a].get_text()!r} and "
                                    f"{labels[b].get_text()!r} overlap")
    for owner, leg in _legends(fig):
        box = _shrunk(leg.get_window_extent(renderer))
        for j, ax in enumerate(fig.get_axes()):
            if not ax.get_visible() or not box.overlaps(ax.get_window_extent(renderer)):
                continue
            hits = _data_hits(box, ax, renderer)
            if hits:
                which = f"the legend of axes {fig.get_axes().index(owner) + 1}" if owner is not None else "the legend"
                problems.append(f"{which} covers data of axes {j + 1}: " + ", ".join(hits))
    page = fig.bbox
    texts = _titles(fig)
    supx = getattr(fig, "_supxlabel", None)
    if supx is not None and supx.get_text().strip():
        texts.append(("the caption", supx))
    for what, t in texts:
        box = t.get_window_extent(renderer)
        if box.x0 < page.x0 - _SLACK or box.x1 > page.x1 + _SLACK or box.y0 < page.y0 - _SLACK \
                or box.y1 > page.y1 + _SLACK:
            problems.append(f"{what} {t.get_text()!r} does not fit in the figure")
    return problems


def _fit_title(t: Text, fig: Figure, renderer: Any) -> bool:
    """Wrap *t* onto more lines until it fits the figure's width; True if it changed."""
    import textwrap

    box, page = t.get_window_extent(renderer), fig.bbox
    if box.x0 >= page.x0 - _SLACK and box.x1 <= page.x1 + _SLACK:
        return False
    # The width the text may take where it is anchored, without leaving the figure.
    ha = t.get_horizontalalignment()
    if ha == "left":
        room = page.x1 - max(box.x0, page.x0)
    elif ha == "right":
        room = min(box.x1, page.x1) - page.x0
    else:
        middle = (box.x0 + box.x1) / 2
        room = 2 * min(middle - page.x0, page.x1 - middle)
    text = " ".join(t.get_text().split())
    lines = t.get_text().count("\n") + 1
    chars = max(len(line) for line in t.get_text().split("\n"))
    width = max(10, min(int(chars * room / box.width * 0.92), chars - 1))
    if lines > 1 and width >= chars:
        return False
    t.set_text(textwrap.fill(text, width, break_on_hyphens=False))
    return True


def _lift_labels(ax: Any, renderer: Any) -> bool:
    """Move each value label that an error bar strikes to just above that bar; True if any moved."""
    moved = False
    segments = _errorbar_segments(ax)
    to_data = ax.transData.inverted()
    for t in _value_labels(ax):
        box = _shrunk(t.get_window_extent(renderer))
        struck = [(p, q) for p, q in segments if _segment_hits(box, p, q)]
        if not struck:
            continue
        # The highest point of the error bars under the label's width, in data units.
        tops = [max(p[1], q[1]) for p, q in segments
                if min(p[0], q[0]) <= box.x1 and max(p[0], q[0]) >= box.x0]
        x, _ = t.xy  # type: ignore[attr-defined, unused-ignore]
        top_y = float(to_data.transform((0.0, max(tops)))[1])
        t.xy = (x, top_y)  # type: ignore[attr-defined, unused-ignore]
        moved = True
    return moved


#: The smallest font size (points) mend() shrinks crowded value labels to.
_SMALLEST_LABEL = 5.5


def _shrink_crowded_labels(ax: Any, renderer: Any) -> bool:
    """Make value labels that overlap each other smaller, down to a floor; True if any shrank."""
    labels = _value_labels(ax)
    boxes = [_shrunk(t.get_window_extent(renderer)) for t in labels]
    crowded = {i for a in range(len(labels)) for b in range(a + 1, len(labels))
               if boxes[a].overlaps(boxes[b]) for i in (a, b)}
    shrunk = False
    for i in crowded:
        size = float(labels[i].get_fontsize())
        if size > _SMALLEST_LABEL:
            labels[i].set_fontsize(max(_SMALLEST_LABEL, size - 0.75))
            shrunk = True
    return shrunk


def _make_room(ax: Any, renderer: Any) -> bool:
    """Raise the top of *ax*'s value axis when a value label sticks out above it; True if raised."""
    top = ax.get_window_extent(renderer).y1
    if not any(t.get_window_extent(renderer).y1 > top + _SLACK for t in _value_labels(ax)):
        return False
    low, high = ax.get_ylim()
    if ax.get_yscale() == "log":
        ax.set_ylim(low, high * (high / low) ** 0.12)
    else:
        ax.set_ylim(low, high + (high - low) * 0.12)
    return True


def _move_legend(ax: Any, leg: Legend, fig: Figure) -> None:
    """Put *ax*'s legend where it covers no data: a free corner or side, else outside the axes."""
    for spot in _LEGEND_SPOTS:
        leg.set_loc(spot)
        renderer = _renderer(fig)
        if not _data_hits(_shrunk(leg.get_window_extent(renderer)), ax, renderer):
            return
    leg.set_loc("upper left")
    leg.set_bbox_to_anchor((1.02, 1.0), transform=ax.transAxes)


def mend(fig: Figure, rounds: int = 6) -> list[str]:
    """Fix what :func:`layout_problems` finds and can be fixed; return what is left.

    Wraps a title too wide for the figure; lifts a value label struck by an
    error bar above the bar's top (raising the value axis when the label
    would stick out); makes value labels that overlap each other smaller
    (down to 5.5 points); moves a legend that covers data to a free spot of its
    axes, or outside them. Repeats until nothing changes (at most *rounds*
    times), then returns :func:`layout_problems` of the result.
    """
    for _ in range(rounds):
        changed = False
        renderer = _renderer(fig)
        for _, t in _titles(fig):
            changed |= _fit_title(t, fig, renderer)
        for ax in fig.get_axes():
            if ax.get_visible():
                changed |= _lift_labels(ax, renderer)
                changed |= _shrink_crowded_labels(ax, renderer)
        if changed:
            renderer = _renderer(fig)
        for ax in fig.get_axes():
            if ax.get_visible():
                changed |= _make_room(ax, renderer)
        renderer = _renderer(fig)
        for ax, leg in _legends(fig):
            if ax is not None and _data_hits(_shrunk(leg.get_window_extent(renderer)), ax, renderer):
                _move_legend(ax, leg, fig)
                changed = True
                renderer = _renderer(fig)
        if not changed:
            break
    return layout_problems(fig)


#: Colours of the four thread states of ``gilref diagnose``.
