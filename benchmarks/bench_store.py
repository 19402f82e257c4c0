"""Time the versions database: recording, listing and comparing versions of the Northmoor example.

Run: python benchmarks/bench_store.py [--versions 200] [--db URL]
Prints the median time to read, check and run the files for a record
(``prepare_version``), to write one version (one transaction), and to list
all versions, read one back and diff two, on a new SQLite file in a
temporary folder (or on the database ``--db`` names, which should be empty).
Also the file's size per version.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pooledfund.io.store.diff import diff_text
from pooledfund.io.store.references import database_location
from pooledfund.io.store.sources import prepare_version
from pooledfund.io.store.store import VersionStore

ROOT = Path(__file__).resolve().parent.parent


def median_ms(work: Callable[[], object], repeat: int) -> float:
    """The median wall-clock time of ``work`` over ``repeat`` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--db")
    args = parser.parse_args()
    os.chdir(ROOT)
    agreement, scenario = "examples/bcf_northmoor.yaml", "scenarios/bcf_in_year_actuals.yaml"
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or str(Path(folder) / "versions.db")
        prepare = median_ms(lambda: prepare_version(agreement, [scenario], label="m6", kind="month-6",
                                                    recorded_by="bench"), 5)
        new = prepare_version(agreement, [scenario], label="m6", kind="month-6", recorded_by="bench")
        with VersionStore.open(database_location(db, environ={}), create=True) as store:
            start = time.perf_counter()
            for _ in range(args.versions):
                store.record(new)
            record = (time.perf_counter() - start) / args.versions * 1000
            history = median_ms(lambda: (store.versions(), store.variances()), 5)
            read = median_ms(lambda: store.get(1), 5)
            diff = median_ms(lambda: diff_text(store.get(1), store.get(2)), 5)
        size = Path(db).stat().st_size if not args.db else 0
    print(f"{len(new.figures)} figures and {len(new.inputs)} files a version (Northmoor, month 6 forecast)")
    print(f"read, check and run the files for a record: {prepare:8.1f} ms")
    print(f"write one version (one transaction):        {record:8.1f} ms (mean of {args.versions})")
    print(f"history of {args.versions} versions:                  {history:8.1f} ms")
    print(f"read one version back:                      {read:8.1f} ms")
    print(f"diff of two versions:                       {diff:8.1f} ms")
    if size:
        print(f"SQLite file: {size / 1024:,.0f} KiB for {args.versions} versions "
              f"({size / args.versions / 1024:.1f} KiB each; the files' text is kept once)")


if __name__ == "__main__":
    main()
