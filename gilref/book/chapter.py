"""Notebook helpers for the book's chapters (optional layer: myst-nb, IPython).

A chapter opens with ``ch = book.chapter("cpu-vs-io")`` and then hands every
number, sentence, table and chart that reaches the prose to ``ch``: it glues
the value into the page with myst-nb's ``glue`` and records it in the chapter's
results file, so the whole edition's measurements can be published as one
JSON file (see :func:`results_dir`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from ..core import hostinfo
from ..core.jsonio import write_json
from ..core.results import Suite
from ..interp.select import BuildPair
from .claims import Claim
from .tables import markdown_table

__all__ = ["CHAPTER_FORMAT", "Chapter", "chapter", "results_dir", "results_of"]

CHAPTER_FORMAT = "gilref-chapter"
CHAPTER_FORMAT_VERSION = 1
RESULTS_ENV = "GILREF_RESULTS_DIR"
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def results_dir() -> Path | None:
    """Where chapters record their results: ``$GILREF_RESULTS_DIR`` (set by the
    book's ``conf.py``), or ``None`` when a notebook runs outside the build."""
    value = os.environ.get(RESULTS_ENV)
    return Path(value) if value else None


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
    """Glues a chapter's values into its page and records them in its results file."""

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

    # -- gluing ---------------------------------------------------------------

    def glue(self, name: str, value: Any) -> Any:
        """Glue a number or short text as *name* (``{glue:text}`name:.2f```) and record it."""
        if isinstance(value, float) and value != value:  # NaN
            raise ValueError(f"refusing to glue NaN as {name!r}: a measurement failed")
        _glue(name, value)
        self.values[name] = value
        self._save()
        return value

    def md(self, name: str, text: str) -> str:
        """Glue MyST Markdown as *name* (for ``{glue:md}`` roles and directives)."""
        _glue(name, _Markdown(text))
        self.values[name] = text
        self._save()
        return text

    def claim(self, claim: Claim) -> Claim:
        """Glue a checked claim as ``claim.key`` (Markdown) and record its verdict."""
        _glue(claim.key, _Markdown(claim.markdown()))
        self.claims[claim.key] = claim.to_dict()
        self._save()
        return claim

    def table(self, name: str, rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
        """Glue rows as a Markdown table named *name* and record them."""
        text = markdown_table(rows, columns)
        _glue(name, _Markdown(text))
        self.data[name] = rows
        self._save()
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
        self._save()

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
        self._save()
        return suite

    def record(self, name: str, data: Any) -> Any:
        """Record JSON-ready *data* under *name* without gluing it."""
        json.dumps(data)  # fail here, not at publication, if it is not JSON-ready
        self.data[name] = data
        self._save()
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
        }

    def _save(self) -> None:
        directory = results_dir()
        if directory is None:
            return
        write_json(directory / f"{self.key}.json", self.to_dict(), default=str)


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


def results_of(key: str) -> dict[str, Any]:
    """The recorded results of another chapter (its ``book.chapter(key)`` record).

    A chapter that calls this must list *key* in its front matter
    (``gilref_needs: [key]``) so the build reads it after that chapter and
    re-runs it when that chapter's results change.

    :raises LookupError: if the results directory or the chapter's file is missing.
    """
    directory = results_dir()
    if directory is None:
        raise LookupError(f"no results directory (${RESULTS_ENV} is unset): build the book to get {key!r}")
    path = directory / f"{key}.json"
    if not path.exists():
        raise LookupError(f"chapter {key!r} has recorded no results in {directory}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != CHAPTER_FORMAT:
        raise LookupError(f"{path} is not a gilref chapter record")
    return dict(data)
