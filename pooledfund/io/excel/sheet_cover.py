"""Cover: what the pack is and its status, the meeting, the place and period, the run, and the sign-off block.

Every partner's chief executive signs (BCF planning requirements 2025-26,
NHS England, 2025: this cannot be delegated), each council's s.151 officer
signs before submission, and the Health and Wellbeing Board chair ratifies.
Names the agreement gives are printed; otherwise the line is left to fill in.
The cover prints on one A4 portrait page, at a scale between 100% and 80%
(the smallest that keeps its 10 pt notes at 8 pt) chosen to fit it; with so
many partners that it still runs on, the sign-off block's headings repeat on
the next page. The contents list under it, links to each sheet, is for the
screen.
"""

from __future__ import annotations

import math

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.core.version import __version__
from pooledfund.core.vocabulary import PartnerKind
from pooledfund.io.excel import pages, styles
from pooledfund.io.excel.cells import Sheet
from pooledfund.io.excel.context import PackContext
from pooledfund.io.excel.tables import header
from pooledfund.model.agreement import Agreement
from pooledfund.reports.conditions import NHS_KINDS

SHEET = "Cover"
CONTENTS = [
    ("Summary", "each partner's position by year; checks; charts"),
    ("Contributions", "partner, source and year; payments by month"),
    ("Expenditure plan", "schemes in the BCF planning template's columns"),
    ("Risk share", "the overspend and underspend rules as formulas"),
    ("Scenarios", "partner positions under each scenario"),
    ("Checks", "BCF national conditions and reconciliations"),
    ("Projection", "appendix: spend by scheme and month; outturn and variance"),
    ("Assumptions", "appendix: the inputs in brief; source files; tool version"),
]
_COUNCILS = {PartnerKind.UNITARY_COUNCIL, PartnerKind.COUNTY_COUNCIL, PartnerKind.DISTRICT_COUNCIL}
#: Column widths (zeros): five columns filling an A4 portrait page.
WIDTHS = {1: 21, 2: 20, 3: 14, 4: 13, 5: 8}
LAST_COL = 5
STATUS = {
    "draft": ("DRAFT: for discussion; not yet agreed by the partners", "9C0006", "FFC7CE"),
    "final": ("FINAL: the version for the partners' and the Board's signature", "006100", "C6EFCE"),
}
#: A line to sign on, in points.
SIGNING_ROW_PT = 34
_TO_FILL = "(to fill in)"


def signatories(agreement: Agreement) -> list[tuple[str, str, str]]:
    """Who signs: (role, organisation, name or ""), chief executives first, the Board's chair last."""
    rows = [("Chief executive (accountable officer)" if p.kind in NHS_KINDS else "Chief executive", p.name,
             p.chief_executive) for p in agreement.partners]
    rows += [("Section 151 officer (chief finance officer)" if p.kind in _COUNCILS else "Chief finance officer",
              p.name, p.finance_officer) for p in agreement.partners if p.kind in _COUNCILS or p.finance_officer]
    rows.append(("Chair, Health and Wellbeing Board", agreement.place or "Health and Wellbeing Board",
                 agreement.board_chair))
    return rows


def _merged(sheet: Sheet, row: int, first: int, value: str, *, font: Font | None = None,
            fill: PatternFill | None = None) -> None:
    """Text across columns ``first`` to the last, wrapped."""
    cell = sheet.text(row, first, value, font=font, wrap=True)
    if first < LAST_COL:
        sheet.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=LAST_COL)
    if fill is not None:
        for col in range(first, LAST_COL + 1):
            sheet.ws.cell(row=row, column=col).fill = fill
    cell.alignment = Alignment(wrap_text=True, vertical="center")


def _facts(ctx: PackContext) -> list[tuple[str, str, bool]]:
    """(label, value, an input to fill in) for the facts block."""
    agreement = ctx.agreement
    host = agreement.partner(agreement.host_partner)
    period = agreement.years[0] if len(agreement.years) == 1 else f"{agreement.years[0]} to {agreement.years[-1]}"
    meeting_date = agreement.meeting_date.strftime("%d %B %Y").lstrip("0") if agreement.meeting_date else ""
    return [
        ("Health and Wellbeing Board / place", agreement.place or "(not stated in the agreement)", False),
        ("Agreement period",
         f"{period} (1 April {agreement.years[0][:4]} to 31 March {int(agreement.years[-1][:4]) + 1})", False),
        ("Host partner", host.name, False),
        ("Pooled fund manager", agreement.pooled_fund_manager or "(not stated in the agreement)", False),
        ("Meeting", agreement.meeting, not agreement.meeting),
        ("Meeting date", meeting_date, not meeting_date),
        ("Scenario(s)", "; ".join(s.label for s in ctx.scenarios) + ("  (the first is the main one)"
                                                                     if len(ctx.scenarios) > 1 else ""), False),
        ("Run id (hash of the inputs)", ctx.run_id, False),
        ("Produced", f"{ctx.created.strftime('%d %B %Y').lstrip('0')} by pooledfund {__version__}", False),
    ]


def write(ctx: PackContext) -> None:
    """Fill the Cover sheet."""
    agreement = ctx.agreement
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    _merged(sheet, 1, 1, "Health and Wellbeing Board sign-off pack",
            font=Font(name=styles.FONT, bold=True, size=18, color="1F3864"))
    _merged(sheet, 2, 1, agreement.title, font=Font(name=styles.FONT, bold=True, size=13, color="1F3864"))
    words, ink, paper = STATUS[agreement.status]
    _merged(sheet, 3, 1, f"Status: {words}", font=Font(name=styles.FONT, bold=True, size=13, color=ink),
            fill=PatternFill("solid", fgColor=paper))
    ws.row_dimensions[3].height = 24
    row = 4
    for label, value, to_fill in _facts(ctx):
        row += 1
        sheet.text(row, 1, label, font=styles.BOLD, wrap=True)
        _merged(sheet, row, 2, value or _TO_FILL, fill=styles.INPUT_FILL if to_fill else None,
                font=styles.NOTE_FONT if to_fill else None)
    row += 2
    sheet.text(row, 1, "Partners", font=styles.SUBTITLE_FONT)
    header(ws, row + 1, 1, ["Partner", "Kind", "VAT"])
    ws.merge_cells(start_row=row + 1, start_column=3, end_row=row + 1, end_column=LAST_COL)
    row += 1
    for partner in agreement.partners:
        row += 1
        host = ", host" if partner.id == agreement.host_partner else ""
        sheet.text(row, 1, partner.name, wrap=True)
        sheet.text(row, 2, partner.kind.label + host, wrap=True)
        _merged(sheet, row, 3, partner.vat.label)
    sign_off = row + 2
    row = _sign_off(ctx, sign_off)
    ws.print_area = f"A1:{get_column_letter(LAST_COL)}{row}"  # the contents below are links for the screen
    row += 2
    sheet.text(row, 1, "Contents", font=styles.SUBTITLE_FONT)
    for name, what in CONTENTS:
        if name not in ctx.workbook.sheetnames:
            continue
        row += 1
        cell = sheet.text(row, 1, name)
        cell.hyperlink = f"#'{name}'!A1"
        cell.style = "Hyperlink"
        _merged(sheet, row, 2, what)
    styles.set_widths(ws, WIDTHS)
    # A signing line carried onto a second page keeps its headings (the block's title and column names).
    styles.print_setup(ws, f"{sign_off}:{sign_off + 1}", landscape=False)


def scale_to_one_page(ws: Worksheet) -> None:
    """Print the Cover at the largest scale (100% down to 80%) at which its rows fit one A4 portrait page.

    Called once every row has its final height (after :func:`~pooledfund.io.excel.fit.fit_rows`). A row
    without a set height is counted at its largest font's line (see :func:`~pooledfund.io.excel.pages.row_height`).
    """
    last = int(str(ws.print_area).rsplit("$", 1)[-1])
    total = sum(pages.row_height(ws, row) for row in range(1, last + 1))
    ws.page_setup.scale = 100
    room = pages.page_room(ws)
    smallest = math.ceil(styles.MIN_PRINTED_PT / styles.SMALLEST_FONT_PT * 100)
    ws.page_setup.scale = max(smallest, min(100, math.floor(room / total * 100)))


def _sign_off(ctx: PackContext, start: int) -> int:
    """The sign-off block from ``start``: a signing line per signatory; returns its last row."""
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    sheet.text(start, 1, "Sign-off", font=styles.SUBTITLE_FONT)
    sheet.text(start, 2, "Names the agreement does not give are left to fill in.", font=styles.NOTE_FONT)
    header(ws, start + 1, 1, ["Role", "Organisation", "Name", "Signature", "Date"])
    row = start + 1
    for role, organisation, name in signatories(ctx.agreement):
        row += 1
        sheet.text(row, 1, role, wrap=True)
        sheet.text(row, 2, organisation, wrap=True)
        if name:
            sheet.text(row, 3, name, wrap=True)
        ws.row_dimensions[row].height = SIGNING_ROW_PT
        for col in range(1, LAST_COL + 1):
            cell = ws.cell(row=row, column=col)
            cell.border = styles.BOX
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if col >= 3 and not (col == 3 and name):
                cell.fill = styles.INPUT_FILL
    return row
