"""Several agreements through the Monte Carlo together, and each body's total exposure across them.

**Which paths move together.** A driver is one thing in the world (care fee
inflation, the National Living Wage, a bad winter), so a driver *named the
same* in several agreements' uncertainty sections moves every one of them
together: on each path it takes the same standard-normal score in all of
them, drawn once from the seed and the driver's name (:func:`shared_draws`).
Its value in each area is that area's own distribution at that score, so
two areas that describe it alike get the same value, and an area that
expects more of it gets more, at the same percentile.

An agreement's other drivers (its own, named in no other section) are drawn
from their own names' streams *conditionally* on its shared ones
(:func:`pooledfund.uncertainty.sampling.conditional_mixing`), so a
``correlation`` block tying an own driver to a shared one holds exactly
without moving the shared score. Each agreement's drivers therefore have
the distributions and the correlations its file gives, and a shared
driver's score is identical in every agreement. Two shared drivers must be
correlated alike in every section that has both (a section without a
``correlation`` entry for them says 0): the shared scores cannot follow two
different correlations, so different ones are refused, located
(:func:`shared_driver_errors`). Drivers with different names are
independent of each other except as those correlations tie them. Events
(a provider failure in one area) are each agreement's own and independent
of every other agreement's.

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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from pooledfund.core.errors import InputError, InvalidInputError, Source
from pooledfund.engine.rollup import Rollup, YearFigures
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import field_line, source_of
from pooledfund.model.scenario import Scenario
from pooledfund.uncertainty.results import SimulationResult
from pooledfund.uncertainty.sampling import (
    Draws,
    FloatArray,
    conditional_scores,
    correlation_matrix,
    draws_from_scores,
    square_root,
)
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


def shared_names(specs: Sequence[UncertaintySpec]) -> list[str]:
    """The driver names more than one section has, in name order: the drivers whose scores are shared."""
    counts = Counter(name for spec in specs for name in {d.id for d in spec.drivers})
    return sorted(name for name, count in counts.items() if count > 1)


@dataclass(frozen=True)
class _Said:
    """One section's correlation of two shared drivers, and where it says so."""

    value: float
    where: Source
    in_block: bool


def _said(spec: UncertaintySpec, full: FloatArray, first: int, second: int) -> _Said:
    """What ``spec`` says of the correlation of its drivers at ``first`` and ``second``, located.

    Inside its correlation block: that entry of the matrix. Otherwise 0,
    located at the later driver's id (or at the block, when there is one).
    """
    one, two = spec.drivers[first].id, spec.drivers[second].id
    block = spec.correlation
    if block is not None and one in block.drivers and two in block.drivers:
        i, j = block.drivers.index(one), block.drivers.index(two)
        source = source_of(block) or Source("<uncertainty>", None, "uncertainty.correlation")
        return _Said(float(full[first, second]),
                     Source(source.file, field_line(block, "matrix", i, j), f"{source.path}.matrix[{i}][{j}]"),
                     in_block=True)
    if block is not None:
        source = source_of(block) or Source("<uncertainty>", None, "uncertainty.correlation")
        return _Said(0.0, Source(source.file, field_line(block, "drivers"), f"{source.path}.drivers"), False)
    later = spec.drivers[max(first, second)]
    source = source_of(later) or Source("<uncertainty>", None, f"uncertainty.drivers[{max(first, second)}]")
    return _Said(0.0, Source(source.file, field_line(later, "id"), f"{source.path}.id"), in_block=False)


def _words(said: _Said) -> str:
    """A correlation as a message says it: ``0.6`` or ``0 (no correlation given for them)``."""
    return f"{said.value:g}" if said.in_block else "0 (no correlation given for them)"


def _shared_correlations(
    specs: Sequence[UncertaintySpec], shared: Sequence[str]
) -> tuple[FloatArray, dict[tuple[str, str], _Said], list[InputError]]:
    """The shared drivers' correlation matrix as the sections give it, where each entry comes from, and clashes.

    Every pair of shared drivers that one section has together must have
    one correlation in every such section; a pair no section has together is
    independent (0).
    """
    index = {name: i for i, name in enumerate(shared)}
    matrix = np.eye(len(shared))
    first_said: dict[tuple[str, str], _Said] = {}
    errors: list[InputError] = []
    for spec in specs:
        full = correlation_matrix(spec)
        mine = [i for i, d in enumerate(spec.drivers) if d.id in index]
        for first, second in combinations(mine, 2):
            one, two = sorted((spec.drivers[first].id, spec.drivers[second].id))
            said = _said(spec, full, first, second)
            known = first_said.get((one, two))
            if known is None:
                first_said[(one, two)] = said
                matrix[index[one], index[two]] = matrix[index[two], index[one]] = said.value
            elif abs(said.value - known.value) > 1e-12:
                errors.append(InputError(said.where, (
                    f"{one!r} and {two!r} are correlated {_words(said)} here but {_words(known)} in {known.where}; "
                    "a driver named the same in several agreements takes the same score on every path in all of "
                    "them, so two such drivers must be correlated alike in every file that has both: give them the "
                    "same correlation in each, or rename the driver in one file so it moves on its own")))
    return matrix, first_said, errors


def shared_driver_errors(specs: Sequence[UncertaintySpec]) -> list[InputError]:
    """Why the sections cannot be simulated together with shared drivers (empty when they can), located.

    Two drivers shared by several sections must be correlated alike in every
    section that has both; and the shared drivers' correlations, put
    together from all the sections, must not contradict each other (pairs
    no section has together are taken as independent).
    """
    shared = shared_names(specs)
    matrix, said, errors = _shared_correlations(specs, shared)
    if errors or not shared:
        return errors
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest < -1e-9:
        listing = "; ".join(f"{one!r} and {two!r} {entry.value:g} ({entry.where})"
                            for (one, two), entry in said.items() if entry.value != 0)
        last = next(entry for entry in reversed(said.values()) if entry.value != 0)
        errors.append(InputError(last.where, (
            "the correlations of drivers shared by several agreements contradict each other once put together "
            f"(smallest eigenvalue {smallest:.4f}): {listing}; drivers never in one file together are taken as "
            "independent. Weaken the strongest, or give every pair of these drivers its correlation in one file")))
    return errors


def shared_draws(specs: Sequence[UncertaintySpec], paths: int, seed: int) -> list[Draws]:
    """The draws of several agreements run together: a driver named the same has the same score in every one.

    Each driver name's independent standard normals come from a generator
    seeded with ``seed`` and the name. The shared drivers' scores are those
    normals, mixed by the shared drivers' correlations when the sections
    give any (:func:`shared_driver_errors`); they are then the same in every
    section that has the name. Each section's own drivers are drawn from
    their names' normals conditionally on its shared scores, so its
    correlation block holds; then each section applies its own
    distributions. Each agreement's events come from a generator of its own
    (``seed``, its position), independent of the others'.

    Raises:
        InvalidInputError: two sections correlate shared drivers differently, or the shared drivers'
            correlations contradict each other (see :func:`shared_driver_errors`).
    """
    if paths < 1:
        raise ValueError(f"paths must be at least 1 (got {paths})")
    errors = shared_driver_errors(specs)
    if errors:
        raise InvalidInputError(errors)
    normals: dict[str, FloatArray] = {}
    for spec in specs:
        for driver in spec.drivers:
            if driver.id not in normals:
                normals[driver.id] = np.random.default_rng([seed, _name_stream(driver.id)]).standard_normal(paths)
    shared = shared_names(specs)
    matrix, _, _ = _shared_correlations(specs, shared)
    if np.array_equal(matrix, np.eye(len(shared))):  # independent shared drivers: each name's normals as drawn
        scores = {name: normals[name] for name in shared}
    else:
        mixed = np.column_stack([normals[name] for name in shared]) @ square_root(matrix).T
        scores = {name: mixed[:, i] for i, name in enumerate(shared)}
    draws = []
    for position, spec in enumerate(specs):
        own = [normals[d.id] for d in spec.drivers if d.id not in scores]
        independent = np.column_stack(own) if own else np.empty((paths, 0))
        events = np.random.default_rng([seed, _EVENTS_STREAM, position])
        draws.append(draws_from_scores(spec, conditional_scores(spec, scores, independent), events))
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
