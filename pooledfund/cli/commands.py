"""Every command's options, and which function runs it: the parser, without the work.

The parser is built from this module alone, which imports nothing but
:mod:`argparse`. Each command names its function as ``"module:function"``
in ``pooledfund.cli`` (the ``handler`` default), and :func:`handler_of`
imports that module only when the command runs. So ``pooledfund run`` loads
the model and the engine but never the Excel writer, the versions database,
the ledger reader or the Monte Carlo, and ``pooledfund --help`` loads none of
them.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

#: What a command's function takes and gives: the parsed options, the exit code.
Handler = Callable[[argparse.Namespace], int]


def handler_of(args: argparse.Namespace) -> Handler:
    """The function that runs the command ``args`` were parsed for, its module imported now."""
    module, name = str(args.handler).split(":")
    function: Handler = getattr(importlib.import_module(f"pooledfund.cli.{module}"), name)
    return function


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """The ``--db`` option every command that reads or writes versions takes."""
    parser.add_argument("--db", metavar="DB",
                        help="the versions database: a file (default pooledfund.db here, or $POOLEDFUND_DB) or a "
                             "URL such as postgresql+psycopg://user@host/database")


def _quarter(text: str) -> int:
    """The quarter a --return value names (1 to 4), or a usage error saying what is accepted."""
    from pooledfund.reports.returns import parse_quarter  # only when --return is given

    try:
        return parse_quarter(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], command: str | None = None) -> None:
    """Register the commands on the ``pooledfund`` parser, in the order ``--help`` lists them.

    With ``command`` (the word the user typed after ``pooledfund``), only the
    group that holds it is registered, when one does: the parser then reads
    that command exactly as the whole parser would, without building the
    other fourteen (a few milliseconds of every start). Anything else (no
    command, ``--help``, a misspelt one) gets every command, so the usage
    message lists them all.
    """
    groups = [group for names, group in _GROUPS if command in names] or [group for _, group in _GROUPS]
    for group in groups:
        group(sub)


def _add_model_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``validate``, ``run``, ``compare`` and ``explain`` on the ``pooledfund`` parser."""
    p = sub.add_parser("validate", help="check agreement and scenario files and list every problem")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(handler="model_commands:cmd_validate")

    p = sub.add_parser("run", help="print every partner's position per year; several agreements: the roll-up too")
    p.add_argument("agreements", nargs="+", metavar="AGREEMENT[:SCENARIO]",
                   help="an agreement file or a folder of them, with its own scenario after ':' if it has one; "
                        "or one recorded version: @3, @latest, @signed-off, @plan")
    p.add_argument("--scenario", action="append", default=[], metavar="S",
                   help="scenario file for every agreement; repeat to apply several in order")
    p.add_argument("--rollup-only", action="store_true",
                   help="with several agreements, print only the roll-up, not each agreement's tables")
    p.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    p.add_argument("--csv", metavar="DIR", help="also write partners, arrangements, schemes and cash flow as CSV")
    p.add_argument("--force", action="store_true", help="replace existing output files")
    add_db_option(p)
    p.set_defaults(handler="model_commands:cmd_run")

    p = sub.add_parser("compare", help="partner positions under several scenarios (or versions) side by side")
    p.add_argument("agreement", metavar="AGREEMENT", help="agreement file, or the first of several versions (@1)")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files, or further versions (@3)")
    add_db_option(p)
    p.set_defaults(handler="model_commands:cmd_compare")

    p = sub.add_parser("explain", help="the risk-share waterfall for a year, step by step, in words")
    p.add_argument("agreement", metavar="AGREEMENT")
    p.add_argument("--scenario", action="append", default=[], metavar="S")
    p.add_argument("--year", required=True, help="financial year, e.g. 2025-26")
    add_db_option(p)
    p.set_defaults(handler="model_commands:cmd_explain")


def _add_uncertainty_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``simulate`` and ``sensitivity`` on the ``pooledfund`` parser."""
    p = sub.add_parser("simulate", help="Monte Carlo: probability of overspend and P10/P50/P90 per partner; "
                                        "several agreements: each partner's total exposure")
    p.add_argument("agreements", nargs="+", metavar="AGREEMENT[:SCENARIO]",
                   help="an agreement file or a folder of them, with its own scenario after ':' if it has one")
    p.add_argument("--scenario", action="append", default=[], metavar="S",
                   help="scenario file for every agreement; one of them has the 'uncertainty:' section; "
                        "repeat to apply several in order")
    p.add_argument("--over", metavar="POUNDS",
                   help="with several agreements: the chance each partner's exposure is more than this (default 0)")
    p.add_argument("--rollup-only", action="store_true",
                   help="with several agreements, print only the roll-up, not each agreement's tables")
    p.add_argument("--paths", type=int, default=10_000, help="number of paths (default 10000)")
    p.add_argument("--seed", type=int, default=42,
                   help="random seed; the same seed gives the same figures (default 42)")
    p.add_argument("--chunk-size", type=int, default=None, help="paths per engine call (default: sized to memory)")
    p.add_argument("--json", metavar="OUT", help="also write the summaries as JSON")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.set_defaults(handler="uncertainty:cmd_simulate")

    p = sub.add_parser("sensitivity", help="tornado of each driver's swing in partners' net cost; break-even values")
    p.add_argument("agreement", metavar="AGREEMENT")
    p.add_argument("--scenario", action="append", default=[], required=True, metavar="S")
    p.add_argument("--year", help="one financial year (default: all years together)")
    p.add_argument("--break-even", metavar="DRIVER",
                   help="find where this driver turns each pool from under- to overspend")
    p.add_argument("--arrangement", help="the arrangement for --break-even (default: every arrangement)")
    p.add_argument("--range", nargs=2, type=float, metavar=("LOW", "HIGH"),
                   help="search range in %% for --break-even")
    p.add_argument("--json", metavar="OUT", help="also write the tornado as JSON")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.set_defaults(handler="uncertainty:cmd_sensitivity")


def _add_excel_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``export`` and ``import-xlsx`` on the ``pooledfund`` parser."""
    p = sub.add_parser("export", help="write the Health and Wellbeing Board sign-off pack (Excel, live formulas); "
                                      "several agreements: a folder of packs and a roll-up workbook; with --return "
                                      "the quarterly or end-of-year return")
    p.add_argument("agreements", nargs="+", metavar="AGREEMENT[:SCENARIO]",
                   help="an agreement file; with --folder, several or a folder of them, each with its own "
                        "scenario after ':' if it has one; or one recorded version (@3, @signed-off): its files, "
                        "as recorded")
    p.add_argument("--scenario", action="append", default=[], metavar="S",
                   help="scenario file; repeat to show several side by side (the first is the main one); "
                        "a.yaml+b.yaml applies two files in order as one scenario")
    p.add_argument("--xlsx", metavar="OUT", help="the workbook to write (.xlsx), for one agreement")
    p.add_argument("--folder", metavar="DIR",
                   help="for several agreements: write a pack for each and rollup.xlsx into this new folder")
    p.add_argument("--thresholds", metavar="T",
                   help="YAML with the national-condition thresholds by year (default: published uplifts)")
    p.add_argument("--force", action="store_true", help="replace an existing workbook")
    p.add_argument("--return", dest="quarter", type=_quarter, metavar="QUARTER",
                   help="write the Better Care Fund return for Q1, Q2, Q3 or Q4 (year-end: the end-of-year return) "
                        "of the actuals' year instead of the pack: pooledfund export AGREEMENT ACTUALS_SCENARIO "
                        "--return Q2 -o return.xlsx")
    p.add_argument("-o", "--output", metavar="OUT", help="with --return: the return workbook to write (.xlsx)")
    add_db_option(p)
    p.set_defaults(handler="excel:cmd_export", usage_error=p.error)

    p = sub.add_parser("import-xlsx", help="read a BCF expenditure plan or an exported pack into an agreement file")
    p.add_argument("book", metavar="BOOK.xlsx")
    p.add_argument("--sheet", metavar="NAME", help="the sheet holding the expenditure plan")
    p.add_argument("-o", "--output", required=True, metavar="AGREEMENT.yaml", help="the agreement file to write")
    p.add_argument("--trust-saved-values", action="store_true",
                   help="use the value the workbook saved for a formula this tool cannot work out (such as VLOOKUP) "
                        "instead of refusing it; simple arithmetic is still worked out and checked")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(handler="excel:cmd_import_xlsx")


def _add_actuals_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``actuals`` on the ``pooledfund`` parser."""
    p = sub.add_parser("actuals", help="read a ledger extract into an actuals scenario, with the month's forecast, "
                                       "its reconciliation and the bridge from the previous forecast")
    p.add_argument("ledger", metavar="LEDGER", help="the ledger extract, .csv or .xlsx")
    p.add_argument("--map", required=True, metavar="MAP.yaml",
                   help="the ledger map: columns, codes to schemes, exclusions, forecast methods")
    p.add_argument("-o", "--output", metavar="ACTUALS.yaml", help="the actuals scenario to write")
    p.add_argument("--scenario", action="append", default=[], metavar="S",
                   help="a scenario of drivers to run the forecast under (applied before the actuals); repeatable")
    p.add_argument("--previous", metavar="PREV.yaml",
                   help="the previous forecast's scenario (a.yaml+b.yaml for two applied in order): show the bridge")
    p.add_argument("--as-at", metavar="YYYY-MM",
                   help="the last actual month (default the map's as_at, else the last month with mapped spend); "
                        "later rows are listed and left out")
    p.add_argument("--allow-negative", action="store_true",
                   help="go on when more than half the mapped schemes have negative spend for the year to date")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(handler="actuals_run:cmd_actuals")


def _add_versions_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``record``, ``history``, ``show``, ``diff``, ``signoff`` and ``forget`` on the ``pooledfund`` parser."""
    p = sub.add_parser("record", help="run an agreement and keep its files and figures as a version")
    p.add_argument("agreement", metavar="AGREEMENT")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="scenario files, applied in order")
    p.add_argument("--label", required=True, help="your name for the version, e.g. 'Plan 2025-26 as approved'")
    p.add_argument("--kind", required=True, metavar="KIND",
                   help="plan, month-N (a forecast at the end of month N of the year, 1 = April) or outturn")
    p.add_argument("--by", help="who is recording it (default: your user name)")
    add_db_option(p)
    p.set_defaults(handler="versions:cmd_record")

    p = sub.add_parser("history", help="list the recorded versions")
    add_db_option(p)
    p.set_defaults(handler="versions:cmd_history")

    p = sub.add_parser("show", help="one version: its files with their SHA-256 and its figures")
    p.add_argument("version", metavar="V", help="3, @3, @latest, @signed-off or @plan")
    add_db_option(p)
    p.set_defaults(handler="versions:cmd_show")

    p = sub.add_parser("diff", help="what changed between two versions: files line by line, figures to the penny")
    p.add_argument("first", metavar="V1")
    p.add_argument("second", metavar="V2")
    add_db_option(p)
    p.set_defaults(handler="versions:cmd_diff")

    p = sub.add_parser("signoff", help="mark a version signed off; it can never be changed or deleted after")
    p.add_argument("version", metavar="V")
    p.add_argument("--by", required=True, help="who signed it off")
    p.add_argument("--meeting", required=True, help="the meeting, e.g. 'Health and Wellbeing Board 2026-03-18'")
    p.add_argument("--date", required=True, help="the date it was signed off, YYYY-MM-DD")
    add_db_option(p)
    p.set_defaults(handler="versions:cmd_signoff")

    p = sub.add_parser("forget", help="delete a draft version (never a signed-off one)")
    p.add_argument("version", metavar="V")
    add_db_option(p)
    p.set_defaults(handler="versions:cmd_forget")


#: Each group of commands and the function that registers it, in the order ``--help`` lists them.
_GROUPS: tuple[tuple[tuple[str, ...], Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]], ...] = (
    (("validate", "run", "compare", "explain"), _add_model_commands),
    (("simulate", "sensitivity"), _add_uncertainty_commands),
    (("export", "import-xlsx"), _add_excel_commands),
    (("actuals",), _add_actuals_commands),
    (("record", "history", "show", "diff", "signoff", "forget"), _add_versions_commands),
)
