"""The free-threading chapter's building blocks; tests needing a free-threaded
CPython use one if this host has it (gilref-provisioned, $GILREF_PYTHONS...) and
are skipped otherwise."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig

import pytest

from gilref.core.harness import MeasurementTimeout
from gilref.core.results import Suite
from gilref.interp import discover as interpreters
from gilref.interp import select as builds
from gilref.interp.discover import Interpreter
from gilref.provision import cpython as provision
from gilref.topics import cext
from gilref.topics import freethreading as ft

from .conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def found():
    return interpreters.discover()


@pytest.fixture(scope="module")
def ft_python(found):
    threaded = builds.choose(found).free_threaded
    if threaded is None:
        pytest.skip("no free-threaded CPython on this host (python -m gilref provision builds one)")
    return threaded


HOST = ft.Variant("host", sys.executable)


def test_build_info_here():
    info = ft.build_info()
    assert info["py_gil_disabled"] == sysconfig.get_config_var("Py_GIL_DISABLED")
    # the one GIL rule: the runtime answer where there is one, else CPython has a GIL
    assert info["gil_enabled"] is (sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True)


def test_lost_updates_counts_every_increment_with_a_lock(no_leaked_threads):
    r = ft.lost_updates(threads=3, increments=2000, lock=True, repeats=2)
    assert r["expected"] == 6000 and r["counted"] == [6000, 6000] and r["lost"] == [0, 0]


def test_lost_updates_counts_on_threads_started_together_and_keeps_its_timeout_error(monkeypatch):
    seen = []

    def fake_run_threads(jobs, timeout, **kwargs):
        seen.append((len(jobs), timeout, kwargs.get("start_together")))
        raise MeasurementTimeout("stuck")

    monkeypatch.setattr(ft, "run_threads", fake_run_threads)
    with pytest.raises(TimeoutError, match="3 counting threads did not finish within 7 s"):
        ft.lost_updates(threads=3, increments=10, timeout=7)
    assert seen == [(3, 7, True)]


def test_single_thread_cost_takes_turns_between_the_builds(monkeypatch):
    calls = []

    class FakeVariant(ft.Variant):
        def call(self, target, kwargs=None, *, timeout=300.0):
            calls.append(self.label)
            return {w: [1.0 if self.label == "gil" else 1.5] * kwargs["repeats"] for w in kwargs["sizes"]}

    suite = ft.single_thread_cost(FakeVariant("gil", "python"), FakeVariant("ft", "python3.13t"),
                                  sizes={"countdown": 10}, rounds=5)
    assert calls == ["gil", "ft"] * 5
    assert [(t.mode, t.values) for t in suite.timings] == [("default-build", (1.0,) * 5),
                                                           ("free-threaded", (1.5,) * 5)]


def test_lost_updates_rejects_bad_arguments():
    with pytest.raises(ValueError, match="threads"):
        ft.lost_updates(threads=0)
    with pytest.raises(TypeError, match="increments"):
        ft.lost_updates(increments=1.5)  # type: ignore[arg-type]


def test_countdown_scaling_has_a_baseline_and_each_thread_count(no_leaked_threads):
    suite = ft.countdown_scaling(20_000, [2, 1, 2], repeats=5, warmups=0)
    assert [(t.mode, t.workers) for t in suite.timings] == [("sequential", 1), ("threads", 1), ("threads", 2)]
    assert all(t.params["n"] == 20_000 for t in suite.timings)
    with pytest.raises(ValueError, match="at least one"):
        ft.countdown_scaling(10, [])


def test_workloads_and_timing():
    assert ft.objects(0) == 0 and ft.objects(10) > 0
    assert len(ft.time_workload("objects", 1000, repeats=3)) == 3
    assert [len(v) for v in ft.time_workloads({"countdown": 100, "objects": 100}, repeats=2).values()] == [2, 2]
    with pytest.raises(ValueError, match="workload must be one of"):
        ft.time_workload("sleep", 1)


def _i(version, free_threaded, source="path"):
    return Interpreter(f"/x/{version}{'t' if free_threaded else ''}", "CPython", version, free_threaded,
                       not free_threaded, source)


def test_variants_are_the_four_configurations():
    found = [_i("3.11.7", False, "host"), _i("3.13.5", False), _i("3.13.5", True)]
    v = ft.variants(found)
    assert list(v) == ["host", "default", "free-threaded", "free-threaded, GIL on"]
    assert v["free-threaded, GIL on"].flags == ("-X", "gil=1")
    assert v["free-threaded"].executable == "/x/3.13.5t"
    alone = ft.variants(found[:1])  # the policy's best: the host as the GIL build, measured once
    assert alone["free-threaded"] is None and alone["free-threaded, GIL on"] is None
    assert alone["default"].executable == "/x/3.11.7" and alone["host"] is None
    assert ft.variants([_i("3.11.7", False, "host"), _i("3.13.5", True)])["default"].executable == "/x/3.11.7"
    none = ft.variants([Interpreter("/x/pypy", "PyPy", "3.10.4", False, True, "host")])
    assert none["default"] is None and none["free-threaded"] is None and none["host"] is not None


def test_orchestration_in_child_processes():
    (label, suite), = ft.scaling_suites([HOST], n=20_000, threads=[2], repeats=5)
    assert label == "host" and suite.get("countdown", "threads", 2)
    rows = ft.scaling_rows([(label, suite)])
    assert [r["configuration"] for r in rows] == ["sequential", "2 threads"]
    cost = ft.single_thread_cost(HOST, HOST, sizes={"countdown": 10_000, "objects": 1000}, rounds=5, per_round=1)
    assert {t.mode for t in cost.timings} == {"default-build", "free-threaded"}
    assert all(len(t.values) == 5 for t in cost.timings)
    assert ft.cost_rows(cost)[0]["workload"] == "countdown"
    counts = ft.counter_table([HOST], threads=2, increments=1000, repeats=5)
    assert [r["lock"] for r in counts] == [False, True]
    assert counts[1]["lost"] == [0] * 5
    assert ft.counter_rows(counts)[1]["lost (median)"] == "0"


def test_missing_note_says_why_and_how(monkeypatch, tmp_path):
    monkeypatch.setenv("GILREF_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(provision.ENV_SKIP, "1")
    text = builds.missing_note()
    assert provision.ENV_SKIP in text and "skipped on purpose" in text and "python -m gilref provision" in text
    monkeypatch.delenv(provision.ENV_SKIP)
    provision._write_status(provision.pythons_dir(), [
        provision.Outcome(provision.FREE_THREADED, "unavailable", tried=["Debian source package: no network"])])
    text = builds.missing_note()
    assert "Debian source package: no network" in text and interpreters.ENV_PYTHONS in text


def test_interpreter_rows(found):
    rows = ft.interpreter_rows(found)
    assert rows[0]["found"] == "host" and rows[0]["GIL"] in ("on", "off")
    exe = rows[0]["executable"]
    assert exe.startswith("`python") and ("` in " in exe or " virtualenv" in exe)
    home = __import__("os").path.expanduser("~")
    assert not any(f"`{home}/" in r["executable"] for r in rows)  # written ~/..., not the home path


def test_executable_text_names_a_cached_build_by_its_folder(tmp_path):
    cache = tmp_path / "pythons"
    (cache / "cpython-3.13.5t" / "bin").mkdir(parents=True)
    exe = str(cache / "cpython-3.13.5t" / "bin" / "python3.13t")
    assert ft.executable_text(exe, cache=str(cache)) == "`python3.13t` in gilref's cache, `cpython-3.13.5t/bin`"
    assert ft.executable_text("/usr/bin/pypy3", cache=str(cache)) == "`pypy3` in `/usr/bin`"


def test_cited_figures_name_their_sources():
    for fig in ft.CITED_OVERHEAD.values():
        assert fig["source"] and fig["url"].startswith("https://") and 0 < fig["low"] <= fig["high"] < 1


# -- with a free-threaded interpreter ------------------------------------------------


def test_free_threaded_interpreter_is_listed_with_the_gil_off(ft_python):
    assert ft_python.free_threaded and not ft_python.gil_enabled


def test_gil_switches_on_the_free_threaded_build(ft_python, found):
    default = builds.choose(found).gil
    rows = ft.gil_switches(ft_python.executable, default.executable if default else None)
    assert [r["gil_enabled"] for r in rows[:5]] == [False, False, True, False, True]
    assert all(r["py_gil_disabled"] == 1 for r in rows[:5])
    if default is not None:
        assert rows[5]["gil_enabled"] is True
        assert rows[6]["error"] and "not supported" in rows[6]["error"]


def test_scaling_and_lost_updates_run_in_the_free_threaded_build(ft_python):
    v = ft.Variant(ft_python.label, ft_python.executable)
    (_, suite), = ft.scaling_suites([v], n=20_000, threads=[2], repeats=5)
    assert suite.metadata["free_threaded_build"] is True and suite.metadata["gil_enabled"] is False
    forced = ft.Variant("on", ft_python.executable, ("-X", "gil=1"))
    (_, suite), = ft.scaling_suites([forced], n=20_000, threads=[2], repeats=5)
    assert suite.metadata["gil_enabled"] is True and suite.metadata["x_gil"] == "1"
    locked = v.call("gilref.topics.freethreading:lost_updates", {"threads": 2, "increments": 5000, "lock": True})
    assert locked["lost"] == [0] * 5 and locked["gil_enabled"] is False


def test_c_extension_without_declaration_turns_the_gil_on(ft_python, tmp_path):
    try:
        for name, declared in (("legacy", False), ("declared", True)):
            so = cext.compile_module(ft_python.executable, name, declared, tmp_path)
            assert so.name.startswith(name) and "313t" in so.name
    except cext.CompileError as exc:
        pytest.skip(f"cannot compile here: {exc}")
    v = ft.Variant("ft", ft_python.executable)
    legacy = v.call("gilref.topics.cext:import_report", {"directory": str(tmp_path), "name": "legacy"})
    assert legacy["works"] and legacy["gil_before"] is False and legacy["gil_after"] is True
    assert any(w.startswith("RuntimeWarning:") and "has been enabled to load module 'legacy'" in w
               for w in legacy["warnings"])
    declared = v.call("gilref.topics.cext:import_report", {"directory": str(tmp_path), "name": "declared"})
    assert declared["works"] and declared["gil_after"] is False and declared["warnings"] == []
    forced = ft.Variant("ft", ft_python.executable, env={"PYTHON_GIL": "0"}).call(
        "gilref.topics.cext:import_report", {"directory": str(tmp_path), "name": "legacy"})
    assert forced["gil_after"] is False


def test_c_source_differs_only_in_the_slot():
    plain, declared = cext.c_source("m", False), cext.c_source("m", True)
    assert "Py_mod_gil" not in plain and "Py_MOD_GIL_NOT_USED" in declared
    assert "PyInit_m(void)" in plain
    with pytest.raises(ValueError, match="C identifier"):
        cext.c_source("bad-name", True)


def test_compile_error_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(cext, "c_source", lambda name, declare: "this is not C;\n")
    with pytest.raises(cext.CompileError, match="failed"):
        cext.compile_module(sys.executable, "broken", False, tmp_path)


# -- the reader's example --------------------------------------------------------------


@pytest.mark.example("free_threading.py")
def test_free_threading_example_reports_build_and_scaling(run_example):
    out = run_example("free_threading.py", "--count", "200000", "--max-threads", "2", "--repeats", "3").stdout
    assert "free-threaded build (Py_GIL_DISABLED): " in out and "GIL enabled now: " in out
    assert re.search(r"1 thread\s+\d+\.\d+ s\s+1\.00x one thread", out)
    assert re.search(r"2 threads\s+\d+\.\d+ s\s+\d+\.\d+x one thread", out)


@pytest.mark.example("free_threading.py")
def test_free_threading_example_writes_every_run_as_json(run_example, tmp_path):
    path = tmp_path / "runs.json"
    run_example("free_threading.py", "--count", "100000", "--max-threads", "2", "--repeats", "3",
                "--json", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["count"] == 100_000 and data["repeats"] == 3 and data["python"] == sys.version.split()[0]
    assert sorted(data["seconds"]) == ["1", "2"] and all(len(v) == 3 for v in data["seconds"].values())
    assert ft.example_interval(data).low > 0  # what the chapter's cross-check reads


@pytest.mark.example("free_threading.py")
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_free_threading_example_goes_to_twice_the_usable_cpus_by_default(tmp_path):
    # As the chapter does (thread_counts: up to twice the CPUs), and counting the CPUs this process
    # may use: limited to one CPU, it runs 1 and 2 threads whatever os.cpu_count() says.
    path = tmp_path / "runs.json"
    one = min(os.sched_getaffinity(0))
    proc = subprocess.run([sys.executable, str(EXAMPLES / "free_threading.py"), "--count", "2000", "--repeats", "1",
                           "--json", str(path)], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          preexec_fn=lambda: os.sched_setaffinity(0, {one}))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["cpus"] == 1 and sorted(data["seconds"], key=int) == ["1", "2"]
    assert "on 1 CPU\n" in proc.stdout
    helped = subprocess.run([sys.executable, str(EXAMPLES / "free_threading.py"), "--help"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert f"twice the usable CPUs, as the gilref chapter runs, = {2 * len(os.sched_getaffinity(0))}" in " ".join(
        helped.stdout.split())


@pytest.mark.example("free_threading.py")
@pytest.mark.parametrize("args", [["--count", "0"], ["--max-threads", "x"], ["--repeats", "-2"]])
def test_free_threading_example_rejects_bad_arguments(args, run_example):
    proc = run_example("free_threading.py", *args, check=False, timeout=60)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.example("free_threading.py")
def test_free_threading_example_on_the_free_threaded_build(ft_python):
    def run(*flags: str) -> str:
        proc = subprocess.run([ft_python.executable, *flags, str(EXAMPLES / "free_threading.py"), "--count",
                               "100000", "--max-threads", "2", "--repeats", "1"], capture_output=True, text=True,
                              timeout=120, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    out = run()
    assert "free-threaded build (Py_GIL_DISABLED): yes" in out and "GIL enabled now: no" in out
    assert "GIL enabled now: yes" in run("-X", "gil=1")


def test_numpy_report_here():
    report = ft.numpy_report()
    assert report["available"] is True  # the test environment has NumPy (docs group)
    suite = Suite.from_dict(ft.numpy_threads(chunks=200, threads=[2], repeats=5).to_dict())
    assert suite.get("numpy-small", "threads", 2).params["chunks"] == 200


def test_executable_text_names_a_virtualenv_without_its_path(tmp_path):
    import os
    import sys

    venv = tmp_path / "ci-clone" / ".nox" / "docs"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    text = ft.executable_text(str(venv / "bin" / "python"), cache=str(tmp_path / "cache"))
    assert text == "`python` of a virtualenv, `docs/bin`" and "ci-clone" not in text
    here = ft.executable_text(sys.executable, cache=str(tmp_path / "cache"))
    if sys.prefix != sys.base_prefix:  # tests running in a virtualenv
        assert here == f"`{os.path.basename(sys.executable)}` of the virtualenv that builds the book"
