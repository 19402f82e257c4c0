"""UK financial years (1 April to 31 March), written "2025-26".

Months inside a year are numbered 0 (April) to 11 (March), the order in
which every monthly array in the engine is laid out.
"""

from __future__ import annotations

import datetime as dt
import re

MONTH_NAMES = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")
MONTHS_IN_YEAR = 12
_YEAR_RE = re.compile(r"^(\d{4})[-/](\d{2}|\d{4})$")


def parse_year(text: object) -> str:
    """Normalise a financial year to "2025-26"; raise ``ValueError`` in plain words.

    Accepts "2025-26", "2025/26" and "2025-2026". A calendar year on its own
    is refused because it does not say which April it starts in.
    """
    raw = str(text).strip()
    match = _YEAR_RE.match(raw)
    if not match:
        raise ValueError(f"{raw!r} is not a financial year; write it like 2025-26")
    start = int(match.group(1))
    end_text = match.group(2)
    end = int(end_text) if len(end_text) == 4 else (start // 100) * 100 + int(end_text)
    if len(end_text) == 2 and end < start:
        end += 100
    if end != start + 1:
        raise ValueError(f"{raw!r} is not a financial year: it must run from one April to the next March, like 2025-26")
    return f"{start}-{(start + 1) % 100:02d}"


def year_start(year: str) -> int:
    """The calendar year in which the financial year begins (2025 for "2025-26")."""
    return int(parse_year(year)[:4])


def next_year(year: str) -> str:
    """The financial year after ``year``."""
    start = year_start(year) + 1
    return f"{start}-{(start + 1) % 100:02d}"


def month_of(date: dt.date) -> tuple[str, int]:
    """The financial year and month index (0 = April) that ``date`` falls in."""
    start = date.year if date.month >= 4 else date.year - 1
    return f"{start}-{(start + 1) % 100:02d}", (date.month - 4) % 12


def parse_month(text: object) -> tuple[str, int]:
    """Read a month written "2025-10" or a date "2025-10-01" into (year, month index)."""
    if isinstance(text, dt.date):
        return month_of(text)
    raw = str(text).strip()
    match = re.match(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$", raw)
    if not match:
        raise ValueError(f"{raw!r} is not a month; write it like 2025-10 (October 2025)")
    year, month = int(match.group(1)), int(match.group(2))
    day = int(match.group(3) or 1)
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{raw!r} is not a real date") from None
    return month_of(date)


def month_label(year: str, month_index: int) -> str:
    """A month as "Oct 2025" for tables and explanations."""
    start = year_start(year)
    calendar_year = start if month_index < 9 else start + 1
    return f"{MONTH_NAMES[month_index]} {calendar_year}"


def month_from_label(year: str, name: str) -> int:
    """The month index of a three-letter month name ("Oct") within ``year``.

    The inverse of :func:`month_label`. The index counts from April, so it is
    the same in every year, but ``year`` must still be a financial year: a
    label read with a year that is not one is a mistake to report, as
    :func:`month_label` would.
    """
    year_start(year)
    try:
        return MONTH_NAMES.index(name.strip()[:3].title())
    except ValueError:
        raise ValueError(f"{name!r} is not a month name; use Apr, May, ... Mar") from None
