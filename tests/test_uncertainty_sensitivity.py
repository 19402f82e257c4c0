"""Tornado and break-even, worked by hand on the proportional pool (see uncertainty_fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest
from uncertainty_fixtures import proportional_pool

from pooledfund.model.scenario import BASE, Scenario
from pooledfund.uncertainty import break_even, sensitivity, spec_from_simple

Z90 = 1.2815515655446004

SPEC = spec_from_simple(
    drivers=[
        {"id": "fees", "name": "Care fee inflation", "type": "inflation", "key": "care_fees",
         "distribution": {"kind": "normal", "mean": 0, "sd": 5}},
        {"id": "admissions", "type": "demand", "key": "care_home_admissions",
         "distribution": {"kind": "uniform", "min": -1, "max": 1}},
    ],
    events=[{"id": "failure", "scheme": "S1", "probability_pct": 10, "window": {"from": "2025-10", "to": "2026-03"},
             "impact": 60000}],
)


def test_tornado_swings_worked_by_hand(tmp_path: Path) -> None:
    sens = sensitivity(proportional_pool(tmp_path), BASE, SPEC)
    fees, event, admissions = sens.tornado("council")
    # Base: every driver at its median (0%), no event: the council pays its £480,000.
    assert sens.base_net_cost("council") == 48_000_000
    # Fees at P10/P90 = -/+ 1.28155 x 5 = -/+ 6.40776%: net cost £480,000 -/+ £4,800 x 6.40776 = £30,757.24.
    assert (fees.driver_id, fees.label, fees.kind) == ("fees", "Care fee inflation", "driver")
    assert fees.low_value == pytest.approx(-5 * Z90) and fees.high_value == pytest.approx(5 * Z90)
    assert fees.net_cost_low == pytest.approx(48_000_000 - 3_075_724, abs=10)
    assert fees.net_cost_high == pytest.approx(48_000_000 + 3_075_724, abs=10)
    # The provider failure adds £60,000 of spend; the council takes 40% = £24,000.
    assert (event.kind, event.net_cost_low, event.net_cost_high, event.swing) == ("event", 48_000_000, 50_400_000,
                                                                                  2_400_000)
    # Admissions P10/P90 = -0.8% / +0.8% (uniform -1 to 1): £4,800 x 1.6 = £7,680 swing.
    assert admissions.swing == pytest.approx(768_000, abs=10)
    # The ICB's bars are the same drivers, 60% instead of 40%.
    assert [b.driver_id for b in sens.tornado("icb")] == ["fees", "failure", "admissions"]
    assert sens.tornado("icb", "2025-26")[1].swing == 3_600_000
    data = sens.to_json()
    assert data["partners"][0]["tornado"][1] == {
        "id": "failure", "name": "failure", "kind": "event", "low_value": 0.0, "high_value": 6000000.0,
        "net_cost_low": 480000.0, "net_cost_high": 504000.0, "swing": 24000.0}


def test_break_even_worked_by_hand(tmp_path: Path) -> None:
    agreement = proportional_pool(tmp_path)
    # With fees at their median (0%, replacing any scenario value) the pool balances at 0% demand.
    assert break_even(agreement, BASE, SPEC, "admissions", "pool", "2025-26").value == pytest.approx(0, abs=0.0002)
    # Care fees 2% above budget; demand x% moves spend by (1 + x/100): the pool
    # balances where 1.02 (1 + x/100) = 1, x = -1.96078%.
    scenario = Scenario.model_validate({"id": "fees2", "inflation": {"care_fees": {"2025-26": 2}}})
    demand_only = SPEC.model_copy(update={"drivers": SPEC.drivers[1:]})
    found = break_even(agreement, scenario, demand_only, "admissions", "pool", "2025-26")
    assert found.value == pytest.approx(-1.96078, abs=0.0002)
    assert found.overspend_above is True
    assert found.variance_low < 0 < found.variance_high


def test_break_even_reports_none_when_the_pool_never_changes_sides(tmp_path: Path) -> None:
    agreement = proportional_pool(tmp_path)
    found = break_even(agreement, BASE, SPEC, "fees", "pool", "2025-26", low=1, high=5)
    assert found.value is None and found.overspend_above is None
    assert found.variance_low == pytest.approx(1_200_000, abs=10)  # £12,000 x 1%
    with pytest.raises(ValueError, match="must run upwards"):
        break_even(agreement, BASE, SPEC, "fees", "pool", "2025-26", low=5, high=1)


def test_break_even_of_a_driver_that_lowers_spend(tmp_path: Path) -> None:
    agreement = proportional_pool(tmp_path)
    spec = spec_from_simple(drivers=[{"id": "eff", "type": "efficiency",
                                      "distribution": {"kind": "uniform", "min": 0, "max": 5}}])
    scenario = Scenario.model_validate({"id": "fees3", "inflation": {"care_fees": {"2025-26": 3}}})
    # 1.03 (1 - e/100) = 1 at e = 2.91262%; above it the pool underspends.
    found = break_even(agreement, scenario, spec, "eff", "pool", "2025-26")
    assert found.value == pytest.approx(2.91262, abs=0.0002)
    assert found.overspend_above is False


def test_the_sensitivity_function_is_not_hidden_by_its_module() -> None:
    # Importing SensitivityResult first loads the module pooledfund.uncertainty.sensitivity_analysis, which
    # Python binds on the package under the same name as the function (the dashboard's import order).
    import subprocess
    import sys

    code = ("from pooledfund.uncertainty import SensitivityResult, sensitivity; "
            "import sys; sys.exit(0 if callable(sensitivity) else 1)")
    root = Path(__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
