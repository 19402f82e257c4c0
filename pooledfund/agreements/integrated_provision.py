"""Integrated provision (regulation 9 of SI 2000/617).

One partner provides services for both (e.g. an integrated care
organisation providing adult social care for the council under a core
contract). Contributions may be made in kind (seconded staff, premises),
valued in pounds and always shown apart from cash. Cost risk sits with the
provider unless the agreement's risk share says otherwise.
"""

from __future__ import annotations

from typing import Literal

from typing_extensions import override

from pooledfund.agreements.base import FundedArrangement
from pooledfund.model.records import FixedSplitLayer, RetainByHostRule, RiskLayer, UnderspendRule


class IntegratedProvision(FundedArrangement):
    """One partner provides integrated services paid for by the partners.

    Attributes:
        kind: always ``integrated_provision``.
        provider: the providing partner, which holds the money.
    """

    kind: Literal["integrated_provision"]
    provider: str

    @override
    def host(self, agreement_host: str) -> str | None:
        """The provider holds the money."""
        return self.provider

    def effective_risk_share(self) -> list[RiskLayer]:
        """The provider bears all variance unless the agreement says otherwise."""
        if self.risk_share:
            return list(self.risk_share)
        return [
            FixedSplitLayer(
                layer="fixed_split",
                shares={self.provider: 100},
                note="default for integrated provision: the provider bears cost risk",
            )
        ]

    def effective_underspend(self) -> list[UnderspendRule]:
        """The provider keeps any underspend unless the agreement says otherwise."""
        if self.underspend:
            return list(self.underspend)
        return [RetainByHostRule(rule="retain_by_host", note="default for integrated provision: the provider keeps it")]
