"""Claims shown on another page (gilref.core.quoting), the caveat a chapter's verdicts carry after a
broken invariant (gilref.book.chapter), and the small prose helpers of the fix round."""

from __future__ import annotations

import pytest

from gilref.core import verdicts as v
from gilref.core.quoting import broken_invariants, invariant_caveat, is_page_local, quotable

THREADS = ("**Threads did not help.** With the GIL, 2 threads ran the countdown at 0.99× (0.97–1.00×) the "
           "speed of one thread (median; load average 1.6 on 2 CPUs when measured): they take turns on the lock. "
           "The example below (5,000,000 steps, 5 runs, in a fresh Python 3.11.7) got 0.97× (0.96–0.97×) with "
           "2 threads: the same within the repeats' spread.")


def test_a_quote_drops_the_sentences_about_its_own_page():
    text, dropped = quotable(THREADS)
    assert dropped and "below" not in text and "5,000,000" not in text
    assert text.startswith("**Threads did not help.**") and "0.99× (0.97–1.00×)" in text
    text, dropped = quotable("With 2 threads 4 of 5 kinds scaled. The reader's example below (shorter jobs) "
                             "agrees with the hashing row here. Releasing pays only for long calls.")
    assert dropped and text == "With 2 threads 4 of 5 kinds scaled. Releasing pays only for long calls."
    text, dropped = quotable("The loop reached 0.74× on 2 threads. The example below got 0.9×. Its figure is a "
                             "ratio of medians; the verdict rests on the interval measured above. Load was high.")
    assert dropped and text == "The loop reached 0.74× on 2 threads. Load was high."


def test_a_quote_keeps_what_is_not_page_local():
    plain = "Below 1 ms it waited longer (3.0 intervals at 0.1 ms). It stayed above 1.01 intervals."
    assert quotable(plain) == (plain, False)
    text, dropped = quotable("It kept 448 %, wholly above the 25 % this page takes as no convoy.")
    assert not dropped and "its chapter takes" in text and "this page" not in text
    assert not is_page_local("wholly above the 25 % bar") and is_page_local("The run printed above, one more")


def test_a_claim_about_its_example_is_kept_with_the_place_said():
    text, dropped = quotable("The example agrees with the measurement above, within 25%: 1.94×. "
                             "How the runs differ: it timed 5 runs.")
    assert dropped and text == "The example agrees with the measurement on its page, within 25%: 1.94×."


def test_the_caveat_names_every_broken_invariant_and_nothing_when_all_hold():
    held = {"a": {"statement": "alone is fastest", "holds": True}}
    assert invariant_caveat(held) == "" and broken_invariants(held) == []
    broke = {**held, "b": {"statement": "the server answers no more with a process beside it", "holds": False}}
    caveat = invariant_caveat(broke, where="{doc}`convoy`")
    assert "{doc}`convoy`" in caveat and "the server answers no more with a process beside it" in caveat
    assert "alone is fastest" not in caveat and "not trusted" in caveat


def test_after_a_broken_invariant_each_verdict_carries_the_caveat(monkeypatch):
    pytest.importorskip("myst_nb")
    pytest.importorskip("IPython")
    from gilref.book import chapter as book

    shown: list[str] = []
    glued: dict[str, str] = {}
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj._repr_markdown_()))
    monkeypatch.setattr(book, "_glue", lambda name, value: glued.__setitem__(name, str(value)))
    claim = v.check("k", "threads help", True, supported="**Threads helped.**", contradicted="no")
    ch = book.Chapter("caveat-test")
    ch.claim(claim)
    assert glued["k"] == "**Threads helped.**" and "caveat" not in ch.claims["k"]

    def sound(x: float) -> list[v.Invariant]:
        return [v.invariant("pos", "the time is under 2 s", x < 2, cause="a busy host")]

    ch.measure("gil_suite", lambda: 5.0, sound)
    assert len(shown) == 1 and "\u201cgil_suite\u201d" in shown[0] and "numbers below" not in shown[0]
    ch.claim(claim)
    assert "the time is under 2 s" in glued["k"] and "Caveat" in glued["k"]
    assert "the time is under 2 s" in ch.claims["k"]["caveat"]
    # it names the measurement, so a verdict on other figures can be told apart
    assert "the measurement \u201cgil_suite\u201d broke an invariant" in glued["k"]
    assert ch.invariants["pos"]["measurement"] == "gil_suite"


def test_diagnose_quotes_an_earlier_claim_without_page_local_sentences_and_with_its_caveat():
    from gilref.topics.diagnose_programs import quote_claim

    record = {"chapter": "cpu-vs-io", "invariants": {}}
    quote = quote_claim({"text": THREADS}, record)
    assert "below" not in quote and "Threads did not help." in quote and "**" not in quote
    assert "its example" in quote and "Caveat" not in quote
    record = {"chapter": "convoy", "invariants": {"p": {"statement": "no faster with a process beside it",
                                                        "holds": False}}}
    quote = quote_claim({"text": "**The convoy is real here.** It kept 1.1 %."}, record)
    assert "Caveat" in quote and "{doc}`convoy`" in quote and "no faster with a process beside it" in quote


def test_a_timestamp_reads_as_a_utc_time():
    from gilref.book.when import readable_utc

    assert readable_utc("2026-12-01T15:14:25+00:00") == "1 December 2026 at 15:14 UTC"
    assert readable_utc("2026-12-01T16:14:25+01:00") == "1 December 2026 at 15:14 UTC"
    assert readable_utc(None) == "an unrecorded time" and readable_utc("yesterday") == "an unrecorded time"


def test_the_findings_list_shows_a_claim_fit_for_the_execution_page():
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    pytest.importorskip("sphinx")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "_ext"))
    import gilbook

    pubs = {"cpu-vs-io": {"records": [{"claims": {"threads_verdict": {
        "holds": False, "state": "contradicted", "text": THREADS, "statement": "threads do not help"}}}]}}
    env = SimpleNamespace()
    rows_of = gilbook.finding_rows
    monkey = pytest.MonkeyPatch()
    monkey.setattr(gilbook, "_publications", lambda e: pubs)
    try:
        rows = rows_of(env)  # type: ignore[arg-type]
    finally:
        monkey.undo()
    assert len(rows) == 1 and "below" not in rows[0]["finding"] and "its example" in rows[0]["finding"]
    listing = "# gilref-example: args = --n 3\n# gilref-example: pythons = cpython\nimport sys\n"
    assert gilbook.strip_example_header(listing) == ("import sys\n", 2)
    shown = "".join(n.astext() for n in gilbook._inline("measured in {doc}`fetching`, see {doc}`x <cpu-vs-io>`",
                                                         {"fetching": "Fetching with threads"}))
    assert shown == "measured in Fetching with threads, see x"


def test_a_page_that_names_the_header_lines_keeps_them_in_its_listings():
    import sys
    from pathlib import Path

    from docutils import nodes

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs" / "_ext"))
    import gilbook

    page = nodes.section("", nodes.paragraph("", "", nodes.literal("gilref-example: args", "gilref-example: args")),
                         nodes.literal_block("# gilref-example: args = 1\n", "# gilref-example: args = 1\n"))
    assert gilbook._speaks_of_header(page)
    assert not gilbook._speaks_of_header(nodes.section("", nodes.literal_block("# gilref-example: a\n", "x")))


def test_the_aside_says_example_only_when_a_dropped_sentence_was_about_an_example():
    from gilref.core.quoting import EXAMPLE_ASIDE, MORE_ASIDE, aside, quote

    socket = ("Socket sends released the GIL for 4 µs each. The chart below shows each call's share. "
              "It is small.")
    text, dropped = quote(socket)
    assert text == "Socket sends released the GIL for 4 µs each." and len(dropped) == 2
    assert aside(dropped) == MORE_ASIDE  # a chart, not an example: no word of an example
    text, dropped = quote(THREADS)
    assert aside(dropped) == EXAMPLE_ASIDE
    assert aside(quote("Nothing local here.")[1]) == ""


def test_above_as_a_preposition_is_not_a_place_on_the_page():
    from gilref.core.quoting import is_page_local, quote

    text = "The verdict holds, and the whole interval lies above it. The example below agrees."
    assert quote(text) == ("The verdict holds, and the whole interval lies above it.", ["The example below agrees."])
    assert not is_page_local("the interval lies above 1.4× and below the bar")
    assert is_page_local("The example below agrees.") and is_page_local("the table above, and")
