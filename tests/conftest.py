"""Shared fixtures. Tests never assert on speed: timings are noisy here."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_script(path: Path, *args: str, timeout: float = 300, env: dict[str, str] | None = None,
               check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a Python script as a subprocess of this interpreter, with a deadline."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, stdin=subprocess.DEVNULL, cwd=path.parent)
    if check and proc.returncode != 0:
        raise AssertionError(f"{path.name} {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


@pytest.fixture
def run_example():
    """Run ``examples/<name>`` with arguments; returns the CompletedProcess."""
    def run(name: str, *args: str, **kwargs):
        return run_script(EXAMPLES / name, *args, **kwargs)
    return run


@pytest.fixture
def no_leaked_threads():
    """Fail if a test leaves a thread running."""
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for t in leaked:
        t.join(5)
    leaked = [t.name for t in leaked if t.is_alive()]
    assert not leaked, f"threads left running: {leaked}"
