"""Ledger rows to each scheme's monthly actuals, with every row accounted for.

Each row of the extract ends in exactly one place, decided in this order:

1. **out of period**: its period is outside the map's financial year;
2. **after the as-at month**: in the year, but after the last actual month
   (the map's ``as_at`` or ``--as-at``; else the last month with mapped
   spend, see :func:`last_month`);
3. **dropped duplicate**: only with ``duplicates: drop``, a row repeating an
   earlier one (see :func:`duplicate_key`);
4. **excluded**: its codes match one of the map's ``exclude`` rules (the
   first that matches; exclusions are checked before the code rules);
5. **mapped**: its codes match exactly one code rule; matching two is an
   error (rules may not overlap), naming both rules and the rows;
6. **unmapped**: no rule matches it.

So the ledger total is mapped + unmapped + excluded + out of period + after
the as-at month + dropped duplicates, to the penny, and :func:`reconcile` checks that it is.
A rule's spend is totalled by month; a split rule's month total is split
across its schemes by largest remainder in pence, so the parts add up to
the whole exactly. Credits (negative expenditure) stay where they fall and
are listed with their total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from pooledfund.core.errors import ConservationError, InputError, Source
from pooledfund.core.money import allocate, format_gbp
from pooledfund.core.types import percent_weight
from pooledfund.core.years import month_label, parse_month
from pooledfund.io.ledger.read import LedgerTable
from pooledfund.io.ledger.values import parse_amount, parse_period
from pooledfund.model.ledger_map import CodeRule, LedgerMap

#: The most problems with cells listed before the rest are counted in one line.
MAX_CELL_ERRORS = 50


def count(number: int, thing: str) -> str:
    """A count with its noun: ``1 row``, ``2 rows``, ``1,250 rows``."""
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


def rows_words(rows: list[LedgerRow]) -> str:
    """The rows' numbers, the first five: ``row 7`` or ``rows 2, 3, 10 ...``."""
    shown = ", ".join(str(row.row) for row in rows[:5]) + (" ..." if len(rows) > 5 else "")
    return f"row{'' if len(rows) == 1 else 's'} {shown}"


class LedgerRow(NamedTuple):
    """One row of the extract, read: its codes, period, amount as expenditure, and its row number.

    A named tuple rather than a dataclass because a ledger has hundreds of
    thousands of rows and the reconciliation lists every one: a tuple is made
    about ten times faster, and is as unchangeable.

    Attributes:
        row: the row number Excel shows.
        codes: ``cost_centre`` / ``account`` -> the code as written (trimmed).
        year: the financial year of its period.
        month: the month index of its period (0 is April).
        amount: pence, expenditure positive (a credit is negative).
        reference: the transaction reference, if the map names that column.
        description: the narrative, if the map names that column.
    """

    row: int
    codes: tuple[tuple[str, str], ...]
    year: str
    month: int
    amount: int
    reference: str
    description: str

    def code_words(self) -> str:
        """The row's codes in words: ``cost centre CC4101, account 5100``."""
        return ", ".join(f"{name.replace('_', ' ')} {code or '(blank)'}" for name, code in self.codes)


def duplicate_key(row: LedgerRow, *, by_reference: bool) -> tuple[object, ...]:
    """What makes two rows duplicates: the same codes, month and amount, and the same reference.

    Where the map names a reference column, the reference must match too (two
    invoices of the same amount have different numbers). Without one, the
    description takes its place (blank when that column is not named either),
    so two equal payments in a month are listed as possible duplicates.
    """
    return (row.codes, row.year, row.month, row.amount, row.reference if by_reference else row.description)


def wrong_way_round(value: int, text: str, column: Literal["debit", "credit"], ledger_map: LedgerMap) -> str | None:
    """Why a debit or credit figure would count the wrong way (a negative debit, a credit of the wrong sign), or None.

    A negative figure in a debit column, or a credit written with the sign
    the map does not expect (``credit_sign``), would turn spend into a credit
    or a credit into spend: ``CC1, P1, , -200.00`` read as debit less credit is
    £200 of spend. So it is refused at its cell rather than guessed at.
    """
    debit, credit = ledger_map.columns.debit, ledger_map.columns.credit
    negative_credits = ledger_map.credit_sign == "negative"
    written = text.strip()
    if column == "debit" and value < 0:
        how = "a negative figure (credit_sign: negative)" if negative_credits else "a positive figure"
        return (f"debits are written as positive figures in the {debit!r} column; this {written} would count as a "
                f"credit: write a credit in the {credit!r} column, as {how}")
    if column == "credit" and value < 0 and not negative_credits:
        return (f"credits are written as positive figures in the {credit!r} column; this {written} would count as "
                "spend: write a credit as a positive figure, spend in the debit column, or, if this ledger writes "
                "every credit negative, set 'credit_sign: negative' in the map")
    if column == "credit" and value > 0 and negative_credits:
        return (f"credits are written as negative figures in the {credit!r} column (the map's credit_sign: "
                f"negative); this {written} would count as spend: write a credit as a negative figure, or spend in "
                f"the {debit!r} column")
    return None


def _cell_amount(table: LedgerTable, ledger_map: LedgerMap, index: int, errors: list[InputError]) -> int | None:
    """The row's amount as expenditure (positive) in pence, or None with the problem added to ``errors``.

    With debit and credit columns, spend is debit less credit (credits
    written positive) or debit plus credit (``credit_sign: negative``); a
    figure that would count the wrong way is an error (:func:`wrong_way_round`).
    """
    columns = ledger_map.columns
    if columns.amount is not None:
        try:
            value = parse_amount(table.cells[columns.amount][index])
        except ValueError as exc:
            errors.append(InputError(table.where(index, columns.amount), str(exc)))
            return None
        return value if ledger_map.sign == "expenditure_positive" else -value
    debit_heading, credit_heading = columns.debit or "", columns.credit or ""
    debit_text, credit_text = table.cells[debit_heading][index], table.cells[credit_heading][index]
    if not debit_text.strip() and not credit_text.strip():
        errors.append(InputError(table.where(index, debit_heading),
                                 f"both the debit and the credit ('{credit_heading}') are blank; give a figure in "
                                 "one of them (0 for nothing)"))
        return None
    total = 0
    credit_sign = 1 if ledger_map.credit_sign == "negative" else -1
    columns_read: tuple[tuple[str, str, Literal["debit", "credit"], int], ...] = (
        (debit_heading, debit_text, "debit", 1), (credit_heading, credit_text, "credit", credit_sign))
    for heading, text, column, sign in columns_read:
        if not text.strip():
            continue  # with debit and credit columns, one of the two is usually blank
        try:
            value = parse_amount(text)
        except ValueError as exc:
            errors.append(InputError(table.where(index, heading), str(exc)))
            return None
        problem = wrong_way_round(value, text, column, ledger_map)
        if problem is not None:
            errors.append(InputError(table.where(index, heading), problem))
            return None
        total += sign * value
    return total


def read_rows(table: LedgerTable, ledger_map: LedgerMap) -> tuple[list[LedgerRow], int, list[InputError]]:
    """Every row of the table read into :class:`LedgerRow`; the number of blank rows; every bad cell.

    A row whose every named cell is blank (a spacer or the end of the
    export) is counted and skipped. A bad amount or period is an error at its
    row and column; the first :data:`MAX_CELL_ERRORS` are listed and the rest
    counted.
    """
    rows: list[LedgerRow] = []
    errors: list[InputError] = []
    blank = 0
    periods: dict[str, tuple[str, int] | str] = {}
    for index in range(table.rows):
        row = read_row(table, ledger_map, index, periods, errors)
        if row == BLANK:
            blank += 1
        elif isinstance(row, LedgerRow):
            rows.append(row)
    return rows, blank, cut_errors(errors, table.file)


#: What :func:`read_row` gives for a row whose every named cell is blank.
BLANK: Literal["blank"] = "blank"


def period_of(text: str, ledger_map: LedgerMap, periods: dict[str, tuple[str, int] | str]) -> tuple[str, int] | str:
    """A period cell's (financial year, month), or the message saying what is wrong with it.

    ``periods`` remembers each text read: a ledger repeats a handful of
    periods, so each is read once.
    """
    if text not in periods:
        try:
            periods[text] = parse_period(text, ledger_map.year, ledger_map.period_13)
        except ValueError as exc:
            periods[text] = str(exc)
    return periods[text]


def read_row(table: LedgerTable, ledger_map: LedgerMap, index: int, periods: dict[str, tuple[str, int] | str],
             errors: list[InputError]) -> LedgerRow | Literal["blank"] | None:
    """The ``index``-th row read cell by cell: a :class:`LedgerRow`, :data:`BLANK`, or None with its problems added.

    This is the strict reading of one row; the reading a column at a time
    (:mod:`pooledfund.io.ledger.read_columns`) falls back to it for every row
    it cannot read itself, so the messages are the same either way.
    """
    columns = ledger_map.columns
    period_cells = table.cells[columns.period]
    # A row with a period is not blank: the full test runs only on rows without one.
    if not period_cells[index].strip() and all(not table.cells[heading][index].strip()
                                               for _, heading in columns.headings()):
        return BLANK
    found: list[InputError] = []
    amount = _cell_amount(table, ledger_map, index, found)
    period = period_of(period_cells[index], ledger_map, periods)
    if isinstance(period, str):
        found.append(InputError(table.where(index, columns.period), period))
    if found or amount is None or isinstance(period, str):
        errors += found
        return None
    year, month = period
    reference = table.cells.get(columns.reference or "")
    description = table.cells.get(columns.description or "")
    codes = tuple((name, table.cells[heading][index].strip()) for name, heading in columns.code_columns())
    return LedgerRow(table.row_number(index), codes, year, month, amount,
                     reference[index].strip() if reference is not None else "",
                     description[index].strip() if description is not None else "")


def cut_errors(errors: list[InputError], file: str) -> list[InputError]:
    """The first :data:`MAX_CELL_ERRORS` problems with cells, then one line counting the rest."""
    if len(errors) <= MAX_CELL_ERRORS:
        return errors
    rest = len(errors) - MAX_CELL_ERRORS
    verb = "has a problem and is" if rest == 1 else "have problems and are"
    return [*errors[:MAX_CELL_ERRORS], InputError(Source(file), f"{count(rest, 'further cell')} {verb} not listed")]


@dataclass
class LedgerActuals:
    """What the ledger gave: each scheme's monthly actuals, and every row not in them, listed and totalled.

    Attributes:
        year: the financial year.
        to_month: the last actual month (0 is April).
        schemes: scheme -> pence in each month from April to ``to_month``.
        rows: how many rows were read (blank rows not counted).
        blank_rows: how many blank rows were skipped.
        ledger_total: all rows' expenditure, pence.
        mapped: rows that went into the schemes' actuals.
        unmapped: rows no rule matches.
        excluded: exclusion rule index -> the rows it left out.
        out_of_period: rows outside the map's financial year.
        after_as_at: rows in the year but after the as-at month (``to_month``).
        duplicates: (row, the row it repeats); ``dropped`` says whether they were left out.
        dropped: whether duplicates were left out (``duplicates: drop``).
        credits: rows with negative expenditure, wherever they went.
    """

    year: str
    to_month: int
    schemes: dict[str, list[int]]
    rows: int
    blank_rows: int
    ledger_total: int
    mapped: list[LedgerRow] = field(default_factory=list)
    unmapped: list[LedgerRow] = field(default_factory=list)
    excluded: dict[int, list[LedgerRow]] = field(default_factory=dict)
    out_of_period: list[LedgerRow] = field(default_factory=list)
    after_as_at: list[LedgerRow] = field(default_factory=list)
    duplicates: list[tuple[LedgerRow, LedgerRow]] = field(default_factory=list)
    dropped: bool = False
    credits: list[LedgerRow] = field(default_factory=list)

    @property
    def dropped_total(self) -> int:
        """The pence left out as duplicates (0 unless ``duplicates: drop``)."""
        return sum(row.amount for row, _ in self.duplicates) if self.dropped else 0

    def totals(self) -> dict[str, int]:
        """The reconciliation's lines in pence, each part of the ledger total.

        Mapped, unmapped, excluded, out of period, after the as-at month, dropped duplicates.
        """
        return {
            "mapped": sum(row.amount for row in self.mapped),
            "unmapped": sum(row.amount for row in self.unmapped),
            "excluded": sum(row.amount for rows in self.excluded.values() for row in rows),
            "out_of_period": sum(row.amount for row in self.out_of_period),
            "after_as_at": sum(row.amount for row in self.after_as_at),
            "dropped_duplicates": self.dropped_total,
        }


def matching_rules(codes: tuple[tuple[str, str], ...], rules: list[CodeRule]) -> list[int]:
    """The indices of the code rules a row with these codes matches."""
    upper = {name: code.upper() for name, code in codes}
    return [index for index, rule in enumerate(rules) if rule.matches(upper)]


def excluded_by(codes: tuple[tuple[str, str], ...], ledger_map: LedgerMap) -> int | None:
    """The index of the first exclusion rule a row with these codes matches, else None."""
    upper = {name: code.upper() for name, code in codes}
    return next((index for index, rule in enumerate(ledger_map.exclude) if rule.matches(upper)), None)


def maps_to_a_scheme(codes: tuple[tuple[str, str], ...], ledger_map: LedgerMap) -> bool:
    """Whether a row with these codes is mapped spend: no exclusion matches it and a code rule does."""
    return excluded_by(codes, ledger_map) is None and bool(matching_rules(codes, ledger_map.codes))


def no_row_in_year(ledger_map: LedgerMap, file: str) -> InputError:
    """The problem of a ledger with no row in the map's year."""
    return InputError(Source(file), f"no row has a period in {ledger_map.year}, the map's year; check the map's "
                                    "'year' and the period column")


def no_mapped_spend(ledger_map: LedgerMap, file: str) -> InputError:
    """The problem of a ledger whose rows in the year are all excluded, unmapped or £0.00."""
    return InputError(Source(file), f"no row of {ledger_map.year} maps to a scheme (every row in the year is "
                                    "excluded, unmapped or £0.00), so there is no month of actuals; check the map's "
                                    "'codes' against the ledger's codes, or give the as-at month (--as-at or "
                                    "'as_at' in the map)")


def last_month(rows: list[LedgerRow], ledger_map: LedgerMap, file: str) -> tuple[int | None, list[InputError]]:
    """The as-at month: the map's ``as_at``, else the last month of the year with mapped spend.

    Mapped spend is a row of the year, not £0.00, that no exclusion matches
    and a code rule does. Any other row cannot move the month: an excluded
    recharge posted early in October, or a stray row of an unmapped code,
    would otherwise make October actual and give every scheme a £0 October
    (and last year's ``P12`` is in last year, out of period).
    """
    if ledger_map.as_at is not None:
        return parse_month(ledger_map.as_at)[1], []
    in_year = [row for row in rows if row.year == ledger_map.year]
    if not in_year:
        return None, [no_row_in_year(ledger_map, file)]
    mapped = {codes: maps_to_a_scheme(codes, ledger_map) for codes in {row.codes for row in in_year}}
    months = [row.month for row in in_year if row.amount != 0 and mapped[row.codes]]
    if not months:
        return None, [no_mapped_spend(ledger_map, file)]
    return max(months), []


def overlap_errors(overlaps: dict[tuple[int, ...], list[LedgerRow]], ledger_map: LedgerMap,
                    file: str) -> list[InputError]:
    """One error for each set of rules that match the same rows: rules may not overlap."""
    errors = []
    for indices, rows in overlaps.items():
        rules = " and ".join(f"codes[{i}] ({ledger_map.codes[i].label()})" for i in indices)
        message = (f"{rows[0].code_words()} matches {rules}: {count(len(rows), 'row')} ({rows_words(rows)}); rules "
                   "may not overlap, so make the patterns narrower or list the codes one by one")
        errors.append(InputError(Source(file, None, f"row {rows[0].row}, column '{code_heading(ledger_map)}'"),
                                 message))
    return errors


def code_heading(ledger_map: LedgerMap) -> str:
    """The heading of the first code column (cost centre, else account), where a code problem is pointed at."""
    return ledger_map.columns.code_columns()[0][1]


def _split(rule: CodeRule, months: list[int]) -> dict[str, list[int]]:
    """A rule's monthly totals put into its schemes: all to one, or each month split by largest remainder."""
    if rule.scheme is not None:
        return {rule.scheme: list(months)}
    shares = rule.split or {}
    weights = [percent_weight(pct) for pct in shares.values()]
    parts = [allocate(total, weights) for total in months]
    return {scheme: [part[i] for part in parts] for i, scheme in enumerate(shares)}


class _Sorter:
    """Puts rows in their places one by one, remembering each code's rules (a ledger repeats its codes)."""

    def __init__(self, ledger_map: LedgerMap, result: LedgerActuals) -> None:
        self.map = ledger_map
        self.result = result
        self.by_reference = ledger_map.columns.reference is not None
        self.seen: dict[tuple[object, ...], LedgerRow] = {}
        self.exclusions: dict[tuple[tuple[str, str], ...], int | None] = {}
        self.matches: dict[tuple[tuple[str, str], ...], list[int]] = {}
        self.overlaps: dict[tuple[int, ...], list[LedgerRow]] = {}
        self.rule_months = [[0] * (result.to_month + 1) for _ in ledger_map.codes]

    def _excluded_by(self, codes: tuple[tuple[str, str], ...]) -> int | None:
        if codes not in self.exclusions:
            self.exclusions[codes] = excluded_by(codes, self.map)
        return self.exclusions[codes]

    def _rules(self, codes: tuple[tuple[str, str], ...]) -> list[int]:
        if codes not in self.matches:
            self.matches[codes] = matching_rules(codes, self.map.codes)
        return self.matches[codes]

    def place(self, row: LedgerRow) -> None:
        """Put one row in its place, in the order of the module docstring."""
        result = self.result
        if row.amount < 0:
            result.credits.append(row)
        if row.year != self.map.year:
            result.out_of_period.append(row)
            return
        if row.month > result.to_month:
            result.after_as_at.append(row)
            return
        first = self.seen.setdefault(duplicate_key(row, by_reference=self.by_reference), row)
        if first is not row:
            result.duplicates.append((row, first))
            if result.dropped:
                return
        excluded_by = self._excluded_by(row.codes)
        if excluded_by is not None:
            result.excluded.setdefault(excluded_by, []).append(row)
            return
        found = self._rules(row.codes)
        if not found:
            result.unmapped.append(row)
        elif len(found) > 1:
            self.overlaps.setdefault(tuple(found), []).append(row)
        else:
            result.mapped.append(row)
            self.rule_months[found[0]][row.month] += row.amount


def reconcile(rows: list[LedgerRow], ledger_map: LedgerMap, *, file: str, blank_rows: int = 0,
              ) -> tuple[LedgerActuals | None, list[InputError]]:
    """Put every row in exactly one place (module docstring) and total each scheme's months.

    Returns the actuals, or the problems that stop them: overlapping rules,
    no row in the year. Unmapped rows are returned in the actuals; whether
    they stop the run is the caller's decision (``unmapped: stop``).

    Raises:
        ConservationError: the totals do not add back to the ledger total (a bug, never a figure to show).
    """
    to_month, errors = last_month(rows, ledger_map, file)
    if to_month is None:
        return None, errors
    result = LedgerActuals(ledger_map.year, to_month, {}, len(rows), blank_rows, sum(r.amount for r in rows),
                           dropped=ledger_map.duplicates == "drop")
    sorter = _Sorter(ledger_map, result)
    for row in rows:
        sorter.place(row)
    errors += overlap_errors(sorter.overlaps, ledger_map, file)
    if errors:
        return None, errors
    fill_schemes(result, ledger_map, sorter.rule_months)
    return result, []


def fill_schemes(result: LedgerActuals, ledger_map: LedgerMap, rule_months: list[list[int]]) -> None:
    """Each scheme's months from each code rule's monthly totals (splits by largest remainder); then the books checked.

    Raises:
        ConservationError: the totals do not add back to the ledger total (a bug, never a figure to show).
    """
    for scheme in ledger_map.mapped_schemes():
        result.schemes[scheme] = [0] * (result.to_month + 1)
    for rule, months in zip(ledger_map.codes, rule_months, strict=True):
        for scheme, parts in _split(rule, months).items():
            result.schemes[scheme] = [a + b for a, b in zip(result.schemes[scheme], parts, strict=True)]
    _check_books(result)


def _check_books(result: LedgerActuals) -> None:
    """Every part adds up to the ledger total, and the schemes hold exactly the mapped total."""
    totals = result.totals()
    in_schemes = sum(sum(months) for months in result.schemes.values())
    if sum(totals.values()) != result.ledger_total or in_schemes != totals["mapped"]:
        raise ConservationError(
            f"the ledger does not reconcile: total {format_gbp(result.ledger_total)}, parts {totals}, schemes "
            f"{format_gbp(in_schemes)}; this is a bug: please report it")


def unmapped_errors(result: LedgerActuals, ledger_map: LedgerMap, table_file: str) -> list[InputError]:
    """One error per unmapped code (or pair of codes): its rows, their total, and what to do."""
    groups: dict[tuple[tuple[str, str], ...], list[LedgerRow]] = {}
    for row in result.unmapped:
        groups.setdefault(row.codes, []).append(row)
    errors = []
    for rows in groups.values():
        total = sum(row.amount for row in rows)
        message = (f"{rows[0].code_words()} is in no rule of the map: {count(len(rows), 'row')} ({rows_words(rows)}), "
                   f"{format_gbp(total)}; add it to 'codes' or 'exclude' in the map, or set 'unmapped: report' to "
                   "leave it out and report it")
        where = Source(table_file, None, f"row {rows[0].row}, column '{code_heading(ledger_map)}'")
        errors.append(InputError(where, message))
    return errors


def period_words(row: LedgerRow) -> str:
    """A row's period as a month label: ``Sep 2025``."""
    return month_label(row.year, row.month)
