"""Expenditure plan: one row per scheme in the BCF planning template's column order."""

from __future__ import annotations

from decimal import Decimal

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from pooledfund.io.excel import layout, styles
from pooledfund.io.excel.cells import col_range
from pooledfund.io.excel.context import PackContext, Table
from pooledfund.io.excel.tables import add_table, header, title
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import Scheme
from pooledfund.reports.conditions import NHS_KINDS, nhs_share

HEADER_ROW = 4


def percent_text(value: Decimal) -> str:
    """A percentage without trailing zeros or exponent: 60, 33.3333."""
    return format(value.normalize(), "f")


def commissioner_label(agreement: Agreement, scheme: Scheme) -> str:
    """The template's Commissioner: LA, ICB, NHS (another NHS body) or Joint."""
    split = scheme.commissioner_split()
    if len(split) > 1:
        return "Joint"
    partner = agreement.partner(next(iter(split)))
    if partner.kind in NHS_KINDS:
        return "ICB" if partner.kind.value == "integrated_care_board" else "NHS"
    return "LA"


def split_text(scheme: Scheme) -> str:
    """The exact commissioner: a partner id, or ``icb 60%; council 40%`` for a split."""
    if isinstance(scheme.commissioner, str):
        return scheme.commissioner
    return "; ".join(f"{partner} {percent_text(pct)}%" for partner, pct in scheme.commissioner.items())


def headings(years: list[str]) -> list[str]:
    """Every column of the sheet, in order."""
    return [*layout.BEFORE_YEARS, *(layout.expenditure_header(y) for y in years), *layout.AFTER_YEARS,
            *layout.EXTRAS]


def write(ctx: PackContext) -> None:
    """Fill the Expenditure plan sheet and record its table for the checks and the projection."""
    agreement = ctx.agreement
    years = list(agreement.years)
    sheet = ctx.sheet(layout.SHEET_PLAN)
    ws = sheet.ws
    title(ws, f"Expenditure plan - {agreement.title}",
          "One row per scheme in the BCF planning template's column order; yellow cells are inputs. "
          "% NHS is the share commissioned by NHS bodies, % LA the rest.")
    columns = header(ws, HEADER_ROW, 1, headings(years))
    row = HEADER_ROW
    for arrangement_id, scheme in agreement.schemes():
        row += 1
        ctx.plan_rows[(arrangement_id, scheme.id)] = row
        nhs = nhs_share(agreement, scheme)
        values: dict[str, object] = {
            layout.SCHEME_ID: scheme.id,
            layout.NAME: scheme.name,
            layout.DESCRIPTION: scheme.description,
            layout.SCHEME_TYPE: scheme.scheme_type.label,
            layout.SUB_TYPE: scheme.sub_type,
            layout.AREA: scheme.area_of_spend.label,
            layout.COMMISSIONER: commissioner_label(agreement, scheme),
            layout.PROVIDER: scheme.provider.label,
            layout.SOURCE: scheme.funding_source.label,
            layout.NEW_OR_EXISTING: scheme.new_or_existing.title(),
            layout.ARRANGEMENT: arrangement_id,
            layout.SPLIT: split_text(scheme),
        }
        for heading, value in values.items():
            sheet.value(row, columns[heading], value, input_cell=heading not in layout.EXTRAS)
        sheet.value(row, columns[layout.PCT_NHS], float(nhs), styles.PERCENT, input_cell=True)
        sheet.value(row, columns[layout.PCT_LA], float(100 - nhs), styles.PERCENT, input_cell=True)
        for year in years:
            amount = scheme.budget.get(year)
            sheet.money(row, columns[layout.expenditure_header(year)], amount, input_cell=True)
    last = row
    add_table(ws, "ExpenditurePlan", HEADER_ROW, last, 1, len(columns))
    total_row = last + 1
    sheet.text(total_row, 1, "Total", font=styles.BOLD)
    for year in years:
        col = columns[layout.expenditure_header(year)]
        total = sum(s.budget.get(year, 0) for _, s in agreement.schemes())
        span = col_range(col, HEADER_ROW + 1, max(last, HEADER_ROW + 1))
        cell = sheet.money_formula(total_row, col, f"SUBTOTAL(109,{span})", total)
        cell.font = styles.BOLD
        cell.border = styles.TOP_LINE
    widths = {columns[layout.SCHEME_ID]: 8, columns[layout.NAME]: 22, columns[layout.DESCRIPTION]: 34,
              columns[layout.SCHEME_TYPE]: 26, columns[layout.SUB_TYPE]: 26, columns[layout.AREA]: 13,
              columns[layout.COMMISSIONER]: 12, columns[layout.PCT_NHS]: 8, columns[layout.PCT_LA]: 8,
              columns[layout.PROVIDER]: 18, columns[layout.SOURCE]: 20, columns[layout.NEW_OR_EXISTING]: 10,
              columns[layout.ARRANGEMENT]: 14, columns[layout.SPLIT]: 20}
    widths.update({columns[layout.expenditure_header(y)]: 12 for y in years})
    styles.set_widths(ws, widths)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    # Printed with the scheme id and name at the left of every page: what the scheme is; who commissions and
    # provides it and from which source; its budgets and the pooledfund columns.
    ws.col_breaks.append(Break(id=columns[layout.SUB_TYPE]))
    ws.col_breaks.append(Break(id=columns[layout.SOURCE]))
    styles.print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", title_cols=f"A:{get_column_letter(columns[layout.NAME])}",
                       scale=90)
    ctx.tables["plan"] = Table(layout.SHEET_PLAN, HEADER_ROW + 1, max(last, HEADER_ROW + 1), columns)
