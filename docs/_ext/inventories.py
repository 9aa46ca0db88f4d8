"""Intersphinx inventories that work offline.

The book links to the Python and NumPy documentation. Sphinx needs each
project's ``objects.inv`` to do that, and the build host may have no internet.
:func:`ensure_inventories` puts them in gilref's cache: from Debian's
documentation packages (fetched through :class:`gilref.provision.debian.PrivateApt`, so the
system is not changed), or else from the projects' own sites. ``conf.py`` only
*reads* the cache; the ``docs`` nox session calls this module before building,
while the network is still there.

Run as ``python docs/_ext/inventories.py`` to fill the cache.
"""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gilref.core.paths import cache_dir  # noqa: E402
from gilref.provision.debian import AptError, PrivateApt, extract_member  # noqa: E402

#: name -> (documentation base URL, Debian package (trixie), file in the package)
INVENTORIES = {
    "python": ("https://docs.python.org/3.13", "python3.13-doc", "html/objects.inv"),
    "numpy": ("https://numpy.org/doc/2.2", "python-numpy-doc", "html/objects.inv"),
}


def inventory_dir() -> Path:
    return cache_dir() / "inventories"


def cached_inventories() -> dict[str, tuple[str, Path]]:
    """The inventories already in the cache: ``name -> (base URL, file)``."""
    out = {}
    for name, (url, _pkg, _member) in INVENTORIES.items():
        path = inventory_dir() / f"{name}.inv"
        if path.is_file() and path.stat().st_size > 0:
            out[name] = (url, path)
    return out


def ensure_inventories(log=print) -> dict[str, tuple[str, Path]]:
    """Fetch every inventory missing from the cache; return what the cache holds."""
    have = cached_inventories()
    missing = [n for n in INVENTORIES if n not in have]
    if not missing:
        return have
    inv_dir = inventory_dir()
    inv_dir.mkdir(parents=True, exist_ok=True)
    apt = PrivateApt(cache_dir() / "apt-trixie")
    for name in missing:
        url, package, member = INVENTORIES[name]
        target = inv_dir / f"{name}.inv"
        try:
            debs = apt.download(package, inv_dir / "debs")
            extract_member(debs[0], member, target)
            for deb in debs:
                deb.unlink()
            log(f"inventory {name}: from Debian package {package}")
            continue
        except (AptError, OSError, IndexError) as exc:
            log(f"inventory {name}: Debian package {package} unavailable ({exc})")
        try:
            with urllib.request.urlopen(f"{url}/objects.inv", timeout=20) as resp:
                target.write_bytes(resp.read())
            log(f"inventory {name}: downloaded from {url}")
        except OSError as exc:
            log(f"inventory {name}: not available ({exc}); links to {name} stay plain text")
    return cached_inventories()


if __name__ == "__main__":
    found = ensure_inventories()
    print(f"{len(found)} of {len(INVENTORIES)} inventories cached in {inventory_dir()}")
