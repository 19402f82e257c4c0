"""The risk-share waterfall in words: which layer took how much from whom, and why.

``pooledfund explain`` prints this. It reads like a finance note: money in,
spend, the result, each step of the waterfall or the underspend rules, each
partner's position, and the check that the figures reconcile.
"""

from __future__ import annotations

from pooledfund.agreements import AgreedValueYear
from pooledfund.core.money import format_gbp
from pooledfund.core.years import month_label, month_of
from pooledfund.engine.results import ArrangementYear, RunResult
from pooledfund.engine.riskshare import Step
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import (
    BandLayer,
    CarryForwardRule,
    CommissionerLayer,
    FixedSplitLayer,
    ProportionalLayer,
    ReinvestRule,
    RetainByHostRule,
    ReturnFixedSplitRule,
    ReturnProportionalRule,
)

KIND_LABELS = {
    "pooled_fund": "pooled fund",
    "aligned_budget": "aligned budget",
    "lead_commissioning": "lead commissioning at an agreed value",
    "integrated_provision": "integrated provision",
}


def _who(result: RunResult, amounts: list[int]) -> str:
    parts = [f"{result.partner_names[p]} {format_gbp(a)}" for p, a in zip(result.partners, amounts) if a]
    return ", ".join(parts) if parts else "nobody"


def _shares_text(result: RunResult, shares: dict[str, object]) -> str:
    return ", ".join(f"{result.partner_names.get(p, p)} {v}%" for p, v in shares.items())


def _layer_text(result: RunResult, step: Step) -> str:
    layer = step.rule
    limit = getattr(layer, "limit", None)
    upto = f", up to {format_gbp(limit)}" if limit else ""
    if isinstance(layer, CommissionerLayer):
        return f"attributable to the commissioners of the schemes that overspent, in proportion to those overspends{upto}"
    if isinstance(layer, BandLayer):
        return f"a band borne by {result.partner_names.get(layer.partner, layer.partner)} alone, up to {format_gbp(layer.limit)}"
    if isinstance(layer, FixedSplitLayer):
        return f"split by fixed shares ({_shares_text(result, dict(layer.shares))}){upto}"
    if isinstance(layer, ProportionalLayer):
        basis = "cash contributions" if layer.basis == "cash" else "contributions (cash and in kind)"
        among = f" among {', '.join(result.partner_names.get(p, p) for p in layer.partners)}" if layer.partners else ""
        return f"in proportion to {basis}{among}{upto}"
    return layer.__class__.__name__


def _rule_text(result: RunResult, step: Step) -> str:
    rule = step.rule
    if isinstance(rule, CarryForwardRule):
        cap = f" (up to {format_gbp(rule.cap)})" if rule.cap else ""
        return f"carry forward into next year's pool{cap}"
    if isinstance(rule, ReinvestRule):
        cap = f" (up to {format_gbp(rule.cap)})" if rule.cap else ""
        return f"reinvest in scheme {rule.scheme}, non-recurrently, this year{cap}"
    if isinstance(rule, ReturnFixedSplitRule):
        return f"return by fixed shares ({_shares_text(result, dict(rule.shares))})"
    if isinstance(rule, ReturnProportionalRule):
        return "return to partners in proportion to their contributions"
    if isinstance(rule, RetainByHostRule):
        return "the host keeps it"
    return rule.__class__.__name__


def _agreed_value_text(built: AgreedValueYear, result: RunResult, agreement: Agreement, arrangement_id: str) -> list[str]:
    lines = []
    if built.uplift is None:
        lines.append(f"Agreed value: the base value for {built.year} is {format_gbp(built.opening_rate)}.")
    else:
        u = built.uplift
        lines.append(
            f"Agreed value: last year's recurrent rate {format_gbp(built.prior_rate)} x "
            f"(inflation {u.inflation_pct}% + demography {u.demography_pct}% + other {u.other_pct}% "
            f"- efficiency {u.efficiency_pct}% = {u.total_pct}%) = {format_gbp(built.percentage_uplift)} uplift; "
            f"new statutory requirements {format_gbp(u.new_statutory_requirements)}; planned changes "
            f"{format_gbp(u.planned_changes)}; rate for the year {format_gbp(built.opening_rate)}."
        )
        if u.note:
            lines.append(f"  Negotiation note: {u.note}")
    arrangement = next(a for a in agreement.arrangements if a.id == arrangement_id)
    for change in arrangement.agreed_value.changes:
        year, month = month_of(change.effective_from)
        if year == built.year:
            lines.append(
                f"  From {month_label(year, month)}: {format_gbp(change.annual_change)} a year x {12 - month}/12 "
                f"{'(recurrent)' if change.recurrent else '(this year only)'}"
                f"{': ' + change.reason if change.reason else ''}."
            )
    if built.in_year_changes:
        lines.append(f"  In-year changes {format_gbp(built.in_year_changes)}; value transferred {format_gbp(built.value)}; "
                     f"recurrent rate carried into next year {format_gbp(built.closing_rate)}.")
    del result
    return lines


def explain_arrangement(result: RunResult, row: ArrangementYear, agreement: Agreement, path: int = 0) -> str:
    """One arrangement-year in words."""
    names = result.partner_names
    lines = [f"{row.name} ({row.arrangement_id}), {KIND_LABELS.get(row.kind, row.kind)}, {row.year}"]
    if row.host:
        lines.append(f"Held by {names[row.host]}.")
    contributions = (row.cash + row.in_kind).tolist()
    spend = int(row.spend[path])
    scheme_budgets = int(row.scheme_budget.sum())
    if row.kind == "aligned_budget":
        lines.append(f"Each partner keeps its own budget and its own variance. Budgets {format_gbp(int(row.budget[path]))}"
                     f", spend {format_gbp(spend)}.")
        for i, partner in enumerate(row.partners):
            budget, over, under = int(row.cash[i]), int(row.overspend_shares[path, i]), int(row.underspend_returns[path, i])
            if budget or over or under:
                verdict = (f"overspends by {format_gbp(over)}, which it bears" if over else
                           f"underspends by {format_gbp(under)}, which it keeps" if under else "is on budget")
                lines.append(f"- {names[partner]}: budget {format_gbp(budget)}, {verdict}.")
        return "\n".join(lines)
    built = next((b for b in result.agreed_values.get(row.arrangement_id, []) if b.year == row.year), None)
    if built is not None:
        lines += _agreed_value_text(built, result, agreement, row.arrangement_id)
    cash, in_kind, bf = int(row.cash.sum()), int(row.in_kind.sum()), int(row.brought_forward[path])
    money_in = f"Money in: contributions {format_gbp(cash + in_kind)} ({_who(result, contributions)})"
    if in_kind:
        money_in += f", of which {format_gbp(in_kind)} in kind"
    if bf:
        money_in += f"; brought forward {format_gbp(bf)}"
    lines.append(money_in + f"; total {format_gbp(int(row.budget[path]))}.")
    lines.append(f"Spend: {format_gbp(spend)} against scheme budgets of {format_gbp(scheme_budgets)}"
                 + (f" and a contingency of {format_gbp(row.contingency)}." if row.contingency else "."))
    variances = [(sid, int(row.scheme_spend[path, i] - row.scheme_budget[i])) for i, sid in enumerate(row.scheme_ids)]
    over = sorted((v for v in variances if v[1] > 0), key=lambda v: -v[1])
    under = sorted((v for v in variances if v[1] < 0), key=lambda v: v[1])
    if over:
        shown = ", ".join(f"{sid} +{format_gbp(v)}" for sid, v in over[:5])
        more = f" and {len(over) - 5} more" if len(over) > 5 else ""
        lines.append(f"Schemes over budget: {shown}{more}.")
    if under:
        shown = ", ".join(f"{sid} {format_gbp(v)}" for sid, v in under[:5])
        more = f" and {len(under) - 5} more" if len(under) > 5 else ""
        lines.append(f"Schemes under budget: {shown}{more}.")
    variance = int(row.variance[path])
    risk_pool = row.contingency + bf
    if variance > 0:
        absorbed = max(0, min(risk_pool, spend - (int(row.budget[path]) - risk_pool)))
        lines.append(f"Result: an overspend of {format_gbp(variance)} (spend less money in).")
        if absorbed:
            lines.append(f"Step 1, risk pool: the contingency and the amount brought forward ({format_gbp(risk_pool)}), held "
                         f"back from scheme budgets, absorbed {format_gbp(absorbed)} of the scheme overspends "
                         f"({format_gbp(variance + absorbed)}) first, leaving {format_gbp(variance)} to share.")
        assert row.overspend is not None
        number = 2 if absorbed else 1
        for step in row.overspend.steps:
            target, taken = int(step.target[path]), step.taken[path].tolist()
            if not int(step.available[path]):
                lines.append(f"Nothing remains for layer {step.index + 1} onwards.")
                break
            text = (f"Step {number}, layer {step.index + 1} ({_layer_text(result, step)}): of {format_gbp(int(step.available[path]))}"
                    f" remaining, this layer placed {format_gbp(sum(taken))}")
            text += f": {_who(result, taken)}." if sum(taken) else "."
            if isinstance(step.rule, CommissionerLayer) and target and not sum(taken) and not int(step.passed_on[path]):
                text += " No scheme overspent its budget, so nothing is attributable to a commissioner."
            for i, reached in enumerate(step.capped[path].tolist()):
                if reached:
                    cap = int(row.overspend.caps[i])
                    text += f" {names[row.partners[i]]} reached its cap of {format_gbp(cap)}."
            if int(step.passed_on[path]):
                text += (f" {format_gbp(int(step.passed_on[path]))} could not be placed on this layer's partners "
                         "(caps) and passes to the next layer.")
            lines.append(text)
            number += 1
        unfunded = int(row.unfunded[path])
        if unfunded:
            lines.append(f"Unfunded, for the board: {format_gbp(unfunded)} is not covered by the risk share "
                         "(every partner able to take it is capped, or the layers ran out).")
    elif variance < 0:
        lines.append(f"Result: an underspend of {format_gbp(-variance)} (money in less spend).")
        assert row.underspend is not None
        for number, step in enumerate(row.underspend.steps, start=1):
            target = int(step.target[path])
            label = "default" if step.default else f"rule {step.index + 1}"
            text = f"Step {number}, {label} ({_rule_text(result, step)}): of {format_gbp(int(step.available[path]))} remaining, "
            if step.carried is not None:
                text += f"{format_gbp(target)} is carried forward."
            elif step.reinvested is not None:
                text += f"{format_gbp(target)} is reinvested."
            else:
                text += f"{format_gbp(target)} goes to {_who(result, step.taken[path].tolist())}."
            lines.append(text)
    else:
        lines.append("Result: spend equals the money in; there is nothing to share.")
    lines.append("Positions:")
    for i, partner in enumerate(row.partners):
        contribution = int(row.cash[i] + row.in_kind[i])
        over_share, returned = int(row.overspend_shares[path, i]), int(row.underspend_returns[path, i])
        if contribution or over_share or returned:
            lines.append(
                f"- {names[partner]}: contributes {format_gbp(contribution)}"
                + (f", bears {format_gbp(over_share)} of the overspend" if over_share else "")
                + (f", gets back {format_gbp(returned)}" if returned else "")
                + f"; net cost {format_gbp(int(row.net_cost[path, i]))}."
            )
    position = row.cash_position
    if position is not None and row.host:
        months = position[path].tolist()
        low = min(range(12), key=lambda m: months[m])
        lines.append(
            f"Cash: {names[row.host]}'s balance on the arrangement is lowest at the end of {month_label(row.year, low)} "
            f"at {format_gbp(months[low])} and closes the year at {format_gbp(months[11])} "
            "after the year-end settlement (carried forward less unfunded)."
        )
    net = int(row.net_cost[path].sum())
    cf, unfunded, reinvested = int(row.carry_forward[path]), int(row.unfunded[path]), int(row.reinvested[path].sum())
    lines.append(
        f"Check: partners' net cost {format_gbp(net)} = spend {format_gbp(spend)} + reinvested {format_gbp(reinvested)}"
        f" - brought forward {format_gbp(bf)} + carried forward {format_gbp(cf)} - unfunded {format_gbp(unfunded)}. Agrees."
    )
    return "\n".join(lines)


def explain(result: RunResult, agreement: Agreement, year: str, path: int = 0) -> str:
    """Every arrangement of ``year`` in words, then each partner's total position."""
    sections = [f"{result.agreement_title}: {year}, scenario {result.scenario_name}", ""]
    for row in result.for_year(year):
        sections.append(explain_arrangement(result, row, agreement, path))
        sections.append("")
    totals = result.partner_totals(year)
    sections.append(f"Each partner's position across all arrangements in {year}:")
    for i, partner in enumerate(result.partners):
        sections.append(
            f"- {result.partner_names[partner]}: cash {format_gbp(int(totals['cash_contribution'][path, i]))}, in kind "
            f"{format_gbp(int(totals['in_kind'][path, i]))}, overspend share {format_gbp(int(totals['overspend_share'][path, i]))}, "
            f"underspend returned {format_gbp(int(totals['underspend_return'][path, i]))}; net cost "
            f"{format_gbp(int(totals['net_cost'][path, i]))}."
        )
    return "\n".join(sections)
