"""Four of the book's own workloads as small programs to run under ``gilref diagnose``.

Run: ``python -m gilref.topics.diagnose_programs NAME [--seconds S] [--workers N]``:

``countdown``
    the countdown (:func:`gilref.core.workloads.countdown`) on N threads, a
    fixed job of ``--count`` steps (split between the threads), as in "CPU-bound
    versus I/O-bound";
``fetch``
    N threads fetching URLs from the book's latency server
    (:class:`gilref.topics.httpserver.ServerProcess`, on 127.0.0.1 in its own
    process) for S seconds, as in "Fetching with ThreadPoolExecutor";
``numpy``
    N threads multiplying NumPy matrices with BLAS pinned to one thread, as in
    "Native code that releases the GIL" (``hashlib`` on a large buffer if NumPy
    is missing: it releases the GIL too);
``hashlib``
    N threads hashing a 16 MiB buffer with SHA-256 for S seconds;
``convoy``
    the echo server of "The convoy effect" (:class:`gilref.topics.convoy.EchoServer`),
    served by one thread, with a CPU-bound thread beside it and a client in a
    separate process sending small messages for S seconds.

Each prints one JSON line at the end: ``{"program": NAME, "seconds": wall
time of the work [s], ...}``. Every wait has a timeout and everything started
is stopped. :data:`EXPECTED` says which verdict each should get and which
earlier chapter's claim measured the same workload.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..core.paths import env_importing_gilref
from ..core.workloads import countdown, split_count

__all__ = ["EXPECTED", "PROGRAMS", "command", "main"]

#: For each program: (the verdict it should get, the chapter that measured it, that chapter's claim).
EXPECTED = {
    "countdown": ("gil-bound", "cpu-vs-io", "threads_verdict"),
    "fetch": ("io-bound", "fetching", "threads_scale"),
    "numpy": ("native", "native-code", "numpy_verdict"),
    "convoy": ("mixed", "convoy", "convoy_slows"),
}

PROGRAMS = ("countdown", "fetch", "numpy", "hashlib", "convoy")


def command(name: str, *args: str, python: str | None = None) -> list[str]:
    """The command line that runs program *name* (for :func:`gilref.topics.diagnose.diagnose`)."""
    if name not in PROGRAMS:
        raise ValueError(f"unknown program {name!r}: one of {', '.join(PROGRAMS)}")
    return [python or sys.executable, "-m", "gilref.topics.diagnose_programs", name, *args]


def env() -> dict[str, str]:
    """An environment in which :func:`command` imports this gilref."""
    return env_importing_gilref()


def _on_threads(target: Any, args_per_thread: Sequence[tuple[Any, ...]], prefix: str) -> float:
    threads = [threading.Thread(target=target, args=a, name=f"{prefix}-{i}") for i, a in enumerate(args_per_thread)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def run_countdown(count: int, workers: int) -> dict[str, Any]:
    seconds = _on_threads(countdown, [(n,) for n in split_count(count, workers)], "countdown")
    return {"count": count, "workers": workers, "seconds": seconds}


def run_fetch(seconds: float, workers: int) -> dict[str, Any]:
    from .fetch import fetch_threads
    from .httpserver import ServerProcess

    fetched = 0
    with ServerProcess(latency=0.05, size=1024, max_requests=100_000) as server, \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            results = fetch_threads(server.urls(workers * 2), workers, timeout=5.0, executor=pool)
            fetched += sum(r.ok for r in results)
        took = time.perf_counter() - start
    return {"workers": workers, "seconds": took, "fetched": fetched}


def _hash_until(deadline: float, buf: bytes, out: list[int]) -> None:
    n = 0
    while time.perf_counter() < deadline:
        hashlib.sha256(buf).digest()
        n += 1
    out.append(n)


def run_hashlib(seconds: float, workers: int) -> dict[str, Any]:
    buf = b"\x5a" * (16 << 20)
    done: list[int] = []
    deadline = time.perf_counter() + seconds
    took = _on_threads(_hash_until, [(deadline, buf, done)] * workers, "hashlib")
    return {"workers": workers, "seconds": took, "hashes": sum(done), "buffer_bytes": len(buf)}


def _matmul_until(deadline: float, a: Any, b: Any, out: list[int]) -> None:
    n = 0
    while time.perf_counter() < deadline:
        a @ b
        n += 1
    out.append(n)


def run_numpy(seconds: float, workers: int) -> dict[str, Any]:
    try:
        import numpy as np
    except ImportError:
        result = run_hashlib(seconds, workers)
        result["fallback"] = "hashlib (NumPy is not installed)"
        return result
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]
    except ImportError:  # BLAS may then use its own threads too; the Python threads still release the GIL
        threadpool_limits = None
    rng = np.random.default_rng(0)
    a, b = rng.random((400, 400)), rng.random((400, 400))
    done: list[int] = []
    deadline = time.perf_counter() + seconds
    if threadpool_limits is not None:
        with threadpool_limits(limits=1, user_api="blas"):
            took = _on_threads(_matmul_until, [(deadline, a, b, done)] * workers, "numpy")
    else:
        took = _on_threads(_matmul_until, [(deadline, a, b, done)] * workers, "numpy")
    return {"workers": workers, "seconds": took, "products": sum(done), "size": 400}


def _spin(stop: threading.Event) -> None:
    while not stop.is_set():
        for _ in range(20_000):
            pass


_CLIENT = """
import socket, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
n, end = 0, time.perf_counter() + seconds
while time.perf_counter() < end:
    s.sendall(b"x" * 16)
    got = 0
    while got < 16:
        data = s.recv(65536)
        if not data:
            raise SystemExit("server closed")
        got += len(data)
    n += 1
s.close()
print(n)
"""


def run_convoy(seconds: float) -> dict[str, Any]:
    from .convoy import EchoServer

    stop = threading.Event()
    spinner = threading.Thread(target=_spin, args=(stop,), name="cpu-spinner")
    with EchoServer() as server:
        spinner.start()
        try:
            start = time.perf_counter()
            client = subprocess.run([sys.executable, "-c", _CLIENT, str(server.address[1]), repr(seconds)],
                                    capture_output=True, text=True, timeout=seconds + 60, check=True)
            took = time.perf_counter() - start
        finally:
            stop.set()
            spinner.join(timeout=30)
    requests = int(client.stdout.strip() or 0)
    return {"seconds": took, "requests": requests, "requests_per_s": requests / took if took else 0.0}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gilref.topics.diagnose_programs",
                                     description="The book's workloads as programs to diagnose.")
    parser.add_argument("program", choices=PROGRAMS)
    parser.add_argument("--seconds", type=float, default=2.0, help="how long the timed programs run (default: 2)")
    parser.add_argument("--workers", type=int, default=2, help="threads (default: 2)")
    parser.add_argument("--count", type=int, default=20_000_000, help="countdown steps in all (default: 20000000)")
    args = parser.parse_args(argv)
    if args.program == "countdown":
        result = run_countdown(args.count, args.workers)
    elif args.program == "fetch":
        result = run_fetch(args.seconds, args.workers)
    elif args.program == "numpy":
        result = run_numpy(args.seconds, args.workers)
    elif args.program == "hashlib":
        result = run_hashlib(args.seconds, args.workers)
    else:
        result = run_convoy(args.seconds)
    print(json.dumps({"program": args.program, **result}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())



# -- what the chapter runs ------------------------------------------------------------

#: The chapter's runs: program name -> its extra arguments.
CHAPTER_RUNS = {
    "countdown": ("--count", "40000000", "--workers", "2"),
    "fetch": ("--seconds", "2", "--workers", "8"),
    "numpy": ("--seconds", "2", "--workers", "2"),
    "convoy": ("--seconds", "2"),
}


def diagnose_program(name: str, *args: str, rate: int = 50) -> tuple[Any, dict[str, Any]]:
    """Diagnose program *name*; return the :class:`~gilref.topics.diagnose.Diagnosis` and the program's JSON line.

    :raises gilref.topics.diagnose.DiagnoseError: when it cannot be diagnosed here.
    """
    import tempfile

    from .diagnose import diagnose

    with tempfile.TemporaryFile("w+") as out:
        d = diagnose(command(name, *args), env=env(), rate=rate, program_stdout=out, timeout=600)
        out.seek(0)
        lines = [ln for ln in out.read().splitlines() if ln.startswith("{")]
    return d, json.loads(lines[-1]) if lines else {}


def agrees(name: str, verdict_key: str, earlier_holds: bool) -> bool:
    """Whether a diagnosis of *name* agrees with the earlier chapter's measurement of the same workload.

    The earlier claim (:data:`EXPECTED`) is the measured consequence of the
    expected verdict (threads did not help the countdown, threads scaled the
    fetches, threads sped up NumPy, the CPU thread slowed the server down): they
    agree when both hold or neither does.
    """
    return (verdict_key == EXPECTED[name][0]) == earlier_holds


def overhead(count: int = 40_000_000, workers: int = 2, repeats: int = 3, rate: int = 50) -> dict[str, Any]:
    """The countdown's own wall time [s] alone and under ``gilref diagnose``, interleaved *repeats* times.

    Returns ``{"alone": [s...], "diagnosed": [s...], "ratio": median diagnosed / median alone}``.

    :raises gilref.topics.diagnose.DiagnoseError: if a run cannot be diagnosed (too short: raise *count*).
    """
    import statistics

    alone: list[float] = []
    diagnosed: list[float] = []
    args = ("--count", str(count), "--workers", str(workers))
    for _ in range(repeats):
        proc = subprocess.run(command("countdown", *args), capture_output=True, text=True, env=env(),
                              timeout=600, check=True)
        alone.append(float(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]))
        _, result = diagnose_program("countdown", *args, rate=rate)
        diagnosed.append(float(result["seconds"]))
    return {"alone": alone, "diagnosed": diagnosed, "rate_hz": rate,
            "ratio": statistics.median(diagnosed) / statistics.median(alone)}
