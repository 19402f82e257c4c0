"""What every kind of arrangement has in common.

An arrangement is one of the Section 75 flexibilities (or an aligned budget
alongside them). *Funded* arrangements (pooled fund, lead commissioning,
integrated provision) hold money paid in by partners, so their year-end
variance goes through a risk-share waterfall and underspend rules; an aligned
budget leaves each partner with its own variance.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pooledfund.core.money import MoneyError, pounds, to_pence
from pooledfund.core.types import Identifier, NonNegativeMoney, SingleLine, Year
from pooledfund.core.years import parse_year
from pooledfund.model.amounts import POOL, PercentOf, parse_amount_part, percent_of
from pooledfund.model.records import (
    ALWAYS_RING_FENCED,
    Contribution,
    Record,
    RingFence,
    RiskLayer,
    Scheme,
    Trigger,
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

    id: Identifier = Field(min_length=1)
    name: SingleLine = Field(min_length=1)
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
            against overspends. Each year's value is pounds, or a percentage
            of the pool (``2%``) or of a partner's contribution
            (``2% of council``) as agreed, before any scenario changes; it is
            worked out in pence when the file is read (rounded half up).
        balanced: when true, contributions must equal scheme budgets plus
            contingency every year (the usual requirement of a pooled fund).
        risk_share: ordered layers that share an overspend among partners.
        underspend: ordered rules that deal with an underspend.
        triggers: thresholds that move no money but must be reported, each with the
            action the agreement requires once the forecast variance passes it
            (e.g. a recovery plan when the forecast overspend is above 2% of the pool).
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
    triggers: list[Trigger] = Field(default_factory=list)
    shortfall: Literal["reducing_partner", "waterfall"] = "reducing_partner"
    ring_fenced: list[RingFence] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _contingency_in_pounds(cls, data: Any) -> Any:
        """Turn a contingency given as a percentage into pounds, from the contributions as agreed that year.

        A percentage that cannot be worked out (no such partner, unreadable
        contributions) is left as written, so the contingency field reports
        it at its own line.
        """
        if not isinstance(data, dict) or not isinstance(data.get("contingency"), dict):
            return data
        contingency = dict(data["contingency"])
        for year, value in contingency.items():
            try:
                part = parse_amount_part(value)
            except ValueError:
                continue
            if isinstance(part, PercentOf):
                base = _agreed_contributions(data.get("contributions"), str(year), part.of)
                if base is not None:
                    contingency[year] = pounds(percent_of(part.percent, base))
        return {**data, "contingency": contingency}

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


def _agreed_contributions(contributions: Any, year: str, of: str) -> int | None:
    """The listed contributions in ``year`` (``of`` a partner, or all for the pool) in pence; None if unreadable."""
    if not isinstance(contributions, list):
        return None
    total = 0
    try:
        wanted = parse_year(year)
        for item in contributions:
            if not isinstance(item, dict) or parse_year(item.get("year")) != wanted:
                continue
            if of == POOL or item.get("partner") == of:
                total += to_pence(item.get("cash", 0)) + to_pence(item.get("in_kind", 0))
    except (MoneyError, ValueError):
        return None
    if of != POOL and not any(isinstance(i, dict) and i.get("partner") == of for i in contributions):
        return None
    return total
