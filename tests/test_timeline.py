from __future__ import annotations

import itertools
import re

import pytest

from gilref.core import hostinfo
from gilref.interp import select as builds
from gilref.topics import timeline

from .leftovers import run_checked

GIL = bool(hostinfo.gil_enabled())


def synthetic(threads: dict[str, list[list[float]]], duration: float) -> dict:
    return {"format": timeline.FORMAT, "version": 1, "duration_s": duration, "gap_s": 1e-5,
            "threads": [{"name": n, "kind": "cpu", "runs": r} for n, r in threads.items()]}


def test_alternating_threads_are_analysed_exactly():
    tl = synthetic({"a": [[0, 1], [2, 3]], "b": [[1, 2], [3, 4]]}, 4)
    result = timeline.analyze(tl)
    assert result["shares"] == {"a": 0.25 * 2, "b": 0.5}
    assert result["overlap_fraction"] == 0 and result["concurrency"] == 1 and result["busy_fraction"] == 1
    assert [t["thread"] for t in timeline.turns(tl)] == ["a", "b", "a", "b"]
    assert result["handoffs"] == 3 and result["handoff_period_s"] == 1


def test_overlapping_threads_are_analysed_exactly():
    tl = synthetic({"a": [[0, 2]], "b": [[1, 3]]}, 3)
    result = timeline.overlap(tl)
    assert result["overlap_fraction"] == pytest.approx(1 / 3)
    assert result["concurrency"] == pytest.approx(4 / 3)
    assert result["longest_overlap_s"] == pytest.approx(1)


def test_runs_outside_the_recording_are_clipped():
    tl = synthetic({"a": [[-1, 1], [3, 9]]}, 4)
    assert timeline.analyze(tl)["shares"] == {"a": 0.5}


def test_median_index_picks_the_typical_recording():
    tls = [synthetic({"a": [[0, 2]], "b": [[2 - x, 4]]}, 4) for x in (0, 1, 2)]
    assert timeline.median_index([tls[2], tls[0], tls[1]]) == 2


@pytest.mark.skipif(not GIL, reason="needs a build with the GIL")
def test_on_a_gil_build_the_runs_of_different_threads_do_not_overlap(no_leaked_threads):
    tl = timeline.record(3, 1, duration=0.1)
    gap = tl["gap_s"]
    runs = [(th["name"], a, b) for th in tl["threads"] for a, b in th["runs"]]
    for (n1, a1, b1), (n2, a2, b2) in itertools.combinations(runs, 2):
        if n1 != n2:
            assert min(b1, b2) - max(a1, a2) <= gap, (n1, a1, b1, n2, a2, b2)
    assert timeline.overlap(tl)["overlap_fraction"] < 0.01


def test_a_recording_has_every_thread_and_its_kind(no_leaked_threads):
    tl = timeline.record(2, 1, duration=0.05, lead=0.005)
    assert [(t["name"], t["kind"]) for t in tl["threads"]] == [("cpu-1", "cpu"), ("cpu-2", "cpu"), ("io-1", "io")]
    assert tl["metadata"]["python_version"]
    for th in tl["threads"]:
        assert all(a <= b for a, b in th["runs"])
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(th["runs"], th["runs"][1:]))


def test_record_many_repeats():
    data = timeline.record_many(3, cpu_threads=1, duration=0.01, lead=0)
    assert data["format"] == "gilref-timeline-set" and len(data["timelines"]) == 3
    summary = timeline.summarize_many(data["timelines"])
    assert summary["repeats"] == 3 and summary["overlap_fraction"] == 0


def test_on_a_free_threaded_build_threads_run_at_once():
    if hostinfo.usable_cpus() < 2:
        pytest.skip("needs two usable CPUs")
    free = builds.choose().free_threaded
    if free is None:
        pytest.skip("no free-threaded interpreter found (set GILREF_PYTHONS)")
    # On a loaded machine (other processes on both CPUs) the two threads may go whole
    # recordings without being scheduled at the same moment: record again, up to a
    # limit, until they are. Overlap is behaviour, not speed; a GIL build never shows it.
    seen = []
    for _ in range(8):
        data = builds.run_on(free, "gilref.topics.timeline:record_many",
                             {"repeats": 3, "cpu_threads": 2, "duration": 1.0}, timeout=300)
        seen += [timeline.overlap(t)["overlap_fraction"] for t in data["timelines"]]
        if max(seen) > 0:
            break
    assert max(seen) > 0, f"no overlap in {len(seen)} recordings of 1 s"


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"cpu_threads": -1}, ValueError, "cpu_threads"),
    ({"cpu_threads": 0, "io_threads": 0}, ValueError, "at least one thread"),
    ({"cpu_threads": 20}, ValueError, "at most 16"),
    ({"duration": 0}, ValueError, "duration"),
    ({"duration": 11}, ValueError, "at most 10"),
    ({"gap": 0}, ValueError, "gap"),
    ({"io_threads": 1.5}, TypeError, "io_threads"),
])
def test_record_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        timeline.record(**kwargs)


def test_analysis_rejects_what_is_not_a_timeline():
    with pytest.raises(ValueError, match="not a timeline"):
        timeline.analyze({"threads": []})
    with pytest.raises(ValueError, match="at least one"):
        timeline.summarize_many([])


@pytest.mark.example("timeline.py")
def test_timeline_example_draws_every_thread_and_leaves_nothing_running():
    run = run_checked("timeline.py", "--cpu-threads", "2", "--io-threads", "1", "--duration", "0.03",
                      "--width", "40")
    assert run.returncode == 0, run.stderr
    rows = re.findall(r"^\s*(cpu-\d|io-\d) \|([#.]{40})\|\s+\d+%$", run.stdout, re.M)
    assert [name for name, _ in rows] == ["cpu-1", "cpu-2", "io-1"]
    share = float(re.search(r"two or more threads running: ([\d.]+)%", run.stdout).group(1))
    if GIL:
        assert share < 1.0
    assert run.clean, run


@pytest.mark.example("timeline.py")
@pytest.mark.parametrize("args", [["--cpu-threads", "0"], ["--duration", "0"], ["--width", "5"],
                                  ["--io-threads", "two"], ["--duration", "60"]])
def test_timeline_example_rejects_bad_arguments(args, run_example):
    proc = run_example("timeline.py", *args, check=False, timeout=60)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr and "Traceback" not in proc.stderr
