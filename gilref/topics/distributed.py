"""Beyond one machine: the countdown on Dask distributed, next to ProcessPoolExecutor.

A Dask cluster is a scheduler and workers (processes, possibly on other
machines) that talk over TCP. :func:`local_cluster` starts one on this host,
bound to 127.0.0.1 with no dashboard, and always closes it (a context manager
with deadlines). :func:`connect` attaches to an existing scheduler by its
address instead: the same code then runs on a real cluster.

:func:`countdown_suite` times the same job on one thread, on a
:class:`~concurrent.futures.ProcessPoolExecutor` and on the cluster;
:func:`overhead_suite` times many tiny tasks to show what scheduling costs
per task. Both interleave the configurations run by run and record seconds.

The task functions here (:func:`tiny`) and in :mod:`gilref.core.workloads` are
plain module-level functions, so workers can import them under every start
method. Dask is imported inside the functions that need it, with a clear
error if it is missing; the rest is standard library.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Any, Callable

from ..core._checks import check_int, check_seconds
from ..core.harness import MIN_REPEATS, MeasurementTimeout, interleave, prime
from ..core.hostinfo import collect_metadata
from ..core.results import Suite, Timing
from ..core.workloads import countdown, split_count
from .processes import managed_pool

__all__ = [
    "DaskUnavailable",
    "connect",
    "countdown_suite",
    "local_cluster",
    "overhead_suite",
    "tiny",
]

LOOPBACK = "127.0.0.1"


class DaskUnavailable(ImportError):
    """``dask.distributed`` is not installed."""


def _dask() -> Any:
    try:
        import dask.distributed
    except ImportError as exc:
        raise DaskUnavailable(
            f"this needs Dask distributed ({exc}): pip install 'dask[distributed]' "
            "(or install gilref's 'docs' dependency group)"
        ) from None
    return dask.distributed


def tiny(i: int) -> int:
    """A task that does next to nothing (returns *i* + 1): its run time is all overhead."""
    return i + 1


@contextmanager
def local_cluster(workers: int, *, timeout: float = 60.0, start_method: str | None = None) -> Iterator[Any]:
    """A Dask ``Client`` on a fresh cluster of *workers* single-threaded worker processes.

    The scheduler and workers listen on 127.0.0.1 only, on free ports; the
    dashboards are disabled. On leaving the block the client and the cluster
    are closed, each within *timeout* seconds, even if the block raised.

    :param workers: worker processes (>= 1).
    :param timeout: seconds allowed for starting, and for closing (> 0).
    :param start_method: how worker processes are started (default: Dask's, spawn).
    :raises DaskUnavailable: if Dask distributed is not installed.
    """
    check_int("workers", workers, minimum=1)
    check_seconds("timeout", timeout, allow_zero=False)
    dd = _dask()
    import dask

    settings: dict[str, Any] = {"distributed.comm.timeouts.connect": f"{timeout}s"}
    if start_method is not None:
        settings["distributed.worker.multiprocessing-method"] = start_method
    with dask.config.set(settings):
        cluster = dd.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host=LOOPBACK,
            scheduler_port=0,
            dashboard_address=None,
            worker_dashboard_address=None,
            # Without a dashboard the scheduler still serves HTTP (health, metrics), by default on
            # port 8787: another cluster there made it warn and move. A free loopback port instead.
            scheduler_kwargs={"dashboard": False, "dashboard_address": f"{LOOPBACK}:0"},
            silence_logs=logging.ERROR,
            protocol="tcp://",
        )
        try:
            client = dd.Client(cluster, timeout=timeout)
            try:
                client.wait_for_workers(workers, timeout=timeout)
                yield client
            finally:
                client.close(timeout=timeout)
        finally:
            cluster.close(timeout=timeout)


@contextmanager
def connect(address: str, *, timeout: float = 30.0) -> Iterator[Any]:
    """A Dask ``Client`` connected to the scheduler at *address* (e.g. ``"tcp://10.0.0.5:8786"``).

    The cluster is not ours: leaving the block closes the client only.
    """
    if not isinstance(address, str) or "://" not in address:
        raise ValueError(f"address must look like 'tcp://host:port', got {address!r}")
    check_seconds("timeout", timeout, allow_zero=False)
    dd = _dask()
    client = dd.Client(address, timeout=timeout)
    try:
        yield client
    finally:
        client.close(timeout=timeout)


def _on_dask(client: Any, func: Callable[..., Any], args: Sequence[Any], timeout: float) -> list[Any]:
    """Run ``func(a)`` for each *a* on the cluster and wait for every result.

    ``pure=False`` gives every task a unique key, so Dask never reuses an
    earlier result for equal arguments.
    """
    dd = _dask()
    futures = client.map(func, list(args), pure=False)
    try:
        _done, pending = dd.wait(futures, timeout=timeout, return_when="ALL_COMPLETED")
        if pending:
            raise MeasurementTimeout(f"{len(pending)} Dask task(s) did not finish within {timeout:g} s")
        return list(client.gather(futures))
    finally:
        client.cancel(futures)


def _on_pool(pool: concurrent.futures.ProcessPoolExecutor, func: Callable[..., Any], args: Sequence[Any],
             timeout: float) -> list[Any]:
    futures = [pool.submit(func, a) for a in args]
    _done, pending = concurrent.futures.wait(futures, timeout=timeout)
    if pending:
        for f in pending:
            f.cancel()
        raise MeasurementTimeout(f"{len(pending)} process-pool task(s) did not finish within {timeout:g} s")
    return [f.result() for f in futures]


def _seconds(call: Callable[[], Any]) -> float:
    """Wall-clock seconds one ``call()`` takes."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _interleave(
    runs: Sequence[tuple[str, int, Callable[[], Any]]],
    workload: str,
    *,
    repeats: int,
    warmups: int,
    params: dict[str, Any],
    metadata: dict[str, Any],
) -> Suite:
    suite = Suite(metadata=metadata)
    values, warm = interleave([partial(_seconds, run) for _m, _w, run in runs], repeats=repeats, warmups=warmups)
    for i, (mode, w, _run) in enumerate(runs):
        suite.add(Timing(workload, mode, w, tuple(values[i]), tuple(warm[i]), dict(params)))
    return suite


def _check_common(repeats: int, warmups: int, timeout: float) -> None:
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    check_seconds("timeout", timeout, allow_zero=False)


_PRIMED = (countdown, (1_000,))


def _pool(workers: int, start_method: str | None) -> AbstractContextManager[concurrent.futures.ProcessPoolExecutor]:
    """A pool whose workers prime the countdown as they start (see gilref.core.harness.PRIME_CALLS),
    killed rather than waited for if the block raises (:func:`gilref.topics.processes.managed_pool`)."""
    return managed_pool(workers, start_method, primed=_PRIMED)


def _warm_pool(pool: concurrent.futures.ProcessPoolExecutor, workers: int, timeout: float) -> None:
    """Make the pool start all its workers now, before any timing."""
    _on_pool(pool, time.sleep, [0.05] * (2 * workers), timeout)


def countdown_suite(
    client: Any,
    n: int = 20_000_000,
    workers: int = 2,
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = 300.0,
    start_method: str | None = None,
) -> Suite:
    """The countdown of *n* steps on one thread, on a process pool and on the cluster.

    The steps are split into *workers* equal tasks for the pool (*workers*
    processes, started before timing) and for the cluster behind *client*.
    Workload ``"countdown"``; modes ``"sequential"``, ``"processes"``, ``"dask"``.

    :param client: a Dask client (see :func:`local_cluster`, :func:`connect`).
    :param timeout: seconds allowed for one run (> 0).
    """
    check_int("n", n, minimum=1)
    check_int("workers", workers, minimum=1)
    _check_common(repeats, warmups, timeout)
    shares = split_count(n, workers)
    prime(*_PRIMED)  # here, before the pool forks; the cluster's workers below
    client.run(prime, *_PRIMED)
    with _pool(workers, start_method) as pool:
        _warm_pool(pool, workers, timeout)
        runs: list[tuple[str, int, Callable[[], Any]]] = [
            ("sequential", 1, lambda: [countdown(s) for s in shares]),
            ("processes", workers, lambda: _on_pool(pool, countdown, shares, timeout)),
            ("dask", workers, lambda: _on_dask(client, countdown, shares, timeout)),
        ]
        suite = _interleave(runs, "countdown", repeats=repeats, warmups=warmups,
                            params={"n": n, "tasks": len(shares)}, metadata=collect_metadata())
    suite.metadata["dask_scheduler"] = str(client.scheduler.address)
    suite.metadata["dask_workers"] = len(client.scheduler_info().get("workers", {}))
    return suite


def overhead_suite(
    client: Any,
    tasks: int = 1000,
    workers: int = 2,
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = 300.0,
    start_method: str | None = None,
) -> Suite:
    """*tasks* calls of :func:`tiny` one by one, on a process pool and on the cluster.

    Each call does almost nothing, so a run's time divided by *tasks* is the
    cost of scheduling one task: submitting it, sending it to a worker,
    running it there and sending the result back. Workload ``"tiny"``; modes
    ``"sequential"`` (plain calls), ``"processes"``, ``"dask"``; values are
    seconds per run of all *tasks*.
    """
    check_int("tasks", tasks, minimum=1)
    check_int("workers", workers, minimum=1)
    _check_common(repeats, warmups, timeout)
    args = list(range(tasks))
    with _pool(workers, start_method) as pool:
        _warm_pool(pool, workers, timeout)
        runs: list[tuple[str, int, Callable[[], Any]]] = [
            ("sequential", 1, lambda: [tiny(i) for i in args]),
            ("processes", workers, lambda: _on_pool(pool, tiny, args, timeout)),
            ("dask", workers, lambda: _on_dask(client, tiny, args, timeout)),
        ]
        return _interleave(runs, "tiny", repeats=repeats, warmups=warmups,
                           params={"tasks": tasks}, metadata=collect_metadata())
