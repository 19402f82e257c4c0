"""Formulas in a workbook being imported: worked out exactly, checked against the saved value, or refused.

A workbook keeps, beside each formula, the value it showed when it was last
saved, but a workbook written by a program (or saved with calculation off)
may have no saved value, or one the formula no longer gives. So a formula
cell the importer reads is never taken blank and never taken on trust:

* simple arithmetic over cells is worked out here, in exact decimals:
  numbers, references to cells on the same or another sheet (followed
  through their own formulas), ``+ - * / ^``, a leading minus, ``%``,
  brackets, ``SUM`` over cells and ranges and ``ROUND`` (half away from zero,
  as Excel rounds). Text is allowed only as a formula's whole result
  (``=B5``, ``="Reablement"``);
* the result is compared with the saved value, if there is one: more than
  half a penny apart is an error at the cell showing both;
* any other formula (``VLOOKUP``, ``IF``, a named range, a link to another
  workbook...) is refused at its cell, unless the caller trusts saved values
  (``--trust-saved-values``), in which case its saved value is used; a
  formula with no saved value is refused even then.

A formula that refers back to itself, however indirectly, is refused, and
the work done for one import is bounded (:data:`MAX_DEPTH` cells deep,
:data:`MAX_CELLS_VISITED` cells read), so no workbook can make it run long.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.formula import Tokenizer
from openpyxl.formula.tokenizer import Token, TokenizerError
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook

from pooledfund.core.errors import InputError, Source
from pooledfund.core.money import MAX_POUNDS, value_for_message

#: How far apart a formula's result and its saved value may be: half a penny.
TOLERANCE = Decimal("0.005")
#: The largest figure read from any cell, either way: the largest amount a pooled budget can hold, in pounds.
MAX_FIGURE = MAX_POUNDS
#: The longest chain of formulas followed from one cell.
MAX_DEPTH = 100
#: The most cells read while working out the formulas of one workbook.
MAX_CELLS_VISITED = 2_000_000
_WHAT_TO_DO = "type the figure, or pass --trust-saved-values to use the value the workbook saved"


class Unreadable:
    """The value of a cell whose formula could not be worked out (its error is already listed)."""

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE = Unreadable()


class FormulaProblem(Exception):
    """Why a formula cannot be worked out, in plain words, and the cell whose formula it is (once known)."""

    def __init__(self, message: str, origin: str = "") -> None:
        super().__init__(message)
        self.origin = origin


class NotSimple(FormulaProblem):
    """A formula beyond simple arithmetic: a saved value may stand in for it when the caller trusts saved values."""


@dataclass(frozen=True)
class Ref:
    """A rectangle of cells on one sheet (a single cell when first and last agree)."""

    sheet: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int

    @property
    def single(self) -> bool:
        """Whether the reference is one cell."""
        return self.min_col == self.max_col and self.min_row == self.max_row


def where(sheet: str, coordinate: str) -> str:
    """A cell as a formula writes it: ``'Expenditure plan'!P6``."""
    return "'" + sheet.replace("'", "''") + "'!" + coordinate


def _number(value: object) -> Decimal | None:
    """A cell's number as an exact decimal (what was typed, not the float's binary expansion); None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    return None


def _shown(value: object) -> str:
    """A value as a message shows it: 1,039,000.00 for a number, quoted text otherwise."""
    number = _number(value)
    if number is not None and number.is_finite() and number.copy_abs() > MAX_FIGURE:
        return format(number.normalize(), "E")  # 1E+30, not thirty digits (nor a quantize past the precision)
    if number is not None and number.is_finite():
        return f"{number:,.2f}" if number == number.quantize(Decimal("0.01")) else f"{number:,}"
    return repr(value)


def _formula_text(cell: Cell) -> str | None:
    """The formula in a cell (``=P6*1.039``), or None if it holds a plain value."""
    value = cell.value
    if cell.data_type == "f" and isinstance(value, str):
        return value
    text = getattr(value, "text", None)  # an array formula keeps its text here
    if isinstance(text, str):
        return text if text.startswith("=") else "=" + text
    if cell.data_type == "f":
        return "=" + str(value)
    return None


class CellValues:
    """The value of every cell the importer reads, formulas worked out; every problem kept as a located error.

    Args:
        formulas: the workbook as written (formulas as text).
        saved: the same workbook read for its saved values (``data_only=True``), or a function that reads it
            (called only when a formula is met, so a workbook without formulas is read once); None from it
            means the saved values cannot be read.
        name: the file name used in messages.
        trust_saved_values: use the saved value of a formula this module does not work out.
    """

    def __init__(self, formulas: Workbook, saved: Workbook | Callable[[], Workbook | None], name: str, *,
                 trust_saved_values: bool = False) -> None:
        self.formulas = formulas
        self._saved_book: Workbook | None = saved if isinstance(saved, Workbook) else None
        self._load_saved = None if isinstance(saved, Workbook) else saved
        self.name = name
        self.trust_saved_values = trust_saved_values
        self.errors: list[InputError] = []
        self._done: dict[tuple[str, int, int], object] = {}
        self._failed: dict[tuple[str, int, int], FormulaProblem] = {}
        self._reported: set[tuple[str, int, int]] = set()
        self._visited = 0

    def value(self, cell: Cell | MergedCell) -> object:
        """The cell's value, its formula worked out; :data:`UNREADABLE` (with an error listed) if it cannot be.

        Every number is checked here, before anyone rounds or compares it: one
        that is not finite or is beyond :data:`MAX_FIGURE` either way (``1e30``
        typed, ``=10^400``) is refused at its cell, as a too-large amount is.
        """
        if isinstance(cell, MergedCell):
            return cell.value
        key = (cell.parent.title, cell.row, cell.column)
        try:
            value = cell.value if _formula_text(cell) is None else self._resolve(key, [])
            _check_size(value)
            return value
        except FormulaProblem as exc:
            here = where(key[0], cell.coordinate)
            message = str(exc) if exc.origin in ("", here) else f"it uses {exc.origin}, where {exc}"
            if key not in self._reported:
                self._reported.add(key)
                self.errors.append(InputError(Source(self.name, None, here), message))
            return UNREADABLE

    def _cell(self, key: tuple[str, int, int]) -> Cell | None:
        """The cell of the formulas workbook at ``key``, None if blank (no cell is created)."""
        sheet, row, col = key
        ws = self.formulas[sheet]
        if row > ws.max_row or col > ws.max_column:
            return None
        cell = ws.cell(row=row, column=col)
        return None if isinstance(cell, MergedCell) else cell

    @property
    def saved(self) -> Workbook | None:
        """The workbook's saved values, read the first time they are needed."""
        if self._load_saved is not None:
            self._saved_book, self._load_saved = self._load_saved(), None
        return self._saved_book

    def _saved(self, key: tuple[str, int, int]) -> object:
        sheet, row, col = key
        if self.saved is None or sheet not in self.saved.sheetnames:
            return None
        ws = self.saved[sheet]
        if row > ws.max_row or col > ws.max_column:
            return None
        return ws.cell(row=row, column=col).value

    def _resolve(self, key: tuple[str, int, int], chain: list[tuple[str, int, int]]) -> object:
        """The value at ``key``: a plain value as it is, a formula worked out (or its saved value, if trusted)."""
        if key in self._done:
            return self._done[key]
        if key in self._failed:
            failed = self._failed[key]
            raise FormulaProblem(str(failed), failed.origin)
        self._visited += 1
        if self._visited > MAX_CELLS_VISITED:
            raise FormulaProblem(f"the formulas read more than {MAX_CELLS_VISITED:,} cells; {_WHAT_TO_DO}")
        cell = self._cell(key)
        formula = None if cell is None else _formula_text(cell)
        if cell is None:
            return None
        if formula is None:
            try:
                _check_size(cell.value)
            except FormulaProblem as exc:
                exc.origin = where(key[0], cell.coordinate)
                raise
            return cell.value
        if key in chain:
            loop = " -> ".join(where(s, f"{_letter(c)}{r}") for s, r, c in [*chain[chain.index(key):], key])
            raise FormulaProblem(f"the formula {formula} refers back to itself ({loop}); a formula cannot depend on "
                                 "its own result: type the figure", where(key[0], cell.coordinate))
        if len(chain) >= MAX_DEPTH:
            raise FormulaProblem(f"the formula {formula} is at the end of a chain of more than {MAX_DEPTH} formulas; "
                                 f"{_WHAT_TO_DO}", where(key[0], cell.coordinate))
        try:
            try:
                value = self._work_out(key, formula, [*chain, key])
            except NotSimple as exc:
                value = self._trusted(key, formula, str(exc))
        except FormulaProblem as exc:
            exc.origin = exc.origin or where(key[0], cell.coordinate)
            self._failed[key] = exc
            raise
        self._done[key] = value
        return value

    def _trusted(self, key: tuple[str, int, int], formula: str, why: str) -> object:
        """The saved value of a formula this module does not work out, if the caller trusts it; else the refusal."""
        saved = self._saved(key)
        if not self.trust_saved_values:
            message = f"the formula {formula} cannot be checked ({why}); {_WHAT_TO_DO}"
        elif saved is None:
            message = (f"the formula {formula} cannot be checked ({why}) and the workbook saved no value for it; "
                       "open the workbook in Excel or LibreOffice and save it (so its values are saved), or type the "
                       "figure")
        else:
            return saved
        raise FormulaProblem(message)

    def _work_out(self, key: tuple[str, int, int], formula: str, chain: list[tuple[str, int, int]]) -> object:
        """Work the formula out and compare it with the saved value."""
        try:
            tokens = [t for t in Tokenizer(formula).items if t.type != Token.WSPACE]
        except TokenizerError as exc:
            raise FormulaProblem(f"the formula {formula} cannot be read ({exc}); type the figure") from None
        parser = _Parser(tokens, key[0], self, chain, formula)
        try:
            result = parser.parse()
        except ArithmeticError:  # decimal Overflow, InvalidOperation (such as 10^999999*10^999999)
            raise FormulaProblem(f"the formula {formula} comes to a number too large to work out; check the "
                                 "formula or type the figure") from None
        _check_size(result)
        saved = self._saved(key)
        if saved is None or (isinstance(saved, str) and saved == ""):
            return result
        if not _agree(result, saved):
            raise FormulaProblem(
                f"the formula {formula} comes to {_shown(result)} but the workbook saved {_shown(saved)} as its "
                "value; one of them is out of date: check the formula and the figures it uses, then recalculate and "
                "save the workbook (or type the figure)")
        return result

    def number_at(self, ref: Ref, chain: list[tuple[str, int, int]], formula: str) -> Decimal:
        """The number in a single cell (blank is 0); text is an error."""
        value = self._resolve((ref.sheet, ref.min_row, ref.min_col), chain)
        if value is None or value == "":
            return Decimal(0)
        number = _number(value)
        if number is None:
            raise FormulaProblem(f"the formula {formula} does arithmetic on {where(ref.sheet, _coord(ref))}, which "
                                 f"holds {value!r}, not a number; type the figure")
        return number

    def numbers_in(self, ref: Ref, chain: list[tuple[str, int, int]]) -> list[Decimal]:
        """The numbers in a range, as SUM reads them (text, blanks and yes/no skipped)."""
        ws = self.formulas[ref.sheet]
        found: list[Decimal] = []
        for row in range(ref.min_row, min(ref.max_row, ws.max_row) + 1):
            for col in range(ref.min_col, min(ref.max_col, ws.max_column) + 1):
                number = _number(self._resolve((ref.sheet, row, col), chain))
                if number is not None:
                    found.append(number)
        return found

    def sheet_named(self, sheet: str, formula: str) -> str:
        """The sheet a reference names, as the workbook spells it; an error if there is none."""
        if sheet in self.formulas.sheetnames:
            return sheet
        raise FormulaProblem(f"the formula {formula} refers to the sheet {sheet!r}, which this workbook does not "
                             "have; type the figure")


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _coord(ref: Ref) -> str:
    first = f"{_letter(ref.min_col)}{ref.min_row}"
    return first if ref.single else f"{first}:{_letter(ref.max_col)}{ref.max_row}"


def _check_size(value: object) -> None:
    """Refuse a number that is not finite or is larger than :data:`MAX_FIGURE` (no pooled-budget figure is)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return
    if isinstance(value, int):
        too_big = abs(value) > MAX_FIGURE
    else:
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if not number.is_finite():
            raise FormulaProblem(f"{_shown(value)} is not a number; type the figure")
        too_big = number.copy_abs() > MAX_FIGURE
    if too_big:  # worded as the money check words an amount too large, so every cell says the same
        shown = _shown(value) if isinstance(value, Decimal) else value_for_message(value)
        raise FormulaProblem(f"{shown} is more than £{MAX_FIGURE:,}, far beyond any pooled budget; check the figure")


def _agree(result: object, saved: object) -> bool:
    """Whether a worked-out result and the saved value agree (numbers to half a penny, text exactly)."""
    ours, theirs = _number(result), _number(saved)
    if ours is not None and theirs is not None:
        return abs(ours - theirs) <= TOLERANCE
    if isinstance(result, str) and isinstance(saved, str):
        return result == saved
    return False


def _round(value: Decimal, digits: Decimal) -> Decimal:
    """Excel's ROUND: half away from zero, to ``digits`` places (negative: tens, hundreds...)."""
    places = int(digits)  # Excel ignores any fraction of the number of places
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class _Parser:
    """A recursive-descent reading of one formula's tokens, in Excel's order of operations.

    From loosest to tightest: ``+ -``, ``* /``, ``^``, a leading ``-`` or
    ``+``, a trailing ``%``, then numbers, text, references, brackets and
    the functions ``SUM`` and ``ROUND``. (Excel applies a leading minus
    before ``^``: ``=-2^2`` is 4.)
    """

    def __init__(self, tokens: list[Token], sheet: str, values: CellValues, chain: list[tuple[str, int, int]],
                 formula: str) -> None:
        self.tokens = tokens
        self.position = 0
        self.sheet = sheet
        self.values = values
        self.chain = chain
        self.formula = formula

    def parse(self) -> object:
        """The formula's result: a number, or text when the whole formula is text or one reference."""
        if not self.tokens:
            raise FormulaProblem(f"the formula {self.formula} is empty; type the figure")
        if len(self.tokens) == 1:
            only = self._primary()
            if isinstance(only, Ref):
                if not only.single:
                    raise NotSimple("it is a range, not one value")
                return self.values._resolve((only.sheet, only.min_row, only.min_col), self.chain)
            return only
        result = self._number(self._additive())
        if self.position != len(self.tokens):
            raise NotSimple(f"it has {self.tokens[self.position].value!r} where an operator was expected")
        return result

    def _peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> Token:
        token = self._peek()
        if token is None:
            raise FormulaProblem(f"the formula {self.formula} ends too soon; type the figure")
        self.position += 1
        return token

    def _is(self, token: Token | None, kind: str, *values: str) -> bool:
        return token is not None and token.type == kind and (not values or token.value in values)

    def _number(self, value: object) -> Decimal:
        """An operand as a number: a single cell's number, a literal number; text and ranges are errors."""
        if isinstance(value, Ref):
            if not value.single:
                raise NotSimple(f"it uses the range {_coord(value)} outside SUM")
            return self.values.number_at(value, self.chain, self.formula)
        if isinstance(value, Decimal):
            return value
        raise NotSimple(f"it does arithmetic on text ({value!r})")

    def _additive(self) -> object:
        left = self._multiplicative()
        while self._is(self._peek(), Token.OP_IN, "+", "-"):
            operator = self._take().value
            right = self._number(self._multiplicative())
            left = self._number(left) + right if operator == "+" else self._number(left) - right
        return left

    def _multiplicative(self) -> object:
        left = self._power()
        while self._is(self._peek(), Token.OP_IN, "*", "/"):
            operator = self._take().value
            right = self._number(self._power())
            if operator == "*":
                left = self._number(left) * right
            elif right == 0:
                raise FormulaProblem(f"the formula {self.formula} divides by zero; correct it or type the figure")
            else:
                left = self._number(left) / right
        return left

    def _power(self) -> object:
        left = self._unary()
        while self._is(self._peek(), Token.OP_IN, "^"):
            self._take()
            exponent = self._number(self._unary())
            try:
                with localcontext() as context:
                    context.prec = 34
                    left = self._number(left) ** exponent
            except (InvalidOperation, ArithmeticError):
                raise FormulaProblem(f"the formula {self.formula} raises a number to a power that has no value "
                                     "(such as a negative number to a fraction); type the figure") from None
        return left

    def _unary(self) -> object:
        token = self._peek()
        if self._is(token, Token.OP_PRE, "-", "+"):
            self._take()
            value = self._number(self._unary())
            return -value if token is not None and token.value == "-" else value
        return self._percent()

    def _percent(self) -> object:
        value = self._primary()
        while self._is(self._peek(), Token.OP_POST, "%"):
            self._take()
            value = self._number(value) / 100
        return value

    def _primary(self) -> object:
        token = self._take()
        if token.type == Token.OPERAND:
            return self._operand(token)
        if token.type == Token.PAREN and token.value == "(":
            value = self._additive()
            if not self._is(self._take_or_none(), Token.PAREN, ")"):
                raise FormulaProblem(f"the formula {self.formula} has a bracket that is not closed; type the figure")
            return value
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            return self._function(token.value[:-1].upper())
        if token.type == Token.OP_IN:
            raise NotSimple(f"it uses the operator {token.value!r}" if token.value not in "+-*/^" else
                            f"it has {token.value!r} where a number was expected")
        raise NotSimple(f"it has {token.value!r} where a number was expected")

    def _take_or_none(self) -> Token | None:
        token = self._peek()
        if token is not None:
            self.position += 1
        return token

    def _operand(self, token: Token) -> object:
        if token.subtype == Token.NUMBER:
            try:
                return Decimal(token.value)
            except InvalidOperation:
                raise FormulaProblem(f"the formula {self.formula} has {token.value!r}, which is not a number") from None
        if token.subtype == Token.TEXT:
            return token.value[1:-1].replace('""', '"')
        if token.subtype == Token.RANGE:
            return self._reference(token.value)
        if token.subtype == Token.LOGICAL:
            raise NotSimple(f"it uses the yes/no value {token.value}")
        raise NotSimple(f"it holds the error value {token.value}")

    def _reference(self, text: str) -> Ref:
        """A cell or range reference, on this sheet or another; names, whole columns and other files are not simple."""
        sheet, _, address = text.rpartition("!")
        if "[" in text:
            raise NotSimple("it refers to another workbook")
        if sheet:
            if sheet.startswith("'") and sheet.endswith("'"):
                sheet = sheet[1:-1].replace("''", "'")
            if ":" in sheet:
                raise NotSimple("it refers to several sheets at once")
            sheet = self.values.sheet_named(sheet, self.formula)
        else:
            sheet = self.sheet
        try:
            min_col, min_row, max_col, max_row = range_boundaries(address.replace("$", ""))
        except (ValueError, TypeError):
            raise NotSimple(f"it uses the name {address!r}, which this tool does not look up") from None
        if min_col is None or min_row is None or max_col is None or max_row is None:
            raise NotSimple(f"it uses the whole column or row {address}")
        return Ref(sheet, min_col, min_row, max_col, max_row)

    def _arguments(self) -> list[object]:
        """A function's arguments, up to its closing bracket."""
        arguments: list[object] = []
        if self._is(self._peek(), Token.FUNC, ")"):
            self._take()
            return arguments
        while True:
            arguments.append(self._additive())
            token = self._take()
            if token.type == Token.SEP and token.subtype == Token.ARG:
                continue
            if token.type == Token.FUNC and token.subtype == Token.CLOSE:
                return arguments
            raise NotSimple(f"it has {token.value!r} inside a function's brackets")

    def _function(self, name: str) -> Decimal:
        if name not in ("SUM", "ROUND"):
            raise NotSimple(f"it uses the function {name}, and this tool works out only SUM and ROUND")
        arguments = self._arguments()
        if name == "SUM":
            total = Decimal(0)
            for argument in arguments:
                if isinstance(argument, Ref):
                    total += sum(self.values.numbers_in(argument, self.chain), Decimal(0))
                else:
                    total += self._number(argument)
            return total
        if len(arguments) != 2:
            raise FormulaProblem(f"the formula {self.formula} gives ROUND {len(arguments)} arguments; it takes a "
                                 "number and the places to round to")
        return _round(self._number(arguments[0]), self._number(arguments[1]))
