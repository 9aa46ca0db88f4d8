# gilref-example: args = --window 0.1 --repeats 1
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = convoy
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""The convoy effect: a CPU-bound thread starves a thread that serves a socket.

Run:  python convoy.py [--window 0.5] [--repeats 5] [--size 16] [--json FILE]

An echo server on 127.0.0.1 (a port the OS picks) is served by one thread. A
client in a separate process sends small messages one at a time and counts the
echoes. Requests per second are measured three ways:

  alone        nothing else runs in the server's process
  cpu-thread   a CPU-bound thread spins in the server's process
  cpu-process  the same CPU-bound loop runs in a separate process

Everything the script starts it stops: the server's thread, its socket, the
client and CPU processes. With --json FILE it also writes every run's
requests per second and share of round trips of 1 ms or more to FILE (and the host's idle CPU
time per run and load average after the runs). Standard library only.
"""

import argparse
import contextlib
import json
import multiprocessing
import os
import platform
import socket
import statistics
import sys
import threading
import time

HOST = "127.0.0.1"  # loopback only: nothing outside this machine can connect


def serve(listener, stop):
    """Server thread: echo every message back, one connection at a time."""
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        with conn:
            conn.settimeout(None)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while not stop.is_set():
                try:
                    data = conn.recv(65536)  # blocks, releasing the GIL; needs it back to continue
                except OSError:
                    break
                if not data:
                    break
                conn.sendall(data)


def client(pipe):
    """Client process: on ("run", port, window, size) count echoes for `window` seconds;
    reply (requests per second, share of round trips of 1 ms or more)."""
    while pipe.poll(60):
        message = pipe.recv()
        if message[0] != "run":
            return
        _, port, window, size = message
        payload = b"x" * size
        done = slow = 0
        with socket.create_connection((HOST, port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            start = now = time.perf_counter()
            while now < start + window:
                sent = now
                sock.sendall(payload)
                got = 0
                while got < size:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise ConnectionError("server closed the connection")
                    got += len(chunk)
                done += 1
                now = time.perf_counter()
                slow += now - sent >= 0.001  # a trip that waited (for the GIL, with a CPU-bound thread)
        pipe.send((done / (now - start), slow / done))


def spin_until(should_stop):
    """The CPU-bound work: a pure-Python loop."""
    while not should_stop():
        for _ in range(20_000):
            pass


def spinner(pipe):
    """CPU process: on "spin", loop until the next message arrives."""
    while pipe.poll(60):
        if pipe.recv() != "spin":
            return
        pipe.send("spinning")
        spin_until(lambda: pipe.poll(0))
        pipe.recv()
        pipe.send("stopped")


def answer(pipe, timeout, who):
    if not pipe.poll(timeout):
        raise TimeoutError(f"the {who} did not answer within {timeout} s")
    return pipe.recv()


def cpu_times():
    """(idle, total) clock ticks of all the host's CPUs so far, from /proc/stat (Linux; None elsewhere)."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if len(fields) < 6 or fields[0] != "cpu":
        return None
    ticks = [float(x) for x in fields[1:9]]
    return ticks[3] + ticks[4], sum(ticks)  # idle + iowait, all


def idle_share(before, after):
    """Share of the host's CPU time idle between two cpu_times() readings (None if unknown)."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def one_run(mode, port, to_client, to_spinner, window, size, idle, slow):
    stop = threading.Event()
    hog = None
    if mode == "cpu-thread":
        hog = threading.Thread(target=spin_until, args=(stop.is_set,))
        hog.start()
    elif mode == "cpu-process":
        to_spinner.send("spin")
        answer(to_spinner, 30, "CPU process")
    try:
        to_client.send(("run", port, window, size))
        before = cpu_times()
        rate, slow_share = answer(to_client, window + 30, "client")
        idle.append(idle_share(before, cpu_times()))
        slow.append(slow_share)
        return rate
    finally:
        if hog is not None:
            stop.set()
            hog.join()
        if mode == "cpu-process":
            to_spinner.send("stop")
            answer(to_spinner, 30, "CPU process")


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


def faster_than_alone(rates):
    """The setups whose every run beat every run alone: not noise. The client and the server
    take turns, so alone a CPU can go idle between messages and must be woken for the next one;
    a busy loop beside them keeps it awake."""
    return [mode for mode in rates if mode != "alone" and min(rates[mode]) > max(rates["alone"])]


def faster_line(faster, repeats):
    """The line that names the setups faster than alone (*faster*) over *repeats* runs each."""
    runs = "in every run" if repeats > 1 else "in its one run"
    return (f"  faster beside the busy loop ({', '.join(faster)}) {runs}: client and server take turns, "
            "so a CPU can idle between messages alone; the loop keeps it awake")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Requests per second of a thread-served echo server: "
                                                 "alone, next to a CPU-bound thread, next to a CPU-bound process.")
    parser.add_argument("--window", type=positive(float), default=0.5,
                        help="seconds the client sends requests in each run (default: 0.5)")
    parser.add_argument("--repeats", type=positive(int), default=5,
                        help="runs of each setup; the median is reported (default: 5)")
    parser.add_argument("--size", type=positive(int), default=16, help="bytes per request (default: 16)")
    parser.add_argument("--json", metavar="FILE", help="also write every run's requests per second to FILE")
    args = parser.parse_args(argv)
    if args.size > 65536:
        parser.error("--size must be at most 65536 bytes")

    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: safe next to running threads
    to_client, client_end = ctx.Pipe()
    to_spinner, spinner_end = ctx.Pipe()
    helpers = [ctx.Process(target=client, args=(client_end,), daemon=True),
               ctx.Process(target=spinner, args=(spinner_end,), daemon=True)]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stop = threading.Event()
    server = threading.Thread(target=serve, args=(listener, stop))
    modes = ["alone", "cpu-thread", "cpu-process"]
    rates = {mode: [] for mode in modes}
    idle = {mode: [] for mode in modes}  # share of the host's CPU time idle during each run
    slow = {mode: [] for mode in modes}  # share of each run's round trips of 1 ms or more
    try:
        for p in helpers:
            p.start()
        listener.bind((HOST, 0))  # port 0: the OS picks a free port
        listener.listen(8)
        listener.settimeout(0.1)  # so the server thread notices `stop`
        port = listener.getsockname()[1]
        print(f"echo server listening on {HOST}:{port}")
        server.start()
        for _ in range(args.repeats):
            for mode in modes:
                rates[mode].append(one_run(mode, port, to_client, to_spinner, args.window, args.size,
                                            idle[mode], slow[mode]))
    finally:
        stop.set()
        if server.is_alive():
            server.join(10)
        listener.close()
        for pipe in (to_client, to_spinner):
            with contextlib.suppress(OSError):
                pipe.send("exit")
        for p in helpers:
            if p.pid is not None:
                p.join(10)
                if p.is_alive():
                    p.kill()
                    p.join()

    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"Python {sys.version.split()[0]} (GIL {'on' if gil else 'off'}), {args.size}-byte requests, "
          f"median of {args.repeats} run{'s' if args.repeats != 1 else ''} of {args.window:g} s")
    alone = statistics.median(rates["alone"])
    for mode in modes:
        rate = statistics.median(rates[mode])
        shares = [x for x in idle[mode] if x is not None]
        host = f", host CPU idle {statistics.median(shares):.0%}" if shares else ""
        share = rate / alone  # one decimal below 100%, none from 100% up, as the chapter prints shares
        print(f"  {mode:<12} {rate:>10,.0f} requests/s  ({share:.1%} of alone{host})" if share < 1 else
              f"  {mode:<12} {rate:>10,.0f} requests/s  ({share:.0%} of alone{host})")
    faster = faster_than_alone(rates)
    if faster:
        print(faster_line(faster, args.repeats))
    print("server closed; client and CPU processes stopped")
    if args.json:
        data = {"format": "gilref-convoy-example", "version": 1, "python": sys.version.split()[0],
                "implementation": platform.python_implementation(), "gil": gil, "window_s": args.window,
                "repeats": args.repeats, "size": args.size, "requests_per_s": rates,
                "host_idle": {m: [x for x in v if x is not None] for m, v in idle.items()},
                "slow_share": slow,
                "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
