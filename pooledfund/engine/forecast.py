"""A scheme's remaining months forecast from its actuals: the methods and how they round.

The month's forecast is made scheme by scheme: the months from April to the
last month with actuals are the ledger's, and each remaining month is
forecast by the scheme's method (docs/monitoring.md gives the formulas):

* ``run_rate``: the average actual month, for every remaining month;
* ``trend``: the least-squares straight line through the actual months
  (April is x = 1), extended month by month, never below £0;
* ``last_year``: the same months of last year, as they were or scaled by
  this year's actuals to date over last year's same months;
* ``manual``: a stated outturn for the year; the remaining months share
  what is left of it evenly;
* ``budget_profile``: the projection stands (the phased budget moved by the
  scenario's drivers), so nothing here is needed.

Every method works in exact fractions of a penny and rounds the same way,
so a forecast never drifts from its own total: the remaining months' total
is the exact total rounded half up to the penny; each month but the last is
its exact value rounded half up; the last month takes the remainder, so the
months add up to the total exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from pooledfund.model.scenario import SchemeForecast


def half_up(pence: Fraction) -> int:
    """An exact number of pence rounded to a whole penny, halves away from zero (like Excel's ROUND)."""
    magnitude = (abs(pence) * 2 + 1) // 2  # floor(|x| + 1/2)
    return int(magnitude) if pence >= 0 else -int(magnitude)


def spread(exact_months: Sequence[Fraction]) -> list[int]:
    """Exact monthly values as whole pence: each rounded half up, the remainder in the last month.

    The months add up to the exact total rounded half up, to the penny.
    """
    if not exact_months:
        return []
    total = half_up(sum(exact_months, Fraction(0)))
    months = [half_up(value) for value in exact_months[:-1]]
    return [*months, total - sum(months)]


def run_rate(actual: Sequence[int], remaining: int) -> list[int]:
    """Each remaining month at the average actual month: total = actuals x remaining / months of actuals."""
    return spread([Fraction(sum(actual), len(actual))] * remaining)


def trend_line(actual: Sequence[int]) -> tuple[Fraction, Fraction]:
    """The least-squares line ``intercept + slope x x`` through the actual months (April is x = 1), exactly.

    slope = (n Sxy - Sx Sy) / (n Sxx - Sx^2) and intercept = (Sy - slope Sx) / n,
    the ordinary least-squares formulas, worked in fractions so no binary
    rounding creeps in.
    """
    n = len(actual)
    xs = range(1, n + 1)
    sx, sxx = sum(xs), sum(x * x for x in xs)
    sy, sxy = sum(actual), sum(x * y for x, y in zip(xs, actual, strict=True))
    slope = Fraction(n * sxy - sx * sy, n * sxx - sx * sx)
    return (Fraction(sy) - slope * sx) / n, slope


def trend(actual: Sequence[int], remaining: int) -> list[int]:
    """The trend line extended over the remaining months, a negative month taken as £0.

    With one actual month there is no line to fit: the run rate is used.
    """
    n = len(actual)
    if n < 2:  # a line needs two points
        return run_rate(actual, remaining)
    intercept, slope = trend_line(actual)
    return spread([max(Fraction(0), intercept + slope * x) for x in range(n + 1, n + remaining + 1)])


def last_year(actual: Sequence[int], last_year_months: Sequence[int], *, scaled: bool) -> list[int]:
    """Last year's remaining months, as they were or scaled by this year's actuals to date over last year's.

    Scaled: month k = last_year(k) x (actuals to date / last year's same months).
    """
    n = len(actual)
    rest = list(last_year_months[n:])
    if not scaled:
        return rest
    ratio = Fraction(sum(actual), sum(last_year_months[:n]))
    return spread([ratio * value for value in rest])


def manual(actual: Sequence[int], remaining: int, outturn: int) -> list[int]:
    """The outturn less the actuals to date, shared evenly over the remaining months."""
    return spread([Fraction(outturn - sum(actual), remaining)] * remaining)


def forecast_months(actual: Sequence[int], remaining: int, forecast: SchemeForecast) -> list[int] | None:
    """The remaining months by the scheme's method, in pence; None for ``budget_profile`` (the projection stands)."""
    if remaining == 0 or forecast.method == "budget_profile":
        return None
    if forecast.method == "run_rate":
        return run_rate(actual, remaining)
    if forecast.method == "trend":
        return trend(actual, remaining)
    if forecast.method == "last_year" and forecast.last_year is not None:
        return last_year(actual, forecast.last_year, scaled=bool(forecast.scaled))
    if forecast.method == "manual" and forecast.outturn is not None:
        return manual(actual, remaining, forecast.outturn)
    raise ValueError(f"forecast method {forecast.method} lacks its figures")  # the record's validator prevents this
