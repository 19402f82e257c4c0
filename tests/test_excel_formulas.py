"""Formulas in an imported workbook are worked out, never read as blank nor trusted blindly; template headings.

The saved values a workbook keeps beside its formulas are written into the
sheet XML here (openpyxl writes none), as Excel would after a recalculation.
"""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from pooledfund.cli.app import main
from pooledfund.io.excel import agreement_from_workbook_bytes
from pooledfund.io.excel.formulas import MAX_DEPTH, UNREADABLE, CellValues
from pooledfund.model.agreement import Agreement

HEADINGS = ["Scheme ID", "Scheme Name", "Brief Description", "Scheme Type", "Area of Spend", "Commissioner",
            "% NHS", "% LA", "Provider", "Source of Funding", "Expenditure 2025-26", "Expenditure 2026-27"]
ROW = ["R1", "Reablement", "", "Home-based intermediate care services", "Social Care", "LA", None, None, "LA",
       "Minimum NHS Contribution", 1_000_000, 1_039_000]
DFG = ["R2", "Adaptations", "", "DFG Related Schemes", "Social Care", "LA", None, None, "LA", "DFG", 250_000,
       250_000]
BUDGET_2026 = "L4"  # the 2026-27 budget of the first scheme row, below the headings on row 3


def _plan(budget_2026: object, *, other: dict[str, object] | None = None) -> Workbook:
    """A template plan whose first scheme's 2026-27 budget cell holds ``budget_2026``.

    ``other`` fills a second sheet, "Budget workings".
    """
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Expenditure"
    for col, heading in enumerate(HEADINGS, start=1):
        ws.cell(row=3, column=col, value=heading)
    for r_index, values in enumerate((ROW, DFG), start=4):
        for col, value in enumerate(values, start=1):
            ws.cell(row=r_index, column=col, value=value)
    ws[BUDGET_2026] = budget_2026
    if other is not None:
        workings = workbook.create_sheet("Budget workings")
        for coordinate, value in other.items():
            workings[coordinate] = value
    return workbook


def _bytes(workbook: Workbook, saved: dict[str, str] | None = None) -> bytes:
    """The workbook's bytes, with ``saved`` values (coordinate -> value) written beside the first sheet's formulas."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if not saved:
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode("utf-8")
                for coordinate, value in saved.items():
                    text, count = re.subn(rf'(<c r="{coordinate}"[^>]*>)(<f>[^<]*</f>)<v ?/>',
                                          rf"\g<1>\g<2><v>{value}</v>", text)
                    assert count == 1, coordinate
                content = text.encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def _read(data: bytes, *, trust: bool = False) -> tuple[Agreement | None, list[str]]:
    agreement, errors = agreement_from_workbook_bytes(data, "plan.xlsx", trust_saved_values=trust)
    return agreement, [str(e) for e in errors]


def _budget_2026(agreement: Agreement | None) -> int:
    assert agreement is not None
    return agreement.arrangements[0].schemes[0].budget["2026-27"]


# --- worked out --------------------------------------------------------------------------------


def test_an_uplift_formula_with_no_saved_value_is_worked_out_not_read_as_blank() -> None:
    # =K4*1.039 with K4 = 1,000,000: 1,000,000 x 1.039 = 1,039,000.00
    back, errors = _read(_bytes(_plan("=K4*1.039")))
    assert errors == [] and _budget_2026(back) == 103_900_000
    assert back is not None
    icb = [c for c in back.arrangements[0].contributions if c.partner == "icb" and c.year == "2026-27"]
    assert [c.cash for c in icb] == [103_900_000]  # the ICB's 2026-27 contribution is the whole budget, not half


def test_sum_over_a_range_on_another_sheet_and_round_are_worked_out() -> None:
    # 400,000 + 600,000.10 + 39,000.2 = 1,039,000.30; ROUND(..., 0) = 1,039,000
    workings = {"B2": 400_000, "B3": 600_000.10, "B4": 39_000.2, "B5": "note: not a number, SUM skips it"}
    back, errors = _read(_bytes(_plan("=ROUND(SUM('Budget workings'!B2:B5),0)", other=workings)))
    assert errors == [] and _budget_2026(back) == 103_900_000
    # a cross-sheet reference to one cell, then percentages and a leading minus: 1,100,000 - 5.5% of it
    # = 1,100,000 x 0.945 = 1,039,500.00
    back, errors = _read(_bytes(_plan("='Budget workings'!B2*(1-5.5%)", other={"B2": 1_100_000})))
    assert errors == [] and _budget_2026(back) == 103_950_000


def test_a_saved_value_that_agrees_to_half_a_penny_is_accepted() -> None:
    back, errors = _read(_bytes(_plan("=K4*1.039"), {BUDGET_2026: "1039000.004"}))
    assert errors == [] and _budget_2026(back) == 103_900_000


@pytest.mark.parametrize(("formula", "expected"), [
    ("=-2^2", "4"),  # Excel applies the leading minus first
    ("=2+3*4", "14"),
    ("=(2+3)*4", "20"),
    ("=2^3^2", "64"),  # left to right, as Excel: (2^3)^2
    ("=10/4", "2.5"),
    ("=ROUND(2.345,2)", "2.35"),  # half away from zero
    ("=ROUND(-2.5,0)", "-3"),
    ("=ROUND(1234567,-3)", "1235000"),
    ("=50%*200", "100"),
    ("=SUM(1,2,3)+SUM()", "6"),
])
def test_the_arithmetic_follows_excel(formula: str, expected: str) -> None:
    workbook = Workbook()
    workbook.active["A1"] = formula
    data = _bytes(workbook)
    values = CellValues(load_workbook(io.BytesIO(data)), load_workbook(io.BytesIO(data), data_only=True), "x.xlsx")
    result = values.value(values.formulas.active["A1"])
    assert values.errors == [] and result == Decimal(expected)


# --- refused -----------------------------------------------------------------------------------


def test_a_saved_value_the_formula_does_not_give_is_refused_showing_both() -> None:
    back, errors = _read(_bytes(_plan("=1+1"), {BUDGET_2026: "26500000"}))
    assert back is None
    assert errors == ["plan.xlsx 'Expenditure'!L4: the formula =1+1 comes to 2.00 but the workbook saved "
                      "26,500,000.00 as its value; one of them is out of date: check the formula and the figures it "
                      "uses, then recalculate and save the workbook (or type the figure)"]
    back, errors = _read(_bytes(_plan("=1+1"), {BUDGET_2026: "26500000"}), trust=True)  # trusting is no excuse
    assert back is None and "comes to 2.00" in errors[0]


def test_a_lookup_is_refused_unless_saved_values_are_trusted() -> None:
    data = _bytes(_plan("=VLOOKUP(\"R1\",N1:O9,2,FALSE)"), {BUDGET_2026: "1039000"})
    back, errors = _read(data)
    assert back is None and errors == [
        "plan.xlsx 'Expenditure'!L4: the formula =VLOOKUP(\"R1\",N1:O9,2,FALSE) cannot be checked (it uses the "
        "function VLOOKUP, and this tool works out only SUM and ROUND); type the figure, or pass "
        "--trust-saved-values to use the value the workbook saved"]
    back, errors = _read(data, trust=True)
    assert errors == [] and _budget_2026(back) == 103_900_000


def test_a_lookup_with_no_saved_value_is_refused_even_when_trusted() -> None:
    back, errors = _read(_bytes(_plan("=VLOOKUP(\"R1\",N1:O9,2,FALSE)")), trust=True)
    assert back is None and len(errors) == 1
    assert "the workbook saved no value for it" in errors[0] and errors[0].startswith("plan.xlsx 'Expenditure'!L4:")


def test_a_formula_that_refers_back_to_itself_is_refused() -> None:
    workbook = _plan("=N4+1")
    workbook.active["N4"] = "=L4*2"
    back, errors = _read(_bytes(workbook))
    assert back is None and errors == [
        "plan.xlsx 'Expenditure'!L4: the formula =N4+1 refers back to itself ('Expenditure'!L4 -> 'Expenditure'!N4 "
        "-> 'Expenditure'!L4); a formula cannot depend on its own result: type the figure"]


@pytest.mark.parametrize(("formula", "says"), [
    ("=K4/0", "the formula =K4/0 divides by zero"),
    ("='Missing sheet'!A1", "refers to the sheet 'Missing sheet', which this workbook does not have"),
    ("=K4*A:A", "it uses the whole column or row A:A"),
    ("=Budget2026", "it uses the name 'Budget2026', which this tool does not look up"),
    ("=[1]Sheet1!A1", "it refers to another workbook"),
    ("=K4+C4", "does arithmetic on 'Expenditure'!C4, which holds"),
    ("=ROUND(K4)", "gives ROUND 1 arguments"),
    ("=IF(K4>0,K4,0)", "it uses the function IF"),
])
def test_formulas_beyond_simple_arithmetic_are_refused_at_their_cell(formula: str, says: str) -> None:
    workbook = _plan(formula)
    workbook.active["C4"] = "six weeks at home"
    back, errors = _read(_bytes(workbook))
    assert back is None and len(errors) == 1
    assert errors[0].startswith("plan.xlsx 'Expenditure'!L4: ") and says in errors[0]


def test_a_problem_in_a_cell_a_formula_uses_names_that_cell() -> None:
    back, errors = _read(_bytes(_plan("='Budget workings'!B2*1.039", other={"B2": "=VLOOKUP(1,C1:D2,2)"})))
    assert back is None and errors[0].startswith("plan.xlsx 'Expenditure'!L4: it uses 'Budget workings'!B2, where "
                                                 "the formula =VLOOKUP(1,C1:D2,2) cannot be checked")


def test_a_long_chain_of_formulas_is_cut_off() -> None:
    other = {f"A{n}": f"=A{n + 1}" for n in range(1, MAX_DEPTH + 5)}
    other[f"A{MAX_DEPTH + 5}"] = 1
    back, errors = _read(_bytes(_plan("='Budget workings'!A1", other=other)))
    assert back is None and len(errors) == 1 and f"a chain of more than {MAX_DEPTH} formulas" in errors[0]


def test_the_command_line_option_trusts_saved_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book, out = tmp_path / "plan.xlsx", tmp_path / "plan.yaml"
    book.write_bytes(_bytes(_plan("=VLOOKUP(\"R1\",N1:O9,2,FALSE)"), {BUDGET_2026: "1039000"}))
    assert main(["import-xlsx", str(book), "-o", str(out)]) == 1
    assert "--trust-saved-values" in capsys.readouterr().err
    assert main(["import-xlsx", str(book), "-o", str(out), "--trust-saved-values"]) == 0
    err = capsys.readouterr().err
    assert "Read 'Expenditure' rows 4-5 (2 scheme rows): Scheme ID <- column A 'Scheme ID'" in err


# --- the template's headings ---------------------------------------------------------------------


@pytest.mark.parametrize(("index", "heading"), [
    (0, "Scheme ID"), (0, "Scheme Ref"), (0, "Scheme Reference"), (0, "Scheme No."),
    (1, "Scheme Name"), (1, "Name of Scheme"),
    (2, "Brief Description of Scheme"), (2, "Scheme Description"),
    (9, "Funding Source"),
    (10, "Expenditure for 2025-26 (£)"), (10, "Expenditure (£) 2025-26"), (10, "Expenditure 2025-26 (£)"),
    (10, "2025-26 Expenditure (£)"), (10, "Planned Expenditure 2025/26"), (10, "Expenditure £ 2025-26"),
])
def test_each_template_heading_variant_is_read_and_named(index: int, heading: str) -> None:
    headings = [*HEADINGS]
    headings[index] = heading
    workbook = _plan(1_039_000)
    ws = workbook.active
    for col, text in enumerate([*headings, "Total 2025-27 Expenditure (£)", "Expected outputs 2025-26", "Units"],
                               start=1):
        ws.cell(row=3, column=col, value=text)
    notes: list[str] = []
    back, errors = agreement_from_workbook_bytes(_bytes(workbook), "plan.xlsx", notes=notes)
    assert [str(e) for e in errors] == [] and back is not None
    scheme = back.arrangements[0].schemes[0]
    assert (scheme.id, scheme.name, scheme.budget["2025-26"]) == ("R1", "Reablement", 100_000_000)
    wanted = ["Scheme ID", "Scheme Name", "Brief Description", "Scheme Type", "Area of Spend", "Commissioner",
              "% NHS", "% LA", "Provider", "Source of Funding", "Expenditure 2025-26", "Expenditure 2026-27"][index]
    letter = "ABCDEFGHIJKL"[index]
    assert notes == [note for note in notes if note.startswith("Read 'Expenditure' rows 4-5 (2 scheme rows): ")]
    assert f"{wanted} <- column {letter} {heading!r}" in notes[0]
    assert "not modelled, ignored: 'Total 2025-27 Expenditure (£)', 'Expected outputs 2025-26', 'Units'" in notes[0]


# --- figures too large to be a pooled-budget figure --------------------------------------------


@pytest.mark.parametrize(("budget", "shown"), [
    ("=10^400", "1E+400"),  # a result far past a float's range: Decimal holds it, the size check refuses it
    ("=10^15*10^15", "1E+30"),
    ("=K4*10^20", "1E+26"),  # K4 is 1,000,000: 10^6 x 10^20 = 10^26
    (1e30, "1e+30"),  # typed, not a formula
    (-1e30, "-1e+30"),
])
def test_a_figure_too_large_is_refused_at_its_cell_not_a_crash(budget: object, shown: str) -> None:
    agreement, errors = _read(_bytes(_plan(budget)))
    assert agreement is None
    assert errors == [f"plan.xlsx 'Expenditure'!{BUDGET_2026}: {shown} is more than £100,000,000,000, far beyond "
                      "any pooled budget; check the figure"]


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan")])
def test_a_cell_that_is_not_a_finite_number_is_refused_at_its_cell(number: float) -> None:
    # openpyxl cannot save these, so the cell is set on a workbook in memory, as a damaged file could give them
    workbook = Workbook()
    workbook.active["B2"] = number
    values = CellValues(workbook, workbook, "book.xlsx")
    assert values.value(workbook.active["B2"]) is UNREADABLE
    assert [str(e) for e in values.errors] == [f"book.xlsx 'Sheet'!B2: {number!r} is not a number; type the figure"]


def test_a_formula_that_overflows_the_arithmetic_is_refused_at_its_cell() -> None:
    # 10^999999 x 10^999999 is past the largest exponent Decimal can hold (an Overflow, not a result)
    agreement, errors = _read(_bytes(_plan("=10^999999*10^999999")))
    assert agreement is None
    assert errors == [f"plan.xlsx 'Expenditure'!{BUDGET_2026}: the formula =10^999999*10^999999 comes to a number "
                      "too large to work out; check the formula or type the figure"]


def test_a_huge_figure_in_a_cell_a_formula_uses_names_that_cell() -> None:
    agreement, errors = _read(_bytes(_plan("='Budget workings'!B2/10^25", other={"B2": 1e30})))
    # 10^30 / 10^25 = 100,000: a sensible result, but the figure it was worked out from is not a figure at all
    assert agreement is None
    assert len(errors) == 1 and "'Budget workings'!B2" in errors[0] and "more than £100,000,000,000" in errors[0]
