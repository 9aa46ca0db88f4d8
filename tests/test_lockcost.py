from __future__ import annotations

import sys

from gilref.core.results import Suite, Timing
from gilref.interp.child import call
from gilref.topics import lockcost


def test_measure_times_every_loop_in_nanoseconds():
    suite = lockcost.measure(2000, repeats=5, warmups=0)
    assert [t.mode for t in suite.timings] == list(lockcost.LOOPS)
    for t in suite.timings:
        assert t.unit == "ns" and len(t.values) == 5 and all(v > 0 for v in t.values)
        assert t.params["iterations"] == 2000
    sm = lockcost.summary(suite)
    assert set(sm) >= {"pair_ns", "locked_ratio", "increment_ns", "loop_ns"}
    # A loop that also takes a lock does strictly more work than the same loop without it.
    assert sm["locked_increment_loop_ns"] > 0 and sm["increment_loop_ns"] > 0


def test_the_loops_do_what_they_say():
    lock = __import__("threading").Lock()
    assert lockcost.LOOPS["increment"](10, lock) == 10
    assert lockcost.LOOPS["locked_increment"](10, lock) == 10
    assert not lock.locked()


def test_profile_runs_in_a_child_interpreter():
    out = call(sys.executable, "gilref.topics.lockcost:profile",
               {"n": 2000, "countdown_n": 1000, "repeats": 5}, timeout=120)
    assert out["countdown"]["median"] > 0 and out["summary"]["loop_ns"] > 0
    assert out["free_threaded"] is False
    assert lockcost.profile(2000, 0, repeats=5)["countdown"] is None  # the countdown left to another chapter


# -- verdicts and invariants on made-up results ------------------------------------------

def made_up(ns: dict[str, float], spread: float = 0.01) -> Suite:
    s = Suite(metadata={})
    for name in lockcost.LOOPS:
        m = ns[name]
        s.add(Timing(lockcost.WORKLOAD, name, 1, tuple(m * (1 + spread * k) for k in (-2, -1, 0, 1, 2)),
                     params={"iterations": 500_000}, unit="ns"))
    return s


SOUND = {"empty": 10.0, "acquire_release": 40.0, "with_lock": 45.0, "increment": 20.0, "locked_increment": 60.0}


def test_locked_loop_verdict_three_ways():
    held = lockcost.locked_loop_verdict(made_up(SOUND))
    # the loop measured takes `with lock:` (35 ns beyond the loop here), not the bare pair (30 ns)
    assert held.state == "holds"
    assert "`with lock:` block it adds (35.0 ns per step on top of the empty loop)" in held.text
    cheap = lockcost.locked_loop_verdict(made_up({**SOUND, "locked_increment": 26.0}))
    assert cheap.state == "contradicted" and "1.30×" in cheap.text
    assert lockcost.locked_loop_verdict(made_up({**SOUND, "locked_increment": 36.0}, spread=0.05)).state == "undecided"


def test_lock_invariants_hold_or_name_the_loop_that_broke():
    assert [i.key for i in lockcost.lock_invariants(made_up(SOUND)) if not i.holds] == []
    odd = made_up({**SOUND, "locked_increment": 15.0})
    assert [i.key for i in lockcost.lock_invariants(odd) if not i.holds] == [
        "more-work-locked-increment-increment", "more-work-locked-increment-with-lock"]


def cost(ratio: float, spread: float = 0.01, objects: float | None = None) -> Suite:
    s = Suite(metadata={})
    for w in ("countdown", "objects"):
        for mode, m in (("default-build", 1.0), ("free-threaded", ratio if w == "countdown" or objects is None
                                                 else objects)):
            s.add(Timing(w, mode, 1, tuple(m * (1 + spread * k) for k in (-2, -1, 0, 1, 2)), params={"n": 1}))
    return s


def test_ft_single_verdict_three_ways():
    assert lockcost.ft_single_verdict(cost(2.0), "3.13", "3.13t").state == "holds"
    short = lockcost.ft_single_verdict(cost(1.3), "3.13", "3.13t", source="the free-threading chapter")
    assert short.state == "contradicted" and "at least 30% slower" in short.text
    assert "measured in the free-threading chapter" in short.text
    assert lockcost.ft_single_verdict(cost(1.6, spread=0.05), "3.13", "3.13t").state == "undecided"
    assert "more than twice" in lockcost.ft_single_verdict(cost(3.0), "3.13", "3.13t").text
    mixed = lockcost.ft_single_verdict(cost(1.22, objects=1.9), "3.13", "3.13t")
    # a split is no undecided run: as a general claim about single-threaded code it does not hold
    assert mixed.state == "contradicted"
    assert ("within the 1.6–2.5× counted here as about twice as slow on the object workload, but well short of "
            "twice as slow on the countdown") in mixed.text
    assert mixed.text.startswith("**The free-threaded build on one thread:**")
    assert "free-threaded build" in mixed.statement
    assert "no general rule: the cost depends on the code" in mixed.text
    assert "short of the twofold" not in mixed.text
    # one workload straddling a bound and none outside: the run cannot tell
    edge = lockcost.ft_single_verdict(cost(1.6, spread=0.05, objects=2.0), "3.13", "3.13t")
    assert edge.state == "undecided"


def test_build_rows_read_the_countdown_from_the_cost_suite():
    profiles = {"3.13": {"summary": {"pair_ns": 30.0, "with_ns": 60.0, "locked_ratio": 3.0}},
                "3.13t": {"summary": {"pair_ns": 35.0, "with_ns": 70.0, "locked_ratio": 2.5}}}
    rows = lockcost.build_rows(cost(1.3), profiles, [("default-build", "3.13"), ("free-threaded", "3.13t")])
    assert rows[1]["vs default build"] == "1.30× (1.27–1.33×)" and rows[0]["lock pair (ns)"] == "30.0"
    assert rows[1]["with lock: (ns)"] == "70.0"


HOST = {"pair_ns": 72.4, "with_ns": 152.0, "increment_ns": 11.8, "locked_ratio": 7.47}
NEWER = {"python": "3.13.5", "summary": {"pair_ns": 33.1, "with_ns": 80.0, "increment_ns": 15.0,
                                         "locked_ratio": 4.95}}


def test_version_note_compares_the_host_with_the_pair_and_says_why_the_lock_got_cheaper():
    note = lockcost.version_note(HOST, "3.11.7", NEWER, "CPython 3.13.5")
    assert "33.1 ns against 72.4 ns on the host's Python 3.11.7" in note
    assert "4.95× the plain one there against 7.47× here" in note
    assert "PyMutex" in note and "pull/125116" in note
    # before 3.13.1 both builds wrap the platform's lock: no PyMutex to credit
    older = lockcost.version_note(HOST, "3.11.7", {**NEWER, "python": "3.13.0"}, "CPython 3.13.0")
    assert older and "PyMutex" not in older
    # a dearer lock on the newer version is not put down to PyMutex either
    dearer = lockcost.version_note(HOST, "3.11.7", {"python": "3.13.5", "summary": {**NEWER["summary"],
                                                                                   "pair_ns": 90.0}}, "3.13.5")
    assert "PyMutex" not in dearer
    assert lockcost.version_note(HOST, "3.13.5", NEWER, "CPython 3.13.5") == ""


def test_order_note_explains_a_loop_that_came_out_faster_than_one_doing_less():
    assert lockcost.order_note(made_up(SOUND)) == ""
    noisy = lockcost.order_note(made_up({**SOUND, "with_lock": 62.0}, spread=0.05))
    assert "`locked increment` loop (60.0 ns) came out faster than the `with lock` loop" in noisy
    assert "timing noise" in noisy
    apart = lockcost.order_note(made_up({**SOUND, "with_lock": 90.0}))
    assert "do not even overlap" in apart


def test_with_versus_pair_explains_a_dearer_with_block_and_only_then():
    dearer = lockcost.with_versus_pair(made_up({**SOUND, "with_lock": 80.0}))
    assert "(70.0 ns on top of the empty loop) costs more than the bare" in dearer and "BEFORE_WITH" in dearer
    assert "__exit__(None, None, None)" in dearer and lockcost.WITH_SOURCE_URL in dearer
    same = lockcost.with_versus_pair(made_up({**SOUND, "with_lock": 41.0}))
    assert "about what the bare" in same and "BEFORE_WITH" not in same
    held = lockcost.locked_loop_verdict(made_up({**SOUND, "with_lock": 80.0, "locked_increment": 100.0}))
    assert held.state == "holds" and "BEFORE_WITH" in held.text
    assert "both in C" not in held.text  # the old non-explanation


def test_builds_note_names_builds_without_paths():
    note = lockcost.builds_note(["CPython 3.13.5 (GIL)", "CPython 3.13.5 free-threaded"], "newest pair", "")
    assert "/" not in note and "CPython 3.13.5 (GIL) and CPython 3.13.5 free-threaded, each" in note
    assert "taking turns" in note
    assert "are those of the other chapter." in lockcost.builds_note(["a"], "r", "the other chapter")


def test_profile_carries_the_interpreters_metadata_for_the_chart_footer():
    out = lockcost.profile(2000, 0, repeats=5)
    assert out["metadata"]["python_version"] and "gil_enabled" in out["metadata"]


def test_version_note_names_the_loop_regression_for_a_dearer_increment_after_3_11():
    note = lockcost.version_note(HOST, "3.11.7", NEWER, "CPython 3.13.5")  # 15.0 ns against 11.8 ns
    assert "The increment got dearer from 3.11.7 to 3.13.5" in note and lockcost.LOOP_REGRESSION_URL in note
    cheaper = {**NEWER, "summary": {**NEWER["summary"], "increment_ns": 10.0}}
    assert "123540" not in lockcost.version_note(HOST, "3.11.7", cheaper, "CPython 3.13.5")
    assert "123540" not in lockcost.version_note(HOST, "3.12.1", {**NEWER, "python": "3.13.5"}, "3.13.5")


def test_ft_single_verdict_gives_the_scaling_runs_figure_only_when_it_differs():
    def seq(t: float) -> Suite:
        s = Suite(metadata={})
        s.add(Timing("countdown", "sequential", 1, tuple(t * (1 + 0.01 * k) for k in (-2, -1, 0, 1, 2)),
                     params={"n": 10}))
        return s

    apart = lockcost.ft_single_verdict(cost(1.23), "3.13", "3.13t", source="X", sequential=(seq(1.0), seq(1.34)))
    assert ("In that chapter's scaling run, one process per build, the countdown came out at 1.34× (1.31–1.37×); "
            "that chapter says what separates the two figures.") in apart.text
    # the object workload's figure and where both were measured close the first sentence, before the aside
    assert "the time of 3.13, and the object workload at " in apart.text
    first, _, rest = apart.text.partition(" In that chapter's scaling run")
    assert ", both measured in X" in first and "object workload" not in rest
    assert apart.text.endswith("separates the two figures.")
    near = lockcost.ft_single_verdict(cost(1.23), "3.13", "3.13t", source="X", sequential=(seq(1.0), seq(1.24)))
    assert "scaling run" not in near.text


def test_locked_loop_verdict_names_python_level_locks_and_the_empty_loop():
    held = lockcost.locked_loop_verdict(made_up({**SOUND, "with_lock": 80.0, "locked_increment": 100.0}))
    assert held.text.startswith("**A lock taken from Python code: at least twice as slow, here.**")
    assert "on top of the empty loop" in held.text and "Python code" in held.statement
