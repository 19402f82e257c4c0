"""Threshold switches and triggers, worked on paper.

A switch shares an overspend one way while it is no more than a threshold and
the WHOLE overspend another way once past it. A trigger moves no money: it
reports that the forecast has passed a threshold and since which month.

Amounts in comments are pounds; the engine works in pence (``P``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import P, load_agreement_text
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from pooledfund.agreements import FundedArrangement
from pooledfund.dashboard.data import build_outputs
from pooledfund.engine.results import RunResult
from pooledfund.engine.riskshare import ShareContext, settle
from pooledfund.engine.runner import run
from pooledfund.io.excel import build_pack
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import RiskLayer, Sharing, SwitchLayer, UnderspendRule
from pooledfund.model.scenario import Scenario
from pooledfund.reports.explain import explain
from pooledfund.reports.tables import positions_text

_LAYERS = TypeAdapter(list[RiskLayer])
_RULES = TypeAdapter(list[UnderspendRule])

# BLMK-like: a £40m pool, council (host) and ICB £20m each; one line each.
BLMK = """
agreement: {{id: blmk, title: BLMK-like pool, years: [2025-26], host_partner: council}}
partners:
  - {{id: council, name: Council, kind: unitary_council, vat: council_s33}}
  - {{id: icb, name: ICB, kind: integrated_care_board, vat: nhs_limited_recovery}}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pooled fund
    contributions:
      - {{partner: council, year: 2025-26, cash: {council}}}
      - {{partner: icb, year: 2025-26, cash: {icb}}}
    risk_share:
{layers}
    underspend:
      - {{rule: return_proportional}}
{triggers}
    schemes:
      - {{id: S1, name: Social care, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: other, budget: {{2025-26: {council}}}}}
      - {{id: S2, name: Community health, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: icb, provider: nhs_community, funding_source: other, budget: {{2025-26: {icb}}}}}
"""
SWITCH = "      - {layer: switch, threshold: 2%, below: council, above: {council: 50, icb: 50}}"


def _blmk(tmp_path: Path, layers: str = SWITCH, triggers: str = "", council: int = 20_000_000,
          icb: int = 20_000_000) -> Agreement:
    return load_agreement_text(BLMK.format(layers=layers, triggers=triggers, council=council, icb=icb), tmp_path)


def _overspend(amount: str | int, scheme: str = "S1") -> Scenario:
    return Scenario.model_validate({"id": "over", "name": "Overspend",
                                    "shocks": [{"scheme": scheme, "month": "2025-10", "amount": amount}]})


def _shares(agreement: Agreement, scenario: Scenario) -> list[int]:
    return run(agreement, scenario).arrangement_years[0].overspend_shares[0].tolist()


# --- the switch ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("overspend", "council", "icb"), [
    # 2% of £40m = £800,000. £700,000 is below it: the host (council) bears it all.
    (700_000, 700_000, 0),
    # Exactly £800,000 is not past the threshold: still the host alone.
    (800_000, 800_000, 0),
    # £900,000 is past it: the WHOLE £900,000 is shared 50/50, £450,000 each
    # (not £800,000 on the host and £50,000 + £50,000 of the £100,000 above it).
    (900_000, 450_000, 450_000),
])
def test_blmk_switch_shares_the_whole_overspend_once_past_2_percent(tmp_path: Path, overspend: int, council: int,
                                                                     icb: int) -> None:
    assert _shares(_blmk(tmp_path), _overspend(overspend)) == [P(council), P(icb)]


def test_blmk_band_then_slice_is_already_expressible(tmp_path: Path) -> None:
    # "The host absorbs a variance up to 5% of the pool; beyond that it is shared 50/50": 5% of £40m = £2m.
    # An overspend of £2.5m: the council bears £2m, the £500,000 above is shared £250,000 each:
    # council £2,250,000, ICB £250,000.
    layers = ("      - {layer: band, partner: council, limit: 5%}\n"
              "      - {layer: fixed_split, shares: {council: 50, icb: 50}}")
    assert _shares(_blmk(tmp_path, layers), _overspend(2_500_000)) == [P(2_250_000), P(250_000)]


def test_a_switch_to_pro_rata_follows_the_contributions(tmp_path: Path) -> None:
    # Council £30m, ICB £10m: 2% of £40m = £800,000. £1,000,000 is past it, shared pro rata 3:1:
    # council £750,000, ICB £250,000.
    layers = "      - {layer: switch, threshold: 2%, below: council, above: pro_rata}"
    agreement = _blmk(tmp_path, layers, council=30_000_000, icb=10_000_000)
    assert _shares(agreement, _overspend(1_000_000)) == [P(750_000), P(250_000)]


def test_caps_apply_to_the_chosen_sharing_then_later_layers_then_unfunded(tmp_path: Path) -> None:
    # £900,000 is past £800,000: 50/50 gives £450,000 each, but the ICB is capped at £300,000, so its
    # £150,000 excess goes to the council in a second round: council £600,000, ICB £300,000.
    capped = SWITCH + "\n      - {layer: cap, partner: icb, cap: 300000}"
    assert _shares(_blmk(tmp_path, capped), _overspend(900_000)) == [P(600_000), P(300_000)]
    # Cap the council at £500,000 too: £900,000 - £500,000 - £300,000 = £100,000 passes to the later
    # pro-rata layer, where both partners are at their caps: it is left unfunded for the board.
    both = capped + "\n      - {layer: cap, partner: council, cap: 500000}\n      - {layer: proportional}"
    row = run(_blmk(tmp_path, both), _overspend(900_000)).arrangement_years[0]
    assert row.overspend_shares[0].tolist() == [P(500_000), P(300_000)]
    assert int(row.unfunded[0]) == P(100_000)
    assert row.overspend is not None
    switch_step, later = row.overspend.steps
    assert int(switch_step.passed_on[0]) == P(100_000) and int(later.available[0]) == P(100_000)


def test_the_switch_compares_what_reaches_it(tmp_path: Path) -> None:
    # A £100,000 band on the council first: of a £850,000 overspend £750,000 reaches the switch, which
    # is not past £800,000, so the council bears that too: £850,000 in all.
    layers = "      - {layer: band, partner: council, limit: 100000}\n" + SWITCH
    assert _shares(_blmk(tmp_path, layers), _overspend(850_000)) == [P(850_000), 0]


def test_the_switch_is_explained_in_words(tmp_path: Path) -> None:
    agreement = _blmk(tmp_path)
    text = explain(run(agreement, _overspend(900_000)), agreement, "2025-26")
    assert ("a switch at 2% of the pool: an overspend no more than that is borne by Council alone; once past it, "
            "the whole overspend, from the first pound, is borne by a fixed split (Council 50%, ICB 50%)") in text
    assert ("The £900,000.00 is past the threshold of £800,000.00, so the whole of it, from the first pound, is "
            "shared the second way.") in text


def test_sharings_read_briefly() -> None:
    assert Sharing.model_validate("council").partner == "council"
    assert Sharing.model_validate("pro_rata").pro_rata == "total"
    assert Sharing.model_validate("pro_rata_cash").pro_rata == "cash"
    assert Sharing.model_validate({"council": 40, "icb": 60}).shares == {"council": 40, "icb": 60}
    with pytest.raises(ValueError, match="must add up to 100%"):
        Sharing.model_validate({"council": 40, "icb": 50})


def test_a_switch_naming_an_unknown_partner_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    layers = "      - {layer: switch, threshold: 2%, below: councl, above: {council: 50, icb: 50}}"
    with pytest.raises(AssertionError) as caught:
        _blmk(tmp_path, layers)
    message = str(caught.value)
    assert "risk_share[0].below" in message and "did you mean 'council'" in message


def test_a_switch_threshold_by_year_must_give_every_year(tmp_path: Path) -> None:
    layers = "      - {layer: switch, threshold: {2024-25: 2%}, below: council, above: pro_rata}"
    with pytest.raises(AssertionError, match="no value is given for 2025-26"):
        _blmk(tmp_path, layers)


def _context(contributions: list[int], paths: int) -> ShareContext:
    total = np.array(contributions, dtype=np.int64)
    return ShareContext(partners=["council", "icb", "trust"], contribution_total=total, contribution_cash=total,
                        scheme_overspend=np.zeros((paths, 1), dtype=np.int64),
                        commissioner_weights=np.array([[1, 0, 0]]), scheme_ids=["S1"], host="council",
                        year="2025-26")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-10**9, 10**10), min_size=1, max_size=5),
       st.lists(st.integers(1, 10**9), min_size=3, max_size=3),
       st.integers(1, 99), st.integers(1, 5000), st.integers(1, 10**9))
def test_switch_shares_sum_exactly(variances: list[int], contributions: list[int], split: int, threshold_bp: int,
                                   cap: int) -> None:
    # Whatever the variance, threshold, split and cap: shares + unfunded = the overspend, to the penny;
    # below the threshold only the council bears; past it, the capped partner never exceeds its cap.
    layers = _LAYERS.validate_python([
        {"layer": "switch", "threshold": f"{threshold_bp / 100}%", "below": "council",
         "above": {"council": split, "icb": 100 - split}},
        {"layer": "switch", "threshold": 1, "below": "trust", "above": "pro_rata"},
        {"layer": "cap", "partner": "icb", "cap": cap / 100},
    ])
    variance = np.array(variances, dtype=np.int64)
    rules = _RULES.validate_python([{"rule": "return_proportional"}])
    over, _ = settle(variance, layers, rules, _context(contributions, len(variances)))
    overspend = np.maximum(variance, 0)
    assert (over.shares.sum(axis=1) + over.unfunded == overspend).all()
    assert (over.shares[:, 1] <= cap).all()
    assert isinstance(layers[0], SwitchLayer)
    threshold = over.steps[0].threshold
    assert threshold is not None
    below = overspend <= threshold
    assert (over.steps[0].taken[below, 1:] == 0).all()


# --- triggers -----------------------------------------------------------------------------------

TRIGGER = "    triggers:\n      - {threshold: 2%, action: partners agree a recovery plan within 30 days}"


def test_a_trigger_reports_crossed_and_moves_no_money(tmp_path: Path) -> None:
    # 2% of £40m = £800,000; an overspend of £900,000 is past it, £700,000 is not.
    agreement = _blmk(tmp_path, triggers=TRIGGER)
    crossed = run(agreement, _overspend(900_000)).arrangement_years[0].triggers[0]
    assert crossed.threshold == P(800_000) and bool(crossed.crossed[0])
    assert crossed.first_month.tolist() == [-1]  # no actuals to date it
    calm = run(agreement, _overspend(700_000)).arrangement_years[0].triggers[0]
    assert not bool(calm.crossed[0])


# Actuals: a £36m pool, council £24m (S1, £2m a month flat) and ICB £12m (S2, £1m a month).
# 2% of £36m = £720,000. S1's actuals, April to August: £2.0m, £2.1m, £2.2m, £2.3m, £2.4m.
ACTUALS = [2_000_000, 2_100_000, 2_200_000, 2_300_000, 2_400_000]


def _with_actuals(method: str) -> Scenario:
    return Scenario.model_validate({"id": "m5", "name": "Month 5", "actuals": [
        {"year": "2025-26", "to_month": "2025-08", "forecast_method": method, "schemes": {"S1": ACTUALS}}]})


def test_a_trigger_with_actuals_gives_the_month_it_first_crossed(tmp_path: Path) -> None:
    # Budget profile: the months after k are forecast at budget (£2m), so the month-k forecast variance is
    # the actuals' overspend to date:
    #   April 2.0 - 2.0 = 0;  May +0.1m;  June +0.3m;  July +0.6m;  August +1.0m.
    # The first past £720,000 is August 2025.
    agreement = _blmk(tmp_path, SWITCH, TRIGGER, council=24_000_000, icb=12_000_000)
    result = run(agreement, _with_actuals("budget_profile"))
    status = result.arrangement_years[0].triggers[0]
    assert status.threshold == P(720_000)
    assert status.month_forecasts[0].tolist() == [0, P(100_000), P(300_000), P(600_000), P(1_000_000)]
    assert status.first_month.tolist() == [4] and status.first_month_label("2025-26") == "Aug 2025"
    assert bool(status.crossed[0])
    # The month-August forecast is the run's own outturn.
    assert int(result.arrangement_years[0].variance[0]) == P(1_000_000)


def test_the_forecast_method_dates_the_crossing(tmp_path: Path) -> None:
    # Run rate: every later month at the average actual month so far.
    #   April: 2.0 x 12 = 24.0m, variance 0;  May: 2.05 x 12 = 24.6m, +0.6m (not past £720,000);
    #   June: 2.1 x 12 = 25.2m, +1.2m, past it: first crossed June 2025.
    agreement = _blmk(tmp_path, SWITCH, TRIGGER, council=24_000_000, icb=12_000_000)
    status = run(agreement, _with_actuals("run_rate")).arrangement_years[0].triggers[0]
    assert status.month_forecasts[0].tolist()[:3] == [0, P(600_000), P(1_200_000)]
    assert status.first_month_label("2025-26") == "Jun 2025"


def test_triggers_in_run_explain_json_dashboard_and_the_pack(tmp_path: Path) -> None:
    agreement = _blmk(tmp_path, SWITCH, TRIGGER + "\n      - {threshold: 100000, direction: underspend, "
                      "action: the board decides}", council=24_000_000, icb=12_000_000)
    scenario = _with_actuals("budget_profile")
    result = run(agreement, scenario)
    assert ("pool trigger 1: a forecast overspend above 2% of the pool (£720,000.00): CROSSED since Aug 2025; "
            "action: partners agree a recovery plan within 30 days") in positions_text(result)
    assert "pool trigger 2: a forecast underspend above £100,000.00: not crossed" in positions_text(
        result)
    text = explain(result, agreement, "2025-26")
    assert ("Trigger 1 (a forecast overspend above 2% of the pool: £720,000.00 this year): crossed, the forecast "
            "overspend is £1,000,000.00, past the threshold since the forecast at the end of Aug 2025; action: "
            "partners agree a recovery plan within 30 days. It moves no money.") in text
    contract = result.to_json()["years"][0]["arrangements"][0]["triggers"]
    assert contract[0] == {"direction": "overspend", "threshold": 720000.0,
                           "action": "partners agree a recovery plan within 30 days", "crossed": True,
                           "first_crossed_month": "2025-08"}
    assert contract[1]["crossed"] is False and contract[1]["first_crossed_month"] is None
    outputs, _ = build_outputs(agreement, scenario)
    assert outputs.triggers[["trigger", "crossed", "first_month"]].values.tolist() == [[1, True, "Aug 2025"],
                                                                                      [2, False, ""]]
    workbook, expectations = build_pack(agreement, [scenario])
    checks = workbook["Checks"]
    statuses = [(sheet, cell) for (sheet, cell), expected in expectations.cells.items()
                if sheet == "Checks" and expected.value in ("Crossed", "Not crossed")]
    assert [expectations.cells[key].value for key in statuses] == ["Crossed", "Not crossed"]
    assert all(str(checks[cell].value).startswith("=IF(") for _, cell in statuses)


def test_no_triggers_leave_the_json_contract_as_it_was(tmp_path: Path) -> None:
    assert "triggers" not in run(_blmk(tmp_path), _overspend(900_000)).to_json()["years"][0]["arrangements"][0]


def _figures(result: RunResult) -> list[list[int]]:
    return [[*row.overspend_shares[0].tolist(), *row.underspend_returns[0].tolist(), int(row.unfunded[0]),
             int(row.carry_forward[0]), *row.net_cost[0].tolist()] for row in result.arrangement_years]


@settings(max_examples=15, deadline=None)
@given(st.integers(-3_000_000, 3_000_000), st.integers(1, 5_000_000),
       st.sampled_from(["overspend", "underspend"]), st.integers(0, 11))
def test_a_trigger_never_moves_money(shock: int, threshold: int, direction: str, month: int) -> None:
    # The same agreement with and without a trigger gives the same figures, to the penny, on every line.
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        plain = _blmk(Path(folder))
        triggered = _blmk(Path(folder), triggers=f"    triggers:\n      - {{threshold: {threshold}, direction: "
                                                  f"{direction}, action: report it}}")
    scenario = Scenario.model_validate({"id": "s", "shocks": [
        {"scheme": "S2", "month": f"{2025 + (month >= 9)}-{(month + 3) % 12 + 1:02d}", "amount": shock}]})
    with_trigger = run(triggered, scenario)
    assert _figures(with_trigger) == _figures(run(plain, scenario))
    status = with_trigger.arrangement_years[0].triggers[0]
    # The variance is the shock (the pool is balanced); the trigger is crossed only past its threshold.
    signed = shock if direction == "overspend" else -shock
    assert bool(status.crossed[0]) == (P(signed) > P(threshold))


def test_the_arrangement_lists_its_triggers(tmp_path: Path) -> None:
    pool = _blmk(tmp_path, triggers=TRIGGER).arrangements[0]
    assert isinstance(pool, FundedArrangement)
    assert [t.action for t in pool.triggers] == ["partners agree a recovery plan within 30 days"]
