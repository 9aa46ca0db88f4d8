"""The Dask chapter's verdicts and invariants, on made-up results (no cluster, no Dask needed)."""

from __future__ import annotations

import pytest

from gilref.core.results import Suite, Timing
from gilref.topics import distributed


def made_cpu(dask: tuple[float, ...], procs: tuple[float, ...] = (0.52,) * 5, cpus: int = 2) -> Suite:
    """One process takes 1 s; the pool and the cluster (2 workers) take the given times (s)."""
    s = Suite(metadata={"usable_cpus": cpus})
    params = {"n": 8_000_000, "tasks": 2}
    s.add(Timing("countdown", "sequential", 1, (1.0,) * 5, (), params))
    s.add(Timing("countdown", "processes", 2, procs, (), params))
    s.add(Timing("countdown", "dask", 2, dask, (), params))
    return s


def made_tiny(call=(0.0003,) * 5, pool=(0.03,) * 5, dask=(0.3,) * 5) -> Suite:
    """300 tasks per run: the given seconds per run."""
    s = Suite()
    for mode, w, v in (("sequential", 1, call), ("processes", 2, pool), ("dask", 2, dask)):
        s.add(Timing("tiny", mode, w, v, (), {"tasks": 300}))
    return s


def made_rounds(pool=(0.006,) * 7, dask=(0.06,) * 7, rounds: int = 20) -> Suite:
    """Rounds of 2 do-nothing tasks, *rounds* per run: the given seconds per run."""
    s = Suite()
    for mode, w, v in (("sequential", 1, (0.00002,) * 7), ("processes", 2, pool), ("dask", 2, dask)):
        s.add(Timing("round", mode, w, v, (), {"tasks": 2, "rounds": rounds}))
    return s


def test_dask_verdict_three_ways():
    held = distributed.dask_verdict(made_cpu((0.56,) * 5))
    assert held.state == "holds" and "1.79×" in held.text and "pool processes reached 1.92×" in held.text
    no = distributed.dask_verdict(made_cpu((1.0,) * 5), why="the host was busy")
    assert no.state == "contradicted" and "the host was busy" in no.text
    assert distributed.dask_verdict(made_cpu((0.6, 0.7, 0.8, 0.9, 1.0))).state == "undecided"


def test_overhead_verdict_three_ways():
    held = distributed.overhead_verdict(made_tiny())
    assert held.state == "holds" and "1,000 µs" in held.text and "100 µs" in held.text
    assert distributed.overhead_verdict(made_tiny(dask=(0.01,) * 5)).state == "contradicted"
    overlap = distributed.overhead_verdict(made_tiny(pool=(0.02, 0.025, 0.03, 0.035, 0.04),
                                                     dask=(0.025, 0.03, 0.035, 0.04, 0.045)))
    assert overlap.state == "undecided"


def test_per_task_and_minimum_task_size():
    tiny = made_tiny()
    assert distributed.per_task(tiny, "dask").median == pytest.approx(0.001)
    assert distributed.min_task_seconds(tiny, "dask") == pytest.approx(0.01)  # 10% overhead
    assert distributed.min_task_seconds(tiny, "processes", share=0.5) == pytest.approx(0.0002)


def test_countdown_invariants_catch_a_speedup_above_the_ideal():
    assert all(i.holds for i in distributed.countdown_invariants(made_cpu((0.56,) * 5)))
    by = {i.key: i for i in distributed.countdown_invariants(made_cpu((0.3,) * 5))}  # 3.3x on 2 workers
    assert not by["dask_at_most_ideal"].holds and by["processes_at_most_ideal"].holds
    one_cpu = {i.key: i for i in distributed.countdown_invariants(made_cpu((0.56,) * 5, cpus=1))}
    assert not one_cpu["dask_at_most_ideal"].holds and "1 CPUs" in one_cpu["dask_at_most_ideal"].statement


def test_overhead_invariants_want_every_task_to_cost_at_least_a_call():
    assert all(i.holds for i in distributed.overhead_invariants(made_tiny()))
    by = {i.key: i for i in distributed.overhead_invariants(made_tiny(pool=(0.0001,) * 5))}
    assert not by["processes_overhead_positive"].holds and by["dask_overhead_positive"].holds


EXAMPLE_OUT = """Dask scheduler: tcp://127.0.0.1:40123; 8,000,000 steps in 2 tasks, median of 5 runs
  1 process               1.000 s    1.00x one process
  2 pool processes        0.520 s    1.92x one process
  Dask cluster            0.560 s    1.79x one process
  tiny tasks, pool          110.0 µs per task
  tiny tasks, Dask         1200.0 µs per task
"""


def test_parse_example():
    assert distributed.parse_example(EXAMPLE_OUT) == {
        "count": 8_000_000, "workers": 2, "repeats": 5, "pool_x": 1.92, "dask_x": 1.79, "pool_us": 110.0,
        "dask_us": 1200.0, "one_s": 1.0, "pool_s": 0.52, "dask_s": 0.56}
    with pytest.raises(ValueError, match="not the output"):
        distributed.parse_example("Dask scheduler: nowhere")


def test_example_verdict_agrees_or_says_why_not():
    cpu, tiny = made_cpu((0.56,) * 5), made_tiny()
    ok = distributed.example_verdict(cpu, tiny, distributed.parse_example(EXAMPLE_OUT))
    assert ok.state == "holds" and "1.79×" in ok.text and "warmed by one run" in ok.text
    slow = distributed.parse_example(EXAMPLE_OUT.replace("1.79x", "1.01x"))
    no = distributed.example_verdict(cpu, tiny, slow)
    assert no.state == "contradicted" and "disagrees with the measurements above" in no.markdown()
    # it names the figure that differs, not the ones that agree, in a sentence that reads
    assert "In the example's output, the cluster's speedup (1.01× against 1.79×) differs from" in no.text
    assert "pool's speedup" not in no.text and "These of" not in no.text
    dear = distributed.parse_example(EXAMPLE_OUT.replace("1200.0 µs", "9000.0 µs"))
    assert distributed.example_verdict(cpu, tiny, dear).state == "contradicted"


def test_example_differences_name_each_figure_and_no_cause_the_data_do_not_show():
    cpu, tiny = made_cpu((0.56,) * 5), made_tiny()
    assert distributed.example_differences(cpu, tiny, distributed.parse_example(EXAMPLE_OUT)) == []
    both = distributed.parse_example(EXAMPLE_OUT.replace("1.79x", "1.01x").replace("1.92x", "1.02x"))
    assert len(distributed.example_differences(cpu, tiny, both)) == 2
    c = distributed.example_verdict(cpu, tiny, both)
    assert " and the pool's speedup" in c.text and "likely cause" not in c.text and "names no cause" in c.text


def made_alone(seconds: float) -> Suite:
    alone = Suite()
    alone.add(Timing("countdown-alone", "sequential", 1, (seconds,) * 5, (), {"n": 8_000_000}))
    return alone


def test_example_speedups_are_set_against_the_tables_with_room_for_its_slowed_baseline():
    # here: 1.0 s with the cluster alive, 0.8 s before it: the table's pool 0.8/0.52 = 1.54x
    cpu, tiny, alone = made_cpu((0.56,) * 5), made_tiny(), made_alone(0.8)
    assert distributed.alive_factor(cpu, alone) == pytest.approx(1.25)
    assert distributed.alive_factor(cpu, None) == 1.0
    ex = distributed.parse_example(EXAMPLE_OUT.replace("1.92x", "2.05x"))  # beyond 1.54x*1.25, within the lift
    assert distributed.example_differences(cpu, tiny, ex, alone) == []
    s = distributed.Interval(1.5, 1.54, 1.54)
    assert distributed.speedup_band(s, 2, 2)[1] < 2.05 <= distributed.speedup_band(s, 2, 2, lift=1.25)[1]
    c = distributed.example_verdict(cpu, tiny, ex, alone=alone)
    assert "(the table: 1.54×" in c.text and "took 25% longer with the cluster alive" in c.text
    assert distributed.speedup_band(distributed.Interval(1.9, 1.95, 2.0), 2, 2, lift=1.5)[1] == pytest.approx(2.1)


def test_example_verdict_states_its_tolerances_and_the_countdown_times_side_by_side():
    cpu, tiny = made_cpu((0.55, 0.555, 0.56, 0.565, 0.57)), made_tiny()
    slower = EXAMPLE_OUT.replace("1.000 s", "1.300 s").replace("0.520 s", "0.700 s").replace("0.560 s", "0.780 s")
    c = distributed.example_verdict(cpu, tiny, distributed.parse_example(slower))
    assert c.state == "holds" and "25% beyond the table's interval on speedups" in c.text
    assert "2× beyond its quartiles on costs per task" in c.text
    assert "(the table: 1.79× (1.77–1.80×); inside that" in c.text
    assert "within the tolerated 500–2,000 µs" in c.text and "–2.40×" not in c.text  # the band stops at 2.10x
    over = distributed.parse_example(EXAMPLE_OUT.replace("1.92x", "2.30x"))  # within +25%, beyond 2 CPUs
    assert distributed.example_verdict(cpu, tiny, over).state == "contradicted"
    assert ("Its countdown took 1.300 s on one process, 0.700 s on the pool and 0.780 s on the cluster, against "
            "1.000 s (one process, with the cluster alive, as the example's own ran), 0.520 s and 0.560 s here: "
            "30% longer, 35% longer and 39% longer.") in c.text
    assert "162.5 ns per step, against 125.0 ns here" in c.text and "busier" not in c.text


def test_slowdown_text_says_when_the_examples_pool_was_no_faster_than_its_one_process():
    cpu = made_cpu((0.56,) * 5)
    ex = distributed.parse_example(EXAMPLE_OUT.replace("0.520 s", "0.950 s"))
    text = distributed.slowdown_text(cpu, ex)
    assert "Its pool was barely faster than its one process (0.950 s against 1.000 s)" in text
    assert "barely faster" not in distributed.slowdown_text(cpu, distributed.parse_example(EXAMPLE_OUT))


def test_the_cluster_may_not_beat_the_pool_beyond_the_spreads():
    by = {i.key: i for i in distributed.countdown_invariants(made_cpu((0.53,) * 5, procs=(0.84,) * 5))}
    assert not by["dask_not_faster_than_pool"].holds  # 1.89x against 1.19x: the finding's run
    ok = {i.key: i for i in distributed.countdown_invariants(made_cpu((0.56,) * 5))}
    assert ok["dask_not_faster_than_pool"].holds and "pool_near_processes_chapter" not in ok


def test_the_pool_is_checked_against_the_processes_chapter():
    from gilref.core.verdicts import Interval
    ref = Interval(1.90, 1.94, 1.97)
    slow_pool = {i.key: i for i in distributed.countdown_invariants(made_cpu((0.53,) * 5, procs=(0.84,) * 5), ref)}
    assert not slow_pool["pool_near_processes_chapter"].holds
    fine = {i.key: i for i in distributed.countdown_invariants(made_cpu((0.56,) * 5), ref)}
    assert fine["pool_near_processes_chapter"].holds


def test_the_verdict_says_which_run_to_trust():
    from gilref.core.verdicts import Interval
    odd = made_cpu((0.53,) * 5, procs=(0.84,) * 5)
    assert distributed.trust_text(made_cpu((0.56,) * 5)) == ""
    assert "trust neither" in distributed.trust_text(odd)
    assert "this page's pool runs that were slowed" in distributed.trust_text(odd, Interval(1.90, 1.94, 1.97))
    assert "cluster's figure that is out of line" in distributed.trust_text(odd, Interval(1.1, 1.2, 1.3))
    claim = distributed.dask_verdict(odd, reference=Interval(1.90, 1.94, 1.97))
    assert claim.state == "holds" and "cannot beat the pool" in claim.text


def test_reference_speedup_reads_the_processes_record():
    s = Suite()
    s.add(Timing("countdown", "sequential", 1, (1.0,) * 5))
    s.add(Timing("countdown", "processes", 2, (0.5,) * 5))
    ref = distributed.reference_speedup({"suites": {"countdown": s.to_dict()}}, 2)
    assert ref is not None and ref.median == pytest.approx(2.0)
    assert distributed.reference_speedup({"suites": {"countdown": s.to_dict()}}, 4) is None
    assert distributed.reference_speedup(None, 2) is None


def test_one_name_per_configuration_and_one_rule_for_a_task_size():
    assert [distributed.config_label(m, w) for m, w in (("sequential", 1), ("processes", 2), ("dask", 2))] == [
        "1 process, no pool", "2 pool processes", "2 Dask workers"]
    assert distributed.task_floor_seconds(0.000168) == pytest.approx(0.00168)
    with pytest.raises(ValueError, match="share"):
        distributed.task_floor_seconds(0.001, share=0)


def test_dask_verdict_names_the_shared_gil_the_profiler_and_the_scheduling_cost_measured():
    cpu = made_cpu((0.56,) * 5)
    cpu.metadata["dask_profile_interval_s"] = 0.01
    cpu.add(Timing("countdown", "dask-unprofiled", 2, (0.545,) * 5, (), {"n": 8_000_000, "tasks": 2}))
    c = distributed.dask_verdict(cpu, rounds=made_rounds())
    assert "Same processes, same GILs" not in c.text and "`ThreadPoolExecutor`" in c.text
    assert "every 10 ms (`distributed.worker.profile.interval`" in c.text and "distributed.yaml" in c.text
    assert "took 40.0 ms longer than the pool's" in c.text and "15.0 ms less, beyond the spread" in c.text
    # scheduling is measured (2 tasks per round, as the countdown's 2 shares), not a per-task cost times 2
    assert "2 tasks that do nothing, sent at once as the countdown sends its 2 shares" in c.text
    assert "3.00 ms per round on the cluster and 0.30 ms on the pool (20 rounds per run" in c.text
    assert "cost 2.70 ms more per run (2.70 to 2.70 ms, from those quartiles)." in c.text
    assert "That leaves 22.3 ms of the gap" in c.text  # 40 ms - 15 ms (profiler) - 2.7 ms (scheduling)
    assert "rough" not in c.text and "about" not in c.text.split("Scheduling")[1]
    same = made_cpu((0.56,) * 5)
    same.add(Timing("countdown", "dask-unprofiled", 2, (0.55, 0.555, 0.56, 0.565, 0.57), (), {"n": 8_000_000}))
    assert "lost in this run's noise" in distributed.dask_verdict(same).text


def test_without_the_rounds_the_gap_is_not_broken_down_and_parts_above_the_gap_are_named():
    none = distributed.dask_verdict(made_cpu((0.56,) * 5)).text
    assert "was not measured with this run, so this page does not break the rest of the gap down" in none
    big = distributed.dask_verdict(made_cpu((0.56,) * 5), rounds=made_rounds(dask=(1.0,) * 7)).text
    assert "cost 49.70 ms more per run" in big and "That leaves" not in big
    # one part larger than the gap: named alone, never "together", never "bound"
    assert "The cluster's extra scheduling is 49.7 ms, more than the whole gap of 40.0 ms" in big
    assert "together" not in big.lower() and "bound" not in big


def test_each_way_is_set_against_a_perfect_split_and_its_own_round():
    # one process 1.0 s over 2 workers: 0.5 s each; pool 0.52 s (20 ms over, round 0.3 ms),
    # cluster 0.56 s (60 ms over, round 50 ms)
    cpu, rounds = made_cpu((0.56,) * 5), made_rounds(dask=(1.0,) * 7)
    ex = distributed.split_excess(cpu, rounds)
    assert ex["processes"][0].median == pytest.approx(0.02) and ex["dask"][1].median == pytest.approx(0.05)
    text = distributed.dask_verdict(cpu, rounds=rounds).text
    assert "gives each of the 2 workers 500.0 ms" in text
    assert "The pool's runs took 520.0 ms, 20.0 ms over that, against its own round of 0.30 ms" in text
    assert "it carries 19.7 ms that its round does not explain" in text
    # a round that covers the excess within the spread: no unexplained time claimed
    fits = distributed.split_text(made_cpu((0.56,) * 5), made_rounds(dask=(1.3,) * 7))
    assert "The cluster's runs took 560.0 ms" in fits
    assert fits.split(" The pool's")[0].endswith("its round accounts for that.")
    # the perfect split stands on the before-cluster baseline when it is the sound one
    assert "(0.9000 s)" in distributed.split_text(cpu, rounds, made_alone(0.9))


def test_unprofiled_runs_that_were_slower_are_the_hosts_variation_not_the_profiler():
    cpu = made_cpu((0.56, 0.56, 0.56, 0.57, 0.57))
    cpu.add(Timing("countdown", "dask-unprofiled", 2, (0.58, 0.58, 0.59, 0.59, 0.59), (), {"n": 8_000_000}))
    text = distributed.dask_verdict(cpu).text
    assert "the unprofiled runs were 30.0 ms slower, which stopping the profiler cannot cause" in text
    assert "profiled 0.5600–0.5700 s, unprofiled 0.5800–0.5900 s" in text
    assert "the profiler is not what slows" not in text and "beyond the spread" not in text


def test_scheduling_extra_spans_the_quartiles_and_round_invariants_both_ways():
    r = made_rounds(pool=(0.004, 0.005, 0.006, 0.007, 0.008), dask=(0.05, 0.055, 0.06, 0.065, 0.07))
    e = distributed.scheduling_extra(r)
    assert e.median == pytest.approx(0.0027) and e.low == pytest.approx((0.055 - 0.007) / 20)
    assert e.high == pytest.approx((0.065 - 0.005) / 20)
    assert all(i.holds for i in distributed.round_invariants(made_rounds()))
    broken = distributed.round_invariants(made_rounds(pool=(0.000001,) * 7))
    assert [i.key for i in broken if not i.holds] == ["processes_round_positive"]


def test_dask_verdict_compares_the_baseline_with_one_measured_before_the_cluster_and_notes_quartile_ratios():
    cpu = made_cpu((0.56,) * 5, procs=(0.40, 0.45, 0.51, 0.52, 0.53))  # the pool's upper end: 1/0.45 = 2.22x
    alone = Suite()
    alone.add(Timing("countdown-alone", "sequential", 1, (0.9,) * 5, (), {"n": 8_000_000}))
    c = distributed.dask_verdict(cpu, alone=alone)
    assert "125.0 ns per step with the cluster alive" in c.text and "112.5 ns before it started" in c.text
    assert "11% slower with the cluster alive" in c.text and "the cluster is the difference" in c.text
    # the speedups stand on the baseline timed before the cluster (0.9 s): the pool's 0.9 / 0.51 = 1.76x;
    # over the slowed one they would read higher, and no upper end passes the CPUs any more
    assert "2 pool processes reached 1.76×" in c.text and "over it they would read 1.96× (1.92–2.22×) (pool)" in c.text
    assert "ratio of quartiles" not in c.text
    cpu.metadata["load_average"], alone.metadata["load_average"] = [3.0, 2, 2], [1.0, 1, 1]
    busier = distributed.dask_verdict(cpu, alone=alone).text
    assert "busier too (a 1-minute load average of 3.0 against 1.0" in busier and "is the difference" not in busier
    calm = Suite()
    calm.add(Timing("countdown-alone", "sequential", 1, (1.0,) * 5, (), {"n": 8_000_000}))
    assert "did not slow it" in distributed.dask_verdict(made_cpu((0.56,) * 5), alone=calm).text
    assert "ratio of quartiles" not in distributed.dask_verdict(made_cpu((0.56,) * 5)).text


def test_one_process_invariants_both_ways():
    ok = Suite()
    ok.add(Timing("countdown-alone", "sequential", 1, (0.1,) * 5, (), {"n": 8}))
    assert all(i.holds for i in distributed.one_process_invariants(ok))
    bad = Suite()
    bad.add(Timing("countdown-alone", "sequential", 1, (0.0, 0.1, 0.1), (), {"n": 8}))
    assert not distributed.one_process_invariants(bad)[0].holds
    assert distributed.config_label("dask-unprofiled", 2) == "2 Dask workers, profiler off"


def test_dask_verdict_gives_a_word_to_the_clusters_upper_end_above_the_cpus():
    c = distributed.dask_verdict(made_cpu((0.40, 0.45, 0.56, 0.57, 0.58)))
    assert "upper end of the cluster's interval" in c.text


def test_sound_suite_puts_the_before_cluster_baseline_under_the_speedups():
    cpu = made_cpu((0.56,) * 5)
    alone = Suite()
    alone.add(Timing("countdown-alone", "sequential", 1, (0.9,) * 5, (), {"n": 8_000_000}))
    sound = distributed.sound_suite(cpu, alone)
    assert list(sound.baseline("countdown").values) == [0.9] * 5 != list(cpu.baseline("countdown").values)
    assert sound.get("countdown", "dask").values == cpu.get("countdown", "dask").values
    other_size = Suite()
    other_size.add(Timing("countdown-alone", "sequential", 1, (0.9,) * 5, (), {"n": 5}))
    assert distributed.sound_suite(cpu, other_size) is cpu and distributed.sound_suite(cpu, None) is cpu


def test_pool_reference_text_sets_each_runs_own_fixed_cost_beside_the_other():
    cpu = made_cpu((0.56,) * 5, procs=(0.60,) * 5)  # 1.0 s alone: 0.1 s beyond a perfect split
    assert distributed.pool_reference_text(cpu, None, None) == ""
    same = distributed.pool_reference_text(cpu, distributed.Interval(1.6, 1.667, 1.7), None)
    assert "the same as this page's" in same
    text = distributed.pool_reference_text(cpu, distributed.Interval(1.9, 1.95, 1.97), (2.0, 0.01))
    assert "is lower" in text and "100.0 ms beyond a perfect split per run, against 10.0 ms in that chapter" in text
    assert "the rest of the gap is that difference in the cost per run" in text


def test_the_slowdown_is_not_blamed_on_the_host_when_a_tiny_task_moved_the_other_way():
    cpu, tiny = made_cpu((0.55, 0.555, 0.56, 0.565, 0.57)), made_tiny()
    slower = EXAMPLE_OUT.replace("1.000 s", "1.300 s").replace("0.520 s", "0.700 s").replace("0.560 s", "0.780 s")
    ex = distributed.parse_example(slower)
    ex["pool_us"] = 50.0  # faster than the chapter's 100 µs
    text = distributed.slowdown_text(cpu, ex, tiny)
    assert "Its pool tasks that do nothing cost less than here (50 µs against 100 µs)" in text
    assert "not a slower host across the board" in text


def test_a_slower_before_cluster_baseline_is_not_used():
    cpu = made_cpu((0.56,) * 5)
    slow = Suite()
    slow.add(Timing("countdown-alone", "sequential", 1, (1.5,) * 5, (), {"n": 8_000_000}))
    assert distributed.sound_suite(cpu, slow) is cpu
    text = distributed.dask_verdict(cpu, alone=slow).text
    assert "with the cluster alive (the baseline of the speedups above)" in text and "stand on the run with" in text


PAGE_OUT = """Dask scheduler: tcp://127.0.0.1:43417; 400,000 steps in 2 tasks, median of 1 run
  1 process               0.009 s    1.00x one process
  2 pool processes        0.009 s    1.05x one process
  Dask cluster            0.020 s    0.48x one process
  tiny tasks, pool        210.7 µs per task
  tiny tasks, Dask       2146.8 µs per task
"""


def test_the_example_page_explains_the_clusters_time_by_the_chapters_measured_round():
    record = {"suites": {"round": made_rounds(dask=(0.3612,) * 7).to_dict()}}  # 18.06 ms a round
    text = distributed.example_page_comparison(PAGE_OUT, record)
    assert "Dask lost here" in text and "4.5 ms of work in each of its 2 tasks" in text
    assert "on its cluster: 18.06 ms a round" in text and "comes to 22.6 ms, a little more than the 20 ms" in text
    under = {"suites": {"round": made_rounds(dask=(0.3,) * 7).to_dict()}}  # 15 ms a round: 19.5 ms in all
    assert "comes to 19.5 ms, a little less than the 20 ms" in distributed.example_page_comparison(PAGE_OUT, under)
    assert "48% of each task" not in text and "steady stream" in text
    far = {"suites": {"round": made_rounds(dask=(1.2,) * 7).to_dict()}}  # 60 ms a round: far above 20 ms
    assert "more than the 20 ms the cluster took: the round does not account for it" in \
        distributed.example_page_comparison(PAGE_OUT, far)
    assert "its record is not in this edition" in distributed.example_page_comparison(PAGE_OUT, None)
    assert distributed.example_page_comparison("nothing", record) == ""
    won = distributed.example_page_comparison(PAGE_OUT.replace("0.020 s", "0.006 s").replace("0.48x", "1.50x"), record)
    assert "lost" not in won and "gives each task more work" in won


def test_baseline_text_says_why_a_speedup_over_the_slowed_baseline_passes_the_cpus():
    alone = made_alone(0.8)  # 1.0 s with the cluster alive
    text = distributed.dask_verdict(made_cpu((0.56,) * 5, procs=(0.45,) * 5), alone=alone).text
    assert "would read 2.22×" in text and "more than 2 CPUs can give: what lifts it is the slowed baseline" in text
    calm = distributed.dask_verdict(made_cpu((0.56,) * 5), alone=alone).text
    assert "No speedup on this page stands on it." in calm and "can give" not in calm


def test_shown_us_rounds_as_the_text_prints_so_the_chart_label_matches():
    assert f"{distributed.shown_us(1675.6):,g}" == "1,676" == f"{1675.6:,.0f}"
    assert f"{distributed.shown_us(131.2):,g}" == "131" and f"{distributed.shown_us(0.0912):,g}" == "0.09"


def test_the_example_check_names_the_baseline_the_tables_speedups_stand_on():
    cpu, tiny = made_cpu((0.56,) * 5), made_tiny()
    ex = distributed.parse_example(EXAMPLE_OUT)
    alive = distributed.example_verdict(cpu, tiny, ex, alone=made_alone(1.2)).text  # before the cluster: slower
    assert "as the table's do on the one timed here with the cluster alive" in alive
    assert "before the cluster" not in alive
    before = distributed.example_verdict(cpu, tiny, ex, alone=made_alone(0.9)).text
    assert "the table's stand on one process timed before the cluster started, and this page's one process took 11%" \
        in before


def test_an_example_speedup_above_the_cpus_is_put_down_to_its_slow_baseline_computed():
    cpu, tiny = made_cpu((0.56,) * 5), made_tiny()
    ex = {"count": 8_000_000, "workers": 2, "one_s": 1.2, "pool_s": 0.5, "dask_s": 0.56,
          "pool_x": 2.4, "dask_x": 1.2 / 0.56, "pool_us": 300.0, "dask_us": 3000.0}
    text = distributed.above_cpus_text(cpu, ex, made_alone(0.9))
    assert "A speedup above 2× is more than 2 CPUs can give" in text
    assert "its one-process baseline was slow (1.200 s against the 0.9000 s this page timed before the cluster" in text
    assert "its pool's 0.500 s is 1.80×" in text and "its cluster's 0.560 s is 1.61×" in text
    c = distributed.example_verdict(cpu, tiny, ex, alone=made_alone(0.9))
    assert c.state == "contradicted" and "A speedup above 2×" in c.text
    assert "names no cause" not in c.text and "cannot say what slowed the example's one process" in c.text
    within = dict(ex, pool_x=1.9, dask_x=1.8)
    assert distributed.above_cpus_text(cpu, within, made_alone(0.9)) == ""
