"""The actuals scenario a ledger gives, written as a scenario file (docs/scenario-format.md).

The file is an ordinary scenario with one ``actuals`` entry: the year, the
last actual month (``to_month``: the months from April to it are actual,
the rest forecast), each mapped scheme's monthly actuals in pounds, the
default forecast method and each scheme's own method. ``run``, ``explain``
and ``export`` read it like any scenario; a comment at the top says where it
came from and how the ledger reconciles.
"""

from __future__ import annotations

import json

from pooledfund.core.money import format_gbp, pounds
from pooledfund.core.version import __version__
from pooledfund.core.years import month_label
from pooledfund.engine.results import month_code
from pooledfund.io.ledger.reconcile import LedgerActuals
from pooledfund.model.ledger_map import LedgerMap
from pooledfund.model.scenario import SchemeForecast


def _text(value: str) -> str:
    """A YAML double-quoted string (JSON's escaping is valid YAML), so no text can change the file's structure."""
    return json.dumps(value, ensure_ascii=False)


def _money(pence: int) -> str:
    """Pence as pounds with two decimals, as scenario files write money."""
    return str(pounds(pence))


def _forecast(forecast: SchemeForecast) -> str:
    """One scheme's forecast as a YAML flow mapping."""
    parts = [f"method: {forecast.method}"]
    if forecast.outturn is not None:
        parts.append(f"outturn: {_money(forecast.outturn)}")
    if forecast.last_year is not None:
        parts.append(f"last_year: [{', '.join(_money(v) for v in forecast.last_year)}]")
    if forecast.scaled is not None:
        parts.append(f"scaled: {'true' if forecast.scaled else 'false'}")
    if forecast.reason:
        parts.append(f"reason: {_text(forecast.reason)}")
    return "{" + ", ".join(parts) + "}"


def reconciliation_line(actuals: LedgerActuals) -> str:
    """The reconciliation in one line: the ledger total and the parts it is made of.

    The part after the as-at month is named only when some row is there, so
    the line of a ledger with none reads as it always has.
    """
    totals = actuals.totals()
    if not actuals.after_as_at:
        del totals["after_as_at"]
    words = {"mapped": "mapped", "unmapped": "unmapped", "excluded": "excluded", "out_of_period": "out of period",
             "after_as_at": "after the as-at month", "dropped_duplicates": "dropped duplicates"}
    parts = " + ".join(f"{words[key]} {format_gbp(value)}" for key, value in totals.items())
    return f"ledger total {format_gbp(actuals.ledger_total)} = {parts}"


def actuals_scenario_text(ledger_map: LedgerMap, actuals: LedgerActuals, *, ledger_name: str, map_name: str) -> str:
    """The scenario file's text: a comment saying where it came from, then the ``scenario:`` section."""
    through = month_label(actuals.year, actuals.to_month)
    heading = ledger_map.scenario
    description = heading.description or (f"Actuals to {through} from the ledger extract {ledger_name}; the rest "
                                          "of the year forecast scheme by scheme.")
    lines = [
        f"# Actuals from the ledger extract {ledger_name}, mapped by {map_name}; written by pooledfund {__version__}.",
        f"# Actual April to {through}; the months after are forecast. {reconciliation_line(actuals)}.",
        "scenario:",
        f"  id: {_text(heading.id or 'actuals_' + month_code(actuals.year, actuals.to_month).replace('-', '_'))}",
        f"  name: {_text(heading.name or f'Actuals to {through}')}",
        f"  description: {_text(description)}",
        "  actuals:",
        f"    - year: {actuals.year}",
        f"      to_month: {month_code(actuals.year, actuals.to_month)}",
        f"      forecast_method: {ledger_map.forecast.default}",
        "      schemes:",
    ]
    for scheme, months in actuals.schemes.items():
        lines.append(f"        {_text(scheme)}: [{', '.join(_money(v) for v in months)}]")
    if ledger_map.forecast.schemes:
        lines.append("      forecasts:")
        for scheme, forecast in ledger_map.forecast.schemes.items():
            lines.append(f"        {_text(scheme)}: {_forecast(forecast)}")
    return "\n".join(lines) + "\n"

