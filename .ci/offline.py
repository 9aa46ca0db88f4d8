"""Run a command with no network but loopback: in a new network namespace where only ``lo`` is up.

Usage::

    python3 .ci/offline.py --check           # can this host do it? (exit 0 yes, 3 no, with the reason)
    python3 .ci/offline.py -- COMMAND [ARGS...]

It re-runs itself under ``unshare -n`` (as root) or ``unshare -rn`` (an
unprivileged user namespace), brings ``lo`` up with an ioctl (no ``ip``
needed), checks that no other interface exists and that an outside address is
unreachable, then replaces itself with COMMAND. Exit status 3 means the host
cannot make such a namespace (a container without the capability, user
namespaces disabled); the caller should say so rather than fail.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys

CANNOT = 3
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def _lo_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14s", b"lo", 0, b"\0" * 14)
        flags = struct.unpack("16sH14s", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b"\0" * 14))


def _verify() -> str:
    """Check the namespace: only lo, loopback works, the outside does not. Returns a summary."""
    interfaces = sorted(name for _index, name in socket.if_nameindex())
    if interfaces != ["lo"]:
        raise SystemExit(f"offline: expected only the loopback interface, found {interfaces}")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only, nothing is sent
        except OSError:
            pass
        else:
            raise SystemExit("offline: an outside address is routable inside the namespace")
    return "network namespace with only loopback up (lo works, no route outside)"


def _inside(cmd: list[str]) -> int:
    _lo_up()
    print(f"offline: {_verify()}", flush=True)
    if not cmd:
        return 0
    os.execvp(cmd[0], cmd)
    return 127  # not reached


def _unshare_variants() -> list[list[str]]:
    unshare = shutil.which("unshare")
    if not unshare:
        return []
    variants = [[unshare, "-n"]] if os.geteuid() == 0 else []
    return [*variants, [unshare, "-r", "-n"]]


def _find_variant() -> tuple[list[str] | None, str]:
    if not sys.platform.startswith("linux"):
        return None, f"network namespaces are a Linux feature; this is {sys.platform}"
    variants = _unshare_variants()
    if not variants:
        return None, "the unshare command (util-linux) is not installed"
    errors = []
    for variant in variants:
        proc = subprocess.run([*variant, sys.executable, __file__, "--inside"], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        if proc.returncode == 0:
            return variant, proc.stdout.strip()
        errors.append(f"{' '.join(variant[1:] and ['unshare', *variant[1:]])}: "
                      f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:] or ['failed']}")
    return None, "cannot create a network namespace here (" + "; ".join(errors) + ")"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--inside"]:
        rest = argv[1:]
        return _inside(rest[1:] if rest[:1] == ["--"] else rest)
    if argv[:1] == ["--check"]:
        variant, message = _find_variant()
        print(message if variant else f"offline: not possible: {message}")
        return 0 if variant else CANNOT
    cmd = argv[1:] if argv[:1] == ["--"] else argv
    if not cmd:
        print(__doc__)
        return 2
    variant, message = _find_variant()
    if variant is None:
        print(f"offline: not possible: {message}", file=sys.stderr)
        return CANNOT
    os.execvp(variant[0], [*variant, sys.executable, __file__, "--inside", "--", *cmd])
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
