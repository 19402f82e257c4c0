"""The ``uncertainty:`` section of a scenario file: driver distributions, events, correlation.

A scenario gives each driver one value. Its optional ``uncertainty:`` section
says which drivers are uncertain and how (a distribution instead of a value),
which discrete events may happen (a provider failure: a probability, a window
of months and an impact in pounds), and how the uncertain drivers move
together (a correlation matrix, applied through a Gaussian copula). See
docs/uncertainty.md for the format field by field.

Problems are values, like every other input: :func:`spec_from_data` (and
:func:`pooledfund.io.uncertainty_files.load_uncertainty`) return
``(spec or None, [InputError, ...])`` with each error located by file, line
and field path; :func:`check_uncertainty` checks a spec against the agreement
it is run with.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from pooledfund.core.errors import InputError, Source
from pooledfund.core.locations import LineMap, format_path, line_for
from pooledfund.core.types import Date, Money, Month, Percent, SharePercent, Year
from pooledfund.core.years import month_of, parse_month
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import Record, Scheme, source_of
from pooledfund.model.scenario import close_hint
from pooledfund.model.validation import validate_document

DriverType = Literal["inflation", "demography", "demand", "efficiency"]


class Normal(Record):
    """A normal distribution: ``mean`` and standard deviation ``sd`` (both in %)."""

    kind: Literal["normal"]
    mean: Percent
    sd: Percent

    @model_validator(mode="after")
    def _check(self) -> Normal:
        if self.sd < 0:
            raise ValueError(f"sd must not be negative (got {self.sd})")
        return self


class Lognormal(Record):
    """A lognormal distribution given by its own ``mean`` (above 0) and ``sd``, in %.

    Right-skewed: suits a driver that cannot fall below zero but may rise a lot.
    """

    kind: Literal["lognormal"]
    mean: Percent
    sd: Percent

    @model_validator(mode="after")
    def _check(self) -> Lognormal:
        if self.mean <= 0:
            raise ValueError(f"a lognormal's mean must be above 0 (got {self.mean})")
        if self.sd < 0:
            raise ValueError(f"sd must not be negative (got {self.sd})")
        return self


def _check_range(low: Decimal, high: Decimal) -> None:
    if low > high:
        raise ValueError(f"min {low} is above max {high}; min must not be more than max")


class Uniform(Record):
    """Every value between ``min`` and ``max`` equally likely (in %)."""

    kind: Literal["uniform"]
    min: Percent
    max: Percent

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        _check_range(self.min, self.max)
        return self


class Triangular(Record):
    """A triangle from ``min`` through the most likely value ``mode`` to ``max`` (in %)."""

    kind: Literal["triangular"]
    min: Percent
    mode: Percent
    max: Percent

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        _check_range(self.min, self.max)
        if not self.min <= self.mode <= self.max:
            raise ValueError(f"mode {self.mode} must lie between min {self.min} and max {self.max}")
        return self


class Pert(Record):
    """A PERT (beta) distribution from three-point estimates: ``min``, ``mode``, ``max``.

    ``shape`` (default 4) sets how strongly values gather round the mode.
    """

    kind: Literal["pert"]
    min: Percent
    mode: Percent
    max: Percent
    shape: Percent = Decimal(4)

    @model_validator(mode="after")
    def _check(self) -> Pert:
        _check_range(self.min, self.max)
        if not self.min <= self.mode <= self.max:
            raise ValueError(f"mode {self.mode} must lie between min {self.min} and max {self.max}")
        if self.shape <= 0:
            raise ValueError(f"shape must be above 0 (got {self.shape})")
        return self


Distribution = Annotated[Normal | Lognormal | Uniform | Triangular | Pert, Field(discriminator="kind")]


class UncertainDriver(Record):
    """One driver whose value is uncertain: which driver, and its distribution.

    Attributes:
        id: short name used in the correlation matrix, the tornado and messages.
        name: what charts call it (defaults to the id).
        type: ``inflation`` (by cost category), ``demography`` (by scheme-type key
            or ``all``), ``demand`` (a demand driver) or ``efficiency``.
        key: the cost category, scheme-type key or demand driver; not used for efficiency.
        years: the years the value applies to (inflation, demography, efficiency;
            default every year of the agreement). One draw per path applies to
            every year listed; list a driver once per year for independent years.
        effective_from: demand only: the first day the change applies (default
            the start of the agreement); it lasts to the end.
        distribution: the distribution of the value, in % (a % a year, or the %
            change in demand).
    """

    id: str = Field(min_length=1)
    name: str = ""
    type: DriverType
    key: str | None = None
    years: list[Year] | None = None
    effective_from: Date | None = Field(default=None, alias="from")
    distribution: Distribution

    @model_validator(mode="after")
    def _check(self) -> UncertainDriver:
        if self.type == "efficiency" and self.key is not None:
            raise ValueError("an efficiency driver has no key; remove 'key'")
        if self.type != "efficiency" and not self.key:
            what = {"inflation": "cost category (e.g. care_fees)", "demography": "scheme-type key or all",
                    "demand": "demand driver (e.g. non_elective_admissions)"}[self.type]
            raise ValueError(f"a {self.type} driver needs 'key': the {what}")
        if self.type == "demand" and self.years is not None:
            raise ValueError("a demand driver lasts from its 'from' date; give 'from', not 'years'")
        if self.type != "demand" and self.effective_from is not None:
            raise ValueError(f"'from' is for demand drivers; a {self.type} driver takes 'years'")
        return self

    @property
    def label(self) -> str:
        """The driver's display name."""
        return self.name or self.id


class EventWindow(Record):
    """The months an event may fall in, ``from`` and ``to`` inclusive ("2025-10")."""

    start: Month = Field(alias="from")
    end: Month = Field(alias="to")

    @model_validator(mode="after")
    def _check(self) -> EventWindow:
        if _month_number(self.start) > _month_number(self.end):
            raise ValueError(f"the window runs backwards: from {self.start} is after to {self.end}")
        return self


class Event(Record):
    """A discrete event that may happen on a path: a probability, a window and an impact.

    Attributes:
        id: short name for the tornado and messages.
        name: what charts call it (defaults to the id).
        description: what happens.
        scheme: the scheme whose spend it adds to.
        probability_pct: the chance it happens at all during the window, in %.
        window: the months it may fall in; each month is equally likely.
        impact: pounds added to the scheme's spend in that month (negative for a saving).
    """

    id: str = Field(min_length=1)
    name: str = ""
    description: str = ""
    scheme: str = Field(min_length=1)
    probability_pct: SharePercent
    window: EventWindow
    impact: Money

    @property
    def label(self) -> str:
        """The event's display name."""
        return self.name or self.id


class Correlation(Record):
    """How the uncertain drivers move together.

    Attributes:
        drivers: the ids of the correlated drivers, in the matrix's order.
        matrix: the correlation matrix: symmetric, 1 on the diagonal, every entry
            between -1 and 1, and consistent (positive semi-definite). Drivers
            not listed are independent of every other.
    """

    drivers: list[str] = Field(min_length=2)
    matrix: list[list[float]]


class UncertaintySpec(Record):
    """Everything a Monte Carlo run varies: drivers, events and their correlation."""

    drivers: list[UncertainDriver] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    correlation: Correlation | None = None

    def driver(self, driver_id: str) -> UncertainDriver:
        """The uncertain driver with this id (``KeyError`` if none)."""
        for item in self.drivers:
            if item.id == driver_id:
                return item
        raise KeyError(driver_id)


#: A spec that varies nothing: a simulation with it reproduces the deterministic run.
NO_UNCERTAINTY = UncertaintySpec()


def _month_number(month: str) -> int:
    year, index = parse_month(month)
    return int(year[:4]) * 12 + index


def spec_from_simple(
    drivers: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    correlation: dict[str, Any] | None = None,
) -> UncertaintySpec:
    """Build a spec in code from file-style fields (for the dashboard and tests).

    Each driver is a mapping like the file's, e.g. ``{"id": "fees", "type":
    "inflation", "key": "care_fees", "distribution": {"kind": "normal", "mean":
    6, "sd": 1.5}}``; events give ``impact`` in pounds and ``window`` as
    ``{"from": "2025-10", "to": "2026-03"}``. Raises ``InvalidInputError``
    listing every problem, located by field path.
    """
    from pooledfund.core.errors import InvalidInputError

    data: dict[str, Any] = {"drivers": drivers or [], "events": events or []}
    if correlation is not None:
        data["correlation"] = correlation
    spec, errors = spec_from_data(data, {}, "<uncertainty>")
    if spec is None:
        raise InvalidInputError(errors)
    return spec


def spec_from_data(data: Any, lines: LineMap, file: str) -> tuple[UncertaintySpec | None, list[InputError]]:
    """Validate the body of an ``uncertainty:`` section (``lines`` keyed from the file's top)."""
    root = ("uncertainty",)
    if not isinstance(data, dict):
        return None, [InputError(Source(file, line_for(lines, root), "uncertainty"),
                                 "expected a set of 'name: value' lines: drivers, events, correlation")]
    spec, errors = validate_document(UncertaintySpec, data, lines, file, root=root, docs="docs/uncertainty.md")
    if spec is None:
        return None, errors
    errors = _check_internal(spec, lines, file)
    return (None, errors) if errors else (spec, [])


def _located(lines: LineMap, file: str, path: tuple[str | int, ...], message: str) -> InputError:
    """An error at ``path`` of the uncertainty file, on that field's line."""
    return InputError(Source(file, line_for(lines, path), format_path(path)), message)


def _check_internal(spec: UncertaintySpec, lines: LineMap, file: str) -> list[InputError]:
    """Checks across records: unique ids, and a usable correlation matrix."""
    errors: list[InputError] = []
    seen: dict[str, str] = {}
    sections: tuple[tuple[str, Sequence[UncertainDriver | Event]], ...] = (
        ("drivers", spec.drivers),
        ("events", spec.events),
    )
    for section, items in sections:
        for index, item in enumerate(items):
            if item.id in seen:
                message = f"{item.id!r} is already the id of another {seen[item.id]}; ids must be unique"
                errors.append(_located(lines, file, ("uncertainty", section, index, "id"), message))
            seen.setdefault(item.id, section[:-1])
    if spec.correlation is not None:
        errors += _check_correlation(spec.correlation, spec.drivers, lines, file)
    return errors


_CORRELATION_ROOT = ("uncertainty", "correlation")


def _check_correlation(
    correlation: Correlation, drivers: list[UncertainDriver], lines: LineMap, file: str
) -> list[InputError]:
    """The correlated drivers are known and listed once, and the matrix is a usable correlation matrix.

    Usable means square (one row and column per driver), entries between -1
    and 1, 1 on the diagonal, symmetric, and positive semi-definite (the
    correlations do not contradict each other), so correlated draws exist.
    """
    root = _CORRELATION_ROOT
    names = correlation.drivers
    matrix = correlation.matrix
    known = {d.id for d in drivers}
    errors = [
        _located(lines, file, (*root, "drivers", i), f"{name!r} is not the id of an uncertain driver in 'drivers'")
        for i, name in enumerate(names) if name not in known
    ]
    errors += [
        _located(lines, file, (*root, "drivers", i), f"{name!r} is listed twice")
        for i, name in enumerate(names) if name in names[:i]
    ]
    n = len(names)
    if len(matrix) != n or any(len(row) != n for row in matrix):
        shape = f"{len(matrix)} rows of " + "/".join(sorted({str(len(r)) for r in matrix}) or ["0"]) + " values"
        message = f"the matrix must be {n} x {n} (one row and column per driver listed); it has {shape}"
        errors.append(_located(lines, file, (*root, "matrix"), message))
        return errors
    errors += _check_matrix_entries(matrix, lines, file)
    if not errors:
        smallest = float(np.linalg.eigvalsh(np.array(matrix, dtype=np.float64)).min())
        if smallest < -1e-9:
            message = (
                "these correlations contradict each other (the matrix is not positive semi-definite, "
                f"smallest eigenvalue {smallest:.4f}); weaken the strongest ones"
            )
            errors.append(_located(lines, file, (*root, "matrix"), message))
    return errors


def _check_matrix_entries(matrix: list[list[float]], lines: LineMap, file: str) -> list[InputError]:
    """Each entry of a square correlation matrix is between -1 and 1, 1 on the diagonal, and mirrored."""
    errors: list[InputError] = []
    n = len(matrix)
    for i in range(n):
        for j in range(n):
            value = matrix[i][j]
            where = (*_CORRELATION_ROOT, "matrix", i, j)
            if not np.isfinite(value) or not -1 <= value <= 1:
                message = f"a correlation must be between -1 and 1 (got {value})"
            elif i == j and value != 1:
                message = f"the diagonal must be 1 (a driver moves with itself); got {value}"
            elif j > i and value != matrix[j][i]:
                message = (
                    f"the matrix must be symmetric: row {i + 1} column {j + 1} is {value} but "
                    f"row {j + 1} column {i + 1} is {matrix[j][i]}"
                )
            else:
                continue
            errors.append(_located(lines, file, where, message))
    return errors


def check_uncertainty(spec: UncertaintySpec, agreement: Agreement, file: str) -> list[InputError]:
    """Check a spec against the agreement it is run with.

    Years and months must fall within the agreement; events must name one of
    its schemes; each driver must move at least one scheme (a driver no scheme
    responds to would add nothing but noise to the tornado); and an inflation
    or demography driver needs the rate the budgets were set with for each of
    its years (without one, every draw is measured against 0% and lands in
    full on top of the budget: a near-certain overspend nobody asked for).
    """
    years = list(agreement.years)
    schemes = [s for _, s in agreement.schemes()]
    scheme_ids = {s.id for s in schemes}
    errors: list[InputError] = []
    for driver in spec.drivers:
        for year in driver.years or []:
            if year not in years:
                message = f"{year} is outside the agreement's years ({', '.join(years)})"
                errors.append(_spec_error(driver, "years", message, file))
        if driver.effective_from is not None and month_of(driver.effective_from)[0] > years[-1]:
            errors.append(_spec_error(driver, "from", f"{driver.effective_from} is after the agreement ends", file))
        if not _moves_something(driver, schemes):
            message = f"no scheme in {agreement.id} {_what_moves(driver)}, so this driver would change nothing"
            errors.append(_spec_error(driver, "key", message + _closest(driver, schemes), file))
        else:
            errors += _check_baseline(driver, agreement, file)
    for event in spec.events:
        if event.scheme not in scheme_ids:
            message = f"{event.scheme!r} is not a scheme in {agreement.id}"
            errors.append(_spec_error(event, "scheme", message + close_hint(event.scheme, scheme_ids, "schemes"), file))
        for field, month in (("window.from", event.window.start), ("window.to", event.window.end)):
            if parse_month(month)[0] not in years:
                message = f"{month} is outside the agreement's years ({years[0]} to {years[-1]})"
                errors.append(_spec_error(event, field, message, file))
    return errors


def _spec_error(record: Record, field: str, message: str, file: str) -> InputError:
    """An error on ``field`` of a driver or event, on the record's line in the uncertainty file."""
    src = source_of(record) or Source(file)
    path = f"{src.path}.{field}" if src.path else f"uncertainty.{field}"
    return InputError(Source(src.file, src.line, path), message)


def _moves_something(driver: UncertainDriver, schemes: list[Scheme]) -> bool:
    """Whether any scheme responds to the driver (by cost category, scheme type or cost driver)."""
    if driver.type == "efficiency":
        return bool(schemes)
    if driver.type == "inflation":
        return any(s.cost_category == driver.key for s in schemes)
    if driver.type == "demography":
        return driver.key == "all" or any(s.scheme_type.value == driver.key for s in schemes)
    return any(link.driver == driver.key for s in schemes for link in s.cost_drivers)


def _keys_that_move(driver: UncertainDriver, schemes: list[Scheme]) -> tuple[set[str], str]:
    """The keys of the driver's type that would move some scheme, and what they are called."""
    if driver.type == "inflation":
        return {s.cost_category for s in schemes}, "cost categories"
    if driver.type == "demography":
        return {"all"} | {s.scheme_type.value for s in schemes}, "scheme-type keys (and 'all')"
    return {link.driver for s in schemes for link in s.cost_drivers}, "demand drivers"


def _closest(driver: UncertainDriver, schemes: list[Scheme]) -> str:
    """For a key that moves nothing and looks like a misspelling, the names it could have meant.

    Empty when no name is close: the message then says only what is wrong.
    """
    if driver.key is None:
        return ""
    known, what = _keys_that_move(driver, schemes)
    return close_hint(driver.key, known, what)


def _check_baseline(driver: UncertainDriver, agreement: Agreement, file: str) -> list[InputError]:
    """An inflation or demography driver has a budgeted rate to be measured against in each of its years.

    A drawn rate replaces the budgeted rate for its key, and spend moves by
    the ratio of the two; where the agreement's ``assumptions`` give no
    budgeted rate, the ratio is taken against 0%, so a driver centred on a
    realistic 5% would put 5% on top of budgets that already include it.
    """
    if driver.type not in ("inflation", "demography") or driver.key is None:
        return []
    budgeted = agreement.assumptions.inflation if driver.type == "inflation" else agreement.assumptions.demography
    rates = budgeted.get(driver.key, {})
    missing = [y for y in driver.years or agreement.years if y in agreement.years and y not in rates]
    if not missing:
        return []
    message = (
        f"the agreement's assumptions give no budgeted {driver.type} rate for {driver.key!r} in "
        f"{', '.join(missing)}, so each draw would be measured against 0% and land in full on top of the budget; "
        f"give the rate the budgets were set with under assumptions.{driver.type}.{driver.key} in the agreement "
        "(0 if they assumed none), or list under 'years' only the years that have one"
    )
    return [_spec_error(driver, "key", message, file)]


def _what_moves(driver: UncertainDriver) -> str:
    """What a scheme would need for the driver to move it, in the words of the agreement file."""
    return {
        "inflation": f"has cost_category {driver.key!r}",
        "demography": f"has scheme type {driver.key!r}",
        "demand": f"lists {driver.key!r} in its cost_drivers",
        "efficiency": "has any spend",
    }[driver.type]


def window_months(event: Event) -> list[tuple[str, int]]:
    """The (year, month index) of every month in an event's window, in order."""
    first, last = _month_number(event.window.start), _month_number(event.window.end)
    months = []
    for number in range(first, last + 1):
        start_year, index = divmod(number, 12)
        months.append((f"{start_year}-{(start_year + 1) % 100:02d}", index))
    return months

