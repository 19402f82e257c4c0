"""The Several agreements section in a real browser (headless Debian Chromium driven by Playwright), at 1280x720.

Two agreement files are chosen in the section's file chooser as a person
would choose them: Northmoor, and the two-tier county whose second ICB is
Northmoor's (the same ODS code and name). The roll-up must show that ICB
once, with both agreements' figures added, and nothing may be cut off.
Screenshots are kept (in ``$POOLEDFUND_SCREENSHOTS`` when set) for a person
to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from rollup_fixtures import LD, MOORLAND_ICB, NORTHMOOR, example_bytes, shared_icb_two_tier
from test_dashboard_browser import CLIPPED_JS, SHOTS, _wait_ready, browser_page, chromium, running_app

WIDTH, HEIGHT = 1280, 720


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    chromium()
    with running_app() as url:
        yield url


def test_two_uploaded_agreements_roll_up_on_a_laptop_screen(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    folder = Path(os.environ.get(SHOTS) or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    with browser_page(app_url, WIDTH, HEIGHT) as page:
        page.get_by_role("tab", name="Several agreements").click()  # type: ignore[attr-defined]
        tab = page.locator('[data-testid="stTabs"]')  # type: ignore[attr-defined]
        expect(tab.get_by_text("Choose two or more agreements")).to_be_visible(timeout=30_000)
        # the sidebar agreement's board summary is not shown above the roll-up
        expect(page.get_by_text("Board summary, 2025-26")).to_have_count(0)  # type: ignore[attr-defined]
        chooser = tab.locator('[data-testid="stFileUploader"]').filter(has_text="upload agreements")
        chooser.locator('input[type="file"]').set_input_files(files=[
            {"name": "northmoor.yaml", "mimeType": "application/x-yaml", "buffer": example_bytes(NORTHMOOR)},
            {"name": "wealdshire.yaml", "mimeType": "application/x-yaml", "buffer": shared_icb_two_tier()}])
        page.wait_for_timeout(1000)  # type: ignore[attr-defined]
        _wait_ready(page)
        heading = tab.get_by_text("Each partner across its agreements, all years")
        expect(heading).to_be_visible(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]
        table = tab.locator('[data-testid="stTable"]').first
        icb = table.locator("tr").filter(has_text=MOORLAND_ICB)
        expect(icb).to_have_count(1)  # one body, not one per agreement
        # 2025-26 and 2026-27 cash in Northmoor (£38,675,000 + £40,043,680) and in the county (£12,180,000 +
        # £12,655,020): £103,553,700.00; in two agreements
        expect(icb).to_contain_text("£103,553,700.00")
        expect(icb).to_contain_text("Q99")
        expect(tab.get_by_text("partner by partner and in total, to the penny")).to_be_visible()
        # The chooser empties after an upload; each file is listed under it, with its title and a Remove button.
        expect(tab.get_by_role("button", name="Remove")).to_have_count(2)
        expect(tab.get_by_text("wealdshire.yaml", exact=False).first).to_be_visible()
        page.screenshot(path=str(folder / f"rollup_{WIDTH}x{HEIGHT}.png"))  # type: ignore[attr-defined]
        heading.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        page.screenshot(path=str(folder / f"rollup_{WIDTH}x{HEIGHT}_partners.png"))  # type: ignore[attr-defined]
        tab.get_by_text("Where a partner's totals come from").scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        page.screenshot(path=str(folder / f"rollup_{WIDTH}x{HEIGHT}_sources.png"))  # type: ignore[attr-defined]
        for selector in ('[data-testid="stTabs"] [data-testid="stTable"]',
                         '[data-testid="stTabs"] [data-testid="stMarkdownContainer"]',
                         '[data-testid="stTabs"] [data-testid="stCaptionContainer"]',
                         '[data-testid="stTabs"] [data-testid="stWidgetLabel"]',
                         '[data-testid="stTabs"] [data-testid="stDownloadButton"] button',
                         '[data-testid="stTabs"] [data-testid="stButton"] button'):
            clipped = page.evaluate(CLIPPED_JS, selector)  # type: ignore[attr-defined]
            assert not clipped, f"{selector} cut off at {WIDTH}x{HEIGHT}: {clipped}"
        # Another tab and back: the uploads are still there (kept outside the chooser), and so is the roll-up.
        page.get_by_role("tab", name="Summary").click()  # type: ignore[attr-defined]
        expect(page.get_by_text("Board summary, 2025-26")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
        page.get_by_role("tab", name="Several agreements").click()  # type: ignore[attr-defined]
        expect(heading).to_be_visible(timeout=60_000)
        expect(tab.locator('[data-testid="stTable"]').first.locator("tr").filter(has_text=MOORLAND_ICB)).to_contain_text(
            "£103,553,700.00")
        expect(tab.get_by_role("button", name="Remove")).to_have_count(2)
        main = page.locator('[data-testid="stMain"]')  # type: ignore[attr-defined]
        page.set_viewport_size({"width": WIDTH, "height": int(main.evaluate("el => el.scrollHeight"))})  # type: ignore[attr-defined]
        page.wait_for_timeout(1500)  # type: ignore[attr-defined]
        page.screenshot(path=str(folder / f"rollup_{WIDTH}x{HEIGHT}_full.png"))  # type: ignore[attr-defined]
    assert (folder / f"rollup_{WIDTH}x{HEIGHT}.png").stat().st_size > 30_000


def test_the_exposure_roll_up_after_simulate_fits_a_laptop_screen(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    folder = Path(os.environ.get(SHOTS) or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    with browser_page(app_url, WIDTH, HEIGHT) as page:
        page.get_by_role("tab", name="Several agreements").click()  # type: ignore[attr-defined]
        tab = page.locator('[data-testid="stTabs"]')  # type: ignore[attr-defined]
        chooser = tab.locator('[data-testid="stFileUploader"]').filter(has_text="upload agreements")
        chooser.locator('input[type="file"]').set_input_files(files=[
            {"name": "northmoor.yaml", "mimeType": "application/x-yaml", "buffer": example_bytes(NORTHMOOR)},
            {"name": "wealdham_ld.yaml", "mimeType": "application/x-yaml", "buffer": example_bytes(LD)}])
        expect(tab.get_by_text("Each partner across its agreements, all years")).to_be_visible(timeout=60_000)
        tab.get_by_role("radiogroup", name="Scenario").get_by_text("Its own scenarios for each agreement").click()
        for name, scenario in (("northmoor.yaml", "Northmoor BCF - uncertain"),
                               ("wealdham_ld.yaml", "Wealdham LD pool - uncertain")):
            picker = tab.locator('[data-testid="stMultiSelect"]').filter(has_text=f"Scenarios for {name}")
            expect(picker).to_be_visible(timeout=30_000)
            # Typing opens the list filtered to it: a click alone only focuses the box in this Streamlit.
            picker.get_by_role("combobox").click()
            page.keyboard.type(scenario)  # type: ignore[attr-defined]
            page.get_by_role("option").filter(has_text=scenario).first.click()  # type: ignore[attr-defined]
            page.keyboard.press("Escape")  # type: ignore[attr-defined]
            _wait_ready(page)
        tab.get_by_role("button", name="Simulate").click()
        expect(tab.get_by_text("2,000 paths, seed 42")).to_be_visible(timeout=120_000)
        _wait_ready(page)
        page.wait_for_timeout(1000)  # type: ignore[attr-defined]  # plotly draws after the script ends
        assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]
        exposure = tab.locator('[data-testid="stTable"]').filter(has_text="Exposure P10")
        expect(exposure.locator("tr").filter(has_text="Wealdham County Council")).to_have_count(1)
        expect(tab.get_by_text("moves them all together").first).to_be_visible()
        tab.get_by_text("Under uncertainty: each partner's total exposure").evaluate(
            "el => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        page.screenshot(path=str(folder / f"rollup_{WIDTH}x{HEIGHT}_exposure.png"))  # type: ignore[attr-defined]
        tab.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        page.screenshot(path=str(folder / f"rollup_{WIDTH}x{HEIGHT}_histogram.png"))  # type: ignore[attr-defined]
        for selector in ('[data-testid="stTabs"] [data-testid="stTable"]',
                         '[data-testid="stTabs"] [data-testid="stCaptionContainer"]',
                         '[data-testid="stTabs"] [data-testid="stWidgetLabel"]'):
            clipped = page.evaluate(CLIPPED_JS, selector)  # type: ignore[attr-defined]
            assert not clipped, f"{selector} cut off at {WIDTH}x{HEIGHT}: {clipped}"
        chart = tab.locator(".js-plotly-plot").first
        box, title = chart.bounding_box(), chart.locator(".gtitle").first.bounding_box()
        assert box is not None and title is not None
        assert title["x"] + title["width"] <= box["x"] + box["width"] + 1
