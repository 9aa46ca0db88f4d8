from __future__ import annotations

import sys
import time

import pytest

from gilref.childrun import ChildError, ChildTimeout, call
from gilref.results import Suite


def test_a_suite_comes_back_as_json():
    data = call(sys.executable, "gilref.harness:countdown_suite",
                {"n": 10_000, "workers": 2, "modes": ["sequential", "threads"]}, timeout=120)
    suite = Suite.from_dict(data)
    assert [t.mode for t in suite.timings] == ["sequential", "threads"]
    assert suite.metadata["python_executable"]


def test_environment_and_flags_reach_the_child():
    md = call(sys.executable, "gilref.hostinfo:collect_metadata", flags=["-X", "int_max_str_digits=0"],
              env={"GILREF_MARK": "1"}, timeout=60)
    assert md["python_version"]


def test_a_hanging_child_is_killed_on_its_deadline():
    start = time.monotonic()
    with pytest.raises(ChildTimeout, match="did not finish within 0.5 s and was killed"):
        call(sys.executable, "gilref.workloads:io_wait", {"seconds": 30}, timeout=0.5)
    assert time.monotonic() - start < 5


def test_an_exception_in_the_child_is_reported_with_its_message():
    with pytest.raises(ChildError, match="n must be >= 0"):
        call(sys.executable, "gilref.workloads:countdown", {"n": -1}, timeout=60)


def test_a_bad_interpreter_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no executable interpreter"):
        call(tmp_path / "python9", "gilref.workloads:countdown", {"n": 1})


@pytest.mark.parametrize("target", ["os:system", "gilref.workloads", "gilref:", "../x:y"])
def test_only_gilref_functions_can_be_called(target):
    with pytest.raises(ValueError, match="gilref.module:function"):
        call(sys.executable, target)
