"""Plotly figures of a run, built from :class:`~pooledfund.dashboard.data.ModelOutputs`.

Every function is pure: it takes plain frames, returns a ``go.Figure`` and
draws nothing, so the dashboard only places them and the tests can read
their data. Money on axes is in pounds with "£1.5m" ticks and negatives in
brackets; labels on bars are short (``£23.4m``) and hover text gives the
exact figure to the penny (``£1,234.56``). A variance follows the pack's
convention (:mod:`pooledfund.dashboard.formats`): overspend positive,
underspend in brackets. Colours are the Okabe-Ito palette
(:mod:`pooledfund.core.palette`), never red against green. Years are
categories ("2025-26"), never read as dates.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from pooledfund.core import palette
from pooledfund.core.money import format_gbp
from pooledfund.core.palette import translucent
from pooledfund.dashboard.data import ModelOutputs
from pooledfund.dashboard.formats import short_gbp, signed_gbp, variance_words
from pooledfund.dashboard.money_flow import money_flow
from pooledfund.dashboard.tables import comparison_frame

#: Partner colours, in the agreement's partner order (colour-blind safe, Okabe-Ito).
PARTNER_COLOURS = palette.SERIES
GREY = palette.GREY
#: The most scheme types a chart shows apart, one palette colour each (yellow, faint, left out); the
#: rest are drawn together in grey.
MAX_SERIES = len(palette.SERIES) - 1
FONT = "Source Sans Pro, Arial, sans-serif"


def gbp_tick(pounds_value: float) -> str:
    """An axis label: £0, £250k, £1.5m, (£2m) for negatives."""
    size = abs(pounds_value)
    if size >= 1_000_000:
        text = f"{size / 1_000_000:,.2f}".rstrip("0").rstrip(".") + "m"
    elif size >= 1_000:
        text = f"{size / 1_000:,.1f}".rstrip("0").rstrip(".") + "k"
    else:
        text = f"{size:,.0f}"
    return f"(£{text})" if pounds_value < 0 else f"£{text}"


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering ``low`` to ``high`` and 0."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 6))
        value += step
    if ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def _money_axis(fig: go.Figure, values: Sequence[float], axis: str = "y", title: str = "") -> None:
    """Put £ ticks (pounds, brackets for negatives) on an axis covering ``values`` (pounds)."""
    finite = [v for v in values if v is not None and not math.isnan(v)] or [0.0]
    ticks = nice_ticks(min(finite), max(finite))
    update = {"tickvals": ticks, "ticktext": [gbp_tick(t) for t in ticks], "title": {"text": title},
              "zeroline": True, "zerolinecolor": "#bbbbbb", "gridcolor": "#eeeeee",
              "range": [ticks[0] - (ticks[1] - ticks[0]) * 0.05, ticks[-1] + (ticks[1] - ticks[0]) * 0.05]}
    if axis == "y":
        fig.update_yaxes(**update)
    else:
        fig.update_xaxes(**update)


def _layout(fig: go.Figure, title: str, height: int = 420, subtitle: str = "") -> go.Figure:
    """House style: title top left (with an optional subtitle), legend in a row under it."""
    title_spec: dict = {"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top", "yref": "container",
                        "font": {"size": 16}}
    if subtitle:
        title_spec["subtitle"] = {"text": subtitle, "font": {"size": 12, "color": "#666666"}}
    fig.update_layout(
        title=title_spec,
        template="plotly_white",
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 70, "r": 20, "t": 100 if subtitle else 85, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    return fig


def wrap(text: str, width: int = 16) -> str:
    """Break a long label into lines (``<br>``) so axis labels never overlap."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def _partner_colour(outputs: ModelOutputs, partner: str) -> str:
    return PARTNER_COLOURS[outputs.partners.index(partner) % len(PARTNER_COLOURS)]


def _colour_by_name(outputs: ModelOutputs) -> dict[str, str]:
    return {outputs.partner_names[p]: _partner_colour(outputs, p) for p in outputs.partners}


def _month_axis(fig: go.Figure, labels: list[str]) -> None:
    """Months as "Apr", "Jun" ... "Feb": every other month, so twelve never run together in a half-width chart.

    The calendar year sits under the first month shown in each year (April and
    February); every month keeps its point and its hover text.
    """
    shown = labels[::2]
    seen: set[str] = set()
    text = []
    for label in shown:
        calendar_year = label[4:]
        text.append(f"{label[:3]}<br>{calendar_year}" if calendar_year not in seen else label[:3])
        seen.add(calendar_year)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels, tickvals=shown, ticktext=text,
                     tickangle=0)


def _pounds(pence: float) -> float:
    return float(pence) / 100


def _where(outputs: ModelOutputs, arrangement: str | None) -> str:
    if arrangement is None:
        return "all arrangements"
    rows = outputs.arrangements_frame[outputs.arrangements_frame["arrangement"] == arrangement]
    return str(rows["name"].iloc[0]) if len(rows) else arrangement


# --- 1. Contributions -> spend -> shares ----------------------------------------------------


class _Bars:
    """The waterfall's bars in order: a label, a measure ("relative" steps or a "total") and pence each."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.measures: list[str] = []
        self.values: list[int] = []

    def add(self, label: str, pence: int, measure: str = "relative") -> None:
        """Append one bar; a "total" bar's pence are ignored by plotly, which draws the running total."""
        self.labels.append(label)
        self.measures.append(measure)
        self.values.append(int(pence))

    def running(self) -> list[int]:
        """The running total after each bar, starting from nothing (one more entry than there are bars)."""
        cumulative = [0]
        for measure, value in zip(self.measures, self.values, strict=True):
            cumulative.append(cumulative[-1] + value if measure == "relative" else cumulative[-1])
        return cumulative

    def shown(self) -> list[int]:
        """The figure printed on each bar: a step's own amount, or the running total on a total bar."""
        return [value if measure == "relative" else total
                for measure, value, total in zip(self.measures, self.values, self.running()[1:], strict=True)]


#: The money flow's lines that the chart writes on two lines.
_CHART_LABELS = {"Brought forward": "Brought<br>forward", "Carried forward": "Carried<br>forward",
                 "Unfunded (board)": "Unfunded<br>(board)"}


def money_flow_waterfall(outputs: ModelOutputs, year: str, arrangement: str | None = None) -> go.Figure:
    """A waterfall from each partner's contribution, less spend, to each partner's share of the result.

    Contributions (and anything brought forward) add up to the money in;
    spend takes it down to the variance; each partner's overspend share (or
    underspend returned), the carry-forward, reinvestment and any unfunded
    amount bring it back to nothing, which is the conservation check drawn.
    """
    flow = money_flow(outputs, year, arrangement)
    bars = _Bars()
    for step in flow.steps:
        label = _CHART_LABELS.get(step.label, wrap(step.label) if step.partner else step.label)
        bars.add(label, 0 if step.total else step.pence, "total" if step.total else "relative")
    fig = _waterfall_figure(bars, flow.money_in, flow.variance)
    return _layout(fig, f"Money in, spend and who bears the result, {year}", 500,
                   subtitle=f"{_where(outputs, arrangement).capitalize()}: money into the pool +, out of it "
                            "(brackets). An overspend leaves the pool short (below £0)<br>until the partners' "
                            "shares make it good; the last bar, nothing left, is the books balancing.")


def _waterfall_figure(bars: _Bars, money_in: int, variance: int) -> go.Figure:
    """Draw the bars: blue for money in, vermillion for money out, grey totals, each with a short label.

    The bar after spend is the variance: drawn where the money stands (below
    £0 when the pool is short), labelled in the convention (``£392k
    overspend``, ``(£300k) underspend``). Hover gives each figure to the
    penny. The axis covers every running total and a little above the money
    in, so the labels outside the bars fit.
    """
    shown = bars.shown()
    at = bars.labels.index("Spend") + 1
    text = [short_gbp(v) for v in shown]
    hover = [format_gbp(v, brackets=True) for v in shown]
    text[at] = variance_words(variance, short=True)
    hover[at] = variance_words(variance)
    fig = go.Figure(go.Waterfall(
        x=bars.labels, y=[_pounds(v) for v in bars.values], measure=bars.measures,
        text=text, textposition="none", customdata=hover,
        hovertemplate="%{x}: %{customdata}<extra></extra>",
        increasing={"marker": {"color": palette.MONEY_IN}}, decreasing={"marker": {"color": palette.MONEY_OUT}},
        totals={"marker": {"color": GREY}}, connector={"line": {"color": "#cccccc"}},
    ))
    # Each label sits above its bar's top (never at its foot, where it would run into the axis labels).
    running = bars.running()
    for index, (label, measure) in enumerate(zip(bars.labels, bars.measures, strict=True)):
        top = max(running[index + 1], 0) if measure == "total" else max(running[index], running[index + 1])
        fig.add_annotation(x=label, y=_pounds(top), text=text[index], showarrow=False, yshift=10,
                           font={"size": 11}, hovertext=hover[index])
    _money_axis(fig, [_pounds(v) for v in running] + [_pounds(money_in) * 1.08])
    fig.update_xaxes(type="category", tickangle=0)
    return fig


# --- 2. Spend by scheme type and year ------------------------------------------------------


def spend_by_scheme_type(outputs: ModelOutputs) -> go.Figure:
    """Stacked bars of projected spend by BCF scheme type, one bar per year.

    Up to seven types are drawn apart, each in its own palette colour; when
    there are more, the seven largest (over all years) are, and the others
    are drawn together in grey as "Other scheme types" (hover names them), so
    no two types share a colour and the stacks still add up to each year's spend.
    """
    frame = outputs.schemes_frame.groupby(["year", "scheme_type"], sort=False)["spend"].sum().reset_index()
    order = frame.groupby("scheme_type")["spend"].sum().sort_values(ascending=False, kind="stable").index.tolist()
    shown, rest = (order, []) if len(order) <= MAX_SERIES else (order[:MAX_SERIES], order[MAX_SERIES:])
    fig = go.Figure()
    groups = [(scheme_type, [scheme_type]) for scheme_type in shown]
    if rest:
        groups.append((f"Other scheme types ({len(rest)})", rest))
    for index, (name, members) in enumerate(groups):
        spend = (frame[frame["scheme_type"].isin(members)].groupby("year")["spend"].sum()
                 .reindex(outputs.years, fill_value=0))
        what = name if len(members) == 1 else f"{name}: " + ", ".join(members)
        fig.add_bar(
            x=outputs.years, y=[_pounds(v) for v in spend], name=wrap(name, 26),
            marker={"color": palette.series_colour(index) if len(members) == 1 else GREY},
            customdata=[format_gbp(int(v)) for v in spend],
            hovertemplate=f"{wrap(what, 60)}<br>%{{x}}: %{{customdata}}<extra></extra>",
        )
    totals = frame.groupby("year")["spend"].sum().reindex(outputs.years, fill_value=0)
    _money_axis(fig, [0.0, *(_pounds(v) * 1.08 for v in totals)])
    fig.update_xaxes(type="category")
    for year, total in totals.items():
        fig.add_annotation(x=year, y=_pounds(total), text=short_gbp(int(total)), showarrow=False, yshift=12,
                           hovertext=format_gbp(int(total)))
    fig = _layout(fig, "Projected spend by scheme type and year", 560,
                  subtitle="Largest scheme types at the bottom of each bar")
    fig.update_layout(barmode="stack", bargap=0.35,
                      legend={"orientation": "h", "y": -0.12, "x": 0, "xanchor": "left", "yanchor": "top",
                              "font": {"size": 11}, "traceorder": "normal"},
                      margin={"b": 190})
    return fig


# --- 3. Cumulative spend against budget ----------------------------------------------------


def cumulative_spend(outputs: ModelOutputs, year: str, arrangement: str | None = None) -> go.Figure:
    """Cumulative monthly spend against the phased budget, actuals to date then the forecast."""
    frame = outputs.monthly_frame[outputs.monthly_frame["year"] == year]
    if arrangement is not None:
        frame = frame[frame["arrangement"] == arrangement]
    months = frame.groupby("month")[["budget", "spend"]].sum().sort_index()
    labels = frame.drop_duplicates("month").sort_values("month")["label"].tolist()
    budget = months["budget"].cumsum().tolist()
    spend = months["spend"].cumsum().tolist()
    last_actual = outputs.actuals_to.get(year)
    fig = go.Figure()
    fig.add_scatter(x=labels, y=[_pounds(v) for v in budget], name="Budget", mode="lines",
                    line={"color": GREY, "width": 2, "dash": "dot"},
                    customdata=[format_gbp(v) for v in budget],
                    hovertemplate="Budget to %{x}: %{customdata}<extra></extra>")
    if last_actual is None:
        fig.add_scatter(x=labels, y=[_pounds(v) for v in spend], name="Projected spend", mode="lines+markers",
                        line={"color": palette.BLUE, "width": 3}, customdata=[format_gbp(v) for v in spend],
                        hovertemplate="Projected spend to %{x}: %{customdata}<extra></extra>")
    else:
        cut = last_actual + 1
        fig.add_scatter(x=labels[:cut], y=[_pounds(v) for v in spend[:cut]], name="Actual to date",
                        mode="lines+markers", line={"color": palette.BLUE, "width": 3},
                        customdata=[format_gbp(v) for v in spend[:cut]],
                        hovertemplate="Actual to %{x}: %{customdata}<extra></extra>")
        # Forecast months lighter and dashed, with open markers, in a shaded band after a line at the last
        # actual month: the split reads without colour as well as with it.
        fig.add_scatter(x=labels[last_actual:], y=[_pounds(v) for v in spend[last_actual:]], name="Forecast",
                        mode="lines+markers", line={"color": palette.BLUE, "width": 3, "dash": "dash"},
                        marker={"symbol": "circle-open", "size": 8}, opacity=0.6,
                        customdata=[format_gbp(v) for v in spend[last_actual:]],
                        hovertemplate="Forecast to %{x}: %{customdata}<extra></extra>")
        if cut < len(labels):
            fig.add_vrect(x0=last_actual + 0.5, x1=len(labels) - 0.5, fillcolor=translucent(GREY, 0.12),
                          line_width=0, layer="below")
            fig.add_vline(x=last_actual + 0.5, line={"color": GREY, "width": 1.5, "dash": "dot"})
            fig.add_annotation(x=last_actual + 0.5, y=1, yref="paper", xanchor="left", yanchor="top",
                               showarrow=False, text=f" Actual to {labels[last_actual]} | forecast",
                               font={"size": 11, "color": GREY})
    gap = spend[-1] - budget[-1] if spend else 0
    fig.add_annotation(x=labels[-1], y=_pounds(spend[-1]) if spend else 0, xanchor="right", yshift=18, showarrow=False,
                       text=(f"Year end v scheme budgets: {variance_words(gap)}" if gap
                             else "Year end: on the schemes' budgets"),
                       font={"color": palette.OVERSPEND if gap > 0 else palette.UNDERSPEND})
    _money_axis(fig, [0.0, *(_pounds(v) * 1.05 for v in budget + spend)])
    _month_axis(fig, labels)
    # Against the schemes' budgets, not the pool's money in: the board summary's variance also counts a
    # risk pool or contingency the partners paid in beyond the schemes, so the two can differ by it.
    subtitle = _where(outputs, arrangement).capitalize() + "; budget = the schemes' budgets (no risk pool)"
    if last_actual is not None:
        subtitle += f"; actuals to {labels[last_actual]}, then the forecast"
    return _layout(fig, f"Cumulative spend against budget, {year}", subtitle=subtitle)


# --- 4. The risk-share waterfall, layer by layer ---------------------------------------------


def risk_share_waterfall(outputs: ModelOutputs, year: str, arrangement: str) -> go.Figure:
    """The overspend (or underspend) passing down the agreement's layers, each bar split by who took it.

    Each step is drawn floating above what is left after it, so the bars step
    down from the variance to nothing (or to the unfunded remainder). An
    underspend is drawn below £0 and labelled in brackets, the convention for
    every variance on the page.
    """
    steps = outputs.risk_steps
    steps = steps[(steps["year"] == year) & (steps["arrangement"] == arrangement)]
    title = f"Risk share step by step, {year}"
    subtitle = _where(outputs, arrangement)
    fig = go.Figure()
    if steps.empty:
        fig.add_annotation(text="Spend equals the money in (or the arrangement keeps its own variances): "
                                "nothing passes through the risk share.",
                           showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return _layout(fig, title, 300, subtitle=subtitle)
    # An underspend is drawn below £0, in brackets, as every variance is (overspend +, underspend (brackets)).
    sign = -1 if (steps["stage"].eq("start") & steps["label"].eq("Underspend")).any() else 1
    steps = steps.assign(label=[wrap(label, 14) for label in steps["label"]], amount=steps["amount"] * sign,
                         remaining=steps["remaining"] * sign)
    labels = steps.drop_duplicates("order").sort_values("order")["label"].tolist()
    ordered = steps.drop_duplicates("order").sort_values("order")
    base = [0 if stage in ("start", "end") else int(rem)
            for stage, rem in zip(ordered["stage"], ordered["remaining"], strict=True)]
    fig.add_bar(x=labels, y=[_pounds(v) for v in base], marker={"color": "rgba(0,0,0,0)"}, showlegend=False,
                hoverinfo="skip", name="")
    colours = _colour_by_name(outputs)
    # What no partner is: greys told apart by hatching, and black for what is unfunded.
    special = {"Risk pool (contingency and brought forward)": (GREY, ""), "Carried forward": (GREY, "/"),
               "Reinvested": (GREY, "x"), "Unfunded (for the board)": (palette.BLACK, "")}
    whos = [w for w in steps["who"].drop_duplicates() if w and steps[steps["who"] == w]["amount"].any()]
    for who in whos:
        mine = steps[steps["who"] == who].set_index("label").groupby(level=0)["amount"].sum()
        amounts = [int(mine.get(label, 0)) for label in labels]
        colour, hatch = special.get(who, (colours.get(who, GREY), ""))
        fig.add_bar(x=labels, y=[_pounds(v) for v in amounts], name=who,
                    marker={"color": colour, "pattern": {"shape": hatch}},
                    customdata=[format_gbp(v, brackets=True) for v in amounts],
                    hovertemplate=f"{who}<br>%{{x}}: %{{customdata}}<extra></extra>")
    starts = ordered[ordered["stage"] == "start"]
    fig.add_bar(x=starts["label"].tolist(), y=[_pounds(v) for v in starts["amount"]], name="To share",
                marker={"color": palette.UNDERSPEND if sign < 0 else palette.OVERSPEND},
                customdata=[format_gbp(int(v), brackets=True) for v in starts["amount"]],
                hovertemplate="%{x}: %{customdata}<extra></extra>")
    totals = steps.groupby("order")["amount"].sum()
    for order, label, stage in ordered[["order", "label", "stage"]].itertuples(index=False):
        top = int(totals[order]) + (0 if stage in ("start", "end") else base[labels.index(label)])
        fig.add_annotation(x=label, y=_pounds(top), text=short_gbp(int(totals[order])), showarrow=False,
                           yshift=10 * sign, font={"size": 11}, hovertext=format_gbp(int(totals[order]), brackets=True))
    fig.update_layout(barmode="stack", bargap=0.35)
    extreme = _pounds(int(starts["amount"].abs().max())) * 1.1 * sign
    _money_axis(fig, [0.0, extreme])
    fig.update_xaxes(type="category", tickangle=0)
    fig = _layout(fig, title, 480, subtitle=subtitle)
    fig.update_layout(legend={"orientation": "h", "y": -0.22, "x": 0, "xanchor": "left", "yanchor": "top"},
                      margin={"b": 120})
    return fig


# --- 5. Scenario comparison ------------------------------------------------------------------

MEASURE_WORDS = {
    "net_cost": "Net cost",
    "overspend_share": "Overspend share",
    "underspend_return": "Underspend returned",
    "cash_contribution": "Cash contribution",
}


def scenario_comparison(outputs: list[ModelOutputs], year: str, measure: str = "net_cost") -> go.Figure:
    """Grouped bars: each partner's ``measure`` under each scenario, with the change against the first."""
    frame = comparison_frame(outputs, year, measure)
    fig = go.Figure()
    first = outputs[0]
    shades = (GREY, *palette.SERIES)
    for index, item in enumerate(outputs):
        rows = frame[frame["scenario"] == item.scenario_name]
        change = [("" if index == 0 else f" ({'+' if c > 0 else ''}{format_gbp(c, brackets=True)})")
                  for c in rows["change"]]
        fig.add_bar(
            x=rows["partner_name"].tolist(), y=[_pounds(v) for v in rows["value"]], name=_short(item.scenario_name),
            marker={"color": shades[index % len(shades)]},
            customdata=[f"{format_gbp(int(v), brackets=True)}{c}" for v, c in zip(rows["value"], change, strict=True)],
            hovertemplate=f"{item.scenario_name}<br>%{{x}}: %{{customdata}}<extra></extra>",
            text=[signed_gbp(int(c), short=True) if index and c else "" for c in rows["change"]],
            textposition="outside", cliponaxis=False,
        )
    fig.update_layout(barmode="group")
    _money_axis(fig, [0.0, *(_pounds(v) * 1.08 for v in frame["value"])])
    fig.update_xaxes(type="category")
    fig.update_xaxes(ticktext=[wrap(n, 24) for n in frame["partner_name"].drop_duplicates()],
                     tickvals=frame["partner_name"].drop_duplicates().tolist(), tickangle=0)
    fig = _layout(fig, f"{MEASURE_WORDS.get(measure, measure)} by partner and scenario, {year}", 460,
                  subtitle=f"Labels: change against {_short(first.scenario_name, 40)}")
    fig.update_layout(legend={"orientation": "h", "y": -0.2, "x": 0, "xanchor": "left", "yanchor": "top"},
                      margin={"b": 150}, height=520)
    return fig


def _short(name: str, limit: int = 48) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


# --- 6. The host's cash position ---------------------------------------------------------------


def host_cash_position(outputs: ModelOutputs, year: str) -> go.Figure:
    """The host's month-end balance on each funded arrangement: receipts less payments, then the year-end settlement."""
    frame = outputs.cash_frame
    title = f"Host's cash position on each pool at month end, {year}"
    fig = go.Figure()
    if frame.empty or frame[frame["year"] == year].empty:
        fig.add_annotation(text="No funded arrangement holds cash this year.", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
        return _layout(fig, title, 300)
    frame = frame[frame["year"] == year]
    names = outputs.arrangements_frame.drop_duplicates("arrangement").set_index("arrangement")["name"]
    values: list[float] = [0.0]
    for index, (arrangement, rows) in enumerate(frame.groupby("arrangement", sort=False)):
        host = outputs.partner_names.get(str(rows["host"].iloc[0]), str(rows["host"].iloc[0]))
        position = rows["position"].tolist()
        values += [_pounds(v) for v in position]
        hover = [f"{format_gbp(v, brackets=True)} (in {format_gbp(r)}, out {format_gbp(o)}"
                 + (f", year-end settlement {format_gbp(s, brackets=True)}" if s else "") + ")"
                 for v, r, o, s in zip(position, rows["received"], rows["paid_out"], rows["year_end_settlement"],
                                       strict=True)]
        fig.add_scatter(x=rows["month"].tolist(), y=[_pounds(v) for v in position], mode="lines+markers",
                        name=f"{names.get(arrangement, arrangement)} (held by {host})",
                        line={"color": palette.series_colour(index), "width": 3}, customdata=hover,
                        hovertemplate="%{x}: %{customdata}<extra></extra>")
    fig.add_hline(y=0, line={"color": palette.BLACK, "width": 1})
    _money_axis(fig, values)
    _month_axis(fig, frame.drop_duplicates("month")["month"].tolist())
    return _layout(fig, title, subtitle="Receipts less payments; March includes the year-end settlement")


# --- 7. The bridge: movement since the previous forecast, by cause or by scheme ----------------------

#: The most schemes the bridge by scheme shows apart; the rest are drawn together (their sum exact).
BRIDGE_SCHEMES = 10


def bridge_waterfall(frame: pd.DataFrame, by: str, cause_words: dict[str, str], title: str,
                     subtitle: str = "") -> go.Figure:
    """The movement in forecast outturn as a waterfall from £0: a step per cause (or scheme), then the total.

    ``frame`` is :func:`pooledfund.dashboard.monitoring.bridge_frame` (its
    last row the total). By ``cause`` the steps are the causes in the
    bridge's order; by ``scheme`` the schemes that moved, largest first, with
    those past the tenth drawn together. Either way the steps add up to the
    total bar, the movement (more spend +, less in brackets, vermillion and
    blue); hover gives each to the penny.
    """
    total = frame.iloc[-1]
    schemes = frame.iloc[:-1]
    if by == "cause":
        steps = [(cause_words[cause], int(total[cause])) for cause in cause_words]
    else:
        moved = sorted(((f"{s} {n}", int(m)) for s, n, m in zip(schemes["scheme"], schemes["name"],
                                                               schemes["movement"], strict=True) if int(m)),
                       key=lambda item: -abs(item[1]))
        steps = moved[:BRIDGE_SCHEMES]
        rest = moved[BRIDGE_SCHEMES:]
        if rest:
            steps.append((f"Other schemes ({len(rest)})", sum(m for _, m in rest)))
    movement = int(total["movement"])
    labels = [wrap(label, 18) for label, _ in steps] + ["Movement"]
    values = [pence for _, pence in steps] + [movement]
    measures = ["relative"] * len(steps) + ["total"]
    hover = [format_gbp(v, brackets=True) for v in values]
    fig = go.Figure(go.Waterfall(
        x=labels, y=[_pounds(v) for v in values], measure=measures, customdata=hover,
        text=[signed_gbp(v, short=True) for v in values], textposition="outside",
        hovertemplate="%{x}: %{customdata}<extra></extra>",
        increasing={"marker": {"color": palette.OVERSPEND}}, decreasing={"marker": {"color": palette.UNDERSPEND}},
        totals={"marker": {"color": GREY}}, connector={"line": {"color": "#cccccc"}},
    ))
    running = [0]
    for value in values[:-1]:
        running.append(running[-1] + value)
    _money_axis(fig, [_pounds(v) * 1.15 for v in [*running, movement]])
    fig.update_xaxes(type="category", tickangle=0)
    fig.update_layout(showlegend=False)
    return _layout(fig, title, subtitle=subtitle)
