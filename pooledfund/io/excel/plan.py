"""Read an expenditure plan sheet in the BCF template's layout, cell by cell, with located errors.

The header row may be anywhere in the first 30 rows; columns are found by
their headings (other headings the template uses are accepted, and columns
this tool does not model, such as Expected outputs, are ignored); blank rows
are skipped and a row starting "Total" ends the plan (anything written below
it is refused, never dropped). A heading that looks like a misspelt expected
one, a missing or repeated column, merged cells (in the header row or the
rows below it), text in a money cell, a percentage outside 0 to 100 and
unknown words in the template's lists each give one error naming the sheet,
the cell and what was expected.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TypeVar

from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.core.errors import InputError, Source
from pooledfund.core.money import MoneyError, to_pence
from pooledfund.core.vocabulary import AreaOfSpend, FundingSource, ProviderKind, SchemeType, scheme_type_from_text
from pooledfund.core.years import parse_year
from pooledfund.io.excel import layout
from pooledfund.io.excel.formulas import UNREADABLE
from pooledfund.io.excel.numberformats import not_an_amount, scales_by_hundred

EnumT = TypeVar("EnumT", bound=Enum)
#: What a cell holds, formulas worked out (:meth:`pooledfund.io.excel.formulas.CellValues.value`).
Resolve = Callable[[Cell], object]


def plain_value(cell: Cell) -> object:
    """A cell's value as openpyxl read it (formulas not worked out): for sheets built in memory."""
    return cell.value

HEADER_SEARCH_ROWS = 30
#: The template's Commissioner words, as the side they stand for: LA, NHS (an ICB or NHS trust) or JOINT.
COMMISSIONER_WORDS = {"LA": "LA", "LOCAL AUTHORITY": "LA", "ICB": "NHS", "CCG": "NHS", "NHS": "NHS",
                      "JOINT": "JOINT"}


def percent_words(value: Decimal) -> str:
    """A percentage as a person writes it: 150, 33.3333 (never 1.5E+2)."""
    return format(value.normalize(), "f")


@dataclass
class StatedCommissioner:
    """What the template's Commissioner, % NHS and % LA cells of a row say, with their cells."""

    side: str  # LA, NHS or JOINT; "" when the Commissioner cell is blank
    word: str  # as written, in capitals
    nhs: Decimal | None
    la: Decimal | None
    cells: dict[str, str]  # heading -> coordinate, e.g. {"Commissioner": "G5", "% NHS": "H5", "% LA": "I5"}


@dataclass
class PlanScheme:
    """One scheme row as read from the sheet."""

    id: str
    name: str
    description: str
    scheme_type: SchemeType
    sub_type: str
    area_of_spend: AreaOfSpend
    commissioner: str | dict[str, str]
    provider: ProviderKind
    funding_source: FundingSource
    budget: dict[str, int] = field(default_factory=dict)
    new_or_existing: str = "existing"
    arrangement: str = ""
    arrangement_cell: str = ""
    stated: StatedCommissioner | None = None
    split_cell: str = ""  # the Commissioner split cell, when it is filled in
    row: int = 0  # the sheet row it was read from


class _Row:
    """The cells of one plan row, by heading, collecting errors as they are read."""

    def __init__(self, ws: Worksheet, name: str, cells: dict[str, Cell], errors: list[InputError],
                 resolve: Resolve) -> None:
        self.ws = ws
        self.name = name
        self.cells = cells
        self.errors = errors
        self.resolve = resolve

    def value(self, heading: str) -> object:
        """What the cell under a heading holds, its formula worked out (None if the sheet has no such column)."""
        cell = self.cells.get(heading)
        return None if cell is None else self.resolve(cell)

    def coordinate(self, heading: str) -> str:
        """The cell of a heading in this row ("" if the sheet has no such column)."""
        cell = self.cells.get(heading)
        return "" if cell is None else cell.coordinate

    def error(self, heading: str, message: str) -> None:
        cell = self.cells[heading]
        self.errors.append(InputError(Source(self.name, None, f"'{self.ws.title}'!{cell.coordinate}"), message))

    def text(self, heading: str, *, required: bool = False) -> str:
        cell = self.cells.get(heading)
        value = self.value(heading)
        if value is UNREADABLE:
            return ""  # its formula's problem is already listed
        if value is None or (isinstance(value, str) and not value.strip()):
            if required and cell is not None:
                self.error(heading, f"{heading} is empty; every scheme row needs one")
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def choice(self, heading: str, lookup: Callable[[str], EnumT | None], words: list[str]) -> EnumT | None:
        """The template-list word in a heading's cell, as ``lookup`` finds it (None, with an error, if not found)."""
        text = self.text(heading, required=True)
        if not text:
            return None
        found = lookup(text)
        if found is None:
            self.error(heading, f"{text!r} is not a {heading.lower()} in the template's list; expected one of: "
                                f"{'; '.join(words)}")
        return found

    def percent(self, heading: str) -> Decimal | None:
        cell = self.cells.get(heading)
        value = self.value(heading)
        if cell is None or value is None or value == "" or value is UNREADABLE:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            self.error(heading, f"{value!r} is text; expected a percentage as a number, such as 60")
            return None
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if scales_by_hundred(cell.number_format, number):
            number *= 100  # a cell formatted as a percentage holds 0.6 for 60%
        if not 0 <= number <= 100:
            self.error(heading, f"{percent_words(number)}% is not a share; expected a percentage between 0 and 100")
            return None
        return number.normalize()

    def money(self, heading: str) -> int | None:
        value = self.value(heading)
        if value is None or value is UNREADABLE or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
            self.error(heading, f"{not_an_amount(value)}; type the amount in pounds, such as 1250000.00")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
            self.error(heading, f"{value!r} is not an amount; type the amount in pounds, such as 1250000.00")
            return None
        try:  # text such as '£2,850,000' is read as Contributions reads it (the same parser, to_pence)
            # as a float, a whole number gets the size check too (exact: anything that float would blur is refused)
            pence = to_pence(float(value) if isinstance(value, int) else value)
        except MoneyError as exc:
            self.error(heading, str(exc))
            return None
        if pence < 0:
            self.error(heading, f"{value} is negative; a planned expenditure must be zero or more")
            return None
        return pence


def _lookup(enum: type[EnumT]) -> Callable[[str], EnumT | None]:
    """A finder of ``enum``'s member for a key or template wording (None if there is no such member)."""

    def find(text: str) -> EnumT | None:
        try:
            return enum(text)
        except ValueError:
            return None

    return find


def find_header(ws: Worksheet) -> int | None:
    """The row of the plan's headings: the first of the first 30 rows with a Scheme ID heading."""
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, HEADER_SEARCH_ROWS)):
        for cell in row:
            if isinstance(cell.value, str) and layout.ALIASES.get(layout.header_key(cell.value)) == layout.SCHEME_ID:
                return cell.row
    return None


@dataclass
class Headings:
    """What each heading of the header row was read as: for the note saying which columns were used."""

    matched: dict[str, str] = field(default_factory=dict)  # what is read -> "column A 'Scheme ID'"
    ignored: list[str] = field(default_factory=list)  # headings of columns this tool does not model

    def words(self, sheet: str, rows: list[int]) -> str:
        """One line: the rows read and the heading each field came from."""
        span = f"rows {min(rows)}-{max(rows)}" if rows else "no rows"
        read = "; ".join(f"{what} <- {heading}" for what, heading in self.matched.items())
        ignored = f"; not modelled, ignored: {', '.join(self.ignored)}" if self.ignored else ""
        return f"Read {sheet!r} {span} ({len(rows)} scheme rows): {read}{ignored}"


def _columns(
    ws: Worksheet, header_row: int, name: str, errors: list[InputError], headings: Headings | None = None
) -> tuple[dict[str, int], dict[str, int]]:
    """Headings found: canonical name -> column, and year -> column (and what each was read as, in ``headings``)."""
    columns: dict[str, int] = {}
    years: dict[str, int] = {}
    renamed: set[str] = set()
    headings = headings if headings is not None else Headings()
    for cell in ws[header_row]:
        if cell.value is None or str(cell.value).strip() == "":
            continue
        text = str(cell.value)
        canonical = layout.ALIASES.get(layout.header_key(text))
        year_text = layout.year_of_header(text)
        where = Source(name, None, f"'{ws.title}'!{cell.coordinate}")
        shown = f"column {cell.column_letter} {' '.join(text.split())!r}"
        if canonical is not None:
            if canonical in columns:
                errors.append(InputError(where, f"the column {canonical!r} appears twice; keep one"))
            columns[canonical] = cell.column
            headings.matched[canonical] = shown
        elif year_text is not None:
            before = len(errors)
            _year_column(year_text, text, cell.column, where, years, errors)
            if len(errors) == before:
                headings.matched[layout.expenditure_header(parse_year(year_text))] = shown
        elif not _unknown_heading(text, where, columns, renamed, errors):
            headings.ignored.append(repr(" ".join(text.split())))
    errors += _missing_columns(ws, header_row, name, columns, renamed, years)
    return columns, years


def _year_column(
    year_text: str, text: str, column: int, where: Source, years: dict[str, int], errors: list[InputError]
) -> None:
    """Record the year of an expenditure heading ``text`` in ``years`` (or an error if it is bad or repeated)."""
    try:
        year = parse_year(year_text)
    except ValueError as exc:
        errors.append(InputError(where, f"the heading {text!r}: {exc}"))
        return
    if year in years:
        errors.append(InputError(where, f"the column {layout.expenditure_header(year)!r} appears twice; keep one"))
        return
    years[year] = column


def _unknown_heading(
    text: str, where: Source, columns: dict[str, int], renamed: set[str], errors: list[InputError]
) -> bool:
    """An error for a heading that looks like a misspelt expected one, or an expenditure heading with no year.

    Other unknown headings (columns this tool does not model, and totals
    such as "Total 2023-25 Expenditure (£)") are ignored: returns False for
    those. A misspelt heading is added to ``renamed`` so it is not also
    reported missing.
    """
    key = layout.header_key(text)
    if key.startswith("total"):
        return False
    expected = [*layout.BEFORE_YEARS, *layout.AFTER_YEARS, *layout.EXTRAS]
    close = difflib.get_close_matches(key, [layout.header_key(e) for e in expected], n=1, cutoff=0.75)
    if close:
        wanted = next(e for e in expected if layout.header_key(e) == close[0])
        if wanted not in columns:
            renamed.add(wanted)
            errors.append(InputError(where, f"the column is headed {text!r}; expected {wanted!r} "
                                            "(the template's heading)"))
            return True
        return False
    if "expenditure" in key:
        errors.append(InputError(where, f"the heading {text!r} does not say which year; expected "
                                        "'Expenditure 2025-26'"))
        return True
    return False


def _missing_columns(
    ws: Worksheet, header_row: int, name: str, columns: dict[str, int], renamed: set[str], years: dict[str, int]
) -> list[InputError]:
    """Errors for required columns that are not in the header row, and for no expenditure column at all."""
    where = Source(name, None, f"'{ws.title}'!{header_row}:{header_row}")
    errors = [
        InputError(where, f"the column {wanted!r} is missing from the header row (row {header_row}); "
                          f"expected the template's columns: {', '.join(layout.BEFORE_YEARS)}, "
                          "Expenditure by year, New/Existing")
        for wanted in layout.REQUIRED
        if wanted not in columns and wanted not in renamed
    ]
    if not years:
        errors.append(InputError(where, f"no expenditure columns in the header row (row {header_row}); expected one "
                                        "per year headed like 'Expenditure 2025-26'"))
    return errors


def read_plan(
    ws: Worksheet, name: str, resolve: Resolve = plain_value, notes: list[str] | None = None
) -> tuple[list[PlanScheme], list[str], list[InputError]]:
    """Every scheme row of the sheet, the years of its expenditure columns, and every problem found.

    ``resolve`` gives each cell's value (formulas worked out, see
    :mod:`.formulas`); a line saying which rows were read and which heading
    each field came from is added to ``notes``.
    """
    header_row = find_header(ws)
    if header_row is None:
        return [], [], [InputError(Source(name, None, f"'{ws.title}'"),
                                   f"no header row with 'Scheme ID' in the first {HEADER_SEARCH_ROWS} rows; expected "
                                   f"the template's columns: {', '.join(layout.BEFORE_YEARS)}, Expenditure by year")]
    errors = _merged_header_errors(ws, header_row, name)
    if errors:
        return [], [], errors
    headings = Headings()
    columns, year_columns = _columns(ws, header_row, name, errors, headings)
    if errors:
        return [], [], errors
    errors = _merged_body_errors(ws, header_row, name, set(columns.values()) | set(year_columns.values()))
    if errors:
        return [], [], errors
    years = sorted(year_columns)
    schemes = _read_rows(ws, header_row, name, columns, year_columns, errors, resolve)
    errors += _repeated_schemes(ws, name, columns, schemes)
    if notes is not None:
        notes.append(headings.words(ws.title, [s.row for s in schemes]))
    if not schemes and not errors:
        errors.append(InputError(Source(name, None, f"'{ws.title}'"), f"no scheme rows under the header row "
                                                                      f"(row {header_row})"))
    return schemes, years, errors


def _merged_header_errors(ws: Worksheet, header_row: int, name: str) -> list[InputError]:
    """An error for each merged range over the header row (a merged heading hides the columns under it)."""
    return [
        InputError(Source(name, None, f"'{ws.title}'!{merged.coord}"),
                   "merged cells in the header row; unmerge them so that each column has its own "
                   "heading (a merged heading hides the columns under it)")
        for merged in ws.merged_cells.ranges
        if merged.min_row <= header_row <= merged.max_row
    ]


def _merged_body_errors(ws: Worksheet, header_row: int, name: str, used: set[int]) -> list[InputError]:
    """An error for each merged range below the header row over a column the plan reads."""
    return [
        InputError(Source(name, None, f"'{ws.title}'!{merged.coord}"),
                   "merged cells; unmerge them so that each scheme has its own value in each column")
        for merged in ws.merged_cells.ranges
        if merged.max_row > header_row and any(merged.min_col <= c <= merged.max_col for c in used)
    ]


def _read_rows(
    ws: Worksheet,
    header_row: int,
    name: str,
    columns: dict[str, int],
    year_columns: dict[str, int],
    errors: list[InputError],
    resolve: Resolve,
) -> list[PlanScheme]:
    """Every scheme row under the header down to the Total row, skipping blank rows.

    Anything written below the Total row is refused (an error), never dropped silently.
    """
    years = sorted(year_columns)
    schemes: list[PlanScheme] = []
    total_row = 0
    for cells in ws.iter_rows(min_row=header_row + 1, max_row=ws.max_row):
        by_heading = {h: cells[c - 1] for h, c in columns.items() if c - 1 < len(cells)}
        by_heading.update({y: cells[c - 1] for y, c in year_columns.items() if c - 1 < len(cells)})
        filled = [cell for cell in by_heading.values() if not (cell.value is None or str(cell.value).strip() == "")]
        if not filled:
            continue
        first = by_heading.get(layout.SCHEME_ID)
        if total_row:
            where = first if first is not None else min(filled, key=lambda c: c.column)
            errors.append(InputError(Source(name, None, f"'{ws.title}'!{where.coordinate}"),
                                     f"this row is below the Total row (row {total_row}), so it is not part of the "
                                     "plan; insert schemes above the Total row, or delete this row"))
            continue
        if first is not None and isinstance(first.value, str) and first.value.strip().lower() == "total":
            total_row = first.row
            continue
        scheme = _read_row(_Row(ws, name, by_heading, errors, resolve), years, cells[0].row)
        if scheme is not None:
            schemes.append(scheme)
    return schemes


def _repeated_schemes(ws: Worksheet, name: str, columns: dict[str, int], schemes: list[PlanScheme]) -> list[InputError]:
    """An error for each scheme listed again under the same arrangement."""
    errors: list[InputError] = []
    first_row: dict[tuple[str, str], int] = {}
    column = get_column_letter(columns[layout.SCHEME_ID])
    for scheme in schemes:
        key = (scheme.arrangement, scheme.id)
        if key in first_row:
            # both rows named, so the finance lead sees which two to reconcile: 'Expenditure plan'!A12 and A19
            where = Source(name, None, f"'{ws.title}'!{column}{first_row[key]} and {column}{scheme.row}")
            errors.append(InputError(where, f"scheme {scheme.id!r} is listed twice (rows {first_row[key]} and "
                                            f"{scheme.row}); each scheme ID must be unique: give one row a new ID "
                                            "or delete it"))
        else:
            first_row[key] = scheme.row
    return errors


def _stated(row: _Row, *, split_given: bool) -> StatedCommissioner | None:
    """The Commissioner, % NHS and % LA cells as written (None after an error).

    Without a Commissioner split they decide, so they are checked against
    each other here; with one, the importer checks them against the split.
    """
    before = len(row.errors)
    word = row.text(layout.COMMISSIONER, required=not split_given).upper()
    side = COMMISSIONER_WORDS.get(word, "") if word else ""
    if word and not side:
        row.error(layout.COMMISSIONER, f"{word!r} is not a commissioner in the template's list; expected LA, ICB or "
                                       "Joint")
    nhs, la = row.percent(layout.PCT_NHS), row.percent(layout.PCT_LA)
    if len(row.errors) > before:
        return None
    cells = {h: row.coordinate(h) for h in (layout.COMMISSIONER, layout.PCT_NHS, layout.PCT_LA)}
    if split_given:
        return StatedCommissioner(side, word, nhs, la, cells)
    if side == "JOINT":
        if nhs is None or la is None:
            row.error(layout.COMMISSIONER, "a Joint scheme needs its % NHS and % LA filled in")
            return None
        if nhs + la != 100:
            row.error(layout.PCT_NHS, f"% NHS {percent_words(nhs)} and % LA {percent_words(la)} add up to "
                                      f"{percent_words(nhs + la)}%; a Joint scheme's shares must add up to 100")
            return None
    elif side:
        nhs_should = Decimal(100) if side == "NHS" else Decimal(0)
        for heading, value, should in ((layout.PCT_NHS, nhs, nhs_should), (layout.PCT_LA, la, 100 - nhs_should)):
            if value is not None and value != should:
                row.error(heading, f"{heading} is {percent_words(value)} but the Commissioner is {word}, which "
                                   f"means {heading} {percent_words(should)}; write Joint for a shared scheme, or "
                                   "correct the percentage")
                return None
    return StatedCommissioner(side, word, nhs, la, cells)


def _split(row: _Row, text: str) -> str | dict[str, str] | None:
    """The Commissioner split column: a partner id, or 'icb 60%; council 40%'."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if len(parts) == 1 and "%" not in parts[0]:
        return parts[0]
    shares: dict[str, str] = {}
    for part in parts:
        partner, _, pct = part.rpartition(" ")
        try:
            shares[partner.strip()] = percent_words(Decimal(pct.rstrip("%")))
        except InvalidOperation:
            row.error(layout.SPLIT, f"{part!r} is not 'partner percent%'; write e.g. 'icb 60%; council 40%'")
            return None
        if not partner.strip():
            row.error(layout.SPLIT, f"{part!r} has no partner id; write e.g. 'icb 60%; council 40%'")
            return None
    total = sum((Decimal(pct) for pct in shares.values()), Decimal(0))
    if total != 100 or any(Decimal(pct) < 0 for pct in shares.values()):
        row.error(layout.SPLIT, f"the shares in {text!r} add up to {percent_words(total)}%; each must be 0 to 100 "
                                "and together they must add up to 100")
        return None
    return shares


def default_commissioner(stated: StatedCommissioner) -> str | dict[str, str]:
    """A plain plan's commissioner: LA is the partner ``council``; ICB, CCG and NHS are ``icb``."""
    if stated.side == "JOINT":
        return {"icb": percent_words(stated.nhs or Decimal(0)), "council": percent_words(stated.la or Decimal(0))}
    return "council" if stated.side == "LA" else "icb"


def _commissioner(row: _Row) -> tuple[str | dict[str, str] | None, StatedCommissioner | None, str]:
    """The scheme's commissioner, what the template's cells state, and the split cell if it was filled in.

    A filled Commissioner split decides the commissioner; the importer of a
    pack checks the template's cells agree with it (:mod:`.commissioners`).
    """
    split_text = row.text(layout.SPLIT) if layout.SPLIT in row.cells else ""
    stated = _stated(row, split_given=bool(split_text))
    if split_text:
        return _split(row, split_text), stated, row.coordinate(layout.SPLIT)
    if stated is None:
        return None, None, ""
    return default_commissioner(stated), stated, ""


def _read_row(row: _Row, years: list[str], number: int) -> PlanScheme | None:
    """One scheme row, read cell by cell (None, with its errors in ``row``, if any cell is wrong)."""
    before = len(row.errors)
    scheme_id = row.text(layout.SCHEME_ID, required=True)
    name = row.text(layout.NAME, required=True)
    type_text = row.text(layout.SCHEME_TYPE, required=True)
    scheme_type = scheme_type_from_text(type_text) if type_text else None
    if type_text and scheme_type is None:
        row.error(layout.SCHEME_TYPE, f"{type_text!r} is not a BCF scheme type; expected one of: "
                                      f"{'; '.join(t.label for t in SchemeType)}")
    area = row.choice(layout.AREA, _lookup(AreaOfSpend), [a.label for a in AreaOfSpend])
    provider = row.choice(layout.PROVIDER, _lookup(ProviderKind), [p.label for p in ProviderKind])
    source = row.choice(layout.SOURCE, _lookup(FundingSource), [s.label for s in FundingSource])
    commissioner, stated, split_cell = _commissioner(row)
    budget = {}
    for year in years:
        pence = row.money(year)
        if pence is not None:
            budget[year] = pence
    status = row.text(layout.NEW_OR_EXISTING).lower() if layout.NEW_OR_EXISTING in row.cells else ""
    if status and status not in {"new", "existing"}:
        row.error(layout.NEW_OR_EXISTING, f"{status!r} is not New or Existing")
    arrangement = row.text(layout.ARRANGEMENT) if layout.ARRANGEMENT in row.cells else ""
    if len(row.errors) > before:
        return None
    if scheme_type is None or area is None or provider is None or source is None or commissioner is None:
        return None
    arrangement_cell = row.cells[layout.ARRANGEMENT].coordinate if layout.ARRANGEMENT in row.cells else ""
    return PlanScheme(
        id=scheme_id, name=name, description=row.text(layout.DESCRIPTION), scheme_type=scheme_type,
        sub_type=row.text(layout.SUB_TYPE), area_of_spend=area, commissioner=commissioner,
        provider=provider, funding_source=source, budget=budget,
        new_or_existing=status or "existing", arrangement=arrangement, arrangement_cell=arrangement_cell,
        stated=stated, split_cell=split_cell, row=number,
    )
