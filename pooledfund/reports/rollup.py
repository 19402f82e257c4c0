"""The roll-up of several agreements as text tables and JSON: one row per body, per year and in all.

The sums are :func:`pooledfund.engine.rollup.roll_up`'s (exact pence); this
module only lays them out. Path 0 is shown, which for ``run`` is the run.
A year counts, for a body, only the agreements it is party to that run in
that year (:func:`agreements_in`): one that ends earlier is neither counted
nor listed as £0.00 that year, and the JSON leaves out a year none of the
body's agreements runs in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pooledfund.core.money import format_gbp, pounds_float
from pooledfund.engine.rollup import RolledPartner, Rollup
from pooledfund.reports.tables import POSITION_COLUMNS, table_text

#: How a body's match key is shown: the code alone, or the id marked as an id.
_KEY_PREFIXES = {"GSS": "", "ODS": "", "id": "id "}


def code_label(partner: RolledPartner) -> str:
    """The body's code as a table shows it (``E08000025``, ``QHL``), or ``id council`` when it has none."""
    kind, value = partner.key.split(" ", 1)
    return f"{_KEY_PREFIXES[kind]}{value}"


def agreements_in(rollup: Rollup, partner: int, year: str | None) -> list[int]:
    """The agreements (their places in ``rollup.labels``) the body is party to that run in ``year`` (None: any year).

    An agreement that ends before ``year`` (or starts after it) has no figures that year, so it is not one of
    the body's agreements that year: counted, it would say two agreements where one pays.
    """
    return [number for number, (columns, table) in enumerate(zip(rollup.columns, rollup.figures, strict=True))
            if partner in columns and (year is None or year in table)]


def agreements_running(rollup: Rollup, year: str | None) -> int:
    """How many of the agreements run in ``year`` (None: all of them)."""
    return sum(1 for table in rollup.figures if year is None or year in table)


def _money(value: int) -> str:
    return format_gbp(value, brackets=True)


def _partner_table(rollup: Rollup, year: str | None, path: int) -> str:
    """Every body's figures in one year (or all years), then the total of each column."""
    header = ["Partner", "Code", "Agreements", *POSITION_COLUMNS.values()]
    rows = []
    sums = dict.fromkeys(POSITION_COLUMNS, 0)
    for index, partner in enumerate(rollup.partners):
        if not rollup.covers(index, year):
            continue
        figures = {measure: int(rollup.values(measure, index, year)[path]) for measure in POSITION_COLUMNS}
        for measure, value in figures.items():
            sums[measure] += value
        rows.append([partner.name, code_label(partner), str(len(agreements_in(rollup, index, year))),
                     *(_money(figures[m]) for m in POSITION_COLUMNS)])
    rows.append(["Total", "", "", *(_money(sums[m]) for m in POSITION_COLUMNS)])
    return table_text(header, rows, left_columns=2)


def _sources_table(rollup: Rollup, year: str | None, path: int) -> str:
    """Net cost of each body party to more than one agreement, agreement by agreement."""
    header = ["Partner", "Agreement", "Net cost"]
    rows = []
    for index, partner in enumerate(rollup.partners):
        numbers = agreements_in(rollup, index, year)
        if len(numbers) < 2:
            continue
        for number in numbers:
            value = rollup.part(number, "net_cost", index, year)
            if value is not None:
                rows.append([partner.name, rollup.labels[number], _money(int(value[path]))])
        rows.append([partner.name, "all its agreements", _money(int(rollup.values("net_cost", index, year)[path]))])
    return table_text(header, rows, left_columns=2) if rows else ""


def rollup_text(rollup: Rollup, titles: Sequence[str], scenario_names: Sequence[str], path: int = 0) -> str:
    """The roll-up ``pooledfund run`` prints after several agreements: per year, then all years together."""
    out = [f"Roll-up of {len(rollup.labels)} agreements: each partner's figures summed over the agreements "
           "it is party to", ""]
    out += [f"  {label}: {title} (scenario: {scenario})"
            for label, title, scenario in zip(rollup.labels, titles, scenario_names, strict=True)]
    out.append("")
    for year in [*rollup.years, None]:
        out.append(f"== {year or 'All years'} ==")
        out.append(_partner_table(rollup, year, path))
        out.append("")
        detail = _sources_table(rollup, year, path)
        if detail:
            out += [detail, ""]
    out.append("Partners are matched by gss_code (councils), ods_code (NHS bodies) or, without a code, by id. "
               "Each figure is the sum of the partner's figures in its agreements, to the penny. "
               "Negative figures are in brackets.")
    return "\n".join(out)


def rollup_json(rollup: Rollup, path: int = 0) -> dict[str, Any]:
    """The roll-up in pounds (two decimals): each body, its agreements, and its figures per year and in all.

    A body's figures list only the years one of its agreements runs in (then ``all_years``): a year none of
    them covers is left out rather than given as zeros, which would read as a year it paid nothing.
    """
    partners = []
    for index, partner in enumerate(rollup.partners):
        kind, code = partner.key.split(" ", 1)
        by_year = {year or "all_years": {measure: pounds_float(int(rollup.values(measure, index, year)[path]))
                                         for measure in rollup.measures}
                   for year in [*rollup.years, None] if rollup.covers(index, year)}
        partners.append({"key": partner.key, "matched_by": {"GSS": "gss_code", "ODS": "ods_code"}.get(kind, "id"),
                         "code": code, "name": partner.name, "agreements": list(partner.agreements),
                         "figures": by_year})
    return {"agreements": list(rollup.labels), "years": list(rollup.years), "partners": partners}
