"""The Excel sign-off pack for the Health and Wellbeing Board, and reading workbooks back in.

* :func:`workbook_bytes` / :func:`export_workbook`: the pack (Cover, Summary,
  Contributions, Expenditure plan, Projection, Risk share with live formulas,
  Scenarios, Checks, Assumptions); see docs/excel-pack.md.
* :func:`agreement_from_workbook_bytes` / :func:`import_workbook`: an
  expenditure plan in the BCF template's layout, or a pack this package
  exported, back into an agreement, with located errors.
"""

from __future__ import annotations

from pooledfund.io.excel.export import build_pack, export_workbook, workbook_bytes
from pooledfund.io.excel.importer import MAX_WORKBOOK_BYTES, agreement_from_workbook_bytes, import_workbook

__all__ = [
    "MAX_WORKBOOK_BYTES",
    "agreement_from_workbook_bytes",
    "build_pack",
    "export_workbook",
    "import_workbook",
    "workbook_bytes",
]
