from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from gilref.interp import discover as interpreters
from gilref.interp.discover import Interpreter, InterpreterError, describe, discover, find, fingerprint_text


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


# -- issue 4: more sources, the cache, choosing ------------------------------------



def _fake(path: Path, *, version="3.13.5", free_threaded=True, impl="CPython", counter: Path | None = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    answer = json.dumps({"executable": str(path), "implementation": impl, "version": version,
                         "free_threaded": free_threaded, "gil_enabled": not free_threaded})
    count = f"echo x >> {counter}\n" if counter else ""
    path.write_text(f"#!/bin/sh\n{count}echo '{answer}'\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def private(tmp_path, monkeypatch):
    monkeypatch.setenv("GILREF_CACHE_DIR", str(tmp_path / "cache"))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", str(bindir))
    monkeypatch.delenv(interpreters.ENV_PYTHONS, raising=False)
    monkeypatch.delenv("GILREF_SKIP_PROVISION", raising=False)
    return tmp_path


def test_sources_are_env_then_path_then_uv(private, monkeypatch):
    env_one = _fake(private / "somewhere" / "python3.13t")
    on_path = _fake(private / "bin" / "pypy3", version="3.9.16", free_threaded=False, impl="PyPy")
    by_uv = _fake(private / "uv-managed" / "python3.14t", version="3.14.0")
    uv = private / "bin" / "uv"
    uv.write_text(f"#!/bin/sh\n[ \"$3\" = 3.14t ] && echo {by_uv} && exit 0\nexit 2\n")
    uv.chmod(0o755)
    monkeypatch.setenv(interpreters.ENV_PYTHONS, str(env_one))
    found = discover(cache=False)
    assert [(i.executable, i.source) for i in found[1:]] == [
        (str(env_one), "env"), (str(on_path), "path"), (str(by_uv), "uv")]
    assert found[3].label == "CPython 3.14.0 free-threaded"


def test_jython_is_described_by_the_python2_probe(private):
    jython = _fake(private / "bin" / "jython", version="2.7.3", free_threaded=False, impl="Jython")
    (j,) = [i for i in discover(cache=False) if i.executable == str(jython)]
    assert j.implementation == "Jython" and not j.runs_gilref
    # The probe itself is valid Python 2: no f-strings, print as a function.
    assert "f\"" not in interpreters.PROBE and "print " not in interpreters.PROBE


@pytest.mark.skipif(not Path("/usr/bin/jython").exists(), reason="Jython is not installed here")
def test_real_jython_answers_the_probe():
    j = describe("/usr/bin/jython", timeout=60)
    assert j.implementation == "Jython" and j.version.startswith("2.7") and j.gil_enabled is False


def test_descriptions_are_cached_until_the_executable_changes(private, monkeypatch):
    counter = private / "runs"
    exe = _fake(private / "x" / "python3.13t", counter=counter)
    monkeypatch.setenv(interpreters.ENV_PYTHONS, str(exe))
    assert discover()[1].free_threaded
    assert discover()[1].free_threaded
    assert counter.read_text().count("x") == 1  # the second listing started no process
    before = exe.stat().st_mtime_ns
    _fake(exe, free_threaded=False, version="3.13.6", counter=counter)  # replaced: described again
    os.utime(exe, ns=(before + 10**9, before + 10**9))  # a later mtime, as a real replacement has
    assert discover()[1].version == "3.13.6"
    assert counter.read_text().count("x") == 2
    assert discover(cache=False)[1].version == "3.13.6"
    assert counter.read_text().count("x") == 3


def test_a_candidate_reporting_an_executable_already_listed_is_a_duplicate(private, monkeypatch):
    shim = private / "bin" / "python3.13"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    shim.chmod(0o755)
    found = discover(cache=False)
    assert [i.source for i in found] == ["host"]


def _i(label_version, ft, source="path", impl="CPython"):
    return Interpreter(f"/x/{label_version}{'t' if ft else ''}-{source}", impl, label_version, ft, not ft, source)


def test_find_matches_every_given_field():
    found = [_i("3.11.7", False, "host"), _i("3.13.0", False), _i("3.13.5", True, "provisioned"),
             _i("3.13.5", False, "provisioned"), _i("3.13.2", True)]
    assert find(found, series="3.13", free_threaded=True) == [found[2], found[4]]
    assert find(found, implementation="PyPy") == []


def test_fingerprint_text_changes_with_the_interpreters():
    a = [_i("3.11.7", False, "host")]
    b = [*a, _i("3.13.5", True, "provisioned")]
    assert fingerprint_text(a) != fingerprint_text(b)
    assert fingerprint_text(b) == fingerprint_text(list(reversed(b)))


def test_version_fields():
    i = _i("3.13.0rc2", True)
    assert i.version_tuple == (3, 13, 0) and i.series == "3.13" and i.runs_gilref
    assert not _i("2.7.3", False, impl="Jython").runs_gilref


def test_cli_lists_interpreters_as_json(private, monkeypatch):
    import subprocess

    ft = _fake(private / "opt" / "python3.13t")
    monkeypatch.setenv(interpreters.ENV_PYTHONS, str(ft))
    proc = subprocess.run([sys.executable, "-m", "gilref", "interpreters", "--json"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["interpreters"][0]["source"] == "host"
    (mine,) = [d for d in data["interpreters"] if d["executable"] == str(ft)]
    assert mine["free_threaded"] is True and mine["gil_enabled"] is False
    assert mine["label"] == "CPython 3.13.5 free-threaded"
    text = subprocess.run([sys.executable, "-m", "gilref", "interpreters"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}).stdout
    (row,) = [line for line in text.splitlines() if line.endswith(str(ft))]
    assert row.split()[:5] == ["CPython", "3.13.5", "free-threaded", "off", "env"]
    # which builds the book compares, and why: the same answer as the policy
    from gilref.interp.select import choose

    pair = choose(discover())
    assert data["compared"]["text"] == pair.text and data["compared"]["reason"] == pair.reason
    assert f"The book compares {pair.text}:" in text and f"why: {pair.reason}" in text


def test_python_gil_1_in_the_environment_turns_a_free_threaded_build_gil_on(private, monkeypatch):
    from gilref.interp.select import choose

    ft = _fake(private / "opt" / "python3.14t", version="3.14.0")
    gil = _fake(private / "opt" / "python3.14", version="3.14.0", free_threaded=False)
    monkeypatch.setenv(interpreters.ENV_PYTHONS, os.pathsep.join([str(ft), str(gil)]))
    monkeypatch.setenv("PYTHON_GIL", "0")
    assert choose(discover()).free_threaded.executable == str(ft)
    monkeypatch.setenv("PYTHON_GIL", "1")  # the children the chapters start inherit it
    found = discover()  # from the cache: the environment is applied afterwards, never cached
    (mine,) = [i for i in found if i.executable == str(ft)]
    assert mine.free_threaded and mine.gil_enabled is True
    assert choose(found).free_threaded is None
    assert interpreters.forced_gil(False, True, {"PYTHON_GIL": "1"}) is True
    assert interpreters.forced_gil(True, False, {}) is False
