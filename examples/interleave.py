# gilref-example: args = --count 20 --tally
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = release-points
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Two thread-pool tasks that print as they count: do their lines interleave?

Run:  python interleave.py [--count N] [--flush] [--tally]

One task counts down (-1, -2, ...), the other counts up (+1, +2, ...), each
printing every value, both submitted to one ThreadPoolExecutor. The sign tells
which task printed a number, so a change of sign is a hand-over from one
thread to the other. print() writes the number and the line end separately,
so a hand-over can even fall inside a line. With a GIL only one thread runs Python code at a
time; the other gets a chance when the running one blocks in the operating
system (as in a write: after every line with --flush, after the number and
again after the line end when stdout is unbuffered by PYTHONUNBUFFERED or -u,
only when the buffer fills for a pipe or a file otherwise), and a turn when,
having waited one switch interval (5 ms by default), it asks the running one
to let go, which that one does at its next check: after a call into C, at a
loop's jump back, or at a function's start (CPython 3.11-3.13), not after
every bytecode. With --tally it ends by counting the hand-overs and saying
whether they exceed the few that starting the pool's two threads gives.
Standard library only.
"""

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor

# Starting the pool's threads alone can hand over up to 3 times: the second task's
# first line cuts in before the first task's second, then the first task goes on,
# then the second (three changes of sign), with no turn taken while they count.
START_SWITCHES = 3


def count(step, n, flush, record=None):
    """Print step, 2*step, ... n*step, one per line, always with a sign; append the sign to
    *record* (a list) right before each print, if given, so that *record* follows the order the
    numbers were written in even when a hand-over falls inside a print."""
    value = 0
    for _ in range(n):
        value += step
        if record is not None:
            record.append(step)
        print(f"{value:+d}", flush=flush)


def output_mode(stream, flush):
    """How print() reaches the operating system on *stream*: "flush" (--flush: a write per
    line), "unbuffered" (PYTHONUNBUFFERED or -u: a write per part of a line, the number and
    the line end), "line" (a terminal: a write per line) or "buffered" (a pipe or a file)."""
    if flush:
        return "flush"
    if getattr(stream, "write_through", False):
        return "unbuffered"
    return "line" if getattr(stream, "line_buffering", False) else "buffered"


#: What --tally says of each output mode: which writes, each a system call that releases the GIL.
WRITES = {
    "flush": "--flush makes a write per line",
    "unbuffered": "stdout is unbuffered here (PYTHONUNBUFFERED or -u), so each print makes two, the number and "
                  "then the line end, and a hand-over between them puts the other task's number on the same line",
    "line": "stdout is a terminal, so each line is a write",
    "buffered": "stdout is a pipe or a file, so there is a write only when its buffer fills",
}


def tally(record, seconds, interval, mode="buffered"):
    """What --tally prints: the hand-overs in *record* (signs in print order) against the few
    the threads' start gives, and the run's length (*seconds*) against the switch *interval*;
    *mode* (see output_mode) says which writes released the GIL."""
    switches = sum(1 for a, b in zip(record, record[1:]) if a != b)
    head = (f"tally: {switches} hand-over{'s' if switches != 1 else ''} in {len(record)} numbers, "
            f"in {seconds * 1e3:.1f} ms (switch interval {interval * 1e3:g} ms)")
    writes = f". Each write to the output releases the GIL; {WRITES[mode]}."
    if switches <= START_SWITCHES:
        return (head + f": no more than the {START_SWITCHES} that starting the pool's two threads can give, "
                "so the tasks did not take turns while they counted; each printed in about one block" + writes)
    extra = switches - START_SWITCHES
    turns = int(seconds / interval) if interval > 0 else 0  # at most one forced turn per interval
    out = (head + f": {extra} more than the {START_SWITCHES} of the threads' start, so the tasks did take turns "
           f"while they counted. At most {turns} of them can be turns the waiting thread asked for after one "
           "switch interval")
    if extra > turns:
        out += "; the rest came at the writes to the output"
    return out + writes


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
    parser.add_argument("--tally", action="store_true",
                        help="end with the number of hand-overs and what they mean")
    args = parser.parse_args(argv)

    record = [] if args.tally else None
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        down = pool.submit(count, -1, args.count, args.flush, record)
        up = pool.submit(count, +1, args.count, args.flush, record)
        down.result()
        up.result()
    if record is not None:
        print(tally(record, time.perf_counter() - start, sys.getswitchinterval(),
                    output_mode(sys.stdout, args.flush)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
