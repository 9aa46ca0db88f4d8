# gilref-example: args = --count 8 --workers 2,8 --repeats 1
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = fetching
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Fetch many URLs one after another, then on a thread pool, and report every URL.

Run:  python fetch_threads.py [--count N] [--latency S] [--size B] [--workers 1,4,16] [--timeout S]
                              [--repeats R] [URL ...]

Without URLs it starts its own HTTP server on 127.0.0.1 (on a port the
operating system picks), which answers each request after --latency seconds,
fetches N URLs from it, and stops it at the end: no network needed. It then
fetches the same URLs once more, together with two that fail on purpose (one
answers 500, one is slower than --timeout), to show that every URL is reported,
failures included. Given URLs, it fetches those instead (that needs their
network). Standard library only; copy it anywhere.
"""

import argparse
import contextlib
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def fetch(url, timeout):
    """GET one URL. Returns (url, status, nbytes, seconds, error); never raises."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
        return url, response.status, len(body), time.perf_counter() - start, None
    except urllib.error.HTTPError as exc:  # the server answered, with an error status
        exc.close()
        return url, exc.code, 0, time.perf_counter() - start, f"HTTP {exc.code} {exc.reason}"
    except Exception as exc:  # timeout, refused, reset, bad URL...
        reason = getattr(exc, "reason", exc)  # URLError wraps the real cause
        kind = type(reason if isinstance(reason, BaseException) else exc).__name__
        return url, None, 0, time.perf_counter() - start, f"{kind}: {reason}"


def fetch_all_sequentially(urls, timeout):
    return [fetch(url, timeout) for url in urls]


def fetch_all_on_threads(urls, workers, timeout):
    # A thread waiting for the network releases the GIL, so the waits overlap.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fetch, url, timeout) for url in urls]
        return [future.result() for future in futures]  # in the order of urls


class SlowHandler(BaseHTTPRequestHandler):
    """Answers GET after the server's latency; ?latency=S and ?status=N override it."""

    disable_nagle_algorithm = True  # send the headers and the body at once, without waiting for an ACK

    def do_GET(self):
        query = parse_qs(urlsplit(self.path).query)
        latency = min(float(query.get("latency", [self.server.latency])[0]), 10.0)
        status = int(query.get("status", ["200"])[0])
        if self.server.stopping.wait(latency):  # woken early: the server is stopping
            return
        body = b"x" * self.server.size
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client may have given up waiting
            self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # keep the output readable


class LocalServer(ThreadingHTTPServer):
    request_queue_size = 128  # many clients connect at once; the default backlog of 5 is too short


def start_server(latency, size):
    """A ThreadingHTTPServer on 127.0.0.1 (one thread per request), serving in the background."""
    server = LocalServer(("127.0.0.1", 0), SlowHandler)  # port 0: any free port
    server.latency, server.size, server.stopping = latency, size, threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_server(server):
    server.stopping.set()  # wake the handlers that are still waiting
    server.shutdown()
    server.server_close()


def report(results):
    for url, status, nbytes, seconds, error in results:
        path = urlsplit(url).path + ("?" + urlsplit(url).query if urlsplit(url).query else "")
        outcome = f"{status} {nbytes:>6} bytes" if error is None else f"FAILED: {error}"
        print(f"  {path:<26} {seconds * 1000:7.0f} ms  {outcome}")


def worker_counts(text):
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"worker counts must be >= 1, got {text!r}")
    return counts


def positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
        return value
    return parse


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fetch URLs sequentially and on a ThreadPoolExecutor.")
    parser.add_argument("urls", nargs="*", help="URLs to fetch (default: a local test server's)")
    parser.add_argument("--count", type=positive(int), default=16, help="URLs from the local server (default: 16)")
    parser.add_argument("--latency", type=positive(float), default=0.05,
                        help="seconds the local server waits before answering (default: 0.05)")
    parser.add_argument("--size", type=positive(int), default=1024, help="bytes per answer (default: 1024)")
    parser.add_argument("--workers", type=worker_counts, default=[1, 4, 16],
                        help="thread counts to try, e.g. 1,4,16 (default)")
    parser.add_argument("--timeout", type=positive(float), default=1.0, help="seconds per fetch (default: 1)")
    parser.add_argument("--repeats", type=positive(int), default=3, help="runs of each; median shown (default: 3)")
    args = parser.parse_args(argv)

    server = None if args.urls else start_server(args.latency, args.size)
    try:
        if server:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            urls = [f"{base}/item/{i}" for i in range(args.count)]
            print(f"Local server {base}: {args.latency * 1000:g} ms per answer, {args.size} bytes")
        else:
            urls = args.urls
        print(f"{len(urls)} URL{'s' if len(urls) > 1 else ''}, median of {args.repeats} "
              f"run{'s' if args.repeats != 1 else ''}:")
        runs = [("sequential", lambda us: fetch_all_sequentially(us, args.timeout))]
        runs += [(f"{w} thread{'s' if w > 1 else ''}", lambda us, w=w: fetch_all_on_threads(us, w, args.timeout))
                 for w in args.workers]
        base_time = None
        for name, run in runs:
            run(urls[:max(args.workers)])  # warm-up, not timed: first connections, imports
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                results = run(urls)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            base_time = base_time or median
            failed = sum(1 for r in results if r[4] is not None)
            print(f"  {name:<12} {median:8.3f} s  {base_time / median:6.2f}x sequential"
                  + (f"  ({failed} failed)" if failed else ""))
        if server:
            urls = [*urls[:4], f"{base}/broken?status=500", f"{base}/slow?latency={args.timeout + 1}"]
            print(f"Again on {max(args.workers)} threads with two URLs that fail on purpose:")
            report(fetch_all_on_threads(urls, max(args.workers), args.timeout))
        else:
            print("Last run, per URL:")
            report(results)
    finally:
        if server:
            stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
