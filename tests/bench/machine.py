"""Which machine a benchmark baseline belongs to (``nox -s bench``).

Absolute timings only compare on the same machine, so a baseline is stored per
machine key: CPU model and count, OS, architecture and the Python that ran the
benchmarks (implementation, version, build). Run as a script it prints
``{"key": ..., "info": {...}}`` as JSON (the noxfile picks the baseline
directory with it); the bench conftest hands the same ``info`` to
pytest-benchmark as its ``machine_info``, so a baseline saved on this machine
compares with no "machine_info is different" warning.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from gilref.core.hostinfo import collect_metadata

#: The host facts that make absolute timings comparable.
FIELDS = ("os", "machine", "cpu_model", "usable_cpus", "python_implementation", "python_version", "python_build")


def machine_info() -> dict[str, Any]:
    """The :data:`FIELDS` of this host, from :func:`gilref.core.hostinfo.collect_metadata`."""
    md = collect_metadata()
    return {k: md.get(k) for k in FIELDS}


def machine_key(info: dict[str, Any]) -> str:
    """A directory name for *info*: readable, plus a hash over every field.

    E.g. ``CPython-3.11.7-default-x86_64-2cpu-AMD-EPYC-1f3a9c0e`` (the OS is in the hash only).
    """
    digest = hashlib.sha256(json.dumps({k: info.get(k) for k in FIELDS}, sort_keys=True).encode()).hexdigest()[:8]
    readable = "-".join(str(info.get(k) or "unknown") for k in
                        ("python_implementation", "python_version", "python_build", "machine"))
    cpu = re.sub(r"[^A-Za-z0-9.]+", "-", str(info.get("cpu_model") or "unknown-cpu")).strip("-")[:40]
    return f"{readable}-{info.get('usable_cpus')}cpu-{cpu}-{digest}"


if __name__ == "__main__":
    info = machine_info()
    print(json.dumps({"key": machine_key(info), "info": info}))
