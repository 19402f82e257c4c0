"""A ledger extract's rows read a column at a time: the same rows and messages as reading cell by cell, faster.

A large extract has hundreds of thousands of rows but only a handful of
periods and codes, and its amounts nearly all in the usual forms. So each
distinct period text is read once and its month given to every row with it,
each distinct cost centre and account trimmed once, and the amounts read a
whole column at once in exact pence (:func:`~pooledfund.io.ledger.values.parse_amounts`).
A row this cannot read (an amount in an unusual form, a bad or blank period)
is read by the strict reading of one row,
:func:`~pooledfund.io.ledger.reconcile.read_row`, so it gives the same pence
or the same located message, in the same order. The rows are kept as
columns (:class:`LedgerRows`) for :mod:`~pooledfund.io.ledger.reconcile_columns`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt

from pooledfund.core.errors import InputError
from pooledfund.core.money import IntArray
from pooledfund.io.ledger.read import LedgerTable
from pooledfund.io.ledger.reconcile import BLANK, LedgerRow, cut_errors, period_of, read_row
from pooledfund.io.ledger.values import BoolArray, blank_cells, parse_amounts
from pooledfund.model.ledger_map import LedgerMap

Codes = tuple[tuple[str, str], ...]
TextArray = npt.NDArray[np.object_]
#: A row made straight from its seven values, as ``LedgerRow._make`` does but without a Python call for each row.
_new_row = partial(tuple.__new__, LedgerRow)


@dataclass(frozen=True)
class LedgerRows:
    """The rows read from an extract, held as columns, each row's codes and period as a number into a short list.

    Attributes:
        row: each row's number as Excel shows it.
        code: each row's codes, as a position in ``codes``.
        codes: the distinct codes: ``cost_centre`` / ``account`` -> the code as written (trimmed).
        period: each row's period, as a position in ``periods``.
        periods: the distinct periods as (financial year, month index with April = 0).
        amount: each row's pence, expenditure positive (a credit is negative).
        reference: each row's transaction reference (trimmed; blank if the map names no such column).
        description: each row's narrative (trimmed; blank if the map names no such column).
    """

    row: IntArray
    code: IntArray
    codes: list[Codes]
    period: IntArray
    periods: list[tuple[str, int]]
    amount: IntArray
    reference: TextArray
    description: TextArray

    def __len__(self) -> int:
        return len(self.row)

    def rows_at(self, positions: IntArray) -> list[LedgerRow]:
        """The rows at these positions (0 is the first row read) as :class:`LedgerRow`, in the order given."""
        periods = [self.periods[index] for index in self.period[positions].tolist()]
        values = zip(self.row[positions].tolist(), [self.codes[index] for index in self.code[positions].tolist()],
                     [year for year, _ in periods], [month for _, month in periods], self.amount[positions].tolist(),
                     self.reference[positions].tolist(), self.description[positions].tolist(), strict=True)
        with _cycle_collection_paused():
            return list(map(_new_row, values))

    def as_list(self) -> list[LedgerRow]:
        """Every row as :class:`LedgerRow`, in the order of the extract."""
        return self.rows_at(np.arange(len(self), dtype=np.int64))


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector paused while many rows are made, then restored as it was.

    Making half a million row tuples sets the collector off hundreds of
    times, each pass looking at every row made so far: three quarters of the
    time spent. A row holds only text and numbers, so it can never be part
    of a cycle and nothing is left uncollected.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def _texts(cells: Sequence[str]) -> TextArray:
    """A column's cells as an array of text, for picking rows out of it."""
    array = np.empty(len(cells), dtype=object)
    array[:] = cells
    return array


def _distinct(cells: Sequence[str]) -> tuple[IntArray, list[str]]:
    """Each cell's position in the list of distinct cells, and that list (in order of first appearance)."""
    import pandas as pd  # pandas: only the ledger reading loads it

    found, distinct = pd.factorize(_texts(cells))
    return found.astype(np.int64), [str(text) for text in distinct]


def _codes(table: LedgerTable, ledger_map: LedgerMap) -> tuple[IntArray, list[Codes]]:
    """Each row's codes (trimmed) as a position in the list of distinct codes, each code trimmed once."""
    combined = np.zeros(table.rows, dtype=np.int64)
    for _, heading in ledger_map.columns.code_columns():
        found, distinct = _distinct(table.cells[heading])
        combined = combined * max(len(distinct), 1) + found
    _, first, pair = np.unique(combined, return_index=True, return_inverse=True)
    # Codes that differ only in spaces around them are the same codes: one position for both.
    positions: dict[Codes, int] = {}
    by_pair = np.empty(len(first), dtype=np.int64)
    for index, at in enumerate(first.tolist()):
        codes = tuple((name, table.cells[heading][at].strip())
                      for name, heading in ledger_map.columns.code_columns())
        by_pair[index] = positions.setdefault(codes, len(positions))
    return by_pair[pair.reshape(-1)], list(positions)


def _amounts(table: LedgerTable, ledger_map: LedgerMap) -> tuple[IntArray, BoolArray]:
    """Every row's pence as expenditure where the column-at-once reading covers it, and which rows it covers."""
    columns = ledger_map.columns
    if columns.amount is not None:
        pence, read = parse_amounts(table.cells[columns.amount])
        return (pence if ledger_map.sign == "expenditure_positive" else -pence), read
    debit_cells, credit_cells = table.cells[columns.debit or ""], table.cells[columns.credit or ""]
    debit, debit_read = parse_amounts(debit_cells)
    credit, credit_read = parse_amounts(credit_cells)
    debit_blank, credit_blank = blank_cells(debit_cells), blank_cells(credit_cells)
    # A blank debit or credit counts as 0 (parse_amounts gives 0 for it); both blank is an error, left to the row.
    read = (debit_read | debit_blank) & (credit_read | credit_blank) & ~(debit_blank & credit_blank)
    # A figure that would count the wrong way (a negative debit; a credit not of the sign the map says) is an
    # error at its cell (reconcile.wrong_way_round): left to the row, which says so.
    negative_credits = ledger_map.credit_sign == "negative"
    read &= (debit >= 0) & ((credit <= 0) if negative_credits else (credit >= 0))
    return (debit + credit if negative_credits else debit - credit), read


def _periods(table: LedgerTable, ledger_map: LedgerMap,
             periods: dict[str, tuple[str, int] | str]) -> tuple[IntArray, list[tuple[str, int]]]:
    """Each row's period as a position in the list of distinct periods (-1 where the text is not a period)."""
    found, texts = _distinct(table.cells[ledger_map.columns.period])
    distinct: dict[tuple[str, int], int] = {}
    by_text = np.full(len(texts) + 1, -1, dtype=np.int64)  # the extra -1: an empty column has no texts
    for index, text in enumerate(texts):
        period = period_of(text, ledger_map, periods)
        if not isinstance(period, str):
            by_text[index] = distinct.setdefault(period, len(distinct))
    return by_text[found], list(distinct)


def _trimmed(table: LedgerTable, heading: str | None) -> TextArray:
    """A text column's cells trimmed (blank for every row if the map does not name it)."""
    if heading is None:
        return np.full(table.rows, "", dtype=object)
    return _texts([text.strip() for text in table.cells[heading]])


def read_columns(table: LedgerTable, ledger_map: LedgerMap) -> tuple[LedgerRows, int, list[InputError]]:
    """Every row read, as columns; the number of blank rows; every bad cell: the same as ``read_rows`` gives.

    Rows the column-at-once reading covers are taken from it; every other
    row is read cell by cell in order of the extract, so a blank row is
    counted and a bad cell is an error at its row and column, exactly as
    reading every row cell by cell would (the first
    :data:`~pooledfund.io.ledger.reconcile.MAX_CELL_ERRORS` listed, the rest
    counted).
    """
    periods: dict[str, tuple[str, int] | str] = {}
    period, distinct_periods = _periods(table, ledger_map, periods)
    amount, read = _amounts(table, ledger_map)
    keep = np.ones(table.rows, dtype=bool)
    errors: list[InputError] = []
    blank = 0
    for index in np.flatnonzero(~read | (period < 0)).tolist():
        row = read_row(table, ledger_map, index, periods, errors)
        if isinstance(row, LedgerRow):
            amount[index] = row.amount  # the period is one read above: the row would be None otherwise
        else:
            keep[index] = False
            if row == BLANK:
                blank += 1
    code, distinct_codes = _codes(table, ledger_map)
    columns = ledger_map.columns
    numbers = np.arange(table.rows, dtype=np.int64) + table.row_number(0)
    rows = LedgerRows(numbers[keep], code[keep], distinct_codes, period[keep], distinct_periods, amount[keep],
                      _trimmed(table, columns.reference)[keep], _trimmed(table, columns.description)[keep])
    return rows, blank, cut_errors(errors, table.file)
