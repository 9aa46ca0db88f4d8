"""A real deadlock between the GIL and a native mutex, detected on a deadline.

Two threads and two locks, the GIL and a POSIX ``pthread_mutex_t``, taken
through :mod:`ctypes`:

* the *other* thread locks the mutex, then needs the GIL (it goes back to
  running Python code before it unlocks);
* the *main* thread, holding the GIL, asks for the mutex.

If the main thread waits for the mutex *while holding the GIL* -- which is
what a foreign call through :class:`ctypes.PyDLL` does, since PyDLL keeps
the GIL during the call -- each thread waits for the lock the other holds: a
deadlock. The main thread's wait is ``pthread_mutex_timedlock`` with a
deadline, so it gives up with ``ETIMEDOUT`` instead of hanging, and that is
how the deadlock is detected. Through :class:`ctypes.CDLL` the GIL is
released for the duration of the call, the other thread finishes, and the
same wait completes. On a free-threaded build there is no GIL to hold.

:func:`run_case` runs the scenario once in this process; :func:`run_cases`
repeats both variants (and is what :func:`run_in` calls inside another
interpreter, in a child process killed if it overshoots its own deadline).

What the runs say is decided here too: :func:`deadlock_verdict`,
:func:`fix_verdict` and :func:`ft_verdict` (on how many runs timed out, with
the reader's example's own output, read by :func:`example_outcome`, stated
beside them), and whether they were sound (:func:`deadlock_invariants`). The
chapter's tables come from :func:`order_rows` and :func:`steps_rows`.

Standard library only; needs a POSIX C library with
``pthread_mutex_timedlock`` (Linux, the BSDs; not macOS): see :func:`unsupported`.
"""

from __future__ import annotations

import ctypes
import errno
import math
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ..core._checks import check_choice, check_int, check_seconds
from ..core.verdicts import Claim, Interval, Invariant, check, invariant

__all__ = [
    "CASES",
    "CLOCK_SLACK_S",
    "NativeMutex",
    "build_name",
    "deadlock_invariants",
    "deadlock_verdict",
    "example_outcome",
    "fix_verdict",
    "ft_verdict",
    "order_rows",
    "run_case",
    "run_cases",
    "run_in",
    "steps_order_note",
    "steps_rows",
    "steps_sentence",
    "unsupported",
]

#: Seconds by which two clock readings of one event may disagree before a run is
#: called unsound. The deadline is set on CLOCK_REALTIME before the call and the
#: wait timed on ``perf_counter`` around it, and a thread handed the GIL reads the
#: clock a switch after the event: 20 ms covers both on a loaded host, and is a
#: fiftieth of the book's 1 s deadline, so it cannot hide a deadlock.
CLOCK_SLACK_S = 0.02

#: ``"pydll"``: the main thread waits for the mutex through PyDLL (holding the GIL);
#: ``"cdll"``: through CDLL (the GIL released while it waits).
CASES = ("pydll", "cdll")
_MUTEX_BYTES = 64  # larger than pthread_mutex_t on every common C library


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def _libraries() -> tuple[Any, Any]:
    """The C library's symbols twice: through CDLL (releases the GIL) and PyDLL (keeps it)."""
    if os.name != "posix":
        raise OSError("pthread mutexes need a POSIX system")
    libs = (ctypes.CDLL(None, use_errno=True), ctypes.PyDLL(None, use_errno=True))
    for lib in libs:
        for name in ("pthread_mutex_init", "pthread_mutex_lock", "pthread_mutex_unlock",
                     "pthread_mutex_destroy"):
            func = getattr(lib, name)
            func.argtypes = [ctypes.c_void_p] + ([ctypes.c_void_p] if name == "pthread_mutex_init" else [])
            func.restype = ctypes.c_int
        timed = lib.pthread_mutex_timedlock  # AttributeError where it does not exist
        timed.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Timespec)]
        timed.restype = ctypes.c_int
    return libs


def unsupported() -> str | None:
    """``None`` if this host can run the demonstration, else the reason it cannot."""
    try:
        _libraries()
    except (OSError, AttributeError) as exc:
        return f"no usable pthread_mutex_timedlock through ctypes here ({exc})"
    return None


class NativeMutex:
    """A ``pthread_mutex_t`` in memory owned by Python, locked through ctypes.

    :meth:`lock` and :meth:`unlock` go through CDLL, which releases the GIL
    during the call; :meth:`timed_lock` can go either way.
    """

    def __init__(self) -> None:
        self._cdll, self._pydll = _libraries()
        self._memory = (ctypes.c_uint64 * (_MUTEX_BYTES // 8))()
        self._ptr = ctypes.addressof(self._memory)
        rc = self._cdll.pthread_mutex_init(self._ptr, None)
        if rc != 0:
            raise OSError(rc, f"pthread_mutex_init failed: {os.strerror(rc)}")
        self._alive = True

    def lock(self) -> None:
        """Block until the mutex is ours (GIL released while blocked)."""
        rc = self._cdll.pthread_mutex_lock(self._ptr)
        if rc != 0:
            raise OSError(rc, f"pthread_mutex_lock failed: {os.strerror(rc)}")

    def unlock(self) -> None:
        """Release the mutex (must be held by the calling thread)."""
        rc = self._cdll.pthread_mutex_unlock(self._ptr)
        if rc != 0:
            raise OSError(rc, f"pthread_mutex_unlock failed: {os.strerror(rc)}")

    def timed_lock(self, timeout: float, *, hold_gil: bool) -> bool:
        """Wait at most *timeout* seconds for the mutex.

        :param timeout: seconds to wait (> 0).
        :param hold_gil: wait through PyDLL, keeping the GIL during the call
            (``True``), or through CDLL, releasing it (``False``).
        :returns: ``True`` if the mutex is now held, ``False`` if the wait timed out.
        """
        check_seconds("timeout", timeout, allow_zero=False)
        lib = self._pydll if hold_gil else self._cdll
        when = time.time() + timeout  # the deadline is absolute, on CLOCK_REALTIME
        frac, whole = math.modf(when)
        spec = _Timespec(int(whole), int(frac * 1e9))
        rc = lib.pthread_mutex_timedlock(self._ptr, ctypes.byref(spec))
        if rc == 0:
            return True
        if rc == errno.ETIMEDOUT:
            return False
        raise OSError(rc, f"pthread_mutex_timedlock failed: {os.strerror(rc)}")

    def destroy(self) -> None:
        """Free the mutex's resources (it must be unlocked); idempotent."""
        if self._alive:
            self._cdll.pthread_mutex_destroy(self._ptr)
            self._alive = False


def _gil_now() -> bool | None:
    from ..core.hostinfo import gil_enabled

    return gil_enabled()


def run_case(case: str = "pydll", *, deadline: float = 1.0, hold: float = 0.1) -> dict[str, Any]:
    """Run the two-thread scenario once and say whether it deadlocked.

    The other thread locks the mutex, then sleeps *hold* seconds (GIL
    released), then needs the GIL to run the Python line that unlocks. The
    main thread, once the mutex is taken, waits for it for at most *deadline*
    seconds, holding the GIL (``"pydll"``) or not (``"cdll"``).

    :param case: one of :data:`CASES`.
    :param deadline: seconds the main thread waits for the mutex (> 0).
    :param hold: seconds the other thread sleeps while holding the mutex
        (> 0, less than *deadline*).
    :returns: a JSON-ready dict: ``outcome`` (``"deadlock"`` if the wait timed
        out, else ``"completed"``), ``main_wait_s`` (seconds the main thread
        waited), ``other_stalled_s`` (seconds the other thread was held up
        beyond its *hold*: waiting for the GIL), ``steps`` (seconds from the
        start at which each step happened), the interpreter and whether its GIL
        was enabled.
    :raises RuntimeError: if the other thread does not finish (it is a daemon thread).
    """
    check_choice("case", case, CASES)
    check_seconds("deadline", deadline, allow_zero=False)
    check_seconds("hold", hold, allow_zero=False)
    if hold >= deadline:
        raise ValueError(f"hold must be shorter than deadline, got hold={hold!r}, deadline={deadline!r}")
    mutex = NativeMutex()
    t0 = time.perf_counter()
    steps: dict[str, float] = {}
    locked = threading.Event()
    errors: list[BaseException] = []

    def other() -> None:
        try:
            mutex.lock()
            steps["other_locked"] = time.perf_counter() - t0
            locked.set()
            time.sleep(hold)  # GIL released; wanted back at the end of the sleep
            steps["other_got_gil"] = time.perf_counter() - t0
            mutex.unlock()
            steps["other_unlocked"] = time.perf_counter() - t0
        except BaseException as exc:  # reported below
            errors.append(exc)
            locked.set()

    worker = threading.Thread(target=other, name="gilref-deadlock-other", daemon=True)
    steps["main_started"] = 0.0
    worker.start()
    if not locked.wait(10.0) or errors:
        worker.join(1.0)
        raise RuntimeError(f"the other thread could not lock the mutex: {errors[:1]}")
    steps["main_waits"] = time.perf_counter() - t0
    got = mutex.timed_lock(deadline, hold_gil=(case == "pydll"))
    steps["main_returned"] = time.perf_counter() - t0
    if got:
        mutex.unlock()
    worker.join(deadline + hold + 10.0)
    if worker.is_alive():
        raise RuntimeError("the other thread did not finish after the main thread gave up")
    if errors:
        raise errors[0]
    mutex.destroy()
    return {
        "case": case,
        "outcome": "completed" if got else "deadlock",
        "lock_result": "acquired" if got else "ETIMEDOUT",
        "deadline_s": deadline,
        "hold_s": hold,
        "main_wait_s": steps["main_returned"] - steps["main_waits"],
        "other_stalled_s": max(0.0, steps["other_got_gil"] - steps["other_locked"] - hold),
        "total_s": steps["other_unlocked"],
        "steps": steps,
        "python": f"{sys.implementation.name} {'.'.join(map(str, sys.version_info[:3]))}",
        "gil_enabled": _gil_now(),
    }


def run_cases(
    cases: list[str] | None = None,
    *,
    repeats: int = 5,
    deadline: float = 1.0,
    hold: float = 0.1,
) -> dict[str, Any]:
    """Run each case *repeats* times in this process (see :func:`run_case`).

    :returns: JSON-ready: ``cases`` (case -> list of :func:`run_case` results),
        ``python`` (version), ``executable``, ``gil_enabled``, ``free_threaded``,
        ``deadline_s``, ``hold_s`` and ``metadata`` (where it ran,
        :func:`gilref.core.hostinfo.collect_metadata`).
    """
    from ..core.hostinfo import collect_metadata, free_threaded_build

    picked = list(CASES) if cases is None else list(cases)
    if not picked:
        raise ValueError("cases must name at least one case")
    for c in picked:
        check_choice("cases", c, CASES)
    check_int("repeats", repeats, minimum=1)
    results = {c: [run_case(c, deadline=deadline, hold=hold) for _ in range(repeats)] for c in picked}
    return {
        "cases": results,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "gil_enabled": _gil_now(),
        "free_threaded": free_threaded_build(),
        "deadline_s": deadline,
        "hold_s": hold,
        "metadata": collect_metadata(),
    }


def run_in(
    python: str,
    cases: list[str] | None = None,
    *,
    repeats: int = 5,
    deadline: float = 1.0,
    hold: float = 0.1,
    margin: float = 30.0,
) -> dict[str, Any]:
    """:func:`run_cases` inside interpreter *python*, in a child process that is
    killed if it overshoots every case's deadline plus *margin* seconds.

    :raises RuntimeError: ``gilref.interp.child.ChildTimeout`` if the child had to be
        killed, ``gilref.interp.child.ChildError`` if it failed.
    """
    from ..interp.child import call

    check_int("repeats", repeats, minimum=1)
    check_seconds("margin", margin, allow_zero=False)
    n = len(CASES if cases is None else cases)
    limit = n * repeats * (deadline + hold) + margin
    result = call(python, "gilref.topics.deadlock:run_cases",
                  {"cases": cases, "repeats": repeats, "deadline": deadline, "hold": hold},
                  timeout=limit)
    if not isinstance(result, dict):
        raise TypeError(f"run_cases in {python} returned {type(result).__name__}, not a dict")
    result["timeout_s"] = limit
    return result


# -- reading the runs ---------------------------------------------------------------


def build_name(runs: Mapping[str, Any]) -> str:
    """The build *runs* (:func:`run_cases` output) ran on, named as
    :attr:`gilref.interp.discover.Interpreter.label` names it (the label the chapters'
    build pair uses), e.g. ``"CPython 3.13.5 (GIL)"`` or ``"CPython 3.13.5 free-threaded"``;
    a free-threaded build whose GIL was on while it ran says so (``"..., GIL on"``)."""
    if runs.get("free_threaded"):
        forced = ", GIL on" if runs.get("gil_enabled") is True else ""
        return f"CPython {runs['python']} free-threaded{forced}"
    return f"CPython {runs['python']} (GIL)"


def _waits(results: Sequence[Mapping[str, Any]]) -> Interval:
    return Interval.of([float(r["main_wait_s"]) for r in results])


def _timed_out(results: Sequence[Mapping[str, Any]]) -> int:
    return sum(r["outcome"] == "deadlock" for r in results)


_HEAD = re.compile(r"^Python (\S+) \(GIL (on|off)\)", re.M)
_END = re.compile(r"^(DEADLOCK detected|COMPLETED): the main thread (?:gave up after|waited) ([0-9.]+) s", re.M)


def example_outcome(text: str) -> dict[str, Any]:
    """Read ``examples/deadlock.py``'s output.

    :returns: ``python`` (version), ``gil`` (bool), ``outcome`` (``"deadlock"``
        or ``"completed"``) and ``waited_s`` (seconds the main thread waited).
    :raises ValueError: if *text* is not that example's output.
    """
    head, end = _HEAD.search(text), _END.search(text)
    if head is None or end is None:
        raise ValueError("not the output of examples/deadlock.py: no 'Python ... (GIL ...)' line "
                         "or no DEADLOCK/COMPLETED line")
    return {"python": head.group(1), "gil": head.group(2) == "on",
            "outcome": "deadlock" if end.group(1).startswith("DEADLOCK") else "completed",
            "waited_s": float(end.group(2))}


def _example_sentence(example: Mapping[str, Any] | None, expected: str, how: str) -> str:
    if not example:
        return ""
    gil = "on" if example["gil"] else "off"
    said = "timed out" if example["outcome"] == "deadlock" else "got the mutex"
    said += f" after {example['waited_s']:.3f} s"
    if example["outcome"] == expected:
        return f" The reader's example below, {how} on Python {example['python']} (GIL {gil}), {said} as well."
    return (f" The reader's example below, {how} on Python {example['python']} (GIL {gil}), {said}: "
            "not what these runs did. It ran in another interpreter, once, as a separate program; "
            "a host so busy that the main thread reached its wait only after the other thread's "
            "hold had ended would let it complete.")


# -- verdicts ---------------------------------------------------------------------------


def deadlock_verdict(runs: Mapping[str, Any], *, example: Mapping[str, Any] | None = None) -> Claim:
    """Waiting for a native mutex while holding the GIL deadlocks: every PyDLL run of
    *runs* (:func:`run_cases` output) timed out. None did: contradicted; some did:
    undecided (the two threads did not always meet in the deadlocking order).

    :param example: :func:`example_outcome` of the example run as it is, stated beside.
    """
    dl = list(runs["cases"]["pydll"])
    k, n = _timed_out(dl), len(dl)
    holds = True if k == n else False if k == 0 else None
    return check(
        "deadlock_verdict",
        "a thread that waits for a native mutex while holding the GIL deadlocks with a thread "
        "that holds the mutex and needs the GIL",
        holds,
        n=n, k=k, build=build_name(runs), deadline=float(runs.get("deadline_s", dl[0]["deadline_s"])),
        wait=_waits(dl), stall=Interval.of([float(r["other_stalled_s"]) for r in dl]),
        wait_s=_waits(dl).text(".3f", " s"),
        stall_s=Interval.of([float(r["other_stalled_s"]) for r in dl]).text(".3f", " s"),
        supported="**Deadlock, every time ({k} of {n} runs on {build}).** Waiting through PyDLL, the "
                  "main thread sat on the GIL for its whole deadline of {deadline:g} s (it waited "
                  "{wait_s}, the median of the runs) and gave up with `ETIMEDOUT`; the other thread, "
                  "ready to unlock after its sleep, was kept from the GIL for {stall_s}."
                  + _example_sentence(example, "deadlock", "run as it is"),
        contradicted="None of the {n} PyDLL runs on {build} timed out (the main thread waited "
                     "{wait_s} of a {deadline:g} s deadline): on this interpreter the main thread "
                     "did not keep the other one from running."
                     + _example_sentence(example, "deadlock", "run as it is"),
        unclear="{k} of {n} PyDLL runs on {build} timed out, the others completed (waits {wait_s}): "
                "in some runs the other thread got past its hold before the main thread began to wait."
                + _example_sentence(example, "deadlock", "run as it is"),
    )


def fix_verdict(runs: Mapping[str, Any], *, example: Mapping[str, Any] | None = None) -> Claim:
    """Releasing the GIL before waiting removes the deadlock: every CDLL run of *runs*
    completed (all timed out: contradicted; some: undecided).

    :param example: :func:`example_outcome` of the example run with ``--fixed``.
    """
    fx = list(runs["cases"]["cdll"])
    k, n = _timed_out(fx), len(fx)
    holds = True if k == 0 else False if k == n else None
    hold = float(runs.get("hold_s", fx[0]["hold_s"]))
    return check(
        "fix_verdict",
        "releasing the GIL before waiting for the native lock removes the deadlock",
        holds,
        n=n, k=k, build=build_name(runs), wait=_waits(fx), hold=hold, wait_s=_waits(fx).text(".3f", " s"),
        supported="**The fix completes.** Waiting through CDLL, which releases the GIL, the main "
                  "thread got the mutex in all {n} runs on {build} after {wait_s} (the median of the "
                  "runs): as soon as the other thread's {hold:g} s hold was over."
                  + _example_sentence(example, "completed", "run with `--fixed`"),
        contradicted="Waiting through CDLL on {build} still timed out in all {n} runs (waits "
                     "{wait_s}): something other than the GIL kept the other thread from unlocking."
                     + _example_sentence(example, "completed", "run with `--fixed`"),
        unclear="Waiting through CDLL on {build}, {k} of {n} runs timed out (waits {wait_s}): the "
                "host may have kept the other thread off a CPU for the whole deadline."
                + _example_sentence(example, "completed", "run with `--fixed`"),
    )


def ft_verdict(runs: Mapping[str, Any]) -> Claim:
    """The free-threaded build has no GIL to deadlock on: every run of *runs* (both
    cases, on a free-threaded build) completed, with the GIL off while they ran."""
    every = [r for rs in runs["cases"].values() for r in rs]
    k, n = _timed_out(every), len(every)
    gil_off = runs.get("gil_enabled") is False
    holds = (True if k == 0 else False if k == n else None) if gil_off else False
    pydll = list(runs["cases"].get("pydll", every))
    return check(
        "ft_verdict",
        "the free-threaded build has no GIL to deadlock on",
        holds,
        n=n, k=k, build=build_name(runs), wait=_waits(pydll), wait_s=_waits(pydll).text(".3f", " s"),
        supported="**No deadlock without the GIL.** On {build} all {n} runs completed, the PyDLL ones "
                  "included (they waited {wait_s}): while one thread stays attached to the "
                  "interpreter in a foreign call, the other threads keep running Python. They are "
                  "not free of it: a stop-the-world event, such as a garbage collection, waits until "
                  "that attached thread returns.",
        contradicted=("On {build} {k} of the {n} runs timed out (PyDLL waits {wait_s})." if gil_off else
                      "On {build} the GIL was on while the runs went (an extension module or "
                      "`PYTHON_GIL=1` turned it back on), so they say nothing about a build without it; "
                      "{k} of {n} timed out."),
        unclear="On {build} {k} of the {n} runs timed out and the rest completed (PyDLL waits {wait_s}).",
    )


def deadlock_invariants(runs: Mapping[str, Any]) -> list[Invariant]:
    """What sound runs (:func:`run_cases` output) satisfy, each with :data:`CLOCK_SLACK_S`:

    * a timed-out wait lasted at least the deadline; a completed one less than it;
    * a completed wait ended no earlier than the other thread's hold allowed;
    * each run's steps came in order (locked, then the main thread waits, then returns;
      the other thread slept at least its hold before it had the GIL back);
    * the other thread's stall is non-negative and no longer than the time the main
      thread held the GIL from its lock until it returned.

    Keys carry the build (``gil`` or ``ft``) and its version, so both builds' runs can
    be checked in one chapter.
    """
    tag = f"{'ft' if runs.get('free_threaded') else 'gil'}_{runs.get('python', '')}".replace(".", "_")
    e = CLOCK_SLACK_S
    short, late, early, disorder, stall = [], [], [], [], []
    for case, results in runs["cases"].items():
        for i, r in enumerate(results, start=1):
            st, wait, deadline, hold = r["steps"], float(r["main_wait_s"]), float(r["deadline_s"]), float(r["hold_s"])
            where = f"{case} run {i}"
            if r["outcome"] == "deadlock" and wait < deadline - e:
                short.append(f"{where}: {wait:.3f} s of {deadline:g} s")
            if r["outcome"] == "completed" and wait >= deadline + e:
                late.append(f"{where}: {wait:.3f} s, deadline {deadline:g} s")
            if r["outcome"] == "completed" and st["main_returned"] < st["other_locked"] + hold - e:
                early.append(f"{where}: returned at {st['main_returned']:.3f} s, locked at "
                             f"{st['other_locked']:.3f} s + {hold:g} s")
            if not (st["other_locked"] <= st["main_waits"] + e and st["main_waits"] <= st["main_returned"]
                    and st["other_got_gil"] >= st["other_locked"] + hold - e
                    and st["other_unlocked"] >= st["other_got_gil"]):
                disorder.append(where)
            held = st["main_returned"] - st["other_locked"]
            if not -e <= float(r["other_stalled_s"]) <= held + e:
                stall.append(f"{where}: {r['other_stalled_s']:.3f} s stalled, {held:.3f} s held")
    return [
        invariant(f"{tag}_timeouts_waited_the_deadline", "on {build}, every timed-out wait lasted its deadline",
                  not short, build=build_name(runs), bad="; ".join(short) or "none",
                  cause="the deadline's clock (CLOCK_REALTIME) was set back during the run: {bad}"),
        invariant(f"{tag}_completed_within_the_deadline", "on {build}, every completed wait ended "
                  "before its deadline", not late, build=build_name(runs), bad="; ".join(late) or "none",
                  cause="the main thread was kept off a CPU after it got the mutex (a busy host): {bad}"),
        invariant(f"{tag}_completed_after_the_hold", "on {build}, no wait got the mutex before the other "
                  "thread's hold was over", not early, build=build_name(runs), bad="; ".join(early) or "none",
                  cause="the sleep ended early or the mutex was not held: {bad}"),
        invariant(f"{tag}_steps_in_order", "on {build}, every run's steps came in their order", not disorder,
                  build=build_name(runs), bad=", ".join(disorder) or "none",
                  cause="the clock readings of the two threads disagree: {bad}"),
        invariant(f"{tag}_stall_within_the_hold", "on {build}, the other thread's stall is within the time "
                  "the main thread held on", not stall, build=build_name(runs), bad="; ".join(stall) or "none",
                  cause="the stall was computed from readings of different runs: {bad}"),
    ]


# -- tables -------------------------------------------------------------------------------

_HOW = {
    "pydll": "GIL first, then the mutex: waits through PyDLL, keeping the GIL",
    "cdll": "lets go of the GIL, then waits for the mutex: through CDLL",
}


def order_rows(runs: Mapping[str, Any]) -> list[dict[str, str]]:
    """One table row per case of *runs*: how each thread takes the locks, the outcome, the medians (s)."""
    rows = []
    for case, results in runs["cases"].items():
        k, n = _timed_out(results), len(results)
        rows.append({
            "main thread": _HOW[case],
            "other thread": "the mutex first, then the GIL",
            "interpreter": build_name(runs),
            "outcome": f"deadlock: timed out ({k} of {n} runs)" if k else f"completed ({n} of {n} runs)",
            "main thread waited (s, median)": f"{statistics.median(r['main_wait_s'] for r in results):.3f}",
            "other thread stalled (s, median)": f"{statistics.median(r['other_stalled_s'] for r in results):.3f}",
        })
    return rows


def steps_sentence(result: Mapping[str, Any]) -> str:
    """What the steps of one PyDLL run (:func:`run_case` result) show, in words, with its times."""
    st, hold = result["steps"], float(result["hold_s"])
    wanted = st["other_locked"] + hold
    first = ("the main thread started waiting (step 4) before the other thread wanted the GIL back (step 3)"
             if st["main_waits"] <= wanted else
             "the other thread wanted the GIL back (step 3) before the main thread started waiting (step 4)")
    if result["outcome"] == "deadlock":
        end = (f"The main thread waited {result['main_wait_s']:.3f} s, its whole deadline of "
               f"{result['deadline_s']:g} s, and the other thread got the GIL "
               f"{result['other_stalled_s']:.3f} s later than it wanted it.")
    else:
        end = (f"This run did not deadlock: the main thread got the mutex after {result['main_wait_s']:.3f} s, "
               "so the other thread must have had the GIL before the main thread's wait began.")
    return (f"Here {first}; the order of the two waits does not matter, only that each thread holds one "
            f"lock while it waits for the other. {end}")


def _breaker_source(python: str) -> str:
    """A link to where CPython *python* (``"cpython 3.13.5"``) checks its eval breaker after a call, or ``""``.

    The link is pinned to that release's tag (``v3.13.5``; ``v3.13.0`` when the
    string gives no micro version)."""
    token = python.split()[-1] if python.split() else ""
    m = re.match(r"(\d+)\.(\d+)(\.\d+(?:(?:a|b|rc)\d+)?)?", token)
    if m is None or not python.lower().startswith("cpython"):
        return ""
    major, minor = int(m.group(1)), int(m.group(2))
    if (major, minor) < (3, 11):
        return ""
    tag = f"v{major}.{minor}{m.group(3) or '.0'}"
    where = "Python/bytecodes.c" if (major, minor) >= (3, 12) else "Python/ceval.c"
    return f" ([{where}](https://github.com/python/cpython/blob/{tag}/{where}))"


def steps_order_note(result: Mapping[str, Any]) -> str:
    """Why, in a deadlocked run, the other thread's "gets the GIL" can come before the main
    thread's "gives up": a sentence with the run's times, or ``""`` when the order is the plain one.

    The main thread's time is read by a Python line after the foreign call returns.
    The call returned holding the GIL, but the other thread had set a drop request
    long before; the main thread honours it at its first eval-breaker check after
    the call (the CALL instruction's), so the other thread takes the GIL, runs its
    lines, and only then does the main thread read the clock.
    """
    st = result["steps"]
    if result["outcome"] != "deadlock" or st["other_got_gil"] >= st["main_returned"]:
        return ""
    def ms(value: float) -> str:
        return f"{value * 1000:.1f} ms"

    return (f"In the table the other thread *gets the GIL* at {ms(st['other_got_gil'])}, before the main thread "
            f"*gives up* at {ms(st['main_returned'])}, because the main thread reads that time in Python after "
            "the foreign call returns: the call returned holding the GIL, the main thread honoured the other "
            "thread's waiting drop request at its first eval-breaker check after the call"
            + _breaker_source(str(result.get("python", ""))) + ", and the other "
            f"thread got the GIL and unlocked ({ms(st['other_unlocked'])}) before the main thread read the clock.")


def steps_rows(result: Mapping[str, Any]) -> list[dict[str, str]]:
    """The steps of one :func:`run_case` result as table rows (milliseconds from its start)."""
    st, hold = result["steps"], float(result["hold_s"])

    def ms(value: float) -> str:
        return f"{value * 1000:.1f} ms"

    got = "gets the mutex" if result["outcome"] == "completed" else "deadline: gives up with ETIMEDOUT"
    return [
        {"step": "1", "main thread": f"holds the GIL, starts the other thread ({ms(st['main_started'])})",
         "other thread": "starts"},
        {"step": "2", "main thread": "waits for the other thread to lock the mutex",
         "other thread": f"locks the mutex ({ms(st['other_locked'])})"},
        {"step": "3", "main thread": "",
         "other thread": f"wants the GIL back at the end of its sleep ({ms(st['other_locked'] + hold)})"},
        {"step": "4", "main thread": f"waits for the mutex, holding the GIL (from {ms(st['main_waits'])})",
         "other thread": "waits for the GIL"},
        {"step": "end", "main thread": f"{got} ({ms(st['main_returned'])})",
         "other thread": f"gets the GIL ({ms(st['other_got_gil'])}), unlocks ({ms(st['other_unlocked'])})"},
    ]
