"""The kinds of arrangement an agreement can contain (see ``docs.md`` here)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from pooledfund.agreements.aligned_budget import AlignedBudget
from pooledfund.agreements.base import ArrangementBase, FundedArrangement
from pooledfund.agreements.integrated_provision import IntegratedProvision
from pooledfund.agreements.lead_commissioning import (
    AgreedValue,
    AgreedValueYear,
    LeadCommissioning,
    Uplift,
    ValueChange,
    agreed_value_schedule,
)
from pooledfund.agreements.pooled_fund import PooledFund

Arrangement = Annotated[
    PooledFund | AlignedBudget | LeadCommissioning | IntegratedProvision,
    Field(discriminator="kind"),
]

__all__ = [
    "AgreedValue",
    "AgreedValueYear",
    "AlignedBudget",
    "Arrangement",
    "ArrangementBase",
    "FundedArrangement",
    "IntegratedProvision",
    "LeadCommissioning",
    "PooledFund",
    "Uplift",
    "ValueChange",
    "agreed_value_schedule",
]
