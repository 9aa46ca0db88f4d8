"""This host's GIL profile: host facts, the countdown three ways, I/O waits on threads."""

from __future__ import annotations

from typing import Any

from .book.tables import render_table, timing_rows
from .core.harness import countdown_suite, io_suite
from .core.hostinfo import collect_metadata, usable_cpus
from .core.results import Suite

__all__ = ["FULL", "QUICK", "profile", "render_text"]

#: Parameters of a full profile: countdown steps, I/O tasks, I/O latency [s], thread counts.
FULL: dict[str, Any] = {"n": 20_000_000, "io_tasks": 8, "io_latency": 0.05, "io_workers": (1, 2, 4, 8)}
#: Parameters of a quick profile (a few seconds).
QUICK: dict[str, Any] = {"n": 2_000_000, "io_tasks": 4, "io_latency": 0.02, "io_workers": (1, 2, 4)}


def profile(*, quick: bool = False, workers: int | None = None, n: int | None = None) -> Suite:
    """Measure this host's profile and return it as one :class:`~gilref.core.results.Suite`.

    :param quick: smaller workloads (seconds instead of tens of seconds).
    :param workers: threads/processes for the countdown (default: usable CPUs).
    :param n: countdown steps (default: 20 million, or 2 million when *quick*).
    """
    params = QUICK if quick else FULL
    workers = workers or usable_cpus()
    suite = Suite(metadata=collect_metadata())
    suite.metadata["profile"] = "quick" if quick else "full"
    cpu = countdown_suite(n or params["n"], workers)
    io = io_suite(params["io_latency"], params["io_tasks"], params["io_workers"])
    suite.timings.extend(cpu.timings)
    suite.timings.extend(io.timings)
    return suite


def render_text(suite: Suite) -> str:
    """The profile as a plain-text report: host facts, then one table per workload."""
    md = suite.metadata
    facts = [
        ("Python", f"{md.get('python_implementation')} {md.get('python_version')} ({md.get('python_build')} build)"),
        ("GIL enabled", f"{md.get('gil_enabled')} (from {md.get('gil_enabled_source')})"),
        ("CPUs", f"{md.get('usable_cpus')} usable of {md.get('cpu_count')} ({md.get('cpu_model')})"),
        ("Platform", f"{md.get('os')} / {md.get('platform')}"),
        ("Load average", ", ".join(str(x) for x in md.get("load_average") or []) or "unknown"),
        ("Date", str(md.get("date"))),
    ]
    width = max(len(k) for k, _ in facts)
    lines = ["GIL profile of this host", ""]
    lines += [f"  {k.ljust(width)}  {v}" for k, v in facts]
    for workload, heading in (("countdown", "CPU-bound: countdown"), ("io_wait", "I/O-bound: waits on threads")):
        rows = timing_rows(suite, [t for t in suite.timings if t.workload == workload])
        if not rows:
            continue
        columns = [c for c in rows[0] if c != "workload"]
        lines += ["", heading, ""]
        lines += render_table(rows, columns, style="text", indent="  ").splitlines()
    return "\n".join(lines) + "\n"
