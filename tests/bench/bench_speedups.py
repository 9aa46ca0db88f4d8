"""Speed goals of the foundation, as benchmarks (``nox -s bench``), never as tests.

Each benchmark runs one side-by-side comparison (the harness interleaves the
configurations) and records the speedup in the benchmark's ``extra_info``.
"""

from __future__ import annotations

import pytest

from gilref.core.harness import countdown_suite, io_suite
from gilref.core.hostinfo import usable_cpus
from gilref.core.workloads import countdown

N = usable_cpus()


def test_countdown_step_time(benchmark):
    """Seconds per 1,000,000 countdown steps on one thread."""
    benchmark.pedantic(countdown, args=(1_000_000,), rounds=10, warmup_rounds=1)


@pytest.mark.skipif(N < 2, reason="needs at least 2 usable CPUs")
def test_processes_speed_up_the_countdown(benchmark):
    """Goal: N processes >= 1.6x the sequential countdown."""
    suite = benchmark.pedantic(
        countdown_suite, kwargs={"n": 40_000_000, "modes": ("sequential", "processes"), "repeats": 7},
        rounds=1, iterations=1)
    speedup = suite.speedup(suite.get("countdown", "processes"))
    benchmark.extra_info.update(workers=N, speedup=round(speedup, 3))
    print(f"\n{N} processes: {speedup:.2f}x one thread")
    assert speedup >= 1.6


def test_threads_overlap_io_waits(benchmark):
    """Goal: N threads on I/O waits >= 0.9 x N."""
    workers = max(N, 2)
    suite = benchmark.pedantic(
        io_suite, kwargs={"latency": 0.05, "tasks": workers * 4, "workers": (workers,), "repeats": 7},
        rounds=1, iterations=1)
    speedup = suite.speedup(suite.get("io_wait", "threads", workers))
    benchmark.extra_info.update(workers=workers, speedup=round(speedup, 3))
    print(f"\n{workers} threads on waits: {speedup:.2f}x one thread")
    assert speedup >= 0.9 * workers
