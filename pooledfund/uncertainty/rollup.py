"""Several agreements through the Monte Carlo together, and each body's total exposure across them.

**Which paths move together.** A driver is one thing in the world (care fee
inflation, the National Living Wage, a bad winter), so a driver *named the
same* in several agreements' uncertainty sections moves every one of them
together: on each path it takes the same standard-normal score in all of
them, drawn from the seed and the driver's name (:func:`shared_draws`). Its
value in each area is that area's own distribution at that score, so two
areas that describe it alike get the same value, and an area that expects
more of it gets more, at the same percentile. Drivers with different names
are independent of each other, except as one section's ``correlation``
block ties them within that agreement. Events (a provider failure in one
area) are each agreement's own and independent of every other agreement's.

So the same scenario file given to all 153 areas moves them all together on
each path; an area with a driver of its own moves alone in it. Figures of
one agreement in a run of several therefore differ (by sampling noise
only) from simulating it alone with the same seed, where its draws come from
the seed in the section's order.

**Exposure.** A body's exposure is what it pays beyond what it put in:
overspend shares less underspends returned to it, summed over its
agreements path by path (:func:`exposure_summary`), with its net cost
(contributions + exposure) the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pooledfund.engine.rollup import Rollup, YearFigures
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario
from pooledfund.uncertainty.results import SimulationResult
from pooledfund.uncertainty.sampling import Draws, draws_from_normals
from pooledfund.uncertainty.simulation import simulate
from pooledfund.uncertainty.spec import UncertaintySpec
from pooledfund.uncertainty.statistics import Summary, mean_pence, probability, summarise

#: The partner figures a simulation keeps per year, summed in the roll-up.
SIMULATION_MEASURES = ("overspend_share", "underspend_return", "net_cost")

#: Marks the events' random stream apart from every driver's.
_EVENTS_STREAM = 0


def _name_stream(name: str) -> int:
    """A driver name as a number for the generator's seed: the same name gives the same stream everywhere."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big") | 1


def shared_draws(specs: Sequence[UncertaintySpec], paths: int, seed: int) -> list[Draws]:
    """The draws of several agreements run together: a driver named the same shares its scores.

    Each driver name's standard normals come from a generator seeded with
    ``seed`` and the name, so they are the same in every section that has
    the name (and independent of every other name's); each section then
    mixes its own correlated drivers and applies its own distributions. Each
    agreement's events come from a generator of its own (``seed``, its
    position), independent of the others'.
    """
    if paths < 1:
        raise ValueError(f"paths must be at least 1 (got {paths})")
    scores: dict[str, np.ndarray] = {}
    for spec in specs:
        for driver in spec.drivers:
            if driver.id not in scores:
                scores[driver.id] = np.random.default_rng([seed, _name_stream(driver.id)]).standard_normal(paths)
    draws = []
    for position, spec in enumerate(specs):
        normals = (np.column_stack([scores[d.id] for d in spec.drivers]) if spec.drivers
                   else np.empty((paths, 0)))
        events = np.random.default_rng([seed, _EVENTS_STREAM, position])
        draws.append(draws_from_normals(spec, normals, events))
    return draws


def simulate_several(
    runs: Sequence[tuple[Agreement, Scenario, UncertaintySpec]],
    paths: int = 10_000,
    seed: int = 42,
    chunk_size: int | None = None,
    progress: bool = False,
) -> list[SimulationResult]:
    """Simulate each agreement under its scenario and uncertainty, with the draws shared as the module says.

    Each agreement goes through :func:`pooledfund.uncertainty.simulation.simulate` (chunked, in parallel
    threads), so whatever makes one simulation faster makes this faster.
    """
    draws = shared_draws([spec for _, _, spec in runs], paths, seed)
    return [simulate(agreement, scenario, spec, paths=paths, seed=seed, chunk_size=chunk_size, progress=progress,
                     draws=drawn)
            for (agreement, scenario, spec), drawn in zip(runs, draws, strict=True)]


def simulation_figures(sim: SimulationResult) -> dict[str, YearFigures]:
    """A simulation's partner paths per year, as :func:`pooledfund.engine.rollup.roll_up` takes them."""
    return {year: {measure: sim.partner_paths[year][measure] for measure in SIMULATION_MEASURES}
            for year in sim.years}


@dataclass(frozen=True)
class ExposureSummary:
    """One body's position across its agreements, in one year or all years, over every path.

    Attributes:
        contributions: what it puts in (cash and in kind), the same on every path, in pence.
        exposure: overspend shares less underspends returned to it (positive: it pays more than it put in).
        net_cost: contributions plus exposure.
        over: the threshold asked about, in pence.
        probability_over: the share of paths on which its exposure is more than ``over``.
    """

    contributions: int
    exposure: Summary
    net_cost: Summary
    over: int
    probability_over: float


def exposure_summary(rollup: Rollup, partner: int, year: str | None = None, over: int = 0) -> ExposureSummary:
    """P10/P50/P90 and mean of a body's total exposure and net cost, and the chance its exposure passes ``over``.

    ``year`` None adds its years together on each path before summarising.
    """
    exposure = rollup.values("overspend_share", partner, year) - rollup.values("underspend_return", partner, year)
    net_cost = rollup.values("net_cost", partner, year)
    return ExposureSummary(
        contributions=mean_pence(net_cost - exposure),
        exposure=summarise(exposure),
        net_cost=summarise(net_cost),
        over=over,
        probability_over=probability(exposure > over),
    )
