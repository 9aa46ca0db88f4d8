"""What still serializes: the dict-store workload's key mask, a constant every thread shared by
accident (its verdict and invariants on made-up results), and the per-thread baseline's rule for
more threads than CPUs."""

from __future__ import annotations

import sys

import pytest

from gilref.core.results import Suite, Timing
from gilref.topics import serializes as sz

MS = 1e-3


def probe_suite(own: dict[int, float], const: dict[int, float], *, immortal: bool | None = False,
                gil: bool = False, spread: float = 0.0) -> Suite:
    """A made-up :func:`sz.constant_probe` result: per thread count, the two workloads' times in s
    (five repeats, *spread* apart as a fraction of the time)."""
    meta = {"usable_cpus": 2, "gil_enabled": gil, "python_version": "3.13.5"}
    if immortal is not None:
        meta["constant_immortal"] = immortal
    suite = Suite(metadata=meta)
    for w, times in zip(sz.CONSTANT_WORKLOADS, (own, const)):
        for k, t in times.items():
            values = tuple(t * (1 + spread * d) for d in (-2, -1, 0, 1, 2))
            suite.add(Timing(w, "per-thread", k, values))
            suite.add(Timing(w, "merge", k, (0.5 * MS,) * 5))
    return suite


# -- the workloads ------------------------------------------------------------------------


def test_both_dict_store_workloads_make_the_same_stores():
    assert sz._dict_store({}, 10_000) == sz._dict_store_constant({}, 10_000)
    assert len(sz._dict_store({}, 10_000)) == sz.DICT_KEYS


def test_dict_store_loads_no_int_constant_beyond_the_small_ints():
    """Small ints (-5..256) are immortal everywhere; any larger int constant would be one object all
    threads share, which is what made the per-thread baseline fail to scale."""
    big = [c for c in sz._dict_store.__code__.co_consts if isinstance(c, int) and not -5 <= c <= 256]
    assert big == []
    assert sz.DICT_KEYS - 1 in sz._dict_store_constant.__code__.co_consts  # the probe keeps the shared one


def test_constant_is_immortal_asks_the_interpreter(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "_is_immortal", lambda obj: True, raising=False)
    assert sz.constant_is_immortal() is True
    monkeypatch.setattr(sys, "_is_immortal", lambda obj: False, raising=False)
    assert sz.constant_is_immortal() is False


def test_constant_is_immortal_falls_back_to_the_reference_count(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delattr(sys, "_is_immortal", raising=False)
    monkeypatch.setattr(sys, "getrefcount", lambda obj: 4)
    assert sz.constant_is_immortal() is False
    monkeypatch.setattr(sys, "getrefcount", lambda obj: 2**32 - 1)
    assert sz.constant_is_immortal() is True


def test_constant_probe_measures_both_workloads_per_thread_only():
    suite = Suite.from_dict(sz.constant_probe(n=2_000, threads=(1, 2), repeats=5, warmups=0))
    assert {(t.workload, t.mode, t.workers) for t in suite.timings if t.mode == "per-thread"} == {
        (w, "per-thread", k) for w in sz.CONSTANT_WORKLOADS for k in (1, 2)}
    assert isinstance(suite.metadata["constant_immortal"], bool)
    assert all(len(t.values) == 5 and min(t.values) > 0 for t in suite.timings if t.mode == "per-thread")


# -- the verdict --------------------------------------------------------------------------


def test_constant_verdict_supported_when_the_mortal_constant_slows_the_stores():
    # as measured on 3.13t: 7.8 ms on one thread, 3.8 ms on two with the mask per thread, 9.7 with the constant
    c = sz.constant_verdict(probe_suite({1: 7.8 * MS, 2: 3.8 * MS}, {1: 7.7 * MS, 2: 9.7 * MS}), 2, label="ft")
    assert c.state == "holds"
    assert "9.7 ms with the mask a constant of the code against 3.8 ms" in c.text
    assert "on one thread 7.7 and 7.8 ms" in c.text and "This constant was mortal" in c.text


def test_constant_verdict_contradicted_when_the_mortal_constant_costs_nothing():
    c = sz.constant_verdict(probe_suite({1: 7.8 * MS, 2: 3.8 * MS}, {1: 7.8 * MS, 2: 3.9 * MS}), 2, label="ft")
    assert c.state == "contradicted" and "did not slow the stores by 1.25×" in c.text


def test_constant_verdict_undecided_when_the_interval_straddles_the_ratio():
    c = sz.constant_verdict(probe_suite({1: 7.8 * MS, 2: 4.0 * MS}, {1: 7.8 * MS, 2: 5.0 * MS}, spread=0.08),
                            2, label="ft")
    assert c.state == "undecided" and "an interval that holds it" in c.text


def test_constant_verdict_claims_nothing_when_the_constant_was_immortal():
    for immortal in (True, None):  # None: a result that did not say
        c = sz.constant_verdict(probe_suite({1: 7.8 * MS, 2: 3.8 * MS}, {1: 7.8 * MS, 2: 3.9 * MS},
                                            immortal=immortal), 2, label="ft")
        assert c.state == "undecided" and "the constant was immortal in this run" in c.text


def test_constant_verdict_undecided_when_the_per_thread_mask_baseline_failed_to_scale():
    c = sz.constant_verdict(probe_suite({1: 7.8 * MS, 2: 9.5 * MS}, {1: 7.8 * MS, 2: 20 * MS}), 2, label="ft")
    assert c.state == "undecided" and "failed to scale" in c.text


def test_constant_verdict_undecided_on_one_thread():
    c = sz.constant_verdict(probe_suite({1: 7.8 * MS}, {1: 7.9 * MS}), 1, label="ft")
    assert c.state == "undecided" and "only one thread ran" in c.text


# -- the invariants -----------------------------------------------------------------------


def test_constant_invariants_hold_for_a_sound_run_even_though_the_constant_does_not_scale():
    inv = {i.key: i for i in sz.constant_invariants(probe_suite({1: 7.8 * MS, 2: 3.8 * MS},
                                                                {1: 7.7 * MS, 2: 9.7 * MS}))}
    assert all(i.holds for i in inv.values()), [k for k, i in inv.items() if not i.holds]
    assert {"dict-store-scaling", "dict-store-per-thread-not-slower", "constant-one-thread-same"} <= set(inv)
    assert not any(k.startswith("dict-store-constant") for k in inv)  # its slowdown is the measurement


def test_constant_invariants_break_when_the_per_thread_mask_got_slower():
    inv = {i.key: i for i in sz.constant_invariants(probe_suite({1: 7.8 * MS, 2: 10.3 * MS},
                                                                {1: 7.7 * MS, 2: 12 * MS}))}
    assert not inv["dict-store-per-thread-not-slower"].holds
    assert "10.3 ms on 2 threads against 7.8 ms on 1" in inv["dict-store-per-thread-not-slower"].cause


def test_constant_invariants_break_when_one_thread_differs():
    inv = {i.key: i for i in sz.constant_invariants(probe_suite({1: 7.8 * MS, 2: 3.8 * MS},
                                                                {1: 16 * MS, 2: 17 * MS}), tag="ft: ")}
    assert not inv["ft: constant-one-thread-same"].holds
    assert "7.80 ms against 16.00 ms" in inv["ft: constant-one-thread-same"].cause


# -- more threads than CPUs ---------------------------------------------------------------


def k_suite(times: dict[int, float]) -> Suite:
    suite = Suite(metadata={"usable_cpus": 2, "gil_enabled": False})
    for k, t in times.items():
        suite.add(Timing("dict-store", "per-thread", k, (t,) * 5))
        suite.add(Timing("dict-store", "shared", k, (t * 2,) * 5))
    return suite


def test_four_threads_on_two_cpus_need_only_not_be_slower_than_one():
    """The same operations split over 4 threads on 2 CPUs take about half of one thread's time at
    best, never a quarter: the rule asks only that they are not slower than one thread."""
    half = k_suite({1: 8 * MS, 2: 4.1 * MS, 4: 4.6 * MS})
    assert sz.baseline_scales(half, "dict-store", 4)
    inv = {i.key: i for i in sz.contention_invariants(half)}
    assert inv["dict-store-per-thread-not-slower"].holds and inv["dict-store-scaling"].holds
    slower = k_suite({1: 8 * MS, 2: 4.1 * MS, 4: 9.5 * MS})
    assert not sz.baseline_scales(slower, "dict-store", 4)
    assert not {i.key: i for i in sz.contention_invariants(slower)}["dict-store-per-thread-not-slower"].holds


def test_four_threads_on_two_cpus_may_not_beat_two_cpus_worth():
    quarter = k_suite({1: 8 * MS, 2: 4.1 * MS, 4: 2.0 * MS})  # 4x faster on 2 CPUs: the 1-thread runs were slowed
    assert not {i.key: i for i in sz.contention_invariants(quarter)}["dict-store-scaling"].holds


# -- threads that never ran at once ---------------------------------------------------------


def test_ran_at_once_only_when_more_threads_took_clearly_less_time():
    assert sz.ran_at_once(k_suite({1: 8 * MS, 2: 4.1 * MS}), "dict-store", 2)
    assert sz.ran_at_once(k_suite({1: 8 * MS, 4: 4.6 * MS}), "dict-store", 4)  # 4 threads on 2 CPUs
    assert not sz.ran_at_once(k_suite({1: 8 * MS, 2: 7.9 * MS}), "dict-store", 2)  # took turns on one CPU
    gil = k_suite({1: 8 * MS, 2: 7.9 * MS})
    gil.metadata["gil_enabled"] = True
    assert sz.ran_at_once(gil, "dict-store", 2)  # with a GIL they never do: no such condition


def test_constant_verdict_undecided_when_the_threads_took_turns():
    # as in a build on a busy host: 7.2 ms on one thread, 7.8 on two, 7.5 with the constant
    c = sz.constant_verdict(probe_suite({1: 7.2 * MS, 2: 7.8 * MS}, {1: 7.7 * MS, 2: 7.5 * MS}), 2, label="ft")
    assert c.state == "undecided" and "did not run at once" in c.text and "7.8 ms on 2 threads" in c.text


def test_sharing_verdicts_do_not_call_a_shared_object_free_when_the_threads_took_turns():
    suite = Suite(metadata={"usable_cpus": 2, "gil_enabled": False})
    for w in ("attribute", "method"):
        for k, own, shared in ((1, 6 * MS, 6 * MS), (2, 5.9 * MS, 6.1 * MS)):
            suite.add(Timing(w, "per-thread", k, (own,) * 5))
            suite.add(Timing(w, "shared", k, (shared,) * 5))
    c = sz.refcount_verdict(suite, 2, label="ft")
    assert c.state == "undecided"  # a 1.03x ratio, but nothing ran at once: no evidence either way
    assert "attribute 1.03×, not evidence: in 5 of its 5 runs (runs 1, 2, 3, 4 and 5) its threads did not run" in c.text
    assert "the threads of attribute did not run at once in 5 of its 5 runs, and no other thread count" in c.text
    assert "the threads of method did not run at once in 5 of its 5 runs" in c.text


def test_the_did_not_run_at_once_text_gives_the_quartiles_it_decided_on():
    suite = Suite(metadata={"usable_cpus": 2, "gil_enabled": False})
    suite.add(Timing("random", "per-thread", 1, (2.5 * MS, 2.6 * MS, 6.0 * MS, 6.1 * MS, 6.2 * MS)))
    suite.add(Timing("random", "per-thread", 2, (3.3 * MS, 3.4 * MS, 3.4 * MS, 3.5 * MS, 7.0 * MS)))
    for k in (1, 2):
        suite.add(Timing("random", "shared", k, (7.7 * MS,) * 5))
    assert not sz.ran_at_once(suite, "random", 2)  # the medians (3.4 against 6.0) alone would say it did
    c = sz.stdlib_verdict(suite, "random", 2, label="ft")
    assert c.state == "undecided"
    assert "first quartile (2.6 ms), so its third quartile, 3.5 ms on 2 threads, is above that bar" in c.text
    assert "in 5 of its 5 runs (runs 1, 2, 3, 4 and 5)" in c.text


def test_a_slow_run_is_told_apart_by_its_cpu_time_not_blamed_on_other_work():
    # measured in a quiet build: two slow runs of five on 2 threads (21.8 and 7.0 ms against 3.7 ms), the first
    # with 33 ms of CPU time (more work), the second with 6.8 ms in 7.0 (one thread at a time)
    suite = Suite(metadata={"usable_cpus": 2, "gil_enabled": False})
    suite.add(Timing("dict-store", "per-thread", 1, (8.0 * MS, 7.6 * MS, 8.3 * MS, 7.7 * MS, 7.9 * MS)))
    suite.add(Timing("dict-store", "per-thread", 2, (21.8 * MS, 7.0 * MS, 3.7 * MS, 3.6 * MS, 3.9 * MS)))
    suite.add(Timing("dict-store", "per-thread-cpu", 2, (33.3 * MS, 6.8 * MS, 6.9 * MS, 6.7 * MS, 6.7 * MS)))
    text = sz.turns_reason(suite, "dict-store", 2)
    assert "run 2: 7.0 ms wall, 6.8 ms CPU" in text and "took turns on the CPUs" in text
    assert "run 1: 21.8 ms wall, 33.3 ms CPU" in text and "with more to do" in text
    assert "other work" not in text
    # both runs named in the verdicts' wording, and no cause typed in without the data
    assert "took turns" in sz._unsound_text(suite, "dict-store", 2)
    # without CPU times nothing is said about why
    suite2 = Suite(metadata={"usable_cpus": 2, "gil_enabled": False})
    for t in suite.select("dict-store", "per-thread"):
        suite2.add(t)
    assert sz.turns_reason(suite2, "dict-store", 2) == ""
    # runs that overlapped in part: CPU above the wall, not above the usual
    suite3 = Suite(metadata={"usable_cpus": 2, "gil_enabled": False})
    suite3.add(Timing("dict-store", "per-thread", 1, (8.0 * MS,) * 5))
    suite3.add(Timing("dict-store", "per-thread", 2, (7.0 * MS,) * 5))
    suite3.add(Timing("dict-store", "per-thread-cpu", 2, (8.0 * MS,) * 5))
    assert "overlapped only in part" in sz.turns_reason(suite3, "dict-store", 2)


def objects_suite(one_thread_store: float, *, load: float = 3.4) -> Suite:
    """A made-up :func:`sz.shared_objects` result holding only the one-thread per-thread dict-store (s)."""
    s = Suite(metadata={"usable_cpus": 2, "gil_enabled": False, "load_average": [load, load, load]})
    s.add(Timing("dict-store", "per-thread", 1, (one_thread_store,) * 5))
    return s


def test_constant_verdict_gives_both_figures_of_the_one_thread_store_when_the_runs_disagree():
    # the probe's one-thread store 16.5 ms, the shared-object runs' 8.0 ms: one quantity, two numbers
    probe = probe_suite({1: 16.5 * MS, 2: 8.4 * MS}, {1: 19.6 * MS, 2: 10.0 * MS})
    probe.metadata["load_average"] = [3.7, 3.0, 2.0]
    c = sz.constant_verdict(probe, 2, label="ft", objects=objects_suite(8.0 * MS))
    assert ("One figure, two runs: the one-thread store with the mask made by the thread took 16.5 ms here and "
            "8.0 ms in the shared-object runs above") in c.text
    assert "1-minute load average 3.7 and 3.4 as each began" in c.text
    # within the tolerance, or without the other run, nothing is added
    assert "One figure" not in sz.constant_verdict(probe, 2, label="ft", objects=objects_suite(15.5 * MS)).text
    assert "One figure" not in sz.constant_verdict(probe, 2, label="ft").text
    assert sz.same_store_text(probe, Suite()) == ""


def quiet_build_suite(four_own: float = 5.9 * MS) -> Suite:
    """As in the fresh reader's build: dict-store's 2-thread medians fine (3.9 ms against 7.9 on 1) but two
    slow runs of five; its 4-thread row sound (5.9 ms against 7.9) and 3.2x slower shared; list-append fine."""
    suite = Suite(metadata={"usable_cpus": 2, "gil_enabled": False})
    for w in ("list-append", "dict-store"):
        suite.add(Timing(w, "per-thread", 1, (7.9 * MS, 7.7 * MS, 8.0 * MS, 7.8 * MS, 7.9 * MS)))
        suite.add(Timing(w, "shared", 1, (7.3 * MS,) * 5))
        suite.add(Timing(w, "merge", 1, (1.0 * MS,) * 5))
        suite.add(Timing(w, "shared", 2, (8.4 * MS, 8.3 * MS, 8.5 * MS, 8.4 * MS, 8.6 * MS)))
        suite.add(Timing(w, "merge", 2, (1.3 * MS,) * 5))
        suite.add(Timing(w, "per-thread", 4, (four_own,) * 5))
        suite.add(Timing(w, "shared", 4, (19.0 * MS,) * 5))
        suite.add(Timing(w, "merge", 4, (2.4 * MS,) * 5))
    suite.add(Timing("list-append", "per-thread", 2, (3.7 * MS,) * 5))
    suite.add(Timing("dict-store", "per-thread", 2, (21.8 * MS, 3.9 * MS, 7.0 * MS, 3.7 * MS, 3.8 * MS)))
    return suite


def test_locks_verdict_names_the_slow_runs_and_decides_on_the_sound_four_thread_row():
    suite = quiet_build_suite()
    assert sz.slow_runs(suite, "dict-store", 2) == ([0, 2], 5)
    assert sz.evidence_count(suite, "dict-store", 2) == 4 and sz.evidence_count(suite, "list-append", 2) == 2
    c = sz.locks_verdict(suite, 2, label="ft")
    assert c.state == "holds"  # 2.2x on 2 threads for list-append, 3.2x at 4 threads for dict-store
    assert "in 2 of its 5 runs (runs 1 and 3) its threads did not run at once" in c.text
    assert "medians 3.9 ms on 2 threads against 7.9 ms on 1" in c.text
    assert "its 4-thread row decides it instead" in c.text
    assert "dict-store 3.22×, slower: the evidence for dict-store, its threads having run at once there" in c.text


def test_locks_verdict_stays_undecided_when_no_thread_count_ran_at_once():
    suite = quiet_build_suite(four_own=7.8 * MS)  # 4 threads no faster than one: nothing ran at once there
    assert sz.evidence_count(suite, "dict-store", 2) is None
    c = sz.locks_verdict(suite, 2, label="ft")
    assert c.state == "undecided"
    assert "the threads of dict-store did not run at once in 2 of its 5 runs, and no other thread count" in c.text
    assert "decides it instead" not in c.text
    # a fallback that straddles says at which count
    mixed = Suite([t for t in quiet_build_suite().timings
                   if not (t.workload == "dict-store" and t.mode == "shared" and t.workers == 4)],
                  {"usable_cpus": 2, "gil_enabled": False})
    mixed.add(Timing("dict-store", "shared", 4, (5.0 * MS, 6.0 * MS, 7.5 * MS, 9.0 * MS, 10.0 * MS)))
    assert "the interval of dict-store (at 4 threads) straddles it" in sz.locks_verdict(mixed, 2, label="ft").text
