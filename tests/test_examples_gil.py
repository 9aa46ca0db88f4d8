"""The examples of the release-point and deadlock chapters, run as scripts and in-process.

Run as a script, each example starts in a session of its own; afterwards no
process of that session may be left. Run in-process (its ``main``), it must
leave no thread running and no socket open, and bind only 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gilref.topics import deadlock
from gilref.topics.release import count_switches, interleave_labels

from .conftest import EXAMPLES, ROOT
from .proctools import wait_until_gone

needs_timedlock = pytest.mark.skipif(deadlock.unsupported() is not None,
                                     reason="no pthread_mutex_timedlock here")


def session_members(sid: int) -> list[int]:
    """Processes still in session *sid* (Linux: from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def run_alone(name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run an example in a new session; fail if it leaves any process of that session behind."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(EXAMPLES / name), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env,
                            cwd=EXAMPLES, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.communicate()
    if Path("/proc/self/stat").exists():
        left = wait_until_gone(lambda: session_members(proc.pid), timeout=30)
        assert not left, f"{name} left processes running: {left}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name[:-3]}", EXAMPLES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tracked_sockets(monkeypatch):
    """Every socket created meanwhile, and every address bound."""
    made, bound = [], []
    init, bind = socket.socket.__init__, socket.socket.bind

    def tracking_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    def tracking_bind(self, address):
        bound.append(address)
        return bind(self, address)

    monkeypatch.setattr(socket.socket, "__init__", tracking_init)
    monkeypatch.setattr(socket.socket, "bind", tracking_bind)
    return made, bound


# -- interleave.py -------------------------------------------------------------


@pytest.mark.example("interleave.py")
def test_interleave_prints_every_number_of_both_tasks():
    out = run_alone("interleave.py", "--count", "300").stdout
    labels = interleave_labels(out)
    assert labels.count("minus") == 300 and labels.count("plus") == 300
    assert count_switches(labels) >= 1
    assert "-300" in out and "+300" in out


@pytest.mark.example("interleave.py")
def test_interleave_leaves_no_thread(no_leaked_threads, capsys):
    assert load_example("interleave.py").main(["--count", "50", "--flush"]) == 0
    assert len(interleave_labels(capsys.readouterr().out)) == 100


@pytest.mark.example("interleave.py")
@pytest.mark.parametrize("args", [["--count", "0"], ["--count", "many"], ["--flush", "yes"]])
def test_interleave_rejects_bad_arguments(args):
    proc = run_alone("interleave.py", *args, timeout=60)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr


# -- asyncio_three.py ------------------------------------------------------------


@pytest.mark.example("asyncio_three.py")
def test_asyncio_three_overlaps_its_waits():
    out = run_alone("asyncio_three.py", "--seconds", "0.2").stdout
    assert out.count("starts at") == 3 and out.count("done   at") == 3
    total = float(re.search(r"total: ([\d.]+) s for 3 waits of 0.2 s", out).group(1))
    assert 0.2 <= total < 0.6  # together, not one after another (generous bound)


@pytest.mark.example("asyncio_three.py")
def test_asyncio_three_leaves_no_thread(no_leaked_threads, capsys):
    assert load_example("asyncio_three.py").main(["--tasks", "2", "--seconds", "0.01"]) == 0
    assert "total:" in capsys.readouterr().out


@pytest.mark.example("asyncio_three.py")
@pytest.mark.parametrize("args", [["--tasks", "0"], ["--seconds", "0"], ["--seconds", "soon"],
                                  ["--seconds", "100"]])
def test_asyncio_three_rejects_bad_arguments(args):
    proc = run_alone("asyncio_three.py", *args, timeout=60)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr


# -- deadlock.py -------------------------------------------------------------------


@needs_timedlock
@pytest.mark.example("deadlock.py")
def test_deadlock_example_reports_the_deadlock_within_its_deadline():
    start = time.monotonic()
    proc = run_alone("deadlock.py", "--deadline", "0.5", "--hold", "0.05", timeout=30)
    assert time.monotonic() - start < 30
    assert proc.returncode == 0, proc.stderr
    assert "DEADLOCK detected" in proc.stdout and "ETIMEDOUT" in proc.stdout
    seen = deadlock.example_outcome(proc.stdout)
    assert seen["outcome"] == "deadlock" and seen["waited_s"] >= 0.45
    # Short lines: the output is shown on the pages as it is, and must not be clipped.
    assert max(len(line) for line in proc.stdout.splitlines()) <= 72


@needs_timedlock
@pytest.mark.example("deadlock.py")
def test_deadlock_example_fixed_completes():
    proc = run_alone("deadlock.py", "--fixed", "--deadline", "5", "--hold", "0.05", timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "COMPLETED" in proc.stdout and "got the mutex" in proc.stdout
    seen = deadlock.example_outcome(proc.stdout)
    assert seen["outcome"] == "completed" and seen["waited_s"] < 5
    assert max(len(line) for line in proc.stdout.splitlines()) <= 72


@needs_timedlock
@pytest.mark.example("deadlock.py")
@pytest.mark.parametrize("fixed", [[], ["--fixed"]])
def test_deadlock_example_leaves_no_thread(fixed, no_leaked_threads, capsys):
    assert load_example("deadlock.py").main([*fixed, "--deadline", "0.3", "--hold", "0.02"]) == 0
    assert ("COMPLETED" if fixed else "DEADLOCK") in capsys.readouterr().out


@pytest.mark.example("deadlock.py")
@pytest.mark.parametrize("args", [["--deadline", "0"], ["--hold", "x"], ["--hold", "2", "--deadline", "1"],
                                  ["--deadline", "999"]])
def test_deadlock_example_rejects_bad_arguments(args):
    proc = run_alone("deadlock.py", *args, timeout=60)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr


# -- release_points.py --------------------------------------------------------------


@pytest.mark.example("release_points.py")
def test_release_points_reports_a_speedup_per_kind():
    proc = run_alone("release_points.py", "--kinds", "sleep,python,socket,file", "--threads", "2",
                     "--repeats", "1", "--target", "0.02")
    assert proc.returncode == 0, proc.stderr
    for kind in ("sleep", "python", "socket", "file"):
        assert re.search(rf"^  {kind}\s+\d+\.\d+s\s+\d+\.\d+$", proc.stdout, re.M), proc.stdout


@pytest.mark.example("release_points.py")
def test_release_points_binds_only_loopback_and_closes_everything(no_leaked_threads, tracked_sockets, capsys):
    made, bound = tracked_sockets
    module = load_example("release_points.py")
    assert module.main(["--kinds", "socket,hashlib,zlib,numpy", "--threads", "2", "--repeats", "1",
                        "--target", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "socket" in out and "hashlib" in out and "zlib" in out and "numpy" in out
    assert bound and all(addr[0] == "127.0.0.1" for addr in bound)
    assert made and all(s.fileno() == -1 for s in made)
    assert not multiprocessing.active_children()


@pytest.mark.example("release_points.py")
def test_release_points_sizes_jobs_from_a_warm_unit(monkeypatch):
    # A made-up clock: each unit advances it by 3 s for its first 5 runs (cold), 1 s after.
    module = load_example("release_points.py")
    clock, runs = [0.0], [0]

    def unit(_res):
        runs[0] += 1
        clock[0] += 3.0 if runs[0] <= 5 else 1.0

    monkeypatch.setattr(module.time, "perf_counter", lambda: clock[0])
    # Target 100 s: 10 warm-up units (20 s < 50 s), then units until 10 s have passed.
    assert module.unit_seconds(unit, None, 100.0) == pytest.approx(1.0)
    assert runs[0] == 20
    # A slow unit stops the warm-up at half the target (2 units of 1 s for a 4 s target), then one unit.
    clock[0], runs[0] = 0.0, 5
    assert module.unit_seconds(unit, None, 4.0) == pytest.approx(1.0)
    assert runs[0] == 5 + 3


@pytest.mark.example("release_points.py")
def test_release_points_flags_noisy_repeats_and_a_single_run(monkeypatch, capsys):
    module = load_example("release_points.py")
    monkeypatch.setattr(module, "unit_seconds", lambda unit, res, target: 0.001)
    times = iter([0.10, 0.05, 0.10, 0.05, 0.30, 0.05])  # (1 thread, 2 threads) per repeat: one slow run
    monkeypatch.setattr(module, "run_job", lambda unit, res, units, threads: next(times))
    assert module.main(["--kinds", "python", "--threads", "2", "--repeats", "3", "--target", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "note: the python runs varied by up to 200% between repeats" in out
    assert re.search(r"^  python\s+0\.100s\s+2\.00$", out, re.M)  # the row itself is unchanged
    steady = iter([0.10, 0.05] * 3)
    monkeypatch.setattr(module, "run_job", lambda unit, res, units, threads: next(steady))
    module.main(["--kinds", "python", "--threads", "2", "--repeats", "3", "--target", "0.01"])
    assert "note:" not in capsys.readouterr().out
    once = iter([0.10, 0.05])
    monkeypatch.setattr(module, "run_job", lambda unit, res, units, threads: next(once))
    module.main(["--kinds", "python", "--threads", "2", "--repeats", "1", "--target", "0.01"])
    assert "note: one run per thread count" in capsys.readouterr().out


@pytest.mark.example("release_points.py")
@pytest.mark.parametrize("args", [["--kinds", "teleport"], ["--kinds", ""], ["--threads", "0"],
                                  ["--target", "0"], ["--repeats", "x"]])
def test_release_points_rejects_bad_arguments(args):
    proc = run_alone("release_points.py", *args, timeout=60)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.example("interleave.py")
def test_interleave_tally_says_whether_the_hand_overs_exceed_the_threads_start():
    mod = load_example("interleave.py")
    few = mod.tally([-1, 1, -1, -1, 1, 1], 0.002, 0.005)
    assert few.startswith("tally: 3 hand-overs in 6 numbers") and "did not take turns" in few
    assert few.endswith("stdout is a pipe or a file, so there is a write only when its buffer fills.")
    many = mod.tally([-1, 1] * 10, 0.004, 0.005, "unbuffered")  # 19 hand-overs in 4 ms: at most 0 interval turns
    assert "16 more than the 3" in many and "At most 0" in many and "writes to the output" in many
    assert "stdout is unbuffered here (PYTHONUNBUFFERED or -u), so each print makes two" in many
    paced = mod.tally([-1] * 5 + [1] * 5 + [-1] * 5 + [1] * 5 + [-1] * 5, 0.05, 0.005)  # 4 in 50 ms
    assert "1 more than the 3" in paced and "At most 10" in paced and "writes" not in paced
    # The tally line is not a number: the release-points chapter's counts of the plain output are unchanged.
    out = run_alone("interleave.py", "--count", "20", "--tally").stdout
    assert len(interleave_labels(out)) == 40 and out.splitlines()[-1].startswith("tally: ")


@pytest.mark.example("interleave.py")
def test_interleave_notes_each_number_before_its_print_and_names_how_stdout_writes():
    import io

    mod = load_example("interleave.py")
    record = []
    printed = []

    class Spy(io.StringIO):  # what was noted when each number's text reached the stream
        def write(self, s):
            printed.append((s, list(record)))
            return super().write(s)

    spy = Spy()
    old, sys.stdout = sys.stdout, spy
    try:
        mod.count(+1, 2, False, record)
    finally:
        sys.stdout = old
    assert spy.getvalue() == "+1\n+2\n"
    assert printed[0] == ("+1", [1]) and printed[2] == ("+2", [1, 1])  # noted before its text is written
    assert mod.output_mode(io.TextIOWrapper(io.BytesIO(), write_through=True), False) == "unbuffered"
    assert mod.output_mode(io.TextIOWrapper(io.BytesIO(), line_buffering=True), False) == "line"
    assert mod.output_mode(io.TextIOWrapper(io.BytesIO()), False) == "buffered"
    assert mod.output_mode(io.TextIOWrapper(io.BytesIO()), True) == "flush"
    unbuffered = run_alone("interleave.py", "--count", "5", "--tally").stdout  # run_alone keeps this environment
    env_says = "unbuffered" if os.environ.get("PYTHONUNBUFFERED") else "a pipe or a file"
    assert env_says in unbuffered.splitlines()[-1]
