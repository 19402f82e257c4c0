"""Cross-checks on a structurally valid agreement.

Each check returns a list of located errors instead of raising, so every
problem is reported in one pass: unknown or duplicate ids, years outside the
agreement, unbalanced pools, rules that cannot work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from pooledfund.agreements import (
    ArrangementBase,
    FundedArrangement,
    LeadCommissioning,
    PooledFund,
    agreed_value_schedule,
)
from pooledfund.core.errors import InputError, Source
from pooledfund.core.money import MAX_POUNDS, PENCE_PER_POUND, format_gbp
from pooledfund.core.types import percent_weight
from pooledfund.core.years import parse_month
from pooledfund.model.agreement import Agreement
from pooledfund.model.clause_checks import check_clauses
from pooledfund.model.records import (
    BandLayer,
    CapLayer,
    Contribution,
    FixedSplitLayer,
    ProportionalLayer,
    Record,
    ReinvestRule,
    ReturnFixedSplitRule,
    RiskLayer,
    Scheme,
    field_line,
    source_of,
)
from pooledfund.model.sources import check_source_years

#: The most any single amount may be, in pence (£100bn), as for every amount read from a file.
MAX_AMOUNT = MAX_POUNDS * PENCE_PER_POUND

#: The largest monthly phasing weight: far above any real profile (weights are
#: relative, so 100 for a month is as good as 1,000,000), and small enough that
#: twelve of them, kept to 4 decimal places, add up exactly in 64-bit integers.
MAX_PHASING_WEIGHT = Decimal(1_000_000)


def _err(record: Record, field: str, message: str, at: str | None = None) -> InputError:
    """An error on ``field`` of ``record``, on the line of ``at`` (a key inside the field) or of the field."""
    source = source_of(record) or Source("")
    path = f"{source.path}.{field}" if field and source.path else (field or source.path)
    inner: list[str | int] = []
    if field:
        inner.extend(field.split("."))
    if at is not None:
        inner.append(at)
    return InputError(Source(source.file, field_line(record, *inner), path), message)


def check_agreement(agreement: Agreement) -> list[InputError]:
    """Run every cross-check; an empty list means the agreement can be run."""
    errors: list[InputError] = []
    errors += _check_ids(agreement)
    errors += check_amounts(agreement)
    partner_ids = set(agreement.partner_ids)
    years = set(agreement.years)
    if agreement.host_partner not in partner_ids:
        errors.append(_unknown_partner(agreement, "host_partner", agreement.host_partner, partner_ids))
    for arrangement in agreement.arrangements:
        errors += _check_schemes(arrangement, partner_ids, years)
        if isinstance(arrangement, FundedArrangement):
            errors += _check_funded(agreement, arrangement, partner_ids, years)
    errors += check_source_years(agreement)
    return errors


def check_amounts(agreement: Agreement) -> list[InputError]:
    """The checks the engine repeats before a run: nothing it works out from the agreement can overflow.

    A phasing weight so large that the twelve months cannot be added up, or an
    agreed value that the uplifts take past £100bn (or below nothing), would
    otherwise stop a run half-way; ``validate`` reports them with the rest.
    """
    errors: list[InputError] = []
    years = list(agreement.years)
    for arrangement in agreement.arrangements:
        for scheme in arrangement.schemes:
            errors += _check_phasing(scheme)
        if isinstance(arrangement, LeadCommissioning) and arrangement.agreed_value.base_year in years:
            errors += _check_agreed_value_size(arrangement, years)
    return errors


def _check_phasing(scheme: Scheme) -> list[InputError]:
    """A scheme's monthly weights are at most :data:`MAX_PHASING_WEIGHT` and not all too small to count."""
    if scheme.phasing == "flat":
        return []
    errors = [
        _err(scheme, "phasing", f"the weight for month {month + 1} ({weight:,}) is more than "
             f"{MAX_PHASING_WEIGHT:,}; weights are relative, so give them as percentages of the year", at=str(month))
        for month, weight in enumerate(scheme.phasing)
        if weight > MAX_PHASING_WEIGHT
    ]
    if not errors and all(percent_weight(w) == 0 for w in scheme.phasing):
        message = "every monthly weight is below 0.0001, too small to count; give them as percentages of the year"
        errors.append(_err(scheme, "phasing", message))
    return errors


def _agreed_value_out_of_range(arrangement: FundedArrangement, years: list[str]) -> bool:
    """Whether a lead commissioning's agreed value leaves £0 to £100bn (reported by :func:`check_amounts`)."""
    if not isinstance(arrangement, LeadCommissioning) or arrangement.agreed_value.base_year not in years:
        return False
    return bool(_check_agreed_value_size(arrangement, years))


def _check_agreed_value_size(arrangement: LeadCommissioning, years: list[str]) -> list[InputError]:
    """Every year's agreed value, after its uplifts and changes, is between nothing and £100bn."""
    value = arrangement.agreed_value
    errors: list[InputError] = []
    for built in agreed_value_schedule(value, years):
        for what, amount in (("agreed value", built.value), ("recurrent rate carried forward", built.closing_rate)):
            if not 0 <= amount <= MAX_AMOUNT:
                where = f"uplifts.{built.year}" if built.year in value.uplifts else "base_value"
                errors.append(_err(value, where, f"{built.year}: the {what} comes to {format_gbp(amount)}, "
                                   f"outside £0.00 to {format_gbp(MAX_AMOUNT)}; check the base value, uplifts "
                                   "and changes"))
                return errors
    return errors


def _unknown_partner(
    record: Record, field: str, partner: str, known: Iterable[str], at: str | None = None
) -> InputError:
    """An error saying ``partner`` (named in ``field``) is not one of the agreement's partners."""
    message = f"{partner!r} is not one of the agreement's partners ({', '.join(sorted(known))})"
    return _err(record, field, message, at)


def _check_ids(agreement: Agreement) -> list[InputError]:
    errors: list[InputError] = []
    for label, records in (
        ("partner", agreement.partners),
        ("arrangement", agreement.arrangements),
        ("scheme", [s for _, s in agreement.schemes()]),
    ):
        counts = Counter(r.id for r in records)
        seen: set[str] = set()
        for record in records:
            if counts[record.id] > 1 and record.id in seen:
                message = f"{label} id {record.id!r} is used {counts[record.id]} times; ids must be unique"
                errors.append(_err(record, "id", message))
            seen.add(record.id)
    errors += _check_partner_codes(agreement)
    return errors


def _check_partner_codes(agreement: Agreement) -> list[InputError]:
    """Refuse one ODS or GSS code on two partners: a code names one body, and a body is one partner."""
    errors: list[InputError] = []
    first: dict[str, str] = {}
    for partner in agreement.partners:
        for field, code in (("ods_code", partner.ods_code), ("gss_code", partner.gss_code)):
            if code is None:
                continue
            if code in first:
                errors.append(_err(partner, field, f"{code} is also the {field} of partner {first[code]!r}; a code "
                                                   "names one body, so give each partner its own"))
            else:
                first[code] = partner.id
    return errors


def _outside(record: Record, field: str, year: str, years: set[str]) -> InputError:
    return _err(record, field, f"{year} is outside the agreement's years ({', '.join(sorted(years))})")


def _check_years(record: Record, field: str, given: Iterable[str], years: set[str]) -> list[InputError]:
    """Years used as keys of ``field`` (budgets, contingency, uplifts) that the agreement does not cover."""
    return [_outside(record, f"{field}.{y}", y, years) for y in given if y not in years]


def _check_schemes(arrangement: ArrangementBase, partner_ids: set[str], years: set[str]) -> list[InputError]:
    """Every scheme's commissioners are partners and its budgets are for the agreement's years."""
    errors: list[InputError] = []
    for scheme in arrangement.schemes:
        for partner in scheme.commissioner_split():
            if partner not in partner_ids:
                errors.append(_unknown_partner(scheme, "commissioner", partner, partner_ids, at=partner))
        errors += _check_years(scheme, "budget", scheme.budget, years)
    return errors


def _check_funded(
    agreement: Agreement, arrangement: FundedArrangement, partner_ids: set[str], years: set[str]
) -> list[InputError]:
    """Cross-check an arrangement partners pay into: who pays, when, and how a variance is shared."""
    errors = _check_named_partners(arrangement, partner_ids)
    errors += _check_contributions(arrangement, partner_ids, years)
    errors += _check_years(arrangement, "contingency", arrangement.contingency, years)
    if isinstance(arrangement, LeadCommissioning):
        errors += _check_agreed_value(arrangement, years, agreement.years)
    if isinstance(arrangement, PooledFund):
        errors += _check_pool_rules(arrangement)
    errors += _check_risk_share(arrangement, partner_ids)
    errors += _check_underspend(arrangement, partner_ids)
    errors += _check_caps(arrangement)
    errors += check_clauses(arrangement, agreement.years, agreement.partner_ids)
    if arrangement.balanced and not _agreed_value_out_of_range(arrangement, agreement.years):
        errors += _check_balanced(agreement, arrangement)
    return errors


def _check_named_partners(arrangement: FundedArrangement, partner_ids: set[str]) -> list[InputError]:
    """The host, provider, lead commissioner or delegating partner (whichever the kind has) are partners."""
    errors: list[InputError] = []
    for field in ("host_partner", "provider", "lead_commissioner", "delegating_partner"):
        value = getattr(arrangement, field, None)
        if value is not None and value not in partner_ids:
            errors.append(_unknown_partner(arrangement, field, value, partner_ids))
    return errors


def _check_contributions(arrangement: FundedArrangement, partner_ids: set[str], years: set[str]) -> list[InputError]:
    """Each contribution comes from a partner, in one of the agreement's years, on a schedule that adds up."""
    errors: list[InputError] = []
    for contribution in arrangement.contributions:
        if contribution.partner not in partner_ids:
            errors.append(_unknown_partner(contribution, "partner", contribution.partner, partner_ids))
        if contribution.year not in years:
            errors.append(_outside(contribution, "year", contribution.year, years))
            continue
        errors += _check_schedule(contribution)
    return errors


def _check_pool_rules(arrangement: PooledFund) -> list[InputError]:
    """A pooled fund has two or more contributors and says how an overspend and an underspend are dealt with."""
    errors: list[InputError] = []
    contributors = {c.partner for c in arrangement.contributions}
    if len(contributors) < 2:
        message = f"a pooled fund needs contributions from two or more partners (found {len(contributors)})"
        errors.append(_err(arrangement, "contributions", message))
    if not arrangement.risk_share:
        message = "a pooled fund must say how an overspend is shared (risk_share)"
        errors.append(_err(arrangement, "risk_share", message))
    if not arrangement.underspend:
        message = "a pooled fund must say what happens to an underspend (underspend)"
        errors.append(_err(arrangement, "underspend", message))
    return errors


def _layer_partner_field(layer: RiskLayer) -> str:
    """The field of a risk-share layer that names its partners."""
    if isinstance(layer, FixedSplitLayer):
        return "shares"
    if isinstance(layer, ProportionalLayer):
        return "partners"
    return "partner"


def _check_risk_share(arrangement: FundedArrangement, partner_ids: set[str]) -> list[InputError]:
    """Every partner a risk-share layer names is one of the agreement's partners."""
    errors: list[InputError] = []
    for layer in arrangement.risk_share:
        for partner in _layer_partners(layer):
            if partner not in partner_ids:
                field = _layer_partner_field(layer)
                at = partner if field == "shares" else None
                errors.append(_unknown_partner(layer, field, partner, partner_ids, at=at))
    return errors


def _check_caps(arrangement: FundedArrangement) -> list[InputError]:
    """No partner has more than one cap on its share of an overspend."""
    caps = [layer.partner for layer in arrangement.risk_share if isinstance(layer, CapLayer)]
    return [
        _err(arrangement, "risk_share", f"{partner!r} has {count} caps; give one cap per partner")
        for partner, count in Counter(caps).items()
        if count > 1
    ]


def _check_underspend(arrangement: FundedArrangement, partner_ids: set[str]) -> list[InputError]:
    """Underspend rules reinvest only in the arrangement's own schemes and return money only to partners."""
    errors: list[InputError] = []
    scheme_ids = {s.id for s in arrangement.schemes}
    for rule in arrangement.underspend:
        if isinstance(rule, ReinvestRule) and rule.scheme not in scheme_ids:
            errors.append(_err(rule, "scheme", f"{rule.scheme!r} is not a scheme of this arrangement"))
        if isinstance(rule, ReturnFixedSplitRule):
            for partner in rule.shares:
                if partner not in partner_ids:
                    errors.append(_unknown_partner(rule, "shares", partner, partner_ids, at=partner))
    return errors


def _layer_partners(layer: RiskLayer) -> list[str]:
    """The partners a risk-share layer names (none for a commissioner layer)."""
    if isinstance(layer, (BandLayer, CapLayer)):
        return [layer.partner]
    if isinstance(layer, FixedSplitLayer):
        return list(layer.shares)
    if isinstance(layer, ProportionalLayer):
        return list(layer.partners)
    return []


def _check_schedule(contribution: Contribution) -> list[InputError]:
    """A contribution's instalments and withheld amount fall in its year and add up to its cash."""
    errors: list[InputError] = []
    schedule = contribution.schedule
    for instalment in schedule.instalments:
        year, _ = parse_month(instalment.month)
        if year != contribution.year:
            errors.append(_err(instalment, "month", f"{instalment.month} is not in {contribution.year}"))
    if schedule.withheld_until is not None and parse_month(schedule.withheld_until)[0] != contribution.year:
        errors.append(_err(schedule, "withheld_until", f"{schedule.withheld_until} is not in {contribution.year}"))
    if schedule.withheld > contribution.cash:
        errors.append(
            _err(
                schedule,
                "withheld",
                f"withholds {format_gbp(schedule.withheld)}, more than the cash contribution "
                f"of {format_gbp(contribution.cash)}",
            )
        )
    amounts = [i.amount for i in schedule.instalments if i.amount is not None]
    if schedule.instalments and len(amounts) == len(schedule.instalments):
        due = contribution.cash - schedule.withheld
        total = sum(amounts)
        if total != due:
            gap = total - due
            errors.append(
                _err(
                    schedule,
                    "instalments",
                    f"instalments add up to {format_gbp(total)} but the cash to pay by instalment is "
                    f"{format_gbp(due)} ({format_gbp(abs(gap))} too {'much' if gap > 0 else 'little'})",
                )
            )
    elif schedule.instalments and amounts:
        errors.append(_err(schedule, "instalments", "give every instalment as an amount, or every one as a percent"))
    return errors


def _check_agreed_value(arrangement: LeadCommissioning, years: set[str], ordered: list[str]) -> list[InputError]:
    value = arrangement.agreed_value
    errors: list[InputError] = []
    if value.base_year not in years:
        return [_outside(value, "base_year", value.base_year, years)]
    errors += _check_years(value, "uplifts", value.uplifts, years)
    later = ordered[ordered.index(value.base_year) + 1 :]
    for year in later:
        if year not in value.uplifts:
            message = f"no uplift is given for {year}; give one (all components 0 if the value is unchanged)"
            errors.append(_err(value, "uplifts", message))
    for year in value.uplifts:
        if year in years and year not in later:
            errors.append(_err(value, f"uplifts.{year}", f"{year} is not after the base year {value.base_year}"))
    if arrangement.lead_commissioner == arrangement.delegating_partner:
        message = "the delegating partner and the lead commissioner must differ"
        errors.append(_err(arrangement, "delegating_partner", message))
    for change in value.changes:
        year = parse_month(change.effective_from)[0]
        if year not in years:
            errors.append(_err(change, "from", f"{change.effective_from} is outside the agreement's years"))
    return errors


def _check_balanced(agreement: Agreement, arrangement: FundedArrangement) -> list[InputError]:
    errors: list[InputError] = []
    contributions = arrangement.all_contributions(agreement.years)
    for year in agreement.years:
        paid = sum(c.total for c in contributions if c.year == year)
        budgets = sum(s.budget.get(year, 0) for s in arrangement.schemes)
        contingency = arrangement.contingency.get(year, 0)
        needed = budgets + contingency
        if paid != needed:
            gap = paid - needed
            errors.append(
                _err(
                    arrangement,
                    "contributions",
                    f"{year}: contributions {format_gbp(paid)} do not match scheme budgets {format_gbp(budgets)}"
                    f" + contingency {format_gbp(contingency)} = {format_gbp(needed)} "
                    f"({format_gbp(abs(gap))} too {'much' if gap > 0 else 'little'}); "
                    "the pool must balance (or set balanced: false)",
                )
            )
    return errors
