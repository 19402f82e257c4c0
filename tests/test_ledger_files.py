"""Ledger files as finance systems save them: encodings, delimiters, broken rows, workbook numbers; every message."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from test_ledger import LEDGER, MAP, actuals_of, folder_with, messages

from pooledfund.io.ledger.map_file import load_map_and_agreement
from pooledfund.io.ledger.read import parser_problem, read_ledger, sniff_delimiter, workbook_cell_text
from pooledfund.io.ledger.read_columns import read_columns
from pooledfund.io.ledger.reconcile import read_rows
from pooledfund.io.ledger.values import parse_amount

HEADINGS = ["Cost Centre", "Account", "Period", "Ref", "Amount"]
SAVE_AS_UTF8 = "save it as UTF-8 (Excel: 'CSV UTF-8')"


def write_bytes(tmp_path: Path, data: bytes, ledger_map: str = MAP) -> Path:
    folder = folder_with(tmp_path, ledger_map=ledger_map)
    (folder / "ledger.csv").write_bytes(data)
    return folder


def read_problems(folder: Path) -> list[str]:
    table, errors = read_ledger(folder / "ledger.csv", HEADINGS)
    assert table is None
    return messages(errors)


# --- delimiters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_a_ledger_with_another_delimiter_reads_like_the_csv(tmp_path: Path, delimiter: str) -> None:
    # The hand-worked ledger of test_ledger with its commas inside amounts taken out ("1,000.00" -> 1000.00) and
    # its cells separated by another delimiter: the same reconciliation (S1 1,090.00 and 830.00; S2 210.00, 70.01).
    ledger = LEDGER.replace('"1,000.00"', "1000.00").replace(",", delimiter)
    actuals, errors = actuals_of(write_bytes(tmp_path, ledger.encode()))
    assert actuals is not None, errors
    assert actuals.schemes == {"S1": [109000, 83000], "S2": [21000, 7001]}
    assert actuals.ledger_total == 236501


def test_the_delimiter_is_the_one_that_finds_the_maps_headings() -> None:
    # "a;b,c" splits into the headings by semicolons; a header split by none of them keeps the comma.
    assert sniff_delimiter("Cost Centre;Period,x;Amount\n", 1, ["Cost Centre", "Period,x", "Amount"]) == ";"
    assert sniff_delimiter("Cost Centre|Period|Amount\n", 1, ["Cost Centre", "Period", "Amount"]) == "|"
    assert sniff_delimiter("one heading\n", 1, ["Amount"]) == ","
    # The header row is the map's header_row: the title above it is not looked at.
    assert sniff_delimiter("Title, with a comma\nCost Centre\tAmount\n", 2, ["Cost Centre", "Amount"]) == "\t"


def test_the_maps_delimiter_is_used_as_given(tmp_path: Path) -> None:
    # The map says semicolon; the file's header row also has commas inside a heading ("Cost Centre, code").
    ledger = "Cost Centre, code;Period;Amount\nCC10;P1;12.50\n"
    ledger_map = MAP.replace("columns: {cost_centre: Cost Centre, account: Account, period: Period, reference: Ref, "
                             "amount: Amount}", "columns: {cost_centre: 'Cost Centre, code', period: Period, "
                             "amount: Amount}\n  delimiter: semicolon").replace(
        '    - {account: "91*", reason: Recharges}\n', "").replace("  exclude:\n", "")
    folder = write_bytes(tmp_path, ledger.encode(), ledger_map)
    ledger_map_read, _, errors = load_map_and_agreement(folder / "map.yaml")
    assert ledger_map_read is not None, errors
    assert ledger_map_read.delimiter_character() == ";"
    table, errors = read_ledger(folder / "ledger.csv", ["Cost Centre, code", "Period", "Amount"], delimiter=";")
    assert table is not None, errors
    assert table.cells["Amount"] == ["12.50"]


def test_a_delimiter_the_map_does_not_know_is_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, ledger_map=MAP + "  delimiter: colon\n")
    ledger_map, _, errors = load_map_and_agreement(folder / "map.yaml")
    assert ledger_map is None
    assert any("ledger_map.delimiter" in message for message in messages(errors)), messages(errors)


# --- pandas' complaints, in words -----------------------------------------------------------------------


def test_a_row_with_a_cell_too_many_is_located_in_words(tmp_path: Path) -> None:
    # Row 4's amount 1,000.00 is not in quotes, so its comma splits it: 6 cells where the header has 5.
    ledger = "Cost Centre,Account,Period,Ref,Amount\nCC10,5100,P1,A1,10.00\nCC10,5100,P1,A2,20.00\n" \
             "CC10,5100,P1,A3,1,000.00\n"
    [message] = read_problems(write_bytes(tmp_path, ledger.encode()))
    assert message == (f"{tmp_path / 'ledger.csv'} row 4: has 6 cells where the rows before it have 5; a comma "
                       "inside a cell splits it unless the cell is in quotes: check this row in a text editor (the "
                       "file's cells are separated by commas; the map's 'delimiter' can say another)")


def test_a_quote_never_closed_is_located_in_words(tmp_path: Path) -> None:
    ledger = 'Cost Centre,Account,Period,Ref,Amount\nCC10,5100,P1,A1,10.00\nCC10,5100,P1,A2,"20.00\nCC10,5100,P1\n'
    [message] = read_problems(write_bytes(tmp_path, ledger.encode()))
    assert message == (f"{tmp_path / 'ledger.csv'} row 3: a quote (\") opened in this row is never closed, so the "
                       "rest of the file would be one cell; close the quote or remove it")


def test_any_other_complaint_is_one_line_without_pandas_words() -> None:
    problem = parser_problem("Error tokenizing data. C error: out of memory\n", "l.csv", ",")
    assert str(problem) == "l.csv: the file cannot be read as CSV (out of memory); check it in a text editor"
    # The semicolon file that used to give pandas' own text: one line, at its row, in words.
    semicolons = parser_problem("Error tokenizing data. C error: Expected 1 fields in line 2, saw 2\n", "l.csv", ";")
    assert "\n" not in str(semicolons) and str(semicolons).startswith("l.csv row 2: has 2 cells where the rows "
                                                                      "before it have 1; a semicolon inside a cell")


# --- encodings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-be"])
def test_unicode_text_with_its_mark_reads_like_the_csv(tmp_path: Path, encoding: str) -> None:
    # Excel's "Unicode text" is UTF-16 with a byte-order mark, cells separated by tabs; the £ of row 7 survives.
    ledger = LEDGER.replace('"1,000.00"', "1000.00").replace(",", "\t")
    data = ledger.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # Python writes the big-endian form without its mark
    actuals, errors = actuals_of(write_bytes(tmp_path, data))
    assert actuals is not None, errors
    assert actuals.schemes == {"S1": [109000, 83000], "S2": [21000, 7001]}
    assert actuals.totals()["unmapped"] == 5000  # "£50.00" read as £50.00


def test_utf16_without_its_mark_is_refused_in_words(tmp_path: Path) -> None:
    [message] = read_problems(write_bytes(tmp_path, LEDGER.encode("utf-16-le")))
    assert message == (f"{tmp_path / 'ledger.csv'}: the file holds NUL characters: it looks like UTF-16 text saved "
                       "without its byte-order mark; save it from Excel as 'CSV UTF-8'")


def test_a_file_mixing_utf8_and_windows_1252_is_refused_at_the_cell(tmp_path: Path) -> None:
    # Row 3's £ is UTF-8 (two bytes, C2 A3), row 7's is Windows-1252 (one byte, A3): read as Windows-1252 the
    # first would be "Â£1,234.56", so the file is refused at the first cell that is not UTF-8.
    header = b"Cost Centre,Account,Period,Ref,Amount\n"
    rows = [b"CC10,5100,P1,A1,1.00\n", "CC10,5100,P1,A2,£1.00\n".encode(), b"CC10,5100,P1,A3,1.00\n",
            b"CC10,5100,P1,A4,1.00\n", b"CC10,5100,P1,A5,1.00\n", "CC10,5100,P1,A6,£1,234.56\n".encode("cp1252")]
    [message] = read_problems(write_bytes(tmp_path, header + b"".join(rows)))
    assert message == (f"{tmp_path / 'ledger.csv'} row 7, column 'Amount': '£' is written two ways in this file "
                       f"(here in Windows-1252, at row 3, column 'Amount' in UTF-8); {SAVE_AS_UTF8}")


def test_two_different_characters_in_two_encodings_are_both_named(tmp_path: Path) -> None:
    ledger = "Cost Centre,Account,Period,Ref,Amount\nCC10,5100,P1,Café,1.00\n".encode() + \
             "CC10,5100,P1,A2,£1.00\n".encode("cp1252")
    [message] = read_problems(write_bytes(tmp_path, ledger))
    assert message == (f"{tmp_path / 'ledger.csv'} row 3, column 'Amount': '£' is written in Windows-1252 here, but "
                       f"row 2, column 'Ref' has 'é' written in UTF-8: the file mixes two encodings; {SAVE_AS_UTF8}")


def test_windows_1252_alone_still_reads(tmp_path: Path) -> None:
    actuals, errors = actuals_of(write_bytes(tmp_path, LEDGER.encode("cp1252")))
    assert actuals is not None, errors
    assert actuals.totals()["unmapped"] == 5000


def test_a_byte_of_no_known_encoding_is_located(tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252 and not UTF-8.
    ledger = b"Cost Centre,Account,Period,Ref,Amount\nCC10,5100,P1,A\x81,1.00\n"
    [message] = read_problems(write_bytes(tmp_path, ledger))
    assert message == (f"{tmp_path / 'ledger.csv'} row 2, column 'Ref': byte 0x81 is neither UTF-8 nor Windows-1252 "
                       "text; save the file from Excel as 'CSV UTF-8'")


# --- workbook numbers: binary fractions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    # 0.1 + 0.7 is held as 0.7999999999999999: within a millionth of 80p, so 0.80. 1e20 is an int in the cell;
    # -1234.5600000001 is -1,234.56. 0.805 is half a penny out: written in full, then refused.
    [(0.1 + 0.7, "0.80"), (-1234.5600000001, "-1234.56"), (100.01, "100.01"), (0.805, "0.805"), (1e-05, "0.00001"),
     (3 * 0.1, "0.30")],
)
def test_a_number_cell_of_an_amount_column_is_read_to_the_penny(value: float, text: str) -> None:
    assert workbook_cell_text(value, amount=True) == text


def test_other_cells_are_the_text_pandas_gives() -> None:
    assert workbook_cell_text(0.1 + 0.7, amount=False) == "0.7999999999999999"
    assert workbook_cell_text("0.7999999999999999", amount=True) == "0.7999999999999999"
    assert workbook_cell_text(5100, amount=True) == "5100"


def test_float_noise_in_a_workbook_is_read_as_the_penny_it_shows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADINGS)
    sheet.append(["CC10", 5100, "P1", "A1", 0.1 + 0.7])  # shown 0.80
    sheet.append(["CC10", 5100, "P1", "A2", 0.805])  # half a penny
    sheet.append(["CC10", 5100, "P1", "A3", "0.7999999999999999"])  # typed as text
    book.save(tmp_path / "ledger.xlsx")
    folder = folder_with(tmp_path)
    actuals, errors = actuals_of(folder, "ledger.xlsx")
    assert actuals is None
    assert messages(errors) == [
        f"{folder / 'ledger.xlsx'} 'Sheet'!E3, row 3, column 'Amount': '0.805' has fractions of a penny; give pounds "
        "with at most 2 decimal places",
        f"{folder / 'ledger.xlsx'} 'Sheet'!E4, row 4, column 'Amount': '0.7999999999999999' has fractions of a "
        "penny; give pounds with at most 2 decimal places"]
    book = openpyxl.load_workbook(tmp_path / "ledger.xlsx")
    sheet = book.active
    assert sheet is not None
    sheet.delete_rows(3, 2)  # leaves the 0.80 alone
    book.save(tmp_path / "ledger.xlsx")
    actuals, errors = actuals_of(folder, "ledger.xlsx")
    assert actuals is not None, errors
    assert actuals.schemes == {"S1": [80], "S2": [0]}


def test_float_noise_in_a_csv_is_still_refused(tmp_path: Path) -> None:
    ledger = "Cost Centre,Account,Period,Ref,Amount\nCC10,5100,P1,A1,0.7999999999999999\n"
    folder = folder_with(tmp_path, ledger)
    actuals, errors = actuals_of(folder)
    assert actuals is None
    assert messages(errors) == [f"{folder / 'ledger.csv'} row 2, column 'Amount': '0.7999999999999999' has "
                                "fractions of a penny; give pounds with at most 2 decimal places"]


# --- exponents ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1e3", "1E3", "-1.5e+06", "(2e2)", "£1e3"])
def test_an_amount_in_exponent_form_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape("is written in exponent form; ledgers write amounts in full, "
                                                   "such as 1000.00: check the cell")):
        parse_amount(text)


def test_an_exponent_is_refused_at_its_cell_both_ways(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "Cost Centre,Account,Period,Ref,Amount\nCC10,5100,P1,A1,1e3\n")
    ledger_map, _, _ = load_map_and_agreement(folder / "map.yaml")
    assert ledger_map is not None
    table, _ = read_ledger(folder / "ledger.csv", HEADINGS)
    assert table is not None
    _, _, by_column = read_columns(table, ledger_map)
    _, _, by_row = read_rows(table, ledger_map)
    expected = [f"{folder / 'ledger.csv'} row 2, column 'Amount': '1e3' is written in exponent form; ledgers write "
                "amounts in full, such as 1000.00: check the cell (a spreadsheet may have turned a long figure into "
                "this)"]
    assert messages(by_column) == messages(by_row) == expected


def test_a_windows_1252_heading_with_a_pound_sign_finds_its_delimiter(tmp_path: Path) -> None:
    # "Amount £" in Windows-1252 is one byte, A3. Read as UTF-8 it is not the map's heading, and a comma or a
    # semicolon would split the header row into two cells alike; read as Windows-1252 the semicolon finds it.
    folder = write_bytes(tmp_path, "Amount £;Other,notes\r\n1,234.56;x\r\n".encode("cp1252"))
    table, errors = read_ledger(folder / "ledger.csv", ["Amount £"])
    assert table is not None, errors
    assert table.cells == {"Amount £": ["1,234.56"]}
