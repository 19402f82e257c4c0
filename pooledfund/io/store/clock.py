"""The time a version is recorded and signed off at: the clock's, or one pinned to build an example.

Every time the versions database keeps (when a version was recorded, when a
sign-off was entered, when an upgrade was applied) and the "today" a
sign-off's date is checked against come from here. ``POOLEDFUND_NOW``
(``2025-03-20T10:00:00Z``) pins them, so a worked example with dates in the
past (``examples/monitoring/northmoor_versions.db``: a plan recorded in March
2025 and signed off at that month's board) can be built with the ordinary
commands and tells a consistent story. The commands say so on standard
error whenever it is set; it is not for recording real versions.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from pooledfund.io.store.errors import StoreError

NOW_ENV = "POOLEDFUND_NOW"
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def pinned() -> str | None:
    """The time ``POOLEDFUND_NOW`` pins, as written (checked), or None when the clock is used."""
    value = os.environ.get(NOW_ENV, "").strip()
    if not value:
        return None
    try:
        datetime.strptime(value, _FORMAT)
    except ValueError:
        raise StoreError(f"{NOW_ENV}={value!r} is not a time written YYYY-MM-DDTHH:MM:SSZ (UTC, e.g. "
                         f"2025-03-20T10:00:00Z); unset it to use the clock") from None
    return value


def utc_now() -> str:
    """The time now in UTC, to the second, as ISO 8601 with a Z (``2026-03-18T10:15:02Z``), or the pinned time."""
    return pinned() or datetime.now(UTC).strftime(_FORMAT)


def today() -> date:
    """Today's date (UTC), or the pinned time's."""
    return date.fromisoformat(utc_now()[:10])
