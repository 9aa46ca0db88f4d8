from __future__ import annotations

import json
import os
import sys

from gilref.core import hostinfo

REQUIRED = {
    "python_version", "python_implementation", "python_build", "python_executable",
    "free_threaded_build", "gil_enabled", "gil_enabled_source", "cpu_count", "cpu_affinity",
    "usable_cpus", "cpu_model", "platform", "os", "date", "load_average", "switch_interval_s",
    "gilref_version",
}


def test_metadata_has_every_key_and_is_json():
    md = hostinfo.collect_metadata()
    assert set(md) >= REQUIRED
    json.dumps(md)
    assert md["cpu_count"] == os.cpu_count()
    assert md["python_executable"] == sys.executable
    assert md["switch_interval_s"] == sys.getswitchinterval()


def test_gil_facts_match_the_interpreter():
    md = hostinfo.collect_metadata()
    probe = getattr(sys, "_is_gil_enabled", None)
    if probe is not None:
        assert md["gil_enabled"] is probe()
        assert md["gil_enabled_source"] == "sys._is_gil_enabled"
    else:
        assert md["gil_enabled"] is True  # CPython < 3.13 always has one
        assert md["gil_enabled_source"] == "implementation"
    assert md["python_build"] == ("free-threaded" if md["free_threaded_build"] else "default")


def test_affinity_is_a_subset_of_cpus():
    affinity = hostinfo.cpu_affinity()
    if affinity is not None:
        assert 1 <= len(affinity) <= (os.cpu_count() or 1)
        assert hostinfo.usable_cpus() == len(affinity)


def test_host_summary_names_python_cpus_and_os():
    text = hostinfo.host_summary({"python_implementation": "CPython", "python_version": "3.13.5",
                                  "python_build": "free-threaded", "gil_enabled": False,
                                  "usable_cpus": 8, "cpu_model": "Zen", "os": "Debian 13"})
    assert text == "CPython 3.13.5 (free-threaded build, GIL off) · 8 CPUs (Zen) · Debian 13"
    assert "GIL unknown" in hostinfo.host_summary({})


RULE_CASES = [(probe, impl) for probe in (None, lambda: True, lambda: False)
              for impl in ("CPython", "PyPy", "Jython", "IronPython", "GraalVM", "")]


def test_the_gil_rule_never_calls_an_unknown_implementation_gil_free():
    assert hostinfo.gil_rule(None, "CPython") is True  # CPython before 3.13
    assert hostinfo.gil_rule(None, "PyPy") is True
    assert hostinfo.gil_rule(None, "Jython") is False and hostinfo.gil_rule(None, "IronPython") is False
    assert hostinfo.gil_rule(None, "GraalVM") is None and hostinfo.gil_rule(None, "") is None
    assert hostinfo.gil_rule(lambda: False, "CPython") is False  # a free-threaded build, GIL off
    assert hostinfo.gil_rule(lambda: 1, "Whatever") is True  # the runtime answer wins, as a bool
    assert hostinfo.gil_enabled() is hostinfo.gil_rule(getattr(sys, "_is_gil_enabled", None), sys_impl())


def sys_impl():
    import platform

    return platform.python_implementation()


def test_the_probe_for_other_interpreters_carries_the_same_rule():
    from gilref.interp import discover

    namespace: dict = {}
    exec(discover.PROBE_GIL_RULE, namespace)
    for probe, impl in RULE_CASES:
        assert namespace["gil_rule"](probe, impl) is hostinfo.gil_rule(probe, impl), (probe, impl)
    assert discover.PROBE.startswith(discover.PROBE_GIL_RULE)


def test_the_python_2_7_safe_metadata_follows_the_same_rule(monkeypatch):
    import platform

    from gilref.interp import portable

    for probe, impl in RULE_CASES:
        monkeypatch.setattr(platform, "python_implementation", lambda impl=impl: impl)
        if probe is None:
            monkeypatch.delattr(sys, "_is_gil_enabled", raising=False)
        else:
            monkeypatch.setattr(sys, "_is_gil_enabled", probe, raising=False)
        assert portable._metadata()["gil_enabled"] is hostinfo.gil_rule(probe, impl), (probe, impl)
        assert hostinfo.gil_enabled() is hostinfo.gil_rule(probe, impl)
