"""Notebook helpers for the book's chapters (optional layer: myst-nb, IPython).

A chapter opens with ``ch = book.chapter("cpu-vs-io")`` and then hands every
number, sentence, table and chart that reaches the prose to ``ch``: it glues
the value into the page with myst-nb's ``glue`` and records it in the chapter's
*record* (:meth:`Chapter.to_dict`).

The record travels inside the executed notebook, never in a file on the side:
the book's build (``docs/_ext/gilbook.py``) ends every chapter with a hidden
cell that calls :func:`publish`, which displays every record of the kernel as
one output of MIME type :data:`RECORD_MIME`. myst-nb's execution cache stores
that output with the page's other outputs, so a page and its record are always
served together; the build reads the record from the notebook it renders and
assembles ``edition.json`` from those (:mod:`gilref.book.edition`). A chapter
that computes from other chapters' records (``gilref_needs`` in its front
matter) is handed them by the build the same way, in a hidden first cell that
calls :func:`receive`; it reads them with :func:`results_of`.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from collections.abc import Sequence
from typing import Any, Callable, TypeVar

from ..core import hostinfo
from ..core.results import Suite
from ..core.verdicts import INVARIANT_TITLE, Invariant
from ..interp.select import BuildPair
from .claims import Claim, invariant_caveat
from .tables import markdown_table

__all__ = ["CHAPTER_FORMAT", "PUBLICATION_FORMAT", "RECORD_MIME", "Chapter", "chapter", "publish",
           "receive", "records", "results_of"]

CHAPTER_FORMAT = "gilref-chapter"
CHAPTER_FORMAT_VERSION = 1
#: The MIME type of the output that carries a notebook's chapter records.
RECORD_MIME = "application/vnd.gilref.records+json"
#: The format of that output (a versioned document).
PUBLICATION_FORMAT = "gilref-records"
PUBLICATION_VERSION = 1
#: Set by the book's build for its kernels: which build executed a notebook (not part of
#: the cache key, so a page served from the cache shows the build that really ran it).
BUILD_ENV = "GILBOOK_BUILD_ID"
T = TypeVar("T")
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

#: When this module was first imported in this kernel (UTC): the chapter's first cell, near enough.
_LOADED_AT = datetime.datetime.now(datetime.timezone.utc)
#: The chapters started in this kernel, by key (the latest of a key wins).
_STARTED: dict[str, Chapter] = {}
#: The records of other chapters the build handed this kernel (:func:`receive`).
_RECEIVED: dict[str, dict[str, Any]] = {}


def _glue(name: str, value: Any) -> None:
    from myst_nb import glue

    glue(name, value, display=False)


class _Markdown:
    """A display object whose only representation is Markdown (for ``{glue:md}``)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


class _SVG:
    """A display object whose only representation is SVG (charts for ``{glue:figure}``)."""

    def __init__(self, svg: str) -> None:
        self.svg = svg

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return "<SVG chart>"


class Chapter:
    """Glues a chapter's values into its page and keeps them in its record (see :func:`publish`)."""

    def __init__(self, key: str) -> None:
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise ValueError(f"chapter key must be lower-case letters, digits, '-' or '_': {key!r}")
        self.key = key
        self.metadata = hostinfo.collect_metadata()
        self.values: dict[str, Any] = {}
        self.claims: dict[str, dict[str, Any]] = {}
        self.suites: dict[str, dict[str, Any]] = {}
        self.data: dict[str, Any] = {}
        self.figures: list[str] = []
        self.builds: dict[str, Any] | None = None
        self.invariants: dict[str, dict[str, Any]] = {}
        _STARTED[key] = self

    # -- gluing ---------------------------------------------------------------

    def glue(self, name: str, value: Any) -> Any:
        """Glue a number or short text as *name* (``{glue:text}`name:.2f```) and record it."""
        if isinstance(value, float) and value != value:  # NaN
            raise ValueError(f"refusing to glue NaN as {name!r}: a measurement failed")
        _glue(name, value)
        self.values[name] = value
        return value

    def md(self, name: str, text: str) -> str:
        """Glue MyST Markdown as *name* (for ``{glue:md}`` roles and directives)."""
        _glue(name, _Markdown(text))
        self.values[name] = text
        return text

    def claim(self, claim: Claim) -> Claim:
        """Glue a checked claim as ``claim.key`` (Markdown) and record its verdict.

        When a measurement of this chapter has broken an invariant (:meth:`check`), the
        verdict carries a visible caveat naming it (:func:`~gilref.core.quoting.invariant_caveat`),
        on the page and as ``caveat`` in the record.
        """
        caveat = invariant_caveat(self.invariants)
        _glue(claim.key, _Markdown(claim.markdown() + (f"\n\n{caveat}\n" if caveat else "")))
        self.claims[claim.key] = {**claim.to_dict(), **({"caveat": caveat} if caveat else {})}
        return claim

    def table(self, name: str, rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
        """Glue rows as a Markdown table named *name* and record them."""
        text = markdown_table(rows, columns)
        _glue(name, _Markdown(text))
        self.data[name] = rows
        return text

    def figure(self, name: str, fig: Any) -> None:
        """Glue a matplotlib figure as SVG (for ``{glue:figure}`` with ``:alt:``).

        The chart's layout is mended first (:func:`gilref.book.charts.mend`:
        titles wrapped to fit, value labels lifted above error bars, legends
        moved off the data).

        :raises ValueError: if the chart lacks a title, axis labels with units or
            the host caption, or its layout still has text over error bars, a
            legend over data or a title that does not fit
            (:func:`gilref.book.charts.readability_problems`).
        """
        from .charts import mend, readability_problems, to_svg

        mend(fig)
        problems = readability_problems(fig)
        if problems:
            raise ValueError(f"chart {name!r} of chapter {self.key!r} is not readable: " + "; ".join(problems))
        _glue(name, _SVG(to_svg(fig)))
        self.figures.append(name)

    def note(self, name: str, title: str, body: str, kind: str = "note") -> str:
        """Glue an admonition titled *title* (styled as ``kind``: note, warning, ...) as Markdown named *name*.

        A generic ``admonition`` with the kind as its class: the named
        directives (``note``, ``warning``) take no title and would run the
        title into the body.
        """
        if "\n" in title.strip():
            raise ValueError(f"an admonition's title must be one line: {title!r}")
        return self.md(name, f":::{{admonition}} {title.strip()}\n:class: {kind}\n\n{body}\n:::\n")

    # -- recording ------------------------------------------------------------

    def suite(self, name: str, suite: Suite) -> Suite:
        """Record a results suite under *name* (it lands in the edition's JSON)."""
        self.suites[name] = suite.to_dict()
        return suite

    def measure(self, name: str, run: Callable[[], T], invariants: Callable[[T], Sequence[Invariant]]) -> T:
        """Measure with *run*, check the result's *invariants*, and re-measure once if one breaks.

        The invariants of the kept result are recorded (``invariants`` in the
        record, each with ``remeasured``); one that still breaks after the
        second run is shown in this cell's output as a warning with its likely
        cause (:meth:`check`). A :class:`~gilref.core.results.Suite` result is
        also recorded under *name* (:meth:`suite`). Returns the kept result.
        """
        result = run()
        checked = list(invariants(result))
        remeasured = False
        if any(not i.holds for i in checked):
            result, remeasured = run(), True
            checked = list(invariants(result))
        self.check(checked, remeasured=remeasured, concerns=name)
        if isinstance(result, Suite):
            self.suite(name, result)
        return result

    def check(self, invariants: Sequence[Invariant], *, remeasured: bool = False,
              concerns: str = "") -> list[Invariant]:
        """Record *invariants* and show a warning in the cell's output for each broken one.

        For data this cell cannot re-measure (read from a record, or measured
        by :meth:`measure`, which calls this). *concerns* names the measurement
        (the warning says that its figures, and the verdicts drawn from them, stand as
        measured; every later :meth:`claim` of the chapter carries a caveat). Returns
        the broken ones.
        """
        broken = []
        for inv in invariants:
            if inv.key in self.invariants:
                raise ValueError(f"invariant {inv.key!r} of chapter {self.key!r} is checked twice")
            self.invariants[inv.key] = {**inv.to_dict(), "remeasured": remeasured,
                                        **({"measurement": concerns} if concerns else {})}
            if not inv.holds:
                broken.append(inv)
        if broken:
            from IPython.display import display

            what = (f"the figures of the measurement \u201c{concerns}\u201d" if concerns
                    else "the figures of this measurement")
            which = (f"This concerns {what} (its tables and charts) and every verdict this page states from "
                     "now on: each carries a caveat naming the invariant.")
            again = (f"The measurement was repeated once and broke again. {which} They are shown as measured, "
                     "not trusted.") if remeasured else f"{which} They are shown as measured."
            body = "\n".join(f"- {i.statement}: **it did not.** Likely cause: {i.cause}" for i in broken)
            display(_Markdown(f":::{{admonition}} {INVARIANT_TITLE}\n:class: warning\n\n"  # type: ignore[no-untyped-call, unused-ignore]
                              f"What must hold if the run was sound, and did not:\n\n{body}\n\n{again}\n:::\n"))
        return broken

    def record(self, name: str, data: Any) -> Any:
        """Record JSON-ready *data* under *name* without gluing it."""
        json.dumps(data)  # fail here, not at publication, if it is not JSON-ready
        self.data[name] = data
        return data

    def compared(self, pair: BuildPair, name: str = "pair") -> BuildPair:
        """Say which builds this chapter compares: glue ``pair.text`` as *name*
        (e.g. "CPython 3.13.5 and 3.13.5t", for ``{glue:text}`pair```) and
        record the pair (:meth:`gilref.interp.select.BuildPair.to_dict`) as the
        record's ``builds``, so the edition's JSON says which builds were compared."""
        self.builds = pair.to_dict()
        self.glue(name, pair.text)
        return pair

    def to_dict(self) -> dict[str, Any]:
        """The chapter's record as a JSON-ready dict (``builds``: the compared
        :class:`~gilref.interp.select.BuildPair`, or ``None``)."""
        return {
            "format": CHAPTER_FORMAT,
            "version": CHAPTER_FORMAT_VERSION,
            "chapter": self.key,
            "metadata": self.metadata,
            "values": {k: v for k, v in self.values.items() if _jsonable(v)},
            "claims": self.claims,
            "suites": self.suites,
            "data": self.data,
            "figures": self.figures,
            "builds": self.builds,
            "invariants": self.invariants,
        }


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def chapter(key: str) -> Chapter:
    """Start recording the chapter *key* and glue its host facts.

    Glues ``host`` (one-line host summary), ``python_version``, ``cpus``.
    """
    ch = Chapter(key)
    md = ch.metadata
    ch.glue("host", hostinfo.host_summary(md))
    ch.glue("python_version", md["python_version"])
    ch.glue("cpus", md["usable_cpus"])
    return ch


def records() -> list[dict[str, Any]]:
    """The records of every chapter started in this kernel, in the order they started."""
    return [ch.to_dict() for ch in _STARTED.values()]


def publication(execution: dict[str, Any]) -> dict[str, Any]:
    """The document :func:`publish` displays: *execution* (what the build says about this
    run, plus ``started_at``, when the kernel first imported this module, and ``executed_at``,
    both UTC, ISO 8601, and ``build``, the build that ran it) and
    every record of this kernel, JSON-ready."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")
    doc = {"format": PUBLICATION_FORMAT, "version": PUBLICATION_VERSION,
           "execution": {**execution, "started_at": _LOADED_AT.isoformat(timespec="microseconds"),
                         "executed_at": now, "build": os.environ.get(BUILD_ENV)},
           "records": records()}
    return dict(json.loads(json.dumps(doc, default=str)))


def publish(execution: dict[str, Any]) -> dict[str, Any]:
    """Display this kernel's chapter records as one output of MIME type :data:`RECORD_MIME`.

    Called by the hidden last cell the book's build adds to every chapter, with
    the chapter's fingerprint in *execution*; the output is cached with the page.
    Returns the displayed document.
    """
    from IPython.display import display

    doc = publication(execution)
    display({RECORD_MIME: doc}, raw=True)  # type: ignore[no-untyped-call, unused-ignore]
    return doc


def receive(text: str) -> None:
    """Take the records of other chapters handed over by the build (a JSON object,
    chapter key -> record), for :func:`results_of`."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the build must hand over a JSON object of chapter records")
    _RECEIVED.clear()
    _RECEIVED.update(data)


def results_of(key: str) -> dict[str, Any]:
    """The record of another chapter of this build (its ``book.chapter(key)`` record).

    A chapter that calls this must list *key* in its front matter
    (``gilref_needs: [key]``, or ``gilref_uses`` for a chapter the edition may
    lack): the build then reads it after that chapter, hands it that chapter's
    record as the page shows it, and runs it again when that record changes.

    :raises LookupError: if the build handed over no record for *key*.
    """
    record = _RECEIVED.get(key)
    if record is None:
        handed = ", ".join(sorted(_RECEIVED)) or "none"
        raise LookupError(f"chapter {key!r} has no record here (records handed over by the build: {handed}); "
                          "list it in this chapter's gilref_needs and build the book")
    if record.get("format") != CHAPTER_FORMAT:
        raise LookupError(f"the record handed over for {key!r} is not a gilref chapter record")
    return dict(record)
