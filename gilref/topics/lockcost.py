"""What an uncontended lock costs a single thread.

The usual argument for one big lock: locking at a fine grain -- around every
small operation -- would make single-threaded code slower (older editions of
the Python FAQ said about twice as slow, of the free-threading patches of the
Python 1.5 days; as of Python 3.13 it says at least 30% slower).
:func:`measure` times, in one thread and without any contention:

``empty``
    ``for _ in range(n): pass`` -- the loop alone;
``acquire_release``
    ``acquire(); release()`` of a :class:`threading.Lock` per iteration;
``with_lock``
    ``with lock: pass`` per iteration;
``increment``
    ``x += 1`` per iteration;
``locked_increment``
    ``with lock: x += 1`` per iteration.

Each is run *repeats* times, interleaved, and stored in nanoseconds per
iteration. :func:`summary` turns them into the figures the book quotes;
:func:`lock_invariants` says what must hold of them if the run was sound;
:func:`locked_loop_verdict` and :func:`ft_single_verdict` decide the chapter's
two claims on intervals, against the thresholds below.

Standard library only; runs on CPython 3.9+ (GIL or free-threaded) and PyPy.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Callable

from ..core._checks import check_int
from ..core.harness import MIN_REPEATS, interleave
from ..core.hostinfo import collect_metadata
from ..core.results import Suite, Timing
from ..core.verdicts import Claim, Invariant, at_most, check, invariant, ratio_interval
from ._crosscheck import all_of

__all__ = ["LOCKED_SLOWDOWN", "LOOPS", "LOOP_REGRESSION_URL", "LOOP_SLACK", "PYMUTEX_SINCE", "TWICE_HIGH",
           "TWICE_LOW", "WITH_SOURCE_URL", "WITH_SOURCE_URL_311", "build_rows", "builds_note",
           "ft_single_verdict", "lock_invariants", "locked_loop_verdict", "measure", "order_note", "profile",
           "summary", "version_note", "with_versus_pair"]

WORKLOAD = "lock_cost"

# -- thresholds ---------------------------------------------------------------------

#: The slowdown (×) of the locked increment loop over the plain one that
#: counts as "(at least) about twice as slow", over the whole quartile
#: interval: twice, less a tenth for timing noise.
LOCKED_SLOWDOWN = 1.8
#: The range (×) of free-threaded ÷ default-build single-thread time that
#: counts as "about twice as slow": from 1.6 (well above the FAQ's "at least
#: 30%") to 2.5.
TWICE_LOW = 1.6
#: See :data:`TWICE_LOW`.
TWICE_HIGH = 2.5
#: Invariant slack (a fraction): on the quartiles, a loop that does more than
#: another may look at most this much faster before the run counts as unsound.
LOOP_SLACK = 0.05
#: The issue that reports loops running slower in CPython 3.12 and later than in 3.11.
LOOP_REGRESSION_URL = "https://github.com/python/cpython/issues/123540"
#: CPython's instruction definitions, where ``BEFORE_WITH`` (3.12 and 3.13) looks up ``__enter__``
#: and ``__exit__``; 3.11 defines the same instruction in Python/ceval.c.
WITH_SOURCE_URL = "https://github.com/python/cpython/blob/v3.13.5/Python/bytecodes.c"
#: See :data:`WITH_SOURCE_URL`: CPython 3.11's definition of ``BEFORE_WITH``.
WITH_SOURCE_URL_311 = "https://github.com/python/cpython/blob/v3.11.7/Python/ceval.c"
#: Why a ``with lock:`` block costs more than ``lock.acquire()`` and ``lock.release()``.
_WITH_WHY = (
    "The two are not the same pair of calls. `with` compiles to `BEFORE_WITH`, which looks `__enter__` and "
    "`__exit__` up on the lock's type as special methods, binds both to the lock (a new bound-method object "
    "each, on every pass), calls `__enter__` and keeps the bound `__exit__` on the stack; at the end of the "
    "block the interpreter loads three `None`s and calls `__exit__(None, None, None)` "
    "([Python/bytecodes.c](" + WITH_SOURCE_URL + "), `BEFORE_WITH`; in 3.11 [Python/ceval.c]("
    + WITH_SOURCE_URL_311 + ")). `lock.acquire()` and `lock.release()` are method calls without arguments, "
    "which the interpreter makes without building a bound method (its method form of the attribute load "
    "pushes the function and the lock separately).")
#: Which loop does strictly more work than which: (more, less).
_MORE_WORK = (("acquire_release", "empty"), ("with_lock", "empty"), ("increment", "empty"),
              ("locked_increment", "increment"), ("locked_increment", "with_lock"))


def _empty(n: int, lock: Any) -> None:
    for _ in range(n):
        pass


def _acquire_release(n: int, lock: Any) -> None:
    acquire, release = lock.acquire, lock.release
    for _ in range(n):
        acquire()
        release()


def _with_lock(n: int, lock: Any) -> None:
    for _ in range(n):
        with lock:
            pass


def _increment(n: int, lock: Any) -> int:
    x = 0
    for _ in range(n):
        x += 1
    return x


def _locked_increment(n: int, lock: Any) -> int:
    x = 0
    for _ in range(n):
        with lock:
            x += 1
    return x


#: The measured loops, by mode name, in the order they are run.
LOOPS: dict[str, Callable[[int, Any], Any]] = {
    "empty": _empty,
    "acquire_release": _acquire_release,
    "with_lock": _with_lock,
    "increment": _increment,
    "locked_increment": _locked_increment,
}


def measure(n: int = 1_000_000, *, repeats: int = 7, warmups: int = 1) -> Suite:
    """Time every loop of :data:`LOOPS` over *n* iterations, *repeats* times each.

    The loops run interleaved (:func:`gilref.core.harness.interleave`: the
    warmups of each loop, then A B C D E A B C ...) on the calling thread with
    a fresh, never-contended :class:`threading.Lock`.

    :param n: iterations per run (>= 1000).
    :param repeats: measured runs per loop (>= 5).
    :param warmups: unmeasured runs per loop first (>= 0).
    :returns: a suite with one timing per loop (workload ``"lock_cost"``, the
        loop as mode, 1 worker) in nanoseconds per iteration.
    """
    check_int("n", n, minimum=1000)
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_int("warmups", warmups, minimum=0)
    lock = threading.Lock()
    values, warm = interleave([partial(_ns_per_iteration, loop, n, lock) for loop in LOOPS.values()],
                              repeats=repeats, warmups=warmups)
    suite = Suite(metadata=collect_metadata())
    for name, vals, warmed in zip(LOOPS, values, warm):
        suite.add(Timing(WORKLOAD, name, 1, tuple(vals), tuple(warmed), params={"iterations": n}, unit="ns"))
    return suite


def _ns_per_iteration(loop: Callable[[int, Any], Any], n: int, lock: Any) -> float:
    """Nanoseconds per iteration of one run of *loop*; the clock is read right around it."""
    start = time.perf_counter_ns()
    loop(n, lock)
    return (time.perf_counter_ns() - start) / n


def summary(suite: Suite) -> dict[str, float]:
    """The figures derived from a :func:`measure` suite (medians, in ns per iteration).

    :returns: ``loop_ns`` (the empty loop), ``pair_ns`` (one acquire/release
        pair beyond the loop), ``with_ns`` (one ``with lock:`` beyond the
        loop), ``increment_ns`` (one ``x += 1`` beyond the loop),
        ``locked_ratio`` (locked increment loop time / unlocked increment loop
        time, ×) and ``pair_per_increment`` (``pair_ns / increment_ns``, ×).
    """
    med = {name: suite.get(WORKLOAD, name).median for name in LOOPS}
    loop = med["empty"]
    increment = med["increment"] - loop
    pair = med["acquire_release"] - loop
    return {
        "loop_ns": loop,
        "pair_ns": pair,
        "with_ns": med["with_lock"] - loop,
        "increment_ns": increment,
        "increment_loop_ns": med["increment"],
        "locked_increment_loop_ns": med["locked_increment"],
        "locked_ratio": med["locked_increment"] / med["increment"],
        "pair_per_increment": pair / increment if increment > 0 else float("inf"),
    }


def profile(n: int = 500_000, countdown_n: int = 2_000_000, *, repeats: int = 7) -> dict[str, Any]:
    """This interpreter's lock costs (:func:`measure`) and single-thread countdown time.

    Meant to run inside each interpreter to compare (see
    ``gilref.interp.child.call``): the same CPython version with and without
    the GIL shows what fine-grained locking costs single-threaded code today.

    :param n: iterations per lock-cost loop (>= 1000).
    :param countdown_n: countdown steps timed on one thread (>= 0; 0: not timed).
    :returns: JSON-ready dict: ``locks`` (suite dict), ``summary``
        (:func:`summary`), ``countdown`` (timing dict, seconds; ``None`` when
        *countdown_n* is 0), ``python``, ``metadata`` (this interpreter's
        :func:`~gilref.core.hostinfo.collect_metadata`, for chart footers),
        ``free_threaded``, ``gil_enabled``.
    """
    from ..core.harness import measure as measure_job
    from ..core.hostinfo import free_threaded_build, gil_enabled
    from ..core.workloads import countdown

    check_int("countdown_n", countdown_n, minimum=0)
    locks = measure(n, repeats=repeats)
    count = None if countdown_n == 0 else measure_job(
        countdown, [(countdown_n,)], mode="sequential", repeats=repeats, workload="countdown",
        params={"n": countdown_n}).to_dict()
    return {
        "locks": locks.to_dict(),
        "summary": summary(locks),
        "countdown": count,
        "python": sys.version.split()[0],
        "metadata": collect_metadata(),
        "free_threaded": free_threaded_build(),
        "gil_enabled": gil_enabled(),
    }


# -- invariants and verdicts --------------------------------------------------------


def lock_invariants(suite: Suite) -> list[Invariant]:
    """What must hold of a :func:`measure` suite if the run was sound.

    Every time is positive, and a loop that does strictly more than another
    (a lock pair, a ``with`` block or an increment more than the empty loop;
    the locked increment more than the plain one and more than the empty
    ``with`` block) takes at least as long, on the quartiles, less
    :data:`LOOP_SLACK`.
    """
    t = {name: suite.get(WORKLOAD, name) for name in LOOPS}
    out = [invariant("loops-positive", "every loop took a positive time",
                     all(v > 0 for x in t.values() for v in x.values), cause="the clock or the measurement failed")]
    for more, less in _MORE_WORK:
        out.append(invariant(
            f"more-work-{more}-{less}".replace("_", "-"),
            "the {more} loop ({m:.1f} ns) took at least as long as the {less} loop ({l:.1f} ns)",
            at_most(list(t[less].values), list(t[more].values), slack=LOOP_SLACK),
            cause="the host was busy during some runs of the {more} loop's rivals, or a loop was optimised away",
            more=more.replace("_", " "), less=less.replace("_", " "), m=t[more].median, l=t[less].median))
    return out


def order_note(suite: Suite) -> str:
    """A sentence for each loop whose median came out below that of a loop doing less (empty if none).

    Such medians can sit inside the repeats' spread (then :func:`lock_invariants`
    holds, and the sentence says that the order is noise); the page must not
    leave the inversion unexplained either way.
    """
    t = {name: suite.get(WORKLOAD, name) for name in LOOPS}
    out = []
    for more, less in _MORE_WORK:
        a, b = t[more], t[less]
        if a.median >= b.median:
            continue
        overlap = a.summary.q3 >= b.summary.q1
        out.append(
            f"The `{more.replace('_', ' ')}` loop ({a.median:.1f} ns) came out faster than the "
            f"`{less.replace('_', ' ')}` loop ({b.median:.1f} ns), which does less: "
            + ("their repeats overlap (quartiles "
               f"{a.summary.q1:.1f}–{a.summary.q3:.1f} ns and {b.summary.q1:.1f}–{b.summary.q3:.1f} ns), so this "
               "order is timing noise, and the differences between these two medians above mean little."
               if overlap else
               "their repeats do not even overlap, so some runs were disturbed (see the note on soundness)."))
    return " ".join(out)


def with_versus_pair(suite: Suite) -> str:
    """A sentence comparing ``with lock:`` with the bare ``acquire()``/``release()`` pair, from the medians.

    Explains the difference (``BEFORE_WITH``, see :data:`WITH_SOURCE_URL`) only where ``with lock:``
    came out dearer beyond :data:`LOOP_SLACK` on the quartiles; otherwise reports the two figures.
    """
    sm = summary(suite)
    w, p = sm["with_ns"], sm["pair_ns"]
    dearer = not at_most(suite.get(WORKLOAD, "with_lock").values, suite.get(WORKLOAD, "acquire_release").values,
                         slack=LOOP_SLACK)
    if dearer:
        return (f"A `with lock:` block ({w:.1f} ns on top of the empty loop) costs more than the bare "
                f"`acquire()`/`release()` pair ({p:.1f} ns). " + _WITH_WHY)
    return (f"A `with lock:` block ({w:.1f} ns on top of the empty loop) cost about what the bare "
            f"`acquire()`/`release()` pair did ({p:.1f} ns) in this run, within the repeats' spread.")


def builds_note(labels: Sequence[str], reason: str, source: str) -> str:
    """The note saying which builds the section ran in (by name: paths are on the free-threading page)."""
    return (" and ".join(labels) + f", each in child processes ({reason}); the single-thread times "
            + (f"are those of {source}." if source else "were measured here, taking turns."))


def locked_loop_verdict(suite: Suite) -> Claim:
    """Does an uncontended lock around each increment make the loop about twice as slow or more?

    Decided on the ratio of the locked to the plain increment loop over the
    repeats' quartiles: holds when the whole interval is at least
    :data:`LOCKED_SLOWDOWN`.
    """
    sm = summary(suite)
    r = ratio_interval(suite.get(WORKLOAD, "locked_increment").values, suite.get(WORKLOAD, "increment").values)
    return check(
        "locked_loop_verdict",
        "a lock taken from Python code around every small operation makes single-threaded code (at least) "
        "about twice as slow",
        r.at_least(LOCKED_SLOWDOWN), r=r, with_ns=sm["with_ns"], pair=sm["pair_ns"], inc=sm["increment_ns"],
        min=LOCKED_SLOWDOWN,
        supported="**A lock taken from Python code: at least twice as slow, here.** Taking an uncontended lock "
                  "around each increment made the loop {r} slower: the `with lock:` block it adds "
                  "({with_ns:.1f} ns per step on top of the empty loop) costs far more than the increment it "
                  "protects ({inc:.1f} ns, likewise). A lock that C code takes inside the interpreter "
                  "costs less than either form Python code can use, but the direction of the claim holds: at "
                  "this grain, locking costs more than the work. " + with_versus_pair(suite),
        contradicted="**A lock taken from Python code:** taking an uncontended lock around each increment made "
                     "the loop only {r} slower on this host (`with lock:` {with_ns:.1f} ns, increment "
                     "{inc:.1f} ns, each on top of the empty loop): less than the twofold cost "
                     "the claim leads one to expect.",
        unclear="**A lock taken from Python code:** taking an uncontended lock around each increment made the "
                "loop {r} slower: the repeats straddle the {min:.1f}× the claim needs, so this run cannot tell.",
    )


def ft_single_verdict(cost: Suite, gil_label: str, ft_label: str, *, source: str = "",
                      sequential: tuple[Suite, Suite] | None = None) -> Claim:
    """Is the free-threaded build about twice as slow on one thread as the default build?

    *cost* is :func:`gilref.topics.freethreading.single_thread_cost` (modes
    ``"default-build"`` and ``"free-threaded"``, workloads ``countdown`` and
    ``objects``); decided on each workload's time ratio over the quartiles.
    The claim is general ("single-threaded code"), so it holds when both
    ratios lie within [:data:`TWICE_LOW`, :data:`TWICE_HIGH`] throughout, is
    contradicted as soon as one lies wholly outside (the sentence then says
    which workload is about twice as slow and which is not, when they split),
    and is undecided otherwise (a ratio straddling a bound, none outside).
    *source* names where *cost* was measured (a chapter), for the sentence.
    *sequential* is ``(default, free-threaded)`` countdown scaling suites of that chapter: when their
    sequential runs' ratio does not overlap *cost*'s countdown ratio, a sentence of its own after the
    verdict's gives it too (the free-threading chapter says what separates the two), so that it cannot be
    read as part of the object workload's clause; the verdict stays on *cost*.
    """
    ratios = {w: ratio_interval(cost.get(w, "free-threaded").values, cost.get(w, "default-build").values)
              for w in ("countdown", "objects")}
    states = {w: r.between(TWICE_LOW, TWICE_HIGH) for w, r in ratios.items()}
    holds = all_of(*states.values())
    r, o = ratios["countdown"], ratios["objects"]
    names = {"countdown": "the countdown", "objects": "the object workload"}

    def side(x: Any) -> str:
        return "well short of twice as slow" if x.high < TWICE_LOW else "more than twice as slow"

    twice = [names[w] for w, st in states.items() if st is True]
    outside = {w: side(ratios[w]) for w, st in states.items() if st is False}
    if holds is False and twice:
        verdict = (f"within the {TWICE_LOW:.1f}–{TWICE_HIGH:.1f}× counted here as about twice as slow on "
                   + " and ".join(twice) + ", but "
                   + "; ".join(f"{v} on {names[w]}" for w, v in outside.items())
                   + ", so the twofold figure is no general rule: the cost depends on the code")
    elif holds is False and set(outside.values()) == {"well short of twice as slow"}:
        verdict = ("well short of the twofold slowdown once reported of the Python 1.5 patches (the FAQ now says "
                   "“at least 30% slower”)")
    elif holds is False:
        verdict = "; ".join(f"{v} on {names[w]}" for w, v in outside.items())
    else:
        verdict = ""
    where = f", both measured in {source}" if source else ""
    scaling = ""
    if sequential is not None:
        seq = ratio_interval(sequential[1].baseline("countdown").values, sequential[0].baseline("countdown").values)
        if seq.low > r.high or r.low > seq.high:
            scaling = (f" In that chapter's scaling run, one process per build, the countdown came out at "
                       f"{seq.text('.2f', '×')}; that chapter says what separates the two figures.")
    return check(
        "ft_single_verdict",
        "fine-grained locking inside the interpreter (the free-threaded build) makes single-threaded code "
        "about twice as slow",
        holds, r=r, o=o, ft=ft_label, gil=gil_label, where=where, verdict=verdict, low=TWICE_LOW, high=TWICE_HIGH,
        scaling=scaling,
        supported="**The free-threaded build on one thread: twice as slow still.** {ft} ran the "
                  "single-threaded countdown at {r} the time of {gil}, and the object workload at {o}{where}."
                  "{scaling}",
        contradicted="**The free-threaded build on one thread:** {ft} ran the single-threaded countdown at {r} "
                     "the time of {gil}, and the object workload at {o}{where}: {verdict}.{scaling}",
        unclear="**The free-threaded build on one thread:** {ft} ran the single-threaded countdown at {r} "
                "the time of {gil}, and the object workload at {o}{where}: the repeats straddle a bound of "
                "“about twice” ({low:.1f}–{high:.1f}×), so this run cannot tell.{scaling}",
    )


def build_rows(cost: Suite, profiles: Mapping[str, Mapping[str, Any]],
               labels: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """One row per build: its single-thread countdown (from *cost*), lock pair and locked/unlocked loop ratio.

    :param labels: ``(cost mode, label)`` per build, the default build first,
        e.g. ``[("default-build", "CPython 3.13.5"), ("free-threaded", "CPython 3.13.5t")]``;
        *profiles* are :func:`profile` results by label.
    """
    base = cost.get("countdown", labels[0][0])
    rows = []
    for mode, label in labels:
        t = cost.get("countdown", mode)
        p = profiles[label]["summary"]
        rows.append({"interpreter": label, "countdown, 1 thread (s, median)": f"{t.median:.3f}",
                     "vs default build": ratio_interval(t.values, base.values).text(),
                     "lock pair (ns)": f"{p['pair_ns']:.1f}",
                     "with lock: (ns)": f"{p['with_ns']:.1f}",
                     "locked / unlocked increment loop": f"{p['locked_ratio']:.2f}×"})
    return rows


#: The first CPython release whose ``threading.Lock`` is a ``PyMutex``
#: (gh-117721, backported to the 3.13 branch by PR #125116 after 3.13.0).
PYMUTEX_SINCE = (3, 13, 1)
_PYMUTEX_WHY = (
    "From 3.13.1 on, `threading.Lock` is built on `PyMutex`, a one-byte lock whose uncontended acquire and "
    "release each take one atomic compare-exchange on that byte (`_PyMutex_LockTimed` and `_PyMutex_TryUnlock` "
    "in [Python/lock.c](https://github.com/python/cpython/blob/v3.13.5/Python/lock.c); "
    "[gh-117721](https://github.com/python/cpython/issues/117721), "
    "backported to 3.13 in [PR #125116](https://github.com/python/cpython/pull/125116)); earlier versions wrap "
    "the platform's lock (`PyThread_type_lock`). `PyMutex` itself came with the parking lot in "
    "[PR #109344](https://github.com/python/cpython/pull/109344) "
    "([gh-108724](https://github.com/python/cpython/issues/108724)).")


def _version(text: str) -> tuple[int, ...]:
    """``"3.13.5"`` (or ``"3.13.5t"``, ``"3.14.0rc1"``) as ``(3, 13, 5)``; ``()`` when not a version."""
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", str(text).strip())
    return tuple(int(g) for g in m.groups() if g is not None) if m else ()


def version_note(host: Mapping[str, float], host_python: str, profile_of_gil: Mapping[str, Any],
                 gil_label: str) -> str:
    """A sentence comparing the host's lock costs (measured first on the page) with the GIL build's.

    :param host: :func:`summary` of the host's :func:`measure`.
    :param host_python: the host's Python version, e.g. ``"3.11.7"``.
    :param profile_of_gil: :func:`profile` of the pair's GIL build.
    :param gil_label: that build's label.
    :returns: ``""`` when both are the same version; otherwise both lock-pair costs, both
        locked/unlocked ratios, both increment costs, and why the lock got cheaper where the
        versions fall on both sides of :data:`PYMUTEX_SINCE` and it did.
    """
    other = profile_of_gil["summary"]
    other_python = str(profile_of_gil.get("python", ""))
    if _version(other_python) == _version(host_python):
        return ""
    text = (f"The same loops cost differently on {gil_label}: an `acquire()`/`release()` pair "
            f"{other['pair_ns']:.1f} ns against {host['pair_ns']:.1f} ns on the host's Python {host_python} "
            f"above, a `with lock:` block {other['with_ns']:.1f} ns against {host['with_ns']:.1f} ns, and the "
            f"increment itself {other['increment_ns']:.1f} ns against {host['increment_ns']:.1f} ns, so the "
            f"locked loop takes {other['locked_ratio']:.2f}× the plain one there against "
            f"{host['locked_ratio']:.2f}× here (the two ran at different moments on a shared host, but the "
            "figures are also those of different versions, not of Python in general).")
    older, newer = _version(host_python), _version(other_python)
    if older < PYMUTEX_SINCE <= newer and other["pair_ns"] < host["pair_ns"]:
        text += " " + _PYMUTEX_WHY
    if older[:2] < (3, 12) <= newer[:2] and other["increment_ns"] > host["increment_ns"]:
        text += (f" The increment got dearer from {host_python} to {other_python}: loops of simple statements run "
                 "slower on CPython 3.12 and later than on 3.11 "
                 f"([python/cpython#123540]({LOOP_REGRESSION_URL}), “Performance regression for loops in 3.12 "
                 "vs 3.11”), on builds compiled alike, as "
                 "{doc}`the chapter on free-threaded Python <free-threading>` shows.")
    return text
