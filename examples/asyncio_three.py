# gilref-example: args = --tasks 3 --seconds 0.2
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = release-points
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Three one-second waits on one thread, in about one second: asyncio.

Run:  python asyncio_three.py [--tasks N] [--seconds S]

Each task announces itself, awaits asyncio.sleep(S) and reports when it is
done. While a task awaits, it hands control back to the event loop, which
starts or resumes the others: the waits overlap on a single thread, with no
GIL hand-overs between threads at all. The total is printed at the end.
Standard library only.
"""

import argparse
import asyncio
import sys
import time


async def wait(name, seconds, start):
    print(f"{name} starts at {time.perf_counter() - start:6.3f} s")
    await asyncio.sleep(seconds)  # cooperative: other tasks run meanwhile
    print(f"{name} done   at {time.perf_counter() - start:6.3f} s")


async def run(tasks, seconds):
    start = time.perf_counter()
    await asyncio.gather(*(wait(f"task {i + 1}", seconds, start) for i in range(tasks)))
    return time.perf_counter() - start


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def seconds_arg(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= 60:
        raise argparse.ArgumentTypeError(f"must be > 0 and <= 60 seconds, got {text}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description="Several asyncio waits that overlap on one thread.")
    parser.add_argument("--tasks", type=positive_int, default=3, help="how many tasks wait (default: 3)")
    parser.add_argument("--seconds", type=seconds_arg, default=1.0,
                        help="how long each task waits, in seconds (default: 1.0)")
    args = parser.parse_args(argv)

    total = asyncio.run(run(args.tasks, args.seconds))
    print(f"total: {total:.3f} s for {args.tasks} waits of {args.seconds:g} s "
          f"({args.tasks * args.seconds:g} s if run one after another)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
