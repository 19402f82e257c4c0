"""Several agreements together: the roll-up by hand, partner codes, folders, the A:S syntax and its errors.

The hand-worked case: one integrated care board (ODS Q90) is party to two
place pools, each with its own council, each under its own scenario.

* Place A: council £400,000, ICB £600,000; one £1,000,000 scheme; scenario
  A adds £100,000 of spend. The £100,000 overspend is shared in proportion
  to contributions: council 40% = £40,000, ICB 60% = £60,000.
* Place B: council £250,000, ICB £750,000; one £1,000,000 scheme; scenario
  B takes £200,000 off. The £200,000 underspend is returned in proportion:
  council 25% = £50,000, ICB 75% = £150,000.

So the ICB, across both: cash £600,000 + £750,000 = £1,350,000; overspend
share £60,000; underspend returned £150,000; net cost £1,350,000 + £60,000
- £150,000 = £1,260,000 (= £660,000 in A + £600,000 in B).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rollup_fixtures import MOORLAND_ICB, NORTHMOOR, example_bytes, moorland_ld
from uncertainty_fixtures import PROPORTIONAL_POOL

from pooledfund.cli.app import main
from pooledfund.core.errors import InvalidInputError
from pooledfund.engine.rollup import Matching, RolledPartner, roll_up, run_figures
from pooledfund.engine.runner import run
from pooledfund.io.loader import load_agreement
from pooledfund.model.scenario import BASE

ROOT = Path(__file__).resolve().parent.parent

PLACE = """\
agreement:
  id: {id}
  title: {title}
  years: [2025-26]
  host_partner: council
partners:
  - {{id: council, name: {council}, kind: unitary_council, vat: council_s33, gss_code: {gss}}}
  - {{id: {icb}, name: NHS Example ICB, kind: integrated_care_board, vat: nhs_limited_recovery, ods_code: Q90}}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Pool
    contributions:
      - {{partner: council, year: 2025-26, source: additional_la, cash: {council_cash}}}
      - {{partner: {icb}, year: 2025-26, source: nhs_minimum, cash: {icb_cash}}}
    schemes:
      - id: S1
        name: Community services
        scheme_type: community_based_schemes
        area_of_spend: community_health
        commissioner: {icb}
        provider: nhs_community
        funding_source: nhs_minimum
        budget: {{2025-26: 1000000}}
    risk_share:
      - {{layer: proportional}}
    underspend:
      - rule: return_proportional
"""

SHOCK = """\
scenario:
  id: {id}
  name: {name}
  shocks:
    - {{scheme: S1, month: 2025-07, amount: {amount}}}
"""


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    """Two place pools sharing the ICB, and a scenario for each (see the module docstring)."""
    return {
        "a": write(tmp_path, "places/a.yaml", PLACE.format(id="place-a", title="Place A", council="Ashby Council",
                                                           gss="E06999101", icb="icb", council_cash=400000,
                                                           icb_cash=600000)),
        "b": write(tmp_path, "places/b.yaml", PLACE.format(id="place-b", title="Place B", council="Bexford Council",
                                                           gss="E06999102", icb="nhs", council_cash=250000,
                                                           icb_cash=750000)),
        "sa": write(tmp_path, "sa.yaml", SHOCK.format(id="more", name="More spend", amount=100000)),
        "sb": write(tmp_path, "sb.yaml", SHOCK.format(id="less", name="Less spend", amount=-200000)),
    }


def rollup_partners(path: Path) -> dict[str, dict[str, float]]:
    data = json.loads(path.read_text())
    return {p["name"]: p["figures"]["2025-26"] for p in data["rollup"]["partners"]}


def test_the_roll_up_worked_by_hand(places: dict[str, str], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.json"
    assert main(["run", f"{places['a']}:{places['sa']}", f"{places['b']}:{places['sb']}", "--json", str(out)]) == 0
    partners = rollup_partners(out)
    assert partners["NHS Example ICB"] == {"cash_contribution": 1_350_000.0, "in_kind": 0.0,
                                           "overspend_share": 60_000.0, "underspend_return": 150_000.0,
                                           "net_cost": 1_260_000.0}
    assert partners["Ashby Council"] == {"cash_contribution": 400_000.0, "in_kind": 0.0, "overspend_share": 40_000.0,
                                         "underspend_return": 0.0, "net_cost": 440_000.0}
    assert partners["Bexford Council"] == {"cash_contribution": 250_000.0, "in_kind": 0.0, "overspend_share": 0.0,
                                           "underspend_return": 50_000.0, "net_cost": 200_000.0}
    data = json.loads(out.read_text())
    icb = next(p for p in data["rollup"]["partners"] if p["code"] == "Q90")
    assert icb["matched_by"] == "ods_code" and icb["agreements"] == [places["a"], places["b"]]
    assert [a["file"] for a in data["agreements"]] == [places["a"], places["b"]]
    printed = capsys.readouterr().out
    # Each agreement's own tables, then the roll-up, its total row and where the ICB's net cost comes from.
    assert printed.count("== 2025-26 ==") == 3  # each agreement's year, then the roll-up's
    assert "Roll-up of 2 agreements" in printed
    lines = [line for line in printed.splitlines() if line.startswith("NHS Example ICB")]
    assert any(places["a"] in line and "£660,000.00" in line for line in lines)
    assert any(places["b"] in line and "£600,000.00" in line for line in lines)
    assert any("all its agreements" in line and "£1,260,000.00" in line for line in lines)


def test_rollup_only_prints_only_the_roll_up(places: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", f"{places['a']}:{places['sa']}", f"{places['b']}:{places['sb']}", "--rollup-only"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Roll-up of 2 agreements")
    total = next(line for line in printed.splitlines() if line.startswith("Total"))
    # cash £400,000 + £1,350,000 + £250,000; overspend £100,000; returned £200,000; net £1,900,000
    assert total.split()[1:] == ["£2,000,000.00", "£0.00", "£100,000.00", "£200,000.00", "£1,900,000.00"]


def test_a_year_an_agreement_does_not_run_in_counts_and_lists_only_the_others(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Northmoor runs 2025-26 and 2026-27; the learning disability pool given Northmoor's ICB (Q99) runs to 2027-28.
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_bytes(example_bytes(NORTHMOOR))
    b.write_bytes(moorland_ld())
    out = tmp_path / "out.json"
    assert main(["run", str(a), str(b), "--rollup-only", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    year = printed[printed.index("== 2027-28 =="):printed.index("== All years ==")]
    icb = next(line for line in year.splitlines() if line.startswith(MOORLAND_ICB))
    assert icb.split()[len(MOORLAND_ICB.split()) + 1] == "1"  # after its name and code: one agreement that year
    assert "Northmoor Borough Council" not in year  # in no agreement that runs in 2027-28
    assert str(a) not in year  # not a £0.00 source: with one agreement that year, no sources table at all
    everything = printed[printed.index("== All years =="):]
    assert next(line for line in everything.splitlines() if line.startswith(MOORLAND_ICB)).split()[
        len(MOORLAND_ICB.split()) + 1] == "2"
    assert any(line.startswith(MOORLAND_ICB) and str(a) in line for line in everything.splitlines())
    partners = {p["name"]: p["figures"] for p in json.loads(out.read_text())["rollup"]["partners"]}
    assert list(partners["Northmoor Borough Council"]) == ["2025-26", "2026-27", "all_years"]
    assert list(partners[MOORLAND_ICB]) == ["2025-26", "2026-27", "2027-28", "all_years"]


def test_a_folder_is_every_agreement_in_it(places: dict[str, str], tmp_path: Path) -> None:
    by_folder, by_files = tmp_path / "folder.json", tmp_path / "files.json"
    folder = str(Path(places["a"]).parent)
    assert main(["run", folder, "--scenario", places["sa"], "--json", str(by_folder), "--rollup-only"]) == 0
    assert main(["run", places["a"], places["b"], "--scenario", places["sa"], "--json", str(by_files),
                 "--rollup-only"]) == 0
    assert json.loads(by_folder.read_text()) == json.loads(by_files.read_text())
    # --scenario applies to both: the shock adds £100,000 to each pool; the ICB pays 60% of A's, 75% of B's.
    assert rollup_partners(by_folder)["NHS Example ICB"]["overspend_share"] == 60_000.0 + 75_000.0


def test_a_code_given_two_names_is_refused_where_it_is_written(places: dict[str, str], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    other = write(tmp_path, "c.yaml", PLACE.format(id="place-c", title="Place C", council="Cobham Council",
                                                     gss="E06999101", icb="icb", council_cash=400000,
                                                     icb_cash=600000))
    assert main(["run", places["a"], other]) == 1
    err = capsys.readouterr().err
    assert f"{other}:7 partners[0].name: gss_code E06999101 is 'Cobham Council' here but 'Ashby Council' in " \
           f"{places['a']}" in err
    assert err.strip().endswith("1 problem found.")


def test_without_codes_the_id_matches_and_a_clash_says_to_add_codes(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    one = write(tmp_path, "one.yaml", PROPORTIONAL_POOL)
    two = write(tmp_path, "two.yaml", PROPORTIONAL_POOL.replace("id: prop", "id: prop2")
                .replace("name: Council,", "name: Other Council,"))
    assert main(["run", one, two]) == 1
    err = capsys.readouterr().err
    assert "partners[0].name: id council is 'Other Council' here but 'Council' in" in err
    assert "give each council its gss_code" in err


def test_names_differing_only_in_capitals_and_spaces_are_one_body(tmp_path: Path) -> None:
    one = write(tmp_path, "one.yaml", PROPORTIONAL_POOL)
    two = write(tmp_path, "two.yaml", PROPORTIONAL_POOL.replace("id: prop", "id: prop2")
                .replace("name: Council,", "name: '  council ',"))
    out = tmp_path / "out.json"
    assert main(["run", one, two, "--json", str(out), "--rollup-only"]) == 0
    partners = rollup_partners(out)
    assert partners["Council"]["cash_contribution"] == 2 * 480_000.0


@pytest.mark.parametrize(
    ("arguments", "located", "words"),
    [
        (["{a}:{sa}", "{b}", "--scenario", "{sb}"], "{a}:{sa}",
         "this agreement has its own scenario (after ':') and --scenario gives one for every agreement"),
        (["{a}:", "{b}"], "{a}:", "a scenario file is missing after ':'"),
        (["{a}:{sa}+", "{b}"], "{a}:{sa}+", "a scenario file is missing after ':' or around '+'"),
        (["{a}:nowhere.yaml", "{b}"], "{a}:nowhere.yaml", "the scenario file nowhere.yaml does not exist"),
        (["nowhere.yaml:{sa}", "{b}"], "nowhere.yaml:{sa}", "no agreement file or folder before any ':' exists"),
        (["{a}", "{folder}"], "{folder}", "{a} is already given by {a}"),
        (["{empty}", "{a}"], "{empty}", "the folder holds no agreement files"),
    ],
    ids=["own-and-shared", "empty-scenario", "dangling-plus", "missing-scenario", "missing-agreement", "twice",
         "empty-folder"],
)
def test_argument_mistakes_are_located_at_the_argument(
    places: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], located: str,
    words: str,
) -> None:
    (tmp_path / "empty").mkdir()
    names = {**places, "folder": str(Path(places["a"]).parent), "empty": str(tmp_path / "empty")}
    assert main(["run", *(argument.format(**names) for argument in arguments)]) == 1
    err = capsys.readouterr().err
    assert f"{located.format(**names)}: {words.format(**names)}" in err


def test_the_same_agreement_id_in_two_files_is_refused(places: dict[str, str], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    copy = write(tmp_path, "copy.yaml", Path(places["a"]).read_text())
    assert main(["run", places["a"], copy]) == 1
    assert f"{copy}:2 agreement.id: agreement id 'place-a' is also the id of {places['a']}" \
        in capsys.readouterr().err


def test_every_file_s_problems_are_listed_and_a_shared_scenario_s_once(places: dict[str, str], tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # A mistake in the shared scenario file itself is the same problem for every agreement: listed once.
    bad = write(tmp_path, "bad.yaml", "scenario:\n  id: bad\n  shocks:\n    - {scheme: S1, month: 2025-13, "
                                      "amount: 1000}\n")
    assert main(["run", places["a"], places["b"], "--scenario", bad]) == 1
    err = capsys.readouterr().err
    assert err.count("bad.yaml:4 scenario.shocks[0].month") == 1
    assert err.strip().endswith("1 problem found.")
    # A scheme one agreement lacks is a problem with each agreement: each is named.
    nope = write(tmp_path, "nope.yaml", "scenario:\n  id: nope\n  shocks:\n    - {scheme: NOPE, month: 2025-07, "
                                        "amount: 1000}\n")
    assert main(["run", places["a"], places["b"], "--scenario", nope]) == 1
    err = capsys.readouterr().err
    assert "'NOPE' is not a scheme in place-a" in err and "'NOPE' is not a scheme in place-b" in err


def test_the_same_mistake_in_two_files_is_listed_for_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Two files with word-for-word the same problem are two problems: each file is named, none is dropped as a
    # repeat (only one shared file's own problem is listed once, above).
    for name in ("first", "second"):
        write(tmp_path, f"{name}.yaml", PLACE.format(id=name, title=name, council="C", gss="E05000001", icb="icb",
                                                    council_cash=400000, icb_cash=600000))
    assert main(["run", str(tmp_path / "first.yaml"), str(tmp_path / "second.yaml")]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'first.yaml'}:7" in err and f"{tmp_path / 'second.yaml'}:7" in err
    assert err.strip().endswith("2 problems found.")


def test_exit_codes(places: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", places["a"], places["b"]]) == 0
    assert main(["run", places["a"], places["b"], "--csv", str(tmp_path / "csv")]) == 1
    assert "--csv writes one agreement's tables" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["run"])
    assert usage.value.code == 2
    out = tmp_path / "out.json"
    out.write_text("mine")
    assert main(["run", places["a"], places["b"], "--json", str(out)]) == 1
    assert out.read_text() == "mine"


def test_a_partner_with_both_codes_or_a_malformed_one_is_refused(tmp_path: Path) -> None:
    both = PLACE.format(id="p", title="P", council="Ashby Council", gss="E06999101", icb="icb", council_cash=400000,
                        icb_cash=600000).replace("gss_code: E06999101}", "gss_code: E06999101, ods_code: ABC}")
    _, errors = load_agreement(write(tmp_path, "both.yaml", both))
    assert any("give one code" in e.message and e.source.line == 7 for e in errors)
    for code, words in (("E05000001", "is not a council's GSS code"), ("E0800001", "is not a council's GSS code")):
        text = PLACE.format(id="p", title="P", council="C", gss=code, icb="icb", council_cash=400000,
                            icb_cash=600000)
        _, errors = load_agreement(write(tmp_path, f"{code}.yaml", text))
        assert any(words in e.message and e.source.line == 7 for e in errors), errors
    text = PLACE.format(id="p", title="P", council="C", gss="E06999101", icb="icb", council_cash=400000,
                        icb_cash=600000).replace("ods_code: Q90", "ods_code: 'Q-9'")
    _, errors = load_agreement(write(tmp_path, "ods.yaml", text))
    assert any("is not an NHS organisation (ODS) code" in e.message for e in errors)


def test_codes_are_read_in_capitals_and_one_code_names_one_partner(tmp_path: Path) -> None:
    text = PLACE.format(id="p", title="P", council="C", gss="e06999101", icb="icb", council_cash=400000,
                        icb_cash=600000).replace("ods_code: Q90", "ods_code: q90")
    agreement, errors = load_agreement(write(tmp_path, "lower.yaml", text))
    assert errors == [] and agreement is not None
    assert [p.match_key for p in agreement.partners] == ["GSS E06999101", "ODS Q90"]
    twice = text.replace("ods_code: q90", "gss_code: E06999101")
    _, errors = load_agreement(write(tmp_path, "twice.yaml", twice))
    assert [(e.source.line, e.message) for e in errors] == [
        (8, "E06999101 is also the gss_code of partner 'council'; a code names one body, so give each partner its "
            "own")]


@st.composite
def figures_and_matching(draw: st.DrawFn) -> tuple[list[dict[str, dict[str, np.ndarray]]], Matching]:
    bodies = draw(st.integers(1, 6))
    paths = draw(st.integers(1, 4))
    years = ["2025-26", "2026-27", "2027-28"]
    agreements = draw(st.integers(1, 5))
    figures, columns = [], []
    amounts = st.integers(-10**13, 10**13)
    for _ in range(agreements):
        mine = draw(st.lists(st.integers(0, bodies - 1), min_size=1, max_size=bodies, unique=True))
        its_years = draw(st.lists(st.sampled_from(years), min_size=1, max_size=3, unique=True))
        figures.append({year: {m: np.array(draw(st.lists(st.lists(amounts, min_size=len(mine), max_size=len(mine)),
                                                         min_size=paths, max_size=paths)), dtype=np.int64)
                               for m in ("cash_contribution", "in_kind", "overspend_share", "underspend_return",
                                         "net_cost")}
                        for year in its_years})
        columns.append(mine)
    partners = [RolledPartner(f"id p{i}", f"P{i}", ()) for i in range(bodies)]
    return figures, Matching(partners, columns)


@settings(max_examples=150, deadline=None)
@given(figures_and_matching())
def test_each_total_is_the_sum_of_the_agreements_figures_to_the_penny(
    case: tuple[list[dict[str, dict[str, np.ndarray]]], Matching],
) -> None:
    figures, matching = case
    rollup = roll_up([f"a{i}" for i in range(len(figures))], figures, matching)
    for measure in rollup.measures:
        for body in range(len(matching.partners)):
            for year in [*rollup.years, None]:
                expected = np.zeros(rollup.paths, dtype=np.int64)
                for table, columns in zip(figures, matching.columns, strict=True):
                    if body in columns:
                        for one in table:
                            if year in (None, one):
                                expected += table[one][measure][:, columns.index(body)]
                assert np.array_equal(rollup.values(measure, body, year), expected)
    # And against the figures directly: every penny given is in the totals once.
    for measure in rollup.measures:
        given_total = sum(int(t[y][measure].sum()) for t in figures for y in t)
        assert int(rollup.totals[measure].sum()) == given_total


def test_the_roll_up_of_the_examples_adds_up_to_their_runs() -> None:
    labels, figures, agreements = [], [], []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        agreement, errors = load_agreement(path)
        assert agreement is not None, errors
        agreements.append((str(path), agreement))
        labels.append(str(path))
        figures.append(run_figures(run(agreement, BASE)))
    from pooledfund.engine.rollup import match_partners

    matching, errors = match_partners(agreements)
    assert errors == []
    rollup = roll_up(labels, figures, matching)
    for measure in rollup.measures:
        assert int(rollup.totals[measure].sum()) == sum(int(f[y][measure].sum()) for f in figures for y in f)


def test_match_errors_make_the_cli_raise_not_roll_up(places: dict[str, str]) -> None:
    from pooledfund.cli.several import match_agreements, parse_agreement_arguments

    inputs = parse_agreement_arguments([places["a"], places["a"].replace("a.yaml", "b.yaml")], [])
    agreements = [load_agreement(item.path)[0] for item in inputs]
    assert all(agreements)
    matching = match_agreements(inputs, [a for a in agreements if a is not None])
    assert [p.key for p in matching.partners] == ["GSS E06999101", "ODS Q90", "GSS E06999102"]
    with pytest.raises(InvalidInputError):
        match_agreements(inputs[:1] * 2, [agreements[0], agreements[0]])  # type: ignore[list-item]


UNCERTAIN = """\
scenario:
  id: unc
  name: Uncertain fees
uncertainty:
  drivers:
    - {id: care_fee_inflation, type: inflation, key: care_fees, distribution: {kind: normal, mean: 0, sd: 2}}
"""

OWN_DRIVER = """\
scenario:
  id: own
  name: Uncertain fees and its own admissions
uncertainty:
  drivers:
    - {id: local_admissions, type: demand, key: care_home_admissions, distribution: {kind: normal, mean: 0, sd: 5}}
    - {id: care_fee_inflation, type: inflation, key: care_fees, distribution: {kind: normal, mean: 0, sd: 4}}
"""


def _two_pools(tmp_path: Path) -> tuple[str, str]:
    # Two copies of the proportional pool (module uncertainty_fixtures: net cost of the council
    # £480,000 + £4,800 x at x% fee inflation), sharing the ICB by its code and with councils of their own.
    budgeted = PROPORTIONAL_POOL + "assumptions:\n  inflation:\n    care_fees: {2025-26: 0}\n"
    one = budgeted.replace("name: Council,", "name: Council One, gss_code: E06999201,")
    two = (budgeted.replace("id: prop", "id: prop2")
           .replace("name: Council,", "name: Council Two, gss_code: E06999202,"))
    return write(tmp_path, "one.yaml", one), write(tmp_path, "two.yaml", two)


def test_a_driver_named_the_same_moves_every_agreement_together(tmp_path: Path) -> None:
    from pooledfund.io.uncertainty_files import load_uncertain_scenario
    from pooledfund.uncertainty.rollup import shared_draws

    shared, _, _ = load_uncertain_scenario(write(tmp_path, "unc.yaml", UNCERTAIN))
    own_s, own_spec, _ = load_uncertain_scenario(write(tmp_path, "own.yaml", OWN_DRIVER))
    _, spec, _ = load_uncertain_scenario(str(tmp_path / "unc.yaml"))
    assert shared is not None and spec is not None and own_s is not None and own_spec is not None
    first, second, third = shared_draws([spec, spec, own_spec], 4000, seed=7)
    # Same driver, same description: the same value on every path in both agreements.
    assert np.array_equal(first.drivers[:, 0], second.drivers[:, 0])
    # Same driver, sd 4 where the others say 2: the same percentile, so exactly twice the value.
    assert np.allclose(third.drivers[:, 1], 2 * first.drivers[:, 0])
    # A driver only one agreement has is independent of the shared one.
    assert abs(np.corrcoef(third.drivers[:, 0], first.drivers[:, 0])[0, 1]) < 0.05
    # The same seed gives the same draws; another seed others.
    again = shared_draws([spec], 4000, seed=7)[0]
    assert np.array_equal(again.drivers, first.drivers)
    assert not np.array_equal(shared_draws([spec], 4000, seed=8)[0].drivers, first.drivers)


def test_simulate_several_sums_each_body_s_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one, two = _two_pools(tmp_path)
    scenario = write(tmp_path, "unc.yaml", UNCERTAIN)
    out = tmp_path / "sim.json"
    assert main(["simulate", one, two, "--scenario", scenario, "--paths", "400", "--seed", "3", "--json", str(out),
                 "--over", "10000", "--rollup-only"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Roll-up of 2 agreements") and "P(exposure > £10,000.00)" in printed
    data = json.loads(out.read_text())
    icb = next(p for p in data["rollup"]["partners"] if p["name"] == "ICB")
    assert icb["agreements"] == [one, two] and icb["key"] == "id icb"
    # Both pools share the fee driver, so the ICB's exposure is exactly twice its exposure in one pool:
    # 60% of £12,000 x, twice. Each pool's own P50 net cost is £720,000 + £7,200 x50.
    pool = data["agreements"][0]["years"][0]["partners"][1]
    assert pool["id"] == "icb"
    figures = icb["figures"]["2025-26"]
    assert figures["contributions"] == 2 * 720_000.0
    assert figures["net_cost"]["p50"] == pytest.approx(2 * pool["net_cost"]["p50"], abs=0.011)
    assert figures["exposure"]["p50"] == pytest.approx(2 * (pool["net_cost"]["p50"] - 720_000), abs=0.011)
    # The chance the ICB's exposure passes £10,000: 2 x £7,200 x > £10,000, so x > 0.694%, P = 1 - Phi(0.347).
    assert figures["probability_exposure_over"] == pytest.approx(0.364, abs=0.06)
    assert data["rollup"]["over"] == 10_000.0


def test_simulate_several_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one, two = _two_pools(tmp_path)
    scenario = write(tmp_path, "unc.yaml", UNCERTAIN)
    assert main(["simulate", one, two, "--scenario", scenario, "--over", "-5"]) == 1
    assert "--over: must be £0 or more" in capsys.readouterr().err
    assert main(["simulate", one, two, "--scenario", scenario, "--over", "lots"]) == 1
    assert capsys.readouterr().err.startswith("--over: ")
    assert main(["simulate", one, f"{two}:{scenario}", "--scenario", scenario]) == 1
    assert "has its own scenario" in capsys.readouterr().err
    assert main(["simulate", one, two]) == 1
    assert "none of the scenario files has an 'uncertainty:' section" in capsys.readouterr().err


def test_export_several_writes_a_pack_each_and_a_roll_up_that_recalculates(
    places: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook
    from tools import recalculate

    folder = tmp_path / "packs"
    assert main(["export", f"{places['a']}:{places['sa']}", f"{places['b']}:{places['sb']}", "--folder",
                 str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["a.xlsx", "b.xlsx", "rollup.xlsx"]
    assert "2 sign-off packs and rollup.xlsx written" in capsys.readouterr().out
    recalculate(str(folder / "rollup.xlsx"), str(tmp_path / "recalculated.xlsx"))
    sheet = load_workbook(tmp_path / "recalculated.xlsx", data_only=True)["Roll-up"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    total = next(row for row in rows if row[0] == "Total, all years")
    # All years = the one year: cash £2,000,000, overspend £100,000, returned £200,000, net £1,900,000.
    assert total[4:9] == [2_000_000, 0, 100_000, 200_000, 1_900_000]
    icb = [row for row in rows if row[1] == "NHS Example ICB"]
    assert [row[8] for row in icb] == [1_260_000, 1_260_000]
    # A second export refuses the folder unless --force; the packs are never mixed with other files.
    assert main(["export", places["a"], places["b"], "--folder", str(folder)]) == 1
    assert "already has" in capsys.readouterr().err
    assert main(["export", places["a"], places["b"], "--folder", str(folder), "--force"]) == 0
    with pytest.raises(SystemExit) as stopped:  # the command used wrongly: exit 2
        main(["export", places["a"], places["b"], "--xlsx", str(tmp_path / "x.xlsx")])
    assert stopped.value.code == 2
    assert "--xlsx writes one agreement's pack" in capsys.readouterr().err
    assert main(["export", places["a"], "--xlsx", str(tmp_path / "x.xlsx"), "--folder", str(folder)]) == 1
    assert "not both" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["export", places["a"]])
    assert stopped.value.code == 2
    assert "give --xlsx OUT for the sign-off pack (or, for several agreements, a folder" in capsys.readouterr().err


def _rollup_rows(folder: Path, tmp_path: Path) -> tuple[list[list[object]], list[list[object]]]:
    """The Roll-up and By agreement sheets of ``folder``'s rollup.xlsx, recalculated by LibreOffice."""
    from openpyxl import load_workbook
    from tools import recalculate

    recalculate(str(folder / "rollup.xlsx"), str(tmp_path / "recalculated.xlsx"))
    book = load_workbook(tmp_path / "recalculated.xlsx", data_only=True)
    return ([[cell.value for cell in row] for row in book["Roll-up"].iter_rows()],
            [[cell.value for cell in row] for row in book["By agreement"].iter_rows()])


@pytest.mark.parametrize(
    ("run_scenarios", "export_scenarios"),
    [
        (["--scenario", "{sa}", "--scenario", "{sb}"], ["--scenario", "{sa}+{sb}"]),
        (["--scenario", "{sa}"], ["--scenario", "{sa}"]),
        ([], []),
    ],
    ids=["two-in-order", "one", "none"],
)
def test_export_folder_rolls_up_what_run_runs(
    places: dict[str, str], tmp_path: Path, run_scenarios: list[str], export_scenarios: list[str],
) -> None:
    out, folder = tmp_path / "run.json", tmp_path / "packs"
    assert main(["run", places["a"], places["b"], *(a.format(**places) for a in run_scenarios), "--json", str(out),
                 "--rollup-only"]) == 0
    assert main(["export", places["a"], places["b"], *(a.format(**places) for a in export_scenarios), "--folder",
                 str(folder)]) == 0
    rollup = json.loads(out.read_text())["rollup"]
    rows, _ = _rollup_rows(folder, tmp_path)
    by_name = {p["name"]: p["figures"] for p in rollup["partners"]}
    measures = ["cash_contribution", "in_kind", "overspend_share", "underspend_return", "net_cost"]
    checked = 0
    for row in rows:
        if row[0] in ("2025-26", "All years") and row[1] in by_name:
            figures = by_name[str(row[1])]["2025-26" if row[0] == "2025-26" else "all_years"]
            assert row[4:9] == [figures[m] for m in measures], row
            checked += 1
    assert checked == 2 * 3  # three bodies, each in 2025-26 and all years
    total = next(row for row in rows if row[0] == "Total, all years")
    assert total[4:9] == [round(sum(p["figures"]["all_years"][m] for p in rollup["partners"]), 2) for m in measures]


def test_two_scenarios_applied_in_order_worked_by_hand(places: dict[str, str], tmp_path: Path) -> None:
    # sa adds £100,000 to each pool's scheme, then sb takes £200,000 off: a £100,000 underspend in each, returned
    # in proportion. A: council 40% = £40,000, ICB 60% = £60,000. B: council 25% = £25,000, ICB 75% = £75,000.
    # The ICB: cash £1,350,000, returned £135,000, net £1,215,000. Total net £2,000,000 - £200,000 = £1,800,000.
    # (The first scenario alone, as the roll-up used to be built, gives overspends instead: net £2,200,000.)
    folder = tmp_path / "packs"
    assert main(["export", places["a"], places["b"], "--scenario", f"{places['sa']}+{places['sb']}", "--folder",
                 str(folder)]) == 0
    rows, by_agreement = _rollup_rows(folder, tmp_path)
    icb = next(row for row in rows if row[0] == "All years" and row[1] == "NHS Example ICB")
    assert icb[4:9] == [1_350_000, 0, 0, 135_000, 1_215_000]
    total = next(row for row in rows if row[0] == "Total, all years")
    assert total[4:9] == [2_000_000, 0, 0, 200_000, 1_800_000]
    # Each agreement is named with the scenario its figures were run under, files in the order applied.
    used = f"More spend + Less spend ({places['sa']} then {places['sb']})"
    assert rows[1][0] == f"{places['a']}: Place A; scenario: {used}"
    assert rows[2][0] == f"{places['b']}: Place B; scenario: {used}"
    assert by_agreement[0][:4] == ["Partner", "Code", "Agreement", "Scenario"]
    assert {row[3] for row in by_agreement[1:]} == {used}


def test_export_folder_names_each_agreement_s_own_scenario_or_none(places: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "packs"
    assert main(["export", f"{places['a']}:{places['sa']}", places["b"], "--folder", str(folder)]) == 0
    rows, by_agreement = _rollup_rows(folder, tmp_path)
    assert rows[1][0] == f"{places['a']}: Place A; scenario: More spend ({places['sa']})"
    assert rows[2][0] == f"{places['b']}: Place B; scenario: Base (budget as agreed): no scenario file"
    scenario_of = {row[2]: row[3] for row in by_agreement[1:]}
    assert scenario_of == {places["a"]: f"More spend ({places['sa']})",
                           places["b"]: "Base (budget as agreed): no scenario file"}


def test_several_scenario_options_with_a_folder_are_refused(places: dict[str, str], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "packs"
    assert main(["export", places["a"], places["b"], "--scenario", places["sa"], "--scenario", places["sb"],
                 "--folder", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("--scenario: given 2 times with --folder: pooledfund run applies several --scenario one "
                          "after the other, but a sign-off pack shows them side by side")
    assert f"give them as one: --scenario {places['sa']}+{places['sb']};" in err
    assert err.strip().endswith("1 problem found.")
    assert not folder.exists()


def test_the_roll_up_workbook_without_scenarios_says_so(places: dict[str, str]) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from pooledfund.engine.rollup import match_partners
    from pooledfund.io.excel.rollup_book import rollup_workbook_bytes

    agreements = [(places[k], load_agreement(places[k])[0]) for k in ("a", "b")]
    matching, _ = match_partners([(label, a) for label, a in agreements if a is not None])
    results = [run(a, BASE) for _, a in agreements if a is not None]
    rollup = roll_up([places["a"], places["b"]], [run_figures(r) for r in results], matching)
    book = load_workbook(BytesIO(rollup_workbook_bytes(rollup, ["Place A", "Place B"])))
    assert book["Roll-up"]["A2"].value == f"{places['a']}: Place A; scenario: not recorded"
    with pytest.raises(ValueError, match="one scenario per agreement: 2 agreements, 1 scenarios"):
        rollup_workbook_bytes(rollup, ["Place A", "Place B"], scenarios=["base"])


def test_england_adds_up_to_the_national_totals() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate_england import DFG, LA_BETTER_CARE_GRANT, NHS_MINIMUM, england
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    from decimal import Decimal

    areas = england()
    assert len(areas) == 153
    totals: dict[str, Decimal] = {}
    boards = set()
    for data in areas:
        for row in data["arrangements"][0]["contributions"]:
            totals[row["source"]] = totals.get(row["source"], Decimal(0)) + Decimal(str(row["cash"]))
        boards |= {p["ods_code"] for p in data["partners"] if "ods_code" in p}
    assert totals == {"nhs_minimum": Decimal(NHS_MINIMUM) / 100,
                      "local_authority_better_care_grant": Decimal(LA_BETTER_CARE_GRANT) / 100,
                      "dfg": Decimal(DFG) / 100}
    assert len(boards) == 42
    assert sum(len([p for p in d["partners"] if "ods_code" in p]) > 1 for d in areas) == 18
