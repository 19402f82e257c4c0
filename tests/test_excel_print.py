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
import itertools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.worksheet import Worksheet
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
    #: The workbook as written (to read what its cells hold).
    data: bytes = b""

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
    return Printed(name, sheets, printed_pages(pdf, sheets), data)


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


_FIGURE = re.compile(r"^\(?£?[\d,]+(\.\d+)?%?\)?$")


def _data_columns(page: PrintedPage) -> int:
    """How many columns of figures a page prints: the right edges of its amounts and percentages, 3 pt apart.

    Only words with a £ or % count: the title's and footer's numbers ("Section 75", "page 30 of 62") do not.
    """
    edges = sorted(right for word, _, right in page.spans if _FIGURE.match(word) and ("£" in word or "%" in word))
    columns = 0
    last = -100.0
    for edge in edges:
        if edge - last > 3:
            columns += 1
        last = edge
    return columns


@pytest.mark.parametrize("pack", PACKS)
def test_no_projection_page_prints_a_stray_column_of_figures(printed: dict[str, Printed], pack: str) -> None:
    # Northmoor's Projection ran five pages across a year, the fifth holding only "Overspend: icb": the
    # partner-share columns were cut where the page filled. Each page across now holds whole groups of columns,
    # so every page prints at least two columns of figures (two partners' percentages at the least).
    thin = [(p.number, _data_columns(p)) for p in printed[pack].by_sheet()["Projection"] if _data_columns(p) < 2]
    assert thin == []


def test_northmoors_projection_prints_each_year_four_pages_across(printed: dict[str, Printed]) -> None:
    # Across: April to September; October to March; outturn, budget, variance, overspend, arrangement and type;
    # the partners' shares (% 18 + budget, spend and overspend 75.4 zeros: within the 102 a page holds beside
    # the 38 of the title columns at 80%). Before, the shares ran on to a fifth page.
    pages = printed["bcf_northmoor"].by_sheet()["Projection"]
    for year in ("2025-26", "2026-27"):
        of_year = [p for p in pages if any(w == year for w, _ in p.words)]
        down = [p for p in of_year if any(w == "Apr" for w, _ in p.words)]
        assert len(of_year) == 4 * len(down), (year, [p.number for p in of_year], [p.number for p in down])
        assert min(_data_columns(p) for p in of_year) >= 4


def _distinctive_words(book: bytes, name: str) -> set[str]:
    """The words of a partner's name that no other text in the workbook uses (so each print is the name's)."""
    workbook = load_workbook(io.BytesIO(book))
    others: set[str] = set()
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and name not in cell.value:
                    others.update(w.strip(",;:.()") for w in cell.value.split())
        others.update(w.strip(",;:.()") for w in str(ws.oddFooter.left.text or "").split())
    return set(name.split()) - others


def _cut_names(words: list[str], name: str, anchor: str) -> int:
    """How many prints of ``name`` (found by its word ``anchor``) lack a word that follows the anchor.

    Words come line by line, so a wrapped name's next line follows the other
    cells' words of its first line: the rest of the name must come, in order,
    before the anchor's next print.
    """
    words = [w.strip(",;:.()") for w in words]  # "Council;" in the Assumptions' "name: ...; kind: council"
    rest = name.split()[name.split().index(anchor) + 1:]
    starts = [i for i, w in enumerate(words) if w == anchor] + [len(words)]
    cut = 0
    for begin, end in itertools.pairwise(starts):
        following = iter(words[begin + 1:end])
        if not all(any(w == wanted for w in following) for wanted in rest):
            cut += 1
    return cut


@pytest.mark.parametrize("pack", PACKS)
def test_every_partner_name_prints_whole(printed: dict[str, Printed], pack: str) -> None:
    # The Contributions totals printed "NHS Moorland and Dales Integrated" and cut "Care Board" off at the next
    # filled cell. Each print of a name (found by a word of it nothing else uses) must go on to its last word.
    result = printed[pack]
    agreement = _example(pack)[0] if pack != "generated" else _generated()[0]
    cut = []
    for partner in agreement.partners:
        distinctive = _distinctive_words(result.data, partner.name)
        anchor = next((w for w in partner.name.split() if w in distinctive), None)
        if anchor is None:
            continue
        for page in result.pages:
            missing = _cut_names([w for w, _ in page.words], partner.name, anchor)
            if missing:
                cut.append((page.number, page.sheet, partner.name, missing))
    assert cut[:5] == []


@pytest.mark.parametrize("pack", PACKS)
def test_risk_share_labels_stay_in_their_column(printed: dict[str, Printed], pack: str) -> None:
    # Column A's labels ran on over the Pool column ("- lim|it (blank: none)" over the yellow input B9). Every
    # word printed in the Pool column under the header must be one of its own (an amount, or a word of its
    # text cells) or of a heading alone on its row (a section's band, which runs across the page).
    workbook = load_workbook(io.BytesIO(printed[pack].data))
    ws = workbook["Risk share"]
    own = {"Pool"} | {w for (cell,) in ws.iter_rows(min_col=2, max_col=2) if isinstance(cell.value, str)
                      for w in cell.value.split()}
    own |= {w for row in ws.iter_rows(min_row=5) if isinstance(row[0].value, str)
            and all(c.value is None for c in row[1:]) for w in row[0].value.split()}
    stray = []
    for page in printed[pack].by_sheet()["Risk share"]:
        found = [(left, top) for (word, left, _), (_, top, _) in zip(page.spans, page.boxes, strict=True)
                 if word == "Pool"]
        if not found:
            continue
        pool, pool_top = found[0]
        # The next column's left edge: the leftmost word of the header (within 20 pt of "Pool") right of it.
        right = min(left for (_, left, _), (_, top, _) in zip(page.spans, page.boxes, strict=True)
                    if left > pool + 20 and abs(top - pool_top) < 20)
        for (word, left, end), (_, top, _) in zip(page.spans, page.boxes, strict=True):
            if top < pool_top - 20:
                continue  # the sheet's title and note, above the header
            if word in own or _FIGURE.match(word):
                continue
            if left < pool - 1 < end - 1:
                stray.append((page.number, word, "runs over the Pool column's edge"))
            elif pool - 1 <= left < right - 1:
                stray.append((page.number, word, "printed in the Pool column"))
    assert stray[:10] == []


def test_contributions_totals_sit_under_the_headings_of_what_they_sum(printed: dict[str, Printed]) -> None:
    # The totals print on a page of their own under the table's header (repeated on every page): each total
    # must be in the column whose heading names it (before, the cash for 2025-26 sat under "Cash as agreed").
    workbook = load_workbook(io.BytesIO(printed["bcf_northmoor"].data))
    ws = workbook["Contributions"]
    heading = {c.column: c.value for c in ws[4]}
    table_end = int(str(ws.tables["Contributions"].ref).split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    totals = [c for row in ws.iter_rows(min_row=table_end + 1) for c in row if isinstance(c.value, str)
              and c.value.startswith("=")]
    assert totals
    for cell in totals:
        summed = re.findall(r"\*\$?([A-Z]+)\$?5:\$?[A-Z]+\$?\d+\)$", cell.value)
        assert summed and heading[column_index_from_string(summed[0])] == heading[cell.column], cell.coordinate
    pages = printed["bcf_northmoor"].by_sheet()["Contributions"]
    last = " ".join(w for w, _ in pages[-1].words)
    assert "Totals by partner and year" in last and "All sources" in last


@pytest.mark.parametrize("pack", PACKS)
def test_the_board_sheets_print_first_and_the_appendices_say_so(printed: dict[str, Printed], pack: str) -> None:
    # Northmoor's pack with two scenarios was 63 pages, 24 of them the Projection's monthly detail among the
    # sheets the Board signs. The appendices (Projection, Assumptions) now print last, each page's footer
    # saying "Appendix: ...", so printing the pages before the first appendix prints what the Board signs.
    pages = printed[pack].pages
    appendix = []
    for page in pages:
        top = next(t for w, t, _ in reversed(page.boxes) if w == "page")  # the footer's line
        appendix.append("Appendix:" in [w for w, t, _ in page.boxes if abs(t - top) < 1])
    assert appendix == sorted(appendix)  # never a Board page after an appendix page
    assert {p.sheet for p, a in zip(pages, appendix, strict=True) if a} == {"Projection", "Assumptions"}


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


@pytest.mark.parametrize("stem", EXAMPLES)
def test_no_text_runs_over_another_cell_or_off_the_page(stem: str) -> None:
    # Risk share's labels ran on over the Pool column, Contributions' partner names were cut at the next filled
    # cell and Projection's scheme types ran on to the next page across: text wider than its column now wraps
    # inside it (with its row tall enough) unless it is a heading alone on its row with room beside it.
    from pooledfund.io.excel import build_pack
    from pooledfund.io.excel.fit import text_running_over

    workbook, _ = build_pack(*_example(stem))
    assert [line for ws in workbook.worksheets for line in text_running_over(ws)] == []


@pytest.mark.parametrize("stem", EXAMPLES)
def test_projection_pages_across_hold_whole_groups_of_columns(stem: str) -> None:
    from pooledfund.io.excel import build_pack
    from pooledfund.io.excel.pages import pages_across

    workbook, _ = build_pack(*_example(stem))
    ws = workbook["Projection"]
    headings = [[str(ws.cell(4, col).value) for col in page] for page in pages_across(ws)]
    assert headings[0] == ["Apr", "May", "Jun", "Jul", "Aug", "Sep"]
    assert headings[1] == ["Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
    assert min(len(page) for page in headings) >= 3, headings
    for kind in ("% ", "Budget: ", "Spend: ", "Overspend: "):
        holding = [i for i, page in enumerate(headings) if any(h.startswith(kind) for h in page)]
        assert len(holding) <= 1, (kind, headings)  # a kind of partner share is never split across pages


def _sheet_of_widths(widths: list[float], title_width: float) -> Worksheet:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    ws = Workbook().active
    ws.page_setup.orientation = "landscape"
    ws.page_setup.scale = 100
    ws.print_title_cols = "A:A"
    ws.column_dimensions["A"].width = title_width
    for col, width in enumerate(widths, start=2):
        ws.column_dimensions[get_column_letter(col)].width = width
        ws.cell(row=1, column=col, value=col)
    return ws


def test_column_groups_go_to_the_fewest_pages_and_the_thinnest_page_holds_the_most() -> None:
    from pooledfund.io.excel.pages import break_between_groups, pages_across

    # A4 landscape at 100%: (11.69 - 0.8) in x 72 / 7 pt a zero = 112.0 zeros, less the 10 of title column A:
    # 102 a page. Groups B:E (4 x 13 = 52), F:G (14 + 24 = 38), H:I (2 x 9 = 18). Filling pages in turn puts
    # B:G (90) on one and H:I (2 columns) alone; two pages either way, so the break goes after E: B:E, then
    # F:I (56), four columns on each page.
    ws = _sheet_of_widths([13, 13, 13, 13, 14, 24, 9, 9], 10)
    break_between_groups(ws, [(2, 5), (6, 7), (8, 9)])
    assert [b.id for b in ws.col_breaks.brk] == [5]
    assert pages_across(ws) == [[2, 3, 4, 5], [6, 7, 8, 9]]
    # A group wider than a page (12 x 13 = 156) is cut where the page fills: 7 x 13 = 91 fits, 8 x 13 = 104
    # does not. The next group (2 columns) fits beside the last five (65 + 20 = 85).
    ws = _sheet_of_widths([13] * 12 + [10, 10], 10)
    break_between_groups(ws, [(2, 13), (14, 15)])
    assert [b.id for b in ws.col_breaks.brk] == [8]
    assert pages_across(ws) == [list(range(2, 9)), list(range(9, 16))]


def test_a_row_label_wraps_in_its_column_and_a_lone_heading_runs_on() -> None:
    from openpyxl import Workbook

    from pooledfund.io.excel import styles
    from pooledfund.io.excel.fit import fit_rows, text_running_over

    ws = Workbook().active
    for letter, width in zip("ABCD", (20, 14, 14, 14), strict=True):
        ws.column_dimensions[letter].width = width
    # "Layer 3: pro rata to contributions" is 26.7 zeros (Layer 4.72, 3: 1.53, pro 2.57, rata 3.24, to 1.62,
    # contributions 10.57 and five spaces of 0.5), wider than A's 20 less 1.2 of padding; its row has a figure
    # in D, so it wraps, in two lines ("Layer 3: pro rata to" 15.7, "contributions" 10.6), 11 pt at 1.3 times
    # the size, plus 2.5 pt: 31.1 pt.
    ws["A1"] = "Layer 3: pro rata to contributions"
    ws["D1"] = 1
    # The same text before an empty yellow input cell (B2) wraps too: a value goes there.
    ws["A2"] = "Layer 3: pro rata to contributions"
    ws["B2"].fill = styles.INPUT_FILL
    ws["D2"] = "note"
    # A heading alone on its row (32.9 zeros) runs on over the empty cells beside it (A to D: 62 less 1.2).
    ws["A3"] = "Northmoor pooled fund: risk-share inputs"
    assert len(text_running_over(ws)) == 2
    fit_rows(ws)
    assert ws["A1"].alignment.wrap_text and ws.row_dimensions[1].height == pytest.approx(31.1)
    assert ws["A2"].alignment.wrap_text
    assert not ws["A3"].alignment.wrap_text and ws.row_dimensions[3].height is None
    assert text_running_over(ws) == []
