"""The Better Care Fund from 2025-26, thresholds as pounds or a share, and several ICBs paying the NHS minimum.

Each figure is worked by hand in a comment beside its assertion. National
figures are the published 2025-26 totals (Better Care Fund policy framework
2025 to 2026): NHS minimum £5,614m, Local Authority Better Care Grant £2,640m,
DFG £711m; the ASC maintenance figure rises 3.9% over 2024-25 (5.66% a year in
2023-25).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import P
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from test_excel_recalc import _mismatches, _recalculated

from pooledfund.core.vocabulary import SOURCE_YEARS, FundingSource, source_year_problem
from pooledfund.engine.runner import run
from pooledfund.io.excel import build_pack
from pooledfund.io.loader import load_agreement
from pooledfund.io.yamlio import read_yaml
from pooledfund.model.scenario import Scenario
from pooledfund.reports.conditions import (
    DEFAULT_THRESHOLDS,
    MANDATORY_SOURCES,
    ConditionCheck,
    ConditionThresholds,
    national_conditions,
    thresholds_from_data,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "bcf_two_tier_2025_26.yaml"
EXAMPLE_THRESHOLDS = ROOT / "examples" / "thresholds" / "bcf_two_tier_2025_26.yaml"

IBCF_ENDED = ("the improved Better Care Fund became part of the Local Authority Better Care Grant from 2025-26; "
              "use local_authority_better_care_grant")

# A 2025-26 plan with a 2024-25 year before it, two ICBs and a council.
TWO_ICBS = """
agreement:
  id: two-icbs
  title: Two ICB BCF plan
  years: [2024-25, 2025-26]
  host_partner: council
partners:
  - {id: council, name: Shire Council, kind: unitary_council, vat: council_s33}
  - {id: icb_a, name: North ICB, kind: integrated_care_board, vat: nhs_limited_recovery}
  - {id: icb_b, name: South ICB, kind: integrated_care_board, vat: nhs_limited_recovery}
arrangements:
  - id: bcf
    kind: pooled_fund
    name: Shire BCF pool
    risk_share: [{layer: proportional}]
    underspend: [{rule: return_proportional}]
    contributions:
      - {partner: icb_a, year: 2024-25, source: nhs_minimum, cash: 600000}
      - {partner: icb_b, year: 2024-25, source: nhs_minimum, cash: 400000}
      - {partner: icb_a, year: 2025-26, source: nhs_minimum, cash: 623400}
      - {partner: icb_b, year: 2025-26, source: nhs_minimum, cash: 415000}
      - {partner: council, year: 2024-25, source: ibcf, cash: 300000}
      - {partner: council, year: 2025-26, source: local_authority_better_care_grant, cash: 320000}
    schemes:
      - {id: A, name: Home care, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: nhs_minimum,
         budget: {2024-25: 400000, 2025-26: 415600}}
      - {id: B, name: Beds, scheme_type: bed_based_intermediate_care, area_of_spend: social_care,
         commissioner: {icb_a: 30, icb_b: 30, council: 40}, provider: nhs_community, funding_source: nhs_minimum,
         budget: {2024-25: 200000, 2025-26: 200000}}
      - {id: C, name: Community nursing, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: icb_b, provider: nhs_community, funding_source: nhs_minimum,
         budget: {2024-25: 300000, 2025-26: 322800}}
      - {id: D, name: Discharge team, scheme_type: high_impact_change_model, area_of_spend: acute,
         commissioner: icb_a, provider: nhs_acute, funding_source: nhs_minimum,
         budget: {2024-25: 100000, 2025-26: 100000}}
      - {id: G, name: Care market, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: ibcf, budget: {2024-25: 300000}}
      - {id: H, name: Care market, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: local_authority_better_care_grant,
         budget: {2025-26: 320000}}
"""


def _by(checks: list[ConditionCheck], key: str, partner: str = "") -> dict[str, ConditionCheck]:
    return {c.year: c for c in checks if c.key == key and c.partner == partner}


def _errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    agreement, errors = load_agreement(path)
    assert agreement is None
    return [str(e).removeprefix(f"{tmp_path}/") for e in errors]


# --- item 6: the sources of each year ---------------------------------------------------------------


def test_the_2025_26_sources_are_accepted_and_the_2023_25_ones_in_their_own_years(load_doc) -> None:
    agreement = load_doc(TWO_ICBS)
    # ibcf in 2024-25 and the Local Authority Better Care Grant in 2025-26: both valid.
    assert {s.funding_source for _, s in agreement.schemes()} >= {
        FundingSource.IBCF, FundingSource.LA_BETTER_CARE_GRANT}
    assert FundingSource("Local Authority Better Care Grant") is FundingSource.LA_BETTER_CARE_GRANT
    assert FundingSource.LA_BETTER_CARE_GRANT in MANDATORY_SOURCES


def test_a_source_used_in_a_year_it_did_not_exist_is_refused_at_its_line(tmp_path: Path) -> None:
    text = (TWO_ICBS
            .replace("{partner: council, year: 2025-26, source: local_authority_better_care_grant",
                     "{partner: council, year: 2025-26, source: ibcf")
            .replace("source: ibcf, cash: 300000", "source: local_authority_better_care_grant, cash: 300000")
            .replace("funding_source: ibcf, budget: {2024-25: 300000}",
                     "funding_source: la_discharge, budget: {2024-25: 300000}")
            .replace("funding_source: local_authority_better_care_grant,\n         budget: {2025-26: 320000}",
                     "funding_source: icb_discharge,\n         budget: {2024-25: 0, 2025-26: 320000}"))
    assert _errors(tmp_path, text) == [
        "plan.yaml:22 arrangements[0].contributions[4].source: 'local_authority_better_care_grant' cannot be used in "
        "2024-25: the Local Authority Better Care Grant began in 2025-26; before then use ibcf (and la_discharge "
        "for the local authority discharge funding from 2022-23)",
        f"plan.yaml:23 arrangements[0].contributions[5].source: 'ibcf' cannot be used in 2025-26: {IBCF_ENDED}",
        # H has a 2024-25 budget line too: only 2025-26 is named.
        "plan.yaml:40 arrangements[0].schemes[5].funding_source: 'icb_discharge' cannot be used in 2025-26: the ICB "
        "discharge funding became part of the NHS minimum contribution from 2025-26; use nhs_minimum",
    ]


def test_the_discharge_funds_did_not_exist_before_2022_23() -> None:
    assert source_year_problem(FundingSource.LA_DISCHARGE, "2021-22").startswith(
        "the local authority discharge funding began in 2022-23")
    assert source_year_problem(FundingSource.ICB_DISCHARGE, "2021-22").startswith(
        "the ICB discharge funding began in 2022-23")
    assert source_year_problem(FundingSource.LA_DISCHARGE, "2022-23") == ""
    assert source_year_problem(FundingSource.LA_DISCHARGE, "2025-26").startswith(
        "the local authority discharge funding became part of the Local Authority Better Care Grant")
    assert source_year_problem(FundingSource.IBCF, "2025-26") == IBCF_ENDED
    assert source_year_problem(FundingSource.NHS_MINIMUM, "2015-16") == ""


@given(st.sampled_from(list(FundingSource)), st.integers(2015, 2035))
def test_every_source_has_a_replacement_in_every_year_it_cannot_be_used(source: FundingSource, start: int) -> None:
    year = f"{start}-{(start + 1) % 100:02d}"
    problem = source_year_problem(source, year)
    limits = SOURCE_YEARS.get(source)
    assert bool(problem) == bool(limits and ((limits.first and year < limits.first) or
                                             (limits.last and year > limits.last)))
    if problem:
        assert "use " in problem  # always says what to use instead


def test_the_published_2025_26_totals_and_uplifts() -> None:
    # £5,614m NHS minimum (with the ICB discharge funding) + £2,640m LA Better Care Grant + £711m DFG = £8,965m.
    assert P("5,614,000,000") + P("2,640,000,000") + P("711,000,000") == P("8,965,000,000")
    assert DEFAULT_THRESHOLDS.uplift("2025-26") == (Decimal("3.9"), True)
    assert DEFAULT_THRESHOLDS.uplift("2024-25") == (Decimal("5.66"), True)
    # A national ASC maintenance figure of £2,246m in 2024-25 (illustrative) requires £2,333.594m in 2025-26:
    # 2,246,000,000 x 1.039 = 2,333,594,000.
    thresholds, errors = thresholds_from_data({"asc_maintenance": {"2024-25": 2_246_000_000}}, "t.yaml")
    assert errors == [] and thresholds is not None
    assert thresholds.asc_maintenance == {"2024-25": P(2_246_000_000)}
    # 5.66% a year in 2023-25.
    assert [DEFAULT_THRESHOLDS.uplift(y)[0] for y in ("2023-24", "2024-25")] == [Decimal("5.66")] * 2


# --- item 7: several ICBs ----------------------------------------------------------------------------


@pytest.fixture
def two_icbs(load_doc):
    agreement = load_doc(TWO_ICBS)
    return agreement, run(agreement)


def test_each_icb_and_the_total_nhs_minimum_are_checked(two_icbs) -> None:
    agreement, result = two_icbs
    checks = national_conditions(agreement, result)
    north, south, total = (_by(checks, "nhs_minimum_partner", "icb_a"), _by(checks, "nhs_minimum_partner", "icb_b"),
                           _by(checks, "nhs_minimum"))
    # North: 600,000 (baseline) then 623,400 = 600,000 x 1.039 exactly: met.
    assert [(c.figure, c.threshold, c.passed) for c in north.values()] == [
        (P(600_000), P(600_000), True), (P(623_400), P(623_400), True)]
    # South: 400,000 then 415,000 < 400,000 x 1.039 = 415,600: £600 short.
    assert [(c.figure, c.threshold, c.passed) for c in south.values()] == [
        (P(400_000), P(400_000), True), (P(415_000), P(415_600), False)]
    assert south["2025-26"].words == (
        "2025-26: South ICB's NHS minimum contribution £415,000.00 is below the required £415,600.00, £600.00 short "
        "(required figure: last year's required figure uplifted by 3.9%).")
    assert south["2025-26"].name == "NHS minimum contribution: South ICB"
    # Total: 1,000,000 then 1,038,400 < 1,039,000: £600 short, the South ICB's gap.
    assert [(c.figure, c.threshold, c.passed) for c in total.values()] == [
        (P(1_000_000), P(1_000_000), True), (P(1_038_400), P(1_039_000), False)]
    assert "the total NHS minimum contribution (2 partners pay it)" in total["2025-26"].words
    # The per-ICB figures add up to the total, year by year.
    assert all(north[y].figure + south[y].figure == total[y].figure for y in total)


def test_the_ring_fences_count_every_icbs_share_of_a_joint_scheme(two_icbs) -> None:
    agreement, result = two_icbs
    checks = national_conditions(agreement, result)
    # ASC 2024-25: A 400,000 + council's 40% of B 200,000 = 80,000 -> 480,000.
    # ASC 2025-26: 415,600 + 80,000 = 495,600 < 480,000 x 1.039 = 498,720: 3,120 short.
    assert [(c.figure, c.threshold) for c in _by(checks, "asc_maintenance").values()] == [
        (P(480_000), P(480_000)), (P(495_600), P(498_720))]
    # Out of hospital 2024-25: 60% of B (30% each ICB) 120,000 + C 300,000 = 420,000; D is acute.
    # 2025-26: 120,000 + 322,800 = 442,800 >= 420,000 x 1.039 = 436,380.
    assert [(c.figure, c.threshold, c.passed) for c in _by(checks, "out_of_hospital").values()] == [
        (P(420_000), P(420_000), True), (P(442_800), P(436_380), True)]


def test_a_2024_25_baseline_share_thresholds_and_each_icbs_own_figure(load_doc) -> None:
    # The same plan for 2025-26 only: its 2024-25 lines (and the iBCF scheme G) left out.
    lines = TWO_ICBS.replace("years: [2024-25, 2025-26]", "years: [2025-26]").splitlines()
    kept = [line for line in lines if "year: 2024-25" not in line and "id: G" not in line
            and "funding_source: ibcf" not in line]
    agreement = load_doc("\n".join(kept).replace("2024-25: 400000, ", "").replace("2024-25: 200000, ", "")
                         .replace("2024-25: 300000, ", "").replace("2024-25: 100000, ", ""))
    thresholds, errors = thresholds_from_data({
        "source": "Better Care Fund policy framework 2025 to 2026",
        "nhs_minimum": {"source": "Better Care Fund planning requirements 2025 to 2026", "2025-26": "1,038,000",
                        "by_partner": {"icb_a": {"2025-26": 623_000}, "icb_b": {"2025-26": 415_000}}},
        "asc_maintenance": {"2024-25": "470,000"},
        "out_of_hospital": {"source": "Local agreement 2025", "2025-26": "42.5%"},
    }, "t.yaml")
    assert errors == [] and thresholds is not None
    checks = national_conditions(agreement, run(agreement), thresholds)
    # Each ICB against its own configured figure: 623,400 >= 623,000 and 415,000 >= 415,000.
    assert [(c.partner, c.figure, c.threshold, c.passed) for c in checks if c.key == "nhs_minimum_partner"] == [
        ("icb_a", P(623_400), P(623_000), True), ("icb_b", P(415_000), P(415_000), True)]
    asc = _by(checks, "asc_maintenance")["2025-26"]
    # 2024-25 baseline 470,000 x 1.039 = 488,330; the plan has 495,600.
    assert (asc.figure, asc.threshold, asc.passed) == (P(495_600), P(488_330), True)
    assert "the configured 2024-25 figure £470,000.00 uplifted by 3.9%" in asc.words
    assert asc.source == "Better Care Fund policy framework 2025 to 2026"
    ooh = _by(checks, "out_of_hospital")["2025-26"]
    # 42.5% of the required NHS minimum 1,038,000 = 441,150; the plan has 442,800.
    assert (ooh.figure, ooh.threshold, ooh.passed) == (P(442_800), P(441_150), True)
    assert "the configured 42.5% of the required NHS minimum contribution £1,038,000.00" in ooh.words
    assert ooh.source == "Local agreement 2025"
    assert all(c.source == "Better Care Fund planning requirements 2025 to 2026"
               for c in checks if c.key.startswith("nhs_minimum"))


def test_an_icb_configured_but_not_paying_is_a_failing_check_not_silence(load_doc) -> None:
    agreement = load_doc(TWO_ICBS)
    thresholds, _ = thresholds_from_data({"nhs_minimum": {"by_partner": {"icb_c": {"2025-26": 100}}}}, "t.yaml")
    assert thresholds is not None
    icb_c = _by(national_conditions(agreement, run(agreement), thresholds), "nhs_minimum_partner", "icb_c")
    assert [(c.figure, c.threshold, c.passed) for c in icb_c.values()] == [(0, 0, True), (0, P(100), False)]


def test_one_icb_keeps_the_single_total_check(load_doc) -> None:
    one = (TWO_ICBS.replace("partner: icb_b, year: 2024-25", "partner: icb_a, year: 2024-25")
           .replace("partner: icb_b, year: 2025-26", "partner: icb_a, year: 2025-26"))
    agreement = load_doc(one)
    checks = national_conditions(agreement, run(agreement))
    assert not [c for c in checks if c.key == "nhs_minimum_partner"]
    # 600,000 + 400,000 paid by the North ICB alone.
    assert _by(checks, "nhs_minimum")["2024-25"].words.startswith(
        "2024-25: the NHS minimum contribution £1,000,000.00 is at least")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 50_000_000_00), min_size=2, max_size=3),
       st.decimals(0, 100, places=2, allow_nan=False))
def test_per_icb_figures_sum_to_the_total_and_a_share_is_exact(tmp_path_factory, amounts: list[int],
                                                                pct: Decimal) -> None:
    from conftest import load_agreement_text

    icbs = [f"icb_{i}" for i in range(len(amounts))]
    partners = "\n".join(f"  - {{id: {i}, name: ICB {i}, kind: integrated_care_board, vat: nhs_limited_recovery}}"
                         for i in icbs)
    contributions = "\n".join(f"      - {{partner: {i}, year: 2025-26, source: nhs_minimum, cash: {a / 100:.2f}}}"
                              for i, a in zip(icbs, amounts, strict=True))
    total = sum(amounts)
    text = f"""
agreement: {{id: p, title: P, years: [2025-26], host_partner: council}}
partners:
  - {{id: council, name: Council, kind: county_council, vat: council_s33}}
{partners}
arrangements:
  - id: bcf
    kind: pooled_fund
    name: Pool
    risk_share: [{{layer: proportional}}]
    underspend: [{{rule: return_proportional}}]
    contributions:
{contributions}
    schemes:
      - {{id: S, name: S, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: {icbs[0]}, provider: nhs_community, funding_source: nhs_minimum,
         budget: {{2025-26: {total / 100:.2f}}}}}
"""
    agreement = load_agreement_text(text, tmp_path_factory.mktemp("p"))
    thresholds = ConditionThresholds(shares={"out_of_hospital": {"2025-26": pct}})
    checks = national_conditions(agreement, run(agreement), thresholds)
    per_icb = [c.figure for c in checks if c.key == "nhs_minimum_partner"]
    assert per_icb == amounts  # money never leaves the ICB that paid it
    assert sum(per_icb) == _by(checks, "nhs_minimum")["2025-26"].figure == total
    # The share is of the required NHS minimum (the plan's own figure here), rounded half up once.
    expected = int((Decimal(total) * pct / 100).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    assert _by(checks, "out_of_hospital")["2025-26"].threshold == expected


def test_threshold_mistakes_are_located() -> None:
    thresholds, errors = thresholds_from_data({
        "nhs_minimum": {"2025-26": "10%", "by_partner": ["icb_a"]},
        "out_of_hospital": {"2025-26": "120%"},
        "asc_maintenance": {"2025-26": "lots%"},
    }, "t.yaml")
    assert thresholds is None
    assert [str(e) for e in errors] == [
        "t.yaml nhs_minimum.2025-26: '10%' is a share; the NHS minimum contribution is given in pounds (a share of "
        "the NHS minimum is for asc_maintenance or out_of_hospital)",
        "t.yaml nhs_minimum.by_partner: expected each partner's id with its years, like icb_a: {2025-26: 30000000}",
        "t.yaml out_of_hospital.2025-26: '120%' is not a share between 0% and 100%",
        "t.yaml asc_maintenance.2025-26: 'lots%' is not a number",
    ]


# --- the two-tier example ------------------------------------------------------------------------------


def _example_thresholds() -> ConditionThresholds:
    data, _, errors = read_yaml(str(EXAMPLE_THRESHOLDS))
    assert errors == []
    thresholds, errors = thresholds_from_data(data, str(EXAMPLE_THRESHOLDS))
    assert errors == [] and thresholds is not None
    return thresholds


def test_the_two_tier_example_passes_every_national_condition() -> None:
    agreement, errors = load_agreement(EXAMPLE)
    assert agreement is not None, errors
    every_year = national_conditions(agreement, run(agreement), _example_thresholds())
    assert [c.name for c in every_year if not c.passed] == []
    checks = [c for c in every_year if c.year in ("2025-26", "")]
    # Each ICB's NHS minimum, then the total: £38.42m + £12.18m = £50.60m.
    assert [(c.partner, c.figure) for c in checks if c.key.startswith("nhs_minimum")] == [
        ("icb_downs", P(38_420_000)), ("icb_vale", P(12_180_000)), ("", P(50_600_000))]
    # ASC: 6.8 + 7.9 + 3.6 + 1.45 (county) + 50% of 2.4 + 60% of 1.7 = £21.97m >= 19.25 x 1.039 = £20,000,750.
    # Out of hospital: 30% of £50.6m = £15.18m; the ICBs commission £26.18m of non-acute NHS minimum spend.
    # (2026-27: each ICB's figure x 1.039 = £39,918,380 and £12,655,020, together £52,573,400; all pass.)
    assert [(c.key, c.figure, c.threshold) for c in checks if c.key in ("asc_maintenance", "out_of_hospital")] == [
        ("asc_maintenance", P(21_970_000), P(20_000_750)), ("out_of_hospital", P(26_180_000), P(15_180_000))]
    # The districts' DFG (£3.52m + £2.83m) is all on DFG schemes each district commissions.
    dfg = {s.commissioner_split().popitem()[0]: s.budget["2025-26"] for _, s in agreement.schemes()
           if s.funding_source == FundingSource.DFG}
    assert dfg == {"ashvale": P(3_520_000), "brookmere": P(2_830_000)}


def test_the_two_tier_packs_checks_list_each_icb_and_recalculate_to_the_penny(tmp_path: Path) -> None:
    agreement, _ = load_agreement(EXAMPLE)
    assert agreement is not None
    workbook, _ = build_pack(agreement, [], thresholds=_example_thresholds())
    rows = [row for row in workbook["Checks"].iter_rows(min_row=5, max_col=2, values_only=True)]
    downs, vale = "NHS Weald and Downs Integrated Care Board", "NHS Marches and Vale Integrated Care Board"
    assert rows[:6] == [(f"NHS minimum contribution: {icb}", year) for icb in (downs, vale)
                        for year in ("2025-26", "2026-27")] + [("NHS minimum contribution", y)
                                                              for y in ("2025-26", "2026-27")]
    written, calculated, expectations = _recalculated(agreement, [Scenario.model_validate({"id": "base"})], tmp_path)
    assert _mismatches(written, calculated, expectations) == []
    results = [row[0] for row in load_workbook(tmp_path / "pack_recalculated.xlsx", data_only=True)["Checks"]
               .iter_rows(min_row=5, min_col=6, max_col=6, values_only=True) if row[0]]
    assert results and set(results) == {"Pass"}
