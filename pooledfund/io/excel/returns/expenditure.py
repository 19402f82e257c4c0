"""Expenditure: each scheme's plan, spend by quarter, actual to the end of the quarter, outturn and variance.

One row per scheme with the BCF template's describing columns (scheme type,
area of spend, commissioner, % NHS and % LA, source of funding), then the
plan for the year, the four quarters (each marked Actual or Forecast above
its heading), the actual to the end of the quarter returned, the forecast
outturn and the variance (outturn less plan: positive is an overspend).
Below: the same by arrangement and source of funding, with each source's
money in and its balance (the template's running balance, at the forecast).

A scheme with no ledger actuals has no actual figure: its cells under an
"Actual" heading and its actual to date are empty, its forecast for those
months (at the plan profile) has a column of its own, counted in the
forecast outturn, and the row says "no ledger actuals: forecast at plan
profile". So the actual totals are the ledger's, and the outturn totals
still the pack's.
"""

from __future__ import annotations

from pooledfund.agreements import FundedArrangement
from pooledfund.core.counts import plural
from pooledfund.core.vocabulary import FundingSource
from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import col_range, ref, sum_where
from pooledfund.io.excel.context import Table
from pooledfund.io.excel.returns.context import EXPENDITURE, ReturnContext, fit_rows, header_at
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
NOTE = "Note"
NO_ACTUALS_NOTE = "no ledger actuals: forecast at plan profile"


def in_place_heading(ctx: ReturnContext) -> str:
    """The heading of a no-actuals scheme's forecast for the actual months: "Forecast Apr to Sep 2025, no actuals"."""
    return f"Forecast Apr to {ctx.figures.period.through_label}, no actuals"


def to_date_heading(ctx: ReturnContext) -> str:
    """The heading of the actual to the end of the quarter: "Actual to end of Q2"."""
    return f"Actual {ctx.quarter_heading}"


def _figure(ctx: ReturnContext, line: SchemeLine, heading: str) -> int:
    """One scheme's figure under a money heading."""
    quarter = ctx.figures.period.quarter
    if heading in QUARTER_HEADINGS:
        return line.quarter(QUARTER_HEADINGS.index(heading) + 1)
    return {PLAN: line.plan, to_date_heading(ctx): line.actual_to_quarter_end(quarter), OUTTURN: line.outturn,
            VARIANCE: line.variance, in_place_heading(ctx): line.forecast_in_actual_months}[heading]


def write(ctx: ReturnContext) -> None:
    """Fill the Expenditure sheet; record its table and each source's balance cell."""
    figures = ctx.figures
    period = figures.period
    sheet = ctx.sheet(EXPENDITURE)
    ws = sheet.ws
    to_date = to_date_heading(ctx)
    missing = figures.without_actuals
    none_words = ""
    if missing:
        one = len(missing) == 1
        none_words = (f" {plural(len(missing), 'scheme')} {'has' if one else 'have'} no ledger actuals: nothing of "
                      f"{'its' if one else 'theirs'} is shown as actual; {'its' if one else 'their'} forecast at the "
                      f"plan profile for April to {period.through_label} has a column of its own.")
    title(ws, f"Expenditure - {figures.agreement.title} - {period.name}",
          f"Actual April to {period.through_label} from the ledger, forecast after.{none_words} Variance is "
          "forecast outturn less plan: positive is an overspend. % NHS is the share commissioned by NHS bodies, "
          "% LA the rest.")
    spread = [in_place_heading(ctx)] if missing else []
    money = [PLAN, *QUARTER_HEADINGS, *spread, to_date, OUTTURN, VARIANCE]
    headings = [ARRANGEMENT, SCHEME_ID, NAME, TYPE, AREA, COMMISSIONER, PCT_NHS, PCT_LA, SOURCE, *money,
                *([NOTE] if missing else [])]
    columns = header(ws, HEADER_ROW, 1, headings)
    for index, heading in enumerate(QUARTER_HEADINGS):
        sheet.text(HEADER_ROW - 1, columns[heading], period.quarter_state(index + 1), font=styles.BOLD, wrap=True)
    if missing:
        sheet.text(HEADER_ROW - 1, columns[in_place_heading(ctx)], "Forecast at plan profile", font=styles.BOLD,
                   wrap=True)
    sheet.text(HEADER_ROW - 1, columns[OUTTURN],
               "Actual" if not (period.provisional or missing) else "Actual + forecast", font=styles.BOLD, wrap=True)
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
    if missing:
        widths[columns[NOTE]] = 24
        fit_rows(ws, columns[NOTE], 24, HEADER_ROW + 1, row)
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
        if line.quarter_shown(index + 1):  # a no-actuals scheme has no figure under an all-actual quarter
            sheet.money(row, columns[heading], line.quarter(index + 1))
    first = ref(columns[QUARTER_HEADINGS[0]], row)
    last_spend = QUARTER_HEADINGS[-1]
    if ctx.figures.without_actuals:
        last_spend = in_place_heading(ctx)
        if not line.actual:
            sheet.money(row, columns[last_spend], line.forecast_in_actual_months)
            sheet.text(row, columns[NOTE], NO_ACTUALS_NOTE, wrap=True)
    if line.actual:  # the actual to date is the ledger's: a scheme without actuals has none
        sheet.money_formula(row, columns[to_date_heading(ctx)],
                            f"SUM({first}:{ref(columns[QUARTER_HEADINGS[quarter - 1]], row)})",
                            line.actual_to_quarter_end(quarter))
    sheet.money_formula(row, columns[OUTTURN], f"SUM({first}:{ref(columns[last_spend], row)})", line.outturn)
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
