# gilref-example: args = --count 200000 --max-threads 2 --repeats 1
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = free-threading
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Is this Python free-threaded, and do threads speed up CPU-bound code on it?

Prints how the running interpreter was built (``Py_GIL_DISABLED``), whether
its GIL is on right now (``sys._is_gil_enabled()``), then times a countdown
split over 1, 2, ... threads. Standard library only; runs on any Python 3.9+:

    python3.13t free_threading.py              # free-threaded build: threads scale
    python3.13t -X gil=1 free_threading.py     # same binary, GIL forced on
    PYTHON_GIL=1 python3.13t free_threading.py # the same, through the environment
    python3 free_threading.py --count 5000000 --max-threads 4
    python3 free_threading.py --json runs.json  # also write every run's seconds
"""

import argparse
import json
import os
import statistics
import sys
import sysconfig
import threading
import time


def describe_build():
    """Return (free-threaded build?, GIL enabled right now?) for this interpreter."""
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)  # CPython 3.13+ only
    gil_enabled = is_gil_enabled() if is_gil_enabled is not None else True
    return free_threaded, gil_enabled


def countdown(n):
    while n > 0:
        n -= 1


def run_on_threads(count, threads):
    """Seconds to count down `count` steps split evenly over `threads` threads."""
    shares = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]
    workers = [threading.Thread(target=countdown, args=(share,)) for share in shares]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


def usable_cpus():
    """The CPUs this process may run on (its affinity mask where the OS has one), not all the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv=None):
    cpus = usable_cpus()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=positive_int, default=10_000_000,
                        help="countdown steps in total (default: 10000000)")
    parser.add_argument("--max-threads", type=positive_int, default=2 * cpus,
                        help=f"largest thread count (default: twice the usable CPUs, as the gilref chapter "
                             f"runs, = {2 * cpus})")
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="runs per thread count; the median is shown (default: 5)")
    parser.add_argument("--json", metavar="FILE",
                        help="also write every run's seconds, by thread count, to FILE as JSON")
    args = parser.parse_args(argv)

    free_threaded, gil_enabled = describe_build()
    print(f"Python {sys.version.split()[0]} ({sys.implementation.name}) on {cpus} CPU{'' if cpus == 1 else 's'}")
    print(f"free-threaded build (Py_GIL_DISABLED): {'yes' if free_threaded else 'no'}")
    print(f"GIL enabled now: {'yes' if gil_enabled else 'no'}")
    print(f"countdown of {args.count:,} steps, median of {args.repeats} run{'s' if args.repeats != 1 else ''}:")
    baseline = None
    runs = {}
    for threads in range(1, args.max_threads + 1):
        runs[threads] = [run_on_threads(args.count, threads) for _ in range(args.repeats)]
        seconds = statistics.median(runs[threads])
        baseline = baseline or seconds
        label = "1 thread " if threads == 1 else f"{threads} threads"
        print(f"  {label:<10} {seconds:8.3f} s   {baseline / seconds:5.2f}x one thread")
    if args.json:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"python": sys.version.split()[0], "implementation": sys.implementation.name,
                       "free_threaded": free_threaded, "gil": gil_enabled, "cpus": cpus,
                       "count": args.count, "repeats": args.repeats, "load_average": load,
                       "seconds": {str(t): s for t, s in runs.items()}}, f, indent=1)


if __name__ == "__main__":
    main()
