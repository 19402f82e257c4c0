"""Summary: every partner's position per year, the pool figures, headline checks and two charts.

Positions add up the Risk share sheet's cells, so they move with its inputs.
"""

from __future__ import annotations

import math

from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.pagebreak import Break

from pooledfund.core.vocabulary import FundingSource, SchemeType
from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import col_range, number, ref, sum_where, text
from pooledfund.io.excel.context import PackContext
from pooledfund.io.excel.sheet_contributions import PARTNER as C_PARTNER
from pooledfund.io.excel.sheet_contributions import SOURCE as C_SOURCE
from pooledfund.io.excel.sheet_contributions import TOTAL as C_TOTAL
from pooledfund.io.excel.sheet_projection import OUTTURN as P_OUTTURN
from pooledfund.io.excel.sheet_projection import TYPE as P_TYPE
from pooledfund.io.excel.sheet_projection import YEAR as P_YEAR
from pooledfund.io.excel.sheet_riskshare import SHEET as RISK
from pooledfund.io.excel.status import colour_by_count, colour_crossed
from pooledfund.io.excel.tables import add_table, header, title

SHEET = "Summary"
HEADER_ROW = 4
LINES = [("Cash", "cash", "cash_contribution"), ("In kind", "in_kind", "in_kind"),
         ("Overspend share", "overspend", "overspend_share"),
         ("Underspend returned", "underspend", "underspend_return"),
         ("Net cost", "net", "net_cost")]


#: About how many positions fit on the first printed page under the title.
_ROWS_ON_FIRST_PAGE = 24
#: A chart's largest size: a landscape A4 page inside its margins (27.6 by 17.2 cm) with room for its axis
#: labels, and three rows above it.
CHART_WIDTH_CM = 20
CHART_HEIGHT_CM = 13
#: Rows of the default height a chart of ``cm`` centimetres covers (15 points, 0.53 cm, a row).
_CM_PER_ROW = 15 / 72 * 2.54


def _sum_of_positions(ctx: PackContext, year: str, line: str, partner: str) -> str:
    """A formula adding up a partner's position line for a year across every arrangement's risk share."""
    cells = [ref(*ctx.positions[(a.id, year, line)][partner], sheet=RISK) for a in ctx.agreement.arrangements
             if (a.id, year, line) in ctx.positions]
    return "+".join(cells) if cells else "0"


def write(ctx: PackContext) -> None:
    """Fill the Summary sheet."""
    agreement = ctx.agreement
    result = ctx.result
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    title(ws, f"Summary - {agreement.title}",
          f"Scenario: {ctx.scenario.label}. Run {ctx.run_id}. Each partner's position per year, all arrangements "
          "together; negative figures in brackets.")
    columns = header(ws, HEADER_ROW, 1, ["Year", "Partner", *(label for label, _, _ in LINES)])
    row = HEADER_ROW
    for year in agreement.years:
        totals = result.partner_totals(year)
        for p_index, partner in enumerate(agreement.partners):
            row += 1
            sheet.value(row, 1, year)
            sheet.value(row, 2, partner.name)
            for label, line, key in LINES:
                sheet.money_formula(row, columns[label], _sum_of_positions(ctx, year, line, partner.id),
                                    int(totals[key][0, p_index]))
    add_table(ws, "Positions", HEADER_ROW, row, 1, 2 + len(LINES))
    positions_end = row
    pool_start = row + 2
    row = _pool_block(ctx, pool_start)
    pool_end = row
    checks_start = row + 2
    row = _headline(ctx, row + 1)
    row = _triggers(ctx, row + 2)
    # Each table prints whole on one page where it fits, under its own headings (set once rows have heights).
    ctx.keep_together[SHEET] = [(pool_start, pool_end), (checks_start, row)]
    _charts(ctx, row + 2)
    styles.set_widths(ws, {1: 8, 2: 30, 3: 14, 4: 14, 5: 14, 6: 14, 7: 14})
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    # The positions' header row repeats only when the positions run past the first page; otherwise it would
    # head the chart pages too.
    styles.print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}" if positions_end - HEADER_ROW > _ROWS_ON_FIRST_PAGE else None,
                       title_span="A:G")


def _pool_block(ctx: PackContext, start: int) -> int:
    sheet = ctx.sheet(SHEET)
    sheet.text(start, 1, "Arrangements", font=styles.SUBTITLE_FONT)
    header(sheet.ws, start + 1, 1, ["Year", "Arrangement", "Money in", "Spend", "Variance", "Unfunded",
                                    "Carried forward"])
    row = start + 1
    for year in ctx.agreement.years:
        for arrangement_year in ctx.result.for_year(year):
            row += 1
            cells = ctx.positions[(arrangement_year.arrangement_id, year, "pool")]
            sheet.value(row, 1, year)
            sheet.value(row, 2, arrangement_year.name)
            sheet.money_formula(row, 3, ref(*cells["budget"], sheet=RISK), int(arrangement_year.budget[0]))
            sheet.money_formula(row, 4, ref(*cells["spend"], sheet=RISK), int(arrangement_year.spend[0]))
            sheet.money_formula(row, 5, f"{ref(4, row)}-{ref(3, row)}", int(arrangement_year.variance[0]))
            for col, key, value in ((6, "unfunded", arrangement_year.unfunded), (7, "carried",
                                                                              arrangement_year.carry_forward)):
                if key in cells:
                    sheet.money_formula(row, col, ref(*cells[key], sheet=RISK), int(value[0]))
                else:
                    sheet.money(row, col, 0)
    return row


def _headline(ctx: PackContext, start: int) -> int:
    sheet = ctx.sheet(SHEET)
    passed = sum(1 for c in ctx.checks if c.passed)
    failed = len(ctx.checks) - passed
    sheet.text(start + 1, 1, "Checks", font=styles.SUBTITLE_FONT)
    sheet.text(start + 2, 2, "National conditions and reconciliations passed")
    sheet.formula(start + 2, 3, f'COUNTIF({ctx.check_results},"Pass")', number(passed), styles.COUNT)
    sheet.text(start + 3, 2, "Failed (see the Checks sheet)")
    cell = sheet.formula(start + 3, 3, f'COUNTIF({ctx.check_results},"Fail")', number(failed), styles.COUNT)
    cell.font = styles.BOLD
    colour_by_count(sheet.ws, cell.coordinate)  # green at 0, red above, after any recalculation
    for failing in [c for c in ctx.checks if not c.passed][:5]:
        start += 1
        sheet.text(start + 3, 2, f"Fail (as exported): {failing.words}", font=styles.NOTE_FONT, wrap=True)
        sheet.ws.merge_cells(start_row=start + 3, start_column=2, end_row=start + 3, end_column=7)
        sheet.ws.row_dimensions[start + 3].height = 24
    return start + 3


def _triggers(ctx: PackContext, start: int) -> int:
    """Each arrangement's trigger and year with its status (from the Checks sheet) and action; returns the last row.

    The status is a formula reading the Checks sheet's, amber where crossed
    and green where not by conditional formatting, so an edited threshold
    recolours it. Nothing is written (and ``start - 2`` returned) when no
    arrangement has triggers.
    """
    if not ctx.triggers:
        return start - 2
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    sheet.text(start, 1, "Triggers", font=styles.SUBTITLE_FONT)
    sheet.text(start, 2, "Triggers move no money: a crossed trigger calls for the action the agreement names "
                         "(see the Checks sheet).", font=styles.NOTE_FONT, wrap=True)
    ws.merge_cells(start_row=start, start_column=2, end_row=start, end_column=7)
    header(ws, start + 1, 1, ["Year", "Arrangement", "Status", "Action", "", "", ""])
    ws.merge_cells(start_row=start + 1, start_column=4, end_row=start + 1, end_column=7)
    row = start + 1
    for trigger in ctx.triggers:
        row += 1
        sheet.value(row, 1, trigger.year)
        sheet.text(row, 2, trigger.arrangement, wrap=True)
        cell = sheet.formula(row, 3, trigger.status_cell, text("Crossed" if trigger.crossed else "Not crossed"),
                             None)
        cell.font = styles.BOLD
        sheet.text(row, 4, trigger.action, wrap=True)
        ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=7)
    colour_crossed(ws, f"C{start + 2}:C{row}")
    return row


def _charts(ctx: PackContext, start: int) -> None:
    """Chart data (live formulas), then the two native bar charts under it, each on a printed page of its own."""
    ws = ctx.sheet(SHEET).ws
    ws.row_breaks.append(Break(id=start - 1))  # the charts' figures start a page, the charts follow
    chart, row = _contributions_chart(ctx, start)
    ctx.keep_together[SHEET].append((start, row))
    spend_start = row + 2
    spend_chart, row = _spend_chart(ctx, spend_start)
    ctx.keep_together[SHEET].append((spend_start, row))
    for chart_ in (chart, spend_chart):
        ws.row_breaks.append(Break(id=row + 1))
        ws.add_chart(chart_, f"A{row + 3}")
        row += 3 + math.ceil(chart_.height / _CM_PER_ROW)


def _contributions_chart(ctx: PackContext, start: int) -> tuple[BarChart, int]:
    """Contributions by source of funding and partner from ``start``, and their stacked chart.

    Returns the chart and the last row of its data.
    """
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    contributions = ctx.tables["contributions"]

    def c(heading: str) -> str:
        return col_range(contributions.columns[heading], contributions.first, contributions.last, contributions.sheet)

    sources = [s for s in FundingSource if any(row.cash_by_source.get(s.value) is not None
                                               for row in ctx.result.arrangement_years)]
    sheet.text(start, 1, "Contributions by source of funding and partner, all years (cash and in kind)",
               font=styles.SUBTITLE_FONT)
    partners = ctx.agreement.partners
    header(ws, start + 1, 2, ["Source of funding", *(p.name for p in partners)])
    row = start + 1
    for source in sources:
        row += 1
        sheet.value(row, 2, source.label)
        for p_index, partner in enumerate(partners):
            total = sum(int(r.cash_by_source[source.value][p_index]) for r in ctx.result.arrangement_years
                        if source.value in r.cash_by_source)
            sheet.money_formula(row, 3 + p_index, sum_where(c(C_TOTAL), [(c(C_PARTNER), partner.id),
                                                                         (c(C_SOURCE), source.label)]), total)
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Contributions by partner and source (all years)"
    chart.y_axis.numFmt = "£#,##0"
    chart.legend.position = "b"
    if sources:
        data = Reference(ws, min_col=2, max_col=2 + len(partners), min_row=start + 2, max_row=row)
        chart.add_data(data, from_rows=True, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=3, max_col=2 + len(partners), min_row=start + 1, max_row=start + 1))
    chart.height, chart.width = CHART_HEIGHT_CM, CHART_WIDTH_CM
    return chart, row


def _spend_by_type(ctx: PackContext) -> tuple[list[SchemeType], dict[tuple[SchemeType, str], int]]:
    """The scheme types in the order first met, and the engine's forecast outturn by type and year, in pence."""
    years = list(ctx.agreement.years)
    types: list[SchemeType] = []
    spend: dict[tuple[SchemeType, str], int] = {}
    for arrangement in ctx.agreement.arrangements:
        for scheme in arrangement.schemes:
            if scheme.scheme_type not in types:
                types.append(scheme.scheme_type)
    for arrangement in ctx.agreement.arrangements:
        monthly = ctx.result.monthly_spend[arrangement.id][0]
        for s_index, scheme in enumerate(arrangement.schemes):
            for y_index, year in enumerate(years):
                key = (scheme.scheme_type, year)
                spend[key] = spend.get(key, 0) + int(monthly[y_index, s_index].sum())
    return types, spend


def _spend_chart(ctx: PackContext, row: int) -> tuple[BarChart, int]:
    """Spend by scheme type and year from ``row`` (live formulas on the Projection table), and its bar chart.

    Returns the chart and the last row of its data.
    """
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    projection = ctx.tables["projection"]

    def p(heading: str) -> str:
        return col_range(projection.columns[heading], projection.first, projection.last, projection.sheet)

    years = list(ctx.agreement.years)
    types, spend = _spend_by_type(ctx)
    sheet.text(row, 1, "Spend (forecast outturn) by scheme type and year", font=styles.SUBTITLE_FONT)
    type_header = row + 1
    header(ws, type_header, 2, ["Scheme type", *years])
    row = type_header
    for scheme_type in types:
        row += 1
        sheet.value(row, 2, scheme_type.label)
        for y_index, year in enumerate(years):
            sheet.money_formula(row, 3 + y_index, sum_where(p(P_OUTTURN), [(p(P_TYPE), scheme_type.label),
                                                                            (p(P_YEAR), year)]),
                                spend[(scheme_type, year)])
    spend_chart = BarChart()
    spend_chart.type = "bar"
    spend_chart.title = "Spend by scheme type"
    spend_chart.x_axis.title = None
    spend_chart.y_axis.numFmt = "£#,##0"
    if types:
        data = Reference(ws, min_col=3, max_col=2 + len(years), min_row=type_header, max_row=row)
        spend_chart.add_data(data, titles_from_data=True)
        spend_chart.set_categories(Reference(ws, min_col=2, min_row=type_header + 1, max_row=row))
    spend_chart.height, spend_chart.width = min(max(9, 0.8 * len(types) + 3), CHART_HEIGHT_CM), CHART_WIDTH_CM
    spend_chart.legend.position = "b"
    return spend_chart, row
