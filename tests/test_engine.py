"""The engine end to end: small agreements in YAML, scenarios built in code, figures worked by hand.

Every agreement here is written out in full so the numbers in each test can be
checked against it. ``P`` turns pounds into pence.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest
from conftest import PARTNERS_YAML, P
from pydantic import ValidationError

from pooledfund.agreements import agreed_value_schedule
from pooledfund.core.errors import ConservationError
from pooledfund.engine.projection import Drivers
from pooledfund.engine.results import ArrangementYear, RunResult
from pooledfund.engine.runner import check_conservation, run
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE, Scenario

Loader = Callable[[str], Agreement]


def scenario(**fields: object) -> Scenario:
    """A scenario from file-style fields (pounds, "from" dates...)."""
    return Scenario.model_validate({"id": "test", **fields})


def row_of(result: RunResult, arrangement: str, year: str) -> ArrangementYear:
    (row,) = [r for r in result.arrangement_years if r.arrangement_id == arrangement and r.year == year]
    return row


def pence_row(*pounds: str | int) -> list[int]:
    return [P(x) for x in pounds]


# A flat £1,200,000 pool (£100,000 a month), council 40% / ICB 60%, one year.
# Overspend: the council (host) takes the first £20,000, the rest is split 50/50.
# Underspend: returned in proportion to contributions.
FLAT_POOL = f"""\
agreement:
  id: flat
  title: Flat pool
  years: [2025-26]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    contributions:
      - {{partner: council, year: 2025-26, source: additional_la, cash: 480000}}
      - {{partner: icb, year: 2025-26, source: nhs_minimum, cash: 720000}}
    schemes:
      - id: S1
        name: Reablement
        scheme_type: Home-based intermediate care services
        area_of_spend: social_care
        commissioner: council
        provider: la
        funding_source: nhs_minimum
        budget: {{2025-26: 1200000}}
    risk_share:
      - {{layer: band, partner: council, limit: 20000}}
      - {{layer: fixed_split, shares: {{council: 50, icb: 50}}}}
    underspend:
      - rule: return_proportional
"""


def two_year_flat(extra_header: str = "", scheme_extra: str = "") -> str:
    """FLAT_POOL over 2025-26 and 2026-27, the same budget and contributions each year."""
    return f"""\
agreement:
  id: flat2
  title: Flat pool, two years
  years: [2025-26, 2026-27]
  host_partner: council
{PARTNERS_YAML}{extra_header}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    contributions:
      - {{partner: council, year: 2025-26, cash: 480000}}
      - {{partner: icb, year: 2025-26, cash: 720000}}
      - {{partner: council, year: 2026-27, cash: 480000}}
      - {{partner: icb, year: 2026-27, cash: 720000}}
    schemes:
      - id: S1
        name: Reablement
        scheme_type: Home-based intermediate care services
        area_of_spend: social_care
        commissioner: council
        provider: la
        funding_source: nhs_minimum
        budget: {{2025-26: 1200000, 2026-27: 1200000}}{scheme_extra}
    risk_share:
      - {{layer: fixed_split, shares: {{council: 50, icb: 50}}}}
    underspend:
      - rule: return_proportional
"""


# --- base and inflation ----------------------------------------------------------------------


def test_base_scenario_has_no_variance(load_doc: Loader) -> None:
    result = run(load_doc(FLAT_POOL), BASE)
    row = row_of(result, "pool", "2025-26")
    assert row.spend.tolist() == [P(1_200_000)]
    assert row.budget.tolist() == [P(1_200_000)]
    assert row.variance.tolist() == [0]
    assert row.overspend_shares.tolist() == [[0, 0]]
    assert row.underspend_returns.tolist() == [[0, 0]]
    assert row.unfunded.tolist() == [0]
    assert row.carry_forward.tolist() == [0]
    # Net cost is just the contribution: council £480,000, ICB £720,000.
    assert row.net_cost.tolist() == [pence_row(480_000, 720_000)]
    # Monthly spend follows the flat phasing: £100,000 a month.
    assert result.monthly_spend["pool"][0, 0, 0].tolist() == [P(100_000)] * 12


def test_inflation_scenario_overspend_shared_by_layers(load_doc: Loader) -> None:
    # No inflation was budgeted; the scenario has 5% general inflation in 2025-26.
    # Each month: £100,000 x 1.05 = £105,000; the year: £1,260,000.
    # Overspend £60,000: council's band £20,000, then £40,000 split 50/50 = 20,000 each.
    # Council 20,000 + 20,000 = 40,000; ICB 20,000.
    inflation = Scenario(id="inflation", inflation={"general": {"2025-26": 5}})
    result = run(load_doc(FLAT_POOL), inflation)
    row = row_of(result, "pool", "2025-26")
    assert result.monthly_spend["pool"][0, 0, 0].tolist() == [P(105_000)] * 12
    assert row.spend.tolist() == [P(1_260_000)]
    assert row.variance.tolist() == [P(60_000)]
    assert row.overspend_shares.tolist() == [pence_row(40_000, 20_000)]
    assert row.unfunded.tolist() == [0]
    # Net cost: council 480,000 + 40,000 = 520,000; ICB 720,000 + 20,000 = 740,000.
    assert row.net_cost.tolist() == [pence_row(520_000, 740_000)]
    out = result.to_json()["years"][0]["arrangements"][0]
    assert out["spend"] == 1260000.00
    assert out["variance"] == 60000.00
    assert out["overspend_shares"] == {"council": 40000.00, "icb": 20000.00}


def test_inflation_is_relative_to_the_budgeted_rate_and_the_year_is_exact(load_doc: Loader) -> None:
    # Budgets assumed 2% general inflation; the scenario has 5%.
    # Each month exactly: 100,000 x 1.05 / 1.02 = 102,941.176470...; the running total is rounded
    # (half up) and each month is the step between running totals:
    #   month 1: 102,941.18; month 2: 205,882.35 - 102,941.18 = 102,941.17; month 3: 308,823.53 - 205,882.35
    #   = 102,941.18; ... the year is round(1,200,000 x 1.05 / 1.02) = round(1,235,294.1176) = £1,235,294.12
    #   (rounding each month would give 12 x 102,941.18 = £1,235,294.16, 4p adrift).
    # Overspend £35,294.12: council band 20,000; the £15,294.12 left split 50/50 = 7,647.06 each.
    text = FLAT_POOL.replace(
        "arrangements:", "assumptions:\n  inflation:\n    general: {2025-26: 2}\narrangements:", 1
    )
    result = run(load_doc(text), Scenario(id="inflation", inflation={"general": {"2025-26": 5}}))
    row = row_of(result, "pool", "2025-26")
    high, low = P("102941.18"), P("102941.17")
    assert result.monthly_spend["pool"][0, 0, 0].tolist() == [high, low, high, high, low, high,
                                                             high, low, high, low, high, high]
    assert row.spend.tolist() == [P("1235294.12")]
    assert row.overspend_shares.tolist() == [pence_row("27647.06", "7647.06")]
    # The base scenario uses the budgeted rate and so reproduces the budget exactly.
    assert row_of(run(load_doc(text), BASE), "pool", "2025-26").spend.tolist() == [P(1_200_000)]


def test_ten_percent_on_a_million_is_exactly_one_million_one_hundred_thousand(load_doc: Loader) -> None:
    # The budget's months are 83,333.34 x 4 and 83,333.33 x 8 (largest remainder). 10% more,
    # month by month and rounded each month, would come to £1,099,999.96; the year must be
    # 1,000,000 x 1.1 = £1,100,000.00 exactly, with every month within a penny of 91,666.67.
    text = FLAT_POOL.replace("1200000", "1000000").replace("cash: 480000", "cash: 400000").replace(
        "cash: 720000", "cash: 600000").replace(
        "arrangements:", "assumptions:\n  inflation:\n    general: {2025-26: 0}\narrangements:", 1
    )
    result = run(load_doc(text), Scenario(id="ten", inflation={"general": {"2025-26": 10}}))
    months = result.monthly_spend["pool"][0, 0, 0]
    assert int(months.sum()) == P(1_100_000)
    assert all(abs(int(m) - 9_166_667) <= 1 for m in months)


def test_inflation_price_level_persists_into_later_years(load_doc: Loader) -> None:
    # 5% in 2025-26 only: 2026-27 uses the budgeted rate (0%), but prices stay 5% higher:
    # £1,260,000 in both years. With 5% in both years the second is 100,000 x 1.05^2
    # = 110,250 a month = £1,323,000.
    agreement = load_doc(two_year_flat())
    once = run(agreement, Scenario(id="once", inflation={"general": {"2025-26": 5}}))
    assert [row_of(once, "pool", y).spend.tolist() for y in ("2025-26", "2026-27")] == [
        [P(1_260_000)],
        [P(1_260_000)],
    ]
    twice = run(agreement, Scenario(id="twice", inflation={"general": {"2025-26": 5, "2026-27": 5}}))
    assert row_of(twice, "pool", "2026-27").spend.tolist() == [P(1_323_000)]
    # 2026-27 overspend £123,000 split 50/50 = 61,500 each.
    assert row_of(twice, "pool", "2026-27").overspend_shares.tolist() == [pence_row(61_500, 61_500)]


def test_inflation_for_another_cost_category_leaves_the_scheme_alone(load_doc: Loader) -> None:
    # The scheme's cost category is "general"; inflation on "care_fees" does not touch it.
    result = run(load_doc(FLAT_POOL), Scenario(id="fees", inflation={"care_fees": {"2025-26": 9}}))
    assert row_of(result, "pool", "2025-26").spend.tolist() == [P(1_200_000)]


def test_efficiency_reduces_spend_and_the_underspend_is_returned(load_doc: Loader) -> None:
    # 2% efficiency: 100,000 x 0.98 = 98,000 a month = £1,176,000; underspend £24,000
    # returned 480 : 720 = 9,600 / 14,400.
    result = run(load_doc(FLAT_POOL), scenario(efficiency={"2025-26": 2}))
    row = row_of(result, "pool", "2025-26")
    assert row.spend.tolist() == [P(1_176_000)]
    assert row.underspend_returns.tolist() == [pence_row(9_600, 14_400)]


def test_reinvested_underspend_counts_in_net_cost(load_doc: Loader) -> None:
    # 2% efficiency: spend £1,176,000, underspend £24,000. Reinvest up to £10,000 in S1
    # (non-recurrent spend), return the other £14,000 480 : 720 = 5,600 / 8,400.
    # Net cost: council 474,400 + ICB 711,600 = 1,186,000 = spend 1,176,000 + reinvested 10,000.
    text = FLAT_POOL.replace(
        "      - rule: return_proportional",
        "      - {rule: reinvest, scheme: S1, cap: 10000}\n      - rule: return_proportional",
    )
    result = run(load_doc(text), scenario(efficiency={"2025-26": 2}))
    row = row_of(result, "pool", "2025-26")
    assert row.reinvested.tolist() == [[P(10_000)]]
    assert row.underspend_returns.tolist() == [pence_row(5_600, 8_400)]
    assert row.net_cost.tolist() == [pence_row(474_400, 711_600)]
    out = result.to_json()["years"][0]["arrangements"][0]
    assert out["reinvested"] == 10000.00
    # The host pays the reinvestment out: its account ends at the carry forward (nothing).
    assert row.cash_position is not None
    assert row.cash_position[0, -1] == 0


def test_demand_change_from_a_date_with_elasticity(load_doc: Loader) -> None:
    # The scheme's cost responds to admissions with elasticity 0.5; admissions +10% from
    # 1 October 2025 (month 7 of 12): Oct-Mar cost 100,000 x (1 + 0.5 x 10%) = 105,000.
    # Year: 6 x 100,000 + 6 x 105,000 = £1,230,000; overspend £30,000: council 20,000 + 5,000,
    # ICB 5,000.
    text = FLAT_POOL.replace(
        "        budget: {2025-26: 1200000}",
        "        budget: {2025-26: 1200000}\n        cost_drivers: [{driver: admissions, elasticity: 0.5}]",
    )
    result = run(load_doc(text), scenario(demand=[{"driver": "admissions", "change_pct": 10, "from": "2025-10-01"}]))
    row = row_of(result, "pool", "2025-26")
    assert result.monthly_spend["pool"][0, 0, 0].tolist() == pence_row(*[100_000] * 6, *[105_000] * 6)
    assert row.spend.tolist() == [P(1_230_000)]
    assert row.overspend_shares.tolist() == [pence_row(25_000, 5_000)]


# --- contingency and carry forward over two years ---------------------------------------------

CONTINGENCY_POOL = f"""\
agreement:
  id: contingency
  title: Pool with contingency
  years: [2025-26, 2026-27]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    contingency: {{2025-26: 50000, 2026-27: 50000}}
    contributions:
      - {{partner: council, year: 2025-26, cash: 400000}}
      - {{partner: icb, year: 2025-26, cash: 600000}}
      - {{partner: council, year: 2026-27, cash: 400000}}
      - {{partner: icb, year: 2026-27, cash: 600000}}
    schemes:
      - id: S1
        name: Home care
        scheme_type: home_care_or_domiciliary_care
        area_of_spend: social_care
        commissioner: council
        provider: private_sector
        funding_source: additional_la
        budget: {{2025-26: 570000, 2026-27: 570000}}
      - id: S2
        name: Community nursing
        scheme_type: community_based_schemes
        area_of_spend: community_health
        commissioner: icb
        provider: nhs_community
        funding_source: nhs_minimum
        budget: {{2025-26: 380000, 2026-27: 380000}}
    risk_share:
      - layer: proportional
    underspend:
      - {{rule: carry_forward, cap: 30000}}
      - rule: return_proportional
"""


def test_contingency_and_carry_forward_over_two_years(load_doc: Loader) -> None:
    # Each year: contributions £1,000,000 = schemes £950,000 + contingency £50,000.
    # 2025-26 (base): spend £950,000, so the unused contingency is a £50,000 underspend:
    #   carry forward £30,000 (the cap), return £20,000 by 400 : 600 = 8,000 / 12,000.
    # 2026-27: a £100,000 one-off cost on S1 in June: spend £1,050,000.
    #   Resources: contributions 1,000,000 + brought forward 30,000 = 1,030,000.
    #   Overspend £20,000 (it would be £50,000 without the carry forward), shared
    #   400 : 600 = 8,000 / 12,000.
    shock = scenario(shocks=[{"scheme": "S1", "month": "2026-06", "amount": 100000}])
    result = run(load_doc(CONTINGENCY_POOL), shock)
    y1 = row_of(result, "pool", "2025-26")
    y2 = row_of(result, "pool", "2026-27")
    assert y1.contingency == P(50_000)
    assert y1.spend.tolist() == [P(950_000)]
    assert y1.variance.tolist() == [P(-50_000)]
    assert y1.carry_forward.tolist() == [P(30_000)]
    assert y1.underspend_returns.tolist() == [pence_row(8_000, 12_000)]
    assert y2.brought_forward.tolist() == [P(30_000)]
    assert y2.budget.tolist() == [P(1_030_000)]
    assert y2.spend.tolist() == [P(1_050_000)]
    assert y2.variance.tolist() == [P(20_000)]
    assert y2.overspend_shares.tolist() == [pence_row(8_000, 12_000)]
    assert y2.carry_forward.tolist() == [0]
    # Net costs: 2025-26 council 400,000 - 8,000 = 392,000, ICB 588,000 (sum 980,000 =
    # spend 950,000 + carried 30,000); 2026-27 council 408,000, ICB 612,000 (sum 1,020,000 =
    # spend 1,050,000 - brought forward 30,000).
    assert y1.net_cost.tolist() == [pence_row(392_000, 588_000)]
    assert y2.net_cost.tolist() == [pence_row(408_000, 612_000)]
    years = result.to_json()["years"]
    assert years[0]["arrangements"][0]["carry_forward"] == 30000.00
    assert years[1]["arrangements"][0]["brought_forward"] == 30000.00
    assert years[1]["arrangements"][0]["budget"] == 1030000.00


def test_carry_forward_can_turn_next_years_overspend_into_an_underspend(load_doc: Loader) -> None:
    # 2025-26: a £40,000 saving on S2 in May makes the underspend £90,000 (contingency 50,000
    # + 40,000): carry forward 30,000, return 60,000 (24,000 / 36,000).
    # 2026-27 (no change): spend 950,000 against 1,030,000: underspend £80,000: carry forward
    # 30,000 again, return 50,000 (20,000 / 30,000).
    saving = scenario(shocks=[{"scheme": "S2", "month": "2025-05", "amount": -40000}])
    result = run(load_doc(CONTINGENCY_POOL), saving)
    y1, y2 = row_of(result, "pool", "2025-26"), row_of(result, "pool", "2026-27")
    assert y1.underspend_returns.tolist() == [pence_row(24_000, 36_000)]
    assert y2.brought_forward.tolist() == [P(30_000)]
    assert y2.variance.tolist() == [P(-80_000)]
    assert y2.carry_forward.tolist() == [P(30_000)]
    assert y2.underspend_returns.tolist() == [pence_row(20_000, 30_000)]


# --- aligned budget ---------------------------------------------------------------------------

ALIGNED = f"""\
agreement:
  id: aligned
  title: Aligned budgets
  years: [2025-26]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: aligned
    kind: aligned_budget
    name: Aligned budgets
    schemes:
      - {{id: A, name: Council home care, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: additional_la, budget: {{2025-26: 500000}}}}
      - {{id: B, name: ICB community, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: icb, provider: nhs_community, funding_source: nhs_minimum, budget: {{2025-26: 300000}}}}
      - {{id: C, name: Joint equipment, scheme_type: assistive_technologies_and_equipment, area_of_spend: social_care,
         commissioner: {{council: 50, icb: 50}}, provider: la, funding_source: other, budget: {{2025-26: 200000}}}}
"""


def test_aligned_budget_each_partner_keeps_its_own_variance(load_doc: Loader) -> None:
    # A +£10,000 (council's), B -£6,000 (ICB's), C +£1,000 (joint, 500 each).
    # Council: budget 500,000 + 100,000 = 600,000; spend 510,000 + 100,500 = 610,500: +10,500.
    # ICB: budget 300,000 + 100,000 = 400,000; spend 294,000 + 100,500 = 394,500: -5,500.
    # Nobody shares anybody else's variance.
    shocks = scenario(
        shocks=[
            {"scheme": "A", "month": "2025-07", "amount": 10000},
            {"scheme": "B", "month": "2025-08", "amount": -6000},
            {"scheme": "C", "month": "2025-09", "amount": 1000},
        ]
    )
    result = run(load_doc(ALIGNED), shocks)
    row = row_of(result, "aligned", "2025-26")
    assert row.kind == "aligned_budget"
    assert row.cash.tolist() == pence_row(600_000, 400_000)
    assert row.spend.tolist() == [P(1_005_000)]
    assert row.overspend_shares.tolist() == [pence_row("10500", 0)]
    assert row.underspend_returns.tolist() == [pence_row(0, "5500")]
    assert row.unfunded.tolist() == [0]
    assert row.carry_forward.tolist() == [0]
    # Net cost is each partner's own spend: council 610,500, ICB 394,500.
    assert row.net_cost.tolist() == [pence_row(610_500, 394_500)]
    partners = result.to_json()["years"][0]["partners"]
    assert [(p["id"], p["overspend_share"], p["underspend_return"]) for p in partners] == [
        ("council", 10500.00, 0.0),
        ("icb", 0.0, 5500.00),
    ]


def test_aligned_budget_base_has_no_variance(load_doc: Loader) -> None:
    row = row_of(run(load_doc(ALIGNED)), "aligned", "2025-26")
    assert row.variance.tolist() == [0]
    assert row.net_cost.tolist() == [pence_row(600_000, 400_000)]


# --- lead commissioning ---------------------------------------------------------------------

LEAD = f"""\
agreement:
  id: lead
  title: Lead commissioning
  years: [2025-26, 2026-27, 2027-28]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: lc
    kind: lead_commissioning
    name: Care homes
    lead_commissioner: council
    delegating_partner: icb
    agreed_value:
      base_year: 2025-26
      base_value: 1000000
      uplifts:
        2026-27:
          inflation_pct: 3
          demography_pct: 2
          efficiency_pct: 1
          other_pct: 0
          new_statutory_requirements: 10000
          planned_changes: -5000
        2027-28: {{}}
      changes:
        - {{from: CHANGE_DATE, annual_change: 120000, recurrent: RECURRENT}}
    schemes:
      - id: R1
        name: Residential care
        scheme_type: residential_placements
        area_of_spend: social_care
        commissioner: council
        provider: private_sector
        funding_source: other
        budget: {{2025-26: 1100000, 2026-27: 1100000, 2027-28: 1100000}}
"""


def lead(date: str = "2026-10-01", recurrent: str = "true") -> str:
    return LEAD.replace("CHANGE_DATE", date).replace("RECURRENT", recurrent)


def test_lead_commissioning_agreed_value_build_up(load_doc: Loader) -> None:
    # 2025-26: the base, £1,000,000.
    # 2026-27: uplift 3 + 2 + 0 - 1 = 4%: 1,000,000 x 4% = 40,000; cash 10,000 - 5,000 = 5,000;
    #   opening rate 1,045,000. A change of +£120,000 a year from 1 October (6 months of 12):
    #   +60,000 this year -> value 1,105,000; closing (recurrent) rate 1,165,000.
    # 2027-28: no uplift (all components 0): 1,165,000, the full +120,000 in the base.
    agreement = load_doc(lead())
    (arrangement,) = agreement.arrangements
    built = agreed_value_schedule(arrangement.agreed_value, list(agreement.years))
    assert [b.year for b in built] == ["2025-26", "2026-27", "2027-28"]
    y1, y2, y3 = built
    assert (y1.value, y1.closing_rate) == (P(1_000_000), P(1_000_000))
    assert y2.prior_rate == P(1_000_000)
    assert y2.percentage_uplift == P(40_000)
    assert y2.cash_components == P(5_000)
    assert y2.opening_rate == P(1_045_000)
    assert y2.in_year_changes == P(60_000)
    assert y2.value == P(1_105_000)
    assert y2.closing_rate == P(1_165_000)
    assert y3.opening_rate == P(1_165_000)
    assert y3.value == P(1_165_000)


def test_lead_commissioning_without_the_change_is_1_045_000(load_doc: Loader) -> None:
    # 1,000,000 x 1.04 + 10,000 - 5,000 = 1,045,000.00; the change (non-recurrent, in 2027-28,
    # from 1 January = 3 months) does not touch 2026-27: 2027-28 is 1,045,000 + 30,000.
    agreement = load_doc(lead("2028-01-01", "false"))
    (arrangement,) = agreement.arrangements
    built = agreed_value_schedule(arrangement.agreed_value, list(agreement.years))
    assert [b.value for b in built] == pence_row(1_000_000, 1_045_000, 1_075_000)
    # Not recurrent: the closing rate of 2027-28 stays 1,045,000.
    assert built[2].closing_rate == P(1_045_000)


def test_lead_commissioning_change_in_the_base_year_is_uplifted_next_year(load_doc: Loader) -> None:
    # +120,000 a year from 1 October 2025: 2025-26 = 1,000,000 + 60,000 = 1,060,000;
    # recurrent rate 1,120,000; 2026-27 = 1,120,000 x 1.04 + 5,000 = 1,169,800.
    agreement = load_doc(lead("2025-10-01"))
    (arrangement,) = agreement.arrangements
    built = agreed_value_schedule(arrangement.agreed_value, list(agreement.years))
    assert [b.value for b in built] == pence_row(1_060_000, 1_169_800, 1_169_800)


def test_lead_commissioning_run_lead_keeps_the_variance(load_doc: Loader) -> None:
    # The ICB (delegating) pays the agreed value; the council (lead) keeps the variance by default.
    # Spend is the scheme budget, £1,100,000 a year.
    # 2025-26: value 1,000,000 -> overspend 100,000, all the council's.
    # 2026-27: value 1,105,000 -> underspend 5,000, kept by the council (retain_by_host).
    # 2027-28: value 1,165,000 -> underspend 65,000, kept by the council.
    result = run(load_doc(lead()))
    rows = [row_of(result, "lc", y) for y in ("2025-26", "2026-27", "2027-28")]
    assert [r.cash.tolist() for r in rows] == [[0, P(1_000_000)], [0, P(1_105_000)], [0, P(1_165_000)]]
    assert [r.host for r in rows] == ["council"] * 3
    assert rows[0].overspend_shares.tolist() == [pence_row(100_000, 0)]
    assert rows[1].underspend_returns.tolist() == [pence_row(5_000, 0)]
    assert rows[2].underspend_returns.tolist() == [pence_row(65_000, 0)]
    # Net cost: 2025-26 council 100,000, ICB 1,000,000.
    assert rows[0].net_cost.tolist() == [pence_row(100_000, 1_000_000)]
    assert [a.value for a in result.agreed_values["lc"]] == pence_row(1_000_000, 1_105_000, 1_165_000)
    partners = result.to_json()["years"][1]["partners"]
    assert partners[1]["id"] == "icb"
    assert partners[1]["cash_contribution"] == 1105000.00


# --- integrated provision, in kind, and the host's cash -----------------------------------------

INTEGRATED = f"""\
agreement:
  id: integrated
  title: Integrated provision
  years: [2025-26]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: ip
    kind: integrated_provision
    name: Integrated community services
    provider: council
    contributions:
      - {{partner: council, year: 2025-26, cash: 480000}}
      - {{partner: icb, year: 2025-26, cash: 600000, in_kind: 120000, in_kind_description: seconded nurses}}
    schemes:
      - id: C1
        name: Community services
        scheme_type: community_based_schemes
        area_of_spend: community_health
        commissioner: {{council: 50, icb: 50}}
        provider: la
        funding_source: other
        budget: {{2025-26: 1200000}}
"""


def test_integrated_provision_in_kind_is_shown_apart_from_cash(load_doc: Loader) -> None:
    # Council £480,000 cash; ICB £600,000 cash + £120,000 in kind: £1,200,000 = the budget.
    # A £60,000 cost in December is an overspend borne by the provider (the council) by default.
    result = run(load_doc(INTEGRATED), scenario(shocks=[{"scheme": "C1", "month": "2025-12", "amount": 60000}]))
    row = row_of(result, "ip", "2025-26")
    assert row.host == "council"
    assert row.cash.tolist() == pence_row(480_000, 600_000)
    assert row.in_kind.tolist() == pence_row(0, 120_000)
    assert row.budget.tolist() == [P(1_200_000)]
    assert row.overspend_shares.tolist() == [pence_row(60_000, 0)]
    # Net cost: council 480,000 + 60,000 = 540,000; ICB 600,000 + 120,000 = 720,000.
    assert row.net_cost.tolist() == [pence_row(540_000, 720_000)]
    partners = {p["id"]: p for p in result.to_json()["years"][0]["partners"]}
    assert partners["icb"]["cash_contribution"] == 600000.00
    assert partners["icb"]["in_kind"] == 120000.00
    assert partners["icb"]["net_cost"] == 720000.00
    assert partners["council"]["in_kind"] == 0.0
    assert partners["council"]["overspend_share"] == 60000.00


def test_integrated_provision_host_cash_position(load_doc: Loader) -> None:
    # Cash in each month: council 40,000 + ICB 50,000 = 90,000 (in kind never reaches the bank).
    # Cash out: spend 100,000 less 10,000 a month spent in kind = 90,000; December +60,000.
    # Balance: 0 to November, -60,000 from December, back to 0 when the council settles
    # its £60,000 overspend share in March (carry forward 0 - unfunded 0 = 0).
    result = run(load_doc(INTEGRATED), scenario(shocks=[{"scheme": "C1", "month": "2025-12", "amount": 60000}]))
    row = row_of(result, "ip", "2025-26")
    assert row.cash_in is not None
    assert row.cash_in.tolist() == [P(90_000)] * 12
    assert row.cash_position is not None
    assert row.cash_position.tolist() == [[0] * 8 + [P(-60_000)] * 3 + [0]]


def test_integrated_provision_default_underspend_kept_by_provider(load_doc: Loader) -> None:
    # A £30,000 saving: the provider (council) keeps it by default.
    result = run(load_doc(INTEGRATED), scenario(shocks=[{"scheme": "C1", "month": "2025-06", "amount": -30000}]))
    row = row_of(result, "ip", "2025-26")
    assert row.underspend_returns.tolist() == [pence_row(30_000, 0)]


def test_host_cash_position_ends_at_carry_forward_less_unfunded(load_doc: Loader) -> None:
    # Pool of £1,200,000, 40/60; the council bears a band of £20,000, the ICB a band of
    # £30,000, and nothing else: a £70,000 overspend leaves £20,000 unfunded, so the
    # host's account ends the year £20,000 overdrawn.
    text = FLAT_POOL.replace(
        "      - {layer: fixed_split, shares: {council: 50, icb: 50}}",
        "      - {layer: band, partner: icb, limit: 30000}",
    )
    result = run(load_doc(text), scenario(shocks=[{"scheme": "S1", "month": "2025-11", "amount": 70000}]))
    row = row_of(result, "pool", "2025-26")
    assert row.overspend_shares.tolist() == [pence_row(20_000, 30_000)]
    assert row.unfunded.tolist() == [P(20_000)]
    assert row.cash_position is not None
    # Monthly: in 100,000, out 100,000 (November 170,000): 0 to October, -70,000 from November,
    # -70,000 + 50,000 settled in March = -20,000.
    assert row.cash_position.tolist() == [[0] * 7 + [P(-70_000)] * 4 + [P(-20_000)]]
    assert row.cash_position[0, -1] == row.carry_forward[0] - row.unfunded[0]


def test_host_cash_position_ends_at_carry_forward_with_underspend(load_doc: Loader) -> None:
    # CONTINGENCY_POOL 2025-26 base: £50,000 underspend, £30,000 carried forward, 20,000 returned.
    # The host's account ends holding the £30,000 carried forward; 2026-27 opens with it.
    result = run(load_doc(CONTINGENCY_POOL))
    y1, y2 = row_of(result, "pool", "2025-26"), row_of(result, "pool", "2026-27")
    assert y1.cash_position is not None and y2.cash_position is not None
    assert y1.cash_position[0, -1] == P(30_000) == y1.carry_forward[0] - y1.unfunded[0]
    # Over the year £1,000,000 comes in and £950,000 goes out: £50,000 before settling; the
    # March settlement returns £20,000, leaving the £30,000 carried forward.
    assert y1.settlement is not None
    assert y1.settlement.tolist() == [P(-20_000)]
    assert y1.cash_position[0, -1] - y1.settlement[0] == P(50_000)
    # 2026-27 (base) opens with the £30,000: underspend 80,000, carry 30,000, return 50,000.
    assert y2.carry_forward.tolist() == [P(30_000)]
    assert y2.cash_position[0, -1] == P(30_000) == y2.carry_forward[0] - y2.unfunded[0]


# --- contribution changes -------------------------------------------------------------------------

CUT_POOL = f"""\
agreement:
  id: cut
  title: Council cut
  years: [2025-26, 2026-27]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    contributions:
      - {{partner: council, year: 2025-26, cash: 1200000, schedule: {{kind: monthly}}}}
      - {{partner: icb, year: 2025-26, cash: 1800000}}
      - {{partner: council, year: 2026-27, cash: 1200000, schedule: {{kind: monthly}}}}
      - {{partner: icb, year: 2026-27, cash: 1800000}}
    schemes:
      - id: S1
        name: Care
        scheme_type: home_care_or_domiciliary_care
        area_of_spend: social_care
        commissioner: council
        provider: private_sector
        funding_source: other
        budget: {{2025-26: 3000000, 2026-27: 3000000}}
    shortfall: waterfall    # these tests share a cut through the waterfall (the default is the reducing partner)
    risk_share:
      - {{layer: fixed_split, shares: {{council: 50, icb: 50}}}}
    underspend:
      - rule: return_proportional
"""


def test_contribution_cut_from_a_date(load_doc: Loader) -> None:
    # Council -10% from 1 January 2026: 1,200,000 x 10% x 3/12 = £30,000 less in 2025-26,
    # 1,200,000 x 10% = £120,000 less in 2026-27 (every later year in full).
    # Spend is unchanged, so the cut is an overspend shared 50/50: 15,000 each, then 60,000 each.
    cut = scenario(contribution_changes=[{"partner": "council", "from": "2026-01-01", "change_pct": -10}])
    result = run(load_doc(CUT_POOL), cut)
    y1, y2 = row_of(result, "pool", "2025-26"), row_of(result, "pool", "2026-27")
    assert y1.cash.tolist() == pence_row(1_170_000, 1_800_000)
    assert y2.cash.tolist() == pence_row(1_080_000, 1_800_000)
    assert y1.variance.tolist() == [P(30_000)]
    assert y1.overspend_shares.tolist() == [pence_row(15_000, 15_000)]
    assert y2.overspend_shares.tolist() == [pence_row(60_000, 60_000)]
    # Cash in: council 100,000 + ICB 150,000 a month; from January the council pays 90,000.
    assert y1.cash_in is not None
    assert y1.cash_in.tolist() == [P(250_000)] * 9 + [P(240_000)] * 3
    # Net cost: council 1,170,000 + 15,000 = 1,185,000 (still 15,000 less than before the cut).
    assert y1.net_cost.tolist() == [pence_row(1_185_000, 1_815_000)]


def test_contribution_change_by_amount_for_one_arrangement(load_doc: Loader) -> None:
    # ICB +£60,000 a year from 1 October 2025 (6 of 12 months): +30,000 in 2025-26, +60,000
    # in 2026-27. An underspend follows, returned 1,200,000 : 1,830,000 (2025-26): of £30,000,
    # 30,000 x 120/303 = 11,881.19 and 18,118.81.
    change = scenario(contribution_changes=[
        {"partner": "icb", "arrangement": "pool", "from": "2025-10-01", "change_amount": 60000}])
    result = run(load_doc(CUT_POOL), change)
    y1, y2 = row_of(result, "pool", "2025-26"), row_of(result, "pool", "2026-27")
    assert y1.cash.tolist() == pence_row(1_200_000, 1_830_000)
    assert y2.cash.tolist() == pence_row(1_200_000, 1_860_000)
    assert y1.underspend_returns.tolist() == [pence_row("11881.19", "18118.81")]


TWO_POOLS = f"""\
agreement:
  id: two
  title: Two pools
  years: [2025-26]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: A
    kind: pooled_fund
    name: Pool A
    contributions:
      - {{partner: council, year: 2025-26, cash: 300000}}
      - {{partner: icb, year: 2025-26, cash: 300000}}
    schemes:
      - {{id: SA, name: A, scheme_type: other, area_of_spend: other, commissioner: council, provider: la,
         funding_source: other, budget: {{2025-26: 600000}}}}
    risk_share: [{{layer: fixed_split, shares: {{council: 100}}}}]
    underspend: [{{rule: return_proportional}}]
  - id: B
    kind: pooled_fund
    name: Pool B
    contributions:
      - {{partner: council, year: 2025-26, cash: 100000}}
      - {{partner: icb, year: 2025-26, cash: 100000}}
    schemes:
      - {{id: SB, name: B, scheme_type: other, area_of_spend: other, commissioner: council, provider: la,
         funding_source: other, budget: {{2025-26: 200000}}}}
    risk_share: [{{layer: fixed_split, shares: {{council: 100}}}}]
    underspend: [{{rule: return_proportional}}]
"""


def test_contribution_cut_by_amount_across_all_arrangements_is_made_once(load_doc: Loader) -> None:
    # The council cuts its contribution by £40,000 a year from 1 April 2025, no arrangement
    # named: "all the partner's contributions". It pays 300,000 into A and 100,000 into B,
    # so the £40,000 is shared 3 : 1 = 30,000 from A and 10,000 from B; the council's total
    # cash falls from 400,000 to 360,000, not by £40,000 in each pool.
    cut = scenario(contribution_changes=[{"partner": "council", "from": "2025-04-01", "change_amount": -40000}])
    result = run(load_doc(TWO_POOLS), cut)
    totals = result.partner_totals("2025-26")["cash_contribution"]
    assert totals.tolist() == [pence_row(360_000, 400_000)]
    assert row_of(result, "A", "2025-26").cash.tolist() == pence_row(270_000, 300_000)
    assert row_of(result, "B", "2025-26").cash.tolist() == pence_row(90_000, 100_000)


def test_contribution_cut_cannot_take_cash_below_nothing(load_doc: Loader) -> None:
    # A cut of 100% from 1 April 2025 takes the council's 1,200,000 to exactly 0; a £2m cut
    # (more than it pays) also stops at 0 rather than turning into a payment out of the pool.
    for change in ({"change_pct": -100}, {"change_amount": -2_000_000}):
        cut = scenario(contribution_changes=[{"partner": "council", "from": "2025-04-01", **change}])
        result = run(load_doc(CUT_POOL), cut)
        assert row_of(result, "pool", "2025-26").cash.tolist() == pence_row(0, 1_800_000)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("inflation", {"care_fees": {"2025-26": -150}}, "above -100%"),
        ("inflation", {"care_fees": {"2025-26": 1e20}}, "at most 1000%"),
        ("demography", {"all": {"2025-26": -100}}, "above -100%"),
        ("efficiency", {"2025-26": 120}, "at most 100%"),
        ("contribution_changes", [{"partner": "council", "from": "2025-04-01", "change_pct": -150}], "-100%"),
        ("demand", [{"driver": "admissions", "change_pct": -101}], "-100%"),
    ],
)
def test_impossible_rates_are_refused(field: str, value: object, words: str) -> None:
    # -150% inflation would make spend negative; 1e20% would overflow: both are typing mistakes.
    with pytest.raises(ValidationError) as caught:
        scenario(**{field: value})
    assert words in str(caught.value)


# --- shocks and actuals ------------------------------------------------------------------------


def test_shock_lands_in_its_month(load_doc: Loader) -> None:
    # £185,000 in December 2025 (month index 8): spend 1,385,000; overspend 185,000:
    # council band 20,000 + 82,500; ICB 82,500.
    result = run(load_doc(FLAT_POOL), scenario(shocks=[{"scheme": "S1", "month": "2025-12", "amount": 185000}]))
    months = result.monthly_spend["pool"][0, 0, 0].tolist()
    assert months == [P(100_000)] * 8 + [P(285_000)] + [P(100_000)] * 3
    row = row_of(result, "pool", "2025-26")
    assert row.spend.tolist() == [P(1_385_000)]
    assert row.overspend_shares.tolist() == [pence_row(102_500, 82_500)]


def test_shocks_outside_the_agreement_years_are_ignored(load_doc: Loader) -> None:
    # FLAT_POOL is 2025-26 only; a shock in 2026-05 belongs to a year the agreement does not have.
    result = run(load_doc(FLAT_POOL), scenario(shocks=[{"scheme": "S1", "month": "2026-05", "amount": 5000}]))
    assert row_of(result, "pool", "2025-26").spend.tolist() == [P(1_200_000)]


ACTUALS_POOL = f"""\
agreement:
  id: actuals
  title: Actuals
  years: [2025-26]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    contributions:
      - {{partner: council, year: 2025-26, cash: 600000}}
      - {{partner: icb, year: 2025-26, cash: 1200000}}
    schemes:
      - {{id: S1, name: Home care, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: other, budget: {{2025-26: 1200000}}}}
      - {{id: S2, name: Nursing, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: icb, provider: nhs_community, funding_source: other, budget: {{2025-26: 600000}}}}
    risk_share:
      - layer: commissioner
    underspend:
      - rule: return_proportional
"""

S1_ACTUALS = [90000, 95000, 100000, 105000, 110000, 115000]  # April to September: £615,000


def actuals(method: str, schemes: dict | None = None, **extra: object) -> Scenario:
    return scenario(
        actuals=[{"year": "2025-26", "to_month": "2025-09", "forecast_method": method,
                  "schemes": schemes or {"S1": S1_ACTUALS}}],
        **extra,
    )


@pytest.mark.parametrize(
    ("method", "s1_spend", "s1_future"),
    [
        # Run rate: 615,000 / 6 = 102,500 a month for October-March: 615,000 + 615,000 = 1,230,000.
        ("run_rate", 1_230_000, [102_500] * 6),
        # Trend: a straight line rising 5,000 a month: 120,000 ... 145,000 (sum 795,000): 1,410,000.
        ("trend", 1_410_000, [120_000, 125_000, 130_000, 135_000, 140_000, 145_000]),
        # Budget profile: the remaining budget, 6 x 100,000: 615,000 + 600,000 = 1,215,000.
        ("budget_profile", 1_215_000, [100_000] * 6),
    ],
)
def test_actuals_and_forecast_methods(load_doc: Loader, method: str, s1_spend: int, s1_future: list[int]) -> None:
    result = run(load_doc(ACTUALS_POOL), actuals(method))
    months = result.monthly_spend["pool"][0, 0]
    assert months[0].tolist() == pence_row(*S1_ACTUALS, *s1_future)
    # S2 has no actuals: forecast at its budget for the whole year (50,000 a month).
    assert months[1].tolist() == [P(50_000)] * 12
    row = row_of(result, "pool", "2025-26")
    assert row.scheme_spend.tolist() == [pence_row(s1_spend, 600_000)]
    # The overspend is all on S1, the council's scheme: the council bears it.
    assert row.overspend_shares.tolist() == [pence_row(s1_spend - 1_200_000, 0)]


def test_run_rate_rounds_the_average_month_half_up(load_doc: Loader) -> None:
    # Actuals April-June 100.00, 100.00, 100.01: average 100.00333; the 9 months left total
    # exactly 300.01 x 9 / 3 = 900.03. Each month but the last is 100.00 (half up), and March
    # takes the remainder 900.03 - 8 x 100.00 = 100.03, so the year is 300.01 + 900.03 =
    # £1,200.04 = 4 x 300.01 (the run rate's own total, to the penny).
    agreement = load_doc(ACTUALS_POOL)
    sc = scenario(actuals=[{"year": "2025-26", "to_month": "2025-06", "forecast_method": "run_rate",
                            "schemes": {"S1": [100, 100, "100.01"]}}])
    result = run(agreement, sc)
    assert result.monthly_spend["pool"][0, 0, 0].tolist() == pence_row(100, 100, "100.01", *[100] * 8, "100.03")
    # Actuals 0.01, 0.01, 0.00: average 0.667p -> 1p a month (half up) for May..Feb; the 9
    # months total round(2p x 9 / 3) = 6p, so March takes 6 - 8 = -2p.
    sc = scenario(actuals=[{"year": "2025-26", "to_month": "2025-06", "forecast_method": "run_rate",
                            "schemes": {"S1": ["0.01", "0.01", 0]}}])
    assert run(agreement, sc).monthly_spend["pool"][0, 0, 0].tolist()[3:] == [1] * 8 + [-2]


def test_shock_in_an_actual_month_is_already_in_the_actuals(load_doc: Loader) -> None:
    # A shock on S1 in June is inside the actuals (April-September) and is not added again;
    # one in December is added to the forecast: run rate 1,230,000 + 7,000 = 1,237,000.
    shocks = [
        {"scheme": "S1", "month": "2025-06", "amount": 5000},
        {"scheme": "S1", "month": "2025-12", "amount": 7000},
    ]
    result = run(load_doc(ACTUALS_POOL), actuals("run_rate", shocks=shocks))
    assert row_of(result, "pool", "2025-26").scheme_spend.tolist() == [pence_row(1_237_000, 600_000)]


def test_shock_on_a_scheme_without_actuals_is_kept(load_doc: Loader) -> None:
    # Only S1 has actuals; S2 is forecast for the whole year at budget, so a £4,000 shock on
    # S2 in June is in no actuals and must be added: S2 spend 600,000 + 4,000 = 604,000.
    shocks = [{"scheme": "S2", "month": "2025-06", "amount": 4000}]
    result = run(load_doc(ACTUALS_POOL), actuals("run_rate", shocks=shocks))
    assert row_of(result, "pool", "2025-26").scheme_spend.tolist() == [pence_row(1_230_000, 604_000)]


def test_actuals_for_one_arrangement_leave_shocks_in_another_alone(load_doc: Loader) -> None:
    # Actuals to September for SA (pool A) only; a £10,000 shock on SB (pool B) in June
    # must still land: SB spend 200,000 + 10,000 = 210,000, borne by the council (100%).
    sc = scenario(
        actuals=[{"year": "2025-26", "to_month": "2025-09", "schemes": {"SA": [50000] * 6}}],
        shocks=[{"scheme": "SB", "month": "2025-06", "amount": 10000}],
    )
    result = run(load_doc(TWO_POOLS), sc)
    assert row_of(result, "B", "2025-26").spend.tolist() == [P(210_000)]
    assert row_of(result, "B", "2025-26").overspend_shares.tolist() == [pence_row(10_000, 0)]


def test_actuals_for_a_year_not_in_the_agreement_are_ignored(load_doc: Loader) -> None:
    sc = scenario(actuals=[{"year": "2026-27", "to_month": "2026-09", "schemes": {"S1": [1] * 6}}])
    assert row_of(run(load_doc(ACTUALS_POOL), sc), "pool", "2025-26").spend.tolist() == [P(1_800_000)]


# --- several paths ---------------------------------------------------------------------------------


def test_driver_paths_give_per_path_results(load_doc: Loader) -> None:
    # Three paths of 2025-26 general inflation: 0%, 5%, -5%.
    #   0%: spend 1,200,000, no variance.
    #   5%: spend 1,260,000, overspend 60,000: council 20,000 + 20,000, ICB 20,000.
    #  -5%: spend 1,140,000, underspend 60,000 returned 480 : 720 = 24,000 / 36,000.
    drivers = Drivers(paths=3, inflation={"general": np.array([[0.0], [5.0], [-5.0]])})
    result = run(load_doc(FLAT_POOL), BASE, drivers)
    row = row_of(result, "pool", "2025-26")
    assert result.paths == 3
    assert row.spend.tolist() == pence_row(1_200_000, 1_260_000, 1_140_000)
    assert row.overspend_shares.tolist() == [[0, 0], pence_row(40_000, 20_000), [0, 0]]
    assert row.underspend_returns.tolist() == [[0, 0], [0, 0], pence_row(24_000, 36_000)]
    assert result.to_json(path=1)["years"][0]["arrangements"][0]["spend"] == 1260000.00
    assert result.to_json(path=2)["years"][0]["arrangements"][0]["underspend_returns"] == {
        "council": 24000.00,
        "icb": 36000.00,
    }


# --- conservation ----------------------------------------------------------------------------------


def test_check_conservation_catches_a_penny_out(load_doc: Loader) -> None:
    result = run(load_doc(FLAT_POOL), Scenario(id="inflation", inflation={"general": {"2025-26": 5}}))
    check_conservation(result)  # balances as run
    row = row_of(result, "pool", "2025-26")
    row.overspend_shares = row.overspend_shares + np.array([[1, 0]])
    with pytest.raises(ConservationError, match="pool 2025-26"):
        check_conservation(result)


# --- the JSON contract -----------------------------------------------------------------------------

TOP_KEYS = {"agreement", "agreement_title", "scenario", "scenario_name", "years"}
YEAR_KEYS = {"year", "arrangements", "partners"}
ARRANGEMENT_KEYS = {
    "id", "name", "kind", "host", "budget", "spend", "variance", "brought_forward", "carry_forward",
    "unfunded", "reinvested", "contingency", "overspend_shares", "underspend_returns", "schemes",
    # added for funding sources, contribution cuts and ring-fenced sources (the contract only grows)
    "by_source", "revenue", "capital", "shortfall_rule", "own_cuts", "own_cuts_borne", "shared_variance",
    "ring_fenced",
}
PARTNER_KEYS = {"id", "name", "cash_contribution", "in_kind", "overspend_share", "underspend_return", "net_cost"}
SCHEME_KEYS = {"id", "budget", "spend", "variance"}
ARRANGEMENT_MONEY = ["budget", "spend", "variance", "brought_forward", "carry_forward", "unfunded", "reinvested",
                     "contingency"]


def _is_money(value: object) -> bool:
    """A float in pounds with at most two decimals (exactly what 2-place rounding gives)."""
    return type(value) is float and round(value, 2) == value


def test_json_contract_keys_and_money(load_doc: Loader) -> None:
    # Council -10% from 1 January 2026 on CUT_POOL, then proportional shares that do not divide
    # evenly, so the money has pence in it: 2025-26 overspend £30,000 split 50/50 (15,000 each).
    cut = scenario(contribution_changes=[{"partner": "council", "from": "2026-01-01", "change_pct": -10}])
    text = CUT_POOL.replace("{layer: fixed_split, shares: {council: 50, icb: 50}}", "{layer: proportional}")
    result = run(load_doc(text), cut)
    out = result.to_json()
    json.dumps(out)  # plain JSON types only
    assert set(out) == TOP_KEYS
    assert out["agreement"] == "cut"
    assert out["scenario"] == "test"
    assert [y["year"] for y in out["years"]] == ["2025-26", "2026-27"]
    for year in out["years"]:
        assert set(year) == YEAR_KEYS
        for arrangement in year["arrangements"]:
            assert set(arrangement) == ARRANGEMENT_KEYS
            assert arrangement["id"] == "pool" and arrangement["kind"] == "pooled_fund"
            for key in ARRANGEMENT_MONEY:
                assert _is_money(arrangement[key]), (key, arrangement[key])
            for shares in (arrangement["overspend_shares"], arrangement["underspend_returns"]):
                assert all(_is_money(v) for v in shares.values())
            for scheme in arrangement["schemes"]:
                assert set(scheme) == SCHEME_KEYS
        for partner in year["partners"]:
            assert set(partner) == PARTNER_KEYS
            assert all(_is_money(partner[k]) for k in PARTNER_KEYS - {"id", "name"})
    # 2025-26: overspend £30,000 shared 1,170,000 : 1,800,000 (the council's cash after the cut):
    # 3,000,000p x 1,170/2,970 = 1,181,818.18p and x 1,800/2,970 = 1,818,181.82p; floors leave
    # 1p, the larger remainder (.82) is the ICB's: £11,818.18 and £18,181.82.
    first = out["years"][0]["arrangements"][0]
    assert first["overspend_shares"] == {"council": 11818.18, "icb": 18181.82}
    assert first["underspend_returns"] == {}
    assert first["budget"] == 2970000.00
    assert first["variance"] == 30000.00
    council = out["years"][0]["partners"][0]
    assert council == {
        "id": "council",
        "name": "Council",
        "cash_contribution": 1170000.00,
        "in_kind": 0.0,
        "overspend_share": 11818.18,
        "underspend_return": 0.0,
        "net_cost": 1181818.18,
    }


def test_json_partner_totals_add_up_across_arrangements(load_doc: Loader) -> None:
    # TWO_POOLS with a £10,000 shock on SA and a £2,000 saving on SB:
    # A: council bears the £10,000 overspend (100%). B: £2,000 returned 1 : 1 = 1,000 each.
    # Council: cash 400,000, overspend 10,000, return 1,000, net 409,000. ICB: cash 400,000,
    # return 1,000, net 399,000.
    sc = scenario(shocks=[{"scheme": "SA", "month": "2025-05", "amount": 10000},
                          {"scheme": "SB", "month": "2025-05", "amount": -2000}])
    out = run(load_doc(TWO_POOLS), sc).to_json()
    assert [a["id"] for a in out["years"][0]["arrangements"]] == ["A", "B"]
    partners = {p["id"]: p for p in out["years"][0]["partners"]}
    assert partners["council"]["cash_contribution"] == 400000.00
    assert partners["council"]["overspend_share"] == 10000.00
    assert partners["council"]["underspend_return"] == 1000.00
    assert partners["council"]["net_cost"] == 409000.00
    assert partners["icb"]["net_cost"] == 399000.00
