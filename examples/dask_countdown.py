# gilref-example: args = --count 400000 --workers 2 --tasks 20 --repeats 1
# gilref-example: pythons = cpython>=3.10
# gilref-example: needs = distributed
# gilref-example: chapter = beyond-one-machine
# gilref-example: timeout = 240
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""The countdown on a Dask cluster, next to a ProcessPoolExecutor, and the cost per task.

Run:  python dask_countdown.py [--scheduler tcp://HOST:8786] [--count STEPS] [--workers N]
                               [--tasks T] [--repeats R]

Needs Dask distributed: pip install "dask[distributed]".

Without --scheduler the script starts a cluster on this machine (scheduler and
N worker processes listening on 127.0.0.1 only, no dashboard) and shuts it down
at the end. With --scheduler it uses a cluster you already run, for instance
`dask scheduler` on one machine and `dask worker tcp://HOST:8786` on others:
the same code, more machines. Dask sends the functions to the workers itself.

It reports the countdown split into N tasks on one process, on N pool
processes and on the cluster (median of R runs), and then the time per task
for T tasks that do nothing, which is what scheduling costs.
"""

import argparse
import concurrent.futures
import logging
import os
import statistics
import sys
import time


def usable_cpus():
    """The CPUs this process may run on (its affinity mask where the OS has one), not all the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def countdown(n):
    while n > 0:
        n -= 1
    return n


PRIME_CALLS = 16  # calls of a short countdown before each timed one


def primed_countdown(n):
    # CPython 3.11 specializes a function's bytecode (PEP 659) only after it has been
    # called 8 times: the backward jump of a `while` loop does not count there. A Dask
    # task gets a fresh copy of a function defined in this script, so warming the workers
    # beforehand cannot help: each task calls its own copy often enough first (some
    # microseconds), then counts. The other configurations do the same, for like with like.
    for _ in range(PRIME_CALLS):
        countdown(16)
    return countdown(n)


def nothing(i):
    return i


def split(total, parts):
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def on_dask(client, func, args):
    futures = client.map(func, args, pure=False)  # pure=False: never reuse an earlier result
    return client.gather(futures)


def positive_int(text):
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def scheduler_address(text):
    if "://" not in text:
        raise argparse.ArgumentTypeError(f"expected an address like tcp://host:8786, got {text!r}")
    return text


def measure(client, pool, args):
    shares = split(args.count, args.workers)
    tiny = list(range(args.tasks))
    configs = [
        ("1 process", lambda: [primed_countdown(s) for s in shares]),
        (f"{args.workers} pool processes", lambda: list(pool.map(primed_countdown, shares))),
        ("Dask cluster", lambda: on_dask(client, primed_countdown, shares)),
        ("tiny tasks, pool", lambda: list(pool.map(nothing, tiny))),
        ("tiny tasks, Dask", lambda: on_dask(client, nothing, tiny)),
    ]
    for _name, run in configs:  # warm up: workers import, connections open
        run()
    times = {name: [] for name, _ in configs}
    for _ in range(args.repeats):
        for name, run in configs:
            times[name].append(timed(run))
    return {name: statistics.median(v) for name, v in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description="The countdown on Dask and on a process pool.")
    parser.add_argument("--scheduler", type=scheduler_address,
                        help="address of a running Dask scheduler (default: start one on 127.0.0.1)")
    parser.add_argument("--count", type=positive_int, default=20_000_000,
                        help="total countdown steps (default: 20000000)")
    parser.add_argument("--workers", type=positive_int, default=usable_cpus(),
                        help="tasks to split the count into, pool processes, local Dask workers "
                             "(default: CPU count)")
    parser.add_argument("--tasks", type=positive_int, default=300,
                        help="tiny tasks for the cost per task (default: 300)")
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="runs of each measurement; the median is reported (default: 5)")
    args = parser.parse_args(argv)

    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print('error: Dask distributed is not installed: pip install "dask[distributed]"', file=sys.stderr)
        return 1

    with concurrent.futures.ProcessPoolExecutor(args.workers) as pool:
        if args.scheduler:
            with Client(args.scheduler, timeout=30) as client:
                medians = measure(client, pool, args)
                where = args.scheduler
        else:
            with LocalCluster(n_workers=args.workers, threads_per_worker=1, host="127.0.0.1",
                              dashboard_address=None, worker_dashboard_address=None,
                              # without a dashboard the scheduler still serves HTTP, on port 8787
                              # by default: a free port instead, so two runs never collide
                              scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                              silence_logs=logging.ERROR) as cluster, \
                    Client(cluster, timeout=60) as client:
                where = cluster.scheduler_address
                medians = measure(client, pool, args)

    runs = f"{args.repeats} run{'s' if args.repeats != 1 else ''}"
    print(f"Dask scheduler: {where}; {args.count:,} steps in {args.workers} tasks, median of {runs}")
    base = medians["1 process"]
    for name in ("1 process", f"{args.workers} pool processes", "Dask cluster"):
        print(f"  {name:<20} {medians[name]:8.3f} s   {base / medians[name]:5.2f}x one process")
    for name in ("tiny tasks, pool", "tiny tasks, Dask"):
        print(f"  {name:<20} {medians[name] / args.tasks * 1e6:8.1f} µs per task")
    return 0


if __name__ == "__main__":
    sys.exit(main())
