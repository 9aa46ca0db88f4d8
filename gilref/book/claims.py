"""Claims checked against measurements.

The book never types a conclusion into its prose. A chapter states each
conclusion as a :class:`Claim`: the sentence the literature usually makes, the
condition on this build's data under which it holds, and what to print in
either case. :meth:`Claim.markdown` returns the sentence that the data
supports; when the usual claim does *not* hold on this host the text is a
visible warning admonition that says so and shows the numbers.

Standard library only: the text is MyST Markdown, which a notebook glues into
the page (see :mod:`gilref.book.chapter`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CONTRADICTED_TITLE", "Claim", "check"]

#: The title of the warning a contradicted claim prints.
CONTRADICTED_TITLE = "The usual claim does not hold on this host"


@dataclass(frozen=True)
class Claim:
    """One conclusion and whether this build's data supports it.

    :param key: a stable identifier, e.g. ``"cpu-threads-no-faster"``.
    :param statement: the claim as commonly made, e.g. "threads do not speed up
        CPU-bound Python code".
    :param holds: whether the measured data supports *statement*.
    :param supported: the sentence to print when it holds (the finding, with numbers).
    :param contradicted: the sentence to print when it does not hold.
    :param evidence: the numbers behind the verdict (JSON-ready), kept in the results.
    """

    key: str
    statement: str
    holds: bool
    supported: str
    contradicted: str
    evidence: dict[str, Any]

    @property
    def text(self) -> str:
        """The sentence the data supports (no markup)."""
        return self.supported if self.holds else self.contradicted

    def markdown(self) -> str:
        """MyST Markdown for the page: the finding, or a warning when the claim fails."""
        if self.holds:
            return self.supported
        # A titled admonition styled as a warning: the named {warning} directive takes
        # no title, so text on its first line would run into the body.
        return (
            ":::{admonition} " + CONTRADICTED_TITLE + "\n"
            ":class: warning\n"
            "\n"
            f"{self.contradicted}\n\n"
            f"The claim usually made: *{self.statement}*\n"
            ":::\n"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the claim and its verdict."""
        return {
            "key": self.key,
            "statement": self.statement,
            "holds": self.holds,
            "text": self.text,
            "evidence": dict(self.evidence),
        }


def check(
    key: str,
    statement: str,
    holds: bool,
    *,
    supported: str,
    contradicted: str,
    **evidence: Any,
) -> Claim:
    """Build a :class:`Claim`; *evidence* keywords are the numbers behind it.

    ``{name}`` placeholders in *supported* and *contradicted* are filled from
    *evidence* with :meth:`str.format`, so the sentence and the numbers cannot
    drift apart::

        check("threads-no-faster", "threads do not speed up CPU-bound code",
              speedup < 1.2, speedup=speedup,
              supported="Two threads ran at {speedup:.2f}x one thread.",
              contradicted="Two threads ran at {speedup:.2f}x one thread: faster.")
    """
    if not isinstance(holds, bool):
        raise TypeError(f"holds must be a bool, not {type(holds).__name__}")
    return Claim(
        key=key,
        statement=statement,
        holds=holds,
        supported=supported.format(**evidence),
        contradicted=contradicted.format(**evidence),
        evidence=evidence,
    )
