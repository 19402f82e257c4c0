"""Several agreements: bodies matched as different but named the same are warned of, located, never refused.

The places are two one-scheme pools, each with a council and the ICB (ODS
Q90, matched by its code in both). What changes from test to test is how
the second file writes the council:

* with no ``gss_code``: matched by its id, so a council that has its code in
  the first file is a second body;
* under another ``gss_code`` (a typo): a second body again;
* under another name: truly another body, and no warning.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledfund.cli.app import main
from pooledfund.engine.rollup import RolledPartner, match_partners, name_key, roll_up, run_figures, same_name_warnings
from pooledfund.engine.runner import run
from pooledfund.io.loader import load_agreement
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import Partner
from pooledfund.model.scenario import BASE

PLACE = """\
agreement:
  id: {id}
  title: {title}
  years: [2025-26]
  host_partner: council
partners:
  - {{id: council, name: {council}, kind: unitary_council, vat: council_s33{code}}}
  - {{id: icb, name: NHS Example ICB, kind: integrated_care_board, vat: nhs_limited_recovery, ods_code: Q90}}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    contributions:
      - {{partner: council, year: 2025-26, source: additional_la, cash: 400000}}
      - {{partner: icb, year: 2025-26, source: nhs_minimum, cash: 600000}}
    schemes:
      - id: S1
        name: Community services
        scheme_type: community_based_schemes
        area_of_spend: community_health
        commissioner: icb
        provider: nhs_community
        funding_source: nhs_minimum
        budget: {{2025-26: 1000000}}
    risk_share:
      - {{layer: proportional}}
    underspend:
      - rule: return_proportional
"""

UNCERTAIN = """\
scenario:
  id: unc
uncertainty:
  drivers:
    - {id: demand, type: demand, key: anything, distribution: {kind: normal, mean: 0, sd: 1}}
"""


def place(folder: Path, name: str, council: str, gss: str | None) -> str:
    """A place pool file; ``gss`` None leaves the council without a code (matched by its id)."""
    code = f", gss_code: {gss}" if gss else ""
    path = folder / name
    path.write_text(textwrap.dedent(PLACE.format(id=name.removesuffix(".yaml"), title=name, council=council,
                                                 code=code)), encoding="utf-8")
    return str(path)


def loaded(*paths: str) -> list[tuple[str, Agreement]]:
    out = []
    for path in paths:
        agreement, errors = load_agreement(path)
        assert agreement is not None, errors
        out.append((path, agreement))
    return out


def test_a_council_with_its_code_in_one_file_and_none_in_the_other(tmp_path: Path) -> None:
    first = place(tmp_path, "a.yaml", "Northmoor Borough Council", "E06999001")
    second = place(tmp_path, "b.yaml", "Northmoor Borough Council", None)
    matching, errors = match_partners(loaded(first, second))
    assert errors == []
    # Two bodies of that name (one by code, one by id) and the ICB once: three bodies, one warning.
    assert [p.key for p in matching.partners] == ["GSS E06999001", "ODS Q90", "id council"]
    (warning,) = matching.warnings
    # Located at the second file's council, on its line (7) and its name field.
    assert (warning.source.file, warning.source.line, warning.source.path) == (second, 7, "partners[0].name")
    assert warning.message.startswith(f"'Northmoor Borough Council' is counted as a different body from "
                                      f"'Northmoor Borough Council' in {first}: it is matched by its id 'council' "
                                      "(it has no gss_code or ods_code) here and by gss_code E06999001 there.")
    assert "give it the same code in every agreement" in warning.message


def test_one_name_under_two_codes_ignoring_capitals_spaces_and_punctuation(tmp_path: Path) -> None:
    first = place(tmp_path, "a.yaml", "Northmoor Borough Council", "E06999001")
    second = place(tmp_path, "b.yaml", "'NORTHMOOR  borough-council.'", "E06999010")
    matching, errors = match_partners(loaded(first, second))
    assert errors == []
    (warning,) = matching.warnings
    assert (warning.source.file, warning.source.line) == (second, 7)
    assert ("matched by gss_code E06999010 here and by gss_code E06999001 there" in warning.message)


def test_different_names_give_no_warning(tmp_path: Path) -> None:
    first = place(tmp_path, "a.yaml", "Northmoor Borough Council", "E06999001")
    # Another council, without a code and with a code: never a warning, the names differ.
    for gss in (None, "E06999002"):
        second = place(tmp_path, "b.yaml", "Southmoor Borough Council", gss)
        matching, errors = match_partners(loaded(first, second))
        assert errors == [] and matching.warnings == ()
    # One body matched by its code in both files (the ICB here): one body, nothing to warn of.
    assert [p.key for p in matching.partners].count("ODS Q90") == 1


def test_the_roll_up_carries_the_warnings(tmp_path: Path) -> None:
    files = loaded(place(tmp_path, "a.yaml", "Northmoor Borough Council", "E06999001"),
                   place(tmp_path, "b.yaml", "Northmoor Borough Council", None))
    matching, _ = match_partners(files)
    rollup = roll_up([label for label, _ in files], [run_figures(run(a, BASE)) for _, a in files], matching)
    assert rollup.warnings == matching.warnings and len(rollup.warnings) == 1
    # Counted twice, as the warning says: two rows of £400,000 cash each.
    councils = [i for i, p in enumerate(rollup.partners) if p.name == "Northmoor Borough Council"]
    assert [int(rollup.values("cash_contribution", i)[0]) for i in councils] == [40_000_000, 40_000_000]


def test_three_bodies_of_one_name_give_two_warnings_each_against_the_first(tmp_path: Path) -> None:
    paths = [place(tmp_path, "a.yaml", "Northmoor Council", "E06999001"),
             place(tmp_path, "b.yaml", "Northmoor Council", None),
             place(tmp_path, "c.yaml", "Northmoor Council", "E06999003"),
             place(tmp_path, "d.yaml", "Northmoor Council", None)]  # the same body as b.yaml's (id council)
    matching, errors = match_partners(loaded(*paths))
    assert errors == []
    assert [w.source.file for w in matching.warnings] == [paths[1], paths[2]]
    assert all(f"in {paths[0]}:" in w.message for w in matching.warnings)


@pytest.mark.parametrize("command", ["run", "simulate", "export"])
def test_the_command_line_prints_each_warning_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    first = place(tmp_path, "a.yaml", "Northmoor Borough Council", "E06999001")
    second = place(tmp_path, "b.yaml", "Northmoor Borough Council", None)
    arguments = {"run": ["--rollup-only"],
                 "simulate": ["--scenario", str(tmp_path / "unc.yaml"), "--paths", "8", "--rollup-only"],
                 "export": ["--folder", str(tmp_path / "packs")]}[command]
    (tmp_path / "unc.yaml").write_text(UNCERTAIN, encoding="utf-8")
    if command == "simulate":  # a demand driver must move a scheme: give both pools one that S1 follows
        for path in (first, second):
            text = Path(path).read_text(encoding="utf-8").replace(
                "        budget:", "        cost_drivers: [{driver: anything, elasticity: 1}]\n        budget:")
            Path(path).write_text(text, encoding="utf-8")
    assert main([command, first, second, *arguments]) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.startswith("Warning: ")]
    assert lines == [f"Warning: {second}:7 partners[0].name: 'Northmoor Borough Council' is counted as a different "
                     f"body from 'Northmoor Borough Council' in {first}: it is matched by its id 'council' (it has "
                     "no gss_code or ods_code) here and by gss_code E06999001 there. If they are one body, give it "
                     "the same code in every agreement (a council's gss_code, an NHS body's ods_code), so its "
                     "figures are added together; if they are different bodies, give them names that tell them "
                     "apart"]
    assert "Warning" not in captured.out


def test_no_warning_for_distinct_bodies_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = place(tmp_path, "a.yaml", "Northmoor Borough Council", "E06999001")
    second = place(tmp_path, "b.yaml", "Northmoor Metropolitan Council", None)
    assert main(["run", first, second, "--rollup-only"]) == 0
    assert capsys.readouterr().err == ""


def test_name_key() -> None:
    assert name_key("Northmoor Borough Council") == "northmoorboroughcouncil"
    assert name_key(" NORTHMOOR borough-council. ") == name_key("Northmoor Borough Council")
    assert name_key("Northmoor Borough Council") != name_key("Southmoor Borough Council")


def _partner(number: int, name: str) -> Partner:
    return Partner.model_validate({"id": f"p{number}", "name": name, "kind": "unitary_council",
                                   "vat": "council_s33"})


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=8))
def test_a_warning_exactly_for_each_body_whose_name_another_body_had_first(names: list[str]) -> None:
    # Every body is distinct (its own id); a warning for body i exactly when an earlier body's name has
    # the same letters and digits (in any capitals), and never for a name with none.
    partners = [RolledPartner(f"id p{i}", name, ("f.yaml",)) for i, name in enumerate(names)]
    warnings = same_name_warnings(partners, [("f.yaml", _partner(i, "x")) for i in range(len(names))])
    keys = [name_key(name) for name in names]
    expected = [i for i, key in enumerate(keys) if key and key in keys[:i]]
    assert len(warnings) == len(expected)
    assert all(repr(names[i]) in w.message for i, w in zip(expected, warnings, strict=True))


def test_every_bundled_example_together_gives_no_warning() -> None:
    # The examples' bodies that are one body share their codes: nothing to warn of.
    root = Path(__file__).resolve().parent.parent
    matching, errors = match_partners(loaded(*(str(p) for p in sorted((root / "examples").glob("*.yaml")))))
    assert errors == [] and matching.warnings == ()
