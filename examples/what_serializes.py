# gilref-example: args = --count 5000 --threads 1,2 --repeats 1
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = what-still-serializes
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Shared objects against per-thread objects, on any Python 3.9+ (standard library only).

The same number of operations is split over 1, 2, ... threads, once with every
thread working on ONE shared object and once with each thread on its own
object. On a free-threaded build (python3.13t, 3.14t) the per-thread version
can scale with the cores; the shared one runs into the shared object's
reference count and its per-object lock. With a GIL neither scales.

The per-thread results are merged into one at the end (one list from the
per-thread lists, one sum): that merge is timed on its own and printed in its
own column, so the ratio compares the threads' work alone. The last column is
the same ratio of the threads' own CPU time (time.thread_time): at 1 thread
both modes do the same work, so a wall-time ratio away from 1 with a CPU ratio
near 1 is waiting (a thread waking up, a busy machine), not work.

    python3.13t what_serializes.py
    python3.13t what_serializes.py --count 400000 --threads 1,2,4,8 --repeats 5
    python3.13t what_serializes.py --json results.json   # also write the repeats as JSON
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import sysconfig
import threading
import time


class Box:
    def __init__(self) -> None:
        self.x = 1


def read_attribute(box, n):
    total = 0
    for _ in range(n):
        total += box.x          # every read increments and decrements box's reference count
    return total


def append_items(items, n):
    for i in range(n):
        items.append(i)         # a shared list takes its per-object lock on every append
    return items


def draw_numbers(rng, n):
    total = 0.0
    for _ in range(n):
        total += rng.random()   # module-level random shares one generator (and its lock)
    return total


class ModuleRandom:
    """Stands for the module-level functions, which all use one hidden random.Random."""

    random = staticmethod(random.random)


WORKLOADS = {
    # name: (make one object, work on it, merge per-thread results, what the shared mode shares)
    "attribute": (Box, read_attribute, sum, Box),
    "list-append": (list, append_items, lambda parts: [x for p in parts for x in p], list),
    "random": (random.Random, draw_numbers, sum, ModuleRandom),
}


# A run shorter than this (seconds) is too short to time steadily: a thread waking up late or one page
# fault is then a large part of it, and a ratio of two such runs can be far from 1 by chance.
STEADY_S = 0.001


def usable_cpus():
    """The CPUs this process may run on (its affinity), which can be fewer than the machine has."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def one_run(workload, shared, threads, count, timeout=60.0):
    """(seconds of the threads' work, seconds of the merge after it, CPU seconds of the work).

    The work is timed from releasing the threads to the last join; per-thread
    results are then merged by the main thread (0.0 for the shared mode). The
    CPU seconds are the threads' own (time.thread_time around the work, summed).
    """
    make, work, merge, make_shared = WORKLOADS[workload]
    common = make_shared() if shared else None
    shares = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]
    results = [None] * threads
    cpu = [0.0] * threads
    ready = threading.Barrier(threads + 1)
    go = threading.Event()

    def worker(i):
        obj = common if shared else make()     # a thread's own object: it owns the reference count
        ready.wait(timeout)
        go.wait(timeout)
        began = time.thread_time()
        results[i] = work(obj, shares[i])
        cpu[i] = time.thread_time() - began

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    ready.wait(timeout)
    start = time.perf_counter()
    go.set()
    for t in pool:
        t.join(timeout)
        if t.is_alive():
            raise SystemExit(f"threads did not finish within {timeout:g} s")
    work = time.perf_counter() - start
    if shared:
        return work, 0.0, sum(cpu)
    start = time.perf_counter()
    merge(results)
    return work, time.perf_counter() - start, sum(cpu)


def one_thread_note(rows, repeats, free_threaded):
    """What a one-thread ratio away from 1 means, for the *rows* main() printed (with their repeats)."""
    ones = {r["workload"]: r for r in rows if r["threads"] == 1}
    cpu = {w: statistics.median(r["shared_cpu_s"]) / max(statistics.median(r["per_thread_cpu_s"]), 1e-9)
           for w, r in ones.items()}
    apart = [w for w, c in cpu.items() if abs(c - 1) > 0.10]
    note = ("\nAt 1 thread both modes do the same operations: a ratio away from 1 with a CPU ratio near 1"
            "\nis waiting, not work; a CPU ratio away from 1 is work.")
    if free_threaded:
        note += ("\nThe shared run can do more work: a list a thread other than its owner grows is marked"
                 "\nshared and its old arrays are freed late (fresh memory), and the module-level random"
                 "\nfunctions reach the hidden generator through a bound method loaded on every call. The"
                 "\natomic reference count of an object the worker does not own costs little uncontended:"
                 "\nattribute, which pays only that, should stay near 1.")
    shortest = min((statistics.median(r["per_thread_s"]) for r in ones.values()), default=0.0)
    times = f"repeated {repeats} time{'s' if repeats != 1 else ''}"
    quickest = min((statistics.median(r[k]) for r in rows for k in ("per_thread_s", "shared_s") if r.get(k)),
                   default=shortest)
    if ones and quickest < STEADY_S:
        wall = {w: statistics.median(r["shared_s"]) / max(statistics.median(r["per_thread_s"]), 1e-9)
                for w, r in ones.items() if r.get("shared_s")}
        explained = {"list-append", "random"} if free_threaded else set()  # their dearer shared path, above
        far = [w for w in ones if w not in explained and (abs(wall.get(w, 1.0) - 1) > 0.10 or abs(cpu[w] - 1) > 0.10)]
        note += (f"\nThese runs are short: {quickest * 1e3:.1f} ms the shortest, {times}; under"
                 f" {STEADY_S * 1e3:g} ms a run is too\nshort to time steadily (a thread waking late, a page fault),"
                 " so any ratio above can be far from\nits true value by chance")
        if far:
            shown = ", ".join(f"{w} ({wall[w]:.2f}x wall, {cpu[w]:.2f}x CPU)" if w in wall
                              else f"{w} ({cpu[w]:.2f}x CPU)" for w in far)
            note += f", as the 1-thread ratios of {shown} are"
        note += ".\nRaise --count and --repeats for steadier ratios."
        return note
    # attribute does the same work in both modes but for the atomic count; on a GIL build runs this long
    # differ in CPU time for caches and memory layout, which the general note above covers
    odd = [w for w in apart if w == "attribute"] if free_threaded else []
    if odd:
        note += (f"\nHere the CPU ratio of {', '.join(f'{w} ({cpu[w]:.2f}x)' for w in odd)} is more than 10%"
                 f"\nfrom 1 at 1 thread for the same work: run-to-run variation of runs"
                 f" {shortest * 1e3:.1f} ms long, {times}."
                 "\nRaise --count and --repeats for steadier ratios.")
    return note


def describe_build():
    """This interpreter, its build and whether its GIL is on."""
    probe = getattr(sys, "_is_gil_enabled", None)
    gil = probe() if probe is not None else True
    built = "free-threaded build" if sysconfig.get_config_var("Py_GIL_DISABLED") else "default build"
    return f"Python {sys.version.split()[0]}, {built}, GIL {'on' if gil else 'off'}, {usable_cpus()} usable CPUs"


def thread_list(text):
    try:
        counts = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError("thread counts must be whole numbers >= 1")
    return counts


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv=None):
    cpus = usable_cpus()
    parser = argparse.ArgumentParser(description="Threads on one shared object against threads on "
                                                 "their own objects (median wall time of repeated runs).")
    parser.add_argument("--count", type=positive, default=100_000,
                        help="operations per run, split over the threads (default: 100,000)")
    parser.add_argument("--threads", type=thread_list, default=sorted({1, cpus, 2 * cpus}),
                        help=f"comma-separated thread counts (default: 1, the CPUs and twice: "
                             f"{','.join(map(str, sorted({1, cpus, 2 * cpus})))})")
    parser.add_argument("--repeats", type=positive, default=3, help="runs per configuration (default: 3)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help=f"comma-separated, from {', '.join(WORKLOADS)} (default: all)")
    parser.add_argument("--json", metavar="FILE", help="also write every repeat to FILE as JSON")
    args = parser.parse_args(argv)
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(unknown)}")

    print(describe_build())
    print(f"{args.count:,} operations per run, median of {args.repeats} run{'s' if args.repeats != 1 else ''}; "
          "shared/per-thread compares the work, without the merge\n")
    print(f"{'workload':<12} {'threads':>7} {'per-thread':>11} {'merge':>9} {'shared':>11} {'shared/per-thread':>18}"
          f" {'CPU ratio':>10}")
    rows = []
    load = os.getloadavg() if hasattr(os, "getloadavg") else None  # the host's load when it started
    for w in workloads:
        for k in args.threads:
            one_run(w, False, k, args.count)  # warm-up runs, not timed
            one_run(w, True, k, args.count)
            own, merges, shared, own_cpu, shared_cpu = [], [], [], [], []
            for _ in range(args.repeats):  # take turns, so a busy moment of the machine hits both
                work, merged, used = one_run(w, False, k, args.count)
                own.append(work)
                merges.append(merged)
                own_cpu.append(used)
                work, _, used = one_run(w, True, k, args.count)
                shared.append(work)
                shared_cpu.append(used)
            own_s, shared_s = statistics.median(own), statistics.median(shared)
            cpu_ratio = statistics.median(shared_cpu) / max(statistics.median(own_cpu), 1e-9)
            print(f"{w:<12} {k:>7} {own_s * 1e3:>8.1f} ms {statistics.median(merges) * 1e3:>6.1f} ms "
                  f"{shared_s * 1e3:>8.1f} ms {shared_s / own_s:>17.2f}x {cpu_ratio:>9.2f}x")
            rows.append({"workload": w, "threads": k, "per_thread_s": own, "merge_s": merges, "shared_s": shared,
                         "per_thread_cpu_s": own_cpu, "shared_cpu_s": shared_cpu})
    if 1 in args.threads:
        print(one_thread_note(rows, args.repeats, bool(sysconfig.get_config_var("Py_GIL_DISABLED"))))
    if args.json:
        probe = getattr(sys, "_is_gil_enabled", None)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"python": sys.version.split()[0], "implementation": sys.implementation.name,
                       "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
                       "gil_enabled": probe() if probe is not None else True, "cpus": usable_cpus(),
                       "count": args.count, "repeats": args.repeats, "warmups": 1,
                       "load_average": list(load) if load else None, "results": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
