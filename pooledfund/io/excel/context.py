"""What every sheet of the pack is built from, and where each sheet put its tables.

Sheets are filled in dependency order (the expenditure plan and contributions
before the risk share that sums them, the risk share before the summary that
adds up its positions); each records the ranges later sheets refer to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from openpyxl.workbook.workbook import Workbook

from pooledfund.core.version import __version__
from pooledfund.engine.results import RunResult
from pooledfund.io.excel.cells import Expectations, Sheet
from pooledfund.io.excel.inputmap import InputMap
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario
from pooledfund.reports.conditions import ConditionCheck, ConditionThresholds


@dataclass
class Table:
    """Where a table sits: its first and last data rows and its columns by heading."""

    sheet: str
    first: int
    last: int
    columns: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TriggerRow:
    """A trigger and year as the Checks sheet shows it: its Status cell (a reference) and whether it was crossed."""

    arrangement: str
    year: str
    status_cell: str
    crossed: bool
    action: str


@dataclass
class PackContext:
    """The inputs of the pack, the workbook being written, and the tables written so far."""

    agreement: Agreement
    scenarios: list[Scenario]
    results: list[RunResult]
    thresholds: ConditionThresholds
    checks: list[ConditionCheck]
    source_files: dict[str, bytes]
    created: dt.date
    workbook: Workbook
    expectations: Expectations = field(default_factory=Expectations)
    #: Every input cell written so far and the agreement field it shows (written to Assumptions).
    inputs: InputMap = field(default_factory=InputMap)
    tables: dict[str, Table] = field(default_factory=dict)
    #: Risk share cells for Summary: (arrangement, year, line) -> {partner or "" -> (col, row)}.
    positions: dict[tuple[str, str, str], dict[str, tuple[int, int]]] = field(default_factory=dict)
    #: The Expenditure plan row of each (arrangement, scheme).
    plan_rows: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Check rows for Summary: number of rows and the result column range.
    check_results: str = ""
    #: Each trigger row of the Checks sheet, for the Summary.
    triggers: list[TriggerRow] = field(default_factory=list)
    #: Row blocks of a sheet that print on one page where they fit (a page break goes before one that would split).
    keep_together: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: Column groups of a sheet (first, last) that print whole on one page across where they fit.
    column_groups: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def result(self) -> RunResult:
        """The main scenario's run."""
        return self.results[0]

    @property
    def scenario(self) -> Scenario:
        """The main scenario."""
        return self.scenarios[0]

    def sheet(self, title: str) -> Sheet:
        """The named sheet with the pack's expectations and input map attached."""
        return Sheet(self.workbook[title], self.expectations, self.inputs)

    def arrangement_index(self, arrangement_id: str) -> int:
        """The position of an arrangement in the agreement (its index in the field paths)."""
        return next(i for i, a in enumerate(self.agreement.arrangements) if a.id == arrangement_id)

    def scheme_index(self, arrangement_id: str, scheme_id: str) -> tuple[int, int]:
        """The positions of an arrangement and of one of its schemes (their indexes in the field paths)."""
        a_index = self.arrangement_index(arrangement_id)
        schemes = self.agreement.arrangements[a_index].schemes
        return a_index, next(i for i, s in enumerate(schemes) if s.id == scheme_id)

    @property
    def run_id(self) -> str:
        """A short hash of every input: the agreement, the scenarios and the tool version."""
        payload = {
            "agreement": self.agreement.model_dump(mode="json", by_alias=True),
            "scenarios": [s.model_dump(mode="json", by_alias=True) for s in self.scenarios],
            "version": __version__,
        }
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode("utf-8")).hexdigest()
        return digest[:16]
