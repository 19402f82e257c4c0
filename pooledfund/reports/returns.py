"""The quarterly and end-of-year return: actual against plan by scheme, source and partner, in pence.

The Better Care Fund's quarterly returns (approved by the Health and
Wellbeing Board for quarters 1 to 3) and its end-of-year return report the
pooled fund's income and expenditure for the year: the plan, what has been
received and spent to the end of the quarter, and the forecast outturn. Every
figure here comes from one engine run on an actuals scenario (the one
``pooledfund actuals`` writes), so the return shows the same figures as the
sign-off pack exported from the same inputs:

* spend by scheme and quarter is the run's monthly spend: the ledger's
  actuals from April to the actual-through month, the forecast after;
* income is each contribution as agreed, the scenario's change to it, and
  the cash paid by the end of the quarter on its payment schedule;
* the national conditions are the pack's checks, with the spend-based ones
  measured again on the forecast outturn.

A quarter is reported only when every month of it is actual: a Q3 return
from actuals to September is refused (:func:`quarter_problem`), because the
quarter's "actual" column would be partly forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pooledfund.agreements import AlignedBudget, FundedArrangement
from pooledfund.core.counts import plural
from pooledfund.core.errors import InputError, Source
from pooledfund.core.money import format_gbp
from pooledfund.core.vocabulary import AreaOfSpend, FundingSource, SchemeType
from pooledfund.core.years import MONTH_NAMES, month_label, parse_month, year_start
from pooledfund.engine.cashflow import payment_profile
from pooledfund.engine.results import ArrangementYear, RunResult
from pooledfund.engine.runner import changed_cash
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import Scheme, field_line, source_of
from pooledfund.model.scenario import Actuals, Scenario
from pooledfund.reports.conditions import (
    MANDATORY_SOURCES,
    ConditionCheck,
    ConditionThresholds,
    national_conditions,
    nhs_share,
)

QUARTERS = 4
MONTHS_PER_QUARTER = 3
#: What ``--return`` accepts for the end-of-year return, besides ``Q4``.
YEAR_END_WORDS = ("year-end", "year end", "yearend", "end-of-year", "end of year", "eoy")


def parse_quarter(text: str) -> int:
    """The quarter (1 to 4) a ``--return`` value names: ``Q1`` ... ``Q4`` (or ``1`` ... ``4``), or ``year-end``.

    Raises:
        ValueError: the text is not a quarter, with the words that are.
    """
    raw = " ".join(str(text).split()).lower()
    if raw in YEAR_END_WORDS:
        return QUARTERS
    digits = raw.removeprefix("q").strip()
    if digits in {"1", "2", "3", "4"}:
        return int(digits)
    raise ValueError(f"{text!r} is not a quarter: give Q1, Q2 or Q3 for a quarterly return, or Q4 (or year-end) "
                     "for the end-of-year return")


def quarter_months(quarter: int) -> range:
    """The month indexes (0 = April) of a quarter: Q1 is April to June."""
    return range((quarter - 1) * MONTHS_PER_QUARTER, quarter * MONTHS_PER_QUARTER)


@dataclass(frozen=True)
class ReturnPeriod:
    """Which return this is, for which year, and which months are actual.

    Attributes:
        year: the financial year reported ("2025-26").
        quarter: 1 to 4; the fourth quarter's return is the end-of-year return.
        through: the last actual month (0 = April); later months are forecast.
    """

    year: str
    quarter: int
    through: int

    @property
    def quarter_end(self) -> int:
        """The last month of the quarter (0 = April)."""
        return self.quarter * MONTHS_PER_QUARTER - 1

    @property
    def year_end(self) -> bool:
        """Whether this is the end-of-year return (the fourth quarter)."""
        return self.quarter == QUARTERS

    @property
    def provisional(self) -> bool:
        """Whether any month of the year is still forecast: the outturn is not yet the year's actual."""
        return self.through < len(MONTH_NAMES) - 1

    @property
    def name(self) -> str:
        """"Quarter 2 return 2025-26" or "End-of-year return 2025-26"."""
        return (f"End-of-year return {self.year}" if self.year_end
                else f"Quarter {self.quarter} return {self.year}")

    @property
    def quarter_label(self) -> str:
        """"Q2" or "Q4 (year end)"."""
        return f"Q{self.quarter}" + (" (year end)" if self.year_end else "")

    @property
    def through_label(self) -> str:
        """The actual-through month: "Sep 2025"."""
        return month_label(self.year, self.through)

    def covered_words(self) -> str:
        """The period the quarter's actuals cover: "1 April 2025 to 30 September 2025"."""
        start = year_start(self.year)
        end = month_label(self.year, self.quarter_end)
        last_day = {"Jun": 30, "Sep": 30, "Dec": 31, "Mar": 31}[end[:3]]
        long_month = {"Jun": "June", "Sep": "September", "Dec": "December", "Mar": "March"}[end[:3]]
        return f"1 April {start} to {last_day} {long_month} {end[4:]}"

    def status(self, without_actuals: int = 0) -> str:
        """Provisional until every month of the year is actual, then the year-end outturn.

        Args:
            without_actuals: how many schemes have no ledger actuals (forecast at the plan profile all year):
                said in the status, since their outturn is never actual.
        """
        none = ""
        if without_actuals:
            none = (f"; {plural(without_actuals, 'scheme')} with no ledger actuals "
                    f"{'is' if without_actuals == 1 else 'are'} forecast at the plan profile all year")
        if self.provisional:
            return (f"Provisional: actual April to {self.through_label}, forecast after{none}; the forecast outturn "
                    "will change until the year-end outturn")
        return f"Year-end outturn: actual April to {self.through_label}{none}"

    def quarter_state(self, quarter: int) -> str:
        """A quarter's figures: "Actual", "Forecast", or "Actual to Oct 2025, forecast after"."""
        months = quarter_months(quarter)
        if months[-1] <= self.through:
            return "Actual"
        if months[0] > self.through:
            return "Forecast"
        return f"Actual to {self.through_label}, forecast after"


def return_actuals(scenario: Scenario) -> Actuals | None:
    """The actuals the return reports: the latest year's entry with the latest actual-through month.

    Returns None when the scenario has no actuals (a return reports actual spend).
    """
    if not scenario.actuals:
        return None
    return max(scenario.actuals, key=lambda a: (a.year, parse_month(a.to_month)[1]))


def _where(actuals: Actuals, field: str, fallback: str) -> Source:
    """The file and line of one field of an actuals entry (the fallback name when it was not read from a file)."""
    source = source_of(actuals)
    if source is None:
        return Source(fallback, None, f"actuals.{field}")
    return Source(source.file, field_line(actuals, field), f"{source.path}.{field}")


def no_actuals_error(name: str) -> InputError:
    """The scenario has no actuals, so there is nothing actual to return."""
    return InputError(Source(name, None, "scenario.actuals"),
                      "has no actuals, and a return reports actual spend against plan: give the actuals scenario "
                      "written by 'pooledfund actuals LEDGER --map MAP.yaml -o ACTUALS.yaml'")


def quarter_problem(actuals: Actuals, quarter: int, fallback: str) -> InputError | None:
    """Why the quarter cannot be returned from these actuals (None when it can).

    A quarter is returned only when all of its months are actual; a quarter
    ending after the actual-through month would report forecast as actual.
    """
    year, through = parse_month(actuals.to_month)
    period = ReturnPeriod(year, quarter, through)
    if through >= period.quarter_end:
        return None
    needed = month_label(year, period.quarter_end)
    what = "the end-of-year return" if period.year_end else f"the Q{quarter} return"
    months = quarter_months(quarter)
    covers = f"{month_label(year, months[0])} to {needed}"
    earlier = (through + 1) // MONTHS_PER_QUARTER  # the last quarter whose months are all actual
    instead = f", or make the Q{earlier} return" if earlier else ""
    return InputError(_where(actuals, "to_month", fallback),
                      f"the actuals run to {month_label(year, through)} (month {through + 1} of {year}), but "
                      f"{what} covers {covers} and needs actuals to {needed}: run 'pooledfund actuals' on a ledger "
                      f"extract to {needed}{instead}")


@dataclass(frozen=True)
class SchemeLine:
    """One scheme's plan, spend by month and forecast outturn for the year, in pence.

    A scheme the actuals scenario lists has ledger figures from April to the
    actuals' last month. A scheme it does not list has none: its whole year
    is forecast at the plan profile, and those months must never be shown as
    actual. Its months up to the actuals' last month are kept apart
    (:attr:`forecast_in_actual_months`): they count in its forecast outturn,
    never in a quarter marked "Actual" nor in its actual to date.

    Attributes:
        arrangement_id: the arrangement the scheme is in.
        arrangement_name: its name.
        aligned: whether the arrangement is an aligned budget (no money is pooled).
        scheme: the scheme record (name, type, area, commissioner, source).
        nhs_pct: the % commissioned by NHS bodies (the template's % NHS; % LA is the rest).
        plan: the year's budget.
        months: the year's 12 months, April first: actual to the actual-through month, forecast after (for a
            scheme with no actuals, all forecast).
        through: the actuals' last month (0 = April).
        actual: whether the scheme has ledger actuals in the scenario.
    """

    arrangement_id: str
    arrangement_name: str
    aligned: bool
    scheme: Scheme
    nhs_pct: Decimal
    plan: int
    months: tuple[int, ...]
    through: int
    actual: bool = True

    def _shown(self, month: int) -> bool:
        """Whether a month's spend is shown in its quarter: always, except a no-actuals scheme's actual months."""
        return self.actual or month > self.through

    def quarter(self, quarter: int) -> int:
        """Spend in a quarter (1 to 4) as the return shows it: without a no-actuals scheme's actual months."""
        return sum(self.months[m] for m in quarter_months(quarter) if self._shown(m))

    def quarter_shown(self, quarter: int) -> bool:
        """Whether the quarter has any figure to show (a no-actuals scheme has none in a quarter all actual)."""
        return any(self._shown(m) for m in quarter_months(quarter))

    @property
    def forecast_in_actual_months(self) -> int:
        """A no-actuals scheme's forecast (at the plan profile) for April to the actuals' last month; 0 otherwise."""
        return 0 if self.actual else sum(self.months[: self.through + 1])

    def actual_to_quarter_end(self, quarter: int) -> int:
        """Ledger spend from April to the end of ``quarter``: 0 for a scheme with no ledger actuals."""
        return sum(self.months[: quarter * MONTHS_PER_QUARTER]) if self.actual else 0

    @property
    def outturn(self) -> int:
        """The forecast outturn: the year's 12 months (a no-actuals scheme's at the plan profile)."""
        return sum(self.months)

    @property
    def variance(self) -> int:
        """Forecast outturn less plan: positive is an overspend."""
        return self.outturn - self.plan


@dataclass(frozen=True)
class IncomeLine:
    """One partner's money in from one funding source to one arrangement for the year, in pence.

    Several contributions of the same partner, source and arrangement are one
    line (the template reports income by source and partner).

    Attributes:
        arrangement_id: the arrangement paid into.
        arrangement_name: its name.
        source: the funding source; None for the underspend brought forward from last year.
        label: the source in the template's words, or "Brought forward from 2025-26".
        partner_id: the paying partner ("" for money brought forward).
        partner_name: its name ("" for money brought forward).
        plan: the contributions as agreed, cash and in kind.
        change: the scenario's change to the cash (for money brought forward, all of it).
        in_kind: the in-kind part (seconded staff, premises): counted, never paid.
        paid: the cash paid in each month, April first, on the payment schedules.
    """

    arrangement_id: str
    arrangement_name: str
    source: FundingSource | None
    label: str
    partner_id: str
    partner_name: str
    plan: int
    change: int
    in_kind: int
    paid: tuple[int, ...]

    @property
    def forecast(self) -> int:
        """The year's money in: the plan with the scenario's change."""
        return self.plan + self.change

    def received_to(self, quarter: int) -> int:
        """Cash received from April to the end of ``quarter``."""
        return sum(self.paid[: quarter * MONTHS_PER_QUARTER])

    def still_to_come(self, quarter: int) -> int:
        """Cash still to be received after ``quarter``: forecast less in kind less received."""
        return self.forecast - self.in_kind - self.received_to(quarter)


@dataclass(frozen=True)
class ForecastCheck:
    """A national condition as planned (the pack's check) and measured again at the forecast outturn.

    Attributes:
        check: the pack's check: the plan's figure, the threshold and the verdict.
        figure: the same figure on the forecast outturn (None: a check of the plan only).
        comparison: how the forecast figure meets the threshold (``>=``, ``<=``, ``==``).
        passed: whether it does (None with no forecast figure).
    """

    check: ConditionCheck
    figure: int | None
    comparison: str | None
    passed: bool | None


@dataclass(frozen=True)
class QuarterlyReturn:
    """Everything the return workbook shows, in pence.

    Attributes:
        agreement: the agreement.
        scenario: the actuals scenario (with any drivers applied under it).
        period: the year, the quarter and the actual-through month.
        schemes: every scheme of every arrangement, in agreement order.
        income: money in to each funded arrangement by source and partner.
        arrangements: the run's figures for each arrangement in the year (the risk share at the forecast).
        checks: the pack's national conditions for the year, each with its forecast figure.
        result: the engine's run the figures come from.
    """

    agreement: Agreement
    scenario: Scenario
    period: ReturnPeriod
    schemes: list[SchemeLine]
    income: list[IncomeLine]
    arrangements: list[ArrangementYear]
    checks: list[ForecastCheck]
    result: RunResult

    @property
    def without_actuals(self) -> list[SchemeLine]:
        """The schemes with no ledger actuals: forecast at the plan profile for the whole year."""
        return [line for line in self.schemes if not line.actual]


def scheme_lines(agreement: Agreement, result: RunResult, actuals: Actuals) -> list[SchemeLine]:
    """Every scheme's plan and monthly spend (the engine's, path 0) for the actuals' year.

    A scheme the actuals do not list is marked as having no actuals: the
    engine forecast its whole year at the plan profile.
    """
    year, through = parse_month(actuals.to_month)
    y_index = result.years.index(year)
    lines = []
    for arrangement in agreement.arrangements:
        spend = result.monthly_spend[arrangement.id][0, y_index]  # (schemes, 12)
        for s_index, scheme in enumerate(arrangement.schemes):
            lines.append(SchemeLine(
                arrangement.id, arrangement.name, isinstance(arrangement, AlignedBudget), scheme,
                nhs_share(agreement, scheme), scheme.budget.get(year, 0),
                tuple(int(v) for v in spend[s_index]), through, scheme.id in actuals.schemes))
    return lines


def income_lines(agreement: Agreement, scenario: Scenario, result: RunResult, year: str) -> list[IncomeLine]:
    """Money in to each funded arrangement for the year by source and partner, then any underspend brought forward.

    The cash after the scenario's change and its monthly payments are worked
    as the engine and the pack's Contributions sheet work them.
    """
    years = list(agreement.years)
    funded = [a for a in agreement.arrangements if isinstance(a, FundedArrangement)]
    everything = {a.id: a.all_contributions(years) for a in funded}
    rows = {row.arrangement_id: row for row in result.for_year(year)}
    lines: list[IncomeLine] = []
    for arrangement in funded:
        grouped: dict[tuple[FundingSource, str], list[int]] = {}
        for contribution in everything[arrangement.id]:
            if contribution.year != year:
                continue
            new_cash, change_months = changed_cash(contribution, arrangement.id, scenario, everything)
            months = payment_profile(contribution) + change_months
            figures = grouped.setdefault((contribution.source, contribution.partner), [0, 0, 0, *([0] * 12)])
            figures[0] += contribution.cash + contribution.in_kind
            figures[1] += new_cash - contribution.cash
            figures[2] += contribution.in_kind
            for index in range(12):
                figures[3 + index] += int(months[index])
        for source in FundingSource:
            for partner in agreement.partners:
                found = grouped.get((source, partner.id))
                if found is not None:
                    lines.append(IncomeLine(arrangement.id, arrangement.name, source, source.label, partner.id,
                                            partner.name, found[0], found[1], found[2], tuple(found[3:])))
        brought = int(rows[arrangement.id].brought_forward[0])
        if brought:
            previous = years[years.index(year) - 1]
            lines.append(IncomeLine(arrangement.id, arrangement.name, None, f"Brought forward from {previous}", "",
                                    "", 0, brought, 0, (brought, *([0] * 11))))
    return lines


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def forecast_share(lines: list[SchemeLine], source: FundingSource, *, area: str = "", not_area: str = "",
                   share: str = "") -> int:
    """Forecast outturn from ``source`` (one area or all but one; one side's share), as the plan's figure is worked.

    The same sum as :func:`pooledfund.reports.conditions.planned_spend` on the
    forecast outturn instead of the budget: each scheme's share exact, the
    total rounded half up to the penny once, as the workbook's ROUND does.
    """
    total = Decimal(0)
    for line in lines:
        scheme = line.scheme
        if scheme.funding_source != source or (area and scheme.area_of_spend != area):
            continue
        if not_area and scheme.area_of_spend == not_area:
            continue
        outturn = Decimal(line.outturn)
        if share:
            total += outturn * (line.nhs_pct if share == "nhs" else 100 - line.nhs_pct) / 100
        else:
            total += outturn
    return _half_up(total)


def _passes(figure: int, threshold: int, comparison: str) -> bool:
    if comparison == ">=":
        return figure >= threshold
    if comparison == "<=":
        return figure <= threshold
    return figure == threshold


def balance_at_forecast(income: list[IncomeLine], lines: list[SchemeLine], arrangement_id: str,
                        source: FundingSource) -> int:
    """A source's money in for the year less its schemes' forecast outturn, in one arrangement."""
    money_in = sum(i.forecast for i in income if i.arrangement_id == arrangement_id and i.source == source)
    spend = sum(s.outturn for s in lines if s.arrangement_id == arrangement_id and s.scheme.funding_source == source)
    return money_in - spend


def forecast_check(check: ConditionCheck, lines: list[SchemeLine], income: list[IncomeLine]) -> ForecastCheck:
    """The check measured again at the forecast outturn, where it is a check of spend.

    The NHS minimum contribution and the joint splits do not depend on spend:
    the forecast figure is the plan's. A mandatory source's running balance
    at the forecast must be at most £0 (the source spent in full); another
    source's, and the pool's balance, are checks of the plan only.
    """
    if check.key in ("nhs_minimum", "nhs_minimum_partner", "joint_splits"):
        return ForecastCheck(check, check.figure, check.comparison, check.passed)
    if check.key == "asc_maintenance":
        figure = forecast_share(lines, FundingSource.NHS_MINIMUM, area=AreaOfSpend.SOCIAL_CARE, share="la")
    elif check.key == "out_of_hospital":
        figure = forecast_share(lines, FundingSource.NHS_MINIMUM, not_area=AreaOfSpend.ACUTE, share="nhs")
    elif check.key == "dfg":
        figure = sum(s.outturn for s in lines if s.scheme.funding_source == FundingSource.DFG
                     and s.scheme.scheme_type != SchemeType.DFG_RELATED)
    elif check.key == "income_expenditure" and FundingSource.of(check.funding_source) in MANDATORY_SOURCES:
        figure = balance_at_forecast(income, lines, check.arrangement, FundingSource.of(check.funding_source))
        return ForecastCheck(check, figure, "<=", figure <= check.threshold)
    else:
        return ForecastCheck(check, None, None, None)
    return ForecastCheck(check, figure, check.comparison, _passes(figure, check.threshold, check.comparison))


def quarterly_return(agreement: Agreement, scenario: Scenario, result: RunResult, quarter: int,
                     thresholds: ConditionThresholds | None = None, name: str = "the actuals scenario",
                     read_from: Sequence[Scenario] = ()) -> tuple[QuarterlyReturn | None, list[InputError]]:
    """The return for ``quarter`` of the year of the scenario's actuals, or the located reason it cannot be made.

    Args:
        agreement: the agreement.
        scenario: the actuals scenario (``result`` is the engine's run on it).
        result: the run.
        quarter: 1 to 4 (4 is the end-of-year return).
        thresholds: the national-condition thresholds (the published uplifts by default).
        name: the scenario's file name, for errors when its records were not read from a file.
        read_from: the scenarios as read from their files, when ``scenario`` combines several: an
            error about the actuals then points at the file and line they were read from.

    Returns:
        The return, or None and the errors: no actuals, or actuals that do not cover the quarter.
    """
    actuals = return_actuals(scenario)
    if actuals is None:
        return None, [no_actuals_error(name)]
    as_read = next((a for s in read_from for a in s.actuals if a == actuals and source_of(a)), actuals)
    problem = quarter_problem(as_read, quarter, name)
    if problem is not None:
        return None, [problem]
    year, through = parse_month(actuals.to_month)
    period = ReturnPeriod(year, quarter, through)
    lines = scheme_lines(agreement, result, actuals)
    income = income_lines(agreement, scenario, result, year)
    checks = [forecast_check(c, lines, income) for c in national_conditions(agreement, result, thresholds)
              if c.year in ("", year)]
    return QuarterlyReturn(agreement, scenario, period, lines, income, result.for_year(year), checks, result), []


def who_bears_words(result: RunResult, row: ArrangementYear) -> str:
    """Who bears the forecast overspend or gets back the underspend, in one sentence."""
    names = result.partner_names
    variance = int(row.variance[0])
    parts = [f"{names.get(p, p)} bears {format_gbp(int(v))}"
             for p, v in zip(row.partners, row.overspend_shares[0], strict=True) if v]
    parts += [f"{names.get(p, p)} gets back {format_gbp(int(v))}"
              for p, v in zip(row.partners, row.underspend_returns[0], strict=True) if v]
    if int(row.carry_forward[0]):
        parts.append(f"{format_gbp(int(row.carry_forward[0]))} is carried forward")
    if int(row.reinvested[0].sum()):
        parts.append(f"{format_gbp(int(row.reinvested[0].sum()))} is reinvested in schemes")
    if int(row.unfunded[0]):
        parts.append(f"{format_gbp(int(row.unfunded[0]))} is unfunded (beyond every partner's cap)")
    if variance > 0:
        head = f"Forecast overspend {format_gbp(variance)}"
    elif variance < 0:
        head = f"Forecast underspend {format_gbp(-variance)}"
    else:
        head = "Forecast on budget"
    return f"{head}: " + ("; ".join(parts) if parts else "nothing to share") + "."
