"""Subinterpreters: one GIL per interpreter (PEP 684) through the PEP 734 API.

Several interpreters can live in one process, each with its own modules,
objects and, since Python 3.12, its own GIL. Threads that run code in
*different* interpreters therefore run in parallel, like processes, without
leaving the process. The Python-level API is PEP 734: the standard library
module ``concurrent.interpreters`` from Python 3.14, or the
``interpreters-pep-734`` backport (import name ``interpreters_backport``) on
3.13 (and on 3.12 together with its low-level companion ``interpreters-3-12``).

Two halves:

* **inside an interpreter that has the API** (run there with
  ``gilref.interp.child.call``): :func:`measure` times the countdown on
  threads, subinterpreters and processes side by side, and what starting a
  thread, an interpreter and a process costs;
* **on the caller's side**: :func:`supports` is the chapter's requirement
  for ``gilref.interp.select.choose`` (which picks the interpreter, by the
  book's one policy), and :func:`ensure_api` makes the API
  importable in it, installing the backport into a private directory under
  :func:`gilref.core.paths.cache_dir` (never into the interpreter itself) when
  needed, with a deadline.

Standard library only; Python 3.9 compatible (the measuring half only ever
runs on 3.12+).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from ..core import _proc
from ..core._checks import check_int, check_seconds
from ..core.harness import (
    COUNTDOWN_PRIME_TASK,
    DEFAULT_TIMEOUT,
    MIN_REPEATS,
    MeasurementTimeout,
    _deal,
    _ProcessRunner,
    _ThreadRunner,
    interleave,
    run_threads,
)
from ..core.hostinfo import collect_metadata, rss_bytes
from ..core.paths import cache_dir
from ..core.results import Suite, Timing
from ..core.verdicts import Claim, Interval, Invariant, check, invariant, ratio_interval
from ..core.workloads import countdown, split_count
from ..interp.discover import Interpreter
from ._crosscheck import fixed_cost, job_size_text, load, load_text, metadata_label, overlap, quartile_note

__all__ = [
    "BACKPORT",
    "ApiSetup",
    "SubinterpretersUnavailable",
    "api",
    "backport_dir",
    "ensure_api",
    "example_verdict",
    "interpreters_verdict",
    "measure",
    "ms_label",
    "parse_example",
    "result_invariants",
    "run",
    "scaling_invariants",
    "scaling_suite",
    "shown_ms",
    "start_parts_text",
    "start_verdict",
    "startup_invariants",
    "startup_suite",
    "supports",
    "threads_verdict",
    "unavailable_text",
]

#: The PyPI distribution of the PEP 734 backport, pinned: its API still changes.
BACKPORT = "interpreters-pep-734==0.5.0"
#: Its low-level companion, needed on Python 3.12 only.
BACKPORT_312 = "interpreters-3-12==0.5.0"
#: Module names tried, in order, by :func:`api`.
API_MODULES = ("concurrent.interpreters", "interpreters_backport.interpreters")
MIN_VERSION = (3, 12)

# -- thresholds of the verdicts and invariants (one place) -----------------------

#: N subinterpreters "run in parallel" when the low end of their speedup interval over
#: one thread reaches this (×). Well above 1 (a GIL shared by all would give at most
#: ~1.0×, minus hand-offs) and well below 2 (what two CPUs allow), so that a busy host
#: that costs a third of the ideal still counts, while turn-taking never does.
PARALLEL_SPEEDUP = 1.3
#: N threads inside one interpreter "share its GIL" when the high end of their speedup
#: interval stays below this (×): one GIL allows ~1.0×; 1.2 leaves room for noise.
SHARED_GIL_SPEEDUP = 1.2
#: How far above the ideal (N× for N workers, and the CPU count) a speedup's low end may
#: lie before the measurement is called unsound: 10% (a quartile of the one-thread
#: run slowed by a burst of load can lift a ratio that much, never more in practice).
IDEAL_SLACK = 0.10
#: The example's speedups agree with the chapter's when they fall within the
#: chapter's interval widened by this fraction each way (0.15 = 15%), capped at what the
#: cores allow (:data:`EXAMPLE_CAP_SLACK`): the example runs once per configuration per
#: repeat, without warm-up, in its own process.
EXAMPLE_TOLERANCE = 0.15
#: However wide the example's tolerated band, its upper end stays within this fraction above
#: the most the run can reach (its worker count, or the CPU count if smaller): a band that
#: reaches beyond what the cores allow would accept any figure and so check nothing.
EXAMPLE_CAP_SLACK = 0.05
#: The example's interpreter start cost agrees with the chapter's when within this
#: factor of the chapter's quartiles: the example times a batch of 10 starts once,
#: the chapter takes quartiles over repeats, and a start is dominated by imports
#: and allocation that a busy host stretches easily.
START_TOLERANCE = 2.0

# The countdown as source, executed inside each subinterpreter. It is the loop
# of gilref.core.workloads.countdown; it is sent as source so that the interpreters
# import nothing: importing gilref would import datetime, whose C module can
# crash CPython 3.13 when several interpreters that loaded it are destroyed
# (CPython issue gh-136423).
COUNTDOWN_SOURCE = """\
def countdown(n):
    steps = n
    while n > 0:
        n -= 1
    return steps
"""


class SubinterpretersUnavailable(RuntimeError):
    """No PEP 734 API here (Python too old, or the backport missing and not installable)."""


# -- the API ---------------------------------------------------------------------


def api() -> ModuleType:
    """The PEP 734 ``interpreters`` module of this interpreter.

    ``concurrent.interpreters`` (Python 3.14+), else the backport.

    :raises SubinterpretersUnavailable: if neither imports, with what to install.
    """
    import importlib

    for name in API_MODULES:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    version = ".".join(str(v) for v in sys.version_info[:3])
    if sys.version_info < MIN_VERSION:
        raise SubinterpretersUnavailable(
            f"Python {version} has no per-interpreter GIL: subinterpreters with their own GIL need "
            "Python 3.12 or newer (3.14 has concurrent.interpreters; 3.12 and 3.13 need the backport)"
        )
    raise SubinterpretersUnavailable(
        f"Python {version} has no concurrent.interpreters (added in 3.14): "
        f"pip install {BACKPORT.split('==')[0]}"
    )


def _own_gil() -> str:
    """The GIL setting of a new interpreter's default config (``"own"`` per PEP 684)."""
    try:
        import _interpreters  # type: ignore[import-not-found]  # CPython 3.13+

        return str(_interpreters.new_config().gil)
    except (ImportError, AttributeError):
        return "unknown"


# -- measuring (runs where the API is) -------------------------------------------


class _InterpreterRunner:
    """Runs countdown tasks on *workers* subinterpreters, one thread each.

    The interpreters are created (and the countdown defined in each) before
    timing, as a process pool is started before timing.
    """

    def __init__(self, workers: int, module: ModuleType) -> None:
        self.workers = workers
        self.module = module
        self.interps: list[Any] = []

    def __enter__(self) -> _InterpreterRunner:
        try:
            for _ in range(self.workers):
                interp = self.module.create()
                self.interps.append(interp)
                interp.exec(COUNTDOWN_SOURCE)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        while self.interps:
            self.interps.pop().close()

    def run(self, func: Any, tasks: Sequence[tuple[Any, ...]], timeout: float) -> float:
        if func is not countdown:
            raise ValueError("subinterpreters here run the countdown only")
        shares = [s for s in _deal(tasks, self.workers) if s]

        def work(interp: Any, share: Sequence[tuple[Any, ...]]) -> None:
            for (n,) in share:
                interp.prepare_main(n=n)
                interp.exec("countdown(n)")

        jobs = [(work, (interp, share)) for interp, share in zip(self.interps, shares)]
        return run_threads(jobs, timeout, name="gilref-interp", what="in subinterpreters")


def scaling_suite(
    n: int = 10_000_000,
    workers: Sequence[int] = (1, 2),
    *,
    modes: Sequence[str] = ("threads", "interpreters", "processes"),
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
) -> Suite:
    """The countdown of *n* steps on one thread, and split over each count in *workers*
    of threads, subinterpreters and processes, interleaved run by run.

    Workload ``"countdown"``; modes ``"sequential"``, ``"threads"``,
    ``"interpreters"``, ``"processes"``; values in seconds.

    :raises SubinterpretersUnavailable: if this interpreter has no PEP 734 API.
    """
    check_int("n", n, minimum=1)
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    check_seconds("timeout", timeout, allow_zero=False)
    if not workers:
        raise ValueError("workers must list at least one count")
    for w in workers:
        check_int("workers", w, minimum=1)
    for m in modes:
        if m not in ("threads", "interpreters", "processes"):
            raise ValueError(f"modes may hold 'threads', 'interpreters', 'processes'; got {m!r}")
    module = api() if "interpreters" in modes else None
    configs = [("sequential", 1)] + [(m, w) for m in modes for w in workers]
    jobs = [[(c,) for c in split_count(n, w)] for _m, w in configs]
    suite = Suite(metadata=collect_metadata())
    suite.metadata["interpreters_api"] = getattr(module, "__name__", None)
    suite.metadata["interpreter_gil"] = _own_gil()
    with contextlib.ExitStack() as stack:
        # Process pools first: a process forked while subinterpreters exist
        # hangs (CPython 3.13), so the pools' workers start before any is created.
        made: dict[int, Any] = {}
        for i, (mode, w) in enumerate(configs):
            if mode == "processes":
                made[i] = stack.enter_context(_ProcessRunner(w, None, (countdown, COUNTDOWN_PRIME_TASK)))
        for i, (mode, w) in enumerate(configs):
            if mode == "interpreters":
                assert module is not None
                made[i] = stack.enter_context(_InterpreterRunner(w, module))
            elif mode != "processes":
                made[i] = stack.enter_context(_ThreadRunner(w))
        runners = [made[i] for i in range(len(configs))]
        values, warm = interleave([partial(r.run, countdown, job, timeout) for r, job in zip(runners, jobs)],
                                  repeats=repeats, warmups=warmups)
        for i, ((mode, w), runner) in enumerate(zip(configs, runners)):
            params: dict[str, Any] = {"n": n, "tasks": len(jobs[i])}
            if isinstance(runner, _ProcessRunner):
                params["start_method"] = runner.start_method
            suite.add(Timing("countdown", mode, w, tuple(values[i]), tuple(warm[i]), params))
    return suite


def _spawn_main() -> str:
    """The main module a *spawn* child re-imports before it runs anything (``""`` if none)."""
    from multiprocessing import spawn

    data = spawn.get_preparation_data("gilref-probe")
    return str(data.get("init_main_from_name") or data.get("init_main_from_path") or "")


def backport_text(setup: ApiSetup) -> str:
    """How the API reached the interpreter, by package name and version (no paths), or ``""``
    when it is the interpreter's own module."""
    if not setup.path:
        return ""
    name, _, version = BACKPORT.partition("==")
    return (f" The backport is the `{name}` package, version {version}, from gilref's private copy in its "
            "cache directory, put on the child's `PYTHONPATH`; nothing is installed into the interpreter itself.")


def start_context_text(startup: Suite, python: str, other: Suite | None = None,
                       small: Suite | None = None) -> str:
    """Why these process starts differ from the processes chapter's: what each child does before it
    runs (computed from :func:`startup_suite`'s metadata, and *other*, that chapter's start suite),
    and, given *small* (that chapter's measurement run in this page's interpreter, ``result["small_parent"]``),
    how much of each difference is the parent and how much the interpreter (:func:`start_parts_text`).

    :param python: the label of the interpreter that ran the startup suite.
    :param other: the processes chapter's :func:`~gilref.topics.processes.start_cost_in_child` suite
        (``book.results_of("processes")["suites"]["start"]``), or None.
    """
    meta = startup.metadata
    main, task = meta.get("spawn_main") or "", meta.get("task_module") or ""
    mods = [f"`{m}`" for m in (main, task) if m]
    bare, imp, common = meta.get("fresh_start_s"), meta.get("fresh_import_s"), meta.get("fresh_common_s")
    out = (f"These process starts ran in {python}, in the child process that hosts the interpreters, whose main "
           f"module is `{main}`." if main else f"These process starts ran in {python}, in the child process that "
           "hosts the interpreters.")
    if mods and isinstance(bare, float) and isinstance(imp, float):
        out += (f" A `spawn` child starts a fresh interpreter ({bare * 1e3:.1f} ms for `python -c pass` here) and "
                f"imports {' and '.join(mods)} (the parent's main module and the task's) before it runs: in a fresh "
                f"interpreter those imports took {imp * 1e3:.1f} ms more"
                + (f" than the {common * 1e3:.1f} ms of `multiprocessing`'s own modules, which every `spawn` child "
                   "imports" if isinstance(common, float) else "")
                + ". A `forkserver` child, forked from its "
                "server, imports them too on this build ([`prepare` in multiprocessing/spawn.py]"
                "(https://github.com/python/cpython/blob/v3.13.5/Lib/multiprocessing/spawn.py)): its server "
                "never imported the main module itself, a bug fixed in later releases "
                "([gh-126631](https://github.com/python/cpython/issues/126631)).")
    loaded = meta.get("modules_loaded")
    if isinstance(loaded, int):
        out += f" A `fork` child starts as a copy of a parent holding {loaded:,} modules."
    if other is not None:
        figs = ", ".join(f"{t.mode} {t.median * 1e3:.1f} ms" for t in other.timings)
        o_mods = other.metadata.get("modules_loaded")
        held = f" (it held {o_mods:,} modules)" if isinstance(o_mods, int) else ""
        out += (f" The {{doc}}`processes` chapter ({metadata_label(other.metadata)}) measured {figs} from a small "
                f"`python -c` parent with no main module{held}, and its task is the built-in `os.getpid`, so its "
                "children import nothing of gilref.")
        mine, theirs = _start(startup, "process-spawn"), [t for t in other.timings if t.mode == "spawn"]
        if small is not None:
            out += start_parts_text(startup, python, other, small)
        elif mine is not None and theirs and isinstance(imp, float) and theirs[0].median < mine.median:
            o_bare = other.metadata.get("fresh_start_s")
            bare_there = (f", where a bare `python -c pass` took {o_bare * 1e3:.1f} ms (here: {bare * 1e3:.1f} ms)"
                          if isinstance(o_bare, float) and isinstance(bare, float) else "")
            net = max(mine.median - imp, 0.0)
            out += (f" Without those {imp * 1e3:.1f} ms of gilref's imports, a `spawn` start here would take "
                    f"{net * 1e3:.1f} ms, against {theirs[0].median * 1e3:.1f} ms there{bare_there}.")
            if not theirs[0].summary.q1 <= net <= theirs[0].summary.q3:
                out += (f" That leaves this start {abs(net - theirs[0].median) * 1e3:.1f} ms "
                        f"{'longer' if net > theirs[0].median else 'shorter'} than that chapter's, which nothing this "
                        "page records explains (the two ran in different interpreters, at different moments of a "
                        "shared host).")
    return out + (f" The 1-minute load average was {load_text(meta.get('load_average'))} when these started.")


def _mib(metadata: Mapping[str, Any]) -> str:
    rss = metadata.get("rss_bytes")
    return f", {rss / 2**20:.0f} MiB resident" if isinstance(rss, (int, float)) else ""


def _part(who: str, a: Interval, b: Interval, *, plural: bool = False) -> str:
    """What *who* adds to a start: *a* less *b* (ms), or nothing when they overlap on their quartiles."""
    add, save = ("add", "save") if plural else ("adds", "saves")
    if overlap(a, b):
        return f"{who} {add} nothing beyond the spreads"
    d = a.median - b.median
    return f"{who} {add} {d:.1f} ms" if d > 0 else f"{who} {save} {-d:.1f} ms"


def _loads(small: Suite, other: Suite) -> str:
    a, b = load(small.metadata.get("load_average")), load(other.metadata.get("load_average"))
    return (f" (1-minute load averages {a:.1f} for the small parent here, {b:.1f} there)"
            if a is not None and b is not None else "")


def start_parts_text(startup: Suite, python: str, other: Suite, small: Suite) -> str:
    """Each start method's gap between this page's start (*startup*, in a parent that imported gilref to
    measure) and the processes chapter's (*other*), split in two by the same measurement as that chapter's
    run in this page's interpreter (*small*: a ``python -c`` parent): the parent's part (this start less
    *small*'s) and the interpreter's (*small*'s less *other*'s). A part whose two starts overlap on
    their quartiles is said to make no difference beyond the spreads. ``""`` when no method is in all three."""
    parts = []
    for method in ("fork", "forkserver", "spawn"):
        here, mine, there = (_start(startup, f"process-{method}"), [t for t in small.timings if t.mode == method],
                             [t for t in other.timings if t.mode == method])
        if here is None or not mine or not there:
            continue
        a, b, c = (Interval.of(t.values).scaled(1e3) for t in (here, mine[0], there[0]))
        parent, interp = _part("the parent", a, b), _part("the interpreter and the moment", b, c, plural=True)
        parts.append(f"`{method}` took {a.text('.1f', ' ms')} in this page's parent, {b.text('.1f', ' ms')} from "
                     f"the small parent and {c.text('.1f', ' ms')} in that chapter: {parent}, and {interp}")
    if not parts:
        return ""
    m_here, m_small = startup.metadata.get("modules_loaded"), small.metadata.get("modules_loaded")
    held = (f" ({m_here:,} modules{_mib(startup.metadata)}, against {m_small:,}{_mib(small.metadata)})"
            if isinstance(m_here, int) and isinstance(m_small, int) else "")
    rss_here, rss_small = startup.metadata.get("rss_bytes"), small.metadata.get("rss_bytes")
    if (held and isinstance(m_here, int) and isinstance(m_small, int) and m_small >= m_here
            and isinstance(rss_here, (int, float)) and isinstance(rss_small, (int, float))
            and rss_small < rss_here):  # "small" is its memory, not its count of modules
        held = held[:-1] + "; the small parent is small in resident memory, not in its count of modules)"
    return (f" To tell the two causes apart, this page also ran that chapter's measurement, the same way, in "
            f"{python}: the difference between the small parent and this page's{held} is the parent's part (a "
            "`fork` copies the parent's page tables; a `spawn` or `forkserver` child imports the parent's main "
            "module and the task's module), the difference between the small parent and that chapter's is the "
            f"interpreter's ({python} against {metadata_label(other.metadata)}) together with the moment's: the "
            "two ran at different times of a shared host" + _loads(small, other) + ". " + ". ".join(parts) + ".")


def _noop() -> None:
    """What the started threads, interpreters and processes run: nothing."""


#: What every ``spawn`` child imports anyway, whatever its parent: the modules ``spawn_main`` and the
#: unpickled ``Process`` need (the processes chapter's children import these too), so the cost of
#: this page's own imports is measured beyond them.
SPAWN_COMMON = ("multiprocessing.spawn", "multiprocessing.context", "multiprocessing.process")


def fresh_import_costs(modules: Sequence[str], *, common: Sequence[str] = SPAWN_COMMON, repeats: int = 3,
                       timeout: float = 60.0) -> dict[str, float]:
    """Seconds a fresh process of this interpreter takes to start and exit, bare and importing *modules*.

    What a ``spawn`` child pays before it runs anything: a new interpreter, the modules every spawn
    child imports (*common*), then the parent's main module and the task's module (a ``forkserver``
    child, forked from its server, pays the imports). Medians of *repeats* runs of ``python -c``.

    :returns: ``{"fresh_start_s": ..., "fresh_common_s": ..., "fresh_import_s": ...}``: a bare start,
        the extra time *common* took, and the extra time *modules* took beyond *common* (each at least 0).
    """
    def timed(code: str) -> float:
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            proc = _proc.run([sys.executable, "-c", code], timeout=timeout)
            runs.append(time.perf_counter() - start)
            if proc.returncode != 0:
                raise RuntimeError(f"a fresh interpreter failed to run {code!r}: {proc.stderr.strip()[-300:]}")
        return statistics.median(runs)

    bare = timed("pass")
    base = timed("import " + ", ".join(common)) if common else bare
    loaded = timed("import " + ", ".join([*common, *modules])) if modules else base
    return {"fresh_start_s": bare, "fresh_common_s": max(base - bare, 0.0), "fresh_import_s": max(loaded - base, 0.0)}


def startup_suite(
    repeats: int = MIN_REPEATS,
    batch: int = 10,
    *,
    start_methods: Sequence[str] | None = None,
    timeout: float = 60.0,
) -> Suite:
    """What starting one thread, one subinterpreter and one process costs, in seconds.

    Each repeat starts *batch* of each kind one after another (threads and
    processes run an empty function and are joined; an interpreter is created,
    runs ``pass`` and is closed) and records the mean per start. Processes use
    each available start method in *start_methods* (default: all there are)
    with a batch of at most 3. Workload ``"start"``; modes ``"thread"``,
    ``"interpreter"``, ``"process-<method>"``.

    :raises SubinterpretersUnavailable: if this interpreter has no PEP 734 API.
    """
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("batch", batch, minimum=1)
    check_seconds("timeout", timeout, allow_zero=False)
    module = api()
    methods = list(multiprocessing.get_all_start_methods() if start_methods is None else start_methods)

    def threads() -> None:
        for _ in range(batch):
            t = threading.Thread(target=_noop)
            t.start()
            t.join(timeout)
            if t.is_alive():
                raise MeasurementTimeout(f"a thread doing nothing was still alive after {timeout:g} s")

    def interps() -> None:
        for _ in range(batch):
            interp = module.create()
            try:
                interp.exec("pass")
            finally:
                interp.close()

    def processes(method: str) -> None:
        ctx: Any = multiprocessing.get_context(method)
        for _ in range(min(batch, 3)):
            p = ctx.Process(target=_noop)
            p.start()
            p.join(timeout)
            if p.is_alive():
                p.kill()
                p.join(5)
                raise MeasurementTimeout(f"a {method} process doing nothing was still alive after {timeout:g} s")

    kinds: list[tuple[str, Any, int]] = [("thread", threads, batch), ("interpreter", interps, batch)]
    kinds += [(f"process-{m}", (lambda m=m: processes(m)), min(batch, 3)) for m in methods]
    values: list[list[float]] = [[] for _ in kinds]
    for _kind, call, _count in kinds:  # one warmup each
        call()
    for _ in range(repeats):
        for i, (_kind, call, count) in enumerate(kinds):
            start = time.perf_counter()
            call()
            values[i].append((time.perf_counter() - start) / count)
    suite = Suite(metadata=collect_metadata())
    suite.metadata["interpreters_api"] = module.__name__
    suite.metadata["spawn_main"] = _spawn_main()
    suite.metadata["modules_loaded"] = len(sys.modules)
    suite.metadata["rss_bytes"] = rss_bytes()
    suite.metadata["task_module"] = _noop.__module__
    suite.metadata.update(fresh_import_costs([m for m in (suite.metadata["spawn_main"], _noop.__module__) if m],
                                             timeout=timeout))
    for (kind, _call, count), vals in zip(kinds, values):
        suite.add(Timing("start", kind, 1, tuple(vals), (), {"batch": count}))
    return suite


def measure(
    n: int = 10_000_000,
    workers: Sequence[int] = (1, 2),
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    startup_repeats: int = MIN_REPEATS,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """Both measurements, JSON-ready, for ``gilref.interp.child.call``.

    :returns: ``{"scaling": Suite dict, "startup": Suite dict, "small_parent": Suite dict or None,
        "api": module name, "gil": the new interpreters' GIL setting}``; ``small_parent`` is the
        processes chapter's start measurement (:func:`gilref.topics.processes.start_cost_in_child`:
        a small ``python -c`` parent) run in this same interpreter, so that this page's process
        starts and that chapter's can be told apart by interpreter and by parent.
    """
    module = api()
    # Processes first, before any subinterpreter or extra thread exists.
    startup = startup_suite(startup_repeats, timeout=min(timeout, 60.0))
    from .processes import start_cost_in_child  # imported after the starts: a fork copies what is loaded

    try:
        small: dict[str, Any] | None = start_cost_in_child(repeats=startup_repeats,
                                                           timeout=min(timeout, 120.0)).to_dict()
    except RuntimeError:
        small = None
    scaling = scaling_suite(n, list(workers), repeats=repeats, warmups=warmups, timeout=timeout)
    return {"scaling": scaling.to_dict(), "startup": startup.to_dict(), "small_parent": small,
            "api": module.__name__, "gil": _own_gil()}


# -- the caller's side ----------------------------------------------------------


def supports(interp: Interpreter) -> bool:
    """Whether *interp* can host subinterpreters with their own GIL: CPython 3.12 or newer.

    The chapter's requirement, passed to the book's one policy:
    ``gilref.interp.select.choose(found, where=supports).gil`` is the GIL build
    the other chapters compare, whenever it qualifies (a free-threaded build has
    no GIL to split, so the chapter runs in the pair's GIL build).
    """
    return interp.implementation == "CPython" and interp.version_tuple[:2] >= MIN_VERSION


@dataclass(frozen=True)
class ApiSetup:
    """How to run code that needs the PEP 734 API in one interpreter.

    :param executable: the interpreter.
    :param module: the API module it imports (``concurrent.interpreters`` or the backport).
    :param path: a directory to put on its ``PYTHONPATH`` (the private backport
        install), or ``None`` when nothing extra is needed.
    :param installed: ``True`` if this call installed the backport.
    :param seconds: wall-clock seconds the setup took.
    """

    executable: str
    module: str
    path: str | None
    installed: bool
    seconds: float

    def env(self) -> dict[str, str]:
        """Environment for ``gilref.interp.child.call`` (keeps gilref importable)."""
        if self.path is None:
            return {}
        from ..interp.child import project_root

        return {"PYTHONPATH": os.pathsep.join([str(project_root()), self.path])}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


_PROBE = r"""
import importlib, json, sys
for name in API_MODULES:
    try:
        mod = importlib.import_module(name)
    except ImportError:
        continue
    interp = mod.create()
    interp.exec("pass")
    interp.close()
    print(json.dumps({"module": name}))
    break
else:
    print(json.dumps({"module": None, "version": list(sys.version_info[:2])}))
""".replace("API_MODULES", repr(API_MODULES))


def _probe(exe: str, path: str | None, timeout: float) -> str | None:
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    if path is None:
        env.pop("PYTHONPATH", None)
    else:
        env["PYTHONPATH"] = path
    try:
        proc = _proc.run([exe, "-s", "-c", _PROBE], timeout=timeout, env=env)
    except _proc.Overshoot:
        raise SubinterpretersUnavailable(f"{exe} did not answer within {timeout:g} s") from None
    if proc.returncode != 0:
        tail = " ".join(proc.stderr.strip().splitlines()[-2:])
        raise SubinterpretersUnavailable(f"{exe} failed while trying its interpreters API: {tail}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    module = data.get("module")
    return str(module) if module else None


def backport_dir(version: tuple[int, ...]) -> Path:
    """Where the backport for Python *version* is installed: a private directory
    under :func:`gilref.core.paths.cache_dir`, one per pinned release and Python version."""
    release = BACKPORT.replace("==", "-")
    return cache_dir() / "site" / release / f"cp{version[0]}{version[1]}"


def _pip_commands(exe: str, version: tuple[int, ...], target: str) -> list[list[str]]:
    """Ways to install the backport into *target*: the interpreter's own pip,
    then this interpreter's pip installing for that version (pure-Python wheel)."""
    common = ["install", "--disable-pip-version-check", "--no-input", "--quiet", "--no-deps",
              "--timeout", "30", "--target", target]
    packages = [BACKPORT] + ([BACKPORT_312] if tuple(version[:2]) == (3, 12) else [])
    cmds = [[exe, "-m", "pip", *common, *packages]]
    if tuple(version[:2]) != (3, 12):  # 3.12's companion package is compiled: no cross install
        cross = ["--only-binary=:all:", "--implementation", "cp", "--python-version", f"{version[0]}.{version[1]}",
                 "--ignore-requires-python"]  # older pips check the running Python despite --python-version
        cmds.append([sys.executable, "-m", "pip", *common, *cross, *packages])
    return cmds


def ensure_api(python: Interpreter | str | os.PathLike[str], *, timeout: float = 180.0) -> ApiSetup:
    """Make the PEP 734 API importable in *python*, installing the backport if needed.

    The backport goes into :func:`backport_dir` (pip ``--target``), never into
    the interpreter's own site-packages; later calls find it there. Every step
    (probing the interpreter, each pip attempt) has a deadline, and the whole
    setup stays within *timeout* seconds.

    :returns: an :class:`ApiSetup`; pass ``setup.env()`` to ``gilref.interp.child.call``.
    :raises SubinterpretersUnavailable: if the interpreter is older than 3.12,
        or has no API and the backport could not be installed (pip's last words
        are in the message).
    """
    check_seconds("timeout", timeout, allow_zero=False)
    start = time.monotonic()
    exe = python.executable if isinstance(python, Interpreter) else os.fspath(python)
    if not os.path.isfile(exe) or not os.access(exe, os.X_OK):
        raise SubinterpretersUnavailable(f"no executable interpreter at {exe!r}")

    def left() -> float:
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0:
            raise SubinterpretersUnavailable(f"setting up subinterpreters in {exe} took over {timeout:g} s")
        return remaining

    found = _probe(exe, None, min(60.0, left()))
    if found:
        return ApiSetup(exe, found, None, False, time.monotonic() - start)
    from ..interp.discover import describe

    version = describe(exe, timeout=min(20.0, left())).version_tuple
    if tuple(version[:2]) < MIN_VERSION:
        raise SubinterpretersUnavailable(
            f"{exe} is Python {'.'.join(map(str, version))}: subinterpreters with their own GIL need 3.12+"
        )
    target = backport_dir(version)
    if target.is_dir():
        found = _probe(exe, str(target), min(60.0, left()))
        if found:
            return ApiSetup(exe, found, str(target), False, time.monotonic() - start)
    target.parent.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for cmd in _pip_commands(exe, version, str(target)):
        staging = tempfile.mkdtemp(prefix=f".{target.name}-", dir=str(target.parent))
        cmd = [staging if part == str(target) else part for part in cmd]
        try:
            try:
                proc = _proc.run(cmd, timeout=left())
            except _proc.Overshoot:
                failures.append(f"{' '.join(cmd[:3])}: overshot the deadline and was stopped")
                continue
            if proc.returncode != 0:
                words = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-2:]) or f"exit {proc.returncode}"
                failures.append(f"{cmd[0]} -m pip: {words}")
                continue
            shutil.rmtree(target, ignore_errors=True)
            with contextlib.suppress(OSError):  # another setup finished first; use its copy
                os.replace(staging, target)
            found = _probe(exe, str(target), min(60.0, left()))
            if found:
                return ApiSetup(exe, found, str(target), True, time.monotonic() - start)
            failures.append(f"{cmd[0]} -m pip installed {BACKPORT} but it does not import in {exe}")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    raise SubinterpretersUnavailable(
        f"could not install {BACKPORT} for {exe}:\n" + "\n".join(f"  {f}" for f in failures)
    )


def run(setup: ApiSetup, kwargs: Mapping[str, Any] | None = None, *, timeout: float = 300.0) -> dict[str, Any]:
    """Run :func:`measure` in *setup*'s interpreter and return its result with
    the suites decoded (``"scaling"``, ``"startup"`` and ``"small_parent"`` (or None) as
    :class:`~gilref.core.results.Suite`)."""
    from ..interp.child import call

    result = call(setup.executable, "gilref.topics.subinterp:measure", dict(kwargs or {}), timeout=timeout,
                  env=setup.env())
    if not isinstance(result, dict):
        raise SubinterpretersUnavailable(f"the measurement returned {type(result).__name__}, not a dict")
    out = dict(result)
    out["scaling"] = Suite.from_dict(result["scaling"])
    out["startup"] = Suite.from_dict(result["startup"])
    out["small_parent"] = Suite.from_dict(result["small_parent"]) if result.get("small_parent") else None
    return out


# -- verdicts and invariants (the chapter calls these) ---------------------------


def _speedup(suite: Suite, mode: str, workers: int | None = None) -> tuple[Timing, Interval]:
    timings = suite.select("countdown", mode)
    if not timings:
        raise KeyError(f"the suite has no countdown on {mode}")
    t = timings[-1] if workers is None else suite.get("countdown", mode, workers)
    return t, suite.speedup_interval(t)


def processes_suites(record: Mapping[str, Any] | None) -> tuple[Suite | None, Suite | None]:
    """(countdown, process starts) of the processes chapter's record (``book.results_of("processes")``),
    each None when the record or the suite is missing."""
    suites = (record or {}).get("suites", {})
    return tuple(Suite.from_dict(suites[k]) if suites.get(k) else None  # type: ignore[return-value]
                 for k in ("countdown", "start"))


def processes_gap_text(scaling: Suite, other: Suite | None) -> str:
    """How this page's N processes compare with the processes chapter's kept pool of N (*other*, its
    countdown suite, :func:`~gilref.topics.processes.countdown_from_record`), with the reason computed
    when they differ: that chapter's fixed cost per run, scaled to this job's size. ``""`` without it."""
    if other is None:
        return ""
    t, p = _speedup(scaling, "processes")
    try:
        o_t = other.get("countdown", "processes")
    except KeyError:
        return ""
    if o_t.workers != t.workers:
        return ""
    o, o_seq, seq = other.speedup_interval(o_t), other.baseline("countdown"), scaling.baseline("countdown")
    head = (f" The {{doc}}`processes` chapter's pool of {t.workers}, in {metadata_label(other.metadata)}, reached "
            f"{o.text()} on {int(o_t.params.get('n', 0)):,} steps, where this job counts "
            f"{int(seq.params.get('n', 0)):,} in {metadata_label(scaling.metadata)}.")
    if overlap(p, o):
        return head + (f" This page's {t.workers} processes, at {p.text()}, and that chapter's {o.text()} are the "
                       "same within both spreads.")
    there = fixed_cost(o_seq.median, o_t.median, t.workers)
    text, explained = job_size_text(there, t.workers, o_seq.median, seq.median, p, "this job",
                                    where="in that chapter")
    if explained:
        return head + text
    here = fixed_cost(seq.median, t.median, t.workers)
    return (head + text + f" This page's processes took {here * 1e3:.1f} ms per run beyond a perfect split, "
            f"against {there * 1e3:.1f} ms in that chapter: the gap is this pool's larger cost per run, beyond what "
            "the job's size accounts for, measured in another interpreter at another moment of a shared host.")


def interpreters_verdict(scaling: Suite, *, gil: str = "own", why: str = "", other: Suite | None = None) -> Claim:
    """Whether N subinterpreters ran the countdown in parallel: their speedup interval
    over one thread at or above ``PARALLEL_SPEEDUP`` (N = the most measured).

    *gil* is the new interpreters' GIL setting (``result["gil"]``); *why* a clause on
    competing load (``gilref.topics.contention.explain``), said when it falls short;
    *other* the processes chapter's countdown suite, whose pool is set beside this
    page's processes (``processes_gap_text``).
    """
    t, s = _speedup(scaling, "interpreters")
    _p, p = _speedup(scaling, "processes", t.workers)
    cpus = scaling.metadata.get("usable_cpus")
    gap = (quartile_note(s, cpus, "the interpreters' interval") + quartile_note(p, cpus, "the processes' interval")
           + processes_gap_text(scaling, other)).replace("{", "{{").replace("}", "}}")
    return check(
        "si_verdict", "subinterpreters with their own GIL run CPU-bound Python code in parallel",
        s.at_least(PARALLEL_SPEEDUP), s=s, p=p, n=t.workers, gil=gil, why=why or "no cause is known",
        t=PARALLEL_SPEEDUP,
        supported="**Interpreters did help.** {n} subinterpreters (GIL setting: `{gil}`) ran the "
                  "countdown at {s} one thread, in one process; {n} processes reached {p}." + gap,
        contradicted="{n} subinterpreters (GIL setting: `{gil}`) reached only {s} one thread here, "
                     "all of it under {t:g}× ({n} processes: {p}); {why}." + gap,
        unclear="{n} subinterpreters (GIL setting: `{gil}`) ran the countdown at {s} one thread "
                "({n} processes: {p}): the repeats straddle {t:g}×, so this run cannot say whether "
                "they ran in parallel; {why}." + gap)


def threads_verdict(scaling: Suite, *, why: str = "") -> Claim:
    """Whether N threads inside one interpreter stayed under ``SHARED_GIL_SPEEDUP``
    (the whole speedup interval below it): they share that interpreter's GIL.
    *why* (competing load) is said when the run cannot decide."""
    t, s = _speedup(scaling, "threads")
    return check(
        "si_threads_verdict", "threads within one interpreter still share its GIL",
        s.below(SHARED_GIL_SPEEDUP), s=s, n=t.workers, t=SHARED_GIL_SPEEDUP, why=why or "no cause is known",
        supported="Threads inside one interpreter did not help: {n} of them ran at {s} one thread.",
        contradicted="{n} threads in one interpreter ran at {s} one thread, all of it at or above "
                     "{t:g}×: faster than one GIL allows.",
        unclear="{n} threads in one interpreter ran at {s} one thread: the repeats straddle {t:g}×, "
                "so this run cannot say that they took turns; {why}.")


def _ratio_text(r: Interval) -> str:
    """A ratio as the book prints one: two decimals below 10× (``1.93×``), none from 10× up (``114×``)."""
    return r.text(".0f" if r.median >= 10 else ".2f")


def _start(startup: Suite, mode: str) -> Timing | None:
    found = [t for t in startup.timings if t.mode == mode]
    return found[0] if found else None


def shown_ms(ms: float) -> float:
    """A start time *ms* (milliseconds) rounded as this page prints one: three decimals below 1 ms
    (a thread's ``0.076``), one from 1 ms up (``5.4``, ``104.5``), so that the start chart's labels
    (drawn from it with ``{:g}``) and the text (:func:`ms_label`) read alike."""
    return round(ms, 3) if ms < 1 else round(ms, 1)


def ms_label(ms: float) -> str:
    """*ms* as the page prints a start: :func:`shown_ms` with ``{:g}``, and the unit (``"104.5 ms"``)."""
    return f"{shown_ms(ms):g} ms"


def start_verdict(startup: Suite, *, python: str) -> Claim:
    """Whether a subinterpreter starts slower than a thread and faster than a spawned
    process, each decided on the ratio of the quartiles (:func:`~gilref.core.verdicts.ratio_interval`).

    *python* names the interpreter that ran it (the processes chapter times process
    starts in another one, so the page says which).
    """
    thread, interp, spawn = (_start(startup, m) for m in ("thread", "interpreter", "process-spawn"))
    if thread is None or interp is None:
        raise KeyError("the startup suite needs a thread and an interpreter timing")
    vs_thread = ratio_interval(interp.values, thread.values)
    vs_spawn = ratio_interval(spawn.values, interp.values) if spawn is not None else None
    a = vs_thread.at_least(1.0)
    b = vs_spawn.at_least(1.0) if vs_spawn is not None else False
    holds = False if (a is False or b is False) else (None if (a is None or b is None) else True)
    procs = sorted((t for t in startup.timings if t.mode.startswith("process-")), key=lambda t: t.median)
    fastest = procs[0] if procs else None
    fast_tail = ""
    if fastest is not None and fastest is not spawn:
        vs_fast = ratio_interval(fastest.values, interp.values)
        how = fastest.mode.replace("process-", "")
        ms = ms_label(fastest.median * 1e3)
        below = vs_fast.below(1.0)
        if below:
            fast_tail = (f" The fastest way to start a process here, {how}, was faster still: {ms}, "
                         f"{vs_fast.median:.2f}× the interpreter's time ({vs_fast.low:.2f}–{vs_fast.high:.2f}×), "
                         "so on this host a subinterpreter is not the cheapest way to get another GIL.")
        elif below is False:
            fast_tail = (f" The fastest way to start a process here, {how}, took {ms}, "
                         f"{vs_fast.median:.2f}× the interpreter's time.")
        else:
            fast_tail = (f" The fastest way to start a process here, {how}, took {ms}: level with the "
                         f"interpreter within the spread ({vs_fast.low:.2f}–{vs_fast.high:.2f}× its time).")
    fast_tail = fast_tail.replace("{", "{{").replace("}", "}}")
    return check(
        "start_verdict", "a subinterpreter starts faster than a spawned process but slower than a thread",
        holds, r=_ratio_text(vs_thread), q=_ratio_text(vs_spawn) if vs_spawn is not None else "not measured",
        python=python,
        i=ms_label(interp.median * 1e3), t=ms_label(thread.median * 1e3),
        spawn=ms_label(spawn.median * 1e3) if spawn is not None else "not measured",
        supported="In {python}, starting a subinterpreter took {i}: {r} a thread ({t}), "
                  "while a spawned process took {spawn} ({q} the interpreter)." + fast_tail,
        contradicted="In {python}, starting a subinterpreter took {i}, a thread {t} and a "
                     "spawned process {spawn} (interpreter/thread: {r}; spawn/interpreter: {q}): not the "
                     "usual order." + fast_tail,
        unclear="In {python}, starting a subinterpreter took {i}, a thread {t} and a spawned "
                "process {spawn}; the repeats overlap (interpreter/thread: {r}; spawn/interpreter: {q}), "
                "so this run cannot order them." + fast_tail)


def scaling_invariants(scaling: Suite) -> list[Invariant]:
    """What must hold of :func:`scaling_suite`'s result if the run was sound.

    For every mode and worker count: the speedup's low end at most N× (N workers
    cannot do more than N times the work of one) and at most the CPU count, each with
    ``IDEAL_SLACK``; one worker of any kind as fast as one thread (its speedup
    interval meets 1 ± ``IDEAL_SLACK``: the same work, the same single GIL-holder);
    every time positive.
    """
    cpus = int(scaling.metadata.get("usable_cpus") or 0)
    out: list[Invariant] = []
    times = [v for t in scaling.timings for v in t.values]
    out.append(invariant("si_times_positive", "every countdown run took a positive time", bool(times) and
                         min(times) > 0, cause="the clock or the harness is broken", runs=len(times)))
    over_n, over_cpu, one_off = [], [], []
    for t in scaling.timings:
        if t.mode == "sequential":
            continue
        s = scaling.speedup_interval(t)
        if t.workers == 1 and s.between(1 - IDEAL_SLACK, 1 + IDEAL_SLACK) is False:
            one_off.append(f"1 {t.mode[:-1] if t.mode.endswith('s') else t.mode}: {s.text()}")
        if s.low > t.workers * (1 + IDEAL_SLACK):
            over_n.append(f"{t.workers} {t.mode}: {s.text()}")
        if cpus and s.low > cpus * (1 + IDEAL_SLACK):
            over_cpu.append(f"{t.workers} {t.mode}: {s.text()}")
    out.append(invariant(
        "si_at_most_n", "no configuration ran faster than N× one thread for N workers",
        not over_n, cause="the one-thread runs were slowed (a burst of load during them): {found}",
        found="; ".join(over_n) or "none"))
    out.append(invariant(
        "si_one_is_one", "one worker of each kind ran at the speed of one thread (within {slack:.0%})",
        not one_off, cause="the same work on one thread took different times from run to run: other load "
                           "during some of them ({found})", slack=IDEAL_SLACK, found="; ".join(one_off) or "none"))
    out.append(invariant(
        "si_at_most_cpus", "no configuration ran faster than the {cpus} usable CPUs allow",
        not over_cpu, cause="the CPU count recorded is not the one the run had, or the one-thread runs "
                            "were slowed: {found}", cpus=cpus, found="; ".join(over_cpu) or "none"))
    return out


def startup_invariants(startup: Suite) -> list[Invariant]:
    """What must hold of :func:`startup_suite`'s result: every start cost positive."""
    values = [v for t in startup.timings for v in t.values]
    bad = [t.mode for t in startup.timings if not t.values or min(t.values) <= 0]
    return [invariant("si_start_positive", "every start cost is positive", bool(values) and not bad,
                      cause="the clock or the harness is broken ({bad})", bad=", ".join(bad) or "none")]


def result_invariants(result: Mapping[str, Any]) -> list[Invariant]:
    """:func:`scaling_invariants` and :func:`startup_invariants` of one :func:`run` result."""
    return scaling_invariants(result["scaling"]) + startup_invariants(result["startup"])


_EXAMPLE_HEAD = re.compile(r"^Python (?P<python>\S+) \((?P<api>[^)]+)\), (?P<cpus>\d+) CPUs, "
                           r"(?P<count>[\d,]+) steps, median of (?P<repeats>\d+) runs?", re.M)
_EXAMPLE_ROW = re.compile(r"^\s+(?P<n>\d+) (?P<kind>threads?|interpreters)\s+(?P<s>[\d.]+) s\s+"
                          r"(?P<x>[\d.]+)x one thread", re.M)
_EXAMPLE_START = re.compile(r"one interpreter: (?P<ms>[\d.]+) ms")


def parse_example(text: str) -> dict[str, Any]:
    """The figures ``examples/subinterpreters.py`` printed: ``python``, ``count``,
    ``repeats``, ``workers``, ``threads_x`` and ``interpreters_x`` (speedups over its
    one thread, ×), ``start_ms`` (one interpreter created, used and closed, ms).

    :raises ValueError: if *text* is not that script's report.
    """
    head, start = _EXAMPLE_HEAD.search(text), _EXAMPLE_START.search(text)
    rows = {m["kind"]: (int(m["n"]), float(m["x"])) for m in _EXAMPLE_ROW.finditer(text)}
    if head is None or start is None or "threads" not in rows or "interpreters" not in rows:
        raise ValueError("this is not the output of examples/subinterpreters.py")
    return {"python": head["python"], "count": int(head["count"].replace(",", "")),
            "repeats": int(head["repeats"]), "workers": rows["interpreters"][0],
            "threads_x": rows["threads"][1], "interpreters_x": rows["interpreters"][1],
            "start_ms": float(start["ms"])}


def _widened(s: Interval, tolerance: float, cap: float | None = None) -> tuple[float, float]:
    """*s* widened by *tolerance* each way, its upper end at most *cap* (when given, and above *s*)."""
    hi = s.high * (1 + tolerance)
    if cap is not None:
        hi = min(hi, max(cap, s.high))
    return s.low * (1 - tolerance), hi


def speedup_cap(workers: int, cpus: Any) -> float:
    """The most a speedup on *workers* can reach on *cpus* CPUs, with :data:`EXAMPLE_CAP_SLACK` (×)."""
    most = min(workers, int(cpus)) if cpus else workers
    return most * (1 + EXAMPLE_CAP_SLACK)


def example_verdict(scaling: Suite, startup: Suite, example: Mapping[str, Any]) -> Claim:
    """Whether the example run on the page (:func:`parse_example`) agrees with the chapter's
    measurement: both speedups within the chapter's intervals widened by
    ``EXAMPLE_TOLERANCE``, and the start cost within ``START_TOLERANCE`` of the
    chapter's quartiles. The sentence gives both sets of figures and how the runs differ."""
    t_i, s_i = _speedup(scaling, "interpreters")
    _t, s_t = _speedup(scaling, "threads", t_i.workers)
    interp = _start(startup, "interpreter")
    if interp is None:
        raise KeyError("the startup suite has no interpreter timing")
    cap = speedup_cap(t_i.workers, scaling.metadata.get("usable_cpus"))
    lo_i, hi_i = _widened(s_i, EXAMPLE_TOLERANCE, cap)
    lo_t, hi_t = _widened(s_t, EXAMPLE_TOLERANCE, cap)
    ok_i = lo_i <= example["interpreters_x"] <= hi_i
    ok_t = lo_t <= example["threads_x"] <= hi_t
    q1, q3 = interp.summary.q1 * 1e3, interp.summary.q3 * 1e3
    lo_s, hi_s = q1 / START_TOLERANCE, q3 * START_TOLERANCE
    ok_s = lo_s <= example["start_ms"] <= hi_s
    same_workers = example["workers"] == t_i.workers
    n = scaling.baseline("countdown").params.get("n")
    diffs = [f"it counted {example['count']:,} steps, the chapter {n:,}" if n != example["count"] else "",
             f"it used {example['workers']} workers, the chapter {t_i.workers}" if not same_workers else "",
             f"it timed each figure {example['repeats']} times straight away, while the chapter timed "
             f"{len(t_i.values)} runs after one unmeasured warm-up run"]
    how = "; ".join(d for d in diffs if d)
    return check(
        "si_example_check", "the example on this page measures what the chapter measured",
        ok_i and ok_t and ok_s and same_workers,
        ex_i=example["interpreters_x"], ex_t=example["threads_x"], ex_s=example["start_ms"], s_i=s_i, s_t=s_t,
        q1=q1, q3=q3, n=t_i.workers, how=how, ti=EXAMPLE_TOLERANCE, ts=START_TOLERANCE, cap=cap,
        capslack=EXAMPLE_CAP_SLACK,
        w_i=_placed(example["interpreters_x"], s_i.low, s_i.high, lo_i, hi_i, "{:.2f}×"),
        w_t=_placed(example["threads_x"], s_t.low, s_t.high, lo_t, hi_t, "{:.2f}×"),
        w_s=_placed(example["start_ms"], q1, q3, lo_s, hi_s, "{:.2f} ms"),
        title="The example and the chapter's measurement disagree",
        supported="The example agrees with the measurement above, within the tolerances this check allows "
                  "(a speedup within {ti:.0%} of the chapter's interval and at most {cap:.2f}×, {capslack:.0%} above "
                  "what {n} workers can reach on these cores, a start time within {ts:g}× of its quartiles): {n} "
                  "interpreters at "
                  "{ex_i:.2f}× one thread (above: {s_i}; {w_i}), {n} threads at "
                  "{ex_t:.2f}× (above: {s_t}; {w_t}), an interpreter started, used and closed in {ex_s:.2f} ms "
                  "(above: {q1:.2f}–{q3:.2f} ms; {w_s}). How the runs differ: {how}.",
        contradicted="The example's figures differ from the measurement above by more than this check allows "
                     "(a speedup within {ti:.0%} of the chapter's interval and at most {cap:.2f}×, {capslack:.0%} "
                     "above what {n} workers can reach on these cores, a start time within {ts:g}× of its "
                     "quartiles): {n} "
                     "interpreters at {ex_i:.2f}× one thread (above: {s_i}; {w_i}), threads at "
                     "{ex_t:.2f}× (above: {s_t}; {w_t}), an interpreter in {ex_s:.2f} ms (above: "
                     "{q1:.2f}–{q3:.2f} ms; {w_s}). How the runs differ: {how}. The likely cause is other load "
                     "on the host during one of the two runs.")


def _placed(value: float, low: float, high: float, lo_ok: float, hi_ok: float, fmt: str) -> str:
    """Where an example's figure lies against the chapter's interval and the tolerated range around it."""
    def shown(x: float) -> float:  # compare the figures as printed, so the words agree with them
        return float(re.sub(r"[^0-9.eE+-]", "", fmt.format(x)))

    value, low, high, lo_ok, hi_ok = (shown(x) for x in (value, low, high, lo_ok, hi_ok))
    if low <= value <= high:
        return "inside that interval"
    side = "above" if value > high else "below"
    if lo_ok <= value <= hi_ok:
        return f"{side} that interval, within the tolerated {fmt.format(lo_ok)}–{fmt.format(hi_ok)}"
    return f"outside even the tolerated {fmt.format(lo_ok)}–{fmt.format(hi_ok)}"


def unavailable_text(problem: str) -> str:
    """The body of the warning the chapter shows when no interpreter can host
    subinterpreters: what is missing and how to enable it."""
    return (f"{problem}\n\nTo enable this chapter, make a CPython 3.14, or a CPython 3.13 or 3.12 (default, "
            "GIL-enabled build), available to the build: on `PATH`, listed in `$GILREF_PYTHONS`, or "
            "provisioned by `python -m gilref provision`. For 3.12 and 3.13 the build installs the "
            f"`{BACKPORT.split('==')[0]}` backport into gilref's cache directory, which needs the package "
            "index to be reachable once. Until then every figure of this chapter is left out, and the "
            "guide in the last chapter has no subinterpreter option.")
