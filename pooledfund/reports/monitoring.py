"""The month's monitoring report: each scheme's year to date, forecast outturn and variance, and the risk share.

Everything comes from one engine run on the actuals scenario, so the
figures are the ones ``pooledfund run`` and the pack show: the year-to-date
budget is the phased budget from April to the last actual month, the year's
forecast is the actuals to date plus the forecast months, and the risk
share is the engine's at that forecast.

A scheme with no ledger actuals has no year-to-date actual (never its
budget profile shown as one): its YTD actual and YTD variance are "-", the
actual total is the ledger's, and its forecast outturn is the plan profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from pooledfund.core.counts import plural
from pooledfund.core.money import format_gbp
from pooledfund.core.years import month_label, parse_month
from pooledfund.engine.results import RunResult
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Actuals, SchemeForecast

METHOD_WORDS = {
    "budget_profile": "budget profile",
    "run_rate": "run rate",
    "trend": "trend",
    "last_year": "last year",
    "manual": "manual",
}


def text_table(header: list[str], rows: list[list[str]], left: tuple[int, ...] = (0,)) -> str:
    """A plain-text table: the ``left`` columns (words) left-aligned, figures right-aligned, each as wide as needed."""
    widths = [max([len(header[i]), *(len(row[i]) for row in rows)]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        aligned = (c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(aligned).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


def method_words(forecast: SchemeForecast) -> str:
    """A scheme's forecast method in a few words, saying whether last year is scaled."""
    words = METHOD_WORDS[forecast.method]
    if forecast.method == "last_year":
        words += ", scaled" if forecast.scaled else ", not scaled"
    return words


@dataclass(frozen=True)
class SchemeMonitoring:
    """One scheme's monitoring line for the year, in pence.

    Attributes:
        scheme_id: the scheme.
        name: its name.
        method: how its remaining months were forecast, in words ("no actuals"
            when the scheme has none: its whole year is the projection).
        ytd_budget: the phased budget from April to the last actual month.
        ytd_actual: ledger spend from April to the last actual month; None when the scheme has no actuals.
        budget: the year's budget.
        outturn: the year's forecast: actuals to date plus the forecast months.
        reason: the reason given for a manual forecast.
    """

    scheme_id: str
    name: str
    method: str
    ytd_budget: int
    ytd_actual: int | None
    budget: int
    outturn: int
    reason: str = ""

    @property
    def ytd_variance(self) -> int | None:
        """Actual less budget to date: positive is an overspend; None with no actuals."""
        return None if self.ytd_actual is None else self.ytd_actual - self.ytd_budget

    @property
    def variance(self) -> int:
        """Forecast outturn less budget: positive is an overspend."""
        return self.outturn - self.budget


def scheme_monitoring(agreement: Agreement, result: RunResult, actuals: Actuals) -> list[SchemeMonitoring]:
    """Every scheme's year to date, forecast outturn and variance in the actuals' year, in agreement order."""
    year = actuals.year
    y_index = result.years.index(year)
    last = parse_month(actuals.to_month)[1]
    lines = []
    for arrangement in agreement.arrangements:
        spend = result.monthly_spend[arrangement.id][0, y_index]  # (schemes, 12), path 0
        budget = result.monthly_budget[arrangement.id][y_index]
        for s_index, scheme in enumerate(arrangement.schemes):
            listed = scheme.id in actuals.schemes
            forecast = actuals.method_for(scheme.id)
            lines.append(SchemeMonitoring(
                scheme.id, scheme.name, method_words(forecast) if listed else "no actuals",
                int(budget[s_index, : last + 1].sum()), int(spend[s_index, : last + 1].sum()) if listed else None,
                scheme.budget.get(year, 0), int(spend[s_index].sum()),
                forecast.reason if listed else ""))
    return lines


def _total_row(label: str, lines: list[SchemeMonitoring], variance_to_date: bool) -> list[str]:
    """A total line: YTD budget, the ledger's YTD actual, YTD variance (only over schemes with actuals), the year."""
    actuals = [line.ytd_actual for line in lines if line.ytd_actual is not None]
    actual = sum(actuals) if actuals else None
    ytd_budget = sum(line.ytd_budget for line in lines)
    variance = actual - ytd_budget if variance_to_date and actual is not None else None
    values: list[int | None] = [ytd_budget, actual, variance,
                                sum(line.budget for line in lines), sum(line.outturn for line in lines),
                                sum(line.variance for line in lines)]
    return [label, "", *(_money(v) for v in values)]


def _money(pence: int | None) -> str:
    """A figure in pounds, negatives in brackets; "-" for no figure."""
    return "-" if pence is None else format_gbp(pence, brackets=True)


def monitoring_text(lines: list[SchemeMonitoring], actuals: Actuals) -> str:
    """The monitoring table: year to date and forecast outturn by scheme, with its totals.

    With schemes that have no ledger actuals the totals are given for the
    schemes with actuals, for those without, and for all: the YTD actual is
    only ever the ledger's, and a YTD variance only where there is an actual.
    """
    through = month_label(actuals.year, parse_month(actuals.to_month)[1])
    header = ["Scheme", "Forecast method", "YTD budget", "YTD actual", "YTD variance", "Budget", "Forecast outturn",
              "Variance"]
    rows = [[f"{line.scheme_id} {line.name}", line.method,
             *(_money(v) for v in (line.ytd_budget, line.ytd_actual, line.ytd_variance, line.budget, line.outturn,
                                   line.variance))] for line in lines]
    with_actuals = [line for line in lines if line.ytd_actual is not None]
    without = [line for line in lines if line.ytd_actual is None]
    if without:
        rows.append(_total_row(f"Total: {plural(len(with_actuals), 'scheme')} with ledger actuals", with_actuals,
                               variance_to_date=True))
        rows.append(_total_row(f"Total: {plural(len(without), 'scheme')} with no actuals (at plan)", without,
                               variance_to_date=False))
    rows.append(_total_row("Total", lines, variance_to_date=not without))
    out = [f"== {actuals.year}: actual April to {through}, forecast after ==", text_table(header, rows, left=(0, 1))]
    reasons = [f"  {line.scheme_id}: {line.reason}" for line in lines if line.reason]
    if reasons:
        out += ["Reasons given for the forecasts:", *reasons]
    if without:
        one = len(without) == 1
        out.append(f"{plural(len(without), 'scheme')} {'has' if one else 'have'} no ledger actuals: "
                   f"{'its' if one else 'their'} YTD actual is '-' (the YTD actual total is the ledger's alone) and "
                   f"{'its' if one else 'their'} forecast outturn is the plan profile.")
    out.append("Variance is actual or outturn less budget: positive is an overspend. Negative figures are in "
               "brackets.")
    return "\n".join(out)


def risk_share_text(result: RunResult, year: str) -> str:
    """Each arrangement's money in, forecast spend and variance, and who bears or receives it, at the forecast."""
    names = result.partner_names
    rows = []
    for row in result.for_year(year):
        parts = [f"{names.get(p, p)} bears {format_gbp(int(v))}" for p, v in zip(row.partners, row.overspend_shares[0],
                                                                             strict=True) if v]
        parts += [f"{names.get(p, p)} gets back {format_gbp(int(v))}"
                  for p, v in zip(row.partners, row.underspend_returns[0], strict=True) if v]
        if int(row.carry_forward[0]):
            parts.append(f"carried forward {format_gbp(int(row.carry_forward[0]))}")
        if int(row.unfunded[0]):
            parts.append(f"unfunded {format_gbp(int(row.unfunded[0]))}")
        rows.append([row.name, format_gbp(int(row.budget[0]), brackets=True),
                     format_gbp(int(row.spend[0]), brackets=True),
                     format_gbp(int(row.variance[0]), brackets=True), "; ".join(parts) or "nothing to share"])
    header = ["Arrangement", "Money in", "Forecast spend", "Variance", "Risk share at the forecast"]
    return f"== Risk share at the forecast, {year} ==\n" + text_table(header, rows, left=(0, 4))
