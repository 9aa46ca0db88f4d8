from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from gilref.core import harness
from gilref.core.harness import MeasurementTimeout, compare, countdown_suite, io_suite, measure
from gilref.core.workloads import countdown, io_wait


def test_three_way_countdown_keeps_every_value(no_leaked_threads):
    suite = countdown_suite(20_000, workers=2, repeats=5, warmups=1)
    assert [(t.mode, t.workers) for t in suite.timings] == [
        ("sequential", 1), ("threads", 2), ("processes", 2)]
    for t in suite.timings:
        assert len(t.values) == 5 and len(t.warmups) == 1
        assert all(v > 0 for v in t.values)
        assert t.params["n"] == 20_000 and t.params["tasks"] == 2
    assert suite.get("countdown", "processes").params["start_method"] in multiprocessing.get_all_start_methods()
    assert suite.speedup(suite.baseline("countdown")) == 1.0
    assert suite.metadata["python_version"]


def test_io_suite_waits_in_a_row_then_on_threads():
    suite = io_suite(latency=0.05, tasks=4, workers=(1, 4), repeats=5, warmups=0)
    assert [(t.mode, t.workers) for t in suite.timings] == [("sequential", 1), ("threads", 1), ("threads", 4)]
    seq = suite.baseline("io_wait")
    assert min(seq.values) >= 4 * 0.05  # four waits in a row
    assert min(suite.get("io_wait", "threads", 4).values) >= 0.05  # each thread did wait
    # How much four threads gain is a speed goal: tests/bench/bench_speedups.py.


@pytest.mark.parametrize("workers", [4, 2])
def test_thread_workers_run_at_the_same_time(workers):
    # Four tasks meet at a barrier: the run completes only if all four are running at once.
    barrier = threading.Barrier(4, timeout=60 if workers == 4 else 1)
    if workers == 4:
        t = measure(barrier.wait, [()] * 4, mode="threads", workers=4, repeats=5, warmups=1)
        assert len(t.values) == 5 and len(t.warmups) == 1
    else:  # two at a time never make four: the barrier breaks, as it would one after another
        with pytest.raises(threading.BrokenBarrierError):
            measure(barrier.wait, [()] * 4, mode="threads", workers=2, repeats=5, warmups=0)


def test_sequential_runs_tasks_one_after_another():
    t = measure(io_wait, [(0.02,)] * 3, mode="sequential", repeats=5, warmups=0)
    assert min(t.values) >= 0.06


def test_tasks_may_depend_on_worker_count():
    seen = []

    def tasks(workers):
        seen.append(workers)
        return [(1000,)] * workers

    compare(countdown, tasks, configs=[("sequential", 1), ("threads", 3)], repeats=5, warmups=0)
    assert seen == [1, 3]


@pytest.mark.parametrize(("kwargs", "exc", "words"), [
    ({"repeats": 4}, ValueError, "repeats must be >= 5"),
    ({"repeats": 5.0}, TypeError, "repeats must be an int"),
    ({"warmups": -1}, ValueError, "warmups must be >= 0"),
    ({"timeout": 0}, ValueError, "timeout must be > 0"),
    ({"configs": []}, ValueError, "at least one"),
    ({"configs": [("threads", 0)]}, ValueError, "workers must be >= 1, got 0"),
    ({"configs": [("fibers", 2)]}, ValueError, "mode must be one of"),
    ({"configs": [("sequential", 2)]}, ValueError, "runs on 1 worker"),
    ({"configs": [("threads", 2), ("threads", 2)]}, ValueError, "must not repeat"),
])
def test_bad_arguments_are_named(kwargs, exc, words):
    args = {"configs": [("sequential", 1)], **kwargs}
    with pytest.raises(exc, match=words):
        compare(countdown, [(10,)], **args)


def test_bad_tasks_are_rejected():
    with pytest.raises(ValueError, match="non-empty list"):
        compare(countdown, [], configs=[("sequential", 1)])
    with pytest.raises(TypeError, match="tuple of arguments"):
        compare(countdown, [10], configs=[("sequential", 1)])
    with pytest.raises(TypeError, match="callable"):
        compare("countdown", [(10,)], configs=[("sequential", 1)])


def test_worker_exceptions_reach_the_caller():
    with pytest.raises(ValueError, match="n must be >= 0"):
        compare(countdown, [(-5,)], configs=[("threads", 2)], repeats=5)
    with pytest.raises(ValueError, match="n must be >= 0"):
        compare(countdown, [(-5,)], configs=[("processes", 2)], repeats=5)


def test_a_hanging_thread_run_times_out():
    release = threading.Event()
    try:
        with pytest.raises(MeasurementTimeout, match="did not finish within 0.3 s"):
            compare(release.wait, [(120.0,)], configs=[("threads", 1)], repeats=5, warmups=0, timeout=0.3)
        # It returned while the task still waited: the deadline ended the run, not the task.
        assert [t for t in threading.enumerate() if t.name.startswith("gilref-worker") and t.is_alive()]
    finally:
        release.set()


def test_a_hanging_process_run_is_killed():
    hang = 120.0
    start = time.monotonic()
    with pytest.raises(MeasurementTimeout, match="they were killed"):
        compare(io_wait, [(hang,)], configs=[("processes", 1)], repeats=5, warmups=0, timeout=0.5)
    assert time.monotonic() - start < hang / 2  # killed on its deadline, not waited out
    assert multiprocessing.active_children() == []


def test_no_worker_processes_survive_a_comparison():
    countdown_suite(10_000, workers=2, repeats=5, warmups=0)
    assert multiprocessing.active_children() == []


def test_dealing_is_round_robin():
    assert harness._deal([(1,), (2,), (3,)], 2) == [[(1,), (3,)], [(2,)]]


def test_prime_calls_the_workload_with_the_small_task():
    calls = []
    harness.prime(lambda *a: calls.append(a), (7,), calls=5)
    assert calls == [(7,)] * 5


def test_priming_runs_everywhere_and_is_recorded():
    suite = compare(countdown, [(10_000,), (10_000,)], configs=[("sequential", 1), ("processes", 2)],
                    repeats=5, warmups=0, prime_task=(100,), start_method="spawn")
    assert {t.params["primed_calls"] for t in suite.timings} == {harness.PRIME_CALLS}
    assert multiprocessing.active_children() == []
    with pytest.raises(TypeError, match="prime_task must be a tuple"):
        compare(countdown, [(10,)], configs=[("sequential", 1)], prime_task=100)


def test_a_failing_primer_is_reported_not_hung():
    # countdown(-1) raises in every worker's initializer: the run must end, not hang.
    with pytest.raises((ValueError, MeasurementTimeout)):
        compare(countdown, [(10,)], configs=[("sequential", 1)], prime_task=(-1,), timeout=5)


def test_interleave_warms_each_run_then_takes_turns():
    calls: list[str] = []

    def run(name: str, seconds: float):
        def call() -> float:
            calls.append(name)
            return seconds
        return call

    values, warm = harness.interleave([run("a", 1.0), run("b", 2.0)], repeats=3, warmups=2)
    assert calls == ["a", "a", "b", "b", "a", "b", "a", "b", "a", "b"]
    assert values == [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    assert warm == [[1.0, 1.0], [2.0, 2.0]]


def test_interleave_can_warm_up_with_other_calls():
    calls: list[str] = []

    def run(name: str):
        def call() -> str:
            calls.append(name)
            return name
        return call

    values, warm = harness.interleave([run("a"), run("b")], repeats=2, warmups=1,
                                      warmup_runs=[run("a-short"), run("b-short")])
    assert calls == ["a-short", "b-short", "a", "b", "a", "b"]
    assert values == [["a", "a"], ["b", "b"]] and warm == [["a-short"], ["b-short"]]
    with pytest.raises(ValueError, match="one call per run"):
        harness.interleave([run("a"), run("b")], repeats=1, warmups=1, warmup_runs=[run("a")])


@pytest.mark.parametrize(("cpus", "oversubscribe", "counts"), [
    (1, True, [1, 2]),
    (2, True, [1, 2, 4]),
    (3, True, [1, 2, 3, 6]),
    (4, True, [1, 2, 3, 4, 8]),
    (3, False, [1, 2, 3]),
    (8, True, [1, 2, 4, 8, 16]),
    (12, True, [1, 2, 4, 8, 12, 24]),
    (12, False, [1, 2, 4, 8, 12]),
    (16, True, [1, 2, 4, 8, 16, 32]),
])
def test_thread_counts_are_every_count_up_to_four_cpus_then_powers_of_two(cpus, oversubscribe, counts):
    assert harness.thread_counts(cpus, oversubscribe=oversubscribe) == counts


def test_thread_counts_default_to_the_usable_cpus(monkeypatch):
    monkeypatch.setattr(harness, "usable_cpus", lambda: 6)
    assert harness.thread_counts() == [1, 2, 4, 6, 12]
    with pytest.raises(ValueError, match="cpus must be >= 1"):
        harness.thread_counts(0)


def test_run_threads_starts_every_job_and_times_them(no_leaked_threads):
    done: list[int] = []
    elapsed = harness.run_threads([(done.append, (i,)) for i in range(4)], 10)
    assert sorted(done) == [0, 1, 2, 3] and elapsed >= 0


def test_run_threads_calls_on_start_once_when_every_thread_exists(no_leaked_threads):
    log: list[object] = []

    def on_start() -> None:
        alive = [t for t in threading.enumerate() if t.name.startswith("gilref-together-")]
        log.append(("start", len(alive)))

    harness.run_threads([(log.append, ("run",))] * 5, 10, name="gilref-together", on_start=on_start)
    assert log[0] == ("start", 5) and log[1:] == ["run"] * 5


def test_run_threads_raises_what_on_start_raised_not_a_broken_barrier(no_leaked_threads):
    ran: list[int] = []

    def fail() -> None:
        raise LookupError("no clock")

    with pytest.raises(LookupError, match="no clock"):
        harness.run_threads([(ran.append, (1,))] * 3, 10, on_start=fail)
    assert ran == []


def test_run_threads_gives_up_at_the_deadline(no_leaked_threads):
    release = threading.Event()
    try:
        with pytest.raises(MeasurementTimeout, match="2 thread"):
            harness.run_threads([(release.wait, (30,)), (release.wait, (30,))], 0.2, start_together=True)
    finally:
        release.set()
    for t in threading.enumerate():
        if t.name.startswith("gilref-worker-"):
            t.join(10)


def test_countdown_compare_splits_per_configuration_or_into_fixed_tasks(no_leaked_threads, monkeypatch):
    primed = []
    monkeypatch.setattr(harness, "prime", lambda func, task, calls=harness.PRIME_CALLS: primed.append((func, task)))
    configs = [("sequential", 1), ("threads", 3)]
    per_config = harness.countdown_compare(9_000, configs, repeats=5, warmups=0)
    assert [(t.workload, t.params["n"], t.params["tasks"]) for t in per_config.timings] == [
        ("countdown", 9_000, 1), ("countdown", 9_000, 3)]
    fixed = harness.countdown_compare(9_000, configs, tasks=2, repeats=5, warmups=0)
    assert [t.params["tasks"] for t in fixed.timings] == [2, 2]  # the sequential run counts down both halves
    assert primed and set(primed) == {(countdown, harness.COUNTDOWN_PRIME_TASK)}
    with pytest.raises(ValueError, match="tasks must be >= 1"):
        harness.countdown_compare(9_000, configs, tasks=0)
