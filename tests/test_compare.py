"""``python -m gilref compare``: two profiles side by side, and clear one-line errors."""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gilref import comparison as compare
from gilref.book.edition import build_edition
from gilref.core.results import Suite, Timing

from .conftest import ROOT


def _metadata(**over):
    md = {"python_implementation": "CPython", "python_version": "3.12.8", "python_build": "default",
          "gil_enabled": True, "usable_cpus": 2, "cpu_count": 2, "cpu_model": "Test CPU", "os": "Test OS",
          "date": "2026-01-02T03:04:05+00:00"}
    md.update(over)
    return md


def make_report(seq=2.0, thr=2.1, prc=1.1, io=(0.4, 0.2, 0.1), workers=2, n=20_000_000, latency=0.05, **md):
    """A report-shaped suite with the given medians [s] (five identical repeats each)."""
    suite = Suite(metadata=_metadata(**md))
    params = {"n": n, "tasks": workers}
    suite.add(Timing("countdown", "sequential", 1, (seq,) * 5, params=params))
    suite.add(Timing("countdown", "threads", workers, (thr,) * 5, params=params))
    suite.add(Timing("countdown", "processes", workers, (prc,) * 5, params={**params, "start_method": "fork"}))
    io_params = {"latency_s": latency, "tasks": 8}
    suite.add(Timing("io_wait", "sequential", 1, (io[0],) * 5, params=io_params))
    for w, value in zip((2, 4), io[1:]):
        suite.add(Timing("io_wait", "threads", w, (value,) * 5, params=io_params))
    return suite


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gilref", "compare", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.fixture
def two_reports(tmp_path):
    mine = make_report(seq=4.0, thr=4.2, prc=2.2, cpu_model="Slow CPU")
    other = make_report(seq=2.0, thr=2.1, prc=1.0, workers=4, usable_cpus=4, cpu_model="Fast CPU",
                        python_version="3.13.1")
    a, b = tmp_path / "mine.json", tmp_path / "other.json"
    mine.save(a)
    other.save(b)
    return a, b


def test_two_reports_print_the_table_side_by_side(two_reports):
    a, b = two_reports
    proc = run_cli(str(a), str(b))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for words in ("yours", "other", "countdown on 1 thread (s per million steps)", "countdown on threads",
                  "countdown on processes", "I/O waits on 2 threads", "I/O waits on 4 threads", "Reading",
                  "Slow CPU", "Fast CPU"):
        assert words in out, words
    table = {line.strip().split("  ")[0]: line for line in out.splitlines() if line.startswith("  countdown")}
    # mine: 4.0 s per 20 M steps = 0.2 s per million; other: 0.1 -> ratio 2.00
    assert "0.2000" in table["countdown on 1 thread (s per million steps)"]
    assert "2.00" in table["countdown on 1 thread (s per million steps)"].split()[-1]
    assert "1.82× (2 processes)" in table["countdown on processes (× one thread)"]
    assert "2.00× (4 processes)" in table["countdown on processes (× one thread)"]
    assert "2.00× slower on one core" in out
    assert "Python 3.12.8 versus 3.13.1" in out
    assert "fewer usable CPUs (2 versus 4)" in out


def test_measures_read_the_differences():
    gil = compare.Source("a", "report", make_report(thr=2.1), _metadata())
    free = compare.Source("b", "edition", make_report(thr=1.05, gil_enabled=False, python_build="free-threaded"),
                          _metadata(gil_enabled=False, python_build="free-threaded"))
    rows = {m.key: m for m in compare.measures(gil, free)}
    assert set(rows) == {"countdown_single", "countdown_threads", "countdown_processes", "io_threads_2",
                         "io_threads_4"}
    assert rows["countdown_threads"].mine == pytest.approx(2.0 / 2.1)
    assert rows["countdown_threads"].theirs == pytest.approx(2.0 / 1.05)
    assert "The edition ran without the GIL" in rows["countdown_threads"].reading
    assert "Waits overlap on both machines" in rows["io_threads_4"].reading
    same = compare.measures(gil, gil)
    assert all(m.ratio == pytest.approx(1.0) for m in same)
    assert "About the same single-core speed" in same[0].reading
    assert "do not speed up CPU-bound pure Python on either machine" in same[1].reading


def test_io_waits_that_do_not_overlap_are_called_out():
    good = compare.Source("a", "report", make_report(io=(0.4, 0.2, 0.1)), _metadata())
    bad = compare.Source("b", "report", make_report(io=(0.4, 0.35, 0.3)), _metadata())
    rows = {m.key: m for m in compare.measures(good, bad)}
    assert "The other machine overlapped waits less well" in rows["io_threads_4"].reading


def test_an_edition_file_and_its_site_directory_and_url(tmp_path, two_reports):
    a, _ = two_reports
    countdown, io = make_report(seq=3.0), make_report()
    record = {"format": "gilref-chapter", "version": 1, "chapter": "cpu-vs-io", "metadata": _metadata(),
              "values": {}, "claims": {}, "data": {}, "figures": [],
              "suites": {"countdown": Suite(countdown.select("countdown"), countdown.metadata).to_dict(),
                         "io": Suite(io.select("io_wait"), io.metadata).to_dict()}}
    edition = build_edition({"cpu-vs-io": record}, commit={"commit": "0123456789abcdef", "commit_short": "0123456789ab",
                                                           "commit_dirty": False}, host=_metadata())
    site = tmp_path / "html"
    (site / "_static").mkdir(parents=True)
    (site / "_static" / "edition.json").write_text(json.dumps(edition))
    by_file = run_cli(str(a), str(site / "_static" / "edition.json"))
    assert by_file.returncode == 0, by_file.stderr
    assert "edition" in by_file.stdout and "commit 0123456789ab" in by_file.stdout
    assert "0.1500" in by_file.stdout  # 3.0 s over 20 M steps, from the edition's countdown suite
    by_dir = run_cli(str(a), str(site))
    assert by_dir.returncode == 0, by_dir.stderr
    assert by_dir.stdout.split("Reading")[1] == by_file.stdout.split("Reading")[1]

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        by_url = compare.load(base + "_static/edition.json")
        by_root = compare.load(base)
        with pytest.raises(compare.CompareError, match=r"HTTP error 404"):
            compare.load(base + "nothing.json")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert by_url.kind == by_root.kind == "edition"
    assert by_url.suite.baseline("countdown").median == 3.0


def test_plot_writes_svg_and_png(two_reports, tmp_path):
    pytest.importorskip("matplotlib")
    a, b = two_reports
    for name in ("chart.svg", "chart.png"):
        proc = run_cli(str(a), str(b), "--plot", str(tmp_path / name))
        assert proc.returncode == 0, proc.stderr
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG") if name.endswith(".png") else b"<svg" in data[:400]


def test_the_comparison_chart_is_readable(two_reports):
    pytest.importorskip("matplotlib")
    from gilref.book.charts import readability_problems

    mine, other, rows = compare.compare(*map(str, two_reports))
    fig = __import__("gilref.book.charts", fromlist=["comparison_chart"]).comparison_chart(
        [(m.label, m.mine, m.theirs, m.speedup) for m in rows], names=("yours", "other"),
        metadata=(mine.metadata, other.metadata), title="t")
    assert readability_problems(fig) == []


def _truncated(path: Path) -> None:
    text = path.read_text()
    path.write_text(text[: len(text) // 2])


@pytest.mark.parametrize(("make", "expected"), [
    (_truncated, r"not valid JSON \(.* at line \d+, column \d+\); is the file complete\?"),
    (lambda p: p.write_text(""), "the file is empty"),
    (lambda p: p.write_bytes(b"\xff\xfe\x00garbage"), "not a text file"),
    (lambda p: p.write_text("[1, 2, 3]"), r"not a gilref report or edition \(a JSON list"),
    (lambda p: p.write_text('{"name": "some other tool"}'), r"format is None"),
    (lambda p: p.write_text('{"format": "pyperf", "version": 1}'), r"format is 'pyperf'"),
    (lambda p: p.write_text('{"format": "gilref-results", "version": 99, "timings": []}'), "newer than"),
    (lambda p: p.write_text('{"format": "gilref-results", "version": 1, "timings": [{"mode": "x"}]}'),
     r"timing 0: missing 'workload'"),
    (lambda p: p.write_text('{"format": "gilref-results", "version": 1, "timings": []}'),
     "no countdown or I/O-wait timings"),
    (lambda p: p.write_text('{"format": "gilref-edition", "version": 1, "edition": {}, "chapters": {}}'),
     "the edition has no comparable measurements"),
    (lambda p: p.unlink(), "no such file"),
])
def test_bad_input_gives_one_line_and_exit_1(two_reports, make, expected):
    a, b = two_reports
    make(b)
    proc = run_cli(str(a), str(b))
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("gilref compare: error: ") and str(b) in lines[0]
    assert "Traceback" not in proc.stderr
    import re

    assert re.search(expected, lines[0]), lines[0]


def test_bad_plot_name_fails_before_measuring(two_reports):
    a, b = two_reports
    proc = run_cli(str(a), str(b), "--plot", "chart.gif")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip() == ("gilref compare: error: --plot chart.gif: the file name must end in "
                                   ".svg, .png or .pdf")


def test_unreachable_url_is_one_line(two_reports):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    a, _ = two_reports
    proc = run_cli(str(a), f"http://127.0.0.1:{port}/", "--timeout", "5")
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "could not fetch it" in proc.stderr


@pytest.mark.parametrize("args", [[], ["only-one.json"], ["a", "b", "--timeout", "0"], ["a", "b", "--bogus"]])
def test_bad_arguments_exit_2(args):
    proc = run_cli(*args)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr
