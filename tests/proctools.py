"""Helpers for tests that check no process or port is left behind (Linux /proc)."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after it.
    return text[text.rindex(")") + 2:].split()


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _live(pid: int, fields: list[str]) -> bool:
    return fields[0] not in ("Z", "X")  # zombies and dead entries hold no resources but a pid


def pids_where(field: int, value: int) -> list[int]:
    """Live pids whose /proc stat field number *field* (after the name; 1 = ppid, 3 = session) is *value*."""
    out = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and _live(int(entry.name), fields) and int(fields[field]) == value:
                out.append(int(entry.name))
    return out


def children(pid: int | None = None, *, ignore_resource_tracker: bool = True) -> list[str]:
    """Command lines of the live children of *pid* (default: this process).

    multiprocessing's resource tracker and forkserver are per-process singletons
    that live as long as their parent, so they are ignored by default.
    """
    found = [_cmdline(p) for p in pids_where(1, pid or os.getpid())]
    if ignore_resource_tracker:
        found = [c for c in found if "resource_tracker" not in c and "forkserver" not in c]
    return found


def session_members(sid: int) -> list[str]:
    """Command lines of live processes in session *sid* (a child started with start_new_session)."""
    return [_cmdline(p) for p in pids_where(3, sid)]


def wait_until_gone(probe, timeout: float = 10.0) -> list[str]:
    """Poll *probe()* (returns a list of leftovers) until it is empty or *timeout* seconds pass."""
    deadline = time.monotonic() + timeout
    left = probe()
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = probe()
    return left


def port_is_closed(host: str, port: int) -> bool:
    """True if nothing accepts TCP connections on host:port."""
    with socket.socket() as s:
        s.settimeout(2)
        try:
            s.connect((host, port))
        except OSError:
            return True
    return False
