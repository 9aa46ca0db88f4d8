from __future__ import annotations

import sys

import pytest

from gilref.interp import select as builds
from gilref.interp.discover import Interpreter


def interp(version: str, *, free: bool = False, impl: str = "CPython", source: str = "path") -> Interpreter:
    return Interpreter(executable=f"/opt/{impl}-{version}{'t' if free else ''}/bin/python",
                       implementation=impl, version=version, free_threaded=free, gil_enabled=not free,
                       source=source)


def test_the_gil_build_of_the_free_threaded_version_is_preferred():
    host = interp("3.11.7", source="host")
    gil313 = interp("3.13.5")
    ft = interp("3.13.5", free=True)
    assert builds.pick([host, ft, gil313]) == (gil313, ft)


def test_without_a_matching_version_the_first_gil_build_is_used():
    host = interp("3.11.7", source="host")
    ft = interp("3.14.0", free=True)
    assert builds.pick([interp("3.10.2", impl="PyPy"), host, ft]) == (host, ft)


def test_missing_builds_are_none():
    assert builds.pick([interp("3.12.1")]) == (interp("3.12.1"), None)
    assert builds.pick([interp("3.13.5", free=True)]) == (None, interp("3.13.5", free=True))
    assert builds.pick([]) == (None, None)


def test_a_free_threaded_build_running_with_its_gil_on_is_neither():
    ft_gil_on = Interpreter("/x/python3.13t", "CPython", "3.13.5", free_threaded=True, gil_enabled=True)
    assert builds.pick([ft_gil_on]) == (None, None)


def test_pick_rejects_what_is_not_an_interpreter():
    with pytest.raises(TypeError, match="Interpreter objects"):
        builds.pick(["/usr/bin/python3"])  # type: ignore[list-item]


def test_run_on_calls_the_function_in_that_interpreter():
    from gilref.interp.discover import host

    assert builds.run_on(host(), "gilref.core.workloads:countdown", {"n": 7}, timeout=60) == 7


def test_run_on_checks_its_arguments():
    with pytest.raises(TypeError, match="Interpreter"):
        builds.run_on(sys.executable, "gilref.core.workloads:countdown")  # type: ignore[arg-type]
    from gilref.interp.discover import host

    with pytest.raises(ValueError, match="timeout"):
        builds.run_on(host(), "gilref.core.workloads:countdown", timeout=0)
