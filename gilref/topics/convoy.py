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
import re
import socket
import statistics
import threading
import time
from collections.abc import Sequence
from functools import partial
from typing import Any

from ..core._checks import check_int, check_seconds
from ..core.harness import interleave, run_threads
from ..core.hostinfo import collect_metadata
from ..core.results import Suite, Timing
from ..core.verdicts import Claim, Interval, Invariant, at_most, check, invariant, ratio_interval
from ._crosscheck import (
    SPREAD,
    all_of,
    disagreement,
    example_label,
    interpreter_differs,
    labelled,
    load,
    load_phrase,
    overlap,
    slower_build_note,
)

__all__ = [
    "AGREE_FACTOR",
    "CONVOY_SHARE",
    "CORRELATION_RUNS",
    "EXAMPLE_FORMAT",
    "FREE_SHARE",
    "HOST",
    "MAGNITUDE_FACTOR",
    "MODES",
    "NOISE",
    "PROCESS_GAIN",
    "PROCESS_SHARE",
    "PUBLISHED",
    "SPLIT_FACTOR",
    "TRIPS_SLACK",
    "WAKE_CORRELATION",
    "WAKE_IDLE",
    "EchoServer",
    "alone_agreement",
    "alone_speed_reason",
    "awake_baseline",
    "band_decimals",
    "band_pct",
    "convoy_verdict",
    "example_idle",
    "example_load_reason",
    "example_page_comparison",
    "example_rates",
    "faster_beside",
    "free_threaded_verdict",
    "idle_share",
    "listening_ports",
    "magnitude_verdict",
    "measure",
    "measure_invariants",
    "parse_example_output",
    "ports_verdict",
    "process_verdict",
    "published_table",
    "rank_correlation",
    "requests_per_second",
    "share_text",
    "small_convoy_reasons",
    "split_runs",
    "split_runs_text",
    "summary",
    "table",
    "thread_vs_process",
]

#: The only address the echo server binds: loopback, never reachable from outside.
HOST = "127.0.0.1"
#: The three setups, in the order they are measured.
MODES = ("alone", "cpu-thread", "cpu-process")
ECHO = "echo"
TRIP = "round_trip"
TRIP_MEAN = "round_trip_mean"
IDLE = "host_idle"
SLOW = "slow_share"
HOG = "cpu_hog"
#: The ``format`` of what ``examples/convoy.py --json FILE`` writes.
EXAMPLE_FORMAT = "gilref-convoy-example"

# -- thresholds the verdicts and invariants decide on ------------------------------

CONVOY_SHARE = 0.5
"""Share of its requests per second alone below which a server next to a CPU-bound
thread is *convoyed*: it lost more than half, far beyond the runs' noise and
beyond what sharing two cores with a busy loop costs (see ``cpu-process``)."""

MAGNITUDE_FACTOR = 3.0
"""How far (a factor either way) the share of alone kept next to a CPU-bound thread
may lie from the published share (100 of 30,000 requests per second, a third of a
per cent) and still count as a drop of the published size. Three is about half an
order of magnitude (√10 ≈ 3.2): within it the two drops round to the same order;
the whole interval of the repeats must lie within it, and one straddling either
end leaves the claim undecided."""

PROCESS_GAIN = 2.0
"""How many times the requests per second next to a CPU-bound thread the server
must answer with the CPU-bound work in another process to count as recovered."""

PROCESS_SHARE = 0.3
"""And the share of alone it must reach then: with the work in another process
the server competes only for a core, which on a host of two cores shared with
other programs can still cost a good part of its speed."""

FREE_SHARE = 0.25
"""Share of alone the free-threaded server must keep next to a CPU-bound thread
for "no convoy": without a GIL only a core is shared, as with a process."""

NOISE = 0.1
"""Slack of the invariants, as a fraction beyond the repeats' quartiles."""

TRIPS_SLACK = 1e-6
"""Slack of "requests per second times the mean round trip is at most 1", as a
fraction: rounding only. The client times every request back to back inside its
run, so the round trips add up to the run's length and their mean times the rate
is 1; more would mean it counted requests it did not time (a bug, not noise)."""

WAKE_IDLE = 0.1
"""Share of the host's CPU time that must sit idle in the ``alone`` runs (median)
before idle CPUs waking up can explain a server that is faster next to a busy loop:
below a tenth, the CPUs were hardly ever idle, so there was little to wake."""

WAKE_CORRELATION = 0.6
"""How strongly (Spearman's rank correlation, as a magnitude) the host's idle CPU time and the
speed alone must rank against each other across runs before the page names idle CPUs as the
reason one run alone was faster than another: about the two-sided 5% critical value for ten
pairs (0.648), rounded down; the link is then plain to see, and two runs' medians alone are not."""

CORRELATION_RUNS = 6
"""Fewest runs (both runs' together) a rank correlation is computed over before it may name a
reason: with fewer, even a perfect ranking happens by chance too often (1 in 60 for five)."""

#: Where the cost of waking a halted virtual CPU is documented (the reason the
#: Linux kernel lets a guest poll before it halts).
WAKE_SOURCE = "https://docs.kernel.org/virt/guest-halt-polling.html"

AGREE_FACTOR = 1.5
"""How far apart (a factor either way) the example's and the measurement's requests
per second alone may lie before the page must say why: the same server on the same
interpreter, so beyond half again the difference is the host, not the code."""

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
    reply ``("ok", requests, seconds, median_round_trip_s, mean_round_trip_s, slow_fraction)``
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
            conn.send(("error", f"{type(exc).__name__}: {exc}", 0.0, 0.0, 0.0, 0.0))
            continue
        trips.sort()
        median = trips[len(trips) // 2] if trips else 0.0
        mean = sum(trips) / len(trips) if trips else 0.0
        slow = sum(1 for t in trips if t >= 0.001) / len(trips) if trips else 0.0
        conn.send(("ok", len(trips), now - start, median, mean, slow))


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


def _cpu_times() -> tuple[float, float] | None:
    """(idle, total) time of all the host's CPUs so far, in clock ticks, from ``/proc/stat``
    (Linux; ``None`` elsewhere). Idle counts ``idle`` and ``iowait``."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 5:
        return None
    ticks = [float(x) for x in fields[1:9]]
    return ticks[3] + (ticks[4] if len(ticks) > 4 else 0.0), sum(ticks)


def idle_share(before: tuple[float, float] | None, after: tuple[float, float] | None) -> float | None:
    """Share (0 to 1) of the host's CPU time that was idle between two ``_cpu_times`` readings;
    ``None`` if either is missing or no tick passed."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return min(1.0, max(0.0, (after[0] - before[0]) / (after[1] - before[1])))


def _reply(conn: multiprocessing.connection.Connection, timeout: float, what: str) -> Any:
    if not conn.poll(timeout):
        raise TimeoutError(f"the {what} did not answer within {timeout:g} s")
    return conn.recv()


def _one_run(mode: str, port: int, client: multiprocessing.connection.Connection,
             spinner: multiprocessing.connection.Connection, *, window: float, max_requests: int,
             size: int, timeout: float) -> dict[str, float]:
    """One measurement of *mode*: requests per second (``rps``), median and mean round
    trip (``trip_s``, ``mean_s``), share of round trips of 1 ms or more (``slow``), the
    share of the host's CPU time that was idle during the client's run (``idle``,
    where ``/proc/stat`` tells) and, with a CPU hog, its loop steps per second (``hog``)."""
    hog: dict[str, float] = {}
    replies: list[Any] = []
    idle: list[float | None] = []

    def ask_client() -> None:
        client.send(("run", port, window, max_requests, size))
        before = _cpu_times()
        replies.append(_reply(client, window + timeout, "client process"))
        idle.append(idle_share(before, _cpu_times()))

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
    status, done, seconds, trip, mean, slow = replies[0]
    if status != "ok":
        raise RuntimeError(f"the client failed: {done}")
    if done == 0 or seconds <= 0:
        raise RuntimeError(f"no request completed in {mode} within {window:g} s")
    out = {"rps": done / seconds, "trip_s": trip, "mean_s": mean, "slow": slow}
    if idle and idle[0] is not None:
        out["idle"] = idle[0]
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
        run's median request round trip, seconds), ``round_trip_mean`` (its mean
        round trip, seconds), ``slow_share`` (the share of round trips of 1 ms or
        more, a fraction) and, where ``/proc/stat`` tells, ``host_idle`` (the
        share of all the host's CPU time that sat idle during the run, a
        fraction); and ``cpu_hog`` (unit
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
                                        (TRIP_MEAN, "mean_s", "s", "lower"), (SLOW, "slow", "fraction", "lower"),
                                        (IDLE, "idle", "fraction", "lower"), (HOG, "hog", "steps/s", "higher")):
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
    seconds); ``mean_trip_s`` (median over runs of each run's mean round trip,
    seconds, or None); ``slow`` (median share of round trips of 1 ms or more, a
    fraction); ``idle`` (median share of the host's CPU time idle, or None where
    not recorded).

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
            "mean_trip_s": suite.get(TRIP_MEAN, mode).median if _has(suite, TRIP_MEAN, mode) else None,
            "idle": suite.get(IDLE, mode).median if _has(suite, IDLE, mode) else None,
        })
    return rows


# -- tables ------------------------------------------------------------------------


def _us(seconds: float) -> str:
    """Microseconds as the page prints them: one decimal below 100 µs, none (with thousands
    separators) from 100 µs up (``7.2``, ``2,724``)."""
    us = seconds * 1e6
    return f"{us:.1f}" if us < 100 else f"{us:,.0f}"


def table(runs: Sequence[tuple[str, Suite]]) -> list[dict[str, str]]:
    """The chapter's table: one row per build and mode (median, quartiles, share of alone,
    mean round trip in µs, share of round trips of 1 ms or more, share of the host's CPU time
    idle; each a median over the runs of that run's figure), then the published figures. A
    figure not recorded is blank.

    No median round trip: within a run the round trips are of two kinds (a CPU awake or woken,
    the GIL at hand or waited for) in shares that can lie either side of half, so a run's median
    lands on one kind or the other while its mean (one over its rate) stays put
    (:func:`split_runs_text` says so where it happened)."""
    rows = []
    for label, suite in runs:
        for r in summary(suite):
            rows.append({
                "build": label,
                "setup": r["mode"],
                "requests/s: median (quartiles)": f"{r['rps']:,.0f} ({r['rps_q1']:,.0f}–{r['rps_q3']:,.0f})",
                "of alone": share_text(r["vs_alone"]),
                "round trip, mean (µs)": "" if r["mean_trip_s"] is None else _us(r["mean_trip_s"]),
                "trips ≥ 1 ms": f"{r['slow']:.1%}",
                "CPU time idle": "" if r["idle"] is None else f"{r['idle']:.0%}",
            })
    for p in PUBLISHED:
        rows.append({"build": f"published ({p['source']})", "setup": p["mode"],
                     "requests/s: median (quartiles)": f"{p['req_per_s']:,}", "of alone": "",
                     "round trip, mean (µs)": "", "trips ≥ 1 ms": "", "CPU time idle": ""})
    return rows


#: Two runs' median round trips this many times apart belong to different groups (runs on a CPU
#: that stayed awake take about 7 µs here, runs that had to wake one 70–90 µs: a factor of ten).
SPLIT_FACTOR = 3.0


def split_runs(values: Sequence[float]) -> tuple[list[int], list[int]] | None:
    """The indices of the fast and of the slow runs when *values* (each run's median round trip,
    seconds) fall into two groups at least :data:`SPLIT_FACTOR` apart (at the largest gap between
    neighbours, each group at least one run); None when they do not."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    if len(order) < 2 or min(values) <= 0:
        return None
    gaps = [(values[order[k + 1]] / values[order[k]], k) for k in range(len(order) - 1)]
    ratio, at = max(gaps)
    if ratio < SPLIT_FACTOR:
        return None
    return sorted(order[:at + 1]), sorted(order[at + 1:])


def _span(values: Sequence[float], fmt: str = ",.0f", unit: str = "") -> str:
    """``"321–440"`` (low–high of *values*), or one figure when they print alike."""
    lo, hi = format(min(values), fmt), format(max(values), fmt)
    return (lo if lo == hi else f"{lo}–{hi}") + unit


def _trip(seconds: float) -> str:
    """One round trip: in µs below a millisecond (``11 µs``), in ms from one up (``5.1 ms``)."""
    return f"{seconds * 1e3:.1f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:,.0f} µs"


def _trip_span(values: Sequence[float]) -> str:
    """A span of round trips (seconds), each end in its own unit (``11 µs–5.1 ms``, ``2.3–3.1 ms``)."""
    lo, hi = _trip(min(values)), _trip(max(values))
    if lo == hi:
        return lo
    if lo.split()[1] == hi.split()[1]:
        return f"{lo.split()[0]}–{hi}"
    return f"{lo}–{hi}"


def split_runs_text(runs: Sequence[tuple[str, Suite]]) -> str:
    """A note on every build and setup whose runs' *median* round trips fell into two groups
    (:func:`split_runs`), said from the data of each run.

    - When the runs' rates (and so their mean round trips, one over the rate) fall into two
      groups too, whole runs went one way or the other: the note groups the runs on their rates
      and gives the host's idle CPU time in each group where recorded.
    - Otherwise the runs were of one kind and their trips were of two: the note gives the span of
      the runs' rates and mean round trips beside the span of their medians; where each run's share
      of trips of 1 ms or more lies near half, it counts the runs whose median landed among the
      slow trips (share at least half) and among the fast ones.

    ``""`` when no run's median split from the others'.
    """
    whole, within = [], []
    spans: list[tuple[float, float]] = []  # (rates' max over min, medians' max over min) of each entry of within
    for label, suite in runs:
        for mode in MODES:
            if not (_has(suite, TRIP, mode) and _has(suite, ECHO, mode)):
                continue
            medians = list(suite.get(TRIP, mode).values)
            rates = list(_values(suite, mode))
            if split_runs(medians) is None or len(rates) != len(medians):
                continue
            by_rate = split_runs(rates)
            if by_rate is not None:
                slow, fast = by_rate  # the lower rates first
                r = [sorted(rates[i] for i in g)[len(g) // 2] for g in (slow, fast)]
                text = (f"{label}, {mode}: {len(fast)} of its {len(rates)} runs served about {r[1]:,.0f} requests "
                        f"per second and {len(slow)} about {r[0]:,.0f}")
                idle = list(suite.get(IDLE, mode).values) if _has(suite, IDLE, mode) else []
                if len(idle) == len(rates):
                    fi, si = (sum(idle[i] for i in g) / len(g) for g in (fast, slow))
                    text += f" (the host's CPU time idle: {fi:.0%} in the faster runs, {si:.0%} in the slower)"
                whole.append(text)
                continue
            means = [1 / x for x in rates]
            spans.append((max(rates) / min(rates), max(medians) / min(medians)))
            text = (f"{label}, {mode}: its {len(rates)} runs served {_span(rates)} requests per second, a mean "
                    f"round trip of {_trip_span(means)}, while their median round trips lay at "
                    f"{_trip_span(medians)}")
            slow_share = list(suite.get(SLOW, mode).values) if _has(suite, SLOW, mode) else []
            if len(slow_share) == len(rates) and max(slow_share) >= 0.25:
                over = [i for i, x in enumerate(slow_share) if x >= 0.5]
                under = [i for i, x in enumerate(slow_share) if x < 0.5]
                text += (f"; in every run {_span([x * 100 for x in slow_share], '.0f', '%')} of the round trips "
                         "took a millisecond or more")
                if over and under:
                    text += (f", so the median lay among the slow trips in the {len(over)} "
                             f"run{'s' if len(over) > 1 else ''} where that share was at least half "
                             f"({_trip_span([medians[i] for i in over])}) and among the fast ones in the "
                             f"{len(under)} where it was less ({_trip_span([medians[i] for i in under])})")
            within.append(text)
    out = []
    if within:
        out.append("**Round trips of two kinds in every run.** " + "; ".join(within) + ". " + _spans_text(spans)
                   + ": each run mixed fast round trips with slow "
                   "ones (a CPU woken for the message, or the GIL waited for), and a run's median fell among "
                   "whichever kind held more than half of them. So the table gives each run's mean round trip, "
                   "which is one over its rate, not its median.\n")
    if whole:
        out.append("**Runs in two groups.** " + "; ".join(whole) + ": whole runs went one way or the other, so "
                   "the spread of the table's rates spans two kinds of run, not one typical run.\n")
    return "\n".join(out)


def _ratio(x: float) -> str:
    """A ratio as the page prints one: two decimals below 10×, none from 10× up."""
    return f"{x:.2f}×" if x < 10 else f"{x:.0f}×"


def _spans_text(spans: list[tuple[float, float]]) -> str:
    """How far the runs' rates spread against their medians, from each entry's (rates' max over min,
    medians' max over min): ``The runs' rates lie closer together than their medians (at most 2.40×
    apart, against at least 7.20×)``, or entry by entry when the ranges overlap."""
    rate_most, median_least = max(r for r, _ in spans), min(m for _, m in spans)
    if rate_most < median_least:
        return (f"The runs' rates lie closer together than their medians (at most {_ratio(rate_most)} apart, "
                f"against at least {_ratio(median_least)})")
    each = ", ".join(f"{_ratio(r)} against {_ratio(m)}" for r, m in spans)
    return f"In each, the runs' rates lie closer together than their medians (their spans: {each})"


def published_table() -> list[dict[str, str]]:
    """The published figures alone: setup, requests per second, source."""
    return [{"setup": p["mode"], "requests per second (published)": f"{p['req_per_s']:,}", "source": p["source"]}
            for p in PUBLISHED]


# -- the reader's example -----------------------------------------------------------


def example_rates(data: Any) -> dict[str, list[float]]:
    """Every run's requests per second by mode, from what ``examples/convoy.py --json FILE`` wrote.

    :raises ValueError: if *data* is not that example's JSON or lacks a mode.
    """
    if not isinstance(data, dict) or data.get("format") != EXAMPLE_FORMAT:
        raise ValueError(f"not the JSON of examples/convoy.py (format {EXAMPLE_FORMAT!r})")
    rates = {m: [float(x) for x in data["requests_per_s"].get(m, [])] for m in MODES}
    missing = [m for m, v in rates.items() if not v]
    if missing:
        raise ValueError(f"the example's JSON has no runs of {', '.join(missing)}")
    return rates


def _values(suite: Suite, mode: str) -> tuple[float, ...]:
    return suite.get(ECHO, mode).values


def _has(suite: Suite, workload: str, mode: str | None = None) -> bool:
    """Whether *suite* holds *workload* for *mode* (for every mode if None)."""
    return all(suite.select(workload, m) for m in ([mode] if mode else MODES))


def faster_beside(suite: Suite, mode: str, *, again: bool = False) -> str:
    """What to say when the server answered *clearly* more requests per second in *mode* than alone.

    "Clearly": the share of alone (:func:`~gilref.core.verdicts.ratio_interval` over the quartiles) lies
    wholly above 100%; otherwise ``""`` (within the spread is the verdicts' job).
    The sentence gives no figure the verdict around it states already (the share), only
    the measured reason: client and server take turns, so nothing competes for a CPU
    when the host has two or more; the mean round trips alone and beside; and the
    host's idle CPU time (``host_idle``) in both. Idle CPUs waking up explain it when
    the alone runs left at least :data:`WAKE_IDLE` of the CPU time idle and the runs
    beside left wholly less (quartiles apart); the sentence says when they do not, or
    cannot be told. With *again* (the page explained it already, for another build or
    setup) it says "for the same reason" and gives only this run's idle figures.
    """
    share = ratio_interval(_values(suite, mode), _values(suite, "alone"))
    if share.at_least(1.0) is not True or share.low == 1.0:
        return ""
    what = "process" if mode == "cpu-process" else "thread"
    cpus = suite.metadata.get("usable_cpus")
    free = mode == "cpu-thread" and suite.metadata.get("gil_enabled") is False
    measured = _has(suite, IDLE, mode) and _has(suite, IDLE, "alone")
    idle_alone = Interval.of(suite.get(IDLE, "alone").values) if measured else None
    idle_beside = Interval.of(suite.get(IDLE, mode).values) if measured else None
    figures = (f"alone, {_pct(idle_alone)} of the host's CPU time sat idle; beside the {what}, "
               f"{_pct(idle_beside)}") if idle_alone and idle_beside else ""
    wakes = bool(idle_alone and idle_beside and idle_alone.median >= WAKE_IDLE
                 and idle_beside.high < idle_alone.low)
    if again:
        out = f" That it was faster beside the {what} than alone is no fault of the run either"
        if free:
            out += " (without a GIL, the server's thread and the loop's share no lock)"
        if wakes:
            return out + f", for the same reason ({figures})."
        return out + (f"; here idle CPUs waking up do not explain it ({figures})." if figures else
                      "; this host does not report its CPUs' idle time, so the page cannot tell why.")
    out = " It was faster than alone, wholly above 100% over the repeats' spread, and that is no fault of the run. "
    if cpus and int(cpus) >= 2:
        out += (f"The client and the server take turns (one request at a time, each waits for the other's answer), "
                f"so together they keep about one of the host's {int(cpus)} CPUs busy and the loop has another"
                + (" (and without a GIL, the server's thread and the loop's share no lock)" if free else "")
                + ": nothing here competes for a CPU.")
    else:
        out += "The loop shares the host's one CPU with the server, yet the server was faster."
    if _has(suite, TRIP_MEAN, mode) and _has(suite, TRIP_MEAN, "alone"):
        a = suite.get(TRIP_MEAN, "alone").median * 1e6
        b = suite.get(TRIP_MEAN, mode).median * 1e6
        out += f" The mean round trip was {b:.1f} µs beside the {what}, {a:.1f} µs alone."
    if not figures:
        return out + (" This host does not report its CPUs' idle time (no `/proc/stat`), so the page cannot tell "
                      "whether idle CPUs waking up explain the rest.")
    if wakes:
        return out + (f" The likely reason is measured here: {figures}. An idle CPU has to be woken for the next "
                      "message, and waking a halted CPU costs time (in a virtual machine, an exit to the hypervisor "
                      "and an interrupt to wake the virtual CPU: [the Linux kernel's guest halt "
                      f"polling]({WAKE_SOURCE}) exists to avoid them); a CPU kept busy by the loop skips that wait.")
    return out + (f" Idle CPUs waking up do not explain it here ({figures}); a change in the host's other load "
                  "between the interleaved runs would.")


def example_idle(data: Any) -> list[float] | None:
    """The example's ``alone`` runs' shares of host CPU time idle, from its ``--json`` (``None`` if not recorded)."""
    values = (data.get("host_idle") or {}).get("alone") if isinstance(data, dict) else None
    return [float(x) for x in values] if values else None


def rank_correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation of two equally long series (ties share their mean rank), -1 to 1;
    ``None`` with fewer than three pairs, unequal lengths, or a series that does not vary."""
    if len(xs) != len(ys) or len(xs) < 3:
        return None

    def ranks(v: Sequence[float]) -> list[float]:
        order = sorted(range(len(v)), key=lambda i: v[i])
        out = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return out

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    vx, vy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    if vx == 0 or vy == 0:
        return None
    return float(sum((a - mx) * (b - my) for a, b in zip(rx, ry)) / (vx * vy) ** 0.5)


def alone_speed_reason(suite: Suite, example_idle_alone: Sequence[float] | None,
                       example_alone: Sequence[float]) -> str:
    """Why the example's server alone answered a different number of requests per second than
    :func:`measure`'s, from the host's idle CPU time in both: one clause, ending in a full stop,
    that refers to nothing elsewhere on its page (it is quoted on other pages).

    Alone, client and server take turns and a CPU can fall idle between messages; waking it costs
    time (:func:`faster_beside`). The idle share is named as the reason only when the data show it:
    the faster of the two runs sat idle less (quartiles apart), *and* across all the runs alone of
    both (*example_alone* and *example_idle_alone*, one value per run, with the suite's) the less
    idle a run, the faster it was: a rank correlation (:func:`rank_correlation`) of at most
    ``-WAKE_CORRELATION`` over at least :data:`CORRELATION_RUNS` runs. Otherwise the clause gives
    the figures and says that the idle share does not explain the difference.
    """
    ours = suite.get(ECHO, "alone").median
    example_rate = statistics.median(example_alone)
    if not example_idle_alone or not _has(suite, IDLE, "alone"):
        return ("the same server on the same host; the page cannot tell why, because one of the two runs did "
                "not record the host's idle CPU time (no `/proc/stat`).")
    ex, me = Interval.of(list(example_idle_alone)), Interval.of(suite.get(IDLE, "alone").values)
    figures = (f"alone, {_pct(ex)} of the host's CPU time sat idle during the example's runs, "
               f"{_pct(me)} during the measurement's")
    faster_less_idle = (example_rate > ours and ex.high < me.low) or (example_rate < ours and ex.low > me.high)
    rho = None
    if len(example_idle_alone) == len(example_alone):
        rho = rank_correlation(list(example_idle_alone) + list(suite.get(IDLE, "alone").values),
                               list(example_alone) + list(_values(suite, "alone")))
    n = len(example_alone) + len(_values(suite, "alone"))
    if not faster_less_idle:
        return (f"{figures}, which does not explain the difference (the faster run's CPUs were not idle less, "
                "beyond the runs' spread); the page does not measure what does.")
    if rho is not None and n >= CORRELATION_RUNS and rho <= -WAKE_CORRELATION:
        return (f"{figures}, and across the {n} runs alone of both, the less idle a run's CPUs, the faster it "
                f"was (rank correlation {_signed(rho)}): fewer of the faster run's messages had to wait for a "
                "halted CPU to wake, the wait that a busy loop in another process spares the server.")
    link = ("the runs' idle shares cannot be set against their speeds one by one" if rho is None else
            f"across the {n} runs alone of both, idle share and speed rank together only at {_signed(rho)} "
            f"(rank correlation; naming the idle share as the reason takes {_signed(-WAKE_CORRELATION)} or less "
            f"over at least {CORRELATION_RUNS} runs)")
    return (f"{figures}: the faster run's CPUs sat idle less, but {link}, so the idle share does not explain "
            "the difference and the page does not measure what does.")


def _signed(x: float) -> str:
    """A correlation with a true minus sign: ``−0.62``, ``+0.10``."""
    return f"{x:+.2f}".replace("-", "\u2212")


def _groups_text(values: Sequence[float], idle: Sequence[float] | None, whose: str) -> str:
    """``"the example's 5 runs alone fell into two groups, 2 at about 20,000 requests per second and 3 at
    about 90,000 (...idle...)"`` when *values* (requests per second, one per run) split (:func:`split_runs`),
    else ``""``; with the host's idle CPU time per group when *idle* has one value per run."""
    split = split_runs(values)
    if split is None:
        return ""
    slow, fast = split  # split_runs orders by value: the lower rates first
    med = [sorted(values[i] for i in g)[len(g) // 2] for g in (slow, fast)]
    text = (f"{whose} {len(values)} runs alone fell into two groups, {len(slow)} at about {med[0]:,.0f} requests "
            f"per second and {len(fast)} at about {med[1]:,.0f}")
    if idle is not None and len(idle) == len(values):
        si, fi = (sum(idle[i] for i in g) / len(g) for g in (slow, fast))
        text += f" (the host's CPU time idle: {si:.0%} in the slower runs, {fi:.0%} in the faster)"
    return text


def alone_agreement(suite: Suite, example_alone: Sequence[float], example_idle_alone: Sequence[float] | None) -> str:
    """How the example's requests per second alone (one value per run) compare with :func:`measure`'s:
    the ratio example ÷ measurement over both runs' quartiles, then (a clause ending in a full stop)

    - within :data:`AGREE_FACTOR` either way, wholly: nothing more;
    - an interval that holds 1 but reaches beyond that factor: the two agree within their spread,
      and why the spread is wide, computed: runs that fell into two groups (:func:`split_runs`),
      else each run's own quartiles;
    - an interval that excludes 1 (a gap is established): the measured reason
      (:func:`alone_speed_reason`).

    A difference the interval does not establish is not explained.
    """
    ours = _values(suite, "alone")
    same = ratio_interval(example_alone, ours)
    head = f"{_times(same)} the measurement's"
    if same.between(1 / AGREE_FACTOR, AGREE_FACTOR) is True:
        return head + "."
    if same.low <= 1 <= same.high:
        ex, me = Interval.of(list(example_alone)), Interval.of(ours)
        mine_idle = list(suite.get(IDLE, "alone").values) if _has(suite, IDLE, "alone") else None
        groups = [g for g in (_groups_text(list(example_alone), example_idle_alone, "the example's"),
                              _groups_text(list(ours), mine_idle, "the measurement's")) if g]
        if groups:
            why = "; ".join(groups) + ", and a ratio of quartiles spans both groups"
        else:
            why = (f"the example's runs alone spread over {ex.low:,.0f}–{ex.high:,.0f} requests per second "
                   f"(quartiles) and the measurement's over {me.low:,.0f}–{me.high:,.0f}, and a ratio of "
                   "quartiles compounds both spreads")
        return head + f": the interval holds 1, so within their spread the two agree. It is this wide because {why}."
    return head + ": " + alone_speed_reason(suite, example_idle_alone, example_alone)


_EX_HEAD = re.compile(r"^Python (\S+) \(GIL (on|off)\), (\d+)-byte requests, median of (\d+) runs? of ([\d.]+) s\s*$",
                      re.M)
_EX_ROW = re.compile(r"^\s+(alone|cpu-thread|cpu-process)\s+([\d,]+) requests/s\s+\(([\d.]+)% of alone"
                     r"(?:, host CPU idle (\d+)%)?\)\s*$", re.M)


def parse_example_output(text: str) -> dict[str, Any]:
    """What ``examples/convoy.py`` printed, as numbers.

    :returns: ``python``, ``gil`` (bool), ``size`` (bytes), ``repeats``, ``window_s`` and ``rows``:
        ``{mode: (requests per second, host CPU idle share or None)}``.
    :raises ValueError: when *text* is not the script's output.
    """
    head = _EX_HEAD.search(text)
    rows = {m: (float(r.replace(",", "")), None if i is None else float(i) / 100)
            for m, r, _, i in _EX_ROW.findall(text) for i in [i or None]}
    if head is None or "alone" not in rows:
        raise ValueError("not the output of convoy.py")
    return {"python": head.group(1), "gil": head.group(2) == "on", "size": int(head.group(3)),
            "repeats": int(head.group(4)), "window_s": float(head.group(5)), "rows": rows}


def example_page_comparison(output: str, record: dict[str, Any] | None, chapter: str = "convoy") -> str:
    """Why the numbers ``convoy.py`` printed on its example page differ from the chapter's.

    *output*: what the script printed there (its small arguments, on the book's interpreter);
    *record*: the chapter's record (``record["suites"]["gil"]`` is the GIL build's :func:`measure`).
    Sets the requests per second alone and beside the CPU process side by side, with the host's idle
    CPU time in both (:func:`alone_speed_reason`), and names what else differs (interpreter, runs,
    run length). When the run's speed alone lies within the range of the chapter's runs alone, no
    difference is established and none is explained: the text says they agree within their spread.
    ``""`` when *output* is not the script's; without the chapter's figures when *record* is missing.
    """
    try:
        run = parse_example_output(output)
    except ValueError:
        return ""
    runs = "its one run" if run["repeats"] == 1 else f"medians of {run['repeats']} runs"
    alone, idle = run["rows"]["alone"]
    mine = (f"This run ({runs} of {run['window_s']:g} s, on Python {run['python']}) answered {alone:,.0f} "
            "requests per second alone" + (f" with {idle:.0%} of the host's CPU time idle" if idle is not None
                                            else "") + ".")
    raw = ((record or {}).get("suites") or {}).get("gil")
    if not raw:
        return (f"**These are the small arguments' numbers.** {mine} (The chapter's record is not in this "
                "edition, so its numbers cannot be set beside these.)\n")
    suite = Suite.from_dict(raw)
    t = suite.get(ECHO, "alone")
    version = str(suite.metadata.get("python_version", "?"))
    theirs = (f"{{doc}}`../{chapter}` measured CPython {version} ({len(t.values)} runs of "
              f"{float(t.params.get('window_s', 0)):g} s per setup): {t.median:,.0f} requests per second alone.")
    lo, hi = min(t.values), max(t.values)
    if lo <= alone <= hi:
        return (f"**These are the small arguments' numbers.** {mine} {theirs} Its speed alone lies within the "
                f"range of that chapter's runs alone ({lo:,.0f}–{hi:,.0f} requests per second): within their "
                "spread the two agree.\n")
    differ = []
    if version != run["python"]:
        differ.append(f"they ran on different interpreters (Python {run['python']} here, {version} there)")
    if run["repeats"] < len(t.values):
        differ.append(f"this run's {run['repeats']} run{'s' if run['repeats'] != 1 else ''} per setup against "
                      f"{len(t.values)} there weigh one moment of the host more")
    reason = alone_speed_reason(suite, [idle] if idle is not None else None, [alone])
    proc = run["rows"].get("cpu-process")
    beside = ""
    if proc is not None and _has(suite, ECHO, "cpu-process"):
        share = proc[0] / alone
        p = suite.get(ECHO, "cpu-process")
        there = p.median / t.median
        beside = (f" The share beside the CPU process ({share:.0%} here, {there:.0%} there) is a ratio to that "
                  "speed alone")
        if min(p.values) <= proc[0] <= max(p.values):  # alike beside the process: only the speed alone moved it
            beside += (f"; beside the process this run's {proc[0]:,.0f} requests per second lie within the range "
                       f"of that chapter's runs ({min(p.values):,.0f}–{max(p.values):,.0f}), so the run faster "
                       "alone shows the smaller share.")
        else:
            beside += (f", and beside the process the two differ too ({proc[0]:,.0f} requests per second here, "
                       f"{p.median:,.0f} there).")
    why = (" Also, " + "; ".join(differ) + ".") if differ else ""
    return (f"**Why these numbers differ from the chapter's.** {mine} {theirs} Why: {reason}{beside}{why}\n")


def _differences(suite: Suite, example: dict[str, Any]) -> str:
    out = [interpreter_differs(suite.metadata, example)]
    window = suite.get(ECHO, "alone").params.get("window_s")
    if window is not None and float(window) != float(example.get("window_s", window)):
        out.append(f"the run length ({float(window):g} s against {float(example['window_s']):g} s)")
    out.append(load_phrase(suite.metadata))
    return "; ".join(o for o in out if o)


def share_text(x: float) -> str:
    """A share (0-1 and up) as the page prints it: one decimal below 100%, none from 100% up
    (``19.3%``, ``113%``), the same rule as the verdicts' intervals, so that table, prose and
    verdict print one number for one share."""
    return f"{x * 100:.1f}%" if x < 1 else f"{x * 100:.0f}%"


def _pct(interval: Interval) -> str:
    """Per cent: one decimal below 100%, none from 100% up (``766% (563–859%)``)."""
    return interval.scaled(100).text(".1f" if interval.median < 1 else ".0f", "%")


def _fine_pct(interval: Interval) -> str:
    """Per cent with two decimals below 1% (``0.26% (0.23–0.30%)``), else as :func:`_pct`: for shares
    set against a band whose ends (``0.11–1.0%``) one decimal would blur."""
    return interval.scaled(100).text(".2f", "%") if interval.median < 0.01 else _pct(interval)


def band_decimals(low: float, high: float, *shares: Interval, start: int = 2, most: int = 6) -> int:
    """How many decimals (of per cent) print every end of *shares* apart from each end of the band
    *low*–*high* (shares, 0-1) that it differs from: from *start* up to *most*. Rounding keeps order,
    so at that many decimals the printed interval lies inside, outside or across the band as the
    verdict decided (``0.11–0.18%`` against ``0.11–1.0%`` hides it; ``0.105–0.18%`` against
    ``0.107–1.07%`` shows it)."""
    for digits in range(start, most + 1):
        if all(f"{a * 100:.{digits}f}" != f"{b * 100:.{digits}f}"
               for s in shares for a in (s.low, s.high) for b in (low, high) if a != b):
            return digits
    return most


def band_pct(interval: Interval, digits: int) -> str:
    """A share as per cent with *digits* decimals (``0.149% (0.107–0.180%)``), from :func:`band_decimals`;
    at two, the page's usual way (``_fine_pct``)."""
    return _fine_pct(interval) if digits == 2 else interval.scaled(100).text(f".{digits}f", "%")


def _times(interval: Interval) -> str:
    """A ratio: two decimals below 10×, none from 10× up (``430× (379–501×)``)."""
    return interval.text(".2f" if interval.median < 10 else ".0f")


# -- verdicts ----------------------------------------------------------------------


def convoy_verdict(suite: Suite, *, build: str, example: dict[str, Any] | None = None) -> Claim:
    """Whether a CPU-bound thread in the server's process slows it down (the convoy).

    Decided on requests per second next to the thread over alone, over the
    repeats' quartiles: all of it below :data:`CONVOY_SHARE` holds, all of it
    at or above contradicts. *example* (the example's ``--json``) is decided
    alike; when it disagrees the claim is undecided and says what differs.
    """
    share = ratio_interval(_values(suite, "cpu-thread"), _values(suite, "alone"))
    decided = share.below(CONVOY_SHARE)
    ex_text, ex_decided, why = "", decided, ""
    if example is not None:
        rates = example_rates(example)
        ex_share = ratio_interval(rates["cpu-thread"], rates["alone"])
        ex_decided = ex_share.below(CONVOY_SHARE)
        why = _differences(suite, example)
        ex_text = (f" The example below, on {example_label(example)}, kept {_pct(ex_share)} of its speed "
                   f"next to the thread; alone it answered {statistics.median(rates['alone']):,.0f} requests "
                   f"per second, " + alone_agreement(suite, rates["alone"], example_idle(example)))
    holds = decided if decided == ex_decided else None
    alone, thread = suite.get(ECHO, "alone").median, suite.get(ECHO, "cpu-thread").median
    unclear = (SPREAD + " On {build} the server kept {share} of its speed next to a CPU-bound thread "
               "(below {limit:.0f}% would be a convoy)." + ex_text)
    if decided != ex_decided:
        unclear = (disagreement(decided, ex_decided) + " On {build} the server kept {share} of its "
                   "speed next to a CPU-bound thread." + ex_text + " They differ in " + why + ".")
    return check(
        "convoy_slows",
        "a CPU-bound thread in the same process slows a thread-served server down (the convoy effect)",
        holds, share_interval=share, share=_pct(share), alone=alone, thread=thread, build=build,
        limit=CONVOY_SHARE * 100,
        supported="**The convoy is real here.** On {build} the server answered {alone:,.0f} requests per "
                  "second alone and {thread:,.0f} with a CPU-bound thread beside it: {share} of its "
                  "speed." + ex_text,
        contradicted="On {build} the server kept {share} of its speed next to a CPU-bound thread "
                     "({thread:,.0f} against {alone:,.0f} requests per second alone), more than "
                     "{limit:.0f}%." + ex_text,
        unclear=unclear,
    )


def small_convoy_reasons(suite: Suite, base: str = "alone") -> str:
    """Why the drop next to a CPU-bound thread was smaller than published: both possible reasons, computed.

    1. Host-independent: the server's ``recv`` releases the GIL for a few
       microseconds, and the server thread usually takes it back before the
       CPU-bound thread, waiting on a condition variable, wakes up: releasing the
       GIL gives the other thread a chance, not a turn (as the release-points
       chapter found for a ``write``). Only the round trips of a millisecond or
       more lost the GIL to it; if each of those waited about one switch
       interval, they account for this much of the slowdown: the share of slow
       trips times the interval, against the measured extra time per request
       (``1/rate next to the thread − 1/rate`` in *base*, the setup the drop is
       measured against: :func:`awake_baseline`).
    2. The host's load (``busy_text`` of the cross-check helpers): a
       CPU-bound thread waiting for a core cannot take the GIL either.
    """
    slow = Interval.of(suite.get(SLOW, "cpu-thread").values)
    alone, thread = suite.get(ECHO, base).median, suite.get(ECHO, "cpu-thread").median
    switch = suite.metadata.get("switch_interval_s")
    kept = f"{(1 - slow.median) * 100:.1f}%"
    out = (f"Two reasons can make it small. First, on any host: each `recv` releases the GIL only for the "
           f"microseconds until the client's next message arrives, and the server thread usually takes it "
           f"back before the CPU-bound thread wakes up to take it; releasing the GIL gives the other thread "
           f"a chance, not a turn (as a `write` did in {{doc}}`release-points`). Here {_pct(slow)} of the "
           f"round trips took a millisecond or more, the mark of a wait for the GIL; the other {kept} did "
           "not wait a switch interval, which is what a server that kept the GIL would show.")
    if switch and alone > 0 and thread > 0:
        extra = (1 / thread - 1 / alone) * 1e6
        waits = slow.median * float(switch) * 1e6
        out += (f" If each of those waited one switch interval ({float(switch) * 1000:g} ms), they add "
                f"{waits:,.0f} µs per request on average, against the {extra:,.0f} µs per request the server "
                f"lost next to the thread" + (": they account for most of the slowdown." if 0.5 * extra <= waits
                                              <= 2 * extra else "."))
    x, cpus = load(suite.metadata.get("load_average")), suite.metadata.get("usable_cpus")
    if x is not None and cpus and x >= float(cpus):
        second = (f" Second, a busy host: the load average was {x:.1f} on {cpus} CPUs when the runs started, "
                  "and a CPU-bound thread that is itself waiting for a core cannot take the GIL from the "
                  "server either.")
    elif x is not None and cpus:
        second = (f" The second possible reason, a busy host (a CPU-bound thread waiting for a core cannot take "
                  f"the GIL either), does not apply here: the load average was {x:.1f} on {cpus} CPUs when "
                  "the runs started.")
    else:
        second = (" The second possible reason, a busy host (a CPU-bound thread waiting for a core cannot "
                  "take the GIL either), cannot be judged: the host's load was not recorded.")
    return out + second


def awake_baseline(alone: Sequence[float], process: Sequence[float]) -> str:
    """The setup a drop next to a CPU-bound thread is measured against: the server's speed when nothing
    takes its GIL, with its CPUs awake.

    ``"cpu-process"`` when the server was faster beside a CPU-bound process than alone, wholly over
    the quartiles (:func:`~gilref.core.verdicts.ratio_interval` of *process* over *alone* at least 1):
    then alone its speed was held down by CPUs that fell idle between messages and had to be woken
    (:func:`faster_beside`), and a thread beside it, which also keeps a CPU busy, would be charged
    that wake-up too. ``"alone"`` otherwise (a busy loop that competes for a CPU, as in the published
    figures, makes alone the faster and fairer baseline).
    """
    return "cpu-process" if ratio_interval(process, alone).at_least(1.0) is True else "alone"


def _published_base() -> tuple[str, float]:
    """The published figures' baseline (:func:`awake_baseline` on their single figures) and its rate."""
    pub = {p["mode"]: float(p["req_per_s"]) for p in PUBLISHED}
    base = "cpu-process" if pub["cpu-process"] > pub["alone"] else "alone"
    return base, pub[base]


def _base_words(base: str) -> str:
    return "its speed beside a separate CPU-bound process" if base == "cpu-process" else "its speed alone"


def _example_share(example: dict[str, Any]) -> Interval:
    """The example's share next to the thread of its awake baseline (:func:`awake_baseline`)."""
    rates = example_rates(example)
    return ratio_interval(rates["cpu-thread"], rates[awake_baseline(rates["alone"], rates["cpu-process"])])


def _magnitude_example(suite: Suite, example: dict[str, Any], low: float, high: float,
                       digits: int = 2) -> tuple[str, bool | None]:
    """The example's drop next to the thread, for :func:`magnitude_verdict`: one sentence (starting
    "The example below", so that a quotation drops all of it) and its own decision on the same band.

    It gives the example's share against its own baseline and against alone, and, when its rate next
    to the thread lies apart from the measurement's (beyond both spreads), the measured reason: the
    shares of round trips of 1 ms or more (the example's ``slow_share``), which either explain a slower
    rate (more trips waited for the GIL) or do not; and what else differs between the two runs.
    Its share prints with *digits* decimals (:func:`band_decimals`), as the band does.
    """
    rates = example_rates(example)
    base = awake_baseline(rates["alone"], rates["cpu-process"])
    share = _example_share(example)
    decided = share.between(low, high)
    where = {True: "within", False: "outside", None: "straddling"}[decided]
    text = (f" The example below, on {example_label(example)}, fell next to the thread to {band_pct(share, digits)} of "
            f"{_base_words(base)}, {where} that band")
    if base != "alone":
        text += f" ({_fine_pct(ratio_interval(rates['cpu-thread'], rates['alone']))} of its speed alone)"
    mine, ours = rates["cpu-thread"], _values(suite, "cpu-thread")
    apart = ratio_interval(mine, ours)
    if overlap(apart, Interval(1.0, 1.0, 1.0)):
        return text + ", and its rate next to the thread overlaps the measurement's.", decided
    lower = apart.high < 1
    em, om = statistics.median(mine), statistics.median(ours)
    text += (f"; its rate next to the thread, {em:,.0f} requests per second, lies {'below' if lower else 'above'} "
             f"the measurement's {om:,.0f} beyond both runs' spread (a mean of {_trip(1 / em)} a request "
             f"against {_trip(1 / om)})")
    slow = (example.get("slow_share") or {}).get("cpu-thread")
    if slow and _has(suite, SLOW, "cpu-thread"):
        ex_slow, me_slow = Interval.of([float(x) for x in slow]), Interval.of(suite.get(SLOW, "cpu-thread").values)
        figures = f"{_pct(ex_slow)} of its round trips took a millisecond or more, against {_pct(me_slow)}"
        explains = ex_slow.low > me_slow.high if lower else ex_slow.high < me_slow.low
        text += (f", and {figures}: {'more' if lower else 'fewer'} of its requests waited about a switch "
                 "interval for the GIL" if explains else
                 f", while {figures}, so the share of requests that waited for the GIL does not explain it")
    else:
        text += ", and the example's run did not record how many of its round trips waited"
    why = _differences(suite, example)
    return text + (f"; the two runs differ in {why}." if why else "."), decided


def magnitude_verdict(suite: Suite, *, build: str, example: dict[str, Any] | None = None) -> Claim:
    """Whether the drop next to a CPU-bound thread is of the published size.

    The drop is the share of the server's speed it kept next to the thread, against the speed it has
    when nothing takes its GIL and its CPUs are awake (:func:`awake_baseline`: beside a separate
    CPU-bound process when that was wholly faster than alone, else alone); the published figures'
    baseline is chosen by the same rule. Of that size: the share (quartiles) lies wholly within
    :data:`MAGNITUDE_FACTOR` of the published share, either way. Wholly outside contradicts;
    straddling either end is undecided. The sentence gives both drops as fractions, the share of
    alone too when the baseline is the process (and why), the example's drop decided alike
    (decided alike; when it decides otherwise the claim is undecided), and, when the
    drop is smaller, both reasons a convoy can be small (:func:`small_convoy_reasons`).
    """
    base = awake_baseline(_values(suite, "alone"), _values(suite, "cpu-process"))
    share = ratio_interval(_values(suite, "cpu-thread"), _values(suite, base))
    share_alone = ratio_interval(_values(suite, "cpu-thread"), _values(suite, "alone"))
    published = {p["mode"]: p["req_per_s"] for p in PUBLISHED}
    pub_base, pub_rate = _published_base()
    pub = published["cpu-thread"] / pub_rate
    slow = Interval.of(suite.get(SLOW, "cpu-thread").values)
    mean = ""
    if _has(suite, TRIP_MEAN, "cpu-thread"):
        trip = Interval.of(suite.get(TRIP_MEAN, "cpu-thread").values)
        mean = trip.scaled(1000).text(".2f", " ms") if trip.median >= 1e-3 else trip.scaled(1e6).text(".1f", " µs")
    low, high = pub / MAGNITUDE_FACTOR, pub * MAGNITUDE_FACTOR
    decided = share.between(low, high)
    # enough decimals that each end of each interval prints apart from the band's ends
    digits = band_decimals(low, high, share, *([_example_share(example)] if example is not None else []))
    ex_text, ex_decided = "", decided
    if example is not None:
        ex_text, ex_decided = _magnitude_example(suite, example, low, high, digits)
    holds = decided if decided == ex_decided else None
    smaller = share.median > pub
    reasons = " " + small_convoy_reasons(suite, base) if decided is not True and smaller else ""
    here, there = 1 / share.median if share.median > 0 else float("inf"), 1 / pub
    bounds = (f"{low * 100:.2f}–{high * 100:.1f}%" if digits == 2
              else f"{low * 100:.{digits}f}–{high * 100:.{digits}f}%")
    drop = (f"next to the thread the server fell to about 1/{here:,.0f} of {_base_words(base)} "
            f"({band_pct(share, digits)}), "
            f"against about 1/{there:,.0f} in the published figures ({pub * 100:.2f}% of their speed "
            f"{'beside the process' if pub_base == 'cpu-process' else 'alone'}, there the faster of the two "
            f"setups without a thread); a share within {MAGNITUDE_FACTOR:g}× "
            f"of the published one either way ({bounds}) counts as the same size")
    basis = ""
    if base == "cpu-process":
        idle = ""
        if _has(suite, IDLE, "alone") and _has(suite, IDLE, "cpu-process"):
            idle = (f" ({_pct(Interval.of(suite.get(IDLE, 'alone').values))} of the host's CPU time idle alone, "
                    f"{_pct(Interval.of(suite.get(IDLE, 'cpu-process').values))} beside the process)")
        basis = (f" The drop is measured against the speed beside the process, "
                 f"{suite.get(ECHO, 'cpu-process').median:,.0f} requests per second, because there, as beside the "
                 "thread, a busy loop kept a CPU awake, and unlike beside the thread no one else took the server's "
                 "GIL; "
                 f"alone it answered only {suite.get(ECHO, 'alone').median:,.0f}, its CPUs falling idle between "
                 f"messages and waking for each{idle}. Against its speed alone it kept {_fine_pct(share_alone)}, about "
                 f"1/{1 / share_alone.median:,.0f}, a drop that looks smaller because the speed alone it is set "
                 "against was already held down by those wake-ups.")
    trips = (f" Next to the thread its mean round trip was {mean}" if mean else " Next to the thread") + (
        f"{' and ' if mean else ' '}{_pct(slow)} of its round trips took a millisecond or more, the mark of a "
        "wait for the GIL of about one switch interval.")
    # The reasons for a small drop give the share of slow trips themselves; the example comes last.
    tail = (basis + ("" if reasons else trips) + reasons + ex_text).replace("{", "{{").replace("}", "}}")
    kind = "above it." if smaller else "below it."
    unclear = (SPREAD + " " + drop[0].upper() + drop[1:] + ", and the interval straddles an end of that band."
               if decided is None else "")
    if decided != ex_decided:
        unclear = (disagreement(decided, ex_decided) + " On {build}, " + drop + "; the measurement's interval "
                   + {True: "lies within that band.", False: "lies wholly " + kind, None: "straddles an end of it."}
                   [decided])
    return check(
        "convoy_magnitude",
        f"the convoy costs a thread-served server about two orders of magnitude (published: "
        f"{published['alone']:,} to {published['cpu-thread']:,} requests per second)",
        holds,
        share_interval=share, share=band_pct(share, digits), pub=pub * 100, slow_share=slow, slow=_pct(slow),
        build=build, bounds=bounds, here=here, there=there, factor=MAGNITUDE_FACTOR, base=base,
        supported="**The drop is of the published size.** On {build}, " + drop.replace("{", "{{").replace(
            "}", "}}") + "." + tail,
        contradicted=("The drop was large but not of the published size: on {build}, " + drop + ", and the whole "
                      "interval lies " + kind).replace("{", "{{").replace("}", "}}").replace("{{build}}", "{build}")
                     + tail,
        unclear=unclear.replace("{", "{{").replace("}", "}}").replace("{{build}}", "{build}") + tail,
    )


def _process_tests(gain: Interval, share: Interval) -> str:
    """How the two tests of :func:`process_verdict` came out on *gain* and *share* (one clause each)."""
    gain_ok, share_ok = gain.at_least(PROCESS_GAIN), share.at_least(PROCESS_SHARE)
    return "; ".join(
        f"the test of {name} {'passes' if ok else 'fails' if ok is False else 'is undecided'}: {value} "
        + ("lies wholly above" if ok else "lies wholly below" if ok is False else "straddles") + f" {limit}"
        for name, ok, value, limit in (
            (f"at least {PROCESS_GAIN:g}× the speed next to the thread", gain_ok, _times(gain), f"{PROCESS_GAIN:g}×"),
            (f"at least {PROCESS_SHARE * 100:.0f}% of the speed alone", share_ok, _pct(share),
             f"{PROCESS_SHARE * 100:.0f}%")))


def _speeds_compared(suite: Suite, rates: dict[str, list[float]]) -> str:
    """How the example's speed in each setup compares with the measurement's, over both runs'
    quartiles: ``"faster alone (34,877 against 18,551 requests per second), slower next to the thread
    (202 against 367) and alike beside the process (138,453 against 139,764)"``."""
    words = {"alone": "alone", "cpu-thread": "next to the thread", "cpu-process": "beside the process"}
    parts: list[str] = []
    for mode in MODES:
        r = ratio_interval(rates[mode], _values(suite, mode))
        how = "faster" if r.low > 1 else "slower" if r.high < 1 else "alike"
        unit = " requests per second" if not parts else ""
        parts.append(f"{how} {words[mode]} ({statistics.median(rates[mode]):,.0f} against "
                     f"{suite.get(ECHO, mode).median:,.0f}{unit})")
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _process_example(suite: Suite, example: dict[str, Any]) -> tuple[str, bool | None, Interval]:
    """The example's runs beside the CPU process, for :func:`process_verdict`: (a sentence, the example's
    own decision on the same two tests, its share of alone). The sentence gives the example's two
    tests and says whether its two figures overlap the measurement's; for those that do not (a gap
    both spreads establish) it sets the host's load average after both runs side by side
    (:func:`example_load_reason`)."""
    rates = example_rates(example)
    ex_share = ratio_interval(rates["cpu-process"], rates["alone"])
    ex_gain = ratio_interval(rates["cpu-process"], rates["cpu-thread"])
    decided = all_of(ex_gain.at_least(PROCESS_GAIN), ex_share.at_least(PROCESS_SHARE))
    share = ratio_interval(_values(suite, "cpu-process"), _values(suite, "alone"))
    gain = ratio_interval(_values(suite, "cpu-process"), _values(suite, "cpu-thread"))
    text = (f" The example below, on {example_label(example)}, kept {_pct(ex_share)} of its speed alone beside "
            f"the process and reached {_times(ex_gain)} its speed next to the thread "
            f"({_process_tests(ex_gain, ex_share)})")
    apart = [(name, mine.high < theirs.low) for name, mine, theirs in
             (("share of alone", ex_share, share), ("speed over the one next to the thread", ex_gain, gain))
             if not overlap(mine, theirs)]
    if not apart:
        return text + ": both figures overlap the measurement's, so the two agree within their spread.", \
            decided, ex_share
    ways = {lower for _, lower in apart}
    if len(ways) > 1:
        return (text + ": " + "; ".join(f"its {name} lies {'below' if lower else 'above'} the measurement's"
                                        for name, lower in apart)
                + ", beyond both runs' spread, in opposite directions; the simple reading: the example was "
                + _speeds_compared(suite, rates) + ", and both figures divide the speed beside the process, one "
                  "by the speed alone, the other by the speed next to the thread.", decided, ex_share)
    lower = ways.pop()
    which = " and its ".join(name for name, _ in apart)
    return (text + f": its {which} {'lie' if len(apart) > 1 else 'lies'} {'below' if lower else 'above'} the "
            f"measurement's, beyond both runs' spread. {example_load_reason(suite, example, example_slower=lower)}",
            decided, ex_share)


def example_load_reason(suite: Suite, example: dict[str, Any], *, example_slower: bool) -> str:
    """Why the example's runs beside a CPU-bound process kept a different share than :func:`measure`'s,
    from the host's 1-minute load average after each (a sentence).

    A CPU-bound process needs a core of its own; on a host whose other work fills the cores it takes
    one from the server or its client. So the run after which the load was higher, by at least one
    whole CPU's worth of work, is expected to be the one that kept less; the sentence says whether
    the two loads lie that way, and otherwise that they do not explain it (or cannot be compared).
    """
    mine, theirs = load(suite.metadata.get("load_average")), load(example.get("load_average"))
    cpus = suite.metadata.get("usable_cpus")
    if mine is None or theirs is None:
        return ("The page cannot tell why: the host's load was not recorded after "
                + ("both runs." if mine is None and theirs is None else
                   "the example's runs." if theirs is None else "the measurement's runs."))
    figures = (f"The host's load average was {theirs:.1f} after the example's runs and {mine:.1f} after the "
               f"measurement's" + (f", on {cpus} CPUs" if cpus else ""))
    busier_slower = (theirs >= mine + 1) if example_slower else (mine >= theirs + 1)
    if busier_slower:
        return (figures + ": the run with the lower figures met a host busier by at least one CPU's worth of work, "
                "and a CPU-bound process beside the server needs a core of its own.")
    t = suite.get(ECHO, "alone")
    window, ex_window = float(t.params.get("window_s", 0.0)), float(example.get("window_s", 0.0))
    ex_runs = len(example_rates(example)["alone"])
    how = ([f"shorter ({ex_window:g} s against {window:g} s)"] if 0 < ex_window < window else []) + (
        [f"fewer ({ex_runs} against {len(t.values)})"] if ex_runs < len(t.values) else [])
    return (figures + ": within one CPU's worth of work of each other, so the load does not explain the difference"
            + (f"; the example's runs are {' and '.join(how)}, so a passing moment of the host weighs more in "
               "its figures." if how else "; this page cannot tell why."))


def process_verdict(suite: Suite, *, build: str, example: dict[str, Any] | None = None) -> Claim:
    """Whether moving the CPU-bound work to another process gives the server its speed back.

    Holds when requests per second with the CPU process are at least
    :data:`PROCESS_GAIN` times those next to the thread and at least
    :data:`PROCESS_SHARE` of alone, both over the repeats' quartiles.
    *example* (the example's ``--json``) is decided alike and its share of alone set beside the
    measurement's, with the load reason of :func:`example_load_reason` when they lie apart; when it
    decides otherwise the claim is undecided.
    A server above 100% beside the process within the spread is no measurable cost; when the
    example's share lies wholly below 100%, that is said of the measurement's runs only.
    """
    gain = ratio_interval(_values(suite, "cpu-process"), _values(suite, "cpu-thread"))
    share = ratio_interval(_values(suite, "cpu-process"), _values(suite, "alone"))
    gain_ok, share_ok = gain.at_least(PROCESS_GAIN), share.at_least(PROCESS_SHARE)
    tests = _process_tests(gain, share)
    ex_text, ex_decided, ex_share = "", all_of(gain_ok, share_ok), None
    if example is not None:
        ex_text, ex_decided, ex_share = _process_example(suite, example)
    nothing = " Above 100% only within the runs' spread: the busy loop in another process cost the server "
    nothing += ("nothing measurable in the measurement's runs." if ex_share is not None and ex_share.high < 1 else
                "nothing measurable.")
    above = (faster_beside(suite, "cpu-process") or (nothing if share.median > 1 else "")) + ex_text
    decided = all_of(gain_ok, share_ok)
    holds = decided if decided == ex_decided else None
    unclear = ("**This run cannot tell:** the verdict asks for at least {need_gain:g}× the speed next to a "
               "thread and at least {need_share:.0f}% of the speed alone, and {tests}. With the CPU-bound "
               "loop in another process the server answered {proc:,.0f} requests per second." + above)
    if decided != ex_decided:
        unclear = (disagreement(decided, ex_decided) + " With the CPU-bound loop in another process the server "
                   "answered {proc:,.0f} requests per second ({share} of alone, {gain} its speed next to a "
                   "thread; {tests})." + above)
    return check(
        "process_restores",
        "moving the CPU-bound work to another process gives the server its speed back",
        holds,
        gain_interval=gain, gain=_times(gain), share_interval=share, share=_pct(share), build=build,
        need_share=PROCESS_SHARE * 100,
        tests=tests,
        need_gain=PROCESS_GAIN,
        proc=suite.get(ECHO, "cpu-process").median, thread=suite.get(ECHO, "cpu-thread").median,
        supported="**A separate process removes the convoy.** With the same CPU-bound loop in another "
                  "process the server answered {proc:,.0f} requests per second, {share} of its speed "
                  "alone and {gain} its speed next to a thread: that process has its own GIL, and only "
                  "the operating system's scheduler decides who runs." + above,
        contradicted="With the CPU-bound loop in another process the server answered {proc:,.0f} "
                     "requests per second ({share} of alone, {gain} its speed next to a thread): not the "
                     "recovery the usual advice promises ({tests})." + above,
        unclear=unclear,
    )


def thread_vs_process(suite: Suite) -> str:
    """How a CPU-bound thread's cost to the server compares with a CPU-bound process's on one build.

    The two shares of alone (quartiles) agree when their intervals overlap
    (``overlap`` of the cross-check helpers): then the thread cost no more
    than a process, which competes only for a core. When the thread's lies
    wholly below, something the two threads share in one process cost more
    than a core.
    """
    thread = ratio_interval(_values(suite, "cpu-thread"), _values(suite, "alone"))
    proc = ratio_interval(_values(suite, "cpu-process"), _values(suite, "alone"))
    head = f"Next to a CPU-bound process on the same build it kept {_pct(proc)}"
    if overlap(thread, proc) and thread.low > 1 and proc.low > 1:
        return (head + ": the two intervals overlap, and both lie wholly above 100%: neither cost it anything, "
                "both made it faster than alone.")
    if overlap(thread, proc):
        return (head + ": the two intervals overlap, so the thread cost it no more than a process did, within "
                "the repeats' spread; a process competes with it only for a core.")
    if thread.high < proc.low:
        return (head + ", more than next to the thread beyond the repeats' spread: it does not wait a switch "
                "interval for a lock any more, but something the two threads share in one process cost it more "
                "than a core does (this page does not measure what).")
    return (head + ", less than next to the thread beyond the repeats' spread (the host's load changed between "
                   "the runs).")


def free_threaded_verdict(free: Suite, gil: Suite, *, build: str) -> Claim:
    """Whether, without a GIL, the server keeps at least :data:`FREE_SHARE` of its speed next to a CPU-bound thread.

    The sentence sets that share beside the GIL build's and beside the same
    build's next to a CPU-bound process (:func:`thread_vs_process`).
    """
    share = ratio_interval(_values(free, "cpu-thread"), _values(free, "alone"))
    gil_share = ratio_interval(_values(gil, "cpu-thread"), _values(gil, "alone"))
    slower = slower_build_note(ratio_interval(_values(free, "alone"), _values(gil, "alone")),
                               "the server alone answered", free.metadata)
    versus = thread_vs_process(free)
    # The GIL build's process verdict, earlier on the page, explains a server faster beside a busy loop.
    again = bool(faster_beside(gil, "cpu-process"))
    faster = faster_beside(free, "cpu-thread", again=again)
    proc_share = ratio_interval(_values(free, "cpu-process"), _values(free, "alone"))
    if not (faster and proc_share.low > 1):
        faster = faster or faster_beside(free, "cpu-process", again=again)
    return check(
        "free_threaded_no_convoy",
        "without a GIL, a CPU-bound thread does not starve a thread that serves a socket",
        share.at_least(FREE_SHARE),
        build=build, alone=free.get(ECHO, "alone").median, thread=free.get(ECHO, "cpu-thread").median,
        share_interval=share, share=_pct(share), gil_thread=gil.get(ECHO, "cpu-thread").median,
        gil_share=_pct(gil_share), need=FREE_SHARE * 100, versus=versus,
        gil_build=gil.metadata.get("python_version", "the GIL build"),
        supported="**The free-threaded build has no convoy.** On {build} the server answered "
                  "{alone:,.0f} requests per second alone and {thread:,.0f} with the CPU-bound thread "
                  "beside it: it kept {share}, wholly above the {need:.0f}% this page takes as no convoy "
                  "(the GIL build kept {gil_share}, {gil_thread:,.0f} requests per second). {versus}" + faster
                  + slower,
        contradicted="On {build} the server still fell to {share} of its speed next to a CPU-bound "
                     "thread ({thread:,.0f} against {alone:,.0f} requests per second), wholly below the "
                     "{need:.0f}% this page takes as no convoy. {versus}" + faster + slower,
        unclear=SPREAD + " On {build} the server kept {share} of its speed next to a CPU-bound thread "
                "(at least {need:.0f}% would mean no convoy). {versus}" + faster,
    )


def ports_verdict(used: Sequence[int], listening: set[int] | None) -> Claim:
    """Whether none of the ports the servers *used* is still *listening* (:func:`listening_ports`;
    ``None``, where it cannot be read, leaves the claim undecided)."""
    still = sorted(set(used) & listening) if listening is not None else None
    ports = ", ".join(map(str, used))
    return check(
        "ports_closed", "the experiment leaves no server listening",
        None if still is None else not still,
        ports=ports, still=", ".join(map(str, still or [])),
        supported="After the runs nothing listens on the ports the servers used ({ports}): each server "
                  "was shut down with its child process.",
        contradicted="After the runs a server still listens on port {still} (of those used: {ports}).",
        unclear="This host does not say which ports are listening (no /proc/net/tcp), so the page "
                "cannot confirm that the ports used ({ports}) were closed.",
    )


# -- invariants --------------------------------------------------------------------


def measure_invariants(suite: Suite, *, prefix: str = "", label: str = "") -> list[Invariant]:
    """What must hold of a :func:`measure` suite if the run was sound.

    - With a GIL (``gil_enabled`` not ``False`` in the metadata), requests per
      second next to a CPU-bound thread at most alone (on quartiles, with
      :data:`NOISE`): that thread takes the one GIL the server needs after every
      ``recv``, and gives it nothing back. Nothing of the kind is asserted for a
      CPU-bound *process*, or a thread on a free-threaded build: neither shares
      a lock with the server, and on a host of two CPUs or more they need not
      even share a CPU with it (client and server take turns, so together they
      keep about one busy), while keeping a CPU busy spares the round trips the
      wake-up of an idle one. The server may be faster then; the verdicts say so
      with the measured reason (:func:`faster_beside`).
    - One client sends one request at a time and times each one, so in every
      run requests per second times the *mean* round trip is at most 1 (with
      :data:`TRIPS_SLACK`). Not the median: a skewed spread of round trips (most
      wait a switch interval, a few are fast) has a median above its mean.
    - The server answered at least every request the client counted.

    :param prefix: prepended to each key (a chapter checks several suites).
    :param label: which build and run, put before each statement (e.g. the build's label).
    """
    out = []
    if suite.metadata.get("gil_enabled") is not False:
        out.append(invariant(
            f"{prefix}cpu_thread_not_faster",
            "with the GIL, the server answers no more requests per second with a CPU-bound thread beside it than "
            "alone (that thread holds the one GIL the server needs after every recv)",
            at_most(_values(suite, "cpu-thread"), _values(suite, "alone"), slack=NOISE),
            cause="the alone runs met a busier host than the others; the interleaving did not even it out"))
    if _has(suite, TRIP_MEAN):
        over = [mode for mode in MODES
                if max(r * t for r, t in zip(_values(suite, mode), suite.get(TRIP_MEAN, mode).values))
                > 1 + TRIPS_SLACK]
        out.append(invariant(
            prefix + "trips_fit_the_second",
            "in every run, requests per second times the mean round trip is at most one second's worth (one "
            "request at a time)",
            not over, broken=over,
            cause="the client counted requests it did not time, or timed them wrongly (a bug, not noise)"))
    window = float(suite.get(ECHO, "alone").params.get("window_s", 0.0))
    counted = sum(v * window for mode in MODES for v in _values(suite, mode))
    served = suite.metadata.get("requests_served")
    if served is not None:
        out.append(invariant(
            prefix + "served_covers_counted",
            "the server answered at least as many requests ({served:,}) as the client counted ({counted:,.0f})",
            int(served) >= counted * (1 - 1e-6), served=int(served), counted=counted,
            cause="the client counted echoes the server never sent: the client talked to another server"))
    return labelled(out, label)
