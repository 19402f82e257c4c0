"""``diff`` of two versions worked by hand: the Northmoor plan against its month 6 forecast.

The plan runs the agreement as agreed (spend at budget). The month 6
forecast (scenarios/bcf_in_year_actuals.yaml) replaces April to September
with actuals for four schemes and forecasts October to March at the average
actual month (run rate): each month the average rounded half up to the
penny, and March the remainder, so the six forecast months add up to exactly
six times the average. It adds a £185,000 shock to NM05 in December.
Working for 2025-26:

    NM01  actuals 281,200 + 290,450 + 296,800 + 301,150 + 298,900 + 304,600 = 1,773,100
          run rate 1,773,100 / 6 = 295,516.666...: five months of 295,516.67 and March 295,516.65,
          1,773,100.00 in all; spend 3,546,200.00 against a budget of 3,450,000.00: +96,200.00
    NM04  actuals 970,800; 970,800 / 6 = 161,800.00 exactly; spend 1,941,600.00 against 1,950,000.00: -8,400.00
    IB02  actuals 1,436,300; forecast the same 1,436,300.00 (239,383.33 x 5 + March 239,383.35)
          spend 2,872,600.00 against 2,700,000.00: +172,600.00
    LD01  actuals 383,800; forecast 383,800.00 (63,966.67 x 5 + March 63,966.65)
          spend 767,600.00 against 880,000.00: -112,400.00
    NM05  the shock: +185,000.00 (spend 3,135,000.00)

    schemes' movement   96,200.00 - 8,400.00 + 172,600.00 - 112,400.00 + 185,000.00 = 333,000.00
    pool variance       plan: the £300,000 risk pool unspent, (300,000.00)
                        month 6: -300,000.00 + 333,000.00 = 33,000.00 over, movement +333,000.00
    risk share          the risk pool is used up first, then the commissioner layer (first £500,000):
                        every overspending scheme (NM01, IB02, NM05) is the council's, so the council
                        bears all £33,000.00; the ICB nothing. Council net cost 23,405,000.00 -> 23,438,000.00.
    carry forward       plan 300,000.00 -> month 6 nothing: (300,000.00); so 2026-27 brings forward
                        300,000.00 less, its budget is 300,000.00 lower and its unspent pool (variance)
                        is (300,000.00) rather than (600,000.00).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pooledfund.io.store.diff import diff_text, movements
from pooledfund.io.store.records import Figure, NewVersion, Version, VersionInfo
from pooledfund.io.store.references import DatabaseLocation
from pooledfund.io.store.sources import prepare_version
from pooledfund.io.store.store import VersionStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def plan_and_month6(
    location: DatabaseLocation, northmoor_plan: NewVersion, northmoor_month6: NewVersion
) -> tuple[Version, Version]:
    with VersionStore.open(location, create=True) as store:
        plan = store.record(northmoor_plan)
        store.sign_off(plan.id, by="Cllr Jones", meeting="Health and Wellbeing Board 2026-03-18",
                       signed_on=date(2026, 3, 18))
        month6 = store.record(northmoor_month6)
        return store.get(plan.id), store.get(month6.id)


def test_every_figure_that_moved_moved_by_the_hand_worked_amount(plan_and_month6: tuple[Version, Version]) -> None:
    moved = {(m.year, m.level, m.item, m.measure): (m.first, m.second, m.change)
             for m in movements(*plan_and_month6) if m.moved}
    assert moved == {
        ("2025-26", "scheme", "NM01", "spend"): (345_000_000, 354_620_000, 9_620_000),
        ("2025-26", "scheme", "NM01", "variance"): (0, 9_620_000, 9_620_000),
        ("2025-26", "scheme", "NM04", "spend"): (195_000_000, 194_160_000, -840_000),
        ("2025-26", "scheme", "NM04", "variance"): (0, -840_000, -840_000),
        ("2025-26", "scheme", "IB02", "spend"): (270_000_000, 287_260_000, 17_260_000),
        ("2025-26", "scheme", "IB02", "variance"): (0, 17_260_000, 17_260_000),
        ("2025-26", "scheme", "LD01", "spend"): (88_000_000, 76_760_000, -11_240_000),
        ("2025-26", "scheme", "LD01", "variance"): (0, -11_240_000, -11_240_000),
        ("2025-26", "scheme", "NM05", "spend"): (295_000_000, 313_500_000, 18_500_000),
        ("2025-26", "scheme", "NM05", "variance"): (0, 18_500_000, 18_500_000),
        ("2025-26", "arrangement", "bcf_pool", "spend"): (3_838_000_000, 3_871_300_000, 33_300_000),
        ("2025-26", "arrangement", "bcf_pool", "variance"): (-30_000_000, 3_300_000, 33_300_000),
        ("2025-26", "arrangement", "bcf_pool", "carry_forward"): (30_000_000, 0, -30_000_000),
        ("2025-26", "partner", "council", "overspend_share"): (0, 3_300_000, 3_300_000),
        ("2025-26", "partner", "council", "net_cost"): (2_340_500_000, 2_343_800_000, 3_300_000),
        ("2026-27", "arrangement", "bcf_pool", "budget"): (4_004_403_000, 3_974_403_000, -30_000_000),
        ("2026-27", "arrangement", "bcf_pool", "brought_forward"): (30_000_000, 0, -30_000_000),
        ("2026-27", "arrangement", "bcf_pool", "variance"): (-60_000_000, -30_000_000, 30_000_000),
        ("2026-27", "arrangement", "bcf_pool", "carry_forward"): (60_000_000, 30_000_000, -30_000_000),
    }


def test_the_schemes_movements_add_up_to_the_pools(plan_and_month6: tuple[Version, Version]) -> None:
    moves = [m for m in movements(*plan_and_month6) if m.year == "2025-26" and m.measure == "variance"]
    schemes = sum(m.change for m in moves if m.level == "scheme")
    pools = sum(m.change for m in moves if m.level == "arrangement")
    assert schemes == pools == 33_300_000


def test_the_diff_reads_file_by_file_and_penny_by_penny(plan_and_month6: tuple[Version, Version]) -> None:
    plan, month6 = plan_and_month6
    text = diff_text(plan, month6)
    agreement_hash = plan.inputs[0].sha256
    assert text.startswith("From version 1 'Plan 2025-26' (plan, signed off)\n"
                           "  to version 2 'Month 6 forecast' (month 6 forecast, draft)\n")
    assert f"agreement examples/bcf_northmoor.yaml: unchanged (SHA-256 {agreement_hash})" in text
    assert "scenario 1 scenarios/bcf_in_year_actuals.yaml: only in version 2" in text
    assert "+++ @2/scenarios/bcf_in_year_actuals.yaml" in text
    assert "+        NM01: [281200, 290450, 296800, 301150, 298900, 304600]" in text
    lines = text.splitlines()
    cells = [[cell.strip() for cell in line.split("  ") if cell.strip()] for line in lines]
    assert ["NM01 Northmoor Reablement Service", "Spend", "£3,450,000.00", "£3,546,200.00", "£96,200.00"] in cells
    council = next(line for line in lines if line.startswith("Northmoor Borough Council"))
    assert council.split()[-3:] == ["£0.00", "£33,000.00", "£33,000.00"]  # overspend share, first and movement
    total = next(line for line in lines if line.startswith("Total"))
    assert total.split()[-3:] == ["£62,080,000.00", "£62,113,000.00", "£33,000.00"]
    assert "LD01 Discharge to assess home care (pathway 1)" in text and "(£112,400.00)" in text
    assert "2026-27" in text and "Schemes: no figure moved." in text
    assert "19 of 250 figures moved." in text


def test_a_version_against_itself_moves_nothing(plan_and_month6: tuple[Version, Version]) -> None:
    plan, _ = plan_and_month6
    text = diff_text(plan, plan)
    assert "No figure moved: all 250 figures are the same to the penny." in text
    assert "---" not in text.split("Figures")[0].split("-----------", 1)[1]  # no file diff at all


def test_a_changed_agreement_is_diffed_line_by_line(
    location: DatabaseLocation, northmoor_plan: NewVersion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = (ROOT / "examples/bcf_northmoor.yaml").read_text().replace(
        "budget: {2025-26: 3450000, 2026-27: 3574000}", "budget: {2025-26: 3350000, 2026-27: 3574000}").replace(
        "        cash: 20150000\n", "        cash: 20050000\n", 1)
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples/bcf_northmoor.yaml").write_text(changed)
    monkeypatch.chdir(tmp_path)
    revised = prepare_version("examples/bcf_northmoor.yaml", [], label="Plan v2", kind="plan", recorded_by="Ann")
    with VersionStore.open(location, create=True) as store:
        first, second = store.record(northmoor_plan), store.record(revised)
        text = diff_text(store.get(first.id), store.get(second.id))
    # NM01's budget cut by £100,000, and the ICB's NHS minimum contribution with it, so the pool still balances.
    assert "-        budget: {2025-26: 3450000, 2026-27: 3574000}" in text
    assert "+        budget: {2025-26: 3350000, 2026-27: 3574000}" in text
    assert "-        cash: 20150000" in text and "+        cash: 20050000" in text
    icb = next(line for line in text.splitlines() if line.startswith("NHS Moorland and Dales Integrated Care Board"))
    assert icb.split()[-3:] == ["£38,675,000.00", "£38,575,000.00", "(£100,000.00)"]


_KEYS = st.tuples(st.sampled_from(["2025-26", "2026-27"]), st.sampled_from(["partner", "arrangement", "scheme"]),
                  st.sampled_from(["council", "icb", "NM01", "bcf_pool"]),
                  st.sampled_from(["net_cost", "budget", "spend", "variance"]))
_AMOUNTS = st.dictionaries(_KEYS, st.integers(-10**13, 10**13), max_size=30)


def _version(number: int, amounts: dict[tuple[str, str, str, str], int]) -> Version:
    info = VersionInfo(number, f"v{number}", "plan", "a", "A", "Base", "Ann", "2026-03-18T10:00:00Z", "0.1.0", "draft")
    figures = tuple(Figure(year, level, "", item, item, measure, pence, index)
                    for index, ((year, level, item, measure), pence) in enumerate(amounts.items()))
    return Version(info, (), figures)


@given(first=_AMOUNTS, second=_AMOUNTS)
def test_movements_pair_every_figure_once_and_add_up(first: dict, second: dict) -> None:
    moves = movements(_version(1, first), _version(2, second))
    assert sorted((m.year, m.level, m.item, m.measure) for m in moves) == sorted(first.keys() | second.keys())
    # Conservation: the movements add up to the change in the total, to the penny.
    assert sum(m.change for m in moves) == sum(second.values()) - sum(first.values())
    assert all(m.moved == (first.get(k) != second.get(k))
               for m in moves for k in [(m.year, m.level, m.item, m.measure)])
