"""Risk share: the year-end waterfall, layer by layer, as live formulas.

For each funded arrangement the sheet starts with its inputs (yellow): each
layer's limit, fixed percentages, band and pro-rata partners, the caps on
each partner's share, and the underspend rules' caps. Then one block per
year: money in (summed from Contributions), spend (summed from Projection),
the variance, the overspend passed down the layers (each split by largest
remainder in whole pence, a capped partner's excess re-shared among the
others in rounds, as the engine does), what is left unfunded, the underspend
rules, the carry-forward into next year, and every partner's net cost.
Changing any input cell recomputes every partner's share.

Aligned budgets get a short block: each partner's budget and spend on the
schemes it commissions, and its own variance.

Every formula's expected figure comes from the engine (shares, unfunded,
carried forward, net cost) or from an exact integer mirror of the same steps
(the intermediate rows), so the tests can check every cell to the penny.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pooledfund.agreements import AlignedBudget, FundedArrangement
from pooledfund.core.money import allocate
from pooledfund.core.types import percent_weight
from pooledfund.engine.results import ArrangementYear
from pooledfund.io.excel import styles
from pooledfund.io.excel.cells import (
    Expected,
    Sheet,
    col_range,
    define_name,
    formula_text,
    money,
    number,
    ref,
    safe_name,
    split_formula,
    sum_where,
)
from pooledfund.io.excel.context import PackContext
from pooledfund.io.excel.sheet_contributions import ARRANGEMENT as C_ARR
from pooledfund.io.excel.sheet_contributions import CASH as C_CASH
from pooledfund.io.excel.sheet_contributions import IN_KIND as C_IN_KIND
from pooledfund.io.excel.sheet_contributions import PARTNER as C_PARTNER
from pooledfund.io.excel.sheet_contributions import YEAR as C_YEAR
from pooledfund.io.excel.sheet_projection import ARRANGEMENT as P_ARR
from pooledfund.io.excel.sheet_projection import OUTTURN as P_OUTTURN
from pooledfund.io.excel.sheet_projection import YEAR as P_YEAR
from pooledfund.io.excel.sheet_projection import share_heading
from pooledfund.io.excel.tables import title
from pooledfund.model.records import (
    BandLayer,
    CapLayer,
    CarryForwardRule,
    CommissionerLayer,
    FixedSplitLayer,
    ProportionalLayer,
    ReinvestRule,
    RetainByHostRule,
    ReturnFixedSplitRule,
    ReturnProportionalRule,
)

SHEET = "Risk share"
FIRST_PARTNER_COL = 3
NO_CAP = styles.NO_CAP_POUNDS * 100


@dataclass
class Inputs:
    """Where one arrangement's risk-share inputs sit on the sheet."""

    limits: dict[int, str] = field(default_factory=dict)  # layer/rule index -> defined name
    partner_rows: dict[int, int] = field(default_factory=dict)  # layer/rule index -> row of per-partner inputs
    basis: dict[int, str] = field(default_factory=dict)  # index -> defined name of "total"/"cash"
    cap_row: int = 0
    host_row: int = 0
    rule_limits: dict[int, str] = field(default_factory=dict)
    rule_rows: dict[int, int] = field(default_factory=dict)
    rule_basis: dict[int, str] = field(default_factory=dict)


class Writer:
    """Rows of one arrangement: a label in A, the pool figure in B, one column per partner."""

    def __init__(self, ctx: PackContext, sheet: Sheet, row: int) -> None:
        self.ctx = ctx
        self.sheet = sheet
        self.row = row
        self.partners = ctx.agreement.partner_ids
        self.last_col = FIRST_PARTNER_COL + len(self.partners) - 1

    def pcol(self, index: int) -> int:
        return FIRST_PARTNER_COL + index

    def prange(self, row: int) -> str:
        return f"{ref(FIRST_PARTNER_COL, row, absolute=True)}:{ref(self.last_col, row, absolute=True)}"

    def cell(self, col: int, row: int | None = None) -> str:
        return ref(col, self.row if row is None else row)

    def next(self, label: str, note: str = "", *, helper: bool = False, bold: bool = False) -> int:
        self.row += 1
        self.sheet.text(self.row, 1, label, font=styles.BOLD if bold else None)
        if note:
            self.sheet.text(self.row, self.last_col + 1, note, font=styles.NOTE_FONT, wrap=True)
            lines = -(-len(note) // 62)  # the note column holds about 62 small characters a line
            if lines > 1:
                self.sheet.ws.row_dimensions[self.row].height = 12.5 * lines
        if helper:
            self.sheet.ws.row_dimensions[self.row].outlineLevel = 1
        return self.row

    def pool(self, formula: str, expected: Expected, fmt: str = styles.GBP) -> None:
        self.sheet.formula(self.row, 2, formula, expected, fmt)

    def each(self, formulas: list[str], expected: list[Expected], fmt: str = styles.GBP) -> None:
        for index, (formula, value) in enumerate(zip(formulas, expected)):
            self.sheet.formula(self.row, self.pcol(index), formula, value, fmt)

    def pool_sum(self, pence: int) -> None:
        self.pool(f"SUM({self.prange(self.row)})", money(pence))


def write(ctx: PackContext) -> None:
    """Fill the Risk share sheet."""
    agreement = ctx.agreement
    sheet = ctx.sheet(SHEET)
    ws = sheet.ws
    title(ws, f"Risk share - {agreement.title}",
          f"Scenario: {ctx.scenario.label}. Yellow cells are the agreement's risk-share inputs: change one and every "
          "partner's share recomputes. Money in pounds; variance is spend less money in (positive is an overspend).")
    writer = Writer(ctx, sheet, 3)
    for arrangement in agreement.arrangements:
        writer.row += 1
        if isinstance(arrangement, FundedArrangement):
            inputs = _write_inputs(writer, arrangement)
            carried = ""
            for year in agreement.years:
                carried = _write_funded_year(writer, arrangement, inputs, year, carried)
        else:
            assert isinstance(arrangement, AlignedBudget)
            for year in agreement.years:
                _write_aligned_year(writer, arrangement, year)
        writer.row += 1
    widths = {1: 58, 2: 17}
    widths.update({writer.pcol(i): 17 for i in range(len(writer.partners))})
    widths[writer.last_col + 1] = 50
    styles.set_widths(ws, widths)
    ws.freeze_panes = "B4"
    ws.sheet_properties.outlinePr.summaryBelow = False
    styles.print_setup(ws, "1:3")
    sheet.text(3, 1, "Line", font=styles.BOLD)
    sheet.text(3, 2, "Pool", font=styles.BOLD)
    for index, partner in enumerate(agreement.partners):
        sheet.text(3, writer.pcol(index), partner.name, font=styles.BOLD, wrap=True)
    sheet.text(3, writer.last_col + 1, "Note", font=styles.BOLD)
    styles.style_header_row(ws, 3, 1, writer.last_col + 1)
    ws.row_dimensions[3].height = 45


def _section(writer: Writer, text: str) -> None:
    row = writer.next(text)
    cell = writer.sheet.ws.cell(row=row, column=1)
    cell.font = styles.SUBTITLE_FONT
    for col in range(1, writer.last_col + 2):
        writer.sheet.ws.cell(row=row, column=col).fill = styles.SECTION_FILL


def _limit_input(writer: Writer, arrangement: FundedArrangement, key: str, pence: int | None) -> str:
    """An optional limit in B (blank: no limit) with a defined name; returns the name."""
    writer.sheet.money(writer.row, 2, pence, input_cell=True)
    name = safe_name(arrangement.id, key)
    define_name(writer.ctx.workbook, name, SHEET, 2, writer.row)
    return name


def _write_inputs(writer: Writer, arrangement: FundedArrangement) -> Inputs:
    agreement = writer.ctx.agreement
    host = arrangement.host(agreement.host_partner)
    layers = arrangement.effective_risk_share(agreement.host_partner)
    rules = arrangement.effective_underspend()
    inputs = Inputs()
    sheet = writer.sheet
    _section(writer, f"{arrangement.name}: risk-share inputs")
    writer.next("Host (holds the money; keeps an underspend nobody else can take)")
    inputs.host_row = writer.row
    for index, partner in enumerate(writer.partners):
        sheet.value(writer.row, writer.pcol(index), 1 if partner == host else 0, styles.COUNT)
    for index, layer in enumerate(layers, start=1):
        note = layer.note
        if isinstance(layer, CapLayer):
            continue
        if isinstance(layer, CommissionerLayer):
            writer.next(f"Layer {index}: commissioners of the overspending schemes - limit (blank: none)", note)
        elif isinstance(layer, BandLayer):
            writer.next(f"Layer {index}: a band for one partner (1 in its column) - limit", note)
            for p_index, partner in enumerate(writer.partners):
                sheet.value(writer.row, writer.pcol(p_index), 1 if partner == layer.partner else 0, styles.COUNT,
                            input_cell=True)
        elif isinstance(layer, FixedSplitLayer):
            writer.next(f"Layer {index}: fixed percentages - limit (blank: none)", note)
            for p_index, partner in enumerate(writer.partners):
                sheet.value(writer.row, writer.pcol(p_index), float(layer.shares.get(partner, 0)), styles.PERCENT,
                            input_cell=True)
        else:
            assert isinstance(layer, ProportionalLayer)
            writer.next(f"Layer {index}: pro rata to contributions (1: partner shares) - limit (blank: none)", note)
            for p_index, partner in enumerate(writer.partners):
                flag = 1 if not layer.partners or partner in layer.partners else 0
                sheet.value(writer.row, writer.pcol(p_index), flag, styles.COUNT, input_cell=True)
        inputs.partner_rows[index] = writer.row
        inputs.limits[index] = _limit_input(writer, arrangement, f"layer{index}_limit", getattr(layer, "limit", None))
        if isinstance(layer, ProportionalLayer):
            writer.next(f"Layer {index}: contributions counted (total: cash and in kind; or cash)")
            sheet.value(writer.row, 2, layer.basis, input_cell=True)
            inputs.basis[index] = safe_name(arrangement.id, f"layer{index}_basis")
            define_name(writer.ctx.workbook, inputs.basis[index], SHEET, 2, writer.row)
    caps = {layer.partner: layer for layer in layers if isinstance(layer, CapLayer)}
    writer.next("Cap on each partner's overspend share for the year (pounds, 'contribution', blank: none)",
                "; ".join(layer.note for layer in caps.values() if layer.note))
    inputs.cap_row = writer.row
    for p_index, partner in enumerate(writer.partners):
        cell_col = writer.pcol(p_index)
        if partner in caps:
            cap = caps[partner].cap
            if cap == "contribution":
                sheet.value(writer.row, cell_col, "contribution", input_cell=True)
            else:
                sheet.money(writer.row, cell_col, int(cap), input_cell=True)
            define_name(writer.ctx.workbook, safe_name(arrangement.id, "cap", partner), SHEET, cell_col, writer.row)
        else:
            sheet.value(writer.row, cell_col, None, input_cell=True)
    for index, rule in enumerate(rules, start=1):
        note = rule.note
        if isinstance(rule, CarryForwardRule):
            writer.next(f"Underspend rule {index}: carry forward to next year's risk pool - cap (blank: none)", note)
            limit = rule.cap
        elif isinstance(rule, ReinvestRule):
            writer.next(f"Underspend rule {index}: reinvest in scheme {rule.scheme} - cap (blank: none)", note)
            limit = rule.cap
        elif isinstance(rule, ReturnFixedSplitRule):
            writer.next(f"Underspend rule {index}: return by fixed percentages - limit (blank: none)", note)
            for p_index, partner in enumerate(writer.partners):
                sheet.value(writer.row, writer.pcol(p_index), float(rule.shares.get(partner, 0)), styles.PERCENT,
                            input_cell=True)
            limit = rule.limit
        elif isinstance(rule, ReturnProportionalRule):
            writer.next(f"Underspend rule {index}: return pro rata to contributions - limit (blank: none)", note)
            limit = rule.limit
        else:
            assert isinstance(rule, RetainByHostRule)
            writer.next(f"Underspend rule {index}: the host keeps it - limit (blank: none)", note)
            limit = rule.limit
        inputs.rule_rows[index] = writer.row
        inputs.rule_limits[index] = _limit_input(writer, arrangement, f"rule{index}_limit", limit)
        if isinstance(rule, ReturnProportionalRule):
            writer.next(f"Underspend rule {index}: contributions counted (total or cash)")
            sheet.value(writer.row, 2, rule.basis, input_cell=True)
            inputs.rule_basis[index] = safe_name(arrangement.id, f"rule{index}_basis")
            define_name(writer.ctx.workbook, inputs.rule_basis[index], SHEET, 2, writer.row)
    return inputs


def _row_of(ctx: PackContext, arrangement_id: str, year: str) -> ArrangementYear:
    return next(r for r in ctx.result.for_year(year) if r.arrangement_id == arrangement_id)


def _contribution_rows(writer: Writer, arrangement_id: str, year: str, row: ArrangementYear) -> tuple[int, int, int]:
    """Cash, in kind and total rows; returns their row numbers."""
    table = writer.ctx.tables["contributions"]

    def span(heading: str) -> str:
        return col_range(table.columns[heading], table.first, table.last, table.sheet)

    rows = []
    for label, heading, values in (("Cash contributions (after the scenario)", C_CASH, row.cash),
                                   ("In kind (seconded staff, premises)", C_IN_KIND, row.in_kind)):
        writer.next(label)
        writer.each(
            [sum_where(span(heading), [(span(C_ARR), arrangement_id), (span(C_YEAR), year), (span(C_PARTNER), p)])
             for p in writer.partners],
            [money(v) for v in values])
        writer.pool_sum(int(values.sum()))
        rows.append(writer.row)
    writer.next("Total contributions", bold=True)
    writer.each([f"{writer.cell(writer.pcol(i), rows[0])}+{writer.cell(writer.pcol(i), rows[1])}"
                 for i in range(len(writer.partners))], [money(v) for v in row.cash + row.in_kind])
    writer.pool_sum(int((row.cash + row.in_kind).sum()))
    return rows[0], rows[1], writer.row


def _spend_formula(writer: Writer, arrangement_id: str, year: str, heading: str = P_OUTTURN) -> str:
    table = writer.ctx.tables["projection"]

    def span(name: str) -> str:
        return col_range(table.columns[name], table.first, table.last, table.sheet)

    return sum_where(span(heading), [(span(P_ARR), arrangement_id), (span(P_YEAR), year)])


def _write_aligned_year(writer: Writer, arrangement: AlignedBudget, year: str) -> None:
    ctx = writer.ctx
    row = _row_of(ctx, arrangement.id, year)
    _section(writer, f"{arrangement.name}: {year} (aligned budget: each partner keeps its own variance)")
    budget_row = writer.next("Budget of the schemes each partner commissions (joint schemes by split)")
    writer.each([_spend_formula(writer, arrangement.id, year, share_heading("Budget", p)) for p in writer.partners],
                [money(v) for v in row.cash])
    writer.pool_sum(int(row.cash.sum()))
    spend = row.cash + row.overspend_shares[0] - row.underspend_returns[0]
    spend_row = writer.next("Spend (forecast outturn) on those schemes")
    writer.each([_spend_formula(writer, arrangement.id, year, share_heading("Spend", p)) for p in writer.partners],
                [money(v) for v in spend])
    writer.pool_sum(int(row.spend[0]))
    variance_row = writer.next("Variance (spend less budget)")
    n = len(writer.partners)
    writer.each([f"{writer.cell(writer.pcol(i), spend_row)}-{writer.cell(writer.pcol(i), budget_row)}"
                 for i in range(n)], [money(v) for v in spend - row.cash])
    writer.pool_sum(int((spend - row.cash).sum()))
    over_row = writer.next("Overspend borne (own variance)")
    writer.each([f"MAX({writer.cell(writer.pcol(i), variance_row)},0)" for i in range(n)],
                [money(v) for v in row.overspend_shares[0]])
    writer.pool_sum(int(row.overspend_shares[0].sum()))
    under_row = writer.next("Underspend kept (own variance)")
    writer.each([f"MAX(-{writer.cell(writer.pcol(i), variance_row)},0)" for i in range(n)],
                [money(v) for v in row.underspend_returns[0]])
    writer.pool_sum(int(row.underspend_returns[0].sum()))
    net_row = writer.next("Net cost", bold=True)
    writer.each([f"{writer.cell(writer.pcol(i), budget_row)}+{writer.cell(writer.pcol(i), over_row)}"
                 f"-{writer.cell(writer.pcol(i), under_row)}" for i in range(n)],
                [money(v) for v in row.net_cost[0]])
    writer.pool_sum(int(row.net_cost[0].sum()))
    _record(ctx, arrangement.id, year, writer, cash=budget_row, in_kind=None, over=over_row, under=under_row,
            net=net_row)
    ctx.positions[(arrangement.id, year, "pool")] = {"budget": (2, budget_row), "spend": (2, spend_row)}


def _record(ctx: PackContext, arrangement_id: str, year: str, writer: Writer, *, cash: int, in_kind: int | None,
            over: int, under: int, net: int) -> None:
    for line, line_row in (("cash", cash), ("in_kind", in_kind), ("overspend", over), ("underspend", under),
                           ("net", net)):
        if line_row is None:
            continue
        ctx.positions[(arrangement_id, year, line)] = {
            p: (writer.pcol(i), line_row) for i, p in enumerate(writer.partners)}


def _cap_formula(writer: Writer, inputs: Inputs, index: int, total_row: int) -> str:
    cap = ref(writer.pcol(index), inputs.cap_row, absolute=True)
    total = writer.cell(writer.pcol(index), total_row)
    return f"IF(ISNUMBER({cap}),{cap},IF({cap}={formula_text('contribution')},{total},{styles.NO_CAP_POUNDS}))"


def _write_funded_year(writer: Writer, arrangement: FundedArrangement, inputs: Inputs, year: str, carried: str) -> str:
    """One year's waterfall; returns the cell holding what is carried into next year."""
    ctx = writer.ctx
    agreement = ctx.agreement
    row = _row_of(ctx, arrangement.id, year)
    partners = writer.partners
    n = len(partners)
    _section(writer, f"{arrangement.name}: {year}")
    cash_row, in_kind_row, total_row = _contribution_rows(writer, arrangement.id, year, row)
    writer.next("Brought forward from last year (risk pool)")
    if carried:
        writer.pool(carried, money(int(row.brought_forward[0])))
    else:
        writer.sheet.money(writer.row, 2, int(row.brought_forward[0]))
    bf_row = writer.row
    budget_row = writer.next("Money in: contributions and brought forward", bold=True)
    writer.pool(f"{writer.cell(2, total_row)}+{writer.cell(2, bf_row)}", money(int(row.budget[0])))
    spend_row = writer.next("Spend (forecast outturn, from Projection)", bold=True)
    writer.pool(_spend_formula(writer, arrangement.id, year), money(int(row.spend[0])))
    variance_row = writer.next("Variance (spend less money in; positive is an overspend)", bold=True)
    writer.pool(f"{writer.cell(2, spend_row)}-{writer.cell(2, budget_row)}", money(int(row.variance[0])))
    writer.next("Risk pool (contingency) held in the money in", "Information: already in the contributions above")
    writer.sheet.money(writer.row, 2, row.contingency)
    over_row = writer.next("Overspend to share")
    overspend = max(int(row.variance[0]), 0)
    writer.pool(f"MAX({writer.cell(2, variance_row)},0)", money(overspend))
    under_row = writer.next("Underspend to deal with")
    underspend = max(-int(row.variance[0]), 0)
    writer.pool(f"MAX(-{writer.cell(2, variance_row)},0)", money(underspend))

    contributions_total = [int(v) for v in row.cash + row.in_kind]
    contributions_cash = [int(v) for v in row.cash]
    host_flags = [1 if p == row.host else 0 for p in partners]
    # --- overspend waterfall -------------------------------------------------------------
    layers = arrangement.effective_risk_share(agreement.host_partner)
    caps = {layer.partner: layer.cap for layer in layers if isinstance(layer, CapLayer)}
    room_total = []
    for p_index, partner in enumerate(partners):
        cap = caps.get(partner)
        room_total.append(NO_CAP if cap is None else contributions_total[p_index] if cap == "contribution" else int(cap))
    rounds = min(n + 1, len(caps) + 1)
    shares_so_far = [0] * n
    taken_rows: list[int] = []
    available = overspend
    available_cell = writer.cell(2, over_row)
    steps = [s for s in (row.overspend.steps if row.overspend else [])]
    for index, layer in enumerate(layers, start=1):
        if isinstance(layer, CapLayer):
            continue
        writer.next(f"Layer {index}: {_layer_words(layer)}", layer.note, bold=True)
        avail_row = writer.next("  available to share", helper=True)
        writer.pool(available_cell, money(available))
        limit = getattr(layer, "limit", None)
        target = available if limit is None else min(available, int(limit))
        slice_row = writer.next("  this layer's slice (up to its limit)", helper=True)
        name = inputs.limits[index]
        writer.pool(f"IF(ISNUMBER({name}),MIN({writer.cell(2, avail_row)},{name}),{writer.cell(2, avail_row)})",
                    money(target))
        weights, weight_formulas, weight_expect, fmt = _layer_weights(writer, arrangement, inputs, index, layer, year,
                                                                      row, total_row, cash_row)
        weight_row = writer.next("  weights", helper=True)
        writer.each(weight_formulas, weight_expect, fmt)
        room = [room_total[i] - shares_so_far[i] for i in range(n)]
        room_row = writer.next("  room under each partner's cap", helper=True)
        writer.each(
            [f"ROUND({_cap_formula(writer, inputs, i, total_row)}"
             + "".join(f"-{writer.cell(writer.pcol(i), r)}" for r in taken_rows) + ",2)" for i in range(n)],
            [money(v) for v in room], styles.ROOM)
        room_left, room_left_row = room[:], room_row
        round_taken_rows: list[int] = []
        split_rows: list[int] = []
        taken_total = [0] * n
        excess = 0
        for round_number in range(1, rounds + 1):
            if round_number > 1:
                room_left_row = writer.next(f"  round {round_number}: room left", helper=True)
                writer.each([f"ROUND({writer.cell(writer.pcol(i), room_row)}"
                             + "".join(f"-{writer.cell(writer.pcol(i), r)}" for r in round_taken_rows) + ",2)"
                             for i in range(n)], [money(v) for v in room_left], styles.ROOM)
            active = [weights[i] if room_left[i] > 0 else 0 for i in range(n)]
            active_row = writer.next(f"  round {round_number}: weights of partners with room", helper=True)
            writer.each([f"{writer.cell(writer.pcol(i), weight_row)}*({writer.cell(writer.pcol(i), room_left_row)}>0)"
                         for i in range(n)],
                        [_masked(weight_expect[i], active[i] > 0) for i in range(n)], fmt)
            share_row = writer.next(f"  round {round_number}: to share", helper=True)
            if round_number == 1:
                to_share = target if sum(active) > 0 else 0
                writer.pool(f"IF(SUM({writer.prange(active_row)})>0,{writer.cell(2, slice_row)},0)", money(to_share))
            else:
                to_share = excess if sum(active) > 0 else 0
                writer.pool(f"IF(SUM({writer.prange(active_row)})>0,ROUND(SUM({writer.prange(split_rows[-1])})"
                            f"-SUM({writer.prange(round_taken_rows[-1])}),2),0)", money(to_share))
            split = allocate(to_share, active) if sum(active) > 0 else [0] * n
            split_row = writer.next(f"  round {round_number}: split (largest remainder, whole pence)", helper=True)
            writer.each([split_formula(ref(2, share_row, absolute=True), writer.prange(active_row),
                                       writer.cell(writer.pcol(i), active_row)) for i in range(n)],
                        [money(v) for v in split])
            taken = [min(split[i], room_left[i]) for i in range(n)]
            taken_row = writer.next(f"  round {round_number}: taken (no one past their cap)", helper=True)
            writer.each([f"MIN({writer.cell(writer.pcol(i), split_row)},{writer.cell(writer.pcol(i), room_left_row)})"
                         for i in range(n)], [money(v) for v in taken])
            excess = sum(split) - sum(taken)
            room_left = [room_left[i] - taken[i] for i in range(n)]
            taken_total = [taken_total[i] + taken[i] for i in range(n)]
            split_rows.append(split_row)
            round_taken_rows.append(taken_row)
        layer_row = writer.next(f"  Layer {index}: taken by each partner")
        step = steps.pop(0) if steps else None
        layer_taken = [int(v) for v in step.taken[0]] if step is not None else taken_total
        writer.each(["+".join(writer.cell(writer.pcol(i), r) for r in round_taken_rows) for i in range(n)],
                    [money(v) for v in layer_taken])
        writer.pool_sum(sum(layer_taken))
        writer.next("  passed on to the next layer")
        writer.pool(f"ROUND({writer.cell(2, slice_row)}-{writer.cell(2, layer_row)},2)",
                    money(target - sum(layer_taken)))
        taken_rows.append(layer_row)
        shares_so_far = [shares_so_far[i] + layer_taken[i] for i in range(n)]
        available -= sum(layer_taken)
        available_cell = f"ROUND({writer.cell(2, avail_row)}-{writer.cell(2, layer_row)},2)"
    shares_row = writer.next("Overspend shares", bold=True)
    if taken_rows:
        writer.each(["+".join(writer.cell(writer.pcol(i), r) for r in taken_rows) for i in range(n)],
                    [money(v) for v in row.overspend_shares[0]])
    else:
        writer.each(["0"] * n, [money(0)] * n)
    writer.pool_sum(int(row.overspend_shares[0].sum()))
    unfunded_row = writer.next("Unfunded: left for the Health and Wellbeing Board", bold=True)
    writer.pool(f"ROUND({writer.cell(2, over_row)}-{writer.cell(2, shares_row)},2)", money(int(row.unfunded[0])))

    # --- underspend rules ------------------------------------------------------------
    rules = arrangement.effective_underspend()
    available = underspend
    available_cell = writer.cell(2, under_row)
    return_rows: list[int] = []
    carried_cells: list[str] = []
    reinvested_cells: list[str] = []
    for index, rule in enumerate([*rules, None], start=1):
        default = rule is None
        writer.next("What the rules leave: returned pro rata to contributions" if default
                    else f"Underspend rule {index}: {_rule_words(rule)}", "" if default else rule.note, bold=True)
        avail_row = writer.next("  available", helper=True)
        writer.pool(available_cell, money(available))
        if default:
            limit_pence = None
            slice_cell = writer.cell(2, avail_row)
            slice_cell_abs = ref(2, avail_row, absolute=True)
            target = available
        else:
            limit_pence = rule.cap if isinstance(rule, (CarryForwardRule, ReinvestRule)) else rule.limit
            target = available if limit_pence is None else min(available, int(limit_pence))
            writer.next("  this rule's slice (up to its cap or limit)", helper=True)
            name = inputs.rule_limits[index]
            writer.pool(f"IF(ISNUMBER({name}),MIN({writer.cell(2, avail_row)},{name}),{writer.cell(2, avail_row)})",
                        money(target))
            slice_cell = writer.cell(2, writer.row)
            slice_cell_abs = ref(2, writer.row, absolute=True)
        if isinstance(rule, CarryForwardRule):
            writer.next("  carried forward to next year's risk pool")
            writer.pool(slice_cell, money(target))
            carried_cells.append(writer.cell(2))
        elif isinstance(rule, ReinvestRule):
            writer.next(f"  reinvested in scheme {rule.scheme} (non-recurrent)")
            writer.pool(slice_cell, money(target))
            reinvested_cells.append(writer.cell(2))
        else:
            if default or isinstance(rule, ReturnProportionalRule):
                basis = "total" if default else rule.basis
                basis_cell = formula_text("total") if default else inputs.rule_basis[index]
                values = contributions_cash if basis == "cash" else contributions_total
                formulas = [f"IF({basis_cell}={formula_text('cash')},{writer.cell(writer.pcol(i), cash_row)},"
                            f"{writer.cell(writer.pcol(i), total_row)})" for i in range(n)]
                expect = [money(v) for v in values]
                fmt = styles.GBP
            elif isinstance(rule, ReturnFixedSplitRule):
                values = [percent_weight(rule.shares.get(p, 0)) for p in partners]
                formulas = [ref(writer.pcol(i), inputs.rule_rows[index], absolute=True) for i in range(n)]
                expect = [number(float(rule.shares.get(p, 0))) for p in partners]
                fmt = styles.PERCENT
            else:
                values = host_flags
                formulas = [ref(writer.pcol(i), inputs.host_row, absolute=True) for i in range(n)]
                expect = [number(v) for v in host_flags]
                fmt = styles.COUNT
            weights_row = writer.next("  weights", helper=True)
            writer.each(formulas, expect, fmt)
            used = values if sum(values) > 0 else host_flags
            used_expect = expect if sum(values) > 0 else [number(v) for v in host_flags]
            used_row = writer.next("  weights used (the host if nobody has a weight)", helper=True)
            writer.each([f"IF(SUM({writer.prange(weights_row)})=0,{ref(writer.pcol(i), inputs.host_row, absolute=True)},"
                         f"{writer.cell(writer.pcol(i), weights_row)})" for i in range(n)], used_expect,
                        fmt if sum(values) > 0 else styles.COUNT)
            returned = allocate(target, used)
            writer.next("  returned to each partner")
            writer.each([split_formula(slice_cell_abs, writer.prange(used_row),
                                       writer.cell(writer.pcol(i), used_row)) for i in range(n)],
                        [money(v) for v in returned])
            writer.pool_sum(sum(returned))
            return_rows.append(writer.row)
        available -= target
        available_cell = f"ROUND({writer.cell(2, avail_row)}-{slice_cell},2)"
    returns_row = writer.next("Underspend returned", bold=True)
    writer.each(["+".join(writer.cell(writer.pcol(i), r) for r in return_rows) for i in range(n)],
                [money(v) for v in row.underspend_returns[0]])
    writer.pool_sum(int(row.underspend_returns[0].sum()))
    carried_row = writer.next("Carried forward into next year", bold=True)
    writer.pool("+".join(carried_cells) if carried_cells else "0", money(int(row.carry_forward[0])))
    reinvested_row = writer.next("Reinvested in schemes this year", bold=True)
    writer.pool("+".join(reinvested_cells) if reinvested_cells else "0", money(int(row.reinvested[0].sum())))

    net_row = writer.next("Net cost to each partner (contributions + overspend share - underspend returned)", bold=True)
    writer.each([f"{writer.cell(writer.pcol(i), total_row)}+{writer.cell(writer.pcol(i), shares_row)}"
                 f"-{writer.cell(writer.pcol(i), returns_row)}" for i in range(n)],
                [money(v) for v in row.net_cost[0]])
    writer.pool_sum(int(row.net_cost[0].sum()))
    for col in range(1, writer.last_col + 1):
        writer.sheet.ws.cell(row=net_row, column=col).border = styles.TOP_LINE
    writer.next("Check: net cost = spend + reinvested - brought forward + carried forward - unfunded (must be 0)")
    writer.pool(f"ROUND({writer.cell(2, net_row)}-({writer.cell(2, spend_row)}+{writer.cell(2, reinvested_row)}"
                f"-{writer.cell(2, bf_row)}+{writer.cell(2, carried_row)}-{writer.cell(2, unfunded_row)}),2)", money(0))
    _record(ctx, arrangement.id, year, writer, cash=cash_row, in_kind=in_kind_row, over=shares_row, under=returns_row,
            net=net_row)
    ctx.positions[(arrangement.id, year, "pool")] = {
        "budget": (2, budget_row), "spend": (2, spend_row), "variance": (2, variance_row),
        "unfunded": (2, unfunded_row), "carried": (2, carried_row)}
    return writer.cell(2, carried_row)


def _masked(expected: Expected, keep: bool) -> Expected:
    """A weight, or zero of the same kind for a partner with no room left."""
    return expected if keep else Expected(expected.kind, 0)


def _layer_words(layer: object) -> str:
    if isinstance(layer, CommissionerLayer):
        return "the commissioners of the overspending schemes (joint schemes by their split)"
    if isinstance(layer, BandLayer):
        return f"a band borne by {layer.partner}"
    if isinstance(layer, FixedSplitLayer):
        return "fixed percentages"
    return "pro rata to contributions"


def _rule_words(rule: object) -> str:
    if isinstance(rule, CarryForwardRule):
        return "carry forward"
    if isinstance(rule, ReinvestRule):
        return f"reinvest in {rule.scheme}"
    if isinstance(rule, ReturnFixedSplitRule):
        return "return by fixed percentages"
    if isinstance(rule, ReturnProportionalRule):
        return "return pro rata to contributions"
    return "the host keeps it"


def _layer_weights(
    writer: Writer, arrangement: FundedArrangement, inputs: Inputs, index: int, layer: object, year: str,
    row: ArrangementYear, total_row: int, cash_row: int,
) -> tuple[list[int], list[str], list[Expected], str]:
    """Each partner's weight in a layer: integer weights for the mirror, formulas, expected values, format."""
    partners = writer.partners
    n = len(partners)
    inputs_row = inputs.partner_rows[index]
    if isinstance(layer, CommissionerLayer):
        table = writer.ctx.tables["projection"]
        scheme_over = {}
        weights = [0] * n
        budgets = {s.id: s.budget.get(year, 0) for s in arrangement.schemes}
        for s_index, scheme in enumerate(arrangement.schemes):
            over = max(int(row.scheme_spend[0, s_index]) - budgets[scheme.id], 0)
            scheme_over[scheme.id] = over
            split = scheme.commissioner_split()
            parts = allocate(over, [percent_weight(split.get(p, 0)) for p in partners])
            weights = [weights[i] + parts[i] for i in range(n)]
        del table
        formulas = [_spend_formula(writer, arrangement.id, year, share_heading("Overspend", p)) for p in partners]
        return weights, formulas, [money(v) for v in weights], styles.GBP
    if isinstance(layer, BandLayer):
        weights = [1 if p == layer.partner else 0 for p in partners]
        formulas = [ref(writer.pcol(i), inputs_row, absolute=True) for i in range(n)]
        return weights, formulas, [number(v) for v in weights], styles.COUNT
    if isinstance(layer, FixedSplitLayer):
        weights = [percent_weight(layer.shares.get(p, 0)) for p in partners]
        formulas = [ref(writer.pcol(i), inputs_row, absolute=True) for i in range(n)]
        return weights, formulas, [number(float(layer.shares.get(p, 0))) for p in partners], styles.PERCENT
    assert isinstance(layer, ProportionalLayer)
    base = row.cash if layer.basis == "cash" else row.cash + row.in_kind
    weights = [int(base[i]) if (not layer.partners or p in layer.partners) else 0 for i, p in enumerate(partners)]
    basis = inputs.basis[index]
    formulas = [f"{ref(writer.pcol(i), inputs_row, absolute=True)}*IF({basis}={formula_text('cash')},"
                f"{writer.cell(writer.pcol(i), cash_row)},{writer.cell(writer.pcol(i), total_row)})" for i in range(n)]
    return weights, formulas, [money(v) for v in weights], styles.GBP
