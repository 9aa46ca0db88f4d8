"""Subinterpreters: choosing an interpreter, setting up the PEP 734 API, measuring in it."""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys

import pytest

from gilref.core import workloads
from gilref.core.results import Suite, Timing
from gilref.interp import discover as interpreters
from gilref.interp import select as builds
from gilref.interp.discover import Interpreter
from gilref.topics import subinterp
from gilref.topics.subinterp import SubinterpretersUnavailable

from .conftest import EXAMPLES

HOST_HAS_API = True
try:
    subinterp.api()
except SubinterpretersUnavailable:
    HOST_HAS_API = False


def interp(version: str, *, impl: str = "CPython", ft: bool = False, source: str = "path") -> Interpreter:
    return Interpreter(f"/x/python{version}{'t' if ft else ''}", impl, version, ft, not ft, source)


def test_the_policy_with_this_requirement_gives_the_pairs_gil_build_from_3_12():
    found = [interp("3.11.7", source="host"), interp("3.13.5", ft=True), interp("3.12.1"),
             interp("3.13.5"), interp("3.10.0", impl="PyPy")]
    assert builds.choose(found, where=subinterp.supports).gil == interp("3.13.5")
    assert builds.choose([interp("3.12.0"), interp("3.12.3", source="host")], where=subinterp.supports).gil \
        == interp("3.12.3", source="host")


def test_nothing_is_chosen_without_a_suitable_interpreter():
    found = [interp("3.11.7"), interp("3.13.5", ft=True), interp("3.12.0", impl="PyPy")]
    assert builds.choose(found, where=subinterp.supports).gil is None
    assert builds.choose([], where=subinterp.supports).gil is None
    assert not subinterp.supports(interp("3.11.7")) and subinterp.supports(interp("3.12.0"))


def test_the_countdown_sent_to_interpreters_is_the_workload_loop():
    namespace: dict = {}
    exec(subinterp.COUNTDOWN_SOURCE, namespace)
    for n in (0, 1, 12345):
        assert namespace["countdown"](n) == workloads.countdown(n) == n
    assert "import" not in subinterp.COUNTDOWN_SOURCE


@pytest.mark.skipif(HOST_HAS_API, reason="this host's Python has a PEP 734 API")
def test_api_says_what_is_missing():
    with pytest.raises(SubinterpretersUnavailable, match=r"3\.12|interpreters-pep-734"):
        subinterp.api()


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the host is new enough for subinterpreters")
def test_ensure_api_refuses_an_interpreter_older_than_3_12():
    with pytest.raises(SubinterpretersUnavailable, match=r"need 3\.12\+"):
        subinterp.ensure_api(sys.executable, timeout=60)


def test_ensure_api_rejects_a_missing_interpreter_and_a_bad_timeout(tmp_path):
    with pytest.raises(SubinterpretersUnavailable, match="no executable interpreter"):
        subinterp.ensure_api(tmp_path / "python3.13")
    with pytest.raises(ValueError, match="timeout must be > 0"):
        subinterp.ensure_api(sys.executable, timeout=0)


def test_pip_commands_install_into_the_private_target_only():
    target = "/cache/site/x/cp313"
    own, cross = subinterp._pip_commands("/py/python3.13", (3, 13, 5), target)
    assert own[:3] == ["/py/python3.13", "-m", "pip"] and cross[:3] == [sys.executable, "-m", "pip"]
    for cmd in (own, cross):
        assert cmd[cmd.index("--target") + 1] == target and subinterp.BACKPORT in cmd
    assert cross[cross.index("--python-version") + 1] == "3.13" and "--only-binary=:all:" in cross
    (only,) = subinterp._pip_commands("/py/python3.12", (3, 12, 1), target)
    assert subinterp.BACKPORT_312 in only
    assert subinterp.backport_dir((3, 13, 5)).name == "cp313"


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"n": 0}, ValueError, "n must be >= 1"),
    ({"workers": []}, ValueError, "at least one count"),
    ({"workers": [0]}, ValueError, "workers must be >= 1"),
    ({"modes": ("threads", "fibres")}, ValueError, "'fibres'"),
    ({"repeats": 2}, ValueError, "repeats must be >= 5"),
])
def test_scaling_suite_checks_its_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        subinterp.scaling_suite(**kwargs)


def test_scaling_suite_without_interpreters_runs_anywhere():
    suite = subinterp.scaling_suite(50_000, [1, 2], modes=("threads", "processes"), warmups=0)
    assert [(t.mode, t.workers) for t in suite.timings] == [
        ("sequential", 1), ("threads", 1), ("threads", 2), ("processes", 1), ("processes", 2)]
    assert suite.get("countdown", "processes", 2).params["start_method"]
    assert not multiprocessing.active_children()


# -- with a real interpreter that has subinterpreters ---------------------------------


@pytest.fixture(scope="module")
def setup():
    chosen = builds.choose(interpreters.discover(), where=subinterp.supports).gil
    if chosen is None:
        pytest.skip("no CPython 3.12+ with a GIL found (set GILREF_PYTHONS to one to run these tests)")
    try:
        return subinterp.ensure_api(chosen, timeout=180)
    except SubinterpretersUnavailable as exc:
        pytest.skip(f"subinterpreters cannot be set up in {chosen.label}: {exc}")


def test_ensure_api_finds_its_private_install_the_second_time(setup):
    again = subinterp.ensure_api(setup.executable, timeout=120)
    assert again.module == setup.module and again.path == setup.path and not again.installed
    if setup.path:
        from gilref.interp.child import project_root

        assert again.env()["PYTHONPATH"].split(os.pathsep) == [str(project_root()), setup.path]
    else:
        assert again.env() == {}


def test_measure_in_the_child_reports_interpreters_threads_processes(setup):
    result = subinterp.run(setup, {"n": 200_000, "workers": [1, 2], "repeats": 5, "warmups": 0,
                                   "startup_repeats": 5}, timeout=300)
    scaling, startup = result["scaling"], result["startup"]
    assert {(t.mode, t.workers) for t in scaling.timings} >= {
        ("sequential", 1), ("interpreters", 1), ("interpreters", 2), ("threads", 2), ("processes", 2)}
    assert scaling.metadata["python_version"].startswith(("3.12", "3.13", "3.14", "3.15"))
    assert result["api"] == setup.module and result["gil"] == "own"
    modes = {t.mode for t in startup.timings}
    assert {"thread", "interpreter"} <= modes and any(m.startswith("process-") for m in modes)
    assert all(t.median > 0 for t in startup.timings)
    small = result["small_parent"]  # the processes chapter's measurement, run in the same interpreter
    assert small is not None and small.metadata["python_version"] == scaling.metadata["python_version"]
    assert "fork" in {t.mode for t in small.timings} and "rss_bytes" in startup.metadata


@pytest.mark.example("subinterpreters.py")
@pytest.mark.skipif(HOST_HAS_API, reason="this host's Python has subinterpreters")
def test_subinterpreters_example_explains_what_it_needs(run_example):
    proc = run_example("subinterpreters.py", "--count", "1000", check=False, timeout=60)
    assert proc.returncode == 1
    assert re.match(r"error: this is Python \S+; subinterpreters .* need Python 3\.14\+", proc.stderr)
    assert "pip install interpreters-pep-734" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.example("subinterpreters.py")
def test_subinterpreters_example_runs_in_a_suitable_interpreter(setup):
    env = {**os.environ, **setup.env()}
    proc = subprocess.run([setup.executable, str(EXAMPLES / "subinterpreters.py"), "--count", "400000",
                           "--workers", "2", "--repeats", "3"], capture_output=True, text=True, timeout=300,
                          env=env, cwd=EXAMPLES, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert setup.module in out
    for row in ("1 thread", "2 threads", "2 interpreters"):
        assert re.search(rf"{row}\s+\d+\.\d+ s\s+\d+\.\d+x one thread", out), out
    assert re.search(r"closing one interpreter: \d+\.\d+ ms", out)
    got = subinterp.parse_example(out)  # the chapter's cross-check reads this very report
    assert got["count"] == 400_000 and got["workers"] == 2 and got["repeats"] == 3 and got["start_ms"] > 0


def test_ensure_api_installs_the_backport_into_a_fresh_cache(setup, tmp_path, monkeypatch):
    if setup.path is None:
        pytest.skip(f"{setup.module} is built in: nothing to install")
    monkeypatch.setenv("GILREF_CACHE_DIR", str(tmp_path))
    fresh = subinterp.ensure_api(setup.executable, timeout=180)
    assert fresh.installed and fresh.path.startswith(str(tmp_path)) and fresh.module == setup.module
    assert not [p for p in (tmp_path / "site").rglob(".cp*")], "a staging directory was left behind"


def test_a_failed_install_is_reported_with_pips_words(setup, tmp_path, monkeypatch):
    if setup.path is None:
        pytest.skip(f"{setup.module} is built in: nothing to install")
    monkeypatch.setenv("GILREF_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(subinterp, "_pip_commands", lambda exe, version, target: [
        [sys.executable, "-c", "import sys; sys.exit('ERROR: no index reachable')", "--target", target]])
    with pytest.raises(SubinterpretersUnavailable, match=r"(?s)could not install .*no index reachable"):
        subinterp.ensure_api(setup.executable, timeout=60)


def test_a_hanging_install_is_stopped_on_the_deadline(setup, tmp_path, monkeypatch):
    if setup.path is None:
        pytest.skip(f"{setup.module} is built in: nothing to install")
    monkeypatch.setenv("GILREF_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(subinterp, "_pip_commands", lambda exe, version, target: [
        [sys.executable, "-c", "import time; time.sleep(60)", "--target", target]])
    with pytest.raises(SubinterpretersUnavailable, match="overshot the deadline|took over"):
        subinterp.ensure_api(setup.executable, timeout=3)


# -- verdicts and invariants, on made-up results ---------------------------------------


def made_scaling(interp: tuple[float, ...], threads: tuple[float, ...] = (1.0,) * 5,
                 procs: tuple[float, ...] = (0.52,) * 5, cpus: int = 2) -> Suite:
    """One thread takes 1 s; the 2-worker configurations take the given times (s)."""
    s = Suite(metadata={"usable_cpus": cpus})
    s.add(Timing("countdown", "sequential", 1, (1.0,) * 5, (), {"n": 6_000_000}))
    s.add(Timing("countdown", "threads", 2, threads, (), {"n": 6_000_000}))
    s.add(Timing("countdown", "interpreters", 2, interp, (), {"n": 6_000_000}))
    s.add(Timing("countdown", "processes", 2, procs, (), {"n": 6_000_000}))
    return s


def made_startup(thread=(0.0001,) * 5, interp=(0.004,) * 5, spawn=(0.05,) * 5, fork=(0.002,) * 5) -> Suite:
    s = Suite()
    s.add(Timing("start", "thread", 1, thread, (), {"batch": 10}))
    s.add(Timing("start", "interpreter", 1, interp, (), {"batch": 10}))
    s.add(Timing("start", "process-spawn", 1, spawn, (), {"batch": 3}))
    s.add(Timing("start", "process-fork", 1, fork, (), {"batch": 3}))
    return s


def test_interpreters_verdict_three_ways():
    held = subinterp.interpreters_verdict(made_scaling((0.55,) * 5), gil="own")
    assert held.state == "holds" and "1.82×" in held.text and "`own`" in held.text
    no = subinterp.interpreters_verdict(made_scaling((0.95, 0.97, 1.0, 1.02, 1.05)), why="load was low")
    assert no.state == "contradicted" and "load was low" in no.text
    # repeats from 1.0 s to 0.6 s: the interval straddles 1.3x
    unsure = subinterp.interpreters_verdict(made_scaling((0.6, 0.7, 0.8, 0.9, 1.0)))
    assert unsure.state == "undecided" and "straddle 1.3×" in unsure.text


def test_threads_verdict_three_ways():
    assert subinterp.threads_verdict(made_scaling((0.55,) * 5)).state == "holds"
    assert subinterp.threads_verdict(made_scaling((0.55,) * 5, threads=(0.6,) * 5)).state == "contradicted"
    assert subinterp.threads_verdict(made_scaling((0.55,) * 5, threads=(0.7, 0.8, 0.85, 0.9, 1.0))).state \
        == "undecided"


def test_start_verdict_three_ways_and_names_the_interpreter():
    held = subinterp.start_verdict(made_startup(), python="CPython 3.13.5 (GIL)")
    assert "40× a thread" in held.text and "12× the interpreter" in held.text
    assert held.state == "holds" and held.text.startswith("In CPython 3.13.5 (GIL)") and "fork" in held.text
    slow = subinterp.start_verdict(made_startup(interp=(0.08,) * 5), python="X")
    assert slow.state == "contradicted"
    overlap = subinterp.start_verdict(made_startup(interp=(0.03, 0.04, 0.05, 0.06, 0.07)), python="X")
    assert overlap.state == "undecided"


def test_scaling_invariants_catch_more_than_n_times_and_more_than_the_cpus():
    sound = subinterp.scaling_invariants(made_scaling((0.55,) * 5))
    assert all(i.holds for i in sound)
    broken = {i.key: i for i in subinterp.scaling_invariants(made_scaling((0.3,) * 5))}  # 3.3x on 2 workers
    assert not broken["si_at_most_n"].holds and "2 interpreters" in broken["si_at_most_n"].cause
    s = made_scaling((0.55,) * 5, cpus=1)
    by = {i.key: i for i in subinterp.scaling_invariants(s)}
    assert by["si_at_most_n"].holds and not by["si_at_most_cpus"].holds


def test_startup_invariants_both_ways():
    assert all(i.holds for i in subinterp.startup_invariants(made_startup()))
    assert not subinterp.startup_invariants(made_startup(thread=(0.0, 0.0001, 0.0001)))[0].holds
    both = subinterp.result_invariants({"scaling": made_scaling((0.55,) * 5), "startup": made_startup()})
    assert len(both) == 5 and all(i.holds for i in both)


EXAMPLE_OUT = """Python 3.13.5 (interpreters_backport.interpreters), 2 CPUs, 6,000,000 steps, median of 5 runs
  1 thread            0.300 s    1.00x one thread
  2 threads           0.310 s    0.97x one thread
  2 interpreters      0.165 s    1.82x one thread
  creating, using and closing one interpreter: 4.10 ms
"""


def test_parse_example_reads_the_scripts_report():
    got = subinterp.parse_example(EXAMPLE_OUT)
    assert got == {"python": "3.13.5", "count": 6_000_000, "repeats": 5, "workers": 2, "threads_x": 0.97,
                   "interpreters_x": 1.82, "start_ms": 4.1}
    with pytest.raises(ValueError, match="not the output"):
        subinterp.parse_example("Python 3.13.5 something else")
    one = subinterp.parse_example(EXAMPLE_OUT.replace("median of 5 runs", "median of 1 run"))
    assert one["repeats"] == 1


def test_example_verdict_agrees_or_says_why_not():
    sc, st = made_scaling((0.55,) * 5), made_startup()
    ok = subinterp.example_verdict(sc, st, subinterp.parse_example(EXAMPLE_OUT))
    assert ok.state == "holds" and "1.82×" in ok.text and "within the tolerances" in ok.text
    assert "5 times straight away" in ok.text and "after one unmeasured warm-up run" in ok.text
    slow = subinterp.parse_example(EXAMPLE_OUT.replace("1.82x", "1.05x"))
    no = subinterp.example_verdict(sc, st, slow)
    assert no.state == "contradicted" and "1.05×" in no.text and "other load" in no.text
    far = subinterp.parse_example(EXAMPLE_OUT.replace("4.10 ms", "40.00 ms"))
    assert subinterp.example_verdict(sc, st, far).state == "contradicted"


def test_unavailable_text_says_how_to_enable():
    text = subinterp.unavailable_text("no CPython 3.12 or newer with a GIL was found")
    assert "no CPython 3.12" in text and "GILREF_PYTHONS" in text and "interpreters-pep-734" in text


def test_one_worker_of_any_kind_must_run_at_the_speed_of_one_thread():
    s = made_scaling((0.55,) * 5)
    s.add(Timing("countdown", "interpreters", 1, (0.7,) * 5, (), {"n": 6_000_000}))  # 1.43x on one worker
    by = {i.key: i for i in subinterp.scaling_invariants(s)}
    assert not by["si_one_is_one"].holds and "1 interpreter: 1.43×" in by["si_one_is_one"].cause
    s = made_scaling((0.55,) * 5)
    s.add(Timing("countdown", "threads", 1, (0.9, 0.95, 1.0, 1.05, 1.1), (), {"n": 6_000_000}))
    assert {i.key: i for i in subinterp.scaling_invariants(s)}["si_one_is_one"].holds


def test_example_verdict_says_where_a_figure_lies_against_the_interval():
    sc, st = made_scaling((0.55,) * 5), made_startup()
    q3 = next(t for t in st.timings if t.mode == "interpreter").summary.q3 * 1e3
    just_above = subinterp.parse_example(EXAMPLE_OUT.replace("4.10 ms", f"{q3 * 1.3:.2f} ms"))
    c = subinterp.example_verdict(sc, st, just_above)
    assert c.state == "holds" and "above that interval, within the tolerated" in c.text
    far = subinterp.parse_example(EXAMPLE_OUT.replace("4.10 ms", f"{q3 * 3:.2f} ms"))
    assert "outside even the tolerated" in subinterp.example_verdict(sc, st, far).text


def test_backport_text_names_the_package_not_a_path():
    private = subinterp.ApiSetup(executable="/x/python3.13", module="interpreters_backport.interpreters",
                                 path="/root/.cache/gilref/site/interpreters-pep-734-0.5.0/cp313",
                                 installed=False, seconds=0.0)
    text = subinterp.backport_text(private)
    assert "`interpreters-pep-734` package, version 0.5.0" in text and "/root" not in text
    own = subinterp.ApiSetup(executable="/x/python3.14", module="concurrent.interpreters", path=None,
                             installed=False, seconds=0.0)
    assert subinterp.backport_text(own) == ""


def test_start_context_says_what_each_child_imports_and_compares_with_the_processes_chapter():
    st = made_startup()
    st.metadata.update({"spawn_main": "gilref.interp._child", "task_module": "gilref.topics.subinterp",
                        "modules_loaded": 1234, "load_average": [2.5, 2, 1],
                        "fresh_start_s": 0.012, "fresh_import_s": 0.04})
    text = subinterp.start_context_text(st, "CPython 3.13.5 (GIL)")
    assert "`gilref.interp._child` and `gilref.topics.subinterp`" in text and "40.0 ms more" in text
    assert "12.0 ms for `python -c pass`" in text and "1,234 modules" in text and "2.5" in text
    assert "{doc}`processes`" not in text  # no record of that chapter: nothing said about it
    other = Suite(metadata={"python_implementation": "CPython", "python_version": "3.11.7", "gil_enabled": True,
                            "modules_loaded": 200, "fresh_start_s": 0.0365})
    for mode, v in (("fork", 0.003), ("spawn", 0.0315)):
        other.add(Timing("process-start", mode, 1, (v,) * 5, (), {}))
    text = subinterp.start_context_text(st, "CPython 3.13.5 (GIL)", other)
    assert "{doc}`processes` chapter (CPython 3.11.7, GIL on) measured fork 3.0 ms, spawn 31.5 ms" in text
    assert "`os.getpid`" in text and "from its own kernel" not in text
    assert "a `spawn` start here would take 10.0 ms, against 31.5 ms there" in text  # 50 ms - 40 ms of imports
    assert "where a bare `python -c pass` took 36.5 ms (here: 12.0 ms)" in text
    st.metadata.pop("spawn_main")
    assert "main module" not in subinterp.start_context_text(st, "CPython 3.13.5 (GIL)").split("A `fork`")[0][:90]


def countdown_record_suite(seq=2.0, kept=1.01, n=24_000_000):
    o = Suite(metadata={"python_implementation": "CPython", "python_version": "3.11.7", "gil_enabled": True})
    o.add(Timing("countdown", "sequential", 1, (seq,) * 5, (), {"n": n}))
    o.add(Timing("countdown", "processes", 2, (kept,) * 5, (), {"n": n}))
    return o


def test_interpreters_verdict_explains_this_pages_processes_by_the_processes_chapters_fixed_cost():
    # that chapter: 2.0 s alone, 1.01 s on 2: 10 ms per run beyond a perfect split; this job is 1.0 s,
    # so the same 10 ms gives 1.0 / (0.5 + 0.01) = 1.96x: what this page's processes reached
    c = subinterp.interpreters_verdict(made_scaling((0.55,) * 5, procs=(0.505, 0.508, 0.51, 0.512, 0.515)),
                                       other=countdown_record_suite())
    assert "pool of 2, in CPython 3.11.7, GIL on, reached 1.98×" in c.text and "In that chapter, each run" in c.text
    assert "would have reached 1.96×, inside its spread" in c.text
    far = subinterp.interpreters_verdict(made_scaling((0.55,) * 5, procs=(0.56,) * 5), other=countdown_record_suite())
    assert "60.0 ms per run beyond a perfect split, against 10.0 ms in that chapter" in far.text
    same = subinterp.interpreters_verdict(made_scaling((0.55,) * 5, procs=(0.505,) * 5), other=countdown_record_suite())
    assert "same within both spreads" in same.text
    assert "{doc}" not in subinterp.interpreters_verdict(made_scaling((0.55,) * 5)).text


def test_example_band_stops_at_what_the_cores_allow_and_ratios_print_as_the_book_prints_them():
    sc, st = made_scaling((0.53, 0.525, 0.52, 0.515, 0.51)), made_startup()  # 1.92x (1.89-1.96x)
    over = subinterp.parse_example(EXAMPLE_OUT.replace("1.82x", "2.30x"))  # within +15%, beyond 2 CPUs
    c = subinterp.example_verdict(sc, st, over)
    assert c.state == "contradicted" and "at most 2.10×" in c.text
    assert subinterp.speedup_cap(2, 1) == pytest.approx(1.05) and subinterp.speedup_cap(4, None) == pytest.approx(4.2)
    text = subinterp.start_verdict(made_startup(thread=(0.0001,) * 5, interp=(0.01,) * 5), python="X").text
    assert "100× a thread" in text and "100.00×" not in text and "5.00× the interpreter" in text


def test_processes_suites_reads_the_record_or_gives_none():
    assert subinterp.processes_suites(None) == (None, None)
    cd_, st_ = subinterp.processes_suites({"suites": {"countdown": countdown_record_suite().to_dict()}})
    assert cd_ is not None and cd_.get("countdown", "processes").workers == 2 and st_ is None


def test_interpreters_verdict_gives_a_word_to_an_upper_end_above_the_cpus():
    c = subinterp.interpreters_verdict(made_scaling((0.40, 0.45, 0.51, 0.52, 0.53)))  # upper end 1/0.45 > 2
    assert "upper end of the interpreters' interval" in c.text and "ratio of quartiles" in c.text
    assert "ratio of quartiles" not in subinterp.interpreters_verdict(made_scaling((0.55,) * 5)).text


def test_start_context_counts_only_the_imports_beyond_what_every_spawn_child_imports():
    st = made_startup()
    st.metadata.update({"spawn_main": "gilref.interp._child", "task_module": "gilref.topics.subinterp",
                        "fresh_start_s": 0.012, "fresh_common_s": 0.02, "fresh_import_s": 0.04})
    other = Suite(metadata={"python_implementation": "CPython", "python_version": "3.11.7", "gil_enabled": True})
    other.add(Timing("process-start", "spawn", 1, (0.0315,) * 5, (), {}))
    text = subinterp.start_context_text(st, "CPython 3.13.5 (GIL)", other)
    assert "40.0 ms more than the 20.0 ms of `multiprocessing`'s own modules" in text
    assert "would take 10.0 ms, against 31.5 ms there" in text
    assert "That leaves this start 21.5 ms shorter than that chapter's, which nothing" in text


def test_fresh_import_costs_measures_the_extra_modules_beyond_the_common_ones():
    costs = subinterp.fresh_import_costs(["json"], common=["os"], repeats=1)
    assert set(costs) == {"fresh_start_s", "fresh_common_s", "fresh_import_s"} and costs["fresh_start_s"] > 0


def test_an_examples_figure_is_placed_by_its_printed_value():
    # 8.3499 prints as 8.35, the interval's low end 8.3501 as 8.35 too: the words must agree with the figures
    assert subinterp._placed(8.3499, 8.3501, 8.55, 4.0, 17.0, "{:.2f} ms") == "inside that interval"
    assert subinterp._placed(8.30, 8.3501, 8.55, 4.0, 17.0, "{:.2f} ms").startswith("below that interval")


def test_the_processes_figures_that_agree_are_both_named():
    same = subinterp.interpreters_verdict(made_scaling((0.55,) * 5, procs=(0.505,) * 5), other=countdown_record_suite())
    assert "This page's 2 processes, at 1.98×, and that chapter's 1.98× are the same within both spreads" in same.text


def test_the_processes_chapters_start_measurement_run_here_splits_each_gap_into_parent_and_interpreter():
    st = made_startup()  # fork 2.0 ms, spawn 50 ms in this page's parent
    st.metadata.update({"modules_loaded": 180, "rss_bytes": 40 * 2**20, "fresh_start_s": 0.012,
                        "fresh_import_s": 0.04, "spawn_main": "gilref.interp._child", "task_module": "x"})
    other = Suite(metadata={"python_implementation": "CPython", "python_version": "3.11.7", "gil_enabled": True})
    small = Suite(metadata={"modules_loaded": 190, "rss_bytes": 20 * 2**20})
    for mode, there, here_small in (("fork", 0.0031, 0.002), ("spawn", 0.030, 0.045)):
        other.add(Timing("process-start", mode, 1, (there,) * 5, (), {}))
        small.add(Timing("process-start", mode, 1, (here_small,) * 5, (), {}))
    text = subinterp.start_parts_text(st, "CPython 3.13.5 (GIL)", other, small)
    assert ("(180 modules, 40 MiB resident, against 190, 20 MiB resident; the small parent is small in resident "
            "memory, not in its count of modules)") in text
    fewer = Suite(metadata={"modules_loaded": 150, "rss_bytes": 20 * 2**20}, timings=list(small.timings))
    assert "(180 modules, 40 MiB resident, against 150, 20 MiB resident)" in subinterp.start_parts_text(
        st, "X", other, fewer)  # small in both: nothing to say
    assert "CPython 3.13.5 (GIL) against CPython 3.11.7, GIL on" in text
    # fork: the same in both parents of 3.13 (2.0 ms), 3.1 ms in 3.11: all of it the interpreter
    assert ("`fork` took 2.0 ms in this page's parent, 2.0 ms from the small parent and 3.1 ms in that chapter: "
            "the parent adds nothing beyond the spreads, and the interpreter and the moment save 1.1 ms") in text
    assert "`spawn` took 50.0 ms" in text
    assert "the parent adds 5.0 ms, and the interpreter and the moment add 15.0" in text
    assert "the two ran at different times of a shared host." in text  # no load averages recorded: none said
    small.metadata["load_average"], other.metadata["load_average"] = [1.0, 1, 1], [3.25, 2, 1]
    assert "(1-minute load averages 1.0 for the small parent here, 3.2 there)" in subinterp.start_parts_text(
        st, "X", other, small)
    # with the small parent, the gap is split by measurement, not estimated net of imports
    ctx = subinterp.start_context_text(st, "CPython 3.13.5 (GIL)", other, small)
    assert "To tell the two causes apart" in ctx and "would take" not in ctx
    assert "would take" in subinterp.start_context_text(st, "CPython 3.13.5 (GIL)", other)
    assert subinterp.start_parts_text(st, "X", other, Suite()) == ""
    assert isinstance(subinterp.rss_bytes(), (int, type(None)))


def test_the_start_chart_and_the_text_print_a_start_alike():
    assert subinterp.ms_label(104.524) == "104.5 ms" and f"{subinterp.shown_ms(104.524):g} ms" == "104.5 ms"
    assert subinterp.ms_label(5.36) == "5.4 ms" and subinterp.ms_label(0.0763) == "0.076 ms"
    text = subinterp.start_verdict(made_startup(), python="X").text
    assert "took 4 ms: 40× a thread (0.1 ms), while a spawned process took 50 ms" in text  # as the chart labels them


def test_the_start_verdict_says_plainly_when_fork_beat_the_subinterpreter():
    faster = subinterp.start_verdict(made_startup(), python="X").text
    assert "The fastest way to start a process here, fork, was faster still: 2 ms, 0.50× the interpreter's time" \
        in faster
    slower = subinterp.start_verdict(made_startup(fork=(0.006,) * 5), python="X").text
    assert "fork, took 6 ms, 1.50× the interpreter's time." in slower and "faster still" not in slower
    level = subinterp.start_verdict(made_startup(fork=(0.003, 0.0035, 0.004, 0.0045, 0.005)), python="X").text
    assert "level with the interpreter within the spread" in level and "faster still" not in level
