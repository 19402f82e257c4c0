"""The command line end to end on every bundled example and scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pooledfund.cli.app import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GENERIC_SCENARIOS = [ROOT / "scenarios" / f"{name}.yaml"
                     for name in ("base", "demand_shock", "council_cut", "high_inflation")]


def test_there_are_three_examples_and_four_scenarios() -> None:
    assert len(EXAMPLES) >= 3
    assert all(path.is_file() for path in GENERIC_SCENARIOS)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_validate_every_example(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(example)]) == 0
    assert "valid agreement" in capsys.readouterr().out


def test_validate_every_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count("valid scenario") == len(files)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("scenario", GENERIC_SCENARIOS, ids=lambda p: p.stem)
def test_run_every_example_under_every_scenario(
    example: Path, scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "result.json"
    assert main(["run", str(example), "--scenario", str(scenario), "--json", str(out),
                 "--csv", str(tmp_path / "csv")]) == 0
    printed = capsys.readouterr().out
    assert "Net cost" in printed
    data = json.loads(out.read_text())
    assert set(data) >= {"agreement", "scenario", "years"}
    for year in data["years"]:
        assert set(year) >= {"year", "arrangements", "partners"}
        for arrangement in year["arrangements"]:
            assert set(arrangement) >= {"id", "kind", "budget", "spend", "variance", "brought_forward", "carry_forward",
                                        "unfunded", "overspend_shares", "underspend_returns"}
            # Money is pounds with at most 2 decimals.
            assert round(arrangement["spend"], 2) == arrangement["spend"]
        for partner in year["partners"]:
            assert set(partner) >= {"id", "cash_contribution", "in_kind", "overspend_share", "underspend_return",
                                    "net_cost"}
            total = (partner["cash_contribution"] + partner["in_kind"] + partner["overspend_share"]
                     - partner["underspend_return"])
            assert round(total, 2) == pytest.approx(partner["net_cost"], abs=0.001)
    for name in ("partners.csv", "arrangements.csv", "schemes.csv", "cash_flow.csv"):
        assert (tmp_path / "csv" / name).stat().st_size > 0


def test_base_scenario_has_no_variance(tmp_path: Path) -> None:
    for example in EXAMPLES:
        out = tmp_path / f"{example.stem}.json"
        assert main(["run", str(example), "--scenario", str(GENERIC_SCENARIOS[0]), "--json", str(out)]) == 0
        for year in json.loads(out.read_text())["years"]:
            for arrangement in year["arrangements"]:
                # Every scheme spends its budget; a pool's only variance is money held in it
                # and given to no scheme (an unspent contingency, an amount brought forward).
                where = (example.name, year["year"], arrangement["id"])
                assert all(s["variance"] == 0 for s in arrangement["schemes"]), where
                assert arrangement["spend"] == pytest.approx(sum(s["budget"] for s in arrangement["schemes"])), where
                if arrangement["kind"] == "aligned_budget":
                    assert arrangement["variance"] == 0, where


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_explain_every_year(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pooledfund.io.loader import load_agreement

    agreement, _ = load_agreement(example)
    assert agreement is not None
    for year in agreement.years:
        assert main(["explain", str(example), "--scenario", str(GENERIC_SCENARIOS[1]), "--year", year]) == 0
        text = capsys.readouterr().out
        assert "Check: partners' net cost" in text
        assert "Result:" in text


def test_compare_shows_differences(capsys: pytest.CaptureFixture[str]) -> None:
    example = str(ROOT / "examples" / "bcf_northmoor.yaml")
    assert main(["compare", example, *map(str, GENERIC_SCENARIOS)]) == 0
    text = capsys.readouterr().out
    assert "Change:" in text


def test_existing_output_is_not_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = str(EXAMPLES[0])
    out = tmp_path / "keep.json"
    out.write_text("precious")
    assert main(["run", example, "--json", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == "precious"
    assert main(["run", example, "--json", str(out), "--force"]) == 0
    assert json.loads(out.read_text())["agreement"]
    assert [p.name for p in tmp_path.iterdir()] == ["keep.json"]


def test_csv_folder_not_overwritten_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = str(EXAMPLES[0])
    assert main(["run", example, "--csv", str(tmp_path)]) == 0
    assert main(["run", example, "--csv", str(tmp_path)]) == 1
    assert "--force" in capsys.readouterr().err


def test_invalid_input_exits_1_with_located_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("agreement:\n  id: x\n  title: [unclosed\n")
    assert main(["run", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "not valid YAML" in err
    assert "Traceback" not in err


def test_missing_file_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "no/such/file.yaml"]) == 1
    assert "cannot read the file" in capsys.readouterr().err


def test_bad_year_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(EXAMPLES[0]), "--year", "2031-32"]) == 1
    assert "is not one of the agreement's years" in capsys.readouterr().err
    assert main(["explain", str(EXAMPLES[0]), "--year", "2031"]) == 1
    assert "not a financial year" in capsys.readouterr().err


def test_scenario_referring_to_unknown_partner_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("scenario:\n  id: s\n  contribution_changes:\n"
                        "    - {partner: nobody, from: 2025-10-01, change_pct: -5}\n")
    assert main(["run", str(EXAMPLES[0]), "--scenario", str(scenario)]) == 1
    assert "'nobody' is not a partner" in capsys.readouterr().err


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["run"])
    assert exit_info.value.code == 2


def test_console_script_is_installed() -> None:
    import shutil
    import subprocess
    import sys

    script = Path(sys.executable).parent / "pooledfund"
    exe = str(script) if script.exists() else shutil.which("pooledfund")
    assert exe, "the pooledfund console script is not installed"
    done = subprocess.run([exe, "run", str(EXAMPLES[0])], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Net cost" in done.stdout
