"""The ``actuals`` command: a ledger extract to an actuals scenario, the month's forecast and its bridge.

``pooledfund actuals LEDGER --map MAP.yaml [-o actuals.yaml] [--force]
[--scenario S] [--previous PREV.yaml] [--as-at YYYY-MM] [--allow-negative]``
reads the ledger extract (CSV or XLSX), puts every row in its place by the
map, prints the reconciliation and the lists of what was left out, then the
month's forecast by scheme and the risk share at that forecast (an engine run
on the produced scenario, with ``--scenario`` files applied under it).
``--previous`` adds the bridge from a previous forecast. ``--as-at`` gives the
last actual month (over the map's ``as_at``). Figures that read but look
wrong are warned of on standard error (a last month under half the average,
a negative total, a previous forecast later than this one); more than half
the mapped schemes negative to date is refused unless ``--allow-negative``.
``-o`` writes the actuals scenario, atomically, never over a file unless
``--force`` is given; nothing is written if anything is wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pooledfund.cli.shared import run_inputs, say
from pooledfund.core.errors import InputError, InvalidInputError, Source
from pooledfund.core.years import parse_month
from pooledfund.engine.results import month_code
from pooledfund.engine.runner import run
from pooledfund.io.inputs import combine_scenarios, load_inputs
from pooledfund.io.ledger.checks import (
    incomplete_month_warning,
    negative_schemes_error,
    negative_total_warning,
    previous_later_warning,
)
from pooledfund.io.ledger.map_file import agreement_path, load_map_and_agreement
from pooledfund.io.ledger.read_columns import read_columns
from pooledfund.io.ledger.reconcile import LedgerActuals, unmapped_errors
from pooledfund.io.ledger.reconcile_columns import reconcile_columns
from pooledfund.io.ledger.report import lists_text, reconciliation_text
from pooledfund.io.ledger.scenario_text import actuals_scenario_text
from pooledfund.io.outputs import check_output, write_atomic
from pooledfund.io.scenario_files import scenario_from_text
from pooledfund.model.ledger_map import LedgerMap
from pooledfund.model.scenario import check_scenario
from pooledfund.reports.bridge import bridge, bridge_text
from pooledfund.reports.monitoring import monitoring_text, risk_share_text, scheme_monitoring
from pooledfund.reports.tables import printable


def _files(value: str) -> list[str]:
    """A scenario option's files: ``a.yaml+b.yaml`` is two, applied in order."""
    return [value] if Path(value).exists() or "+" not in value else value.split("+")


def warn(text: str) -> None:
    """A warning on standard error, one line: the run goes on, but the figures want a look."""
    print(printable(f"Warning: {text}", keep_newlines=False), file=sys.stderr)


def with_as_at(ledger_map: LedgerMap, as_at: str) -> LedgerMap:
    """The map with ``--as-at`` as its last actual month; a month not of the map's year is refused."""
    try:
        year, month = parse_month(as_at)
    except ValueError as exc:
        raise InvalidInputError([InputError(Source("--as-at"), str(exc))]) from None
    if year != ledger_map.year:
        raise InvalidInputError([InputError(Source("--as-at"), f"{as_at} is not in {ledger_map.year}, the map's "
                                                               "year; give a month of that year, such as "
                                                               f"{ledger_map.year[:4]}-09")])
    return ledger_map.model_copy(update={"as_at": month_code(year, month)})


def _ledger_actuals(args: argparse.Namespace, ledger_map: LedgerMap) -> tuple[str, LedgerActuals]:
    """The ledger read and reconciled by the map: its name for messages and the actuals; or every problem raised.

    Refused here: a bad cell, overlapping rules, no mapped spend, unmapped
    codes with ``unmapped: stop``, and most mapped schemes negative to date
    without ``--allow-negative``.
    """
    from pooledfund.io.ledger.read import read_ledger  # pandas: only this command loads it

    headings = [heading for _, heading in ledger_map.columns.headings()]
    table, errors = read_ledger(args.ledger, headings, sheet=ledger_map.sheet, header_row=ledger_map.header_row,
                                amounts=ledger_map.columns.amount_headings(),
                                delimiter=ledger_map.delimiter_character())
    if table is None:
        raise InvalidInputError(errors)
    rows, blank, errors = read_columns(table, ledger_map)
    if errors:
        raise InvalidInputError(errors)
    actuals, errors = reconcile_columns(rows, ledger_map, file=table.file, blank_rows=blank)
    if actuals is None:
        raise InvalidInputError(errors)
    wrong_sign = negative_schemes_error(actuals, ledger_map, args.map)
    if wrong_sign is not None and not args.allow_negative:
        raise InvalidInputError([wrong_sign])
    # Said before anything else can stop the run: a month wrongly taken as actual explains what may follow.
    for warning in (incomplete_month_warning(actuals), negative_total_warning(actuals, ledger_map)):
        if warning is not None:
            warn(warning)
    if actuals.unmapped and ledger_map.unmapped == "stop":
        raise InvalidInputError(unmapped_errors(actuals, ledger_map, table.file))
    return table.file, actuals


def cmd_actuals(args: argparse.Namespace) -> int:
    """Read a ledger extract by its map; print the reconciliation, forecast and bridge; write the scenario."""
    ledger_map, agreement, errors = load_map_and_agreement(args.map)
    if ledger_map is None or agreement is None:
        raise InvalidInputError(errors)
    as_at_from = "as_at in the map" if ledger_map.as_at is not None else None
    if args.as_at is not None:
        ledger_map, as_at_from = with_as_at(ledger_map, args.as_at), "--as-at"
    drivers_files = [path for value in args.scenario for path in _files(value)]
    previous_files = _files(args.previous) if args.previous else []
    agreement_file = str(agreement_path(args.map, ledger_map))
    if args.output:
        inputs = run_inputs(agreement_file, [*drivers_files, *previous_files], args.ledger, args.map)
        check_output(args.output, force=args.force, inputs=inputs)
    ledger_file, actuals = _ledger_actuals(args, ledger_map)
    text = actuals_scenario_text(ledger_map, actuals, ledger_name=Path(args.ledger).name,
                                 map_name=Path(args.map).name)
    name = args.output or f"the actuals scenario from {Path(args.ledger).name}"
    scenario, errors = scenario_from_text(text, name, Path(args.map).parent)
    if scenario is None:
        raise InvalidInputError(errors)
    errors = check_scenario(scenario, agreement, name)
    if errors:
        raise InvalidInputError(errors)
    _, drivers = load_inputs(agreement_file, drivers_files)
    current = combine_scenarios([*drivers, scenario])
    result = run(agreement, current)
    entry = scenario.actuals[0]
    say(reconciliation_text(actuals, ledger_map, ledger_file, as_at_from=as_at_from))
    lists = lists_text(actuals, ledger_map)
    if lists:
        say("\n" + lists)
    say("\n" + monitoring_text(scheme_monitoring(agreement, result, entry), entry))
    say("\n" + risk_share_text(result, entry.year))
    if previous_files:
        _, previous = load_inputs(agreement_file, previous_files)
        before = combine_scenarios(previous)
        later = previous_later_warning(before, actuals)
        if later is not None:
            warn(later)
        say("\n" + bridge_text(bridge(agreement, before, current, entry.year), before, current, entry.year))
    if args.output:
        write_atomic(args.output, text.encode("utf-8"), force=args.force)
        say(f"\nActuals scenario written to {args.output}")
    else:
        say("\nNo file written: give -o FILE to write the actuals scenario.")
    return 0
