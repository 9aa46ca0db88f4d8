"""Where gilref keeps files between runs (standard library only)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]

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
