"""Fuzz suite: generated agreements and scenarios, extreme but valid, through the command line and the engine.

Each example writes an agreement and a scenario file (the generators of
tests/test_properties.py, with scenarios pushed to the edges of what a
scenario file accepts: demand changes up to +1000% on schemes with
elasticities up to 3, inflation and demography up to 1000% a year,
efficiency savings up to 100%, Monte Carlo drivers far wider than the
ranges) and checks that

* ``pooledfund run`` (and ``simulate``) ends with exit 0 or 1, never a traceback,
  and says what is wrong when it is 1;
* when it runs, the books balance to the penny (partners' net cost = spend +
  reinvested - brought forward + carried forward - unfunded), caps hold,
  spend is never negative unless a shock or event says so, and two runs give
  the same output byte for byte.

CI runs :data:`EXAMPLES` examples (60 by default); set the environment
variable ``POOLEDFUND_FUZZ_EXAMPLES`` for a longer run (see docs/testing.md).
The example database is not kept (``database=None``), so nothing is written
to the repository.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_properties import agreements

from pooledfund.cli import main
from pooledfund.engine.runner import run
from pooledfund.io.loader import load_agreement
from pooledfund.io.scenario_files import load_scenario

EXAMPLES = int(os.environ.get("POOLEDFUND_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SIMULATE_FUZZ = settings(FUZZ, max_examples=max(1, EXAMPLES // 4))

DRIVERS = ["admissions", "discharges", "packages"]


def _percent(draw: st.DrawFn, low: int, high: int) -> float:
    """A % to 2 decimal places between ``low`` and ``high`` (inclusive), often at a bound."""
    edge = draw(st.sampled_from([None, low, high]))
    value = edge if edge is not None else draw(st.integers(low * 100, high * 100)) / 100
    return float(value)


@st.composite
def extreme_cases(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """An agreement and a scenario whose drivers go to the edges of the ranges a scenario accepts."""
    document, scenario = draw(agreements())
    years = document["agreement"]["years"]
    for arrangement in document["arrangements"]:
        for scheme in arrangement["schemes"]:
            links = draw(st.lists(st.sampled_from(DRIVERS), unique=True, max_size=2))
            scheme["cost_drivers"] = [
                {"driver": d, "elasticity": draw(st.integers(0, 300)) / 100} for d in links
            ]
    if draw(st.booleans()):
        scenario["demand"] = [
            {"driver": draw(st.sampled_from(DRIVERS)), "change_pct": _percent(draw, -100, 1000),
             **({"from": f"{years[0][:4]}-{draw(st.integers(4, 12)):02d}-01"} if draw(st.booleans()) else {})}
            for _ in range(draw(st.integers(1, 9)))
        ]
    if draw(st.integers(0, 4)) == 0:
        # A runaway: every scheme follows one driver that rises 1000% several times over.
        for arrangement in document["arrangements"]:
            for scheme in arrangement["schemes"]:
                scheme["cost_drivers"] = [{"driver": "packages", "elasticity": 1}]
        scenario["demand"] = [{"driver": "packages", "change_pct": 1000}] * draw(st.integers(5, 12))
    if draw(st.booleans()):
        scenario["inflation"] = {"care_fees": {y: _percent(draw, -99, 1000) for y in years}}
    if draw(st.booleans()):
        scenario["demography"] = {"all": {y: _percent(draw, -99, 1000) for y in years}}
    if draw(st.booleans()):
        scenario["efficiency"] = {y: _percent(draw, -99, 100) for y in years}
    return document, scenario


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _cli(*args: str) -> tuple[int, str, str]:
    """Run the command line as a user would, capturing what it prints; any exception fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _write_case(folder: Path, document: dict[str, Any], scenario: dict[str, Any],
                uncertainty: dict[str, Any] | None = None) -> tuple[Path, Path]:
    agreement_path = folder / "agreement.yaml"
    scenario_path = folder / "scenario.yaml"
    agreement_path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    content: dict[str, Any] = {"scenario": scenario}
    if uncertainty is not None:
        content["uncertainty"] = uncertainty
    scenario_path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return agreement_path, scenario_path


def _assert_refusal_is_explained(code: int, err: str) -> None:
    assert code in (0, 1), err
    assert "Traceback" not in err
    event("refused (exit 1)" if code else "ran (exit 0)")
    if "the most the model handles" in err:
        event("refused: an amount past the ceiling")
    elif code:
        event(f"refused: {err.splitlines()[0].split(': ', 1)[-1][:60]}")
    if code == 1:
        last = err.strip().splitlines()[-1]
        assert last.endswith("found.") or last.startswith("pooledfund: "), err


def _json_balances(data: dict[str, Any]) -> None:
    """In the JSON, in pounds: per year, partners' net costs add up as the engine's identity says."""
    for year in data["years"]:
        net = sum(Decimal(str(p["net_cost"])) for p in year["partners"])
        expected = sum(
            Decimal(str(a["spend"])) + Decimal(str(a["reinvested"])) - Decimal(str(a["brought_forward"]))
            + Decimal(str(a["carry_forward"])) - Decimal(str(a["unfunded"]))
            for a in year["arrangements"]
        )
        assert net == expected


@FUZZ
@given(case=extreme_cases())
def test_run_ends_cleanly_and_balances(fuzz_folder: Path, case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    document, scenario_fields = case
    agreement_path, scenario_path = _write_case(fuzz_folder, document, scenario_fields)
    first, second = fuzz_folder / "first.json", fuzz_folder / "second.json"
    code, out, err = _cli("run", str(agreement_path), "--scenario", str(scenario_path),
                          "--json", str(first), "--force")
    _assert_refusal_is_explained(code, err)
    if code == 1:
        return
    again, out_again, _ = _cli("run", str(agreement_path), "--scenario", str(scenario_path),
                               "--json", str(second), "--force")
    assert again == 0
    assert out_again.replace(str(second), str(first)) == out  # the same, but for the JSON file's name
    assert first.read_bytes() == second.read_bytes()
    _json_balances(json.loads(first.read_text(encoding="utf-8")))

    agreement, problems = load_agreement(agreement_path)
    scenario, scenario_problems = load_scenario(scenario_path)
    assert agreement is not None and scenario is not None and not problems and not scenario_problems
    result = run(agreement, scenario)
    shocked = {s.scheme for s in scenario.shocks if s.amount < 0}
    for row in result.arrangement_years:
        net = row.net_cost.sum(axis=1)
        expected = row.spend + row.reinvested.sum(axis=1) - row.brought_forward + row.carry_forward - row.unfunded
        assert (net == expected).all()
        assert (row.spend == row.scheme_spend.sum(axis=1)).all()
        for s_index, scheme_id in enumerate(row.scheme_ids):
            if scheme_id not in shocked:
                assert (row.scheme_spend[:, s_index] >= 0).all(), f"{scheme_id} {row.year} spend is negative"
        if row.overspend is not None:
            for i, cap in enumerate(row.overspend.caps.tolist()):
                if cap >= 0:
                    assert (row.overspend_shares[:, i] <= cap).all()
            assert (row.overspend_shares.sum(axis=1) + row.unfunded == np.maximum(row.spend - row.budget, 0)).all()


@st.composite
def uncertain_cases(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A generated case plus Monte Carlo drivers whose distributions reach far past the allowed ranges."""
    document, scenario = draw(extreme_cases())
    kinds = draw(st.lists(st.sampled_from(["inflation", "demography", "demand", "efficiency"]), min_size=1,
                          max_size=3))
    drivers = []
    for index, kind in enumerate(kinds):
        driver: dict[str, Any] = {"id": f"d{index}", "type": kind}
        if kind != "efficiency":
            driver["key"] = {"inflation": "care_fees", "demography": "all", "demand": DRIVERS[0]}[kind]
        driver["distribution"] = draw(st.sampled_from([
            {"kind": "normal", "mean": 0, "sd": draw(st.integers(0, 500))},
            {"kind": "uniform", "min": -300, "max": draw(st.integers(-300, 2000))},
            {"kind": "triangular", "min": -200, "mode": 0, "max": 1500},
        ]))
        drivers.append(driver)
    return document, scenario, {"drivers": drivers}


@SIMULATE_FUZZ
@given(case=uncertain_cases())
def test_simulate_ends_cleanly_and_is_repeatable(
    fuzz_folder: Path, case: tuple[dict[str, Any], dict[str, Any], dict[str, Any]]
) -> None:
    document, scenario_fields, uncertainty = case
    agreement_path, scenario_path = _write_case(fuzz_folder, document, scenario_fields, uncertainty)
    args = ["simulate", str(agreement_path), "--scenario", str(scenario_path), "--paths", "64", "--seed", "5"]
    code, out, err = _cli(*args)
    _assert_refusal_is_explained(code, err)
    if code == 0:
        again, out_again, _ = _cli(*args)
        assert again == 0 and out_again == out
