"""The quarterly and end-of-year return: hand-worked figures, the same totals as the pack, every refusal.

The Northmoor example's ledger (examples/monitoring/northmoor_ledger_m6.csv)
runs to September 2025 (month 6): its actuals scenario is made here by the
real ``actuals`` command, then the return by ``export --return``, so the
figures checked by hand come from the ledger CSV itself.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import P
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from pooledfund.cli.app import main
from pooledfund.engine.runner import run
from pooledfund.io.excel import build_pack
from pooledfund.io.excel.cells import Expectations
from pooledfund.io.excel.returns import build_return
from pooledfund.io.inputs import load_inputs
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Actuals, Scenario
from pooledfund.reports.returns import ReturnPeriod, parse_quarter, quarterly_return

ROOT = Path(__file__).resolve().parent.parent
NORTHMOOR = str(ROOT / "examples" / "bcf_northmoor.yaml")
MONITORING = ROOT / "examples" / "monitoring"
M6 = str(MONITORING / "northmoor_actuals_m6.yaml")


def _northmoor_m6() -> tuple[Agreement, Scenario]:
    agreement, [scenario] = load_inputs(NORTHMOOR, [M6])
    return agreement, scenario


def _row_of(ws: Worksheet, col: int, value: str, first: int = 1) -> int:
    """The first row at or after ``first`` whose cell in ``col`` holds ``value``."""
    for row in range(first, ws.max_row + 1):
        if ws.cell(row=row, column=col).value == value:
            return row
    raise AssertionError(f"{ws.title}: no row with {value!r} in column {col}")


def _columns(ws: Worksheet, row: int) -> dict[str, int]:
    return {ws.cell(row=row, column=c).value: c for c in range(1, ws.max_column + 1)
            if ws.cell(row=row, column=c).value is not None}


def _pence(ws: Worksheet, row: int, col: int) -> int:
    """A plain money cell (pounds) as pence."""
    return round(ws.cell(row=row, column=col).value * 100)


def _expected(expectations: Expectations, ws: Worksheet, row: int, col: int) -> int:
    """The figure a formula cell was recorded to come to (pence)."""
    found = expectations.cells[(ws.title, ws.cell(row=row, column=col).coordinate)]
    assert found.kind == "money"
    return int(found.value)


# ---------------------------------------------------------------------------------------------------------------
# Quarters


@pytest.mark.parametrize(("text", "quarter"), [("Q1", 1), ("q2", 2), (" Q3 ", 3), ("3", 3), ("Q4", 4),
                                               ("year-end", 4), ("Year End", 4), ("end-of-year", 4)])
def test_quarters_are_read_in_the_forms_a_finance_lead_writes(text: str, quarter: int) -> None:
    assert parse_quarter(text) == quarter


@pytest.mark.parametrize("text", ["Q5", "Q0", "H1", "", "quarter two", "2025-26"])
def test_an_unknown_quarter_says_which_are_known(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a quarter: give Q1, Q2 or Q3 .* Q4 \(or year-end\)"):
        parse_quarter(text)


def test_the_period_words_of_a_second_quarter_return_from_actuals_to_september() -> None:
    period = ReturnPeriod("2025-26", 2, 5)  # month 5 is September (April is 0)
    assert period.name == "Quarter 2 return 2025-26"
    assert period.covered_words() == "1 April 2025 to 30 September 2025"
    assert period.provisional
    assert period.status().startswith("Provisional: actual April to Sep 2025, forecast after")
    assert [period.quarter_state(q) for q in (1, 2, 3, 4)] == ["Actual", "Actual", "Forecast", "Forecast"]
    late = ReturnPeriod("2025-26", 2, 6)  # actuals to October: the third quarter is part actual
    assert late.quarter_state(3) == "Actual to Oct 2025, forecast after"
    year_end = ReturnPeriod("2025-26", 4, 11)
    assert year_end.name == "End-of-year return 2025-26"
    assert year_end.covered_words() == "1 April 2025 to 31 March 2026"
    assert not year_end.provisional
    assert year_end.status() == "Year-end outturn: actual April to Mar 2026"


# ---------------------------------------------------------------------------------------------------------------
# Hand-worked from the ledger, through the command line


@pytest.fixture(scope="module")
def q2_from_the_ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("q2")
    actuals, book = folder / "m6.yaml", folder / "q2.xlsx"
    assert main(["actuals", str(MONITORING / "northmoor_ledger_m6.csv"), "--map",
                 str(MONITORING / "northmoor_map.yaml"), "-o", str(actuals)]) == 0
    assert main(["export", NORTHMOOR, str(actuals), "--return", "Q2", "-o", str(book)]) == 0
    return actuals, book


def test_a_schemes_first_and_second_quarters_are_its_ledger_rows_added_up(q2_from_the_ledger) -> None:
    _, book = q2_from_the_ledger
    ws = load_workbook(book)["Expenditure"]
    columns = _columns(ws, 4)
    row = _row_of(ws, columns["Scheme ID"], "NM04")
    # NM04 is cost centre CC4104 (account 5100; the 9100 recharges are excluded by the map). From the CSV:
    # P01 45,488.04 + 61,122.26 + 59,030.24                         = 165,640.54
    # P02 38,511.89 + 78,136.45 + 46,876.61                         = 163,524.95
    # P03 40,017.07 + 36,055.30 + 34,079.70 + 25,400.12 + 31,019.08 = 166,571.27
    # Q1  165,640.54 + 163,524.95 + 166,571.27                      = 495,736.76
    # P04 26,580.08 + 38,145.31 + 19,526.75 + 43,433.40 + 36,129.34 = 163,814.88
    # P05 34,642.65 + 47,093.61 + 22,449.40 + 50,394.60             = 154,580.26
    # P06 36,605.46 + 55,346.41 + 34,095.26 + 38,739.48             = 164,786.61
    # Q2  163,814.88 + 154,580.26 + 164,786.61                      = 483,181.75
    assert _pence(ws, row, columns["Q1"]) == P("495,736.76")
    assert _pence(ws, row, columns["Q2"]) == P("483,181.75")
    assert _pence(ws, row, columns["Plan for the year"]) == P("1,950,000.00")
    assert ws.cell(row=row, column=columns["Actual to end of Q2"]).value.startswith("=SUM(")
    assert ws.cell(row=3, column=columns["Q2"]).value == "Actual"
    assert ws.cell(row=3, column=columns["Q3"]).value == "Forecast"


def test_a_scheme_with_no_ledger_actuals_shows_nothing_as_actual_and_its_plan_only_in_the_outturn(
        q2_from_the_ledger) -> None:
    _, book = q2_from_the_ledger
    ws = load_workbook(book)["Expenditure"]
    columns = _columns(ws, 4)
    in_place = columns["Forecast Apr to Sep 2025, no actuals"]
    row = _row_of(ws, columns["Scheme ID"], "NM06")
    # NM06 is mapped to no cost centre: no ledger actuals. Its plan profile: 145,000,000p / 12 = 12,083,333
    # remainder 4, so April to July 12,083,334p and August to March 12,083,333p.
    # April to September 4 x 12,083,334 + 2 x 12,083,333 = 72,500,002p = £725,000.02 (forecast, not actual);
    # Q3 = Q4 = 3 x 12,083,333 = £362,499.99; outturn 725,000.02 + 2 x 362,499.99 = £1,450,000.00.
    assert ws.cell(row=row, column=columns["Q1"]).value is None
    assert ws.cell(row=row, column=columns["Q2"]).value is None
    assert ws.cell(row=row, column=columns["Actual to end of Q2"]).value is None
    assert _pence(ws, row, in_place) == P("725,000.02")
    assert _pence(ws, row, columns["Q3"]) == _pence(ws, row, columns["Q4"]) == P("362,499.99")
    assert ws.cell(row=row, column=columns["Note"]).value == "no ledger actuals: forecast at plan profile"
    assert ws.cell(row=3, column=in_place).value == "Forecast at plan profile"
    # NM04 has ledger actuals: no note, nothing in the column for the plan profile.
    nm04 = _row_of(ws, columns["Scheme ID"], "NM04")
    assert ws.cell(row=nm04, column=columns["Note"]).value is None
    assert ws.cell(row=nm04, column=in_place).value is None
    notes = [ws.cell(row=r, column=columns["Note"]).value for r in range(5, ws.max_row + 1)]
    assert notes.count("no ledger actuals: forecast at plan profile") == 24  # 33 schemes, 9 with actuals


def test_the_actual_to_date_total_is_the_ledgers_and_the_outturn_total_still_the_packs(q2_from_the_ledger) -> None:
    actuals, book = q2_from_the_ledger
    # The reconciliation written at the head of the actuals scenario: the ledger's rows mapped to schemes.
    assert "mapped £10,045,923.98" in Path(actuals).read_text(encoding="utf-8").splitlines()[1]
    saved = load_workbook(book, data_only=True)["Expenditure"]
    columns = _columns(saved, 4)
    total = _row_of(saved, 1, "Total")
    figure = {h: round(saved.cell(row=total, column=columns[h]).value * 100) for h in columns
              if h.startswith(("Q", "Actual", "Forecast", "Plan"))}
    assert figure["Actual to end of Q2"] == P("10,045,923.98")
    # The outturn is every column of spend: the quarters and the no-actuals schemes' plan profile to September
    # (24 schemes; £20,780,000.18), so it is still the pack's outturn: £62,038,290.61.
    assert figure["Forecast Apr to Sep 2025, no actuals"] == P("20,780,000.18")
    assert (figure["Q1"] + figure["Q2"] + figure["Q3"] + figure["Q4"] + figure["Forecast Apr to Sep 2025, no actuals"]
            == figure["Forecast outturn"] == P("62,038,290.61"))
    cover = load_workbook(book)["Cover"]
    notes = [cover.cell(row=r, column=1).value or "" for r in range(1, cover.max_row + 1)]
    assert any("24 schemes have no ledger actuals (NM06, NM07," in n for n in notes)
    status = cover.cell(row=_row_of(cover, 1, "Status"), column=2).value
    assert "24 schemes with no ledger actuals are forecast at the plan profile all year" in status


def test_a_partners_cash_received_to_the_end_of_the_quarter_follows_its_payment_schedules(q2_from_the_ledger) -> None:
    _, book = q2_from_the_ledger
    ws = load_workbook(book)["Income"]
    columns = _columns(ws, 4)
    received = columns["Cash received to end of Q2"]
    nhs = _row_of(ws, columns["Source of funding"], "Minimum NHS Contribution")
    # The ICB pays £20,150,000 and £1,620,000 of NHS minimum 1/12 a month. 2,015,000,000p / 12 = 167,916,666
    # remainder 8: the first 8 months take a penny more, so April to September pay 6 x 167,916,667p
    # = £10,075,000.02; plus 6 x £135,000.00 = £810,000.00; received £10,885,000.02.
    assert _pence(ws, nhs, received) == P("10,885,000.02")
    grant = _row_of(ws, columns["Source of funding"], "Local Authority Better Care Grant")
    # £9,500,000 quarterly in advance: 1 April and 1 July, a quarter each = £4,750,000.00.
    assert _pence(ws, grant, received) == P("4,750,000.00")
    dfg = _row_of(ws, columns["Source of funding"], "DFG")
    assert _pence(ws, dfg, received) == P("1,524,000.00")  # the May instalment; October's is still to come
    additional = _row_of(ws, columns["Source of funding"], "Additional NHS Contribution")
    # £1,250,000 with £400,000 withheld to March: £850,000 monthly = 85,000,000p / 12 = 7,083,333 remainder 4,
    # so April to July 7,083,334p, August and September 7,083,333p: 4 x 7,083,334 + 2 x 7,083,333 = £425,000.02.
    assert _pence(ws, additional, received) == P("425,000.02")


def test_the_cover_says_which_months_are_forecast_and_that_the_return_is_provisional(q2_from_the_ledger) -> None:
    _, book = q2_from_the_ledger
    ws = load_workbook(book)["Cover"]
    labels = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(1, ws.max_row + 1)}
    assert labels["Health and Wellbeing Board / area"] == "Northmoor Health and Wellbeing Board"
    assert labels["Return"] == "Quarter 2 return 2025-26"
    assert labels["Quarter"] == "Q2: Jul 2025 to Sep 2025"
    assert labels["Period covered"] == "1 April 2025 to 30 September 2025; actual through Sep 2025 (month 6)"
    assert labels["Status"].startswith("Provisional")
    notes = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    assert any(isinstance(n, str) and n.startswith("Figures for Oct 2025 to Mar 2026 are FORECAST") for n in notes)
    for field in ("Name", "Job title", "Date prepared"):
        assert ws.cell(row=_row_of(ws, 1, field), column=2).fill.fgColor.rgb.endswith("FFF2CC")  # to fill in


def test_the_returns_run_id_is_the_packs_for_the_same_inputs() -> None:
    agreement, scenario = _northmoor_m6()
    workbook, _ = build_return(agreement, scenario, 2)
    cover = workbook["Cover"]
    run_id = cover.cell(row=_row_of(cover, 1, "Run id (as on the sign-off pack)"), column=2).value
    pack, _ = build_pack(agreement, [scenario])
    pack_cover = pack["Cover"]
    assert run_id == pack_cover.cell(row=_row_of(pack_cover, 1, "Run id (hash of the inputs)"), column=2).value
    assert len(run_id) == 16


# ---------------------------------------------------------------------------------------------------------------
# The same totals as the pack


def _pack_summary(agreement: Agreement, scenario: Scenario, year: str) -> tuple[dict, dict]:
    """From the pack's Summary: each partner's (cash + in kind, overspend, underspend, net) and each arrangement's
    (money in, spend, variance) for ``year``, as the expectations its formulas were written with."""
    pack, expectations = build_pack(agreement, [scenario])
    ws = pack["Summary"]
    names = {p.name for p in agreement.partners}
    arrangements = {a.name for a in agreement.arrangements}
    partners, pools = {}, {}
    for row in range(5, ws.max_row + 1):
        if ws.cell(row=row, column=1).value != year:
            continue
        label = ws.cell(row=row, column=2).value
        if label in partners or label in pools:
            continue  # the first table of each kind: the triggers listed further down name arrangements too
        figures = [_expected(expectations, ws, row, col) for col in range(3, 6 if label in arrangements else 8)]
        if label in names:
            partners[label] = (figures[0] + figures[1], figures[2], figures[3], figures[4])
        elif label in arrangements:
            pools[label] = tuple(figures)
    return partners, pools


def _return_totals(workbook, expectations: Expectations) -> tuple[dict, dict]:
    ws = workbook["Risk share"]
    pools = {}
    columns = _columns(ws, 4)
    row = 5
    while ws.cell(row=row, column=1).value not in (None, "Total"):
        pools[ws.cell(row=row, column=1).value] = tuple(
            _expected(expectations, ws, row, columns[h]) for h in ("Money in for the year", "Forecast spend",
                                                                   "Variance"))
        row += 1
    header = _row_of(ws, 2, "Partner name", row)  # the block of every arrangement together
    partners = {}
    row = header + 1
    while ws.cell(row=row, column=2).value != "Total":
        partners[ws.cell(row=row, column=2).value] = tuple(_expected(expectations, ws, row, c) for c in range(3, 7))
        row += 1
    return partners, pools


def test_the_returns_totals_are_the_packs_to_the_penny() -> None:
    agreement, scenario = _northmoor_m6()
    workbook, expectations = build_return(agreement, scenario, 2)
    partners, pools = _return_totals(workbook, expectations)
    pack_partners, pack_pools = _pack_summary(agreement, scenario, "2025-26")
    assert partners == pack_partners
    assert pools == pack_pools
    assert set(pools) == {"Northmoor Better Care Fund pooled fund", "Northmoor community services aligned budget"}
    assert set(partners) == {"Northmoor Borough Council", "NHS Moorland and Dales Integrated Care Board"}
    # The forecast outturn of every scheme is the pack's Projection outturn for the year.
    pack, pack_expected = build_pack(agreement, [scenario])
    projection = pack["Projection"]
    p_cols = _columns(projection, 4)
    expenditure = workbook["Expenditure"]
    e_cols = _columns(expenditure, 4)
    for row in range(5, projection.max_row + 1):
        if projection.cell(row=row, column=p_cols["Year"]).value != "2025-26":
            continue
        scheme = projection.cell(row=row, column=p_cols["Scheme ID"]).value
        mine = _row_of(expenditure, e_cols["Scheme ID"], scheme)
        assert (_expected(expectations, expenditure, mine, e_cols["Forecast outturn"])
                == _expected(pack_expected, projection, row, p_cols["Forecast outturn"])), scheme
        assert (_pence(expenditure, mine, e_cols["Plan for the year"])
                == _expected(pack_expected, projection, row, p_cols["Budget"])), scheme


def test_money_brought_forward_is_income_so_the_second_years_totals_are_the_packs_too() -> None:
    # The base run underspends 2025-26 (the risk pool is unspent), so 2026-27 brings money forward.
    agreement, scenario = _northmoor_m6()
    later = Actuals(year="2026-27", to_month="2026-06", schemes={"NM01": [300000, 300000, 300000]})
    second = scenario.model_copy(update={"actuals": [*scenario.actuals, later]})
    workbook, expectations = build_return(agreement, second, 1)
    income = workbook["Income"]
    columns = _columns(income, 4)
    brought = _row_of(income, columns["Source of funding"], "Brought forward from 2025-26")
    result = run(agreement, second)
    [pool] = [r for r in result.for_year("2026-27") if r.arrangement_id == "bcf_pool"]
    assert int(pool.brought_forward[0]) > 0
    assert _pence(income, brought, columns["Change in year"]) == int(pool.brought_forward[0])
    partners, pools = _return_totals(workbook, expectations)
    pack_partners, pack_pools = _pack_summary(agreement, second, "2026-27")
    assert (partners, pools) == (pack_partners, pack_pools)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(months=st.lists(st.integers(min_value=-5_000_00, max_value=900_000_00), min_size=1, max_size=12),
       quarter=st.integers(min_value=1, max_value=4))
def test_every_penny_of_the_run_is_in_the_return(months: list[int], quarter: int) -> None:
    # Whatever the actuals, each scheme's quarters (with, for a scheme with no ledger actuals, its forecast for
    # the actual months, shown apart) add up to its outturn, the schemes to each arrangement's spend, the income
    # lines to its money in, and each line's cash received + still to come + in kind to its forecast. Only a
    # scheme with actuals has an actual to date.
    agreement, _ = _northmoor_m6()
    to_month = f"{2025 + (len(months) > 9)}-{(len(months) + 2) % 12 + 1:02d}"
    actuals = Actuals(year="2025-26", to_month=to_month, schemes={"IB02": [str(Decimal(m) / 100) for m in months]})
    scenario = Scenario(id="fuzz", actuals=[actuals])
    result = run(agreement, scenario)
    figures, errors = quarterly_return(agreement, scenario, result, quarter)
    if quarter * 3 > len(months):
        assert figures is None
        assert "needs actuals to" in errors[0].message
        return
    assert figures is not None
    for line in figures.schemes:
        assert sum(line.quarter(q) for q in (1, 2, 3, 4)) + line.forecast_in_actual_months == line.outturn
        if line.actual:
            assert line.forecast_in_actual_months == 0
            assert line.actual_to_quarter_end(quarter) == sum(line.quarter(q) for q in range(1, quarter + 1))
        else:
            assert line.actual_to_quarter_end(quarter) == 0
            assert all(line.quarter(q) == 0 and not line.quarter_shown(q) for q in range(1, quarter + 1))
    [ib02] = [line for line in figures.schemes if line.scheme.id == "IB02"]
    assert ib02.actual_to_quarter_end(quarter) == sum(months[: quarter * 3])
    assert sum(line.actual_to_quarter_end(quarter) for line in figures.schemes) == sum(months[: quarter * 3])
    for row in figures.arrangements:
        assert sum(s.outturn for s in figures.schemes if s.arrangement_id == row.arrangement_id) == int(row.spend[0])
        lines = [i for i in figures.income if i.arrangement_id == row.arrangement_id]
        if lines:
            assert sum(i.forecast for i in lines) == int(row.budget[0])
    for line in figures.income:
        assert line.received_to(quarter) + line.still_to_come(quarter) + line.in_kind == line.forecast


# ---------------------------------------------------------------------------------------------------------------
# Refusals and the file written


def test_a_quarter_ending_after_the_actuals_is_refused_at_the_scenarios_to_month(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "q3.xlsx"
    assert main(["export", NORTHMOOR, M6, "--return", "Q3", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert (f"{M6}:9 scenario.actuals[0].to_month: the actuals run to Sep 2025 (month 6 of 2025-26), but the Q3 "
            "return covers Oct 2025 to Dec 2025 and needs actuals to Dec 2025: run 'pooledfund actuals' on a ledger "
            "extract to Dec 2025, or make the Q2 return") in err
    assert "1 problem found." in err
    assert not out.exists()
    assert main(["export", NORTHMOOR, M6, "--return", "year-end", "-o", str(out)]) == 1
    assert "the end-of-year return covers Jan 2026 to Mar 2026 and needs actuals to Mar 2026" in capsys.readouterr().err
    assert not out.exists()


def test_a_quarter_refused_in_a_combined_scenario_is_still_located_in_the_actuals_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drivers = ROOT / "scenarios" / "high_inflation.yaml"
    assert main(["export", NORTHMOOR, f"{drivers}+{M6}", "--return", "Q4", "-o", str(tmp_path / "r.xlsx")]) == 1
    assert f"{M6}:9 scenario.actuals[0].to_month:" in capsys.readouterr().err


def test_an_unknown_quarter_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["export", NORTHMOOR, M6, "--return", "Q5", "-o", str(tmp_path / "r.xlsx")])
    assert stopped.value.code == 2
    assert "argument --return: 'Q5' is not a quarter" in capsys.readouterr().err


def test_a_scenario_without_actuals_has_nothing_to_return(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = str(ROOT / "scenarios" / "demand_shock.yaml")
    assert main(["export", NORTHMOOR, scenario, "--return", "Q1", "-o", str(tmp_path / "r.xlsx")]) == 1
    assert f"{scenario} scenario.actuals: has no actuals, and a return reports actual spend" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "words"), [
    (["--return", "Q2", "-o", "r.xlsx"], "--return needs the actuals scenario"),
    ([M6, "--return", "Q2"], "--return needs the file to write: -o return.xlsx"),
    ([M6, "--return", "Q2", "-o", "r.xlsx", "--scenario", M6], "not --scenario"),
    ([M6, "--return", "Q2", "-o", "r.xlsx", "--xlsx", "s.xlsx"], "give the return's file once"),
    ([M6, "--xlsx", "pack.xlsx"], "ACTUALS_SCENARIO and -o are for a quarterly return"),
    (["-o", "pack.xlsx"], "ACTUALS_SCENARIO and -o are for a quarterly return"),
    ([], "give --xlsx OUT for the sign-off pack"),
])
def test_the_return_and_the_pack_each_refuse_the_others_options(
        argv: list[str], words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        main(["export", NORTHMOOR, *argv])
    assert stopped.value.code == 2
    assert words in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_return_not_named_xlsx_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", NORTHMOOR, M6, "--return", "Q2", "-o", str(tmp_path / "r.csv")]) == 1
    assert "give the return a name ending in .xlsx" in capsys.readouterr().err


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "q1.xlsx"
    out.write_bytes(b"the finance lead's own workbook")
    assert main(["export", NORTHMOOR, M6, "--return", "Q1", "-o", str(out)]) == 1
    assert "already exists; choose another name or pass --force" in capsys.readouterr().err
    assert out.read_bytes() == b"the finance lead's own workbook"
    assert main(["export", NORTHMOOR, M6, "--return", "Q1", "-o", str(out), "--force"]) == 0
    assert "Quarter 1 return written to" in capsys.readouterr().out
    assert load_workbook(out).sheetnames == ["Cover", "Income", "Expenditure", "National conditions", "Risk share"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q1.xlsx"]  # no temporary file left behind


def test_the_actuals_file_cannot_be_the_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "m6.xlsx"
    shutil.copy(M6, copy)
    assert main(["export", NORTHMOOR, str(copy), "--return", "Q1", "-o", str(copy), "--force"]) == 1
    assert "it is one of the input files" in capsys.readouterr().err


def test_a_first_quarter_return_from_later_actuals_shows_the_later_quarter_as_actual() -> None:
    agreement, scenario = _northmoor_m6()
    workbook, _ = build_return(agreement, scenario, 1)
    ws = workbook["Expenditure"]
    columns = _columns(ws, 4)
    assert "Actual to end of Q1" in columns
    assert [ws.cell(row=3, column=columns[q]).value for q in ("Q1", "Q2", "Q3")] == ["Actual", "Actual", "Forecast"]
    # A scheme with no actuals has nothing under either actual quarter: its April to September is in the column
    # of its own, whatever the quarter returned.
    nm06 = _row_of(ws, columns["Scheme ID"], "NM06")
    assert [ws.cell(row=nm06, column=columns[q]).value for q in ("Q1", "Q2", "Actual to end of Q1")] == [None] * 3
    assert _pence(ws, nm06, columns["Forecast Apr to Sep 2025, no actuals"]) == P("725,000.02")


def test_an_end_of_year_return_with_schemes_without_actuals_is_not_called_all_actual() -> None:
    agreement, _ = _northmoor_m6()
    whole = Actuals(year="2025-26", to_month="2026-03", schemes={"NM01": [290000] * 12})
    workbook, expectations = build_return(agreement, Scenario(id="outturn", actuals=[whole]), 4)
    cover = workbook["Cover"]
    status = cover.cell(row=_row_of(cover, 1, "Status"), column=2).value
    assert status == ("Year-end outturn: actual April to Mar 2026; 32 schemes with no ledger actuals are forecast "
                      "at the plan profile all year")
    ws = workbook["Expenditure"]
    columns = _columns(ws, 4)
    assert ws.cell(row=3, column=columns["Forecast outturn"]).value == "Actual + forecast"
    total = _row_of(ws, 1, "Total")
    # Only NM01's 12 x £290,000.00 = £3,480,000.00 is actual.
    assert _expected(expectations, ws, total, columns["Actual to end of Q4"]) == P("3,480,000.00")
    nm06 = _row_of(ws, columns["Scheme ID"], "NM06")
    assert _pence(ws, nm06, columns["Forecast Apr to Mar 2026, no actuals"]) == P("1,450,000.00")  # its whole plan


def test_the_end_of_year_return_of_a_whole_actual_year_is_the_outturn() -> None:
    agreement, _ = _northmoor_m6()
    # Every scheme has a ledger figure for every month (£1,000.00 a month, NM01 £290,000.00), so the whole year is
    # actual for every scheme: the outturn.
    every = {scheme.id: [1000] * 12 for arrangement in agreement.arrangements for scheme in arrangement.schemes}
    whole = Actuals(year="2025-26", to_month="2026-03", schemes={**every, "NM01": [290000] * 12})
    workbook, expectations = build_return(agreement, Scenario(id="outturn", actuals=[whole]), 4)
    cover = workbook["Cover"]
    status = cover.cell(row=_row_of(cover, 1, "Status"), column=2).value
    assert status == "Year-end outturn: actual April to Mar 2026"
    assert "Note" not in _columns(workbook["Expenditure"], 4)  # no scheme without actuals, so nothing to note
    assert cover.cell(row=1, column=1).value == "Better Care Fund end-of-year return"
    roles = [cover.cell(row=r, column=1).value for r in range(1, cover.max_row + 1)]
    assert "Section 151 officer (chief finance officer)" in roles  # the year end is signed off by each partner
    ws = workbook["Expenditure"]
    columns = _columns(ws, 4)
    row = _row_of(ws, columns["Scheme ID"], "NM01")
    # 12 actual months of £290,000.00: the outturn £3,480,000.00, £30,000.00 over the plan of £3,450,000.00.
    assert _expected(expectations, ws, row, columns["Forecast outturn"]) == P("3,480,000.00")
    assert _expected(expectations, ws, row, columns["Actual to end of Q4"]) == P("3,480,000.00")
    assert _expected(expectations, ws, row, columns["Variance"]) == P("30,000.00")


@pytest.mark.parametrize("example", ["residential_lead_commissioning", "ld_pooled_budget", "bcf_two_tier_2025_26"])
def test_every_kind_of_arrangement_returns_the_packs_totals(example: str) -> None:
    # Lead commissioning at an agreed value, integrated provision, a capped tiered pool, two ICBs and districts:
    # six months of £100,000 actuals on the first scheme, the Q2 return against the pack's Summary.
    agreement, _ = load_inputs(str(ROOT / "examples" / f"{example}.yaml"), [])
    year = agreement.years[0]
    first = agreement.arrangements[0].schemes[0].id
    scenario = Scenario(id="q2", actuals=[Actuals(year=year, to_month=f"{year[:4]}-09", schemes={first: [100000] * 6})])
    workbook, expectations = build_return(agreement, scenario, 2)
    partners, pools = _return_totals(workbook, expectations)
    assert (partners, pools) == _pack_summary(agreement, scenario, year)
    assert len(partners) == len(agreement.partners)
    assert len(pools) == len(agreement.arrangements)


def test_every_formula_of_the_return_is_saved_with_its_figure() -> None:
    """A reader that does not calculate (pandas, a previewer, Excel's protected view) sees every total."""
    import io

    from pooledfund.io.excel.returns import return_bytes

    agreement, scenario = _northmoor_m6()
    _, expectations = build_return(agreement, scenario, 2)
    data = return_bytes(agreement, scenario, 2)
    formulas = load_workbook(io.BytesIO(data))
    saved = load_workbook(io.BytesIO(data), data_only=True)
    checked = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    expected = expectations.cells[(ws.title, cell.coordinate)]
                    value = saved[ws.title][cell.coordinate].value
                    if expected.kind == "money":
                        assert round(Decimal(str(value)) * 100) == expected.value, (ws.title, cell.coordinate)
                    else:
                        assert value == expected.value, (ws.title, cell.coordinate)
                    checked += 1
    assert checked == len(expectations.cells) > 0
