"""The ``pooledfund`` command line (see :mod:`pooledfund.cli.app`).

``pooledfund --version`` is answered here, before the parser and the model
are imported, so asking for the version takes no longer than starting Python.
:func:`console` is the installed script's entry: :func:`main`, with two
settings only a process that ends after one command can afford (see
docs/performance.md, section 2).
"""

from __future__ import annotations

import gc
import os
import sys

from pooledfund.core.version import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["console", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pooledfund`` console script: :func:`pooledfund.cli.app.main`."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments == ["--version"]:
        print(f"pooledfund {__version__}")
        return 0
    from pooledfund.cli.app import main as app_main

    return app_main(arguments)


def console() -> int:
    """The ``pooledfund`` console script: :func:`main`, then the process ends.

    Two settings shorten a one-shot command by about a sixth:

    * Pydantic looks for plugins (a scan of every installed package's entry
      points) the first time it builds a validator; the command uses none,
      so the scan is skipped unless the user has set
      ``PYDANTIC_DISABLE_PLUGINS`` to something else.
    * After the command, every object is moved out of the garbage
      collector's sight (:func:`gc.freeze`), so the interpreter's final
      collections do not walk the model's tens of thousands of objects only
      for the process to end. Output is already written and closed by then,
      and exit handlers still run.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    code = main()
    gc.freeze()
    return code
