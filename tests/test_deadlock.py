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


# -- verdicts and invariants on made-up runs (nothing is measured below) ---------------


def made_up(outcome: str, *, wait: float | None = None, case: str = "pydll", deadline: float = 1.0,
            hold: float = 0.1) -> dict:
    """One run_case result as a sound run would give it."""
    dead = outcome == "deadlock"
    wait = (deadline + 0.001 if dead else hold) if wait is None else wait
    steps = {"main_started": 0.0, "other_locked": 0.0005, "main_waits": 0.001}
    steps["main_returned"] = steps["main_waits"] + wait
    steps["other_got_gil"] = steps["main_returned"] + 0.0002 if dead else steps["other_locked"] + hold + 0.0001
    steps["other_unlocked"] = steps["other_got_gil"] + 0.0001
    return {"case": case, "outcome": outcome, "deadline_s": deadline, "hold_s": hold, "main_wait_s": wait,
            "other_stalled_s": max(0.0, steps["other_got_gil"] - steps["other_locked"] - hold), "steps": steps}


def made_up_runs(pydll: list[str], cdll: list[str], *, free_threaded: bool = False, gil: bool = True) -> dict:
    return {"cases": {"pydll": [made_up(o) for o in pydll], "cdll": [made_up(o, case="cdll") for o in cdll]},
            "python": "3.13.5", "gil_enabled": gil, "free_threaded": free_threaded,
            "deadline_s": 1.0, "hold_s": 0.1}


ALL_DEAD, ALL_DONE = ["deadlock"] * 5, ["completed"] * 5


def test_deadlock_verdict_three_ways():
    c = deadlock.deadlock_verdict(made_up_runs(ALL_DEAD, ALL_DONE))
    assert c.state == "holds" and "5 of 5 runs on CPython 3.13.5 (GIL)" in c.text
    assert deadlock.deadlock_verdict(made_up_runs(ALL_DONE, ALL_DONE)).state == "contradicted"
    c = deadlock.deadlock_verdict(made_up_runs(["deadlock"] * 3 + ["completed"] * 2, ALL_DONE))
    assert c.state == "undecided" and "3 of 5" in c.text


def test_deadlock_verdict_states_the_example_and_says_when_it_differs():
    same = {"python": "3.11.7", "gil": True, "outcome": "deadlock", "waited_s": 1.001}
    c = deadlock.deadlock_verdict(made_up_runs(ALL_DEAD, ALL_DONE), example=same)
    assert "Python 3.11.7 (GIL on), timed out after 1.001 s as well" in c.text
    other = {**same, "outcome": "completed", "waited_s": 0.1}
    assert "not what these runs did" in deadlock.deadlock_verdict(made_up_runs(ALL_DEAD, ALL_DONE),
                                                                  example=other).text


def test_fix_verdict_three_ways():
    ex = {"python": "3.11.7", "gil": True, "outcome": "completed", "waited_s": 0.1}
    c = deadlock.fix_verdict(made_up_runs(ALL_DEAD, ALL_DONE), example=ex)
    assert c.state == "holds" and "got the mutex after 0.100 s as well" in c.text
    assert deadlock.fix_verdict(made_up_runs(ALL_DEAD, ALL_DEAD)).state == "contradicted"
    assert deadlock.fix_verdict(made_up_runs(ALL_DEAD, ["deadlock"] + ["completed"] * 4)).state == "undecided"


def test_ft_verdict_three_ways_and_a_gil_turned_back_on():
    ft = made_up_runs(ALL_DONE, ALL_DONE, free_threaded=True, gil=False)
    c = deadlock.ft_verdict(ft)
    assert c.state == "holds" and "CPython 3.13.5 free-threaded all" in c.text
    assert deadlock.ft_verdict(made_up_runs(ALL_DEAD, ALL_DEAD, free_threaded=True, gil=False)).state \
        == "contradicted"
    assert deadlock.ft_verdict(made_up_runs(ALL_DEAD, ALL_DONE, free_threaded=True, gil=False)).state \
        == "undecided"
    on = deadlock.ft_verdict(made_up_runs(ALL_DONE, ALL_DONE, free_threaded=True, gil=True))
    assert on.state == "contradicted" and "GIL was on" in on.text


def test_deadlock_invariants_hold_on_sound_runs():
    checked = deadlock.deadlock_invariants(made_up_runs(ALL_DEAD, ALL_DONE))
    assert len(checked) == 5 and all(i.holds for i in checked)
    assert all(i.key.startswith("gil_3_13_5_") for i in checked)
    ft = deadlock.deadlock_invariants(made_up_runs(ALL_DONE, ALL_DONE, free_threaded=True, gil=False))
    assert all(i.key.startswith("ft_3_13_5_") and i.holds for i in ft)


def test_deadlock_invariants_catch_each_kind_of_unsound_run():
    runs = made_up_runs(ALL_DEAD, ALL_DONE)
    runs["cases"]["pydll"][0] = made_up("deadlock", wait=0.5)           # timed out before the deadline
    runs["cases"]["cdll"][0] = made_up("completed", wait=1.5, case="cdll")  # completed after it
    runs["cases"]["cdll"][1] = made_up("completed", wait=0.01, case="cdll")  # before the hold was over
    runs["cases"]["pydll"][1]["steps"]["other_unlocked"] = 0.0           # unlocked before it had the GIL
    runs["cases"]["pydll"][2]["other_stalled_s"] = 5.0                   # stalled longer than held
    broken = {i.key for i in deadlock.deadlock_invariants(runs) if not i.holds}
    assert broken == {f"gil_3_13_5_{k}" for k in ("timeouts_waited_the_deadline", "completed_within_the_deadline",
                                                   "completed_after_the_hold", "steps_in_order",
                                                   "stall_within_the_hold")}


DEADLOCK_OUTPUT = """\
Python 3.11.7 (GIL on)
   0.000 s  other thread: locked the mutex; sleeps 0.1 s holding it
   1.001 s  main thread: gave up with ETIMEDOUT
DEADLOCK detected: the main thread gave up after 1.001 s,
its deadline, while the other thread waited for the GIL.
"""


def test_example_outcome_reads_both_endings():
    assert deadlock.example_outcome(DEADLOCK_OUTPUT) == {"python": "3.11.7", "gil": True, "outcome": "deadlock",
                                                         "waited_s": 1.001}
    done = "Python 3.13.5 (GIL off)\nCOMPLETED: the main thread waited 0.100 s for the mutex.\n"
    assert deadlock.example_outcome(done)["outcome"] == "completed"
    with pytest.raises(ValueError, match="examples/deadlock.py"):
        deadlock.example_outcome("Python 3.11.7 (GIL on)\n")


def test_table_rows_are_text_only():
    runs = made_up_runs(ALL_DEAD, ALL_DONE)
    rows = deadlock.order_rows(runs)
    assert [r["outcome"] for r in rows] == ["deadlock: timed out (5 of 5 runs)", "completed (5 of 5 runs)"]
    steps = deadlock.steps_rows(runs["cases"]["pydll"][0])
    assert steps[-1]["main thread"].startswith("deadline: gives up with ETIMEDOUT")
    assert all(isinstance(v, str) for r in rows + steps for v in r.values())


def test_steps_sentence_follows_the_run():
    dead = made_up("deadlock")
    text = deadlock.steps_sentence(dead)
    assert "started waiting (step 4) before" in text and "whole deadline of 1 s" in text
    late = made_up("completed")
    late["steps"]["main_waits"] = 0.5
    text = deadlock.steps_sentence(late)
    assert "before the main thread started waiting" in text and "did not deadlock" in text


def test_build_names_are_the_build_pairs_labels():
    assert deadlock.build_name(made_up_runs(ALL_DEAD, ALL_DONE)) == "CPython 3.13.5 (GIL)"
    ft = made_up_runs(ALL_DONE, ALL_DONE, free_threaded=True, gil=False)
    pair_label = interpreters.Interpreter("/x/python3.13t", "CPython", "3.13.5", True, False).label
    assert deadlock.build_name(ft) == pair_label == "CPython 3.13.5 free-threaded"
    assert deadlock.build_name({**ft, "gil_enabled": True}) == "CPython 3.13.5 free-threaded, GIL on"


def test_steps_order_note_explains_the_gil_taken_before_the_main_thread_reads_its_clock():
    dead = {**made_up("deadlock"), "python": "cpython 3.13.5"}
    dead["steps"]["other_got_gil"] = dead["steps"]["main_returned"] - 0.0003  # as runs show it
    dead["steps"]["other_unlocked"] = dead["steps"]["other_got_gil"] + 0.0001
    note = deadlock.steps_order_note(dead)
    assert "the other thread *gets the GIL* at 1001.7 ms, before the main thread *gives up* at 1002.0 ms" in note
    assert "thread's gets" not in note  # no possessive before the step's name
    assert "first eval-breaker check after the call" in note and "v3.13.5/Python/bytecodes.c" in note
    old = deadlock.steps_order_note({**dead, "python": "cpython 3.11"})
    assert "v3.11.0/Python/ceval.c" in old
    plain = made_up("deadlock")  # the other thread got the GIL after the main thread's clock
    assert deadlock.steps_order_note(plain) == ""
    assert deadlock.steps_order_note(made_up("completed")) == ""


def test_verdict_sentences_give_seconds_not_factors():
    runs = made_up_runs(ALL_DEAD, ALL_DONE)
    for claim in (deadlock.deadlock_verdict(runs), deadlock.fix_verdict(runs)):
        assert "×" not in claim.text and " s" in claim.text
