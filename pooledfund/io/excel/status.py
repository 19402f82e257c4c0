"""Status cells coloured by what they say now, not by what they said when the pack was exported.

A check's Result ("Pass" or "Fail"), a trigger's Status ("Not crossed" or
"Crossed") and the Summary's count of failed checks are formulas: an edited
budget or threshold can flip them. Their colour therefore comes from
conditional formatting (green fill for the good value, red for the bad),
which Excel and LibreOffice apply to whatever the formula gives after
recalculation; the cells themselves carry no fixed status colour.
"""

from __future__ import annotations

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import formula_text

#: Excel's own "Good" and "Bad" cell colours: pale green and pale red behind dark green and dark red text.
GOOD_FILL = PatternFill(fill_type="solid", bgColor="C6EFCE")
BAD_FILL = PatternFill(fill_type="solid", bgColor="FFC7CE")
#: Excel's "Neutral" colour, amber: a crossed trigger calls for action but is not a failed check.
AMBER_FILL = PatternFill(fill_type="solid", bgColor="FFEB9C")
AMBER_FONT = Font(name=styles.FONT, bold=True, color="9C5700")


def colour_by_status(ws: Worksheet, cells: str, good: str, bad: str) -> None:
    """Colour ``cells`` (an A1 range) green where they read ``good`` and red where they read ``bad``."""
    ws.conditional_formatting.add(cells, CellIsRule(operator="equal", formula=[formula_text(good)],
                                                    fill=GOOD_FILL, font=styles.PASS_FONT))
    ws.conditional_formatting.add(cells, CellIsRule(operator="equal", formula=[formula_text(bad)],
                                                    fill=BAD_FILL, font=styles.FAIL_FONT))


def colour_by_count(ws: Worksheet, cell: str) -> None:
    """Colour a count of failures green when it is 0 and red when it is more."""
    ws.conditional_formatting.add(cell, CellIsRule(operator="equal", formula=["0"], fill=GOOD_FILL,
                                                   font=styles.PASS_FONT))
    ws.conditional_formatting.add(cell, CellIsRule(operator="greaterThan", formula=["0"], fill=BAD_FILL,
                                                   font=styles.FAIL_FONT))


def colour_crossed(ws: Worksheet, cells: str) -> None:
    """Colour trigger statuses in ``cells``: amber where "Crossed", green where "Not crossed"."""
    ws.conditional_formatting.add(cells, CellIsRule(operator="equal", formula=[formula_text("Not crossed")],
                                                    fill=GOOD_FILL, font=styles.PASS_FONT))
    ws.conditional_formatting.add(cells, CellIsRule(operator="equal", formula=[formula_text("Crossed")],
                                                    fill=AMBER_FILL, font=AMBER_FONT))
