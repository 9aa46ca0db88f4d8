"""The store of CPython builds gilref provisioned: where they live, the marker that
says a build is complete, the status the last provisioning wrote, and the switch that
skips them. Standard library only, reading files only (no process is started).

Both :mod:`gilref.interp.discover` (which lists the provisioned builds) and
:mod:`gilref.provision` (which writes them) import this module, so neither
imports the other's layer upwards.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core.paths import cache_dir

__all__ = ["ENV_SKIP", "ENV_SOURCE", "MARKER", "STATUS", "last_status", "provisioned_executables", "pythons_dir",
           "read_marker", "skip_requested", "version_key"]

ENV_SKIP = "GILREF_SKIP_PROVISION"
#: Names a CPython source tarball or directory for ``python -m gilref provision`` to build from.
ENV_SOURCE = "GILREF_CPYTHON_SOURCE"
MARKER = "gilref-provisioned.json"
STATUS = "status.json"


def skip_requested(env: Mapping[str, str] | None = None) -> bool:
    """True if ``$GILREF_SKIP_PROVISION`` asks to skip provisioning (any value but 0/false/no)."""
    value = (os.environ if env is None else env).get(ENV_SKIP, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def pythons_dir() -> Path:
    """Where provisioned interpreters live: ``<cache_dir>/pythons``."""
    return cache_dir() / "pythons"


def read_marker(prefix: Path) -> dict[str, Any] | None:
    """The marker of the install at *prefix* (written last by a complete build), or ``None``."""
    try:
        data = json.loads((prefix / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def version_key(version: str) -> tuple[int, ...]:
    """``"3.13.5"`` -> ``(3, 13, 5)``: a version string as a sortable tuple."""
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def provisioned_executables(root: Path | None = None) -> list[Path]:
    """Executables of every complete provisioned install (newest version first).

    Reads only marker files: no process is started.
    """
    base = root or pythons_dir()
    found: list[tuple[tuple[int, ...], Path]] = []
    if not base.is_dir():
        return []
    for prefix in sorted(base.glob("cpython-*")):
        data = read_marker(prefix)
        if not data:
            continue
        exe = prefix / str(data.get("executable", ""))
        if exe.is_file() and os.access(exe, os.X_OK):
            found.append((version_key(str(data.get("version", ""))), exe))
    found.sort(key=lambda item: item[0], reverse=True)
    return [exe for _, exe in found]


def last_status(root: Path | None = None) -> dict[str, Any] | None:
    """What the last :func:`gilref.provision.cpython.provision` call recorded (for a chapter's note), if anything."""
    try:
        data = json.loads(((root or pythons_dir()) / STATUS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
