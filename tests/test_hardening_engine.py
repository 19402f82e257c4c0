"""Hardening of the engine: no amount it produces can overflow, and Monte Carlo draws stay in range.

Each test here failed on the engine as it was before the hardening work:

* a scenario multiplying spend past any real budget (nine +1000% demand
  changes) "projected" -£83 quadrillion of spend, exit 0; now it is refused,
  located at the scheme and the scenario lines that drove it there;
* a phasing weight of 1e300 and an agreed value uplifted past £100bn passed
  ``validate`` and then crashed ``run``; now ``validate`` refuses them and the
  engine refuses them too (never a traceback);
* a Monte Carlo demand driver drawn from normal(0, 40) fell below -100% on
  some paths, giving negative spend; draws are now held to the range a
  scenario allows for that kind of driver, and the clipping is counted.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from conftest import load_agreement_text
from pydantic import TypeAdapter

from pooledfund.cli import main
from pooledfund.core.errors import AmountTooLargeError, InvalidInputError
from pooledfund.core.types import ChangePercent, RatePercent, SavingPercent
from pooledfund.engine.limits import MAX_ARRANGEMENT_YEAR, MAX_SCHEME_YEAR
from pooledfund.engine.runner import run
from pooledfund.io.loader import load_agreement
from pooledfund.io.scenario_files import load_scenario
from pooledfund.model.scenario import Scenario
from pooledfund.uncertainty.sampling import DRIVER_RANGES, draw
from pooledfund.uncertainty.simulation import simulate
from pooledfund.uncertainty.spec import spec_from_simple

ROOT = Path(__file__).resolve().parent.parent
LD = ROOT / "examples" / "ld_pooled_budget.yaml"
RESIDENTIAL = ROOT / "examples" / "residential_lead_commissioning.yaml"


def _overflow_scenario(folder: Path) -> Path:
    lines = ["scenario:", "  id: overflow", "  name: Overflow", "  demand:"]
    lines += ["    - {driver: learning_disability_packages, change_pct: 1000}"] * 9
    path = folder / "overflow.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ld_document() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(LD.read_text(encoding="utf-8"))
    return data


def _write(folder: Path, name: str, document: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


# --- 1. no silent int64 overflow ---------------------------------------------------------------


def test_overflowing_demand_changes_are_refused_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _overflow_scenario(tmp_path)
    code = main(["run", str(LD), "--scenario", str(scenario)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "quadrillion" not in out and "£83,046" not in out
    assert "Traceback" not in err
    # The scheme that went past the ceiling, and where the changes driving it are.
    assert "LD01" in err
    assert "£100,000,000,000.00" in err
    assert f"{scenario}:5" in err and f"{scenario}:13" in err  # the first and the ninth change
    assert "learning_disability_packages" in err
    assert err.strip().endswith("found.")


def test_overflowing_demand_changes_are_refused_by_the_engine(tmp_path: Path) -> None:
    agreement, errors = load_agreement(LD)
    assert agreement is not None and not errors
    scenario, problems = load_scenario(_overflow_scenario(tmp_path))
    assert scenario is not None and not problems
    with pytest.raises(AmountTooLargeError) as caught:
        run(agreement, scenario)
    assert isinstance(caught.value, InvalidInputError)
    located = [e for e in caught.value.errors if e.source.line is not None]
    assert located, "every message should point at a line"
    assert any(e.source.file.endswith("ld_pooled_budget.yaml") for e in caught.value.errors)


def test_shocks_adding_up_past_the_ceiling_are_refused(tmp_path: Path) -> None:
    agreement, _ = load_agreement(LD)
    assert agreement is not None
    shocks = [{"scheme": "LD01", "month": "2025-10", "amount": 100_000_000_000}] * 2
    scenario = Scenario.model_validate({"id": "shocks", "shocks": shocks})
    with pytest.raises(AmountTooLargeError, match="LD01"):
        run(agreement, scenario)


def test_contribution_changes_past_the_ceiling_are_refused(tmp_path: Path) -> None:
    agreement, _ = load_agreement(LD)
    assert agreement is not None
    changes = [{"partner": "council", "from": "2025-04-01", "change_amount": 100_000_000_000}] * 3
    scenario = Scenario.model_validate({"id": "cuts", "contribution_changes": changes})
    with pytest.raises(AmountTooLargeError, match="contribution"):
        run(agreement, scenario)


def test_ceilings_cannot_overflow_int64() -> None:
    # Even a thousand schemes at the ceiling add up far below what int64 holds.
    assert MAX_SCHEME_YEAR == 100_000_000_000 * 100
    assert np.iinfo(np.int64).max > MAX_ARRANGEMENT_YEAR * 1000


def test_a_large_but_allowed_scenario_still_runs(tmp_path: Path) -> None:
    # One +1000% change on the example is far inside the ceiling: it runs as before.
    agreement, _ = load_agreement(LD)
    assert agreement is not None
    scenario = Scenario.model_validate(
        {"id": "big", "demand": [{"driver": "learning_disability_packages", "change_pct": 1000}]}
    )
    result = run(agreement, scenario)
    assert all((row.spend > 0).all() for row in result.arrangement_years)


def test_demand_falls_take_spend_to_nothing_not_below(tmp_path: Path) -> None:
    # An elasticity above 1 with a deep fall would make the cost negative: it stops at nothing.
    document = _ld_document()
    scheme = document["arrangements"][0]["schemes"][0]
    scheme["cost_drivers"] = [{"driver": "learning_disability_packages", "elasticity": 2}]
    agreement = load_agreement_text(yaml.safe_dump(document, sort_keys=False), tmp_path, "elastic.yaml")
    scenario = Scenario.model_validate(
        {"id": "fall", "demand": [{"driver": "learning_disability_packages", "change_pct": -80}]}
    )
    result = run(agreement, scenario)
    for spend in result.monthly_spend.values():
        assert (spend >= 0).all()


# --- 2. phasing weight 1e300 and an agreed value past £100bn ---------------------------------


def _huge_phasing(folder: Path) -> Path:
    document = _ld_document()
    document["arrangements"][0]["schemes"][0]["phasing"] = [1e300] + [1] * 11
    return _write(folder, "phasing.yaml", document)


def test_validate_refuses_a_huge_phasing_weight(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _huge_phasing(tmp_path)
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "phasing" in err and f"{path}:" in err
    assert main(["run", str(path)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_engine_refuses_a_huge_phasing_weight(tmp_path: Path) -> None:
    agreement, _ = load_agreement(LD)
    assert agreement is not None
    arrangement = agreement.arrangements[0]
    bad_scheme = arrangement.schemes[0].model_copy(update={"phasing": [Decimal("1e300")] + [Decimal(1)] * 11})
    bad_arrangement = arrangement.model_copy(update={"schemes": [bad_scheme, *arrangement.schemes[1:]]})
    bad = agreement.model_copy(update={"arrangements": [bad_arrangement, *agreement.arrangements[1:]]})
    with pytest.raises(InvalidInputError, match="phasing"):
        run(bad)


def _uplifted_past_the_ceiling(folder: Path) -> Path:
    document: dict[str, Any] = yaml.safe_load(RESIDENTIAL.read_text(encoding="utf-8"))
    for arrangement in document["arrangements"]:
        value = arrangement.get("agreed_value")
        if value is not None:
            value["base_value"] = 90_000_000_000
            for uplift in value["uplifts"].values():
                uplift["inflation_pct"] = 20
    return _write(folder, "uplifted.yaml", document)


def test_validate_refuses_an_agreed_value_uplifted_past_the_ceiling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _uplifted_past_the_ceiling(tmp_path)
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "agreed_value" in err and "£100,000,000,000.00" in err and f"{path}:" in err
    assert main(["run", str(path)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_engine_refuses_an_agreed_value_uplifted_past_the_ceiling() -> None:
    agreement, _ = load_agreement(RESIDENTIAL)
    assert agreement is not None
    arrangements = []
    for arrangement in agreement.arrangements:
        value = getattr(arrangement, "agreed_value", None)
        if value is not None:
            uplifts = {y: u.model_copy(update={"inflation_pct": Decimal(20)}) for y, u in value.uplifts.items()}
            value = value.model_copy(update={"base_value": 9_000_000_000_000, "uplifts": uplifts})
            arrangement = arrangement.model_copy(update={"agreed_value": value})
        arrangements.append(arrangement)
    bad = agreement.model_copy(update={"arrangements": arrangements})
    with pytest.raises(InvalidInputError, match="agreed value"):
        run(bad)


# --- 3. Monte Carlo draws within the model's ranges ------------------------------------------


def test_draw_ranges_match_what_a_scenario_accepts() -> None:
    kinds = {"inflation": RatePercent, "demography": RatePercent, "demand": ChangePercent,
             "efficiency": SavingPercent}
    for kind, annotated in kinds.items():
        adapter: TypeAdapter[Decimal] = TypeAdapter(annotated)
        low, high = DRIVER_RANGES[kind]
        adapter.validate_python(str(low))
        adapter.validate_python(str(high))
        with pytest.raises(ValueError):
            adapter.validate_python(str(Decimal(str(low)) - Decimal("0.0001")))
        with pytest.raises(ValueError):
            adapter.validate_python(str(Decimal(str(high)) + Decimal("0.0001")))


def test_a_wide_demand_driver_never_gives_negative_spend() -> None:
    agreement, _ = load_agreement(LD)
    assert agreement is not None
    spec = spec_from_simple(drivers=[{"id": "ld_demand", "type": "demand", "key": "learning_disability_packages",
                                      "distribution": {"kind": "normal", "mean": 0, "sd": 40}}])
    sim = simulate(agreement, spec=spec, paths=20_000, seed=7)
    for spend in sim.monthly_spend.values():
        assert (spend >= 0).all()
    assert sim.driver_values.min() == -100
    assert sim.driver_clipped == [int((draw(spec, 20_000, 7).drivers <= -100).sum())]
    assert sim.driver_clipped[0] > 0


def test_simulate_says_how_many_draws_were_clipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = {
        "scenario": {"id": "wide"},
        "uncertainty": {
            "drivers": [{"id": "ld_demand", "type": "demand", "key": "learning_disability_packages",
                         "distribution": {"kind": "normal", "mean": 0, "sd": 40}}]
        },
    }
    scenario = _write(tmp_path, "wide.yaml", document)
    assert main(["simulate", str(LD), "--scenario", str(scenario), "--paths", "2000", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "ld_demand" in out and "held at -100%" in out


def test_draws_inside_the_range_are_untouched() -> None:
    spec = spec_from_simple(drivers=[{"id": "fees", "type": "inflation", "key": "care_fees",
                                      "distribution": {"kind": "normal", "mean": 4, "sd": 1}}])
    drawn = draw(spec, 5_000, 1)
    assert drawn.clipped.tolist() == [0]
    again = copy.deepcopy(drawn.drivers)
    assert (drawn.drivers == again).all()
