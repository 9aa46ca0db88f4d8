"""The measurement harness: time a workload sequentially, on threads, on processes.

A *job* is a function and a list of argument tuples (its *tasks*). A run in
mode ``"sequential"`` does every task one after another on one thread; a run on
``"threads"`` or ``"processes"`` deals the tasks round-robin to *workers*
threads or processes that work through their share at the same time. Every run
is timed in wall-clock seconds (:func:`time.perf_counter`) from dispatch until
the last task is done.

:func:`compare` measures several configurations side by side: after the warmup
runs it interleaves them (A B C A B C ...) so that slow drift of the machine
(heat, other load) is shared fairly rather than loaded onto one configuration.
Every run has a deadline; a run that overshoots it is abandoned (worker
processes are killed) and :class:`MeasurementTimeout` is raised, so a caller
never waits forever.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack
from functools import partial
from typing import Any, Callable, TypeVar, Union, overload

from ._checks import check_choice, check_int, check_seconds
from .hostinfo import collect_metadata, usable_cpus
from .results import Suite, Timing
from .workloads import countdown, io_wait, split_count

__all__ = [
    "COUNTDOWN_PRIME_TASK",
    "DEFAULT_TIMEOUT",
    "MIN_REPEATS",
    "MODES",
    "PRIME_CALLS",
    "MeasurementTimeout",
    "compare",
    "countdown_compare",
    "countdown_suite",
    "default_start_method",
    "interleave",
    "io_suite",
    "measure",
    "prime",
    "run_threads",
    "thread_counts",
]

MODES = ("sequential", "threads", "processes")
MIN_REPEATS = 5
DEFAULT_TIMEOUT = 300.0  # seconds allowed for one run of one configuration
#: Calls of the workload, with a small task, that prime every interpreter before
#: timing. CPython 3.11 specializes a function's bytecode only after its 8th call
#: (3.12+ at once); until then the countdown runs about 25% slower. Priming makes
#: every configuration (this process and each worker process) time the same code.
PRIME_CALLS = 16

Task = tuple[Any, ...]
Tasks = Union[Sequence[Task], Callable[[int], Sequence[Task]]]
#: The task :func:`prime` gives the countdown before timing it: a countdown of 1,000
#: steps, enough to specialize the loop at a few microseconds a call. Every process
#: (this one and each worker) that times the countdown primes with it.
COUNTDOWN_PRIME_TASK: Task = (1_000,)
_Result = TypeVar("_Result")  # what one run of :func:`interleave` returns


class MeasurementTimeout(RuntimeError):
    """A run did not finish within its deadline; its workers were abandoned or killed."""


def _run_share(func: Callable[..., Any], share: Sequence[Task]) -> int:
    """Run every task of *share* in order (in whichever thread or process this is)."""
    for args in share:
        func(*args)
    return len(share)


def _run_share_packed(packed: tuple[Callable[..., Any], Sequence[Task]]) -> int:
    func, share = packed
    return _run_share(func, share)


def default_start_method() -> str:
    """The multiprocessing start method gilref uses unless told otherwise.

    ``"forkserver"`` where the platform has it, else the platform's default.
    It is Python 3.14's default on Linux, and unlike ``fork`` it is safe in a
    process that runs threads, such as a notebook kernel (Python 3.12+ warns
    about forking one). Its workers are fresh interpreters forked from a small
    server process rather than copies of a large parent, and on this book's
    build host they ran the countdown measurably faster than forked copies of
    the kernel.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        return "forkserver"
    return str(multiprocessing.get_context().get_start_method())


def prime(func: Callable[..., Any], task: Task, calls: int = PRIME_CALLS) -> None:
    """Call ``func(*task)`` *calls* times so the interpreter has specialized it.

    Use a small *task*: the point is the number of calls, not the work.
    """
    for _ in range(calls):
        func(*task)


@overload
def interleave(
    runs: Sequence[Callable[[], float]],
    *,
    repeats: int,
    warmups: int,
    warmup_runs: Sequence[Callable[[], float]] | None = None,
) -> tuple[list[list[float]], list[list[float]]]: ...


@overload
def interleave(
    runs: Sequence[Callable[[], _Result]],
    *,
    repeats: int,
    warmups: int,
    warmup_runs: Sequence[Callable[[], _Result]] | None = None,
) -> tuple[list[list[_Result]], list[list[_Result]]]: ...


def interleave(
    runs: Sequence[Callable[[], Any]],
    *,
    repeats: int,
    warmups: int,
    warmup_runs: Sequence[Callable[[], Any]] | None = None,
) -> tuple[list[list[Any]], list[list[Any]]]:
    """Call each of *runs* *warmups* times, then *repeats* rounds of all of them in turn.

    The measured rounds go A B C A B C ..., so slow drift of the machine (heat,
    other load) is shared fairly rather than loaded onto one run. The warmups
    come first, run by run (A A B B C C ...). Each run returns its measurement,
    usually its own duration in seconds (the caller times what it means to
    time, so no call overhead of this helper is inside the measurement).

    :param warmup_runs: what to call for the warmups instead of *runs*, one per
        run in the same order (e.g. a shorter version of each run).
    :returns: ``(values, warm)``: per run, the measured values and the warmup values.
    """
    if warmup_runs is not None and len(warmup_runs) != len(runs):
        raise ValueError(f"warmup_runs must hold one call per run ({len(runs)}), got {len(warmup_runs)}")
    warmers = runs if warmup_runs is None else warmup_runs
    warm = [[run() for _ in range(warmups)] for run in warmers]
    values: list[list[Any]] = [[] for _ in runs]
    for _ in range(repeats):
        for i, run in enumerate(runs):
            values[i].append(run())
    return values, warm


def thread_counts(cpus: int | None = None, *, oversubscribe: bool = True) -> list[int]:
    """The thread counts a scaling run measures on *cpus* CPUs (default: the usable CPUs).

    The one rule of the book: every count from 1 to *cpus* when there are at
    most 4 CPUs; on larger hosts 1, the powers of two below *cpus*, and *cpus*
    itself. With *oversubscribe* (the default), also twice *cpus*, to show what
    more threads than cores do.

    >>> thread_counts(2)
    [1, 2, 4]
    >>> thread_counts(3, oversubscribe=False)
    [1, 2, 3]
    >>> thread_counts(12)
    [1, 2, 4, 8, 12, 24]

    :raises ValueError: if *cpus* is below 1.
    """
    n = usable_cpus() if cpus is None else check_int("cpus", cpus, minimum=1)
    if n <= 4:
        counts = set(range(1, n + 1))
    else:
        counts = {1, n}
        p = 2
        while p < n:
            counts.add(p)
            p *= 2
    if oversubscribe:
        counts.add(2 * n)
    return sorted(counts)


def _deal(tasks: Sequence[Task], workers: int) -> list[list[Task]]:
    """Deal *tasks* round-robin into *workers* shares (some may be empty)."""
    return [list(tasks[i::workers]) for i in range(workers)]


def run_threads(
    jobs: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]],
    timeout: float,
    *,
    name: str = "gilref-worker",
    what: str = "",
    start_together: bool = False,
    on_start: Callable[[], None] | None = None,
) -> float:
    """Run each ``(target, args)`` of *jobs* on its own new thread, all at once.

    The threads are started together and joined against one shared deadline.
    A target hands back results through its arguments (e.g. a list it appends to).

    :param name: the threads' name prefix (``name-0``, ``name-1``, ...).
    :param what: what the threads do, for the timeout message.
    :param start_together: every thread waits at a barrier until all of them
        exist before calling its target, so a late thread start cannot give the
        first ones a head start.
    :param on_start: called once (implies *start_together*), by the last thread
        to reach the barrier, before any target runs: e.g. to fix a common start
        time. If it raises, the barrier breaks and every thread fails.
    :returns: wall-clock seconds from the first start until the last thread ended.
    :raises MeasurementTimeout: if a thread is still running *timeout* seconds
        after the start (the threads are daemons, so they cannot keep the
        process alive; a waiting barrier is broken).
    :raises BaseException: the first exception a target raised, re-raised here.
    """
    errors: list[BaseException] = []
    barrier = (threading.Barrier(len(jobs), action=on_start, timeout=timeout)
               if (start_together or on_start is not None) and jobs else None)

    def guarded(target: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            if barrier is not None:
                barrier.wait()
            target(*args)
        except BaseException as exc:  # reported to the caller below
            errors.append(exc)

    threads = [
        threading.Thread(target=guarded, args=job, name=f"{name}-{i}", daemon=True)
        for i, job in enumerate(jobs)
    ]
    start = time.perf_counter()
    deadline = start + timeout
    try:
        for t in threads:
            t.start()
    except BaseException:
        if barrier is not None:
            barrier.abort()  # the started threads fail fast instead of waiting for the rest
        raise
    for t in threads:
        t.join(max(0.0, deadline - time.perf_counter()))
    elapsed = time.perf_counter() - start
    if any(t.is_alive() for t in threads):
        if barrier is not None:
            barrier.abort()
        doing = f" {what}" if what else ""
        raise MeasurementTimeout(f"{len(threads)} thread(s){doing} did not finish within {timeout:g} s")
    if errors:
        if barrier is not None and barrier.broken:  # the cause, not a broken barrier it left behind
            errors.sort(key=lambda e: isinstance(e, threading.BrokenBarrierError))
        raise errors[0]
    return elapsed


class _ThreadRunner:
    """Runs a job on *workers* fresh threads per run (``workers=1``: sequential)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def __enter__(self) -> _ThreadRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, func: Callable[..., Any], tasks: Sequence[Task], timeout: float) -> float:
        shares = [s for s in _deal(tasks, self.workers) if s]
        return run_threads([(_run_share, (func, s)) for s in shares], timeout, what=f"running {_name(func)}")


class _ProcessRunner:
    """Runs a job on a pool of *workers* processes started once, before timing."""

    def __init__(
        self,
        workers: int,
        start_method: str | None,
        prime_with: tuple[Callable[..., Any], Task] | None = None,
    ) -> None:
        self.workers = workers
        self.context = multiprocessing.get_context(start_method or default_start_method())
        self.pool: multiprocessing.pool.Pool | None = None
        self.prime_with = prime_with

    @property
    def start_method(self) -> str:
        return str(self.context.get_start_method())

    def __enter__(self) -> _ProcessRunner:
        if self.prime_with is None:
            self.pool = self.context.Pool(self.workers)
        else:  # every worker primes itself as it starts (spawn/forkserver start cold)
            self.pool = self.context.Pool(self.workers, initializer=prime, initargs=self.prime_with)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def run(self, func: Callable[..., Any], tasks: Sequence[Task], timeout: float) -> float:
        assert self.pool is not None, "use the runner as a context manager"
        packed = [(func, s) for s in _deal(tasks, self.workers) if s]
        start = time.perf_counter()
        pending = self.pool.map_async(_run_share_packed, packed, chunksize=1)
        try:
            pending.get(timeout)
        except multiprocessing.TimeoutError:
            self.pool.terminate()
            raise MeasurementTimeout(
                f"{len(packed)} process(es) running {_name(func)} did not finish within "
                f"{timeout:g} s; they were killed"
            ) from None
        return time.perf_counter() - start


def _name(func: Callable[..., Any]) -> str:
    return getattr(func, "__qualname__", None) or repr(func)


def _check_config(mode: str, workers: int) -> tuple[str, int]:
    check_choice("mode", mode, MODES)
    check_int("workers", workers, minimum=1)
    if mode == "sequential" and workers != 1:
        raise ValueError(f"mode 'sequential' runs on 1 worker, got workers={workers}")
    return mode, workers


def compare(
    func: Callable[..., Any],
    tasks: Tasks,
    *,
    configs: Sequence[tuple[str, int]],
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    workload: str | None = None,
    params: dict[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    start_method: str | None = None,
    suite: Suite | None = None,
    prime_task: Task | None = None,
) -> Suite:
    """Measure *func* over *tasks* in each ``(mode, workers)`` of *configs*.

    :param func: a module-level function (so processes can receive it).
    :param tasks: argument tuples for *func*, or a function ``workers -> tasks``
        when the tasks depend on the worker count (as when a count is split).
    :param configs: e.g. ``[("sequential", 1), ("threads", 2), ("processes", 2)]``.
    :param repeats: measured runs per configuration (>= 5).
    :param warmups: unmeasured runs per configuration before the measured ones (>= 0).
    :param workload: the name recorded in the results (default: *func*'s name).
    :param params: the workload's parameters to record (JSON-ready).
    :param timeout: seconds allowed for one run; overshooting raises
        :class:`MeasurementTimeout`.
    :param start_method: multiprocessing start method for ``"processes"``
        (default: :func:`default_start_method`).
    :param suite: add the timings to this suite instead of a new one.
    :param prime_task: a small argument tuple: before anything is timed, *func*
        is called :data:`PRIME_CALLS` times with it in this process and in every
        worker process, so no configuration times unspecialized bytecode.
    :returns: a :class:`~gilref.core.results.Suite` with one timing per config and
        this host's metadata.
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    check_seconds("timeout", timeout, allow_zero=False)
    if not configs:
        raise ValueError("configs must name at least one (mode, workers) pair")
    checked = [_check_config(m, w) for m, w in configs]
    if len(set(checked)) != len(checked):
        raise ValueError(f"configs must not repeat a (mode, workers) pair: {checked}")
    name = str(workload or getattr(func, "__name__", "workload"))
    jobs: list[Sequence[Task]] = []
    for _mode, workers in checked:
        job = tasks(workers) if callable(tasks) else tasks
        if not isinstance(job, (list, tuple)) or not job:
            raise ValueError("tasks must be a non-empty list of argument tuples")
        if not all(isinstance(t, tuple) for t in job):
            raise TypeError("each task must be a tuple of arguments for func")
        jobs.append(job)

    if prime_task is not None:
        if not isinstance(prime_task, tuple):
            raise TypeError("prime_task must be a tuple of arguments for func")
        prime(func, prime_task)  # before any pool forks, so forked workers inherit it
    out = suite if suite is not None else Suite(metadata=collect_metadata())
    with ExitStack() as stack:
        runners: list[_ThreadRunner | _ProcessRunner] = []
        for mode, workers in checked:
            if mode == "processes":
                primer = None if prime_task is None else (func, prime_task)
                runners.append(stack.enter_context(_ProcessRunner(workers, start_method, primer)))
            else:
                runners.append(stack.enter_context(_ThreadRunner(workers)))
        values, warm = interleave([partial(r.run, func, job, timeout) for r, job in zip(runners, jobs)],
                                  repeats=repeats, warmups=warmups)
        for i, ((mode, workers), runner) in enumerate(zip(checked, runners)):
            recorded = dict(params or {})
            recorded["tasks"] = len(jobs[i])
            if isinstance(runner, _ProcessRunner):
                recorded["start_method"] = runner.start_method
            if prime_task is not None:
                recorded["primed_calls"] = PRIME_CALLS
            out.add(Timing(name, mode, workers, tuple(values[i]), tuple(warm[i]), recorded))
    return out


def measure(
    func: Callable[..., Any],
    tasks: Tasks,
    *,
    mode: str = "sequential",
    workers: int = 1,
    **kwargs: Any,
) -> Timing:
    """Measure one configuration; keyword arguments as for :func:`compare`."""
    suite = compare(func, tasks, configs=[(mode, workers)], **kwargs)
    return suite.timings[-1]


def countdown_compare(
    n: int,
    configs: Sequence[tuple[str, int]],
    *,
    tasks: int | None = None,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    start_method: str | None = None,
) -> Suite:
    """:func:`compare` of the countdown of *n* steps in total in each ``(mode, workers)``
    of *configs*, primed with :data:`COUNTDOWN_PRIME_TASK`; workload ``"countdown"``,
    params ``{"n": n}``.

    :param n: total countdown steps (>= 1), split evenly so that every
        configuration does the same work.
    :param tasks: split *n* into this many tasks for every configuration (the
        sequential run then counts them down one after another); ``None``: into
        each configuration's worker count.
    """
    check_int("n", n, minimum=1)

    def per_workers(workers: int) -> list[Task]:
        return [(c,) for c in split_count(n, workers)]

    split: Tasks = per_workers if tasks is None else per_workers(check_int("tasks", tasks, minimum=1))
    return compare(
        countdown,
        split,
        configs=configs,
        repeats=repeats,
        warmups=warmups,
        workload="countdown",
        params={"n": n},
        timeout=timeout,
        start_method=start_method,
        prime_task=COUNTDOWN_PRIME_TASK,
    )


def countdown_suite(
    n: int = 20_000_000,
    workers: int | None = None,
    *,
    modes: Sequence[str] = MODES,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    start_method: str | None = None,
) -> Suite:
    """The countdown of *n* steps run one-thread, on *workers* threads and processes.

    The same *n* steps are split evenly between the workers, so every
    configuration does the same total work and the speedup is a fair ratio.

    :param n: total countdown steps (>= 1).
    :param workers: threads/processes (default: the CPUs this process may use).
    """
    check_int("n", n, minimum=1)
    workers = usable_cpus() if workers is None else check_int("workers", workers, minimum=1)
    configs = [("sequential", 1) if m == "sequential" else (m, workers) for m in modes]
    return countdown_compare(n, configs, tasks=workers, repeats=repeats, warmups=warmups, timeout=timeout,
                             start_method=start_method)


def io_suite(
    latency: float = 0.05,
    tasks: int = 8,
    workers: Sequence[int] = (1, 2, 4, 8),
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
) -> Suite:
    """*tasks* I/O-style waits of *latency* seconds each, sequentially and on threads.

    Sequentially the job takes about ``tasks * latency`` seconds; on *w* threads
    about ``ceil(tasks / w) * latency``, because a waiting thread releases the GIL.

    :param latency: seconds each task waits (> 0).
    :param tasks: how many waits make up the job (>= 1).
    :param workers: the thread counts to measure (each >= 1).
    """
    check_seconds("latency", latency, allow_zero=False)
    check_int("tasks", tasks, minimum=1)
    if not workers:
        raise ValueError("workers must list at least one thread count")
    for w in workers:
        check_int("workers", w, minimum=1)
    configs = [("sequential", 1)] + [("threads", w) for w in workers]
    return compare(
        io_wait,
        [(latency,)] * tasks,
        configs=configs,
        repeats=repeats,
        warmups=warmups,
        workload="io_wait",
        params={"latency_s": latency},
        timeout=timeout,
    )
