"""The ``pooledfund`` command line (see :mod:`pooledfund.cli.app`).

``pooledfund --version`` is answered here, before the parser and the model
are imported, so asking for the version takes no longer than starting Python.
"""

from __future__ import annotations

import sys

from pooledfund.core.version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pooledfund`` console script: :func:`pooledfund.cli.app.main`."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments == ["--version"]:
        print(f"pooledfund {__version__}")
        return 0
    from pooledfund.cli.app import main as app_main

    return app_main(arguments)
