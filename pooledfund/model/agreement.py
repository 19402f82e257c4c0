"""The agreement: partners, years, host and the arrangements between them."""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from pydantic import Field, field_validator

from pooledfund.agreements import Arrangement
from pooledfund.core.types import Date, Identifier, SingleLine, Year
from pooledfund.model.records import BudgetAssumptions, Partner, Record, Scheme


class Agreement(Record):
    """A Section 75 agreement (or BCF plan) as the finance leads describe it.

    Attributes:
        id: short identifier for the agreement.
        title: the agreement's title.
        place: the Health and Wellbeing Board area it covers.
        years: the financial years it runs for, in order ("2025-26", ...).
        host_partner: the partner that holds the pooled fund and reports it
            in its accounts (regulation 7(4)).
        pooled_fund_manager: the officer the host appoints to manage the fund.
        status: ``draft`` while the plan is being agreed, ``final`` once it is the
            version put to the partners and the board for signature (shown on the
            pack's cover).
        meeting: the meeting that signs the plan off, e.g. "Northmoor Health and
            Wellbeing Board" (the cover leaves a line to fill in when blank).
        meeting_date: the date of that meeting, if set.
        board_chair: the name of the Health and Wellbeing Board's chair, who
            ratifies the plan (a line to fill in when blank).
        partners: the bodies that are party to it.
        arrangements: the pooled funds, aligned budgets, lead commissioning
            and integrated provision it sets up.
        assumptions: the inflation and demography the budgets were set with.
    """

    id: Identifier = Field(min_length=1)
    title: SingleLine = Field(min_length=1)
    place: str = ""
    years: list[Year] = Field(min_length=1)
    host_partner: str
    pooled_fund_manager: str = ""
    status: Literal["draft", "final"] = "draft"
    meeting: SingleLine = ""
    meeting_date: Date | None = None
    board_chair: SingleLine = ""
    partners: list[Partner] = Field(min_length=2)
    arrangements: list[Arrangement] = Field(min_length=1)
    assumptions: BudgetAssumptions = Field(default_factory=BudgetAssumptions)

    @field_validator("years")
    @classmethod
    def _consecutive(cls, years: list[str]) -> list[str]:
        for before, after in pairwise(years):
            if int(after[:4]) != int(before[:4]) + 1:
                raise ValueError(f"years must be consecutive and in order; {after} does not follow {before}")
        return years

    def partner(self, partner_id: str) -> Partner:
        """The partner with this id."""
        return next(p for p in self.partners if p.id == partner_id)

    @property
    def partner_ids(self) -> list[str]:
        """Partner ids in the order listed (the order ties are broken in)."""
        return [p.id for p in self.partners]

    def schemes(self) -> list[tuple[str, Scheme]]:
        """Every scheme with the id of its arrangement."""
        return [(a.id, s) for a in self.arrangements for s in a.schemes]
