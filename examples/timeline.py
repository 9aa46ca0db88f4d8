# gilref-example: args = --cpu-threads 2 --duration 0.02
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = timeline
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Who runs when: each thread records the intervals in which it actually ran.

Run:  python timeline.py [--cpu-threads 3] [--io-threads 0] [--duration 0.05] [--width 72]
                         [--json FILE]

Every thread reads the clock in a tight loop. Readings normally come well under
a microsecond apart; a longer gap (--gap, in microseconds) means the thread was
not running in between: it waited for the GIL, the operating system ran
something else, or (for an I/O-style thread) it slept. The script prints one
row per thread, '#' where it ran, and how much of the time two or more threads
ran at once: none with a GIL, a lot on a free-threaded build with free cores.
Where threads took turns at the GIL it also prints their median length;
without a GIL, or where they ran at once, there are no turns, and it says so.
With --json FILE it also writes every run to FILE. Standard library only.
"""

import argparse
import json
import platform
import statistics
import sys
import threading
import time


def wait_for_start(ready, clock):
    """Wait until every thread exists, then spin until the common start instant."""
    ready.wait()
    start_at, end_at = clock
    t = time.perf_counter()
    while t < start_at:
        t = time.perf_counter()
    return t, end_at


def cpu_thread(ready, clock, gap, runs):
    """Loop until the end; every reading more than `gap` after the last starts a new run."""
    t, end_at = wait_for_start(ready, clock)
    begin = last = t
    while t < end_at:
        t = time.perf_counter()
        if t - last > gap:
            runs.append((begin, last))
            begin = t
        last = t
    runs.append((begin, last))


def io_thread(ready, clock, gap, burst, pause, runs):
    """Compute for `burst` seconds, sleep for `pause` seconds (GIL released), repeat."""
    t, end_at = wait_for_start(ready, clock)
    while t < end_at:
        begin = last = t
        stop = min(t + burst, end_at)
        while t < stop:
            t = time.perf_counter()
            if t - last > gap:
                runs.append((begin, last))
                begin = t
            last = t
        runs.append((begin, last))
        if t < end_at:
            time.sleep(pause)
            t = time.perf_counter()


def record(cpu_threads, io_threads, duration, gap):
    """Start the threads, let them compete for `duration` seconds; return (name, runs) per thread."""
    count = cpu_threads + io_threads
    ready = threading.Barrier(count + 1)  # nobody starts before every thread exists
    clock = [0.0, 0.0]  # start and end instants, set just before the barrier opens
    names, threads, results = [], [], []
    for i in range(count):
        runs = []
        if i < cpu_threads:
            name, target, args = f"cpu-{i + 1}", cpu_thread, (ready, clock, gap, runs)
        else:
            name, target = f"io-{i - cpu_threads + 1}", io_thread
            args = (ready, clock, gap, 0.0005, 0.002, runs)
        names.append(name)
        results.append(runs)
        threads.append(threading.Thread(target=target, args=args, name=name))
    for t in threads:
        t.start()
    clock[:] = [time.perf_counter() + 0.01, time.perf_counter() + 0.01 + duration]
    ready.wait()
    for t in threads:
        t.join()
    start_at = clock[0]
    return [(name, [(a - start_at, b - start_at) for a, b in runs]) for name, runs in zip(names, results)]


def overlap_share(timeline, duration):
    """Share of the duration during which two or more threads ran."""
    events = []
    for _, runs in timeline:
        for a, b in runs:
            a, b = max(a, 0.0), min(b, duration)
            if b > a:
                events += [(a, 1), (b, -1)]
    events.sort()  # at the same instant an end (-1) sorts before a start (+1)
    running, last, together = 0, 0.0, 0.0
    for t, d in events:
        if running >= 2:
            together += t - last
        running += d
        last = t
    return together / duration


def median_turn(timeline):
    """Median length (seconds) of the turns, and how many were counted: runs of all threads in
    start order, a thread's consecutive runs merged into one turn that lasts until the next
    thread's turn starts. The first and last turns, cut by the recording's ends, are not counted."""
    runs = sorted((a, name) for name, rs in timeline for a, _ in rs)
    starts = []
    for a, name in runs:
        if not starts or starts[-1][1] != name:
            starts.append((a, name))
    inner = [b[0] - a[0] for a, b in zip(starts[1:], starts[2:])]
    return (statistics.median(inner) if inner else None), len(inner)


#: Most share of the recording with two or more threads running for turns to mean anything: a turn
#: is one thread's run until another's starts, which says who ran only while runs do not overlap.
#: With a GIL they never do, but for a hand-off shorter than the --gap (a tenth of a per cent).
TURNS_OVERLAP_MAX = 0.001


def turn_line(timeline, together, switch_interval, gil=True):
    """The line on turns: their median length where threads took turns at the GIL (`gil`, and runs
    overlapping at most TURNS_OVERLAP_MAX of the time, `together`), else why there were none."""
    if not gil:
        return ("no turns: without a GIL no thread waits for another's turn, so no turn length is given "
                f"(two or more ran at once {together:.1%} of the time)")
    if together > TURNS_OVERLAP_MAX:
        return (f"no turns: two or more threads ran at once {together:.1%} of the time, so no one thread "
                "had the turn: 'who runs now' has no single answer, and no turn length is given")
    turn, counted = median_turn(timeline)
    if turn is None:
        return "median turn: too few turns to measure (fewer than three)"
    return (f"median turn: {turn * 1000:.2f} ms over {counted} turn{'s' if counted != 1 else ''} "
            f"(switch interval {switch_interval * 1000:g} ms; the first and last, cut by the "
            "recording, not counted)")


def draw(timeline, duration, width):
    """One text row per thread: '#' in each column in which the thread ran at all."""
    lines = []
    for name, runs in timeline:
        row = ["."] * width
        for a, b in runs:
            first = max(0, int(a / duration * width))
            last = min(width - 1, int(b / duration * width))
            for col in range(first, last + 1):
                row[col] = "#"
        share = sum(b - a for a, b in runs) / duration
        lines.append(f"{name:>6} |{''.join(row)}| {share:4.0%}")
    return "\n".join(lines)


def number(kind, minimum):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {text}")
        return value
    return parse


def main(argv=None):
    parser = argparse.ArgumentParser(description="Record and draw which thread ran when.")
    parser.add_argument("--cpu-threads", type=number(int, 0), default=3,
                        help="threads that compute the whole time (default: 3)")
    parser.add_argument("--io-threads", type=number(int, 0), default=0,
                        help="threads that compute 0.5 ms, then sleep 2 ms (default: 0)")
    parser.add_argument("--duration", type=number(float, 0.001), default=0.05,
                        help="seconds recorded (default: 0.05)")
    parser.add_argument("--gap", type=number(float, 1), default=50,
                        help="microseconds between clock readings that count as not running (default: 50)")
    parser.add_argument("--width", type=number(int, 10), default=72,
                        help="columns of the drawing (default: 72)")
    parser.add_argument("--json", metavar="FILE", help="also write every thread's runs (seconds) to FILE")
    args = parser.parse_args(argv)
    if args.cpu_threads + args.io_threads < 1:
        parser.error("record at least one thread")
    if args.duration > 10:
        parser.error("--duration must be at most 10 seconds")

    timeline = record(args.cpu_threads, args.io_threads, args.duration, args.gap / 1e6)
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"Python {sys.version.split()[0]} (GIL {'on' if gil else 'off'}), "
          f"{args.duration * 1000:g} ms, one column = {args.duration / args.width * 1e6:.0f} µs")
    print(draw(timeline, args.duration, args.width))
    together = overlap_share(timeline, args.duration)
    print(f"time with two or more threads running: {together:.1%}")
    print(turn_line(timeline, together, sys.getswitchinterval(), gil))
    if args.json:
        data = {"format": "gilref-timeline-example", "version": 1, "python": sys.version.split()[0],
                "implementation": platform.python_implementation(), "gil": gil,
                "duration_s": args.duration, "gap_s": args.gap / 1e6, "overlap_fraction": together,
                "threads": [{"name": name, "runs": [list(r) for r in runs]} for name, runs in timeline]}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(data, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
