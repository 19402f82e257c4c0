"""Checks on the actuals once the ledger is reconciled: figures that read but are probably wrong.

Each check looks at what the ledger gave, whichever way it was read
(row by row or a column at a time give the same actuals), and says in plain
words what looks wrong and what to do:

* the last actual month's mapped spend under half the average of the months
  before it: the ledger is probably not closed for that month (a warning);
* the mapped spend for the year to date below £0: the map's sign is probably
  the wrong way round (a warning);
* more than half the mapped schemes below £0 for the year to date: the sign
  almost certainly is, and every figure after would be wrong, so the run is
  refused unless ``--allow-negative`` says these credits are real;
* a ``--previous`` forecast later than this one: the bridge would run
  backwards in time (a warning).
"""

from __future__ import annotations

import calendar

from pooledfund.core.errors import InputError, Source
from pooledfund.core.money import format_gbp
from pooledfund.core.years import parse_month, year_start
from pooledfund.engine.results import month_code
from pooledfund.io.ledger.reconcile import LedgerActuals
from pooledfund.model.ledger_map import LedgerMap
from pooledfund.model.records import field_line, source_of
from pooledfund.model.scenario import Scenario

#: The most schemes named in the message refusing negative spend; the rest are counted.
NAMED_SCHEMES = 5


def month_words(year: str, month: int) -> str:
    """A month of a financial year in full: ``September 2025``."""
    calendar_month = (month + 3) % 12 + 1  # April (0) is calendar month 4
    calendar_year = year_start(year) + (1 if month >= 9 else 0)  # January to March are in the second calendar year
    return f"{calendar.month_name[calendar_month]} {calendar_year}"


def monthly_spend(actuals: LedgerActuals) -> list[int]:
    """The mapped spend of each actual month, April first: every scheme's month added up (pence)."""
    return [sum(months[month] for months in actuals.schemes.values()) for month in range(actuals.to_month + 1)]


def incomplete_month_warning(actuals: LedgerActuals) -> str | None:
    """A warning when the last actual month's mapped spend is under half the average month before it, else None.

    A month whose ledger is not yet closed holds only the invoices posted so
    far; counted as actual, it drags every run-rate and trend forecast down.
    The average is of the earlier actual months; with none (April the only
    actual month) or an average of £0 or less there is nothing to compare.
    """
    spend = monthly_spend(actuals)
    earlier, last = spend[:-1], spend[-1]
    if not earlier or sum(earlier) <= 0 or 2 * last * len(earlier) >= sum(earlier):
        return None
    this_month = month_words(actuals.year, actuals.to_month)
    name = this_month.split()[0]
    previous = month_code(actuals.year, actuals.to_month - 1)
    average = (2 * sum(earlier) + len(earlier)) // (2 * len(earlier))  # the average to the penny, half up
    return (f"{this_month} looks incomplete: its mapped spend is {format_gbp(last)} against an average of "
            f"{format_gbp(average)} a month from April to {month_words(actuals.year, actuals.to_month - 1)}; if the "
            f"ledger is not closed for {name}, give --as-at {previous} (or 'as_at: {previous}' in the map)")


def _sign_words(ledger_map: LedgerMap) -> str:
    """How the map says spend is signed, in words."""
    if ledger_map.columns.amount is not None:
        way = "negative" if ledger_map.sign == "expenditure_negative" else "positive"
        return f"the map says {ledger_map.sign} (spend written as {way} amounts)"
    if ledger_map.credit_sign == "negative":
        return "the map reads spend as debit plus credit (credit_sign: negative, credits written negative)"
    return "the map reads spend as debit less credit (credits written as positive figures)"


def negative_total_warning(actuals: LedgerActuals, ledger_map: LedgerMap) -> str | None:
    """A warning when the mapped spend for the year to date comes to less than £0, else None."""
    total = sum(sum(months) for months in actuals.schemes.values())  # the mapped total, split into the schemes
    if total >= 0:
        return None
    return f"the mapped spend for the year to date comes to {format_gbp(total)}: is the sign right? " \
           f"{_sign_words(ledger_map)}"


def negative_schemes_error(actuals: LedgerActuals, ledger_map: LedgerMap, map_file: str) -> InputError | None:
    """The refusal when more than half the mapped schemes have negative spend for the year to date, else None.

    One scheme in credit to date happens (a large refund, a recharge coded
    to it); most of them at once is a map signed the wrong way round, which
    would make every outturn and variance after it wrong. The problem is put
    at the map's ``sign`` (or ``credit_sign``) line, where it is corrected.
    """
    mapped = ledger_map.mapped_schemes()
    negative = [(scheme, sum(actuals.schemes[scheme])) for scheme in mapped if sum(actuals.schemes[scheme]) < 0]
    if 2 * len(negative) <= len(mapped):
        return None
    named = ", ".join(f"{scheme} {format_gbp(total)}" for scheme, total in negative[:NAMED_SCHEMES])
    more = f" and {len(negative) - NAMED_SCHEMES} more" if len(negative) > NAMED_SCHEMES else ""
    field = "sign" if ledger_map.columns.amount is not None else "credit_sign"
    where = source_of(ledger_map) or Source(map_file, None, "ledger_map")
    message = (f"{len(negative)} of the {len(mapped)} mapped schemes have negative spend for the year to date "
               f"({named}{more}): the amounts look signed the wrong way round; {_sign_words(ledger_map)}. Correct "
               f"'{field}' in the map, or give --allow-negative if these schemes really are in credit to date")
    return InputError(Source(where.file, field_line(ledger_map, field), f"ledger_map.{field}"), message)


def previous_later_warning(previous: Scenario, actuals: LedgerActuals) -> str | None:
    """A warning when the ``--previous`` forecast has actuals to a later month of the year than this one."""
    months = [parse_month(entry.to_month)[1] for entry in previous.actuals if entry.year == actuals.year]
    if not months or max(months) <= actuals.to_month:
        return None
    return (f"the previous forecast (--previous) has actuals to {month_words(actuals.year, max(months))}, later than "
            f"this one's {month_words(actuals.year, actuals.to_month)}: the bridge below runs backwards in time; "
            "check that --previous is the forecast of an earlier month")
