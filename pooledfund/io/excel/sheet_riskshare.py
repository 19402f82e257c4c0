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

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.worksheet.pagebreak import Break

from pooledfund.agreements import AlignedBudget, FundedArrangement
from pooledfund.engine.results import ArrangementYear
from pooledfund.engine.riskshare import NO_CAP, Round, SharedRule, Step
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
from pooledfund.io.excel.inputmap import (
    BASIS,
    CAP,
    POUNDS,
    POUNDS_OR_BLANK,
    SHARE,
    SHARING,
    THE_PARTNER,
    Binding,
    Bound,
    Fixed,
    arrangement_path,
)
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
from pooledfund.model.amounts import AGREED_VALUE, POOL, AmountValue, ByYear, amount_words, is_plain
from pooledfund.model.records import (
    LEFTOVER,
    AttributableLayer,
    AttributableRule,
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
    Sharing,
    SwitchLayer,
    UnderspendRule,
)

SHEET = "Risk share"
FIRST_PARTNER_COL = 3
#: The print scale, and the narrowest the note column gets before it prints on a page of its own.
SCALE = 80
NOTE_MIN = 26
#: The row of the sheet's first section heading (after the title, the note and the header row).
FIRST_SECTION_ROW = 5


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
    caps: dict[str, AmountValue] = field(default_factory=dict)  # partner -> a cap stated as % or by year
    switch_rows: dict[int, tuple[int, int]] = field(default_factory=dict)  # switch index -> (below, above) rows


class Writer:
    """Rows of one arrangement: a label in A, the pool figure in B, one column per partner."""

    def __init__(self, ctx: PackContext, sheet: Sheet, row: int) -> None:
        self.ctx = ctx
        self.sheet = sheet
        self.row = row
        self.partners = ctx.agreement.partner_ids
        self.names = {p.id: p.name for p in ctx.agreement.partners}
        self.last_col = FIRST_PARTNER_COL + len(self.partners) - 1

    def pcol(self, index: int) -> int:
        """The column of the partner at ``index``."""
        return FIRST_PARTNER_COL + index

    def prange(self, row: int) -> str:
        """The partners' cells of ``row``, as an absolute range."""
        return f"{ref(FIRST_PARTNER_COL, row, absolute=True)}:{ref(self.last_col, row, absolute=True)}"

    def cell(self, col: int, row: int | None = None) -> str:
        """A relative reference to ``col`` on ``row`` (the current row by default)."""
        return ref(col, self.row if row is None else row)

    def pcell(self, index: int, row: int, *, absolute: bool = False) -> str:
        """A reference to the partner at ``index`` on ``row``."""
        return ref(self.pcol(index), row, absolute=absolute)

    def flags(self, row: int, flags: list[bool], *, input_cell: bool = True, field: Binding | None = None) -> None:
        """A 1 or 0 in each partner's column (``field``: what the row shows, each cell for its partner)."""
        for index, flag in enumerate(flags):
            self.sheet.value(row, self.pcol(index), 1 if flag else 0, styles.COUNT, input_cell=input_cell,
                             field=_for_partner(field, self.partners[index]))

    def percents(self, row: int, shares: Mapping[str, Decimal], field: Binding) -> None:
        """Each partner's percentage (input cells), 0 for a partner not in the split."""
        for index, partner in enumerate(self.partners):
            self.sheet.value(row, self.pcol(index), float(shares.get(partner, Decimal(0))), styles.PERCENT,
                             input_cell=True, field=_for_partner(field, partner))

    def next(self, label: str, note: str = "", *, helper: bool = False, bold: bool = False) -> int:
        """Start a new row with its label in A (and a note after the partners); returns its number."""
        self.row += 1
        self.sheet.text(self.row, 1, label, font=styles.BOLD if bold else None)
        if note:
            self.sheet.text(self.row, self.last_col + 1, note, font=styles.NOTE_FONT, wrap=True)
        if helper:
            # Folded away: the row's formulas still work, but it neither shows nor prints until unfolded.
            self.sheet.ws.row_dimensions[self.row].outlineLevel = 1
            self.sheet.ws.row_dimensions[self.row].hidden = True
        return self.row

    def pool(self, formula: str, expected: Expected, fmt: str = styles.GBP) -> None:
        """A formula in the pool column (B) of the current row."""
        self.sheet.formula(self.row, 2, formula, expected, fmt)

    def each(self, formulas: list[str], expected: list[Expected], fmt: str = styles.GBP) -> None:
        """One formula in each partner's column of the current row."""
        for index, (formula, value) in enumerate(zip(formulas, expected, strict=True)):
            self.sheet.formula(self.row, self.pcol(index), formula, value, fmt)

    def pool_sum(self, pence: int) -> None:
        """The pool column as the sum of the partners' cells of the current row."""
        self.pool(f"SUM({self.prange(self.row)})", money(pence))


def _for_partner(field: Binding | None, partner: str) -> Binding | None:
    """A row's binding for one partner's cell."""
    return Bound(field.path, field.unit, partner) if isinstance(field, Bound) else field


def _field(writer: Writer, arrangement: FundedArrangement, index: int, parts: tuple[str, ...], unit: str, *,
           rules: bool = False) -> Binding:
    """What an input of layer (or underspend rule) ``index`` (1 first) shows: its field in the agreement.

    An arrangement that states no layers (or rules) uses its kind's default,
    which the agreement does not hold, so its cells are :class:`Fixed`.
    """
    a_index = writer.ctx.arrangement_index(arrangement.id)
    listing = "underspend" if rules else "risk_share"
    if not (arrangement.underspend if rules else arrangement.risk_share):
        return Fixed("default", arrangement_path(a_index, listing))
    return Bound(arrangement_path(a_index, listing, index - 1, *parts), unit)


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
    widths: dict[int, float] = {1: 48, 2: 14.5}
    widths.update({writer.pcol(i): 14.5 for i in range(len(writer.partners))})
    # The note takes what is left of the page (a page across of its own only with many partners).
    widths[writer.last_col + 1] = max(NOTE_MIN, styles.printable_width(True, SCALE) - sum(widths.values()) - 3)
    styles.set_widths(ws, widths)
    ws.freeze_panes = "B4"
    ws.sheet_properties.outlinePr.summaryBelow = False
    # Each year's waterfall starts a printed page; the line names and the pool repeat on every page across.
    styles.print_setup(ws, "3:3", title_cols="A:B", scale=SCALE)
    sheet.text(3, 1, "Line", font=styles.BOLD)
    sheet.text(3, 2, "Pool", font=styles.BOLD)
    for index, partner in enumerate(agreement.partners):
        sheet.text(3, writer.pcol(index), partner.name, font=styles.BOLD, wrap=True)
    sheet.text(3, writer.last_col + 1, "Note", font=styles.BOLD)
    styles.style_header_row(ws, 3, 1, writer.last_col + 1)
    ws.row_dimensions[3].height = 45


def _section(writer: Writer, text: str, *, new_page: bool = True) -> None:
    """A shaded heading row; on a new printed page unless it is the sheet's first or ``new_page`` is False."""
    row = writer.next(text)
    if new_page and row > FIRST_SECTION_ROW:
        writer.sheet.ws.row_breaks.append(Break(id=row - 1))
    cell = writer.sheet.ws.cell(row=row, column=1)
    cell.font = styles.SUBTITLE_FONT
    for col in range(1, writer.last_col + 2):
        writer.sheet.ws.cell(row=row, column=col).fill = styles.SECTION_FILL


_OWN_NOTE = ("Figures from the engine, not live formulas: each scheme's whole over- or underspend goes to its "
             "commissioners (joint schemes by their split), before anything is netted.")


def _limit_input(writer: Writer, arrangement: FundedArrangement, key: str, amount: AmountValue | None,
                 field: Binding) -> str:
    """An optional limit in B (blank: no limit) with a defined name; returns the name.

    A limit stated as a percentage or year by year is shown in words here;
    each year's block works it out from that year's contributions.
    """
    if isinstance(amount, int) or amount is None:
        writer.sheet.money(writer.row, 2, amount, input_cell=True, field=field)
    else:
        stated = Fixed("worked out", field.path) if isinstance(field, Bound) else field
        writer.sheet.text(writer.row, 2, amount_words(amount, writer.names), wrap=True, field=stated)
    name = safe_name(arrangement.id, key)
    define_name(writer.ctx.workbook, name, SHEET, 2, writer.row)
    return name


def _write_inputs(writer: Writer, arrangement: FundedArrangement) -> Inputs:
    """The yellow input rows of one arrangement: host, layers, caps and underspend rules."""
    agreement = writer.ctx.agreement
    host = arrangement.host(agreement.host_partner)
    layers = arrangement.effective_risk_share()
    inputs = Inputs()
    _section(writer, f"{arrangement.name}: risk-share inputs")
    writer.next("Host (holds the money; keeps an underspend nobody else can take)")
    inputs.host_row = writer.row
    writer.flags(writer.row, [partner == host for partner in writer.partners], input_cell=False)
    for index, layer in enumerate(layers, start=1):
        if isinstance(layer, AttributableLayer):
            writer.next(f"Layer {index}: {layer.words('short', writer.names)}", _OWN_NOTE)
        elif isinstance(layer, SwitchLayer):
            _write_switch_input(writer, arrangement, inputs, index, layer)
        elif not isinstance(layer, CapLayer):
            _write_layer_input(writer, arrangement, inputs, index, layer)
    _write_cap_inputs(writer, arrangement, inputs, [layer for layer in layers if isinstance(layer, CapLayer)])
    for index, rule in enumerate(arrangement.effective_underspend(), start=1):
        _write_rule_input(writer, arrangement, inputs, index, rule)
    return inputs


def _write_layer_input(writer: Writer, arrangement: FundedArrangement, inputs: Inputs, index: int,
                       layer: CommissionerLayer | BandLayer | FixedSplitLayer | ProportionalLayer) -> None:
    """A layer's limit, what it splits by in the partners' columns, and a pro-rata layer's basis."""
    hint = {"band": " (1 in the partner's column)", "fixed_split": " (percentages in the partners' columns)",
            "proportional": " (1: the partner shares)"}.get(layer.layer, "")
    blank = "" if isinstance(layer, BandLayer) else " (blank: none)"  # a band always has its width
    writer.next(f"Layer {index}: {layer.words('short', writer.names)}{hint} - limit{blank}", layer.note)
    if isinstance(layer, BandLayer):
        writer.flags(writer.row, [partner == layer.partner for partner in writer.partners],
                     field=_field(writer, arrangement, index, ("partner",), THE_PARTNER))
    elif isinstance(layer, FixedSplitLayer):
        writer.percents(writer.row, layer.shares, _field(writer, arrangement, index, ("shares",), SHARE))
    elif isinstance(layer, ProportionalLayer):
        writer.flags(writer.row, [not layer.partners or partner in layer.partners for partner in writer.partners],
                     field=_field(writer, arrangement, index, ("partners",), SHARING))
    inputs.partner_rows[index] = writer.row
    unit = POUNDS if isinstance(layer, BandLayer) else POUNDS_OR_BLANK
    inputs.limits[index] = _limit_input(writer, arrangement, f"layer{index}_limit", layer.limit,
                                        _field(writer, arrangement, index, ("limit",), unit))
    if isinstance(layer, ProportionalLayer):
        writer.next(f"Layer {index}: contributions counted (total: cash and in kind; or cash)")
        inputs.basis[index] = _basis_input(writer, arrangement, f"layer{index}_basis", layer.basis,
                                           _field(writer, arrangement, index, ("basis",), BASIS))


_SHARING_HINT = {"partner": "1 in the partner's column", "shares": "percentages in the partners' columns",
                 "total": "1: the partner shares pro rata to its contributions (cash and in kind)",
                 "cash": "1: the partner shares pro rata to its cash contribution"}


def _sharing_kind(sharing: Sharing) -> str:
    """How a switch's sharing is laid out: ``partner``, ``shares``, or the pro-rata basis (``total``/``cash``)."""
    if sharing.partner is not None:
        return "partner"
    return "shares" if sharing.shares else sharing.pro_rata or "total"


def _write_switch_input(writer: Writer, arrangement: FundedArrangement, inputs: Inputs, index: int,
                        layer: SwitchLayer) -> None:
    """A switch's threshold in B and, in the partners' columns, who bears it at or below and past the threshold.

    Each year's block compares the overspend reaching the layer with the
    threshold and takes the row of weights that applies, as live formulas.
    """
    writer.next(f"Layer {index}: {layer.words('short', writer.names)} - threshold", layer.note)
    inputs.limits[index] = _limit_input(writer, arrangement, f"layer{index}_threshold", layer.threshold,
                                        _field(writer, arrangement, index, ("threshold",), POUNDS))
    rows = []
    for side, key, sharing in (("at or below the threshold", "below", layer.below),
                               ("past it, the whole overspend", "above", layer.above)):
        kind = _sharing_kind(sharing)
        writer.next(f"Layer {index}: {side}, borne {sharing.words(writer.names)} ({_SHARING_HINT[kind]})")
        if kind == "shares":
            writer.percents(writer.row, sharing.shares, _field(writer, arrangement, index, (key, "shares"), SHARE))
        else:
            field = _field(writer, arrangement, index, (key, "partner"), THE_PARTNER)
            if kind != "partner" and isinstance(field, Bound):
                field = Fixed("pro rata", _field(writer, arrangement, index, (key,), SHARING).path)
            writer.flags(writer.row, [partner == sharing.partner if kind == "partner" else True
                                      for partner in writer.partners], field=field)
        rows.append(writer.row)
    inputs.switch_rows[index] = (rows[0], rows[1])


def _basis_input(writer: Writer, arrangement: FundedArrangement, key: str, basis: str, field: Binding) -> str:
    """A pro-rata basis ("total" or "cash") in B with a defined name; returns the name."""
    writer.sheet.value(writer.row, 2, basis, input_cell=True, field=field)
    name = safe_name(arrangement.id, key)
    define_name(writer.ctx.workbook, name, SHEET, 2, writer.row)
    return name


def _write_cap_inputs(writer: Writer, arrangement: FundedArrangement, inputs: Inputs, caps: list[CapLayer]) -> None:
    """One row of caps: each partner's cap on its overspend share in its column, blank for none."""
    by_partner = {layer.partner: layer for layer in caps}
    words = CapLayer.wording.short.format(partner="each partner")
    writer.next(f"{words[:1].upper()}{words[1:]} (pounds, 'contribution', blank: none)",
                "; ".join(layer.note for layer in by_partner.values() if layer.note))
    inputs.cap_row = writer.row
    a_index = writer.ctx.arrangement_index(arrangement.id)
    listing = arrangement_path(a_index, "risk_share")
    for p_index, partner in enumerate(writer.partners):
        col = writer.pcol(p_index)
        cap = by_partner[partner].cap if partner in by_partner else None
        field: Binding = Bound(listing, CAP, partner) if arrangement.risk_share else Fixed("default", listing)
        if cap is None or cap == "contribution":
            writer.sheet.value(writer.row, col, cap, input_cell=True, field=field)
        elif isinstance(cap, int):
            writer.sheet.money(writer.row, col, cap, input_cell=True, field=field)
        else:
            layer_index = next(i for i, layer in enumerate(arrangement.risk_share) if layer is by_partner[partner])
            writer.sheet.text(writer.row, col, amount_words(cap, writer.names), wrap=True,
                              field=Fixed("worked out", arrangement_path(a_index, "risk_share", layer_index, "cap")))
            inputs.caps[partner] = cap
        if cap is not None:
            define_name(writer.ctx.workbook, safe_name(arrangement.id, "cap", partner), SHEET, col, writer.row)


def _write_rule_input(writer: Writer, arrangement: FundedArrangement, inputs: Inputs, index: int,
                      rule: UnderspendRule) -> None:
    """An underspend rule's limit, a fixed split's percentages and a pro-rata rule's basis."""
    if isinstance(rule, AttributableRule):
        writer.next(f"Underspend rule {index}: {rule.words('short', writer.names)}", _OWN_NOTE)
        return
    writer.next(f"Underspend rule {index}: {rule.words('short', writer.names)} - limit (blank: none)", rule.note)
    if isinstance(rule, ReturnFixedSplitRule):
        writer.percents(writer.row, rule.shares, _field(writer, arrangement, index, ("shares",), SHARE, rules=True))
    inputs.rule_rows[index] = writer.row
    limit_key = "cap" if isinstance(rule, (CarryForwardRule, ReinvestRule)) else "limit"
    inputs.rule_limits[index] = _limit_input(writer, arrangement, f"rule{index}_limit", rule.limit,
                                             _field(writer, arrangement, index, (limit_key,), POUNDS_OR_BLANK,
                                                    rules=True))
    if isinstance(rule, ReturnProportionalRule):
        writer.next(f"Underspend rule {index}: contributions counted (total or cash)")
        inputs.rule_basis[index] = _basis_input(writer, arrangement, f"rule{index}_basis", rule.basis,
                                                _field(writer, arrangement, index, ("basis",), BASIS, rules=True))


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
    _section(writer, f"{arrangement.name}: {year} (aligned budget: each partner keeps its own variance)",
             new_page=year == ctx.agreement.years[0])
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


def _write_slice(year: FundedYear, step: Step, name: str, avail_row: int, label: str) -> int:
    """A layer's or rule's slice of what is available, up to its limit; returns the slice's row.

    A limit stated in pounds is the input cell ``name``; one stated as a
    percentage or year by year gets a row of its own working out this
    year's figure from this year's contributions.
    """
    writer, avail = year.writer, year.writer.cell(2, avail_row)
    stated = step.rule.stated_limit
    if is_plain(stated):
        formula = f"IF(ISNUMBER({name}),MIN({avail},{name}),{avail})"
    else:
        assert stated is not None and step.limit is not None  # not plain, so stated, and resolved by the engine
        writer.next(f"  limit this year ({amount_words(stated, writer.names)})", helper=True)
        writer.pool(_amount_formula(year, stated, step.limit), money(step.limit))
        formula = f"MIN({avail},{writer.cell(2)})"
    writer.next(label, helper=True)
    writer.pool(formula, money(int(step.target[0])))
    return writer.row


def _amount_formula(year: FundedYear, amount: AmountValue, resolved: int) -> str:
    """This year's figure of an amount stated as a percentage or year by year, as a formula.

    A percentage of the pool or of a partner refers to this year's
    contributions on the sheet, rounded half up to the penny as the engine
    does; pounds and a percentage of the agreed value are the year's figure.
    """
    writer, rows = year.writer, year.rows
    part = amount.values[year.row.year] if isinstance(amount, ByYear) else amount
    if isinstance(part, int) or part.of == AGREED_VALUE:
        return f"{pounds_text(resolved)}+0"
    # The same base as the engine: contributions as the rules weigh them (a cut its partner makes good counts).
    weights = rows.total_weights
    base = writer.cell(2, weights) if part.of == POOL else writer.pcell(writer.partners.index(part.of), weights)
    return f"ROUND({base}*{format(part.percent.normalize(), 'f')}/100,2)"


def pounds_text(pence: int) -> str:
    """Pence as a pounds constant inside a formula."""
    return f"{pence // 100}.{pence % 100:02d}"


def _cap_formula(year: FundedYear, index: int) -> str:
    writer, inputs, total_row = year.writer, year.inputs, year.rows.total_weights
    partner = writer.partners[index]
    if partner in inputs.caps:
        assert year.row.overspend is not None  # a funded arrangement-year always has its outcome
        return _amount_formula(year, inputs.caps[partner], int(year.row.overspend.caps[index]))
    cap = ref(writer.pcol(index), inputs.cap_row, absolute=True)
    total = writer.cell(writer.pcol(index), total_row)
    return f"IF(ISNUMBER({cap}),{cap},IF({cap}={formula_text('contribution')},{total},{NO_CAP // 100}))"


@dataclass(frozen=True)
class YearRows:
    """The rows of one funded year that later rows refer to."""

    cash: int
    in_kind: int
    total: int
    brought_forward: int
    budget: int
    spend: int
    variance: int
    overspend: int
    underspend: int
    own_borne: int = 0  # row of the own lines' overspends borne (0: the agreement has no own-lines clause)
    own_returned: int = 0  # row of the own lines' underspends returned
    apart: Apart | None = None  # what was settled before the waterfall, when anything was
    weigh_cash: int = 0  # the cash the rules weigh partners by (own cuts made good); 0: the cash row
    weigh_total: int = 0  # the same for cash and in kind; 0: the total row

    @property
    def cash_weights(self) -> int:
        """The row of cash the waterfall and underspend rules weigh each partner by."""
        return self.weigh_cash or self.cash

    @property
    def total_weights(self) -> int:
        """The row of cash and in kind the waterfall and underspend rules weigh each partner by."""
        return self.weigh_total or self.total


@dataclass(frozen=True)
class Apart:
    """The rows of what the engine settled before the waterfall: own contribution cuts and ring-fenced sources."""

    borne: int  # each partner's own cut and ring-fenced overspend it bears
    returned: int  # ring-fenced underspend paid back to each partner
    carried: int  # ring-fenced money carried forward in its source (pool column)


@dataclass(frozen=True)
class FundedYear:
    """One funded arrangement-year being written: the sheet, the inputs, the engine's result and the rows so far."""

    writer: Writer
    arrangement: FundedArrangement
    inputs: Inputs
    row: ArrangementYear
    rows: YearRows


def _write_funded_year(writer: Writer, arrangement: FundedArrangement, inputs: Inputs, year: str, carried: str) -> str:
    """One year's waterfall; returns the cell holding what is carried into next year.

    The layout of every layer and round follows the engine's own recorded
    steps (:class:`~pooledfund.engine.riskshare.Step`), and every expected
    figure is the engine's, so the sheet cannot drift from the engine.
    """
    ctx = writer.ctx
    row = _row_of(ctx, arrangement.id, year)
    _section(writer, f"{arrangement.name}: {year}")
    rows = _write_money_in(writer, arrangement.id, year, row, carried)
    funded = FundedYear(writer, arrangement, inputs, row, rows)
    shares_row, unfunded_row = _write_overspend(funded)
    returns_row, carried_row, reinvested_row = _write_underspend(funded)
    net_row = writer.next("Net cost to each partner (contributions + overspend share - underspend returned)", bold=True)
    writer.each([f"{writer.pcell(i, rows.total)}+{writer.pcell(i, shares_row)}-{writer.pcell(i, returns_row)}"
                 for i in range(len(writer.partners))], [money(v) for v in row.net_cost[0]])
    writer.pool_sum(int(row.net_cost[0].sum()))
    for col in range(1, writer.last_col + 1):
        writer.sheet.ws.cell(row=net_row, column=col).border = styles.TOP_LINE
    writer.next("Check: net cost = spend + reinvested - brought forward + carried forward - unfunded (must be 0)")
    writer.pool(f"ROUND({writer.cell(2, net_row)}-({writer.cell(2, rows.spend)}+{writer.cell(2, reinvested_row)}"
                f"-{writer.cell(2, rows.brought_forward)}+{writer.cell(2, carried_row)}"
                f"-{writer.cell(2, unfunded_row)}),2)", money(0))
    _record(ctx, arrangement.id, year, writer, cash=rows.cash, in_kind=rows.in_kind, over=shares_row,
            under=returns_row, net=net_row)
    ctx.positions[(arrangement.id, year, "pool")] = {
        "budget": (2, rows.budget), "spend": (2, rows.spend), "variance": (2, rows.variance),
        "unfunded": (2, unfunded_row), "carried": (2, carried_row)}
    return writer.cell(2, carried_row)


def _write_money_in(writer: Writer, arrangement_id: str, year: str, row: ArrangementYear, carried: str) -> YearRows:
    """Contributions, brought forward, spend, the variance and the overspend or underspend to deal with."""
    cash_row, in_kind_row, total_row = _contribution_rows(writer, arrangement_id, year, row)
    bf_row = writer.next("Brought forward from last year (risk pool)")
    if carried:
        writer.pool(carried, money(int(row.brought_forward[0])))
    else:
        writer.sheet.money(writer.row, 2, int(row.brought_forward[0]))
    budget_row = writer.next("Money in: contributions and brought forward", bold=True)
    writer.pool(f"{writer.cell(2, total_row)}+{writer.cell(2, bf_row)}", money(int(row.budget[0])))
    spend_row = writer.next("Spend (forecast outturn, from Projection)", bold=True)
    writer.pool(_spend_formula(writer, arrangement_id, year), money(int(row.spend[0])))
    variance_row = writer.next("Variance (spend less money in; positive is an overspend)", bold=True)
    writer.pool(f"{writer.cell(2, spend_row)}-{writer.cell(2, budget_row)}", money(int(row.variance[0])))
    writer.next("Risk pool (contingency) held in the money in", "Information: already in the contributions above")
    writer.sheet.money(writer.row, 2, row.contingency)
    apart = _write_apart(writer, row)
    weigh_cash, weigh_total = _write_made_good(writer, row, cash_row, total_row)
    remainder, left = writer.cell(2, variance_row), int(row.shared_variance[0])
    if apart is not None:
        writer.next("Result to share (variance less what was settled apart)", bold=True)
        writer.pool(f"ROUND({remainder}-{writer.cell(2, apart.borne)}"
                    f"+{writer.cell(2, apart.returned)}+{writer.cell(2, apart.carried)},2)", money(left))
        remainder = writer.cell(2)
    own_rows = (0, 0)
    over_step, under_step = _own_steps(row)
    if over_step is not None or under_step is not None:
        own_rows = (_own_row(writer, "Own lines: overspends borne by their commissioners", over_step),
                    _own_row(writer, "Own lines: underspends returned to their commissioners", under_step))
        remainder = f"ROUND({remainder}-{writer.cell(2, own_rows[0])}+{writer.cell(2, own_rows[1])},2)"
        writer.next("Left after the own lines (the risk pool's part): shared below")
        left = left - _own_total(over_step) + _own_total(under_step)
        writer.pool(remainder, money(left))
        remainder = writer.cell(2)
    over_row = writer.next("Overspend to share")
    writer.pool(f"MAX({remainder},0)", money(max(left, 0)))
    under_row = writer.next("Underspend to deal with")
    writer.pool(f"MAX(-{remainder},0)", money(max(-left, 0)))
    return YearRows(cash_row, in_kind_row, total_row, bf_row, budget_row, spend_row, variance_row, over_row, under_row,
                    *own_rows, apart, weigh_cash, weigh_total)


def _own_steps(row: ArrangementYear) -> tuple[Step | None, Step | None]:
    """The own-lines steps of a year (the attributable layer's and rule's), if the agreement has them."""
    assert row.overspend is not None and row.underspend is not None  # a funded arrangement-year has both
    over = next((s for s in row.overspend.steps if isinstance(s.rule, AttributableLayer)), None)
    under = next((s for s in row.underspend.steps if isinstance(s.rule, AttributableRule)), None)
    return over, under


def _own_total(step: Step | None) -> int:
    return int(step.taken[0].sum()) if step is not None else 0


def _own_row(writer: Writer, label: str, step: Step | None) -> int:
    """Each partner's own-lines figure (the engine's: not a live formula), and their total."""
    writer.next(label, _OWN_NOTE if step is not None else "")
    taken = [int(v) for v in step.taken[0]] if step is not None else [0] * len(writer.partners)
    for index, pence in enumerate(taken):
        writer.sheet.money(writer.row, writer.pcol(index), pence)
    writer.pool_sum(sum(taken))
    return writer.row


def _write_made_good(writer: Writer, row: ArrangementYear, cash_row: int, total_row: int) -> tuple[int, int]:
    """The contributions the rules weigh partners by when a partner makes its own cut good; (0, 0) when none did."""
    funding = row.funding
    if funding is None or not funding.shortfall_borne.any():
        return 0, 0
    writer.next("Own contribution cuts made good (shortfall: reducing_partner)", "From the engine")
    for index, value in enumerate(funding.shortfall_borne.tolist()):
        writer.sheet.money(writer.row, writer.pcol(index), int(value))
    writer.pool_sum(int(funding.shortfall_borne.sum()))
    cut_row = writer.row
    rows = []
    for label, base, expected in (("Cash the rules weigh by (cuts made good)", cash_row, funding.contribution_cash),
                                  ("Contributions the rules weigh by (cuts made good)", total_row,
                                   funding.contribution_total)):
        writer.next(label)
        writer.each([f"{writer.pcell(i, base)}+{writer.pcell(i, cut_row)}" for i in range(len(writer.partners))],
                    [money(int(v)) for v in expected])
        writer.pool_sum(int(expected.sum()))
        rows.append(writer.row)
    return rows[0], rows[1]


def _write_apart(writer: Writer, row: ArrangementYear) -> Apart | None:
    """What the engine settled before the waterfall, as its figures (None when nothing was).

    A partner's own contribution cut (shortfall: reducing_partner) and each
    ring-fenced source's own result (the DFG) are settled apart; see the
    risk-share guide, section 5. The figures are the engine's, not formulas.
    """
    funding = row.funding
    if funding is None:
        return None
    paths = row.spend.shape[0]
    borne, returned = funding.borne(paths)[0], funding.returned(paths)[0]
    carried = int(funding.ring_fenced_carried_forward(paths)[0])
    if not (borne.any() or returned.any() or carried):
        return None
    rows = []
    for label, values in (("Settled apart: own contribution cuts and ring-fenced overspends borne", borne),
                          ("Settled apart: ring-fenced underspend paid back", returned)):
        writer.next(label, "From the engine: settled before the waterfall (see the risk-share guide, section 5)")
        for index, value in enumerate(values.tolist()):
            writer.sheet.money(writer.row, writer.pcol(index), int(value))
        writer.pool_sum(int(values.sum()))
        rows.append(writer.row)
    writer.next("Settled apart: ring-fenced money carried forward in its source", "From the engine")
    writer.sheet.money(writer.row, 2, carried)
    return Apart(rows[0], rows[1], writer.row)


# --- the overspend waterfall -------------------------------------------------------------


def _write_overspend(year: FundedYear) -> tuple[int, int]:
    """Every layer the engine applied, then the shares and what is unfunded; returns those two rows."""
    writer, row, rows = year.writer, year.row, year.rows
    assert row.overspend is not None  # a funded arrangement-year always has its outcome
    n = len(writer.partners)
    taken_rows: list[int] = []
    available_cell = writer.cell(2, rows.overspend)
    for step in row.overspend.steps:
        if isinstance(step.rule, AttributableLayer):
            taken_rows.append(rows.own_borne)
            continue
        avail_row, layer_row = _write_layer(year, step, available_cell, taken_rows)
        taken_rows.append(layer_row)
        available_cell = f"ROUND({writer.cell(2, avail_row)}-{writer.cell(2, layer_row)},2)"
    apart = rows.apart
    shares_row = writer.next("Overspend shares", bold=True)
    writer.each(["+".join([*(writer.pcell(i, r) for r in taken_rows), *([writer.pcell(i, apart.borne)] if apart
                                                                         else [])]) or "0" for i in range(n)],
                [money(v) for v in row.overspend_shares[0]])
    writer.pool_sum(int(row.overspend_shares[0].sum()))
    unfunded_row = writer.next("Unfunded: left for the Health and Wellbeing Board", bold=True)
    own = f"+{writer.cell(2, rows.own_borne)}" if rows.own_borne else ""  # the own lines are in the shares too
    settled = f"+{writer.cell(2, apart.borne)}" if apart else ""  # so is what was settled apart
    writer.pool(f"ROUND({writer.cell(2, rows.overspend)}{own}{settled}-{writer.cell(2, shares_row)},2)",
                money(int(row.unfunded[0])))
    return shares_row, unfunded_row


@dataclass(frozen=True)
class LayerRows:
    """The rows of one layer's block its rounds refer to."""

    slice: int
    weights: int
    room: int
    expected_weights: list[Expected]
    weights_format: str


def _write_layer(year: FundedYear, step: Step, available_cell: str, taken_rows: list[int]) -> tuple[int, int]:
    """One layer: what is available, its slice, its weights and each round; returns the available and taken rows."""
    writer, inputs = year.writer, year.inputs
    index = step.index + 1
    n = len(writer.partners)
    writer.next(f"Layer {index}: {step.words('short', writer.names)}", step.rule.note, bold=True)
    avail_row = writer.next("  available to share", helper=True)
    writer.pool(available_cell, money(int(step.available[0])))
    if isinstance(step.rule, SwitchLayer):
        slice_row, formulas, expect, fmt = _write_switch(year, index, step, avail_row)
    else:
        slice_row = _write_slice(year, step, inputs.limits[index], avail_row,
                                 "  this layer's slice (up to its limit)")
        formulas, expect, fmt = _layer_weights(year, index, step)
    weight_row = writer.next("  weights", helper=True)
    writer.each(formulas, expect, fmt)
    room_row = writer.next("  room under each partner's cap", helper=True)
    writer.each([f"ROUND({_cap_formula(year, i)}"
                 + "".join(f"-{writer.pcell(i, r)}" for r in taken_rows) + ",2)" for i in range(n)],
                [money(v) for v in step.rounds[0].room[0]], styles.ROOM)
    at = LayerRows(slice_row, weight_row, room_row, expect, fmt)
    round_rows: list[tuple[int, int]] = []
    for round_number, sharing in enumerate(step.rounds, start=1):
        round_rows.append(_write_round(writer, at, round_number, sharing, round_rows))
    layer_row = writer.next(f"  Layer {index}: taken by each partner")
    writer.each(["+".join(writer.pcell(i, taken) for _, taken in round_rows) for i in range(n)],
                [money(v) for v in step.taken[0]])
    writer.pool_sum(int(step.taken[0].sum()))
    writer.next("  passed on to the next layer")
    writer.pool(f"ROUND({writer.cell(2, slice_row)}-{writer.cell(2, layer_row)},2)", money(int(step.passed_on[0])))
    return avail_row, layer_row


def _write_round(writer: Writer, at: LayerRows, number: int, sharing: Round,
                 earlier: list[tuple[int, int]]) -> tuple[int, int]:
    """One round of sharing (see :class:`~pooledfund.engine.riskshare.Round`); returns its split and taken rows."""
    n = len(writer.partners)
    room_row = at.room
    if earlier:
        room_row = writer.next(f"  round {number}: room left", helper=True)
        writer.each([f"ROUND({writer.pcell(i, at.room)}" + "".join(f"-{writer.pcell(i, t)}" for _, t in earlier)
                     + ",2)" for i in range(n)], [money(v) for v in sharing.room[0]], styles.ROOM)
    active_row = writer.next(f"  round {number}: weights of partners with room", helper=True)
    writer.each([f"{writer.pcell(i, at.weights)}*({writer.pcell(i, room_row)}>0)" for i in range(n)],
                [_masked(at.expected_weights[i], bool(sharing.weights[0, i] > 0)) for i in range(n)], at.weights_format)
    share_row = writer.next(f"  round {number}: to share", helper=True)
    if earlier:
        split_row, taken_row = earlier[-1]
        what = f"ROUND(SUM({writer.prange(split_row)})-SUM({writer.prange(taken_row)}),2)"
    else:
        what = writer.cell(2, at.slice)
    writer.pool(f"IF(SUM({writer.prange(active_row)})>0,{what},0)", money(int(sharing.to_share[0])))
    split_row = writer.next(f"  round {number}: split (largest remainder, whole pence)", helper=True)
    writer.each([split_formula(ref(2, share_row, absolute=True), writer.prange(active_row),
                               writer.pcell(i, active_row)) for i in range(n)], [money(v) for v in sharing.split[0]])
    taken_row = writer.next(f"  round {number}: taken (no one past their cap)", helper=True)
    writer.each([f"MIN({writer.pcell(i, split_row)},{writer.pcell(i, room_row)})" for i in range(n)],
                [money(v) for v in sharing.taken[0]])
    return split_row, taken_row


def _write_switch(year: FundedYear, index: int, step: Step,
                  avail_row: int) -> tuple[int, list[str], list[Expected], str]:
    """A switch's threshold this year, its slice (all that is available) and the weights that apply.

    Returns the slice's row and the weights' formulas, expected values and format.
    """
    writer, inputs = year.writer, year.inputs
    layer = step.rule
    assert isinstance(layer, SwitchLayer) and step.threshold is not None and step.switched is not None
    name = inputs.limits[index]
    threshold = name
    if not is_plain(layer.threshold):
        writer.next(f"  threshold this year ({amount_words(layer.threshold, writer.names)})", helper=True)
        writer.pool(_amount_formula(year, layer.threshold, step.threshold), money(step.threshold))
        threshold = writer.cell(2)
    avail = writer.cell(2, avail_row)
    writer.next("  past the threshold? (1: the whole overspend is shared the second way)", helper=True)
    writer.pool(f"IF({avail}>{threshold},1,0)", number(1 if step.switched[0] else 0), styles.COUNT)
    past = writer.cell(2)
    slice_row = writer.next("  this layer's slice (all that is available)", helper=True)
    writer.pool(avail, money(int(step.target[0])))
    below_row, above_row = inputs.switch_rows[index]
    chosen = layer.above if step.switched[0] else layer.below
    formulas = [f"IF({past}=1,{_sharing_weight(year, layer.above, above_row, i)},"
                f"{_sharing_weight(year, layer.below, below_row, i)})" for i in range(len(writer.partners))]
    expect, fmt = _sharing_expected(year, chosen)
    return slice_row, formulas, expect, fmt


def _sharing_weight(year: FundedYear, sharing: Sharing, inputs_row: int, index: int) -> str:
    """One partner's weight under a switch's sharing: its input cell, times its contribution if pro rata."""
    writer, rows = year.writer, year.rows
    cell = writer.pcell(index, inputs_row, absolute=True)
    kind = _sharing_kind(sharing)
    if kind == "cash":
        return f"{cell}*{writer.pcell(index, rows.cash_weights)}"
    if kind == "total":
        return f"{cell}*{writer.pcell(index, rows.total_weights)}"
    return cell


def _sharing_expected(year: FundedYear, sharing: Sharing) -> tuple[list[Expected], str]:
    """The expected weights of a switch's sharing (the same figures the engine shares by) and their format."""
    writer, row = year.writer, year.row
    kind = _sharing_kind(sharing)
    if kind == "partner":
        return [number(1 if p == sharing.partner else 0) for p in writer.partners], styles.COUNT
    if kind == "shares":
        return [number(float(sharing.shares.get(p, Decimal(0)))) for p in writer.partners], styles.PERCENT
    values = row.cash if kind == "cash" else row.cash + row.in_kind
    return [money(int(v)) for v in values], styles.GBP


def _masked(expected: Expected, keep: bool) -> Expected:
    """A weight, or zero of the same kind for a partner with no room left."""
    return expected if keep else Expected(expected.kind, 0)


def _layer_weights(year: FundedYear, index: int, step: Step) -> tuple[list[str], list[Expected], str]:
    """Each partner's weight in a layer: formulas, expected values (the engine's weights) and the format."""
    writer, inputs, rows = year.writer, year.inputs, year.rows
    layer, n = step.rule, len(writer.partners)
    assert step.weights is not None  # every overspend layer splits its slice
    weights = [int(v) for v in step.weights[0]]
    inputs_row = inputs.partner_rows.get(index, 0)
    if isinstance(layer, CommissionerLayer):
        formulas = [_spend_formula(writer, year.arrangement.id, year.row.year, share_heading("Overspend", p))
                    for p in writer.partners]
        return formulas, [money(v) for v in weights], styles.GBP
    if isinstance(layer, ProportionalLayer):
        basis = inputs.basis[index]
        formulas = [f"{writer.pcell(i, inputs_row, absolute=True)}*IF({basis}={formula_text('cash')},"
                    f"{writer.pcell(i, rows.cash_weights)},{writer.pcell(i, rows.total_weights)})" for i in range(n)]
        return formulas, [money(v) for v in weights], styles.GBP
    formulas = [writer.pcell(i, inputs_row, absolute=True) for i in range(n)]
    if isinstance(layer, FixedSplitLayer):
        return formulas, [number(float(layer.shares.get(p, Decimal(0)))) for p in writer.partners], styles.PERCENT
    return formulas, [number(v) for v in weights], styles.COUNT



# --- the underspend rules ----------------------------------------------------------------


def _write_underspend(year: FundedYear) -> tuple[int, int, int]:
    """Every underspend rule, then what the rules leave; returns the returned, carried and reinvested rows.

    Every rule gets its block even when the engine had nothing left for it
    (the figures are then 0), so an edited input still has its formulas.
    """
    writer, row, rows = year.writer, year.row, year.rows
    assert row.underspend is not None  # a funded arrangement-year always has its outcome
    rules = year.arrangement.effective_underspend()
    steps = row.underspend.steps
    sums = _RuleSums()
    available_cell = writer.cell(2, rows.underspend)
    own = sum(isinstance(rule, AttributableRule) for rule in rules)
    if own:
        sums.returns.append(rows.own_returned)
    for index, rule in enumerate([*rules, None], start=1):
        if isinstance(rule, AttributableRule):
            continue
        step = next((s for s in steps if s.index == index - 1 and not s.default), None) if rule is not None else (
            steps[-1] if steps and steps[-1].default else None)
        available_cell = _write_rule(year, index, rule, step, available_cell, sums)
    n = len(writer.partners)
    apart = rows.apart
    returns_row = writer.next("Underspend returned", bold=True)
    writer.each(["+".join([*(writer.pcell(i, r) for r in sums.returns),
                           *([writer.pcell(i, apart.returned)] if apart else [])]) for i in range(n)],
                [money(v) for v in row.underspend_returns[0]])
    writer.pool_sum(int(row.underspend_returns[0].sum()))
    carried_row = writer.next("Carried forward into next year", bold=True)
    writer.pool("+".join([*sums.carried, *([writer.cell(2, apart.carried)] if apart else [])]) or "0",
                money(int(row.carry_forward[0])))
    reinvested_row = writer.next("Reinvested in schemes this year", bold=True)
    writer.pool("+".join(sums.reinvested) or "0", money(int(row.reinvested[0].sum())))
    return returns_row, carried_row, reinvested_row


@dataclass
class _RuleSums:
    """The cells the underspend totals add up."""

    returns: list[int] = field(default_factory=list)  # rows of each rule's returns
    carried: list[str] = field(default_factory=list)
    reinvested: list[str] = field(default_factory=list)


def _write_rule(year: FundedYear, index: int, rule: SharedRule | None, step: Step | None,
                available_cell: str, sums: _RuleSums) -> str:
    """One underspend rule (``None``: what the rules leave); returns the formula for what remains after it."""
    writer, inputs = year.writer, year.inputs
    if rule is None:
        writer.next(_capitalised(LEFTOVER.short), bold=True)
    else:
        writer.next(f"Underspend rule {index}: {rule.words('short', writer.names)}", rule.note, bold=True)
    avail_row = slice_row = writer.next("  available", helper=True)
    writer.pool(available_cell, money(int(step.available[0]) if step else 0))
    target = int(step.target[0]) if step else 0
    if rule is not None and step is not None:
        slice_row = _write_slice(year, step, inputs.rule_limits[index], avail_row,
                                 "  this rule's slice (up to its limit)")
    elif rule is not None:
        slice_row = writer.next("  this rule's slice (up to its limit)", helper=True)
        name, avail = inputs.rule_limits[index], writer.cell(2, avail_row)
        writer.pool(f"IF(ISNUMBER({name}),MIN({avail},{name}),{avail})", money(target))
    slice_cell = writer.cell(2, slice_row)
    if isinstance(rule, CarryForwardRule):
        writer.next("  carried forward to next year's risk pool")
        writer.pool(slice_cell, money(target))
        sums.carried.append(writer.cell(2))
    elif isinstance(rule, ReinvestRule):
        writer.next(f"  reinvested in scheme {rule.scheme} (non-recurrent)")
        writer.pool(slice_cell, money(target))
        sums.reinvested.append(writer.cell(2))
    else:
        returned = [int(v) for v in step.taken[0]] if step else [0] * len(writer.partners)
        sums.returns.append(_write_returns(year, index, rule, slice_row, returned))
    return f"ROUND({writer.cell(2, avail_row)}-{slice_cell},2)"


def _capitalised(words: str) -> str:
    return words[:1].upper() + words[1:]


def _write_returns(year: FundedYear, index: int,
                   rule: ReturnFixedSplitRule | ReturnProportionalRule | RetainByHostRule | None, slice_row: int,
                   returned: list[int]) -> int:
    """A rule's weights, the weights used (the host's if nobody has one) and what each partner gets back."""
    writer, inputs, row, rows = year.writer, year.inputs, year.row, year.rows
    n = len(writer.partners)
    host_flags = [1 if p == row.host else 0 for p in writer.partners]
    host_cells = [writer.pcell(i, inputs.host_row, absolute=True) for i in range(n)]
    if isinstance(rule, ReturnFixedSplitRule):
        values = [float(rule.shares.get(p, Decimal(0))) for p in writer.partners]
        formulas = [writer.pcell(i, inputs.rule_rows[index], absolute=True) for i in range(n)]
        expect, fmt = [number(v) for v in values], styles.PERCENT
    elif isinstance(rule, RetainByHostRule):
        values = [float(v) for v in host_flags]
        formulas, expect, fmt = host_cells, [number(v) for v in host_flags], styles.COUNT
    else:
        basis_cell = inputs.rule_basis[index] if rule is not None else formula_text("total")
        cash = rule is not None and rule.basis == "cash"
        weighed = (row.funding.contribution_cash if cash else row.funding.contribution_total) if row.funding else (
            row.cash if cash else row.cash + row.in_kind)
        values = [float(v) for v in weighed]
        formulas = [f"IF({basis_cell}={formula_text('cash')},{writer.pcell(i, rows.cash_weights)},"
                    f"{writer.pcell(i, rows.total_weights)})" for i in range(n)]
        expect, fmt = [money(int(v)) for v in values], styles.GBP
    weights_row = writer.next("  weights", helper=True)
    writer.each(formulas, expect, fmt)
    anyone = sum(values) > 0
    writer.next("  weights used (the host if nobody has a weight)", helper=True)
    used_row = writer.row
    writer.each([f"IF(SUM({writer.prange(weights_row)})=0,{host_cells[i]},{writer.pcell(i, weights_row)})"
                 for i in range(n)], expect if anyone else [number(v) for v in host_flags],
                fmt if anyone else styles.COUNT)
    writer.next("  returned to each partner")
    writer.each([split_formula(ref(2, slice_row, absolute=True), writer.prange(used_row), writer.pcell(i, used_row))
                 for i in range(n)], [money(v) for v in returned])
    writer.pool_sum(sum(returned))
    return writer.row
