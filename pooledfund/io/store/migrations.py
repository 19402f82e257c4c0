"""Upgrading a versions database on open: a short ordered list of migrations, each applied once.

The ``schema_version`` table holds one row per migration applied (its
number, what it did and when). Opening a database applies, in order and in
one transaction, every migration with a higher number than the highest
applied; a database whose number is higher than any this pooledfund knows
was upgraded by a newer pooledfund and is refused rather than misread.

Why not Alembic: the schema is five tables, upgrades run inside the
program on open (a finance lead never runs a migration tool), and each step
is a few statements that differ by database (triggers). A list of numbered
functions does that in one screen with no second configuration to keep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, inspect, select

from pooledfund.io.store import schema
from pooledfund.io.store.clock import utc_now
from pooledfund.io.store.errors import StoreError


@dataclass(frozen=True)
class Migration:
    """One step of the schema's history: its number, what it does in words, and the function doing it."""

    number: int
    description: str
    apply: Callable[[Connection], None]


def _create_tables(connection: Connection) -> None:
    """1: the tables of versions, their input files and their figures."""
    tables = [schema.versions, schema.inputs, schema.version_inputs, schema.results]
    schema.metadata.create_all(connection, tables=tables)


def _guard_signed_off(connection: Connection) -> None:
    """2: the database itself refuses to change or delete a signed-off version (triggers)."""
    dialect = connection.dialect.name
    statements = schema.sqlite_guards() if dialect == "sqlite" else schema.postgresql_guards()
    for statement in statements:
        connection.exec_driver_sql(statement)


def _guard_signed_off_inputs(connection: Connection) -> None:
    """3: the database refuses to delete an input file any signed-off version ran (triggers)."""
    dialect = connection.dialect.name
    statements = schema.sqlite_input_guards() if dialect == "sqlite" else schema.postgresql_input_guards()
    for statement in statements:
        connection.exec_driver_sql(statement)


#: The schema's history, oldest first. Add a step at the end; never change or remove one already released.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "tables: versions, inputs, version_inputs, results", _create_tables),
    Migration(2, "signed-off versions guarded by triggers against UPDATE and DELETE", _guard_signed_off),
    Migration(3, "input files of signed-off versions guarded by triggers against DELETE", _guard_signed_off_inputs),
)
LATEST = MIGRATIONS[-1].number


def applied_number(connection: Connection) -> int:
    """The highest migration applied to the database (0 for a new, empty one)."""
    if not inspect(connection).has_table("schema_version"):
        return 0
    return int(connection.execute(select(func.max(schema.schema_version.c.number))).scalar() or 0)


def upgrade(connection: Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[Migration]:
    """Apply every migration the database lacks, in order, inside the caller's transaction; return those applied.

    The caller holds the database's write lock (a write transaction of
    :func:`~pooledfund.io.store.database.in_transaction`), so two programs opening a new database at
    once upgrade it once. Raises :class:`StoreError` for a database newer
    than this pooledfund, or one whose tables are not pooledfund's.
    """
    tables = set(inspect(connection).get_table_names())
    if tables and "schema_version" not in tables:
        raise StoreError("the database already holds tables that are not pooledfund's (no schema_version "
                         f"table: {', '.join(sorted(tables)[:5])}); give pooledfund a database of its own with --db")
    schema.metadata.create_all(connection, tables=[schema.schema_version])
    current = applied_number(connection)
    known = migrations[-1].number if migrations else 0
    if current > known:
        raise StoreError(f"the database was last upgraded by a newer pooledfund (schema {current}; this one knows "
                         f"up to {known}); upgrade pooledfund to use it")
    applied = []
    for migration in migrations:
        if migration.number <= current:
            continue
        migration.apply(connection)
        connection.execute(insert(schema.schema_version).values(
            number=migration.number, description=migration.description, applied_at=utc_now()))
        applied.append(migration)
    return applied

