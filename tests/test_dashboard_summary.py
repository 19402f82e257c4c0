"""The board summary, the short headline figures and the sign convention, worked by hand.

The summary's checks must count as the sign-off pack's Summary sheet counts
them (its COUNTIFs over the Checks sheet, recalculated by LibreOffice).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from openpyxl import load_workbook
from tools import recalculate

from pooledfund.dashboard.budget_edits import apply_budget_edits
from pooledfund.dashboard.data import build_outputs
from pooledfund.dashboard.formats import short_gbp, signed_gbp, variance_words
from pooledfund.dashboard.tables import board_summary
from pooledfund.io.excel import workbook_bytes
from pooledfund.io.excel.importer import MAX_WORKBOOK_BYTES
from pooledfund.io.loader import load_agreement
from pooledfund.io.yamlio import MAX_YAML_BYTES
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bcf() -> Agreement:
    agreement, errors = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    assert not errors and agreement is not None
    return agreement


@pytest.fixture(scope="module")
def over_budget(bcf: Agreement) -> Agreement:
    """NM01's 2025-26 budget raised from £3,450,000 to £3,950,000, contributions as agreed."""
    return apply_budget_edits(bcf, {("NM01", "2025-26"): 3_950_000_00})


@pytest.mark.parametrize(
    ("pence", "text"),
    [
        (0, "£0"),
        (95_000, "£950.00"),  # under £1,000: to the penny, so a small figure never reads £0
        (-100, "(£1.00)"),
        (100_000, "£1k"),
        (9_150_000, "£91.5k"),
        (39_150_000, "£392k"),  # £391,500: three figures, half rounded up
        (99_949_900, "£999k"),  # £999,499
        (99_960_000, "£1m"),  # £999,600 rounds to £1,000k, which is £1m
        (125_000_000, "£1.25m"),
        (2_340_500_000, "£23.4m"),  # the council's £23,405,000
        (2_301_350_000, "£23m"),  # £23,013,500: £23.0m without the trailing zero
        (-30_000_000, "(£300k)"),
        (123_456_789_000, "£1.23bn"),
    ],
)
def test_short_figures_worked_by_hand(pence: int, text: str) -> None:
    assert short_gbp(pence) == text


def test_changes_and_variances_follow_the_packs_sign_convention() -> None:
    assert signed_gbp(39_150_000) == "+£391,500.00"
    assert signed_gbp(-30_000_000) == "(£300,000.00)"
    assert signed_gbp(-30_000_000, short=True) == "(£300k)"
    assert signed_gbp(0) == "£0.00"
    assert variance_words(39_150_000) == "£391,500.00 overspend"
    assert variance_words(-30_000_000, short=True) == "(£300k) underspend"
    assert variance_words(0) == "on budget"


def test_the_board_summary_of_the_budget_as_agreed(bcf: Agreement) -> None:
    outputs = build_outputs(bcf, BASE)[0]
    first = board_summary(outputs, "2025-26")
    # Money in £38,680,000 less scheme budgets £38,380,000 (all spent as budgeted) leaves the
    # £300,000 contingency unspent: an underspend, carried forward by the pool's first rule.
    assert (first.variance, first.contingency, first.risk_pool) == (-300_000_00, 300_000_00, 300_000_00)
    assert (first.risk_pool_used, first.risk_pool_left, first.carried_forward) == (0, 300_000_00, 300_000_00)
    assert first.unfunded == 0
    assert first.by_arrangement == (("Northmoor Better Care Fund pooled fund", -300_000_00),
                                    ("Northmoor community services aligned budget", 0))
    # 2026-27: that £300,000 comes back as brought forward beside a new £300,000 contingency: a
    # £600,000 risk pool, unused, carried forward again.
    second = board_summary(outputs, "2026-27")
    assert (second.brought_forward, second.risk_pool, second.risk_pool_used) == (300_000_00, 600_000_00, 0)
    assert (second.variance, second.carried_forward) == (-600_000_00, 600_000_00)
    # The pack's 23 checks: NHS minimum, ASC, out of hospital and DFG for 2 years (8), joint splits (1)
    # and, per year, 6 funding sources plus the pool balance (14). All pass.
    assert (first.passed, first.failed) == (23, 0)


def test_the_board_summary_of_an_overspent_budget_lists_failures_first(over_budget: Agreement) -> None:
    summary = board_summary(build_outputs(over_budget, BASE)[0], "2025-26")
    # Spend £38,880,000 against money in £38,680,000: £200,000 over. The schemes overspend by
    # £500,000; the £300,000 contingency meets the first £300,000 and is used up; nothing is carried.
    assert summary.variance == 200_000_00
    assert (summary.risk_pool_used, summary.risk_pool_left, summary.carried_forward) == (300_000_00, 0, 0)
    assert (summary.passed, summary.failed) == (20, 3)
    failing = summary.checks.head(3)
    assert not failing["passed"].any() and summary.checks["passed"].iloc[3:].all()
    assert [(c, y) for c, y in zip(failing["check"], failing["year"], strict=True)] == [
        ("NHS-funded adult social care maintained", "2026-27"),
        ("Northmoor Better Care Fund pooled fund: income equals expenditure, Minimum NHS Contribution", "2025-26"),
        ("Northmoor Better Care Fund pooled fund: pool balances (income = schemes + risk pool)", "2025-26"),
    ]
    # NM01 is paid from the NHS minimum: £21,770,000 of income against £22,270,000 of schemes.
    assert "falls short of planned spend £22,270,000.00 by £500,000.00" in failing["words"].iloc[1]
    reconciliation = summary.reconciliations.iloc[0]
    assert (reconciliation["check"], reconciliation["passed"]) == ("Pool balances as agreed", False)


def test_the_board_summary_counts_checks_as_the_pack_does(over_budget: Agreement, tmp_path: Path) -> None:
    summary = board_summary(build_outputs(over_budget, BASE)[0], "2025-26")
    book = tmp_path / "pack.xlsx"
    book.write_bytes(workbook_bytes(over_budget, [BASE]))
    recalculated = tmp_path / "recalculated.xlsx"
    recalculate(str(book), str(recalculated))
    sheet = load_workbook(recalculated, data_only=True)["Summary"]
    counts = {str(row[1].value): row[2].value for row in sheet.iter_rows(min_col=1, max_col=3)
              if row[1].value in ("National conditions and reconciliations passed", "Failed (see the Checks sheet)")}
    assert counts == {"National conditions and reconciliations passed": summary.passed,
                      "Failed (see the Checks sheet)": summary.failed}


def test_the_streamlit_settings_match_the_readers_limits() -> None:
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    # Streamlit's megabytes are MiB; the workbook reader refuses above 20 MiB, YAML above 5 MiB.
    assert settings["server"]["maxUploadSize"] * 1024 * 1024 == MAX_WORKBOOK_BYTES
    assert MAX_YAML_BYTES == 5 * 1024 * 1024
    assert settings["client"]["toolbarMode"] == "viewer"  # no deploy button
    assert settings["client"]["showErrorDetails"] == "none"
