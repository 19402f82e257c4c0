"""Time reading a large ledger extract into actuals: a generated 500,000-row CSV against the Northmoor map.

Run: python benchmarks/bench_ledger.py [ROWS]
Writes the extract to a temporary folder (one row per transaction, 60 cost
centres, six months, a few unmapped codes and recharges), then times reading
it with pandas as text, parsing every amount and period exactly, and
reconciling it. Prints the rows a second and the time of each step.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from pooledfund.io.ledger.map_file import load_map_and_agreement
from pooledfund.io.ledger.read import read_ledger
from pooledfund.io.ledger.reconcile import read_rows, reconcile

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


def main() -> None:
    """Generate the extract, then time each step and the whole."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    ledger_map, _, errors = load_map_and_agreement(MAP)
    if ledger_map is None:
        raise SystemExit("\n".join(str(e) for e in errors))
    headings = [heading for _, heading in ledger_map.columns.headings()]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.csv"
        write_extract(path, rows)
        size = path.stat().st_size
        start = time.perf_counter()
        table, errors = read_ledger(path, headings)
        read_at = time.perf_counter()
        if table is None:
            raise SystemExit("\n".join(str(e) for e in errors))
        parsed, blank, errors = read_rows(table, ledger_map)
        parsed_at = time.perf_counter()
        actuals, errors = reconcile(parsed, ledger_map, file=str(path), blank_rows=blank)
        done = time.perf_counter()
    if actuals is None:
        raise SystemExit("\n".join(str(e) for e in errors))
    total = done - start
    print(f"ledger: {rows:,} rows, {size / 1e6:.1f} MB")
    print(f"read (pandas, as text):      {read_at - start:6.2f} s")
    print(f"amounts and periods parsed:  {parsed_at - read_at:6.2f} s")
    print(f"reconciled:                  {done - parsed_at:6.2f} s")
    print(f"total:                       {total:6.2f} s  ({rows / total:,.0f} rows/s)")
    print(f"mapped {len(actuals.mapped):,} rows, unmapped {len(actuals.unmapped):,}, "
          f"excluded {sum(len(r) for r in actuals.excluded.values()):,}, duplicates {len(actuals.duplicates):,}")


if __name__ == "__main__":
    main()
