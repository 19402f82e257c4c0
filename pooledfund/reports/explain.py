"""The risk-share waterfall in words: which layer took how much from whom, and why.

``pooledfund explain`` prints this. It reads like a finance note: money in,
spend, the result, each step of the waterfall or the underspend rules, each
partner's position, and the check that the figures reconcile.
"""

from __future__ import annotations

from pooledfund.agreements import AgreedValueYear, LeadCommissioning
from pooledfund.core.money import format_gbp
from pooledfund.core.years import month_label, month_of
from pooledfund.engine.results import ArrangementYear, RunResult, TriggerStatus
from pooledfund.engine.riskshare import Step
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import AttributableLayer, AttributableRule, CommissionerLayer

KIND_LABELS = {
    "pooled_fund": "pooled fund",
    "aligned_budget": "aligned budget",
    "lead_commissioning": "lead commissioning at an agreed value",
    "integrated_provision": "integrated provision",
}

_SHOWN = 5  # schemes listed by name in each of "over budget" and "under budget"


def _who(result: RunResult, amounts: list[int]) -> str:
    parts = [f"{result.partner_names[p]} {format_gbp(a)}" for p, a in zip(result.partners, amounts, strict=True) if a]
    return ", ".join(parts) if parts else "nobody"


def _step_text(result: RunResult, step: Step) -> str:
    """A layer or rule in words (the one wording every report uses), with its limit if it has one."""
    limit = step.limit_words(format_gbp)
    return step.words("long", result.partner_names) + (f", {limit}" if limit else "")


def _agreed_value_text(built: AgreedValueYear, agreement: Agreement, arrangement_id: str) -> list[str]:
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
    changes = arrangement.agreed_value.changes if isinstance(arrangement, LeadCommissioning) else []
    for change in changes:
        year, month = month_of(change.effective_from)
        if year == built.year:
            lines.append(
                f"  From {month_label(year, month)}: {format_gbp(change.annual_change)} a year x {12 - month}/12 "
                f"{'(recurrent)' if change.recurrent else '(this year only)'}"
                f"{': ' + change.reason if change.reason else ''}."
            )
    if built.in_year_changes:
        lines.append(f"  In-year changes {format_gbp(built.in_year_changes)}; value transferred "
                     f"{format_gbp(built.value)}; recurrent rate carried into next year "
                     f"{format_gbp(built.closing_rate)}.")
    return lines


def _aligned_lines(result: RunResult, row: ArrangementYear, path: int) -> list[str]:
    """An aligned budget: each partner's budget and its own variance."""
    names = result.partner_names
    lines = [f"Each partner keeps its own budget and its own variance. Budgets {format_gbp(int(row.budget[path]))}"
             f", spend {format_gbp(int(row.spend[path]))}."]
    for i, partner in enumerate(row.partners):
        budget, over, under = int(row.cash[i]), int(row.overspend_shares[path, i]), int(row.underspend_returns[path, i])
        if budget or over or under:
            verdict = (f"overspends by {format_gbp(over)}, which it bears" if over else
                       f"underspends by {format_gbp(under)}, which it keeps" if under else "is on budget")
            lines.append(f"- {names[partner]}: budget {format_gbp(budget)}, {verdict}.")
    return lines


def _money_in_lines(result: RunResult, row: ArrangementYear, path: int) -> list[str]:
    """Money in (contributions, in kind, brought forward) and spend against the schemes' budgets."""
    in_kind, bf = int(row.in_kind.sum()), int(row.brought_forward[path])
    money_in = (f"Money in: contributions {format_gbp(int(row.contributions.sum()))} "
                f"({_who(result, row.contributions.tolist())})")
    if in_kind:
        money_in += f", of which {format_gbp(in_kind)} in kind"
    if bf:
        money_in += f"; brought forward {format_gbp(bf)}"
    contingency = f" and a contingency of {format_gbp(row.contingency)}." if row.contingency else "."
    return [money_in + f"; total {format_gbp(int(row.budget[path]))}.",
            f"Spend: {format_gbp(int(row.spend[path]))} against scheme budgets of "
            f"{format_gbp(int(row.scheme_budget.sum()))}{contingency}"]


def _scheme_lines(row: ArrangementYear, path: int) -> list[str]:
    """The schemes over and under budget, largest first, the first few by name."""
    variances = list(zip(row.scheme_ids, row.scheme_variance[path].tolist(), strict=True))
    lines = []
    for heading, chosen, sign in (("over", sorted((v for v in variances if v[1] > 0), key=lambda v: -v[1]), "+"),
                                  ("under", sorted((v for v in variances if v[1] < 0), key=lambda v: v[1]), "")):
        if chosen:
            shown = ", ".join(f"{sid} {sign}{format_gbp(v)}" for sid, v in chosen[:_SHOWN])
            more = f" and {len(chosen) - _SHOWN} more" if len(chosen) > _SHOWN else ""
            lines.append(f"Schemes {heading} budget: {shown}{more}.")
    return lines


def own_lines_settled(row: ArrangementYear, path: int) -> tuple[list[Step], int]:
    """The own-lines steps (attributable layer and rule) and the variance they leave to share, ``path``'s."""
    assert row.overspend is not None and row.underspend is not None  # a funded arrangement-year has both
    steps = [s for s in row.overspend.steps if isinstance(s.rule, AttributableLayer)]
    steps += [s for s in row.underspend.steps if isinstance(s.rule, AttributableRule)]
    left = int(row.shared_variance[path])
    for step in steps:
        taken = int(step.taken[path].sum())
        left += -taken if isinstance(step.rule, AttributableLayer) else taken
    return steps, left


def _own_lines(result: RunResult, row: ArrangementYear, steps: list[Step], left: int, path: int) -> list[str]:
    """The commissioners' own lines, settled before anything is shared, and what they leave."""
    lines = [f"Result: a variance of {format_gbp(int(row.shared_variance[path]))} to share; each "
             "commissioner's own lines are settled first, with nothing netted across commissioners."]
    for number, step in enumerate(steps, start=1):
        over = isinstance(step.rule, AttributableLayer)
        label = f"layer {step.index + 1}" if over else f"underspend rule {step.index + 1}"
        taken = step.taken[path].tolist()
        text = (f"Step {number}, {label} ({_step_text(result, step)}): the schemes' own "
                f"{'overspends' if over else 'underspends'} of {format_gbp(int(step.available[path]))} "
                f"{'are borne by' if over else 'go back to'} their commissioners: {_who(result, taken)}.")
        if int(step.passed_on[path]):
            text += (f" {format_gbp(int(step.passed_on[path]))} is above a commissioner's cap and stays in what is "
                     "left to share.")
        lines.append(text)
    kind = "an overspend" if left > 0 else "an underspend" if left < 0 else "nothing"
    amount = f" of {format_gbp(abs(left))}" if left else ""
    lines.append(f"Left after the own lines: {kind}{amount} (the risk pool and any change in contributions), "
                 "dealt with by the other rules.")
    return lines


def _settled_apart(row: ArrangementYear, path: int) -> bool:
    """Whether anything was settled before the waterfall: a partner's cut, or a ring-fenced source with a result."""
    funding = row.funding
    if funding is None:
        return False
    return bool(funding.shortfall.any()) or any(
        fenced.result[path].any() or fenced.carried_forward[path].any() for fenced in funding.ring_fenced)


def _shortfall_lines(result: RunResult, row: ArrangementYear) -> list[str]:
    """Each partner's contribution cut and who bears the gap it leaves, with the reason."""
    funding = row.funding
    if funding is None or not funding.shortfall.any():
        return []
    names = result.partner_names
    cuts = ", ".join(f"{names[p]} {format_gbp(int(a))}" for p, a in zip(row.partners, funding.shortfall, strict=True)
                     if a)
    if funding.rule == "reducing_partner":
        return [f"Contribution cuts: paid in less than agreed: {cuts}. The agreement leaves the gap a cut creates "
                "with the partner that made it (shortfall: reducing_partner, the default), so no partner can pass "
                "its own cut to the others: each bears its own cut in full, before the risk pool or the waterfall."]
    return [f"Contribution cuts: paid in less than agreed: {cuts}. The agreement shares the gap a cut creates "
            f"(shortfall: waterfall), so the {format_gbp(funding.shortfall_shared)} is part of the result shared "
            "below."]


_UNDER_WORDS = {
    "carry_forward": "carried forward in the source for",
    "return_to_commissioner": "returned to the partner that spends it:",
    "return_to_giver": "returned to the partners that paid it in:",
}
_OVER_WORDS = {
    "commissioner": "borne by the partner whose schemes overspent:",
    "giver": "borne by the partners that paid it in:",
}


def _ring_fenced_lines(result: RunResult, row: ArrangementYear, path: int) -> list[str]:
    """Each ring-fenced source's own result and where its underspend or overspend went."""
    if row.funding is None:
        return []
    lines = []
    for fenced in row.funding.ring_fenced:
        if not (fenced.result[path].any() or fenced.carried_forward[path].any()):
            continue
        kind = "capital" if fenced.capital else "revenue"
        label = fenced.fence.source.label
        bf = int(fenced.brought_forward[path].sum())
        text = (f"Ring-fenced {label} ({kind}): money {format_gbp(int(fenced.held.sum()))}"
                + (f" and {format_gbp(bf)} brought forward in the source" if bf else "")
                + f", spend {format_gbp(int(fenced.spend[path].sum()))}. Its money stays within it: its underspend "
                "is never netted against other schemes nor returned to another partner.")
        under = int(fenced.returned[path].sum() + fenced.carried_forward[path].sum())
        if under:
            placed = fenced.carried_forward if fenced.fence.underspend == "carry_forward" else fenced.returned
            text += (f" Underspend {format_gbp(under)}, {_UNDER_WORDS[fenced.fence.underspend]} "
                     f"{_who(result, placed[path].tolist())}.")
        over = int(fenced.overspend_borne[path].sum() + fenced.to_waterfall[path])
        if over and fenced.fence.overspend == "waterfall":
            text += (f" Overspend {format_gbp(over)}: the agreement sends it to the waterfall, so it is part of the "
                     "result shared below.")
        elif over:
            text += (f" Overspend {format_gbp(over)}, {_OVER_WORDS[fenced.fence.overspend]} "
                     f"{_who(result, fenced.overspend_borne[path].tolist())}.")
        lines.append(text)
    return lines


def _result_words(row: ArrangementYear, path: int) -> str:
    """How the result to share was reached: the variance itself, or what is left once the rest is settled apart."""
    if not _settled_apart(row, path):
        return ""
    return (f"The variance (spend less money in) is {format_gbp(int(row.variance[path]))}; after the cuts and "
            "ring-fenced sources above, ")


def _overspend_lines(result: RunResult, row: ArrangementYear, path: int, own: bool = False) -> list[str]:
    """The risk pool, each layer of the waterfall, then what is unfunded (after cuts, ring-fences, own lines)."""
    assert row.overspend is not None  # a funded arrangement-year always has its outcome
    variance, used = int(row.shared_variance[path]), int(row.risk_pool_used[path])
    if own:
        variance, used = own_lines_settled(row, path)[1], 0
    lead = _result_words(row, path)
    if own:
        lines: list[str] = []
    else:
        lines = [f"{lead}the result is an overspend of {format_gbp(variance)} to share." if lead else
                 f"Result: an overspend of {format_gbp(variance)} (spend less money in)."]
    if used:
        lines.append(f"Step 1, risk pool: the contingency and the amount brought forward "
                     f"({format_gbp(int(row.risk_pool[path]))}), held back from scheme budgets, absorbed "
                     f"{format_gbp(used)} of the scheme overspends ({format_gbp(variance + used)}) first, leaving "
                     f"{format_gbp(variance)} to share.")
    if row.overspend.cap_layers:
        lines.append("Caps: " + "; ".join(cap.words("long", result.partner_names)
                                          for cap in row.overspend.cap_layers) + ".")
    shared = [s for s in row.overspend.steps if not isinstance(s.rule, AttributableLayer)]
    for number, step in enumerate(shared, start=2 if used else 1):
        if not int(step.available[path]):
            lines.append(f"Nothing remains for layer {step.index + 1} onwards.")
            break
        lines.append(_layer_line(result, row, step, number, path))
    unfunded = int(row.unfunded[path])
    if unfunded:
        lines.append(f"Unfunded, for the board: {format_gbp(unfunded)} is not covered by the risk share "
                     "(every partner able to take it is capped, or the layers ran out).")
    return lines
def _switch_text(step: Step, path: int) -> str:
    """For a switch, which way it went: " The £900,000.00 is past the threshold of £800,000.00, so ..."; else ""."""
    if step.threshold is None or step.switched is None:
        return ""
    how = ("past the threshold of {}, so the whole of it, from the first pound, is shared the second way"
           if bool(step.switched[path]) else "no more than the threshold of {}, so the first way applies")
    return f" The {format_gbp(int(step.available[path]))} is {how.format(format_gbp(step.threshold))}."


def _layer_line(result: RunResult, row: ArrangementYear, step: Step, number: int, path: int) -> str:
    """One layer of the waterfall: what remained, what it placed on whom, who reached a cap, what passed on."""
    assert row.overspend is not None  # only called for an overspend
    taken, passed_on = step.taken[path].tolist(), int(step.passed_on[path])
    text = (f"Step {number}, layer {step.index + 1} ({_step_text(result, step)}): of "
            f"{format_gbp(int(step.available[path]))} remaining, this layer placed {format_gbp(sum(taken))}")
    text += f": {_who(result, taken)}." if sum(taken) else "."
    text += _switch_text(step, path)
    if isinstance(step.rule, CommissionerLayer) and int(step.target[path]) and not sum(taken) and not passed_on:
        text += " No scheme overspent its budget, so nothing is attributable to a commissioner."
    for i, reached in enumerate(step.capped[path].tolist()):
        if reached:
            text += (f" {result.partner_names[row.partners[i]]} reached its cap of "
                     f"{format_gbp(int(row.overspend.caps[i]))}.")
    if passed_on:
        text += (f" {format_gbp(passed_on)} could not be placed on this layer's partners (caps) and passes to "
                 "the next layer.")
    return text


def _underspend_lines(result: RunResult, row: ArrangementYear, path: int, own: bool = False) -> list[str]:
    """Each underspend rule in turn: what it carried forward, reinvested or returned to whom (after any own lines)."""
    assert row.underspend is not None  # a funded arrangement-year always has its outcome
    lead = _result_words(row, path)
    shared_result = format_gbp(-int(row.shared_variance[path]))
    if own:
        lines: list[str] = []
    else:
        lines = [f"{lead}the result is an underspend of {shared_result} to deal with." if lead else
                 f"Result: an underspend of {shared_result} (money in less spend)."]
    shared = [s for s in row.underspend.steps if not isinstance(s.rule, AttributableRule)]
    for number, step in enumerate(shared, start=1):
        target = format_gbp(int(step.target[path]))
        label = "default" if step.default else f"rule {step.index + 1}"
        text = (f"Step {number}, {label} ({_step_text(result, step)}): of {format_gbp(int(step.available[path]))} "
                "remaining, ")
        if step.carried is not None:
            text += f"{target} is carried forward."
        elif step.reinvested is not None:
            text += f"{target} is reinvested."
        else:
            text += f"{target} goes to {_who(result, step.taken[path].tolist())}."
        lines.append(text)
    return lines


def trigger_sentence(result: RunResult, row: ArrangementYear, status: TriggerStatus, path: int = 0) -> str:
    """One trigger in words: its threshold this year, whether the forecast is past it (since when), its action.

    A trigger moves no money; the sentence says whether the agreement's action is due.
    """
    trigger, variance = status.trigger, int(row.variance[path])
    forecast = variance if trigger.direction == "overspend" else -variance
    threshold = status.threshold_words(result.partner_names, "{words}: {amount} this year")
    text = f"Trigger {status.index + 1} ({threshold}): "
    if bool(status.crossed[path]):
        text += f"crossed, the forecast {trigger.direction} is {format_gbp(forecast)}"
        first = status.first_month_label(row.year, path)
        text += f", past the threshold since the forecast at the end of {first}" if first else ""
        text += f"; action: {trigger.action}."
    else:
        what = f"the forecast {trigger.direction} is {format_gbp(forecast)}" if forecast > 0 else (
            f"there is no forecast {trigger.direction}")
        text += f"not crossed ({what}); no action is due (when crossed: {trigger.action})."
    return text + " It moves no money."


def _position_lines(result: RunResult, row: ArrangementYear, path: int) -> list[str]:
    """Each partner's contribution, share, return and net cost; then the host's cash."""
    lines = ["Positions:"]
    for i, partner in enumerate(row.partners):
        contribution = int(row.contributions[i])
        over_share, returned = int(row.overspend_shares[path, i]), int(row.underspend_returns[path, i])
        if contribution or over_share or returned:
            lines.append(
                f"- {result.partner_names[partner]}: contributes {format_gbp(contribution)}"
                + (f", bears {format_gbp(over_share)} of the overspend" if over_share else "")
                + _own_part(row, i)
                + (f", gets back {format_gbp(returned)}" if returned else "")
                + f"; net cost {format_gbp(int(row.net_cost[path, i]))}."
            )
    position = row.cash_position
    if position is not None and row.host:
        months = position[path].tolist()
        low = min(range(12), key=lambda m: months[m])
        lines.append(
            f"Cash: {result.partner_names[row.host]}'s balance on the arrangement is lowest at the end of "
            f"{month_label(row.year, low)} at {format_gbp(months[low])} and closes the year at "
            f"{format_gbp(months[11])} after the year-end settlement (carried forward less unfunded)."
        )
    return lines


def _own_part(row: ArrangementYear, index: int) -> str:
    """The part of a partner's overspend share that is its own contribution cut, if any."""
    if row.funding is None or not int(row.funding.shortfall_borne[index]):
        return ""
    return f" (of which {format_gbp(int(row.funding.shortfall_borne[index]))} is its own contribution cut)"


def _check_line(row: ArrangementYear, path: int) -> str:
    """The books balance, in words."""
    net, spend = int(row.net_cost[path].sum()), int(row.spend[path])
    cf, unfunded, reinvested = int(row.carry_forward[path]), int(row.unfunded[path]), int(row.reinvested[path].sum())
    return (f"Check: partners' net cost {format_gbp(net)} = spend {format_gbp(spend)} + reinvested "
            f"{format_gbp(reinvested)} - brought forward {format_gbp(int(row.brought_forward[path]))} + carried "
            f"forward {format_gbp(cf)} - unfunded {format_gbp(unfunded)}. Agrees.")


def explain_arrangement(result: RunResult, row: ArrangementYear, agreement: Agreement, path: int = 0) -> str:
    """One arrangement-year in words."""
    lines = [f"{row.name} ({row.arrangement_id}), {KIND_LABELS.get(row.kind, row.kind)}, {row.year}"]
    if row.host:
        lines.append(f"Held by {result.partner_names[row.host]}.")
    if row.kind == "aligned_budget":
        return "\n".join(lines + _aligned_lines(result, row, path))
    built = next((b for b in result.agreed_values.get(row.arrangement_id, []) if b.year == row.year), None)
    if built is not None:
        lines += _agreed_value_text(built, agreement, row.arrangement_id)
    lines += _money_in_lines(result, row, path) + _scheme_lines(row, path)
    lines += _shortfall_lines(result, row) + _ring_fenced_lines(result, row, path)
    own_steps, left = own_lines_settled(row, path)
    variance = left if own_steps else int(row.shared_variance[path])
    if own_steps:
        lines += _own_lines(result, row, own_steps, left, path)
    if variance > 0:
        lines += _overspend_lines(result, row, path, bool(own_steps))
    elif variance < 0:
        lines += _underspend_lines(result, row, path, bool(own_steps))
    elif not own_steps:  # own lines that settled everything have said so already
        lines.append(f"{_result_words(row, path)}nothing is left to share." if _settled_apart(row, path)
                     else "Result: spend equals the money in; there is nothing to share.")
    lines += [trigger_sentence(result, row, status, path) for status in row.triggers]
    lines += _position_lines(result, row, path)
    lines.append(_check_line(row, path))
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
        figure = {key: format_gbp(int(values[path, i])) for key, values in totals.items()}
        sections.append(
            f"- {result.partner_names[partner]}: cash {figure['cash_contribution']}, in kind {figure['in_kind']}, "
            f"overspend share {figure['overspend_share']}, underspend returned {figure['underspend_return']}; "
            f"net cost {figure['net_cost']}."
        )
    return "\n".join(sections)
