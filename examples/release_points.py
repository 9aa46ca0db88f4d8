# gilref-example: args = --threads 2 --repeats 5 --target 0.05 --kinds sleep,file,hashlib,python
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = release-points
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Which work lets threads run at the same time? Speedup on 1..N threads per kind.

Run:  python release_points.py [--threads N] [--repeats R] [--target S] [--kinds K,K,...]

Each kind of work is cut into identical units; a job of about S seconds of
units (on one thread) is split evenly between 1, 2, ... N threads and timed,
R times, interleaved. Work that releases the GIL while it runs (sleeping,
reading a file, socket I/O, hashing or compressing a large buffer, a BLAS
matrix product) gets faster with threads, up to the number of cores; a
pure-Python loop does not, on a GIL build. The socket kind talks to itself
over 127.0.0.1 only. NumPy is optional: the matrix product is skipped without
numpy and threadpoolctl (which pins BLAS to one thread, so the speedup comes
from Python threads alone). Otherwise standard library only.
"""

import argparse
import hashlib
import math
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import zlib
from contextlib import ExitStack


def sleep_unit(res):
    time.sleep(0.01)


def file_unit(res):
    f, buf = res
    f.seek(0)
    f.readinto(buf)


def socket_unit(res):
    client, server, data, buf = res
    view = memoryview(buf)
    for _ in range(16):
        client.sendall(data)
        got = 0
        while got < len(data):
            got += server.recv_into(view[got:])


def hash_unit(data):
    hashlib.sha256(data).digest()


def zlib_unit(data):
    zlib.compress(data, 6)


def python_unit(res):
    n = 100_000
    while n > 0:
        n -= 1


def loopback_pair(stack):
    """A connected TCP pair over 127.0.0.1; the listener is closed at once."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = stack.enter_context(socket.create_connection(listener.getsockname(), timeout=10))
        server = stack.enter_context(listener.accept()[0])
    server.settimeout(10)
    return client, server


def resources(kind, stack, threads):
    """One resource per thread for *kind* (buffers, file handles, connections)."""
    if kind == "file":
        fd, path = tempfile.mkstemp()
        stack.callback(os.unlink, path)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(4 << 20))
        return [(stack.enter_context(open(path, "rb", buffering=0)), bytearray(4 << 20)) for _ in range(threads)]
    if kind == "socket":
        data = os.urandom(64 << 10)
        return [(*loopback_pair(stack), data, bytearray(len(data))) for _ in range(threads)]
    if kind == "hashlib":
        return [os.urandom(1 << 20)] * threads
    if kind == "zlib":
        text = " ".join(f"word{i % 997}" for i in range(60_000)).encode()[: 256 << 10]
        return [text] * threads
    if kind == "numpy":
        import numpy as np
        from threadpoolctl import threadpool_limits

        stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
        a = np.random.default_rng(0).random((192, 192))
        return [(np.matmul, a, np.empty_like(a)) for _ in range(threads)]
    return [None] * threads


def numpy_unit(res):
    matmul, a, out = res
    matmul(a, a, out=out)  # NumPy releases the GIL inside the BLAS call


UNITS = {"sleep": sleep_unit, "file": file_unit, "socket": socket_unit, "hashlib": hash_unit,
         "zlib": zlib_unit, "numpy": numpy_unit, "python": python_unit}


def run_job(unit, res, units, threads):
    """Split *units* between *threads* threads; return the wall time in seconds."""
    shares = [units // threads + (1 if i < units % threads else 0) for i in range(threads)]

    def work(share, r):
        for _ in range(share):
            unit(r)

    pool = [threading.Thread(target=work, args=(s, r)) for s, r in zip(shares, res)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - start


def unit_seconds(unit, res, target):
    """Seconds one unit takes on one thread, once warm: the mean of a run of units
    lasting at least a tenth of *target*. Before it, up to 10 units (at most half of
    *target*) warm up: CPython 3.11+ specialises a function's bytecode only after it
    has run several times, and its first runs can take half as long again. Every
    job's size comes from this figure, so a cold one would make the jobs too short."""
    warm, start = 0, time.perf_counter()
    while warm < 10 and time.perf_counter() - start < target / 2:
        unit(res)
        warm += 1
    count, start = 0, time.perf_counter()
    while True:
        unit(res)
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= target / 10:
            return elapsed / count


def measure(kind, max_threads, repeats, target):
    counts = list(range(1, max_threads + 1))
    with ExitStack() as stack:
        res = resources(kind, stack, max_threads)
        unit = UNITS[kind]
        one = unit_seconds(unit, res[0], target)
        step = math.lcm(*counts) if math.lcm(*counts) <= 60 else max_threads
        units = max(step, math.ceil(target / max(one, 1e-9) / step) * step)
        times = {c: [] for c in counts}
        for _ in range(repeats):
            for c in counts:
                times[c].append(run_job(unit, res, units, c))
    return times


#: Spread between repeats (slowest over fastest, less one) above which a kind's
#: speedups are flagged as noise: 25%, more than a quiet machine gives.
NOISY = 0.25


def spread(times):
    """The largest spread of one thread count's runs: slowest over fastest, less one."""
    return max(max(v) / min(v) - 1 for v in times.values())


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
    if not 0 < value <= 10:
        raise argparse.ArgumentTypeError(f"must be > 0 and <= 10 seconds, got {text}")
    return value


def kinds_arg(text):
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in UNITS]
    if not kinds or unknown:
        raise argparse.ArgumentTypeError(f"choose from {','.join(UNITS)}; got {text!r}")
    return kinds


def main(argv=None):
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    parser = argparse.ArgumentParser(description="Speedup on 1..N threads for work that does or does not "
                                                 "release the GIL.")
    parser.add_argument("--threads", type=positive_int, default=max(4, 2 * cpus),
                        help=f"largest thread count (default: {max(4, 2 * cpus)})")
    parser.add_argument("--repeats", type=positive_int, default=5,
                        help="runs of each thread count; the median is used (default: 5)")
    parser.add_argument("--target", type=seconds_arg, default=0.2,
                        help="seconds of work per job on one thread (default: 0.2)")
    parser.add_argument("--kinds", type=kinds_arg, default=list(UNITS),
                        help=f"comma-separated kinds (default: {','.join(UNITS)})")
    args = parser.parse_args(argv)

    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"Python {sys.version.split()[0]} (GIL {'on' if gil else 'off'}), {cpus} CPUs, "
          f"median of {args.repeats} run{'s' if args.repeats != 1 else ''}; speedup versus one thread")
    print(f"  {'kind':<8} {'1 thread':>9}  " + "  ".join(f"{c:>4}" for c in range(2, args.threads + 1)))
    for kind in args.kinds:
        try:
            times = measure(kind, args.threads, args.repeats, args.target)
        except ImportError as exc:
            print(f"  {kind:<8} skipped: {exc.name} is not installed")
            continue
        medians = {c: statistics.median(v) for c, v in times.items()}
        base = medians[1]
        speedups = "  ".join(f"{base / medians[c]:4.2f}" for c in range(2, args.threads + 1))
        print(f"  {kind:<8} {base:8.3f}s  {speedups}")
        if args.repeats > 1 and spread(times) > NOISY:
            print(f"note: the {kind} runs varied by up to {spread(times):.0%} between repeats (other work on "
                  "this machine?): its speedups are not reliable to better than that.")
    if args.repeats == 1:
        print("note: one run per thread count, so no spread to judge by: a single run of a short job can be "
              "off by tens of per cent on a busy machine (use --repeats 5).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
