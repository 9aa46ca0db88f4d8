"""The processes chapter's verdicts and invariants, decided on made-up results (nothing is measured here)."""

from __future__ import annotations

import json

import pytest

from gilref.core.results import Suite, Timing
from gilref.topics import processes as p

META = {"usable_cpus": 2, "load_average": [1.0, 1.0, 1.0]}


def spread(median, width=0.02):
    return tuple(median * (1 + width * k) for k in (-3, -1, -0.5, 0, 0.5, 1, 3))


def cd_suite(seq=1.0, kept=0.52, fresh=0.6, workers=2, width=0.02):
    s = Suite(metadata=dict(META))
    s.add(Timing("countdown", "sequential", 1, spread(seq, width), (), {"n": 100}))
    s.add(Timing("countdown", "processes", workers, spread(kept, width), (), {"n": 100, "start_method": "forkserver"}))
    s.add(Timing("countdown", "processes-new-pool", workers, spread(fresh, width), (),
                 {"n": 100, "start_method": "forkserver"}))
    return s


def sc_suite(fork=0.002, spawn=0.05, forkserver=0.02, width=0.02):
    s = Suite(metadata=dict(META))
    for m, v in (("fork", fork), ("spawn", spawn), ("forkserver", forkserver)):
        s.add(Timing("process-start", m, 1, spread(v, width), (), {"start_method": m}))
    return s


def pk_suite(times=None, width=0.02):
    times = times or {1024: (0.00001, 0.0001, 0.0002), 1 << 20: (0.001, 0.003, 0.006), 1 << 26: (0.05, 0.2, 0.4)}
    s = Suite(metadata=dict(META))
    for size, (pickle, arg, rt) in times.items():
        for mode, v in (("pickle", pickle), ("argument", arg), ("round-trip", rt)):
            s.add(Timing(f"payload-{size}", mode, 1, spread(v, width), (), {"bytes": size}))
    return s


def sh_suite(local=0.01, pickled=0.1, shared=0.02, width=0.02):
    s = Suite(metadata=dict(META))
    for mode, v in (("in-process", local), ("pickled", pickled), ("shared-memory", shared)):
        s.add(Timing("array-sum", mode, 1, spread(v, width), (), {"bytes": 64 * 2**20}))
    return s


def proc_example(one=0.2, procs=0.105, fork=0.002, spawn=0.05):
    return p.ProcessesExample.from_json({
        "count": 8_000_000, "workers": 2, "start_method": "fork",
        "seconds": {"one_process": list(spread(one)), "processes": list(spread(procs))},
        "start_seconds": {"fork": list(spread(fork)), "spawn": list(spread(spawn))}})


def shm_example(pickled=0.012, shared=0.002):
    return p.SharedMemoryExample.from_json({
        "megabytes": 32, "workers": 2, "start_method": "fork",
        "seconds": {"pickled": list(spread(pickled)), "shared": list(spread(shared))}})


def broken(invariants):
    return sorted(i.key for i in invariants if not i.holds)


# -- verdicts ----------------------------------------------------------------------------


def test_scale_verdict_three_ways():
    assert p.scale_verdict(cd_suite(kept=0.5)).state == "holds"
    assert p.scale_verdict(cd_suite(kept=0.8)).state == "contradicted"
    assert p.scale_verdict(cd_suite(kept=1 / 1.8, width=0.05)).state == "undecided"


def test_scale_verdict_states_the_example():
    c = p.scale_verdict(cd_suite(kept=0.5), proc_example(procs=0.1))
    assert c.state == "holds" and "(8,000,000 steps; its workers started by" in c.text
    assert "same as this measurement's" in c.text
    c = p.scale_verdict(cd_suite(kept=0.5), proc_example(procs=0.088))
    # outside the spread: which spread, and the reasons the data gives, in short sentences
    assert c.state == "holds" and "lies above this measurement's 2.00×" in c.text
    assert "start method (fork" in c.text and "beyond the spread of both" not in c.text and ": load" not in c.text
    assert p.scale_verdict(cd_suite(kept=0.5), proc_example(procs=0.2)).state == "undecided"


def test_pool_cost_verdict_three_ways_and_the_start_cost_beside_it():
    c = p.pool_cost_verdict(cd_suite(kept=0.5, fresh=0.6), sc_suite())
    assert c.state == "holds" and "about 100 ms per run" in c.text and "forkserver process" in c.text
    assert p.pool_cost_verdict(cd_suite(kept=0.6, fresh=0.5)).state == "contradicted"
    assert p.pool_cost_verdict(cd_suite(kept=0.5, fresh=0.505)).state == "undecided"


def test_spawn_verdict_three_ways():
    c = p.spawn_verdict(sc_suite())
    assert c.state == "holds" and "50.0 ms" in c.text and " ms×" not in c.text
    assert p.spawn_verdict(sc_suite(spawn=0.003)).state == "contradicted"
    assert p.spawn_verdict(sc_suite(spawn=0.004, width=0.1)).state == "undecided"


def test_spawn_verdict_with_the_example():
    c = p.spawn_verdict(sc_suite(), proc_example())
    assert c.state == "holds" and "the same ratio within the spread" in c.text
    assert p.spawn_verdict(sc_suite(), proc_example(spawn=0.0021)).state == "undecided"


def test_pickling_verdict_three_ways():
    c = p.pickling_verdict(pk_suite())
    assert c.state == "holds" and "64 MiB" in c.text and "1 KiB" in c.text
    flat = {1024: (0.00001, 0.0001, 0.0002), 1 << 26: (0.0001, 0.0003, 0.0006)}
    assert p.pickling_verdict(pk_suite(flat)).state == "contradicted"
    edge = {1024: (0.00001, 0.0001, 0.0002), 1 << 26: (0.0001, 0.001, 0.002)}
    assert p.pickling_verdict(pk_suite(edge, width=0.05)).state == "undecided"


def test_shared_verdict_three_ways_and_the_example():
    assert p.shared_verdict(sh_suite()).state == "holds"
    assert p.shared_verdict(sh_suite(pickled=0.02, shared=0.02)).state == "contradicted"
    assert p.shared_verdict(sh_suite(pickled=0.04, shared=0.02, width=0.05)).state == "undecided"
    c = p.shared_verdict(sh_suite(), shm_example())
    assert c.state == "holds" and "32 MiB split between 2 workers" in c.text
    assert "same side of the 2× threshold" in c.text
    assert p.shared_verdict(sh_suite(), shm_example(pickled=0.002)).state == "undecided"


def test_main_module_verdict_both_ways():
    good = [{"ok": False, "stderr": "AttributeError: Can't get attribute 'work'"},
            {"ok": False, "stderr": "before the current process has finished its bootstrapping phase"},
            {"ok": True, "stderr": ""}]
    assert p.main_module_verdict(good).state == "holds"
    assert p.main_module_verdict([good[0], good[1], {"ok": False, "stderr": ""}]).state == "contradicted"


# -- invariants --------------------------------------------------------------------------


def test_countdown_invariants_both_ways():
    assert broken(p.countdown_invariants(cd_suite())) == []
    assert broken(p.countdown_invariants(cd_suite(kept=0.8, fresh=0.6))) == ["kept_pool_not_slower_than_new_pool"]
    assert broken(p.countdown_invariants(cd_suite(kept=1.5, fresh=1.6))) == ["kept_pool_not_slower_than_one_thread"]
    assert "processes_at_most_n_times" in broken(p.countdown_invariants(cd_suite(kept=0.3, fresh=0.35)))


def test_start_invariants_both_ways():
    assert broken(p.start_invariants(sc_suite())) == []
    assert broken(p.start_invariants(sc_suite(fork=-0.001))) == ["start_fork_positive"]


def test_pickling_invariants_both_ways():
    assert broken(p.pickling_invariants(pk_suite())) == []
    one_way_over = {1024: (0.00001, 0.0003, 0.0002), 1 << 20: (0.001, 0.003, 0.006), 1 << 26: (0.05, 0.2, 0.4)}
    assert broken(p.pickling_invariants(pk_suite(one_way_over))) == ["one_way_at_most_round_trip_1024"]
    shrinking = {1024: (0.00001, 0.0001, 0.0002), 1 << 20: (0.001, 0.003, 0.006), 1 << 26: (0.0005, 0.001, 0.002)}
    assert broken(p.pickling_invariants(pk_suite(shrinking))) == [
        "argument_grows_1048576_67108864", "round-trip_grows_1048576_67108864"]


def test_shared_invariants_both_ways():
    assert broken(p.shared_invariants(sh_suite())) == []
    assert broken(p.shared_invariants(sh_suite(local=0.05))) == ["shared-memory_not_below_in_process"]


def test_example_invariants_both_ways():
    assert broken(p.example_invariants(proc_example())) == []
    assert broken(p.example_invariants(proc_example(procs=0.05))) == ["example_at_most_n_times"]


def test_example_json_is_checked():
    with pytest.raises(ValueError, match="not the JSON"):
        p.ProcessesExample.from_json({"count": 1})
    with pytest.raises(ValueError, match="not the JSON"):
        p.SharedMemoryExample.from_json({})


@pytest.mark.example("processes.py")
def test_the_processes_example_writes_json_the_verdicts_read(tmp_path, run_example):
    path = tmp_path / "out.json"
    run_example("processes.py", "--count", "200000", "--workers", "2", "--repeats", "1", "--json", str(path))
    ex = p.ProcessesExample.from_json(json.loads(path.read_text()))
    assert ex.count == 200_000 and len(ex.processes) == 1 and "fork" in ex.start


@pytest.mark.example("shared_memory.py")
def test_the_shared_memory_example_writes_json_the_verdicts_read(tmp_path, run_example):
    pytest.importorskip("numpy")
    path = tmp_path / "out.json"
    run_example("shared_memory.py", "--megabytes", "4", "--workers", "2", "--repeats", "1", "--json", str(path))
    ex = p.SharedMemoryExample.from_json(json.loads(path.read_text()))
    assert ex.megabytes == 4 and len(ex.shared) == 1


# -- fix round: cross-chapter figures, load only when it points that way, one way vs round trip --


def test_load_reason_names_load_only_when_the_slower_run_was_busier():
    busy = p.load_reason("the example", [3.6, 3, 3], "this measurement", [1.4, 1, 1], 2)
    assert "busier for the example" in busy and "3.6 on 2 CPUs" in busy and "1.4" in busy
    calm = p.load_reason("the example", [1.3, 1, 1], "this measurement", [1.4, 1, 1], 2)
    assert "Load does not explain it" in calm and "busier" not in calm
    assert "not recorded" in p.load_reason("a", None, "b", [1.0], 2)


def cpu_vs_io_record(prc=0.52, load=1.0, n=100):
    s = Suite(metadata={"usable_cpus": 2, "load_average": [load, load, load]})
    s.add(Timing("countdown", "sequential", 1, spread(1.0), (), {"n": n}))
    s.add(Timing("countdown", "processes", 2, spread(prc), (), {"n": n, "start_method": "forkserver"}))
    return {"suites": {"countdown": s.to_dict()}}


def test_countdown_from_record_reads_the_record_or_gives_none():
    assert p.countdown_from_record(None) is None
    assert p.countdown_from_record({"suites": {}}) is None
    other = p.countdown_from_record(cpu_vs_io_record())
    assert other is not None and other.get("countdown", "processes").workers == 2


def test_scale_verdict_states_cpu_vs_io_and_agrees_within_the_spread():
    c = p.scale_verdict(cd_suite(), other=p.countdown_from_record(cpu_vs_io_record()))
    assert c.state == "holds"
    assert "{doc}`cpu-vs-io`" in c.text and "within both spreads" in c.text


def test_scale_verdict_explains_cpu_vs_io_beyond_the_spread_by_its_load_and_count():
    other = p.countdown_from_record(cpu_vs_io_record(prc=0.93, load=3.56, n=20_000_000))
    c = p.scale_verdict(cd_suite(), other=other)
    assert "lies below this measurement's" in c.text
    assert "busier for that chapter" in c.text and "3.6 on 2 CPUs" in c.text
    assert "20,000,000 steps against 100 here" in c.text and "multiprocessing.Pool" in c.text
    # the same gap with the other chapter *less* loaded: load is not blamed
    calm = p.scale_verdict(cd_suite(), other=p.countdown_from_record(cpu_vs_io_record(prc=0.93, load=0.2)))
    assert "Load does not explain it" in calm.text and "busier" not in calm.text


def test_scale_verdict_does_not_blame_load_for_a_slower_example_that_was_less_loaded():
    ex = p.ProcessesExample.from_json({
        "count": 8_000_000, "workers": 2, "start_method": "fork", "load_average": [0.5, 1, 1],
        "seconds": {"one_process": list(spread(0.2)), "processes": list(spread(0.15))},
        "start_seconds": {"fork": list(spread(0.002))}})
    c = p.scale_verdict(cd_suite(), ex)
    assert "Load does not explain it" in c.text and ": outside" not in c.text and "::" not in c.text


def test_start_gaps_explain_spawn_and_forkserver_by_the_main_module_and_fork_by_load_only_if_busier():
    ex = p.ProcessesExample.from_json({
        "count": 8_000_000, "workers": 2, "start_method": "fork", "load_average": [0.5, 1, 1],
        "seconds": {"one_process": list(spread(0.2)), "processes": list(spread(0.105))},
        "start_seconds": {"fork": list(spread(0.004)), "spawn": list(spread(0.09)),
                          "forkserver": list(spread(0.024))}})
    text = p.start_gaps(sc_suite(fork=0.002, spawn=0.05, forkserver=0.0039), ex)
    assert "`spawn` 90.0 ms" in text and "and `forkserver` 24.0 ms" in text and text.count("[`prepare`") == 1
    assert "Also `fork` 4.0 ms" in text and "Load does not explain it" in text
    assert p.start_gaps(sc_suite(), proc_example()) == ""


def test_one_way_above_round_trip_is_caught_noted_and_an_invariant():
    sound = pk_suite()
    assert p.one_way_above_round_trip(sound) == []
    assert "one way took longer" not in p.pickling_verdict(sound).text
    bad = pk_suite({1024: (0.00001, 0.00025, 0.000223), 1 << 26: (0.05, 0.2, 0.4)})
    assert p.one_way_above_round_trip(bad) == [1024]
    assert "At 1 KiB, though, one way took longer than there and back" in p.pickling_verdict(bad).text
    broken = [i for i in p.pickling_invariants(bad) if not i.holds]
    assert [i.key for i in broken] == ["one_way_at_most_round_trip_1024"]


def test_option_default_reads_a_literal_default_and_the_example_has_one():
    src = 'import argparse\np = argparse.ArgumentParser()\np.add_argument("--count", type=int, default=20_000)\n'
    assert p.option_default(src, "--count") == 20_000
    with pytest.raises(LookupError):
        p.option_default(src, "--other")
    assert p.example_default_count() > 0


def test_scale_verdict_explains_a_shorter_jobs_lower_speedup_by_the_fixed_cost_per_run():
    # here: 1.0 s alone, 0.52 s on 2 workers: 20 ms per run beyond a perfect split; the example's job is
    # 5 times shorter (0.2 s), so the same 20 ms gives 0.2 / (0.1 + 0.02) = 1.67x: what it got
    c = p.scale_verdict(cd_suite(kept=0.52), proc_example(one=0.2, procs=0.12))
    assert "20.0 ms beyond a perfect split" in c.text and "would have reached 1.67×, inside its spread" in c.text
    assert "The job's size explains the gap." in c.text and "Load does not" not in c.text
    # a gap the fixed cost cannot explain falls through to the load
    c = p.scale_verdict(cd_suite(kept=0.52), proc_example(one=0.2, procs=0.16))
    assert "explains part of the gap, not all of it" in c.text and "load was not recorded for both runs" in c.text
    assert "slow moment" not in c.text  # as many runs as the chapter's: not named as a difference


def test_start_gaps_name_a_shorter_fork_start_and_the_smaller_parent_it_copied():
    ex = p.ProcessesExample.from_json({
        "count": 8_000_000, "workers": 2, "start_method": "fork", "load_average": [0.5, 1, 1], "modules_loaded": 90,
        "seconds": {"one_process": list(spread(0.2)), "processes": list(spread(0.105))},
        "start_seconds": {"fork": list(spread(0.001)), "spawn": list(spread(0.05)), "forkserver": list(spread(0.02))}})
    sc = sc_suite(fork=0.002)
    sc.metadata["modules_loaded"] = 300
    text = p.start_gaps(sc, ex)
    assert "Starts took less time in the example: `fork` 1.0 ms" in text and "90 modules against 300" in text
    sc.metadata["modules_loaded"] = 50  # a smaller parent here: the module count cannot be the reason
    assert "modules against" not in p.start_gaps(sc, ex)
    c = p.spawn_verdict(sc_suite(fork=0.002, spawn=0.05), p.ProcessesExample.from_json({
        "count": 8, "workers": 2, "start_method": "fork",
        "seconds": {"one_process": [0.2] * 5, "processes": [0.1] * 5},
        "start_seconds": {"fork": list(spread(0.001)), "spawn": list(spread(0.1))}}))
    # each figure once: the example's two starts with their spread, then each gap by its medians only
    assert "measured `spawn` 100.0 ms (98.5–101.5 ms) and `fork` 1.0 ms" in c.text
    assert "`spawn` 100.0 ms in the example against 50.0 ms here" in c.text and c.text.count("98.5") == 1


def test_pickling_verdict_says_when_one_ways_median_is_above_the_round_trips_within_the_noise():
    pk = pk_suite({1024: (0.00001, 0.000247, 0.000236), 1 << 26: (0.05, 0.2, 0.4)}, width=0.05)
    c = p.pickling_verdict(pk)
    assert "the same within their spread" in c.text and "At 1 KiB" in c.text
    assert "same within their spread" not in p.pickling_verdict(pk_suite()).text


def test_pickling_invariants_catch_a_series_that_falls_with_size_beyond_a_quarter():
    falls = pk_suite({1024: (0.00001, 0.0003, 0.0003), 1 << 16: (0.00002, 0.0002, 0.0003), 1 << 26: (0.05, 0.2, 0.4)})
    assert "argument_grows_1024_65536" in broken(p.pickling_invariants(falls))
    flat = pk_suite({1024: (0.00001, 0.0003, 0.0003), 1 << 16: (0.00002, 0.00028, 0.0003), 1 << 26: (0.05, 0.2, 0.4)})
    assert "argument_grows_1024_65536" not in broken(p.pickling_invariants(flat))


def test_scale_verdict_gives_a_word_to_an_upper_end_above_the_cpus():
    c = p.scale_verdict(cd_suite(kept=0.5, width=0.05))  # 2.00x (1.90-2.11x) on 2 CPUs
    assert "lies above the 2 CPUs: it is a ratio of quartiles" in c.text
    assert "ratio of quartiles" not in p.scale_verdict(cd_suite(kept=0.52)).text


def test_scale_verdict_sets_the_other_chapters_own_fixed_cost_beside_this_one():
    # here: 1.0 s alone, 0.51 s on 2 workers (10 ms per run); the other chapter: 0.8 s alone, 0.43 s on
    # 2 (30 ms per run). This page's cost would give it 0.8 / 0.41 = 1.95x, outside its 1.86x: its own
    # cost gives exactly its median, so the gap lies in the fixed cost, and the pools' differences are named.
    here = Suite(metadata=dict(META))
    here.add(Timing("countdown", "sequential", 1, spread(1.0, 0.01), (), {"n": 100}))
    here.add(Timing("countdown", "processes", 2, spread(0.51, 0.01), (),
                    {"n": 100, "start_method": "forkserver", "primed_calls": 16}))
    other = Suite(metadata=dict(META))
    other.add(Timing("countdown", "sequential", 1, spread(0.8, 0.01), (), {"n": 80}))
    other.add(Timing("countdown", "processes", 2, spread(0.43, 0.01), (),
                     {"n": 80, "start_method": "forkserver", "primed_calls": 16}))
    c = p.scale_verdict(here, other=other)
    assert "would have reached 1.95×, still outside" in c.text
    assert "30.0 ms beyond a perfect split per run, against 10.0 ms here" in c.text
    assert "the rest of the gap is that difference in the cost per run" in c.text
    assert "What differs between the two runs: its pool, a `multiprocessing.Pool`" in c.text
    assert "Both started their workers by forkserver and warmed each worker with 16 calls" in c.text
    assert "Nothing else this page records accounts for it" not in c.text


def test_the_example_states_its_start_method_beside_the_measurements():
    c = p.scale_verdict(cd_suite(), proc_example())
    assert "its workers started by fork, its Python's default, against forkserver here" in c.text


def test_the_examples_count_option_accepts_grouped_digits():
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("ex_processes", Path(__file__).parents[1] / "examples/processes.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.positive_int("8,000,000") == mod.positive_int("8_000_000") == mod.positive_int("8000000") == 8_000_000
    with pytest.raises(Exception, match="whole number"):
        mod.positive_int("8.5")


def with_way_back(pk, size, seconds, width=0.02, threads=None):
    pk.add(Timing(f"payload-{size}", "result", 1, spread(seconds, width), (), {"bytes": size}))
    if threads is not None:
        pk.metadata["threads"] = threads
    return pk


def test_the_way_back_is_compared_with_the_way_out_and_the_pattern_names_the_reason():
    big = 1 << 26  # 64 MiB: out 200 ms, round trip 500 ms, so the way back within a round trip is 300 ms
    base = {1024: (0.00001, 0.0001, 0.0002), big: (0.05, 0.2, 0.5)}
    assert p.return_leg_text(pk_suite(base)) == ""  # no "result" mode measured: nothing said
    out, back, within = p.legs(pk_suite(base), big)
    assert back is None and out.median == pytest.approx(200) and within.median == pytest.approx(300)
    # the way back alone costs what the way out costs: the extra belongs to doing both in one call
    same = p.return_leg_text(with_way_back(pk_suite(base), big, 0.2))
    assert "the way back within a round trip (the round trip less the way out) came to 300.0 ms" in same
    assert "but not alone" in same and "the extra 100.0 ms is not a cost of the way back" in same
    assert "`_process_worker`" in same and "likely cause" not in same
    # the way back costs more even alone: the reader differs (this process's manager thread), the likely cause
    dearer = p.return_leg_text(with_way_back(pk_suite(base), big, 0.29, threads=7))
    assert "costs more even alone" in dearer and "a thread other than the main one" in dearer
    assert "The likely cause" in dearer and "`Connection._recv`" in dearer and "MALLOC_ARENA_MAX=1" in dearer
    assert "GIL" not in dearer  # extra threads in the parent did not change the gap: no GIL story
    # a way back no dearer than the way out: said so, no reason invented
    even = p.return_leg_text(with_way_back(pk_suite({1024: (0.00001, 0.0001, 0.0002), big: (0.05, 0.2, 0.4)}),
                                           big, 0.2))
    assert "cost no more than the way out" in even and "likely" not in even
    # the way back alone between the two, overlapping both: undecided, said so
    mid = p.return_leg_text(with_way_back(pk_suite(base, width=0.1), big, 0.232, width=0.1))
    assert "cannot say" in mid
    assert "the extra 100.0 ms" in p.pickling_verdict(with_way_back(pk_suite(base), big, 0.2)).text


def test_the_way_back_alone_is_at_most_a_round_trip():
    ok = with_way_back(pk_suite(), 1 << 26, 0.2)
    assert "way_back_at_most_round_trip_67108864" not in broken(p.pickling_invariants(ok))
    bad = with_way_back(pk_suite(), 1 << 26, 0.6)
    assert "way_back_at_most_round_trip_67108864" in broken(p.pickling_invariants(bad))


def test_a_way_back_dearer_alone_than_within_a_round_trip_is_named_a_disagreement():
    big = 1 << 26
    base = {1024: (0.00001, 0.0001, 0.0002), big: (0.05, 0.2, 0.4)}  # within a round trip: 200 ms, as the way out
    busy = with_way_back(pk_suite(base), big, 0.5)
    busy.metadata["load_average"] = [3.2, 2.0, 1.0]
    text = p.return_leg_text(busy)
    assert "The two measures of the way back disagree" in text and "load average was 3.2 on 2 CPUs" in text
    quiet = with_way_back(pk_suite(base), big, 0.5)
    assert "does not break down further" in p.return_leg_text(quiet) and "load average" not in p.return_leg_text(quiet)


def test_ratios_print_two_decimals_below_ten_and_none_from_ten_one_precision_per_interval():
    from gilref.core.verdicts import Interval
    from gilref.topics.processes._verdicts import _x

    assert _x(Interval(8.2, 11.0, 18.4)) == "11× (8–18×)" and _x(Interval(9.0, 9.0, 9.0)) == "9.00×"
    assert _x(Interval(6.24, 9.34, 10.13)) == "9.34× (6.24–10.13×)"  # a reader saw "11× (9.89–12×)": mixed
    text = p.shared_verdict(sh_suite(pickled=0.09, shared=0.01)).text  # 9× faster: two decimals
    assert "9.00×" in text or "9.0" in text.split("faster")[0][-12:]
    assert "9.0× " not in text


def test_an_unexplained_gap_lists_the_recorded_differences_then_says_whether_they_account_for_it():
    c = p.scale_verdict(cd_suite(), proc_example(procs=0.14))  # 1.43x against 1.92x: the job size cannot explain it
    text = c.text
    assert "Nothing else this page records accounts for it" not in text and "It also differs in" not in text
    listed = text.index("What differs between the two runs: its start method (fork")
    assert listed < text.index("This page does not measure whether those differences account for the rest")


def test_pickling_notes_say_why_a_bigger_payload_was_cheaper_on_every_way_to_the_worker():
    dip = pk_suite({1024: (0.0000005, 0.000215, 0.000215), 4096: (0.0000006, 0.000265, 0.000266),
                    16384: (0.0000012, 0.000206, 0.000209), 1 << 20: (0.0002, 0.0015, 0.0044)})
    text = p.pickling_notes(dip)
    assert "At 4 KiB every way to the worker took longer than at 16 KiB (argument 0.265 ms against 0.206 ms" in text
    assert "pickling 16 KiB here takes 0.0012 ms, less than the 0.057 ms the calls fell by" in text
    assert "At 1 KiB" not in text and p.pickling_notes(pk_suite()) == ""


def test_pickling_notes_explain_a_jump_by_page_faults_only_when_they_were_counted_and_rose():
    def jumpy(fa, fb):
        s = pk_suite({1 << 18: (0.000027, 0.0005, 0.00095), 1 << 20: (0.000685, 0.0015, 0.0044)})
        for t, f in ((s.get("payload-262144", "pickle"), fa), (s.get("payload-1048576", "pickle"), fb)):
            if f is not None:
                t.params["minor_faults_per_call"] = f
        return p.pickling_notes(s)
    head = "Pickling here (pickle and unpickle) grew 25× from 256 KiB to 1 MiB (0.027 ms to 0.685 ms) for 4× the data."
    assert head in jumpy(None, None) and "recorded no page faults" in jumpy(None, None)
    faults = jumpy(0, 258)
    assert "Each call at 1 MiB took 258 minor page faults in this process, against 0 at 256 KiB" in faults
    assert "Both sizes took about a page fault per 4 KiB page (250 per call at 256 KiB, 258" in jumpy(250, 258)
    assert "Page faults do not account for it (10 per call at 256 KiB, 20 at 1 MiB)" in jumpy(10, 20)
