"""Time the ``pooledfund`` command as a user starts it: whole processes, Python start-up included.

Run: python benchmarks/bench_cli.py [--runs 7]

Each figure is the median of ``--runs`` (at least 5) fresh processes, run in
turn so the machine's load falls on all of them alike. The targets are
ratios against bare Python in the same run, so a busy machine moves both
sides:

- ``pooledfund --version`` within 2x of ``python -c pass``;
- ``pooledfund run examples/bcf_northmoor.yaml`` within 2x of
  ``python -c "import numpy, yaml, pydantic"`` (the three libraries the run
  cannot do without).

The command is started through the installed ``pooledfund`` script when it
sits beside this Python (the README's ``pip install -e '.[dev]'``), otherwise
through ``python -c "from pooledfund.cli import main; ..."``; ``PYTHONPATH``
is passed on, so ``PYTHONPATH=.`` times this checkout.

Compiled bytecode is kept in a temporary folder for the run
(``PYTHONPYCACHEPREFIX``), even where ``PYTHONDONTWRITEBYTECODE`` is set: an
installed package has its bytecode, and timing the compiler on every start
would measure something no user waits for. Nothing is written into the
checkout.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AGREEMENT = "examples/bcf_northmoor.yaml"
#: For reference, not a target: the least a program validating with pydantic pays (one model of one field,
#: one validation), which the baseline's lazy ``import pydantic`` does not.
ONE_MODEL = "python: numpy, yaml and one pydantic model"
ONE_MODEL_CODE = ("import numpy, yaml\nfrom pydantic import BaseModel\nclass Partner(BaseModel):\n    name: str\n"
                  "Partner(name='council')")


def pooledfund_command() -> list[str]:
    """How to start the command: the console script beside this Python, or the same entry point through ``-c``."""
    script = Path(sys.executable).parent / "pooledfund"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from pooledfund.cli import main; sys.exit(main())"]


def time_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and processor (user + system) seconds of one whole process; a failing command stops the run.

    On a machine shared with other work the wall clock waits for a core; the
    processor time is what the command itself used.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Time each command ``--runs`` times, interleaved, and print medians, targets and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes per command (at least 5; default 7)")
    runs = max(5, parser.parse_args().runs)
    pooledfund = pooledfund_command()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import numpy, yaml, pydantic'": [sys.executable, "-c", "import numpy, yaml, pydantic"],
        ONE_MODEL: [sys.executable, "-c", ONE_MODEL_CODE],
        "pooledfund --version": [*pooledfund, "--version"],
        f"pooledfund run {AGREEMENT}": [*pooledfund, "run", AGREEMENT],
    }
    times: dict[str, list[float]] = {label: [] for label in commands}
    cpu: dict[str, list[float]] = {label: [] for label in commands}
    with tempfile.TemporaryDirectory(prefix="pooledfund-bytecode-") as bytecode:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = bytecode
        for command in commands.values():  # compile the bytecode and warm the file cache once, untimed
            time_once(command, env)
        for _ in range(runs):
            for label, command in commands.items():
                wall, used = time_once(command, env)
                times[label].append(wall)
                cpu[label].append(used)
    median = {label: statistics.median(values) for label, values in times.items()}
    median_cpu = {label: statistics.median(values) for label, values in cpu.items()}
    print(f"Median of {runs} whole-process runs each (seconds): wall clock, processor")
    for label, value in median.items():
        print(f"  {label:<52} {value:7.3f}  {median_cpu[label]:7.3f}  (fastest wall {min(times[label]):.3f})")
    print()
    checks = [
        ("pooledfund --version", "python -c pass"),
        (f"pooledfund run {AGREEMENT}", "python -c 'import numpy, yaml, pydantic'"),
    ]
    for label, baseline in checks:
        ratio = median[label] / median[baseline]
        verdict = "met" if ratio <= 2 else "MISSED"
        print(f"{label}: {ratio:.2f}x of {baseline} by the wall clock "
              f"({median_cpu[label] / median_cpu[baseline]:.2f}x by processor time; target <= 2.00x, {verdict})")
    baseline = "python -c 'import numpy, yaml, pydantic'"
    print(f"For reference (no target): {ONE_MODEL} is {median[ONE_MODEL] / median[baseline]:.2f}x of {baseline}; "
          f"pooledfund run is {median[f'pooledfund run {AGREEMENT}'] / median[ONE_MODEL]:.2f}x of it")


if __name__ == "__main__":
    main()
