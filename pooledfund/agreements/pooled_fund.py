"""Pooled fund (regulation 7 of SI 2000/617).

Two or more partners pay into a fund held by a host partner, whose pooled
fund manager spends it on the agreed schemes and reports quarterly. Any
overspend or underspend at year end is dealt with by the agreement's
risk-share schedule, which every pooled fund must state.
"""

from __future__ import annotations

from typing import Literal

from pooledfund.agreements.base import FundedArrangement


class PooledFund(FundedArrangement):
    """A Section 75 pooled fund.

    Attributes:
        kind: always ``pooled_fund``.
        host_partner: the partner holding the fund (defaults to the agreement's host).
    """

    kind: Literal["pooled_fund"]
    host_partner: str | None = None

    def host(self, agreement_host: str) -> str | None:
        """The arrangement's own host, or the agreement's."""
        return self.host_partner or agreement_host
