"""A big NumPy array for a worker: pickled to it versus placed in shared memory (needs NumPy)."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from ...core._checks import check_int, check_seconds
from ...core.harness import MIN_REPEATS, interleave
from ...core.hostinfo import collect_metadata
from ...core.results import Suite, Timing
from ._pools import context, managed_pool, method_of, warm
from ._workers import array_sum, shared_array_sum


def shared_memory_suite(
    nbytes: int = 64 * 1024 * 1024,
    *,
    repeats: int = MIN_REPEATS,
    start_method: str | None = None,
    timeout: float = 120.0,
) -> Suite:
    """Sum a float64 NumPy array of *nbytes* in a worker: pickled versus shared memory.

    Modes, taking turns repeat by repeat after one unmeasured run each
    (:func:`gilref.core.harness.interleave`):

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
    :param timeout: seconds one call to the worker may take.
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
    ctx = context(start_method)
    count = nbytes // 8
    # Create the block before the pool, so that the workers share this process's
    # resource tracker (created with the block) instead of starting their own.
    block = shared_memory.SharedMemory(create=True, size=count * 8)
    try:
        array = np.ndarray((count,), dtype=np.float64, buffer=block.buf)
        array[:] = np.arange(count, dtype=np.float64) % 1000
        expected = float(array.sum())
        modes = ("in-process", "pickled", "shared-memory")
        with managed_pool(1, start_method) as pool:
            warm(pool, 1, timeout)

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

            runs = [partial(run, m, array) for m in modes]
            values, _ = interleave(runs, repeats=repeats, warmups=1)
            del runs  # they hold the array too
        del array  # the block cannot close while an array still points into it
    finally:
        block.close()
        block.unlink()
    suite = Suite(metadata=collect_metadata())
    method = method_of(ctx)
    for mode, vals in zip(modes, values):
        suite.add(Timing("array-sum", mode, 1, tuple(vals), (),
                         {"bytes": count * 8, "dtype": "float64", "start_method": method}))
    return suite
