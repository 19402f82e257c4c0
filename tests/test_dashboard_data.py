"""The dashboard's pure helpers: uploads read in memory, the what-if scenario, tables and checks.

Uploads must give exactly the messages the command line gives for the same
bytes under the same file name; the what-if scenario must follow the
scenario-file rules; every table must reconcile.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pooledfund.agreements import FundedArrangement
from pooledfund.dashboard.budget_edits import (
    BUDGET_COLUMN,
    TABLE_SOURCE,
    apply_budget_edits,
    edits_key,
    read_budget_edits,
    schemes_table,
)
from pooledfund.dashboard.data import build_outputs, reconciliation_checks
from pooledfund.dashboard.tables import (
    agreement_months,
    assumptions_frame,
    comparison_frame,
    demand_drivers,
    partner_metrics,
    scenario_changes,
)
from pooledfund.dashboard.uploads import (
    InputFile,
    agreement_from_file,
    bundled_files,
    content_hash,
    read_text,
    scenario_from_file,
)
from pooledfund.dashboard.whatif import (
    ADHOC_SOURCE,
    AdhocSettings,
    adhoc_data,
    adhoc_label,
    adhoc_scenario,
    apply_adhoc,
)
from pooledfund.engine.runner import run
from pooledfund.io.loader import load_agreement
from pooledfund.io.scenario_files import load_scenario
from pooledfund.io.yamlio import MAX_YAML_BYTES, read_yaml
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE

ROOT = Path(__file__).resolve().parents[1]
BCF = ROOT / "examples" / "bcf_northmoor.yaml"
SCENARIOS = ROOT / "scenarios"
YEAR = "2025-26"
COUNCIL, ICB = 0, 1


@pytest.fixture(scope="module")
def bcf() -> Agreement:
    agreement, errors = load_agreement(BCF)
    assert not errors
    assert agreement is not None
    return agreement


def _as_cli(path: Path, name: str) -> list[str]:
    """What ``pooledfund validate`` prints for the file, with ``name`` as its path."""
    _, errors = load_agreement(path, display_name=name)
    return [str(e) for e in errors]


# --- Reading uploads in memory ----------------------------------------------------------------


def test_an_uploaded_agreement_equals_the_file_read_by_the_cli(bcf: Agreement) -> None:
    agreement, errors = agreement_from_file(InputFile("bcf.yaml", BCF.read_bytes()))
    assert errors == []
    assert agreement is not None
    assert agreement.model_dump() == bcf.model_dump()


@pytest.mark.parametrize(
    "text",
    [
        "agreement: [unclosed\n",  # a bracket never closed
        "agreement:\n  id: x\n  id: y\n",  # a key given twice
        "- just\n- a list\n",  # not a set of sections
        "",  # empty
        "agreement: !!python/object:os.system {}\n",  # a tag that would build an object
    ],
)
def test_a_broken_upload_reads_exactly_as_the_cli(tmp_path: Path, text: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    agreement, errors = agreement_from_file(InputFile("broken.yaml", text.encode("utf-8")))
    assert agreement is None
    assert errors
    assert [str(e) for e in errors] == _as_cli(path, "broken.yaml")


def test_the_golden_broken_agreement_gives_the_cli_list() -> None:
    path = ROOT / "tests" / "data" / "errors.yaml"
    _, errors = agreement_from_file(InputFile("errors.yaml", path.read_bytes()))
    assert len(errors) > 5
    assert [str(e) for e in errors] == _as_cli(path, "errors.yaml")


def test_an_oversized_upload_is_refused_with_the_cli_message(tmp_path: Path) -> None:
    data = b"#" * (MAX_YAML_BYTES + 1)
    path = tmp_path / "big.yaml"
    path.write_bytes(data)
    _, _, cli = read_yaml(path, "big.yaml")
    agreement, errors = agreement_from_file(InputFile("big.yaml", data))
    assert agreement is None
    assert [str(e) for e in errors] == [str(e) for e in cli]
    assert str(errors[0]) == "big.yaml: the file is 5,242,881 bytes; files over 5,242,880 bytes are refused"


def test_an_upload_that_is_not_utf8_is_refused_with_the_cli_message(tmp_path: Path) -> None:
    data = "agreement: {title: caf\u00e9}\n".encode("latin-1")
    path = tmp_path / "latin.yaml"
    path.write_bytes(data)
    _, _, cli = read_yaml(path, "latin.yaml")
    text, errors = read_text(InputFile("latin.yaml", data))
    assert text is None
    assert [str(e) for e in errors] == [str(e) for e in cli] == [
        "latin.yaml: the file is not UTF-8 text; save it as UTF-8"]


def test_a_scenario_upload_extends_the_bundled_base() -> None:
    expected, errors = load_scenario(SCENARIOS / "council_cut.yaml")
    assert not errors
    scenario, errors = scenario_from_file(InputFile("my_cut.yaml", (SCENARIOS / "council_cut.yaml").read_bytes()),
                                          SCENARIOS)
    assert errors == []
    assert scenario is not None and expected is not None
    assert scenario.model_dump() == expected.model_dump()


def test_a_scenario_upload_may_only_extend_a_bundled_scenario() -> None:
    text = b"scenario:\n  id: x\n  extends: ../secret.yaml\n"
    scenario, errors = scenario_from_file(InputFile("x.yaml", text), SCENARIOS)
    assert scenario is None
    assert len(errors) == 1
    assert str(errors[0]).startswith("x.yaml:3 scenario.extends: the scenario ../secret.yaml it extends is not one of "
                                     "the bundled scenarios (base.yaml, ")


def test_scenario_upload_mistakes_read_as_the_cli(tmp_path: Path) -> None:
    text = ("scenario:\n  id: bad\n  shocks:\n    - {scheme: NM05, month: 2025-13, amount: 1.234}\n"
            "  inflaton: {care_fees: {2025-26: 3}}\n")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    _, cli = load_scenario(path)
    scenario, errors = scenario_from_file(InputFile("bad.yaml", text.encode("utf-8")), SCENARIOS)
    assert scenario is None
    assert len(errors) == 3
    assert [str(e) for e in errors] == [str(e).replace(str(path), "bad.yaml") for e in cli]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"notes: hello\n", "bad.yaml:1: a scenario file starts with a 'scenario:' section"),
        (b"scenario: {id: a}\nnotes: hi\n",
         "bad.yaml:2 notes: is not a section of a scenario file (only 'scenario' and 'uncertainty')"),
    ],
)
def test_a_file_that_is_not_a_scenario(text: bytes, message: str) -> None:
    scenario, errors = scenario_from_file(InputFile("bad.yaml", text), SCENARIOS)
    assert scenario is None
    assert [str(e) for e in errors] == [message]


def test_content_hash_tells_splits_and_names_apart() -> None:
    assert content_hash(b"ab", b"c") != content_hash(b"a", b"bc")
    assert InputFile("a.yaml", b"x").digest != InputFile("b.yaml", b"x").digest
    assert InputFile("a.yaml", b"x").digest == InputFile("a.yaml", b"x").digest


def test_bundled_files_are_named_as_the_cli_names_them() -> None:
    names = bundled_files(ROOT / "examples", "examples")
    assert "examples/bcf_northmoor.yaml" in names
    assert bundled_files(ROOT / "no-such-folder", "x") == {}


def test_a_workbook_is_recognised_by_name_or_signature() -> None:
    assert InputFile("plan.xlsx", b"").is_workbook
    assert InputFile("plan.yaml", b"PK\x03\x04rest").is_workbook
    assert not InputFile("plan.yaml", b"agreement:").is_workbook


# --- The what-if scenario ------------------------------------------------------------------------


def test_neutral_settings_leave_the_chosen_scenario_untouched(bcf: Agreement) -> None:
    chosen, _ = load_scenario(SCENARIOS / "high_inflation.yaml")
    assert chosen is not None
    adhoc, errors = adhoc_scenario(AdhocSettings(demand_from="2025-10", shock_month="2025-12"), bcf, chosen)
    assert errors == []
    assert apply_adhoc(chosen, adhoc) is chosen
    assert AdhocSettings().is_neutral
    assert adhoc_label(AdhocSettings(), bcf) == "What-if: no change"


def test_inflation_points_go_on_top_of_the_budgeted_rate(bcf: Agreement) -> None:
    data = adhoc_data(AdhocSettings(inflation_points=2.0), bcf, BASE)
    # care fees were budgeted at 5.5% and 4.5%: +2 points gives 7.5% and 6.5%
    assert data["inflation"]["care_fees"] == {"2025-26": "7.5", "2026-27": "6.5"}
    assert set(data["inflation"]) == {"care_fees", "pay", "prices", "equipment", "general"}
    assert "demography" not in data


def test_inflation_points_go_on_top_of_the_chosen_scenario(bcf: Agreement) -> None:
    chosen, _ = load_scenario(SCENARIOS / "high_inflation.yaml")
    assert chosen is not None
    adhoc, errors = adhoc_scenario(AdhocSettings(inflation_points=1.5), bcf, chosen)
    assert errors == [] and adhoc is not None
    combined = apply_adhoc(chosen, adhoc)
    # high inflation says care fees 10% in 2025-26: +1.5 points is 11.5%
    assert combined.inflation["care_fees"]["2025-26"] == Decimal("11.5")
    assert combined.name == "High inflation - 2022-23 repeated + inflation +1.5 pts"


def test_demography_points_cover_every_budgeted_key(bcf: Agreement) -> None:
    data = adhoc_data(AdhocSettings(demography_points=-0.5), bcf, BASE)
    # all 1.2% -> 0.7%; residential 2.0% -> 1.5%; home care 2.5% -> 2.0%
    assert data["demography"]["all"]["2025-26"] == "0.7"
    assert data["demography"]["residential_placements"]["2026-27"] == "1.5"
    assert data["demography"]["home_care_or_domiciliary_care"]["2025-26"] == "2.0"


def sharing_cuts(agreement: Agreement) -> Agreement:
    """The agreement with ``shortfall: waterfall`` on every funded arrangement: a cut is shared by the waterfall."""
    arrangements = [a.model_copy(update={"shortfall": "waterfall"}) if isinstance(a, FundedArrangement) else a
                    for a in agreement.arrangements]
    return agreement.model_copy(update={"arrangements": arrangements})


def test_a_council_cut_moves_its_contribution_by_the_hand_worked_amount(bcf: Agreement) -> None:
    settings_ = AdhocSettings(partner="council", contribution_change_pct=-10, contribution_from="2026-01")
    adhoc, errors = adhoc_scenario(settings_, bcf, BASE)
    assert errors == [] and adhoc is not None
    result = run(sharing_cuts(bcf), apply_adhoc(BASE, adhoc))
    totals = result.partner_totals(YEAR)
    # The council pays £15,660,000 into the pool in 2025-26 (8,120,000 + 1,380,000 + 2,540,000
    # + 3,200,000 + 420,000); 10% for January to March is 15,660,000 x 10% x 3/12 = £391,500.
    # Its aligned budget (£7,745,000) takes no contributions: 23,405,000 - 391,500 = 23,013,500.
    assert int(totals["cash_contribution"][0, COUNCIL]) == 23_013_500_00
    # The pool is £391,500 short; the £300,000 contingency absorbs part, no scheme overspent
    # (commissioner layer takes nothing), so the council's band takes the other £91,500.
    assert int(totals["overspend_share"][0, COUNCIL]) == 91_500_00
    assert adhoc.label == "What-if: Northmoor Borough Council contribution -10% from Jan 2026"


def test_a_shock_and_a_demand_change_are_written_as_a_scenario_file_would_be(bcf: Agreement) -> None:
    settings_ = AdhocSettings(demand_driver="hospital_discharges", demand_change_pct=12, demand_from="2026-01",
                              shock_scheme="NM05", shock_amount=185000.0, shock_month="2025-12")
    data = adhoc_data(settings_, bcf, BASE)
    assert data["demand"] == [{"driver": "hospital_discharges", "change_pct": "12", "from": "2026-01-01"}]
    assert data["shocks"][0] == {"scheme": "NM05", "month": "2025-12", "amount": "185000",
                                 "description": "one-off cost entered in the dashboard"}
    adhoc, errors = adhoc_scenario(settings_, bcf, BASE)
    assert errors == [] and adhoc is not None
    spend = run(bcf, apply_adhoc(BASE, adhoc)).for_year(YEAR)[0]
    base = run(bcf).for_year(YEAR)[0]
    nm05 = base.scheme_ids.index("NM05")
    # NM05 lists no hospital discharge driver, so only the £185,000 shock moves it in 2025-26
    assert int(spend.scheme_spend[0, nm05] - base.scheme_spend[0, nm05]) == 185_000_00


@pytest.mark.parametrize(
    ("settings_", "expected"),
    [
        (AdhocSettings(shock_scheme="NM05", shock_amount=1.234, shock_month="2025-12"),
         (f"{ADHOC_SOURCE} scenario.shocks[0].amount: '1.234' has fractions of a penny; give pounds with at most 2 "
         "decimal places")),
        (AdhocSettings(shock_scheme="XX9", shock_amount=10.0, shock_month="2025-12"),
         f"{ADHOC_SOURCE} scenario.shocks[0].scheme: 'XX9' is not a scheme in bcf-northmoor"),
        (AdhocSettings(shock_scheme="NM05", shock_amount=10.0, shock_month="2029-12"),
         f"{ADHOC_SOURCE} scenario.shocks[0].month: 2029-12 is outside the agreement's years"),
        (AdhocSettings(partner="nobody", contribution_change_pct=5, contribution_from="2025-06"),
         f"{ADHOC_SOURCE} scenario.contribution_changes[0].partner: 'nobody' is not a partner in bcf-northmoor"),
    ],
)
def test_bad_what_if_values_are_located_like_a_scenario_file(
    bcf: Agreement, settings_: AdhocSettings, expected: str
) -> None:
    adhoc, errors = adhoc_scenario(settings_, bcf, BASE)
    assert adhoc is None
    assert [str(e) for e in errors] == [expected]


# --- Outputs, metrics and checks ------------------------------------------------------------------


def test_partner_metrics_show_the_change_against_base(bcf: Agreement) -> None:
    cut, _ = load_scenario(SCENARIOS / "council_cut.yaml")
    assert cut is not None
    outputs, _ = build_outputs(bcf, cut)
    base, _ = build_outputs(bcf, BASE)
    metrics = partner_metrics(outputs, base, "2026-27").set_index("partner")
    # 2026-27: the council pays 10% of its £15,825,000 pool contribution less = £1,582,500
    base_metrics = partner_metrics(base, base, "2026-27").set_index("partner")
    assert base_metrics.loc["council", "contribution"] - metrics.loc["council", "contribution"] == 1_582_500_00
    for partner in ("council", "icb"):
        row = metrics.loc[partner]
        assert row["change"] == row["net_cost"] - row["base_net_cost"]
        assert row["net_cost"] == row["contribution"] + row["overspend_share"] - row["underspend_return"]
    compared = comparison_frame([base, outputs], "2026-27")
    assert list(compared["change"][:2]) == [0, 0]
    assert list(compared["change"][2:]) == [metrics.loc["council", "change"], metrics.loc["icb", "change"]]


def test_the_council_cut_waterfall_is_the_hand_worked_one(bcf: Agreement) -> None:
    cut, _ = load_scenario(SCENARIOS / "council_cut.yaml")
    assert cut is not None
    outputs, _ = build_outputs(sharing_cuts(bcf), cut)
    steps = outputs.risk_steps[(outputs.risk_steps["year"] == "2026-27")]
    amounts = {(r.label, r.who): r.amount for r in steps.itertuples()}
    # The cut is 10% of the council's £15,825,000 = £1,582,500 of overspend; the £300,000
    # contingency takes the first part; no scheme overspent, so the commissioners take nothing;
    # the council's band takes £250,000; the remaining £1,032,500 is shared by contribution:
    # council 14,242,500 / 38,161,530 = £385,345.6937 -> £385,345.69, ICB £647,154.31
    # (the ICB's 2026-27 NHS minimum carries the £30 that meets the 3.9% uplift).
    assert amounts[("Scheme overspends", "")] == 1_582_500_00
    assert amounts[("Risk pool", "Risk pool (contingency and brought forward)")] == 300_000_00
    assert amounts[("1. Commissioners (first £500k)", "")] == 0
    assert amounts[("2. Northmoor Borough Council band (up to £250k)", "Northmoor Borough Council")] == 250_000_00
    assert amounts[("3. Pro rata to contributions", "Northmoor Borough Council")] == 385_345_69
    assert amounts[("3. Pro rata to contributions", "NHS Moorland and Dales Integrated Care Board")] == 647_154_31
    assert amounts[("Unfunded", "Unfunded (for the board)")] == 0


def test_the_underspend_rules_are_listed_when_spend_is_below_budget(bcf: Agreement) -> None:
    outputs, _ = build_outputs(bcf, BASE)
    steps = outputs.risk_steps[outputs.risk_steps["year"] == YEAR]
    # With the budget as agreed, only the £300,000 contingency is unspent: carried forward (cap £750,000)
    assert list(steps["label"]) == ["Underspend", "1. Carry forward (up to £750k)", "2. Return pro rata"]
    assert list(steps["amount"]) == [300_000_00, 300_000_00, 0]


@pytest.mark.parametrize("example",
                         ["bcf_northmoor.yaml", "ld_pooled_budget.yaml", "residential_lead_commissioning.yaml"])
@pytest.mark.parametrize("scenario_file", ["base.yaml", "demand_shock.yaml", "council_cut.yaml", "high_inflation.yaml"])
def test_every_bundled_run_reconciles(example: str, scenario_file: str) -> None:
    agreement, _ = load_agreement(ROOT / "examples" / example)
    scenario, _ = load_scenario(SCENARIOS / scenario_file)
    assert agreement is not None and scenario is not None
    outputs, _ = build_outputs(agreement, scenario)
    ours = outputs.checks[outputs.checks["where"] != "National conditions"]
    assert len(ours) >= 2 * len(agreement.arrangements) * len(agreement.years)
    if scenario_file == "council_cut.yaml":  # a cut leaves the pools short of what was agreed
        ours = ours[ours["check"] != "Pool balances as agreed"]
    assert ours["passed"].all(), ours[~ours["passed"]].to_string()
    assert set(outputs.explanations) == set(agreement.years)
    assert outputs.json_bytes().startswith(b'{\n  "agreement": ')


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    inflation=st.floats(-5, 10).map(lambda v: round(v * 2) / 2),
    demand=st.integers(-30, 50),
    cut=st.integers(-50, 50),
    shock=st.integers(-500_000, 2_000_000),
)
def test_any_what_if_keeps_the_books_balanced(bcf: Agreement, inflation: float, demand: int, cut: int,
                                             shock: int) -> None:
    settings_ = AdhocSettings(inflation_points=inflation, demand_driver="non_elective_admissions",
                              demand_change_pct=demand, demand_from="2025-10", partner="icb",
                              contribution_change_pct=cut, contribution_from="2025-07", shock_scheme="NM01",
                              shock_amount=float(shock), shock_month="2026-02")
    adhoc, errors = adhoc_scenario(settings_, bcf, BASE)
    assert errors == []
    outputs, result = build_outputs(bcf, apply_adhoc(BASE, adhoc))
    ours = outputs.checks[outputs.checks["where"] != "National conditions"]
    assert ours[ours["check"] != "Pool balances as agreed"]["passed"].all()
    for row in result.arrangement_years:
        if row.overspend is None:
            continue
        steps = outputs.risk_steps[(outputs.risk_steps["year"] == row.year)
                                   & (outputs.risk_steps["arrangement"] == row.arrangement_id)]
        placed = steps[(steps["stage"] == "step") & (steps["label"] != "Risk pool")]["amount"].sum()
        unfunded = steps[steps["stage"] == "end"]["amount"].sum()
        # every penny of the shared result is placed: shares + unfunded (or returns + carried +
        # reinvested); own contribution cuts and ring-fenced sources are settled before it
        assert placed + unfunded == abs(int(row.shared_variance[0]))


# --- The schemes table and edited budgets ----------------------------------------------------------


def test_the_schemes_table_round_trips_without_edits(bcf: Agreement) -> None:
    table = schemes_table(bcf, YEAR)
    assert len(table) == len(bcf.schemes())
    # partners and arrangements by name, not id
    nm03 = table[table["Scheme"] == "NM03"].iloc[0]
    assert nm03["Commissioner"] == "NHS Moorland and Dales Integrated Care Board 60%, Northmoor Borough Council 40%"
    assert nm03["Arrangement"] == "Northmoor Better Care Fund pooled fund"
    assert table[table["Scheme"] == "NM01"].iloc[0]["Commissioner"] == "Northmoor Borough Council"
    assert set(table["Arrangement"]) == {a.name for a in bcf.arrangements}
    assert table.loc[table["Scheme"] == "NM01", BUDGET_COLUMN].iloc[0] == 3_450_000.0
    assert read_budget_edits(bcf, table, YEAR) == ({}, [])


def test_an_edited_budget_reruns_as_an_overspend(bcf: Agreement) -> None:
    table = schemes_table(bcf, YEAR)
    table.loc[table["Scheme"] == "NM01", BUDGET_COLUMN] = 3_950_000.0
    edits, errors = read_budget_edits(bcf, table, YEAR, {("NM02", "2026-27"): 1})
    assert errors == []
    assert edits == {("NM01", YEAR): 3_950_000_00, ("NM02", "2026-27"): 1}
    edited = apply_budget_edits(bcf, {("NM01", YEAR): 3_950_000_00})
    assert next(s for _, s in edited.schemes() if s.id == "NM01").budget == {
        YEAR: 3_950_000_00, "2026-27": 3_574_000_00}
    assert [s for _, s in edited.schemes() if s.id != "NM01"] == [s for _, s in bcf.schemes() if s.id != "NM01"]
    assert (edited.arrangements[1] is not bcf.arrangements[1]
            and edited.arrangements[1].schemes[0] is bcf.arrangements[1].schemes[0])
    outputs, _ = build_outputs(edited, BASE)
    # Spend is £500,000 more than the pool holds less the £300,000 contingency: a £200,000
    # overspend; NM01 spends its (new) budget, so no commissioner layer; the council's band takes it all.
    council = outputs.partners_frame[(outputs.partners_frame["year"] == YEAR)
                                     & (outputs.partners_frame["partner"] == "council")]
    assert int(council["overspend_share"].iloc[0]) == 200_000_00
    ours = outputs.checks[outputs.checks["where"] != "National conditions"]
    failing = ours[~ours["passed"]]
    assert list(failing["check"]) == ["Pool balances as agreed"]
    assert "£500,000.00 too little" in failing["words"].iloc[0]
    assert schemes_table(bcf, YEAR, edits).loc[0, BUDGET_COLUMN] == 3_950_000.0
    assert edits_key(edits) == '[["NM01", "2025-26", 395000000], ["NM02", "2026-27", 1]]'


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, "enter a budget (0 for none)"),
        (-5.0, "amount must not be negative (got -£5.00)"),
        (10.005, "Decimal('10.005') has fractions of a penny; give pounds with at most 2 decimal places"),
    ],
)
def test_a_bad_budget_in_the_table_is_located(bcf: Agreement, value: float, message: str) -> None:
    table = schemes_table(bcf, YEAR)
    table.loc[table["Scheme"] == "NM03", BUDGET_COLUMN] = value
    edits, errors = read_budget_edits(bcf, table, YEAR)
    assert edits == {}
    assert [str(e) for e in errors] == [f"{TABLE_SOURCE} NM03.budget.2025-26: {message}"]


def test_apply_budget_edits_without_edits_is_the_same_agreement(bcf: Agreement) -> None:
    assert apply_budget_edits(bcf, {}) is bcf


# --- Assumptions and scenario changes ---------------------------------------------------------------


def test_assumptions_show_budgeted_and_scenario_rates(bcf: Agreement) -> None:
    high, _ = load_scenario(SCENARIOS / "high_inflation.yaml")
    assert high is not None
    frame = assumptions_frame(bcf, high).set_index(["Driver", "Key", "Year"])
    assert tuple(frame.loc[("Inflation", "care fees", "2025-26")]) == ("5.5", "10")
    assert tuple(frame.loc[("Demography", "all", "2026-27")]) == ("1.2", "1.2")


def test_scenario_changes_in_words(bcf: Agreement) -> None:
    m6, _ = load_scenario(SCENARIOS / "bcf_in_year_actuals.yaml")
    assert m6 is not None
    frame = scenario_changes(m6, bcf)
    assert list(frame["Change"]) == ["One-off", "Actuals"]
    assert frame["When"].tolist() == ["Dec 2025", "April to Sep 2025"]
    assert frame["What"].iloc[0].startswith("£185,000.00 on NM05: Moorcare Homecare")


def test_reconciliation_checks_name_each_arrangement(bcf: Agreement) -> None:
    result = run(bcf)
    checks = reconciliation_checks(result, bcf)
    # named for a finance lead; the id beside it for a program
    assert set(checks["where"]) == {a.name for a in bcf.arrangements}
    assert set(zip(checks["where"], checks["arrangement"], strict=True)) == {(a.name, a.id) for a in bcf.arrangements}
    books = checks[(checks["check"] == "Books balance") & (checks["year"] == YEAR)]
    net = result.partner_totals(YEAR)["net_cost"][0]
    assert np.sum(net) == sum(int(r.net_cost[0].sum()) for r in result.for_year(YEAR))
    assert books["passed"].all()


def test_the_agreements_months_and_drivers(bcf: Agreement) -> None:
    months = agreement_months(bcf)
    assert len(months) == 24
    assert list(months.items())[:1] == [("2025-04", "Apr 2025")]
    assert months["2026-01"] == "Jan 2026" and months["2027-03"] == "Mar 2027"
    assert demand_drivers(bcf) == ["care_home_admissions", "hospital_discharges", "non_elective_admissions",
                                   "older_people_population"]


def test_the_national_conditions_are_among_the_checks(bcf: Agreement) -> None:
    from pooledfund.reports.conditions import national_conditions

    outputs, result = build_outputs(bcf, BASE)
    national = outputs.checks[outputs.checks["where"] == "National conditions"]
    expected = national_conditions(bcf, result)
    assert len(national) == len(expected) > 0
    assert list(national["passed"]) == [c.passed for c in expected]
    first = expected[0]
    assert national.iloc[0]["figure"] == f"£{first.figure // 100:,}.{first.figure % 100:02d}"
    assert national.iloc[0]["should_be"].startswith(first.comparison + " £")
    assert "all years" in set(national["year"])
