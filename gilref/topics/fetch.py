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
import re
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
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
from ..core.verdicts import Claim, Interval, Invariant, at_most, check, invariant, ratio_interval
from ._crosscheck import agreement

__all__ = [
    "ASYNCIO_MATCH",
    "ERROR_SLACK_S",
    "IDEAL_SLACK",
    "MONOTONE_SLACK",
    "SCALE_SHARE",
    "SCALE_UP_TO",
    "FetchResult",
    "agreement",
    "asyncio_verdict",
    "check_urls",
    "code_span",
    "error_demo",
    "error_invariants",
    "error_rows",
    "errors_verdict",
    "fetch_all_async",
    "fetch_asyncio",
    "fetch_invariants",
    "fetch_sequential",
    "fetch_suite",
    "fetch_threads",
    "fetch_url",
    "fetch_url_async",
    "first_fetch_invariants",
    "first_fetch_text",
    "parse_example",
    "result_rows",
    "suite_rows",
    "threads_verdict",
]

# -- thresholds of the verdicts and invariants ---------------------------------------

#: The share of the ideal speedup (N threads: N times one after another) every pool
#: size must reach for "threads scale": 90%. Each fetch waits 50 ms and does well
#: under a millisecond of Python work, so the serial part costs a few per cent at
#: 16 threads; 90% leaves room for that and for the pool's hand-offs.
SCALE_SHARE = 0.9
#: The largest pool the scaling claim speaks for (threads): it is decided only if
#: the suite measured a pool at least this large.
SCALE_UP_TO = 16
#: asyncio "keeps up" with threads when its speedup, at the largest concurrency both
#: were measured at, is at least this share of the threads' (90%).
ASYNCIO_MATCH = 0.9
#: Slack over 100% of the ideal before "faster than ideal" breaks an invariant: 5%
#: (the quartile bounds already absorb most noise; this covers the timer and the
#: sequential runs' connection set-up, which pools amortise over their warm-up).
IDEAL_SLACK = 0.05
#: How much slower (a fraction) a larger pool may be than a smaller one before
#: "wall time falls with threads" breaks: 10%, compared on quartiles.
MONOTONE_SLACK = 0.10
#: Seconds a run with failing URLs may take beyond its per-fetch timeout (1 s:
#: connection set-up, the pool's start and shutdown, a busy host).
ERROR_SLACK_S = 1.0

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


def suite_rows(suite: Suite) -> list[dict[str, Any]]:
    """One table row per configuration of a :func:`fetch_suite` run: median, speedup with
    its quartile interval, and the share of the ideal (the median's and the interval's)."""
    rows = []
    for t in [suite.baseline("fetch"), *suite.select("fetch", "threads"), *suite.select("fetch", "asyncio")]:
        rows.append({
            "configuration": "one after another" if t.mode == "sequential" else
                             f"{t.workers} thread{'s' * (t.workers > 1)}" if t.mode == "threads" else
                             f"asyncio, {t.workers} in flight",
            "median (s)": f"{t.median:.3f}",
            "speedup (quartile interval)": suite.speedup_interval(t).text(),
            "share of ideal": _share(suite, t).scaled(100).text(".0f", "%"),
        })
    return rows


def code_span(text: str) -> str:
    """*text* as a Markdown code span (``""`` for no text), so that the page shows it verbatim:
    an error message keeps its straight quotes instead of the typographer's curly ones.

    The fence is one backtick longer than the longest run of backticks inside *text*, and a
    space pads a text that starts or ends with a backtick (CommonMark's rules).
    """
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def error_rows(demo: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One table row per URL of :func:`error_demo`: each client's outcome, time and error (the
    URL's path and the errors as code: the real text, as the program printed it)."""
    rows = []
    for t, a in zip(demo["threads"], demo["asyncio"]):
        rows.append({"URL": code_span(result_rows([t])[0]["URL"]),
                     "threads": f"{t.kind} ({t.seconds * 1000:.0f} ms)",
                     "threads' error": code_span(t.error or ""),
                     "asyncio": f"{a.kind} ({a.seconds * 1000:.0f} ms)",
                     "asyncio's error": code_span(a.error or "")})
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
        "asyncio_s" (wall seconds of each run), "timeout_s", "urls" (the URLs
        fetched, in order), "server": stats}``.
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
            "timeout_s": timeout, "urls": urls, "server": server.stats.to_dict()}


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


# -- the reader's scripts' output ----------------------------------------------------

_EX_HEAD = re.compile(r"^(\d+) URLs?(?: on one thread)?, median of (\d+) runs?:", re.M)
_EX_THREADS = re.compile(r"^\s+(sequential|(\d+) threads?)\s+([\d.]+) s\s+([\d.]+)x sequential", re.M)
_EX_ASYNCIO = re.compile(r"^\s+(\d+) in flight\s+([\d.]+) s\s+([\d.]+)x one at a time", re.M)


def parse_example(text: str) -> dict[str, Any]:
    """The timing lines of ``examples/fetch_threads.py`` or ``fetch_asyncio.py`` output.

    :returns: ``{"script": "threads" or "asyncio", "urls": URLs per run, "repeats":
        runs per median, "runs": [{"mode": "sequential" / "threads" / "asyncio",
        "workers": threads or fetches in flight, "seconds": median wall time [s],
        "speedup": the script's own speedup over its baseline}]}`` (the asyncio
        script's baseline, one in flight, has mode ``"sequential"``).
    :raises ValueError: if *text* holds no header line or no timing line.
    """
    head = _EX_HEAD.search(text)
    if head is None:
        raise ValueError("no 'N URLs, median of R runs' line in the example's output")
    runs: list[dict[str, Any]] = []
    for m in _EX_THREADS.finditer(text):
        seq = m.group(1) == "sequential"
        runs.append({"mode": "sequential" if seq else "threads", "workers": 1 if seq else int(m.group(2)),
                     "seconds": float(m.group(3)), "speedup": float(m.group(4))})
    script = "threads"
    if not runs:
        script = "asyncio"
        for m in _EX_ASYNCIO.finditer(text):
            w = int(m.group(1))
            runs.append({"mode": "sequential" if w == 1 else "asyncio", "workers": w,
                         "seconds": float(m.group(2)), "speedup": float(m.group(3))})
    if not runs:
        raise ValueError("no timing line in the example's output")
    return {"script": script, "urls": int(head.group(1)), "repeats": int(head.group(2)), "runs": runs}


def _largest_run(example: Mapping[str, Any]) -> Mapping[str, Any]:
    return max((r for r in example["runs"] if r["mode"] != "sequential"), key=lambda r: r["workers"],
               default=example["runs"][0])


def _example_sentence(example: Mapping[str, Any] | None, holds: bool | None, suite_share: Interval | None) -> str:
    """How the reader's threads script, run on the page, compares with the verdict (one sentence, or '')."""
    if not example:
        return ""
    run = _largest_run(example)
    ideal = min(run["workers"], example["urls"])
    share = run["speedup"] / ideal
    where = f"{run['workers']} threads"
    said = (f" The reader's script below, run by this build, fetched {example['urls']} URLs with {where} "
            f"{run['speedup']:.2f}× faster than one after another ({share * 100:.0f}% of the ideal "
            f"{ideal}×, the median of {example['repeats']} runs)")
    how = agreement(holds, share >= SCALE_SHARE)
    if how is not None:
        return f"{said}: {how}."
    ours = f" ({suite_share.scaled(100).text('.0f', '%')} in the measurement above)" if suite_share else ""
    if share < SCALE_SHARE:
        return (said + f": less than the measurement's share at {where}{ours}, because the script's server "
                "runs in the script's own process and its threads compete with the client for that "
                "process's GIL, and each of its fetches does more Python work (urllib.request), on fewer runs.")
    return (said + f": more than the measurement's share at {where}{ours}; the script times one round of "
            f"{example['urls']} URLs, a few times, where the measurement's verdict rests on the spread of "
            "its runs.")


def _counts(ws: Sequence[int]) -> str:
    xs = [str(w) for w in ws]
    return xs[0] if len(xs) == 1 else ", ".join(xs[:-1]) + " and " + xs[-1]


def _share(suite: Suite, t: Timing) -> Interval:
    """The speedup over one after another as a share of the ideal (workers, or URLs if fewer)."""
    ideal = min(t.workers, int(t.params.get("urls", t.workers)))
    return suite.speedup_interval(t).scaled(1 / ideal)


# -- verdicts ------------------------------------------------------------------------


def threads_verdict(suite: Suite, example: Mapping[str, Any] | None = None) -> Claim:
    """Claim ``threads_scale``: every pool size reached :data:`SCALE_SHARE` of the ideal speedup.

    Decided on each pool's speedup interval (quartiles of the repeats, as a
    share of the ideal): it holds when every pool's whole interval is at or above
    the threshold and the largest pool has at least :data:`SCALE_UP_TO` threads,
    is contradicted when some pool's whole interval is below it, and is
    undecided otherwise. The sentence names the thread counts it was decided at
    (the diagnose chapter reads this claim for its 8-thread fetch program).

    :param suite: from :func:`fetch_suite` (workload ``"fetch"``, mode ``"threads"``).
    :param example: :func:`parse_example` of ``examples/fetch_threads.py``'s
        output on the same page, stated beside the verdict (and why it differs).
    """
    threads = suite.select("fetch", "threads")
    if not threads:
        raise ValueError("the suite has no thread-pool timings of 'fetch'")
    shares = {t.workers: _share(suite, t) for t in threads}
    largest = threads[-1]
    decided = {w: shares[w].at_least(SCALE_SHARE) for w in shares}
    holds: bool | None = (False if False in decided.values() else None if None in decided.values() else True)
    too_few = holds is True and largest.workers < SCALE_UP_TO
    if too_few:
        holds = None
    # The pool the sentence names: one that decided the outcome (short of the threshold,
    # straddling it), else the weakest.
    deciding = [w for w, d in decided.items() if d is (False if holds is False else None)] or list(shares)
    ww = min(deciding, key=lambda w: shares[w].low)
    why = (f"no pool of {SCALE_UP_TO} threads was measured" if too_few else
           f"the {ww}-thread pool's interval straddles the threshold")
    ex_share = shares.get(_largest_run(example)["workers"]) if example else None
    seq = suite.baseline("fetch")
    return check(
        "threads_scale",
        f"threads speed up I/O-bound fetching almost in proportion to their number: at least "
        f"{SCALE_SHARE * 100:.0f}% of the ideal speedup up to {SCALE_UP_TO} threads",
        holds,
        worst=shares[ww], ww=ww, why=why, top=suite.speedup_interval(largest),
        wtop=largest.workers, counts=_counts(list(shares)), urls=seq.params.get("urls"),
        latency_ms=float(seq.params.get("latency_s", 0)) * 1000, threshold=Interval.exact(SCALE_SHARE),
        repeats=len(seq.values), ex=_example_sentence(example, holds, ex_share),
        supported="**Threads scaled.** At {counts} threads ({urls} URLs, {latency_ms:g} ms each, "
                  "quartiles of {repeats} runs) every pool reached at least {threshold:.0%} of the "
                  "ideal speedup (the weakest, {ww} threads, {worst:.0%}); {wtop} threads fetched the "
                  "URLs {top} faster than one after another.{ex}",
        contradicted="Threads fell short of {threshold:.0%} of the ideal speedup: at {ww} threads "
                     "the whole interval of the runs stays below it ({worst:.0%}; measured at {counts} "
                     "threads, {wtop} threads: {top}).{ex}",
        unclear="This run cannot decide whether threads reach {threshold:.0%} of the ideal speedup at "
                "{counts} threads: {why} ({ww} threads reached {worst:.0%} of the ideal; {wtop} threads: "
                "{top}).{ex}",
    )


def _asyncio_example_sentence(example: Mapping[str, Any] | None, threads_example: Mapping[str, Any] | None,
                              holds: bool | None) -> str:
    """The asyncio script against the threads script at the same count (one sentence, or '')."""
    if not example:
        return ""
    run = _largest_run(example)
    said = (f" The reader's asyncio script below, run by this build, fetched {example['urls']} URLs with "
            f"{run['workers']} in flight {run['speedup']:.2f}× faster than one at a time")
    twin = next((r for r in (threads_example or {}).get("runs", [])
                 if r["mode"] == "threads" and r["workers"] == run["workers"]), None)
    if twin is None or twin["speedup"] <= 0:
        return said + "."
    rel = run["speedup"] / twin["speedup"]
    said += (f", and the threads script {twin['speedup']:.2f}× on {twin['workers']} threads: "
             f"{rel * 100:.0f}% of it")
    how = agreement(holds, rel >= ASYNCIO_MATCH)
    if how is not None:
        return f"{said}: {how}."
    return (said + f", on the other side of the threshold from the measurement; each script times a few runs "
            f"of one round of {example['urls']} URLs, so one slow answer moves its median.")


def asyncio_verdict(suite: Suite, example: Mapping[str, Any] | None = None,
                    threads_example: Mapping[str, Any] | None = None) -> Claim:
    """Claim ``asyncio_matches``: asyncio reached :data:`ASYNCIO_MATCH` of the threads' speedup.

    Compared at the largest count both were measured at (threads, fetches in
    flight), on the interval of threads' time over asyncio's time (quartiles).

    :param example: :func:`parse_example` of ``examples/fetch_asyncio.py``'s output.
    :param threads_example: the same of ``examples/fetch_threads.py``, to compare the two scripts.
    """
    common = sorted({t.workers for t in suite.select("fetch", "threads")}
                    & {t.workers for t in suite.select("fetch", "asyncio")})
    if not common:
        raise ValueError("threads and asyncio share no concurrency in this suite")
    w = common[-1]
    t, a = suite.get("fetch", "threads", w), suite.get("fetch", "asyncio", w)
    rel = ratio_interval(t.values, a.values)  # > 1: asyncio faster
    holds = rel.at_least(ASYNCIO_MATCH)
    return check(
        "asyncio_matches",
        f"asyncio on one thread overlaps network waits as well as a thread pool does "
        f"(at least {ASYNCIO_MATCH * 100:.0f}% of its speedup)",
        holds,
        a=suite.speedup_interval(a), t=suite.speedup_interval(t), rel=rel, w=w,
        threshold=Interval.exact(ASYNCIO_MATCH), ex=_asyncio_example_sentence(example, threads_example, holds),
        supported="**asyncio kept up.** With {w} fetches in flight on one thread it reached {a}, "
                  "against {t} for {w} threads: {rel:.0%} of the threads' speedup.{ex}",
        contradicted="asyncio with {w} fetches in flight reached {a}, clearly less than the {t} of "
                     "{w} threads on this host ({rel:.0%} of it, below {threshold:.0%}).{ex}",
        unclear="This run cannot tell whether asyncio keeps up: with {w} in flight it reached {a} "
                "against {t} for {w} threads, {rel:.0%} of it, an interval that straddles "
                "{threshold:.0%}.{ex}",
    )


def errors_verdict(demo: Mapping[str, Any]) -> Claim:
    """Claim ``errors_reported``: every URL of :func:`error_demo` got its own, right, result.

    Holds when both clients returned one result per URL, the three good URLs
    succeeded, the 500 was an ``http-error``, the slow URL a ``timeout``, and
    neither run took longer than its timeout plus :data:`ERROR_SLACK_S`.
    """
    urls = len(demo["urls"]) if "urls" in demo else 7
    ok = True
    for client in ("threads", "asyncio"):
        rs = demo[client]
        kinds = [r.kind for r in rs]
        ok = ok and len(rs) == urls and kinds.count("ok") == 3 and "timeout" in kinds and "http-error" in kinds
    longest = max(demo["threads_s"], demo["asyncio_s"])
    ok = ok and longest <= demo["timeout_s"] + ERROR_SLACK_S
    return check(
        "errors_reported",
        "a failing URL is reported on its own and does not take down the pool or lose the other results",
        ok,
        t=demo["threads_s"], a=demo["asyncio_s"], timeout=demo["timeout_s"], slack=ERROR_SLACK_S,
        supported="**Every URL got its own result.** The good URLs succeeded, each failure was reported "
                  "with its cause, and the slow URL cost its timeout and no more: the whole run took "
                  "{t:.2f} s on threads and {a:.2f} s with asyncio, for a {timeout:g} s timeout.",
        contradicted="Not every URL was reported as expected, or a run outlived its {timeout:g} s timeout "
                     "by more than {slack:g} s (threads: {t:.2f} s, asyncio: {a:.2f} s); see the table.",
    )


# -- invariants ----------------------------------------------------------------------


def fetch_invariants(suite: Suite) -> list[Invariant]:
    """What must hold of a :func:`fetch_suite` run if it was sound, compared on quartiles.

    * ``fetch_n_times_one``: the throughput at N threads is at most N times that
      of one thread (of the 1-thread pool; of one after another if none);
    * ``fetch_share_of_ideal``: no configuration beats the ideal speedup over one
      after another by more than :data:`IDEAL_SLACK`;
    * ``fetch_server_capacity``: no configuration fetched faster than the server
      can answer: at most ``min(N, the server's peak concurrency) / latency``
      answers per second;
    * ``fetch_time_falls``: a larger pool (or more in flight) is not slower than
      a smaller one by more than :data:`MONOTONE_SLACK`, up to saturation (as
      many workers as URLs: beyond that there is nothing more to overlap).
    """
    seq = suite.baseline("fetch")
    urls = int(seq.params["urls"])
    latency = float(seq.params["latency_s"])
    peak = int(suite.metadata.get("server", {}).get("peak_concurrency", 0)) or None
    out: list[Invariant] = []

    def rate(t: Timing) -> list[float]:
        return [urls / v for v in t.values]

    threads = suite.select("fetch", "threads")
    one = next((t for t in threads if t.workers == 1), seq)
    if one is not seq:
        alike = (at_most(one.values, seq.values, slack=MONOTONE_SLACK)
                 and at_most(seq.values, one.values, slack=MONOTONE_SLACK))
        out.append(invariant(
            "fetch_one_thread_as_sequential", "one thread fetched as fast as one after another (within {slack:.0%})",
            alike, slack=MONOTONE_SLACK,
            cause="the host's load changed between the runs ({a:.3f} s one after another, {b:.3f} s on one "
                  "thread, medians)", a=seq.median, b=one.median))
    bad = [t for t in threads if not at_most(rate(t), [t.workers * r for r in rate(one)], slack=IDEAL_SLACK)]
    out.append(invariant(
        "fetch_n_times_one", "the fetch rate at N threads was at most N times the rate of {one}", not bad,
        cause="the {one} runs were slowed (a busy host, a cold connection) more than the larger pools' runs",
        one="one thread" if one is not seq else "one after another",
        broken=[t.workers for t in bad]))
    timed = [*threads, *suite.select("fetch", "asyncio")]
    worst = max(timed, key=lambda t: _share(suite, t).low)
    out.append(invariant(
        "fetch_share_of_ideal", "no configuration beat the ideal speedup (its share of ideal at most 100%)",
        _share(suite, worst).low <= 1 + IDEAL_SLACK,
        cause="the runs one after another were slowed more than the others (the host was busier then); "
              "the highest was {label}, {share:.0f}% of ideal",
        label=worst.label, share=_share(suite, worst).low * 100))
    if latency > 0:
        over = []
        for t in [seq, *timed]:
            cap = min(t.workers, urls, peak or t.workers) / latency
            if not at_most(rate(t), cap):
                over.append(t.label)
        out.append(invariant(
            "fetch_server_capacity",
            "no configuration fetched faster than the server can answer (N in progress at once, "
            "{latency_ms:g} ms each, at most {peak} at once seen by the server)",
            not over, cause="the server answered before its latency had passed, or the timer is wrong: {over}",
            latency_ms=latency * 1000, peak=peak if peak else "?", over=", ".join(over) or "none"))
    rising = []
    for mode in ("threads", "asyncio"):
        ts = [t for t in suite.select("fetch", mode) if t.workers <= urls]
        for a, b in zip(ts, ts[1:]):
            if not at_most(b.values, a.values, slack=MONOTONE_SLACK):
                rising.append(f"{b.label} slower than {a.label}")
    out.append(invariant(
        "fetch_time_falls", "the wall time fell (or held) as threads or fetches in flight were added, "
        "up to as many as there are URLs", not rising,
        cause="the host was busier during the larger configurations' runs ({what})",
        what="; ".join(rising) or "none"))
    return out


def first_fetch_invariants(result: FetchResult, latency: float) -> list[Invariant]:
    """One fetch from a server with *latency* seconds: it succeeded and took at least the latency."""
    return [invariant(
        "first_fetch", "one fetch succeeded and took at least the server's {latency_ms:g} ms",
        result.ok and result.seconds >= latency,
        cause="the server did not wait, or the fetch failed ({kind}, {ms:.1f} ms)",
        latency_ms=latency * 1000, kind=result.kind, ms=result.seconds * 1000)]


def first_fetch_text(first_s: float, suite: Suite) -> str:
    """A sentence setting the chapter's first fetch (*first_s*, seconds) beside the fetches of
    :func:`fetch_suite`'s one-after-another runs: each of those, its median run divided by its URLs
    (with the quartile runs' range), and the first fetch's difference from that median, called
    its extra cost (or said to be within their range, or below it).

    Both are one ``GET`` on a fresh connection to a server that waits the same latency; the first
    is the first request this process made, to a server in this process, and this page does not
    break its extra cost down.
    """
    seq = suite.baseline("fetch")
    urls = int(seq.params["urls"])
    if urls < 1 or first_s <= 0:
        raise ValueError("need a positive first fetch and at least one URL")
    q = sorted(seq.values)
    low, high = q[len(q) // 4] / urls, q[(3 * len(q)) // 4] / urls
    each = seq.median / urls
    head = (f"Each of the {urls:,} fetches of the one-after-another runs below took {each * 1000:.1f} ms "
            f"(their median run divided by {urls:,}; {low * 1000:.1f}–{high * 1000:.1f} ms over the quartile runs)")
    if first_s > high:
        return (head + f", so this first fetch cost {(first_s - each) * 1000:.1f} ms more: the first request of this "
                "process, to a server running in this process; this page does not measure what that extra cost "
                "is made of.")
    if first_s < low:
        return head + f", so this first fetch, at {first_s * 1000:.1f} ms, was faster than those."
    return head + ": this first fetch took as long as those."


def error_invariants(demo: Mapping[str, Any]) -> list[Invariant]:
    """:func:`error_demo`: one result per URL from each client, and no fetch outlived its deadline."""
    urls = len(demo["urls"]) if "urls" in demo else len(demo["threads"])
    counts = (len(demo["threads"]), len(demo["asyncio"]))
    longest = max((r.seconds for r in [*demo["threads"], *demo["asyncio"]]), default=0.0)
    return [
        invariant("errors_one_per_url", "each client returned one result per URL ({urls})",
                  counts == (urls, urls), cause="a result was lost or doubled ({t} and {a} results)",
                  urls=urls, t=counts[0], a=counts[1]),
        invariant("errors_within_deadline", "no fetch took longer than its {timeout:g} s timeout plus {slack:g} s",
                  longest <= demo["timeout_s"] + ERROR_SLACK_S,
                  cause="a timeout did not fire in time (the longest fetch took {longest:.2f} s)",
                  timeout=demo["timeout_s"], slack=ERROR_SLACK_S, longest=longest),
    ]
