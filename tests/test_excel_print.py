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


@pytest.mark.parametrize("pack", PACKS)
def test_every_footer_prints_inside_the_page_below_the_body_and_names_the_agreement(
        printed: dict[str, Printed], pack: str) -> None:
    # The footer's words ("<sheet> - page N of M") sit on its last line: that line must end above the paper's
    # bottom edge and start below every other word on the page (when the bottom margin equalled the footer's,
    # LibreOffice drew the footer where nothing showed). The agreement's (short) title is on that line too.
    title = _example(pack)[0].title if pack != "generated" else _generated()[0].title
    short = title if len(title) <= 60 else title[:57].rstrip()
    wrong = []
    for page in printed[pack].pages:
        marker = next(i for i, (w, _, _) in enumerate(reversed(page.boxes)) if w == "page")
        footer_top = page.boxes[len(page.boxes) - 1 - marker][1]
        footer = [b for b in page.boxes if abs(b[1] - footer_top) < 1]
        body_bottom = max((b[2] for b in page.boxes if b[1] < footer_top - 1), default=0.0)
        line = " ".join(w for w, _, _ in footer)
        if not (body_bottom < footer_top and max(b[2] for b in footer) < page.height and short in line):
            wrong.append((page.number, page.sheet, round(body_bottom), round(footer_top), page.height, line))
    assert wrong[:5] == []


def test_every_cover_prints_on_one_page(printed: dict[str, Printed]) -> None:
    assert {name: len(printed[name].by_sheet()["Cover"]) for name in PACKS} == {name: 1 for name in PACKS}


def test_summary_lists_the_crossed_trigger_and_the_checks_put_triggers_on_a_page_of_their_own(
        printed: dict[str, Printed]) -> None:
    # Northmoor's triggers (the main scenario here is the base) are listed on the Summary after the checks.
    pages = printed["bcf_northmoor"].by_sheet()
    summary = " ".join(w for page in pages["Summary"] for w, _ in page.words)
    assert "Triggers move no money" in summary and "Not crossed" in summary and "recovery plan" in summary
    trigger_pages = [p for p in pages["Checks"] if any(w == "Triggers:" for w, _ in p.words)]
    assert trigger_pages and all(not any(w == "Result" for w, _ in p.words) or
                                 any(w == "Status" for w, _ in p.words) for p in trigger_pages)


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


# Without LibreOffice: the print set-up and the sizes the pack sets.


@pytest.fixture(scope="module")
def northmoor_pack():
    from pooledfund.io.excel import build_pack

    agreement, scenarios, sources = _example("bcf_northmoor")
    return build_pack(agreement, scenarios, sources)


def test_every_sheets_scale_keeps_its_smallest_font_at_8_pt(northmoor_pack) -> None:
    workbook, _ = northmoor_pack
    for ws in workbook.worksheets:
        sizes = [float(c.font.sz or 11) for row in ws.iter_rows() for c in row if c.value is not None]
        assert not ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert int(ws.page_setup.scale) / 100 * min(sizes) >= 8, ws.title


def test_money_is_shown_as_the_pack_formats_it() -> None:
    from pooledfund.io.excel import styles
    from pooledfund.io.excel.fit import displayed, text_units, width_for

    assert displayed(-1234.5, styles.GBP) == "(£1,234.50)"
    assert displayed(10_383_752.66, styles.GBP) == "£10,383,752.66"
    assert displayed(1e12, styles.ROOM) == "no cap"
    assert displayed(33.3333, styles.PERCENT) == "33.3333%"
    # "£10,383,752.66": 10 digits and £ at 1 zero each, 2 commas and a point at half: 12.5 zeros; with 5% spare
    # and 1.2 of padding the column needs 12.5 * 1.05 + 1.2 = 14.325, rounded up to the tenth: 14.4.
    assert text_units("£10,383,752.66") == pytest.approx(12.5)
    assert width_for(12.5) == pytest.approx(14.4)


def test_wrapped_lines_break_between_words() -> None:
    from pooledfund.io.excel.fit import wrapped_lines

    # "aaaa bbbb": each word 4 x 0.95 = 3.8 zeros, the space 0.5: 8.1 in all. In 8 zeros it takes two lines,
    # in 9 one; a paragraph break always starts a line.
    assert wrapped_lines("aaaa bbbb", 8) == 2
    assert wrapped_lines("aaaa bbbb", 9) == 1
    assert wrapped_lines("aaaa\nbbbb", 50) == 2


def test_no_number_column_is_narrower_than_its_widest_figure(northmoor_pack) -> None:
    from pooledfund.io.excel.fit import _shown, column_width, text_units, width_for

    workbook, expectations = northmoor_pack
    narrow = []
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                shown = _shown(cell, expectations, ws.title) if cell.value is not None else None
                if shown and column_width(ws, cell.column) < width_for(text_units(shown, float(cell.font.sz or 11),
                                                                                  bool(cell.font.b))):
                    narrow.append((ws.title, cell.coordinate, shown))
    assert narrow == []


def test_checks_rows_are_as_tall_as_their_text_and_named_apart(northmoor_pack) -> None:
    workbook, _ = northmoor_pack
    ws = workbook["Checks"]
    rows = [r for r in range(5, ws.max_row + 1) if ws.cell(r, 3).value is not None and ws.cell(r, 2).value]
    names = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in rows]
    assert len(set(names)) == len(names)
    for r in rows:
        assert ws.cell(r, 1).alignment.wrap_text and ws.cell(r, 7).alignment.wrap_text
        assert (ws.row_dimensions[r].height or 15) >= 15
    # A check's words run to several lines: its row is set taller than one line.
    assert max(ws.row_dimensions[r].height or 0 for r in rows) > 40


def test_risk_share_years_start_pages_and_helper_rows_are_folded(northmoor_pack) -> None:
    workbook, _ = northmoor_pack
    ws = workbook["Risk share"]
    breaks = {b.id for b in ws.row_breaks.brk}
    sections = [r for r in range(5, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, str)
                and ws.cell(r, 1).value.endswith(("2025-26", "2026-27"))]
    assert sections and all(r - 1 in breaks for r in sections)
    helpers = [r for r, d in ws.row_dimensions.items() if d.outlineLevel]
    assert helpers and all(ws.row_dimensions[r].hidden for r in helpers)


def test_projection_and_contributions_split_the_months_across_pages(northmoor_pack) -> None:
    workbook, _ = northmoor_pack
    for name in ("Projection", "Contributions"):
        ws = workbook[name]
        header = {c.value: c.column for c in ws[4]}
        breaks = {b.id for b in ws.col_breaks.brk}
        assert header["Sep"] in breaks, name
        assert ws.print_title_cols, name


def test_summary_shows_the_recovery_plan_trigger_crossed_under_demand_shock() -> None:
    from pooledfund.io.excel import build_pack
    from pooledfund.model.scenario import BASE

    agreement, scenarios, sources = _example("bcf_northmoor")
    workbook, expectations = build_pack(agreement, [s for s in scenarios if s is not BASE], sources)
    ws = workbook["Summary"]
    rows = {(ws.cell(r, 1).value, str(ws.cell(r, 4).value)): expectations.cells[("Summary", f"C{r}")]
            for r in range(1, ws.max_row + 1) if str(ws.cell(r, 3).value).startswith("='Checks'!")}
    crossed = {key for key, expected in rows.items() if "Not" not in str(expected)}
    assert any(year == "2026-27" and "recovery plan" in action for year, action in crossed), rows
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert any(r.formula == ['"Crossed"'] for r in rules)


def test_assumptions_print_the_inputs_in_brief_and_fold_the_full_table(northmoor_pack) -> None:
    workbook, _ = northmoor_pack
    ws = workbook["Assumptions"]
    header = next(c.row for c in ws["A"] if c.value == "Input of")
    area_end = int(re.findall(r"\d+", str(ws.print_area))[-1])
    assert area_end < header
    assert all(ws.row_dimensions[r].hidden for r in range(header + 1, ws.max_row + 1))
    brief = {c.value: ws.cell(c.row, 2).value for c in ws["A"] if c.row < header}
    assert brief["arrangements[0].schemes[0]"].startswith("id: NM01; phasing: flat; cost_category: pay")


def test_cover_shows_status_meeting_and_the_names_given(load_doc) -> None:
    from pooledfund.io.excel import build_pack

    text = (ROOT / "examples" / "ld_pooled_budget.yaml").read_text(encoding="utf-8")
    text = text.replace("\n  years:", "\n  status: final\n  meeting: Wealdham Health and Wellbeing Board\n"
                        "  meeting_date: 2025-03-12\n  board_chair: Cllr A. Chair\n  years:", 1)
    agreement = load_doc(text)
    workbook, _ = build_pack(agreement, [])
    values = [c.value for row in workbook["Cover"].iter_rows() for c in row if c.value]
    assert any(isinstance(v, str) and v.startswith("Status: FINAL") for v in values)
    assert "Wealdham Health and Wellbeing Board" in values and "12 March 2025" in values
    assert "Cllr A. Chair" in values
    draft, _ = build_pack(load_doc((ROOT / "examples" / "ld_pooled_budget.yaml").read_text(encoding="utf-8")), [])
    blank = [c.value for row in draft["Cover"].iter_rows() for c in row if c.value]
    assert any(isinstance(v, str) and v.startswith("Status: DRAFT") for v in blank)
    assert blank.count("(to fill in)") == 2  # the meeting and its date
