"""The simulate and sensitivity commands, the example uncertainty files, and the figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from uncertainty_fixtures import ROOT, write

from pooledfund.cli.app import main
from pooledfund.core.money import format_gbp
from pooledfund.io.loader import load_agreement
from pooledfund.io.uncertainty_files import load_uncertain_scenario
from pooledfund.model.scenario import BASE
from pooledfund.uncertainty import check_uncertainty, sensitivity, simulate
from pooledfund.uncertainty.figures import fan_chart, position_histogram, tornado_chart

EXAMPLES = {
    "uncertain_bcf.yaml": "bcf_northmoor.yaml",
    "uncertain_ld.yaml": "ld_pooled_budget.yaml",
    "uncertain_residential.yaml": "residential_lead_commissioning.yaml",
}
UNCERTAIN_DIR = ROOT / "scenarios" / "uncertainty"
BCF = str(ROOT / "examples" / "bcf_northmoor.yaml")
BCF_U = str(UNCERTAIN_DIR / "uncertain_bcf.yaml")


@pytest.mark.parametrize(("scenario_file", "agreement_file"), sorted(EXAMPLES.items()))
def test_each_example_uncertainty_file_loads_and_fits_its_agreement(scenario_file: str, agreement_file: str) -> None:
    agreement, errors = load_agreement(ROOT / "examples" / agreement_file)
    assert agreement is not None, errors
    path = UNCERTAIN_DIR / scenario_file
    scenario, spec, errors = load_uncertain_scenario(path)
    assert errors == [] and scenario is not None and spec is not None
    assert check_uncertainty(spec, agreement, str(path)) == []
    assert spec.drivers and spec.events and spec.correlation is not None


def test_simulate_prints_percentiles_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sim.json"
    assert main(["simulate", BCF, "--scenario", BCF_U, "--paths", "300", "--seed", "7", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "300 paths, seed 7" in text and "Northmoor Borough Council" in text and "P(over)" in text
    data = json.loads(out.read_text())
    # the chances in words, the same sentences the dashboard shows, with the exact P90 beside each
    from pooledfund.uncertainty.sentences import chance_sentences
    agreement, _ = load_agreement(BCF)
    scenario, spec, _ = load_uncertain_scenario(BCF_U)
    assert agreement is not None and scenario is not None and spec is not None
    sim = simulate(agreement, scenario, spec, paths=300, seed=7)
    first = chance_sentences(sim, "2025-26")[0]
    assert f"  {first.text} (P90 exactly {format_gbp(first.share_p90)})\n" in text
    assert text.count("In words:") == 2  # one for each year
    assert (data["paths"], data["seed"], data["scenario"]) == (300, 7, "uncertain_bcf")
    again = tmp_path / "again.json"
    assert main(["simulate", BCF, "--scenario", BCF_U, "--paths", "300", "--seed", "7", "--json", str(again)]) == 0
    assert again.read_text() == out.read_text()
    # An existing file is not replaced without --force.
    assert main(["simulate", BCF, "--scenario", BCF_U, "--paths", "300", "--json", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["simulate", BCF, "--scenario", BCF_U, "--paths", "300", "--json", str(out), "--force"]) == 0


def test_sensitivity_prints_the_tornado_and_break_even(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tornado.json"
    assert main(["sensitivity", BCF, "--scenario", BCF_U, "--break-even", "care_fee_inflation",
                 "--arrangement", "bcf_pool", "--year", "2025-26", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Tornado" in text and "Home care provider failure" in text
    assert "Break-even of care_fee_inflation for bcf_pool 2025-26:" in text
    data = json.loads(out.read_text())
    assert data["break_even"][0]["arrangement"] == "bcf_pool"
    assert {p["id"] for p in data["partners"]} == {"council", "icb"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", BCF, "--scenario", BCF_U, "--paths", "0"], "--paths: must be between 1 and 1,000,000 (got 0)"),
        (["simulate", BCF, "--scenario", BCF_U, "--chunk-size", "0"], "--chunk-size: must be between 1 and 1,000,000"),
        (["simulate", BCF, "--scenario", str(ROOT / "scenarios" / "base.yaml")],
         "--scenario: none of the scenario files has an 'uncertainty:' section"),
        (["simulate", BCF, "--scenario", BCF_U, "--scenario", BCF_U],
         "only one scenario file may have an 'uncertainty:' section"),
        (["simulate", str(ROOT / "examples" / "ld_pooled_budget.yaml"), "--scenario", BCF_U],
         "uncertainty.events[0].scheme: 'NM05' is not a scheme in wealdham-ld"),
        (["sensitivity", BCF, "--scenario", BCF_U, "--break-even", "nope"], "--break-even: 'nope' is not an uncertain"),
        (["sensitivity", BCF, "--scenario", BCF_U, "--break-even", "pay_award", "--arrangement", "x"],
         "--arrangement: 'x' is not an arrangement"),
        (["sensitivity", BCF, "--scenario", BCF_U, "--break-even", "pay_award", "--range", "5", "1"],
         "--range: LOW must be below HIGH (got 5.0 and 1.0)"),
        (["sensitivity", BCF, "--scenario", BCF_U, "--year", "2031-32"],
         "--year: 2031-32 is not one of the agreement's"),
        (["sensitivity", BCF, "--scenario", BCF_U, "--year", "2031"], "--year: '2031' is not a financial year"),
    ],
)
def test_mistakes_exit_1_with_a_located_message(args: list[str], message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 1
    assert message in capsys.readouterr().err


def test_a_mistake_in_the_uncertainty_section_is_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad.yaml", "scenario:\n  id: bad\nuncertainty:\n  drivers:\n"
                                      "    - id: f\n      type: efficiency\n"
                                      "      distribution: {kind: normal, mean: 1, sd: -2}\n")
    assert main(["simulate", BCF, "--scenario", str(bad)]) == 1
    assert capsys.readouterr().err == (f"{bad}:7 uncertainty.drivers[0].distribution: "
                                       "sd must not be negative (got -2)\n"
                                       "1 problem found.\n")


def test_figures_have_the_traces_the_dashboard_shows() -> None:
    agreement, _ = load_agreement(BCF)
    _, spec, _ = load_uncertain_scenario(BCF_U)
    assert agreement is not None and spec is not None
    sim = simulate(agreement, BASE, spec, paths=200, seed=1)
    fan = fan_chart(sim, "bcf_pool")
    assert [t.name for t in fan.data] == ["P90", "P10 to P90", "P50 (median)", "Budget"]
    assert len(fan.data[0].x) == 24 and fan.data[1].fill == "tonexty"
    # The fan ends at the two years' spend: its P50 is the median of the cumulative total.
    assert fan.data[3].y[-1] * 100 == pytest.approx(sim.cumulative_budget("bcf_pool")[-1])
    histogram = position_histogram(sim, "council", "2025-26")
    summary = sim.partner_summary("council", "2025-26").year_end_position
    assert len(histogram.data[0].x) == 200
    assert [s.x0 for s in histogram.layout.shapes] == [summary.p10 / 100, summary.p50 / 100, summary.p90 / 100]
    sens = sensitivity(agreement, BASE, spec)
    tornado = tornado_chart(sens, "icb")
    bars = sens.tornado("icb")
    assert list(tornado.data[0].y) == [b.label for b in bars][::-1]  # largest swing drawn on top
    assert tornado.data[1].x[-1] * 100 == pytest.approx(bars[0].net_cost_high - sens.base_net_cost("icb"))


def test_validate_checks_the_uncertainty_section_against_the_agreement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A valid section passes; an event on a scheme the agreement lacks is located on its line.
    agreement = str(ROOT / "examples" / "bcf_northmoor.yaml")
    assert main(["validate", agreement, BCF_U]) == 0
    assert "valid scenario with uncertainty" in capsys.readouterr().out
    text = (
        "scenario:\n  id: u\n"
        "uncertainty:\n"
        "  events:\n"
        "    - {id: failure, scheme: NOPE, probability_pct: 10, impact: 1000, window: {from: 2025-10, to: 2026-03}}\n"
    )
    bad = write(tmp_path, "u.yaml", text)
    assert main(["validate", agreement, str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:5 uncertainty.events[0].scheme: 'NOPE'" in err, err
