"""Fetch Debian packages through a private apt configuration.

gilref needs a few files that Debian packages carry (CPython's source for the
free-threaded build, the Python and NumPy documentation inventories) from a
newer Debian release than the host runs. :class:`PrivateApt` runs ``apt-get``
against a sources list, package lists and cache of its own, under a directory
gilref owns, so nothing on the system changes. The mirror and keyring are read
from the system's own apt configuration (:func:`system_mirror`,
:func:`system_keyring`); no host name is written into gilref.

Standard library only.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AptError",
    "AptSource",
    "PrivateApt",
    "extract_member",
    "parse_sources",
    "system_keyring",
    "system_mirror",
]

DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
APT_ROOT = "/etc/apt"


class AptError(RuntimeError):
    """apt could not be used or did not deliver (the message says what was tried)."""


@dataclass(frozen=True)
class AptSource:
    """One entry of an apt sources file: its URIs, suites and keyring."""

    types: tuple[str, ...]
    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None


def parse_sources(deb822: Iterable[str] = (), one_line: Iterable[str] = ()) -> list[AptSource]:
    """Parse apt sources: *deb822* texts (``.sources`` files) and *one_line*
    texts (``sources.list`` style). Disabled entries are skipped."""
    out: list[AptSource] = []
    for text in deb822:
        for stanza in re.split(r"\n\s*\n", text):
            fields: dict[str, str] = {}
            key = None
            for line in stanza.splitlines():
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                if line[0] in " \t" and key:
                    fields[key] += " " + line.strip()
                    continue
                key, _, value = line.partition(":")
                key = key.strip().lower()
                fields[key] = value.strip()
            if not fields.get("uris") or fields.get("enabled", "yes").lower() == "no":
                continue
            out.append(AptSource(
                types=tuple(fields.get("types", "deb").split()),
                uris=tuple(fields["uris"].split()),
                suites=tuple(fields.get("suites", "").split()),
                components=tuple(fields.get("components", "").split()),
                signed_by=fields.get("signed-by") or None,
            ))
    for text in one_line:
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            m = re.match(r"^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$", line)
            if not m:
                continue
            options = dict(
                opt.split("=", 1) for opt in (m.group(2) or "").split() if "=" in opt
            )
            out.append(AptSource(
                types=(m.group(1),),
                uris=(m.group(3),),
                suites=(m.group(4),),
                components=tuple(m.group(5).split()),
                signed_by=options.get("signed-by"),
            ))
    return out


def _system_sources(apt_root: str = APT_ROOT) -> list[AptSource]:
    deb822, one_line = [], []
    for path in sorted(glob.glob(os.path.join(apt_root, "sources.list.d", "*.sources"))):
        deb822.append(Path(path).read_text(encoding="utf-8", errors="replace"))
    lists = sorted(glob.glob(os.path.join(apt_root, "sources.list.d", "*.list")))
    for path in [os.path.join(apt_root, "sources.list"), *lists]:
        if os.path.exists(path):
            one_line.append(Path(path).read_text(encoding="utf-8", errors="replace"))
    return parse_sources(deb822, one_line)


def _is_main_archive(src: AptSource) -> bool:
    return any(not s.endswith(("-security", "/updates")) for s in src.suites) and not any(
        "security" in u for u in src.uris
    )


def system_mirror(apt_root: str = APT_ROOT) -> str | None:
    """The Debian archive mirror this system's apt uses (first main-archive URI)."""
    for src in _system_sources(apt_root):
        if _is_main_archive(src):
            return src.uris[0].rstrip("/")
    return None


def system_keyring(apt_root: str = APT_ROOT) -> str | None:
    """The keyring that signs the system's main archive, or Debian's default keyring."""
    for src in _system_sources(apt_root):
        if _is_main_archive(src) and src.signed_by and os.path.exists(src.signed_by):
            return src.signed_by
    return DEFAULT_KEYRING if os.path.exists(DEFAULT_KEYRING) else None


class PrivateApt:
    """``apt-get`` with a private sources list, lists and cache under *root*.

    :param root: a directory gilref owns (created if needed).
    :param suite: the Debian suite to use, e.g. ``"trixie"``.
    :param mirror: the archive URI (default: :func:`system_mirror`).
    :param keyring: the archive keyring (default: :func:`system_keyring`).
    """

    def __init__(
        self,
        root: str | Path,
        suite: str = "trixie",
        *,
        mirror: str | None = None,
        keyring: str | None = None,
        apt_get: str | None = None,
    ) -> None:
        self.root = Path(root)
        self.suite = suite
        self.mirror = mirror or system_mirror()
        self.keyring = keyring or system_keyring()
        self.apt_get = apt_get or shutil.which("apt-get")

    def check(self) -> None:
        """Raise :class:`AptError` saying what is missing, if anything."""
        if not self.apt_get:
            raise AptError("apt-get is not installed (not a Debian-like system)")
        if not self.mirror:
            raise AptError(f"no Debian mirror found in the system's apt configuration ({APT_ROOT})")
        if not self.keyring:
            raise AptError(f"no archive keyring found (looked for {DEFAULT_KEYRING})")

    def sources_list(self) -> str:
        """The private sources list: binary and source entries of the suite."""
        opts = f"[signed-by={self.keyring}]"
        return (
            f"deb {opts} {self.mirror} {self.suite} main\n"
            f"deb-src {opts} {self.mirror} {self.suite} main\n"
        )

    def options(self) -> list[str]:
        """``-o`` options that point apt at the private state instead of the system's."""
        r = self.root
        return [
            "-o", f"Dir::Etc::SourceList={r / 'sources.list'}",
            "-o", "Dir::Etc::SourceParts=/dev/null",
            "-o", f"Dir::State::Lists={r / 'lists'}",
            "-o", f"Dir::Cache={r / 'cache'}",
            "-o", "Dir::State::status=/dev/null",
            "-o", "Debug::NoLocking=1",
        ] + (["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else [])

    def _run(self, args: Sequence[str], cwd: Path, timeout: float) -> None:
        assert self.apt_get
        cmd = [self.apt_get, "-q", *self.options(), *args]
        try:
            proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AptError(f"apt-get {' '.join(args)} took longer than {timeout:g} s") from None
        if proc.returncode != 0:
            tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
            raise AptError(f"apt-get {' '.join(args)} failed (exit {proc.returncode}): {tail}")

    def update(self, timeout: float = 300.0) -> None:
        """Fetch the suite's package lists into the private lists directory."""
        self.check()
        (self.root / "lists" / "partial").mkdir(parents=True, exist_ok=True)
        (self.root / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
        (self.root / "sources.list").write_text(self.sources_list(), encoding="utf-8")
        self._run(["update"], self.root, timeout)

    def download(self, package: str, dest: str | Path, timeout: float = 600.0) -> list[Path]:
        """Download the binary package *package* (a ``.deb``) into *dest*."""
        return self._fetch(["download", package], package, dest, timeout)

    def source(self, package: str, dest: str | Path, timeout: float = 600.0) -> list[Path]:
        """Download the source package *package* (``apt-get source --download-only``)."""
        return self._fetch(["source", "--download-only", package], package, dest, timeout)

    def _fetch(self, args: list[str], package: str, dest: str | Path, timeout: float) -> list[Path]:
        if not re.match(r"^[a-z0-9][a-z0-9.+-]+$", package):
            raise ValueError(f"not a Debian package name: {package!r}")
        target = Path(dest)
        target.mkdir(parents=True, exist_ok=True)
        if not (self.root / "sources.list").exists():
            self.update()
        before = set(target.iterdir())
        self._run(args, target, timeout)
        return sorted(set(target.iterdir()) - before)


def extract_member(deb: str | Path, member_suffix: str, dest: str | Path, timeout: float = 120.0) -> Path:
    """Extract the file ending in *member_suffix* from a ``.deb`` to *dest* (a file path).

    Uses ``dpkg-deb --fsys-tarfile`` and :mod:`tarfile`; raises :class:`AptError`
    if the member is absent.
    """
    import io
    import tarfile

    dpkg = shutil.which("dpkg-deb")
    if not dpkg:
        raise AptError("dpkg-deb is not installed")
    try:
        proc = subprocess.run([dpkg, "--fsys-tarfile", str(deb)], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AptError(f"dpkg-deb took longer than {timeout:g} s on {deb}") from None
    if proc.returncode != 0:
        raise AptError(f"dpkg-deb could not read {deb}: {proc.stderr.decode(errors='replace').strip()}")
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        for info in tar.getmembers():
            if info.isfile() and info.name.endswith(member_suffix):
                fh = tar.extractfile(info)
                assert fh is not None
                out = Path(dest)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(fh.read())
                return out
    raise AptError(f"{Path(deb).name} holds no file ending in {member_suffix}")
