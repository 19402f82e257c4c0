"""Monte Carlo runs: many paths through the same engine, a chunk at a time.

All random numbers are drawn first (:mod:`pooledfund.uncertainty.sampling`),
then the paths go through :func:`pooledfund.engine.runner.run` in chunks along its
leading paths axis. Only the figures the statistics need are kept from each
chunk, so memory stays bounded whatever the number of paths, and the result
is the same whatever the chunk size.

The engine runs year-end only (``run(..., months=False)``): every variance,
share and position is the same to the penny as the monthly run, without
building twelve months for every path. The one figure that needs months, each
arrangement's spend by month for the fan chart, is worked out by the monthly
projection the first time it is asked for (:class:`MonthlySpend`).
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import numpy as np
from tqdm import tqdm

from pooledfund.core.money import IntArray
from pooledfund.engine.projection import project_spend
from pooledfund.engine.results import RunResult
from pooledfund.engine.runner import RunCache, run
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE, Scenario
from pooledfund.uncertainty.pathdrivers import build_drivers
from pooledfund.uncertainty.results import ArrangementPaths, SimulationResult
from pooledfund.uncertainty.sampling import DRIVER_RANGES, Draws, draw
from pooledfund.uncertainty.spec import UncertaintySpec

#: Aim for about this many bytes in the engine's biggest array per chunk.
CHUNK_BYTES = 24 * 1024 * 1024  # measured fastest on 2 cores (cache-sized chunks)
MAX_PATHS = 1_000_000


def default_chunk_size(agreement: Agreement, months: int = 12) -> int:
    """Paths per chunk: the engine's ``(paths, years, schemes, months)`` arrays stay near :data:`CHUNK_BYTES`.

    A year-end run keeps one figure per scheme-year (``months=1``); the
    monthly projection for the fan chart keeps twelve.
    """
    schemes = max((len(a.schemes) for a in agreement.arrangements), default=1)
    per_path = len(agreement.years) * max(schemes, 1) * months * 8
    return max(1, CHUNK_BYTES // per_path)


def simulate(
    agreement: Agreement,
    scenario: Scenario = BASE,
    spec: UncertaintySpec | None = None,
    paths: int = 10_000,
    seed: int = 42,
    chunk_size: int | None = None,
    progress: bool = False,
    workers: int | None = None,
    draws: Draws | None = None,
) -> SimulationResult:
    """Run ``paths`` Monte Carlo paths of an agreement under a scenario and its uncertainty.

    Args:
        agreement: the agreement.
        scenario: the deterministic scenario the uncertainty builds on.
        spec: the uncertain drivers, events and correlation (None: nothing varies).
        paths: how many paths (1 to 1,000,000).
        seed: the random seed; the same seed gives the same result.
        chunk_size: paths per engine call (default: sized to keep memory small);
            the result does not depend on it.
        progress: show a progress bar (tqdm, on standard error) if the run
            takes more than a second.
        workers: threads running chunks side by side (default: up to 2, one
            per core); the result does not depend on it.
        draws: the random numbers to use instead of drawing them from ``seed``
            (made for ``spec`` and ``paths``): several agreements simulated
            together share their drivers' draws this way (see
            :mod:`pooledfund.uncertainty.rollup`); ``seed`` is then only reported.
    """
    from pooledfund.uncertainty.spec import NO_UNCERTAINTY

    spec = spec or NO_UNCERTAINTY
    if not 1 <= paths <= MAX_PATHS:
        raise ValueError(f"paths must be between 1 and {MAX_PATHS:,} (got {paths:,})")
    years = list(agreement.years)
    if draws is None:
        draws = draw(spec, paths, seed)
    elif draws.paths != paths or draws.drivers.shape[1] != len(spec.drivers):
        raise ValueError(f"the draws given are for {draws.paths:,} paths and {draws.drivers.shape[1]} drivers; "
                         f"the run has {paths:,} paths and {len(spec.drivers)} drivers")
    size = chunk_size or default_chunk_size(agreement, months=1)
    collector = _Collector(agreement, paths)
    cache = RunCache(agreement, scenario)  # what every chunk shares: budgets, splits, contributions
    bounds = [(start, min(start + size, paths)) for start in range(0, paths, size)]

    def one_chunk(start: int, stop: int) -> tuple[RunResult, int, int]:
        drivers = build_drivers(years, scenario, spec, draws.chunk(start, stop))
        return run(agreement, scenario, drivers, months=False, cache=cache), start, stop

    threads = max(1, min(workers or _default_workers(), len(bounds)))
    with tqdm(total=paths, unit="path", delay=1.0, disable=not progress, desc="simulating") as bar, \
            ThreadPoolExecutor(max_workers=threads) as pool:
        # At most two chunks per thread are in hand at once, so memory stays bounded.
        pending: set[Future[tuple[RunResult, int, int]]] = set()
        for start, stop in bounds:
            pending.add(pool.submit(one_chunk, start, stop))
            if len(pending) >= 2 * threads:
                pending = _collect(pending, collector, bar)
        while pending:
            pending = _collect(pending, collector, bar)
    return SimulationResult(
        agreement_id=agreement.id,
        agreement_title=agreement.title,
        scenario_id=scenario.id,
        scenario_name=scenario.label,
        years=years,
        partners=agreement.partner_ids,
        partner_names={p.id: p.name for p in agreement.partners},
        arrangements=[(a.id, a.name) for a in agreement.arrangements],
        paths=paths,
        seed=seed,
        driver_ids=[d.id for d in spec.drivers],
        driver_values=draws.drivers,
        event_ids=[e.id for e in spec.events],
        event_happens=draws.event_happens,
        arrangement_paths=collector.arrangements,
        partner_paths=collector.partners,
        monthly_budget=collector.monthly_budget,
        monthly_source=MonthlySpend(agreement, scenario, spec, draws, chunk_size, workers),
        driver_clipped=[int(count) for count in draws.clipped],
        driver_ranges=[DRIVER_RANGES[d.type] for d in spec.drivers],
    )


def _default_workers() -> int:
    """Threads for the chunks: numpy releases the interpreter lock, so two cores do help."""
    return min(2, os.cpu_count() or 1)


def _collect(
    pending: set[Future[tuple[RunResult, int, int]]], collector: _Collector, bar: tqdm
) -> set[Future[tuple[RunResult, int, int]]]:
    """Wait for at least one chunk, keep its figures, and return the chunks still running."""
    done, still = wait(pending, return_when=FIRST_COMPLETED)
    for future in done:
        result, start, stop = future.result()
        collector.add(result, start, stop)
        bar.update(stop - start)
    return still


class _Collector:
    """Keeps each chunk's figures in whole-run arrays."""

    def __init__(self, agreement: Agreement, paths: int) -> None:
        years = list(agreement.years)
        n = len(agreement.partners)

        def zeros(*shape: int) -> IntArray:
            return np.zeros((paths, *shape), dtype=np.int64)

        self.arrangements = {
            (a.id, y): ArrangementPaths(zeros(), zeros(), zeros(), np.zeros(paths, dtype=bool), zeros(n),
                                        np.zeros(n, dtype=np.int64))
            for a in agreement.arrangements for y in years
        }
        self.partners: dict[str, dict[str, IntArray]] = {
            y: {m: zeros(n) for m in ("overspend_share", "underspend_return", "net_cost")} for y in years
        }
        self.monthly_budget: dict[str, IntArray] = {}

    def add(self, result: RunResult, start: int, stop: int) -> None:
        for row in result.arrangement_years:
            figures = self.arrangements[(row.arrangement_id, row.year)]
            figures.variance[start:stop] = row.variance
            figures.carry_forward[start:stop] = row.carry_forward
            figures.unfunded[start:stop] = row.unfunded
            figures.cap_binds[start:stop] = _cap_binds(row.overspend, stop - start)
            figures.overspend_shares[start:stop] = row.overspend_shares
            figures.contributions[:] = row.contributions
        for year, table in self.partners.items():
            totals = result.partner_totals(year)
            for measure, values in table.items():
                values[start:stop] = totals[measure]
        for arrangement_id, budget in result.monthly_budget.items():
            self.monthly_budget.setdefault(arrangement_id, budget.sum(axis=1))


def _cap_binds(outcome: Any, paths: int) -> np.ndarray:
    """Paths on which some partner reached its cap in the waterfall."""
    flags = np.zeros(paths, dtype=bool)
    if outcome is not None:
        for step in outcome.steps:
            flags |= np.asarray(step.capped).any(axis=1)
    return flags


class MonthlySpend:
    """Each arrangement's spend by month on every path, worked out by the monthly projection when first asked for.

    Only the fan chart needs months, and building twelve months for every
    path costs many times what the year-end run does; so the simulation keeps
    what it needs to redo the projection (the inputs and the draws, a few
    bytes a path) and :attr:`SimulationResult.monthly_spend` calls
    :meth:`compute` once. The projection is the engine's own
    (:func:`pooledfund.engine.projection.project_spend`) on the same drivers,
    so the months add up to the year-end run's spend to the penny.
    """

    def __init__(self, agreement: Agreement, scenario: Scenario, spec: UncertaintySpec, draws: Draws,
                 chunk_size: int | None = None, workers: int | None = None) -> None:
        self.agreement = agreement
        self.scenario = scenario
        self.spec = spec
        self.draws = draws
        self.chunk_size = chunk_size
        self.workers = workers

    def compute(self) -> dict[str, IntArray]:
        """Arrangement -> spend by month on every path, ``(paths, years, 12)`` pence."""
        years = list(self.agreement.years)
        paths = self.draws.paths
        spend = {a.id: np.zeros((paths, len(years), 12), dtype=np.int64) for a in self.agreement.arrangements}
        size = self.chunk_size or default_chunk_size(self.agreement)

        def one_chunk(start: int) -> None:
            stop = min(start + size, paths)
            drivers = build_drivers(years, self.scenario, self.spec, self.draws.chunk(start, stop))
            for arrangement in self.agreement.arrangements:
                monthly = project_spend(list(arrangement.schemes), years, drivers, self.agreement.assumptions,
                                        self.scenario)
                spend[arrangement.id][start:stop] = monthly.sum(axis=2)

        starts = range(0, paths, size)
        threads = max(1, min(self.workers or _default_workers(), len(starts)))
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for future in [pool.submit(one_chunk, start) for start in starts]:
                future.result()
        return spend
