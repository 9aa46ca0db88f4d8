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
