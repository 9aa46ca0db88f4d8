"""The convoy effect: an I/O-bound thread stuck behind a CPU-bound one.

A thread that serves a socket gives up the GIL every time it blocks in
``recv`` and needs it back as soon as data arrives. With a CPU-bound thread in
the same process, "back" means waiting until that thread is asked to drop the
GIL: about one switch interval (5 ms) per blocking call, so a server that could
answer tens of thousands of requests per second answers a few hundred.
David Beazley reported this in 2010, when the current GIL was new (bpo-7946,
"Convoy effect with I/O bound threads and New GIL").

:func:`measure` reproduces it on this host with an :class:`EchoServer` served
by one thread on ``127.0.0.1`` (port chosen by the OS), and a client in a
separate process that sends small messages one at a time and counts the echoes
(requests per second). Three setups, interleaved and repeated:

``alone``
    nothing else runs in the server's process;
``cpu-thread``
    a CPU-bound thread spins in the server's process;
``cpu-process``
    the same CPU-bound loop runs in a separate process instead.

Everything is bounded: the server binds only the loopback address and serves at
most *max_requests* requests; each run lasts *window* seconds; every wait has a
timeout; the client and CPU processes are stopped (killed if need be) and the
server's thread joined before :func:`measure` returns.

Standard library only; runs in any CPython 3.9+ (GIL or free-threaded) and PyPy.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import socket
import threading
import time
from functools import partial
from typing import Any

from ..core._checks import check_int, check_seconds
from ..core.harness import interleave, run_threads
from ..core.hostinfo import collect_metadata
from ..core.results import Suite, Timing

__all__ = [
    "HOST",
    "MODES",
    "PUBLISHED",
    "EchoServer",
    "listening_ports",
    "measure",
    "requests_per_second",
    "summary",
]

#: The only address the echo server binds: loopback, never reachable from outside.
HOST = "127.0.0.1"
#: The three setups, in the order they are measured.
MODES = ("alone", "cpu-thread", "cpu-process")
ECHO = "echo"
TRIP = "round_trip"
SLOW = "slow_share"
HOG = "cpu_hog"

#: Published figures this chapter sets its own beside (cited, not measured here).
PUBLISHED: tuple[dict[str, Any], ...] = (
    {"source": "Skvortsov 2021", "mode": "alone", "req_per_s": 30_000},
    {"source": "Skvortsov 2021", "mode": "cpu-thread", "req_per_s": 100},
    {"source": "Skvortsov 2021", "mode": "cpu-process", "req_per_s": 20_000},
)
#: Full references for :data:`PUBLISHED` and the original report.
SOURCES = {
    "Beazley 2010": 'David Beazley, ["Convoy effect with I/O bound threads and New GIL"]'
                    "(https://github.com/python/cpython/issues/52194), "
                    "Python bug tracker, bpo-7946 (migrated to python/cpython's GitHub issues as gh-52194), "
                    'February 2010; and ["Understanding the Python GIL"](http://www.dabeaz.com/GIL/), '
                    "PyCon 2010, 20 February 2010.",
    "Skvortsov 2021": 'Victor Skvortsov, ["Python behind the scenes #13: the GIL and its effects on '
                      'Python multithreading"](https://tenthousandmeters.com/blog/'
                      "python-behind-the-scenes-13-the-gil-and-its-effects-on-python-multithreading/), "
                      "tenthousandmeters.com, 2021 (echo server and client: "
                      "[github.com/r4victor/pbts13_gil](https://github.com/r4victor/pbts13_gil)).",
}


class EchoServer:
    """A TCP echo server on ``127.0.0.1``, served by one thread, stopped on :meth:`close`.

    Connections are served one at a time: every ``recv`` of up to 64 KiB is
    sent straight back and counted as one request. Use it as a context manager::

        with EchoServer() as server:
            host, port = server.address
            ...

    A connection ends when the client closes it; :meth:`close` shuts down the
    one being served, so a silent client cannot keep the server alive.

    :param max_requests: the server stops serving after this many requests.
    """

    def __init__(self, *, max_requests: int = 1_000_000) -> None:
        self.max_requests = check_int("max_requests", max_requests, minimum=1)
        self.served = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._conn: socket.socket | None = None
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` the server listens on.

        :raises RuntimeError: if the server is not running.
        """
        if self._listener is None:
            raise RuntimeError("the echo server is not running")
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    def start(self) -> EchoServer:
        """Bind ``127.0.0.1`` on a port the OS chooses, and start serving."""
        if self._listener is not None:
            raise RuntimeError("the echo server is already running")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind((HOST, 0))
            listener.listen(8)
            listener.settimeout(0.1)  # accept() wakes up to notice close()
        except BaseException:
            listener.close()
            raise
        self._listener = listener
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="gilref-echo-server", daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Stop serving, close every socket and join the serving thread.

        :raises RuntimeError: if the thread did not stop within *timeout* seconds.
        """
        self._stop.set()
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(OSError):
                    self._conn.shutdown(socket.SHUT_RDWR)  # wakes a blocked recv()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if thread is not None and thread.is_alive():
            raise RuntimeError(f"the echo server's thread did not stop within {timeout:g} s")

    def __enter__(self) -> EchoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stop.is_set() and self.served < self.max_requests:
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(None)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with self._lock:
                    self._conn = conn
                try:
                    self._echo(conn)
                finally:
                    with self._lock:
                        self._conn = None

    def _echo(self, conn: socket.socket) -> None:
        # A blocking recv, like the servers in the published experiments: it
        # releases the GIL while it waits and needs it back for every message.
        while not self._stop.is_set() and self.served < self.max_requests:
            try:
                data = conn.recv(65536)
            except OSError:  # reset by the client, or shut down by close()
                return
            if not data:
                return
            conn.sendall(data)
            self.served += 1


# -- the processes -------------------------------------------------------------


def _client_main(conn: multiprocessing.connection.Connection) -> None:
    """Client process: on ``("run", port, window, max_requests, size)`` send
    *size*-byte messages to ``127.0.0.1:port`` one at a time for *window* seconds;
    reply ``("ok", requests, seconds, median_round_trip_s, slow_fraction)``
    (*slow_fraction*: share of round trips of 1 ms or more); stop on anything else."""
    while True:
        if not conn.poll(120):
            return  # the parent is gone or stuck: do not linger
        msg = conn.recv()
        if msg[0] != "run":
            return
        _, port, window, max_requests, size = msg
        payload = b"x" * size
        trips: list[float] = []
        try:
            with socket.create_connection((HOST, port)) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                now = start = time.perf_counter()
                end = start + window
                while len(trips) < max_requests and now < end:
                    sent = now
                    sock.sendall(payload)
                    got = 0
                    while got < size:
                        chunk = sock.recv(65536)
                        if not chunk:
                            raise ConnectionError("the echo server closed the connection")
                        got += len(chunk)
                    now = time.perf_counter()
                    trips.append(now - sent)
        except OSError as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}", 0.0, 0.0, 0.0))
            continue
        trips.sort()
        median = trips[len(trips) // 2] if trips else 0.0
        slow = sum(1 for t in trips if t >= 0.001) / len(trips) if trips else 0.0
        conn.send(("ok", len(trips), now - start, median, slow))


def _spinner_main(conn: multiprocessing.connection.Connection) -> None:
    """CPU process: on ``("spin",)`` count in a pure-Python loop until ``("stop",)``
    arrives, then reply ``(steps, seconds)``; exit on ``("exit",)``."""
    while True:
        if not conn.poll(120):
            return
        if conn.recv()[0] != "spin":
            return
        conn.send(("spinning",))
        steps = 0
        start = time.perf_counter()
        while not conn.poll(0):
            for _ in range(20_000):
                pass
            steps += 20_000
        conn.recv()
        conn.send((steps, time.perf_counter() - start))


def _spin_thread(stop: threading.Event, out: dict[str, float]) -> None:
    steps = 0
    start = time.perf_counter()
    while not stop.is_set():
        for _ in range(20_000):
            pass
        steps += 20_000
    out["steps_per_s"] = steps / (time.perf_counter() - start)


def _reply(conn: multiprocessing.connection.Connection, timeout: float, what: str) -> Any:
    if not conn.poll(timeout):
        raise TimeoutError(f"the {what} did not answer within {timeout:g} s")
    return conn.recv()


def _one_run(mode: str, port: int, client: multiprocessing.connection.Connection,
             spinner: multiprocessing.connection.Connection, *, window: float, max_requests: int,
             size: int, timeout: float) -> dict[str, float]:
    """One measurement of *mode*: requests per second (``rps``), median round trip
    (``trip_s``), share of round trips of 1 ms or more (``slow``) and, with a CPU
    hog, its loop steps per second (``hog``)."""
    hog: dict[str, float] = {}
    replies: list[Any] = []

    def ask_client() -> None:
        client.send(("run", port, window, max_requests, size))
        replies.append(_reply(client, window + timeout, "client process"))

    if mode == "cpu-thread":
        # The hog spins beside the thread that waits for the client's answer,
        # which then stops it: both (and the server's threads) share one GIL.
        stop = threading.Event()

        def ask_then_stop() -> None:
            try:
                ask_client()
            finally:
                stop.set()

        run_threads([(_spin_thread, (stop, hog)), (ask_then_stop, ())], window + 2 * timeout,
                    name="gilref-cpu-hog", what="running the CPU-bound thread beside the client")
    else:
        if mode == "cpu-process":
            spinner.send(("spin",))
            _reply(spinner, timeout, "CPU process")
        try:
            ask_client()
        finally:
            if mode == "cpu-process":
                spinner.send(("stop",))
                steps, spun = _reply(spinner, timeout, "CPU process")
                hog["steps_per_s"] = steps / spun
    status, done, seconds, trip, slow = replies[0]
    if status != "ok":
        raise RuntimeError(f"the client failed: {done}")
    if done == 0 or seconds <= 0:
        raise RuntimeError(f"no request completed in {mode} within {window:g} s")
    out = {"rps": done / seconds, "trip_s": trip, "slow": slow}
    if "steps_per_s" in hog:
        out["hog"] = hog["steps_per_s"]
    return out


def _stop_process(proc: Any, conn: multiprocessing.connection.Connection, timeout: float) -> None:
    with contextlib.suppress(OSError):
        conn.send(("exit",))
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join(timeout)
    conn.close()


def measure(
    *,
    window: float = 0.5,
    repeats: int = 5,
    warmups: int = 1,
    message_size: int = 16,
    max_requests: int = 1_000_000,
    timeout: float = 30.0,
) -> Suite:
    """Requests per second of a thread-served echo server in the three :data:`MODES`.

    :param window: seconds the client sends requests in each run.
    :param repeats: recorded runs per mode (>= 5), interleaved across modes.
    :param warmups: unrecorded runs per mode first (>= 0), each at most 0.1 s.
    :param message_size: bytes per request (1 to 65536).
    :param max_requests: most requests the server answers in all (>= 1); a run
        also ends when the client has sent this many.
    :param timeout: seconds any single step (process start, a reply) may take.
    :returns: a :class:`~gilref.core.results.Suite` with, per mode and one value per
        run: ``echo`` (requests per second, unit ``req/s``), ``round_trip`` (the
        run's median request round trip, seconds) and ``slow_share`` (the share
        of round trips of 1 ms or more, a fraction); and ``cpu_hog`` (unit
        ``steps/s``) for the CPU-bound loop in ``cpu-thread`` and ``cpu-process``.
        The metadata records ``port`` (the one the server used) and
        ``requests_served``.
    :raises TimeoutError: if a process did not answer in time (all are stopped).
    """
    check_seconds("window", window, allow_zero=False)
    check_int("repeats", repeats, minimum=5)
    check_int("warmups", warmups, minimum=0)
    check_int("message_size", message_size, minimum=1)
    if message_size > 65536:
        raise ValueError(f"message_size must be at most 65536 bytes, got {message_size}")
    check_int("max_requests", max_requests, minimum=1)
    check_seconds("timeout", timeout, allow_zero=False)

    # spawn: a clean interpreter for each helper, safe next to running threads
    # and the same on every platform and Python version.
    ctx = multiprocessing.get_context("spawn")
    client_end, client_conn = ctx.Pipe()
    spinner_end, spinner_conn = ctx.Pipe()
    client = ctx.Process(target=_client_main, args=(client_end,), name="gilref-echo-client", daemon=True)
    spinner = ctx.Process(target=_spinner_main, args=(spinner_end,), name="gilref-cpu-process", daemon=True)
    try:
        client.start()
        spinner.start()
        client_end.close()
        spinner_end.close()
        with EchoServer(max_requests=max_requests) as server:
            port = server.address[1]

            def one(mode: str, seconds: float) -> dict[str, float]:
                return _one_run(mode, port, client_conn, spinner_conn, window=seconds,
                                max_requests=max_requests, size=message_size, timeout=timeout)

            # Warmup runs are short (at most 0.1 s): they only start the code paths.
            measured, _ = interleave([partial(one, m, window) for m in MODES], repeats=repeats, warmups=warmups,
                                     warmup_runs=[partial(one, m, min(window, 0.1)) for m in MODES])
            runs = dict(zip(MODES, measured))
            served = server.served
    finally:
        for proc, conn in ((client, client_conn), (spinner, spinner_conn)):
            if proc.pid is not None:
                _stop_process(proc, conn, timeout=5)
            else:
                conn.close()

    metadata = collect_metadata()
    metadata["start_method"] = "spawn"
    metadata["requests_served"] = served
    metadata["port"] = port
    suite = Suite(metadata=metadata)
    params = {"window_s": window, "message_size": message_size, "host": HOST}
    # Rates (requests, loop steps per second): higher is better; times and shares: lower.
    for workload, key, unit, better in ((ECHO, "rps", "req/s", "higher"), (TRIP, "trip_s", "s", "lower"),
                                        (SLOW, "slow", "fraction", "lower"), (HOG, "hog", "steps/s", "higher")):
        for mode in MODES:
            values = tuple(r[key] for r in runs[mode] if key in r)
            if values:
                suite.add(Timing(workload, mode, 1, values, unit=unit, better=better, params=params))
    return suite


def listening_ports() -> set[int] | None:
    """TCP ports on which some socket of this machine is listening (any address).

    Read from ``/proc/net/tcp`` and ``/proc/net/tcp6`` (Linux); ``None`` where
    those files do not exist, so a caller can say it could not check.
    """
    ports: set[int] = set()
    found = False
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name, encoding="ascii") as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        found = True
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "0A":  # TCP_LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports if found else None


def requests_per_second(suite: Suite) -> dict[str, float]:
    """Median requests per second per mode of a :func:`measure` suite."""
    return {t.mode: t.median for t in suite.select(ECHO)}


def summary(suite: Suite) -> list[dict[str, Any]]:
    """One row per mode of a :func:`measure` suite, in :data:`MODES` order.

    Keys: ``mode``; ``rps``, ``rps_q1``, ``rps_q3`` (requests per second: median
    and quartiles over runs); ``vs_alone`` (median over the ``alone`` median, a
    fraction); ``trip_s`` (median over runs of each run's median round trip,
    seconds); ``slow`` (median share of round trips of 1 ms or more, a fraction).

    :raises KeyError: if the suite lacks the ``echo`` timing of a mode.
    """
    base = suite.get(ECHO, "alone").median
    rows = []
    for mode in MODES:
        rps = suite.get(ECHO, mode).summary
        rows.append({
            "mode": mode,
            "rps": rps.median,
            "rps_q1": rps.q1,
            "rps_q3": rps.q3,
            "vs_alone": rps.median / base,
            "trip_s": suite.get(TRIP, mode).median,
            "slow": suite.get(SLOW, mode).median,
        })
    return rows
