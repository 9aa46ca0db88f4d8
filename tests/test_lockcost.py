from __future__ import annotations

import sys

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
