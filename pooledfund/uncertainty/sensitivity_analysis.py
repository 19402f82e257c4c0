"""Sensitivity: a tornado of each driver's swing, and break-even driver values.

**Tornado.** Every uncertain driver is set to its P10 and then its P90 (the
exact percentiles of its distribution) with every other driver at its P50
(median) and no event happening. An event is tested as "does not happen"
against "happens, in the first month of its window". The swing of a partner's
net cost is its net cost at the high setting minus at the low setting; bars
are ranked by the size of the swing. All settings go through the engine in one
run, one path each.

**Break-even.** The value of one driver (others at their medians) at which an
arrangement's year turns from underspend to overspend, found by repeatedly
narrowing a grid of values, each grid one engine run along its paths axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pooledfund.core.money import IntArray
from pooledfund.engine.results import RunResult
from pooledfund.engine.runner import run
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE, Scenario
from pooledfund.uncertainty.pathdrivers import build_drivers
from pooledfund.uncertainty.sampling import Draws, percentile_value
from pooledfund.uncertainty.spec import NO_UNCERTAINTY, UncertaintySpec

#: Break-even values are found to this precision, in % (the precision of percentages in files).
BREAK_EVEN_TOLERANCE = 0.0001
_GRID = 33


@dataclass(frozen=True)
class TornadoBar:
    """One driver or event in a partner's tornado.

    ``low_value``/``high_value`` are the driver's P10/P90 in % (for an event,
    0 and its impact in pence); ``net_cost_low``/``net_cost_high`` the partner's
    net cost in pence with the driver there; ``swing`` = high - low.
    """

    driver_id: str
    label: str
    kind: str  # "driver" or "event"
    low_value: float
    high_value: float
    net_cost_low: int
    net_cost_high: int

    @property
    def swing(self) -> int:
        """How much the partner's net cost moves from the low to the high setting, pence."""
        return self.net_cost_high - self.net_cost_low


@dataclass
class SensitivityResult:
    """The tornado settings and every partner's net cost under each, per year."""

    agreement_id: str
    scenario_id: str
    years: list[str]
    partners: list[str]
    partner_names: dict[str, str]
    settings: list[tuple[str, str, str, float, float]]  # (id, label, kind, low, high)
    net_cost: IntArray  # (1 + 2 x settings, years, partners): base, then low/high of each setting

    def base_net_cost(self, partner_id: str, year: str | None = None) -> int:
        """The partner's net cost with every driver at its median (all years if ``year`` is None)."""
        return int(self._net(partner_id, year)[0])

    def _net(self, partner_id: str, year: str | None) -> IntArray:
        column = self.partners.index(partner_id)
        if year is None:
            return self.net_cost[:, :, column].sum(axis=1)
        return self.net_cost[:, self.years.index(year), column]

    def tornado(self, partner_id: str, year: str | None = None) -> list[TornadoBar]:
        """The partner's bars, largest swing first (ties in the file's order)."""
        net = self._net(partner_id, year)
        bars = [
            TornadoBar(driver_id, label, kind, low, high, int(net[1 + 2 * i]), int(net[2 + 2 * i]))
            for i, (driver_id, label, kind, low, high) in enumerate(self.settings)
        ]
        return sorted(bars, key=lambda bar: -abs(bar.swing))

    def to_json(self) -> dict[str, object]:
        """The tornado of every partner, over all years and per year, money in pounds."""
        from pooledfund.core.money import pounds_float

        def bars(partner_id: str, year: str | None) -> list[dict[str, object]]:
            return [
                {"id": b.driver_id, "name": b.label, "kind": b.kind, "low_value": round(b.low_value, 4),
                 "high_value": round(b.high_value, 4), "net_cost_low": pounds_float(b.net_cost_low),
                 "net_cost_high": pounds_float(b.net_cost_high), "swing": pounds_float(b.swing)}
                for b in self.tornado(partner_id, year)
            ]

        return {
            "agreement": self.agreement_id,
            "scenario": self.scenario_id,
            "partners": [
                {"id": p, "name": self.partner_names[p], "base_net_cost": pounds_float(self.base_net_cost(p)),
                 "tornado": bars(p, None),
                 "years": [{"year": y, "base_net_cost": pounds_float(self.base_net_cost(p, y)), "tornado": bars(p, y)}
                           for y in self.years]}
                for p in self.partners
            ],
        }


def _medians(spec: UncertaintySpec) -> np.ndarray:
    return np.array([percentile_value(d.distribution, 50) for d in spec.drivers])


def _run_settings(
    agreement: Agreement, scenario: Scenario, spec: UncertaintySpec, values: np.ndarray, happens: np.ndarray
) -> RunResult:
    """One engine run with one path per row of driver ``values`` and event flags (first window month)."""
    draws = Draws(values, happens, np.zeros(happens.shape, dtype=np.int64))
    return run(agreement, scenario, build_drivers(list(agreement.years), scenario, spec, draws), months=False)


def sensitivity(
    agreement: Agreement, scenario: Scenario = BASE, spec: UncertaintySpec | None = None
) -> SensitivityResult:
    """Every partner's net cost with each driver at its P10 and P90, others at their medians."""
    spec = spec or NO_UNCERTAINTY
    k, m = len(spec.drivers), len(spec.events)
    medians = _medians(spec)
    settings: list[tuple[str, str, str, float, float]] = []
    rows = 1 + 2 * (k + m)
    values = np.tile(medians, (rows, 1)).reshape(rows, k)
    happens = np.zeros((rows, m), dtype=bool)
    for i, driver in enumerate(spec.drivers):
        low, high = percentile_value(driver.distribution, 10), percentile_value(driver.distribution, 90)
        values[1 + 2 * i, i], values[2 + 2 * i, i] = low, high
        settings.append((driver.id, driver.label, "driver", low, high))
    for j, event in enumerate(spec.events):
        happens[2 + 2 * (k + j), j] = True
        settings.append((event.id, event.label, "event", 0.0, float(event.impact)))
    result = _run_settings(agreement, scenario, spec, values, happens)
    years = list(agreement.years)
    net = np.stack([result.partner_totals(y)["net_cost"] for y in years], axis=1)
    return SensitivityResult(
        agreement_id=agreement.id,
        scenario_id=scenario.id,
        years=years,
        partners=agreement.partner_ids,
        partner_names={p.id: p.name for p in agreement.partners},
        settings=settings,
        net_cost=net,
    )


@dataclass(frozen=True)
class BreakEven:
    """Where an arrangement's year turns from underspend to overspend as one driver moves.

    ``value`` is None when the pool does not change sides between ``low`` and
    ``high``; ``variance_low``/``variance_high`` (pence) say which side it stays on.
    ``overspend_above`` is True when higher values of the driver mean overspend.
    """

    driver_id: str
    arrangement_id: str
    year: str
    value: float | None
    overspend_above: bool | None
    low: float
    high: float
    variance_low: int
    variance_high: int


def break_even(
    agreement: Agreement,
    scenario: Scenario,
    spec: UncertaintySpec,
    driver_id: str,
    arrangement_id: str,
    year: str,
    low: float | None = None,
    high: float | None = None,
) -> BreakEven:
    """The driver value at which the arrangement's variance for ``year`` turns positive.

    The search runs from ``low`` to ``high`` (default: the wider of -50%..50%
    and the driver's P1..P99), to :data:`BREAK_EVEN_TOLERANCE`. If the
    variance changes sign more than once, the first change from ``low`` is found.
    """
    position = [d.id for d in spec.drivers].index(driver_id)
    distribution = spec.drivers[position].distribution
    low = min(-50.0, percentile_value(distribution, 1)) if low is None else low
    high = max(50.0, percentile_value(distribution, 99)) if high is None else high
    if not low < high:
        raise ValueError(f"the search range must run upwards (got {low} to {high})")
    medians = _medians(spec)

    def variance_at(points: np.ndarray) -> IntArray:
        values = np.tile(medians, (points.size, 1)).reshape(points.size, len(medians))
        values[:, position] = points
        result = _run_settings(agreement, scenario, spec, values, np.zeros((points.size, len(spec.events)), dtype=bool))
        (row,) = [r for r in result.for_year(year) if r.arrangement_id == arrangement_id]
        return row.variance

    ends = variance_at(np.array([low, high]))
    over_low, over_high = bool(ends[0] > 0), bool(ends[1] > 0)
    found = BreakEven(driver_id, arrangement_id, year, None, None, low, high, int(ends[0]), int(ends[1]))
    if over_low == over_high:
        return found
    left, right = low, high
    while right - left > BREAK_EVEN_TOLERANCE:
        points = np.linspace(left, right, _GRID)
        over = variance_at(points) > 0
        change = int(np.argmax(over != over_low))
        left, right = float(points[change - 1]), float(points[change])
    return BreakEven(driver_id, arrangement_id, year, round(right, 4), over_high, low, high,
                     int(ends[0]), int(ends[1]))
