"""The versions database: record a version, list them, read one back, sign one off, forget a draft.

Every change is one transaction (see :mod:`.database`): a version appears
whole, with its files and figures, or not at all. A signed-off version is
refused here, in words, before the database's own guards (triggers, see
:mod:`.schema`) would refuse it too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Row, delete, func, insert, select, update

from pooledfund.core.version import __version__
from pooledfund.io.store import schema
from pooledfund.io.store.clock import today, utc_now
from pooledfund.io.store.database import in_transaction, open_engine
from pooledfund.io.store.errors import SignedOffError, StoreError, UnknownVersionError
from pooledfund.io.store.migrations import MIGRATIONS, Migration, upgrade
from pooledfund.io.store.records import (
    AGREEMENT_ROLE,
    ARRANGEMENT,
    DRAFT,
    KINDS,
    LABEL_MAX_CHARS,
    SIGNED_OFF,
    Figure,
    InputText,
    NewVersion,
    SignOff,
    Version,
    VersionInfo,
)
from pooledfund.io.store.references import LATEST, PLAN, DatabaseLocation, VersionReference

_ROLE_ORDER = {AGREEMENT_ROLE: 0}


class VersionStore:
    """A versions database, upgraded to this pooledfund's schema when opened.

    Open it with :meth:`open`; close it with :meth:`close` (or use it in a
    ``with`` block).
    """

    def __init__(self, engine: Engine, shown: str) -> None:
        self.engine = engine
        self.shown = shown

    @classmethod
    def open(cls, location: DatabaseLocation, *, create: bool = False,
             migrations: tuple[Migration, ...] = MIGRATIONS) -> VersionStore:
        """Open (and, for ``create``, make) the database at ``location`` and apply any migration it lacks."""
        engine = open_engine(location, create=create)
        store = cls(engine, location.shown)
        try:
            in_transaction(engine, lambda connection: upgrade(connection, migrations), write=True)
        except BaseException:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        """Let go of the database's connections."""
        self.engine.dispose()

    def __enter__(self) -> VersionStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ---- recording --------------------------------------------------------

    def record(self, new: NewVersion) -> VersionInfo:
        """Record a version with its files and figures, all in one transaction; return it with its number."""
        if new.kind not in KINDS:
            raise StoreError(f"{new.kind!r} is not a kind of version ({', '.join(KINDS)})")
        if not new.label.strip() or len(new.label) > LABEL_MAX_CHARS:
            raise StoreError(f"a version's label is 1 to {LABEL_MAX_CHARS} characters on one line; this one has "
                             f"{len(new.label):,}")
        for item in new.inputs:
            if hashlib.sha256(item.text.encode("utf-8")).hexdigest() != item.sha256:
                raise StoreError(f"{item.name}: its text does not match its SHA-256; it was not recorded")
        version_id = in_transaction(self.engine, lambda connection: _write_version(connection, new), write=True)
        return self.info(version_id)

    # ---- reading ----------------------------------------------------------

    def versions(self) -> list[VersionInfo]:
        """Every version, oldest first."""
        rows = in_transaction(self.engine, lambda c: c.execute(
            select(schema.versions).order_by(schema.versions.c.id)).all(), write=False)
        return [_info(row) for row in rows]

    def variances(self) -> dict[int, dict[str, int]]:
        """Each version's variance (spend less budget of all its arrangements) per year, in pence."""
        results = schema.results.c
        query = (select(results.version_id, results.year, func.sum(results.pence))
                 .where(results.level == ARRANGEMENT, results.measure == "variance")
                 .group_by(results.version_id, results.year))
        rows = in_transaction(self.engine, lambda c: c.execute(query).all(), write=False)
        totals: dict[int, dict[str, int]] = {}
        for version_id, year, pence in rows:
            totals.setdefault(int(version_id), {})[str(year)] = int(pence)
        return totals

    def info(self, version_id: int) -> VersionInfo:
        """One version's details; :class:`UnknownVersionError` if there is no such version."""
        return in_transaction(self.engine, lambda c: _info_or_unknown(c, self.shown, version_id), write=False)

    def get(self, version_id: int) -> Version:
        """One version whole: details, input files (each checked against its hash) and figures."""
        return in_transaction(self.engine, lambda c: self._read_version(c, version_id), write=False)

    def resolve(self, reference: VersionReference) -> int:
        """The number of the version a reference names (``@3``, ``@latest``, ``@signed-off``, ``@plan``).

        ``@signed-off`` is the version signed off most recently: the latest
        sign-off date (the meeting's), then the latest time the sign-off was
        entered, then the higher number. A board may approve a plan, then a
        quarterly return; the one approved last is what stands now.
        ``@plan`` is the same among the signed-off versions of kind ``plan``:
        the plan the year is measured against.
        """
        table = schema.versions
        if reference.number is not None:
            in_transaction(self.engine, lambda c: _info_or_unknown(c, self.shown, reference.number or 0,
                                                                   reference.text), write=False)
            return reference.number
        if reference.which == LATEST:
            query = select(table.c.id).order_by(table.c.id.desc()).limit(1)
        else:
            query = (select(table.c.id).where(table.c.status == SIGNED_OFF)
                     .order_by(table.c.signed_off_date.desc(), table.c.signed_off_at.desc(), table.c.id.desc())
                     .limit(1))
            if reference.which == PLAN:
                query = query.where(table.c.kind == PLAN)
        found = in_transaction(self.engine, lambda c: c.execute(query).scalar(), write=False)
        if found is None:
            if reference.which == LATEST:
                raise UnknownVersionError(f"{reference.text}: {self.shown} holds no versions yet; record one with "
                                          "'pooledfund record'")
            if reference.which == PLAN:
                raise UnknownVersionError(f"{reference.text}: no plan in {self.shown} has been signed off yet (a "
                                          "version recorded with --kind plan, then 'pooledfund signoff'); "
                                          "'pooledfund history' lists the versions")
            raise UnknownVersionError(f"{reference.text}: no version in {self.shown} has been signed off yet "
                                      "('pooledfund history' lists them; 'pooledfund signoff' signs one off)")
        return int(found)

    # ---- sign-off and forgetting -----------------------------------------

    def sign_off(self, version_id: int, *, by: str, meeting: str, signed_on: date) -> VersionInfo:
        """Mark a draft signed off by ``by`` at ``meeting`` on ``signed_on``; from then on it never changes."""
        if not by.strip() or not meeting.strip():
            raise StoreError("a sign-off names who signed it off (--by) and the meeting (--meeting)")

        def work(connection: Connection) -> None:
            current = _info_or_unknown(connection, self.shown, version_id)
            if current.signed_off and current.sign_off is not None:
                raise SignedOffError(version_id, "signed off again", current.sign_off.words())
            if signed_on > today():
                raise StoreError(f"--date {signed_on.isoformat()} is after today: a version is signed off on the date "
                                 "of the meeting that approved it")
            # A plan approved at a board before it was recorded here (a finance lead starting with the tool
            # part way through the year) is signed off on the meeting's date. What cannot be right is a
            # date more than a year before the version's first financial year begins.
            first_year = connection.execute(
                select(func.min(schema.results.c.year)).where(schema.results.c.version_id == version_id)).scalar()
            if first_year:
                earliest = date(int(first_year[:4]) - 1, 4, 1)
                if signed_on < earliest:
                    raise StoreError(
                        f"--date {signed_on.isoformat()}: version {version_id} covers {first_year} onwards, so no "
                        f"board approved it before {earliest.isoformat()}, a year before its first year began; "
                        "give the date of the meeting that approved it")
            done = connection.execute(
                update(schema.versions)
                .where(schema.versions.c.id == version_id, schema.versions.c.status == DRAFT)
                .values(status=SIGNED_OFF, signed_off_by=by.strip(), signed_off_meeting=meeting.strip(),
                        signed_off_date=signed_on.isoformat(), signed_off_at=utc_now()))
            if done.rowcount != 1:
                raise StoreError(f"version {version_id} changed while it was being signed off; try again")

        in_transaction(self.engine, work, write=True)
        return self.info(version_id)

    def forget(self, version_id: int) -> VersionInfo:
        """Delete a draft with its figures (and any file no other version ran); a signed-off version is refused."""

        def work(connection: Connection) -> VersionInfo:
            current = _info_or_unknown(connection, self.shown, version_id)
            if current.signed_off and current.sign_off is not None:
                raise SignedOffError(version_id, "deleted", current.sign_off.words())
            hashes = [row.sha256 for row in connection.execute(
                select(schema.version_inputs.c.sha256).where(schema.version_inputs.c.version_id == version_id))]
            connection.execute(delete(schema.results).where(schema.results.c.version_id == version_id))
            connection.execute(delete(schema.version_inputs).where(schema.version_inputs.c.version_id == version_id))
            connection.execute(delete(schema.versions).where(schema.versions.c.id == version_id))
            still_used = select(schema.version_inputs.c.sha256)
            connection.execute(delete(schema.inputs).where(schema.inputs.c.sha256.in_(hashes),
                                                           schema.inputs.c.sha256.not_in(still_used)))
            return current

        return in_transaction(self.engine, work, write=True)

    # ---- helpers ----------------------------------------------------------

    def _read_version(self, connection: Connection, version_id: int) -> Version:
        """A version whole, read in one transaction so its parts agree."""
        info = _info_or_unknown(connection, self.shown, version_id)
        links, files = schema.version_inputs.c, schema.inputs.c
        rows = connection.execute(
            select(links.role, links.position, links.part, links.name, links.sha256, files.text)
            .outerjoin(schema.inputs, files.sha256 == links.sha256)
            .where(links.version_id == version_id)).all()
        _check_inputs_present(version_id, rows)
        inputs = sorted((InputText(r.role, r.position, r.part, r.name, r.sha256, r.text) for r in rows),
                        key=lambda i: (_ROLE_ORDER.get(i.role, 1), i.position, i.part))
        for item in inputs:
            if hashlib.sha256(item.text.encode("utf-8")).hexdigest() != item.sha256:
                raise StoreError(f"version {version_id}: the text kept for {item.name} no longer matches its "
                                 f"SHA-256 ({item.sha256[:12]}...): the database was changed outside pooledfund")
        c = schema.results.c
        figures = tuple(
            Figure(r.year, r.level, r.arrangement, r.item, r.name, r.measure, int(r.pence), r.position)
            for r in connection.execute(select(schema.results).where(c.version_id == version_id)
                                        .order_by(c.position)))
        return Version(info, tuple(inputs), figures)


def _check_inputs_present(version_id: int, rows: Sequence[Row[Any, Any, Any, Any, Any, Any]]) -> None:
    """Refuse, in words, a version whose files list is empty or names texts no longer in ``inputs``.

    Every version runs an agreement file, so an empty list, or a file whose
    text is gone, can only mean rows were deleted behind pooledfund's back
    (with a tool that bypassed the guards, or before they existed).
    """
    missing = [row for row in rows if row.text is None]
    if any(row.role == AGREEMENT_ROLE for row in rows) and not missing:
        return
    if missing:
        which = " (" + "; ".join(f"{row.name}, SHA-256 {row.sha256[:12]}..." for row in missing[:3])
        which += f"; and {len(missing) - 3} more)" if len(missing) > 3 else ")"
    else:
        which = " (it lists no agreement file)" if rows else " (it lists no files at all)"
    raise StoreError(f"version {version_id}'s input files are missing from the database{which}: it has been "
                     "tampered with, and cannot be shown, run or compared; restore the database from a backup")


def _version_row(connection: Connection, version_id: int) -> Row[Any] | None:
    """The versions row of ``version_id``, or None."""
    return connection.execute(select(schema.versions).where(schema.versions.c.id == version_id)).first()


def _info_or_unknown(connection: Connection, shown: str, version_id: int, text: str | None = None) -> VersionInfo:
    """A version's details inside a transaction, or :class:`UnknownVersionError` saying which versions there are."""
    row = _version_row(connection, version_id)
    if row is not None:
        return _info(row)
    table = schema.versions
    low, high, count = connection.execute(select(func.min(table.c.id), func.max(table.c.id), func.count())).one()
    if not count:
        held = "holds no versions yet; record one with 'pooledfund record'"
    else:
        held = (f"holds {count} version{'s' if count != 1 else ''}, numbered {low} to {high}; "
                "'pooledfund history' lists them")
    raise UnknownVersionError(f"{text or f'@{version_id}'}: there is no version {version_id} in {shown}; it {held}")


def _info(row: Row[Any]) -> VersionInfo:
    """A versions row as a :class:`VersionInfo`."""
    sign_off = None
    if row.status == SIGNED_OFF:
        sign_off = SignOff(row.signed_off_by, row.signed_off_meeting, row.signed_off_date, row.signed_off_at)
    return VersionInfo(int(row.id), row.label, row.kind, row.agreement_id, row.agreement_title, row.scenario_name,
                       row.recorded_by, row.recorded_at, row.tool_version, row.status, sign_off)


def _write_version(connection: Connection, new: NewVersion) -> int:
    """Insert the version's row, its files and its figures; return its number (inside the caller's transaction)."""
    version_id = _insert_version_row(connection, new)
    _insert_inputs(connection, version_id, new.inputs)
    _insert_figures(connection, version_id, new.figures)
    return version_id


def _insert_version_row(connection: Connection, new: NewVersion) -> int:
    """The versions row, as a draft recorded now; its new number."""
    done = connection.execute(insert(schema.versions).values(
        label=new.label, kind=new.kind, agreement_id=new.agreement_id, agreement_title=new.agreement_title,
        scenario_name=new.scenario_name, recorded_by=new.recorded_by, recorded_at=utc_now(),
        tool_version=__version__, status=DRAFT).returning(schema.versions.c.id))
    return int(done.scalar_one())


def _insert_inputs(connection: Connection, version_id: int, files: Sequence[InputText]) -> None:
    """Each file's text once by its hash (kept if already there), and the version's list of files."""
    texts = {item.sha256: item.text for item in files}
    for sha256, text in texts.items():
        connection.execute(_insert_unless_present(connection),
                           {"sha256": sha256, "text": text, "size_bytes": len(text.encode("utf-8"))})
    if files:
        connection.execute(insert(schema.version_inputs), [
            {"version_id": version_id, "role": item.role, "position": item.position, "part": item.part,
             "name": item.name, "sha256": item.sha256} for item in files])


def _insert_unless_present(connection: Connection) -> Executable:
    """``INSERT INTO inputs ... ON CONFLICT DO NOTHING`` for this database (two recorders may bring one file)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(schema.inputs).on_conflict_do_nothing(index_elements=["sha256"])
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(schema.inputs).on_conflict_do_nothing(index_elements=["sha256"])


def _insert_figures(connection: Connection, version_id: int, figures: Sequence[Figure]) -> None:
    """Every figure of the version, one row each."""
    if figures:
        connection.execute(insert(schema.results), [
            {"version_id": version_id, "year": f.year, "level": f.level, "arrangement": f.arrangement,
             "item": f.item, "measure": f.measure, "name": f.name, "pence": f.pence, "position": f.position}
            for f in figures])
