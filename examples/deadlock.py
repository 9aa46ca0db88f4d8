# gilref-example: args = --deadline 0.5 --hold 0.1
# gilref-example: pythons = cpython>=3.9
# gilref-example: chapter = deadlock
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""A deadlock between the GIL and a native mutex, caught by a deadline.

Run:  python deadlock.py [--fixed] [--deadline S] [--hold S]

Two threads, two locks: the GIL and a C pthread mutex, used through ctypes.
The other thread locks the mutex, sleeps HOLD seconds, and then needs the GIL
to run the Python line that unlocks it. Meanwhile the main thread waits for
the mutex through ctypes.PyDLL, which keeps the GIL for the whole call: each
thread now waits for the lock the other one holds. The wait is
pthread_mutex_timedlock with a deadline, so the program does not hang: the
main thread gives up with ETIMEDOUT, which is how the deadlock is detected.

With --fixed the main thread waits through ctypes.CDLL instead, which
releases the GIL during the call: the other thread finishes and the wait
succeeds after about HOLD seconds. On a free-threaded build both complete.
Needs a POSIX C library with pthread_mutex_timedlock (Linux, the BSDs).
Standard library only.
"""

import argparse
import ctypes
import errno
import math
import sys
import threading
import time


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def load_libc():
    """The C library twice: CDLL releases the GIL during calls, PyDLL keeps it."""
    cdll, pydll = ctypes.CDLL(None), ctypes.PyDLL(None)
    for lib in (cdll, pydll):
        for name in ("pthread_mutex_init", "pthread_mutex_lock", "pthread_mutex_unlock",
                     "pthread_mutex_destroy", "pthread_mutex_timedlock"):
            getattr(lib, name).restype = ctypes.c_int
    return cdll, pydll


def timed_lock(lib, mutex, seconds):
    """pthread_mutex_timedlock through *lib*; True if locked, False on timeout."""
    frac, whole = math.modf(time.time() + seconds)  # an absolute CLOCK_REALTIME deadline
    deadline = Timespec(int(whole), int(frac * 1e9))
    rc = lib.pthread_mutex_timedlock(ctypes.byref(mutex), ctypes.byref(deadline))
    if rc not in (0, errno.ETIMEDOUT):
        raise OSError(rc, "pthread_mutex_timedlock failed")
    return rc == 0


def demo(fixed, deadline, hold):
    cdll, pydll = load_libc()
    mutex = (ctypes.c_uint64 * 8)()  # room for a pthread_mutex_t
    cdll.pthread_mutex_init(ctypes.byref(mutex), None)
    start = time.perf_counter()
    events = []
    locked = threading.Event()

    def log(text):
        events.append((time.perf_counter() - start, text))

    def other():
        cdll.pthread_mutex_lock(ctypes.byref(mutex))  # the GIL is released while it blocks
        log(f"other thread: locked the mutex; sleeps {hold:g} s holding it")
        locked.set()
        time.sleep(hold)  # releases the GIL; it needs it back to go on
        log("other thread: has the GIL back; unlocks the mutex")
        cdll.pthread_mutex_unlock(ctypes.byref(mutex))

    worker = threading.Thread(target=other, daemon=True)
    worker.start()
    locked.wait(10)
    how = "through CDLL, which lets go of the GIL" if fixed else "through PyDLL, which keeps the GIL"
    log(f"main thread: waits for the mutex, at most {deadline:g} s,\n{how}")
    began = time.perf_counter()
    got = timed_lock(cdll if fixed else pydll, mutex, deadline)
    waited = time.perf_counter() - began
    log("main thread: got the mutex" if got else "main thread: gave up with ETIMEDOUT")
    if got:
        cdll.pthread_mutex_unlock(ctypes.byref(mutex))
    worker.join(deadline + hold + 10)
    if worker.is_alive():
        raise RuntimeError("the other thread did not finish")
    cdll.pthread_mutex_destroy(ctypes.byref(mutex))

    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"Python {sys.version.split()[0]} (GIL {'on' if gil else 'off'})")
    for when, text in sorted(events):  # lines of at most 72 characters
        first, *more = text.split("\n")
        print(f"  {when:6.3f} s  {first}")
        for line in more:
            print(f"            {line}")
    if got:
        print(f"COMPLETED: the main thread waited {waited:.3f} s for the mutex.")
    else:
        print(f"DEADLOCK detected: the main thread gave up after {waited:.3f} s,")
        print("its deadline, while the other thread waited for the GIL.")
    return got


def seconds_arg(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= 60:
        raise argparse.ArgumentTypeError(f"must be > 0 and <= 60 seconds, got {text}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description="A GIL/native-mutex deadlock, detected by a timed lock.")
    parser.add_argument("--fixed", action="store_true",
                        help="wait through CDLL (GIL released) instead of PyDLL (GIL held)")
    parser.add_argument("--deadline", type=seconds_arg, default=1.0,
                        help="seconds the main thread waits for the mutex (default: 1.0)")
    parser.add_argument("--hold", type=seconds_arg, default=0.1,
                        help="seconds the other thread sleeps holding the mutex (default: 0.1)")
    args = parser.parse_args(argv)
    if args.hold >= args.deadline:
        parser.error(f"--hold ({args.hold:g}) must be shorter than --deadline ({args.deadline:g})")
    try:
        load_libc()
    except (OSError, AttributeError) as exc:
        print(f"this system has no pthread_mutex_timedlock usable through ctypes: {exc}", file=sys.stderr)
        return 1
    demo(args.fixed, args.deadline, args.hold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
