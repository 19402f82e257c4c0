"""The bundled monitoring example: its versions database shows something real on a fresh clone.

``examples/monitoring/northmoor_versions.db`` holds Northmoor's signed-off plan
and its month 3 and month 6 forecasts (recorded from the ledger extracts beside
it). The tests work on a copy, so the bundled file is never changed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pooledfund.cli.app import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DB = ROOT / "examples" / "monitoring" / "northmoor_versions.db"


@pytest.fixture
def example_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("POOLEDFUND_DB", raising=False)
    copy = tmp_path / "northmoor_versions.db"
    shutil.copyfile(EXAMPLE_DB, copy)
    return str(copy)


def test_history_lists_the_signed_off_plan_and_two_forecasts(example_db: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--db", example_db]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.startswith("@")}
    assert sorted(rows) == ["@1", "@2", "@3"]
    assert "plan" in rows["@1"] and "signed off 2025-03-26" in rows["@1"]
    assert "month 3 forecast" in rows["@2"] and "month 6 forecast" in rows["@3"]


def test_diff_against_the_signed_off_plan_moves_reablement_by_its_run_rate(example_db: str,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    # NM01's six actual months in northmoor_actuals_m6.yaml:
    # 283,344.83 + 305,874.02 + 289,473.71 + 308,922.85 + 289,655.29 + 301,665.09 = 1,778,935.79;
    # run rate: the same again for October to March, so the outturn is 2 x 1,778,935.79 = 3,557,871.58,
    # against the plan's 3,450,000.00: a movement of 107,871.58.
    assert main(["diff", "@signed-off", "@3", "--db", example_db]) == 0
    out = capsys.readouterr().out
    reablement = out[out.index("NM01 Northmoor Reablement Service"):]
    assert reablement.splitlines()[0].split()[-3:] == ["£3,450,000.00", "£3,557,871.58", "£107,871.58"]


def test_the_signed_off_plan_cannot_be_forgotten(example_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forget", "@1", "--db", example_db]) == 1
    assert "signed off" in capsys.readouterr().err
