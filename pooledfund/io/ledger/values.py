"""Ledger cells read exactly: amounts in pence and periods as (financial year, month).

A ledger extract is read as text, cell by cell, and every figure parsed here
with exact decimal arithmetic, never through a float: "1,234.56" is 123,456
pence, "(1,234.56)" is minus that, a "£" is allowed. A blank or a word where
an amount should be is an error, never a zero. A whole column of amounts in
the usual forms is read at once (:func:`parse_amounts`), in integer
arithmetic on the digits, to the same pence; the cells it leaves are read
one by one.

Periods come in the forms ledgers export: a calendar month (``2025-09``), a
financial period (``P6``, P1 being April, in the map's year, or ``2025-26 P6``),
a month name (``Sep-25``, ``Sep 2025``, ``September 2025``) or a date
(``2025-09-14``, ``14/09/2025`` day first, or a date cell of a workbook).
Periods 13 and 14 (year-end adjustments) are March when the map says
``period_13: march``; in the map's own year they are refused otherwise, and
in any other year they are March of that year (so out of period, listed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pooledfund.core.money import MAX_POUNDS, IntArray, MoneyError, to_pence
from pooledfund.core.years import MONTHS_IN_YEAR, month_of, parse_year

BoolArray = npt.NDArray[np.bool_]

_PERIOD = re.compile(r"^(?:(?P<year>\d{4}[-/]\d{2,4})\s*)?P(?:ERIOD)?\s*(?P<number>\d{1,2})$", re.IGNORECASE)
_CALENDAR_MONTH = re.compile(r"^(?P<year>\d{4})[-/](?P<month>\d{1,2})$")
_ISO_DATE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:[ T]00:00(?::00)?)?$")
_UK_DATE = re.compile(r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})$")
_MONTH_NAME = re.compile(r"^(?P<name>[A-Za-z]{3,9})[-\s/]+(?P<year>\d{2}|\d{4})$")
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_FULL_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")
#: The usual ledger forms of an amount: optional brackets or minus, optional £, digits, exactly two decimals.
_COMMON_AMOUNT = re.compile(r"(?P<open>\(?)(?P<minus>-?)£?(?P<pounds>[0-9]{1,3}(?:,[0-9]{3})*|[0-9]+)"
                            r"\.(?P<pence>[0-9]{2})(?P<close>\)?)")
#: The amounts read a whole column at once (:func:`parse_amounts`): spaces around, brackets or a leading minus,
#: an optional £, up to twelve digits (commas between groups of three, or none), up to two decimals. Brackets
#: and minus are checked to pair up afterwards. Every text this matches, :func:`parse_amount` reads to the
#: same pence; anything else is left to it.
_COLUMN_AMOUNT = r" *\(?-?£?(?:[0-9]{1,3}(?:,[0-9]{3}){0,3}|[0-9]{1,12})(?:\.[0-9]{0,2})?\)? *"
#: A figure in exponent form ("1e3", "-1.5E+06"), as a spreadsheet shows a long number it cannot fit.
_EXPONENT = re.compile(r"\(?[-+]?£?[0-9][0-9.,]*[eE][-+]?[0-9]+\)?")
#: The last period number a ledger uses: P13 and P14 hold year-end adjustments after March (P12).
LAST_ADJUSTMENT_PERIOD = 14
PERIOD_FORMS = "2025-09, P6 (P1 is April), 2025-26 P6, Sep-25, Sep 2025 or a date such as 2025-09-14 or 14/09/2025"


def parse_amount(text: str) -> int:
    """An amount cell as integer pence: "1,234.56", "-1234.56", "(1,234.56)" (negative), "£1,234.56".

    The forms a ledger exports nearly always (digits, commas between groups
    of three, exactly two decimals) are read straight from their digits; any
    other form goes through the package's strict reader of money.

    Raises:
        ValueError: the cell is blank, a word, or has fractions of a penny,
            with the reason in plain words.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("the amount is blank; give a figure (0 for nothing)")
    if _EXPONENT.fullmatch(raw):
        # Decimal would read "1e3" as 1,000; a ledger never writes an amount so, and a cell that does is more
        # likely a code or a mangled export than a thousand pounds.
        raise ValueError(f"{raw!r} is written in exponent form; ledgers write amounts in full, such as 1000.00: "
                         "check the cell (a spreadsheet may have turned a long figure into this)")
    common = _COMMON_AMOUNT.fullmatch(raw)
    if common and (common["open"] == "(") == (common["close"] == ")") and not (common["open"] and common["minus"]):
        pence = int(common["pounds"].replace(",", "")) * 100 + int(common["pence"])
        if pence <= MAX_POUNDS * 100:
            return -pence if common["open"] or common["minus"] else pence
    try:
        return to_pence(raw)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _month_name(name: str) -> int | None:
    """The calendar month number of a month name or its first three letters ("Sept" too), else None."""
    lowered = name.lower()
    if lowered in _FULL_NAMES:
        return _FULL_NAMES.index(lowered) + 1
    if lowered == "sept":
        return 9
    return _MONTHS.get(lowered)


def _calendar(year: int, month: int, day: int = 1) -> tuple[str, int]:
    """The financial year and month index of a calendar date, refusing one that does not exist."""
    try:
        return month_of(dt.date(year, month, day))
    except ValueError:
        raise ValueError("is not a real date") from None


def _financial_period(raw: str, found: re.Match[str], year: str, period_13: str) -> tuple[str, int]:
    """A financial period (``P6``, ``2025-26 P13``) as (financial year, month index), by the map's ``period_13``."""
    number = int(found["number"])
    in_year = parse_year(found["year"]) if found["year"] else year
    if number == 0:
        raise ValueError(f"{raw!r} is not a period: P1 is April and P12 March")
    if number > LAST_ADJUSTMENT_PERIOD:
        raise ValueError(f"{raw!r} is not a period of the financial year: P1 (April) to P12 (March), and P13 and "
                         "P14 for year-end adjustments")
    if number > MONTHS_IN_YEAR and in_year == year and period_13 != "march":
        raise ValueError(f"{raw!r} is a year-end adjustment period of {year}: set 'period_13: march' in the map to "
                         "count P13 and P14 in March, or give these rows a month in the ledger extract")
    # P13 and P14 are March's adjustments; another year's are out of period whatever the map says, so March of
    # that year places them there (and lists them) without stopping the run.
    return in_year, min(number, MONTHS_IN_YEAR) - 1


def parse_period(text: str, year: str, period_13: str = "refuse") -> tuple[str, int]:
    """A period cell as (financial year, month index with April = 0).

    ``year`` is the map's financial year, which a bare ``P6`` belongs to.
    ``period_13`` is the map's: ``march`` counts P13 and P14 (year-end
    adjustments) in March; ``refuse`` refuses them in ``year`` (another
    year's are March of that year, out of period either way).

    Raises:
        ValueError: the cell is not a period in any accepted form, or names a
            period or date that does not exist.
    """
    raw = text.strip()
    if not raw:
        raise ValueError(f"the period is blank; give the month, e.g. {PERIOD_FORMS}")
    period = _PERIOD.match(raw)
    if period:
        return _financial_period(raw, period, year, period_13)
    for pattern in (_CALENDAR_MONTH, _ISO_DATE, _UK_DATE):
        found = pattern.match(raw)
        if found:
            parts = found.groupdict()
            day, month = int(parts.get("day") or 1), int(parts["month"])
            try:
                return _calendar(int(parts["year"]), month, day)
            except ValueError:
                if pattern is _UK_DATE and month > MONTHS_IN_YEAR >= day:
                    raise ValueError(f"{raw!r} is not a real date: dates are read day first (UK), so this is day "
                                     f"{day} of month {month}; write it {month:02d}/{day:02d}/{parts['year']} or "
                                     f"{parts['year']}-{day:02d}-{month:02d}") from None
                raise ValueError(f"{raw!r} is not a real date") from None
    named = _MONTH_NAME.match(raw)
    if named and _month_name(named["name"]) is not None:
        month = _month_name(named["name"]) or 0
        calendar_year = int(named["year"]) + (2000 if len(named["year"]) == 2 else 0)  # "Sep-25" is 2025
        return _calendar(calendar_year, month)
    raise ValueError(f"{raw!r} is not a period; write it like {PERIOD_FORMS}")


def parse_amounts(cells: Sequence[str]) -> tuple[IntArray, BoolArray]:
    """A whole column of amount cells as integer pence, and which cells that reading covers.

    The usual forms (see :data:`_COLUMN_AMOUNT`) are read all at once with
    pandas' string methods: the text is checked against the pattern, the
    brackets and minus paired, the digits after the point counted, everything
    but the digits removed and the digits read as a whole number, then
    multiplied up to pence by integer arithmetic ("1,234.5" is 12345 tenths
    of a pound, 123,450 pence). Nothing passes through a float. A cell left
    uncovered (False) must be read by :func:`parse_amount`, which gives its
    pence or says what is wrong with it in words; its pence here are 0.
    """
    import pandas as pd  # pandas: only the ledger reading loads it

    text = pd.Series(cells, dtype="str")
    usual = text.str.fullmatch(_COLUMN_AMOUNT).to_numpy(dtype=bool, na_value=False)
    opened = text.str.contains("(", regex=False).to_numpy(dtype=bool, na_value=False)
    closed = text.str.contains(")", regex=False).to_numpy(dtype=bool, na_value=False)
    minus = text.str.contains("-", regex=False).to_numpy(dtype=bool, na_value=False)
    # "(12.00" and "-(12.00)" are not amounts: brackets come in pairs, and never with a minus.
    usual = usual & (opened == closed) & ~(opened & minus)
    pence = np.zeros(len(text), dtype=np.int64)
    if usual.any():
        figures = text[usual]
        # The digits after the point, if any: "1,234.5)" has one, so its digits 12345 are tenths of a pound.
        ending = figures.str.rstrip(" )")
        point = ending.str.find(".").to_numpy(dtype=np.int64)
        decimals = np.where(point >= 0, ending.str.len().to_numpy(dtype=np.int64) - point - 1, 0)
        digits = figures.str.replace(r"[^0-9]", "", regex=True).astype("int64").to_numpy(dtype=np.int64)
        read = digits * 10 ** (2 - decimals)
        pence[usual] = np.where(opened[usual] | minus[usual], -read, read)
    # Over the largest amount accepted: left to the strict reader, which says so.
    usual = usual & (np.abs(pence) <= MAX_POUNDS * 100)
    pence[~usual] = 0
    return pence, usual


def blank_cells(cells: Sequence[str]) -> BoolArray:
    """Which cells of a column are empty or only spaces, all at once (other white space: the strict reader)."""
    import pandas as pd  # pandas: only the ledger reading loads it

    return pd.Series(cells, dtype="str").str.fullmatch(" *").to_numpy(dtype=bool, na_value=False)
