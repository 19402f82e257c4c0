"""Payment schedules: when each contribution's cash reaches the pool, by month.

Every schedule is an exact split of the contribution into 12 monthly amounts
(April first) by the largest-remainder method, so the months always add up
to the contribution to the penny.
"""

from __future__ import annotations

import numpy as np

from pooledfund.core.money import IntArray, allocate
from pooledfund.core.types import percent_weight
from pooledfund.core.years import parse_month
from pooledfund.model.records import Contribution

_QUARTERLY_IN_ADVANCE = [1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]


def payment_profile(contribution: Contribution) -> IntArray:
    """The 12 monthly cash payments of a contribution as agreed, in pence.

    A scenario's change to the contribution is added by :func:`spread_change`.
    """
    schedule = contribution.schedule
    total = contribution.cash
    months = np.zeros(12, dtype=np.int64)
    withheld = min(schedule.withheld, total)
    scheduled = total - withheld
    if schedule.kind == "monthly":
        months += allocate(scheduled, [1] * 12)
    elif schedule.kind == "quarterly_in_advance":
        months += allocate(scheduled, _QUARTERLY_IN_ADVANCE)
    else:
        weights = [0] * 12
        amounts = [0] * 12
        by_amount = all(i.amount is not None for i in schedule.instalments)
        for instalment in schedule.instalments:
            _, month = parse_month(instalment.month)
            if by_amount:
                amounts[month] += instalment.amount or 0
            elif instalment.percent is not None:
                weights[month] += percent_weight(instalment.percent)
        if by_amount:
            months += np.array(amounts, dtype=np.int64)
        else:
            months += allocate(scheduled, weights)
    if withheld and schedule.withheld_until is not None:
        _, month = parse_month(schedule.withheld_until)
        months[month] += withheld
    return months


def spread_change(change: int, first_month: int) -> IntArray:
    """Spread a change in cash evenly over the months from ``first_month`` to March."""
    months = np.zeros(12, dtype=np.int64)
    weights = [0] * first_month + [1] * (12 - first_month)
    months += allocate(change, weights)
    return months
