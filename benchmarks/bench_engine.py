"""Time the engine on the bundled examples and on a generated large agreement.

Run: python benchmarks/bench_engine.py
Prints the median wall-clock time of load + run for each example, and of a
deterministic run of a generated 200-scheme, 6-partner, 5-year pooled fund.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from pooledfund.engine.runner import run
from pooledfund.io.loader import load_agreement
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent

SCHEME_TYPES = ["home_care_or_domiciliary_care", "residential_placements", "carers_services",
                "home_based_intermediate_care", "community_based_schemes", "enablers_for_integration"]
# The sources a 2025-26 plan can use (the iBCF and discharge funds ended in 2024-25).
SOURCES = ["nhs_minimum", "local_authority_better_care_grant", "additional_la", "additional_nhs", "other", "other"]


def generated_agreement(schemes: int = 200, partners: int = 6, years: int = 5) -> Agreement:
    """A large, valid pooled fund: ``schemes`` schemes, ``partners`` partners, ``years`` years."""
    year_list = [f"{2025 + i}-{(26 + i) % 100:02d}" for i in range(years)]
    partner_ids = [f"p{i}" for i in range(partners)]
    scheme_rows = []
    totals = {y: 0 for y in year_list}
    for s in range(schemes):
        budget = {y: 100_000 + 1_000 * s + 10_000 * i for i, y in enumerate(year_list)}
        for y, v in budget.items():
            totals[y] += v
        scheme_rows.append({
            "id": f"S{s:03d}", "name": f"Scheme {s}", "scheme_type": SCHEME_TYPES[s % len(SCHEME_TYPES)],
            "area_of_spend": "social_care", "provider": "private_sector", "funding_source": SOURCES[s % len(SOURCES)],
            "commissioner": partner_ids[s % partners] if s % 3 else {partner_ids[0]: 40, partner_ids[1]: 60},
            "budget": budget, "cost_category": "care_fees" if s % 2 else "pay",
            "cost_drivers": [{"driver": "non_elective_admissions", "elasticity": 0.5}] if s % 4 == 0 else [],
        })
    contributions = []
    for y in year_list:
        base = totals[y] // partners
        for i, p in enumerate(partner_ids):
            amount = base if i else totals[y] - base * (partners - 1)
            contributions.append({"partner": p, "year": y, "source": SOURCES[i], "cash": amount})
    data = {
        "id": "generated", "title": "Generated benchmark pool", "years": year_list, "host_partner": "p0",
        "partners": [{"id": p, "name": f"Partner {p}", "kind": "other", "vat": "none"} for p in partner_ids],
        "arrangements": [{
            "id": "pool", "kind": "pooled_fund", "name": "Pool", "schemes": scheme_rows,
            "contributions": contributions,
            "risk_share": [{"layer": "commissioner", "limit": 2_000_000},
                           {"layer": "band", "partner": "p0", "limit": 250_000},
                           {"layer": "proportional"}, {"layer": "cap", "partner": "p1", "cap": "contribution"}],
            "underspend": [{"rule": "carry_forward", "cap": 500_000}, {"rule": "return_proportional"}],
        }],
    }
    return Agreement.model_validate(data)


def median_seconds(action: Callable[[], object], repeat: int = 7) -> float:
    """Median wall-clock seconds of ``repeat`` calls (shared by every benchmark)."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    """Print the timings."""
    shock = Scenario(id="shock", inflation={"care_fees": {"2025-26": 6}},
                     demand=[{"driver": "non_elective_admissions", "change_pct": 15}])
    print("pooledfund engine benchmark (median of 7 runs, wall clock)")
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        agreement, errors = load_agreement(path)
        if agreement is None:
            print(f"{path.name}: does not load ({len(errors)} problems)")
            continue
        load_s = median_seconds(lambda p=path: load_agreement(p))
        run_s = median_seconds(lambda a=agreement: run(a, shock))
        schemes = sum(len(a.schemes) for a in agreement.arrangements)
        print(f"{path.name}: {schemes} schemes, {len(agreement.years)} years: load {load_s * 1000:.1f} ms, "
              f"run {run_s * 1000:.1f} ms")
    big = generated_agreement()
    run_s = median_seconds(lambda: run(big, shock))
    print(f"generated 200 schemes x 6 partners x 5 years: deterministic run {run_s * 1000:.1f} ms")


if __name__ == "__main__":
    main()
