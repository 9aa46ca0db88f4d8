# -*- coding: utf-8 -*-
"""Measurements that run on any Python, 2.7 included: for Jython.

gilref's core needs Python 3.9+. Jython is a Python 2.7 on the JVM (with no
GIL), so this one file repeats the few measurements the book makes on every
interpreter in Python 2.7-compatible code, with no imports from gilref: the
countdown on threads, and ``sys.getrefcount``'s demo. It is run as a script,
``python portable.py <function>``, with keyword arguments as JSON on stdin,
and prints a marker line and the JSON result, like ``gilref.interp._child``; the
caller side is :func:`gilref.interp.child.call_portable`. Results use gilref's
results format, so :meth:`gilref.core.results.Suite.from_dict` reads them.

Keep this file Python 2.7-compatible: no f-strings, no annotations (type
comments only), no keyword-only arguments, no ``nonlocal``.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import platform
import sys
import threading
import time

try:
    from typing import Any, Dict, List, Optional
except ImportError:  # Python 2.7 (Jython) has no typing module: the annotations are comments there
    pass

RESULT_MARK = "\n@@gilref-result@@\n"
FUNCTIONS = ("countdown_threads", "refcount_demo", "info")


def countdown(n):
    # type: (int) -> int
    """Count *n* down to zero (the same loop as gilref.core.workloads.countdown)."""
    steps = n
    while n > 0:
        n -= 1
    return steps


def split_count(total, parts):
    # type: (int, int) -> List[int]
    """*total* split into *parts* near-equal counts."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def reference():
    # type: () -> int
    """A small deterministic pure-Python computation (integers, strings, a dict, sorting):
    every correct implementation returns the same number, whatever its threads do."""
    table = {}  # type: Dict[str, int]
    for i in range(20000):
        table[str(i)] = i * i % 1009
    acc = 0
    for key in sorted(table):
        acc = (acc * 31 + table[key] + len(key)) % 1000000007
    return acc


def _run(counts, timeout, counted=None):
    # type: (List[int], float, Optional[List[int]]) -> float
    """Run one countdown per entry of *counts*: inline if one, else one thread each; seconds.

    When *counted* is a list, the steps the countdowns report they counted are
    appended to it (their sum: it must equal ``sum(counts)``)."""
    if len(counts) == 1:
        start = time.time()
        steps = countdown(counts[0])
        elapsed = time.time() - start
        if counted is not None:
            counted.append(steps)
        return elapsed
    done = []  # type: List[int]

    def work(c):
        # type: (int) -> None
        done.append(countdown(c))  # list.append is atomic on every implementation measured

    threads = [threading.Thread(target=work, args=(c,)) for c in counts]
    for t in threads:
        t.daemon = True
    start = time.time()
    for t in threads:
        t.start()
    deadline = start + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.time()))
    elapsed = time.time() - start
    if any(t.is_alive() for t in threads):
        raise RuntimeError("countdown threads did not finish within %g s" % timeout)
    if counted is not None:
        counted.append(sum(done))
    return elapsed


def warm_up(seconds, threads=2):
    # type: (float, int) -> int
    """Run short countdowns, alone and on *threads* threads, for about *seconds*:
    a JIT compiler (PyPy's, the JVM's under Jython) compiles the loop meanwhile.
    Returns the number of runs."""
    deadline = time.time() + seconds
    runs = 0
    while time.time() < deadline:
        _run([200000], 60.0)
        _run(split_count(400000, threads), 60.0)
        runs += 2
    return runs


def calibrate(target, start_n=1000000, limit=4000000000):
    # type: (float, int, int) -> int
    """The countdown length whose one-thread run takes about *target* seconds here.

    Grows the count until a run is long enough to time, then rescales it until
    a run lands within a third of *target* (a warming JIT keeps speeding up, so
    one rescale is not always enough)."""
    n = start_n
    while True:
        elapsed = min(_run([n], 600.0) for _ in range(2))
        if elapsed >= target / 4 or n >= limit:
            break
        n *= 4
    for _ in range(4):
        n = int(min(limit, max(1, n * target / max(elapsed, 1e-6))))
        elapsed = min(_run([n], 600.0) for _ in range(2))
        if 0.75 * target <= elapsed <= 1.33 * target:
            break
    return n


def _metadata():
    # type: () -> Dict[str, Any]
    probe = getattr(sys, "_is_gil_enabled", None)
    impl = platform.python_implementation()
    gil = None  # type: Optional[bool]
    if probe is not None:
        gil = bool(probe())
    else:
        gil = {"CPython": True, "PyPy": True, "Jython": False, "IronPython": False}.get(impl)
    try:
        cpus = len(os.sched_getaffinity(0))  # type: Optional[int]
    except (AttributeError, OSError):
        cpus = None
    if cpus is None:
        try:
            import multiprocessing
            cpus = multiprocessing.cpu_count()
        except (ImportError, NotImplementedError):
            cpus = None
    return {
        "python_version": platform.python_version(),
        "python_implementation": impl,
        "python_build": impl,
        "python_executable": sys.executable,
        "gil_enabled": gil,
        "gil_enabled_source": "implementation" if probe is None else "sys._is_gil_enabled",
        "usable_cpus": cpus,
        "platform": platform.platform(),
        "portable": True,
    }


def countdown_threads(n=0, threads=(2,), repeats=5, warmups=1, target=0.0, warm_seconds=0.0, timeout=300.0):
    # type: (int, Any, int, int, float, float, float) -> Dict[str, Any]
    """The countdown of *n* steps on one thread and split over each count in
    *threads*, *repeats* times each, interleaved, in gilref's results format.

    With ``n=0`` the length is calibrated so that one thread takes about
    *target* seconds (0.5 if not given). *warm_seconds* of short runs come
    first (:func:`warm_up`), for interpreters with a JIT compiler. Each timing's
    ``params["counted"]`` lists the distinct step totals its runs counted (``[n]``
    when sound); ``metadata["reference"]`` is :func:`reference`'s result here.
    """
    if repeats < 1:
        raise ValueError("repeats must be >= 1, got %r" % (repeats,))
    if warm_seconds > 0:
        warm_up(warm_seconds, max(threads) if threads else 2)
    if not n:
        n = calibrate(target or 0.5)
    configs = [("sequential", 1)] + [("threads", int(w)) for w in sorted(set(threads))]
    values = dict((c, []) for c in configs)  # type: Dict[Any, List[float]]
    warm = dict((c, []) for c in configs)  # type: Dict[Any, List[float]]
    counted = dict((c, []) for c in configs)  # type: Dict[Any, List[int]]
    for c in configs:
        for _ in range(warmups):
            warm[c].append(_run(split_count(n, c[1]), timeout))
    for _ in range(repeats):
        for c in configs:
            values[c].append(_run(split_count(n, c[1]), timeout, counted[c]))
    meta = _metadata()
    meta["reference"] = reference()
    return {
        "format": "gilref-results",
        "version": 1,
        "metadata": meta,
        "timings": [
            {"workload": "countdown", "mode": c[0], "workers": c[1], "unit": "s", "values": values[c],
             "warmups": warm[c], "params": {"n": n, "tasks": c[1], "counted": sorted(set(counted[c]))}}
            for c in configs
        ],
    }


def refcount_demo():
    # type: () -> Dict[str, Any]
    """``a = []; b = a`` and what ``sys.getrefcount`` reports (as gilref.topics.refcount.refcount_demo)."""
    getrefcount = getattr(sys, "getrefcount", None)
    out = {
        "python": "%s %s" % (platform.python_implementation(), platform.python_version()),
        "visible_alone": 1,
        "visible_shared": 2,
    }  # type: Dict[str, Any]
    if getrefcount is None:
        out.update(alone=None, shared=None, extra=None, none=None, immortal_none=None, modules=len(sys.modules))
        return out
    a = []  # type: List[Any]
    out["alone"] = getrefcount(a)
    b = a
    out["shared"] = getrefcount(a)
    del b
    out["extra"] = out["shared"] - out["visible_shared"]
    out["none"] = getrefcount(None)
    out["modules"] = len(sys.modules)  # before 3.12 the count of None grows with the code loaded
    out["immortal_none"] = out["none"] >= 2 ** 30
    return out


def info():
    # type: () -> Dict[str, Any]
    """This interpreter's metadata (as much of gilref's host facts as Python 2.7 can give)."""
    return _metadata()


def main(argv):
    # type: (List[str]) -> int
    if len(argv) != 2 or argv[1] not in FUNCTIONS:
        sys.stderr.write("usage: python portable.py {%s} < kwargs.json\n" % ",".join(FUNCTIONS))
        return 2
    text = sys.stdin.read()
    kwargs = json.loads(text) if text.strip() else {}
    result = globals()[argv[1]](**dict((str(k), v) for k, v in kwargs.items()))
    sys.stdout.write(RESULT_MARK + json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
