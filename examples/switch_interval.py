# gilref-example: args = --intervals 0.1,5 --window 0.05 --repeats 1
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = switch-interval
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Taking turns: what the switch interval does to a thread that waits for I/O.

Run:  python switch_interval.py [--intervals 0.1,1,5,20] [--window 0.25] [--repeats 5] [--tick 1]
                                [--json FILE]

Two threads share the interpreter. One counts in a pure-Python loop (CPU-bound);
the other sleeps for a short tick again and again, as a thread blocked on a
socket would, and needs the GIL back every time it wakes. Under each switch
interval (sys.setswitchinterval) the script reports how late the sleeper got
back to running Python code (median over its wake-ups) and how fast the
counter counted. The interval is restored afterwards. With --json FILE it also
writes every trial's numbers to FILE. Standard library only.
"""

import argparse
import json
import platform
import statistics
import sys
import threading
import time


def count(stop, result):
    """CPU-bound: count until told to stop; report loop steps per second."""
    steps = 0
    start = time.perf_counter()
    while not stop.is_set():
        steps += 1
    result["steps_per_s"] = steps / (time.perf_counter() - start)


def wake_up(window, tick, result):
    """I/O-style: sleep for tick seconds, again and again; record each wake-up's lateness."""
    late = []
    end = time.perf_counter() + window
    while True:
        before = time.perf_counter()
        time.sleep(tick)  # releases the GIL, like a blocking read
        after = time.perf_counter()  # runs only once this thread has the GIL again
        late.append(after - before - tick)
        if after >= end:
            break
    result["lateness"] = late


def trial(interval, window, tick):
    """Run both threads for `window` seconds under switch interval `interval` (seconds)."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    try:
        stop = threading.Event()
        counted, woke = {}, {}
        counter = threading.Thread(target=count, args=(stop, counted))
        sleeper = threading.Thread(target=wake_up, args=(window, tick, woke))
        counter.start()
        sleeper.start()
        sleeper.join()
        stop.set()
        counter.join()
    finally:
        sys.setswitchinterval(old)
    return statistics.median(woke["lateness"]), counted["steps_per_s"]


def milliseconds_list(text):
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected milliseconds separated by commas, got {text!r}") from None
    if not values or any(not 0 < v <= 1000 for v in values):
        raise argparse.ArgumentTypeError(f"each interval must be > 0 and <= 1000 ms, got {text!r}")
    return values


def positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    return parse


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Wake-up latency of an I/O-style thread and throughput of a CPU-bound thread "
                    "under several switch intervals.")
    parser.add_argument("--intervals", type=milliseconds_list, default=[0.1, 1.0, 5.0, 20.0],
                        help="switch intervals to try, in ms, comma-separated (default: 0.1,1,5,20)")
    parser.add_argument("--window", type=positive(float), default=0.25,
                        help="seconds each trial runs (default: 0.25)")
    parser.add_argument("--repeats", type=positive(int), default=5,
                        help="trials per interval; medians are reported (default: 5)")
    parser.add_argument("--tick", type=positive(float), default=1.0,
                        help="ms the I/O-style thread sleeps each time (default: 1)")
    parser.add_argument("--json", metavar="FILE",
                        help="also write every trial's wake-up latency and steps per second to FILE")
    args = parser.parse_args(argv)

    default = sys.getswitchinterval()
    results = {ms: [] for ms in args.intervals}
    for _ in range(args.repeats):  # interleaved, so drift hits every interval alike
        for ms in args.intervals:
            results[ms].append(trial(ms / 1000, args.window, args.tick / 1000))

    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"Python {sys.version.split()[0]} (GIL {'on' if gil else 'off'}), default switch interval "
          f"{default * 1000:g} ms, "
          f"{'medians of ' + str(args.repeats) + ' trials' if args.repeats != 1 else 'one trial'} "
          f"of {args.window:g} s")
    print(f"  {'interval':>10}  {'wake-up latency':>16}  {'CPU thread':>18}")
    for ms in args.intervals:
        latency = statistics.median(r[0] for r in results[ms])
        speed = statistics.median(r[1] for r in results[ms])
        print(f"  {ms:>7g} ms  {latency * 1000:>13.3f} ms  {speed / 1e6:>8.1f} M steps/s")
    print(f"switch interval restored to {sys.getswitchinterval() * 1000:g} ms")
    if args.json:
        write_json(args.json, args, default, gil, results)
    return 0


def write_json(path, args, default, gil, results):
    """Every trial's numbers, in seconds and steps per second, for a program to read."""
    data = {
        "format": "gilref-switch-interval-example", "version": 1,
        "python": sys.version.split()[0], "implementation": platform.python_implementation(),
        "gil": gil, "default_switch_interval_s": default, "window_s": args.window,
        "tick_s": args.tick / 1000, "repeats": args.repeats,
        "intervals": [{"interval_s": ms / 1000,
                       "latency_s": [r[0] for r in results[ms]],
                       "steps_per_s": [r[1] for r in results[ms]]} for ms in args.intervals],
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
