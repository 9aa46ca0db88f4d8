from __future__ import annotations

import math
import re
import sys

import pytest

from gilref.core.results import Suite
from gilref.interp import child as childrun
from gilref.topics import switching

from .leftovers import run_checked


def test_switch_interval_sets_and_restores_even_on_error():
    before = sys.getswitchinterval()
    seen = []

    def fail_inside() -> None:
        with switching.switch_interval(0.002) as previous:
            seen.append((previous, sys.getswitchinterval()))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert seen == [(before, pytest.approx(0.002))]
    assert sys.getswitchinterval() == before


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (-0.001, ValueError), (2.0, ValueError),
                                               (math.nan, ValueError), ("5ms", TypeError), (True, TypeError)])
def test_switch_interval_rejects_bad_values(value, error):
    before = sys.getswitchinterval()
    with pytest.raises(error, match="seconds"), switching.switch_interval(value):
        pass
    assert sys.getswitchinterval() == before


def test_a_trial_reports_wakeups_and_throughput_and_leaves_nothing_running(no_leaked_threads):
    before = sys.getswitchinterval()
    out = switching.trial(0.001, window=0.05, tick=0.001)
    assert sys.getswitchinterval() == before
    assert out["latencies"] and all(x >= 0 for x in out["latencies"])
    assert out["steps_per_s"] > 0


def test_a_trial_can_run_either_thread_alone(no_leaked_threads):
    assert switching.trial(0.005, window=0.02, cpu=False)["steps_per_s"] is None
    assert switching.trial(0.005, window=0.02, io=False)["latencies"] is None
    with pytest.raises(ValueError, match="at least one thread"):
        switching.trial(0.005, io=False, cpu=False)


def test_measure_returns_a_suite_with_every_interval_and_both_baselines(no_leaked_threads):
    before = sys.getswitchinterval()
    suite = switching.measure([0.01, 0.001], window=0.03, repeats=5, warmups=0)
    assert sys.getswitchinterval() == before
    assert suite.metadata["switch_interval_restored"] is True
    assert suite.metadata["default_switch_interval_s"] == before
    assert len(suite.select(switching.LATENCY, "sequential")) == 1
    assert len(suite.select(switching.THROUGHPUT, "sequential")) == 1
    assert all(len(t.values) == 5 for t in suite.timings)
    rows = switching.points(Suite.from_dict(suite.to_dict()))
    assert [r["interval_s"] for r in rows] == [0.001, 0.01]
    assert all(r["latency_q1_s"] <= r["latency_s"] <= r["latency_q3_s"] for r in rows)
    assert all(math.isfinite(r["relative_throughput"]) for r in rows)
    assert {(t.unit, t.better) for t in suite.select(switching.THROUGHPUT)} == {("steps/s", "higher")}
    assert {(t.unit, t.better) for t in suite.select(switching.LATENCY)} == {("s", "lower")}
    shared = suite.select(switching.THROUGHPUT, "threads")[0]
    assert suite.speedup(shared) == pytest.approx(shared.median / suite.baseline(switching.THROUGHPUT).median)


def test_measure_warms_every_configuration_briefly_then_takes_turns(monkeypatch):
    calls = []

    def fake_trial(interval, *, window, tick, io, cpu):
        calls.append((interval, window, io, cpu))
        return {"latencies": [0.001] if io else None, "steps_per_s": 1e6 if cpu else None}

    monkeypatch.setattr(switching, "trial", fake_trial)
    default = sys.getswitchinterval()
    switching.measure([0.01], window=0.2, repeats=5, warmups=1)
    configs = [(default, True, False), (default, False, True), (0.01, True, True)]
    assert calls == [(iv, 0.05, io, cpu) for iv, io, cpu in configs] + \
        [(iv, 0.2, io, cpu) for iv, io, cpu in configs] * 5


def test_measure_runs_in_a_child_interpreter_and_returns_json():
    data = childrun.call(sys.executable, "gilref.topics.switching:measure",
                         {"intervals": [0.002], "window": 0.02, "repeats": 5, "warmups": 0}, timeout=120)
    suite = Suite.from_dict(data)
    assert [r["interval_s"] for r in switching.points(suite)] == [0.002]


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"intervals": []}, ValueError, "non-empty"),
    ({"intervals": "0.005"}, ValueError, "non-empty"),
    ({"intervals": [0.001, 0.001]}, ValueError, "repeat"),
    ({"intervals": [0]}, ValueError, "intervals"),
    ({"repeats": 4}, ValueError, "repeats"),
    ({"window": -1}, ValueError, "window"),
    ({"tick": "1ms"}, TypeError, "tick"),
])
def test_measure_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        switching.measure(**kwargs)


def test_points_needs_shared_timings():
    with pytest.raises(ValueError, match="no wakeup_latency"):
        switching.points(Suite())


@pytest.mark.example("switch_interval.py")
def test_switch_interval_example_reports_each_interval_and_restores_it():
    run = run_checked("switch_interval.py", "--intervals", "0.5,5", "--window", "0.05", "--repeats", "2")
    assert run.returncode == 0, run.stderr
    default = re.search(r"default switch interval ([\d.]+) ms", run.stdout).group(1)
    assert re.search(r"^\s+0\.5 ms\s+[\d.]+ ms\s+[\d.]+ M steps/s$", run.stdout, re.M)
    assert re.search(r"^\s+5 ms\s+[\d.]+ ms\s+[\d.]+ M steps/s$", run.stdout, re.M)
    assert f"switch interval restored to {default} ms" in run.stdout
    assert run.clean, run


@pytest.mark.example("switch_interval.py")
@pytest.mark.parametrize("args", [["--intervals", "0"], ["--intervals", "fast"], ["--intervals", "2000"],
                                  ["--window", "-1"], ["--repeats", "0"]])
def test_switch_interval_example_rejects_bad_arguments(args, run_example):
    proc = run_example("switch_interval.py", *args, check=False, timeout=60)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr and "Traceback" not in proc.stderr


# -- verdicts and invariants, on made-up results (no measuring) -------------------------

def made_up(shared, *, alone_thr=(100e6,) * 5, alone_lat=(5e-5,) * 5, gil=True, restored=True,
            window=0.2, tick=0.001, wakeups=None):
    """A measure()-shaped suite: *shared* maps an interval (s) to (latencies, throughputs)."""
    from gilref.core.results import Timing

    suite = Suite(metadata={"python_implementation": "CPython", "python_version": "3.13.5",
                            "gil_enabled": gil, "switch_interval_restored": restored,
                            "default_switch_interval_s": 0.005, "load_average": [1.5, 1.0, 1.0]})
    common = {"window_s": window, "tick_s": tick}

    def n(lat):  # wake-ups in five trials: one per tick plus its lateness
        return wakeups if wakeups is not None else int(window / (tick + sorted(lat)[len(lat) // 2])) * len(lat)
    suite.add(Timing(switching.LATENCY, "sequential", 1, tuple(alone_lat),
                     params={**common, "switch_interval_s": 0.005, "wakeups": n(alone_lat)}))
    suite.add(Timing(switching.THROUGHPUT, "sequential", 1, tuple(alone_thr), unit="steps/s", better="higher",
                     params={**common, "switch_interval_s": 0.005}))
    for iv, (lat, thr) in shared.items():
        suite.add(Timing(switching.LATENCY, "threads", 2, tuple(lat),
                         params={**common, "switch_interval_s": iv, "wakeups": n(lat)}))
        suite.add(Timing(switching.THROUGHPUT, "threads", 2, tuple(thr), unit="steps/s", better="higher",
                         params={**common, "switch_interval_s": iv}))
    return suite


def near(x, spread=0.01):
    return tuple(x * (1 + spread * k) for k in (-2, -1, 0, 1, 2))


def gil_like(small_thr=95e6, large_thr=98e6):
    return made_up({0.0001: (near(2.5e-4), near(small_thr)), 0.001: (near(1.05e-3), near(97e6)),
                    0.005: (near(5.1e-3), near(97e6)), 0.05: (near(5.02e-2), near(large_thr))})


def example_json(small_thr, large_thr, *, python="3.13.5", gil=True):
    return {"format": switching.EXAMPLE_FORMAT, "version": 1, "python": python, "implementation": "CPython",
            "gil": gil, "default_switch_interval_s": 0.005, "window_s": 0.2, "tick_s": 0.001, "repeats": 5,
            "intervals": [{"interval_s": iv, "latency_s": list(near(lat)), "steps_per_s": list(near(t))}
                          for iv, lat, t in ((0.0001, 2.6e-4, small_thr), (0.005, 5.2e-3, 30e6),
                                             (0.05, 5.03e-2, large_thr))]}


def test_latency_verdict_holds_is_contradicted_or_undecided():
    ok = switching.latency_verdict(gil_like(), build="CPython 3.13.5")
    assert ok.state == "holds" and "1.00" in ok.text and "50 ms" in ok.text
    # A latency far under one interval from 1 ms up: the waiting thread did not wait.
    short = made_up({0.001: (near(2e-4), near(9e7)), 0.05: (near(3e-4), near(9e7))})
    assert switching.latency_verdict(short, build="b").state == "contradicted"
    # Straddling the floor (0.8 intervals): undecided.
    blurred = made_up({0.001: ((5e-4, 7e-4, 8e-4, 9e-4, 1.2e-3), near(9e7)), 0.05: (near(5e-2), near(9e7))})
    assert switching.latency_verdict(blurred, build="b").state == "undecided"


def test_latency_verdict_with_a_disagreeing_example_is_undecided_and_says_why():
    ex = example_json(29e6, 30e6, python="3.11.7")
    for row in ex["intervals"]:
        row["latency_s"] = [2e-4] * 5  # never waited an interval
    claim = switching.latency_verdict(gil_like(), build="CPython 3.13.5", example=ex)
    assert claim.state == "undecided"
    assert "3.11.7" in claim.text and "interpreter" in claim.text


def test_throughput_verdict_three_ways_on_the_interval_of_repeats():
    assert switching.throughput_verdict(gil_like(95e6, 98e6), build="b").state == "holds"
    bad = switching.throughput_verdict(gil_like(60e6, 98e6), build="b")
    assert bad.state == "contradicted" and "61%" in bad.text
    wide = made_up({0.0001: (near(2.5e-4), (60e6, 70e6, 80e6, 90e6, 95e6)), 0.05: (near(5e-2), near(1e8))})
    assert switching.throughput_verdict(wide, build="b").state == "undecided"


def test_throughput_verdict_takes_the_examples_numbers():
    agree = switching.throughput_verdict(gil_like(95e6, 98e6), build="b", example=example_json(29e6, 30e6))
    assert agree.state == "holds" and "The example below" in agree.text and "97%" in agree.text
    # The reader's example at 69% while the measurement says 97%: the page must not claim "cheap".
    clash = switching.throughput_verdict(gil_like(95e6, 98e6), build="CPython 3.13.5",
                                         example=example_json(18.2e6, 26.2e6, python="3.11.7"))
    assert clash.state == "undecided"
    assert "disagree" in clash.text and "69%" in clash.text and "3.11.7" in clash.text
    both_bad = switching.throughput_verdict(gil_like(60e6, 98e6), build="b", example=example_json(18e6, 26e6))
    assert both_bad.state == "contradicted" and "69%" in both_bad.text


def test_free_threaded_verdict():
    flat = made_up({0.0001: (near(6e-5), near(9e7)), 0.05: (near(7e-5), near(9e7))}, gil=False)
    assert switching.free_threaded_verdict(flat, gil_like(), build="3.13t").state == "holds"
    waited = made_up({0.0001: (near(6e-5), near(9e7)), 0.05: (near(2e-2), near(9e7))}, gil=False)
    assert switching.free_threaded_verdict(waited, gil_like(), build="3.13t").state == "contradicted"
    edge = made_up({0.05: ((1e-3, 3e-3, 5e-3, 6e-3, 9e-3), near(9e7))}, gil=False)
    assert switching.free_threaded_verdict(edge, gil_like(), build="3.13t").state == "undecided"


def broken(invariants):
    return {i.key for i in invariants if not i.holds}


def test_measure_invariants_hold_for_a_sound_run():
    assert broken(switching.measure_invariants(gil_like())) == set()


def test_measure_invariants_catch_each_unsound_run():
    assert "interval_restored" in broken(switching.measure_invariants(made_up({0.05: (near(5e-2), near(9e7))},
                                                                                restored=False)))
    faster_short = gil_like(small_thr=130e6, large_thr=98e6)
    assert "shorter_not_faster" in broken(switching.measure_invariants(faster_short))
    above_alone = made_up({0.05: (near(5e-2), near(150e6))})
    assert "shared_not_faster_than_alone" in broken(switching.measure_invariants(above_alone))
    falling = made_up({0.001: (near(1e-3), near(9e7)), 0.05: (near(2e-4), near(9e7))})
    assert "latency_grows_with_interval" in broken(switching.measure_invariants(falling))
    # Without a GIL the latency need not grow with the interval.
    assert "latency_grows_with_interval" not in broken(switching.measure_invariants(
        made_up({0.001: (near(1e-3), near(9e7)), 0.05: (near(2e-4), near(9e7))}, gil=False)))
    too_many = made_up({0.05: (near(5e-2), near(9e7))}, wakeups=100_000)
    assert "wakeups_fit_window" in broken(switching.measure_invariants(too_many))


def test_measure_invariants_keys_take_a_prefix():
    assert all(i.key.startswith("free_") for i in switching.measure_invariants(gil_like(), prefix="free_"))


def test_example_points_read_the_examples_json_and_refuse_anything_else():
    rows = switching.example_points(example_json(20e6, 30e6))
    assert [r["interval_s"] for r in rows] == [0.0001, 0.005, 0.05]
    assert rows[0]["throughput"] == pytest.approx(20e6) and len(rows[0]["throughputs"]) == 5
    with pytest.raises(ValueError, match="switch_interval.py"):
        switching.example_points({"format": "other"})
    assert switching.example_args([0.0001, 0.05], window=0.2, repeats=5) == [
        "--intervals", "0.1,50", "--window", "0.2", "--repeats", "5"]


def test_table_shows_quartiles_and_a_dash_for_an_interval_a_build_skipped():
    free = made_up({0.05: (near(7e-5), near(9e7))}, gil=False)
    rows = switching.table([("gil", gil_like()), ("free", free)])
    assert len(rows) == 4 and rows[0]["wake-up latency, free (ms)"] == "–"
    assert rows[-1]["CPU thread, gil (M steps/s)"].startswith("98.0 (")


@pytest.mark.example("switch_interval.py")
def test_switch_interval_example_writes_json_the_chapter_reads(tmp_path):
    out = tmp_path / "r.json"
    run = run_checked("switch_interval.py", "--intervals", "0.5,5", "--window", "0.03", "--repeats", "2",
                      "--json", str(out))
    assert run.returncode == 0, run.stderr
    import json

    rows = switching.example_points(json.loads(out.read_text()))
    assert [r["interval_s"] for r in rows] == [0.0005, 0.005]
    assert all(len(r["throughputs"]) == 2 for r in rows)


def test_an_undecided_example_cannot_confirm_the_measurement():
    ex = example_json(18e6, 26e6)
    ex["intervals"][0]["steps_per_s"] = [10e6, 18e6, 22e6, 26e6, 30e6]
    claim = switching.throughput_verdict(gil_like(95e6, 98e6), build="b", example=ex)
    assert claim.state == "undecided" and "cannot confirm" in claim.text


def test_alone_note_explains_a_thread_that_counted_slower_alone():
    assert switching.alone_note(gil_like()) == ""  # alone (100 M) is the fastest: nothing to explain
    noisy = made_up({0.05: (near(5e-2), near(103e6))})
    assert "noise" in switching.alone_note(noisy) and "103.0" in switching.alone_note(noisy)
    # within the spread it is "no faster", never "slower" (a reader saw "slower" beside identical figures)
    assert "counted no faster" in switching.alone_note(noisy) and "slower" not in switching.alone_note(noisy)
    assert "counted slower" in switching.alone_note(made_up({0.05: (near(5e-2), near(150e6))}))
    beyond = made_up({0.05: (near(5e-2), near(150e6))})
    assert "beyond the repeats' spread" in switching.alone_note(beyond)


def test_undecided_sentences_give_the_figures_not_the_evidence_keys():
    wide = made_up({0.0001: (near(2.5e-4), (60e6, 70e6, 80e6, 90e6, 95e6)), 0.05: (near(5e-2), near(1e8))})
    text = switching.throughput_verdict(wide, build="b").text
    assert "cannot tell" in text and "80%" in text and " = " not in text
    edge = made_up({0.05: ((1e-3, 3e-3, 5e-3, 6e-3, 9e-3), near(9e7))}, gil=False)
    text = switching.free_threaded_verdict(edge, gil_like(), build="t").text
    assert "5.000 ms (3.000–6.000 ms)" in text and "×" not in text


def test_a_thread_faster_at_the_shorter_interval_decides_nothing():
    claim = switching.throughput_verdict(gil_like(small_thr=140e6, large_thr=98e6), build="b",
                                         example=example_json(29e6, 30e6))
    assert claim.state == "undecided" and "faster at the shorter interval" in claim.text
    assert "The example below" in claim.text


def test_latency_verdict_names_where_the_wait_was_least_and_a_stretched_one():
    stretched = made_up({0.001: (near(0.9e-3), near(9e7)), 0.005: (near(1.5e-2), near(9e7)),
                         0.05: (near(5.2e-2), near(9e7))})
    text = switching.latency_verdict(stretched, build="b").text
    assert "at 1 ms, where it waited least" in text and "At 5 ms it waited 3.00" in text
    plain = switching.latency_verdict(made_up({0.001: (near(2e-3), near(9e7)), 0.05: (near(5e-2), near(9e7))}),
                                      build="b").text
    assert "where it waited least" not in plain and "At 1 ms it waited" in plain


def test_the_latency_verdict_explains_the_intervals_below_the_floor_from_the_data():
    # 0.1 ms interval, 0.3 ms late: 3 intervals, the operating system's floor; 0.5 ms, 0.7 ms late: 1.4.
    suite = made_up({0.0001: (near(3e-4), near(9e7)), 0.0005: (near(7e-4), near(9e7)),
                     0.001: (near(1.2e-3), near(9e7)), 0.05: (near(5.03e-2), near(9e7))}, alone_lat=near(9e-5))
    claim = switching.latency_verdict(suite, build="b")
    assert claim.state == "holds" and "from 1 ms up" in claim.text
    assert "Below 1 ms it waited longer, counted in intervals (3.0 intervals at 0.1 ms, 1.4 intervals at 0.5 ms)" \
        in claim.text
    assert "0.300 ms (" in claim.text and "no shorter interval undercuts it" not in claim.text
    assert switching.below_floor_note(made_up({0.001: (near(1.2e-3), near(9e7))})) == ""


def test_the_wait_below_the_floor_is_split_into_its_measured_parts():
    # 0.1 ms interval, 0.3 ms late: 0.1 ms the interval, 0.09 ms the thread's delay alone, 0.11 ms the hand-off.
    suite = made_up({0.0001: (near(3e-4), near(9e7)), 0.0005: (near(7e-4), near(9e7)),
                     0.001: (near(1.25e-3), near(9e7)), 0.05: (near(5.03e-2), near(9e7))}, alone_lat=near(9e-5))
    text = switching.below_floor_note(suite)
    assert "each wake-up cost 0.200 ms at 0.1 ms, 0.200 ms at 0.5 ms and 0.250 ms at 1 ms (medians)" in text
    assert "at 50 ms" not in text.split("At 0.1 ms")[0]  # a long interval's delays are not a wake-up's cost
    assert "its wait of 0.300 ms (0.297–0.303 ms) is the 0.1 ms interval, 0.090 ms that the thread also " \
           "waited alone" in text
    assert "the remaining 0.110 ms the GIL's hand-off" in text
    assert "free-threaded" not in text and "undercuts" not in text
    # The free-threaded build is set against its OWN alone figure (here 0.100 ms, above the GIL build's 0.090).
    free = made_up({0.0001: (near(8.5e-5), near(5e7)), 0.05: (near(8.7e-5), near(5e7))}, gil=False,
                   alone_lat=near(1e-4))
    with_free = switching.below_floor_note(suite, free, "CPython 3.13.5 free-threaded")
    assert with_free.startswith(text.rstrip()) and "On CPython 3.13.5 free-threaded, with no GIL to hand " \
        "over, the same thread woke 0.085 ms late at 0.1 ms, the operating system's part only" in with_free
    assert "less than it woke late alone on the same build (0.085 ms (0.084–0.086 ms) beside the busy thread, " \
        "0.100 ms (0.099–0.101 ms) alone on that build; quartiles apart), likely because" in with_free
    assert "hand-off takes" not in with_free  # no hand-off on a build without a GIL
    # The reader's case: the free build's busy figure below the GIL build's alone figure but not below its own.
    own = made_up({0.0001: (near(9.5e-5, 0.003), near(5e7))}, gil=False, alone_lat=near(9.4e-5, 0.02))
    within = switching.below_floor_note(suite, own, "ft")
    assert "about what it woke late alone on the same build" in within and "quartiles overlap" in within
    assert "less than" not in within and "likely" not in within
    more = switching.below_floor_note(suite, made_up({0.0001: (near(1.5e-4), near(5e7))}, gil=False), "ft")
    assert "more than it woke late alone" in more and "likely" not in more
    assert "alone on that build" not in switching.below_floor_note(
        suite, Suite.from_dict({**free.to_dict(), "timings": [
            t for t in free.to_dict()["timings"] if t["mode"] != "sequential"]}), "ft")
    # A thread that waited alone as long as beside the holder leaves nothing to the hand-off.
    slow_alone = made_up({0.0001: (near(2e-4), near(9e7)), 0.05: (near(5.03e-2), near(9e7))}, alone_lat=near(1.5e-4))
    assert "nothing measurable beyond that for the GIL's hand-off" in switching.below_floor_note(slow_alone)
    claim = switching.latency_verdict(suite, build="b", free=free, free_build="ft")
    assert "On ft, with no GIL to hand over" in claim.text


def test_the_table_note_says_which_intervals_a_build_skipped():
    free = made_up({0.0001: (near(7e-5), near(9e7)), 0.05: (near(7e-5), near(9e7))}, gil=False)
    note = switching.table_note([("gil", gil_like()), ("free", free)])
    assert note.startswith("free ran the experiment at 0.1 and 50 ms only, not at 1 and 5 ms (its cells there show –)")
    assert "2 intervals, from the shortest to the longest," in note
    assert switching.table_note([("gil", gil_like()), ("again", gil_like())]) == ""
    assert "from the shortest" not in switching.table_note(
        [("gil", gil_like()), ("free", made_up({0.001: (near(7e-5), near(9e7))}, gil=False))])


def test_the_free_threaded_verdict_compares_overhead_with_overhead():
    gil = gil_like(large_thr=27.6e6)
    slow = made_up({0.0001: (near(9e-5), near(11.6e6)), 0.05: (near(9e-5), near(11.6e6))}, gil=False)
    text = switching.free_threaded_verdict(slow, gil, build="t").text
    # 11.6 / 27.6 = 42% of the rate, 58% slower, 138% longer: not the HOWTO's 40%.
    assert "counted at 42% (41–43%) of the GIL build's rate at 50 ms" in text and "138%" in text
    assert "about 40%" in text and "points" not in text and "more than the free-threading HOWTO's about 40%" in text
    assert "`while not stop.is_set(): steps += 1` calls a Python method" in text and "ENABLE_SPECIALIZATION" in text


def countdown_cost(default: float, free: float) -> Suite:
    from gilref.core.results import Timing

    s = Suite(metadata={})
    for mode, m in (("default-build", default), ("free-threaded", free)):
        s.add(Timing("countdown", mode, 1, near(m), params={"n": 2_000_000}))
    return s


def test_slower_loop_note_sets_the_loop_beside_the_free_threading_chapters_countdown():
    gil = gil_like(large_thr=27.6e6)
    slow = made_up({0.0001: (near(9e-5), near(11.6e6)), 0.05: (near(9e-5), near(11.6e6))}, gil=False)
    note = switching.slower_loop_note(slow, gil, 0.05, countdown_cost(0.050, 0.064))
    assert "each step took 86 ns against 36 ns" in note and "138%" in note
    assert "far more than the countdown's 28% (25–31%)" in note
    assert "{doc}`the chapter on free-threaded Python <free-threading>`" in note
    assert "(32 ns against 25 ns a step)" in note
    claim = switching.free_threaded_verdict(slow, gil, build="t", countdown=countdown_cost(0.050, 0.064))
    assert "{doc}`the chapter on free-threaded Python <free-threading>`" in claim.text  # braces kept
    # a loop as slow as the countdown: "about", and no story about method calls
    alike = made_up({0.05: (near(9e-5), near(21.2e6))}, gil=False)
    note = switching.slower_loop_note(alike, gil, 0.05, countdown_cost(0.050, 0.064))
    assert "about the countdown's 28%" in note and "close to the free-threading HOWTO's" in note
    assert "stop.is_set" not in note
    # not clearly slower: nothing to explain
    assert switching.slower_loop_note(made_up({0.05: (near(9e-5), near(26e6))}, gil=False), gil, 0.05) == ""
    assert switching.slower_loop_note(slow, gil, 0.001) == ""


EXAMPLE_PAGE_OUTPUT = """Python 3.11.7 (GIL on), default switch interval 5 ms, one trial of 0.05 s
    interval   wake-up latency          CPU thread
      0.1 ms          0.279 ms      19.6 M steps/s
        5 ms          5.322 ms      20.2 M steps/s
switch interval restored to 5 ms
"""


def test_parse_example_output_reads_the_scripts_table():
    run = switching.parse_example_output(EXAMPLE_PAGE_OUTPUT)
    assert run["python"] == "3.11.7" and run["gil"] is True and run["trials"] == 1 and run["window_s"] == 0.05
    assert run["rows"] == {0.1: (0.279, 19.6), 5.0: (5.322, 20.2)}
    medians = EXAMPLE_PAGE_OUTPUT.replace("one trial", "medians of 5 trials")
    assert switching.parse_example_output(medians)["trials"] == 5
    with pytest.raises(ValueError, match="not the output"):
        switching.parse_example_output("hello")


def test_example_page_comparison_sets_the_page_beside_the_chapter_and_names_what_differs():
    record = {"suites": {"gil": gil_like(small_thr=26.5e6, large_thr=27.6e6).to_dict()}}
    text = switching.example_page_comparison(EXAMPLE_PAGE_OUTPUT, record)
    assert text.startswith("**Why these numbers differ from the chapter's.**")
    assert "19.6 M steps/s at 0.1 ms, 20.2 M steps/s at 5 ms" in text
    assert "{doc}`../switch-interval` measured CPython 3.13.5 (5 trials of 0.2 s per interval)" in text
    assert "26.5 M at 0.1 ms, 97.0 M at 5 ms" in text
    assert "Python 3.11.7 here and 3.13.5 there" in text and "1 trial of 0.05 s" in text
    assert "0.279 ms here and 0.250 ms there at 0.1 ms" in text
    # Only from 1 ms up does the interval set the latency; at 0.1 ms it is the OS wake-up floor.
    head, _, floor = text.partition("Below 1 ms the interval does not set them")
    assert "at 5 ms" in head.split("which the interval sets")[1] and "at 0.1 ms" in floor
    assert "the GIL's hand-off" in floor and "timer and scheduling delay, a floor" not in floor
    assert "at 0.1 ms" not in head.split("which the interval sets")[1]
    same = EXAMPLE_PAGE_OUTPUT.replace("3.11.7", "3.13.5").replace("one trial", "medians of 5 trials")
    assert "only the host's noise" in switching.example_page_comparison(same, record)
    assert "record is not in this edition" in switching.example_page_comparison(EXAMPLE_PAGE_OUTPUT, None)
    assert switching.example_page_comparison("Traceback ...", record) == ""


def test_throughput_trend_says_whether_the_difference_is_beyond_the_spread():
    apart = switching.throughput_trend(gil_like(small_thr=80e6, large_thr=98e6))
    assert apart.startswith("That difference is not noise") and "80.0 M" in apart and "at 0.1 ms" in apart
    assert "rose at every longer interval" not in apart  # 80 < 97 = 97 < 98: not at every step
    steady = switching.throughput_trend(made_up({0.0001: (near(2.5e-4), near(26.8e6)),
                                                 0.005: (near(5.1e-3), near(27.5e6)),
                                                 0.05: (near(5.02e-2), near(28.1e6))}))
    assert "not noise" in steady and "rose at every longer interval" in steady
    close = switching.throughput_trend(gil_like(small_thr=97.5e6, large_thr=98e6))
    assert "within the trials' spread" in close and "not noise" not in close


def test_the_chart_names_each_builds_alone_line_and_says_when_its_points_lie_below_it():
    pytest.importorskip("matplotlib")
    from gilref.book import switching_chart

    def texts(fig):
        return " ".join(t.get_text() for t in fig.texts)

    free = made_up({0.0001: (near(9.0e-5), near(9e7)), 0.05: (near(9.0e-5), near(9e7))},
                   alone_lat=near(9.4e-5, 0.005), gil=False)
    fig = switching_chart.switch_interval_chart([("CPython 3.13.5 free-threaded", free)])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "CPython 3.13.5 free-threaded: I/O-style thread alone" in labels
    assert "every point below its dotted line" in texts(fig)
    level = made_up({0.0001: (near(9.4e-5), near(9e7)), 0.05: (near(9.4e-5), near(9e7))},
                    alone_lat=near(9.4e-5, 0.005), gil=False)
    assert "below its dotted line" not in texts(switching_chart.switch_interval_chart([("t", level)]))
