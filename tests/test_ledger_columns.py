"""Reading a ledger a column at a time gives what reading it cell by cell gives: pence, rows, places, messages."""

from __future__ import annotations

import gc
import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_ledger import LEDGER, MAP, MAX_PENCE, folder_with

from pooledfund.core.errors import InputError
from pooledfund.core.money import to_pence
from pooledfund.io.ledger.map_file import load_map_and_agreement
from pooledfund.io.ledger.read import LedgerTable, column_letter, read_ledger
from pooledfund.io.ledger.read_columns import LedgerRows, read_columns
from pooledfund.io.ledger.reconcile import MAX_CELL_ERRORS, LedgerActuals, read_rows, reconcile
from pooledfund.io.ledger.reconcile_columns import exact_sums, reconcile_columns
from pooledfund.io.ledger.values import blank_cells, parse_amount, parse_amounts
from pooledfund.model.ledger_map import LedgerMap

YEAR = "2025-26"


def messages(errors: list[InputError]) -> list[str]:
    return [str(error) for error in errors]


def strict_reading(text: str) -> int | str:
    """What the cell-by-cell reader makes of an amount cell: pence, or its message."""
    try:
        return parse_amount(text)
    except ValueError as exc:
        return str(exc)


# --- amounts, a column at a time -----------------------------------------------------------------


@settings(deadline=None)  # the first call loads pandas
@given(st.integers(-MAX_PENCE, MAX_PENCE), st.sampled_from(["plain", "commas", "brackets", "pound"]))
def test_the_column_reading_of_usual_amounts_agrees_with_the_strict_reader(pence: int, form: str) -> None:
    # The quick-reading property of test_ledger, extended to the whole-column reading: the usual forms are all
    # read there (none left to the strict reader), to the same pence as the package's strict money reader.
    pounds_part, pence_part = divmod(abs(pence), 100)
    digits = f"{pounds_part:,}" if form in ("commas", "brackets", "pound") else str(pounds_part)
    text = f"{'£' if form == 'pound' else ''}{digits}.{pence_part:02d}"
    if pence < 0:
        text = f"({text})" if form == "brackets" else f"-{text}"
    read, covered = parse_amounts([text])
    assert covered.tolist() == [True]
    assert int(read[0]) == parse_amount(text) == pence == to_pence(text.replace("(", "-").replace(")", ""))


#: Pieces of amount cells, usual and not: any mix of them is either read by the column reading to the strict
#: reader's pence or left to the strict reader.
AMOUNT_PIECES = ["1", "0", "12", "234", "567", ",", ".", "(", ")", "-", "+", "£", " ", "e", "\u00a0", "\t", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(AMOUNT_PIECES), max_size=12).map("".join), min_size=1, max_size=30))
def test_the_column_reading_never_reads_an_amount_differently(cells: list[str]) -> None:
    read, covered = parse_amounts(cells)
    for text, pence, read_here in zip(cells, read.tolist(), covered.tolist(), strict=True):
        strict = strict_reading(text)
        if read_here:
            assert pence == strict, text
        else:
            assert pence == 0


@pytest.mark.parametrize(
    ("text", "pence"),
    # 1,234.5 is 12345 tenths of a pound: x 10 = 123,450 pence; "7." is 7 pounds; "0.1" 10 pence.
    [("1,234.5", 123450), ("(£1,234.56)", -123456), ("-£5.", -500), ("  7.00  ", 700), ("0.1", 10),
     ("100,000,000,000.00", 10_000_000_000_000)],
)
def test_amounts_read_a_column_at_a_time(text: str, pence: int) -> None:
    read, covered = parse_amounts([text])
    assert (int(read[0]), bool(covered[0])) == (pence, True)


@pytest.mark.parametrize(
    "text",
    # Left to the strict reader: over £100bn, commas out of place, a bracket and a minus, an exponent, a word,
    # blank, three decimals, a plus sign, a point first, white space pandas would not trim as Python does.
    ["100,000,000,000.01", "1,23", "(-1.00)", "1e3", "ten", "", "1.234", "+1.00", ".5", "\u00a01.00", "(1.00"],
)
def test_unusual_amounts_are_left_to_the_strict_reader(text: str) -> None:
    read, covered = parse_amounts([text])
    assert (int(read[0]), bool(covered[0])) == (0, False)


def test_blank_cells_are_empty_or_spaces_only() -> None:
    assert blank_cells(["", "   ", " 0 ", "\t", "x"]).tolist() == [True, True, False, False, False]


# --- the whole reading, by hand --------------------------------------------------------------------


def columns_of(folder: Path) -> tuple[LedgerActuals | None, list[InputError]]:
    ledger_map, _, errors = load_map_and_agreement(folder / "map.yaml")
    assert ledger_map is not None, errors
    headings = [heading for _, heading in ledger_map.columns.headings()]
    table, errors = read_ledger(folder / "ledger.csv", headings)
    assert table is not None, errors
    rows, blank, errors = read_columns(table, ledger_map)
    if errors:
        return None, errors
    return reconcile_columns(rows, ledger_map, file=table.file, blank_rows=blank)


def test_the_column_reading_reconciles_to_the_penny(tmp_path: Path) -> None:
    actuals, errors = columns_of(folder_with(tmp_path))
    assert actuals is not None, errors
    # The hand-worked reconciliation of test_ledger: out of period 40.00 (2024-25 P12), excluded 75.00
    # (account 91*), unmapped 50.00 (CC99), mapped 1,000 + 500 - 200 + 300 + 100.01 + 500 = 2,200.01.
    assert actuals.totals() == {"mapped": 220001, "unmapped": 5000, "excluded": 7500, "out_of_period": 4000,
                                "after_as_at": 0, "dropped_duplicates": 0}
    # S1 April 1,000 + 30% of 300 = 1,090.00; May 500 - 200 + 500 + 30.00 (100.01 split 30.00 / 70.01).
    assert actuals.schemes == {"S1": [109000, 83000], "S2": [21000, 7001]}
    assert [(row.row, first.row) for row, first in actuals.duplicates] == [(10, 3)]
    assert [row.row for row in actuals.credits] == [4]


def test_duplicates_dropped_a_column_at_a_time(tmp_path: Path) -> None:
    actuals, _ = columns_of(folder_with(tmp_path, ledger_map=MAP + "  duplicates: drop\n"))
    assert actuals is not None
    # The second A2 (500.00) is left out: mapped 2,200.01 - 500 = 1,700.01.
    assert actuals.totals()["dropped_duplicates"] == 50000
    assert actuals.totals()["mapped"] == 170001


def test_bad_cells_are_located_the_same_a_column_at_a_time(tmp_path: Path) -> None:
    ledger = "Cost Centre,Account,Period,Ref,Amount\nCC10,5100,P1,A1,ten\nCC10,5100,P13,A2,1.00\nCC10,5100,P1,A3,\n"
    actuals, errors = columns_of(folder_with(tmp_path, ledger))
    assert actuals is None
    found = messages(errors)
    assert found[0].endswith("ledger.csv row 2, column 'Amount': expected an amount in pounds such as 1250000.00, "
                             "got 'ten'")
    # P13 of the map's own year, with the map's default 'period_13: refuse' (the message names the option).
    assert found[1].endswith("row 3, column 'Period': 'P13' is a year-end adjustment period of 2025-26: set "
                             "'period_13: march' in the map to count P13 and P14 in March, or give these rows a "
                             "month in the ledger extract")
    assert "row 4, column 'Amount': the amount is blank" in found[2]


def test_overlapping_rules_are_named_the_same_a_column_at_a_time(tmp_path: Path) -> None:
    extra = "    - {cost_centre: CC10, scheme: S2}\n"
    ledger_map = MAP.replace("    - {cost_centre: CC20,", extra + "    - {cost_centre: CC20,")
    actuals, errors = columns_of(folder_with(tmp_path, ledger_map=ledger_map))
    assert actuals is None
    [error] = messages(errors)
    assert "row 2, column 'Cost Centre': cost centre CC10, account 5100 matches codes[0] (cost centre CC1*) and " \
           "codes[1] (cost centre CC10): 3 rows (rows 2, 3, 10)" in error


def test_overlapping_rows_of_codes_written_differently_are_listed_in_order(tmp_path: Path) -> None:
    # CC10 and cc10 are different codes as written but match the same two rules (case does not matter): one
    # error, its rows in the order of the extract (2, 3, 4), though they are grouped by code on the way.
    ledger = "Cost Centre,Account,Period,Ref,Amount\nCC10,5100,P1,A1,1.00\ncc10,5100,P1,A2,2.00\nCC10,5100,P1,A3,3.00\n"
    extra = "    - {cost_centre: CC10, scheme: S2}\n"
    ledger_map = MAP.replace("    - {cost_centre: CC20,", extra + "    - {cost_centre: CC20,")
    actuals, errors = columns_of(folder_with(tmp_path, ledger, ledger_map))
    assert actuals is None
    [error] = messages(errors)
    assert "row 2, column 'Cost Centre': cost centre CC10, account 5100 matches codes[0] (cost centre CC1*) and " \
           "codes[1] (cost centre CC10): 3 rows (rows 2, 3, 4)" in error


def test_many_bad_cells_are_listed_then_counted_the_same(tmp_path: Path) -> None:
    # 60 bad amounts among 200 rows: the first 50 listed, then "10 further cells".
    lines = [f"CC10,5100,P1,R{i},{'ten' if i % 3 == 0 else '1.00'}" for i in range(180)]
    folder = folder_with(tmp_path, "Cost Centre,Account,Period,Ref,Amount\n" + "\n".join(lines) + "\n")
    ledger_map, _, _ = load_map_and_agreement(folder / "map.yaml")
    assert ledger_map is not None
    table, _ = read_ledger(folder / "ledger.csv", [h for _, h in ledger_map.columns.headings()])
    assert table is not None
    _, _, by_column = read_columns(table, ledger_map)
    _, _, by_row = read_rows(table, ledger_map)
    assert len(by_column) == MAX_CELL_ERRORS + 1
    assert messages(by_column) == messages(by_row)
    assert messages(by_column)[-1].endswith("10 further cells have problems and are not listed")


def test_sums_too_large_for_numpy_are_added_exactly() -> None:
    # Four amounts of 2**61 pence: numpy's int64 would wrap round at 2**63; the sum is exactly 2**63.
    assert exact_sums(np.zeros(4, dtype=np.int64), np.full(4, 2**61, dtype=np.int64), 1) == [2**63]
    # Groups 0 and 2 of three: 5 + 7 = 12, nothing, -3.
    assert exact_sums(np.array([0, 2, 0]), np.array([5, -3, 7]), 3) == [12, 0, -3]


def test_the_cycle_collector_is_running_after_reading(tmp_path: Path) -> None:
    assert gc.isenabled()
    actuals, _ = columns_of(folder_with(tmp_path, LEDGER))
    assert actuals is not None
    assert gc.isenabled()


# --- a column at a time equals cell by cell, on generated ledgers ---------------------------------------

CENTRES = ["CC1", " CC1", "cc1", "CC2", "CC3 ", "XX9", ""]
ACCOUNTS = ["5100", " 5100", "9100", "5200"]
PERIODS = ["P1", "p02", "Period 3", "2025-06", "Apr-25", "2025-05-14", "14/07/2025", "2024-25 P12", "2026-04",
           "P13", "", " ", "Sept", "2025-13", "P3 ", "P14", "2024-25 P13", "2025-26 P13", "P15", "P0", "07/14/2025",
           "P12"]
ODD_AMOUNTS = ["+1.00", "1e3", "ten", "", " ", "1.234", "(1.00", "1,23.00", "£ 5.00", "( 2.00 )", ".50", "-(1.00)",
               "\u00a03.00", "100,000,000,000.01", "0"]
TEXTS = ["INV1", "INV2", " INV1", "", "Care home fees"]


@st.composite
def amount_texts(draw: st.DrawFn) -> str:
    """An amount cell: usually a figure in one of the forms ledgers write, sometimes an odd or bad one."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(ODD_AMOUNTS))
    pence = draw(st.sampled_from([0, 1, 99, 100, 12345, -250, -100001, 987654321]) | st.integers(-10**9, 10**9))
    pounds_part, pence_part = divmod(abs(pence), 100)
    digits = draw(st.sampled_from([f"{pounds_part:,}", str(pounds_part)]))
    decimals = draw(st.sampled_from(["two", "one", "none"]) if pence_part % 10 == 0 else st.just("two"))
    figure = {"two": f"{digits}.{pence_part:02d}", "one": f"{digits}.{pence_part // 10}",
              "none": digits if pence_part == 0 else f"{digits}.{pence_part:02d}"}[decimals]
    figure = draw(st.sampled_from(["", "£"])) + figure
    if pence < 0:
        figure = draw(st.sampled_from([f"({figure})", f"-{figure}"]))
    return draw(st.sampled_from(["", " "])) + figure + draw(st.sampled_from(["", "  "]))


@st.composite
def maps(draw: st.DrawFn) -> LedgerMap:
    """A ledger map over generated columns: one amount or debit and credit, optional account, reference, narrative."""
    columns: dict[str, str] = {"cost_centre": "Cost Centre", "period": "Period"}
    if draw(st.booleans()):
        columns["account"] = "Account"
    if draw(st.booleans()):
        columns |= {"debit": "Dr", "credit": "Cr"}
    else:
        columns["amount"] = "Amount"
    for name, heading in (("reference", "Ref"), ("description", "Narrative")):
        if draw(st.booleans()):
            columns[name] = heading
    rules: list[dict[str, object]] = []
    for centre in draw(st.lists(st.sampled_from(["CC1", "CC2", "CC3", "CC?"]), unique=True, min_size=1)):
        if draw(st.booleans()):
            first = draw(st.integers(0, 100))
            rules.append({"cost_centre": centre, "split": {"S1": first, "S2": 100 - first}})
        else:
            rules.append({"cost_centre": centre, "scheme": draw(st.sampled_from(["S1", "S2"]))})
    document: dict[str, object] = {
        "agreement": "a.yaml", "year": YEAR, "columns": columns, "unmapped": "report", "codes": rules,
        "duplicates": draw(st.sampled_from(["report", "drop"])),
        "exclude": [{"account": "91*", "reason": "Recharges"}] if "account" in columns and draw(st.booleans())
        else [{"cost_centre": "XX*", "reason": "Capital"}] if draw(st.booleans()) else []}
    if "amount" in columns and draw(st.booleans()):
        document["sign"] = "expenditure_negative"
    if "debit" in columns and draw(st.booleans()):
        document["credit_sign"] = draw(st.sampled_from(["positive", "negative"]))
    if draw(st.booleans()):
        document["period_13"] = draw(st.sampled_from(["refuse", "march"]))
    if draw(st.booleans()):
        document["as_at"] = draw(st.sampled_from(["2025-04", "2025-05", "2025-07"]))
    return LedgerMap.model_validate(document)


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[LedgerMap, LedgerTable]:
    """A map and an extract over it: codes with spaces and in lower case, every period form, amounts good and bad,
    credits, repeated rows (duplicates) and blank rows."""
    ledger_map = draw(maps())
    headings = [heading for _, heading in ledger_map.columns.headings()]
    cells = {
        "Cost Centre": st.sampled_from(CENTRES), "Account": st.sampled_from(ACCOUNTS),
        "Period": st.sampled_from(PERIODS), "Amount": amount_texts(),
        "Dr": amount_texts() | st.just(""), "Cr": st.just("") | amount_texts(),
        "Ref": st.sampled_from(TEXTS), "Narrative": st.sampled_from(TEXTS) | st.text(string.ascii_letters, max_size=4),
    }
    rows = draw(st.lists(st.fixed_dictionaries({heading: cells[heading] for heading in headings}), max_size=30))
    for at in draw(st.lists(st.integers(0, 40), max_size=6)):  # repeat some rows (duplicates) and add blank rows
        rows.insert(at, dict(rows[at % len(rows)]) if rows and at % 3 else dict.fromkeys(headings, ""))
    table = LedgerTable("l.csv", None, 1, {heading: [row[heading] for row in rows] for heading in headings},
                        {heading: column_letter(index) for index, heading in enumerate(headings)}, len(rows))
    return ledger_map, table


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_a_column_at_a_time_gives_what_cell_by_cell_gives(case: tuple[LedgerMap, LedgerTable]) -> None:
    ledger_map, table = case
    by_column, blank_by_column, errors_by_column = read_columns(table, ledger_map)
    by_row, blank_by_row, errors_by_row = read_rows(table, ledger_map)
    assert isinstance(by_column, LedgerRows)
    # The same rows (codes trimmed, periods, pence, references), blank rows and located messages, in order,
    assert by_column.as_list() == by_row
    assert blank_by_column == blank_by_row
    assert messages(errors_by_column) == messages(errors_by_row)
    # and the same actuals: every list, every duplicate pair, every scheme's months, or the same problems.
    actuals, problems = reconcile_columns(by_column, ledger_map, file="l.csv", blank_rows=blank_by_column)
    expected, expected_problems = reconcile(by_row, ledger_map, file="l.csv", blank_rows=blank_by_row)
    assert actuals == expected
    assert messages(problems) == messages(expected_problems)
    if actuals is not None and expected is not None:
        assert list(actuals.excluded) == list(expected.excluded)  # and the exclusions in the same order
