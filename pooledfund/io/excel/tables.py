"""Excel tables (with filters) and the header rows they sit under."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import write_text_cell


def header(ws: Worksheet, row: int, first_col: int, headings: list[str]) -> dict[str, int]:
    """Write a header row; return each heading's column number."""
    columns = {}
    for offset, heading in enumerate(headings):
        cell = ws.cell(row=row, column=first_col + offset)
        write_text_cell(cell, heading)
        columns[heading] = first_col + offset
    styles.style_header_row(ws, row, first_col, first_col + len(headings) - 1)
    longest = max((len(h) for h in headings), default=0)
    if longest > 14:
        # Room for a wrapped heading: about 14 characters a line, 15 points a line.
        ws.row_dimensions[row].height = min(15 * -(-longest // 14) + 3, 90)
    return columns


def add_table(ws: Worksheet, name: str, header_row: int, last_row: int, first_col: int, last_col: int) -> None:
    """Make the block an Excel table with filter buttons and banded rows.

    A table needs at least one data row; an empty block is left as a plain range.
    So is a block whose headings differ only in case (the columns of partners
    ``P2`` and ``p2``): Excel reads a table's column names ignoring case and
    repairs a workbook whose table repeats one, so the headings are kept as
    they are and the filter buttons are given up.
    """
    if last_row <= header_row:
        return
    headings = [str(ws.cell(row=header_row, column=col).value).lower() for col in range(first_col, last_col + 1)]
    if len(set(headings)) < len(headings):
        return
    ref = f"{get_column_letter(first_col)}{header_row}:{get_column_letter(last_col)}{last_row}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)


def title(ws: Worksheet, text: str, note: str = "") -> None:
    """The sheet's title in A1 and a one-line note under it."""
    cell = ws.cell(row=1, column=1)
    write_text_cell(cell, text)
    cell.font = styles.TITLE_FONT
    if note:
        note_cell = ws.cell(row=2, column=1)
        write_text_cell(note_cell, note)
        note_cell.font = styles.NOTE_FONT
