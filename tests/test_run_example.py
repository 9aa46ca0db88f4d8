"""gilref.core.examples.run_example passes extra environment variables to the example."""

from __future__ import annotations

import pytest

from gilref.core.examples import ExampleError, run_example


def test_extra_environment_reaches_the_example(tmp_path):
    # build_cython.py fails fast when the C compiler named by CC does not exist.
    with pytest.raises(ExampleError, match="could not compile"):
        run_example("build_cython.py", ["--build-dir", str(tmp_path / "build")], env={"CC": "/nonexistent/cc"},
                    timeout=120)


def test_without_extra_environment_help_still_runs():
    assert "usage:" in run_example("subinterpreters.py", ["--help"], timeout=60)
