"""Run an example as a script and report what it left running.

:func:`run_checked` runs ``examples/<name>`` in a child interpreter through a
small wrapper (``runpy``, as ``__main__``, so ``multiprocessing`` works as in a
real run). When the example's ``main`` returns, the wrapper reports the threads
still alive (``threading.enumerate()``), the ``multiprocessing`` children still
alive, and every other process whose parent it is. After the wrapper exits,
:func:`run_checked` waits briefly for its whole session to disappear, so an
orphaned grandchild is caught too.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MARK = "@@leftovers@@"

_WRAPPER = r"""
import json, multiprocessing, os, runpy, sys, threading, time

path = sys.argv[1]
sys.argv = sys.argv[1:]
code = 0
try:
    runpy.run_path(path, run_name="__main__")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
threads = [t.name for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()]
children = [p.name for p in multiprocessing.active_children()]
processes = []
for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
    if not pid.isdigit():
        continue
    try:
        with open(f"/proc/{pid}/stat") as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        if ppid != os.getpid():
            continue
        # A child caught between vfork and exec (CPython 3.13's subprocess uses vfork) has
        # no command line yet: wait for the exec, within a deadline.
        deadline = time.monotonic() + 10
        while True:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            if cmd or time.monotonic() > deadline:
                break
            time.sleep(0.01)
    except (OSError, ValueError, IndexError):
        continue
    # multiprocessing's own resource tracker lives exactly as long as this process.
    if "resource_tracker" not in cmd:
        processes.append(cmd)
sys.stdout.flush()
print("\n" + MARK + json.dumps({"threads": threads, "children": children, "processes": processes}))
sys.exit(code)
""".replace("MARK", repr(MARK))


@dataclass
class Checked:
    """What an example printed and what it left behind."""

    returncode: int
    stdout: str
    stderr: str
    threads: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    processes: list[str] = field(default_factory=list)
    session_survivors: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.threads or self.children or self.processes or self.session_survivors)


def _session_members(sid: int) -> list[int]:
    found = []
    if not os.path.isdir("/proc"):
        return found
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 3 and fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(pid))
    return found


def run_checked(name: str | Path, *args: str, timeout: float = 120, grace: float = 30.0) -> Checked:
    """Run ``examples/<name>`` (or the script at an absolute path) with *args*;
    report its output and leftovers."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = Path(name) if Path(name).is_absolute() else EXAMPLES / name
    # Output goes to files, not pipes: a leftover process holding a pipe open
    # would make reading it wait for that process.
    with tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:
        proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, str(script), *args],
                                stdout=out_f, stderr=err_f, stdin=subprocess.DEVNULL,
                                text=True, env=env, cwd=str(EXAMPLES), start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            raise AssertionError(f"{script.name} {' '.join(args)} did not finish within {timeout} s") from None
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    deadline = time.monotonic() + grace
    survivors = _session_members(proc.pid)
    while survivors and time.monotonic() < deadline:
        time.sleep(0.05)
        survivors = _session_members(proc.pid)
    for pid in survivors:  # do not leave them behind for the next test
        with contextlib.suppress(OSError):
            os.kill(pid, 9)
    report: dict[str, list[str]] = {}
    if MARK in out:
        out, _, tail = out.rpartition("\n" + MARK)
        report = json.loads(tail.strip().splitlines()[0])
    return Checked(proc.returncode, out, err, report.get("threads", []), report.get("children", []),
                   report.get("processes", []), survivors)
