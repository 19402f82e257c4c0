"""Triggers: thresholds that move no money but must be reported, and when the forecast first passed them.

A trigger ("forecast overspend above 2% of the pool: partners agree a
recovery plan within 30 days") is checked against each year's forecast
variance: spend less the money in (contributions and brought forward).

Where the scenario has actuals for the year, up to month m, the forecast is
dated: the *month-k forecast outturn* is the actual spend to the end of
month k plus the projection of the months after it, made as the scenario
makes it but with the actuals only to month k (so a run-rate or trend
forecast is fitted to the months known then). It is worked out for every
month k with actuals, April to m; the month-m forecast is the run's own
outturn. The trigger first crossed in the first month k whose forecast
variance is past the threshold.
"""

from __future__ import annotations

import numpy as np

from pooledfund.agreements import FundedArrangement
from pooledfund.core.money import IntArray
from pooledfund.core.years import parse_month
from pooledfund.engine.projection import Drivers, project_spend
from pooledfund.engine.results import RunResult, TriggerStatus, month_code
from pooledfund.model.agreement import Agreement
from pooledfund.model.amounts import AmountBasis, resolve
from pooledfund.model.records import Scheme
from pooledfund.model.scenario import Actuals, Scenario


def actual_months(scenario: Scenario, year: str) -> int:
    """How many months of the year have actuals in the scenario (0: none)."""
    return max((parse_month(a.to_month)[1] + 1 for a in scenario.actuals if a.year == year), default=0)


def _actuals_to(actual: Actuals, month: int) -> Actuals:
    """The actuals as they stood at the end of ``month`` (0 = April): later months not yet known."""
    last = min(parse_month(actual.to_month)[1], month)
    return actual.model_copy(update={
        "to_month": month_code(actual.year, last),
        "schemes": {scheme: months[: last + 1] for scheme, months in actual.schemes.items()},
    })


def month_outturns(schemes: list[Scheme], years: list[str], year: str, drivers: Drivers, agreement: Agreement,
                   scenario: Scenario) -> IntArray:
    """The forecast outturn of ``year`` as it stood at the end of each month with actuals, ``(paths, months)``."""
    y_index = years.index(year)
    columns = []
    for month in range(actual_months(scenario, year)):
        as_then = scenario.model_copy(update={
            "actuals": [_actuals_to(a, month) if a.year == year else a for a in scenario.actuals]})
        spend = project_spend(schemes, years, drivers, agreement.assumptions, as_then)
        columns.append(spend[:, y_index].sum(axis=(1, 2)))
    if not columns:
        return np.zeros((drivers.paths, 0), dtype=np.int64)
    return np.stack(columns, axis=1)


def attach_triggers(result: RunResult, agreement: Agreement, scenario: Scenario, drivers: Drivers) -> None:
    """Check every funded arrangement's triggers each year and record them on the year's result.

    Nothing here changes a figure of the run: triggers move no money.
    """
    arrangements = {a.id: a for a in agreement.arrangements if isinstance(a, FundedArrangement) and a.triggers}
    agreed = {aid: {v.year: v.value for v in values} for aid, values in result.agreed_values.items()}
    for row in result.arrangement_years:
        arrangement = arrangements.get(row.arrangement_id)
        if arrangement is None:
            continue
        basis = AmountBasis(year=row.year, pool=int(row.contributions.sum()),
                            contributions={p: int(v) for p, v in zip(row.partners, row.contributions, strict=True)},
                            agreed_value=agreed.get(row.arrangement_id, {}).get(row.year))
        outturns = month_outturns(list(arrangement.schemes), result.years, row.year, drivers, agreement, scenario)
        forecasts = outturns - row.budget[:, None]
        for index, trigger in enumerate(arrangement.triggers):
            status = TriggerStatus(trigger, index, resolve(trigger.threshold, basis),
                                   np.zeros(result.paths, dtype=bool), forecasts,
                                   np.full(result.paths, -1, dtype=np.int64))
            status.crossed = status.past(row.variance)
            passed = status.past(forecasts)
            if passed.shape[1]:
                status.first_month = np.where(passed.any(axis=1), passed.argmax(axis=1), -1).astype(np.int64)
            row.triggers.append(status)
