"""National conditions: the pack's checks for the year, each measured again at the forecast outturn.

The plan's figure, threshold and verdict are the sign-off pack's Checks
sheet's (:func:`pooledfund.reports.conditions.national_conditions`). Beside
them, the same figure on the forecast outturn where the condition is about
spend, as a live formula over the Expenditure sheet: NHS-funded adult social
care, NHS-commissioned out-of-hospital spend, DFG on DFG schemes, and each
mandatory source spent in full (its balance at the forecast at most £0).
"""

from __future__ import annotations

from pooledfund.core.vocabulary import FundingSource
from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import money, number, ref, sum_where, text
from pooledfund.io.excel.condition_formulas import SchemeRanges, spend_formula
from pooledfund.io.excel.returns import expenditure as exp
from pooledfund.io.excel.returns import income as inc
from pooledfund.io.excel.returns.context import CONDITIONS, EXPENDITURE, ReturnContext, fit_rows
from pooledfund.io.excel.tables import add_table, header, title
from pooledfund.reports.returns import ForecastCheck

HEADER_ROW = 4
CHECK, YEAR, PLAN_FIGURE, TEST, THRESHOLD, PLAN_RESULT = (
    "Check", "Year", "Figure in the plan", "Test", "Threshold", "Result in the plan")
FORECAST_FIGURE, FORECAST_TEST, FORECAST_RESULT = "Figure at the forecast", "Test at the forecast", \
    "Result at the forecast"
WORDS, SOURCE = "In words (the plan)", "Threshold source"
HEADINGS = [CHECK, YEAR, PLAN_FIGURE, TEST, THRESHOLD, PLAN_RESULT, FORECAST_FIGURE, FORECAST_TEST, FORECAST_RESULT,
            WORDS, SOURCE]
TEST_WORDS = {">=": "at least", "<=": "at most", "==": "equal to"}


def _forecast_formula(ctx: ReturnContext, item: ForecastCheck, plan_cell: str) -> str | None:
    """The live formula of the figure at the forecast, or None for a check of the plan only."""
    check = item.check

    def e(heading: str) -> str:
        return ctx.column("expenditure", heading)

    if item.figure is None:
        return None
    if check.key in ("nhs_minimum", "nhs_minimum_partner"):
        criteria = [(ctx.column("income", inc.SOURCE), FundingSource.NHS_MINIMUM.label)]
        if check.partner:
            criteria.append((ctx.column("income", inc.PARTNER), check.partner))
        return sum_where(ctx.column("income", inc.FORECAST), criteria)
    ranges = SchemeRanges(source=e(exp.SOURCE), area=e(exp.AREA), scheme_type=e(exp.TYPE), pct_nhs=e(exp.PCT_NHS),
                          pct_la=e(exp.PCT_LA))
    spend = spend_formula(check.key, ranges, e(exp.OUTTURN))
    if spend is not None:
        return spend
    if check.key == "income_expenditure":
        return ref(*ctx.balance_cells[(check.arrangement, check.funding_source)], sheet=EXPENDITURE)
    return plan_cell


def _result(figure: str, threshold: str, comparison: str) -> str:
    """Pass or Fail, compared to the penny as the pack's Checks sheet does."""
    test = f"ROUND({figure}-{threshold},2){'=' if comparison == '==' else comparison}0"
    return f'IF({test},"Pass","Fail")'


def write(ctx: ReturnContext) -> None:
    """Fill the National conditions sheet."""
    figures = ctx.figures
    sheet = ctx.sheet(CONDITIONS)
    ws = sheet.ws
    title(ws, f"National conditions - {figures.agreement.title} - {figures.period.name}",
          "The sign-off pack's checks for the year (the plan), and the conditions on spend measured again on the "
          "forecast outturn (live formulas over the Expenditure sheet). A mandatory source must be spent in full: "
          "its balance at the forecast must be at most £0.")
    columns = header(ws, HEADER_ROW, 1, HEADINGS)
    row = HEADER_ROW
    for item in figures.checks:
        row += 1
        check = item.check
        count = check.unit == "count"
        fmt = styles.COUNT if count else styles.GBP

        sheet.value(row, columns[CHECK], check.name)
        sheet.value(row, columns[YEAR], check.year or "all years")
        if count:
            sheet.value(row, columns[PLAN_FIGURE], check.figure, fmt)
            sheet.value(row, columns[THRESHOLD], check.threshold, fmt)
        else:
            sheet.money(row, columns[PLAN_FIGURE], check.figure)
            sheet.money(row, columns[THRESHOLD], check.threshold)
        sheet.value(row, columns[TEST], TEST_WORDS[check.comparison])
        plan_cell, threshold_cell = ref(columns[PLAN_FIGURE], row), ref(columns[THRESHOLD], row)
        cell = sheet.formula(row, columns[PLAN_RESULT], _result(plan_cell, threshold_cell, check.comparison),
                             text("Pass" if check.passed else "Fail"), None)
        cell.font = styles.PASS_FONT if check.passed else styles.FAIL_FONT
        formula = _forecast_formula(ctx, item, plan_cell)
        if formula is None or item.figure is None or item.comparison is None:
            sheet.text(row, columns[FORECAST_FIGURE], "a check of the plan only", font=styles.NOTE_FONT)
        else:
            expected = number(item.figure) if count else money(item.figure)
            sheet.formula(row, columns[FORECAST_FIGURE], formula, expected, fmt)
            sheet.value(row, columns[FORECAST_TEST], TEST_WORDS[item.comparison])
            forecast_cell = ref(columns[FORECAST_FIGURE], row)
            cell = sheet.formula(row, columns[FORECAST_RESULT], _result(forecast_cell, threshold_cell,
                                                                        item.comparison),
                                 text("Pass" if item.passed else "Fail"), None)
            cell.font = styles.PASS_FONT if item.passed else styles.FAIL_FONT
        sheet.text(row, columns[WORDS], check.words, wrap=True)
        sheet.text(row, columns[SOURCE], check.source, wrap=True, font=styles.NOTE_FONT)
    add_table(ws, "ReturnConditions", HEADER_ROW, row, 1, len(HEADINGS))
    styles.set_widths(ws, {1: 46, 2: 10, 3: 17, 4: 10, 5: 17, 6: 10, 7: 17, 8: 10, 9: 10, 10: 70, 11: 50})
    fit_rows(ws, columns[WORDS], 70, HEADER_ROW + 1, row)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    styles.print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}")
