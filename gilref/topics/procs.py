"""Processes: what they cost to start, what sending data to them costs, and how they fail.

Every function that runs *inside* a worker process lives at the top level of
this module (:func:`noop`, :func:`payload_size`, :func:`echo`, :func:`crash`,
:func:`square`, :func:`apply`, :func:`array_sum`, :func:`shared_array_sum`),
so a worker can import it under every start method: ``fork`` copies the parent,
but ``spawn`` and ``forkserver`` start a fresh interpreter that finds a
function by its module and name. A function typed into a notebook cell or an
interactive session lives in ``__main__`` and cannot be found that way; see
:func:`main_module_errors`.

Measurements (each returns a :class:`~gilref.core.results.Suite` with the host's
metadata; every wait has a deadline, and pools are shut down, or their
processes killed, before returning):

* :func:`start_cost_suite`: seconds to start a process and see it finish, per
  start method;
* :func:`countdown_executor_suite`: the countdown on a
  :class:`~concurrent.futures.ProcessPoolExecutor`, with the pool started
  before the clock and with a new pool per run;
* :func:`pickling_suite`: seconds to send a payload to a running worker (and
  back) as it grows;
* :func:`shared_memory_suite`: summing a NumPy array in a worker, sent by
  pickling versus placed in :mod:`multiprocessing.shared_memory` (needs NumPy).

The errors readers meet are captured as text by :func:`unpicklable_error`,
:func:`main_module_errors` and :func:`broken_pool_demo`;
:func:`map_outcomes` runs a function over items and reports each item's
result or error, surviving a worker that dies. Standard library only, except
the NumPy parts.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import sysconfig
import tempfile
import textwrap
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable

from ..core import _proc
from ..core._checks import check_choice, check_int, check_seconds
from ..core.harness import MIN_REPEATS, PRIME_CALLS, default_start_method, interleave, prime
from ..core.hostinfo import collect_metadata
from ..core.paths import env_importing_gilref
from ..core.results import Suite, Timing
from ..core.workloads import countdown, split_count

__all__ = [
    "Outcome",
    "add_one",
    "apply",
    "array_sum",
    "broken_pool_demo",
    "condense_traceback",
    "countdown_executor_suite",
    "crash",
    "echo",
    "main_module_errors",
    "map_outcomes",
    "noop",
    "payload_size",
    "pickling_suite",
    "shared_array_sum",
    "shared_memory_suite",
    "slow_square",
    "square",
    "start_cost_in_child",
    "start_cost_suite",
    "start_methods",
    "unpicklable_error",
]

#: Payload sizes of :func:`pickling_suite` by default, in bytes (1 KiB ... 64 MiB).
DEFAULT_SIZES = (1 << 10, 1 << 14, 1 << 18, 1 << 22, 1 << 26)


# -- functions that run inside worker processes ---------------------------------


def noop() -> None:
    """Do nothing (the work of a process whose start-up is being timed)."""


def payload_size(data: bytes) -> int:
    """Return ``len(data)``: the payload travels to the worker, only an int comes back."""
    return len(data)


def echo(data: Any) -> Any:
    """Return *data* unchanged: the payload travels to the worker and back."""
    return data


def square(x: int) -> int:
    """Return ``x * x``."""
    return x * x


def slow_square(x: int, seconds: float = 0.5) -> int:
    """Wait *seconds*, then return ``x * x`` (a task still running when something breaks)."""
    time.sleep(seconds)
    return x * x


#: A lambda: it has no name a worker process could import it by, so it cannot be pickled.
add_one = lambda x: x + 1  # noqa: E731 - being a lambda is the point


def crash(exit_code: int = 1, after: float = 0.0) -> None:
    """End the current process at once with *exit_code*, as a segfault or an
    out-of-memory kill would: no exception, no clean-up (:func:`os._exit`).

    :param after: seconds to wait first (lets a caller finish submitting work).
    """
    if after:
        time.sleep(after)
    os._exit(exit_code)


def apply(func: Callable[..., Any], *args: Any) -> Any:
    """Return ``func(*args)``; used to send a function as an *argument* to a worker."""
    return func(*args)


def array_sum(array: Any) -> float:
    """Sum a NumPy array that arrived by pickling (the array was copied to this process)."""
    return float(array.sum())


def shared_array_sum(name: str, shape: Sequence[int], dtype: str) -> float:
    """Sum a NumPy array that lives in the shared-memory block *name* (nothing is copied).

    The worker attaches to the block, wraps it in an array without copying,
    sums it and detaches; the creator of the block unlinks it.
    """
    from multiprocessing import shared_memory

    import numpy as np

    kwargs: dict[str, Any] = {"track": False} if sys.version_info >= (3, 13) else {}
    block = shared_memory.SharedMemory(name=name, **kwargs)
    try:
        array = np.ndarray(tuple(shape), dtype=np.dtype(dtype), buffer=block.buf)
        total = float(array.sum())
        del array  # release the buffer before closing the block
    finally:
        block.close()
    return total


# -- helpers ----------------------------------------------------------------------


def start_methods() -> list[str]:
    """The multiprocessing start methods this platform offers, e.g. ``['fork', 'spawn', 'forkserver']``."""
    return list(multiprocessing.get_all_start_methods())


def _context(start_method: str | None) -> Any:
    """The multiprocessing context of *start_method* (default: gilref's, see
    :func:`gilref.core.harness.default_start_method`)."""
    if start_method is not None:
        check_choice("start_method", start_method, tuple(start_methods()))
    return multiprocessing.get_context(start_method or default_start_method())


@contextmanager
def _quiet_fork_warning() -> Iterator[None]:
    """Silence Python 3.12+'s warning that fork() in a multi-threaded process may deadlock.

    The warning is real advice (and the reason 3.14 switched its default to
    forkserver); here the point is to *measure* fork, in a child that runs only
    gilref code, so it is silenced for the measurement alone.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to deadlocks.*",
                                category=DeprecationWarning)
        yield


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes and shut it down without waiting for their tasks."""
    processes = dict(getattr(pool, "_processes", None) or {})  # private, but stable since 3.2
    for proc in processes.values():
        with suppress(OSError, ValueError):
            proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _pool(
    workers: int,
    start_method: str | None,
    primed: tuple[Callable[..., Any], tuple[Any, ...]] | None = None,
) -> Iterator[ProcessPoolExecutor]:
    """A ProcessPoolExecutor that is always shut down; killed if the block raised.

    With *primed* = ``(func, small_task)``, every worker first calls
    :func:`gilref.core.harness.prime` so it runs *func*'s specialized bytecode.
    """
    with _quiet_fork_warning():
        if primed is None:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(start_method))
        else:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(start_method),
                                       initializer=prime, initargs=primed)
    try:
        yield pool
    except BaseException:
        _kill_pool(pool)
        raise
    pool.shutdown(wait=True)


def _warm(pool: ProcessPoolExecutor, workers: int, timeout: float) -> None:
    """Make every worker of *pool* start (tasks that sleep a little land on different workers)."""
    with _quiet_fork_warning():
        futures = [pool.submit(time.sleep, 0.05) for _ in range(workers)]
        for f in futures:
            f.result(timeout)


def _method_of(pool_or_ctx: Any) -> str:
    return str(pool_or_ctx.get_start_method())


# -- measurements -----------------------------------------------------------------


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

    Timings: workload ``"process-start"``, mode = start method, workers 1.

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
        with _quiet_fork_warning():
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
    for m, vals, warmed in zip(chosen, values, warm):
        suite.add(Timing("process-start", m, 1, tuple(vals), tuple(warmed), {"start_method": m}))
    return suite


_START_COST_CODE = (
    "import json, sys\n"
    "from gilref.topics.procs import start_cost_suite\n"
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
    """
    check_seconds("timeout", timeout, allow_zero=False)
    kwargs = {"methods": list(methods) if methods is not None else None, "repeats": repeats, "warmups": warmups}
    env = env_importing_gilref()
    import json

    try:
        proc = _proc.run([python or sys.executable, "-c", _START_COST_CODE, json.dumps(kwargs)],
                         timeout=timeout, env=env)
    except _proc.Overshoot:
        raise RuntimeError(f"measuring process start-up did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        raise RuntimeError(f"measuring process start-up failed (exit {proc.returncode}):\n{_tail(proc.stderr, 8)}")
    suite = Suite.loads(proc.stdout.strip().splitlines()[-1])
    suite.metadata["parent"] = "python -c (no main module)"
    return suite


def countdown_executor_suite(
    n: int = 20_000_000,
    workers: int = 2,
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    start_method: str | None = None,
    timeout: float = 300.0,
) -> Suite:
    """The countdown of *n* steps on one thread and on a ProcessPoolExecutor of *workers*.

    The steps are split evenly between the workers. Two process configurations:

    ``"processes"``
        the pool is started (and every worker warmed up) before the clock, as in a
        long-running program that keeps its pool;
    ``"processes-new-pool"``
        a new pool per run, started inside the timed region and shut down in it,
        as in a script that makes a pool for one job.

    Timings: workload ``"countdown"``, modes ``"sequential"``, ``"processes"``,
    ``"processes-new-pool"``; seconds per run.

    :param n: total countdown steps (>= 1).
    :param workers: worker processes (>= 1).
    :param start_method: multiprocessing start method (default: :func:`gilref.core.harness.default_start_method`).
    :param timeout: seconds one run may take before its workers are killed.
    """
    check_int("n", n, minimum=1)
    check_int("workers", workers, minimum=1)
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    check_seconds("timeout", timeout, allow_zero=False)
    ctx = _context(start_method)
    shares = split_count(n, workers)
    primed = (countdown, (1_000,))
    prime(*primed)  # this process too, before any pool forks (see gilref.core.harness.PRIME_CALLS)

    def sequential() -> float:
        start = time.perf_counter()
        for s in shares:
            countdown(s)
        return time.perf_counter() - start

    def on_pool(pool: ProcessPoolExecutor) -> float:
        start = time.perf_counter()
        futures = [pool.submit(countdown, s) for s in shares]
        for f in futures:
            f.result(timeout)
        return time.perf_counter() - start

    def new_pool() -> float:
        start = time.perf_counter()
        with _pool(workers, start_method, primed) as pool:
            futures = [pool.submit(countdown, s) for s in shares]
            for f in futures:
                f.result(timeout)
        return time.perf_counter() - start

    names = ("sequential", "processes", "processes-new-pool")
    with _pool(workers, start_method, primed) as pool:
        _warm(pool, workers, timeout)
        values, warm = interleave([sequential, partial(on_pool, pool), new_pool], repeats=repeats, warmups=warmups)
    suite = Suite(metadata=collect_metadata())
    method = _method_of(ctx)
    for name, vals, warmed in zip(names, values, warm):
        w = 1 if name == "sequential" else workers
        params: dict[str, Any] = {"n": n, "tasks": len(shares), "primed_calls": PRIME_CALLS}
        if name != "sequential":
            params["start_method"] = method
            params["executor"] = "concurrent.futures.ProcessPoolExecutor"
        suite.add(Timing("countdown", name, w, tuple(vals), tuple(warmed), params))
    return suite


def pickling_suite(
    sizes: Sequence[int] = DEFAULT_SIZES,
    *,
    repeats: int = MIN_REPEATS,
    start_method: str | None = None,
    timeout: float = 120.0,
) -> Suite:
    """Seconds to hand a ``bytes`` payload of each size to a running worker process.

    Three ways per size, taking turns repeat by repeat:

    ``"pickle"``
        ``pickle.loads(pickle.dumps(data))`` in this process: serialising alone;
    ``"argument"``
        ``pool.submit(payload_size, data).result()``: the payload goes to the
        worker, an int comes back;
    ``"round-trip"``
        ``pool.submit(echo, data).result()``: the payload goes there and back.

    Timings: workload ``f"payload-{size}"``, workers 1, params ``{"bytes": size}``.
    The pool (one worker) is started and warmed up before any clock runs.

    :param sizes: payload sizes in bytes (each >= 0).
    """
    if not sizes:
        raise ValueError("sizes must list at least one payload size")
    for s in sizes:
        check_int("sizes", s, minimum=0)
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_seconds("timeout", timeout, allow_zero=False)
    ctx = _context(start_method)
    modes = ("pickle", "argument", "round-trip")
    values: dict[tuple[int, str], list[float]] = {(s, m): [] for s in sizes for m in modes}
    with _pool(1, start_method) as pool:
        _warm(pool, 1, timeout)
        for size in sizes:
            data = os.urandom(min(size, 1 << 16)) * (size // (1 << 16)) + os.urandom(size % (1 << 16))

            def run(mode: str, data: bytes = data) -> float:
                start = time.perf_counter()
                if mode == "pickle":
                    pickle.loads(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
                elif mode == "argument":
                    pool.submit(payload_size, data).result(timeout)
                else:
                    pool.submit(echo, data).result(timeout)
                return time.perf_counter() - start

            for mode in modes:  # one unmeasured run each
                run(mode)
            for _ in range(repeats):
                for mode in modes:
                    values[(size, mode)].append(run(mode))
            del data
    suite = Suite(metadata=collect_metadata())
    method = _method_of(ctx)
    for size in sizes:
        for mode in modes:
            suite.add(Timing(f"payload-{size}", mode, 1, tuple(values[(size, mode)]), (),
                             {"bytes": size, "start_method": method}))
    return suite


def shared_memory_suite(
    nbytes: int = 64 * 1024 * 1024,
    *,
    repeats: int = MIN_REPEATS,
    start_method: str | None = None,
    timeout: float = 120.0,
) -> Suite:
    """Sum a float64 NumPy array of *nbytes* in a worker: pickled versus shared memory.

    Modes, taking turns repeat by repeat:

    ``"in-process"``
        ``array.sum()`` here, for reference (no other process involved);
    ``"pickled"``
        ``pool.submit(array_sum, array)``: the array is pickled, sent through a
        pipe and unpickled into the worker's memory;
    ``"shared-memory"``
        the array lives in a :class:`multiprocessing.shared_memory.SharedMemory`
        block; only its name, shape and dtype travel, and the worker sums it in
        place with :func:`shared_array_sum`.

    Timings: workload ``"array-sum"``, workers 1, params ``{"bytes": nbytes}``.
    The block is unlinked before this returns, whatever happens.

    :param nbytes: size of the array in bytes (>= 8; rounded down to whole float64s).
    :raises ImportError: if NumPy is not installed.
    :raises RuntimeError: if the worker's sums disagree with the local one.
    """
    try:
        import numpy as np
    except ImportError as exc:  # pragma: no cover - NumPy is in the docs group
        raise ImportError("shared_memory_suite needs NumPy: pip install numpy") from exc
    from multiprocessing import shared_memory

    check_int("nbytes", nbytes, minimum=8)
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_seconds("timeout", timeout, allow_zero=False)
    ctx = _context(start_method)
    count = nbytes // 8
    # Create the block before the pool, so that the workers share this process's
    # resource tracker (created with the block) instead of starting their own.
    block = shared_memory.SharedMemory(create=True, size=count * 8)
    try:
        array = np.ndarray((count,), dtype=np.float64, buffer=block.buf)
        array[:] = np.arange(count, dtype=np.float64) % 1000
        expected = float(array.sum())
        modes = ("in-process", "pickled", "shared-memory")
        values: dict[str, list[float]] = {m: [] for m in modes}
        with _pool(1, start_method) as pool:
            _warm(pool, 1, timeout)

            def run(mode: str, array: Any) -> float:
                start = time.perf_counter()
                if mode == "in-process":
                    total = float(array.sum())
                elif mode == "pickled":
                    total = pool.submit(array_sum, array).result(timeout)
                else:
                    total = pool.submit(shared_array_sum, block.name, array.shape, array.dtype.str).result(timeout)
                elapsed = time.perf_counter() - start
                if total != expected:
                    raise RuntimeError(f"{mode}: the worker's sum {total} differs from {expected}")
                return elapsed

            for mode in modes:
                run(mode, array)
            for _ in range(repeats):
                for mode in modes:
                    values[mode].append(run(mode, array))
        del array  # the block cannot close while an array still points into it
    finally:
        block.close()
        block.unlink()
    suite = Suite(metadata=collect_metadata())
    method = _method_of(ctx)
    for mode in modes:
        suite.add(Timing("array-sum", mode, 1, tuple(values[mode]), (),
                         {"bytes": count * 8, "dtype": "float64", "start_method": method}))
    return suite


# -- errors -----------------------------------------------------------------------


def _exception_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def unpicklable_error(start_method: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """Send a lambda to a worker process and capture what goes wrong.

    ``pool.submit(apply, add_one, 41)``, where :data:`add_one` is a lambda: the
    pool must pickle the lambda to send it, and a lambda has no importable
    name, so pickling fails. The error reaches the caller through the future;
    the pool itself survives.

    :returns: ``{"call": ..., "error": <the exception's last line(s)>,
        "type": <its class name>, "pool_still_works": bool, "start_method": ...}``.
    """
    check_seconds("timeout", timeout, allow_zero=False)
    ctx = _context(start_method)
    with _pool(1, start_method) as pool:
        future = pool.submit(apply, add_one, 41)
        try:
            future.result(timeout)
        except FuturesTimeout:
            raise
        except Exception as exc:
            error, kind = _exception_text(exc), type(exc).__name__
        else:  # pragma: no cover - would mean lambdas became picklable
            error, kind = "(no error: the lambda was sent)", ""
        works = pool.submit(square, 7).result(timeout) == 49
    return {"call": "pool.submit(apply, add_one, 41)", "error": error, "type": kind,
            "pool_still_works": works, "start_method": _method_of(ctx)}


#: A script whose worker function is defined in ``__main__``, run with ``python -c``
#: (as in a notebook or an interactive session: ``__main__`` is not a file).
_MAIN_FUNCTION_SCRIPT = '''\
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

def work(x):
    return x * x

if __name__ == "__main__":
    ctx = multiprocessing.get_context("{method}")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        print(pool.submit(work, 7).result(timeout=30))
'''

#: The same script saved as a file but without the ``__main__`` guard.
_UNGUARDED_SCRIPT = '''\
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

def work(x):
    return x * x

ctx = multiprocessing.get_context("{method}")
with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
    print(pool.submit(work, 7).result(timeout=30))
'''


def main_module_errors(start_method: str = "spawn", timeout: float = 60.0) -> list[dict[str, Any]]:
    """Run three tiny scripts under *start_method* as child processes and capture what they print.

    1. ``"function in interactive __main__"``: the worker function is defined
       in code run with ``python -c`` (as in a notebook cell or the REPL). A
       spawned worker starts a fresh interpreter, cannot import that
       ``__main__``, fails to unpickle the task and dies; the parent gets
       :class:`~concurrent.futures.process.BrokenProcessPool`.
    2. ``"script without the main guard"``: the same code saved as a file but
       without ``if __name__ == "__main__":``. The spawned worker imports the
       file, which tries to start a pool of its own while the worker is still
       starting up.
    3. ``"script with the main guard"``: the same file with the guard works.

    With ``fork`` the first two work, because the worker is a copy of the
    parent that already has the function; that is why code that ran fine on
    Linux (fork, the default before Python 3.14) fails on macOS, Windows and
    Python 3.14+.

    Each run is killed after *timeout* seconds (its whole process group).

    :returns: one dict per script: ``case``, ``command``, ``script``,
        ``returncode``, ``stdout``, ``stderr`` (with the standard library's
        traceback frames folded, see :func:`condense_traceback`),
        ``stderr_full``, ``ok``.
    """
    check_choice("start_method", start_method, tuple(start_methods()))
    check_seconds("timeout", timeout, allow_zero=False)
    cases = [
        ("function in interactive __main__", _MAIN_FUNCTION_SCRIPT, "-c"),
        ("script without the main guard", _UNGUARDED_SCRIPT, "file"),
        ("script with the main guard", _MAIN_FUNCTION_SCRIPT, "file"),
    ]
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gilref-main-") as tmp:
        for case, template, how in cases:
            script = template.format(method=start_method)
            if how == "-c":
                cmd = [sys.executable, "-c", script]
                shown = 'python -c "<the script>"'
            else:
                path = Path(tmp) / "work.py"
                path.write_text(script, encoding="utf-8")
                cmd = [sys.executable, str(path)]
                shown = "python work.py"
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP", "PYTHONINSPECT")}
            try:
                proc = _proc.run(cmd, timeout=timeout, env=env, cwd=tmp)
            except _proc.Overshoot:
                out.append({"case": case, "command": shown, "script": script, "returncode": None,
                            "stdout": "", "stderr": f"(killed after {timeout:g} s)", "ok": False})
                continue
            full = proc.stderr.replace(tmp + os.sep, "").strip()
            out.append({"case": case, "command": shown, "script": script, "returncode": proc.returncode,
                        "stdout": proc.stdout.strip(), "stderr": condense_traceback(full), "stderr_full": full,
                        "ok": proc.returncode == 0 and proc.stdout.strip() == "49"})
    return out


def condense_traceback(text: str) -> str:
    """*text* with each run of traceback frames inside the standard library folded into one line.

    What is left is what a reader needs: the frames in their own code and every
    exception line.
    """
    stdlib = sysconfig.get_paths()["stdlib"]
    out: list[str] = []
    folded = 0
    skipping = False
    for line in text.splitlines():
        if line.startswith('  File "'):
            path = line.split('"')[1]
            skipping = path.startswith((stdlib, "<frozen"))
            if skipping:
                folded += 1
                continue
        elif skipping and line.startswith("    "):
            continue
        else:
            skipping = False
        if folded:
            out.append(f"  ... ({folded} frame{'s' * (folded > 1)} in the standard library)")
            folded = 0
        out.append(line)
    if folded:
        out.append(f"  ... ({folded} frame{'s' * (folded > 1)} in the standard library)")
    return "\n".join(out)


def _tail(text: str, lines: int) -> str:
    kept = text.strip().splitlines()
    if len(kept) > lines:
        kept = ["...", *kept[-lines:]]
    return "\n".join(kept)


@dataclass(frozen=True)
class Outcome:
    """What happened to one item of :func:`map_outcomes`.

    :param index: the item's position in the input.
    :param ok: True if the function returned.
    :param value: what it returned (``None`` on failure).
    :param error: ``"ExceptionType: message"`` on failure, else ``None``.
    """

    index: int
    ok: bool
    value: Any = None
    error: str | None = None


def map_outcomes(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    workers: int = 2,
    start_method: str | None = None,
    timeout: float = 60.0,
) -> list[Outcome]:
    """Run ``func(item)`` for every item on a process pool; report each item's result or error.

    An exception inside *func* fails only its own item. A worker that dies
    (killed, crashed, :func:`os._exit`) breaks the whole pool: every item not
    finished by then is reported with the
    :class:`~concurrent.futures.process.BrokenProcessPool` error rather than
    lost; nothing is retried (a task that kills its worker would kill the next
    one too). An item still running after *timeout* seconds in total is
    reported as timed out and the pool's processes are killed. No process is
    left behind in any case.

    :param func: a module-level function (picklable by name).
    :param workers: worker processes (>= 1).
    :param timeout: seconds allowed for all the items together.
    """
    check_int("workers", workers, minimum=1)
    check_seconds("timeout", timeout, allow_zero=False)
    if not callable(func):
        raise TypeError(f"func must be callable, not {type(func).__name__}")
    deadline = time.monotonic() + timeout
    late = f"TimeoutError: not finished within {timeout:g} s"
    with _quiet_fork_warning():
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(start_method))
    timed_out = False
    outcomes: list[Outcome] = []
    try:
        futures: list[Future[Any] | str] = []
        for item in items:
            try:
                futures.append(pool.submit(func, item))
            except BrokenProcessPool as exc:  # broken before this item could even be sent
                futures.append(_exception_text(exc))
        for i, future in enumerate(futures):
            if isinstance(future, str):
                outcomes.append(Outcome(i, False, None, future))
                continue
            if timed_out and not future.done():
                outcomes.append(Outcome(i, False, None, late))
                continue
            try:
                outcomes.append(Outcome(i, True, future.result(max(0.0, deadline - time.monotonic()))))
            except FuturesTimeout as exc:
                if future.done():  # func itself raised TimeoutError
                    outcomes.append(Outcome(i, False, None, _exception_text(exc)))
                else:
                    timed_out = True
                    outcomes.append(Outcome(i, False, None, late))
            except Exception as exc:  # func's own exception, an unpicklable item, or BrokenProcessPool
                outcomes.append(Outcome(i, False, None, _exception_text(exc)))
    finally:
        if timed_out:
            _kill_pool(pool)
        else:
            pool.shutdown(wait=True, cancel_futures=True)
    return outcomes


def broken_pool_demo(start_method: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """A worker dies mid-job: what the caller sees, and that a new pool is needed.

    On a pool of 2 workers: ``square(1)`` runs and returns first; then
    ``crash()`` is submitted together with three ``slow_square`` tasks that are
    still running or waiting when the crashing worker dies (0.1 s after it
    starts). Every future's outcome is recorded (a ``submit`` the broken pool
    already refused is recorded as such); then one more ``submit`` is tried on the broken pool;
    then ``square(6)`` runs on a fresh pool.

    :returns: ``{"outcomes": [{"call", "outcome"}...], "submit_after": <error text>,
        "fresh_pool": <result>, "start_method": ...}``.
    """
    check_seconds("timeout", timeout, allow_zero=False)
    ctx = _context(start_method)
    rows: list[dict[str, Any]] = []
    with _pool(2, start_method) as pool:
        rows.append({"call": "square(1)", "outcome": f"returned {pool.submit(square, 1).result(timeout)!r}"})
        # crash() waits 0.1 s so the other submits normally land first; if the
        # worker dies sooner, submit() itself raises, and that is recorded too.
        calls: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = [
            ("crash()", crash, (1, 0.1)), ("slow_square(3)", slow_square, (3,)),
            ("slow_square(4)", slow_square, (4,)), ("slow_square(5)", slow_square, (5,)),
        ]
        for label, func, args in calls:
            try:
                rows.append({"call": label, "future": pool.submit(func, *args)})
            except BrokenProcessPool as exc:
                rows.append({"call": label, "outcome": "submit refused: " + _exception_text(exc)})
        for row in rows:
            future = row.pop("future", None)
            if future is None:
                continue
            try:
                row["outcome"] = f"returned {future.result(timeout)!r}"
            except BrokenProcessPool as exc:
                row["outcome"] = _exception_text(exc)
        try:
            pool.submit(square, 6)
            after = "(accepted)"
        except BrokenProcessPool as exc:
            after = _exception_text(exc)
    with _pool(1, start_method) as fresh:
        again = fresh.submit(square, 6).result(timeout)
    return {"outcomes": rows, "submit_after": after, "fresh_pool": again, "start_method": _method_of(ctx)}


def script_template(name: str) -> str:
    """The text of one of the tiny scripts :func:`main_module_errors` runs (for showing on a page).

    :param name: ``"interactive"`` or ``"unguarded"``.
    """
    check_choice("name", name, ("interactive", "unguarded"))
    template = _MAIN_FUNCTION_SCRIPT if name == "interactive" else _UNGUARDED_SCRIPT
    return textwrap.dedent(template.format(method="spawn"))
