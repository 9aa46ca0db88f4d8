"""Compare your machine with another one, or with a published edition of the book.

``python -m gilref report --json > mine.json`` profiles a machine;
``python -m gilref compare mine.json OTHER`` puts its key ratios next to
OTHER's and says in a sentence what each difference means. OTHER is another
report or an edition of the book (``edition.json``: a file, the built site's
directory, or an ``http://`` URL of either). From an edition, the comparable
measurements are those of the CPU-versus-I/O chapter (suites ``countdown`` and
``io``); the introduction's quick profile is used if that chapter is missing.

The measures, each a ratio measured side by side within one run, so that two
machines can be compared even though their absolute speeds differ:

* the countdown on one thread, in seconds per million steps (single-core speed);
* the countdown on N threads and on N processes, as speedups over one thread;
* I/O-style waits on K threads, as speedups over one thread (for each K both measured).

Anything that is not such a file gives a :class:`CompareError` with a one-line
reason. Standard library only; :func:`plot` needs matplotlib. (The module is not
called ``gilref.compare``: that name is the harness function :func:`gilref.core.harness.compare`.)
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .book.tables import render_table
from .core.hostinfo import host_summary
from .core.results import FORMAT as RESULTS_FORMAT
from .core.results import ResultsFormatError, Suite, Timing

__all__ = [
    "CompareError",
    "Measure",
    "Source",
    "compare",
    "load",
    "measures",
    "parse",
    "plot",
    "plot_format",
    "read_text",
    "render",
]

EDITION_FORMAT = "gilref-edition"
CHAPTER_FORMAT = "gilref-chapter"
#: Where an edition keeps the comparable suites: (chapter, [suite names]) in order of preference.
EDITION_SUITES = (("cpu-vs-io", ("countdown", "io")), ("intro", ("quick_profile",)))
MAX_BYTES = 64 * 2**20  # refuse to read more than this from a file or URL
_SAME = 0.10  # differences within 10% are called "about the same"


class CompareError(ValueError):
    """An input cannot be compared; the message is one line naming the input and the problem."""


@dataclass
class Source:
    """The comparable measurements from one file.

    :param name: the file or URL as given.
    :param kind: ``"report"``, ``"edition"`` or ``"chapter record"``.
    :param suite: the countdown and I/O-wait timings.
    :param metadata: host facts of the measurements.
    :param edition: the edition's own facts (commit, build date) when *kind* is ``"edition"``.
    """

    name: str
    kind: str
    suite: Suite
    metadata: dict[str, Any]
    edition: dict[str, Any] = field(default_factory=dict)

    @property
    def date(self) -> str:
        """When it was measured (YYYY-MM-DD), or ``"?"``."""
        return str(self.metadata.get("date") or "?")[:10]

    def describe(self) -> str:
        """One line: the file, its host, when it was measured (and the commit of an edition)."""
        text = f"{self.name} ({self.kind}): {host_summary(self.metadata)}, measured {self.date}"
        commit = self.edition.get("commit_short")
        if commit:
            text += f", commit {commit}"
        return text


@dataclass
class Measure:
    """One compared quantity.

    :param key: a stable identifier, e.g. ``"countdown_threads"``.
    :param label: what it is, with its unit, e.g. ``"countdown on threads (× one thread)"``.
    :param mine: the value for the first source (``None`` if it did not measure it).
    :param theirs: the value for the second source.
    :param mine_note: a short qualifier such as ``"2 threads"``.
    :param reading: one or two sentences saying what the difference means.
    :param speedup: True if the value is a speedup over one thread (it goes into the chart).
    """

    key: str
    label: str
    mine: float | None
    theirs: float | None
    mine_note: str = ""
    theirs_note: str = ""
    reading: str = ""
    speedup: bool = True

    @property
    def ratio(self) -> float | None:
        """``mine / theirs`` (``None`` if either is missing)."""
        if self.mine is None or self.theirs is None or self.theirs == 0:
            return None
        return self.mine / self.theirs


# -- reading inputs ------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def read_text(spec: str, *, timeout: float = 15.0) -> tuple[str, str]:
    """The text at *spec* (a file, a built site's directory, or an http(s) URL) and its name.

    :raises CompareError: if it cannot be read.
    """
    if spec.startswith(("http://", "https://")):
        url = spec
        if urllib.parse.urlsplit(url).path.endswith("/") or not urllib.parse.urlsplit(url).path:
            url = urllib.parse.urljoin(url if url.endswith("/") else url + "/", "_static/edition.json")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                raw = resp.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise CompareError(f"{url}: HTTP error {exc.code} ({_one_line(exc.reason)})") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CompareError(f"{url}: could not fetch it ({_one_line(str(reason))})") from None
        name = url
    else:
        path = Path(spec)
        if path.is_dir():
            for candidate in (path / "_static" / "edition.json", path / "edition.json"):
                if candidate.is_file():
                    path = candidate
                    break
            else:
                raise CompareError(f"{spec}: a directory without _static/edition.json (build the book first?)")
        name = str(path) if path != Path(spec) else spec
        try:
            with path.open("rb") as f:
                raw = f.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise CompareError(f"{spec}: no such file") from None
        except OSError as exc:
            raise CompareError(f"{spec}: cannot read it ({_one_line(exc.strerror or str(exc))})") from None
    if len(raw) > MAX_BYTES:
        raise CompareError(f"{name}: larger than {MAX_BYTES // 2**20} MiB, not a gilref report or edition")
    if not raw.strip():
        raise CompareError(f"{name}: the file is empty")
    try:
        return raw.decode("utf-8"), name
    except UnicodeDecodeError:
        raise CompareError(f"{name}: not a text file (not UTF-8), so not a gilref report or edition") from None


def _suite_from(data: Any, where: str) -> Suite:
    try:
        return Suite.from_dict(data)
    except ResultsFormatError as exc:
        raise CompareError(f"{where}: {_one_line(str(exc))}") from None


def _from_record(record: Any, names: tuple[str, ...], where: str) -> Suite | None:
    if not isinstance(record, dict):
        raise CompareError(f"{where}: a chapter record must be a JSON object")
    suites = record.get("suites")
    if not isinstance(suites, dict):
        raise CompareError(f"{where}: 'suites' must be an object")
    found = [_suite_from(suites[n], f"{where}, suite {n!r}") for n in names if n in suites]
    return Suite.merge(found) if found else None


def parse(text: str, name: str) -> Source:
    """The comparable measurements in the JSON *text* read from *name*.

    :raises CompareError: if *text* is not a gilref report, edition or chapter record
        holding countdown or I/O-wait timings.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CompareError(
            f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); is the file complete?"
        ) from None
    except RecursionError:
        raise CompareError(f"{name}: JSON nested too deeply to be a gilref report or edition") from None
    if not isinstance(data, dict):
        raise CompareError(f"{name}: not a gilref report or edition (a JSON {type(data).__name__}, not an object)")
    fmt = data.get("format")
    edition: dict[str, Any] = {}
    if fmt == RESULTS_FORMAT:
        kind, suite = "report", _suite_from(data, name)
    elif fmt == EDITION_FORMAT:
        kind = "edition"
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise CompareError(f"{name}: edition 'version' must be an int >= 1, got {version!r}")
        if version > 1:
            raise CompareError(f"{name}: edition format version {version} is newer than this gilref reads (1); "
                               "upgrade gilref")
        chapters = data.get("chapters")
        info = data.get("edition")
        if not isinstance(chapters, dict) or not isinstance(info, dict):
            raise CompareError(f"{name}: an edition needs 'edition' and 'chapters' objects")
        edition = info
        picked = None
        for chapter, names in EDITION_SUITES:
            if chapter in chapters:
                picked = _from_record(chapters[chapter], names, f"{name}, chapter {chapter!r}")
                if picked is not None:
                    break
        if picked is None:
            raise CompareError(f"{name}: the edition has no comparable measurements (no chapter 'cpu-vs-io' "
                               "with suites 'countdown' and 'io', nor 'intro' with 'quick_profile')")
        suite = picked
    elif fmt == CHAPTER_FORMAT:
        kind = "chapter record"
        picked = None
        for _chapter, names in EDITION_SUITES:
            picked = _from_record(data, names, name)
            if picked is not None:
                break
        if picked is None:
            raise CompareError(f"{name}: this chapter record has no countdown or I/O suites to compare")
        suite = picked
    else:
        raise CompareError(
            f"{name}: not a gilref report or edition (format is {fmt!r}; expected {RESULTS_FORMAT!r} from "
            f"'python -m gilref report --json' or {EDITION_FORMAT!r} from the book)"
        )
    if not suite.select("countdown") and not suite.select("io_wait"):
        raise CompareError(f"{name}: holds no countdown or I/O-wait timings to compare")
    metadata = dict(suite.metadata) or dict(edition.get("host") or {})
    return Source(name=name, kind=kind, suite=suite, metadata=metadata, edition=edition)


def load(spec: str, *, timeout: float = 15.0) -> Source:
    """Read and parse *spec* (file, built site directory or URL); see :func:`parse`."""
    text, name = read_text(spec, timeout=timeout)
    return parse(text, name)


# -- the measures --------------------------------------------------------------


def _safe(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except (KeyError, ZeroDivisionError, ValueError):
        return None


def _speedup(suite: Suite, timing: Timing | None) -> float | None:
    if timing is None:
        return None
    value = _safe(suite.speedup, timing)
    return value if value is not None and math.isfinite(value) else None


def _first(suite: Suite, workload: str, mode: str) -> Timing | None:
    found = suite.select(workload, mode)
    return found[-1] if found else None


def _times(r: float) -> str:
    return f"{r:.2f}×"


def _gil(md: dict[str, Any]) -> bool | None:
    value = md.get("gil_enabled")
    return value if isinstance(value, bool) else None


def _read_single(mine: Source, theirs: Source, a: float, b: float) -> str:
    r = a / b
    if abs(math.log(r)) < math.log(1 + _SAME):
        text = "About the same single-core speed for pure-Python code (within 10%)."
    elif r < 1:
        text = f"Your machine runs pure-Python code {1 / r:.2f}× faster on one core"
    else:
        text = f"Your machine runs pure-Python code {r:.2f}× slower on one core"
    if not text.endswith("."):
        reasons = []
        va, vb = mine.metadata.get("python_version"), theirs.metadata.get("python_version")
        if va and vb and va != vb:
            reasons.append(f"Python {va} versus {vb} (interpreter speed changes between versions)")
        ca, cb = mine.metadata.get("cpu_model"), theirs.metadata.get("cpu_model")
        if ca and cb and ca != cb:
            reasons.append("a different CPU")
        elif ca and ca == cb:
            reasons.append("the same CPU model, so load or clock speed made the difference")
        text += (": " + "; ".join(reasons) + ".") if reasons else "."
    return text


def _them(theirs: Source) -> str:
    return "the edition" if theirs.kind == "edition" else "the other machine"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _read_threads(mine: Source, theirs: Source, a: float | None, b: float | None) -> str:
    parts = []
    for who, value, md in (("yours", a, mine.metadata), (_them(theirs), b, theirs.metadata)):
        if value is None:
            continue
        if value >= 1.2 and _gil(md) is False:
            parts.append(f"{who} ran without the GIL (free-threaded), so its threads ran in parallel ({value:.2f}×)")
        elif value >= 1.2:
            parts.append(f"{who} sped up on threads despite a GIL ({value:.2f}×), which is unusual: "
                         "measure again on an idle machine")
        elif value < 0.9:
            parts.append(f"{who} lost time on threads ({value:.2f}×): the threads contend for the one lock")
    if a is not None and b is not None and a < 1.2 and b < 1.2 and not parts:
        return (f"Threads do not speed up CPU-bound pure Python on either machine ({a:.2f}× and {b:.2f}×): "
                "the GIL lets one thread run Python at a time.")
    if not parts:
        return "Only one side measured the countdown on threads."
    return _cap("; ".join(parts) + ".")


def _read_processes(a: float | None, b: float | None, wa: int, wb: int, them: str) -> str:
    if a is None or b is None:
        return "Only one side measured the countdown on processes."
    ea, eb = a / wa, b / wb
    text = (f"Processes sidestep the GIL: yours reached {a:.2f}× on {wa} processes ({ea:.0%} of ideal), "
            f"{them} {b:.2f}× on {wb} ({eb:.0%}).")
    if min(wa, wb) < 2:
        text += " With one usable CPU, processes have nothing to run in parallel on."
    elif wa != wb:
        more = "more" if wa > wb else "fewer"
        text += f" Your machine has {more} usable CPUs ({wa} versus {wb}), which sets the ceiling."
    if abs(ea - eb) > 0.15:
        lower = "yours" if ea < eb else them
        text += (f" {_cap(lower)} got less of the ideal: other load on the machine, CPUs that are "
                 "hyper-threads of one core, or a slower process start.")
    elif wa == wb:
        text += " About the same use of the cores."
    return text


def _ideal_io(timing: Timing) -> float:
    tasks = timing.params.get("tasks")
    if isinstance(tasks, int) and tasks > 0:
        return tasks / math.ceil(tasks / timing.workers)
    return float(timing.workers)


def _read_io(k: int, a: float, b: float, ideal_a: float, ideal_b: float, note: str, them: str) -> str:
    ea, eb = a / ideal_a, b / ideal_b
    if ea >= 0.8 and eb >= 0.8:
        text = (f"Waits overlap on both machines ({a:.2f}× and {b:.2f}× on {k} threads, ideal {ideal_a:g}×): "
                "a waiting thread releases the GIL.")
    else:
        low = [w for w, e in (("yours", ea), (them, eb)) if e < 0.8]
        text = (f"{_cap(' and '.join(low))} overlapped waits less well than ideal "
                f"({a:.2f}× and {b:.2f}× of {ideal_a:g}× on {k} threads): a loaded machine or coarse timers.")
    return text + note


def measures(mine: Source, theirs: Source) -> list[Measure]:
    """The key ratios of *mine* and *theirs* side by side, each with a reading."""
    out: list[Measure] = []
    a_suite, b_suite = mine.suite, theirs.suite

    a_seq, b_seq = _safe(a_suite.baseline, "countdown"), _safe(b_suite.baseline, "countdown")
    if a_seq is not None or b_seq is not None:
        def per_million(t: Timing | None) -> float | None:
            n = t.params.get("n") if t is not None else None
            if t is None or not isinstance(n, (int, float)) or n <= 0:
                return None
            return t.median / (n / 1e6)

        a, b = per_million(a_seq), per_million(b_seq)
        reading = (_read_single(mine, theirs, a, b) if a is not None and b is not None
                   else "Only one side measured the countdown on one thread.")
        out.append(Measure("countdown_single", "countdown on 1 thread (s per million steps)", a, b,
                           "", "", reading, speedup=False))

    a_thr, b_thr = _first(a_suite, "countdown", "threads"), _first(b_suite, "countdown", "threads")
    if a_thr is not None or b_thr is not None:
        a, b = _speedup(a_suite, a_thr), _speedup(b_suite, b_thr)
        out.append(Measure("countdown_threads", "countdown on threads (× one thread)", a, b,
                           f"{a_thr.workers} threads" if a_thr else "", f"{b_thr.workers} threads" if b_thr else "",
                           _read_threads(mine, theirs, a, b)))

    a_prc, b_prc = _first(a_suite, "countdown", "processes"), _first(b_suite, "countdown", "processes")
    if a_prc is not None or b_prc is not None:
        a, b = _speedup(a_suite, a_prc), _speedup(b_suite, b_prc)
        out.append(Measure("countdown_processes", "countdown on processes (× one thread)", a, b,
                           f"{a_prc.workers} processes" if a_prc else "",
                           f"{b_prc.workers} processes" if b_prc else "",
                           _read_processes(a, b, a_prc.workers if a_prc else 1, b_prc.workers if b_prc else 1,
                                           _them(theirs))))

    a_io = {t.workers: t for t in a_suite.select("io_wait", "threads") if t.workers > 1}
    b_io = {t.workers: t for t in b_suite.select("io_wait", "threads") if t.workers > 1}
    common = sorted(set(a_io) & set(b_io))
    pairs = [(k, a_io[k], b_io[k]) for k in common]
    if not pairs and a_io and b_io:
        pairs = [(max(a_io), a_io[max(a_io)], b_io[max(b_io)])]
    for k, ta, tb in pairs:
        a, b = _speedup(a_suite, ta), _speedup(b_suite, tb)
        if a is None or b is None:
            continue
        la, lb = ta.params.get("latency_s"), tb.params.get("latency_s")
        note = ""
        if isinstance(la, (int, float)) and isinstance(lb, (int, float)) and la != lb:
            note = f" (Your waits were {la * 1000:g} ms, those of {_them(theirs)} {lb * 1000:g} ms.)"
        label = f"I/O waits on {k} threads (× one thread)" if ta.workers == tb.workers else \
            "I/O waits on the most threads (× one thread)"
        out.append(Measure(f"io_threads_{k}", label, a, b, f"{ta.workers} threads", f"{tb.workers} threads",
                           _read_io(ta.workers, a, b, _ideal_io(ta), _ideal_io(tb), note, _them(theirs))))
    if not out:
        raise CompareError(f"{mine.name} and {theirs.name} have no measure in common to compare")
    return out


def _fmt(value: float | None, note: str) -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}×" if note else f"{value:.4f}"
    return f"{text} ({note})" if note else text


def render(mine: Source, theirs: Source, rows: list[Measure]) -> str:
    """The comparison as plain text: both hosts, a side-by-side table, one reading per measure."""
    other = "edition" if theirs.kind == "edition" else "other"
    header = ["measure", "yours", other, f"yours / {other}"]
    cells = [dict(zip(header, [m.label, _fmt(m.mine, m.mine_note), _fmt(m.theirs, m.theirs_note),
                               f"{m.ratio:.2f}" if m.ratio is not None else "—"])) for m in rows]
    lines = [
        "Your machine versus " + ("the book's edition" if other == "edition" else "another machine"),
        "",
        f"  yours:  {mine.describe()}",
        f"  {other + ':':<7} {theirs.describe()}",
        "",
    ]
    lines += render_table(cells, header, style="text", indent="  ").splitlines()
    lines += ["", "  Speedups are ratios of medians measured side by side in one run on each machine;",
              "  for the time per step, a ratio below 1 means your machine is faster.", "", "Reading", ""]
    for m in rows:
        lines.append(f"  * {m.label.split(' (')[0]}: {m.reading}")
    return "\n".join(lines) + "\n"


def plot_format(path: str | Path) -> str:
    """The chart format named by *path*'s extension: ``"svg"``, ``"png"`` or ``"pdf"``.

    :raises CompareError: for any other extension.
    """
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in ("svg", "png", "pdf"):
        raise CompareError(f"--plot {path}: the file name must end in .svg, .png or .pdf")
    return fmt


def plot(rows: list[Measure], mine: Source, theirs: Source, path: str | Path) -> Path:
    """Write a chart of *rows* to *path* (SVG, PNG or PDF by its extension).

    :raises CompareError: for another extension, or when matplotlib is missing.
    """
    target = Path(path)
    fmt = plot_format(path)
    try:
        from .book.charts import comparison_chart
    except ImportError:
        raise CompareError("--plot needs matplotlib: pip install matplotlib") from None
    other = "edition" if theirs.kind == "edition" else "other"
    fig = comparison_chart(
        [(m.label.split(" (")[0], m.mine, m.theirs, m.speedup) for m in rows],
        names=("yours", other),
        metadata=(mine.metadata, theirs.metadata),
        title=f"Your machine versus {'the book’s edition' if other == 'edition' else 'another machine'}",
    )
    try:
        fig.savefig(target, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    except OSError as exc:
        raise CompareError(f"--plot {path}: cannot write it ({_one_line(exc.strerror or str(exc))})") from None
    return target


def compare(mine_spec: str, other_spec: str, *, timeout: float = 15.0) -> tuple[Source, Source, list[Measure]]:
    """Load both inputs and compute the measures."""
    mine = load(mine_spec, timeout=timeout)
    theirs = load(other_spec, timeout=timeout)
    return mine, theirs, measures(mine, theirs)
