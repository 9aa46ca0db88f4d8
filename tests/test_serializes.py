"""The chapter on what still serializes: its measurements (small, in this process or a
child), its verdicts (supported and contradicted branches, on made-up results), and
its example on both builds where this host has them."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from gilref.core.results import Suite, Timing
from gilref.interp.discover import Interpreter
from gilref.topics import serializes as sz

from .conftest import EXAMPLES, ROOT


def fake_interp(version: str, free_threaded: bool, path: str = "/x/python") -> Interpreter:
    return Interpreter(path, "CPython", version, free_threaded, not free_threaded, "path")


@pytest.fixture(scope="module")
def pair():
    chosen = sz.builds()
    return chosen.free_threaded, (chosen.gil if chosen.matched else None)


# -- choosing the builds ------------------------------------------------------------------


def test_builds_are_the_policys_pair_and_measured_only_when_matched():
    ft = fake_interp("3.13.5", True, "/a/python3.13t")
    same = fake_interp("3.13.5", False, "/a/python3.13")
    other = fake_interp("3.11.7", False, "/b/python3.11")
    chosen = sz.builds([other, ft, same])
    assert (chosen.free_threaded, chosen.gil, chosen.matched) == (ft, same, True)
    # the policy falls back to the closest default build; this chapter measures only a matched pair
    assert not sz.builds([other, ft]).matched
    assert sz.builds([other]).free_threaded is None


# -- measurements, small ----------------------------------------------------------------


def test_shared_objects_times_every_workload_mode_and_thread_count(no_leaked_threads):
    suite = Suite.from_dict(sz.shared_objects(n=2_000, threads=[1, 2], repeats=5, warmups=0))
    for w in sz.SHARED_WORKLOADS:
        for k in (1, 2):
            for mode in ("shared", "per-thread"):
                t = suite.get(w, mode, k)
                assert len(t.values) == 5 and all(v > 0 for v in t.values)
                assert t.params == {"n": 2_000}
    assert suite.metadata["python_version"]


def test_stdlib_shared_scales_logging_down(no_leaked_threads):
    suite = Suite.from_dict(sz.stdlib_shared(n=2_000, threads=[2], repeats=5, warmups=0))
    assert suite.get("random", "shared", 2).params["n"] == 2_000
    assert suite.get("logging", "per-thread", 2).params["n"] == 100


def test_measurements_reject_unknown_workloads():
    with pytest.raises(ValueError, match="workload"):
        sz.shared_objects(n=10, workloads=["random"])
    with pytest.raises(ValueError, match="workload"):
        sz.stdlib_shared(n=10, workloads=["attribute"])


def test_a_failing_worker_is_reported_not_hidden(monkeypatch):
    def broken(obj, n):
        raise RuntimeError("worker broke")

    make, _, merge = sz._SPECS["attribute"]
    monkeypatch.setitem(sz._SPECS, "attribute", (make, broken, merge))
    with pytest.raises(RuntimeError, match="worker broke"):
        sz._one_run("attribute", True, 2, 10, timeout=10)


def test_memory_peak_grows_with_the_objects():
    # In a fresh child, as the chapter measures it: the high-water mark of this long-lived
    # test process may already lie above what 50,000 objects add.
    from gilref.interp.child import call

    r = call(sys.executable, "gilref.topics.serializes:memory_peak", {"objects": 50_000}, timeout=120)
    assert r["objects"] == 50_000 and r["peak_kib"] > r["start_kib"] > 0
    assert r["maxrss_kib"] >= r["maxrss_start_kib"] > 0
    assert r["source"] == ("VmHWM" if sys.platform.startswith("linux") else "ru_maxrss")
    assert r["free_threaded"] is False  # this test interpreter is a default build


def test_gc_pause_measures_both_windows(no_leaked_threads):
    r = sz.gc_pause(heap=20_000, repeats=2)
    assert len(r["busy_gap_s"]) == len(r["collect_gap_s"]) == len(r["collect_s"]) == 2
    assert all(c > 0 for c in r["collect_s"])
    assert r["gil_enabled"] is True


def test_largest_gap_attributes_a_gap_to_the_window_it_ends_in():
    gaps = [(0.0, 0.5), (0.9, 1.6), (2.0, 2.1)]
    assert sz._largest_gap(gaps, 0.0, 1.0) == pytest.approx(0.7)  # overlaps
    assert sz._largest_gap(gaps, 0.0, 1.0, ending=True) == pytest.approx(0.5)
    assert sz._largest_gap(gaps, 3.0, 4.0) == 0.0


def test_foreign_call_through_cdll_lets_the_collection_finish():
    r = sz.foreign_call_probe(sys.executable, "cdll", deadline=20)
    assert r["outcome"] == "completed"
    assert any("gc.collect() returned" in line for line in r["lines"])


@pytest.mark.slow
def test_foreign_call_through_pydll_is_killed_at_the_deadline_here():
    # with a GIL the attached thread holds it: the main thread never runs again
    r = sz.foreign_call_probe(sys.executable, "pydll", deadline=2)
    assert r["outcome"] == "killed" and 2 <= r["elapsed_s"] < 15
    assert r["lines"] and "calls sleep" in r["lines"][0]
    assert not any("gc.collect() starts" in line for line in r["lines"])
    assert "killed by the deadline" in sz.probe_lines(r)


def test_foreign_call_probe_rejects_unknown_cases():
    with pytest.raises(ValueError, match="case"):
        sz.foreign_call_probe(sys.executable, "windll")


def test_race_suite_without_the_plugin_says_so(tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'No module named pytest_run_parallel' >&2\nexit 1\n")
    fake.chmod(0o755)
    r = sz.race_suite(str(fake))
    assert r["available"] is False and "not installed" in r["error"]
    assert r["tests"] == {}  # the same keys as a run, so a page can loop over them


def test_race_files_are_a_runnable_suite():
    files = sz.race_files(per_thread=123)
    assert set(files) == {"tally.py", "test_tally.py"}
    assert "PER_THREAD = 123" in files["test_tally.py"]
    compile(files["tally.py"], "tally.py", "exec")
    compile(files["test_tally.py"], "test_tally.py", "exec")


@pytest.mark.slow
def test_race_suite_runs_on_the_default_build(pair):
    _, default = pair
    if default is None:
        pytest.skip("no default build of the free-threaded build's version on this host")
    r = sz.race_suite(default.executable, threads=2, per_thread=1_000, timeout=120)
    if not r["available"]:
        pytest.skip(r["error"])
    assert set(r["tests"]) == {"test_unguarded", "test_locked"}
    assert r["tests"]["test_locked"]["outcome"] == "passed"
    assert r["tests"]["test_locked"]["switch_interval"] == pytest.approx(1e-6)  # set by the plugin


# -- verdicts on made-up results --------------------------------------------------------


def made_suite(shared: list[float], private: list[float], workload: str = "attribute", threads: int = 2) -> Suite:
    suite = Suite(metadata={})
    suite.add(Timing(workload, "shared", threads, tuple(shared)))
    suite.add(Timing(workload, "per-thread", threads, tuple(private)))
    return suite


def test_ratio_range_uses_the_quartiles():
    low, mid, high = sz.ratio_range([2, 2, 2, 2, 2], [1, 1, 1, 1, 1])
    assert (low, mid, high) == (2.0, 2.0, 2.0)
    low, mid, high = sz.ratio_range([1, 2, 3, 4, 5], [1, 1, 1, 1, 1])
    assert low == 2.0 and mid == 3.0 and high == 4.0
    with pytest.raises(ValueError, match="positive"):
        sz.ratio_range([1.0], [0.0])


def test_contention_verdict_supported():
    v = sz.contention_verdict(made_suite([3.0, 3.1, 3.2, 2.9, 3.0], [1.0, 1.1, 0.9, 1.0, 1.0]), "attribute", 2)
    assert v.holds and v.evidence["low"] >= sz.SLOWER_RATIO


def test_contention_verdict_contradicted_by_the_spread():
    # the medians differ by 1.5x, but the quartile ranges come within 1.25x of each other
    v = sz.contention_verdict(made_suite([1.2, 1.3, 1.5, 1.7, 1.8], [0.9, 1.0, 1.0, 1.1, 1.2]), "attribute", 2)
    assert v.evidence["median"] == pytest.approx(1.5)
    assert not v.holds


def test_contention_verdict_contradicted_when_equal():
    v = sz.contention_verdict(made_suite([1.0] * 5, [1.0] * 5, "dict-store", 4), "dict-store", 4)
    assert not v.holds and v.evidence["threads"] == 4 and v.evidence["workload"] == "dict-store"


def mem(*peaks: float) -> list[dict[str, float]]:
    return [{"peak_kib": p, "start_kib": 1.0} for p in peaks]


def test_memory_verdict_supported():
    v = sz.memory_verdict(mem(110, 112, 111), mem(100, 101, 100))
    assert v.holds and v.evidence["overhead"] == pytest.approx(0.11)
    assert v.evidence["limit"] == sz.PEP779_MEMORY_LIMIT == 0.20


def test_memory_verdict_contradicted():
    v = sz.memory_verdict(mem(130, 131, 129), mem(100, 100, 100))
    assert not v.holds and v.evidence["high"] > 1.2


def test_memory_verdict_contradicted_when_the_spread_crosses_the_limit():
    v = sz.memory_verdict(mem(100, 115, 130), mem(100, 100, 100))
    assert v.evidence["median"] < 1.2 and not v.holds


def test_memory_verdict_needs_both_builds():
    with pytest.raises(ValueError, match="both builds"):
        sz.memory_verdict([], mem(100))


def test_pause_verdict_supported():
    paused = {"busy_gap_s": [0.001] * 5, "collect_gap_s": [0.05, 0.06, 0.05, 0.04, 0.05], "collect_s": [0.05] * 5}
    v = sz.pause_verdict(paused)
    assert v.holds and v.evidence["share_median"] == pytest.approx(1.0)


def test_pause_verdict_when_no_gap_was_seen_without_a_collection():
    # no gap over the ticker's resolution in the busy window: it counts as that resolution
    v = sz.pause_verdict({"busy_gap_s": [0.0] * 5, "collect_gap_s": [0.05] * 5, "collect_s": [0.05] * 5})
    assert v.holds and v.evidence["low"] == pytest.approx(0.05 / sz.GAP_RESOLUTION)


def test_pause_verdict_contradicted_when_no_longer_than_without():
    v = sz.pause_verdict({"busy_gap_s": [0.002] * 5, "collect_gap_s": [0.002, 0.003, 0.002, 0.002, 0.003],
                          "collect_s": [0.003] * 5})
    assert not v.holds and v.evidence["low"] < sz.PAUSE_RATIO


def test_pause_verdict_contradicted_when_the_thread_ran_through_the_collection():
    # long gaps, but short against a long collection: the ticker kept running
    v = sz.pause_verdict({"busy_gap_s": [0.001] * 5, "collect_gap_s": [0.01] * 5, "collect_s": [0.2] * 5})
    assert v.evidence["low"] >= sz.PAUSE_RATIO and v.evidence["share_q1"] < sz.PAUSE_SHARE
    assert not v.holds


def probe(case: str, outcome: str, *lines: str) -> dict:
    return {"case": case, "outcome": outcome, "lines": list(lines), "elapsed_s": 1.0,
            "deadline_s": sz.HANG_DEADLINE}


CALLS = "other thread: calls sleep(90) through PyDLL"
RAN = "main thread: ran 100 loop steps meanwhile"
STARTS = "main thread: gc.collect() starts"
RETURNED = "main thread: gc.collect() returned after 0.001 s"


def test_hang_verdict_supported():
    v = sz.hang_verdict(probe("pydll", "killed", CALLS, RAN, STARTS),
                        probe("cdll", "completed", CALLS, RAN, STARTS, RETURNED))
    assert v.holds and v.evidence["pydll_main_ran"] and not v.evidence["pydll_collect_returned"]


def test_hang_verdict_contradicted_when_nothing_hangs():
    v = sz.hang_verdict(probe("pydll", "completed", RAN, STARTS, RETURNED),
                        probe("cdll", "completed", RAN, STARTS, RETURNED))
    assert not v.holds


def test_hang_verdict_contradicted_when_the_main_thread_never_ran():
    # what a GIL build does: the hang comes before the collection
    v = sz.hang_verdict(probe("pydll", "killed", CALLS),
                        probe("cdll", "completed", RAN, STARTS, RETURNED))
    assert not v.holds and not v.evidence["pydll_main_ran"]


def race(unguarded: str, lost: int, locked: str = "passed") -> dict:
    return {"tests": {"test_unguarded": {"outcome": unguarded, "lost": lost},
                      "test_locked": {"outcome": locked, "lost": 0}}}


def test_race_verdict_supported():
    v = sz.race_verdict(race("failed", 5_000))
    assert v.holds and v.evidence["unguarded_lost"] == 5_000


def test_race_verdict_contradicted():
    assert not sz.race_verdict(race("passed", 0)).holds
    assert not sz.race_verdict(race("failed", 10, locked="failed")).holds
    assert not sz.race_verdict({"tests": {}}).holds


# -- rows for the page ------------------------------------------------------------------


def test_rows_and_series_cover_every_thread_count():
    suite = Suite(metadata={})
    for k in (1, 2):
        for w in ("attribute", "method"):
            suite.add(Timing(w, "shared", k, (2.0, 2.0, 2.0)))
            suite.add(Timing(w, "per-thread", k, (1.0, 1.0, 1.0)))
    rows = sz.contention_rows({"b": suite}, ["attribute", "method"])
    assert [r["workload"] for r in rows] == ["attribute", "method"]
    assert rows[0]["2 threads: per-thread → shared"] == "1000.0 → 2000.0 ms (2.00×)"
    series = sz.ratio_series({"b": suite.to_dict()}, ["attribute", "method"])
    assert [s[0] for s in series] == ["b, 1 thread", "b, 2 threads"]
    assert series[0][1] == [2.0, 2.0] and series[0][2] == [(2.0, 2.0), (2.0, 2.0)]


# -- the reader's example -----------------------------------------------------------------

ROW = re.compile(r"^(attribute|list-append|random)\s+(\d+)\s+\d+\.\d ms\s+\d+\.\d ms\s+\d+\.\d\dx$", re.M)


@pytest.mark.example("what_serializes.py")
def test_example_prints_per_thread_against_shared(run_example):
    out = run_example("what_serializes.py", "--count", "5000", "--threads", "1,2", "--repeats", "1").stdout
    assert "default build, GIL on" in out
    assert sorted((m.group(1), int(m.group(2))) for m in ROW.finditer(out)) == [
        ("attribute", 1), ("attribute", 2), ("list-append", 1), ("list-append", 2), ("random", 1), ("random", 2)]


@pytest.mark.example("what_serializes.py")
@pytest.mark.parametrize("args", [["--count", "0"], ["--threads", "x"], ["--threads", "0"],
                                  ["--workloads", "nope"], ["--repeats", "-1"]])
def test_example_rejects_bad_arguments(args, run_example):
    proc = run_example("what_serializes.py", *args, check=False, timeout=60)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.example("what_serializes.py")
@pytest.mark.parametrize("which", ["free-threaded", "default"])
def test_example_on_both_builds(which, pair):
    interp = pair[0] if which == "free-threaded" else pair[1]
    if interp is None:
        pytest.skip(f"no {which} build of one version on this host (python -m gilref provision builds them)")
    proc = subprocess.run([interp.executable, str(EXAMPLES / "what_serializes.py"), "--count", "5000",
                           "--threads", "1,2", "--repeats", "1", "--workloads", "attribute,random"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    expected = "free-threaded build, GIL off" if which == "free-threaded" else "default build, GIL on"
    assert expected in proc.stdout
    assert len(ROW.findall(proc.stdout)) == 4
