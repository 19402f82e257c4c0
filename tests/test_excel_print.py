"""Every printed page of the sign-off pack reads on A4: no type below 8 pt, no ``###``, Assumptions kept short.

Each bundled example's pack (Northmoor's with a second scenario, so the
Scenarios sheet prints too) and the generated 200-scheme, 6-partner, 5-year
pack of ``benchmarks/bench_engine.py`` are printed once per session with
LibreOffice headless (recalculated, each sheet's own page set-up) and read
back with poppler's ``pdftotext -bbox``: every word's box height and the
sheet its page belongs to (from the footer).

A word set in 8 pt type prints 10.4 pt high in DejaVu Sans (LibreOffice's
substitute for Calibri here: 1.3 times the type size, measured) and 9.8 pt in
Carlito (1.22 times); so every word must be at least 8 x 1.22 = 9.76 pt high,
which holds for 8 pt type in either font and fails for anything smaller.

``test_report_minimum_text_height_per_sheet`` prints the smallest word per
sheet of each pack and the page counts (shown without ``-s``).
"""

from __future__ import annotations

import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tools import require_tool

from pooledfund.io.excel import workbook_bytes
from pooledfund.io.excel.render import PrintedPage, print_pdf, printed_pages
from pooledfund.io.inputs import load_inputs
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.yaml"))
#: 8 pt type in the narrower-boxed of the two fonts LibreOffice prints with (Carlito: 1.22 times the size).
MIN_WORD_PT = 8 * 1.22
SECOND_SCENARIO = {"bcf_northmoor": "demand_shock"}


@dataclass(frozen=True)
class Printed:
    """A pack as printed: its sheets and its pages."""

    name: str
    sheets: list[str]
    pages: list[PrintedPage]

    def by_sheet(self) -> dict[str, list[PrintedPage]]:
        """The pages of each sheet, in the pack's order."""
        found: dict[str, list[PrintedPage]] = {s: [] for s in self.sheets}
        for page in self.pages:
            found.setdefault(page.sheet, []).append(page)
        return found


def _example(stem: str) -> tuple[Agreement, list[Scenario], dict[str, bytes]]:
    path = ROOT / "examples" / f"{stem}.yaml"
    files = [str(ROOT / "scenarios" / f"{SECOND_SCENARIO[stem]}.yaml")] if stem in SECOND_SCENARIO else []
    agreement, scenarios = load_inputs(str(path), files)
    from pooledfund.model.scenario import BASE

    return agreement, [BASE, *scenarios], {f"examples/{path.name}": path.read_bytes()}


def _generated() -> tuple[Agreement, list[Scenario], dict[str, bytes]]:
    from bench_engine import generated_agreement

    return generated_agreement(), [], {}


def _print(name: str, agreement: Agreement, scenarios: list[Scenario], sources: dict[str, bytes],
           folder: Path) -> Printed:
    data = workbook_bytes(agreement, scenarios, sources)
    book = folder / f"{name}.xlsx"
    book.write_bytes(data)
    pdf = print_pdf(book, folder / f"{name}.pdf")
    sheets = load_workbook(io.BytesIO(data), read_only=True).sheetnames
    return Printed(name, sheets, printed_pages(pdf, sheets))


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    """Every pack printed once: the examples by name, and ``generated``."""
    require_tool("soffice")
    require_tool("pdftotext")
    folder = tmp_path_factory.mktemp("printed")
    packs = {stem: _print(stem, *_example(stem), folder) for stem in EXAMPLES}
    packs["generated"] = _print("generated", *_generated(), folder)
    return packs


PACKS = [*EXAMPLES, "generated"]


@pytest.mark.parametrize("pack", PACKS)
def test_every_page_belongs_to_a_sheet_and_every_sheet_prints(printed: dict[str, Printed], pack: str) -> None:
    result = printed[pack]
    assert [p.number for p in result.pages if not p.sheet] == []
    assert [s for s, pages in result.by_sheet().items() if not pages] == []


@pytest.mark.parametrize("pack", PACKS)
def test_no_word_prints_below_8_pt(printed: dict[str, Printed], pack: str) -> None:
    small = [(p.sheet, p.number, word, round(height, 1)) for p in printed[pack].pages for word, height in p.words
             if height < MIN_WORD_PT and re.search(r"[A-Za-z0-9£]", word)]
    assert small[:10] == []


@pytest.mark.parametrize("pack", PACKS)
def test_no_number_prints_as_hashes(printed: dict[str, Printed], pack: str) -> None:
    hashes = [(p.sheet, p.number, word) for p in printed[pack].pages for word, _ in p.words if "###" in word]
    assert hashes == []


def test_assumptions_are_a_small_part_of_the_200_scheme_pack(printed: dict[str, Printed]) -> None:
    pages = printed["generated"].by_sheet()
    total = sum(len(p) for p in pages.values())
    # The Inputs table (one value a row, some 4,000 rows here) is folded and outside the print area: printed,
    # it was 34 of 53 pages. What prints is the inputs in brief, one row per record.
    assert len(pages["Assumptions"]) * 10 < total, {s: len(p) for s, p in pages.items()}


def test_each_projection_page_shows_one_year(printed: dict[str, Printed]) -> None:
    # The Projection runs year by year with a page break between years (Northmoor: 2025-26, then 2026-27).
    pages = printed["bcf_northmoor"].by_sheet()["Projection"]
    years = [{w for w, _ in page.words if w in ("2025-26", "2026-27")} for page in pages]
    assert all(len(found) == 1 for found in years), years
    assert {"2025-26"} in years and {"2026-27"} in years


def test_report_minimum_text_height_per_sheet(printed: dict[str, Printed], capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["", "Smallest printed word per sheet (pt high; 8 pt type is 10.4 pt in DejaVu Sans) and pages:"]
    for name in PACKS:
        result = printed[name]
        per_sheet = [f"{sheet} {min(p.smallest for p in pages):.1f} ({len(pages)}p)"
                     for sheet, pages in result.by_sheet().items() if pages]
        lines.append(f"  {name} ({len(result.pages)} pages): " + ", ".join(per_sheet))
    with capsys.disabled():
        print("\n".join(lines))
    assert all(printed[name].pages for name in PACKS)
