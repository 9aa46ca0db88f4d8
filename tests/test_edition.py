"""The edition: chapter records merged into one JSON file, and the footer every page shows."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from gilref.book import edition

from .test_book_build import book, build, chapter, write_index  # noqa: F401 - book is a fixture

HOST = {"python_implementation": "CPython", "python_version": "3.12.8", "python_build": "default",
        "gil_enabled": True, "usable_cpus": 2, "cpu_model": "Test CPU", "os": "Test OS",
        "date": "2026-01-02T00:00:00+00:00"}


def record(key, date, *suite_hosts):
    suites = {f"s{i}": {"format": "gilref-results", "version": 1, "metadata": md, "timings": []}
              for i, md in enumerate(suite_hosts)}
    return {"format": "gilref-chapter", "version": 1, "chapter": key, "metadata": {**HOST, "date": date},
            "values": {"x": 1}, "claims": {}, "suites": suites, "data": {}, "figures": []}


def test_build_edition_merges_records_and_lists_every_python_build():
    ft = {**HOST, "python_version": "3.13.5", "python_build": "free-threaded", "gil_enabled": False}
    records = {"intro": record("intro", "2026-01-03T10:00:00+00:00"),
               "free": record("free", "2026-01-02T09:00:00+00:00", ft, HOST)}
    ed = edition.build_edition(records, commit={"commit": "a" * 40, "commit_short": "a" * 12, "commit_dirty": True},
                               host=HOST, built="2026-01-04T00:00:00+00:00", title="Book")
    assert ed["format"] == "gilref-edition" and ed["version"] == 1
    info = ed["edition"]
    assert info["chapters"] == ["intro", "free"] and ed["chapters"] == records
    assert info["python_builds"] == ["CPython 3.12.8 (default build, GIL on)",
                                     "CPython 3.13.5 (free-threaded build, GIL off)"]
    assert (info["measured_from"], info["measured_to"]) == ("2026-01-02T09:00:00+00:00", "2026-01-03T10:00:00+00:00")
    assert info["host_summary"] == "CPython 3.12.8 (default build, GIL on) · 2 CPUs (Test CPU) · Test OS"
    assert info["compared_builds"] == {}
    json.dumps(ed)
    foot = edition.footer_text(ed)
    assert foot["measured"] == "2026-01-02 to 2026-01-03"
    assert foot["commit"] == "commit aaaaaaaaaaaa with uncommitted changes"
    unknown = edition.footer_text(edition.build_edition({}, host=HOST))
    assert unknown["commit"].startswith("an unknown commit") and unknown["pythons"] == "none recorded"


def test_records_come_from_publications_each_with_its_execution():
    pub = {"format": "gilref-records", "version": 1,
           "execution": {"docname": "one", "fingerprint": "f" * 16, "executed_at": "2026-01-02T00:00:00+00:00",
                         "build": "b1", "inputs": {"host": "h"}},
           "records": [record("one", "2026-01-02"), {"format": "other"}]}
    twice = {**pub, "execution": {**pub["execution"], "docname": "two"}, "records": [record("one", "2026-01-03")]}
    records, problems = edition.records_from_publications({"two": twice, "one": pub}, ["one", "two"])
    assert list(records) == ["one"]
    execution = records["one"]["execution"]
    assert execution["id"] == "f" * 16 + "@2026-01-02T00:00:00+00:00" == edition.execution_id(execution)
    assert "build" not in execution and execution["inputs"] == {"host": "h"}
    assert records["one"]["metadata"]["date"] == "2026-01-02"  # the first page's record, not the second's
    assert len(problems) == 2 and "not a gilref chapter record" in problems[0] and "already published" in problems[1]
    assert edition.execution_id(None) == "none"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_commit_info_with_and_without_git(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    assert edition.commit_info(tmp_path) == {"commit": None, "commit_short": None, "commit_dirty": None}
    monkeypatch.setenv("GITHUB_SHA", "b" * 40)
    assert edition.commit_info(tmp_path)["commit_short"] == "b" * 12
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                       capture_output=True, timeout=30)

    git("init", "-q")
    (repo / "f").write_text("1")
    git("add", "f")
    git("commit", "-q", "-m", "one")
    info = edition.commit_info(repo)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    assert info == {"commit": head, "commit_short": head[:12], "commit_dirty": False}
    (repo / "f").write_text("2")
    assert edition.commit_info(repo)["commit_dirty"] is True


@pytest.mark.slow
def test_a_built_book_states_its_edition_on_every_page(book):  # noqa: F811
    write_index(book, "one", "two")
    code = "from gilref.book import chapter as book\nbook.chapter('one').glue('v', 1)"
    (book / "docs" / "one.md").write_text(chapter("One", code))
    (book / "docs" / "two.md").write_text("# Two\n\nPlain prose, no code.\n")
    proc = build(book)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = book / "_build" / "html"
    ed = json.loads((html / "_static" / "edition.json").read_text())
    assert ed["format"] == "gilref-edition"
    assert ed["edition"]["chapters"] == ["one"] and ed["chapters"]["one"]["values"]["v"] == 1
    assert ed["edition"]["commit"] is None  # the throwaway book is no git checkout
    for page in ("index.html", "one.html", "two.html", "genindex.html"):
        text = (html / page).read_text()
        assert "This edition was measured on" in text, page
        assert 'href="_static/edition.json"' in text, page
        assert "an unknown commit" in text, page
    assert not (html / "_static" / "mathjax").exists()  # no page shows math


@pytest.mark.slow
def test_math_is_rendered_by_a_local_mathjax(book):  # noqa: F811
    from importlib import metadata

    try:
        metadata.distribution("sphinx-mathjax-offline")
    except metadata.PackageNotFoundError:
        pytest.skip("sphinx-mathjax-offline is not installed")
    write_index(book, "maths")
    (book / "docs" / "maths.md").write_text("# Maths\n\nAmdahl: $S = 1 / ((1 - p) + p / n)$.\n")
    proc = build(book)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = book / "_build" / "html"
    text = (html / "maths.html").read_text()
    assert 'src="_static/mathjax/tex-chtml.js' in text
    assert "cdn.jsdelivr" not in text and "://" not in text.split("tex-chtml.js")[0].rsplit("<script", 1)[1]
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_a_python_without_its_build_recorded_is_not_listed_twice():
    bare = {"python_implementation": "CPython", "python_version": "3.12.8", "gil_enabled": True}
    pypy = {"python_implementation": "PyPy", "python_version": "3.9.16", "gil_enabled": True}
    records = {"a": record("a", "2026-01-01", bare, pypy)}
    assert edition.python_builds(records) == ["CPython 3.12.8 (default build, GIL on)", "PyPy 3.9.16 (GIL on)"]


def test_the_edition_says_which_builds_the_chapters_compared():
    pair = {"text": "CPython 3.14.0 and 3.14.0t", "reason": "newest", "matched": True, "gil": None,
            "free_threaded": None}
    records = {"a": {**record("a", "2026-01-01T00:00:00+00:00"), "builds": pair},
               "b": {**record("b", "2026-01-01T00:00:00+00:00"), "builds": pair},
               "c": record("c", "2026-01-01T00:00:00+00:00")}
    info = edition.build_edition(records, host=HOST)["edition"]
    assert info["compared_builds"] == {"CPython 3.14.0 and 3.14.0t": ["a", "b"]}
