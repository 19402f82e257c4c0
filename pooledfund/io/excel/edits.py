"""The pack's input cells read back: a changed cell sets its agreement field, or is refused at its cell.

The exporter wrote, on the Assumptions sheet, the "Input cells" table: each
input cell, the field it shows, how it reads and the value written there
(:mod:`.inputmap`). On import each cell is compared with that value:

* unchanged, it is left alone (an unedited pack round-trips exactly);
* changed, a :class:`~.inputmap.Bound` cell sets its field in the data
  rebuilt from the Inputs table, converting units (pounds to the file's
  pounds, percentages, a partner's 1 or 0 to who bears or shares, a cap
  typed into a blank cell adds that partner's cap, a cleared cap removes
  it); a :class:`~.inputmap.Fixed` cell is refused, saying where to make
  the change instead;
* the same field changed in two places to different values (two cells, or
  a cell and the Inputs table) is refused, naming both cells.

The agreement's own validation then checks the new values; a problem it
finds in a changed field is reported at the cell that changed it.
Excel moves its tables and defined names when rows or columns are
inserted or deleted; the map records them, and a sheet whose layout moved
is refused (its input cells are no longer where they were written).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.core.errors import InputError, Source
from pooledfund.core.locations import format_path
from pooledfund.core.money import MoneyError, format_gbp, pounds, to_pence
from pooledfund.io.excel.flatten import PathError, join_path, parse_path
from pooledfund.io.excel.formulas import UNREADABLE, CellValues, where
from pooledfund.io.excel.inputmap import (
    BASIS,
    CAP,
    FIXED_PREFIX,
    LAYOUT_NAME,
    LAYOUT_TABLE,
    MAP_HEADINGS,
    MAP_TITLE,
    PERCENT,
    POUNDS,
    POUNDS_OR_BLANK,
    REASONS,
    RUN_SEPARATOR,
    SHARE,
    SHARING,
    THE_PARTNER,
    UNITS,
)
from pooledfund.io.excel.numberformats import date_words, not_an_amount, scales_by_hundred


class CellProblem(ValueError):
    """What is wrong with a changed cell's value, in plain words."""


@dataclass(frozen=True)
class MapRow:
    """One row of the Input cells table."""

    sheet: str
    coordinate: str
    path: str
    reads_as: str
    partner: str
    exported: object
    row: int  # its row on the Assumptions sheet


@dataclass(frozen=True)
class Change:
    """A field set from a changed cell: for the note on what was read, and to locate validation errors."""

    cell: str
    path: list[str | int]
    old: str
    new: str


@dataclass(frozen=True)
class _Wanted:
    """What one changed cell asks a field to become."""

    cell: str
    value: Any  # as the agreement's data holds it
    shown: str
    old_shown: str


def _split_cell(text: str) -> tuple[str, str]:
    """``'Risk share'!C12`` as ("Risk share", "C12"); a sheet alone (``'Projection'``) as ("Projection", "")."""
    sheet, bang, coordinate = text.rpartition("!")
    if not bang:
        sheet, coordinate = text, ""
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) >= 2:
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, coordinate


def _run_value(text: str) -> object:
    """One value of a run as the table writes it (``repr`` of a number, or nothing for a blank cell)."""
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def find_map(ws: Worksheet) -> int | None:
    """The header row of the Input cells table on the Assumptions sheet, if it is there."""
    for cells in ws.iter_rows(min_col=1, max_col=len(MAP_HEADINGS)):
        if [c.value for c in cells] == MAP_HEADINGS:
            return cells[0].row
    return None


def read_map(ws: Worksheet, header_row: int) -> list[MapRow]:
    """The rows of the Input cells table, down to its first blank Cell."""
    rows = []
    for cells in ws.iter_rows(min_row=header_row + 1, min_col=1, max_col=len(MAP_HEADINGS)):
        cell, path, reads_as, partner, exported = (c.value for c in cells)
        if not isinstance(cell, str) or not cell:
            break
        sheet, coordinate = _split_cell(cell)
        if ":" not in coordinate or not str(reads_as or "").startswith(FIXED_PREFIX):
            rows.append(MapRow(sheet, coordinate, str(path or ""), str(reads_as or ""), str(partner or ""), exported,
                               cells[0].row))
            continue
        # a run of cells along a row, their values joined by ";"
        try:
            min_col, min_row, max_col, _ = range_boundaries(coordinate)
        except ValueError:
            min_col = min_row = max_col = None
        values = str(exported or "").split(RUN_SEPARATOR)
        if min_col is None or min_row is None or max_col is None or len(values) != max_col - min_col + 1:
            values, min_col, min_row = [], 0, 0  # a damaged run: nothing to compare, nothing read
        for offset, text in enumerate(values):
            rows.append(MapRow(sheet, f"{get_column_letter(min_col + offset)}{min_row}", str(path or ""),
                               str(reads_as or ""), str(partner or ""), _run_value(text), cells[0].row))
    return rows


# --- values -----------------------------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value.strip().rstrip("%").strip().replace(",", ""))
        except InvalidOperation:
            return None
    return None


def _same(current: object, exported: object) -> bool:
    """Whether a cell still holds what was exported (a number typed again the same way is the same)."""
    if _blank(current) and _blank(exported):
        return True
    ours, theirs = _decimal(current), _decimal(exported)
    if ours is not None and theirs is not None and not isinstance(current, str) and not isinstance(exported, str):
        return ours == theirs
    return isinstance(current, str) and isinstance(exported, str) and current.strip() == exported.strip()


def _shown(value: object, unit: str, number_format: str = "") -> str:
    """A cell's value in a message: £ for money (by its unit or its format), % for percentages, quoted text, 'blank'."""
    if _blank(value):
        return "blank"
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        return date_words(value)
    number = _decimal(value) if not isinstance(value, str) else None
    money = unit in (POUNDS, POUNDS_OR_BLANK, CAP) or "£" in number_format
    if number is not None and money and number == number.quantize(Decimal("0.01")):
        return format_gbp(int(number * 100))
    if number is not None and unit in (PERCENT, SHARE):
        return f"{format(number.normalize(), 'f')}%"
    if number is not None:
        return format(number.normalize(), "f") if number == number.to_integral() else str(number)
    return repr(value)


def _pounds(value: object) -> str:
    """A money cell as the file writes pounds (exact), or :class:`CellProblem`."""
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        raise CellProblem(f"{not_an_amount(value)}; type the amount in pounds, such as 1250000.00")
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise CellProblem(f"{value!r} is not an amount; type the amount in pounds, such as 1250000.00")
    try:
        pence = to_pence(float(value) if isinstance(value, int) else value)
    except MoneyError as exc:
        raise CellProblem(str(exc)) from None
    return str(pounds(pence))


def _percent(value: object, number_format: str) -> str:
    number = _decimal(value)
    if number is None or not number.is_finite():
        raise CellProblem(f"{value!r} is not a percentage; type a number such as 60")
    if not isinstance(value, str) and scales_by_hundred(number_format, number):
        number *= 100  # a cell formatted as a percentage holds 0.6 for 60%
    return format(number.normalize(), "f")


def _convert(unit: str, value: object, number_format: str) -> object:
    """A changed cell's value as the agreement's data holds it, or :class:`CellProblem`."""
    if unit == POUNDS:
        if _blank(value):
            raise CellProblem("is empty; type the amount in pounds (0 for none)")
        return _pounds(value)
    if unit == POUNDS_OR_BLANK:
        return None if _blank(value) else _pounds(value)
    if unit in (PERCENT, SHARE):
        if _blank(value):
            return "0" if unit == SHARE else None
        return _percent(value, number_format)
    if unit == BASIS:
        word = str(value or "").strip().lower()
        if word not in ("total", "cash"):
            raise CellProblem(f"{value!r} is not a basis; type total (cash and in kind) or cash")
        return word
    if unit == CAP:
        if _blank(value):
            return None
        if isinstance(value, str) and value.strip().lower() == "contribution":
            return "contribution"
        return _pounds(value)
    raise CellProblem(f"{unit!r} is not a way this tool reads a cell")


def _flag(value: object) -> bool | None:
    """A 1 or 0 cell (blank is 0); None if it is neither."""
    if _blank(value):
        return False
    number = _decimal(value)
    if number in (Decimal(0), Decimal(1)) and not isinstance(value, str):
        return number == 1
    return None


def _canonical(unit: str, value: object) -> object:
    """A field's value reduced for comparison: pence for money, an exact decimal for a percentage."""
    if value is None or value == "":
        return Decimal(0) if unit == SHARE else None
    try:
        if unit in (POUNDS, POUNDS_OR_BLANK) or (unit == CAP and value != "contribution"):
            return to_pence(value)
        if unit in (PERCENT, SHARE):
            number = _decimal(value)
            return None if number is None else number.normalize()
    except MoneyError:
        return value
    if isinstance(value, list):
        return tuple(value)
    return value


# --- the agreement's data ---------------------------------------------------------------------


_MISSING = object()


def _get(data: Any, parts: list[str | int]) -> Any:
    for part in parts:
        found = (isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data)) or (
            isinstance(part, str) and isinstance(data, dict) and part in data)
        if found:
            data = data[part]
        else:
            return _MISSING
    return data


def _set(data: Any, parts: list[str | int], value: Any) -> bool:
    """Set the field at ``parts`` (creating a mapping's key); False if the path does not lead anywhere."""
    container = _get(data, parts[:-1])
    last = parts[-1]
    if isinstance(last, int) and isinstance(container, list) and 0 <= last < len(container):
        container[last] = value
        return True
    if isinstance(last, str) and isinstance(container, dict):
        container[last] = value
        return True
    return False


def _cap_index(layers: Any, partner: str) -> int | None:
    if not isinstance(layers, list):
        return None
    return next((i for i, layer in enumerate(layers)
                 if isinstance(layer, dict) and layer.get("layer") == "cap" and layer.get("partner") == partner), None)


# --- reading the map --------------------------------------------------------------------------


class _Reader:
    """Reads every mapped cell, works out what each change asks for, and applies what fits together."""

    def __init__(self, workbook: Workbook, values: CellValues, data: dict, inputs_cells: dict[str, str],
                 name: str) -> None:
        self.workbook = workbook
        self.values = values
        self.data = data
        self.inputs_cells = inputs_cells
        self.name = name
        self.errors: list[InputError] = []
        self.changes: list[Change] = []
        self.removals: list[tuple[list[str | int], int]] = []

    def error(self, cell: str, message: str) -> None:
        self.errors.append(InputError(Source(self.name, None, cell), message))

    def layout_moved(self, rows: list[MapRow]) -> set[str]:
        """Sheets whose tables or defined names moved since export (an error for each); their cells are not read."""
        moved: set[str] = set()
        for row in rows:
            if row.reads_as not in (LAYOUT_TABLE, LAYOUT_NAME) or row.sheet in moved:
                continue
            if row.sheet not in self.workbook.sheetnames:
                continue
            now = self._layout_now(row)
            if now != row.exported:
                moved.add(row.sheet)
                what = "table" if row.reads_as == LAYOUT_TABLE else "defined name"
                self.error(f"'{row.sheet}'",
                           f"rows or columns have been inserted or deleted on this sheet since the pack was exported "
                           f"(its {what} {row.path} was at {row.exported} and is now "
                           f"{now or 'gone'}), so its input cells are no longer where they were written: undo the "
                           "insertion or deletion and change figures in place, or change the agreement in the "
                           "Assumptions Inputs table")
        return moved

    def _layout_now(self, row: MapRow) -> str:
        if row.reads_as == LAYOUT_TABLE:
            table = self.workbook[row.sheet].tables.get(row.path)
            return "" if table is None else str(table.ref)
        defined = self.workbook.defined_names.get(row.path)
        if defined is None:
            return ""
        return next((ref for sheet, ref in defined.destinations if sheet == row.sheet), "")

    def current(self, row: MapRow) -> tuple[object, str]:
        """The cell's value now (formulas worked out) and its number format."""
        cell = self.workbook[row.sheet][row.coordinate]
        return self.values.value(cell), str(getattr(cell, "number_format", "") or "")

    def read(self, rows: list[MapRow]) -> None:
        """Read every cell of the map and apply the changes that can be taken."""
        moved = self.layout_moved(rows)
        missing: set[str] = set()
        self.wanted: dict[tuple[str, str, str], list[_Wanted]] = {}
        self.exported: dict[tuple[str, str, str], object] = {}
        groups: dict[tuple[str, str], list[tuple[MapRow, object]]] = {}
        for row in rows:
            if row.reads_as in (LAYOUT_TABLE, LAYOUT_NAME) or row.sheet in moved:
                continue
            if row.sheet not in self.workbook.sheetnames:
                if row.sheet not in missing:
                    missing.add(row.sheet)
                    self.error(where(row.sheet, ""), f"the sheet {row.sheet!r} has been deleted or renamed; the "
                                                     "pack's input cells on it cannot be read: put it back")
                continue
            value, number_format = self.current(row)
            if value is UNREADABLE:
                continue  # the formula's problem is already listed
            if row.reads_as in (THE_PARTNER, SHARING):
                groups.setdefault((row.path, row.reads_as), []).append((row, value))
            elif not _same(value, row.exported):
                self._changed(row, value, number_format)
        wanted, exported = self.wanted, self.exported
        for (path, unit, partner), asks in wanted.items():
            self._apply(path, unit, partner, asks, exported[(path, unit, partner)])
        for (path, unit), cells in groups.items():
            self._apply_group(path, unit, cells)
        for parts, index in sorted(self.removals, key=lambda r: r[1], reverse=True):
            listing = _get(self.data, parts)
            if isinstance(listing, list):
                del listing[index]

    def _changed(self, row: MapRow, value: object, number_format: str) -> None:
        """A cell that no longer holds what was exported: what it asks its field to become, or an error."""
        cell = where(row.sheet, row.coordinate)
        unit = row.reads_as
        change = f"changed from {_shown(row.exported, unit, number_format)} to {_shown(value, unit, number_format)}"
        if unit.startswith(FIXED_PREFIX):
            reason = REASONS.get(unit[len(FIXED_PREFIX):], "is worked out, not an input of the agreement")
            self.error(cell, f"{change}, but this cell {reason.format(field=row.path or 'the agreement')}")
            return
        if unit not in UNITS:
            self.error(cell, f"{change}, but the Input cells table on the Assumptions sheet says it reads as "
                             f"{unit!r}, which this tool does not know: export the pack again")
            return
        try:
            new = _convert(unit, value, number_format)
        except CellProblem as exc:
            self.error(cell, f"{change}: {exc}")
            return
        key = (row.path, unit, row.partner)
        self.wanted.setdefault(key, []).append(_Wanted(cell, new, _shown(value, unit), _shown(row.exported, unit)))
        self.exported.setdefault(key, _convert(unit, row.exported, ""))

    def _inputs_cell(self, path: str) -> str:
        """The Inputs table's Value cell of a field (or of the first row under it)."""
        if path in self.inputs_cells:
            return self.inputs_cells[path]
        return next((cell for key, cell in self.inputs_cells.items()
                     if key.startswith((path + ".", path + "["))), "the Assumptions Inputs table")

    def _agreed(self, unit: str, asks: list[_Wanted], path: str) -> _Wanted | None:
        """The one value the changed cells ask for (None, with an error, if two cells disagree)."""
        first = asks[0]
        for other in asks[1:]:
            if _canonical(unit, other.value) != _canonical(unit, first.value):
                self.error(other.cell, f"changed to {other.shown} here but to {first.shown} at {first.cell}; both "
                                       f"cells show {path}: make them agree")
                return None
        return first

    def _apply(self, path: str, unit: str, partner: str, asks: list[_Wanted], exported: object) -> None:
        """Set one field from its changed cells, unless they or the Inputs table disagree."""
        ask = self._agreed(unit, asks, path)
        if ask is None:
            return
        try:
            parts = parse_path(path)
        except PathError as exc:
            self.error(ask.cell, f"the Input cells table names the field {path!r}, which cannot be read ({exc}): "
                                 "export the pack again")
            return
        if unit == CAP:
            self._apply_cap(parts, partner, ask, exported)
            return
        target = [*parts, partner] if unit == SHARE else parts
        field = join_path(target)
        now = _get(self.data, target)
        now = None if now is _MISSING else now
        if _canonical(unit, now) != _canonical(unit, exported) and _canonical(unit, now) != _canonical(unit,
                                                                                                       ask.value):
            self.error(ask.cell, f"changed to {ask.shown} here, but {field} was also changed in the Assumptions Inputs "
                                 f"table ({self._inputs_cell(field)}) to {now!r}: change it in one place only")
            return
        if not _set(self.data, target, ask.value):
            self.error(ask.cell, f"the Input cells table names the field {field}, which the agreement in the "
                                 "Inputs table does not have: export the pack again")
            return
        self.changes.append(Change(ask.cell, target, ask.old_shown, ask.shown))

    def _apply_cap(self, parts: list[str | int], partner: str, ask: _Wanted, exported: object) -> None:
        """Set, add or remove one partner's cap layer."""
        layers = _get(self.data, parts)
        if not isinstance(layers, list):
            self.error(ask.cell, f"the agreement in the Inputs table has no risk share at {join_path(parts)}: "
                                 "export the pack again")
            return
        index = _cap_index(layers, partner)
        now = None if index is None else layers[index].get("cap")
        if _canonical(CAP, now) != _canonical(CAP, exported) and _canonical(CAP, now) != _canonical(CAP, ask.value):
            field = join_path([*parts, index if index is not None else len(layers), "cap"])
            self.error(ask.cell, f"changed to {ask.shown} here, but {partner}'s cap was also changed in the "
                                 f"Assumptions Inputs table ({self._inputs_cell(field)}): change it in one place only")
            return
        if index is None:
            if ask.value is None:
                return
            layers.append({"layer": "cap", "partner": partner, "cap": ask.value})
            self.changes.append(Change(ask.cell, [*parts, len(layers) - 1, "cap"], ask.old_shown, ask.shown))
        elif ask.value is None:
            self.removals.append((parts, index))
            self.changes.append(Change(ask.cell, [*parts, index], ask.old_shown, "no cap"))
        else:
            layers[index]["cap"] = ask.value
            self.changes.append(Change(ask.cell, [*parts, index, "cap"], ask.old_shown, ask.shown))

    def _apply_group(self, path: str, unit: str, cells: list[tuple[MapRow, object]]) -> None:
        """A row of 1s and 0s, one per partner: who bears a band or switch, or who shares pro rata."""
        edited = [(row, value) for row, value in cells if not _same(value, row.exported)]
        if not edited:
            return
        first = where(edited[0][0].sheet, edited[0][0].coordinate)
        flags: dict[str, bool] = {}
        for row, value in cells:
            flag = _flag(value)
            if flag is None:
                self.error(where(row.sheet, row.coordinate), f"{value!r} is not 1 or 0; type 1 if {row.partner} "
                                                             f"{'bears it' if unit == THE_PARTNER else 'shares'}, "
                                                             "0 if not")
                return
            flags[row.partner] = flag
        chosen = [partner for partner, flag in flags.items() if flag]
        parts = parse_path(path)
        now = _get(self.data, parts)
        if unit == THE_PARTNER:
            if len(chosen) != 1:
                found = f"1 in {', '.join(chosen)}" if chosen else "no 1"
                self.error(first, f"one partner bears this, so exactly one partner's column must hold 1 (found "
                                  f"{found}): put 1 in one column and 0 in the others")
                return
            new: object = chosen[0]
        else:
            if not chosen:
                self.error(first, "no partner shares this: put 1 in the column of each partner that shares")
                return
            new = [] if now == [] and len(chosen) == len(flags) else chosen
        exported_flags = {row.partner: _flag(row.exported) for row, _ in cells}
        exported_chosen = [p for p, flag in exported_flags.items() if flag]
        exported_value: object = (exported_chosen[0] if unit == THE_PARTNER and exported_chosen else
                                  exported_chosen)
        if _canonical(unit, now) not in (_canonical(unit, new), _canonical(unit, exported_value)) and not (
                unit == SHARING and now == []):
            self.error(first, f"changed here, but {path} was also changed in the Assumptions Inputs table "
                              f"({self._inputs_cell(path)}): change it in one place only")
            return
        if not _set(self.data, parts, new):
            self.error(first, f"the Input cells table names the field {path}, which the agreement in the Inputs "
                              "table does not have: export the pack again")
            return
        old = ", ".join(exported_chosen) if exported_chosen else "none"
        self.changes.append(Change(first, parts, old, ", ".join(chosen)))


def read_input_cells(
    workbook: Workbook, values: CellValues, data: dict, inputs_cells: dict[str, str], name: str, sheet: str
) -> tuple[list[Change], list[str], list[InputError]]:
    """Apply the changes made to the pack's input cells to ``data`` (the agreement rebuilt from the Inputs table).

    Args:
        workbook: the pack as read (formulas as text).
        values: the cell reader that works formulas out.
        data: the agreement's data from the Inputs table; changed in place.
        inputs_cells: each field path of the Inputs table and its Value cell (to name it in a clash).
        name: the file name for messages.
        sheet: the name of the Assumptions sheet.

    Returns:
        The changes applied, notes for the user (what was changed, or that the pack has no map), and
        every problem found, each located at its cell.
    """
    ws = workbook[sheet]
    header_row = find_map(ws)
    if header_row is None:
        return [], [f"This pack has no {MAP_TITLE!r} table on its {sheet} sheet (it was exported by an earlier "
                    "version), so changes to its yellow cells outside the Expenditure plan are not read: make them "
                    "in the Assumptions Inputs table, or export the pack again"], []
    reader = _Reader(workbook, values, data, inputs_cells, name)
    reader.read(read_map(ws, header_row))
    notes = [f"Changed on the pack: {change.cell} {format_path(tuple(change.path))}: {change.old} -> {change.new}"
             for change in reader.changes]
    return reader.changes, notes, reader.errors


def relocate(errors: list[InputError], changes: list[Change], name: str) -> list[InputError]:
    """Report a validation problem in a field changed on the pack at the cell that changed it."""
    if not changes:
        return errors
    moved: list[InputError] = []
    for error in errors:
        change = _change_for(error.source.path, changes)
        if change is None:
            under = [c for c in changes if error.source.path and _inside(error.source.path, format_path(tuple(c.path)))]
            if under:
                said = "; ".join(f"{c.cell} {c.old} -> {c.new}" for c in under)
                error = InputError(error.source, f"{error.message} (changed on the pack: {said})")
            moved.append(error)
            continue
        moved.append(InputError(Source(name, None, change.cell),
                                f"{format_path(tuple(change.path))}: {error.message} (this cell was changed from "
                                f"{change.old} to {change.new})"))
    return moved


def _change_for(path: str, changes: list[Change]) -> Change | None:
    """The change a validation error's field path falls in (or, for a check on the whole of a field, under)."""
    if not path:
        return None
    for change in changes:
        if _inside(format_path(tuple(change.path)), path):
            return change
    depth = path.count(".") + path.count("[")
    for change in changes:
        if depth >= 3 and _inside(path, format_path(tuple(change.path))):
            return change
    return None


def _inside(outer: str, inner: str) -> bool:
    """Whether field path ``inner`` is ``outer`` or a field within it."""
    return inner == outer or inner.startswith((outer + ".", outer + "["))
