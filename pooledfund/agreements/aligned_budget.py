"""Aligned budget: not pooled, outside Section 75.

Each partner keeps and administers its own budget for its own schemes
(joint schemes by their split) towards shared aims; the budgets are
reported together, and each partner keeps its own variance.
"""

from __future__ import annotations

from typing import Literal

from pooledfund.agreements.base import ArrangementBase


class AlignedBudget(ArrangementBase):
    """Budgets reported together but not pooled.

    A partner's contribution is the budget of the schemes it commissions; its
    overspend or underspend is the variance on those schemes.

    Attributes:
        kind: always ``aligned_budget``.
    """

    kind: Literal["aligned_budget"]

    @property
    def funded(self) -> bool:
        """Aligned budgets are not pooled; there is no shared variance."""
        return False
