"""Free-threaded CPython (PEP 703), measured: what the chapter runs in each interpreter.

Two halves:

* functions that run *inside* an interpreter, called through
  :func:`gilref.interp.child.call` (:func:`build_info`, :func:`countdown_scaling`,
  :func:`time_workload`, :func:`lost_updates`, :func:`numpy_report`,
  :func:`numpy_threads`);
* functions that orchestrate those calls from the book's interpreter over
  several :class:`Variant` s (an interpreter plus options such as ``-X gil=1``):
  :func:`variants`, :func:`scaling_suites`, :func:`single_thread_cost`,
  :func:`gil_switches`, :func:`counter_table`;
* the chapter's verdicts (:func:`scaling_verdict`, :func:`gil_on_verdict`,
  :func:`cost_verdict`, :func:`switches_verdict`, :func:`race_verdict`,
  :func:`lock_verdict`, :func:`cext_verdict`, :func:`example_verdict`), decided
  on intervals against the thresholds below, and the invariants each
  measurement must meet if it was sound (:func:`scaling_invariants`,
  :func:`threads_invariants`, :func:`cost_invariants`, :func:`counter_invariants`).

Standard library only; the in-interpreter half runs on CPython 3.9+ and PyPy.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import sysconfig
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..core._checks import check_int, check_seconds
from ..core.harness import (
    DEFAULT_TIMEOUT,
    MIN_REPEATS,
    MeasurementTimeout,
    compare,
    countdown_compare,
    interleave,
    run_threads,
)
from ..core.hostinfo import collect_metadata, gil_enabled
from ..core.results import Suite, Timing
from ..core.verdicts import Claim, Interval, Invariant, at_most, check, invariant, ratio_interval
from ..core.workloads import countdown, split_count
from ..interp.discover import Interpreter, discover, host
from ..interp.select import BuildPair, choose
from ._crosscheck import interpreter_differs, load_text, overlap

__all__ = [
    "CITED_OVERHEAD",
    "COST_SIZES",
    "CPU_SLACK",
    "EVAL_BREAKER_TEXT",
    "EVAL_BREAKER_URL",
    "EVAL_BREAKER_URL_311",
    "EVAL_BREAKER_URL_312",
    "EXAMPLE_SLACK",
    "EXAMPLE_TIME_SLACK",
    "EXAMPLE_TITLE",
    "GIL_ON_MAX",
    "GIL_SLACK",
    "HOST_PREFIX",
    "LOOP_REGRESSION_URL",
    "NUMPY_MIN",
    "PERFORMANCE_OPTIONS_URL",
    "SCALING_MIN",
    "SCALING_SHARE",
    "SLOWER_MIN",
    "UNEVEN_LOAD",
    "Variant",
    "build_config",
    "build_info",
    "build_note",
    "build_options",
    "cext_rows",
    "cext_verdict",
    "cost_invariants",
    "cost_verdict",
    "countdown_figures",
    "countdown_overhead_text",
    "countdown_scaling",
    "countdown_second_figure",
    "counter_invariants",
    "counter_table",
    "elsewhere_text",
    "example_interval",
    "example_one_thread",
    "example_speedups",
    "example_verdict",
    "executable_text",
    "gil_on_verdict",
    "gil_switches",
    "interval_text",
    "lock_verdict",
    "lost_updates",
    "numpy_report",
    "numpy_rows",
    "numpy_threads",
    "numpy_verdict",
    "objects",
    "past_bound_text",
    "percent_text",
    "prose_name",
    "quartiles_text",
    "race_verdict",
    "range_text",
    "release_loop",
    "scaling_invariants",
    "scaling_note",
    "scaling_rows_decided",
    "scaling_suites",
    "scaling_verdict",
    "sequential_of",
    "short_path",
    "single_thread_cost",
    "status_text",
    "switch_rows",
    "switches_verdict",
    "threads_invariants",
    "time_workload",
    "time_workloads",
    "uneven_text",
    "variants",
]

# -- thresholds: what the verdicts and invariants are decided against ---------------------

#: Share (a fraction) of the speedup the usable cores allow, ``min(threads, CPUs)``, that
#: *k* threads must reach over the sequential run, over the whole quartile interval, for
#: "without the GIL, threads scale" to hold at *k*: the cores' speedup less about a tenth
#: for starting and joining the threads and for the host's other work.
SCALING_SHARE = 0.9
#: Speedup (×) two threads must reach over the sequential run, over the whole
#: quartile interval: :data:`SCALING_SHARE` of the 2× two cores allow. The bar at
#: *k* threads is ``SCALING_SHARE × min(k, CPUs)`` (:func:`scaling_rows_decided`).
SCALING_MIN = 2 * SCALING_SHARE
#: Speedup (×) two threads must stay below, over the whole interval, for "with
#: the GIL on, threads do not scale": a GIL lets one thread run Python at a
#: time, so anything clearly above 1× (here 20% above) is not a GIL at work.
GIL_ON_MAX = 1.2
#: Invariant slack (a fraction) for a build whose GIL is on: on the quartiles,
#: N threads may look at most this much faster than the sequential run, or
#: than fewer threads, before the measurement counts as unsound (noise of a
#: busy host; a GIL allows no real gain).
GIL_SLACK = 0.15
#: Invariant slack (a fraction) for every build: on the quartiles, N threads
#: may beat the sequential run by at most min(N, CPUs) × (1 + this). More is
#: physically impossible: there are not more cores to run on.
CPU_SLACK = 0.10
#: The single-thread overhead (a fraction) the free-threaded build's ratio
#: interval must exceed throughout for "it is slower on one thread" to hold;
#: below it, the interleaved runs cannot tell a cost from timing noise.
SLOWER_MIN = 0.02
#: Speedup (×) two threads must reach, over the whole interval, on many small
#: NumPy operations on the free-threaded build: less than :data:`SCALING_MIN`,
#: because part of each operation is NumPy's own C code and its allocations.
NUMPY_MIN = 1.3
#: How far (a fraction) the reader's script's two-thread speedup interval may
#: lie from the chapter's and still agree with it: the two intervals agree
#: when they overlap once each is widened by this much. Small, because the
#: script's figure is the same ratio (two threads over one worker thread);
#: only the timer's and the host's noise on its shorter runs separates them.
EXAMPLE_SLACK = 0.02
#: How far (a fraction) the reader's script's one-thread time may lie from the
#: single-thread table's time for the same count on the same build and still
#: be called the same figure: both time one countdown on one thread, so only
#: noise (and the worker thread's start, well under a millisecond) separates them.
EXAMPLE_TIME_SLACK = 0.03
#: The 1-minute load average (runnable tasks, the script's own included) from which
#: :func:`uneven_text` names other work on the host as a cause of threads getting less than
#: every CPU: half a CPU's worth or more, beyond what the script itself adds (it runs a few
#: seconds, a small part of the minute the average covers).
UNEVEN_LOAD = 0.5
#: NumPy's header where ``NPY_BEGIN_THREADS_THRESHOLDED`` releases the GIL only for loops above 500 elements.
NUMPY_THRESHOLD_URL = "https://github.com/numpy/numpy/blob/v2.1.0/numpy/_core/include/numpy/ndarraytypes.h"
#: Where CPython's documentation recommends ``--enable-optimizations --with-lto``
#: (PGO and LTO) for the best performance.
PERFORMANCE_OPTIONS_URL = "https://docs.python.org/3/using/configure.html#performance-options"
#: The issue that reports loops running slower in CPython 3.12 and later than in 3.11.
LOOP_REGRESSION_URL = "https://github.com/python/cpython/issues/123540"
#: Python/bytecodes.c of CPython 3.13, where the instructions that check the
#: eval breaker are defined (``CHECK_EVAL_BREAKER`` / ``_CHECK_PERIODIC`` in
#: ``RESUME``, ``JUMP_BACKWARD`` and the ``CALL`` family).
EVAL_BREAKER_URL = "https://github.com/python/cpython/blob/v3.13.5/Python/bytecodes.c"
#: Python/ceval.c of CPython 3.11, where 3.11 checks its eval breaker at the
#: corresponding instructions.
EVAL_BREAKER_URL_311 = "https://github.com/python/cpython/blob/v3.11.7/Python/ceval.c"
#: Python/bytecodes.c of CPython 3.12, whose RESUME and calls check the eval breaker at
#: the same places with older code (``oparg < 2``, ``CHECK_EVAL_BREAKER()``).
EVAL_BREAKER_URL_312 = "https://github.com/python/cpython/blob/v3.12.0/Python/bytecodes.c"
#: Where a drop request is honoured, in the words every chapter uses.
EVAL_BREAKER_TEXT = (
    "a thread waiting for the GIL sets a drop request after one switch interval; the holder honours it only "
    "where the interpreter checks its *eval breaker*: in CPython 3.13 at `RESUME` (function entry "
    "and after a plain `yield`, not after `yield from`/`await`), at `JUMP_BACKWARD` (each turn of a loop), "
    "and after calls that return in place, mostly calls into C (a call into Python is checked at the callee's "
    "`RESUME`): the uses of `CHECK_EVAL_BREAKER` and `_CHECK_PERIODIC` in [Python/bytecodes.c]("
    + EVAL_BREAKER_URL + "); 3.12 checks at the same places with older code (in its [Python/bytecodes.c]("
    + EVAL_BREAKER_URL_312 + ") `RESUME` tests `oparg < 2`, and calls use `CHECK_EVAL_BREAKER()`); 3.11 checks at "
    "the corresponding instructions of [Python/ceval.c]("
    + EVAL_BREAKER_URL_311 + ")")

#: The workloads and sizes :func:`single_thread_cost` times by default (workload -> argument).
COST_SIZES = {"countdown": 2_000_000, "objects": 200_000}

#: Published single-thread overheads of the free-threaded build (cited, not measured here).
CITED_OVERHEAD = {
    "pep703": {
        "text": "5–6% (pyperformance 1.0.6, one thread: 6% on Intel Skylake, 5% on AMD Zen 3), "
                "measured on the nogil-3.12 prototype",
        "low": 0.05,
        "high": 0.06,
        "source": "PEP 703, section Performance",
        "url": "https://peps.python.org/pep-0703/#performance",
    },
    "docs313": {
        "text": "about 40% on the pyperformance suite in 3.13, mostly because the specializing "
                "adaptive interpreter (PEP 659) is disabled in the free-threaded build",
        "low": 0.40,
        "high": 0.40,
        "source": "Python 3.13 documentation, HOWTO “Python experimental support for free threading”, "
                  "section Single-threaded performance",
        "url": "https://docs.python.org/3.13/howto/free-threading-python.html#single-threaded-performance",
    },
}


# -- inside the interpreter ---------------------------------------------------------


#: What the table labels of the book's own interpreter begin with (``host: CPython 3.11.7 (GIL)``),
#: to tell it from a provisioned build of the same name in a table; prose names the build alone.
HOST_PREFIX = "host: "


def prose_name(label: str) -> str:
    """The build's name for a sentence: a table label without its :data:`HOST_PREFIX`.

    >>> prose_name("host: CPython 3.11.7 (GIL)")
    'CPython 3.11.7 (GIL)'
    """
    return label[len(HOST_PREFIX):] if label.startswith(HOST_PREFIX) else label


def build_info() -> dict[str, Any]:
    """How this interpreter was built and whether its GIL is on right now.

    Keys: ``python`` (implementation and version), ``py_gil_disabled``
    (``sysconfig.get_config_var("Py_GIL_DISABLED")``: 1 on free-threaded builds,
    0 or ``None`` elsewhere), ``gil_enabled`` (:func:`gilref.core.hostinfo.gil_enabled`:
    ``sys._is_gil_enabled()`` where it exists, else by implementation), ``x_gil`` (the ``-X gil``
    option, if given), ``env_python_gil`` (``$PYTHON_GIL``, if set).
    """
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "py_gil_disabled": sysconfig.get_config_var("Py_GIL_DISABLED"),
        "gil_enabled": gil_enabled(),
        "x_gil": getattr(sys, "_xoptions", {}).get("gil"),
        "env_python_gil": os.environ.get("PYTHON_GIL"),
    }


def countdown_scaling(
    n: int,
    threads: Sequence[int],
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
) -> Suite:
    """The countdown of *n* steps, one thread and split over each count in *threads*.

    Every configuration does the same *n* steps in total, so the speedup over
    the sequential run is a fair ratio. Includes ``("threads", 1)``: one
    worker thread, to show what starting a thread costs.

    :param n: total countdown steps (>= 1).
    :param threads: thread counts (each >= 1), e.g. ``[1, 2, 3, 4]``.
    """
    check_int("n", n, minimum=1)
    if not threads:
        raise ValueError("threads must list at least one thread count")
    counts = sorted({check_int("threads", w, minimum=1) for w in threads})
    configs = [("sequential", 1)] + [("threads", w) for w in counts]
    suite = countdown_compare(n, configs, repeats=repeats, warmups=warmups, timeout=timeout)
    suite.metadata["x_gil"] = getattr(sys, "_xoptions", {}).get("gil")
    suite.metadata["env_python_gil"] = os.environ.get("PYTHON_GIL")
    suite.metadata["build_config"] = build_config()
    return suite


def build_config() -> dict[str, str | None]:
    """How this interpreter was compiled, as its ``sysconfig`` records it.

    Keys ``CONFIG_ARGS`` (the ``./configure`` options), ``OPT`` (the
    optimisation flags) and ``PY_CFLAGS_NODIST``; a value is ``None`` where
    the interpreter does not record it (PyPy, some Windows builds).
    """
    out: dict[str, str | None] = {}
    for name in ("CONFIG_ARGS", "OPT", "PY_CFLAGS_NODIST"):
        value = sysconfig.get_config_var(name)
        out[name] = None if value is None else str(value)
    return out


class _Point:
    __slots__ = ("x", "y")

    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y


def _norm(p: _Point) -> int:
    return p.x * p.x + p.y * p.y


def objects(n: int) -> int:
    """A workload of ordinary object code: *n* small objects created, stored in a
    dict, looked up and passed to a function. Returns a checksum.

    Complements :func:`~gilref.core.workloads.countdown` (a bare integer loop) when
    the single-thread cost of a build is compared.
    """
    check_int("n", n, minimum=0)
    table: dict[int, _Point] = {}
    total = 0
    for i in range(n):
        p = _Point(i & 1023, i & 255)
        table[i & 4095] = p
        total += _norm(table[i & 4095])
    return total


_WORKLOADS = {"countdown": countdown, "objects": objects}


def time_workload(workload: str, n: int, repeats: int = 3, warmups: int = 1) -> list[float]:
    """Wall-clock seconds of *repeats* runs of *workload* (``"countdown"`` or
    ``"objects"``) with argument *n*, on one thread, after *warmups* runs."""
    if workload not in _WORKLOADS:
        raise ValueError(f"workload must be one of {sorted(_WORKLOADS)}, got {workload!r}")
    func = _WORKLOADS[workload]
    check_int("n", n, minimum=1)
    check_int("repeats", repeats, minimum=1)
    # One workload on one thread, timed inline: no helper call inside the timed
    # region. The interleaving (of builds) happens outside, in single_thread_cost.
    for _ in range(warmups):
        func(n)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        func(n)
        out.append(time.perf_counter() - start)
    return out


def time_workloads(sizes: Mapping[str, int], repeats: int = 2, warmups: int = 1) -> dict[str, list[float]]:
    """:func:`time_workload` for each ``workload -> argument`` of *sizes*; seconds per run."""
    return {w: time_workload(w, n, repeats=repeats, warmups=warmups) for w, n in sizes.items()}


class _Counter:
    def __init__(self) -> None:
        self.value = 0


def lost_updates(
    threads: int = 4,
    increments: int = 100_000,
    *,
    lock: bool = False,
    repeats: int = MIN_REPEATS,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """Increment one shared counter from *threads* threads, *increments* times each.

    ``counter.value += 1`` is a read, an add and a write; without a lock two
    threads can read the same value and one increment is lost. Returns
    ``expected`` (threads × increments), ``counted`` and ``lost`` (one entry
    per repeat) and the parameters.

    :raises TimeoutError: if the threads do not finish within *timeout* seconds.
    """
    check_int("threads", threads, minimum=1)
    check_int("increments", increments, minimum=1)
    check_int("repeats", repeats, minimum=1)
    check_seconds("timeout", timeout, allow_zero=False)
    expected = threads * increments
    counted = []
    for _ in range(repeats):
        counter = _Counter()
        guard = threading.Lock()

        # The threads wait at run_threads' start barrier, so they all count at once.
        def work(counter: _Counter = counter, guard: threading.Lock = guard) -> None:
            if lock:
                for _ in range(increments):
                    with guard:
                        counter.value += 1
            else:
                for _ in range(increments):
                    counter.value += 1

        try:
            run_threads([(work, ())] * threads, timeout, name="gilref-counter", start_together=True)
        except MeasurementTimeout:
            raise TimeoutError(f"{threads} counting threads did not finish within {timeout:g} s") from None
        counted.append(counter.value)
    return {
        "threads": threads,
        "increments": increments,
        "lock": lock,
        "expected": expected,
        "counted": counted,
        "lost": [expected - c for c in counted],
        "gil_enabled": build_info()["gil_enabled"],
        "python": build_info()["python"],
    }


def numpy_report() -> dict[str, Any]:
    """Import NumPy here and report its version, any warning, and the GIL before and after.

    ``available`` is ``False`` (with ``error``) where NumPy cannot be imported.
    """
    import warnings

    before = gil_enabled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import numpy
        except ImportError as exc:
            return {"available": False, "error": str(exc), "gil_before": before}
    return {
        "available": True,
        "version": numpy.__version__,
        "gil_before": before,
        "gil_after": gil_enabled(),
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    }


def _numpy_task(chunks: int, size: int) -> float:
    import numpy as np

    total = 0.0
    for i in range(chunks):
        a = np.arange(size, dtype=np.float64) + i
        total += float((a * a).sum())
    return total


def numpy_threads(
    chunks: int = 20_000,
    size: int = 64,
    threads: Sequence[int] = (2,),
    *,
    repeats: int = MIN_REPEATS,
    timeout: float = DEFAULT_TIMEOUT,
) -> Suite:
    """Many small NumPy operations (*chunks* arrays of *size* floats), on one
    thread and split over *threads*: with small arrays the time goes to the
    Python code around NumPy's C loops, which needs the GIL where there is one.
    """
    check_int("chunks", chunks, minimum=1)
    check_int("size", size, minimum=1)
    import numpy  # noqa: F401 - fail here, clearly, when NumPy is missing

    counts = sorted({check_int("threads", w, minimum=1) for w in threads})
    return compare(
        _numpy_task,
        lambda w: [(c, size) for c in split_count(chunks, w)],
        configs=[("sequential", 1)] + [("threads", w) for w in counts],
        repeats=repeats,
        workload="numpy-small",
        params={"chunks": chunks, "size": size},
        timeout=timeout,
    )


# -- orchestration from the book's interpreter ------------------------------------------


@dataclass(frozen=True)
class Variant:
    """An interpreter run with particular options, e.g. 3.13t with ``PYTHON_GIL=1``.

    :param label: a short name for tables and charts.
    :param executable: the interpreter's path.
    :param flags: interpreter options, e.g. ``("-X", "gil=1")``.
    :param env: extra environment variables, e.g. ``{"PYTHON_GIL": "1"}``.
    """

    label: str
    executable: str
    flags: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)

    def call(self, target: str, kwargs: Mapping[str, Any] | None = None, *, timeout: float = 300.0) -> Any:
        """:func:`gilref.interp.child.call` *target* in this variant."""
        from ..interp.child import call

        return call(self.executable, target, kwargs, timeout=timeout, flags=self.flags, env=dict(self.env))


def variants(
    interpreters: Sequence[Interpreter] | None = None, pair: BuildPair | None = None
) -> dict[str, Variant | None]:
    """The four configurations the chapter compares, from the interpreters found.

    Keys ``"host"``, ``"default"`` (the GIL build of the pair),
    ``"free-threaded"`` and ``"free-threaded, GIL on"`` (the same binary with
    ``-X gil=1``); a value is ``None`` when this host lacks that interpreter,
    and ``"host"`` is ``None`` when the host *is* the pair's GIL build (it
    would be measured twice).

    :param interpreters: default ``gilref.interp.discover.discover()``.
    :param pair: the builds to compare; default :func:`gilref.interp.select.choose`
        of *interpreters* (the book's one policy: the newest CPython series found
        in both builds).
    """
    found = list(interpreters) if interpreters is not None else discover()
    me = next((i for i in found if i.source == "host"), None) or host()
    chosen = pair if pair is not None else choose(found)
    gil, ft = chosen.gil, chosen.free_threaded
    same = gil is not None and os.path.realpath(gil.executable) == os.path.realpath(me.executable)
    return {
        "host": None if same else Variant(f"{HOST_PREFIX}{me.label}", me.executable),
        "default": Variant(gil.label, gil.executable) if gil else None,
        "free-threaded": Variant(ft.label, ft.executable) if ft else None,
        "free-threaded, GIL on": Variant(f"{ft.label}, -X gil=1", ft.executable, ("-X", "gil=1")) if ft else None,
    }


def scaling_suites(
    chosen: Sequence[Variant],
    n: int,
    threads: Sequence[int],
    *,
    repeats: int = MIN_REPEATS,
    timeout: float = 600.0,
) -> list[tuple[str, Suite]]:
    """:func:`countdown_scaling` in each variant (one child process each), as ``(label, suite)``."""
    out = []
    for v in chosen:
        data = v.call("gilref.topics.freethreading:countdown_scaling",
                      {"n": n, "threads": list(threads), "repeats": repeats}, timeout=timeout)
        out.append((v.label, Suite.from_dict(data)))
    return out


def single_thread_cost(
    default: Variant,
    threaded: Variant,
    *,
    sizes: Mapping[str, int] | None = None,
    rounds: int = MIN_REPEATS,
    per_round: int = 2,
    timeout: float = 300.0,
) -> Suite:
    """One-thread run time of each workload on the default and the free-threaded build.

    The two interpreters take turns (*rounds* child processes each, alternating),
    so a slow moment of the machine hits both alike; in each round a child runs
    every workload once to warm up, then *per_round* times, and contributes the
    median. Timings have mode ``"default-build"`` or ``"free-threaded"``.

    :param sizes: workload name -> argument (default: :data:`COST_SIZES`).
    """
    import statistics

    check_int("rounds", rounds, minimum=MIN_REPEATS)
    chosen = dict(sizes or COST_SIZES)
    builds = (("default-build", default), ("free-threaded", threaded))

    def one_child(v: Variant) -> dict[str, list[float]]:
        runs: dict[str, list[float]] = v.call("gilref.topics.freethreading:time_workloads",
                                              {"sizes": chosen, "repeats": per_round}, timeout=timeout)
        return runs

    per_build, _ = interleave([partial(one_child, v) for _, v in builds], repeats=rounds, warmups=0)
    values: dict[tuple[str, str], list[float]] = {}
    for r in range(rounds):  # in the order measured: round by round, default build first
        for (mode, _v), children in zip(builds, per_build):
            for workload, seconds in children[r].items():
                values.setdefault((workload, mode), []).append(statistics.median(seconds))
    suite = Suite(metadata=collect_metadata())
    for (workload, mode), vals in values.items():
        label = default.label if mode == "default-build" else threaded.label
        suite.add(Timing(workload, mode, 1, tuple(vals), params={"n": chosen[workload], "interpreter": label}))
    return suite


def gil_switches(ft: str, default: str | None = None, *, timeout: float = 60.0) -> list[dict[str, Any]]:
    """``-X gil`` and ``PYTHON_GIL`` tried on the free-threaded interpreter *ft*
    (and ``-X gil=0`` on the *default* build, which refuses it).

    One row per invocation: ``invocation``, ``py_gil_disabled``, ``gil_enabled``
    (``sys._is_gil_enabled()``), or ``error`` with the interpreter's message.
    """
    from ..interp.child import ChildError, call

    name = os.path.basename(ft)
    runs: list[tuple[str, str, list[str], dict[str, str]]] = [
        (f"{name}", ft, [], {}),
        (f"{name} -X gil=0", ft, ["-X", "gil=0"], {}),
        (f"{name} -X gil=1", ft, ["-X", "gil=1"], {}),
        (f"PYTHON_GIL=0 {name}", ft, [], {"PYTHON_GIL": "0"}),
        (f"PYTHON_GIL=1 {name}", ft, [], {"PYTHON_GIL": "1"}),
    ]
    if default:
        dname = os.path.basename(default)
        runs.append((f"{dname}", default, [], {}))
        runs.append((f"{dname} -X gil=0", default, ["-X", "gil=0"], {}))
    rows = []
    for label, exe, flags, env in runs:
        clean = {"PYTHON_GIL": ""} if "PYTHON_GIL" not in env else {}
        try:
            info = call(exe, "gilref.topics.freethreading:build_info", flags=flags, env={**clean, **env},
                        timeout=timeout)
            rows.append({"invocation": label, "py_gil_disabled": info["py_gil_disabled"],
                         "gil_enabled": info["gil_enabled"], "error": None})
        except ChildError as exc:
            lines = [ln.strip() for ln in str(exc).splitlines()[1:] if ln.strip()]
            message = next((ln for ln in lines if "not supported" in ln or "Error" in ln), lines[-1] if lines else "")
            rows.append({"invocation": label, "py_gil_disabled": None, "gil_enabled": None, "error": message})
    return rows


def counter_table(
    chosen: Sequence[Variant],
    *,
    threads: int = 4,
    increments: int = 100_000,
    repeats: int = MIN_REPEATS,
    timeout: float = 120.0,
) -> list[dict[str, Any]]:
    """:func:`lost_updates` without and with a lock in each variant; one row per (variant, lock)."""
    rows = []
    for v in chosen:
        for lock in (False, True):
            r = v.call("gilref.topics.freethreading:lost_updates",
                       {"threads": threads, "increments": increments, "lock": lock, "repeats": repeats,
                        "timeout": timeout / 2}, timeout=timeout)
            rows.append({"variant": v.label, **r})
    return rows


# -- rows and notes for the chapter ------------------------------------------------------


def interpreter_rows(interpreters: Sequence[Any]) -> list[dict[str, Any]]:
    """One table row per interpreter found: label, build (free-threaded or not), GIL at run time, where found,
    and the executable (its name, then its directory, so that the cell can wrap)."""
    rows = []
    for i in interpreters:
        rows.append({
            "interpreter": i.label,
            "free-threaded": "yes" if i.free_threaded else "no",
            "GIL": "unknown" if i.gil_enabled is None else "on" if i.gil_enabled else "off",
            "found": i.source,
            # the directory and the file apart: a long path in one code span cannot wrap and clips the table
            "executable": executable_text(i.executable),
        })
    return rows


def executable_text(path: str, cache: str | None = None) -> str:
    """An executable for a table cell that must not clip the table: its name, then its directory;
    a build in gilref's own cache (*cache*, default :func:`gilref.interp.store.pythons_dir`) is named
    by its folder there (``python3.13t`` in gilref's cache, ``cpython-3.13.5t/bin``), and one in a
    virtualenv by that (the one running this code, or the virtualenv's folder name), since the full
    path in one code span cannot wrap."""
    from ..interp.store import pythons_dir

    root = os.path.realpath(str(pythons_dir()) if cache is None else cache)
    name, folder = os.path.basename(path), os.path.dirname(path)
    real = os.path.realpath(folder)
    if real == root or real.startswith(root + os.sep):
        return f"`{name}` in gilref's cache, `{os.path.relpath(real, root)}`"
    venv = os.path.dirname(real)
    if os.path.isfile(os.path.join(venv, "pyvenv.cfg")):  # a virtualenv: where it lives is the host's business
        if os.path.realpath(sys.prefix) == venv:
            return f"`{name}` of the virtualenv that builds the book"
        return f"`{name}` of a virtualenv, `{os.path.basename(venv)}/{os.path.basename(real)}`"
    return f"`{name}` in `{short_path(folder)}`"


def short_path(path: str, home: str | None = None) -> str:
    """*path* with the home directory written ``~`` (a table shows where a build lives, not whose).

    >>> short_path("/root/.cache/gilref/pythons/x/bin/python3.13", home="/root")
    '~/.cache/gilref/pythons/x/bin/python3.13'
    """
    home = os.path.expanduser("~") if home is None else home
    home = home.rstrip("/")
    if home and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home):]
    return path


def status_text(ft_label: str, default_label: str | None, reason: str) -> str:
    """The sentence naming the builds measured below (by name: the table above has where they live)."""
    return (f"The free-threaded interpreter measured below is {ft_label}; the default build beside it is "
            + (default_label if default_label else "missing") + f": {reason}.")


def scaling_rows(pairs: Sequence[tuple[str, Suite]]) -> list[dict[str, Any]]:
    """One row per interpreter and thread count: median seconds, quartiles (:func:`quartiles_text`), speedup
    over the sequential run (with its interval from the quartiles). The number of runs goes in the quartiles'
    header (``quartiles of 5 runs (s)``) when every row has the same, else in a ``runs`` column."""
    rows = []
    for label, suite in pairs:
        for t in [suite.baseline("countdown"), *suite.select("countdown", "threads")]:
            s = t.summary
            rows.append({
                "interpreter": label,
                "configuration": "sequential" if t.mode == "sequential" else
                f"{t.workers} thread{'s' if t.workers > 1 else ''}",
                "median (s)": f"{s.median:.3f}",
                "quartiles (s)": quartiles_text(t),
                "speedup vs sequential": interval_text(suite.speedup_interval(t)),
            })
    runs = {len(t.values) for _, suite in pairs for t in suite.select("countdown")}
    if len(runs) == 1:  # one repeat count for every row: it goes in the header, the rows stay narrow
        head = f"quartiles of {runs.pop()} runs (s)"
        return [{(head if k == "quartiles (s)" else k): v for k, v in row.items()} for row in rows]
    for row, t in zip(rows, [t for _, suite in pairs
                             for t in [suite.baseline("countdown"), *suite.select("countdown", "threads")]]):
        row["runs"] = str(len(t.values))
    return rows


def range_text(low: float, high: float, fmt: str = ",", unit: str = "") -> str:
    """``0 – 120`` for a range of values; the one value, ``0 in every run``, when both ends print alike
    (a range from one value to itself is no range: the book's rule is median *and spread*, and a
    spread of nothing is said in words).

    >>> range_text(0, 0)
    '0 in every run'
    >>> range_text(3, 1_200)
    '3 – 1,200'
    """
    lo, hi = format(low, fmt), format(high, fmt)
    return f"{lo}{unit} in every run" if lo == hi else f"{lo}{unit} – {hi}{unit}"


def quartiles_text(t: Timing, digits: int = 3) -> str:
    """A timing's quartiles (s) for a table cell: ``0.156 – 0.162``, with one more decimal when
    *digits* print them alike (``0.1565 – 0.1569``), and when even that does not tell them apart, the
    one value with the reason there is no range: ``0.1570 (the middle half of 5 runs within 0.1 ms)``.
    A single run (no quartiles at all) says so: ``0.157 (one run: no spread)``."""
    s = t.summary
    if len(t.values) < 2:
        return f"{s.median:.{digits}f} (one run: no spread)"
    for d in (digits, digits + 1):
        lo, hi = f"{s.q1:.{d}f}", f"{s.q3:.{d}f}"
        if lo != hi:
            return f"{lo} – {hi}"
    step = 10.0 ** -(digits + 1)
    return (f"{s.median:.{digits + 1}f} (the middle half of {len(t.values)} runs within "
            f"{step * 1000:g} ms)")


def cost_rows(suite: Suite) -> list[dict[str, Any]]:
    """Per workload: default build and free-threaded medians and the free-threaded overhead (per cent,
    with its interval over the quartiles: the figure :func:`cost_verdict` states)."""
    rows = []
    for workload in dict.fromkeys(t.workload for t in suite.timings):
        d = suite.get(workload, "default-build")
        f = suite.get(workload, "free-threaded")
        rows.append({
            "workload": workload,
            "argument": f"{d.params['n']:,}",
            "default build (s)": f"{d.median:.3f}",
            "free-threaded (s)": f"{f.median:.3f}",
            "free-threaded overhead": percent_text(_overhead(ratio_interval(f.values, d.values))),
        })
    return rows


def _state(value: Any) -> str:
    """A recorded GIL state or config value as table text (no Python reprs: None is a blank)."""
    if value is True:
        return "on"
    if value is False:
        return "off"
    return "" if value is None else str(value)


def switch_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """:func:`gil_switches` rows as table rows: the command, ``Py_GIL_DISABLED``, the GIL, or the error."""
    return [{"started as": f"`{r['invocation']}`",
             "Py_GIL_DISABLED": "" if r["error"] is not None or r["py_gil_disabled"] is None
             else str(r["py_gil_disabled"]),
             "GIL (sys._is_gil_enabled())": "" if r["error"] is not None else _state(r["gil_enabled"]),
             "or it said": r["error"] or ""}
            for r in rows]


def cext_rows(reports: Sequence[tuple[str, str, Mapping[str, str], Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """``(module, declares?, environment, import_report)`` as table rows: the GIL before and after the import."""
    return [{"module": f"`{name}`", "declares Py_mod_gil": declared,
             "started with": " ".join(f"`{k}={v}`" for k, v in env.items()) or "(defaults)",
             "GIL before import": _state(r["gil_before"]), "GIL after import": _state(r["gil_after"]),
             "warning": ", ".join(w.split(":", 1)[0] for w in r["warnings"]) or "none"}
            for name, declared, env, r in reports]


def numpy_rows(pairs: Sequence[tuple[str, Suite]]) -> list[dict[str, Any]]:
    """:func:`numpy_threads` suites as rows: sequential and two-thread medians, speedup over the sequential run."""
    rows = []
    for label, s in pairs:
        two = s.get("numpy-small", "threads", 2)
        rows.append({"interpreter": label, "sequential (s)": f"{s.baseline('numpy-small').median:.3f}",
                     "2 threads (s)": f"{two.median:.3f}",
                     "speedup vs sequential": interval_text(s.speedup_interval(two))})
    return rows


def counter_rows(results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """:func:`counter_table` results as table rows: lost updates, median and range over the repeats."""
    import statistics

    rows = []
    for r in results:
        lost = r["lost"]
        rows.append({
            "interpreter": r["variant"],
            "lock": "yes" if r["lock"] else "no",
            "increments": f"{r['expected']:,}",
            "lost (median)": f"{statistics.median(lost):,.0f}",
            "lost (min – max)": range_text(min(lost), max(lost)),
            "lost share": f"{statistics.median(lost) / r['expected']:.1%}",
        })
    return rows


# -- verdicts ---------------------------------------------------------------------------


def _two_threads(suite: Suite, workload: str = "countdown") -> Interval:
    """The speedup of two threads over the sequential run, as an interval (×)."""
    return suite.speedup_interval(suite.get(workload, "threads", 2))


def _load_sentence(suite: Suite, workers: int) -> str:
    """A whole sentence on whether other programs competed while *suite* was measured, naming what
    they would explain (the shortfall from the threshold): from its recorded load average."""
    load = suite.metadata.get("load_average")
    cpus = int(suite.metadata.get("usable_cpus") or 1)
    if not load:
        return ("This run recorded no load average, so other programs competing for the CPUs cannot be ruled "
                "out as the cause of the shortfall.")
    x = float(load[0])
    if x - workers >= 0.5:
        return (f"Other programs were competing for the CPUs: the 1-minute load average was {x:.1f} on {cpus} "
                f"CPUs, of which this measurement's own {workers} threads account for at most {workers}; that "
                "alone can hold the speedup down.")
    return (f"Other programs were not competing for the CPUs: the 1-minute load average was {x:.1f} on "
            f"{cpus} CPUs, no more than this measurement's own {workers} threads.")


def scaling_rows_decided(suite: Suite, workload: str = "countdown") -> list[tuple[int, Interval, float, bool | None]]:
    """Each thread count of *suite* that has two or more cores to use, as ``(threads, speedup, bar, decided)``.

    *speedup* is the interval over the sequential run (×, from the quartiles); *bar* is
    :data:`SCALING_SHARE` × ``min(threads, CPUs)``; *decided* is ``speedup.at_least(bar)``
    (True, False, or None when the interval straddles the bar). Empty on a host with one CPU.
    """
    cpus = int(suite.metadata.get("usable_cpus") or 1)
    out = []
    for t in sorted(suite.select(workload, "threads"), key=lambda t: t.workers):
        cores = min(t.workers, cpus)
        if t.workers < 2 or cores < 2:
            continue
        s = suite.speedup_interval(t)
        bar = SCALING_SHARE * cores
        out.append((t.workers, s, bar, s.at_least(bar)))
    return out


def _scales(rows: Sequence[tuple[int, Interval, float, bool | None]]) -> bool | None:
    """The decision over every thread count: True when one count decides above its bar and none below;
    False when one decides below and none above; None otherwise (straddled everywhere, or mixed)."""
    decided = {d for *_, d in rows}
    if True in decided and False not in decided:
        return True
    if False in decided and True not in decided:
        return False
    return None


def _rows_text(rows: Sequence[tuple[int, Interval, float, bool | None]]) -> str:
    """``2 threads 1.87× (1.78–1.95×), reaching both sides of its 1.80× bar; 4 threads 1.90× (1.85–1.94×),
    above its 1.80× bar throughout``."""
    where = {True: "above its {bar:.2f}× bar throughout", False: "below its {bar:.2f}× bar throughout",
             None: "reaching both sides of its {bar:.2f}× bar"}
    return "; ".join(f"{k} threads {s.text()}, " + where[d].format(bar=bar) for k, s, bar, d in rows)


def release_loop(record: Mapping[str, Any] | None, suite: Suite, name: str = "scaling_ft") -> Suite | None:
    """The pure-Python loop the chapter on release points measured on the same build as *suite*, or ``None``.

    *record* is that chapter's record (``book.results_of("release-points")``, ``None`` when the
    edition lacks it); its suite *name* holds the loop (workload ``python_loop``: the same
    :func:`~gilref.core.workloads.countdown`, in units of a fixed count of steps) timed on 1, 2, ...
    threads in the free-threaded build. Returned only when it ran on the same build: same
    implementation, version and build (``python_version``, ``python_build``,
    ``free_threaded_build``) and GIL state as *suite*.
    """
    if not record:
        return None
    data = (record.get("suites") or {}).get(name)
    if not data:
        return None
    other = data if isinstance(data, Suite) else Suite.from_dict(data)
    keys = ("python_implementation", "python_version", "python_build", "free_threaded_build", "gil_enabled")
    if any(other.metadata.get(k) != suite.metadata.get(k) for k in keys) or not other.select("python_loop"):
        return None
    return Suite(timings=other.select("python_loop"), metadata=dict(other.metadata))


def _minutes_apart(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    from datetime import datetime

    try:
        return abs((datetime.fromisoformat(str(a["date"])) - datetime.fromisoformat(str(b["date"])))
                   .total_seconds()) / 60
    except (KeyError, ValueError, TypeError):
        return None


def _per_step(t: Timing, steps: int) -> Interval:
    """*t*'s quartiles and median over *steps* countdown steps, in nanoseconds per step."""
    return Interval(t.summary.q1 / steps * 1e9, t.median / steps * 1e9, t.summary.q3 / steps * 1e9)


def _ns_pair(here: Interval, there: Interval) -> str:
    """``31.9 ns`` when the medians print alike, else ``31.9 ns here and 33.0 ns there``."""
    a, b = f"{here.median:.1f}", f"{there.median:.1f}"
    return f"{a} ns" if a == b else f"{a} ns here and {b} ns there"


def elsewhere_text(suite: Suite, other: Suite, *, doc: str = "release-points") -> str:
    """Sentences setting *other* (:func:`release_loop`) beside *suite*'s countdown, thread count by thread count.

    States the other chapter's speedup at every thread count both measured, whether each pair of
    intervals overlaps (then the two agree within their repeats' spread, even where only one of
    them clears the bar), and, computed from both records, how the two runs differ: the job's size
    (steps, and how it is cut), the one-thread time per step (said to be the same when the two
    quartile ranges per step overlap: the jobs differ in size, so their seconds do not compare),
    the repeats, the load average when each started and how far apart they ran.
    """
    mine = {t.workers: suite.speedup_interval(t) for t in suite.select("countdown", "threads") if t.workers >= 2}
    theirs = {t.workers: other.speedup_interval(t) for t in other.select("python_loop", "threads")}
    common = sorted(set(mine) & set(theirs))
    if not common:
        return ""
    cpus = int(suite.metadata.get("usable_cpus") or 1)
    figures = "; ".join(f"{k} threads {theirs[k].text()}" for k in common)
    apart = [k for k in common if not overlap(mine[k], theirs[k])]
    # one figure: each run's median lies within the other's spread (overlapping edges alone do not make one),
    # decided at the precision the page prints (two decimals), so that 1.94× is within a printed 1.94–2.02×
    inside = {k: (_within_printed(mine[k].median, theirs[k]), _within_printed(theirs[k].median, mine[k]))
              for k in common}
    loose = [k for k in common if k not in apart and not all(inside[k])]
    split = [k for k in common if mine[k].at_least(SCALING_SHARE * min(k, cpus))
             != theirs[k].at_least(SCALING_SHARE * min(k, cpus))]
    base, obase = suite.baseline("countdown"), other.baseline("python_loop")
    n = int(base.params.get("n", 0))
    units, steps = int(obase.params.get("units", 0)), int(obase.params.get("steps_per_unit", 0))
    diffs = []
    same_speed = ""
    if n and units and steps:
        total = units * steps
        diffs.append(f"the job's size (this chapter counts {n:,} steps cut into one piece per thread, that one "
                     + (f"{total:,} in {units:,} countdowns of {steps:,} steps" if total != n else
                        f"{units:,} countdowns of {steps:,} steps")
                     + " shared out between the threads)")
        here, there = _per_step(base, n), _per_step(obase, total)
        if overlap(here, there) or f"{here.median:.1f}" == f"{there.median:.1f}":
            same_speed = (f" Per step one thread took the same time in both: {_ns_pair(here, there)} "
                          f"({base.median:.3f} s for this chapter's job, {obase.median:.3f} s for that one's).")
        else:
            diffs.append(f"one thread took {here.median:.1f} ns per step here and {there.median:.1f} ns there")
    else:
        diffs.append(f"one thread took {base.median:.3f} s here and {obase.median:.3f} s there")
    diffs.append(f"{len(base.values)} runs per thread count here, {len(obase.values)} there")
    la, lb = load_text(suite.metadata.get("load_average")), load_text(other.metadata.get("load_average"))
    diffs.append(f"the 1-minute load average was {la} at both starts" if la == lb else
                 f"the 1-minute load average was {la} when this run started and {lb} when that one did")
    gap = _minutes_apart(suite.metadata, other.metadata)
    if gap is not None:
        diffs.append("they ran within a minute of each other" if gap < 1 else
                     f"they ran {gap:.0f} minute{'' if round(gap) == 1 else 's'} apart")
    head = (f"Another chapter, {{doc}}`{doc}`, timed the same countdown loop on the same build, over its own "
            f"sequential run: {figures}.")
    what = " What differs between the runs: " + "; ".join(diffs) + "." + same_speed
    if apart:
        return (head + f" At {_counts(apart)} the two intervals do not overlap, so the runs measured different "
                "speeds." + what)
    if loose:
        medians = " ".join(_medians_text(k, mine[k], theirs[k], *inside[k]) for k in loose)
        return (head + f" The intervals overlap, but at {_counts(loose)} not closely enough to call them one "
                f"figure. {medians} Both runs are too spread out to say whether they measured one speed." + what)
    return (head + " At every thread count each run's median lies within the other's spread, so the two chapters "
            "agree" + (f" (at {_counts(split)} only one of them clears the bar: the bar falls inside the "
                       "spread, not between the two)" if split else "") + "." + what)


def _within_printed(x: float, i: Interval) -> bool:
    """Whether *x* lies within *i* as both print, to two decimals (ratios on this page print so)."""
    return round(i.low, 2) <= round(x, 2) <= round(i.high, 2)


def _medians_text(k: int, mine: Interval, theirs: Interval, mine_in: bool, theirs_in: bool) -> str:
    """One sentence: on *k* threads, which run's median lies within the other's spread and which does not."""
    a = f"this run's {mine.median:.2f}×"
    b = f"that run's {theirs.median:.2f}×"
    sa, sb = f"{theirs.low:.2f}–{theirs.high:.2f}×", f"{mine.low:.2f}–{mine.high:.2f}×"
    if mine_in:
        return f"On {k} threads {a} lies within that run's spread ({sa}), but {b} lies outside this one's ({sb})."
    if theirs_in:
        return f"On {k} threads {b} lies within this run's spread ({sb}), but {a} lies outside that one's ({sa})."
    return (f"On {k} threads neither median lies within the other run's spread ({a} against {sa}; {b} against "
            f"{sb}).")


def _counts(ks: Sequence[int]) -> str:
    """``2 threads``, ``2 and 4 threads``."""
    names = [str(k) for k in ks]
    return (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]) + " threads"


def scaling_verdict(suite: Suite, label: str, *, elsewhere: Suite | None = None) -> Claim:
    """Without the GIL, do threads run the countdown about as many times faster as there are cores for them?

    *suite* is :func:`countdown_scaling` on the free-threaded build (its metadata gives the usable
    CPUs and the load average). Every thread count with two or more cores to use is evidence
    (:func:`scaling_rows_decided`: at *k* threads the bar is :data:`SCALING_SHARE` × ``min(k, CPUs)``,
    1.8× at two threads on two or more CPUs): the verdict holds when one count's interval
    lies wholly above its bar and none wholly below, is contradicted when one lies wholly
    below and none above, and is undecided when every interval straddles its bar or the
    counts disagree. A host with fewer than two usable CPUs contradicts it (there is no
    second core to run on).

    *elsewhere*, when given (:func:`release_loop`), is the same loop on the same build timed by
    the chapter on release points; the sentence states its figures and whether, and how, the two
    runs differ (:func:`elsewhere_text`).
    """
    cpus = int(suite.metadata.get("usable_cpus") or 1)
    rows = scaling_rows_decided(suite)
    holds = _scales(rows) if cpus >= 2 and rows else False
    t1 = suite.baseline("countdown").median
    two = suite.get("countdown", "threads", 2)
    s = suite.speedup_interval(two)
    why_sentence = (f"This host has {cpus} usable CPU, so a second thread has no core to run on." if cpus < 2
                    else _load_sentence(suite, 2))
    decided = {d for *_, d in rows}
    mixed = True in decided and False in decided
    others = (" " + elsewhere_text(suite, elsewhere)) if elsewhere is not None else ""
    above = [k for k, s_k, _, _ in rows if round(s_k.high, 2) > cpus]  # as printed: 2.00x is not above 2x
    if above:  # an upper end past the cores is a ratio of quartiles, not a run's speedup
        others = (f" The upper ends above {cpus}× (at {_counts(above)}) are ratios of "
                  "quartiles, the slowest sequential runs over the fastest threaded ones, not the speedup of "
                  "any run." + others)
    return check(
        "scaling_verdict",
        "without the GIL, threads run the CPU-bound countdown nearly as many times faster as there are cores "
        "to run them",
        holds, s=s, t1=t1, t2=two.median, label=label, min=SCALING_MIN, share=SCALING_SHARE, cpus=cpus,
        rows=_rows_text(rows), why_sentence=why_sentence, others=others,
        supported="**Without the GIL, threads scale.** On {label}, two threads finished the countdown in "
                  "{t2:.3f} s against {t1:.3f} s for the sequential run. Over the sequential run, with "
                  "{cpus} CPUs: {rows}. Each bar is {share:.0%} of what the cores allow at that count "
                  "(a tenth is left for starting the threads and for the host's other work); at least one "
                  "count clears its bar over the whole interval and none falls below it, so the threads "
                  "ran on the cores there are.{others}",
        contradicted="On {label}, threads fell short of what the cores allow: over the sequential run, with "
                     "{cpus} CPUs, {rows}. " + ("{why_sentence}" if cpus >= 2 else
                                                "This host has {cpus} usable CPU, so a second thread has no "
                                                "core to run on.") + "{others}",
        unclear="On {label}, over the sequential run, with {cpus} CPUs: {rows}. "
                + ("The thread counts disagree, so this run cannot tell whether threads scale here. "
                   if mixed else
                   "No interval lies wholly on one side of its bar, so this run cannot tell whether "
                   "threads scale here. ")
                + "{why_sentence}{others}",
    )


def gil_on_verdict(free_threaded: Suite, gil_on: Suite, label: str) -> Claim:
    """Does the same free-threaded binary stop scaling with ``-X gil=1``?

    Holds when the two-thread speedup of *gil_on* stays below
    :data:`GIL_ON_MAX` throughout. Only when *free_threaded* (the same binary,
    GIL off) scaled in this run, as :func:`scaling_verdict` decides it (every thread count
    against its bar, :func:`scaling_rows_decided`), does the sentence put the difference
    down to the lock; otherwise it says that this run does not show it.
    """
    on, off = _two_threads(gil_on), _two_threads(free_threaded)
    verdict_off = _scales(scaling_rows_decided(free_threaded))  # the scaling verdict's own decision
    cause = ("the same binary scaled with the GIL off ({off} on two threads; the verdict above gives every "
             "count), so the difference is the lock and nothing else in the build." if verdict_off is True else
             "with the GIL off it reached {off} on two threads in this run, short of scaling itself, so this "
             "run does not show what the lock alone takes away." if verdict_off is False else
             "with the GIL off it reached {off} on two threads in this run, and the verdict above could not "
             "tell whether that is scaling, so the lock's whole cost is not pinned down here; the gap "
             "from {off} to the GIL's figure is the lock's doing all the same, in the same binary.")
    return check(
        "gil_on_verdict",
        "the same free-threaded binary with its GIL switched on does not scale",
        on.below(GIL_ON_MAX), on=on, off=off, label=label, max=GIL_ON_MAX,
        supported="With `-X gil=1` the very same binary ({label}) got no faster on two threads ({on} over "
                  "the sequential run); " + cause,
        contradicted="With `-X gil=1` the free-threaded binary still reached {on} over the sequential run on "
                     "two threads, above the {max:.1f}× a GIL allows: the measurement was disturbed.",
        unclear="With `-X gil=1` the free-threaded binary reached {on} on two threads: the repeats straddle "
                "the {max:.1f}× a GIL allows, so this run cannot tell.",
    )


def _overhead(ratio: Interval) -> Interval:
    """A time ratio (×) as an overhead (a fraction: 0.3 = 30% slower)."""
    return Interval(ratio.low - 1, ratio.median - 1, ratio.high - 1)


def interval_text(i: Interval) -> str:
    """``1.93× (1.90–1.97×)``: the median and the interval; the median alone when the interval's ends print
    alike (a point interval is no interval: the book's site check refuses ``1.00× (1.00–1.00×)``)."""
    return i.text(".2f", "×")


def percent_text(overhead: Interval) -> str:
    """An overhead interval (fractions) as signed per cent: ``+30% (+27% to +33%)``, ``−6% (−8% to +2%)``;
    the median alone when both ends print alike."""
    def one(x: float) -> str:
        return f"{x * 100:+.0f}%".replace("-", "\u2212")

    mid, low, high = one(overhead.median), one(overhead.low), one(overhead.high)
    return mid if low == high else f"{mid} ({low} to {high})"


def cost_verdict(cost: Suite, sequential: tuple[Suite, Suite] | None = None) -> Claim:
    """Is the free-threaded build slower than the default build on one thread?

    *cost* is :func:`single_thread_cost`; the verdict is decided on the
    ratio of the free-threaded to the default build's times of each workload
    (:func:`~gilref.core.verdicts.ratio_interval`): it holds when every
    workload's overhead interval exceeds :data:`SLOWER_MIN`, is contradicted
    when one workload's lies wholly below it, and is undecided otherwise.

    *sequential* is ``(default, free-threaded)`` :func:`countdown_scaling`
    suites: their sequential runs measure the same quantity on the countdown
    a second time, and the sentence states both, per step, and what separates
    them (:func:`countdown_second_figure`).
    """
    over = {w: _overhead(ratio_interval(cost.get(w, "free-threaded").values, cost.get(w, "default-build").values))
            for w in ("countdown", "objects")}
    states = [o.at_least(SLOWER_MIN) for o in over.values()]
    holds = True if all(states) else False if False in states else None
    n = int(cost.get("countdown", "default-build").params["n"])
    again = ""
    evidence: dict[str, Any] = {}
    if sequential is not None:
        again = " " + countdown_second_figure(cost, sequential)
        figures = countdown_figures(cost, sequential)
        evidence = {"seq": percent_text(figures["sequential"]), "seq_interval": figures["sequential"],
                    "steps": figures["steps"], "agree": figures["agree"]}
    slower = [w for w, st in zip(over, states) if st is False]
    return check(
        "cost_verdict",
        "the free-threaded build runs single-threaded code slower than the default build",
        holds, c=percent_text(over["countdown"]), o=percent_text(over["objects"]), n=n, min=SLOWER_MIN,
        countdown=over["countdown"], object_workload=over["objects"],
        not_slower=" and ".join(slower) or "none", **evidence,
        supported="**One thread pays.** Taking turns with the default build, the free-threaded build's time "
                  "came out {c} against the default build's on the countdown of {n:,} steps and {o} on the object "
                  "workload." + again,
        contradicted="The free-threaded build was not slower on one thread here (not slower: {not_slower}): its "
                     "time differed from the default build's by {c} on the countdown of {n:,} steps and {o} on "
                     "the object workload." + again,
        unclear="Taking turns with the default build, the free-threaded build's time differed from the default "
                "build's by {c} on the countdown of {n:,} steps and {o} on the object workload: the repeats "
                "reach below a {min:.0%} cost, so this run cannot say it is slower." + again,
    )


def countdown_figures(cost: Suite, sequential: tuple[Suite, Suite]) -> dict[str, Any]:
    """The countdown's single-thread overhead as the two runs of the chapter measured it.

    *cost* is :func:`single_thread_cost` (one child process per round and build);
    *sequential* is ``(default, free-threaded)`` :func:`countdown_scaling` suites
    (one child process per build, all repeats in it). Returns ``interleaved`` and
    ``sequential`` (overhead :class:`~gilref.core.verdicts.Interval`, fractions), ``agree`` (they overlap),
    ``ns`` (``{(run, mode): nanoseconds per step}``, medians; run ``"cost"`` or
    ``"scaling"``, mode ``"default-build"`` or ``"free-threaded"``), ``moved`` (the
    mode whose per-step time differs more between the runs), ``range_ns`` (that
    mode's lowest and highest per-process median in *cost*, ns per step),
    ``within`` (the scaling run's one process lies within that range), ``builds``
    (per mode: ``change``, the scaling run's per-step time over the cost run's minus 1, a
    fraction; its ``range_ns`` and ``within`` as above; ``processes``), ``processes``
    (rounds in *cost*), ``steps`` (the scaling run's count) and ``span``
    (the lowest low and highest high of the two overheads, an :class:`~gilref.core.verdicts.Interval`
    whose median is the interleaved one).
    """
    d, f = sequential
    inter = _overhead(ratio_interval(cost.get("countdown", "free-threaded").values,
                                     cost.get("countdown", "default-build").values))
    seq = _overhead(ratio_interval(f.baseline("countdown").values, d.baseline("countdown").values))
    n_cost = int(cost.get("countdown", "default-build").params["n"])
    steps = int(f.baseline("countdown").params.get("n", 0)) or n_cost
    ns = {("cost", m): cost.get("countdown", m).median / n_cost * 1e9 for m in ("default-build", "free-threaded")}
    ns[("scaling", "default-build")] = d.baseline("countdown").median / steps * 1e9
    ns[("scaling", "free-threaded")] = f.baseline("countdown").median / steps * 1e9

    def shift(m: str) -> float:
        return abs(ns[("scaling", m)] / ns[("cost", m)] - 1)

    builds: dict[str, dict[str, Any]] = {}
    for m in ("default-build", "free-threaded"):
        per = [v / n_cost * 1e9 for v in cost.get("countdown", m).values]
        builds[m] = {"change": ns[("scaling", m)] / ns[("cost", m)] - 1, "range_ns": (min(per), max(per)),
                     "within": min(per) <= ns[("scaling", m)] <= max(per), "processes": len(per)}
    moved = max(("default-build", "free-threaded"), key=shift)
    return {
        "interleaved": inter, "sequential": seq, "agree": seq.low <= inter.high and inter.low <= seq.high,
        "ns": ns, "moved": moved, "shift": shift(moved), "range_ns": builds[moved]["range_ns"],
        "within": builds[moved]["within"], "builds": builds, "processes": builds[moved]["processes"],
        "steps": steps,
        "span": Interval(min(inter.low, seq.low), inter.median, max(inter.high, seq.high)),
    }


def _signed_percent(fraction: float) -> str:
    """*fraction* as a signed whole per cent with a true minus sign, e.g. ``"+2%"``, ``"−2%"``, ``"0%"``."""
    text = f"{fraction:+.0%}"
    return "0%" if text in ("+0%", "-0%") else text.replace("-", "−")


def countdown_second_figure(cost: Suite, sequential: tuple[Suite, Suite]) -> str:
    """The sentence that sets the scaling run's sequential countdown beside :func:`single_thread_cost`'s.

    When the two overhead intervals overlap, it says so. When not, it gives both builds' time per
    step in both runs with each one's change, and for each build whether the scaling run's one
    process lies within the range the cost run's processes spread over. The gap is attributed to
    every build whose process lies outside its own range (both, when both moved; then
    process-to-process variation alone does not explain it); when none does, to which processes
    were sampled (the scaling run's tight repeats all come from one process). No figure is called
    the right one; the overhead is stated as the span of both.
    """
    x = countdown_figures(cost, sequential)
    head = (f"The sequential runs of the scaling measurement above ({x['steps']:,} steps) put the same "
            f"countdown overhead at {percent_text(x['sequential'])}")
    if x["agree"]:
        return head + ", which agrees within the spread."
    ns, builds = x["ns"], x["builds"]
    name = {"default-build": "default build", "free-threaded": "free-threaded build"}
    modes = ("default-build", "free-threaded")
    per_step = ", the ".join(
        f"{name[m]}{' took' if m == modes[0] else ''} {ns[('cost', m)]:.1f} ns here and "
        f"{ns[('scaling', m)]:.1f} ns there "
        f"({_signed_percent(builds[m]['change'])})" for m in modes)
    ranges = " and ".join(
        f"{builds[m]['range_ns'][0]:.1f}–{builds[m]['range_ns'][1]:.1f} ns per step on the {name[m]}" for m in modes)
    text = (f"{head}, not the same figure. Per step, the {per_step}. The scaling run timed each build in one "
            f"child process, so its repeats show that one process's spread only; here each build ran in "
            f"{x['processes']} processes, whose medians ranged {ranges}.")
    outside = [m for m in modes if not builds[m]["within"]]
    if not outside:
        text += (" On both builds the scaling run's one process lies within that range, so the two figures differ "
                 "by which processes they sampled (a run of a build goes a few per cent faster or slower from one "
                 "process start to the next).")
    else:
        if len(outside) == 2:
            ways = " and ".join(f"the {name[m]} {'slower' if builds[m]['change'] > 0 else 'faster'} there"
                                for m in modes)
            text += (f" The gap is both builds': each one's scaling-run process lies outside even its own range "
                     f"({ways})")
        else:
            m = outside[0]
            other = modes[1 - modes.index(m)]
            text += (f" The gap is the {name[m]}'s ({_signed_percent(builds[m]['change'])}): its scaling-run "
                     f"process lies outside even its own range, the {name[other]}'s within its")
        text += (", so process-to-process variation alone does not explain it; the host's load during one of "
                 "the runs may (this page cannot tell).")
    return text + (f" Neither run pins the overhead closer than both together: {percent_text(x['span'])} "
                   "on this host, the median being this table's.")


def sequential_of(suites: Mapping[str, Any], gil_label: str, ft_label: str) -> tuple[Suite, Suite] | None:
    """The ``(default, free-threaded)`` scaling suites from the free-threading chapter's recorded
    ``suites`` (keys ``"scaling: <label>"``, values :class:`~gilref.core.results.Suite` or their dicts); ``None`` when
    either is missing."""
    got = [suites.get(f"scaling: {label}") for label in (gil_label, ft_label)]
    if any(g is None for g in got):
        return None
    d, f = (g if isinstance(g, Suite) else Suite.from_dict(g) for g in got)
    return d, f


def countdown_overhead_text(cost: Suite, sequential: tuple[Suite, Suite] | None) -> str:
    """For other chapters: the countdown's single-thread overhead as both runs of the free-threading
    chapter measured it, e.g. ``+23% (+22% to +25%) with the builds taking turns, +34% (+32% to +35%)
    in the scaling run's sequential steps``; the first figure alone when *sequential* is ``None`` or
    the two overlap."""
    inter = _overhead(ratio_interval(cost.get("countdown", "free-threaded").values,
                                     cost.get("countdown", "default-build").values))
    if sequential is None:
        return percent_text(inter)
    x = countdown_figures(cost, sequential)
    if x["agree"]:
        return percent_text(inter)
    return (f"{percent_text(inter)} with the builds taking turns and {percent_text(x['sequential'])} in that "
            "chapter's scaling run (one process per build; that chapter says what separates the two)")


def switches_verdict(rows: Sequence[Mapping[str, Any]]) -> Claim:
    """Did ``-X gil`` and ``PYTHON_GIL`` switch the free-threaded build's GIL as documented?

    *rows* are :func:`gil_switches` rows; the first five are the
    free-threaded build started plainly, with ``-X gil=0``, ``-X gil=1``,
    ``PYTHON_GIL=0`` and ``PYTHON_GIL=1``, whose GIL must be off, off, on, off, on.
    """
    ft_rows = list(rows)[:5]
    onoff = {True: "on", False: "off"}
    expected = [False, False, True, False, True]
    wrong = "; ".join(f"`{r['invocation']}` gave GIL {onoff.get(r['gil_enabled'], 'unknown')}, not "
                      f"{onoff[want]}" for r, want in zip(ft_rows, expected) if r["gil_enabled"] is not want)
    missing = len(ft_rows) < len(expected)
    return check(
        "switches_work",
        "on the free-threaded build the GIL is off by default, and -X gil / PYTHON_GIL switch it",
        not wrong and not missing, wrong=wrong or "some invocations were not run",
        supported="**Both switches work as documented:** the free-threaded build starts with its GIL off, and "
                  "either `-X gil=1` or `PYTHON_GIL=1` turns it on for that process.",
        contradicted="The switches did not behave as documented here: {wrong}.",
    )


def _no_lock(counts: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(r["variant"]): r for r in counts if not r["lock"]}


def lock_verdict(counts: Sequence[Mapping[str, Any]]) -> Claim:
    """With a lock, was no update lost on any build? (:func:`counter_table` rows.)"""
    locked = [r for r in counts if r["lock"]]
    lost = {str(r["variant"]): max(r["lost"]) for r in locked}
    bad = ", ".join(f"{prose_name(k)}: {v:,}" for k, v in lost.items() if v) or "none"
    return check(
        "lock_verdict",
        "with a lock, no update is lost on any build",
        bool(locked) and not any(lost.values()), n=len(locked), bad=bad,
        supported="**With the lock, nothing was lost** on any of the {n} interpreters.",
        contradicted="Even with a lock, updates were lost ({bad}), which a working lock makes impossible.",
    )


def race_verdict(counts: Sequence[Mapping[str, Any]], label: str) -> Claim:
    """Without the GIL, does an unlocked shared counter lose updates? (:func:`counter_table` rows.)

    Decided on the quartiles of the free-threaded build *label*'s losses
    over the repeats: holds when even the first quartile lost at least one,
    contradicted when the third quartile lost none. The sentence also gives
    what the builds with a GIL lost, and why in these versions they lose none.
    """
    rows = _no_lock(counts)
    ft = rows[label]
    lost = Interval.of([float(x) for x in ft["lost"]])
    gil_lost = {k: statistics.median(r["lost"]) for k, r in rows.items() if r["gil_enabled"]}
    listed = ", ".join(f"{prose_name(k)}: {v:,.0f}" for k, v in gil_lost.items())
    if gil_lost and not any(gil_lost.values()):
        gil = (f"With a GIL nothing was lost ({listed}): {EVAL_BREAKER_TEXT}. None of those falls between the "
               "read and the write of this increment, so the GIL is never handed over inside it. That is an "
               "implementation detail, not a promise.")
    elif gil_lost:
        gil = (f"With a GIL some were lost too (median: {listed}): a thread switch fell between the read "
               "and the write.")
    else:
        gil = ""
    return check(
        "race_verdict",
        "without the GIL, an unlocked shared counter loses updates",
        lost.at_least(1), lost=lost, total=int(ft["expected"]), label=label, gil=gil,
        supported="**Without the GIL, updates were lost:** {label} lost a median of {lost.median:,.0f} of "
                  "{total:,} increments (quartiles {lost.low:,.0f} to {lost.high:,.0f}). {gil} The lock is "
                  "what makes the counter correct.",
        contradicted="{label} lost a median of {lost.median:,.0f} of {total:,} increments without a lock: the "
                     "race did not show in this run, although nothing prevents it.",
        unclear="{label} lost between {lost.low:,.0f} and {lost.high:,.0f} of {total:,} increments over the "
                "repeats without a lock: in some runs the race did not show, although nothing prevents it.",
    )


def cext_verdict(legacy: Mapping[str, Any], declared: Mapping[str, Any], forced: Mapping[str, Any]) -> Claim:
    """Does an extension without ``Py_mod_gil`` turn the GIL on, with a warning, and one with it not?

    The three arguments are :func:`gilref.topics.cext.import_report` results:
    the undeclared module, the declared one, and the undeclared one under ``PYTHON_GIL=0``.
    """
    onoff = {True: "on", False: "off", None: "unknown"}
    holds = (legacy["gil_after"] is True and any(w.startswith("RuntimeWarning") for w in legacy["warnings"])
             and declared["gil_after"] is False and not declared["warnings"])
    return check(
        "cext_verdict",
        "importing an extension that does not declare free-threading support re-enables the GIL, "
        "with a RuntimeWarning; declaring Py_MOD_GIL_NOT_USED keeps it off",
        holds, legacy=onoff[legacy["gil_after"]], declared=onoff[declared["gil_after"]],
        forced=onoff[forced["gil_after"]],
        supported="**One import is enough.** After importing `legacy` the GIL was {legacy} and a "
                  "`RuntimeWarning` said why; after importing `declared` it was {declared}. `PYTHON_GIL=0` "
                  "overrides the check at your own risk (the GIL after importing `legacy` that way: {forced}).",
        contradicted="The imports did not behave as documented: the GIL after `legacy` was {legacy}, after "
                     "`declared` {declared}.",
    )


_EXAMPLE_LINE = re.compile(r"^\s*(\d+) threads?\s+([\d.]+) s\s+([\d.]+)x one thread\s*$")


def example_speedups(output: str) -> dict[int, float]:
    """The speedups (×, over one worker thread) the reader's ``free_threading.py`` printed, by thread count.

    :raises ValueError: if the output holds no speedup line.
    """
    found = {int(m.group(1)): float(m.group(3)) for m in map(_EXAMPLE_LINE.match, output.splitlines()) if m}
    if not found:
        raise ValueError("no speedup lines in the example's output")
    return found


#: The warning title of :func:`example_verdict` when the script and the chapter disagree.
EXAMPLE_TITLE = "The example on this page disagrees with the measurement above"


def example_interval(data: Mapping[str, Any], threads: int = 2) -> Interval:
    """The reader's script's speedup of *threads* threads over one worker thread, as an interval (×).

    *data* is what ``free_threading.py --json FILE`` wrote: ``seconds`` maps a
    thread count (as text) to the seconds of every run.

    :raises ValueError: if *data* has no runs for one thread or for *threads*.
    """
    runs = data.get("seconds") or {}
    one, many = runs.get("1"), runs.get(str(threads))
    if not one or not many:
        raise ValueError(f"the example's data has no runs for 1 and {threads} threads")
    return ratio_interval([float(x) for x in one], [float(x) for x in many])


def _widened(i: Interval, slack: float) -> Interval:
    return Interval(i.low * (1 - slack), i.median, i.high * (1 + slack))


def _seconds_text(i: Interval, what: str, *, inside: bool = False) -> str:
    """``0.065 s (runs 0.064–0.066 s)`` (or ``0.065 s, runs …`` *inside* brackets); the median alone
    when the interval's ends print alike (a point interval is no interval)."""
    lo, hi = f"{i.low:.3f}", f"{i.high:.3f}"
    if lo == hi:
        return f"{i.median:.3f} s"
    return f"{i.median:.3f} s, {what} {lo}–{hi} s" if inside else f"{i.median:.3f} s ({what} {lo}–{hi} s)"


def uneven_text(data: Mapping[str, Any], cpus: int, chapter: Mapping[int, Interval] | None = None) -> str:
    """For each thread count of the script's run above *cpus*: its speedup beside what equal shares
    allow there. With k equal shares on c CPUs, if every thread stays on one
    CPU the busiest CPU runs ceil(k / c) of them, so the run takes ceil(k / c) / k of the work's time:
    k / ceil(k / c) (3 threads on 2 CPUs: 1.5×); a scheduler that time-shares the CPUs between them so
    that all finish together gives min(k, c). Both assume the threads had every CPU to themselves, so a
    figure below the lower one says they did not; the cause is named only as far as the script's data
    shows one: its fastest run reaching the lower figure (the median's dip is its few runs' noise), or
    the host's load average when it ran (:data:`UNEVEN_LOAD`); otherwise the sentence says that
    nothing it recorded tells why. A count that *cpus* divides is set beside the one figure both ways
    allow (*cpus*×) and explained the same way, so that no count above the CPUs stands unexplained.
    *chapter* (thread count → the chapter's own ratio of one thread over that many, an interval), when
    it has the count, is given beside the script's figure.
    ``""`` when no count above *cpus* was run."""
    secs = {int(k): [float(x) for x in v] for k, v in (data.get("seconds") or {}).items()}
    if 1 not in secs or cpus < 1:
        return ""
    one = statistics.median(secs[1])
    load = data.get("load_average")
    parts = []
    for k in sorted(secs):
        if k <= cpus:
            continue
        got = one / statistics.median(secs[k])
        best = one / min(secs[k])
        theirs = (f" (the chapter's runs above: {chapter[k].text()})" if chapter and k in chapter else "")
        fixed = k / -(-k // cpus)
        if got < fixed * (1 - EXAMPLE_SLACK):
            if best >= fixed * (1 - EXAMPLE_SLACK) and len(secs[k]) > 1:
                cause = (f"its fastest of {len(secs[k])} runs reached {best:.2f}×, so the median's dip is the "
                         f"noise of {len(secs[k])} runs of {statistics.median(secs[k]) * 1000:.0f} ms")
            elif load is not None and float(load) >= UNEVEN_LOAD:
                cause = (f"the host's 1-minute load average was {float(load):.1f} when the script ran, on {cpus} "
                         "CPUs, so other work took turns on them too")
            else:
                cause = "nothing the script records tells why"
            where = f"below even the lower figure, so the threads did not have the {cpus} CPUs to themselves; {cause}"
        elif got <= fixed * (1 + EXAMPLE_SLACK):
            where = "about the lower figure"
        else:
            where = "above the lower figure, so the scheduler moved threads between the CPUs"
        if k % cpus == 0:  # an even split: both ways of sharing allow the same figure
            where = where.replace(" even the lower figure", " it").replace("about the lower figure", "about it")
            if where.startswith("above"):
                where = "above it, which no split allows, so that is the noise of the script's few runs"
            parts.append(f"{k} threads ran {got:.2f}× one thread{theirs}, where {k} equal shares on {cpus} CPUs "
                         f"({k // cpus} on each) allow {fixed:.2f}×: {where}")
            continue
        parts.append(f"{k} threads ran {got:.2f}× one thread{theirs}, where {k} equal shares on {cpus} CPUs allow "
                     f"{fixed:.2f}× if each thread keeps its CPU ({-(-k // cpus)} share one) and "
                     f"{min(k, cpus):.2f}× only if the scheduler time-shares the CPUs so that all finish "
                     f"together: {where}")
    if not parts:
        return ""
    return ("Above the CPU count the script's threads share the CPUs, each count measured against "
            "what equal shares allow: " + "; ".join(parts) + ".")


def _percent(fraction: float, digits: int) -> str:
    """*fraction* as a per cent with *digits* decimals, e.g. ``_percent(0.034, 1) == "3.4%"``."""
    return f"{fraction * 100:.{digits}f}%"


def past_bound_text(value: float, bound: float) -> tuple[str, str]:
    """``(value, bound)`` as per cents (fractions in), each printed so that the comparison reads right.

    The bound prints with the fewest decimals (up to 2) that give it exactly, e.g. ``3%``; the value,
    which lies past the bound, with the fewest decimals (at least the bound's, up to 3) at which it
    prints larger than the bound as printed: 0.034 against 0.03 is ``3.4%``, not a ``3%`` that
    would read as no more than the ``3%`` beside it.
    """
    b = next((d for d in range(3) if abs(round(bound * 100, d) - bound * 100) < 1e-9), 2)
    bound_text = _percent(bound, b)
    shown = float(bound_text.rstrip("%"))
    v = next((d for d in range(b, 4) if round(value * 100, d) > shown), 3)
    return _percent(value, v), bound_text


def example_one_thread(cost: Suite | None, data: Mapping[str, Any], label: str) -> str:
    """A sentence setting the script's one-thread time beside the single-thread table's, or ``""``.

    Both time one countdown of the same count on one thread of the same build when the
    script's ``count`` equals the table's ``countdown`` argument and *label* names the
    table's free-threaded (or default) interpreter; otherwise there is nothing to compare.
    They agree when the script's runs (min–max) and the table's quartiles overlap, or
    their medians lie within :data:`EXAMPLE_TIME_SLACK` of each other; when not, the sentence gives the gap and
    the differences between the two runs that bear on a time (not on a ratio).
    """
    if cost is None or not (data.get("seconds") or {}).get("1"):
        return ""
    mode = next((t.mode for t in cost.timings
                 if t.workload == "countdown" and t.params.get("interpreter") == label), None)
    if mode is None:
        return ""
    table = cost.get("countdown", mode)
    if int(table.params.get("n", 0)) != int(data.get("count", -1)):
        return ""
    runs = [float(x) for x in data["seconds"]["1"]]
    ex = Interval(min(runs), statistics.median(runs), max(runs))
    tb = Interval(table.summary.q1, table.median, table.summary.q3)
    head = (f"Its one-thread time, {_seconds_text(ex, 'runs')}, is the same "
            f"countdown of {table.params['n']:,} steps on one thread of {prose_name(label)} as in the "
            f"single-thread table above ({_seconds_text(tb, 'quartiles', inside=True)})")
    gap = ex.median / tb.median - 1
    if abs(gap) <= EXAMPLE_TIME_SLACK:
        return head + f": the two agree ({abs(gap):.1%} apart)."
    if overlap(ex, tb):
        return (head + f": the medians lie {abs(gap):.0%} apart, but the script's runs spread over the table's "
                "quartiles, so the gap is the noise of its few runs on a busy host.")
    past, bound = past_bound_text(abs(gap), EXAMPLE_TIME_SLACK)
    return (head + f": {past} {'slower' if gap > 0 else 'faster'}, beyond the {bound} "
            f"that noise explains. The script times a worker thread it starts, with no warm-up run, "
            f"the median of {len(runs)} runs in one process; the table times the main thread after a warm-up, "
            f"the median of {len(table.values)} rounds, each a fresh process taking turns with the other "
            "build. The two ran minutes apart on a shared host, so the table's interleaved figure is the "
            "one to compare builds by.")


def example_verdict(suite: Suite, data: Mapping[str, Any], label: str, cost: Suite | None = None) -> Claim:
    """Does the reader's script, run on the page, agree with the chapter's two-thread measurement?

    *suite* is the chapter's :func:`countdown_scaling` on the interpreter the
    script ran on (*label*); *data* is what the script wrote with ``--json``;
    *cost* (:func:`single_thread_cost`), when given, adds :func:`example_one_thread`'s
    sentence on the script's one-thread time against the single-thread table's.
    Both are compared on the same ratio, two threads over one worker thread,
    as intervals over the repeats' quartiles: they agree when the two
    intervals, each widened by :data:`EXAMPLE_SLACK`, overlap. When they do
    not, the sentence gives the differences between the two runs that this
    page can compute (count, run length, repeats, warm-up, load, interpreter).
    """
    ex = example_interval(data)
    s = suite.speedup_interval(suite.get("countdown", "threads", 2))  # over the sequential run: on the page
    one = suite.get("countdown", "threads", 1)
    two = suite.get("countdown", "threads", 2)
    s1 = ratio_interval(one.values, two.values)  # the script's ratio, in the chapter's runs
    agree = overlap(_widened(ex, EXAMPLE_SLACK), _widened(s1, EXAMPLE_SLACK))
    how = ("the two intervals overlap" if overlap(ex, s1) else
           f"the two intervals overlap once each is widened by {EXAMPLE_SLACK:.0%} (the slack this page allows "
           "the script's shorter runs)")
    n = int(suite.baseline("countdown").params.get("n", 0))
    steps = int(data.get("count", 0))
    repeats, chapter_repeats = int(data.get("repeats", 0)), len(two.values)
    t2 = statistics.median(float(x) for x in data["seconds"]["2"])
    reasons = []
    if steps and n and steps < n:
        reasons.append(f"it counts down {steps:,} steps against the chapter's {n:,}, so each two-thread run "
                       f"lasts only {t2 * 1000:.0f} ms and a pause of one millisecond (another program, the "
                       f"scheduler) shifts it by {0.001 / t2:.1%}")
    if repeats and repeats < chapter_repeats:
        reasons.append(f"it takes {repeats} runs per thread count against the chapter's {chapter_repeats}")
    cpus = int(suite.metadata.get("usable_cpus") or data.get("cpus") or 1)
    if ex.low > min(2, cpus) * (1 + CPU_SLACK):
        reasons.insert(0, f"its own figure is above the {min(2, cpus)}× that two threads on {cpus} CPUs allow, "
                          "so its one-thread runs were slowed by other work")
    reasons.append("it runs no warm-up first, where the chapter does")
    loads = (load_text([data["load_average"]] if data.get("load_average") is not None else None),
             load_text(suite.metadata.get("load_average")))
    on = f"on {suite.metadata.get('usable_cpus', '?')} CPUs"
    reasons.append(f"the host's 1-minute load average was {loads[0]} both times ({on}), so load does not tell "
                   "them apart" if loads[0] == loads[1] else
                   f"the host's 1-minute load average was {loads[0]} when it ran and {loads[1]} at the "
                   f"measurement ({on})")
    named = {**data, "implementation": suite.metadata.get("python_implementation", data.get("implementation"))
             if str(data.get("implementation", "")).lower() == str(suite.metadata.get("python_implementation",
                                                                                      "")).lower()
             else data.get("implementation")}
    differs = interpreter_differs(suite.metadata, named) if suite.metadata.get("python_version") else ""
    if differs:
        reasons.append(f"it ran on another interpreter: {differs}")
    why = "; ".join(reasons)
    chapter = {t.workers: ratio_interval(one.values, t.values) for t in suite.select("countdown", "threads")
               if t.workers > cpus}
    times = " ".join(x for x in (example_one_thread(cost, data, label), uneven_text(data, cpus, chapter)) if x)
    times = f" {times}" if times else ""
    return check(
        "example_verdict",
        "the reader's script measures what the chapter measures",
        agree, ex=ex, s=s, s1=s1, label=prose_name(label), steps=steps, n=n, why=why, slack=EXAMPLE_SLACK, how=how,
        title=EXAMPLE_TITLE,
        supported="**The script agrees with the measurement.** Its two threads ran {ex} as fast as its one "
                  "worker thread on {label}; in the chapter's runs above the same ratio was {s1}, and {s} over "
                  "the sequential run: {how}. The script's is the rougher figure: {why}." + times,
        contradicted="The script's two threads ran {ex} as fast as its one worker thread on {label}; in the "
                     "chapter's runs above the same ratio was {s1}, and {s} over the sequential run: the two "
                     "intervals do not overlap, even widened by {slack:.0%} each. The runs differ: {why}." + times,
    )


def numpy_verdict(pairs: Sequence[tuple[str, Suite]], label: str) -> Claim:
    """Do two threads speed up many small NumPy operations on the free-threaded build *label*?

    *pairs* are ``(label, suite)`` of :func:`numpy_threads`. Holds when the
    free-threaded build's two-thread speedup interval is at least
    :data:`NUMPY_MIN` throughout; the sentence also gives the GIL build's, if measured.
    """
    suites = dict(pairs)
    s = _two_threads(suites[label], "numpy-small")
    others = "; ".join(f"{k}: {_two_threads(v, 'numpy-small').text()}" for k, v in pairs if k != label)
    slower = [k for k, v in pairs if k != label and _two_threads(v, "numpy-small").high < 1]
    gil_note = ("" if not slower else
                f" On {' and '.join(slower)} two threads took longer than the sequential run: with a GIL they can "
                "only take turns, so nothing of this loop runs in parallel. Turns at the switch interval alone "
                "would not cost this much (the countdown table above shows what they cost a pure-Python loop: "
                "little), and NumPy's macro for releasing the GIL around a loop releases it only above 500 "
                f"elements (`NPY_BEGIN_THREADS_THRESHOLDED`, [ndarraytypes.h]({NUMPY_THRESHOLD_URL})), not "
                "for these 64. So something else in the loop hands the GIL over far more often, each hand-off "
                "costing a wake-up (as {{doc}}`release-points` measures for sockets); which call that is, this "
                "page does not measure.")
    return check(
        "numpy_verdict",
        "without the GIL, threads speed up the Python code around NumPy's small operations",
        s.at_least(NUMPY_MIN), s=s, label=label, min=NUMPY_MIN, others=f" (with a GIL, {others})" if others else "",
        why_sentence=_load_sentence(suites[label], 2),
        supported="**Small NumPy operations scale without the GIL:** two threads on {label} ran {s} as fast as "
                  "the sequential run{others}." + gil_note,
        contradicted="Two threads on {label} ran only {s} as fast as the sequential run{others}, short of the "
                     "{min:.1f}× two free cores should give to this Python-heavy work. {why_sentence}"
                     + gil_note,
        unclear="Two threads on {label} ran {s} as fast as the sequential run{others}: the interval reaches "
                "both sides of the {min:.1f}× this verdict asks for, so this run cannot tell whether the Python "
                "code around small NumPy operations scales without the GIL. {why_sentence}" + gil_note,
    )


def scaling_note(pairs: Sequence[tuple[str, Suite]], *, tolerance: float = 0.03) -> str:
    """A sentence for each build with its GIL on whose median time *fell* going to more threads.

    A GIL runs one thread's Python at a time, so more threads cannot finish
    sooner; a median that fell by more than *tolerance* (a fraction) is either
    noise within the repeats' spread (then :func:`scaling_invariants` holds
    and the sentence says so, with the quartiles) or a disturbed run (the
    invariants' note says so). Empty when no such median is on the table.
    """
    out = []
    for label, suite in pairs:
        if suite.metadata.get("gil_enabled") is False:
            continue
        timings = sorted(suite.select("countdown", "threads"), key=lambda t: t.workers)
        for a, b in zip(timings, timings[1:]):
            if b.median >= a.median * (1 - tolerance):
                continue
            overlap = b.summary.q3 >= a.summary.q1
            out.append(
                f"On {prose_name(label)}, which has its GIL on, {b.workers} threads took {b.median:.3f} s against "
                f"{a.median:.3f} s for {a.workers}: "
                + (f"the repeats overlap (quartiles {b.summary.q1:.3f}–{b.summary.q3:.3f} s and "
                   f"{a.summary.q1:.3f}–{a.summary.q3:.3f} s), so this is the noise of a busy host, not a gain: "
                   "a GIL lets only one thread run Python at a time."
                   if overlap else
                   "the repeats do not even overlap, which a GIL does not allow: those runs were disturbed."))
    return " ".join(out)


def _flag_on(args: str, option: str) -> bool:
    """Whether *option* (e.g. ``--with-lto``) is given in configure *args* and not set to ``no``."""
    for word in args.replace("'", " ").replace('"', " ").split():
        if word == option or (word.startswith(option + "=") and word.split("=", 1)[1] not in ("no", "0")):
            return True
    return False


def build_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """What a :func:`build_config` record says about the compiler's optimisations.

    :returns: ``pgo`` (``--enable-optimizations`` given: profile-guided optimisation),
        ``lto`` (``--with-lto`` given: link-time optimisation), ``level`` (the last ``-O…``
        flag of ``OPT``, e.g. ``"-O3"``, or ``None``), ``known`` (the record had ``CONFIG_ARGS``).

    >>> build_options({"CONFIG_ARGS": "'--enable-shared' '--with-lto=thin'", "OPT": "-DNDEBUG -g -O3 -Wall"})
    {'pgo': False, 'lto': True, 'level': '-O3', 'known': True}
    """
    args = config.get("CONFIG_ARGS")
    levels = re.findall(r"(?<!\S)-O(?:\d|s|z|fast|g)?(?!\S)", str(config.get("OPT") or ""))
    return {"pgo": bool(args) and _flag_on(str(args), "--enable-optimizations"),
            "lto": bool(args) and _flag_on(str(args), "--with-lto"),
            "level": levels[-1] if levels else None, "known": args is not None}


def _options_text(o: Mapping[str, Any]) -> str:
    level = f"`{o['level']}`" if o["level"] else "no -O flag"
    if o["pgo"] and o["lto"]:
        return f"{level} with PGO and LTO"
    if o["pgo"] or o["lto"]:
        return f"{level} with {'PGO' if o['pgo'] else 'LTO'} but without {'LTO' if o['pgo'] else 'PGO'}"
    return f"{level}, without PGO or LTO"


def build_note(pairs: Sequence[tuple[str, Suite]]) -> str:
    """Why the interpreters' times differ before any thread is added, from their build records.

    Reads each suite's ``build_config`` (recorded by :func:`countdown_scaling` inside the
    interpreter, from its ``sysconfig``), says how each was compiled, and whether build
    options can explain the gap between them: when none was built with PGO or LTO they are
    compiled alike, and a slower CPython 3.12+ default build against a 3.11 one is the loop
    regression reported upstream (:data:`LOOP_REGRESSION_URL`). Empty when no suite
    recorded its build.
    """
    seen: dict[tuple[Any, Any], tuple[str, Suite, dict[str, Any]]] = {}
    for label, suite in pairs:
        md = suite.metadata
        if not md.get("build_config") or md.get("x_gil") or md.get("env_python_gil"):
            continue  # the same binary with its GIL forced on was compiled once
        seen.setdefault((md.get("python_version"), md.get("free_threaded_build")),
                        (label, suite, build_options(md["build_config"])))
    if not seen:
        return ""
    built = [(label, suite, o) for label, suite, o in seen.values() if o["known"]]
    parts = [f"{prose_name(label)} was built with {_options_text(o)}" for label, _, o in built]
    out = ("How each interpreter was compiled, as its own `sysconfig` records it (`OPT` and `CONFIG_ARGS`): "
           + "; ".join(parts) + ".") if parts else ""
    perf = (f"[profile-guided and link-time optimisation]({PERFORMANCE_OPTIONS_URL}) (`--enable-optimizations`, "
            "`--with-lto`), which CPython's documentation recommends for the best performance and which "
            "released binaries usually have")
    alike = bool(built) and not any(o["pgo"] or o["lto"] for _, _, o in built)
    if alike:
        out += (f" None has {perf}, so every time here is slower than such a binary's would be, and the "
                "builds differ in version and GIL, not in compiler options.")
    elif len({(o["pgo"], o["lto"]) for _, _, o in built}) > 1:
        out += (f" They differ in {perf}: part of the gap between them is the compiler's, not Python's.")

    def series(suite: Suite) -> tuple[int, ...]:
        m = re.match(r"(\d+)\.(\d+)", str(suite.metadata.get("python_version", "")))
        return (int(m.group(1)), int(m.group(2))) if m else ()

    old = [(label, s) for label, s, _ in seen.values()
           if s.metadata.get("python_implementation") == "CPython" and () < series(s) < (3, 12)
           and not s.metadata.get("free_threaded_build")]
    new = [(label, s) for label, s, _ in seen.values()
           if s.metadata.get("python_implementation") == "CPython" and series(s) >= (3, 12)
           and not s.metadata.get("free_threaded_build")]
    if alike and old and new:
        (ol, os_), (nl, ns) = old[0], new[0]
        ol, nl = prose_name(ol), prose_name(nl)
        r = ratio_interval(ns.baseline("countdown").values, os_.baseline("countdown").values)
        if r.low > 1:
            out += (f" With the same options, the countdown's sequential run took {interval_text(r)} as long on {nl} "
                    f"({ns.baseline('countdown').median:.3f} s) as on {ol} ({os_.baseline('countdown').median:.3f} s): "
                    f"loops of simple statements run slower on CPython 3.12 and later than on 3.11, a regression "
                    f"reported upstream ([python/cpython#123540]({LOOP_REGRESSION_URL}), “Performance regression "
                    "for loops in 3.12 vs 3.11”).")
            ft = [(label, s) for label, s, _ in seen.values() if s.metadata.get("free_threaded_build")]
            if ft:
                fl, fs = ft[0]
                fl = prose_name(fl)
                best = min(fs.select("countdown", "threads"), key=lambda t: t.median)
                if best.median > os_.baseline("countdown").median:
                    out += (f" It is why {fl}, fastest on {best.workers} threads ({best.median:.3f} s), still "
                            f"took longer than {ol} on one: the free-threaded build's gain over its own "
                            "sequential run is real, but it starts from a slower interpreter.")
    return out.strip()


# -- invariants -------------------------------------------------------------------------


def threads_invariants(suite: Suite, workload: str, name: str) -> list[Invariant]:
    """What must hold of a thread-scaling suite of *workload* (measured on the build *name*) if it was sound.

    Every time is positive; *N* threads beat the sequential run by at most
    ``min(N, CPUs)`` (× 1 + :data:`CPU_SLACK`, on the quartiles: there are no
    more cores); and, going from fewer threads to more, the time falls at most
    as much as the extra cores allow: with the GIL on (one core's worth of
    Python at a time) it does not fall at all beyond :data:`GIL_SLACK`; without
    it, by at most the ratio of the cores the two counts can use.
    """
    cpus = int(suite.metadata.get("usable_cpus") or 1)
    gil = suite.metadata.get("gil_enabled") is not False
    key = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    base = suite.baseline(workload)
    timings = sorted(suite.select(workload, "threads"), key=lambda t: t.workers)
    out = [invariant(
        f"positive-{key}", "every {workload} time on {name} is positive",
        all(v > 0 for t in [base, *timings] for v in t.values),
        cause="the clock or the measurement failed", workload=workload, name=name)]
    if not out[0].holds:
        return out  # no ratio of a zero time means anything
    for t in timings:
        ceiling = float(min(t.workers, cpus))
        if gil:
            ceiling = 1.0
        slack = GIL_SLACK if gil else CPU_SLACK
        s = suite.speedup_interval(t)
        out.append(invariant(
            f"ceiling-{key}-{t.workers}",
            "{threads} on {name} ran at most {ceiling:g}× as fast as the sequential run "
            "(measured: {s})",
            s.low <= ceiling * (1 + slack),
            cause=("with the GIL on, threads cannot run Python at once: the sequential runs were slowed by "
                   "other programs" if gil else
                   "there are only {cpus} CPUs: the sequential runs were slowed by other programs"),
            threads=f"{t.workers} thread{'s' if t.workers > 1 else ''}", name=name, ceiling=ceiling,
            s=s.text(), cpus=cpus))
    for a, b in zip(timings, timings[1:]):
        gain = 1.0 if gil else min(b.workers, cpus) / min(a.workers, cpus)
        slack = GIL_SLACK if gil else CPU_SLACK
        out.append(invariant(
            f"more-threads-{key}-{a.workers}-{b.workers}",
            "on {name}, {b} threads ran at most {gain:g}× as fast as {a} "
            "({tb:.3f} s against {ta:.3f} s)",
            at_most(list(a.values), [v * gain for v in b.values], slack=slack),
            cause=("a GIL runs one thread at a time, so more threads cannot finish sooner: the "
                   "{a}-thread runs were slowed by other programs" if gil else
                   "{b} threads have no more cores than {usable} to run on: the {a}-thread runs were "
                   "slowed by other programs"),
            name=name, a=a.workers, b=b.workers, gain=gain, ta=a.median, tb=b.median,
            usable=min(b.workers, cpus)))
    return out


def scaling_invariants(pairs: Sequence[tuple[str, Suite]]) -> list[Invariant]:
    """:func:`threads_invariants` of the countdown for every ``(label, suite)`` of :func:`scaling_suites`."""
    return [inv for label, suite in pairs for inv in threads_invariants(suite, "countdown", label)]


def cost_invariants(cost: Suite) -> list[Invariant]:
    """What must hold of :func:`single_thread_cost` if it was sound: every time positive, and every
    workload measured the same number of rounds on both builds (they took turns)."""
    times = [v for t in cost.timings for v in t.values]
    rounds = {len(t.values) for t in cost.timings}
    return [
        invariant("cost-positive", "every single-thread time is positive", bool(times) and min(times) > 0,
                  cause="the clock or the measurement failed"),
        invariant("cost-turns", "both builds ran every workload the same number of rounds ({rounds})",
                  len(rounds) == 1, cause="a child process failed partway", rounds=", ".join(map(str, sorted(rounds)))),
    ]


def _cpython_at_least(python: str, major: int, minor: int) -> bool:
    m = re.match(r"CPython (\d+)\.(\d+)", python)
    return bool(m) and (int(m.group(1)), int(m.group(2))) >= (major, minor)  # type: ignore[union-attr]


def counter_invariants(counts: Sequence[Mapping[str, Any]]) -> list[Invariant]:
    """What must hold of :func:`counter_table` rows if the run was sound.

    Every count lies between 0 and the updates made (a thread cannot lose
    more than everything, nor count twice); and a CPython 3.10+ build with its
    GIL on loses no unlocked update (its eval breaker is never checked between
    the read and the write of ``counter.value += 1``, :data:`EVAL_BREAKER_URL`).
    """
    out = []
    for r in counts:
        key = re.sub(r"[^a-z0-9]+", "-", f"{r['variant']} {'lock' if r['lock'] else 'nolock'}".lower()).strip("-")
        out.append(invariant(
            f"counter-bounds-{key}", "{name}{how}: every repeat lost between 0 and {total:,} updates",
            all(0 <= x <= r["expected"] for x in r["lost"]),
            cause="the counter was read before every thread had finished", name=r["variant"],
            how=" with the lock" if r["lock"] else "", total=int(r["expected"])))
        if not r["lock"] and r["gil_enabled"] and _cpython_at_least(str(r.get("python", "")), 3, 10):
            out.append(invariant(
                f"gil-loses-nothing-{key}", "{name}, with its GIL on, lost no unlocked update (lost: {lost})",
                not any(r["lost"]),
                cause="a thread switch fell inside the increment, where CPython 3.10+ never checks for one: "
                      "the GIL was not on for the whole run",
                name=r["variant"], lost=", ".join(f"{x:,}" for x in r["lost"])))
    return out
