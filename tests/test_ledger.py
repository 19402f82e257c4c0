"""Ledger extracts to actuals: cells, the map, the reconciliation worked by hand, every located error, the command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from conftest import MONITORED_POOL
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledfund.cli.app import main
from pooledfund.core.errors import InputError
from pooledfund.core.money import MAX_POUNDS, to_pence
from pooledfund.io.ledger.map_file import load_map_and_agreement
from pooledfund.io.ledger.read import column_letter, read_ledger
from pooledfund.io.ledger.reconcile import LedgerActuals, LedgerRow, read_rows, reconcile
from pooledfund.io.ledger.values import parse_amount, parse_period
from pooledfund.io.scenario_files import load_scenario
from pooledfund.model.ledger_map import LedgerMap

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2025-26"
MAX_PENCE = MAX_POUNDS * 100

AGREEMENT = MONITORED_POOL

MAP = """\
ledger_map:
  agreement: agreement.yaml
  year: 2025-26
  columns: {cost_centre: Cost Centre, account: Account, period: Period, reference: Ref, amount: Amount}
  unmapped: report
  exclude:
    - {account: "91*", reason: Recharges}
  codes:
    - {cost_centre: "CC1*", scheme: S1}
    - {cost_centre: CC20, split: {S1: 30, S2: 70}}
"""

# Ledger total 1,000 + 500 - 200 + 300 + 100.01 + 50 + 75 + 40 + 500 = 2,365.01.
LEDGER = """\
Cost Centre,Account,Period,Ref,Amount
CC10,5100,P1,A1,"1,000.00"
CC10,5100,P2,A2,500.00
CC11,5100,2025-05,A3,(200.00)
CC20,5100,Apr-25,B1,300.00
CC20,5100,2025-05-14,B2,100.01
CC99,5100,P2,X1,£50.00
CC10,9100,P2,R1,75.00
CC10,5100,2024-25 P12,Z1,40.00
CC10,5100,P2,A2,500.00
"""


def folder_with(tmp_path: Path, ledger: str = LEDGER, ledger_map: str = MAP, name: str = "ledger.csv") -> Path:
    (tmp_path / "agreement.yaml").write_text(AGREEMENT)
    (tmp_path / "map.yaml").write_text(ledger_map)
    (tmp_path / name).write_text(ledger)
    return tmp_path


def actuals_of(folder: Path, name: str = "ledger.csv") -> tuple[LedgerActuals | None, list[InputError]]:
    ledger_map, _, errors = load_map_and_agreement(folder / "map.yaml")
    assert ledger_map is not None, errors
    headings = [heading for _, heading in ledger_map.columns.headings()]
    table, errors = read_ledger(folder / name, headings, sheet=ledger_map.sheet, header_row=ledger_map.header_row,
                                amounts=ledger_map.columns.amount_headings(),
                                delimiter=ledger_map.delimiter_character())
    assert table is not None, errors
    rows, blank, errors = read_rows(table, ledger_map)
    if errors:
        return None, errors
    return reconcile(rows, ledger_map, file=table.file, blank_rows=blank)


def messages(errors: list[InputError]) -> list[str]:
    return [str(error) for error in errors]


# --- cells --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pence"),
    [("1,234.56", 123456), ("(1,234.56)", -123456), ("£1,234.56", 123456), ("-£5.00", -500), (" 12 ", 1200),
     ("0.10", 10), ("1234.5", 123450)],
)
def test_amounts_are_read_exactly(text: str, pence: int) -> None:
    assert parse_amount(text) == pence


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "the amount is blank"), ("  ", "the amount is blank"), ("twelve", "expected an amount"),
     ("1.234", "fractions of a penny"), ("1,23,4", "commas only between groups of three")],
)
def test_a_bad_amount_is_refused_in_words(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "period"),
    [("2025-09", (YEAR, 5)), ("2025/9", (YEAR, 5)), ("P6", (YEAR, 5)), ("p06", (YEAR, 5)), ("Period 6", (YEAR, 5)),
     ("P1", (YEAR, 0)), ("P12", (YEAR, 11)), ("2024-25 P12", ("2024-25", 11)), ("Sep-25", (YEAR, 5)),
     ("Sep 2025", (YEAR, 5)), ("September 2025", (YEAR, 5)), ("Sept-25", (YEAR, 5)), ("Mar-26", (YEAR, 11)),
     ("2025-09-14", (YEAR, 5)), ("14/09/2025", (YEAR, 5)), ("2025-09-14 00:00:00", (YEAR, 5)),
     ("2026-03", (YEAR, 11)), ("2025-03", ("2024-25", 11)), ("2025-04", (YEAR, 0))],
)
def test_periods_in_the_forms_ledgers_export(text: str, period: tuple[str, int]) -> None:
    assert parse_period(text, YEAR) == period


@pytest.mark.parametrize(
    ("text", "words"),
    [("P13", "'P13' is a year-end adjustment period of 2025-26: set 'period_13: march' in the map"),
     ("2025-26 P14", "is a year-end adjustment period of 2025-26"),
     ("P0", "^'P0' is not a period: P1 is April and P12 March$"),
     ("P15", "P1 \\(April\\) to P12 \\(March\\), and P13 and P14 for year-end adjustments"),
     ("06/14/2025", "^'06/14/2025' is not a real date: dates are read day first \\(UK\\), so this is day 6 of "
                    "month 14; write it 14/06/2025 or 2025-06-14$"),
     ("Sept", "is not a period"),
     ("2025-13", "not a real date"), ("31/02/2025", "not a real date"), ("", "the period is blank"),
     ("Sop-25", "is not a period")],
)
def test_a_bad_period_is_refused_in_words(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_period(text, YEAR)


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


# --- the reconciliation, by hand ---------------------------------------------------------------------


def test_the_ledger_reconciles_to_the_penny(tmp_path: Path) -> None:
    actuals, errors = actuals_of(folder_with(tmp_path))
    assert actuals is not None, errors
    # Actual to May (P2), the last month with a row of the year.
    assert actuals.to_month == 1
    # Out of period: 2024-25 P12, 40.00. Excluded (account 91*): 75.00. Unmapped (CC99): 50.00.
    # Mapped: 1,000 + 500 - 200 + 300 + 100.01 + 500 (the duplicate is kept) = 2,200.01.
    assert actuals.totals() == {"mapped": 220001, "unmapped": 5000, "excluded": 7500, "out_of_period": 4000,
                                "after_as_at": 0, "dropped_duplicates": 0}
    assert actuals.ledger_total == 236501 == sum(actuals.totals().values())
    # S1 April: 1,000 + 30% of 300 = 1,090.00. May: 500 - 200 + 500 + 30% of 100.01. 100.01 splits
    # 3,000.3p : 7,000.7p -> floors 3,000 + 7,000, the odd penny to the larger remainder (S2):
    # S1 30.00, S2 70.01. So S1 May 830.00; S2 April 210.00, May 70.01.
    assert actuals.schemes == {"S1": [109000, 83000], "S2": [21000, 7001]}
    assert [(row.row, first.row) for row, first in actuals.duplicates] == [(10, 3)]
    assert [row.row for row in actuals.credits] == [4]
    assert [row.row for row in actuals.out_of_period] == [9]


def test_duplicates_dropped_when_the_map_says_so(tmp_path: Path) -> None:
    actuals, _ = actuals_of(folder_with(tmp_path, ledger_map=MAP + "  duplicates: drop\n"))
    assert actuals is not None
    # The second A2 (500.00) is left out: mapped 1,700.01, S1 May 330.00.
    assert actuals.totals()["dropped_duplicates"] == 50000
    assert actuals.totals()["mapped"] == 170001
    assert actuals.schemes["S1"] == [109000, 33000]
    assert sum(actuals.totals().values()) == actuals.ledger_total


def test_without_a_reference_column_the_same_amount_twice_is_a_possible_duplicate(tmp_path: Path) -> None:
    ledger = "Cost Centre,Period,Amount\nCC10,P1,10.00\nCC10,P1,10.00\nCC10,P1,11.00\n"
    ledger_map = MAP.replace("account: Account, ", "").replace("reference: Ref, ", "").replace(
        '    - {account: "91*", reason: Recharges}\n', "").replace("  exclude:\n", "")
    actuals, errors = actuals_of(folder_with(tmp_path, ledger, ledger_map))
    assert actuals is not None, errors
    assert [(row.row, first.row) for row, first in actuals.duplicates] == [(3, 2)]
    assert actuals.schemes["S1"] == [3100]


def test_as_at_puts_later_months_after_the_as_at_month(tmp_path: Path) -> None:
    actuals, _ = actuals_of(folder_with(tmp_path, ledger_map=MAP + "  as_at: 2025-04\n"))
    assert actuals is not None
    # Only April is actual: May's rows (500 + (200) + 100.01 + 50 + 75 + 500 = 1,025.01) are after the as-at
    # month, listed on their own line; the 40.00 of 2024-25 P12 stays out of period (another year).
    assert actuals.to_month == 0
    assert actuals.totals()["after_as_at"] == 50000 - 20000 + 10001 + 5000 + 7500 + 50000 == 102501
    assert actuals.totals()["out_of_period"] == 4000
    assert [row.row for row in actuals.after_as_at] == [3, 4, 6, 7, 8, 10]
    assert actuals.schemes == {"S1": [109000], "S2": [21000]}
    assert sum(actuals.totals().values()) == actuals.ledger_total == 236501


@pytest.mark.parametrize(
    ("columns", "sign", "ledger"),
    [
        ("amount: Amount", "  sign: expenditure_negative\n",
         "Cost Centre,Period,Amount\nCC10,P1,-100.00\nCC10,P1,25.00\n"),
        ("debit: Dr, credit: Cr", "", "Cost Centre,Period,Dr,Cr\nCC10,P1,100.00,\nCC10,P1,,25.00\n"),
        ("debit: Dr, credit: Cr", "", "Cost Centre,Period,Dr,Cr\nCC10,P1,100.00,0\nCC10,P1,10.00,35.00\n"),
    ],
)
def test_sign_conventions(tmp_path: Path, columns: str, sign: str, ledger: str) -> None:
    ledger_map = f"""\
ledger_map:
  agreement: agreement.yaml
  year: 2025-26
  columns: {{cost_centre: Cost Centre, period: Period, {columns}}}
{sign}  codes:
    - {{cost_centre: CC10, scheme: S1}}
"""
    actuals, errors = actuals_of(folder_with(tmp_path, ledger, ledger_map))
    assert actuals is not None, errors
    # Spend 100.00 less a credit of 25.00 = 75.00 in April.
    assert actuals.schemes == {"S1": [7500]}


def test_an_xlsx_extract_reads_like_the_csv(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "GL extract"
    sheet.append(["Northmoor ledger extract"])
    sheet.append(["Cost Centre", "Account", "Period", "Ref", "Amount"])
    sheet.append(["CC10", 5100, dt.datetime(2025, 4, 30), "A1", 1000])
    sheet.append(["CC20", 5100, "P2", "B2", 100.01])
    sheet.append(["CC10", 5100, "May-25", "A2", "(200.00)"])
    book.save(tmp_path / "ledger.xlsx")
    folder = folder_with(tmp_path, ledger_map=MAP + "  header_row: 2\n")
    actuals, errors = actuals_of(folder, "ledger.xlsx")
    assert actuals is not None, errors
    # S1: April 1,000; May 30.00 - 200 = -170.00 (a net credit month). S2: May 70.01.
    assert actuals.schemes == {"S1": [100000, -17000], "S2": [0, 7001]}


def test_an_xlsx_bad_cell_is_named_by_sheet_and_cell(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "GL"
    sheet.append(["Cost Centre", "Account", "Period", "Ref", "Amount"])
    sheet.append(["CC10", 5100, "P1", "A1", "lots"])
    book.save(tmp_path / "ledger.xlsx")
    actuals, errors = actuals_of(folder_with(tmp_path), "ledger.xlsx")
    assert actuals is None
    assert "ledger.xlsx 'GL'!E2, row 2, column 'Amount': expected an amount" in messages(errors)[0]


# --- located errors ----------------------------------------------------------------------------------


def test_bad_cells_are_located_by_row_and_column(tmp_path: Path) -> None:
    ledger = "Cost Centre,Account,Period,Ref,Amount\nCC10,5100,P1,A1,ten\nCC10,5100,P13,A2,1.00\nCC10,5100,P1,A3,\n"
    actuals, errors = actuals_of(folder_with(tmp_path, ledger))
    assert actuals is None
    found = messages(errors)
    assert found[0].endswith("ledger.csv row 2, column 'Amount': expected an amount in pounds such as 1250000.00, "
                             "got 'ten'")
    # P13 of the map's own year, with the map's default 'period_13: refuse' (the message names the option).
    assert found[1].endswith("row 3, column 'Period': 'P13' is a year-end adjustment period of 2025-26: set "
                             "'period_13: march' in the map to count P13 and P14 in March, or give these rows a "
                             "month in the ledger extract")
    assert "row 4, column 'Amount': the amount is blank" in found[2]
    assert all(message.startswith(str(tmp_path / "ledger.csv")) for message in found)


def test_an_unknown_column_lists_the_columns_there_are(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, LEDGER.replace("Amount", "Value", 1))
    ledger_map, _, _ = load_map_and_agreement(folder / "map.yaml")
    assert ledger_map is not None
    headings = [heading for _, heading in ledger_map.columns.headings()]
    table, errors = read_ledger(folder / "ledger.csv", headings)
    assert table is None
    assert "row 1: has no column 'Amount' (named in the map); the columns are: 'Cost Centre', 'Account', " \
           "'Period', 'Ref', 'Value'" in messages(errors)[0]


def test_a_column_twice_is_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, LEDGER.replace("Ref,", "Amount,", 1))
    table, errors = read_ledger(folder / "ledger.csv", ["Amount"])
    assert table is None and "the column 'Amount' appears twice (columns D and E)" in messages(errors)[0]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("scheme: S1}", "scheme: S9}"), "map.yaml:9 ledger_map.codes[0].scheme: 'S9' is not a scheme in monitored"),
        (("{S1: 30, S2: 70}", "{S1: 30, S2: 60}"), "percentages add up to 90%"),
        (("{S1: 30, S2: 70}", "{S1: 30, S3: 70}"), "ledger_map.codes[1].split.S3: 'S3' is not a scheme"),
        (("scheme: S1}", "scheme: S1, split: {S2: 100}}"), "give either 'scheme'"),
        (("year: 2025-26", "year: 2027-28"), "ledger_map.year: 2027-28 is not one of monitored's years"),
        (("unmapped: report", "unmapped: maybe"), "ledger_map.unmapped"),
        (("agreement: agreement.yaml", "agreement: nowhere.yaml"), "the agreement nowhere.yaml was not found"),
        (("reference: Ref, ", "reference: Ref, debit: Dr, "), "give either 'amount'"),
        (("period: Period", "period: Period, colour: Colour"), "ledger_map.columns.colour"),
    ],
)
def test_a_bad_map_is_refused_at_its_line(tmp_path: Path, change: tuple[str, str], words: str) -> None:
    folder = folder_with(tmp_path, ledger_map=MAP.replace(*change))
    ledger_map, _, errors = load_map_and_agreement(folder / "map.yaml")
    assert ledger_map is None
    assert any(words in message for message in messages(errors)), messages(errors)


def test_a_forecast_for_a_scheme_with_no_codes_is_refused(tmp_path: Path) -> None:
    ledger_map = MAP.replace("CC20, split: {S1: 30, S2: 70}", "CC20, scheme: S1") + \
        "  forecast:\n    schemes:\n      S2: {method: trend}\n"
    _, _, errors = load_map_and_agreement(folder_with(tmp_path, ledger_map=ledger_map) / "map.yaml")
    assert "ledger_map.forecast.schemes.S2: 'S2' is given a forecast method but no code is mapped to it" in \
        messages(errors)[0]


def test_overlapping_rules_are_an_error_naming_both(tmp_path: Path) -> None:
    extra = "    - {cost_centre: CC10, scheme: S2}\n"
    ledger_map = MAP.replace("    - {cost_centre: CC20,", extra + "    - {cost_centre: CC20,")
    actuals, errors = actuals_of(folder_with(tmp_path, ledger_map=ledger_map))
    assert actuals is None
    [error] = messages(errors)
    assert "row 2, column 'Cost Centre': cost centre CC10, account 5100 matches codes[0] (cost centre CC1*) and " \
           "codes[1] (cost centre CC10): 3 rows (rows 2, 3, 10)" in error


def test_a_rule_on_a_column_the_map_does_not_name_is_refused(tmp_path: Path) -> None:
    ledger_map = MAP.replace("account: Account, ", "")
    _, _, errors = load_map_and_agreement(folder_with(tmp_path, ledger_map=ledger_map) / "map.yaml")
    assert "a rule matches on account (account 91*) but 'columns' names no account column" in messages(errors)[0]


# --- the command -------------------------------------------------------------------------------------


def test_unmapped_codes_stop_the_command_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = folder_with(tmp_path, ledger_map=MAP.replace("  unmapped: report\n", ""))
    code = main(["actuals", str(folder / "ledger.csv"), "--map", str(folder / "map.yaml"), "-o",
                 str(folder / "out.yaml")])
    err = capsys.readouterr().err
    assert code == 1
    assert "row 7, column 'Cost Centre': cost centre CC99, account 5100 is in no rule of the map: 1 row (row 7), " \
           "£50.00; add it to 'codes' or 'exclude'" in err
    assert not (folder / "out.yaml").exists()


def test_the_command_writes_a_scenario_run_accepts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = folder_with(tmp_path, ledger_map=MAP + "  forecast: {default: run_rate}\n")
    out = folder / "actuals.yaml"
    args = ["actuals", str(folder / "ledger.csv"), "--map", str(folder / "map.yaml"), "-o", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Ledger total" in printed and "£2,365.01" in printed and "Mapped to schemes" in printed
    assert "Actuals scenario written to" in printed
    scenario, errors = load_scenario(out)
    assert scenario is not None, errors
    [entry] = scenario.actuals
    assert (entry.year, entry.to_month, entry.forecast_method) == (YEAR, "2025-05", "run_rate")
    assert entry.schemes == {"S1": [109000, 83000], "S2": [21000, 7001]}
    # The run's forecast: S1 run rate (1,090 + 830) / 2 = 960 a month, year 960 x 12 = 11,520.00.
    assert "£11,520.00" in printed
    assert main(["run", str(folder / "agreement.yaml"), "--scenario", str(out)]) == 0
    # Never over an existing file without --force.
    assert main(args) == 1
    assert "already exists" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0


def test_the_example_reproduces_its_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = ROOT / "examples/monitoring"
    out = tmp_path / "m6.yaml"
    assert main(["actuals", str(example / "northmoor_ledger_m6.csv"), "--map", str(example / "northmoor_map.yaml"),
                 "-o", str(out), "--previous", str(example / "northmoor_actuals_m5.yaml")]) == 0
    printed = capsys.readouterr().out
    assert out.read_text() == (example / "northmoor_actuals_m6.yaml").read_text()
    for words in ("Unmapped (reported, left out)", "Excluded: Recharges between partners", "Out of period",
                  "repeats row", "Credits (negative expenditure)", "Movement since the previous forecast"):
        assert words in printed


# --- properties --------------------------------------------------------------------------------------

CODES = ["CC1", "CC2", "CC3", "CC4", "CC5", "XX9"]


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[LedgerMap, list[LedgerRow]]:
    """A map whose rules never overlap (each code in one rule at most) and rows over codes, months and years."""
    mapped = draw(st.lists(st.sampled_from(CODES[:5]), unique=True, min_size=1))
    excluded = draw(st.sampled_from([None, *[c for c in CODES if c not in mapped]]))
    rules: list[dict[str, object]] = []
    for code in mapped:
        if draw(st.booleans()):
            first = draw(st.integers(0, 100))
            rules.append({"cost_centre": code, "split": {"S1": first, "S2": 100 - first}})
        else:
            rules.append({"cost_centre": code, "scheme": draw(st.sampled_from(["S1", "S2"]))})
    ledger_map = LedgerMap.model_validate({
        "agreement": "a.yaml", "year": YEAR, "columns": {"cost_centre": "CC", "period": "P", "amount": "A"},
        "unmapped": "report", "duplicates": draw(st.sampled_from(["report", "drop"])), "codes": rules,
        "exclude": [{"cost_centre": excluded, "reason": "out"}] if excluded else []})
    rows = draw(st.lists(st.builds(
        lambda i, code, year, month, amount: LedgerRow(i, (("cost_centre", code),), year, month, amount, "", ""),
        st.just(0), st.sampled_from(CODES), st.sampled_from([YEAR, YEAR, "2024-25"]), st.integers(0, 11),
        st.integers(-10**9, 10**9)), min_size=1, max_size=40))
    return ledger_map, [LedgerRow(i + 2, *(getattr(r, f) for f in ("codes", "year", "month", "amount",
                                                                    "reference", "description")))
                        for i, r in enumerate(rows)]


def actuals_of_rows_mapped(rows: list[LedgerRow], ledger_map: LedgerMap) -> bool:
    """Whether some row of the year is mapped spend: not £0, its code in no exclusion and in a code rule."""
    excluded = {rule.cost_centre for rule in ledger_map.exclude}
    mapped = {rule.cost_centre for rule in ledger_map.codes}
    return any(row.year == YEAR and row.amount != 0 and row.codes[0][1] not in excluded and row.codes[0][1] in mapped
               for row in rows)


@settings(max_examples=200, deadline=None)
@given(ledgers())
def test_every_penny_of_the_ledger_is_somewhere(case: tuple[LedgerMap, list[LedgerRow]]) -> None:
    ledger_map, rows = case
    actuals, errors = reconcile(rows, ledger_map, file="l.csv")
    if actuals is None:
        # No row in the year, or none of the year's rows is mapped spend (not £0, not excluded, a rule matching):
        # there is no month of actuals to give.
        [error] = errors
        if "no row has a period" in error.message:
            assert all(row.year != YEAR for row in rows)
        else:
            assert "maps to a scheme" in error.message
            assert not actuals_of_rows_mapped(rows, ledger_map)
        return
    totals = actuals.totals()
    # mapped + unmapped + excluded + out of period + dropped = the ledger total, to the penny,
    assert sum(totals.values()) == actuals.ledger_total == sum(row.amount for row in rows)
    # and every split adds up: the schemes hold exactly what was mapped, month by month.
    assert sum(sum(months) for months in actuals.schemes.values()) == totals["mapped"]
    for month in range(actuals.to_month + 1):
        in_month = sum(row.amount for row in actuals.mapped if row.month == month)
        assert sum(months[month] for months in actuals.schemes.values()) == in_month


@given(st.integers(-MAX_PENCE, MAX_PENCE), st.sampled_from(["plain", "commas", "brackets", "pound"]))
def test_the_quick_reading_of_usual_amounts_agrees_with_the_strict_reader(pence: int, form: str) -> None:
    # Ledgers write amounts as 1234.56, 1,234.56, (1,234.56) or £1,234.56: read from the digits, the same
    # pence as the package's strict money reader gives.
    pounds_part, pence_part = divmod(abs(pence), 100)
    digits = f"{pounds_part:,}" if form in ("commas", "brackets", "pound") else str(pounds_part)
    text = f"{'£' if form == 'pound' else ''}{digits}.{pence_part:02d}"
    if pence < 0:
        text = f"({text})" if form == "brackets" else f"-{text}"
    assert parse_amount(text) == pence == to_pence(text.replace("(", "-").replace(")", ""))


def test_the_projection_sheet_marks_actual_and_forecast_months(tmp_path: Path) -> None:
    from pooledfund.io.excel import export_workbook
    from pooledfund.io.loader import require_agreement
    from pooledfund.io.scenario_files import require_scenario

    agreement = require_agreement(ROOT / "examples/bcf_northmoor.yaml")
    scenario = require_scenario(ROOT / "examples/monitoring/northmoor_actuals_m6.yaml")
    export_workbook(agreement, [scenario], tmp_path / "pack.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "pack.xlsx")["Projection"]
    # The marker row opens the 2025-26 block (the headings are row 4): its label in the Scheme name column,
    # then April to September actual (to_month 2025-09), October to March forecast.
    marks = [sheet.cell(row=5, column=column).value for column in range(3, 16)]
    assert marks == ["2025-26: actual to Sep 2025", *["Actual"] * 6, *["Forecast"] * 6]
    assert [sheet.cell(row=4, column=column).value for column in (1, 3, 4, 15)] == ["Year", "Scheme name", "Apr",
                                                                                   "Mar"]
