"""An ad-hoc scenario built from a few plain values (the dashboard's sliders).

A finance lead asks "what if inflation runs 2 points above plan and the
council cuts 10% from January?". :class:`AdhocSettings` holds those values;
:func:`adhoc_scenario` turns them into the same scenario *file data* a user
would write and validates it through the normal :class:`~pooledfund.model.scenario.Scenario`
model and :func:`~pooledfund.model.scenario.check_scenario`, so exactly the same
rules and messages apply as to a scenario file. :func:`apply_adhoc` lays it
on top of the scenario already chosen, with the ``extends`` merge rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pooledfund.core.errors import InputError
from pooledfund.core.years import month_label, parse_month
from pooledfund.io.inputs import combine_scenarios
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario, check_scenario
from pooledfund.model.validation import validate_document

#: The "file name" ad-hoc problems are reported against.
ADHOC_SOURCE = "ad-hoc scenario (sidebar)"
ADHOC_ID = "adhoc"


@dataclass(frozen=True)
class AdhocSettings:
    """The dashboard's what-if values. Zero (or None) means "no change".

    Attributes:
        inflation_points: percentage points added to every cost category's
            inflation rate in every year (on top of the chosen scenario's rate,
            or the budgeted rate where the scenario gives none).
        demography_points: percentage points added to every demography rate
            (``all`` and each scheme type the budget or scenario names).
        demand_driver: the demand driver that changes (as schemes list it).
        demand_change_pct: its change, % (negative for a fall).
        demand_from: the month the change starts, "2025-10".
        partner: the partner whose contribution changes.
        contribution_change_pct: % change to all its contributions (negative for a cut).
        contribution_from: the month the change starts, "2026-01".
        shock_scheme: the scheme bearing a one-off cost.
        shock_amount: the one-off cost in pounds (negative for a one-off saving).
        shock_month: the month it falls in, "2025-12".
    """

    inflation_points: float = 0.0
    demography_points: float = 0.0
    demand_driver: str | None = None
    demand_change_pct: float = 0.0
    demand_from: str | None = None
    partner: str | None = None
    contribution_change_pct: float = 0.0
    contribution_from: str | None = None
    shock_scheme: str | None = None
    shock_amount: float = 0.0
    shock_month: str | None = None

    @property
    def is_neutral(self) -> bool:
        """True when the settings change nothing."""
        return not (
            self.inflation_points
            or self.demography_points
            or (self.demand_driver and self.demand_change_pct)
            or (self.partner and self.contribution_change_pct)
            or (self.shock_scheme and self.shock_amount)
        )


def _decimal(value: float) -> Decimal:
    """A slider's float as the exact decimal the user chose (0.1 steps stay 0.1)."""
    return Decimal(repr(float(value))).normalize()


def _text(value: Decimal) -> str:
    """A decimal as a file would write it: 185000, 7.5 (never 1.85E+5)."""
    return format(value, "f")


def _first_day(month: str) -> str:
    """"2025-10" -> "2025-10-01" (a scenario date), leaving a bad month for the validator to word."""
    try:
        year, index = parse_month(month)
    except ValueError:
        return month
    start = int(year[:4])
    calendar_year = start if index < 9 else start + 1
    return f"{calendar_year}-{(index + 3) % 12 + 1:02d}-01"


def _month_words(month: str | None) -> str:
    if not month:
        return ""
    try:
        year, index = parse_month(month)
    except ValueError:
        return f" in {month}"
    return f" from {month_label(year, index)}"


def _rates(
    points: Decimal, keys: set[str], years: list[str], scenario: dict[str, dict[str, Decimal]],
    budget: dict[str, dict[str, Decimal]],
) -> dict[str, dict[str, str]]:
    """Each key's rate per year: the chosen scenario's (else the budgeted) rate plus ``points``."""
    rates: dict[str, dict[str, str]] = {}
    for key in sorted(keys):
        by_year = {}
        for year in years:
            base = scenario.get(key, {}).get(year, budget.get(key, {}).get(year, Decimal(0)))
            by_year[year] = _text(Decimal(base) + points)
        rates[key] = by_year
    return rates


def adhoc_data(settings: AdhocSettings, agreement: Agreement, on_top_of: Scenario) -> dict[str, Any]:
    """The settings as the body of a scenario file (``scenario:`` section), plain data."""
    years = list(agreement.years)
    body: dict[str, Any] = {"id": ADHOC_ID, "name": adhoc_label(settings, agreement), "description": ""}
    inflation_points = _decimal(settings.inflation_points)
    if inflation_points:
        categories = {s.cost_category for _, s in agreement.schemes()}
        categories |= set(agreement.assumptions.inflation) | set(on_top_of.inflation)
        body["inflation"] = _rates(inflation_points, categories, years, on_top_of.inflation,
                                   agreement.assumptions.inflation)
    demography_points = _decimal(settings.demography_points)
    if demography_points:
        keys = {"all"} | set(agreement.assumptions.demography) | set(on_top_of.demography)
        body["demography"] = _rates(demography_points, keys, years, on_top_of.demography,
                                    agreement.assumptions.demography)
    if settings.demand_driver and settings.demand_change_pct:
        change: dict[str, Any] = {"driver": settings.demand_driver,
                                  "change_pct": _text(_decimal(settings.demand_change_pct))}
        if settings.demand_from:
            change["from"] = _first_day(settings.demand_from)
        body["demand"] = [change]
    if settings.partner and settings.contribution_change_pct:
        body["contribution_changes"] = [{
            "partner": settings.partner,
            "from": _first_day(settings.contribution_from or f"{years[0][:4]}-04"),
            "change_pct": _text(_decimal(settings.contribution_change_pct)),
        }]
    if settings.shock_scheme and settings.shock_amount:
        body["shocks"] = [{
            "scheme": settings.shock_scheme,
            "month": settings.shock_month or f"{years[0][:4]}-04",
            "amount": _text(_decimal(settings.shock_amount)),
            "description": "one-off cost entered in the dashboard",
        }]
    return body


def adhoc_label(settings: AdhocSettings, agreement: Agreement) -> str:
    """A short name saying what the ad-hoc scenario changes, for charts and the JSON."""
    parts = []
    if settings.inflation_points:
        parts.append(f"inflation {settings.inflation_points:+g} pts")
    if settings.demography_points:
        parts.append(f"demography {settings.demography_points:+g} pts")
    if settings.demand_driver and settings.demand_change_pct:
        parts.append(f"{settings.demand_driver.replace('_', ' ')} {settings.demand_change_pct:+g}%"
                     f"{_month_words(settings.demand_from)}")
    if settings.partner and settings.contribution_change_pct:
        names = {p.id: p.name for p in agreement.partners}
        parts.append(f"{names.get(settings.partner, settings.partner)} contribution "
                     f"{settings.contribution_change_pct:+g}%{_month_words(settings.contribution_from)}")
    if settings.shock_scheme and settings.shock_amount:
        amount = Decimal(repr(float(settings.shock_amount)))
        sign = "-" if amount < 0 else "+"
        parts.append(f"one-off {sign}£{abs(amount):,.2f} on {settings.shock_scheme}"
                     f"{_month_words(settings.shock_month).replace(' from ', ' in ')}")
    return "What-if: " + "; ".join(parts) if parts else "What-if: no change"


def adhoc_scenario(
    settings: AdhocSettings, agreement: Agreement, on_top_of: Scenario
) -> tuple[Scenario | None, list[InputError]]:
    """Validate the settings as a scenario and check it against the agreement.

    Returns the ad-hoc scenario on its own (``None`` and every problem if the
    values are not valid, each located by field path under :data:`ADHOC_SOURCE`).
    """
    data = adhoc_data(settings, agreement, on_top_of)
    scenario, errors = validate_document(
        Scenario, data, {}, ADHOC_SOURCE, root=("scenario",), docs="docs/scenario-format.md"
    )
    if scenario is None:
        return None, errors
    problems = check_scenario(scenario, agreement, ADHOC_SOURCE)
    return (None, problems) if problems else (scenario, [])


def apply_adhoc(on_top_of: Scenario, adhoc: Scenario | None) -> Scenario:
    """The chosen scenario with the ad-hoc one laid on top (as if it extended it).

    A neutral (or missing) ad-hoc scenario leaves the chosen scenario untouched,
    so its figures are exactly those of the scenario file.
    """
    if adhoc is None:
        return on_top_of
    if not (adhoc.inflation or adhoc.demography or adhoc.demand or adhoc.contribution_changes or adhoc.shocks):
        return on_top_of
    combined = combine_scenarios([on_top_of, adhoc])
    label = adhoc.label.removeprefix("What-if: ")
    return combined.model_copy(update={"name": f"{on_top_of.label} + {label}"})
