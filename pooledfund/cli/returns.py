"""``export --return``: the Better Care Fund quarterly or end-of-year return from an actuals scenario.

``pooledfund export AGREEMENT ACTUALS_SCENARIO --return Q2 -o return.xlsx
[--thresholds T] [--force]`` runs the engine on the actuals scenario (the one
``pooledfund actuals`` writes; ``drivers.yaml+actuals.yaml`` applies a
scenario of drivers under it) and writes the return for the quarter of the
actuals' year: Q1 to Q3, or Q4 (``year-end``) for the end-of-year return. A
quarter ending after the actual-through month is refused, located at the
scenario's ``to_month``. As for the pack, the workbook is written atomically
and never over a file unless ``--force`` is given.

``pooledfund export @3 --return Q2 -o return.xlsx`` makes the return of a
recorded version: its agreement and its actuals scenario as recorded (the
Cover lists them as ``@3/...`` with their SHA-256). A version recorded
without actuals (a plan) is refused in words.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pooledfund.cli.excel import _scenario_groups, _thresholds
from pooledfund.cli.recorded import database_file, load_run
from pooledfund.cli.shared import run_inputs, say
from pooledfund.core.errors import InputError, InvalidInputError, PooledfundError, Source
from pooledfund.io.inputs import combine_scenarios, load_inputs
from pooledfund.io.outputs import check_output
from pooledfund.io.store.records import SCENARIO_ROLE, kind_words
from pooledfund.reports.returns import QUARTERS


def _output(args: argparse.Namespace, *, version: bool = False) -> str:
    """The return's file: ``-o`` (or ``--xlsx``), exactly one of them, ending in .xlsx."""
    if not version and args.actuals is None:
        args.usage_error("--return needs the actuals scenario: pooledfund export AGREEMENT ACTUALS.yaml "
                         "--return Q2 -o return.xlsx")
    if args.scenario and version:
        args.usage_error("a recorded version's return is made from its own files, as recorded: give only the "
                         "version, not --scenario")
    if args.scenario:
        args.usage_error("with --return give the actuals scenario as the second argument, not --scenario "
                         "(drivers.yaml+actuals.yaml applies a scenario of drivers under the actuals)")
    if args.output and args.xlsx:
        args.usage_error("give the return's file once: -o OUT")
    output = args.output or args.xlsx
    if output is None:
        args.usage_error("--return needs the file to write: -o return.xlsx")
    if Path(output).suffix.lower() != ".xlsx":
        raise PooledfundError(f"-o {output}: give the return a name ending in .xlsx")
    return str(output)


def cmd_return(args: argparse.Namespace) -> int:
    """Write the quarterly or end-of-year return for the actuals scenario."""
    from pooledfund.io.excel.returns import export_return  # openpyxl: only this command loads it

    output = _output(args)
    [files] = _scenario_groups([args.actuals])
    thresholds_file = (args.thresholds,) if args.thresholds else ()
    check_output(output, force=args.force, inputs=run_inputs(args.agreement, files, *thresholds_file))
    agreement, loaded = load_inputs(args.agreement, files)
    scenario = combine_scenarios(loaded)
    thresholds = _thresholds(args.thresholds)
    sources = {args.agreement: Path(args.agreement).read_bytes()}
    sources.update({path: Path(path).read_bytes() for path in files})
    if args.thresholds:
        sources[args.thresholds] = Path(args.thresholds).read_bytes()
    export_return(agreement, scenario, args.quarter, output, force=args.force, thresholds=thresholds,
                  source_files=sources, name=args.actuals, read_from=loaded)
    what = "End-of-year return" if args.quarter == QUARTERS else f"Quarter {args.quarter} return"
    say(f"{what} written to {output}")
    return 0


def cmd_return_version(args: argparse.Namespace) -> int:
    """Write the return of a recorded version: its agreement and actuals scenario as recorded."""
    from pooledfund.io.excel.returns import export_return  # openpyxl: only this command loads it

    reference = args.agreements[0]
    output = _output(args, version=True)
    check_output(output, force=args.force, inputs=(*database_file(args.db),
                                                   *((Path(args.thresholds),) if args.thresholds else ())))
    loaded = load_run(reference, [], args.db)
    version = loaded.version
    if version is None:  # load_run of a reference always returns its version
        raise PooledfundError(f"{reference}: not a recorded version")
    info = version.info
    if not any(scenario.actuals for scenario in loaded.scenarios):
        raise InvalidInputError([InputError(Source(reference), (
            f"version {info.id} ('{info.label}', {kind_words(info.kind)}) was recorded without actuals, and a "
            "return reports actual spend against plan: give a version recorded with an actuals scenario (a "
            "month's forecast or the outturn; 'pooledfund history' lists them)"))])
    sources = loaded.sources()
    if args.thresholds:
        sources[args.thresholds] = Path(args.thresholds).read_bytes()
    scenario_names = [item.name for item in version.inputs if item.role == SCENARIO_ROLE and item.part == 0]
    name = f"@{info.id}/{scenario_names[-1]}" if scenario_names else reference
    export_return(loaded.agreement, combine_scenarios(loaded.scenarios), args.quarter, output, force=args.force,
                  thresholds=_thresholds(args.thresholds), source_files=sources, name=name,
                  read_from=loaded.scenarios)
    what = "End-of-year return" if args.quarter == QUARTERS else f"Quarter {args.quarter} return"
    say(f"{what} of version {info.id} ('{info.label}') written to {output}")
    return 0
