"""Building the Cython example: cached builds, clear errors, and the compiled loops' results."""

from __future__ import annotations

import re

import pytest

from gilref.topics import cythonbuild, native
from gilref.topics.cythonbuild import CythonBuildError

from .conftest import EXAMPLES
from .proctools import children

PYX = EXAMPLES / "cython_nogil.pyx"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cython-cache")


@pytest.fixture(scope="module")
def built(cache):
    return cythonbuild.build(PYX, cache=cache, timeout=300)


@pytest.fixture(scope="module")
def mod(built):
    return built.load()


def assert_clear(message: str) -> None:
    assert "Traceback" not in message and 'File "' not in message and "raise " not in message
    assert len(message.splitlines()) <= 10, message


@pytest.mark.example("cython_nogil.pyx")
@pytest.mark.parametrize("n", [0, 1, 7, 1000, 100_003])
def test_compiled_loops_give_the_python_loops_result(mod, n):
    expected = native.xorshift_python(n)
    assert mod.xorshift_gil(n) == expected
    assert mod.xorshift_nogil(n) == expected
    assert mod.xorshift_prange(n, 1) == expected  # one chain: the same loop


@pytest.mark.example("cython_nogil.pyx")
def test_prange_splits_into_independent_chains(mod, built):
    n = 10_001
    a, b = n // 2 + 1, n // 2
    expected = native.xorshift_python(a) ^ native.xorshift_python(b, native.SEED + 1)
    assert mod.xorshift_prange(n, 2) == expected
    with pytest.raises(ValueError, match="threads must be >= 1"):
        mod.xorshift_prange(10, 0)
    assert mod.built_with_openmp() is built.openmp  # the module knows how it was compiled


def test_the_build_lands_in_the_cache_and_is_reused(built, cache):
    assert built.path.is_file() and built.path.parent.parent == cache
    assert not str(built.path).startswith(str(EXAMPLES))
    compiled = built.path.stat().st_mtime_ns
    again = cythonbuild.build(PYX, cache=cache)
    assert again.cached and again.path == built.path and again.key == built.key
    assert again.path.stat().st_mtime_ns == compiled  # reused, not compiled again
    assert not [p for p in cache.iterdir() if p.name.startswith(".")], "staging directories left behind"
    assert not list(EXAMPLES.glob("cython_nogil.c")), "the build wrote into the source tree"


def test_the_key_depends_on_source_and_options():
    base = cythonbuild.build_key(b"x = 1\n", "m", openmp=True, cython="3.0")
    assert base != cythonbuild.build_key(b"x = 2\n", "m", openmp=True, cython="3.0")
    assert base != cythonbuild.build_key(b"x = 1\n", "m", openmp=False, cython="3.0")
    assert base != cythonbuild.build_key(b"x = 1\n", "m", openmp=True, cython="3.1")
    assert base == cythonbuild.build_key(b"x = 1\n", "m", openmp=True, cython="3.0")


def test_an_error_in_the_source_is_reported_in_a_few_lines(tmp_path):
    bad = tmp_path / "broken.pyx"
    bad.write_text("def f(long n):\n    with nogil:\n        return undefined_name(n)\n")
    with pytest.raises(CythonBuildError) as info:
        cythonbuild.build(bad, cache=tmp_path / "cache", openmp=False, timeout=120)
    message = str(info.value)
    assert message.startswith("building broken.pyx failed:")
    assert re.search(r"broken\.pyx:3:\d+: ", message)
    assert_clear(message)
    assert not [p for p in (tmp_path / "cache").iterdir()], "a failed build left files in the cache"


def test_a_missing_compiler_is_reported_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.raises(CythonBuildError) as info:
        cythonbuild.build(PYX, cache=tmp_path, timeout=120)
    message = str(info.value)
    assert "cython_nogil.pyx failed" in message and "/nonexistent/cc" in message
    assert "CompileError" in message or "error:" in message
    assert_clear(message)


def test_missing_cython_is_reported_with_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setattr(cythonbuild, "cython_version", lambda: None)
    with pytest.raises(CythonBuildError, match=r"Cython is not installed .*pip install cython setuptools"):
        cythonbuild.build(PYX, cache=tmp_path)


def test_a_compile_past_its_deadline_is_stopped(tmp_path):
    with pytest.raises(CythonBuildError, match="did not finish within 0.05 s"):
        cythonbuild.build(PYX, cache=tmp_path, timeout=0.05)
    assert not children(), "the compiler was left running"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(("path", "error", "match"), [
    ("module.py", ValueError, "must name a .pyx file"),
    ("bad-name.pyx", ValueError, "Python identifier"),
])
def test_bad_paths_are_rejected(tmp_path, path, error, match):
    (tmp_path / path).write_text("x = 1\n")
    with pytest.raises(error, match=match):
        cythonbuild.build(tmp_path / path, cache=tmp_path / "cache")


def test_a_missing_file_and_a_bad_timeout_are_rejected(tmp_path):
    with pytest.raises(CythonBuildError, match="no such file"):
        cythonbuild.build(tmp_path / "absent.pyx", cache=tmp_path)
    with pytest.raises(ValueError, match="timeout must be > 0"):
        cythonbuild.build(PYX, cache=tmp_path, timeout=0)


def test_the_command_line_reports_success_and_failure(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GILREF_CACHE_DIR", str(tmp_path))
    assert cythonbuild.main([str(tmp_path / "absent.pyx")]) == 1
    assert "error: cannot build" in capsys.readouterr().err
    assert cythonbuild.main([str(PYX)]) == 0
    first = capsys.readouterr().out
    assert str(tmp_path / "cython") in first and "built in" in first
    assert cythonbuild.main([str(PYX)]) == 0
    assert "found in the cache" in capsys.readouterr().out


@pytest.mark.example("build_cython.py")
def test_build_cython_example_builds_and_times_four_ways(run_example, tmp_path):
    args = ["--steps", "2000000", "--python-steps", "20000", "--threads", "2", "--repeats", "3",
            "--build-dir", str(tmp_path / "build")]
    out = run_example("build_cython.py", *args, timeout=300).stdout
    assert re.search(r"module built (with OpenMP|without OpenMP)", out)
    for row in ("Python loop", "Cython, GIL held", "Cython, nogil", "Cython, prange"):
        assert re.search(rf"{re.escape(row)}\s+\d+\.\d+\s+\d+\.\d+s\s+\d+\.\d+s\s+\d+\.\d+x", out), out
    assert (tmp_path / "build" / "source.sha256").is_file()
    assert "note: Cython, GIL held, Cython, nogil, Cython, prange: under 50 ms of work" in out  # 2,000,000 steps
    from gilref.topics import native
    idle = native.parse_build_cython(out)["idle"]  # the no-work line, read as the chapter reads it
    assert idle is not None and idle["team_s"] >= 0 and idle["threads_s"] > 0
    assert native.parse_build_cython(out)["time_decimals"] == 6  # sub-ms costs can be derived from the table
    again = run_example("build_cython.py", *args, timeout=120).stdout  # reuses the build
    assert "Cython, nogil" in again


@pytest.mark.example("build_cython.py")
def test_build_cython_example_reports_a_failed_build_without_a_traceback(run_example, tmp_path):
    proc = run_example("build_cython.py", "--build-dir", str(tmp_path / "b"), check=False, timeout=300,
                       env={"CC": "/nonexistent/cc"})
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("error: could not compile cython_nogil.pyx")
    assert "Traceback" not in proc.stderr


@pytest.mark.example("build_cython.py")
@pytest.mark.parametrize("args", [["--steps", "0"], ["--threads", "many"]])
def test_build_cython_example_rejects_bad_arguments(run_example, args):
    proc = run_example("build_cython.py", *args, check=False, timeout=60)
    assert proc.returncode == 2 and "usage:" in proc.stderr


def test_build_cython_notes_a_job_too_short_for_a_fair_speedup():
    import importlib.util
    from pathlib import Path
    path = Path(__file__).parents[1] / "examples" / "build_cython.py"
    spec = importlib.util.spec_from_file_location("ex_build_cython", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.short_job_notes([], 2) == []
    (note,) = mod.short_job_notes(["Cython, prange"], 2)
    assert note.startswith("note: Cython, prange: under 50 ms") and "an OpenMP team" in note and "--steps" in note


def test_build_cython_says_why_prange_was_slower_than_the_nogil_threads_from_its_figures():
    import importlib.util
    from pathlib import Path
    path = Path(__file__).parents[1] / "examples" / "build_cython.py"
    spec = importlib.util.spec_from_file_location("ex_build_cython", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    # within a tenth of the threads: nothing to say
    assert mod.prange_notes(2, 0.026, 0.051, 0.028, 0.052, 0.00001, 0.00001) == []
    # slower, and a prange call with no work costs as much, on a CPU: its waiting threads spin
    (spin,) = mod.prange_notes(2, 0.026, 0.051, 0.032, 0.058, 0.0075, 0.0074)
    assert spin.startswith("note: Cython, prange took 0.032000 s on 2 threads against 0.026000 s")
    assert "6.000 ms more" in spin
    assert "no work took 7.500 ms (7.400 ms of it on a CPU)" in spin and "spin on a CPU" in spin
    assert "OMP_WAIT_POLICY=passive" in spin
    # slower, the empty call cheap, more CPU used: the threads that finished first spun
    (more_cpu,) = mod.prange_notes(2, 0.026, 0.051, 0.032, 0.058, 0.00001, 0.00001)
    assert "took only 0.010 ms, so starting the team is not the difference" in more_cpu  # as the no-work line
    assert "starting the team is not the difference" in more_cpu and "58.0 ms of CPU against 51.0 ms" in more_cpu
    # slower, the same CPU: its threads were off a CPU longer (2 x 32 - 52 = 12 ms against 2 x 26 - 51 = 1 ms)
    (waited,) = mod.prange_notes(2, 0.026, 0.051, 0.032, 0.052, 0.00001, 0.00001)
    assert "spent 12.0 ms off a CPU per call against 1.0 ms" in waited and "waited for a CPU" in waited
