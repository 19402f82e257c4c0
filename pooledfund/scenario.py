"""Scenarios: changes to the drivers of spend, never to the agreement.

A scenario file says what happens to prices, need, demand, efficiency,
partners' contributions, one-off shocks and in-year actuals. The base
scenario (an empty one) reproduces the budgets exactly. A scenario may
``extends:`` another file; its values then override the parent's, and its
lists (demand changes, contribution changes, shocks) are added to the parent's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from pooledfund.errors import InputError, InvalidInputError, Source
from pooledfund.model import Record, field_line, set_source, source_of
from pooledfund.types import ChangePercent, Date, Money, Month, NonNegativeMoney, RatePercent, SavingPercent, Year
from pooledfund.validation import validate_document
from pooledfund.yamlio import LineMap, key_line, line_for, parse_yaml_text, read_yaml


class DemandChange(Record):
    """A change in a demand driver from a date, e.g. non-elective admissions -23%.

    Attributes:
        driver: the driver's name, as schemes list it in ``cost_drivers``.
        change_pct: the change in the driver, % (negative for a fall).
        effective_from: the first day it applies; it persists to the end of the agreement.
    """

    driver: str = Field(min_length=1)
    change_pct: ChangePercent
    effective_from: Date | None = Field(default=None, alias="from")


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


class Actuals(Record):
    """Spend to date in a year and how to forecast the rest.

    Attributes:
        year: the financial year the actuals are for.
        to_month: the last month with actuals, "2025-09".
        forecast_method: ``budget_profile`` (the remaining budget, moved by the
            scenario's drivers), ``run_rate`` (the average actual month so far
            for every remaining month) or ``trend`` (a straight line fitted
            through the actual months).
        schemes: for each scheme, the actual spend of each month from April
            to ``to_month``. A scheme not listed is forecast for the whole year.
    """

    year: Year
    to_month: Month
    forecast_method: Literal["budget_profile", "run_rate", "trend"] = "budget_profile"
    schemes: dict[str, list[NonNegativeMoney]] = Field(default_factory=dict)


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


BASE = Scenario(id="base", name="Base (budget as agreed)")

_LIST_FIELDS = {"demand", "contribution_changes", "shocks", "actuals"}


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child values override the parent's; lists are appended; mappings merge."""
    merged = dict(parent)
    for key, value in child.items():
        if key in _LIST_FIELDS and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class _ScenarioFile:
    """One file of an ``extends`` chain: its name, its ``scenario:`` body and its line map."""

    name: str
    body: dict[str, Any]
    lines: LineMap


def _read_chain(path: Path, name: str, seen: tuple[Path, ...]) -> tuple[list[_ScenarioFile], list[InputError]]:
    """The files of a scenario file's ``extends`` chain, oldest ancestor first."""
    data, lines, errors = read_yaml(path, name)
    if errors:
        return [], errors
    return _chain_from_data(data, lines, name, path.parent, seen)


def _chain_from_data(
    data: Any, lines: LineMap, name: str, folder: Path, seen: tuple[Path, ...], *, bundled_only: bool = False
) -> tuple[list[_ScenarioFile], list[InputError]]:
    """The chain ending in already-parsed ``data``; parents are looked up in ``folder``.

    ``bundled_only`` (an upload, which has no folder of its own) allows only a
    plain file name of a scenario in ``folder``.
    """
    if not isinstance(data, dict) or not isinstance(data.get("scenario"), dict):
        return [], [InputError(Source(name, 1), "a scenario file starts with a 'scenario:' section")]
    # `uncertainty:` (distributions for a Monte Carlo run) is read by pooledfund.uncertainty.
    extra = [k for k in data if k not in ("scenario", "uncertainty")]
    if extra:
        return [], [
            InputError(
                Source(name, key_line(lines, (k,)), str(k)),
                "is not a section of a scenario file (only 'scenario' and 'uncertainty')",
            )
            for k in extra
        ]
    here = _ScenarioFile(name, data["scenario"], lines)
    parent_name = here.body.get("extends")
    if parent_name is None:
        return [here], []
    extends_at = Source(name, lines.get(("scenario", "extends")), "scenario.extends")
    parent_path = (folder / str(parent_name)).resolve()
    if bundled_only:
        bundled = sorted(p.name for p in folder.glob("*.yaml")) if folder.is_dir() else []
        if str(parent_name) not in bundled:
            return [], [InputError(extends_at, f"the scenario {parent_name} it extends is not one of the bundled "
                                               f"scenarios ({', '.join(bundled) or 'none'}); an uploaded scenario "
                                               "can only extend those")]
    if parent_path in seen:
        return [], [InputError(extends_at, f"{parent_name} extends this file again (a loop)")]
    if not parent_path.is_file():
        return [], [InputError(extends_at, f"the scenario {parent_name} it extends was not found next to this file")]
    parent_display = f"{folder.name}/{parent_name}" if bundled_only else str(Path(name).parent / str(parent_name))
    chain, parent_errors = _read_chain(parent_path, parent_display, (*seen, parent_path))
    if parent_errors:
        return [], parent_errors
    return [*chain, here], []


def _validate_chain(chain: list[_ScenarioFile]) -> tuple[Scenario | None, list[InputError]]:
    """Validate each file of a chain on its own, then merge them (see :func:`load_scenario`)."""
    errors: list[InputError] = []
    records: list[tuple[_ScenarioFile, Scenario]] = []
    for part in chain:
        record, found = validate_document(
            Scenario, part.body, part.lines, part.name, root=("scenario",), docs="docs/scenario-format.md"
        )
        errors += found
        if record is not None:
            records.append((part, record))
    if errors:
        return None, errors
    return _merge_records(records), []


def scenario_from_text(text: str, name: str, bundled: Path) -> tuple[Scenario | None, list[InputError]]:
    """A scenario from YAML text held in memory (an upload), named ``name`` in messages.

    It has no folder of its own, so ``extends:`` may name only a scenario in
    the ``bundled`` folder.
    """
    data, lines, errors = parse_yaml_text(text, name)
    if errors:
        return None, errors
    chain, errors = _chain_from_data(data, lines, name, bundled, (), bundled_only=True)
    if errors:
        return None, errors
    return _validate_chain(chain)


def load_scenario(path: str | Path, display_name: str | None = None) -> tuple[Scenario | None, list[InputError]]:
    """Read a scenario file (following ``extends``); return it or every problem.

    Each file of the chain is validated on its own, so a mistake is reported
    in the file (and with the list numbering) where it was written; the
    validated records are then merged, keeping where each came from.
    ``display_name`` is the name used in messages (defaults to the path as given).
    """
    file_path = Path(path)
    chain, errors = _read_chain(file_path, display_name or str(path), (file_path.resolve(),))
    if errors:
        return None, errors
    return _validate_chain(chain)


def _merge_records(records: list[tuple[_ScenarioFile, Scenario]]) -> Scenario:
    """Merge validated files, oldest first: lists append, mappings merge, later values win.

    Records inside lists keep their own file and line; each year of a
    mapping of rates remembers the file and line it was set in.
    """
    fields: dict[str, Any] = {}
    origins: dict[tuple[str, ...], Source] = {}
    for part, record in records:
        given = record.model_fields_set
        for name in type(record).model_fields:
            if name not in given:
                continue
            value = getattr(record, name)
            if name in _LIST_FIELDS:
                fields[name] = [*fields.get(name, []), *value]
            elif isinstance(value, dict):
                fields[name] = _merge(fields.get(name, {}), value)
            elif name not in {"name", "description"} or record is records[-1][1]:
                fields[name] = value
        for name in ("inflation", "demography"):
            for key, by_year in getattr(record, name).items():
                for year in by_year:
                    line = line_for(part.lines, ("scenario", name, key, year))
                    origins[(name, key, year)] = Source(part.name, line, f"scenario.{name}.{key}.{year}")
        for year in record.efficiency:
            line = line_for(part.lines, ("scenario", "efficiency", year))
            origins[("efficiency", year)] = Source(part.name, line, f"scenario.efficiency.{year}")
    fields.pop("extends", None)
    merged = Scenario(**fields)
    last_part, last = records[-1]
    set_source(merged, source_of(last) or Source(last_part.name))
    merged._origins = origins
    return merged


def require_scenario(path: str | Path) -> Scenario:
    """Load a scenario or raise :class:`InvalidInputError` listing every problem."""
    scenario, errors = load_scenario(path)
    if scenario is None:
        raise InvalidInputError(errors)
    return scenario


def check_scenario(scenario: Scenario, agreement: Any, file: str) -> list[InputError]:
    """Check a scenario's references against the agreement it is run with."""
    from pooledfund.years import parse_month

    errors: list[InputError] = []
    years = set(agreement.years)
    scheme_ids = {s.id for _, s in agreement.schemes()}
    partner_ids = set(agreement.partner_ids)
    arrangement_ids = {a.id for a in agreement.arrangements}

    def err(record: Record, field: str, message: str) -> None:
        src = source_of(record) or Source(file, None, "scenario")
        line = field_line(record, *field.split("."))
        errors.append(InputError(Source(src.file, line, f"{src.path}.{field}"), message))

    def outside(origin: tuple[str, ...], year: str) -> None:
        where = scenario._origins.get(origin) or Source(file, None, "scenario." + ".".join(origin))
        errors.append(InputError(where, f"{year} is outside the agreement's years"))

    for shock in scenario.shocks:
        if shock.scheme not in scheme_ids:
            err(shock, "scheme", f"{shock.scheme!r} is not a scheme in {agreement.id}")
        if parse_month(shock.month)[0] not in years:
            err(shock, "month", f"{shock.month} is outside the agreement's years")
    for change in scenario.contribution_changes:
        if change.partner not in partner_ids:
            err(change, "partner", f"{change.partner!r} is not a partner in {agreement.id}")
        if change.arrangement is not None and change.arrangement not in arrangement_ids:
            err(change, "arrangement", f"{change.arrangement!r} is not an arrangement in {agreement.id}")
    for actual in scenario.actuals:
        if actual.year not in years:
            err(actual, "year", f"{actual.year} is outside the agreement's years")
            continue
        year, last = parse_month(actual.to_month)
        if year != actual.year:
            err(actual, "to_month", f"{actual.to_month} is not in {actual.year}")
            continue
        for scheme_id, months in actual.schemes.items():
            if scheme_id not in scheme_ids:
                err(actual, f"schemes.{scheme_id}", f"{scheme_id!r} is not a scheme in {agreement.id}")
            elif len(months) != last + 1:
                err(actual, f"schemes.{scheme_id}",
                    f"gives {len(months)} months of actuals; April to {actual.to_month} is {last + 1} months")
    for field, mapping in (("inflation", scenario.inflation), ("demography", scenario.demography)):
        for key, by_year in mapping.items():
            for year in by_year:
                if year not in years:
                    outside((field, key, year), year)
    for year in scenario.efficiency:
        if year not in years:
            outside(("efficiency", year), year)
    return errors
