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


def test_the_bundled_database_is_at_this_pooledfunds_schema_and_its_dates_tell_the_year_in_order(
        example_db: str) -> None:
    # Opening a copy applies nothing: every upgrade is in it already (the guard on input files included).
    import sqlite3

    from pooledfund.io.store.migrations import LATEST

    connection = sqlite3.connect(example_db)
    try:
        assert connection.execute("SELECT max(number) FROM schema_version").fetchone() == (LATEST,)
        rows = connection.execute("SELECT id, label, kind, recorded_by, recorded_at, signed_off_by, "
                                  "signed_off_meeting, signed_off_date FROM versions ORDER BY id").fetchall()
    finally:
        connection.close()
    assert rows == [
        (1, "Plan 2025-26 as approved", "plan", "BCF finance lead", "2025-03-10T10:00:00Z", "Cllr A Patel, Chair",
         "Northmoor Health and Wellbeing Board 2025-03-26", "2025-03-26"),
        (2, "Month 3 forecast (June 2025)", "month-3", "BCF finance lead", "2025-07-14T10:00:00Z", None, None, None),
        (3, "Month 6 forecast (September 2025)", "month-6", "BCF finance lead", "2025-10-13T10:00:00Z", None, None,
         None),
    ]


def test_the_signed_off_plans_files_cannot_be_deleted(example_db: str) -> None:
    import sqlite3

    connection = sqlite3.connect(example_db)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="a signed-off version ran this input file"):
            connection.execute("DELETE FROM inputs")
    finally:
        connection.close()


def test_diff_plan_latest_is_the_month_6_forecast_against_the_approved_plan(
        example_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "@plan", "@latest", "--db", example_db]) == 0
    out = capsys.readouterr().out
    reablement = out[out.index("NM01 Northmoor Reablement Service"):]
    assert reablement.splitlines()[0].split()[-3:] == ["£3,450,000.00", "£3,557,871.58", "£107,871.58"]
