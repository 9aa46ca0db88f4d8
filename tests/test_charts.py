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


def test_lines_on_top_of_each_other_still_show_apart():
    s = suite()
    fig = plotting.speedup_chart([("a", s), ("b", s), ("c", s)], "w")
    lines = [c.lines[0] for c in fig.axes[0].containers]
    assert len({ln.get_marker() for ln in lines}) == 3
    assert len({ln.get_linestyle() for ln in lines}) == 3
    xs = [tuple(float(x) for x in ln.get_xdata()) for ln in lines]
    assert len(set(xs)) == 3  # shifted sideways: the same data does not draw one line over another
    assert [round(sum(x) / len(x), 6) for x in zip(*xs)] == [1.0, 2.0]  # centred on the true counts
    single = plotting.speedup_chart([("a", s)], "w").axes[0].containers[0].lines[0]
    assert [float(x) for x in single.get_xdata()] == [1.0, 2.0]


def test_speedup_chart_still_takes_pairs():
    fig = plotting.speedup_chart([("a", suite())], "w")
    assert fig.axes[0].get_xlabel() == "threads (count)"


def test_placeholder_chart_says_what_is_missing():
    fig = plotting.placeholder_chart("The loop on threads", "Cython is not installed")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("Not measured on this host" in t and "Cython is not installed" in t for t in texts)
    assert fig.axes[0].get_title() == "The loop on threads"
    host = plotting.placeholder_chart("t", "m", metadata={"usable_cpus": 2, "os": "Debian"})
    footer = host._supxlabel.get_text()
    assert footer.startswith("Not measured on this host: ") and "Measured" not in footer


def test_bar_chart_can_use_a_log_axis():
    fig = plotting.bar_chart(["a", "b"], [0.1, 1000.0], title="t", ylabel="µs", logy=True)
    assert fig.axes[0].get_yscale() == "log"
    assert plotting.bar_chart(["a"], [1.0], title="t", ylabel="s").axes[0].get_yscale() == "linear"


def test_a_single_process_is_labelled_process():
    assert Timing("w", "processes", 1, (1.0,)).label == "1 process"
    assert Timing("w", "interpreters", 1, (1.0,)).label == "1 interpreter"
    assert Timing("w", "processes", 2, (1.0,)).label == "2 processes"


# -- layout: text over error bars, legends over data, titles that do not fit ----------

def _bars_labelled_at_their_tops(label_at_whisker: bool = False):
    """Two bars with error bars, value labels at the bar's top (the old, struck-through way)."""
    fig = plotting._figure(7.0, 3.8)
    ax = fig.subplots()
    highs = [0.6, 1.0]
    bars = ax.bar(["a", "b"], [1.0, 2.0], yerr=[[0.5, 0.5], highs], capsize=4)
    for bar, high in zip(bars, highs):
        top = bar.get_height() + (high if label_at_whisker else 0.0)
        ax.annotate(f"{bar.get_height():.1f} s", (bar.get_x() + bar.get_width() / 2, top),
                    xytext=(0, 4), textcoords="offset points", ha="center", fontsize=8)
    ax.margins(y=0.15)
    ax.set_title("t")
    ax.set_ylabel("time (s)")
    plotting.caption(fig, {"usable_cpus": 2})
    return fig


def _flat_lines(legend_loc: str):
    fig = plotting._figure(7.0, 4.0)
    ax = fig.subplots()
    for k in range(3):
        ax.plot([1, 2, 3, 4], [1.0 + 0.1 * k] * 4, marker="o", label=f"series {k}")
    ax.set_ylim(0, 4.0)
    ax.legend(loc=legend_loc)
    ax.set_title("t")
    ax.set_xlabel("threads (count)")
    ax.set_ylabel("speedup (×)")
    plotting.caption(fig, {"usable_cpus": 2})
    return fig


def test_a_value_label_struck_by_an_error_bar_is_found_and_lifted():
    fig = _bars_labelled_at_their_tops()
    problems = plotting.layout_problems(fig)
    assert problems == ["axes 1: the value label '1.0 s' is struck through by an error bar",
                        "axes 1: the value label '2.0 s' is struck through by an error bar"]
    assert plotting.mend(fig) == []
    ax = fig.axes[0]
    assert [t.xy[1] for t in ax.texts] == pytest.approx([1.6, 3.0], rel=0.02)  # the whiskers' tops


def test_labels_above_the_whiskers_pass():
    assert plotting.layout_problems(_bars_labelled_at_their_tops(label_at_whisker=True)) == []


def test_the_book_bar_charts_put_labels_above_the_whiskers():
    fig = plotting.bar_chart(["a", "b", "c"], [1.0, 2.0, 0.5], errors=[(0.5, 1.9), (1.0, 3.5), (0.4, 0.6)],
                             title="t", ylabel="time (s)", metadata={"usable_cpus": 2})
    assert plotting.layout_problems(fig) == []
    s = Suite(metadata={"usable_cpus": 2})
    s.add(Timing("w", "sequential", 1, (0.8, 1.0, 1.0, 1.0, 1.6)))
    s.add(Timing("w", "threads", 2, (0.5, 0.9, 1.0, 1.1, 2.0)))
    assert plotting.layout_problems(plotting.mode_chart(s, "w")) == []


def test_a_value_label_out_of_its_axes_is_found_and_given_room():
    fig = _bars_labelled_at_their_tops(label_at_whisker=True)
    fig.axes[0].set_ylim(0, 3.0)
    assert "axes 1: the value label '2.0 s' sticks out of its axes" in plotting.layout_problems(fig)
    assert plotting.mend(fig) == []
    assert fig.axes[0].get_ylim()[1] > 3.0


def test_overlapping_value_labels_are_found_and_not_mended():
    fig = _bars_labelled_at_their_tops(label_at_whisker=True)
    fig.axes[0].annotate("1.0 s again", (0, 1.6), xytext=(0, 4), textcoords="offset points", ha="center",
                         fontsize=8)
    assert any("overlap" in p for p in plotting.mend(fig))
    assert fig.axes[0].texts[0].get_fontsize() == 5.5  # shrunk as far as it goes, still on top of each other


def test_crowded_value_labels_are_made_smaller():
    fig = plotting._figure(7.0, 3.8)
    ax = fig.subplots()
    ax.bar([0, 1], [1.0, 1.0], width=0.9)
    ax.set_xlim(-3, 4)
    for x in (0, 1):
        ax.annotate("123,456,789", (x, 1.0), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=11)
    ax.margins(y=0.2)
    ax.set_title("t")
    ax.set_ylabel("rate (1/s)")
    plotting.caption(fig, {"usable_cpus": 2})
    assert any("overlap" in p for p in plotting.layout_problems(fig))
    assert plotting.mend(fig) == []
    assert 5.5 <= ax.texts[0].get_fontsize() < 11


def test_a_legend_over_lines_is_found_and_moved():
    fig = _flat_lines("lower left")
    assert plotting.layout_problems(fig) == ["the legend of axes 1 covers data of axes 1: the line 'series 0'"]
    assert plotting.mend(fig) == []
    assert fig.axes[0].get_legend()._loc == 2  # upper left: above the lines


def test_a_legend_clear_of_the_data_passes():
    assert plotting.layout_problems(_flat_lines("upper right")) == []


def test_a_legend_with_no_free_spot_moves_outside_the_axes():
    fig = plotting._figure(7.0, 4.0)
    ax = fig.subplots()
    for k in range(12):
        ax.plot([0, 1], [k / 11, k / 11], label=f"s{k}")
        ax.plot([k / 11, k / 11], [0, 1], label="_grid")
    ax.legend(loc="center")
    ax.set_title("t")
    ax.set_xlabel("x (s)")
    ax.set_ylabel("y (s)")
    plotting.caption(fig, {"usable_cpus": 2})
    assert any("covers data" in p for p in plotting.layout_problems(fig))
    assert plotting.mend(fig) == []
    legend_box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    assert legend_box.x0 >= ax.get_window_extent(fig.canvas.get_renderer()).x1


@pytest.mark.parametrize("what", ["bar", "error bar"])
def test_a_legend_over_bars_or_error_bars_is_found(what):
    fig = plotting._figure(7.0, 4.0)
    ax = fig.subplots()
    if what == "bar":
        ax.bar([0, 1, 2], [3.0, 3.0, 3.0], label="bars")
    else:
        ax.errorbar([0, 1, 2], [1.5, 1.5, 1.5], yerr=1.4, linestyle="none", label="points")
    ax.set_ylim(0, 3.2)
    ax.legend(loc="center")
    assert any(f"a{'n' if what == 'error bar' else ''} {what}" in p for p in plotting.layout_problems(fig))


def test_a_title_too_wide_is_found_and_wrapped():
    fig = plotting.bar_chart(["a", "b"], [1.0, 2.0], title="Countdown of 2,000,000 steps on one thread: "
                             "GIL build vs free-threaded build, and more words to be sure", ylabel="time (s)",
                             metadata={"usable_cpus": 2})
    problems = plotting.layout_problems(fig)
    assert len(problems) == 1 and problems[0].startswith("the title of axes 1 ")
    assert problems[0].endswith("does not fit in the figure")
    assert plotting.mend(fig) == []
    assert "\n" in fig.axes[0].get_title()


def test_every_chart_kind_of_the_book_lays_out_cleanly():
    s = suite()
    figs = [
        plotting.speedup_chart([("interpreters", s, "interpreters"), ("threads", s, "threads")], "w"),
        plotting.grouped_bar_chart(["g1", "g2"], [("a", [1.0, 100.0], [(0.5, 2.0), (90.0, 120.0)]),
                                                  ("b", [3.0, float("nan")], None)],
                                   title="t", ylabel="rate (1/s)", logy=True, metadata={"usable_cpus": 2}),
        plotting.line_chart([("a", [1, 2], [1, 2]), ("b", [1, 2], [2, 1])], title="t", xlabel="x (s)",
                            ylabel="y (s)", metadata={"usable_cpus": 2}),
    ]
    for fig in figs:
        assert plotting.mend(fig) == []


def test_a_chapter_mends_a_chart_and_refuses_one_it_cannot(monkeypatch, tmp_path):
    pytest.importorskip("myst_nb")
    from gilref.book import chapter as book

    monkeypatch.setenv("GILREF_RESULTS_DIR", str(tmp_path))
    monkeypatch.setattr(book, "_glue", lambda name, value: None)
    ch = book.Chapter("chart-test")
    ch.figure("mended", _bars_labelled_at_their_tops())
    assert ch.figures == ["mended"]
    bad = _bars_labelled_at_their_tops(label_at_whisker=True)
    bad.axes[0].annotate("1.0 s again", (0, 1.6), xytext=(0, 4), textcoords="offset points", ha="center",
                         fontsize=8)
    with pytest.raises(ValueError, match="overlap"):
        ch.figure("bad", bad)


# -- captions name the builds the data came from ----------------------------------------

HOST = {"python_implementation": "CPython", "python_version": "3.11.7", "python_build": "default",
        "gil_enabled": True, "usable_cpus": 2, "cpu_model": "Xeon", "os": "Debian 12"}
FT = {**HOST, "python_version": "3.13.5", "python_build": "free-threaded", "gil_enabled": False}
GIL = {**HOST, "python_version": "3.13.5"}


def _caption(fig) -> str:
    """The caption as one line (it is wrapped to the figure's width)."""
    return " ".join(fig._supxlabel.get_text().split())


def test_a_caption_names_the_builds_the_data_came_from_not_the_host():
    fig = plotting.bar_chart(["a", "b"], [1.0, 2.0], title="t", ylabel="time (s)", metadata=HOST,
                             builds=[GIL, FT, FT, "PyPy 7.3 (GIL on)"], note="n")
    text = _caption(fig)
    assert text.startswith("Measured on CPython 3.13.5 (default build, GIL on), "
                           "CPython 3.13.5 (free-threaded build, GIL off) and PyPy 7.3 (GIL on) · 2 CPUs (Xeon)")
    assert "3.11.7" not in text and fig._supxlabel.get_text().endswith("\nn")
    assert not plotting.readability_problems(fig)


def test_a_caption_without_builds_still_names_the_host():
    fig = plotting.line_chart([("a", [1, 2], [1.0, 2.0])], title="t", xlabel="x (s)", ylabel="y (s)",
                              metadata=HOST)
    assert _caption(fig).startswith("Measured on CPython 3.11.7 (default build, GIL on) · 2 CPUs")


def test_a_speedup_chart_of_suites_from_several_builds_names_each():
    gil, ft = suite(), suite()
    gil.metadata.update(GIL)
    ft.metadata.update(FT)
    text = _caption(plotting.speedup_chart([("default", gil), ("free-threaded", ft)], "w"))
    assert "CPython 3.13.5 (default build, GIL on) and CPython 3.13.5 (free-threaded build, GIL off)" in text
    named = _caption(plotting.speedup_chart([("x", gil)], "w", builds=["CPython 3.14.0t"]))
    assert named.startswith("Measured on CPython 3.14.0t · ")


def test_speedup_labels_name_the_sequential_baseline():
    s = suite()
    assert "sequential run" in plotting.mode_chart(s, "w").axes[0].get_xlabel()
    assert plotting.speedup_chart(s, "w").axes[0].get_ylabel() == "speedup vs the sequential run (×)"
    assert "one thread" not in plotting.speedup_chart(s, "w").axes[0].get_ylabel()


def test_build_text_is_the_interpreter_part_of_the_host_summary():
    assert plotting.build_text(FT) == "CPython 3.13.5 (free-threaded build, GIL off)"
    assert plotting.build_text("anything") == "anything"
    assert plotting.builds_of([suite()]) == [{"usable_cpus": 2}]


def test_a_placeholder_chart_is_readable_and_says_nothing_was_measured():
    from gilref.book.charts import placeholder_chart, readability_problems

    fig = placeholder_chart("The loop on threads", "no Cython here: pip install cython")
    assert readability_problems(fig) == []
    assert fig._supxlabel.get_text().startswith("Not measured on this host")


def test_grouped_bars_keep_the_plot_at_the_page_width_and_separate_thousands():
    # six long series labels: beside the plot the legend would take its width; above it, it does not
    series = [(f"CPython 3.13.5 free-threaded, {k} threads", [170_000.0 * k, 0.0], None) for k in (1, 2, 3)]
    series += [(f"CPython 3.13.5 (GIL), {k} threads", [1.0, 2.0], None) for k in (1, 2, 3)]
    fig = plotting.grouped_bar_chart(["a", "b"], series, title="t", ylabel="lost (count)",
                                     metadata={"usable_cpus": 2})
    assert plotting.mend(fig) == []
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    plot, legend = ax.get_window_extent(renderer), ax.get_legend().get_window_extent(renderer)
    assert plot.width > 0.8 * fig.bbox.width           # the plot keeps the figure's width
    assert legend.y0 >= plot.y1 - 1                    # the legend is above it, covering nothing
    assert fig.get_figwidth() <= 7.0                   # drawn at about the page's column width
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert any("," in t for t in ticks) and not any(len(t) > 4 and "," not in t for t in ticks)


def _points(ax):
    """(drawn x, y) of every point of every series (error-bar container) of *ax*."""
    return [(float(x), float(y)) for c in ax.containers for x, y in zip(c.lines[0].get_xdata(), c.lines[0].get_ydata())]


def _reference(ax, prefix):
    return next(ln for ln in ax.get_lines() if ln.get_label().startswith(prefix))


def _at_ideal_suite(counts=(2, 4), kinds=("a", "b", "c")):
    """Kinds that each run exactly at the ideal (speedup = threads), so that any drawing above it is the chart's."""
    s = Suite(metadata={"usable_cpus": 8})
    for kind in kinds:
        s.add(Timing(kind, "sequential", 1, (1.0,) * 5))
        s.add(Timing(kind, "threads", 1, (1.0,) * 5))
        for w in counts:
            s.add(Timing(kind, "threads", w, (1.0 / w,) * 5))
    return s


@pytest.mark.parametrize("chart", ["speedup", "scaling"])
def test_no_point_at_or_below_its_ideal_is_drawn_above_the_ideal(chart):
    s = _at_ideal_suite()
    kinds = [("a", "a"), ("b", "b"), ("c", "c")]
    if chart == "speedup":
        fig = plotting.speedup_chart([(k, s) for k, _ in kinds], "a")  # three lines of the same data
    else:
        fig = plotting.scaling_chart(s, kinds, title="t", cpus=8)
    ax = fig.axes[0]
    ideal = _reference(ax, "ideal")
    points = _points(ax)
    assert len({x for x, _ in points}) > len({round(x) for x, _ in points})  # the points are shifted
    for x, y in points:
        level = plotting.reference_at(ideal, x)
        assert level is not None, f"no ideal drawn at the shifted point x={x}"
        assert level == float(round(x))           # its own count's ideal, not a slope's height
        assert y <= level + 1e-9                  # a point at the ideal is not drawn above it
    counts = sorted({round(x) for x, _ in points})
    for a, b in zip(counts, counts[1:]):          # nothing between counts for a line to run above
        assert plotting.reference_at(ideal, (a + b) / 2) is None


def test_the_ceiling_is_drawn_at_its_own_level_across_the_shifted_points():
    s = _at_ideal_suite(counts=(2, 4))
    fig = plotting.scaling_chart(s, [("a", "a"), ("b", "b")], title="t", cpus=2)
    ax = fig.axes[0]
    ceiling = _reference(ax, "ceiling")
    for x, _ in _points(ax):
        level = plotting.reference_at(ceiling, x)
        assert level == (2.0 if round(x) == 4 else None)  # only where it lies below the ideal
    capped = plotting.speedup_chart([("a", s), ("b", s)], "a", cpus=2).axes[0]
    ideal = _reference(capped, "ideal")
    assert {plotting.reference_at(ideal, x) for x, _ in _points(capped)} == {1.0, 2.0}
    assert "dash at each count" in _caption(fig)


def test_reference_at_reads_a_plain_line_too():
    s = suite()
    ideal = _reference(plotting.speedup_chart(s, "w").axes[0], "ideal")  # one line: not shifted, one diagonal
    assert plotting.reference_at(ideal, 1.5) == 1.5
    assert plotting.reference_at(ideal, 3.0) is None


def _spread_suite(runs: int = 5) -> Suite:
    """Two kinds on 1, 2 and 4 threads, *runs* repeats each, spread so that the quartiles differ."""
    s = Suite(metadata={"usable_cpus": 2})
    for kind, per in (("hash", {2: 0.5, 4: 0.5}), ("loop", {2: 1.0, 4: 1.0})):
        s.add(Timing(kind, "sequential", 1, tuple(1.0 + 0.01 * k for k in range(runs))))
        for w, m in per.items():
            s.add(Timing(kind, "threads", w, tuple(m + 0.01 * k for k in range(runs))))
    return s


def test_the_scaling_chart_draws_quartile_whiskers_and_names_the_exact_run_count():
    s = _spread_suite()
    fig = plotting.scaling_chart(s, [("hash", "hashing"), ("loop", "loop")], title="t", cpus=2)
    bars = {c.get_label(): c for c in fig.axes[0].containers}
    assert set(bars) == {"hashing", "loop"}
    hashing = bars["hashing"]
    half = round(1.02 / 0.52, 3)  # median over median, at 2 and at 4 threads
    assert [round(float(y), 3) for y in hashing.lines[0].get_ydata()] == [1.0, half, half]
    # one whisker per thread count beyond the reference point, spanning the quartile ratio
    segments = hashing.lines[2][0].get_segments()
    lengths = [abs(float(seg[1][1] - seg[0][1])) for seg in segments]
    assert lengths[0] == 0 and all(x > 0 for x in lengths[1:])
    low, high = s.speedup_range(s.get("hash", "threads", 2))
    assert abs(lengths[1] - (high - low)) < 1e-9
    text = _caption(fig)
    assert "medians of 5 runs per thread count" in text and "bars: the same ratio across the quartiles" in text
    assert "5+" not in text
    assert plotting.mend(fig) == []


def test_the_scaling_chart_says_so_when_run_counts_differ():
    s = _spread_suite()
    s.add(Timing("extra", "sequential", 1, (1.0, 1.1, 1.2)))
    s.add(Timing("extra", "threads", 2, (0.6, 0.7, 0.8)))
    text = _caption(plotting.scaling_chart(s, [("hash", "h"), ("extra", "e")], title="t"))
    assert "medians of 3 to 5 runs per thread count" in text
    assert plotting.runs_text([Timing("w", "threads", 2, (1.0,))]) == "1 run"
