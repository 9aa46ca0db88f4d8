from __future__ import annotations

import sys
import threading
import time

import pytest

from gilref.interp import discover as interpreters
from gilref.interp import select as builds
from gilref.topics import deadlock
from gilref.topics.deadlock import NativeMutex, run_case, run_cases, run_in

pytestmark = pytest.mark.skipif(deadlock.unsupported() is not None,
                                reason=f"no pthread_mutex_timedlock here: {deadlock.unsupported()}")

DEADLINE, HOLD = 0.5, 0.05
#: For cases that should complete: a deadline no loaded machine reaches while HOLD elapses.
LONG_DEADLINE = 30.0
#: In a child process both cases run with one deadline: long enough for cdll to complete under load.
CHILD_DEADLINE = 2.0


def test_waiting_through_pydll_deadlocks_and_the_deadline_breaks_it(no_leaked_threads):
    start = time.monotonic()
    result = run_case("pydll", deadline=DEADLINE, hold=HOLD)
    elapsed = time.monotonic() - start
    assert result["outcome"] == "deadlock" and result["lock_result"] == "ETIMEDOUT"
    assert elapsed < 60  # returned: the deadline broke a deadlock that never ends by itself
    assert result["main_wait_s"] >= DEADLINE * 0.9
    # The other thread was ready after HOLD but could not get the GIL until the main thread gave up.
    assert result["other_stalled_s"] >= (DEADLINE - HOLD) * 0.8
    st = result["steps"]
    assert st["other_locked"] <= st["main_waits"] <= st["main_returned"]
    assert st["other_got_gil"] >= st["main_returned"] - 0.05


def test_waiting_through_cdll_completes(no_leaked_threads):
    result = run_case("cdll", deadline=LONG_DEADLINE, hold=HOLD)
    assert result["outcome"] == "completed" and result["lock_result"] == "acquired"
    # The other thread got the GIL back while the main thread waited: it did not sit out the deadline.
    assert result["other_stalled_s"] < LONG_DEADLINE / 2


def test_run_cases_repeats_each_case(no_leaked_threads):
    out = run_cases(["cdll"], repeats=2, deadline=LONG_DEADLINE, hold=HOLD)
    assert list(out["cases"]) == ["cdll"] and len(out["cases"]["cdll"]) == 2
    assert out["gil_enabled"] is True and out["free_threaded"] is False


def test_the_child_process_reports_the_deadlock_within_its_limit():
    start = time.monotonic()
    out = run_in(sys.executable, repeats=1, deadline=CHILD_DEADLINE, hold=HOLD, margin=20)
    assert time.monotonic() - start < out["timeout_s"]
    assert out["timeout_s"] == pytest.approx(2 * (CHILD_DEADLINE + HOLD) + 20)
    assert out["cases"]["pydll"][0]["outcome"] == "deadlock"
    assert out["cases"]["cdll"][0]["outcome"] == "completed"


def test_no_deadlock_on_the_free_threaded_build():
    ft = builds.choose(interpreters.discover()).free_threaded
    if ft is None:
        pytest.skip("no free-threaded interpreter found (set $GILREF_PYTHONS)")
    out = run_in(ft.executable, repeats=1, deadline=CHILD_DEADLINE, hold=HOLD)
    assert out["gil_enabled"] is False
    assert [r["outcome"] for rs in out["cases"].values() for r in rs] == ["completed", "completed"]


def test_timed_lock_times_out_while_another_thread_holds_the_mutex(no_leaked_threads):
    mutex = NativeMutex()
    held, done = threading.Event(), threading.Event()

    def holder():
        mutex.lock()
        held.set()
        done.wait(10)
        mutex.unlock()

    t = threading.Thread(target=holder)
    t.start()
    assert held.wait(60), "the holder thread never locked the mutex"
    assert mutex.timed_lock(0.05, hold_gil=False) is False
    done.set()
    t.join(10)
    assert mutex.timed_lock(1.0, hold_gil=True) is True
    mutex.unlock()
    mutex.destroy()
    mutex.destroy()  # idempotent


@pytest.mark.parametrize(("call", "exc", "words"), [
    (lambda: run_case("stdcall"), ValueError, "case must be one of"),
    (lambda: run_case("pydll", deadline=0), ValueError, "deadline must be > 0"),
    (lambda: run_case("pydll", deadline=0.1, hold=0.2), ValueError, "hold must be shorter than deadline"),
    (lambda: run_case("pydll", hold="1"), TypeError, "hold must be a number"),
    (lambda: run_cases([]), ValueError, "at least one case"),
    (lambda: run_cases(["x"]), ValueError, "cases must be one of"),
    (lambda: run_cases(repeats=0), ValueError, "repeats must be >= 1"),
    (lambda: NativeMutex().timed_lock(-1, hold_gil=False), ValueError, "timeout must be > 0"),
])
def test_bad_arguments_are_named(call, exc, words):
    with pytest.raises(exc, match=words):
        call()
