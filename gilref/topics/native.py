"""Native code that releases the GIL: NumPy and compiled Cython on 1…N threads.

Python threads run pure-Python code one at a time, but a C function that
releases the GIL runs in parallel with the others. This module measures that
with two kinds of native code:

* NumPy matrix products (:func:`numpy_suite`) with the BLAS library pinned to
  one thread (threadpoolctl), so that every bit of parallelism comes from the
  Python threads being measured, not from BLAS's own thread pool;
* a xorshift loop (:func:`xorshift_python`) and the same loop compiled by
  Cython from ``examples/cython_nogil.pyx`` (:mod:`gilref.topics.cythonbuild`), once
  holding the GIL and once releasing it, and split across OpenMP threads with
  ``prange`` (:func:`cython_suites`).

The core (the Python loop, configurations, timing) is standard library only;
NumPy and threadpoolctl are imported inside the functions that need them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import Any, Callable

from ..core._checks import check_int, check_seconds
from ..core.harness import DEFAULT_TIMEOUT, MIN_REPEATS, MeasurementTimeout, compare, interleave, thread_counts
from ..core.hostinfo import collect_metadata, usable_cpus
from ..core.results import Suite, Timing
from ..core.workloads import split_count

__all__ = [
    "SEED",
    "blas_info",
    "cython_suites",
    "numpy_suite",
    "speedup_at",
    "step_rows",
    "time_calls",
    "xorshift_python",
]

#: The xorshift64 starting value used by the Python loop and the Cython module.
SEED = 88172645463325252
_MASK = 0xFFFFFFFFFFFFFFFF


def xorshift_python(n: int, seed: int = SEED) -> int:
    """*n* xorshift64 steps from *seed* in pure Python; return the final value.

    The same loop as ``xorshift_steps`` in ``examples/cython_nogil.pyx``
    (64-bit wrap-around made explicit with a mask), so both give the same
    result. Every step runs Python bytecode: about 100-200 ns per step on
    CPython 3.11, holding the GIL throughout.

    :param n: steps (an ``int`` >= 0).
    :param seed: the starting value (0 <= seed < 2**64).
    """
    check_int("n", n, minimum=0)
    check_int("seed", seed, minimum=0)
    if seed > _MASK:
        raise ValueError(f"seed must fit in 64 bits, got {seed}")
    x = seed
    for _ in range(n):
        x ^= (x << 13) & _MASK
        x ^= x >> 7
        x ^= (x << 17) & _MASK
    return x


def _default_counts() -> list[int]:
    """:func:`~gilref.core.harness.thread_counts` for the usable CPUs, at least 2, so a
    one-CPU host still compares one thread with several."""
    return thread_counts(max(2, usable_cpus()))


def _configs(threads: Sequence[int]) -> list[tuple[str, int]]:
    if not threads:
        raise ValueError("threads must list at least one thread count")
    for t in threads:
        check_int("threads", t, minimum=1)
    if len(set(threads)) != len(threads):
        raise ValueError(f"threads must not repeat a count: {list(threads)}")
    return [("sequential", 1)] + [("threads", t) for t in threads]


def time_calls(
    calls: Sequence[tuple[str, str, int, Callable[[], Any]]],
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    params: dict[str, Any] | None = None,
    suite: Suite | None = None,
) -> Suite:
    """Time zero-argument *calls* in this thread, interleaved (A B C A B C ...).

    :param calls: ``(workload, mode, workers, call)``; each call runs one whole job.
    :param repeats: measured runs per call (>= 5).
    :param warmups: unmeasured runs per call first (>= 0).
    :param timeout: seconds one run may take; a longer run raises
        :class:`~gilref.core.harness.MeasurementTimeout` once it returns.
    :param params: parameters recorded with every timing.
    :returns: a suite with one timing (seconds) per call.
    """
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    check_seconds("timeout", timeout, allow_zero=False)
    if not calls:
        raise ValueError("calls must hold at least one (workload, mode, workers, call)")
    out = suite if suite is not None else Suite(metadata=collect_metadata())

    def once(call: Callable[[], Any], what: str) -> float:
        start = time.perf_counter()
        call()
        elapsed = time.perf_counter() - start
        if elapsed > timeout:
            raise MeasurementTimeout(f"{what} took {elapsed:.1f} s, more than the {timeout:g} s allowed")
        return elapsed

    values, warm = interleave([functools.partial(once, call, f"{w} ({m}, {k})") for w, m, k, call in calls],
                              repeats=repeats, warmups=warmups)
    for (w, m, k, _call), vals, warmed in zip(calls, values, warm):
        out.add(Timing(w, m, k, tuple(vals), tuple(warmed), dict(params or {})))
    return out


# -- NumPy ---------------------------------------------------------------------


def blas_info() -> list[dict[str, Any]]:
    """The BLAS/OpenMP thread pools NumPy uses here (threadpoolctl's report).

    :raises ImportError: with an install hint if numpy or threadpoolctl is missing.
    """
    _need("numpy")  # loads the BLAS library that threadpoolctl reports on
    threadpoolctl = _need("threadpoolctl")

    keep = ("user_api", "internal_api", "num_threads", "version", "threading_layer", "architecture")
    return [{k: pool.get(k) for k in keep} for pool in threadpoolctl.threadpool_info()]


def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"this measurement needs {module}: pip install {module} (or install gilref's 'docs' dependency group)"
        ) from None


def matmul_job(pairs: Sequence[tuple[Any, Any]]) -> float:
    """Multiply each ``(a, b)`` pair of NumPy arrays; return the sum of one corner.

    NumPy releases the GIL inside the BLAS call, so several threads running
    this at once run in parallel.
    """
    total = 0.0
    for a, b in pairs:
        total += float((a @ b)[0, 0])
    return total


def numpy_suite(
    size: int = 384,
    products: int = 48,
    threads: Sequence[int] | None = None,
    *,
    blas_threads: int = 1,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
) -> Suite:
    """*products* float64 matrix products of *size* × *size*, on 1 thread and on *threads*.

    The products are shared out between the threads, so every configuration
    does the same work. BLAS is limited to *blas_threads* threads for the
    whole measurement (threadpoolctl), so the speedup comes from the Python
    threads alone. Timing workload: ``"matmul"``.

    :param size: matrix side (>= 8).
    :param products: matrix products per job (>= 1).
    :param threads: thread counts (default: :func:`~gilref.core.harness.thread_counts`
        of the usable CPUs, at least 2).
    :param blas_threads: threads BLAS itself may use (>= 1).
    """
    check_int("size", size, minimum=8)
    check_int("products", products, minimum=1)
    check_int("blas_threads", blas_threads, minimum=1)
    counts = list(_default_counts() if threads is None else threads)
    configs = _configs(counts)
    np = _need("numpy")
    threadpoolctl = _need("threadpoolctl")
    rng = np.random.default_rng(0)
    pairs = [(rng.random((size, size)), rng.random((size, size))) for _ in range(min(products, 8))]
    work = [pairs[i % len(pairs)] for i in range(products)]

    def tasks(workers: int) -> list[tuple[Any, ...]]:
        return [(work[i::workers],) for i in range(workers) if work[i::workers]]

    before = blas_info()
    with threadpoolctl.threadpool_limits(limits=blas_threads, user_api="blas"):
        during = blas_info()
        suite = compare(
            matmul_job, tasks, configs=configs, repeats=repeats, warmups=warmups, timeout=timeout,
            workload="matmul",
            params={"size": size, "products": products, "blas_threads": blas_threads,
                    "numpy": str(np.__version__)},
        )
    suite.metadata["blas_before"] = before
    suite.metadata["blas_during"] = during
    return suite


# -- Cython --------------------------------------------------------------------


def _split_tasks(steps: int, workers: int) -> list[tuple[Any, ...]]:
    return [(c,) for c in split_count(steps, workers)]


def cython_suites(
    module: Any,
    *,
    steps_c: int = 100_000_000,
    steps_python: int = 1_000_000,
    threads: Sequence[int] | None = None,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Suite]:
    """The xorshift loop in Python, in Cython holding the GIL, and in Cython releasing it.

    Each variant runs its job (*steps_python* or *steps_c* steps, split evenly)
    on one thread and on every count in *threads*. The compiled loop is about a
    hundred times faster, so it gets more steps: compare variants by time per
    step (``params["steps"]``), and threads by speedup within a variant.

    A fourth suite, ``"prange"``, times one call that splits the steps across
    OpenMP threads with ``prange`` (mode ``"openmp"``), against the serial
    call as its baseline.

    :param module: the compiled ``cython_nogil`` module (see
        :func:`gilref.topics.cythonbuild.build`).
    :param steps_c: steps per job for the compiled variants (>= 1).
    :param steps_python: steps per job for the Python loop (>= 1).
    :returns: suites keyed ``"python"``, ``"cython_gil"``, ``"cython_nogil"``,
        ``"prange"``; workload ``"xorshift"`` in each.
    """
    check_int("steps_c", steps_c, minimum=1)
    check_int("steps_python", steps_python, minimum=1)
    for attr in ("xorshift_gil", "xorshift_nogil", "xorshift_prange", "built_with_openmp"):
        if not callable(getattr(module, attr, None)):
            raise TypeError(f"module must be the compiled cython_nogil module; it has no {attr}()")
    counts = list(_default_counts() if threads is None else threads)
    configs = _configs(counts)
    variants: list[tuple[str, Callable[..., Any], int]] = [
        ("python", xorshift_python, steps_python),
        ("cython_gil", module.xorshift_gil, steps_c),
        ("cython_nogil", module.xorshift_nogil, steps_c),
    ]
    out: dict[str, Suite] = {}
    for key, func, steps in variants:
        out[key] = compare(
            func,
            functools.partial(_split_tasks, steps),
            configs=configs, repeats=repeats, warmups=warmups, timeout=timeout,
            workload="xorshift", params={"steps": steps, "variant": key},
        )
    openmp = bool(module.built_with_openmp())
    calls: list[tuple[str, str, int, Callable[[], Any]]] = [
        ("xorshift", "sequential", 1, lambda: module.xorshift_nogil(steps_c)),
    ]
    for t in counts:
        calls.append(("xorshift", "openmp", t, functools.partial(module.xorshift_prange, steps_c, t)))
    out["prange"] = time_calls(
        calls, repeats=repeats, warmups=warmups, timeout=timeout,
        params={"steps": steps_c, "variant": "prange", "openmp": openmp},
    )
    return out


# -- Summaries -----------------------------------------------------------------


def speedup_at(suite: Suite, workload: str, mode: str, workers: int) -> float:
    """Speedup over one thread of *workload* run in *mode* on *workers* (ratio of medians)."""
    return suite.speedup(suite.get(workload, mode, workers))


def step_rows(suites: dict[str, Suite], labels: dict[str, str], workers: int) -> list[dict[str, Any]]:
    """One table row per xorshift variant: time per step on 1 and on *workers* threads.

    :param suites: as returned by :func:`cython_suites` (workload ``"xorshift"``).
    :param labels: a display name per suite key; only these keys are listed, in this order.
    :param workers: the thread count to compare with one thread.
    """
    rows = []
    for key, label in labels.items():
        suite = suites[key]
        base = suite.baseline("xorshift")
        mode = "openmp" if key == "prange" else "threads"
        many = suite.get("xorshift", mode, workers)
        steps = int(base.params["steps"])
        rows.append({
            "variant": label,
            "steps per job": f"{steps:,}",
            "ns per step, 1 thread": f"{base.median / steps * 1e9:.2f}",
            f"ns per step, {workers} threads": f"{many.median / steps * 1e9:.2f}",
            "speedup": f"{suite.speedup(many):.2f}×",
        })
    return rows
