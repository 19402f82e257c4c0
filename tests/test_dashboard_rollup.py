"""The dashboard's Several agreements section: agreements chosen or uploaded, rolled up to the penny.

The hand-worked case: Northmoor and the two-tier county whose second ICB is
given Northmoor's (ODS Q99, the same name), with the budget as agreed.

* In Northmoor the ICB pays £38,675,000 into the pool in 2025-26 and nothing
  is over- or underspent that it shares (the contingency is carried forward).
* In the county it pays £12,180,000 of the £80,540,000 pool (county council
  £28,790,000, Weald and Downs ICB £39,570,000); the £500,000 risk pool is
  unspent and returned in proportion to contributions: £500,000 x 12,180,000
  / 80,540,000 = £75,614.6027..., £75,614.60 to the penny (the odd penny of the
  split goes to the county council, whose remainder is largest).

So in 2025-26 the ICB, across both: cash £38,675,000 + £12,180,000 =
£50,855,000.00; underspend returned £75,614.60; net cost £50,855,000.00 -
£75,614.60 = £50,779,385.40. The page is driven headless with
``streamlit.testing.v1.AppTest``, widgets found by key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rollup_fixtures import (
    LD,
    MOORLAND_ICB,
    NORTHMOOR,
    TWO_TIER,
    example_bytes,
    independent_copy,
    renamed_council_copy,
    shared_icb_two_tier,
)
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import FileUploader

from pooledfund.cli.app import main
from pooledfund.core.money import to_pence
from pooledfund.dashboard.rollup import (
    ALL_YEARS,
    RollupEntry,
    ScenarioRead,
    contents_key,
    partner_frame,
    reconciles,
    reconciliation_frame,
    repeated_files,
    rollup_entries,
    rollup_json_bytes,
    run_rollup,
    sources_frame,
)
from pooledfund.dashboard.uploads import InputFile, agreement_from_file
from pooledfund.engine.results import RunResult
from pooledfund.engine.rollup import match_partners, roll_up
from pooledfund.engine.runner import run
from pooledfund.io.scenario_files import load_scenario
from pooledfund.io.uncertainty_files import load_uncertain_scenario
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE, Scenario
from pooledfund.reports.tables import POSITION_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
SECTION = "Several agreements"
YAML = "application/x-yaml"
UNCERTAIN_BCF = "scenarios/uncertainty/uncertain_bcf.yaml"
UNCERTAIN_LD = "scenarios/uncertainty/uncertain_ld.yaml"
MONEY = list(POSITION_COLUMNS.values())


@pytest.fixture
def app() -> AppTest:
    """The page with the Several agreements section in view (the tabs are lazy: only the tab in view runs)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return open_section(at, SECTION)


def open_section(at: AppTest, section: str) -> AppTest:
    at.session_state["section"] = section
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def uploader(at: AppTest) -> FileUploader:
    """The section's file chooser (its key ends in how many times it has been emptied: a new one after each upload)."""
    return next(u for u in at.get("file_uploader") if str(u.key).startswith("rollup_uploads:"))


def upload(at: AppTest, uploads: Sequence[tuple[str, bytes]]) -> AppTest:
    """Upload files in the section's chooser (they join the uploads kept), then rerun."""
    uploader(at).set_value([(name, data, YAML) for name, data in uploads])
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def remove_buttons(at: AppTest) -> list[str]:
    return [str(b.key) for b in at.button if str(b.key).startswith("rollup_remove:")]


def choose(at: AppTest, examples: Sequence[str] = (), uploads: Sequence[tuple[str, bytes]] = ()) -> AppTest:
    """Pick bundled examples, remove every upload kept and upload these files instead, then rerun."""
    at.multiselect(key="rollup_examples").set_value(list(examples))
    at.run()
    while remove_buttons(at):
        at.button(key=remove_buttons(at)[0]).click().run()
    if uploads:
        upload(at, uploads)
    assert not at.exception, [e.message for e in at.exception]
    return at


def picker(name: str, data: bytes | None = None) -> str:
    """The key of an agreement's own scenario chooser: the hash of its contents (a bundled example's by default)."""
    return f"rollup_scenario:{contents_key(InputFile(name, example_bytes(name) if data is None else data))}"


def table(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first static table on the page with all these columns."""
    return next(t.value for t in at.table if set(columns) <= set(t.value.columns))


def partner_row(frame: pd.DataFrame, name: str) -> dict[str, int]:
    row = frame[frame["Partner"] == name]
    assert len(row) == 1, frame
    return {column: int(row.iloc[0][column]) for column in MONEY}


def errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def loaded(name: str, data: bytes) -> Agreement:
    agreement, problems = agreement_from_file(InputFile(name, data))
    assert agreement is not None and not problems, problems
    return agreement


def engine_figures(agreement: Agreement, scenario: Scenario, partner_name: str, year: str | None) -> dict[str, int]:
    """One partner's figures in one agreement's own run, by the engine (a year, or every year added)."""
    result = run(agreement, scenario)
    column = [agreement_partner.name for agreement_partner in agreement.partners].index(partner_name)
    figures = dict.fromkeys(MONEY, 0)
    for one in result.years:
        if year is None or one == year:
            totals = result.partner_totals(one)
            for measure, words in POSITION_COLUMNS.items():
                figures[words] += int(totals[measure][0, column])
    return figures


# --- On the page ------------------------------------------------------------------------------------


def test_the_section_asks_for_two_agreements_and_leaves_the_sidebar_agreement_out(app: AppTest) -> None:
    assert any("Choose two or more agreements" in i.value for i in app.info)
    # The sidebar agreement's board summary, partner figures and downloads are not shown above the roll-up ...
    assert not [s for s in app.subheader if s.value.startswith("Board summary")]
    assert not app.metric and not app.download_button
    # ... and come back, unchanged, on any other section.
    open_section(app, "Summary")
    assert [s.value for s in app.subheader if s.value.startswith("Board summary")] == ["Board summary, 2025-26"]
    assert [b.key for b in app.download_button] == ["download_pack", "download_json"]


def test_a_body_in_two_agreements_is_summed_to_the_penny(app: AppTest) -> None:
    choose(app, [NORTHMOOR], [("wealdshire.yaml", shared_icb_two_tier())])
    app.selectbox(key="rollup_year").set_value("2025-26").run()
    partners = table(app, "Partner", "Code", "Agreements", *MONEY)
    # Six bodies, not seven: the ICB is one body in both agreements (its ODS code and name agree).
    assert partners["Partner"].tolist()[:2] == ["Northmoor Borough Council", MOORLAND_ICB]
    assert len(partners) == 6 + 1  # and the Total row
    icb = partners[partners["Partner"] == MOORLAND_ICB].iloc[0]
    assert (icb["Code"], icb["Agreements"]) == ("Q99", 2)
    # The hand-worked figures (module docstring).
    assert partner_row(partners, MOORLAND_ICB) == {"Cash": 50_855_000_00, "In kind": 0, "Overspend share": 0,
                                                   "Underspend returned": 75_614_60, "Net cost": 50_779_385_40}
    # Where it comes from: each agreement's own run of it, and their sum.
    assert app.selectbox(key="rollup_partner").format_func(app.selectbox(key="rollup_partner").value) == MOORLAND_ICB
    sources = next(t.value for t in app.table if list(t.value.columns) == ["Agreement", *MONEY])
    assert sources["Agreement"].tolist() == [NORTHMOOR, "wealdshire.yaml", "All its agreements"]
    assert [int(v) for v in sources["Net cost"]] == [38_675_000_00, 12_104_385_40, 50_779_385_40]
    # The total row adds up every body, and equals the two agreements' own totals.
    assert all(int(partners.iloc[-1][c]) == int(partners.iloc[:-1][c].sum()) for c in MONEY)
    own = table(app, "Title", "Scenario", *MONEY)
    assert own["Agreement"].tolist()[-2:] == ["Sum of the agreements' own totals", "Roll-up total (every partner)"]
    assert [int(v) for v in own["Net cost"]] == [62_080_000_00, 80_040_000_00, 142_120_000_00, 142_120_000_00]
    assert any("to the penny" in s.value for s in app.success)
    matching = table(app, "Matched by")
    assert matching.loc[matching["Partner"] == MOORLAND_ICB, "Agreements"].item() == f"{NORTHMOOR}; wealdshire.yaml"
    assert [b.key for b in app.download_button] == ["rollup_download_xlsx", "rollup_download_json"]


def test_each_agreement_under_its_own_scenario_is_its_own_run_added_up(app: AppTest) -> None:
    choose(app, [NORTHMOOR], [("wealdshire.yaml", shared_icb_two_tier())])
    app.radio(key="rollup_scenario_mode").set_value("own").run()
    app.multiselect(key=picker(NORTHMOOR)).set_value(["scenarios/demand_shock.yaml"])
    app.multiselect(key=picker("wealdshire.yaml", shared_icb_two_tier())).set_value(
        ["scenarios/council_cut.yaml"]).run()
    assert not app.exception and not app.error, errors(app)
    northmoor, northmoor_scenario = loaded(NORTHMOOR, example_bytes(NORTHMOOR)), load_scenario(
        ROOT / "scenarios" / "demand_shock.yaml")[0]
    county, county_scenario = loaded("wealdshire.yaml", shared_icb_two_tier()), load_scenario(
        ROOT / "scenarios" / "council_cut.yaml")[0]
    assert northmoor_scenario is not None and county_scenario is not None
    own = table(app, "Title", "Scenario", *MONEY)
    assert own["Scenario"].tolist()[:2] == [northmoor_scenario.label, county_scenario.label]
    for year in ("2025-26", "2026-27", ALL_YEARS):
        app.selectbox(key="rollup_year").set_value(year).run()
        partners = table(app, "Partner", "Code", "Agreements", *MONEY)
        chosen = None if year == ALL_YEARS else year
        expected = engine_figures(northmoor, northmoor_scenario, MOORLAND_ICB, chosen)
        county_part = engine_figures(county, county_scenario, MOORLAND_ICB, chosen)
        assert partner_row(partners, MOORLAND_ICB) == {k: v + county_part[k] for k, v in expected.items()}
        assert partner_row(partners, "Wealdshire County Council") == engine_figures(
            county, county_scenario, "Wealdshire County Council", chosen)
        assert any("to the penny" in s.value for s in app.success)


def test_a_code_two_files_give_different_names_is_refused_located_and_the_page_keeps_working(app: AppTest) -> None:
    choose(app, [NORTHMOOR], [("copy.yaml", renamed_council_copy())])
    assert ("copy.yaml:36 partners[0].name: gss_code E06999001 is 'Northmoor Metropolitan Council' here but "
            f"'Northmoor Borough Council' in {NORTHMOOR}; one gss_code must name one body in every agreement: "
            "correct the name, or the gss_code") in errors(app)
    assert errors(app).startswith("No roll-up: correct or remove the files named: 1 problem found.")
    assert not app.table  # no roll-up at all
    open_section(app, "Summary")
    assert not app.error and app.metric


def test_the_same_file_twice_is_refused_once_in_the_command_lines_words(app: AppTest) -> None:
    choose(app, [NORTHMOOR], [("bcf_northmoor.yaml", example_bytes(NORTHMOOR))])
    assert errors(app).startswith("No roll-up: correct or remove the files named: 1 problem found.")
    assert (f"bcf_northmoor.yaml: bcf_northmoor.yaml is already given by {NORTHMOOR} (the same contents); each "
            "agreement is counted once, so give it once") in errors(app)
    # Another file holding the same agreement id is the same agreement given twice.
    copy = example_bytes(NORTHMOOR).replace(b"Northmoor Borough Council\n", b"Northmoor Borough Council \n", 1)
    choose(app, [NORTHMOOR], [("northmoor_v2.yaml", copy)])
    assert ("northmoor_v2.yaml:23 agreement.id: agreement id 'bcf-northmoor' is also the id of "
            f"{NORTHMOOR}; the same agreement given twice would be counted twice: give each its own id") in errors(app)


def test_a_broken_upload_and_a_scenario_that_does_not_fit_are_located(app: AppTest) -> None:
    choose(app, [NORTHMOOR], [("broken.yaml", b"agreement:\n  id: x\n  title: [unclosed\n")])
    assert "broken.yaml:3: this is not valid YAML" in errors(app)
    assert not app.exception
    # The sidebar's scenario applies to every agreement: one naming Northmoor's schemes does not fit the county.
    app.multiselect(key="scenarios").set_value(["scenarios/bcf_in_year_actuals.yaml"])
    choose(app, [NORTHMOOR, TWO_TIER])
    assert ("scenarios/bcf_in_year_actuals.yaml:27 scenario.actuals[0].schemes.IB02: 'IB02' is not a scheme in "
            "bcf-wealdshire") in errors(app)


def test_under_uncertainty_each_partners_exposure_is_the_shared_simulation(app: AppTest) -> None:
    choose(app, [NORTHMOOR, LD])
    assert any("an uncertain scenario (marked so)" in c.value for c in app.caption)
    app.radio(key="rollup_scenario_mode").set_value("own").run()
    chooser = app.multiselect(key=picker(NORTHMOOR))
    assert chooser.format_func(UNCERTAIN_BCF).endswith("(uncertain)")
    chooser.set_value([UNCERTAIN_BCF]).run()
    # Only one of the two can be simulated: the other is named.
    assert any(f"{LD}: none of its scenario files has an 'uncertainty:' section" in i.value for i in app.info)
    app.multiselect(key=picker(LD)).set_value([UNCERTAIN_LD]).run()
    assert any("No driver is named the same in two agreements" in c.value for c in app.caption)
    app.number_input(key="rollup_paths").set_value(200)
    app.number_input(key="rollup_seed").set_value(7)
    app.number_input(key="rollup_over").set_value(100_000.0)
    app.button(key="rollup_simulate").click().run()
    assert not app.exception, [e.message for e in app.exception]
    shown = table(app, "Exposure P10", "Exposure P50", "Exposure P90")
    # The same figures straight from the package: the shared draws, the roll-up, the summary.
    from pooledfund.uncertainty.rollup import (
        SIMULATION_MEASURES,
        exposure_summary,
        simulate_several,
        simulation_figures,
    )

    runs = []
    for name, spec_file in ((NORTHMOOR, UNCERTAIN_BCF), (LD, UNCERTAIN_LD)):
        scenario, spec, problems = load_uncertain_scenario(ROOT / spec_file)
        assert scenario is not None and spec is not None and not problems
        runs.append((loaded(name, example_bytes(name)), scenario, spec))
    sims = simulate_several(runs, paths=200, seed=7)
    matching, problems = match_partners([(n, a) for n, (a, _, _) in zip((NORTHMOOR, LD), runs, strict=True)])
    assert not problems
    rolled = roll_up([NORTHMOOR, LD], [simulation_figures(s) for s in sims], matching, SIMULATION_MEASURES)
    over = to_pence("100000")
    for index, partner in enumerate(rolled.partners):
        expected = exposure_summary(rolled, index, None, over)
        row = shown[shown["Partner"] == partner.name].iloc[0]
        assert (int(row["Exposure P10"]), int(row["Exposure P50"]), int(row["Exposure P90"]),
                int(row["Net cost P50"])) == (expected.exposure.p10, expected.exposure.p50, expected.exposure.p90,
                                              expected.net_cost.p50)
        assert row["Chance exposure > £100,000.00"] == pytest.approx(expected.probability_over)
    assert [c.key for c in app.get("plotly_chart")] == ["chart_rollup_exposure"]
    # A new threshold is a new question of the same paths; a new number of paths needs Simulate again.
    app.number_input(key="rollup_over").set_value(0.0).run()
    assert "Chance exposure > £0.00" in table(app, "Exposure P10").columns
    app.number_input(key="rollup_paths").set_value(300).run()
    assert any("changed since the last simulation" in w.value for w in app.warning)
    assert not [t for t in app.table if "Exposure P10" in t.value.columns]


def test_a_driver_named_the_same_in_two_areas_is_said_to_move_them_together(app: AppTest) -> None:
    choose(app, [NORTHMOOR], [("southmoor.yaml", independent_copy())])
    app.radio(key="rollup_scenario_mode").set_value("own").run()
    app.multiselect(key=picker(NORTHMOOR)).set_value([UNCERTAIN_BCF])
    app.multiselect(key=picker("southmoor.yaml", independent_copy())).set_value([UNCERTAIN_BCF]).run()
    words = next(c.value for c in app.caption if "named the same" in c.value)
    assert f"**care_fee_inflation** moves {NORTHMOOR}, southmoor.yaml together" in words
    assert "same percentile in every area" in words


# --- The package functions behind it ----------------------------------------------------------------


def test_a_file_given_twice_by_name_or_contents_is_named_once_each() -> None:
    a, b = InputFile("a.yaml", b"one"), InputFile("b.yaml", b"two")
    found = [str(e) for e in repeated_files([a, b, InputFile("a.yaml", b"three"), InputFile("c.yaml", b"two")])]
    assert found == [
        "a.yaml: a.yaml is given twice; each agreement is counted once, so give it once (or give the two files "
        "different names if they are different agreements)",
        "c.yaml: c.yaml is already given by b.yaml (the same contents); each agreement is counted once, so give it "
        "once"]
    assert repeated_files([a, b]) == []


def test_the_json_download_is_what_the_command_line_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "cli.json"
    assert main(["run", NORTHMOOR, TWO_TIER, "--json", str(out), "--rollup-only"]) == 0
    chosen = [(InputFile(n, example_bytes(n)), loaded(n, example_bytes(n)), [], []) for n in (NORTHMOOR, TWO_TIER)]
    entries, matching, problems = rollup_entries(chosen)
    assert matching is not None and not problems
    results = [run(entry.agreement, entry.scenario) for entry in entries]
    assert json.loads(rollup_json_bytes(entries, results, run_rollup(entries, results, matching))) == json.loads(
        out.read_text(encoding="utf-8"))


@cache
def _example_runs() -> list[tuple[RollupEntry, RunResult]]:
    """Each bundled example, base scenario and demand shock, run once (the property test picks among them)."""
    shock = load_scenario(ROOT / "scenarios" / "demand_shock.yaml")[0]
    assert shock is not None
    runs = []
    for name in (NORTHMOOR, TWO_TIER, LD, "examples/residential_lead_commissioning.yaml"):
        for scenario in (BASE, shock):
            reads = [] if scenario is BASE else [ScenarioRead("scenarios/demand_shock.yaml", scenario)]
            entries, _, problems = rollup_entries([(InputFile(name, example_bytes(name)),
                                                    loaded(name, example_bytes(name)), [], reads)])
            assert not problems
            runs.append((entries[0], run(entries[0].agreement, entries[0].scenario)))
    return runs


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=2, max_size=4, unique=True), st.lists(st.booleans(), min_size=4,
                                                                                  max_size=4))
def test_every_table_adds_up_to_the_agreements_own_totals(order: list[int], shocked: list[bool]) -> None:
    runs = _example_runs()
    picked = [runs[2 * i + int(shocked[i])] for i in order]
    entries, matching, problems = rollup_entries([(e.file, e.agreement, [], [ScenarioRead(n, e.scenario)
                                                                            for n in e.scenario_files])
                                                  for e, _ in picked])
    assert matching is not None and not problems
    results = [result for _, result in picked]
    rollup = run_rollup(entries, results, matching)
    for year in [*rollup.years, ALL_YEARS]:
        partners = partner_frame(rollup, year)
        own = reconciliation_frame(entries, results, rollup, year)
        assert reconciles(own)
        assert [int(partners.iloc[-1][c]) for c in MONEY] == [int(own.iloc[-2][c]) for c in MONEY]
        for index in range(len(rollup.partners)):
            sources = sources_frame(rollup, index, year)
            parts = sources.iloc[:-1][MONEY].to_numpy(dtype=np.int64).sum(axis=0)
            assert parts.tolist() == sources.iloc[-1][MONEY].astype(int).tolist()
