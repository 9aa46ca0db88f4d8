"""Fixtures of the browser test (``nox -s browser``): the built site served on
127.0.0.1 and one headless Chromium driven through selenium.

The files here are named ``check_*.py`` so that the default test run (``nox -s
tests``), which needs no browser and no built site, does not collect them.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

SITE = Path(os.environ.get("GILREF_SITE", ROOT / "_build" / "html"))
SCREENSHOTS = Path(os.environ.get("GILREF_SCREENSHOTS", ROOT / "_build" / "screenshots"))

#: Chromium flags: headless, and nothing that phones home (no sync, updates, field trials...).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--window-size=1280,900",
    # Belt and braces: no host name resolves except the loopback address, so even a
    # request the test is about to flag cannot leave this machine.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

INSTALL_HINT = ("install Debian's chromium and chromium-driver (as root: apt-get install -y chromium "
                "chromium-driver) or point GILREF_CHROMIUM and GILREF_CHROMEDRIVER at a Chromium and its driver")


def site_pages(site: Path = SITE) -> list[str]:
    """Every HTML page of the built site, as paths relative to its root."""
    skip = {"_static", "_sources", "_images", "_downloads", ".doctrees", "jupyter_execute"}
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                  if not skip.intersection(p.relative_to(site).parts))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "page" in metafunc.fixturenames:
        pages = site_pages() if (SITE / "index.html").is_file() else []
        metafunc.parametrize("page", pages or ["<no site built>"])


class _Handler(http.server.SimpleHTTPRequestHandler):
    served: list[tuple[str, int]]

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        self.served.append((self.path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Site:
    """The built site served on 127.0.0.1 (an OS-chosen port) from a thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.served: list[tuple[str, int]] = []
        handler = type("Handler", (_Handler,), {"served": self.served})
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="site-server", daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site in {SITE}: build it first (python3 -m nox -s docs)")
    with Site(SITE) as served:
        yield served


def _executable(env: str, *names: str) -> str | None:
    if os.environ.get(env):
        return os.environ[env]
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser(site: Site) -> Iterator[Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is missing: install the 'browser' dependency group (python3 -m nox -s browser does)")
    chromium = _executable("GILREF_CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    driver_path = _executable("GILREF_CHROMEDRIVER", "chromedriver")
    if not chromium or not driver_path:
        pytest.fail(f"no Chromium or no chromedriver found: {INSTALL_HINT}")
    profile = tempfile.mkdtemp(prefix="gilref-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    log = SCREENSHOTS / "chromedriver.log"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # An explicit driver path: selenium does not look for (or download) a driver itself.
    service = Service(driver_path, log_output=str(log))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    # Drop what the browser did before the first page: drain its logs until they stay empty
    # for half a second (waiting on the browser going quiet, with a deadline, not a fixed sleep).
    driver.get("about:blank")
    deadline = time.monotonic() + 30
    quiet_since = time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - quiet_since < 0.5:
        if driver.get_log("performance") or driver.get_log("browser"):
            quiet_since = time.monotonic()
        time.sleep(0.05)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Stats:
    """What the browser test saw, for the summary and _build/screenshots/report.json."""

    def __init__(self) -> None:
        self.pages: dict[str, dict[str, Any]] = {}

    def add(self, page: str, **facts: Any) -> None:
        self.pages[page] = facts

    def totals(self) -> dict[str, Any]:
        keys = ("requests", "outside", "failed", "console_errors", "images", "code_blocks", "copy_buttons")
        out: dict[str, Any] = {"pages": len(self.pages)}
        for k in keys:
            out[k] = sum(len(p[k]) if isinstance(p.get(k), list) else int(p.get(k, 0)) for p in self.pages.values())
        return out


STATS = Stats()


@pytest.fixture(scope="session")
def stats() -> Stats:
    return STATS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not STATS.pages:
        return
    totals = STATS.totals()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "report.json").write_text(json.dumps({"totals": totals, "pages": STATS.pages}, indent=1) + "\n")
    terminalreporter.write_line(
        "browser: {pages} pages opened, {requests} requests ({outside} outside 127.0.0.1, {failed} failed), "
        "{console_errors} console errors, {images} images, {copy_buttons} copy buttons on {code_blocks} code blocks; "
        "screenshots in {where}".format(where=SCREENSHOTS, **totals))
