"""Cross-checks on the risk-share clauses: amounts that resolve every year, own lines first, switches' partners.

Each check returns located errors (the file line of the field at fault), so a
clause that cannot work is refused with a message, never run to a wrong number.
"""

from __future__ import annotations

import difflib

from pooledfund.agreements import FundedArrangement, LeadCommissioning
from pooledfund.core.errors import InputError, Source
from pooledfund.model.amounts import AGREED_VALUE, POOL, AmountValue, ByYear, bases_named, unknown_base_message
from pooledfund.model.records import (
    ALWAYS_RING_FENCED,
    AttributableLayer,
    AttributableRule,
    CapLayer,
    Record,
    SwitchLayer,
    field_line,
    source_of,
)


def _err(record: Record, field: str, message: str, *inner: str) -> InputError:
    """An error on ``field`` of ``record``, on the line of the key ``inner`` inside it if given."""
    source = source_of(record) or Source("")
    path = f"{source.path}.{field}" if source.path else field
    return InputError(Source(source.file, field_line(record, field, *inner), path), message)


def _amounts(record: Record) -> list[tuple[str, AmountValue]]:
    """The amounts a layer, rule or trigger states: its limit (some rules' ``cap``), cap or threshold."""
    found: list[tuple[str, AmountValue]] = []
    for name in ("limit", "cap", "threshold"):
        value = record.__dict__.get(name)
        if value is not None and value != "contribution":
            found.append((name, value))
    return found


def _check_amount(record: Record, field: str, amount: AmountValue, years: list[str], partner_ids: list[str],
                  lead: bool) -> list[InputError]:
    """Every year has a value; every percentage is of the pool, a partner, or (lead commissioning) the agreed value."""
    errors: list[InputError] = []
    if isinstance(amount, ByYear):
        missing = [y for y in years if y not in amount.values]
        if missing:
            errors.append(_err(record, field, f"no value is given for {', '.join(missing)}; give every year of the "
                               f"agreement ({', '.join(years)}): a year left out is never taken as unlimited"))
        extra = [y for y in amount.values if y not in years]
        errors += [_err(record, field, f"{y} is not one of the agreement's years ({', '.join(years)})", y)
                   for y in extra]
    for base in bases_named(amount):
        if base == AGREED_VALUE and not lead:
            errors.append(_err(record, field, "only lead commissioning has an agreed value; give a percentage of "
                               "the pool or of a partner's contribution"))
        elif base not in (POOL, AGREED_VALUE) and base not in partner_ids:
            errors.append(_err(record, field, unknown_base_message(base, partner_ids)))
    return errors


def check_clauses(arrangement: FundedArrangement, years: list[str], partner_ids: list[str]) -> list[InputError]:
    """The risk-share layers' and underspend rules' amounts, and where the own-lines clauses sit."""
    lead = isinstance(arrangement, LeadCommissioning)
    errors: list[InputError] = []
    records: list[Record] = [*arrangement.risk_share, *arrangement.underspend, *arrangement.triggers]
    for record in records:
        for field, amount in _amounts(record):
            errors += _check_amount(record, field, amount, years, partner_ids, lead)
    for index, layer in enumerate(arrangement.risk_share):
        if isinstance(layer, AttributableLayer) and any(
                not isinstance(earlier, CapLayer) for earlier in arrangement.risk_share[:index]):
            errors.append(_err(layer, "layer", "an attributable layer settles each commissioner's own lines before "
                               "anything is shared: list it first (caps may come before it)"))
    for index, rule in enumerate(arrangement.underspend):
        if isinstance(rule, AttributableRule) and index:
            errors.append(_err(rule, "rule", "an attributable rule returns each commissioner's own underspends "
                               "before anything else: list it first"))
    for layer in arrangement.risk_share:
        if isinstance(layer, SwitchLayer):
            errors += _check_switch(layer, partner_ids)
    return errors + _check_ring_fences(arrangement)


def _check_ring_fences(arrangement: FundedArrangement) -> list[InputError]:
    """A ring-fence listed for a source the arrangement neither receives nor spends would do nothing: refuse it.

    (A mistyped source, ``ibcf`` in a pool that uses the Local Authority Better
    Care Grant, would otherwise leave the grant unfenced without a word.) The
    sources that are always ring-fenced (the DFG) are exempt: their rules may be
    stated once for every pool of an agreement, and nothing is left unfenced.
    """
    used = {c.source for c in arrangement.contributions} | {s.funding_source for s in arrangement.schemes}
    errors: list[InputError] = []
    for fence in arrangement.ring_fenced:
        if fence.source not in used and fence.source not in ALWAYS_RING_FENCED:
            names = ", ".join(sorted(source.value for source in used)) or "none"
            errors.append(_err(fence, "source", f"{fence.source.value!r} is ring-fenced, but no contribution or "
                               f"scheme of {arrangement.id} uses it, so the ring-fence would do nothing; the sources "
                               f"used here are: {names}"))
    return errors


def _check_switch(layer: SwitchLayer, partner_ids: list[str]) -> list[InputError]:
    """Every partner a switch's two sharings name is one of the agreement's partners."""
    errors: list[InputError] = []
    for side in ("below", "above"):
        sharing = layer.below if side == "below" else layer.above
        for partner in sharing.named_partners():
            if partner in partner_ids:
                continue
            close = difflib.get_close_matches(partner, partner_ids, n=3)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            inner = (partner,) if sharing.shares else ()
            errors.append(_err(layer, side, f"{partner!r} is not a partner ({', '.join(partner_ids)}){hint}",
                               *inner))
    return errors
