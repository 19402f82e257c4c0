"""The month's forecast: each method worked by hand, the engine using them, and the bridge by cause."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import pytest
from conftest import MONITORED_POOL, P
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pooledfund.engine import forecast
from pooledfund.engine.runner import run
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario, SchemeForecast, check_scenario
from pooledfund.reports.bridge import CAUSES, bridge, bridge_text
from pooledfund.reports.monitoring import monitoring_text, scheme_monitoring

Loader = Callable[[str], Agreement]

POOL = MONITORED_POOL


def scenario(**fields: object) -> Scenario:
    return Scenario.model_validate({"id": "s", **fields})


def outturn(agreement: Agreement, sc: Scenario, scheme: int = 0) -> int:
    return int(run(agreement, sc).arrangement_years[0].scheme_spend[0, scheme])


# --- rounding ---------------------------------------------------------------------------------------


def test_half_up_rounds_halves_away_from_zero() -> None:
    assert [forecast.half_up(Fraction(n, 2)) for n in (5, -5, 3, -3)] == [3, -3, 2, -2]
    assert forecast.half_up(Fraction(249, 100)) == 2
    assert forecast.half_up(Fraction(-251, 100)) == -3


@given(st.lists(st.fractions(min_value=-10**9, max_value=10**9, max_denominator=1000), min_size=1, max_size=11))
def test_spread_adds_up_to_the_rounded_total_and_each_month_but_the_last_is_its_own_value(
        values: list[Fraction]) -> None:
    months = forecast.spread(values)
    assert sum(months) == forecast.half_up(sum(values, Fraction(0)))
    assert all(abs(month - value) <= Fraction(1, 2) for month, value in zip(months[:-1], values, strict=False))


# --- the methods, by hand ---------------------------------------------------------------------------


def test_run_rate() -> None:
    # 1,000p and 2,000p: average 1,500p for each of 3 months.
    assert forecast.run_rate([1000, 2000], 3) == [1500, 1500, 1500]
    # 1p and 2p: average 1.5p -> 2p (half up) a month; 3 months total round(4.5) = 5p, so March takes 5 - 4 = 1p.
    assert forecast.run_rate([1, 2], 3) == [2, 2, 1]


def test_trend_is_the_least_squares_line_through_the_actual_months() -> None:
    # Actuals 100, 120, 130 at x = 1, 2, 3: Sx = 6, Sxx = 14, Sy = 350, Sxy = 100 + 240 + 390 = 730.
    # slope = (3 x 730 - 6 x 350) / (3 x 14 - 6^2) = 90 / 6 = 15; intercept = (350 - 15 x 6) / 3 = 86 2/3.
    assert forecast.trend_line([100, 120, 130]) == (Fraction(260, 3), Fraction(15))
    # x = 4, 5, 6: 146 2/3, 161 2/3, 176 2/3 (total 485): 147, 162, and 485 - 309 = 176.
    assert forecast.trend([100, 120, 130], 3) == [147, 162, 176]


def test_trend_never_goes_below_nothing_and_needs_two_months() -> None:
    # 300, 200, 100 falls 100 a month: the line is 0, -100, -200 from x = 4, each taken as 0.
    assert forecast.trend([300, 200, 100], 3) == [0, 0, 0]
    # One month: no line, the run rate.
    assert forecast.trend([700], 2) == [700, 700]


LAST_YEAR = [100, 100, 50, 60, 70, 80, 90, 100, 110, 120, 130, 141]


def test_last_year_as_it_was() -> None:
    assert forecast.last_year([110, 120], LAST_YEAR, scaled=False) == LAST_YEAR[2:]


def test_last_year_scaled_by_this_years_actuals_to_date() -> None:
    # Ratio (110 + 120) / (100 + 100) = 1.15. Exact months 57.5, 69, 80.5, 92, 103.5, 115, 126.5, 138,
    # 149.5, 162.15; total 951 x 1.15 = 1,093.65 -> 1,094. Months half up: 58, 69, 81, 92, 104, 115,
    # 127, 138, 150 (934), and March the remainder 1,094 - 934 = 160.
    assert forecast.last_year([110, 120], LAST_YEAR, scaled=True) == [58, 69, 81, 92, 104, 115, 127, 138, 150, 160]


def test_manual_shares_what_is_left_of_the_outturn_evenly() -> None:
    # Outturn 10,000p less actuals 3,000p = 7,000p over 9 months = 777.78p: 778 x 8 = 6,224, March 776.
    assert forecast.manual([1000, 1000, 1000], 9, 10_000) == [778] * 8 + [776]


def test_budget_profile_leaves_the_projection() -> None:
    assert forecast.forecast_months([1, 2], 10, SchemeForecast(method="budget_profile")) is None


# --- the records -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"method": "manual", "outturn": 1000}, "needs both 'outturn'"),
        ({"method": "manual", "reason": "panel"}, "needs both 'outturn'"),
        ({"method": "run_rate", "outturn": 1000}, "'outturn' is only for a manual forecast"),
        ({"method": "last_year", "last_year": [1] * 12}, "and 'scaled'"),
        ({"method": "last_year", "last_year": [1] * 11, "scaled": True}, "the 12 months of last year"),
        ({"method": "trend", "scaled": False}, "only for a last_year forecast"),
    ],
)
def test_a_forecast_missing_its_figures_is_refused(fields: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        SchemeForecast.model_validate(fields)


def test_scenario_checks_on_scheme_forecasts(load_doc: Loader) -> None:
    agreement = load_doc(POOL)
    sc = scenario(actuals=[{
        "year": "2025-26", "to_month": "2025-05", "schemes": {"S1": [100, 100]},
        "forecasts": {"S2": {"method": "trend"},
                      "S1": {"method": "last_year", "last_year": [0, 0, *[5] * 10], "scaled": True}}}])
    messages = [e.message for e in check_scenario(sc, agreement, "s.yaml")]
    assert any("'S2' has no actuals in this entry" in m for m in messages)
    assert any("last year's April to 2025-05 add up to £0.00" in m for m in messages)
    year_end = scenario(actuals=[{
        "year": "2025-26", "to_month": "2026-03", "schemes": {"S1": [100] * 12},
        "forecasts": {"S1": {"method": "manual", "outturn": 1300, "reason": "guess"}}}])
    [error] = check_scenario(year_end, agreement, "s.yaml")
    assert "every month of 2025-26 is actual" in error.message


# --- the engine uses them ----------------------------------------------------------------------------


def test_each_scheme_gets_its_own_method_in_a_run(load_doc: Loader) -> None:
    agreement = load_doc(POOL)
    sc = scenario(actuals=[{
        "year": "2025-26", "to_month": "2025-06", "forecast_method": "run_rate",
        "schemes": {"S1": [90000, 100000, 110000], "S2": [40000, 50000, 60000]},
        "forecasts": {"S2": {"method": "manual", "outturn": 650000, "reason": "winter pressures agreed"}}}])
    result = run(agreement, sc)
    months = result.monthly_spend["pool"][0, 0]
    # S1 run rate: 300,000 / 3 = 100,000 a month, year 1,200,000.
    assert months[0].tolist() == [P(90000), P(100000), P(110000)] + [P(100000)] * 9
    # S2 manual: 650,000 - 150,000 = 500,000 over 9 months = 55,555.555...: 55,555.56 x 8, March 55,555.52.
    assert months[1].tolist()[3:] == [P("55555.56")] * 8 + [P("55555.52")]
    assert int(months[1].sum()) == P(650000)
    lines = scheme_monitoring(agreement, result, sc.actuals[0])
    # S2: year-to-date budget 3 x 50,000 = 150,000, actual 150,000; outturn 650,000 against 600,000.
    s2 = lines[1]
    assert (s2.ytd_budget, s2.ytd_actual, s2.outturn, s2.variance) == (P(150000), P(150000), P(650000), P(50000))
    text = monitoring_text(lines, sc.actuals[0])
    assert "manual" in text and "S2: winter pressures agreed" in text


def test_a_scheme_with_no_actuals_has_no_year_to_date_actual_and_the_actual_total_is_the_ledgers(
        load_doc: Loader) -> None:
    agreement = load_doc(POOL)
    # Only S1 has ledger actuals: April to June 90,000 + 100,000 + 110,000 = 300,000; S2 has none.
    sc = scenario(actuals=[{"year": "2025-26", "to_month": "2025-06", "forecast_method": "run_rate",
                            "schemes": {"S1": [90000, 100000, 110000]}}])
    lines = scheme_monitoring(agreement, run(agreement, sc), sc.actuals[0])
    s1, s2 = lines
    assert (s1.ytd_actual, s1.ytd_variance) == (P(300000), P(0))  # budget to date 3 x 100,000 = 300,000
    # S2's budget profile to June is 3 x 50,000 = 150,000: a forecast, never its actual.
    assert (s2.method, s2.ytd_budget, s2.ytd_actual, s2.ytd_variance) == ("no actuals", P(150000), None, None)
    assert (s2.outturn, s2.variance) == (P(600000), 0)  # the outturn is still the plan profile
    text = monitoring_text(lines, sc.actuals[0])
    rows = {line.split("  ")[0]: line.split() for line in text.splitlines()}
    assert rows["S2 Nursing"][-6:] == ["£150,000.00", "-", "-", "£600,000.00", "£600,000.00", "£0.00"]
    # With actuals: YTD budget 300,000, actual 300,000, variance 0; S1 outturn 1,200,000 (run rate 100,000).
    assert rows["Total: 1 scheme with ledger actuals"][-6:] == [
        "£300,000.00", "£300,000.00", "£0.00", "£1,200,000.00", "£1,200,000.00", "£0.00"]
    assert rows["Total: 1 scheme with no actuals (at plan)"][-6:] == [
        "£150,000.00", "-", "-", "£600,000.00", "£600,000.00", "£0.00"]
    # All: YTD budget 300,000 + 150,000 = 450,000; the YTD actual is the ledger's 300,000 alone, so no YTD
    # variance; budget 1,800,000 and outturn 1,800,000.
    assert rows["Total"][-6:] == ["£450,000.00", "£300,000.00", "-", "£1,800,000.00", "£1,800,000.00", "£0.00"]
    assert "1 scheme has no ledger actuals" in text


def test_last_year_in_a_run_says_whether_it_is_scaled(load_doc: Loader) -> None:
    agreement = load_doc(POOL)
    last_year = [100000] * 12
    sc = scenario(actuals=[{"year": "2025-26", "to_month": "2025-06", "schemes": {"S1": [110000] * 3},
                            "forecasts": {"S1": {"method": "last_year", "last_year": last_year, "scaled": True}}}])
    # Scaled by 330,000 / 300,000 = 1.1: 110,000 a month; the year 1,320,000.
    result = run(agreement, sc)
    assert outturn(agreement, sc) == P(1_320_000)
    assert scheme_monitoring(agreement, result, sc.actuals[0])[0].method == "last year, scaled"


# --- the bridge --------------------------------------------------------------------------------------


def _actuals(to_month: str, s1: list[int], method: str = "run_rate", **forecasts: object) -> dict[str, object]:
    return {"year": "2025-26", "to_month": to_month, "forecast_method": method, "schemes": {"S1": s1},
            "forecasts": forecasts}


def test_bridge_puts_each_movement_to_its_cause(load_doc: Loader) -> None:
    agreement = load_doc(POOL)
    previous = scenario(id="m5", actuals=[_actuals("2025-08", [100000] * 5)])
    current = scenario(id="m6", actuals=[_actuals(
        "2025-09", [100000] * 5 + [160000],
        S1={"method": "manual", "outturn": 1250000, "reason": "new packages"})],
        shocks=[{"scheme": "S1", "month": "2025-12", "amount": 5000}])
    [s1, s2] = bridge(agreement, previous, current, "2025-26")
    # Previous: run rate 100,000 a month, 1,200,000.
    # Actuals: September 160,000, still run rate: 660,000 / 6 = 110,000 a month, 1,320,000 (+120,000).
    # Method: manual 1,250,000 (-70,000). Manual figure: not manual before, nothing here.
    # Drivers: the December shock, +5,000: 1,255,000. Movement 55,000 = 120,000 - 70,000 + 5,000.
    assert s1.previous == P(1_200_000) and s1.current == P(1_255_000)
    assert s1.causes == {"actuals": P(120_000), "method": P(-70_000), "manual": 0, "drivers": P(5000)}
    assert sum(s1.causes.values()) == s1.movement
    assert s2.movement == 0 and not any(s2.causes.values())
    text = bridge_text([s1, s2], previous, current, "2025-26")
    assert "1 other scheme did not move." in text and "(£70,000.00)" in text


def test_bridge_a_changed_manual_figure_is_its_own_cause(load_doc: Loader) -> None:
    agreement = load_doc(POOL)
    manual = {"method": "manual", "outturn": 1300000, "reason": "panel"}
    previous = scenario(id="m5", actuals=[_actuals("2025-08", [100000] * 5, S1=manual)])
    current = scenario(id="m6", actuals=[_actuals("2025-09", [100000] * 5 + [160000],
                                                  S1={**manual, "outturn": 1250000})])
    [s1, _] = bridge(agreement, previous, current, "2025-26")
    # The manual outturn holds the year at 1,300,000 whatever September was; then it is cut by 50,000.
    assert s1.causes == {"actuals": 0, "method": 0, "manual": P(-50_000), "drivers": 0}


def test_bridge_a_scheme_new_to_actuals_was_forecast_at_budget(load_doc: Loader) -> None:
    agreement = load_doc(POOL)
    previous = scenario(id="m5")
    current = scenario(id="m6", actuals=[{"year": "2025-26", "to_month": "2025-09", "forecast_method": "run_rate",
                                          "schemes": {"S2": [60000] * 6}}])
    [_, s2] = bridge(agreement, previous, current, "2025-26")
    # Before: S2 at budget, 600,000. Actuals with the budget profile after: 360,000 + 6 x 50,000 = 660,000
    # (+60,000). Run rate: 12 x 60,000 = 720,000 (+60,000).
    assert s2.causes == {"actuals": P(60_000), "method": P(60_000), "manual": 0, "drivers": 0}
    assert list(s2.causes) == list(CAUSES)
