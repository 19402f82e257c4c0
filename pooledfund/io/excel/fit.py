"""Column widths and row heights worked out from what the cells hold, so a printed page reads.

A spreadsheet shows ``###`` when a number is wider than its column, cuts
text off at a filled neighbour, and overprints wrapped text when the row is
not tall enough. Excel does not size rows or columns when it opens a file,
so the pack sets them itself: every number is formatted as the sheet will
show it (a formula cell by the figure the engine says it comes to), measured
with the widths of the default font's characters, and its column widened to
fit; every wrapped cell's text is laid out word by word at its column's
width and its row made tall enough for the lines.

Widths are counted in Excel's column unit, the width of a ``0`` in the
workbook's 11 pt default font: a column ``w`` wide holds ``w`` zeros in any
program and with any substitute font (LibreOffice without Calibri prints in
DejaVu Sans, whose letters are a quarter wider, and its columns with them).
Each character is measured against the ``0`` of whichever of Calibri and
DejaVu Sans makes it relatively wider, so text measured here fits in both.
Heights are in points.
"""

from __future__ import annotations

from collections.abc import Iterator

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import Expectations

#: Each character's width in zeros (the widest of Calibri's and DejaVu Sans's ratio); others count as ``_OTHER``.
_UNITS = {
    **dict.fromkeys("0123456789£", 1.0), " ": 0.5, ".": 0.5, ",": 0.5, ":": 0.53, ";": 0.53, "(": 0.61,
    ")": 0.61, "-": 0.6, "%": 1.5, "/": 0.76, "'": 0.44, '"': 0.79, **dict.fromkeys("ijlI!|", 0.47),
    **dict.fromkeys("ftrJ", 0.67), **dict.fromkeys("mM", 1.6), **dict.fromkeys("wW", 1.6),
    **dict.fromkeys("abcdeghknopqsuvxyz", 0.95), **dict.fromkeys("ABCDEFGHKLNOPQRSTUVXYZ&@", 1.2),
}
_OTHER = 1.1
#: Bold text is about this much wider than regular (DejaVu Sans Bold's zero against its regular one).
_BOLD = 1.1
#: Room a cell keeps clear around its text, in zeros.
_CELL_PAD = 1.2
#: A row's height per line of text: 1.3 times the font size (measured on LibreOffice's printed PDF).
_LINE = 1.3
_ROW_PAD_PT = 2.5
#: Excel's width of a column nobody sized.
DEFAULT_WIDTH = 8.43
#: Room kept beside the widest number, for a font a little wider than measured.
_SPARE = 1.05


def text_units(text: str, size: float = 11, bold: bool = False) -> float:
    """How wide ``text`` prints, in zeros of the 11 pt default font, at ``size`` points."""
    zeros = sum(_UNITS.get(ch, _OTHER) for ch in text)
    return zeros * size / 11 * (_BOLD if bold else 1.0)


def width_for(units: float) -> float:
    """The column width that holds ``units`` of text with the cell's padding."""
    return round(units * _SPARE + _CELL_PAD + 0.05, 1)


def column_width(ws: Worksheet, col: int) -> float:
    """A column's width as set, or Excel's default."""
    letter = get_column_letter(col)
    if letter in ws.column_dimensions and ws.column_dimensions[letter].width:
        return float(ws.column_dimensions[letter].width)
    return DEFAULT_WIDTH


def _money_text(pounds: float) -> str:
    """£1,234.56, or (£1,234.56) below zero, as the pack's £ format shows it."""
    text = f"£{abs(pounds):,.2f}"
    return f"({text})" if pounds < 0 else text


def displayed(value: float | int, number_format: str) -> str:
    """The text a cell shows for a number in one of the pack's formats (the widest it can be)."""
    if number_format == styles.ROOM and value >= styles.NO_CAP_POUNDS / 10:
        return "no cap"
    if number_format in (styles.GBP, styles.ROOM) or number_format.startswith("£"):
        return _money_text(float(value))
    if number_format == styles.PERCENT:
        return f"{float(value):.4f}".rstrip("0").rstrip(".") + "%"
    if number_format in (styles.COUNT, "#,##0"):
        return f"{round(float(value)):,}"
    if number_format == styles.DATE:
        return "30 September 2030"
    return f"{value:,}" if isinstance(value, int) else f"{value:.10g}"


def _shown(cell: Cell, expectations: Expectations, sheet: str) -> str | None:
    """What a number or formula cell shows, or None for text and empty cells."""
    value = cell.value
    if cell.data_type == "f":
        expected = expectations.cells.get((sheet, cell.coordinate))
        if expected is None:
            return None
        if expected.kind == "money":
            return displayed(int(expected.value) / 100, cell.number_format)
        if expected.kind == "number":
            return displayed(float(expected.value), cell.number_format)
        return str(expected.value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return displayed(value, cell.number_format)


def _font(cell: Cell) -> tuple[float, bool]:
    font = cell.font
    return float(font.sz or 11) if font is not None else 11.0, bool(font is not None and font.b)


def fit_numbers(ws: Worksheet, expectations: Expectations) -> None:
    """Widen every column so its widest number (or formula result) shows in full: never ``###``.

    Only ever widens: a column set wider for its heading keeps its width.
    """
    needed: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None or not hasattr(cell, "column"):
                continue
            shown = _shown(cell, expectations, ws.title)
            if shown is None:
                continue
            size, bold = _font(cell)
            width = width_for(text_units(shown, size, bold))
            needed[cell.column] = max(needed.get(cell.column, 0.0), width)
    for col, width in needed.items():
        if width > column_width(ws, col):
            ws.column_dimensions[get_column_letter(col)].width = width


def wrapped_lines(text: str, width: float, size: float = 11, bold: bool = False) -> int:
    """How many lines ``text`` takes when wrapped word by word into ``width`` zeros."""
    points = max(width, 1.0)
    space = text_units(" ", size, bold)
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split(" "):
            width = text_units(word, size, bold)
            if used and used + space + width > points:
                lines += 1
                used = 0.0
            while width > points:  # a word longer than the line breaks where it must
                lines += 1
                width -= points
            used += (space if used else 0.0) + width
    return lines


def _merged_widths(ws: Worksheet) -> dict[tuple[int, int], float]:
    """The width of each merged block (zeros), by its top-left cell."""
    widths = {}
    for block in ws.merged_cells.ranges:
        widths[(block.min_row, block.min_col)] = sum(column_width(ws, col)
                                                     for col in range(block.min_col, block.max_col + 1))
    return widths


def _cells(ws: Worksheet) -> Iterator[Cell]:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None and hasattr(cell, "column"):
                yield cell


def _is_input(cell: Cell) -> bool:
    """Whether a cell is shaded as an input (yellow): empty or not, a value goes there."""
    fill = cell.fill
    return bool(fill is not None and fill.fill_type == "solid"
                and str(fill.fgColor.rgb)[-6:] == str(styles.INPUT_FILL.fgColor.rgb)[-6:])


def _blocking(ws: Worksheet) -> set[tuple[int, int]]:
    """The cells text may not run over: every filled cell and every yellow input cell, empty or not."""
    return {(cell.row, cell.column) for row in ws.iter_rows() for cell in row
            if hasattr(cell, "column") and (cell.value is not None or _is_input(cell))}


def _page_edges(ws: Worksheet) -> set[int]:
    """The columns after which a printed page ends for certain: set column breaks and the last title column.

    The title columns are an edge only on a sheet more than a page wide: on
    the pages after the first they print beside other columns, which text
    running on out of them would not reach.
    """
    edges = {int(b.id) for b in ws.col_breaks.brk}
    landscape = ws.page_setup.orientation == "landscape"
    wide = sum(column_width(ws, col) for col in range(1, ws.max_column + 1)) > styles.printable_width(
        landscape, int(ws.page_setup.scale or 100))
    if ws.print_title_cols and (wide or edges):
        edges.add(column_index_from_string(str(ws.print_title_cols).split(":")[-1].strip("$")))
    return edges


def run_on_room(ws: Worksheet, cell: Cell, blocking: set[tuple[int, int]]) -> float:
    """How wide (zeros) unwrapped text in ``cell`` may print: its column and the empty cells it can run over.

    Text runs on over empty neighbours to its right, up to the next filled or
    yellow input cell or the end of a printed page that more columns follow (a
    column break, the last title column); whatever would go further is cut
    off, or printed on the next page across. Past the sheet's last column
    nothing stops it (``inf``).
    """
    edges = _page_edges(ws)
    last = ws.max_column
    room = column_width(ws, cell.column)
    col = cell.column
    while (cell.row, col + 1) not in blocking:
        if col in edges:
            return room - _CELL_PAD
        if col >= last:
            return float("inf")
        col += 1
        room += column_width(ws, col)
    return room - _CELL_PAD


def _last_filled(filled: set[tuple[int, int]]) -> dict[int, int]:
    """Each row's last filled column."""
    last: dict[int, int] = {}
    for row, col in filled:
        last[row] = max(last.get(row, 0), col)
    return last


def _must_wrap(ws: Worksheet, cell: Cell, text_width: float, own: float, blocking: set[tuple[int, int]],
               last_filled: dict[int, int]) -> bool:
    """Whether unwrapped text wider than its own column has to wrap inside it.

    A row label (the row holds something further right) wraps in its column,
    so it never prints over the cells of other columns; a heading or note
    alone on its row may run on over the empty cells beside it, as long as it
    fits before the next filled cell or the page's edge.
    """
    if text_width <= own:
        return False
    if last_filled.get(cell.row, 0) > cell.column:
        return True
    return text_width > run_on_room(ws, cell, blocking)


def fit_rows(ws: Worksheet) -> None:
    """Make each row tall enough for its wrapped text, and wrap text that would run over another cell.

    A row label wider than its column is wrapped inside it (see
    :func:`_must_wrap`), so it neither prints over a neighbour's figure or
    yellow input cell nor is cut off at it. A row set taller on purpose (a
    signature line) keeps its height.
    """
    merged = _merged_widths(ws)
    filled = {(cell.row, cell.column) for cell in _cells(ws)}
    last_filled = _last_filled(filled)
    blocking = _blocking(ws)
    heights: dict[int, float] = {}
    for cell in _cells(ws):
        if not isinstance(cell.value, str) or cell.data_type == "f":
            continue
        size, bold = _font(cell)
        points = merged.get((cell.row, cell.column), column_width(ws, cell.column)) - _CELL_PAD
        wrap = bool(cell.alignment is not None and cell.alignment.wrap_text)
        if not wrap and (cell.row, cell.column) not in merged \
                and _must_wrap(ws, cell, text_units(cell.value, size, bold), points, blocking, last_filled):
            cell.alignment = Alignment(horizontal=cell.alignment.horizontal, vertical="top", wrap_text=True)
            wrap = True
        if not wrap:
            continue
        lines = wrapped_lines(cell.value, points, size, bold)
        heights[cell.row] = max(heights.get(cell.row, 0.0), lines * size * _LINE + _ROW_PAD_PT)
    for row, height in heights.items():
        current = ws.row_dimensions[row].height or 0.0
        if height > current and height > 15.0:
            ws.row_dimensions[row].height = round(min(height, 409.0), 1)
    for row_number, dimension in ws.row_dimensions.items():
        if (dimension.height or 0.0) > 15.0:
            _align_top(ws, row_number)


def text_running_over(ws: Worksheet) -> list[str]:
    """Cells whose text would print over, or be cut off by, another cell; or whose row is too short for it.

    Each as ``Sheet!A1: text``: unwrapped text that :func:`_must_wrap` says
    must wrap, and wrapped text with more lines than its row is tall. Rows
    folded away (hidden) do not print and are not looked at. Empty when the
    sheet prints every word of every cell.
    """
    merged = _merged_widths(ws)
    filled = {(cell.row, cell.column) for cell in _cells(ws)}
    last_filled = _last_filled(filled)
    blocking = _blocking(ws)
    wrong = []
    for cell in _cells(ws):
        if not isinstance(cell.value, str) or cell.data_type == "f" or ws.row_dimensions[cell.row].hidden:
            continue
        size, bold = _font(cell)
        points = merged.get((cell.row, cell.column), column_width(ws, cell.column)) - _CELL_PAD
        if cell.alignment is not None and cell.alignment.wrap_text:
            needed = wrapped_lines(cell.value, points, size, bold) * size * _LINE + _ROW_PAD_PT
            if needed > max(ws.row_dimensions[cell.row].height or 15.0, 15.0) + 0.05 and needed <= 409.0:
                wrong.append(f"{ws.title}!{cell.coordinate}: {cell.value[:40]} (row too short)")
        elif (cell.row, cell.column) not in merged and _must_wrap(ws, cell, text_units(cell.value, size, bold),
                                                                  points, blocking, last_filled):
            wrong.append(f"{ws.title}!{cell.coordinate}: {cell.value[:40]}")
    return wrong


def _align_top(ws: Worksheet, row: int) -> None:
    """Every cell of a tall row read from its top line, as its wrapped text does (unless set otherwise)."""
    for cell in ws[row]:
        if cell.value is not None and hasattr(cell, "column") and cell.alignment.vertical is None:
            cell.alignment = Alignment(horizontal=cell.alignment.horizontal, vertical="top",
                                       wrap_text=cell.alignment.wrap_text)


def fit_sheet(ws: Worksheet, expectations: Expectations) -> None:
    """Columns wide enough for their numbers, then rows tall enough for their text."""
    fit_numbers(ws, expectations)
    fit_rows(ws)
