"""Shared helper for tests that need an external program (LibreOffice, Chromium, pdftoppm).

``require_tool(name)`` returns the program's path. When it is missing the test
is skipped, unless POOLEDFUND_REQUIRE_TOOLS is set (CI), where it fails instead.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """The path of ``name`` on PATH; skip (or, in CI, fail) when it is not installed."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed"
        if os.environ.get("POOLEDFUND_REQUIRE_TOOLS"):
            pytest.fail(message + " (POOLEDFUND_REQUIRE_TOOLS is set)")
        pytest.skip(message)
    return path


def recalculate(book: str, out: str) -> None:
    """Recalculate every formula of ``book`` with headless LibreOffice into ``out`` (skips without soffice)."""
    from pooledfund.io.excel.render import recalculate_xlsx

    require_tool("soffice")
    recalculate_xlsx(book, out)
