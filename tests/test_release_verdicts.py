"""The release-points verdicts and invariants, on made-up results (nothing is measured here)."""

from __future__ import annotations

import pytest

from gilref.core.results import Suite, Timing
from gilref.topics import release

LABELS = {"sleep": "time.sleep", "hashlib": "hashlib.sha256", "zlib": "zlib.compress",
          "python_loop": "pure-Python loop"}


def timing(kind: str, workers: int, seconds: float, spread: float = 0.01, units: int = 24) -> Timing:
    mode = "sequential" if workers == 1 else "threads"
    values = [seconds * (1 + spread * d) for d in (-1, -0.5, 0, 0.5, 1)]
    return Timing(kind, mode, workers, tuple(values),
                  params={"units": units, "label": LABELS[kind], "releases_gil": kind != "python_loop",
                          "unit_s": 0.01})


def suite(speed: dict[str, dict[int, float]], spread: float = 0.01, gil: bool = True) -> Suite:
    """A suite whose kinds take 1 s on one thread and 1/speedup s on more."""
    s = Suite(metadata={"gil_enabled": gil})
    for kind, by_threads in speed.items():
        base = 0.24 if kind == "sleep" else 1.0
        s.add(timing(kind, 1, base, spread))
        for w, sp in by_threads.items():
            s.add(timing(kind, w, base / sp, spread))
    return s


GOOD = {"sleep": {2: 1.98, 4: 3.9}, "hashlib": {2: 1.9, 4: 1.9}, "zlib": {2: 1.8, 4: 1.85},
        "python_loop": {2: 0.95, 4: 0.93}}


def test_released_verdict_holds_contradicts_and_cannot_tell():
    assert release.released_verdict(suite(GOOD), threads=2, cpus=2).state == "holds"
    slow = {**GOOD, "zlib": {2: 1.1, 4: 1.1}}
    c = release.released_verdict(suite(slow), threads=2, cpus=2, load=[3.5, 2.0, 1.0])
    assert c.state == "contradicted" and "zlib.compress" in c.text and "3.5" in c.text
    near = {**GOOD, "zlib": {2: 1.4, 4: 1.4}}
    assert release.released_verdict(suite(near, spread=0.2), threads=2, cpus=2).state == "undecided"
    one_cpu = release.released_verdict(suite(GOOD), threads=2, cpus=1)
    assert one_cpu.state == "contradicted" and "one usable CPU" in one_cpu.text


def test_released_verdict_states_the_example_and_whether_it_agrees():
    agree = {"python": "3.11.7", "gil": True, "cpus": 2, "repeats": 5, "kinds": {"hashlib": {2: 1.7}}}
    c = release.released_verdict(suite(GOOD), threads=2, cpus=2, example=agree)
    assert "1.70× on 2 threads, the same verdict" in c.text and "3.11.7" in c.text
    differs = {**agree, "kinds": {"hashlib": {2: 1.1}}}
    c = release.released_verdict(suite(GOOD), threads=2, cpus=2, example=differs)
    assert "other side" in c.text and "shorter" in c.text


def test_loop_verdict_three_ways():
    assert release.loop_verdict(suite(GOOD)).state == "holds"
    assert release.loop_verdict(suite({**GOOD, "python_loop": {2: 1.8}})).state == "contradicted"
    assert release.loop_verdict(suite({**GOOD, "python_loop": {2: 1.2}}, spread=0.2)).state == "undecided"
    ex = {"python": "3.11.7", "kinds": {"python": {2: 0.97}}}
    assert "at most 0.97× too" in release.loop_verdict(suite(GOOD), example=ex).text


def test_sleep_verdict_three_ways_and_without_oversubscription():
    assert release.sleep_verdict(suite(GOOD), cpus=2).state == "holds"
    assert release.sleep_verdict(suite({**GOOD, "sleep": {2: 1.5, 4: 2.0}}), cpus=2).state == "contradicted"
    assert release.sleep_verdict(suite({**GOOD, "sleep": {2: 1.9, 4: 3.2}}, spread=0.2), cpus=2).state \
        == "undecided"
    c = release.sleep_verdict(suite(GOOD), cpus=4)
    assert c.state == "contradicted" and "no more threads" in c.text


def test_ft_verdict_names_every_interpreter():
    ft = suite({"python_loop": {2: 1.9}, "hashlib": {2: 1.9}}, gil=False)
    gil = suite({"python_loop": {2: 0.9}, "hashlib": {2: 1.9}})
    host = suite({"python_loop": {2: 0.8}, "hashlib": {2: 1.9}})
    c = release.ft_verdict(ft, gil, threads=2, cpus=2, ft_label="3.13t", gil_label="3.13",
                           host=host, host_label="3.11")
    assert c.state == "holds" and "3.13t" in c.text and "3.11" in c.text and "0.80×" in c.text
    flat = suite({"python_loop": {2: 1.0}}, gil=False)
    assert release.ft_verdict(flat, gil, threads=2, cpus=2, ft_label="t", gil_label="g").state == "contradicted"
    near = suite({"python_loop": {2: 1.4}}, spread=0.2, gil=False)
    assert release.ft_verdict(near, gil, threads=2, cpus=2, ft_label="t", gil_label="g").state == "undecided"


def test_scaling_invariants_hold_on_a_sound_run():
    broken = [i.key for i in release.scaling_invariants(suite(GOOD), cpus=2) if not i.holds]
    assert broken == []


def test_scaling_invariants_catch_a_speedup_beyond_the_cpus_and_a_short_sleep():
    bad = {**GOOD, "hashlib": {2: 1.9, 4: 3.5}, "sleep": {2: 1.98, 4: 6.0}}
    broken = {i.key: i for i in release.scaling_invariants(suite(bad), cpus=2) if not i.holds}
    assert set(broken) == {"ideal_hashlib", "ideal_sleep", "sleep_at_least_asked"}
    assert "4: 3.50×" in broken["ideal_hashlib"].cause


def test_scaling_invariants_catch_released_work_behind_the_loop_only_with_a_gil():
    bad = {**GOOD, "zlib": {2: 0.5, 4: 0.5}, "python_loop": {2: 0.95, 4: 0.93}}
    keys = [i.key for i in release.scaling_invariants(suite(bad), cpus=2) if not i.holds]
    assert keys == ["released_not_behind_held"]
    assert all(i.holds for i in release.scaling_invariants(suite(bad, gil=False), cpus=2))


def test_scaling_invariants_catch_different_work_per_thread_count():
    s = suite(GOOD)
    s.add(timing("hashlib", 8, 0.5, units=48))
    assert "same_work_hashlib" in [i.key for i in release.scaling_invariants(s, cpus=8) if not i.holds]


EXAMPLE = """\
Python 3.11.7 (GIL on), 2 CPUs, median of 5 runs; speedup versus one thread
  kind      1 thread     2
  hashlib     0.050s  1.85
  python      0.051s  0.97
  numpy    skipped: numpy is not installed
"""


def test_example_speedups_reads_the_examples_table():
    got = release.example_speedups(EXAMPLE)
    assert got == {"python": "3.11.7", "gil": True, "cpus": 2, "repeats": 5,
                   "kinds": {"hashlib": {2: 1.85}, "python": {2: 0.97}}}
    with pytest.raises(ValueError, match="release_points"):
        release.example_speedups("nothing here")


def test_example_total_reads_the_last_line():
    assert release.example_total("task 1 starts\ntotal: 1.002 s for 3 waits of 1 s (3 s if ...)\n") == 1.002
    with pytest.raises(ValueError, match="total"):
        release.example_total("task 1 done")


def runs(default: list[int], flush: list[int], numbers: int = 200) -> list[dict]:
    return [{"args": [], "switches": default, "broken": [0] * len(default), "numbers": [numbers] * len(default)},
            {"args": ["--flush"], "switches": flush, "broken": [0] * len(flush),
             "numbers": [numbers] * len(flush)}]


def test_interleave_verdict_three_ways_and_the_shown_run():
    c = release.interleave_verdict(runs([3, 4, 5, 6, 7], [80] * 5), shown="-1\n+1\n-2\n")
    assert c.state == "holds" and "changed 2 times in 3 numbers" in c.text
    assert release.interleave_verdict(runs([1, 1, 1, 1, 1], [80] * 5)).state == "contradicted"
    assert release.interleave_verdict(runs([0, 1, 2, 5, 9], [80] * 5)).state == "undecided"


def test_flush_verdict_three_ways():
    assert release.flush_verdict(runs([3] * 5, [80, 90, 100, 110, 120])).state == "holds"
    assert release.flush_verdict(runs([3] * 5, [2, 3, 4, 5, 6])).state == "contradicted"
    assert release.flush_verdict(runs([3] * 5, [10, 30, 50, 70, 90])).state == "undecided"


def test_interleave_invariants_both_ways():
    assert all(i.holds for i in release.interleave_invariants(runs([3] * 5, [80] * 5)))
    lost = runs([3] * 5, [80] * 5)
    lost[1]["numbers"][2] = 150
    lost[0]["switches"][0] = 250
    broken = {i.key for i in release.interleave_invariants(lost) if not i.holds}
    assert broken == {"interleave_all_printed", "interleave_counts_within"}
    long_run = [{"args": ["--count", "20000"], "switches": [9], "broken": [1], "numbers": [40000]}]
    assert all(i.holds for i in release.interleave_invariants(long_run))


def waits(values: list[float]) -> Timing:
    return Timing("asyncio_waits", "asyncio", 1, tuple(values), params={"tasks": 3, "seconds": 1.0})


def test_asyncio_verdict_three_ways_and_the_shown_total():
    c = release.asyncio_verdict(waits([1.001, 1.002, 1.003, 1.002, 1.004]), shown=1.003)
    assert c.state == "holds" and "1.003 s, the same" in c.text and "×" not in c.text
    assert release.asyncio_verdict(waits([1.5, 1.6, 1.55, 1.52, 1.58])).state == "contradicted"
    assert release.asyncio_verdict(waits([1.01, 1.05, 1.1, 1.15, 1.2])).state == "undecided"
    assert "outside that range" in release.asyncio_verdict(waits([1.002] * 5), shown=2.0).text


def test_asyncio_invariants_both_ways():
    assert all(i.holds for i in release.asyncio_invariants(waits([1.001, 1.002, 1.003])))
    broken = {i.key for i in release.asyncio_invariants(waits([0.5, 3.1, 3.2, 3.3, 3.4])) if not i.holds}
    assert broken == {"asyncio_at_least_one_wait", "asyncio_below_sequential"}


def test_scaling_invariants_keys_carry_the_prefix():
    keys = [i.key for i in release.scaling_invariants(suite(GOOD), cpus=2, prefix="ft_")]
    assert keys and all(k.startswith("ft_") for k in keys)


def test_interleave_rows_are_text_with_plain_hyphen_flags():
    rows = release.interleave_rows(runs([3, 4, 5], [80, 90, 100]))
    assert rows[1] == {"arguments": "`--flush`", "numbers printed": "200", "switches (median)": "90",
                       "switches (fewest to most)": "80 to 100", "split lines (median)": "0"}
    assert "–" not in str(rows)


def test_scaling_invariants_catch_a_held_loop_faster_on_threads_only_with_a_gil():
    bad = {**GOOD, "python_loop": {2: 1.6, 4: 1.5}}
    assert [i.key for i in release.scaling_invariants(suite(bad), cpus=2) if not i.holds] == ["held_loop_not_faster"]
    assert all(i.holds for i in release.scaling_invariants(suite(bad, gil=False), cpus=2))
