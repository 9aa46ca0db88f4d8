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
            for mode in ("shared", "per-thread", "merge"):
                t = suite.get(w, mode, k)
                assert len(t.values) == 5
                assert all(v > 0 for v in t.values) or mode == "merge"
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


def made_suite(shared: list[float], private: list[float], workload: str = "attribute", threads: int = 2,
               suite: Suite | None = None) -> Suite:
    suite = suite if suite is not None else Suite(metadata={})
    suite.add(Timing(workload, "shared", threads, tuple(shared)))
    suite.add(Timing(workload, "per-thread", threads, tuple(private)))
    suite.add(Timing(workload, "merge", threads, (0.001,) * len(private)))
    return suite


SLOW = [3.0, 3.1, 3.2, 2.9, 3.0]          # against ONE: clearly slower
ONE = [1.0, 1.1, 0.9, 1.0, 1.0]
# against SPREAD_BASE: the medians differ by 1.5x, the quartiles straddle 1.25x
SPREAD = [1.2, 1.3, 1.5, 1.7, 1.8]
SPREAD_BASE = [0.9, 1.0, 1.0, 1.1, 1.2]


def test_sharing_ratio_is_the_core_ratio_interval_of_the_quartiles():
    iv = sz.sharing_ratio(made_suite([1, 2, 3, 4, 5], [1, 1, 1, 1, 1]), "attribute", 2)
    assert (iv.low, iv.median, iv.high) == (2.0, 3.0, 4.0)


def pair_suite(attribute, method):
    suite = made_suite(*attribute, "attribute")
    return made_suite(*method, "method", suite=suite)


def test_refcount_verdict_holds_when_every_workload_is_slower():
    c = sz.refcount_verdict(pair_suite((SLOW, ONE), (SLOW, ONE)), 2, label="CPython 3.13t")
    assert c.state == "holds" and "CPython 3.13t with 2 threads" in c.text
    assert "attribute 3.00× (" in c.text and ", slower" in c.text


def test_refcount_verdict_contradicted_names_which_workload_was_not_slower():
    # one clearly slower (about 3x), one not: the sentence must not call the 3x "not slower"
    c = sz.refcount_verdict(pair_suite((SLOW, ONE), (ONE, ONE)), 2, label="ft")
    assert c.state == "contradicted"
    assert "attribute 3.00× (3.00–3.10×), slower" in c.text and "method 1.00×, not slower" in c.text


def test_refcount_verdict_undecided_when_a_spread_straddles_the_ratio():
    c = sz.refcount_verdict(pair_suite((SLOW, ONE), (SPREAD, SPREAD_BASE)), 2, label="ft")
    assert c.state == "undecided" and "method 1.50×" in c.text and "cannot tell" in c.text
    assert "the interval of method straddles it" in c.text and "baseline" not in c.text
    both = sz.refcount_verdict(pair_suite((SPREAD, SPREAD_BASE), (SPREAD, SPREAD_BASE)), 2, label="ft")
    assert "the intervals of attribute and method straddle it" in both.text


def test_locks_verdict_states_the_merge_it_leaves_out():
    suite = made_suite(SLOW, ONE, "list-append")
    suite = made_suite(SLOW, ONE, "dict-store", suite=suite)
    c = sz.locks_verdict(suite, 2, label="ft")
    assert c.state == "holds" and "list-append: 1.0 ms after 1000.0 ms of work" in c.text
    assert sz.locks_verdict(made_suite(ONE, ONE, "dict-store", suite=made_suite(ONE, ONE, "list-append")),
                            2, label="ft").state == "contradicted"


def test_locks_verdict_counts_the_merge_end_to_end():
    suite = Suite(metadata={})
    for w, (sh, pt, mg) in {"list-append": (10.5, 4.4, 6.4), "dict-store": (8.7, 3.8, 1.2)}.items():
        for mode, m in (("shared", sh), ("per-thread", pt), ("merge", mg)):
            suite.add(Timing(w, mode, 2, tuple(m * 1e-3 * (1 + 0.01 * k) for k in (-2, -1, 0, 1, 2))))
    c = sz.locks_verdict(suite, 2, label="ft")
    assert "list-append (2 threads: shared 10.5 ms against 4.4 + 6.4 = 10.8 ms, faster shared)" in c.text
    assert "dict-store (2 threads: shared 8.7 ms against 3.8 + 1.2 = 5.0 ms, slower shared)" in c.text
    assert sz.end_to_end(suite, "list-append", 2)[3] is False
    assert sz.end_to_end(made_suite(ONE, [0.999] * 5, "list-append"), "list-append", 2)[3] is None
    assert "about the same" in sz.end_to_end_text(made_suite(ONE, [0.999] * 5, "list-append"), ["list-append"])
    quick = made_suite([0.5] * 5, [1.0] * 5, "list-append")
    assert sz.end_to_end(quick, "list-append", 2)[3] is False and "faster shared" in sz.end_to_end_text(
        quick, ["list-append"])


@pytest.mark.parametrize(("shared", "private", "state"), [(SLOW, ONE, "holds"), (ONE, ONE, "contradicted"),
                                                          (SPREAD, SPREAD_BASE, "undecided")])
def test_stdlib_verdict_three_ways(shared, private, state):
    c = sz.stdlib_verdict(made_suite(shared, private, "random"), "random", 2, label="ft")
    assert c.key == "random_verdict" and c.state == state
    assert "`random`" in c.text


def mem(*peaks: float) -> list[dict[str, float]]:
    return [{"peak_kib": p, "start_kib": 1.0, "objects": 1} for p in peaks]


def test_memory_verdict_holds():
    c = sz.memory_verdict(mem(110, 112, 111), mem(100, 101, 100), label="ft", other="gil")
    assert c.state == "holds" and c.evidence["overhead"].median == pytest.approx(0.11)
    assert "+11% (+10 to +12% over the quartiles)" in c.text and sz.PEP779_MEMORY_LIMIT == 0.20


def test_memory_verdict_prints_one_number_for_a_point():
    c = sz.memory_verdict(mem(112, 112, 112), mem(100, 100, 100))
    assert "+12%, under" in c.text and "+12 to +12" not in c.text


def test_memory_verdict_contradicted():
    c = sz.memory_verdict(mem(130, 131, 129), mem(100, 100, 100))
    assert c.state == "contradicted" and "+30%" in c.text


def test_memory_verdict_undecided_when_the_spread_crosses_the_limit():
    c = sz.memory_verdict(mem(100, 115, 130), mem(100, 100, 100))
    assert c.evidence["overhead"].median < 0.2 and c.state == "undecided"


def test_memory_verdict_needs_both_builds():
    with pytest.raises(ValueError, match="both builds"):
        sz.memory_verdict([], mem(100))


def test_pause_verdict_holds():
    paused = {"busy_gap_s": [0.001] * 5, "collect_gap_s": [0.05, 0.06, 0.05, 0.04, 0.05], "collect_s": [0.05] * 5}
    c = sz.pause_verdict(paused, label="ft")
    assert c.state == "holds" and c.evidence["gap_share"].median == pytest.approx(1.0)


def test_pause_verdict_when_no_gap_was_seen_without_a_collection():
    # no gap over the ticker's resolution in the busy window: it counts as that resolution
    c = sz.pause_verdict({"busy_gap_s": [0.0] * 5, "collect_gap_s": [0.05] * 5, "collect_s": [0.05] * 5})
    assert c.holds and c.evidence["gap_ratio"].low == pytest.approx(0.05 / sz.OLD_GAP_RESOLUTION)
    assert "at least 500× (at least 500× over the quartiles; in 5 of 5 repeats" in c.text
    assert "against under 100 µs (no longer gap seen)" in c.text


def test_pause_verdict_contradicted_when_no_longer_than_without():
    c = sz.pause_verdict({"busy_gap_s": [0.002] * 5, "collect_gap_s": [0.002, 0.003, 0.002, 0.002, 0.003],
                          "collect_s": [0.003] * 5})
    assert c.state == "contradicted" and c.evidence["gap_ratio"].high < sz.PAUSE_RATIO


def test_pause_verdict_contradicted_when_the_thread_ran_through_the_collection():
    # long gaps, but short against a long collection: the ticker kept running
    c = sz.pause_verdict({"busy_gap_s": [0.001] * 5, "collect_gap_s": [0.01] * 5, "collect_s": [0.2] * 5})
    assert c.evidence["gap_ratio"].low >= sz.PAUSE_RATIO and c.state == "contradicted"


def test_pause_verdict_undecided_when_the_gaps_straddle():
    c = sz.pause_verdict({"busy_gap_s": [0.01] * 5, "collect_gap_s": [0.01, 0.015, 0.02, 0.03, 0.04],
                          "collect_s": [0.02] * 5})
    assert c.state == "undecided"


def test_pause_default_text_gives_both_gaps():
    text = sz.pause_default_text({"busy_gap_s": [0.005] * 5, "collect_gap_s": [0.02] * 5, "collect_s": [0.04] * 5},
                                 "CPython 3.13")
    assert "20.0 ms, 50% of the collection it overlapped" in text and "5.0 ms without" in text
    assert "different repeats" not in text  # the medians' ratio is the repeats' share here


def test_pause_note_explains_a_gap_that_outlasted_its_collection():
    # measured here, load average 10: 220 ms gaps around 208 ms collections
    r = {"busy_gap_s": [0.02] * 5, "collect_gap_s": [0.22, 0.221, 0.219, 0.23, 0.2],
         "collect_s": [0.208, 0.21, 0.207, 0.22, 0.202]}
    note = sz.pause_note(r)
    assert "outlasted the collection (by 11.0 ms" in note and note in sz.pause_verdict(r).text
    assert sz.pause_note({"busy_gap_s": [0.02] * 5, "collect_gap_s": [0.1] * 5, "collect_s": [0.11] * 5}) == ""


def test_pause_note_explains_medians_from_different_repeats():
    # as on a busy host: the collections' lengths varied, so the two medians come from different repeats
    r = {"busy_gap_s": [0.04] * 5, "collect_gap_s": [0.30, 0.31, 0.312, 0.10, 0.11],
         "collect_s": [0.30, 0.31, 0.20, 0.272, 0.26]}
    note = sz.pause_note(r)
    assert "different repeats" in note and "110%" in note and "from 200.0 to 310.0 ms" in note
    assert note in sz.pause_verdict(r).text


def probe(case: str, outcome: str, *lines: str) -> dict:
    return {"case": case, "outcome": outcome, "lines": list(lines), "elapsed_s": 1.0,
            "deadline_s": sz.HANG_DEADLINE}


CALLS = "other thread: calls sleep(90) through PyDLL"
RAN = "main thread: ran 1,234,567 loop steps meanwhile"
STARTS = "main thread: gc.collect() starts"
RETURNED = "main thread: gc.collect() returned after 0.001 s"


def test_hang_verdict_holds():
    c = sz.hang_verdict(probe("pydll", "killed", CALLS, RAN, STARTS),
                        probe("cdll", "completed", CALLS, RAN, STARTS, RETURNED), label="ft")
    assert c.holds and c.evidence["pydll_main_ran"] and not c.evidence["pydll_collect_returned"]


def test_hang_verdict_contradicted_when_nothing_hangs():
    c = sz.hang_verdict(probe("pydll", "completed", RAN, STARTS, RETURNED),
                        probe("cdll", "completed", RAN, STARTS, RETURNED))
    assert c.state == "contradicted" and "PyDLL child: completed" in c.text


def test_hang_verdict_contradicted_when_the_main_thread_never_ran():
    # what a GIL build does: the hang comes before the collection
    c = sz.hang_verdict(probe("pydll", "killed", CALLS), probe("cdll", "completed", RAN, STARTS, RETURNED))
    assert not c.holds and not c.evidence["pydll_main_ran"]


def race(unguarded: str, lost: int, locked: str = "passed") -> dict:
    return {"threads": 4, "per_thread": 100_000,
            "tests": {"test_unguarded": {"outcome": unguarded, "lost": lost, "switch_interval": 1e-6},
                      "test_locked": {"outcome": locked, "lost": 0, "switch_interval": 1e-6}}}


def test_race_verdict_holds():
    c = sz.race_verdict(race("failed", 5_000), label="ft")
    assert c.holds and "losing 5,000 of 400,000 increments" in c.text


def test_race_verdict_contradicted():
    assert sz.race_verdict(race("passed", 0)).state == "contradicted"
    assert not sz.race_verdict(race("failed", 10, locked="failed")).holds
    assert not sz.race_verdict({"tests": {}}).holds


def test_race_default_text_says_why_it_passed():
    assert "eval breaker" in sz.race_default_text(race("passed", 0), "CPython 3.13")
    assert "exists on the default build too" in sz.race_default_text(race("failed", 3), "CPython 3.13")
    assert "bytecodes.c" in sz.race_default_text(race("passed", 0), "CPython 3.13")
    assert sz.race_default_text({"tests": {}}, "x") == ""


def example(rows, free_threaded=True):
    return {"python": "3.13.5", "free_threaded": free_threaded, "count": 100_000, "repeats": 3,
            "results": [{"workload": w, "threads": k, "shared_s": sh, "per_thread_s": pt, "merge_s": [0.0] * len(pt)}
                        for w, k, sh, pt in rows]}


def test_example_verdict_holds_only_when_the_intervals_overlap():
    chapter = made_suite(SLOW, ONE, "attribute")
    agree = example([("attribute", 2, [3.0, 3.2, 2.9], [1.0, 1.0, 1.1]), ("attribute", 1, [1.0] * 3, [1.0] * 3)])
    c = sz.example_verdict(agree, [chapter], 2, label="ft", n=100_000)
    assert c.state == "holds" and "attribute: 3.00×" in c.text and "agreeing" in c.text
    # the counts and repeats of both runs are named as they are (the chapter's made-up timing has 5 repeats)
    assert "the repeats (3 in the script, 5 in the chapter)" in c.text


def test_example_verdict_agrees_within_the_named_tolerance():
    chapter = made_suite(SLOW, ONE, "attribute")  # 3.00× (3.00–3.10×) over the quartiles
    near = example([("attribute", 2, [3.5, 3.6, 3.7], [1.0] * 3)])  # 3.55–3.65×: apart, within 10%
    assert sz.example_verdict(near, [chapter], 2, label="ft", n=100_000).state == "holds"
    assert sz.example_verdict(near, [chapter], 2, label="ft", n=100_000, tolerance=0.0).state == "contradicted"


def test_example_verdict_on_the_same_side_of_the_threshold_but_twice_as_high_is_no_agreement():
    # as in the fresh reader's build: 4.57x in the script against 2.11x in the chapter, both "slower"
    chapter = made_suite([2.1, 2.1, 2.11, 2.12, 2.14], [1.0] * 5, "attribute")
    chapter.metadata.update({"python_version": "3.13.5", "gil_enabled": False, "load_average": [1.4, 1, 1]})
    twice = example([("attribute", 2, [4.5, 4.57, 4.7], [1.0] * 3)])
    twice.update(load_average=[3.2, 1, 1], warmups=1)
    c = sz.example_verdict(twice, [chapter], 2, label="ft", n=100_000)
    assert c.state == "contradicted" and c.title.startswith("The example on this page disagrees")
    assert "apart by 2.1×" in c.text and "same side of 1.25×" in c.text
    assert "load average 3.2 when the script started, 1.4 when the chapter" in c.text
    assert "the repeats (3 in the script, 5 in the chapter)" in c.text
    assert "What was checked" in c.markdown() and "The usual claim does not hold" not in c.markdown()
    assert "the interpreter" not in c.text  # the same build
    opposite = example([("attribute", 2, [1.0, 1.0, 1.0], [1.0, 1.0, 1.0])])
    assert "not even put every workload on the same side" in sz.example_verdict(
        opposite, [chapter], 2, label="ft", n=100_000).text


def test_example_verdict_names_a_different_count_per_workload():
    chapter = made_suite(SLOW, ONE, "random")
    chapter.timings[:] = [Timing(t.workload, t.mode, t.workers, t.values, t.warmups, {"n": 40_000})
                          for t in chapter.timings]
    run = example([("random", 2, [9.0] * 3, [1.0] * 3)])
    c = sz.example_verdict(run, [chapter], 2, label="ft", n=100_000)
    assert "random: 100,000 in the script, 40,000 in the chapter" in c.text
    with pytest.raises(ValueError, match="no workload"):
        sz.example_verdict(example([("method", 2, [1.0] * 3, [1.0] * 3)]), [chapter], 2, label="ft", n=1)


# -- invariants on made-up results ---------------------------------------------------------


def scaling_suite(one: float, two: float) -> Suite:
    suite = Suite(metadata={"usable_cpus": 2})
    for k, t in ((1, one), (2, two)):
        suite.add(Timing("attribute", "per-thread", k, (t,) * 5))
        suite.add(Timing("attribute", "shared", k, (t,) * 5))
    return suite


def test_contention_invariants_allow_up_to_linear_scaling():
    (inv,) = sz.contention_invariants(scaling_suite(1.0, 0.55), tag="ft: ")
    assert inv.holds and inv.key == "ft: attribute-scaling"


def test_contention_invariants_break_beyond_the_cores():
    (inv,) = sz.contention_invariants(scaling_suite(1.0, 0.2))
    assert not inv.holds and "2.50 of linear" in inv.cause


def test_memory_invariants_both_ways():
    grew = {"ft": [{"start_kib": 1000, "peak_kib": 21000, "objects": 200_000}]}
    flat = {"ft": [{"start_kib": 1000, "peak_kib": 1004, "objects": 200_000}]}
    assert sz.memory_invariants(grew)[0].holds
    assert not sz.memory_invariants(flat)[0].holds


def test_pause_invariants_both_ways():
    ok = {"busy_gap_s": [0.001] * 5, "collect_gap_s": [0.05] * 5, "collect_s": [0.05] * 5, "switch_interval_s": 0.005}
    long = {**ok, "collect_gap_s": [0.5] * 5}
    assert sz.pause_invariants(ok)[0].holds
    assert not sz.pause_invariants(long)[0].holds


def test_memory_rows_print_one_number_for_a_range_that_is_a_point():
    same = {"ft": [{"start_kib": 1024, "peak_kib": 2048, "maxrss_kib": 2048, "source": "VmHWM"}] * 3}
    (row,) = sz.memory_rows(same)
    assert row["range over the 3 children (MiB)"] == "2.0"
    spread = {"ft": [{"start_kib": 1024, "peak_kib": p, "maxrss_kib": p, "source": "VmHWM"} for p in (2048, 3072)]}
    assert sz.memory_rows(spread)[0]["range over the 2 children (MiB)"] == "2.0 – 3.0"


def test_rows_show_the_merge_where_there_was_one():
    suite = made_suite([2.0] * 3, [1.0] * 3, "list-append")
    (row,) = sz.contention_rows({"b": suite}, ["list-append"])
    assert row["2 threads: per-thread → shared"] == "1000.0 → 2000.0 ms (2.00×); merge 1.0 ms"


def test_race_invariants_both_ways():
    assert sz.race_invariants(race("failed", 5_000))[0].holds
    assert not sz.race_invariants(race("failed", 500_000))[0].holds
    assert not sz.race_invariants(race("passed", 7))[0].holds


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
    assert "merge afterwards (ms)" not in rows[0]  # nothing was merged in this made-up suite
    series = sz.ratio_series({"b": suite.to_dict()}, ["attribute", "method"])
    assert [s[0] for s in series] == ["b, 1 thread", "b, 2 threads"]
    assert series[0][1] == [2.0, 2.0] and series[0][2] == [(2.0, 2.0), (2.0, 2.0)]


# -- the reader's example -----------------------------------------------------------------

ROW = re.compile(r"^(attribute|list-append|random)\s+(\d+)\s+\d+\.\d ms\s+\d+\.\d ms\s+\d+\.\d ms\s+\d+\.\d\dx"
                 r"\s+\d+\.\d\dx$", re.M)


@pytest.mark.example("what_serializes.py")
def test_example_prints_per_thread_against_shared(run_example):
    out = run_example("what_serializes.py", "--count", "5000", "--threads", "1,2", "--repeats", "1").stdout
    assert "default build, GIL on" in out and "At 1 thread both modes do the same operations" in out
    assert sorted((m.group(1), int(m.group(2))) for m in ROW.finditer(out)) == [
        ("attribute", 1), ("attribute", 2), ("list-append", 1), ("list-append", 2), ("random", 1), ("random", 2)]


@pytest.mark.example("what_serializes.py")
def test_example_writes_its_repeats_as_json(tmp_path):
    text, data = sz.reader_example(None, count=3_000, threads=[1, 2], repeats=2)
    assert len(ROW.findall(text)) == 6
    assert data["count"] == 3_000 and data["free_threaded"] is False
    row = next(r for r in data["results"] if r["workload"] == "list-append" and r["threads"] == 2)
    assert len(row["per_thread_s"]) == len(row["merge_s"]) == len(row["shared_s"]) == 2
    assert all(m > 0 for m in row["merge_s"])  # a list of every item was built after the join
    assert len(row["per_thread_cpu_s"]) == len(row["shared_cpu_s"]) == 2 and min(row["shared_cpu_s"]) > 0
    assert "At 1 thread both modes do the same operations" in text


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


# -- fix round: a baseline that failed to scale, the single-thread penalty, pause and memory prose ----


def free_suite(one: float, two: float, shared_two: float, workload: str = "dict-store") -> Suite:
    """A free-threaded suite whose per-thread run took *one* s on 1 thread and *two* s on 2."""
    suite = Suite(metadata={"usable_cpus": 2, "gil_enabled": False, "python_version": "3.13.5"})
    for k, own, shared in ((1, one, one), (2, two, shared_two)):
        suite.add(Timing(workload, "per-thread", k, (own,) * 5))
        suite.add(Timing(workload, "shared", k, (shared,) * 5))
        suite.add(Timing(workload, "merge", k, (0.001,) * 5))
    return suite


def test_baseline_scales_only_when_more_threads_are_not_slower():
    assert sz.baseline_scales(free_suite(7.8e-3, 4.0e-3, 9e-3), "dict-store", 2)
    assert not sz.baseline_scales(free_suite(7.8e-3, 9.5e-3, 9.9e-3), "dict-store", 2)
    gil = free_suite(7.8e-3, 9.5e-3, 9.9e-3)
    gil.metadata["gil_enabled"] = True  # with a GIL nothing runs in parallel: no such invariant
    assert sz.baseline_scales(gil, "dict-store", 2)


def test_the_per_thread_invariant_breaks_when_the_baseline_got_slower():
    good = {i.key: i for i in sz.contention_invariants(free_suite(7.8e-3, 4.0e-3, 9e-3))}
    assert good["dict-store-per-thread-not-slower"].holds
    bad = {i.key: i for i in sz.contention_invariants(free_suite(7.8e-3, 9.5e-3, 9.9e-3))}
    inv = bad["dict-store-per-thread-not-slower"]
    assert not inv.holds and "9.5 ms on 2 threads against 7.8 ms on 1" in inv.cause


def test_locks_verdict_says_a_ratio_over_a_baseline_that_failed_to_scale_is_not_evidence():
    # as in the fresh reader's build: dict-store 7.8 ms on 1 thread, 9.5 on 2; ratio 1.05x "not slower"
    suite = free_suite(7.5e-3, 4.3e-3, 10e-3, "list-append")
    for t in free_suite(7.8e-3, 9.5e-3, 9.9e-3).timings:
        suite.add(t)
    c = sz.locks_verdict(suite, 2, label="ft")
    assert c.state == "undecided"
    assert "dict-store 1.04×, not evidence: its per-thread baseline took 9.5 ms on 2 threads" in c.text
    assert "not slower" not in c.text and "the per-thread baseline of dict-store failed to scale" in c.text
    assert "straddles" not in c.text
    fine = free_suite(7.5e-3, 4.3e-3, 10e-3, "list-append")
    for t in free_suite(7.8e-3, 4.0e-3, 4.1e-3).timings:
        fine.add(t)
    assert sz.locks_verdict(fine, 2, label="ft").state == "contradicted"  # a sound baseline: a real 1.03x


def test_verdicts_give_the_other_thread_counts_figures():
    suite = free_suite(1.0, 0.5, 1.5, "list-append")
    suite.add(Timing("list-append", "per-thread", 4, (0.5,) * 5))
    suite.add(Timing("list-append", "shared", 4, (1.0,) * 5))
    suite.add(Timing("list-append", "merge", 4, (0.001,) * 5))
    for t in free_suite(1.0, 0.5, 1.5).timings:
        suite.add(t)
    suite.add(Timing("dict-store", "per-thread", 4, (0.5,) * 5))
    suite.add(Timing("dict-store", "shared", 4, (1.005,) * 5))
    suite.add(Timing("dict-store", "merge", 4, (0.001,) * 5))
    c = sz.locks_verdict(suite, 2, label="ft")
    assert "at 4 threads: list-append 2.00×, dict-store 2.01×" in c.text


def test_stdlib_verdict_undecided_over_a_baseline_that_failed_to_scale():
    c = sz.stdlib_verdict(free_suite(2.5e-3, 3.0e-3, 9.0e-3, "random"), "random", 2, label="ft")
    assert c.state == "undecided" and "failed to scale" in c.text and "cannot show what sharing costs" in c.text


def test_single_thread_text_computes_the_penalty_from_the_one_thread_rows():
    def one(times: dict[str, float], gil: bool) -> Suite:
        s = Suite(metadata={"python_version": "3.13.5", "gil_enabled": gil})
        for w, t in times.items():
            s.add(Timing(w, "per-thread", 1, (t,) * 5))
            s.add(Timing(w, "per-thread", 2, (t / 2,) * 5))
        return s

    ft = one({"attribute": 5.8, "method": 10.2}, False)
    gil = one({"attribute": 2.7, "method": 4.1}, True)
    text = sz.single_thread_text([ft], [gil], label="ft", other="gil")
    assert "ft took 2.15–2.49× as long as gil (attribute 2.15×, method 2.49×" in text
    assert "specializing adaptive interpreter" in text and "pycore_code.h" in text and "3.14" in text
    assert "load average unknown and unknown" in text  # the made-up suites recorded no load
    same = sz.single_thread_text([one({"attribute": 1.0}, False)], [one({"attribute": 1.0}, True)],
                                 label="ft", other="gil")
    assert "1.00× as long" in same and "specializing" not in same
    assert sz.single_thread_text([Suite(metadata={})], [gil], label="ft", other="gil") == ""


def test_pause_note_says_outlasted_only_beyond_the_printed_precision():
    spanned = {"busy_gap_s": [1e-4] * 5, "collect_gap_s": [0.04692] * 5, "collect_s": [0.04690] * 5}
    note = sz.pause_note(spanned)
    assert "outlasted" not in note and "as long as each other within the ticker's 100 µs resolution" in note
    assert "+0.02 ms in the median repeat" in note


def test_collection_times_text_compares_the_collectors_and_the_switch_interval():
    ft = {"collect_s": [0.0469] * 5, "collect_gap_s": [0.0469] * 5, "busy_gap_s": [1e-4] * 5}
    gil = {"collect_s": [0.0921] * 5, "collect_gap_s": [0.0870] * 5, "busy_gap_s": [0.0053] * 5,
           "switch_interval_s": 0.005}
    text = sz.collection_times_text(ft, gil, label="ft", other="gil")
    assert "46.9 ms on ft and 92.1 ms on gil (medians; 0.51×)" in text and "gc_free_threading.c" in text
    assert "by 5.1 ms, about one switch interval (5 ms)" in text
    far = sz.collection_times_text(ft, {**gil, "collect_gap_s": [0.05] * 5}, label="ft", other="gil")
    assert "switch interval" not in far


def test_memory_source_text_gives_every_builds_start_and_explains_a_lower_ru_maxrss():
    runs = {"ft": [{"source": "VmHWM", "start_kib": 27443, "maxrss_start_kib": 110285, "peak_kib": 138445,
                    "maxrss_kib": 138445}] * 3,
            "gil": [{"source": "VmHWM", "start_kib": 22733, "maxrss_start_kib": 110285, "peak_kib": 124109,
                     "maxrss_kib": 124009}] * 3}
    text = sz.memory_source_text(runs)
    assert "ft: `ru_maxrss` 107.7 MiB, `VmHWM` 26.8 MiB; gil: `ru_maxrss` 107.7 MiB, `VmHWM` 22.2 MiB" in text
    assert "up to 100 KiB below it" in text and "read first" in text
    runs["gil"] = runs["ft"]
    assert "below it" not in sz.memory_source_text(runs)


# -- round 4: the ticker's floor is a bound, and a gap is compared with its collection precisely ----------


def test_a_gap_at_the_tickers_floor_makes_the_ratio_a_lower_bound():
    # as in the quiet build: no gap over the 0.1 ms floor in 2 of 5 busy windows, so 48.1 / 0.1 = 481x is a bound
    r = {"resolution_s": 1e-4, "busy_gap_s": [1e-4, 3e-4, 1e-4, 5.2e-4, 2.6e-4],
         "collect_gap_s": [0.04814, 0.04809, 0.04812, 0.0482, 0.04807], "collect_s": [0.04808, 0.04811, 0.04806,
                                                                                   0.04812, 0.04801]}
    assert sz.floored(r) == 2
    c = sz.pause_verdict(r, label="FT")
    assert c.holds and "to at least 481×; in 2 of 5 repeats no gap without a collection exceeded" in c.text
    assert "(93–481×)" not in c.text
    assert "48.12 ms, 100% of the collection's 48.08 ms" in c.text and "against 0.26 ms" in c.text
    assert sz.pause_rows({"FT": {**r, "gil_enabled": False}})[0]["gc.collect() (ms)"] == "48.08"
    # measured above the floor everywhere: a plain interval
    clean = {**r, "busy_gap_s": [2e-4, 3e-4, 2.5e-4, 5.2e-4, 2.6e-4]}
    assert "at least" not in sz.pause_verdict(clean).text
    # a floored median: the busy gap prints as under the floor, in the table too
    low = {**r, "busy_gap_s": [1e-4, 1e-4, 1e-4, 5.2e-4, 2.6e-4], "gil_enabled": False}
    assert "at least 481× (at least" in sz.pause_verdict(low).text
    assert sz.pause_rows({"FT": low})[0]["longest gap, no collection (ms)"] == "<0.10"


def test_pause_note_gives_the_difference_with_its_sign_and_says_when_it_is_within_the_resolution():
    # the quiet build: the gap 0.06 ms longer in the median repeat, shorter in one
    r = {"resolution_s": 1e-5, "busy_gap_s": [3e-4] * 5,
         "collect_gap_s": [0.04814, 0.04817, 0.04812, 0.04800, 0.04807],
         "collect_s": [0.04808, 0.04811, 0.04806, 0.04812, 0.04801]}
    note = sz.pause_note(r)
    assert "outlasted the collection (by 0.06 ms in the median repeat in 4 of 5 repeats; in 1 it was" in note
    assert "from −0.12 to +0.06 ms over the repeats" in note
    within = {**r, "resolution_s": 1e-4}
    assert "as long as each other within the ticker's 100 µs resolution" in sz.pause_note(within)
    short = {**r, "collect_gap_s": [0.0470] * 5}
    assert sz.pause_note(short) == ""  # shorter in every repeat: 98%, printed apart, nothing to square
    mostly = {**r, "collect_gap_s": [0.0470] * 3 + [0.0490] * 2, "collect_s": [0.048] * 5}
    assert "fell short of the collection (by 1.0 ms in the median repeat" in sz.pause_note(mostly)


def test_gc_pause_records_its_resolution(no_leaked_threads):
    r = sz.gc_pause(heap=2_000, repeats=1)
    assert r["resolution_s"] == sz.GAP_RESOLUTION and min(r["busy_gap_s"]) >= sz.GAP_RESOLUTION


# -- round 4: why one shared logging handler cost little, and when a QueueHandler helps --------------------


def logging_suite(shared: list[float], private: list[float], share: float | None = 0.03) -> Suite:
    suite = made_suite(shared, private, "logging")
    if share is not None:
        suite.metadata["logging_lock_share"] = [
            {"record_s": 10e-6, "locked_s": 10e-6 * share * f, "share": share * f} for f in (0.9, 1.0, 1.1, 1.0, 1.0)]
    return suite


def test_logging_verdict_gives_the_locks_share_of_a_record_and_cites_the_source():
    c = sz.stdlib_verdict(logging_suite([1.2] * 5, [1.0] * 5), "logging", 2, label="ft")
    assert c.state == "contradicted"
    assert "Why it cost so little: `Handler.handle` holds the handler's lock only around `emit`" in c.text
    assert "v3.13.5/Lib/logging/__init__.py#L1011-L1028" in c.text
    assert "the locked part took 0.30 µs of a record's 10.00 µs, 3% over the repeats" in c.text
    assert "so 2 threads would hold it 6% of the time between them" in c.text
    held = sz.stdlib_verdict(logging_suite(SLOW, ONE), "logging", 2, label="ft")
    assert held.state == "holds" and "The lock covers only part of a record" in held.text
    # older results without the measurement: no reason is made up
    bare = sz.stdlib_verdict(logging_suite([1.2] * 5, [1.0] * 5, share=None), "logging", 2, label="ft")
    assert "Handler.handle" not in bare.text and sz.lock_share(bare.evidence and Suite()) is None


def test_logging_advice_is_conditional_on_what_was_measured():
    small = sz.logging_advice_text(logging_suite([1.2] * 5, [1.0] * 5), 2)
    assert "here, where `emit` only counted, its lock held for 3% of a record, one shared handler cost 1.20×" in small
    assert "under 1.25×" in small and "holds its lock for the whole write" in small and "QueueListener" in small
    took_turns = logging_suite([1.2] * 5, [1.0] * 5)
    took_turns.metadata["gil_enabled"] = False  # and a one-thread run the 2-thread one does not beat
    took_turns.add(Timing("logging", "per-thread", 1, (1.0,) * 5))
    took_turns.add(Timing("logging", "shared", 1, (1.0,) * 5))
    assert "not evidence in this run" in sz.logging_advice_text(took_turns, 2)
    big = sz.logging_advice_text(logging_suite(SLOW, ONE), 2)
    assert "cost 3.00× (3.00–3.10×) on 2 threads even though `emit` only counted" in big
    assert "under 1.25×" not in big


def test_logging_lock_share_times_the_locked_part_and_the_whole_record():
    runs = sz.logging_lock_share(records=200, repeats=2)
    assert len(runs) == 2 and all(r["locked_s"] > 0 and r["share"] > 0 and r["record_s"] > 0 for r in runs)
    assert "logging_lock_share" in sz.stdlib_shared(n=200, threads=[1], repeats=5, warmups=0)["metadata"]


# -- round 4: the step cost is measured repeatedly, and the probes' single counts are set beside it -------


def steps_of(*counts: int) -> dict:
    return {"steps": list(counts), "elapsed_s": [0.2] * len(counts), "seconds": 0.2}


def test_probe_steps_text_decides_on_repeated_runs_and_places_the_probes_single_counts():
    probes = {"FT": {"pydll": {"lines": ["main thread: ran 1,444,650 loop steps meanwhile"]},
                     "cdll": {"lines": ["main thread: ran 1,209,519 loop steps meanwhile"]}},
              "GIL": {"pydll": {"lines": []}, "cdll": {"lines": ["main thread: ran 1,795,137 loop steps meanwhile"]}}}
    steps = {"FT": steps_of(1_400_000, 1_300_000, 1_450_000, 1_420_000, 1_380_000),
             "GIL": steps_of(1_800_000, 1_790_000, 1_820_000, 1_810_000, 1_700_000)}
    text = sz.probe_steps_text(probes, steps, label="FT", other="GIL")
    assert "run 5 times for 0.2 s" in text and "1,800,000 (1,790,000–1,810,000) steps on GIL" in text
    assert "a step took 1.29× (1.26–1.31×) as long without the GIL" in text
    assert "1,444,650 on FT, PyDLL" not in text  # each count named once, in the sentence that places it
    # 1,209,519 is below FT's lowest repeated run
    assert ("1,444,650 (FT, PyDLL) and 1,795,137 (GIL, CDLL) lie within their build's repeated runs, "
            "1,209,519 (FT, CDLL) outside its") in text  # each probe named inside or outside, not "2 of 3"
    # the reader's case: one inside, two outside
    two_out = {**probes, "GIL": {"pydll": {"lines": []}, "cdll": {"lines": ["main thread: ran 1,900,000 loop "
                                                                             "steps meanwhile"]}}}
    assert ("1,444,650 (FT, PyDLL) lies within its build's repeated runs, 1,209,519 (FT, CDLL) and 1,900,000 "
            "(GIL, CDLL) outside theirs") in sz.probe_steps_text(two_out, steps, label="FT", other="GIL")
    assert "The two probes of FT ran the same loop 1.19× apart, more than the 10%" in text
    assert "Their CDLL counts give 1.48× (GIL over FT), against 1.29× from the repeated runs" in text
    close = {**probes, "FT": {**probes["FT"], "pydll": {"lines": ["main thread: ran 1,250,000 loop steps meanwhile"]}}}
    assert "ran the same loop" not in sz.probe_steps_text(close, steps, label="FT", other="GIL")
    low = {"FT": {"cdll": {"lines": ["main thread: ran 1,000,000 loop steps meanwhile"]}}}
    assert "(1,000,000 on FT, CDLL): none within" in sz.probe_steps_text(low, steps, label="FT", other="GIL")
    assert sz.probe_steps_text(probes, {"FT": steps["FT"]}, label="FT", other="GIL") == ""


def test_the_probe_runs_the_loop_that_loop_steps_repeats():
    import inspect

    body = inspect.getsource(sz._busy).split("\n", 1)[1]  # the loop, without the def line
    assert body.strip() in sz._PROBE
    r = sz.loop_steps(seconds=0.01, repeats=2)
    assert len(r["steps"]) == 2 and min(r["steps"]) > 0 and min(r["elapsed_s"]) >= 0.01
    made = {"steps": [100, 120], "elapsed_s": [0.01, 0.0101], "seconds": 0.01}
    assert all(i.holds for i in sz.steps_invariants(made))
    assert not sz.steps_invariants({**made, "elapsed_s": [0.01, 0.05]})[0].holds
    assert not sz.steps_invariants({**made, "steps": [0, 120]})[0].holds


def test_pause_note_says_when_the_printed_medians_differ_by_another_amount():
    # as in the second build: the medians differ by another amount than the median repeat's gap and collection
    r = {"resolution_s": 1e-5, "busy_gap_s": [0.012] * 5, "collect_gap_s": [0.1201, 0.1300, 0.1161, 0.1215, 0.1101],
         "collect_s": [0.1207, 0.1189, 0.1167, 0.1261, 0.1096]}
    note = sz.pause_note(r)
    assert "fell short of the collection (by 0.60 ms in the median repeat" in note
    assert "the two medians above differ by +1.2 ms, as they come from different repeats" in note
    same = {**r, "collect_gap_s": [c - 0.0006 for c in r["collect_s"]]}
    assert "two medians above" not in sz.pause_note(same)
