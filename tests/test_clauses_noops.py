"""No silent no-ops (agreement-clauses issue, item 8).

A scenario or uncertainty entry naming a demand driver, cost category,
scheme type, scheme or partner the agreement does not use would change
nothing while the run looked like its result. Each is refused at its file
and line, with the names it could have meant. An uncertain inflation or
demography driver with no budgeted rate to be measured against is refused
too, with how to give one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from uncertainty_fixtures import PROPORTIONAL_POOL, proportional_pool

from pooledfund.core.errors import InputError
from pooledfund.io.loader import load_agreement
from pooledfund.io.scenario_files import load_scenario
from pooledfund.io.uncertainty_files import load_uncertain_scenario
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import check_scenario
from pooledfund.uncertainty import check_uncertainty, simulate, spec_from_simple
from pooledfund.uncertainty.spec import UncertaintySpec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def bcf() -> Agreement:
    agreement, errors = load_agreement(EXAMPLES / "bcf_northmoor.yaml")
    assert agreement is not None, errors
    return agreement


def scenario_errors(tmp_path: Path, agreement: Agreement, body: str) -> tuple[Path, list[InputError]]:
    """Write a scenario file with ``body`` under ``scenario:`` and check it against ``agreement``."""
    path = tmp_path / "s.yaml"
    path.write_text("scenario:\n  id: s\n" + body, encoding="utf-8")
    scenario, errors = load_scenario(path)
    assert errors == [] and scenario is not None, errors
    return path, check_scenario(scenario, agreement, str(path))


def line_of(path: Path, marker: str) -> int:
    (line,) = [n for n, text in enumerate(path.read_text().splitlines(), start=1) if marker in text]
    return line


# --- scenario names ---------------------------------------------------------------------------------


def test_a_misspelt_demand_driver_is_refused_at_its_line_with_the_driver_meant(tmp_path: Path, bcf: Agreement) -> None:
    path, found = scenario_errors(tmp_path, bcf, "  demand:\n    - {driver: hospital_discharge, change_pct: 10}\n")
    (error,) = found
    assert error.source.file == str(path)
    assert error.source.line == line_of(path, "hospital_discharge")
    assert error.source.path == "scenario.demand[0].driver"
    assert error.message.startswith(
        "no scheme in bcf-northmoor lists 'hospital_discharge' in its cost_drivers, so this change would do "
        "nothing; did you mean 'hospital_discharges'? the agreement's demand drivers are: care_home_admissions, "
        "hospital_discharges, non_elective_admissions, older_people_population"
    )


def test_a_misspelt_inflation_key_is_refused_at_its_line_with_the_category_meant(
    tmp_path: Path, bcf: Agreement
) -> None:
    path, found = scenario_errors(tmp_path, bcf, "  inflation:\n    care_fee:\n      2025-26: 9\n")
    (error,) = found
    assert (error.source.file, error.source.line, error.source.path) == (str(path), 4, "scenario.inflation.care_fee")
    assert error.message == (
        "'care_fee' is not one of bcf-northmoor's cost categories, so this rate would change nothing; did you mean "
        "'care_fees'? the agreement's cost categories are: care_fees, equipment, general, pay, prices"
    )


def test_a_misspelt_demography_key_is_refused_with_the_key_meant(tmp_path: Path, bcf: Agreement) -> None:
    path, found = scenario_errors(tmp_path, bcf, "  demography:\n    residential_placement: {2025-26: 3}\n")
    (error,) = found
    assert error.source.line == line_of(path, "residential_placement")
    assert "did you mean 'residential_placements'?" in error.message
    assert "scheme-type keys (and 'all') are: all, assistive_technologies_and_equipment" in error.message


def test_a_scheme_type_the_agreement_does_not_use_is_refused(tmp_path: Path) -> None:
    # The proportional pool's only scheme is a residential placement: carers services move nothing.
    body = "  demography:\n    carers_services: {2025-26: 3}\n"
    _, found = scenario_errors(tmp_path, proportional_pool(tmp_path), body)
    (error,) = found
    assert error.message.endswith("are: all, residential_placements")


def test_misspelt_scheme_and_partner_name_the_closest(tmp_path: Path, bcf: Agreement) -> None:
    body = ("  shocks:\n    - {scheme: NM5, month: 2025-12, amount: 1000}\n"
            "  contribution_changes:\n    - {partner: icbb, from: 2026-01-01, change_pct: -5}\n")
    _, found = scenario_errors(tmp_path, bcf, body)
    messages = {e.source.path: e.message for e in found}
    assert messages["scenario.shocks[0].scheme"].startswith("'NM5' is not a scheme in bcf-northmoor; did you mean")
    assert "'NM05'" in messages["scenario.shocks[0].scheme"]
    assert messages["scenario.contribution_changes[0].partner"] == (
        "'icbb' is not a partner in bcf-northmoor; did you mean 'icb'? the agreement's partners are: council, icb")


def test_names_the_agreement_knows_are_accepted(tmp_path: Path, bcf: Agreement) -> None:
    # 'general' is budgeted in the assumptions though no scheme uses it; 'all' is always a demography key;
    # a change marked if_listed may name a driver this agreement's schemes do not list.
    body = ("  inflation:\n    general: {2025-26: 4}\n    care_fees: {2025-26: 7}\n"
            "  demography:\n    all: {2025-26: 2}\n    home_care_or_domiciliary_care: {2026-27: 3}\n"
            "  demand:\n    - {driver: non_elective_admissions, change_pct: 5}\n"
            "    - {driver: learning_disability_packages, change_pct: 8, if_listed: true}\n")
    _, found = scenario_errors(tmp_path, bcf, body)
    assert found == []


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_bundled_general_scenario_fits_every_example(example: str) -> None:
    agreement, errors = load_agreement(EXAMPLES / example)
    assert agreement is not None, errors
    for name in ("base", "council_cut", "demand_shock", "high_inflation"):
        path = ROOT / "scenarios" / f"{name}.yaml"
        scenario, errors = load_scenario(path)
        assert scenario is not None, errors
        assert check_scenario(scenario, agreement, str(path)) == [], name


# --- uncertainty ------------------------------------------------------------------------------------


def uncertainty_errors(tmp_path: Path, agreement: Agreement, drivers: str) -> tuple[Path, list[InputError]]:
    path = tmp_path / "u.yaml"
    path.write_text("scenario:\n  id: u\nuncertainty:\n  drivers:\n" + drivers, encoding="utf-8")
    _, spec, errors = load_uncertain_scenario(path)
    assert errors == [] and spec is not None, errors
    return path, check_uncertainty(spec, agreement, str(path))


def test_a_misspelt_uncertain_key_names_the_key_meant(tmp_path: Path, bcf: Agreement) -> None:
    drivers = "    - {id: fees, type: inflation, key: care_fee, distribution: {kind: normal, mean: 5, sd: 1}}\n"
    path, found = uncertainty_errors(tmp_path, bcf, drivers)
    (error,) = found
    assert str(error) == (
        f"{path}:5 uncertainty.drivers[0].key: no scheme in bcf-northmoor has cost_category 'care_fee', so this "
        "driver would change nothing; did you mean 'care_fees'? the agreement's cost categories are: care_fees, "
        "equipment, pay, prices"
    )


def test_an_uncertain_rate_with_no_budgeted_rate_is_refused_with_how_to_give_one(tmp_path: Path) -> None:
    # The proportional pool budgets no inflation and no demography: a draw would be measured against 0%.
    drivers = ("    - {id: fees, type: inflation, key: care_fees, distribution: {kind: normal, mean: 5, sd: 2.5}}\n"
               "    - {id: need, type: demography, key: residential_placements,\n"
               "       distribution: {kind: uniform, min: 1, max: 3}}\n")
    path, found = uncertainty_errors(tmp_path, proportional_pool(tmp_path), drivers)
    assert [str(e) for e in found] == [
        (f"{path}:5 uncertainty.drivers[0].key: the agreement's assumptions give no budgeted inflation rate for "
         "'care_fees' in 2025-26, so each draw would be measured against 0% and land in full on top of the budget; "
         "give the rate the budgets were set with under assumptions.inflation.care_fees in the agreement (0 if "
         "they assumed none), or list under 'years' only the years that have one"),
        (f"{path}:6 uncertainty.drivers[1].key: the agreement's assumptions give no budgeted demography rate for "
         "'residential_placements' in 2025-26, so each draw would be measured against 0% and land in full on top "
         "of the budget; give the rate the budgets were set with under assumptions.demography.residential_placements"
         " in the agreement (0 if they assumed none), or list under 'years' only the years that have one"),
    ]


def test_the_refused_baseline_is_the_near_certain_overspend_it_would_have_shown(tmp_path: Path) -> None:
    # Care fees N(5%, 2.5%) against no budgeted rate: the pool overspends whenever the draw is above 0%,
    # P(z > -5/2.5) = P(z > -2) = 97.7%, so about 98% of paths overspend a budget that already allowed
    # for the fee uplift. With 5% budgeted the same driver overspends on about half of the paths.
    fees = [{"id": "fees", "type": "inflation", "key": "care_fees",
             "distribution": {"kind": "normal", "mean": 5, "sd": 2.5}}]
    spec: UncertaintySpec = spec_from_simple(drivers=fees)
    unbudgeted = proportional_pool(tmp_path)
    assert check_uncertainty(spec, unbudgeted, "u.yaml") != []
    measured_against_zero = simulate(unbudgeted, spec=spec, paths=4000, seed=3)
    assert measured_against_zero.arrangement_summary("pool", "2025-26").probability_of_overspend == pytest.approx(
        0.977, abs=0.01)
    budgeted_text = PROPORTIONAL_POOL + "assumptions:\n  inflation:\n    care_fees: {2025-26: 5}\n"
    path = tmp_path / "budgeted.yaml"
    path.write_text(budgeted_text, encoding="utf-8")
    budgeted, errors = load_agreement(path)
    assert budgeted is not None, errors
    assert check_uncertainty(spec, budgeted, "u.yaml") == []
    centred = simulate(budgeted, spec=spec, paths=4000, seed=3)
    assert centred.arrangement_summary("pool", "2025-26").probability_of_overspend == pytest.approx(0.5, abs=0.03)
