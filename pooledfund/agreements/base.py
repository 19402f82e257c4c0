"""What every kind of arrangement has in common.

An arrangement is one of the Section 75 flexibilities (or an aligned budget
alongside them). *Funded* arrangements (pooled fund, lead commissioning,
integrated provision) hold money paid in by partners, so their year-end
variance goes through a risk-share waterfall and underspend rules; an aligned
budget leaves each partner with its own variance.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from pooledfund.core.types import NonNegativeMoney, Year
from pooledfund.model.records import (
    ALWAYS_RING_FENCED,
    Contribution,
    Record,
    RingFence,
    RiskLayer,
    Scheme,
    UnderspendRule,
    one_of,
)

SHORTFALL_RULES = ("reducing_partner", "waterfall")
"""Who bears a partner's in-year contribution cut: the partner itself, or the risk-share waterfall."""


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
        shortfall: who bears the gap a partner leaves by paying in less than
            agreed during the year (a scenario's contribution cut):
            ``reducing_partner`` (the default: the partner that reduced its
            contribution makes the gap good at the year end, so it cannot
            pass its own cut to the others) or ``waterfall`` (the gap is part
            of the overspend and is shared by the risk-share layers).
        ring_fenced: funding sources whose money stays within the source, each
            with what happens to its underspend and overspend (see
            :class:`~pooledfund.model.records.RingFence`). The DFG is always
            ring-fenced; list it only to change its rules.
    """

    contributions: list[Contribution] = Field(default_factory=list)
    contingency: dict[Year, NonNegativeMoney] = Field(default_factory=dict)
    balanced: bool = True
    risk_share: list[RiskLayer] = Field(default_factory=list)
    underspend: list[UnderspendRule] = Field(default_factory=list)
    shortfall: Literal["reducing_partner", "waterfall"] = "reducing_partner"
    ring_fenced: list[RingFence] = Field(default_factory=list)

    @field_validator("shortfall", mode="before")
    @classmethod
    def _shortfall_word(cls, value: object) -> object:
        return one_of(value, SHORTFALL_RULES, "shortfall rule")

    @field_validator("ring_fenced")
    @classmethod
    def _each_source_once(cls, value: list[RingFence]) -> list[RingFence]:
        seen = [fence.source.value for fence in value]
        twice = sorted({s for s in seen if seen.count(s) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} is listed more than once; give each source's rules once")
        return value

    def ring_fences(self) -> list[RingFence]:
        """Every ring-fenced source with its rules: those listed, then the DFG if it is not listed."""
        listed = {fence.source for fence in self.ring_fenced}
        return [*self.ring_fenced, *(RingFence(source=s) for s in ALWAYS_RING_FENCED if s not in listed)]

    def all_contributions(self, years: list[str]) -> list[Contribution]:  # noqa: ARG002 (the kinds that override it use it)
        """Every contribution, including any the arrangement derives itself."""
        return list(self.contributions)

    def effective_risk_share(self) -> list[RiskLayer]:
        """The risk-share layers that apply (the agreement's own, or the kind's default)."""
        return list(self.risk_share)

    def effective_underspend(self) -> list[UnderspendRule]:
        """The underspend rules that apply (the agreement's own, or the kind's default)."""
        return list(self.underspend)
