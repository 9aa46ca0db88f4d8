"""Process pools that are always cleaned up: start methods, contexts, kill on error, warm-up."""

from __future__ import annotations

import multiprocessing
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any, Callable

from ...core._checks import check_choice
from ...core.harness import default_start_method, prime


def start_methods() -> list[str]:
    """The multiprocessing start methods this platform offers, e.g. ``['fork', 'spawn', 'forkserver']``."""
    return list(multiprocessing.get_all_start_methods())


def context(start_method: str | None) -> Any:
    """The multiprocessing context of *start_method* (default: gilref's, see
    :func:`gilref.core.harness.default_start_method`).

    :raises ValueError: if this platform does not offer *start_method*.
    """
    if start_method is not None:
        check_choice("start_method", start_method, tuple(start_methods()))
    return multiprocessing.get_context(start_method or default_start_method())


def method_of(pool_or_ctx: Any) -> str:
    """The start method of a multiprocessing context (or anything with ``get_start_method()``)."""
    return str(pool_or_ctx.get_start_method())


@contextmanager
def quiet_fork_warning() -> Iterator[None]:
    """Silence Python 3.12+'s warning that fork() in a multi-threaded process may deadlock.

    The warning is real advice (and the reason 3.14 switched its default to
    forkserver); here the point is to *measure* fork, in a child that runs only
    gilref code, so it is silenced for the measurement alone.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to deadlocks.*",
                                category=DeprecationWarning)
        yield


def kill_pool(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes and shut it down without waiting for their tasks."""
    processes = dict(getattr(pool, "_processes", None) or {})  # private, but stable since 3.2
    for proc in processes.values():
        with suppress(OSError, ValueError):
            proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def managed_pool(
    workers: int,
    start_method: str | None,
    primed: tuple[Callable[..., Any], tuple[Any, ...]] | None = None,
) -> Iterator[ProcessPoolExecutor]:
    """A :class:`~concurrent.futures.ProcessPoolExecutor` of *workers* processes that is
    always shut down, and whose processes are killed if the block raised.

    :param start_method: multiprocessing start method (default:
        :func:`gilref.core.harness.default_start_method`).
    :param primed: ``(func, small_task)``: every worker first calls
        :func:`gilref.core.harness.prime` so it runs *func*'s specialized bytecode.
        *func* must be a module-level function of an importable module.
    """
    with quiet_fork_warning():
        if primed is None:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=context(start_method))
        else:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=context(start_method),
                                       initializer=prime, initargs=primed)
    try:
        yield pool
    except BaseException:
        kill_pool(pool)
        raise
    pool.shutdown(wait=True)


def warm(pool: ProcessPoolExecutor, workers: int, timeout: float) -> None:
    """Make every worker of *pool* start (tasks that sleep 0.05 s land on different workers).

    :param timeout: seconds each warm-up task may take.
    """
    with quiet_fork_warning():
        futures = [pool.submit(time.sleep, 0.05) for _ in range(workers)]
        for f in futures:
            f.result(timeout)
