"""The versions as ``history`` and ``show`` print them: plain-text tables, money to the penny."""

from __future__ import annotations

from pooledfund.core.counts import plural
from pooledfund.core.money import format_gbp
from pooledfund.io.store.records import (
    AGREEMENT_ROLE,
    ARRANGEMENT,
    MEASURES,
    PARTNER,
    SCHEME,
    Figure,
    Version,
    VersionInfo,
    kind_words,
)
from pooledfund.reports.tables import text_table

_ARRANGEMENT_SHOWN = ("budget", "spend", "variance", "brought_forward", "carry_forward", "unfunded")


def _status(info: VersionInfo) -> str:
    """``draft``, or ``signed off 2026-03-18``."""
    return f"{info.status} {info.sign_off.date}" if info.sign_off is not None else info.status


def history_text(infos: list[VersionInfo], variances: dict[int, dict[str, int]], shown: str) -> str:
    """Every version in one table: number, label, kind, status, who recorded it and when, and its variance by year.

    The variance is spend less budget of all the version's arrangements in
    the year (positive is an overspend), the figure a board looks at first.
    """
    if not infos:
        return f"{shown} holds no versions yet; record one with 'pooledfund record'."
    years = sorted({year for totals in variances.values() for year in totals})
    several = len({info.agreement_id for info in infos}) > 1
    header = ["Version", *(["Agreement"] if several else []), "Label", "Kind", "Status", "Recorded by",
              "Recorded at (UTC)", *(f"Variance {year}" for year in years)]
    rows = []
    for info in infos:
        totals = variances.get(info.id, {})
        rows.append([f"@{info.id}", *([info.agreement_id] if several else []), info.label, kind_words(info.kind),
                     _status(info), info.recorded_by, info.recorded_at.replace("T", " ").removesuffix("Z"),
                     *(format_gbp(totals[year], brackets=True) if year in totals else "—" for year in years)])
    lines = [f"Versions in {shown}", "", text_table(header, rows, text_columns=len(header) - len(years)), "",
             "Variance is spend less budget of every arrangement in the year: positive is an overspend. "
             "Negative figures are in brackets.",
             "Name a version as @N (e.g. @1), @latest, @signed-off (signed off most recently) or @plan (the plan "
             "signed off most recently) in show, diff, run, compare and export."]
    return "\n".join(lines)


def _rows(figures: list[Figure], level: str, measures: tuple[str, ...]) -> list[list[str]]:
    """One row per item of a level, its figures in ``measures`` order."""
    items: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for figure in figures:
        if figure.level == level:
            items.setdefault(figure.item, {})[figure.measure] = figure.pence
            names[figure.item] = figure.name if level == PARTNER else figure.item
    return [[names[item], *(format_gbp(values[m], brackets=True) for m in measures)] for item, values in items.items()]


def show_text(version: Version) -> str:
    """A version: its details, its input files with their SHA-256, and its partners' and arrangements' figures."""
    info = version.info
    signed = (f"signed off {info.sign_off.words()} (entered {info.sign_off.recorded_at})"
              if info.sign_off is not None else "draft (can be signed off with 'pooledfund signoff')")
    out = [f"Version {info.id}: {info.label}",
           f"Kind: {kind_words(info.kind)}",
           f"Status: {signed}",
           f"Agreement: {info.agreement_id} ({info.agreement_title})",
           f"Scenario: {info.scenario_name}",
           f"Recorded by {info.recorded_by} at {info.recorded_at} with pooledfund {info.tool_version}",
           ""]
    file_rows = []
    for item in version.inputs:
        role = "agreement" if item.role == AGREEMENT_ROLE else (
            f"scenario {item.position + 1}" if item.part == 0 else "  which extends")
        file_rows.append([role, item.name, item.sha256, f"{len(item.text.encode('utf-8')):,}"])
    out += [text_table(["Input file", "Name", "SHA-256", "Bytes"], file_rows, text_columns=3), ""]
    partner_measures = tuple(MEASURES[PARTNER])
    for year in version.years:
        figures = [f for f in version.figures if f.year == year]
        out.append(f"== {year} ==")
        rows = _rows(figures, PARTNER, partner_measures)
        totals = [sum(f.pence for f in figures if f.level == PARTNER and f.measure == m) for m in partner_measures]
        rows.append(["Total", *(format_gbp(v, brackets=True) for v in totals)])
        out += [text_table(["Partner", *MEASURES[PARTNER].values()], rows), ""]
        out.append(text_table(["Arrangement", *(MEASURES[ARRANGEMENT][m] for m in _ARRANGEMENT_SHOWN)],
                              _rows(figures, ARRANGEMENT, _ARRANGEMENT_SHOWN)))
        schemes = sum(1 for f in figures if f.level == SCHEME and f.measure == "variance")
        out += [f"(and the budget, spend and variance of {plural(schemes, 'scheme')}: 'pooledfund diff' compares "
                "them)", ""]
    out.append("Variance is spend less budget: positive is an overspend. Negative figures are in brackets.")
    return "\n".join(out)
