"""What every sheet of the return is built from, and where each sheet put the tables later sheets sum.

Sheets are filled in dependency order: Income and Expenditure first (their
tables are what the totals, the national conditions and the risk share add
up), then National conditions, Risk share and the Cover.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.core.version import __version__
from pooledfund.io.excel.cells import Expectations, Sheet, col_range
from pooledfund.io.excel.context import Table
from pooledfund.io.excel.tables import header
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario
from pooledfund.reports.returns import QuarterlyReturn

COVER, INCOME, EXPENDITURE, CONDITIONS, RISK = "Cover", "Income", "Expenditure", "National conditions", "Risk share"
#: The return's sheets in the order a reader meets them (the order of the BCF return: cover, then the money, then
#: the conditions).
SHEET_ORDER = [COVER, INCOME, EXPENDITURE, CONDITIONS, RISK]


def run_id(agreement: Agreement, scenarios: list[Scenario]) -> str:
    """A short hash of every input: the same as the pack's run id for the same agreement and scenario.

    So a return and the sign-off pack made from the same files say the same
    run id, and a reader can tell they show the same figures.
    """
    payload = {
        "agreement": agreement.model_dump(mode="json", by_alias=True),
        "scenarios": [s.model_dump(mode="json", by_alias=True) for s in scenarios],
        "version": __version__,
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    return digest[:16]


@dataclass
class ReturnContext:
    """The return's figures, the workbook being written, and the tables and cells written so far.

    Attributes:
        figures: the return's figures (:func:`pooledfund.reports.returns.quarterly_return`).
        workbook: the workbook being written.
        created: the date the return was produced.
        source_files: the input files by name, for their SHA-256 on the Cover.
        expectations: what every formula cell must come to.
        tables: each table's rows and columns by heading (``income``, ``expenditure``, ``positions``).
        balance_cells: the Expenditure sheet's balance (money in less outturn) by arrangement and source key.
    """

    figures: QuarterlyReturn
    workbook: Workbook
    created: dt.date
    source_files: dict[str, bytes]
    expectations: Expectations = field(default_factory=Expectations)
    tables: dict[str, Table] = field(default_factory=dict)
    balance_cells: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def sheet(self, title: str) -> Sheet:
        """The named sheet with the return's expectations attached."""
        return Sheet(self.workbook[title], self.expectations)

    def column(self, table: str, heading: str) -> str:
        """An absolute range down one column of a recorded table, on its sheet."""
        found = self.tables[table]
        return col_range(found.columns[heading], found.first, found.last, found.sheet)

    @property
    def quarter_heading(self) -> str:
        """The heading of the columns to the end of the quarter: "to end of Q2"."""
        return f"to end of Q{self.figures.period.quarter}"


def header_at(ws: Worksheet, row: int, placed: dict[str, int]) -> dict[str, int]:
    """A header row whose headings sit in the given columns (a block under a wider table's own columns)."""
    for heading, col in placed.items():
        header(ws, row, col, [heading])
    return dict(placed)


def fit_rows(ws: Worksheet, col: int, width: float, first: int, last: int) -> None:
    """Make each row tall enough for the wrapped text in ``col`` (about ``width`` characters a line).

    LibreOffice and Excel do not grow a row for wrapped text a program wrote,
    so long sentences would print over the next row.
    """
    for row in range(first, last + 1):
        value = ws.cell(row=row, column=col).value
        if isinstance(value, str) and len(value) > width:
            lines = -(-len(value) // int(width))
            ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 15, 13 * lines + 2)
