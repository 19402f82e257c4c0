"""The ``pooledfund`` command line: the parser, the entry point and how problems are printed.

The commands themselves live beside this module, each group registering its
own: :mod:`~pooledfund.cli.model_commands` (validate, run, compare, explain),
:mod:`~pooledfund.cli.uncertainty` (simulate, sensitivity) and
:mod:`~pooledfund.cli.excel` (export, import-xlsx).

Exit codes: 0 all well; 1 a problem with the input files (every problem is
listed, located, on standard error); 2 the command was used wrongly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pooledfund.cli import excel as cli_excel
from pooledfund.cli import model_commands as cli_model
from pooledfund.cli import uncertainty as cli_uncertainty
from pooledfund.core.errors import InputError, InvalidInputError, PooledfundError
from pooledfund.core.version import __version__

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _print_errors(errors: list[InputError]) -> None:
    """List every input problem, located, on standard error, then how many there were."""
    for error in errors:
        print(str(error), file=sys.stderr)
    count = len(errors)
    print(f"{count} problem{'s' if count != 1 else ''} found.", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="pooledfund",
        description="Model Section 75 pooled budgets and the Better Care Fund: who pays what, to the penny.",
    )
    parser.add_argument("--version", action="version", version=f"pooledfund {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_model.add_commands(sub)
    cli_uncertainty.add_commands(sub)
    cli_excel.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pooledfund`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InvalidInputError as exc:
        _print_errors(exc.errors)
        return EXIT_INVALID
    except PooledfundError as exc:
        print(f"pooledfund: {exc}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
