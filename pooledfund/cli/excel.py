"""The ``export`` and ``import-xlsx`` commands: the Excel sign-off pack and reading workbooks back.

``pooledfund export AGREEMENT [--scenario S]... --xlsx OUT [--thresholds T] [--force]``
writes the Health and Wellbeing Board pack. Each ``--scenario`` is one
scenario of the pack (the first is the main one, the rest sit beside it on
the Scenarios sheet); ``a.yaml+b.yaml`` applies two files in order as one.

``pooledfund export AGREEMENT ACTUALS_SCENARIO --return Q2 -o OUT [--thresholds T] [--force]``
writes the Better Care Fund quarterly return (``Q4`` or ``year-end``: the
end-of-year return) of the actuals' year: see :mod:`pooledfund.cli.returns`.

``pooledfund import-xlsx BOOK.xlsx [--sheet NAME] -o agreement.yaml [--force]``
reads a BCF expenditure plan, or a pack exported by this tool, into an
agreement file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pooledfund.cli.shared import run_inputs, say
from pooledfund.core.errors import InvalidInputError, PooledfundError
from pooledfund.core.version import __version__
from pooledfund.io.agreement_yaml import agreement_yaml
from pooledfund.io.inputs import combine_scenarios, load_inputs
from pooledfund.io.outputs import check_output, write_atomic
from pooledfund.io.yamlio import read_yaml
from pooledfund.model.scenario import Scenario
from pooledfund.reports.conditions import ConditionThresholds, thresholds_from_data


def _scenario_groups(values: list[str]) -> list[list[str]]:
    """Each --scenario value as the files it applies in order (``a.yaml+b.yaml``)."""
    return [[value] if Path(value).exists() or "+" not in value else value.split("+") for value in values]


def _thresholds(path: str | None) -> ConditionThresholds | None:
    """The national-condition thresholds read from ``path``, or None to use the published uplifts."""
    if path is None:
        return None
    data, _, errors = read_yaml(path)
    if errors:
        raise InvalidInputError(errors)
    thresholds, errors = thresholds_from_data(data, path)
    if thresholds is None:
        raise InvalidInputError(errors)
    return thresholds


def _quarter(text: str) -> int:
    """The quarter a --return value names (1 to 4), or a usage error saying what is accepted."""
    from pooledfund.reports.returns import parse_quarter

    try:
        return parse_quarter(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_export(args: argparse.Namespace) -> int:
    """Write the sign-off pack for an agreement under one or more scenarios (or, with --return, the return)."""
    if args.quarter is not None:
        from pooledfund.cli.returns import cmd_return

        return cmd_return(args)
    if args.actuals is not None or args.output is not None:
        args.usage_error("ACTUALS_SCENARIO and -o are for a quarterly return (--return Q1 ... Q4 or year-end); "
                         "for the sign-off pack give --scenario S and --xlsx OUT")
    if args.xlsx is None:
        args.usage_error("give --xlsx OUT for the sign-off pack, or ACTUALS_SCENARIO --return Q2 -o OUT for a "
                         "quarterly return")
    from pooledfund.io.excel import export_workbook  # openpyxl: only this command loads it

    groups = _scenario_groups(args.scenario)
    files = [path for group in groups for path in group]
    if Path(args.xlsx).suffix.lower() != ".xlsx":
        raise PooledfundError(f"--xlsx {args.xlsx}: give the pack a name ending in .xlsx")
    thresholds_file = (args.thresholds,) if args.thresholds else ()
    check_output(args.xlsx, force=args.force, inputs=run_inputs(args.agreement, files, *thresholds_file))
    agreement, loaded = load_inputs(args.agreement, files)
    scenarios: list[Scenario] = []
    position = 0
    for group in groups:
        scenarios.append(combine_scenarios(loaded[position:position + len(group)]))
        position += len(group)
    thresholds = _thresholds(args.thresholds)
    sources = {args.agreement: Path(args.agreement).read_bytes()}
    sources.update({path: Path(path).read_bytes() for path in files})
    if args.thresholds:
        sources[args.thresholds] = Path(args.thresholds).read_bytes()
    export_workbook(agreement, scenarios, args.xlsx, force=args.force, source_files=sources, thresholds=thresholds)
    say(f"Sign-off pack written to {args.xlsx}")
    return 0


def cmd_import_xlsx(args: argparse.Namespace) -> int:
    """Read a workbook into an agreement file."""
    from pooledfund.io.excel import import_workbook  # openpyxl: only this command loads it

    check_output(args.output, force=args.force, inputs=(args.book,))
    agreement, errors = import_workbook(args.book, args.sheet)
    if agreement is None:
        raise InvalidInputError(errors)
    comment = (f"Imported from {Path(args.book).name} by pooledfund {__version__}.\n"
               "Check the partners, contributions, risk share and underspend rules before use.")
    write_atomic(args.output, agreement_yaml(agreement, comment).encode("utf-8"), force=args.force)
    say(f"Agreement written to {args.output}")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``export`` and ``import-xlsx`` on the ``pooledfund`` parser."""
    p = sub.add_parser("export", help="write the Health and Wellbeing Board sign-off pack (Excel, live formulas), "
                                      "or with --return the quarterly or end-of-year return")
    p.add_argument("agreement", metavar="AGREEMENT")
    p.add_argument("actuals", nargs="?", metavar="ACTUALS_SCENARIO",
                   help="with --return: the actuals scenario (written by 'pooledfund actuals'); "
                        "drivers.yaml+actuals.yaml applies a scenario of drivers under it")
    p.add_argument("--scenario", action="append", default=[], metavar="S",
                   help="scenario file; repeat to show several side by side (the first is the main one); "
                        "a.yaml+b.yaml applies two files in order as one scenario")
    p.add_argument("--xlsx", metavar="OUT", help="the sign-off pack to write (.xlsx)")
    p.add_argument("--return", dest="quarter", type=_quarter, metavar="QUARTER",
                   help="write the Better Care Fund return for Q1, Q2, Q3 or Q4 (year-end: the end-of-year return) "
                        "of the actuals' year instead of the pack")
    p.add_argument("-o", "--output", metavar="OUT", help="with --return: the return workbook to write (.xlsx)")
    p.add_argument("--thresholds", metavar="T",
                   help="YAML with the national-condition thresholds by year (default: published uplifts)")
    p.add_argument("--force", action="store_true", help="replace an existing workbook")
    p.set_defaults(func=cmd_export, usage_error=p.error)

    p = sub.add_parser("import-xlsx", help="read a BCF expenditure plan or an exported pack into an agreement file")
    p.add_argument("book", metavar="BOOK.xlsx")
    p.add_argument("--sheet", metavar="NAME", help="the sheet holding the expenditure plan")
    p.add_argument("-o", "--output", required=True, metavar="AGREEMENT.yaml", help="the agreement file to write")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_import_xlsx)
