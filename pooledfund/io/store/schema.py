"""The versions database's tables (SQLAlchemy Core) and the guards that keep signed-off versions fixed.

Tables (docs/monitoring.md describes each column):

* ``schema_version``: one row per upgrade applied to the database, so a
  newer pooledfund knows what to add and an older one refuses a newer database;
* ``versions``: one row per recorded version (label, kind, who, when, status, sign-off);
* ``inputs``: the text of every input file, once per SHA-256 however many versions ran it;
* ``version_inputs``: which files each version ran, in order, and in what part;
* ``results``: every figure of each version, one row per figure, in pence.

The guards are triggers written for each database (SQLite and PostgreSQL):
once a version is signed off, its row, its files list and its figures
refuse every UPDATE and DELETE, and its figures and files list refuse new
rows; an input file's text can never be changed (it is kept by its hash),
and a file any signed-off version ran can never be deleted (a plain
``DELETE FROM inputs`` would otherwise leave the version with no files).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from pooledfund.io.store.records import KINDS, LEVELS, STATUSES

metadata = MetaData()


def _quoted(words: tuple[str, ...]) -> str:
    """Words as an SQL list of literals, for a CHECK constraint (the words are the code's own constants)."""
    return ", ".join(f"'{word}'" for word in words)


schema_version = Table(
    "schema_version", metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", String(20), nullable=False),
)

versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", Text, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("agreement_id", Text, nullable=False),
    Column("agreement_title", Text, nullable=False),
    Column("scenario_name", Text, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", String(20), nullable=False),
    Column("tool_version", String(40), nullable=False),
    Column("status", String(12), nullable=False, server_default="draft"),
    Column("signed_off_by", Text),
    Column("signed_off_meeting", Text),
    Column("signed_off_date", String(10)),
    Column("signed_off_at", String(20)),
    CheckConstraint(f"kind IN ({_quoted(KINDS)})", name="versions_kind"),
    CheckConstraint(f"status IN ({_quoted(STATUSES)})", name="versions_status"),
    CheckConstraint("status = 'draft' OR (signed_off_by IS NOT NULL AND signed_off_meeting IS NOT NULL "
                    "AND signed_off_date IS NOT NULL AND signed_off_at IS NOT NULL)", name="versions_signed_off_by"),
    sqlite_autoincrement=True,  # a forgotten draft's number is never given to another version
)

inputs = Table(
    "inputs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("text", Text, nullable=False),
    Column("size_bytes", Integer, nullable=False),
)

version_inputs = Table(
    "version_inputs", metadata,
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(12), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("part", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("sha256", String(64), ForeignKey("inputs.sha256"), nullable=False),
)

results = Table(
    "results", metadata,
    Column("version_id", Integer, ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True),
    Column("year", String(7), primary_key=True),
    Column("level", String(12), primary_key=True),
    Column("arrangement", Text, primary_key=True),
    Column("item", Text, primary_key=True),
    Column("measure", String(24), primary_key=True),
    Column("name", Text, nullable=False),
    Column("pence", BigInteger, nullable=False),
    Column("position", Integer, nullable=False),
    CheckConstraint(f"level IN ({_quoted(LEVELS)})", name="results_level"),
)

#: The message every guard raises, so the code can recognise the database's refusal.
GUARD_MESSAGE = "pooledfund: this version is signed off and cannot be changed"
INPUT_GUARD_MESSAGE = "pooledfund: an input file is kept by its hash and cannot be changed"
SIGNED_INPUT_GUARD_MESSAGE = "pooledfund: a signed-off version ran this input file, so it cannot be deleted"

#: Whether a signed-off version ran the input file ``{row}.sha256`` (SQL, for the triggers on ``inputs``).
_RUN_BY_SIGNED_OFF = """EXISTS (SELECT 1 FROM version_inputs JOIN versions ON versions.id = version_inputs.version_id
                         WHERE version_inputs.sha256 = {row}.sha256 AND versions.status = 'signed off')"""

#: Child tables whose rows belong to one version: (table, the row to test on UPDATE or DELETE).
_CHILDREN = ("results", "version_inputs")


def sqlite_guards() -> list[str]:
    """The SQLite triggers refusing changes to signed-off versions (and to any input file's text)."""
    statements = [
        f"""CREATE TRIGGER versions_signed_off_no_update BEFORE UPDATE ON versions
            WHEN OLD.status = 'signed off'
            BEGIN SELECT RAISE(ABORT, '{GUARD_MESSAGE}'); END""",
        f"""CREATE TRIGGER versions_signed_off_no_delete BEFORE DELETE ON versions
            WHEN OLD.status = 'signed off'
            BEGIN SELECT RAISE(ABORT, '{GUARD_MESSAGE}'); END""",
        f"""CREATE TRIGGER inputs_never_change BEFORE UPDATE ON inputs
            BEGIN SELECT RAISE(ABORT, '{INPUT_GUARD_MESSAGE}'); END""",
    ]
    for table in _CHILDREN:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            statements.append(
                f"""CREATE TRIGGER {table}_signed_off_no_{event.lower()} BEFORE {event} ON {table}
                    WHEN (SELECT status FROM versions WHERE id = {row}.version_id) = 'signed off'
                    BEGIN SELECT RAISE(ABORT, '{GUARD_MESSAGE}'); END""")
    return statements


def postgresql_guards() -> list[str]:
    """The PostgreSQL functions and triggers refusing changes to signed-off versions.

    Row triggers cover UPDATE and DELETE; TRUNCATE skips row triggers, so a
    statement trigger refuses it while any version is signed off.
    """
    statements = [
        f"""CREATE FUNCTION pooledfund_guard_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.status = 'signed off' THEN
                    RAISE EXCEPTION '{GUARD_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END $$""",
        f"""CREATE FUNCTION pooledfund_guard_version_row() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE owner integer;
            BEGIN
                IF TG_OP = 'INSERT' THEN owner := NEW.version_id; ELSE owner := OLD.version_id; END IF;
                IF (SELECT status FROM versions WHERE id = owner) = 'signed off' THEN
                    RAISE EXCEPTION '{GUARD_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END $$""",
        f"""CREATE FUNCTION pooledfund_guard_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM versions WHERE status = 'signed off') THEN
                    RAISE EXCEPTION '{GUARD_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NULL;
            END $$""",
        f"""CREATE FUNCTION pooledfund_guard_input() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{INPUT_GUARD_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END $$""",
        """CREATE TRIGGER versions_signed_off BEFORE UPDATE OR DELETE ON versions
           FOR EACH ROW EXECUTE FUNCTION pooledfund_guard_version()""",
        """CREATE TRIGGER inputs_never_change BEFORE UPDATE ON inputs
           FOR EACH ROW EXECUTE FUNCTION pooledfund_guard_input()""",
    ]
    for table in ("versions", *_CHILDREN, "inputs"):
        statements.append(f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                              FOR EACH STATEMENT EXECUTE FUNCTION pooledfund_guard_truncate()""")
    for table in _CHILDREN:
        statements.append(f"""CREATE TRIGGER {table}_signed_off BEFORE INSERT OR UPDATE OR DELETE ON {table}
                              FOR EACH ROW EXECUTE FUNCTION pooledfund_guard_version_row()""")
    return statements


def sqlite_input_guards() -> list[str]:
    """The SQLite trigger refusing to delete an input file a signed-off version ran.

    Updates of ``inputs`` are refused for every file already (``inputs_never_change``).
    """
    return [f"""CREATE TRIGGER inputs_signed_off_no_delete BEFORE DELETE ON inputs
                WHEN {_RUN_BY_SIGNED_OFF.format(row="OLD")}
                BEGIN SELECT RAISE(ABORT, '{SIGNED_INPUT_GUARD_MESSAGE}'); END"""]


def postgresql_input_guards() -> list[str]:
    """The PostgreSQL function and trigger refusing to delete an input file a signed-off version ran.

    Without it the foreign key from ``version_inputs`` would refuse too, but in
    words no finance lead reads; TRUNCATE of ``inputs`` is refused already.
    """
    return [
        f"""CREATE FUNCTION pooledfund_guard_signed_input() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {_RUN_BY_SIGNED_OFF.format(row="OLD")} THEN
                    RAISE EXCEPTION '{SIGNED_INPUT_GUARD_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN OLD;
            END $$""",
        """CREATE TRIGGER inputs_signed_off_no_delete BEFORE DELETE ON inputs
           FOR EACH ROW EXECUTE FUNCTION pooledfund_guard_signed_input()""",
    ]
