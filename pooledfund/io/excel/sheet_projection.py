"""Projection: each scheme's spend by month and year, its budget, forecast outturn and variance.

One row per scheme and year, year by year. Monthly spend is the engine's projection (actuals where the scenario gives
them); the outturn, variance and overspend are formulas, and the budget
links to the Expenditure plan, so a changed budget flows through to the risk
share. To the right, each scheme's split between its commissioners: the
budget and spend of aligned budgets (each partner keeps its own), and the
overspend a commissioner bears where a risk share has a commissioner layer.

Each year is a block of rows starting its own printed page, ending in that
year's total (years are never added together). A year with actuals opens
with a marker row: "Actual" over each month the ledger gives, "Forecast"
over the rest, its label saying whether the year's outturn is all actual.
Other years have no marker: they are all projection. Marker and total rows leave the Year, Arrangement and Scheme
type cells empty, so the other sheets' sums by year and arrangement never
count them.
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from pooledfund.agreements import AlignedBudget, Arrangement, FundedArrangement
from pooledfund.core.counts import plural
from pooledfund.core.money import allocate
from pooledfund.core.types import percent_weight
from pooledfund.core.years import MONTH_NAMES, month_label, parse_month
from pooledfund.io.excel import layout, styles
from pooledfund.io.excel.cells import Sheet, col_range, ref, split_formula
from pooledfund.io.excel.context import PackContext, Table
from pooledfund.io.excel.inputmap import Fixed, arrangement_path
from pooledfund.io.excel.tables import add_table, header, title
from pooledfund.model.records import CommissionerLayer, Scheme
from pooledfund.model.scenario import Scenario

SHEET = "Projection"
HEADER_ROW = 4
ARRANGEMENT, SCHEME, NAME, TYPE, YEAR = "Arrangement", "Scheme ID", "Scheme name", "Scheme type", "Year"
OUTTURN, BUDGET, VARIANCE, OVERSPEND = "Forecast outturn", "Budget", "Variance", "Overspend"


def share_heading(kind: str, partner: str) -> str:
    """The heading of a per-partner column: ``% icb``, ``Budget: icb``, ``Spend: icb``, ``Overspend: icb``."""
    return f"% {partner}" if kind == "%" else f"{kind}: {partner}"


def share_kinds(arrangements: list[Arrangement]) -> list[str]:
    """The per-partner column groups the arrangements need: % always, the rest only where used.

    Budget and Spend by partner are for aligned budgets; Overspend by partner
    for a risk share with a commissioner layer. A group nobody uses would print
    as empty pages, so it is left out.
    """
    kinds = ["%"]
    if any(isinstance(a, AlignedBudget) for a in arrangements):
        kinds += ["Budget", "Spend"]
    if any(_has_commissioner_layer(a) for a in arrangements):
        kinds.append("Overspend")
    return kinds


def write(ctx: PackContext) -> None:
    """Fill the Projection sheet and record its table for the risk share and summary.

    Rows run year by year (every scheme of every arrangement for the first
    year, then the next), each year starting a printed page; the year, the
    arrangement, the scheme id and name are repeated at the left of every
    page, and the months print April to September, then October to March.
    """
    agreement = ctx.agreement
    partners = agreement.partner_ids
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    through = actual_through(ctx.scenario)
    title(ws, f"Projection - {agreement.title}",
          f"Scenario: {ctx.scenario.label}. Spend by scheme and month (actuals where given, forecast after); "
          f"variance is outturn less budget, positive an overspend.{_actuals_note(ctx, through)}")
    headings = [YEAR, SCHEME, NAME, *MONTH_NAMES, OUTTURN, BUDGET, VARIANCE, OVERSPEND, ARRANGEMENT, TYPE]
    for kind in share_kinds(list(agreement.arrangements)):
        headings += [share_heading(kind, p) for p in partners]
    columns = header(ws, HEADER_ROW, 1, headings)
    row = HEADER_ROW
    for y_index, year in enumerate(agreement.years):
        if y_index and row > HEADER_ROW:
            ws.row_breaks.append(Break(id=row))
        if year in through:
            row += 1
            _mark_actual_months(sheet, columns, row, year, through[year])
        first = row + 1
        for arrangement in agreement.arrangements:
            row = _write_arrangement(ctx, sheet, columns, arrangement, y_index, row)
        row += 1
        _write_year_total(ctx, sheet, columns, row, year, first)
    last_row = max(row, HEADER_ROW + 1)
    add_table(ws, "Projection", HEADER_ROW, row, 1, len(headings))
    ctx.tables["projection"] = Table(SHEET, HEADER_ROW + 1, last_row, columns)
    widths = {columns[h]: 12 for h in headings}
    widths.update({columns[YEAR]: 8, columns[ARRANGEMENT]: 14, columns[SCHEME]: 8, columns[NAME]: 22,
                   columns[TYPE]: 24})
    widths.update({columns[share_heading("%", p)]: 9 for p in partners})
    styles.set_widths(ws, widths)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=columns[NAME] + 1)
    ctx.column_groups[SHEET] = print_groups(columns, partners, share_kinds(list(agreement.arrangements)))
    styles.print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}", title_cols=f"A:{get_column_letter(columns[NAME])}",
                       scale=80)


def print_groups(columns: dict[str, int], partners: list[str], kinds: list[str]) -> list[tuple[int, int]]:
    """The column groups each printed page across holds whole (as many as fit, after the title columns).

    April to September; October to March; the outturn, budget, variance and
    overspend; the arrangement and scheme type; then each kind of partner
    share (% of each partner, then Budget, Spend or Overspend by partner), so
    no page holds a stray partner's column cut from its group.
    """
    groups = [(columns[MONTH_NAMES[0]], columns[MONTH_NAMES[5]]), (columns[MONTH_NAMES[6]], columns[MONTH_NAMES[-1]]),
              (columns[OUTTURN], columns[OVERSPEND]), (columns[ARRANGEMENT], columns[TYPE])]
    groups += [(columns[share_heading(kind, partners[0])], columns[share_heading(kind, partners[-1])])
               for kind in kinds]
    return groups


def actual_through(scenario: Scenario) -> dict[str, int]:
    """For each year the scenario has actuals in, its last actual month (0 = April)."""
    through: dict[str, int] = {}
    for actual in scenario.actuals:
        through[actual.year] = max(through.get(actual.year, -1), parse_month(actual.to_month)[1])
    return through


def _actuals_note(ctx: PackContext, through: dict[str, int]) -> str:
    """The title note's words on actuals: which year's months are actual, and the schemes with none."""
    words = []
    for year, last in sorted(through.items()):
        listed = {scheme for a in ctx.scenario.actuals if a.year == year for scheme in a.schemes}
        schemes = [s.id for a in ctx.agreement.arrangements for s in a.schemes]
        none = [s for s in schemes if s not in listed]
        words.append(f" {year}: actual April to {month_label(year, last)}, marked above its rows"
                     + (f"; {plural(len(none), 'scheme')} with no ledger actuals {'is' if len(none) == 1 else 'are'} "
                        "at the plan profile in every month" if none else "") + ".")
    return "".join(words)


def _mark_actual_months(sheet: Sheet, columns: dict[str, int], row: int, year: str, through: int) -> None:
    """The marker row opening a year with actuals: "Actual" over each actual month, "Forecast" after.

    Its label says whether the year's outturn is all actual ("2025-26: outturn,
    all 12 months actual") or still part forecast ("2025-26: actual to Sep
    2025"). The outturn and every other money column are left empty: the risk
    share multiplies them (SUMPRODUCT), and a word there would be an error.
    """
    whole = through == len(MONTH_NAMES) - 1
    label = f"{year}: outturn, all 12 months actual" if whole else f"{year}: actual to {month_label(year, through)}"
    sheet.text(row, columns[NAME], label, font=styles.BOLD, wrap=True)
    sheet.ws.row_dimensions[row].height = 30  # two lines: the label is wider than the name column
    for index, month in enumerate(MONTH_NAMES):
        sheet.text(row, columns[month], "Actual" if index <= through else "Forecast", font=styles.BOLD)


def _has_commissioner_layer(arrangement: Arrangement) -> bool:
    """Whether the arrangement's risk share makes commissioners bear their own schemes' overspends."""
    return isinstance(arrangement, FundedArrangement) and any(
        isinstance(layer, CommissionerLayer) for layer in arrangement.effective_risk_share()
    )


def _write_arrangement(ctx: PackContext, sheet: Sheet, columns: dict[str, int], arrangement: Arrangement,
                       y_index: int, row: int) -> int:
    """Write one row per scheme of an arrangement for one year after ``row``; return the last row written."""
    year = ctx.agreement.years[y_index]
    partners = ctx.agreement.partner_ids
    aligned = isinstance(arrangement, AlignedBudget)
    commissioner_layer = _has_commissioner_layer(arrangement)
    spend = ctx.result.monthly_spend[arrangement.id][0]  # (years, schemes, 12), path 0
    for s_index, scheme in enumerate(arrangement.schemes):
        split = scheme.commissioner_split()
        weights = [percent_weight(split.get(p, Decimal(0))) for p in partners]
        row += 1
        months = [int(v) for v in spend[y_index, s_index]]
        outturn = sum(months)
        budget = scheme.budget.get(year, 0)
        _write_figures(ctx, sheet, columns, row, arrangement.id, scheme, year, months)
        for partner in partners:
            pct = split.get(partner)
            if pct is not None:
                sheet.value(row, columns[share_heading("%", partner)], float(pct), styles.PERCENT,
                            input_cell=True, field=Fixed("commissioner share"))
        parts: dict[str, tuple[str, list[int]]] = {}
        if aligned:
            parts["Budget"] = (BUDGET, allocate(budget, weights))
            parts["Spend"] = (OUTTURN, allocate(abs(outturn), weights))
            if outturn < 0:
                parts["Spend"] = (OUTTURN, [-v for v in parts["Spend"][1]])
        if commissioner_layer:
            parts["Overspend"] = (OVERSPEND, allocate(max(outturn - budget, 0), weights))
        _write_partner_shares(sheet, columns, row, partners, parts)
    return row


def _write_figures(ctx: PackContext, sheet: Sheet, columns: dict[str, int], row: int, arrangement_id: str,
                   scheme: Scheme, year: str, months: list[int]) -> None:
    """A scheme-year's names, monthly spend, and outturn, budget, variance and overspend formulas."""
    outturn = sum(months)
    budget = scheme.budget.get(year, 0)
    sheet.value(row, columns[ARRANGEMENT], arrangement_id)
    sheet.value(row, columns[SCHEME], scheme.id)
    sheet.value(row, columns[NAME], scheme.name)
    sheet.value(row, columns[TYPE], scheme.scheme_type.label)
    sheet.value(row, columns[YEAR], year)
    a_index, s_index = ctx.scheme_index(arrangement_id, scheme.id)
    phasing = Fixed("projected spend", arrangement_path(a_index, "schemes", s_index, "phasing"))
    for m_index, month in enumerate(MONTH_NAMES):
        sheet.money(row, columns[month], months[m_index], input_cell=True, field=phasing)
    first, last = ref(columns[MONTH_NAMES[0]], row), ref(columns[MONTH_NAMES[-1]], row)
    sheet.money_formula(row, columns[OUTTURN], f"SUM({first}:{last})", outturn)
    plan = ctx.tables["plan"]
    plan_cell = ref(plan.columns[layout.expenditure_header(year)], ctx.plan_rows[(arrangement_id, scheme.id)],
                    sheet=layout.SHEET_PLAN)
    sheet.money_formula(row, columns[BUDGET], f"N({plan_cell})", budget)
    sheet.money_formula(row, columns[VARIANCE],
                        f"{ref(columns[OUTTURN], row)}-{ref(columns[BUDGET], row)}", outturn - budget)
    overspend = max(outturn - budget, 0)
    sheet.money_formula(row, columns[OVERSPEND], f"MAX({ref(columns[VARIANCE], row)},0)", overspend)


def _write_partner_shares(sheet: Sheet, columns: dict[str, int], row: int, partners: list[str],
                          parts: dict[str, tuple[str, list[int]]]) -> None:
    """Each partner's share of the budget, spend or overspend, as a formula splitting the row's amount by its %."""
    weights_range = (f"{ref(columns[share_heading('%', partners[0])], row, absolute=True)}:"
                     f"{ref(columns[share_heading('%', partners[-1])], row, absolute=True)}")
    for kind, (source_heading, shares) in parts.items():
        amount = ref(columns[source_heading], row, absolute=True)
        for p_index, partner in enumerate(partners):
            weight = ref(columns[share_heading("%", partner)], row)
            sheet.money_formula(row, columns[share_heading(kind, partner)],
                                split_formula(amount, weights_range, weight), shares[p_index])


def _write_year_total(ctx: PackContext, sheet: Sheet, columns: dict[str, int], row: int, year: str,
                      first: int) -> None:
    """A year's total under its rows: the months, outturn, budget and variance of that year only.

    The Year cell is left empty so the other sheets' sums by year never count
    the total as one more scheme.
    """
    sheet.text(row, columns[NAME], f"Total {year}", font=styles.BOLD)
    y_index = ctx.agreement.years.index(year)
    for heading in (*MONTH_NAMES, OUTTURN, BUDGET, VARIANCE):
        col = columns[heading]
        cell = sheet.money_formula(row, col, f"SUM({col_range(col, first, row - 1)})", _total(ctx, heading, y_index))
        cell.border = styles.TOP_LINE  # not bold: the months' columns stay narrow enough to print six to a page


def _total(ctx: PackContext, heading: str, y_index: int) -> int:
    """The engine's total of a column over every scheme in one year."""
    year = ctx.agreement.years[y_index]
    total = 0
    for arrangement in ctx.agreement.arrangements:
        spend = ctx.result.monthly_spend[arrangement.id][0, y_index]  # (schemes, 12)
        budget = sum(s.budget.get(year, 0) for s in arrangement.schemes)
        if heading in MONTH_NAMES:
            total += int(spend[:, MONTH_NAMES.index(heading)].sum())
        elif heading == OUTTURN:
            total += int(spend.sum())
        elif heading == BUDGET:
            total += budget
        else:
            total += int(spend.sum()) - budget
    return total
