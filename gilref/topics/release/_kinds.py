"""The kinds of work the chapter measures, and the registry that names them.

Seven kinds: a sleep, a file read, a loopback socket transfer, SHA-256, zlib,
a NumPy matrix product (BLAS pinned to one thread) and a pure-Python loop. Each
is a :class:`~gilref.topics.release.Work` whose unit is fixed by its sizes (bytes,
steps, seconds), so a job of N units is the same work on any thread count.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import threading
import time
import zlib
from typing import Any, Callable

from ...core._checks import check_int, check_seconds
from ...core.workloads import countdown
from ._loopback import LoopbackPairs
from ._work import Slots, Work, WorkUnavailable


class SleepWork(Work):
    """Each unit is a :func:`time.sleep` of *seconds* (the GIL is released while asleep)."""

    name = "sleep"
    label = "time.sleep"

    def __init__(self, slots: int = 1, seconds: float = 0.01) -> None:
        super().__init__(slots)
        self.seconds = check_seconds("seconds", seconds, allow_zero=False)
        self.unit = f"sleep {self.seconds * 1000:g} ms"

    def params(self) -> dict[str, Any]:
        return {"unit_s": self.seconds, "gil_releases_per_unit": 1}

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
        # lseek and one read of the whole file, each with the GIL released (_io's FileIO).
        return {"file_bytes": self.size, "gil_releases_per_unit": 2}

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
        self._slots = Slots(slots)

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


class SocketWork(Work):
    """Each unit streams *chunks* chunks of *chunk* bytes through a loopback TCP
    connection: the thread sends a chunk on one end and receives it on the other.

    Every thread has its own connection (see :class:`LoopbackPairs`); the GIL
    is released in each ``send`` and ``recv`` system call, and, since every
    socket has a timeout, also in the ``poll`` CPython makes before each of them
    (``sock_call_ex`` in Modules/socketmodule.c). Those releases are short: a
    few microseconds each. :meth:`params` records how many there were per unit
    (``gil_releases_per_unit``, counted as the units ran), so a reader of the
    results can tell short releases from long ones.
    """

    name = "socket"
    label = "socket send/recv"

    def __init__(self, slots: int = 1, chunk: int = 64 << 10, chunks: int = 16) -> None:
        super().__init__(slots)
        self.chunk = check_int("chunk", chunk, minimum=1)
        self.chunks = check_int("chunks", chunks, minimum=1)
        self.unit = f"{self.chunks} × {self.chunk >> 10} KiB over 127.0.0.1"
        self.pairs: LoopbackPairs | None = None
        self._calls = 0  # send and recv calls made so far, over self._units units
        self._units = 0
        self._count_lock = threading.Lock()

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {"chunk_bytes": self.chunk, "chunks_per_unit": self.chunks}
        if self._units:
            # Each send or recv call is a poll and the call itself, each with the GIL released.
            out["gil_releases_per_unit"] = 2 * self._calls / self._units
        return out

    def setup(self) -> None:
        self.pairs = self._stack.enter_context(
            LoopbackPairs(self.slots, buffer_bytes=max(4 * self.chunk, 1 << 16)))
        data = os.urandom(self.chunk)
        self._slots = Slots([(c, s, data, bytearray(self.chunk)) for c, s in self.pairs.pairs])

    def run(self, units: int) -> None:
        slot = self._slots.take()
        client, server, data, buf = slot
        calls = 0
        try:
            view = memoryview(buf)
            for _ in range(units * self.chunks):
                client.sendall(data)  # one send: the buffers hold several chunks
                calls += 1
                got = 0
                while got < self.chunk:
                    n = server.recv_into(view[got:])
                    calls += 1
                    if not n:
                        raise ConnectionError("the loopback connection closed early")
                    got += n
        finally:
            self._slots.give(slot)
            with self._count_lock:
                self._calls += calls
                self._units += units


class HashWork(Work):
    """Each unit is a SHA-256 of a *size*-byte buffer (CPython releases the GIL
    while hashing more than 2047 bytes at once)."""

    name = "hashlib"
    label = "hashlib.sha256"

    def __init__(self, slots: int = 1, size: int = 1 << 20) -> None:
        super().__init__(slots)
        self.size = check_int("size", size, minimum=1)
        self.unit = f"sha256 of {self.size >> 10} KiB"

    def params(self) -> dict[str, Any]:
        # One release around the whole hash of the buffer (the constructor given the data).
        return {"buffer_bytes": self.size, "gil_releases_per_unit": 1}

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
        self._slots = Slots(outs)
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
