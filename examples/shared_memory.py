# gilref-example: args = --megabytes 4 --workers 2 --repeats 1
# gilref-example: pythons = cpython>=3.9
# gilref-example: needs = numpy
# gilref-example: chapter = processes
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Big data for worker processes: pickle a NumPy array to them, or share it.

Run:  python shared_memory.py [--megabytes MIB] [--workers N] [--repeats R] [--json PATH]

Needs NumPy (pip install numpy). Each worker sums one slice of a float64
array. Sent as an argument, every slice is pickled, pushed through a pipe and
unpickled: a copy per worker. Placed in multiprocessing.shared_memory, the
array is written once; the workers get only its name, shape and dtype and read
it in place. The block is unlinked at the end, even on an error. With
--json PATH it also writes every measured time (seconds) to PATH.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import shared_memory

import numpy as np


def usable_cpus():
    """The CPUs this process may run on (its affinity mask where the OS has one), not all the machine's."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def sum_copy(part):
    """The slice arrived pickled: this process has its own copy."""
    return float(part.sum())


def sum_shared(name, shape, dtype, start, stop):
    """Attach to the shared block by name and sum a slice of it in place (no copy)."""
    block = shared_memory.SharedMemory(name=name)
    try:
        array = np.ndarray(shape, dtype=dtype, buffer=block.buf)
        total = float(array[start:stop].sum())
        del array  # let go of the buffer before closing
    finally:
        block.close()  # detach; the creator unlinks
    return total


def pickled(pool, block, array, slices):
    # Each slice is pickled and copied into a worker.
    return sum(pool.map(sum_copy, [array[a:b] for a, b in slices], timeout=600))


def shared(pool, block, array, slices):
    # Only the block's name, the shape, the dtype and two indices travel.
    jobs = [(block.name, array.shape, array.dtype.str, a, b) for a, b in slices]
    return sum(pool.map(sum_shared, *zip(*jobs), timeout=600))


def bounds(n, parts):
    edges = [n * i // parts for i in range(parts + 1)]
    return list(zip(edges, edges[1:]))


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description="Sum a NumPy array in worker processes: pickled vs shared memory.")
    parser.add_argument("--megabytes", type=positive_int, default=64, metavar="MIB",
                        help="array size in MiB, 1024 * 1024 bytes (default: 64)")
    parser.add_argument("--workers", type=positive_int, default=usable_cpus(),
                        help="worker processes (default: CPU count)")
    parser.add_argument("--repeats", type=positive_int, default=5, help="runs of each; median shown (default: 5)")
    parser.add_argument("--start-method", choices=multiprocessing.get_all_start_methods(), default=None,
                        help=f"how workers start (default: {multiprocessing.get_start_method()})")
    parser.add_argument("--json", metavar="PATH", default=None,
                        help="also write every measured time (seconds) to PATH as JSON")
    args = parser.parse_args(argv)

    n = args.megabytes * 1024 * 1024 // 8
    block = shared_memory.SharedMemory(create=True, size=n * 8)  # before the pool, see below
    try:
        array = np.ndarray((n,), dtype=np.float64, buffer=block.buf)
        array[:] = np.arange(n) % 1000  # written once, straight into shared memory
        expected = float(array.sum())
        slices = bounds(n, args.workers)
        # Creating the block first starts multiprocessing's resource tracker in this
        # process, so the workers share it rather than each starting their own.
        ctx = multiprocessing.get_context(args.start_method)
        with ProcessPoolExecutor(max_workers=args.workers, mp_context=ctx) as pool:
            list(pool.map(sum_copy, [array[:1]] * args.workers))  # start the workers
            times = {"pickled slices": [], "shared memory": []}
            for _ in range(args.repeats):
                for name, run in (("pickled slices", pickled), ("shared memory", shared)):
                    start = time.perf_counter()
                    total = run(pool, block, array, slices)
                    times[name].append(time.perf_counter() - start)
                    if total != expected:
                        raise RuntimeError(f"{name}: sum {total} != {expected}")
        del array
    finally:
        block.close()
        block.unlink()  # free the memory; without this it outlives the program

    print(f"Summing {args.megabytes} MiB of float64 on {args.workers} worker processes "
          f"({ctx.get_start_method()}), median of {args.repeats} run{'s' if args.repeats != 1 else ''} (sums checked):")
    base = statistics.median(times["pickled slices"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<15} {median * 1000:8.1f} ms  {base / median:6.1f}x pickled")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"example": "shared_memory.py", "python": sys.version.split()[0],
                       "megabytes": args.megabytes, "workers": args.workers, "repeats": args.repeats,
                       "start_method": ctx.get_start_method(),
                       "seconds": {"pickled": times["pickled slices"], "shared": times["shared memory"]}},
                      f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
