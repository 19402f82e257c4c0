"""Monte Carlo runs: closed forms, the deterministic run reproduced, seeds and chunks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import load_agreement_text
from uncertainty_fixtures import PROPORTIONAL_POOL, ROOT, proportional_pool

from pooledfund.engine.runner import run
from pooledfund.io.loader import load_agreement
from pooledfund.model.scenario import BASE, Scenario
from pooledfund.uncertainty import NO_UNCERTAINTY, simulate, spec_from_simple
from pooledfund.uncertainty.simulation import default_chunk_size
from pooledfund.uncertainty.statistics import mean_pence, summarise

Z90 = 1.2815515655446004


def fees(distribution: dict, years: list[str] | None = None) -> dict:
    driver = {"id": "fees", "type": "inflation", "key": "care_fees", "distribution": distribution}
    if years:
        driver["years"] = years
    return driver


def test_a_single_normal_driver_with_proportional_sharing_matches_the_closed_form(tmp_path: Path) -> None:
    agreement = proportional_pool(tmp_path)
    spec = spec_from_simple(drivers=[fees({"kind": "normal", "mean": 0, "sd": 5})])
    sim = simulate(agreement, BASE, spec, paths=20_000, seed=11)
    # Council net cost = £480,000 + £4,800 x, x ~ N(0, 5): N(£480,000, £24,000).
    # P10/P90 = £480,000 -/+ 1.28155 x £24,000 = £449,242.76 / £510,757.24.
    # Standard errors at 20,000 paths: mean £170, P10/P90 about £290.
    council = sim.partner_summary("council", "2025-26")
    assert council.net_cost.mean == pytest.approx(48_000_000, abs=80_000)
    assert council.net_cost.p10 == pytest.approx(48_000_000 - Z90 * 2_400_000, abs=150_000)
    assert council.net_cost.p50 == pytest.approx(48_000_000, abs=100_000)
    assert council.net_cost.p90 == pytest.approx(48_000_000 + Z90 * 2_400_000, abs=150_000)
    # The ICB takes 60%: £720,000 + £7,200 x, sd £36,000.
    icb = sim.partner_summary("icb", "2025-26")
    assert icb.net_cost.p90 - icb.net_cost.p10 == pytest.approx(2 * Z90 * 3_600_000, abs=300_000)
    pool = sim.arrangement_summary("pool", "2025-26")
    assert pool.probability_of_overspend == pytest.approx(0.5, abs=0.015)
    assert pool.variance.mean == pytest.approx(0, abs=130_000)  # £12,000 x, sd £60,000
    # Exactly linear on every path: the council's net cost follows the draw to the penny
    # but for the rounding of each month's spend and of the 40/60 split.
    x = sim.driver_values[:, 0]
    council_paths = sim.partner_values("council", "2025-26", "net_cost")
    assert np.abs(council_paths - (48_000_000 + 480_000 * x)).max() <= 10
    # Overspend shares are what is paid above the contribution; returns what comes back.
    position = sim.partner_values("council", "2025-26", "year_end_position")
    assert np.array_equal(position, council_paths - 48_000_000)
    assert council.overspend_share.p10 == 0 and council.underspend_return.p90 > 0


def test_degenerate_distributions_reproduce_the_deterministic_run_exactly() -> None:
    agreement, errors = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    assert agreement is not None, errors
    scenario = Scenario.model_validate({
        "id": "fixed", "inflation": {"care_fees": {"2025-26": 7.5, "2026-27": 6.0}},
        "demand": [{"driver": "non_elective_admissions", "change_pct": 12, "from": "2025-10-01"}],
        "efficiency": {"2026-27": 1.5},
        "shocks": [{"scheme": "NM05", "month": "2025-12", "amount": 185000}],
    })
    spec = spec_from_simple(
        drivers=[
            fees({"kind": "normal", "mean": 7.5, "sd": 0}, ["2025-26"]),
            {"id": "fees2", "type": "inflation", "key": "care_fees", "years": ["2026-27"],
             "distribution": {"kind": "pert", "min": 6, "mode": 6, "max": 6}},
            {"id": "nea", "type": "demand", "key": "non_elective_admissions", "from": "2025-10-01",
             "distribution": {"kind": "triangular", "min": 12, "mode": 12, "max": 12}},
            {"id": "eff", "type": "efficiency", "years": ["2026-27"],
             "distribution": {"kind": "lognormal", "mean": 1.5, "sd": 0}},
        ],
        events=[{"id": "failure", "scheme": "NM05", "probability_pct": 100,
                 "window": {"from": "2025-12", "to": "2025-12"}, "impact": 185000}],
    )
    expected = run(agreement, scenario)
    sim = simulate(agreement, BASE, spec, paths=7, seed=5, chunk_size=3)
    for row in expected.arrangement_years:
        figures = sim.arrangement_paths[(row.arrangement_id, row.year)]
        assert figures.variance.tolist() == [int(row.variance[0])] * 7
        assert figures.carry_forward.tolist() == [int(row.carry_forward[0])] * 7
        assert figures.unfunded.tolist() == [int(row.unfunded[0])] * 7
    for year in expected.years:
        totals = expected.partner_totals(year)
        for measure in ("overspend_share", "underspend_return", "net_cost"):
            assert np.array_equal(sim.partner_paths[year][measure], np.repeat(totals[measure], 7, axis=0))
    for arrangement_id, spend in expected.monthly_spend.items():
        assert np.array_equal(sim.monthly_spend[arrangement_id], np.repeat(spend.sum(axis=2), 7, axis=0))


def test_no_uncertainty_reproduces_the_scenario_run() -> None:
    agreement, _ = load_agreement(ROOT / "examples" / "ld_pooled_budget.yaml")
    assert agreement is not None
    scenario = Scenario.model_validate({"id": "s", "inflation": {"care_fees": {"2025-26": 9}}})
    expected = run(agreement, scenario)
    sim = simulate(agreement, scenario, NO_UNCERTAINTY, paths=3, seed=1)
    for year in expected.years:
        assert np.array_equal(sim.partner_paths[year]["net_cost"][0], expected.partner_totals(year)["net_cost"][0])


BCF_SPEC = spec_from_simple(
    drivers=[
        fees({"kind": "normal", "mean": 6, "sd": 2}),
        {"id": "pay", "type": "inflation", "key": "pay",
         "distribution": {"kind": "pert", "min": 3, "mode": 4.5, "max": 8}},
        {"id": "nea", "type": "demand", "key": "non_elective_admissions", "from": "2025-10-01",
         "distribution": {"kind": "triangular", "min": -5, "mode": 2, "max": 15}},
    ],
    events=[{"id": "failure", "scheme": "NM05", "probability_pct": 10, "window": {"from": "2025-10", "to": "2026-03"},
             "impact": 1200000}],
    correlation={"drivers": ["fees", "pay"], "matrix": [[1, 0.6], [0.6, 1]]},
)


@pytest.fixture(scope="module")
def bcf() -> object:
    agreement, _ = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    assert agreement is not None
    return agreement


def test_same_seed_same_output_and_chunking_does_not_matter(bcf: object) -> None:
    one_chunk = simulate(bcf, BASE, BCF_SPEC, paths=300, seed=42, chunk_size=300, workers=1)
    chunked = simulate(bcf, BASE, BCF_SPEC, paths=300, seed=42, chunk_size=7, workers=2)
    again = simulate(bcf, BASE, BCF_SPEC, paths=300, seed=42)
    assert json.dumps(one_chunk.to_json()) == json.dumps(chunked.to_json()) == json.dumps(again.to_json())
    for key, figures in one_chunk.arrangement_paths.items():
        assert np.array_equal(figures.variance, chunked.arrangement_paths[key].variance)
        assert np.array_equal(figures.cap_binds, chunked.arrangement_paths[key].cap_binds)
    for year, table in one_chunk.partner_paths.items():
        for measure, values in table.items():
            assert np.array_equal(values, chunked.partner_paths[year][measure])
    other = simulate(bcf, BASE, BCF_SPEC, paths=300, seed=43)
    assert other.to_json() != one_chunk.to_json()


def test_the_books_balance_on_every_path(bcf: object) -> None:
    sim = simulate(bcf, BASE, BCF_SPEC, paths=400, seed=9)
    for year in sim.years:
        # Partners' overspend shares less returns equal the arrangements' variances
        # after carry-forward, reinvestment and unfunded amounts; for the BCF pool
        # (no reinvest rule) and the aligned budget together:
        shares = sim.partner_paths[year]["overspend_share"].sum(axis=1)
        returns = sim.partner_paths[year]["underspend_return"].sum(axis=1)
        variance = sum(sim.arrangement_paths[(a, year)].variance for a, _ in sim.arrangements)
        carried = sum(sim.arrangement_paths[(a, year)].carry_forward for a, _ in sim.arrangements)
        unfunded = sum(sim.arrangement_paths[(a, year)].unfunded for a, _ in sim.arrangements)
        assert np.array_equal(shares - returns, variance + carried - unfunded)


def test_events_happen_on_about_their_probability_and_add_their_impact(tmp_path: Path) -> None:
    agreement = proportional_pool(tmp_path)
    spec = spec_from_simple(events=[{"id": "fail", "scheme": "S1", "probability_pct": 25,
                                     "window": {"from": "2025-10", "to": "2026-03"}, "impact": 60000}])
    sim = simulate(agreement, BASE, spec, paths=4000, seed=2)
    variance = sim.arrangement_paths[("pool", "2025-26")].variance
    happened = sim.event_happens[:, 0]
    assert set(variance[happened].tolist()) == {6_000_000} and set(variance[~happened].tolist()) == {0}
    assert happened.mean() == pytest.approx(0.25, abs=0.02)
    # The month falls in the window: cumulative spend by September never includes it.
    cumulative = sim.cumulative_spend("pool")
    assert set(cumulative[:, 5].tolist()) == {60_000_000}  # £600,000 budget to September
    assert sim.arrangement_summary("pool", "2025-26").probability_of_overspend == happened.mean()


def test_caps_and_unfunded_remainders_are_counted(tmp_path: Path) -> None:
    capped = PROPORTIONAL_POOL.replace(
        "      - {layer: proportional}\n",
        "      - {layer: proportional}\n      - {layer: cap, partner: council, cap: 10000}\n"
        "      - {layer: cap, partner: icb, cap: 15000}\n")
    agreement = load_agreement_text(capped, tmp_path, "capped.yaml")
    spec = spec_from_simple(drivers=[fees({"kind": "uniform", "min": 0, "max": 4})])
    sim = simulate(agreement, BASE, spec, paths=2000, seed=4)
    summary = sim.arrangement_summary("pool", "2025-26")
    # Overspend £12,000 x: the council's cap (£10,000 = 40% of £25,000) binds above x = 2.0833;
    # the ICB's (£15,000 = 60% of £25,000) at the same point: beyond it the excess is unfunded.
    x = sim.driver_values[:, 0]
    assert summary.probability_cap_binds == pytest.approx(float(np.mean(x > 25_000 / 12_000)), abs=0.002)
    assert summary.probability_unfunded == pytest.approx(float(np.mean(x > 25_000 / 12_000)), abs=0.002)
    assert summary.unfunded.p90 > 0


def test_statistics_round_half_up_to_the_penny() -> None:
    assert mean_pence(np.array([1, 2])) == 2  # 1.5 -> 2
    assert mean_pence(np.array([-1, -2])) == -2  # -1.5 -> -2
    assert mean_pence(np.array([1, 1, 2])) == 1  # 1.333 -> 1
    summary = summarise(np.arange(11, dtype=np.int64) * 100)  # 0, 100, ..., 1000
    assert (summary.p10, summary.p50, summary.p90, summary.mean) == (100, 500, 900, 500)


def test_json_has_every_figure_per_arrangement_and_partner(bcf: object) -> None:
    data = simulate(bcf, BASE, BCF_SPEC, paths=200, seed=42).to_json()
    assert (data["agreement"], data["paths"], data["seed"], data["percentiles"]) == ("bcf-northmoor", 200, 42,
                                                                                   [10, 50, 90])
    assert data["drivers"] == ["fees", "pay", "nea"] and data["events"][0]["id"] == "failure"
    year = data["years"][0]
    assert set(year["arrangements"][0]) == {"id", "name", "probability_of_overspend", "variance",
                                            "expected_carry_forward", "probability_cap_binds",
                                            "probability_unfunded", "unfunded"}
    assert set(year["partners"][0]) == {"id", "name", "probability_of_paying_overspend", "overspend_share",
                                        "underspend_return", "net_cost", "year_end_position"}
    assert set(year["partners"][0]["net_cost"]) == {"p10", "p50", "p90", "mean"}
    json.dumps(data)


def test_paths_must_be_in_range(bcf: object) -> None:
    with pytest.raises(ValueError, match="paths must be between 1 and 1,000,000"):
        simulate(bcf, BASE, BCF_SPEC, paths=0)


def test_default_chunks_keep_the_engine_arrays_small(bcf: object) -> None:
    # 2 years x 14 schemes (the largest arrangement) x 12 months x 8 bytes = 2,688 bytes a path.
    largest = max(len(a.schemes) for a in bcf.arrangements)
    assert default_chunk_size(bcf) == 24 * 1024 * 1024 // (2 * largest * 12 * 8)
