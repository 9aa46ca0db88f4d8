"""What starting a process costs, per start method: seconds from ``start()`` to its exit."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from collections.abc import Sequence
from functools import partial
from typing import Any

from ...core import _proc
from ...core._checks import check_choice, check_int, check_seconds
from ...core.harness import MIN_REPEATS, interleave
from ...core.hostinfo import collect_metadata, rss_bytes
from ...core.paths import env_importing_gilref
from ...core.results import Suite, Timing
from ._pools import quiet_fork_warning, start_methods
from ._text import tail


def fresh_start_seconds(repeats: int = 3, *, timeout: float = 60.0) -> float:
    """Median seconds a bare ``python -c pass`` of this interpreter takes to start and exit:
    the floor under any ``spawn`` start."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = _proc.run([sys.executable, "-c", "pass"], timeout=timeout)
        runs.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise RuntimeError(f"a bare interpreter failed to start: {tail(proc.stderr, 4)}")
    return sorted(runs)[len(runs) // 2]


def start_cost_suite(
    methods: Sequence[str] | None = None,
    *,
    repeats: int = 7,
    warmups: int = 1,
    timeout: float = 60.0,
) -> Suite:
    """Seconds from ``Process.start()`` until the process has run a trivial task and exited.

    The task is the built-in :func:`os.getpid`, so the child imports nothing
    for it: what is timed is the start method's own cost. (A real task's
    module is imported on top, by ``spawn`` and ``forkserver`` children.) Under
    ``spawn`` the child also re-imports the parent's main module, if it has
    one; :func:`start_cost_in_child` measures from a ``python -c`` parent,
    which has none. The methods take turns, repeat by repeat. The first
    ``forkserver`` start also starts the fork server; the warm-up absorbs that.

    Timings: workload ``"process-start"``, mode = start method, workers 1. The
    metadata's ``modules_loaded`` is how many modules the parent held (a ``fork``
    child starts as a copy of it), ``rss_bytes`` its resident memory (or None), ``fresh_start_s``
    what a bare ``python -c pass`` takes (``fresh_start_seconds``).

    :param methods: start methods to measure (default: all this platform offers).
    :param repeats: measured starts per method (>= 5).
    :param warmups: unmeasured starts per method first (>= 0).
    :param timeout: seconds one start may take before the process is killed.
    :raises RuntimeError: if a process does not finish in time or exits with an error.
    """
    chosen = list(methods) if methods is not None else start_methods()
    if not chosen:
        raise ValueError("methods must name at least one start method")
    for m in chosen:
        check_choice("start_method", m, tuple(start_methods()))
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    check_seconds("timeout", timeout, allow_zero=False)

    def once(method: str) -> float:
        ctx: Any = multiprocessing.get_context(method)
        with quiet_fork_warning():
            proc = ctx.Process(target=os.getpid, name=f"gilref-start-{method}")
            start = time.perf_counter()
            proc.start()
            proc.join(timeout)
            elapsed = time.perf_counter() - start
        if proc.is_alive():
            proc.kill()
            proc.join()
            raise RuntimeError(f"a {method} process did not finish within {timeout:g} s and was killed")
        if proc.exitcode != 0:
            raise RuntimeError(f"a {method} process exited with code {proc.exitcode}")
        proc.close()
        return elapsed

    values, warm = interleave([partial(once, m) for m in chosen], repeats=repeats, warmups=warmups)
    suite = Suite(metadata=collect_metadata())
    suite.metadata["modules_loaded"] = len(sys.modules)  # what a fork copies grows with the parent
    suite.metadata["rss_bytes"] = rss_bytes()
    suite.metadata["fresh_start_s"] = fresh_start_seconds(timeout=timeout)
    for m, vals, warmed in zip(chosen, values, warm):
        suite.add(Timing("process-start", m, 1, tuple(vals), tuple(warmed), {"start_method": m}))
    return suite


#: The child's program: the package's public name, so the child imports what a reader would.
_START_COST_CODE = (
    "import json, sys\n"
    "from gilref.topics.processes import start_cost_suite\n"
    "if __name__ == '__main__':\n"
    "    print(json.dumps(start_cost_suite(**json.loads(sys.argv[1])).to_dict()))\n"
)


def start_cost_in_child(
    methods: Sequence[str] | None = None,
    *,
    repeats: int = 7,
    warmups: int = 1,
    python: str | None = None,
    timeout: float = 300.0,
) -> Suite:
    """:func:`start_cost_suite`, run in a fresh ``python -c`` process (killed after *timeout* s).

    A notebook kernel or a large program makes ``fork`` slower (more memory to
    map) and ``spawn`` slower (its main module is imported again in every
    child); a small parent with no main module shows what the methods cost
    themselves.

    :param python: the interpreter (default: this one); gilref must be importable there.
    :param timeout: seconds the whole child may take.
    """
    check_seconds("timeout", timeout, allow_zero=False)
    kwargs = {"methods": list(methods) if methods is not None else None, "repeats": repeats, "warmups": warmups}
    env = env_importing_gilref()
    try:
        proc = _proc.run([python or sys.executable, "-c", _START_COST_CODE, json.dumps(kwargs)],
                         timeout=timeout, env=env)
    except _proc.Overshoot:
        raise RuntimeError(f"measuring process start-up did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        raise RuntimeError(f"measuring process start-up failed (exit {proc.returncode}):\n{tail(proc.stderr, 8)}")
    suite = Suite.loads(proc.stdout.strip().splitlines()[-1])
    suite.metadata["parent"] = "python -c (no main module)"
    return suite
