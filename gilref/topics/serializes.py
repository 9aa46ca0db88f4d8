"""Without the GIL, what still serializes: the measurements of that chapter.

Five questions, asked of the free-threaded and the default build of one CPython
version (the pair the interpreter policy chooses, :func:`builds`):

* **shared objects** (:func:`shared_objects`): threads reading an attribute of
  one shared object, calling a method of one shared instance, appending to one
  shared list, storing into one shared dict, against the same work on objects
  each thread owns, merged at the end;
* **shared standard-library state** (:func:`stdlib_shared`): the module-level
  :mod:`random` functions against one :class:`random.Random` per thread, and
  one shared :mod:`logging` logger and handler against one per thread;
* **memory** (:func:`memory_peak`): the peak resident memory of one
  object-heavy program;
* **stop-the-world** (:func:`gc_pause`, :func:`foreign_call_probe`): the pause
  another thread sees while the main thread collects garbage, and what a
  collection does while a thread sits in a ``ctypes.PyDLL`` call;
* **finding races** (:func:`race_suite`): ``pytest-run-parallel`` on a small
  test suite of an unguarded read-modify-write and of the same with a lock.

The functions that measure run *inside* an interpreter (through
:func:`gilref.interp.child.call` or as a script) and use only the standard
library; the verdicts (:func:`refcount_verdict`, :func:`locks_verdict`,
:func:`stdlib_verdict`, :func:`memory_verdict`, :func:`pause_verdict`,
:func:`hang_verdict`, :func:`race_verdict`, :func:`example_verdict`) are pure
functions of the results returning a :class:`~gilref.core.verdicts.Claim`, with
named thresholds, decided on the spread of the repeats (quartiles), not on one
median, with three outcomes (holds, contradicted, undecided); the
``*_invariants`` functions say what must hold if a run was sound.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..core._checks import check_choice, check_int, check_seconds
from ..core.harness import MIN_REPEATS, interleave, thread_counts
from ..core.hostinfo import collect_metadata
from ..core.results import Suite, Timing
from ..core.verdicts import Claim, Interval, Invariant, at_most, check, invariant, quartiles, ratio_interval
from ..core.workloads import split_count
from ..interp.select import BuildPair, choose
from ._crosscheck import load_text, overlap

__all__ = [
    "BASELINE_SLACK",
    "CITATIONS",
    "CONSTANT_WORKLOADS",
    "CPU_SUFFIX",
    "DICT_KEYS",
    "EXAMPLE_TOLERANCE",
    "EXTRA_WORK",
    "FAULTS_SUFFIX",
    "FOREIGN_CASES",
    "GAP_RESOLUTION",
    "HANG_DEADLINE",
    "IMMORTAL_REFCOUNT_FLOOR",
    "LOOP_S",
    "MIN_BYTES_PER_OBJECT",
    "OLD_GAP_RESOLUTION",
    "ONE_THREAD_GAP",
    "PAUSE_RATIO",
    "PAUSE_SHARE",
    "PAUSE_SLACK_S",
    "PEP779_MEMORY_LIMIT",
    "RAN_AT_ONCE",
    "SAME_WORK_SLACK",
    "SCALING_SLACK",
    "SHARED_WORKLOADS",
    "SLOWER_RATIO",
    "STDLIB_CLAIMS",
    "STDLIB_WORKLOADS",
    "baseline_scales",
    "builds",
    "collection_times_text",
    "constant_invariants",
    "constant_is_immortal",
    "constant_probe",
    "constant_verdict",
    "contention_invariants",
    "duration_text",
    "end_to_end",
    "end_to_end_text",
    "evidence_count",
    "example_verdict",
    "floored",
    "foreign_call_probe",
    "gap_resolution",
    "gc_pause",
    "hang_verdict",
    "lock_share",
    "locks_verdict",
    "logging_advice_text",
    "logging_lock_share",
    "loop_steps",
    "memory_invariants",
    "memory_peak",
    "memory_rows",
    "memory_source_text",
    "memory_verdict",
    "one_thread_text",
    "pause_default_text",
    "pause_invariants",
    "pause_note",
    "pause_rows",
    "pause_series",
    "pause_verdict",
    "probe_steps",
    "probe_steps_text",
    "race_default_text",
    "race_invariants",
    "race_rows",
    "race_suite",
    "race_verdict",
    "ran_at_once",
    "reader_example",
    "refcount_verdict",
    "same_store_text",
    "shared_objects",
    "sharing_ratio",
    "single_thread_text",
    "slow_runs",
    "specialized_share",
    "stdlib_shared",
    "stdlib_verdict",
    "steps_invariants",
    "thread_counts",
    "turns_reason",
]

#: The shared-object workloads of :func:`shared_objects`, in chart order.
SHARED_WORKLOADS = ("attribute", "method", "list-append", "dict-store")
#: The workloads of :func:`constant_probe`: dict-store with its key mask made by each thread, and
#: with the mask a constant of the function's code.
CONSTANT_WORKLOADS = ("dict-store", "dict-store-constant")
#: Appended to a mode (``"shared"``, ``"per-thread"``) for the Timing of the workers' own CPU seconds.
CPU_SUFFIX = "-cpu"
#: Appended to a mode for the Timing of the workers' minor page faults (counts, not seconds).
FAULTS_SUFFIX = "-faults"
#: Distinct keys the dict-store workloads cycle through (keys ``i & (DICT_KEYS - 1)``).
DICT_KEYS = 4096
#: A reference count at least this large means an immortal object on 3.12 and 3.13 (their
#: immortal counts are 2**30 - 1 or more; no real object here is referenced half a billion times).
IMMORTAL_REFCOUNT_FLOOR = 2**29
#: The standard-library workloads of :func:`stdlib_shared`.
STDLIB_WORKLOADS = ("random", "logging")
#: ``"pydll"`` keeps the calling thread attached during the foreign call; ``"cdll"`` detaches it.
FOREIGN_CASES = ("pydll", "cdll")

#: Shared work counts as *slower* than per-thread work when the whole shared ÷
#: per-thread interval (shared q1 ÷ per-thread q3 upwards) is at or above this
#: factor, as *not slower* when the whole of it is below, else undecided. A
#: quarter: well beyond the few per cent two interleaved runs differ by on a quiet host.
SLOWER_RATIO = 1.25
#: PEP 779's memory target for phase II (supported status): at most 20% more
#: memory than the default build (geometric mean over pyperformance).
PEP779_MEMORY_LIMIT = 0.20
#: A collection counts as stopping the other thread when the longest gap that
#: thread saw during the collection is at least this many times its longest gap
#: without one...
PAUSE_RATIO = 2.0
#: ... and lasted at least this share of the collection.
PAUSE_SHARE = 0.5
#: Seconds: the shortest gap :func:`gc_pause`'s ticker records (its results say so, ``resolution_s``;
#: older results used 0.1 ms). A window with no longer gap reports this value, never 0, so a gap ratio
#: is always defined, but then it is a floor, not a measurement: the texts print such a gap as "under"
#: it and a ratio over it as "at least". 10 µs: the ticker's loop takes well under a microsecond a step,
#: so a gap this long is a real stall, and a busy window still records few of them.
GAP_RESOLUTION = 1e-5
#: Seconds the ticker's gaps were recorded above in results that do not say (``resolution_s`` missing).
OLD_GAP_RESOLUTION = 1e-4
#: Seconds the foreign-call probe child may run before it is killed.
HANG_DEADLINE = 4.0
#: Slack on the scaling invariant: *k* threads may beat ``min(k, CPUs)`` times one
#: thread's speed by this fraction before the run counts as unsound (caches can help a little).
SCALING_SLACK = 0.15
#: Seconds added to a collection's own time for the longest pause the ticker may
#: see during it (the ticker may have been waiting a little before it began).
PAUSE_SLACK_S = 0.01
#: Bytes each built object must at least add to the peak: an instance, its dict,
#: a list and a string take several times this.
MIN_BYTES_PER_OBJECT = 64
#: Slack on the one-thread invariants: with one thread the shared and the per-thread run do the
#: same operations, so the worker's own CPU time (``time.thread_time``, which leaves out the time it
#: waited for a CPU or the GIL) may differ by at most this fraction between them, first quartile
#: against third. A quarter: the same operations still meet different caches and, on the run after a
#: merge, memory in another state; the wall time is not compared, since a shared host adds waits to it.
#: On a free-threaded build only the per-thread run is bounded by the shared one: there the worker does
#: not own the shared object, and its reference-count changes take the slower, atomic path.
SAME_WORK_SLACK = 0.25
#: At one thread, a shared ÷ per-thread ratio (of medians) further than this from 1 gets its cause
#: stated on the page (:func:`one_thread_text`); nearer, the two are the same within a quiet host's noise.
ONE_THREAD_GAP = 0.05

#: Slack on the per-thread invariant of a free-threaded build: with objects of their own,
#: *k* threads share the same operations, so their wall time may not exceed one thread's by
#: more than this fraction (first quartile against third): a tenth, beyond a shared host's noise.
#: A per-thread baseline that got slower with more threads did not scale, and a ratio over it
#: says nothing about the shared object.
BASELINE_SLACK = 0.10
#: A free-threaded build's *k* threads on objects of their own count as having run at once when their
#: wall time (third quartile) is at most this fraction of one thread's (first quartile): two CPUs shared
#: perfectly give 0.5 (also for 4 threads on 2 CPUs), threads taking turns on one CPU about 1.0. Threads
#: that never ran at once could not contend on a shared object, so a ratio over them says nothing about one.
RAN_AT_ONCE = 0.8
#: Tolerance of the example's cross-check: the script's and the chapter's shared ÷ per-thread
#: intervals agree when they overlap once each is widened by this fraction (a tenth: two runs
#: minutes apart on a shared host differ by that much without measuring anything else).
EXAMPLE_TOLERANCE = 0.10

#: Sources the chapter cites, each checked against the text it names.
CITATIONS = {
    "pep703": {
        "title": "PEP 703 – Making the Global Interpreter Lock Optional in CPython",
        "url": "https://peps.python.org/pep-0703/",
        "refcount": "https://peps.python.org/pep-0703/#biased-reference-counting",
        "deferred": "https://peps.python.org/pep-0703/#deferred-reference-counting",
        "immortal": "https://peps.python.org/pep-0703/#immortalization",
        "locks": "https://peps.python.org/pep-0703/#per-object-locks",
        "gc": "https://peps.python.org/pep-0703/#garbage-collection-cycle-collection",
    },
    "pep779": {
        "title": "PEP 779 – Criteria for supported status for free-threaded Python",
        "url": "https://peps.python.org/pep-0779/#specification",
        "memory": "Acceptable memory use. [...] We propose a target of 20% (geometric mean, as "
                  "measured by pyperformance) for phase II.",
        "memory_now": "free-threaded Python currently sees about 15-20% higher memory use "
                      "(geometric mean, as measured by pyperformance)",
    },
    "howto": {
        "title": "Python support for free threading (HOWTO)",
        "url": "https://docs.python.org/3/howto/free-threading-python.html",
        "url313": "https://docs.python.org/3.13/howto/free-threading-python.html#immortalization",
    },
    "whatsnew314": {
        "title": "What's New In Python 3.14, Free-threaded mode",
        "url": "https://docs.python.org/3/whatsnew/3.14.html#whatsnew314-free-threaded-cpython",
        "text": "The specializing adaptive interpreter (PEP 659) is now enabled in free-threaded mode, "
                "which along with many other optimizations greatly improves its performance. The "
                "performance penalty on single-threaded code in free-threaded mode is now roughly "
                "5-10%, depending on platform and C compiler used.",
    },
    "logging": {
        "title": "CPython 3.13.5, Lib/logging/__init__.py",
        "handle": "https://github.com/python/cpython/blob/v3.13.5/Lib/logging/__init__.py#L1011-L1028",
        "log": "https://github.com/python/cpython/blob/v3.13.5/Lib/logging/__init__.py#L1643-L1667",
        "queue": "https://github.com/python/cpython/blob/v3.13.5/Lib/logging/handlers.py#L1469-L1510",
    },
    "run_parallel": {
        "title": "pytest-run-parallel",
        "url": "https://github.com/Quansight-Labs/pytest-run-parallel",
    },
}


# -- inside the interpreter: shared objects ----------------------------------------------


class _Box:
    """One small object with an attribute and a method."""

    def __init__(self) -> None:
        self.x = 1

    def get(self) -> int:
        return self.x


def _attribute(box: _Box, n: int) -> int:
    total = 0
    for _ in range(n):
        total += box.x
    return total


def _method(box: _Box, n: int) -> int:
    total = 0
    for _ in range(n):
        total += box.get()
    return total


def _list_append(target: list[int], n: int) -> list[int]:
    append = target.append
    for i in range(n):
        append(i)
    return target


def _dict_store(target: dict[int, int], n: int) -> dict[int, int]:
    # The mask is made here, by the thread that runs this: written as a constant (``i & 4095``) it
    # would be one object of the code, shared by every thread, whose reference count each of them
    # changes on every step when it is not immortal (see :func:`constant_probe`).
    mask = DICT_KEYS - 1
    for i in range(n):
        target[i & mask] = i
    return target


def _dict_store_constant(target: dict[int, int], n: int) -> dict[int, int]:
    # The same stores with the mask a constant of this function's code: ``LOAD_CONST`` takes a
    # reference to that one object on every step, in every thread. Keep the literal equal to
    # DICT_KEYS - 1 (tests check it).
    for i in range(n):
        target[i & 4095] = i
    return target


def constant_is_immortal() -> bool:
    """Whether the mask constant of ``_dict_store_constant``'s code is immortal in this process.

    On 3.13 a constant of code that ``compile()`` made (which is how ``importlib``
    compiles a module it finds no ``.pyc`` for) is left mortal; code loaded from a
    ``.pyc`` has its constants immortalized. ``sys._is_immortal`` where it exists
    (3.14), else a reference count of at least :data:`IMMORTAL_REFCOUNT_FLOOR`.
    """
    const = next(c for c in _dict_store_constant.__code__.co_consts if isinstance(c, int) and c > 256)
    probe = getattr(sys, "_is_immortal", None)
    if probe is not None:
        return bool(probe(const))
    return sys.getrefcount(const) >= IMMORTAL_REFCOUNT_FLOOR


def _random_draw(rng: Any, n: int) -> float:
    draw = rng.random
    total = 0.0
    for _ in range(n):
        total += draw()
    return total


class _CountingHandler(logging.Handler):
    """A handler that only counts: the time goes to the logger and the handler's lock."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _new_logger() -> logging.Logger:
    logger = logging.Logger("gilref-serializes", logging.INFO)  # not registered: one per call
    logger.propagate = False
    logger.addHandler(_CountingHandler())
    return logger


def _log(logger: logging.Logger, n: int) -> int:
    for i in range(n):
        logger.info("record %d", i)
    return n


def logging_lock_share(records: int = 2_000, repeats: int = MIN_REPEATS) -> list[dict[str, float]]:
    """How much of a record's time the handler's lock is held, on one thread, *repeats* times.

    ``Handler.handle`` holds the handler's lock only around ``emit``
    (:data:`CITATIONS` ``["logging"]``); the record is made before, by the
    logger (``findCaller``, ``makeRecord``), with no lock held. Times *records*
    calls of ``logger.info`` on the counting handler of :func:`stdlib_shared`,
    and as many of the locked part alone (``with handler.lock: handler.emit(record)``),
    taking turns.

    :returns: per repeat ``record_s`` and ``locked_s`` (seconds per record) and
        ``share`` (``locked_s / record_s``, a fraction).
    """
    check_int("records", records, minimum=1)
    check_int("repeats", repeats, minimum=1)
    logger = _new_logger()
    handler = logger.handlers[0]
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 0, "record %d", (0,), None)
    out = []
    for _ in range(repeats + 1):  # the first round warms up
        start = time.perf_counter()
        _log(logger, records)
        whole = (time.perf_counter() - start) / records
        start = time.perf_counter()
        for _ in range(records):
            with handler.lock:  # type: ignore[union-attr]
                handler.emit(record)
        locked = (time.perf_counter() - start) / records
        out.append({"record_s": whole, "locked_s": locked, "share": locked / whole if whole > 0 else 0.0})
    return out[1:]


class _ModuleRandom:
    """The module-level :mod:`random` functions, which share one hidden ``Random``."""

    random = staticmethod(random.random)


# workload -> (make one object, work on it n times, merge the per-thread results)
_SPECS: dict[str, tuple[Callable[[], Any], Callable[[Any, int], Any], Callable[[list[Any]], Any]]] = {
    "attribute": (_Box, _attribute, sum),
    "method": (_Box, _method, sum),
    "list-append": (list, _list_append, lambda parts: [x for p in parts for x in p]),
    "dict-store": (dict, _dict_store, lambda parts: {k: v for p in parts for k, v in p.items()}),
    "dict-store-constant": (dict, _dict_store_constant, lambda parts: {k: v for p in parts for k, v in p.items()}),
    "random": (random.Random, _random_draw, sum),
    "logging": (_new_logger, _log, sum),
}
# operations per unit of n: a log record costs about as much as 20 random draws
_SCALE = {"logging": 0.05}
# what every thread shares in the "shared" mode, when that is not one new object
_SHARED_MAKERS: dict[str, Callable[[], Any]] = {"random": _ModuleRandom}


def _minor_faults() -> int:
    """Minor page faults of the calling thread so far (Linux ``RUSAGE_THREAD``), else -1."""
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_THREAD).ru_minflt)  # type: ignore[attr-defined,unused-ignore]
    except (ImportError, AttributeError, OSError, ValueError):
        return -1


def _one_run(workload: str, shared: bool, threads: int, n: int,
             timeout: float) -> tuple[float, float, float, float]:
    """(seconds of the work, seconds of the merge, CPU seconds of the work, minor page faults of the work)
    for *threads* threads doing *n* operations of *workload*.

    Shared mode: every thread works on one object the main thread made before
    (the merge is 0.0). Per-thread mode: each thread makes its own (so it owns
    its reference count) and the main thread merges the results after the
    join, timed on its own: the work is timed from releasing the threads to
    the last join. The CPU seconds are the workers' own (``time.thread_time``
    around the work, summed over the threads): the same work costs the same
    CPU time whoever made the object, while the wall time also holds the
    moments a worker was not running (waiting for the GIL or a CPU). The page
    faults are the workers' minor faults during the work, summed (``-1`` per
    thread where the platform cannot count them): memory touched for the first time.
    """
    make, work, merge = _SPECS[workload]
    common = _SHARED_MAKERS.get(workload, make)() if shared else None
    shares = split_count(n, threads)
    results: list[Any] = [None] * threads
    cpu = [0.0] * threads
    faults = [0] * threads
    errors: list[BaseException] = []
    ready = threading.Barrier(threads + 1)
    go = threading.Event()

    def worker(i: int) -> None:
        try:
            obj = common if shared else make()
            ready.wait(timeout)
            if not go.wait(timeout):
                raise TimeoutError("the start signal never came")
            began, faulted = time.thread_time(), _minor_faults()
            results[i] = work(obj, shares[i])
            cpu[i] = time.thread_time() - began
            faults[i] = _minor_faults() - faulted
        except BaseException as exc:  # reported below
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    ready.wait(timeout)  # every thread has made its object and waits for the signal
    start = time.perf_counter()
    go.set()
    deadline = start + timeout
    for t in pool:
        t.join(max(0.0, deadline - time.perf_counter()))
    if any(t.is_alive() for t in pool):
        raise TimeoutError(f"{threads} threads of {workload} did not finish within {timeout:g} s")
    worked = time.perf_counter() - start
    if errors:
        raise errors[0]
    if shared:
        return worked, 0.0, sum(cpu), float(sum(faults))
    start = time.perf_counter()
    merge(results)
    return worked, time.perf_counter() - start, sum(cpu), float(sum(faults))


def _measure(
    workloads: Sequence[str], n: int, threads: Sequence[int], repeats: int, warmups: int, timeout: float,
    modes: Sequence[str] = ("per-thread", "shared"),
) -> Suite:
    check_int("n", n, minimum=1)
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    check_seconds("timeout", timeout, allow_zero=False)
    counts = sorted({check_int("threads", k, minimum=1) for k in threads})
    if not counts:
        raise ValueError("threads must list at least one thread count")
    configs = [(w, m, k) for w in workloads for k in counts for m in modes]

    sizes = {w: max(1, int(n * _SCALE.get(w, 1.0))) for w in workloads}

    def run_of(w: str, m: str, k: int) -> Callable[[], tuple[float, float, float, float]]:
        return lambda: _one_run(w, m == "shared", k, sizes[w], timeout)

    values, warm = interleave([run_of(*c) for c in configs], repeats=repeats, warmups=warmups)
    suite = Suite(metadata=collect_metadata())
    for (w, m, k), vals, wv in zip(configs, values, warm):
        suite.add(Timing(w, m, k, tuple(v[0] for v in vals), tuple(v[0] for v in wv), {"n": sizes[w]}))
        suite.add(Timing(w, f"{m}{CPU_SUFFIX}", k, tuple(v[2] for v in vals), tuple(v[2] for v in wv),
                         {"n": sizes[w]}, unit="CPU s"))
        if min(v[3] for v in vals) >= 0:
            suite.add(Timing(w, f"{m}{FAULTS_SUFFIX}", k, tuple(v[3] for v in vals), tuple(v[3] for v in wv),
                             {"n": sizes[w]}, unit="faults"))
        if m == "per-thread":
            suite.add(Timing(w, "merge", k, tuple(v[1] for v in vals), tuple(v[1] for v in wv), {"n": sizes[w]}))
    return suite


def shared_objects(
    n: int = 100_000,
    threads: Sequence[int] = (1, 2, 4),
    *,
    workloads: Sequence[str] = SHARED_WORKLOADS,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """Time *n* operations split over each thread count, on shared and on per-thread objects.

    One :class:`~gilref.core.results.Timing` per (workload, mode, threads):
    mode ``"shared"`` or ``"per-thread"``, values in seconds (wall clock,
    from releasing the threads to the last join), and mode ``"merge"``: the
    seconds the main thread then took to merge the per-thread results into
    one (a list of every item, a sum), timed apart so that the shared ÷
    per-thread ratio compares the threads' work alone. Configurations take
    turns (interleaved repeats).

    :returns: a :meth:`Suite.to_dict() <gilref.core.results.Suite.to_dict>`.
    """
    for w in workloads:
        check_choice("workload", w, SHARED_WORKLOADS)
    return _measure(workloads, n, threads, repeats, warmups, timeout).to_dict()


def constant_probe(
    n: int = 100_000,
    threads: Sequence[int] = (1, 2),
    *,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """Per-thread dict-store with the key mask made by each thread, and with it a constant of the code.

    Both workloads (:data:`CONSTANT_WORKLOADS`) store ``i & 4095`` into a dict
    each thread made itself, *n* stores split over each thread count, per-thread
    mode only, interleaved. They differ in one object: ``"dict-store"`` makes
    the mask ``4095`` in each thread, ``"dict-store-constant"`` loads it from its
    code's constants on every step, one object for every thread.
    ``metadata["constant_immortal"]`` says whether that constant was immortal
    in this process (:func:`constant_is_immortal`).

    :returns: a :meth:`Suite.to_dict() <gilref.core.results.Suite.to_dict>`.
    """
    suite = _measure(CONSTANT_WORKLOADS, n, threads, repeats, warmups, timeout, modes=("per-thread",))
    suite.metadata["constant_immortal"] = constant_is_immortal()
    return suite.to_dict()


def stdlib_shared(
    n: int = 40_000,
    threads: Sequence[int] = (1, 2, 4),
    *,
    workloads: Sequence[str] = STDLIB_WORKLOADS,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """As :func:`shared_objects`, for shared standard-library state.

    *n* is the number of random draws; logging writes ``n // 20`` records
    (a record costs far more than a draw). ``"random"``: shared mode draws with the module-level ``random.random``
    (one hidden ``Random`` for the whole process), per-thread mode with one
    ``random.Random()`` per thread. ``"logging"``: one logger with one
    handler for all threads, against one of each per thread; every record
    goes through the handler's lock. With logging, ``metadata["logging_lock_share"]``
    holds :func:`logging_lock_share` (how much of a record the lock is held).
    """
    for w in workloads:
        check_choice("workload", w, STDLIB_WORKLOADS)
    suite = _measure(workloads, n, threads, repeats, warmups, timeout)
    if "logging" in workloads:
        suite.metadata["logging_lock_share"] = logging_lock_share(max(1, int(n * _SCALE["logging"])), repeats)
    return suite.to_dict()


# -- inside the interpreter: memory ------------------------------------------------------


class _Record:
    def __init__(self, i: int) -> None:
        self.key = i
        self.name = f"item-{i}"
        self.tags = [i, i + 1]
        self.meta = {"i": i}


def _vm_hwm_kib() -> int | None:
    """``VmHWM`` of ``/proc/self/status`` (Linux): this process's peak resident memory, in KiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def memory_peak(objects: int = 200_000) -> dict[str, Any]:
    """Peak resident memory of this process before and after building *objects* records.

    Each record is a small class instance with four attributes (an int, a
    string, a two-item list and a one-item dict). Run it in a fresh child
    process: a peak only grows.

    Two readings of the peak: ``resource.getrusage(RUSAGE_SELF).ru_maxrss``
    (KiB on Linux, bytes on macOS: converted to KiB) and, on Linux,
    ``VmHWM`` from ``/proc/self/status``. On Linux ``ru_maxrss`` survives
    ``exec``: a child started from a large parent (a notebook kernel) starts
    with the parent's peak, while ``VmHWM`` belongs to this process's memory
    alone. ``start_kib`` and ``peak_kib`` use ``VmHWM`` where it exists
    (``source`` says which).

    :returns: ``start_kib`` (peak before building), ``peak_kib`` (after),
        ``maxrss_start_kib``, ``maxrss_kib``, ``source``, ``objects``,
        ``free_threaded`` and ``python``.
    """
    import platform
    import resource
    import sysconfig

    check_int("objects", objects, minimum=1)
    scale = 1024 if sys.platform == "darwin" else 1

    def maxrss() -> int:
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) // scale

    rss_before, hwm_before = maxrss(), _vm_hwm_kib()
    kept = [_Record(i) for i in range(objects)]
    rss_after, hwm_after = maxrss(), _vm_hwm_kib()
    assert len(kept) == objects
    use_hwm = hwm_before is not None and hwm_after is not None
    return {"start_kib": hwm_before if use_hwm else rss_before, "peak_kib": hwm_after if use_hwm else rss_after,
            "maxrss_start_kib": rss_before, "maxrss_kib": rss_after,
            "source": "VmHWM" if use_hwm else "ru_maxrss", "objects": objects,
            "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
            "python": platform.python_version()}


# -- inside the interpreter: stop-the-world ----------------------------------------------


def _busy(seconds: float) -> int:
    end = time.perf_counter() + seconds
    steps = 0
    while time.perf_counter() < end:
        steps += 1
    return steps


def _largest_gap(gaps: Sequence[tuple[float, float]], start: float, end: float, *, ending: bool = False) -> float:
    """The longest of the ``(from, to)`` gaps that overlaps the window ``[start, end]``, in seconds.

    With *ending*, only gaps that also end inside the window count (a gap that
    began in one window and lasted into the next belongs to the next).
    """
    return max((b - a for a, b in gaps if b >= start and a <= end and (not ending or b <= end)), default=0.0)


def gc_pause(heap: int = 300_000, repeats: int = MIN_REPEATS, timeout: float = 60.0) -> dict[str, Any]:
    """The largest gap a timestamping thread sees with and without a garbage collection.

    A *ticker* thread reads the clock in a tight loop and notes every gap
    between two readings longer than :data:`GAP_RESOLUTION`. The main thread, holding a heap
    of *heap* small containers (a list in a dict, each), first runs Python
    code for as long as one collection takes (the ``busy`` window), then
    calls ``gc.collect()`` (the ``collect`` window). A window's pause is the
    longest gap that overlaps it. Automatic collection is off meanwhile.

    :returns: per repeat, ``busy_gap_s``, ``collect_gap_s`` and ``collect_s``
        (seconds; a gap of ``resolution_s`` means none longer was seen), plus ``heap``,
        ``resolution_s``, the GIL state and the switch interval.
    """
    check_int("heap", heap, minimum=1)
    check_int("repeats", repeats, minimum=1)
    check_seconds("timeout", timeout, allow_zero=False)
    kept = [{"k": [i]} for i in range(heap)]
    was_enabled = gc.isenabled()
    gc.disable()
    gc.collect()
    start = time.perf_counter()
    gc.collect()
    estimate = max(0.005, time.perf_counter() - start)
    busy_gaps, collect_gaps, collect_s = [], [], []
    try:
        for _ in range(repeats):
            gaps: list[tuple[float, float]] = []
            stop = threading.Event()
            ready = threading.Event()

            def tick(gaps: list[tuple[float, float]] = gaps, stop: threading.Event = stop,
                     ready: threading.Event = ready) -> None:
                clock = time.perf_counter
                last = clock()
                ready.set()
                while not stop.is_set():
                    now = clock()
                    if now - last > GAP_RESOLUTION:
                        gaps.append((last, now))
                    last = now

            ticker = threading.Thread(target=tick, daemon=True)
            ticker.start()
            if not ready.wait(timeout):
                raise TimeoutError("the ticker thread did not start")
            _busy(0.01)
            b0 = time.perf_counter()
            _busy(estimate)
            b1 = c0 = time.perf_counter()
            gc.collect()
            c1 = time.perf_counter()
            _busy(0.01)
            stop.set()
            ticker.join(timeout)
            if ticker.is_alive():
                raise TimeoutError("the ticker thread did not stop")
            collect_s.append(c1 - c0)
            busy_gaps.append(max(GAP_RESOLUTION, _largest_gap(gaps, b0, b1, ending=True)))
            collect_gaps.append(max(GAP_RESOLUTION, _largest_gap(gaps, c0, c1)))
    finally:
        if was_enabled:
            gc.enable()
    probe = getattr(sys, "_is_gil_enabled", None)
    assert len(kept) == heap
    return {"heap": heap, "resolution_s": GAP_RESOLUTION, "busy_gap_s": busy_gaps, "collect_gap_s": collect_gaps,
            "collect_s": collect_s,
            "gil_enabled": bool(probe()) if probe is not None else True,
            "switch_interval_s": sys.getswitchinterval()}


_PROBE = r"""
import ctypes, gc, os, sys, threading, time
case, hold, loop = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
lib = (ctypes.PyDLL if case == "pydll" else ctypes.CDLL)(None)
lib.sleep.argtypes = [ctypes.c_uint]
entering = threading.Event()
def call():
    print("other thread: calls sleep(%d) through %s" % (hold, "PyDLL" if case == "pydll" else "CDLL"), flush=True)
    entering.set()
    lib.sleep(hold)
threading.Thread(target=call, daemon=True).start()
entering.wait()
time.sleep(0.2)
def busy(seconds):  # the loop of gilref.topics.serializes._busy, which loop_steps repeats
    end = time.perf_counter() + seconds
    steps = 0
    while time.perf_counter() < end:
        steps += 1
    return steps
steps = busy(loop)
print("main thread: ran {:,} loop steps meanwhile".format(steps), flush=True)
print("main thread: gc.collect() starts", flush=True)
t0 = time.perf_counter()
gc.collect()
print("main thread: gc.collect() returned after %.3f s" % (time.perf_counter() - t0), flush=True)
os._exit(0)
"""


#: Seconds the main thread's loop runs in the foreign-call probe (``_PROBE``) and in each run of
#: :func:`loop_steps`, which repeats that loop so that the steps per run have a median and a spread.
LOOP_S = 0.2


def loop_steps(seconds: float = LOOP_S, repeats: int = MIN_REPEATS) -> dict[str, Any]:
    """The foreign-call probe's main-thread loop (a ``time.perf_counter()`` call and an addition per step),
    run *repeats* times for *seconds* each, on one thread, after one warm-up run.

    :returns: ``steps`` (per run), ``elapsed_s`` (per run, seconds), ``seconds``, the GIL state.
    """
    check_seconds("seconds", seconds, allow_zero=False)
    check_int("repeats", repeats, minimum=1)
    _busy(seconds)
    steps, elapsed = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        steps.append(_busy(seconds))
        elapsed.append(time.perf_counter() - start)
    probe = getattr(sys, "_is_gil_enabled", None)
    return {"steps": steps, "elapsed_s": elapsed, "seconds": seconds,
            "gil_enabled": bool(probe()) if probe is not None else True}


def steps_invariants(result: Mapping[str, Any], *, tag: str = "") -> list[Invariant]:
    """What must hold for :func:`loop_steps` results: every run counted steps and lasted its *seconds*
    (a loop that checks the clock every step cannot end early or overrun by more than a step, but for a
    host that stopped the process, which this bounds at 50%)."""
    steps, elapsed, want = list(result["steps"]), list(result["elapsed_s"]), float(result["seconds"])
    return [invariant(
        f"{tag}loop-steps-counted",
        "{tag}every run of the loop counted steps for as long as it was asked to run",
        bool(steps) and min(steps) > 0 and all(want <= e <= 1.5 * want for e in elapsed), tag=tag,
        longest=round(max(elapsed or [0.0]), 3), want=want,
        cause="a run lasted {longest:.3f} s against {want:g} s asked: the host stopped the process meanwhile")]


def foreign_call_probe(python: str, case: str, *, deadline: float = HANG_DEADLINE) -> dict[str, Any]:
    """Start a collection while another thread sits in a foreign call, in a child killed on *deadline*.

    The child (interpreter *python*) starts a thread that calls the C
    library's ``sleep()`` for longer than the deadline, through
    ``ctypes.PyDLL`` (*case* ``"pydll"``: the thread stays attached to the
    interpreter, holding the GIL where there is one) or ``ctypes.CDLL``
    (``"cdll"``: detached). The main thread then runs Python code for
    :data:`LOOP_S` seconds and calls ``gc.collect()``. Each step prints a line as it happens.

    :returns: ``outcome`` (``"completed"`` or ``"killed"``), ``lines`` (what
        the child printed before it ended or was killed), ``elapsed_s``,
        ``deadline_s``, ``case``.
    """
    import subprocess

    from ..core import _proc

    check_choice("case", case, FOREIGN_CASES)
    check_seconds("deadline", deadline, allow_zero=False)
    hold = int(deadline * 10) + 30
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHON_GIL")}
    start = time.monotonic()
    proc = subprocess.Popen([python, "-c", _PROBE, case, str(hold), repr(LOOP_S)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=deadline)
        outcome = "completed" if proc.returncode == 0 else f"failed (exit code {proc.returncode})"
    except subprocess.TimeoutExpired:
        _proc.kill_group(proc)
        out, err = proc.communicate()
        outcome = "killed"
    return {"case": case, "outcome": outcome, "lines": out.splitlines(), "stderr": err.strip().splitlines()[-3:],
            "elapsed_s": time.monotonic() - start, "deadline_s": deadline}


# -- finding races with pytest-run-parallel ------------------------------------------------

_TALLY_PY = '''"""A tally with an unguarded read-modify-write, and the same with a lock."""
import threading


class Tally:
    def __init__(self):
        self.count = 0

    def add(self, n=1):
        self.count += n   # read, add, write: no lock


class LockedTally(Tally):
    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()

    def add(self, n=1):
        with self._lock:
            self.count += n
'''

_TEST_PY = '''"""Every test runs in all of pytest-run-parallel's threads."""
import sys
import threading

import pytest

from tally import LockedTally, Tally

PER_THREAD = {per_thread:_}


@pytest.fixture
def shared(num_parallel_threads):
    # set up once per test, before the threads start: all share it
    return threading.Barrier(num_parallel_threads), num_parallel_threads


def _check(tally, shared, record_property):
    done, threads = shared
    record_property("switch_interval", sys.getswitchinterval())
    for _ in range(PER_THREAD):
        tally.add()
    done.wait(60)
    expected = PER_THREAD * threads
    lost = expected - tally.count
    assert lost == 0, f"lost {{lost}} of {{expected}} increments"


@pytest.fixture
def unguarded():
    return Tally()


@pytest.fixture
def locked():
    return LockedTally()


def test_unguarded(unguarded, shared, record_property):
    _check(unguarded, shared, record_property)


def test_locked(locked, shared, record_property):
    _check(locked, shared, record_property)
'''


def race_files(per_thread: int = 100_000) -> dict[str, str]:
    """The small test suite :func:`race_suite` runs: file name -> source."""
    check_int("per_thread", per_thread, minimum=1)
    return {"tally.py": _TALLY_PY, "test_tally.py": _TEST_PY.format(per_thread=per_thread)}


def race_suite(
    python: str,
    *,
    threads: int = 4,
    per_thread: int = 100_000,
    timeout: float = 120.0,
) -> dict[str, Any]:
    """Run the race suite with ``pytest --parallel-threads=threads`` in interpreter *python*.

    A child process of *python* with a deadline (killed with its process
    group when it overshoots). Outcomes come from pytest's JUnit XML report.

    :returns: ``available`` (False with ``error`` when pytest or the plugin
        is missing), ``tests``: name -> {``outcome`` ("passed", "failed",
        "error", "skipped"), ``message``, ``lost`` (increments lost, from the
        assertion; 0 when it passed), ``switch_interval`` (seconds, inside
        the test)}, ``exit_code``, ``threads``, ``per_thread``, ``plugin``.
    """
    import tempfile
    import xml.etree.ElementTree as ET

    from ..core import _proc

    check_int("threads", threads, minimum=2)
    check_seconds("timeout", timeout, allow_zero=False)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST") and k not in ("PYTHONPATH", "PYTHONHOME", "PYTHON_GIL")}
    probe = ("import importlib.metadata as m; print(m.version('pytest'), m.version('pytest-run-parallel'))")
    try:
        have = _proc.run([python, "-c", probe], timeout=60, env=env)
    except _proc.Overshoot:
        return {"available": False, "error": "asking for pytest's version hung", "tests": {}}
    if have.returncode != 0:
        tail = (have.stderr.strip().splitlines() or ["?"])[-1]
        return {"available": False, "error": f"pytest or pytest-run-parallel is not installed ({tail})",
                "tests": {}}
    pytest_version, plugin_version = have.stdout.split()
    with tempfile.TemporaryDirectory(prefix="gilref-race-") as tmp:
        for name, text in race_files(per_thread).items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
        report = os.path.join(tmp, "report.xml")
        cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
               "-o", "junit_family=legacy", "--rootdir", tmp,
               f"--parallel-threads={threads}", f"--junitxml={report}", "test_tally.py"]
        try:
            proc = _proc.run(cmd, timeout=timeout, env=env, cwd=tmp)
        except _proc.Overshoot:
            return {"available": True, "error": f"pytest did not finish within {timeout:g} s and was killed",
                    "tests": {}, "exit_code": None, "threads": threads, "per_thread": per_thread,
                    "plugin": plugin_version, "pytest": pytest_version}
        tests: dict[str, dict[str, Any]] = {}
        if os.path.exists(report):
            for case in ET.parse(report).getroot().iter("testcase"):
                outcome, message = "passed", ""
                for tag in ("failure", "error", "skipped"):
                    node = case.find(tag)
                    if node is not None:
                        outcome = "failed" if tag == "failure" else tag
                        message = (node.get("message") or "").splitlines()[0] if node.get("message") else ""
                        break
                props = {p.get("name"): p.get("value") for p in case.iter("property")}
                lost = 0
                if "lost " in message:
                    try:
                        lost = int(message.split("lost ", 1)[1].split()[0])
                    except ValueError:
                        lost = -1
                interval = props.get("switch_interval")
                tests[case.get("name", "?")] = {"outcome": outcome, "message": message, "lost": lost,
                                                "switch_interval": float(interval) if interval else None}
    return {"available": True, "error": None if tests else (proc.stderr.strip().splitlines() or ["?"])[-1],
            "tests": tests, "exit_code": proc.returncode, "threads": threads, "per_thread": per_thread,
            "plugin": plugin_version, "pytest": pytest_version, "summary": (proc.stdout.strip().splitlines()
                                                                              or [""])[-1]}


# -- verdicts: functions of the results, with named thresholds ----------------------------


def _suite(data: Suite | Mapping[str, Any]) -> Suite:
    return data if isinstance(data, Suite) else Suite.from_dict(dict(data))


def _outcome(states: Sequence[bool | None]) -> bool | None:
    """All True: True; any False: False; otherwise None (undecided)."""
    if any(s is False for s in states):
        return False
    if any(s is None for s in states):
        return None
    return True


def sharing_ratio(results: Suite | Mapping[str, Any], workload: str, threads: int) -> Interval:
    """Shared ÷ per-thread wall time of *workload* on *threads* threads (a factor; the merge is left out).

    Over the repeats' quartiles (:func:`gilref.core.verdicts.ratio_interval`): the
    low end compares the shared run's first quartile with the per-thread run's third.
    """
    suite = _suite(results)
    return ratio_interval(suite.get(workload, "shared", threads).values,
                          suite.get(workload, "per-thread", threads).values)


def _slower_word(state: bool | None) -> str:
    return {True: "slower", False: "not slower", None: "cannot tell"}[state]


def baseline_scales(results: Suite | Mapping[str, Any], workload: str, threads: int,
                    *, slack: float = BASELINE_SLACK) -> bool:
    """Whether *workload*'s per-thread run on *threads* threads was not slower than on one thread.

    Compared on quartiles (:func:`gilref.core.verdicts.at_most`, with *slack*).
    On a free-threaded build threads with objects of their own share the same
    operations and run in parallel: a baseline that got slower with more
    threads failed to scale, and a shared ÷ per-thread ratio over it is no
    evidence about the shared object. True on a build with the GIL (nothing
    runs in parallel there) and when no one-thread run was measured.
    """
    pair = _free_per_thread_pair(_suite(results), workload, threads)
    if pair is None:
        return True
    many, one = pair
    return at_most(many, one, slack=slack)


def _free_per_thread_pair(suite: Suite, workload: str, threads: int) -> tuple[list[float], list[float]] | None:
    """*workload*'s per-thread wall times (s) on *threads* threads and on one, on a free-threaded
    build; None on a build with the GIL, for one thread, or when either was not measured."""
    if suite.metadata.get("gil_enabled") is not False or threads == 1:
        return None
    own = {t.workers: t for t in suite.select(workload, "per-thread")}
    if 1 not in own or threads not in own:
        return None
    return list(own[threads].values), list(own[1].values)


def _baseline_text(suite: Suite, workload: str, threads: int) -> str:
    own = {t.workers: t for t in suite.select(workload, "per-thread")}
    return (f"not evidence: its per-thread baseline took {own[threads].median * 1e3:.1f} ms on {threads} "
            f"threads against {own[1].median * 1e3:.1f} ms on 1, so it failed to scale")


def ran_at_once(results: Suite | Mapping[str, Any], workload: str, threads: int,
                *, share: float = RAN_AT_ONCE) -> bool:
    """Whether *workload*'s per-thread threads on a free-threaded build ran at once on *threads* threads.

    True when their wall time's third quartile is at most *share* of one thread's first
    quartile (the same operations, split): on a busy host the threads may take turns on one
    CPU, and then nothing shared could have been contended. True on a build with the GIL,
    for one thread and when no one-thread run was measured (as :func:`baseline_scales`).
    """
    pair = _free_per_thread_pair(_suite(results), workload, threads)
    if pair is None:
        return True
    many, one = pair
    return quartiles(many)[2] <= share * quartiles(one)[0]


def _sound(suite: Suite, workload: str, threads: int) -> bool:
    """Whether a ratio over *workload*'s per-thread baseline at *threads* is evidence about sharing."""
    return baseline_scales(suite, workload, threads) and ran_at_once(suite, workload, threads)


def slow_runs(results: Suite | Mapping[str, Any], workload: str, threads: int,
              *, share: float = RAN_AT_ONCE) -> tuple[list[int], int]:
    """(the runs, numbered from 0, in which *workload*'s per-thread threads on *threads* threads took more
    than *share* of one thread's first quartile, and how many runs there were), on a free-threaded build;
    ``([], 0)`` where :func:`ran_at_once` does not apply (a GIL, one thread, no one-thread run)."""
    pair = _free_per_thread_pair(_suite(results), workload, threads)
    if pair is None:
        return [], 0
    bar = share * quartiles(pair[1])[0]
    return [i for i, w in enumerate(pair[0]) if w > bar], len(pair[0])


def _runs_words(ix: Sequence[int]) -> str:
    """``"run 2"``, ``"runs 1 and 4"``, ``"runs 1, 3 and 5"`` (numbered from 1)."""
    nums = [str(i + 1) for i in ix]
    return ("run " if len(nums) == 1 else "runs ") + (
        nums[0] if len(nums) == 1 else ", ".join(nums[:-1]) + " and " + nums[-1])


def _unsound_text(suite: Suite, workload: str, threads: int) -> str:
    """Why a ratio over the baseline is not evidence (the baseline failed to scale, or its threads took turns:
    in how many of its runs, and which)."""
    if not baseline_scales(suite, workload, threads):
        return _baseline_text(suite, workload, threads)
    own = {t.workers: t for t in suite.select(workload, "per-thread")}
    slow, fast = quartiles(list(own[threads].values))[2], quartiles(list(own[1].values))[0]
    ix, total = slow_runs(suite, workload, threads)
    return (f"not evidence: in {len(ix)} of its {total} runs ({_runs_words(ix)}) its threads did not run at once, "
            f"taking more than {RAN_AT_ONCE:.0%} of one thread's first quartile ({fast * 1e3:.1f} ms), so its "
            f"third quartile, {slow * 1e3:.1f} ms on {threads} threads, is above that bar (medians "
            f"{own[threads].median * 1e3:.1f} ms on {threads} threads against {own[1].median * 1e3:.1f} ms on 1)"
            f"{turns_reason(suite, workload, threads)}")


def evidence_count(results: Suite | Mapping[str, Any], workload: str, threads: int) -> int | None:
    """The thread count whose shared ÷ per-thread ratio decides *workload*: *threads* when its baseline is
    sound (scaled, and its threads ran at once), else the smallest other count above 1 whose baseline is
    (more threads than CPUs still run two at a time), else None (nothing measured can decide it)."""
    suite = _suite(results)
    if _sound(suite, workload, threads):
        return threads
    others = sorted({t.workers for t in suite.select(workload, "shared")} - {1, threads})
    return next((k for k in others if _sound(suite, workload, k)), None)


#: A slow run whose threads' CPU time is at least this many times the median of the other runs'
#: did more work, not less running at once (a first run of a size, paging in fresh memory).
EXTRA_WORK = 1.5


def turns_reason(suite: Suite, workload: str, threads: int, *, share: float = RAN_AT_ONCE) -> str:
    """Why *workload*'s per-thread runs on *threads* threads were slow, from their CPU time (``"-cpu"``).

    The slow runs are those above *share* of one thread's first quartile. Where their
    CPU time is at most their wall time, at most one thread ran at a time in them: the
    threads took turns on the CPUs. Where it is at least :data:`EXTRA_WORK` times the
    other runs' median CPU time, the threads ran but had more to do. Returns ``": "``
    and the finding (run numbers from 1, ms), or ``""`` when the CPU time was not measured.
    """
    pair = _free_per_thread_pair(suite, workload, threads)
    cpu = {t.workers: t for t in suite.select(workload, "per-thread" + CPU_SUFFIX)}
    if pair is None or threads not in cpu or len(cpu[threads].values) != len(pair[0]):
        return ""
    walls, cpus = pair[0], list(cpu[threads].values)
    bar = share * quartiles(pair[1])[0]
    slow = [i for i, w in enumerate(walls) if w > bar]
    rest = [cpus[i] for i in range(len(walls)) if i not in slow] or cpus
    usual = statistics.median(rest)
    extra = [i for i in slow if cpus[i] >= EXTRA_WORK * usual]
    turns = [i for i in slow if i not in extra and cpus[i] <= walls[i] * 1.05]

    def runs(ix: Sequence[int]) -> str:
        return "; ".join(f"run {i + 1}: {walls[i] * 1e3:.1f} ms wall, {cpus[i] * 1e3:.1f} ms CPU" for i in ix)

    parts = []
    if turns:
        parts.append(f"in {runs(turns)}, the threads' CPU time was no more than the wall time, so one "
                     "thread ran at a time: they took turns on the CPUs")
    if extra:
        parts.append(f"in {runs(extra)}, the threads used more CPU time than the other runs' "
                     f"{usual * 1e3:.1f} ms: they ran, with more to do")
    rest_slow = [i for i in slow if i not in extra and i not in turns]
    if rest_slow:
        parts.append(f"in {runs(rest_slow)}, the threads overlapped only in part")
    return ": " + "; ".join(parts) if parts else ""


def _sharing_parts(suite: Suite, workloads: Sequence[str], threads: int,
                   ratio: float) -> tuple[dict[str, Any], list[bool | None], str]:
    """Each workload's Interval at *threads*, its decision, and the text: per workload its Interval and
    decision, then the other thread counts'. A workload whose baseline at *threads* is unsound is decided
    at :func:`evidence_count` instead (None when no count is sound)."""
    ivs = {w: sharing_ratio(suite, w, threads) for w in workloads}
    parts, states = [], []
    used = {w: evidence_count(suite, w, threads) for w in workloads}
    for w, iv in ivs.items():
        k = used[w]
        if k == threads:
            st = iv.at_least(ratio)
            parts.append(f"{w} {iv.text()}, {_slower_word(st)}")
        else:
            st = None if k is None else sharing_ratio(suite, w, k).at_least(ratio)
            parts.append(f"{w} {iv.text()}, {_unsound_text(suite, w, threads)}"
                         + ("" if k is None else f"; its {k}-thread row decides it instead"))
        states.append(st)
    seen = "; ".join(parts)
    others = sorted({t.workers for t in suite.select(workloads[0], "shared")} - {1, threads})
    for k in others:
        cases = []
        for w in workloads:
            iv = sharing_ratio(suite, w, k)
            if used[w] == k:
                note = (f", {_slower_word(iv.at_least(ratio))}: the evidence for {w}, its threads having run "
                        "at once there")
            elif baseline_scales(suite, w, k):
                note = "" if ran_at_once(suite, w, k) else " (its threads did not run at once)"
            else:
                note = " (its baseline failed to scale)"
            cases.append(f"{w} {iv.text()}{note}")
        seen += f"; at {k} threads: " + ", ".join(cases)
    return ivs, states, seen


def _why(suite: Suite, ivs: Mapping[str, Interval], threads: int, ratio: float) -> str:
    """Why a sharing verdict is undecided: which workloads' intervals straddle *ratio* (at the count that
    decides them), which baselines failed with no other count to fall back on."""
    used = {w: evidence_count(suite, w, threads) for w in ivs}
    straddle = [w for w in ivs if used[w] is not None
                and sharing_ratio(suite, w, used[w]).at_least(ratio) is None]  # type: ignore[arg-type]
    failed = [w for w in ivs if used[w] is None and not baseline_scales(suite, w, threads)]
    apart = [w for w in ivs if used[w] is None and baseline_scales(suite, w, threads)]
    many = len(straddle) > 1
    apart_text = [f"the threads of {w} did not run at once in {len(slow_runs(suite, w, threads)[0])} of its "
                  f"{slow_runs(suite, w, threads)[1]} runs, and no other thread count ran them at once" for w in apart]
    at = [f" (at {used[w]} threads)" if used[w] != threads else "" for w in straddle]
    names = " and ".join(w + a for w, a in zip(straddle, at))
    parts = ([f"the interval{'s' if many else ''} of {names} straddle{'' if many else 's'} it"]
             if straddle else []) + (
        [f"the per-thread baseline{'s' if len(failed) > 1 else ''} of {' and '.join(failed)} failed to scale"]
        if failed else []) + apart_text
    return "; ".join(parts) or "no workload decided it"


def refcount_verdict(results: Suite | Mapping[str, Any], threads: int, *, label: str,
                     ratio: float = SLOWER_RATIO) -> Claim:
    """Threads sharing one object (attribute reads, method calls) are slower than on objects of their own.

    Per workload, decided on :func:`sharing_ratio` against *ratio*: it holds
    when every workload's whole interval is at or above *ratio*, is
    contradicted when some workload's whole interval is below it, and is
    undecided otherwise. Evidence: each workload's Interval, *threads*, *ratio*.
    """
    suite = _suite(results)
    ivs, states, seen = _sharing_parts(suite, ("attribute", "method"), threads, ratio)
    return check(
        "refcount_verdict",
        "without the GIL, threads that share one object are slowed by its reference count",
        _outcome(states), seen=seen, k=threads, r=ratio, label=label, why=_why(suite, ivs, threads, ratio), **ivs,
        supported="**The shared instance is the bottleneck.** On {label} with {k} threads, reading an "
                  "attribute of one shared object and calling a method of one shared instance were slower "
                  "than the same work on per-thread objects by at least {r:g}× over the quartiles "
                  "(shared ÷ per-thread: {seen}).",
        contradicted="On {label} with {k} threads, sharing one object did not slow every workload by {r:g}× "
                     "or more over the whole quartile range (shared ÷ per-thread: {seen}). On a busy host "
                     "the threads rarely run at the same moment, and then they rarely contend.",
        unclear="On {label} with {k} threads this run cannot tell for every workload whether sharing one "
                "object slowed it by {r:g}× or more: {why} (shared ÷ per-thread: {seen}).",
    )


def end_to_end(suite: Suite, workload: str, threads: int) -> tuple[float, float, float, bool | None]:
    """(shared, per-thread, merge) median seconds at *threads* threads, and whether sharing was slower once
    the merge is counted: True when the shared run's lower quartile exceeds the upper quartiles of the
    per-thread work plus its merge, False when its upper quartile lies below their lower quartiles, None
    between (the repeats overlap)."""
    sh, pt, mg = (suite.get(workload, m, threads) for m in ("shared", "per-thread", "merge"))
    q = [quartiles(t.values) for t in (sh, pt, mg)]
    slower = True if q[0][0] > q[1][2] + q[2][2] else False if q[0][2] < q[1][0] + q[2][0] else None
    return sh.median, pt.median, mg.median, slower


def end_to_end_text(suite: Suite, workloads: Sequence[str]) -> str:
    """The shared run against the per-thread work plus its merge, for every workload and thread count
    (above one) with a merge timing: the comparison the merge times make possible, computed."""
    parts = []
    for w in workloads:
        counts = sorted(t.workers for t in suite.select(w, "merge") if t.workers > 1)
        cases = []
        for k in counts:
            try:
                sh, pt, mg, slower = end_to_end(suite, w, k)
            except (KeyError, LookupError, ValueError):
                continue
            word = {True: "slower shared", False: "faster shared", None: "about the same"}[slower]
            cases.append(f"{k} threads: shared {sh * 1e3:.1f} ms against {pt * 1e3:.1f} + {mg * 1e3:.1f} = "
                         f"{(pt + mg) * 1e3:.1f} ms, {word}")
        if cases:
            parts.append(f"{w} ({'; '.join(cases)})")
    if not parts:
        return ""
    return ("Counted end to end, the per-thread work plus its merge against the shared run (medians; "
            "decided on the quartiles): " + "; ".join(parts) + ".")


def locks_verdict(results: Suite | Mapping[str, Any], threads: int, *, label: str,
                  ratio: float = SLOWER_RATIO) -> Claim:
    """Threads appending to one list or storing into one dict are slower than on containers of their own.

    Decided as :func:`refcount_verdict`, on the threads' work alone; the merge
    of the per-thread containers (which sharing saves) is stated beside it.
    Evidence: each workload's Interval, the merge and per-thread medians [s].
    """
    suite = _suite(results)
    workloads = ("list-append", "dict-store")
    ivs, states, seen = _sharing_parts(suite, workloads, threads, ratio)
    merges = {w: suite.get(w, "merge", threads).median for w in workloads}
    works = {w: suite.get(w, "per-thread", threads).median for w in workloads}
    merged = "; ".join(f"{w}: {merges[w] * 1e3:.1f} ms after {works[w] * 1e3:.1f} ms of work" for w in workloads)
    whole = end_to_end_text(suite, workloads)
    tail = (" Merging the per-thread containers into one afterwards, which sharing saves, is left out of "
            "the ratio: it took {merged} (medians)." + (" " + whole if whole else ""))
    return check(
        "locks_verdict",
        "without the GIL, threads that write to one list or dict take turns on its lock",
        _outcome(states), seen=seen, k=threads, r=ratio, label=label, merged=merged,
        why=_why(suite, ivs, threads, ratio),
        merge_s=merges, per_thread_s=works, **ivs,
        supported="**The container's lock serializes the writers.** On {label} with {k} threads, appending "
                  "to one shared list and storing into one shared dict were slower than the same writes to "
                  "per-thread containers by at least {r:g}× over the quartiles ({seen})." + tail,
        contradicted="On {label} with {k} threads, one shared list or dict did not slow every workload by "
                     "{r:g}× or more over the whole quartile range ({seen})." + tail,
        unclear="On {label} with {k} threads this run cannot tell for every workload whether one shared "
                "container slowed it by {r:g}× or more: {why} ({seen})." + tail,
    )


_CONSTANT_SOURCES = (
    "[`LOAD_CONST`](https://github.com/python/cpython/blob/v3.13.5/Python/bytecodes.c#L253-L256) takes a "
    "reference to the constant on every step, and a thread that did not create an object changes its shared "
    "count, one cache line for every thread, atomically")


def same_store_text(results: Suite | Mapping[str, Any], objects: Suite | Mapping[str, Any] | None) -> str:
    """``" One figure, two runs: ... took 16.5 ms here and 8.0 ms in the shared-object runs above ..."``:
    where the constant probe's one-thread ``dict-store`` (the mask made by the thread) and the
    shared-object runs' one-thread per-thread ``dict-store`` (the same work) disagree, their quartile
    ranges apart once each is widened by :data:`EXAMPLE_TOLERANCE`, both figures and the load as each
    run began; ``""`` when they agree or one is missing."""
    if objects is None:
        return ""
    probe, other = _suite(results), _suite(objects)
    a, b = _one(probe, "dict-store", "per-thread"), _one(other, "dict-store", "per-thread")
    if a is None or b is None:
        return ""
    (a1, a3), (b1, b3) = ((t.summary.q1, t.summary.q3) for t in (a, b))
    tol = 1 + EXAMPLE_TOLERANCE
    if a1 / tol <= b3 * tol and b1 / tol <= a3 * tol:
        return ""
    loads = [load_text(x.metadata.get("load_average")) for x in (probe, other)]
    return (f" One figure, two runs: the one-thread store with the mask made by the thread took "
            f"{a.median * 1e3:.1f} ms here and {b.median * 1e3:.1f} ms in the shared-object runs above (the "
            f"same work; quartile ranges apart by more than {EXAMPLE_TOLERANCE:.0%}), separate runs on a "
            f"shared host, 1-minute load average {loads[0]} and {loads[1]} as each began.")


def constant_verdict(results: Suite | Mapping[str, Any], threads: int, *, label: str,
                     ratio: float = SLOWER_RATIO, objects: Suite | Mapping[str, Any] | None = None) -> Claim:
    """A mortal constant of the code every thread runs serializes them like any shared object.

    Decided on the per-thread ``dict-store-constant`` ÷ ``dict-store`` interval at
    *threads* threads (:func:`gilref.core.verdicts.ratio_interval`, quartiles)
    against *ratio*. Undecided when *threads* is below 2 (nothing ran at once),
    when the constant was immortal in that run (``metadata["constant_immortal"]``:
    then no count was shared, and nothing is claimed), or when the baseline with
    the mask made per thread failed to scale (:func:`baseline_scales`) or its
    threads did not run at once (:func:`ran_at_once`). *objects*, the shared-object runs
    (:func:`shared_objects`), measured the same one-thread store: where it disagrees, the verdict
    gives both (:func:`same_store_text`).
    Evidence: ``s`` (the Interval), the medians in ms.
    """
    suite = _suite(results)
    own, const = ({t.workers: t for t in suite.select(w, "per-thread")} for w in CONSTANT_WORKLOADS)
    k = threads
    iv = ratio_interval(const[k].values, own[k].values)
    immortal = suite.metadata.get("constant_immortal")
    figures = ("{const_ms:.1f} ms with the mask a constant of the code against {own_ms:.1f} ms with the mask "
               "made by each thread ({s} over the quartiles; on one thread {const_one_ms:.1f} and {one_ms:.1f} ms)")
    same = same_store_text(suite, objects)
    if k < 2:
        holds, unclear = None, "On {label} only one thread ran, so no count was shared: " + figures + ".{same}"
    elif immortal is not False:
        holds, unclear = None, ("On {label} with {k} threads the constant was immortal in this run (its module "
                                "came from a `.pyc`, or this build immortalizes it), so the threads shared no "
                                "reference count and this run shows nothing about one: " + figures + ".{same}")
    elif not _sound(suite, "dict-store", k):
        holds, unclear = None, ("On {label} with {k} threads this run cannot tell: " + figures + ", but that "
                                "ratio is " + _unsound_text(suite, "dict-store", k) + ".{same}")
    else:
        holds = iv.at_least(ratio)
        unclear = ("On {label} with {k} threads the repeats cannot tell whether the constant slowed the stores "
                   "by {r:g}×: " + figures + ", an interval that holds it.{same}")
    return check(
        "constant_verdict",
        "without the GIL, a mortal constant in the code every thread runs is a shared object that serializes them",
        holds, label=label, k=k, r=ratio, s=iv, unclear=unclear, how=_CONSTANT_SOURCES, same=same,
        const_ms=const[k].median * 1e3, own_ms=own[k].median * 1e3,
        const_one_ms=const[1].median * 1e3 if 1 in const else float("nan"),
        one_ms=own[1].median * 1e3 if 1 in own else float("nan"),
        supported="**A constant in the code is one object every thread uses.** On {label} with {k} threads "
                  "storing into dicts of their own, the stores took " + figures + ". This constant was "
                  "mortal, and {how}.{same}",
        contradicted="On {label} with {k} threads the mortal constant did not slow the stores by {r:g}×: "
                     + figures + ", all of it under {r:g}×.{same}",
    )


def constant_invariants(results: Suite | Mapping[str, Any], *, tag: str = "",
                        cpus: int | None = None) -> list[Invariant]:
    """What must hold for :func:`constant_probe` results: for ``dict-store`` (the mask made per
    thread), the invariants of :func:`contention_invariants` (no faster than the cores allow; on a
    free-threaded build not slower on more threads than on one); and with one thread, where nothing
    runs at once, both workloads (the same stores) cost the worker the same CPU time (wall time in
    older results) within :data:`SAME_WORK_SLACK` on quartiles."""
    suite = _suite(results)
    own = Suite([t for t in suite.timings if t.workload == "dict-store"], dict(suite.metadata))
    out = contention_invariants(own, tag=tag, cpus=cpus)
    one = [_one(suite, w, "per-thread" + CPU_SUFFIX) for w in CONSTANT_WORKLOADS]
    what = "CPU time"
    if one[0] is None or one[1] is None:  # older results: wall time only
        one, what = [_one(suite, w, "per-thread") for w in CONSTANT_WORKLOADS], "wall time"
    if one[0] is not None and one[1] is not None:
        a, b = list(one[0].values), list(one[1].values)
        out.append(invariant(
            f"{tag}constant-one-thread-same",
            "{tag}with one thread, the stores with the mask made by the thread and with it a constant did the "
            "same work (their {what} within {slack:.0%})",
            at_most(a, b, slack=SAME_WORK_SLACK) and at_most(b, a, slack=SAME_WORK_SLACK), tag=tag, what=what,
            slack=SAME_WORK_SLACK, own_ms=round(one[0].median * 1e3, 2), const_ms=round(one[1].median * 1e3, 2),
            cause="the worker's {what} differed ({own_ms:.2f} ms against {const_ms:.2f} ms, for the same stores "
                  "on one thread): other processes shared its CPU's caches, or the measurement lost some runs"))
    return out


#: What each standard-library workload's verdict claims, and the heading of its finding.
STDLIB_CLAIMS = {
    "random": ("without the GIL, the module-level random functions are a shared lock",
               "**One generator for the whole process is one lock.** "),
    "logging": ("one shared logging handler serializes the threads that log",
                "**Every record takes the handler's lock.** "),
}


def lock_share(results: Suite | Mapping[str, Any]) -> Interval | None:
    """The share of a record's time the logging handler's lock was held on one thread (a fraction, over the
    repeats of :func:`logging_lock_share`), or None where the results hold none."""
    runs = _suite(results).metadata.get("logging_lock_share") or []
    shares = [float(r["share"]) for r in runs if r.get("share", 0) > 0]
    return Interval.of(shares) if shares else None


def _logging_reason(suite: Suite, threads: int, state: bool | None) -> str:
    """Why the shared handler cost what it did, from :func:`lock_share` and CPython's source; ``""`` without it."""
    share = lock_share(suite)
    if share is None:
        return ""
    runs = suite.metadata["logging_lock_share"]
    locked = statistics.median(r["locked_s"] for r in runs) * 1e6
    whole = statistics.median(r["record_s"] for r in runs) * 1e6
    src = CITATIONS["logging"]
    lead = {False: "Why it cost so little: ", True: "The lock covers only part of a record: ",
            None: "The lock covers only part of a record: "}[state]
    return (f" {lead}`Handler.handle` holds the handler's lock only around `emit` ([source]({src['handle']})), "
            f"here one counter increment, and the logger makes the record before, with no lock held "
            f"([`Logger._log`]({src['log']})). On one thread the locked part took {locked:.2f} µs of a record's "
            f"{whole:.2f} µs, {share.scaled(100).text('.0f', '%')} over the repeats, so {threads} threads would "
            f"hold it {min(1.0, threads * share.median):.0%} of the time between them and seldom find it taken. What "
            "else sharing cost, this page does not break down: the threads also use one logger, one handler and "
            "one lock object, as the attribute workload above uses one object."
            )


def logging_advice_text(results: Suite | Mapping[str, Any], threads: int, *, ratio: float = SLOWER_RATIO) -> str:
    """The advice on sharing ``random`` and ``logging`` state, conditional on what was measured: for logging,
    what the shared handler cost here (:func:`sharing_ratio` at *threads*) and what its lock covered
    (:func:`lock_share`), and when a ``QueueHandler`` helps (a slow ``emit``)."""
    suite = _suite(results)
    iv = sharing_ratio(suite, "logging", threads)
    share = lock_share(suite)
    state = iv.at_least(ratio) if _sound(suite, "logging", threads) else None
    held = "" if share is None else f", its lock held for {share.median:.0%} of a record"
    measured = {True: f"here one shared handler cost {iv.text()} on {threads} threads even though `emit` only "
                      f"counted{held}",
                False: f"here, where `emit` only counted{held}, one shared handler cost {iv.text()} on {threads} "
                       f"threads, under {ratio:g}×",
                None: f"here, where `emit` only counted{held}, one shared handler cost {iv.text()} on {threads} "
                      "threads" + ("" if _sound(suite, "logging", threads) else
                                   ", a ratio that is not evidence in this run (see the warning above)")}[state]
    return ("The fix is the same as for your own objects: one `random.Random()` per thread (seeded as you need). "
            f"For logging it depends on how long `emit` takes: {measured}. A handler that writes to a file, a "
            "socket or a terminal holds its lock for the whole write, most of a record, and then the threads "
            "queue on it. That is where a `logging.handlers.QueueHandler` helps: its lock is held only while it "
            f"formats the record and puts it on a queue ([`prepare` and `emit`]({CITATIONS['logging']['queue']})), "
            "and one `QueueListener` thread does the writing.")


def stdlib_verdict(results: Suite | Mapping[str, Any], workload: str, threads: int, *, label: str,
                   ratio: float = SLOWER_RATIO) -> Claim:
    """The shared version of a standard-library workload (``random``, ``logging``) is slower than per-thread.

    Key ``<workload>_verdict``; decided on :func:`sharing_ratio` against *ratio*
    (three outcomes). For logging every branch also says why, from what the
    handler's lock covered (:func:`lock_share`, with CPython's source), where
    the results measured it. Evidence: ``s`` (the Interval), the two medians [s].
    """
    check_choice("workload", workload, STDLIB_WORKLOADS)
    suite = _suite(results)
    iv = sharing_ratio(suite, workload, threads)
    statement, good = STDLIB_CLAIMS[workload]
    scaled = _sound(suite, workload, threads)
    holds = iv.at_least(ratio) if scaled else None
    reason = _logging_reason(suite, threads, holds) if workload == "logging" else ""
    unclear = ("On {label} with {k} threads the repeats cannot tell whether the shared version of `{w}` is "
               "slower by {r:g}×: {s} over the quartiles, an interval that holds it.{reason}" if scaled else
               "On {label} with {k} threads the shared version of `{w}` took {shared_ms:.1f} ms against "
               "{private_ms:.1f} ms per thread ({s}), but that ratio is " + _unsound_text(suite, workload, threads)
               + ", and cannot show what sharing costs.{reason}")
    return check(
        f"{workload}_verdict", statement, holds, label=label, k=threads,
        r=ratio, w=workload, s=iv, unclear=unclear, reason=reason,
        shared_ms=suite.get(workload, "shared", threads).median * 1e3,
        private_ms=suite.get(workload, "per-thread", threads).median * 1e3,
        supported=good + "On {label} with {k} threads, the shared version of `{w}` took {shared_ms:.1f} ms "
                  "against {private_ms:.1f} ms per thread: {s} over the quartiles.{reason}",
        contradicted="On {label} with {k} threads, the shared version of `{w}` was not slower by {r:g}× "
                     "({shared_ms:.1f} ms against {private_ms:.1f} ms: {s} over the quartiles, "
                     "all of it under {r:g}×).{reason}",
    )


_LIST_SHARED = "https://github.com/python/cpython/blob/v3.13.5/Objects/listobject.c#L81-L98"
_LIST_FREE = "https://github.com/python/cpython/blob/v3.13.5/Objects/listobject.c#L170-L175"
_OBJECT_HEADER = "https://github.com/python/cpython/blob/v3.13.5/Include/object.h#L207-L218"


def _one_thread_case(workload: str, ratio: float, cpu: float | None, faults: tuple[float, float] | None,
                     longer: bool) -> str:
    """One case of :func:`one_thread_text`, the workload first, then its figures: ``"list-append took
    1.14× in wall time and 1.15× in CPU time, with 2,316 and 1,768 page faults"`` (*longer*: say which
    run took the longer)."""
    text = f"{workload} took {ratio:.2f}× in wall time"
    if cpu is not None:
        text += f" and {cpu:.2f}× in CPU time"
    if faults is not None:
        text += f", with {faults[0]:,.0f} and {faults[1]:,.0f} page faults"
    if longer:
        text += f" (the {'shared' if ratio > 1 else 'per-thread'} run took the longer)"
    return text


def _cases_text(cases: Sequence[tuple[str, str]]) -> str:
    """``"On A, x took ... and y took ...; on B, z took ..."``: (build label, case) pairs grouped by build,
    each build named before its workloads."""
    by: dict[str, list[str]] = {}
    for label, case in cases:
        by.setdefault(label, []).append(case)
    parts = [f"on {label}, " + (", and ".join(c) if len(c) < 3 else ", ".join(c[:-1]) + ", and " + c[-1])
             for label, c in by.items()]
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def one_thread_text(results: Mapping[str, Suite | Mapping[str, Any]], workloads: Sequence[str], *,
                    gap: float = ONE_THREAD_GAP) -> str:
    """Why, with one thread, shared and per-thread runs took different wall times, computed per case.

    With one thread both do the same operations. For each build (label -> results) and workload
    whose one-thread shared ÷ per-thread ratio of medians is further than *gap* from 1: that ratio,
    the same ratio of the worker's own CPU time (``time.thread_time``) and its minor page faults,
    and the cause they point to: the same CPU time means the difference is time the worker was not
    running; on a free-threaded build, more CPU for the shared object is the atomic reference-count
    path of a thread that does not own it (and, for a list, its old arrays freed late); otherwise
    page faults, when they differ. Each sentence names the build and the workload first, then
    their figures, then the cause. ``""`` when every case is within *gap*.
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    flat: list[str] = []  # free-threaded workloads on a non-owned object that came out alike, wall and CPU
    for data in results.values():
        suite = _suite(data)
        if suite.metadata.get("gil_enabled") is not False:
            continue
        for w in workloads:
            if w == "list-append":
                continue
            pair = [_one(suite, w, m + sfx) for sfx in ("", CPU_SUFFIX) for m in ("shared", "per-thread")]
            if all(t is not None and t.median for t in pair) and all(
                    abs(pair[i].median / pair[i + 1].median - 1) <= gap for i in (0, 2)):  # type: ignore[union-attr]
                flat.append(f"{w} ({pair[0].median / pair[1].median:.2f}×)")  # type: ignore[union-attr]
    for label, data in results.items():
        suite = _suite(data)
        free = suite.metadata.get("gil_enabled") is False
        for w in workloads:
            wall = [_one(suite, w, m) for m in ("shared", "per-thread")]
            if wall[0] is None or wall[1] is None or not wall[1].median:
                continue
            ratio = wall[0].median / wall[1].median
            if abs(ratio - 1) <= gap:
                continue
            cpu = [_one(suite, w, m + CPU_SUFFIX) for m in ("shared", "per-thread")]
            if cpu[0] is None or cpu[1] is None or not cpu[1].median:
                groups.setdefault("unknown", []).append((label, _one_thread_case(w, ratio, None, None, False)))
                continue
            c = cpu[0].median / cpu[1].median
            faults = [_one(suite, w, m + FAULTS_SUFFIX) for m in ("shared", "per-thread")]
            fs, fp = (faults[0].median, faults[1].median) if faults[0] and faults[1] else (-1.0, -1.0)
            more = fs >= 0 and max(fs, fp) >= 50 and abs(fs - fp) > 0.5 * max(fs, fp)
            waited = abs(c - 1) <= gap
            if waited:
                key = "waited" if free else "waited-gil"
            elif free and c > 1 and w == "list-append":
                key = "owner-list"
            elif free and c > 1:
                key = "owner-flat" if flat else "owner"
            else:
                key = "faults" if more else "cpu"
            groups.setdefault(key, []).append(
                (label, _one_thread_case(w, ratio, c, (fs, fp) if fs >= 0 else None, waited)))
    if not groups:
        return ""
    verb = "changes" if len(flat) == 1 else "change"
    alike = (f"{' and '.join(flat)}, which also {verb} the reference count of an "
             "object the worker does not own at every step (the shared, atomic count of its header, "
             f"[`ob_ref_shared`]({_OBJECT_HEADER})), "
             f"came out within {gap:.0%} in wall and CPU time, so an uncontended atomic count costs next to "
             "nothing") if flat else ""
    why = {
        "waited": "the worker's own CPU time was the same, so the difference is time the worker of the slower run "
                  "spent not running (waiting for a CPU, which other processes share; this build has no GIL), "
                  "not work",
        "waited-gil": "the worker's own CPU time was the same, so the difference is time the worker of the slower "
                      "run spent not running (waiting for a CPU, which other processes share, or for the main "
                      "thread to give up the GIL), not work",
        "owner": "the shared run cost the worker more CPU time: the main thread made the shared object, so the "
                 "worker is not its owner and each of its reference-count changes takes the shared, atomic count "
                 f"of the object's header ([`ob_ref_shared`]({_OBJECT_HEADER}))",
        "owner-flat": "the shared run cost the worker more CPU time, and not for its reference count: " + alike
                      + "; what else differs this page does not break down",
        "owner-list": ("the shared run cost the worker more CPU time" + (": not for its reference count, since "
                       + alike + ", but" if flat else ": besides the atomic count of a thread that is not the owner "
                       f"([`ob_ref_shared`]({_OBJECT_HEADER})),")
                       + f" because a list a thread other than its owner resizes is marked shared "
                       f"([listobject.c]({_LIST_SHARED})) and its old item arrays are then freed only once no "
                       f"thread can be reading them ([QSBR]({_LIST_FREE})), so the growing list takes fresh memory "
                       "(hence the page faults)"),
        "faults": "the worker's CPU time differed too, and with it its page faults: one mode touched fresh memory "
                  "(the kernel's time for the faults counts as the thread's), the other reused memory the run "
                  "before had freed",
        "cpu": "the worker's own CPU time differed too, with page faults alike, for the same operations: not "
               "waiting and not fresh memory; caches, memory layout or the CPU's clock, which this page does "
               "not measure apart",
        "unknown": "these results did not record the worker's CPU time, so this page cannot tell why",
    }
    parts = [f"{_cases_text(v)}. {why[k][0].upper()}{why[k][1:]}." for k, v in groups.items()]
    return (f"**One thread, the same work.** With one thread the shared and the per-thread run do the same "
            f"operations, yet some differ by more than {gap:.0%}. Each ratio below is shared ÷ per-thread, of the "
            "wall time and of the worker's own CPU time (`time.thread_time`); the page faults are the minor "
            "ones of a run, shared first. " + " ".join(parts))


def _loop_counts(func: Callable[..., Any]) -> list[int]:
    """[specialized, all] instructions of *func*'s loop (from the target of its ``JUMP_BACKWARD`` to it),
    as the adaptive interpreter has them now; [0, 0] where ``dis`` cannot tell (before 3.13)."""
    import dis

    try:
        ins = list(dis.get_instructions(func, adaptive=True))  # type: ignore[call-arg,unused-ignore]
        back = next(i for i in ins if i.opname.startswith("JUMP_BACKWARD"))
        loop = [i for i in ins if int(back.argval) <= i.offset <= back.offset]
        return [sum(1 for i in loop if i.opname != getattr(i, "baseopname", i.opname)), len(loop)]
    except (StopIteration, TypeError, ValueError):
        return [0, 0]


def specialized_share(n: int = 2_000) -> dict[str, list[int]]:
    """Run inside an interpreter: per workload, [specialized, all] instructions of its loop after *n* steps.

    The workloads of :data:`SHARED_WORKLOADS` and ``random`` (per-thread objects), and the
    free-threading chapter's ``countdown`` and ``objects``: on a build whose specializing adaptive
    interpreter is on, a warmed-up loop runs specialized forms (e.g. ``LOAD_ATTR_INSTANCE_VALUE``);
    where it is off (3.13's free-threaded build), none.
    """
    from ..core.workloads import countdown
    from .freethreading import objects

    check_int("n", n, minimum=100)
    out = {}
    for w in (*SHARED_WORKLOADS, "random"):
        make, work, _ = _SPECS[w]
        work(make(), n)
        out[w] = _loop_counts(work)
    countdown(n)
    objects(n)
    out["countdown"], out["objects"] = _loop_counts(countdown), _loop_counts(objects)
    return out


_HOWTO_313_SPEED = "https://docs.python.org/3.13/howto/free-threading-python.html#single-threaded-performance"
_SPECIALIZATION_SWITCH = "https://github.com/python/cpython/blob/v3.13.5/Include/internal/pycore_code.h"


_HOWTO_SPEED = "https://docs.python.org/3/howto/free-threading-python.html#single-threaded-performance"
_WHATSNEW_314 = "https://docs.python.org/3/whatsnew/3.14.html#whatsnew314-free-threaded-cpython"


def _span(values: Any) -> str:
    """``"2.8–5.1"`` (one decimal), or one number when both ends print alike."""
    low, high = f"{min(values):.1f}", f"{max(values):.1f}"
    return low if low == high else f"{low}–{high}"


def _signed_percent(x: float) -> str:
    return f"{x * 100:+.0f}%".replace("-", "\u2212")


def _sibling_text(sibling: Suite | Mapping[str, Any] | None, ratios: Mapping[str, float],
                  runs_ms: Mapping[str, float], specialized: Mapping[str, Sequence[int]] | None,
                  sequential: tuple[Suite, Suite] | None = None) -> str:
    """The free-threading chapter's one-thread cost beside this page's, and the computed reason they differ.

    *sequential* is that chapter's ``(default, free-threaded)`` scaling suites: when their sequential
    countdown's overhead does not overlap *sibling*'s, both are given (that chapter says why)."""
    text = ""
    if sibling is None:
        text = (" The {doc}`free-threading` chapter measures the same build's one-thread cost on its own "
                "workloads; its record was not handed to this page in this build, so its figures are not "
                "compared here.")
    else:
        suite = _suite(sibling)
        theirs, their_ms = {}, {}
        for w in ("countdown", "objects"):
            try:
                f, d = suite.get(w, "free-threaded"), suite.get(w, "default-build")
            except (KeyError, LookupError, ValueError):
                continue
            theirs[w] = ratio_interval(f.values, d.values)
            their_ms[w] = d.median * 1e3
        names = {"countdown": "a countdown", "objects": "its object workload"}
        if theirs:
            text = (" The {doc}`free-threading` chapter measured the same build's one-thread cost, "
                    + " and ".join(f"on {names[w]} at {_signed_percent(iv.median - 1)} ({their_ms[w]:.0f} ms a run "
                                   "on the default build)" for w, iv in theirs.items())
                    + ", in child processes of their own, the builds taking turns"
                    + _second_countdown(suite, sequential)
                    + "; the runs here are "
                    + ("shorter" if max(runs_ms.values()) < min(their_ms.values()) else "not all shorter")
                    + f" ({_span(runs_ms.values())} ms on the default build) and run "
                      "in a thread the timing waits for.")
    spec = {w: v for w, v in (specialized or {}).items() if len(v) == 2 and v[1]}
    here = [w for w in ratios if w in spec]
    if "countdown" not in spec or not here:
        return text
    text += (" The loops differ in how much of them the default build specializes (instructions of the loop in a "
             "specialized form after a warm-up, counted with `dis`): "
             + ", ".join(f"{w} {spec[w][0]} of {spec[w][1]} ({ratios[w]:.2f}×)" for w in here)
             + f"; the free-threading chapter's countdown {spec['countdown'][0]} of {spec['countdown'][1]}"
             + (f", its object workload {spec['objects'][0]} of {spec['objects'][1]}" if "objects" in spec else "")
             + ".")
    share = {w: spec[w][0] / spec[w][1] for w in spec}
    above = [w for w in here if share[w] > share["countdown"]]
    beyond = [w for w in above if "objects" not in share or share[w] > share["objects"]]
    if len(beyond) == len(here):
        text += (" Every loop here leans on specialization more than the free-threading chapter's workloads do, "
                 "and specialization is the saving the free-threaded 3.13 build forgoes: a reason its ratios here "
                 "are larger.")
    elif len(above) == len(here):
        text += (f" Every loop here leans on specialization more than the countdown ({share['countdown']:.0%}) "
                 f"does, but {len(here) - len(beyond)} of the {len(here)} no more than the object workload "
                 f"({share['objects']:.0%}): specialization is only part of why these ratios are larger; the rest "
                 "this page does not break down.")
    else:
        text += (f" {len(above)} of the {len(here)} loops here lean on specialization more than the countdown "
                 "does; the rest of the difference is work this page does not break down.")
    return text


def _second_countdown(cost: Suite, sequential: tuple[Suite, Suite] | None) -> str:
    """``" (its scaling run, one process per build, put the countdown at +34% ...)"`` when that figure
    does not overlap the turn-taking one; ``""`` otherwise."""
    if sequential is None:
        return ""
    try:
        inter = ratio_interval(cost.get("countdown", "free-threaded").values,
                               cost.get("countdown", "default-build").values)
        seq = ratio_interval(sequential[1].baseline("countdown").values, sequential[0].baseline("countdown").values)
    except (KeyError, LookupError, ValueError):
        return ""
    if seq.low <= inter.high and inter.low <= seq.high:
        return ""
    return (f" (its scaling run, one process per build, put the countdown at {_signed_percent(seq.median - 1)}; "
            "that chapter says what separates the two figures)")


def single_thread_text(free_threaded: Sequence[Suite | Mapping[str, Any]],
                       default: Sequence[Suite | Mapping[str, Any]], *, label: str, other: str,
                       sibling: Suite | Mapping[str, Any] | None = None,
                       specialized: Mapping[str, Sequence[int]] | None = None,
                       sequential: tuple[Suite, Suite] | None = None) -> str:
    """The free-threaded build's single-thread penalty, computed from the one-thread per-thread rows.

    For every workload both builds measured with one thread on an object of its own (the same
    work, no sharing), the free-threaded ÷ default median time; the sentence gives their range
    and each, and the reason for the series measured (3.13: the specializing adaptive
    interpreter is off), with the documentation's figures for 3.14 as claims about 3.14.
    *sibling* is the free-threading chapter's ``single_thread`` suite (workloads ``countdown``
    and ``objects``, modes ``"free-threaded"`` and ``"default-build"``): its overheads are
    stated beside these, with the run lengths and, from *specialized* (the default build's
    :func:`specialized_share`), how much of each loop that build specializes. ``""`` when no
    workload was measured on one thread by both.
    """
    ratios: dict[str, float] = {}
    cpu_ratios: dict[str, float] = {}  # the same ratio of the worker's own CPU time, where it differs
    runs_ms: dict[str, float] = {}
    version = ""
    for ft_data, gil_data in zip(free_threaded, default):
        ft, gil = _suite(ft_data), _suite(gil_data)
        version = version or str(ft.metadata.get("python_version", ""))
        for t in ft.timings:
            if t.mode == "per-thread" and t.workers == 1:
                base = next((g for g in gil.select(t.workload, "per-thread") if g.workers == 1), None)
                if base is not None and base.median > 0:
                    ratios[t.workload] = t.median / base.median
                    runs_ms[t.workload] = base.median * 1e3
                    fc, gc_ = _one(ft, t.workload, "per-thread" + CPU_SUFFIX), _one(gil, t.workload,
                                                                                   "per-thread" + CPU_SUFFIX)
                    if fc is not None and gc_ is not None and gc_.median > 0:
                        c = fc.median / gc_.median
                        if abs(c / ratios[t.workload] - 1) > ONE_THREAD_GAP:
                            cpu_ratios[t.workload] = c
    if not ratios:
        return ""
    low, high = min(ratios.values()), max(ratios.values())
    each = ", ".join(f"{w} {r:.2f}×" + (f" ({cpu_ratios[w]:.2f}× in the worker's own CPU time)" if w in cpu_ratios
                                        else "") for w, r in ratios.items())
    span = f"{low:.2f}×" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}–{high:.2f}×"
    loads = [load_text(_suite(d).metadata.get("load_average")) for d in (free_threaded[0], default[0])]
    text = (f"With one thread on an object of its own, the same work in both builds, {label} took {span} "
            f"as long as {other} ({each}: the one-thread per-thread columns above; the builds ran one after "
            f"the other on a shared host, 1-minute load average {loads[0]} and {loads[1]} as each began)"
            + ("; where the worker's own CPU time gives another ratio, one build's wall time includes time its "
               "worker waited, for a CPU on a shared host, not work" if cpu_ratios else "") + ".")
    text += _sibling_text(sibling, ratios, runs_ms, specialized, sequential)
    later = (f" For 3.14, where specialization is back on, *What's New In Python 3.14* gives \"roughly 5-10%\" "
             f"([Free-threaded mode]({_WHATSNEW_314})) and the current HOWTO \"about 1% on macOS aarch64 to 8% on "
             f"x86-64 Linux\" ([Single-threaded performance]({_HOWTO_SPEED})): claims about 3.14, not measured here.")
    if low < 1.1:
        return text + later
    if version.startswith("3.13"):
        return ("**On one thread the free-threaded build is slower.** " + text +
                " In 3.13 its specializing adaptive interpreter ([PEP 659](https://peps.python.org/pep-0659/)) "
                f"is switched off (`ENABLE_SPECIALIZATION` is 0 when the GIL is disabled, [pycore_code.h]"
                f"({_SPECIALIZATION_SWITCH})), which the [3.13 HOWTO, Single-threaded performance]"
                f"({_HOWTO_313_SPEED}) names as the largest cause of an overhead it puts at about 40% on the "
                "pyperformance suite." + later)
    return "**On one thread the free-threaded build is slower.** " + text + later


def _percent(iv: Interval) -> str:
    """A signed per-cent interval, e.g. ``+12%`` or ``+12% (+10 to +15% over the quartiles)``
    (one number when it is a point at that precision)."""
    mid, low, high = (f"{v * 100:+.0f}" for v in (iv.median, iv.low, iv.high))
    return f"{mid}%" if low == mid == high else f"{mid}% ({low} to {high}% over the quartiles)"


def memory_verdict(
    free_threaded: Sequence[Mapping[str, Any]],
    default: Sequence[Mapping[str, Any]],
    *,
    label: str = "the free-threaded build",
    other: str = "the default build",
    limit: float = PEP779_MEMORY_LIMIT,
) -> Claim:
    """Is the free-threaded build's peak memory within *limit* (a fraction) of the default build's?

    Takes :func:`memory_peak` results, one per child process. The overhead is
    the peak ratio minus 1 over the quartiles (an Interval): it holds when the
    whole interval is below *limit*, is contradicted when the whole of it is
    at or above, and is undecided otherwise. Evidence: ``overhead`` (Interval,
    a fraction), the two median peaks in KiB, ``limit``.
    """
    if not free_threaded or not default:
        raise ValueError("both builds need at least one memory result")
    ft = [float(r["peak_kib"]) for r in free_threaded]
    gil = [float(r["peak_kib"]) for r in default]
    ratio = ratio_interval(ft, gil)
    over = Interval(ratio.low - 1, ratio.median - 1, ratio.high - 1)
    return check(
        "memory_verdict",
        "the free-threaded build stays within PEP 779's 20% memory target",
        over.below(limit), label=label, other=other, overhead=over, seen=_percent(over),
        ft=statistics.median(ft) / 1024, gil=statistics.median(gil) / 1024, limit=limit * 100,
        ft_kib=statistics.median(ft), default_kib=statistics.median(gil),
        supported="**Within the target on this program.** {label} peaked at {ft:.1f} MiB against "
                  "{gil:.1f} MiB for {other}: {seen}, under PEP 779's {limit:.0f}%.",
        contradicted="{label} peaked at {ft:.1f} MiB against {gil:.1f} MiB for {other}: {seen}, "
                     "not within PEP 779's {limit:.0f}%. One object-heavy program is not "
                     "pyperformance's geometric mean, which is what the target is about.",
        unclear="{label} peaked at {ft:.1f} MiB against {gil:.1f} MiB for {other}: {seen}, on both sides "
                "of PEP 779's {limit:.0f}%, so this run cannot tell.",
    )


def gap_resolution(result: Mapping[str, Any]) -> float:
    """Seconds: the shortest gap the ticker of these :func:`gc_pause` results recorded (a floor)."""
    return float(result.get("resolution_s") or OLD_GAP_RESOLUTION)


def floored(result: Mapping[str, Any], key: str = "busy_gap_s") -> int:
    """How many repeats' gaps (*key*) are the ticker's floor, not a measurement (no longer gap was seen)."""
    res = gap_resolution(result)
    return sum(1 for g in result[key] if g <= res * (1 + 1e-9))


def _gaps(result: Mapping[str, Any]) -> tuple[Interval, Interval]:
    """(collection gap ÷ busy gap, gap ÷ collection time), both over the repeats' quartiles."""
    # Gaps under the ticker's resolution count as that (older results may hold 0).
    res = gap_resolution(result)
    ratio = ratio_interval([max(res, g) for g in result["collect_gap_s"]],
                           [max(res, g) for g in result["busy_gap_s"]])
    fractions = Interval.of([g / c for g, c in zip(result["collect_gap_s"], result["collect_s"]) if c > 0] or [0.0])
    return ratio, fractions


def pause_verdict(result: Mapping[str, Any], *, label: str = "the free-threaded build",
                  ratio: float = PAUSE_RATIO, share: float = PAUSE_SHARE) -> Claim:
    """Did the collection stop the other thread? (:func:`gc_pause` results.)

    Two conditions, each on the repeats' quartiles: the ticker's longest gap
    during a collection was at least *ratio* times its longest gap without one
    (``gap_ratio``), and it lasted at least *share* of the collection
    (``gap_share``). Holds when both hold over their whole intervals,
    contradicted when either is wholly below, else undecided. Evidence: both
    Intervals and the medians [s] ``collect_gap_s``, ``busy_gap_s``, ``collect_s``.
    """
    gap_ratio, gap_share = _gaps(result)
    gap_ms, took_ms = _ms_pair(statistics.median(result["collect_gap_s"]), statistics.median(result["collect_s"]))
    return check(
        "pause_verdict",
        "on the free-threaded build, a garbage collection pauses the other threads",
        _outcome([gap_ratio.at_least(ratio), gap_share.at_least(share)]),
        label=label, gap_ratio=gap_ratio, gap_share=gap_share, r=ratio, need=share * 100,
        gap=gap_ms, busy=_busy_text(result), took=took_ms,
        collect_gap_s=statistics.median(result["collect_gap_s"]),
        busy_gap_s=statistics.median(result["busy_gap_s"]), collect_s=statistics.median(result["collect_s"]),
        note=pause_note(result), share_text=_share_text(gap_share), ratio_text=_bounded_ratio_text(result, gap_ratio),
        supported="**The collection stopped the other thread.** On {label} the ticker's longest gap during "
                  "a collection was {gap} ms, {share_text} of the collection's {took} ms, against "
                  "{busy} while the main thread ran Python code beside it: {ratio_text} as long.{note}",
        contradicted="On {label} the ticker's longest gap during a collection, {gap} ms ({share_text} "
                     "of the collection's {took} ms; the claim needs {need:.0f}%), was not clearly longer "
                     "than without one ({busy}; {ratio_text} as long, the claim needs {r:g}×). A busy "
                     "host also pauses threads at random.{note}",
        unclear="On {label} the ticker's longest gap during a collection was {gap} ms ({share_text} "
                "of the collection's {took} ms), against {busy} without one ({ratio_text} as long): "
                "the repeats straddle the claim's {r:g}× or {need:.0f}%, so this run cannot tell.{note}",
    )


def _ratio_text(iv: Interval) -> str:
    """A ratio interval in the book's style: two decimals below 10×, none above (``482× (475–492×)``)."""
    digits = 0 if iv.median >= 10 else 2
    mid, low, high = (f"{v:.{digits}f}" for v in (iv.median, iv.low, iv.high))
    return f"{mid}×" if low == high else f"{mid}× ({low}–{high}×)"


def _share_text(iv: Interval) -> str:
    """A share interval as per cent without a space: ``99% (92–100%)``, or ``99%`` when its ends print alike."""
    mid, low, high = (f"{v:.0%}" for v in (iv.median, iv.low, iv.high))
    return mid if low == high else f"{mid} ({low[:-1]}–{high})"


def _ms_pair(a: float, b: float) -> tuple[str, str]:
    """Two durations [s] as ms, with as many decimals (one to three) as it takes for two different values
    not to print alike (``"48.14"``, ``"48.08"``)."""
    for digits in (1, 2, 3):
        x, y = f"{a * 1e3:.{digits}f}", f"{b * 1e3:.{digits}f}"
        if x != y:
            return x, y
    return f"{a * 1e3:.1f}", f"{b * 1e3:.1f}"  # equal to a microsecond: as equal as printed


def _ms(seconds: float, *, sign: bool = False) -> str:
    """A duration [s] in ms: two decimals under 1 ms, one above (``"0.06"``, ``"+11.0"``)."""
    digits = 2 if abs(seconds) < 1e-3 else 1
    text = f"{seconds * 1e3:{'+' if sign else ''}.{digits}f}"
    return text.replace("-", "−")  # a minus sign, not a hyphen


def _busy_text(result: Mapping[str, Any]) -> str:
    """The median gap without a collection, ``"0.30 ms"``, or ``"under 10 µs"`` when it is the ticker's floor."""
    busy = statistics.median(result["busy_gap_s"])
    if busy <= gap_resolution(result) * (1 + 1e-9):
        return f"under {duration_text(gap_resolution(result))} (no longer gap seen)"
    return f"{_ms(busy)} ms"


def _bounded_ratio_text(result: Mapping[str, Any], iv: Interval) -> str:
    """The gap ratio's interval, with the ends that rest on the ticker's floor (a busy window with no
    gap above :func:`gap_resolution`) printed as bounds, not as measured ends: ``"at least 184×"``,
    ``"184× (93× to at least 481×; ...)"``."""
    n, total = floored(result), len(result["busy_gap_s"])
    if not n:
        return _ratio_text(iv)
    q1, med, _ = quartiles(list(result["busy_gap_s"]))
    res = gap_resolution(result)
    digits = 0 if iv.median >= 10 else 2
    mid, low, high = (f"{v:.{digits}f}" for v in (iv.median, iv.low, iv.high))
    why = (f"in {n} of {total} repeats no gap without a collection exceeded the ticker's "
           f"{duration_text(res)} resolution, so there the ratio is only a lower bound")
    if med <= res * (1 + 1e-9):
        return f"at least {mid}× (at least {low}× over the quartiles; {why})"
    if q1 <= res * (1 + 1e-9):
        return f"{mid}× ({low}× to at least {high}×; {why})"
    return f"{_ratio_text(iv)} ({why})"


def pause_note(result: Mapping[str, Any]) -> str:
    """What a careful reader needs to square the pause figures (:func:`gc_pause` results), else ``""``.

    When the gap lasted as long as the collection in some repeat (a share of 100% or more): by how much
    they differ, with its sign and over the repeats, said to be within the ticker's resolution
    (:func:`gap_resolution`) when the median difference is, and why a gap can outlast a collection or
    fall short of it. Otherwise, when the medians' ratio differs from the repeats' own shares by more than
    5 points (checked first): that the two medians come from different repeats.
    """
    _, share = _gaps(result)
    gap, took = statistics.median(result["collect_gap_s"]), statistics.median(result["collect_s"])
    diffs = [g - c for g, c in zip(result["collect_gap_s"], result["collect_s"])]
    res = gap_resolution(result)
    apart = bool(took) and abs(gap / took - share.median) > 0.05
    if share.high >= 1.0 and diffs and not apart:
        over, total = statistics.median(diffs), len(diffs)
        longer = sum(1 for d in diffs if d > res)
        shorter = sum(1 for d in diffs if d < -res)
        spread = f"from {_ms(min(diffs), sign=True)} to {_ms(max(diffs), sign=True)} ms over the repeats"
        edges = ("the gap runs from the ticker's last clock reading before the world stopped to its first one "
                 "after, the collection from the main thread's reading before `gc.collect()` to its reading "
                 "after")
        if abs((gap - took) - over) > max(res, 1e-4):  # the medians printed beside it differ by another amount
            spread += (f"; the two medians above differ by {_ms(gap - took, sign=True)} ms, as they come from "
                       "different repeats")
        if abs(over) <= res:
            return (f" The gap and the collection were as long as each other within the ticker's "
                    f"{duration_text(res)} resolution ({_ms(over, sign=True)} ms in the median repeat, {spread}): "
                    f"{edges}, and the world was stopped for about the whole call.")
        if over > 0:
            part = "" if longer == total else f" in {longer} of {total} repeats" + (
                f"; in {shorter} it was the shorter" if shorter else "")
            return (f" The gap outlasted the collection (by {_ms(over)} ms in the median repeat{part}; {spread}): "
                    f"{edges}, and on a busy host the ticker may wait for a CPU once the collection is over.")
        return (f" The gap fell short of the collection (by {_ms(-over)} ms in the median repeat; {spread}): "
                f"{edges}, and `gc.collect()` does part of its work before the world stops or after it restarts.")
    if not apart:
        return ""
    return (f" (The median gap, {gap * 1e3:.1f} ms, and the median collection, {took * 1e3:.1f} ms, come from "
            f"different repeats, so their ratio, {gap / took * 100:.0f}%, is not a share any repeat had: "
            f"collections took from {min(result['collect_s']) * 1e3:.1f} to {max(result['collect_s']) * 1e3:.1f} "
            "ms here, and a gap that overlaps a collection may have begun before it.)")


def pause_default_text(result: Mapping[str, Any], label: str) -> str:
    """The sentence on the default build's pause (:func:`gc_pause` results), which no verdict decides."""
    _, share = _gaps(result)
    gap, _took = _ms_pair(statistics.median(result["collect_gap_s"]), statistics.median(result["collect_s"]))
    return (f"On {label} the ticker's longest gap during a collection was {gap} ms, "
            f"{share.median * 100:.0f}% of the collection it overlapped (median over the repeats), "
            f"against {_busy_text(result)} without one: there the collector "
            "runs holding the GIL, which the ticker needs too, so a pause is expected on both builds, for "
            "different reasons." + pause_note(result))


_GC_FT = "https://github.com/python/cpython/blob/v3.13.5/Python/gc_free_threading.c"
_GC_DEFAULT = "https://github.com/python/cpython/blob/v3.13.5/Python/gc.c"


def collection_times_text(free_threaded: Mapping[str, Any], default: Mapping[str, Any], *, label: str,
                          other: str) -> str:
    """Why ``gc.collect()`` over the same heap took different times on the two builds (:func:`gc_pause`
    results): the ratio of the median collections, computed, and what differs between the collectors.

    On the default build also: when its collection outlasted the ticker's gap by about one switch
    interval (half to one and a half), that the main thread may have waited that long for the GIL.
    """
    ft, gil = statistics.median(free_threaded["collect_s"]), statistics.median(default["collect_s"])
    if not ft or not gil:
        return ""
    text = (f"Over the same heap, `gc.collect()` took {ft * 1e3:.1f} ms on {label} and {gil * 1e3:.1f} ms on "
            f"{other} (medians; {ft / gil:.2f}×). They are two collectors: the free-threaded build's "
            f"([Python/gc_free_threading.c]({_GC_FT})) finds the objects by walking the allocator's "
            "(mimalloc's) heaps while the world is stopped, the default build's ([Python/gc.c]"
            f"({_GC_DEFAULT})) follows the linked lists of its generations, so the times are of different "
            "work; this page does not measure which difference makes one faster.")
    gap = statistics.median(default["collect_gap_s"])
    interval = float(default.get("switch_interval_s") or 0.0)
    if interval and 0.5 * interval <= gil - gap <= 1.5 * interval:
        text += (f" On {other} the collection outlasted the ticker's gap by {(gil - gap) * 1e3:.1f} ms, about "
                 f"one switch interval ({interval * 1e3:g} ms): the main thread's call may have waited that "
                 "long for the GIL, which the ticker held, before the collection began.")
    return text


def hang_verdict(pydll: Mapping[str, Any], cdll: Mapping[str, Any], *, label: str = "the free-threaded build") -> Claim:
    """On the free-threaded build: the collection waits for the attached thread, not for the detached one.

    Holds when the PyDLL child was killed at its deadline after the main
    thread had run Python code and started ``gc.collect()`` (so the other
    threads *did* run; only the collection waited), and the CDLL child's
    collection returned; contradicted otherwise (a yes-or-no observation, no
    interval). Evidence: both outcomes, whether the main thread ran, whether
    each collection started and returned.
    """
    def saw(r: Mapping[str, Any], text: str) -> bool:
        return any(text in line for line in r["lines"])

    ev = {"pd": pydll["outcome"], "cd": cdll["outcome"],
          "pydll_main_ran": saw(pydll, "loop steps"), "pydll_collect_started": saw(pydll, "gc.collect() starts"),
          "pydll_collect_returned": saw(pydll, "returned after"), "cdll_collect_returned": saw(cdll, "returned after"),
          "deadline": pydll["deadline_s"]}
    holds = (pydll["outcome"] == "killed" and ev["pydll_main_ran"] and ev["pydll_collect_started"]
             and not ev["pydll_collect_returned"] and cdll["outcome"] == "completed" and ev["cdll_collect_returned"])
    return check(
        "hang_verdict",
        "without the GIL, a thread attached in a foreign call lets other threads run, "
        "but a stop-the-world collection waits for it",
        bool(holds), label=label, **ev,
        supported="**Other threads run; the collection waits.** On {label} the main thread ran Python "
                  "code while the other thread sat in the PyDLL call, then `gc.collect()` started and never "
                  "returned: the child was killed at its {deadline:g} s deadline. Through CDLL, which "
                  "detaches the thread, the same collection returned at once.",
        contradicted="On {label} the probe did not behave as described (PyDLL child: {pd}; CDLL child: {cd}).",
    )


def race_verdict(result: Mapping[str, Any], *, label: str = "the free-threaded build") -> Claim:
    """pytest-run-parallel found the race: the unguarded test failed with lost updates and the locked one passed.

    A yes-or-no observation (a lost increment is not noise). Evidence: each
    test's outcome and lost increments, and the increments in all.
    """
    tests = result.get("tests") or {}
    un = tests.get("test_unguarded", {})
    lo = tests.get("test_locked", {})
    holds = un.get("outcome") == "failed" and un.get("lost", 0) > 0 and lo.get("outcome") == "passed"
    total = int(result.get("threads", 0)) * int(result.get("per_thread", 0))
    return check(
        "race_verdict",
        "pytest-run-parallel finds the unguarded read-modify-write on the free-threaded build, "
        "and the lock fixes it",
        bool(holds), label=label, lost=int(un.get("lost") or 0), total=total, un=un.get("outcome") or "did not run",
        lo=lo.get("outcome") or "did not run", locked_lost=int(lo.get("lost") or 0),
        supported="**The race is found, and the lock fixes it.** On {label} the unguarded test failed, "
                  "losing {lost:,} of {total:,} increments; the test with the lock passed.",
        contradicted="On {label} the unguarded test {un} (lost: {lost:,} of {total:,}) and the locked one "
                     "{lo} (lost: {locked_lost:,}): the race did not show as expected in this run.",
    )


def race_default_text(result: Mapping[str, Any], label: str) -> str:
    """The sentence on the race suite's run on the default build (no verdict decides it)."""
    un = (result.get("tests") or {}).get("test_unguarded", {})
    if not un:
        return ""
    text = (f"On {label} the unguarded test **{un.get('outcome')}** (lost: {int(un.get('lost') or 0):,}), "
            "although pytest-run-parallel had set the switch interval to "
            f"{duration_text(un.get('switch_interval') or 0)} "
            "inside the test, so the GIL changed hands as often as it can. ")
    if un.get("outcome") == "passed":
        return text + ("A switch happens only where the interpreter checks for a request to drop the GIL "
                       "(its eval breaker), which only some instructions do: function entry, backward "
                       "jumps, calls ([Python/bytecodes.c](https://github.com/python/cpython/blob/v3.13.5/"
                       "Python/bytecodes.c)). No such check falls between the read and the write of "
                       "`self.count += n` on a plain attribute: the GIL makes this increment atomic by "
                       "accident, which is exactly why the race stayed hidden until the GIL went.")
    return text + "A switch fell between the read and the write: the race exists on the default build too."


def _widened(iv: Interval, by: float) -> Interval:
    """*iv* with its low end lowered and its high end raised by the fraction *by*."""
    return Interval(iv.low * (1 - by), iv.median, iv.high * (1 + by))


def _run_differences(example: Mapping[str, Any], suites: Sequence[Suite], workloads: Sequence[str],
                     threads: int) -> list[str]:
    """What differs between the script's run and the chapter's, each as a phrase, computed from both
    (operation counts, repeats, warm-ups, the interpreter, the host's load), then how the runs took turns."""
    out = []
    count, repeats = int(example["count"]), int(example["repeats"])
    warm = int(example.get("warmups", 1))
    timings = {w: next(s.get(w, "shared", threads) for s in suites if s.select(w, "shared")) for w in workloads}
    counts = [f"{w}: {count:,} in the script, {int(t.params.get('n', 0)):,} in the chapter"
              for w, t in timings.items() if int(t.params.get("n", 0)) != count]
    if counts:
        out.append("the operations per run (" + "; ".join(counts) + ")")
    chapter_repeats = sorted({len(t.values) for t in timings.values()})
    if chapter_repeats != [repeats]:
        out.append(f"the repeats ({repeats} in the script, {', '.join(map(str, chapter_repeats))} in the chapter)")
    chapter_warm = sorted({len(t.warmups) for t in timings.values()})
    if chapter_warm != [warm]:
        out.append(f"the warm-up runs ({warm} in the script, {', '.join(map(str, chapter_warm))} in the chapter)")
    meta = suites[0].metadata
    mine = (str(example.get("python", "?")), bool(example.get("free_threaded")))
    theirs = (str(meta.get("python_version", "?")), meta.get("gil_enabled") is False)
    if mine != theirs:
        out.append(f"the interpreter (Python {mine[0]}{', free-threaded' if mine[1] else ''} for the script, "
                   f"{theirs[0]}{', free-threaded' if theirs[1] else ''} for the chapter)")
    a, b = load_text(example.get("load_average")), load_text(meta.get("load_average"))
    if a != b:
        out.append(f"the host's load (1-minute load average {a} when the script started, {b} when the "
                   "chapter's measurement did, on a host other builds share)")
    out.append("the order (the chapter's configurations all take turns, the script runs one workload's "
               "repeats back to back, minutes later)")
    return out


def example_verdict(example: Mapping[str, Any], results: Sequence[Suite | Mapping[str, Any]], threads: int, *,
                    label: str, n: int, ratio: float = SLOWER_RATIO,
                    tolerance: float = EXAMPLE_TOLERANCE) -> Claim:
    """The reader's script (``examples/what_serializes.py --json``) measures what the chapter measured.

    For each workload both measured at *threads* threads, the script's shared
    ÷ per-thread interval and the chapter's (:func:`sharing_ratio`) agree when
    they overlap once each is widened by *tolerance* (a fraction). It holds
    when every workload agrees and is contradicted when one does not (a
    cross-check with its own title); the sentence then lists what differs
    between the two runs (``_run_differences``) and says whether they at
    least fall on the same side of *ratio*. *n* is the chapter's operation
    count for the shared-object workloads. Evidence: the pairs, as text.
    """
    suites = [_suite(r) for r in results]
    rows, states, sides, compared = [], [], [], []
    for row in example["results"]:
        if int(row["threads"]) != threads:
            continue
        w = row["workload"]
        suite = next((s for s in suites if s.select(w, "shared")), None)
        if suite is None:
            continue
        mine = ratio_interval(row["shared_s"], row["per_thread_s"])
        theirs = sharing_ratio(suite, w, threads)
        agree = overlap(_widened(mine, tolerance), _widened(theirs, tolerance))
        states.append(agree)
        a, b = mine.at_least(ratio), theirs.at_least(ratio)
        sides.append(a is not None and a == b)
        compared.append(w)
        rows.append(f"{w}: {mine.text()} in the script, {theirs.text()} above, "
                    + ("agreeing" if agree else f"apart by {max(mine.low / theirs.high, theirs.low / mine.high):.1f}×"))
    if not rows:
        raise ValueError(f"the example's results have no workload the chapter measured at {threads} threads")
    side = ("both put every workload on the same side of {r:g}×" if all(sides) else
            "they do not even put every workload on the same side of {r:g}×")
    differ = _run_differences(example, suites, compared, threads)
    return check(
        "example_verdict",
        "the reader's script, run on this page, measures the shared ÷ per-thread ratios the chapter measured",
        all(states), seen="; ".join(rows), k=threads, r=ratio, label=label, tol=tolerance,
        count=int(example["count"]), n=n, repeats=int(example["repeats"]), python=example.get("python", "?"),
        differ="; ".join(differ), tol_text=f"{tolerance * 100:.0f}%",
        title="The example on this page disagrees with the measurement above",
        supported="**The script agrees with the chapter at {k} threads.** With {k} threads, shared ÷ per-thread "
                  "({seen}): each workload's two intervals overlap, once widened by {tol_text}. Only {k} threads "
                  "are compared: the script's other rows (one thread among them) are not checked against the "
                  "chapter here. The runs differ in {differ}.",
        contradicted="With {k} threads (the only count compared), shared ÷ per-thread: {seen}. The intervals "
                     "of a workload do not overlap even widened by {tol_text}, so the two runs measured "
                     "different ratios; "
                     + side + ". The two runs differ in {differ}; any of these can move a ratio of runs a few "
                     "milliseconds long.",
    )


# -- invariants: what must hold if a measurement was sound ---------------------------------



def contention_invariants(results: Suite | Mapping[str, Any], *, tag: str = "",
                          cpus: int | None = None) -> list[Invariant]:
    """What must hold for :func:`shared_objects` or :func:`stdlib_shared` results.

    Per workload: no configuration ran faster than linear scaling allows (*k*
    threads at most ``min(k, cpus)`` times as fast as one, plus
    :data:`SCALING_SLACK`, compared on quartiles), and every time is positive.
    With one thread the shared and the per-thread runs (the same work, on an
    object of the main thread's or of the worker's) cost the worker the same
    CPU time within :data:`SAME_WORK_SLACK` on quartiles, both ways with the
    GIL; without it only the per-thread run is bounded by the shared one (the
    worker does not own the shared object's reference count, which is the
    point). *tag* prefixes the keys (e.g. the build's label).
    """
    suite = _suite(results)
    cpus = cpus or int(suite.metadata.get("usable_cpus") or os.cpu_count() or 1)
    out = []
    for w in sorted({t.workload for t in suite.timings}):
        worst, worst_at = 0.0, ""
        ok = True
        for mode in ("per-thread", "shared"):
            one = suite.select(w, mode)
            base = next((t for t in one if t.workers == 1), None)
            if base is None:
                continue
            for t in one:
                eff = min(t.workers, cpus)
                fine = at_most([v / eff for v in base.values], list(t.values), slack=SCALING_SLACK)
                speed = base.median / t.median if t.median > 0 else float("inf")
                if speed / eff > worst:
                    worst, worst_at = speed / eff, f"{mode}, {t.workers} threads"
                ok = ok and fine and min(t.values) > 0
        out.append(invariant(
            f"{tag}{w}-scaling", "{w}: no thread count ran faster than the cores allow (at most {cpus} CPUs' worth)",
            ok, w=w, cpus=cpus, worst=round(worst, 3), at=worst_at,
            cause="the one-thread runs were slowed by something else (a busy host, a cold start), so the "
                  "threaded ones look faster than the cores allow ({at}: {worst:.2f} of linear)"))
        own_by = {t.workers: t for t in suite.select(w, "per-thread")}
        if suite.metadata.get("gil_enabled") is False and 1 in own_by and len(own_by) > 1:
            slow = [k for k in sorted(own_by) if not baseline_scales(suite, w, k)]
            worst_k = slow[0] if slow else max(own_by)
            out.append(invariant(
                f"{tag}{w}-per-thread-not-slower",
                "{w}: without the GIL and on objects of their own, more threads took no longer than one "
                "(within {slack:.0%})", not slow, w=w, slack=BASELINE_SLACK, k=worst_k,
                one_ms=round(own_by[1].median * 1e3, 2), k_ms=round(own_by[worst_k].median * 1e3, 2),
                cause="the per-thread baseline failed to scale ({k_ms:.1f} ms on {k} threads against {one_ms:.1f} "
                      "ms on 1, for the same operations): other work held the CPUs, or the threads contend on "
                      "something they share without the test meaning them to"))
        out.extend(_one_thread_invariants(suite, w, tag))
    return out


def _one(suite: Suite, workload: str, mode: str) -> Timing | None:
    """*workload*'s one-thread Timing of *mode*, or None."""
    return next((t for t in suite.select(workload, mode) if t.workers == 1), None)


def _one_thread_invariants(suite: Suite, w: str, tag: str) -> list[Invariant]:
    """With one thread, the shared and the per-thread run did the same work (:data:`SAME_WORK_SLACK`):
    compared on the worker's CPU time where it was recorded (else on wall time, as older results
    hold), both ways on a build with the GIL, and only per-thread ≤ shared on a free-threaded one."""
    gil = suite.metadata.get("gil_enabled")
    cpu = [_one(suite, w, m + CPU_SUFFIX) for m in ("shared", "per-thread")]
    pair = cpu if cpu[0] is not None and cpu[1] is not None else [_one(suite, w, m) for m in ("shared", "per-thread")]
    if pair[0] is None or pair[1] is None or gil is None:
        return []
    a, b = list(pair[0].values), list(pair[1].values)
    what = "CPU time" if pair is cpu else "wall time"
    figures = dict(w=w, what=what, slack=SAME_WORK_SLACK, shared_ms=round(pair[0].median * 1e3, 2),
                   own_ms=round(pair[1].median * 1e3, 2))
    if gil:
        return [invariant(
            f"{tag}{w}-one-thread-same",
            "{w}: with one thread and the GIL, the shared and the per-thread run did the same work (their "
            "{what} within {slack:.0%})", at_most(a, b, slack=SAME_WORK_SLACK) and at_most(b, a, slack=SAME_WORK_SLACK),
            **figures, cause="the worker's {what} differed ({shared_ms:.2f} ms shared against {own_ms:.2f} ms "
                             "per-thread, for the same operations): other processes shared its CPU's caches, or "
                             "the measurement lost some runs")]
    return [invariant(
        f"{tag}{w}-one-thread-own-not-dearer",
        "{w}: with one thread and no GIL, the thread's own object cost it no more than the shared one (its "
        "{what} within {slack:.0%})", at_most(b, a, slack=SAME_WORK_SLACK),
        **figures, cause="the worker's {what} on its own object was the larger ({own_ms:.2f} ms against "
                         "{shared_ms:.2f} ms on the main thread's, for the same operations): other processes "
                         "shared its CPU's caches, or the measurement lost some runs")]


def memory_invariants(runs: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[Invariant]:
    """What must hold for ``memory_runs`` results: per build, every child's peak after building is
    at least its peak at start plus :data:`MIN_BYTES_PER_OBJECT` per object."""
    out = []
    for label, rs in runs.items():
        grew = [(float(r["peak_kib"]) - float(r["start_kib"])) * 1024 / max(1, int(r["objects"])) for r in rs]
        out.append(invariant(
            f"memory-grows-{label}", "{label}: the peak grew by at least {need} bytes per object built",
            bool(grew) and min(grew) >= MIN_BYTES_PER_OBJECT, label=label, need=MIN_BYTES_PER_OBJECT,
            least=round(min(grew, default=0.0), 1),
            cause="the peak was reached before the objects were built (the reading is the parent's, or the "
                  "objects were freed): {least:.0f} bytes per object"))
    return out


def pause_invariants(result: Mapping[str, Any], *, tag: str = "") -> list[Invariant]:
    """What must hold for :func:`gc_pause` results: the longest pause the ticker saw during a
    collection is at most the collection plus one switch interval and :data:`PAUSE_SLACK_S`
    (on quartiles), and each repeat recorded all three numbers."""
    gaps, took = list(result["collect_gap_s"]), list(result["collect_s"])
    bound = [c + float(result.get("switch_interval_s", 0.005)) + PAUSE_SLACK_S for c in took]
    complete = len(gaps) == len(took) == len(result["busy_gap_s"]) > 0
    return [invariant(
        f"{tag}pause-within-collection",
        "{tag}the ticker's pause during a collection was no longer than the collection and one switch interval",
        complete and at_most(gaps, bound), tag=tag, gap_ms=round(statistics.median(gaps or [0.0]) * 1e3, 2),
        took_ms=round(statistics.median(took or [0.0]) * 1e3, 2),
        cause="the operating system stopped the ticker thread for longer than the collection ({gap_ms:.1f} ms "
              "against {took_ms:.1f} ms): another process had the CPU")]


def race_invariants(result: Mapping[str, Any], *, tag: str = "") -> list[Invariant]:
    """What must hold for :func:`race_suite` results: each test lost between 0 and every increment,
    and a test that passed lost none."""
    total = int(result.get("threads", 0)) * int(result.get("per_thread", 0))
    tests = result.get("tests") or {}
    bad = [name for name, t in tests.items()
           if not 0 <= int(t.get("lost") or 0) <= total or (t.get("outcome") == "passed" and t.get("lost"))]
    return [invariant(
        f"{tag}race-lost-within-total", "{tag}every test lost between 0 and all {total:,} increments",
        not bad, tag=tag, total=total, bad=", ".join(bad) or "none",
        cause="the count of lost increments was not read from the test's message ({bad})")]


# -- orchestration from the book's interpreter ---------------------------------------------


def builds(interpreters: Sequence[Any] | None = None) -> BuildPair:
    """The free-threaded and the default build this chapter compares: the pair the
    interpreter policy (:func:`gilref.interp.select.choose`) chooses for every chapter.

    The chapter measures only a *matched* pair (both builds of one CPython series);
    otherwise it shows :func:`gilref.interp.select.missing_note`.
    """
    return choose(interpreters)


def run_in(interp: Any, target: str, kwargs: Mapping[str, Any] | None = None, *, timeout: float = 300.0) -> Any:
    """``gilref.topics.serializes:<target>(**kwargs)`` in a child process of *interp*, with a deadline."""
    from ..interp.child import call

    return call(interp.executable, f"gilref.topics.serializes:{target}", kwargs, timeout=timeout)


def memory_runs(builds: Mapping[str, Any], *, rounds: int = 3, objects: int = 200_000,
                timeout: float = 120.0) -> dict[str, list[dict[str, Any]]]:
    """:func:`memory_peak` in *rounds* fresh children of each build, the builds taking turns.

    :param builds: label -> interpreter (``None`` values are skipped).
    """
    check_int("rounds", rounds, minimum=1)
    out: dict[str, list[dict[str, Any]]] = {label: [] for label, i in builds.items() if i is not None}
    for _ in range(rounds):
        for label in out:
            out[label].append(run_in(builds[label], "memory_peak", {"objects": objects}, timeout=timeout))
    return out


def contention_rows(results: Mapping[str, Suite | Mapping[str, Any]], workloads: Sequence[str]) -> list[dict[str, Any]]:
    """Table rows, one per build and workload; per thread count, the per-thread and
    shared medians in ms and shared ÷ per-thread, e.g. ``"30.5 → 21.6 ms (0.71×)"``,
    then, where merging the per-thread results took 0.05 ms or more, ``"; merge 14.3 ms"``
    (left out of the ratio)."""
    rows = []
    for label, data in results.items():
        suite = _suite(data)
        for w in workloads:
            row: dict[str, Any] = {"build": label, "workload": w}
            for t in sorted(suite.select(w, "shared"), key=lambda t: t.workers):
                private = suite.get(w, "per-thread", t.workers)
                mid = sharing_ratio(suite, w, t.workers).median
                head = f"{t.workers} thread{'s' if t.workers > 1 else ''}: per-thread → shared"
                cell = f"{private.median * 1e3:.1f} → {t.median * 1e3:.1f} ms ({mid:.2f}×)"
                merge = next((m for m in suite.select(w, "merge") if m.workers == t.workers), None)
                if merge is not None and merge.median >= 5e-5:
                    cell += f"; merge {merge.median * 1e3:.1f} ms"
                row[head] = cell
            rows.append(row)
    return rows


def ratio_series(
    results: Mapping[str, Suite | Mapping[str, Any]], workloads: Sequence[str],
) -> list[tuple[str, list[float], list[tuple[float, float]]]]:
    """For a grouped bar chart: one series per (build, thread count), one value per workload.

    Values are shared ÷ per-thread median time; errors the quartile range of
    :func:`sharing_ratio`.
    """
    series = []
    for label, data in results.items():
        suite = _suite(data)
        counts = sorted({t.workers for t in suite.select(workloads[0], "shared")})
        for k in counts:
            ivs = [sharing_ratio(suite, w, k) for w in workloads]
            series.append((f"{label}, {k} thread{'s' if k > 1 else ''}", [iv.median for iv in ivs],
                           [(iv.low, iv.high) for iv in ivs]))
    return series


def reader_example(python: str | None, *, count: int, threads: Sequence[int], repeats: int = 3,
                   timeout: float = 300.0) -> tuple[str, dict[str, Any]]:
    """Run ``examples/what_serializes.py`` in *python* (default: this one) with ``--json``.

    :returns: (what it printed, its JSON document: ``results`` with each
        repeat's ``per_thread_s``, ``merge_s``, ``shared_s`` in seconds).
    """
    import json
    import tempfile

    from ..core.examples import run_example

    with tempfile.TemporaryDirectory(prefix="gilref-example-") as tmp:
        path = os.path.join(tmp, "results.json")
        text = run_example("what_serializes.py", ["--count", str(count), "--threads", ",".join(map(str, threads)),
                                                  "--repeats", str(repeats), "--json", path],
                           python=python, timeout=timeout)
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    return text, data


def memory_rows(runs: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Table rows of ``memory_runs`` results, one per build: medians in MiB, and the range over the
    children (one number when they all read the same at that precision)."""
    def mib(values: Sequence[float]) -> str:
        return f"{statistics.median(values) / 1024:.1f}"

    rows = []
    for label, rs in runs.items():
        peaks = [float(r["peak_kib"]) for r in rs]
        low, high = f"{min(peaks) / 1024:.1f}", f"{max(peaks) / 1024:.1f}"
        rows.append({"build": label, "peak at start (MiB)": mib([r["start_kib"] for r in rs]),
                     "peak after building (MiB)": mib(peaks),
                     f"range over the {len(rs)} children (MiB)": low if low == high else f"{low} – {high}",
                     "ru_maxrss after (MiB)": mib([r["maxrss_kib"] for r in rs]), "peak read from": rs[0]["source"]})
    return rows


def memory_source_text(runs: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """Which reading of the peak the memory figures are, and why, with every build's start-up figures
    (medians over its children), and how far the two readings differ after building."""
    first = next(iter(runs.values()))[0]
    if first["source"] != "VmHWM":
        return "This host has no `VmHWM`: the figures below are `ru_maxrss`."

    def mib(rs: Sequence[Mapping[str, Any]], key: str) -> str:
        return f"{statistics.median(float(r[key]) for r in rs) / 1024:.1f} MiB"

    starts = "; ".join(f"{label}: `ru_maxrss` {mib(rs, 'maxrss_start_kib')}, `VmHWM` {mib(rs, 'start_kib')}"
                       for label, rs in runs.items())
    # after building, ru_maxrss = max(inherited peak, own peak): at least VmHWM, but read just before it
    below = [float(r["peak_kib"]) - float(r["maxrss_kib"]) for rs in runs.values() for r in rs]
    tail = ""
    if below and max(below) > 0:
        tail = (f" After building, `ru_maxrss` is the larger of the inherited peak and the child's own, so at "
                f"least `VmHWM`; a child's `ru_maxrss` may still read up to {max(below):.0f} KiB below it here "
                "because it is read first: pages the child touches between the two readings (opening and "
                "reading `/proc/self/status`) count only in the later one.")
    return ("On Linux `ru_maxrss` survives `exec` (\"resource usage metrics are preserved across an execve\", "
            "[getrusage(2)](https://man7.org/linux/man-pages/man2/getrusage.2.html)): a child keeps the peak of "
            "the process it was started "
            f"from, here this notebook's kernel. Before they had built anything the children read ({starts}; "
            "medians). So the figures below are `VmHWM`, the peak of each child alone; the `ru_maxrss` column "
            "shows the other reading." + tail)


def pause_rows(pauses: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Table rows of :func:`gc_pause` results, one per build: the medians in ms (the collection and its gap
    with as many decimals as it takes to tell them apart; a gap at the ticker's floor as ``<`` it) and the
    GIL state."""
    rows = []
    for lb, p in pauses.items():
        gap, took = _ms_pair(statistics.median(p["collect_gap_s"]), statistics.median(p["collect_s"]))
        busy = statistics.median(p["busy_gap_s"])
        floor = gap_resolution(p)
        rows.append({"build": lb, "gc.collect() (ms)": took,
                     "longest gap, no collection (ms)": (f"<{_ms(floor)}" if busy <= floor * (1 + 1e-9)
                                                         else _ms(busy)),
                     "longest gap, during collection (ms)": gap,
                     "GIL": "on" if p["gil_enabled"] else "off"})
    return rows


def pause_series(pauses: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, list[float], list[tuple[float, float]]]]:
    """For a grouped bar chart (groups: the builds): the longest gap without and during a collection,
    median in ms, errors the lowest and highest repeat."""
    out = []
    for key, name in (("busy_gap_s", "main thread running Python, no collection"),
                      ("collect_gap_s", "main thread in gc.collect()")):
        out.append((name, [statistics.median(p[key]) * 1e3 for p in pauses.values()],
                    [(min(p[key]) * 1e3, max(p[key]) * 1e3) for p in pauses.values()]))
    return out


def duration_text(seconds: float) -> str:
    """A duration in seconds in the unit that reads best: ``1 µs``, ``5 ms``, ``2.5 s`` (three significant
    figures at most; no float repr such as ``1e-06``)."""
    if not seconds:
        return "0 s"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
        if abs(seconds) >= scale or unit == "ns":
            return f"{float(f'{seconds / scale:.3g}'):g} {unit}"
    return "0 s"


def race_rows(races: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Table rows of :func:`race_suite` results: one per build and test (one per build that did not run)."""
    rows: list[dict[str, Any]] = []
    for label, r in races.items():
        if not r["available"] or not r["tests"]:
            rows.append({"build": label, "test": "", "outcome": r.get("error") or "not run", "lost": "",
                         "switch interval inside the test": ""})
            continue
        for name, t in r["tests"].items():
            rows.append({"build": label, "test": f"`{name}`", "outcome": t["outcome"], "lost": f"{t['lost']:,}",
                         "switch interval inside the test": "" if t["switch_interval"] is None
                         else duration_text(t["switch_interval"])})
    return rows


def probe_steps(result: Mapping[str, Any]) -> int | None:
    """The loop steps a :func:`foreign_call_probe` child printed, or None."""
    for line in result.get("lines", []):
        if "loop steps" in line:
            try:
                return int(line.split("ran ", 1)[1].split()[0].replace(",", ""))
            except (IndexError, ValueError):
                return None
    return None


def _and_names(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def probe_steps_text(probes: Mapping[str, Mapping[str, Mapping[str, Any]]], steps: Mapping[str, Mapping[str, Any]],
                     *, label: str, other: str) -> str:
    """The one-thread cost per loop step, from the repeated runs of :func:`loop_steps` (*steps*, per build
    label), and the foreign-call probes' single counts of the same loop (*probes*, per build label and case)
    set beside them: which fall within their build's repeated runs, and how far the one build's probes
    are apart. ``""`` when either build's repeated runs are missing."""
    if label not in steps or other not in steps:
        return ""
    f, d = list(steps[label]["steps"]), list(steps[other]["steps"])
    if not f or not d or min(f) <= 0:
        return ""
    per_step = ratio_interval(d, f)  # time per step on the free-threaded build over the default build's
    seconds = float(steps[label]["seconds"])

    def spread(values: Sequence[float]) -> str:
        q = [f"{v:,.0f}" for v in quartiles(values)]
        return q[1] if q[0] == q[2] else f"{q[1]} ({q[0]}–{q[2]})"

    text = (f"The main thread's loop (a `time.perf_counter()` call and an addition per step), run {len(d)} "
            f"times for {seconds:g} s on one thread in a child of each build, counted {spread(d)} steps on "
            f"{other} and {spread(f)} on {label} (median and quartiles): a step took {per_step.text()} as long "
            "without the GIL, one more one-thread cost, on a loop of calls into C rather than the attribute "
            "and method loops measured above.")
    found = [(lb, case, probe_steps(r)) for lb, cases in probes.items() for case, r in cases.items()]
    counts = [(lb, case, n) for lb, case, n in found if n is not None and n > 0]
    if not counts:
        return text
    runs = {label: f, other: d}
    inside = [(lb, case, n) for lb, case, n in counts if lb in runs and min(runs[lb]) <= n <= max(runs[lb])]
    listed = "; ".join(f"{n:,} on {lb}, {'PyDLL' if case == 'pydll' else 'CDLL'}" for lb, case, n in counts)
    def named(group: Sequence[tuple[str, str, int]]) -> str:
        return _and_names([f"{n:,} ({lb}, {'PyDLL' if case == 'pydll' else 'CDLL'})" for lb, case, n in group])

    outside = [c for c in counts if c not in inside]
    where = ("all within their build's repeated runs" if not outside else
             "none within their build's repeated runs" if not inside else
             f"{named(inside)} {'lies' if len(inside) == 1 else 'lie'} within "
             f"{'its' if len(inside) == 1 else 'their'} build's repeated runs, {named(outside)} "
             f"outside {'its' if len(outside) == 1 else 'theirs'}")
    text += (f" The probes above ran that loop once each, cold (no warm-up run), beside a thread in a foreign "
             f"call{f' ({listed})' if not (inside and outside) else ''}: "
             f"{where} (lowest to highest: {label} {min(f):,} to {max(f):,}, {other} {min(d):,} to {max(d):,}).")
    pair = {lb: n for lb, case, n in counts if case == "cdll"}
    if label in pair and other in pair:
        text += (f" Their CDLL counts give {pair[other] / pair[label]:.2f}× ({other} over {label}), against "
                 f"{per_step.median:.2f}× from the repeated runs: each probe is one cold run at its own moment of "
                 "a shared host, which is why the ratio given here is the repeated runs'.")
    same = [n for lb, _case, n in counts if lb == label]
    if len(same) == 2 and max(same) / min(same) > 1 + EXAMPLE_TOLERANCE:
        text += (f" The two probes of {label} ran the same loop {max(same) / min(same):.2f}× apart, more than the "
                 f"{EXAMPLE_TOLERANCE:.0%} two runs of a shared host differ by without measuring anything else.")
    return text


def probe_lines(result: Mapping[str, Any]) -> str:
    """A :func:`foreign_call_probe` result as a Markdown block: what the child printed, and its end."""
    end = (f"[killed by the deadline after {result['elapsed_s']:.1f} s]" if result["outcome"] == "killed"
           else f"[exited after {result['elapsed_s']:.1f} s: {result['outcome']}]")
    return "```text\n" + "\n".join([*result["lines"], end]) + "\n```"
