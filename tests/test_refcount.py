import sys

import pytest

from gilref.topics import refcount


@pytest.mark.skipif(not hasattr(sys, "getrefcount"), reason="needs sys.getrefcount")
def test_demo_counts_one_more_reference_after_b_equals_a():
    demo = refcount.refcount_demo()
    assert demo["shared"] == demo["alone"] + 1
    assert demo["extra"] == demo["shared"] - 2
    assert demo["immortal_none"] == (demo["none"] >= 2**30)


@pytest.mark.skipif(not hasattr(sys, "getrefcount"), reason="needs sys.getrefcount")
def test_series_grows_by_one_per_visible_reference():
    series = refcount.refcount_series(4)
    assert [v for v, _ in series] == [1, 2, 3, 4]
    counts = [c for _, c in series]
    assert [b - a for a, b in zip(counts, counts[1:])] == [1, 1, 1]


@pytest.mark.parametrize(("bad", "error"), [(0, ValueError), (1.5, TypeError), (True, TypeError)])
def test_series_rejects_bad_counts(bad, error):
    with pytest.raises(error, match="max_names"):
        refcount.refcount_series(bad)
