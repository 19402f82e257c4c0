"""Plotly figures of a Monte Carlo run and a tornado: built here, drawn by the caller.

Each function returns a ``plotly.graph_objects.Figure`` and never shows it;
the dashboard passes it to ``st.plotly_chart``, tests inspect its traces.
Money is shown in pounds.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from pooledfund.core import palette
from pooledfund.core.money import IntArray, format_gbp
from pooledfund.core.years import month_label
from pooledfund.uncertainty.results import PartnerMeasure, SimulationResult
from pooledfund.uncertainty.sensitivity_analysis import SensitivityResult
from pooledfund.uncertainty.statistics import Summary, percentile_bands, summarise

# Okabe-Ito colours (colour-blind safe): blue for the spread, vermillion for markers and the high setting.
_BAND = palette.translucent(palette.BLUE, 0.2)
_LINE = palette.BLUE
_MEASURE_WORDS = {
    "overspend_share": "overspend share",
    "underspend_return": "underspend returned",
    "net_cost": "net cost",
    "year_end_position": "year-end position",
}
#: What each figure is, under its axis.
_MEASURE_AXES = {
    "overspend_share": "£ overspend share",
    "underspend_return": "£ underspend returned",
    "net_cost": "£ net cost",
    "year_end_position": "£ overspend share less underspend returned",
}


def fan_chart(sim: SimulationResult, arrangement_id: str) -> go.Figure:
    """Cumulative spend month by month: the P10-P90 band, the P50 line and the budget."""
    months = [month_label(year, m) for year in sim.years for m in range(12)]
    p10, p50, p90 = percentile_bands(sim.cumulative_spend(arrangement_id)) / 100
    budget = sim.cumulative_budget(arrangement_id) / 100
    name = dict(sim.arrangements)[arrangement_id]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=months, y=p90, name="P90", mode="lines", showlegend=False,
                                line={"width": 0, "color": _LINE},
                                hovertemplate="P90 £%{y:,.0f}<extra></extra>"))
    figure.add_trace(go.Scatter(x=months, y=p10, name="P10 to P90", mode="lines", fill="tonexty", fillcolor=_BAND,
                                line={"width": 0, "color": _LINE}, hovertemplate="P10 £%{y:,.0f}<extra></extra>"))
    figure.add_trace(go.Scatter(x=months, y=p50, name="P50 (median)", mode="lines", line={"color": _LINE},
                                hovertemplate="P50 £%{y:,.0f}<extra></extra>"))
    figure.add_trace(go.Scatter(x=months, y=budget, name="Budget", mode="lines",
                                line={"color": "black", "dash": "dash"},
                                hovertemplate="Budget £%{y:,.0f}<extra></extra>"))
    figure.update_layout(title=f"{name}: cumulative spend, {sim.paths:,} paths (seed {sim.seed})",
                         yaxis_title="£ spent since the start of the agreement", hovermode="x unified")
    figure.update_yaxes(tickprefix="£", separatethousands=True)
    return figure


def percentile_histogram(values: IntArray, summary: Summary) -> go.Figure:
    """The paths' figures (pence) as a histogram in pounds, with P10, P50 and P90 marked and labelled to the penny."""
    figure = go.Figure(go.Histogram(x=values / 100, nbinsx=60, name="paths", marker={"color": _LINE},
                                    hovertemplate="£%{x:,.0f}: %{y} paths<extra></extra>"))
    # P10's label reads leftwards from its line and P50's and P90's rightwards, so close lines' labels do not overlap.
    for label, pence, dash, side in (("P10", summary.p10, "dot", "top left"),
                                     ("P50", summary.p50, "solid", "top right"),
                                     ("P90", summary.p90, "dot", "top right")):
        figure.add_vline(x=pence / 100, line={"color": palette.VERMILLION, "dash": dash},
                         annotation_text=f"{label} {format_gbp(pence, brackets=True)}", annotation_position=side)
    return figure


def position_histogram(
    sim: SimulationResult, partner_id: str, year: str, measure: PartnerMeasure = "year_end_position"
) -> go.Figure:
    """How a partner's year-end figure is spread across paths, with P10, P50 and P90 marked."""
    values = sim.partner_values(partner_id, year, measure)
    figure = percentile_histogram(values, summarise(values))
    # Two short title lines, so the title fits a chart half a laptop screen wide.
    figure.update_layout(title=f"{_MEASURE_WORDS[measure].capitalize()}, {year}<br>{sim.partner_names[partner_id]}",
                         xaxis_title=_MEASURE_AXES[measure], yaxis_title="paths", showlegend=False, bargap=0.05,
                         margin={"t": 110})
    figure.update_xaxes(tickprefix="£", separatethousands=True)
    return figure


def tornado_chart(sens: SensitivityResult, partner_id: str, year: str | None = None) -> go.Figure:
    """Each driver's effect on a partner's net cost, low and high settings, largest swing on top."""
    bars = sens.tornado(partner_id, year)
    base = sens.base_net_cost(partner_id, year)
    labels = [bar.label for bar in bars][::-1]
    low = np.array([bar.net_cost_low - base for bar in bars][::-1]) / 100
    high = np.array([bar.net_cost_high - base for bar in bars][::-1]) / 100
    low_words = ["not happening" if bar.kind == "event" else f"P10 {bar.low_value:.2f}%" for bar in bars][::-1]
    high_words = [f"happening, +{format_gbp(int(bar.high_value))}" if bar.kind == "event"
                  else f"P90 {bar.high_value:.2f}%" for bar in bars][::-1]
    figure = go.Figure()
    figure.add_trace(go.Bar(y=labels, x=low, orientation="h", name="low setting", marker={"color": palette.BLUE},
                            customdata=low_words, hovertemplate="%{customdata}: £%{x:+,.0f}<extra></extra>"))
    figure.add_trace(go.Bar(y=labels, x=high, orientation="h", name="high setting", marker={"color": palette.ORANGE},
                            customdata=high_words, hovertemplate="%{customdata}: £%{x:+,.0f}<extra></extra>"))
    period = year or f"{sens.years[0]} to {sens.years[-1]}"
    figure.update_layout(barmode="overlay", title=f"Change in net cost, {period}<br>{sens.partner_names[partner_id]}"
                         f" (base {format_gbp(base)})", xaxis_title="£ change in net cost",
                         legend={"orientation": "h", "yanchor": "top", "y": -0.2, "xanchor": "left", "x": 0})
    figure.update_xaxes(tickprefix="£", separatethousands=True)
    return figure
