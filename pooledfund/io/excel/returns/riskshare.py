"""Risk share: each arrangement's money in, forecast spend and variance, and who bears it at the forecast.

The shares are the engine's (the waterfall or the underspend rules, run on
the forecast outturn: the sign-off pack's Risk share sheet lays out every
step as live formulas). Money in and forecast spend add up the Income and
Expenditure sheets; each partner's net cost is money in plus its overspend
share less what it gets back, and the partners' totals for the year are the
pack's Summary figures for the same inputs.
"""

from __future__ import annotations

from pooledfund.agreements import FundedArrangement
from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import col_range, ref, sum_where
from pooledfund.io.excel.context import Table
from pooledfund.io.excel.returns import expenditure as exp
from pooledfund.io.excel.returns import income as inc
from pooledfund.io.excel.returns.context import RISK, ReturnContext, fit_rows
from pooledfund.io.excel.tables import add_table, header, title
from pooledfund.reports.explain import KIND_LABELS
from pooledfund.reports.returns import who_bears_words

HEADER_ROW = 4
ARRANGEMENT, KIND, MONEY_IN, SPEND, VARIANCE = "Arrangement", "Kind", "Money in for the year", "Forecast spend", \
    "Variance"
RISK_POOL, CARRIED, UNFUNDED, WORDS = "Risk pool (contingency and brought forward)", "Carried forward", "Unfunded", \
    "Who bears it"
PARTNER, PARTNER_NAME, CONTRIBUTION = "Partner", "Partner name", "Money in (cash and in kind)"
OVERSPEND, UNDERSPEND, NET = "Overspend share", "Underspend returned", "Net cost"
POSITION_MONEY = [CONTRIBUTION, OVERSPEND, UNDERSPEND, NET]


def write(ctx: ReturnContext) -> None:
    """Fill the Risk share sheet."""
    figures = ctx.figures
    sheet = ctx.sheet(RISK)
    title(sheet.ws, f"Risk share at the forecast - {figures.agreement.title} - {figures.period.name}",
          "Variance is forecast spend less money in (positive an overspend), after the risk pool. The shares are the "
          "agreement's risk share run on the forecast outturn; the sign-off pack lays out each step.")
    row = _arrangements(ctx, HEADER_ROW)
    row = _positions(ctx, row + 3)
    _partner_totals(ctx, row + 3)
    styles.set_widths(sheet.ws, {1: 40, 2: 34, 3: 36, 4: 17, 5: 17, 6: 17, 7: 17, 8: 17, 9: 70})
    styles.print_setup(sheet.ws, f"{HEADER_ROW}:{HEADER_ROW}")


def _arrangements(ctx: ReturnContext, start: int) -> int:
    """One row per arrangement: money in, forecast spend, variance, the risk pool and who bears the variance."""
    figures = ctx.figures
    sheet = ctx.sheet(RISK)
    headings = [ARRANGEMENT, KIND, MONEY_IN, SPEND, VARIANCE, RISK_POOL, CARRIED, UNFUNDED, WORDS]
    columns = header(sheet.ws, start, 1, headings)
    kinds = {a.id: a for a in figures.agreement.arrangements}
    row = start
    for arrangement_year in figures.arrangements:
        row += 1
        arrangement = kinds[arrangement_year.arrangement_id]
        criteria = [(ctx.column("expenditure", exp.ARRANGEMENT), arrangement.id)]
        if isinstance(arrangement, FundedArrangement):
            money_in = sum_where(ctx.column("income", inc.FORECAST),
                                 [(ctx.column("income", inc.ARRANGEMENT), arrangement.id)])
        else:
            money_in = sum_where(ctx.column("expenditure", exp.PLAN), criteria)
        sheet.value(row, columns[ARRANGEMENT], arrangement_year.name)
        sheet.value(row, columns[KIND], KIND_LABELS.get(arrangement_year.kind, arrangement_year.kind))
        sheet.money_formula(row, columns[MONEY_IN], money_in, int(arrangement_year.budget[0]))
        sheet.money_formula(row, columns[SPEND], sum_where(ctx.column("expenditure", exp.OUTTURN), criteria),
                            int(arrangement_year.spend[0]))
        sheet.money_formula(row, columns[VARIANCE], f"{ref(columns[SPEND], row)}-{ref(columns[MONEY_IN], row)}",
                            int(arrangement_year.variance[0]))
        sheet.money(row, columns[RISK_POOL], int(arrangement_year.risk_pool[0]))
        sheet.money(row, columns[CARRIED], int(arrangement_year.carry_forward[0]))
        sheet.money(row, columns[UNFUNDED], int(arrangement_year.unfunded[0]))
        sheet.text(row, columns[WORDS], who_bears_words(figures.result, arrangement_year), wrap=True)
    fit_rows(sheet.ws, columns[WORDS], 70, start + 1, row)
    total = row + 1
    sheet.text(total, 1, "Total", font=styles.BOLD)
    rows = figures.arrangements
    for heading, value in ((MONEY_IN, sum(int(r.budget[0]) for r in rows)),
                           (SPEND, sum(int(r.spend[0]) for r in rows)),
                           (VARIANCE, sum(int(r.variance[0]) for r in rows))):
        col = columns[heading]
        cell = sheet.money_formula(total, col, f"SUM({col_range(col, start + 1, max(row, start + 1))})", value)
        cell.font = styles.BOLD
        cell.border = styles.TOP_LINE
    return total


def _positions(ctx: ReturnContext, start: int) -> int:
    """Each partner's money in, overspend share, underspend returned and net cost in each arrangement."""
    figures = ctx.figures
    sheet = ctx.sheet(RISK)
    names = figures.result.partner_names
    sheet.text(start - 1, 1, "Each partner's position in each arrangement at the forecast", font=styles.SUBTITLE_FONT)
    headings = [ARRANGEMENT, PARTNER, PARTNER_NAME, *POSITION_MONEY]
    columns = header(sheet.ws, start, 1, headings)
    row = start
    for arrangement_year in figures.arrangements:
        for index, partner in enumerate(arrangement_year.partners):
            row += 1
            sheet.value(row, columns[ARRANGEMENT], arrangement_year.arrangement_id)
            sheet.value(row, columns[PARTNER], partner)
            sheet.value(row, columns[PARTNER_NAME], names.get(partner, partner))
            sheet.money(row, columns[CONTRIBUTION], int(arrangement_year.contributions[index]))
            sheet.money(row, columns[OVERSPEND], int(arrangement_year.overspend_shares[0, index]))
            sheet.money(row, columns[UNDERSPEND], int(arrangement_year.underspend_returns[0, index]))
            sheet.money_formula(row, columns[NET], f"{ref(columns[CONTRIBUTION], row)}+{ref(columns[OVERSPEND], row)}"
                                                   f"-{ref(columns[UNDERSPEND], row)}",
                                int(arrangement_year.net_cost[0, index]))
    add_table(sheet.ws, "ReturnPositions", start, row, 1, len(headings))
    ctx.tables["positions"] = Table(RISK, start + 1, max(row, start + 1), columns)
    return row


def _partner_totals(ctx: ReturnContext, start: int) -> None:
    """Each partner's position for the year, every arrangement together: the pack's Summary for the year."""
    figures = ctx.figures
    sheet = ctx.sheet(RISK)
    year = figures.period.year
    totals = figures.result.partner_totals(year)
    expected = {
        CONTRIBUTION: totals["cash_contribution"][0] + totals["in_kind"][0],
        OVERSPEND: totals["overspend_share"][0],
        UNDERSPEND: totals["underspend_return"][0],
        NET: totals["net_cost"][0],
    }
    sheet.text(start - 1, 1, f"Each partner's position for {year}, every arrangement together",
               font=styles.SUBTITLE_FONT)
    columns = header(sheet.ws, start, 2, [PARTNER_NAME, *POSITION_MONEY])
    row = start
    for index, partner in enumerate(figures.result.partners):
        row += 1
        sheet.value(row, columns[PARTNER_NAME], figures.result.partner_names[partner])
        for heading in POSITION_MONEY:
            formula = sum_where(ctx.column("positions", heading), [(ctx.column("positions", PARTNER), partner)])
            sheet.money_formula(row, columns[heading], formula, int(expected[heading][index]))
    total = row + 1
    sheet.text(total, 2, "Total", font=styles.BOLD)
    for heading in POSITION_MONEY:
        col = columns[heading]
        cell = sheet.money_formula(total, col, f"SUM({col_range(col, start + 1, max(row, start + 1))})",
                                   int(expected[heading].sum()))
        cell.font = styles.BOLD
        cell.border = styles.TOP_LINE
