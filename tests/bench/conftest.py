"""The bench's gates and machine identity (``nox -s bench``).

A *gate* is a ratio measured side by side in one run (a speedup against its
goal), so it holds on any machine; every benchmark checks its gate with the
``gate`` fixture, and the run ends with a table of every gate: measured,
goal, verdict, or why it was not measured. Absolute timings are pytest-benchmark's
business: they are compared only with a baseline saved on the same machine
(see ``machine.py`` and the ``bench`` session in ``noxfile.py``).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gilref.core.hostinfo import load_average

_spec = importlib.util.spec_from_file_location("gilref_bench_machine", Path(__file__).with_name("machine.py"))
assert _spec is not None and _spec.loader is not None
machine = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(machine)


@dataclass
class Gate:
    """One gate's outcome: *measured* and *goal* are ratios (x), ``None`` when not measured."""

    test: str
    name: str
    measured: float | None
    goal: float | None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.measured is None or self.goal is None:
            return "not measured"
        return "pass" if self.measured >= self.goal else "FAIL"


GATES: list[Gate] = []


@pytest.hookimpl(optionalhook=True)  # the test suite collects this conftest without pytest-benchmark
def pytest_benchmark_generate_machine_info(config: Any) -> dict[str, Any]:
    """Only the facts that make timings comparable (no host name, clock reading, kernel build).

    The same machine then yields the same ``machine_info``, and pytest-benchmark
    has nothing to warn about when it loads this machine's baseline.
    """
    info = machine.machine_info()
    return {**info, "gilref_machine_key": machine.machine_key(info)}


class _Gates:
    def __init__(self, request: pytest.FixtureRequest, benchmark: Any) -> None:
        self._test = request.node.name
        self._benchmark = benchmark

    def record(self, name: str, measured: float, goal: float, note: str = "") -> bool:
        """Record gate *name* (ratio *measured* against *goal*); True if it is met."""
        GATES.append(Gate(self._test, name, measured, goal, note))
        self._benchmark.extra_info[f"gate: {name}"] = {"measured": round(measured, 3), "goal": round(goal, 3)}
        return measured >= goal

    def check(self) -> None:
        """Fail the test if any gate it recorded is below its goal."""
        failed = [g for g in GATES if g.test == self._test and g.verdict == "FAIL"]
        assert not failed, "; ".join(f"gate {g.name!r}: {g.measured:.2f}x is below its goal of {g.goal:.2f}x"
                                     for g in failed)

    def __call__(self, name: str, measured: float, goal: float, note: str = "") -> None:
        """Record gate *name* and fail the test at once if it is below its goal."""
        self.record(name, measured, goal, note)
        self.check()

    def skip(self, name: str, reason: str) -> None:
        """Record gate *name* as not measured on this host, and skip the test."""
        GATES.append(Gate(self._test, name, None, None, reason))
        pytest.skip(reason)


@pytest.fixture
def gate(request: pytest.FixtureRequest, benchmark: Any) -> _Gates:
    """``gate(name, measured, goal)`` checks one ratio (``record`` several, then ``check``);
    ``gate.skip(name, reason)`` says why it was not run."""
    return _Gates(request, benchmark)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not GATES:  # the test suite loads this conftest too, and runs no benchmark
        return
    tr = terminalreporter
    info = machine.machine_info()
    tr.write_sep("=", "gates (ratios measured side by side in this run)")
    load = load_average()
    tr.write_line(f"machine: {machine.machine_key(info)}; load average (1, 5, 15 min): "
                  f"{', '.join(map(str, load)) if load else 'unknown'} on {info['usable_cpus']} usable CPUs "
                  "(gates on CPU-bound work need the CPUs idle)")
    for g in GATES:
        if g.measured is None or g.goal is None:
            tr.write_line(f"  not measured  {g.name}: {g.note}")
        else:
            extra = f"  ({g.note})" if g.note else ""
            tr.write_line(f"  {g.verdict:<12}  {g.name}: {g.measured:.2f}x, goal >= {g.goal:.2f}x{extra}")
