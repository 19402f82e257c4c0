"""A versions database read for viewing only: a copy in memory, so the file itself is never touched.

The dashboard shows versions; it must never change the database a finance
team records into. Opening the file through SQLite, even read-only, is not
enough: a database in WAL mode (as ``pooledfund record`` leaves it) makes
SQLite create ``-wal`` and ``-shm`` files beside it. So the file's bytes are
read once and the database is opened from that copy in memory
(``sqlite3.Connection.deserialize``); anything done to the copy (the schema
check, an upgrade of an older database) happens in memory and is thrown
away with it.

One case needs SQLite's own reading: a database another program is writing
to can hold committed versions in its ``-wal`` file that are not yet in the
main file. Then (and only then, when that ``-wal`` file is there and not
empty, so its ``-shm`` partner is too) the file is opened read-only
(``mode=ro``) and copied into memory with SQLite's backup, which reads
through the WAL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from pooledfund.io.store.database import in_transaction
from pooledfund.io.store.errors import StoreError
from pooledfund.io.store.migrations import upgrade
from pooledfund.io.store.store import VersionStore

#: The largest database file read for viewing: about 5,000 versions of the Northmoor example (38 KiB each).
MAX_DATABASE_BYTES = 200 * 1024 * 1024
#: The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"
#: Bytes 18 and 19 of the header: the file format versions; 2 means WAL mode, 1 the classic journal.
_WAL_BYTES = slice(18, 20)


def database_bytes(path: Path, shown: str | None = None) -> bytes:
    """The committed contents of the SQLite database at ``path``, read without changing or creating any file.

    Raises :class:`StoreError` in words for a missing file, a folder, a file
    too large or a file that is not a SQLite database.
    """
    name = shown or str(path)
    if not path.exists():
        raise StoreError(f"{name}: no such file; give the path of a versions database ('pooledfund record' makes one)")
    if not path.is_file():
        raise StoreError(f"{name}: a folder or device, not a database file; give the path of a versions database")
    size = path.stat().st_size
    if size > MAX_DATABASE_BYTES:
        raise StoreError(f"{name}: {size / 1024 / 1024:.0f} MB, more than the {MAX_DATABASE_BYTES // 1024 // 1024} MB "
                         "read for viewing")
    wal = path.with_name(path.name + "-wal")
    if wal.is_file() and wal.stat().st_size > 0 and path.with_name(path.name + "-shm").is_file():
        return _through_wal(path, name)
    return path.read_bytes()


def _through_wal(path: Path, name: str) -> bytes:
    """The database with what its ``-wal`` file holds, copied through a read-only connection."""
    try:
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            memory = sqlite3.connect(":memory:")
            try:
                source.backup(memory)
                return memory.serialize()
            finally:
                memory.close()
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{name}: not a readable SQLite database ({exc})") from None


def open_snapshot(data: bytes, shown: str) -> VersionStore:
    """A :class:`VersionStore` over a copy in memory of the database ``data`` holds, checked to be pooledfund's.

    ``shown`` names the database in messages (its path, or an uploaded file's
    name). Raises :class:`StoreError` in words for anything that is not a
    versions database: not SQLite, another program's tables, an empty
    database, or one written by a newer pooledfund.
    """
    if not data:
        raise StoreError(f"{shown}: an empty file, not a versions database; give the file 'pooledfund record' writes")
    if not data.startswith(SQLITE_HEADER):
        raise StoreError(f"{shown}: not a SQLite database, so not a versions database; give the file "
                         "'pooledfund record' writes (pooledfund.db by default)")
    image = bytearray(data)
    image[_WAL_BYTES] = b"\x01\x01"  # the copy lives in memory, where there is no WAL: read it as a classic journal
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        connection.deserialize(bytes(image))
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise StoreError(f"{shown}: not a readable SQLite database ({exc}); give the file 'pooledfund record' "
                         "writes") from None
    if not tables:
        connection.close()
        raise StoreError(f"{shown}: a SQLite database with no tables, so no versions; record one with "
                         "'pooledfund record --db' on it first")
    engine = create_engine("sqlite://", creator=lambda: connection, poolclass=StaticPool)
    try:
        # In memory: an older database is brought up to date in the copy, a foreign or newer one refused.
        in_transaction(engine, upgrade, write=True)
    except StoreError as exc:
        engine.dispose()
        connection.close()
        raise StoreError(f"{shown}: not a versions database this pooledfund can read: {exc}") from None
    return VersionStore(engine, shown)
