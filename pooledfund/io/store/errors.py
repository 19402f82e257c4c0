"""What can go wrong with the versions database, each as its own operational failure.

All derive from :class:`~pooledfund.core.errors.PooledfundError`, so the
command line prints one line and exits with code 1, never a traceback.
"""

from __future__ import annotations

from pooledfund.core.errors import PooledfundError


class StoreError(PooledfundError):
    """The versions database cannot be used as asked (missing, unreadable, another program's, too new)."""


class UnknownVersionError(StoreError):
    """A reference names a version the database does not hold."""


class SignedOffError(StoreError):
    """A signed-off version was to be changed or deleted: the board's record stands as it was signed."""

    def __init__(self, version_id: int, action: str, signed: str) -> None:
        self.version_id = version_id
        super().__init__(
            f"version {version_id} was signed off ({signed}) and cannot be {action}; record a new version instead"
        )
