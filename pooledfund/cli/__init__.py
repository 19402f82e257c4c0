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


def main(argv: Sequence[str] | None = None, *, one_shot: bool = False) -> int:
    """Run one command (:func:`pooledfund.cli.app.main`); ``one_shot``: the process ends after it (:func:`console`)."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments == ["--version"]:
        print(f"pooledfund {__version__}")
        return 0
    gc.disable()  # importing the parser's modules makes many objects and no garbage: see app._load
    try:
        from pooledfund.cli.app import main as app_main

        if one_shot:
            gc.freeze()
    finally:
        gc.enable()
    return app_main(arguments, one_shot=one_shot)


def console() -> int:
    """The ``pooledfund`` console script: :func:`main`, then the process ends.

    Three settings shorten a one-shot command by about a fifth:

    * Pydantic looks for plugins (a scan of every installed package's entry
      points) the first time it builds a validator; the command uses none,
      so the scan is skipped unless the user has set
      ``PYDANTIC_DISABLE_PLUGINS`` to something else.
    * The objects made by importing the command's modules (the model, the
      engine: some 200,000, none of them garbage) are moved out of the
      garbage collector's sight once they are all made (:func:`gc.freeze`),
      so its collections during the command look at the command's own
      objects only, not at them again and again.
    * The same after the command, so the interpreter's final collections do
      not walk every object only for the process to end. Output is already
      written and closed by then, and exit handlers still run.

    Called in-process (tests, notebooks), :func:`main` freezes nothing.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    code = main(one_shot=True)
    gc.freeze()
    return code
