"""Look and print set-up shared by every sheet of the pack.

£ with thousands separators and negatives in brackets, bold headers on a
pale fill, input cells yellow (as in the BCF template), frozen headers, A4
landscape one page wide with repeating header rows.
"""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

GBP = '£#,##0.00;(£#,##0.00);£0.00'
#: Room under a cap: "no cap" stands for the engine's unlimited room.
ROOM = '[>=100000000000]"no cap";[<0](£#,##0.00);£#,##0.00'
PENCE = '#,##0.######'
PERCENT = '0.####"%"'
COUNT = '0'
DATE = 'd mmm yyyy'

TITLE_FONT = Font(bold=True, size=14, color="1F3864")
SUBTITLE_FONT = Font(bold=True, size=11, color="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
BOLD = Font(bold=True)
NOTE_FONT = Font(italic=True, size=9, color="595959")
PASS_FONT = Font(bold=True, color="006100")
FAIL_FONT = Font(bold=True, color="9C0006")

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
TOTAL_FILL = PatternFill("solid", fgColor="EDEDED")

THIN = Side(style="thin", color="8EA9DB")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP_LINE = Border(top=Side(style="thin", color="000000"))
WRAP = Alignment(wrap_text=True, vertical="top")

NO_CAP_POUNDS = 1_000_000_000_000
"""What a partner without a cap can still take, in pounds (far above any pool)."""


def style_header_row(ws: Worksheet, row: int, first_col: int, last_col: int) -> None:
    """White bold text on dark blue, wrapped, for a table's header row."""
    for col in range(first_col, last_col + 1):
        cell = ws.cell(row=row, column=col)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def set_widths(ws: Worksheet, widths: Mapping[int, float]) -> None:
    """Set column widths (characters) by column number."""
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def print_setup(ws: Worksheet, header_rows: str | None = None, landscape: bool = True) -> None:
    """A4, landscape, one page wide (as many long as needed), header rows repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if header_rows:
        ws.print_title_rows = header_rows
    ws.oddFooter.center.text = "&A - page &P of &N"
    ws.oddFooter.center.size = 8
