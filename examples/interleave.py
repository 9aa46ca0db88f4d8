# gilref-example: args = --count 20
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = release-points
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Two thread-pool tasks that print as they count: do their lines interleave?

Run:  python interleave.py [--count N] [--flush]

One task counts down (-1, -2, ...), the other counts up (+1, +2, ...), each
printing every value, both submitted to one ThreadPoolExecutor. The sign tells
which task printed a number, so a change of sign is a hand-over from one
thread to the other. print() writes the number and the line end separately,
so a hand-over can even fall inside a line. With a GIL only one thread runs Python code at a
time; the other gets a chance when the running one blocks in the operating
system (as in a write that --flush forces after every line), and a turn when,
having waited one switch interval (5 ms by default), it asks the running one
to let go, which that one does at its next check: after a call into C, at a
loop's jump back, or at a function's start (CPython 3.11-3.13), not after
every bytecode. Standard library only.
"""

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor


def count(step, n, flush):
    """Print step, 2*step, ... n*step, one per line, always with a sign."""
    value = 0
    for _ in range(n):
        value += step
        print(f"{value:+d}", flush=flush)


def positive_int(text):
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description="Two ThreadPoolExecutor tasks whose prints may interleave.")
    parser.add_argument("--count", type=positive_int, default=100,
                        help="numbers each task prints (default: 100)")
    parser.add_argument("--flush", action="store_true",
                        help="flush after every line: one write system call per line")
    args = parser.parse_args(argv)

    with ThreadPoolExecutor(max_workers=2) as pool:
        down = pool.submit(count, -1, args.count, args.flush)
        up = pool.submit(count, +1, args.count, args.flush)
        down.result()
        up.result()
    return 0


if __name__ == "__main__":
    sys.exit(main())
