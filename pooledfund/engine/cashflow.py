"""Payment schedules: when each contribution's cash reaches the pool, by month.

Every schedule is an exact split of the contribution into 12 monthly amounts
(April first) by the largest-remainder method, so the months always add up
to the contribution to the penny.

A change dated part-way through a year (a scenario's contribution change, or
a dated change to a lead commissioning agreed value) moves cash only from the
month it takes effect: it is paid with the schedule's own payments from that
month to March (a cut from January on a monthly schedule lowers January,
February and March; on a quarterly schedule, the January quarter). If the
schedule has no payment left in the year, the change is settled in its own
month. Months before the change are never touched.
"""

from __future__ import annotations

import numpy as np

from pooledfund.agreements.lead_commissioning import AgreedValueTransfer
from pooledfund.core.money import IntArray, allocate
from pooledfund.core.types import percent_weight
from pooledfund.core.years import month_of, parse_month
from pooledfund.model.records import Contribution, PaymentSchedule

_QUARTERLY_IN_ADVANCE = [1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]


def schedule_weights(schedule: PaymentSchedule) -> list[int]:
    """How the schedule shares its (not withheld) cash across the 12 months, April first.

    Monthly is 1 in every month; quarterly in advance is 1 in April, July,
    October and January; instalments weigh each month by the amounts (or the
    percentages) listed for it.
    """
    if schedule.kind == "monthly":
        return [1] * 12
    if schedule.kind == "quarterly_in_advance":
        return list(_QUARTERLY_IN_ADVANCE)
    weights = [0] * 12
    by_amount = all(i.amount is not None for i in schedule.instalments)
    for instalment in schedule.instalments:
        _, month = parse_month(instalment.month)
        if by_amount:
            weights[month] += instalment.amount or 0
        elif instalment.percent is not None:
            weights[month] += percent_weight(instalment.percent)
    return weights


def payment_profile(contribution: Contribution) -> IntArray:
    """The 12 monthly cash payments of a contribution as agreed, in pence.

    An agreed value with dated in-year changes pays its opening rate on the
    schedule and each change from its own month (:func:`spread_change`). A
    scenario's change to the contribution is added by :func:`spread_change`.
    """
    schedule = contribution.schedule
    dated = contribution.in_year_changes if isinstance(contribution, AgreedValueTransfer) else []
    total = contribution.cash - sum(change.amount for change in dated)
    months = np.zeros(12, dtype=np.int64)
    withheld = min(schedule.withheld, max(total, 0))
    scheduled = total - withheld
    if schedule.kind == "instalments" and all(i.amount is not None for i in schedule.instalments):
        months += np.array(schedule_weights(schedule), dtype=np.int64)
    else:
        months += allocate(scheduled, schedule_weights(schedule))
    if withheld and schedule.withheld_until is not None:
        _, month = parse_month(schedule.withheld_until)
        months[month] += withheld
    for change in dated:
        months += spread_change(change.amount, month_of(change.effective_from)[1], schedule)
    return months


def spread_change(change: int, first_month: int, schedule: PaymentSchedule) -> IntArray:
    """Pay a change in cash with the schedule's payments from ``first_month`` (0 is April) to March.

    The change is shared across those payments by the schedule's own weights
    (largest remainder, so it sums exactly); with no payment left in the year
    it falls in ``first_month`` itself. Earlier months are untouched.
    """
    months = np.zeros(12, dtype=np.int64)
    weights = [0] * first_month + schedule_weights(schedule)[first_month:]
    if not any(weights):
        weights[first_month] = 1
    months += allocate(change, weights)
    return months
