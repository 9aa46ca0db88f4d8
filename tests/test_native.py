"""The native-code measurements: the Python loop, thread counts, interleaved timing, NumPy, Cython suites."""

from __future__ import annotations

import time

import pytest

from gilref.core.harness import MeasurementTimeout, thread_counts
from gilref.topics import cythonbuild, native

from .conftest import EXAMPLES


def test_the_python_loop_is_xorshift64():
    assert native.xorshift_python(0) == native.SEED
    x = native.SEED
    x ^= (x << 13) % 2**64
    x ^= x >> 7
    x ^= (x << 17) % 2**64
    assert native.xorshift_python(1) == x
    assert native.xorshift_python(10) == 14546003305709394545  # the compiled loop's value
    assert native.xorshift_python(3, seed=1) != native.xorshift_python(3, seed=2)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"n": -1}, ValueError, "n must be >= 0"),
    ({"n": 2.5}, TypeError, "n must be an int"),
    ({"n": 1, "seed": 2**64}, ValueError, "seed must fit in 64 bits"),
    ({"n": 1, "seed": -1}, ValueError, "seed must be >= 0"),
])
def test_the_python_loop_checks_its_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        native.xorshift_python(**kwargs)


def test_the_default_thread_counts_are_the_harness_rule_for_at_least_two_cpus(monkeypatch):
    monkeypatch.setattr(native, "usable_cpus", lambda: 1)
    assert native._default_counts() == thread_counts(2) == [1, 2, 4]
    monkeypatch.setattr(native, "usable_cpus", lambda: 8)
    assert native._default_counts() == thread_counts(8)


def test_time_calls_interleaves_and_records_each_call():
    order: list[str] = []
    suite = native.time_calls(
        [("w", "sequential", 1, lambda: order.append("a")), ("w", "threads", 2, lambda: order.append("b"))],
        repeats=5, warmups=1, params={"k": 1})
    assert order == ["a", "b"] + ["a", "b"] * 5
    assert [(t.mode, t.workers, len(t.values), len(t.warmups)) for t in suite.timings] == [
        ("sequential", 1, 5, 1), ("threads", 2, 5, 1)]
    assert suite.timings[0].params == {"k": 1} and suite.metadata["python_version"]


def test_time_calls_rejects_bad_input_and_reports_overshoots():
    with pytest.raises(ValueError, match="repeats must be >= 5"):
        native.time_calls([("w", "sequential", 1, lambda: None)], repeats=3)
    with pytest.raises(ValueError, match="at least one"):
        native.time_calls([])
    with pytest.raises(MeasurementTimeout, match="more than the 0.01 s allowed"):
        native.time_calls([("w", "sequential", 1, lambda: time.sleep(0.05))], timeout=0.01, warmups=0)


def test_numpy_suite_pins_blas_while_measuring_and_restores_it():
    before = native.blas_info()
    suite = native.numpy_suite(size=32, products=6, threads=[1, 2], repeats=5, warmups=0)
    assert [(t.mode, t.workers) for t in suite.timings] == [("sequential", 1), ("threads", 1), ("threads", 2)]
    blas = [p for p in suite.metadata["blas_during"] if p["user_api"] == "blas"]
    assert blas and all(p["num_threads"] == 1 for p in blas)
    assert native.blas_info() == before
    assert suite.timings[0].params["blas_threads"] == 1


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"size": 4}, "size must be >= 8"),
    ({"products": 0}, "products must be >= 1"),
    ({"threads": []}, "at least one thread count"),
    ({"threads": [2, 2]}, "must not repeat"),
])
def test_numpy_suite_checks_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        native.numpy_suite(**kwargs)


def test_matmul_job_multiplies():
    np = pytest.importorskip("numpy")
    a = np.eye(3)
    b = np.full((3, 3), 2.0)
    assert native.matmul_job([(a, b), (a, b)]) == 4.0


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    return cythonbuild.build(EXAMPLES / "cython_nogil.pyx", cache=tmp_path_factory.mktemp("cy")).load()


def test_cython_suites_measure_every_variant(mod):
    suites = native.cython_suites(mod, steps_c=200_000, steps_python=2_000, threads=[1, 2], repeats=5, warmups=0)
    assert sorted(suites) == ["cython_gil", "cython_nogil", "prange", "python"]
    for key in ("python", "cython_gil", "cython_nogil"):
        assert [(t.mode, t.workers) for t in suites[key].timings] == [
            ("sequential", 1), ("threads", 1), ("threads", 2)]
    assert [(t.mode, t.workers) for t in suites["prange"].timings] == [
        ("sequential", 1), ("openmp", 1), ("openmp", 2)]
    labels = {"python": "Python", "cython_nogil": "nogil", "prange": "prange"}
    rows = native.step_rows(suites, labels, 2)
    assert [r["variant"] for r in rows] == ["Python", "nogil", "prange"]
    assert rows[0]["steps per job"] == "2,000" and rows[2]["ns per step, 2 threads"]
    assert native.speedup_at(suites["cython_nogil"], "xorshift", "threads", 2) > 0
    # Every variant ran the check before timing, and they agree.
    assert {s.metadata["result_check"]["value"] for s in suites.values()} == {
        str(native.xorshift_python(native.CHECK_STEPS))}
    assert {i.key: i.holds for i in native.cython_invariants(suites)}["cython_same_result"]


def test_cython_suites_want_the_compiled_module():
    with pytest.raises(TypeError, match="no xorshift_gil"):
        native.cython_suites(object())
