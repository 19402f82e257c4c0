"""The engine: agreement + scenario -> every partner's position, to the penny.

Flow for each arrangement, year by year (the carry-forward links the years):

1. project each scheme's monthly spend (:mod:`pooledfund.engine.projection`);
2. work out each partner's contribution, after any scenario change;
3. variance = spend - (contributions + brought forward);
4. a partner's own contribution cut and every ring-fenced source (the DFG)
   are settled apart (:mod:`pooledfund.engine.funding`); the rest of the
   variance, the shared result, goes down the risk-share waterfall if an
   overspend, the underspend rules if an underspend
   (:mod:`pooledfund.engine.riskshare`);
5. what is carried forward is next year's brought forward;
6. check the books balance: sum of partners' net cost = spend + reinvested
   - brought forward + carried forward - unfunded. A failure is a bug and
   raises :class:`~pooledfund.core.errors.ConservationError`; it is never shown.

The engine reads no files and draws nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from pooledfund.agreements import (
    AlignedBudget,
    ArrangementBase,
    FundedArrangement,
    LeadCommissioning,
    agreed_value_schedule,
)
from pooledfund.core.errors import AmountTooLargeError, ConservationError
from pooledfund.core.money import IntArray, allocate, allocate_paths, format_gbp
from pooledfund.core.types import percent_weight
from pooledfund.core.years import month_of
from pooledfund.engine.cashflow import payment_profile, spread_change
from pooledfund.engine.funding import FundingSplit, SchemeFigures, SourceMoney, YearMoney, split_funding
from pooledfund.engine.limits import (
    MAX_ARRANGEMENT_YEAR,
    MAX_SCHEME_YEAR,
    arrangement_total_too_large,
    contribution_too_large,
)
from pooledfund.engine.projection import Drivers, budget_profile, project_spend
from pooledfund.engine.results import ArrangementYear, RunResult
from pooledfund.engine.riskshare import OverspendOutcome, ShareContext, UnderspendOutcome, settle
from pooledfund.engine.triggers import attach_triggers
from pooledfund.engine.yearly import project_year_spend
from pooledfund.model.agreement import Agreement
from pooledfund.model.checks import check_amounts
from pooledfund.model.records import AttributableRule, Contribution, Scheme
from pooledfund.model.scenario import BASE, Scenario


@dataclass(frozen=True)
class SchemeTable:
    """An arrangement's schemes as the engine needs them, worked out once: nothing here depends on the paths.

    Attributes:
        schemes: the schemes, in order.
        ids: their ids.
        sources: each scheme's funding source key.
        budget: each scheme's budget phased into months, ``(years, schemes, 12)`` pence.
        year_budget: each scheme's budget for each year, ``(years, schemes)`` pence.
        weights: each scheme's commissioner split as integer weights, ``(schemes, partners)``.
    """

    schemes: list[Scheme]
    ids: list[str]
    sources: list[str]
    budget: IntArray
    year_budget: IntArray
    weights: IntArray

    @staticmethod
    def build(schemes: list[Scheme], years: list[str], partners: list[str]) -> SchemeTable:
        """The table of ``schemes`` over ``years``."""
        budget = budget_profile(schemes, years)
        return SchemeTable(schemes, [s.id for s in schemes], [s.funding_source.value for s in schemes], budget,
                           budget.sum(axis=2), _commissioner_weights(schemes, partners))


class RunCache:
    """What a run works out that is the same on every path, kept for the next run of the same inputs.

    A Monte Carlo run pushes its paths through :func:`run` a chunk at a time;
    the budgets phased into months, the commissioner splits and each year's
    contributions after the scenario's changes are the same for every chunk,
    so they are worked out once. The cache fills as a run goes, so a run
    with a cache refuses exactly what a run without one refuses, at the same
    point. A cache belongs to one agreement and one scenario.
    """

    def __init__(self, agreement: Agreement, scenario: Scenario) -> None:
        self.agreement = agreement
        self.scenario = scenario
        self.amounts_checked = False
        self.contributions: dict[str, list[Contribution]] | None = None
        self.tables: dict[str, SchemeTable] = {}
        self.money: dict[tuple[str, str], _MoneyIn] = {}

    def table(self, arrangement: ArrangementBase, years: list[str], partners: list[str]) -> SchemeTable:
        """The arrangement's scheme table (built on first use)."""
        if arrangement.id not in self.tables:
            self.tables[arrangement.id] = SchemeTable.build(list(arrangement.schemes), years, partners)
        return self.tables[arrangement.id]


def run(
    agreement: Agreement,
    scenario: Scenario = BASE,
    drivers: Drivers | None = None,
    *,
    months: bool = True,
    cache: RunCache | None = None,
) -> RunResult:
    """Project the agreement under a scenario and share every variance.

    ``drivers`` overrides the scenario's driver values (a Monte Carlo run
    passes many paths); by default the scenario's own values make one path.

    ``months=False`` keeps the year-end figures only, for many paths: each
    scheme's spend for the year comes from :mod:`pooledfund.engine.yearly`
    (the same pence as the monthly projection, without building the months),
    and the result has no monthly spend, no cash flow by month
    (``cash_out`` is None) and no triggers. Every variance, share, return,
    carry-forward and partner position is the same to the penny.

    ``cache`` (a :class:`RunCache` of the same agreement and scenario) keeps
    what does not depend on the paths for the next run.

    Raises:
        AmountTooLargeError: an amount would go past the engine's ceilings
            (:mod:`pooledfund.engine.limits`): refused, never shown wrapped round.
    """
    cache = cache or RunCache(agreement, scenario)
    if cache.agreement is not agreement or cache.scenario is not scenario:
        raise ValueError("a RunCache serves only the agreement and scenario it was made for")
    if not cache.amounts_checked:
        amount_errors = check_amounts(agreement)
        if amount_errors:
            raise AmountTooLargeError(amount_errors)
        cache.amounts_checked = True
    years = list(agreement.years)
    drivers = drivers or Drivers.from_scenario(scenario, years)
    partners = agreement.partner_ids
    rows: list[ArrangementYear] = []
    monthly_spend: dict[str, IntArray] = {}
    monthly_budget: dict[str, IntArray] = {}
    agreed_values = {}
    # Built once so that a contribution is the same object wherever it is looked up
    # (a partner's change in £ is shared across all its contributions that year).
    if cache.contributions is None:
        cache.contributions = {
            a.id: a.all_contributions(years) for a in agreement.arrangements if isinstance(a, FundedArrangement)
        }
    contributions = cache.contributions
    for arrangement in agreement.arrangements:
        table = cache.table(arrangement, years, partners)
        schemes = table.schemes
        if months:
            monthly = project_spend(schemes, years, drivers, agreement.assumptions, scenario)
            projected = _Projected(arrangement.id, arrangement.name, arrangement.kind, years, partners, table,
                                   year_spend=monthly.sum(axis=3), spend=monthly)
            monthly_spend[arrangement.id] = monthly
        else:
            year_spend = project_year_spend(schemes, years, drivers, agreement.assumptions, scenario, table.budget)
            projected = _Projected(arrangement.id, arrangement.name, arrangement.kind, years, partners, table,
                                   year_spend=year_spend)
        for y_index, year in enumerate(years):
            _check_total(arrangement, year, "the spend", projected.total_spend(y_index))
        monthly_budget[arrangement.id] = table.budget
        if isinstance(arrangement, AlignedBudget):
            rows += _aligned(projected)
        else:
            rows += _funded(agreement, arrangement, projected, scenario, contributions, cache)
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
        months=months,
    )
    if months:
        attach_triggers(result, agreement, scenario, drivers)  # reported only: triggers move no money
    check_conservation(result)
    return result


def _commissioner_weights(schemes: list[Scheme], partners: list[str]) -> IntArray:
    weights = np.zeros((len(schemes), len(partners)), dtype=np.int64)
    for s_index, scheme in enumerate(schemes):
        for partner, pct in scheme.commissioner_split().items():
            weights[s_index, partners.index(partner)] = percent_weight(pct)
    return weights


@dataclass
class _Projected:
    """One arrangement's schemes with their projected spend and budgets, every year."""

    arrangement_id: str
    name: str
    kind: str
    years: list[str]
    partners: list[str]
    table: SchemeTable
    year_spend: IntArray  # (paths, years, schemes)
    spend: IntArray | None = None  # (paths, years, schemes, 12); None when the run keeps no months
    _totals: dict[int, IntArray] = field(default_factory=dict)

    @property
    def schemes(self) -> list[Scheme]:
        """The arrangement's schemes, in order."""
        return self.table.schemes

    @property
    def paths(self) -> int:
        """How many paths the spend was projected on."""
        return int(self.year_spend.shape[0])

    def scheme_budget(self, y_index: int) -> IntArray:
        """Each scheme's budget for the year, ``(schemes,)``."""
        return self.table.year_budget[y_index]

    def scheme_spend(self, y_index: int) -> IntArray:
        """Each scheme's spend for the year on each path, ``(paths, schemes)``."""
        return self.year_spend[:, y_index]

    def total_spend(self, y_index: int) -> IntArray:
        """The schemes' spend for the year added up, on each path, ``(paths,)`` (worked out once)."""
        if y_index not in self._totals:
            self._totals[y_index] = self.year_spend[:, y_index].sum(axis=1)
        return self._totals[y_index]

    def row(self, y_index: int, **figures: Any) -> ArrangementYear:
        """The year's result: the schemes' figures from here, the partners' ``figures`` as the caller shares them."""
        return ArrangementYear(
            arrangement_id=self.arrangement_id,
            name=self.name,
            kind=self.kind,
            year=self.years[y_index],
            partners=self.partners,
            scheme_ids=list(self.table.ids),
            scheme_budget=self.scheme_budget(y_index),
            scheme_spend=self.scheme_spend(y_index),
            scheme_sources=list(self.table.sources),
            **figures,
        )


def _aligned(projected: _Projected) -> list[ArrangementYear]:
    """Aligned budgets: each partner's budget and variance are its own schemes'."""
    weights = projected.table.weights
    paths, n = projected.paths, len(projected.partners)
    zero = np.zeros(paths, dtype=np.int64)
    rows = []
    for y_index in range(len(projected.years)):
        scheme_budget, scheme_spend = projected.scheme_budget(y_index), projected.scheme_spend(y_index)
        partner_budget = np.zeros(n, dtype=np.int64)
        partner_spend = np.zeros((paths, n), dtype=np.int64)
        for s_index in range(len(projected.schemes)):
            partner_budget += allocate(int(scheme_budget[s_index]), list(weights[s_index]))
            partner_spend += allocate_paths(scheme_spend[:, s_index], weights[s_index])
        variance = partner_spend - partner_budget[None, :]
        rows.append(projected.row(
            y_index, host=None, contingency=0, cash=partner_budget, in_kind=np.zeros(n, dtype=np.int64),
            budget=np.full(paths, partner_budget.sum(), dtype=np.int64), spend=projected.total_spend(y_index),
            brought_forward=zero, carry_forward=zero, unfunded=zero,
            reinvested=np.zeros((paths, len(projected.schemes)), dtype=np.int64),
            overspend_shares=np.maximum(variance, 0), underspend_returns=np.maximum(-variance, 0),
        ))
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
        change_months += spread_change(delta, first_month, contribution.schedule)
    return contribution.cash + total_change, change_months


@dataclass
class _MoneyIn:
    """What the partners pay into an arrangement in one year, after the scenario's changes."""

    cash: IntArray  # (partners,)
    in_kind: IntArray  # (partners,)
    cash_in: IntArray  # (12,) receipts by month
    by_source: dict[str, IntArray]  # funding source -> (partners,) cash and in kind
    agreed_by_source: dict[str, IntArray]  # the same before the scenario's contribution changes


def _money_in(
    contributions: list[Contribution], arrangement_id: str, partners: list[str], scenario: Scenario,
    all_contributions: dict[str, list[Contribution]],
) -> _MoneyIn:
    """Add up one year's contributions by partner, month and funding source."""
    n = len(partners)
    money = _MoneyIn(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(12, dtype=np.int64), {}, {})
    for contribution in contributions:
        p_index = partners.index(contribution.partner)
        new_cash, change_months = changed_cash(contribution, arrangement_id, scenario, all_contributions)
        if abs(new_cash) > MAX_SCHEME_YEAR:
            raise contribution_too_large(contribution, arrangement_id, new_cash, scenario)
        money.cash[p_index] += new_cash
        money.in_kind[p_index] += contribution.in_kind
        money.cash_in += payment_profile(contribution) + change_months
        source = money.by_source.setdefault(contribution.source.value, np.zeros(n, dtype=np.int64))
        source[p_index] += new_cash + contribution.in_kind
        agreed = money.agreed_by_source.setdefault(contribution.source.value, np.zeros(n, dtype=np.int64))
        agreed[p_index] += contribution.total
    return money


def _funded(
    agreement: Agreement,
    arrangement: FundedArrangement,
    projected: _Projected,
    scenario: Scenario,
    all_contributions: dict[str, list[Contribution]],
    cache: RunCache,
) -> list[ArrangementYear]:
    """Pooled funds, lead commissioning and integrated provision: share the variance, year by year."""
    host = arrangement.host(agreement.host_partner)
    layers = arrangement.effective_risk_share()
    rules = arrangement.effective_underspend()
    fences = arrangement.ring_fences()
    weights = projected.table.weights
    # The per-scheme underspend weighs only in an attributable rule: not worked out for nothing.
    own_underspends = any(isinstance(rule, AttributableRule) for rule in rules)
    brought_forward = np.zeros(projected.paths, dtype=np.int64)
    agreed = ({b.year: b.value for b in agreed_value_schedule(arrangement.agreed_value, projected.years)}
              if isinstance(arrangement, LeadCommissioning) else {})
    fenced_forward: dict[str, IntArray] = {}
    rows = []
    for y_index, year in enumerate(projected.years):
        if (arrangement.id, year) not in cache.money:
            cache.money[(arrangement.id, year)] = _money_in(
                [c for c in all_contributions[arrangement.id] if c.year == year], arrangement.id,
                projected.partners, scenario, all_contributions)
        money = cache.money[(arrangement.id, year)]
        scheme_budget, scheme_spend = projected.scheme_budget(y_index), projected.scheme_spend(y_index)
        resources = money.cash.sum() + money.in_kind.sum() + brought_forward
        _check_total(arrangement, year, "the money paid in and brought forward", resources)
        split = split_funding(
            arrangement.shortfall, fences,
            YearMoney(SourceMoney(money.agreed_by_source, money.by_source), money.cash, money.in_kind,
                      brought_forward, fenced_forward),
            SchemeFigures(projected.schemes, weights, scheme_budget, scheme_spend, projected.table.sources,
                          projected.total_spend(y_index)),
        )
        context = ShareContext(
            partners=projected.partners,
            contribution_total=split.contribution_total,
            contribution_cash=split.contribution_cash,
            # A ring-fenced scheme's overspend is settled in its source, so it weighs nothing here.
            scheme_overspend=_beyond(scheme_spend, scheme_budget, split.in_waterfall),
            commissioner_weights=weights,
            scheme_ids=projected.table.ids,
            host=host,
            scheme_underspend=(_beyond(scheme_budget[None, :], scheme_spend, split.in_waterfall)
                               if own_underspends else None),
            year=year,
            agreed_value=agreed.get(year),
        )
        over, under = settle(split.shared_variance, layers, rules, context)
        rows.append(_funded_row(projected, y_index, arrangement.contingency.get(year, 0), host, money, split,
                                over, under))
        brought_forward = under.carried_forward
        fenced_forward = split.carried_forward()
    return rows


def _beyond(amount: IntArray, limit: IntArray, counted: np.ndarray) -> IntArray:
    """How far ``amount`` is past ``limit`` (0 where not), for the schemes ``counted`` only, ``(paths, schemes)``."""
    past = np.subtract(amount, limit)
    np.maximum(past, 0, out=past)
    if not counted.all():
        past *= counted[None, :]
    return past


def _check_total(arrangement: ArrangementBase, year: str, what: str, amounts: IntArray) -> None:
    """Refuse an arrangement-year total past :data:`MAX_ARRANGEMENT_YEAR` on any path."""
    if amounts.size and np.abs(amounts).max() > MAX_ARRANGEMENT_YEAR:
        worst = int(amounts[np.argmax(np.abs(amounts))])
        raise arrangement_total_too_large(arrangement, arrangement.id, year, what, worst)


def _funded_row(
    projected: _Projected, y_index: int, contingency: int, host: str | None, money: _MoneyIn, split: FundingSplit,
    over: OverspendOutcome, under: UnderspendOutcome,
) -> ArrangementYear:
    """One funded arrangement-year's result: the waterfall's shares plus what the partners bore before it."""
    paths = projected.paths
    fenced_in = split.ring_fenced_brought_forward(paths)
    overspend_shares = over.shares + split.borne(paths)
    underspend_returns = under.returns + split.returned(paths)
    # In-kind contributions are spent in kind: they never pass through the
    # host's bank account, so they are taken off the cash paid out.
    in_kind_months = np.array(allocate(int(money.in_kind.sum()), [1] * 12), dtype=np.int64)
    return projected.row(
        y_index, host=host, contingency=contingency, cash=money.cash, in_kind=money.in_kind,
        budget=money.cash.sum() + money.in_kind.sum() + split.shared_brought_forward + fenced_in,
        spend=projected.total_spend(y_index), brought_forward=split.shared_brought_forward + fenced_in,
        carry_forward=under.carried_forward + split.ring_fenced_carried_forward(paths), unfunded=over.unfunded,
        reinvested=under.reinvested, overspend_shares=overspend_shares, underspend_returns=underspend_returns,
        cash_by_source=money.by_source, overspend=over, underspend=under, funding=split, cash_in=money.cash_in,
        cash_out=None if projected.spend is None else projected.spend[:, y_index].sum(axis=1) - in_kind_months[None, :],
        settlement=overspend_shares.sum(axis=1) - underspend_returns.sum(axis=1) - under.reinvested.sum(axis=1),
    )


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
