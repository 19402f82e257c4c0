"""The ``actuals`` command's parser: a ledger extract into an actuals scenario.

The work is in :mod:`pooledfund.cli.actuals_run`, loaded only when the
command runs, so every other command starts without the ledger reader.
"""

from __future__ import annotations

import argparse


def cmd_actuals(args: argparse.Namespace) -> int:
    """Read the ledger, reconcile it, forecast the rest of the year and write the actuals scenario."""
    from pooledfund.cli.actuals_run import cmd_actuals as run_actuals  # the ledger reader: only this command

    return run_actuals(args)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    p.set_defaults(func=cmd_actuals)
