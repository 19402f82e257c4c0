"""Naming a recorded version on the command line (``@3``, ``@latest``, ``@signed-off``, ``@plan``) and the database.

Light on purpose (no SQLAlchemy): the commands that accept a file or a
version tell the two apart with :func:`is_reference` before any database is opened.

* ``@3`` is version 3 (``history`` lists the numbers);
* ``@latest`` is the version recorded last;
* ``@signed-off`` is the version signed off most recently (by the meeting's
  date, then the time the sign-off was entered): what the board approved last;
* ``@plan`` is the plan signed off most recently (kind ``plan``): the
  yardstick a month's forecast is measured against (``diff @plan @latest``).

A file whose name starts with ``@`` is named with a folder in front: ``./@notes.yaml``.

The database is ``--db`` if given (a file path, or a SQLAlchemy URL such as
``postgresql+psycopg://user@host/db`` for a shared one), else the environment
variable ``POOLEDFUND_DB``, else ``pooledfund.db`` in the current folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PREFIX = "@"
LATEST, LAST_SIGNED_OFF, PLAN = "latest", "signed-off", "plan"
DB_ENV = "POOLEDFUND_DB"
DEFAULT_DB_NAME = "pooledfund.db"

_PASSWORD = re.compile(r"(://[^/@:]*:)[^/@]*@")
_SQLITE_URL = re.compile(r"sqlite(?:\+pysqlite)?:///(?P<path>.+)")


def is_reference(value: str) -> bool:
    """Whether a command-line value names a recorded version (``@...``) rather than a file."""
    return value.startswith(PREFIX)


@dataclass(frozen=True)
class VersionReference:
    """A version as named on the command line.

    Attributes:
        text: what was typed (``@3``), for messages.
        number: the version's number, for ``@N``.
        which: ``latest``, ``signed-off`` or ``plan`` for those words; None for a number.
    """

    text: str
    number: int | None = None
    which: str | None = None


def parse_reference(value: str) -> VersionReference:
    """Read ``@N``, ``@latest``, ``@signed-off`` or ``@plan``; raise ValueError saying what is accepted."""
    body = value.removeprefix(PREFIX).strip().lower()
    if body.isascii() and body.isdigit() and int(body) > 0:
        return VersionReference(value, number=int(body))
    if body in (LATEST, PLAN):
        return VersionReference(value, which=body)
    if body in (LAST_SIGNED_OFF, "signedoff", "signed_off"):
        return VersionReference(value, which=LAST_SIGNED_OFF)
    raise ValueError(f"{value!r} does not name a version: give @N (a number from 'pooledfund history'), @latest, "
                     "@signed-off or @plan (a file whose name starts with @ is written ./@name)")


@dataclass(frozen=True)
class DatabaseLocation:
    """Where the versions are kept: a SQLite file, or a database server's URL.

    Attributes:
        path: the SQLite file, or None for a server.
        url: the SQLAlchemy URL of a server database, or None for a SQLite file.
        given_as: how it was chosen (``--db``, ``POOLEDFUND_DB`` or the default), for messages.
    """

    path: Path | None
    url: str | None
    given_as: str

    @property
    def shown(self) -> str:
        """The database for messages: the file's path, or the URL with any password hidden."""
        if self.path is not None:
            return str(self.path)
        return _PASSWORD.sub(r"\1***@", self.url or "")


def database_location(option: str | None, environ: Mapping[str, str] | None = None) -> DatabaseLocation:
    """The database named by ``--db``, else ``POOLEDFUND_DB``, else ``pooledfund.db`` in the current folder.

    A value with ``://`` is a SQLAlchemy URL (a ``sqlite:///path`` URL is
    taken as that file); anything else is the path of a SQLite file.
    """
    env = os.environ if environ is None else environ
    if option:
        value, given_as = option, "--db"
    elif env.get(DB_ENV):
        value, given_as = env[DB_ENV], DB_ENV
    else:
        value, given_as = DEFAULT_DB_NAME, "the default"
    sqlite = _SQLITE_URL.fullmatch(value)
    if sqlite:
        return DatabaseLocation(Path(sqlite.group("path")), None, given_as)
    if "://" in value:
        return DatabaseLocation(None, value, given_as)
    return DatabaseLocation(Path(value), None, given_as)
