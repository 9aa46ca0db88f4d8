"""The execution page's tables (docs/_ext/gilbook.py), on made-up publications: no build."""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any

import pytest
from docutils import nodes

from gilref.book.edition import execution_id

from .conftest import ROOT


@pytest.fixture(scope="module")
def gilbook() -> Any:
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        import gilbook
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    return gilbook


def publication(docname: str, *, claims: dict[str, Any] | None = None, invariants: dict[str, Any] | None = None,
                at: str = "2026-12-01T10:00:10.000000+00:00", build: str | None = "b1",
                fingerprint: str = "0123456789abcdef") -> dict[str, Any]:
    return {"format": "gilref-records", "version": 1,
            "execution": {"docname": docname, "fingerprint": fingerprint, "executed_at": at, "build": build},
            "records": [{"chapter": docname, "claims": claims or {}, "invariants": invariants or {}}]}


def env(pubs: dict[str, Any], runtimes: dict[str, float] | None = None,
        status: dict[str, dict[str, str]] | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        gilbook_publications=pubs,
        gilbook_this_build={"id": "b1", "status": status or {}, "previous": {}},
        nb_metadata={d: {"exec_data": {"runtime": r}} for d, r in (runtimes or {}).items()})


# -- what did not hold -------------------------------------------------------------

def test_finding_rows_list_what_did_not_hold_by_chapter_and_key(gilbook):
    claims = {
        "threads_verdict": {"key": "threads_verdict", "statement": "threads do not help", "holds": False,
                            "state": "contradicted", "text": "2 threads ran at **1.90×** one thread."},
        "a_fine_one": {"key": "a_fine_one", "statement": "s", "holds": True, "state": "holds", "text": "ok"},
        "spread": {"key": "spread", "statement": "the example on this page helps", "holds": False,
                   "state": "undecided",
                   "text": "The spread straddles 1.3×."},
        "legacy": {"key": "legacy", "statement": "old record", "holds": False, "text": "no state field"},
    }
    invariants = {
        "monotone": {"key": "monotone", "statement": "the time grows with the work", "holds": False,
                     "cause": "a busy host", "remeasured": True},
        "shares": {"key": "shares", "statement": "shares within the whole", "holds": True, "cause": "x"},
    }
    rows = gilbook.finding_rows(env({
        "zz-last": publication("zz-last", invariants=invariants),
        "cpu-vs-io": publication("cpu-vs-io", claims=claims),
        "all-good": publication("all-good", claims={"k": {"holds": True, "text": "fine"}}),
    }))
    assert [(r["chapter"], r["what"], r["key"]) for r in rows] == [
        ("cpu-vs-io", "claim contradicted", "legacy"),
        ("cpu-vs-io", "claim undecided", "spread"),
        ("cpu-vs-io", "claim contradicted", "threads_verdict"),
        ("zz-last", "invariant broken", "monotone"),
    ]
    threads = rows[2]
    assert threads["finding"] == "2 threads ran at **1.90×** one thread."
    assert threads["statement"] == "threads do not help" and threads["detail"] == "" and threads["again"] == ""
    # an undecided claim keeps, as on its own page, what would decide it
    from gilref.core.verdicts import UNDECIDED_HINT

    assert rows[1]["finding"] == "The spread straddles 1.3×. " + UNDECIDED_HINT
    assert rows[1]["statement"] == "the example on its page helps"  # shown on the execution page
    assert UNDECIDED_HINT not in threads["finding"]
    broken = rows[3]
    assert broken["statement"] == "the time grows with the work" and broken["finding"] == "It did not."
    assert broken["detail"] == "Likely cause: a busy host" and broken["again"] == "yes"
    assert broken["text"] == ("the time grows with the work: it did not (broke again when re-measured). "
                              "Likely cause: a busy host")


def test_an_edition_where_everything_held_has_no_finding(gilbook):
    assert gilbook.finding_rows(env({"a": publication("a"), "b": {"execution": {}}})) == []


def test_a_finding_renders_its_markup_and_its_parts(gilbook):
    rows = [{"chapter": "cpu-vs-io", "what": "claim contradicted", "key": "threads_verdict",
             "statement": "*threads do not help*", "text": "t",
             "finding": "2 threads ran at **1.90×** with `-X gil=0`.", "detail": "", "again": ""},
            {"chapter": "lock-cost", "what": "invariant broken", "key": "monotone", "text": "t",
             "finding": "the time grows: it did not.", "detail": "Likely cause: a busy host", "again": "yes"}]
    table = gilbook._findings_table(rows)
    body = table.next_node(nodes.tbody)
    first, second = body.children
    assert first.astext().startswith("cpu-vs-io") and "threads_verdict" in first.astext()
    assert first.next_node(nodes.strong, include_self=False).astext() == "claim contradicted"
    what, finding = first.children[1], first.children[2]
    # the claim's statement first, in words; the key in edition.json after it, small
    assert [p.astext() for p in what.children] == ["claim contradicted", "threads do not help", "threads_verdict"]
    assert what.children[2].next_node(nodes.literal)["classes"] == ["gilbook-key"]
    assert [n.astext() for n in finding.findall(nodes.strong)] == ["1.90×"]
    assert [n.astext() for n in finding.findall(nodes.literal)] == ["-X gil=0"]
    assert "**" not in finding.astext() and "`" not in finding.astext()
    assert "measured again and broke again" in second.astext()
    assert "gilbook-invariant-broken" in second["classes"]


# -- the execution table ------------------------------------------------------------

def test_exec_rows_pair_the_run_time_with_the_execution_the_id_names(gilbook):
    pubs = {"one": publication("one", at="2026-12-01T10:00:10.500000+00:00"),
            "two": publication("two", at="2026-12-01T10:00:14.000000+00:00", build="b0"),
            "three": publication("three", at="2026-12-01T10:00:20.000000+00:00")}
    rows = gilbook.exec_rows(env(pubs, runtimes={"one": 3.7, "two": 1.0, "three": 8.0},
                                 status={"one": {"state": "executed", "why": "first build in this folder"}}))
    by = {r["chapter"]: r for r in rows}
    assert [r["chapter"] for r in rows] == ["one", "three", "two"]
    for name in by:
        assert by[name]["execution id"] == execution_id(pubs[name]["execution"])
    assert by["one"]["run time (s)"] == "3.7" and by["one"]["this build"] == "executed"
    assert by["two"]["this build"] == "not read"
    assert gilbook._ran_text(by["one"]) == ("2026-12-01", "10:00:06\u201310:00:10")
    assert gilbook.overlapping(rows) == []


def test_executions_of_one_build_that_overlap_are_found(gilbook):
    # "three" claims 30 s ending at :20, so it began before "one" (build b1) ended: impossible in one build.
    pubs = {"one": publication("one", at="2026-12-01T10:00:10+00:00"),
            "three": publication("three", at="2026-12-01T10:00:20+00:00"),
            "other": publication("other", at="2026-12-01T10:00:12+00:00", build="b0")}
    rows = gilbook.exec_rows(env(pubs, runtimes={"one": 5.0, "three": 30.0, "other": 9.0}))
    assert gilbook.overlapping(rows) == [("three", "one")]
    fine = gilbook.exec_rows(env(pubs, runtimes={"one": 5.0, "three": 10.0, "other": 9.0}))
    assert gilbook.overlapping(fine) == []


def test_a_row_without_a_run_time_or_a_time_still_renders(gilbook):
    rows = gilbook.exec_rows(env({"x": {"execution": {}}}))
    assert rows[0]["run time (s)"] == "-" and rows[0]["started"] is None
    assert gilbook._ran_text(rows[0]) == ("", "?")
    assert gilbook.overlapping(rows) == []


@pytest.mark.parametrize(("why", "short"), [
    ("first build in this folder", "first build in this folder"),
    ("changed: cells, module gilref.topics.convoy, module gilref.book.chapter, host and 3 more",
     "changed: cells, module gilref.topics.convoy and 5 more"),
    ("changed: module gilref.topics.freethreading.something_long_enough_to_fill",
     "changed: module gilref.topics.freethreading.something_long_enough_to_fill"),
])
def test_a_long_reason_is_cut_at_a_list_item(gilbook, why, short):
    assert gilbook.short_why(why) == short


def test_the_id_cell_keeps_the_whole_id_as_its_text_and_its_title(gilbook):
    pubs = {"one": publication("one", at="2026-12-01T10:00:10.500000+00:00")}
    rows = gilbook.exec_rows(env(pubs, runtimes={"one": 3.7}, status={"one": {
        "state": "executed", "why": "changed: cells, module gilref.a, module gilref.b, host and 3 more"}}))
    table = gilbook._table(rows, gilbook.EXEC_COLUMNS, html=True)
    raw = "".join(n.astext() for n in table.findall(nodes.raw))
    full = rows[0]["execution id"]
    import re

    cell = re.search(r'<code class="gilbook-id" title="([^"]+)">(.*?)</code>', raw)
    assert cell and cell.group(1) == full
    assert re.sub(r"<[^>]+>", "", cell.group(2)) == full  # what the browser test compares
    assert 'title="changed: cells, module gilref.a, module gilref.b, host and 3 more"' in raw
    assert "gilbook-col-run-time-s" in str(table)
    plain = gilbook._table(rows, gilbook.EXEC_COLUMNS)
    assert full in plain.astext() and "changed: cells" in plain.astext()


def test_a_recorded_first_cell_time_starts_the_span_not_the_run_time(gilbook):
    # kernel start and stop are in the run time but not between the cells: the span must not borrow them
    pub = publication("one", at="2026-12-01T10:00:10+00:00")
    pub["execution"]["started_at"] = "2026-12-01T10:00:08+00:00"
    row = gilbook.exec_rows(env({"one": pub}, runtimes={"one": 5.0}))[0]
    assert gilbook._ran_text(row) == ("2026-12-01", "10:00:08\u201310:00:10") and row["run time (s)"] == "5.0"


def test_a_publication_says_when_its_first_cell_ran():
    from gilref.book import chapter as book

    ex = book.publication({"fingerprint": "f"})["execution"]
    assert ex["started_at"] <= ex["executed_at"]


def test_a_finding_reads_roles_and_links_as_their_text(gilbook):
    text = "".join(n.astext() for n in gilbook._inline(
        "but {doc}`cpu-vs-io` and {doc}`the chapter <fetching>` and [PEP 703](https://peps.python.org/pep-0703/)"))
    assert text == "but cpu-vs-io and the chapter and PEP 703"
