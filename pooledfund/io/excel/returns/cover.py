"""Cover: the area, the return and its period, its status, the budget arrangements and the sign-off.

As the BCF return's cover: the Health and Wellbeing Board, the quarter and
financial year, the period the actuals cover, who prepared the return and
when (yellow cells to fill), and its status: provisional until every month
of the year is actual. A note in bold says which months are forecast. The
budget arrangements say which money is pooled under the section 75
agreement and which is only aligned. Quarterly returns are approved by the
Health and Wellbeing Board; the end-of-year return is signed off as the
planning template is (every partner's chief executive, each council's
section 151 officer).
"""

from __future__ import annotations

import hashlib

from openpyxl.styles import Alignment

from pooledfund.agreements import AlignedBudget
from pooledfund.core.counts import plural
from pooledfund.core.version import __version__
from pooledfund.core.vocabulary import PartnerKind
from pooledfund.core.years import MONTH_NAMES, month_label
from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import Sheet
from pooledfund.io.excel.returns.context import COVER, SHEET_ORDER, ReturnContext, run_id
from pooledfund.io.excel.tables import header
from pooledfund.reports.conditions import NHS_KINDS
from pooledfund.reports.explain import KIND_LABELS

COUNCILS = frozenset({PartnerKind.UNITARY_COUNCIL, PartnerKind.COUNTY_COUNCIL, PartnerKind.DISTRICT_COUNCIL})
CONTENTS = {
    "Income": "money in by source of funding and partner: plan, forecast, cash received to the quarter's end",
    "Expenditure": "each scheme's plan, spend by quarter, actual to the quarter's end, forecast outturn, variance; "
                   "by source of funding with its balance",
    "National conditions": "the pack's checks for the year, and the conditions on spend at the forecast",
    "Risk share": "money in, forecast spend and variance by arrangement; who bears it; each partner's position",
}


def forecast_note(ctx: ReturnContext) -> str:
    """Which months are forecast, and which schemes have no ledger actuals at all, said plainly."""
    period = ctx.figures.period
    missing = ctx.figures.without_actuals
    none = ""
    if missing:
        ids = ", ".join(line.scheme.id for line in missing)
        one = len(missing) == 1
        none = (f" {plural(len(missing), 'scheme')} {'has' if one else 'have'} no ledger actuals ({ids}): "
                f"{'its' if one else 'their'} spend is FORECAST at the plan profile for the whole year, never shown "
                "as actual.")
    if not period.provisional:
        return f"Every month of {period.year} is actual (April to {period.through_label}).{none}"
    first_forecast = month_label(period.year, period.through + 1)
    return (f"Figures for {first_forecast} to {month_label(period.year, len(MONTH_NAMES) - 1)} are FORECAST, not "
            f"actual: only April to {period.through_label} is from the ledger.{none} The forecast outturn and "
            "variance will change as the months come in.")


def write(ctx: ReturnContext) -> None:
    """Fill the Cover sheet."""
    figures = ctx.figures
    agreement = figures.agreement
    period = figures.period
    sheet = ctx.sheet(COVER)
    ws = sheet.ws
    kind = "end-of-year return" if period.year_end else "quarterly return"
    sheet.text(1, 1, f"Better Care Fund {kind}", font=styles.TITLE_FONT)
    sheet.text(2, 1, agreement.title, font=styles.SUBTITLE_FONT)
    months = f"{month_label(period.year, period.quarter_end - 2)} to {month_label(period.year, period.quarter_end)}"
    facts = [
        ("Health and Wellbeing Board / area", agreement.place or "(not stated in the agreement)"),
        ("Return", period.name),
        ("Financial year", period.year),
        ("Quarter", f"{period.quarter_label}: {months}"),
        ("Period covered", f"{period.covered_words()}; actual through {period.through_label} (month "
                           f"{period.through + 1})"),
        ("Status", period.status(len(figures.without_actuals))),
        ("Scenario", figures.scenario.label),
        ("Run id (as on the sign-off pack)", run_id(agreement, [figures.scenario])),
        ("Produced", f"{ctx.created.strftime('%d %B %Y').lstrip('0')} by pooledfund {__version__}"),
    ]
    row = 3
    for label, value in facts:
        row += 1
        sheet.text(row, 1, label, font=styles.BOLD)
        sheet.value(row, 2, value)
    row += 1
    words = forecast_note(ctx)
    forecast = period.provisional or bool(figures.without_actuals)
    note = sheet.text(row, 1, words, font=styles.FAIL_FONT if forecast else styles.BOLD, wrap=True)
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    ws.row_dimensions[row].height = max(32, 13 * -(-len(words) // 150) + 6)  # about 150 characters a line
    row = _prepared_by(sheet, row + 2)
    row = _arrangements(ctx, sheet, row + 2)
    row = _sign_off(ctx, sheet, row + 2)
    row = _contents(sheet, row + 2)
    _inputs(ctx, sheet, row + 2)
    styles.set_widths(ws, {1: 52, 2: 60, 3: 26, 4: 30, 5: 16})
    styles.print_setup(ws, landscape=False)


def _prepared_by(sheet: Sheet, start: int) -> int:
    """The fields the preparer fills in (yellow)."""
    sheet.text(start, 1, "Prepared by (fill in)", font=styles.SUBTITLE_FONT)
    row = start
    for label in ("Name", "Job title", "Organisation", "Email", "Date prepared"):
        row += 1
        sheet.text(row, 1, label, font=styles.BOLD)
        cell = sheet.value(row, 2, None, input_cell=True)
        cell.border = styles.BOX
        if label.startswith("Date"):
            cell.number_format = styles.DATE
    return row


def _arrangements(ctx: ReturnContext, sheet: Sheet, start: int) -> int:
    """Budget arrangements: each arrangement, its kind, host, and whether its money is pooled under section 75."""
    agreement = ctx.figures.agreement
    sheet.text(start, 1, "Budget arrangements", font=styles.SUBTITLE_FONT)
    header(sheet.ws, start + 1, 1, ["Arrangement", "Kind", "Host", "Money pooled under section 75?"])
    row = start + 1
    for arrangement in agreement.arrangements:
        row += 1
        host = arrangement.host(agreement.host_partner)
        sheet.value(row, 1, arrangement.name)
        sheet.value(row, 2, KIND_LABELS.get(arrangement.kind, arrangement.kind))
        sheet.value(row, 3, agreement.partner(host).name if host else "none: each partner holds its own budget")
        sheet.value(row, 4, "No: aligned, each partner keeps its own budget" if isinstance(arrangement, AlignedBudget)
                    else f"Yes: {agreement.title}")
    return row


def _sign_off(ctx: ReturnContext, sheet: Sheet, start: int) -> int:
    """Who approves: the Health and Wellbeing Board for a quarter; chief executives and s.151 officers at year end."""
    agreement = ctx.figures.agreement
    period = ctx.figures.period
    sheet.text(start, 1, "Sign-off", font=styles.SUBTITLE_FONT)
    header(sheet.ws, start + 1, 1, ["Role", "Organisation", "Name", "Signature", "Date"])
    roles: list[tuple[str, str]] = []
    if period.year_end:
        roles += [("Chief executive (accountable officer)" if p.kind in NHS_KINDS else "Chief executive", p.name)
                  for p in agreement.partners]
        roles += [("Section 151 officer (chief finance officer)", p.name) for p in agreement.partners
                  if p.kind in COUNCILS]
    roles.append(("Chair, Health and Wellbeing Board (approval)", agreement.place or "Health and Wellbeing Board"))
    row = start + 1
    for role, organisation in roles:
        row += 1
        sheet.value(row, 1, role)
        sheet.value(row, 2, organisation)
        sheet.ws.row_dimensions[row].height = 30
        for col in range(1, 6):
            cell = sheet.ws.cell(row=row, column=col)
            cell.border = styles.BOX
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            if col >= 3:
                cell.fill = styles.INPUT_FILL
        sheet.ws.cell(row=row, column=5).number_format = styles.DATE
    return row


def _contents(sheet: Sheet, start: int) -> int:
    """The other sheets, each a link."""
    sheet.text(start, 1, "Contents", font=styles.SUBTITLE_FONT)
    row = start
    for name in SHEET_ORDER[1:]:
        row += 1
        cell = sheet.text(row, 1, name)
        cell.hyperlink = f"#'{name}'!A1"
        cell.style = "Hyperlink"
        sheet.value(row, 2, CONTENTS[name])
    return row


def _inputs(ctx: ReturnContext, sheet: Sheet, start: int) -> None:
    """The input files and their SHA-256, so the return can be traced to the files it was made from."""
    if not ctx.source_files:
        return
    sheet.text(start, 1, "Input files", font=styles.SUBTITLE_FONT)
    header(sheet.ws, start + 1, 1, ["File", "SHA-256"])
    row = start + 1
    for name, data in ctx.source_files.items():
        row += 1
        sheet.value(row, 1, name)
        sheet.value(row, 2, hashlib.sha256(data).hexdigest())
