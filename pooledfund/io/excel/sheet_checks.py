"""Checks: the BCF national conditions and reconciliations, each with figure, threshold and result.

Figures are formulas over the Expenditure plan and Contributions sheets, so
an edited budget or contribution re-tests the conditions; thresholds are the
configured or published figures (:mod:`pooledfund.reports.conditions`), named with
their source; the result is "Pass" or "Fail".
"""

from __future__ import annotations

from pooledfund.core.vocabulary import AreaOfSpend, FundingSource, SchemeType
from pooledfund.io.excel import layout, styles
from pooledfund.io.excel.cells import col_range, formula_text, money, number, ref, sum_where, text
from pooledfund.io.excel.context import PackContext
from pooledfund.io.excel.sheet_contributions import ARRANGEMENT as C_ARR
from pooledfund.io.excel.sheet_contributions import PARTNER as C_PARTNER
from pooledfund.io.excel.sheet_contributions import SOURCE as C_SOURCE
from pooledfund.io.excel.sheet_contributions import TOTAL as C_TOTAL
from pooledfund.io.excel.sheet_contributions import YEAR as C_YEAR
from pooledfund.io.excel.tables import add_table, header, title
from pooledfund.reports.conditions import ConditionCheck

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

    nhs_minimum = formula_text(FundingSource.NHS_MINIMUM.label)
    if check.key == "joint_splits":
        return f"SUMPRODUCT((ABS({p(layout.PCT_NHS)}+{p(layout.PCT_LA)}-100)>0.00001)*({p(layout.SCHEME_ID)}<>\"\"))"
    budget = p(layout.expenditure_header(check.year))
    if check.key == "nhs_minimum":
        return sum_where(c(C_TOTAL), [(c(C_SOURCE), FundingSource.NHS_MINIMUM.label), (c(C_YEAR), check.year)])
    if check.key == "nhs_minimum_partner":
        return sum_where(c(C_TOTAL), [(c(C_SOURCE), FundingSource.NHS_MINIMUM.label), (c(C_YEAR), check.year),
                                      (c(C_PARTNER), check.partner)])
    if check.key == "asc_maintenance":
        return (f"ROUND(SUMPRODUCT(({p(layout.SOURCE)}={nhs_minimum})*({p(layout.AREA)}="
                f"{formula_text(AreaOfSpend.SOCIAL_CARE.label)})*{budget}*{p(layout.PCT_LA)})/100,2)")
    if check.key == "out_of_hospital":
        return (f"ROUND(SUMPRODUCT(({p(layout.SOURCE)}={nhs_minimum})*({p(layout.AREA)}<>"
                f"{formula_text(AreaOfSpend.ACUTE.label)})*{budget}*{p(layout.PCT_NHS)})/100,2)")
    if check.key == "dfg":
        return (f"SUMPRODUCT(({p(layout.SOURCE)}={formula_text(FundingSource.DFG.label)})*({p(layout.SCHEME_TYPE)}<>"
                f"{formula_text(SchemeType.DFG_RELATED.label)})*{budget})")
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
        sheet.value(row, columns["Check"], check.name)
        sheet.value(row, columns["Year"], check.year or "all years")
        fmt = styles.COUNT if check.unit == "count" else styles.GBP
        expected = number(check.figure) if check.unit == "count" else money(check.figure)
        figure = ref(columns["Figure"], row)
        threshold = ref(columns["Threshold"], row)
        sheet.formula(row, columns["Figure"], _figure_formula(ctx, check), expected, fmt)
        sheet.value(row, columns["Test"], _TEST_WORDS[check.comparison])
        if check.unit == "count":
            sheet.value(row, columns["Threshold"], check.threshold, fmt, input_cell=True)
        else:
            sheet.money(row, columns["Threshold"], check.threshold, input_cell=True)
        if check.comparison == "==":
            test = f"ROUND({figure}-{threshold},2)=0"
        else:
            test = f"ROUND({figure}-{threshold},2){check.comparison}0"
        cell = sheet.formula(row, columns["Result"], f'IF({test},"Pass","Fail")',
                             text("Pass" if check.passed else "Fail"), None)
        cell.font = styles.PASS_FONT if check.passed else styles.FAIL_FONT
        sheet.text(row, columns["In words (as exported)"], check.words, wrap=True)
        sheet.text(row, columns["Threshold source"], check.source, wrap=True, font=styles.NOTE_FONT)
    add_table(ws, "Checks", HEADER_ROW, row, 1, len(HEADINGS))
    ctx.check_results = col_range(columns["Result"], HEADER_ROW + 1, max(row, HEADER_ROW + 1), SHEET)
    styles.set_widths(ws, {1: 46, 2: 10, 3: 17, 4: 10, 5: 17, 6: 8, 7: 70, 8: 50})
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    styles.print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}")
