"""The Uncertainty tab: names not paths, the chances in words, fan charts, and results tied to their inputs.

The page is driven headless with ``streamlit.testing.v1.AppTest``, widgets
found by key; the inputs' fingerprint is tested directly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pooledfund.dashboard.simulation_inputs import SimulationInputs
from pooledfund.io.loader import load_agreement
from pooledfund.io.uncertainty_files import load_uncertain_scenario
from pooledfund.model.scenario import BASE
from pooledfund.uncertainty import simulate
from pooledfund.uncertainty.sentences import chance_sentences

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
YEAR = "2025-26"
SPEC_FILE = "scenarios/uncertainty/uncertain_bcf.yaml"
SPEC_NAME = "Northmoor BCF - uncertain fees, pay, winter demand and a provider failure"
STALE = "These results are for the inputs before your last change"


@pytest.fixture
def app() -> AppTest:
    """The page with the Uncertainty tab in view (the tabs are lazy: only the tab in view runs)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return open_section(at, "Uncertainty")


def open_section(at: AppTest, section: str) -> AppTest:
    """Bring a section's tab into view and rerun."""
    at.session_state["section"] = section
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def simulated(at: AppTest, paths: int = 300, seed: int = 7) -> AppTest:
    at.number_input(key="mc_paths").set_value(paths)
    at.number_input(key="mc_seed").set_value(seed)
    at.button(key="mc_run").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def chart_keys(at: AppTest) -> list[str]:
    return [c.key for c in at.get("plotly_chart")]


def warnings(at: AppTest) -> list[str]:
    """The staleness warnings on the page (a crossed trigger is a warning too)."""
    return [w.value for w in at.warning if STALE in w.value]


def test_the_picker_shows_the_scenarios_name_not_its_file(app: AppTest) -> None:
    picker = app.selectbox(key="mc_file")
    assert picker.value == SPEC_FILE  # the file stays the value; the reader sees its name
    assert picker.options == [SPEC_NAME]
    assert not any("scenarios/uncertainty" in option for option in picker.options)
    assert "chart_fan" not in chart_keys(app)  # nothing is simulated until asked
    assert any("press Simulate" in c.value for c in app.caption)


def test_simulate_shows_the_chances_in_words_and_the_fan_charts_for_the_inputs_on_screen(app: AppTest) -> None:
    simulated(app)
    agreement, _ = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    _, spec, _ = load_uncertain_scenario(ROOT / SPEC_FILE)
    assert agreement is not None and spec is not None
    sim = simulate(agreement, BASE, spec, paths=300, seed=7)
    texts = [m.value for m in app.markdown]
    for sentence in chance_sentences(sim, YEAR):
        assert f"- {sentence.text}" in texts
    hover = {m.value: m.proto.help for m in app.markdown}
    first = chance_sentences(sim, YEAR)[0]
    assert hover[f"- {first.text}"] == first.exact  # the exact figures on hover
    assert not warnings(app)
    assert any(c.value == "Results for: Northmoor Better Care Fund Section 75 Agreement 2025-27 · scenario: "
               f"Base (budget as agreed) · uncertainty: {SPEC_NAME} · 300 paths, seed 7" for c in app.caption), \
        [c.value for c in app.caption]
    keys = chart_keys(app)
    assert {"chart_fan", "chart_net_cost_fan", "chart_histogram", "chart_tornado"} <= set(keys)
    fan = json.loads(next(c for c in app.get("plotly_chart") if c.key == "chart_fan").proto.spec)
    assert [t["name"] for t in fan["data"]] == ["P10 to P90", "P25 to P75", "Plan (£0)", "Median"]
    assert fan["layout"]["title"]["text"] == "Year-end variance, 300 paths<br>Northmoor Better Care Fund pooled fund"
    # the fans' pickers show names
    assert app.selectbox(key="mc_arrangement").options == ["Northmoor Better Care Fund pooled fund",
                                                           "Northmoor community services aligned budget"]
    assert app.selectbox(key="mc_partner").options == ["Northmoor Borough Council",
                                                       "NHS Moorland and Dales Integrated Care Board"]
    assert not any(".st-key-mc_results_stale" in m.value for m in app.markdown)  # not greyed


def test_a_change_keeps_the_old_results_greyed_under_a_warning_until_simulate(app: AppTest) -> None:
    simulated(app)
    before = [m.value for m in app.markdown if m.value.startswith("- ")]
    app.slider(key="adhoc_inflation").set_value(1.0).run()
    assert not app.exception
    assert warnings(app) == [f"{STALE} (the what-if settings): press Simulate to update."]
    # the results are still there, as they were (greyed by the page's style for this container)
    assert [m.value for m in app.markdown if m.value.startswith("- ")] == before
    assert "chart_fan" in chart_keys(app)
    assert any(".st-key-mc_results_stale" in m.value for m in app.markdown)
    # more changes are listed together, in the order they are chosen on the page
    app.number_input(key="mc_paths").set_value(400).run()
    assert warnings(app) == [f"{STALE} (the what-if settings; the number of paths (300 then, 400 now)): "
                             "press Simulate to update."]
    # pressing Simulate brings the results up to date
    app.button(key="mc_run").click().run()
    assert not warnings(app)
    assert any("400 paths, seed 7" in c.value for c in app.caption)
    assert [m.value for m in app.markdown if m.value.startswith("- ")] != before  # inflation +1 point moves them


def test_going_back_to_the_inputs_of_the_run_makes_it_current_again(app: AppTest) -> None:
    simulated(app)
    app.number_input(key="mc_seed").set_value(8).run()
    assert warnings(app) == [f"{STALE} (the seed (7 then, 8 now)): press Simulate to update."]
    app.number_input(key="mc_seed").set_value(7).run()
    assert not warnings(app)


def test_choosing_a_scenario_marks_the_results_stale(app: AppTest) -> None:
    simulated(app)
    app.multiselect(key="scenarios").select("scenarios/council_cut.yaml").run()
    assert not app.exception
    assert warnings(app) == [f"{STALE} (the scenarios chosen): press Simulate to update."]


# --- The fingerprint, directly -------------------------------------------------------------------------

INPUTS = SimulationInputs("agreement-key", "scenarios-key", "scenario-key", "spec-key", 2_000, 42,
                          agreement_title="A", scenario_name="S", uncertainty_name="U")


def test_the_fingerprint_covers_every_input_and_nothing_else() -> None:
    renamed = SimulationInputs("agreement-key", "scenarios-key", "scenario-key", "spec-key", 2_000, 42,
                               agreement_title="other", scenario_name="other", uncertainty_name="U")
    assert renamed.fingerprint == INPUTS.fingerprint  # names are for the page, not the results
    assert renamed.changes_since(INPUTS) == []
    fields = {"agreement": "x", "scenarios": "x", "scenario": "x", "uncertainty": "x", "paths": 1, "seed": 1}
    prints = {INPUTS.fingerprint}
    for name, value in fields.items():
        changed = SimulationInputs(**{**INPUTS.__dict__, name: value})
        assert changed.changes_since(INPUTS), name
        prints.add(changed.fingerprint)
    assert len(prints) == 1 + len(fields)


def test_the_changes_are_named_in_words() -> None:
    now = SimulationInputs("new", "new", "new", "new-spec", 5_000, 1, uncertainty_name="V")
    assert now.changes_since(INPUTS) == [
        "the agreement or its budgets", "the scenarios chosen", "the uncertain drivers and events (U then, V now)",
        "the number of paths (2,000 then, 5,000 now)", "the seed (42 then, 1 now)"]
    # the scenario on screen changes with the scenarios chosen; the what-if is named only on its own
    what_if = SimulationInputs("agreement-key", "scenarios-key", "new", "spec-key", 2_000, 42)
    assert what_if.changes_since(INPUTS) == ["the what-if settings"]


# --- Names, not ids, in the schemes and checks tables ---------------------------------------------------


def test_the_schemes_and_checks_tables_name_partners_and_arrangements(app: AppTest) -> None:
    open_section(app, "Schemes (edit budgets)")
    schemes = app.data_editor(key="schemes_editor_2025-26").value
    nm03 = schemes[schemes["Scheme"] == "NM03"].iloc[0]
    assert nm03["Commissioner"] == "NHS Moorland and Dales Integrated Care Board 60%, Northmoor Borough Council 40%"
    assert set(schemes["Arrangement"]) == {"Northmoor Better Care Fund pooled fund",
                                           "Northmoor community services aligned budget"}
    open_section(app, "Checks")
    checks = next(d.value for d in app.dataframe if "Check" in d.value.columns)
    assert set(checks["Where"]) == {"Northmoor Better Care Fund pooled fund",
                                    "Northmoor community services aligned budget", "National conditions"}
    assert "arrangement" not in checks.columns
