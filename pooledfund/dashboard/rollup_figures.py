"""The Several agreements section's chart: how a body's total exposure across its agreements is spread.

One histogram of the body's exposure (overspend shares less underspends
returned, summed over its agreements path by path), with its P10, P50 and
P90 marked and the threshold the page asks about. The figures come from
:func:`pooledfund.uncertainty.rollup.exposure_summary`; this module only
draws them (plotly, loaded only when the chart is drawn).
"""

from __future__ import annotations

import plotly.graph_objects as go

from pooledfund.core import palette
from pooledfund.core.money import IntArray
from pooledfund.dashboard.figures import FONT
from pooledfund.uncertainty.figures import percentile_histogram
from pooledfund.uncertainty.statistics import Summary


def exposure_histogram(values: IntArray, summary: Summary, over: int, title: str, subtitle: str) -> go.Figure:
    """A body's total exposure on every path as a histogram, P10/P50/P90 and the threshold marked.

    Args:
        values: the exposure on each path, pence.
        summary: its percentiles (from ``exposure_summary``), so the marks are the table's figures.
        over: the threshold the chance is worked out against, pence.
        title: the chart's title (the body and the period).
        subtitle: the line under it (the agreements and paths, and the threshold, drawn as a black dashed line).
    """
    figure = percentile_histogram(values, summary)
    # The threshold's line is named in the subtitle: a label of its own would sit on the bars or on P10's.
    figure.add_vline(x=over / 100, line={"color": palette.BLACK, "dash": "dash"})
    figure.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top", "yref": "container",
               "font": {"size": 16}, "subtitle": {"text": subtitle, "font": {"size": 12, "color": "#666666"}}},
        template="plotly_white", font={"family": FONT, "size": 13}, height=420, showlegend=False, bargap=0.05,
        margin={"l": 70, "r": 20, "t": 110, "b": 60},
        xaxis_title="exposure: overspend shares less underspends returned (£)", yaxis_title="paths")
    figure.update_xaxes(tickprefix="£", separatethousands=True)
    return figure
