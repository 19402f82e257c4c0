"""Time reading a large ledger extract into actuals: a generated 500,000-row CSV against the Northmoor map.

Run: python benchmarks/bench_ledger.py [ROWS]
Writes the extract to a temporary folder (one row per transaction, nine
cost centres, six months, a few unmapped codes and recharges), imports
pandas, then times reading it with pandas as text and, on that same table,
both ways of turning it into actuals: a column at a time (what ``actuals``
does) and cell by cell, row by row (the strict reading it falls back to, and
what it did before). Checks the two give the same rows and actuals, and
prints the time of each step and the rows a second.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from pooledfund.core.errors import InputError
from pooledfund.io.ledger.map_file import load_map_and_agreement
from pooledfund.io.ledger.read import read_ledger
from pooledfund.io.ledger.read_columns import read_columns
from pooledfund.io.ledger.reconcile import read_rows, reconcile
from pooledfund.io.ledger.reconcile_columns import reconcile_columns

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "examples/monitoring/northmoor_map.yaml"
CENTRES = ["CC4101", "CC4102", "CC4103", "CC4104", "CC4105", "CC4201", "CC4202", "CC4301", "CC4401"]


def write_extract(path: Path, rows: int) -> None:
    """A CSV extract of ``rows`` transactions in the Northmoor map's columns, in the forms ledgers export."""
    rng = random.Random(7)
    lines = ["Cost Centre,Account,Period,Journal Ref,Description,Amount"]
    for index in range(rows):
        centre = rng.choice(CENTRES) if index % 500 else "CC4999"
        account = "9100" if index % 997 == 0 else "5100"
        pence = rng.randint(-5_000, 2_000_000)
        amount = f"{pence // 100:,}.{pence % 100:02d}" if pence >= 0 else f"({-pence // 100:,}.{-pence % 100:02d})"
        lines.append(f'{centre},{account},P{index % 6 + 1:02d},INV{index:07d},Transaction {index},"{amount}"')
    path.write_text("\n".join(lines) + "\n")


def _fail(errors: list[InputError]) -> NoReturn:
    raise SystemExit("\n".join(str(e) for e in errors))


def main() -> None:
    """Generate the extract, then time each step of both ways and the whole."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    ledger_map, _, errors = load_map_and_agreement(MAP)
    if ledger_map is None:
        _fail(errors)
    headings = [heading for _, heading in ledger_map.columns.headings()]
    start = time.perf_counter()
    import pandas  # noqa: F401  # imported first, and timed on its own: every way of reading needs it
    imported = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.csv"
        write_extract(path, rows)
        size = path.stat().st_size
        start = time.perf_counter()
        table, errors = read_ledger(path, headings)
        read = time.perf_counter() - start
    if table is None:
        _fail(errors)
    start = time.perf_counter()
    by_column, blank, errors = read_columns(table, ledger_map)
    parsed = time.perf_counter()
    actuals, errors = reconcile_columns(by_column, ledger_map, file=table.file, blank_rows=blank)
    now = (parsed - start, time.perf_counter() - parsed)
    start = time.perf_counter()
    by_row, blank, errors = read_rows(table, ledger_map)
    parsed = time.perf_counter()
    before_actuals, errors = reconcile(by_row, ledger_map, file=table.file, blank_rows=blank)
    before = (parsed - start, time.perf_counter() - parsed)
    if actuals is None:
        _fail(errors)
    if by_column.as_list() != by_row or actuals != before_actuals:
        raise SystemExit("the two ways of reading the ledger disagree: this is a bug")
    print(f"ledger: {rows:,} rows, {size / 1e6:.1f} MB; pandas imported in {imported:.2f} s")
    print(f"{'':30}{'column at a time':>18}{'cell by cell':>14}")
    print(f"{'read (pandas, as text)':30}{read:16.2f} s{read:12.2f} s")
    print(f"{'amounts and periods parsed':30}{now[0]:16.2f} s{before[0]:12.2f} s")
    print(f"{'reconciled':30}{now[1]:16.2f} s{before[1]:12.2f} s")
    totals = (read + sum(now), read + sum(before))
    print(f"{'total':30}{totals[0]:16.2f} s{totals[1]:12.2f} s")
    print(f"{'rows a second':30}{rows / totals[0]:18,.0f}{rows / totals[1]:14,.0f}")
    print(f"mapped {len(actuals.mapped):,} rows, unmapped {len(actuals.unmapped):,}, "
          f"excluded {sum(len(r) for r in actuals.excluded.values()):,}, duplicates {len(actuals.duplicates):,}; "
          "both ways give the same rows and actuals")


if __name__ == "__main__":
    main()
