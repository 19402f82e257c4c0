"""The largest amounts the engine will produce, and the located refusal when inputs go past them.

Every amount read from a file is at most £100bn, but a scenario can multiply
spend (nine +1000% demand changes make it 11^9 times the budget) until it no
longer fits in the 64-bit integers the engine counts pence in, and a figure
that wrapped round would look like any other. So the engine checks, before
each figure could overflow, that

* a scheme's spend in a year (projected, plus shocks, events and actuals) is
  at most :data:`MAX_SCHEME_YEAR` either way, checked on the exact running
  totals before they are turned into pence, and again once shocks, events
  and actuals are in;
* a contribution after the scenario's changes is at most :data:`MAX_SCHEME_YEAR`;
* an arrangement's spend and money in for a year are each at most
  :data:`MAX_ARRANGEMENT_YEAR`, so every share, return and total built from
  them stays far inside 64 bits.

Past a ceiling the run stops with :class:`~pooledfund.core.errors.AmountTooLargeError`,
naming the scheme (or contribution) and the scenario lines that drove it there.
"""

from __future__ import annotations

from collections.abc import Iterable

from pooledfund.core.errors import AmountTooLargeError, InputError, Source
from pooledfund.core.money import MAX_POUNDS, PENCE_PER_POUND, format_gbp
from pooledfund.model.records import Contribution, Record, Scheme, field_line, source_of
from pooledfund.model.scenario import Scenario

MAX_SCHEME_YEAR = MAX_POUNDS * PENCE_PER_POUND
"""The most one scheme may spend in a year, and the most one contribution may be, in pence (£100bn)."""

MAX_ARRANGEMENT_YEAR = 10 * MAX_SCHEME_YEAR
"""The most an arrangement may spend, or have paid in, in a year, in pence (£1tn).

A thousand arrangements at this ceiling still add up to less than a
ten-thousandth of what a 64-bit integer holds, and the risk share's room for
a partner without a cap (also £1tn) is never smaller than an overspend.
"""

CEILING = format_gbp(MAX_SCHEME_YEAR)
ARRANGEMENT_CEILING = format_gbp(MAX_ARRANGEMENT_YEAR)


def _located(record: Record, field: str, message: str, fallback: str) -> InputError:
    """An error at ``field`` of ``record``, on its line if it was read from a file."""
    source = source_of(record)
    if source is None:
        return InputError(Source(fallback), message)
    path = f"{source.path}.{field}" if source.path else field
    return InputError(Source(source.file, field_line(record, field), path), message)


def _amount_words(amount: float | None) -> str:
    """What a runaway amount comes to, in words: the figure if it is a number, else "far more"."""
    if amount is None or amount != amount or abs(amount) == float("inf"):
        return f"far more than {CEILING}"
    return f"{format_gbp(int(amount))}, more than {CEILING} either way (the most the model handles)"


def scheme_drivers(scheme: Scheme, year: str, scenario: Scenario) -> list[InputError]:
    """The scenario's inputs that move ``scheme``'s spend in ``year``, each at its file and line.

    Demand changes on a driver the scheme lists, the inflation of its cost
    category and the demography of its type (or ``all``), efficiency, and
    shocks and actuals on the scheme itself.
    """
    why = f"one of the scenario's inputs driving {scheme.id}'s spend in {year} past {CEILING}"
    found: list[InputError] = []
    drivers = {link.driver: link.elasticity for link in scheme.cost_drivers}
    for change in scenario.demand:
        if change.driver in drivers:
            message = (f"{change.driver} {change.change_pct:+}% (elasticity {drivers[change.driver]} "
                       f"for {scheme.id}) is {why}")
            found.append(_located(change, "change_pct", message, "scenario.demand"))
    found += _rate_origins(scenario, scheme, year, why)
    for shock in scenario.shocks:
        if shock.scheme == scheme.id:
            message = f"a shock of {format_gbp(shock.amount)} on {shock.month} is {why}"
            found.append(_located(shock, "amount", message, "scenario.shocks"))
    for actual in scenario.actuals:
        if actual.year == year and scheme.id in actual.schemes:
            found.append(_located(actual, "schemes", f"{scheme.id}'s actuals are {why}", "scenario.actuals"))
    return found


def _rate_origins(scenario: Scenario, scheme: Scheme, year: str, why: str) -> list[InputError]:
    """Where the scenario sets a rate (inflation, demography, efficiency) that moves ``scheme``."""
    keys: list[tuple[str, ...]] = [("inflation", scheme.cost_category, y)
                                   for y in scenario.inflation.get(scheme.cost_category, {}) if y <= year]
    for demog_key in (scheme.scheme_type.value, "all"):
        keys += [("demography", demog_key, y) for y in scenario.demography.get(demog_key, {}) if y <= year]
    keys += [("efficiency", y) for y in scenario.efficiency if y <= year]
    found = []
    for key in keys:
        where = scenario._origins.get(key) or Source("scenario." + ".".join(key))
        found.append(InputError(where, f"the {key[0]} rate for {key[-1]} is {why}"))
    return found


def scheme_spend_too_large(
    found: Iterable[tuple[Scheme, str, float | None]], scenario: Scenario, paths: int
) -> AmountTooLargeError:
    """The refusal for schemes whose spend in a year goes past :data:`MAX_SCHEME_YEAR`.

    ``found`` gives each scheme once, with the first year it goes past the
    ceiling and what it would come to there (None if it is past counting).
    """
    errors: list[InputError] = []
    seen: set[str] = set()  # one message per input line, even when it drives several schemes
    on_paths = f" on some of the {paths:,} Monte Carlo paths" if paths > 1 else ""
    for scheme, year, amount in found:
        message = (f"{scheme.id} {year}: the projected spend would be {_amount_words(amount)}{on_paths}; "
                   "check the scenario's changes to this scheme")
        errors.append(_located(scheme, "budget", message, f"scheme {scheme.id}"))
        for error in scheme_drivers(scheme, year, scenario):
            if str(error.source) not in seen:
                seen.add(str(error.source))
                errors.append(error)
    return AmountTooLargeError(errors)


def contribution_too_large(contribution: Contribution, arrangement_id: str, cash: int,
                           scenario: Scenario) -> AmountTooLargeError:
    """The refusal for a contribution the scenario's changes take past :data:`MAX_SCHEME_YEAR`."""
    message = (f"{contribution.partner}'s {contribution.year} contribution to {arrangement_id} would be "
               f"{format_gbp(cash)} after the scenario's changes, more than {CEILING} either way")
    errors = [_located(contribution, "cash", message, f"{arrangement_id} contributions")]
    for change in scenario.contribution_changes:
        if change.partner == contribution.partner and change.arrangement in (None, arrangement_id):
            field = "change_pct" if change.change_pct is not None else "change_amount"
            errors.append(_located(change, field, f"this change to {change.partner}'s contribution is one of "
                                   f"those taking it past {CEILING}", "scenario.contribution_changes"))
    return AmountTooLargeError(errors)


def arrangement_total_too_large(arrangement: Record, arrangement_id: str, year: str, what: str,
                                amount: int) -> AmountTooLargeError:
    """The refusal for an arrangement whose spend or money in for a year goes past :data:`MAX_ARRANGEMENT_YEAR`."""
    message = (f"{arrangement_id} {year}: {what} would be {format_gbp(amount)}, more than {ARRANGEMENT_CEILING}, "
               "beyond what the model handles; check its schemes' budgets and the scenario")
    return AmountTooLargeError([_located(arrangement, "schemes", message, arrangement_id)])
