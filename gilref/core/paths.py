"""Where gilref keeps files between runs (standard library only)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["cache_dir", "env_importing_gilref", "package_root"]

CACHE_ENV = "GILREF_CACHE_DIR"


def cache_dir() -> Path:
    """gilref's cache directory (not created here).

    ``$GILREF_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/gilref``, else
    ``~/.cache/gilref``: provisioned interpreters, downloaded sources and the
    documentation inventories live here, outside the repository, so a fresh
    clone on the same machine reuses them.
    """
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "gilref"


def package_root() -> Path:
    """The directory that holds this process's ``gilref`` package (a checkout's top level)."""
    return Path(__file__).resolve().parents[2]


def env_importing_gilref(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of *env* (default: ``os.environ``) whose ``PYTHONPATH`` starts with
    :func:`package_root`, so a child Python imports this same gilref."""
    out = dict(os.environ if env is None else env)
    root = str(package_root())
    rest = [p for p in out.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    out["PYTHONPATH"] = os.pathsep.join([root, *rest])
    return out
