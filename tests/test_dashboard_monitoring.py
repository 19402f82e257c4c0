"""The dashboard's monitoring view: a versions database read for viewing, the baseline, movement and the bridge.

AppTest runs on the bundled example database (the signed-off plan, the
month 3 and month 6 forecasts of the Northmoor BCF); the pure parts are
tested directly, the bridge's sums with hypothesis.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from pooledfund.dashboard.figures import BRIDGE_SCHEMES, bridge_waterfall, cumulative_spend
from pooledfund.dashboard.monitoring import bridge_frame
from pooledfund.dashboard.versions import default_baseline, last_month, version_title
from pooledfund.io.store.errors import StoreError
from pooledfund.io.store.records import VersionInfo
from pooledfund.io.store.snapshot import database_bytes, open_snapshot
from pooledfund.reports.bridge import CAUSE_WORDS, CAUSES, BridgeLine

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard.py")
DATABASE = ROOT / "examples" / "monitoring" / "northmoor_versions.db"
YEAR = "2025-26"


def open_section(at: AppTest, section: str) -> None:
    """Bring a section's tab into view (the tabs are lazy) and rerun."""
    at.session_state["section"] = section
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def pence(text: str) -> int:
    """A figure as the page writes it (+£1,234.56, (£1,234.56), £0.00) in pence."""
    sign = -1 if text.startswith("(") else 1
    return sign * round(float(text.strip("+()£").replace(",", "")) * 100)


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_baseline_defaults_to_the_signed_off_plan_named_by_label_kind_and_status(app: AppTest) -> None:
    baseline = app.selectbox(key="baseline")
    assert baseline.value == 1
    assert "@1 Plan 2025-26 as approved · plan · signed off" in baseline.options
    assert "@3 Month 6 forecast (September 2025) · month 6 forecast · draft" in baseline.options
    # the page opens on the files chosen in the sidebar, not on a recorded version
    assert app.selectbox(key="version_on_screen").value == 0
    assert any("northmoor_versions.db" in c.value and "read only" in c.value for c in app.sidebar.caption)


def test_the_month_6_forecast_against_the_plan_moves_nm01_by_the_hand_worked_amount(app: AppTest) -> None:
    app.selectbox(key="version_on_screen").set_value(3).run()
    assert not app.exception
    assert "@3 Month 6 forecast (September 2025) (recorded version)" in app.caption[0].value
    open_section(app, "Monitoring")
    # NM01 reablement: actuals April to September 283,344.83 + 305,874.02 + 289,473.71 + 308,922.85
    # + 289,655.29 + 301,665.09 = 1,778,935.79; at run rate the last six months are the same again:
    # 2 x 1,778,935.79 = 3,557,871.58 against the plan's 3,450,000.00, a movement of +107,871.58.
    moved = next(d.value for d in app.dataframe if "Scheme" in d.value.columns and "On screen" in d.value.columns)
    nm01 = moved.set_index("Scheme").loc["NM01"]
    assert (nm01["On screen"], nm01["Baseline (@1)"], nm01["Movement v baseline"]) == (
        "£3,557,871.58", "£3,450,000.00", "+£107,871.58")
    # last month is the month 3 forecast (@2), the latest monthly version before @3
    assert nm01["Last month (@2)"] == "£3,514,770.24"
    headline = frame_with(app, "Figure").set_index("Figure")
    pool = headline.loc["Pool variance, all arrangements"]
    # the plan's (£300,000.00) underspend (its unspent contingency) against the month 6 forecast's (£41,709.39)
    assert (pool["Baseline (@1)"], pool["On screen"], pool["Movement v baseline"]) == (
        "(£300,000.00)", "(£41,709.39)", "+£258,290.61")
    assert pence(pool["On screen"]) - pence(pool["Baseline (@1)"]) == pence(pool["Movement v baseline"])
    council = headline.loc["Northmoor Borough Council net cost"]
    assert pence(council["On screen"]) - pence(council["Baseline (@1)"]) == pence(council["Movement v baseline"])
    assert not app.error


def test_the_bridge_from_the_plan_puts_nm01s_movement_to_its_causes_and_the_causes_sum(app: AppTest) -> None:
    app.selectbox(key="version_on_screen").set_value(3).run()
    app.session_state["bridge_from"] = "baseline"
    open_section(app, "Monitoring")
    bridge = frame_with(app, "Drivers changed").set_index("Name")
    nm01 = bridge.loc["Northmoor Reablement Service"]
    # Actuals first, still forecast by the plan's budget profile: six months of actuals 1,778,935.79
    # against 6/12 of 3,450,000.00 = 1,725,000.00 is +53,935.79; then the method (run rate) makes the
    # last six months 1,778,935.79 too, against the profile's 1,725,000.00: +53,935.79 more.
    assert (nm01["Actuals differ from forecast"], nm01["Method changed"], nm01["Movement"]) == (
        "+£53,935.79", "+£53,935.79", "+£107,871.58")
    for name, row in bridge.iterrows():
        causes = sum(pence(row[CAUSE_WORDS[c]]) for c in CAUSES)
        assert causes == pence(row["Movement"]), name
        assert pence(row["@1 outturn"]) + causes == pence(row["Outturn on screen"]), name
    total = bridge.loc["Total (all schemes)"]
    assert pence(total["Movement"]) == sum(pence(v) for v in bridge["Movement"].iloc[:-1])
    chart = next(c for c in app.get("plotly_chart") if "Movement in forecast outturn" in c.proto.spec)
    spec = json.loads(chart.proto.spec)
    assert spec["data"][0]["type"] == "waterfall"
    assert spec["data"][0]["customdata"][-1] == total["Movement"].lstrip("+")
    assert any("The causes add up to the movement exactly" in c.value for c in app.caption)


def test_a_bridge_across_edited_budgets_is_refused_in_words(app: AppTest) -> None:
    from pooledfund.dashboard.budget_edits import BUDGET_COLUMN

    app.selectbox(key="version_on_screen").set_value(3).run()
    open_section(app, "Schemes (edit budgets)")
    # NM06 has no actuals, so its forecast is its budget: £100,000 more on it and month 3's scenario run on
    # the agreement on screen no longer gives the NM06 figure month 3 recorded. (An edit to a scheme whose
    # outturn is all actuals and run rate, such as NM01, changes no forecast and the bridge stands.)
    editor = next(e for e in app.data_editor if e.key == f"schemes_editor_{YEAR}")
    row = editor.value["Scheme"].tolist().index("NM06")
    agreed = float(editor.value[BUDGET_COLUMN].iloc[row])
    app.session_state[f"schemes_editor_{YEAR}"] = {
        "edited_rows": {str(row): {BUDGET_COLUMN: agreed + 100_000.0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    open_section(app, "Monitoring")
    refusal = next(e.value for e in app.error if e.value.startswith("No bridge:"))
    assert refusal.startswith("No bridge: version 2's scenario run on the agreement on screen does not give the "
                              "figures it recorded")
    assert f"NM06: recorded £{agreed:,.2f}, here £{agreed + 100_000:,.2f}" in refusal
    assert not [c for c in app.get("plotly_chart") if "Movement in forecast outturn" in c.proto.spec]


@pytest.mark.parametrize(("name", "data", "words"), [
    ("agreement.db", (ROOT / "examples" / "bcf_northmoor.yaml").read_bytes(), "not a SQLite database"),
    ("empty.db", b"", "an empty file"),
])
def test_a_file_that_is_not_a_versions_database_gives_a_plain_located_error(
    app: AppTest, name: str, data: bytes, words: str
) -> None:
    app.file_uploader(key="versions_upload").set_value((name, data, "application/octet-stream")).run()
    assert not app.exception
    [error] = [e.value for e in app.error]
    assert error.startswith(f"The versions database could not be read: {name}: {words}")
    assert "Traceback" not in error
    assert not [s for s in app.sidebar.selectbox if s.key in ("baseline", "version_on_screen")]
    assert app.title[0].value  # the rest of the page is still there
    open_section(app, "Monitoring")
    assert any("No versions database with versions is open" in i.value for i in app.info)


def test_another_programs_sqlite_database_and_a_missing_path_are_refused_in_words(
    app: AppTest, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER)")
    connection.close()
    app.text_input(key="versions_path").set_value(str(other)).run()
    assert not app.exception
    [error] = [e.value for e in app.error]
    assert f"{other}: not a versions database this pooledfund can read" in error
    assert "no schema_version table: invoices" in error
    app.text_input(key="versions_path").set_value(str(tmp_path / "missing.db")).run()
    [error] = [e.value for e in app.error]
    assert error == (f"The versions database could not be read: {tmp_path / 'missing.db'}: no such file; give the "
                     "path of a versions database ('pooledfund record' makes one)")


def test_viewing_never_changes_the_database_nor_leaves_files_beside_it(tmp_path: Path) -> None:
    copy = tmp_path / "versions.db"
    shutil.copyfile(DATABASE, copy)
    before = hashlib.sha256(copy.read_bytes()).hexdigest(), copy.stat().st_mtime_ns
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["versions_path"] = str(copy)
    at.session_state["version_on_screen"] = 3
    at.session_state["section"] = "Monitoring"
    at.run()
    assert not at.exception
    assert any("Movement in forecast outturn" in c.proto.spec for c in at.get("plotly_chart"))
    assert (hashlib.sha256(copy.read_bytes()).hexdigest(), copy.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["versions.db"]


# --- The database read in memory ---------------------------------------------------------------


def test_a_snapshot_reads_versions_still_in_the_wal_file(tmp_path: Path) -> None:
    copy = tmp_path / "versions.db"
    shutil.copyfile(DATABASE, copy)
    writer = sqlite3.connect(copy)
    try:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("PRAGMA wal_autocheckpoint = 0")  # the change stays in the -wal file, not the main file
        writer.execute("UPDATE versions SET label = 'Month 3 forecast (restated)' WHERE id = 2")
        writer.commit()
        assert (tmp_path / "versions.db-wal").stat().st_size > 0
        with open_snapshot(copy.read_bytes(), "main file only") as store:
            assert store.info(2).label == "Month 3 forecast (June 2025)"
        with open_snapshot(database_bytes(copy), str(copy)) as store:
            assert store.info(2).label == "Month 3 forecast (restated)"
    finally:
        writer.close()


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="a folder or device, not a database file"):
        database_bytes(tmp_path)


# --- Which versions are compared ---------------------------------------------------------------


def _info(number: int, kind: str, status: str = "draft") -> VersionInfo:
    return VersionInfo(number, f"v{number}", kind, "a", "A", "Base", "me", "2026-01-01T00:00:00Z", "0.1.0", status)


def test_the_default_baseline_is_the_last_signed_off_plan_else_the_last_signed_off_else_the_first() -> None:
    plan, m3, outturn = _info(1, "plan", "signed off"), _info(2, "month-3"), _info(3, "outturn", "signed off")
    assert default_baseline([plan, m3, outturn]) == 1
    assert default_baseline([_info(1, "plan"), m3, outturn]) == 3
    assert default_baseline([_info(1, "plan"), m3]) == 1
    assert default_baseline([]) is None
    assert version_title(plan) == "@1 v1 · plan · signed off"


def test_last_month_is_the_latest_monthly_forecast_before_the_version_on_screen() -> None:
    versions = [_info(1, "plan", "signed off"), _info(2, "month-3"), _info(3, "month-6"), _info(4, "outturn")]
    assert last_month(versions, 3) == versions[1]
    assert last_month(versions, 4) == versions[2]
    assert last_month(versions, 2) is None
    assert last_month(versions, None) == versions[2]


# --- The bridge's sums -------------------------------------------------------------------------

amounts = st.integers(min_value=-10**9, max_value=10**9)


@st.composite
def bridge_lines(draw: st.DrawFn) -> list[BridgeLine]:
    count = draw(st.integers(min_value=1, max_value=25))
    lines = []
    for index in range(count):
        previous = draw(st.integers(min_value=0, max_value=10**10))
        causes = {cause: draw(amounts) for cause in CAUSES}
        lines.append(BridgeLine(f"S{index:02d}", previous, causes, previous + sum(causes.values())))
    return lines


@settings(deadline=None, max_examples=40)  # each example builds two plotly figures (~0.2 s)
@given(bridge_lines())
def test_every_row_of_the_bridge_and_its_waterfall_add_up_to_the_movement_exactly(lines: list[BridgeLine]) -> None:
    frame = bridge_frame(lines, {})
    for row in frame.itertuples(index=False):
        assert sum(getattr(row, cause) for cause in CAUSES) == row.movement
        assert row.previous + row.movement == row.current
    total = frame.iloc[-1]
    assert int(total["movement"]) == sum(line.movement for line in lines)
    assert int(total["previous"]) == sum(line.previous for line in lines)
    for by in ("cause", "scheme"):
        fig = bridge_waterfall(frame, by, CAUSE_WORDS, "Bridge")
        trace = fig.data[0]
        steps = [round(v * 100) for v, m in zip(trace.y, trace.measure, strict=True) if m == "relative"]
        assert sum(steps) == int(total["movement"])
        assert len(steps) <= (len(CAUSES) if by == "cause" else BRIDGE_SCHEMES + 1)


def test_the_spend_chart_marks_the_actual_through_month() -> None:
    from pooledfund.dashboard.data import build_outputs
    from pooledfund.io.loader import load_agreement
    from pooledfund.io.scenario_files import load_scenario

    agreement, _ = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    scenario, _ = load_scenario(ROOT / "examples" / "monitoring" / "northmoor_actuals_m6.yaml")
    assert agreement is not None and scenario is not None
    fig = cumulative_spend(build_outputs(agreement, scenario)[0], YEAR)
    actual, forecast = (t for t in fig.data if t.name in ("Actual to date", "Forecast"))
    # April to September actual (months 0 to 5), the line at 5.5, the forecast lighter and dashed from there
    assert len(actual.x) == 6 and actual.opacity is None
    assert forecast.opacity < 1 and forecast.line.dash == "dash"
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert [s.x0 for s in lines] == [5.5]
    assert any(s.type == "rect" and s.x0 == 5.5 for s in fig.layout.shapes)
    assert any("Actual to Sep" in a.text for a in fig.layout.annotations)
