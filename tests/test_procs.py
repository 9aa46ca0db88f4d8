"""Processes: start-up and data costs are measured, errors are captured, nothing is left running."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from pathlib import Path

import pytest

from gilref.topics import processes

METHODS = processes.start_methods()


@pytest.fixture(autouse=True)
def no_leaked_processes():
    """Every test here must leave no child process and no shared-memory block behind."""
    shm = Path("/dev/shm")
    before = set(shm.iterdir()) if shm.is_dir() else set()
    yield
    assert multiprocessing.active_children() == []
    if shm.is_dir():
        def left() -> list[str]:
            return [p.name for p in set(shm.iterdir()) - before if p.name.startswith(("psm_", "wnsm_"))]

        # /dev/shm is the machine's: another program's block (a book build's shared-memory demo) may
        # appear meanwhile and goes away when it finishes; a block this test leaked stays.
        deadline = time.monotonic() + 10
        while left() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left(), f"shared memory left behind: {left()}"


def test_start_cost_of_every_method():
    suite = processes.start_cost_suite(repeats=5, warmups=1)
    assert [t.mode for t in suite.timings] == METHODS
    for t in suite.timings:
        assert t.workload == "process-start" and len(t.values) == 5 and len(t.warmups) == 1
        assert all(0 < v < 30 for v in t.values)


def test_start_cost_in_a_clean_child():
    suite = processes.start_cost_in_child(["fork"] if "fork" in METHODS else METHODS[:1], repeats=5)
    assert len(suite.timings) == 1 and len(suite.timings[0].values) == 5
    assert suite.metadata["parent"].startswith("python -c")
    # what a fork copies and the floor under a spawn start, recorded for the cross-checks of other pages
    assert isinstance(suite.metadata["modules_loaded"], int) and suite.metadata["modules_loaded"] > 10
    assert 0 < suite.metadata["fresh_start_s"] < 30


@pytest.mark.parametrize("method", METHODS)
def test_countdown_on_an_executor(method):
    suite = processes.countdown_executor_suite(20_000, workers=2, repeats=5, warmups=0, start_method=method)
    assert [t.mode for t in suite.timings] == ["sequential", "processes", "processes-new-pool"]
    assert suite.get("countdown", "processes").params["start_method"] == method
    assert suite.get("countdown", "processes").workers == 2


def test_pickling_suite_times_every_size_and_way():
    suite = processes.pickling_suite([10, 100_000], repeats=5)
    assert sorted({t.workload for t in suite.timings}) == ["payload-10", "payload-100000"]
    assert {t.mode for t in suite.timings} == {"pickle", "argument", "round-trip", "result"}
    assert suite.get("payload-100000", "round-trip").params["bytes"] == 100_000
    assert suite.metadata["threads"] >= 1  # this process's threads, beside the pool's manager thread
    # a small payload's sample is the mean of several calls, so one scheduler hiccup does not decide it
    assert suite.get("payload-10", "argument").params["calls_per_sample"] == processes.calls_per_sample(10) > 1
    if sys.platform.startswith("linux"):  # getrusage counts the minor page faults of each pickling call
        assert suite.get("payload-100000", "pickle").params["minor_faults_per_call"] >= 0
        assert "minor_faults_per_call" not in suite.get("payload-100000", "argument").params


def test_calls_per_sample_batches_small_payloads_only():
    assert processes.calls_per_sample(0) == processes.calls_per_sample(1024) == 100  # MAX_CALLS
    assert processes.calls_per_sample(1 << 18) == 4
    assert processes.calls_per_sample(1 << 26) == 1


def test_shared_memory_suite_agrees_and_unlinks():
    pytest.importorskip("numpy")
    suite = processes.shared_memory_suite(1 << 20, repeats=5)
    assert [t.mode for t in suite.timings] == ["in-process", "pickled", "shared-memory"]
    assert suite.timings[0].params["bytes"] == 1 << 20


@pytest.mark.parametrize("method", METHODS)
def test_a_lambda_cannot_be_sent_and_the_pool_survives(method):
    err = processes.unpicklable_error(method)
    assert err["type"] in ("PicklingError", "AttributeError")
    assert "pickle" in err["error"].lower() and "lambda" in err["error"]
    assert err["pool_still_works"] is True
    assert err["start_method"] == method


@pytest.mark.skipif("spawn" not in METHODS, reason="needs the spawn start method")
def test_main_module_errors_under_spawn():
    interactive, unguarded, guarded = processes.main_module_errors("spawn", timeout=120)
    assert not interactive["ok"] and interactive["returncode"] != 0
    assert "Can't get attribute 'work'" in interactive["stderr"]
    assert "BrokenProcessPool" in interactive["stderr"]
    assert not unguarded["ok"] and "bootstrapping phase" in unguarded["stderr"]
    assert guarded["ok"] and guarded["stdout"] == "49"
    assert "frames in the standard library" in unguarded["stderr"]
    assert len(unguarded["stderr"]) < len(unguarded["stderr_full"])


def test_condense_traceback_keeps_own_frames_and_errors():
    import sysconfig

    lib = sysconfig.get_paths()["stdlib"]
    text = (f'Traceback (most recent call last):\n  File "work.py", line 9, in <module>\n    go()\n'
            f'  File "{lib}/a.py", line 1, in f\n    x()\n  File "{lib}/b.py", line 2, in g\n    y()\n'
            "ValueError: boom")
    assert processes.condense_traceback(text).splitlines() == [
        "Traceback (most recent call last):", '  File "work.py", line 9, in <module>', "    go()",
        "  ... (2 frames in the standard library)", "ValueError: boom"]


@pytest.mark.skipif("fork" not in METHODS, reason="needs the fork start method")
def test_main_module_functions_are_fine_under_fork():
    cases = processes.main_module_errors("fork", timeout=120)
    assert [c["ok"] for c in cases] == [True, True, True]


def test_broken_pool_is_reported_and_a_new_pool_works():
    demo = processes.broken_pool_demo()
    outcomes = {row["call"]: row["outcome"] for row in demo["outcomes"]}
    assert outcomes["square(1)"] == "returned 1"
    assert "BrokenProcessPool" in outcomes["crash()"]
    # The other worker is busy with slow_square(3) for 0.5 s, so the queued
    # squares cannot have finished when the crash breaks the pool.
    for call in ("slow_square(4)", "slow_square(5)"):
        assert "BrokenProcessPool" in outcomes[call]
    assert outcomes["slow_square(3)"] == "returned 9" or "BrokenProcessPool" in outcomes["slow_square(3)"]
    assert "not usable anymore" in demo["submit_after"]
    assert demo["fresh_pool"] == 36


def test_map_outcomes_reports_each_item():
    out = processes.map_outcomes(processes.square, [1, 2, "x", 4])
    assert [o.ok for o in out] == [True, True, False, True]
    assert [o.value for o in out] == [1, 4, None, 16]
    assert out[2].error and out[2].error.startswith("TypeError")
    assert [o.index for o in out] == [0, 1, 2, 3]


def test_map_outcomes_survives_a_dying_worker():
    out = processes.map_outcomes(processes.crash, [1], workers=1)
    assert not out[0].ok and "BrokenProcessPool" in (out[0].error or "")
    out = processes.map_outcomes(processes.apply, [processes.add_one])
    assert not out[0].ok and "pickle" in (out[0].error or "").lower()


def test_map_outcomes_kills_workers_past_the_deadline():
    # The deadline includes starting the pool, so it is generous for a loaded machine;
    # the hanging item (600 s) is what it must cut short.
    start = time.monotonic()
    out = processes.map_outcomes(time.sleep, [0.01, 600], workers=2, timeout=8)
    assert time.monotonic() - start < 120  # killed on its deadline, far from the 600 s item
    assert out[0].ok
    assert not out[1].ok and "TimeoutError" in (out[1].error or "")


def test_worker_functions():
    assert processes.square(7) == 49 and processes.echo(b"x") == b"x" and processes.payload_size(b"abc") == 3
    assert processes.apply(processes.add_one, 1) == 2 and processes.noop() is None
    assert processes.slow_square(3, 0) == 9
    with pytest.raises(ValueError, match="'interactive' or 'unguarded'|must be one of"):
        processes.script_template("other")
    assert 'if __name__ == "__main__":' in processes.script_template("interactive")
    assert "if __name__" not in processes.script_template("unguarded")


def test_crash_ends_the_process_with_its_code():
    ctx = multiprocessing.get_context(METHODS[0])
    p = ctx.Process(target=processes.crash, args=(3,))
    p.start()
    p.join(30)
    assert p.exitcode == 3


@pytest.mark.parametrize(("call", "exc", "words"), [
    (lambda: processes.start_cost_suite(["vfork"]), ValueError, "start_method must be one of"),
    (lambda: processes.start_cost_suite([]), ValueError, "at least one start method"),
    (lambda: processes.start_cost_suite(repeats=3), ValueError, "repeats must be >= 5"),
    (lambda: processes.countdown_executor_suite(0), ValueError, "n must be >= 1"),
    (lambda: processes.countdown_executor_suite(10, workers=0), ValueError, "workers must be >= 1"),
    (lambda: processes.countdown_executor_suite(10, start_method="x"), ValueError, "start_method must be one of"),
    (lambda: processes.pickling_suite([]), ValueError, "at least one payload size"),
    (lambda: processes.pickling_suite([-1]), ValueError, "sizes must be >= 0"),
    (lambda: processes.shared_memory_suite(4), ValueError, "nbytes must be >= 8"),
    (lambda: processes.map_outcomes(processes.square, [1], workers=0), ValueError, "workers must be >= 1"),
    (lambda: processes.map_outcomes("square", [1]), TypeError, "func must be callable"),
    (lambda: processes.main_module_errors("vfork"), ValueError, "start_method must be one of"),
    (lambda: processes.unpicklable_error(timeout=0), ValueError, "timeout must be > 0"),
])
def test_bad_arguments_are_named(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def test_what_workers_run_is_found_by_its_public_name():
    # spawn and forkserver workers import a function by __module__ and name:
    # each must come back as itself from the package readers import.
    import pickle

    for func in (processes.noop, processes.payload_size, processes.echo, processes.square,
                 processes.slow_square, processes.crash, processes.apply, processes.array_sum,
                 processes.shared_array_sum, processes.map_outcomes):
        assert func.__module__ == "gilref.topics.processes", func
        assert pickle.loads(pickle.dumps(func)) is func
    outcome = processes.Outcome(0, True, 1)
    assert pickle.loads(pickle.dumps(outcome)) == outcome
    with pytest.raises((pickle.PicklingError, AttributeError), match="lambda"):
        pickle.dumps(processes.add_one)


def test_the_lambda_really_is_a_lambda():
    assert processes.add_one.__name__ == "<lambda>"
    assert os.getpid() > 0
