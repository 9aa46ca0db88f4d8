"""One median against a verdict decided on an interval."""

from gilref.topics.crosscheck import agreement


def test_a_figure_on_the_verdicts_side_agrees_whichever_way_it_went():
    assert agreement(True, True) == agreement(False, False) == "it agrees"


def test_a_figure_on_the_other_side_leaves_the_reason_to_the_caller():
    assert agreement(True, False) is None and agreement(False, True) is None


def test_an_undecided_verdict_cannot_be_settled_by_one_median():
    assert "cannot settle it" in agreement(None, True) and agreement(None, False) == agreement(None, True)
