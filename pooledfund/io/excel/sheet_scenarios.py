"""Scenarios: partner positions under each scenario side by side, with the change from the first."""

from __future__ import annotations

from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import ref
from pooledfund.io.excel.context import PackContext
from pooledfund.io.excel.tables import add_table, header, title

SHEET = "Scenarios"
HEADER_ROW = 4


def write(ctx: PackContext) -> None:
    """Fill the Scenarios sheet (only made when the pack has two or more scenarios)."""
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    results = ctx.results
    labels = [r.scenario_name for r in results]
    title(ws, f"Scenarios - {ctx.agreement.title}",
          f"Net cost and overspend share per partner under each scenario, as exported: each scenario is its own "
          f"run, so these figures do not move when an input is edited. Changes (formulas) are against "
          f"'{labels[0]}'.")
    headings = ["Year", "Partner"]
    headings += [f"Net cost: {label}" for label in labels]
    headings += [f"Change: {label}" for label in labels[1:]]
    headings += [f"Overspend share: {label}" for label in labels]
    columns = header(ws, HEADER_ROW, 1, _unique(headings))
    row = HEADER_ROW
    n = len(results)
    for year in ctx.agreement.years:
        totals = [r.partner_totals(year) for r in results]
        for p_index, partner in enumerate(ctx.agreement.partners):
            row += 1
            sheet.value(row, 1, year)
            sheet.value(row, 2, partner.name)
            net = [int(t["net_cost"][0, p_index]) for t in totals]
            for s_index in range(n):
                sheet.money(row, 3 + s_index, net[s_index])
            for s_index in range(1, n):
                sheet.money_formula(row, 3 + n + s_index - 1, f"{ref(3 + s_index, row)}-{ref(3, row)}",
                                    net[s_index] - net[0])
            for s_index in range(n):
                sheet.money(row, 3 + 2 * n - 1 + s_index, int(totals[s_index]["overspend_share"][0, p_index]))
    add_table(ws, "Scenarios", HEADER_ROW, row, 1, len(columns))
    widths = {1: 9, 2: 30}
    widths.update({col: 15 for col in range(3, len(columns) + 1)})
    styles.set_widths(ws, widths)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    styles.print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", title_cols="A:B", scale=90)


def _unique(headings: list[str]) -> list[str]:
    """Table headings must differ: number repeats (two scenarios with one name)."""
    seen: dict[str, int] = {}
    out = []
    for heading in headings:
        seen[heading] = seen.get(heading, 0) + 1
        out.append(heading if seen[heading] == 1 else f"{heading} ({seen[heading]})")
    return out
