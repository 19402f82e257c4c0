"""A ledger extract (CSV or XLSX) read as text, every cell kept as written, with its row as Excel numbers it.

pandas reads the file with every cell as the text written (a CSV with
``dtype=object``, a workbook with ``dtype=str``; no guessing of numbers or
missing values), so an amount is parsed later with exact decimals and never
passes through a float. A workbook goes through
the same bounded checks as any workbook this package reads (size, parts,
rows, cells, defused XML) before pandas and openpyxl open it.

Row numbers are those a user sees in Excel: the header row is row 1 unless
the map says otherwise, so the first row of figures is row 2.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pooledfund.core.errors import InputError, Source

#: The largest CSV extract read (bytes): about ten times a year's transactions of a large council's pooled fund.
MAX_CSV_BYTES = 512 * 1024 * 1024
_SUFFIXES = (".csv", ".xlsx")


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


def _read_csv(path: Path, name: str, header_row: int) -> tuple[Any, list[InputError]]:
    """The CSV's rows from the header on, every cell as text (UTF-8, or Windows-1252 as Excel saves it)."""
    import pandas as pd  # pandas: only the ledger reading loads it

    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        return None, [InputError(Source(name), f"the file is {size:,} bytes; ledger extracts over "
                                               f"{MAX_CSV_BYTES:,} bytes are refused: extract one year at a time")]
    last_error: Exception | None = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            # dtype=object keeps each cell as the text pandas' C reader made of it, as dtype=str does, without
            # copying every cell into pandas' string type and back (a third of the reading time of a large file).
            frame = pd.read_csv(path, header=None, dtype=object, na_filter=False, keep_default_na=False,
                                skip_blank_lines=False, skiprows=header_row - 1, encoding=encoding)
        except UnicodeDecodeError as exc:
            last_error = exc
            continue
        except pd.errors.EmptyDataError:
            return None, [InputError(Source(name), "the file is empty; export the ledger with its header row")]
        except pd.errors.ParserError as exc:
            return None, [InputError(Source(name), f"the file cannot be read as CSV ({exc}); check that row in a "
                                                   "text editor: a stray comma or quote splits a cell")]
        return frame, []
    return None, [InputError(Source(name), f"the file is neither UTF-8 nor Windows-1252 text ({last_error}); save "
                                           "it from Excel as CSV")]


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
        frame = pd.read_excel(book, sheet_name=chosen, header=None, dtype=str, na_filter=False,
                              skiprows=header_row - 1)
    return frame, chosen, []


def read_ledger(path: str | Path, headings: list[str], *, sheet: str | None = None, header_row: int = 1,
                display_name: str | None = None) -> tuple[LedgerTable | None, list[InputError]]:
    """Read the columns ``headings`` of a ledger extract (.csv or .xlsx) as text; or say what is wrong.

    A heading the map names but the file does not have is an error listing
    the headings the file has; so is a heading that appears twice.
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
        frame, errors = _read_csv(file_path, name, header_row)
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
    # Every cell is already text (no guessing, no missing values), so the columns are taken as they are.
    cells = {heading: frame.iloc[1:, positions[heading][0]].tolist() for heading in headings}
    letters = {heading: column_letter(positions[heading][0]) for heading in headings}
    return LedgerTable(name, used_sheet, header_row, cells, letters, len(frame) - 1), []
