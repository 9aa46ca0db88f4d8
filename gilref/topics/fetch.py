"""Fetching many URLs: one after another, on a thread pool, and with asyncio.

Every fetch returns a :class:`FetchResult`, successful or not: a URL that
times out, answers ``500`` or drops the connection is *reported* with its
error, never lost and never allowed to break the pool that fetched it. Results
come back in the order of the URLs given.

* :func:`fetch_sequential` fetches one URL at a time (blocking :mod:`http.client`);
* :func:`fetch_threads` hands the same blocking fetches to a
  :class:`~concurrent.futures.ThreadPoolExecutor` of *workers* threads; a thread
  waiting for the network releases the GIL, so the waits overlap;
* :func:`fetch_asyncio` does the same with :mod:`asyncio` streams on one thread
  (a minimal HTTP/1.1 ``GET``; standard library only), at most *limit* at once.

:func:`fetch_suite` times all three side by side against a
:class:`~gilref.topics.httpserver.ServerProcess` on ``127.0.0.1``. These fetches go
straight to the address in the URL (no proxies, no redirects).
Standard library only.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import ssl
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable
from urllib.parse import urlsplit

from ..core import _loop
from ..core._checks import check_int, check_seconds
from ..core.harness import MIN_REPEATS, interleave
from ..core.hostinfo import collect_metadata
from ..core.results import Suite, Timing

__all__ = [
    "FetchResult",
    "check_urls",
    "error_demo",
    "fetch_all_async",
    "fetch_asyncio",
    "fetch_sequential",
    "fetch_suite",
    "fetch_threads",
    "fetch_url",
    "fetch_url_async",
    "result_rows",
]

#: The kinds of outcome a :class:`FetchResult` can have.
KINDS = ("ok", "http-error", "timeout", "connection-error", "bad-response", "error")

_MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class FetchResult:
    """The outcome of fetching one URL.

    :param url: the URL fetched.
    :param kind: ``"ok"`` (a 2xx answer), ``"http-error"`` (an answer with
        status >= 400), ``"timeout"``, ``"connection-error"`` (refused, reset or
        closed without an answer), ``"bad-response"`` (not HTTP), or ``"error"``
        (anything else).
    :param status: the HTTP status code, or ``None`` when no answer came.
    :param nbytes: body bytes received.
    :param seconds: wall-clock duration of this fetch, in seconds.
    :param error: a one-line description of what went wrong (``None`` when ok).
    """

    url: str
    kind: str
    status: int | None
    nbytes: int
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the server answered with a 2xx status."""
        return self.kind == "ok"

    def to_dict(self) -> dict[str, Any]:
        """This result as a JSON-ready dict."""
        return {"url": self.url, "kind": self.kind, "status": self.status, "nbytes": self.nbytes,
                "seconds": self.seconds, "error": self.error}


def check_urls(urls: Any) -> list[str]:
    """Return *urls* as a list if it is a sequence of ``http://`` or ``https://`` URLs.

    :raises TypeError: if *urls* is a single string or holds a non-string.
    :raises ValueError: if a URL has another scheme or no host.
    """
    if isinstance(urls, (str, bytes)) or not isinstance(urls, Sequence):
        raise TypeError(f"urls must be a list of URL strings, not {type(urls).__name__}")
    out = []
    for i, url in enumerate(urls):
        if not isinstance(url, str):
            raise TypeError(f"urls[{i}] must be a string, not {type(url).__name__}")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"urls[{i}] must be an http:// or https:// URL with a host, got {url!r}")
        out.append(url)
    return out


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, (socket.timeout, TimeoutError, asyncio.TimeoutError))


def fetch_url(url: str, timeout: float = 10.0) -> FetchResult:
    """Fetch *url* with a blocking ``GET`` (:mod:`http.client`); never raises for
    network or HTTP errors.

    One connection per fetch, closed afterwards; redirects are not followed (a
    3xx answer is reported as an ``"http-error"``).

    :param url: an ``http://`` or ``https://`` URL.
    :param timeout: seconds allowed for connecting and for each read (> 0).
    """
    check_urls([url])
    check_seconds("timeout", timeout, allow_zero=False)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout)
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    start = time.perf_counter()
    status: int | None = None
    body = b""
    try:
        conn.request("GET", target, headers={"User-Agent": "gilref-threads", "Connection": "close"})
        response = conn.getresponse()
        status = response.status
        reason = response.reason
        body = response.read()
    except Exception as exc:
        elapsed = time.perf_counter() - start
        if _is_timeout(exc):
            kind = "timeout"
        elif isinstance(exc, (OSError, http.client.RemoteDisconnected, http.client.IncompleteRead)):
            kind = "connection-error"
        elif isinstance(exc, http.client.HTTPException):
            kind = "bad-response"
        else:
            kind = "error"
        return FetchResult(url, kind, status, len(body), elapsed, _describe(exc))
    finally:
        conn.close()
    elapsed = time.perf_counter() - start
    if 200 <= status < 300:
        return FetchResult(url, "ok", status, len(body), elapsed)
    return FetchResult(url, "http-error", status, len(body), elapsed, f"HTTP {status} {reason}".strip())


def fetch_sequential(urls: Sequence[str], timeout: float = 10.0) -> list[FetchResult]:
    """Fetch *urls* one after another; one :class:`FetchResult` per URL, in order."""
    checked = check_urls(urls)
    return [fetch_url(u, timeout) for u in checked]


def fetch_threads(
    urls: Sequence[str],
    workers: int,
    timeout: float = 10.0,
    *,
    executor: ThreadPoolExecutor | None = None,
) -> list[FetchResult]:
    """Fetch *urls* on a :class:`~concurrent.futures.ThreadPoolExecutor` of *workers* threads.

    A fetch that fails is reported in its :class:`FetchResult`; even an
    unexpected exception inside a worker becomes an ``"error"`` result for that
    URL, so one bad URL never costs the others their answers.

    :param workers: threads in the pool (>= 1).
    :param timeout: seconds allowed per connect and per read, for each URL.
    :param executor: a running pool to use instead of a new one (it is left
        running; *workers* should be its size); a long-lived program keeps one.
    """
    checked = check_urls(urls)
    check_int("workers", workers, minimum=1)
    check_seconds("timeout", timeout, allow_zero=False)
    if executor is None:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gilref-fetch") as pool:
            return _fetch_on(pool, checked, timeout)
    return _fetch_on(executor, checked, timeout)


def _fetch_on(pool: ThreadPoolExecutor, urls: list[str], timeout: float) -> list[FetchResult]:
    start = time.perf_counter()
    futures = [pool.submit(fetch_url, u, timeout) for u in urls]
    out = []
    for url, future in zip(urls, futures):
        try:
            out.append(future.result())
        except Exception as exc:  # a bug, not a network error: still one result per URL
            out.append(FetchResult(url, "error", None, 0, time.perf_counter() - start, _describe(exc)))
    return out


# -- asyncio --------------------------------------------------------------------


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts: list[bytes] = []
        while True:
            size_line = await reader.readline()
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readline()
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    return await reader.read()  # Connection: close: the body ends with the connection


async def _get(url: str) -> tuple[int, str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    reader, writer = await asyncio.open_connection(host, port, ssl=ssl.create_default_context() if tls else None)
    try:
        host_header = parts.netloc.rsplit("@", 1)[-1]
        request = (f"GET {target} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: gilref-asyncio\r\n"
                   "Accept: */*\r\nConnection: close\r\n\r\n")
        writer.write(request.encode("ascii"))
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _MAX_HEADER_BYTES:
            raise ValueError("response headers too long")
        lines = head.decode("iso-8859-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        if not version.startswith("HTTP/"):
            raise ValueError(f"not an HTTP response: {lines[0][:60]!r}")
        code_text, _, reason = rest.partition(" ")
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        body = await _read_body(reader, headers)
        return int(code_text), reason, len(body)
    finally:
        writer.close()
        with suppress(OSError):
            await writer.wait_closed()


async def fetch_url_async(url: str, timeout: float = 10.0) -> FetchResult:
    """Fetch *url* with an HTTP/1.1 ``GET`` over :mod:`asyncio` streams; never raises
    for network or HTTP errors.

    :param timeout: seconds allowed for the whole fetch (:func:`asyncio.wait_for`).
    """
    check_urls([url])
    check_seconds("timeout", timeout, allow_zero=False)
    start = time.perf_counter()
    try:
        status, reason, nbytes = await asyncio.wait_for(_get(url), timeout)
    except asyncio.TimeoutError:
        return FetchResult(url, "timeout", None, 0, time.perf_counter() - start,
                           f"TimeoutError: no complete answer within {timeout:g} s")
    except asyncio.IncompleteReadError as exc:
        kind = "connection-error" if not exc.partial else "bad-response"
        return FetchResult(url, kind, None, len(exc.partial), time.perf_counter() - start,
                           "connection closed without a complete answer")
    except (OSError, EOFError) as exc:
        return FetchResult(url, "connection-error", None, 0, time.perf_counter() - start, _describe(exc))
    except (ValueError, asyncio.LimitOverrunError) as exc:
        return FetchResult(url, "bad-response", None, 0, time.perf_counter() - start, _describe(exc))
    elapsed = time.perf_counter() - start
    if 200 <= status < 300:
        return FetchResult(url, "ok", status, nbytes, elapsed)
    return FetchResult(url, "http-error", status, nbytes, elapsed, f"HTTP {status} {reason}".strip())


async def fetch_all_async(urls: Sequence[str], timeout: float = 10.0, limit: int | None = None) -> list[FetchResult]:
    """Fetch *urls* concurrently on the running event loop, at most *limit* at once.

    :param limit: the most fetches in flight at one time (default: all of them).
    """
    checked = check_urls(urls)
    if limit is not None:
        check_int("limit", limit, minimum=1)
    gate = asyncio.Semaphore(limit or max(1, len(checked)))

    async def one(url: str) -> FetchResult:
        async with gate:
            return await fetch_url_async(url, timeout)

    return list(await asyncio.gather(*(one(u) for u in checked)))


def fetch_asyncio(urls: Sequence[str], timeout: float = 10.0, limit: int | None = None) -> list[FetchResult]:
    """Run :func:`fetch_all_async` in a new event loop (:func:`asyncio.run`) and return its results.

    The whole run is bounded too: it may take at most ``timeout`` seconds per
    round of *limit* fetches (plus one second) before it is cancelled.
    """
    checked = check_urls(urls)
    check_seconds("timeout", timeout, allow_zero=False)
    rounds = -(-len(checked) // (limit or max(1, len(checked)))) if checked else 1
    return _loop.run(lambda: fetch_all_async(checked, timeout, limit), rounds * timeout + 1.0)


def result_rows(results: Sequence[FetchResult]) -> list[dict[str, Any]]:
    """One table row per result: path, outcome, status, bytes, milliseconds, error."""
    rows = []
    for r in results:
        parts = urlsplit(r.url)
        rows.append({
            "URL": (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
            "outcome": r.kind,
            "status": "" if r.status is None else r.status,
            "bytes": r.nbytes,
            "time (ms)": f"{r.seconds * 1000:.0f}",
            "error": r.error or "",
        })
    return rows


def error_demo(workers: int = 4, timeout: float = 0.5, latency: float = 0.05) -> dict[str, Any]:
    """Fetch URLs that fail in four different ways, beside good ones, on threads and with asyncio.

    A :class:`~gilref.topics.httpserver.LatencyServer` on ``127.0.0.1`` serves three
    good URLs, one that answers 500, one that answers after ``4 * timeout``
    (so the client gives up), and one whose connection is closed without an
    answer; a seventh URL points at a port where nothing listens. Each list is
    fetched with :func:`fetch_threads` (*workers* threads) and with
    :func:`fetch_asyncio` (*workers* in flight), each fetch with *timeout*
    seconds; the server is stopped before this returns.

    :returns: ``{"threads": [FetchResult...], "asyncio": [...], "threads_s",
        "asyncio_s" (wall seconds of each run), "timeout_s", "server": stats}``.
    """
    from .httpserver import LatencyServer, unused_port

    check_int("workers", workers, minimum=1)
    check_seconds("timeout", timeout, allow_zero=False)
    check_seconds("latency", latency)
    slow = 4 * timeout
    with LatencyServer(latency, 512, max_requests=100, lifetime=60.0, max_latency=max(slow, latency)) as server:
        urls = [
            *server.urls(3),
            server.url("/item/broken", status=500),
            server.url("/item/slow", latency=slow),
            server.url("/item/dropped", drop=1),
            f"http://127.0.0.1:{unused_port()}/item/down",
        ]
        start = time.perf_counter()
        threaded = fetch_threads(urls, workers, timeout)
        threads_s = time.perf_counter() - start
        start = time.perf_counter()
        asynced = fetch_asyncio(urls, timeout, workers)
        asyncio_s = time.perf_counter() - start
    return {"threads": threaded, "asyncio": asynced, "threads_s": threads_s, "asyncio_s": asyncio_s,
            "timeout_s": timeout, "server": server.stats.to_dict()}


# -- measurement ----------------------------------------------------------------


def fetch_suite(
    count: int = 32,
    *,
    latency: float = 0.05,
    size: int = 1024,
    workers: Sequence[int] = (1, 2, 4, 8, 16),
    asyncio_limits: Sequence[int] = (4, 8, 16),
    repeats: int = 5,
    timeout: float = 10.0,
    urls: Sequence[str] | None = None,
) -> Suite:
    """Time fetching *count* URLs sequentially, on thread pools and with asyncio.

    Unless *urls* is given, a :class:`~gilref.topics.httpserver.ServerProcess` on
    ``127.0.0.1`` serves them, answering each after *latency* seconds with
    *size* bytes; it is stopped before this returns.

    As a long-running program would, each configuration gets its thread pool
    (or event loop) before the clock starts, and one unmeasured warm-up round
    (as many URLs as it has workers) starts the pool's threads. Then the
    configurations take turns, repeat by repeat
    (:func:`gilref.core.harness.interleave`), so that a slow moment of the machine
    hits them all alike.

    Timings: workload ``"fetch"``, mode ``"sequential"`` (workers 1),
    ``"threads"`` (workers = pool size) and ``"asyncio"`` (workers = the most
    fetches in flight), in seconds per run over all the URLs.

    :param count: how many URLs make up one run (>= 1).
    :param latency: seconds the server waits before each answer.
    :param size: bytes in each answer.
    :param workers: pool sizes to measure (each >= 1).
    :param asyncio_limits: in-flight limits for asyncio (each >= 1; may be empty).
    :param repeats: measured runs per configuration (>= 5).
    :param timeout: seconds allowed per connect and per read of each fetch.
    :raises RuntimeError: if any fetch fails during the measurement.
    """
    from .httpserver import ServerProcess

    check_int("count", count, minimum=1)
    check_int("repeats", repeats, minimum=MIN_REPEATS)
    check_seconds("latency", latency)
    check_int("size", size, minimum=0)
    check_seconds("timeout", timeout, allow_zero=False)
    if not workers:
        raise ValueError("workers must list at least one pool size")
    for w in list(workers) + list(asyncio_limits):
        check_int("workers", w, minimum=1)
    if len(set(workers)) != len(workers) or len(set(asyncio_limits)) != len(asyncio_limits):
        raise ValueError("workers and asyncio_limits must not repeat a value")

    def measure_all(url_list: list[str]) -> Suite:
        with ExitStack() as stack:
            loop = asyncio.new_event_loop()
            stack.callback(loop.close)
            configs: list[tuple[str, int, Callable[[list[str]], list[FetchResult]]]] = [
                ("sequential", 1, lambda us: fetch_sequential(us, timeout))]
            for w in workers:
                pool = stack.enter_context(ThreadPoolExecutor(w, thread_name_prefix="gilref-fetch"))

                def run_pool(us: list[str], w: int = w, pool: ThreadPoolExecutor = pool) -> list[FetchResult]:
                    return fetch_threads(us, w, timeout, executor=pool)

                configs.append(("threads", w, run_pool))
            for w in asyncio_limits:
                def run_async(us: list[str], w: int = w) -> list[FetchResult]:
                    bound = -(-len(us) // w) * timeout + 1.0
                    return loop.run_until_complete(asyncio.wait_for(fetch_all_async(us, timeout, w), bound))
                configs.append(("asyncio", w, run_async))
            # One warm-up round (as many URLs as the configuration has workers:
            # it starts every pool's threads), then the measured rounds in turn.
            values, _ = interleave([partial(_timed, run, url_list) for _, _, run in configs],
                                   repeats=repeats, warmups=1,
                                   warmup_runs=[partial(_timed, run, url_list[:w]) for _, w, run in configs])
        suite = Suite(metadata=collect_metadata())
        params = {"urls": len(url_list), "latency_s": latency, "size_bytes": size, "timeout_s": timeout,
                  "pool": "started before timing"}
        for (mode, w, _), vals in zip(configs, values):
            suite.add(Timing("fetch", mode, w, tuple(vals), (), dict(params)))
        return suite

    # Every configuration is measured from one thread that runs no event loop of
    # its own (in a notebook, a helper thread: the kernel's thread runs one).
    bound = 900.0
    if urls is not None:
        checked = check_urls(urls)
        return _loop.outside_loop(lambda: measure_all(checked), bound)
    runs = (len(workers) + len(asyncio_limits) + 1) * (repeats + 1)
    with ServerProcess(latency, size, max_requests=runs * count + 100, lifetime=bound) as server:
        served = server.urls(count)
        suite = _loop.outside_loop(lambda: measure_all(served), bound)
    suite.metadata["server"] = {"kind": "gilref.topics.httpserver.ServerProcess", **server.stats}
    return suite


def _timed(run: Callable[[list[str]], list[FetchResult]], urls: list[str]) -> float:
    start = time.perf_counter()
    results = run(urls)
    elapsed = time.perf_counter() - start
    bad = [r for r in results if not r.ok]
    if bad:
        raise RuntimeError(f"{len(bad)} of {len(results)} fetches failed during a measurement, "
                           f"e.g. {bad[0].url}: {bad[0].error}")
    return elapsed
