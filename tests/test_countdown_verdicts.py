"""The cpu-vs-io chapter's verdicts and invariants, decided on made-up results (nothing is measured here)."""

from __future__ import annotations

import json

import pytest

from gilref.core.results import Suite, Timing
from gilref.topics import countdown as cd

META = {"load_average": [1.5, 1.2, 1.0], "usable_cpus": 2, "gil_enabled": True}


def spread(median, width=0.02):
    """Seven runs around *median*, the quartiles about *width* (a fraction) apart."""
    return tuple(median * (1 + width * k) for k in (-3, -1, -0.5, 0, 0.5, 1, 3))


def cpu_suite(seq=1.0, thr=1.0, prc=0.52, workers=2, width=0.02):
    s = Suite(metadata=dict(META))
    s.add(Timing("countdown", "sequential", 1, spread(seq, width), (), {"n": 1000, "tasks": workers}))
    s.add(Timing("countdown", "threads", workers, spread(thr, width), (), {"n": 1000, "tasks": workers}))
    s.add(Timing("countdown", "processes", workers, spread(prc, width), (),
                 {"n": 1000, "tasks": workers, "start_method": "forkserver"}))
    return s


def example(one=0.2, thr=0.2, prc=0.12, start=0.01, workers=2):
    return cd.CountdownExample.from_json({
        "count": 5_000_000, "workers": workers, "start_method": "fork", "python": "3.11.7",
        "load_average": [2.5, 2, 1],
        "seconds": {"one_thread": list(spread(one)), "threads": list(spread(thr)),
                    "processes": list(spread(prc)), "process_start": list(spread(start))}})


def io_suite(times=None, latency=0.05, tasks=8):
    times = times or {0: 0.40, 1: 0.40, 2: 0.20, 4: 0.10, 8: 0.05}
    s = Suite(metadata=dict(META))
    for w, t in times.items():
        mode = "sequential" if w == 0 else "threads"
        s.add(Timing("io_wait", mode, max(w, 1), spread(t * 1.04, 0.01), (), {"latency_s": latency, "tasks": tasks}))
    return s


# -- threads ---------------------------------------------------------------------------


def test_threads_verdict_holds_when_the_whole_interval_is_below_the_threshold():
    c = cd.threads_verdict(cpu_suite(thr=1.05))
    assert c.state == "holds" and "Threads did not help" in c.text and "0.95×" in c.text


def test_threads_verdict_contradicted_when_threads_were_clearly_faster():
    c = cd.threads_verdict(cpu_suite(thr=0.5))
    assert c.state == "contradicted" and "2.00×" in c.text


def test_threads_verdict_undecided_when_the_spread_straddles_the_threshold():
    c = cd.threads_verdict(cpu_suite(thr=1 / 1.2, width=0.05))
    assert c.state == "undecided" and "cannot decide" in c.text


def test_threads_verdict_states_the_example_and_agrees_with_it():
    c = cd.threads_verdict(cpu_suite(thr=1.0), example(thr=0.2))
    assert c.state == "holds"
    assert "5,000,000 steps" in c.text and "the same within the repeats' spread" in c.text


def test_threads_verdict_explains_an_example_outside_the_spread():
    c = cd.threads_verdict(cpu_suite(thr=1.0), example(thr=0.25))
    assert c.state == "holds" and "outside this measurement's spread" in c.text
    assert "1.5" in c.text and "2.5" in c.text  # both load averages are stated


def test_threads_verdict_is_undecided_when_the_example_decides_the_other_way():
    c = cd.threads_verdict(cpu_suite(thr=1.0), example(thr=0.1))
    assert c.state == "undecided" and "the example on this page decided the other way" in c.text
    c = cd.threads_verdict(cpu_suite(thr=1 / 1.2, width=0.05), example(thr=0.2))
    assert c.state == "undecided" and "holds the threshold of 1.2×" in c.text and "other way" not in c.text


# -- processes -------------------------------------------------------------------------


def test_processes_verdict_holds_and_takes_the_start_off_the_examples_time():
    c = cd.processes_verdict(cpu_suite(prc=0.52), example(one=0.2, prc=0.11, start=0.01))
    assert c.state == "holds" and "Processes did help" in c.text
    assert "inside the timing" in c.text and "fork start method" in c.text
    assert "10.0 ms" in c.text and "with that taken off, its speedup is 2.00×" in c.text


def test_processes_verdict_contradicted_when_processes_were_no_faster():
    c = cd.processes_verdict(cpu_suite(prc=0.95))
    assert c.state == "contradicted" and "load average was only 1.5 on 2 CPUs" in c.text
    busy = cpu_suite(prc=0.95)
    busy.metadata["load_average"] = [7.6, 4.0, 2.0]
    c = cd.processes_verdict(busy)
    assert c.state == "contradicted" and "7.6 on 2 CPUs" in c.text and "other work held the cores" in c.text


def test_processes_verdict_contradicted_with_one_worker():
    c = cd.processes_verdict(cpu_suite(prc=0.5, workers=1))
    assert c.state == "contradicted" and "single worker" in c.text


def test_processes_verdict_undecided_on_the_threshold():
    c = cd.processes_verdict(cpu_suite(prc=1 / 1.3, width=0.05))
    assert c.state == "undecided"


# -- waits -----------------------------------------------------------------------------


def test_io_verdict_holds_near_the_ideal():
    c = cd.io_verdict(io_suite())
    assert c.state == "holds" and "8 threads finished" in c.text


def test_io_verdict_contradicted_far_from_the_ideal():
    c = cd.io_verdict(io_suite({0: 0.4, 1: 0.4, 2: 0.3, 4: 0.3, 8: 0.3}))
    assert c.state == "contradicted" and "fell short" in c.text


def test_io_verdict_undecided_near_the_threshold():
    c = cd.io_verdict(io_suite({0: 0.4, 1: 0.4, 2: 0.2, 4: 0.1, 8: 0.4 / 8 / 0.8}))
    assert c.state == "undecided"


# -- invariants ------------------------------------------------------------------------


def broken(invariants):
    return sorted(i.key for i in invariants if not i.holds)


def test_countdown_invariants_hold_for_a_sound_run():
    assert broken(cd.countdown_invariants(cpu_suite())) == []


def test_countdown_invariants_catch_slow_processes_and_superlinear_speedups():
    assert broken(cd.countdown_invariants(cpu_suite(prc=1.5))) == ["countdown_processes_2_not_slower"]
    assert broken(cd.countdown_invariants(cpu_suite(thr=0.3))) == ["countdown_threads_at_most_n_times"]


def test_io_invariants_hold_for_a_sound_run():
    assert broken(cd.io_invariants(io_suite())) == []


def test_io_invariants_catch_a_run_faster_than_its_waits():
    assert broken(cd.io_invariants(io_suite({0: 0.4, 1: 0.4, 2: 0.2, 4: 0.1, 8: 0.03}))) == [
        "io_threads_8_not_below_waits"]


def test_io_invariants_catch_more_threads_that_were_slower():
    assert broken(cd.io_invariants(io_suite({0: 0.4, 1: 0.4, 2: 0.2, 4: 0.3, 8: 0.05}))) == [
        "io_threads_4_not_slower_than_2"]


def test_example_invariants_both_ways():
    assert broken(cd.example_invariants(example())) == []
    assert broken(cd.example_invariants(example(prc=0.005, start=0.02))) == [
        "example_at_most_n_times", "example_start_within_processes"]


def test_example_json_is_checked():
    with pytest.raises(ValueError, match="not the JSON"):
        cd.CountdownExample.from_json({"count": 1})


@pytest.mark.example("countdown.py")
def test_the_example_writes_json_the_verdicts_read(tmp_path, run_example):
    path = tmp_path / "out.json"
    out = run_example("countdown.py", "--count", "200000", "--workers", "2", "--repeats", "3",
                      "--json", str(path)).stdout
    ex = cd.CountdownExample.from_json(json.loads(path.read_text()))
    assert ex.count == 200_000 and len(ex.threads) == 3 and ex.start_method in out
    assert "processes that do nothing took" in out


def test_first_look_reads_the_chapters_record():
    cpu = cpu_suite(thr=1.0, prc=0.5)
    record = {"suites": {"countdown": cpu.to_dict(), "io": io_suite().to_dict()},
              "claims": {"threads_verdict": cd.threads_verdict(cpu).to_dict(),
                         "other": {"statement": "not a headline", "state": "holds"}}}
    first = cd.first_look(record)
    assert first.workers == 2 and first.io_workers == 8
    assert first.threads.median == pytest.approx(1.0) and first.processes.median == pytest.approx(2.0)
    assert first.verdicts == (("threads do not make CPU-bound pure-Python code faster under the GIL", "holds"),)
    with pytest.raises(KeyError):
        cd.first_look({"suites": {}})


# -- fix round: the load of each measurement, where the waits' missing time went ---------


def test_threads_and_processes_verdicts_state_the_load_when_measured():
    busy = cpu_suite(thr=1.0, prc=0.52)
    busy.metadata["load_average"] = [3.56, 3, 3]
    for c in (cd.threads_verdict(busy), cd.processes_verdict(busy)):
        assert "load average 3.6 on 2 CPUs when measured" in c.text
    undecided = cpu_suite(thr=1.0, prc=1 / 1.3, width=0.05)
    assert "when measured" in cd.processes_verdict(undecided).text


def test_processes_verdict_blames_load_only_when_the_slower_run_was_busier():
    # the example's net speedup is below the harness's, and the example was *less* loaded
    calm = cd.CountdownExample.from_json({
        "count": 5_000_000, "workers": 2, "start_method": "fork", "python": "3.11.7", "load_average": [0.2, 1, 1],
        "seconds": {"one_thread": list(spread(0.2)), "threads": list(spread(0.2)),
                    "processes": list(spread(0.16)), "process_start": list(spread(0.01))}})
    c = cd.processes_verdict(cpu_suite(), calm)
    assert "Load does not explain it" in c.text and "busier" not in c.text


def test_io_overhead_and_the_verdict_say_where_the_missing_time_went():
    s = io_suite({0: 0.4, 1: 0.4, 2: 0.2, 4: 0.1, 8: 0.070 / 1.04})  # the helper adds 4%
    floor, over = cd.io_overhead(s.get("io_wait", "threads", 8))
    assert floor == pytest.approx(0.05) and over == pytest.approx(0.02)
    c = cd.io_verdict(s)
    assert c.state != "holds" and "took 0.070 s where its waits alone take 0.050 s" in c.text
    assert "20 ms over" in c.text and "2.5 ms per thread" in c.text and "when measured" in c.text


def test_first_look_gives_the_load_of_each_measurement():
    cpu, io = cpu_suite(), io_suite()
    io.metadata["load_average"] = [0.5, 1, 1]
    first = cd.first_look({"suites": {"countdown": cpu.to_dict(), "io": io.to_dict()}, "claims": {}})
    assert first.load_text() == "1.5 (countdown) and 0.5 (waits) on 2 CPUs"
    io.metadata["load_average"] = [1.5, 1, 1]
    assert cd.first_look({"suites": {"countdown": cpu.to_dict(), "io": io.to_dict()}}).load_text() == "1.5 on 2 CPUs"


def test_processes_verdict_explains_the_examples_lower_net_speedup_by_its_shorter_job():
    # here 1.0 s alone and 0.52 s on 2 processes: 20 ms per run beyond a perfect split; the example's
    # job is 0.2 s, so that cost gives 0.2 / (0.1 + 0.02) = 1.67x, what its net runs reached
    c = cd.processes_verdict(cpu_suite(prc=0.52), example(one=0.2, prc=0.13, start=0.01))
    assert "still below this measurement's spread" in c.text and "would have reached 1.67×, inside its spread" in c.text
    assert "The job's size explains the gap." in c.text and "Load does not" not in c.text and "::" not in c.text


def test_the_io_verdict_says_why_its_bar_is_lower_than_the_fetching_chapters():
    from gilref.topics import fetch

    assert cd.IO_IDEAL_SHARE < fetch.SCALE_SHARE  # the reason below is only needed, and true, this way round
    for times in (None, {0: 0.4, 1: 0.4, 2: 0.3, 4: 0.3, 8: 0.3}, {0: 0.4, 1: 0.4, 2: 0.2, 4: 0.1, 8: 0.4 / 8 / 0.8}):
        c = cd.io_verdict(io_suite(times))
        assert "a lower bar than the 90% of {doc}`fetching`: each run here starts new threads inside its " \
               "timing, and at 8 threads each makes 1 wait of 50 ms" in c.text, (c.state, c.text)
    c = cd.io_verdict(io_suite({0: 0.8, 1: 0.8, 2: 0.4, 4: 0.2}, tasks=16))
    assert "at 4 threads each makes 4 waits of 50 ms" in c.text
