"""BCF and Section 75 vocabulary: partner kinds, funding sources, scheme types.

Values follow the 2023-25 BCF planning template's drop-down lists, with the
Local Authority Better Care Grant that replaced the iBCF and the discharge
funds from 2025-26 (Better Care Fund policy framework 2025 to 2026). Each
enumeration accepts its snake_case key or the
template's wording, ignoring case and punctuation, so a planner can paste
"Home-based intermediate care" or write ``home_based_intermediate_care``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Self


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


class _Vocabulary(StrEnum):
    """An enumeration whose members also match their template wording.

    Members are strings equal to their key; printed, they still read
    ``Kind.MEMBER`` as a plain ``(str, Enum)`` did, so no text changes.
    """

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:
        return Enum.__str__(self)

    def __format__(self, format_spec: str) -> str:
        return Enum.__format__(self, format_spec)

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        return cls.from_text(value) if isinstance(value, str) else None

    @classmethod
    def from_text(cls, text: str) -> Self | None:
        """The member whose key or wording is ``text`` (ignoring case and punctuation), if any."""
        wanted = _key(text)
        return next((member for member in cls if wanted in (member.value, _key(member.label))), None)

    @classmethod
    def of(cls, key: str) -> Self:
        """The member whose key is ``key``: a key the program wrote (a user's text goes through ``from_text``)."""
        member = cls.from_text(key)
        if member is None:
            raise ValueError(f"{key!r} is not one of {cls.choices()}")
        return member

    @classmethod
    def choices(cls) -> str:
        """The accepted keys, for error messages and docs."""
        return ", ".join(member.value for member in cls)


class PartnerKind(_Vocabulary):
    """What kind of public body a partner is."""

    INTEGRATED_CARE_BOARD = ("integrated_care_board", "Integrated care board")
    NHS_TRUST = ("nhs_trust", "NHS trust or foundation trust")
    UNITARY_COUNCIL = ("unitary_council", "Unitary council")
    COUNTY_COUNCIL = ("county_council", "County council")
    DISTRICT_COUNCIL = ("district_council", "District council")
    OTHER = ("other", "Other")


class VatPosition(_Vocabulary):
    """How the partner recovers VAT (HMRC VATGPB6640): s.33 for councils, limited for NHS bodies."""

    COUNCIL_S33 = ("council_s33", "Council recovering VAT under VATA 1994 s.33")
    NHS_LIMITED_RECOVERY = ("nhs_limited_recovery", "NHS body: contracted-out services refund only")
    NONE = ("none", "No VAT recovery")


class FundingSource(_Vocabulary):
    """The BCF source of funding a contribution or a scheme's spend belongs to."""

    NHS_MINIMUM = ("nhs_minimum", "Minimum NHS Contribution")
    IBCF = ("ibcf", "iBCF")
    LA_BETTER_CARE_GRANT = ("local_authority_better_care_grant", "Local Authority Better Care Grant")
    DFG = ("dfg", "DFG")
    ADDITIONAL_LA = ("additional_la", "Additional LA Contribution")
    ADDITIONAL_NHS = ("additional_nhs", "Additional NHS Contribution")
    LA_DISCHARGE = ("la_discharge", "Local Authority Discharge Funding")
    ICB_DISCHARGE = ("icb_discharge", "ICB Discharge Funding")
    OTHER = ("other", "Other")


@dataclass(frozen=True)
class SourceYears:
    """The financial years a funding source existed in, and what to say outside them.

    The BCF's mandatory sources changed in 2022-23 (the discharge funds began)
    and in 2025-26 (the iBCF and the local authority discharge funding became
    the Local Authority Better Care Grant; the ICB discharge funding became part
    of the NHS minimum contribution). A plan that names a source in a year it
    did not exist would be checked against the wrong rules, so it is refused.

    Attributes:
        first: the first year the source existed ("" if it has no start in the BCF's life).
        last: the last year it existed ("" if it still exists).
        before: what to say when it is used before ``first``: what to use instead.
        after: what to say when it is used after ``last``: what it became and what to use.
    """

    first: str = ""
    last: str = ""
    before: str = ""
    after: str = ""

    def problem(self, year: str) -> str:
        """Why the source cannot be used in ``year`` ("" when it can). Years are ``2025-26`` strings."""
        if self.first and year < self.first:
            return self.before
        if self.last and year > self.last:
            return self.after
        return ""


#: The sources that existed only for some years (Better Care Fund policy frameworks 2022 to 2023 and
#: 2025 to 2026; Better Care Fund planning requirements 2025 to 2026). Sources not listed exist every year.
SOURCE_YEARS: dict[FundingSource, SourceYears] = {
    FundingSource.IBCF: SourceYears(
        last="2024-25",
        after="the improved Better Care Fund became part of the Local Authority Better Care Grant from 2025-26; "
        "use local_authority_better_care_grant"),
    FundingSource.LA_DISCHARGE: SourceYears(
        first="2022-23", last="2024-25",
        before="the local authority discharge funding began in 2022-23; before then use additional_la or other",
        after="the local authority discharge funding became part of the Local Authority Better Care Grant from "
        "2025-26; use local_authority_better_care_grant"),
    FundingSource.ICB_DISCHARGE: SourceYears(
        first="2022-23", last="2024-25",
        before="the ICB discharge funding began in 2022-23; before then use additional_nhs or other",
        after="the ICB discharge funding became part of the NHS minimum contribution from 2025-26; use nhs_minimum"),
    FundingSource.LA_BETTER_CARE_GRANT: SourceYears(
        first="2025-26",
        before="the Local Authority Better Care Grant began in 2025-26; before then use ibcf (and la_discharge "
        "for the local authority discharge funding from 2022-23)"),
}


def source_year_problem(source: FundingSource, year: str) -> str:
    """Why ``source`` cannot be used in financial ``year`` ("" when it can)."""
    years = SOURCE_YEARS.get(source)
    return years.problem(year) if years else ""


class AreaOfSpend(_Vocabulary):
    """The BCF template's area of spend."""

    SOCIAL_CARE = ("social_care", "Social Care")
    MENTAL_HEALTH = ("mental_health", "Mental Health")
    COMMUNITY_HEALTH = ("community_health", "Community Health")
    CONTINUING_CARE = ("continuing_care", "Continuing Care")
    PRIMARY_CARE = ("primary_care", "Primary Care")
    ACUTE = ("acute", "Acute")
    OTHER = ("other", "Other")


class ProviderKind(_Vocabulary):
    """The BCF template's provider categories."""

    LA = ("la", "LA")
    NHS_ACUTE = ("nhs_acute", "NHS Acute Provider")
    NHS_COMMUNITY = ("nhs_community", "NHS Community Provider")
    NHS_MENTAL_HEALTH = ("nhs_mental_health", "NHS Mental Health Provider")
    PRIVATE_SECTOR = ("private_sector", "Private Sector")
    CHARITY_VOLUNTARY = ("charity_voluntary", "Charity / Voluntary Sector")
    OTHER = ("other", "Other")


class SchemeType(_Vocabulary):
    """The 2023-25 BCF scheme types (the BCF planning template's expenditure tab)."""

    ASSISTIVE_TECHNOLOGY = ("assistive_technologies_and_equipment", "Assistive Technologies and Equipment")
    BED_BASED_INTERMEDIATE_CARE = ("bed_based_intermediate_care", "Bed based intermediate Care Services")
    CARE_ACT = ("care_act_implementation_related_duties", "Care Act Implementation Related Duties")
    CARERS = ("carers_services", "Carers Services")
    COMMUNITY_BASED = ("community_based_schemes", "Community Based Schemes")
    DFG_RELATED = ("dfg_related_schemes", "DFG Related Schemes")
    ENABLERS = ("enablers_for_integration", "Enablers for Integration")
    HICM = ("high_impact_change_model", "High Impact Change Model for Managing Transfer of Care")
    HOME_CARE = ("home_care_or_domiciliary_care", "Home Care or Domiciliary Care")
    HOME_BASED_INTERMEDIATE_CARE = ("home_based_intermediate_care", "Home-based intermediate care services")
    HOUSING = ("housing_related_schemes", "Housing Related Schemes")
    CARE_PLANNING = ("integrated_care_planning_and_navigation", "Integrated Care Planning and Navigation")
    URGENT_COMMUNITY_RESPONSE = ("urgent_community_response", "Urgent Community Response")
    PERSONALISED_BUDGETING = ("personalised_budgeting_and_commissioning", "Personalised Budgeting and Commissioning")
    PERSONALISED_CARE_AT_HOME = ("personalised_care_at_home", "Personalised Care at Home")
    PREVENTION = ("prevention_early_intervention", "Prevention / Early Intervention")
    RESIDENTIAL = ("residential_placements", "Residential Placements")
    WORKFORCE = ("workforce_recruitment_and_retention", "Workforce recruitment and retention")
    CONTINGENCY = ("contingency", "Contingency")
    OTHER = ("other", "Other")


# Aliases that planners commonly type for scheme types.
_SCHEME_ALIASES = {
    "home_based_intermediate_care_services": SchemeType.HOME_BASED_INTERMEDIATE_CARE,
    "bed_based_intermediate_care_services": SchemeType.BED_BASED_INTERMEDIATE_CARE,
    "home_care": SchemeType.HOME_CARE,
    "domiciliary_care": SchemeType.HOME_CARE,
    "assistive_technologies_equipment": SchemeType.ASSISTIVE_TECHNOLOGY,
    "prevention": SchemeType.PREVENTION,
}


def scheme_type_from_text(text: str) -> SchemeType | None:
    """Look a scheme type up by key, template wording or a common alias."""
    return SchemeType.from_text(text) or _SCHEME_ALIASES.get(_key(text))


@dataclass(frozen=True)
class Wording:
    """The words for one kind of risk-share layer or underspend rule, in one place.

    Every report takes its words from here (through the record's
    :meth:`~pooledfund.model.records.Worded.words`), so the explanation, the
    dashboard and the Excel pack cannot describe the same rule differently.
    Each text is a template: ``{partner}``, ``{scheme}``, ``{shares}``,
    ``{basis}``, ``{among}`` and ``{cap}`` are filled in by the record.

    Attributes:
        label: a few capitalised words for a chart axis ("Pro rata to contributions").
        short: a phrase for a row of the Excel pack ("pro rata to contributions").
        long: the phrase the written explanation uses in its sentences.
        limit: the word before a limit's amount: "up to £250k" (the
            commissioner layer's "first £500k").
    """

    label: str
    short: str
    long: str
    limit: str = "up to"
