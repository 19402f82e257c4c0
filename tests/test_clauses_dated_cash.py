"""Dated changes move cash when they happen (agreement-clauses issue, item 9).

A change to a contribution or to a lead commissioning agreed value dated
part-way through a year changes the pool's receipts from the month it takes
effect, paid with the schedule's own payments from that month; the months
before it are untouched and the year still adds up to the changed
contribution to the penny. A date part-way through a month counts from the
month it falls in (docs/scenario-format.md, section 5.7).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np
from conftest import P
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledfund.agreements.lead_commissioning import (
    AgreedValue,
    AgreedValueTransfer,
    LeadCommissioning,
    ValueChange,
    agreed_value_schedule,
)
from pooledfund.engine.cashflow import payment_profile
from pooledfund.engine.runner import changed_cash, run
from pooledfund.io.loader import load_agreement
from pooledfund.model.records import Contribution, PaymentSchedule
from pooledfund.model.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
YEAR = "2025-26"


def cut(partner: str, date: str, amount: int | None = None, pct: float | None = None) -> Scenario:
    """A scenario with one contribution change."""
    change: dict[str, object] = {"partner": partner, "from": date}
    if amount is not None:
        change["change_amount"] = amount
    if pct is not None:
        change["change_pct"] = pct
    return Scenario.model_validate({"id": "cut", "contribution_changes": [change]})


def receipts(contribution: Contribution, scenario: Scenario) -> tuple[int, list[int]]:
    """The contribution's cash after the scenario and its 12 monthly receipts, in pence."""
    new_cash, change_months = changed_cash(contribution, "pool", scenario, {"pool": [contribution]})
    return new_cash, (payment_profile(contribution) + change_months).tolist()


def icb(cash: int, schedule: PaymentSchedule | None = None) -> Contribution:
    """An ICB contribution to ``pool`` for 2025-26 (pounds)."""
    return Contribution(partner="icb", year=YEAR, cash=cash, schedule=schedule or PaymentSchedule())


# --- hand-worked ------------------------------------------------------------------------------------


def test_a_january_cut_lowers_january_to_march_only() -> None:
    # £1,200,000 a year paid 1/12 monthly: £100,000 a month. Cut £300,000 a year from 1 January:
    # 300,000 x 3/12 = £75,000 less in the year, paid as £25,000 less in each of January-March.
    # Receipts: April-December £100,000; January-March £75,000; year 9 x 100,000 + 3 x 75,000 = £1,125,000.
    new_cash, months = receipts(icb(1_200_000), cut("icb", "2026-01-01", amount=-300_000))
    assert months == [P(100_000)] * 9 + [P(75_000)] * 3
    assert new_cash == sum(months) == P(1_125_000)


def test_a_date_part_way_through_a_month_counts_from_that_month() -> None:
    # 15 January counts as January (the month it falls in), exactly as 1 January does:
    # pro-rating by days would leave January's payment matching neither the old rate nor the new.
    on_the_first = receipts(icb(1_200_000), cut("icb", "2026-01-01", amount=-300_000))
    mid_month = receipts(icb(1_200_000), cut("icb", "2026-01-15", amount=-300_000))
    last_day = receipts(icb(1_200_000), cut("icb", "2026-01-31", amount=-300_000))
    assert mid_month == on_the_first == last_day


def test_a_quarterly_payer_s_cut_comes_off_its_next_payment() -> None:
    # £1,200,000 quarterly in advance: £300,000 on 1 April, 1 July, 1 October and 1 January.
    # Cut £300,000 a year from 1 January: £75,000 less in the year, all from the January quarter
    # (£225,000); February and March receive nothing, as before (no negative receipts).
    new_cash, months = receipts(icb(1_200_000, PaymentSchedule(kind="quarterly_in_advance")),
                                cut("icb", "2026-01-01", amount=-300_000))
    assert months == [P(300_000), 0, 0, P(300_000), 0, 0, P(300_000), 0, 0, P(225_000), 0, 0]
    assert new_cash == sum(months) == P(1_125_000)


def test_a_change_after_the_last_payment_is_settled_in_its_own_month() -> None:
    # Quarterly in advance, cut £300,000 a year from 1 February: 300,000 x 2/12 = £50,000.
    # No payment is left after January, so the pool repays £50,000 in February.
    new_cash, months = receipts(icb(1_200_000, PaymentSchedule(kind="quarterly_in_advance")),
                                cut("icb", "2026-02-01", amount=-300_000))
    assert months == [P(300_000), 0, 0, P(300_000), 0, 0, P(300_000), 0, 0, P(300_000), P(-50_000), 0]
    assert new_cash == sum(months) == P(1_150_000)


def test_a_cut_on_instalments_follows_the_instalments_left() -> None:
    # Instalments of 60% in May and 40% in November of £1,000,000: £600,000 and £400,000.
    # Cut 10% from 1 October: 1,000,000 x 10% x 6/12 = £50,000, all from the November instalment.
    schedule = PaymentSchedule.model_validate({"kind": "instalments", "instalments": [
        {"month": "2025-05", "percent": 60}, {"month": "2025-11", "percent": 40}]})
    new_cash, months = receipts(icb(1_000_000, schedule), cut("icb", "2025-10-01", pct=-10))
    assert months == [0, P(600_000), 0, 0, 0, 0, 0, P(350_000), 0, 0, 0, 0]
    assert new_cash == P(950_000)


def test_northmoor_icb_cut_of_2m_from_january_moves_cash_from_january_only() -> None:
    # The ICB pays £23,020,000 into the BCF pool in 2025-26 (20,150,000 + 1,620,000 + 1,250,000),
    # all 1/12 monthly. A £2,000,000 a year cut from 1 January is 2,000,000 x 3/12 = £500,000 in
    # the year, shared across the three contributions by cash; the pool receives about
    # £166,666.67 less in each of January, February and March, and not a penny less before.
    agreement, errors = load_agreement(ROOT / "examples" / "bcf_northmoor.yaml")
    assert agreement is not None, errors
    scenario = cut("icb", "2026-01-01", amount=-2_000_000)
    before, after = (next(r for r in run(agreement, s).arrangement_years
                          if r.arrangement_id == "bcf_pool" and r.year == YEAR) for s in (Scenario(id="b"), scenario))
    icb_index = before.partners.index("icb")
    assert int(before.cash[icb_index] - after.cash[icb_index]) == P(500_000)
    assert before.cash_in is not None and after.cash_in is not None
    moved = (after.cash_in - before.cash_in).tolist()
    assert moved[:9] == [0] * 9
    assert sum(moved[9:]) == P(-500_000)
    assert all(abs(m - P("-166666.67")) <= 2 for m in moved[9:])


def test_an_agreed_value_change_reaches_the_pool_from_its_month() -> None:
    # Agreed value £1,200,000 for 2025-26, paid monthly; cut £300,000 a year from 1 January
    # (not recurrent): the transfer is 1,200,000 - 300,000 x 3/12 = £1,125,000, received as
    # £100,000 a month April-December and £75,000 a month January-March (before: £93,750 every month).
    value = AgreedValue(base_year=YEAR, base_value=1_200_000,
                        changes=[ValueChange.model_validate({"from": "2026-01-01", "annual_change": -300_000,
                                                             "recurrent": False})])
    arrangement = _lead(value)
    (transfer,) = arrangement.all_contributions([YEAR])
    assert isinstance(transfer, AgreedValueTransfer)
    assert transfer.cash == P(1_125_000)
    assert payment_profile(transfer).tolist() == [P(100_000)] * 9 + [P(75_000)] * 3


def test_dalebridge_d2a_transfer_arrives_with_the_october_and_january_quarters() -> None:
    # Dalebridge 2026-27: the agreed value opens at its uplifted rate R; the D2A beds (+£1,200,000 a
    # year from 1 October 2026) add 1,200,000 x 6/12 = £600,000 to the year. Paid quarterly in
    # advance: April and July R/4; October and January R/4 + £300,000 each.
    agreement, errors = load_agreement(ROOT / "examples" / "residential_lead_commissioning.yaml")
    assert agreement is not None, errors
    arrangement = next(a for a in agreement.arrangements if isinstance(a, LeadCommissioning))
    built = next(b for b in agreed_value_schedule(arrangement.agreed_value, list(agreement.years))
                 if b.year == "2026-27")
    assert built.in_year_changes == P(600_000)
    transfer = next(c for c in arrangement.all_contributions(list(agreement.years))
                    if isinstance(c, AgreedValueTransfer) and c.year == "2026-27")
    months = payment_profile(transfer).tolist()
    quarter = built.opening_rate // 4
    assert built.opening_rate % 4 == 0
    assert [months[0], months[3]] == [quarter, quarter]
    assert [months[6], months[9]] == [quarter + P(300_000), quarter + P(300_000)]
    assert sum(months) == built.value


def _lead(value: AgreedValue) -> LeadCommissioning:
    return LeadCommissioning.model_validate({
        "id": "lc", "kind": "lead_commissioning", "name": "Lead", "lead_commissioner": "icb",
        "delegating_partner": "council", "agreed_value": value, "schemes": [], "risk_share": [],
        "underspend": [],
    })


# --- properties -------------------------------------------------------------------------------------

SCHEDULES = [
    PaymentSchedule(),
    PaymentSchedule(kind="quarterly_in_advance"),
    PaymentSchedule.model_validate({"kind": "instalments", "instalments": [
        {"month": "2025-05", "percent": 60}, {"month": "2025-10", "percent": 40}]}),
    PaymentSchedule.model_validate({"kind": "instalments", "instalments": [
        {"month": "2025-04", "percent": 25}, {"month": "2025-08", "percent": 50},
        {"month": "2026-02", "percent": 25}]}),
    PaymentSchedule.model_validate({"kind": "monthly", "withheld": 10_000, "withheld_until": "2026-03"}),
]
DATES = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 3, 31))


def _first_month(date: dt.date) -> int:
    """The month index (0 is April 2025) a change starts in 2025-26; 0 for a date before the year."""
    if date < dt.date(2025, 4, 1):
        return 0
    return (date.month - 4) % 12


@settings(max_examples=200, deadline=None)
@given(
    cash=st.integers(min_value=10_000, max_value=50_000_000),
    schedule=st.sampled_from(SCHEDULES),
    date=DATES,
    pct=st.decimals(min_value=-100, max_value=200, places=2),
    amount=st.integers(min_value=-60_000_000, max_value=60_000_000),
)
def test_receipts_add_up_to_the_changed_cash_and_spare_the_months_before(
    cash: int, schedule: PaymentSchedule, date: dt.date, pct: Decimal, amount: int
) -> None:
    # Two changes on one contribution: a % and an amount, from the same date.
    contribution = icb(cash, schedule)
    scenario = Scenario.model_validate({"id": "s", "contribution_changes": [
        {"partner": "icb", "from": date.isoformat(), "change_pct": str(pct)},
        {"partner": "icb", "from": date.isoformat(), "change_amount": amount}]})
    new_cash, months = receipts(contribution, scenario)
    assert sum(months) == new_cash  # every penny of the changed year is received, no more
    first = _first_month(date)
    assert months[:first] == payment_profile(contribution).tolist()[:first]  # earlier months untouched


@settings(max_examples=200, deadline=None)
@given(
    base=st.integers(min_value=100_000, max_value=50_000_000),
    schedule=st.sampled_from(SCHEDULES),
    changes=st.lists(st.tuples(DATES, st.integers(min_value=-30, max_value=100)), max_size=3),
)
def test_agreed_value_receipts_add_up_and_spare_the_months_before_each_change(
    base: int, schedule: PaymentSchedule, changes: list[tuple[dt.date, int]]
) -> None:
    # Each change is -30% to +100% of the base a year, so the transfer never goes below nothing.
    value = AgreedValue(base_year=YEAR, base_value=base, schedule=schedule,
                        changes=[ValueChange.model_validate({"from": d.isoformat(), "annual_change": base * p // 100})
                                 for d, p in changes])
    (transfer,) = _lead(value).all_contributions([YEAR])
    months = payment_profile(transfer).tolist()
    assert sum(months) == transfer.cash
    # Before the first change of the year, the months are the opening rate's own payments.
    in_year = [d for d, _ in changes if dt.date(2025, 4, 1) <= d <= dt.date(2026, 3, 31)]
    first = min((_first_month(d) for d in in_year), default=12)
    opening = Contribution(partner="council", year=YEAR, cash=base, schedule=schedule)
    assert months[:first] == payment_profile(opening).tolist()[:first]
    assert np.sum(months[first:]) == transfer.cash - sum(payment_profile(opening).tolist()[:first])
