"""The bench's machine key: a baseline is only ever compared on the machine that saved it."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("gilref_bench_machine", ROOT / "tests" / "bench" / "machine.py")
assert _spec is not None and _spec.loader is not None
machine = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(machine)

INFO = {"os": "Debian GNU/Linux 13 (trixie)", "machine": "x86_64", "cpu_model": "AMD EPYC 7B13", "usable_cpus": 2,
        "python_implementation": "CPython", "python_version": "3.13.5", "python_build": "default"}


def test_the_key_is_the_same_for_the_same_machine_and_readable():
    key = machine.machine_key(dict(INFO))
    assert key == machine.machine_key(dict(reversed(list(INFO.items()))))
    assert key.startswith("CPython-3.13.5-default-x86_64-2cpu-AMD-EPYC-7B13-")
    assert "/" not in key and " " not in key


def test_every_field_that_changes_timings_changes_the_key():
    key = machine.machine_key(INFO)
    changed = {"os": "Debian GNU/Linux 12 (bookworm)", "machine": "aarch64", "cpu_model": "Intel(R) Xeon(R)",
               "usable_cpus": 4, "python_implementation": "PyPy", "python_version": "3.11.7",
               "python_build": "free-threaded"}
    assert set(changed) == set(machine.FIELDS)
    for field, value in changed.items():
        assert machine.machine_key({**INFO, field: value}) != key, field


def test_the_script_prints_this_hosts_key_and_facts():
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "machine.py")], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True).stdout
    data = json.loads(out)
    assert data["info"] == machine.machine_info()
    assert data["key"] == machine.machine_key(data["info"])
    assert data["info"]["python_version"] == ".".join(map(str, sys.version_info[:3]))
