"""The uncertainty: section: reading it, and every mistake located by file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from uncertainty_fixtures import proportional_pool, write

from pooledfund.core.errors import InvalidInputError
from pooledfund.io.uncertainty_files import load_uncertain_scenario, load_uncertainty
from pooledfund.uncertainty import check_uncertainty, spec_from_simple
from pooledfund.uncertainty.spec import Lognormal, Normal, Pert, Triangular, Uniform, window_months

GOOD = """\
scenario:
  id: risky
  name: Risky winter
uncertainty:
  drivers:
    - id: fees
      name: Care fee inflation
      type: inflation
      key: care_fees
      years: [2025-26]
      distribution: {kind: normal, mean: 6, sd: 1.5}
    - id: admissions
      type: demand
      key: care_home_admissions
      from: 2025-10-01
      distribution: {kind: triangular, min: -5, mode: 2, max: 15}
    - id: saving
      type: efficiency
      distribution: {kind: pert, min: 0, mode: 1, max: 3}
  events:
    - id: provider_failure
      scheme: S1
      probability_pct: 10
      window: {from: 2025-10, to: 2026-03}
      impact: 1200000
  correlation:
    drivers: [fees, admissions]
    matrix:
      - [1, 0.5]
      - [0.5, 1]
"""


def errors_of(tmp_path: Path, text: str) -> list[str]:
    spec, errors = load_uncertainty(write(tmp_path, "u.yaml", text))
    assert spec is None
    return [str(e) for e in errors]


def test_a_good_section_loads_with_every_field(tmp_path: Path) -> None:
    path = write(tmp_path, "u.yaml", GOOD)
    spec, errors = load_uncertainty(path)
    assert errors == []
    assert spec is not None
    fees, admissions, saving = spec.drivers
    assert (fees.type, fees.key, fees.years, fees.label) == (
        "inflation", "care_fees", ["2025-26"], "Care fee inflation")
    assert isinstance(fees.distribution, Normal) and float(fees.distribution.sd) == 1.5
    assert isinstance(admissions.distribution, Triangular) and str(admissions.effective_from) == "2025-10-01"
    assert isinstance(saving.distribution, Pert) and saving.key is None and saving.label == "saving"
    (event,) = spec.events
    assert event.impact == 120_000_000  # pence
    assert len(window_months(event)) == 6  # October to March
    assert spec.correlation is not None and spec.correlation.matrix[0][1] == 0.5


def test_the_scenario_and_its_uncertainty_load_together(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "scenario:\n  id: base\n  inflation:\n    pay: {2025-26: 4}\n")
    path = write(tmp_path, "u.yaml",
                 GOOD.replace("  name: Risky winter\n", "  name: Risky winter\n  extends: base.yaml\n"))
    scenario, spec, errors = load_uncertain_scenario(path)
    assert errors == []
    assert scenario is not None and spec is not None
    assert (scenario.id, scenario.label) == ("risky", "Risky winter")
    assert float(scenario.inflation["pay"]["2025-26"]) == 4.0  # from the parent


def test_a_plain_scenario_has_no_spec(tmp_path: Path) -> None:
    scenario, spec, errors = load_uncertain_scenario(write(tmp_path, "s.yaml", "scenario:\n  id: plain\n"))
    assert (scenario is not None, spec, errors) == (True, None, [])


def test_mistakes_in_the_scenario_part_are_still_located(tmp_path: Path) -> None:
    text = GOOD.replace("  name: Risky winter\n", "  name: Risky winter\n  efficiency: {2025-26: lots}\n")
    scenario, _spec, errors = load_uncertain_scenario(write(tmp_path, "u.yaml", text))
    assert scenario is None
    assert [str(e) for e in errors] == [(f"{tmp_path / 'u.yaml'}:4 scenario.efficiency.2025-26: "
                                        "expected a percentage such as 3.5, got 'lots'")]


def test_a_file_without_the_section_says_so(tmp_path: Path) -> None:
    assert errors_of(tmp_path, "scenario:\n  id: x\n") == [
        f"{tmp_path / 'u.yaml'}:1: this file has no 'uncertainty:' section (see docs/uncertainty.md)"
    ]


def test_the_section_must_be_a_mapping(tmp_path: Path) -> None:
    assert errors_of(tmp_path, "scenario:\n  id: x\nuncertainty: [1, 2]\n") == [
        f"{tmp_path / 'u.yaml'}:3 uncertainty: expected a set of 'name: value' lines: drivers, events, correlation"
    ]


def test_invalid_yaml_is_reported_not_raised(tmp_path: Path) -> None:
    (message,) = errors_of(tmp_path, "uncertainty:\n  drivers: [\n")
    assert "this is not valid YAML" in message


@pytest.mark.parametrize(
    ("distribution", "message"),
    [
        ("{kind: normal, mean: 5, sd: -1}", "sd must not be negative (got -1)"),
        ("{kind: lognormal, mean: 0, sd: 1}", "a lognormal's mean must be above 0 (got 0)"),
        ("{kind: lognormal, mean: 3, sd: -2}", "sd must not be negative (got -2)"),
        ("{kind: uniform, min: 5, max: 2}", "min 5 is above max 2; min must not be more than max"),
        ("{kind: triangular, min: 0, mode: 9, max: 5}", "mode 9 must lie between min 0 and max 5"),
        ("{kind: pert, min: 0, mode: -1, max: 5}", "mode -1 must lie between min 0 and max 5"),
        ("{kind: pert, min: 0, mode: 1, max: 5, shape: 0}", "shape must be above 0 (got 0)"),
        ("{kind: normal, mean: lots, sd: 1}", "expected a percentage such as 3.5, got 'lots'"),
        ("{kind: gamma, mean: 1}", ("'gamma' is not a known kind; use one of 'normal', 'lognormal', 'uniform', "
                                   "'triangular', 'pert'")),
    ],
)
def test_invalid_distribution_parameters_are_located(tmp_path: Path, distribution: str, message: str) -> None:
    text = f"uncertainty:\n  drivers:\n    - id: fees\n      type: inflation\n      key: care_fees\n" \
           f"      distribution: {distribution}\n"
    errors = errors_of(tmp_path, text)
    assert len(errors) == 1
    assert errors[0].startswith(f"{tmp_path / 'u.yaml'}:6 uncertainty.drivers[0].distribution")
    assert errors[0].endswith(message)


@pytest.mark.parametrize(
    ("fields", "message", "where"),
    [
        ("type: inflation", "a inflation driver needs 'key': the cost category (e.g. care_fees)",
         ":3 uncertainty.drivers[0]:"),
        ("type: efficiency\n      key: pay", "an efficiency driver has no key; remove 'key'",
         ":3 uncertainty.drivers[0]:"),
        ("type: demand\n      key: x\n      years: [2025-26]",
         "a demand driver lasts from its 'from' date; give 'from', not 'years'", ":3 uncertainty.drivers[0]:"),
        ("type: demography\n      key: all\n      from: 2025-10-01",
         "'from' is for demand drivers; a demography driver takes 'years'", ":3 uncertainty.drivers[0]:"),
        ("type: prices\n      key: x", ("'prices' is not allowed; expected 'inflation', 'demography', 'demand' or "
                                       "'efficiency'"), ":4 uncertainty.drivers[0].type:"),
    ],
)
def test_driver_fields_that_do_not_fit_its_type(tmp_path: Path, fields: str, message: str, where: str) -> None:
    text = (f"uncertainty:\n  drivers:\n    - id: d\n      {fields}\n"
            "      distribution: {kind: uniform, min: 0, max: 1}\n")
    (error,) = errors_of(tmp_path, text)
    assert error == f"{tmp_path / 'u.yaml'}{where} {message}"


def test_event_mistakes_are_located(tmp_path: Path) -> None:
    text = """\
    uncertainty:
      events:
        - id: failure
          scheme: S1
          probability_pct: 120
          window: {from: 2026-03, to: 2025-10}
          impact: 1200000.005
    """
    assert errors_of(tmp_path, text) == [
        (f"{tmp_path / 'u.yaml'}:5 uncertainty.events[0].probability_pct: "
         "a share must be between 0% and 100% (got 120%)"),
        (f"{tmp_path / 'u.yaml'}:6 uncertainty.events[0].window: the window runs backwards: from 2026-03 is after "
        "to 2025-10"),
        (f"{tmp_path / 'u.yaml'}:7 uncertainty.events[0].impact: 1200000.005 has fractions of a penny; give pounds "
        "with at most 2 decimal places"),
    ]


def test_ids_must_be_unique_across_drivers_and_events(tmp_path: Path) -> None:
    text = """\
    uncertainty:
      drivers:
        - {id: x, type: efficiency, distribution: {kind: uniform, min: 0, max: 1}}
      events:
        - {id: x, scheme: S1, probability_pct: 5, window: {from: 2025-10, to: 2025-10}, impact: 10}
    """
    assert errors_of(tmp_path, text) == [
        f"{tmp_path / 'u.yaml'}:5 uncertainty.events[0].id: 'x' is already the id of another driver; ids must be unique"
    ]


CORRELATED = """\
uncertainty:
  drivers:
    - {{id: a, type: efficiency, distribution: {{kind: normal, mean: 1, sd: 1}}}}
    - {{id: b, type: inflation, key: pay, distribution: {{kind: normal, mean: 1, sd: 1}}}}
    - {{id: c, type: inflation, key: care_fees, distribution: {{kind: normal, mean: 1, sd: 1}}}}
  correlation:
    drivers: {drivers}
    matrix:
{rows}
"""


def correlation_errors(tmp_path: Path, drivers: str, rows: list[str]) -> list[str]:
    text = CORRELATED.format(drivers=drivers, rows="\n".join(f"      - {r}" for r in rows))
    return errors_of(tmp_path, text)


def test_correlation_names_unknown_and_repeated_drivers(tmp_path: Path) -> None:
    errors = correlation_errors(tmp_path, "[a, z, a]", ["[1, 0, 0]", "[0, 1, 0]", "[0, 0, 1]"])
    assert errors == [
        (f"{tmp_path / 'u.yaml'}:7 uncertainty.correlation.drivers[1]: "
         "'z' is not the id of an uncertain driver in 'drivers'"),
        f"{tmp_path / 'u.yaml'}:7 uncertainty.correlation.drivers[2]: 'a' is listed twice",
    ]


def test_correlation_matrix_of_the_wrong_shape(tmp_path: Path) -> None:
    assert correlation_errors(tmp_path, "[a, b]", ["[1, 0.5, 0]", "[0.5, 1, 0]"]) == [
        (f"{tmp_path / 'u.yaml'}:9 uncertainty.correlation.matrix: the matrix must be 2 x 2 (one row and column per "
        "driver listed); it has 2 rows of 3 values")
    ]


def test_correlation_entries_out_of_range_off_diagonal_and_asymmetric(tmp_path: Path) -> None:
    errors = correlation_errors(tmp_path, "[a, b, c]", ["[1, 1.5, 0.2]", "[1.5, 0.9, 0.1]", "[0.3, 0.1, 1]"])
    assert errors == [
        (f"{tmp_path / 'u.yaml'}:9 uncertainty.correlation.matrix[0][1]: "
         "a correlation must be between -1 and 1 (got 1.5)"),
        (f"{tmp_path / 'u.yaml'}:9 uncertainty.correlation.matrix[0][2]: "
         "the matrix must be symmetric: row 1 column 3 is 0.2 but row 3 column 1 is 0.3"),
        (f"{tmp_path / 'u.yaml'}:10 uncertainty.correlation.matrix[1][0]: "
         "a correlation must be between -1 and 1 (got 1.5)"),
        (f"{tmp_path / 'u.yaml'}:10 uncertainty.correlation.matrix[1][1]: the diagonal must be 1 (a driver moves with "
        "itself); got 0.9"),
    ]


def test_correlations_that_contradict_each_other(tmp_path: Path) -> None:
    # a~b 0.9 and b~c 0.9 force a~c well above 0, so a~c = -0.9 is impossible.
    (error,) = correlation_errors(tmp_path, "[a, b, c]", ["[1, 0.9, -0.9]", "[0.9, 1, 0.9]", "[-0.9, 0.9, 1]"])
    assert error.startswith(f"{tmp_path / 'u.yaml'}:9 uncertainty.correlation.matrix: these correlations contradict "
                            "each other (the matrix is not positive semi-definite")


def test_check_against_the_agreement(tmp_path: Path) -> None:
    agreement = proportional_pool(tmp_path)
    text = """\
    uncertainty:
      drivers:
        - {id: pay, type: inflation, key: pay, distribution: {kind: normal, mean: 1, sd: 1}}
        - {id: late, type: efficiency, years: [2030-31], distribution: {kind: normal, mean: 1, sd: 1}}
        - {id: beds, type: demand, key: hospital_discharges, distribution: {kind: normal, mean: 1, sd: 1}}
        - {id: need, type: demography, key: carers_services, distribution: {kind: normal, mean: 1, sd: 1}}
        - {id: after, type: demand, key: care_home_admissions, from: 2027-01-01,
           distribution: {kind: normal, mean: 1, sd: 1}}
      events:
        - {id: e, scheme: S9, probability_pct: 5, window: {from: 2025-10, to: 2026-04}, impact: 10}
    """
    path = write(tmp_path, "u.yaml", text)
    spec, errors = load_uncertainty(path)
    assert errors == [] and spec is not None
    found = [str(e) for e in check_uncertainty(spec, agreement, str(path))]
    assert found == [
        (f"{path}:3 uncertainty.drivers[0].key: no scheme in prop has cost_category 'pay', so this driver would "
        "change nothing"),
        f"{path}:4 uncertainty.drivers[1].years: 2030-31 is outside the agreement's years (2025-26)",
        (f"{path}:5 uncertainty.drivers[2].key: no scheme in prop lists 'hospital_discharges' in its cost_drivers, so "
        "this driver would change nothing"),
        (f"{path}:6 uncertainty.drivers[3].key: no scheme in prop has scheme type 'carers_services', so this driver "
        "would change nothing"),
        f"{path}:7 uncertainty.drivers[4].from: 2027-01-01 is after the agreement ends",
        f"{path}:10 uncertainty.events[0].scheme: 'S9' is not a scheme in prop",
        f"{path}:10 uncertainty.events[0].window.to: 2026-04 is outside the agreement's years (2025-26 to 2025-26)",
    ]


def test_spec_from_simple_builds_and_refuses_like_a_file() -> None:
    spec = spec_from_simple(drivers=[{"id": "u", "type": "efficiency",
                                      "distribution": {"kind": "uniform", "min": 1, "max": 2}}])
    assert isinstance(spec.drivers[0].distribution, Uniform)
    assert spec_from_simple().drivers == []
    with pytest.raises(InvalidInputError) as caught:
        spec_from_simple(drivers=[{"id": "l", "type": "efficiency", "distribution": {"kind": "lognormal", "mean": -1,
                                                                                   "sd": 1}}])
    assert [str(e) for e in caught.value.errors] == [
        "<uncertainty> uncertainty.drivers[0].distribution: a lognormal's mean must be above 0 (got -1)"
    ]
    assert isinstance(spec_from_simple(drivers=[{"id": "l", "type": "efficiency", "distribution": {
        "kind": "lognormal", "mean": 1, "sd": 1}}]).drivers[0].distribution, Lognormal)
