"""The ``export`` and ``import-xlsx`` commands: the Excel sign-off pack and reading workbooks back.

``pooledfund export AGREEMENT [--scenario S]... --xlsx OUT [--thresholds T] [--force]``
writes the Health and Wellbeing Board pack. Each ``--scenario`` is one
scenario of the pack (the first is the main one, the rest sit beside it on
the Scenarios sheet); ``a.yaml+b.yaml`` applies two files in order as one.

``pooledfund import-xlsx BOOK.xlsx [--sheet NAME] [--trust-saved-values] -o agreement.yaml [--force]``
reads a BCF expenditure plan, or a pack exported by this tool, into an
agreement file; once it is read, what was read (the plan's rows and
headings, each input cell changed on a pack) is said on stderr.
"""

from __future__ import annotations

import argparse
import sys
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
from pooledfund.reports.tables import printable


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


def cmd_export(args: argparse.Namespace) -> int:
    """Write the sign-off pack for an agreement under one or more scenarios."""
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
    notes: list[str] = []
    agreement, errors = import_workbook(args.book, args.sheet, trust_saved_values=args.trust_saved_values,
                                        notes=notes)
    if agreement is None:
        raise InvalidInputError(errors)
    for note in notes:  # what was read, once it has all been read
        print(printable(note), file=sys.stderr)
    comment = (f"Imported from {Path(args.book).name} by pooledfund {__version__}.\n"
               "Check the partners, contributions, risk share and underspend rules before use.")
    write_atomic(args.output, agreement_yaml(agreement, comment).encode("utf-8"), force=args.force)
    say(f"Agreement written to {args.output}")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``export`` and ``import-xlsx`` on the ``pooledfund`` parser."""
    p = sub.add_parser("export", help="write the Health and Wellbeing Board sign-off pack (Excel, live formulas)")
    p.add_argument("agreement", metavar="AGREEMENT")
    p.add_argument("--scenario", action="append", default=[], metavar="S",
                   help="scenario file; repeat to show several side by side (the first is the main one); "
                        "a.yaml+b.yaml applies two files in order as one scenario")
    p.add_argument("--xlsx", required=True, metavar="OUT", help="the workbook to write (.xlsx)")
    p.add_argument("--thresholds", metavar="T",
                   help="YAML with the national-condition thresholds by year (default: published uplifts)")
    p.add_argument("--force", action="store_true", help="replace an existing workbook")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import-xlsx", help="read a BCF expenditure plan or an exported pack into an agreement file")
    p.add_argument("book", metavar="BOOK.xlsx")
    p.add_argument("--sheet", metavar="NAME", help="the sheet holding the expenditure plan")
    p.add_argument("-o", "--output", required=True, metavar="AGREEMENT.yaml", help="the agreement file to write")
    p.add_argument("--trust-saved-values", action="store_true",
                   help="use the value the workbook saved for a formula this tool cannot work out (such as VLOOKUP) "
                        "instead of refusing it; simple arithmetic is still worked out and checked")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_import_xlsx)
