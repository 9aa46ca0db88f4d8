"""The chart of ``gilref diagnose``: where each thread's time went.

Beside :mod:`gilref.book.charts` rather than in it, because it reads
:mod:`gilref.topics.diagnose`: the book's inputs follow imports, so a chart that imports a
topic would make a change to that topic re-run every chapter that draws a chart.
Optional layer: matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure

from .charts import Build, _figure, caption

__all__ = ["diagnosis_chart"]


STATE_COLORS = {"python": "#c44e52", "waiting": "#dd8452", "native": "#55a868", "idle": "#8c8c8c"}


def diagnosis_chart(diagnoses: Any, *, title: str | None = None, metadata: dict[str, Any] | None = None,
                    builds: Sequence[Build] | None = None) -> Figure:
    """Per-thread breakdown of one or more ``gilref diagnose`` results: stacked horizontal bars.

    :param diagnoses: a :class:`gilref.topics.diagnose.Diagnosis`, or a sequence of
        ``(label, Diagnosis)`` to draw one panel per program (stacked, same x axis).

    Each bar is a thread (``whole run`` first: all thread time); its segments are
    the shares of that thread's time in each state, in percent. *builds*: the
    interpreter builds the diagnosed programs ran on, when not *metadata*'s. A panel's title gives
    the share of the wall time the GIL was held as the table beside it prints it
    (:func:`gilref.topics.diagnose.held_percents`).
    """
    from ..topics.diagnose import STATE_LABELS, STATES, Diagnosis, held_percents

    panels = [("", diagnoses)] if isinstance(diagnoses, Diagnosis) else list(diagnoses)
    if not panels:
        raise ValueError("no diagnosis to draw")
    rows_per = [len(d.threads) + 1 for _, d in panels]
    fig = _figure(7.5, 1.3 + 0.3 * sum(rows_per) + 0.45 * len(panels))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False,
                        gridspec_kw={"height_ratios": rows_per})[:, 0]
    for ax, (label, d) in zip(axes, panels):
        names = ["whole run"] + [t.name for t in d.threads]
        shares = [d.shares] + [t.shares for t in d.threads]
        left = [0.0] * len(names)
        for state in STATES:
            widths = [s[state] * 100 for s in shares]
            ax.barh(names, widths, left=left, color=STATE_COLORS[state],
                    label=STATE_LABELS[state] if ax is axes[0] else None)
            left = [a + b for a, b in zip(left, widths)]
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.tick_params(axis="y", labelsize=8)
        v = d.verdict
        ax.set_title(f"{label + ': ' if label else ''}{v.key}, GIL held {held_percents(d)[0]}%", loc="left", fontsize=9)
    axes[-1].set_xlabel("share of the thread's sampled time (%)")
    # The chart's title heads the legend (a suptitle and an outside legend would overlap).
    fig.legend(loc="outside upper center", ncols=4, fontsize=8, frameon=False,
               title=title or "Where each thread's time went", title_fontsize=11)
    first = panels[0][1]
    caption(fig, metadata if metadata is not None else first.metadata,
            f"sampled with {first.sampler} at {first.rate} Hz", builds=builds)
    return fig
