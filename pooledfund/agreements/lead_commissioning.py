"""Lead commissioning at an agreed value (regulation 8 of SI 2000/617).

The delegating partner transfers an *agreed value* to the lead commissioner,
who commissions the services for it and keeps the variance unless the
agreement says otherwise. Each year's value is negotiated from the last:

    value(y) = value(y-1) x (1 + (inflation + demography + other - efficiency) / 100)
               + new statutory requirements + planned changes

rounded half up to the penny, with every component recorded so the
negotiation can be shown line by line. A dated change during a year (e.g. a
scope change from 1 July) alters that year's transfer pro rata by month and,
when recurrent, the base rolled into the next year. The change reaches the
pool's bank account from its own month: the transfer's payments before it
are those of the opening rate (:class:`AgreedValueTransfer`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import Field, field_validator
from typing_extensions import override

from pooledfund.agreements.base import FundedArrangement
from pooledfund.core.money import pounds
from pooledfund.core.types import Date, Money, NonNegativeMoney, RatePercent, Year
from pooledfund.core.vocabulary import FundingSource
from pooledfund.core.years import month_of
from pooledfund.model.records import (
    Contribution,
    FixedSplitLayer,
    PaymentSchedule,
    Record,
    RetainByHostRule,
    RiskLayer,
    UnderspendRule,
)


class Uplift(Record):
    """The negotiated change from one year's agreed value to the next.

    Attributes:
        inflation_pct: price and pay inflation, %.
        demography_pct: growth in need from demography, %.
        efficiency_pct: the efficiency requirement as a positive %, deducted.
        other_pct: any other agreed percentage change (may be negative).
        new_statutory_requirements: pounds added for new duties.
        planned_changes: pounds added (or, if negative, removed) for agreed
            service changes.
        note: the reason, as the negotiation recorded it.
    """

    inflation_pct: RatePercent = Decimal(0)
    demography_pct: RatePercent = Decimal(0)
    efficiency_pct: RatePercent = Decimal(0)
    other_pct: RatePercent = Decimal(0)
    new_statutory_requirements: Money = 0
    planned_changes: Money = 0
    note: str = ""

    @field_validator("efficiency_pct")
    @classmethod
    def _efficiency_is_a_saving(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError(
                f"give the efficiency requirement as a positive saving (e.g. 2 for 2%); it is deducted (got {value})"
            )
        return value

    @property
    def total_pct(self) -> Decimal:
        """The net percentage uplift: inflation + demography + other - efficiency."""
        return self.inflation_pct + self.demography_pct + self.other_pct - self.efficiency_pct


class ValueChange(Record):
    """A dated change to the agreed value during a year.

    Attributes:
        effective_from: first day the change applies (it applies from that month on).
        annual_change: change to the annual rate, in pounds (negative to reduce).
        recurrent: whether the change rolls into next year's base (default yes).
        reason: why (e.g. "scope change: discharge beds transferred").
    """

    effective_from: Date = Field(alias="from")
    annual_change: Money
    recurrent: bool = True
    reason: str = ""


class AgreedValue(Record):
    """How the agreed value is set for each year.

    Attributes:
        base_year: the year whose value is agreed outright.
        base_value: that year's annual value, in pounds.
        uplifts: for each later year, the components of its uplift.
        changes: dated in-year changes.
        source: the BCF funding source the transfer counts as.
        schedule: when the delegating partner pays the value over.
    """

    base_year: Year
    base_value: NonNegativeMoney
    uplifts: dict[Year, Uplift] = Field(default_factory=dict)
    changes: list[ValueChange] = Field(default_factory=list)
    source: FundingSource = FundingSource.OTHER
    schedule: PaymentSchedule = Field(default_factory=PaymentSchedule)


@dataclass(frozen=True)
class AgreedValueYear:
    """One year of the agreed-value build-up, every component in pence.

    ``opening_rate`` is the annual rate at the start of the year (last year's
    recurrent closing rate uplifted); ``in_year_changes`` is the effect of dated
    changes on this year's transfer; ``value`` is what is transferred;
    ``closing_rate`` is the recurrent annual rate rolled into next year;
    ``dated_changes`` is each dated change's first day and its effect on this
    year's transfer (they add up to ``in_year_changes``).
    """

    year: str
    prior_rate: int
    uplift: Uplift | None
    percentage_uplift: int
    cash_components: int
    opening_rate: int
    in_year_changes: int
    value: int
    closing_rate: int
    dated_changes: tuple[tuple[dt.date, int], ...] = ()


def _apply_percent(pence: int, percent: Decimal) -> int:
    exact = Decimal(pence) * percent / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def agreed_value_schedule(value: AgreedValue, years: list[str]) -> list[AgreedValueYear]:
    """Build each year's agreed value from the base and the uplifts, in pence.

    Years before ``base_year`` have no value (the arrangement had not begun).
    A year after the base with no uplift listed carries the rate unchanged;
    the loader reports that as a problem, so it only happens in code.
    """
    built: list[AgreedValueYear] = []
    rate = value.base_value
    started = False
    for year in years:
        if year == value.base_year:
            started = True
            prior, uplift, pct_part, cash_part, opening = value.base_value, None, 0, 0, value.base_value
        elif started:
            uplift = value.uplifts.get(year)
            prior = rate
            pct_part = _apply_percent(prior, uplift.total_pct) if uplift else 0
            cash_part = (uplift.new_statutory_requirements + uplift.planned_changes) if uplift else 0
            opening = prior + pct_part + cash_part
        else:
            continue
        in_year = 0
        closing = opening
        dated: list[tuple[dt.date, int]] = []
        for change in value.changes:
            change_year, month = month_of(change.effective_from)
            if change_year != year:
                continue
            months_left = 12 - month
            # The change applies to the months from its effective month to March.
            exact = Decimal(change.annual_change * months_left) / 12
            effect = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
            in_year += effect
            dated.append((change.effective_from, effect))
            if change.recurrent:
                closing += change.annual_change
        built.append(
            AgreedValueYear(
                year=year,
                prior_rate=prior,
                uplift=uplift,
                percentage_uplift=pct_part,
                cash_components=cash_part,
                opening_rate=opening,
                in_year_changes=in_year,
                value=opening + in_year,
                closing_rate=closing,
                dated_changes=tuple(dated),
            )
        )
        rate = closing
    return built


class InYearChange(Record):
    """What one dated change to the agreed value adds to (or takes from) one year's transfer.

    Attributes:
        effective_from: the first day of the change; the pool receives it from that month.
        amount: the change to this year's transfer, in pounds: the annual change
            times the months from ``effective_from`` to March, over 12.
    """

    effective_from: Date = Field(alias="from")
    amount: Money


class AgreedValueTransfer(Contribution):
    """The agreed value as the delegating partner's contribution for one year.

    ``cash`` is the year's whole transfer, dated changes included; the
    changes are also listed so the cash flow pays each from its own month and
    the months before it at the opening rate.

    Attributes:
        in_year_changes: the dated changes counted in this year's ``cash``.
    """

    in_year_changes: list[InYearChange] = Field(default_factory=list)


class LeadCommissioning(FundedArrangement):
    """A delegating partner pays an agreed value to a lead commissioner.

    Attributes:
        kind: always ``lead_commissioning``.
        lead_commissioner: the partner that commissions for both and holds the money.
        delegating_partner: the partner that delegates its functions and pays the value.
        agreed_value: how the value is set each year.
    """

    kind: Literal["lead_commissioning"]
    lead_commissioner: str
    delegating_partner: str
    agreed_value: AgreedValue
    balanced: bool = False

    @override
    def host(self, agreement_host: str) -> str | None:
        """The lead commissioner holds the money."""
        return self.lead_commissioner

    def all_contributions(self, years: list[str]) -> list[Contribution]:
        """The agreed value as the delegating partner's contribution, plus any listed."""
        derived: list[Contribution] = [
            AgreedValueTransfer(
                partner=self.delegating_partner,
                year=built.year,
                source=self.agreed_value.source,
                cash=pounds(built.value),  # the record reads pounds
                schedule=self.agreed_value.schedule,
                in_year_changes=[
                    InYearChange(effective_from=first_day, amount=pounds(effect))
                    for first_day, effect in built.dated_changes
                ],
            )
            for built in agreed_value_schedule(self.agreed_value, years)
        ]
        return derived + list(self.contributions)

    def effective_risk_share(self) -> list[RiskLayer]:
        """The lead commissioner keeps the variance unless the agreement says otherwise."""
        if self.risk_share:
            return list(self.risk_share)
        return [
            FixedSplitLayer(
                layer="fixed_split",
                shares={self.lead_commissioner: 100},
                note="default for lead commissioning: the lead commissioner keeps the variance",
            )
        ]

    def effective_underspend(self) -> list[UnderspendRule]:
        """The lead commissioner keeps any underspend unless the agreement says otherwise."""
        if self.underspend:
            return list(self.underspend)
        return [RetainByHostRule(rule="retain_by_host", note="default for lead commissioning: the lead keeps it")]
