"""The ``pooledfund`` command line (see :mod:`pooledfund.cli.app`)."""

from __future__ import annotations

from pooledfund.cli.app import main

__all__ = ["main"]
