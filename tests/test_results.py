from __future__ import annotations

import json

import pytest

from gilref.core.results import FORMAT, FORMAT_VERSION, ResultsFormatError, Suite, Timing


def make_suite() -> Suite:
    return Suite(
        timings=[
            Timing("countdown", "sequential", 1, (1.0, 1.2, 0.9, 1.1, 1.0), (1.5,), {"n": 10}),
            Timing("countdown", "threads", 2, (1.1, 1.0, 1.2, 1.0, 1.1), (), {"n": 10}),
            Timing("countdown", "processes", 2, (0.5, 0.55, 0.5, 0.6, 0.5), (), {"n": 10}),
        ],
        metadata={"python_version": "3.11.7", "cpu_count": 2},
    )


def test_speedup_is_ratio_of_medians():
    s = make_suite()
    assert s.speedup(s.get("countdown", "processes")) == pytest.approx(1.0 / 0.5)
    assert s.speedup(s.get("countdown", "threads")) == pytest.approx(1.0 / 1.1)
    assert s.speedup(s.baseline("countdown")) == 1.0


def test_speedup_range_brackets_the_speedup():
    s = make_suite()
    t = s.get("countdown", "processes")
    low, high = s.speedup_range(t)
    assert low <= s.speedup(t) <= high


def test_json_round_trip_keeps_every_value():
    s = make_suite()
    again = Suite.loads(s.dumps())
    assert again.to_dict() == s.to_dict()
    assert again.timings[0].warmups == (1.5,)
    assert again.metadata == s.metadata
    doc = json.loads(s.dumps())
    assert doc["format"] == FORMAT and doc["version"] == FORMAT_VERSION
    assert doc["timings"][2]["median"] == 0.5


def test_save_and_load(tmp_path):
    path = make_suite().save(tmp_path / "r.json")
    assert Suite.load(path).to_dict() == make_suite().to_dict()


def test_get_reports_missing_and_ambiguous():
    s = make_suite()
    with pytest.raises(KeyError, match="no timing"):
        s.get("countdown", "interpreters")
    s.add(Timing("countdown", "threads", 4, (1.0,)))
    with pytest.raises(KeyError, match="2 timings"):
        s.get("countdown", "threads")
    assert [t.workers for t in s.select("countdown", "threads")] == [2, 4]


@pytest.mark.parametrize(("text", "reason"), [
    ('{"format": "gilref-results", "version": 1, "timings": [', "not valid JSON"),
    ("[]", "expected a JSON object"),
    ('{"format": "pyperf"}', "not a gilref results file"),
    ('{"format": "gilref-results", "version": 99, "timings": []}', "newer than this gilref reads"),
    ('{"format": "gilref-results", "version": "1", "timings": []}', "'version' must be an int"),
    ('{"format": "gilref-results", "version": 1}', "'timings' must be a list"),
    ('{"format": "gilref-results", "version": 1, "timings": [{"workload": "x"}]}', "timing 0: missing 'mode'"),
    ('{"format": "gilref-results", "version": 1, "timings": [{"workload": "x", "mode": "threads",'
     ' "workers": 0, "values": [1]}]}', "'workers' must be an int >= 1"),
    ('{"format": "gilref-results", "version": 1, "timings": [{"workload": "x", "mode": "threads",'
     ' "workers": 1, "values": []}]}', "non-empty list"),
    ('{"format": "gilref-results", "version": 1, "timings": [{"workload": "x", "mode": "threads",'
     ' "workers": 1, "values": ["fast"]}]}', "not a finite number"),
])
def test_bad_documents_give_one_line_reasons(text, reason):
    with pytest.raises(ResultsFormatError, match=reason) as info:
        Suite.loads(text)
    assert "\n" not in str(info.value)


def test_timing_needs_values():
    with pytest.raises(ValueError, match="at least one"):
        Timing("x", "threads", 1, ())


def test_labels():
    s = make_suite()
    assert [t.label for t in s.timings] == ["1 thread (sequential)", "2 threads", "2 processes"]
    assert Timing("x", "threads", 1, (1.0,)).label == "1 thread"
