"""The bridge: what moved each scheme's forecast outturn since the previous forecast, and why.

The previous forecast is turned into the current one a step at a time, and
each step's change in every scheme's outturn is put to one cause:

1. **actuals**: the current actuals (and actual-through month) in place of
   the previous ones, each scheme still forecast by its previous method and
   figures: months that turned from forecast to actual, restated months, and
   the method's forecast recomputed from the new actuals;
2. **method**: each scheme's current method (and its settings) in place of
   the previous one; a scheme moving to or from ``manual`` counts here;
3. **manual**: a scheme manual both times, its outturn figure changed;
4. **drivers**: everything else in the scenario (inflation, demography,
   demand, efficiency, shocks, contribution changes) changed.

Every step is an engine run, and each cause is the difference between two
runs, so the causes add up exactly to the total movement (current outturn
less previous outturn) for every scheme. A scheme with no actuals before is
taken to have been forecast by its budget profile (its whole year was the
projection).
"""

from __future__ import annotations

from dataclasses import dataclass

from pooledfund.core.errors import PooledfundError
from pooledfund.core.money import format_gbp
from pooledfund.engine.runner import run
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Actuals, Scenario, SchemeForecast
from pooledfund.reports.monitoring import text_table

CAUSES = ("actuals", "method", "manual", "drivers")
CAUSE_WORDS = {
    "actuals": "Actuals differ from forecast",
    "method": "Method changed",
    "manual": "Manual figure changed",
    "drivers": "Drivers changed",
}


@dataclass(frozen=True)
class BridgeLine:
    """One scheme's movement in forecast outturn, in pence, by cause.

    Attributes:
        scheme_id: the scheme.
        previous: the previous forecast outturn.
        causes: cause -> the movement put to it (see :data:`CAUSES`).
        current: the current forecast outturn.
    """

    scheme_id: str
    previous: int
    causes: dict[str, int]
    current: int

    @property
    def movement(self) -> int:
        """Current less previous outturn: equal to the causes' sum."""
        return self.current - self.previous


@dataclass(frozen=True)
class _SchemeActuals:
    """One scheme's actuals in a year as a scenario gives them: through which month, the figures, the forecast."""

    to_month: str
    months: list[int]
    forecast: SchemeForecast


def _by_scheme(scenario: Scenario, year: str) -> dict[str, _SchemeActuals]:
    """Each scheme's actuals for the year; where two entries list a scheme, the later one wins, as in the engine."""
    found: dict[str, _SchemeActuals] = {}
    for entry in scenario.actuals:
        if entry.year == year:
            for scheme, months in entry.schemes.items():
                found[scheme] = _SchemeActuals(entry.to_month, list(months), entry.method_for(scheme))
    return found


def _with_actuals(drivers_from: Scenario, year: str, schemes: dict[str, _SchemeActuals]) -> Scenario:
    """``drivers_from`` with its actuals for ``year`` replaced by one entry per scheme."""
    # Built from figures already validated (in pence): model_construct does not read them again as pounds.
    entries = [Actuals.model_construct(year=year, to_month=item.to_month, forecast_method="budget_profile",
                                       schemes={scheme: item.months}, forecasts={scheme: item.forecast})
               for scheme, item in schemes.items()]
    kept = [entry for entry in drivers_from.actuals if entry.year != year]
    return drivers_from.model_copy(update={"actuals": [*kept, *entries]})


def _outturns(agreement: Agreement, scenario: Scenario, year: str) -> dict[str, int]:
    """Every scheme's forecast outturn for the year under the scenario, in pence."""
    result = run(agreement, scenario)
    return {scheme: int(spend) for row in result.for_year(year)
            for scheme, spend in zip(row.scheme_ids, row.scheme_spend[0], strict=True)}


def _carried(previous: _SchemeActuals | None, current: _SchemeActuals, scheme: str) -> SchemeForecast:
    """The previous forecast method, carried to the current actuals (budget profile for a scheme without any)."""
    if previous is None:
        return SchemeForecast(method="budget_profile")
    forecast = previous.forecast
    if forecast.method == "last_year" and forecast.scaled and forecast.last_year is not None:
        months = len(current.months)
        if sum(forecast.last_year[:months]) == 0:
            raise PooledfundError(f"{scheme}: the previous forecast scales last year by its first {months} months, "
                                  "which add up to £0.00, so it cannot be carried to the current actuals for the "
                                  "bridge")
    return forecast


def _manual_both_times(previous: _SchemeActuals | None, current: _SchemeActuals) -> bool:
    """Whether a scheme was forecast by a manual figure both times (its change of figure is then its own cause)."""
    return previous is not None and previous.forecast.method == "manual" and current.forecast.method == "manual"


def bridge(agreement: Agreement, previous: Scenario, current: Scenario, year: str) -> list[BridgeLine]:
    """Each scheme's movement in forecast outturn from ``previous`` to ``current``, by cause (module docstring)."""
    before, after = _by_scheme(previous, year), _by_scheme(current, year)
    with_actuals = {s: _SchemeActuals(a.to_month, a.months, _carried(before.get(s), a, s)) for s, a in after.items()}
    with_methods = {s: a if _manual_both_times(before.get(s), after[s]) else after[s] for s, a in with_actuals.items()}
    steps = [
        _outturns(agreement, previous, year),
        _outturns(agreement, _with_actuals(previous, year, with_actuals), year),
        _outturns(agreement, _with_actuals(previous, year, with_methods), year),
        _outturns(agreement, _with_actuals(previous, year, after), year),
        _outturns(agreement, current, year),
    ]
    lines = []
    for scheme in steps[0]:
        causes = {cause: steps[i + 1][scheme] - steps[i][scheme] for i, cause in enumerate(CAUSES)}
        lines.append(BridgeLine(scheme, steps[0][scheme], causes, steps[-1][scheme]))
    return lines


def bridge_text(lines: list[BridgeLine], previous: Scenario, current: Scenario, year: str) -> str:
    """The bridge as a table: previous outturn, each cause, current outturn and the movement; schemes that moved."""
    header = ["Scheme", "Previous outturn", *(CAUSE_WORDS[c] for c in CAUSES), "Current outturn", "Movement"]

    def figures(label: str, values: list[int]) -> list[str]:
        return [label, *(format_gbp(v, brackets=True) for v in values)]

    moved = [line for line in lines if line.previous != line.current or any(line.causes.values())]
    rows = [figures(line.scheme_id, [line.previous, *(line.causes[c] for c in CAUSES), line.current,
                                     line.movement]) for line in moved]
    totals = [sum(line.previous for line in lines), *(sum(line.causes[c] for line in lines) for c in CAUSES),
              sum(line.current for line in lines), sum(line.movement for line in lines)]
    rows.append(figures("Total (all schemes)", totals))
    unmoved = len(lines) - len(moved)
    out = [f"== Movement since the previous forecast, {year}: {previous.label} to {current.label} ==",
           text_table(header, rows)]
    if unmoved:
        out.append(f"{unmoved} other scheme{'s' if unmoved != 1 else ''} did not move.")
    out.append("Each cause is the change when only that is updated, in the order shown, so the causes add up to "
               "the movement exactly.")
    return "\n".join(out)

