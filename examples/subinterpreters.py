# gilref-example: args = --count 200000 --workers 2 --repeats 1
# gilref-example: pythons = cpython>=3.13
# gilref-example: needs = concurrent.interpreters | interpreters_backport
# gilref-example: chapter = subinterpreters
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""The countdown on N threads and on N subinterpreters, each with its own GIL.

Run:  python subinterpreters.py [--count STEPS] [--workers N] [--repeats R]

Needs Python 3.14 or newer (the standard library's concurrent.interpreters,
PEP 734), or Python 3.13 with the backport of that module:
pip install interpreters-pep-734. Standard library otherwise.

Each interpreter is created once, before timing; one thread per interpreter
runs its share of the steps inside it. Threads share one GIL and take turns;
interpreters each have their own (PEP 684) and run side by side. The script
also reports what creating and closing one interpreter costs.
"""

import argparse
import os
import statistics
import sys
import threading
import time

# Sent into each interpreter as source: it has its own modules and objects,
# so the function must be defined there.
COUNTDOWN = """
def countdown(n):
    while n > 0:
        n -= 1
"""


def usable_cpus():
    """The CPUs this process may run on (its affinity mask where the OS has one), not all the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def countdown(n):
    while n > 0:
        n -= 1


def load_api():
    """The PEP 734 module: concurrent.interpreters (3.14+) or the backport (3.13)."""
    try:
        from concurrent import interpreters
    except ImportError:
        try:
            from interpreters_backport import interpreters
        except ImportError:
            return None
    return interpreters


def split(total, parts):
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def on_threads(count, workers):
    pool = [threading.Thread(target=countdown, args=(s,)) for s in split(count, workers)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - start


def on_interpreters(interps, count):
    def work(interp, share):
        interp.prepare_main(n=share)  # ints, strings, bytes... can be shared
        interp.exec("countdown(n)")   # runs in that interpreter, under its own GIL

    pool = [threading.Thread(target=work, args=(i, s)) for i, s in zip(interps, split(count, len(interps)))]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - start


def start_cost(api, times=10):
    """Mean seconds to create an interpreter, run `pass` in it, and close it."""
    start = time.perf_counter()
    for _ in range(times):
        interp = api.create()
        interp.exec("pass")
        interp.close()
    return (time.perf_counter() - start) / times


def positive_int(text):
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description="The countdown on N threads and on N subinterpreters.")
    parser.add_argument("--count", type=positive_int, default=20_000_000,
                        help="total countdown steps (default: 20000000)")
    parser.add_argument("--workers", type=positive_int, default=usable_cpus(),
                        help="threads and interpreters to split the steps between (default: CPU count)")
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="runs of each configuration; the median is reported (default: 5)")
    args = parser.parse_args(argv)

    api = load_api()
    if api is None:
        print(f"error: this is Python {sys.version.split()[0]}; subinterpreters with their own GIL need "
              "Python 3.14+, or Python 3.13 with: pip install interpreters-pep-734", file=sys.stderr)
        return 1

    interps = [api.create() for _ in range(args.workers)]
    try:
        for interp in interps:
            interp.exec(COUNTDOWN)
        configs = [
            ("1 thread", lambda: on_threads(args.count, 1)),
            (f"{args.workers} threads", lambda: on_threads(args.count, args.workers)),
            (f"{args.workers} interpreters", lambda: on_interpreters(interps, args.count)),
        ]
        times = {name: [] for name, _ in configs}
        for _ in range(args.repeats):
            for name, run in configs:
                times[name].append(run())
    finally:
        for interp in interps:
            interp.close()

    print(f"Python {sys.version.split()[0]} ({api.__name__}), {usable_cpus()} CPUs, "
          f"{args.count:,} steps, median of {args.repeats} run{'s' if args.repeats != 1 else ''}")
    base = statistics.median(times["1 thread"])
    for name, _ in configs:
        median = statistics.median(times[name])
        print(f"  {name:<16} {median:8.3f} s   {base / median:5.2f}x one thread")
    print(f"  creating, using and closing one interpreter: {start_cost(api) * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
