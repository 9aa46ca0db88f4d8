"""The free-threading chapter's verdicts and invariants, on made-up results (nothing is measured)."""

from __future__ import annotations

import pytest

from gilref.core.results import Suite, Timing
from gilref.core.verdicts import Interval
from gilref.topics import freethreading as ft


def scaling(seq: float, threads: dict[int, float], *, gil: bool, cpus: int = 2, spread: float = 0.01,
            load: float | None = 0.5, n: int = 10_000_000) -> Suite:
    """A countdown_scaling-shaped suite: five repeats around each median, *spread* apart (a fraction)."""
    def values(m: float) -> tuple[float, ...]:
        return tuple(m * (1 + spread * k) for k in (-2, -1, 0, 1, 2))

    s = Suite(metadata={"usable_cpus": cpus, "gil_enabled": gil,
                        "load_average": None if load is None else [load, load, load]})
    s.add(Timing("countdown", "sequential", 1, values(seq), params={"n": n}))
    for w, m in threads.items():
        s.add(Timing("countdown", "threads", w, values(m), params={"n": n}))
    return s


FT_GOOD = scaling(1.0, {1: 1.0, 2: 0.52, 4: 0.53}, gil=False)
FT_SLOW = scaling(1.0, {1: 1.0, 2: 0.8, 4: 0.8}, gil=False, load=3.5)
FT_EDGE = scaling(1.0, {1: 1.0, 2: 0.55, 4: 0.56}, gil=False, spread=0.08)
GIL_FLAT = scaling(1.0, {1: 1.0, 2: 1.02, 4: 1.03}, gil=True)


# -- verdicts -------------------------------------------------------------------------


def test_scaling_verdict_holds_fails_and_cannot_tell():
    good = ft.scaling_verdict(FT_GOOD, "3.13t")
    assert good.state == "holds" and "1.92×" in good.text
    slow = ft.scaling_verdict(FT_SLOW, "3.13t")
    assert slow.state == "contradicted" and "Other programs were competing for the CPUs" in slow.text
    assert ": other" not in slow.text  # the load is its own sentence
    assert ft.scaling_verdict(FT_EDGE, "3.13t").state == "undecided"
    one_cpu = ft.scaling_verdict(scaling(1.0, {1: 1.0, 2: 0.52}, gil=False, cpus=1), "3.13t")
    assert one_cpu.state == "contradicted" and "1 usable CPU" in one_cpu.text


def test_scaling_verdict_takes_every_thread_count_as_evidence():
    # two threads straddle 1.8x, four threads clear it throughout (2 CPUs: the bar stays 1.8x): holds
    edge2 = scaling(1.0, {1: 1.0, 2: 0.535, 4: 0.52}, gil=False, spread=0.025)
    rows = {k: d for k, _, _, d in ft.scaling_rows_decided(edge2)}
    assert rows == {2: None, 4: True}
    got = ft.scaling_verdict(edge2, "3.13t")
    assert got.state == "holds"
    assert "2 threads 1.87×" in got.text and "reaching both sides of its 1.80× bar" in got.text
    assert "4 threads 1.92×" in got.text and "above its 1.80× bar throughout" in got.text
    assert "upper ends above 2× (at 4 threads) are ratios of quartiles" in got.text  # 2.02x on 2 CPUs
    assert "ratios of quartiles" not in ft.scaling_verdict(FT_GOOD, "3.13t").text
    # one count above its bar and one below: the counts disagree, so the run cannot tell
    mixed = scaling(1.0, {1: 1.0, 2: 0.52, 4: 0.8}, gil=False)
    assert ft.scaling_verdict(mixed, "3.13t").state == "undecided"
    assert "The thread counts disagree" in ft.scaling_verdict(mixed, "3.13t").text
    # on 4 CPUs the bar at 4 threads is 0.9 x 4 = 3.6x
    four = scaling(1.0, {1: 1.0, 2: 0.52, 4: 0.3}, gil=False, cpus=4)
    decided = [(k, round(bar, 2), d) for k, _, bar, d in ft.scaling_rows_decided(four)]
    assert decided == [(2, 1.8, True), (4, 3.6, False)]
    # the lock verdict reads the same decision
    assert "the difference is the lock" in ft.gil_on_verdict(edge2, GIL_FLAT, "3.13t").text


def release_record(suite: Suite, seq: float, threads: dict[int, float], *, spread: float = 0.01,
                   **metadata: object) -> dict:
    """A release-points record whose scaling_ft suite times python_loop on the build of *suite*."""
    def values(m: float) -> tuple[float, ...]:
        return tuple(m * (1 + spread * k) for k in (-2, -1, 0, 1, 2))

    other = Suite(metadata={**suite.metadata, "load_average": [1.5, 1.0, 1.0], **metadata})
    params = {"units": 1_500, "steps_per_unit": 100_000, "label": "pure-Python loop"}
    other.add(Timing("python_loop", "sequential", 1, values(seq), params=params))
    for w, m in threads.items():
        other.add(Timing("python_loop", "threads", w, values(m), params=params))
        other.add(Timing("hashlib", "threads", w, values(m), params=params))
    return {"suites": {"scaling_ft": other.to_dict()}}


def test_release_loop_is_read_only_from_the_same_build():
    here = scaling(1.0, {1: 1.0, 2: 0.53, 4: 0.52}, gil=False)
    here.metadata.update({"python_version": "3.13.5", "python_implementation": "CPython",
                          "python_build": "free-threading", "free_threaded_build": True})
    got = ft.release_loop(release_record(here, 0.15, {2: 0.076}), here)
    assert got is not None and {t.workload for t in got.timings} == {"python_loop"}
    assert ft.release_loop(release_record(here, 0.15, {2: 0.076}, python_version="3.14.0"), here) is None
    assert ft.release_loop(None, here) is None
    assert ft.release_loop({"suites": {}}, here) is None


def test_the_scaling_verdict_states_the_other_chapters_figures_and_why_they_differ():
    here = scaling(1.0, {1: 1.0, 2: 0.535, 4: 0.52}, gil=False, spread=0.025)
    here.metadata.update({"python_version": "3.13.5", "date": "2026-12-01T18:00:00+00:00"})
    # the same speeds within the spread: they agree, and the bar falls inside the spread
    near = ft.release_loop(release_record(here, 0.15, {2: 0.078, 4: 0.0765}, spread=0.025,
                                          date="2026-12-01T18:12:00+00:00"), here)
    agree = ft.scaling_verdict(here, "3.13t", elsewhere=near)
    assert "{doc}`release-points`" in agree.text and "2 threads 1.92× (1.83–2.02×)" in agree.text
    assert "each run's median lies within the other's spread, so the two chapters agree" in agree.text
    assert "at 2 threads only one of them clears the bar" in agree.text
    assert "1,500 countdowns of 100,000 steps" in agree.text and "10,000,000 steps" in agree.text
    assert "12 minutes apart" in agree.text and "1.0 when this run started and 1.5" not in agree.text
    # far apart: the intervals do not overlap, and the differences are listed
    far = ft.release_loop(release_record(here, 0.15, {2: 0.1, 4: 0.1}), here)
    apart = ft.scaling_verdict(here, "3.13t", elsewhere=far)
    assert "do not overlap" in apart.text and "0.5 when this run started and 1.5 when that one did" in apart.text
    assert "one thread took 100.0 ns per step here and 1.0 ns there" in apart.text  # per step, not per job
    assert "0.150 s there" not in apart.text and "the job's size" in apart.text
    # overlapping only at the edges (a busy host gave 1.96x here and 1.02x there): not called one figure
    wide = ft.release_loop(release_record(here, 0.15, {2: 0.1, 4: 0.08}, spread=0.12,
                                          date="2026-12-01T18:00:30+00:00"), here)
    loose = ft.scaling_verdict(here, "3.13t", elsewhere=wide)
    assert ("On 2 threads this run's 1.87× lies within that run's spread (1.18–1.91×), but that run's 1.50× lies "
            "outside this one's (1.78–1.97×).") in loose.text  # not "neither": one of them does
    assert "speed; what differs" not in loose.text and "the job's size:" not in loose.text  # sentences, not colons
    assert "agree" not in loose.text and "within a minute of each other" in loose.text


def test_the_other_chapters_one_thread_time_is_compared_per_step_not_per_job():
    # 10,000,000 steps in 0.319 s here, 48 x 100,000 in 0.153 s there: 31.9 ns per step in both
    here = scaling(0.319, {1: 0.319, 2: 0.167, 4: 0.166}, gil=False)
    record = release_record(here, 0.153, {2: 0.078, 4: 0.079})
    data = record["suites"]["scaling_ft"]
    for t in data["timings"]:
        t["params"]["units"] = 48
    other = Suite.from_dict(data)
    text = ft.elsewhere_text(here, Suite(timings=other.select("python_loop"), metadata=other.metadata))
    assert "Per step one thread took the same time in both: 31.9 ns (0.319 s for this chapter's job" in text
    assert "4,800,000 in 48 countdowns of 100,000 steps" in text and "the job's size" in text
    assert "one thread took 0.319 s here" not in text
    what = text.split("What differs between the runs:")[1].split(". Per step")[0]
    assert " ns" not in what and "one thread took" not in what  # the same speed is not listed as a difference


def test_gil_on_verdict_credits_the_lock_only_when_the_same_binary_scaled():
    credited = ft.gil_on_verdict(FT_GOOD, GIL_FLAT, "3.13t")
    assert credited.state == "holds" and "the difference is the lock" in credited.text
    not_shown = ft.gil_on_verdict(FT_SLOW, GIL_FLAT, "3.13t")
    assert not_shown.state == "holds" and "does not show" in not_shown.text
    # 1.8x straddled: "cannot tell" above it, so not "short of scaling" here either
    straddle = ft.gil_on_verdict(scaling(1.0, {1: 1.0, 2: 0.556, 4: 0.53}, gil=False, spread=0.06), GIL_FLAT, "3.13t")
    assert "could not tell whether that is scaling" in straddle.text and "short of scaling" not in straddle.text
    assert "the difference is the lock" not in not_shown.text
    fast = ft.gil_on_verdict(FT_GOOD, scaling(1.0, {1: 1.0, 2: 0.6}, gil=True), "3.13t")
    assert fast.state == "contradicted"
    edge = ft.gil_on_verdict(FT_GOOD, scaling(1.0, {1: 1.0, 2: 0.84}, gil=True, spread=0.05), "3.13t")
    assert edge.state == "undecided"


def cost(countdown: tuple[float, float], objects: tuple[float, float], spread: float = 0.01) -> Suite:
    s = Suite(metadata={})
    for workload, (d, f), n in (("countdown", countdown, 2_000_000), ("objects", objects, 200_000)):
        for mode, m in (("default-build", d), ("free-threaded", f)):
            s.add(Timing(workload, mode, 1, tuple(m * (1 + spread * k) for k in (-2, -1, 0, 1, 2)),
                         params={"n": n}))
    return s


def test_cost_verdict_three_ways_and_its_cross_check():
    slower = cost((1.0, 1.3), (1.0, 1.8))
    agree = ft.cost_verdict(slower, (scaling(5.0, {}, gil=True), scaling(6.4, {}, gil=False)))
    assert agree.state == "holds" and "+30% (+27% to +33%)" in agree.text
    assert "agrees within the spread" in agree.text
    apart = ft.cost_verdict(slower, (scaling(5.0, {}, gil=True), scaling(4.7, {}, gil=False)))
    assert "not the same figure" in apart.text and "\u22126%" in apart.text and "Taking turns" in apart.text
    assert "the one to trust" not in apart.text
    faster = ft.cost_verdict(cost((1.0, 0.9), (1.0, 1.8)))
    assert faster.state == "contradicted" and "countdown" in faster.text
    assert ft.cost_verdict(cost((1.0, 1.02), (1.0, 1.8), spread=0.03)).state == "undecided"


def test_switches_verdict():
    def rows(states):
        return [{"invocation": f"run {i}", "gil_enabled": g} for i, g in enumerate(states)]

    held = ft.switches_verdict(rows([False, False, True, False, True, True]))
    assert held.state == "holds" and "`run" not in held.text  # the finding, not the table again
    wrong = ft.switches_verdict(rows([False, False, False, False, True]))
    assert wrong.state == "contradicted" and "`run 2` gave GIL off, not on" in wrong.text
    assert "`run 0`" not in wrong.text  # only the invocations that went wrong
    assert ft.switches_verdict(rows([False, False, True])).state == "contradicted"


def counts(ft_lost, gil_lost=(0, 0, 0, 0, 0), locked_lost=(0, 0, 0, 0, 0)):
    base = {"expected": 400_000, "threads": 4, "increments": 100_000}
    return [
        {**base, "variant": "3.13t", "lock": False, "lost": list(ft_lost), "gil_enabled": False,
         "python": "CPython 3.13.5"},
        {**base, "variant": "3.13t", "lock": True, "lost": list(locked_lost), "gil_enabled": False,
         "python": "CPython 3.13.5"},
        {**base, "variant": "3.13", "lock": False, "lost": list(gil_lost), "gil_enabled": True,
         "python": "CPython 3.13.5"},
        {**base, "variant": "3.13", "lock": True, "lost": [0] * 5, "gil_enabled": True, "python": "CPython 3.13.5"},
    ]


def test_race_verdict():
    raced = ft.race_verdict(counts([90_000, 100_000, 120_000, 130_000, 140_000]), "3.13t")
    assert raced.state == "holds" and "120,000" in raced.text and "eval breaker" in raced.text
    assert "bytecodes.c" in raced.text and "/v3.13.5/Python/bytecodes.c" in raced.text
    assert "JUMP_BACKWARD" in raced.text and "ceval.c" in raced.text
    assert "RESUME_CHECK" not in raced.text and "3.10" not in raced.text  # no wrong mechanism, no wrong version
    assert ft.race_verdict(counts([0] * 5), "3.13t").state == "contradicted"
    assert ft.race_verdict(counts([0, 0, 0, 50, 70]), "3.13t").state == "undecided"
    gil_lost = ft.race_verdict(counts([5] * 5, gil_lost=[3] * 5), "3.13t")
    assert "some were lost too" in gil_lost.text
    hosted = [{**r, "variant": "host: CPython 3.11.7 (GIL)"} if r["variant"] == "3.13" else r for r in counts([5] * 5)]
    text = ft.race_verdict(hosted, "3.13t").text
    assert "(CPython 3.11.7 (GIL): 0)" in text and "host:" not in text
    name = "CPython 3.11.7 (GIL)"
    assert ft.prose_name("host: " + name) == name == ft.prose_name(name)


def test_lock_verdict():
    assert ft.lock_verdict(counts([5] * 5)).state == "holds"
    broken = ft.lock_verdict(counts([5] * 5, locked_lost=[0, 0, 7, 0, 0]))
    assert broken.state == "contradicted" and "3.13t: 7" in broken.text


def test_cext_verdict():
    legacy = {"gil_after": True, "warnings": ["RuntimeWarning: The global interpreter lock (GIL) has been enabled"]}
    declared = {"gil_after": False, "warnings": []}
    forced = {"gil_after": False, "warnings": []}
    good = ft.cext_verdict(legacy, declared, forced)
    assert good.state == "holds" and "was on" in good.text and "True" not in good.text
    assert ft.cext_verdict({"gil_after": False, "warnings": []}, declared, forced).state == "contradicted"


OUTPUT = """Python 3.13.5 (cpython) on 2 CPUs
free-threaded build (Py_GIL_DISABLED): yes
GIL enabled now: no
countdown of 2,000,000 steps, median of 3 runs:
  1 thread      0.100 s    1.00x one thread
  2 threads     0.053 s    1.89x one thread
  3 threads     0.060 s    1.67x one thread
"""


def test_example_speedups_reads_the_scripts_lines():
    assert ft.example_speedups(OUTPUT) == {1: 1.0, 2: 1.89, 3: 1.67}
    with pytest.raises(ValueError, match="no speedup lines"):
        ft.example_speedups("nothing here")


def example_data(one: float, two: float, *, load: float | None = 0.5, python: str = "3.13.5") -> dict:
    """What ``free_threading.py --json`` writes, for three runs around each median."""
    return {"python": python, "implementation": "CPython", "gil": False, "cpus": 2, "count": 2_000_000,
            "repeats": 3, "load_average": load,
            "seconds": {"1": [one * 0.99, one, one * 1.01], "2": [two * 0.99, two, two * 1.01]}}


def test_example_interval_is_the_scripts_two_threads_over_one():
    i = ft.example_interval(example_data(0.1, 0.05))
    assert i.median == pytest.approx(2.0) and i.low < 2.0 < i.high
    with pytest.raises(ValueError, match="no runs"):
        ft.example_interval({"seconds": {"1": [0.1]}})


def test_example_verdict_agrees_on_overlapping_intervals_or_says_why_not():
    same = ft.example_verdict(FT_GOOD, example_data(0.100, 0.052), "3.13t")
    assert same.state == "holds" and "the two intervals overlap" in same.text
    assert "1.92× (1.88–1.96×)" in same.text  # the chapter's same ratio, with its interval
    assert "another interpreter" not in same.text
    # the fresh reader's case: 1.77× against ~1.97×: outside, and the page must say so, with reasons
    apart = ft.example_verdict(FT_GOOD, example_data(0.064, 0.036), "3.13t")
    assert apart.state == "contradicted" and "do not overlap" in apart.text
    assert "2,000,000 steps against the chapter's 10,000,000" in apart.text
    assert "3 runs per thread count against the chapter's 5" in apart.text and "no warm-up" in apart.text
    assert "load average was 0.5 both times" in apart.text
    assert "above the 2×" not in apart.text
    impossible = ft.example_verdict(FT_GOOD, example_data(0.170, 0.064), "3.13t")  # 2.66× on 2 CPUs
    assert impossible.state == "contradicted" and "its own figure is above the 2× that two threads" in impossible.text
    page = apart.markdown()
    assert ft.EXAMPLE_TITLE in page and "What was checked" in page
    assert "The usual claim does not hold" not in page
    named = scaling(1.0, {1: 1.0, 2: 0.52}, gil=False)
    named.metadata.update(python_implementation="CPython", python_version="3.13.5", gil_enabled=False)
    data = {**example_data(0.064, 0.036), "implementation": "cpython"}  # sys.implementation.name
    assert "another interpreter" not in ft.example_verdict(named, data, "3.13t").text
    other = ft.example_verdict(named, {**data, "python": "3.14.0"}, "3.13t")
    assert "another interpreter" in other.text and "3.14.0" in other.text


# -- invariants -----------------------------------------------------------------------


def broken(invariants):
    return [i.key for i in invariants if not i.holds]


def test_scaling_invariants_hold_on_sound_runs():
    assert broken(ft.scaling_invariants([("3.13t", FT_GOOD), ("3.13", GIL_FLAT)])) == []


def test_a_gil_build_gaining_from_more_threads_breaks_an_invariant():
    gains = scaling(1.0, {1: 1.0, 2: 1.3, 4: 0.95}, gil=True)
    assert broken(ft.scaling_invariants([("CPython 3.13", gains)])) == ["more-threads-cpython-3-13-2-4"]
    faster = scaling(1.0, {1: 1.0, 2: 0.7}, gil=True)
    assert "ceiling-cpython-3-13-2" in broken(ft.scaling_invariants([("CPython 3.13", faster)]))


def test_more_speedup_than_cores_breaks_an_invariant():
    impossible = scaling(1.0, {1: 1.0, 2: 0.5, 4: 0.2}, gil=False, cpus=2)
    assert broken(ft.threads_invariants(impossible, "countdown", "3.13t")) == [
        "ceiling-3-13t-4", "more-threads-3-13t-2-4"]
    zero = scaling(1.0, {1: 0.0}, gil=False)
    assert "positive-3-13t" in broken(ft.threads_invariants(zero, "countdown", "3.13t"))


def test_cost_invariants():
    assert broken(ft.cost_invariants(cost((1.0, 1.3), (1.0, 1.8)))) == []
    s = cost((1.0, 1.3), (1.0, 1.8))
    s.add(Timing("extra", "free-threaded", 1, (0.0, 1.0)))
    assert broken(ft.cost_invariants(s)) == ["cost-positive", "cost-turns"]


def test_counter_invariants():
    assert broken(ft.counter_invariants(counts([100_000] * 5))) == []
    assert broken(ft.counter_invariants(counts([100_000] * 5, gil_lost=[0, 2, 0, 0, 0]))) == [
        "gil-loses-nothing-3-13-nolock"]
    assert broken(ft.counter_invariants(counts([500_000] * 5))) == ["counter-bounds-3-13t-nolock"]
    pypy = counts([1] * 5, gil_lost=[4] * 5)
    pypy[2]["python"] = "PyPy 3.9.18"
    assert broken(ft.counter_invariants(pypy)) == []


# -- table rows: words, not Python reprs -----------------------------------------------


def test_rows_show_states_as_words_and_blanks():
    rows = ft.switch_rows([
        {"invocation": "python3.13t", "py_gil_disabled": 1, "gil_enabled": False, "error": None},
        {"invocation": "python3.13 -X gil=0", "py_gil_disabled": None, "gil_enabled": None,
         "error": "Fatal Python error: config_read_gil: Disabling the GIL is not supported by this build"},
    ])
    assert rows[0]["GIL (sys._is_gil_enabled())"] == "off" and rows[0]["Py_GIL_DISABLED"] == "1"
    assert rows[1]["Py_GIL_DISABLED"] == "" and rows[1]["GIL (sys._is_gil_enabled())"] == ""
    cext_rows = ft.cext_rows([("legacy", "no", {"PYTHON_GIL": "0"},
                               {"gil_before": False, "gil_after": True, "warnings": ["RuntimeWarning: x"]})])
    assert cext_rows[0]["GIL after import"] == "on" and cext_rows[0]["warning"] == "RuntimeWarning"
    assert cext_rows[0]["started with"] == "`PYTHON_GIL=0`"
    texts = [str(v) for r in rows + cext_rows for v in r.values()]
    assert not any(t in ("True", "False", "None") for t in texts)


def test_scaling_and_numpy_rows_give_the_speedup_with_its_interval():
    rows = ft.scaling_rows([("3.13t", FT_GOOD)])
    assert rows[2]["speedup vs sequential"] == "1.92× (1.88–1.96×)"
    s = Suite(metadata={})
    s.add(Timing("numpy-small", "sequential", 1, (1.0,) * 5))
    s.add(Timing("numpy-small", "threads", 2, (0.5,) * 5))
    assert ft.numpy_rows([("3.13t", s)])[0]["speedup vs sequential"] == "2.00×"  # a point: no degenerate interval
    flat = scaling(0.158, {1: 0.158}, gil=True, spread=0.001)
    assert ft.scaling_rows([("host", flat)])[0]["speedup vs sequential"] == "1.00×"


def test_quartiles_never_print_as_a_range_from_a_value_to_itself():
    # five runs within 0.2 ms: 0.158 – 0.158 at three decimals, so a fourth is shown
    flat = scaling(0.158, {1: 0.158}, gil=True, spread=0.001)
    row = ft.scaling_rows([("host", flat)])[0]
    assert row["quartiles of 5 runs (s)"] == "0.1578 – 0.1582"  # the header says how many runs
    tight = scaling(0.158, {1: 0.158}, gil=True, spread=0.0001)
    assert ft.quartiles_text(tight.baseline("countdown")) == "0.1580 (the middle half of 5 runs within 0.1 ms)"
    assert ft.quartiles_text(Timing("countdown", "sequential", 1, (0.2,))) == "0.200 (one run: no spread)"
    assert ft.quartiles_text(FT_GOOD.baseline("countdown")) == "0.990 – 1.010"
    # suites with different repeat counts: a runs column instead of the header
    three = Suite(metadata={"usable_cpus": 2})
    three.add(Timing("countdown", "sequential", 1, (1.0, 1.1, 1.2)))
    mixed = ft.scaling_rows([("a", flat), ("b", three)])
    assert [r["runs"] for r in mixed] == ["5", "5", "3"] and "quartiles (s)" in mixed[0]
    # the lost-update range: one value when every run lost the same
    assert ft.range_text(0, 0) == "0 in every run" and ft.range_text(2, 1500) == "2 – 1,500"
    assert ft.percent_text(Interval(0.12, 0.12, 0.121)) == "+12%"
    assert ft.cost_rows(cost((1.0, 1.3), (1.0, 1.8)))[0]["free-threaded overhead"] == "+30% (+27% to +33%)"
    assert ft.percent_text(Interval(-0.17, -0.15, 0.24)) == "\u221215% (\u221217% to +24%)"


def numpy_suite(two: float, spread: float = 0.01) -> Suite:
    s = Suite(metadata={"usable_cpus": 2, "load_average": [0.2, 0.2, 0.2]})
    s.add(Timing("numpy-small", "sequential", 1, tuple(1.0 + spread * k for k in (-2, -1, 0, 1, 2))))
    s.add(Timing("numpy-small", "threads", 2, tuple(two * (1 + spread * k) for k in (-2, -1, 0, 1, 2))))
    return s


def test_numpy_verdict():
    good = ft.numpy_verdict([("3.13", numpy_suite(1.0)), ("3.13t", numpy_suite(0.6))], "3.13t")
    assert good.state == "holds" and "with a GIL, 3.13: 1.00×" in good.text
    assert ft.numpy_verdict([("3.13t", numpy_suite(1.2))], "3.13t").state == "contradicted"
    edge = ft.numpy_verdict([("3.13t", numpy_suite(0.77, spread=0.05))], "3.13t")
    assert edge.state == "undecided"
    # the sentence names what cannot be told and what the load does (not) explain, without a bare "it"
    assert "cannot tell whether the Python code around small NumPy operations scales" in edge.text
    assert "Other programs were not competing for the CPUs: the 1-minute load average was 0.2" in edge.text
    assert "explain it" not in edge.text
    assert "To decide it" in edge.markdown()  # the core's hint follows


def test_scaling_note_explains_a_gil_build_that_got_faster_on_more_threads():
    assert ft.scaling_note([("3.13", GIL_FLAT), ("3.13t", FT_GOOD)]) == ""
    noisy = ft.scaling_note([("3.11", scaling(0.5, {1: 0.58, 2: 0.57, 4: 0.50}, gil=True, spread=0.1))])
    assert "On 3.11, which has its GIL on, 4 threads took 0.500 s against 0.570 s for 2" in noisy
    assert "noise of a busy host" in noisy
    apart = ft.scaling_note([("3.11", scaling(0.5, {2: 0.57, 4: 0.40}, gil=True))])
    assert "do not even overlap" in apart


# -- build records, paths and the script's one-thread time (fix round 2) ------------


def built(suite: Suite, version: str, *, free: bool = False, args: str = "'--prefix=/x'",
          opt: str = "-DNDEBUG -g -fwrapv -O3 -Wall", x_gil: str | None = None) -> Suite:
    suite.metadata.update(python_implementation="CPython", python_version=version, free_threaded_build=free,
                          build_config={"CONFIG_ARGS": args, "OPT": opt}, x_gil=x_gil)
    return suite


def test_build_options_reads_pgo_lto_and_the_level_from_the_record():
    assert ft.build_options({"CONFIG_ARGS": "'--enable-optimizations' '--with-lto'", "OPT": "-O2"}) == {
        "pgo": True, "lto": True, "level": "-O2", "known": True}
    off = ft.build_options({"CONFIG_ARGS": "'--enable-optimizations=no' '--with-lto=no'", "OPT": "-O3 -Wall"})
    assert off["pgo"] is False and off["lto"] is False and off["level"] == "-O3"
    assert ft.build_options({})["known"] is False


def test_build_note_names_each_build_and_the_loop_regression_when_compiled_alike():
    host = built(scaling(0.157, {1: 0.157, 2: 0.161}, gil=True), "3.11.7", args="'--enable-shared'")
    gil = built(scaling(0.245, {1: 0.245, 2: 0.251}, gil=True), "3.13.5")
    free = built(scaling(0.318, {1: 0.318, 2: 0.170}, gil=False), "3.13.5", free=True)
    forced = built(scaling(0.319, {1: 0.32, 2: 0.33}, gil=True), "3.13.5", free=True, x_gil="1")
    note = ft.build_note([("host: 3.11", host), ("3.13", gil), ("3.13t", free), ("3.13t -X gil=1", forced)])
    assert ("3.11 was built with `-O3`, without PGO or LTO; 3.13 was built with `-O3`, without PGO or LTO; "
            "3.13t was built with `-O3`") in note
    assert "host:" not in note  # prose names the build, not the table label
    assert "3.13t -X gil=1" not in note  # the same binary, compiled once
    assert "None has" in note and "released binaries" in note and ft.PERFORMANCE_OPTIONS_URL in note
    assert "1.56×" in note and "0.245 s" in note and "0.157 s" in note and ft.LOOP_REGRESSION_URL in note
    assert "3.13t, fastest on 2 threads (0.170 s), still took longer than 3.11 on one" in note
    # one build with PGO: the note says the builds differ and does not blame the version
    pgo = built(scaling(0.157, {1: 0.157}, gil=True), "3.11.7", args="'--enable-optimizations'")
    mixed = ft.build_note([("host: 3.11", pgo), ("3.13", gil)])
    assert "They differ in" in mixed and "123540" not in mixed
    assert ft.build_note([("3.13", scaling(1.0, {}, gil=True))]) == ""  # no record, no sentence


def test_short_path_and_status_name_builds_not_home_directories():
    assert ft.short_path("/root/.cache/p/bin/python3.13t", home="/root") == "~/.cache/p/bin/python3.13t"
    assert ft.short_path("/usr/bin/pypy3", home="/root") == "/usr/bin/pypy3"
    assert ft.short_path("/rootless/x", home="/root") == "/rootless/x"
    text = ft.status_text("CPython 3.13.5 free-threaded", "CPython 3.13.5 (GIL)", "3.13 is the newest")
    assert "/" not in text and "CPython 3.13.5 (GIL): 3.13 is the newest." in text


def single(d: float, f: float, spread: float = 0.01) -> Suite:
    s = Suite(metadata={})
    for mode, m, label in (("default-build", d, "3.13"), ("free-threaded", f, "3.13t")):
        s.add(Timing("countdown", mode, 1, tuple(m * (1 + spread * k) for k in (-2, -1, 0, 1, 2)),
                     params={"n": 2_000_000, "interpreter": label}))
    return s


def test_example_one_thread_agrees_says_why_not_or_stays_silent():
    data = {**example_data(0.0633, 0.034), "count": 2_000_000}
    same = ft.example_one_thread(single(0.050, 0.063), data, "3.13t")
    assert "the two agree (0.5% apart)" in same and "0.063 s" in same
    apart = ft.example_one_thread(single(0.050, 0.063), {**data, "seconds": {"1": [0.067, 0.068, 0.069]}},
                                  "3.13t")
    assert "8% slower" in apart and "worker thread" in apart and "warm-up" in apart and "3 runs" in apart
    noisy = ft.example_one_thread(single(0.050, 0.129), {**data, "seconds": {"1": [0.108, 0.113, 0.129]}}, "3.13t")
    assert "the medians lie 12% apart" in noisy and "noise" in noisy and "agree" not in noisy
    assert ft.example_one_thread(single(0.050, 0.063), {**data, "count": 1_000_000}, "3.13t") == ""
    assert ft.example_one_thread(single(0.050, 0.063), data, "PyPy") == ""
    assert ft.example_one_thread(None, data, "3.13t") == ""
    verdict = ft.example_verdict(FT_GOOD, {**data, "seconds": {**data["seconds"], "1": [0.067, 0.068, 0.069]}},
                                 "3.13t", cost=single(0.050, 0.063))
    assert "8% slower" in verdict.text


def test_a_gap_past_its_bound_prints_with_the_digits_that_show_it_past():
    assert ft.past_bound_text(0.034, 0.03) == ("3.4%", "3%")      # not "3% ..., beyond the 3%"
    assert ft.past_bound_text(0.0301, 0.03) == ("3.01%", "3%")
    assert ft.past_bound_text(0.08, 0.03) == ("8%", "3%")
    assert ft.past_bound_text(0.026, 0.025) == ("2.6%", "2.5%")   # the bound keeps its own decimal
    data = {**example_data(0.0633, 0.034), "count": 2_000_000, "seconds": {"1": [0.0645, 0.0652, 0.0655]}}
    text = ft.example_one_thread(single(0.050, 0.063, spread=0.001), data, "3.13t")
    assert "3.5% slower, beyond the 3% that noise explains" in text


def test_example_verdict_gives_a_millisecond_pause_to_a_tenth_of_a_percent():
    # 2,000,000 steps in 0.219 s: one millisecond is 0.5%, not "0%"
    text = ft.example_verdict(FT_GOOD, example_data(0.40, 0.219), "3.13t").text
    assert "shifts it by 0.5%" in text


def spread_cost(default: tuple[float, ...], threaded: tuple[float, ...]) -> Suite:
    """A single_thread_cost-shaped suite with the countdown's per-process values given (2,000,000 steps)."""
    s = Suite(metadata={})
    for mode, vals in (("default-build", default), ("free-threaded", threaded)):
        s.add(Timing("countdown", mode, 1, vals, params={"n": 2_000_000}))
        s.add(Timing("objects", mode, 1, (1.0, 1.0, 1.0, 1.0, 1.0) if mode == "default-build" else
                     (1.8, 1.8, 1.8, 1.8, 1.8), params={"n": 200_000}))
    return s


SPREAD = spread_cost((0.92, 0.98, 1.0, 1.02, 1.08), (1.39, 1.4, 1.4, 1.4, 1.41))


def test_second_figure_names_the_build_that_moved_and_whether_processes_explain_it():
    within = ft.countdown_second_figure(SPREAD, (scaling(4.65, {}, gil=True), scaling(7.0, {}, gil=False)))
    assert "not the same figure" in within and "the default build took 500.0 ns here and 465.0 ns there (−7%)" in within
    assert "460.0–540.0 ns per step on the default build" in within
    assert "On both builds the scaling run's one process lies within that range" in within and "trust" not in within
    assert "The gap is" not in within
    assert "+40% (+37% to +54%)" in within  # the span of both intervals, the median the interleaved one
    outside = ft.countdown_second_figure(SPREAD, (scaling(4.4, {}, gil=True), scaling(7.0, {}, gil=False)))
    assert "The gap is the default build's (−12%): its scaling-run process lies outside even its own range, " \
        "the free-threaded build's within its" in outside
    assert "does not explain it" in outside


def test_second_figure_names_both_builds_when_both_moved_beyond_their_spread():
    # the reader's case: the default build 2% faster there, the free-threaded build 2% slower, both outside
    both = ft.countdown_second_figure(SPREAD, (scaling(4.4, {}, gil=True), scaling(7.2, {}, gil=False)))
    assert "the free-threaded build 700.0 ns here and 720.0 ns there (+3%)" in both
    assert "The gap is both builds'" in both
    assert "the default build faster there and the free-threaded build slower there" in both
    assert "The gap is the default build's" not in both
    same = ft.countdown_second_figure(SPREAD, (scaling(5.0, {}, gil=True), scaling(7.0, {}, gil=False)))
    assert same.endswith("agrees within the spread.")


def test_overhead_text_for_other_chapters_gives_both_figures_only_when_they_differ():
    assert ft.countdown_overhead_text(SPREAD, None) == "+40% (+37% to +43%)"
    both = ft.countdown_overhead_text(SPREAD, (scaling(4.4, {}, gil=True), scaling(7.0, {}, gil=False)))
    assert both.startswith("+40% (+37% to +43%) with the builds taking turns and +59%")
    d, f = scaling(4.4, {}, gil=True), scaling(7.0, {}, gil=False)
    got = ft.sequential_of({"scaling: A": d.to_dict(), "scaling: B": f}, "A", "B")
    assert got is not None and got[0].baseline("countdown").median == pytest.approx(4.4)
    assert ft.sequential_of({"scaling: A": d}, "A", "B") is None


def test_example_one_thread_prints_an_interval_only_when_its_ends_differ():
    data = {**example_data(0.0633, 0.034), "count": 2_000_000, "seconds": {"1": [0.0651, 0.0652, 0.0653]}}
    text = ft.example_one_thread(single(0.050, 0.0650, spread=0.001), data, "3.13t")
    assert "Its one-thread time, 0.065 s, is the same" in text and "runs 0.065–0.065" not in text
    assert "(0.065 s)" in text and "quartiles" not in text
    wide = ft.example_one_thread(single(0.050, 0.063), {**data, "seconds": {"1": [0.062, 0.0633, 0.066]}}, "3.13t")
    assert "0.063 s (runs 0.062–0.066 s)" in wide and "(0.063 s, quartiles 0.062–0.064 s)" in wide


def test_uneven_text_sets_a_thread_count_the_cpus_do_not_divide_beside_what_it_allows():
    dip = {"seconds": {"1": [0.065] * 3, "2": [0.035] * 3, "3": [0.0516] * 3}}
    text = ft.uneven_text(dip, 2)
    assert "3 threads ran 1.26× one thread, where 3 equal shares on 2 CPUs allow 1.50× if each thread keeps" in text
    assert "2.00× only if the scheduler time-shares the CPUs" in text and "below even the lower figure" in text
    assert "nothing the script records tells why" in text  # no load, one run per count: no cause invented
    noisy = ft.uneven_text({"seconds": {"1": [0.065] * 3, "3": [0.0440, 0.0458, 0.0470]}}, 2)
    assert "its fastest of 3 runs reached 1.48×, so the median's dip is the noise of 3 runs of 46 ms" in noisy
    busy = ft.uneven_text({**dip, "load_average": 1.5}, 2)
    assert "to themselves; the host's 1-minute load average was 1.5 when the script ran, on 2 CPUs, so other" in busy
    assert "tells why" not in busy
    quiet = ft.uneven_text({**dip, "load_average": 0.2}, 2)
    assert "tells why" in quiet
    assert "dip" not in text
    assert "about the lower figure" in ft.uneven_text({"seconds": {"1": [0.06], "3": [0.04]}}, 2)
    assert ft.uneven_text({"seconds": {"1": [0.06], "2": [0.03]}}, 2) == ""
    assert ft.uneven_text({"seconds": {"2": [0.03]}}, 2) == ""


def test_numpy_verdict_explains_a_gil_build_slower_on_two_threads_only_then():
    slow = ft.numpy_verdict([("3.13", numpy_suite(1.43)), ("3.13t", numpy_suite(0.6))], "3.13t")
    assert "On 3.13 two threads took longer than the sequential run" in slow.text
    assert "{doc}`release-points`" in slow.text and "above 500 elements" in slow.text
    even = ft.numpy_verdict([("3.13", numpy_suite(1.0)), ("3.13t", numpy_suite(0.6))], "3.13t")
    assert "took longer" not in even.text


def test_example_verdict_states_the_slack_when_only_the_widened_intervals_overlap():
    # the reader's case: 1.81 against 1.83 overlap only once each is widened by EXAMPLE_SLACK
    data = {**example_data(0.100, 0.052), "seconds": {"1": [0.099, 0.100, 0.101], "2": [0.054, 0.0545, 0.055]}}
    close = ft.example_verdict(FT_GOOD, data, "3.13t")
    assert close.state == "holds"
    assert f"overlap once each is widened by {ft.EXAMPLE_SLACK:.0%}" in close.text
    same = ft.example_verdict(FT_GOOD, example_data(0.100, 0.052), "3.13t")
    assert "widened" not in same.text


def test_uneven_text_treats_a_count_the_cpus_divide_like_the_others():
    text = ft.uneven_text({"seconds": {"1": [0.066] * 3, "3": [0.044] * 3, "4": [0.052] * 3},
                           "load_average": 1.5}, 2)
    assert "3 threads ran 1.50×" in text
    assert "4 threads ran 1.27× one thread, where 4 equal shares on 2 CPUs (2 on each) allow 2.00×: below it" in text
    assert "load average was 1.5" in text.split("4 threads")[1]
    assert "about it" in ft.uneven_text({"seconds": {"1": [0.06], "4": [0.03]}}, 2)


def test_a_median_on_the_other_runs_printed_quartile_counts_as_within_it():
    # the reader's case: 1.9438× here, that run's spread printing 1.94–2.02×: within, as printed
    here, there = Interval(1.823, 1.9438, 1.966), Interval(1.9361, 1.99, 2.02)
    assert ft._within_printed(here.median, there) and not ft._within_printed(there.median, here)
    text = ft._medians_text(2, here, there, True, False)
    assert text == ("On 2 threads this run's 1.94× lies within that run's spread (1.94–2.02×), but that run's "
                    "1.99× lies outside this one's (1.82–1.97×).")
    assert not ft._within_printed(1.93, Interval(1.9361, 1.99, 2.02))


def test_uneven_text_gives_the_chapters_own_figure_for_each_count():
    data = {"seconds": {"1": [0.066] * 3, "3": [0.044] * 3, "4": [0.052] * 3}}
    text = ft.uneven_text(data, 2, {4: Interval(1.79, 1.86, 1.93)})
    assert "4 threads ran 1.27× one thread (the chapter's runs above: 1.86× (1.79–1.93×)), where" in text
    assert "3 threads ran 1.50× one thread, where" in text  # no chapter figure for 3: none invented
