"""PyPy and Jython: the chapter's verdicts and invariants, on made-up results."""

from __future__ import annotations

from gilref.core.results import Suite, Timing
from gilref.topics import interpreters as others


def made(two: tuple[float, ...], *, label: str = "PyPy 7.3.11", cpus: int = 2, counted=None,
         reference: int | None = 186875535) -> Suite:
    """One thread takes 1 s; two threads take the given times (s)."""
    s = Suite(metadata={"interpreter_label": label, "usable_cpus": cpus, "reference": reference})
    n = 40_000_000
    s.add(Timing("countdown", "sequential", 1, (1.0,) * 5, (), {"n": n, "tasks": 1, "counted": [n]}))
    s.add(Timing("countdown", "threads", 2, two, (), {"n": n, "tasks": 2, "counted": counted or [n]}))
    return s


def test_pypy_verdict_three_ways():
    held = others.pypy_verdict(made((1.05,) * 5))
    assert held.state == "holds" and "PyPy 7.3.11" in held.text and "0.95×" in held.text
    assert others.pypy_verdict(made((0.55,) * 5)).state == "contradicted"
    assert others.pypy_verdict(made((0.7, 0.8, 0.85, 0.9, 1.0))).state == "undecided"


def test_jython_verdict_three_ways_and_one_cpu_is_a_contradiction():
    held = others.jython_verdict(made((0.55,) * 5, label="Jython 2.7.3"))
    assert held.state == "holds" and "Jython 2.7.3" in held.text
    no = others.jython_verdict(made((0.95,) * 5, label="Jython 2.7.3"))
    assert no.state == "contradicted" and "garbage collector" in no.text
    assert others.jython_verdict(made((0.6, 0.65, 0.7, 0.75, 0.8), label="J")).state == "undecided"
    assert others.jython_verdict(made((0.55,) * 5, label="J", cpus=1)).state == "contradicted"


def test_countdown_invariants_both_ways():
    assert all(i.holds for i in others.countdown_invariants(made((1.0,) * 5)))
    by = {i.key: i for i in others.countdown_invariants(made((1.0,) * 5, counted=[39_999_999, 40_000_000]))}
    assert not by["pypy_7_3_11_counted_all"].holds and "39999999" in by["pypy_7_3_11_counted_all"].cause
    by = {i.key: i for i in others.countdown_invariants(made((0.3,) * 5))}  # 3.3x on 2 threads
    assert not by["pypy_7_3_11_at_most_ideal"].holds


def test_implementations_must_agree_on_the_reference_result():
    same = {"CPython": made((1.0,) * 5, label="CPython"), "PyPy": made((1.0,) * 5)}
    assert all(i.holds for i in others.agreement_invariants(same))
    assert "All 2 returned 186,875,535" in others.agreement_text(same)
    differ = {**same, "Jython": made((0.5,) * 5, label="Jython", reference=1)}
    assert not others.agreement_invariants(differ)[0].holds
    assert "did not all agree" in others.agreement_text(differ)
    silent = {**same, "Old": made((1.0,) * 5, label="Old", reference=None)}
    assert not others.agreement_invariants(silent)[0].holds
    short = {"PyPy": made((1.0,) * 5, counted=[1])}
    assert "not every run counted all its steps" in others.agreement_text(short)


def test_the_verdicts_say_why_when_they_fall_short():
    no = others.jython_verdict(made((0.95,) * 5, label="Jython 2.7.3"), why="the load average was 9.0")
    assert "the load average was 9.0" in no.text and "2 usable CPUs" in no.text
    unsure = others.pypy_verdict(made((0.7, 0.8, 0.85, 0.9, 1.0)), why="nothing else ran")
    assert unsure.text.endswith("nothing else ran.")

