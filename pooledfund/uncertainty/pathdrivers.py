"""Turn a run's draws into the engine's per-path drivers and event spend.

The scenario's own driver values are the starting point on every path; each
uncertain driver then replaces the scenario's value for its key and years
(inflation, demography, efficiency) or adds a demand change (demand). Events
become extra spend, in pence, on their scheme in the month they fall in.
"""

from __future__ import annotations

import numpy as np

from pooledfund.core.money import IntArray
from pooledfund.core.years import month_of
from pooledfund.engine.projection import DemandPath, Drivers, FloatArray
from pooledfund.model.scenario import Scenario
from pooledfund.uncertainty.sampling import Draws
from pooledfund.uncertainty.spec import UncertaintySpec, window_months


def build_drivers(years: list[str], scenario: Scenario, spec: UncertaintySpec, draws: Draws) -> Drivers:
    """The engine's drivers for the paths in ``draws``."""
    paths = draws.paths
    base = Drivers.from_scenario(scenario, years)

    def widen(values: FloatArray) -> FloatArray:
        return np.repeat(values, paths, axis=0)

    inflation = {key: widen(values) for key, values in base.inflation.items()}
    demography = {key: widen(values) for key, values in base.demography.items()}
    efficiency = widen(base.efficiency) if base.efficiency is not None else None
    demand = [
        DemandPath(d.driver, np.repeat(d.change_pct, paths), d.start_year, d.start_month) for d in base.demand
    ]
    missing = np.full((paths, len(years)), np.nan)  # NaN: the budgeted rate
    for index, driver in enumerate(spec.drivers):
        values = draws.drivers[:, index]
        if driver.type == "demand":
            start = month_of(driver.effective_from) if driver.effective_from else (None, 0)
            demand.append(DemandPath(str(driver.key), values.copy(), start[0], start[1]))
            continue
        columns = [years.index(y) for y in (driver.years or years) if y in years]
        if driver.type == "efficiency":
            target = efficiency if efficiency is not None else missing.copy()
            efficiency = target
        else:
            table = inflation if driver.type == "inflation" else demography
            target = table.setdefault(str(driver.key), missing.copy())
        target[:, columns] = values[:, None]
    return Drivers(
        paths=paths,
        inflation=inflation,
        demography=demography,
        demand=demand,
        efficiency=efficiency,
        extra_spend=event_spend(years, spec, draws) or None,
    )


def event_spend(years: list[str], spec: UncertaintySpec, draws: Draws) -> dict[str, IntArray]:
    """Each event scheme's extra spend per path, ``(paths, years, 12)`` pence."""
    extra: dict[str, IntArray] = {}
    for index, event in enumerate(spec.events):
        months = window_months(event)
        happens = np.nonzero(draws.event_happens[:, index])[0]
        if not happens.size:
            continue
        target = extra.setdefault(event.scheme, np.zeros((draws.paths, len(years), 12), dtype=np.int64))
        chosen = draws.event_month[happens, index]
        year_of = np.array([years.index(y) if y in years else -1 for y, _ in months])
        month_of_window = np.array([m for _, m in months])
        inside = year_of[chosen] >= 0
        np.add.at(target, (happens[inside], year_of[chosen][inside], month_of_window[chosen][inside]), event.impact)
    return extra
