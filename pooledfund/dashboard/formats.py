"""How the dashboard writes money: short figures for headlines, one sign convention everywhere.

The convention is the sign-off pack's (its Summary sheet's Variance column):
a **variance is spend less money in**, so an overspend is positive and an
underspend is negative, and negative figures are written in brackets:
``£391,500.00`` over, ``(£300,000.00)`` under. Amounts named for what they
are (an overspend share, an underspend returned, a contribution) are
positive. Headline figures are short (``£23.4m``, three significant figures,
rounded half up as Excel does) with the exact figure to the penny beside
them on hover.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pooledfund.core.money import format_gbp

#: The caption that states the convention wherever a variance is shown.
SIGN_CONVENTION = "Variance = spend less money in: overspend +, underspend (brackets), as in the sign-off pack."

_UNITS = ((Decimal(1_000_000_000), "bn"), (Decimal(1_000_000), "m"), (Decimal(1_000), "k"))


def short_gbp(pence: int) -> str:
    """Pence as a short headline figure: £0, £950.00, £91.5k, £392k, £23.4m, (£300k) for negatives.

    Three significant figures, halves rounded away from zero; trailing zeros
    after the point dropped (£23m, not £23.0m). Under £1,000 the figure is
    written to the penny, so a small amount never reads as £0.
    """
    value = int(pence)
    if value == 0:
        return "£0"
    if abs(value) < 100_000:
        return format_gbp(value, brackets=True)
    pounds = Decimal(abs(value)) / 100
    text = ""
    for index, (size, unit) in enumerate(_UNITS):
        if pounds < size:
            continue
        scaled = pounds / size
        places = 2 - (len(str(int(scaled))) - 1)
        rounded = scaled.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if rounded >= 1000 and index > 0:  # £999,600 rounds to £1,000k: say £1m
            size, unit = _UNITS[index - 1]
            rounded = (pounds / size).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        digits = f"{rounded:f}"
        if "." in digits:
            digits = digits.rstrip("0").rstrip(".")
        text = f"£{int(digits.split('.')[0]):,}" + (f".{digits.split('.')[1]}" if "." in digits else "") + unit
        break
    return f"({text})" if value < 0 else text


def signed_gbp(pence: int, *, short: bool = False) -> str:
    """A change: ``+£1,234.56`` up, ``(£1,234.56)`` down, ``£0.00`` none (``+£1.23k``, ``£0`` when ``short``)."""
    text = short_gbp(pence) if short else format_gbp(pence, brackets=True)
    return f"+{text}" if pence > 0 else text


def variance_words(pence: int, *, short: bool = False) -> str:
    """A variance in the convention, with its direction in words: ``£391,500.00 overspend``, ``(£300k) underspend``."""
    if pence == 0:
        return "on budget"
    text = short_gbp(pence) if short else format_gbp(pence, brackets=True)
    return f"{text} {'overspend' if pence > 0 else 'underspend'}"


def exactly(pence: int) -> str:
    """The hover text of a short figure: the exact amount to the penny."""
    return f"Exactly {format_gbp(pence, brackets=True)}."
