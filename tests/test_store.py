"""The versions database through its API, on SQLite and PostgreSQL: record, read, sign off, guards, upgrades.

Every test runs on both databases (the ``db`` fixture); the figures are the
bundled Northmoor example's (``northmoor_plan``, ``northmoor_month6``).
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from pooledfund.engine.runner import run
from pooledfund.io.inputs import load_inputs
from pooledfund.io.store import store as store_module
from pooledfund.io.store.errors import SignedOffError, StoreError, UnknownVersionError
from pooledfund.io.store.migrations import MIGRATIONS, Migration
from pooledfund.io.store.records import SIGNED_OFF, Figure, NewVersion
from pooledfund.io.store.references import DatabaseLocation, parse_reference
from pooledfund.io.store.schema import GUARD_MESSAGE, INPUT_GUARD_MESSAGE, SIGNED_INPUT_GUARD_MESSAGE
from pooledfund.io.store.store import VersionStore
from pooledfund.reports.tables import partner_frame

ROOT = Path(__file__).resolve().parents[1]
BOARD = "Health and Wellbeing Board 2026-03-18"


def _count(store: VersionStore, table: str) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _signed(store: VersionStore, new: NewVersion) -> int:
    info = store.record(new)
    store.sign_off(info.id, by="Cllr Jones", meeting=BOARD, signed_on=date(2026, 3, 18))
    return info.id


# ---- recording and reading back --------------------------------------------------------------


def test_a_version_keeps_its_files_and_figures(location: DatabaseLocation, northmoor_month6: NewVersion) -> None:
    with VersionStore.open(location, create=True) as store:
        info = store.record(northmoor_month6)
        version = store.get(info.id)
    assert (info.id, info.label, info.kind, info.status, info.recorded_by) == (
        1, "Month 6 forecast", "month-6", "draft", "Ann Finance")
    assert info.recorded_at.endswith("Z") and len(info.recorded_at) == 20  # UTC, to the second
    # The agreement, the scenario and the file it extends, each with the SHA-256 of its bytes.
    assert [(i.role, i.position, i.part, i.name) for i in version.inputs] == [
        ("agreement", 0, 0, "examples/bcf_northmoor.yaml"),
        ("scenario", 0, 0, "scenarios/bcf_in_year_actuals.yaml"),
        ("scenario", 0, 1, "scenarios/base.yaml")]
    for item in version.inputs:
        assert item.sha256 == hashlib.sha256((ROOT / item.name).read_bytes()).hexdigest()
        assert item.text == (ROOT / item.name).read_text(encoding="utf-8")
    assert version.figures == northmoor_month6.figures


def test_the_figures_are_the_runs_partner_table_to_the_penny(
    location: DatabaseLocation, northmoor_month6: NewVersion
) -> None:
    agreement, scenarios = load_inputs(str(ROOT / "examples/bcf_northmoor.yaml"),
                                       [str(ROOT / "scenarios/bcf_in_year_actuals.yaml")])
    frame = partner_frame(run(agreement, scenarios[0]))
    with VersionStore.open(location, create=True) as store:
        version = store.get(store.record(northmoor_month6).id)
    stored = {(f.year, f.item, f.measure): f.pence for f in version.figures if f.level == "partner"}
    for row in frame.itertuples(index=False):
        for measure in ("cash_contribution", "in_kind", "overspend_share", "underspend_return", "net_cost"):
            assert stored[(row.year, row.partner, measure)] == int(getattr(row, measure))
    # The council's 2025-26 overspend share: the whole £33,000.00 overspend (worked in test_store_diff.py).
    assert stored[("2025-26", "council", "overspend_share")] == 3_300_000


def test_one_file_is_kept_once_however_many_versions_ran_it(
    location: DatabaseLocation, northmoor_plan: NewVersion, northmoor_month6: NewVersion
) -> None:
    with VersionStore.open(location, create=True) as store:
        store.record(northmoor_plan)
        store.record(northmoor_month6)
        store.record(northmoor_month6)
        # The agreement, the month 6 scenario and base.yaml: three texts for seven file references.
        assert (_count(store, "inputs"), _count(store, "version_inputs")) == (3, 7)
        assert [v.id for v in store.versions()] == [1, 2, 3]


def test_variances_are_each_versions_spend_less_budget_by_year(
    location: DatabaseLocation, northmoor_plan: NewVersion, northmoor_month6: NewVersion
) -> None:
    with VersionStore.open(location, create=True) as store:
        store.record(northmoor_plan)
        store.record(northmoor_month6)
        # Plan: the £300,000 risk pool is unspent in 2025-26 and carried into 2026-27's, which is unspent
        # too: (£600,000). Month 6: £333,000.00 of overspends less the £300,000 pool = £33,000.00 over.
        assert store.variances() == {1: {"2025-26": -30_000_000, "2026-27": -60_000_000},
                                     2: {"2025-26": 3_300_000, "2026-27": -30_000_000}}


# ---- references and unknown versions ---------------------------------------------------------


def test_references_resolve(location: DatabaseLocation, northmoor_plan: NewVersion) -> None:
    with VersionStore.open(location, create=True) as store:
        first = _signed(store, northmoor_plan)
        second = store.record(northmoor_plan).id
        assert store.resolve(parse_reference("@latest")) == second
        assert store.resolve(parse_reference("@signed-off")) == first
        assert store.resolve(parse_reference("@2")) == 2


def _at(monkeypatch: pytest.MonkeyPatch, when: str) -> None:
    """Pin the time the store keeps (POOLEDFUND_NOW) to ``when``."""
    monkeypatch.setenv("POOLEDFUND_NOW", when)


def test_signed_off_is_the_one_signed_off_most_recently_not_the_highest_number(
    location: DatabaseLocation, northmoor_plan: NewVersion, northmoor_month6: NewVersion,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    with VersionStore.open(location, create=True) as store:
        _at(monkeypatch, "2026-01-05T09:00:00Z")
        plan = store.record(northmoor_plan).id                   # 1
        forecast = store.record(northmoor_month6).id             # 2
        revised = store.record(northmoor_plan).id                # 3: a revised plan, never signed off
        _at(monkeypatch, "2026-03-20T09:00:00Z")
        # The month 6 forecast went to the board of 10 February (entered late, on 20 March); the plan to the
        # board of 18 March. The plan was signed off last, though its number is lower.
        store.sign_off(forecast, by="Cllr Jones", meeting="HWB 2026-02-10", signed_on=date(2026, 2, 10))
        store.sign_off(plan, by="Cllr Jones", meeting=BOARD, signed_on=date(2026, 3, 18))
        assert store.resolve(parse_reference("@signed-off")) == plan
        assert store.resolve(parse_reference("@plan")) == plan
        # A quarterly return approved at a later board: @signed-off moves to it, @plan stays on the plan.
        store.sign_off(revised, by="Cllr Jones", meeting="HWB 2026-03-19", signed_on=date(2026, 3, 19))
        assert store.resolve(parse_reference("@signed-off")) == revised
        assert store.resolve(parse_reference("@plan")) == revised  # it is a plan too: the latest plan signed off


def test_signed_off_on_the_same_day_goes_by_when_the_sign_off_was_entered(
    location: DatabaseLocation, northmoor_plan: NewVersion, northmoor_month6: NewVersion,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    with VersionStore.open(location, create=True) as store:
        _at(monkeypatch, "2026-03-18T09:00:00Z")
        plan = store.record(northmoor_plan).id
        forecast = store.record(northmoor_month6).id
        _at(monkeypatch, "2026-03-18T10:00:00Z")
        store.sign_off(forecast, by="Cllr Jones", meeting=BOARD, signed_on=date(2026, 3, 18))
        _at(monkeypatch, "2026-03-18T11:00:00Z")
        store.sign_off(plan, by="Cllr Jones", meeting=BOARD, signed_on=date(2026, 3, 18))
        assert store.resolve(parse_reference("@signed-off")) == plan  # entered at 11:00, after the forecast's 10:00
        assert store.resolve(parse_reference("@plan")) == plan


def test_plan_names_only_a_signed_off_plan(
    location: DatabaseLocation, northmoor_plan: NewVersion, northmoor_month6: NewVersion
) -> None:
    with VersionStore.open(location, create=True) as store:
        store.record(northmoor_plan)
        _signed(store, northmoor_month6)  # a forecast signed off, but no plan
        assert store.resolve(parse_reference("@signed-off")) == 2
        with pytest.raises(UnknownVersionError, match=r"@plan: no plan in .* has been signed off yet \(a version "
                                                      r"recorded with --kind plan, then 'pooledfund signoff'\)"):
            store.resolve(parse_reference("@plan"))


def test_unknown_versions_are_named_with_the_ones_there_are(
    location: DatabaseLocation, northmoor_plan: NewVersion
) -> None:
    with VersionStore.open(location, create=True) as store:
        with pytest.raises(UnknownVersionError, match=r"@latest: .* holds no versions yet"):
            store.resolve(parse_reference("@latest"))
        store.record(northmoor_plan)
        store.record(northmoor_plan)
        with pytest.raises(UnknownVersionError, match=r"@9: there is no version 9 in .*; it holds 2 versions, "
                                                      r"numbered 1 to 2; 'pooledfund history' lists them"):
            store.resolve(parse_reference("@9"))
        with pytest.raises(UnknownVersionError, match="@7: there is no version 7"):
            store.get(7)
        with pytest.raises(UnknownVersionError, match=r"@signed-off: no version in .* has been signed off yet"):
            store.resolve(parse_reference("@signed-off"))


@pytest.mark.parametrize("typed", ["@", "@0", "@-1", "@three", "@1.5", "@３"])
def test_a_reference_that_names_no_version_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="does not name a version: give @N"):
        parse_reference(typed)


# ---- sign-off: refused in code ---------------------------------------------------------------


def test_sign_off_records_who_where_and_when(location: DatabaseLocation, northmoor_plan: NewVersion) -> None:
    with VersionStore.open(location, create=True) as store:
        info = store.record(northmoor_plan)
        signed = store.sign_off(info.id, by="Cllr Jones", meeting=BOARD, signed_on=date(2026, 3, 18))
    assert signed.status == SIGNED_OFF and signed.sign_off is not None
    assert (signed.sign_off.by, signed.sign_off.meeting, signed.sign_off.date) == ("Cllr Jones", BOARD, "2026-03-18")
    assert signed.sign_off.recorded_at.endswith("Z")


def test_a_signed_off_version_cannot_be_signed_off_again_or_forgotten(
    location: DatabaseLocation, northmoor_plan: NewVersion
) -> None:
    with VersionStore.open(location, create=True) as store:
        version_id = _signed(store, northmoor_plan)
        with pytest.raises(SignedOffError, match=r"version 1 was signed off \(by Cllr Jones at Health and "
                                                 r"Wellbeing Board 2026-03-18 on 2026-03-18\) and cannot be "
                                                 r"signed off again"):
            store.sign_off(version_id, by="Someone Else", meeting="Another meeting", signed_on=date(2026, 4, 1))
        with pytest.raises(SignedOffError, match="cannot be deleted; record a new version instead"):
            store.forget(version_id)
        info = store.info(version_id)
        assert info.sign_off is not None and info.sign_off.by == "Cllr Jones"
        assert _count(store, "results") == len(northmoor_plan.figures)


def test_a_draft_can_be_forgotten_and_its_number_is_never_reused(
    location: DatabaseLocation, northmoor_plan: NewVersion, northmoor_month6: NewVersion
) -> None:
    with VersionStore.open(location, create=True) as store:
        store.record(northmoor_plan)
        forgotten = store.record(northmoor_month6)
        store.forget(forgotten.id)
        # Its figures and the files only it ran (the month 6 scenario and base.yaml) went with it.
        assert (_count(store, "results"), _count(store, "inputs")) == (len(northmoor_plan.figures), 1)
        assert store.record(northmoor_plan).id == 3


def test_a_sign_off_needs_a_date_that_has_come(location: DatabaseLocation, northmoor_plan: NewVersion) -> None:
    with VersionStore.open(location, create=True) as store:
        info = store.record(northmoor_plan)
        with pytest.raises(StoreError, match="is after today"):
            store.sign_off(info.id, by="Cllr Jones", meeting=BOARD, signed_on=date.today() + timedelta(days=1))
        with pytest.raises(StoreError, match="names who signed it off"):
            store.sign_off(info.id, by=" ", meeting=BOARD, signed_on=date(2026, 3, 18))
        assert not store.info(info.id).signed_off


def test_a_sign_off_more_than_a_year_before_the_first_year_is_refused(
    location: DatabaseLocation, northmoor_plan: NewVersion
) -> None:
    with VersionStore.open(location, create=True) as store:
        info = store.record(northmoor_plan)  # recorded 2026-03-18 (the tests' clock); its first year is 2025-26
        with pytest.raises(StoreError, match=r"--date 1999-01-01: version 1 covers 2025-26 onwards, so no board "
                                             r"approved it before 2024-04-01"):
            store.sign_off(info.id, by="Cllr Jones", meeting=BOARD, signed_on=date(1999, 1, 1))
        with pytest.raises(StoreError, match="before 2024-04-01"):
            store.sign_off(info.id, by="Cllr Jones", meeting=BOARD, signed_on=date(2024, 3, 31))
        assert not store.info(info.id).signed_off
        # A plan the board approved before it was recorded here is signed off on the meeting's date.
        store.sign_off(info.id, by="Cllr Jones", meeting=BOARD, signed_on=date(2025, 3, 26))


@pytest.mark.parametrize("length", [200, 201])
def test_a_label_is_at_most_200_characters(
    location: DatabaseLocation, northmoor_plan: NewVersion, length: int
) -> None:
    from dataclasses import replace

    with VersionStore.open(location, create=True) as store:
        if length == 200:
            assert store.record(replace(northmoor_plan, label="L" * 200)).label == "L" * 200
        else:
            with pytest.raises(StoreError, match="label is 1 to 200 characters on one line; this one has 201"):
                store.record(replace(northmoor_plan, label="L" * 201))
            assert _count(store, "versions") == 0


# ---- sign-off: refused by the database itself ------------------------------------------------

_TAMPERING = [
    "UPDATE versions SET label = 'changed' WHERE id = {signed}",
    "UPDATE versions SET status = 'draft' WHERE id = {signed}",
    "DELETE FROM versions WHERE id = {signed}",
    "UPDATE results SET pence = pence + 1 WHERE version_id = {signed}",
    "DELETE FROM results WHERE version_id = {signed}",
    "INSERT INTO results (version_id, year, level, arrangement, item, measure, name, pence, position) "
    "VALUES ({signed}, '2025-26', 'partner', '', 'extra', 'net_cost', 'Extra', 1, 999)",
    "UPDATE version_inputs SET name = 'other.yaml' WHERE version_id = {signed}",
    "DELETE FROM version_inputs WHERE version_id = {signed}",
]


@pytest.mark.parametrize("statement", _TAMPERING, ids=lambda s: " ".join(s.split()[:3]))
def test_the_database_refuses_to_change_a_signed_off_version(
    location: DatabaseLocation, northmoor_plan: NewVersion, statement: str
) -> None:
    with VersionStore.open(location, create=True) as store:
        signed = _signed(store, northmoor_plan)
        draft = store.record(northmoor_plan).id
        with pytest.raises(DBAPIError, match=GUARD_MESSAGE), store.engine.begin() as connection:
            connection.execute(text(statement.format(signed=signed)))
        # The same statement on a draft goes through: the guard is on signed-off versions only.
        with store.engine.begin() as connection:
            connection.execute(text(statement.format(signed=draft).replace("'extra'", "'extra2'")))
        assert store.info(signed).label == "Plan 2025-26"
        assert store.get(signed).figures == northmoor_plan.figures


def test_the_database_refuses_to_change_an_input_files_text(
    location: DatabaseLocation, northmoor_plan: NewVersion
) -> None:
    with VersionStore.open(location, create=True) as store:
        store.record(northmoor_plan)
        with pytest.raises(DBAPIError, match=INPUT_GUARD_MESSAGE), store.engine.begin() as connection:
            connection.execute(text("UPDATE inputs SET text = 'agreement: {}'"))


def test_the_database_refuses_to_delete_an_input_file_a_signed_off_version_ran(
    location: DatabaseLocation, northmoor_plan: NewVersion, northmoor_month6: NewVersion
) -> None:
    with VersionStore.open(location, create=True) as store:
        _signed(store, northmoor_plan)
        store.record(northmoor_month6)
        for statement in ("DELETE FROM inputs",
                          f"DELETE FROM inputs WHERE sha256 = '{northmoor_plan.inputs[0].sha256}'"):
            with pytest.raises(DBAPIError, match=SIGNED_INPUT_GUARD_MESSAGE), store.engine.begin() as connection:
                connection.execute(text(statement))
        with pytest.raises(DBAPIError, match=INPUT_GUARD_MESSAGE), store.engine.begin() as connection:
            connection.execute(text("UPDATE inputs SET sha256 = 'x'"))
        assert _count(store, "inputs") == 3  # the agreement, the month 6 scenario and the base it extends
        assert [item.name for item in store.get(1).inputs] == ["examples/bcf_northmoor.yaml"]


def test_sqlite_refuses_the_delete_even_from_a_tool_with_foreign_keys_off(
    tmp_path: Path, northmoor_plan: NewVersion
) -> None:
    # The sqlite3 shell (and Python's sqlite3) leave foreign keys off, so only the trigger stands in the way.
    import sqlite3

    from pooledfund.io.store.references import database_location

    path = tmp_path / "versions.db"
    with VersionStore.open(database_location(str(path), environ={}), create=True) as store:
        _signed(store, northmoor_plan)
    connection = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match=SIGNED_INPUT_GUARD_MESSAGE):
            connection.execute("DELETE FROM inputs")
        assert connection.execute("SELECT count(*) FROM inputs").fetchone() == (1,)
    finally:
        connection.close()


def _tamper_away_the_inputs(store: VersionStore, location: DatabaseLocation) -> None:
    """Delete every input file's text as a tool bypassing pooledfund would (on a database from before the guard)."""
    if location.path is not None:  # the sqlite3 shell: foreign keys off
        import sqlite3

        connection = sqlite3.connect(location.path)
        try:
            connection.execute("DELETE FROM inputs")
            connection.commit()
        finally:
            connection.close()
        return
    with store.engine.begin() as server:  # the foreign key would refuse too: the tamperer drops it first
        server.execute(text("ALTER TABLE version_inputs DROP CONSTRAINT version_inputs_sha256_fkey"))
        server.execute(text("DELETE FROM inputs"))


def test_a_version_whose_files_were_deleted_is_said_to_be_tampered_with(
    location: DatabaseLocation, northmoor_plan: NewVersion
) -> None:
    # A database from before the guard on input files (migrations 1 and 2 only), tampered with.
    with VersionStore.open(location, create=True, migrations=MIGRATIONS[:2]) as store:
        _signed(store, northmoor_plan)
        _tamper_away_the_inputs(store, location)
        with pytest.raises(StoreError, match=r"version 1's input files are missing from the database "
                                             r"\(examples/bcf_northmoor.yaml, SHA-256 [0-9a-f]{12}\.\.\.\): it has "
                                             r"been tampered with"):
            store.get(1)


def test_a_version_that_lists_no_files_is_said_to_be_tampered_with(
    location: DatabaseLocation, northmoor_plan: NewVersion
) -> None:
    with VersionStore.open(location, create=True) as store:
        store.record(northmoor_plan)  # a draft: its files list is not guarded
        with store.engine.begin() as connection:
            connection.execute(text("DELETE FROM version_inputs"))
        with pytest.raises(StoreError, match=r"version 1's input files are missing from the database \(it lists "
                                             r"no files at all\): it has been tampered with"):
            store.get(1)


def test_postgresql_refuses_to_truncate_signed_off_figures(pg_db: str, northmoor_plan: NewVersion) -> None:
    # TRUNCATE skips row triggers, so a statement trigger refuses it (SQLite has no TRUNCATE).
    from pooledfund.io.store.references import database_location

    with VersionStore.open(database_location(pg_db, environ={}), create=True) as store:
        _signed(store, northmoor_plan)
        for table in ("results", "version_inputs", "versions"):
            with pytest.raises(DBAPIError, match=GUARD_MESSAGE), store.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {table} CASCADE"))
        assert _count(store, "results") == len(northmoor_plan.figures)


# ---- the schema and its upgrades -------------------------------------------------------------


def test_the_migrations_are_numbered_one_after_another() -> None:
    assert [m.number for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_an_older_database_is_upgraded_on_open_and_keeps_its_versions(
    location: DatabaseLocation, northmoor_plan: NewVersion
) -> None:
    # A database made by a pooledfund that knew only the first migration (no triggers yet).
    with VersionStore.open(location, create=True, migrations=MIGRATIONS[:1]) as old:
        signed = _signed(old, northmoor_plan)
        with old.engine.begin() as connection:  # nothing guards it yet
            connection.execute(text("UPDATE versions SET recorded_by = 'Ann Finance' WHERE id = 1"))
        with old.engine.connect() as connection:
            assert connection.execute(text("SELECT number FROM schema_version")).scalars().all() == [1]
    with VersionStore.open(location) as store:
        with store.engine.connect() as connection:
            rows = connection.execute(text("SELECT number, description FROM schema_version ORDER BY number")).all()
        assert [number for number, _ in rows] == [m.number for m in MIGRATIONS]
        assert rows[1][1] == MIGRATIONS[1].description
        assert store.get(signed).figures == northmoor_plan.figures
        with pytest.raises(DBAPIError, match=GUARD_MESSAGE), store.engine.begin() as connection:
            connection.execute(text("DELETE FROM versions WHERE id = 1"))
    with VersionStore.open(location) as again, again.engine.connect() as connection:  # nothing applied twice
        assert connection.execute(text("SELECT count(*) FROM schema_version")).scalar_one() == len(MIGRATIONS)


def test_a_schema_2_database_gains_the_guard_on_input_files_when_opened(
    location: DatabaseLocation, northmoor_plan: NewVersion
) -> None:
    with VersionStore.open(location, create=True, migrations=MIGRATIONS[:2]) as old:
        _signed(old, northmoor_plan)
    with VersionStore.open(location) as store:
        with store.engine.connect() as connection:
            rows = connection.execute(text("SELECT number, description FROM schema_version ORDER BY number")).all()
        assert rows[-1] == (3, "input files of signed-off versions guarded by triggers against DELETE")
        with pytest.raises(DBAPIError, match=SIGNED_INPUT_GUARD_MESSAGE), store.engine.begin() as connection:
            connection.execute(text("DELETE FROM inputs"))


def test_a_database_from_a_newer_pooledfund_is_refused(location: DatabaseLocation) -> None:
    newer = (*MIGRATIONS, Migration(len(MIGRATIONS) + 1, "a later step", lambda _connection: None))
    VersionStore.open(location, create=True, migrations=newer).close()
    with pytest.raises(StoreError, match=rf"upgraded by a newer pooledfund \(schema {len(newer)}; this one knows "
                                         rf"up to {len(MIGRATIONS)}\); upgrade pooledfund"):
        VersionStore.open(location)


def test_a_text_changed_behind_pooledfunds_back_is_caught_by_its_hash(
    location: DatabaseLocation, northmoor_plan: NewVersion
) -> None:
    with VersionStore.open(location, create=True, migrations=MIGRATIONS[:1]) as store:  # no trigger to stop it
        store.record(northmoor_plan)
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE inputs SET text = text || '# edited'"))
        with pytest.raises(StoreError, match=r"the text kept for examples/bcf_northmoor.yaml no longer matches its "
                                             r"SHA-256 .*changed outside pooledfund"):
            store.get(1)


def test_a_database_of_another_programs_tables_is_refused(location: DatabaseLocation) -> None:
    from sqlalchemy import create_engine

    from pooledfund.io.store.database import open_engine

    engine = open_engine(location, create=True) if location.path is not None else create_engine(location.url or "")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE ledger (id INTEGER)"))
    engine.dispose()
    with pytest.raises(StoreError, match="already holds tables that are not pooledfund's"):
        VersionStore.open(location)


def test_a_missing_sqlite_file_is_not_created_by_reading(tmp_path: Path) -> None:
    from pooledfund.io.store.references import database_location

    where = database_location(str(tmp_path / "none.db"), environ={})
    with pytest.raises(StoreError, match=r"no versions database at .*none\.db .*record a version first"):
        VersionStore.open(where)
    assert not (tmp_path / "none.db").exists()


# ---- all or nothing, and several recorders at once -------------------------------------------


def _record_then_die(db: str, new: NewVersion) -> None:
    """In a child process: record, but die (no clean-up at all) after half the figures are written."""
    import os

    from pooledfund.io.store import store as module
    from pooledfund.io.store.references import database_location

    real = module._insert_figures

    def half_then_crash(connection: Connection, version_id: int, figures: Sequence[Figure]) -> None:
        real(connection, version_id, figures[: len(figures) // 2])
        os._exit(17)  # the process dies mid-transaction, as on a power cut or a kill -9

    module._insert_figures = half_then_crash
    VersionStore.open(database_location(db, environ={}), create=True).record(new)


def test_a_crash_half_way_through_a_record_leaves_no_half_version(
    db: str, location: DatabaseLocation, northmoor_month6: NewVersion
) -> None:
    VersionStore.open(location, create=True).close()
    child = multiprocessing.get_context("spawn").Process(target=_record_then_die, args=(db, northmoor_month6))
    child.start()
    child.join(120)
    assert child.exitcode == 17
    with VersionStore.open(location) as store:
        assert store.versions() == []
        assert [_count(store, t) for t in ("results", "inputs", "version_inputs")] == [0, 0, 0]
        assert store.record(northmoor_month6).id >= 1  # the database is usable after the crash


def test_a_failure_after_some_inserts_rolls_the_whole_record_back(
    location: DatabaseLocation, northmoor_month6: NewVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store_module._insert_figures

    def half_then_fail(connection: Connection, version_id: int, figures: Sequence[Figure]) -> None:
        real(connection, version_id, figures[:10])
        raise RuntimeError("disk full")

    with VersionStore.open(location, create=True) as store:
        monkeypatch.setattr(store_module, "_insert_figures", half_then_fail)
        with pytest.raises(RuntimeError, match="disk full"):
            store.record(northmoor_month6)
        assert store.versions() == []
        assert [_count(store, t) for t in ("results", "inputs", "version_inputs")] == [0, 0, 0]


def _record_several(db: str, new: NewVersion, count: int, label: str) -> list[int]:
    from pooledfund.io.store.references import database_location

    ids = []
    with VersionStore.open(database_location(db, environ={}), create=True) as store:
        for index in range(count):
            ids.append(store.record(NewVersion(**{**new.__dict__, "label": f"{label} {index}"})).id)
    return ids


def test_four_processes_recording_at_once_all_succeed(db: str, northmoor_plan: NewVersion) -> None:
    processes, each = 4, 5
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        done = pool.starmap(_record_several, [(db, northmoor_plan, each, f"writer {n}") for n in range(processes)])
    ids = [version_id for batch in done for version_id in batch]
    assert sorted(ids) == list(range(1, processes * each + 1))  # all there, none twice
    from pooledfund.io.store.references import database_location

    with VersionStore.open(database_location(db, environ={})) as store:
        infos = store.versions()
        assert {i.label for i in infos} == {f"writer {n} {k}" for n in range(processes) for k in range(each)}
        assert _count(store, "inputs") == 1  # one agreement text, however many wrote it at once
        assert _count(store, "results") == processes * each * len(northmoor_plan.figures)
