"""Income: money in to each pooled arrangement for the year, by funding source and partner.

One row per arrangement, source and partner: the plan (the contributions as
agreed, cash and in kind), the scenario's change, the forecast for the year,
the in-kind part, the cash received by the end of the quarter on the payment
schedules, and the cash still to come. An underspend brought forward from
last year is a row of its own. Below: totals by source and by partner,
adding up the table with live formulas.
"""

from __future__ import annotations

from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import col_range, ref, sum_where
from pooledfund.io.excel.context import Table
from pooledfund.io.excel.returns.context import INCOME, ReturnContext, header_at
from pooledfund.io.excel.tables import add_table, header, title
from pooledfund.reports.returns import IncomeLine

HEADER_ROW = 4
ARRANGEMENT, SOURCE, PARTNER, PARTNER_NAME = "Arrangement", "Source of funding", "Partner", "Partner name"
PLAN, CHANGE, FORECAST, IN_KIND = "Plan for the year", "Change in year", "Forecast for the year", "Of which in kind"
TO_COME = "Cash still to come"
MONEY = [PLAN, CHANGE, FORECAST, IN_KIND]


def received_heading(ctx: ReturnContext) -> str:
    """The heading of the cash received column: "Cash received to end of Q2"."""
    return f"Cash received {ctx.quarter_heading}"


def write(ctx: ReturnContext) -> None:
    """Fill the Income sheet and record its table for the Expenditure balances and the Risk share."""
    figures = ctx.figures
    quarter = figures.period.quarter
    sheet = ctx.sheet(INCOME)
    ws = sheet.ws
    received = received_heading(ctx)
    title(ws, f"Income - {figures.agreement.title} - {figures.period.name}",
          "Money in to each pooled arrangement by source of funding and partner. Plan: the contributions as agreed "
          "(cash and in kind); change: the scenario's; cash received on the payment schedules to the end of the "
          "quarter. Aligned budgets have no money in: each partner funds its own schemes.")
    headings = [ARRANGEMENT, SOURCE, PARTNER, PARTNER_NAME, *MONEY, received, TO_COME]
    columns = header(ws, HEADER_ROW, 1, headings)
    row = HEADER_ROW
    for line in figures.income:
        row += 1
        sheet.value(row, columns[ARRANGEMENT], line.arrangement_id)
        sheet.value(row, columns[SOURCE], line.label)
        sheet.value(row, columns[PARTNER], line.partner_id)
        sheet.value(row, columns[PARTNER_NAME], line.partner_name)
        sheet.money(row, columns[PLAN], line.plan)
        sheet.money(row, columns[CHANGE], line.change)
        sheet.money_formula(row, columns[FORECAST], f"{ref(columns[PLAN], row)}+{ref(columns[CHANGE], row)}",
                            line.forecast)
        sheet.money(row, columns[IN_KIND], line.in_kind)
        sheet.money(row, columns[received], line.received_to(quarter))
        sheet.money_formula(row, columns[TO_COME], f"{ref(columns[FORECAST], row)}-{ref(columns[IN_KIND], row)}"
                                                   f"-{ref(columns[received], row)}", line.still_to_come(quarter))
    last = max(row, HEADER_ROW + 1)
    add_table(ws, "ReturnIncome", HEADER_ROW, row, 1, len(headings))
    ctx.tables["income"] = Table(INCOME, HEADER_ROW + 1, last, columns)
    _total_row(ctx, row + 1, last, columns, [*MONEY, received, TO_COME])
    end = _by_source(ctx, row + 3)
    _by_partner(ctx, end + 2)
    widths = {columns[ARRANGEMENT]: 18, columns[SOURCE]: 32, columns[PARTNER]: 10, columns[PARTNER_NAME]: 34}
    widths.update({columns[h]: 16 for h in [*MONEY, received, TO_COME]})
    styles.set_widths(ws, widths)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    styles.print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}")


def _figure(ctx: ReturnContext, line: IncomeLine, heading: str) -> int:
    """One line's figure under a heading of the table."""
    quarter = ctx.figures.period.quarter
    return {PLAN: line.plan, CHANGE: line.change, FORECAST: line.forecast, IN_KIND: line.in_kind,
            received_heading(ctx): line.received_to(quarter), TO_COME: line.still_to_come(quarter)}[heading]


def _total_row(ctx: ReturnContext, row: int, last: int, columns: dict[str, int], headings: list[str]) -> None:
    """The total under the table: each money column's subtotal."""
    sheet = ctx.sheet(INCOME)
    sheet.text(row, 1, "Total", font=styles.BOLD)
    for heading in headings:
        col = columns[heading]
        expected = sum(_figure(ctx, line, heading) for line in ctx.figures.income)
        cell = sheet.money_formula(row, col, f"SUBTOTAL(109,{col_range(col, HEADER_ROW + 1, last)})", expected)
        cell.font = styles.BOLD
        cell.border = styles.TOP_LINE


def _block(ctx: ReturnContext, start: int, heading: str, key_heading: str,
           keys: list[tuple[str, str]], match: str) -> int:
    """A block of totals by one column of the table (``match``), one row per key; returns its last row.

    ``keys`` are (the text in the ``match`` column, the label shown).
    """
    sheet = ctx.sheet(INCOME)
    received = received_heading(ctx)
    shown = [PLAN, CHANGE, FORECAST, IN_KIND, received]
    sheet.text(start, 1, heading, font=styles.SUBTITLE_FONT)
    table = ctx.tables["income"].columns
    columns = header_at(sheet.ws, start + 1, {key_heading: table[SOURCE], **{h: table[h] for h in shown}})
    row = start + 1
    for key, label in keys:
        row += 1
        sheet.value(row, columns[key_heading], label)
        chosen = [line for line in ctx.figures.income if (line.label if match == SOURCE else line.partner_id) == key]
        for money in shown:
            formula = sum_where(ctx.column("income", money), [(ctx.column("income", match), key)])
            sheet.money_formula(row, columns[money], formula, sum(_figure(ctx, line, money) for line in chosen))
    return row


def _by_source(ctx: ReturnContext, start: int) -> int:
    """Totals by source of funding, every pooled arrangement together (money brought forward on its own row)."""
    labels: list[str] = []
    for line in ctx.figures.income:
        if line.label not in labels:
            labels.append(line.label)
    return _block(ctx, start, "By source of funding (every pooled arrangement)", SOURCE,
                  [(label, label) for label in labels], SOURCE)


def _by_partner(ctx: ReturnContext, start: int) -> int:
    """Totals by partner, every pooled arrangement together (money brought forward is no partner's)."""
    partners = [(p.id, p.name) for p in ctx.figures.agreement.partners
                if any(line.partner_id == p.id for line in ctx.figures.income)]
    return _block(ctx, start, "By partner (every pooled arrangement)", PARTNER_NAME, partners, PARTNER)
