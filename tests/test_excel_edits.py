"""Edits to the pack's yellow input cells are read back into the agreement, or refused at their cell.

Every cell is found through the pack's own Input cells table (field path,
how it reads, partner), never by a hard-coded address. Each test exports a
bundled example, changes cells with openpyxl as a finance lead would in
Excel, imports, and checks the agreement in pence worked out by hand.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

from pooledfund.io.agreement_yaml import agreement_to_data
from pooledfund.io.excel import agreement_from_workbook_bytes, styles, workbook_bytes
from pooledfund.io.excel.edits import MapRow, find_map, read_map
from pooledfund.io.excel.formulas import where
from pooledfund.io.excel.inputmap import FIXED_PREFIX
from pooledfund.io.inputs import load_inputs
from pooledfund.io.loader import agreement_from_data
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import BandLayer, CapLayer, FixedSplitLayer, ProportionalLayer, ReturnFixedSplitRule

ROOT = Path(__file__).resolve().parent.parent
NORTHMOOR = ROOT / "examples" / "bcf_northmoor.yaml"
TWO_TIER = ROOT / "examples" / "bcf_two_tier_2025_26.yaml"
LD = ROOT / "examples" / "ld_pooled_budget.yaml"
RESIDENTIAL = ROOT / "examples" / "residential_lead_commissioning.yaml"


def _agreement(path: Path) -> Agreement:
    agreement, _ = load_inputs(str(path), [])
    return agreement


def _pack(agreement: Agreement) -> Workbook:
    return load_workbook(io.BytesIO(workbook_bytes(agreement, [])))


def _map(workbook: Workbook) -> list[MapRow]:
    ws = workbook["Assumptions"]
    header_row = find_map(ws)
    assert header_row is not None, "the pack has no Input cells table"
    return read_map(ws, header_row)


def _cells(workbook: Workbook, path: str, partner: str = "") -> list[Cell]:
    """The input cells showing ``path`` (for ``partner``), found through the pack's Input cells table."""
    found = [workbook[r.sheet][r.coordinate] for r in _map(workbook)
             if r.path == path and r.partner == partner and not r.reads_as.startswith("layout")]
    assert found, f"no input cell shows {path} {partner}"
    return found


def _cell(workbook: Workbook, path: str, partner: str = "") -> Cell:
    return _cells(workbook, path, partner)[0]


def _fixed(workbook: Workbook, reason: str, path: str = "") -> Cell:
    """The first cell refused for ``reason`` (and, if given, naming ``path``)."""
    row = next(r for r in _map(workbook) if r.reads_as == FIXED_PREFIX + reason and (not path or r.path == path))
    return workbook[row.sheet][row.coordinate]


def _import(workbook: Workbook, notes: list[str] | None = None) -> tuple[Agreement | None, list[str]]:
    buffer = io.BytesIO()
    workbook.save(buffer)
    agreement, errors = agreement_from_workbook_bytes(buffer.getvalue(), "book.xlsx", notes=notes)
    return agreement, [str(e) for e in errors]


def _ok(workbook: Workbook) -> Agreement:
    agreement, errors = _import(workbook)
    assert errors == [] and agreement is not None
    return agreement


def _at(cell: Cell) -> str:
    return f"book.xlsx {where(cell.parent.title, cell.coordinate)}: "


# --- changes read back -------------------------------------------------------------------------


def test_a_partners_cash_and_in_kind_on_contributions_are_read_back() -> None:
    workbook = _pack(_agreement(RESIDENTIAL))
    # the integrated provision, 2025-26: the council pays £4,300,000 cash and seconds staff worth £1,450,000 in
    # kind; £112,500.25 moves from in kind to cash, so the pool still balances: 4,300,000 + 112,500.25 =
    # 4,412,500.25 and 1,450,000 - 112,500.25 = 1,337,499.75
    _cell(workbook, "arrangements[1].contributions[0].cash").value = 4_412_500.25
    _cell(workbook, "arrangements[1].contributions[1].in_kind").value = 1_337_499.75
    notes: list[str] = []
    back, errors = _import(workbook, notes)
    assert errors == [] and back is not None
    assert back.arrangements[1].contributions[0].cash == 441_250_025
    assert back.arrangements[1].contributions[1].in_kind == 133_749_975
    assert any("arrangements[1].contributions[0].cash: £4,300,000.00 -> £4,412,500.25" in n for n in notes)


def test_a_cap_is_changed_added_and_removed_from_the_risk_share_row() -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    # Northmoor: the ICB is capped at its contribution, the council at £1,000,000
    _cell(workbook, "arrangements[0].risk_share", "icb").value = 1_500_000
    _cell(workbook, "arrangements[0].risk_share", "council").value = None
    back = _ok(workbook)
    caps = {layer.partner: layer.cap for layer in back.arrangements[0].risk_share if isinstance(layer, CapLayer)}
    assert caps == {"icb": 150_000_000}  # £1.5m; the council's cap cleared is no cap

    workbook = _pack(_agreement(TWO_TIER))  # no caps at all: typing one adds it
    _cell(workbook, "arrangements[0].risk_share", "council").value = 2_000_000
    back = _ok(workbook)
    layers = back.arrangements[0].risk_share
    assert isinstance(layers[-1], CapLayer) and (layers[-1].partner, layers[-1].cap) == ("council", 200_000_000)
    assert len(layers) == 3  # commissioner, proportional, and the new cap


def test_a_layer_limit_a_band_partner_and_a_basis_are_read_back() -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    _cell(workbook, "arrangements[0].risk_share[0].limit").value = 600_000
    council, icb = (_cell(workbook, "arrangements[0].risk_share[1].partner", p) for p in ("council", "icb"))
    council.value, icb.value = 0, 1  # the band moves from the council (host) to the ICB
    _cell(workbook, "arrangements[0].risk_share[2].basis").value = "Cash"
    _cell(workbook, "arrangements[0].risk_share[2].limit").value = 2_000_000  # blank (no limit) -> £2m
    back = _ok(workbook)
    layers = back.arrangements[0].risk_share
    assert layers[0].limit == 60_000_000  # £600,000
    assert isinstance(layers[1], BandLayer) and layers[1].partner == "icb"
    assert isinstance(layers[2], ProportionalLayer) and layers[2].basis == "cash" and layers[2].limit == 200_000_000


def test_fixed_split_percentages_of_a_layer_and_a_rule_are_read_back() -> None:
    workbook = _pack(_agreement(LD))
    _cell(workbook, "arrangements[0].risk_share[0].shares", "council").value = 60
    _cell(workbook, "arrangements[0].risk_share[0].shares", "icb").value = 40
    _cell(workbook, "arrangements[0].underspend[2].shares", "council").value = 70.5
    _cell(workbook, "arrangements[0].underspend[2].shares", "icb").value = 29.5
    back = _ok(workbook)
    layer, rule = back.arrangements[0].risk_share[0], back.arrangements[0].underspend[2]
    assert isinstance(layer, FixedSplitLayer) and layer.shares == {"council": 60, "icb": 40}
    assert isinstance(rule, ReturnFixedSplitRule) and rule.shares == {"council": 70.5, "icb": 29.5}


def test_who_shares_pro_rata_is_read_from_the_partners_ones_and_zeros() -> None:
    workbook = _pack(_agreement(TWO_TIER))
    _cell(workbook, "arrangements[0].risk_share[1].partners", "icb_vale").value = 0
    back = _ok(workbook)
    layer = back.arrangements[0].risk_share[1]
    assert isinstance(layer, ProportionalLayer) and layer.partners == ["council", "icb_downs"]


def test_underspend_rule_limits_and_a_trigger_threshold_are_read_back() -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    _cell(workbook, "arrangements[0].underspend[0].cap").value = 800_000  # carry forward up to £800,000
    _cell(workbook, "arrangements[0].underspend[1].limit").value = 100_000
    first, second = _cells(workbook, "arrangements[0].triggers[0].threshold")  # shown once a year
    first.value = 75_000  # changed in one year's row only: the other row is as exported
    back = _ok(workbook)
    assert back.arrangements[0].underspend[0].limit == 80_000_000
    assert back.arrangements[0].underspend[1].limit == 10_000_000
    assert back.arrangements[0].triggers[0].threshold == 7_500_000
    second.value = 75_000  # both rows saying the same is one change
    assert _ok(workbook).arrangements[0].triggers[0].threshold == 7_500_000


def test_a_formula_typed_into_an_input_cell_is_worked_out() -> None:
    workbook = _pack(_agreement(LD))
    cap = _cell(workbook, "arrangements[0].risk_share", "icb")
    cap.value = f"={cap.coordinate.replace(cap.column_letter, 'C')}/4"  # council's £6,000,000 / 4
    assert _ok(workbook).arrangements[0].risk_share[2].cap == 150_000_000  # £1,500,000


def test_every_yellow_cell_outside_the_plan_and_the_signatures_is_in_the_map() -> None:
    for path in (NORTHMOOR, TWO_TIER, LD, RESIDENTIAL):
        workbook = _pack(_agreement(path))
        mapped = {(r.sheet, r.coordinate) for r in _map(workbook)}
        for ws in workbook.worksheets:
            if ws.title in ("Expenditure plan", "Cover"):
                continue
            for row in ws.iter_rows():
                for cell in row:
                    if cell.fill.fgColor.rgb == styles.INPUT_FILL.fgColor.rgb:
                        assert (ws.title, cell.coordinate) in mapped, (path.stem, ws.title, cell.coordinate)


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "reason", "field", "says"), [
    (NORTHMOOR, "projected spend", "", "is the projected spend for the month"),
    (NORTHMOOR, "scenario change", "", "scenario file (contribution_changes)"),
    (NORTHMOOR, "commissioner share", "", "read from the Expenditure plan"),
    (NORTHMOOR, "condition threshold", "", "thresholds file given to export (--thresholds)"),
    (NORTHMOOR, "payment", "", "change the schedule at arrangements[0].contributions[0].schedule"),
    (NORTHMOOR, "worked out", "arrangements[0].triggers[1].threshold",
     "from arrangements[0].triggers[1].threshold, which the agreement states as a percentage"),
    (RESIDENTIAL, "agreed value", "", "worked out from the agreed value (arrangements[0].agreed_value)"),
], ids=lambda v: v.stem if isinstance(v, Path) else None)
def test_a_cell_the_agreement_does_not_hold_is_refused_saying_where_to_change_it(
        path: Path, reason: str, field: str, says: str) -> None:
    workbook = _pack(_agreement(path))
    cell = _fixed(workbook, reason, field)
    cell.value = (cell.value or 0) + 1000
    back, errors = _import(workbook)
    assert back is None and len(errors) == 1
    assert errors[0].startswith(_at(cell) + "changed from ") and says in errors[0]
    if cell.number_format == styles.GBP:
        assert " to £" in errors[0]  # money is shown as money


def test_a_default_risk_share_is_refused_until_it_is_written_out() -> None:
    data = agreement_to_data(_agreement(RESIDENTIAL))
    del data["arrangements"][1]["risk_share"]  # the integrated provision falls back on its kind's default
    agreement, errors = agreement_from_data(data, {}, "x.yaml")
    assert errors == [] and agreement is not None
    workbook = _pack(agreement)
    cell = _fixed(workbook, "default", "arrangements[1].risk_share")
    cell.value = 100_000
    back, messages = _import(workbook)
    assert back is None and len(messages) == 1
    assert messages[0].startswith(_at(cell)) and "default rules of the arrangement's kind" in messages[0]


def test_one_field_changed_to_two_values_names_both_cells() -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    first, second = _cells(workbook, "arrangements[0].triggers[0].threshold")
    first.value, second.value = 75_000, 80_000
    back, errors = _import(workbook)
    assert back is None and len(errors) == 1
    assert errors[0].startswith(_at(second)) and where(first.parent.title, first.coordinate) in errors[0]
    assert "make them agree" in errors[0]


def test_a_field_changed_in_a_cell_and_in_the_inputs_table_names_both() -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    limit = _cell(workbook, "arrangements[0].risk_share[0].limit")
    limit.value = 600_000
    ws = workbook["Assumptions"]
    value_cell = next(row[3] for row in ws.iter_rows(min_col=1, max_col=4)
                      if row[0].value == "agreement" and row[1].value == "arrangements[0].risk_share[0].limit")
    value_cell.value = 700_000
    back, errors = _import(workbook)
    assert back is None and len(errors) == 1
    assert errors[0].startswith(_at(limit)) and where("Assumptions", value_cell.coordinate) in errors[0]
    value_cell.value = 600_000  # the same change in both places is one change
    assert _ok(workbook).arrangements[0].risk_share[0].limit == 60_000_000


def test_a_cross_check_a_change_breaks_names_the_changed_cell() -> None:
    workbook = _pack(_agreement(RESIDENTIAL))
    cash = _cell(workbook, "arrangements[1].contributions[0].cash")
    cash.value = 4_412_500.25  # £112,500.25 more than the schemes' budgets
    back, errors = _import(workbook)
    assert back is None and len(errors) == 1
    assert "(£112,500.25 too much); the pool must balance" in errors[0]
    assert f"changed on the pack: {where(cash.parent.title, cash.coordinate)}" in errors[0]


def test_a_value_the_field_refuses_is_reported_at_the_cell() -> None:
    workbook = _pack(_agreement(LD))
    council = _cell(workbook, "arrangements[0].risk_share[0].shares", "council")
    council.value = 60  # 60 + 50 = 110%
    back, errors = _import(workbook)
    assert back is None and len(errors) == 1
    assert errors[0].startswith(_at(council)) and "add up to 110%" in errors[0]
    assert "changed from 50% to 60%" in errors[0]

    workbook = _pack(_agreement(NORTHMOOR))
    band = _cell(workbook, "arrangements[0].risk_share[1].limit")
    band.value = None  # a band always has its width
    back, errors = _import(workbook)
    assert back is None and errors == [_at(band) + "changed from £250,000.00 to blank: is empty; type the amount "
                                                   "in pounds (0 for none)"]


@pytest.mark.parametrize(("value", "says"), [
    ("lots", "expected an amount in pounds such as 1250000.00, got 'lots'"),
    (datetime.datetime(2025, 4, 1), "to a date (1 April 2025): a date (1 April 2025), not an amount; type the "
                                    "amount in pounds, such as 1250000.00"),
    (1_000.005, "fractions of a penny"),
])
def test_a_cash_cell_that_is_not_an_amount_is_located(value: object, says: str) -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    cash = _cell(workbook, "arrangements[0].contributions[0].cash")
    cash.value = value
    back, errors = _import(workbook)
    assert back is None and len(errors) == 1 and errors[0].startswith(_at(cash)) and says in errors[0]


def test_a_band_needs_exactly_one_partner_and_a_pro_rata_layer_at_least_one() -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    icb = _cell(workbook, "arrangements[0].risk_share[1].partner", "icb")
    icb.value = 1  # the council keeps its 1 too
    back, errors = _import(workbook)
    assert back is None and len(errors) == 1
    assert errors[0].startswith(_at(icb)) and "found 1 in council, icb" in errors[0]

    workbook = _pack(_agreement(NORTHMOOR))
    for partner in ("council", "icb"):
        _cell(workbook, "arrangements[0].risk_share[2].partners", partner).value = 0
    back, errors = _import(workbook)
    assert back is None and errors == [_at(_cell(workbook, "arrangements[0].risk_share[2].partners", "council"))
                                       + "no partner shares this: put 1 in the column of each partner that shares"]

    workbook = _pack(_agreement(NORTHMOOR))
    flag = _cell(workbook, "arrangements[0].risk_share[2].partners", "icb")
    flag.value = "yes"
    back, errors = _import(workbook)
    assert back is None and len(errors) == 1 and errors[0].startswith(_at(flag)) and "not 1 or 0" in errors[0]


def test_a_basis_that_is_not_total_or_cash_is_located() -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    basis = _cell(workbook, "arrangements[0].risk_share[2].basis")
    basis.value = "population"
    back, errors = _import(workbook)
    assert back is None and errors == [_at(basis) + "changed from 'total' to 'population': 'population' is not a "
                                                    "basis; type total (cash and in kind) or cash"]


def test_rows_inserted_on_a_sheet_are_refused_not_read_from_the_wrong_cells() -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    table = workbook["Contributions"].tables["Contributions"]
    exported = table.ref
    table.ref = "A4:Y21"  # what Excel does to the table when a row is inserted inside it
    back, errors = _import(workbook)
    assert back is None and len(errors) == 1
    assert errors[0].startswith("book.xlsx 'Contributions': rows or columns have been inserted or deleted")
    assert f"was at {exported} and is now A4:Y21" in errors[0]


def test_a_deleted_sheet_with_input_cells_is_named() -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    del workbook["Projection"]
    back, errors = _import(workbook)
    assert back is None and any(e.startswith("book.xlsx 'Projection'!: the sheet 'Projection' has been deleted")
                                for e in errors)


def test_a_pack_without_the_map_says_its_cells_are_not_read() -> None:
    workbook = _pack(_agreement(LD))
    ws = workbook["Assumptions"]
    header_row = find_map(ws)
    assert header_row is not None
    ws.cell(row=header_row, column=1).value = "Not the map"
    notes: list[str] = []
    back, errors = _import(workbook, notes)
    assert errors == [] and back is not None
    assert any("has no 'Input cells' table" in n for n in notes)


@pytest.mark.parametrize(("path", "partner", "value", "shown"), [
    ("arrangements[0].risk_share[0].limit", "", 1e30, "1e+30"),  # a layer limit typed as 1e30
    ("arrangements[0].risk_share", "icb", "=10^400", "1E+400"),  # a cap worked out past any float
    ("arrangements[0].risk_share[0].limit", "", 2e11, "200000000000"),  # £200bn: just past the money limit
])
def test_a_figure_too_large_in_an_input_cell_is_refused_at_its_cell(
        path: str, partner: str, value: object, shown: str) -> None:
    workbook = _pack(_agreement(NORTHMOOR))
    cell = _cell(workbook, path, partner)
    cell.value = value
    back, errors = _import(workbook)
    assert back is None
    assert errors == [_at(cell) + f"{shown} is more than £100,000,000,000, far beyond any pooled budget; check the "
                                  "figure"]


def test_the_dashboards_upload_reader_returns_the_error_not_a_crash() -> None:
    from pooledfund.dashboard.uploads import InputFile, agreement_from_file

    workbook = _pack(_agreement(NORTHMOOR))
    cell = _cell(workbook, "arrangements[0].risk_share[0].limit")
    cell.value = 1e30
    buffer = io.BytesIO()
    workbook.save(buffer)
    agreement, errors = agreement_from_file(InputFile("book.xlsx", buffer.getvalue()))
    assert agreement is None
    assert [str(e) for e in errors] == [_at(cell) + "1e+30 is more than £100,000,000,000, far beyond any pooled "
                                                    "budget; check the figure"]


def test_an_amount_typed_as_text_on_contributions_is_read_as_on_the_plan() -> None:
    workbook = _pack(_agreement(RESIDENTIAL))
    # the same text the Expenditure plan accepts: £4,412,500.25 as text = 441,250,025 pence, and the in-kind
    # cell brought down by the same £112,500.25 so the pool still balances (1,450,000 - 112,500.25)
    _cell(workbook, "arrangements[1].contributions[0].cash").value = "£4,412,500.25"
    _cell(workbook, "arrangements[1].contributions[1].in_kind").value = "1,337,499.75"
    back = _ok(workbook)
    assert back.arrangements[1].contributions[0].cash == 441_250_025
    assert back.arrangements[1].contributions[1].in_kind == 133_749_975
