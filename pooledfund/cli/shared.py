"""What every command shares: printing text and warnings safely, and listing every file a run reads."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pooledfund.io.scenario_files import chain_paths
from pooledfund.reports.tables import printable

if TYPE_CHECKING:
    from pooledfund.cli.several import AgreementInput


def say(text: str, *, end: str = "\n") -> None:
    """Print text output with control characters escaped, so a name in a file cannot drive the terminal."""
    print(printable(text), end=end)


def warn(text: str) -> None:
    """A warning on standard error, one line: the command goes on, but what it names wants a look."""
    print(printable(f"Warning: {text}", keep_newlines=False), file=sys.stderr)


def run_inputs(agreement: str, scenarios: Sequence[str], *others: str) -> tuple[Path, ...]:
    """Every file a run reads: the agreement, each scenario with every file of its ``extends`` chain, and ``others``.

    None of them may be an output, not even with ``--force``.
    """
    chains = (path for scenario in scenarios for path in chain_paths(scenario))
    return (Path(agreement), *chains, *(Path(other) for other in others))


def every_input(inputs: Sequence[AgreementInput], *others: str) -> tuple[Path, ...]:
    """:func:`run_inputs` of several agreements together: no output may be any of their files."""
    found: list[Path] = [Path(other) for other in others]
    for item in inputs:
        found += run_inputs(item.path, item.scenarios)
    return tuple(found)
