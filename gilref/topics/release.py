"""Where the GIL is released: kinds of work measured on 1, 2, ... N threads.

Each *kind of work* is a :class:`Work`: a context manager that prepares its
resources (buffers, a file, loopback connections) before the clock starts and
frees them afterwards, and whose :meth:`Work.run` does a number of identical
*units* of work. :func:`scaling_suite` splits a fixed number of units between
1, 2, ... N threads with :func:`gilref.core.harness.compare`, so every thread count
does the same total work and the speedup is a fair ratio.

A kind that releases the GIL while it works (a sleep, a read, a send, a hash
over a large buffer, a compression, a BLAS matrix product) can run on several
cores at once; a pure-Python loop cannot, on a GIL build.

The module also holds the small measurements around the chapter's two reader
examples: counting how often two threads' printed lines alternate
(:func:`interleave_labels`, :func:`count_switches`) and timing waits gathered
by :mod:`asyncio` (:func:`asyncio_waits`).

Standard library only; the NumPy kind imports NumPy and threadpoolctl when it
is used and is reported as unavailable (:func:`available_kinds`) without them.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import queue
import random
import re
import socket
import tempfile
import threading
import time
import zlib
from collections.abc import Hashable, Sequence
from contextlib import ExitStack
from typing import Any, Callable

from ..core._checks import check_int, check_seconds
from ..core.harness import DEFAULT_TIMEOUT, MIN_REPEATS, compare
from ..core.hostinfo import collect_metadata, usable_cpus
from ..core.results import Suite, Timing
from ..core.workloads import countdown, split_count

__all__ = [
    "KINDS",
    "FileReadWork",
    "HashWork",
    "LoopbackPairs",
    "MatmulWork",
    "PythonLoopWork",
    "SleepWork",
    "SocketWork",
    "Work",
    "WorkUnavailable",
    "ZlibWork",
    "asyncio_waits",
    "available_kinds",
    "broken_lines",
    "calibrate",
    "count_switches",
    "first_switch_excerpt",
    "interleave_labels",
    "interleave_runs",
    "kinds_in",
    "make_work",
    "scaling_suite",
    "speedup_rows",
    "speedups",
    "thread_counts",
]

LOOPBACK = "127.0.0.1"
SOCKET_TIMEOUT = 10.0  # seconds any one socket operation may block


class WorkUnavailable(RuntimeError):
    """A kind of work cannot run here (a library it needs is missing)."""


class _Slots:
    """A pool of per-thread resources: a running unit takes one and gives it back."""

    def __init__(self, items: Sequence[Any]) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for item in items:
            self._queue.put(item)

    def take(self) -> Any:
        try:
            return self._queue.get(timeout=SOCKET_TIMEOUT)
        except queue.Empty:
            raise RuntimeError("more threads ran this work at once than it has slots for") from None

    def give(self, item: Any) -> None:
        self._queue.put(item)


class Work:
    """A kind of work that can be split into identical units.

    Use as a context manager: resources are made on entry and freed on exit.
    :meth:`run` may be called from up to *slots* threads at once.

    :param slots: the most threads that will run units at the same time (>= 1).
    """

    #: Short identifier, used as the workload name in results.
    name = "work"
    #: Human label for charts and tables.
    label = "work"
    #: What one unit is, for tables.
    unit = "one unit"
    #: Whether CPython releases the GIL while doing this work (from its source code).
    releases_gil = True

    def __init__(self, slots: int = 1) -> None:
        self.slots = check_int("slots", slots, minimum=1)
        self._stack = ExitStack()

    def __enter__(self) -> Work:
        try:
            self.setup()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def setup(self) -> None:
        """Make the resources; register their clean-up on ``self._stack``."""

    def params(self) -> dict[str, Any]:
        """The sizes that define one unit (JSON-ready), recorded with the results."""
        return {}

    def run(self, units: int) -> None:
        """Do *units* units of work in the calling thread."""
        raise NotImplementedError


class SleepWork(Work):
    """Each unit is a :func:`time.sleep` of *seconds* (the GIL is released while asleep)."""

    name = "sleep"
    label = "time.sleep"

    def __init__(self, slots: int = 1, seconds: float = 0.01) -> None:
        super().__init__(slots)
        self.seconds = check_seconds("seconds", seconds, allow_zero=False)
        self.unit = f"sleep {self.seconds * 1000:g} ms"

    def params(self) -> dict[str, Any]:
        return {"unit_s": self.seconds}

    def run(self, units: int) -> None:
        for _ in range(units):
            time.sleep(self.seconds)


class FileReadWork(Work):
    """Each unit reads a whole temporary file of *size* bytes (from the page cache).

    The file is written on entry and deleted on exit; every thread reads it
    through its own unbuffered file object into its own buffer, and the GIL is
    released during each ``read`` system call.
    """

    name = "file_read"
    label = "file read"

    def __init__(self, slots: int = 1, size: int = 4 << 20) -> None:
        super().__init__(slots)
        self.size = check_int("size", size, minimum=1)
        self.unit = f"read a {self.size >> 10} KiB file"
        self.path = ""

    def params(self) -> dict[str, Any]:
        return {"file_bytes": self.size}

    def setup(self) -> None:
        fd, self.path = tempfile.mkstemp(prefix="gilref-read-")
        path = self.path
        self._stack.callback(os.unlink, path)
        with os.fdopen(fd, "wb") as out:
            out.write(os.urandom(self.size))
        slots = []
        for _ in range(self.slots):
            f = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the exit stack
            self._stack.callback(f.close)
            buf = bytearray(self.size)
            f.readinto(buf)  # the file into the page cache, the buffer's pages into memory
            slots.append((f, buf))
        self._slots = _Slots(slots)

    def run(self, units: int) -> None:
        f, buf = self._slots.take()
        try:
            view = memoryview(buf)
            for _ in range(units):
                f.seek(0)
                got = 0
                while got < self.size:
                    n = f.readinto(view[got:])
                    if not n:
                        raise RuntimeError(f"{self.path} is shorter than {self.size} bytes")
                    got += n
        finally:
            self._slots.give((f, buf))


class LoopbackPairs:
    """*count* connected TCP socket pairs over 127.0.0.1, made by a listener that
    is closed as soon as they are connected.

    The listener binds ``127.0.0.1`` only, on a port the system picks; every
    socket has a timeout, so no operation blocks for ever. :meth:`close` (or
    leaving the ``with`` block) closes them all.

    :param count: how many ``(client, server)`` pairs to make (>= 1).
    :param buffer_bytes: send and receive buffer size asked for on each socket.
    """

    def __init__(self, count: int, *, buffer_bytes: int = 1 << 20, timeout: float = SOCKET_TIMEOUT) -> None:
        self.count = check_int("count", count, minimum=1)
        self.buffer_bytes = check_int("buffer_bytes", buffer_bytes, minimum=4096)
        self.timeout = check_seconds("timeout", timeout, allow_zero=False)
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.address: tuple[str, int] | None = None
        self.listener: socket.socket | None = None

    def __enter__(self) -> LoopbackPairs:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tune(self, s: socket.socket) -> None:
        s.settimeout(self.timeout)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.buffer_bytes)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.buffer_bytes)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def open(self) -> None:
        """Listen on 127.0.0.1, connect *count* pairs, and stop listening."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener = listener
        listener.settimeout(self.timeout)
        listener.bind((LOOPBACK, 0))
        listener.listen(self.count)
        host, port = listener.getsockname()[:2]
        self.address = (str(host), int(port))
        for _ in range(self.count):
            client = socket.create_connection(self.address, timeout=self.timeout)
            try:
                server, _ = listener.accept()
            except BaseException:
                client.close()
                raise
            self.pairs.append((client, server))
            self._tune(client)
            self._tune(server)
        listener.close()

    @property
    def listening(self) -> bool:
        """Whether the listener is still open (it is closed once the pairs exist)."""
        return self.listener is not None and self.listener.fileno() != -1

    def close(self) -> None:
        """Close every socket (idempotent)."""
        if self.listener is not None:
            self.listener.close()
        for client, server in self.pairs:
            client.close()
            server.close()


class SocketWork(Work):
    """Each unit streams *chunks* chunks of *chunk* bytes through a loopback TCP
    connection: the thread sends a chunk on one end and receives it on the other.

    Every thread has its own connection (see :class:`LoopbackPairs`); the GIL
    is released in each ``send`` and ``recv`` system call.
    """

    name = "socket"
    label = "socket send/recv"

    def __init__(self, slots: int = 1, chunk: int = 64 << 10, chunks: int = 16) -> None:
        super().__init__(slots)
        self.chunk = check_int("chunk", chunk, minimum=1)
        self.chunks = check_int("chunks", chunks, minimum=1)
        self.unit = f"{self.chunks} × {self.chunk >> 10} KiB over 127.0.0.1"
        self.pairs: LoopbackPairs | None = None

    def params(self) -> dict[str, Any]:
        return {"chunk_bytes": self.chunk, "chunks_per_unit": self.chunks}

    def setup(self) -> None:
        self.pairs = self._stack.enter_context(
            LoopbackPairs(self.slots, buffer_bytes=max(4 * self.chunk, 1 << 16)))
        data = os.urandom(self.chunk)
        self._slots = _Slots([(c, s, data, bytearray(self.chunk)) for c, s in self.pairs.pairs])

    def run(self, units: int) -> None:
        slot = self._slots.take()
        client, server, data, buf = slot
        try:
            view = memoryview(buf)
            for _ in range(units * self.chunks):
                client.sendall(data)
                got = 0
                while got < self.chunk:
                    n = server.recv_into(view[got:])
                    if not n:
                        raise ConnectionError("the loopback connection closed early")
                    got += n
        finally:
            self._slots.give(slot)


class HashWork(Work):
    """Each unit is a SHA-256 of a *size*-byte buffer (the GIL is released for
    buffers over 2 KiB)."""

    name = "hashlib"
    label = "hashlib.sha256"

    def __init__(self, slots: int = 1, size: int = 1 << 20) -> None:
        super().__init__(slots)
        self.size = check_int("size", size, minimum=1)
        self.unit = f"sha256 of {self.size >> 10} KiB"

    def params(self) -> dict[str, Any]:
        return {"buffer_bytes": self.size}

    def setup(self) -> None:
        self.data = os.urandom(self.size)

    def run(self, units: int) -> None:
        for _ in range(units):
            hashlib.sha256(self.data).digest()


def compressible(size: int, seed: int = 0) -> bytes:
    """*size* bytes of text-like data (words from a small vocabulary) that zlib can shrink."""
    check_int("size", size, minimum=1)
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
             for _ in range(500)]
    out = bytearray()
    while len(out) < size:
        out += " ".join(rng.choices(vocab, k=64)).encode() + b"\n"
    return bytes(out[:size])


class ZlibWork(Work):
    """Each unit is :func:`zlib.compress` of a *size*-byte text-like buffer (level 6)."""

    name = "zlib"
    label = "zlib.compress"

    def __init__(self, slots: int = 1, size: int = 256 << 10, level: int = 6) -> None:
        super().__init__(slots)
        self.size = check_int("size", size, minimum=1)
        self.level = check_int("level", level, minimum=0)
        self.unit = f"compress {self.size >> 10} KiB"

    def params(self) -> dict[str, Any]:
        return {"buffer_bytes": self.size, "level": self.level}

    def setup(self) -> None:
        self.data = compressible(self.size)

    def run(self, units: int) -> None:
        for _ in range(units):
            zlib.compress(self.data, self.level)


class MatmulWork(Work):
    """Each unit is a NumPy product of two *n* × *n* float64 matrices, with the
    BLAS library limited to one thread (threadpoolctl) for the whole measurement,
    so any speedup comes from Python threads. NumPy releases the GIL in the
    BLAS call.

    :raises WorkUnavailable: on entry, if NumPy or threadpoolctl is missing.
    """

    name = "numpy_matmul"
    label = "NumPy matmul (BLAS 1 thread)"

    def __init__(self, slots: int = 1, n: int = 192) -> None:
        super().__init__(slots)
        self.n = check_int("n", n, minimum=1)
        self.unit = f"{self.n}×{self.n} matrix product"
        self.blas: list[dict[str, Any]] = []

    def params(self) -> dict[str, Any]:
        return {"n": self.n, "blas": self.blas}

    def setup(self) -> None:
        np, threadpoolctl = _numpy_modules()
        self._stack.enter_context(threadpoolctl.threadpool_limits(limits=1, user_api="blas"))
        rng = np.random.default_rng(0)
        self.a = rng.random((self.n, self.n))
        self.b = rng.random((self.n, self.n))
        self._matmul = np.matmul
        outs = [np.empty((self.n, self.n)) for _ in range(self.slots)]
        for out in outs:
            self._matmul(self.a, self.b, out=out)  # touch every page before timing
        self._slots = _Slots(outs)
        self.blas = [
            {k: info.get(k) for k in ("internal_api", "version", "num_threads")}
            for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"
        ]

    def run(self, units: int) -> None:
        out = self._slots.take()
        try:
            for _ in range(units):
                self._matmul(self.a, self.b, out=out)
        finally:
            self._slots.give(out)


def _numpy_modules() -> tuple[Any, Any]:
    import importlib

    missing = []
    modules = []
    for name in ("numpy", "threadpoolctl"):
        try:
            modules.append(importlib.import_module(name))
        except ImportError:
            missing.append(name)
    if missing:
        raise WorkUnavailable(
            f"the NumPy matrix product needs {' and '.join(missing)}: pip install {' '.join(missing)}")
    return modules[0], modules[1]


class PythonLoopWork(Work):
    """Each unit is the pure-Python countdown of *steps* steps: it holds the GIL throughout."""

    name = "python_loop"
    label = "pure-Python loop"
    releases_gil = False

    def __init__(self, slots: int = 1, steps: int = 100_000) -> None:
        super().__init__(slots)
        self.steps = check_int("steps", steps, minimum=1)
        self.unit = f"countdown of {self.steps:,} steps"

    def params(self) -> dict[str, Any]:
        return {"steps_per_unit": self.steps}

    def run(self, units: int) -> None:
        for _ in range(units):
            countdown(self.steps)


_KIND_CLASSES: dict[str, Callable[..., Work]] = {
    cls.name: cls
    for cls in (SleepWork, FileReadWork, SocketWork, HashWork, ZlibWork, MatmulWork, PythonLoopWork)
}
#: Every kind of work, in the order the chapter shows them.
KINDS: tuple[str, ...] = tuple(_KIND_CLASSES)


def make_work(kind: str, slots: int = 1, **options: Any) -> Work:
    """A :class:`Work` of *kind* (one of :data:`KINDS`) for up to *slots* threads."""
    if kind not in _KIND_CLASSES:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    return _KIND_CLASSES[kind](slots, **options)


def available_kinds() -> dict[str, str | None]:
    """Each kind mapped to ``None`` if it can run here, else the reason it cannot."""
    out: dict[str, str | None] = {}
    for kind in KINDS:
        out[kind] = None
        if kind == MatmulWork.name:
            try:
                _numpy_modules()
            except WorkUnavailable as exc:
                out[kind] = str(exc)
    return out


def thread_counts(cpus: int | None = None) -> list[int]:
    """The thread counts to measure: every count from 1 to the CPUs, then twice
    the CPUs (at least 2); on hosts with more than 4 CPUs, powers of two up to
    the CPU count instead of every count.

    >>> thread_counts(2)
    [1, 2, 4]
    """
    n = usable_cpus() if cpus is None else check_int("cpus", cpus, minimum=1)
    if n <= 4:
        return [*range(1, n + 1), 2 * n]
    counts = {1, n, 2 * n}
    p = 2
    while p < n:
        counts.add(p)
        p *= 2
    return sorted(counts)


def _lcm(values: Sequence[int]) -> int:
    out = 1
    for v in values:
        out = out * v // math.gcd(out, v)
    return out


def calibrate(work: Work, target: float, *, multiple: int = 1, tries: int = 3) -> int:
    """How many units of *work* take about *target* seconds on one thread.

    After a warmup unit, times batches of 1, 2, 4, ... units until a batch
    lasts at least a tenth of *target*, then times that batch *tries* times
    and keeps the fastest. The answer is rounded up to a multiple of
    *multiple* (so the units split evenly between thread counts) and is at
    least *multiple*.

    :param target: seconds the whole job should take on one thread (> 0).
    """
    check_seconds("target", target, allow_zero=False)
    check_int("multiple", multiple, minimum=1)
    check_int("tries", tries, minimum=1)

    def timed(units: int) -> float:
        start = time.perf_counter()
        work.run(units)
        return time.perf_counter() - start

    work.run(1)
    batch = 1
    while timed(batch) < target / 10 and batch < 1 << 20:
        batch *= 2
    best = min(timed(batch) for _ in range(tries))
    units = math.ceil(target * batch / max(best, 1e-9))
    return max(multiple, math.ceil(units / multiple) * multiple)


def scaling_suite(
    kinds: Sequence[str] | None = None,
    threads: Sequence[int] | None = None,
    *,
    target: float = 0.2,
    repeats: int = MIN_REPEATS,
    warmups: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    options: dict[str, dict[str, Any]] | None = None,
) -> Suite:
    """Measure each kind of work on one thread and on more, same total work each time.

    For each kind, :func:`calibrate` picks a number of units that takes about
    *target* seconds on one thread; the units are split evenly between the
    threads of each configuration (``"sequential"`` for one thread, then
    ``"threads"`` for each further count) and the configurations are timed
    interleaved by :func:`gilref.core.harness.compare`.

    :param kinds: kinds from :data:`KINDS` (default: every kind available here).
    :param threads: thread counts (default: :func:`thread_counts`); 1 is always measured.
    :param target: seconds of work per job on one thread (> 0).
    :param options: per-kind keyword arguments for the :class:`Work` classes.
    :returns: a suite with one workload per kind; each timing's params hold
        ``units``, the unit's sizes and ``label``.
    :raises WorkUnavailable: if a kind named in *kinds* cannot run here.
    """
    if kinds is None:
        kinds = [k for k, why in available_kinds().items() if why is None]
    if isinstance(kinds, str) or not kinds:
        raise ValueError("kinds must be a non-empty list of kind names")
    for k in kinds:
        if k not in _KIND_CLASSES:
            raise ValueError(f"kinds: unknown kind {k!r}; choose from {', '.join(KINDS)}")
    counts = thread_counts() if threads is None else [check_int("threads", t, minimum=1) for t in threads]
    counts = sorted(set(counts) | {1})
    check_seconds("target", target, allow_zero=False)
    options = dict(options or {})
    multiple = _lcm(counts)
    if multiple > 60:
        multiple = max(counts)
    configs = [("sequential", 1)] + [("threads", c) for c in counts if c > 1]
    suite = Suite(metadata=collect_metadata())
    for kind in kinds:
        with make_work(kind, max(counts), **options.get(kind, {})) as work:
            units = calibrate(work, target, multiple=multiple)
            params = {"units": units, "unit": work.unit, "label": work.label,
                      "releases_gil": work.releases_gil, **work.params()}

            def tasks(workers: int, units: int = units) -> list[tuple[Any, ...]]:
                return [(c,) for c in split_count(units, workers)]

            compare(
                work.run,
                tasks,
                configs=configs,
                repeats=repeats,
                warmups=warmups,
                workload=kind,
                params=params,
                timeout=timeout,
                suite=suite,
            )
    return suite


def kinds_in(suite: Suite) -> list[str]:
    """The workloads of *suite*, in the order they were measured."""
    seen: list[str] = []
    for t in suite.timings:
        if t.workload not in seen:
            seen.append(t.workload)
    return seen


def speedups(suite: Suite, kind: str) -> dict[int, float]:
    """Thread count -> speedup over one thread (ratio of medians) for *kind*."""
    out = {1: 1.0}
    for t in suite.select(kind, "threads"):
        out[t.workers] = suite.speedup(t)
    return out


def speedup_rows(suite: Suite) -> list[dict[str, Any]]:
    """One table row per kind: its unit, units per job, one-thread median (s) and
    the speedup at each thread count."""
    rows = []
    for kind in kinds_in(suite):
        base = suite.baseline(kind)
        row: dict[str, Any] = {
            "kind of work": base.params.get("label", kind),
            "one unit": base.params.get("unit", ""),
            "units per job": base.params.get("units", ""),
            "1 thread (s)": f"{base.median:.3f}",
        }
        for workers, value in sorted(speedups(suite, kind).items()):
            if workers > 1:
                row[f"{workers} threads"] = f"{value:.2f}×"
        rows.append(row)
    return rows


# -- the interleaved prints ----------------------------------------------------


_SIGNED = re.compile(r"[+-][0-9]+")


def interleave_labels(text: str) -> list[str]:
    """Which task printed each number in ``examples/interleave.py``'s output.

    That example's first task prints ``-1, -2, ...``, the second ``+1, +2,
    ...``; every number carries its sign, so the numbers are found even when
    a hand-over between the threads split a line (``"+7-93"``).

    :returns: ``"minus"`` or ``"plus"`` per number, in output order.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return ["minus" if m.startswith("-") else "plus" for m in _SIGNED.findall(text)]


def broken_lines(text: str) -> int:
    """How many lines of *text* are not exactly one signed number (split by a hand-over)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return sum(1 for line in text.splitlines() if not _SIGNED.fullmatch(line.strip()))


def count_switches(labels: Sequence[Hashable]) -> int:
    """How many times consecutive items differ: the hand-overs between tasks' lines.

    >>> count_switches(["a", "a", "b", "a"])
    2
    """
    return sum(1 for a, b in zip(labels, labels[1:]) if a != b)


def interleave_runs(
    variants: Sequence[Sequence[str]],
    *,
    repeats: int = MIN_REPEATS,
    timeout: float = 60.0,
) -> list[dict[str, Any]]:
    """Run ``examples/interleave.py`` with each argument list *repeats* times
    (interleaved) and count, per run, the hand-overs between its two tasks.

    :param variants: argument lists, e.g. ``[[], ["--flush"], ["--count", "20000"]]``.
    :param timeout: seconds before one run is killed.
    :returns: one dict per variant: ``args``, and per run ``switches`` (see
        :func:`count_switches`), ``broken`` (see :func:`broken_lines`) and
        ``numbers`` (how many numbers were printed).
    """
    from ..core.examples import run_example

    check_int("repeats", repeats, minimum=1)
    if not variants:
        raise ValueError("variants must hold at least one argument list")
    out: list[dict[str, Any]] = [
        {"args": [str(a) for a in v], "switches": [], "broken": [], "numbers": []} for v in variants]
    for _ in range(repeats):
        for row in out:
            text = run_example("interleave.py", row["args"], timeout=timeout)
            labels = interleave_labels(text)
            row["switches"].append(count_switches(labels))
            row["broken"].append(broken_lines(text))
            row["numbers"].append(len(labels))
    return out


def first_switch_excerpt(text: str, *, before: int = 3, after: int = 4) -> str:
    """The lines of *text* around the first line on which the printing task changed."""
    lines = text.splitlines()
    previous = None
    for i, line in enumerate(lines):
        labels = interleave_labels(line)
        if previous is not None and labels and (labels[0] != previous or len(set(labels)) > 1):
            return "\n".join(lines[max(0, i - before): i + after])
        if labels:
            previous = labels[-1]
    return ""


# -- asyncio: waits that overlap on one thread ---------------------------------


async def _gather_sleeps(tasks: int, seconds: float) -> float:
    start = time.perf_counter()
    await asyncio.gather(*(asyncio.sleep(seconds) for _ in range(tasks)))
    return time.perf_counter() - start


def asyncio_waits(tasks: int = 3, seconds: float = 1.0, *, repeats: int = MIN_REPEATS) -> Timing:
    """Time *tasks* waits of *seconds* each gathered on one :mod:`asyncio` event loop.

    Each repeat runs :func:`asyncio.run` on a fresh helper thread (so it also
    works where the calling thread already runs an event loop, as in a
    notebook) that is joined with a deadline.

    :param tasks: how many coroutines wait at once (>= 1).
    :param seconds: each wait, in seconds (> 0).
    :param repeats: how many times to time the whole gather (>= 1).
    :returns: a timing (workload ``"asyncio_waits"``, mode ``"asyncio"``) whose
        values are the wall time of each gather, in seconds.
    :raises TimeoutError: if a gather overshoots ``tasks * seconds + 30`` seconds.
    """
    check_int("tasks", tasks, minimum=1)
    check_seconds("seconds", seconds, allow_zero=False)
    check_int("repeats", repeats, minimum=1)
    values: list[float] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            values.append(asyncio.run(_gather_sleeps(tasks, seconds)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    limit = tasks * seconds + 30.0
    for _ in range(repeats):
        worker = threading.Thread(target=one, name="gilref-asyncio", daemon=True)
        worker.start()
        worker.join(limit)
        if worker.is_alive():
            raise TimeoutError(f"{tasks} asyncio waits of {seconds:g} s did not finish within {limit:g} s")
        if errors:
            raise errors[0]
    return Timing("asyncio_waits", "asyncio", 1, tuple(values),
                  params={"tasks": tasks, "seconds": seconds, "sequential_s": tasks * seconds})
