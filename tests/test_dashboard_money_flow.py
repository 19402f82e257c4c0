"""The money flow: the Summary tab's table and the Money flow tab's waterfall, from one list of steps.

The page opens on the table (no chart, so no plotly in the browser before
the board summary); the waterfall one tab along must show the same figures.
Hand-worked on the Northmoor example; every column adds up to nothing left
in the pool, and the arrangements add up to all of them, for any what-if.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from pooledfund.dashboard.budget_edits import apply_budget_edits
from pooledfund.dashboard.data import build_outputs
from pooledfund.dashboard.figures import money_flow_waterfall
from pooledfund.dashboard.money_flow import (
    ALL_ARRANGEMENTS,
    LEFT_IN_POOL,
    money_flow,
    money_flow_markdown,
    money_flow_table,
)
from pooledfund.dashboard.whatif import AdhocSettings, adhoc_scenario, apply_adhoc
from pooledfund.io.loader import load_agreement
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE

ROOT = Path(__file__).resolve().parents[1]
YEAR = "2025-26"
COUNCIL = "Northmoor Borough Council contribution"
ICB = "NHS Moorland and Dales Integrated Care Board contribution"
POOL = "Northmoor Better Care Fund pooled fund"
ALIGNED = "Northmoor community services aligned budget"


@pytest.fixture(scope="module")
def bcf() -> Agreement:
    agreement, errors = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    assert not errors and agreement is not None
    return agreement


def _line(table: pd.DataFrame, line: str) -> dict[str, int]:
    row = table[table["Line"] == line]
    assert len(row) == 1, (line, table["Line"].tolist())
    return {str(k): int(v) for k, v in row.iloc[0].drop("Line").items()}


def test_the_northmoor_money_flow_worked_by_hand(bcf: Agreement) -> None:
    outputs, _ = build_outputs(bcf, BASE)
    table = money_flow_table(outputs, YEAR)
    assert list(table.columns) == ["Line", ALL_ARRANGEMENTS, POOL, ALIGNED]
    # nothing is brought forward, shared or unfunded in the base: those lines are left out
    assert table["Line"].tolist() == [COUNCIL, ICB, "Money in", "Spend", "Variance", "Carried forward", LEFT_IN_POOL]
    # the council: £15,660,000 into the pool + £7,745,000 into the aligned budget = £23,405,000
    assert _line(table, COUNCIL) == {ALL_ARRANGEMENTS: 2_340_500_000, POOL: 1_566_000_000, ALIGNED: 774_500_000}
    # the ICB: £23,020,000 + £15,655,000 = £38,675,000
    assert _line(table, ICB) == {ALL_ARRANGEMENTS: 3_867_500_000, POOL: 2_302_000_000, ALIGNED: 1_565_500_000}
    # money in: £23,405,000 + £38,675,000 = £62,080,000 (pool £38,680,000, aligned £23,400,000)
    assert _line(table, "Money in") == {ALL_ARRANGEMENTS: 6_208_000_000, POOL: 3_868_000_000, ALIGNED: 2_340_000_000}
    # spend £38,380,000 + £23,400,000 = £61,780,000, out of the pool
    assert _line(table, "Spend") == {ALL_ARRANGEMENTS: -6_178_000_000, POOL: -3_838_000_000, ALIGNED: -2_340_000_000}
    # variance = spend less money in: £38,380,000 - £38,680,000 = (£300,000) underspend, the aligned budget on budget
    assert _line(table, "Variance") == {ALL_ARRANGEMENTS: -30_000_000, POOL: -30_000_000, ALIGNED: 0}
    # the £300,000 unspent contingency is carried forward, out of this year's pool, leaving nothing
    assert _line(table, "Carried forward") == {ALL_ARRANGEMENTS: -30_000_000, POOL: -30_000_000, ALIGNED: 0}
    assert _line(table, LEFT_IN_POOL) == {ALL_ARRANGEMENTS: 0, POOL: 0, ALIGNED: 0}
    text = money_flow_markdown(table)
    assert f"| {COUNCIL} | £23,405,000.00 | £15,660,000.00 | £7,745,000.00 |" in text
    assert "| Spend | (£61,780,000.00) | (£38,380,000.00) | (£23,400,000.00) |" in text
    assert ("| **Variance** | **(£300,000.00) underspend** | **(£300,000.00) underspend** | **on budget** |"
            in text)
    assert "| **Left in the pool** | **£0.00** | **£0.00** | **£0.00** |" in text


def test_an_overspend_is_shared_and_the_table_says_so(bcf: Agreement) -> None:
    # NM01's 2025-26 budget raised from £3,450,000 to £3,950,000, contributions as agreed: the pool spends
    # £38,380,000 + £500,000 = £38,880,000 against £38,680,000 in, a £200,000 overspend (board summary example).
    outputs, _ = build_outputs(apply_budget_edits(bcf, {("NM01", YEAR): 3_950_000_00}), BASE)
    table = money_flow_table(outputs, YEAR)
    assert _line(table, "Variance")[POOL] == 20_000_000
    shares = table[table["Line"].str.endswith("overspend share")]
    assert not shares.empty
    # the partners' shares make the £200,000 good (nothing is unfunded), so nothing is carried forward
    assert int(shares[POOL].sum()) == 20_000_000
    assert "Carried forward" not in table["Line"].tolist()
    assert "**£200,000.00 overspend**" in money_flow_markdown(table)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    inflation=st.floats(-5, 10).map(lambda v: round(v * 2) / 2),
    demand=st.integers(-30, 50),
    cut=st.integers(-50, 50),
    shock=st.integers(-500_000, 2_000_000),
    year=st.sampled_from(["2025-26", "2026-27"]),
)
def test_any_money_flow_adds_up_to_nothing_and_the_arrangements_to_the_whole(
        bcf: Agreement, inflation: float, demand: int, cut: int, shock: int, year: str) -> None:
    settings_ = AdhocSettings(inflation_points=inflation, demand_driver="non_elective_admissions",
                              demand_change_pct=demand, demand_from="2025-10", partner="icb",
                              contribution_change_pct=cut, contribution_from="2025-07", shock_scheme="NM01",
                              shock_amount=float(shock), shock_month="2026-02")
    adhoc, errors = adhoc_scenario(settings_, bcf, BASE)
    assert errors == []
    outputs, _ = build_outputs(bcf, apply_adhoc(BASE, adhoc))
    for arrangement in (None, "bcf_pool", "aligned_community"):
        flow = money_flow(outputs, year, arrangement)
        steps = [s.pence for s in flow.steps if not s.total]
        assert sum(steps) == 0  # every penny in is spent or placed: the books balance
        assert flow.steps[-1].label == LEFT_IN_POOL and flow.steps[-1].pence == 0
        # the running total after spend is the variance, sign turned (variance = spend less money in)
        after_spend = next(s for s in flow.steps if s.total and s.label not in ("Money in", LEFT_IN_POOL))
        assert after_spend.pence == -flow.variance
    table = money_flow_table(outputs, year)
    parts = table.drop(columns=["Line", ALL_ARRANGEMENTS]).sum(axis=1)
    assert (parts == table[ALL_ARRANGEMENTS]).all()  # line by line, the arrangements add up to the whole


@pytest.mark.parametrize("arrangement", [None, "bcf_pool", "aligned_community"])
def test_the_waterfall_draws_the_tables_figures(bcf: Agreement, arrangement: str | None) -> None:
    outputs, _ = build_outputs(apply_budget_edits(bcf, {("NM01", YEAR): 3_950_000_00}), BASE)
    flow = money_flow(outputs, YEAR, arrangement)
    trace = money_flow_waterfall(outputs, YEAR, arrangement).data[0]
    assert len(trace.x) == len(flow.steps)
    for step, value, measure in zip(flow.steps, trace.y, trace.measure, strict=True):
        assert measure == ("total" if step.total else "relative")
        if not step.total:
            assert round(value * 100) == step.pence


def test_names_from_the_file_show_as_typed_in_the_table() -> None:
    table = pd.DataFrame({"Line": ["A|B *council* contribution", "Money in"], ALL_ARRANGEMENTS: [100, 100],
                          "Pool [$1] #2": [100, 100]})
    text = money_flow_markdown(table)
    lines = text.splitlines()
    # the name's "|" would otherwise split the row; its * and [ ] and $ would be emphasis, a link and a formula
    assert lines[0] == r"| Line | All arrangements | Pool \[\$1\] \#2 |"
    assert lines[2] == r"| A\|B \*council\* contribution | £1.00 | £1.00 |"
    assert lines[3] == "| **Money in** | **£1.00** | **£1.00** |"
    assert all(line.count("|") - line.count(r"\|") == 4 for line in lines)


def test_the_page_opens_on_the_table_and_the_chart_tab_agrees_with_it() -> None:
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert app.session_state["section"] == "Summary"
    assert len(app.get("plotly_chart")) == 0  # no chart: the browser need not load plotly for the first screen
    table = next(m.value for m in app.markdown if "**Money in**" in m.value)
    assert "| **Money in** | **£62,080,000.00** |" in table
    app.session_state["section"] = "Money flow"
    app.run()
    assert not app.exception
    flow = next(c for c in app.get("plotly_chart") if c.key == "chart_flow")  # type: ignore[attr-defined]
    spec = json.loads(flow.proto.spec)
    hover = spec["data"][0]["customdata"]
    assert "£62,080,000.00" in hover and "(£300,000.00) underspend" in hover and hover[-1] == "£0.00"
    assert not [m for m in app.markdown if "**Money in**" in m.value]  # only the tab in view runs
