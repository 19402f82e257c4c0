"""The year-end engine (``run(..., months=False)``, engine/yearly.py) gives the monthly engine's pence exactly.

The monthly engine is the reference. Generated agreements, with month-specific
inputs (actuals with every forecast method, demand changes starting
mid-year, phasing, shocks, events in a window) and many paths of uncertain
drivers, go through both; every arrangement-year figure and every
partner's position must be the same on every path.
"""

from __future__ import annotations

import importlib.util
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import load_agreement_text
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from test_properties import agreements

from pooledfund.core.errors import AmountTooLargeError
from pooledfund.core.money import allocate_paths
from pooledfund.engine.projection import Drivers, project_spend
from pooledfund.engine.results import RunResult
from pooledfund.engine.riskshare import _first_of_two, _two_way_fits
from pooledfund.engine.runner import RunCache, run
from pooledfund.engine.yearly import project_year_spend
from pooledfund.io.loader import require_agreement
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE, Scenario
from pooledfund.uncertainty import simulate, spec_from_simple
from pooledfund.uncertainty.pathdrivers import build_drivers
from pooledfund.uncertainty.sampling import draw

ROOT = Path(__file__).resolve().parent.parent
_BENCH = importlib.util.spec_from_file_location("bench_engine", ROOT / "benchmarks" / "bench_engine.py")
assert _BENCH is not None and _BENCH.loader is not None
bench_engine = importlib.util.module_from_spec(_BENCH)
_BENCH.loader.exec_module(bench_engine)  # the benchmark's generated agreement (200 schemes by default)

SAME = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])

FIGURES = ("scheme_spend", "budget", "spend", "brought_forward", "carry_forward", "unfunded", "reinvested",
           "overspend_shares", "underspend_returns", "net_cost", "variance", "shared_variance")


def assert_same_pence(monthly: RunResult, yearly: RunResult) -> None:
    """Every arrangement-year figure and every partner position equal, on every path."""
    assert not yearly.monthly_spend and not yearly.months
    assert len(monthly.arrangement_years) == len(yearly.arrangement_years)
    for expected, got in zip(monthly.arrangement_years, yearly.arrangement_years, strict=True):
        assert (expected.arrangement_id, expected.year) == (got.arrangement_id, got.year)
        for name in FIGURES:
            assert np.array_equal(getattr(expected, name), getattr(got, name)), (expected.arrangement_id,
                                                                                 expected.year, name)
        assert got.cash_out is None
    for year in monthly.years:
        for measure, values in monthly.partner_totals(year).items():
            assert np.array_equal(values, yearly.partner_totals(year)[measure]), (year, measure)


DRIVER_NAMES = ["admissions", "packages"]


@st.composite
def month_cases(draw_: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A generated agreement and scenario with inputs that need months, and uncertain drivers with an event."""
    document, scenario = draw_(agreements(shortfall=draw_(st.sampled_from(["waterfall", "reducing_partner"]))))
    years = document["agreement"]["years"]
    schemes = [s for a in document["arrangements"] for s in a["schemes"]]
    for scheme in schemes:
        links = draw_(st.lists(st.sampled_from(DRIVER_NAMES), max_size=2))  # a repeat feels the change twice
        scheme["cost_drivers"] = [{"driver": d, "elasticity": draw_(st.integers(0, 250)) / 100} for d in links]
        if draw_(st.booleans()):
            scheme["phasing"] = draw_(st.lists(st.integers(0, 9), min_size=12, max_size=12).filter(any))
    first = int(years[0][:4])
    scenario["demand"] = [
        {"driver": draw_(st.sampled_from(DRIVER_NAMES)), "change_pct": draw_(st.integers(-1000, 3000)) / 100,
         **({"from": f"{first + draw_(st.integers(0, 2))}-{draw_(st.integers(4, 12)):02d}-01"}
            if draw_(st.booleans()) else {})}
        for _ in range(draw_(st.integers(0, 3)))
    ]
    actuals = []
    for year in years:
        if draw_(st.booleans()):
            last = draw_(st.integers(0, 11))
            chosen = draw_(st.lists(st.sampled_from([s["id"] for s in schemes]), unique=True, min_size=1))
            calendar = int(year[:4]) + (1 if last >= 9 else 0)
            actuals.append({
                "year": year, "to_month": f"{calendar}-{(last + 3) % 12 + 1:02d}",
                "forecast_method": draw_(st.sampled_from(["budget_profile", "run_rate", "trend"])),
                "schemes": {sid: [draw_(st.integers(0, 3_000_000)) / 100 for _ in range(last + 1)] for sid in chosen},
                "forecasts": _scheme_forecasts(draw_, chosen),
            })
    scenario["actuals"] = actuals
    event_scheme = draw_(st.sampled_from([s["id"] for s in schemes]))
    uncertainty = {
        "drivers": [
            {"id": "fees", "type": "inflation", "key": "care_fees",
             "distribution": {"kind": "normal", "mean": draw_(st.integers(-20, 120)) / 10, "sd": 2}},
            {"id": "demand", "type": "demand", "key": DRIVER_NAMES[0],
             **({"from": f"{first}-{draw_(st.integers(4, 12)):02d}-01"} if draw_(st.booleans()) else {}),
             "distribution": {"kind": "triangular", "min": -20, "mode": 0, "max": 40}},
            {"id": "saving", "type": "efficiency", "distribution": {"kind": "uniform", "min": 0, "max": 4}},
        ],
        "events": [{"id": "failure", "scheme": event_scheme, "probability_pct": 40, "impact": 250_000,
                    "window": {"from": f"{first}-{draw_(st.integers(4, 12)):02d}", "to": f"{first + 1}-03"}}],
    }
    return document, scenario, uncertainty


@pytest.fixture(scope="module")
def bcf() -> Agreement:
    return require_agreement(ROOT / "examples" / "bcf_northmoor.yaml")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("yearly")


@SAME
@given(case=month_cases(), seed=st.integers(0, 2**16))
def test_year_end_run_gives_the_monthly_pence_on_generated_agreements(
    folder: Path, case: tuple[dict[str, Any], dict[str, Any], dict[str, Any]], seed: int
) -> None:
    document, scenario_fields, uncertainty = case
    agreement = load_agreement_text(yaml.safe_dump(document, sort_keys=False), folder, "agreement.yaml")
    scenario = Scenario.model_validate(scenario_fields)
    spec = spec_from_simple(**uncertainty)
    years = list(agreement.years)
    drivers = build_drivers(years, scenario, spec, draw(spec, 24, seed))
    try:
        monthly = run(agreement, scenario, drivers)
    except AmountTooLargeError as refused:
        event("refused")
        with pytest.raises(AmountTooLargeError) as again:
            run(agreement, scenario, drivers, months=False)
        assert str(again.value) == str(refused)
        return
    event("with actuals" if scenario.actuals else "no actuals")
    assert_same_pence(monthly, run(agreement, scenario, drivers, months=False))
    # The deterministic run (one path, the scenario's own drivers) as well.
    assert_same_pence(run(agreement, scenario), run(agreement, scenario, months=False))


def test_year_end_spend_matches_on_the_benchmark_agreement_including_near_half_pennies() -> None:
    agreement = bench_engine.generated_agreement(schemes=60, years=3)
    spec = spec_from_simple(
        drivers=[{"id": "fees", "type": "inflation", "key": "care_fees",
                  "distribution": {"kind": "normal", "mean": 5.5, "sd": 1.5}},
                 {"id": "admissions", "type": "demand", "key": "non_elective_admissions", "from": "2025-10-01",
                  "distribution": {"kind": "triangular", "min": -5, "mode": 2, "max": 15}}],
        events=[{"id": "failure", "scheme": "S001", "probability_pct": 10,
                 "window": {"from": "2025-10", "to": "2026-03"}, "impact": 1_200_000}],
    )
    years = list(agreement.years)
    drivers = build_drivers(years, BASE, spec, draw(spec, 4000, 7))
    schemes = list(agreement.arrangements[0].schemes)
    expected = project_spend(schemes, years, drivers, agreement.assumptions, BASE).sum(axis=3)
    assert np.array_equal(project_year_spend(schemes, years, drivers, agreement.assumptions, BASE), expected)


def test_a_total_on_a_half_penny_rounds_up_as_the_monthly_engine_does(load_doc: Any) -> None:
    agreement = load_doc("""
        agreement: {id: half, title: Half penny, years: [2025-26], host_partner: council}
        partners:
          - {id: council, name: Council, kind: unitary_council, vat: none}
          - {id: icb, name: ICB, kind: integrated_care_board, vat: none}
        arrangements:
          - id: pool
            kind: pooled_fund
            name: Pool
            schemes:
              - {id: S1, name: Tiny, scheme_type: carers_services, area_of_spend: social_care,
                 commissioner: council, provider: la, funding_source: other, budget: {2025-26: 0.12}}
            contributions:
              - {partner: council, year: 2025-26, cash: 0.06}
              - {partner: icb, year: 2025-26, cash: 0.06}
            risk_share: [{layer: proportional}]
            underspend: [{rule: return_proportional}]
    """)
    # 12p over the year, 1p a month, with 12.5% inflation: 12 x 1.125 = 13.5p, which rounds half up to 14p.
    drivers = Drivers(paths=1, inflation={"general": np.array([[12.5]])})
    yearly = run(agreement, BASE, drivers, months=False)
    assert yearly.arrangement_years[0].spend.tolist() == [14]
    assert_same_pence(run(agreement, BASE, drivers), yearly)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-(10**13), 10**13), min_size=1, max_size=8), st.integers(1, 10**5),
       st.integers(1, 10**5))
def test_a_two_way_split_is_the_largest_remainder_split(amounts: list[int], first: int, second: int) -> None:
    values = np.array([amounts], dtype=np.int64)
    # Past 64 bits by_commissioner splits these with allocate_paths itself.
    assume(_two_way_fits(values, np.array([[first, second]])))
    expected = allocate_paths(values.reshape(-1), np.tile([first, second], (len(amounts), 1)))[:, 0]
    got = _first_of_two(values, np.full(len(amounts), first), np.full(len(amounts), second))
    assert got.reshape(-1).tolist() == expected.tolist()


def test_a_run_cache_serves_only_its_own_agreement_and_scenario(bcf: Agreement) -> None:
    cache = RunCache(bcf, BASE)
    assert run(bcf, BASE, cache=cache).years == list(bcf.years)
    with pytest.raises(ValueError, match="only the agreement and scenario it was made for"):
        run(bcf, Scenario(id="other"), cache=cache)


def test_a_simulation_pickles_with_its_monthly_spend(bcf: Agreement) -> None:
    spec = spec_from_simple(drivers=[{"id": "fees", "type": "inflation", "key": "care_fees",
                                      "distribution": {"kind": "normal", "mean": 5, "sd": 2}}])
    sim = simulate(bcf, BASE, spec, paths=40, seed=3)
    copy = pickle.loads(pickle.dumps(sim))  # as st.cache_data keeps it
    for arrangement_id, spend in sim.monthly_spend.items():
        assert np.array_equal(copy.monthly_spend[arrangement_id], spend)
        # The months add up to the year-end run's spend on every path.
        rows = [r for r in run(bcf, BASE, build_drivers(list(bcf.years), BASE, spec, draw(spec, 40, 3)),
                               months=False).arrangement_years if r.arrangement_id == arrangement_id]
        for y_index, row in enumerate(rows):
            assert np.array_equal(spend[:, y_index].sum(axis=1), row.spend)


def _scheme_forecasts(draw_: Callable[..., Any], chosen: list[str]) -> dict[str, dict[str, object]]:
    """Per-scheme forecasts by the methods that override the entry's default (last year, manual)."""
    forecasts: dict[str, dict[str, object]] = {}
    for sid in chosen:
        method = draw_(st.sampled_from(["default", "last_year", "manual", "run_rate"]))
        if method == "last_year":
            forecasts[sid] = {"method": "last_year", "scaled": draw_(st.booleans()),
                              "last_year": [draw_(st.integers(1, 3_000_000)) / 100 for _ in range(12)]}
        elif method == "manual":
            forecasts[sid] = {"method": "manual", "outturn": draw_(st.integers(0, 40_000_000)) / 100,
                              "reason": "care home closure agreed with the provider"}
        elif method == "run_rate":
            forecasts[sid] = {"method": "run_rate"}
    return forecasts
