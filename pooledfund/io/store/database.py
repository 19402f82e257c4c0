"""Opening the versions database: SQLite (a file, no server) or PostgreSQL (shared by a team), and its transactions.

SQLite is opened in WAL mode with a busy timeout, and every write takes the
database's write lock as it begins (``BEGIN IMMEDIATE``), so two programs
recording at once queue rather than fail; if one still finds the database
locked past the timeout, the whole transaction is tried again. A
transaction is all or nothing: a failure half way through a record leaves
no trace of it.

Only SQLite and PostgreSQL are accepted: the guards on signed-off versions
are triggers written for each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from pooledfund.io.store.errors import StoreError
from pooledfund.io.store.references import DatabaseLocation

#: How long a SQLite writer waits for another's write to finish before the transaction is tried again.
BUSY_TIMEOUT_SECONDS = 30
#: How many times a transaction is tried when the database is busy (locked, or a PostgreSQL serialization clash).
ATTEMPTS = 8
_WRITE_OPTION = "pooledfund_write"
_BUSY_WORDS = ("database is locked", "database is busy", "database table is locked")
_RETRY_SQLSTATES = ("40001", "40P01")  # serialization failure, deadlock detected
_WRITE_LOCK_KEY = 7575017  # PostgreSQL advisory lock taken by every pooledfund write transaction

T = TypeVar("T")


def open_engine(location: DatabaseLocation, *, create: bool) -> Engine:
    """An engine for the database at ``location``; a missing SQLite file is created only when ``create``.

    Raises :class:`StoreError` for a missing file (when not creating), a
    folder, a URL that cannot be read, or a database other than SQLite or PostgreSQL.
    """
    if location.path is not None:
        return _sqlite_engine(location.path, location.given_as, create=create)
    try:
        url = make_url(location.url or "")
    except ArgumentError:
        raise StoreError(f"{location.given_as} {location.shown}: not a database URL; give a file path, or a URL "
                         "such as postgresql+psycopg://user@host/database") from None
    if url.get_backend_name() != "postgresql":
        raise StoreError(f"{location.given_as} {location.shown}: pooledfund keeps versions in a SQLite file or a "
                         f"PostgreSQL database, not {url.get_backend_name()}")
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # the driver pooledfund installs
    try:
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StoreError(f"{location.given_as} {location.shown}: {exc}") from None


def _sqlite_engine(path: Path, given_as: str, *, create: bool) -> Engine:
    """A SQLite engine in WAL mode with a busy timeout, foreign keys on and ``BEGIN IMMEDIATE`` for writes."""
    if path.exists() and not path.is_file():
        raise StoreError(f"{given_as} {path}: a folder or device, not a database file; give a file name")
    if not path.exists() and not create:
        raise StoreError(f"no versions database at {path} ({given_as}); record a version first with "
                         "'pooledfund record', or name the database with --db or POOLEDFUND_DB")
    if not path.exists() and not path.parent.is_dir():
        raise StoreError(f"{given_as} {path}: the folder {path.parent} does not exist")
    engine = create_engine(URL.create("sqlite+pysqlite", database=str(path)),
                           connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver's own BEGIN is off: _on_begin issues the right one
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = bool(connection.get_execution_options().get(_WRITE_OPTION))
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _busy(exc: DBAPIError) -> bool:
    """Whether a failure means only that another program was using the database (worth trying again)."""
    words = str(exc.orig).lower()
    return any(word in words for word in _BUSY_WORDS) or getattr(exc.orig, "sqlstate", None) in _RETRY_SQLSTATES


def in_transaction(engine: Engine, work: Callable[[Connection], T], *, write: bool) -> T:
    """Run ``work`` in one transaction (committed if it returns, rolled back if it raises); retry while busy.

    ``write`` takes SQLite's write lock at the start, so a record never
    meets another writer half way. The work must be safe to run again: it is,
    when it does nothing outside the database.
    """
    delay = 0.05
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with engine.connect() as connection:
                connection = connection.execution_options(**{_WRITE_OPTION: write})
                with connection.begin():
                    if write and connection.dialect.name == "postgresql":
                        # Writers take turns, as SQLite's BEGIN IMMEDIATE makes them: no two records or
                        # upgrades interleave, and a forgotten draft's files never vanish under a new record.
                        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK_KEY})")
                    return work(connection)
        except DBAPIError as exc:
            if attempt < ATTEMPTS and _busy(exc):
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            raise _plain(exc, engine) from None
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


def _plain(exc: DBAPIError, engine: Engine) -> StoreError:
    """A database failure in one line a finance lead can act on (the URL's password hidden)."""
    shown = engine.url.render_as_string(hide_password=True)
    if engine.url.get_backend_name() == "sqlite":
        shown = str(engine.url.database)
    first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    if isinstance(exc, OperationalError) and _busy(exc):
        return StoreError(f"{shown}: the database stayed busy with another program's work; try again")
    if "file is not a database" in first:
        return StoreError(f"{shown}: not a SQLite database (is it the file you meant?)")
    return StoreError(f"{shown}: {first}")
