"""What every kind of arrangement has in common.

An arrangement is one of the Section 75 flexibilities (or an aligned budget
alongside them). *Funded* arrangements (pooled fund, lead commissioning,
integrated provision) hold money paid in by partners, so their year-end
variance goes through a risk-share waterfall and underspend rules; an aligned
budget leaves each partner with its own variance.
"""

from __future__ import annotations

from pydantic import Field

from pooledfund.core.types import NonNegativeMoney, Year
from pooledfund.model.records import Contribution, Record, RiskLayer, Scheme, UnderspendRule


class ArrangementBase(Record):
    """Fields every arrangement has.

    Attributes:
        id: identifier of the arrangement (unique in the agreement).
        name: what the agreement calls it ("Better Care Fund pooled fund").
        schemes: the service lines it pays for.
    """

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    schemes: list[Scheme] = Field(default_factory=list)

    @property
    def funded(self) -> bool:
        """Whether partners pay money in, so a risk share applies at year end."""
        return True

    def host(self, agreement_host: str) -> str | None:  # noqa: ARG002 (the kinds that override it use it)
        """The partner that holds the money and keeps the accounts, if any."""
        return None


class FundedArrangement(ArrangementBase):
    """An arrangement partners pay into, whose variance is shared by rules.

    Attributes:
        contributions: what each partner pays in, per year and source.
        contingency: a risk pool held in the arrangement (part of the
            contributions, not given to any scheme), per year, drawn first
            against overspends.
        balanced: when true, contributions must equal scheme budgets plus
            contingency every year (the usual requirement of a pooled fund).
        risk_share: ordered layers that share an overspend among partners.
        underspend: ordered rules that deal with an underspend.
    """

    contributions: list[Contribution] = Field(default_factory=list)
    contingency: dict[Year, NonNegativeMoney] = Field(default_factory=dict)
    balanced: bool = True
    risk_share: list[RiskLayer] = Field(default_factory=list)
    underspend: list[UnderspendRule] = Field(default_factory=list)

    def all_contributions(self, years: list[str]) -> list[Contribution]:  # noqa: ARG002 (the kinds that override it use it)
        """Every contribution, including any the arrangement derives itself."""
        return list(self.contributions)

    def effective_risk_share(self) -> list[RiskLayer]:
        """The risk-share layers that apply (the agreement's own, or the kind's default)."""
        return list(self.risk_share)

    def effective_underspend(self) -> list[UnderspendRule]:
        """The underspend rules that apply (the agreement's own, or the kind's default)."""
        return list(self.underspend)
