"""Writing JSON files atomically (standard library only).

Every JSON file gilref writes (results, chapter records, the edition, the
interpreter cache, the provisioning status) goes through :func:`write_json`, so
a reader never sees half a file and an interrupted write leaves the old one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["write_json"]


def write_json(path: str | os.PathLike[str], data: Any, *, indent: int | None = 1, default: Any = None) -> Path:
    """Write *data* to *path* as JSON with a final newline, atomically; return the path.

    The text goes to a temporary file beside *path* (named with this process's id,
    so concurrent writers do not collide), which then replaces *path* in one
    rename. Parent directories are created.

    :param indent: passed to :func:`json.dumps`.
    :param default: passed to :func:`json.dumps` (e.g. ``str`` for values JSON cannot hold).
    :raises OSError: if the directory or file cannot be written (the temporary file is removed).
    :raises TypeError: if *data* holds a value JSON cannot encode and *default* does not convert it.
    """
    target = Path(path)
    text = json.dumps(data, indent=indent, default=default) + "\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
