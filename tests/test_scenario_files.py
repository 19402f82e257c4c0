"""Reading scenario files: ``extends`` chains, located errors, checks against an agreement."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SMALL_AGREEMENT

from pooledfund.core.errors import InputError, InvalidInputError
from pooledfund.io.loader import load_agreement
from pooledfund.io.scenario_files import load_scenario, require_scenario
from pooledfund.model.records import source_of
from pooledfund.model.scenario import BASE, Scenario, check_scenario

AGREEMENT = SMALL_AGREEMENT

PARENT = """\
scenario:
  id: parent
  name: Parent
  description: The parent scenario
  inflation:
    care_fees: {2025-26: 5}
    pay: {2025-26: 3}
  demography:
    all: {2025-26: 1}
  demand:
    - {driver: admissions, change_pct: -5, from: 2025-10-01}
  efficiency: {2025-26: 1}
  shocks:
    - {scheme: S1, month: 2025-12, amount: 1000}
"""

CHILD = """\
scenario:
  id: child
  extends: parent.yaml
  inflation:
    care_fees: {2025-26: 7}
  demand:
    - {driver: discharges, change_pct: 10}
  shocks:
    - {scheme: S1, month: 2026-01, amount: 2000}
"""

GRANDCHILD = """\
scenario:
  id: grandchild
  name: Grandchild
  extends: child.yaml
  efficiency: {2025-26: 2}
  demand:
    - {driver: falls, change_pct: 1}
  contribution_changes:
    - {partner: council, from: 2026-01-01, change_pct: -10}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    found = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(found) == 1, f"{marker!r} is on lines {found}"
    return found[0]


def listing(errors: list[InputError]) -> str:
    return "\n".join(str(e) for e in errors)


def the_error(errors: list[InputError], path: str) -> InputError:
    matches = [e for e in errors if e.source.path == path]
    assert len(matches) == 1, f"expected one error at {path!r}, got:\n{listing(errors)}"
    return matches[0]


def check(error: InputError, *, file: Path | str, line: int | None, path: str, words: list[str]) -> None:
    assert error.source.file == str(file), str(error)
    assert error.source.path == path, str(error)
    assert error.source.line == line, f"line {error.source.line}, expected {line}: {error}"
    assert "\n" not in str(error)
    for word in words:
        assert word in error.message, f"{word!r} not in {error.message!r}"


def load_errors(path: Path) -> list[InputError]:
    scenario, errors = load_scenario(path)
    assert scenario is None, "the mistake was not caught"
    assert errors
    return errors


@pytest.fixture
def agreement(tmp_path: Path):
    path = write(tmp_path / "agreement", "a.yaml", AGREEMENT)
    loaded, errors = load_agreement(path)
    assert errors == [] and loaded is not None
    return loaded


# --- a valid scenario and extends chains --------------------------------------------------------


def test_a_single_scenario_loads(tmp_path: Path) -> None:
    scenario, errors = load_scenario(write(tmp_path, "parent.yaml", PARENT))
    assert errors == []
    assert scenario is not None
    assert scenario.id == "parent" and scenario.label == "Parent"
    assert scenario.inflation == {"care_fees": {"2025-26": Decimal(5)}, "pay": {"2025-26": Decimal(3)}}
    assert scenario.shocks[0].amount == 100_000
    assert scenario.demand[0].effective_from.isoformat() == "2025-10-01"


def test_scenario_records_carry_their_sources(tmp_path: Path) -> None:
    path = write(tmp_path, "parent.yaml", PARENT)
    scenario, errors = load_scenario(path)
    assert errors == [] and scenario is not None
    source = source_of(scenario.shocks[0])
    assert source is not None
    # the path as messages print it
    assert (source.file, source.line, source.path) == (str(path), line_of(PARENT, "scheme: S1"), "scenario.shocks[0]")


def test_extends_chain_merges(tmp_path: Path) -> None:
    write(tmp_path, "parent.yaml", PARENT)
    write(tmp_path, "child.yaml", CHILD)
    scenario, errors = load_scenario(write(tmp_path, "grandchild.yaml", GRANDCHILD))
    assert errors == [], listing(errors)
    assert scenario is not None
    # The file's own identity, never the parent's.
    assert (scenario.id, scenario.name, scenario.description) == ("grandchild", "Grandchild", "")
    # Values: the nearest file wins; mappings merge key by key.
    assert scenario.inflation == {"care_fees": {"2025-26": Decimal(7)}, "pay": {"2025-26": Decimal(3)}}
    assert scenario.demography == {"all": {"2025-26": Decimal(1)}}
    assert scenario.efficiency == {"2025-26": Decimal(2)}
    # Lists: appended, parent's first.
    assert [d.driver for d in scenario.demand] == ["admissions", "discharges", "falls"]
    assert [s.month for s in scenario.shocks] == ["2025-12", "2026-01"]
    assert [c.partner for c in scenario.contribution_changes] == ["council"]


def test_child_does_not_inherit_the_parents_name(tmp_path: Path) -> None:
    write(tmp_path, "parent.yaml", PARENT)
    scenario, errors = load_scenario(write(tmp_path, "child.yaml", CHILD))
    assert errors == [] and scenario is not None
    assert scenario.id == "child" and scenario.name == "" and scenario.label == "child"
    assert scenario.description == ""


def test_extends_is_relative_to_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "lib", "parent.yaml", PARENT)
    child = write(tmp_path / "runs", "child.yaml", CHILD.replace("extends: parent.yaml", "extends: ../lib/parent.yaml"))
    monkeypatch.chdir(tmp_path / "lib")  # the working folder must not matter
    scenario, errors = load_scenario(child)
    assert errors == [], listing(errors)
    assert scenario is not None and len(scenario.shocks) == 2


def test_extends_loop(tmp_path: Path) -> None:
    one = write(tmp_path, "one.yaml", "scenario:\n  id: one\n  extends: two.yaml\n")
    two = write(tmp_path, "two.yaml", "scenario:\n  id: two\n  extends: one.yaml\n")
    errors = load_errors(one)
    assert len(errors) == 1
    check(errors[0], file=two, line=3, path="scenario.extends", words=["one.yaml", "loop"])


def test_extends_itself(tmp_path: Path) -> None:
    path = write(tmp_path, "self.yaml", "scenario:\n  id: self\n  extends: self.yaml\n")
    errors = load_errors(path)
    assert len(errors) == 1
    check(errors[0], file=path, line=3, path="scenario.extends", words=["loop"])


def test_extends_missing_parent(tmp_path: Path) -> None:
    path = write(tmp_path, "orphan.yaml", "scenario:\n  id: orphan\n  name: Orphan\n  extends: nothere.yaml\n")
    errors = load_errors(path)
    assert len(errors) == 1
    check(errors[0], file=path, line=4, path="scenario.extends", words=["nothere.yaml", "not found"])


def test_error_in_parent_file_syntax_is_reported_in_the_parent(tmp_path: Path) -> None:
    parent = write(tmp_path, "parent.yaml", "scenario:\n  id: parent\n  efficiency: {2025-26: 1\n  name: x\n")
    child = write(tmp_path, "child.yaml", CHILD)
    errors = load_errors(child)
    assert len(errors) == 1
    assert errors[0].source.file == str(parent)
    assert errors[0].source.line is not None
    assert errors[0].message.startswith("this is not valid YAML")


def test_bad_value_in_parent_is_reported_in_the_parent(tmp_path: Path) -> None:
    parent_text = PARENT.replace("change_pct: -5", "change_pct: lots")
    parent = write(tmp_path, "parent.yaml", parent_text)
    child = write(tmp_path, "child.yaml", CHILD)
    errors = load_errors(child)
    assert len(errors) == 1, listing(errors)
    check(errors[0], file=parent, line=line_of(parent_text, "change_pct: lots"), path="scenario.demand[0].change_pct",
          words=["percentage", "'lots'"])


def test_bad_value_in_child_list_uses_the_childs_own_numbering(tmp_path: Path) -> None:
    # The child's first demand item is demand[0] in the child file, whatever the parent lists.
    write(tmp_path, "parent.yaml", PARENT)
    child_text = CHILD.replace("change_pct: 10", "change_pct: lots")
    child = write(tmp_path, "child.yaml", child_text)
    errors = load_errors(child)
    assert len(errors) == 1, listing(errors)
    check(errors[0], file=child, line=line_of(child_text, "change_pct: lots"), path="scenario.demand[0].change_pct",
          words=["'lots'"])


# --- structure of a scenario file ----------------------------------------------------------------


def test_unknown_section(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", PARENT + "extra: 1\n")
    errors = load_errors(path)
    assert len(errors) == 1
    check(errors[0], file=path, line=line_of(PARENT + "extra: 1\n", "extra:"), path="extra",
          words=["not a section of a scenario file"])


@pytest.mark.parametrize("text", ["id: x\n", "- a\n", "scenario: 5\n", "scenario:\n  - id: x\n"],
                         ids=["no-section", "list", "scalar", "list-section"])
def test_file_must_start_with_a_scenario_section(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "s.yaml", text)
    errors = load_errors(path)
    assert len(errors) == 1
    check(errors[0], file=path, line=1, path="", words=["'scenario:' section"])


def test_empty_and_missing_scenario_files(tmp_path: Path) -> None:
    empty = write(tmp_path, "empty.yaml", "")
    errors = load_errors(empty)
    assert [str(e) for e in errors] == [f"{empty}: the file is empty"]
    errors = load_errors(tmp_path / "missing.yaml")
    assert len(errors) == 1 and "cannot read the file" in errors[0].message


def test_require_scenario_raises(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "scenario:\n  id: x\n  efficiency: {2025-26: lots}\n")
    with pytest.raises(InvalidInputError) as caught:
        require_scenario(path)
    assert len(caught.value.errors) == 1


BAD = """\
scenario:
  id: bad
  inflation:
    pay: {2025/26: 3, 2026-27: high}
  demand:
    - {driver: admissions, change_pct: lots}
    - {change_pct: 3}
  shocks:
    - {scheme: S1, month: Dec, amount: 1.234}
  contribution_changes:
    - {partner: council, from: 2025-10-01, change_pct: 5, change_amount: 100}
    - {partner: council, from: 1 October 2025, change_pct: 5}
  actuals:
    - {year: 2025-26, to_month: 2025-09, forecast_method: guess}
    - {year: 2025, to_month: 2025-09}
  efficiency: {2025-26: 1.23456}
  effciency: {2025-26: 1}
"""

BAD_EXPECTED = [
    # (path, marker, words)
    ("scenario.inflation.pay.2026-27", "pay:", ["percentage", "'high'"]),
    ("scenario.demand[0].change_pct", "lots", ["percentage", "'lots'"]),
    ("scenario.demand[1].driver", "{change_pct: 3}", ["required"]),
    ("scenario.shocks[0].month", "month: Dec", ["'Dec'", "not a month", "2025-10"]),
    ("scenario.shocks[0].amount", "month: Dec", ["1.234", "2 decimal places"]),
    ("scenario.contribution_changes[0]", "change_amount: 100", ["either change_pct or change_amount"]),
    ("scenario.contribution_changes[1].from", "1 October 2025", ["not a date", "2025-10-01"]),
    ("scenario.actuals[0].forecast_method", "guess", ["'guess'", "budget_profile", "run_rate", "trend"]),
    ("scenario.actuals[1].year", "year: 2025,", ["'2025'", "not a financial year"]),
    ("scenario.efficiency.2025-26", "1.23456", ["4 decimal places"]),
    ("scenario.effciency", "effciency", ["not a field here"]),
]


def test_bad_values_are_all_reported_with_scenario_paths(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", BAD)
    errors = load_errors(path)
    assert sorted(e.source.path for e in errors) == sorted(p for p, _, _ in BAD_EXPECTED), listing(errors)
    for field, marker, words in BAD_EXPECTED:
        check(the_error(errors, field), file=path, line=line_of(BAD, marker), path=field, words=words)


def test_misspelt_scenario_field_does_not_send_the_user_to_the_agreement_docs(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "scenario:\n  id: x\n  shoks: []\n")
    errors = load_errors(path)
    assert len(errors) == 1
    check(errors[0], file=path, line=3, path="scenario.shoks", words=["not a field here"])
    assert "agreement-format" not in errors[0].message


def test_missing_id(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "scenario:\n  name: No id\n")
    errors = load_errors(path)
    assert len(errors) == 1
    check(errors[0], file=path, line=2, path="scenario.id", words=["required"])


def test_year_written_as_a_number_in_a_scenario(tmp_path: Path) -> None:
    text = "scenario:\n  id: x\n  efficiency: {2025: 1}\n"
    path = write(tmp_path, "s.yaml", text)
    errors = load_errors(path)
    assert len(errors) == 1
    check(errors[0], file=path, line=3, path="scenario.efficiency.2025", words=["not a financial year"])


def test_base_scenario_is_empty() -> None:
    assert Scenario(id="base", name=BASE.name) == BASE
    assert BASE.shocks == [] and BASE.inflation == {} and BASE.label.startswith("Base")


# --- check_scenario: references to the agreement ----------------------------------------------------

CHECKED = """\
scenario:
  id: chk
  shocks:
    - {scheme: S1, month: 2025-12, amount: 1000}
    - {scheme: S9, month: 2025-12, amount: 1000}
    - scheme: S1
      amount: 1000
      month: 2027-12
  contribution_changes:
    - {partner: county, from: 2025-10-01, change_pct: -10}
    - {partner: council, arrangement: nopool, from: 2025-10-01, change_pct: -10}
    - {partner: icb, arrangement: pool, from: 2025-10-01, change_amount: -1000}
  actuals:
    - year: 2025-26
      to_month: 2025-09
      forecast_method: run_rate
      schemes:
        S1: [1, 2, 3, 4, 5]
        S9: [1, 2, 3, 4, 5, 6]
    - year: 2025-26
      forecast_method: trend
      to_month: 2026-06
      schemes: {S1: [1]}
    - year: 2029-30
      to_month: 2029-06
  inflation:
    pay: {2030-31: 3}
  demography:
    all: {2031-32: 1}
  efficiency: {2032-33: 1}
"""

CHECKED_EXPECTED = [
    # (path, marker, words)
    ("scenario.shocks[1].scheme", "scheme: S9", ["'S9'", "not a scheme in test"]),
    ("scenario.shocks[2].month", "month: 2027-12", ["2027-12", "outside the agreement's years"]),
    ("scenario.contribution_changes[0].partner", "county", ["'county'", "not a partner in test"]),
    ("scenario.contribution_changes[1].arrangement", "nopool", ["'nopool'", "not an arrangement in test"]),
    ("scenario.actuals[0].schemes.S1", "S1: [1, 2, 3, 4, 5]", ["5 months", "6 months", "2025-09"]),
    ("scenario.actuals[0].schemes.S9", "S9: [", ["'S9'", "not a scheme in test"]),
    ("scenario.actuals[1].to_month", "to_month: 2026-06", ["2026-06 is not in 2025-26"]),
    ("scenario.actuals[2].year", "year: 2029-30", ["2029-30", "outside the agreement's years"]),
    ("scenario.inflation.pay.2030-31", "2030-31", ["2030-31", "outside the agreement's years"]),
    ("scenario.demography.all.2031-32", "2031-32", ["2031-32", "outside the agreement's years"]),
    ("scenario.efficiency.2032-33", "2032-33", ["2032-33", "outside the agreement's years"]),
]


def test_check_scenario_reports_every_bad_reference(tmp_path: Path, agreement) -> None:
    path = write(tmp_path, "chk.yaml", CHECKED)
    scenario, errors = load_scenario(path)
    assert errors == [], listing(errors)
    assert scenario is not None
    found = check_scenario(scenario, agreement, str(path))
    assert sorted(e.source.path for e in found) == sorted(p for p, _, _ in CHECKED_EXPECTED), listing(found)


@pytest.mark.parametrize(("field", "marker", "words"), CHECKED_EXPECTED, ids=[c[0] for c in CHECKED_EXPECTED])
def test_check_scenario_error_is_located(tmp_path: Path, agreement, field: str, marker: str, words: list[str]) -> None:
    path = write(tmp_path, "chk.yaml", CHECKED)
    scenario, errors = load_scenario(path)
    assert errors == [] and scenario is not None
    found = check_scenario(scenario, agreement, str(path))
    check(the_error(found, field), file=path, line=line_of(CHECKED, marker), path=field, words=words)


def test_check_scenario_accepts_a_good_scenario(tmp_path: Path, agreement) -> None:
    text = """\
scenario:
  id: good
  shocks:
    - {scheme: S1, month: 2026-03, amount: 1000}
  contribution_changes:
    - {partner: council, arrangement: pool, from: 2026-01-01, change_pct: -10}
  actuals:
    - year: 2025-26
      to_month: 2025-06
      schemes: {S1: [1, 2, 3]}
    - year: 2026-27
      to_month: 2027-03
      schemes: {S1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}
  inflation:
    pay: {2025-26: 3, 2026-27: 2}
  efficiency: {2026-27: 1}
"""
    path = write(tmp_path, "good.yaml", text)
    scenario, errors = load_scenario(path)
    assert errors == [] and scenario is not None
    assert check_scenario(scenario, agreement, str(path)) == []


def test_check_scenario_reports_parent_records_in_the_parent_file(tmp_path: Path, agreement) -> None:
    parent_text = PARENT.replace("{scheme: S1, month: 2025-12", "{scheme: S8, month: 2025-12")
    parent = write(tmp_path, "parent.yaml", parent_text)
    child = write(tmp_path, "child.yaml", CHILD)
    scenario, errors = load_scenario(child)
    assert errors == [] and scenario is not None
    found = check_scenario(scenario, agreement, str(child))
    assert len(found) == 1, listing(found)
    check(found[0], file=parent, line=line_of(parent_text, "S8"), path="scenario.shocks[0].scheme", words=["'S8'"])


def test_the_base_scenario_is_what_validating_it_gives() -> None:
    # BASE is made without validation (so a run without a scenario file never builds the scenario validator):
    # it must be exactly the scenario validation would give, field for field.
    from pooledfund.model.scenario import BASE, Scenario

    validated = Scenario(id="base", name="Base (budget as agreed)")
    assert validated == BASE
    assert BASE.model_dump() == validated.model_dump()
    assert BASE.model_fields_set == validated.model_fields_set and BASE.label == "Base (budget as agreed)"
