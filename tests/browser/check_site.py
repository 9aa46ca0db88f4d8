"""Every page of the built book, opened in headless Chromium (``nox -s browser``).

For each page: no console error, no failed request, no request leaving
127.0.0.1 (seen in Chrome DevTools' performance log, which lists every network
request the page makes), every image loaded, every chart an SVG with alt text,
a copy button on every code block, every local link pointing at a file that
exists, the footer naming the edition's host and linking its JSON. A full-page
screenshot of each page is kept in ``_build/screenshots/``.
"""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from .conftest import ROOT, SCREENSHOTS, SITE, Site, Stats, site_pages

#: URL schemes a page may use without a network request (inline data, blobs).
INLINE_SCHEMES = ("data", "blob", "about")
#: sphinx-copybutton's default selector: every code block it should decorate.
COPYBUTTON_SELECTOR = "div.highlight pre"
SETTLE_S = 0.6  # the page is settled when no request has started for this long
SETTLE_MAX_S = 15.0

PAGE_FACTS_JS = """
const imgs = Array.from(document.images).map(i => ({
  src: i.currentSrc || i.src, complete: i.complete, width: i.naturalWidth,
  alt: i.getAttribute('alt'), in_article: !!i.closest('article')}));
const blocks = Array.from(document.querySelectorAll(arguments[0]));
const withButton = blocks.filter(pre => {
  const box = pre.closest('div.highlight') || pre.parentElement;
  return !!box.querySelector('button.copybtn');
}).length;
const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));
const footer = document.querySelector('.gilref-edition');
return {images: imgs, code_blocks: blocks.length, copy_buttons: withButton, links: links,
        footer: footer ? footer.textContent : null,
        footer_link: footer && footer.querySelector('a') ? footer.querySelector('a').href : null,
        ready: document.readyState, title: document.title};
"""


def _network_events(driver: Any) -> list[dict[str, Any]]:
    out = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method", "").startswith("Network."):
            out.append(message)
    return out


def _settle(driver: Any) -> list[dict[str, Any]]:
    """Collect network events until the page has started no request for SETTLE_S seconds."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + SETTLE_MAX_S
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        fresh = _network_events(driver)
        events += fresh
        if any(e["method"] == "Network.requestWillBeSent" for e in fresh):
            quiet_since = time.monotonic()
        images_done = driver.execute_script(
            "return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)")
        if images_done and time.monotonic() - quiet_since >= SETTLE_S:
            break
        time.sleep(0.15)
    return events


def _screenshot(driver: Any, target: Path) -> None:
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    width, height = int(size["width"]), min(int(size["height"]), 16000)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(base64.b64decode(shot["data"]))


def _local_target(page_url: str, href: str, site: Site) -> Path | None:
    """The file a relative link on *page_url* points at, or None for outside/anchor links."""
    if not href or href.startswith("#"):
        return None
    url = urllib.parse.urljoin(page_url, href)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != f"127.0.0.1:{site.port}":
        return None
    path = SITE / urllib.parse.unquote(parts.path).lstrip("/")
    return path / "index.html" if parts.path.endswith("/") else path


def test_page(page: str, site: Site, browser: Any, stats: Stats) -> None:
    assert page != "<no site built>", f"no built site in {SITE}: run python3 -m nox -s docs first"
    url = site.base + page
    browser.get_log("performance")
    browser.get_log("browser")
    browser.get(url)
    events = _settle(browser)
    facts = browser.execute_script(PAGE_FACTS_JS, COPYBUTTON_SELECTOR)
    console = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    _screenshot(browser, SCREENSHOTS / (page[: -len(".html")] + ".png"))

    requests = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
    outside = []
    for r in requests:
        parts = urllib.parse.urlsplit(r)
        if parts.scheme in INLINE_SCHEMES:
            continue
        if parts.scheme not in ("http", "https") or parts.hostname != "127.0.0.1":
            outside.append(r)
    failed = [
        f"{e['params'].get('errorText')} ({e['params'].get('type')})"
        for e in events if e["method"] == "Network.loadingFailed"
    ]
    failed += [
        f"HTTP {e['params']['response']['status']} {e['params']['response']['url']}"
        for e in events
        if e["method"] == "Network.responseReceived" and e["params"]["response"]["status"] >= 400
    ]
    images = facts["images"]
    broken = [i["src"] for i in images if not i["complete"] or i["width"] == 0]
    # Content images (charts) live in _images/ or inline; the theme's own icons in _static/.
    charts = [i for i in images if i["in_article"] and "/_static/" not in i["src"]]
    no_alt = [i["src"] for i in charts if not (i["alt"] or "").strip()]
    not_svg = [i["src"] for i in charts
               if not (urllib.parse.urlsplit(i["src"]).path.endswith(".svg") or i["src"].startswith("data:image/svg"))]
    dead_links = sorted({h for h in facts["links"]
                         if (t := _local_target(url, h, site)) is not None and not t.exists()})

    stats.add(page, requests=requests, outside=outside, failed=failed,
              console_errors=[e["message"] for e in console], images=len(images),
              code_blocks=facts["code_blocks"], copy_buttons=facts["copy_buttons"])

    problems = []
    if outside:
        problems.append(f"requests leaving 127.0.0.1: {outside}")
    if failed:
        problems.append(f"failed requests: {failed}")
    if console:
        problems.append(f"console errors: {[e['message'] for e in console]}")
    if broken:
        problems.append(f"images that did not load: {broken}")
    if no_alt:
        problems.append(f"charts without alt text: {no_alt}")
    if not_svg:
        problems.append(f"charts that are not SVG: {not_svg}")
    if facts["copy_buttons"] != facts["code_blocks"]:
        problems.append(f"{facts['code_blocks'] - facts['copy_buttons']} of {facts['code_blocks']} code blocks "
                        "have no copy button")
    if dead_links:
        problems.append(f"links to missing files: {dead_links}")
    footer = facts["footer"] or ""
    if "This edition was measured on" not in footer or "commit" not in footer:
        problems.append(f"the footer does not state the edition's host and commit: {footer!r}")
    if not (facts["footer_link"] or "").endswith("_static/edition.json"):
        problems.append("the footer does not link edition.json")
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)


def test_every_page_was_checked(site: Site) -> None:
    pages = site_pages()
    assert "index.html" in pages and len(pages) >= 3
    served = {p.split("?")[0].lstrip("/") for p, code in site.served if code == 200}
    missing = [p for p in pages if p not in served]
    assert not missing, f"pages never requested by the browser: {missing}"


def test_edition_json_is_served_and_comparable(site: Site, tmp_path: Path) -> None:
    url = site.base + "_static/edition.json"
    with urllib.request.urlopen(url, timeout=10) as resp:
        edition = json.loads(resp.read())
    assert edition["format"] == "gilref-edition" and edition["version"] == 1
    info = edition["edition"]
    assert info["host"]["cpu_model"] is not None or info["host"]["cpu_count"]
    assert info["python_builds"], "no Python build recorded"
    assert set(info["chapters"]) == set(edition["chapters"]) and info["chapters"]
    # The comparison works on the URL of the served site as on the file.
    proc = subprocess.run([sys.executable, "-m", "gilref", "compare", str(SITE / "_static" / "edition.json"),
                           site.base, "--plot", str(tmp_path / "chart.svg")],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "countdown on threads" in proc.stdout and "Reading" in proc.stdout
    assert (tmp_path / "chart.svg").read_text().lstrip().startswith(("<?xml", "<svg"))


def test_execution_table_lists_every_chapter_with_its_run_time(site: Site) -> None:
    text = (SITE / "execution.html").read_text(encoding="utf-8")
    edition = json.loads((SITE / "_static" / "edition.json").read_text(encoding="utf-8"))
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", text, re.S)
    cells = [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
              for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)] for r in rows]
    header = next(c for c in cells if "run time (s)" in c)
    col, id_col = header.index("run time (s)"), header.index("execution id")
    rows_by_chapter = {row[0]: row for row in cells if row is not header and len(row) == len(header)}
    from gilref.book.edition import execution_id

    for chapter in edition["edition"]["chapters"]:
        assert chapter in rows_by_chapter, f"chapter {chapter} missing from the execution table"
        assert float(rows_by_chapter[chapter][col]) >= 0
        # the execution the table names is the one edition.json holds for the chapter
        assert rows_by_chapter[chapter][id_col] == execution_id(edition["chapters"][chapter].get("execution"))
