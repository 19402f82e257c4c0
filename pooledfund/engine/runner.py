"""The engine: agreement + scenario -> every partner's position, to the penny.

Flow for each arrangement, year by year (the carry-forward links the years):

1. project each scheme's monthly spend (:mod:`pooledfund.engine.projection`);
2. work out each partner's contribution, after any scenario change;
3. variance = spend - (contributions + brought forward);
4. an overspend goes down the risk-share waterfall, an underspend down the
   underspend rules (:mod:`pooledfund.engine.riskshare`);
5. what is carried forward is next year's brought forward;
6. check the books balance: sum of partners' net cost = spend + reinvested
   - brought forward + carried forward - unfunded. A failure is a bug and
   raises :class:`~pooledfund.core.errors.ConservationError`; it is never shown.

The engine reads no files and draws nothing.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from pooledfund.agreements import AlignedBudget, FundedArrangement, LeadCommissioning, agreed_value_schedule
from pooledfund.core.errors import ConservationError
from pooledfund.core.money import IntArray, allocate, allocate_paths, format_gbp
from pooledfund.core.types import percent_weight
from pooledfund.core.years import month_of
from pooledfund.engine.cashflow import payment_profile, spread_change
from pooledfund.engine.projection import Drivers, budget_profile, project_spend
from pooledfund.engine.results import ArrangementYear, RunResult
from pooledfund.engine.riskshare import ShareContext, deal_with_underspend, share_overspend
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import Contribution, Scheme
from pooledfund.model.scenario import BASE, Scenario


def run(agreement: Agreement, scenario: Scenario = BASE, drivers: Drivers | None = None) -> RunResult:
    """Project the agreement under a scenario and share every variance.

    ``drivers`` overrides the scenario's driver values (a Monte Carlo run
    passes many paths); by default the scenario's own values make one path.
    """
    years = list(agreement.years)
    drivers = drivers or Drivers.from_scenario(scenario, years)
    partners = agreement.partner_ids
    rows: list[ArrangementYear] = []
    monthly_spend: dict[str, IntArray] = {}
    monthly_budget: dict[str, IntArray] = {}
    agreed_values = {}
    # Built once so that a contribution is the same object wherever it is looked up
    # (a partner's change in £ is shared across all its contributions that year).
    contributions = {
        a.id: a.all_contributions(years) for a in agreement.arrangements if isinstance(a, FundedArrangement)
    }
    for arrangement in agreement.arrangements:
        schemes = list(arrangement.schemes)
        spend = project_spend(schemes, years, drivers, agreement.assumptions, scenario)
        budget = budget_profile(schemes, years)
        monthly_spend[arrangement.id] = spend
        monthly_budget[arrangement.id] = budget
        if isinstance(arrangement, AlignedBudget):
            rows += _aligned(arrangement, years, partners, schemes, spend, budget)
        else:
            assert isinstance(arrangement, FundedArrangement)
            rows += _funded(agreement, arrangement, years, partners, schemes, spend, budget, scenario, contributions)
            if isinstance(arrangement, LeadCommissioning):
                agreed_values[arrangement.id] = agreed_value_schedule(arrangement.agreed_value, years)
    result = RunResult(
        agreement_id=agreement.id,
        agreement_title=agreement.title,
        scenario_id=scenario.id,
        scenario_name=scenario.label,
        years=years,
        partners=partners,
        partner_names={p.id: p.name for p in agreement.partners},
        paths=drivers.paths,
        arrangement_years=rows,
        monthly_spend=monthly_spend,
        monthly_budget=monthly_budget,
        agreed_values=agreed_values,
    )
    check_conservation(result)
    return result


def _commissioner_weights(schemes: list[Scheme], partners: list[str]) -> IntArray:
    weights = np.zeros((len(schemes), len(partners)), dtype=np.int64)
    for s_index, scheme in enumerate(schemes):
        for partner, pct in scheme.commissioner_split().items():
            weights[s_index, partners.index(partner)] = percent_weight(pct)
    return weights


def _aligned(
    arrangement: AlignedBudget,
    years: list[str],
    partners: list[str],
    schemes: list[Scheme],
    spend: IntArray,
    budget: IntArray,
) -> list[ArrangementYear]:
    """Aligned budgets: each partner's budget and variance are its own schemes'."""
    weights = _commissioner_weights(schemes, partners)
    paths = spend.shape[0]
    n = len(partners)
    rows = []
    for y_index, year in enumerate(years):
        scheme_budget = budget[y_index].sum(axis=1)
        scheme_spend = spend[:, y_index].sum(axis=2)
        partner_budget = np.zeros(n, dtype=np.int64)
        partner_spend = np.zeros((paths, n), dtype=np.int64)
        for s_index in range(len(schemes)):
            partner_budget += allocate(int(scheme_budget[s_index]), list(weights[s_index]))
            partner_spend += allocate_paths(scheme_spend[:, s_index], weights[s_index])
        variance = partner_spend - partner_budget[None, :]
        zero = np.zeros(paths, dtype=np.int64)
        rows.append(
            ArrangementYear(
                arrangement_id=arrangement.id,
                name=arrangement.name,
                kind=arrangement.kind,
                year=year,
                host=None,
                partners=partners,
                scheme_ids=[s.id for s in schemes],
                scheme_budget=scheme_budget,
                scheme_spend=scheme_spend,
                contingency=0,
                cash=partner_budget,
                in_kind=np.zeros(n, dtype=np.int64),
                budget=np.full(paths, partner_budget.sum(), dtype=np.int64),
                spend=scheme_spend.sum(axis=1),
                brought_forward=zero,
                carry_forward=zero,
                unfunded=zero,
                reinvested=np.zeros((paths, len(schemes)), dtype=np.int64),
                overspend_shares=np.maximum(variance, 0),
                underspend_returns=np.maximum(-variance, 0),
            )
        )
    return rows


def changed_cash(
    contribution: Contribution, arrangement_id: str, scenario: Scenario, contributions: dict[str, list[Contribution]]
) -> tuple[int, IntArray]:
    """A contribution's cash after the scenario's changes, and the monthly change in cash.

    A change in pounds is made once per partner: it is shared across the
    partner's contributions that year (in the named arrangement, or in every
    arrangement when none is named) in proportion to their cash.
    """
    change_months = np.zeros(12, dtype=np.int64)
    total_change = 0
    for change in scenario.contribution_changes:
        if change.partner != contribution.partner or change.arrangement not in (None, arrangement_id):
            continue
        change_year, first_month = month_of(change.effective_from)
        if change_year > contribution.year:
            continue
        if change_year < contribution.year:
            first_month = 0
        annual = Decimal(0)
        if change.change_pct is not None:
            annual += Decimal(contribution.cash) * change.change_pct / 100
        if change.change_amount is not None:
            # An amount is shared across the partner's contributions that year by their cash.
            pools = [arrangement_id] if change.arrangement else list(contributions)
            same_year = [
                c for pool in pools for c in contributions[pool]
                if c.partner == contribution.partner and c.year == contribution.year
            ]
            portions = allocate(change.change_amount, [c.cash for c in same_year])
            position = next(i for i, c in enumerate(same_year) if c is contribution)
            annual += portions[position]
        months = 12 - first_month
        delta = int((annual * months / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        delta = max(delta, -(contribution.cash + total_change))  # cash cannot go below nothing
        total_change += delta
        change_months += spread_change(delta, first_month)
    return contribution.cash + total_change, change_months


def _funded(
    agreement: Agreement,
    arrangement: FundedArrangement,
    years: list[str],
    partners: list[str],
    schemes: list[Scheme],
    spend: IntArray,
    budget: IntArray,
    scenario: Scenario,
    all_contributions: dict[str, list[Contribution]],
) -> list[ArrangementYear]:
    """Pooled funds, lead commissioning and integrated provision: share the variance."""
    paths = spend.shape[0]
    n = len(partners)
    host = arrangement.host(agreement.host_partner)
    layers = arrangement.effective_risk_share(agreement.host_partner)
    rules = arrangement.effective_underspend()
    weights = _commissioner_weights(schemes, partners)
    contributions = all_contributions[arrangement.id]
    brought_forward = np.zeros(paths, dtype=np.int64)
    rows = []
    for y_index, year in enumerate(years):
        cash = np.zeros(n, dtype=np.int64)
        in_kind = np.zeros(n, dtype=np.int64)
        cash_in = np.zeros(12, dtype=np.int64)
        by_source: dict[str, IntArray] = {}
        for contribution in (c for c in contributions if c.year == year):
            p_index = partners.index(contribution.partner)
            new_cash, change_months = changed_cash(contribution, arrangement.id, scenario, all_contributions)
            cash[p_index] += new_cash
            in_kind[p_index] += contribution.in_kind
            cash_in += payment_profile(contribution) + change_months
            source = by_source.setdefault(contribution.source.value, np.zeros(n, dtype=np.int64))
            source[p_index] += new_cash + contribution.in_kind
        scheme_budget = budget[y_index].sum(axis=1)
        scheme_spend = spend[:, y_index].sum(axis=2)
        total_spend = scheme_spend.sum(axis=1)
        resources = cash.sum() + in_kind.sum() + brought_forward
        variance = total_spend - resources
        context = ShareContext(
            partners=partners,
            contribution_total=cash + in_kind,
            contribution_cash=cash,
            scheme_overspend=np.maximum(scheme_spend - scheme_budget[None, :], 0),
            commissioner_weights=weights,
            scheme_ids=[s.id for s in schemes],
            host=host,
        )
        over = share_overspend(np.maximum(variance, 0), layers, context)
        under = deal_with_underspend(np.maximum(-variance, 0), rules, context)
        # In-kind contributions are spent in kind: they never pass through the
        # host's bank account, so they are taken off the cash paid out.
        in_kind_months = np.array(allocate(int(in_kind.sum()), [1] * 12), dtype=np.int64)
        cash_out = spend[:, y_index].sum(axis=1) - in_kind_months[None, :]
        settlement = over.shares.sum(axis=1) - under.returns.sum(axis=1) - under.reinvested.sum(axis=1)
        rows.append(
            ArrangementYear(
                arrangement_id=arrangement.id,
                name=arrangement.name,
                kind=arrangement.kind,
                year=year,
                host=host,
                partners=partners,
                scheme_ids=[s.id for s in schemes],
                scheme_budget=scheme_budget,
                scheme_spend=scheme_spend,
                contingency=arrangement.contingency.get(year, 0),
                cash=cash,
                in_kind=in_kind,
                budget=resources,
                spend=total_spend,
                brought_forward=brought_forward,
                carry_forward=under.carried_forward,
                unfunded=over.unfunded,
                reinvested=under.reinvested,
                overspend_shares=over.shares,
                underspend_returns=under.returns,
                cash_by_source=by_source,
                overspend=over,
                underspend=under,
                cash_in=cash_in,
                cash_out=cash_out,
                settlement=settlement,
            )
        )
        brought_forward = under.carried_forward
    return rows


def check_conservation(result: RunResult) -> None:
    """Check every arrangement-year balances to the penny on every path.

    Sum of partners' net cost = spend + reinvested - brought forward
    + carried forward - unfunded. Anything else is a bug in the engine.
    """
    for row in result.arrangement_years:
        net = row.net_cost.sum(axis=1)
        expected = row.spend + row.reinvested.sum(axis=1) - row.brought_forward + row.carry_forward - row.unfunded
        bad = np.nonzero(net != expected)[0]
        if bad.size:
            path = int(bad[0])
            raise ConservationError(
                f"{row.arrangement_id} {row.year}: partners' net cost {format_gbp(net[path])} does not equal "
                f"spend + reinvested - brought forward + carried forward - unfunded = {format_gbp(expected[path])} "
                f"(path {path}); this is a bug in pooledfund, please report it"
            )
