"""The dashboard in a real browser: headless Debian Chromium driven by Playwright.

Needs chromium, the playwright package and the shared screenshot tool
(``../shared/tools/screenshot_streamlit.py`` beside the repository). If one
is missing the tests are skipped, unless POOLEDFUND_REQUIRE_TOOLS is set (CI),
when they fail instead.
"""

from __future__ import annotations

import importlib.util
import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tools import require_tool

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard.py"
SCREENSHOT_TOOL = ROOT.parent / "shared" / "tools" / "screenshot_streamlit.py"
TITLE = "Pooled budget dashboard: who pays what if…"
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
READY_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'none';
  const skeletons = document.querySelectorAll('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]').length;
  return [app.getAttribute('data-test-connection-state'), app.getAttribute('data-test-script-state'),
          skeletons].join('|');
}"""


def chromium() -> str:
    """The Chromium to drive; skips (or, in CI, fails) when it or another needed tool is missing."""
    path = os.environ.get("CHROMIUM") or require_tool("chromium")
    for name, present in (("the playwright package", importlib.util.find_spec("playwright") is not None),
                          (str(SCREENSHOT_TOOL), SCREENSHOT_TOOL.is_file())):
        if not present:
            message = f"{name} is not installed"
            if os.environ.get("POOLEDFUND_REQUIRE_TOOLS"):
                pytest.fail(message + " (POOLEDFUND_REQUIRE_TOOLS is set)")
            pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app() -> Iterator[str]:
    """Start the dashboard on 127.0.0.1 in its own process group; stop only that group."""
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"streamlit exited with {process.returncode}"
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the dashboard did not answer its health check in 60 s"
            time.sleep(0.2)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def _wait_ready(page: object) -> None:
    deadline, stable = time.monotonic() + 60, 0
    while stable < 3:
        assert time.monotonic() < deadline, "the page did not finish running in 60 s"
        stable = stable + 1 if page.evaluate(READY_JS) == "CONNECTED|notRunning|0" else 0  # type: ignore[attr-defined]
        page.wait_for_timeout(200)  # type: ignore[attr-defined]


def test_the_screenshot_shows_the_dashboard_without_an_exception(tmp_path: Path) -> None:
    chromium()
    out = tmp_path / "dashboard.png"
    done = subprocess.run(
        [sys.executable, str(SCREENSHOT_TOOL), str(APP), str(out), "--full-page", "--wait-text", TITLE,
         "--timeout", "90"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 100_000  # a blank or skeleton page is a few kB


def test_in_a_browser_the_page_has_its_title_and_charts_and_reacts_to_a_slider() -> None:
    from playwright.sync_api import expect, sync_playwright

    executable = chromium()
    with running_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROME_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, wait_until="domcontentloaded", timeout=60_000)
            _wait_ready(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
            # the page opens on the Summary tab: the money flow as a table, no chart (plotly loads when a chart
            # tab is opened, so it never holds up the board summary); the tabs are lazy
            expect(page.get_by_role("tab", name="Summary", exact=True)).to_have_attribute("aria-selected", "true")
            expect(page.get_by_text("Left in the pool").first).to_be_visible()
            assert page.locator(".js-plotly-plot").count() == 0
            page.get_by_role("tab", name="Money flow", exact=True).click()
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
            expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=30_000)
            expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=30_000)
            page.get_by_role("tab", name="Spend").click()
            expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=30_000)
            _wait_ready(page)
            expect(page.get_by_text("Cumulative spend against budget").first).to_be_visible(timeout=30_000)
            # headline figures are short; the exact figure is on hover (the metric's help)
            expect(page.locator('[data-testid="stMetricValue"]').filter(has_text="£23.4m").first).to_be_visible()
            slider = page.get_by_role("slider", name="Inflation above plan (percentage points a year)")
            slider.press("ArrowRight")
            assert slider.input_value() == "0.5"
            # half a point more inflation: both partners now pay something more than the base
            expect(page.locator('[data-testid="stMetricValue"]').filter(has_text="+£").first).to_be_visible(
                timeout=30_000)
            _wait_ready(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            # the sign-off pack is built when asked for and downloads as a workbook
            with page.expect_download(timeout=60_000) as download:
                page.get_by_role("button", name="Download the Excel sign-off pack").click()
            assert download.value.suggested_filename == "bcf-northmoor_base+adhoc_sign_off.xlsx"
            data = Path(download.value.path()).read_bytes()
            assert data[:4] == b"PK\x03\x04"
            workbook = load_workbook(io.BytesIO(data), read_only=True)
            assert {"Cover", "Summary", "Risk share", "Checks"} <= set(workbook.sheetnames)
        finally:
            browser.close()


# --- Uploads through the real file chooser, and the page at laptop sizes ---------------------------------

#: Where to keep the screenshots for a person to look at (a temporary folder when unset).
SHOTS = "POOLEDFUND_SCREENSHOTS"
CLIPPED_JS = """(selector) => Array.from(document.querySelectorAll(selector)).flatMap(el =>
  [el, ...el.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
    .map(e => (el.innerText || '').trim() + ' (' + e.scrollWidth + ' > ' + e.clientWidth + ')'))"""


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """One dashboard server for the tests below (each opens its own page, so its own session)."""
    chromium()
    with running_app() as url:
        yield url


@contextmanager
def browser_page(url: str, width: int, height: int) -> Iterator[object]:
    """A fresh page (a new session) on the running dashboard, ready to use."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), headless=True, args=CHROME_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url, wait_until="domcontentloaded", timeout=60_000)
            _wait_ready(page)
            yield page
        finally:
            browser.close()


def _metric_values(page: object) -> list[str]:
    return page.locator('[data-testid="stMetricValue"]').all_inner_texts()  # type: ignore[attr-defined, no-any-return]


def _upload(page: object, name: str, data: bytes) -> None:
    """Choose a file in the agreement's file chooser, as a person would, and wait for the page."""
    chooser = page.locator('[data-testid="stFileUploader"]').first  # type: ignore[attr-defined]
    chooser.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "application/x-yaml", "buffer": data}])
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    _wait_ready(page)


def test_a_broken_replacement_upload_keeps_the_last_valid_upload_on_screen(app_url: str) -> None:
    from playwright.sync_api import expect

    with browser_page(app_url, 1280, 900) as page:
        sidebar = page.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]
        expect(sidebar.get_by_text("bcf_northmoor.yaml (bundled example)")).to_be_visible()
        example_figures = _metric_values(page)
        _upload(page, "my_ld.yaml", (ROOT / "examples" / "ld_pooled_budget.yaml").read_bytes())
        expect(sidebar.get_by_text("my_ld.yaml (uploaded)")).to_be_visible(timeout=30_000)
        uploaded_figures = _metric_values(page)
        assert uploaded_figures != example_figures
        # The learning disability pool: the council pays £65,055,000.00 in 2025-26, shown as £65.1m
        assert "£65.1m" in uploaded_figures

        _upload(page, "broken.yaml", b"agreement:\n  id: x\n  title: [unclosed\n")
        error = page.locator('[data-testid="stAlert"]').filter(has_text="broken.yaml could not be used")
        expect(error).to_be_visible(timeout=30_000)
        expect(error).to_contain_text("my_ld.yaml stays in use")
        expect(error).to_contain_text("broken.yaml:3: this is not valid YAML")
        assert _metric_values(page) == uploaded_figures
        expect(sidebar.get_by_text("my_ld.yaml (uploaded)")).to_be_visible()
        expect(page.locator('[data-testid="stCaptionContainer"]').filter(
            has_text="Wealdham Learning Disability Pooled Budget").first).to_be_visible()
        assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1440, 900)])
def test_the_page_fits_a_laptop_screen(app_url: str, tmp_path: Path, width: int, height: int) -> None:
    folder = Path(os.environ.get(SHOTS) or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    with browser_page(app_url, width, height) as page:
        # the first screen has no chart (the Summary tab's money flow is a table): ready when the table is there
        page.get_by_text("Left in the pool").first.wait_for(timeout=30_000)  # type: ignore[attr-defined]
        assert page.locator(".js-plotly-plot").count() == 0  # type: ignore[attr-defined]
        values = _metric_values(page)
        assert "£23.4m" in values and "(£300k)" in values
        for selector in ('[data-testid="stMetricValue"]', '[data-testid="stMetricLabel"]',
                         '[data-testid="stFileUploaderDropzoneInstructions"]'):
            clipped = page.evaluate(CLIPPED_JS, selector)  # type: ignore[attr-defined]
            assert not clipped, f"{selector} cut off at {width}x{height}: {clipped}"
        # every section's tab is inside the page, none hidden off its right edge behind a scroll arrow
        edge = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()  # type: ignore[attr-defined]
        tabs = page.get_by_role("tab").all()  # type: ignore[attr-defined]
        assert len(tabs) == 11
        for tab in tabs:
            box = tab.bounding_box()
            assert box["x"] + box["width"] <= edge["x"] + edge["width"], f"{tab.inner_text()} off the page"
        # the board summary is on the first screen
        summary = page.get_by_text("Board summary, 2025-26")  # type: ignore[attr-defined]
        assert summary.bounding_box()["y"] < height
        # no deploy button; the choosers state the readers' limits
        assert page.locator('[data-testid="stAppDeployButton"]').count() == 0  # type: ignore[attr-defined]
        limits = page.locator('[data-testid="stFileUploaderDropzoneInstructions"]').all_inner_texts()  # type: ignore[attr-defined]
        # the agreement, then the versions database (Recorded versions), then the scenarios
        assert "20MB per file" in limits[0] and "20MB per file" in limits[1] and "5MB per file" in limits[2], limits
        page.screenshot(path=str(folder / f"dashboard_{width}x{height}.png"))  # type: ignore[attr-defined]
        main = page.locator('[data-testid="stMain"]')  # type: ignore[attr-defined]
        full = int(main.evaluate("el => el.scrollHeight"))
        page.set_viewport_size({"width": width, "height": full})  # type: ignore[attr-defined]
        page.wait_for_timeout(1500)  # type: ignore[attr-defined]
        page.screenshot(path=str(folder / f"dashboard_{width}x{height}_full.png"))  # type: ignore[attr-defined]
    assert (folder / f"dashboard_{width}x{height}.png").stat().st_size > 50_000
