"""Annotated field types shared by the agreement and scenario schemas.

Money is held in integer pence (read from pounds in files), years in the
"2025-26" form and percentages as exact decimals, so nothing drifts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

from pooledfund.core.money import MAX_AMOUNT_CHARS, MoneyError, format_gbp, pounds, to_pence, value_for_message
from pooledfund.core.years import parse_month, parse_year


def _money(value: object) -> int:
    try:
        return to_pence(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _non_negative(pence: int) -> int:
    if pence < 0:
        raise ValueError(f"amount must not be negative (got {format_gbp(pence)})")
    return pence


def _positive(pence: int) -> int:
    if pence <= 0:
        raise ValueError(f"amount must be more than £0.00 (got {format_gbp(pence)})")
    return pence


def _money_out(pence: int) -> float:
    return float(pounds(pence))


_MONEY_SCHEMA = WithJsonSchema({"type": "number", "description": "pounds, at most 2 decimal places", "unit": "GBP"})

#: Any amount of money, held as integer pence; written in files as pounds.
Money = Annotated[int, BeforeValidator(_money), PlainSerializer(_money_out), _MONEY_SCHEMA]
#: Money that must be zero or more (budgets, contributions).
NonNegativeMoney = Annotated[
    int, BeforeValidator(_money), AfterValidator(_non_negative), PlainSerializer(_money_out), _MONEY_SCHEMA
]
#: Money that must be more than zero (limits, caps, bands).
PositiveMoney = Annotated[
    int, BeforeValidator(_money), AfterValidator(_positive), PlainSerializer(_money_out), _MONEY_SCHEMA
]


def _year(value: object) -> str:
    return parse_year(value)


#: A UK financial year, "2025-26".
Year = Annotated[str, BeforeValidator(_year)]


#: The largest percentage accepted anywhere (either sign): each kind of
#: percentage has its own, tighter range; this one bounds the rest.
MAX_PERCENT = 1_000_000
_LARGEST_PERCENT = f"the largest percentage accepted is {MAX_PERCENT:,}%; check the figure"


_PERCENT_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)? ?%?", re.ASCII)


def _percent(value: object) -> Decimal:
    """A percentage written 3.5 or "3.5%", refusing what is not one (or is too long to be one) in words.

    More than 4 decimal places is checked on the digits themselves, so a
    figure of any size is refused in words rather than by decimal arithmetic.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a percentage such as 3.5, got {value!r}")
    if isinstance(value, int) and abs(value) > 10**MAX_AMOUNT_CHARS:
        raise ValueError(f"{value_for_message(value)} is too long to be a percentage: {_LARGEST_PERCENT}")
    if isinstance(value, str) and not _PERCENT_TEXT.fullmatch(value.strip()):
        # Text is read strictly: plain ASCII digits, one optional "%" at the end. Decimal()
        # alone would take "10_0", fullwidth or Arabic-Indic digits and "10%%%", none of
        # which a finance lead writes for a percentage.
        raise ValueError(f"expected a percentage such as 3.5, got {value!r}")
    text = str(value).strip().removesuffix("%").strip()
    if len(text) > MAX_AMOUNT_CHARS:
        raise ValueError(f"{value_for_message(value)} is too long to be a percentage: {_LARGEST_PERCENT}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"expected a percentage such as 3.5, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"expected a percentage such as 3.5, got {value!r}")
    _, digits, exponent = number.as_tuple()
    extra_places = -int(exponent) - 4
    if extra_places > 0 and any(digits[-extra_places:]):
        raise ValueError(f"{value!r} has more than 4 decimal places; percentages are kept to 4")
    return number


def _within_largest(value: Decimal) -> Decimal:
    if value.copy_abs() > MAX_PERCENT:
        raise ValueError(f"{value}% is too large: {_LARGEST_PERCENT}")
    return value


def _percent_out(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


#: A percentage written as 3.5 (meaning 3.5%), kept as an exact decimal.
Percent = Annotated[
    Decimal, BeforeValidator(_percent), AfterValidator(_within_largest), PlainSerializer(_percent_out)
]


def _rate(value: Decimal) -> Decimal:
    if value <= -100 or value > 1000:
        raise ValueError(f"a rate of change must be above -100% and at most 1000% a year (got {value}%)")
    return value


#: A yearly rate of change (inflation, demography, an uplift): above -100%
#: (a price cannot fall to nothing) and at most 1000%, so a mistyped figure
#: cannot turn spend negative or overflow.
RatePercent = Annotated[Decimal, BeforeValidator(_percent), AfterValidator(_rate), PlainSerializer(_percent_out)]


def _change(value: Decimal) -> Decimal:
    if value < -100 or value > 1000:
        raise ValueError(f"a change must be between -100% (all of it gone) and 1000% (got {value}%)")
    return value


#: A change in an amount (demand, a contribution): -100% (all of it gone) to 1000%.
ChangePercent = Annotated[Decimal, BeforeValidator(_percent), AfterValidator(_change), PlainSerializer(_percent_out)]


def _saving(value: Decimal) -> Decimal:
    if value <= -100 or value > 100:
        raise ValueError(f"an efficiency saving must be at most 100% of spend (got {value}%)")
    return value


#: An efficiency saving, % of spend a year: at most 100% (spend cannot go below nothing).
SavingPercent = Annotated[Decimal, BeforeValidator(_percent), AfterValidator(_saving), PlainSerializer(_percent_out)]


def _share(value: Decimal) -> Decimal:
    if value < 0 or value > 100:
        raise ValueError(f"a share must be between 0% and 100% (got {value}%)")
    return value


#: A share of something, 0 to 100 (%).
SharePercent = Annotated[Decimal, BeforeValidator(_percent), AfterValidator(_share), PlainSerializer(_percent_out)]


def _month(value: object) -> str:
    year, index = parse_month(value)
    start = int(year[:4])
    calendar_year = start if index < 9 else start + 1
    return f"{calendar_year}-{(index + 3) % 12 + 1:02d}"


#: A calendar month, written "2025-10" (a full date is accepted and its month kept).
Month = Annotated[str, BeforeValidator(_month)]


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date; write it like 2025-10-01") from None


#: A calendar date, written 2025-10-01.
Date = Annotated[dt.date, BeforeValidator(_date)]

PERCENT_SCALE = 10_000
"""Percentages become integer weights by multiplying by this (4 decimal places)."""


def percent_weight(value: Decimal) -> int:
    """A percentage as an exact integer weight for pence allocation."""
    return int(value * PERCENT_SCALE)


def _unprintable(text: str) -> str | None:
    """The first character a terminal or a table would not show as written (a line break, tab, escape...)."""
    return next((c for c in text if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"}), None)


def _identifier(value: str) -> str:
    """An id: one word of printable characters.

    Ids join records to each other and name rows and defined names in the
    pack; a space, tab or line break in one would make two ids look alike
    or split a printed table row, so they are refused where they are written.
    (The pack refuses ids too long for a formula when it is exported.)
    """
    if any(c.isspace() for c in value) or _unprintable(value) is not None:
        raise ValueError(f"{value!r} is not one word: an id has no spaces, tabs or line breaks "
                         "(letters, digits, - and _ are safe, e.g. ld_pool)")
    return value


#: Characters that start a new line when a name is printed (a carriage return or tab is shown escaped instead).
_LINE_BREAKS = frozenset("\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _single_line(value: str) -> str:
    """A name or title: one line (it is printed in table rows, the pack and the dashboard).

    A line break would split a printed table row in two, so a name could fake
    rows of figures; other control characters are shown escaped wherever text
    is printed, so they are left to that.
    """
    bad = next((c for c in value if c in _LINE_BREAKS), None)
    if bad is not None:
        raise ValueError(f"{value!r} holds a line break ({bad!r}); write it on one line")
    return value


#: A record's id (``icb``, ``NM01``, ``bcf_pool``).
Identifier = Annotated[str, AfterValidator(_identifier)]

#: A name or title shown to people: one printable line.
SingleLine = Annotated[str, AfterValidator(_single_line)]


#: A council's GSS code: E06 unitary, E07 district, E08 metropolitan borough, E09 London borough, E10 county.
_GSS = re.compile(r"E0[6-9]\d{6}|E10\d{6}", re.ASCII)
#: An NHS organisation code from the Organisation Data Service: 3 to 5 letters and digits (ICBs: QWO, QHM).
_ODS = re.compile(r"[A-Z0-9]{3,5}", re.ASCII)


def _gss_code(value: str) -> str:
    """A council's GSS code, as the ONS publishes it (upper case)."""
    code = value.strip().upper()
    if not _GSS.fullmatch(code):
        raise ValueError(f"{value!r} is not a council's GSS code: it is E06, E07, E08, E09 or E10 and six digits "
                         "(e.g. E08000025 for Birmingham)")
    return code


def _ods_code(value: str) -> str:
    """An NHS body's ODS code, upper case."""
    code = value.strip().upper()
    if not _ODS.fullmatch(code):
        raise ValueError(f"{value!r} is not an NHS organisation (ODS) code: 3 to 5 letters and digits "
                         "(e.g. QHL for an integrated care board)")
    return code


#: A council's ONS GSS code (``E08000025``), the same in every agreement the council is party to.
GssCode = Annotated[str, AfterValidator(_gss_code)]

#: An NHS body's ODS code (``QHL``), the same in every agreement the body is party to.
OdsCode = Annotated[str, AfterValidator(_ods_code)]
