from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gilref.cli import main
from gilref.core.results import Suite

from .conftest import ROOT


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gilref", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def test_report_quick_json_is_a_results_file():
    proc = run_cli("report", "--quick", "--json", "--count", "200000")
    assert proc.returncode == 0, proc.stderr
    suite = Suite.loads(proc.stdout)
    assert suite.metadata["profile"] == "quick"
    modes = {(t.workload, t.mode) for t in suite.timings}
    assert {("countdown", "sequential"), ("countdown", "threads"), ("countdown", "processes"),
            ("io_wait", "sequential"), ("io_wait", "threads")} <= modes
    json.loads(proc.stdout)


def test_report_table_names_the_host_and_each_configuration(capsys):
    assert main(["report", "--quick", "--count", "100000", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    for words in ("GIL profile of this host", "CPUs", "countdown", "2 threads", "2 processes",
                  "I/O-bound", "speedup"):
        assert words in out


@pytest.mark.parametrize("args", [
    [], ["report", "--workers", "0"], ["report", "--workers", "two"], ["report", "--count", "-5"],
    ["report", "--bogus"], ["frobnicate"],
])
def test_bad_arguments_exit_2_with_usage(args):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [
    ["interpreters", "--bogus"], ["interpreters", "extra"], ["provision", "--jobs", "0"],
    ["provision", "--jobs", "many"], ["provision", "--frobnicate"],
])
def test_interpreter_commands_reject_bad_arguments(args):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_interpreters_lists_the_host_first():
    proc = run_cli("interpreters", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    found = data["interpreters"]
    assert found[0]["source"] == "host" and found[0]["executable"] == sys.executable
    assert {"label", "version", "implementation", "free_threaded", "gil_enabled"} <= set(found[0])
    assert {"text", "reason", "matched", "gil", "free_threaded"} <= set(data["compared"])
    members = [m for m in (data["compared"]["gil"], data["compared"]["free_threaded"]) if m]
    assert all(m in found for m in members)  # the pair is made of interpreters found


def test_interpreters_lists_each_one_in_a_table_with_a_header():
    proc = run_cli("interpreters")
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["interpreter", "GIL", "found", "executable"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert any(" host " in line and sys.executable in line for line in lines[2:])
