"""The colours every chart uses: the Okabe-Ito palette, safe for colour-blind readers.

Okabe and Ito's eight colours (Color Universal Design, 2008) stay apart for
people with red-green colour blindness, so no chart relies on telling red
from green. Money coming in and underspends are blue; money going out,
overspends and anything unfunded are vermillion; totals are grey. Series
(partners, scenarios, scheme types) take :data:`SERIES` in order.
"""

from __future__ import annotations

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#8C8C8C"

#: Colours for a list of series, in order (yellow last: it is faint on white).
SERIES = (BLUE, ORANGE, BLUISH_GREEN, REDDISH_PURPLE, SKY_BLUE, VERMILLION, BLACK, YELLOW)

#: Money into the pool, and an underspend (money left over).
MONEY_IN = BLUE
UNDERSPEND = BLUE
#: Money out of the pool, an overspend, and what no partner covers.
MONEY_OUT = VERMILLION
OVERSPEND = VERMILLION

#: Every colour a chart may use (tests check charts against this list).
ALL = frozenset({BLACK, ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE, GREY})


def series_colour(index: int) -> str:
    """The colour of the ``index``-th series, wrapping round after eight."""
    return SERIES[index % len(SERIES)]


def translucent(colour: str, alpha: float) -> str:
    """A palette colour as ``rgba(...)`` with opacity ``alpha`` (for bands behind lines)."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"
