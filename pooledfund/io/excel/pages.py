"""Where printed pages break: a block of rows, or a group of columns, that fits on a page is never split.

Excel repeats one set of title rows on every page of a sheet, so a table
that starts near the foot of a page continues on the next under no headings
of its own (or under another table's). Once every row has its final height
(after :func:`~pooledfund.io.excel.fit.fit_rows`), :func:`keep_together`
walks the rows as the page fills and puts a page break before each block
that would otherwise run over the foot of its page.

Across, a wide sheet runs to several pages, each with the title columns
repeated. Left to itself the printer breaks wherever a page fills, which
left a page holding only the last column of a group (one partner's
overspend share, its neighbours on the page before). Once every column has
its final width (after :func:`~pooledfund.io.excel.fit.fit_numbers`),
:func:`break_between_groups` puts the column breaks between groups of
columns (April to September, each kind of partner share), as many whole
groups to a page as fit.
"""

from __future__ import annotations

from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.io.excel.fit import column_width
from pooledfund.io.excel.styles import printable_width

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


def title_columns(ws: Worksheet) -> range:
    """The columns repeated at the left of every page across (empty when none are)."""
    if not ws.print_title_cols:
        return range(1, 1)
    first, last = (column_index_from_string(part.strip("$")) for part in str(ws.print_title_cols).split(":"))
    return range(first, last + 1)


def page_width_for_columns(ws: Worksheet) -> float:
    """How many zeros of columns one page across holds beside the repeated title columns."""
    landscape = ws.page_setup.orientation == "landscape"
    return printable_width(landscape, int(ws.page_setup.scale or 100)) - sum(
        column_width(ws, col) for col in title_columns(ws))


def pages_across(ws: Worksheet) -> list[list[int]]:
    """The columns each page across prints beside the title columns, as the column breaks and widths say.

    Follows the printer: columns fill a page (:func:`page_width_for_columns`
    wide) until the next would not fit or a column break is set after one.
    """
    breaks = {int(b.id) for b in ws.col_breaks.brk}
    room = page_width_for_columns(ws)
    titles = set(title_columns(ws))
    found: list[list[int]] = [[]]
    used = 0.0
    for col in range(1, ws.max_column + 1):
        if col in titles:
            continue
        width = column_width(ws, col)
        if found[-1] and used + width > room:
            found.append([])
            used = 0.0
        found[-1].append(col)
        used += width
        if col in breaks and col < ws.max_column:
            found.append([])
            used = 0.0
    return [page for page in found if page]


def _fitting_parts(ws: Worksheet, groups: list[tuple[int, int]], room: float) -> list[tuple[int, int]]:
    """The groups, each one wider than a page cut into runs of columns that fill a page each."""
    parts = []
    for first, last in groups:
        start, used = first, 0.0
        for col in range(first, last + 1):
            width = column_width(ws, col)
            if col > start and used + width > room:
                parts.append((start, col - 1))
                start, used = col, 0.0
            used += width
        parts.append((start, last))
    return parts


def break_between_groups(ws: Worksheet, groups: list[tuple[int, int]]) -> None:
    """Column breaks between groups of columns (first, last), so each page across holds whole groups.

    The groups go to as few pages as they fit on and, of the ways of doing
    that, the one whose thinnest page holds the most columns: two partners'
    percentages are printed beside the arrangement and scheme type rather than
    on a page of their own. A group wider than a page is cut where pages
    fill. Any column breaks set before are replaced.
    """
    room = page_width_for_columns(ws)
    parts = _fitting_parts(ws, groups, room)
    widths = [sum(column_width(ws, col) for col in range(first, last + 1)) for first, last in parts]
    counts = [last - first + 1 for first, last in parts]
    # best[i]: (pages, -columns on the thinnest page, where the last page starts) for the first i parts.
    best: list[tuple[int, int, int]] = [(0, -10**9, 0)]
    for end in range(1, len(parts) + 1):
        options = []
        for begin in range(end):
            if sum(widths[begin:end]) <= room or end - begin == 1:
                pages, thinnest, _ = best[begin]
                options.append((pages + 1, max(thinnest, -sum(counts[begin:end])), begin))
        best.append(min(options))
    starts = []
    end = len(parts)
    while end:
        begin = best[end][2]
        starts.append(begin)
        end = begin
    ws.col_breaks.brk = []
    for begin in sorted(starts)[1:]:
        ws.col_breaks.append(Break(id=parts[begin][0] - 1))
