"""Where printed pages break: a block of rows that fits on a page is never split across two.

Excel repeats one set of title rows on every page of a sheet, so a table
that starts near the foot of a page continues on the next under no headings
of its own (or under another table's). Once every row has its final height
(after :func:`~pooledfund.io.excel.fit.fit_rows`), :func:`keep_together`
walks the rows as the page fills and puts a page break before each block
that would otherwise run over the foot of its page.
"""

from __future__ import annotations

from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

#: A4's long and short sides, in inches.
A4_LONG_IN = 11.69
A4_SHORT_IN = 8.27
#: A row without a set height is counted at its largest font's line (1.35 times the size, 15 points at least).
_LINE = 1.35
#: A tenth of the page kept spare: LibreOffice's rows come out a little taller than Excel's.
_SPARE = 0.9


def row_height(ws: Worksheet, row: int) -> float:
    """A row's printed height in points at 100%: its set height, or its largest font's line."""
    dimension = ws.row_dimensions[row]
    if dimension.hidden:
        return 0.0
    if dimension.height is not None:
        return float(dimension.height)
    sizes = [float(c.font.sz or 11) for c in ws[row] if c.value is not None]
    return max([15.0, *(size * _LINE for size in sizes)])


def page_room(ws: Worksheet) -> float:
    """The points of rows one page holds at 100%, inside the top and bottom margins, less a spare tenth."""
    landscape = ws.page_setup.orientation == "landscape"
    inches = (A4_SHORT_IN if landscape else A4_LONG_IN) - ws.page_margins.top - ws.page_margins.bottom
    return inches * 72 / ((ws.page_setup.scale or 100) / 100) * _SPARE


def keep_together(ws: Worksheet, blocks: list[tuple[int, int]]) -> None:
    """A page break before each block (first and last row) that would run over the foot of its page.

    The page's fill is followed row by row from the sheet's first row,
    starting again at each page break already set; the title rows repeated on
    every page count on each page after the first. A block taller than a page
    starts a page and runs on.
    """
    starts = {first: last for first, last in blocks}
    breaks = {int(b.id) for b in ws.row_breaks.brk}
    repeated = 0.0
    if ws.print_title_rows:
        first, last = (int(part.strip("$")) for part in str(ws.print_title_rows).split(":"))
        repeated = sum(row_height(ws, r) for r in range(first, last + 1))
    room = page_room(ws)
    used = 0.0
    for row in range(1, ws.max_row + 1):
        if row in starts and used > repeated:
            block = sum(row_height(ws, r) for r in range(row, starts[row] + 1))
            if used + block > room:
                ws.row_breaks.append(Break(id=row - 1))
                breaks.add(row - 1)
                used = repeated
        height = row_height(ws, row)
        if used + height > room:
            used = repeated
        used += height
        if row in breaks:
            used = repeated
