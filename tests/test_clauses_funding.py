"""Contribution shortfalls and ring-fenced funding sources (agreement-clauses items 4 and 5).

Every figure is worked by hand in the comments. A partner that cuts its
contribution bears the gap itself unless the agreement says ``shortfall:
waterfall``; a ring-fenced source (the DFG always) is settled within the
source, for the partner that spends it, before anything is shared.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PARTNERS_YAML, P, exact_shares, load_agreement_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import agreements

from pooledfund.core.money import to_pence
from pooledfund.engine.results import ArrangementYear, RunResult
from pooledfund.engine.runner import run
from pooledfund.io.loader import load_agreement
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
Loader = Any
PROPERTIES = settings(max_examples=60, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def scenario(**fields: object) -> Scenario:
    return Scenario.model_validate({"id": "test", **fields})


def row_of(result: RunResult, arrangement: str, year: str) -> ArrangementYear:
    return next(r for r in result.arrangement_years if r.arrangement_id == arrangement and r.year == year)


def pence_row(*pounds: str | int) -> list[int]:
    return [P(p) for p in pounds]


# --- item 4: contribution shortfalls -------------------------------------------------------------

BIG_POOL = f"""\
agreement:
  id: big
  title: Council and ICB pool
  years: [2025-26]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    SHORTFALL
    contributions:
      - {{partner: council, year: 2025-26, source: additional_la, cash: 23400000}}
      - {{partner: icb, year: 2025-26, source: nhs_minimum, cash: 38700000}}
    schemes:
      - {{id: C1, name: Council care, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: additional_la, budget: {{2025-26: 23400000}}}}
      - {{id: I1, name: Community health, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: icb, provider: nhs_community, funding_source: nhs_minimum, budget: {{2025-26: 38700000}}}}
    risk_share:
      - {{layer: commissioner}}
      - {{layer: proportional}}
    underspend:
      - {{rule: return_proportional}}
"""
ICB_CUT = scenario(contribution_changes=[{"partner": "icb", "from": "2025-04-01", "change_amount": -500000}])


def big_pool(load_doc: Loader, shortfall: str = "") -> Agreement:
    line = f"shortfall: {shortfall}" if shortfall else ""
    agreement: Agreement = load_doc(BIG_POOL.replace("SHORTFALL", line))
    return agreement


def test_a_partner_bears_its_own_cut_by_default(load_doc: Loader) -> None:
    # Council £23.4m (host) and ICB £38.7m, spend exactly on budget; the ICB pays £500,000
    # less in the year. Spend £62.1m less money in £61.6m = £500,000 overspend, all of it the
    # ICB's cut: the ICB bears £500,000, the council nothing. Net cost: ICB 38,200,000 +
    # 500,000 = £38,700,000 (what it agreed); council £23,400,000.
    result = run(big_pool(load_doc), ICB_CUT)
    row = row_of(result, "pool", "2025-26")
    assert row.cash.tolist() == pence_row(23_400_000, 38_200_000)
    assert row.variance.tolist() == [P(500_000)]
    assert row.overspend_shares.tolist() == [pence_row(0, 500_000)]
    assert row.net_cost.tolist() == [pence_row(23_400_000, 38_700_000)]
    assert row.funding is not None
    assert row.funding.shortfall.tolist() == pence_row(0, 500_000)
    assert row.funding.shortfall_borne.tolist() == pence_row(0, 500_000)
    assert row.shared_variance.tolist() == [0]
    assert row.unfunded.tolist() == [0]


def test_the_same_cut_shared_through_the_waterfall_when_the_agreement_says_so(load_doc: Loader) -> None:
    # shortfall: waterfall. No scheme overspent, so the commissioner layer has no weights and
    # the £500,000 passes to the proportional layer, by contributions 23,400,000 : 38,200,000:
    # council 50,000,000p x 234/616 = 18,993,506.49p, ICB x 382/616 = 31,006,493.50p; floors
    # leave 1p, to the larger remainder (.50 of the ICB's): council £189,935.06, ICB £310,064.94.
    result = run(big_pool(load_doc, "waterfall"), ICB_CUT)
    row = row_of(result, "pool", "2025-26")
    assert row.overspend_shares.tolist() == [pence_row("189935.06", "310064.94")]
    assert row.funding is not None and row.funding.shortfall_borne.tolist() == [0, 0]
    assert row.shared_variance.tolist() == [P(500_000)]


def test_a_cut_and_an_overspend_together(load_doc: Loader) -> None:
    # The ICB cuts £500,000 and the council's scheme C1 overspends by £300,000 (a shock).
    # Variance = 300,000 + 500,000 = £800,000. The cut's gap, £500,000, is the ICB's; the rest,
    # £300,000, goes down the waterfall: the commissioner layer puts it on the council (C1).
    # Council 23,400,000 + 300,000 = £23,700,000; ICB 38,200,000 + 500,000 = £38,700,000.
    # Conservation: 23,700,000 + 38,700,000 = 62,400,000 = spend (62,100,000 + 300,000).
    both = scenario(contribution_changes=ICB_CUT.contribution_changes,
                    shocks=[{"scheme": "C1", "month": "2025-10", "amount": 300000}])
    row = row_of(run(big_pool(load_doc), both), "pool", "2025-26")
    assert row.variance.tolist() == [P(800_000)]
    assert row.shared_variance.tolist() == [P(300_000)]
    assert row.overspend_shares.tolist() == [pence_row(300_000, 500_000)]
    assert row.net_cost.tolist() == [pence_row(23_700_000, 38_700_000)]
    assert row.net_cost.sum() == row.spend[0]


def test_a_cut_does_not_draw_on_the_risk_pool(load_doc: Loader) -> None:
    # With a £100,000 contingency (funded by both, in proportion), spend is £100,000 under the
    # money agreed. The ICB cuts £500,000: it bears all £500,000; the contingency is not spent
    # on its cut, so the shared pool still underspends by £100,000, returned pro rata to the
    # contributions as made good (23,400,000 : 38,700,000): council 10,000,000p x 234/621 =
    # 3,768,115.94p, ICB x 387/621 = 6,231,884.05p; 1p to the larger remainder (.94):
    # council £37,681.16, ICB £62,318.84.
    text = BIG_POOL.replace("SHORTFALL", "contingency: {2025-26: 100000}").replace(
        "budget: {2025-26: 38700000}", "budget: {2025-26: 38600000}")
    row = row_of(run(load_doc(text), ICB_CUT), "pool", "2025-26")
    assert row.variance.tolist() == [P(400_000)]
    assert row.shared_variance.tolist() == [P(-100_000)]
    assert row.overspend_shares.tolist() == [pence_row(0, 500_000)]
    assert row.underspend_returns.tolist() == [pence_row("37681.16", "62318.84")]
    assert row.risk_pool_used.tolist() == [0]


NORTHMOOR_ICB_CUT = scenario(contribution_changes=[
    {"partner": "icb", "from": "2026-01-01", "change_amount": -2000000}])


def northmoor(shortfall: str | None = None) -> Agreement:
    agreement, errors = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    assert agreement is not None and not errors
    if shortfall is None:
        return agreement
    arrangements = [a.model_copy(update={"shortfall": shortfall}) if a.id == "bcf_pool" else a
                    for a in agreement.arrangements]
    return agreement.model_copy(update={"arrangements": arrangements})


def test_northmoor_icb_cut_is_the_icbs_by_default() -> None:
    # The ICB cuts £2m a year from 1 January 2026: 2,000,000 x 3/12 = £500,000 less in 2025-26.
    # By default the ICB bears its own £500,000 and the council nothing; the £300,000 risk pool
    # is not spent on the cut, so it is unspent and carried forward (cap £750,000).
    row = row_of(run(northmoor(), NORTHMOOR_ICB_CUT), "bcf_pool", "2025-26")
    assert row.overspend_shares.tolist() == [pence_row(0, 500_000)]
    assert row.carry_forward.tolist() == [P(300_000)]
    assert row.underspend_returns.tolist() == [[0, 0]]


def test_northmoor_icb_cut_through_the_waterfall_is_todays_200000_council_share() -> None:
    # shortfall: waterfall. Overspend £500,000; the £300,000 risk pool absorbs the first part;
    # no scheme overspent, so the commissioner layer places nothing; the council's £250,000
    # band takes the remaining £200,000. The ICB bears nothing.
    row = row_of(run(northmoor("waterfall"), NORTHMOOR_ICB_CUT), "bcf_pool", "2025-26")
    assert row.overspend_shares.tolist() == [pence_row(200_000, 0)]
    assert row.carry_forward.tolist() == [0]
    assert row.risk_pool_used.tolist() == [P(300_000)]


def test_a_misspelt_shortfall_rule_is_refused_at_its_line(load_doc: Loader, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BIG_POOL.replace("SHORTFALL", "shortfall: reducing partnr"), encoding="utf-8")
    agreement, errors = load_agreement(path)
    assert agreement is None
    assert [str(e) for e in errors] == [
        f"{path}:14 arrangements[0].shortfall: 'reducing partnr' is not a shortfall rule; did you mean "
        "reducing_partner? (use one of reducing_partner, waterfall)"]


# --- item 5: ring-fenced sources --------------------------------------------------------------------

DFG_POOL = f"""\
agreement:
  id: dfg
  title: DFG and discharge
  years: [2025-26, 2026-27]
  host_partner: council
{PARTNERS_YAML}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    RINGFENCE
    contributions:
      - {{partner: council, year: 2025-26, source: dfg, cash: 1000000}}
      - {{partner: council, year: 2025-26, source: additional_la, cash: 4000000}}
      - {{partner: icb, year: 2025-26, source: nhs_minimum, cash: 5000000}}
      - {{partner: council, year: 2026-27, source: dfg, cash: 1000000}}
      - {{partner: council, year: 2026-27, source: additional_la, cash: 4000000}}
      - {{partner: icb, year: 2026-27, source: nhs_minimum, cash: 5000000}}
    schemes:
      - {{id: DF01, name: Disabled facilities grants, scheme_type: dfg_related_schemes, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: dfg,
         budget: {{2025-26: 1000000, 2026-27: 1000000}}}}
      - {{id: HC01, name: Home care, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: additional_la,
         budget: {{2025-26: 4000000, 2026-27: 4000000}}}}
      - {{id: DS01, name: Discharge to assess, scheme_type: bed_based_intermediate_care,
         area_of_spend: community_health, commissioner: icb, provider: nhs_community, funding_source: nhs_minimum,
         budget: {{2025-26: 5000000, 2026-27: 5000000}}}}
    risk_share:
      - {{layer: commissioner}}
      - {{layer: proportional}}
    underspend:
      - {{rule: return_proportional}}
"""
DFG_UNDER_DISCHARGE_OVER = scenario(shocks=[
    {"scheme": "DF01", "month": "2025-11", "amount": -800000},
    {"scheme": "DS01", "month": "2025-12", "amount": 174000},
])


def dfg_pool(load_doc: Loader, ring_fenced: str = "") -> Agreement:
    agreement: Agreement = load_doc(DFG_POOL.replace("RINGFENCE", ring_fenced))
    return agreement


def test_a_dfg_underspend_is_never_netted_against_a_revenue_overspend(load_doc: Loader) -> None:
    # DFG £800,000 under; discharge to assess (revenue, ICB-commissioned) £174,000 over.
    # Netted as one pool, the £626,000 underspend would be returned 5,000,000 : 5,000,000 and
    # £313,000 of the council's DFG would go back to the ICB. Ring-fenced instead:
    # - DFG: spend 200,000 less money 1,000,000 = £800,000 under, carried forward in the DFG
    #   for the council (the default);
    # - the rest: spend 9,174,000 less money 9,000,000 = £174,000 over, down the waterfall: the
    #   commissioner layer puts it on the ICB (DS01).
    # Nothing is returned to anyone. Conservation: council 5,000,000 + ICB 5,174,000 =
    # 10,174,000 = spend 9,374,000 + carried forward 800,000.
    row = row_of(run(dfg_pool(load_doc), DFG_UNDER_DISCHARGE_OVER), "pool", "2025-26")
    assert row.variance.tolist() == [P(-626_000)]
    assert row.shared_variance.tolist() == [P(174_000)]
    assert row.overspend_shares.tolist() == [pence_row(0, 174_000)]
    assert row.underspend_returns.tolist() == [[0, 0]]
    assert row.carry_forward.tolist() == [P(800_000)]
    assert row.funding is not None
    (dfg,) = row.funding.ring_fenced
    assert dfg.source == "dfg" and dfg.capital
    assert dfg.carried_forward.tolist() == [pence_row(800_000, 0)]
    assert row.net_cost.tolist() == [pence_row(5_000_000, 5_174_000)]


def test_the_dfg_carried_forward_stays_in_the_dfg_next_year(load_doc: Loader) -> None:
    # 2026-27 brings the £800,000 forward into the DFG for the council, not into the shared
    # risk pool. DFG spend on budget: its money 1,000,000 + 800,000 brought forward, spend
    # 1,000,000: £800,000 under again, carried forward. The shared pool is on budget, so
    # nothing is shared or returned and its risk pool is nil.
    row = row_of(run(dfg_pool(load_doc), DFG_UNDER_DISCHARGE_OVER), "pool", "2026-27")
    assert row.brought_forward.tolist() == [P(800_000)]
    assert row.shared_variance.tolist() == [0]
    assert row.risk_pool.tolist() == [0]
    assert row.carry_forward.tolist() == [P(800_000)]
    assert row.overspend_shares.tolist() == [[0, 0]] and row.underspend_returns.tolist() == [[0, 0]]


def test_a_dfg_underspend_returned_goes_to_the_partner_that_spends_it(load_doc: Loader) -> None:
    # ring_fenced: [{source: dfg, underspend: return_to_commissioner}]: the £800,000 goes back to
    # the council (DF01's commissioner). The ICB still bears the £174,000 discharge overspend.
    fence = "ring_fenced: [{source: dfg, underspend: return_to_commissioner}]"
    row = row_of(run(dfg_pool(load_doc, fence), DFG_UNDER_DISCHARGE_OVER), "pool", "2025-26")
    assert row.underspend_returns.tolist() == [pence_row(800_000, 0)]
    assert row.overspend_shares.tolist() == [pence_row(0, 174_000)]
    assert row.carry_forward.tolist() == [0]


def test_a_dfg_overspend_is_its_commissioners_and_does_not_use_other_underspends(load_doc: Loader) -> None:
    # DFG £150,000 over, home care £400,000 under. Ring-fenced, the council bears the DFG
    # £150,000 itself (the commissioner, by default); the £400,000 home care underspend is
    # returned pro rata 5,000,000 : 5,000,000: £200,000 each.
    shocks = scenario(shocks=[{"scheme": "DF01", "month": "2025-11", "amount": 150000},
                              {"scheme": "HC01", "month": "2025-11", "amount": -400000}])
    row = row_of(run(dfg_pool(load_doc), shocks), "pool", "2025-26")
    assert row.overspend_shares.tolist() == [pence_row(150_000, 0)]
    assert row.underspend_returns.tolist() == [pence_row(200_000, 200_000)]
    # overspend: waterfall sends the DFG's £150,000 into the pool's result instead: netted
    # against the £400,000 underspend, leaving £250,000 returned 125,000 each.
    fence = "ring_fenced: [{source: dfg, overspend: waterfall}]"
    row = row_of(run(dfg_pool(load_doc, fence), shocks), "pool", "2025-26")
    assert row.overspend_shares.tolist() == [[0, 0]]
    assert row.underspend_returns.tolist() == [pence_row(125_000, 125_000)]


def test_a_time_limited_grant_ring_fenced_is_returned_to_the_body_that_gave_it(load_doc: Loader) -> None:
    # The ICB pays a £300,000 time-limited grant (source other) for a council scheme, ring-fenced
    # with its underspend returned to the giver. The scheme spends £240,000: the £60,000 goes back
    # to the ICB, not netted against the £100,000 home care overspend, which the council bears
    # (commissioner layer).
    text = DFG_POOL.replace("RINGFENCE", "ring_fenced: [{source: other, underspend: return to giver}]").replace(
        "      - {partner: icb, year: 2025-26, source: nhs_minimum, cash: 5000000}",
        "      - {partner: icb, year: 2025-26, source: nhs_minimum, cash: 5000000}\n"
        "      - {partner: icb, year: 2025-26, source: other, cash: 300000}").replace(
        "    schemes:\n", "    schemes:\n"
        "      - {id: TL01, name: Falls grant, scheme_type: prevention_early_intervention, area_of_spend: other,\n"
        "         commissioner: council, provider: la, funding_source: other, budget: {2025-26: 300000}}\n")
    agreement = load_doc(text)
    shocks = scenario(shocks=[{"scheme": "TL01", "month": "2025-11", "amount": -60000},
                              {"scheme": "HC01", "month": "2025-11", "amount": 100000}])
    row = row_of(run(agreement, shocks), "pool", "2025-26")
    assert row.underspend_returns.tolist() == [pence_row(0, 60_000)]
    assert row.overspend_shares.tolist() == [pence_row(100_000, 0)]
    assert row.funding is not None
    assert [f.source for f in row.funding.ring_fenced] == ["other", "dfg"]


def test_a_misspelt_ring_fence_rule_names_what_it_could_mean(load_doc: Loader, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(DFG_POOL.replace("RINGFENCE", "ring_fenced: [{source: dfg, underspend: cary_forward}]"),
                    encoding="utf-8")
    agreement, errors = load_agreement(path)
    assert agreement is None
    assert [str(e) for e in errors] == [
        f"{path}:14 arrangements[0].ring_fenced[0].underspend: 'cary_forward' is not a ring-fenced underspend "
        "rule; did you mean carry_forward? (use one of carry_forward, return_to_commissioner, return_to_giver)"]


TWO_TIER = """\
agreement:
  id: two-tier
  title: Two-tier DFG
  years: [2025-26]
  host_partner: county
partners:
  - {id: county, name: County Council, kind: county_council, vat: council_s33}
  - {id: ashvale, name: Ashvale District Council, kind: district_council, vat: council_s33}
  - {id: brookmere, name: Brookmere District Council, kind: district_council, vat: council_s33}
  - {id: icb, name: ICB, kind: integrated_care_board, vat: nhs_limited_recovery}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    RINGFENCE
    contributions:
      - {partner: county, year: 2025-26, source: dfg, cash: 6350000}
      - {partner: county, year: 2025-26, source: additional_la, cash: 2000000}
      - {partner: icb, year: 2025-26, source: nhs_minimum, cash: 3000000}
    schemes:
      - {id: DF01, name: Ashvale DFG, scheme_type: dfg_related_schemes, area_of_spend: social_care,
         commissioner: ashvale, provider: private_sector, funding_source: dfg, budget: {2025-26: 3520000}}
      - {id: DF02, name: Brookmere DFG, scheme_type: dfg_related_schemes, area_of_spend: social_care,
         commissioner: brookmere, provider: private_sector, funding_source: dfg, budget: {2025-26: 2830000}}
      - {id: AL01, name: Carers, scheme_type: carers_services, area_of_spend: social_care,
         commissioner: county, provider: charity_voluntary, funding_source: additional_la, budget: {2025-26: 2000000}}
      - {id: NM01, name: Community, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: icb, provider: nhs_community, funding_source: nhs_minimum, budget: {2025-26: 3000000}}
    risk_share:
      - {layer: commissioner}
      - {layer: proportional, partners: [county, icb]}
    underspend:
      - {rule: return_proportional}
"""
DISTRICTS = scenario(shocks=[{"scheme": "DF01", "month": "2025-11", "amount": -500000},
                             {"scheme": "DF02", "month": "2025-11", "amount": 200000},
                             {"scheme": "AL01", "month": "2025-11", "amount": -90000}])


def test_a_districts_dfg_underspend_stays_with_the_district(load_doc: Loader) -> None:
    # The county passes the £6.35m DFG in full; it is held for each district by its budget:
    # Ashvale £3,520,000, Brookmere £2,830,000. Ashvale underspends £500,000, Brookmere
    # overspends £200,000; the county's carers scheme underspends £90,000.
    # - Ashvale's £500,000 is carried forward in the DFG for Ashvale (the default);
    # - Brookmere bears its own £200,000 (commissioner), not netted against Ashvale's money;
    # - the £90,000 shared underspend is returned pro rata to contributions, 8,350,000 : 3,000,000
    #   (districts paid nothing in, so they get none of it): county 9,000,000p x 835/1135 =
    #   6,621,145.37p, ICB x 300/1135 = 2,378,854.62p; 1p to the larger remainder (.62):
    #   county £66,211.45, ICB £23,788.55.
    row = row_of(run(load_doc(TWO_TIER.replace("RINGFENCE", "")), DISTRICTS), "pool", "2025-26")
    assert row.funding is not None
    (dfg,) = row.funding.ring_fenced
    assert dfg.held.tolist() == pence_row(0, 3_520_000, 2_830_000, 0)
    assert dfg.carried_forward.tolist() == [pence_row(0, 500_000, 0, 0)]
    assert row.overspend_shares.tolist() == [pence_row(0, 0, 200_000, 0)]
    assert row.underspend_returns.tolist() == [pence_row("66211.45", 0, 0, "23788.55")]
    # Returned rather than carried: Ashvale gets its £500,000; the county and the ICB none of it.
    fence = "ring_fenced: [{source: dfg, underspend: return_to_commissioner}]"
    row = row_of(run(load_doc(TWO_TIER.replace("RINGFENCE", fence)), DISTRICTS), "pool", "2025-26")
    assert row.underspend_returns.tolist() == [pence_row("66211.45", 500_000, 0, "23788.55")]


# --- properties ----------------------------------------------------------------------------------


def _with_dfg(document: dict[str, Any], chosen: list[bool]) -> dict[str, Any]:
    """The same agreement with some schemes paid from the DFG, the DFG paid in by the partners that pay cash.

    Each funded arrangement's DFG money each year is its DFG schemes' budgets, split among the
    partners by their cash (so no partner pays more DFG than its cash); the rest stays ``other``.
    Lead commissioning is left alone (its contribution is derived from its agreed value).
    """
    document = copy.deepcopy(document)
    flags = iter(chosen)
    for arrangement in document["arrangements"]:
        if arrangement["kind"] not in ("pooled_fund", "integrated_provision"):
            continue
        dfg = [s for s in arrangement["schemes"] if next(flags, False)]
        for scheme in dfg:
            scheme["funding_source"] = "dfg"
        contributions = []
        for year in document["agreement"]["years"]:
            lines = [c for c in arrangement["contributions"] if c["year"] == year]
            cash = [to_pence(c["cash"]) for c in lines]
            needed = sum(to_pence(s["budget"][year]) for s in dfg)
            parts = exact_shares(needed, cash) if sum(cash) >= needed else [0] * len(lines)
            for line, part, paid in zip(lines, parts, cash, strict=True):
                contributions.append({**line, "cash": f"{(paid - part) / 100:.2f}"})
                if part:
                    contributions.append({"partner": line["partner"], "year": year, "source": "dfg",
                                          "cash": f"{part / 100:.2f}"})
        arrangement["contributions"] = contributions
    return document


def _load(document: dict[str, Any], folder: Path) -> Agreement:
    return load_agreement_text(yaml.safe_dump(document, sort_keys=False), folder, "generated.yaml")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("funding")


def _balanced(result: RunResult) -> None:
    for row in result.arrangement_years:
        net = row.net_cost.sum(axis=1)
        expected = row.spend + row.reinvested.sum(axis=1) - row.brought_forward + row.carry_forward - row.unfunded
        assert (net == expected).all()
        assert (row.overspend_shares >= 0).all() and (row.underspend_returns >= 0).all()


@PROPERTIES
@given(case=agreements(shortfall="reducing_partner"))
def test_a_partners_own_cut_never_lands_on_another(folder: Path, case: tuple[dict, dict]) -> None:
    # With shortfall: reducing_partner a cut changes no partner's net cost at all: the partner
    # that cut makes it good at the year end, and the waterfall weighs it as if it had paid.
    document, fields = case
    agreement = _load(document, folder)
    _balanced(run(agreement, Scenario.model_validate(fields)))  # increases too: still to the penny
    cuts = [c for c in fields["contribution_changes"] if c["change_pct"] <= 0]
    with_cut = run(agreement, Scenario.model_validate({**fields, "contribution_changes": cuts}))
    without = run(agreement, Scenario.model_validate({**fields, "contribution_changes": []}))
    _balanced(with_cut)
    for before, after in zip(without.arrangement_years, with_cut.arrangement_years, strict=True):
        assert (before.net_cost == after.net_cost).all()


@PROPERTIES
@given(case=agreements(shortfall="reducing_partner"), chosen=st.lists(st.booleans(), min_size=5, max_size=5),
       dfg_shock=st.integers(-50_000_000, 50_000_000),
       under=st.sampled_from(["carry_forward", "return_to_commissioner", "return_to_giver"]),
       over=st.sampled_from(["commissioner", "giver"]))
def test_ring_fenced_money_never_leaves_its_source(folder: Path, case: tuple[dict, dict], chosen: list[bool],
                                                   dfg_shock: int, under: str, over: str) -> None:
    # Moving the spend of a DFG scheme changes nothing outside the DFG: the shared result, every
    # waterfall share and return, and what the shared pool carries forward are the same; the
    # DFG's own underspend is only ever carried forward or returned to its commissioners.
    document, fields = case
    document = _with_dfg(document, chosen)
    for arrangement in document["arrangements"]:
        if arrangement["kind"] != "aligned_budget":
            arrangement["ring_fenced"] = [{"source": "dfg", "underspend": under, "overspend": over}]
    agreement = _load(document, folder)
    dfg_schemes = [s.id for a in agreement.arrangements if a.funded for s in a.schemes
                   if s.funding_source.value == "dfg"]
    base = run(agreement, Scenario.model_validate(fields))
    _balanced(base)
    if not dfg_schemes:
        return
    moved = Scenario.model_validate({**fields, "shocks": [
        *fields["shocks"], {"scheme": dfg_schemes[0], "month": "2025-09", "amount": f"{dfg_shock / 100:.2f}"}]})
    shifted = run(agreement, moved)
    _balanced(shifted)
    for one, other in zip(base.arrangement_years, shifted.arrangement_years, strict=True):
        if one.funding is None or other.funding is None:
            continue
        assert (one.shared_variance == other.shared_variance).all()
        assert one.overspend is not None and other.overspend is not None
        assert (one.overspend.shares == other.overspend.shares).all()
        assert one.underspend is not None and other.underspend is not None
        assert (one.underspend.returns == other.underspend.returns).all()
        assert (one.underspend.carried_forward == other.underspend.carried_forward).all()
        for fenced in other.funding.ring_fenced:
            # Its holders: the commissioners of its schemes this year, or those it was held for last year.
            holders = (fenced.budget > 0) | (fenced.spend != 0).any(axis=0) | (fenced.brought_forward > 0).any(axis=0)
            givers = fenced.money_in > 0
            # Returned to those who paid it in; if nobody did (a source with no money, underspent by a
            # saving shock), each holder keeps its own, as docs/risk-share.md section 5.2 says.
            receivers = givers if under == "return_to_giver" and givers.any() else holders
            assert not fenced.returned[:, ~receivers].any()
            assert not fenced.carried_forward[:, ~holders].any()
            # Everything the source had is either spent, carried, returned, or overspent and borne.
            had = fenced.held.sum() + fenced.brought_forward.sum(axis=1)
            assert (fenced.spend.sum(axis=1) - had == fenced.overspend_borne.sum(axis=1)
                    - fenced.returned.sum(axis=1) - fenced.carried_forward.sum(axis=1)).all()


def test_every_bundled_example_balances_with_a_cut() -> None:
    # The engine checks conservation itself (a failure raises); here each example runs with the
    # ICB cut on top of the base, and each partner's own cut is what it bears beyond the waterfall.
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        agreement, errors = load_agreement(path)
        assert agreement is not None and not errors
        result = run(agreement, NORTHMOOR_ICB_CUT)
        _balanced(result)
        for row in result.arrangement_years:
            if row.funding is not None and row.overspend is not None:
                assert (row.overspend_shares >= row.funding.shortfall_borne[None, :]).all()
