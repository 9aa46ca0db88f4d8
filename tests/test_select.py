"""The one interpreter policy (gilref.interp.select.choose), checked with made-up
interpreter descriptions (no process is started except in the run_on tests), and
every chapter-facing selection against it: the topics' functions and every
``choose(...)`` call written in the chapters."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from gilref.interp import select as builds
from gilref.interp.discover import Interpreter
from gilref.topics import freethreading, subinterp

ROOT = Path(__file__).resolve().parents[1]


def interp(version: str, *, free: bool = False, impl: str = "CPython", source: str = "path",
           gil: bool | None = None) -> Interpreter:
    """A made-up description; *gil* defaults to what the build does by default."""
    return Interpreter(executable=f"/opt/{impl}-{version}{'t' if free else ''}-{source}/bin/python",
                       implementation=impl, version=version, free_threaded=free,
                       gil_enabled=(not free) if gil is None else gil, source=source)


HOST = interp("3.11.7", source="host")
C313, C313T = interp("3.13.5", source="provisioned"), interp("3.13.5", free=True, source="provisioned")
C314, C314T = interp("3.14.0"), interp("3.14.0", free=True)
PYPY = interp("3.10.14", impl="PyPy")


# -- the policy ----------------------------------------------------------------------


def test_the_newest_series_in_both_builds_wins():
    pair = builds.choose([HOST, C313, C313T, C314, C314T, PYPY])
    assert (pair.gil, pair.free_threaded) == (C314, C314T)
    assert pair.matched and pair.complete
    assert pair.text == "CPython 3.14.0 and 3.14.0t"
    assert "3.14 is the newest CPython series found in both builds" in pair.reason
    assert "3.13" in pair.reason  # the older pair found is named


def test_without_3_14t_the_3_13_pair_is_used():
    pair = builds.choose([HOST, C313, C313T, C314, PYPY])
    assert (pair.gil, pair.free_threaded) == (C313, C313T)
    assert pair.text == "CPython 3.13.5 and 3.13.5t"


def test_within_a_series_the_same_version_then_the_same_source_is_preferred():
    other = interp("3.13.2")
    assert builds.choose([other, C313T, C313]).gil == C313
    uv_gil, uv_ft = interp("3.13.5", source="uv"), interp("3.13.5", free=True, source="uv")
    assert builds.choose([HOST, C313, uv_ft, uv_gil, C313T]).gil == C313
    assert builds.choose([HOST, uv_gil, C313, uv_ft]).gil == uv_gil


def test_without_a_common_series_the_closest_default_build_is_paired():
    pair = builds.choose([HOST, interp("3.12.4"), C314T])
    assert (pair.gil, pair.free_threaded) == (interp("3.12.4"), C314T)
    assert not pair.matched and pair.complete
    assert "no CPython series was found in both builds" in pair.reason
    # equally close: the newer default build
    assert builds.choose([interp("3.12.4"), C313T, C314]).gil == C314


def test_without_a_free_threaded_build_the_newest_default_build_and_the_note():
    pair = builds.choose([HOST, interp("3.12.4"), PYPY])
    assert pair.gil == interp("3.12.4") and pair.free_threaded is None
    assert not pair.complete and "no free-threaded CPython was found" in pair.reason
    assert pair.text == "CPython 3.12.4 (no free-threaded build)"
    note = builds.missing_note("a free-threaded CPython", pair)
    for words in ("uv python install 3.14t", "$GILREF_PYTHONS", "PATH", "python -m gilref provision",
                  "3.13", pair.reason):
        assert words in note
    nothing = builds.choose([PYPY])
    assert nothing.gil is None and nothing.free_threaded is None and nothing.text == "no CPython build"


def test_a_free_threaded_build_with_its_gil_forced_on_is_no_free_threaded_choice():
    forced = interp("3.14.0", free=True, gil=True)  # e.g. described with PYTHON_GIL=1
    pair = builds.choose([HOST, C313, C313T, C314, forced])
    assert (pair.gil, pair.free_threaded) == (C313, C313T)
    assert builds.choose([forced]).free_threaded is None and builds.choose([forced]).gil is None
    unknown = Interpreter("/opt/odd/bin/python3.14t", "CPython", "3.14.0", True, None, "path")
    assert builds.choose([unknown]).free_threaded is None


def test_pypy_and_other_implementations_are_never_chosen_as_cpython():
    pypy_ft = interp("3.14.0", impl="PyPy", free=True)  # however it describes itself
    pypy_gil = interp("3.14.0", impl="PyPy")
    graal = interp("3.14.0", impl="GraalVM")
    pair = builds.choose([pypy_gil, pypy_ft, graal, C313, C313T])
    assert (pair.gil, pair.free_threaded) == (C313, C313T)
    assert builds.choose([PYPY, pypy_ft, graal]) == builds.BuildPair(None, None, builds.choose([]).reason)


def test_interpreters_too_old_for_gilref_are_not_chosen():
    assert builds.choose([interp("3.8.10"), interp("2.7.18")]).gil is None


def test_where_filters_and_keeps_the_common_pair_when_it_qualifies():
    assert builds.choose([HOST, C313, C313T, C314], where=subinterp.supports).gil == C313
    assert builds.choose([HOST, C313, C313T, C314, C314T], where=subinterp.supports).gil == C314
    assert builds.choose([HOST, interp("3.12.1"), interp("3.10.4")], where=subinterp.supports).gil == interp("3.12.1")
    assert builds.choose([HOST, PYPY, interp("3.14.0", impl="PyPy")], where=subinterp.supports).gil is None


def test_the_record_is_json_ready_and_describes_itself():
    import json

    pair = builds.choose([HOST, C313, C313T])
    data = json.loads(json.dumps(pair.to_dict()))
    assert data["text"] == "CPython 3.13.5 and 3.13.5t" and data["matched"] is True
    assert data["gil"]["executable"] == C313.executable and data["free_threaded"]["free_threaded"] is True
    assert data["reason"] == pair.reason
    text = pair.describe()
    assert C313.executable in text and C313T.executable in text and pair.reason in text
    assert builds.choose([]).to_dict()["gil"] is None


def test_choose_rejects_what_is_not_an_interpreter():
    with pytest.raises(TypeError, match="Interpreter objects"):
        builds.choose(["/usr/bin/python3"])  # type: ignore[list-item]


def test_choose_defaults_to_what_discover_finds(monkeypatch):
    monkeypatch.setattr(builds, "discover", lambda: [HOST, C313, C313T, C314, C314T])
    assert builds.choose().free_threaded == C314T


def test_the_note_says_when_provisioning_was_skipped(monkeypatch, tmp_path):
    from gilref.interp import store

    monkeypatch.setenv("GILREF_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(store.ENV_SKIP, "1")
    text = builds.missing_note()
    assert store.ENV_SKIP in text and "skipped on purpose" in text and "uv python install 3.14t" in text


# -- every chapter-facing selection lands on the policy's pair ----------------------------

SETS = {
    "all four": ([HOST, C313, C313T, C314, C314T, PYPY], (C314, C314T)),
    "3.14t missing": ([HOST, C313, C313T, C314, PYPY], (C313, C313T)),
    "3.14t forced GIL": ([HOST, C313, C313T, C314, interp("3.14.0", free=True, gil=True)], (C313, C313T)),
}


def _chapter_calls() -> list[tuple[str, str]]:
    """Every ``choose(...)`` call in the chapters, with the page it is on."""
    calls = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        for m in re.finditer(r"\b(?:builds|policy|select)\.choose\(([^()]*)\)", page.read_text(encoding="utf-8")):
            calls.append((page.name, m.group(1)))
    return calls


def test_the_chapters_choose_through_the_policy_only():
    pages = {name for name, _ in _chapter_calls()}
    for page in ("timeline.md", "convoy.md", "switch-interval.md", "deadlock.md", "release-points.md",
                 "lock-cost.md", "free-threading.md", "subinterpreters.md"):
        assert page in pages, f"{page} does not choose its builds through gilref.interp.select.choose"
    banned = re.compile(r"\.pick\(|\bpair\(|matched_builds|next\(\(?i for i in .*discover\(|ENABLE_FREE_THREADED")
    for path in [*(ROOT / "docs").glob("*.md"), *(ROOT / "gilref").rglob("*.py")]:
        if path.name in ("select.py", "api.md"):  # the API page names the constant it documents
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not banned.search(line), f"{path.relative_to(ROOT)}:{n} chooses interpreters by hand: {line}"


@pytest.mark.parametrize("name", list(SETS))
def test_every_chapter_facing_selection_uses_the_same_pair(name, monkeypatch):
    found, (gil, ft) = SETS[name]
    assert (builds.choose(found).gil, builds.choose(found).free_threaded) == (gil, ft)
    # what the chapters' cells call, exactly as written there
    monkeypatch.setattr(builds, "discover", lambda: list(found))
    for page, args in _chapter_calls():
        pair = eval(f"builds.choose({args})", {"builds": builds, "found": found, "subinterp": subinterp})
        assert pair.gil == gil, (page, args)
        if "where=" not in args:
            assert pair.free_threaded == ft, (page, args)
    # the topics' functions that pick builds
    v = freethreading.variants(found)
    assert (v["default"].executable, v["free-threaded"].executable) == (gil.executable, ft.executable)
    assert v["free-threaded, GIL on"].executable == ft.executable
    assert builds.choose(found, where=subinterp.supports).gil == gil


def test_with_no_free_threaded_build_every_chapter_shows_the_note(monkeypatch):
    found = [HOST, C313, PYPY]
    monkeypatch.setattr(builds, "discover", lambda: list(found))
    for page, args in _chapter_calls():
        pair = eval(f"builds.choose({args})", {"builds": builds, "found": found, "subinterp": subinterp})
        assert pair.free_threaded is None, page
    v = freethreading.variants(found)
    assert v["free-threaded"] is None and v["default"].executable == C313.executable
    for page in ("timeline.md", "convoy.md", "switch-interval.md", "deadlock.md", "release-points.md",
                 "lock-cost.md", "free-threading.md"):
        assert "missing_note(" in (ROOT / "docs" / page).read_text(encoding="utf-8"), page


def test_every_comparing_chapter_records_and_glues_its_pair():
    for page in ("timeline.md", "convoy.md", "switch-interval.md", "deadlock.md", "release-points.md",
                 "lock-cost.md", "free-threading.md", "subinterpreters.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        assert "ch.compared(" in text and "{glue:text}`pair`" in text, page


def test_the_chapter_record_carries_the_pair():
    pytest.importorskip("myst_nb")
    from gilref.book import chapter as book

    ch = book.Chapter("policy-test")
    pair = ch.compared(builds.choose([HOST, C313, C313T]))
    (record,) = [r for r in book.records() if r["chapter"] == "policy-test"]
    assert record["builds"] == pair.to_dict() and record["values"]["pair"] == "CPython 3.13.5 and 3.13.5t"


# -- running a function on a build ------------------------------------------------------


def test_run_on_calls_the_function_in_that_interpreter():
    from gilref.interp.discover import host

    assert builds.run_on(host(), "gilref.core.workloads:countdown", {"n": 7}, timeout=60) == 7


def test_run_on_checks_its_arguments():
    with pytest.raises(TypeError, match="Interpreter"):
        builds.run_on(sys.executable, "gilref.core.workloads:countdown")  # type: ignore[arg-type]
    from gilref.interp.discover import host

    with pytest.raises(ValueError, match="timeout"):
        builds.run_on(host(), "gilref.core.workloads:countdown", timeout=0)
