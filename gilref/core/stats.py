"""Summary statistics for repeated timings (standard library only)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Summary", "summarize"]


@dataclass(frozen=True)
class Summary:
    """Median and spread of repeated measurements, in the values' own unit.

    ``spread`` is the interquartile range (``q3 - q1``); ``rel_spread`` is that
    range divided by the median (a fraction, 0.05 = 5%).
    """

    n: int
    median: float
    mean: float
    stdev: float
    minimum: float
    maximum: float
    q1: float
    q3: float

    @property
    def spread(self) -> float:
        """Interquartile range, in the values' unit."""
        return self.q3 - self.q1

    @property
    def rel_spread(self) -> float:
        """Interquartile range as a fraction of the median (``nan`` if the median is 0)."""
        return self.spread / self.median if self.median else math.nan


def summarize(values: Iterable[float]) -> Summary:
    """Summarize one or more measurements.

    :raises ValueError: if *values* is empty or holds a NaN or infinity.
    """
    data: Sequence[float] = [float(v) for v in values]
    if not data:
        raise ValueError("cannot summarize an empty list of measurements")
    if any(math.isnan(v) or math.isinf(v) for v in data):
        raise ValueError(f"measurements must be finite numbers, got {list(data)!r}")
    if len(data) == 1:
        q1 = q3 = data[0]
    else:
        q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return Summary(
        n=len(data),
        median=statistics.median(data),
        mean=statistics.fmean(data),
        stdev=statistics.stdev(data) if len(data) > 1 else 0.0,
        minimum=min(data),
        maximum=max(data),
        q1=q1,
        q3=q3,
    )
