"""The reader examples, vetted: their headers, and the matrix of interpreters they ran on.

Every file in ``examples/`` opens with a comment block the build reads, one
``key = value`` per line after the marker ``# gilref-example:``::

    # gilref-example: args = --count 200000 --workers 2 --repeats 3
    # gilref-example: pythons = cpython>=3.9, pypy>=3.9
    # gilref-example: needs = numpy
    # gilref-example: chapter = cpu-vs-io
    # SPDX-License-Identifier: MIT
    # Copyright (c) 2026 the gilref authors. ...

``args``
    the *small arguments*: a run that shows what the example does in seconds
    (split like a shell command line, :func:`shlex.split`). The book runs the
    example with them on every interpreter of the build, and so can a reader.
``pythons``
    the interpreters the example claims to work on, comma-separated; each is
    ``cpython`` (every CPython build), ``cpython-default`` (the GIL build),
    ``free-threaded`` (the free-threaded CPython build), ``pypy`` or
    ``jython``, optionally followed by ``>=X.Y`` (the language version).
``needs`` (optional)
    modules the example imports that are not in the standard library,
    comma-separated; ``a | b`` means either will do. An interpreter the
    example claims but that lacks one is *not applicable*, not failed.
``chapter``
    the docname of the chapter that explains the example.
``companions`` (optional)
    other files of ``examples/`` that must sit next to it (a ``.pyx`` it builds).
``runs-with`` (optional; for a file that is not a script)
    the example that builds and runs it; its matrix is that example's.
``timeout`` (optional)
    seconds one run may take before it is killed and counted as failed
    (default :data:`DEFAULT_TIMEOUT`).

The licence is the standard ``SPDX-License-Identifier`` line.

The matrix (:func:`run_matrix`) runs each example with its small arguments on
every interpreter :func:`gilref.interp.discover.discover` finds, each run a
child process with a deadline (:func:`gilref.core.examples.run_example`), on a
copy of the example and its companions alone in a temporary directory, as a
reader who downloaded it has it. Each cell is *passed*, *failed* (with the
error's line) or *not applicable* (with the reason). A failed cell on an
interpreter the example claims is a broken claim: :func:`check_claims` raises.

Standard library only (the book layer presents it).
"""

from __future__ import annotations

import re
import shlex
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core import _proc
from ..core.examples import ExampleError, examples_dir, run_example
from ..interp.discover import Interpreter, discover
from ..topics import convoy, distributed, switching, timeline
from ..topics._crosscheck import metadata_label
from ..topics.subinterp import BACKPORT
from .tables import markdown_table

__all__ = [
    "COMPARISONS",
    "DEFAULT_TIMEOUT",
    "FAILED",
    "HEADER_MARKER",
    "MATRIX_CHAPTER",
    "MODULE_SOURCES",
    "NOT_APPLICABLE",
    "OUTPUT_CLASS",
    "PASSED",
    "RUN_BY_CHAPTER",
    "BrokenClaim",
    "Cell",
    "CountdownRun",
    "Header",
    "HeaderError",
    "PageGlue",
    "PythonSpec",
    "backport_advice",
    "cells_from_record",
    "chapter_ran_text",
    "check_claims",
    "countdown_comparison",
    "dask_comparison",
    "error_line",
    "example_names",
    "has_module",
    "how_to_get",
    "idle_interpreters_text",
    "matrix_counts",
    "matrix_markdown",
    "matrix_rows",
    "not_applicable_reason",
    "not_run_anywhere",
    "not_run_markdown",
    "output_block",
    "overview_markdown",
    "parse_countdown_output",
    "parse_header",
    "present",
    "read_header",
    "rows_sentence",
    "run_cell",
    "run_matrix",
    "seconds_text",
    "subinterpreters_comparison",
    "summary_sentence",
]

HEADER_MARKER = "# gilref-example:"
#: Seconds one run of an example may take (a header may say ``timeout = S``).
DEFAULT_TIMEOUT = 120.0
#: A cell whose run exited with 0 within its deadline.
PASSED = "passed"
#: A cell whose run exited with an error or overshot its deadline.
FAILED = "failed"
#: A cell not run: the interpreter is not declared, or lacks a module the example needs.
NOT_APPLICABLE = "not applicable"
_KEYS = {"args", "pythons", "needs", "chapter", "companions", "runs-with", "timeout"}
_SPEC_RE = re.compile(r"^(cpython|cpython-default|free-threaded|pypy|jython)\s*(?:>=\s*(\d+(?:\.\d+)*))?$")
_SPDX_RE = re.compile(r"^#\s*SPDX-License-Identifier:\s*(\S+)\s*$", re.M)
_MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class HeaderError(ValueError):
    """An example's ``# gilref-example:`` header is missing or malformed."""


class BrokenClaim(AssertionError):
    """An example failed on an interpreter its header says it works on."""


@dataclass(frozen=True)
class PythonSpec:
    """One entry of a header's ``pythons``: a kind of interpreter and a least version.

    :param kind: ``"cpython"``, ``"cpython-default"``, ``"free-threaded"``, ``"pypy"`` or ``"jython"``.
    :param minimum: the least language version, e.g. ``(3, 9)`` (``()``: any).
    """

    kind: str
    minimum: tuple[int, ...] = ()

    @classmethod
    def parse(cls, text: str) -> PythonSpec:
        """``"cpython>=3.9"`` -> ``PythonSpec("cpython", (3, 9))``.

        :raises HeaderError: on anything else.
        """
        m = _SPEC_RE.match(text.strip().lower())
        if not m:
            raise HeaderError(f"not a Python of the header format: {text!r} (want e.g. cpython>=3.9, "
                              "cpython-default, free-threaded, pypy, jython)")
        minimum = tuple(int(p) for p in m.group(2).split(".")) if m.group(2) else ()
        return cls(m.group(1), minimum)

    def matches(self, interp: Interpreter) -> bool:
        """Whether *interp* is of this kind and at least this version."""
        impl = interp.implementation
        kind_ok = {
            "cpython": impl == "CPython",
            "cpython-default": impl == "CPython" and not interp.free_threaded,
            "free-threaded": impl == "CPython" and interp.free_threaded,
            "pypy": impl == "PyPy",
            "jython": impl == "Jython",
        }[self.kind]
        return kind_ok and interp.version_tuple[:len(self.minimum)] >= self.minimum

    def __str__(self) -> str:
        return self.kind + (">=" + ".".join(map(str, self.minimum)) if self.minimum else "")


@dataclass(frozen=True)
class Header:
    """What an example's header declares (see the module's description of the format)."""

    name: str
    args: tuple[str, ...]
    pythons: tuple[PythonSpec, ...]
    chapter: str
    license: str
    needs: tuple[tuple[str, ...], ...] = ()
    companions: tuple[str, ...] = ()
    runs_with: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def command(self) -> str:
        """The command that runs the example with its small arguments (``python NAME ARGS``)."""
        target = self.runs_with or self.name
        return shlex.join(["python", target, *self.args])

    def claims(self, interp: Interpreter) -> bool:
        """Whether the example says it works on *interp*."""
        return any(spec.matches(interp) for spec in self.pythons)

    @property
    def pythons_text(self) -> str:
        """The ``pythons`` entry as written in the header's format."""
        return ", ".join(str(s) for s in self.pythons)

    @property
    def needs_text(self) -> str:
        """The ``needs`` entry as written in the header's format (``""``: none)."""
        return ", ".join(" | ".join(alts) for alts in self.needs)

    @property
    def needs_words(self) -> str:
        """The ``needs`` entry in words for prose: ``numpy and cython``, ``concurrent.interpreters
        or interpreters_backport`` (``""``: none); never the header's ``|`` notation."""
        groups = [" or ".join(alts) for alts in self.needs]
        if len(groups) <= 1:
            return "".join(groups)
        return ", ".join(groups[:-1]) + " and " + groups[-1]


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_header(text: str, name: str) -> Header:
    """The header of the example *name* whose source is *text*.

    :raises HeaderError: if a key is unknown or repeated, a required one
        (``pythons``, ``chapter``, and ``args`` unless ``runs-with`` is given)
        or the SPDX licence line is missing, or a value is malformed.
    """
    fields: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith(HEADER_MARKER):
            continue
        entry = line[len(HEADER_MARKER):]
        key, sep, value = entry.partition("=")
        key = key.strip().lower()
        if not sep or key not in _KEYS:
            raise HeaderError(f"{name}, line {number}: want '{HEADER_MARKER} KEY = VALUE' with KEY one of "
                              f"{', '.join(sorted(_KEYS))}; got {line.strip()!r}")
        if key in fields:
            raise HeaderError(f"{name}, line {number}: {key!r} is given twice")
        fields[key] = value.strip()
    if not fields:
        raise HeaderError(f"{name} has no '{HEADER_MARKER}' header")
    runs_with = fields.get("runs-with") or None
    for required in ("pythons", "chapter", *(() if runs_with else ("args",))):
        if required not in fields:
            raise HeaderError(f"{name}: its header lacks '{required} = ...'")
    licence = _SPDX_RE.search(text)
    if not licence:
        raise HeaderError(f"{name}: no '# SPDX-License-Identifier: ...' line states its licence")
    needs = []
    for item in _split_list(fields.get("needs", "")):
        alternatives = tuple(a.strip() for a in item.split("|"))
        bad = [a for a in alternatives if not _MODULE_RE.match(a)]
        if bad:
            raise HeaderError(f"{name}: needs names a module that is not a dotted name: {bad}")
        needs.append(alternatives)
    try:
        timeout = float(fields.get("timeout", DEFAULT_TIMEOUT))
    except ValueError:
        raise HeaderError(f"{name}: timeout must be a number of seconds, got {fields['timeout']!r}") from None
    if not 0 < timeout <= 3600:
        raise HeaderError(f"{name}: timeout must be > 0 and <= 3600 seconds, got {timeout:g}")
    pythons = tuple(PythonSpec.parse(s) for s in _split_list(fields["pythons"]))
    if not pythons:
        raise HeaderError(f"{name}: 'pythons' names no interpreter")
    return Header(
        name=name,
        args=tuple(shlex.split(fields.get("args", ""))),
        pythons=pythons,
        chapter=fields["chapter"],
        license=licence.group(1),
        needs=tuple(needs),
        companions=tuple(_split_list(fields.get("companions", ""))),
        runs_with=runs_with,
        timeout=timeout,
    )


def example_names(directory: Path | None = None) -> list[str]:
    """The example files (``*.py``, ``*.pyx``) in *directory* (default: ``examples/``), sorted."""
    base = directory or examples_dir()
    return sorted(p.name for p in base.iterdir() if p.is_file() and p.suffix in (".py", ".pyx"))


def read_header(name: str, directory: Path | None = None) -> Header:
    """The header of ``examples/<name>``.

    :raises FileNotFoundError: if there is no such example.
    :raises HeaderError: if its header is malformed.
    """
    path = (directory or examples_dir()) / name
    return parse_header(path.read_text(encoding="utf-8"), name)


# -- the matrix ------------------------------------------------------------------


@dataclass
class Cell:
    """One example on one interpreter.

    :param status: :data:`PASSED`, :data:`FAILED` or :data:`NOT_APPLICABLE`.
    :param detail: why it failed (the error's line) or is not applicable; ``""`` if it passed.
    :param claimed: whether the header says the example works there.
    :param seconds: wall time of the run (0 when it did not run).
    :param output: what it printed on stdout (``""`` unless it passed).
    """

    example: str
    interpreter: str
    executable: str
    status: str
    detail: str = ""
    claimed: bool = False
    seconds: float = 0.0
    output: str = ""
    command: str = ""
    interpreter_info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)

    @property
    def broken_claim(self) -> bool:
        """Failed on an interpreter the example claims."""
        return self.claimed and self.status == FAILED

    @property
    def verdict(self) -> str:
        """One short cell text: ``passed``, ``failed: <error>``, ``not applicable: <reason>``."""
        return self.status if not self.detail else f"{self.status}: {self.detail}"


_PROBE = (
    "import importlib.util, sys\n"
    "def has(m):\n"
    "    try:\n"
    "        return importlib.util.find_spec(m) is not None\n"
    "    except Exception:\n"
    "        return False\n"
    "sys.stdout.write(','.join(m for m in sys.argv[1:] if has(m)))\n"
)
_PROBED: dict[tuple[str, str], bool] = {}


def has_module(interp: Interpreter, module: str, *, timeout: float = 30.0) -> bool:
    """Whether *module* can be found by *interp* (asked in a child process; cached)."""
    key = (interp.executable, module)
    if key not in _PROBED:
        try:
            proc = _proc.run([interp.executable, "-c", _PROBE, module], timeout=timeout,
                             cwd=tempfile.gettempdir())
            _PROBED[key] = proc.returncode == 0 and module in proc.stdout.split(",")
        except (_proc.Overshoot, OSError):
            _PROBED[key] = False
    return _PROBED[key]


def not_applicable_reason(header: Header, interp: Interpreter) -> str | None:
    """Why *header*'s example is not run on *interp* (``None``: it is run)."""
    if not header.claims(interp):
        return f"not declared (pythons = {header.pythons_text})"
    missing = [" or ".join(alts) for alts in header.needs if not any(has_module(interp, m) for m in alts)]
    if missing:
        return "lacks " + ", ".join(missing)
    return None


def error_line(message: str) -> str:
    """The telling line of a failed run's message: the last non-empty line of its
    stderr (an exception's type and text, or the script's own error message)."""
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    if not lines:
        return "failed with no message"
    head = lines[0]
    if len(lines) == 1:
        return head
    exit_part = head.rsplit(" exited with ", 1)[-1].rstrip(":")
    return f"exit {exit_part}: {lines[-1]}" if head.endswith(":") else lines[-1]


def run_cell(header: Header, interp: Interpreter, *, directory: Path | None = None,
             timeout: float | None = None) -> Cell:
    """Run *header*'s example with its small arguments on *interp* and say how it went.

    The example and its companions are copied alone into a fresh temporary
    directory and run there, with a deadline (*timeout* seconds, default the
    header's). An example with ``runs-with`` is not run itself (not applicable).
    """
    source = directory or examples_dir()
    cell = Cell(example=header.name, interpreter=interp.label, executable=interp.executable,
                status=NOT_APPLICABLE, claimed=header.claims(interp), command=header.command,
                interpreter_info=interp.to_dict())
    if header.runs_with:
        cell.detail = f"not a script: {header.runs_with} builds and runs it"
        return cell
    reason = not_applicable_reason(header, interp)
    if reason:
        cell.detail = reason
        return cell
    deadline = header.timeout if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="gilref-example-") as tmp:
        for name in (header.name, *header.companions):
            shutil.copy2(source / name, Path(tmp) / name)
        start = time.perf_counter()
        try:
            cell.output = run_example(header.name, header.args, timeout=deadline, python=interp.executable,
                                      directory=tmp)
            cell.status = PASSED
        except ExampleError as exc:
            cell.status = FAILED
            cell.detail = error_line(str(exc))
        except OSError as exc:
            cell.status = FAILED
            cell.detail = f"could not start {interp.executable}: {exc}"
        cell.seconds = round(time.perf_counter() - start, 3)
    return cell


def run_matrix(names: Iterable[str] | None = None, interpreters: Sequence[Interpreter] | None = None, *,
               directory: Path | None = None) -> dict[str, list[Cell]]:
    """Every example (default: all of ``examples/``) on every interpreter (default:
    :func:`~gilref.interp.discover.discover`), as cells per example, interpreters in order.

    An example with ``runs-with`` gets the cells of the example that runs it
    (each marked with the name of the file it concerns).
    """
    found = list(interpreters) if interpreters is not None else discover()
    wanted = list(names) if names is not None else example_names(directory)
    headers = {n: read_header(n, directory) for n in wanted}
    matrix: dict[str, list[Cell]] = {}
    for name, header in headers.items():
        if header.runs_with:
            continue
        matrix[name] = [run_cell(header, interp, directory=directory) for interp in found]
    for name, header in headers.items():
        if not header.runs_with:
            continue
        driver = header.runs_with
        if driver not in matrix:
            matrix[driver] = [run_cell(read_header(driver, directory), i, directory=directory) for i in found]
        matrix[name] = [Cell(**{**c.to_dict(), "example": name}) for c in matrix[driver]]
    return {n: matrix[n] for n in wanted}


def check_claims(matrix: dict[str, list[Cell]]) -> None:
    """Raise if any example failed where its header says it works.

    :raises BrokenClaim: with one line naming every broken claim.
    """
    broken = [f"{c.example} on {c.interpreter}: {c.detail}" for cells in matrix.values() for c in cells
              if c.broken_claim]
    if broken:
        raise BrokenClaim("examples fail on Pythons their headers claim: " + "; ".join(broken))


def matrix_rows(cells: Sequence[Cell]) -> list[dict[str, Any]]:
    """One table row per interpreter: interpreter, claimed, result, seconds."""
    return [{
        "interpreter": c.interpreter,
        "declared": "yes" if c.claimed else "no",
        "result": c.verdict,
        "time (s)": seconds_text(c.seconds) if c.status != NOT_APPLICABLE else "",
    } for c in cells]


def seconds_text(seconds: float) -> str:
    """A run's time for the table (s): one decimal, or ``<0.1`` for a run shorter than that
    (never ``0.0``, which reads as no time at all)."""
    return "<0.1" if seconds < 0.05 else f"{seconds:.1f}"


def matrix_markdown(cells: Sequence[Cell]) -> str:
    """The cells of one example as a Markdown table (see :func:`matrix_rows`)."""
    return markdown_table(matrix_rows(cells), ["interpreter", "declared", "result", "time (s)"])


def overview_markdown(matrix: dict[str, list[Cell]]) -> str:
    """Every example x every interpreter, one word per cell, as a Markdown table."""
    if not matrix:
        raise ValueError("no examples in the matrix")
    labels = [c.interpreter for c in next(iter(matrix.values()))]
    rows = []
    for name, cells in matrix.items():
        row: dict[str, Any] = {"example": f"{{doc}}`{name} <examples/{Path(name).stem}>`"}
        for label, c in zip(labels, cells):
            row[label] = {PASSED: "passed", FAILED: "**failed**", NOT_APPLICABLE: "n/a"}[c.status]
        rows.append(row)
    return markdown_table(rows, ["example", *labels])


def idle_interpreters_text(matrix: dict[str, list[Cell]]) -> str:
    """A sentence for each interpreter whose column is *n/a* in every row, saying why (no
    example declares it, or each lacks a module), so an empty column is not left unexplained;
    ``""`` when every interpreter ran something."""
    if not matrix:
        return ""
    labels = [c.interpreter for c in next(iter(matrix.values()))]
    out = []
    for i, label in enumerate(labels):
        column = [cells[i] for cells in matrix.values() if i < len(cells)]
        if not column or any(c.status != NOT_APPLICABLE for c in column):
            continue
        if not any(c.claimed for c in column):
            version = str(column[0].interpreter_info.get("version", ""))
            why = (f" it implements Python {'.'.join(version.split('.')[:2])}, and every example is a Python 3 script"
                   if version.startswith("2") else " none of them claims to run there")
            out.append(f"No example declares {label} in its `pythons` line, so its column is *n/a* in every row:"
                       f"{why}.")
        else:
            lacking = sorted({c.detail for c in column if c.claimed and c.detail})
            out.append(f"{label} ran none of the examples: those that declare it were not applicable there ("
                       + "; ".join(lacking) + ").")
    return " ".join(out)


#: Where a module an example needs comes from, for the reader who lacks it (MyST). A
#: module not listed comes from ``pip install <its top-level name>``.
MODULE_SOURCES = {
    "concurrent.interpreters": "CPython 3.14 or later (it is in the standard library there)",
    "interpreters_backport": "CPython 3.13 with `pip install interpreters-pep-734` (the PEP 734 backport)",
    "Cython": "`pip install Cython`",
    "distributed": "`pip install distributed` (Dask's scheduler)",
}


def how_to_get(module: str) -> str:
    """Where *module* comes from, in a few words of MyST (:data:`MODULE_SOURCES`)."""
    return MODULE_SOURCES.get(module) or f"`pip install {module.split('.')[0]}`"


def _is_copy(name: str, cells: Sequence[Cell], directory: Path | None = None) -> bool:
    """Whether *name*'s cells are another example's (a file with ``runs-with``, not run itself)."""
    try:
        return read_header(name, directory).runs_with is not None
    except (OSError, HeaderError):
        return bool(cells) and not cells[0].command.startswith(shlex.join(["python", name]))


def matrix_counts(matrix: dict[str, list[Cell]], directory: Path | None = None) -> dict[str, Any]:
    """The matrix's sizes, computed from the matrix itself (what its table shows).

    ``examples`` (files, as rows), ``scripts`` (examples run themselves; a file
    built and run by another, such as a ``.pyx``, shows that one's cells and is
    not counted twice), ``interpreters`` (the table's columns, as labels),
    ``runs`` (``scripts`` × ``interpreters`` cells), and of those ``passed``,
    ``failed``, ``not_applicable`` and ``broken`` (failed where claimed).

    :raises ValueError: if the matrix is empty or its rows name different interpreters.
    """
    if not matrix:
        raise ValueError("no examples in the matrix")
    labels = [c.interpreter for c in next(iter(matrix.values()))]
    for name, cells in matrix.items():
        if [c.interpreter for c in cells] != labels:
            raise ValueError(f"the row of {name} names other interpreters than the first row")
    own = [c for name, cells in matrix.items() if not _is_copy(name, cells, directory) for c in cells]
    return {
        "examples": len(matrix),
        "scripts": sum(1 for name, cells in matrix.items() if not _is_copy(name, cells, directory)),
        "interpreters": labels,
        "runs": len(own),
        "passed": sum(c.status == PASSED for c in own),
        "failed": sum(c.status == FAILED for c in own),
        "not_applicable": sum(c.status == NOT_APPLICABLE for c in own),
        "broken": sum(c.broken_claim for c in own),
    }


def rows_sentence(counts: dict[str, Any]) -> str:
    """One sentence on the overview's rows against the scripts run (from :func:`matrix_counts`)."""
    built = counts["examples"] - counts["scripts"]
    if built <= 0:
        return " The table has one row per script."
    return (f" The table has {counts['examples']} rows: {built} of them "
            + ("is a file" if built == 1 else "are files") + " that a script builds and runs, shown with "
            "that script's runs and not counted twice.")


def not_run_anywhere(matrix: dict[str, list[Cell]]) -> list[str]:
    """The examples no interpreter of the build ran (every cell not applicable)."""
    return [name for name, cells in matrix.items() if cells and all(c.status == NOT_APPLICABLE for c in cells)]


def _missing_modules(cells: Sequence[Cell]) -> list[str]:
    found: list[str] = []
    for c in cells:
        if c.detail.startswith("lacks "):
            for alternatives in c.detail[len("lacks "):].split(", "):
                for module in alternatives.split(" or "):
                    if module not in found:
                        found.append(module)
    return found


def _why_not_run(header: Header, cells: Sequence[Cell]) -> str:
    """One sentence: why no interpreter of the build ran *header*'s example, and how to get one."""
    undeclared = [c.interpreter for c in cells if not c.claimed]
    lacking = [c for c in cells if c.claimed and c.detail.startswith("lacks ")]
    parts = []
    if undeclared:
        parts.append(f"{', '.join(undeclared)} {'is' if len(undeclared) == 1 else 'are'} not among the "
                     f"interpreters it declares (`pythons = {header.pythons_text}`)")
    if lacking:
        what = "; ".join(f"{c.interpreter} {c.detail}" for c in lacking)
        parts.append(what)
    modules = _missing_modules(lacking) or [m for alternatives in header.needs for m in alternatives]
    if modules:
        how = (" To run it, get " + (", or ".join(how_to_get(m) for m in modules)) + ", then build the book "
               "again (an interpreter on `PATH` or in `$GILREF_PYTHONS` is found).")
    else:
        how = f" To run it, build the book with a Python it declares ({header.pythons_text})."
    return "; ".join(parts) + "." + how


#: Examples that their chapter runs itself in a way the matrix does not (with a module on the
#: child's path): example -> the chapter whose record tells how it ran there (:func:`chapter_ran_text`).
RUN_BY_CHAPTER = {"subinterpreters.py": "subinterpreters"}


def not_run_markdown(matrix: dict[str, list[Cell]], directory: Path | None = None,
                     records: dict[str, dict[str, Any]] | None = None) -> str:
    """A list, under the overview, of the examples no interpreter of the matrix ran, each with
    why and how to get an interpreter that runs it (``""`` when every example ran somewhere).

    For an example its chapter runs itself (:data:`RUN_BY_CHAPTER`) the line says, from that
    chapter's record in *records* (chapter key -> record), that and how it ran there, and the
    advice is the example's own (:func:`backport_advice`), not a build the book already had.
    """
    names = not_run_anywhere(matrix)
    if not names:
        return ""
    lines = ["The matrix ran " + ("this example" if len(names) == 1 else "these examples")
             + " on none of its interpreters (every cell *n/a*):", ""]
    for name in names:
        header = read_header(name, directory)
        line = f"- {{doc}}`{name} <examples/{Path(name).stem}>`: "
        chapter = RUN_BY_CHAPTER.get(name, "")
        ran = chapter_ran_text((records or {}).get(chapter) or {}, chapter) if chapter else ""
        if ran:
            why = _why_not_run(header, matrix[name]).split(" To run it,")[0]
            line += f"{why} But {ran} {backport_advice(header)}"
        else:
            line += _why_not_run(header, matrix[name])
        lines.append(line)
    return "\n".join(lines) + "\n"


def cells_from_record(data: Sequence[dict[str, Any]]) -> list[Cell]:
    """Cells back from their recorded dicts (:meth:`Cell.to_dict`)."""
    return [Cell(**d) for d in data]


# -- a page per example ------------------------------------------------------------

#: The key of the chapter that measures the matrix (``docs/examples.md``).
MATRIX_CHAPTER = "examples"


def _fence(body: str, info: str) -> str:
    ticks = "```"
    while ticks in body:
        ticks += "`"
    return f"{ticks}{info}\n{body.rstrip()}\n{ticks}\n"


#: The class of the block that shows an example's output: long lines wrap inside the page
#: (a wide line would otherwise run off the page's column, its end out of sight).
OUTPUT_CLASS = "gilref-output"
_OUTPUT_STYLE = ("```{raw} html\n<style>div." + OUTPUT_CLASS + " pre { white-space: pre-wrap; "
                 "overflow-wrap: anywhere; }</style>\n```\n")


def output_block(text: str) -> str:
    """MyST for an example's whole output: a text block whose long lines wrap (never cut)."""
    body = text.rstrip() or "(it printed nothing)"
    ticks = "```"
    while ticks in body:
        ticks += "`"
    return f"{_OUTPUT_STYLE}{ticks}{{code-block}} text\n:class: {OUTPUT_CLASS}\n\n{body}\n{ticks}\n"


def _host_cell(cells: Sequence[Cell]) -> Cell:
    for c in cells:
        if c.interpreter_info.get("source") == "host":
            return c
    raise LookupError("the matrix has no cell for the build's own interpreter")


def summary_sentence(header: Header, cells: Sequence[Cell]) -> str:
    """One sentence: what the example declares, and how it fared in this build."""
    by = {s: [c.interpreter for c in cells if c.status == s] for s in (PASSED, FAILED, NOT_APPLICABLE)}
    needs = f"needs {header.needs_words}" if header.needs else "needs nothing beyond the standard library"
    parts = [f"passed on {len(by[PASSED])} of the {len(cells)} interpreters of this build"
             + (f" ({', '.join(by[PASSED])})" if by[PASSED] else "")]
    if by[FAILED]:
        parts.append(f"failed on {', '.join(by[FAILED])}")
    if by[NOT_APPLICABLE]:
        parts.append(f"was not applicable on {len(by[NOT_APPLICABLE])}"
                     + (" (all of them: see below why, and how to get one that runs it)"
                        if len(by[NOT_APPLICABLE]) == len(cells) else ""))
    return f"It declares `pythons = {header.pythons_text}` and {needs}; it " + "; ".join(parts) + "."


class PageGlue:
    """Glues into the page being executed, without a chapter record of its own: an
    example's page shows what the ``examples`` chapter recorded, and records nothing twice."""

    def md(self, name: str, text: str) -> str:
        """Glue MyST Markdown as *name* (for ``{glue:md}``)."""
        from .chapter import _glue, _Markdown

        _glue(name, _Markdown(text))
        return text

    def glue(self, name: str, value: Any) -> Any:
        """Glue a short text or number as *name* (for ``{glue:text}``)."""
        from .chapter import _glue

        _glue(name, value)
        return value


def present(name: str, record: dict[str, Any] | None = None, to: Any = None,
            chapter_record: dict[str, Any] | None = None) -> dict[str, str]:
    """Glue the parts of the page of ``examples/<name>`` (into *to*, an object with
    ``md(name, text)`` and ``glue(name, value)`` methods; default :class:`PageGlue`),
    from the matrix the examples chapter recorded (*record*, default its record, read
    with ``gilref.book.chapter.results_of``).

    Glues ``command`` and ``help_command`` (console blocks), ``output`` (what it
    printed on the build's own interpreter, or an admonition saying why it did
    not run there, and the output of one that did), ``matrix`` (the table),
    ``summary`` (a sentence), ``pythons`` and ``needs`` (header text),
    ``license``; and for an example in :data:`COMPARISONS`, ``comparison``: why
    its output differs from its chapter's figures (from *chapter_record*,
    default the record of the header's chapter if the build handed it over).
    Returns them.

    :raises LookupError: if the record holds no matrix for *name*.
    """
    ch = to if to is not None else PageGlue()
    if record is None:
        from .chapter import results_of

        record = results_of(MATRIX_CHAPTER)
    recorded = record.get("data", {}).get("matrix", {})
    if name not in recorded:
        raise LookupError(f"the {MATRIX_CHAPTER!r} chapter recorded no matrix for {name!r}")
    header = read_header(name)
    cells = cells_from_record(recorded[name])
    host = _host_cell(cells)
    script = header.runs_with or name
    runner = read_header(header.runs_with) if header.runs_with else header  # whose command runs it
    ran = [c for c in cells if c.status == PASSED]
    if host.status == PASSED:
        output = output_block(host.output)
    elif not ran and all(c.status == NOT_APPLICABLE for c in cells):
        output = (":::{admonition} Not run as it is by any interpreter of this build\n:class: warning\n"
                  f"No interpreter this build found could run `{script}` as it is: "
                  f"{_why_not_run(header, cells)}\n:::\n")
    else:
        if host.status == FAILED:
            how = "fix what the error says"
        elif not host.claimed:
            how = f"build the book with a Python it declares ({header.pythons_text})"
        else:
            how = ("get " + ", or ".join(how_to_get(m) for m in _missing_modules([host]))
                   + " and build the book again") if _missing_modules([host]) else \
                f"install {header.needs_words} into it and build the book again"
        shown = (f" Below is what it printed on {ran[0].interpreter}, which did run it." if ran else
                 " The table below shows how it fared on the other interpreters.")
        output = (f":::{{admonition}} Not run on this build's own Python\n:class: warning\n"
                  f"{host.interpreter} did not run `{script}`: {host.detail}. To see its output there, "
                  f"{how}.{shown}\n:::\n") + (output_block(ran[0].output) if ran else "")
    parts = {
        "command": _fence(f"$ {runner.command}", "console"),
        "help_command": _fence(f"$ python {shlex.quote(script)} --help", "console"),
        "output": output,
        "matrix": matrix_markdown(cells),
        "summary": summary_sentence(header, cells),
    }
    compare = COMPARISONS.get(name)
    if compare is not None:
        if chapter_record is None:
            from .chapter import results_of

            try:
                chapter_record = results_of(header.chapter)
            except LookupError:
                chapter_record = None
        sample = host if host.status == PASSED else next((c for c in cells if c.status == PASSED), host)
        parts["comparison"] = (compare(sample, chapter_record)
                               or "(It did not run here, so there is nothing to set beside its chapter.)")
    for key, text in parts.items():
        ch.md(key, text)
    ch.glue("pythons", header.pythons_text)
    ch.glue("needs", header.needs_words or "nothing beyond the standard library")
    ch.glue("license", header.license)
    return {**parts, "pythons": header.pythons_text, "needs": header.needs_text, "license": header.license}


# -- the countdown example against its chapter ----------------------------------------

_COUNTDOWN_HEAD = re.compile(r"^Python (\S+) \(GIL (on|off)\), (\d+) CPUs, ([\d,]+) steps, median of (\d+) runs?"
                             r"(?:, start method (\w+))?\s*$", re.M)
_COUNTDOWN_START = re.compile(
    r"^\s+\(starting (\d+) process(?:es)? that do(?:es)? nothing took ([\d.]+) s of that\)\s*$", re.M)
_COUNTDOWN_ROW = re.compile(r"^\s+(1 thread|\d+ threads|\d+ processes)\s+([\d.]+) s\s+([\d.]+)x one thread\s*$", re.M)


@dataclass(frozen=True)
class CountdownRun:
    """What ``examples/countdown.py`` printed: its settings and medians (seconds).

    :param python: the Python version it ran on; *gil*: whether the GIL was on.
    :param steps: the total countdown steps; *workers*: threads and processes.
    :param threads_speedup: the speedup it printed for the threads (× one thread; the
        script computes it from unrounded medians, so it is taken as printed), and
        *processes_speedup* for the processes.
    :param start: what the script printed that starting as many processes that do
        nothing took (s, median), or None if it did not print it (an older copy).
    """

    python: str
    gil: bool
    steps: int
    repeats: int
    workers: int
    one_thread: float
    threads: float
    processes: float
    threads_speedup: float
    processes_speedup: float
    start: float | None = None


def parse_countdown_output(text: str) -> CountdownRun:
    """The settings and medians of ``countdown.py``'s output.

    :raises ValueError: if *text* is not what the script prints.
    """
    head = _COUNTDOWN_HEAD.search(text)
    rows = {m.group(1): float(m.group(2)) for m in _COUNTDOWN_ROW.finditer(text)}
    speedups = {m.group(1): float(m.group(3)) for m in _COUNTDOWN_ROW.finditer(text)}
    threads = [k for k in rows if k.endswith("threads")]
    procs = [k for k in rows if k.endswith("processes")]
    if head is None or "1 thread" not in rows or len(threads) != 1 or len(procs) != 1:
        raise ValueError("not the output of countdown.py (a 'Python X (GIL on), N CPUs, S steps' line and "
                         "rows for 1 thread, N threads and N processes)")
    values = (rows["1 thread"], rows[threads[0]], rows[procs[0]])
    started = _COUNTDOWN_START.search(text)
    if min(values) <= 0:
        raise ValueError("countdown.py printed a time of zero: too few steps to time")
    return CountdownRun(python=head.group(1), gil=head.group(2) == "on", steps=int(head.group(4).replace(",", "")),
                        repeats=int(head.group(5)), workers=int(threads[0].split()[0]),
                        one_thread=values[0], threads=values[1], processes=values[2],
                        threads_speedup=speedups[threads[0]], processes_speedup=speedups[procs[0]],
                        start=float(started.group(2)) if started else None)


def _chapter_countdown(record: dict[str, Any]) -> dict[str, Any] | None:
    """The cpu-vs-io chapter's countdown: steps, workers, repeats, python, medians and speedups."""
    suite = (record.get("suites") or {}).get("countdown") or {}
    timings = {t.get("mode"): t for t in suite.get("timings", []) if t.get("workload") == "countdown"}
    if not {"sequential", "threads", "processes"} <= set(timings):
        return None
    seq = float(timings["sequential"]["median"])
    md = suite.get("metadata") or record.get("metadata") or {}
    return {"steps": int(timings["threads"].get("params", {}).get("n", 0)),
            "workers": int(timings["threads"]["workers"]),
            "repeats": len(timings["sequential"].get("values", [])),
            "python": str(md.get("python_version", "?")),
            "one_thread": seq,
            "threads": seq / float(timings["threads"]["median"]),
            "processes": seq / float(timings["processes"]["median"])}


def countdown_comparison(cell: Cell, record: dict[str, Any] | None, chapter: str = "cpu-vs-io") -> str:
    """Why the numbers ``countdown.py`` printed on this page differ from its chapter's, computed.

    Names every figure of both that bears on it: the steps, the interpreter, the
    repeats, both speedups on each side; and the two reasons the processes'
    speedups differ, measured from the example's own output: it counts fewer
    steps, and it starts its processes inside the timing (the chapter's harness
    starts them before the clock), so the processes' time beyond their share of
    the counting is mostly starting them. ``""`` if *cell* did not pass.
    """
    if cell.status != PASSED:
        return ""
    run = parse_countdown_output(cell.output)
    runs = f"{run.repeats} run{'s' if run.repeats != 1 else ''}"
    mine = (f"This run counted {run.steps:,} steps on Python {run.python} with {run.workers} workers, "
            f"median of {runs}: {run.workers} threads ran at {run.threads_speedup:.2f}× one thread and "
            f"{run.workers} processes at {run.processes_speedup:.2f}×.")
    if run.start is not None:
        starts = (f"The script starts its processes inside the timing, as a real script would: starting "
                  f"{run.workers} processes that do nothing took {run.start:.3f} s "
                  f"({min(run.start / run.processes, 1.0):.0%}) of the processes' {run.processes:.3f} s, as it "
                  "printed")
    else:  # an older copy of the script, which did not time the start alone
        beyond = max(run.processes - run.one_thread / run.workers, 0.0)
        starts = (f"The script starts its processes inside the timing, as a real script would: the processes "
                  f"took {run.processes:.3f} s, {beyond:.3f} s ({beyond / run.processes:.0%}) more than their "
                  f"share of one thread's {run.one_thread:.3f} s, which is mostly starting them")
    theirs = _chapter_countdown(record) if record is not None else None
    if theirs is None:
        return (f"**These are the small arguments' numbers.** {mine} {starts}; a larger `--count` makes "
                "that start a smaller part of the time. (The chapter's record is not in this edition, so its "
                "numbers cannot be set beside these.)\n")
    size = theirs["steps"] / run.steps if run.steps else 0.0
    where = ("the same interpreter" if theirs["python"] == run.python
             else f"Python {theirs['python']}, another interpreter than this run's")
    chapter_part = (f"{{doc}}`../{chapter}` counted {theirs['steps']:,} steps ({size:,.0f}× as many) on {where} with "
                    f"{theirs['workers']} workers, median of {theirs['repeats']} "
                    f"run{'s' if theirs['repeats'] != 1 else ''}: threads at "
                    f"{theirs['threads']:.2f}× and processes at {theirs['processes']:.2f}× one thread, its "
                    "processes started before the clock.")
    return (f"**Why these numbers differ from the chapter's.** {mine} {chapter_part} {starts}, a cost the "
            f"chapter leaves out and that weighs the more the shorter the count; at {run.steps:,} steps one "
            f"thread's whole run is {run.one_thread:.3f} s, against the chapter's {theirs['one_thread']:.3f} s, "
            "so timer noise and thread start weigh more in the threads' figure too.\n")


def subinterpreters_comparison(cell: Cell, record: dict[str, Any] | None, chapter: str = "subinterpreters") -> str:
    """How the subinterpreters chapter ran ``subinterpreters.py`` where the matrix could not: the
    chapter gives the child interpreter gilref's private copy of the PEP 734 backport on its
    ``PYTHONPATH``, the matrix runs every interpreter as it is. Read from that chapter's record
    (its ``si_example_check`` claim and its suites' interpreter); without that record, a sentence
    saying how the chapter runs it and that its result is not in this edition."""
    claim = ((record or {}).get("claims") or {}).get("si_example_check")
    header = read_header("subinterpreters.py")
    if not claim:
        return (f"({{doc}}`../{chapter}` runs this same script with the PEP 734 backport "
                "(`interpreters_backport`, which gilref installs into a private directory of its cache) on the "
                "child's `PYTHONPATH`, which the matrix above does not do; that chapter's record is not in this "
                "edition, so what it got there cannot be shown here.)\n")
    ran = "It ran here as well" if cell.status == PASSED else "The matrix above runs each interpreter as it is"
    return (f"{ran}; {chapter_ran_text(record or {}, f'../{chapter}')} {backport_advice(header)}\n")


def chapter_ran_text(record: dict[str, Any], link: str = "subinterpreters") -> str:
    """What the subinterpreters chapter's record says of its own run of ``subinterpreters.py``
    (with the PEP 734 backport on the child's ``PYTHONPATH``), as one MyST sentence linking *link*;
    ``""`` when the record holds no such check."""
    claim = (record.get("claims") or {}).get("si_example_check")
    if not claim:
        return ""
    where = next((metadata_label(raw.get("metadata") or {}) for raw in record.get("suites", {}).values()
                  if isinstance(raw, dict) and (raw.get("metadata") or {}).get("python_version")), "its interpreter")
    ev = claim.get("evidence") or {}

    def theirs(key: str) -> str:
        iv = ev.get(key)
        return f" against the chapter's {float(iv['median']):.2f}×" if isinstance(iv, dict) and "median" in iv else ""

    figures = (f": the script got {ev['n']} interpreters at {ev['ex_i']:.2f}× one thread{theirs('s_i')} and "
               f"{ev['n']} threads at {ev['ex_t']:.2f}×{theirs('s_t')}" if {"n", "ex_i", "ex_t"} <= set(ev) else "")
    state = {"holds": "agreed with the chapter's own measurement",
             "contradicted": "did not agree with the chapter's own measurement",
             "undecided": "could not be set beside the chapter's own measurement"}.get(str(claim.get("state")), "ran")
    return (f"{{doc}}`{link}` ran this same script on {where}, with the PEP 734 backport "
            "(`interpreters_backport`, which gilref installs into a private directory of its cache) on the "
            f"child's `PYTHONPATH`, and there it {state}{figures}.")


def backport_advice(header: Header) -> str:
    """How to run ``subinterpreters.py`` yourself, for the Pythons its header declares (one truth:
    the header's ``pythons``): on 3.14 as it is, on an older declared Python with the backport."""
    least = ".".join(map(str, min((p.minimum for p in header.pythons if p.minimum), default=(3, 13))))
    return (f"It declares `pythons = {header.pythons_text}`: on Python 3.14 or newer it runs as it is; to run it "
            f"on Python {least} yourself, `pip install '{BACKPORT}'` into that Python first.")




def dask_comparison(cell: Cell, record: dict[str, Any] | None, chapter: str = "beyond-one-machine") -> str:
    """Why ``dask_countdown.py`` with its small arguments shows the cluster as it does
    (:func:`gilref.topics.distributed.example_page_comparison`: one task's work plus the chapter's
    measured round); ``""`` when the output lacks the script's lines."""
    return distributed.example_page_comparison(cell.output, record, chapter)


def _passed_only(compare: Any, cell: Cell, record: dict[str, Any] | None) -> str:
    """``compare(cell.output, record)`` (a topic's ``example_page_comparison``) when *cell* passed, else ``""``."""
    return str(compare(cell.output, record)) if cell.status == PASSED else ""


def switch_interval_comparison(cell: Cell, record: dict[str, Any] | None) -> str:
    """Why the numbers ``switch_interval.py`` printed on its page differ from the chapter's
    (:func:`gilref.topics.switching.example_page_comparison`); ``""`` if *cell* did not pass."""
    return _passed_only(switching.example_page_comparison, cell, record)


def convoy_comparison(cell: Cell, record: dict[str, Any] | None) -> str:
    """Why ``convoy.py``'s page output differs from the chapter's
    (:func:`gilref.topics.convoy.example_page_comparison`); ``""`` if *cell* did not pass."""
    return _passed_only(convoy.example_page_comparison, cell, record)


def timeline_comparison(cell: Cell, record: dict[str, Any] | None) -> str:
    """Why ``timeline.py``'s median turn differs from the chapter's
    (:func:`gilref.topics.timeline.example_page_comparison`); ``""`` if *cell* did not pass."""
    return _passed_only(timeline.example_page_comparison, cell, record)


#: Per example, the function that sets its output beside its chapter's figures (see
#: :func:`countdown_comparison`): ``(host cell, the chapter's record or None) -> MyST``.
COMPARISONS = {"countdown.py": countdown_comparison, "subinterpreters.py": subinterpreters_comparison,
               "dask_countdown.py": dask_comparison, "switch_interval.py": switch_interval_comparison,
               "convoy.py": convoy_comparison, "timeline.py": timeline_comparison}
