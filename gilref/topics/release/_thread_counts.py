"""The thread counts the release-point chapter measures.

Kept here, alone, until :func:`gilref.core.harness.thread_counts` (being unified
into the harness) replaces it; then this module goes and its importers import
that one.
"""

from __future__ import annotations

from ...core._checks import check_int
from ...core.hostinfo import usable_cpus


def thread_counts(cpus: int | None = None) -> list[int]:
    """The thread counts to measure: every count from 1 to the CPUs, then twice
    the CPUs (at least 2); on hosts with more than 4 CPUs, powers of two up to
    the CPU count instead of every count.

    :param cpus: the CPU count to plan for (default: the CPUs this process may use).

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
