"""Dask distributed: the local cluster stays on loopback, always closes, and measures both jobs."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest

from gilref.topics import distributed

from .conftest import EXAMPLES, ROOT
from .proctools import children, port_is_closed, session_members, wait_until_gone

pytest.importorskip("dask.distributed")


def test_tiny_does_next_to_nothing():
    assert distributed.tiny(1) == 2


@pytest.mark.parametrize(("kwargs", "match"), [({"workers": 0}, "workers must be >= 1"),
                                               ({"workers": 1, "timeout": 0}, "timeout must be > 0")])
def test_local_cluster_checks_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match), distributed.local_cluster(**kwargs):
        pass


def test_connect_wants_a_scheduler_address():
    with pytest.raises(ValueError, match="tcp://host:port"), distributed.connect("localhost:8786"):
        pass


@pytest.fixture
def port_8787_taken():
    """Dask's default HTTP port, held as another cluster on this machine would hold it."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", 8787))
            s.listen()
        except OSError:
            pass  # someone else holds it already: just as good
        yield


def test_a_local_cluster_measures_and_leaves_nothing_behind(port_8787_taken):
    with distributed.local_cluster(2, timeout=60) as client:
        address = client.scheduler.address
        assert address.startswith("tcp://127.0.0.1:")
        workers = client.scheduler_info()["workers"]
        assert len(workers) == 2 and all(w.startswith("tcp://127.0.0.1:") for w in workers)
        cpu = distributed.countdown_suite(client, n=200_000, workers=2, repeats=5, warmups=0)
        tiny = distributed.overhead_suite(client, tasks=20, workers=2, repeats=5, warmups=0)
        rounds = distributed.round_suite(client, workers=2, rounds=3, repeats=5, warmups=0)
        assert len(children()) >= 2, "the workers should be child processes"
    assert [(t.mode, t.workers) for t in cpu.timings] == [("sequential", 1), ("processes", 2), ("dask", 2),
                                                          ("dask-unprofiled", 2)]
    assert cpu.metadata["dask_profile_interval_s"] == pytest.approx(0.01)  # Dask's default, read from its config
    assert cpu.metadata["dask_scheduler"] == address and cpu.metadata["dask_workers"] == 2
    assert [t.mode for t in tiny.timings] == ["sequential", "processes", "dask"]
    assert tiny.timings[0].params == {"tasks": 20}
    # a round is the countdown's shape: 2 tasks at once, 3 rounds a run; each run's time covers all 3
    assert [t.mode for t in rounds.timings] == ["sequential", "processes", "dask"]
    assert rounds.get("round", "dask").params == {"tasks": 2, "rounds": 3}
    assert distributed.per_round(rounds, "dask").median == pytest.approx(rounds.get("round", "dask").median / 3)
    assert all(i.holds for i in distributed.round_invariants(rounds))
    host, port = address.removeprefix("tcp://").rsplit(":", 1)
    assert port_is_closed(host, int(port))
    for w in workers:
        whost, wport = w.removeprefix("tcp://").rsplit(":", 1)
        assert port_is_closed(whost, int(wport))
    assert not wait_until_gone(children), "worker processes were left running"


def test_the_cluster_is_closed_when_the_block_raises():
    seen: list[str] = []

    def fail_inside() -> None:
        with distributed.local_cluster(1, timeout=60) as client:
            seen.append(client.scheduler.address)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    (address,) = seen
    host, port = address.removeprefix("tcp://").rsplit(":", 1)
    assert port_is_closed(host, int(port))
    assert not wait_until_gone(children)


@pytest.mark.parametrize(("func", "kwargs", "match"), [
    (distributed.countdown_suite, {"n": 0}, "n must be >= 1"),
    (distributed.countdown_suite, {"repeats": 1}, "repeats must be >= 5"),
    (distributed.overhead_suite, {"tasks": 0}, "tasks must be >= 1"),
    (distributed.overhead_suite, {"timeout": -1}, "timeout must be >= 0|timeout must be > 0"),
    (distributed.round_suite, {"rounds": 0}, "rounds must be >= 1"),
    (distributed.round_suite, {"workers": 0}, "workers must be >= 1"),
])
def test_the_suites_check_their_arguments_before_touching_the_cluster(func, kwargs, match):
    with pytest.raises(ValueError, match=match):
        func(None, **kwargs)


def run_in_own_session(*args: str, timeout: float = 300) -> tuple[subprocess.CompletedProcess[str], int]:
    proc = subprocess.Popen([sys.executable, str(EXAMPLES / "dask_countdown.py"), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=EXAMPLES,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                            stdin=subprocess.DEVNULL)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), proc.pid


@pytest.mark.example("dask_countdown.py")
def test_dask_example_reports_both_measurements_and_cleans_up():
    proc, sid = run_in_own_session("--count", "400000", "--workers", "2", "--tasks", "30", "--repeats", "3")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    m = re.search(r"Dask scheduler: tcp://(127\.0\.0\.1):(\d+);", out)
    assert m, out
    for row in ("1 process", "2 pool processes", "Dask cluster"):
        assert re.search(rf"{row}\s+\d+\.\d+ s\s+\d+\.\d+x one process", out), out
    assert re.search(r"tiny tasks, Dask\s+\d+\.\d+ µs per task", out)
    got = distributed.parse_example(out)  # the chapter's cross-check reads this very report
    assert (got["count"], got["workers"], got["repeats"]) == (400_000, 2, 3) and got["dask_us"] > 0
    assert port_is_closed(m.group(1), int(m.group(2)))
    assert not wait_until_gone(lambda: session_members(sid)), "the example left processes running"


@pytest.mark.example("dask_countdown.py")
@pytest.mark.parametrize("args", [["--scheduler", "localhost:8786"], ["--workers", "0"]])
def test_dask_example_rejects_bad_arguments(run_example, args):
    proc = run_example("dask_countdown.py", *args, check=False, timeout=60)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr
