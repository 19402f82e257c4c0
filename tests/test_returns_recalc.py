"""The return's formulas, recalculated by LibreOffice, equal the figures recorded for them to the penny.

As for the pack (tests/test_excel_recalc.py): every formula cell must have
an expected figure, every one must match after recalculation, and no cell
may show an error. Two returns: Northmoor's second quarter from the
example's actuals to September, and the end-of-year return of the pack's
stress agreement (three pools and an aligned budget, in-kind money, money
brought forward, names that look like formulas) with a whole year actual.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import load_agreement_text
from openpyxl import Workbook, load_workbook
from test_excel_recalc import STRESS, STRESS_SCENARIO, _error_cells, _mismatches
from test_returns import _pack_summary, _return_totals
from tools import recalculate

from pooledfund.io.excel.cells import Expectations
from pooledfund.io.excel.returns import build_return
from pooledfund.io.inputs import load_inputs
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent


def _recalculated(agreement: Agreement, scenario: Scenario, quarter: int,
                  folder: Path) -> tuple[Workbook, Workbook, Expectations]:
    workbook, expectations = build_return(agreement, scenario, quarter)
    book, out = folder / "return.xlsx", folder / "return_recalculated.xlsx"
    workbook.save(book)
    recalculate(str(book), str(out))
    return load_workbook(book), load_workbook(out, data_only=True), expectations


@pytest.fixture(scope="module")
def northmoor_q2(tmp_path_factory: pytest.TempPathFactory):
    agreement, [scenario] = load_inputs(str(ROOT / "examples" / "bcf_northmoor.yaml"),
                                        [str(ROOT / "examples" / "monitoring" / "northmoor_actuals_m6.yaml")])
    return _recalculated(agreement, scenario, 2, tmp_path_factory.mktemp("northmoor_q2"))


@pytest.fixture(scope="module")
def stress_year_end(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("stress_year_end")
    agreement = load_agreement_text(STRESS, folder)
    actuals = {"year": "2026-27", "to_month": "2027-03",
               "schemes": {"S1": ["40000.01"] * 12, "O2": [3333.33] * 11 + [-1000.07], "A1": [9000.5] * 12}}
    # The 2025-26 shocks are left out, so that year underspends and money is brought forward into 2026-27.
    shocks = [shock for shock in STRESS_SCENARIO["shocks"] if not shock["month"].startswith("2025")]
    scenario = Scenario.model_validate({**STRESS_SCENARIO, "shocks": shocks, "actuals": [actuals]})
    return (*_recalculated(agreement, scenario, 4, folder), agreement, scenario)


def test_every_formula_of_the_northmoor_return_equals_its_figure_to_the_penny(northmoor_q2) -> None:
    written, calculated, expectations = northmoor_q2
    assert len(expectations.cells) > 200
    assert _mismatches(written, calculated, expectations) == []
    assert _error_cells(calculated) == []


def test_every_formula_of_the_stress_year_end_return_equals_its_figure_to_the_penny(stress_year_end) -> None:
    written, calculated, expectations, _, _ = stress_year_end
    assert len(expectations.cells) > 100
    assert _mismatches(written, calculated, expectations) == []
    assert _error_cells(calculated) == []
    income = written["Income"]
    assert any(income.cell(row=r, column=2).value == "Brought forward from 2025-26" for r in range(5, income.max_row))


def test_names_that_look_like_formulas_stay_text(stress_year_end) -> None:
    written, calculated, _, _, _ = stress_year_end
    ws = written["Expenditure"]
    names = {ws.cell(row=r, column=3).value: ws.cell(row=r, column=3) for r in range(5, ws.max_row + 1)}
    for name in ("-Reablement", "@Urgent response"):
        assert names[name].data_type == "s"
        assert names[name].quotePrefix
    recalculated = calculated["Expenditure"]
    shown = {recalculated.cell(row=r, column=3).value for r in range(5, recalculated.max_row + 1)}
    assert {"-Reablement", "@Urgent response"} <= shown


def test_the_stress_returns_totals_are_the_packs(stress_year_end) -> None:
    # Three pools (in kind, a risk pool, capped shares) and an aligned budget: the partners' positions and
    # each arrangement's money in, spend and variance for 2026-27 are the pack's Summary figures.
    written, _, expectations, agreement, scenario = stress_year_end
    partners, pools = _return_totals(written, expectations)
    assert (partners, pools) == _pack_summary(agreement, scenario, "2026-27")
    assert len(partners) == 3
    assert len(pools) == 4
