"""The ledger's reconciliation and lists in words: nothing left out without being shown.

The reconciliation puts the ledger total beside the parts it is made of
(mapped, unmapped, excluded, out of period, after the as-at month, dropped
duplicates), and the lists after it show every row that is not simply
mapped: unmapped codes, exclusions by rule, rows out of period and after the
as-at month, duplicates and credits. A long list
shows its first rows and counts and totals the rest.
"""

from __future__ import annotations

from pooledfund.core.money import format_gbp
from pooledfund.core.years import month_label
from pooledfund.io.ledger.reconcile import LedgerActuals, LedgerRow, count, period_words
from pooledfund.model.ledger_map import LedgerMap
from pooledfund.reports.monitoring import text_table

#: How many rows of each list are shown before the rest are counted.
SHOWN_ROWS = 20


def _rows_and_total(rows: list[LedgerRow]) -> list[str]:
    return [f"{len(rows):,}", format_gbp(sum(row.amount for row in rows), brackets=True)]


def reconciliation_text(actuals: LedgerActuals, ledger_map: LedgerMap, ledger_name: str, *,
                        as_at_from: str | None = None) -> str:
    """The reconciliation table: each part's rows and total, adding up to the ledger total to the penny.

    ``as_at_from`` says where the as-at month came from when it was given
    (``--as-at``, ``as_at in the map``); without it, it is the last month
    with mapped spend.
    """
    through = month_label(actuals.year, actuals.to_month)
    blank = f" ({count(actuals.blank_rows, 'blank row')} skipped)" if actuals.blank_rows else ""
    rows = [["Mapped to schemes", *_rows_and_total(actuals.mapped)]]
    if actuals.unmapped or ledger_map.unmapped == "report":
        rows.append(["Unmapped (reported, left out)", *_rows_and_total(actuals.unmapped)])
    for index, excluded in sorted(actuals.excluded.items()):
        rule = ledger_map.exclude[index]
        rows.append([f"Excluded: {rule.reason} ({rule.label()})", *_rows_and_total(excluded)])
    rows.append([f"Out of period (not {actuals.year})", *_rows_and_total(actuals.out_of_period)])
    if actuals.after_as_at:
        rows.append([f"After the as-at month (later than {through})", *_rows_and_total(actuals.after_as_at)])
    if actuals.dropped:
        rows.append(["Duplicates dropped", *_rows_and_total([row for row, _ in actuals.duplicates])])
    rows.append(["Ledger total", f"{actuals.rows:,}", format_gbp(actuals.ledger_total, brackets=True)])
    head = (f"Ledger {ledger_name}: {count(actuals.rows, 'row')}{blank}; actual April to {through} "
            f"({as_at_from or 'the last month with mapped spend'}).")
    return "\n".join([head, "", "== Reconciliation ==", text_table(["", "Rows", "Amount"], rows),
                      "Expenditure is positive; credits are negative, in brackets."])


def _row_line(row: LedgerRow) -> list[str]:
    reference = row.reference or row.description
    return [str(row.row), row.code_words(), period_words(row), format_gbp(row.amount, brackets=True), reference]


def _listed(title: str, rows: list[LedgerRow], extra: list[str] | None = None) -> list[str]:
    """A titled list of rows: the first :data:`SHOWN_ROWS`, then the rest counted and totalled."""
    if not rows:
        return []
    header = ["Row", "Codes", "Period", "Amount", "Reference"]
    lines = [_row_line(row) for row in rows[:SHOWN_ROWS]]
    if extra is not None:
        header.append("Note")
        lines = [[*line, note] for line, note in zip(lines, extra, strict=False)]
    out = ["", f"== {title}: {count(len(rows), 'row')}, {format_gbp(sum(r.amount for r in rows), brackets=True)} ==",
           text_table(header, lines, left=(1, 2, 4, 5))]
    rest = rows[SHOWN_ROWS:]
    if rest:
        out.append(f"... and {count(len(rest), 'more row')}, {format_gbp(sum(r.amount for r in rest), brackets=True)}")
    return out


def _places(actuals: LedgerActuals) -> dict[int, str]:
    """Where each row that is not mapped went, by row number.

    Unmapped, excluded, out of period, after the as-at month or dropped.
    """
    places = {row.row: "unmapped" for row in actuals.unmapped}
    places.update({row.row: "excluded" for rows in actuals.excluded.values() for row in rows})
    places.update({row.row: "out of period" for row in actuals.out_of_period})
    places.update({row.row: "after the as-at month" for row in actuals.after_as_at})
    if actuals.dropped:
        places.update({row.row: "dropped duplicate" for row, _ in actuals.duplicates})
    return places


def lists_text(actuals: LedgerActuals, ledger_map: LedgerMap) -> str:
    """Every row not simply mapped, listed.

    Unmapped, excluded, out of period, after the as-at month, duplicates, credits.
    """
    out: list[str] = []
    out += _listed("Unmapped (left out)", actuals.unmapped)
    for index, rows in sorted(actuals.excluded.items()):
        out += _listed(f"Excluded: {ledger_map.exclude[index].reason}", rows)
    out += _listed("Out of period", actuals.out_of_period)
    through = month_label(actuals.year, actuals.to_month)
    out += _listed(f"After the as-at month (later than {through}): not actual, left out", actuals.after_as_at)
    duplicates = [row for row, _ in actuals.duplicates]
    notes = [f"repeats row {first.row}" for _, first in actuals.duplicates]
    kept = "dropped" if actuals.dropped else "kept in the actuals: set 'duplicates: drop' to leave them out"
    out += _listed(f"Duplicates ({kept})", duplicates, notes)
    places = _places(actuals)
    shown = actuals.credits[:SHOWN_ROWS]
    out += _listed("Credits (negative expenditure)", actuals.credits, [places.get(row.row, "mapped") for row in shown])
    return "\n".join(out).lstrip("\n")
