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
            expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
            assert page.locator(".js-plotly-plot").count() == 6
            assert page.locator(".js-plotly-plot .main-svg").count() >= 6
            expect(page.get_by_text("£23,405,000.00").first).to_be_visible()
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
