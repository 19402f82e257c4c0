"""A ledger extract (CSV or XLSX) read as text, every cell kept as written, with its row as Excel numbers it.

pandas reads a CSV file with every cell as the text written (no guessing
of numbers or missing values), so an amount is parsed later with exact
decimals and never passes through a float. The file's encoding (UTF-8,
Windows-1252, UTF-16 or UTF-32 with a byte-order mark) and delimiter (comma,
semicolon, tab or pipe) are found from its bytes and header row, and
pandas' complaints are put in plain words at their row. A workbook goes
through the same bounded checks as any workbook this package reads (size,
parts, rows, cells, defused XML) before pandas and openpyxl open it; its
cells are made text as typed, except that a number in an amount column is
read to the penny when it is within a millionth of a pound of one (a
spreadsheet's binary fractions: 0.1 + 0.7 is 0.7999999999999999).

Row numbers are those a user sees in Excel: the header row is row 1 unless
the map says otherwise, so the first row of figures is row 2.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pooledfund.core.errors import InputError, Source

#: The largest CSV extract read (bytes): about ten times a year's transactions of a large council's pooled fund.
MAX_CSV_BYTES = 512 * 1024 * 1024
_SUFFIXES = (".csv", ".xlsx")
#: The delimiters a CSV extract may use, in order of preference when two split the header row equally well.
_DELIMITERS = (",", ";", "\t", "|")
#: The start of a CSV file looked at to find its delimiter (and NUL characters of UTF-16 without its mark).
_SNIFFED_BYTES = 256 * 1024
#: Byte-order marks and the encoding each names; UTF-32's first, as UTF-16's little-endian mark begins it.
_BYTE_ORDER_MARKS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
                     (b"\xfe\xff", "utf-16"))
#: One character written in UTF-8 with two to four bytes (plain ASCII is the same in every encoding read).
_UTF8_CHARACTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
#: A number cell of a workbook within this many pounds of a whole penny is that penny (0.1 + 0.7 is 0.80).
PENNY_TOLERANCE = 1e-6


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


@dataclass(frozen=True)
class LedgerTable:
    """The columns of a ledger extract the map names, as text, and where each cell is.

    Attributes:
        file: the file's name, as given, for messages.
        sheet: the worksheet read (an XLSX extract), else None.
        header_row: the row holding the headings, as Excel numbers it.
        cells: heading -> the column's cells below the header, as written.
        letters: heading -> the column's letter (A, B, ...).
        rows: how many rows there are below the header.
    """

    file: str
    sheet: str | None
    header_row: int
    cells: dict[str, list[str]]
    letters: dict[str, str]
    rows: int

    def row_number(self, index: int) -> int:
        """The row number Excel shows for the ``index``-th row below the header (0 first)."""
        return self.header_row + 1 + index

    def where(self, index: int, heading: str | None = None) -> Source:
        """The file, row and column of a cell (or a whole row), for a located message."""
        row = self.row_number(index)
        if heading is None:
            return Source(self.file, None, f"row {row}")
        cell = f"'{self.sheet}'!{self.letters[heading]}{row}, " if self.sheet is not None else ""
        return Source(self.file, None, f"{cell}row {row}, column '{heading}'")


def _byte_order_mark(data: bytes) -> str | None:
    """The encoding a byte-order mark at the start names (UTF-16 or UTF-32, as Excel's "Unicode text"), else None."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return encoding
    return None


def _place(data: bytes, offset: int, delimiter: str, header: list[str], header_row: int) -> str:
    """Where a byte of a CSV file is: ``row 7, column 'Amount'`` (the file's line, as Excel numbers rows)."""
    row = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    before = data[line_start:offset].decode("cp1252", errors="replace")
    index = len(next(csv.reader([before], delimiter=delimiter), [""])) - 1
    if row > header_row and index < len(header) and header[index]:
        return f"row {row}, column {header[index]!r}"
    return f"row {row}, column {column_letter(index)}"


def _mixed_encodings(data: bytes, bad: int, delimiter: str, header: list[str],
                     header_row: int) -> tuple[str, str] | None:
    """Where and how a file mixes UTF-8 and Windows-1252, or None if it is plain Windows-1252.

    A file that is not UTF-8 (a byte at ``bad`` cannot be) but holds a
    character written the UTF-8 way elsewhere was put together from two
    sources; read as Windows-1252, its UTF-8 "£" would come out as "Â£".
    """
    found = _UTF8_CHARACTER.search(data)
    if found is None:
        return None
    single = data[bad:bad + 1].decode("cp1252", errors="replace")
    double = found.group().decode("utf-8")
    there = _place(data, found.start(), delimiter, header, header_row)
    if single == double:
        return (_place(data, bad, delimiter, header, header_row),
                f"{single!r} is written two ways in this file (here in Windows-1252, at {there} in UTF-8); save it "
                "as UTF-8 (Excel: 'CSV UTF-8')")
    return (_place(data, bad, delimiter, header, header_row),
            f"{single!r} is written in Windows-1252 here, but {there} has {double!r} written in UTF-8: the file "
            "mixes two encodings; save it as UTF-8 (Excel: 'CSV UTF-8')")


def _encoding(data: bytes, name: str, delimiter: str, header: list[str],
              header_row: int) -> tuple[str | None, list[InputError]]:
    """The encoding a CSV file is read in (UTF-8, Windows-1252, or UTF-16/32 with its mark), or what is wrong."""
    marked = _byte_order_mark(data)
    if marked is not None:
        try:
            data.decode(marked)
        except UnicodeDecodeError as exc:
            return None, [InputError(Source(name), f"the file starts with the mark of {marked.upper()} text but byte "
                                                   f"{exc.start:,} cannot be read as {marked.upper()}; save it from "
                                                   "Excel as 'CSV UTF-8'")]
        return marked, []
    if b"\x00" in data[:_SNIFFED_BYTES]:
        return None, [InputError(Source(name), "the file holds NUL characters: it looks like UTF-16 text saved "
                                               "without its byte-order mark; save it from Excel as 'CSV UTF-8'")]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        mixed = _mixed_encodings(data, exc.start, delimiter, header, header_row)
        if mixed is not None:
            return None, [InputError(Source(name, None, mixed[0]), mixed[1])]
        try:
            data.decode("cp1252")
        except UnicodeDecodeError as not_cp1252:
            where = _place(data, not_cp1252.start, delimiter, header, header_row)
            byte = data[not_cp1252.start]
            return None, [InputError(Source(name, None, where), f"byte 0x{byte:02X} is neither UTF-8 nor "
                                                                "Windows-1252 text; save the file from Excel as "
                                                                "'CSV UTF-8'")]
        return "cp1252", []
    return "utf-8-sig", []


def _header_cells(head: str, header_row: int, delimiter: str) -> list[str]:
    """The header row's cells, trimmed, as the delimiter splits it (none if the row is beyond the text given)."""
    lines = head.split("\n")  # as pandas and the row numbers of messages count lines: at each line feed
    if len(lines) < header_row:
        return []
    line = lines[header_row - 1].rstrip("\r")
    return [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter), [])]


def sniff_delimiter(head: str, header_row: int, headings: list[str]) -> str:
    """The delimiter that splits the header row into the most of the map's headings (ties: comma, ;, tab, |).

    The map names the headings, so the right delimiter is the one that finds
    them; if none finds any, the one giving the most cells, so the message
    about a missing column lists the file's real headings.
    """
    def score(delimiter: str) -> tuple[int, int]:
        cells = _header_cells(head, header_row, delimiter)
        return sum(heading in cells for heading in headings), len(cells)

    return max(_DELIMITERS, key=score)  # max keeps the first of equals: the order is the preference


def _delimiter_words(delimiter: str) -> str:
    """A delimiter in words: ``comma``, ``semicolon``, ``tab``, ``pipe (|)``."""
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe (|)"}.get(delimiter, repr(delimiter))


def parser_problem(message: str, name: str, delimiter: str) -> InputError:
    """A complaint of pandas' CSV reader as one located line in plain words."""
    plain = " ".join(message.replace("Error tokenizing data. C error:", "").split())
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", plain)
    if fields:
        expected, line, saw = (int(group) for group in fields.groups())
        separator = _delimiter_words(delimiter)
        return InputError(Source(name, None, f"row {line}"),
                          f"has {saw} cells where the rows before it have {expected}; a {separator} inside a cell "
                          f"splits it unless the cell is in quotes: check this row in a text editor (the file's "
                          f"cells are separated by {separator}s; the map's 'delimiter' can say another)")
    quote = re.search(r"EOF inside string starting at row (\d+)", plain)
    if quote:
        # pandas counts rows from 0 at the top of the file: Excel's row is one more.
        return InputError(Source(name, None, f"row {int(quote.group(1)) + 1}"),
                          "a quote (\") opened in this row is never closed, so the rest of the file would be one "
                          "cell; close the quote or remove it")
    return InputError(Source(name), f"the file cannot be read as CSV ({plain}); check it in a text editor")


def _read_csv(path: Path, name: str, header_row: int, headings: list[str],
              delimiter: str | None) -> tuple[Any, list[InputError]]:
    """The CSV's rows from the header on, every cell as text; or what is wrong, located.

    The encoding is UTF-8, Windows-1252 (Excel's plain "CSV"), or UTF-16 or
    UTF-32 with a byte-order mark (Excel's "Unicode text"); a file mixing
    UTF-8 and Windows-1252 is refused. The cells are separated by the map's
    ``delimiter``, else by the one that finds the map's headings.
    """
    import pandas as pd  # pandas: only the ledger reading loads it

    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        return None, [InputError(Source(name), f"the file is {size:,} bytes; ledger extracts over "
                                               f"{MAX_CSV_BYTES:,} bytes are refused: extract one year at a time")]
    data = path.read_bytes()
    # The delimiter is first found on the start of the file read as UTF-8 (enough to locate a problem with the
    # encoding), then again once the encoding is known, so a heading such as "Amount £" is matched as written.
    head = data[:_SNIFFED_BYTES].decode(_byte_order_mark(data) or "utf-8-sig", errors="replace")
    separator = delimiter or sniff_delimiter(head, header_row, headings)
    encoding, errors = _encoding(data, name, separator, _header_cells(head, header_row, separator), header_row)
    if encoding is None:
        return None, errors
    if delimiter is None and encoding == "cp1252":
        separator = sniff_delimiter(data[:_SNIFFED_BYTES].decode("cp1252", errors="replace"), header_row, headings)
    try:
        # dtype=object keeps each cell as the text pandas' C reader made of it, as dtype=str does, without
        # copying every cell into pandas' string type and back (a third of the reading time of a large file).
        frame = pd.read_csv(io.BytesIO(data), header=None, dtype=object, na_filter=False, keep_default_na=False,
                            skip_blank_lines=False, skiprows=header_row - 1, encoding=encoding, sep=separator)
    except pd.errors.EmptyDataError:
        return None, [InputError(Source(name), "the file is empty; export the ledger with its header row")]
    except pd.errors.ParserError as exc:
        return None, [parser_problem(str(exc), name, separator)]
    return frame, []


def _read_xlsx(path: Path, name: str, sheet: str | None,
               header_row: int) -> tuple[Any, str | None, list[InputError]]:
    """The worksheet's rows from the header on, as text, after the bounded checks every workbook gets."""
    import pandas as pd  # pandas and openpyxl: only the ledger reading loads them

    from pooledfund.io.excel.importer import MAX_WORKBOOK_BYTES, check_container

    size = path.stat().st_size
    if size > MAX_WORKBOOK_BYTES:
        return None, None, [InputError(Source(name), f"the file is {size:,} bytes; workbooks over "
                                                     f"{MAX_WORKBOOK_BYTES:,} bytes are refused")]
    data = path.read_bytes()
    errors = check_container(data, name)
    if errors:
        return None, None, errors
    with pd.ExcelFile(io.BytesIO(data), engine="openpyxl") as book:
        names = [str(n) for n in book.sheet_names]
        chosen = names[0] if sheet is None else sheet
        if chosen not in names:
            listed = ", ".join(repr(n) for n in names)
            return None, None, [InputError(Source(name), f"has no sheet {sheet!r}; its sheets are: {listed}")]
        # dtype=object: each cell as openpyxl gives it (text, a whole number, a float, a date), made text by
        # read_ledger, so a number cell of an amount column can be told from a text cell.
        frame = pd.read_excel(book, sheet_name=chosen, header=None, dtype=object, na_filter=False,
                              skiprows=header_row - 1)
    return frame, chosen, []


def workbook_cell_text(value: object, *, amount: bool) -> str:
    """A workbook cell's value as text, as pandas' ``dtype=str`` makes it; a number in an amount column to the penny.

    A spreadsheet adds in binary fractions: 0.1 + 0.7 is held as
    0.7999999999999999 and shown as 0.80. A number cell of an amount column
    within :data:`PENNY_TOLERANCE` of a whole penny is that penny; any other
    is written out in full (never in exponent form), so the amount reader
    refuses it as fractions of a penny. A text cell is kept as typed.
    """
    if isinstance(value, float) and amount:
        if math.isfinite(value):
            pence = round(value * 100)
            if abs(value - pence / 100) <= PENNY_TOLERANCE:
                whole, part = divmod(abs(pence), 100)
                return f"{'-' if pence < 0 else ''}{whole}.{part:02d}"
        return format(Decimal(repr(value)), "f")
    return value if isinstance(value, str) else str(value)


def read_ledger(path: str | Path, headings: list[str], *, sheet: str | None = None, header_row: int = 1,
                display_name: str | None = None, amounts: Sequence[str] = (),
                delimiter: str | None = None) -> tuple[LedgerTable | None, list[InputError]]:
    """Read the columns ``headings`` of a ledger extract (.csv or .xlsx) as text; or say what is wrong.

    A heading the map names but the file does not have is an error listing
    the headings the file has; so is a heading that appears twice.
    ``amounts`` are the headings of the money columns: a workbook's number
    cells there are read to the penny (:func:`workbook_cell_text`).
    ``delimiter`` separates a CSV file's cells (default: found from the
    header row, :func:`sniff_delimiter`).
    """
    file_path = Path(path)
    name = display_name or str(path)
    suffix = file_path.suffix.lower()
    if suffix not in _SUFFIXES:
        return None, [InputError(Source(name), "a ledger extract must be a .csv or .xlsx file")]
    if not file_path.is_file():
        return None, [InputError(Source(name), "cannot read the file: it does not exist or is not a file")]
    used_sheet: str | None = None
    if suffix == ".csv":
        frame, errors = _read_csv(file_path, name, header_row, headings, delimiter)
    else:
        frame, used_sheet, errors = _read_xlsx(file_path, name, sheet, header_row)
    if frame is None:
        return None, errors
    if len(frame) == 0:
        return None, [InputError(Source(name), f"row {header_row} (the header row) is empty; give the map's "
                                               "header_row if the headings are lower down")]
    found = [str(cell).strip() for cell in frame.iloc[0].tolist()]
    positions: dict[str, list[int]] = {}
    for index, heading in enumerate(found):
        positions.setdefault(heading, []).append(index)
    errors = []
    where = f"'{used_sheet}' row {header_row}" if used_sheet is not None else f"row {header_row}"
    listed = ", ".join(repr(h) for h in found if h)
    for heading in headings:
        if heading not in positions:
            errors.append(InputError(Source(name, None, where), f"has no column {heading!r} (named in the map); "
                                                                f"the columns are: {listed}"))
        elif len(positions[heading]) > 1:
            twice = " and ".join(column_letter(i) for i in positions[heading])
            errors.append(InputError(Source(name, None, where), f"the column {heading!r} appears twice (columns "
                                                                f"{twice}); rename one"))
    if errors:
        return None, errors
    # A CSV's cells are already text (no guessing, no missing values), so its columns are taken as they are; a
    # workbook's are made text cell by cell.
    cells = {heading: frame.iloc[1:, positions[heading][0]].tolist() for heading in headings}
    if used_sheet is not None:
        cells = {heading: [workbook_cell_text(value, amount=heading in amounts) for value in column]
                 for heading, column in cells.items()}
    letters = {heading: column_letter(positions[heading][0]) for heading in headings}
    return LedgerTable(name, used_sheet, header_row, cells, letters, len(frame) - 1), []
