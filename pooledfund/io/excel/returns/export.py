"""Build the quarterly or end-of-year return workbook and write it atomically.

The return is its own workbook, apart from the sign-off pack: five sheets
(Cover, Income, Expenditure, National conditions, Risk share) built from one
engine run on the actuals scenario, with live formulas for every total and
the figure each must come to recorded, as in the pack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from pooledfund.core.errors import InvalidInputError, OutputExistsError
from pooledfund.engine.runner import run
from pooledfund.io.excel.cells import Expectations
from pooledfund.io.excel.limits import workbook_text_errors
from pooledfund.io.excel.returns import conditions, cover, expenditure, income, riskshare
from pooledfund.io.excel.returns.context import SHEET_ORDER, ReturnContext
from pooledfund.io.outputs import write_atomic
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario
from pooledfund.reports.conditions import ConditionThresholds
from pooledfund.reports.returns import quarterly_return


def build_return(
    agreement: Agreement,
    scenario: Scenario,
    quarter: int,
    *,
    thresholds: ConditionThresholds | None = None,
    source_files: dict[str, bytes] | None = None,
    created: dt.date | None = None,
    name: str = "the actuals scenario",
    read_from: Sequence[Scenario] = (),
) -> tuple[Workbook, Expectations]:
    """The return for ``quarter`` (1 to 4; 4 is the end-of-year return), with what every formula must come to.

    Args:
        agreement: the agreement.
        scenario: the actuals scenario (drivers may be combined under it).
        quarter: the quarter returned.
        thresholds: the national-condition thresholds (published uplifts by default).
        source_files: the input files by name, listed with their SHA-256 on the Cover.
        created: the date shown as produced (today by default).
        name: the scenario's file name, for a located error.
        read_from: the scenarios as read from their files, so an error about the actuals names its line.

    Raises:
        InvalidInputError: the scenario has no actuals, the actuals do not
            cover the quarter, or a text is longer than a workbook holds; every
            problem located.
    """
    errors = workbook_text_errors(agreement, [scenario])
    if errors:
        raise InvalidInputError(errors)
    result = run(agreement, scenario)
    figures, errors = quarterly_return(agreement, scenario, result, quarter, thresholds, name, read_from)
    if figures is None:
        raise InvalidInputError(errors)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title in SHEET_ORDER:
        workbook.create_sheet(title)
    ctx = ReturnContext(figures, workbook, created or dt.date.today(), dict(source_files or {}))
    income.write(ctx)
    expenditure.write(ctx)
    conditions.write(ctx)
    riskshare.write(ctx)
    cover.write(ctx)
    workbook.active = 0
    workbook.calculation.fullCalcOnLoad = True
    return workbook, ctx.expectations


def return_bytes(
    agreement: Agreement,
    scenario: Scenario,
    quarter: int,
    *,
    thresholds: ConditionThresholds | None = None,
    source_files: dict[str, bytes] | None = None,
    name: str = "the actuals scenario",
    read_from: Sequence[Scenario] = (),
) -> bytes:
    """The return as .xlsx bytes (see :func:`build_return`)."""
    from pooledfund.io.excel.export import pack_bytes  # XlsxWriter: every formula saved with its figure

    workbook, expectations = build_return(agreement, scenario, quarter, thresholds=thresholds,
                                          source_files=source_files, name=name, read_from=read_from)
    return pack_bytes(workbook, expectations)


def export_return(
    agreement: Agreement,
    scenario: Scenario,
    quarter: int,
    path: str | Path,
    *,
    force: bool = False,
    thresholds: ConditionThresholds | None = None,
    source_files: dict[str, bytes] | None = None,
    name: str = "the actuals scenario",
    read_from: Sequence[Scenario] = (),
) -> None:
    """Write the return to ``path`` via a temporary file and a rename; never over a file unless ``force``.

    As the pack's export: an existing file is refused before anything is
    built, and nothing is written when the return cannot be made.
    """
    target = Path(path)
    if target.exists() and not force:
        raise OutputExistsError(str(target))
    data = return_bytes(agreement, scenario, quarter, thresholds=thresholds, source_files=source_files, name=name,
                        read_from=read_from)
    write_atomic(target, data, force=force)
