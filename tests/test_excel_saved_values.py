"""Every formula of the pack is saved with the engine's figure, and status colours follow recalculation.

A reader that does not calculate (pandas, a file previewer, Excel's protected
view) sees the saved values, so they must be the engine's figures to the
penny. Pass/Fail colours come from conditional formatting, so a check that an
edit makes fail turns red when the workbook is recalculated.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import Rule
from test_excel_recalc import stale
from tools import recalculate

from pooledfund.io.excel import build_pack
from pooledfund.io.excel.cells import Expectations
from pooledfund.io.excel.export import pack_bytes
from pooledfund.io.inputs import load_inputs

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.yaml"))
#: With no scenario (the base), and with two (the first drives every sheet; the second fills Scenarios).
SCENARIOS = {"base": [], "high_inflation_and_demand_shock": ["high_inflation", "demand_shock"]}
RED, GREEN = "FFC7CE", "C6EFCE"


def _pack(example: str, scenarios: list[str]) -> tuple[bytes, Expectations]:
    agreement, loaded = load_inputs(str(ROOT / "examples" / example),
                                    [str(ROOT / "scenarios" / f"{s}.yaml") for s in scenarios])
    workbook, expectations = build_pack(agreement, loaded)
    return pack_bytes(workbook, expectations), expectations


def _saved_mismatches(saved: Workbook, formulas: Workbook, expectations: Expectations) -> list[str]:
    problems = []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                expected = expectations.cells.get((ws.title, cell.coordinate))
                value = saved[ws.title][cell.coordinate].value
                if expected is None:
                    problems.append(f"{ws.title}!{cell.coordinate}: a formula with no expected figure")
                elif expected.kind == "money":
                    # to the penny: the saved pounds times 100 is the engine's pence
                    if not (isinstance(value, (int, float)) and round(value * 100) == expected.value):
                        problems.append(f"{ws.title}!{cell.coordinate}: saved {value!r}, engine {expected.value}p")
                elif expected.kind == "number":
                    if not (isinstance(value, (int, float)) and math.isclose(value, expected.value, abs_tol=1e-9)):
                        problems.append(f"{ws.title}!{cell.coordinate}: saved {value!r}, engine {expected.value}")
                elif value != expected.value:
                    problems.append(f"{ws.title}!{cell.coordinate}: saved {value!r}, engine {expected.value!r}")
    return problems


@pytest.mark.parametrize("scenarios", sorted(SCENARIOS))
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_formula_of_every_example_is_saved_with_the_engines_figure(example: str, scenarios: str) -> None:
    data, expectations = _pack(example, SCENARIOS[scenarios])
    formulas = load_workbook(io.BytesIO(data))
    saved = load_workbook(io.BytesIO(data), data_only=True)
    count = sum(1 for ws in formulas.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f")
    assert count == len(expectations.cells) > 100
    assert _saved_mismatches(saved, formulas, expectations) == []
    if SCENARIOS[scenarios]:
        assert "Scenarios" in formulas.sheetnames


def test_pandas_reads_the_projection_and_summary_figures_without_recalculating() -> None:
    data, expectations = _pack("bcf_northmoor.yaml", ["high_inflation"])
    projection = pd.read_excel(io.BytesIO(data), sheet_name="Projection", header=3)
    outturn = projection["Forecast outturn"].dropna()
    assert len(outturn) > 10 and not projection["Variance"].isna().any()
    # every scheme-year's forecast outturn is a SUM formula; pandas sees the engine's figure
    first_outturn = next(v for (sheet, cell), v in expectations.cells.items()
                         if sheet == "Projection" and cell.startswith(_column_letter(projection, "Forecast outturn")))
    assert round(outturn.iloc[0] * 100) == first_outturn.value
    summary = pd.read_excel(io.BytesIO(data), sheet_name="Summary", header=3, nrows=4)
    assert summary["Net cost"].notna().all() and summary["Cash"].notna().all()
    assert round(summary["Net cost"].iloc[0] * 100) == expectations.cells[("Summary", "G5")].value


def _column_letter(frame: pd.DataFrame, heading: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(list(frame.columns).index(heading) + 1)


def _rule_colour(book: Workbook, sheet: str, cell: str, value: object) -> str | None:
    """The fill a cell's conditional formats give it for ``value`` (the first rule that holds, as Excel applies)."""
    ws = book[sheet]
    rules: list[tuple[int, Rule]] = []
    for formatting in ws.conditional_formatting:
        if cell in formatting.sqref:
            rules += [(r.priority, r) for r in formatting.rules]
    for _, rule in sorted(rules, key=lambda item: item[0]):
        assert rule.type == "cellIs", rule.type
        operand = rule.formula[0]
        if rule.operator == "equal":
            holds = value == (operand.strip('"') if operand.startswith('"') else float(operand))
        else:
            assert rule.operator == "greaterThan", rule.operator
            holds = isinstance(value, (int, float)) and value > float(operand)
        if holds:
            fill = rule.dxf.fill
            return str(fill.bgColor.rgb if fill.bgColor is not None else fill.fgColor.rgb)[-6:]
    return None


def test_status_cells_have_no_fixed_colour_and_rules_for_both_results() -> None:
    data, expectations = _pack("bcf_northmoor.yaml", [])
    book = load_workbook(io.BytesIO(data))
    results = [cell for (sheet, cell), e in expectations.cells.items() if sheet == "Checks" and e.value in
               ("Pass", "Fail")]
    statuses = [cell for (sheet, cell), e in expectations.cells.items() if sheet == "Checks" and e.value in
                ("Crossed", "Not crossed")]
    assert results and statuses
    for cell in results:
        assert book["Checks"][cell].fill.fill_type is None, cell
        assert _rule_colour(book, "Checks", cell, "Pass") == GREEN
        assert _rule_colour(book, "Checks", cell, "Fail") == RED
    for cell in statuses:
        assert _rule_colour(book, "Checks", cell, "Not crossed") == GREEN
        assert _rule_colour(book, "Checks", cell, "Crossed") == RED


def test_an_edit_that_fails_a_check_turns_it_red_after_recalculation(tmp_path: Path) -> None:
    agreement, _ = load_inputs(str(ROOT / "examples" / "bcf_northmoor.yaml"), [])
    workbook, expectations = build_pack(agreement, [])
    checks = workbook["Checks"]
    assert checks["A5"].value == "NHS minimum contribution" and checks["D5"].value == "at least"
    assert expectations.cells[("Checks", "F5")].value == "Pass"
    failed_count = next(cell for (sheet, cell), _ in expectations.cells.items()
                        if sheet == "Summary" and '"Fail"' in str(workbook["Summary"][cell].value))
    assert expectations.cells[("Summary", failed_count)].value == 0
    # A finance lead raises the required NHS minimum contribution far above the £21,770,000 paid in.
    checks["E5"].value = 99_999_999
    book = tmp_path / "edited.xlsx"
    book.write_bytes(pack_bytes(workbook, stale(expectations)))  # saved values say nothing true: LibreOffice works it
    recalculate(str(book), str(tmp_path / "recalculated.xlsx"))
    calculated = load_workbook(tmp_path / "recalculated.xlsx", data_only=True)
    assert calculated["Checks"]["F5"].value == "Fail"
    assert calculated["Summary"][failed_count].value == 1
    # the rules LibreOffice kept colour what the cells now read: red for the failed check and the count
    kept = load_workbook(tmp_path / "recalculated.xlsx")
    assert _rule_colour(kept, "Checks", "F5", "Fail") == RED
    assert _rule_colour(kept, "Summary", failed_count, 1) == RED
    assert _rule_colour(kept, "Checks", "F6", calculated["Checks"]["F6"].value) == GREEN
    assert kept["Checks"]["F5"].fill.fill_type is None  # no fixed fill: the colour is the rule's
