"""The risk-share clauses real agreements use, worked on paper: own lines, amounts that scale, by year.

Amounts in comments are pounds; the engine works in pence (``P``).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from conftest import P, load_agreement_text
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from pooledfund.agreements import FundedArrangement
from pooledfund.engine.riskshare import ShareContext, settle
from pooledfund.engine.runner import run
from pooledfund.model.amounts import AmountBasis, ByYear, PercentOf, resolve
from pooledfund.model.records import RiskLayer, UnderspendRule
from pooledfund.model.scenario import Scenario

_LAYERS = TypeAdapter(list[RiskLayer])
_RULES = TypeAdapter(list[UnderspendRule])

# Wirral, month 5 of 2022/23: the ICB-commissioned lines (continuing healthcare,
# mental-health packages) overspend £8.2m; say the council's lines underspend £1.5m.
WIRRAL = """
agreement: {{id: wirral, title: Wirral-like pool, years: [2022-23], host_partner: council}}
partners:
  - {{id: council, name: Council, kind: unitary_council, vat: council_s33}}
  - {{id: icb, name: ICB, kind: integrated_care_board, vat: nhs_limited_recovery}}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pooled fund
    contributions:
      - {{partner: council, year: 2022-23, cash: {council_cash}}}
      - {{partner: icb, year: 2022-23, cash: 100000000}}
    contingency: {{2022-23: {contingency}}}
    risk_share:
{layers}
    underspend:
{rules}
    schemes:
      - {{id: CHC, name: Continuing healthcare, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: icb, provider: nhs_community, funding_source: other, budget: {{2022-23: 100000000}}}}
      - {{id: ASC, name: Adult social care, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: other, budget: {{2022-23: 50000000}}}}
"""
WIRRAL_SCENARIO = Scenario.model_validate({"id": "m5", "name": "Month 5", "shocks": [
    {"scheme": "CHC", "month": "2022-09", "amount": 8200000},
    {"scheme": "ASC", "month": "2022-09", "amount": -1500000},
]})


def _wirral(tmp_path: Path, layers: str, rules: str, contingency: int = 0) -> tuple[list[int], list[int], object]:
    text = WIRRAL.format(layers=layers, rules=rules, contingency=contingency, council_cash=50000000 + contingency)
    agreement = load_agreement_text(text, tmp_path)
    row = run(agreement, WIRRAL_SCENARIO).arrangement_years[0]
    return row.overspend_shares[0].tolist(), row.underspend_returns[0].tolist(), row


def test_wirral_netting_commissioner_layer_leaves_the_icb_6_7m(tmp_path: Path) -> None:
    # The netting layer: variance = 8.2m - 1.5m = 6.7m, all attributable to the ICB's overspending lines.
    shares, returns, _ = _wirral(tmp_path, "      - {layer: commissioner}", "      - {rule: return_proportional}")
    assert shares == [0, P(6_700_000)]
    assert returns == [0, 0]


def test_wirral_own_lines_give_the_icb_8_2m_and_the_council_1_5m_back(tmp_path: Path) -> None:
    # Own lines: the ICB bears its lines' whole £8.2m; the council gets its lines' £1.5m back.
    # Left after the own lines: 6.7m - 8.2m + 1.5m = 0 (no contingency), so nothing else moves.
    shares, returns, row = _wirral(tmp_path, "      - {layer: attributable}\n      - {layer: proportional}",
                                   "      - {rule: attributable}\n      - {rule: return_proportional}")
    assert shares == [0, P(8_200_000)]
    assert returns == [P(1_500_000), 0]
    assert int(row.unfunded[0]) == 0 and int(row.carry_forward[0]) == 0


def test_own_lines_leave_the_contingency_to_the_underspend_rules(tmp_path: Path) -> None:
    # A £1m contingency (the council pays it in): variance = 8.2m - 1.5m - 1m = 5.7m.
    # Own lines settle +8.2m (ICB) and -1.5m (council); left: 5.7 - 8.2 + 1.5 = -1.0m, an underspend
    # of the unspent contingency, which the next rule carries forward (it is never drawn for the ICB's lines).
    shares, returns, row = _wirral(tmp_path, "      - {layer: attributable}\n      - {layer: proportional}",
                                   "      - {rule: attributable}\n      - {rule: carry_forward}", contingency=1000000)
    assert shares == [0, P(8_200_000)]
    assert returns == [P(1_500_000), 0]
    assert int(row.carry_forward[0]) == P(1_000_000)


def test_own_overspends_without_the_rule_leave_the_underspend_in_the_pool(tmp_path: Path) -> None:
    # Only the layer: the ICB bears £8.2m; the council's £1.5m underspend is left, 6.7 - 8.2 = -1.5m,
    # and goes down the underspend rules: returned 50:50, £750,000 each.
    shares, returns, _ = _wirral(tmp_path, "      - {layer: attributable}",
                                 "      - {rule: fixed_split, shares: {council: 50, icb: 50}}")
    assert shares == [0, P(8_200_000)]
    assert returns == [P(750_000), P(750_000)]


def test_an_own_lines_layer_must_come_first(tmp_path: Path) -> None:
    text = WIRRAL.format(layers="      - {layer: proportional}\n      - {layer: attributable}",
                         rules="      - {rule: return_proportional}", contingency=0, council_cash=50000000)
    with pytest.raises(AssertionError, match="list it first"):
        load_agreement_text(text, tmp_path)


def _context(partners: dict[str, int], over: list[list[int]], under: list[list[int]],
             weights: list[list[int]], year: str = "2025-26") -> ShareContext:
    total = np.array(list(partners.values()), dtype=np.int64)
    return ShareContext(partners=list(partners), contribution_total=total, contribution_cash=total,
                        scheme_overspend=np.array(over, dtype=np.int64),
                        commissioner_weights=np.array(weights, dtype=np.int64), scheme_ids=["S1", "S2"],
                        host=next(iter(partners)), scheme_underspend=np.array(under, dtype=np.int64), year=year)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(-10**8, 10**8)),
                min_size=1, max_size=4),
       st.integers(1, 99), st.integers(1, 10**9))
def test_own_lines_settle_the_whole_variance_exactly(paths: list[tuple[int, int, int]], split: int, cap: int) -> None:
    # S1 overspends a, joint S2 (split%:rest) underspends b; the pool's slack moves the variance by c.
    over = [[a, 0] for a, _, _ in paths]
    under = [[0, b] for _, b, _ in paths]
    variance = np.array([a - b + c for a, b, c in paths], dtype=np.int64)
    ctx = _context({"council": 10**9, "icb": 10**9}, over, under, [[0, 100], [split, 100 - split]])
    layers = _LAYERS.validate_python([{"layer": "attributable"}, {"layer": "proportional"},
                                      {"layer": "cap", "partner": "icb", "cap": cap / 100}])
    rules = _RULES.validate_python([{"rule": "attributable"}, {"rule": "carry_forward"}])
    o, u = settle(variance, layers, rules, ctx)
    settled = (o.shares.sum(axis=1) + o.unfunded - u.returns.sum(axis=1) - u.carried_forward
               - u.reinvested.sum(axis=1))
    assert (settled == variance).all()
    assert (o.shares[:, 1] <= cap).all()
    # The underspends go back exactly, by the joint scheme's split.
    assert (u.steps[0].taken.sum(axis=1) == np.array([b for _, b, _ in paths])).all()


# --- amounts that scale and change by year ---------------------------------------------------

BLMK = {"2025-26": P(40_000_000), "2026-27": P(42_000_000)}


@pytest.mark.parametrize(("year", "band"), [("2025-26", 2_000_000), ("2026-27", 2_100_000)])
def test_blmk_host_band_is_5_percent_of_the_pool(year: str, band: int) -> None:
    # 5% of £40m = £2.0m; 5% of £42m = £2.1m.
    (layer,) = _LAYERS.validate_python([{"layer": "band", "partner": "council", "limit": "5%"}])
    basis = AmountBasis(year, BLMK[year], {"council": BLMK[year] // 2, "icb": BLMK[year] // 2})
    assert resolve(layer.limit, basis) == P(band)
    ctx = ShareContext(partners=["council", "icb"], contribution_total=np.array([BLMK[year] // 2] * 2),
                       contribution_cash=np.array([BLMK[year] // 2] * 2), scheme_overspend=np.zeros((1, 1), int),
                       commissioner_weights=np.array([[1, 0]]), scheme_ids=["S1"], host="council", year=year)
    over, _ = settle(np.array([P(3_000_000)]), _LAYERS.validate_python(
        [{"layer": "band", "partner": "council", "limit": "5%"}, {"layer": "fixed_split",
                                                                   "shares": {"council": 50, "icb": 50}}]), [], ctx)
    # The host absorbs the band, the other £3m - band is shared 50/50.
    rest = P(3_000_000) - P(band)
    assert over.shares[0].tolist() == [P(band) + rest // 2, rest // 2]


def test_amounts_by_year_of_a_partner_and_rounding_half_up() -> None:
    (layer,) = _LAYERS.validate_python([{"layer": "cap", "partner": "icb",
                                         "cap": {"2025-26": "10% of icb", "2026-27": 250000}}])
    assert isinstance(layer.cap, ByYear)
    assert layer.cap.values["2025-26"] == PercentOf(Decimal(10), "icb")
    # 10% of £1,234.55 = £123.455, rounded half up to £123.46.
    assert resolve(layer.cap, AmountBasis("2025-26", 0, {"icb": P("1234.55")})) == P("123.46")
    assert resolve(layer.cap, AmountBasis("2026-27", 0, {})) == P(250_000)


def test_a_plain_number_stays_pounds() -> None:
    (layer,) = _LAYERS.validate_python([{"layer": "band", "partner": "council", "limit": 250000}])
    assert layer.limit == P(250_000)


def _errors(text: str, tmp_path: Path) -> str:
    with pytest.raises(AssertionError) as caught:
        load_agreement_text(text, tmp_path)
    return str(caught.value)


def test_a_year_missing_from_a_by_year_amount_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = WIRRAL.replace("years: [2022-23]", "years: [2022-23, 2023-24]").format(
        layers="      - {layer: band, partner: council, limit: {2022-23: 5%}}\n      - {layer: proportional}",
        rules="      - {rule: return_proportional}", contingency=0, council_cash=50000000)
    message = _errors(text, tmp_path)
    assert "no value is given for 2023-24" in message
    assert ":15 arrangements[0].risk_share[0].limit" in message  # the band's line


def test_a_percentage_of_an_unknown_partner_suggests_the_name(tmp_path: Path) -> None:
    text = WIRRAL.format(layers="      - {layer: band, partner: council, limit: 5% of councl}\n"
                         "      - {layer: proportional}", rules="      - {rule: return_proportional}",
                         contingency=0, council_cash=50000000)
    assert "did you mean 'council'" in _errors(text, tmp_path)


def test_a_contingency_as_a_percentage_of_a_partner(tmp_path: Path) -> None:
    # 2% of the ICB's £100m as agreed = £2m; the council pays it in (£52m), so the pool balances at £152m.
    text = WIRRAL.format(layers="      - {layer: proportional}", rules="      - {rule: return_proportional}",
                         contingency="2% of icb", council_cash=52000000)
    pool = load_agreement_text(text, tmp_path).arrangements[0]
    assert isinstance(pool, FundedArrangement)
    assert pool.contingency == {"2022-23": P(2_000_000)}
