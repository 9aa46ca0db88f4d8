"""What cannot be sent to a worker: a lambda, and a function defined in ``__main__`` under spawn.

Both are captured from real runs as text for the page.
"""

from __future__ import annotations

import os
import sys
import tempfile
import textwrap
from concurrent.futures import TimeoutError as FuturesTimeout
from pathlib import Path
from typing import Any

from ...core import _proc
from ...core._checks import check_choice, check_seconds
from ._pools import context, managed_pool, method_of, start_methods
from ._text import condense_traceback, exception_text
from ._workers import add_one, apply, square


def unpicklable_error(start_method: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """Send a lambda to a worker process and capture what goes wrong.

    ``pool.submit(apply, add_one, 41)``, where :data:`add_one` is a lambda: the
    pool must pickle the lambda to send it, and a lambda has no importable
    name, so pickling fails. The error reaches the caller through the future;
    the pool itself survives.

    :param timeout: seconds each call to the worker may take.
    :returns: ``{"call": ..., "error": <the exception's last line(s)>,
        "type": <its class name>, "pool_still_works": bool, "start_method": ...}``.
    """
    check_seconds("timeout", timeout, allow_zero=False)
    ctx = context(start_method)
    with managed_pool(1, start_method) as pool:
        future = pool.submit(apply, add_one, 41)
        try:
            future.result(timeout)
        except FuturesTimeout:
            raise
        except Exception as exc:
            error, kind = exception_text(exc), type(exc).__name__
        else:  # pragma: no cover - would mean lambdas became picklable
            error, kind = "(no error: the lambda was sent)", ""
        works = pool.submit(square, 7).result(timeout) == 49
    return {"call": "pool.submit(apply, add_one, 41)", "error": error, "type": kind,
            "pool_still_works": works, "start_method": method_of(ctx)}


#: A script whose worker function is defined in ``__main__``, run with ``python -c``
#: (as in a notebook or an interactive session: ``__main__`` is not a file).
_MAIN_FUNCTION_SCRIPT = '''\
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

def work(x):
    return x * x

if __name__ == "__main__":
    ctx = multiprocessing.get_context("{method}")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        print(pool.submit(work, 7).result(timeout=30))
'''

#: The same script saved as a file but without the ``__main__`` guard.
_UNGUARDED_SCRIPT = '''\
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

def work(x):
    return x * x

ctx = multiprocessing.get_context("{method}")
with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
    print(pool.submit(work, 7).result(timeout=30))
'''


def main_module_errors(start_method: str = "spawn", timeout: float = 60.0) -> list[dict[str, Any]]:
    """Run three tiny scripts under *start_method* as child processes and capture what they print.

    1. ``"function in interactive __main__"``: the worker function is defined
       in code run with ``python -c`` (as in a notebook cell or the REPL). A
       spawned worker starts a fresh interpreter, cannot import that
       ``__main__``, fails to unpickle the task and dies; the parent gets
       :class:`~concurrent.futures.process.BrokenProcessPool`.
    2. ``"script without the main guard"``: the same code saved as a file but
       without ``if __name__ == "__main__":``. The spawned worker imports the
       file, which tries to start a pool of its own while the worker is still
       starting up.
    3. ``"script with the main guard"``: the same file with the guard works.

    With ``fork`` the first two work, because the worker is a copy of the
    parent that already has the function; that is why code that ran fine on
    Linux (fork, the default before Python 3.14) fails on macOS, Windows and
    Python 3.14+.

    Each run is killed after *timeout* seconds (its whole process group).

    :returns: one dict per script: ``case``, ``command``, ``script``,
        ``returncode``, ``stdout``, ``stderr`` (with the standard library's
        traceback frames folded, see :func:`condense_traceback`),
        ``stderr_full``, ``ok``.
    """
    check_choice("start_method", start_method, tuple(start_methods()))
    check_seconds("timeout", timeout, allow_zero=False)
    cases = [
        ("function in interactive __main__", _MAIN_FUNCTION_SCRIPT, "-c"),
        ("script without the main guard", _UNGUARDED_SCRIPT, "file"),
        ("script with the main guard", _MAIN_FUNCTION_SCRIPT, "file"),
    ]
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gilref-main-") as tmp:
        for case, template, how in cases:
            script = template.format(method=start_method)
            if how == "-c":
                cmd = [sys.executable, "-c", script]
                shown = 'python -c "<the script>"'
            else:
                path = Path(tmp) / "work.py"
                path.write_text(script, encoding="utf-8")
                cmd = [sys.executable, str(path)]
                shown = "python work.py"
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSTARTUP", "PYTHONINSPECT")}
            try:
                proc = _proc.run(cmd, timeout=timeout, env=env, cwd=tmp)
            except _proc.Overshoot:
                out.append({"case": case, "command": shown, "script": script, "returncode": None,
                            "stdout": "", "stderr": f"(killed after {timeout:g} s)", "ok": False})
                continue
            full = proc.stderr.replace(tmp + os.sep, "").strip()
            out.append({"case": case, "command": shown, "script": script, "returncode": proc.returncode,
                        "stdout": proc.stdout.strip(), "stderr": condense_traceback(full), "stderr_full": full,
                        "ok": proc.returncode == 0 and proc.stdout.strip() == "49"})
    return out


def script_template(name: str) -> str:
    """The text of one of the tiny scripts :func:`main_module_errors` runs (for showing on a page).

    :param name: ``"interactive"`` or ``"unguarded"``.
    """
    check_choice("name", name, ("interactive", "unguarded"))
    template = _MAIN_FUNCTION_SCRIPT if name == "interactive" else _UNGUARDED_SCRIPT
    return textwrap.dedent(template.format(method="spawn"))
