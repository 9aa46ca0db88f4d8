"""Whether a shortfall can be blamed on other programs: from the load average, not a guess."""

from __future__ import annotations

import pytest

from gilref.topics import contention


def test_other_load_discounts_the_measurements_own_workers():
    assert contention.other_load(2, load=5.25) == pytest.approx(3.25)
    assert contention.other_load(2, load=1.0) == 0.0
    with pytest.raises(ValueError, match="own_workers must be >= 0"):
        contention.other_load(-1, load=1.0)


def test_explain_blames_competition_only_when_there_was_some():
    busy = contention.explain(2, cpus=2, load=5.3)
    assert busy.startswith("other programs were competing") and "5.3 on 2 CPUs" in busy
    idle = contention.explain(2, cpus=2, load=2.2)
    assert "do not explain it" in idle and "2.2 on 2 CPUs" in idle
    quiet = contention.explain(2, cpus=2, load=0.5)
    assert "0.5 on 2 CPUs" in quiet and "2.0" not in quiet  # the load measured, never more


def test_explain_reads_this_hosts_load_by_default(monkeypatch):
    monkeypatch.setattr(contention, "load_average", lambda: None)
    assert "does not report its load" in contention.explain(1, cpus=2)
    monkeypatch.setattr(contention, "load_average", lambda: [9.0, 1.0, 1.0])
    assert contention.explain(1, cpus=2).startswith("other programs")
