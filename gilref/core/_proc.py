"""Run a child process with a deadline, killing its whole process group on overshoot."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence


class Overshoot(Exception):
    """The child overshot its deadline; it and its process group were killed."""


def run(
    cmd: Sequence[str],
    *,
    timeout: float,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Like :func:`subprocess.run` with ``capture_output=True, text=True``, but the
    child runs in a new session and on timeout its entire process group is killed
    (grandchildren included) before :class:`Overshoot` is raised."""
    proc = subprocess.Popen(
        list(cmd),
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.communicate()
        raise Overshoot(f"{cmd[0]} overshot {timeout:g} s") from None
    except BaseException:
        kill_group(proc)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)


def kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL *proc*'s process group (it leads one: started with a new session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
