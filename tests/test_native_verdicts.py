"""native-code's verdicts and invariants, decided on made-up results (no measuring)."""

from __future__ import annotations

from gilref.core.results import Suite, Timing
from gilref.topics import native

ONE = (1.00, 1.01, 1.02, 1.03, 1.04)


def around(t: float, spread: float = 0.01) -> tuple[float, ...]:
    return tuple(t * (1 + spread * k) for k in (-2, -1, 0, 1, 2))


def made(workload: str, two: tuple[float, ...], mode: str = "threads", cpus: int = 2, **params) -> Suite:
    s = Suite(metadata={"usable_cpus": cpus})
    s.add(Timing(workload, "sequential", 1, ONE, (), dict(params)))
    s.add(Timing(workload, mode, 1, ONE, (), dict(params)))
    s.add(Timing(workload, mode, 2, two, (), dict(params)))
    return s


NOGIL, PRANGE = around(0.53), around(0.52)


def suites(python=ONE, gil=ONE, nogil=NOGIL, prange=PRANGE, value: str = "42") -> dict[str, Suite]:
    out = {"python": made("xorshift", python, steps=600_000), "cython_gil": made("xorshift", gil, steps=60_000_000),
           "cython_nogil": made("xorshift", nogil, steps=60_000_000),
           "prange": made("xorshift", prange, mode="openmp", steps=60_000_000)}
    for k, s in out.items():
        s.metadata["result_check"] = {"steps": native.CHECK_STEPS, "value": value if k != "cython_gil" else "42"}
    return out


def test_numpy_verdict_three_ways():
    assert native.numpy_verdict(made("matmul", around(0.55)), 2, "load fine").state == "holds"
    c = native.numpy_verdict(made("matmul", around(0.98)), 2, "other programs were competing")
    assert c.state == "contradicted" and "other programs were competing" in c.text
    assert native.numpy_verdict(made("matmul", (0.6, 0.7, 0.77, 0.85, 0.95)), 2, "x").state == "undecided"


def test_python_and_gil_verdicts_three_ways():
    assert native.python_verdict(suites(), 2).state == "holds"
    assert native.python_verdict(suites(python=around(0.5)), 2).state == "contradicted"
    assert native.python_verdict(suites(python=(0.75, 0.8, 0.86, 0.95, 1.0)), 2).state == "undecided"
    g = native.gil_verdict(suites(), 2)
    assert g.state == "holds" and "faster than in Python" in g.text
    assert native.gil_verdict(suites(gil=around(0.55)), 2).state == "contradicted"


def test_nogil_and_prange_verdicts_three_ways():
    assert native.nogil_verdict(suites(), 2, "ok").state == "holds"
    assert native.nogil_verdict(suites(nogil=ONE), 2, "busy").state == "contradicted"
    assert native.nogil_verdict(suites(nogil=(0.6, 0.7, 0.77, 0.85, 0.95)), 2, "x").state == "undecided"
    assert native.prange_verdict(suites(), 2, True, "ok").state == "holds"
    off = native.prange_verdict(suites(), 2, False, "ok")
    assert off.state == "contradicted" and "without OpenMP" in off.text


BUILD_OUT = """Python 3.11.2, module built with OpenMP; median of 5 runs
                      ns/step   1 thread   2 threads  speedup
  Python loop          150.00     0.045s      0.046s    0.98x
  Cython, GIL held       0.90     0.027s      0.028s    0.96x
  Cython, nogil          0.90     0.027s      0.015s    1.80x
  Cython, prange         0.90     0.027s      0.014s    1.93x
"""


def test_parse_build_cython_and_state_it():
    ex = native.parse_build_cython(BUILD_OUT)
    assert (ex["python"], ex["openmp"], ex["repeats"], ex["threads"]) == ("3.11.2", True, 5, 2)
    assert native.parse_build_cython(BUILD_OUT.replace("5 runs", "1 run"))["repeats"] == 1
    assert ex["rows"]["cython_nogil"] == {"ns_per_step": 0.9, "one_s": 0.027, "many_s": 0.015, "speedup": 1.8}
    c = native.nogil_verdict(suites(), 2, "ok", ex)
    assert "1.80× on 2 threads" in c.text and "it agrees" in c.text
    assert "the script below: 167×" in native.gil_verdict(suites(), 2, ex).text  # 150 ns / 0.9 ns


def test_the_gil_verdict_compares_python_with_the_variant_that_keeps_the_gil():
    # one step: Python 1.00 s / 600,000; GIL held 1.20 s / 60,000,000 (83×); released 0.60 s (167×)
    s = suites(gil=around(1.2), nogil=around(0.6))
    for k in ("cython_gil", "cython_nogil"):
        s[k].timings[0] = Timing("xorshift", "sequential", 1, around({"cython_gil": 1.2, "cython_nogil": 0.6}[k]),
                                 (), {"steps": 60_000_000})
    s["python"].timings[0] = Timing("xorshift", "sequential", 1, around(1.0), (), {"steps": 600_000})
    text = native.gil_verdict(s, 2).text
    assert "one step is 83× faster than in Python" in text and "167×" not in text
    ex = native.parse_build_cython(BUILD_OUT.replace("  Cython, GIL held       0.90", "  Cython, GIL held       1.50"))
    assert "the script below: 100×, on fewer steps" in native.gil_verdict(s, 2, ex).text  # 150 / 1.5, not 150 / 0.9
    disagree = native.python_verdict(suites(), 2, native.parse_build_cython(BUILD_OUT.replace("0.98x", "1.50x")))
    assert disagree.state == "holds" and "does not agree" in disagree.text


def test_numpy_invariants_both_ways():
    s = made("matmul", around(0.55), blas_threads=1)
    s.metadata["blas_during"] = [{"user_api": "blas", "internal_api": "openblas", "num_threads": 1}]
    assert all(i.holds for i in native.numpy_invariants(s))
    fast = made("matmul", around(0.3), blas_threads=1)  # 3.3x on 2 threads and 2 CPUs: impossible
    fast.metadata["blas_during"] = [{"user_api": "blas", "internal_api": "openblas", "num_threads": 4}]
    assert {i.key: i.holds for i in native.numpy_invariants(fast)} == {
        "numpy_one_thread_as_sequential": True, "numpy_within_cpus": False, "numpy_blas_pinned": False}
    slow_one = made("matmul", around(0.55), blas_threads=1)
    slow_one.timings[1] = Timing("matmul", "threads", 1, around(1.6), (), {"blas_threads": 1})
    got = {i.key: i for i in native.numpy_invariants(slow_one)}
    assert not got["numpy_one_thread_as_sequential"].holds and "1.600 s on one thread" in got[
        "numpy_one_thread_as_sequential"].cause


def test_cython_invariants_both_ways():
    assert all(i.holds for i in native.cython_invariants(suites()))
    wrong = {i.key: i.holds for i in native.cython_invariants(suites(value="43"))}
    assert wrong == {"cython_same_cost": True, "cython_one_thread_as_sequential": True,
                     "cython_same_result": False, "cython_within_cpus": True}
    too_fast = {i.key: i.holds for i in native.cython_invariants(suites(prange=around(0.2)))}
    assert too_fast == {"cython_same_cost": True, "cython_one_thread_as_sequential": True,
                        "cython_same_result": True, "cython_within_cpus": False}


def test_the_same_c_loop_must_cost_the_same_with_and_without_the_gil():
    s = suites()
    s["cython_gil"].timings[0] = Timing("xorshift", "sequential", 1, around(2.9), (), {"steps": 60_000_000})
    got = {i.key: i for i in native.cython_invariants(s)}
    assert not got["cython_same_cost"].holds and "GIL held 2.900 s" in got["cython_same_cost"].cause


def test_a_script_speedup_beyond_the_cpus_is_called_disturbed():
    ex = native.parse_build_cython(BUILD_OUT.replace("0.98x", "2.82x"))
    assert "more than 2 threads on 2 CPUs can give" in native.python_verdict(suites(), 2, ex).text
    assert [i.holds for i in native.build_cython_invariants(ex, 2)] == [False]
    assert [i.holds for i in native.build_cython_invariants(native.parse_build_cython(BUILD_OUT), 2)] == [True]


def test_a_speedup_interval_whose_top_passes_the_cpus_says_why():
    # one thread 1.00-1.04 s, two threads 0.50-0.54 s: the quartile ratio's top is above 2×
    over = native.numpy_verdict(made("matmul", (0.49, 0.50, 0.51, 0.53, 0.54)), 2, "fine")
    assert over.state == "holds"
    assert "above the 2× that 2 CPUs allow" in over.text and "median, 2.00×, stays within" in over.text
    inside = native.numpy_verdict(made("matmul", around(0.7)), 2, "fine")
    assert "CPUs allow" not in inside.text


def test_thread_counts_read_as_prose():
    assert native.threads_text(1) == "1 thread" and native.threads_text(2) == "2 threads"
    assert native.blas_threads_text([{"num_threads": 1}]) == "1 thread"
    assert native.blas_threads_text([{"num_threads": 4}, {"num_threads": 4}]) == "4 threads"
    assert native.blas_threads_text([]) == "n/a"
    assert native.counts_text([1, 2, 4]) == "1, 2 and 4 threads"
    assert native.counts_text([1]) == "1 thread"


def test_the_loop_verdicts_and_table_say_why_an_interval_passes_the_cpus():
    # prange: one thread 1.00-1.04 s, two OpenMP threads 0.49-0.54 s: the top of the quartile ratio passes 2×
    wide = suites(prange=(0.49, 0.50, 0.51, 0.53, 0.54))
    claim = native.prange_verdict(wide, 2, True, "fine")
    assert claim.state == "holds" and "above the 2× that 2 CPUs allow" in claim.text
    labels = {"python": "pure Python", "prange": "Cython prange (OpenMP threads)"}
    note = native.step_table_note(wide, labels, 2)
    assert "for Cython prange (OpenMP threads), at 2.06×." in note and "not any run's speedup" in note
    assert "pure Python" not in note
    assert native.step_table_note(suites(), labels, 2) == ""
    assert "CPUs allow" not in native.prange_verdict(suites(), 2, True, "fine").text
    assert "CPUs allow" not in native.nogil_verdict(suites(), 2, "fine").text
    assert "CPUs allow" in native.nogil_verdict(suites(nogil=(0.49, 0.50, 0.51, 0.53, 0.54)), 2, "fine").text


def test_numpy_verdict_notes_a_drop_with_more_threads_than_cpus():
    s = made("matmul", around(0.51))
    s.add(Timing("matmul", "threads", 4, around(0.58), (), {}))
    c = native.numpy_verdict(s, 2, "x")
    assert "With 4 threads on 2 CPUs the products ran at 1.76×" in c.text and "not explained" in c.text
    level = made("matmul", around(0.51))
    level.add(Timing("matmul", "threads", 4, around(0.515), (), {}))
    assert "With 4 threads" not in native.numpy_verdict(level, 2, "x").text


def timed(one: float, many: float, mode: str = "threads", steps: int = 60_000_000) -> Suite:
    s = Suite(metadata={"usable_cpus": 2})
    for m, k, t in (("sequential", 1, one), (mode, 1, one), (mode, 2, many)):
        s.add(Timing("xorshift", m, k, around(t, 0.002), (), {"steps": steps}))
    return s


def script(prange=(0.051, 0.032), nogil=(0.051, 0.026), idle="0.010 ms (0.012 ms of CPU)") -> dict:
    def row(name, one, many):
        return f"  {name:<18}{one / 30e6 * 1e9:9.2f}{one:12.6f}s{many:13.6f}s{one / many:8.2f}x"
    text = "\n".join([
        "Python 3.11.7, module built with OpenMP; median of 5 runs",
        "                      ns/step   1 thread   2 threads  speedup",
        row("Python loop", 0.057, 0.058), row("Cython, GIL held", 0.051, 0.052), row("Cython, nogil", *nogil),
        row("Cython, prange", *prange), f"  no work, 2 threads: a prange call {idle}, Python threads 0.980 ms"])
    return native.parse_build_cython(text)


def loop_suites(prange=(0.101, 0.051), nogil=(0.102, 0.052)) -> dict[str, Suite]:
    out = suites()
    out["cython_nogil"], out["prange"] = timed(*nogil), timed(*prange, mode="openmp")
    return out


def test_parse_build_cython_reads_the_no_work_line():
    ex = script(idle="7.500 ms (7.400 ms of CPU)")
    assert ex["idle"] == {"team_s": 0.0075, "team_cpu_s": 0.0074, "threads_s": 0.00098, "load": None}
    assert native.parse_build_cython(BUILD_OUT)["idle"] is None and not ex["prange_note"]
    assert native.parse_build_cython(BUILD_OUT + "note: Cython, prange took 0.032 s on 2 threads")["prange_note"]


def test_the_scripts_prange_figure_is_checked_with_a_stated_tolerance_and_a_computed_reason():
    cy = loop_suites()
    s = cy["prange"].speedup_interval(cy["prange"].get("xorshift", "openmp", 2))
    lo, hi = native.example_band(s, 2, 2)
    assert lo == s.low * 0.75 and hi == 2.2  # 25% below; above, capped at 2 CPUs + 10%
    # 1.59× against ~1.98×: apart beyond the spread, within the 25% band: it agrees, and says why they differ
    text = native.prange_verdict(cy, 2, True, "ok", script()).text
    assert "measured 1.59× on 2 threads" in text and "below the chapter's interval but within the 25% this check " \
        f"allows ({lo:.2f}–2.20×): it agrees" in text
    assert "took 6.500 ms beyond a perfect split" in text and "against 0.500 ms here" in text
    assert "does not explain the gap" in text and "Its nogil threads, on the same steps, paid 0.500 ms" in text
    assert "start is not the gap." in text  # the script printed no note of its own (none in this output)
    noted = script()
    noted["prange_note"] = True
    assert "its own note below says" in native.prange_verdict(cy, 2, True, "ok", noted).text
    # the nogil threads paid as much: the whole script, not prange, paid more
    both = native.prange_verdict(cy, 2, True, "ok", script(nogil=(0.051, 0.032))).text
    assert "about as much: the whole script's runs paid more" in both and "not the whole script" not in both
    # a prange call with no work that costs as much, on a CPU: the spinning team is named, with its source
    spin = native.prange_verdict(cy, 2, True, "ok", script(idle="7.500 ms (7.400 ms of CPU)")).text
    assert "took 7.500 ms in the script (of which 7.400 ms on a CPU" in spin and native.OMP_WAIT_POLICY_DOC in spin
    # inside the interval: it agrees, no reason needed
    inside = native.prange_verdict(cy, 2, True, "ok", script(prange=(0.051, 0.0257))).text
    assert "inside the chapter's interval: it agrees." in inside and "perfect split" not in inside
    # far below: beyond the tolerance, it does not agree
    far = native.prange_verdict(cy, 2, True, "ok", script(prange=(0.051, 0.045))).text
    assert "beyond the 25% this check allows" in far and "it does not agree" in far


def test_a_shorter_job_that_explains_the_gap_is_said_to():
    # here 5 ms beyond a perfect split on a 0.1 s job (1.82×); the script's 0.05 s job pays the same 5 ms: 1.67×
    cy = loop_suites(nogil=(0.100, 0.055))
    text = native.nogil_verdict(cy, 2, "ok", script(nogil=(0.050, 0.030))).text
    assert "it agrees" in text and "it would reach 1.67×, about the script's figure" in text
    assert "the job's length explains the gap" in text


def test_a_script_figure_above_the_interval_blames_the_chapters_runs_not_the_job():
    # here 10 ms beyond a perfect split (1.67×); the script paid 0.5 ms (1.96×)
    cy = loop_suites(nogil=(0.100, 0.060))
    text = native.nogil_verdict(cy, 2, "ok", script(nogil=(0.051, 0.026))).text
    assert "above the chapter's interval" in text and "this chapter's runs paid more per run than the script's" in text
    assert "job's length" not in text


def test_a_shorter_job_that_more_than_explains_the_gap_says_the_script_paid_less_per_run():
    # here 20 ms beyond a perfect split on a 0.1 s job (1.43×); the script's 0.05 s job paid 11 ms (1.39×)
    cy = loop_suites(nogil=(0.100, 0.070))
    text = native.nogil_verdict(cy, 2, "ok", script(nogil=(0.050, 0.036))).text
    assert "would reach only 1.11×, below the script's figure" in text and "more than explains the gap" in text


def test_costs_from_the_script_are_stated_to_the_precision_it_printed():
    assert native.ms_text(0.0045123) == "4.512 ms"
    assert native.ms_text(0.0000004) == "under 0.001 ms"
    assert native.ms_text(0.0004, decimals=3) == "under 1 ms"  # from times printed to 1 ms: no sub-ms figure
    fine = BUILD_OUT.replace("0.027s      0.015s", "0.027000s      0.013600s")
    ex = native.parse_build_cython(fine)
    assert ex["time_decimals"] == 3  # the other rows still print 3 decimals
    ex["time_decimals"] = 6
    text = native.example_gap_reason(ex, "cython_nogil", suites()["cython_nogil"], 2)
    assert "0.100 ms beyond a perfect split" in text


def test_the_no_work_line_and_its_load_are_parsed():
    out = BUILD_OUT + ("  no work, 2 threads: a prange call 0.005 ms (0.010 ms of CPU), Python threads 2.614 ms; "
                       "1-minute load average 0.52\n")
    idle = native.parse_build_cython(out)["idle"]
    assert idle["load"] == 0.52 and abs(idle["threads_s"] - 0.002614) < 1e-12
    assert native.parse_build_cython(out.replace("; 1-minute load average 0.52", ""))["idle"]["load"] is None


def test_the_ceiling_note_names_the_cpus_and_the_slack():
    s = native.Interval(2.0, 2.03, 2.05)
    text = native.ceiling_note(s, 2, 2)
    assert "exceeds the 2× of 2 CPUs" in text and "10% over the CPU count" in text and "2.20×" in text
    assert "stays within the 2×" in native.ceiling_note(native.Interval(1.9, 1.98, 2.05), 2, 2)
    assert native.ceiling_note(native.Interval(1.9, 1.95, 1.99), 2, 2) == ""


def test_a_drop_past_the_cpus_gets_a_note_in_the_loop_verdicts():
    cy = suites()
    for key, mode in (("cython_nogil", "threads"), ("prange", "openmp")):
        cy[key].add(Timing("xorshift", mode, 4, around(0.75), (), {"steps": 60_000_000}))
    assert "With 4 threads on 2 CPUs the loop ran at" in native.nogil_verdict(cy, 2, "ok").text
    assert "With 4 OpenMP threads on 2 CPUs" in native.prange_verdict(cy, 2, True, "ok").text
    assert "With 4" not in native.nogil_verdict(suites(), 2, "ok").text


def test_every_step_row_shows_its_interval_even_a_point_one():
    cy = suites(prange=(0.505, 0.505, 0.505, 0.505, 0.505))
    cy["prange"] = made("xorshift", (0.505,) * 5, mode="openmp", steps=60_000_000)
    rows = native.step_rows(cy, {"prange": "p"}, 2)
    assert "(" in rows[0]["speedup (quartile interval)"]


def test_a_nogil_cost_below_the_scripts_own_thread_start_is_said():
    ex = script(nogil=(0.051, 0.0251))  # 0.1 ms beyond a perfect split; starting threads took 0.980 ms
    ex["idle"]["load"] = 2.5
    text = native.example_gap_reason(ex, "cython_nogil", loop_suites()["cython_nogil"], 2)
    assert "starting and joining 2 threads took 0.980 ms" in text and "load average was 2.50" in text
    slow = script(nogil=(0.051, 0.030))  # 4.5 ms: more than the start
    nogil = loop_suites()["cython_nogil"]
    assert "starting and joining" not in native.example_gap_reason(slow, "cython_nogil", nogil, 2)


def test_a_table_interval_never_prints_as_a_range_from_a_value_to_itself():
    from gilref.core.verdicts import Interval
    from gilref.topics.native import interval_text

    assert interval_text(Interval(1.96, 1.97, 1.98)) == "1.97× (1.96–1.98×)"
    assert interval_text(Interval(1.976, 1.98, 1.984)) == "1.98× (1.976–1.984×)"
    assert interval_text(Interval(1.98, 1.98, 1.98)) == "1.98× (quartiles alike)"
