"""The roll-up workbook ``export`` writes beside one pack per agreement.

Two sheets: **Roll-up** (the agreements, each with the scenario its figures
were run under, then each body's cash, in kind, shares and net cost per year
and for all years, with how many of its agreements run in that year, and a
total row summing the column by formula) and **By
agreement** (each body's figures in each agreement it is party to, with that
agreement's scenario: the rows the roll-up adds up). Every figure is a value in pounds from the
engine's pence; the total row is a live ``SUM`` of the all-years rows, whose
result the engine's totals equal to the penny; and every text cell is written so it can
never be read as a formula.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.core.money import pounds_float
from pooledfund.engine.rollup import RUN_MEASURES, Rollup
from pooledfund.io.excel.cells import Expectations, money, write_text_cell
from pooledfund.io.excel.styles import BOLD, GBP, TITLE_FONT, TOTAL_FILL, set_widths, style_header_row
from pooledfund.reports.rollup import agreements_in, code_label
from pooledfund.reports.tables import POSITION_COLUMNS

_HEADERS = ["Year", "Partner", "Code", "Agreements", *POSITION_COLUMNS.values()]


def _text(ws: Worksheet, row: int, col: int, value: str) -> None:
    write_text_cell(ws.cell(row=row, column=col), value)


def _money(ws: Worksheet, row: int, col: int, pence: int) -> None:
    cell = ws.cell(row=row, column=col, value=pounds_float(pence))
    cell.number_format = GBP


def _rollup_sheet(ws: Worksheet, rollup: Rollup, titles: Sequence[str], scenarios: Sequence[str],
                  expectations: Expectations) -> None:
    """The agreements and their scenarios; each body per year and all years; a total row of SUM formulas."""
    ws["A1"].font = TITLE_FONT
    _text(ws, 1, 1, f"Roll-up of {len(rollup.labels)} agreements: each partner's figures summed over its agreements")
    for offset, (label, title, scenario) in enumerate(zip(rollup.labels, titles, scenarios, strict=True)):
        _text(ws, 2 + offset, 1, f"{label}: {title}; scenario: {scenario}")
    row = 3 + len(rollup.labels)
    for col, header in enumerate(_HEADERS, start=1):
        _text(ws, row, col, header)
    style_header_row(ws, row, 1, len(_HEADERS))
    first = row + 1
    all_years = first
    for year in [*rollup.years, None]:
        if year is None:
            all_years = row + 1
        for index, partner in enumerate(rollup.partners):
            if not rollup.covers(index, year):
                continue
            row += 1
            _text(ws, row, 1, year or "All years")
            _text(ws, row, 2, partner.name)
            _text(ws, row, 3, code_label(partner))
            # Only its agreements that run in the year: one that has ended is not counted (as the text and JSON).
            ws.cell(row=row, column=4, value=len(agreements_in(rollup, index, year)))
            for col, measure in enumerate(RUN_MEASURES, start=5):
                _money(ws, row, col, int(rollup.values(measure, index, year)[0]))
    row += 1
    _text(ws, row, 1, "Total, all years")
    ws.cell(row=row, column=1).font = BOLD
    for col, measure in enumerate(RUN_MEASURES, start=5):
        letter = ws.cell(row=row, column=col).column_letter
        cell = ws.cell(row=row, column=col, value=f"=SUM({letter}{all_years}:{letter}{row - 1})")
        total = sum(int(rollup.values(measure, index, None)[0]) for index in range(len(rollup.partners))
                    if rollup.covers(index, None))
        expectations.cells[(ws.title, cell.coordinate)] = money(total)
        cell.number_format = GBP
        cell.fill = TOTAL_FILL
        cell.font = BOLD
    set_widths(ws, {1: 12, 2: 44, 3: 14, 4: 11, 5: 17, 6: 15, 7: 17, 8: 19, 9: 17})
    ws.freeze_panes = ws.cell(row=first, column=3)


def _by_agreement_sheet(ws: Worksheet, rollup: Rollup, scenarios: Sequence[str]) -> None:
    """Each body's figures in each of its agreements, all years together, with the agreement's scenario."""
    headers = ["Partner", "Code", "Agreement", "Scenario", *POSITION_COLUMNS.values()]
    for col, header in enumerate(headers, start=1):
        _text(ws, 1, col, header)
    style_header_row(ws, 1, 1, len(headers))
    row = 1
    for index, partner in enumerate(rollup.partners):
        for number, label in enumerate(rollup.labels):
            if rollup.part(number, "net_cost", index) is None:
                continue
            row += 1
            _text(ws, row, 1, partner.name)
            _text(ws, row, 2, code_label(partner))
            _text(ws, row, 3, label)
            _text(ws, row, 4, scenarios[number])
            for col, measure in enumerate(RUN_MEASURES, start=5):
                part = rollup.part(number, measure, index)
                _money(ws, row, col, int(part[0]) if part is not None else 0)
    set_widths(ws, {1: 44, 2: 14, 3: 40, 4: 40, 5: 17, 6: 15, 7: 17, 8: 19, 9: 17})
    ws.freeze_panes = "B2"


#: What the workbook says of an agreement's scenario when the caller did not say which it was.
SCENARIO_NOT_GIVEN = "not recorded"


def scenario_used(name: str, files: Sequence[str]) -> str:
    """The scenario a roll-up was built from, as the workbook names it: its name and its files, in the order applied.

    The command line's ``export --folder`` and the dashboard's download both name it so, so the two workbooks
    say the same.
    """
    if not files:
        return f"{name}: no scenario file"
    return f"{name} ({' then '.join(files)})"


def rollup_workbook_bytes(rollup: Rollup, titles: Sequence[str], scenarios: Sequence[str] | None = None) -> bytes:
    """The roll-up workbook as .xlsx bytes (path 0 of the roll-up: the run).

    Args:
        rollup: the roll-up of the agreements' runs.
        titles: each agreement's title, in the roll-up's order.
        scenarios: each agreement's scenario as the workbook names it (its name and the files applied, in
            order), so a reader knows what the figures were run under; None writes "not recorded".
    """
    named = list(scenarios) if scenarios is not None else [SCENARIO_NOT_GIVEN] * len(rollup.labels)
    if len(named) != len(rollup.labels):
        raise ValueError(f"one scenario per agreement: {len(rollup.labels)} agreements, {len(named)} scenarios")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Roll-up"
    expectations = Expectations()
    _rollup_sheet(sheet, rollup, titles, named, expectations)
    _by_agreement_sheet(workbook.create_sheet("By agreement"), rollup, named)
    from pooledfund.io.excel.export import pack_bytes  # XlsxWriter: the totals saved with their figures

    return pack_bytes(workbook, expectations)
