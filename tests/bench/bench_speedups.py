"""Speed goals of the foundation, as benchmarks (``nox -s bench``), never as tests.

Each benchmark runs one side-by-side comparison (the harness interleaves the
configurations) and checks its speedup with the ``gate`` fixture (a ratio, so it
holds on any machine); the step time is the one absolute timing, compared only
with a baseline from the same machine.
"""

from __future__ import annotations

from gilref.core.harness import countdown_suite, io_suite
from gilref.core.hostinfo import usable_cpus
from gilref.core.workloads import countdown

N = usable_cpus()


def test_countdown_step_time(benchmark):
    """Seconds per 1,000,000 countdown steps on one thread."""
    benchmark.pedantic(countdown, args=(1_000_000,), rounds=10, warmup_rounds=1)


def test_processes_speed_up_the_countdown(benchmark, gate):
    """Goal: N processes >= 0.9 x N the sequential countdown (1.8x on 2 CPUs)."""
    if N < 2:
        gate.skip("N processes, countdown", "needs at least 2 usable CPUs")
    suite = benchmark.pedantic(
        countdown_suite, kwargs={"n": 40_000_000, "modes": ("sequential", "processes"), "repeats": 7},
        rounds=1, iterations=1)
    speedup = suite.speedup(suite.get("countdown", "processes"))
    benchmark.extra_info.update(workers=N, speedup=round(speedup, 3))
    print(f"\n{N} processes: {speedup:.2f}x one thread")
    gate(f"{N} processes, countdown", speedup, 0.9 * N)


def test_threads_overlap_io_waits(benchmark, gate):
    """Goal: N threads on I/O waits >= 0.9 x N."""
    workers = max(N, 2)
    suite = benchmark.pedantic(
        io_suite, kwargs={"latency": 0.05, "tasks": workers * 4, "workers": (workers,), "repeats": 7},
        rounds=1, iterations=1)
    speedup = suite.speedup(suite.get("io_wait", "threads", workers))
    benchmark.extra_info.update(workers=workers, speedup=round(speedup, 3))
    print(f"\n{workers} threads on waits: {speedup:.2f}x one thread")
    gate(f"{workers} threads, I/O waits", speedup, 0.9 * workers)
