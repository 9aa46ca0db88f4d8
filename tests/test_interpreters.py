from __future__ import annotations

import os
import sys

import pytest

from gilref import interpreters
from gilref.interpreters import InterpreterError, describe, discover


def test_the_host_is_found_first():
    found = discover()
    assert found[0].source == "host"
    assert found[0].executable == sys.executable
    assert found[0].version == ".".join(map(str, sys.version_info[:3]))


def test_describe_runs_the_interpreter():
    me = describe(sys.executable)
    assert me.implementation == "CPython" or me.implementation
    assert me.gil_enabled == getattr(sys, "_is_gil_enabled", lambda: True)()


def test_listed_paths_are_described_and_bad_ones_skipped(tmp_path, monkeypatch):
    link = tmp_path / "mypython"
    link.symlink_to(sys.executable)
    monkeypatch.setenv(interpreters.ENV_PYTHONS, os.pathsep.join([str(link), str(tmp_path / "nope")]))
    found = discover()
    # the link resolves to the host, so it is not listed twice
    assert [i.source for i in found].count("host") == 1
    assert all(i.executable != str(tmp_path / "nope") for i in found)


def test_bad_paths_give_clear_errors(tmp_path):
    with pytest.raises(InterpreterError, match="no executable interpreter"):
        describe(tmp_path / "python")
    script = tmp_path / "fake"
    script.write_text("#!/bin/sh\nexit 3\n")
    script.chmod(0o755)
    with pytest.raises(InterpreterError, match="exit 3"):
        describe(script)


def test_a_hanging_candidate_is_abandoned(tmp_path):
    script = tmp_path / "slow"
    script.write_text("#!/bin/sh\nsleep 30\n")
    script.chmod(0o755)
    with pytest.raises(InterpreterError, match="did not answer"):
        describe(script, timeout=0.5)
