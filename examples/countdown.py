# gilref-example: args = --count 200000 --workers 2 --repeats 3
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = cpu-vs-io
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""The countdown three ways: one thread, N threads, N processes.

Run:  python countdown.py [--count STEPS] [--workers N] [--repeats R] [--json PATH]

The same total number of countdown steps is split evenly between the workers,
so every configuration does the same work. Each configuration runs R times
(interleaved) and the median wall time is reported with the speedup versus one
thread (all the steps in order on the main thread). The processes are started
inside the timed region, as a script starts them; to show what that costs, the
script also times starting as many processes that have nothing to do. With
--json PATH it also writes every measured time to PATH. Standard library only;
copy it anywhere.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time


def usable_cpus():
    """The CPUs this process may run on (its affinity mask where the OS has one), not all the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def countdown(n):
    """Count n down to zero: pure Python, CPU-bound, holds the GIL throughout."""
    while n > 0:
        n -= 1


def split(total, parts):
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def one_thread(count, workers):
    start = time.perf_counter()
    for share in split(count, workers):
        countdown(share)
    return time.perf_counter() - start


def threads(count, workers):
    pool = [threading.Thread(target=countdown, args=(s,)) for s in split(count, workers)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - start


def processes(count, workers):
    # Process start-up is part of what this measures, as in real scripts.
    pool = [multiprocessing.Process(target=countdown, args=(s,)) for s in split(count, workers)]
    start = time.perf_counter()
    for p in pool:
        p.start()
    for p in pool:
        p.join(timeout=600)
        if p.exitcode != 0:
            raise RuntimeError(f"worker process failed (exit code {p.exitcode})")
    return time.perf_counter() - start


def process_start(count, workers):
    # What processes() pays before any counting: starting the processes and seeing them end.
    return processes(0, workers)


def positive_int(text):
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description="The countdown on one thread, N threads and N processes.")
    parser.add_argument("--count", type=positive_int, default=20_000_000,
                        help="total countdown steps (default: 20000000)")
    parser.add_argument("--workers", type=positive_int, default=usable_cpus(),
                        help="threads and processes to split the steps between (default: CPU count)")
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="runs of each configuration; the median is reported (default: 5)")
    parser.add_argument("--json", metavar="PATH", default=None,
                        help="also write every measured time (seconds) to PATH as JSON")
    args = parser.parse_args(argv)

    configs = [
        ("1 thread", one_thread),
        (f"{args.workers} threads", threads),
        (f"{args.workers} processes", processes),
        ("start only", process_start),
    ]
    # Warm up first: CPython 3.11 specializes a function's bytecode only from about
    # its 8th call on (3.12 and later at once), and the unspecialized countdown is
    # slower, so an unwarmed first run would not time the same code as the rest.
    # Threads share this process's countdown; forked processes inherit it warm.
    for _ in range(16):
        countdown(1_000)
    times = {name: [] for name, _ in configs}
    for _ in range(args.repeats):
        for name, run in configs:
            times[name].append(run(args.count, args.workers))

    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    method = multiprocessing.get_start_method()
    runs = f"{args.repeats} run{'s' if args.repeats != 1 else ''}"
    print(f"Python {sys.version.split()[0]} (GIL {'on' if gil else 'off'}), {usable_cpus()} CPUs, "
          f"{args.count:,} steps, median of {runs}, start method {method}")
    base = statistics.median(times["1 thread"])
    for name, _ in configs[:3]:
        median = statistics.median(times[name])
        print(f"  {name:<14} {median:8.3f} s   {base / median:5.2f}x one thread")
    start = statistics.median(times["start only"])
    print(f"  (starting {args.workers} processes that do nothing took {start:.3f} s of that)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"example": "countdown.py", "python": sys.version.split()[0], "gil": gil,
                       "cpus": usable_cpus(), "count": args.count, "workers": args.workers,
                       "repeats": args.repeats, "start_method": method,
                       "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
                       "seconds": {"one_thread": times["1 thread"],
                                   "threads": times[f"{args.workers} threads"],
                                   "processes": times[f"{args.workers} processes"],
                                   "process_start": times["start only"]}}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
