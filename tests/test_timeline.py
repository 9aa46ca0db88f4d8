from __future__ import annotations

import itertools
import re

import pytest

from gilref.core import hostinfo
from gilref.interp import select as builds
from gilref.topics import timeline

from .leftovers import run_checked
from .test_examples_gil import load_example

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


# -- verdicts and invariants, on made-up recordings (no measuring) ----------------------

def alternating(n_threads=3, turn=0.005, duration=0.2, io=False, io_share=0.05, overlap=0.0, gap=0.0):
    """A made-up recording: threads take turns of *turn* s (the last one may be an I/O-style
    thread running *io_share* of the time); *overlap* s of every turn also runs the next thread;
    *gap* s of every turn nobody runs."""
    names = [f"cpu-{i + 1}" for i in range(n_threads - int(io))] + (["io-1"] if io else [])
    runs = {n: [] for n in names}
    cpu = [n for n in names if n.startswith("cpu")]
    t, k = 0.0, 0
    while t < duration - 1e-12:
        mine = turn * (1 - io_share) if io else turn  # the I/O-style thread runs at the end of each turn
        end = min(t + mine - gap, duration)
        runs[cpu[k % len(cpu)]].append([t, min(end + overlap, duration)])
        if io:
            runs["io-1"].append([t + mine, min(t + turn, duration)])
        t += turn
        k += 1
    tl = {"format": timeline.FORMAT, "version": 1, "duration_s": duration, "gap_s": 5e-5,
          "params": {"cpu_threads": len(cpu), "io_threads": int(io), "io_burst_s": 0.0005, "io_sleep_s": 0.002},
          "threads": [{"name": n, "kind": "io" if n.startswith("io") else "cpu", "runs": r} for n, r in runs.items()]}
    return tl


def made_set(timelines, *, gil=True, switch=0.005, cpus=2):
    return {"format": timeline.FORMAT + "-set", "version": 1,
            "metadata": {"python_implementation": "CPython", "python_version": "3.13.5", "gil_enabled": gil,
                         "switch_interval_s": switch, "usable_cpus": cpus, "load_average": [1.2, 1, 1]},
            "timelines": timelines}


def example_of(tl, python="3.13.5", gil=True):
    return {"format": timeline.EXAMPLE_FORMAT, "version": 1, "python": python, "implementation": "CPython",
            "gil": gil, "duration_s": tl["duration_s"], "gap_s": tl["gap_s"],
            "overlap_fraction": timeline.overlap(tl)["overlap_fraction"],
            "threads": [{"name": t["name"], "runs": t["runs"]} for t in tl["threads"]]}


def test_gil_alternates_verdict_three_ways_and_with_the_example():
    clean = made_set([alternating() for _ in range(5)])
    ok = timeline.gil_alternates_verdict([clean], build="b", example=example_of(alternating(duration=0.05)))
    assert ok.state == "holds" and "zero" in ok.text and "The example below" in ok.text
    messy = made_set([alternating(overlap=0.001) for _ in range(5)])
    assert timeline.gil_alternates_verdict([messy], build="b").state == "contradicted"
    one_bad = made_set([alternating() for _ in range(4)] + [alternating(overlap=0.001)])
    assert timeline.gil_alternates_verdict([one_bad], build="b").state == "undecided"
    clash = timeline.gil_alternates_verdict([clean], build="b",
                                            example=example_of(alternating(overlap=0.002), python="3.11.7"))
    assert clash.state == "undecided" and "disagree" in clash.text and "3.11.7" in clash.text


def test_turn_length_verdict():
    assert timeline.turn_length_verdict(made_set([alternating(turn=0.005)] * 3), build="b").state == "holds"
    assert timeline.turn_length_verdict(made_set([alternating(turn=0.0005)] * 3), build="b").state == "contradicted"
    mixed = made_set([alternating(turn=t) for t in (0.003, 0.0035, 0.005, 0.006, 0.007)])
    assert timeline.turn_length_verdict(mixed, build="b").state == "undecided"


def test_io_verdicts():
    held = made_set([alternating(io=True, io_share=0.05)] * 3)
    assert timeline.io_held_back_verdict(held, build="b").state == "holds"
    free_run = made_set([alternating(io=True, io_share=0.19)] * 3, gil=False)
    assert timeline.io_held_back_verdict(free_run, build="b").state == "contradicted"
    assert timeline.free_io_verdict(free_run, held, build="t").state == "holds"
    assert timeline.free_io_verdict(held, held, build="t").state == "contradicted"
    between = made_set([alternating(io=True, io_share=s) for s in (0.1, 0.12, 0.15, 0.17, 0.19)], gil=False)
    assert timeline.io_held_back_verdict(between, build="b").state == "undecided"


def test_free_overlaps_verdict():
    gil = made_set([alternating()] * 3)
    par = made_set([alternating(overlap=0.004)] * 3, gil=False)
    assert timeline.free_overlaps_verdict(par, gil, build="t").state == "holds"
    assert timeline.free_overlaps_verdict(made_set([alternating()] * 3, gil=False), gil,
                                          build="t").state == "contradicted"
    some = made_set([alternating(overlap=o) for o in (0.0, 0.0002, 0.0005, 0.004, 0.004)], gil=False)
    assert timeline.free_overlaps_verdict(some, gil, build="t").state == "undecided"
    lonely = timeline.free_overlaps_verdict(par, gil, build="t", example=example_of(alternating(), gil=False))
    assert lonely.state == "undecided" and "one of 200 ms" in lonely.text


def broken(invariants):
    return {i.key for i in invariants if not i.holds}


def test_recording_invariants_hold_for_sound_recordings_and_break_otherwise():
    assert broken(timeline.recording_invariants(made_set([alternating(io=True)] * 2))) == set()
    assert broken(timeline.recording_invariants(made_set([alternating(overlap=0.004)] * 2, gil=False))) == set()
    # Two threads' worth of running under one GIL cannot be sound.
    assert "within_the_whole" in broken(timeline.recording_invariants(made_set([alternating(overlap=0.004)] * 2)))
    greedy = made_set([alternating(io=True, io_share=0.6)] * 2)
    assert "io_within_duty_cycle" in broken(timeline.recording_invariants(greedy))
    outside = alternating()
    outside["threads"][0]["runs"].append([0.0, 0.2])  # a thread that ran 100% plus its turns
    assert "shares_in_unit" in broken(timeline.recording_invariants(made_set([outside]), prefix=""))
    assert all(i.key.startswith("gil_cpu_") for i in
               timeline.recording_invariants(made_set([alternating()]), prefix="gil_cpu_"))


def test_table_and_from_example():
    rows = timeline.table([("CPython 3.13.5", "3 CPU-bound", made_set([alternating()] * 3))])
    assert rows[0]["time with ≥ 2 running (median)"] == "0.0%" and rows[0]["median turn (ms)"] == "5.00"
    tl = timeline.from_example(example_of(alternating(duration=0.05)))
    assert timeline.analyze(tl)["concurrency"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="timeline.py"):
        timeline.from_example({"format": "x"})


@pytest.mark.example("timeline.py")
def test_timeline_example_writes_json_the_chapter_reads(tmp_path):
    import json

    out = tmp_path / "r.json"
    run = run_checked("timeline.py", "--cpu-threads", "2", "--duration", "0.02", "--json", str(out))
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    printed = float(re.search(r"two or more threads running: ([\d.]+)%", run.stdout).group(1))
    assert timeline.overlap(timeline.from_example(data))["overlap_fraction"] * 100 == pytest.approx(printed, abs=0.06)


def test_turn_length_verdict_names_a_host_that_gave_the_threads_little_time():
    starved = made_set([alternating(turn=0.01, gap=0.006)] * 3)
    claim = timeline.turn_length_verdict(starved, build="b")
    assert claim.state == "holds" and "other programs had the cores" in claim.text
    assert "other programs" not in timeline.turn_length_verdict(made_set([alternating()] * 3), build="b").text


def test_undecided_sentences_give_the_figures_not_the_evidence_keys():
    one_bad = made_set([alternating() for _ in range(4)] + [alternating(overlap=0.001)])
    mixed = made_set([alternating(turn=t) for t in (0.003, 0.0035, 0.005, 0.006, 0.007)])
    between = made_set([alternating(io=True, io_share=s) for s in (0.1, 0.12, 0.15, 0.17, 0.19)], gil=False)
    for claim in (timeline.gil_alternates_verdict([one_bad], build="b"),
                  timeline.turn_length_verdict(mixed, build="b"),
                  timeline.io_held_back_verdict(between, build="b")):
        assert claim.state == "undecided" and "cannot tell" in claim.text and " = " not in claim.text


def test_a_thread_that_never_ran_breaks_an_invariant():
    starved = alternating()
    starved["threads"][1]["runs"] = [[0.3, 0.3]]  # woke only after the recording ended
    broken_keys = broken(timeline.recording_invariants(made_set([starved])))
    assert "every_thread_ran" in broken_keys
    inv = next(i for i in timeline.recording_invariants(made_set([starved])) if i.key == "every_thread_ran")
    assert "(cpu-2)" in inv.cause and "[" not in inv.cause


def test_the_tables_shares_come_from_the_drawn_recording_and_add_up_to_its_threads_worth():
    # Per-thread medians over these three recordings would be 40%, 40%, 40% (120% under one GIL); each
    # recording's own shares add up to one thread's worth.
    def skewed(a, b, c):
        tl = alternating()
        shares = {"cpu-1": a, "cpu-2": b, "cpu-3": c}
        start = 0.0
        for th in tl["threads"]:
            th["runs"] = [[start, start + 0.2 * shares[th["name"]]]]
            start += 0.2 * shares[th["name"]]
        return tl
    data = made_set([skewed(0.4, 0.4, 0.2), skewed(0.4, 0.2, 0.4), skewed(0.2, 0.4, 0.4)])
    row = timeline.table([("b", "3 CPU-bound", data)])[0]
    shares = row["share of time each thread ran (the recording drawn; sum)"]
    drawn = timeline.analyze(data["timelines"][timeline.median_index(data["timelines"])])["shares"]
    assert shares == ", ".join(f"{n} {v:.0%}" for n, v in drawn.items()) + " = 1.00"


def test_the_turn_column_is_empty_where_runs_overlap():
    free = made_set([alternating(overlap=0.004)] * 3, gil=False)
    assert timeline.table([("t", "3 CPU-bound", free)])[0]["median turn (ms)"] == "–"
    assert not timeline.turns_defined(timeline.summarize_many(free["timelines"]))
    assert timeline.turns_defined(timeline.summarize_many([alternating()] * 3))


def test_without_a_gil_there_are_no_turns_even_where_runs_did_not_overlap():
    # a busy host: the free-threaded build's threads ran one after another, no lock handed over
    busy = made_set([alternating()] * 3, gil=False)
    assert timeline.table([("t", "3 CPU-bound", busy)])[0]["median turn (ms)"] == "–"
    assert not timeline.turns_defined(timeline.summarize_many(busy["timelines"]), gil=False)
    assert timeline.table([("b", "3 CPU-bound", made_set([alternating()] * 3))])[0]["median turn (ms)"] == "5.00"
    mod = load_example("timeline.py")
    pairs = [(t["name"], [tuple(r) for r in t["runs"]]) for t in alternating(duration=0.2)["threads"]]
    line = mod.turn_line(pairs, 0.0, 0.005, False)
    assert line.startswith("no turns: without a GIL") and "ms over" not in line
    assert mod.turn_line(pairs, 0.0, 0.005, True).startswith("median turn: 5.00 ms")


def test_gil_alternates_counts_the_recordings_of_each_scenario():
    cpu = made_set([alternating() for _ in range(5)])
    mix = made_set([alternating(io=True) for _ in range(5)])
    text = timeline.gil_alternates_verdict([cpu, mix], build="b").text
    assert "In all 10 recordings on b (5 of each of the 2 scenarios)" in text
    uneven = timeline.gil_alternates_verdict([cpu, made_set([alternating()] * 3)], build="b").text
    assert "(5 + 3 of its 2 scenarios)" in uneven
    assert "scenarios" not in timeline.gil_alternates_verdict([cpu], build="b").text


def test_the_free_threaded_example_overlap_is_cross_checked_with_a_tolerance():
    gil = made_set([alternating()] * 3)
    par = made_set([alternating(overlap=0.004)] * 3, gil=False)  # 78% of the time with two running
    close = timeline.free_overlaps_verdict(par, gil, build="t",
                                           example=example_of(alternating(overlap=0.004), gil=False))
    assert close.state == "holds" and "agrees with the measurement's 78.0% within 10 points" in close.text
    assert "recorded 78.0% of its time" in close.text  # the example prints its share to 0.1%: the page too
    far = timeline.free_overlaps_verdict(par, gil, build="t",
                                         example=example_of(alternating(overlap=0.002, duration=0.05), gil=False))
    assert far.state == "holds" and "42 points below the measurement's 78.0%" in far.text
    assert "beyond the 10-point tolerance" in far.text and "fewer cores were free" in far.text
    assert "one of 50 ms" in far.text


def test_the_mix_is_drawn_by_the_io_threads_median_share_which_the_verdict_states():
    # every GIL recording overlaps 0 %, so "the median overlap" would pick any; the I/O share picks one
    shares = (0.02, 0.05, 0.033, 0.08, 0.01)
    data = made_set([alternating(io=True, io_share=s) for s in shares])
    i = timeline.drawn_index(data["timelines"])
    assert i == timeline.median_index(data["timelines"], share="io-1")
    drawn = timeline.analyze(data["timelines"][i])["shares"]["io-1"]
    median = sorted(timeline.analyze(t)["shares"]["io-1"] for t in data["timelines"])[2]
    assert drawn == median
    row = timeline.table([("b", "mix", data)])[0]
    assert f"io-1 {drawn:.0%}" in row["share of time each thread ran (the recording drawn; sum)"]
    held = timeline.io_held_back_verdict(data, build="CPython 3.13.5")
    assert held.text.startswith("**With the GIL the I/O-style thread is held back.**")
    assert "On CPython 3.13.5 (switch interval 5 ms)" in held.text
    assert f"ran {median * 100:.1f}" in held.text  # the median share: the drawn recording's own
    # without an I/O-style thread: the median overlap, as before
    cpu = made_set([alternating() for _ in range(3)])
    assert timeline.drawn_index(cpu["timelines"]) == timeline.median_index(cpu["timelines"])
    with pytest.raises(ValueError, match="no thread named"):
        timeline.median_index(cpu["timelines"], share="io-1")


def test_the_free_io_verdict_has_a_bold_lead_and_the_example_fits_the_page():
    free_run = made_set([alternating(io=True, io_share=0.19)] * 3, gil=False)
    held = made_set([alternating(io=True, io_share=0.05)] * 3)
    text = timeline.free_io_verdict(free_run, held, build="t").text
    assert text.startswith("**Without the GIL the I/O-style thread keeps its pace.**")
    args = timeline.example_args(cpu_threads=3, duration=0.05)
    assert args[args.index("--width") + 1] == str(timeline.EXAMPLE_WIDTH)
    # a drawn row: name (6) + " |" + columns + "| " + share (4)
    assert 6 + 2 + timeline.EXAMPLE_WIDTH + 2 + 4 <= 64


def test_the_example_draws_as_many_columns_as_the_chapter_asks(run_example):
    out = run_example("timeline.py", *timeline.example_args(cpu_threads=2, duration=0.01)).stdout
    rows = [line for line in out.splitlines() if line.lstrip().startswith("cpu-")]
    assert rows and all(len(r.split("|")[1]) == timeline.EXAMPLE_WIDTH for r in rows)


def timeline_output(turn_ms="7.60", turns=5, shares=(33, 33, 33), python="3.11.7"):
    rows = "\n".join(f" cpu-{i + 1} |{'#' * 10}{'.' * 10}| {s:3d}%" for i, s in enumerate(shares))
    return (f"Python {python} (GIL on), 50 ms, one column = 694 µs\n{rows}\n"
            "time with two or more threads running: 0.0%\n"
            f"median turn: {turn_ms} ms over {turns} turns (switch interval 5 ms; the first and last, cut by "
            "the recording, not counted)\n")


@pytest.mark.example("timeline.py")
def test_timeline_example_prints_its_median_turn_as_gilref_measures_it():
    mod = load_example("timeline.py")
    tl = alternating(turn=0.006, duration=0.2)
    pairs = [(t["name"], [tuple(r) for r in t["runs"]]) for t in tl["threads"]]
    turn, counted = mod.median_turn(pairs)
    assert turn == pytest.approx(timeline.analyze(tl)["handoff_period_s"]) and counted == len(timeline.turns(tl)) - 2
    assert mod.median_turn([("cpu-1", [(0.0, 0.05)])]) == (None, 0)


@pytest.mark.example("timeline.py")
def test_the_example_prints_a_turn_length_only_where_threads_took_turns():
    mod = load_example("timeline.py")
    assert mod.TURNS_OVERLAP_MAX == timeline.GIL_OVERLAP_MAX  # the table's dash and the script's rule agree
    took_turns = [(t["name"], [tuple(r) for r in t["runs"]]) for t in alternating(turn=0.006, duration=0.2)["threads"]]
    line = mod.turn_line(took_turns, mod.overlap_share(took_turns, 0.2), 0.005)
    assert line.startswith("median turn: 6.00 ms over ")
    together = [("cpu-1", [(0.0, 0.05)]), ("cpu-2", [(0.0, 0.01), (0.02, 0.05)]), ("cpu-3", [(0.005, 0.03)])]
    share = mod.overlap_share(together, 0.05)
    assert share > mod.TURNS_OVERLAP_MAX
    line = mod.turn_line(together, share, 0.005)
    assert line.startswith("no turns: two or more threads ran at once") and "ms over" not in line
    assert "no single answer" in line
    printed = timeline.parse_example_output(timeline_output().replace(
        timeline_output().splitlines()[-1], line))
    assert printed["turn_s"] is None and printed["turns"] is None


def test_parse_example_output_and_the_example_page_comparison():
    run = timeline.parse_example_output(timeline_output())
    assert run["turn_s"] == pytest.approx(0.0076) and run["turns"] == 5 and run["switch_s"] == 0.005
    assert run["shares"] == {"cpu-1": 0.33, "cpu-2": 0.33, "cpu-3": 0.33} and run["python"] == "3.11.7"
    with pytest.raises(ValueError, match="not the output"):
        timeline.parse_example_output("hello")
    record = {"data": {"gil_cpu": made_set([alternating(turn=0.0052) for _ in range(5)])}}
    # The example's threads had the cores only 0.6 of the time: that stretched its turns.
    busy = timeline.example_page_comparison(timeline_output(shares=(20, 20, 20)), record)
    assert busy.startswith("**Why these turns differ") and "7.60 ms" in busy and "5.20 ms" in busy
    assert "1.52 switch intervals" in busy and "only 0.60 of the time" in busy and "3.11.7 here" in busy
    calm = timeline.example_page_comparison(timeline_output(python="3.13.5", turns=200), record)
    assert "nothing this page measures" in calm
    agree = timeline.example_page_comparison(timeline_output(turn_ms="5.20"), record)
    assert agree.startswith("**The turns agree")
    assert "cannot be set beside" in timeline.example_page_comparison(timeline_output(), None)
    assert timeline.example_page_comparison("Traceback", record) == ""


def parallel_mix(io_share: float, *, second: float = 1.0, duration: float = 0.2) -> dict:
    """A made-up free-threaded recording: cpu-1 runs throughout, cpu-2 *second* of the time except
    while io-1 runs (io_share of the time, in bursts of 0.5 ms)."""
    bursts, io_runs, cpu2 = int(io_share * duration / 0.0005), [], []
    period = duration / max(bursts, 1)
    for k in range(bursts):
        io_runs.append([k * period, k * period + 0.0005])
        cpu2.append([k * period + 0.0005, k * period + 0.0005 + (period - 0.0005) * second])
    return {"format": timeline.FORMAT, "version": 1, "duration_s": duration, "gap_s": 5e-5,
            "params": {"cpu_threads": 2, "io_threads": 1, "io_burst_s": 0.0005, "io_sleep_s": 0.002},
            "threads": [{"name": "cpu-1", "kind": "cpu", "runs": [[0.0, duration]]},
                        {"name": "cpu-2", "kind": "cpu", "runs": cpu2},
                        {"name": "io-1", "kind": "io", "runs": io_runs}]}


def test_without_the_gil_an_io_thread_short_of_its_duty_cycle_is_explained_from_the_cpus():
    held = made_set([alternating(io=True, io_share=0.05)] * 3)
    # full pace (19.5% of 20%): no shortfall, the lead says it keeps its pace
    full = made_set([parallel_mix(0.195)] * 5, gil=False)
    assert timeline.free_io_shortfall(full) == ""
    assert "keeps its pace" in timeline.free_io_verdict(full, held, build="t").text
    # 17% of 20% on 2 CPUs that the three threads filled: it waited for a CPU, said with the figures
    crowded = made_set([parallel_mix(0.17)] * 5, gil=False)
    v = timeline.free_io_verdict(crowded, held, build="t")
    assert v.state == "holds" and "keeps its pace" not in v.text and "it still ran short" in v.text
    assert "85% of the 20% it needs" in v.text
    assert "2.20 CPUs' worth" in v.text and "more than the 2 usable CPUs" in v.text
    assert "the CPUs were full" in v.text and "not for a lock" in v.text
    # on 4 CPUs nothing was short of a CPU: other programs are named, with the load average
    roomy = made_set([parallel_mix(0.17)] * 5, gil=False, cpus=4)
    t = timeline.free_io_shortfall(roomy)
    assert "against 4 usable CPUs" in t and "other programs held the CPUs" in t and "load average 1.2" in t
    # 2 CPUs not full (cpu-2 ran half its time): the CPUs were not all theirs
    idle = made_set([parallel_mix(0.17, second=0.5)] * 5, gil=False)
    assert "other programs held the CPUs" in timeline.free_io_shortfall(idle)
    # a contradicted run states the same reason
    starved = made_set([parallel_mix(0.06)] * 5, gil=False)
    c = timeline.free_io_verdict(starved, held, build="t")
    assert c.state == "contradicted" and "the CPUs were full" in c.text
