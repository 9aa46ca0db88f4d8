"""What-still-serializes at one thread and across chapters: the one-thread invariants (on the
worker's CPU time), the computed cause of a one-thread difference, the single-thread cost beside the
free-threading chapter's, and the page's plumbing (durations, the probe's loop steps). Made-up results."""

from __future__ import annotations

import sys

from gilref.core.results import Suite, Timing
from gilref.topics import serializes as sz

CPU = sz.CPU_SUFFIX
FAULTS = sz.FAULTS_SUFFIX


def one_thread(gil: bool | None, *, wall: tuple[float, float], cpu: tuple[float, float] | None = None,
               faults: tuple[float, float] | None = None, workload: str = "list-append") -> Suite:
    """A one-thread suite: (shared, per-thread) medians of wall time, CPU time [s] and faults."""
    s = Suite(metadata={"usable_cpus": 2, **({} if gil is None else {"gil_enabled": gil})})
    for mode, i in (("shared", 0), ("per-thread", 1)):
        s.add(Timing(workload, mode, 1, (wall[i],) * 5))
        if cpu is not None:
            s.add(Timing(workload, mode + CPU, 1, (cpu[i],) * 5, unit="CPU s"))
        if faults is not None:
            s.add(Timing(workload, mode + FAULTS, 1, (faults[i],) * 5, unit="faults"))
    return s


def keyed(suite: Suite) -> dict[str, object]:
    return {i.key: i for i in sz.contention_invariants(suite)}


# -- the one-thread invariants ---------------------------------------------------------------


def test_gil_one_thread_invariant_compares_cpu_time_not_wall_time():
    # the 0.74x of a quiet build: wall times apart, the worker's CPU time the same -> sound
    inv = keyed(one_thread(True, wall=(2.6e-3, 3.5e-3), cpu=(1.9e-3, 1.9e-3)))["list-append-one-thread-same"]
    assert inv.holds and "CPU time within 25%" in inv.statement
    broken = keyed(one_thread(True, wall=(2.6e-3, 2.6e-3), cpu=(1.0e-3, 2.0e-3)))["list-append-one-thread-same"]
    assert not broken.holds and "CPU time differed (1.00 ms shared against 2.00 ms" in broken.cause


def test_gil_one_thread_invariant_falls_back_to_wall_time_in_older_results():
    same = keyed(one_thread(True, wall=(5.2, 5.0)))["list-append-one-thread-same"]
    assert same.holds and "wall time" in same.statement
    assert not keyed(one_thread(True, wall=(10.2, 5.4)))["list-append-one-thread-same"].holds


def test_free_threaded_one_thread_invariant_bounds_only_the_own_object():
    # the shared object may cost more (the worker is not its owner), never the own one
    dearer_shared = keyed(one_thread(False, wall=(8.4e-3, 7.6e-3), cpu=(8.0e-3, 6.0e-3)))
    assert dearer_shared["list-append-one-thread-own-not-dearer"].holds
    assert "list-append-one-thread-same" not in dearer_shared
    dearer_own = keyed(one_thread(False, wall=(6e-3, 9e-3), cpu=(5.0e-3, 9.0e-3)))
    assert not dearer_own["list-append-one-thread-own-not-dearer"].holds


def test_no_one_thread_invariant_without_the_gil_state():
    assert not [k for k in keyed(one_thread(None, wall=(1.0, 2.0))) if "one-thread" in k]


def test_per_thread_statement_reads_as_english_before_it_did_not():
    s = Suite(metadata={"usable_cpus": 2, "gil_enabled": False})
    for k, t in ((1, 8e-3), (2, 10.3e-3)):
        s.add(Timing("dict-store", "per-thread", k, (t,) * 5))
        s.add(Timing("dict-store", "shared", k, (t,) * 5))
    inv = keyed(s)["dict-store-per-thread-not-slower"]
    assert not inv.holds
    assert inv.statement == ("dict-store: without the GIL and on objects of their own, more threads took no "
                             "longer than one (within 10%)")


# -- the cause of a one-thread difference -----------------------------------------------------


def test_one_thread_text_says_waiting_when_the_cpu_time_is_the_same():
    text = sz.one_thread_text({"GIL": one_thread(True, wall=(2.6e-3, 3.5e-3), cpu=(1.9e-3, 1.9e-3),
                                                 faults=(0, 0))}, ["list-append"])
    assert "On GIL, list-append took 0.74× in wall time and 1.00× in CPU time, with 0 and 0 page faults" in text
    assert "the worker of the slower run spent not running" in text and "more than 5%" in text
    assert "the per-thread run took the longer" in text and "give up the GIL" in text
    free = sz.one_thread_text({"FT": one_thread(False, wall=(8.4e-3, 7.9e-3), cpu=(7.0e-3, 7.0e-3),
                                                workload="dict-store")}, ["dict-store"])
    assert "this build has no GIL" in free and "give up the GIL" not in free
    assert "the shared run took the longer" in free


def both(*suites: Suite) -> Suite:
    s = Suite(metadata=dict(suites[0].metadata))
    for x in suites:
        for t in x.timings:
            s.add(t)
    return s


def test_one_thread_text_names_the_build_and_workload_before_their_figures():
    # every sentence after the opening two starts with the build, then the workload, then its figures
    text = sz.one_thread_text({
        "GIL": both(one_thread(True, wall=(2.6e-3, 3.5e-3), cpu=(1.9e-3, 1.9e-3), faults=(0, 0)),
                    one_thread(True, wall=(3.6e-3, 3.0e-3), cpu=(3.0e-3, 3.0e-3), workload="dict-store")),
        "FT": one_thread(False, wall=(8.4e-3, 7.6e-3), cpu=(8.0e-3, 7.0e-3), faults=(2300, 500))},
        ["list-append", "dict-store"])
    cases = [s for s in text.split(". ") if "× in wall time" in s]
    assert [c.split(" took ")[0] for c in cases] == ["On GIL, list-append", "On FT, list-append"]
    assert "and dict-store took 1.20× in wall time and 1.00× in CPU time (the shared run took the longer)" in cases[0]
    for case in cases:
        assert case.index("list-append") < case.index("×") and case.index("took") < case.index("×")
    # the cause follows its cases, in a sentence of its own
    assert text.index("and dict-store took 1.20×") < text.index("The worker's own CPU time was the same")
    assert text.index("2,300 and 500 page faults.") < text.index("The shared run cost the worker more CPU time")


def test_one_thread_text_does_not_blame_the_atomic_count_when_attribute_shows_it_costs_nothing():
    flat = one_thread(False, wall=(5.0e-3, 5.1e-3), cpu=(5.0e-3, 5.05e-3), workload="attribute")
    listy = one_thread(False, wall=(8.9e-3, 7.4e-3), cpu=(8.8e-3, 7.3e-3), faults=(2300, 1785))
    text = sz.one_thread_text({"FT": both(flat, listy)}, ["attribute", "list-append"])
    assert "not for its reference count, since attribute (0.98×)" in text and "QSBR" in text
    assert "marked shared" in text and "2,300 and 1,785 page faults" in text
    method = one_thread(False, wall=(6.0e-3, 5.0e-3), cpu=(6.0e-3, 5.0e-3), workload="method")
    other = sz.one_thread_text({"FT": both(flat, method)}, ["attribute", "method"])
    assert "and not for its reference count: attribute (0.98×)" in other and "does not break down" in other


def test_one_thread_text_names_the_owner_and_the_late_free_of_a_shared_list():
    text = sz.one_thread_text({"FT": one_thread(False, wall=(8.4e-3, 7.6e-3), cpu=(8.0e-3, 7.0e-3),
                                                faults=(2300, 500))}, ["list-append"])
    assert "not the owner" in text and "ob_ref_shared" in text and "QSBR" in text and "2,300 and 500" in text
    assert "v3.13.5/Objects/listobject.c" in text


def test_one_thread_text_owns_up_when_it_cannot_tell():
    text = sz.one_thread_text({"GIL": one_thread(True, wall=(2.6e-3, 3.5e-3), cpu=(1.8e-3, 2.4e-3),
                                                 faults=(0, 0))}, ["list-append"])
    assert "does not measure apart" in text and "0.75× in CPU time" in text
    old = sz.one_thread_text({"GIL": one_thread(True, wall=(2.6e-3, 3.5e-3))}, ["list-append"])
    assert "did not record the worker's CPU time" in old


def test_one_thread_text_is_empty_when_every_case_agrees():
    assert sz.one_thread_text({"GIL": one_thread(True, wall=(3.0e-3, 3.05e-3), cpu=(2e-3, 2e-3))},
                              ["list-append"]) == ""


def test_one_run_records_the_workers_cpu_time_and_faults():
    worked, merged, cpu, faults = sz._one_run("list-append", False, 2, 2000, timeout=10)
    assert worked > 0 and merged >= 0 and cpu > 0 and (faults >= 0 or faults == -1)
    suite = Suite.from_dict(sz.shared_objects(500, (1,), workloads=("attribute",), repeats=5, warmups=0))
    assert {t.mode for t in suite.timings} >= {"shared", "per-thread", "shared" + CPU, "per-thread" + CPU}
    assert suite.get("attribute", "shared" + CPU, 1).unit == "CPU s"


# -- the single-thread cost beside the free-threading chapter's ---------------------------------


def cost_pair(ft: float, gil: float) -> tuple[Suite, Suite]:
    f, g = Suite(metadata={"python_version": "3.13.5"}), Suite(metadata={"python_version": "3.13.5"})
    for w in ("attribute", "method"):
        f.add(Timing(w, "per-thread", 1, (ft,) * 5))
        g.add(Timing(w, "per-thread", 1, (gil,) * 5))
    return f, g


def sibling(countdown: float, objects: float) -> Suite:
    s = Suite()
    for w, r in (("countdown", countdown), ("objects", objects)):
        s.add(Timing(w, "default-build", 1, (0.1,) * 5, params={"n": 1}))
        s.add(Timing(w, "free-threaded", 1, (0.1 * r,) * 5, params={"n": 1}))
    return s


def test_single_thread_text_states_the_sibling_chapters_figures_and_the_specialized_share():
    f, g = cost_pair(6e-3, 2.8e-3)
    spec = {"attribute": [3, 7], "method": [4, 8], "countdown": [2, 9], "objects": [8, 26]}
    text = sz.single_thread_text([f], [g], label="FT", other="GIL", sibling=sibling(1.29, 1.86), specialized=spec)
    assert "the runs here are shorter (2.8 ms" in text
    assert "{doc}`free-threading`" in text and "on a countdown at +29%" in text
    assert "on its object workload at +86%" in text
    assert "attribute 3 of 7 (2.14×)" in text and "countdown 2 of 9" in text
    assert "more than the free-threading chapter's workloads do" in text
    dense = {**spec, "objects": [4, 8]}
    part = sz.single_thread_text([f], [g], label="FT", other="GIL", sibling=sibling(1.29, 1.86), specialized=dense)
    assert "Every loop here leans on specialization more than the countdown (22%) does, but 2 of the 2 no more " \
           "than the object workload (50%)" in part
    assert "about 1% on macOS aarch64 to 8% on x86-64 Linux" in text and "roughly 5-10%" in text
    assert " %" not in text


def test_single_thread_text_gives_the_cpu_time_ratio_where_a_worker_waited():
    # the free-threaded logging run waited: 61.4 ms of wall time for 47 ms of CPU, against 10.6 and 10.3
    f, g = cost_pair(6e-3, 2.8e-3)
    for suite, wall, cpu, attribute_cpu in ((f, 61.4e-3, 47.0e-3, 6e-3), (g, 10.6e-3, 10.3e-3, 2.8e-3)):
        suite.add(Timing("logging", "per-thread", 1, (wall,) * 5))
        suite.add(Timing("logging", "per-thread" + CPU, 1, (cpu,) * 5, unit="CPU s"))
        suite.add(Timing("attribute", "per-thread" + CPU, 1, (attribute_cpu,) * 5, unit="CPU s"))
    text = sz.single_thread_text([f], [g], label="FT", other="GIL")
    assert "logging 5.79× (4.56× in the worker's own CPU time)" in text
    assert "attribute 2.14×," in text  # the same in CPU time: no second figure
    assert "one build's wall time includes time its worker waited" in text
    plain_f, plain_g = cost_pair(6e-3, 2.8e-3)  # no CPU times recorded: the wall ratios alone
    assert "CPU time" not in sz.single_thread_text([plain_f], [plain_g], label="FT", other="GIL")


def test_single_thread_text_says_so_when_the_sibling_record_is_missing_or_disagrees():
    f, g = cost_pair(6e-3, 2.8e-3)
    missing = sz.single_thread_text([f], [g], label="FT", other="GIL")
    assert "not handed to this page" in missing
    spec = {"attribute": [1, 7], "method": [4, 8], "countdown": [2, 9]}
    mixed = sz.single_thread_text([f], [g], label="FT", other="GIL", sibling=sibling(1.3, 1.8), specialized=spec)
    assert "1 of the 2 loops here lean on specialization more" in mixed


def test_loop_counts_count_within_the_loop():
    def loop(n: int) -> int:
        t = 0
        for _ in range(n):
            t += 1
        return t

    loop(500)
    done, total = sz._loop_counts(loop)
    assert 0 < total < 20 and 0 <= done <= total
    if sys.version_info >= (3, 13) and getattr(sys, "_is_gil_enabled", lambda: True)() is not False:
        assert done > 0
    assert sz._loop_counts(len) == [0, 0]


# -- plumbing ------------------------------------------------------------------------------------


def test_duration_text_has_no_float_repr():
    assert [sz.duration_text(x) for x in (1e-6, 0.005, 2.5, 0.0001234, 0.0)] == ["1 µs", "5 ms", "2.5 s",
                                                                                "123 µs", "0 s"]


def test_race_rows_and_text_show_the_switch_interval_in_microseconds():
    result = {"available": True, "tests": {"test_unguarded": {"outcome": "passed", "lost": 0, "message": "",
                                                              "switch_interval": 1e-06}}}
    (row,) = sz.race_rows({"GIL": result})
    assert row["switch interval inside the test"] == "1 µs"
    assert "switch interval to 1 µs inside" in sz.race_default_text(result, "GIL")


def test_probe_steps_text_is_the_ratio_of_the_repeated_runs_steps():
    ft = {"steps": [1_409_844] * 5, "elapsed_s": [0.2] * 5, "seconds": 0.2}
    gil = {"steps": [2_173_517] * 5, "elapsed_s": [0.2] * 5, "seconds": 0.2}
    text = sz.probe_steps_text({}, {"FT": ft, "GIL": gil}, label="FT", other="GIL")
    assert "2,173,517 steps on GIL and 1,409,844 on FT" in text and "1.54×" in text
    assert "probes above" not in text  # no single counts to place
    assert sz.probe_steps_text({}, {"FT": ft}, label="FT", other="GIL") == ""


def test_memory_source_text_links_the_man_page():
    runs = {"ft": [{"source": "VmHWM", "start_kib": 1024, "maxrss_start_kib": 4096, "peak_kib": 2048,
                    "maxrss_kib": 4096}]}
    assert "man2/getrusage.2.html" in sz.memory_source_text(runs)


def test_specialized_share_is_stated_even_without_the_sibling_record():
    f, g = cost_pair(6e-3, 2.8e-3)
    spec = {"attribute": [3, 7], "method": [4, 8], "countdown": [2, 9]}
    text = sz.single_thread_text([f], [g], label="FT", other="GIL", specialized=spec)
    assert "not handed to this page" in text and "attribute 3 of 7 (2.14×)" in text


def test_pause_verdict_prints_its_share_without_a_space():
    result = {"busy_gap_s": [1e-4] * 5, "collect_gap_s": [0.05, 0.05, 0.049, 0.05, 0.046],
              "collect_s": [0.05] * 5}
    text = sz.pause_verdict(result, label="FT").text
    assert " %" not in text and "100% (98–100%)" in text and "at least 500× (at least 490×" in text


def test_example_one_thread_note_blames_short_runs_only_when_they_are_short():
    import importlib.util

    from .conftest import EXAMPLES

    spec = importlib.util.spec_from_file_location("what_serializes_example", EXAMPLES / "what_serializes.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    def row(run: float, shared_cpu: float) -> dict[str, object]:
        return {"workload": "random", "threads": 1, "per_thread_s": [run], "shared_cpu_s": [shared_cpu],
                "per_thread_cpu_s": [run]}

    short = mod.one_thread_note([row(2e-4, 2.6e-4)], 1, False)
    assert "These runs are short: 0.2 ms the shortest, repeated 1 time;" in short
    assert "ratios of random (1.30x CPU) are" in short
    # the fresh reader's 3.11.7 run: list-append 3.37x in wall time, 1.03x in CPU time, 0.1 ms runs, 1 repeat
    appended = {"workload": "list-append", "threads": 1, "per_thread_s": [1.4e-4], "shared_s": [4.7e-4],
                "per_thread_cpu_s": [1.4e-4], "shared_cpu_s": [1.44e-4]}
    quick = mod.one_thread_note([appended], 1, False)
    assert "list-append (3.36x wall, 1.03x CPU) are" in quick and "Raise --count and --repeats" in quick
    assert "as the 1-thread" not in mod.one_thread_note([{**appended, "shared_s": [1.45e-4]}], 1, False)
    assert "These runs are short" in mod.one_thread_note([{**appended, "shared_s": [1.45e-4]}], 1, False)
    assert "short" not in mod.one_thread_note([{**appended, "per_thread_s": [2e-3], "shared_s": [2e-3]}], 1, False)
    # free-threaded: list-append's dearer shared path is explained above, not blamed on short runs
    assert "as the 1-thread" not in mod.one_thread_note([appended], 1, True)
    assert "more than 10%" not in mod.one_thread_note([row(0.02, 0.026)], 3, False)
    assert "bound method" not in short and "should stay near 1" in mod.one_thread_note([], 3, True)
    # free-threaded: random's dearer shared path is work it explains; attribute's is not, short runs or long
    ft_random = mod.one_thread_note([row(0.02, 0.023)], 3, True)
    assert "bound method loaded on every call" in ft_random and "more than 10%" not in ft_random
    attr = {**row(0.0055, 0.0071), "workload": "attribute"}
    ft_attr = mod.one_thread_note([attr, row(0.008, 0.0092)], 3, True)
    assert "attribute (1.29x) is more than 10%" in ft_attr and "random (" not in ft_attr
    assert "5.5 ms long, repeated 3 times" in ft_attr


def test_single_thread_text_gives_the_sibling_scaling_figure_only_when_it_differs():
    def seq(t: float) -> Suite:
        s = Suite()
        s.add(Timing("countdown", "sequential", 1, tuple(t * (1 + 0.01 * k) for k in (-2, -1, 0, 1, 2)),
                     params={"n": 10}))
        return s

    f, g = cost_pair(6e-3, 2.8e-3)
    apart = sz.single_thread_text([f], [g], label="FT", other="GIL", sibling=sibling(1.23, 1.8),
                                  sequential=(seq(1.0), seq(1.34)))
    assert "(its scaling run, one process per build, put the countdown at +34%;" in apart
    near = sz.single_thread_text([f], [g], label="FT", other="GIL", sibling=sibling(1.23, 1.8),
                                 sequential=(seq(1.0), seq(1.23)))
    assert "scaling run" not in near


def test_example_counts_the_cpus_it_may_use():
    import importlib.util
    import os

    from .conftest import EXAMPLES

    spec = importlib.util.spec_from_file_location("what_serializes_cpus", EXAMPLES / "what_serializes.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    want = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert mod.usable_cpus() == want and f"{want} usable CPUs" in mod.describe_build()
