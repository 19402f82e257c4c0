"""Build the Health and Wellbeing Board sign-off pack and write it atomically."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from pooledfund.core.errors import InvalidInputError
from pooledfund.core.version import __version__
from pooledfund.engine.runner import run
from pooledfund.io.excel import (
    pages,
    sheet_assumptions,
    sheet_checks,
    sheet_contributions,
    sheet_cover,
    sheet_expenditure,
    sheet_projection,
    sheet_riskshare,
    sheet_scenarios,
    sheet_summary,
    styles,
)
from pooledfund.io.excel.cells import Expectations
from pooledfund.io.excel.context import PackContext
from pooledfund.io.excel.fit import fit_numbers, fit_rows
from pooledfund.io.excel.limits import workbook_text_errors
from pooledfund.io.yamlio import write_atomic
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE, Scenario
from pooledfund.reports.conditions import ConditionThresholds, national_conditions

#: Sheets in the order a reader meets them (Scenarios only with two or more scenarios): what the Board signs
#: first, then the appendices (:data:`APPENDICES`), so printing the pages up to the first appendix prints it.
SHEET_ORDER = ["Cover", "Summary", "Contributions", "Expenditure plan", "Risk share", "Scenarios", "Checks",
               "Projection", "Assumptions"]
#: The sheets printed as appendices: the monthly detail behind the outturn, and the inputs in brief.
APPENDICES = ("Projection", "Assumptions")


def build_pack(
    agreement: Agreement,
    scenarios: list[Scenario],
    source_files: dict[str, bytes] | None = None,
    thresholds: ConditionThresholds | None = None,
    created: dt.date | None = None,
) -> tuple[Workbook, Expectations]:
    """The pack as an openpyxl workbook, with what every formula cell must come to.

    ``scenarios``: the first is the main one (the sheets show it); the others
    appear beside it on the Scenarios sheet. An empty list means the base.
    Text a workbook cannot hold is refused first (:class:`InvalidInputError`,
    every field located), so nothing is ever cut.
    """
    scenarios = list(scenarios) or [BASE]
    errors = workbook_text_errors(agreement, scenarios)
    if errors:
        raise InvalidInputError(errors)
    results = [run(agreement, s) for s in scenarios]
    thresholds = thresholds or ConditionThresholds()
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name in SHEET_ORDER:
        if name == "Scenarios" and len(scenarios) < 2:
            continue
        workbook.create_sheet(name)
    ctx = PackContext(
        agreement=agreement,
        scenarios=scenarios,
        results=results,
        thresholds=thresholds,
        checks=national_conditions(agreement, results[0], thresholds),
        source_files=dict(source_files or {}),
        created=created or dt.date.today(),
        workbook=workbook,
    )
    sheet_expenditure.write(ctx)
    sheet_contributions.write(ctx)
    sheet_projection.write(ctx)
    sheet_riskshare.write(ctx)
    sheet_checks.write(ctx)
    sheet_summary.write(ctx)
    if len(scenarios) > 1:
        sheet_scenarios.write(ctx)
    sheet_assumptions.write(ctx)
    sheet_cover.write(ctx)
    for ws in workbook.worksheets:
        # Widths first (the column breaks go where pages fill), then the breaks, then which text must wrap.
        fit_numbers(ws, ctx.expectations)
        if ws.title in ctx.column_groups:
            pages.break_between_groups(ws, ctx.column_groups[ws.title])
        fit_rows(ws)
        styles.running_heads(ws, agreement.title, agreement.status)
        if ws.title in APPENDICES:
            styles.mark_appendix(ws)
    sheet_cover.scale_to_one_page(workbook[sheet_cover.SHEET])
    for name, blocks in ctx.keep_together.items():
        pages.keep_together(workbook[name], blocks)
    workbook.active = workbook.sheetnames.index("Summary")
    workbook.calculation.fullCalcOnLoad = True
    workbook.properties.title = f"Health and Wellbeing Board sign-off pack - {agreement.title}"
    workbook.properties.creator = f"pooledfund {__version__}"
    return workbook, ctx.expectations


def workbook_bytes(
    agreement: Agreement,
    scenarios: list[Scenario],
    source_files: dict[str, bytes] | None = None,
    thresholds: ConditionThresholds | None = None,
) -> bytes:
    """The full pack as .xlsx bytes (the first scenario is the main one; an empty list is the base).

    Written by XlsxWriter (:mod:`pooledfund.io.excel.xlsx_writer`) so every
    formula cell carries the engine's figure as its saved value.
    """
    workbook, expectations = build_pack(agreement, scenarios, source_files, thresholds)
    return pack_bytes(workbook, expectations)


def pack_bytes(workbook: Workbook, expectations: Expectations) -> bytes:
    """A built pack (or one edited in memory) as .xlsx bytes, every formula saved with its expected figure."""
    # XlsxWriter is loaded here, not at import: reading a workbook back never needs it.
    from pooledfund.io.excel.xlsx_writer import xlsx_bytes

    return xlsx_bytes(workbook, expectations)


def export_workbook(
    agreement: Agreement,
    scenarios: list[Scenario],
    path: str | Path,
    force: bool = False,
    source_files: dict[str, bytes] | None = None,
    thresholds: ConditionThresholds | None = None,
) -> None:
    """Write the pack to ``path`` via a temporary file and a rename; never over a file unless ``force``."""
    target = Path(path)
    if target.exists() and not force:
        from pooledfund.core.errors import OutputExistsError

        raise OutputExistsError(str(target))
    write_atomic(target, workbook_bytes(agreement, scenarios, source_files, thresholds), force=force)
