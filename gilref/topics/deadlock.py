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

Standard library only; needs a POSIX C library with
``pthread_mutex_timedlock`` (Linux, the BSDs; not macOS): see :func:`unsupported`.
"""

from __future__ import annotations

import ctypes
import errno
import math
import os
import sys
import threading
import time
from typing import Any

from ..core._checks import check_choice, check_int, check_seconds

__all__ = [
    "CASES",
    "NativeMutex",
    "run_case",
    "run_cases",
    "run_in",
    "unsupported",
]

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

    :returns: ``{"cases": {case: [result, ...]}, "python": ..., "gil_enabled": ...,
        "free_threaded": ...}``, JSON-ready.
    """
    from ..core.hostinfo import free_threaded_build

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
