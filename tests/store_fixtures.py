"""Fixtures for the versions database tests: one database of each kind (SQLite and PostgreSQL) per test.

Registered in conftest.py (``pytest_plugins``) for tests/test_store*.py.

* ``db`` (parametrised ``sqlite`` / ``postgresql``): the ``--db`` value of an
  empty versions database. SQLite is a file in the test's folder. PostgreSQL
  is a schema of its own in a database made for this test session (from
  ``POOLEDFUND_TEST_PG_URL``, a URL of a role allowed to create databases) and
  dropped at the end. Without that variable the PostgreSQL tests skip, except
  in CI (``POOLEDFUND_REQUIRE_TOOLS``), where they fail.
* ``location``: the same as a :class:`DatabaseLocation`.
* ``northmoor_plan`` / ``northmoor_month6``: the bundled Northmoor example run
  as a plan (no scenario) and under its month 6 forecast, ready to record.
* ``board_day_clock`` (automatic in tests/test_store*.py): the time pinned
  (``POOLEDFUND_NOW``) to 2026-03-18, the day of the board meeting the tests
  sign versions off at, since a version cannot be signed off before the day
  it was recorded.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pooledfund.io.store.records import NewVersion
from pooledfund.io.store.references import DatabaseLocation, database_location
from pooledfund.io.store.sources import prepare_version

ROOT = Path(__file__).resolve().parents[1]
PG_ENV = "POOLEDFUND_TEST_PG_URL"
_SCHEMAS = itertools.count(1)


#: The day the tests' board meets (``--date 2026-03-18``); versions are recorded that morning.
BOARD_DAY = "2026-03-18T09:00:00Z"


@pytest.fixture(autouse=True)
def board_day_clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the versions database tests, record and sign off on the board's day (2026-03-18)."""
    if request.module.__name__.startswith("test_store"):
        monkeypatch.setenv("POOLEDFUND_NOW", BOARD_DAY)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database made for this session (dropped after it); its URL."""
    url = os.environ.get(PG_ENV)
    if not url:
        message = f"{PG_ENV} is not set (a PostgreSQL URL of a role that may create databases)"
        if os.environ.get("POOLEDFUND_REQUIRE_TOOLS"):
            pytest.fail(message + " and POOLEDFUND_REQUIRE_TOOLS is set")
        pytest.skip(message)
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    name = f"pooledfund_test_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def _schema_of_its_own(base: str) -> Iterator[str]:
    """A fresh schema in the session's PostgreSQL database, dropped afterwards; the URL that uses it."""
    from sqlalchemy import create_engine

    schema = f"t{next(_SCHEMAS)}_{secrets.token_hex(3)}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The ``--db`` value of an empty versions database of each kind."""
    if request.param == "sqlite":
        yield str(tmp_path / "versions.db")
        return
    with _schema_of_its_own(request.getfixturevalue("pg_database")) as url:
        yield url


@pytest.fixture
def pg_db(pg_database: str) -> Iterator[str]:
    """The ``--db`` value of an empty PostgreSQL versions database, for what only PostgreSQL has."""
    with _schema_of_its_own(pg_database) as url:
        yield url


@pytest.fixture
def location(db: str) -> DatabaseLocation:
    """The database of ``db`` as the store opens it."""
    return database_location(db, environ={})


@pytest.fixture(scope="session")
def northmoor_plan() -> NewVersion:
    """Northmoor as agreed (no scenario: spend at budget), ready to record as the plan."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)  # files named as a user at the repository's root types them
        return prepare_version("examples/bcf_northmoor.yaml", [], label="Plan 2025-26", kind="plan",
                               recorded_by="Ann Finance")


@pytest.fixture(scope="session")
def northmoor_month6() -> NewVersion:
    """Northmoor under its month 6 forecast (April to September actuals, run rate, a December shock)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        return prepare_version("examples/bcf_northmoor.yaml", ["scenarios/bcf_in_year_actuals.yaml"],
                               label="Month 6 forecast", kind="month-6", recorded_by="Ann Finance")
