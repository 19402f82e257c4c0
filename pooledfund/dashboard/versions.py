"""The versions database as the dashboard reads it: for viewing only, from a copy in memory.

The file is read once as bytes (:func:`pooledfund.io.store.snapshot.database_bytes`)
and every look at it opens that copy (:func:`~pooledfund.io.store.snapshot.open_snapshot`),
so nothing the dashboard does can change the database a team records into,
nor leave a ``-wal`` or ``-shm`` file beside it. An uploaded database is
read the same way, in memory, never saved.

Which versions the monitoring view compares:

* the **baseline** is, unless chosen otherwise, the plan signed off last
  (the board's approved plan), else the version signed off last, else the
  first version;
* **last month** is the latest ``month-N`` version recorded before the
  version on screen (or the latest of all when the screen shows files).

SQLAlchemy is imported only when a database is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pooledfund.io.store.records import SIGNED_OFF, Version, VersionInfo, kind_words
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario

#: The upload limit for a versions database, in MB (the server's own limit, ``server.maxUploadSize``).
UPLOAD_MB = 20


@dataclass(frozen=True)
class VersionsDatabase:
    """A versions database read for viewing.

    Attributes:
        shown: how messages and the page name it (the path as typed, or the uploaded file's name).
        data: its committed contents (a copy; the file is never opened for writing).
        digest: the SHA-256 of ``shown`` and ``data``, the cache key of everything read from it.
        versions: every version it holds, oldest first.
    """

    shown: str
    data: bytes
    digest: str
    versions: tuple[VersionInfo, ...]

    def info(self, version_id: int) -> VersionInfo:
        """The details of one of its versions (KeyError if it holds no such version)."""
        for info in self.versions:
            if info.id == version_id:
                return info
        raise KeyError(version_id)


def read_file(path: Path, shown: str) -> bytes:
    """The committed contents of the database at ``path``, read without changing it (StoreError in words)."""
    from pooledfund.io.store.snapshot import database_bytes

    return database_bytes(path, shown)


def list_versions(data: bytes, shown: str) -> list[VersionInfo]:
    """Every version the database holds, oldest first (StoreError in words if it is not a versions database)."""
    from pooledfund.io.store.snapshot import open_snapshot

    with open_snapshot(data, shown) as store:
        return store.versions()


def read_version(data: bytes, shown: str, version_id: int) -> Version:
    """One version whole: its details, its files (checked against their hashes) and its figures."""
    from pooledfund.io.store.snapshot import open_snapshot

    with open_snapshot(data, shown) as store:
        return store.get(version_id)


def version_records(version: Version) -> tuple[Agreement, list[Scenario]]:
    """The agreement and scenarios a version ran, rebuilt from its recorded files (InvalidInputError, located)."""
    from pooledfund.io.store.sources import version_records as rebuild

    return rebuild(version)


def version_title(info: VersionInfo) -> str:
    """A version for a picker: number, label, kind and status ("@1 Plan 2025-26 as approved · plan · signed off")."""
    return f"@{info.id} {info.label} · {kind_words(info.kind)} · {info.status}"


def default_baseline(versions: list[VersionInfo]) -> int | None:
    """The version to compare against unless one is chosen: the last signed-off plan.

    Else the last version signed off, else the first version (the earliest plan, as a rule).
    """
    signed = [v for v in versions if v.status == SIGNED_OFF]
    plans = [v for v in signed if v.kind == "plan"]
    for group in (plans, signed):
        if group:
            return group[-1].id
    return versions[0].id if versions else None


def month_of(info: VersionInfo) -> int | None:
    """The month of the year a forecast was made at the end of (3 for ``month-3``); None for a plan or outturn."""
    return int(info.kind.removeprefix("month-")) if info.kind.startswith("month-") else None


def last_month(versions: list[VersionInfo], on_screen: int | None) -> VersionInfo | None:
    """The latest monthly forecast recorded before the version on screen (before none: the latest of all)."""
    earlier = [v for v in versions if month_of(v) is not None and (on_screen is None or v.id < on_screen)]
    return earlier[-1] if earlier else None
