"""Scenarios: changes to the drivers of spend, never to the agreement.

Records only: reading scenario files (``extends`` chains, merging) is
:mod:`pooledfund.io.scenario_files`.

A scenario file says what happens to prices, need, demand, efficiency,
partners' contributions, one-off shocks and in-year actuals. The base
scenario (an empty one) reproduces the budgets exactly. A scenario may
``extends:`` another file; its values then override the parent's, and its
lists (demand changes, contribution changes, shocks) are added to the parent's.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import TYPE_CHECKING, Literal

from pydantic import Field, PrivateAttr, model_validator

from pooledfund.core.errors import InputError, Source
from pooledfund.core.money import format_gbp
from pooledfund.core.types import ChangePercent, Date, Money, Month, RatePercent, SavingPercent, SingleLine, Year
from pooledfund.core.years import MONTHS_IN_YEAR, parse_month
from pooledfund.model.records import Record, field_line, source_of

if TYPE_CHECKING:
    from pooledfund.model.agreement import Agreement


class DemandChange(Record):
    """A change in a demand driver from a date, e.g. non-elective admissions -23%.

    Attributes:
        driver: the driver's name, as schemes list it in ``cost_drivers``.
        change_pct: the change in the driver, % (negative for a fall).
        effective_from: the first day it applies; it persists to the end of the agreement.
        if_listed: true for a scenario written for many agreements: the change
            applies where a scheme lists the driver, and an agreement none of
            whose schemes lists it is not an error. Left false, a driver no
            scheme lists is refused, as it is most likely misspelt.
    """

    driver: str = Field(min_length=1)
    change_pct: ChangePercent
    effective_from: Date | None = Field(default=None, alias="from")
    if_listed: bool = False


class ContributionChange(Record):
    """A partner changes its contribution from a date (e.g. a council cut).

    Give ``change_pct`` (of the annual contribution) or ``change_amount``
    (pounds a year); the change applies pro rata to the months from
    ``effective_from`` to March, and to every later year in full.

    Attributes:
        partner: whose contribution changes.
        arrangement: which arrangement (all the partner's contributions if omitted).
        effective_from: first day of the change.
        change_pct: % change to the annual contribution (negative for a cut).
        change_amount: change to the annual contribution in pounds.
    """

    partner: str
    arrangement: str | None = None
    effective_from: Date = Field(alias="from")
    change_pct: ChangePercent | None = None
    change_amount: Money | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ContributionChange:
        if (self.change_pct is None) == (self.change_amount is None):
            raise ValueError("give either change_pct or change_amount, not both or neither")
        return self


class Shock(Record):
    """A one-off cost in one month on one scheme (e.g. a provider failure).

    Attributes:
        scheme: the scheme that bears it.
        month: the month it falls in, "2025-12".
        amount: pounds (negative for a one-off saving).
        description: what happened.
    """

    scheme: str
    month: Month
    amount: Money
    description: str = ""


#: The forecast methods one scheme may be given (docs/monitoring.md, "The forecast methods").
ForecastMethod = Literal["budget_profile", "run_rate", "trend", "last_year", "manual"]
#: The methods that need nothing but the actuals, so may be every listed scheme's default.
DefaultForecastMethod = Literal["budget_profile", "run_rate", "trend"]


class SchemeForecast(Record):
    """How one scheme's remaining months are forecast, when it differs from the entry's default.

    Attributes:
        method: ``budget_profile``, ``run_rate``, ``trend``, ``last_year`` or ``manual``.
        outturn: ``manual`` only: the year's forecast outturn in pounds (actuals
            to date plus the remaining months); the remaining months share the
            difference evenly.
        reason: why the figure or the method was chosen; required for ``manual``.
        last_year: ``last_year`` only: the scheme's actual spend in each of the
            12 months of the previous year, April first.
        scaled: ``last_year`` only, and required there: true scales last year's
            remaining months by this year's actuals to date over last year's
            same months; false takes them as they were.
    """

    method: ForecastMethod
    outturn: Money | None = None
    reason: SingleLine = ""
    last_year: list[Money] | None = None
    scaled: bool | None = None

    @model_validator(mode="after")
    def _fields_for_method(self) -> SchemeForecast:
        if self.method == "manual":
            if self.outturn is None or not self.reason.strip():
                raise ValueError("a manual forecast needs both 'outturn' (the year's figure) and 'reason' "
                                 "(why it is the right figure)")
        elif self.outturn is not None:
            raise ValueError(f"'outturn' is only for a manual forecast, not {self.method}")
        if self.method == "last_year":
            if self.last_year is None or len(self.last_year) != MONTHS_IN_YEAR or self.scaled is None:
                raise ValueError("a last_year forecast needs 'last_year' (the 12 months of last year, April first) "
                                 "and 'scaled' (true or false: whether to scale them by this year's actuals to date)")
        elif self.last_year is not None or self.scaled is not None:
            raise ValueError(f"'last_year' and 'scaled' are only for a last_year forecast, not {self.method}")
        return self


class Actuals(Record):
    """Spend to date in a year and how to forecast the rest.

    Attributes:
        year: the financial year the actuals are for.
        to_month: the last month with actuals, "2025-09": the months from
            April to it are actual, the rest forecast.
        forecast_method: ``budget_profile`` (the remaining months of the
            phased budget, moved by the scenario's drivers), ``run_rate`` (the
            average actual month so far for every remaining month) or
            ``trend`` (a least-squares straight line through the actual months).
        schemes: for each scheme, the actual spend of each month from April
            to ``to_month`` (a month may be negative: a net credit in the
            ledger). A scheme not listed is forecast for the whole year.
        forecasts: a scheme's own forecast method, where it is not
            ``forecast_method`` (``last_year`` and ``manual`` are given here).
    """

    year: Year
    to_month: Month
    forecast_method: DefaultForecastMethod = "budget_profile"
    schemes: dict[str, list[Money]] = Field(default_factory=dict)
    forecasts: dict[str, SchemeForecast] = Field(default_factory=dict)

    def method_for(self, scheme_id: str) -> SchemeForecast:
        """The forecast a listed scheme is given: its own entry under ``forecasts``, or the default method."""
        return self.forecasts.get(scheme_id) or SchemeForecast(method=self.forecast_method)


class Scenario(Record):
    """A named set of driver changes.

    Attributes:
        id: short name of the scenario.
        name: what it is called in reports.
        description: what it represents and why.
        extends: another scenario file this one builds on (relative to this file).
        inflation: % a year by cost category and year (replacing the budgeted rate).
        demography: % a year by scheme type key (or ``all``) and year.
        demand: demand driver changes from dates.
        efficiency: % of spend saved each year beyond the budget (recurrent).
        contribution_changes: partners' contribution changes from dates.
        shocks: one-off costs.
        actuals: in-year actuals and a forecast method.
    """

    id: str = Field(min_length=1)
    name: str = ""
    description: str = ""
    extends: str | None = None
    inflation: dict[str, dict[Year, RatePercent]] = Field(default_factory=dict)
    demography: dict[str, dict[Year, RatePercent]] = Field(default_factory=dict)
    demand: list[DemandChange] = Field(default_factory=list)
    efficiency: dict[Year, SavingPercent] = Field(default_factory=dict)
    contribution_changes: list[ContributionChange] = Field(default_factory=list)
    shocks: list[Shock] = Field(default_factory=list)
    actuals: list[Actuals] = Field(default_factory=list)
    # Where each (field, key, year) rate was set, across an ``extends`` chain.
    _origins: dict[tuple[str, ...], Source] = PrivateAttr(default_factory=dict)

    @property
    def label(self) -> str:
        """The scenario's display name."""
        return self.name or self.id


#: The budget as agreed: no changes. Made without validation (two constant fields, the rest defaults;
#: tests/test_years_types.py checks it equals the validated scenario), so a run without a scenario file never
#: builds the scenario validator, which would cost every such command's start-up about 10 ms.
BASE = Scenario.model_construct(id="base", name="Base (budget as agreed)")


def check_scenario(scenario: Scenario, agreement: Agreement, file: str) -> list[InputError]:
    """Check a scenario's references against the agreement it is run with.

    Every scheme, partner and arrangement a scenario names must exist in the
    agreement, and every month and year it changes must be one the agreement
    covers; otherwise the change would silently do nothing to the figures.
    """
    years = set(agreement.years)
    scheme_ids = {s.id for _, s in agreement.schemes()}
    errors = _check_shocks(scenario, agreement.id, scheme_ids, years, file)
    errors += _check_contribution_changes(scenario, agreement, file)
    errors += _check_actuals(scenario, agreement.id, scheme_ids, years, file)
    errors += _check_rate_years(scenario, years, file)
    errors += _check_demand_drivers(scenario, agreement, file)
    errors += _check_rate_keys(scenario, agreement, file)
    errors += _check_change_dates(scenario, agreement, file)
    return errors


def _check_change_dates(scenario: Scenario, agreement: Agreement, file: str) -> list[InputError]:
    """A demand or contribution change dated after the agreement ends would change nothing: refuse it.

    (A change dated before the agreement starts applies throughout, as the
    scenario format says; only one that can never apply is a mistake.)
    """
    last_year = max(agreement.years)
    ends = dt.date(int(last_year[:4]) + 1, 3, 31)
    errors: list[InputError] = []
    dated: list[tuple[Record, dt.date | None]] = [
        *((change, change.effective_from) for change in scenario.demand),
        *((change, change.effective_from) for change in scenario.contribution_changes),
    ]
    for change, starts in dated:
        if starts is not None and starts > ends:
            message = (f"{starts.isoformat()} is after the agreement ends ({ends.day} March {ends.year}), so this "
                       "change would do nothing; give a date within the agreement's years")
            errors.append(_scenario_error(change, "from", message, file))
    return errors


def cost_categories(agreement: Agreement) -> set[str]:
    """The inflation keys an agreement knows: its schemes' cost categories and its budgeted ones."""
    return {s.cost_category for _, s in agreement.schemes()} | set(agreement.assumptions.inflation)


def demography_keys(agreement: Agreement) -> set[str]:
    """The demography keys an agreement knows: ``all``, its schemes' types and its budgeted keys."""
    return {"all"} | {s.scheme_type.value for _, s in agreement.schemes()} | set(agreement.assumptions.demography)


def demand_drivers(agreement: Agreement) -> set[str]:
    """The demand drivers the agreement's schemes list in their ``cost_drivers``."""
    return {link.driver for _, s in agreement.schemes() for link in s.cost_drivers}


def names_hint(name: str, known: set[str], what: str) -> str:
    """Words naming the closest known names and listing them all, for a name that matched nothing.

    For example ``did you mean 'care_fees'? the agreement's cost categories
    are: care_fees, pay``: a misspelling is then fixed from the message alone.
    """
    listed = ", ".join(sorted(known)) if known else "none"
    close = difflib.get_close_matches(name, sorted(known), n=3)
    guess = " or ".join(repr(c) for c in close)
    return (f"did you mean {guess}? " if close else "") + f"the agreement's {what} are: {listed}"


def close_hint(name: str, known: set[str], what: str) -> str:
    """``"; did you mean ...? the agreement's ... are: ..."`` when some known name is close to ``name``, else nothing.

    For references (schemes, partners) whose message already says plainly
    what is wrong: the list is added only when it can point at a likely
    misspelling.
    """
    if not difflib.get_close_matches(name, sorted(known), n=1):
        return ""
    return "; " + names_hint(name, known, what)


def _scenario_error(record: Record, field: str, message: str, file: str) -> InputError:
    """An error on ``field`` of a scenario record, on its line in the scenario file."""
    src = source_of(record) or Source(file, None, "scenario")
    line = field_line(record, *field.split("."))
    return InputError(Source(src.file, line, f"{src.path}.{field}"), message)


def _check_shocks(
    scenario: Scenario, agreement_id: str, scheme_ids: set[str], years: set[str], file: str
) -> list[InputError]:
    """Each one-off shock hits a scheme of the agreement in a month it covers."""
    errors: list[InputError] = []
    for shock in scenario.shocks:
        if shock.scheme not in scheme_ids:
            hint = close_hint(shock.scheme, scheme_ids, "schemes")
            message = f"{shock.scheme!r} is not a scheme in {agreement_id}{hint}"
            errors.append(_scenario_error(shock, "scheme", message, file))
        if parse_month(shock.month)[0] not in years:
            errors.append(_scenario_error(shock, "month", f"{shock.month} is outside the agreement's years", file))
    return errors


def _check_contribution_changes(scenario: Scenario, agreement: Agreement, file: str) -> list[InputError]:
    """Each contribution change names a partner (and, if given, an arrangement) of the agreement."""
    errors: list[InputError] = []
    partner_ids = set(agreement.partner_ids)
    arrangement_ids = {a.id for a in agreement.arrangements}
    for change in scenario.contribution_changes:
        if change.partner not in partner_ids:
            hint = close_hint(change.partner, partner_ids, "partners")
            message = f"{change.partner!r} is not a partner in {agreement.id}{hint}"
            errors.append(_scenario_error(change, "partner", message, file))
        if change.arrangement is not None and change.arrangement not in arrangement_ids:
            hint = close_hint(change.arrangement, arrangement_ids, "arrangements")
            message = f"{change.arrangement!r} is not an arrangement in {agreement.id}{hint}"
            errors.append(_scenario_error(change, "arrangement", message, file))
    return errors


def _check_actuals(
    scenario: Scenario, agreement_id: str, scheme_ids: set[str], years: set[str], file: str
) -> list[InputError]:
    """Actuals are for a year of the agreement, up to a month in that year, one figure per month per scheme."""
    errors: list[InputError] = []
    for actual in scenario.actuals:
        if actual.year not in years:
            errors.append(_scenario_error(actual, "year", f"{actual.year} is outside the agreement's years", file))
            continue
        year, last = parse_month(actual.to_month)
        if year != actual.year:
            errors.append(_scenario_error(actual, "to_month", f"{actual.to_month} is not in {actual.year}", file))
            continue
        for scheme_id, months in actual.schemes.items():
            field = f"schemes.{scheme_id}"
            if scheme_id not in scheme_ids:
                hint = close_hint(scheme_id, scheme_ids, "schemes")
                message = f"{scheme_id!r} is not a scheme in {agreement_id}{hint}"
                errors.append(_scenario_error(actual, field, message, file))
            elif len(months) != last + 1:
                message = f"gives {len(months)} months of actuals; April to {actual.to_month} is {last + 1} months"
                errors.append(_scenario_error(actual, field, message, file))
        errors += _check_forecasts(actual, last, file)
    return errors


def _check_forecasts(actual: Actuals, last: int, file: str) -> list[InputError]:
    """Each scheme's own forecast is for a scheme with actuals, and a scaled last year can be scaled.

    A forecast for a scheme without actuals would change nothing (that
    scheme is projected from its budget all year), so it is refused.
    """
    errors: list[InputError] = []
    for scheme_id, forecast in actual.forecasts.items():
        field = f"forecasts.{scheme_id}"
        if scheme_id not in actual.schemes:
            listed = ", ".join(sorted(actual.schemes)) or "none"
            message = (f"{scheme_id!r} has no actuals in this entry, so its forecast method would change nothing; "
                       f"the schemes with actuals are: {listed}")
            errors.append(_scenario_error(actual, field, message, file))
        elif (forecast.method == "last_year" and forecast.scaled and forecast.last_year is not None
              and sum(forecast.last_year[: last + 1]) == 0):
            message = (f"last year's April to {actual.to_month} add up to £0.00, so there is nothing to scale "
                       "this year's actuals against; give scaled: false")
            errors.append(_scenario_error(actual, field, message, file))
        elif (forecast.method == "manual" and last == MONTHS_IN_YEAR - 1 and forecast.outturn is not None
              and forecast.outturn != sum(actual.schemes[scheme_id])):
            message = (f"every month of {actual.year} is actual, so the outturn is the actuals' "
                       f"{format_gbp(sum(actual.schemes[scheme_id]))}, not the manual {format_gbp(forecast.outturn)}; "
                       "remove the manual forecast")
            errors.append(_scenario_error(actual, field, message, file))
    return errors


def _check_rate_years(scenario: Scenario, years: set[str], file: str) -> list[InputError]:
    """Inflation, demography and efficiency rates are set only for the agreement's years.

    Rates are plain mappings, not records, so each error points at where the
    rate was set (which may be a parent scenario of an ``extends`` chain).
    """
    errors: list[InputError] = []

    def outside(origin: tuple[str, ...], year: str) -> None:
        where = scenario._origins.get(origin) or Source(file, None, "scenario." + ".".join(origin))
        errors.append(InputError(where, f"{year} is outside the agreement's years"))

    for field, mapping in (("inflation", scenario.inflation), ("demography", scenario.demography)):
        for key, by_year in mapping.items():
            for year in by_year:
                if year not in years:
                    outside((field, key, year), year)
    for year in scenario.efficiency:
        if year not in years:
            outside(("efficiency", year), year)
    return errors


def _check_demand_drivers(scenario: Scenario, agreement: Agreement, file: str) -> list[InputError]:
    """Each demand change names a driver some scheme lists, unless it is marked ``if_listed``.

    A driver no scheme lists moves nothing, so the run would look like a
    result of the change while ignoring it. An agreement whose schemes list
    no demand drivers at all gives no names to check against, and is left
    unchecked (docs/scenario-format.md, section 6).
    """
    known = demand_drivers(agreement)
    errors: list[InputError] = []
    for change in scenario.demand:
        if not known or change.driver in known or change.if_listed:
            continue
        message = (
            f"no scheme in {agreement.id} lists {change.driver!r} in its cost_drivers, so this change would do "
            f"nothing; {names_hint(change.driver, known, 'demand drivers')} (a scenario written for many "
            "agreements may mark the change 'if_listed: true')"
        )
        errors.append(_scenario_error(change, "driver", message, file))
    return errors


def _check_rate_keys(scenario: Scenario, agreement: Agreement, file: str) -> list[InputError]:
    """Each inflation key is a cost category, and each demography key a scheme type, the agreement knows.

    Known means a scheme uses it or the agreement's ``assumptions`` budget a
    rate for it (and ``all`` for demography): anything else is a misspelling
    that would leave every scheme at its budgeted rate. An agreement that
    names no cost category but ``general`` (the default) gives no names to
    check inflation keys against.
    """
    errors: list[InputError] = []
    categories = cost_categories(agreement)
    checks = (
        ("inflation", scenario.inflation, categories, "cost categories"),
        ("demography", scenario.demography, demography_keys(agreement), "scheme-type keys (and 'all')"),
    )
    for field, mapping, known, what in checks:
        if field == "inflation" and not categories - {"general"}:
            continue
        for key in mapping:
            if key in known:
                continue
            where = scenario._origins.get((field, key)) or Source(file, None, f"scenario.{field}.{key}")
            message = f"{key!r} is not one of {agreement.id}'s {what}, so this rate would change nothing; "
            errors.append(InputError(where, message + names_hint(key, known, what)))
    return errors
