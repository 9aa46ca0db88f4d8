"""The helpers the topic modules' cross-checked verdicts share."""

from __future__ import annotations

import pytest

from gilref.core.verdicts import Interval
from gilref.topics import _crosscheck as cc


def test_all_of_is_false_first_then_undecided_then_true():
    assert cc.all_of(True, True) is True
    assert cc.all_of(True, None) is None
    assert cc.all_of(None, False) is False


def test_labels_and_differences_name_both_interpreters():
    meta = {"python_implementation": "CPython", "python_version": "3.13.5", "gil_enabled": True}
    ex = {"implementation": "CPython", "python": "3.11.7", "gil": True}
    assert cc.metadata_label(meta) == "CPython 3.13.5, GIL on"
    assert cc.example_label(ex) == "CPython 3.11.7, GIL on"
    assert "3.13.5" in cc.interpreter_differs(meta, ex) and "3.11.7" in cc.interpreter_differs(meta, ex)
    assert cc.interpreter_differs(meta, {**ex, "python": "3.13.5"}) == ""
    assert "load average 2.5" in cc.load_phrase({"load_average": [2.5, 1, 1]})


def test_disagreement_says_which_run_could_not_decide():
    assert "disagree" in cc.disagreement(True, False)
    assert "example below cannot confirm" in cc.disagreement(True, None)
    assert "measurement cannot decide" in cc.disagreement(None, False)
    with pytest.raises(ValueError, match="alike"):
        cc.disagreement(True, True)


def test_labelled_puts_the_run_before_each_statement():
    from gilref.core.verdicts import invariant

    inv = [invariant("k", "the time grows", True, cause="c")]
    assert cc.labelled(inv, "CPython 3.13.5")[0].statement == "CPython 3.13.5: the time grows"
    assert cc.labelled(inv, "") == inv


def test_slower_build_note_only_when_the_free_threaded_figure_is_clearly_lower():
    from gilref.core.verdicts import Interval

    note = cc.slower_build_note(Interval(0.2, 0.25, 0.3), "the server alone answered", {"python_version": "3.13.5"})
    assert "25%" in note and "specializing" in note and "docs.python.org/3.13/howto" in note
    assert "300%" in note and "larger" in note  # a speed of 25% is 300% more time, not the HOWTO's 40%
    assert cc.slower_build_note(Interval(0.7, 0.9, 1.1), "x", {"python_version": "3.13.5"}) == ""
    assert "specializing" not in cc.slower_build_note(Interval(0.2, 0.25, 0.3), "x", {"python_version": "3.14.0"})


def test_a_figure_on_the_verdicts_side_agrees_whichever_way_it_went():
    assert cc.agreement(True, True) == cc.agreement(False, False) == "it agrees"


def test_a_figure_on_the_other_side_leaves_the_reason_to_the_caller():
    assert cc.agreement(True, False) is None and cc.agreement(False, True) is None


def test_an_undecided_verdict_cannot_be_settled_by_one_median():
    assert "cannot settle it" in cc.agreement(None, True) and cc.agreement(None, False) == cc.agreement(None, True)


def test_the_overhead_is_set_beside_the_howtos_and_says_whether_they_agree():
    from gilref.core.verdicts import Interval

    over = cc.overhead_interval(Interval(0.5, 0.625, 0.8))
    assert (over.low, over.median, over.high) == pytest.approx((0.25, 0.6, 1.0))
    meta = {"python_version": "3.13.5"}
    assert "this agrees within 20 points" in cc.slower_build_note(Interval(0.7, 0.71, 0.72), "x ran", meta)
    assert "undecided" not in cc.slower_build_note(Interval(0.7, 0.71, 0.72), "x ran", meta)
    assert "neither confirms nor contradicts" in cc.slower_build_note(Interval(0.5, 0.71, 0.75), "x ran", meta)
    assert "larger, beyond 20 points" in cc.slower_build_note(Interval(0.4, 0.42, 0.44), "x ran", meta)


def test_fixed_cost_and_the_speedup_it_predicts_for_another_job_size():
    assert cc.fixed_cost(1.0, 0.52, 2) == pytest.approx(0.02)
    assert cc.fixed_cost(1.0, 0.45, 2) == 0.0  # faster than a perfect split: no cost, not a negative one
    assert cc.predicted_speedup(0.2, 0.02, 2) == pytest.approx(0.2 / 0.12)
    with pytest.raises(ValueError, match="at least one worker"):
        cc.fixed_cost(1.0, 0.5, 0)


def test_job_size_text_says_whether_the_fixed_cost_explains_the_other_run():
    text, ok = cc.job_size_text(0.02, 2, 1.0, 0.2, Interval(1.6, 1.65, 1.7), "the example")
    assert ok and "would have reached 1.67×, inside its spread" in text and "100 ms, against 500 ms here" in text
    text, ok = cc.job_size_text(0.02, 2, 1.0, 0.2, Interval(1.2, 1.25, 1.3), "the example")
    assert not ok and "explains part of the gap, not all of it" in text


def test_quartile_note_only_when_the_upper_end_exceeds_the_cpus():
    assert "ratio of quartiles" in cc.quartile_note(Interval(1.9, 1.95, 2.03), 2, "the pool's interval")
    assert cc.quartile_note(Interval(1.9, 1.95, 1.99), 2, "x") == ""
    assert cc.quartile_note(Interval(1, 2, 3), None, "x") == ""


def test_job_size_text_counts_a_prediction_beyond_the_other_run_as_explaining_all_of_the_gap():
    # here 1.0 s alone, 20 ms fixed cost: 1.96x; the other run, 0.2 s alone, got 1.75x; the cost predicts 1.67x
    text, ok = cc.job_size_text(0.02, 2, 1.0, 0.2, Interval(1.74, 1.75, 1.76), "the example")
    assert ok and "on the far side from this run's own speedup" in text and "would more than explain the gap" in text
    assert text.endswith("the example must pay less per run than the run here does.")
    text, _ = cc.job_size_text(0.02, 2, 1.0, 0.2, Interval(1.74, 1.75, 1.76), "this page's pool",
                               where="in that chapter")
    assert text.endswith("this page's pool must pay less per run than the run in that chapter does.")


def test_why_undecided_gives_a_reason_only_for_an_undecided_verdict():
    from gilref.topics._crosscheck import why_undecided

    assert "holds the threshold of 1.2×" in why_undecided(None, "1.2×")
    assert "the example on this page decided the other way" in why_undecided(True, "1.2×")
    assert why_undecided(True, "1.2×", final=True) == "" and why_undecided(None, "1.2×", final=False) == ""
    assert why_undecided(True, "1.2×", final=None) != ""
