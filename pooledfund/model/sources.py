"""Funding sources used only in the years they existed.

The BCF's sources changed over time: the discharge funds were paid from
2022-23 to 2024-25, and from 2025-26 the iBCF and the local authority
discharge funding became the Local Authority Better Care Grant while the ICB
discharge funding became part of the NHS minimum contribution (Better Care
Fund policy framework 2025 to 2026). A contribution or scheme line that names
a source in a year it did not exist would be reconciled against the wrong
national conditions, so the loader refuses it at its line and says which
source to use instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from pooledfund.agreements import ArrangementBase, FundedArrangement, LeadCommissioning
from pooledfund.core.errors import InputError, Source
from pooledfund.core.vocabulary import FundingSource, source_year_problem
from pooledfund.model.agreement import Agreement
from pooledfund.model.records import Record, field_line, source_of


def check_source_years(agreement: Agreement) -> list[InputError]:
    """Every contribution, scheme line and agreed value names a source that existed in its years."""
    errors: list[InputError] = []
    for arrangement in agreement.arrangements:
        if isinstance(arrangement, FundedArrangement):
            for contribution in arrangement.contributions:
                errors += _errors(contribution, "source", contribution.source, [contribution.year])
        if isinstance(arrangement, LeadCommissioning):
            value = arrangement.agreed_value
            years = [year for year in agreement.years if year >= value.base_year]
            errors += _errors(value, "source", value.source, years)
        errors += _scheme_errors(arrangement)
    return errors


def _scheme_errors(arrangement: ArrangementBase) -> list[InputError]:
    """A scheme line's source must have existed in every year it has a budget for."""
    errors: list[InputError] = []
    for scheme in arrangement.schemes:
        errors += _errors(scheme, "funding_source", scheme.funding_source, sorted(scheme.budget))
    return errors


def _errors(record: Record, field: str, source: FundingSource, years: Iterable[str]) -> list[InputError]:
    """One located error per distinct reason ``source`` cannot be used in some of ``years``."""
    reasons: dict[str, list[str]] = {}
    for year in years:
        reason = source_year_problem(source, year)
        if reason:
            reasons.setdefault(reason, []).append(year)
    where = source_of(record) or Source("")
    path = f"{where.path}.{field}" if where.path else field
    located = Source(where.file, field_line(record, field), path)
    return [
        InputError(located, f"{source.value!r} cannot be used in {', '.join(used)}: {reason}")
        for reason, used in reasons.items()
    ]
