"""The plotly figures: right data, right totals, £ axes, years as categories, no streamlit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go
import pytest

from pooledfund.agreements import FundedArrangement
from pooledfund.core import palette
from pooledfund.core.money import format_gbp
from pooledfund.dashboard.data import ModelOutputs, build_outputs
from pooledfund.dashboard.figures import (
    cumulative_spend,
    gbp_tick,
    host_cash_position,
    money_flow_waterfall,
    nice_ticks,
    risk_share_waterfall,
    scenario_comparison,
    spend_by_scheme_type,
    wrap,
)
from pooledfund.dashboard.formats import signed_gbp
from pooledfund.engine.results import RunResult
from pooledfund.io.loader import load_agreement
from pooledfund.io.scenario_files import load_scenario
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE, Scenario

ROOT = Path(__file__).resolve().parents[1]
YEAR = "2025-26"


@pytest.fixture(scope="module")
def bcf() -> Agreement:
    agreement, errors = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    assert not errors and agreement is not None
    return agreement


def _scenario(name: str) -> Scenario:
    scenario, errors = load_scenario(ROOT / "scenarios" / name)
    assert not errors and scenario is not None
    return scenario


@pytest.fixture(scope="module")
def cut(bcf: Agreement) -> tuple[ModelOutputs, RunResult]:
    # These figures show a cut shared by the waterfall, so the pool says so (shortfall: waterfall);
    # by default the council would bear its own cut and nothing would reach the waterfall.
    arrangements = [a.model_copy(update={"shortfall": "waterfall"}) if isinstance(a, FundedArrangement) else a
                    for a in bcf.arrangements]
    return build_outputs(bcf.model_copy(update={"arrangements": arrangements}), _scenario("council_cut.yaml"))


@pytest.fixture(scope="module")
def base(bcf: Agreement) -> ModelOutputs:
    return build_outputs(bcf, BASE)[0]


def _pence(values: object) -> list[int]:
    """Pounds (floats in a trace) back to pence, exactly (they have two decimals)."""
    return [round(v * 100) for v in values]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("pounds", "text"),
    [(0, "£0"), (250_000, "£250k"), (1_500_000, "£1.5m"), (-2_000_000, "(£2m)"), (950, "£950"), (-12_500, "(£12.5k)")],
)
def test_axis_labels_read_as_pounds(pounds: float, text: str) -> None:
    assert gbp_tick(pounds) == text


@pytest.mark.parametrize(("low", "high"), [(0, 62_080_000), (-400_000, 3_300_000), (5, 5), (-10, -1)])
def test_nice_ticks_cover_the_range_and_zero(low: float, high: float) -> None:
    ticks = nice_ticks(low, high)
    assert ticks[0] <= min(low, 0) and ticks[-1] >= max(high, 0)
    assert 0 in ticks
    assert len(ticks) <= 8


def test_long_labels_are_wrapped() -> None:
    assert wrap("NHS Moorland and Dales Integrated Care Board contribution") == \
        "NHS Moorland and<br>Dales Integrated<br>Care Board<br>contribution"


def test_the_money_flow_waterfall_ends_at_nothing(cut: tuple[ModelOutputs, RunResult]) -> None:
    outputs, result = cut
    fig = money_flow_waterfall(outputs, YEAR)
    assert isinstance(fig, go.Figure)
    trace = fig.data[0]
    assert trace.type == "waterfall"
    relative = [v for v, m in zip(_pence(trace.y), trace.measure, strict=True) if m == "relative"]
    # contributions - spend + shares - returns - carried - reinvested + unfunded = 0: the books balance
    assert sum(relative) == 0
    assert trace.measure[-1] == "total" and trace.customdata[-1] == "£0.00"
    totals = result.partner_totals(YEAR)
    # The council's contribution bar is its cash after the cut: £23,013,500.00
    assert trace.customdata[0] == "£23,013,500.00" == f"£{int(totals['cash_contribution'][0, 0]) // 100:,}.00"
    assert "Spend" in trace.x
    assert fig.layout.xaxis.type == "category"
    assert fig.layout.yaxis.ticktext[0].startswith("£") or fig.layout.yaxis.ticktext[0].startswith("(£")


def test_the_money_flow_of_one_arrangement(cut: tuple[ModelOutputs, RunResult]) -> None:
    outputs, result = cut
    fig = money_flow_waterfall(outputs, YEAR, "aligned_community")
    trace = fig.data[0]
    row = next(r for r in result.for_year(YEAR) if r.arrangement_id == "aligned_community")
    spend = _pence(trace.y)[list(trace.x).index("Spend")]
    assert spend == -int(row.spend[0])
    assert "Aligned" in fig.layout.title.subtitle.text or "aligned" in fig.layout.title.subtitle.text.lower()


def test_spend_by_scheme_type_stacks_to_each_years_spend(base: ModelOutputs) -> None:
    fig = spend_by_scheme_type(base)
    assert fig.layout.barmode == "stack"
    assert fig.layout.xaxis.type == "category"
    for index, year in enumerate(base.years):
        stacked = sum(_pence(trace.y)[index] for trace in fig.data)
        assert stacked == int(base.schemes_frame[base.schemes_frame["year"] == year]["spend"].sum())
    # Northmoor's 19 scheme types: the 7 largest apart, each its own palette colour, the other 12 in grey
    assert base.schemes_frame["scheme_type"].nunique() == 19
    assert len(fig.data) == 8
    assert fig.data[-1].name == "Other scheme types (12)" and fig.data[-1].marker.color == palette.GREY
    colours = [trace.marker.color for trace in fig.data[:-1]]
    assert colours == list(palette.SERIES[:7])


def test_cumulative_spend_with_actuals_splits_actual_and_forecast(bcf: Agreement) -> None:
    outputs, result = build_outputs(bcf, _scenario("bcf_in_year_actuals.yaml"))
    fig = cumulative_spend(outputs, YEAR)
    names = [trace.name for trace in fig.data]
    assert names == ["Budget", "Actual to date", "Forecast"]
    actual, forecast = fig.data[1], fig.data[2]
    assert list(actual.x) == ["Apr 2025", "May 2025", "Jun 2025", "Jul 2025", "Aug 2025", "Sep 2025"]
    assert forecast.x[0] == "Sep 2025" and forecast.x[-1] == "Mar 2026"
    assert _pence(forecast.y)[-1] == sum(int(r.spend[0]) for r in result.for_year(YEAR))
    assert _pence(fig.data[0].y)[-1] == sum(int(r.scheme_budget.sum()) for r in result.for_year(YEAR))


def test_cumulative_spend_without_actuals_is_one_projection(base: ModelOutputs) -> None:
    fig = cumulative_spend(base, YEAR, "bcf_pool")
    assert [trace.name for trace in fig.data] == ["Budget", "Projected spend"]
    # the base scenario spends exactly the budget
    assert _pence(fig.data[0].y) == _pence(fig.data[1].y)
    assert fig.layout.annotations[0].text == "Year end: on the schemes' budgets"


def test_the_risk_share_waterfall_shows_who_took_each_layer(cut: tuple[ModelOutputs, RunResult]) -> None:
    outputs, _ = cut
    fig = risk_share_waterfall(outputs, "2026-27", "bcf_pool")
    bars = {trace.name: dict(zip(trace.x, _pence(trace.y), strict=True)) for trace in fig.data if trace.name}
    council, icb = "Northmoor Borough Council", "NHS Moorland and Dales Integrated Care Board"
    # See test_dashboard_data: band £250,000 to the council, then £1,032,500 pro rata:
    # council £385,345.69, ICB £647,154.31.
    assert bars[council][wrap("2. Northmoor Borough Council band (up to £250k)", 14)] == 250_000_00
    assert bars[council][wrap("3. Pro rata to contributions", 14)] == 385_345_69
    assert bars[icb][wrap("3. Pro rata to contributions", 14)] == 647_154_31
    assert bars["To share"][wrap("Scheme overspends", 14)] == 1_582_500_00
    # the invisible base under the pro rata step is what is left after it: nothing
    floor = dict(zip(fig.data[0].x, _pence(fig.data[0].y), strict=True))
    assert floor[wrap("3. Pro rata to contributions", 14)] == 0
    assert floor[wrap("Risk pool", 14)] == 1_282_500_00


def test_the_risk_share_waterfall_of_an_aligned_budget_says_so(base: ModelOutputs) -> None:
    fig = risk_share_waterfall(base, YEAR, "aligned_community")
    assert not fig.data
    assert "nothing passes through the risk share" in fig.layout.annotations[0].text


def test_scenario_comparison_groups_partners_by_scenario(
    base: ModelOutputs, cut: tuple[ModelOutputs, RunResult]
) -> None:
    outputs, result = cut
    fig = scenario_comparison([base, outputs], "2026-27")
    assert fig.layout.barmode == "group"
    assert [trace.name for trace in fig.data] == ["Base (budget as agreed)",
                                                  "Council contribution cut 10% from January 2026"]
    council_now = int(result.partner_totals("2026-27")["net_cost"][0, 0])
    council_base = int(base.partners_frame.query("year == '2026-27' and partner == 'council'")["net_cost"].iloc[0])
    change = council_now - council_base
    assert _pence(fig.data[1].y)[0] == council_now
    sign = "+" if change > 0 else ""
    assert fig.data[1].customdata[0] == (f"{format_gbp(council_now, brackets=True)} "
                                         f"({sign}{format_gbp(change, brackets=True)})")
    # the label is short, in brackets for a fall; the hover (customdata) has it to the penny
    assert fig.data[1].text[0] == signed_gbp(change, short=True) == "(£947k)"
    assert list(fig.data[0].text) == ["", ""]


def test_host_cash_position_ends_at_the_year_end_balance(cut: tuple[ModelOutputs, RunResult]) -> None:
    outputs, result = cut
    fig = host_cash_position(outputs, YEAR)
    row = next(r for r in result.for_year(YEAR) if r.arrangement_id == "bcf_pool")
    position = row.cash_position
    assert position is not None
    assert len(fig.data) == 1
    assert _pence(fig.data[0].y) == [int(v) for v in position[0]]
    assert "held by Northmoor Borough Council" in fig.data[0].name


def test_the_package_never_imports_streamlit() -> None:
    code = ("import sys, pooledfund.dashboard.figures, pooledfund.dashboard.data, pooledfund.dashboard.tables, "
            "pooledfund.dashboard.budget_edits, pooledfund.dashboard.whatif, pooledfund.dashboard.uploads; "
            "sys.exit(1 if 'streamlit' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


def _colours(fig: go.Figure) -> set[str]:
    """Every colour a figure's traces and annotations use (markers, lines, waterfall bars, labels)."""
    found: set[str] = set()
    for trace in fig.data:
        for path in ("marker.color", "line.color", "increasing.marker.color", "decreasing.marker.color",
                     "totals.marker.color"):
            node: object = trace
            for part in path.split("."):
                node = getattr(node, part, None) if node is not None else None
            if isinstance(node, str) and node != "rgba(0,0,0,0)":
                found.add(node.upper())
    for annotation in fig.layout.annotations:
        if annotation.font.color:
            found.add(str(annotation.font.color).upper())
    return found


def test_every_chart_uses_the_colour_blind_safe_palette(
    bcf: Agreement, base: ModelOutputs, cut: tuple[ModelOutputs, RunResult]
) -> None:
    outputs, _ = cut
    actuals = build_outputs(bcf, _scenario("bcf_in_year_actuals.yaml"))[0]
    figures = [money_flow_waterfall(outputs, YEAR), risk_share_waterfall(outputs, "2026-27", "bcf_pool"),
               risk_share_waterfall(base, YEAR, "bcf_pool"), scenario_comparison([base, outputs], YEAR),
               host_cash_position(outputs, YEAR), cumulative_spend(actuals, YEAR), cumulative_spend(outputs, YEAR),
               spend_by_scheme_type(base)]
    allowed = {c.upper() for c in palette.ALL}
    for fig in figures:
        used = _colours(fig)
        assert used and used <= allowed, (fig.layout.title.text, used - allowed)


def test_the_money_flow_says_overspend_positive_and_underspend_in_brackets(
    base: ModelOutputs, cut: tuple[ModelOutputs, RunResult]
) -> None:
    # Base: the £300,000 contingency is unspent, an underspend: (£300k), drawn above £0 (money left).
    trace = money_flow_waterfall(base, YEAR, "bcf_pool").data[0]
    at = list(trace.x).index("Underspend")
    assert trace.text[at] == "(£300k) underspend" and trace.customdata[at] == "(£300,000.00) underspend"
    # The shared council cut: 2026-27 overspends by £1,582,500 before the £300,000 risk pool
    # (test_dashboard_data), so the pool is £1,282,500 short: "£1.28m overspend", drawn below £0.
    outputs, result = cut
    row = next(r for r in result.for_year("2026-27") if r.arrangement_id == "bcf_pool")
    trace = money_flow_waterfall(outputs, "2026-27", "bcf_pool").data[0]
    at = list(trace.x).index("Overspend")
    assert int(row.variance[0]) == 1_282_500_00
    assert trace.text[at] == "£1.28m overspend" and trace.customdata[at] == "£1,282,500.00 overspend"


def test_an_underspend_passes_down_the_rules_below_zero(base: ModelOutputs) -> None:
    # Base 2025-26: the unspent £300,000 contingency is an underspend, carried forward by rule 1.
    fig = risk_share_waterfall(base, YEAR, "bcf_pool")
    to_share = next(trace for trace in fig.data if trace.name == "To share")
    assert _pence(to_share.y) == [-300_000_00]
    assert to_share.customdata[0] == "(£300,000.00)"
    carried = next(trace for trace in fig.data if trace.name == "Carried forward")
    assert min(_pence(carried.y)) == -300_000_00
    assert carried.marker.pattern.shape == "/"
    assert "(£300k)" in [a.text for a in fig.layout.annotations]
