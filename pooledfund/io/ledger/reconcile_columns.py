"""Every row put in its place a column at a time: the same actuals and lists as placing the rows one by one.

The places and their order are those of :mod:`pooledfund.io.ledger.reconcile`
(out of period, after the as-at month, dropped duplicate, excluded, mapped,
unmapped); here each is
a mask over the columns of :class:`~pooledfund.io.ledger.read_columns.LedgerRows`.
The rules are matched once per distinct pair of codes, not once per row;
duplicates are found by grouping the rows on what makes two rows the same
(codes, month, amount, and the reference or description); each rule's
months are totalled in integer pence, exactly. The lists are made of
:class:`~pooledfund.io.ledger.reconcile.LedgerRow` in the order of the
extract, so the reconciliation, its lists and the actuals are the same to
the penny and the row, and the books are checked by adding the lists up
again one row at a time.
"""

from __future__ import annotations

import numpy as np

from pooledfund.core.errors import InputError
from pooledfund.core.money import IntArray
from pooledfund.core.years import parse_month
from pooledfund.io.ledger.read_columns import LedgerRows
from pooledfund.io.ledger.reconcile import (
    LedgerActuals,
    LedgerRow,
    excluded_by,
    fill_schemes,
    matching_rules,
    no_mapped_spend,
    no_row_in_year,
    overlap_errors,
)
from pooledfund.model.ledger_map import LedgerMap

#: Sums of int64 pence are exact while the sum of the sizes stays below this; larger totals are added as Python ints.
_EXACT_INT64 = 2**62
#: The mark of a pair of codes no code rule matches, and of one that two or more rules match.
_NO_RULE, _OVERLAP = -1, -2


def exact_sums(groups: IntArray, amounts: IntArray, count: int) -> list[int]:
    """The pence of each group (0 to ``count`` - 1), added exactly.

    numpy adds int64 exactly while nothing can pass 2**63; a ledger whose
    amounts could (millions of rows of billions of pounds) is added with
    Python's unbounded integers instead, so a total is never wrapped round.
    """
    if len(amounts) == 0:
        return [0] * count
    if int(np.abs(amounts).max()) * len(amounts) < _EXACT_INT64:
        sums = np.zeros(count, dtype=np.int64)
        np.add.at(sums, groups, amounts)
        return [int(total) for total in sums.tolist()]
    totals = [0] * count
    for group, amount in zip(groups.tolist(), amounts.tolist(), strict=True):
        totals[group] += amount
    return totals


def _first_of_each(positions: IntArray, rows: LedgerRows, *, by_reference: bool) -> IntArray:
    """For each of these rows, the first of them with the same duplicate key (itself if it is the first).

    The key is :func:`~pooledfund.io.ledger.reconcile.duplicate_key`'s: codes,
    month (the rows are all in the year) and amount, with the reference where
    the map names one, else the description. Rows are first matched on codes,
    month and amount alone, numbers only; the few that share those with
    another row are then matched on their text too.
    """
    import pandas as pd  # pandas: only the ledger reading loads it

    first = positions.copy()
    numbers = pd.DataFrame({"codes_and_month": rows.code[positions] * len(rows.periods) + rows.period[positions],
                            "amount": rows.amount[positions]})
    shared = numbers.duplicated(keep=False).to_numpy(dtype=bool)
    if not shared.any():
        return first
    text = rows.reference if by_reference else rows.description
    candidates = positions[shared]
    keys = numbers[shared].assign(text=text[candidates])
    group = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy(dtype=np.int64)
    # Groups are numbered in order of first appearance, so each group's first position is its first row.
    _, starts = np.unique(group, return_index=True)
    first[shared] = candidates[starts[group]]
    return first


def _grouped(positions: IntArray, labels: IntArray, rows: LedgerRows) -> dict[int, list[LedgerRow]]:
    """The rows at ``positions`` by their label, labels in order of first appearance, rows in order of the extract."""
    if len(positions) == 0:
        return {}
    order = np.argsort(labels, kind="stable")  # stable: each label's rows stay in the order of the extract
    distinct, starts = np.unique(labels[order], return_index=True)
    groups = np.split(positions[order], starts[1:])
    firsts = [int(group[0]) for group in groups]
    return {int(distinct[index]): rows.rows_at(groups[index])
            for index in sorted(range(len(groups)), key=firsts.__getitem__)}


def reconcile_columns(rows: LedgerRows, ledger_map: LedgerMap, *, file: str, blank_rows: int = 0,
                      ) -> tuple[LedgerActuals | None, list[InputError]]:
    """Put every row in exactly one place and total each scheme's months: what ``reconcile`` gives, by column.

    Returns the actuals, or the problems that stop them: overlapping rules,
    no row in the year.

    Raises:
        ConservationError: the totals do not add back to the ledger total (a bug, never a figure to show).
    """
    in_year_of = np.array([year == ledger_map.year for year, _ in rows.periods] + [False], dtype=bool)
    month_of = np.array([month for _, month in rows.periods] + [0], dtype=np.int64)
    in_year, month = in_year_of[rows.period], month_of[rows.period]
    exclusions = [excluded_by(codes, ledger_map) for codes in rows.codes]
    found = [matching_rules(codes, ledger_map.codes) for codes in rows.codes]
    if ledger_map.as_at is not None:
        to_month = parse_month(ledger_map.as_at)[1]
    elif not in_year.any():
        return None, [no_row_in_year(ledger_map, file)]
    else:
        # The last month with mapped spend (reconcile.last_month): a row of the year, not £0.00, no exclusion
        # matching its codes and a code rule matching them.
        maps = np.array([excluded is None and bool(matches) for excluded, matches in zip(exclusions, found,
                                                                                         strict=True)] + [False],
                        dtype=bool)
        spend = in_year & (rows.amount != 0) & maps[rows.code]
        if not spend.any():
            return None, [no_mapped_spend(ledger_map, file)]
        to_month = int(month[spend].max())
    everything = np.arange(len(rows), dtype=np.int64)
    result = LedgerActuals(ledger_map.year, to_month, {}, len(rows), blank_rows,
                           exact_sums(np.zeros(len(rows), dtype=np.int64), rows.amount, 1)[0],
                           dropped=ledger_map.duplicates == "drop")
    result.credits = rows.rows_at(everything[rows.amount < 0])
    in_period = in_year & (month <= to_month)
    result.out_of_period = rows.rows_at(everything[~in_year])
    result.after_as_at = rows.rows_at(everything[in_year & (month > to_month)])
    placed = everything[in_period]
    first = _first_of_each(placed, rows, by_reference=ledger_map.columns.reference is not None)
    repeats = first != placed
    result.duplicates = list(zip(rows.rows_at(placed[repeats]), rows.rows_at(first[repeats]), strict=True))
    if result.dropped:
        placed = placed[~repeats]
    exclusion = np.array([-1 if index is None else index for index in exclusions] + [-1],
                         dtype=np.int64)[rows.code[placed]]
    result.excluded = _grouped(placed[exclusion >= 0], exclusion[exclusion >= 0], rows)
    placed = placed[exclusion < 0]
    rule = np.array([matches[0] if len(matches) == 1 else _NO_RULE if not matches else _OVERLAP
                     for matches in found] + [_NO_RULE], dtype=np.int64)[rows.code[placed]]
    overlapping = placed[rule == _OVERLAP]
    if len(overlapping):
        # Rows whose codes two rules match, by the rules they match (in order of first appearance).
        by_codes = _grouped(overlapping, rows.code[overlapping], rows)
        overlaps: dict[tuple[int, ...], list[LedgerRow]] = {}
        for code, listed in by_codes.items():
            overlaps.setdefault(tuple(found[code]), []).extend(listed)
        for listed in overlaps.values():
            listed.sort(key=lambda row: row.row)
        return None, overlap_errors(overlaps, ledger_map, file)
    result.unmapped = rows.rows_at(placed[rule == _NO_RULE])
    mapped = placed[rule >= 0]
    result.mapped = rows.rows_at(mapped)
    months = to_month + 1
    sums = exact_sums(rule[rule >= 0] * months + month[mapped], rows.amount[mapped], len(ledger_map.codes) * months)
    fill_schemes(result, ledger_map, [sums[index * months:(index + 1) * months] for index in
                                      range(len(ledger_map.codes))])
    return result, []
