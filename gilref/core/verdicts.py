"""Verdicts and invariants: what a measurement says, and whether the measurement was sound.

Standard library only, so the topic modules' verdict functions run anywhere.

A **verdict** (:class:`Claim`) is a conclusion the literature usually states,
decided on this build's data. It is decided on an :class:`Interval` (the
repeats' spread, e.g. the speedup from the quartiles), never on one ratio,
and so has three outcomes: it *holds* (the whole interval supports it), it is
*contradicted* (the whole interval goes against it), or the run is
*undecided* (the interval straddles the threshold). :meth:`Claim.markdown` is
the sentence to print: the finding when it holds, a visible warning otherwise.

An **invariant** (:class:`Invariant`) is what must hold if the run was sound
at all, whatever the claim: a time that cannot fall when the work grows, shares
within their whole, a one-way cost at most a round trip. The book re-measures
once when one breaks (:meth:`gilref.book.chapter.Chapter.measure`) and shows
a note with the likely cause when it still does.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CONTRADICTED_TITLE",
    "INVARIANT_TITLE",
    "UNDECIDED_HINT",
    "UNDECIDED_TITLE",
    "Claim",
    "Interval",
    "Invariant",
    "at_most",
    "check",
    "invariant",
    "monotone",
    "quartiles",
    "ratio_interval",
    "shares_within",
]

#: The title of the warning a contradicted claim prints.
CONTRADICTED_TITLE = "The usual claim does not hold on this host"
#: The title of the note an undecided claim prints.
UNDECIDED_TITLE = "This run cannot decide the usual claim"
#: What an undecided claim's warning adds: what it would take to decide it.
UNDECIDED_HINT = ("To decide it, build the book again with more repeats or on a quieter host (nothing else "
                  "running on its CPUs): a narrower interval falls on one side of the threshold.")
#: The title of the note a broken invariant prints.
INVARIANT_TITLE = "A measurement on this page is not sound"


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """(first quartile, median, third quartile) of *values* (the inclusive method; one value is all three).

    :raises ValueError: if *values* is empty.
    """
    xs = sorted(float(v) for v in values)
    if not xs:
        raise ValueError("no values")
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q2, q3


@dataclass(frozen=True)
class Interval:
    """A measured quantity as (low, median, high), e.g. a speedup from the repeats' quartiles.

    Unit-free: the unit is the caller's (a factor, seconds, a share of 1).
    """

    low: float
    median: float
    high: float

    def __post_init__(self) -> None:
        if not self.low <= self.median <= self.high:
            raise ValueError(f"an interval needs low <= median <= high, not {self.low}, {self.median}, {self.high}")

    @classmethod
    def of(cls, values: Sequence[float]) -> Interval:
        """The quartiles of *values*."""
        return cls(*quartiles(values))

    @classmethod
    def exact(cls, value: float) -> Interval:
        """A single number known exactly (a count, not a timing)."""
        return cls(value, value, value)

    def at_least(self, threshold: float) -> bool | None:
        """True if the whole interval is at or above *threshold*, False if the whole of it is below, else None."""
        if self.low >= threshold:
            return True
        if self.high < threshold:
            return False
        return None

    def below(self, threshold: float) -> bool | None:
        """True if the whole interval is below *threshold*, False if the whole of it is at or above, else None."""
        above = self.at_least(threshold)
        return None if above is None else not above

    def between(self, low: float, high: float) -> bool | None:
        """True if the whole interval lies in [low, high], False if none of it does, else None."""
        if low <= self.low and self.high <= high:
            return True
        if self.high < low or self.low > high:
            return False
        return None

    def scaled(self, factor: float) -> Interval:
        """The interval times a positive *factor* (e.g. 100 for per cent)."""
        if factor <= 0:
            raise ValueError("the factor must be positive")
        return Interval(self.low * factor, self.median * factor, self.high * factor)

    def text(self, fmt: str = ".2f", unit: str = "×") -> str:
        """E.g. ``1.93× (1.90–1.97×)``; just ``1.93×`` when the interval is a point at that precision."""
        mid, low, high = (format(v, fmt) for v in (self.median, self.low, self.high))
        if low == high == mid:
            return f"{mid}{unit}"
        return f"{mid}{unit} ({low}–{high}{unit})"

    def to_dict(self) -> dict[str, float]:
        """JSON-ready: ``low``, ``median``, ``high``."""
        return {"low": self.low, "median": self.median, "high": self.high}


def ratio_interval(a: Sequence[float], b: Sequence[float]) -> Interval:
    """``a / b`` over the quartiles of two samples: (q1(a)/q3(b), median/median, q3(a)/q1(b)).

    A verdict decided on the low end (or the high end) holds for the whole
    inner half of both samples.

    :raises ValueError: if either sample is empty or *b*'s quartiles are not positive.
    """
    qa, qb = quartiles(a), quartiles(b)
    if qb[0] <= 0:
        raise ValueError("the denominator sample must be positive")
    return Interval(qa[0] / qb[2], qa[1] / qb[1], qa[2] / qb[0])


# -- claims ----------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One conclusion and what this build's data says of it.

    :param key: a stable identifier, e.g. ``"threads_verdict"`` (also the glue name).
    :param statement: the claim as commonly made.
    :param holds: the data supports *statement* (False when contradicted or undecided).
    :param supported: the sentence to print when it holds (the finding, with numbers).
    :param contradicted: the sentence to print when the data goes against it.
    :param evidence: the numbers behind the verdict (JSON-ready).
    :param undecided: the data could not decide (the interval straddles the threshold).
    :param unclear: the sentence to print when undecided.
    :param title: the warning's title when it does not hold, for a claim that is not one the
        literature makes (a cross-check of the example against the chapter, say); default
        ``CONTRADICTED_TITLE`` or ``UNDECIDED_TITLE``.
    """

    key: str
    statement: str
    holds: bool
    supported: str
    contradicted: str
    evidence: dict[str, Any]
    undecided: bool = False
    unclear: str = ""
    title: str = ""

    @property
    def state(self) -> str:
        """``"holds"``, ``"contradicted"`` or ``"undecided"``."""
        return "holds" if self.holds else "undecided" if self.undecided else "contradicted"

    @property
    def text(self) -> str:
        """The sentence the data supports (no markup)."""
        if self.holds:
            return self.supported
        return self.unclear if self.undecided else self.contradicted

    def markdown(self) -> str:
        """MyST Markdown for the page: the finding, or a titled warning when it does not hold."""
        if self.holds:
            return self.supported
        # A generic admonition styled as a warning: the named {warning} directive takes
        # no title, so text on its first line would run into the body.
        title = self.title or (UNDECIDED_TITLE if self.undecided else CONTRADICTED_TITLE)
        return (
            f":::{{admonition}} {title}\n"
            ":class: warning\n"
            "\n"
            f"{self.text}\n\n"
            + (f"{UNDECIDED_HINT}\n\n" if self.undecided else "")
            + (f"What was checked: *{self.statement}*\n" if self.title else
               f"The claim usually made: *{self.statement}*\n")
            + ":::\n"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the claim and its verdict."""
        return {
            "key": self.key,
            "statement": self.statement,
            "holds": self.holds,
            "state": self.state,
            "text": self.text,
            "evidence": {k: (v.to_dict() if isinstance(v, Interval) else v) for k, v in self.evidence.items()},
        }


def check(
    key: str,
    statement: str,
    holds: bool | None,
    *,
    supported: str,
    contradicted: str,
    unclear: str | None = None,
    title: str | None = None,
    **evidence: Any,
) -> Claim:
    """Build a :class:`Claim`; *evidence* keywords are the numbers behind it.

    *holds* is ``True``, ``False`` or ``None`` (undecided: what
    :meth:`Interval.at_least` and friends return when the interval straddles
    the threshold). ``{name}`` placeholders in the three sentences are filled
    from *evidence* with :meth:`str.format`, so the sentence and the numbers
    cannot drift apart; an :class:`Interval` formats with its own spec
    (``{s}`` as ``1.93× (1.90–1.97×)``)::

        check("threads_verdict", "threads do not speed up CPU-bound code",
              speedup.below(1.2), s=speedup,
              supported="Two threads ran at {s}.", contradicted="Two threads ran at {s}: faster.")

    The default *unclear* sentence says the repeats straddle the threshold
    and gives every :class:`Interval` of the evidence. *title* replaces the
    warning's title for a check that is not a claim the literature makes
    (e.g. "The example on this page disagrees with the measurement above").
    """
    if holds is not None and not isinstance(holds, bool):
        raise TypeError(f"holds must be a bool or None, not {type(holds).__name__}")
    fill = {k: _Formatted(v) if isinstance(v, Interval) else v for k, v in evidence.items()}
    if unclear is None:
        spread = "; ".join(f"{k} = {v.text()}" for k, v in evidence.items() if isinstance(v, Interval))
        unclear = ("This run cannot tell: the repeats are too spread out, their interval straddles the "
                   "threshold the verdict is decided on" + (f" ({spread})." if spread else "."))
        unclear = unclear.replace("{", "{{").replace("}", "}}")
    return Claim(
        key=key,
        statement=statement,
        holds=bool(holds),
        supported=supported.format(**fill),
        contradicted=contradicted.format(**fill),
        evidence=evidence,
        undecided=holds is None,
        unclear=unclear.format(**fill),
        title=title or "",
    )


class _Formatted:
    """An Interval inside str.format: ``{s}`` gives Interval.text(), ``{s:.1f}`` that precision."""

    def __init__(self, interval: Interval) -> None:
        self.interval = interval

    def __format__(self, spec: str) -> str:
        if spec.endswith("%"):
            return self.interval.scaled(100).text(spec[:-1] + "f", "%")
        return self.interval.text(spec or ".2f")

    def __getattr__(self, name: str) -> Any:  # {s.low:.2f} still works
        return getattr(self.interval, name)


# -- invariants ------------------------------------------------------------------


@dataclass(frozen=True)
class Invariant:
    """What must hold if a measurement was sound, and whether it did.

    :param key: a stable identifier, unique in its chapter.
    :param statement: what must hold, as a sentence ("the time grows with the work").
    :param holds: it held.
    :param cause: the likely cause when it does not (shown to the reader).
    :param evidence: the numbers it was checked on (JSON-ready).
    """

    key: str
    statement: str
    holds: bool
    cause: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"key": self.key, "statement": self.statement, "holds": self.holds, "cause": self.cause,
                "evidence": dict(self.evidence)}


def invariant(key: str, statement: str, holds: bool, *, cause: str, **evidence: Any) -> Invariant:
    """Build an :class:`Invariant`; ``{name}`` placeholders in *statement* and *cause* come from *evidence*."""
    if not isinstance(holds, bool):
        raise TypeError(f"holds must be a bool, not {type(holds).__name__}")
    return Invariant(key, statement.format(**evidence), holds, cause.format(**evidence), evidence)


def monotone(values: Sequence[float], *, rising: bool, slack: float = 0.0) -> bool:
    """Whether *values* never move the wrong way by more than *slack* (a fraction of the previous value).

    ``rising=True``: each value is at least ``(1 - slack)`` times the one before.
    """
    xs = [float(v) for v in values]
    for a, b in zip(xs, xs[1:]):
        if rising and b < a * (1 - slack):
            return False
        if not rising and b > a * (1 + slack):
            return False
    return True


def at_most(part: Sequence[float] | float, whole: Sequence[float] | float, *, slack: float = 0.0) -> bool:
    """Whether *part* is at most *whole* (plus *slack*, a fraction), compared on quartiles.

    Broken only when even the first quartile of *part* exceeds the third
    quartile of *whole* times ``1 + slack``: noise alone does not break it.
    """
    p = quartiles([part] if isinstance(part, (int, float)) else part)
    w = quartiles([whole] if isinstance(whole, (int, float)) else whole)
    return p[0] <= w[2] * (1 + slack)


def shares_within(shares: Sequence[float], whole: float = 1.0, *, slack: float = 0.01) -> bool:
    """Whether the *shares* are each non-negative and add up to at most *whole* (plus *slack*, absolute)."""
    xs = [float(s) for s in shares]
    return all(s >= -slack for s in xs) and sum(xs) <= whole + slack
