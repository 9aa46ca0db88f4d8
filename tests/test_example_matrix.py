"""The examples, vetted: each one's header, its page in the book, and the matrix of
interpreters it runs on (one test per example and kind of interpreter, skipped with
the reason where this host lacks that interpreter or the example does not claim it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gilref.book import examples as ex
from gilref.interp.discover import Interpreter, discover

from .conftest import EXAMPLES, ROOT

DOCS = ROOT / "docs"
NAMES = ex.example_names(EXAMPLES)
#: The kinds of interpreter the matrix is tested on, in the order of the columns.
KINDS = ("host", "cpython-default", "free-threaded", "pypy")


def _interp(executable: str = "/usr/bin/python3", implementation: str = "CPython", version: str = "3.13.5",
            free_threaded: bool = False, source: str = "path") -> Interpreter:
    return Interpreter(executable=executable, implementation=implementation, version=version,
                       free_threaded=free_threaded, gil_enabled=not free_threaded, source=source)


def _pick(kind: str) -> tuple[Interpreter | None, str]:
    """The interpreter of *kind* on this host (the newest), or None and why not."""
    found = discover()
    if kind == "host":
        return found[0], ""
    others = [i for i in found if i.source != "host"]
    match = {
        "cpython-default": [i for i in others if i.implementation == "CPython" and not i.free_threaded],
        "free-threaded": [i for i in others if i.implementation == "CPython" and i.free_threaded],
        "pypy": [i for i in others if i.implementation == "PyPy" and i.runs_gilref],
    }[kind]
    if not match:
        how = {"cpython-default": "no CPython default (GIL) build besides the host's",
               "free-threaded": "no free-threaded CPython (python -m gilref provision, or $GILREF_PYTHONS)",
               "pypy": "no PyPy 3.9+ (install pypy3)"}[kind]
        return None, f"this host has {how}"
    return max(match, key=lambda i: i.version_tuple), ""


def _matrix_params() -> list[object]:
    params = []
    for name in NAMES:
        header = ex.read_header(name, EXAMPLES)
        marks = [pytest.mark.example(name)]
        if header.timeout > ex.DEFAULT_TIMEOUT:
            marks.append(pytest.mark.slow)
        for kind in KINDS:
            params.append(pytest.param(name, kind, marks=marks, id=f"{name}-{kind}"))
    return params


# -- the matrix, as the book runs it -----------------------------------------------


@pytest.mark.parametrize(("name", "kind"), _matrix_params())
def test_example_runs_where_it_claims_to(name: str, kind: str) -> None:
    interp, why = _pick(kind)
    if interp is None:
        pytest.skip(why)
    header = ex.read_header(name, EXAMPLES)
    if header.runs_with:
        pytest.skip(f"{name} is not a script: {header.runs_with} builds and runs it (tested there)")
    cell = ex.run_cell(header, interp, directory=EXAMPLES)
    if cell.status == ex.NOT_APPLICABLE:
        pytest.skip(f"{name} on {interp.label}: {cell.detail}")
    assert cell.status == ex.PASSED, f"{name} fails on {interp.label}, which its header claims: {cell.detail}"
    assert cell.output.strip(), f"{name} printed nothing on {interp.label}"


# -- the headers ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_example_has_a_header_with_its_small_arguments_and_licence(name: str) -> None:
    header = ex.read_header(name, EXAMPLES)
    assert header.license == "MIT", "the project's licence (pyproject.toml) is MIT"
    assert "the gilref authors" in (EXAMPLES / name).read_text(encoding="utf-8")
    assert (DOCS / f"{header.chapter}.md").is_file(), f"{name}: chapter {header.chapter!r} is not a page"
    for other in (*header.companions, *([header.runs_with] if header.runs_with else [])):
        assert (EXAMPLES / other).is_file(), f"{name} names {other}, which is not in examples/"
    if not header.runs_with:
        assert name.endswith(".py")
        assert header.command.startswith(f"python {name}")


def test_the_project_has_the_mit_licence_the_headers_name() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "the gilref authors" in text
    assert re.search(r'^license = "MIT"$', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)


HEADER = """# gilref-example: args = --count 10 --name 'two words'
# gilref-example: pythons = cpython>=3.9, pypy
# gilref-example: needs = numpy, concurrent.interpreters | interpreters_backport
# gilref-example: chapter = cpu-vs-io
# SPDX-License-Identifier: MIT
\"\"\"Doc.\"\"\"
"""


def test_a_header_is_parsed_into_arguments_pythons_and_needs() -> None:
    h = ex.parse_header(HEADER, "x.py")
    assert h.args == ("--count", "10", "--name", "two words")
    assert h.pythons == (ex.PythonSpec("cpython", (3, 9)), ex.PythonSpec("pypy"))
    assert h.needs == (("numpy",), ("concurrent.interpreters", "interpreters_backport"))
    assert h.chapter == "cpu-vs-io" and h.license == "MIT" and h.timeout == ex.DEFAULT_TIMEOUT
    assert h.command == "python x.py --count 10 --name 'two words'"


@pytest.mark.parametrize(("text", "message"), [
    ("print(1)\n", "no '# gilref-example:' header"),
    (HEADER.replace("chapter", "chapters"), "KEY one of"),
    (HEADER + "# gilref-example: chapter = again\n", "given twice"),
    (HEADER.replace("# gilref-example: args = --count 10 --name 'two words'\n", ""), "lacks 'args"),
    (HEADER.replace("# SPDX-License-Identifier: MIT\n", ""), "licence"),
    (HEADER.replace("pypy", "ironpython"), "not a Python of the header format"),
    (HEADER.replace("numpy", "num py"), "not a dotted name"),
    (HEADER + "# gilref-example: timeout = soon\n", "timeout must be a number"),
    (HEADER + "# gilref-example: timeout = 0\n", "timeout must be > 0"),
])
def test_a_malformed_header_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ex.HeaderError, match=re.escape(message)):
        ex.parse_header(text, "x.py")


@pytest.mark.parametrize(("spec", "interp", "expected"), [
    ("cpython>=3.9", _interp(), True),
    ("cpython>=3.9", _interp(free_threaded=True), True),
    ("cpython>=3.14", _interp(), False),
    ("cpython-default", _interp(free_threaded=True), False),
    ("cpython-default", _interp(), True),
    ("free-threaded", _interp(), False),
    ("free-threaded>=3.13", _interp(free_threaded=True), True),
    ("pypy>=3.9", _interp(implementation="PyPy", version="3.9.16"), True),
    ("pypy>=3.10", _interp(implementation="PyPy", version="3.9.16"), False),
    ("cpython", _interp(implementation="PyPy", version="3.9.16"), False),
    ("jython", _interp(implementation="Jython", version="2.7.3"), True),
])
def test_a_python_spec_matches_by_kind_and_least_version(spec: str, interp: Interpreter, expected: bool) -> None:
    assert ex.PythonSpec.parse(spec).matches(interp) is expected


# -- the cells and the claim check (on scripts written here) -------------------------


def _script(tmp_path: Path, body: str, pythons: str = "cpython>=3.9, pypy>=3.9", needs: str = "") -> ex.Header:
    lines = ["# gilref-example: args = --n 3", f"# gilref-example: pythons = {pythons}",
             "# gilref-example: chapter = cpu-vs-io", "# gilref-example: timeout = 30"]
    if needs:
        lines.append(f"# gilref-example: needs = {needs}")
    (tmp_path / "demo.py").write_text("\n".join([*lines, "# SPDX-License-Identifier: MIT", body]) + "\n")
    return ex.read_header("demo.py", tmp_path)


def test_a_cell_passes_with_the_output_and_runs_a_lone_copy(tmp_path: Path) -> None:
    header = _script(tmp_path, "import os, sys\nprint(sys.argv[1:], sorted(os.listdir('.')))")
    (tmp_path / "other.txt").write_text("not a companion")
    cell = ex.run_cell(header, discover()[0], directory=tmp_path)
    assert cell.status == ex.PASSED and cell.claimed
    assert cell.output.strip() == "['--n', '3'] ['demo.py']"  # alone in its directory, as downloaded


def test_a_failing_claimed_cell_names_the_error_and_fails_the_check(tmp_path: Path) -> None:
    header = _script(tmp_path, "import sys\nsys.exit('error: this example is broken')")
    cell = ex.run_cell(header, discover()[0], directory=tmp_path)
    assert cell.status == ex.FAILED and cell.broken_claim
    assert cell.detail == "exit 1: error: this example is broken"
    with pytest.raises(ex.BrokenClaim, match=r"demo\.py on .*: exit 1: error: this example is broken"):
        ex.check_claims({"demo.py": [cell]})


def test_a_traceback_is_reported_by_its_last_line(tmp_path: Path) -> None:
    header = _script(tmp_path, "def f():\n    raise KeyError('gone')\nf()")
    cell = ex.run_cell(header, discover()[0], directory=tmp_path)
    assert cell.detail == "exit 1: KeyError: 'gone'"


def test_a_run_past_its_deadline_fails(tmp_path: Path) -> None:
    header = _script(tmp_path, "import time\nwhile True:\n    time.sleep(1)")
    cell = ex.run_cell(header, discover()[0], directory=tmp_path, timeout=1)
    assert cell.status == ex.FAILED and "did not finish within 1 s" in cell.detail


def test_an_undeclared_python_or_a_missing_module_is_not_applicable_and_not_run(tmp_path: Path) -> None:
    host = discover()[0]
    header = _script(tmp_path, "raise SystemExit(3)", pythons="jython")
    cell = ex.run_cell(header, host, directory=tmp_path)
    assert cell.status == ex.NOT_APPLICABLE and not cell.claimed and "not declared" in cell.detail
    header = _script(tmp_path, "raise SystemExit(3)", needs="no_such_module_gilref | nor_this_one")
    cell = ex.run_cell(header, host, directory=tmp_path)
    assert cell.status == ex.NOT_APPLICABLE and cell.claimed
    assert cell.detail == "lacks no_such_module_gilref or nor_this_one"
    ex.check_claims({"demo.py": [cell]})  # not applicable is no broken claim


def test_a_file_run_by_another_gets_that_ones_cells(tmp_path: Path) -> None:
    _script(tmp_path, "print('built and ran')")
    (tmp_path / "lib.pyx").write_text("# gilref-example: pythons = cpython\n# gilref-example: chapter = native-code\n"
                                      "# gilref-example: runs-with = demo.py\n# SPDX-License-Identifier: MIT\n")
    matrix = ex.run_matrix(["demo.py", "lib.pyx"], [discover()[0]], directory=tmp_path)
    assert [c.status for c in matrix["lib.pyx"]] == [ex.PASSED]
    assert matrix["lib.pyx"][0].example == "lib.pyx" and matrix["lib.pyx"][0].output.strip() == "built and ran"


def test_the_page_parts_come_from_the_record(tmp_path: Path) -> None:
    cells = [ex.Cell("refcount.py", "CPython 3.11 (GIL)", "/py", ex.PASSED, claimed=True, output="a = []\n",
                     interpreter_info={"source": "host"}),
             ex.Cell("refcount.py", "PyPy 3.9.16", "/pypy", ex.FAILED, "exit 1: boom", claimed=True),
             ex.Cell("refcount.py", "Jython 2.7.3", "/jy", ex.NOT_APPLICABLE, "not declared (pythons = x)")]

    class Recorder:
        def __init__(self) -> None:
            self.glued: dict[str, object] = {}

        def md(self, key: str, text: str) -> str:
            self.glued[key] = text
            return text

        def glue(self, key: str, value: object) -> object:
            self.glued[key] = value
            return value

    ch = Recorder()
    record = {"data": {"matrix": {"refcount.py": [c.to_dict() for c in cells]}}}
    parts = ex.present("refcount.py", record, to=ch)
    assert parts["output"].endswith("```{code-block} text\n:class: gilref-output\n\na = []\n```\n")
    assert "white-space: pre-wrap" in parts["output"], "long lines wrap instead of running off the page"
    assert "| PyPy 3.9.16 | yes | failed: exit 1: boom |" in parts["matrix"]
    assert "passed on 1 of the 3 interpreters of this build (CPython 3.11 (GIL)); failed on PyPy 3.9.16" \
        in parts["summary"]
    assert ch.glued["license"] == "MIT"
    assert parts["command"] == "```console\n$ python refcount.py\n```\n"
    cells[0].status, cells[0].detail, cells[0].claimed = ex.NOT_APPLICABLE, "not declared (pythons = x)", False
    unrun = ex.present("refcount.py", {"data": {"matrix": {"refcount.py": [c.to_dict() for c in cells]}}}, to=ch)
    assert "Not run on this build's own Python" in unrun["output"] and "a Python it declares" in unrun["output"]
    assert "what it printed on" not in unrun["output"], "no interpreter passed: no output to show"
    pyx_record = {"data": {"matrix": {"cython_nogil.pyx": [c.to_dict() for c in cells]}}}
    pyx = ex.present("cython_nogil.pyx", pyx_record, to=ch)
    assert pyx["command"].startswith("```console\n$ python build_cython.py --steps "), "the script that builds it"
    with pytest.raises(LookupError, match="no matrix for 'countdown.py'"):
        ex.present("countdown.py", record, to=ch)


# -- the pages of the book ---------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_example_has_a_page_with_the_whole_file_and_a_download(name: str) -> None:
    page = DOCS / "examples" / f"{Path(name).stem}.md"
    assert page.is_file(), f"no page docs/examples/{page.name} for {name}"
    text = page.read_text(encoding="utf-8")
    whole = re.search(r"```\{literalinclude\} \.\./\.\./examples/" + re.escape(name) + r"\n(.*?)```", text, re.S)
    assert whole, f"{page.name} does not include examples/{name}"
    assert not re.search(r"^:(pyobject|lines|start-after|start-at|end-before|end-at):", whole.group(1), re.M), \
        f"{page.name} shows a slice of {name}, not the whole file"
    assert f"{{download}}`Download {name} <../../examples/{name}>`" in text
    assert f"{{repo-file}}`examples/{name}`" in text
    header = ex.read_header(name, EXAMPLES)
    assert f"{{doc}}`../{header.chapter}`" in text, f"{page.name} does not link its chapter {header.chapter}"
    assert f'examples.present("{name}")' in text and "gilref_needs: [examples]" in text
    assert "book.chapter(" not in text, "an example's page records nothing: the examples chapter holds its matrix"
    index = (DOCS / "examples.md").read_text(encoding="utf-8")
    assert f"\nexamples/{Path(name).stem}\n" in index, f"docs/examples.md's toctree lacks {page.name}"


def test_the_examples_section_is_in_the_table_of_contents() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert re.search(r"```\{toctree\}\n:caption: Examples\n(:.*\n)*\nexamples\n", index)


def _slices() -> list[tuple[str, str]]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        if page.name == "examples.md":
            continue
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"```\{literalinclude\} \.\./examples/([\w.]+)\n(.*?)```", text, re.S):
            if re.search(r"^:?(pyobject|lines|start-after|start-at|end-before|end-at):", m.group(2), re.M):
                found.append((page.name, m.group(1)))
    return sorted(set(found))


def test_the_chapters_show_slices() -> None:
    assert len(_slices()) >= 10  # the test below would pass vacuously if the pattern missed them


@pytest.mark.parametrize(("page", "name"), _slices())
def test_every_chapter_that_shows_a_slice_links_the_whole_example(page: str, name: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    assert f"{{doc}}`examples/{Path(name).stem}`" in text, f"{page} shows a slice of {name} but does not link its page"


# -- counts, examples nothing ran, the countdown against its chapter -----------------------------


def _cell(example: str, label: str, status: str, detail: str = "", *, claimed: bool = True, output: str = "",
          command: str = "", host: bool = False) -> ex.Cell:
    return ex.Cell(example, label, "/py", status, detail, claimed=claimed, output=output,
                   command=command or f"python {example}", interpreter_info={"source": "host" if host else "path"})


LABELS = ["CPython 3.11.7 (GIL)", "CPython 3.13.5 (GIL)", "CPython 3.13.5 free-threaded"]
SUBINTERP_ROW = [
    _cell("subinterpreters.py", LABELS[0], ex.NOT_APPLICABLE, "not declared (pythons = cpython>=3.13)",
          claimed=False, host=True),
    _cell("subinterpreters.py", LABELS[1], ex.NOT_APPLICABLE, "lacks concurrent.interpreters or interpreters_backport"),
    _cell("subinterpreters.py", LABELS[2], ex.NOT_APPLICABLE, "lacks concurrent.interpreters or interpreters_backport"),
]


def test_the_counts_come_from_the_matrix_and_count_a_built_file_once() -> None:
    build = [_cell("build_cython.py", LABELS[0], ex.PASSED, host=True), _cell("build_cython.py", LABELS[1], ex.PASSED),
             _cell("build_cython.py", LABELS[2], ex.FAILED, "boom")]
    pyx = [ex.Cell(**{**c.to_dict(), "example": "cython_nogil.pyx"}) for c in build]
    matrix = {"build_cython.py": build, "cython_nogil.pyx": pyx, "subinterpreters.py": SUBINTERP_ROW}
    counts = ex.matrix_counts(matrix)
    assert counts == {"examples": 3, "scripts": 2, "interpreters": LABELS, "runs": 6, "passed": 2, "failed": 1,
                      "not_applicable": 3, "broken": 1}
    assert "3 rows: 1 of them is a file that a script builds and runs" in ex.rows_sentence(counts)
    assert ex.rows_sentence({**counts, "examples": 2}) == " The table has one row per script."
    with pytest.raises(ValueError, match="other interpreters"):
        ex.matrix_counts({"build_cython.py": build, "subinterpreters.py": SUBINTERP_ROW[:2]})


def test_an_example_no_interpreter_ran_says_why_and_how_to_get_one() -> None:
    matrix = {"subinterpreters.py": SUBINTERP_ROW,
              "countdown.py": [_cell("countdown.py", label, ex.PASSED) for label in LABELS]}
    assert ex.not_run_anywhere(matrix) == ["subinterpreters.py"]
    note = ex.not_run_markdown(matrix)
    assert note.startswith("The matrix ran this example on none of its interpreters")
    assert "{doc}`subinterpreters.py <examples/subinterpreters>`" in note
    assert "CPython 3.11.7 (GIL) is not among the interpreters it declares (`pythons = cpython>=3.13`)" in note
    assert "CPython 3.14 or later" in note and "`pip install interpreters-pep-734`" in note
    assert ex.not_run_markdown({"countdown.py": matrix["countdown.py"]}) == ""
    page = ex.present("subinterpreters.py", {"data": {"matrix": {"subinterpreters.py": [
        c.to_dict() for c in SUBINTERP_ROW]}}}, to=_Recorder())
    assert page["output"].startswith(":::{admonition} Not run as it is by any interpreter of this build\n"
                                     ":class: warning\n")
    assert "CPython 3.14 or later" in page["output"]
    assert "was not applicable on 3 (all of them" in page["summary"]


def test_a_missing_module_says_where_it_comes_from() -> None:
    assert ex.how_to_get("numpy") == "`pip install numpy`"
    assert ex.how_to_get("yaml.loader") == "`pip install yaml`"
    assert "standard library" in ex.how_to_get("concurrent.interpreters")


class _Recorder:
    def __init__(self) -> None:
        self.glued: dict[str, object] = {}

    def md(self, key: str, text: str) -> str:
        self.glued[key] = text
        return text

    def glue(self, key: str, value: object) -> object:
        self.glued[key] = value
        return value


COUNTDOWN_OUT = ("Python 3.11.7 (GIL on), 2 CPUs, 200,000 steps, median of 3 runs, start method fork\n"
                 "  1 thread          0.014 s    1.00x one thread\n"
                 "  2 threads         0.013 s    1.10x one thread\n"
                 "  2 processes       0.022 s    0.65x one thread\n"
                 "  (starting 2 processes that do nothing took 0.003 s of that)\n")


def _cpu_vs_io(python: str = "3.11.7", n: int = 20_000_000) -> dict[str, object]:
    def timing(mode: str, workers: int, median: float) -> dict[str, object]:
        return {"workload": "countdown", "mode": mode, "workers": workers, "params": {"n": n},
                "values": [median] * 7, "median": median}

    return {"suites": {"countdown": {"metadata": {"python_version": python}, "timings": [
        timing("sequential", 1, 1.0), timing("threads", 2, 1.01), timing("processes", 2, 0.52)]}}}


def test_the_countdown_output_is_parsed_as_printed() -> None:
    run = ex.parse_countdown_output(COUNTDOWN_OUT)
    assert (run.python, run.gil, run.steps, run.repeats, run.workers) == ("3.11.7", True, 200_000, 3, 2)
    assert (run.one_thread, run.threads, run.processes) == (0.014, 0.013, 0.022)
    assert (run.threads_speedup, run.processes_speedup) == (1.10, 0.65), "the speedups as printed, not recomputed"
    assert run.start == 0.003, "the script's own figure for starting the processes"
    assert ex.parse_countdown_output(COUNTDOWN_OUT.replace("  (starting 2 processes that do nothing took 0.003 s "
                                                           "of that)\n", "")).start is None
    with pytest.raises(ValueError, match="not the output of countdown.py"):
        ex.parse_countdown_output("Python 3.11.7 (GIL on), 2 CPUs, 200,000 steps, median of 3 runs\n")
    with pytest.raises(ValueError, match="zero"):
        ex.parse_countdown_output(COUNTDOWN_OUT.replace("0.022 s", "0.000 s"))


def test_the_countdown_parser_reads_what_the_script_prints_today() -> None:
    from gilref.core.examples import run_example

    run = ex.parse_countdown_output(run_example("countdown.py", ["--count", "200000", "--repeats", "1"]))
    assert run.steps == 200_000 and run.repeats == 1 and run.workers >= 1


def test_the_countdown_page_says_why_its_numbers_differ_from_the_chapter() -> None:
    cell = _cell("countdown.py", LABELS[0], ex.PASSED, output=COUNTDOWN_OUT, host=True)
    text = ex.countdown_comparison(cell, _cpu_vs_io())
    assert "200,000 steps" in text and "20,000,000 steps (100× as many)" in text and "the same interpreter" in text
    assert "2 threads ran at 1.10× one thread and 2 processes at 0.65×" in text
    assert "threads at 0.99× and processes at 1.92× one thread" in text
    # the script's own start figure, 0.003 s of the processes' 0.022 s (14%), not a figure derived beside it
    assert "starting 2 processes that do nothing took 0.003 s (14%) of the processes' 0.022 s" in text
    assert "before the clock" in text and "median of 3 runs" in text
    one = ex.countdown_comparison(_cell("countdown.py", LABELS[0], ex.PASSED, host=True,
                                        output=COUNTDOWN_OUT.replace("median of 3 runs", "median of 1 run")),
                                  None)
    assert "median of 1 run:" in one and "1 runs" not in one
    other = ex.countdown_comparison(cell, _cpu_vs_io(python="3.13.5"))
    assert "Python 3.13.5, another interpreter than this run's" in other
    alone = ex.countdown_comparison(cell, None)
    assert "not in this edition" in alone and "1.10×" in alone
    assert ex.countdown_comparison(_cell("countdown.py", LABELS[0], ex.FAILED, "boom"), _cpu_vs_io()) == ""
    page = ex.present("countdown.py", {"data": {"matrix": {"countdown.py": [cell.to_dict()]}}}, to=_Recorder(),
                      chapter_record=_cpu_vs_io())
    assert page["comparison"] == text


def test_the_subinterpreters_page_says_how_its_chapter_ran_the_script() -> None:
    record = {"suites": {"si": {"metadata": {"python_implementation": "CPython", "python_version": "3.13.5",
                                             "gil_enabled": True}}},
              "claims": {"si_example_check": {"state": "holds", "evidence": {
                  "n": 2, "ex_i": 1.91, "ex_t": 0.96, "s_i": {"low": 1.95, "median": 1.96, "high": 1.99},
                  "s_t": {"low": 0.99, "median": 1.0, "high": 1.0}}}}}
    cell = _cell("subinterpreters.py", LABELS[0], ex.NOT_APPLICABLE, "lacks concurrent.interpreters")
    text = ex.subinterpreters_comparison(cell, record)
    assert "CPython 3.13.5, GIL on" in text and "interpreters_backport" in text and "PYTHONPATH" in text
    # the script's figures are told apart from the chapter's own
    assert ("agreed with the chapter's own measurement: the script got 2 interpreters at 1.91× one thread "
            "against the chapter's 1.96× and 2 threads at 0.96× against the chapter's 1.00×") in text
    record["claims"]["si_example_check"]["state"] = "contradicted"
    assert "did not agree" in ex.subinterpreters_comparison(cell, record)
    assert "record is not in this edition" in ex.subinterpreters_comparison(cell, None)


# -- fix round 2: what the overview and the example pages say -------------------------------------

SI_RECORD = {"chapter": "subinterpreters", "claims": {"si_example_check": {
    "state": "holds", "holds": True, "evidence": {"n": 2, "ex_i": 1.94, "ex_t": 0.98}}},
    "suites": {"s": {"metadata": {"python_implementation": "CPython", "python_version": "3.13.5",
                                  "gil_enabled": True, "free_threaded_build": False}}}}


def test_the_overview_says_when_the_chapter_ran_an_example_the_matrix_could_not() -> None:
    matrix = {"subinterpreters.py": SUBINTERP_ROW}
    note = ex.not_run_markdown(matrix, records={"subinterpreters": SI_RECORD})
    assert "{doc}`subinterpreters` ran this same script on CPython 3.13.5" in note
    assert "agreed with the chapter's own measurement: the script got 2 interpreters at 1.94×" in note
    assert "then build the book again" not in note and "Python 3.13 yourself" in note
    assert "|" not in note
    # without that chapter's record, the old advice stands
    assert "build the book" in ex.not_run_markdown(matrix, records={})


def test_the_backport_advice_follows_the_header() -> None:
    header = ex.read_header("subinterpreters.py")
    advice = ex.backport_advice(header)
    assert f"`pythons = {header.pythons_text}`" in advice and "3.12" not in advice
    page = ex.subinterpreters_comparison(SUBINTERP_ROW[0], SI_RECORD)
    assert "3.12" not in page and "Python 3.13 yourself" in page


def test_needs_read_as_words() -> None:
    header = ex.read_header("subinterpreters.py")
    assert header.needs_words == "concurrent.interpreters or interpreters_backport"
    page = ex.present("subinterpreters.py", {"data": {"matrix": {"subinterpreters.py": [
        c.to_dict() for c in SUBINTERP_ROW]}}}, to=_Recorder(), chapter_record=SI_RECORD)
    assert "|" not in page["summary"]


def test_a_run_shorter_than_a_tenth_of_a_second_is_not_shown_as_zero() -> None:
    assert ex.seconds_text(0.004) == "<0.1" and ex.seconds_text(0.06) == "0.1" and ex.seconds_text(2.345) == "2.3"
    row = ex.matrix_rows([ex.Cell("a.py", LABELS[0], "/py", ex.PASSED, "", seconds=0.01)])[0]
    assert row["time (s)"] == "<0.1"


def test_an_interpreter_no_example_declares_is_explained() -> None:
    jy = "Jython 2.7.3"
    matrix = {"countdown.py": [_cell("countdown.py", LABELS[0], ex.PASSED, host=True),
                               _cell("countdown.py", jy, ex.NOT_APPLICABLE, "not declared", claimed=False)]}
    text = ex.idle_interpreters_text(matrix)
    assert text.startswith(f"No example declares {jy}") and LABELS[0] not in text
    matrix["countdown.py"][1] = ex.Cell("countdown.py", jy, "/jy", ex.NOT_APPLICABLE, "not declared", claimed=False,
                                        interpreter_info={"version": "2.7.3"})
    assert "it implements Python 2.7, and every example is a Python 3 script" in ex.idle_interpreters_text(matrix)
    matrix["countdown.py"][1] = _cell("countdown.py", jy, ex.PASSED)
    assert ex.idle_interpreters_text(matrix) == ""


DASK_OUT = """Dask scheduler: tcp://127.0.0.1:45365; 400,000 steps in 2 tasks, median of 1 run
  1 process               0.010 s    1.00x one process
  2 pool processes        0.010 s    1.05x one process
  Dask cluster            0.015 s    0.68x one process
  tiny tasks, pool        239.7 µs per task
  tiny tasks, Dask       2194.3 µs per task
"""


def test_the_dask_page_says_why_tiny_tasks_make_dask_lose() -> None:
    text = ex.dask_comparison(_cell("dask_countdown.py", LABELS[0], ex.PASSED, output=DASK_OUT), None)
    assert "Dask lost here" in text and "0.68×" in text and "2.2 ms per task" in text and "5.0 ms of work" in text
    assert "% of each task's work" not in text  # a stream's cost per task is not what a run of 2 tasks pays
    faster = DASK_OUT.replace("0.68x", "1.40x")
    assert "lost" not in ex.dask_comparison(_cell("dask_countdown.py", LABELS[0], ex.PASSED, output=faster), None)
    assert ex.dask_comparison(_cell("dask_countdown.py", LABELS[0], ex.PASSED, output="nothing"), None) == ""


def test_no_example_page_lead_ends_in_doubled_punctuation() -> None:
    import re

    pages = sorted((Path(__file__).resolve().parent.parent / "docs" / "examples").glob("*.md"))
    assert pages
    for page in pages:
        assert not re.search(r"[?!.]\*\*[.?!]|[?!]\.", page.read_text(encoding="utf-8")), page.name


SWITCH_OUT = """Python 3.11.7 (GIL on), default switch interval 5 ms, one trial of 0.05 s
    interval   wake-up latency          CPU thread
      0.1 ms          0.279 ms      19.6 M steps/s
        5 ms          5.322 ms      20.2 M steps/s
switch interval restored to 5 ms
"""


def test_the_switch_interval_page_says_why_its_numbers_differ_from_the_chapter() -> None:
    cell = _cell("switch_interval.py", LABELS[0], ex.PASSED, output=SWITCH_OUT, host=True)
    text = ex.switch_interval_comparison(cell, None)
    assert "19.6 M steps/s at 0.1 ms" in text and "record is not in this edition" in text
    assert ex.switch_interval_comparison(_cell("switch_interval.py", LABELS[0], ex.FAILED, "boom"), None) == ""
    page = ex.present("switch_interval.py", {"data": {"matrix": {"switch_interval.py": [cell.to_dict()]}}},
                      to=_Recorder(), chapter_record=None)
    assert page["comparison"] == text


@pytest.mark.parametrize("name", ["convoy.py", "timeline.py", "switch_interval.py", "countdown.py"])
def test_every_example_page_with_a_comparison_block_has_a_comparison(name: str) -> None:
    page = (ROOT / "docs" / "examples" / name.replace(".py", ".md")).read_text()
    assert "{glue:md} comparison" in page and name in ex.COMPARISONS
    assert ex.COMPARISONS[name](_cell(name, LABELS[0], ex.FAILED, "boom"), None) == ""


def test_example_pages_glue_a_comparison_only_where_one_is_registered() -> None:
    for page in (ROOT / "docs" / "examples").glob("*.md"):
        assert ("{glue:md} comparison" in page.read_text()) == (page.stem + ".py" in ex.COMPARISONS), page.name
