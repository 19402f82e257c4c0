"""Cover: what the pack is, for which place and period, the run it shows, and the sign-off block.

Every partner's chief executive signs (2025-26 planning requirements: this
cannot be delegated), each council's s.151 officer signs before submission,
and the Health and Wellbeing Board chair ratifies (BCF planning requirements 2025-26, NHS England, 2025).
"""

from __future__ import annotations

from openpyxl.styles import Alignment

from pooledfund.core.version import __version__
from pooledfund.core.vocabulary import PartnerKind
from pooledfund.io.excel import styles
from pooledfund.io.excel.context import PackContext
from pooledfund.io.excel.tables import header
from pooledfund.reports.conditions import NHS_KINDS

SHEET = "Cover"
CONTENTS = [
    ("Summary", "each partner's position per year, the pool figures, headline checks, charts"),
    ("Contributions", "partner x source x year, in kind apart, payments by month"),
    ("Expenditure plan", "one row per scheme in the BCF planning template's column order"),
    ("Projection", "spend by scheme, month and year; budget, forecast outturn, variance"),
    ("Risk share", "the overspend waterfall and underspend rules as live formulas"),
    ("Scenarios", "partner positions under each scenario side by side (when several are given)"),
    ("Checks", "BCF national conditions and reconciliations, pass or fail"),
    ("Assumptions", "every input, source files with SHA-256, tool version"),
]
_COUNCILS = {PartnerKind.UNITARY_COUNCIL, PartnerKind.COUNTY_COUNCIL, PartnerKind.DISTRICT_COUNCIL}


def write(ctx: PackContext) -> None:
    """Fill the Cover sheet."""
    agreement = ctx.agreement
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    sheet.text(1, 1, "Health and Wellbeing Board sign-off pack", font=styles.TITLE_FONT)
    sheet.text(2, 1, agreement.title, font=styles.SUBTITLE_FONT)
    host = agreement.partner(agreement.host_partner)
    period = agreement.years[0] if len(agreement.years) == 1 else f"{agreement.years[0]} to {agreement.years[-1]}"
    facts = [
        ("Health and Wellbeing Board / place", agreement.place or "(not stated in the agreement)"),
        ("Agreement period",
         f"{period} (1 April {agreement.years[0][:4]} to 31 March {int(agreement.years[-1][:4]) + 1})"),
        ("Host partner", host.name),
        ("Pooled fund manager", agreement.pooled_fund_manager or "(not stated in the agreement)"),
        ("Scenario(s)", "; ".join(s.label for s in ctx.scenarios) + ("  (the first is the main one)"
                                                                     if len(ctx.scenarios) > 1 else "")),
        ("Run id (hash of the inputs)", ctx.run_id),
        ("Date", ctx.created.strftime("%d %B %Y").lstrip("0")),
        ("Produced by", f"pooledfund {__version__}"),
    ]
    row = 3
    for label, value in facts:
        row += 1
        sheet.text(row, 1, label, font=styles.BOLD)
        sheet.value(row, 2, value)
    row += 2
    sheet.text(row, 1, "Partners", font=styles.SUBTITLE_FONT)
    header(ws, row + 1, 1, ["Partner", "Kind", "Role", "VAT"])
    row += 1
    for partner in agreement.partners:
        row += 1
        sheet.value(row, 1, partner.name)
        sheet.value(row, 2, partner.kind.label)
        sheet.value(row, 3, "Host" if partner.id == agreement.host_partner else "Partner")
        sheet.value(row, 4, partner.vat.label)
    row += 2
    sheet.text(row, 1, "Sign-off", font=styles.SUBTITLE_FONT)
    header(ws, row + 1, 1, ["Role", "Organisation", "Name", "Signature", "Date signed"])
    row += 1
    signatories = [("Chief executive" if p.kind not in NHS_KINDS else "Chief executive (accountable officer)", p.name)
                   for p in agreement.partners]
    signatories += [("Section 151 officer (chief finance officer)", p.name) for p in agreement.partners
                    if p.kind in _COUNCILS]
    signatories.append(("Chair, Health and Wellbeing Board", agreement.place or "Health and Wellbeing Board"))
    for role, organisation in signatories:
        row += 1
        sheet.value(row, 1, role)
        sheet.value(row, 2, organisation)
        ws.row_dimensions[row].height = 30
        for col in range(1, 6):
            cell = ws.cell(row=row, column=col)
            cell.border = styles.BOX
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            if col >= 3:
                cell.fill = styles.INPUT_FILL
        ws.cell(row=row, column=5).number_format = styles.DATE
    row += 2
    sheet.text(row, 1, "Contents", font=styles.SUBTITLE_FONT)
    for name, what in CONTENTS:
        if name not in ctx.workbook.sheetnames:
            continue
        row += 1
        cell = sheet.text(row, 1, name)
        cell.hyperlink = f"#'{name}'!A1"
        cell.style = "Hyperlink"
        sheet.value(row, 2, what)
    styles.set_widths(ws, {1: 44, 2: 52, 3: 26, 4: 40, 5: 16})
    styles.print_setup(ws, landscape=False)
