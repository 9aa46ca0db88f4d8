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
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from ..core._checks import check_int, check_seconds
from ..core.harness import DEFAULT_TIMEOUT, MIN_REPEATS, MeasurementTimeout, compare, interleave, thread_counts
from ..core.hostinfo import collect_metadata, usable_cpus
from ..core.results import Suite, Timing
from ..core.verdicts import Claim, Interval, Invariant, at_most, check, invariant
from ..core.workloads import split_count
from ._crosscheck import fixed_cost, predicted_speedup

__all__ = [
    "CHECK_STEPS",
    "CPU_SLACK",
    "EXAMPLE_TOLERANCE",
    "GAIN",
    "NO_GAIN",
    "OMP_WAIT_POLICY_DOC",
    "ONE_THREAD_SLACK",
    "SAME_COST_SLACK",
    "SEED",
    "blas_info",
    "build_cython_invariants",
    "cython_invariants",
    "cython_suites",
    "example_band",
    "example_gap_reason",
    "gil_verdict",
    "nogil_verdict",
    "numpy_invariants",
    "numpy_suite",
    "numpy_verdict",
    "parse_build_cython",
    "prange_verdict",
    "python_verdict",
    "speedup_at",
    "step_rows",
    "step_table_note",
    "time_calls",
    "xorshift_python",
]

# -- thresholds of the verdicts and invariants ---------------------------------------

#: "Threads help": the speedup over one thread, at as many threads as CPUs, whose whole
#: quartile interval must be at or above 1.3 (on 2 CPUs the ideal is 2; 1.3 is a clear
#: gain that a loaded host still shows, and far above what the GIL allows).
GAIN = 1.3
#: "Threads do not help": the whole speedup interval stays below 1.2 (under the GIL
#: threads take turns, so about 1, less their hand-offs; 1.2 leaves room for noise).
NO_GAIN = 1.2
#: Slack over the CPU count before "a speedup of at most the CPUs" breaks: 10% (the
#: quartile bounds already take most noise; one-thread runs slowed by the host do the rest).
CPU_SLACK = 0.10
#: Steps each variant runs once, outside the timing, to check they all give the same value.
CHECK_STEPS = 10_000
#: How far apart (a fraction) the one-thread times of the compiled loop with the GIL
#: held and released may be before "they cost the same" breaks: 25%, on quartiles
#: (the same C loop; releasing the GIL once per call costs nothing measurable).
SAME_COST_SLACK = 0.25
#: How far apart (a fraction) a job's time on one worker thread and called directly
#: may be before "one thread is the sequential run" breaks: 25%, on quartiles (the
#: same job; starting one thread costs well under a millisecond).
ONE_THREAD_SLACK = 0.25

#: How far (a fraction, either way) the reader's script's speedup may lie outside the chapter's
#: quartile interval and still agree with it: 25%, the rule for an example's speedups elsewhere in
#: the book (one median of a few runs, with the threads' start inside the timing and no warm-up).
EXAMPLE_TOLERANCE = 0.25
#: The libgomp documentation of the wait policy an OpenMP team uses when OMP_WAIT_POLICY is unset.
OMP_WAIT_POLICY_DOC = "https://gcc.gnu.org/onlinedocs/libgomp/OMP_005fWAIT_005fPOLICY.html"

#: The xorshift64 starting value used by the Python loop and the Cython module.
SEED = 88172645463325252
_MASK = 0xFFFFFFFFFFFFFFFF


def xorshift_python(n: int, seed: int = SEED) -> int:
    """*n* xorshift64 steps from *seed* in pure Python; return the final value.

    The same loop as ``xorshift_steps`` in ``examples/cython_nogil.pyx``
    (64-bit wrap-around made explicit with a mask), so both give the same
    result. Every step runs Python bytecode, holding the GIL throughout (the
    chapter measures what a step costs).

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

    Before timing, each variant runs :data:`CHECK_STEPS` steps once (``prange``
    on one thread) and its final value is kept in the suite's
    ``metadata["result_check"]`` (as a string: it is a 64-bit number), for
    :func:`cython_invariants`.

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
    checked = {key: int(func(CHECK_STEPS)) for key, func, _ in variants}
    checked["prange"] = int(module.xorshift_prange(CHECK_STEPS, 1))
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
    for key, suite in out.items():
        suite.metadata["result_check"] = {"steps": CHECK_STEPS, "value": str(checked[key])}
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
            "speedup (quartile interval)": interval_text(suite.speedup_interval(many)),
        })
    return rows


def interval_text(s: Interval) -> str:
    """``1.98× (1.96–1.98×)``: the quartile interval shown in every row of a table. Where its ends
    print alike at two decimals they get a third, then a fourth (``1.98× (1.976–1.984×)``), and an
    interval still a point at that is said to be one (``1.98× (quartiles alike)``), never printed
    as a range from a value to itself."""
    for d in (2, 3, 4):
        low, high = f"{s.low:.{d}f}", f"{s.high:.{d}f}"
        if low != high:
            return f"{s.median:.2f}× ({low}–{high}×)"
    return f"{s.median:.2f}× (quartiles alike)"


def step_table_note(suites: Mapping[str, Suite], labels: Mapping[str, str], workers: int) -> str:
    """A sentence under :func:`step_rows`' table: what its speedup interval is, and, for each
    variant whose interval's top exceeds what *workers* threads on the host's CPUs allow,
    that it does (``""`` when no interval reaches past the CPUs).

    The interval divides one thread's slowest quartile by the threads' fastest, so its top
    is not any run's speedup; its median is the ratio of the medians.
    """
    over = []
    for key, label in labels.items():
        suite = suites[key]
        s = _at(suite, workers, "openmp" if key == "prange" else "threads")
        limit = min(workers, _cpus(suite))
        if round(s.high, 2) > limit:  # as printed: a top of 2.00× does not pass 2×
            over.append(f"{label}, at {s.high:.2f}×")
    if not over:
        return ""
    limit = min(workers, _cpus(next(iter(suites.values()))))
    return ("The speedup interval divides one thread's slowest quartile by the threads' fastest, and its "
            f"median is the ratio of the medians: its top is not any run's speedup, so it can pass the {limit}× "
            f"that {limit} CPUs allow, as it does here for " + " and for ".join(over) + ".")


# -- the reader's script's output --------------------------------------------------

_BC_HEAD = re.compile(r"^Python (\S+), module built (with OpenMP|without OpenMP)[^;]*; median of (\d+) runs?", re.M)
_BC_COLS = re.compile(r"^\s+ns/step\s+1 thread\s+(\d+) threads", re.M)
_BC_IDLE = re.compile(r"^\s+no work, (\d+) threads: a prange call ([\d.]+) ms \(([\d.]+) ms of CPU\), "
                      r"Python threads ([\d.]+) ms(?:; 1-minute load average ([\d.]+))?", re.M)
_BC_ROW = re.compile(r"^\s+(Python loop|Cython, GIL held|Cython, nogil|Cython, prange)\s+([\d.]+)\s+([\d.]+)s"
                     r"\s+([\d.]+)s\s+([\d.]+)x", re.M)
#: The rows of ``examples/build_cython.py``'s table, by the keys of :func:`cython_suites`.
BUILD_CYTHON_ROWS = {"Python loop": "python", "Cython, GIL held": "cython_gil", "Cython, nogil": "cython_nogil",
                     "Cython, prange": "prange"}


def parse_build_cython(text: str) -> dict[str, Any]:
    """The table ``examples/build_cython.py`` prints.

    :returns: ``{"python": version, "openmp": bool, "repeats": int, "threads": T,
        "rows": {key: {"ns_per_step", "one_s", "many_s", "speedup"}}, "idle": ...}`` with the
        keys of :func:`cython_suites` (seconds, nanoseconds, a factor); ``idle`` is what the same
        took with no work, ``{"team_s", "team_cpu_s", "threads_s"}`` (a prange call on T threads,
        its CPU time, starting and joining T Python threads; seconds), or None if not printed;
        ``prange_note`` whether the script printed its note on a prange call slower than the threads.
    :raises ValueError: if the header or the table is missing.
    """
    head, cols = _BC_HEAD.search(text), _BC_COLS.search(text)
    if head is None or cols is None:
        raise ValueError("no build_cython.py header in this output")
    rows = {BUILD_CYTHON_ROWS[m.group(1)]: {"ns_per_step": float(m.group(2)), "one_s": float(m.group(3)),
                                            "many_s": float(m.group(4)), "speedup": float(m.group(5))}
            for m in _BC_ROW.finditer(text)}
    if not rows:
        raise ValueError("no rows in build_cython.py's table")
    idle = _BC_IDLE.search(text)
    return {"python": head.group(1), "openmp": head.group(2) == "with OpenMP", "repeats": int(head.group(3)),
            "threads": int(cols.group(1)), "rows": rows, "prange_note": "note: Cython, prange took" in text,
            "idle": ({"team_s": float(idle.group(2)) / 1000, "team_cpu_s": float(idle.group(3)) / 1000,
                      "threads_s": float(idle.group(4)) / 1000,
                      "load": float(idle.group(5)) if idle.group(5) else None} if idle else None),
            "time_decimals": min(len(m.group(3).partition(".")[2]) for m in _BC_ROW.finditer(text))}


def ms_text(seconds: float, decimals: int = 6) -> str:
    """*seconds* as milliseconds, to the precision the figure it comes from was printed with: a
    difference of times printed to *decimals* decimals of a second is stated to ``decimals - 3``
    decimals of a millisecond (none finer), e.g. ``4.512 ms`` from microseconds; a figure that
    rounds to 0 at that precision reads ``under 0.001 ms`` (or ``under 1 ms``)."""
    places = max(decimals - 3, 0)
    ms = seconds * 1000
    if round(ms, places) == 0:
        return f"under {10 ** -places:.{places}f} ms"
    return f"{ms:.{places}f} ms"


def example_band(s: Interval, workers: int, cpus: int) -> tuple[float, float]:
    """The range the script's speedup may take and agree with the chapter's interval *s*: *s*
    widened by :data:`EXAMPLE_TOLERANCE` each way, its top capped at what *workers* threads reach
    on *cpus* CPUs (plus :data:`CPU_SLACK`; never below *s*'s own top)."""
    most = min(workers, cpus) if cpus else workers
    return s.low * (1 - EXAMPLE_TOLERANCE), min(s.high * (1 + EXAMPLE_TOLERANCE), max(most * (1 + CPU_SLACK), s.high))


def threads_start_text(example: Mapping[str, Any], cost_s: float) -> str:
    """A clause for a nogil run that paid less beyond a perfect split (*cost_s*, seconds) than the
    script's own no-work line says starting and joining its threads takes, or ``""``.

    Every threaded run of the script includes that start and join, so the two cannot both be
    typical: they are single medians from different moments of the script, and the clause gives
    the load the script recorded (when it printed one).
    """
    idle = example.get("idle") or {}
    started = idle.get("threads_s")
    if not started or cost_s >= started:
        return ""
    load = idle.get("load")
    at = f" (its 1-minute load average was {load:.2f})" if load is not None else ""
    return (f", although its own no-work line says starting and joining {example['threads']} threads took "
            f"{started * 1000:.3f} ms, and every threaded run includes that: the two are single medians from "
            f"different moments of the script{at}, so this page cannot say which of them is typical")


def example_gap_reason(example: Mapping[str, Any], key: str, suite: Suite, workers: int) -> str:
    """Why the script's speedup for variant *key* lies outside the chapter's interval, from the figures.

    Compares the seconds each pays per many-thread run beyond a perfect split of its one-thread
    time (``fixed_cost`` of the book's cross-check helpers), sets the chapter's cost on the script's
    job (its length, ``predicted_speedup``) and, for ``prange``,
    the script's own figures: what a prange call with no work cost it (a slow one with its CPU
    time near its wall time is waiting threads spinning, libgomp's default wait policy) and what
    the nogil threads paid on the same steps. ``""`` for the variants that hold the GIL (their
    threads take turns, a perfect split does not apply).
    """
    if key not in ("cython_nogil", "prange"):
        return ""
    row, mode = example["rows"][key], "openmp" if key == "prange" else "threads"
    t = int(example["threads"])
    base, many = suite.baseline("xorshift"), suite.get("xorshift", mode, workers)
    if t != workers or row["one_s"] <= 0 or row["many_s"] <= 0:
        return ""
    cost_ex, cost_here = fixed_cost(row["one_s"], row["many_s"], t), fixed_cost(base.median, many.median, t)
    pred = predicted_speedup(row["one_s"], cost_here, t)
    dec = int(example.get("time_decimals", 6))
    out = (f" Each of the script's {t}-thread runs took {ms_text(cost_ex, dec)} beyond a perfect split of its "
           f"one-thread time ({row['one_s']:.{dec}f} s), against {ms_text(cost_here)} here ({base.median:.4f} s)")
    out += threads_start_text(example, cost_ex) if key == "cython_nogil" else ""
    if row["speedup"] > _at(suite, workers, mode).high:
        return out + "; this chapter's runs paid more per run than the script's."
    if pred <= row["speedup"] * (1 + CPU_SLACK):
        if pred >= row["speedup"] * (1 - CPU_SLACK):
            return out + (f"; paying this chapter's cost per run on the script's job it would reach {pred:.2f}×, "
                          "about the script's figure: the job's length explains the gap.")
        return out + (f"; paying this chapter's cost per run on the script's job it would reach only {pred:.2f}×, "
                      "below the script's figure: the shorter job more than explains the gap (the script paid less "
                      "per run than this chapter).")
    out += (f"; this chapter's cost per run on the script's job would still give {pred:.2f}×, so the job's length "
            "does not explain the gap: the script paid more per run.")
    idle, nogil = example.get("idle"), example["rows"].get("cython_nogil")
    if key != "prange" or not idle:
        return out + " The script records no load, so this page cannot name what it paid for."
    extra = cost_ex - cost_here
    if nogil and nogil["many_s"] > 0 and nogil["one_s"] > 0:
        paid = fixed_cost(nogil["one_s"], nogil["many_s"], t)
        out += (f" Its nogil threads, on the same steps, paid {ms_text(paid, dec)} per run, "
                + ("so the prange calls, not the whole script, paid more." if cost_ex - paid > extra / 2 else
                   "about as much: the whole script's runs paid more than this chapter's, and the script records "
                   "no load."))
    team = idle["team_s"]
    if team >= extra / 2:
        spin = (f" (of which {idle['team_cpu_s'] * 1000:.3f} ms on a CPU: its waiting threads spin rather than "
                f"sleep, [libgomp's default wait policy]({OMP_WAIT_POLICY_DOC}), so while other programs hold a CPU "
                "the team waits for a time slice)" if idle["team_cpu_s"] >= team / 2 else "")
        return out + (f" A prange call with no work took {team * 1000:.3f} ms in the script{spin}: the OpenMP "
                      "team's start and join is most of the gap.")
    return out + (f" A prange call with no work took only {team * 1000:.3f} ms in the script, so the OpenMP team's "
                  "start is not the gap" + ("; its own note below says what its CPU times show." if
                                            example.get("prange_note") else "."))


def _example_note(example: Mapping[str, Any] | None, key: str, suites: Mapping[str, Suite], workers: int) -> str:
    """The reader's script's figure for variant *key* set beside the chapter's interval: inside it, or
    within :data:`EXAMPLE_TOLERANCE` of it (it agrees, and where outside the interval the computed
    reason, :func:`example_gap_reason`), or beyond (it does not agree, with the reason)."""
    if not example or key not in example.get("rows", {}):
        return ""
    suite = suites[key]
    cpus = _cpus(suite)
    s = _at(suite, workers, "openmp" if key == "prange" else "threads")
    x = example["rows"][key]["speedup"]
    said = (f" The reader's script below, run by this build on the same interpreter, measured {x:.2f}× on "
            f"{example['threads']} threads (the median of {example['repeats']} runs)")
    if x > min(example["threads"], cpus) * (1 + CPU_SLACK):
        return (said + f": more than {min(example['threads'], cpus)} threads on {cpus} CPUs can give, so the "
                "host's load disturbed the script's runs and its figure cannot stand against the interval "
                "measured above.")
    if s.low <= x <= s.high:
        return said + ", inside the chapter's interval: it agrees."
    lo, hi = example_band(s, workers, cpus)
    side = "below" if x < s.low else "above"
    reason = example_gap_reason(example, key, suite, workers)
    if lo <= x <= hi:
        return (said + f", {side} the chapter's interval but within the {EXAMPLE_TOLERANCE:.0%} this check allows "
                f"({lo:.2f}–{hi:.2f}×): it agrees." + (reason or " The script's median of few runs has no spread "
                                                        "of its own, and its threads' start is inside its timing."))
    return (said + f", {side} the chapter's interval and beyond the {EXAMPLE_TOLERANCE:.0%} this check allows "
            f"({lo:.2f}–{hi:.2f}×): it does not agree; the verdict rests on the interval measured above."
            + (reason or " The script's figure is the ratio of two medians of few runs, with the threads' start "
                         "inside the timing and no spread of its own."))


def _at(suite: Suite, workers: int, mode: str = "threads") -> Interval:
    return suite.speedup_interval(suite.get(suite.timings[0].workload, mode, workers))


# -- verdicts ------------------------------------------------------------------------


def threads_text(count: int) -> str:
    """``1 thread``, ``2 threads``: a thread count with its noun in the right number."""
    return f"{count:,} thread" + ("" if count == 1 else "s")


def blas_threads_text(pools: Sequence[Mapping[str, Any]]) -> str:
    """The threads each BLAS pool ran while measuring, e.g. ``1 thread`` (``n/a`` with no pool).

    :param pools: threadpoolctl's descriptions of the BLAS pools (``num_threads`` each).
    """
    counts = list(dict.fromkeys(int(p["num_threads"]) for p in pools))
    return " and ".join(threads_text(c) for c in counts) or "n/a"


def counts_text(counts: Sequence[int]) -> str:
    """Thread counts as prose: ``1, 2 and 4 threads``."""
    words = [f"{c:,}" for c in counts]
    head = ", ".join(words[:-1])
    return (f"{head} and {words[-1]}" if head else words[-1]) + (" threads" if counts != [1] else " thread")


def ceiling_note(s: Interval, workers: int, cpus: int) -> str:
    """A sentence for a speedup interval whose top exceeds what *workers* threads on *cpus* CPUs allow, or ``""``.

    The interval's top divides one thread's slowest quartile by the threads' fastest, so it
    carries the noise of both; the median is what the CPUs bound, and the invariant
    ``numpy_within_cpus`` allows :data:`CPU_SLACK` over them before it calls a run unsound.
    """
    limit = min(workers, cpus) if cpus else workers
    if round(s.high, 2) <= limit:  # as printed: a top of 2.00× does not pass 2×
        return ""
    if s.median <= limit:
        med = f"its median, {s.median:.2f}×, stays within the {limit}×"
    else:
        med = (f"even its median, {s.median:.2f}×, exceeds the {limit}× of {limit} CPUs, which this page "
               "cannot explain from its figures (a one-thread run slowed by the host would do it)")
    return (f" The interval's top, {s.high:.2f}×, is above the {limit}× that {limit} CPUs allow: it divides "
            f"one thread's slowest quartile by {workers} threads' fastest, so it carries the noise of both; "
            f"{med}. The book's check of every measurement allows {CPU_SLACK:.0%} over the CPU count "
            f"(up to {limit * (1 + CPU_SLACK):.2f}× here) before it calls a run unsound.")


def oversubscribed_text(suite: Suite, workers: int, mode: str = "threads", what: str = "the products",
                        kind: str = "threads") -> str:
    """A sentence for each thread count above the CPU count whose speedup fell below the one at
    *workers* beyond both spreads (``""`` when none did): what the page knows of it, and what not.

    :param mode: the timings' mode (``"threads"``, or ``"openmp"`` for ``prange``).
    :param what: the job, for the sentence (``the products``, ``the loop``).
    :param kind: the workers, for the sentence (``threads``, ``OpenMP threads``).
    """
    cpus = _cpus(suite)
    base = _at(suite, workers, mode)
    out = ""
    for t in suite.timings:
        if t.mode != mode or not cpus or t.workers <= max(cpus, workers):
            continue
        s = suite.speedup_interval(t)
        if s.high < base.low:
            cost = ("a matrix product (its memory traffic, the switches between threads)" if what == "the products"
                    else "this loop (the switches between threads)")
            out += (f" With {t.workers} {kind} on {cpus} CPUs {what} ran at {s.text()}, below the {base.text()} "
                    f"of {workers} {kind} beyond both spreads: the extra threads take turns on the same CPUs, and "
                    f"this page does not measure what those turns cost {cost}, so the drop is recorded here, "
                    "not explained.")
    return out


def numpy_verdict(suite: Suite, workers: int, why: str) -> Claim:
    """Claim ``numpy_verdict``: *workers* threads ran the matrix products at least
    :data:`GAIN` times as fast as one (speedup interval from the quartiles).

    :param suite: from :func:`numpy_suite` (workload ``"matmul"``).
    :param why: :func:`gilref.topics.contention.explain`, said when it falls short.
    """
    s = _at(suite, workers)
    return check(
        "numpy_verdict", "NumPy releases the GIL, so threads speed up NumPy-heavy code",
        s.at_least(GAIN), s=s, n=workers, why=why, gain=GAIN,
        cap=ceiling_note(s, workers, _cpus(suite)) + oversubscribed_text(suite, workers),
        supported="**Threads did help.** With BLAS held to one thread, {n} Python threads ran the "
                  "matrix products {s} faster than one: the GIL was free while BLAS worked.{cap}",
        contradicted="{n} Python threads ran the matrix products at only {s} one thread here, "
                     "although NumPy releases the GIL around its BLAS calls; {why}.",
        unclear="This run cannot tell whether {n} threads beat one by {gain:g}× on the matrix products: "
                "they reached {s}, an interval that straddles it; {why}.",
    )


def python_verdict(suites: Mapping[str, Suite], workers: int, example: Mapping[str, Any] | None = None) -> Claim:
    """Claim ``python_verdict``: the pure-Python loop's speedup interval at *workers* stays below :data:`NO_GAIN`."""
    s = _at(suites["python"], workers)
    return check(
        "python_verdict", "threads do not speed up a pure-Python loop under the GIL",
        s.below(NO_GAIN), s=s, n=workers,
        ex=_example_note(example, "python", suites, workers),
        limit=NO_GAIN,
        supported="**Pure Python: no gain.** {n} threads ran the Python loop at {s} one thread.{ex}",
        contradicted="{n} threads ran the pure-Python loop at {s} one thread: faster, which the GIL "
                     "should prevent (is this interpreter free-threaded?).{ex}",
        unclear="This run cannot tell whether threads gained on the Python loop: {n} threads ran at {s} "
                "one thread, an interval that straddles {limit:g}×.{ex}",
    )


def gil_verdict(suites: Mapping[str, Suite], workers: int, example: Mapping[str, Any] | None = None) -> Claim:
    """Claim ``gil_verdict``: the compiled loop that keeps the GIL stays below :data:`NO_GAIN` on threads.

    The sentence also says how much faster one step of that variant is than the Python loop's (one
    thread, medians per step; the script's figure from its own ``Cython, GIL held`` row).
    """
    s = _at(suites["cython_gil"], workers)
    # The variant this verdict is about: the compiled loop that keeps the GIL, one thread, per step.
    per = {k: suites[k].baseline("xorshift") for k in ("python", "cython_gil")}
    ratio = (per["python"].median / per["python"].params["steps"]) / (
        per["cython_gil"].median / per["cython_gil"].params["steps"])
    rows = (example or {}).get("rows", {})
    per_ex = ""
    if rows.get("python") and rows.get("cython_gil") and rows["cython_gil"]["ns_per_step"] > 0:
        per_ex = (f" (the script below: {rows['python']['ns_per_step'] / rows['cython_gil']['ns_per_step']:.0f}×, "
                  "on fewer steps)")
    return check(
        "gil_verdict", "compiling a loop does not help threads if the compiled code keeps the GIL",
        s.below(NO_GAIN), s=s, n=workers, r=ratio, per_ex=per_ex,
        ex=_example_note(example, "cython_gil", suites, workers),
        limit=NO_GAIN,
        supported="**Cython holding the GIL: no gain from threads.** Compiled, one step is {r:.0f}× "
                  "faster than in Python{per_ex}, but {n} threads still ran at {s} one thread: each call holds "
                  "the lock from start to end, so the threads take turns.{ex}",
        contradicted="{n} threads ran the compiled loop that holds the GIL at {s} one thread, which the "
                     "lock should prevent.{ex}",
        unclear="This run cannot tell: {n} threads ran the compiled loop that holds the GIL at {s} one "
                "thread, an interval that straddles {limit:g}×.{ex}",
    )


def nogil_verdict(suites: Mapping[str, Suite], workers: int, why: str,
                  example: Mapping[str, Any] | None = None) -> Claim:
    """Claim ``nogil_verdict``: the loop inside ``with nogil:`` reached :data:`GAIN` on *workers* threads."""
    s = _at(suites["cython_nogil"], workers)
    cpus = _cpus(suites["cython_nogil"])
    return check(
        "nogil_verdict", "compiled code that releases the GIL runs in parallel on threads",
        s.at_least(GAIN), s=s, n=workers, why=why, ex=_example_note(example, "cython_nogil", suites, workers),
        gain=GAIN, cap=ceiling_note(s, workers, cpus) + oversubscribed_text(suites["cython_nogil"], workers,
                                                                             what="the loop"),
        supported="**Cython releasing the GIL: parallel.** The same compiled loop inside `with nogil:` "
                  "ran on {n} threads at {s} one thread.{cap}{ex}",
        contradicted="Released from the GIL, the compiled loop reached only {s} one thread on {n} "
                     "threads here; {why}.{ex}",
        unclear="This run cannot tell whether the loop released from the GIL beat one thread by {gain:g}× "
                "on {n} threads: it reached {s}, an interval that straddles it; {why}.{ex}",
    )


def prange_verdict(suites: Mapping[str, Suite], workers: int, openmp: bool, why: str,
                   example: Mapping[str, Any] | None = None) -> Claim:
    """Claim ``prange_verdict``: one ``prange`` call on *workers* OpenMP threads reached
    :data:`GAIN` over the serial call; contradicted outright when built without OpenMP."""
    s = _at(suites["prange"], workers, "openmp")
    cpus = _cpus(suites["prange"])
    return check(
        "prange_verdict", "prange spreads one call over OpenMP threads",
        s.at_least(GAIN) if openmp else False, s=s, n=workers, why=why, gain=GAIN,
        cap=ceiling_note(s, workers, cpus) + oversubscribed_text(suites["prange"], workers, "openmp", "the loop",
                                                                 "OpenMP threads"),
        ex=_example_note(example, "prange", suites, workers),
        supported="**prange: parallel inside one call.** One call of `xorshift_prange` on {n} OpenMP "
                  "threads ran at {s} the serial loop, with no Python threads at all.{cap}{ex}",
        contradicted="One `prange` call on {n} OpenMP threads ran at {s} the serial loop. "
                     + ("The module was built without OpenMP, so the chains ran one after another."
                        if not openmp else "Measured with OpenMP on; {why}.") + "{ex}",
        unclear="This run cannot tell whether one `prange` call on {n} OpenMP threads beat the serial "
                "loop by {gain:g}×: it reached {s}, an interval that straddles it; {why}.{ex}",
    )


# -- invariants ----------------------------------------------------------------------


def _within_cpus(suite: Suite, mode: str, cpus: int) -> list[str]:
    """Labels of the timings whose whole speedup interval exceeds min(workers, cpus) beyond :data:`CPU_SLACK`."""
    workload = suite.timings[0].workload
    return [t.label for t in suite.select(workload, mode)
            if suite.speedup_interval(t).low > min(t.workers, cpus) * (1 + CPU_SLACK)]


def _one_thread_apart(suite: Suite, mode: str = "threads") -> list[str]:
    """The workloads whose one-worker run and sequential run differ beyond :data:`ONE_THREAD_SLACK`."""
    apart = []
    for workload in sorted({t.workload for t in suite.timings}):
        ones = [t for t in suite.select(workload, mode) if t.workers == 1]
        if not ones:
            continue
        seq, one = suite.baseline(workload), ones[0]
        if not (at_most(one.values, seq.values, slack=ONE_THREAD_SLACK)
                and at_most(seq.values, one.values, slack=ONE_THREAD_SLACK)):
            apart.append(f"{workload}: {seq.median:.3f} s called directly, {one.median:.3f} s on one {mode[:-1]}")
    return apart


def _cpus(suite: Suite) -> int:
    return int(suite.metadata.get("usable_cpus") or usable_cpus())


def numpy_invariants(suite: Suite) -> list[Invariant]:
    """:func:`numpy_suite`: no speedup beyond the CPU count (nor the thread count), and BLAS
    was held to the requested threads while measuring."""
    cpus = _cpus(suite)
    over = _within_cpus(suite, "threads", cpus)
    wanted = suite.baseline("matmul").params.get("blas_threads", 1)
    pools = [p for p in suite.metadata.get("blas_during", []) if p.get("user_api") == "blas"]
    pinned = all(p.get("num_threads") == wanted for p in pools)
    apart = _one_thread_apart(suite)
    return [
        invariant("numpy_one_thread_as_sequential", "the job took as long on one thread as called directly "
                  "(within {slack:.0%})", not apart, slack=ONE_THREAD_SLACK,
                  cause="the host's load changed between the runs ({apart})", apart="; ".join(apart) or "none"),
        invariant("numpy_within_cpus", "no thread count sped the products up more than its threads or "
                  "the {cpus} CPUs allow", not over, cpus=cpus,
                  cause="the one-thread runs were slowed more than the others (a busy host): {over}",
                  over=", ".join(over) or "none"),
        invariant("numpy_blas_pinned", "BLAS ran {wanted} thread(s) while measuring", pinned, wanted=wanted,
                  cause="threadpoolctl could not limit this BLAS ({pools})",
                  pools=", ".join(f"{p.get('internal_api')}: {p.get('num_threads')}" for p in pools) or "none found"),
    ]


def cython_invariants(suites: Mapping[str, Suite]) -> list[Invariant]:
    """:func:`cython_suites`: every variant gave the same value, and no speedup exceeds the CPUs."""
    values = {k: s.metadata.get("result_check", {}).get("value") for k, s in suites.items()}
    same = len(set(values.values())) == 1 and None not in values.values()
    over = []
    for key, suite in suites.items():
        over += [f"{key} {label}" for label in _within_cpus(suite, "openmp" if key == "prange" else "threads",
                                                             _cpus(suite))]
    cpus = _cpus(next(iter(suites.values())))
    out = []
    if "cython_gil" in suites and "cython_nogil" in suites:
        held, freed = suites["cython_gil"].baseline("xorshift"), suites["cython_nogil"].baseline("xorshift")
        alike = (at_most(held.values, freed.values, slack=SAME_COST_SLACK)
                 and at_most(freed.values, held.values, slack=SAME_COST_SLACK))
        out.append(invariant(
            "cython_same_cost", "on one thread the compiled loop cost the same with the GIL held and released "
            "(within {slack:.0%})", alike, slack=SAME_COST_SLACK,
            cause="the host's load changed between the runs of the two variants, which run the same C loop "
                  "(one thread: GIL held {h:.3f} s, released {f:.3f} s, medians)",
            h=held.median, f=freed.median))
    apart = [f"{key} {a}" for key, suite in suites.items()
             for a in _one_thread_apart(suite, "openmp" if key == "prange" else "threads")]
    out.append(invariant(
        "cython_one_thread_as_sequential", "every variant took as long on one thread as called directly "
        "(within {slack:.0%})", not apart, slack=ONE_THREAD_SLACK,
        cause="the host's load changed between the runs ({apart})", apart="; ".join(apart) or "none"))
    return [
        *out,
        invariant("cython_same_result", "every variant of the loop gave the same value after {steps:,} steps",
                  same, steps=CHECK_STEPS, cause="the compiled loop and the Python loop disagree: {values}",
                  values=", ".join(f"{k} {v}" for k, v in values.items())),
        invariant("cython_within_cpus", "no variant sped up more than its threads or the {cpus} CPUs allow",
                  not over, cpus=cpus, cause="the one-thread runs were slowed more than the others: {over}",
                  over=", ".join(over) or "none"),
    ]


def build_cython_invariants(example: Mapping[str, Any], cpus: int) -> list[Invariant]:
    """``examples/build_cython.py``'s table (:func:`parse_build_cython`): no speedup beyond
    its thread count or *cpus* (plus :data:`CPU_SLACK`)."""
    limit = min(int(example["threads"]), cpus)
    over = [f"{k} {r['speedup']:.2f}×" for k, r in example["rows"].items() if r["speedup"] > limit * (1 + CPU_SLACK)]
    return [invariant(
        "example_within_cpus", "the script's speedups were at most what {t} threads on {cpus} CPUs can give",
        not over, t=example["threads"], cpus=cpus,
        cause="the host's load changed between the script's one-thread and many-thread runs ({over})",
        over=", ".join(over) or "none")]
