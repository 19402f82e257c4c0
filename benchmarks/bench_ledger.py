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

import importlib
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

from pooledfund.core.errors import InputError
from pooledfund.io.ledger.map_file import load_map_and_agreement
from pooledfund.io.ledger.read import read_ledger
from pooledfund.io.ledger.read_columns import read_columns
from pooledfund.io.ledger.reconcile import read_rows, reconcile
from pooledfund.io.ledger.reconcile_columns import reconcile_columns

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "examples/monitoring/northmoor_map.yaml"
T = TypeVar("T")
CENTRES = ["CC4101", "CC4102", "CC4103", "CC4104", "CC4105", "CC4201", "CC4202", "CC4301", "CC4401"]


def write_extract(path: Path, rows: int) -> None:
    """A CSV extract of ``rows`` transactions in the Northmoor map's columns, in the forms ledgers export.

    Every 2,000th row repeats the row before it (a duplicate), every
    10,000th amount is written "+1234.56" (a form only the strict reader
    reads) and the export ends with a blank row, as many do.
    """
    rng = random.Random(7)
    lines = ["Cost Centre,Account,Period,Journal Ref,Description,Amount"]
    for index in range(rows):
        if index % 2000 == 1999:
            lines.append(lines[-1])
            continue
        centre = rng.choice(CENTRES) if index % 500 else "CC4999"
        account = "9100" if index % 997 == 0 else "5100"
        pence = rng.randint(-5_000, 2_000_000)
        amount = f"{pence // 100:,}.{pence % 100:02d}" if pence >= 0 else f"({-pence // 100:,}.{-pence % 100:02d})"
        if index % 10_000 == 5_000 and pence >= 0:
            amount = f"+{pence // 100}.{pence % 100:02d}"
        lines.append(f'{centre},{account},P{index % 6 + 1:02d},INV{index:07d},Transaction {index},"{amount}"')
    path.write_text("\n".join(lines) + "\n,,,,,\n")


def _fail(errors: list[InputError]) -> NoReturn:
    raise SystemExit("\n".join(str(e) for e in errors))


def _timed(step: Callable[[], T]) -> tuple[T, float, float]:
    """A step's result, its wall-clock time and the processor time it took (all threads), in seconds."""
    wall, processor = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - wall, time.process_time() - processor


def main() -> None:
    """Generate the extract, then time each step of both ways and the whole."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    ledger_map, _, errors = load_map_and_agreement(MAP)
    if ledger_map is None:
        _fail(errors)
    headings = [heading for _, heading in ledger_map.columns.headings()]
    # pandas is imported first, and timed on its own: both ways need it.
    _, imported, _ = _timed(lambda: importlib.import_module("pandas"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.csv"
        write_extract(path, rows)
        size = path.stat().st_size
        (table, errors), *read = _timed(lambda: read_ledger(path, headings))
    if table is None:
        _fail(errors)
    (by_column, blank, errors), *parsed = _timed(lambda: read_columns(table, ledger_map))
    (actuals, errors), *placed = _timed(lambda: reconcile_columns(by_column, ledger_map, file=table.file,
                                                                  blank_rows=blank))
    (by_row, blank, errors), *parsed_before = _timed(lambda: read_rows(table, ledger_map))
    (before, errors), *placed_before = _timed(lambda: reconcile(by_row, ledger_map, file=table.file,
                                                                blank_rows=blank))
    if actuals is None:
        _fail(errors)
    if by_column.as_list() != by_row or actuals != before:
        raise SystemExit("the two ways of reading the ledger disagree: this is a bug")
    print(f"ledger: {rows:,} rows, {size / 1e6:.1f} MB; pandas imported in {imported:.2f} s")
    print(f"{'wall clock (processor)':28}{'column at a time':>20}{'cell by cell':>20}")
    steps = [("read (pandas, as text)", read, read), ("amounts and periods parsed", parsed, parsed_before),
             ("reconciled", placed, placed_before)]
    for name, now, then in steps:
        print(f"{name:28}{now[0]:11.2f} s ({now[1]:.2f}){then[0]:12.2f} s ({then[1]:.2f})")
    now_total = [sum(times[i] for _, times, _ in steps) for i in (0, 1)]
    then_total = [sum(times[i] for _, _, times in steps) for i in (0, 1)]
    print(f"{'total':28}{now_total[0]:11.2f} s ({now_total[1]:.2f}){then_total[0]:12.2f} s ({then_total[1]:.2f})")
    print(f"{'rows a second':28}{rows / now_total[0]:20,.0f}{rows / then_total[0]:20,.0f}")
    print(f"mapped {len(actuals.mapped):,} rows, unmapped {len(actuals.unmapped):,}, "
          f"excluded {sum(len(r) for r in actuals.excluded.values()):,}, duplicates {len(actuals.duplicates):,}, "
          f"blank {actuals.blank_rows}; both ways give the same rows and actuals")


if __name__ == "__main__":
    main()
