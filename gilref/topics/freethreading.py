"""Free-threaded CPython (PEP 703), measured: what the chapter runs in each interpreter.

Two halves:

* functions that run *inside* an interpreter, called through
  :func:`gilref.interp.child.call` (:func:`build_info`, :func:`countdown_scaling`,
  :func:`time_workload`, :func:`lost_updates`, :func:`numpy_report`,
  :func:`numpy_threads`);
* functions that orchestrate those calls from the book's interpreter over
  several :class:`Variant` s (an interpreter plus options such as ``-X gil=1``):
  :func:`variants`, :func:`scaling_suites`, :func:`single_thread_cost`,
  :func:`gil_switches`, :func:`counter_table`.

Standard library only; the in-interpreter half runs on CPython 3.9+ and PyPy.
"""

from __future__ import annotations

import os
import platform
import sys
import sysconfig
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..core._checks import check_int, check_seconds
from ..core.harness import DEFAULT_TIMEOUT, MIN_REPEATS, MeasurementTimeout, compare, interleave, run_threads
from ..core.hostinfo import collect_metadata, gil_enabled
from ..core.results import Suite, Timing
from ..core.workloads import countdown, split_count
from ..interp.discover import Interpreter, discover, host
from ..interp.select import BuildPair, choose

__all__ = [
    "CITED_OVERHEAD",
    "Variant",
    "build_info",
    "countdown_scaling",
    "counter_table",
    "gil_switches",
    "lost_updates",
    "numpy_report",
    "numpy_threads",
    "objects",
    "scaling_suites",
    "single_thread_cost",
    "time_workload",
    "time_workloads",
    "variants",
]

#: Published single-thread overheads of the free-threaded build (cited, not measured here).
CITED_OVERHEAD = {
    "pep703": {
        "text": "5–6 % (pyperformance 1.0.6, one thread: 6 % on Intel Skylake, 5 % on AMD Zen 3), "
                "measured on the nogil-3.12 prototype",
        "low": 0.05,
        "high": 0.06,
        "source": "PEP 703, section Performance",
        "url": "https://peps.python.org/pep-0703/#performance",
    },
    "docs313": {
        "text": "about 40 % on the pyperformance suite in 3.13, mostly because the specializing "
                "adaptive interpreter (PEP 659) is disabled in the free-threaded build",
        "low": 0.40,
        "high": 0.40,
        "source": "Python 3.13 documentation, HOWTO “Python experimental support for free threading”, "
                  "section Single-threaded performance",
        "url": "https://docs.python.org/3.13/howto/free-threading-python.html#single-threaded-performance",
    },
}


# -- inside the interpreter ---------------------------------------------------------


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
    suite = compare(
        countdown,
        lambda w: [(c,) for c in split_count(n, w)],
        configs=configs,
        repeats=repeats,
        warmups=warmups,
        workload="countdown",
        params={"n": n},
        timeout=timeout,
        prime_task=(1_000,),
    )
    suite.metadata["x_gil"] = getattr(sys, "_xoptions", {}).get("gil")
    suite.metadata["env_python_gil"] = os.environ.get("PYTHON_GIL")
    return suite


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
        "host": None if same else Variant(f"host: {me.label}", me.executable),
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

    :param sizes: workload name -> argument (default: countdown 2,000,000 and objects 200,000).
    """
    import statistics

    check_int("rounds", rounds, minimum=MIN_REPEATS)
    chosen = dict(sizes or {"countdown": 2_000_000, "objects": 200_000})
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
    """One table row per interpreter found: label, build, GIL at run time, where found."""
    rows = []
    for i in interpreters:
        rows.append({
            "interpreter": i.label,
            "free-threaded build": "yes" if i.free_threaded else "no",
            "GIL at run time": "unknown" if i.gil_enabled is None else "on" if i.gil_enabled else "off",
            "found": i.source,
            "executable": f"`{i.executable}`",
        })
    return rows


def scaling_rows(pairs: Sequence[tuple[str, Suite]]) -> list[dict[str, Any]]:
    """One row per interpreter and thread count: median seconds, quartiles, speedup over one thread."""
    rows = []
    for label, suite in pairs:
        for t in [suite.baseline("countdown"), *suite.select("countdown", "threads")]:
            s = t.summary
            rows.append({
                "interpreter": label,
                "configuration": "sequential" if t.mode == "sequential" else
                f"{t.workers} thread{'s' if t.workers > 1 else ''}",
                "median (s)": f"{s.median:.3f}",
                "quartiles (s)": f"{s.q1:.3f} – {s.q3:.3f}",
                "speedup": f"{suite.speedup(t):.2f}×",
            })
    return rows


def cost_rows(suite: Suite) -> list[dict[str, Any]]:
    """Per workload: default build and free-threaded medians and the free-threaded overhead."""
    rows = []
    for workload in dict.fromkeys(t.workload for t in suite.timings):
        d = suite.get(workload, "default-build")
        f = suite.get(workload, "free-threaded")
        rows.append({
            "workload": workload,
            "argument": f"{d.params['n']:,}",
            "default build (s)": f"{d.median:.3f}",
            "free-threaded (s)": f"{f.median:.3f}",
            "free-threaded overhead": f"{f.median / d.median - 1:+.0%}",
        })
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
            "lost (min – max)": f"{min(lost):,} – {max(lost):,}",
            "lost share": f"{statistics.median(lost) / r['expected']:.1%}",
        })
    return rows
