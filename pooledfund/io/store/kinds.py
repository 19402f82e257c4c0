"""A version's kind checked against its files: a month's forecast must be that month's, an outturn all actual.

The kind is what a reader of ``history`` trusts: "month 3 forecast" beside a
run on actuals to September, or "outturn" beside a run with no actuals, is a
plausible wrong label on a board's record. So, against the actuals the
scenarios hold (the latest entry: the latest year, then the latest month,
as the quarterly return reads them):

* ``month-N`` needs actuals, and their last month (``to_month``) must be
  month N of their financial year (1 = April);
* ``outturn`` needs all twelve months of the year actual (to March);
* ``plan`` with actuals is allowed (a plan may be re-run on the year's
  actuals) with a plain warning.
"""

from __future__ import annotations

from collections.abc import Sequence

from pooledfund.core.errors import InputError, Source
from pooledfund.core.years import MONTH_NAMES, month_label, parse_month
from pooledfund.model.records import field_line, source_of
from pooledfund.model.scenario import Actuals, Scenario

#: Months in a financial year: the outturn's actuals run to the twelfth (March).
YEAR_MONTHS = len(MONTH_NAMES)


def latest_actuals(scenarios: Sequence[Scenario]) -> Actuals | None:
    """The actuals entry with the latest year, then the latest last month, across the scenarios (None if none)."""
    found = [entry for scenario in scenarios for entry in scenario.actuals]
    if not found:
        return None
    return max(found, key=lambda a: (a.year, parse_month(a.to_month)[1]))


def _at_to_month(actuals: Actuals) -> Source:
    """The file and line of the entry's ``to_month`` (``--kind`` when it was not read from a file)."""
    source = source_of(actuals)
    if source is None:
        return Source("--kind")
    return Source(source.file, field_line(actuals, "to_month"), f"{source.path}.to_month")


def kind_findings(kind: str, scenarios: Sequence[Scenario]) -> tuple[list[InputError], list[str]]:
    """Whether ``kind`` fits the scenarios' actuals: the problems (refused) and the warnings (allowed).

    Args:
        kind: the stored kind (``plan``, ``month-N``, ``outturn``).
        scenarios: the scenarios the version runs, as read from their files (so a problem names the line).

    Returns:
        The located problems, and the warnings in words.
    """
    actuals = latest_actuals(scenarios)
    if actuals is None:
        if kind == "plan":
            return [], []
        what = ("is the year's twelve months actual" if kind == "outturn"
                else f"is a forecast made from the actuals to the end of month {kind.removeprefix('month-')}")
        return [InputError(Source("--kind"), (
            f"{kind!r} {what}, but the files have no actuals: give the actuals scenario ('pooledfund actuals' "
            "writes it) after the agreement, or record these files as --kind plan"))], []
    year, through = parse_month(actuals.to_month)
    month = through + 1
    runs_to = f"the actuals run to {month_label(year, through)} (month {month} of {year})"
    as_what = f"--kind month-{month}" + (" or --kind outturn" if month == YEAR_MONTHS else "")
    if kind == "plan":
        return [], [f"recorded as a plan, but {runs_to}: a forecast made from them is usually recorded as {as_what}"]
    if kind == "outturn":
        if month == YEAR_MONTHS:
            return [], []
        return [InputError(_at_to_month(actuals), (
            f"--kind outturn needs all twelve months of {year} actual (to {month_label(year, YEAR_MONTHS - 1)}), but "
            f"{runs_to}: record it as --kind month-{month}"))], []
    given = int(kind.removeprefix("month-"))
    if given == month:
        return [], []
    return [InputError(_at_to_month(actuals), (
        f"--kind {kind} is a forecast at the end of {month_label(year, given - 1)} (month {given} of {year}), but "
        f"{runs_to}: record it as {as_what}"))], []
