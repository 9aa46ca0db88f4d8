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
