"""Time all of England: 153 Better Care Fund agreements run together and rolled up.

Run: python benchmarks/bench_england.py [--paths 1000] [--runs 3]

The agreements are written by ``generate_england.py`` into a temporary
folder (invented areas summing to the 2025-26 national totals). Each figure
is a whole ``pooledfund`` command in a fresh process, as a user runs it,
median of ``--runs``:

- ``pooledfund run areas/ --rollup-only``: load, validate and cross-check
  153 files, run each, match the partners and roll them up (target < 10 s);
- ``pooledfund simulate areas/ --scenario scenario_uncertain.yaml --paths
  1000 --rollup-only``: 1,000 paths for every area with the drivers shared
  across areas, and each body's exposure summarised (target < 60 s on 2
  cores).

Each line gives the wall-clock time, the processor time (user + system; on a
machine shared with other work the wall clock is the one that moves), the
peak resident memory of the process, the target and the ratio to it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from generate_england import AREAS, write_england

#: Runs one command in this process and reports its times and peak memory as JSON on the last line.
_CHILD = """
import contextlib, io, json, resource, sys, time
from pooledfund.cli import main
start, cpu = time.perf_counter(), time.process_time()
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"code": code, "wall": wall, "cpu": cpu, "peak_mib": peak}))
"""


def measure(argv: list[str]) -> dict[str, float]:
    """One command in a fresh process: its wall and processor seconds and peak memory (MiB)."""
    done = subprocess.run([sys.executable, "-c", _CHILD, *argv], capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["code"] != 0:
        raise SystemExit(f"pooledfund {' '.join(argv)} failed:\n{done.stderr}")
    return figures


def report(label: str, runs: list[dict[str, float]], target: float) -> None:
    """Print the medians of several runs against the target."""
    wall = statistics.median(r["wall"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    peak = max(r["peak_mib"] for r in runs)
    verdict = "met" if wall < target else "MISSED"
    print(f"{label}: {wall:.2f} s wall ({cpu:.2f} s processor), peak memory {peak:.0f} MiB; "
          f"target < {target:.0f} s, ratio {wall / target:.2f} ({verdict})")


def main() -> None:
    """Generate England, then time the national run and the national Monte Carlo."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=1000, help="Monte Carlo paths per area (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pooledfund-england-") as temp:
        areas = write_england(Path(temp) / "england")
        scenario = str(Path(temp) / "england" / "scenario_uncertain.yaml")
        print(f"{AREAS} agreements in {areas}; median of {args.runs} runs, each a fresh process")
        report(f"deterministic run of {AREAS} areas + roll-up",
               [measure(["run", str(areas), "--rollup-only"]) for _ in range(args.runs)], 10)
        report(f"{args.paths:,} paths for each of {AREAS} areas + roll-up",
               [measure(["simulate", str(areas), "--scenario", scenario, "--paths", str(args.paths),
                         "--rollup-only"]) for _ in range(args.runs)], 60)


if __name__ == "__main__":
    main()
