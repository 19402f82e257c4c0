"""The BCF national conditions, worked by hand on a small three-year plan."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pooledfund.engine.runner import run
from pooledfund.model.scenario import Scenario
from pooledfund.reports.conditions import (
    DEFAULT_THRESHOLDS,
    ConditionCheck,
    ConditionThresholds,
    national_conditions,
    thresholds_from_data,
)

PLAN = """
agreement:
  id: small
  title: Small BCF plan
  years: [2024-25, 2025-26, 2026-27]
  host_partner: council
partners:
  - {id: council, name: Small Council, kind: unitary_council, vat: council_s33}
  - {id: icb, name: Small ICB, kind: integrated_care_board, vat: nhs_limited_recovery}
arrangements:
  - id: bcf
    kind: pooled_fund
    name: Small BCF pool
    risk_share: [{layer: proportional}]
    underspend: [{rule: return_proportional}]
    contributions:
      - {partner: icb, year: 2024-25, source: nhs_minimum, cash: 1000000}
      - {partner: icb, year: 2025-26, source: nhs_minimum, cash: 1039000}
      - {partner: icb, year: 2026-27, source: nhs_minimum, cash: 1070000}
      - {partner: council, year: 2024-25, source: dfg, cash: 100000}
      - {partner: council, year: 2025-26, source: dfg, cash: 100000}
      - {partner: council, year: 2026-27, source: dfg, cash: 100000}
    schemes:
      - {id: A, name: Home care, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: nhs_minimum,
         budget: {2024-25: 400000, 2025-26: 418720, 2026-27: 430000}}
      - {id: B, name: Beds, scheme_type: bed_based_intermediate_care, area_of_spend: social_care,
         commissioner: {icb: 60, council: 40}, provider: nhs_community, funding_source: nhs_minimum,
         budget: {2024-25: 200000.01, 2025-26: 200000, 2026-27: 220000}}
      - {id: C, name: Community nursing, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: icb, provider: nhs_community, funding_source: nhs_minimum,
         budget: {2024-25: 300000, 2025-26: 320000, 2026-27: 330000}}
      - {id: D, name: Discharge team, scheme_type: high_impact_change_model, area_of_spend: acute,
         commissioner: icb, provider: nhs_acute, funding_source: nhs_minimum,
         budget: {2024-25: 99999.99, 2025-26: 100280, 2026-27: 90000}}
      - {id: E, name: Adaptations, scheme_type: dfg_related_schemes, area_of_spend: social_care,
         commissioner: council, provider: la, funding_source: dfg,
         budget: {2024-25: 100000, 2025-26: 100000, 2026-27: 90000}}
      - {id: F, name: Warm homes, scheme_type: housing_related_schemes, area_of_spend: social_care,
         commissioner: council, provider: la, funding_source: dfg, budget: {2026-27: 10000}}
"""


def _by(checks: list[ConditionCheck], key: str) -> dict[str, ConditionCheck]:
    return {c.year: c for c in checks if c.key == key}


@pytest.fixture
def checks(load_doc) -> list[ConditionCheck]:
    agreement = load_doc(PLAN)
    return national_conditions(agreement, run(agreement))


def test_nhs_minimum_baseline_then_published_then_rolled_forward_uplift(checks: list[ConditionCheck]) -> None:
    nhs = _by(checks, "nhs_minimum")
    # 2024-25 is the baseline: 1,000,000. 2025-26: x 1.039 (published) = 1,039,000, met exactly.
    # 2026-27: 1,039,000 x 1.039 = 1,079,521 (3.9% rolled forward) > 1,070,000: 9,521 short.
    assert [(c.figure, c.threshold, c.passed) for c in nhs.values()] == [
        (100_000_000, 100_000_000, True), (103_900_000, 103_900_000, True), (107_000_000, 107_952_100, False)]
    assert "baseline" in nhs["2024-25"].words
    assert "uplifted by 3.9%" in nhs["2025-26"].words and "assumed" not in nhs["2025-26"].words
    assert "assumed: the latest published rate rolled forward" in nhs["2026-27"].words
    assert "£9,521.00 short" in nhs["2026-27"].words


def test_asc_maintenance_counts_the_councils_share_of_joint_schemes(checks: list[ConditionCheck]) -> None:
    asc = _by(checks, "asc_maintenance")
    # 2024-25: A 400,000 + 40% of B 200,000.01 = 80,000.004 -> 480,000.00 (rounded once, half up).
    # 2025-26: required 480,000 x 1.039 = 498,720.00; plan 418,720 + 80,000 = 498,720: met.
    # 2026-27: required 498,720 x 1.039 = 518,170.08; plan 430,000 + 88,000 = 518,000: 170.08 short.
    assert [(c.figure, c.threshold, c.passed) for c in asc.values()] == [
        (48_000_000, 48_000_000, True), (49_872_000, 49_872_000, True), (51_800_000, 51_817_008, False)]


def test_out_of_hospital_counts_the_nhs_share_and_leaves_out_acute(checks: list[ConditionCheck]) -> None:
    ooh = _by(checks, "out_of_hospital")
    # 2024-25: 60% of B 200,000.01 = 120,000.006 + C 300,000 = 420,000.006 -> 420,000.01; D (acute) left out.
    # 2025-26: 120,000 + 320,000 = 440,000 >= 420,000.01 x 1.039 = 436,380.01039 -> 436,380.01.
    # 2026-27: 132,000 + 330,000 = 462,000 >= 436,380.01 x 1.039 = 453,398.83039 -> 453,398.83.
    assert [(c.figure, c.threshold, c.passed) for c in ooh.values()] == [
        (42_000_001, 42_000_001, True), (44_000_000, 43_638_001, True), (46_200_000, 45_339_883, True)]


def test_dfg_on_other_schemes_fails(checks: list[ConditionCheck]) -> None:
    dfg = _by(checks, "dfg")
    assert [(c.figure, c.passed) for c in dfg.values()] == [(0, True), (0, True), (1_000_000, False)]
    assert dfg["2026-27"].words == ("2026-27: £10,000.00 of the £100,000.00 DFG-funded spend is on schemes that are "
                                    "not DFG Related Schemes; the DFG is a capital grant for adaptations.")


def test_joint_splits_and_income_equal_to_expenditure(checks: list[ConditionCheck]) -> None:
    joint = next(c for c in checks if c.key == "joint_splits")
    assert (joint.figure, joint.passed, joint.unit, joint.words) == (
        0, True, "count", "All 1 joint schemes' NHS and LA percentages add up to 100%.")
    balances = [c for c in checks if c.key == "income_expenditure"]
    assert {(c.year, c.funding_source) for c in balances} == {
        (y, s) for y in ("2024-25", "2025-26", "2026-27") for s in ("nhs_minimum", "dfg")}
    assert all(c.passed and c.figure == 0 for c in balances)
    assert all(c.passed for c in checks if c.key == "pool_balance")


def test_a_scenario_cut_to_a_mandatory_source_breaks_its_running_balance(load_doc) -> None:
    agreement = load_doc(PLAN)
    cut = Scenario.model_validate({"id": "cut", "contribution_changes": [
        {"partner": "icb", "from": "2024-04-01", "change_amount": -12000}]})
    checks = national_conditions(agreement, run(agreement, cut))
    nhs = next(c for c in checks if c.key == "income_expenditure" and c.year == "2024-25"
               and c.funding_source == "nhs_minimum")
    # income 1,000,000 - 12,000 = 988,000 against planned spend 1,000,000
    assert (nhs.figure, nhs.passed) == (-1_200_000, False)
    assert nhs.words == ("2024-25: Minimum NHS Contribution income £988,000.00 falls short of planned spend "
                         "£1,000,000.00 by £12,000.00.")


def test_configured_local_figures_replace_the_baseline(load_doc) -> None:
    agreement = load_doc(PLAN)
    thresholds, errors = thresholds_from_data({"nhs_minimum": {"2025-26": "1,050,000"}, "uplift_pct": {"2026-27": 2},
                                               "source": "ICB allocation letter"}, "t.yaml")
    assert errors == [] and thresholds is not None
    nhs = _by(national_conditions(agreement, run(agreement), thresholds), "nhs_minimum")
    # 2025-26: configured 1,050,000 > 1,039,000; 2026-27: 1,050,000 x 1.02 = 1,071,000 > 1,070,000.
    assert [(c.threshold, c.passed) for c in nhs.values()] == [
        (100_000_000, True), (105_000_000, False), (107_100_000, False)]
    assert nhs["2026-27"].source == "ICB allocation letter"
    assert "configured local figure" in nhs["2025-26"].words


def test_thresholds_file_mistakes_are_located() -> None:
    thresholds, errors = thresholds_from_data(
        {"uplift": {}, "nhs_minimum": {"2025": 1}, "asc_maintenance": {"2025-26": "lots"}, "out_of_hospital": 5},
        "t.yaml")
    assert thresholds is None
    assert [str(e) for e in errors] == [
        "t.yaml uplift: is not a threshold; use uplift_pct, nhs_minimum, asc_maintenance, out_of_hospital or source",
        "t.yaml nhs_minimum.2025: '2025' is not a financial year; write it like 2025-26",
        "t.yaml asc_maintenance.2025-26: expected an amount in pounds such as 1250000.00, got 'lots'",
        "t.yaml out_of_hospital: expected years with a value each, like 2025-26: 3.9",
    ]
    assert thresholds_from_data([1], "t.yaml")[1][0].message.startswith("expected a set of 'name: value' lines")


def test_the_default_uplifts_are_the_published_ones() -> None:
    assert DEFAULT_THRESHOLDS.uplift("2025-26") == (Decimal("3.9"), True)
    assert DEFAULT_THRESHOLDS.uplift("2023-24") == (Decimal("5.66"), True)
    assert DEFAULT_THRESHOLDS.uplift("2030-31") == (Decimal("3.9"), False)
    assert DEFAULT_THRESHOLDS.uplift("2015-16") == (Decimal("5.3"), False)
    assert ConditionThresholds(uplift_pct={}).uplift("2025-26") == (Decimal(0), False)
    assert "NHS England" in DEFAULT_THRESHOLDS.source


def test_a_pool_without_bcf_sources_is_checked_as_a_whole(load_doc) -> None:
    text = PLAN.replace("nhs_minimum", "other").replace("source: dfg", "source: other").replace(
        "funding_source: dfg", "funding_source: other")
    agreement = load_doc(text)
    checks = national_conditions(agreement, run(agreement))
    assert {c.key for c in checks} == {"joint_splits", "pool_balance"}
