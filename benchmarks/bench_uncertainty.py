"""Time Monte Carlo runs on a generated 200-scheme, 6-partner, 5-year agreement.

Run: python benchmarks/bench_uncertainty.py [--paths 10000] [--big 100000]

Prints (median of repeated runs, wall clock):

* the deterministic run (one path through the engine);
* a 10,000-path simulation (five uncertain drivers, two correlated, and one event);
* the numpy floor for the same shape: drawing the same random numbers plus one
  multiply-add pass over the paths x years x schemes array;
* the ratio simulation / floor;
* the sensitivity analysis (tornado over every driver);
* with ``--big N``: the time and peak memory (resident set) of an N-path run.

Targets (issue 5): deterministic < 50 ms; 10,000 paths < 2 s on 2 cores and
within 3x the floor; 100,000 paths under 2 GiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np
from bench_engine import generated_agreement, median_seconds

from pooledfund.engine.runner import run
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE
from pooledfund.uncertainty import UncertaintySpec, sensitivity, simulate, spec_from_simple
from pooledfund.uncertainty.sampling import draw

ROOT = Path(__file__).resolve().parent.parent


def benchmark_spec() -> UncertaintySpec:
    """Five uncertain drivers (care fees and pay correlated 0.6) and a provider failure."""
    return spec_from_simple(
        drivers=[
            {"id": "care_fees", "type": "inflation", "key": "care_fees",
             "distribution": {"kind": "normal", "mean": 5.5, "sd": 1.5}},
            {"id": "pay", "type": "inflation", "key": "pay",
             "distribution": {"kind": "pert", "min": 3, "mode": 4, "max": 7}},
            {"id": "admissions", "type": "demand", "key": "non_elective_admissions", "from": "2025-10-01",
             "distribution": {"kind": "triangular", "min": -5, "mode": 2, "max": 15}},
            {"id": "need", "type": "demography", "key": "all", "distribution": {"kind": "uniform", "min": 0, "max": 3}},
            {"id": "efficiency", "type": "efficiency", "distribution": {"kind": "lognormal", "mean": 1, "sd": 0.5}},
        ],
        events=[{"id": "provider_failure", "scheme": "S001", "probability_pct": 10,
                 "window": {"from": "2025-10", "to": "2026-03"}, "impact": 1_200_000}],
        correlation={"drivers": ["care_fees", "pay"], "matrix": [[1, 0.6], [0.6, 1]]},
    )


def numpy_floor(agreement: Agreement, spec: UncertaintySpec, paths: int) -> None:
    """The least any simulation of this shape must do: the draws and one pass over paths x years x schemes."""
    draws = draw(spec, paths, 42)
    (arrangement,) = agreement.arrangements
    budgets = np.array([[s.budget.get(y, 0) for s in arrangement.schemes] for y in agreement.years], dtype=np.float64)
    factor = 1 + draws.drivers[:, :1, None] / 100  # (paths, 1, 1)
    shock = draws.event_happens[:, :1, None] * 1.0
    out = budgets[None] * factor + shock
    assert out.shape == (paths, len(agreement.years), len(arrangement.schemes))


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--big", type=int, default=0, help="also time an N-path run and report peak memory")
    args = parser.parse_args()
    agreement = generated_agreement()
    spec = benchmark_spec()
    schemes = sum(len(a.schemes) for a in agreement.arrangements)
    print(f"pooledfund uncertainty benchmark: {schemes} schemes, {len(agreement.partners)} partners, "
          f"{len(agreement.years)} years; {os.cpu_count()} cores; median of {args.repeat} runs")
    run(agreement, BASE)
    simulate(agreement, BASE, spec, paths=200, seed=1)  # warm up imports and caches
    deterministic = median_seconds(lambda: run(agreement, BASE), max(args.repeat, 7))
    print(f"deterministic run:            {deterministic * 1000:8.1f} ms   (target < 50 ms)")
    sim = median_seconds(lambda: simulate(agreement, BASE, spec, paths=args.paths, seed=42), args.repeat)
    print(f"simulation, {args.paths:,} paths:    {sim * 1000:8.1f} ms   (target < 2000 ms)")
    floor = median_seconds(lambda: numpy_floor(agreement, spec, args.paths), max(args.repeat, 7))
    print(f"numpy floor, same shape:      {floor * 1000:8.1f} ms")
    print(f"simulation / floor:           {sim / floor:8.1f} x    (target <= 3 x)")
    tornado = median_seconds(lambda: sensitivity(agreement, BASE, spec), args.repeat)
    print(f"sensitivity (tornado):        {tornado * 1000:8.1f} ms")
    if args.big:
        start = time.perf_counter()
        simulate(agreement, BASE, spec, paths=args.big, seed=42)
        seconds = time.perf_counter() - start
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"simulation, {args.big:,} paths:   {seconds:8.1f} s    peak resident memory {peak_mib:,.0f} MiB "
              "(target < 2048 MiB)")


if __name__ == "__main__":
    main()
