"""Writing cells safely, and recording what every formula must come to.

Every formula written through :class:`Sheet` is recorded with the figure
the engine (or its exact Python mirror) gives for that cell, so the tests
can recalculate the workbook and compare every formula cell to the penny.
Text that could be read as a formula is always written as text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.core.errors import PooledfundError
from pooledfund.core.money import pounds_float
from pooledfund.io.excel import styles
from pooledfund.io.excel.inputmap import Binding, InputMap

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The most characters an Excel cell holds; longer text would be cut when the workbook is opened.
CELL_TEXT_MAX = 32_767
#: The most characters of a text constant inside an Excel formula.
FORMULA_TEXT_MAX = 255
#: The most characters of an Excel defined name.
NAME_MAX = 255
_NAME_HASH = 8

ExpectKind = Literal["money", "number", "text"]


@dataclass(frozen=True)
class Expected:
    """What a formula cell must show: pence (money), a plain number, or text."""

    kind: ExpectKind
    value: int | float | str


@dataclass
class Expectations:
    """Every formula cell of the pack: ``(sheet, "B7") -> Expected``."""

    cells: dict[tuple[str, str], Expected] = field(default_factory=dict)


def ref(col: int, row: int, *, absolute: bool = False, sheet: str | None = None) -> str:
    """An A1 reference, optionally absolute and on another sheet."""
    letter = get_column_letter(col)
    text = f"${letter}${row}" if absolute else f"{letter}{row}"
    return f"{quote(sheet)}!{text}" if sheet else text


def col_range(col: int, first: int, last: int, sheet: str | None = None) -> str:
    """An absolute range down one column, e.g. ``'Projection'!$R$5:$R$90``."""
    letter = get_column_letter(col)
    text = f"${letter}${first}:${letter}${last}"
    return f"{quote(sheet)}!{text}" if sheet else text


def quote(sheet: str) -> str:
    """A sheet name as a formula writes it."""
    return "'" + sheet.replace("'", "''") + "'"


def formula_text(value: str) -> str:
    """A text constant inside a formula: quoted, with its quotes doubled."""
    return '"' + value.replace('"', '""') + '"'


def write_text_cell(cell: Cell, value: str) -> None:
    """Put ``value`` in ``cell`` as text, never as a formula.

    openpyxl treats any string starting with "=" as a formula; here such a
    string (and one starting with +, -, @, tab or CR, which other programs may
    evaluate) is stored as a plain string with Excel's quote prefix. Text
    longer than a cell holds is refused (:class:`PooledfundError` naming the
    cell), never cut: the inputs are checked before the pack is built
    (:mod:`pooledfund.io.excel.limits`), so this is only a last guard.
    """
    if len(value) > CELL_TEXT_MAX:
        raise PooledfundError(f"{quote(cell.parent.title)}!{cell.coordinate}: the text is {len(value):,} characters; "
                              f"a workbook cell holds at most {CELL_TEXT_MAX:,}")
    cell.value = value
    if value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


class Sheet:
    """A worksheet plus the pack's expectations and input map: small helpers for each kind of cell.

    A cell written with ``field=`` is recorded in the input map with the
    value written, so ``import-xlsx`` can read a change to it back into the
    agreement (or refuse it, saying where to change it instead). Every
    yellow input cell outside the Expenditure plan (read back by its
    headings) is written with one.
    """

    def __init__(self, ws: Worksheet, expectations: Expectations, inputs: InputMap | None = None) -> None:
        self.ws = ws
        self.name = ws.title
        self.expectations = expectations
        self.inputs = inputs

    def _bind(self, cell: Cell, field: Binding | None) -> None:
        if field is not None and self.inputs is not None:
            self.inputs.record(self.name, cell.row, cell.column, field, cell.value)

    def text(self, row: int, col: int, value: str, *, font: Font | None = None, wrap: bool = False,
             field: Binding | None = None) -> Cell:
        """A text cell (escaped: never a formula)."""
        cell = self.ws.cell(row=row, column=col)
        if wrap:
            cell.alignment = styles.WRAP
        write_text_cell(cell, value)
        if font is not None:
            cell.font = font
        self._bind(cell, field)
        return cell

    def value(self, row: int, col: int, value: object, number_format: str | None = None, *,
              input_cell: bool = False, field: Binding | None = None) -> Cell:
        """A plain value; text is escaped, ``None`` leaves the cell empty."""
        cell = self.ws.cell(row=row, column=col)
        if isinstance(value, str):
            write_text_cell(cell, value)
        else:
            cell.value = value
        if number_format:
            cell.number_format = number_format
        if input_cell:
            cell.fill = styles.INPUT_FILL
        self._bind(cell, field)
        return cell

    def money(self, row: int, col: int, pence: int | None, *, input_cell: bool = False,
              field: Binding | None = None) -> Cell:
        """An amount in pounds (from pence), formatted £ with brackets; ``None`` leaves it empty."""
        return self.value(row, col, None if pence is None else pounds_float(pence), styles.GBP,
                          input_cell=input_cell, field=field)

    def formula(self, row: int, col: int, formula: str, expected: Expected,
                number_format: str | None = styles.GBP) -> Cell:
        """A live formula and the figure it must come to."""
        cell = self.ws.cell(row=row, column=col)
        cell.value = "=" + formula
        if number_format:
            cell.number_format = number_format
        self.expectations.cells[(self.name, cell.coordinate)] = expected
        return cell

    def money_formula(self, row: int, col: int, formula: str, pence: int, number_format: str = styles.GBP) -> Cell:
        """A formula that must come to ``pence``."""
        return self.formula(row, col, formula, Expected("money", int(pence)), number_format)


def money(pence: int) -> Expected:
    """Expect an amount of money (pence)."""
    return Expected("money", int(pence))


def number(value: float) -> Expected:
    """Expect a plain number (compared to 1 part in a billion)."""
    return Expected("number", float(value))


def text(value: str) -> Expected:
    """Expect text."""
    return Expected("text", value)


def define_name(wb: Workbook, name: str, sheet: str, col: int, row: int) -> None:
    """A workbook-level defined name for one input cell.

    Excel does not tell upper from lower case in names, so a name already
    given to another cell (in any case) is refused rather than moved: moving
    it would send that cell's formulas to the wrong input.
    """
    target = f"{quote(sheet)}!{ref(col, row, absolute=True)}"
    for existing in wb.defined_names.values():
        if existing.name.lower() == name.lower() and existing.attr_text != target:
            raise PooledfundError(
                f"the pack cannot give the input at {target} the defined name {name}: Excel already reads that name "
                f"as the input at {existing.attr_text}, because two arrangement or partner ids run together the same "
                "way; rename one of them")
    wb.defined_names[name] = DefinedName(name, attr_text=target)


def safe_name(*parts: str) -> str:
    """A valid, unique defined name from ids: letters, digits and underscores, never like a cell reference.

    Ids made only of lower-case letters, digits and underscores keep a
    readable name (``pf_bcf_pool_cap_icb``). Any other character becomes an
    underscore, and then a short hash of the ids as written is added, so
    ``p-2`` and ``p_2`` (or ``P2`` and ``p2``, the same name to Excel, which
    ignores case) never share a name. A name longer than Excel allows is cut
    and given the hash too.
    """
    cleaned = "_".join("".join(ch if ch.isalnum() else "_" for ch in part) for part in parts)
    name = f"pf_{cleaned}"
    plain = all(ch.isalnum() or ch == "_" for part in parts for ch in part) and name == name.lower()
    if plain and len(name) <= NAME_MAX:
        return name
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:_NAME_HASH]
    return f"{name[:NAME_MAX - _NAME_HASH - 1]}_{digest}"


def sum_where(values: str, criteria: list[tuple[str, str]]) -> str:
    """``SUMPRODUCT`` of ``values`` over the rows where each range holds exactly its text.

    Used instead of SUMIFS so that criteria such as "2025-26" or an id with a
    wildcard character are compared as plain text, never parsed; ``EXACT``
    rather than ``=`` because ``=`` ignores case, and partners ``P2`` and ``p2``
    are different partners.
    """
    tests = "*".join(f"EXACT({rng},{formula_text(text)})" for rng, text in criteria)
    return f"SUMPRODUCT({tests}*{values})" if tests else f"SUM({values})"


EPSILON = "1E-6"


def split_formula(amount: str, weights: str, weight: str) -> str:
    """Split ``amount`` (pounds) by the ``weights`` row exactly as the engine does, for the part at ``weight``.

    Largest remainder in whole pence: each part gets the whole pence of its
    exact share; the pence left over go one each to the largest remainders,
    ties to the part listed first (the leftmost column); a part with no
    weight gets nothing. A negative amount is split as its size, then negated.
    ``1E-6`` of a penny absorbs floating-point noise in the comparisons.
    """
    n = f"ROUND(ABS({amount})*100,0)"
    total = f"SUM({weights})"
    exact_all = f"{n}*{weights}/{total}"
    exact_one = f"{n}*{weight}/{total}"
    whole_all = f"INT({exact_all}+{EPSILON})"
    whole_one = f"INT({exact_one}+{EPSILON})"
    rem_all = f"({exact_all}-{whole_all})"
    rem_one = f"({exact_one}-{whole_one})"
    left = f"({n}-SUMPRODUCT({whole_all}))"
    rank = (f"SUMPRODUCT(({weights}>0)*({rem_all}>{rem_one}+{EPSILON}))"
            f"+SUMPRODUCT(({weights}>0)*(COLUMN({weights})<COLUMN({weight}))*(ABS({rem_all}-{rem_one})<={EPSILON}))")
    return (f"IF(OR(N({weight})<=0,{total}<=0),0,"
            f"SIGN({amount})*({whole_one}+IF({rank}<{left},1,0))/100)")
