"""Monthly spend projection for every scheme: budgets moved by the drivers.

Arrays are laid out ``(paths, years, schemes, months)``. The deterministic run
is one path; a Monte Carlo run passes many paths of driver values through the
same arithmetic. Each scheme's running total of spend through the year is
rounded to the penny (half up) and each month is the step between running
totals, so every month is within a penny of its exact value, the year is
exactly round(budget x factor), and every total is an exact sum of pence.

How a scenario moves spend (all relative to the budget, so the base scenario
reproduces the budget to the penny):

* inflation: ``prod over years so far of (1 + scenario%) / (1 + budgeted%)``
  for the scheme's cost category;
* demography: the same for the scheme's type (or ``all``);
* demand: ``1 + elasticity x change%`` from the change's month onwards (never
  below 0: a fall in demand can take a cost to nothing, not below);
* efficiency: ``prod over years so far of (1 - efficiency%)`` (recurrent);
* shocks: pounds added in their month;
* actuals: replace the months to date; the rest is forecast by the method.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from pooledfund.core.money import PENCE_PER_POUND, IntArray, allocate_paths, pounds_array_to_pence
from pooledfund.core.types import percent_weight
from pooledfund.core.years import month_of, parse_month
from pooledfund.engine.forecast import forecast_months
from pooledfund.engine.limits import MAX_SCHEME_YEAR, scheme_spend_too_large
from pooledfund.model.records import BudgetAssumptions, Scheme
from pooledfund.model.scenario import Scenario

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DemandPath:
    """One demand change: the driver, its % change on each path, and when it starts."""

    driver: str
    change_pct: FloatArray  # (paths,)
    start_year: str | None
    start_month: int


@dataclass(frozen=True)
class Drivers:
    """Driver values for every path: the engine's only view of a scenario's drivers.

    ``inflation`` and ``demography`` map a key to % a year with shape
    ``(paths, years)``; ``efficiency`` is ``(paths, years)``. ``extra_spend``
    maps a scheme id to pence added to its spend on each path, ``(paths,
    years, 12)`` (a Monte Carlo run's discrete events, such as a provider
    failure on some paths); months already covered by actuals ignore it.
    """

    paths: int
    inflation: dict[str, FloatArray] = field(default_factory=dict)
    demography: dict[str, FloatArray] = field(default_factory=dict)
    demand: list[DemandPath] = field(default_factory=list)
    efficiency: FloatArray | None = None
    extra_spend: dict[str, IntArray] | None = None

    @staticmethod
    def from_scenario(scenario: Scenario, years: list[str]) -> Drivers:
        """The deterministic (one-path) drivers a scenario gives."""

        def by_year(values: dict[str, Decimal]) -> FloatArray:
            return np.array([[float(values[y]) if y in values else np.nan for y in years]])

        return Drivers(
            paths=1,
            inflation={k: by_year(v) for k, v in scenario.inflation.items()},
            demography={k: by_year(v) for k, v in scenario.demography.items()},
            demand=[
                DemandPath(
                    driver=d.driver,
                    change_pct=np.array([float(d.change_pct)]),
                    start_year=month_of(d.effective_from)[0] if d.effective_from else None,
                    start_month=month_of(d.effective_from)[1] if d.effective_from else 0,
                )
                for d in scenario.demand
            ],
            efficiency=by_year(scenario.efficiency) if scenario.efficiency else None,
        )


def budget_profile(schemes: list[Scheme], years: list[str]) -> IntArray:
    """Each scheme's budget split across months by its phasing, ``(years, schemes, 12)`` pence."""
    weights = np.array(
        [[1] * 12 if s.phasing == "flat" else [percent_weight(w) for w in s.phasing] for s in schemes],
        dtype=np.int64,
    ).reshape(len(schemes), 12)
    totals = np.array([[s.budget.get(y, 0) for s in schemes] for y in years], dtype=np.int64)
    # One vectorised largest-remainder split for every (year, scheme) pair.
    flat = allocate_paths(totals.reshape(-1), np.tile(weights, (len(years), 1)))
    return flat.reshape(len(years), len(schemes), 12)


def _relative_level(
    scenario_rates: FloatArray | None, budget_rates: dict[str, Decimal], years: list[str], paths: int
) -> FloatArray:
    """Cumulative price (or need) level of the scenario relative to the budget, ``(paths, years)``."""
    budget = np.array([float(budget_rates.get(y, 0)) for y in years])[None, :]
    if scenario_rates is None:
        return np.ones((paths, len(years)))
    rates = np.where(np.isnan(scenario_rates), budget, scenario_rates)
    return np.cumprod((1 + rates / 100) / (1 + budget / 100), axis=1) * np.ones((paths, 1))


def driver_factors(
    schemes: list[Scheme], years: list[str], drivers: Drivers, assumptions: BudgetAssumptions
) -> FloatArray:
    """The multiplier on each scheme's budget, ``(paths, years, schemes, 12)``."""
    factors = np.empty((drivers.paths, len(years), len(schemes), 12))
    _set_price_and_need(factors, schemes, years, drivers, assumptions)
    _apply_demand_changes(factors, schemes, years, drivers)
    efficiency = efficiency_levels(drivers)
    if efficiency is not None:
        factors *= efficiency[:, :, None, None]
    return factors


def efficiency_levels(drivers: Drivers) -> FloatArray | None:
    """The recurrent efficiency multiplier ``prod over years so far of (1 - efficiency%)``, ``(paths, years)``."""
    if drivers.efficiency is None:
        return None
    rates = np.nan_to_num(drivers.efficiency, nan=0.0)
    return np.cumprod(1 - rates / 100, axis=1, dtype=np.float64)


def demography_key(scheme: Scheme, drivers: Drivers, assumptions: BudgetAssumptions) -> str:
    """The demography a scheme follows: its scheme type's own rates if any are given, else ``all``."""
    type_key = scheme.scheme_type.value
    return type_key if (type_key in drivers.demography or type_key in assumptions.demography) else "all"


def price_and_need(category: str, demog_key: str, years: list[str], drivers: Drivers,
                   assumptions: BudgetAssumptions) -> FloatArray:
    """A cost category's inflation times a demography key's level, relative to the budget, ``(paths, years)``."""
    inflation = _relative_level(
        drivers.inflation.get(category), assumptions.inflation.get(category, {}), years, drivers.paths
    )
    demography = _relative_level(
        drivers.demography.get(demog_key), assumptions.demography.get(demog_key, {}), years, drivers.paths
    )
    level: FloatArray = inflation * demography
    return level


def _set_price_and_need(
    factors: FloatArray, schemes: list[Scheme], years: list[str], drivers: Drivers, assumptions: BudgetAssumptions
) -> None:
    """Fill ``factors`` with each scheme's inflation times demography level relative to its budget.

    Schemes sharing a cost category and a demography key move together: each
    pair's price-and-need level is worked out once, not once per scheme.
    """
    groups: dict[tuple[str, str], list[int]] = {}
    for s_index, scheme in enumerate(schemes):
        groups.setdefault((scheme.cost_category, demography_key(scheme, drivers, assumptions)), []).append(s_index)
    for (category, demog_key), indices in groups.items():
        factors[:, :, indices, :] = price_and_need(category, demog_key, years, drivers, assumptions)[:, :, None, None]


def demand_responders(schemes: list[Scheme], drivers: Drivers) -> dict[tuple[int, Decimal, int], list[int]]:
    """The schemes that respond to each demand change, grouped by change, elasticity and repeat.

    Every scheme responding to a change with the same elasticity is moved in
    one pass; a scheme naming a driver twice is listed under a second repeat
    number, so it feels the change twice.
    """
    responders: dict[tuple[int, Decimal, int], list[int]] = {}
    for s_index, scheme in enumerate(schemes):
        seen: dict[tuple[int, Decimal], int] = {}
        for link in scheme.cost_drivers:
            for c_index, change in enumerate(drivers.demand):
                if change.driver == link.driver:
                    key = (c_index, link.elasticity)
                    seen[key] = seen.get(key, 0) + 1
                    responders.setdefault((*key, seen[key]), []).append(s_index)
    return responders


def active_months(change: DemandPath, years: list[str]) -> FloatArray:
    """1 for each (year, month) a demand change applies in, 0 before it starts, ``(years, 12)``."""
    active = np.ones((len(years), 12))
    if change.start_year is None:
        return active
    if change.start_year in years:
        start = years.index(change.start_year)
    else:
        start = -1 if change.start_year < years[0] else len(years)
    for y_index in range(len(years)):
        if y_index < start:
            active[y_index] = 0
        elif y_index == start:
            active[y_index, : change.start_month] = 0
    return active


def _apply_demand_changes(factors: FloatArray, schemes: list[Scheme], years: list[str], drivers: Drivers) -> None:
    """Multiply ``factors`` by ``1 + elasticity x change%`` from each demand change's start onwards."""
    for (c_index, elasticity, _), indices in demand_responders(schemes, drivers).items():
        change = drivers.demand[c_index]
        active = active_months(change, years)
        effect = demand_effect(change, elasticity)[:, None, None]
        factors[:, :, indices, :] *= np.where(active[None] > 0, effect, 1.0)[:, :, None, :]


def demand_effect(change: DemandPath, elasticity: Decimal) -> FloatArray:
    """``1 + elasticity x change%`` on each path, ``(paths,)``: a fall in demand takes a cost to nothing, not below."""
    effect: FloatArray = np.maximum(1 + float(elasticity) * change.change_pct / 100, 0.0)
    return effect


def project_spend(
    schemes: list[Scheme],
    years: list[str],
    drivers: Drivers,
    assumptions: BudgetAssumptions,
    scenario: Scenario,
) -> IntArray:
    """Projected spend per path, year, scheme and month in pence.

    Budget months are scaled by the driver factors, the running total is
    rounded half up to the penny; shocks are added; actuals replace the months to date.

    Raises:
        AmountTooLargeError: a scheme's spend in a year would go past £100bn
            (either way), naming the scheme and the scenario's inputs driving it.
    """
    budget = budget_profile(schemes, years)
    running = _running_totals(budget, driver_factors(schemes, years, drivers, assumptions))
    _check_running_totals(running, schemes, years, scenario)
    spend = _months_from_running_totals(running)
    index = {s.id: i for i, s in enumerate(schemes)}
    shocks = shocks_by_month(scenario, years, index, budget.shape)
    open_months = np.ones_like(budget)  # 0 where a scheme's actuals are in
    apply_actuals(spend, shocks, open_months, scenario, years, index)
    spend = spend + shocks[None]
    for s_index, scheme in enumerate(schemes):
        extra = (drivers.extra_spend or {}).get(scheme.id)
        if extra is not None:
            spend[:, :, s_index, :] += extra * open_months[None, :, s_index, :]
    check_year_totals(spend.sum(axis=3), schemes, years, scenario)
    return spend


def _running_totals(budget: IntArray, factors: FloatArray) -> FloatArray:
    """Each scheme's exact spend in pounds to the end of each month of the year.

    Rounding these running totals, not each month, keeps every month within
    a penny of its exact value AND makes the year exactly round(budget x
    factor), so a £1,000,000 budget with 10% inflation costs £1,100,000.00,
    not £1,099,999.96. The base scenario (factor 1) gives back the budget's
    own months exactly. ``factors`` is scaled in place: it is not needed again.
    """
    exact = factors
    exact *= budget[None] / 100
    # Running totals through the year, then each month as the step between them.
    # Twelve strided passes are far quicker than np.cumsum/np.diff over millions of 12-month rows.
    for month in range(1, 12):
        exact[..., month] += exact[..., month - 1]
    return exact


def _months_from_running_totals(running: FloatArray) -> IntArray:
    """Round the running totals to pence, half up, and take each month as the step between them."""
    spend = pounds_array_to_pence(running)
    for month in range(11, 0, -1):
        spend[..., month] -= spend[..., month - 1]
    return spend


def _check_running_totals(running: FloatArray, schemes: list[Scheme], years: list[str], scenario: Scenario) -> None:
    """Refuse running totals past the ceiling (or past counting) before they are turned into pence.

    Two passes (the largest and the smallest value) find whether anything is
    wrong; only then is the culprit looked for. A NaN or an infinity (drivers
    multiplying past what a float holds) fails the comparison and is refused too.
    """
    ceiling = MAX_SCHEME_YEAR / PENCE_PER_POUND
    if running.size == 0 or (running.max() <= ceiling and running.min() >= -ceiling):
        return
    bad = ~(np.abs(running) <= ceiling)  # (paths, years, schemes, 12)
    found = []
    for s_index, scheme in enumerate(schemes):
        hits = np.nonzero(bad[:, :, s_index, :].any(axis=(0, 2)))[0]
        if hits.size:
            y_index = int(hits[0])
            worst = running[:, y_index, s_index, :]
            finite = worst[np.isfinite(worst)]
            amount = float(finite[np.argmax(np.abs(finite))]) * PENCE_PER_POUND if finite.size else None
            if amount is not None and abs(amount) <= MAX_SCHEME_YEAR:
                amount = None  # the year's figure is past counting (a NaN or infinity)
            found.append((scheme, years[y_index], amount))
    raise scheme_spend_too_large(found, scenario, int(running.shape[0]))


def check_year_totals(annual: IntArray, schemes: list[Scheme], years: list[str], scenario: Scenario) -> None:
    """Refuse a scheme-year whose spend, with shocks, events and actuals in, is past the ceiling.

    ``annual`` is each scheme's spend for the year, ``(paths, years, schemes)``.
    """
    if annual.size == 0 or (annual.max() <= MAX_SCHEME_YEAR and annual.min() >= -MAX_SCHEME_YEAR):
        return
    found = []
    for s_index, scheme in enumerate(schemes):
        over = np.abs(annual[:, :, s_index]) > MAX_SCHEME_YEAR
        hits = np.nonzero(over.any(axis=0))[0]
        if hits.size:
            y_index = int(hits[0])
            path = int(np.nonzero(over[:, y_index])[0][0])
            found.append((scheme, years[y_index], float(annual[path, y_index, s_index])))
    raise scheme_spend_too_large(found, scenario, int(annual.shape[0]))


def shocks_by_month(scenario: Scenario, years: list[str], index: dict[str, int], shape: tuple[int, ...]) -> IntArray:
    """The scenario's one-off shocks in pence, ``(years, schemes, 12)``, for schemes and years in the run."""
    shocks = np.zeros(shape, dtype=np.int64)
    for shock in scenario.shocks:
        if shock.scheme in index:
            year, month = parse_month(shock.month)
            if year in years:
                shocks[years.index(year), index[shock.scheme], month] += shock.amount
    return shocks


def apply_actuals(
    spend: IntArray,
    shocks: IntArray,
    open_months: IntArray,
    scenario: Scenario,
    years: list[str],
    index: dict[str, int],
    projected: IntArray | None = None,
) -> None:
    """Put actuals in place of the months to date and forecast the rest of the year from them.

    A shock or event in a month with actuals is already in the actuals
    themselves, so ``shocks`` and ``open_months`` are cleared for those months.
    ``projected`` (``(years, schemes, 12)``, optional) is cleared wherever a
    month's spend is no longer the projection: actual months, and the months
    a forecast method other than the budget profile fills.
    """
    for actual in scenario.actuals:
        if actual.year not in years:
            continue
        y_index = years.index(actual.year)
        _, last = parse_month(actual.to_month)
        for scheme_id, months in actual.schemes.items():
            if scheme_id not in index:
                continue
            s_index = index[scheme_id]
            shocks[y_index, s_index, : last + 1] = 0
            open_months[y_index, s_index, : last + 1] = 0
            if projected is not None:
                projected[y_index, s_index, : last + 1] = 0
            actual_months = [int(v) for v in months[: last + 1]]
            spend[:, y_index, s_index, : last + 1] = np.array(actual_months, dtype=np.int64)
            # budget_profile leaves the projected months (the phased budget moved by the drivers).
            forecast = forecast_months(actual_months, 11 - last, actual.method_for(scheme_id))
            if forecast is not None:
                spend[:, y_index, s_index, last + 1 :] = np.array(forecast, dtype=np.int64)
                if projected is not None:
                    projected[y_index, s_index, last + 1 :] = 0
