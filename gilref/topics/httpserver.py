"""A local HTTP server with a chosen latency, for fetching demos that need no network.

:class:`LatencyServer` is a :class:`http.server.ThreadingHTTPServer` bound to a
loopback address (``127.0.0.1`` by default, port 0 = a free port chosen by the
operating system). Every ``GET`` waits a configurable *latency* before it
answers with a body of a configurable *size*, the way a distant web server
would; one connection is served per thread, so many requests wait at once.

A request can change its own answer with query parameters, which is how the
demos inject errors::

    /item/3                     the server's default latency and size, status 200
    /item/3?latency=0.2         wait 0.2 s instead
    /item/3?size=65536          send 65,536 bytes
    /item/3?status=500          answer "500 Internal Server Error" (after the latency)
    /item/3?drop=1              close the connection without any answer

The server is bounded: it refuses to wait longer than *max_latency* seconds,
answers ``503`` once it has served *max_requests* requests, stops accepting
connections after *lifetime* seconds, and :meth:`LatencyServer.stop` (or
leaving the ``with`` block) wakes every waiting handler, closes every socket and
joins every thread it started.

``python -m gilref.topics.httpserver`` runs one in its own process (see
:class:`ServerProcess`), so that the server's Python code does not compete for
the client's GIL. Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import selectors
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Sequence
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

from ..core._checks import check_int, check_seconds
from ..core.paths import env_importing_gilref

__all__ = [
    "LatencyServer",
    "ServerProcess",
    "ServerStats",
    "check_loopback",
    "main",
    "unused_port",
]

_CHUNK = 64 * 1024
_MAX_LINE = 8192  # bytes in a request line or header line


def check_loopback(host: Any) -> str:
    """Return *host* if it names a loopback address (``127.0.0.0/8``, ``::1``, ``localhost``).

    :raises TypeError: if *host* is not a string.
    :raises ValueError: for any other address: the demos never listen beyond this machine.
    """
    if not isinstance(host, str):
        raise TypeError(f"host must be a string, not {type(host).__name__}")
    if host == "localhost":
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"host must be a loopback IP address such as '127.0.0.1', got {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"host must be a loopback address (127.0.0.0/8 or ::1), got {host!r}")
    return host


def unused_port(host: str = "127.0.0.1") -> int:
    """A loopback port that nothing listens on right now (bound, read, released).

    Connecting to it is refused, which is how the demos show a server that is down.
    """
    check_loopback(host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ServerStats:
    """What a server has done so far (thread-safe counters).

    :ivar requests: requests received (including refused ones).
    :ivar statuses: count of responses per HTTP status code.
    :ivar dropped: connections closed on purpose without an answer (``drop=1``).
    :ivar peak_concurrency: the most requests that were being served at the same moment.
    :ivar aborted: requests whose client had gone when the answer was sent, or
        that were cut short by :meth:`LatencyServer.stop`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.statuses: dict[int, int] = {}
        self.dropped = 0
        self.aborted = 0
        self.peak_concurrency = 0
        self._active = 0

    def begin(self) -> int:
        """Count a new request; return its number (1 for the first)."""
        with self._lock:
            self.requests += 1
            self._active += 1
            self.peak_concurrency = max(self.peak_concurrency, self._active)
            return self.requests

    def end(self, status: int | None = None, *, dropped: bool = False, aborted: bool = False) -> None:
        """Count the end of a request: its *status*, or that it was dropped or aborted."""
        with self._lock:
            self._active -= 1
            if status is not None:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            self.dropped += int(dropped)
            self.aborted += int(aborted)

    def to_dict(self) -> dict[str, Any]:
        """The counters as a JSON-ready dict (status codes as string keys)."""
        with self._lock:
            return {
                "requests": self.requests,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "dropped": self.dropped,
                "aborted": self.aborted,
                "peak_concurrency": self.peak_concurrency,
            }


_REASONS = {int(st): st.phrase for st in HTTPStatus}


class _Handler(socketserver.StreamRequestHandler):
    """Answers ``GET /anything?latency=&size=&status=&drop=`` (see the module docstring).

    A deliberately small HTTP/1.0 handler: it reads the request line and the
    headers, waits, and writes the whole answer at once. The general-purpose
    :class:`http.server.BaseHTTPRequestHandler` spends about a third more CPU per
    request parsing headers with the e-mail parser; with 16 requests arriving
    at once, that cost queues on the server's GIL and shows in every round.
    """

    server: _Server
    timeout = 10.0  # seconds a client may take to send its request line and headers
    disable_nagle_algorithm = True  # TCP_NODELAY: no stall waiting for the client's ACK

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def handle(self) -> None:
        try:
            request_line = self.rfile.readline(_MAX_LINE + 1)
            while True:  # skip the headers: this server needs none of them
                line = self.rfile.readline(_MAX_LINE + 1)
                if line in (b"\r\n", b"\n", b"") or len(line) > _MAX_LINE:
                    break
        except OSError:  # the client went away or sent nothing in time
            return
        if not request_line:
            return
        owner = self.server.owner
        number = owner.stats.begin()
        parts = request_line.decode("iso-8859-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            self._answer(400, b"not an HTTP request line")
            return
        if parts[0] not in ("GET", "HEAD"):
            self._answer(405, b"only GET is served here")
            return
        try:
            latency, size, status, drop = self._params(parts[1])
        except ValueError as exc:
            self._answer(400, str(exc).encode())
            return
        if number > owner.max_requests:
            self._answer(503, b"request budget of this demo server exhausted")
            return
        if owner.stopping.wait(latency):  # woken early: the server is stopping
            owner.stats.end(aborted=True)
            return
        if drop:
            owner.stats.end(dropped=True)
            return
        self._answer(status, _body(size), head_only=parts[0] == "HEAD")

    def _params(self, target: str) -> tuple[float, int, int, bool]:
        owner = self.server.owner
        query = parse_qs(urlsplit(target).query)

        def one(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        latency_text, size_text, status_text = one("latency"), one("size"), one("status")
        latency = owner.latency if latency_text is None else float(latency_text)
        size = owner.size if size_text is None else int(size_text)
        status = 200 if status_text is None else int(status_text)
        if not 0 <= latency <= owner.max_latency:
            raise ValueError(f"latency must be between 0 and {owner.max_latency:g} s")
        if not 0 <= size <= owner.max_size:
            raise ValueError(f"size must be between 0 and {owner.max_size} bytes")
        if not 200 <= status <= 599:
            raise ValueError("status must be an HTTP status code between 200 and 599")
        return latency, size, status, one("drop") in ("1", "true", "yes")

    def _answer(self, status: int, body: bytes, *, head_only: bool = False) -> None:
        kind = "application/octet-stream" if status < 400 else "text/plain"
        head = (f"HTTP/1.0 {status} {_REASONS.get(status, 'Unknown')}\r\n"
                f"Server: gilref-latency/1\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode("ascii")
        try:
            if head_only or not body:
                self.connection.sendall(head)
            elif len(body) <= _CHUNK:
                self.connection.sendall(head + body)
            else:
                self.connection.sendall(head)
                self.connection.sendall(body)
        except OSError:  # the client gave up (timed out) or the server is stopping
            self.server.owner.stats.end(aborted=True)
        else:
            self.server.owner.stats.end(status)


_BODY_CACHE: dict[int, bytes] = {}


def _body(size: int) -> bytes:
    body = _BODY_CACHE.get(size)
    if body is None:
        pattern = b"gilref latency server payload\n"
        body = (pattern * (size // len(pattern) + 1))[:size]
        if size <= 1 << 20:
            _BODY_CACHE[size] = body
    return body


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that joins its handler threads on close and knows its sockets."""

    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True
    request_queue_size = 256  # many clients connect at once; the default backlog (5) drops some
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: LatencyServer) -> None:
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        super().__init__(address, _Handler)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._conn_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def cut_connections(self) -> None:
        """Shut down every open client connection so blocked handlers return at once."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished is normal here; anything else is counted, not printed."""
        self.owner.errors += 1


_S = TypeVar("_S", bound="_StartStop")


class _StartStop:
    """A server used as a context manager: ``with s:`` calls ``s.start()`` and, when
    the block ends, ``s.stop()``; when the block raised, ``s.abandon()`` (which
    stops it too, unless a subclass has a quicker way out)."""

    def start(self: _S) -> _S:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def stop(self) -> object:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def abandon(self) -> None:
        """Leave after an error: stop the server."""
        self.stop()

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.stop()
        else:
            self.abandon()


class LatencyServer(_StartStop):
    """An HTTP server on a loopback address whose every answer takes *latency* seconds.

    Use it as a context manager; the server runs in a background thread::

        with LatencyServer(latency=0.05, size=1024) as server:
            urls = server.urls(16)
            ...  # fetch them
        print(server.stats.to_dict())

    :param latency: default seconds each request waits before its answer (>= 0).
    :param size: default body size of an answer, in bytes (>= 0).
    :param host: the loopback address to bind (default ``127.0.0.1``).
    :param port: the port (default 0: a free one, see :attr:`port`).
    :param max_requests: requests served before it answers ``503`` (>= 1).
    :param lifetime: seconds after :meth:`start` at which it stops accepting (> 0).
    :param max_latency: the longest latency a request may ask for, in seconds.
    :param max_size: the largest body a request may ask for, in bytes.
    """

    def __init__(
        self,
        latency: float = 0.05,
        size: int = 1024,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_requests: int = 10_000,
        lifetime: float = 600.0,
        max_latency: float = 30.0,
        max_size: int = 256 * 1024 * 1024,
    ) -> None:
        self.latency = check_seconds("latency", latency)
        self.size = check_int("size", size, minimum=0)
        self.host = check_loopback(host)
        self.requested_port = check_int("port", port, minimum=0)
        if port > 65535:
            raise ValueError(f"port must be <= 65535, got {port}")
        self.max_requests = check_int("max_requests", max_requests, minimum=1)
        self.lifetime = check_seconds("lifetime", lifetime, allow_zero=False)
        self.max_latency = check_seconds("max_latency", max_latency)
        self.max_size = check_int("max_size", max_size, minimum=0)
        if self.latency > self.max_latency:
            raise ValueError(f"latency ({latency:g} s) must not exceed max_latency ({max_latency:g} s)")
        if self.size > self.max_size:
            raise ValueError(f"size ({size} bytes) must not exceed max_size ({max_size} bytes)")
        self.stats = ServerStats()
        self.errors = 0
        self.stopping = threading.Event()
        self.expired = False
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # -- life cycle -----------------------------------------------------------

    def start(self) -> LatencyServer:
        """Bind, listen and start serving in a background thread; return ``self``."""
        if self.stopping.is_set():
            raise RuntimeError("a stopped server cannot be started again; make a new one")
        if self._httpd is not None:
            raise RuntimeError("this server is already started")
        self._httpd = _Server((self.host, self.requested_port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name="gilref-latency-server", daemon=True,
        )
        self._timer = threading.Timer(self.lifetime, self._expire)
        self._timer.daemon = True
        self._thread.start()
        self._timer.start()
        return self

    def _expire(self) -> None:
        """The lifetime is over: stop accepting connections (requests in progress finish)."""
        httpd = self._httpd
        if httpd is not None and not self.stopping.is_set():
            self.expired = True
            httpd.shutdown()
            httpd.socket.close()  # new clients are refused from now on

    def stop(self, timeout: float = 10.0) -> None:
        """Stop: wake waiting handlers, close all sockets, join all threads.

        Safe to call more than once.

        :param timeout: seconds to wait for the serving thread.
        :raises RuntimeError: if a thread is still running after *timeout*.
        """
        self.stopping.set()
        httpd, thread, timer = self._httpd, self._thread, self._timer
        if httpd is None or thread is None or timer is None:
            return
        timer.cancel()
        timer.join(timeout)
        if thread.is_alive() and not self.expired:
            httpd.shutdown()  # returns once serve_forever has
        thread.join(timeout)
        httpd.cut_connections()
        httpd.server_close()  # joins every handler thread
        if thread.is_alive():
            raise RuntimeError(f"the latency server's thread did not stop within {timeout:g} s")

    # -- addresses ------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on (known after :meth:`start`)."""
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of this server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/item/0", **query: Any) -> str:
        """The URL of *path* on this server, with query parameters (``latency``, ``size``,
        ``status``, ``drop``) that override the server's defaults for that request."""
        return _url(self.base_url, path, query)

    def urls(self, count: int, **query: Any) -> list[str]:
        """*count* distinct URLs ``/item/0`` ... on this server (same query for each)."""
        check_int("count", count, minimum=0)
        return [self.url(f"/item/{i}", **query) for i in range(count)]


def _url(base: str, path: str, query: dict[str, Any]) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"path must start with '/', got {path!r}")
    unknown = set(query) - {"latency", "size", "status", "drop"}
    if unknown:
        raise TypeError(f"unknown query parameter(s): {', '.join(sorted(unknown))}")
    text = urlencode({k: (int(v) if isinstance(v, bool) else v) for k, v in query.items() if v is not None})
    return base + path + ("?" + text if text else "")


class ServerProcess(_StartStop):
    """A :class:`LatencyServer` running in a child process (``python -m gilref.topics.httpserver``).

    The child is the server alone, so its Python code never competes with the
    client's GIL, as with a real remote server. Leaving the ``with`` block (or
    :meth:`stop`) closes the child's stdin, which makes it stop and print its
    statistics; a child that does not exit within *timeout* seconds is killed
    with its whole process group.

    :param latency: as for :class:`LatencyServer`, and so are *size*,
        *max_requests* and *lifetime*.
    :param python: the interpreter to run it with (default: this one).
    :param start_timeout: seconds to wait for the child to report its port.
    """

    def __init__(
        self,
        latency: float = 0.05,
        size: int = 1024,
        *,
        max_requests: int = 10_000,
        lifetime: float = 600.0,
        python: str | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        self.latency = check_seconds("latency", latency)
        self.size = check_int("size", size, minimum=0)
        self.max_requests = check_int("max_requests", max_requests, minimum=1)
        self.lifetime = check_seconds("lifetime", lifetime, allow_zero=False)
        self.start_timeout = check_seconds("start_timeout", start_timeout, allow_zero=False)
        self.python = python or sys.executable
        self.port = 0
        self.stats: dict[str, Any] = {}
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> ServerProcess:
        """Start the child and wait until it listens; return ``self``."""
        if self._proc is not None:
            raise RuntimeError("this server process is already started")
        env = env_importing_gilref()
        cmd = [
            self.python, "-m", "gilref.topics.httpserver",
            "--latency", repr(self.latency), "--size", str(self.size),
            "--max-requests", str(self.max_requests), "--lifetime", repr(self.lifetime),
        ]
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, start_new_session=True,
        )
        line = _read_line(self._proc, self.start_timeout)
        try:
            self.port = int(json.loads(line)["port"])
        except (ValueError, KeyError, TypeError):
            err = self._kill()
            raise RuntimeError(f"the server process did not report its port; stderr:\n{err.strip()}") from None
        return self

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the child's server."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/item/0", **query: Any) -> str:
        """As :meth:`LatencyServer.url`."""
        return _url(self.base_url, path, query)

    def urls(self, count: int, **query: Any) -> list[str]:
        """As :meth:`LatencyServer.urls`."""
        check_int("count", count, minimum=0)
        return [self.url(f"/item/{i}", **query) for i in range(count)]

    def stop(self, timeout: float = 15.0) -> dict[str, Any]:
        """Stop the child and return its statistics (see :class:`ServerStats`)."""
        proc = self._proc
        if proc is None:
            return self.stats
        try:
            out, err = proc.communicate("", timeout=timeout)  # closes stdin: the child's cue to stop
        except subprocess.TimeoutExpired:
            self._kill()
            raise RuntimeError(f"the server process did not stop within {timeout:g} s and was killed") from None
        finally:
            self._proc = None
        if proc.returncode != 0:
            raise RuntimeError(f"the server process exited with {proc.returncode}:\n{err.strip()}")
        lines = [ln for ln in out.splitlines() if ln.strip()]
        self.stats = json.loads(lines[-1]) if lines else {}
        return self.stats

    def _kill(self) -> str:
        proc = self._proc
        self._proc = None
        if proc is None:
            return ""
        try:
            os.killpg(proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        _, err = proc.communicate()
        return str(err)

    def abandon(self) -> None:
        """Leave after an error: kill the child rather than wait for its statistics."""
        self._kill()


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The child's first stdout line, waiting at most *timeout* seconds."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            return ""
    return proc.stdout.readline()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gilref.topics.httpserver``: serve until stdin closes or the lifetime ends.

    Prints ``{"port": N}`` when listening and the final statistics as one JSON
    line when stopped.
    """
    parser = argparse.ArgumentParser(prog="python -m gilref.topics.httpserver", description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before each answer")
    parser.add_argument("--size", type=int, default=1024, help="bytes in each answer")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument("--max-requests", type=int, default=10_000, help="requests served before 503")
    parser.add_argument("--lifetime", type=float, default=600.0, help="seconds before it stops by itself")
    args = parser.parse_args(argv)
    try:
        server = LatencyServer(args.latency, args.size, port=args.port, max_requests=args.max_requests,
                               lifetime=args.lifetime)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    with server:
        print(json.dumps({"port": server.port}), flush=True)
        _wait_for_eof_or(server.lifetime)
    print(json.dumps(server.stats.to_dict()), flush=True)
    return 0


def _wait_for_eof_or(seconds: float) -> None:
    """Block until stdin reaches end-of-file or *seconds* pass."""
    done = threading.Event()

    def reader() -> None:
        try:
            while sys.stdin.read(4096):
                pass
        finally:
            done.set()

    threading.Thread(target=reader, name="gilref-stdin-watch", daemon=True).start()
    done.wait(seconds)


if __name__ == "__main__":
    sys.exit(main())
