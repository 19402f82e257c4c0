"""The package version, printed by ``pooledfund --version`` and written into every pack."""

from __future__ import annotations

__version__ = "0.1.0"
