"""Expenditure: each scheme's plan, spend by quarter, actual to the end of the quarter, outturn and variance.

One row per scheme with the BCF template's describing columns (scheme type,
area of spend, commissioner, % NHS and % LA, source of funding), then the
plan for the year, the four quarters (each marked Actual or Forecast above
its heading), the actual to the end of the quarter returned, the forecast
outturn and the variance (outturn less plan: positive is an overspend).
Below: the same by arrangement and source of funding, with each source's
money in and its balance (the template's running balance, at the forecast).
"""

from __future__ import annotations

from pooledfund.agreements import FundedArrangement
from pooledfund.core.vocabulary import FundingSource
from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import col_range, ref, sum_where
from pooledfund.io.excel.context import Table
from pooledfund.io.excel.returns.context import EXPENDITURE, ReturnContext, header_at
from pooledfund.io.excel.returns.income import FORECAST as INCOME_FORECAST
from pooledfund.io.excel.returns.income import SOURCE as INCOME_SOURCE
from pooledfund.io.excel.sheet_expenditure import commissioner_label
from pooledfund.io.excel.tables import add_table, header, title
from pooledfund.reports.returns import QUARTERS, SchemeLine

HEADER_ROW = 4
ARRANGEMENT, SCHEME_ID, NAME, TYPE, AREA = "Arrangement", "Scheme ID", "Scheme name", "Scheme type", "Area of spend"
COMMISSIONER, PCT_NHS, PCT_LA, SOURCE = "Commissioner", "% NHS", "% LA", "Source of funding"
PLAN, OUTTURN, VARIANCE = "Plan for the year", "Forecast outturn", "Variance"
QUARTER_HEADINGS = [f"Q{q}" for q in range(1, QUARTERS + 1)]
MONEY_IN, BALANCE = "Money in for the year", "Balance: money in less outturn"


def to_date_heading(ctx: ReturnContext) -> str:
    """The heading of the actual to the end of the quarter: "Actual to end of Q2"."""
    return f"Actual {ctx.quarter_heading}"


def _figure(ctx: ReturnContext, line: SchemeLine, heading: str) -> int:
    """One scheme's figure under a money heading."""
    quarter = ctx.figures.period.quarter
    if heading in QUARTER_HEADINGS:
        return line.quarter(QUARTER_HEADINGS.index(heading) + 1)
    return {PLAN: line.plan, to_date_heading(ctx): line.to_quarter_end(quarter), OUTTURN: line.outturn,
            VARIANCE: line.variance}[heading]


def write(ctx: ReturnContext) -> None:
    """Fill the Expenditure sheet; record its table and each source's balance cell."""
    figures = ctx.figures
    period = figures.period
    sheet = ctx.sheet(EXPENDITURE)
    ws = sheet.ws
    to_date = to_date_heading(ctx)
    title(ws, f"Expenditure - {figures.agreement.title} - {period.name}",
          f"Actual April to {period.through_label} from the ledger, forecast after. Variance is forecast outturn "
          "less plan: positive is an overspend. % NHS is the share commissioned by NHS bodies, % LA the rest.")
    money = [PLAN, *QUARTER_HEADINGS, to_date, OUTTURN, VARIANCE]
    headings = [ARRANGEMENT, SCHEME_ID, NAME, TYPE, AREA, COMMISSIONER, PCT_NHS, PCT_LA, SOURCE, *money]
    columns = header(ws, HEADER_ROW, 1, headings)
    for index, heading in enumerate(QUARTER_HEADINGS):
        sheet.text(HEADER_ROW - 1, columns[heading], period.quarter_state(index + 1), font=styles.BOLD, wrap=True)
    sheet.text(HEADER_ROW - 1, columns[OUTTURN], "Actual" if not period.provisional else "Actual + forecast",
               font=styles.BOLD, wrap=True)
    row = HEADER_ROW
    for line in figures.schemes:
        row += 1
        _scheme_row(ctx, columns, row, line)
    last = max(row, HEADER_ROW + 1)
    add_table(ws, "ReturnExpenditure", HEADER_ROW, row, 1, len(headings))
    ctx.tables["expenditure"] = Table(EXPENDITURE, HEADER_ROW + 1, last, columns)
    total_row = row + 1
    sheet.text(total_row, 1, "Total", font=styles.BOLD)
    for heading in money:
        col = columns[heading]
        cell = sheet.money_formula(total_row, col, f"SUBTOTAL(109,{col_range(col, HEADER_ROW + 1, last)})",
                                   sum(_figure(ctx, line, heading) for line in figures.schemes))
        cell.font = styles.BOLD
        cell.border = styles.TOP_LINE
    _by_source(ctx, total_row + 2)
    widths = {columns[ARRANGEMENT]: 18, columns[SCHEME_ID]: 10, columns[NAME]: 34, columns[TYPE]: 26,
              columns[AREA]: 16, columns[COMMISSIONER]: 12, columns[PCT_NHS]: 8, columns[PCT_LA]: 8,
              columns[SOURCE]: 26}
    widths.update({columns[h]: 15 for h in money})
    widths.update({columns[VARIANCE] + 1: 15, columns[VARIANCE] + 2: 15})
    styles.set_widths(ws, widths)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    styles.print_setup(ws, f"{HEADER_ROW - 1}:{HEADER_ROW}")


def _scheme_row(ctx: ReturnContext, columns: dict[str, int], row: int, line: SchemeLine) -> None:
    """A scheme's describing columns, its quarters, and the formulas for the actual to date, outturn and variance."""
    sheet = ctx.sheet(EXPENDITURE)
    scheme = line.scheme
    quarter = ctx.figures.period.quarter
    sheet.value(row, columns[ARRANGEMENT], line.arrangement_id)
    sheet.value(row, columns[SCHEME_ID], scheme.id)
    sheet.value(row, columns[NAME], scheme.name)
    sheet.value(row, columns[TYPE], scheme.scheme_type.label)
    sheet.value(row, columns[AREA], scheme.area_of_spend.label)
    sheet.value(row, columns[COMMISSIONER], commissioner_label(ctx.figures.agreement, scheme))
    sheet.value(row, columns[PCT_NHS], float(line.nhs_pct), styles.PERCENT)
    sheet.value(row, columns[PCT_LA], float(100 - line.nhs_pct), styles.PERCENT)
    sheet.value(row, columns[SOURCE], scheme.funding_source.label)
    sheet.money(row, columns[PLAN], line.plan)
    for index, heading in enumerate(QUARTER_HEADINGS):
        sheet.money(row, columns[heading], line.quarter(index + 1))
    first = ref(columns[QUARTER_HEADINGS[0]], row)
    sheet.money_formula(row, columns[to_date_heading(ctx)],
                        f"SUM({first}:{ref(columns[QUARTER_HEADINGS[quarter - 1]], row)})",
                        line.to_quarter_end(quarter))
    sheet.money_formula(row, columns[OUTTURN], f"SUM({first}:{ref(columns[QUARTER_HEADINGS[-1]], row)})",
                        line.outturn)
    sheet.money_formula(row, columns[VARIANCE], f"{ref(columns[OUTTURN], row)}-{ref(columns[PLAN], row)}",
                        line.variance)


def _sources(ctx: ReturnContext, arrangement_id: str) -> list[FundingSource]:
    """The funding sources an arrangement's schemes or income use, in the template's order."""
    used = {line.scheme.funding_source for line in ctx.figures.schemes if line.arrangement_id == arrangement_id}
    used |= {line.source for line in ctx.figures.income if line.arrangement_id == arrangement_id and line.source}
    return [source for source in FundingSource if source in used]


def _by_source(ctx: ReturnContext, start: int) -> None:
    """Plan, actual to date, outturn and variance by arrangement and source, with each source's money in and balance.

    An aligned budget has no money in, so no balance: each partner funds its own schemes.
    """
    sheet = ctx.sheet(EXPENDITURE)
    to_date = to_date_heading(ctx)
    spend = [PLAN, to_date, OUTTURN, VARIANCE]
    sheet.text(start, 1, "By arrangement and source of funding", font=styles.SUBTITLE_FONT)
    table = ctx.tables["expenditure"].columns
    last = table[VARIANCE]
    columns = header_at(sheet.ws, start + 1, {ARRANGEMENT: table[ARRANGEMENT], SOURCE: table[SOURCE],
                                              **{h: table[h] for h in spend}, MONEY_IN: last + 1, BALANCE: last + 2})
    row = start + 1
    for arrangement in ctx.figures.agreement.arrangements:
        funded = isinstance(arrangement, FundedArrangement)
        first = row + 1
        for source in _sources(ctx, arrangement.id):
            row += 1
            sheet.value(row, columns[ARRANGEMENT], arrangement.id)
            sheet.value(row, columns[SOURCE], source.label)
            chosen = [line for line in ctx.figures.schemes
                      if line.arrangement_id == arrangement.id and line.scheme.funding_source == source]
            criteria = [(ctx.column("expenditure", ARRANGEMENT), arrangement.id),
                        (ctx.column("expenditure", SOURCE), source.label)]
            for heading in spend:
                sheet.money_formula(row, columns[heading], sum_where(ctx.column("expenditure", heading), criteria),
                                    sum(_figure(ctx, line, heading) for line in chosen))
            if not funded:
                continue
            money_in = sum(i.forecast for i in ctx.figures.income
                           if i.arrangement_id == arrangement.id and i.source == source)
            income_criteria = [(ctx.column("income", ARRANGEMENT), arrangement.id),
                               (ctx.column("income", INCOME_SOURCE), source.label)]
            sheet.money_formula(row, columns[MONEY_IN], sum_where(ctx.column("income", INCOME_FORECAST),
                                                                  income_criteria), money_in)
            outturn = sum(line.outturn for line in chosen)
            sheet.money_formula(row, columns[BALANCE], f"{ref(columns[MONEY_IN], row)}-{ref(columns[OUTTURN], row)}",
                                money_in - outturn)
            ctx.balance_cells[(arrangement.id, source.value)] = (columns[BALANCE], row)
        for line in ctx.figures.income:
            if line.arrangement_id == arrangement.id and line.source is None:
                row += 1
                _brought_forward_row(ctx, columns, row, arrangement.id, line.label, line.forecast)
        row = _arrangement_total(ctx, columns, arrangement.id, arrangement.name, funded, first, row)


def _brought_forward_row(ctx: ReturnContext, columns: dict[str, int], row: int, arrangement_id: str, label: str,
                         amount: int) -> None:
    """Money brought forward from last year: money in with no spend of its own, so all of it is balance."""
    sheet = ctx.sheet(EXPENDITURE)
    sheet.value(row, columns[ARRANGEMENT], arrangement_id)
    sheet.value(row, columns[SOURCE], label)
    criteria = [(ctx.column("income", ARRANGEMENT), arrangement_id), (ctx.column("income", INCOME_SOURCE), label)]
    sheet.money_formula(row, columns[MONEY_IN], sum_where(ctx.column("income", INCOME_FORECAST), criteria), amount)
    sheet.money_formula(row, columns[BALANCE], ref(columns[MONEY_IN], row), amount)


def _arrangement_total(ctx: ReturnContext, columns: dict[str, int], arrangement_id: str, name: str, funded: bool,
                       first: int, last: int) -> int:
    """An arrangement's total row under its sources; returns the row written."""
    sheet = ctx.sheet(EXPENDITURE)
    row = last + 1
    sheet.text(row, columns[ARRANGEMENT], f"Total: {name}", font=styles.BOLD)
    lines = [line for line in ctx.figures.schemes if line.arrangement_id == arrangement_id]
    headings = [PLAN, to_date_heading(ctx), OUTTURN, VARIANCE]
    expected = {h: sum(_figure(ctx, line, h) for line in lines) for h in headings}
    if funded:
        money_in = sum(i.forecast for i in ctx.figures.income if i.arrangement_id == arrangement_id)
        expected[MONEY_IN] = money_in
        expected[BALANCE] = money_in - expected[OUTTURN]
    for heading, value in expected.items():
        col = columns[heading]
        formula = f"SUM({col_range(col, first, last)})" if last >= first else "0"
        cell = sheet.money_formula(row, col, formula, value)
        cell.font = styles.BOLD
        cell.border = styles.TOP_LINE
    return row
