"""The Uncertainty tab's fan charts: how far each year-end figure may fall from the plan.

Two charts, built from a :class:`~pooledfund.uncertainty.statistics.Fan`
(each year's P10, P25, P50, P75 and P90 across the paths):

* an arrangement's **year-end variance** (spend less money in, overspend +,
  underspend in brackets, as everywhere on the page), against a plan of £0;
* a partner's **net cost** (all arrangements together), against its planned
  net cost: its contributions, what it pays if every pool spends exactly its
  money in.

Each year is drawn as its own fan: a pale bar from P10 to P90, a darker one
from P25 to P75, the median across it and the plan beside it. Year ends are
points, not a path through the year, so the years are not joined up. The
axis is the figure itself, fitted to the bands (a net cost axis does not run
down to £0), so a spread of a few hundred thousand pounds is visible.
Labels are short (£1.2m); hover gives every figure to the penny.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from pooledfund.core import palette
from pooledfund.core.money import format_gbp
from pooledfund.dashboard.figures import FONT, gbp_tick, wrap
from pooledfund.uncertainty.statistics import Fan

OUTER = palette.translucent(palette.BLUE, 0.22)
INNER = palette.translucent(palette.BLUE, 0.5)
MEDIAN = palette.BLUE
PLAN = palette.BLACK
#: How wide each year's bars are (a category is 1 wide) and how wide its median and plan marks are (pixels).
BAR_WIDTH = 0.5
MARK_SIZE = 60
#: Characters a title line may hold in half the page's width at 1280 pixels.
TITLE_WIDTH = 40


def span_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) just covering ``low`` to ``high``.

    Unlike the page's other money axes the range need not reach £0: a net
    cost of £23.4m give or take £300k needs an axis from about £23m, not
    from nothing.
    """
    if high <= low:
        spread = abs(low) * 0.05 or 1.0
        low, high = low - spread, high + spread
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(first + len(ticks) * step, 6))
    return ticks


def _axis(fig: go.Figure, values: list[float], title: str) -> None:
    """£ ticks (brackets for negatives) fitted to ``values`` (pounds), a little room either side."""
    ticks = span_ticks(min(values), max(values))
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    fig.update_yaxes(tickvals=ticks, ticktext=[gbp_tick(t) for t in ticks], title={"text": title},
                     range=[ticks[0] - step * 0.1, ticks[-1] + step * 0.1], zeroline=False, gridcolor="#eeeeee")


def _hover(fan: Fan, index: int, plan_words: str, convention: bool) -> str:
    """Every figure of one year's fan, to the penny (a variance in brackets when an underspend)."""
    def money(pence: int) -> str:
        return format_gbp(pence, brackets=convention)

    return (f"<b>{fan.years[index]}</b><br>P90 {money(fan.p90[index])}<br>P75 {money(fan.p75[index])}"
            f"<br>Median {money(fan.p50[index])}<br>P25 {money(fan.p25[index])}<br>P10 {money(fan.p10[index])}"
            f"<br>{plan_words} {money(fan.plan[index])}")


def _fan_figure(fan: Fan, title: str, axis_title: str, plan_name: str, *, convention: bool,
                flat_plan: bool) -> go.Figure:
    """One fan per year: P10-P90 and P25-P75 bars, the plan and the median as marks across them.

    ``flat_plan``: the plan is one figure every year (a variance's £0), drawn
    as a dashed line across the chart rather than a mark per year.
    """
    years = list(fan.years)
    hover = [_hover(fan, i, plan_name, convention) for i in range(len(years))]
    fig = go.Figure()
    for name, low, high, colour in (("P10 to P90", fan.p10, fan.p90, OUTER), ("P25 to P75", fan.p25, fan.p75, INNER)):
        fig.add_trace(go.Bar(x=years, y=[(h - lo) / 100 for lo, h in zip(low, high, strict=True)],
                             base=[lo / 100 for lo in low], name=name, width=BAR_WIDTH, marker={"color": colour},
                             customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    # The plan before the median, so a median on the plan stays visible (the plan's mark is the wider).
    if flat_plan:  # the same every year (£0): a dashed line right across, as the line at £0
        fig.add_trace(go.Scatter(x=years, y=[v / 100 for v in fan.plan], name=plan_name, mode="lines",
                                 line={"color": PLAN, "width": 1.5, "dash": "dash"}, hoverinfo="skip"))
        fig.add_hline(y=fan.plan[0] / 100, line={"color": PLAN, "width": 1.5, "dash": "dash"})
    else:
        fig.add_trace(go.Scatter(x=years, y=[v / 100 for v in fan.plan], name=plan_name, mode="markers",
                                 marker={"symbol": "line-ew", "size": MARK_SIZE + 16,
                                         "line": {"width": 2, "color": PLAN}},
                                 customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(x=years, y=[v / 100 for v in fan.p50], name="Median", mode="markers",
                             marker={"symbol": "line-ew", "size": MARK_SIZE, "line": {"width": 4, "color": MEDIAN}},
                             customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    values = [v / 100 for series in (fan.p10, fan.p90, fan.plan) for v in series]
    _axis(fig, values, axis_title)
    fig.update_xaxes(type="category", title={"text": ""})
    fig.update_layout(
        barmode="overlay", template="plotly_white", height=440, font={"family": FONT, "size": 13},
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.97, "yanchor": "top", "yref": "container",
               "font": {"size": 16}},
        margin={"l": 80, "r": 20, "t": 80, "b": 110},
        # Under the chart, two entries a row: half the page's width has no room for them beside the title.
        legend={"orientation": "h", "yanchor": "top", "y": -0.1, "xanchor": "left", "x": 0, "entrywidth": 0.5,
                "entrywidthmode": "fraction"},
        hoverlabel={"font": {"family": FONT}},
    )
    return fig


#: What the fans show, for the caption beside them.
FAN_WORDS = ("Each year: the pale bar holds 8 in 10 paths (P10 to P90), the darker bar half of them (P25 to P75), "
             "the blue line is the median. Black is the plan: a variance of £0 (on budget); for a net cost, the "
             "partner's contributions, what it pays if every pool spends exactly its money in. "
             "Overspend +, underspend (brackets).")


def _title(words: str, name: str, paths: int) -> str:
    """A title that fits half the page: what it is, then the arrangement or partner wrapped, then the paths."""
    return f"{words}, {paths:,} paths<br>" + wrap(name, TITLE_WIDTH)


def variance_fan(fan: Fan, arrangement_name: str, paths: int) -> go.Figure:
    """An arrangement's year-end variance, year by year, against the plan of £0 (on budget)."""
    return _fan_figure(fan, _title("Year-end variance", arrangement_name, paths), "Variance", "Plan (£0)",
                       convention=True, flat_plan=True)


def net_cost_fan(fan: Fan, partner_name: str, paths: int) -> go.Figure:
    """A partner's net cost, year by year, against its contributions (its net cost if every pool is on budget)."""
    return _fan_figure(fan, _title("Net cost", partner_name, paths), "Net cost", "Plan",
                       convention=False, flat_plan=False)
