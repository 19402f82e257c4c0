"""Checks: the BCF national conditions and reconciliations, each with figure, threshold and result.

Figures are formulas over the Expenditure plan and Contributions sheets, so
an edited budget or contribution re-tests the conditions; thresholds are the
configured or published figures (:mod:`pooledfund.reports.conditions`), named with
their source; the result is "Pass" or "Fail", coloured green or red by
conditional formatting so it recolours when a recalculation flips it. The
sentences in words are as exported (their columns say so).
"""

from __future__ import annotations

from openpyxl.worksheet.pagebreak import Break

from pooledfund.core.vocabulary import FundingSource
from pooledfund.io.excel import layout, styles
from pooledfund.io.excel.cells import col_range, money, number, ref, sum_where, text
from pooledfund.io.excel.condition_formulas import SchemeRanges, spend_formula
from pooledfund.io.excel.context import PackContext, TriggerRow
from pooledfund.io.excel.inputmap import POUNDS, Bound, Fixed, arrangement_path
from pooledfund.io.excel.sheet_contributions import ARRANGEMENT as C_ARR
from pooledfund.io.excel.sheet_contributions import PARTNER as C_PARTNER
from pooledfund.io.excel.sheet_contributions import SOURCE as C_SOURCE
from pooledfund.io.excel.sheet_contributions import TOTAL as C_TOTAL
from pooledfund.io.excel.sheet_contributions import YEAR as C_YEAR
from pooledfund.io.excel.sheet_riskshare import SHEET as RISK
from pooledfund.io.excel.status import colour_by_status
from pooledfund.io.excel.tables import add_table, header, title
from pooledfund.model.amounts import amount_words
from pooledfund.reports.conditions import ConditionCheck
from pooledfund.reports.explain import trigger_sentence

SHEET = "Checks"
HEADER_ROW = 4
HEADINGS = ["Check", "Year", "Figure", "Test", "Threshold", "Result", "In words (as exported)", "Threshold source"]
_TEST_WORDS = {">=": "at least", "<=": "at most", "==": "equal to"}


def _figure_formula(ctx: PackContext, check: ConditionCheck) -> str:
    plan = ctx.tables["plan"]
    contributions = ctx.tables["contributions"]

    def p(heading: str) -> str:
        return col_range(plan.columns[heading], plan.first, plan.last, plan.sheet)

    def c(heading: str) -> str:
        return col_range(contributions.columns[heading], contributions.first, contributions.last, contributions.sheet)

    if check.key == "joint_splits":
        return f"SUMPRODUCT((ABS({p(layout.PCT_NHS)}+{p(layout.PCT_LA)}-100)>0.00001)*({p(layout.SCHEME_ID)}<>\"\"))"
    budget = p(layout.expenditure_header(check.year))
    if check.key == "nhs_minimum":
        return sum_where(c(C_TOTAL), [(c(C_SOURCE), FundingSource.NHS_MINIMUM.label), (c(C_YEAR), check.year)])
    if check.key == "nhs_minimum_partner":
        return sum_where(c(C_TOTAL), [(c(C_SOURCE), FundingSource.NHS_MINIMUM.label), (c(C_YEAR), check.year),
                                      (c(C_PARTNER), check.partner)])
    ranges = SchemeRanges(source=p(layout.SOURCE), area=p(layout.AREA), scheme_type=p(layout.SCHEME_TYPE),
                          pct_nhs=p(layout.PCT_NHS), pct_la=p(layout.PCT_LA))
    spend = spend_formula(check.key, ranges, budget)
    if spend is not None:
        return spend
    income_criteria = [(c(C_ARR), check.arrangement), (c(C_YEAR), check.year)]
    spend_criteria = [(p(layout.ARRANGEMENT), check.arrangement)]
    if check.key == "income_expenditure":
        label = FundingSource.of(check.funding_source).label
        income_criteria.append((c(C_SOURCE), label))
        spend_criteria.append((p(layout.SOURCE), label))
    return f"ROUND({sum_where(c(C_TOTAL), income_criteria)}-{sum_where(budget, spend_criteria)},2)"


def write(ctx: PackContext) -> None:
    """Fill the Checks sheet; record the Result column for the summary's headline."""
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    title(ws, f"Checks - {ctx.agreement.title}",
          "BCF national conditions and reconciliations. Figures are live formulas over the Expenditure plan and "
          "Contributions; thresholds are configurable (published uplifts by default, source named).")
    columns = header(ws, HEADER_ROW, 1, HEADINGS)
    row = HEADER_ROW
    for check in ctx.checks:
        row += 1
        sheet.text(row, columns["Check"], check.name, wrap=True)
        sheet.value(row, columns["Year"], check.year or "all years")
        fmt = styles.COUNT if check.unit == "count" else styles.GBP
        expected = number(check.figure) if check.unit == "count" else money(check.figure)
        figure = ref(columns["Figure"], row)
        threshold = ref(columns["Threshold"], row)
        sheet.formula(row, columns["Figure"], _figure_formula(ctx, check), expected, fmt)
        sheet.value(row, columns["Test"], _TEST_WORDS[check.comparison])
        configured = Fixed("condition threshold")
        if check.unit == "count":
            sheet.value(row, columns["Threshold"], check.threshold, fmt, input_cell=True, field=configured)
        else:
            sheet.money(row, columns["Threshold"], check.threshold, input_cell=True, field=configured)
        if check.comparison == "==":
            test = f"ROUND({figure}-{threshold},2)=0"
        else:
            test = f"ROUND({figure}-{threshold},2){check.comparison}0"
        cell = sheet.formula(row, columns["Result"], f'IF({test},"Pass","Fail")',
                             text("Pass" if check.passed else "Fail"), None)
        cell.font = styles.BOLD  # the colour follows the result after recalculation (conditional formatting)
        sheet.text(row, columns["In words (as exported)"], check.words, wrap=True)
        sheet.text(row, columns["Threshold source"], check.source, wrap=True, font=styles.NOTE_FONT)
    add_table(ws, "Checks", HEADER_ROW, row, 1, len(HEADINGS))
    if row > HEADER_ROW:
        colour_by_status(ws, range_of(columns["Result"], HEADER_ROW + 1, row), "Pass", "Fail")
    ctx.check_results = col_range(columns["Result"], HEADER_ROW + 1, max(row, HEADER_ROW + 1), SHEET)
    write_triggers(ctx, row + 2)
    # One page wide at 80%: the check's name, figures and verdict, its words and source wrapped, each row as tall
    # as its text (set when the pack is finished).
    styles.set_widths(ws, {1: 26, 2: 8, 3: 14, 4: 8, 5: 14, 6: 7, 7: 32, 8: 20})
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    styles.print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", scale=80, title_span="A:H")


TRIGGER_HEADINGS = ["Trigger", "Year", "Forecast variance", "Test", "Threshold", "Status", "In words (as exported)",
                    "Action"]


def write_triggers(ctx: PackContext, start: int) -> None:
    """The arrangements' triggers below the checks: a row per trigger and year, its status a live formula.

    A trigger moves no money. Its forecast variance (overspend, or underspend
    for an underspend trigger) refers to the variance on the Risk share sheet
    and its threshold is an input, so an edited budget or contribution
    re-tests it; the month it first crossed is as exported (it needs the
    scenario's actuals, month by month). Nothing is written when no
    arrangement has triggers.
    """
    rows = [(row, status) for row in ctx.result.arrangement_years for status in row.triggers]
    if not rows:
        return
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    # A page of its own: otherwise the Checks' repeated header row (Result, Threshold source) heads its rows.
    ws.row_breaks.append(Break(id=start - 1))
    sheet.text(start, 1, "Triggers: thresholds that move no money but must be reported (Status: Crossed or "
                         "Not crossed)", font=styles.BOLD)
    columns = header(ws, start + 1, 1, TRIGGER_HEADINGS)
    line = start + 1
    names = ctx.result.partner_names
    for arrangement_year, status in rows:
        line += 1
        trigger = status.trigger
        sheet.text(line, columns["Trigger"], f"{arrangement_year.name}, trigger {status.index + 1}: "
                                              f"{trigger.words(names)}")
        sheet.value(line, columns["Year"], arrangement_year.year)
        col, variance_row = ctx.positions[(arrangement_year.arrangement_id, arrangement_year.year, "pool")]["variance"]
        sign, forecast = ("", int(arrangement_year.variance[0])) if trigger.direction == "overspend" else (
            "-", -int(arrangement_year.variance[0]))
        sheet.formula(line, columns["Forecast variance"], f"{sign}{ref(col, variance_row, sheet=RISK)}",
                      money(forecast))
        sheet.value(line, columns["Test"], "more than")
        path = arrangement_path(ctx.arrangement_index(arrangement_year.arrangement_id), "triggers", status.index,
                                "threshold")
        stated = Bound(path, POUNDS) if isinstance(trigger.threshold, int) else Fixed("worked out", path)
        sheet.money(line, columns["Threshold"], status.threshold, input_cell=True, field=stated)
        test = f"ROUND({ref(columns['Forecast variance'], line)}-{ref(columns['Threshold'], line)},2)>0"
        crossed = bool(status.crossed[0])
        cell = sheet.formula(line, columns["Status"], f'IF({test},"Crossed","Not crossed")',
                             text("Crossed" if crossed else "Not crossed"), None)
        cell.font = styles.BOLD
        ctx.triggers.append(TriggerRow(arrangement_year.name, arrangement_year.year,
                                       ref(columns["Status"], line, sheet=SHEET), crossed, trigger.action))
        sheet.text(line, columns["In words (as exported)"], trigger_sentence(ctx.result, arrangement_year, status),
                   wrap=True)
        sheet.text(line, columns["Action"], f"{trigger.action} (threshold: {amount_words(trigger.threshold, names)})",
                   wrap=True, font=styles.NOTE_FONT)
    add_table(ws, "Triggers", start + 1, line, 1, len(TRIGGER_HEADINGS))
    colour_by_status(ws, range_of(columns["Status"], start + 2, line), "Not crossed", "Crossed")


def range_of(col: int, first: int, last: int) -> str:
    """A block of one column, such as ``F5:F27``."""
    return f"{ref(col, first)}:{ref(col, last)}"
