"""Was the host busy while we measured? (standard library only)

A parallel speedup needs idle cores. When a measurement falls short, the page
should say whether other programs were competing for the CPUs, from evidence
rather than by guessing: :func:`explain` reads the load average right after
the measurement and discounts the measurement's own workers.
"""

from __future__ import annotations

from ..core._checks import check_int
from ..core.hostinfo import load_average, usable_cpus

__all__ = ["explain", "other_load"]


def other_load(own_workers: int, load: float | None = None) -> float | None:
    """Runnable processes beyond the measurement's own, from the 1-minute load average.

    :param own_workers: threads/processes the measurement itself kept busy (>= 0).
    :param load: a 1-minute load average to use instead of reading this host's.
    :returns: ``max(0, load - own_workers)``, or ``None`` if the load is unknown.
    """
    check_int("own_workers", own_workers, minimum=0)
    if load is None:
        la = load_average()
        if la is None:
            return None
        load = la[0]
    return max(0.0, float(load) - own_workers)


def explain(own_workers: int, *, cpus: int | None = None, load: float | None = None) -> str:
    """A clause saying whether competing programs can explain a shortfall.

    Call it right after the measurement. The 1-minute load average is a
    moving average, so it reflects the last minute of the measurement.

    :param own_workers: threads/processes the measurement itself kept busy.
    :param cpus: the CPUs available (default: this process's usable CPUs).
    :param load: a 1-minute load average to use instead of reading this host's.
    """
    cpus = usable_cpus() if cpus is None else check_int("cpus", cpus, minimum=1)
    if load is None:
        la = load_average()
        load = None if la is None else float(la[0])
    extra = other_load(own_workers, load)
    if extra is None or load is None:
        return "this host does not report its load, so competition from other programs cannot be ruled out"
    total = float(load)  # the load itself, not the discounted one: never more than was measured
    if extra >= 0.5:
        return (f"other programs were competing for the CPUs: the 1-minute load average was {total:.1f} "
                f"on {cpus} CPUs, of which this measurement accounts for at most {own_workers}")
    return (f"the 1-minute load average was {total:.1f} on {cpus} CPUs, so competing programs do not "
            "explain it")
