"""Each scheme's spend for the year without building its months: the same pence as the monthly projection.

The monthly projection (:func:`pooledfund.engine.projection.project_spend`)
rounds each scheme's running total of spend to the penny at every month end
and takes each month as the step between two running totals. So a year's
months add up to the rounded running total at March, and the spend over any
run of months is the difference of two rounded running totals. A year-end
figure needs the running total at March and, where actuals replace the months
to date and the budget profile forecasts the rest, at the last month with
actuals: never all twelve months.

**Few factors.** A scheme's driver factor is the same in every month of a
year except where a demand change starts part-way through it, so each year
falls into a few runs of months (*segments*) with one factor each, and the
schemes fall into a few *classes* (cost category, demography, the demand
changes they follow, in the order the projection applies them) that share a
factor. The factor of each class and segment is worked out with exactly the
floating-point operations of the projection, so it is the same number to the
last binary digit. The running total at a month end is then the sum, over
segments, of the factor times the budget in that segment to that month.

**The same pence.** The projection adds twelve floating-point products, one
month at a time; here they are one or two products. The two can differ in
their last binary digits, which changes the penny only when the total sits
within a hair of a half penny (rounding is half up). So each total is
rounded to the nearest penny, and every total within ``1e-6p + 1e-13 x`` the
year's largest total of a half penny is worked out again month by month
exactly as the projection does it. That margin is hundreds of times wider
than the difference floating-point arithmetic can make (about 30 units in
the last place), so every other total is provably the same penny.

**Refusals.** Inputs the projection refuses (a running total past the
£100bn ceiling, a factor that is not a finite number of 0 or more) are passed
to the projection itself, so the refusal is word for word the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from pooledfund.core.money import IntArray, pounds_array_to_pence
from pooledfund.engine.limits import MAX_SCHEME_YEAR
from pooledfund.engine.projection import (
    Drivers,
    FloatArray,
    active_months,
    apply_actuals,
    budget_profile,
    check_year_totals,
    demand_effect,
    demand_responders,
    demography_key,
    efficiency_levels,
    price_and_need,
    project_spend,
    shocks_by_month,
)
from pooledfund.model.records import BudgetAssumptions, Scheme
from pooledfund.model.scenario import Scenario

#: Paths worked on at once: a block of one year's totals stays in the processor's cache.
BLOCK_PATHS = 512

#: Totals this close to a half penny (in pence, plus RELATIVE_MARGIN of the largest) are redone month by month.
ABSOLUTE_MARGIN = 1e-6
RELATIVE_MARGIN = 1e-13

_ROUNDER = 2.0**52
_ROUNDER_BITS = np.float64(_ROUNDER).view(np.int64)


@dataclass(frozen=True)
class FactorPlan:
    """The driver factors of an arrangement's schemes, by class and segment, for every year.

    Attributes:
        class_of: each scheme's class, ``(schemes,)``.
        starts: for each year, the first month of each segment (0 = April), ascending from 0.
        factors: for each year, the factor of each class in each segment, ``(paths, segments, classes)``.
        largest: for each year, an upper bound on any scheme's running total in pence.
    """

    class_of: IntArray
    starts: list[list[int]]
    factors: list[FloatArray]
    largest: list[float]

    def segment_of_month(self, y_index: int) -> IntArray:
        """Each month's segment in a year, ``(12,)``."""
        found: IntArray = np.searchsorted(self.starts[y_index], np.arange(12), side="right") - 1
        return found


def _classes(
    schemes: list[Scheme], drivers: Drivers, assumptions: BudgetAssumptions
) -> tuple[IntArray, list[tuple[str, str, tuple[tuple[int, Decimal], ...]]]]:
    """Each scheme's class, and each class's (cost category, demography key, demand changes in order)."""
    followed: list[list[tuple[int, Decimal]]] = [[] for _ in schemes]
    # The projection multiplies by each (change, elasticity, repeat) group in this dict's order;
    # a class keeps that order, so its factor is the same floating-point number.
    for (c_index, elasticity, _), indices in demand_responders(schemes, drivers).items():
        for s_index in indices:
            followed[s_index].append((c_index, elasticity))
    keys: dict[tuple[str, str, tuple[tuple[int, Decimal], ...]], int] = {}
    class_of = np.empty(len(schemes), dtype=np.int64)
    for s_index, scheme in enumerate(schemes):
        key = (scheme.cost_category, demography_key(scheme, drivers, assumptions), tuple(followed[s_index]))
        class_of[s_index] = keys.setdefault(key, len(keys))
    return class_of, list(keys)


def _segment_starts(years: list[str], drivers: Drivers) -> list[list[int]]:
    """The first month of each run of months with one factor, per year: a demand change starting mid-year splits it."""
    starts: list[set[int]] = [{0} for _ in years]
    for change in drivers.demand:
        if change.start_year in years and 0 < change.start_month < 12:
            starts[years.index(change.start_year)].add(change.start_month)
    return [sorted(months) for months in starts]


def _segment_budgets(budget: IntArray, starts: list[int], y_index: int, month: int) -> FloatArray:
    """Each scheme's budget in each segment of a year up to the end of ``month``, ``(schemes, segments)`` pence."""
    ends = [*starts[1:], 12]
    columns = [budget[y_index, :, start : min(end, month + 1)].sum(axis=1) for start, end in zip(starts, ends,
                                                                                                   strict=True)]
    return np.stack(columns, axis=1).astype(np.float64)


def factor_plan(
    schemes: list[Scheme], years: list[str], drivers: Drivers, assumptions: BudgetAssumptions, budget: IntArray
) -> FactorPlan | None:
    """The factors by class and segment, or None when the monthly projection must decide.

    None means a factor is not a finite number of 0 or more, or a running total
    could come near the £100bn ceiling: the projection refuses such inputs
    (or, close to the ceiling, decides exactly), so they go through it.
    """
    class_of, keys = _classes(schemes, drivers, assumptions)
    starts = _segment_starts(years, drivers)
    levels = {(c, d): price_and_need(c, d, years, drivers, assumptions) for c, d, _ in keys}
    effects = {(c_index, elasticity): demand_effect(drivers.demand[c_index], elasticity)
               for _, _, followed in keys for c_index, elasticity in followed}
    active = {c_index: active_months(drivers.demand[c_index], years) for c_index, _ in effects}
    efficiency = efficiency_levels(drivers)
    factors, largest = [], []
    for y_index in range(len(years)):
        months = starts[y_index]
        table = np.empty((drivers.paths, len(months), len(keys)))
        for k_index, (category, demog_key, followed) in enumerate(keys):
            column = table[:, :, k_index]
            column[...] = levels[(category, demog_key)][:, y_index, None]
            for c_index, elasticity in followed:
                on = active[c_index][y_index, months]
                column *= np.where(on[None, :] > 0, effects[(c_index, elasticity)][:, None], 1.0)
            if efficiency is not None:
                column *= efficiency[:, y_index, None]
        if not (np.isfinite(table).all() and (table >= 0).all()):
            return None
        peak = table.max(axis=0) if drivers.paths else np.zeros((len(months), len(keys)))
        bound = float((peak[:, class_of].T * _segment_budgets(budget, months, y_index, 11)).sum(axis=1).max(
            initial=0.0))
        if not bound <= MAX_SCHEME_YEAR * (1 - 1e-9):
            return None
        factors.append(table)
        largest.append(bound)
    return FactorPlan(class_of, starts, factors, largest)


def _exact_running_pence(plan: FactorPlan, budget: IntArray, y_index: int, month: int, paths: IntArray,
                         schemes: IntArray) -> IntArray:
    """Running totals to the end of ``month`` for chosen (path, scheme) pairs, month by month as the projection does.

    The same operations in the same order as ``projection._running_totals``
    and ``_months_from_running_totals``: factor x (budget month / 100), added
    one month at a time, then rounded half up to the penny.
    """
    factors = plan.factors[y_index][paths[:, None], plan.segment_of_month(y_index)[None, :],
                                    plan.class_of[schemes][:, None]]
    running = factors * (budget[y_index, schemes, :] / 100)
    for m in range(1, month + 1):
        running[:, m] += running[:, m - 1]
    return pounds_array_to_pence(running[:, month])


def running_pence(plan: FactorPlan, budget: IntArray, y_index: int, month: int,
                  schemes: IntArray | None = None, out: IntArray | None = None) -> IntArray:
    """Each scheme's running total of spend to the end of ``month``, rounded half up to the penny, ``(paths, schemes)``.

    Exactly what the monthly projection's rounded running total is (see the
    module's docstring for why), worked a block of paths at a time and
    written into ``out`` if given.
    """
    chosen = np.arange(plan.class_of.shape[0]) if schemes is None else schemes
    table = plan.factors[y_index]
    paths, _, classes = table.shape
    used = [j for j, start in enumerate(plan.starts[y_index]) if start <= month]
    seg_budget = _segment_budgets(budget, plan.starts[y_index], y_index, month)[chosen]
    # One matrix product does the look-up and the multiplication: row (segment, class) holds the
    # budget of the chosen schemes of that class in that segment, 0 elsewhere, so each total is
    # its class's factor times its budget in each segment (adding exact zeros changes nothing).
    by_class = np.zeros((len(used), classes, chosen.shape[0]))
    for row, j in enumerate(used):
        by_class[row, plan.class_of[chosen], np.arange(chosen.shape[0])] = seg_budget[:, j]
    weights = by_class.reshape(len(used) * classes, -1)
    limit = 0.5 - (ABSOLUTE_MARGIN + RELATIVE_MARGIN * plan.largest[y_index])
    if out is None:
        out = np.empty((paths, chosen.shape[0]), dtype=np.int64)
    for low in range(0, paths, BLOCK_PATHS):
        high = min(low + BLOCK_PATHS, paths)
        total = table[low:high, used].reshape(high - low, -1) @ weights
        # Adding 2**52 rounds a total (0 <= total < 2**51) to the nearest whole penny and leaves that
        # penny in the low bits of the float, so it is read off as an integer without a conversion pass.
        rounded = total + _ROUNDER
        np.subtract(rounded.view(np.int64), _ROUNDER_BITS, out=out[low:high])
        rounded -= _ROUNDER
        total -= rounded  # how far each total is from its nearest penny
        if total.size and (total.max() > limit or total.min() < -limit):
            rows, columns = np.divmod(np.flatnonzero(np.abs(total) > limit), total.shape[1])
            out[low + rows, columns] = _exact_running_pence(plan, budget, y_index, month, rows + low,
                                                            chosen[columns])
    return out


def project_year_spend(
    schemes: list[Scheme],
    years: list[str],
    drivers: Drivers,
    assumptions: BudgetAssumptions,
    scenario: Scenario,
    budget: IntArray | None = None,
) -> IntArray:
    """Each scheme's spend per path and year, ``(paths, years, schemes)`` pence: ``project_spend(...).sum(axis=3)``.

    ``budget`` is the schemes' :func:`~pooledfund.engine.projection.budget_profile`
    when the caller already has it.

    Actuals, the forecast of the rest of the year, shocks and events are put
    in as the projection puts them: the months still projected are always
    the last months of the year (from the month after the last actual), so
    their spend is the running total at March less the running total where
    the actuals stop.

    Raises:
        AmountTooLargeError: as :func:`~pooledfund.engine.projection.project_spend`.
    """
    budget = budget_profile(schemes, years) if budget is None else budget
    plan = factor_plan(schemes, years, drivers, assumptions, budget)
    if plan is None:
        return project_spend(schemes, years, drivers, assumptions, scenario).sum(axis=3)
    index = {s.id: i for i, s in enumerate(schemes)}
    shocks = shocks_by_month(scenario, years, index, budget.shape)
    known = np.zeros((1, *budget.shape), dtype=np.int64)  # actuals and their forecasts, 0 where projected
    open_months = np.ones_like(budget)
    projected = np.ones_like(budget)
    apply_actuals(known, shocks, open_months, scenario, years, index, projected)
    first_projected = 12 - projected.sum(axis=2)  # (years, schemes); the projected months run from here to March
    # Laid out year by year, so each year's (paths, schemes) block is contiguous for the risk share's sums.
    spend = np.moveaxis(np.empty((len(years), drivers.paths, len(schemes)), dtype=np.int64), 0, 1)
    for y_index in range(len(years)):
        running_pence(plan, budget, y_index, 11, out=spend[:, y_index])
        for first in np.unique(first_projected[y_index]):
            if first == 0:
                continue
            chosen = np.nonzero(first_projected[y_index] == first)[0]
            spend[:, y_index, chosen] -= running_pence(plan, budget, y_index, int(first) - 1, chosen)
    fixed = known[0].sum(axis=2) + shocks.sum(axis=2)  # actuals, their forecasts and shocks: the same on every path
    if fixed.any():
        spend += fixed[None]
    for s_index, scheme in enumerate(schemes):
        extra = (drivers.extra_spend or {}).get(scheme.id)
        if extra is not None:
            spend[:, :, s_index] += (extra * open_months[None, :, s_index, :]).sum(axis=2)
    check_year_totals(spend, schemes, years, scenario)
    return spend
