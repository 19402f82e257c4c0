"""How long a Streamlit page takes to show its figures in a real browser (headless Debian Chromium).

Used by ``bench_dashboard.py --browser``. Each load is a fresh browser
context (an empty cache, a new Streamlit session) against a server that is
already warm, so what is timed is what a finance lead waits for when they
open the page: the page's JavaScript, the script's run streamed to the
browser, plotly's library and the charts drawn.

Marks are taken in the page itself (``performance.now()``, milliseconds from
the start of navigation) by a ``MutationObserver`` installed before the page
loads:

* ``metric``: the first headline figure (``st.metric``) in the page;
* ``chart``: the first plotly chart with a trace drawn (plotly has drawn it);
* ``charts``: the moment the last chart of the first screen was drawn, and
  ``count``, how many there were;
* ``done``: the script finished and no loading skeleton is left.

Never downloads a browser: Playwright drives ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

#: Installed before any of the page's own scripts: records when each mark first holds.
MARKS_JS = """
window.__marks = {count: 0};
const mark = () => {
  const m = window.__marks, now = performance.now();
  if (m.metric === undefined && document.querySelector('[data-testid="stMetricValue"]')) m.metric = now;
  const drawn = document.querySelectorAll('.js-plotly-plot .main-svg g.trace').length
    ? Array.from(document.querySelectorAll('.js-plotly-plot')).filter(p => p.querySelector('.main-svg g.trace')).length
    : 0;
  if (drawn > 0 && m.chart === undefined) m.chart = now;
  if (drawn > m.count) { m.count = drawn; m.charts = now; }
  const app = document.querySelector('[data-testid="stApp"]');
  const skeletons = document.querySelectorAll('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]').length;
  const ready = app && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') === 'notRunning' && skeletons === 0;
  if (ready && m.done === undefined) m.done = now;
  if (!ready) m.done = undefined;
};
new MutationObserver(mark).observe(document, {childList: true, subtree: true, attributes: true});
"""


@dataclass(frozen=True)
class Load:
    """One page load's marks, in seconds from the start of navigation (None: never happened)."""

    metric: float | None
    chart: float | None
    charts: float | None
    count: int
    done: float | None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def streamlit_server(app: Path, cwd: Path) -> Iterator[str]:
    """``streamlit run app`` on a free 127.0.0.1 port, in its own process group; stopped (only it) afterwards."""
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not answer its health check in 60 s")
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


def load_once(browser: object, url: str, *, width: int = 1280, height: int = 720, settle_ms: int = 1500,
              timeout_s: float = 90.0) -> Load:
    """Open ``url`` in a fresh context and wait until the page is done and no new chart appeared for ``settle_ms``."""
    context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.add_init_script(MARKS_JS)
        page.goto(url, wait_until="domcontentloaded", timeout=int(timeout_s * 1000))
        deadline = time.monotonic() + timeout_s
        while True:
            marks = page.evaluate("() => window.__marks")
            now = page.evaluate("() => performance.now()")
            settled = marks.get("done") is not None and now - max(marks["done"], marks.get("charts") or 0) > settle_ms
            if settled or time.monotonic() > deadline:
                break
            page.wait_for_timeout(100)

        def seconds(key: str) -> float | None:
            value = marks.get(key)
            return None if value is None else float(value) / 1000

        return Load(seconds("metric"), seconds("chart"), seconds("charts"), int(marks.get("count", 0)),
                    seconds("done"))
    finally:
        context.close()


@contextmanager
def chromium() -> Iterator[object]:
    """Headless Debian Chromium through Playwright (never ``playwright install``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROME_ARGS)
        try:
            yield browser
        finally:
            browser.close()
