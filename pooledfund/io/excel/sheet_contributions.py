"""Contributions: each partner's money in, by funding source and year, and when it is paid.

One row per contribution of each funded arrangement (the agreed value of a
lead commissioning arrangement included), with the scenario's change, the
cash after it, the in-kind value kept apart, and the payment in each month.
Below, on a page of its own under the same header, each partner's totals by
year and source of funding, and for all its sources.
"""

from __future__ import annotations

import numpy as np
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from pooledfund.agreements import FundedArrangement
from pooledfund.core.money import format_gbp
from pooledfund.core.vocabulary import FundingSource
from pooledfund.core.years import MONTH_NAMES
from pooledfund.engine.cashflow import payment_profile
from pooledfund.engine.runner import changed_cash
from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import col_range, ref, sum_where
from pooledfund.io.excel.context import PackContext, Table
from pooledfund.io.excel.inputmap import POUNDS, Binding, Bound, Fixed, arrangement_path
from pooledfund.io.excel.tables import add_table, header, title
from pooledfund.model.records import Contribution, PaymentSchedule

SHEET = "Contributions"
HEADER_ROW = 4
ARRANGEMENT, PARTNER, PARTNER_NAME, YEAR, SOURCE = "Arrangement", "Partner", "Partner name", "Year", "Source of funding"
AGREED, CHANGE, CASH, IN_KIND, TOTAL = "Cash as agreed", "Scenario change", "Cash", "In kind", "Total"
IN_KIND_WHAT, SCHEDULE, PAID = "In-kind description", "Payment schedule", "Paid in year"
#: Printed with the partner name, year and source at the left of every page: the amounts and the year's
#: payments; the ids, in-kind description and schedule; April to September; October to March.
HEADINGS = [PARTNER_NAME, YEAR, SOURCE, AGREED, CHANGE, CASH, IN_KIND, TOTAL, PAID, ARRANGEMENT, PARTNER,
            IN_KIND_WHAT, SCHEDULE, *MONTH_NAMES]


def schedule_text(schedule: PaymentSchedule) -> str:
    """The payment schedule in words."""
    words = {"monthly": "1/12 monthly", "quarterly_in_advance": "quarterly in advance",
             "instalments": "instalments"}[schedule.kind]
    if schedule.withheld:
        words += f"; {format_gbp(schedule.withheld)} withheld until {schedule.withheld_until}"
    return words


def _fields(arrangement: FundedArrangement, a_index: int, contribution: Contribution) -> dict[str, Binding]:
    """What the contribution's cash, in-kind, scenario-change and payment cells show in the agreement."""
    listed = next((i for i, c in enumerate(arrangement.contributions) if c is contribution), None)
    if listed is None:  # worked out by the arrangement (a lead commissioning arrangement's agreed value)
        derived = Fixed("agreed value", arrangement_path(a_index, "agreed_value"))
        return {AGREED: derived, IN_KIND: derived, CHANGE: Fixed("scenario change"), "payment": derived}
    return {AGREED: Bound(arrangement_path(a_index, "contributions", listed, "cash"), POUNDS),
            IN_KIND: Bound(arrangement_path(a_index, "contributions", listed, "in_kind"), POUNDS),
            CHANGE: Fixed("scenario change"),
            "payment": Fixed("payment", arrangement_path(a_index, "contributions", listed, "schedule"))}


def write(ctx: PackContext) -> None:
    """Fill the Contributions sheet and record the table the risk share and checks sum."""
    agreement = ctx.agreement
    years = list(agreement.years)
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    title(ws, f"Contributions - {agreement.title}",
          f"Scenario: {ctx.scenario.label}. Cash after the scenario's changes; in kind apart; payments by month "
          "(April first).")
    columns = header(ws, HEADER_ROW, 1, HEADINGS)
    funded = [a for a in agreement.arrangements if isinstance(a, FundedArrangement)]
    everything = {a.id: a.all_contributions(years) for a in funded}
    row = HEADER_ROW
    rows: list[tuple[str, Contribution, int, int]] = []
    for arrangement in funded:
        a_index = ctx.arrangement_index(arrangement.id)
        for contribution in everything[arrangement.id]:
            row += 1
            fields = _fields(arrangement, a_index, contribution)
            new_cash, change_months = changed_cash(contribution, arrangement.id, ctx.scenario, everything)
            months = payment_profile(contribution) + change_months
            rows.append((arrangement.id, contribution, new_cash, int(np.sum(months))))
            partner = agreement.partner(contribution.partner)
            sheet.value(row, columns[ARRANGEMENT], arrangement.id)
            sheet.value(row, columns[PARTNER], partner.id)
            sheet.value(row, columns[PARTNER_NAME], partner.name)
            sheet.value(row, columns[YEAR], contribution.year)
            sheet.value(row, columns[SOURCE], contribution.source.label)
            sheet.money(row, columns[AGREED], contribution.cash, input_cell=True, field=fields[AGREED])
            sheet.money(row, columns[CHANGE], new_cash - contribution.cash, input_cell=True, field=fields[CHANGE])
            sheet.money_formula(row, columns[CASH], f"{ref(columns[AGREED], row)}+{ref(columns[CHANGE], row)}",
                                new_cash)
            sheet.money(row, columns[IN_KIND], contribution.in_kind, input_cell=True, field=fields[IN_KIND])
            sheet.money_formula(row, columns[TOTAL], f"{ref(columns[CASH], row)}+{ref(columns[IN_KIND], row)}",
                                new_cash + contribution.in_kind)
            sheet.value(row, columns[IN_KIND_WHAT], contribution.in_kind_description)
            sheet.value(row, columns[SCHEDULE], schedule_text(contribution.schedule))
            for index, name in enumerate(MONTH_NAMES):
                sheet.money(row, columns[name], int(months[index]), field=fields["payment"])
            first, last = ref(columns[MONTH_NAMES[0]], row), ref(columns[MONTH_NAMES[-1]], row)
            sheet.money_formula(row, columns[PAID], f"SUM({first}:{last})", int(np.sum(months)))
    last_row = max(row, HEADER_ROW + 1)
    add_table(ws, "Contributions", HEADER_ROW, row, 1, len(HEADINGS))
    ctx.tables["contributions"] = Table(SHEET, HEADER_ROW + 1, last_row, columns)
    ws.row_breaks.append(Break(id=row + 1))  # the totals print on a page of their own
    _write_totals(ctx, row + 3, rows)
    widths = {columns[ARRANGEMENT]: 13, columns[PARTNER]: 10, columns[PARTNER_NAME]: 24, columns[YEAR]: 8,
              columns[SOURCE]: 16, columns[IN_KIND_WHAT]: 26, columns[SCHEDULE]: 22}
    widths.update({columns[h]: 12 for h in (AGREED, CHANGE, CASH, IN_KIND, TOTAL, PAID)})
    widths.update({columns[m]: 12 for m in MONTH_NAMES})
    styles.set_widths(ws, widths)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=columns[SOURCE] + 1)
    for last in (PAID, SCHEDULE, MONTH_NAMES[5]):
        ws.col_breaks.append(Break(id=columns[last]))
    styles.print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", title_cols=f"A:{get_column_letter(columns[SOURCE])}",
                       scale=85)


def _write_totals(ctx: PackContext, start: int, rows: list[tuple[str, Contribution, int, int]]) -> None:
    """Each partner's money in by year and source of funding, then all its sources, as sums of the table above.

    The totals print on a page of their own under the table's own header
    (repeated on every page), so each figure sits in the column that names
    it: cash as agreed, the scenario's change, cash, in kind, total and paid
    in year, each summed (``SUMPRODUCT``) over the table's rows of that
    partner, year and source; where a partner has two or more sources in the
    year, its line for all of them under a rule, its label in bold
    (its figures in regular type: bold ones would widen the columns past the
    page).
    """
    sheet = ctx.sheet(SHEET)
    table = ctx.tables["contributions"]
    col = table.columns

    def span(heading: str) -> str:
        return col_range(col[heading], table.first, table.last)

    def amounts(picked: list[tuple[Contribution, int, int]]) -> dict[str, int]:
        return {AGREED: sum(c.cash for c, _, _ in picked), CHANGE: sum(cash - c.cash for c, cash, _ in picked),
                CASH: sum(cash for _, cash, _ in picked), IN_KIND: sum(c.in_kind for c, _, _ in picked),
                TOTAL: sum(cash + c.in_kind for c, cash, _ in picked), PAID: sum(paid for _, _, paid in picked)}

    def write_line(row: int, criteria: list[tuple[str, str]], figures: dict[str, int]) -> None:
        for heading, pence in figures.items():
            sheet.money_formula(row, col[heading], sum_where(span(heading), criteria), pence)

    sheet.text(start, col[PARTNER_NAME], "Totals by partner and year", font=styles.SUBTITLE_FONT)
    row = start
    for year in ctx.agreement.years:
        for partner in ctx.agreement.partners:
            mine = [(c, cash, paid) for _, c, cash, paid in rows if c.partner == partner.id and c.year == year]
            if not mine:
                continue
            for source in FundingSource:
                picked = [(c, cash, paid) for c, cash, paid in mine if c.source == source]
                if not picked:
                    continue
                row += 1
                sheet.value(row, col[PARTNER_NAME], partner.name)
                sheet.value(row, col[YEAR], year)
                sheet.value(row, col[SOURCE], source.label)
                write_line(row, [(span(PARTNER), partner.id), (span(SOURCE), source.label), (span(YEAR), year)],
                           amounts(picked))
            if len({c.source for c, _, _ in mine}) < 2:
                continue  # one source: its line is the partner's all-sources line
            row += 1
            sheet.text(row, col[PARTNER_NAME], partner.name, font=styles.BOLD)
            sheet.text(row, col[YEAR], year, font=styles.BOLD)
            sheet.text(row, col[SOURCE], "All sources", font=styles.BOLD)
            write_line(row, [(span(PARTNER), partner.id), (span(YEAR), year)], amounts(mine))
            for heading in (PARTNER_NAME, YEAR, SOURCE, *amounts(mine)):
                sheet.ws.cell(row=row, column=col[heading]).border = styles.TOP_LINE
