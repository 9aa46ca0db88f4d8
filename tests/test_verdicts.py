"""The verdict and invariant primitives every topic module decides with."""

from __future__ import annotations

import pytest

from gilref.core import verdicts as v


def test_an_interval_decides_only_when_all_of_it_is_on_one_side():
    iv = v.Interval(1.1, 1.2, 1.3)
    assert iv.at_least(1.1) is True and iv.at_least(1.35) is False and iv.at_least(1.25) is None
    assert iv.below(1.35) is True and iv.below(1.1) is False and iv.below(1.2) is None
    assert iv.between(1.0, 1.4) is True and iv.between(1.4, 2.0) is False and iv.between(1.25, 2) is None
    with pytest.raises(ValueError, match="low <= median"):
        v.Interval(2.0, 1.0, 3.0)


def test_interval_text_and_quartiles():
    assert v.Interval(1.9, 1.93, 1.97).text() == "1.93× (1.90–1.97×)"
    assert v.Interval.exact(2.0).text() == "2.00×"
    assert v.Interval.of([1, 2, 3, 4, 5]) == v.Interval(2.0, 3.0, 4.0)
    assert v.Interval.of([7.0]) == v.Interval.exact(7.0)
    with pytest.raises(ValueError, match="no values"):
        v.quartiles([])


def test_ratio_interval_spans_the_inner_halves():
    iv = v.ratio_interval([2, 3, 4, 5, 6], [1, 2, 2, 2, 3])
    assert iv == v.Interval(3 / 2, 4 / 2, 5 / 2)
    with pytest.raises(ValueError, match="positive"):
        v.ratio_interval([1.0], [0.0])


def test_a_claim_holds_is_contradicted_or_is_undecided():
    def claim(holds):
        return v.check("k", "threads do not help", holds, s=v.Interval(0.9, 0.95, 1.0),
                       supported="ran at {s}", contradicted="faster: {s:.1f}")

    ok, bad, unsure = claim(True), claim(False), claim(None)
    assert (ok.state, bad.state, unsure.state) == ("holds", "contradicted", "undecided")
    assert ok.markdown() == "ran at 0.95× (0.90–1.00×)"
    assert v.CONTRADICTED_TITLE in bad.markdown() and "faster: 0.9× (0.9–1.0×)" in bad.markdown()
    assert v.UNDECIDED_TITLE in unsure.markdown() and "0.95× (0.90–1.00×)" in unsure.text
    assert v.UNDECIDED_HINT in unsure.markdown() and v.UNDECIDED_HINT not in bad.markdown()
    assert not unsure.holds and unsure.to_dict()["state"] == "undecided"
    assert unsure.to_dict()["evidence"]["s"] == {"low": 0.9, "median": 0.95, "high": 1.0}
    with pytest.raises(TypeError):
        v.check("k", "s", 1, supported="", contradicted="")  # type: ignore[arg-type]


def test_percent_format_of_an_interval():
    c = v.check("k", "s", True, x=v.Interval(0.1, 0.12, 0.14), supported="{x:.0%}", contradicted="")
    assert c.text == "12% (10–14%)"


def test_invariant_helpers_break_only_beyond_noise():
    assert v.monotone([1, 2, 2, 3], rising=True)
    assert not v.monotone([1, 2, 1.5], rising=True)
    assert v.monotone([1, 2, 1.95], rising=True, slack=0.05)
    assert v.monotone([3, 2, 2.05], rising=False, slack=0.05) and not v.monotone([3, 2, 2.5], rising=False)
    assert v.at_most([1.0, 1.1, 1.2], [1.0, 1.05, 1.1])  # overlapping samples are not a breach
    assert not v.at_most([2.0, 2.1, 2.2], [1.0, 1.05, 1.1])
    assert v.at_most(1.05, 1.0, slack=0.1) and not v.at_most(1.2, 1.0, slack=0.1)
    assert v.shares_within([0.5, 0.3, 0.2]) and not v.shares_within([0.6, 0.5])
    assert not v.shares_within([1.2, -0.2])
    inv = v.invariant("k", "one-way ({a:.1f} s) at most round trip", False, cause="a busy host", a=2.0)
    assert inv.statement == "one-way (2.0 s) at most round trip" and inv.to_dict()["holds"] is False
    with pytest.raises(TypeError):
        v.invariant("k", "s", None, cause="")  # type: ignore[arg-type]


def test_a_chapter_re_measures_once_when_an_invariant_breaks_and_then_warns(monkeypatch):
    pytest.importorskip("IPython")
    from gilref.book import chapter as book

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj._repr_markdown_()))
    runs = iter([5.0, 1.0, 7.0, 8.0])

    def sound(x):
        return [v.invariant("pos", "the time is under 2 s", x < 2, cause="a busy host", x=x)]

    ch = book.Chapter("inv-test")
    assert ch.measure("m", lambda: next(runs), sound) == 1.0  # the second run is kept, and it is sound
    assert ch.invariants["pos"]["remeasured"] is True and ch.invariants["pos"]["holds"] is True
    assert shown == []
    ch2 = book.Chapter("inv-test2")
    assert ch2.measure("m", lambda: next(runs), sound) == 8.0
    assert ch2.to_dict()["invariants"]["pos"]["holds"] is False
    assert len(shown) == 1 and v.INVARIANT_TITLE in shown[0] and "a busy host" in shown[0]
    with pytest.raises(ValueError, match="checked twice"):
        ch2.check(sound(1.0))  # the same invariant twice


def test_a_cross_check_carries_its_own_title():
    c = v.check("k", "the example measures what the chapter measured", False, title="The example disagrees",
                supported="", contradicted="it did not")
    md = c.markdown()
    assert "The example disagrees" in md and v.CONTRADICTED_TITLE not in md and "claim usually made" not in md
