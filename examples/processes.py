# gilref-example: args = --count 200000 --workers 2 --repeats 1
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = processes
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""CPU-bound work on processes: the countdown on a ProcessPoolExecutor, what
starting a process costs with each start method, and the errors you will meet.

Run:  python processes.py [--count STEPS] [--workers N] [--repeats R] [--start-method NAME] [--json PATH]

Every function sent to a worker is defined at the top level of this file, and
the work starts under `if __name__ == "__main__":`. Both matter with the
"spawn" and "forkserver" start methods (the default on macOS, Windows and from
Python 3.14 on Linux): the worker is a fresh interpreter that imports this file
to find the function. With --json PATH it also writes every measured time
(seconds) to PATH. Standard library only; copy it anywhere.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


def usable_cpus():
    """The CPUs this process may run on (its affinity mask where the OS has one), not all the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def countdown(n):
    """Count n down to zero: pure Python, CPU-bound."""
    while n > 0:
        n -= 1
    return n


def warm_up():
    """Call countdown often enough to be specialized: CPython 3.11 does that only from
    about the 8th call on; from 3.12 each instruction specializes after a couple of its
    own executions. Run here and in every worker."""
    for _ in range(16):
        countdown(1_000)


def die():
    """Kill the worker process at once, as a crash or an out-of-memory kill would."""
    os._exit(1)


def split(total, parts):
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def sequential(count, workers):
    start = time.perf_counter()
    for share in split(count, workers):
        countdown(share)
    return time.perf_counter() - start


def on_pool(pool, count, workers):
    # Each process has its own interpreter and its own GIL: the shares run in parallel.
    start = time.perf_counter()
    list(pool.map(countdown, split(count, workers), timeout=600))
    return time.perf_counter() - start


def start_cost(method, repeats):
    """Seconds to start a process that does nothing and wait for it to end, once per repeat."""
    ctx = multiprocessing.get_context(method)
    times = []
    for _ in range(repeats + 1):  # the first start of forkserver also starts its server
        p = ctx.Process(target=os.getpid)
        start = time.perf_counter()
        p.start()
        p.join(60)
        times.append(time.perf_counter() - start)
    return times[1:]


def submit_or_broken(pool, fn, *args):
    """pool.submit(fn, *args), or, if the pool broke first, a future holding that error."""
    try:
        return pool.submit(fn, *args)
    except BrokenProcessPool as exc:  # a worker may die before the next submit, on a busy machine
        future = Future()
        future.set_exception(exc)
        return future


def show_errors(ctx):
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        try:
            pool.submit(countdown, lambda: 10).result(timeout=60)  # a lambda cannot be pickled
        except Exception as exc:
            print(f"  a lambda as argument: {type(exc).__name__}: {exc}")
        print(f"  ...and the pool still works: countdown(10) -> {pool.submit(countdown, 10).result(timeout=60)}")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        futures = [pool.submit(die)] + [submit_or_broken(pool, countdown, 10_000_000) for _ in range(2)]
        for name, future in zip(["die()", "countdown", "countdown"], futures):
            try:
                future.result(timeout=60)
                print(f"  {name}: finished")
            except BrokenProcessPool as exc:
                print(f"  {name}: {type(exc).__name__}: {exc}")
        try:
            pool.submit(countdown, 10)
        except BrokenProcessPool as exc:
            print(f"  submitting again: {type(exc).__name__}: {exc}")
    print("  (a broken pool stays broken: make a new one)")


def positive_int(text):
    """A whole number >= 1, written plainly or grouped: 8000000, 8_000_000 or 8,000,000."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv=None):
    methods = multiprocessing.get_all_start_methods()
    parser = argparse.ArgumentParser(description="The countdown on processes, start-up costs and process errors.")
    parser.add_argument("--count", type=positive_int, default=20_000_000, help="countdown steps (default: 20000000)")
    parser.add_argument("--workers", type=positive_int, default=usable_cpus(),
                        help="worker processes (default: CPU count)")
    parser.add_argument("--repeats", type=positive_int, default=5, help="runs of each; median shown (default: 5)")
    parser.add_argument("--start-method", choices=methods, default=None,
                        help=f"how the pool starts workers (default here: {multiprocessing.get_start_method()})")
    parser.add_argument("--json", metavar="PATH", default=None,
                        help="also write every measured time (seconds) to PATH as JSON")
    args = parser.parse_args(argv)

    ctx = multiprocessing.get_context(args.start_method)
    print(f"Python {sys.version.split()[0]}, {usable_cpus()} CPUs, pool start method: {ctx.get_start_method()}")
    print(f"Countdown of {args.count:,} steps, median of {args.repeats} run{'s' if args.repeats != 1 else ''}:")
    warm_up()
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=ctx, initializer=warm_up) as pool:
        on_pool(pool, args.workers, args.workers)  # start the workers before timing
        times = {"1 thread (sequential)": [], f"{args.workers} processes": []}
        for _ in range(args.repeats):
            times["1 thread (sequential)"].append(sequential(args.count, args.workers))
            times[f"{args.workers} processes"].append(on_pool(pool, args.count, args.workers))
    base = statistics.median(times["1 thread (sequential)"])
    for name, values in times.items():
        print(f"  {name:<22} {statistics.median(values):7.3f} s  {base / statistics.median(values):5.2f}x")

    print(f"Starting one process and waiting for it to end (median of {args.repeats}):")
    starts = {}
    for method in methods:
        starts[method] = start_cost(method, args.repeats)
        print(f"  {method:<11} {statistics.median(starts[method]) * 1000:7.1f} ms")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"example": "processes.py", "python": sys.version.split()[0], "cpus": usable_cpus(),
                       "count": args.count, "workers": args.workers, "repeats": args.repeats,
                       "start_method": ctx.get_start_method(), "modules_loaded": len(sys.modules),
                       "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
                       "seconds": {"one_process": times["1 thread (sequential)"],
                                   "processes": times[f"{args.workers} processes"]},
                       "start_seconds": starts}, f, indent=1)

    print("Errors:")
    show_errors(ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
