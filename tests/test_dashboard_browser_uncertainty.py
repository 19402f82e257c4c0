"""The Uncertainty tab in a real browser (headless Debian Chromium driven by Playwright), at 1280x720.

On the bundled Northmoor example with its uncertainty file, press Simulate
as a person would, then check that the chances in words and both fan charts
are on screen, that no text is cut off, and keep screenshots (in
``$POOLEDFUND_SCREENSHOTS`` when set) for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_dashboard_browser import CLIPPED_JS, SHOTS, _wait_ready, browser_page, chromium, running_app

WIDTH, HEIGHT = 1280, 720
SPEC_NAME = "Northmoor BCF - uncertain fees, pay, winter demand and a provider failure"


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    chromium()
    with running_app() as url:
        yield url


def test_the_uncertainty_tab_after_simulate_fits_a_laptop_screen(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    folder = Path(os.environ.get(SHOTS) or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    with browser_page(app_url, WIDTH, HEIGHT) as page:
        page.get_by_role("tab", name="Uncertainty").click()  # type: ignore[attr-defined]
        tab = page.locator('[data-testid="stTabs"]')  # type: ignore[attr-defined]
        # the picker shows the scenario's name, not its file
        picker = tab.get_by_role("combobox", name="Uncertain drivers and events")
        expect(picker).to_have_value(SPEC_NAME)
        tab.get_by_role("button", name="Simulate").click()
        expect(tab.get_by_text("chance the Northmoor Better Care Fund pooled fund overspends in 2025-26").first
               ).to_be_visible(timeout=60_000)
        _wait_ready(page)
        page.wait_for_timeout(1000)  # type: ignore[attr-defined]  # plotly draws after the script ends
        assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]
        expect(tab.get_by_text("Results for: Northmoor Better Care Fund Section 75 Agreement 2025-27")).to_be_visible()
        assert tab.locator(".js-plotly-plot").count() == 4  # the two fans, the histogram, the tornado
        tab.get_by_text("The chances in 2025-26").scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        page.screenshot(path=str(folder / f"uncertainty_{WIDTH}x{HEIGHT}.png"))  # type: ignore[attr-defined]
        tab.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        page.screenshot(path=str(folder / f"uncertainty_{WIDTH}x{HEIGHT}_fans.png"))  # type: ignore[attr-defined]
        tab.locator(".js-plotly-plot").last.scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        page.screenshot(path=str(folder / f"uncertainty_{WIDTH}x{HEIGHT}_tornado.png"))  # type: ignore[attr-defined]
        for selector in ('[data-testid="stTabs"] [data-testid="stMarkdownContainer"]',
                         '[data-testid="stTabs"] [data-testid="stCaptionContainer"]',
                         '[data-testid="stTabs"] [data-testid="stWidgetLabel"]',
                         '[data-testid="stTabs"] [data-testid="stSelectbox"]',
                         '[data-testid="stTabs"] button'):
            clipped = page.evaluate(CLIPPED_JS, selector)  # type: ignore[attr-defined]
            assert not clipped, f"{selector} cut off at {WIDTH}x{HEIGHT}: {clipped}"
        # the fans' titles fit their charts: plotly draws them as SVG text inside the chart's width
        for chart in tab.locator(".js-plotly-plot").all():
            box, title = chart.bounding_box(), chart.locator(".gtitle").first
            edge = title.bounding_box()
            assert edge is not None and box is not None
            assert edge["x"] + edge["width"] <= box["x"] + box["width"] + 1, title.text_content()
        main = page.locator('[data-testid="stMain"]')  # type: ignore[attr-defined]
        page.set_viewport_size({"width": WIDTH, "height": int(main.evaluate("el => el.scrollHeight"))})  # type: ignore[attr-defined]
        page.wait_for_timeout(1500)  # type: ignore[attr-defined]
        page.screenshot(path=str(folder / f"uncertainty_{WIDTH}x{HEIGHT}_full.png"))  # type: ignore[attr-defined]
    assert (folder / f"uncertainty_{WIDTH}x{HEIGHT}.png").stat().st_size > 50_000
