"""The actual-through month, debit and credit signs, year-end periods and the checks on the actuals: by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_ledger import MAP, ROOT, actuals_of, folder_with, messages
from test_ledger_columns import columns_of

from pooledfund.cli.app import main
from pooledfund.io.ledger.checks import (
    incomplete_month_warning,
    month_words,
    negative_schemes_error,
    negative_total_warning,
)
from pooledfund.io.ledger.map_file import load_map_and_agreement
from pooledfund.io.ledger.reconcile import LedgerActuals
from pooledfund.model.ledger_map import LedgerMap

EXAMPLE = ROOT / "examples" / "monitoring"
HEADER = "Cost Centre,Account,Period,Ref,Amount\n"


def both_ways(folder: Path) -> tuple[LedgerActuals | None, list[str]]:
    """The actuals row by row and a column at a time, checked equal, with the messages."""
    by_row, row_errors = actuals_of(folder)
    by_column, column_errors = columns_of(folder)
    assert by_row == by_column
    assert messages(row_errors) == messages(column_errors)
    return by_row, messages(row_errors)


def example_copy(tmp_path: Path, extra_rows: str = "", map_change: tuple[str, str] = ("", "")) -> Path:
    """The bundled month 6 example in a folder of its own, with rows added to its ledger and the map changed."""
    folder = tmp_path / "monitoring"
    folder.mkdir()
    shutil.copyfile(ROOT / "examples" / "bcf_northmoor.yaml", tmp_path / "bcf_northmoor.yaml")
    map_text = (EXAMPLE / "northmoor_map.yaml").read_text()
    (folder / "northmoor_map.yaml").write_text(map_text.replace(*map_change) if map_change[0] else map_text)
    (folder / "ledger.csv").write_text((EXAMPLE / "northmoor_ledger_m6.csv").read_text() + extra_rows)
    return folder


def run_example(folder: Path, *options: str) -> int:
    return main(["actuals", str(folder / "ledger.csv"), "--map", str(folder / "northmoor_map.yaml"), "-o",
                 str(folder / "out.yaml"), *options])


# --- the actual-through month ----------------------------------------------------------------------------


def test_an_early_posting_no_rule_maps_does_not_move_the_last_actual_month(tmp_path: Path) -> None:
    # An excluded recharge (account 91*) and an unmapped code in June, a mapped row of £0.00 in July: none is
    # mapped spend, so the last actual month stays May (the hand-worked ledger of test_ledger), and the three
    # rows are after the as-at month: 75.00 + 12.00 + 0.00 = 87.00.
    ledger = "".join(["CC10,5100,P1,A1,100.00\n", "CC10,5100,P2,A2,200.00\n", "CC10,9100,P3,R1,75.00\n",
                      "CC99,5100,P3,X1,12.00\n", "CC10,5100,P4,Z1,0.00\n"])
    actuals, errors = both_ways(folder_with(tmp_path, HEADER + ledger))
    assert actuals is not None, errors
    assert actuals.to_month == 1
    assert [row.row for row in actuals.after_as_at] == [4, 5, 6]
    assert actuals.totals() == {"mapped": 30000, "unmapped": 0, "excluded": 0, "out_of_period": 0,
                                "after_as_at": 8700, "dropped_duplicates": 0}
    assert actuals.schemes == {"S1": [10000, 20000], "S2": [0, 0]}


def test_a_ledger_with_no_mapped_spend_is_refused(tmp_path: Path) -> None:
    ledger = "CC99,5100,P1,X1,12.00\nCC10,9100,P2,R1,75.00\nCC10,5100,P2,Z1,0.00\n"
    folder = folder_with(tmp_path, HEADER + ledger)
    actuals, found = both_ways(folder)
    assert actuals is None
    assert found == [f"{folder / 'ledger.csv'}: no row of 2025-26 maps to a scheme (every row in the year is "
                     "excluded, unmapped or £0.00), so there is no month of actuals; check the map's 'codes' against "
                     "the ledger's codes, or give the as-at month (--as-at or 'as_at' in the map)"]


def test_an_excluded_recharge_in_october_leaves_the_example_actual_to_september(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = example_copy(tmp_path, 'CC4101,9100,P07,JR1,Recharge,"(12,500.00)"\n')
    assert run_example(folder) == 0
    out, err = capsys.readouterr()
    assert err == ""
    # NM01 by run rate on April to September, as in the bundled month 6: 2 x 1,778,935.79 = 3,557,871.58.
    nm01 = next(line for line in out.splitlines() if line.startswith("NM01"))
    assert nm01.split()[-3:] == ["£3,450,000.00", "£3,557,871.58", "£107,871.58"]
    # The recharge is listed and reconciled: ledger total 10,062,979.48 - 12,500.00 = 10,050,479.48.
    assert "After the as-at month (later than Sep 2025)                                       1    (£12,500.00)" in out
    assert "== After the as-at month (later than Sep 2025): not actual, left out: 1 row, (£12,500.00) ==" in out
    assert "Ledger total                                                                    235  £10,050,479.48" in out
    written = (folder / "out.yaml").read_text().splitlines()
    bundled = (EXAMPLE / "northmoor_actuals_m6.yaml").read_text().splitlines()
    # Only the comment naming the file and its reconciliation, and the description naming the file, differ.
    assert [i for i, (a, b) in enumerate(zip(written, bundled, strict=True)) if a != b] == [0, 1, 5]
    assert written[1].endswith("out of period -£6,400.00 + after the as-at month -£12,500.00 + dropped duplicates "
                               "£0.00.")


def test_a_small_mapped_posting_in_october_is_warned_of_and_as_at_puts_it_after(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = example_copy(tmp_path, "CC4101,5100,P07,INV1,Early invoice,1000.00\n")
    assert run_example(folder) == 0
    out, err = capsys.readouterr()
    # Mapped spend April to September 10,045,923.98 / 6 = 1,674,320.663... -> £1,674,320.66; October £1,000.00 is
    # under half of that.
    assert err == ("Warning: October 2025 looks incomplete: its mapped spend is £1,000.00 against an average of "
                   "£1,674,320.66 a month from April to September 2025; if the ledger is not closed for October, "
                   "give --as-at 2025-09 (or 'as_at: 2025-09' in the map)\n")
    assert "actual April to Oct 2025 (the last month with mapped spend)" in out
    assert run_example(folder, "--as-at", "2025-09", "--force") == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "actual April to Sep 2025 (--as-at)." in out
    assert "£3,557,871.58" in next(line for line in out.splitlines() if line.startswith("NM01"))
    assert "== After the as-at month (later than Sep 2025): not actual, left out: 1 row, £1,000.00 ==" in out


def test_a_bare_p12_meant_for_last_year_is_warned_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A bare P12 is March of the map's year, 2026: mapped, it makes March the last actual month, and March's
    # £500.00 is far under the average of April to February: 10,045,923.98 / 11 = 913,265.816... -> £913,265.82.
    # The whole year then being actual, IB02's manual outturn cannot stand: the run stops, the warning first.
    folder = example_copy(tmp_path, "CC4101,5100,P12,INV2,Last year's March,500.00\n")
    assert run_example(folder) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "Warning: March 2026 looks incomplete: its mapped spend is £500.00 against an average of £913,265.82 a month "
        "from April to February 2026; if the ledger is not closed for March, give --as-at 2026-02 (or 'as_at: "
        "2026-02' in the map)")
    assert "every month of 2025-26 is actual, so the outturn is the actuals' £1,433,412.46" in err[1]
    # Given the as-at month, the row is after it: the month 6 forecast again, without a warning.
    assert run_example(folder, "--as-at", "2025-09") == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("as_at", "message"),
    [("2025-9x", "--as-at: '2025-9x' is not a month; write it like 2025-10 (October 2025)"),
     ("2026-04", "--as-at: 2026-04 is not in 2025-26, the map's year; give a month of that year, such as 2025-09")],
)
def test_a_bad_as_at_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], as_at: str, message: str) -> None:
    folder = folder_with(tmp_path)
    assert main(["actuals", str(folder / "ledger.csv"), "--map", str(folder / "map.yaml"), "--as-at", as_at]) == 1
    assert capsys.readouterr().err.splitlines()[0] == message


# --- debit and credit columns ---------------------------------------------------------------------------------

DEBIT_CREDIT_MAP = """\
ledger_map:
  agreement: agreement.yaml
  year: 2025-26
  columns: {cost_centre: Cost Centre, period: Period, debit: Dr, credit: Cr}
  codes:
    - {cost_centre: CC10, scheme: S1}
"""


@pytest.mark.parametrize(
    ("credit_sign", "ledger", "message"),
    [
        ("", "CC10,P1,,-200.00\n", "row 2, column 'Cr': credits are written as positive figures in the 'Cr' column; "
         "this -200.00 would count as spend: write a credit as a positive figure, spend in the debit column, or, if "
         "this ledger writes every credit negative, set 'credit_sign: negative' in the map"),
        ("", "CC10,P1,(50.00),\n", "row 2, column 'Dr': debits are written as positive figures in the 'Dr' column; "
         "this (50.00) would count as a credit: write a credit in the 'Cr' column, as a positive figure"),
        ("  credit_sign: negative\n", "CC10,P1,,200.00\n", "row 2, column 'Cr': credits are written as negative "
         "figures in the 'Cr' column (the map's credit_sign: negative); this 200.00 would count as spend: write a "
         "credit as a negative figure, or spend in the 'Dr' column"),
        ("  credit_sign: negative\n", "CC10,P1,-1.00,\n", "row 2, column 'Dr': debits are written as positive "
         "figures in the 'Dr' column; this -1.00 would count as a credit: write a credit in the 'Cr' column, as a "
         "negative figure (credit_sign: negative)"),
    ],
)
def test_a_debit_or_credit_of_the_wrong_sign_is_refused_both_ways(tmp_path: Path, credit_sign: str, ledger: str,
                                                                  message: str) -> None:
    folder = folder_with(tmp_path, "Cost Centre,Period,Dr,Cr\nCC10,P1,100.00,\n" + ledger,
                         DEBIT_CREDIT_MAP + credit_sign)
    actuals, found = both_ways(folder)
    assert actuals is None
    assert found == [f"{folder / 'ledger.csv'} {message.replace('row 2', 'row 3')}"]


def test_credits_written_negative_when_the_map_says_so(tmp_path: Path) -> None:
    # Debit 100.00 plus credit -25.00, and 10.00 plus -35.00: 75.00 - 25.00 = 50.00 in April.
    ledger = "Cost Centre,Period,Dr,Cr\nCC10,P1,100.00,-25.00\nCC10,P1,10.00,(35.00)\nCC10,P1,,-0.00\n"
    actuals, found = both_ways(folder_with(tmp_path, ledger, DEBIT_CREDIT_MAP + "  credit_sign: negative\n"))
    assert actuals is not None, found
    assert actuals.schemes == {"S1": [5000]}


def test_credit_sign_with_one_amount_column_is_refused(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, ledger_map=MAP + "  credit_sign: negative\n")
    ledger_map, _, errors = load_map_and_agreement(folder / "map.yaml")
    assert ledger_map is None
    assert "'credit_sign' is for debit and credit columns; with one amount column say which way it is signed with " \
           "'sign': remove 'credit_sign'" in messages(errors)[0]


# --- periods 13 and 14 -----------------------------------------------------------------------------------------


def test_period_13_and_14_count_in_march_when_the_map_says_so(tmp_path: Path) -> None:
    # April 100.00; P12 10.00, P13 20.00, P14 30.00 all in March: 60.00. Last year's P13 (5.00) is out of period.
    ledger = HEADER + "CC10,5100,P1,A1,100.00\nCC10,5100,P12,A2,10.00\nCC10,5100,P13,A3,20.00\n" \
                      "CC10,5100,2025-26 P14,A4,30.00\nCC10,5100,2024-25 P13,A5,5.00\n"
    actuals, found = both_ways(folder_with(tmp_path, ledger, MAP + "  period_13: march\n"))
    assert actuals is not None, found
    assert actuals.to_month == 11
    assert actuals.schemes["S1"] == [10000, *[0] * 10, 6000]
    assert [(row.row, row.year, row.month) for row in actuals.out_of_period] == [(6, "2024-25", 11)]


def test_last_years_period_13_is_out_of_period_without_the_option(tmp_path: Path) -> None:
    ledger = HEADER + "CC10,5100,P1,A1,100.00\nCC10,5100,2024-25 P13,A5,5.00\n"
    actuals, found = both_ways(folder_with(tmp_path, ledger))
    assert actuals is not None, found
    assert actuals.totals()["out_of_period"] == 500


# --- the sign of the mapped spend ---------------------------------------------------------------------------


def actuals_with(schemes: dict[str, list[int]]) -> LedgerActuals:
    return LedgerActuals("2025-26", len(next(iter(schemes.values()))) - 1, schemes, 0, 0, 0)


def map_of(folder: Path) -> LedgerMap:
    ledger_map, _, errors = load_map_and_agreement(folder / "map.yaml")
    assert ledger_map is not None, errors
    return ledger_map


def test_half_the_schemes_negative_is_not_refused_more_than_half_is(tmp_path: Path) -> None:
    ledger_map = map_of(folder_with(tmp_path))  # maps S1 and S2
    # One of two negative: exactly half, allowed. Two of two: refused.
    assert negative_schemes_error(actuals_with({"S1": [-100], "S2": [50]}), ledger_map, "map.yaml") is None
    error = negative_schemes_error(actuals_with({"S1": [-100], "S2": [50, -60]}), ledger_map, "map.yaml")
    assert error is not None
    assert error.message.startswith("2 of the 2 mapped schemes have negative spend for the year to date (S1 -£1.00, "
                                    "S2 -£0.10)")


def test_no_warning_when_the_total_is_positive(tmp_path: Path) -> None:
    ledger_map = map_of(folder_with(tmp_path))
    assert negative_total_warning(actuals_with({"S1": [-100], "S2": [100]}), ledger_map) is None
    # Month one's average 100p, the last 49p: under half (49 x 2 < 100); 50p is not.
    assert incomplete_month_warning(actuals_with({"S1": [100, 49], "S2": [0, 0]})) is not None
    assert incomplete_month_warning(actuals_with({"S1": [100, 50], "S2": [0, 0]})) is None
    # Nothing before it, or nothing spent before it: nothing to compare with.
    assert incomplete_month_warning(actuals_with({"S1": [1]})) is None
    assert incomplete_month_warning(actuals_with({"S1": [-100, 1]})) is None


def test_a_map_signed_the_wrong_way_round_is_refused_then_warned_of(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = example_copy(tmp_path, map_change=("sign: expenditure_positive", "sign: expenditure_negative"))
    assert run_example(folder) == 1
    err = capsys.readouterr().err
    # Every one of the nine mapped schemes is negative: NM01 -1,778,935.79 and so on (the bundled month 6's
    # actuals turned round); the first five named, the other four counted. The map's sign is on line 17.
    assert err.splitlines()[0] == (
        f"{folder / 'northmoor_map.yaml'}:17 ledger_map.sign: 9 of the 9 mapped schemes have negative spend for the "
        "year to date (NM01 -£1,778,935.79, NM02 -£1,434,459.57, NM03 -£1,214,296.47, NM04 -£978,918.51, NM05 "
        "-£1,433,851.62 and 4 more): the amounts look signed the wrong way round; the map says expenditure_negative "
        "(spend written as negative amounts). Correct 'sign' in the map, or give --allow-negative if these schemes "
        "really are in credit to date")
    assert not (folder / "out.yaml").exists()
    assert run_example(folder, "--allow-negative") == 0
    assert capsys.readouterr().err == (
        "Warning: the mapped spend for the year to date comes to -£10,045,923.98: is the sign right? the map says "
        "expenditure_negative (spend written as negative amounts)\n")


def test_the_sign_words_for_debit_and_credit_columns(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, "Cost Centre,Period,Dr,Cr\nCC10,P1,,5.00\n", DEBIT_CREDIT_MAP)
    ledger_map = map_of(folder)
    assert negative_total_warning(actuals_with({"S1": [-500]}), ledger_map) == (
        "the mapped spend for the year to date comes to -£5.00: is the sign right? the map reads spend as debit less "
        "credit (credits written as positive figures)")


# --- the command's other words ------------------------------------------------------------------------------


def test_one_row_is_one_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = folder_with(tmp_path)
    assert main(["actuals", str(folder / "ledger.csv"), "--map", str(folder / "map.yaml")]) == 0
    out = capsys.readouterr().out
    # The hand-worked ledger: one row unmapped, one excluded, one out of period, one duplicate, one credit.
    for title in ("Unmapped (left out): 1 row, £50.00", "Excluded: Recharges: 1 row, £75.00",
                  "Out of period: 1 row, £40.00", "1 row, £500.00", "Credits (negative expenditure): 1 row, "):
        assert title in out
    assert " 1 rows" not in out


def test_a_previous_forecast_later_than_this_one_is_warned_of(capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["actuals", "examples/monitoring/northmoor_ledger_m3.csv", "--map",
                 "examples/monitoring/northmoor_map.yaml", "--previous",
                 "examples/monitoring/northmoor_actuals_m6.yaml"]) == 0
    assert capsys.readouterr().err == (
        "Warning: the previous forecast (--previous) has actuals to September 2025, later than this one's June 2025: "
        "the bridge below runs backwards in time; check that --previous is the forecast of an earlier month\n")


def test_month_words() -> None:
    assert [month_words("2025-26", month) for month in (0, 8, 9, 11)] == [
        "April 2025", "December 2025", "January 2026", "March 2026"]


def test_one_row_of_an_overlap_or_an_unmapped_code_is_one_row(tmp_path: Path) -> None:
    # CC10 alone matches both CC1* and CC10 (one row); CC99 is in no rule (one row).
    ledger = HEADER + "CC10,5100,P1,A1,1.00\nCC20,5100,P1,B1,2.00\n"
    extra = "    - {cost_centre: CC10, scheme: S2}\n"
    ledger_map = MAP.replace("    - {cost_centre: CC20,", extra + "    - {cost_centre: CC20,")
    folder = folder_with(tmp_path, ledger, ledger_map)
    actuals, found = both_ways(folder)
    assert actuals is None
    assert found == [f"{folder / 'ledger.csv'} row 2, column 'Cost Centre': cost centre CC10, account 5100 matches "
                     "codes[0] (cost centre CC1*) and codes[1] (cost centre CC10): 1 row (row 2); rules may not "
                     "overlap, so make the patterns narrower or list the codes one by one"]


def test_one_further_bad_cell_is_one_cell(tmp_path: Path) -> None:
    # 51 bad amounts: 50 listed, then one counted.
    lines = "".join(f"CC10,5100,P1,R{i},ten\n" for i in range(51))
    actuals, found = both_ways(folder_with(tmp_path, HEADER + lines))
    assert actuals is None
    assert found[-1].endswith("ledger.csv: 1 further cell has a problem and is not listed")
