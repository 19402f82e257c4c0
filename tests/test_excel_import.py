"""Reading workbooks back: lossless round trips, a plain BCF template plan, and one clear error per problem."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from pooledfund.cli.app import main
from pooledfund.engine.runner import run
from pooledfund.io.agreement_yaml import agreement_yaml
from pooledfund.io.excel import agreement_from_workbook_bytes, import_workbook, workbook_bytes
from pooledfund.io.excel.flatten import PathError, flatten, parse_path, read_value, unflatten
from pooledfund.io.inputs import load_inputs
from pooledfund.io.loader import load_agreement
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
TEMPLATE_HEADINGS = ["Scheme ID", "Scheme Name", "Brief Description", "Scheme Type", "Sub Types",
                     "Expected outputs", "Area of Spend", "Commissioner", "% NHS", "% LA", "Provider",
                     "Source of Funding", "Expenditure 2025-26", "Expenditure 2026-27", "New/Existing"]
GOOD_ROWS = [
    ["R1", "Reablement", "Six weeks at home", "Home-based intermediate care services", "Reablement", 120,
     "Social Care", "LA", None, None, "LA", "Minimum NHS Contribution", 1_000_000, 1_039_000, "Existing"],
    ["R2", "Step-down beds", "", "Bed based intermediate Care Services", "", None, "Community Health", "Joint",
     60, 40, "NHS Community Provider", "Minimum NHS Contribution", 500_000.5, 519_500, "New"],
    ["R3", "Adaptations", "", "DFG Related Schemes", "", None, "Social Care", "LA", None, None, "LA", "DFG",
     250_000, 250_000, "existing"],
]


def _dump(agreement: Agreement) -> dict:
    """Everything an agreement says (records compare their private file locations too, so compare dumps)."""
    return agreement.model_dump(mode="python", by_alias=True)


def _template(rows: list[list[object]] = GOOD_ROWS, headings: list[str] = TEMPLATE_HEADINGS, *,
              header_row: int = 3, sheet: str = "Expenditure") -> Workbook:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.cell(row=1, column=1, value="Better Care Fund 2025-26 planning template: expenditure")
    for col, heading in enumerate(headings, start=1):
        ws.cell(row=header_row, column=col, value=heading)
    for r_index, values in enumerate(rows, start=header_row + 1):
        for col, value in enumerate(values, start=1):
            ws.cell(row=r_index, column=col, value=value)
    return workbook


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _errors(workbook: Workbook) -> list[str]:
    agreement, errors = agreement_from_workbook_bytes(_bytes(workbook), "plan.xlsx")
    assert agreement is None
    return [str(e) for e in errors]


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_agreement_to_workbook_to_agreement_is_lossless(path: Path) -> None:
    agreement, _ = load_inputs(str(path), [])
    back, errors = agreement_from_workbook_bytes(workbook_bytes(agreement, []), "pack.xlsx")
    assert errors == []
    assert back is not None and _dump(back) == _dump(agreement)
    # and it runs to the same figures
    assert run(back).to_json() == run(agreement).to_json()


def test_the_cover_fields_come_back_from_the_pack(load_doc) -> None:
    text = (ROOT / "examples" / "bcf_northmoor.yaml").read_text(encoding="utf-8")
    text = text.replace("\n  years:", "\n  status: final\n  meeting: Northmoor Health and Wellbeing Board\n"
                        "  meeting_date: 2025-03-12\n  board_chair: Cllr Pat Jones\n  years:", 1)
    text = text.replace("\n    kind: unitary_council\n", "\n    kind: unitary_council\n    chief_executive: Sam Lee\n"
                        "    finance_officer: Ali Khan\n", 1)
    agreement = load_doc(text)
    assert (agreement.status, agreement.meeting_date.isoformat(), agreement.partners[0].finance_officer) == (
        "final", "2025-03-12", "Ali Khan")
    back, errors = agreement_from_workbook_bytes(workbook_bytes(agreement, []), "pack.xlsx")
    assert errors == [] and back is not None and _dump(back) == _dump(agreement)
    assert back.board_chair == "Cllr Pat Jones" and back.partners[0].chief_executive == "Sam Lee"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_agreement_yaml_writes_an_equal_agreement(path: Path, tmp_path: Path) -> None:
    agreement, _ = load_inputs(str(path), [])
    out = tmp_path / "again.yaml"
    out.write_text(agreement_yaml(agreement, "written by a test"), encoding="utf-8")
    again, errors = load_agreement(out)
    assert errors == [] and again is not None
    assert _dump(again) == _dump(agreement)
    assert out.read_text(encoding="utf-8").startswith("# written by a test\n")


def test_import_xlsx_command_writes_a_loadable_lossless_agreement(tmp_path: Path) -> None:
    source = ROOT / "examples" / "ld_pooled_budget.yaml"
    book, out = tmp_path / "pack.xlsx", tmp_path / "back.yaml"
    assert main(["export", str(source), "--xlsx", str(book)]) == 0
    assert main(["import-xlsx", str(book), "-o", str(out)]) == 0
    original, _ = load_inputs(str(source), [])
    back, errors = load_agreement(out)
    assert errors == [] and back is not None and _dump(back) == _dump(original)
    assert main(["import-xlsx", str(book), "-o", str(out)]) == 1  # exists: not replaced without --force
    assert main(["import-xlsx", str(book), "-o", str(out), "--force"]) == 0


def test_edits_on_the_exported_plan_are_read_back(tmp_path: Path) -> None:
    agreement, _ = load_inputs(str(ROOT / "examples" / "bcf_northmoor.yaml"), [])
    workbook = load_workbook(io.BytesIO(workbook_bytes(agreement, [])))
    ws = workbook["Expenditure plan"]
    assert ws["A5"].value == "NM01"
    ws["B5"].value = "Northmoor Reablement and Home First"
    ws["E5"].value = "Reablement at home (discharge and step-up)"
    back, errors = agreement_from_workbook_bytes(_bytes(workbook), "edited.xlsx")
    assert errors == [] and back is not None
    scheme = back.arrangements[0].schemes[0]
    assert (scheme.name, scheme.sub_type) == ("Northmoor Reablement and Home First",
                                              "Reablement at home (discharge and step-up)")
    kept = agreement.arrangements[0].schemes[0]
    assert [d.model_dump() for d in scheme.cost_drivers] == [d.model_dump() for d in kept.cost_drivers]


def test_a_second_scenario_does_not_change_what_is_read_back() -> None:
    agreement, _ = load_inputs(str(ROOT / "examples" / "bcf_northmoor.yaml"), [])
    cut = Scenario.model_validate({"id": "cut", "contribution_changes": [
        {"partner": "council", "from": "2025-10-01", "change_pct": -10}]})
    back, errors = agreement_from_workbook_bytes(workbook_bytes(agreement, [cut, Scenario(id="base")]), "x.xlsx")
    assert errors == [] and back is not None and _dump(back) == _dump(agreement)


# --- a plain template plan ----------------------------------------------------------------------


def test_a_template_plan_with_header_on_row_3_and_blank_rows_is_read() -> None:
    rows = [GOOD_ROWS[0], [None] * 15, GOOD_ROWS[1], GOOD_ROWS[2], [None] * 15, ["Total"] + [None] * 14]
    agreement, errors = agreement_from_workbook_bytes(_bytes(_template(rows)), "Northmoor plan.xlsx")
    assert errors == [] and agreement is not None
    assert agreement.years == ["2025-26", "2026-27"]
    schemes = {s.id: s for s in agreement.arrangements[0].schemes}
    assert list(schemes) == ["R1", "R2", "R3"]
    assert schemes["R1"].commissioner == "council"
    assert schemes["R2"].commissioner_split() == {"icb": 60, "council": 40}
    assert schemes["R2"].budget["2025-26"] == 50_000_050  # £500,000.50
    assert schemes["R2"].new_or_existing == "new" and schemes["R3"].new_or_existing == "existing"
    # each source's income is its planned spend: NHS minimum 1,000,000 + 500,000.50 = 1,500,000.50 from the ICB
    contributions = {(c.partner, c.year, c.source.value): c.cash for c in agreement.arrangements[0].contributions}
    assert contributions[("icb", "2025-26", "nhs_minimum")] == 150_000_050
    assert contributions[("council", "2026-27", "dfg")] == 25_000_000
    assert agreement.id == "northmoor-plan"


def test_the_sheet_can_be_named(tmp_path: Path) -> None:
    workbook = _template(sheet="4. Expenditure")
    workbook.create_sheet("Notes", 0)
    path = tmp_path / "plan.xlsx"
    workbook.save(path)
    agreement, errors = import_workbook(path, sheet="4. Expenditure")
    assert errors == [] and agreement is not None
    agreement, errors = import_workbook(path, sheet="Income")
    assert agreement is None
    assert errors[0].message == "there is no sheet called 'Income'; the sheets are 'Notes', '4. Expenditure'"


# --- one clear error per problem --------------------------------------------------------------


def test_a_missing_column_is_named_with_its_header_row() -> None:
    headings = [h for h in TEMPLATE_HEADINGS if h != "Source of Funding"]
    rows = [[v for i, v in enumerate(r) if TEMPLATE_HEADINGS[i] != "Source of Funding"] for r in GOOD_ROWS]
    errors = _errors(_template(rows, headings))
    assert len(errors) == 1
    assert errors[0].startswith("plan.xlsx 'Expenditure'!3:3: the column 'Source of Funding' is missing from the "
                                "header row (row 3)")


def test_a_renamed_column_points_at_its_heading() -> None:
    headings = ["Scheme Typ" if h == "Scheme Type" else h for h in TEMPLATE_HEADINGS]
    assert _errors(_template(GOOD_ROWS, headings)) == [
        "plan.xlsx 'Expenditure'!D3: the column is headed 'Scheme Typ'; "
        "expected 'Scheme Type' (the template's heading)"]


def test_merged_cells_in_the_plan_are_refused() -> None:
    workbook = _template()
    workbook.active.merge_cells("B5:C5")
    assert _errors(workbook) == [
        "plan.xlsx 'Expenditure'!B5:C5: merged cells; "
        "unmerge them so that each scheme has its own value in each column"]


def test_text_in_a_money_cell_is_located() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][13] = "TBC"
    # the same words as a text amount on Contributions: both cells are read by one parser
    assert _errors(_template(rows)) == [
        "plan.xlsx 'Expenditure'!N5: expected an amount in pounds such as 1250000.00, got 'TBC'"]


def test_an_amount_typed_as_text_with_a_pound_sign_and_commas_is_read() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][12] = "£2,850,000"  # 2025-26, text, as pasted from a report: £2,850,000.00 = 285,000,000 pence
    rows[1][12] = " 1,250.50 "  # £1,250.50 = 125,050 pence
    agreement, errors = agreement_from_workbook_bytes(_bytes(_template(rows)), "plan.xlsx")
    assert errors == [] and agreement is not None
    schemes = agreement.arrangements[0].schemes
    assert schemes[0].budget["2025-26"] == 285_000_000
    assert schemes[1].budget["2025-26"] == 125_050


def test_a_date_in_a_money_cell_is_called_a_date() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][13] = datetime.datetime(2025, 4, 1)
    assert _errors(_template(rows)) == [
        "plan.xlsx 'Expenditure'!N5: a date (1 April 2025), not an amount; type the amount in pounds, such as "
        "1250000.00"]


def test_a_repeated_scheme_id_names_both_rows() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][0] = rows[0][0]  # the second scheme (row 5) given the first's ID (row 4)
    assert _errors(_template(rows)) == [
        f"plan.xlsx 'Expenditure'!A4 and A5: scheme {rows[0][0]!r} is listed twice (rows 4 and 5); each scheme ID "
        "must be unique: give one row a new ID or delete it"]


def test_fractions_of_a_penny_and_negative_money_are_located() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][12] = 1000.005
    rows[2][13] = -5
    errors = _errors(_template(rows))
    assert errors[0].startswith("plan.xlsx 'Expenditure'!M4: 1000.005 has fractions of a penny")
    assert errors[1] == "plan.xlsx 'Expenditure'!N6: -5 is negative; a planned expenditure must be zero or more"


def test_unknown_words_from_the_templates_lists_are_located() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][3] = "Home Care Plus"
    rows[1][6] = "Hospital"
    rows[2][11] = "Lottery"
    errors = _errors(_template(rows))
    assert errors[0].startswith("plan.xlsx 'Expenditure'!D4: 'Home Care Plus' is not a BCF scheme type; expected one "
                                "of: Assistive Technologies and Equipment;")
    assert errors[1].startswith("plan.xlsx 'Expenditure'!G5: 'Hospital' is not a area of spend in the template's list")
    assert errors[2].startswith("plan.xlsx 'Expenditure'!L6: 'Lottery' is not a source of funding in the template's")
    assert len(errors) == 3


def test_a_joint_scheme_without_percentages_and_an_empty_id() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][8] = None
    rows[2][0] = None
    assert _errors(_template(rows)) == [
        "plan.xlsx 'Expenditure'!H5: a Joint scheme needs its % NHS and % LA filled in",
        "plan.xlsx 'Expenditure'!A6: Scheme ID is empty; every scheme row needs one",
    ]


def test_text_in_a_percentage_cell_and_an_unknown_commissioner() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][8] = "sixty"
    rows[0][7] = "Parish"
    errors = _errors(_template(rows))
    assert errors == [
        "plan.xlsx 'Expenditure'!H4: 'PARISH' is not a commissioner in the template's list; expected LA, ICB or Joint",
        "plan.xlsx 'Expenditure'!I5: 'sixty' is text; expected a percentage as a number, such as 60",
    ]  # one error for the text: no second "needs its % filled in" for the same cell


def test_no_header_row_no_year_columns_and_no_rows() -> None:
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    workbook.active["A1"] = "nothing here"
    assert _errors(workbook) == [("plan.xlsx: no sheet has an expenditure plan: expected a header row with Scheme ID, "
                                  "Scheme Name, Scheme Type, Area of Spend, Commissioner, Provider, Source of Funding "
                                  "and Expenditure columns by year")]
    headings = [h for h in TEMPLATE_HEADINGS if not h.startswith("Expenditure")]
    errors = _errors(_template([], headings))
    assert errors == [("plan.xlsx 'Expenditure'!3:3: no expenditure columns in the header row (row 3); expected one "
                       "per year headed like 'Expenditure 2025-26'")]
    assert _errors(_template([])) == ["plan.xlsx 'Expenditure': no scheme rows under the header row (row 3)"]


def test_a_year_heading_that_is_not_a_financial_year() -> None:
    headings = ["Expenditure 2025-27" if h == "Expenditure 2026-27" else h for h in TEMPLATE_HEADINGS]
    errors = _errors(_template(GOOD_ROWS, headings))
    assert errors[0].startswith("plan.xlsx 'Expenditure'!N3: the heading 'Expenditure 2025-27': '2025-27' is not a "
                                "financial year")


def test_not_a_workbook_and_too_big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    agreement, errors = agreement_from_workbook_bytes(b"name,budget\nR1,100\n", "plan.csv")
    assert agreement is None
    assert [str(e) for e in errors] == ["plan.csv: this is not an Excel workbook (.xlsx); save it as an Excel workbook"]
    from pooledfund.io.excel import importer

    monkeypatch.setattr(importer, "MAX_WORKBOOK_BYTES", 1000)
    data = _bytes(_template())
    _, errors = agreement_from_workbook_bytes(data, "big.xlsx")
    assert str(errors[0]) == f"big.xlsx: the file is {len(data):,} bytes; workbooks over 1,000 bytes are refused"
    path = tmp_path / "big.xlsx"
    path.write_bytes(data)
    _, errors = import_workbook(path)
    assert errors[0].message.startswith(f"the file is {len(data):,} bytes")
    _, errors = import_workbook(tmp_path / "missing.xlsx")
    assert errors[0].message.startswith("cannot read the file")


def test_a_zip_bomb_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    from pooledfund.io.excel import importer

    monkeypatch.setattr(importer, "MAX_UNPACKED_BYTES", 2000)
    _, errors = agreement_from_workbook_bytes(_bytes(_template()), "bomb.xlsx")
    assert errors[0].message.startswith("the workbook unpacks to ")


def test_a_broken_inputs_table_is_located() -> None:
    agreement, _ = load_inputs(str(ROOT / "examples" / "ld_pooled_budget.yaml"), [])
    workbook = load_workbook(io.BytesIO(workbook_bytes(agreement, [])))
    ws = workbook["Assumptions"]
    row = next(c.row for c in ws["B"] if c.value == "agreement.title")
    ws[f"B{row}"].value = "agreement..title"
    ws[f"C{row + 1}"].value = "colour"
    errors = _errors(workbook)
    assert errors[0] == f"plan.xlsx 'Assumptions'!B{row}: 'agreement..title' is not a field path (stopped at '..title')"
    assert errors[1].startswith(f"plan.xlsx 'Assumptions'!C{row + 1}: agreement.place: 'colour' is not a type")


def test_an_unknown_arrangement_on_the_exported_plan_is_located() -> None:
    agreement, _ = load_inputs(str(ROOT / "examples" / "ld_pooled_budget.yaml"), [])
    workbook = load_workbook(io.BytesIO(workbook_bytes(agreement, [])))
    ws = workbook["Expenditure plan"]
    column = next(c.column_letter for c in ws[4] if c.value == "Arrangement")
    ws[f"{column}6"].value = "ld_poool"
    assert _errors(workbook) == [(f"plan.xlsx 'Expenditure plan'!{column}6: 'ld_poool' is not one of the "
                                  "agreement's arrangements (ld_pool)")]


# --- the flat input rows --------------------------------------------------------------------------


def test_flatten_and_unflatten_are_inverse_including_awkward_keys() -> None:
    data = {"a": {"b.c": [1, {"x": None, "y": []}], "2025-26": True, "e": {}}, "t": "=SUM(A1)"}
    rows = flatten(data)
    assert ('a["b.c"][1].x', "none", None) in rows
    rebuilt = unflatten([(parse_path(path), read_value(kind, value)) for path, kind, value in rows])
    assert rebuilt == data


@pytest.mark.parametrize(("rows", "message"), [
    ([(["a", 1], 1)], "item [1] comes before item [0]"),
    ([(["a"], 1), (["a"], 2)], "a is given twice"),
    ([(["a", 0], 1), (["a", "b"], 2)], ".b follows a list"),
])
def test_unflatten_refuses_gaps_and_clashes(rows: list, message: str) -> None:
    with pytest.raises(PathError, match=message.replace("[", r"\[").replace("]", r"\]")):
        unflatten(rows)


def test_read_value_checks_the_type() -> None:
    with pytest.raises(PathError, match="expected a number"):
        read_value("number", "12")
    with pytest.raises(PathError, match="expected yes or no"):
        read_value("yes/no", "maybe")
    assert read_value("text", None) == "" and read_value("yes/no", "no") is False


# --- edits to an exported pack that must be read or refused, never dropped --------------------------


def _pack(example: str = "bcf_northmoor.yaml") -> tuple[Agreement, Workbook]:
    agreement, _ = load_inputs(str(ROOT / "examples" / example), [])
    return agreement, load_workbook(io.BytesIO(workbook_bytes(agreement, [])))


def _read(workbook: Workbook) -> Agreement:
    agreement, errors = agreement_from_workbook_bytes(_bytes(workbook), "plan.xlsx")
    assert errors == [] and agreement is not None
    return agreement


def _total_row(ws: object) -> int:
    return next(c.row for c in ws["A"] if c.value == "Total")  # type: ignore[index]


def test_a_scheme_below_the_total_row_is_refused_not_dropped() -> None:
    _, workbook = _pack()
    ws = workbook["Expenditure plan"]
    total = _total_row(ws)
    for col in range(1, ws.max_column + 1):
        ws.cell(row=total + 1, column=col, value=ws.cell(row=5, column=col).value)
    ws.cell(row=total + 1, column=1, value="NM99")
    assert _errors(workbook) == [
        (f"plan.xlsx 'Expenditure plan'!A{total + 1}: this row is below the Total row (row {total}), so it is not part "
        "of the plan; insert schemes above the Total row, or delete this row")]


def test_a_lone_figure_below_the_total_of_a_plain_plan_is_located() -> None:
    rows = [*GOOD_ROWS, ["Total"] + [None] * 14, [None] * 13 + [5000, None]]
    assert _errors(_template(rows)) == [
        ("plan.xlsx 'Expenditure'!A8: this row is below the Total row (row 7), so it is not part of the plan; insert "
        "schemes above the Total row, or delete this row")]


def test_two_expenditure_columns_for_one_year_are_refused() -> None:
    _, workbook = _pack()
    ws = workbook["Expenditure plan"]
    assert (ws["L4"].value, ws["M4"].value) == ("Expenditure 2025-26", "Expenditure 2026-27")
    ws["M4"].value = "Expenditure 2025-26"
    assert _errors(workbook) == [
        "plan.xlsx 'Expenditure plan'!M4: the column 'Expenditure 2025-26' appears twice; keep one"]


def test_a_merged_heading_is_refused() -> None:
    _, workbook = _pack()
    workbook["Expenditure plan"].merge_cells("L4:M4")
    assert _errors(workbook) == [
        ("plan.xlsx 'Expenditure plan'!L4:M4: merged cells in the header row; unmerge them so that each column has its "
        "own heading (a merged heading hides the columns under it)")]


def test_a_merged_title_banner_above_the_header_is_fine() -> None:
    agreement, workbook = _pack()
    workbook["Expenditure plan"].merge_cells("A1:P1")
    assert _dump(_read(workbook)) == _dump(agreement)


def test_a_commissioner_edit_that_contradicts_the_split_names_both_cells() -> None:
    _, workbook = _pack()
    ws = workbook["Expenditure plan"]
    assert [ws[c].value for c in ("A5", "G5", "H5", "I5", "P5")] == ["NM01", "LA", 0, 100, "council"]
    ws["G5"].value = "ICB"
    assert _errors(workbook) == [
        ("plan.xlsx 'Expenditure plan'!G5: Commissioner ICB does not match the Commissioner split in P5 ('council', "
        "which is LA, % NHS 0, % LA 100); the split decides who commissions the scheme: make the two agree, or clear "
        "P5 to use Commissioner, % NHS and % LA")]
    _, workbook = _pack()
    ws = workbook["Expenditure plan"]
    assert [ws[c].value for c in ("A7", "G7", "H7", "I7", "P7")] == ["NM03", "Joint", 60, 40, "icb 60%; council 40%"]
    ws["H7"].value, ws["I7"].value = 70, 30
    assert _errors(workbook) == [
        ("plan.xlsx 'Expenditure plan'!H7: % NHS 70 does not match the Commissioner split in P7 ('icb 60%; council "
        "40%', which is Joint, % NHS 60, % LA 40); the split decides who commissions the scheme: make the two agree, "
        "or clear P7 to use Commissioner, % NHS and % LA")]


def test_a_commissioner_edit_with_the_split_cleared_is_applied() -> None:
    _, workbook = _pack()
    ws = workbook["Expenditure plan"]
    ws["G5"].value, ws["H5"].value, ws["I5"].value, ws["P5"].value = "ICB", 100, 0, None
    ws["H7"].value, ws["I7"].value, ws["P7"].value = 70, 30, None
    schemes = {s.id: s for s in _read(workbook).arrangements[0].schemes}
    assert schemes["NM01"].commissioner == "icb"
    assert schemes["NM03"].commissioner_split() == {"icb": 70, "council": 30}
    # and an edit to both that agree is read too
    _, workbook = _pack()
    ws = workbook["Expenditure plan"]
    ws["G5"].value, ws["H5"].value, ws["I5"].value, ws["P5"].value = "ICB", 100, 0, "icb"
    assert _read(workbook).arrangements[0].schemes[0].commissioner == "icb"
    ws["P7"].value = "icb 70%; council 40%"
    assert _errors(workbook) == [("plan.xlsx 'Expenditure plan'!P7: the shares in 'icb 70%; council 40%' add up to "
                                 "110%; each must be 0 to 100 and together they must add up to 100")]


def test_a_cleared_split_that_fits_two_partners_asks_for_the_split() -> None:
    _, workbook = _pack("residential_lead_commissioning.yaml")
    ws = workbook["Expenditure plan"]
    column = {c.value: c.column_letter for c in ws[4]}
    ws[f"{column['Commissioner']}5"].value, ws[f"{column['Commissioner split']}5"].value = "NHS", None
    assert _errors(workbook) == [
        ("plan.xlsx 'Expenditure plan'!G5: Commissioner NHS cannot be matched to one partner: an NHS body is more than "
        "one of the agreement's partners (icb, trust); write the partner ids in the Commissioner split column, e.g. "
        "'icb 60%; council 40%'")]


def test_a_pack_with_a_damaged_inputs_table_is_refused_not_rebuilt_generically() -> None:
    _, workbook = _pack()
    ws = workbook["Assumptions"]
    header = next(c.row for c in ws["A"] if c.value == "Input of")
    ws.delete_cols(3)
    assert _errors(workbook) == [
        (f"plan.xlsx 'Assumptions'!A{header}:D{header}: the Inputs table's headings should read Input of, Field, Type, "
        "Value in columns A to D, but they are 'Input of', 'Field', 'Value', None; a column has been deleted or "
        "moved, so the agreement cannot be rebuilt: undo that, or export the pack again, or import the plan alone by "
        "copying the Expenditure plan sheet into a new workbook")]
    _, workbook = _pack()
    del workbook["Assumptions"]
    assert _errors(workbook) == [
        ("plan.xlsx: this is a pooledfund pack (it has the pack's defined names, such as pf_bcf_pool_cap_council) but "
        "its 'Assumptions' sheet is missing; the agreement is rebuilt from that sheet's Inputs table: export the pack "
        "again, or import the plan alone by copying the Expenditure plan sheet into a new workbook")]


def test_a_pack_without_defined_names_is_recognised_by_its_sheets_and_a_plain_cover_is_not() -> None:
    _, workbook = _pack("ld_pooled_budget.yaml")
    for defined in list(workbook.defined_names):
        del workbook.defined_names[defined]
    del workbook["Assumptions"]
    assert _errors(workbook)[0].startswith("plan.xlsx: this is a pooledfund pack (it has the pack's Cover, Summary, "
                                           "Contributions, Projection, Risk share, Checks sheets)")
    plain = _template()
    plain.create_sheet("Cover", 0)
    plain.create_sheet("Summary", 1)
    agreement, errors = agreement_from_workbook_bytes(_bytes(plain), "plan.xlsx")
    assert errors == [] and agreement is not None and agreement.partner("council") is not None


def test_an_inputs_table_without_agreement_rows_is_located() -> None:
    _, workbook = _pack("ld_pooled_budget.yaml")
    ws = workbook["Assumptions"]
    header = next(c.row for c in ws["A"] if c.value == "Input of")
    for cell in ws["A"][header:]:
        if cell.value == "agreement":
            cell.value = "agreed"
    assert _errors(workbook) == [
        (f"plan.xlsx 'Assumptions'!A{header}:D{header}: the Inputs table has no 'agreement' rows; they hold the "
        "agreement: export the pack again, or import the plan alone by copying the Expenditure plan sheet into a new "
        "workbook")]


def test_a_wrong_inputs_value_points_at_the_value_cell() -> None:
    _, workbook = _pack()
    ws = workbook["Assumptions"]
    in_kind = next(c.row for c in ws["B"] if c.value == "arrangements[0].contributions[0].in_kind")
    ws[f"D{in_kind}"].value = "£20,150,000"
    assert _errors(workbook) == [(f"plan.xlsx 'Assumptions'!D{in_kind}: arrangements[0].contributions[0].in_kind: "
                                 "expected a number, found '£20,150,000'")]


def test_a_deleted_arrangement_column_is_one_error() -> None:
    _, workbook = _pack()
    ws = workbook["Expenditure plan"]
    assert ws["O4"].value == "Arrangement"
    ws.delete_cols(15)
    assert _errors(workbook) == [
        ("plan.xlsx 'Expenditure plan'!4:4: the column 'Arrangement' is missing from the header row (row 4); the pack "
        "needs it to know which arrangement each scheme belongs to (bcf_pool, aligned_community)")]
    _, workbook = _pack()
    workbook["Expenditure plan"]["O5"].value = None
    assert _errors(workbook) == [("plan.xlsx 'Expenditure plan'!O5: the Arrangement is empty; expected the "
                                 "agreement's arrangements (bcf_pool, aligned_community)")]


def test_a_pack_without_its_expenditure_plan_says_so() -> None:
    _agreement, workbook = _pack()
    del workbook["Expenditure plan"]
    assert _errors(workbook) == [("plan.xlsx: this pack has no 'Expenditure plan' sheet; the schemes are read from it: "
                                 "put it back (or name the plan's sheet with --sheet)")]


def test_percentages_out_of_range_and_contradictions_are_located_on_a_plain_plan() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][8] = 150
    assert _errors(_template(rows)) == [
        "plan.xlsx 'Expenditure'!I5: 150% is not a share; expected a percentage between 0 and 100"]
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][9] = 30  # 60 + 30 = 90
    assert _errors(_template(rows)) == [
        "plan.xlsx 'Expenditure'!I5: % NHS 60 and % LA 30 add up to 90%; a Joint scheme's shares must add up to 100"]
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][8] = 60  # an LA scheme is 0% NHS
    assert _errors(_template(rows)) == [
        ("plan.xlsx 'Expenditure'!I4: % NHS is 60 but the Commissioner is LA, which means % NHS 0; write Joint for a "
        "shared scheme, or correct the percentage")]


def test_money_too_big_on_a_plain_plan_is_located_at_the_cell() -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][12] = 2_000_000_000_000  # £2 trillion, a whole number: read as an int
    assert _errors(_template(rows)) == [
        ("plan.xlsx 'Expenditure'!M4: 2000000000000 is more than £100,000,000,000, far beyond any pooled "
        "budget; check the figure")]


def test_a_split_edited_with_the_template_cells_cleared_is_applied() -> None:
    # the documented route to change a split: edit P and clear G, H and I (a blank says nothing);
    # editing P alone is refused because G, H and I still state the old split (see the next test)
    _, workbook = _pack()
    ws = workbook["Expenditure plan"]
    assert (ws["A7"].value, ws["P7"].value) == ("NM03", "icb 60%; council 40%")
    ws["P7"].value = "icb 70%; council 30%"
    for coordinate in ("G7", "H7", "I7"):
        ws[coordinate].value = None
    back = _read(workbook)
    scheme = next(s for a in back.arrangements for s in a.schemes if s.id == "NM03")
    assert isinstance(scheme.commissioner, dict)
    assert {k: Decimal(str(v)) for k, v in scheme.commissioner.items()} == {"icb": Decimal(70), "council": Decimal(30)}


def test_a_split_edited_alone_names_the_template_cells_to_clear() -> None:
    _, workbook = _pack()
    ws = workbook["Expenditure plan"]
    ws["P7"].value = "icb 70%; council 30%"
    errors = _errors(workbook)
    assert len(errors) == 1 and "'Expenditure plan'!H7" in errors[0] and "P7" in errors[0]
