"""Speed goals of the 'Getting past the GIL' chapters, as benchmarks (``nox -s bench``).

Each benchmark runs one side-by-side comparison and records its ratios in
``extra_info``; the goal is checked with the ``gate`` fixture.
"""

from __future__ import annotations

from gilref.core.hostinfo import usable_cpus
from gilref.topics.fetch import fetch_suite
from gilref.topics.processes import countdown_executor_suite


def test_thread_pool_fetching_scales_to_16(benchmark, gate):
    """Goal: fetching 32 URLs (50 ms each) on 1..16 threads reaches >= 0.9 x threads."""
    suite = benchmark.pedantic(
        fetch_suite, args=(32,),
        kwargs={"latency": 0.05, "workers": (1, 2, 4, 8, 16), "asyncio_limits": (16,), "repeats": 5},
        rounds=1, iterations=1)
    speedups = {t.workers: suite.speedup(t) for t in suite.select("fetch", "threads")}
    efficiency = {w: s / w for w, s in speedups.items()}
    asyncio16 = suite.speedup(suite.get("fetch", "asyncio", 16))
    benchmark.extra_info.update({f"efficiency_{w}": round(e, 3) for w, e in efficiency.items()})
    benchmark.extra_info["asyncio_16_speedup"] = round(asyncio16, 3)
    print("\n" + ", ".join(f"{w} threads: {e:.0%} of ideal" for w, e in efficiency.items())
          + f"; asyncio 16 in flight: {asyncio16:.2f}x")
    for w, s in speedups.items():
        gate.record(f"fetching 32 URLs, {w} threads", s, 0.9 * w)
    gate.check()


def test_two_processes_nearly_double_the_countdown(benchmark, gate):
    """Goal: 2 worker processes (pool kept) >= 1.8x the sequential countdown."""
    if usable_cpus() < 2:
        gate.skip("2 processes, pool kept", "needs at least 2 usable CPUs")
    suite = benchmark.pedantic(
        countdown_executor_suite, kwargs={"n": 32_000_000, "workers": 2, "repeats": 7},
        rounds=1, iterations=1)
    speedup = suite.speedup(suite.get("countdown", "processes"))
    fresh = suite.speedup(suite.get("countdown", "processes-new-pool"))
    benchmark.extra_info.update(speedup=round(speedup, 3), new_pool_speedup=round(fresh, 3))
    print(f"\n2 processes: {speedup:.2f}x one thread (new pool per run: {fresh:.2f}x)")
    gate("2 processes, pool kept", speedup, 1.8)
