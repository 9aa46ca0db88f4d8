"""Every example in examples/ runs as a script and has a test; every example is in the book."""

from __future__ import annotations

import ast
import re

import pytest

from .conftest import EXAMPLES, ROOT

pytestmark = []


def example_files() -> list[str]:
    return sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".py", ".pyx") and p.is_file())


def examples_with_tests() -> set[str]:
    """Names given to ``@pytest.mark.example("...")`` anywhere under tests/."""
    names = set()
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "example"
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "mark"):
                names.update(a.value for a in node.args if isinstance(a, ast.Constant))
    return names


def test_every_example_has_a_test():
    missing = sorted(set(example_files()) - examples_with_tests())
    assert not missing, f"examples without a test (mark one with @pytest.mark.example): {missing}"


def test_every_marked_example_exists():
    unknown = sorted(examples_with_tests() - set(example_files()))
    assert not unknown, f"tests mark examples that do not exist: {unknown}"


def test_every_example_is_included_in_the_book():
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md"))
    included = set(re.findall(r"(?:literalinclude|include)\}?\s+\.\./examples/([\w.]+)", text))
    missing = sorted(set(example_files()) - included)
    assert not missing, f"examples the book does not include from examples/: {missing}"


@pytest.mark.parametrize("name", [n for n in example_files() if n.endswith(".py")])
def test_every_example_has_help(name, run_example):
    proc = run_example(name, "--help", timeout=60)
    assert "usage:" in proc.stdout


@pytest.mark.example("countdown.py")
def test_countdown_example_reports_three_configurations(run_example):
    out = run_example("countdown.py", "--count", "200000", "--workers", "2", "--repeats", "3").stdout
    assert "1 thread" in out and "2 threads" in out and "2 processes" in out
    assert re.search(r"2 processes\s+\d+\.\d+ s\s+\d+\.\d+x one thread", out)


@pytest.mark.example("countdown.py")
@pytest.mark.parametrize("args", [["--count", "0"], ["--workers", "-1"], ["--count", "lots"]])
def test_countdown_example_rejects_bad_arguments(args, run_example):
    proc = run_example("countdown.py", *args, check=False, timeout=60)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.example("refcount.py")
def test_refcount_example_shows_one_extra_reference(run_example):
    out = run_example("refcount.py").stdout
    counts = [int(m) for m in re.findall(r"getrefcount\(a\) = (\d+)", out)]
    assert len(counts) == 3
    assert counts[1] == counts[0] + 1 == counts[2] + 1
