"""The countdown on a ProcessPoolExecutor: a pool kept between runs versus a new pool per run."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any, Callable

from ...core._checks import check_int, check_seconds
from ...core.harness import COUNTDOWN_PRIME_TASK, MIN_REPEATS, PRIME_CALLS, interleave, prime
from ...core.hostinfo import collect_metadata
from ...core.results import Suite, Timing
from ...core.workloads import countdown, split_count
from ._pools import context, managed_pool, method_of, warm


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
    ctx = context(start_method)
    shares = split_count(n, workers)
    primed = (countdown, COUNTDOWN_PRIME_TASK)
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
        with managed_pool(workers, start_method, primed) as pool:
            futures = [pool.submit(countdown, s) for s in shares]
            for f in futures:
                f.result(timeout)
        return time.perf_counter() - start

    names = ("sequential", "processes", "processes-new-pool")
    with managed_pool(workers, start_method, primed) as pool:
        warm(pool, workers, timeout)
        runs: list[Callable[[], float]] = [sequential, partial(on_pool, pool), new_pool]
        values, warmed_up = interleave(runs, repeats=repeats, warmups=warmups)
    suite = Suite(metadata=collect_metadata())
    method = method_of(ctx)
    for name, vals, warmed in zip(names, values, warmed_up):
        w = 1 if name == "sequential" else workers
        params: dict[str, Any] = {"n": n, "tasks": len(shares), "primed_calls": PRIME_CALLS}
        if name != "sequential":
            params["start_method"] = method
            params["executor"] = "concurrent.futures.ProcessPoolExecutor"
        suite.add(Timing("countdown", name, w, tuple(vals), tuple(warmed), params))
    return suite
