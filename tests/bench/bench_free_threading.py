"""Speed goal of the free-threading chapter, as a benchmark (``nox -s bench``).

CPython's free-threaded build (provisioned by ``python -m gilref provision``,
run here as a child process) must run a CPU-bound countdown on 2 threads at
least 1.8x as fast as on one: the same steps in total, timed side by side.
"""

from __future__ import annotations

from gilref.core.hostinfo import usable_cpus
from gilref.core.results import Suite
from gilref.topics.freethreading import variants

NAME = "free-threaded build, 2 threads, countdown"


def test_free_threaded_build_runs_two_threads_in_parallel(benchmark, gate):
    """Goal: 2 threads on the free-threaded build >= 1.8x its own sequential countdown."""
    if usable_cpus() < 2:
        gate.skip(NAME, "needs at least 2 usable CPUs")
    ft = variants().get("free-threaded")
    if ft is None:
        gate.skip(NAME, "no free-threaded CPython 3.13 found: run 'python3 -m gilref provision' "
                        "(or put one in $GILREF_PYTHONS)")

    def measure() -> Suite:
        data = ft.call("gilref.topics.freethreading:countdown_scaling",
                       {"n": 20_000_000, "threads": [2], "repeats": 7}, timeout=900)
        return Suite.from_dict(data)

    suite = benchmark.pedantic(measure, rounds=1, iterations=1)
    speedup = suite.speedup(suite.get("countdown", "threads", 2))
    benchmark.extra_info.update(interpreter=ft.label, speedup=round(speedup, 3))
    print(f"\n{ft.label}, 2 threads: {speedup:.2f}x one thread")
    gate(NAME, speedup, 1.8, note=ft.label)
