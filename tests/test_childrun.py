from __future__ import annotations

import sys
import time

import pytest

from gilref.core.results import Suite
from gilref.interp.child import ChildError, ChildTimeout, call


def test_a_suite_comes_back_as_json():
    data = call(sys.executable, "gilref.core.harness:countdown_suite",
                {"n": 10_000, "workers": 2, "modes": ["sequential", "threads"]}, timeout=120)
    suite = Suite.from_dict(data)
    assert [t.mode for t in suite.timings] == ["sequential", "threads"]
    assert suite.metadata["python_executable"]


def test_environment_and_flags_reach_the_child():
    md = call(sys.executable, "gilref.core.hostinfo:collect_metadata", flags=["-X", "int_max_str_digits=0"],
              env={"GILREF_MARK": "1"}, timeout=60)
    assert md["python_version"]


def test_a_hanging_child_is_killed_on_its_deadline():
    start = time.monotonic()
    with pytest.raises(ChildTimeout, match="did not finish within 0.5 s and was killed"):
        call(sys.executable, "gilref.core.workloads:io_wait", {"seconds": 120}, timeout=0.5)
    assert time.monotonic() - start < 60  # killed on its deadline, not waited out (120 s)


def test_an_exception_in_the_child_is_reported_with_its_message():
    with pytest.raises(ChildError, match="n must be >= 0"):
        call(sys.executable, "gilref.core.workloads:countdown", {"n": -1}, timeout=60)


def test_a_bad_interpreter_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no executable interpreter"):
        call(tmp_path / "python9", "gilref.core.workloads:countdown", {"n": 1})


@pytest.mark.parametrize("target", ["os:system", "gilref.core.workloads", "gilref:", "../x:y"])
def test_only_gilref_functions_can_be_called(target):
    with pytest.raises(ValueError, match="gilref.module:function"):
        call(sys.executable, target)


# -- issue 4: portable runs, bad interpreters -----------------------------------------

from pathlib import Path  # noqa: E402

from gilref.interp.child import call_portable  # noqa: E402


def test_a_file_that_is_not_an_interpreter_is_a_clear_error(tmp_path):
    text = tmp_path / "python"
    text.write_text("this is not a program\n")
    text.chmod(0o755)
    with pytest.raises(ChildError, match="could not be started|failed"):
        call(text, "gilref.core.workloads:countdown", {"n": 1}, timeout=30)
    failing = tmp_path / "python3"
    failing.write_text("#!/bin/sh\necho 'no such interpreter feature' >&2\nexit 3\n")
    failing.chmod(0o755)
    with pytest.raises(ChildError, match=r"exit code 3.*\n.*no such interpreter feature"):
        call(failing, "gilref.core.workloads:countdown", {"n": 1}, timeout=30)


def test_portable_functions_run_in_python3():
    data = call_portable(sys.executable, "countdown_threads",
                         {"n": 20_000, "threads": [2], "repeats": 2, "warmups": 0}, timeout=60)
    suite = Suite.from_dict(data)
    assert [(t.mode, t.workers) for t in suite.timings] == [("sequential", 1), ("threads", 2)]
    assert all(len(t.values) == 2 for t in suite.timings)
    demo = call_portable(sys.executable, "refcount_demo", timeout=60)
    assert demo["shared"] == demo["alone"] + 1


def test_portable_calibrates_the_count_when_none_is_given():
    data = call_portable(sys.executable, "countdown_threads",
                         {"target": 0.05, "threads": [2], "repeats": 1, "warmups": 0}, timeout=120)
    n = data["timings"][0]["params"]["n"]
    assert n >= 1_000_000 // 4


def test_portable_rejects_unknown_functions_and_hangs_are_killed():
    with pytest.raises(ValueError, match="function must be one of"):
        call_portable(sys.executable, "os.system")
    with pytest.raises(ChildTimeout, match="did not finish within 0.5 s"):
        call_portable(sys.executable, "countdown_threads", {"n": 10**10, "threads": [2]}, timeout=0.5)


@pytest.mark.skipif(not Path("/usr/bin/jython").exists(), reason="Jython is not installed here")
def test_portable_runs_in_jython():
    data = call_portable("/usr/bin/jython", "countdown_threads",
                         {"n": 200_000, "threads": [2], "repeats": 2, "warmups": 0}, timeout=120)
    suite = Suite.from_dict(data)
    assert suite.metadata["python_implementation"] == "Jython"
    assert suite.metadata["gil_enabled"] is False
    assert call_portable("/usr/bin/jython", "refcount_demo", timeout=120)["alone"] is None


@pytest.mark.skipif(not Path("/usr/bin/pypy3").exists(), reason="PyPy is not installed here")
def test_gilref_core_runs_in_pypy():
    data = call("/usr/bin/pypy3", "gilref.core.harness:countdown_suite",
                {"n": 100_000, "workers": 2, "modes": ["sequential", "threads", "processes"]}, timeout=120)
    suite = Suite.from_dict(data)
    assert suite.metadata["python_implementation"] == "PyPy"
    assert suite.metadata["python_version"].startswith("3.")
    assert {t.mode for t in suite.timings} == {"sequential", "threads", "processes"}
