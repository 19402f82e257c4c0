"""Output paths that would lose the user's work are refused before any work, in plain words."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pooledfund.cli.app import main
from pooledfund.core.money import MoneyError, to_pence

ROOT = Path(__file__).resolve().parent.parent
BCF = str(ROOT / "examples" / "bcf_northmoor.yaml")
UNCERTAIN = str(ROOT / "scenarios" / "uncertainty" / "uncertain_bcf.yaml")


def refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the command, expect exit 1 and one plain line on standard error, no traceback."""
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") <= 2, err
    return err


@pytest.mark.parametrize(
    "command",
    [
        ["run", BCF, "--json", "{out}", "--force"],
        ["export", BCF, "--xlsx", "{out}.xlsx", "--force"],
        ["simulate", BCF, "--scenario", UNCERTAIN, "--paths", "10", "--json", "{out}", "--force"],
        ["sensitivity", BCF, "--scenario", UNCERTAIN, "--json", "{out}", "--force"],
    ],
    ids=["run", "export", "simulate", "sensitivity"],
)
def test_an_output_that_is_a_folder_is_refused(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    (tmp_path / "adir.xlsx").mkdir()
    args = [a.replace("{out}", str(folder)) for a in command]
    assert "it is a folder" in refused(args, capsys)
    assert folder.is_dir()


def test_an_output_that_is_an_input_is_refused_even_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "u.yaml"
    scenario.write_bytes(Path(UNCERTAIN).read_bytes().replace(b"extends: ../base.yaml\n", b""))
    before = scenario.read_bytes()
    err = refused(["simulate", BCF, "--scenario", str(scenario), "--paths", "10", "--json", str(scenario), "--force"],
                  capsys)
    assert "one of the input files" in err
    assert scenario.read_bytes() == before
    pack = tmp_path / "pack.xlsx"
    assert main(["export", BCF, "--xlsx", str(pack)]) == 0
    capsys.readouterr()
    assert "one of the input files" in refused(["import-xlsx", str(pack), "-o", str(pack), "--force"], capsys)


def test_a_pack_must_be_named_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "agreement.yaml"
    target.write_text("my work")
    assert "ending in .xlsx" in refused(["export", BCF, "--xlsx", str(target), "--force"], capsys)
    assert target.read_text() == "my work"


def test_csv_into_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "data.csv"
    existing.write_text("mine")
    assert "is a file; give a folder" in refused(["run", BCF, "--csv", str(existing)], capsys)
    assert existing.read_text() == "mine"


def test_bad_outputs_are_refused_before_the_simulation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(["simulate", BCF, "--scenario", UNCERTAIN, "--paths", "10",
                   "--json", str(tmp_path / "no" / "x.json")], capsys)
    assert "does not exist" in err
    assert capsys.readouterr().out == ""  # nothing was simulated or printed first


def test_a_negative_seed_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--seed: must be 0 or more (got -1)" in refused(
        ["simulate", BCF, "--scenario", UNCERTAIN, "--paths", "10", "--seed", "-1"], capsys)


def test_a_break_even_range_beyond_sense_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    err = refused(["sensitivity", BCF, "--scenario", UNCERTAIN, "--break-even", "care_fee_inflation",
                   "--range", "0", "1e300"], capsys)
    assert "--range: a driver's % must lie above -100 and at most 1000" in err


def test_written_files_are_readable_by_colleagues_as_the_umask_allows(tmp_path: Path) -> None:
    # mkstemp makes private 0600 files; a pack on a shared drive must not be.
    old = os.umask(0o022)
    try:
        out = tmp_path / "r.json"
        assert main(["run", BCF, "--json", str(out)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


@pytest.mark.parametrize("value", [10**17, "1e17", "£200,000,000,000.00"])
def test_amounts_beyond_any_pooled_budget_are_refused(value: object) -> None:
    # £100bn is the ceiling: far above any English pool, far below where pence lose exactness.
    with pytest.raises(MoneyError, match="more than £100,000,000,000"):
        to_pence(value)
    assert to_pence(100_000_000_000) == 10_000_000_000_000
