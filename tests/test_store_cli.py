"""The version commands end to end: record, history, show, diff, signoff, forget, and versions named in run,
compare, explain and export; every exit code (0 all well, 1 a problem with the input or the database,
2 the command used wrongly)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from pooledfund.cli.app import main
from pooledfund.io.store.references import database_location
from pooledfund.io.store.store import VersionStore

ROOT = Path(__file__).resolve().parents[1]
AGREEMENT = "examples/bcf_northmoor.yaml"
MONTH6 = "scenarios/bcf_in_year_actuals.yaml"
BOARD = ["--by", "Cllr Jones", "--meeting", "Health and Wellbeing Board 2026-03-18", "--date", "2026-03-18"]


@pytest.fixture(autouse=True)
def _at_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("POOLEDFUND_DB", raising=False)


def _record_plan_and_month6(db: str) -> None:
    assert main(["record", AGREEMENT, "--label", "Plan 2025-26", "--kind", "plan", "--by", "Ann Finance",
                 "--db", db]) == 0
    assert main(["record", AGREEMENT, MONTH6, "--label", "Month 6 forecast", "--kind", "month-6",
                 "--by", "Ann Finance", "--db", db]) == 0


def test_the_monthly_cycle(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _record_plan_and_month6(db)
    out = capsys.readouterr().out
    assert "Recorded version 1 'Plan 2025-26' (plan, draft)" in out
    assert "Recorded version 2 'Month 6 forecast' (month 6 forecast, draft)" in out
    assert "2025-26: variance £33,000.00 (spend less budget; positive is an overspend)" in out

    assert main(["signoff", "@1", *BOARD, "--db", db]) == 0
    assert ("Signed off version 1 'Plan 2025-26' (plan, signed off) by Cllr Jones at Health and Wellbeing "
            "Board 2026-03-18 on 2026-03-18.") in capsys.readouterr().out

    assert main(["history", "--db", db]) == 0
    rows = capsys.readouterr().out.splitlines()
    plan = next(line for line in rows if line.startswith("@1 "))
    month6 = next(line for line in rows if line.startswith("@2 "))
    assert "signed off 2026-03-18" in plan and "Ann Finance" in plan
    assert plan.split()[-2:] == ["(£300,000.00)", "(£600,000.00)"]
    assert "month 6 forecast" in month6 and month6.split()[-2:] == ["£33,000.00", "(£300,000.00)"]

    assert main(["show", "@signed-off", "--db", db]) == 0
    shown = capsys.readouterr().out
    assert "Status: signed off by Cllr Jones at Health and Wellbeing Board 2026-03-18 on 2026-03-18" in shown
    assert "examples/bcf_northmoor.yaml" in shown and "Base (budget as agreed)" in shown

    assert main(["diff", "@signed-off", "@latest", "--db", db]) == 0
    assert "19 of 250 figures moved." in capsys.readouterr().out


def test_a_signed_off_version_refuses_a_second_signoff_and_forget(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _record_plan_and_month6(db)
    assert main(["signoff", "1", *BOARD, "--db", db]) == 0
    capsys.readouterr()
    assert main(["signoff", "1", *BOARD, "--db", db]) == 1
    assert "version 1 was signed off (by Cllr Jones" in capsys.readouterr().err
    assert main(["forget", "@1", "--db", db]) == 1
    assert "cannot be deleted; record a new version instead" in capsys.readouterr().err
    assert main(["forget", "@2", "--db", db]) == 0
    assert "Forgot version 2 'Month 6 forecast'" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["show", "@9"], ["diff", "@1", "@9"], ["signoff", "9", *BOARD],
                                     ["forget", "@9"], ["run", "@9"], ["compare", "@1", "@9"],
                                     ["explain", "@9", "--year", "2025-26"]])
def test_an_unknown_version_is_a_located_error(
    db: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _record_plan_and_month6(db)
    capsys.readouterr()
    assert main([*command, "--db", db]) == 1
    err = capsys.readouterr().err
    assert "9: there is no version 9 in" in err and "it holds 2 versions, numbered 1 to 2" in err
    assert "Traceback" not in err


def test_export_of_an_unknown_version_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    capsys.readouterr()
    assert main(["export", "@5", "--xlsx", str(tmp_path / "pack.xlsx"), "--db", db]) == 1
    assert "@5: there is no version 5" in capsys.readouterr().err
    assert not (tmp_path / "pack.xlsx").exists()


@pytest.mark.parametrize(("arguments", "message"), [
    (["record", AGREEMENT, "--label", "x", "--kind", "month-13"], "--kind: 'month-13': a forecast is made at the end"),
    (["record", AGREEMENT, "--label", "x", "--kind", "forecast"], "--kind: 'forecast' is not a kind of version"),
    (["record", AGREEMENT, "--label", " ", "--kind", "plan"], "--label: ' ': give a name on one line"),
    (["record", AGREEMENT, "--label", "a\nb", "--kind", "plan"], "--label: 'a\\nb': give a name on one line"),
    (["record", "examples/none.yaml", "--label", "x", "--kind", "plan"], "examples/none.yaml"),
    (["signoff", "1", "--by", "X", "--meeting", "HWB", "--date", "18/03/2026"],
     "--date: '18/03/2026' is not a date written YYYY-MM-DD"),
    (["signoff", "1", "--by", "X", "--meeting", "HWB", "--date", (date.today() + timedelta(days=2)).isoformat()],
     "is after today"),
    (["show", "@three"], "@three: '@three' does not name a version"),
])
def test_bad_values_exit_1_with_a_located_message(
    tmp_path: Path, arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    capsys.readouterr()
    assert main([*arguments, "--db", db]) == 1
    assert message in capsys.readouterr().err


def test_a_bad_record_leaves_no_database_behind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("agreement:\n  id: x\n")
    assert main(["record", str(bad), "--label", "x", "--kind", "plan", "--db", str(tmp_path / "v.db")]) == 1
    assert "problem" in capsys.readouterr().err
    assert not (tmp_path / "v.db").exists()


@pytest.mark.parametrize("arguments", [["record", AGREEMENT, "--kind", "plan"], ["record", AGREEMENT, "--label", "x"],
                                       ["signoff", "1", "--by", "X"], ["diff", "@1"], ["show"]])
def test_missing_options_exit_2(arguments: list[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(arguments)
    assert done.value.code == 2


def test_reading_commands_never_create_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["history"]) == 1
    assert "no versions database at pooledfund.db (the default); record a version first" in capsys.readouterr().err
    assert not (tmp_path / "pooledfund.db").exists()


def test_the_database_is_db_then_the_environment_then_pooledfund_db_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    agreement = str(ROOT / AGREEMENT)
    monkeypatch.chdir(tmp_path)
    assert main(["record", agreement, "--label", "here", "--kind", "plan"]) == 0
    assert (tmp_path / "pooledfund.db").is_file()
    monkeypatch.setenv("POOLEDFUND_DB", str(tmp_path / "team.db"))
    assert main(["record", agreement, "--label", "team", "--kind", "plan"]) == 0
    assert main(["record", agreement, "--label", "mine", "--kind", "plan", "--db", str(tmp_path / "mine.db")]) == 0
    capsys.readouterr()
    for where, label in (("pooledfund.db", "here"), ("team.db", "team"), ("mine.db", "mine")):
        assert main(["show", "@1", "--db", str(tmp_path / where)]) == 0
        assert f"Version 1: {label}" in capsys.readouterr().out


def test_the_recorder_is_the_os_user_unless_by_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "jsmith")
    db = str(tmp_path / "v.db")
    assert main(["record", AGREEMENT, "--label", "x", "--kind", "plan", "--db", db]) == 0
    assert "by jsmith at" in capsys.readouterr().out


def test_run_of_a_version_prints_what_run_of_its_files_prints(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _record_plan_and_month6(db)
    capsys.readouterr()
    assert main(["run", AGREEMENT, "--scenario", MONTH6, "--json", str(tmp_path / "files.json")]) == 0
    from_files = capsys.readouterr().out
    assert main(["run", "@2", "--db", db, "--json", str(tmp_path / "version.json")]) == 0
    done = capsys.readouterr()
    assert done.out.replace("version.json", "files.json") == from_files and done.err == ""
    assert json.loads((tmp_path / "files.json").read_text()) == json.loads((tmp_path / "version.json").read_text())


def test_run_of_a_version_whose_figures_no_longer_come_out_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    with VersionStore.open(database_location(db, environ={})) as store, store.engine.begin() as connection:
        connection.execute(text("UPDATE results SET pence = pence + 1 WHERE version_id = 2 AND item = 'council' "
                                "AND measure = 'net_cost' AND year = '2025-26'"))
    capsys.readouterr()
    assert main(["run", "@2", "--db", db]) == 0
    assert ("note: 1 of version 2's figures differs from those recorded by pooledfund 0.1.0 (e.g. 2025-26 partner "
            "council net_cost: recorded £23,438,000.01, now £23,438,000.00)") in capsys.readouterr().err


def test_compare_two_versions_shows_the_movement(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _record_plan_and_month6(db)
    capsys.readouterr()
    assert main(["compare", "@1", "@2", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "@1 Plan 2025-26" in out and "Change: @2 Month 6 forecast" in out
    council = next(line for line in out.splitlines() if line.startswith("Northmoor Borough Council"))
    assert council.split()[-3:] == ["£23,405,000.00", "£23,438,000.00", "£33,000.00"]


def test_compare_refuses_two_agreements_and_says_how(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    second = tmp_path / "plan_v2.yaml"
    second.write_text((ROOT / AGREEMENT).read_text())
    assert main(["compare", AGREEMENT, str(second)]) == 1
    err = capsys.readouterr().err
    assert f"{second}:1: is an agreement, not a scenario" in err
    assert "pooledfund compare @1 @2" in err


def test_compare_refuses_files_and_versions_mixed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    capsys.readouterr()
    assert main(["compare", AGREEMENT, "@2", "--db", db]) == 1
    assert "@2: a recorded version is compared with other versions" in capsys.readouterr().err
    assert main(["compare", "@1", MONTH6, "--db", db]) == 1
    assert f"{MONTH6}: compare takes versions or files, not both" in capsys.readouterr().err


def test_compare_refuses_versions_of_different_agreements(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    assert main(["record", "examples/ld_pooled_budget.yaml", "--label", "LD", "--kind", "plan", "--db", db]) == 0
    capsys.readouterr()
    assert main(["compare", "@1", "@3", "--db", db]) == 1
    assert "'pooledfund diff @1 @3' shows every change" in capsys.readouterr().err


def test_run_of_a_version_with_a_scenario_on_top(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    capsys.readouterr()
    assert main(["run", "@1", "--scenario", "scenarios/council_cut.yaml", "--db", db]) == 0
    on_top = capsys.readouterr().out
    assert main(["run", AGREEMENT, "--scenario", "scenarios/council_cut.yaml"]) == 0
    assert on_top == capsys.readouterr().out


def test_export_of_the_signed_off_version_lists_its_recorded_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    assert main(["signoff", "2", *BOARD, "--db", db]) == 0
    pack = tmp_path / "pack.xlsx"
    assert main(["export", "@signed-off", "--xlsx", str(pack), "--db", db]) == 0
    sheet = load_workbook(pack, read_only=True)["Assumptions"]
    names = [row[0] for row in sheet.iter_rows(values_only=True) if row and isinstance(row[0], str)]
    assert {"@2/examples/bcf_northmoor.yaml", "@2/scenarios/bcf_in_year_actuals.yaml",
            "@2/scenarios/base.yaml"} <= set(names)
    capsys.readouterr()
    assert main(["run", "@2", "--json", db, "--force", "--db", db]) == 1  # the database is never an output
    assert "it is one of the input files" in capsys.readouterr().err


@pytest.mark.parametrize(("where", "message"), [
    (AGREEMENT, "examples/bcf_northmoor.yaml: not a SQLite database (is it the file you meant?)"),
    ("examples", "--db examples: a folder or device, not a database file; give a file name"),
    ("mysql://finance:secret@server/pool", "--db mysql://finance:***@server/pool: pooledfund keeps versions in a "
                                           "SQLite file or a PostgreSQL database, not mysql"),
    ("postgresql+psycopg://finance:secret@localhost:1/pool", "postgresql+psycopg://finance:***@localhost:1/pool: "),
])
def test_a_database_that_cannot_be_used_is_one_line_without_its_password(
    where: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (ROOT / AGREEMENT).read_bytes()
    assert main(["history", "--db", where]) == 1
    err = capsys.readouterr().err
    assert message in err and "secret" not in err and "Traceback" not in err
    assert (ROOT / AGREEMENT).read_bytes() == before  # a file that is not a database is left as it was


# ---- a version's files deleted behind pooledfund's back ----------------------------------------


def test_show_run_and_diff_say_plainly_when_a_versions_files_are_missing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    location = database_location(db, environ={})
    _record_plan_and_month6(db)
    assert main(["signoff", "1", *BOARD, "--db", db]) == 0
    # A tamperer drops the guard, then deletes the agreement's text (the sqlite3 shell: foreign keys off; on
    # PostgreSQL the foreign key is dropped too).
    if location.path is not None:
        import sqlite3

        raw = sqlite3.connect(location.path)
        try:
            raw.execute("DROP TRIGGER inputs_signed_off_no_delete")
            raw.execute("DELETE FROM inputs WHERE sha256 IN (SELECT sha256 FROM version_inputs WHERE role = "
                        "'agreement')")
            raw.commit()
        finally:
            raw.close()
    else:
        with VersionStore.open(location) as store, store.engine.begin() as connection:
            connection.execute(text("DROP TRIGGER inputs_signed_off_no_delete ON inputs"))
            connection.execute(text("ALTER TABLE version_inputs DROP CONSTRAINT version_inputs_sha256_fkey"))
            connection.execute(text("DELETE FROM inputs WHERE sha256 IN (SELECT sha256 FROM version_inputs WHERE "
                                    "role = 'agreement')"))
    capsys.readouterr()
    pack = tmp_path / "p.xlsx"
    for command in (["show", "@1"], ["run", "@1"], ["diff", "@1", "@2"], ["export", "@1", "--xlsx", str(pack)]):
        assert main([*command, "--db", db]) == 1, command
        err = capsys.readouterr().err
        assert ("version 1's input files are missing from the database (examples/bcf_northmoor.yaml, SHA-256 "
                in err), command
        assert "it has been tampered with" in err and "Traceback" not in err
    assert not pack.exists()


# ---- the kind must fit the files ----------------------------------------------------------------

M6 = "examples/monitoring/northmoor_actuals_m6.yaml"


@pytest.mark.parametrize(("kind", "words"), [
    ("month-3", f"{M6}:9 scenario.actuals[0].to_month: --kind month-3 is a forecast at the end of Jun 2025 "
                "(month 3 of 2025-26), but the actuals run to Sep 2025 (month 6 of 2025-26): record it as "
                "--kind month-6"),
    ("outturn", f"{M6}:9 scenario.actuals[0].to_month: --kind outturn needs all twelve months of 2025-26 actual "
                "(to Mar 2026), but the actuals run to Sep 2025 (month 6 of 2025-26): record it as --kind month-6"),
])
def test_a_kind_that_does_not_fit_the_actuals_is_refused_at_their_last_month(
    tmp_path: Path, kind: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "v.db")
    assert main(["record", AGREEMENT, M6, "--label", "x", "--kind", kind, "--db", db]) == 1
    assert words in capsys.readouterr().err
    assert not Path(db).exists()  # nothing recorded


@pytest.mark.parametrize("kind", ["month-2", "outturn"])
def test_a_forecast_or_outturn_without_actuals_is_refused(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", AGREEMENT, "--label", "x", "--kind", kind, "--db", str(tmp_path / "v.db")]) == 1
    err = capsys.readouterr().err
    assert f"--kind: '{kind}' is " in err and "but the files have no actuals" in err
    assert "or record these files as --kind plan" in err


def test_a_plan_with_actuals_is_recorded_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", AGREEMENT, M6, "--label", "x", "--kind", "plan", "--db", str(tmp_path / "v.db")]) == 0
    captured = capsys.readouterr()
    assert ("pooledfund: warning: recorded as a plan, but the actuals run to Sep 2025 (month 6 of 2025-26): a "
            "forecast made from them is usually recorded as --kind month-6") in captured.err
    assert "Recorded version 1 'x' (plan, draft)" in captured.out


def test_the_month_of_the_actuals_and_a_whole_years_outturn_are_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "v.db")
    assert main(["record", AGREEMENT, M6, "--label", "September", "--kind", "month-6", "--db", db]) == 0
    whole = tmp_path / "outturn.yaml"
    whole.write_text("scenario:\n  id: outturn\n  actuals:\n    - year: 2025-26\n      to_month: 2026-03\n"
                     "      schemes:\n        NM01: [290000, 290000, 290000, 290000, 290000, 290000, 290000, 290000, "
                     "290000, 290000, 290000, 290000]\n", encoding="utf-8")
    assert main(["record", AGREEMENT, str(whole), "--label", "Outturn", "--kind", "outturn", "--db", db]) == 0
    assert main(["record", AGREEMENT, str(whole), "--label", "March", "--kind", "month-12", "--db", db]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_label_over_200_characters_is_refused_at_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "v.db")
    assert main(["record", AGREEMENT, "--label", "Q" * 201, "--kind", "plan", "--db", db]) == 1
    assert ("--label: the label is 201 characters long; a label is at most 200 (it is printed on one line of "
            "'pooledfund history')") in capsys.readouterr().err
    assert main(["record", AGREEMENT, "--label", "Q" * 200, "--kind", "plan", "--db", db]) == 0


def test_a_sign_off_long_before_the_versions_years_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    capsys.readouterr()
    assert main(["signoff", "1", "--by", "X", "--meeting", "HWB", "--date", "1999-01-01", "--db", db]) == 1
    assert ("pooledfund: --date 1999-01-01: version 1 covers 2025-26 onwards, so no board approved it before "
            "2024-04-01") in capsys.readouterr().err


def test_the_clock_pinned_for_an_example_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", AGREEMENT, "--label", "x", "--kind", "plan", "--db", str(tmp_path / "v.db")]) == 0
    captured = capsys.readouterr()
    assert "by Ann" not in captured.out and "at 2026-03-18T09:00:00Z." in captured.out
    assert ("pooledfund: note: POOLEDFUND_NOW is set, so the time kept is 2026-03-18T09:00:00Z, not the clock's"
            in captured.err)


def test_a_badly_written_pinned_clock_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POOLEDFUND_NOW", "18/03/2026")
    assert main(["record", AGREEMENT, "--label", "x", "--kind", "plan", "--db", str(tmp_path / "v.db")]) == 1
    assert "POOLEDFUND_NOW='18/03/2026' is not a time written YYYY-MM-DDTHH:MM:SSZ" in capsys.readouterr().err


# ---- diff against the plan, the return of a version ---------------------------------------------


def test_diff_plan_latest_compares_with_the_signed_off_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    assert main(["signoff", "2", *BOARD, "--db", db]) == 0  # the month 6 forecast approved, not the plan
    assert main(["diff", "@plan", "@latest", "--db", db]) == 1
    assert "@plan: no plan in" in capsys.readouterr().err
    assert main(["signoff", "1", *BOARD, "--db", db]) == 0
    capsys.readouterr()
    assert main(["diff", "@plan", "@latest", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "@1" in out and "@2" in out


def test_the_return_of_a_recorded_version_is_its_files_return(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    from_version, from_files = tmp_path / "version.xlsx", tmp_path / "files.xlsx"
    assert main(["export", "@2", "--return", "Q2", "-o", str(from_version), "--db", db]) == 0
    assert f"Quarter 2 return of version 2 ('Month 6 forecast') written to {from_version}" in capsys.readouterr().out
    assert main(["export", AGREEMENT, MONTH6, "--return", "Q2", "-o", str(from_files)]) == 0
    mine, theirs = (load_workbook(book, data_only=True) for book in (from_version, from_files))
    for sheet in ("Income", "Expenditure", "Risk share"):
        assert ([list(row) for row in mine[sheet].iter_rows(values_only=True)]
                == [list(row) for row in theirs[sheet].iter_rows(values_only=True)]), sheet
    cover = [row[0] for row in mine["Cover"].iter_rows(values_only=True)]
    assert f"@2/{AGREEMENT}" in cover and f"@2/{MONTH6}" in cover


def test_the_return_of_a_version_without_actuals_is_refused_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "v.db")
    _record_plan_and_month6(db)
    capsys.readouterr()
    out = tmp_path / "r.xlsx"
    assert main(["export", "@1", "--return", "Q1", "-o", str(out), "--db", db]) == 1
    assert ("@1: version 1 ('Plan 2025-26', plan) was recorded without actuals, and a return reports actual spend "
            "against plan") in capsys.readouterr().err
    assert not out.exists()
    assert main(["export", "@2", "--return", "Q3", "-o", str(out), "--db", db]) == 1
    assert f"@2/{MONTH6}:18 scenario.actuals[0].to_month: the actuals run to Sep 2025" in capsys.readouterr().err
    assert not out.exists()
