"""Look and print set-up shared by every sheet of the pack.

£ with thousands separators and negatives in brackets, bold headers on a
pale fill, input cells yellow (as in the BCF template), frozen headers, and
A4 pages printed at a fixed scale that keeps every letter at least
:data:`MIN_PRINTED_PT` high: a wide sheet runs to several pages across, its
title columns and header rows repeated on each, rather than being shrunk to
one page wide.
"""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

GBP = '£#,##0.00;(£#,##0.00);£0.00'
#: Room under a cap: "no cap" stands for the engine's unlimited room.
ROOM = '[>=100000000000]"no cap";[<0](£#,##0.00);£#,##0.00'
PENCE = '#,##0.######'
PERCENT = '0.####"%"'
COUNT = '0'
DATE = 'd mmm yyyy'

#: The workbook's default font; every font the pack sets names it, or LibreOffice prints a serif instead.
FONT = "Calibri"
TITLE_FONT = Font(name=FONT, bold=True, size=14, color="1F3864")
WRAPPED_TITLE_FONT = Font(name=FONT, bold=True, size=12, color="1F3864")
SUBTITLE_FONT = Font(name=FONT, bold=True, size=11, color="1F3864")
HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
BOLD = Font(name=FONT, bold=True)
NOTE_FONT = Font(name=FONT, italic=True, size=10, color="595959")
PASS_FONT = Font(name=FONT, bold=True, color="006100")
FAIL_FONT = Font(name=FONT, bold=True, color="9C0006")

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


#: The smallest type a printed page may show, in points (at the sheet's print scale).
MIN_PRINTED_PT = 8.0
#: The smallest font the pack uses (notes), so the smallest scale that keeps it readable is 80%.
SMALLEST_FONT_PT = 10.0
FOOTER_PT = 10
#: Top and bottom margins, and the header's and footer's distance from the paper's edge, in inches.
PAGE_MARGIN_IN = 0.6
HEADER_MARGIN_IN = 0.25
#: Every page's footer, right: the sheet and the page (the print tests find each page's sheet by it).
PAGE_FOOTER = "&A - page &P of &N"
#: The footer of an appendix sheet's pages: the same, marked as an appendix.
APPENDIX_FOOTER = "Appendix: " + PAGE_FOOTER
#: The longest agreement title a footer prints in full (longer ones are shortened with "...").
SHORT_TITLE = 60


def print_setup(ws: Worksheet, header_rows: str | None = None, landscape: bool = True, *,
                title_cols: str | None = None, scale: int = 100, title_span: str | None = None) -> None:
    """A4 at ``scale`` %, never shrunk to fit; header rows and title columns repeated on every page.

    Shrinking a wide sheet to one page wide made its text 2 to 4 points
    high; instead the sheet runs to as many pages across as it needs, read
    across then down, each with the ``title_cols`` (``"A:D"``) that name its
    rows. ``scale`` may not take the pack's smallest font below
    :data:`MIN_PRINTED_PT`. The title and note (rows 1 and 2) are wrapped
    inside ``title_span`` (the title columns by default) so no page cuts them.
    """
    if scale * SMALLEST_FONT_PT / 100 < MIN_PRINTED_PT:
        raise ValueError(f"a print scale of {scale}% would print notes below {MIN_PRINTED_PT:g} pt")
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.scale = scale
    ws.page_setup.pageOrder = "overThenDown"
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    # The header and footer print inside the top and bottom margins, nearer the paper's edge: a margin no
    # larger than the footer's leaves LibreOffice no room and it prints no footer at all.
    ws.page_margins.top = ws.page_margins.bottom = PAGE_MARGIN_IN
    ws.page_margins.header = ws.page_margins.footer = HEADER_MARGIN_IN
    if header_rows:
        ws.print_title_rows = header_rows
    if title_cols:
        ws.print_title_cols = title_cols
    if title_span or title_cols:
        _wrap_title(ws, title_span or title_cols or "")
    ws.oddFooter.right.text = PAGE_FOOTER
    ws.oddFooter.right.size = FOOTER_PT


def running_heads(ws: Worksheet, agreement_title: str, status: str) -> None:
    """The agreement's (short) title in the footer and its status (DRAFT or FINAL) in the header of every page.

    A page torn from the pack still says which agreement, which sheet and
    page, and whether it is the version to sign. ``&`` is doubled: in a
    header it starts a code.
    """
    short = agreement_title
    if len(short) > SHORT_TITLE:
        short = short[:SHORT_TITLE - 3].rstrip() + "..."
    ws.oddFooter.left.text = short.replace("&", "&&")
    ws.oddFooter.left.size = FOOTER_PT
    ws.oddHeader.right.text = status.upper()
    ws.oddHeader.right.size = FOOTER_PT


def mark_appendix(ws: Worksheet) -> None:
    """Every page of the sheet says it is an appendix ("Appendix: Projection - page 40 of 51").

    The Board signs the sheets before the appendices; a page of monthly
    detail found loose says what it is.
    """
    ws.oddFooter.right.text = APPENDIX_FOOTER
    ws.oddFooter.right.size = FOOTER_PT


def _wrap_title(ws: Worksheet, title_cols: str) -> None:
    """The sheet's title and note (rows 1 and 2) wrapped inside the title columns.

    The title columns print on every page across; text running on past them
    would be cut at their edge on every page after the first.
    """
    last = column_index_from_string(title_cols.split(":")[-1])
    for row in (1, 2):
        cell = ws.cell(row=row, column=1)
        if cell.value is None or last < 2:
            continue
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if row == 1:
            cell.font = WRAPPED_TITLE_FONT


def printable_width(landscape: bool, scale: int = 100) -> float:
    """How many zeros of the default font fit across an A4 page inside the margins, at ``scale`` %.

    Counted in the widest font the pack is printed with: LibreOffice without
    Calibri prints DejaVu Sans, whose 11 pt zero is 7 points wide. Calibri's
    zero is narrower, so Excel fits a little more.
    """
    inches = (11.69 if landscape else 8.27) - 0.8
    return inches * 72 / 7 / (scale / 100)
