r"""What a cell's number format says about the number it holds, and a date where an amount belongs.

A share typed as 60 in a cell formatted ``0.####"%"`` is 60 per cent: the
per-cent sign is only printed text. A cell formatted ``0%`` (Excel's
percentage format) holds 0.6 for 60 per cent and shows it multiplied by 100.
LibreOffice rewrites the pack's quoted sign as an escaped one (``0.####\%``)
when it saves, so every way of writing a literal sign (in quotes, after a
backslash, inside a ``[...]`` block) counts as "already in per cent", and
only a bare ``%`` as Excel's ×100 format.
"""

from __future__ import annotations

import datetime
from decimal import Decimal


def _sections(number_format: str) -> list[str]:
    """The format's ``;``-separated sections (positive; negative; zero; text), quotes and escapes respected."""
    sections, current, quoted, escaped = [], [], False, False
    for char in number_format:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
    sections.append("".join(current))
    return sections


def _has_bare_percent(section: str) -> bool:
    """Whether a section has a ``%`` outside quotes, escapes, ``[...]`` blocks and ``_x``/``*x`` spacers."""
    index, quoted, bracket = 0, False, False
    while index < len(section):
        char = section[index]
        if quoted:
            quoted = char != '"'
        elif bracket:
            bracket = char != "]"
        elif char == '"':
            quoted = True
        elif char == "[":
            bracket = True
        elif char in "\\_*":
            index += 1  # the next character is printed as it is (or is a spacer's width)
        elif char == "%":
            return True
        index += 1
    return False


def scales_by_hundred(number_format: str | None, number: Decimal | float | int = 0) -> bool:
    """Whether a cell with this format shows ``number`` multiplied by 100 (Excel's percentage format).

    The section that applies to the number's sign is read (the first for a
    positive number, the second, if there is one, for a negative one, the
    third, if there is one, for zero), as Excel and LibreOffice do.
    """
    sections = _sections(number_format or "")
    if number < 0 and len(sections) > 1:
        section = sections[1]
    elif number == 0 and len(sections) > 2:
        section = sections[2]
    else:
        section = sections[0]
    return _has_bare_percent(section)



def date_words(value: datetime.date | datetime.time | datetime.timedelta) -> str:
    """A date or time as the cell shows it, in words: ``a date (1 April 2025)``, ``a time of day (09:30)``."""
    if isinstance(value, datetime.datetime):
        clock = f" {value:%H:%M}" if value.time() != datetime.time() else ""
        return f"a date ({value.day} {value:%B %Y}{clock})"
    if isinstance(value, datetime.date):
        return f"a date ({value.day} {value:%B %Y})"
    if isinstance(value, datetime.time):
        return f"a time of day ({value:%H:%M})"
    return f"a length of time ({value})"


def not_an_amount(value: datetime.date | datetime.time | datetime.timedelta) -> str:
    """Words for a date or time typed where an amount belongs: ``a date (1 April 2025), not an amount``.

    Excel stores a date as a number with a date format, and openpyxl reads it
    back as a date; the message says what the finance lead sees in the cell,
    not Python's ``datetime.datetime(2025, 4, 1, 0, 0)``.
    """
    return f"{date_words(value)}, not an amount"
