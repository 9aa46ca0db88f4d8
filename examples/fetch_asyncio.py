# gilref-example: args = --count 8 --limits 2,8 --repeats 1
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = fetching
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Fetch many URLs with asyncio on one thread, at most N at a time, and report every URL.

Run:  python fetch_asyncio.py [--count N] [--latency S] [--size B] [--limits 1,4,16] [--timeout S]
                              [--repeats R] [URL ...]

The asyncio twin of fetch_threads.py: the same local test server on 127.0.0.1
(started and stopped by this script; no network needed), the same report. The
client is a minimal HTTP/1.1 GET written on asyncio streams, so it needs only
the standard library; a real program would use an async HTTP client library.
Every fetch has its own deadline (asyncio.wait_for), and a URL that fails is
reported, never lost. Given URLs (http:// only), it fetches those instead.
"""

import argparse
import asyncio
import contextlib
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


async def get(url):
    """A minimal HTTP/1.1 GET. Returns (status, body)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        body = await reader.read()  # "Connection: close": the body ends when the connection does
        return status, body
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def fetch(url, timeout, gate):
    """GET one URL, waiting for a free slot first. Returns (url, status, nbytes, seconds, error)."""
    async with gate:  # at most `limit` fetches in flight
        start = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(get(url), timeout)
        except asyncio.TimeoutError:
            return url, None, 0, time.perf_counter() - start, f"TimeoutError: no answer within {timeout:g} s"
        except Exception as exc:  # refused, reset, not HTTP...
            return url, None, 0, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"
        error = None if 200 <= status < 300 else f"HTTP {status}"
        return url, status, len(body), time.perf_counter() - start, error


async def fetch_all(urls, limit, timeout):
    # One thread: while one fetch awaits the network, the event loop runs the others.
    gate = asyncio.Semaphore(limit)
    return await asyncio.gather(*(fetch(url, timeout, gate) for url in urls))


def run_fetch_all(urls, limit, timeout):
    rounds = -(-len(urls) // limit)  # a bound for the whole run, too
    return asyncio.run(asyncio.wait_for(fetch_all(urls, limit, timeout), rounds * timeout + 5))


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
        pass


class LocalServer(ThreadingHTTPServer):
    request_queue_size = 128  # many clients connect at once; the default backlog of 5 is too short


def start_server(latency, size):
    """A ThreadingHTTPServer on 127.0.0.1 (one thread per request), serving in the background."""
    server = LocalServer(("127.0.0.1", 0), SlowHandler)  # port 0: any free port
    server.latency, server.size, server.stopping = latency, size, threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_server(server):
    server.stopping.set()
    server.shutdown()
    server.server_close()


def report(results):
    for url, status, nbytes, seconds, error in results:
        parts = urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        outcome = f"{status} {nbytes:>6} bytes" if error is None else f"FAILED: {error}"
        print(f"  {path:<26} {seconds * 1000:7.0f} ms  {outcome}")


def limits(text):
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"limits must be >= 1, got {text!r}")
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


def http_url(text):
    if urlsplit(text).scheme != "http":
        raise argparse.ArgumentTypeError(f"this minimal client speaks plain http:// only, got {text!r}")
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fetch URLs with asyncio on one thread.")
    parser.add_argument("urls", nargs="*", type=http_url, help="http:// URLs (default: a local test server's)")
    parser.add_argument("--count", type=positive(int), default=16, help="URLs from the local server (default: 16)")
    parser.add_argument("--latency", type=positive(float), default=0.05,
                        help="seconds the local server waits before answering (default: 0.05)")
    parser.add_argument("--size", type=positive(int), default=1024, help="bytes per answer (default: 1024)")
    parser.add_argument("--limits", type=limits, default=[1, 4, 16],
                        help="most fetches in flight at once, e.g. 4,16 (1 is always run; default: 1,4,16)")
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
        print(f"{len(urls)} URL{'s' if len(urls) > 1 else ''} on one thread, median of {args.repeats} "
              f"run{'s' if args.repeats != 1 else ''}:")
        base_time = None
        for limit in sorted({1, *args.limits}):  # 1 in flight = one at a time: the baseline
            run_fetch_all(urls[:limit], limit, args.timeout)  # warm-up, not timed
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                results = run_fetch_all(urls, limit, args.timeout)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            base_time = base_time or median
            failed = sum(1 for r in results if r[4] is not None)
            print(f"  {limit:>3} in flight {median:8.3f} s  {base_time / median:6.2f}x one at a time"
                  + (f"  ({failed} failed)" if failed else ""))
        if server:
            urls = [*urls[:4], f"{base}/broken?status=500", f"{base}/slow?latency={args.timeout + 1}"]
            print(f"Again, {max(args.limits)} in flight, with two URLs that fail on purpose:")
            report(run_fetch_all(urls, max(args.limits), args.timeout))
        else:
            print("Last run, per URL:")
            report(results)
    finally:
        if server:
            stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
