from __future__ import annotations

import json

import pytest

from gilref.core.results import FORMAT, FORMAT_VERSION, ResultsFormatError, Suite, Timing, ratio


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


def rate_suite() -> Suite:
    """Made-up rates: the sequential run did 100 req/s, two threads 150, four 50."""
    def rate(mode: str, workers: int, values: tuple[float, ...]) -> Timing:
        return Timing("echo", mode, workers, values, unit="req/s", better="higher")

    return Suite(timings=[rate("sequential", 1, (90, 100, 110)), rate("threads", 2, (140, 150, 160)),
                          rate("threads", 4, (40, 50, 60))])


def test_the_speedup_of_a_rate_is_new_over_base():
    s = rate_suite()
    assert s.speedup(s.get("echo", "threads", 2)) == pytest.approx(1.5)
    assert s.speedup(s.get("echo", "threads", 4)) == pytest.approx(0.5)
    assert s.speedup(s.baseline("echo")) == 1.0


def test_the_speedup_range_of_a_rate_comes_from_the_quartiles_the_right_way_round():
    s = rate_suite()
    t = s.get("echo", "threads", 2)
    base, q = s.baseline("echo").summary, t.summary
    assert s.speedup_range(t) == pytest.approx((q.q1 / base.q3, q.q3 / base.q1))
    low, high = s.speedup_range(t)
    assert low <= s.speedup(t) <= high and high > 1


def test_the_speedup_of_a_time_is_base_over_new():
    s = Suite(timings=[Timing("job", "sequential", 1, (2.0,)), Timing("job", "threads", 2, (0.5,))])
    assert s.speedup(s.get("job", "threads")) == pytest.approx(4.0)
    assert s.timings[0].better == "lower" and not s.timings[0].higher_is_better


def test_a_timing_states_which_direction_is_better():
    assert Timing("x", "threads", 1, (1.0,), unit="steps/s", better="higher").higher_is_better
    with pytest.raises(ValueError, match="better must be 'lower' or 'higher'"):
        Timing("x", "threads", 1, (1.0,), better="faster")


def test_a_baseline_in_another_unit_is_not_divided():
    s = Suite(timings=[Timing("job", "sequential", 1, (2.0,)),
                       Timing("job", "threads", 2, (10.0,), unit="steps/s", better="higher")])
    with pytest.raises(ValueError, match="cannot compare"):
        s.speedup(s.get("job", "threads"))


def test_direction_and_unit_round_trip_through_json():
    s = rate_suite()
    doc = json.loads(s.dumps())
    assert {(t["unit"], t["better"]) for t in doc["timings"]} == {("req/s", "higher")}
    again = Suite.loads(s.dumps())
    assert again.speedup(again.get("echo", "threads", 2)) == pytest.approx(1.5)


def test_an_older_file_without_direction_reads_as_before():
    old = {"format": FORMAT, "version": 1, "timings": [
        {"workload": "countdown", "mode": "sequential", "workers": 1, "values": [2.0]},
        {"workload": "countdown", "mode": "threads", "workers": 2, "values": [1.0]},
        {"workload": "echo", "mode": "sequential", "workers": 1, "unit": "req/s", "values": [100.0]},
        {"workload": "echo", "mode": "threads", "workers": 2, "unit": "req/s", "values": [300.0]},
        {"workload": "lock", "mode": "empty", "workers": 1, "unit": "ns", "values": [12.0]},
    ]}
    s = Suite.from_dict(old)
    assert [(t.unit, t.better) for t in s.timings] == [
        ("s", "lower"), ("s", "lower"), ("req/s", "higher"), ("req/s", "higher"), ("ns", "lower")]
    assert s.speedup(s.get("countdown", "threads")) == pytest.approx(2.0)
    assert s.speedup(s.get("echo", "threads")) == pytest.approx(3.0)


def test_a_bad_direction_is_a_format_error():
    doc = {"format": FORMAT, "version": 1, "timings": [
        {"workload": "x", "mode": "threads", "workers": 1, "values": [1.0], "better": "up"}]}
    with pytest.raises(ResultsFormatError, match="timing 0: 'better' must be"):
        Suite.from_dict(doc)


def test_ratio_divides_the_right_way_round():
    assert ratio(2.0, 1.0) == 2.0
    assert ratio(100.0, 150.0, higher_is_better=True) == 1.5
