"""Run a reader example with ``--json PATH``: what it printed, and the measurements it wrote.

A chapter shows the example's plain output (what a reader sees) and hands its
numbers to the verdicts, from one run.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.examples import run_example


@dataclass(frozen=True)
class ExampleRun:
    """One run of an example: *text* as printed, *data* as written to its ``--json`` file."""

    name: str
    args: tuple[str, ...]
    text: str
    data: dict[str, Any]


def run_with_json(name: str, args: Sequence[str], *, timeout: float = 300.0) -> ExampleRun:
    """Run ``examples/<name>`` with *args* plus ``--json <a temporary file>``.

    :param timeout: seconds before the child is killed (see :func:`gilref.core.examples.run_example`).
    :raises ValueError: if the example wrote no JSON object.
    """
    fd, path = tempfile.mkstemp(prefix="gilref-example-", suffix=".json")
    os.close(fd)
    try:
        text = run_example(name, [*args, "--json", path], timeout=timeout)
        with open(path, encoding="utf-8") as f:
            raw = f.read()
    finally:
        os.unlink(path)
    data = json.loads(raw) if raw.strip() else None
    if not isinstance(data, dict):
        raise ValueError(f"{name} wrote no JSON object to its --json file")
    return ExampleRun(name, tuple(args), text, data)
