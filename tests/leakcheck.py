"""Run a command and report every process it left alive and every port they listen on.

Usage (what ``.ci/run`` does around a book build)::

    python3 tests/leakcheck.py [--grace SECONDS] -- COMMAND [ARGS...]

Exit status: the command's own if it failed; 1 if it succeeded but left a
process or a listening port behind (those processes are then killed); 0 else.

How a leftover is found (Linux, standard library only):

* the command runs with a unique ``GILREF_LEAKCHECK_TAG`` in its environment,
  which every process it starts inherits (kernels, workers, servers, daemons
  that detach into their own session); afterwards every process whose
  environment holds the tag is a leftover;
* this process also becomes a *child subreaper*, so descendants orphaned by
  their parents are re-parented here instead of to init and are found too;
* a leftover's listening TCP sockets are read from ``/proc/<pid>/net/tcp*``
  (its own network namespace) and matched to its open file descriptors; and
  listening ports that appeared on the host meanwhile are reported with their
  owners (a port owned by no leftover belongs to someone else).

``tests/test_leaks.py`` uses :func:`run_checked` on small throwaway books.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

TAG_ENV = "GILREF_LEAKCHECK_TAG"
PR_SET_CHILD_SUBREAPER = 36
_LISTEN = "0A"
#: Seconds to wait for killed leftovers to disappear (SIGKILL is quick; a loaded machine is not).
KILL_WAIT = 30.0


@dataclass
class Leftover:
    pid: int
    cmdline: str
    ports: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        ports = f" listening on {', '.join(self.ports)}" if self.ports else ""
        return f"pid {self.pid}{ports}: {self.cmdline[:200]}"


@dataclass
class Report:
    returncode: int
    leftovers: list[Leftover]
    new_ports: dict[str, list[int]]  # host listeners that appeared during the run -> owner pids
    seconds: float

    @property
    def clean(self) -> bool:
        return not self.leftovers

    def describe(self) -> str:
        lines = [f"leakcheck: command exited {self.returncode} after {self.seconds:.1f} s"]
        if self.leftovers:
            lines.append(f"leakcheck: {len(self.leftovers)} process(es) left alive by the command:")
            lines += [f"  {leftover}" for leftover in self.leftovers]
        else:
            lines.append("leakcheck: no process left alive, no port left listening")
        others = {p: o for p, o in self.new_ports.items() if not set(o) & {x.pid for x in self.leftovers}}
        if others:
            lines.append(f"leakcheck: note: {len(others)} listening port(s) appeared meanwhile, owned by "
                         f"processes this command did not start: {', '.join(sorted(others))}")
        return "\n".join(lines)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def tagged_pids(tag: str) -> list[int]:
    """Processes (other than this one) whose environment holds ``GILREF_LEAKCHECK_TAG=tag``."""
    needle = f"{TAG_ENV}={tag}".encode()
    me = os.getpid()
    out = []
    for pid in _pids():
        if pid == me:
            continue
        if needle in _read(f"/proc/{pid}/environ").split(b"\0") and not _is_zombie(pid):
            out.append(pid)
    return out


def _exists(pid: int) -> bool:
    """True while *pid* is a process that is not yet a zombie."""
    return os.path.exists(f"/proc/{pid}") and not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    stat = _read(f"/proc/{pid}/stat").decode(errors="replace")
    after = stat.rpartition(")")[2].split()
    return bool(after) and after[0] in ("Z", "X")


def _children(pid: int) -> list[int]:
    out = []
    for p in _pids():
        stat = _read(f"/proc/{p}/stat").decode(errors="replace")
        after = stat.rpartition(")")[2].split()
        if len(after) > 1 and after[1] == str(pid) and after[0] not in ("Z", "X"):
            out.append(p)
    return out


def _cmdline(pid: int) -> str:
    return _read(f"/proc/{pid}/cmdline").replace(b"\0", b" ").decode(errors="replace").strip() or f"[{pid}]"


def _listening(table: str) -> dict[str, str]:
    """inode -> "addr:port" of the listening TCP sockets in a /proc/.../net/tcp* table."""
    out = {}
    for line in _read(table).decode(errors="replace").splitlines()[1:]:
        cols = line.split()
        if len(cols) > 9 and cols[3] == _LISTEN:
            addr, port = cols[1].rsplit(":", 1)
            out[cols[9]] = f"{_addr(addr)}:{int(port, 16)}"
    return out


def _addr(hexaddr: str) -> str:
    if len(hexaddr) == 8:
        return ".".join(str(b) for b in bytes.fromhex(hexaddr)[::-1])
    return "[" + hexaddr.lower() + "]"  # IPv6, kept raw: only used for reporting


def _socket_inodes(pid: int) -> set[str]:
    out = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[8:-1])
    return out


def ports_of(pid: int) -> list[str]:
    """The TCP ports *pid* listens on (in its own network namespace)."""
    table = {**_listening(f"/proc/{pid}/net/tcp"), **_listening(f"/proc/{pid}/net/tcp6")}
    return sorted(table[i] for i in _socket_inodes(pid) if i in table)


def host_listeners() -> dict[str, list[int]]:
    """Listening TCP sockets of this network namespace: "addr:port" -> owner pids."""
    table = {**_listening("/proc/net/tcp"), **_listening("/proc/net/tcp6")}
    owners: dict[str, list[int]] = {v: [] for v in table.values()}
    for pid in _pids():
        for inode in _socket_inodes(pid) & set(table):
            owners[table[inode]].append(pid)
    return owners


def set_subreaper(on: bool) -> bool:
    """Make orphaned descendants of this process its children (Linux), or stop; False if not possible."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1 if on else 0, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def run_checked(cmd: Sequence[str], *, grace: float = 30.0, timeout: float | None = None,
                cwd: str | Path | None = None, env: dict[str, str] | None = None,
                capture: bool = False, kill: bool = True) -> tuple[Report, subprocess.CompletedProcess[str]]:
    """Run *cmd*, wait up to *grace* seconds for its processes to end, report what is left.

    :param kill: SIGKILL the leftovers after reporting them (they were started by *cmd*).
    """
    tag = uuid.uuid4().hex
    subreaper = set_subreaper(True)
    earlier_children = set(_children(os.getpid()))  # e.g. a multiprocessing helper of the caller
    before = host_listeners()
    started = time.monotonic()
    full_env = {**(env if env is not None else os.environ), TAG_ENV: tag}
    # Output goes to files, not pipes: a leftover holding the pipe would keep us waiting for it.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        returncode = subprocess.run(list(cmd), cwd=cwd, env=full_env, timeout=timeout,
                                    stdout=out if capture else None, stderr=err if capture else None,
                                    stdin=subprocess.DEVNULL, check=False).returncode
        out.seek(0)
        err.seek(0)
        proc = subprocess.CompletedProcess(list(cmd), returncode, out.read() if capture else None,
                                           err.read() if capture else None)
    seconds = time.monotonic() - started
    deadline = time.monotonic() + grace
    while True:
        _reap()
        alive = set(tagged_pids(tag))
        if subreaper:
            alive |= set(_children(os.getpid())) - earlier_children
        if not alive or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    leftovers = [Leftover(pid, _cmdline(pid), ports_of(pid)) for pid in sorted(alive)]
    if subreaper and not kill:
        set_subreaper(False)
    after = host_listeners()
    new_ports = {port: owners for port, owners in after.items() if port not in before}
    report = Report(proc.returncode, leftovers, new_ports, seconds)
    if kill:
        for leftover in leftovers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(leftover.pid, signal.SIGKILL)
        # Wait until the killed processes are gone (or zombies, reaped here), not a fixed while.
        killed_by = time.monotonic() + KILL_WAIT
        while True:
            _reap()
            if not any(_exists(leftover.pid) for leftover in leftovers) or time.monotonic() >= killed_by:
                break
            time.sleep(0.02)
        if subreaper:
            set_subreaper(False)
    return report, proc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grace", type=float, default=5.0,
                        help="seconds to wait for the command's processes to end (default: 5)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        parser.error("no command given")
    report, _ = run_checked(cmd, grace=args.grace)
    print(report.describe(), flush=True)
    if report.returncode != 0:
        return report.returncode
    return 0 if report.clean else 1


if __name__ == "__main__":
    sys.exit(main())
