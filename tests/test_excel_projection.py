"""The pack's Projection sheet: each year a block of its own, Actual and Forecast marked only for a year with actuals,
and a total per year (never two years added together).

Northmoor (examples/bcf_northmoor.yaml) runs 2025-26 and 2026-27; its month 6
actuals (examples/monitoring/northmoor_actuals_m6.yaml) are for 2025-26,
April to September.
"""

from __future__ import annotations

from pathlib import Path

from conftest import P
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.io.excel import build_pack
from pooledfund.io.excel.cells import Expectations
from pooledfund.io.inputs import load_inputs
from pooledfund.model.scenario import Actuals, Scenario

ROOT = Path(__file__).resolve().parent.parent
NORTHMOOR = str(ROOT / "examples" / "bcf_northmoor.yaml")
M6 = str(ROOT / "examples" / "monitoring" / "northmoor_actuals_m6.yaml")
MONTHS = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]


def _projection(scenario: Scenario | None = None) -> tuple[Worksheet, Expectations, dict[str, int]]:
    agreement, scenarios = load_inputs(NORTHMOOR, [M6] if scenario is None else [])
    pack, expectations = build_pack(agreement, scenarios if scenario is None else [scenario])
    ws = pack["Projection"]
    return ws, expectations, {ws.cell(row=4, column=c).value: c for c in range(1, ws.max_column + 1)}


def _labelled(ws: Worksheet, col: int) -> dict[str, int]:
    """The rows whose Scheme name cell holds a marker or total label, by label."""
    return {ws.cell(row=r, column=col).value: r for r in range(5, ws.max_row + 1)
            if str(ws.cell(row=r, column=col).value or "").startswith(("20", "Total"))}


def test_only_the_year_with_actuals_is_marked_and_next_to_its_own_rows() -> None:
    ws, _, columns = _projection()
    labels = _labelled(ws, columns["Scheme name"])
    assert list(labels) == ["2025-26: actual to Sep 2025", "Total 2025-26", "Total 2026-27"]
    marker = labels["2025-26: actual to Sep 2025"]
    assert marker == 5  # the first row under the headings: the 2025-26 block
    assert [ws.cell(row=marker, column=columns[m]).value for m in MONTHS] == ["Actual"] * 6 + ["Forecast"] * 6
    # The marker leaves the Year, Arrangement and money columns empty: no sum by year or arrangement counts it.
    assert all(ws.cell(row=marker, column=columns[h]).value is None
               for h in ("Year", "Arrangement", "Forecast outturn", "Budget", "Variance"))
    assert ws.cell(row=3, column=columns["Apr"]).value is None  # nothing above the headings, over every year
    # 2026-27 is all plan: no row of its block says Actual.
    first_2026 = labels["Total 2025-26"] + 1
    assert ws.cell(row=first_2026, column=columns["Year"]).value == "2026-27"
    assert not any(ws.cell(row=r, column=columns[m]).value == "Actual"
                   for r in range(first_2026, ws.max_row + 1) for m in MONTHS)
    note = ws.cell(row=2, column=1).value
    assert ("2025-26: actual April to Sep 2025, marked above its rows; 24 schemes with no ledger actuals are at "
            "the plan profile in every month.") in note


def test_each_year_has_its_own_total_and_no_total_adds_years_together() -> None:
    ws, expectations, columns = _projection()
    labels = _labelled(ws, columns["Scheme name"])

    def expected(row: int, heading: str) -> int:
        return int(expectations.cells[("Projection", ws.cell(row=row, column=columns[heading]).coordinate)].value)

    first, second = labels["Total 2025-26"], labels["Total 2026-27"]
    # 2025-26: the budgets add up to £61,780,000.00 and the forecast outturn to £62,038,290.61 (the actuals
    # command's totals for Northmoor at month 6: the 9 schemes with actuals £20,128,290.61 + the 24 at plan
    # £41,910,000.00); the variance £258,290.61.
    assert expected(first, "Budget") == P("61,780,000.00")
    assert expected(first, "Forecast outturn") == P("62,038,290.61")
    assert expected(first, "Variance") == P("258,290.61")
    # Each total sums its own block's rows only: 2025-26 rows 6 to the row above its total, 2026-27 after it.
    outturn = columns["Forecast outturn"]
    letter = ws.cell(row=1, column=outturn).column_letter
    assert ws.cell(row=first, column=outturn).value == f"=SUM(${letter}$6:${letter}${first - 1})"
    assert ws.cell(row=second, column=outturn).value == f"=SUM(${letter}${first + 1}:${letter}${second - 1})"
    years = {ws.cell(row=r, column=columns["Year"]).value for r in range(first + 1, second)}
    assert years == {"2026-27"}
    # 2026-27's total is its own rows' (plain figures for the months, so added here): never the two years together.
    months_2026 = sum(round(ws.cell(row=r, column=columns[m]).value * 100) for r in range(first + 1, second)
                      for m in MONTHS)
    assert expected(second, "Forecast outturn") == months_2026
    assert ws.row_breaks.brk[0].id == first  # 2026-27 starts a printed page of its own


def test_a_year_all_actual_is_marked_as_its_outturn() -> None:
    whole = Actuals(year="2025-26", to_month="2026-03", schemes={"NM01": [290000] * 12})
    ws, _, columns = _projection(Scenario(id="outturn", actuals=[whole]))
    labels = _labelled(ws, columns["Scheme name"])
    assert "2025-26: outturn, all 12 months actual" in labels
    marker = labels["2025-26: outturn, all 12 months actual"]
    assert [ws.cell(row=marker, column=columns[m]).value for m in MONTHS] == ["Actual"] * 12


def test_actuals_in_the_second_year_mark_only_the_second_years_block() -> None:
    later = Actuals(year="2026-27", to_month="2026-06", schemes={"NM01": [300000, 300000, 300000]})
    ws, _, columns = _projection(Scenario(id="later", actuals=[later]))
    labels = _labelled(ws, columns["Scheme name"])
    assert list(labels) == ["Total 2025-26", "2026-27: actual to Jun 2026", "Total 2026-27"]
    marker = labels["2026-27: actual to Jun 2026"]
    assert marker == labels["Total 2025-26"] + 1  # at the top of the 2026-27 block, on its page
    assert [ws.cell(row=marker, column=columns[m]).value for m in MONTHS] == ["Actual"] * 3 + ["Forecast"] * 9
