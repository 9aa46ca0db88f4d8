"""Results: timings with their host, stored as versioned JSON.

A :class:`Suite` holds the :class:`Timing` of each configuration measured in one
run (one workload run sequentially, on threads, on processes, ...) and the
metadata of the host it ran on. It round-trips through a JSON document::

    {"format": "gilref-results", "version": 1,
     "metadata": {...host facts...},
     "timings": [{"workload": "countdown", "mode": "threads", "workers": 2,
                  "unit": "s", "better": "lower",
                  "values": [...], "warmups": [...], "params": {...}}]}

Every timing knows its unit and which direction is better: ``"lower"`` for
durations (seconds, ns per iteration, a share of slow requests), ``"higher"``
for rates (requests per second, loop steps per second). A file written before
``better`` existed is still read (version 1 throughout): a missing ``unit``
means seconds, and a missing ``better`` means lower is better, except for a
unit that is a rate (one ending in ``/s``, as ``req/s`` or ``steps/s``, which
earlier versions already wrote), which means higher is better.

Loading checks every field and raises :class:`ResultsFormatError` with a
one-line reason for anything that is not such a document.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .jsonio import write_json
from .stats import Summary, summarize
from .verdicts import Interval

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ResultsFormatError",
    "Suite",
    "Timing",
    "is_rate",
    "ratio",
]

FORMAT = "gilref-results"
FORMAT_VERSION = 1
BASELINE_MODE = "sequential"
_MODE_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
#: The values of :attr:`Timing.better`.
BETTER = ("lower", "higher")


def is_rate(unit: str) -> bool:
    """True for a unit that counts something per second, e.g. ``"req/s"`` or ``"steps/s"``."""
    return unit.endswith("/s")


def ratio(base: float, new: float, *, higher_is_better: bool = False) -> float:
    """How many times better *new* is than *base* (> 1: better).

    ``base / new`` for a duration (lower is better), ``new / base`` for a rate.
    """
    return new / base if higher_is_better else base / new


class ResultsFormatError(ValueError):
    """A document is not a gilref results file this version can read."""


@dataclass(frozen=True)
class Timing:
    """Repeated measurements of one workload in one execution mode.

    :param workload: what ran, e.g. ``"countdown"``.
    :param mode: how it ran: ``"sequential"`` (the baseline), ``"threads"``,
        ``"processes"``, or another lower-case identifier.
    :param workers: how many threads/processes shared the work (1 for sequential).
    :param values: one measurement per repeat, in *unit* (seconds by default).
    :param warmups: measurements taken before *values* and not used in statistics.
    :param params: the workload's parameters (JSON-ready), e.g. ``{"n": 20000000}``.
    :param unit: the unit of *values*; ``"s"`` (seconds) unless stated.
    :param better: ``"lower"`` (the default: a duration, smaller is faster) or
        ``"higher"`` (a rate such as ``"req/s"``: bigger is faster). It decides
        which way round :meth:`Suite.speedup` divides.
    """

    workload: str
    mode: str
    workers: int
    values: tuple[float, ...]
    warmups: tuple[float, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    unit: str = "s"
    better: str = "lower"

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("a Timing needs at least one measured value")
        if self.better not in BETTER:
            raise ValueError(f"better must be 'lower' or 'higher', got {self.better!r}")
        object.__setattr__(self, "values", tuple(float(v) for v in self.values))
        object.__setattr__(self, "warmups", tuple(float(v) for v in self.warmups))

    @property
    def summary(self) -> Summary:
        """Median, quartiles and extremes of ``values``."""
        return summarize(self.values)

    @property
    def higher_is_better(self) -> bool:
        """True for a rate (bigger values are faster), False for a duration."""
        return self.better == "higher"

    @property
    def median(self) -> float:
        """Median of ``values``, in ``unit``."""
        return self.summary.median

    @property
    def label(self) -> str:
        """A short label such as ``"2 threads"`` or ``"sequential"``."""
        if self.mode == BASELINE_MODE:
            return "1 thread (sequential)"
        noun = self.mode
        if self.workers == 1 and self.mode.endswith("s"):
            noun = self.mode[:-2] if self.mode.endswith("sses") else self.mode[:-1]  # processes -> process
        return f"{self.workers} {noun}"

    def to_dict(self) -> dict[str, Any]:
        """This timing as a JSON-ready dict (statistics included for readers)."""
        s = self.summary
        return {
            "workload": self.workload,
            "mode": self.mode,
            "workers": self.workers,
            "unit": self.unit,
            "better": self.better,
            "params": dict(self.params),
            "values": list(self.values),
            "warmups": list(self.warmups),
            "median": s.median,
            "q1": s.q1,
            "q3": s.q3,
            "min": s.minimum,
            "max": s.maximum,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "timing") -> Timing:
        """Build a timing from :meth:`to_dict` output, checking every field."""
        if not isinstance(data, dict):
            raise ResultsFormatError(f"{where}: expected an object, got {type(data).__name__}")
        for key in ("workload", "mode", "workers", "values"):
            if key not in data:
                raise ResultsFormatError(f"{where}: missing {key!r}")
        workload, mode, workers = data["workload"], data["mode"], data["workers"]
        if not isinstance(workload, str) or not workload:
            raise ResultsFormatError(f"{where}: 'workload' must be a non-empty string")
        if not isinstance(mode, str) or not _MODE_RE.match(mode):
            raise ResultsFormatError(f"{where}: 'mode' must be a lower-case identifier, got {mode!r}")
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ResultsFormatError(f"{where}: 'workers' must be an int >= 1, got {workers!r}")
        values = _numbers(data["values"], f"{where}: 'values'", nonempty=True)
        warmups = _numbers(data.get("warmups", []), f"{where}: 'warmups'", nonempty=False)
        params = data.get("params", {})
        if not isinstance(params, dict):
            raise ResultsFormatError(f"{where}: 'params' must be an object")
        unit = data.get("unit", "s")
        if not isinstance(unit, str):
            raise ResultsFormatError(f"{where}: 'unit' must be a string")
        better = data.get("better", "higher" if is_rate(unit) else "lower")
        if better not in BETTER:
            raise ResultsFormatError(f"{where}: 'better' must be 'lower' or 'higher', got {better!r}")
        return cls(workload, mode, workers, tuple(values), tuple(warmups), params, unit, better)


def _numbers(value: Any, where: str, *, nonempty: bool) -> list[float]:
    if not isinstance(value, list) or (nonempty and not value):
        kind = "a non-empty list" if nonempty else "a list"
        raise ResultsFormatError(f"{where} must be {kind} of numbers")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ResultsFormatError(f"{where} holds {v!r}, which is not a finite number")
        out.append(float(v))
    return out


@dataclass
class Suite:
    """The timings of one run and the metadata of the host they ran on."""

    timings: list[Timing] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def add(self, timing: Timing) -> Timing:
        """Append *timing* and return it."""
        self.timings.append(timing)
        return timing

    def get(self, workload: str, mode: str, workers: int | None = None) -> Timing:
        """The timing of *workload* in *mode* (and *workers*, if given).

        :raises KeyError: if there is none, or several match.
        """
        found = [
            t
            for t in self.timings
            if t.workload == workload and t.mode == mode and (workers is None or t.workers == workers)
        ]
        if len(found) != 1:
            what = f"{workload!r} in mode {mode!r}" + (f" with {workers} workers" if workers else "")
            problem = "no timing" if not found else f"{len(found)} timings"
            raise KeyError(f"{problem} of {what} in this suite")
        return found[0]

    def select(self, workload: str | None = None, mode: str | None = None) -> list[Timing]:
        """Timings matching *workload* and *mode* (``None`` matches any), by worker count."""
        picked = [
            t
            for t in self.timings
            if (workload is None or t.workload == workload) and (mode is None or t.mode == mode)
        ]
        return sorted(picked, key=lambda t: t.workers)

    def baseline(self, workload: str) -> Timing:
        """The sequential (one-thread) timing of *workload*."""
        return self.get(workload, BASELINE_MODE)

    def speedup(self, timing: Timing) -> float:
        """How many times faster *timing* ran than its workload's sequential run.

        A ratio of medians, the right way round for the measure (> 1 is faster):
        for a duration ``baseline.median / timing.median``, for a rate
        (:attr:`Timing.higher_is_better`) ``timing.median / baseline.median``.

        :raises KeyError: if the workload has no sequential run.
        :raises ValueError: if the baseline has another unit or direction.
        """
        base = self._comparable_baseline(timing)
        return ratio(base.median, timing.median, higher_is_better=timing.higher_is_better)

    def speedup_range(self, timing: Timing) -> tuple[float, float]:
        """Low and high speedup from the quartiles.

        For a duration ``(base.q1 / t.q3, base.q3 / t.q1)``, for a rate
        ``(t.q1 / base.q3, t.q3 / base.q1)``.
        """
        base = self._comparable_baseline(timing).summary
        s = timing.summary
        if timing.higher_is_better:
            return s.q1 / base.q3, s.q3 / base.q1
        return base.q1 / s.q3, base.q3 / s.q1

    def speedup_interval(self, timing: Timing) -> Interval:
        """The speedup as an :class:`~gilref.core.verdicts.Interval`: (low, median, high)
        from :meth:`speedup_range` and :meth:`speedup` (a factor, > 1 is faster)."""
        low, high = self.speedup_range(timing)
        mid = self.speedup(timing)
        return Interval(min(low, mid), mid, max(high, mid))

    def _comparable_baseline(self, timing: Timing) -> Timing:
        base = self.baseline(timing.workload)
        if (base.unit, base.better) != (timing.unit, timing.better):
            raise ValueError(
                f"cannot compare {timing.label} ({timing.unit}, {timing.better} is better) of "
                f"{timing.workload!r} with its baseline ({base.unit}, {base.better} is better)"
            )
        return base

    # -- JSON -----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """This suite as a JSON-ready dict in the versioned format."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "metadata": dict(self.metadata),
            "timings": [t.to_dict() for t in self.timings],
        }

    def dumps(self, indent: int | None = 2) -> str:
        """This suite as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    def save(self, path: str | Path) -> Path:
        """Write this suite to *path* as JSON (atomically) and return the path."""
        return write_json(path, self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> Suite:
        """Read a suite from a parsed JSON document, checking format and version."""
        if not isinstance(data, dict):
            raise ResultsFormatError(
                f"expected a JSON object with format {FORMAT!r}, got {type(data).__name__}"
            )
        fmt = data.get("format")
        if fmt != FORMAT:
            raise ResultsFormatError(f"not a gilref results file: format is {fmt!r}, expected {FORMAT!r}")
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int):
            raise ResultsFormatError(f"'version' must be an int, got {version!r}")
        if version > FORMAT_VERSION:
            raise ResultsFormatError(
                f"results format version {version} is newer than this gilref reads "
                f"(up to {FORMAT_VERSION}); upgrade gilref"
            )
        if version < 1:
            raise ResultsFormatError(f"unknown results format version {version}")
        metadata = data.get("metadata", {})
        if not isinstance(metadata, dict):
            raise ResultsFormatError("'metadata' must be an object")
        raw = data.get("timings")
        if not isinstance(raw, list):
            raise ResultsFormatError("'timings' must be a list")
        timings = [Timing.from_dict(t, f"timing {i}") for i, t in enumerate(raw)]
        return cls(timings=timings, metadata=metadata)

    @classmethod
    def loads(cls, text: str) -> Suite:
        """Parse JSON text produced by :meth:`dumps`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ResultsFormatError(
                f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            ) from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> Suite:
        """Read a suite from a JSON file."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ResultsFormatError(f"{path}: not a text file") from None
        return cls.loads(text)

    @classmethod
    def merge(cls, suites: Iterable[Suite]) -> Suite:
        """One suite holding every timing of *suites* (metadata of the first)."""
        out = cls()
        for s in suites:
            if not out.metadata:
                out.metadata = dict(s.metadata)
            out.timings.extend(s.timings)
        return out
