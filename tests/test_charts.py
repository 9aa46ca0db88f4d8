"""Chart helpers used by the native, subinterpreter and cluster chapters."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")

from gilref.book import charts as plotting
from gilref.core.results import Suite, Timing


def suite() -> Suite:
    s = Suite(metadata={"usable_cpus": 2})
    s.add(Timing("w", "sequential", 1, (1.0,) * 5))
    for w in (1, 2):
        s.add(Timing("w", "threads", w, (1.0,) * 5))
        s.add(Timing("w", "interpreters", w, (1.0 / w,) * 5))
    return s


def test_speedup_chart_draws_one_line_per_mode_of_one_suite():
    s = suite()
    fig = plotting.speedup_chart([("interpreters", s, "interpreters"), ("threads", s, "threads")], "w",
                                 xlabel="workers (count)")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "workers (count)"
    drawn = {c.get_label(): [float(y) for y in c.lines[0].get_ydata()] for c in ax.containers}
    assert drawn == {"interpreters": [1.0, 2.0], "threads": [1.0, 1.0]}
    svg = plotting.to_svg(fig)
    assert svg.startswith("<?xml")


def test_the_ideal_line_can_stop_at_the_cpu_count():
    s = suite()
    s.add(Timing("w", "threads", 4, (1.0,) * 5))
    ideal = [ln for ln in plotting.speedup_chart(s, "w", cpus=2).axes[0].get_lines()
             if ln.get_label().startswith("ideal")]
    assert [float(y) for y in ideal[0].get_ydata()] == [1.0, 2.0, 2.0]
    uncapped = [ln for ln in plotting.speedup_chart(s, "w").axes[0].get_lines() if ln.get_label().startswith("ideal")]
    assert [float(y) for y in uncapped[0].get_ydata()] == [1.0, 4.0]


def test_speedup_chart_still_takes_pairs():
    fig = plotting.speedup_chart([("a", suite())], "w")
    assert fig.axes[0].get_xlabel() == "threads (count)"


def test_placeholder_chart_says_what_is_missing():
    fig = plotting.placeholder_chart("The loop on threads", "Cython is not installed")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("Not measured on this host" in t and "Cython is not installed" in t for t in texts)
    assert fig.axes[0].get_title() == "The loop on threads"
    host = plotting.placeholder_chart("t", "m", metadata={"usable_cpus": 2, "os": "Debian"})
    assert host._supxlabel.get_text().startswith("This host: ") and "Measured" not in host._supxlabel.get_text()


def test_bar_chart_can_use_a_log_axis():
    fig = plotting.bar_chart(["a", "b"], [0.1, 1000.0], title="t", ylabel="µs", logy=True)
    assert fig.axes[0].get_yscale() == "log"
    assert plotting.bar_chart(["a"], [1.0], title="t", ylabel="s").axes[0].get_yscale() == "linear"


def test_a_single_process_is_labelled_process():
    assert Timing("w", "processes", 1, (1.0,)).label == "1 process"
    assert Timing("w", "interpreters", 1, (1.0,)).label == "1 interpreter"
    assert Timing("w", "processes", 2, (1.0,)).label == "2 processes"
