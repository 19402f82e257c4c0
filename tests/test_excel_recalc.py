"""The pack's formulas, recalculated by LibreOffice, equal the engine's figures to the penny.

Each workbook is recalculated once (module-scoped fixtures); every formula
cell must have an expected figure recorded when it was written, and every
one must match after recalculation. No cell anywhere may show an error.
A stress agreement drives every risk-share layer, cap round and underspend
rule; editing its input cells in the workbook must give what the engine
gives for the agreement edited the same way.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import load_agreement_text
from openpyxl import Workbook, load_workbook
from tools import recalculate, require_tool

from pooledfund.engine.runner import run
from pooledfund.io.excel import build_pack
from pooledfund.io.excel.cells import Expectations, Expected
from pooledfund.io.excel.export import pack_bytes
from pooledfund.io.excel.render import render_sheet_png
from pooledfund.io.inputs import load_inputs
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {
    # main scenario first: each exercises overspends, underspends or both, and the second fills the Scenarios sheet
    "bcf_northmoor": ["bcf_in_year_actuals", "council_cut"],
    "ld_pooled_budget": ["demand_shock", "base"],
    "residential_lead_commissioning": ["council_cut", "high_inflation"],
}
ERROR_VALUES = ("#DIV/0!", "#NAME?", "#VALUE!", "#REF!", "#N/A", "#NUM!", "#NULL!", "Err:")

STRESS = """
agreement:
  id: stress
  title: Testshire stress pool
  place: Testshire Health and Wellbeing Board
  years: [2025-26, 2026-27]
  host_partner: council
partners:
  - {id: council, name: Testshire County Council, kind: county_council, vat: council_s33}
  - {id: icb, name: NHS Testshire ICB, kind: integrated_care_board, vat: nhs_limited_recovery}
  - {id: trust, name: Testshire Community Trust, kind: nhs_trust, vat: nhs_limited_recovery}
arrangements:
  - id: pool
    kind: pooled_fund
    name: Testshire pooled fund
    contributions:
      - {partner: council, year: 2025-26, source: local_authority_better_care_grant, cash: 400000.01, in_kind: 50000,
         in_kind_description: "=HYPERLINK(\\"http://example.org\\")"}
      - {partner: icb, year: 2025-26, source: nhs_minimum, cash: 333333.33}
      - {partner: trust, year: 2025-26, source: additional_nhs, cash: 216666.66}
      - {partner: council, year: 2026-27, source: local_authority_better_care_grant, cash: 400000.01, in_kind: 50000}
      - {partner: icb, year: 2026-27, source: nhs_minimum, cash: 333333.33}
      - {partner: trust, year: 2026-27, source: additional_nhs, cash: 216666.66}
    contingency: {2025-26: 100000, 2026-27: 100000}
    risk_share:
      - {layer: commissioner, limit: 50000.01}
      - {layer: band, partner: trust, limit: 10000}
      - {layer: fixed_split, shares: {council: 33.3333, icb: 33.3333, trust: 33.3334}, limit: 30000}
      - {layer: proportional, basis: cash, partners: [council, icb]}
      - {layer: cap, partner: council, cap: 60000}
      - {layer: cap, partner: icb, cap: contribution}
      - {layer: cap, partner: trust, cap: 20000}
    underspend:
      - {rule: carry_forward, cap: 20000}
      - {rule: reinvest, scheme: S2, cap: 7000}
      - {rule: fixed_split, shares: {council: 50, trust: 50}, limit: 12345.67}
      - {rule: return_proportional, basis: cash, limit: 5000}
      - {rule: retain_by_host, limit: 3000}
    schemes:
      - {id: S1, name: "-Reablement", scheme_type: home_based_intermediate_care, area_of_spend: social_care,
         commissioner: council, provider: la, funding_source: local_authority_better_care_grant,
         budget: {2025-26: 450000.01, 2026-27: 450000.01}}
      - {id: S2, name: Step-down beds, scheme_type: bed_based_intermediate_care, area_of_spend: community_health,
         commissioner: {icb: 33.3333, council: 66.6667}, provider: nhs_community, funding_source: nhs_minimum,
         budget: {2025-26: 333333.33, 2026-27: 333333.33}}
      - {id: S3, name: "@Urgent response", scheme_type: urgent_community_response, area_of_spend: community_health,
         commissioner: trust, provider: nhs_community, funding_source: additional_nhs,
         budget: {2025-26: 116666.66, 2026-27: 116666.66}}
  - id: own
    kind: pooled_fund
    name: Testshire own-lines pool
    contributions:
      - {partner: council, year: 2025-26, cash: 55000}
      - {partner: icb, year: 2025-26, cash: 40000.01}
      - {partner: council, year: 2026-27, cash: 58000}
      - {partner: icb, year: 2026-27, cash: 40000.01}
    contingency: {2025-26: 0, 2026-27: 3000}
    risk_share:
      - {layer: attributable}
      - {layer: band, partner: council, limit: {2025-26: 1%, 2026-27: 1000}}
      - {layer: proportional}
      - {layer: cap, partner: icb, cap: 10% of icb}
    underspend:
      - {rule: attributable}
      - {rule: carry_forward, cap: 1.5% of council}
      - {rule: return_proportional}
    schemes:
      - {id: O1, name: Own council line, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: other,
         budget: {2025-26: 55000, 2026-27: 55000}}
      - {id: O2, name: Own joint line, scheme_type: community_based_schemes, area_of_spend: community_health,
         commissioner: {icb: 66.6667, council: 33.3333}, provider: nhs_community, funding_source: other,
         budget: {2025-26: 40000.01, 2026-27: 40000.01}}
  - id: switch
    kind: pooled_fund
    name: Testshire switch pool
    contributions:
      - {partner: council, year: 2025-26, cash: 60000.01, in_kind: 5000}
      - {partner: icb, year: 2025-26, cash: 40000.02}
      - {partner: council, year: 2026-27, cash: 60000.01}
      - {partner: icb, year: 2026-27, cash: 40000.02}
    risk_share:
      - {layer: switch, threshold: {2025-26: 2%, 2026-27: 1500}, below: {council: 40, icb: 60}, above: icb}
      - {layer: switch, threshold: 500, below: pro_rata, above: pro_rata_cash}
      - {layer: cap, partner: icb, cap: 1500}
    underspend:
      - {rule: return_proportional}
    triggers:
      - {threshold: 2%, action: partners agree a recovery plan within 30 days}
      - {threshold: 1000.01, direction: underspend, action: the board decides on the underspend}
    schemes:
      - {id: W1, name: Switch line, scheme_type: home_care_or_domiciliary_care, area_of_spend: social_care,
         commissioner: council, provider: private_sector, funding_source: other,
         budget: {2025-26: 105000.03, 2026-27: 100000.03}}
  - id: aligned
    kind: aligned_budget
    name: Testshire aligned budget
    schemes:
      - {id: A1, name: Joint team, scheme_type: community_based_schemes, area_of_spend: mental_health,
         commissioner: {icb: 55, trust: 15, council: 30}, provider: nhs_mental_health, funding_source: other,
         budget: {2025-26: 100000.01, 2026-27: 100000.02}}
"""
STRESS_SCENARIO = {
    "id": "stress", "name": "Shocks both ways",
    "shocks": [
        {"scheme": "S1", "month": "2025-10", "amount": 300000.03},
        {"scheme": "S2", "month": "2025-11", "amount": 120000.00},
        {"scheme": "S3", "month": "2025-12", "amount": 95000.01},
        {"scheme": "A1", "month": "2025-12", "amount": 10000.03},
        {"scheme": "S2", "month": "2026-06", "amount": -250000.00},
        {"scheme": "A1", "month": "2026-06", "amount": -7000.01},
        {"scheme": "O1", "month": "2025-09", "amount": -3000.01},
        {"scheme": "O2", "month": "2025-09", "amount": 9000.03},
        {"scheme": "O1", "month": "2026-09", "amount": 2000.02},
        {"scheme": "O2", "month": "2026-09", "amount": -12000.05},
        {"scheme": "W1", "month": "2025-10", "amount": 5000.00},
        {"scheme": "W1", "month": "2026-10", "amount": 1000.00},
    ],
}


def stale(expectations: Expectations) -> Expectations:
    """Every figure wrong (money £10,000 more, numbers 1 more, text marked stale).

    The pack is saved with these as its formulas' saved values, so a recalculated figure that matches the engine
    can only come from LibreOffice working the formula out, never from the value saved in the file.
    """
    def wrong(expected: Expected) -> Expected:
        if expected.kind == "money":
            return Expected("money", int(expected.value) + 1_000_000)
        if expected.kind == "number":
            return Expected("number", float(expected.value) + 1)
        return Expected("text", f"{expected.value} (stale)")

    return Expectations({key: wrong(value) for key, value in expectations.cells.items()})


def _recalculated(agreement: Agreement, scenarios: list[Scenario], folder: Path) -> tuple[Workbook, Workbook,
                                                                                            Expectations]:
    workbook, expectations = build_pack(agreement, scenarios)
    book, out = folder / "pack.xlsx", folder / "pack_recalculated.xlsx"
    book.write_bytes(pack_bytes(workbook, stale(expectations)))
    recalculate(str(book), str(out))
    return load_workbook(book), load_workbook(out, data_only=True), expectations


def _mismatches(written: Workbook, calculated: Workbook, expectations: Expectations) -> list[str]:
    problems = []
    formula_cells = {(ws.title, c.coordinate) for ws in written.worksheets for row in ws.iter_rows() for c in row
                     if isinstance(c.value, str) and c.data_type == "f"}
    missing = formula_cells - set(expectations.cells)
    problems += [f"{sheet}!{cell}: a formula with no expected figure" for sheet, cell in sorted(missing)]
    for (sheet, cell), expected in expectations.cells.items():
        value = calculated[sheet][cell].value
        if expected.kind == "money":
            ok = isinstance(value, (int, float)) and abs(value * 100 - expected.value) < 0.001  # type: ignore[operator]
        elif expected.kind == "number":
            ok = isinstance(value, (int, float)) and math.isclose(value, expected.value, rel_tol=1e-9, abs_tol=1e-9)
        else:
            ok = value == expected.value
        if not ok:
            problems.append(f"{sheet}!{cell}: expected {expected.value} ({expected.kind}), LibreOffice gives {value!r}")
    return problems


def _error_cells(calculated: Workbook) -> list[str]:
    return [f"{ws.title}!{c.coordinate}: {c.value}" for ws in calculated.worksheets for row in ws.iter_rows()
            for c in row if isinstance(c.value, str) and c.value.startswith(ERROR_VALUES)]


@pytest.fixture(scope="module", params=sorted(EXAMPLES))
def example_pack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    name = request.param
    agreement, scenarios = load_inputs(str(ROOT / "examples" / f"{name}.yaml"),
                                       [str(ROOT / "scenarios" / f"{s}.yaml") for s in EXAMPLES[name]])
    return (name, *_recalculated(agreement, scenarios, tmp_path_factory.mktemp(name)))


def test_every_formula_of_each_example_equals_the_engine_to_the_penny(example_pack) -> None:
    name, written, calculated, expectations = example_pack
    assert len(expectations.cells) > 300, name
    assert _mismatches(written, calculated, expectations) == []


def test_no_cell_of_a_recalculated_example_shows_an_error(example_pack) -> None:
    _, _, calculated, _ = example_pack
    assert _error_cells(calculated) == []


def test_the_packs_sheets_are_in_reading_order(example_pack) -> None:
    _, written, _, _ = example_pack
    # What the Board signs first, then the appendices: Projection's monthly detail and the Assumptions.
    assert written.sheetnames == ["Cover", "Summary", "Contributions", "Expenditure plan", "Risk share",
                                  "Scenarios", "Checks", "Projection", "Assumptions"]


@pytest.fixture(scope="module")
def stress_pack(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("stress")
    agreement = load_agreement_text(STRESS, folder)
    scenario = Scenario.model_validate(STRESS_SCENARIO)
    return (agreement, scenario, folder, *_recalculated(agreement, [scenario], folder))


def test_the_stress_pool_reaches_caps_unfunded_and_every_underspend_rule(stress_pack) -> None:
    # The workbook is only a strong test if the engine actually goes down every path here.
    agreement, scenario, *_ = stress_pack
    result = run(agreement, scenario)
    first, second = (next(r for r in result.for_year(y) if r.arrangement_id == "pool") for y in agreement.years)
    # 2025-26: shocks 300,000.03 + 120,000.00 + 95,000.01 = 515,000.04 over budget; the 100,000 risk pool leaves
    # an overspend of 415,000.04. Every partner reaches its cap: council 60,000, trust 20,000 (in the fixed-split
    # layer, so its excess is re-shared in a second round) and the ICB its contribution 333,333.33; that is
    # 413,333.33, so 415,000.04 - 413,333.33 = 1,666.71 is left unfunded.
    assert first.variance[0] == 41_500_004
    assert [int(v) for v in first.overspend_shares[0]] == [6_000_000, 33_333_333, 2_000_000]
    assert first.unfunded[0] == 166_671
    # 2026-27: the S2 saving of 250,000 plus the 100,000 risk pool is a 350,000 underspend; every rule takes its slice.
    assert second.variance[0] == -35_000_000
    assert second.carry_forward[0] == 2_000_000 and second.reinvested[0].sum() == 700_000
    assert second.underspend_returns[0].sum() == 35_000_000 - 2_000_000 - 700_000


def test_every_formula_of_the_stress_pack_equals_the_engine(stress_pack) -> None:
    *_, written, calculated, expectations = stress_pack
    assert _mismatches(written, calculated, expectations) == []
    assert _error_cells(calculated) == []


def test_formula_like_text_stays_text_after_recalculation(stress_pack) -> None:
    *_, calculated, _ = stress_pack
    names = [c.value for c in calculated["Expenditure plan"]["B"] if c.value]
    assert "-Reablement" in names and "@Urgent response" in names
    contributions = calculated["Contributions"]
    column = next(c.column_letter for c in contributions[4] if c.value == "In-kind description")
    descriptions = [c.value for c in contributions[column] if c.value]
    assert '=HYPERLINK("http://example.org")' in descriptions


def _cell_of(workbook: Workbook, name: str) -> tuple[str, str]:
    sheet, cell = workbook.defined_names[name].attr_text.rsplit("!", 1)
    return sheet.strip("'"), cell.replace("$", "")


def test_changing_input_cells_recomputes_every_partners_share(stress_pack, tmp_path: Path) -> None:
    agreement, scenario, folder, *_ = stress_pack
    workbook, expected_before = build_pack(agreement, [scenario])
    # Edit the workbook as a finance lead would: a tighter council cap, a smaller first layer, a bigger trust band,
    # and no cap on carrying forward.
    edits = {"pf_pool_cap_council": 25000, "pf_pool_layer1_limit": 20000, "pf_pool_layer2_limit": 40000.5,
             "pf_pool_rule1_limit": None}
    for name, value in edits.items():
        sheet, cell = _cell_of(workbook, name)
        workbook[sheet][cell].value = value
    book = tmp_path / "edited.xlsx"
    book.write_bytes(pack_bytes(workbook, stale(expected_before)))
    recalculate(str(book), str(tmp_path / "edited_recalculated.xlsx"))
    calculated = load_workbook(tmp_path / "edited_recalculated.xlsx", data_only=True)
    text = STRESS.replace("cap: 60000", "cap: 25000").replace("limit: 50000.01", "limit: 20000")
    text = text.replace("partner: trust, limit: 10000", "partner: trust, limit: 40000.5")
    text = text.replace("{rule: carry_forward, cap: 20000}", "{rule: carry_forward}")
    edited = load_agreement_text(text, folder, "edited.yaml")
    _, expected = build_pack(edited, [scenario])
    summary = {k: v for k, v in expected.cells.items() if k[0] in ("Summary", "Risk share")}
    assert _mismatches(Workbook(), calculated, Expectations(summary)) == []
    # and the edit really changed the council's share: 25,000 instead of 60,000 in 2025-26
    pool = next(r for r in run(edited, scenario).for_year("2025-26") if r.arrangement_id == "pool")
    assert pool.overspend_shares[0][0] == 2_500_000


def test_the_summary_sheet_renders_to_a_png(tmp_path: Path) -> None:
    require_tool("soffice")
    require_tool("pdftoppm")
    agreement, scenarios = load_inputs(str(ROOT / "examples" / "bcf_northmoor.yaml"),
                                       [str(ROOT / "scenarios" / "high_inflation.yaml")])
    png = render_sheet_png(agreement, scenarios, "Summary", tmp_path / "summary.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > height > 500  # A4 landscape
