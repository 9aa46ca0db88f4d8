from __future__ import annotations

import math

import pytest

from gilref.core.stats import summarize


def test_summary_of_known_values():
    s = summarize([5.0, 1.0, 3.0, 2.0, 4.0])
    assert s.n == 5
    assert s.median == 3.0
    assert s.mean == 3.0
    assert s.minimum == 1.0 and s.maximum == 5.0
    assert (s.q1, s.q3) == (2.0, 4.0)
    assert s.spread == 2.0
    assert s.rel_spread == pytest.approx(2 / 3)
    assert s.stdev == pytest.approx(math.sqrt(2.5))


def test_summary_of_one_value_has_no_spread():
    s = summarize([0.5])
    assert (s.median, s.q1, s.q3, s.stdev) == (0.5, 0.5, 0.5, 0.0)


def test_median_resists_one_outlier():
    assert summarize([1.0, 1.0, 1.0, 1.0, 100.0]).median == 1.0


@pytest.mark.parametrize(("bad", "words"), [([], "empty"), ([1.0, float("nan")], "finite"),
                                           ([float("inf")], "finite")])
def test_summary_rejects_empty_or_non_finite(bad, words):
    with pytest.raises(ValueError, match=words):
        summarize(bad)
