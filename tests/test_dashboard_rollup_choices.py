"""The Several agreements section keeps what was chosen, and never runs a roll-up other than the one asked for.

* Choices survive another tab (the tabs are lazy: a tab out of view is not
  drawn, and Streamlit forgets its widgets), the other scenario mode and an
  agreement left out for a while: the bundled agreements, the uploads (kept
  by their contents' hash until removed) and each agreement's own scenarios.
* Two uploads with one name (five pools each saved as ``agreement.yaml``)
  are two agreements; the same contents twice is refused as given twice.
* The sidebar's scenarios are checked against every agreement of the
  roll-up, and one that does not fit is refused, located, never left out; a
  broken re-upload is refused, never swapped for its earlier copy.
* The threshold stops at the largest amount accepted anywhere.
* A year an agreement does not run in: not counted, not listed as £0.00,
  left out of the JSON; and the roll-up is checked, body by body, against
  each agreement's own run, a check that fails on a wrong figure.

The hand-worked case for the years: Northmoor (2025-26 and 2026-27) and the
learning disability pool given Northmoor's ICB (ODS Q99, the same name),
which runs to 2027-28. In 2027-28 only the pool runs: the ICB is in one
agreement, and of the £250,000 the pool returns that year (£195,000 +
£55,000 in its own run) the ICB gets its fixed 22%: £250,000 x 22 / 100 =
£55,000.00.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from rollup_fixtures import LD, MOORLAND_ICB, NORTHMOOR, TWO_TIER, example_bytes, moorland_ld, shared_icb_two_tier
from streamlit.testing.v1 import AppTest
from test_dashboard_rollup import (
    APP,
    MONEY,
    SECTION,
    YAML,
    choose,
    engine_figures,
    errors,
    loaded,
    open_section,
    partner_row,
    picker,
    remove_buttons,
    table,
    upload,
)

from pooledfund.core.errors import InputError
from pooledfund.core.money import MAX_POUNDS
from pooledfund.dashboard.rollup import (
    ALL_YEARS,
    KeptUpload,
    RollupEntry,
    ScenarioRead,
    add_uploads,
    contents_key,
    reconciles,
    reconciliation_frame,
    rollup_differences,
    rollup_entries,
    rollup_json_bytes,
    run_rollup,
    sources_frame,
    threshold_pence,
)
from pooledfund.dashboard.uploads import InputFile, scenario_from_file
from pooledfund.engine.results import RunResult
from pooledfund.engine.rollup import Rollup
from pooledfund.engine.runner import run
from pooledfund.io.scenario_files import load_scenario
from pooledfund.model.agreement import Agreement

ROOT = Path(__file__).resolve().parents[1]
SHOCK = "scenarios/demand_shock.yaml"
INFLATION = "scenarios/high_inflation.yaml"
#: A scenario for the learning disability pools only: Northmoor has no such demand driver.
LD_ONLY = b"""scenario:
  id: ld_only
  name: LD packages up 20 percent
  demand:
    - {driver: learning_disability_packages, change_pct: 20, from: 2025-04-01}
"""


@pytest.fixture
def app() -> AppTest:
    """The page with the Several agreements section in view."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return open_section(at, SECTION)


def rollup_refusal(app: AppTest) -> str:
    """The roll-up's own refusal (not the sidebar's notes above the title about the sidebar's agreement)."""
    return next((e.value for e in app.error if e.value.startswith("No roll-up")), "")


def scenario_label(name: str) -> str:
    scenario = load_scenario(ROOT / name)[0]
    assert scenario is not None
    return scenario.label


# --- Choices kept ------------------------------------------------------------------------------------


def test_choices_survive_another_tab_the_other_mode_and_an_agreement_left_out(app: AppTest) -> None:
    choose(app, [NORTHMOOR, LD], [("moorland_ld.yaml", moorland_ld())])
    app.radio(key="rollup_scenario_mode").set_value("own").run()
    app.multiselect(key=picker(NORTHMOOR)).set_value([SHOCK])
    app.multiselect(key=picker("moorland_ld.yaml", moorland_ld())).set_value([INFLATION]).run()
    app.selectbox(key="rollup_year").set_value("2026-27").run()
    chosen = [scenario_label(SHOCK), "Base (budget as agreed)", scenario_label(INFLATION)]
    assert table(app, "Title", "Scenario")["Scenario"].tolist()[:3] == chosen
    # The other mode hides the agreements' own choosers; coming back shows them as they were.
    app.radio(key="rollup_scenario_mode").set_value("sidebar").run()
    assert not [m for m in app.multiselect if str(m.key).startswith("rollup_scenario:")]
    app.radio(key="rollup_scenario_mode").set_value("own").run()
    assert app.multiselect(key=picker(NORTHMOOR)).value == [SHOCK]
    # Another tab and back: the examples, the upload, the mode, each agreement's scenarios and the year.
    open_section(app, "Summary")
    open_section(app, SECTION)
    assert app.multiselect(key="rollup_examples").value == [NORTHMOOR, LD]
    assert app.radio(key="rollup_scenario_mode").value == "own"
    assert app.multiselect(key=picker(NORTHMOOR)).value == [SHOCK]
    assert app.multiselect(key=picker("moorland_ld.yaml", moorland_ld())).value == [INFLATION]
    assert app.selectbox(key="rollup_year").value == "2026-27"
    own = table(app, "Title", "Scenario")
    assert own["Agreement"].tolist()[:3] == [NORTHMOOR, LD, "moorland_ld.yaml"]
    assert own["Scenario"].tolist()[:3] == chosen
    # An agreement left out, then chosen again, keeps its own scenarios.
    app.multiselect(key="rollup_examples").set_value([LD]).run()
    assert not [m for m in app.multiselect if m.key == picker(NORTHMOOR)]
    app.multiselect(key="rollup_examples").set_value([LD, NORTHMOOR]).run()
    assert app.multiselect(key=picker(NORTHMOOR)).value == [SHOCK]
    assert not app.exception and not app.error, errors(app)


def test_an_upload_is_kept_until_its_remove_button_is_pressed(app: AppTest) -> None:
    choose(app, [NORTHMOOR], [("wealdshire.yaml", shared_icb_two_tier())])
    key = contents_key(InputFile("wealdshire.yaml", shared_icb_two_tier()))
    assert remove_buttons(app) == [f"rollup_remove:{key}"]
    assert any(c.value.startswith("**wealdshire.yaml**: ") for c in app.caption)
    open_section(app, "Checks")
    open_section(app, SECTION)
    # Still in the roll-up: the ICB is one body in both agreements.
    assert table(app, "Partner", "Agreements").set_index("Partner").loc[MOORLAND_ICB, "Agreements"] == 2
    app.button(key=f"rollup_remove:{key}").click().run()
    assert remove_buttons(app) == []
    assert any("Choose two or more agreements" in i.value for i in app.info)


def test_two_uploads_with_one_name_are_two_agreements_and_the_same_contents_twice_is_refused(app: AppTest) -> None:
    # Two pools each saved as agreement.yaml in its own folder.
    choose(app, [], [("agreement.yaml", example_bytes(NORTHMOOR)), ("agreement.yaml", moorland_ld())])
    app.radio(key="rollup_scenario_mode").set_value("own").run()
    assert not app.exception and not app.error, errors(app)
    assert [m.label for m in app.multiselect if str(m.key).startswith("rollup_scenario:")] == [
        "Scenarios for agreement.yaml", "Scenarios for agreement (2).yaml"]
    assert any(c.value.startswith("**agreement (2).yaml** (uploaded as agreement.yaml): Wealdham Learning")
               for c in app.caption)
    app.multiselect(key=picker("agreement.yaml", moorland_ld())).set_value([INFLATION]).run()
    own = table(app, "Title", "Scenario")
    assert own["Agreement"].tolist()[:2] == ["agreement.yaml", "agreement (2).yaml"]
    assert own["Scenario"].tolist()[:2] == ["Base (budget as agreed)", scenario_label(INFLATION)]
    assert table(app, "Partner", "Agreements").set_index("Partner").loc[MOORLAND_ICB, "Agreements"] == 2
    # The same contents again, under another name: refused in words, kept once.
    upload(app, [("northmoor_again.yaml", example_bytes(NORTHMOOR))])
    assert [w.value for w in app.warning if "given twice" in w.value] == [
        "northmoor_again.yaml is given twice: it has the same contents as agreement.yaml, uploaded already; each "
        "agreement is counted once, so it is kept once"]
    assert len(remove_buttons(app)) == 2
    assert not app.exception


def test_uploads_are_kept_by_contents_each_under_a_name_of_its_own() -> None:
    a, b = InputFile("agreement.yaml", b"one"), InputFile("agreement.yaml", b"two")
    kept, notes = add_uploads({}, [a, b, InputFile("agreement.yaml", b"three")])
    assert [(k.file.name, k.uploaded_as) for k in kept.values()] == [
        ("agreement.yaml", "agreement.yaml"), ("agreement (2).yaml", "agreement.yaml"),
        ("agreement (3).yaml", "agreement.yaml")]
    assert list(kept) == [contents_key(a), contents_key(b), contents_key(InputFile("x", b"three"))]
    assert notes == []
    # A workbook keeps its suffix (it is read as one by its name); a name a bundled example has is numbered too.
    more, notes = add_uploads(kept, [InputFile("pack.xlsx", b"PK1"), InputFile("pack.xlsx", b"PK2"),
                                     InputFile("examples/x.yaml", b"four"), InputFile("copy.yaml", b"two")],
                              taken=["examples/x.yaml"])
    assert [k.file.name for k in more.values()][3:] == ["pack.xlsx", "pack (2).xlsx", "examples/x (2).yaml"]
    assert notes == ["copy.yaml is given twice: it has the same contents as agreement (2).yaml, uploaded already; "
                     "each agreement is counted once, so it is kept once"]
    assert kept == dict(zip(kept, [KeptUpload(InputFile("agreement.yaml", b"one"), "agreement.yaml"),
                                   KeptUpload(InputFile("agreement (2).yaml", b"two"), "agreement.yaml"),
                                   KeptUpload(InputFile("agreement (3).yaml", b"three"), "agreement.yaml")],
                            strict=True))  # the kept uploads given are not changed


# --- The sidebar's scenarios -------------------------------------------------------------------------


def test_the_sidebar_scenarios_are_checked_against_every_agreement_never_left_out(app: AppTest) -> None:
    app.file_uploader(key="scenario_upload").set_value([("ld_only.yaml", LD_ONLY, YAML)])
    # It does not fit the sidebar's agreement (Northmoor) but fits both pools: both run under it.
    choose(app, [LD], [("moorland_ld.yaml", moorland_ld())])
    # (Above the title the sidebar says it is left out of the sidebar's agreement, which it does not fit.)
    assert [e.value.split(":")[0] for e in app.error] == ["ld_only.yaml could not be used; it is left out"]
    assert not app.exception
    own = table(app, "Title", "Scenario", *MONEY)
    assert own["Scenario"].tolist()[:2] == ["LD packages up 20 percent"] * 2
    # ... and the figures are the pools' own runs under it: the county council is one body in both.
    scenario = scenario_from_file(InputFile("ld_only.yaml", LD_ONLY), ROOT / "scenarios")[0]
    base = load_scenario(ROOT / "scenarios" / "base.yaml")[0]
    assert scenario is not None and base is not None
    county = partner_row(table(app, "Partner", "Agreements", *MONEY), "Wealdham County Council")
    pools = ((LD, example_bytes(LD)), ("moorland_ld.yaml", moorland_ld()))
    assert county["Net cost"] == sum(engine_figures(loaded(name, data), scenario, "Wealdham County Council",
                                                    None)["Net cost"] for name, data in pools)
    assert county["Net cost"] > sum(engine_figures(loaded(name, data), base, "Wealdham County Council",
                                                   None)["Net cost"] for name, data in pools)
    # With Northmoor in the roll-up it is refused, located at Northmoor, not left out for it.
    choose(app, [NORTHMOOR, LD])
    assert rollup_refusal(app).startswith("No roll-up: correct or remove the files named: 1 problem found.")
    assert ("ld_only.yaml:5 scenario.demand[0].driver: no scheme in bcf-northmoor lists "
            "'learning_disability_packages' in its cost_drivers, so this change would do nothing"
            ) in rollup_refusal(app)
    assert not app.table


def test_a_broken_re_upload_of_a_sidebar_scenario_is_refused_not_swapped_for_its_earlier_copy(app: AppTest) -> None:
    cut = (ROOT / "scenarios" / "council_cut.yaml").read_bytes()
    app.file_uploader(key="scenario_upload").set_value([("cut.yaml", cut, YAML)])
    choose(app, [NORTHMOOR, TWO_TIER])
    cut_label = scenario_label("scenarios/council_cut.yaml")
    assert table(app, "Title", "Scenario")["Scenario"].tolist()[:2] == [cut_label] * 2
    app.file_uploader(key="scenario_upload").set_value([("cut.yaml", b"scenario:\n  id: [unclosed\n", YAML)]).run()
    # The sidebar's agreement keeps the earlier copy, and says so above the title ...
    assert any("cut.yaml could not be used; the last valid upload of it stays in use" in e.value for e in app.error)
    # ... but the roll-up is not run on a copy nobody chose for it.
    assert "cut.yaml:2: this is not valid YAML" in rollup_refusal(app)
    assert not app.table


# --- The threshold -----------------------------------------------------------------------------------


def test_the_threshold_stops_at_the_largest_amount_and_never_raises(app: AppTest) -> None:
    choose(app, [NORTHMOOR, LD])
    app.radio(key="rollup_scenario_mode").set_value("own").run()
    app.multiselect(key=picker(NORTHMOOR)).set_value(["scenarios/uncertainty/uncertain_bcf.yaml"])
    app.multiselect(key=picker(LD)).set_value(["scenarios/uncertainty/uncertain_ld.yaml"]).run()
    app.number_input(key="rollup_paths").set_value(100)
    threshold = app.number_input(key="rollup_over")
    assert (threshold.min, threshold.max) == (0.0, float(MAX_POUNDS))
    threshold.set_value(1e22)
    app.button(key="rollup_simulate").click().run()
    assert not app.exception, [e.message for e in app.exception]
    assert not app.error, errors(app)
    # The largest amount itself is a question the paths can answer: no chance of paying more.
    app.number_input(key="rollup_over").set_value(float(MAX_POUNDS)).run()
    shown = table(app, "Exposure P10")
    assert (shown["Chance exposure > £100,000,000,000.00"] == 0).all()


def test_a_threshold_that_cannot_be_read_is_refused_in_words() -> None:
    assert threshold_pence(100_000.5) == (10_000_050, "")
    assert threshold_pence(float(MAX_POUNDS)) == (MAX_POUNDS * 100, "")
    assert threshold_pence(1e12) == (None, "Chance of paying more than (£): '1000000000000.00' is more than "
                                           "£100,000,000,000, far beyond any pooled budget; check the figure")
    assert threshold_pence(float("inf"))[0] is None
    assert threshold_pence(float("inf"))[1].startswith("Chance of paying more than (£): expected an amount")


# --- Years an agreement does not run in, and the check against each agreement's own run ----------------------


def test_a_year_one_agreement_does_not_run_in_counts_and_lists_only_the_other(app: AppTest) -> None:
    choose(app, [NORTHMOOR], [("moorland_ld.yaml", moorland_ld())])
    app.selectbox(key="rollup_year").set_value("2027-28").run()
    partners = table(app, "Partner", "Code", "Agreements", *MONEY)
    by_name = partners.set_index("Partner")
    assert (by_name.loc[MOORLAND_ICB, "Agreements"], by_name.loc["Total", "Agreements"]) == (1, 1)
    assert "Northmoor Borough Council" not in by_name.index  # in no agreement that runs in 2027-28
    icb = partner_row(partners, MOORLAND_ICB)
    # The module docstring: 22% of the £250,000 the pool returns.
    assert icb["Underspend returned"] == 55_000_00 == partner_row(partners, "Total")["Underspend returned"] * 22 // 100
    assert icb["Cash"] == engine_figures(loaded("moorland_ld.yaml", moorland_ld()), load_scenario(
        ROOT / "scenarios" / "base.yaml")[0] or pytest.fail("base"), MOORLAND_ICB, "2027-28")["Cash"]
    # Where it comes from: the pool alone, not Northmoor at £0.00.
    assert app.selectbox(key="rollup_partner").format_func(app.selectbox(key="rollup_partner").value) == MOORLAND_ICB
    sources = next(t.value for t in app.table if list(t.value.columns) == ["Agreement", *MONEY])
    assert sources["Agreement"].tolist() == ["moorland_ld.yaml", "All its agreements"]
    assert "Northmoor Borough Council" not in app.selectbox(key="rollup_partner").options
    assert any("partner by partner and in total, to the penny" in s.value for s in app.success)
    # Over all years both count.
    app.selectbox(key="rollup_year").set_value(ALL_YEARS).run()
    by_name = table(app, "Partner", "Agreements").set_index("Partner")
    assert (by_name.loc[MOORLAND_ICB, "Agreements"], by_name.loc["Total", "Agreements"]) == (2, 2)


def _northmoor_and_moorland_ld() -> tuple[list[RollupEntry], list[RunResult], Rollup]:
    """Northmoor and the pool given its ICB, each as agreed: the entries, their runs and the roll-up."""
    chosen: list[tuple[InputFile, Agreement | None, list[InputError], list[ScenarioRead]]] = [
        (InputFile(name, data), loaded(name, data), [], [])
        for name, data in ((NORTHMOOR, example_bytes(NORTHMOOR)), ("moorland_ld.yaml", moorland_ld()))]
    entries, matching, problems = rollup_entries(chosen)
    assert matching is not None and not problems
    results = [run(entry.agreement, entry.scenario) for entry in entries]
    return entries, results, run_rollup(entries, results, matching)


def test_the_json_leaves_out_a_year_none_of_a_body_s_agreements_runs_in() -> None:
    entries, results, rollup = _northmoor_and_moorland_ld()
    data = json.loads(rollup_json_bytes(entries, results, rollup))
    figures = {p["name"]: p["figures"] for p in data["rollup"]["partners"]}
    assert list(figures["Northmoor Borough Council"]) == ["2025-26", "2026-27", "all_years"]
    assert list(figures[MOORLAND_ICB]) == ["2025-26", "2026-27", "2027-28", "all_years"]
    assert figures[MOORLAND_ICB]["2027-28"]["underspend_return"] == 55_000.0
    # Each agreement's own results keep only their own years, as the command line writes them.
    assert [[y["year"] for y in a["years"]] for a in data["agreements"]] == [
        ["2025-26", "2026-27"], ["2025-26", "2026-27", "2027-28"]]


def test_the_check_against_each_agreement_s_own_run_fails_on_a_wrong_figure() -> None:
    entries, results, rollup = _northmoor_and_moorland_ld()
    for year in [*rollup.years, ALL_YEARS]:
        assert rollup_differences(entries, results, rollup, year) == []
        assert sources_frame(rollup, 0, year).iloc[-1]["Agreement"] == "All its agreements"
    # A penny of net cost moved from the council to the ICB in 2025-26: the grand total still agrees, so the
    # total-only comparison passes; the body-by-body check names both.
    totals = {measure: values.copy() for measure, values in rollup.totals.items()}
    council, icb = [p.name for p in rollup.partners].index("Northmoor Borough Council"), \
        [p.name for p in rollup.partners].index(MOORLAND_ICB)
    totals["net_cost"][0, council, 0] -= 1
    totals["net_cost"][0, icb, 0] += 1
    wrong = dataclasses.replace(rollup, totals=totals)
    assert reconciles(reconciliation_frame(entries, results, wrong, "2025-26"))
    # Northmoor's council pays £23,405,000.00 in 2025-26 and shares no over- or underspend (budget as agreed).
    council_net = int(rollup.values("net_cost", council, "2025-26")[0])
    assert council_net == 23_405_000_00
    icb_net = int(rollup.values("net_cost", icb, "2025-26")[0])
    assert rollup_differences(entries, results, wrong, "2025-26") == [
        "Northmoor Borough Council, net cost: the roll-up gives £23,404,999.99, its agreements' own runs "
        "£23,405,000.00 (£0.01 too little)",
        f"{MOORLAND_ICB}, net cost: the roll-up gives £{(icb_net + 1) / 100:,.2f}, its agreements' own runs "
        f"£{icb_net / 100:,.2f} (£0.01 too much)"]
    assert len(rollup_differences(entries, results, wrong, ALL_YEARS)) == 2
    assert rollup_differences(entries, results, wrong, "2026-27") == []
    # The agreements' runs under another scenario than the roll-up's: every figure that moved is named.
    shock = load_scenario(ROOT / SHOCK)[0]
    assert shock is not None
    shocked = [run(entries[0].agreement, shock), results[1]]
    found = rollup_differences(entries, shocked, rollup, "2025-26")
    assert found and all("Northmoor Borough Council" in f or MOORLAND_ICB in f for f in found)
    assert any("overspend share" in f for f in found)
