"""What a Monte Carlo run on the dashboard was run on, so its results stay tied to their inputs.

A run is kept with a fingerprint of everything that made it: the agreement
(its file and any budgets typed into the schemes table), the scenarios
chosen, the what-if settings, the uncertain drivers and events, the number
of paths and the seed. When any of them changes, the results on screen are
for the inputs as they were: the dashboard keeps showing them, greyed, under
a warning that says what changed, until Simulate is pressed again (see
docs/dashboard.md, "Results and the inputs they came from").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pooledfund.dashboard.uploads import content_hash

if TYPE_CHECKING:
    from pooledfund.uncertainty import SensitivityResult, SimulationResult


@dataclass(frozen=True)
class SimulationInputs:
    """The inputs of one Monte Carlo run: content keys (compared) and their names (for the page, not compared).

    Attributes:
        agreement: content key of the agreement's file and the budgets edited in the table.
        scenarios: content key of the scenarios chosen (bundled and uploaded), before the what-if.
        scenario: content key of the scenario on screen: the scenarios chosen with the what-if on top.
        uncertainty: content key of the uncertainty file.
        paths: how many paths.
        seed: the random seed.
        agreement_title, scenario_name, uncertainty_name: what the page calls them.
    """

    agreement: str
    scenarios: str
    scenario: str
    uncertainty: str
    paths: int
    seed: int
    agreement_title: str = field(default="", compare=False)
    scenario_name: str = field(default="", compare=False)
    uncertainty_name: str = field(default="", compare=False)

    @property
    def fingerprint(self) -> str:
        """One hash of every input: equal exactly when the run would give the same results."""
        return content_hash(self.agreement, self.scenarios, self.scenario, self.uncertainty,
                            str(self.paths), str(self.seed))

    def described(self) -> str:
        """The inputs in words, for the line above the results."""
        return (f"{self.agreement_title} · scenario: {self.scenario_name} · uncertainty: {self.uncertainty_name} · "
                f"{self.paths:,} paths, seed {self.seed}")

    def changes_since(self, earlier: SimulationInputs) -> list[str]:
        """What differs from ``earlier``, in words, in the order the inputs are chosen on the page."""
        changes = []
        if self.agreement != earlier.agreement:
            changes.append("the agreement or its budgets")
        if self.scenarios != earlier.scenarios:
            changes.append("the scenarios chosen")
        elif self.scenario != earlier.scenario:
            changes.append("the what-if settings")
        if self.uncertainty != earlier.uncertainty:
            changes.append(f"the uncertain drivers and events ({earlier.uncertainty_name} then, "
                           f"{self.uncertainty_name} now)")
        if self.paths != earlier.paths:
            changes.append(f"the number of paths ({earlier.paths:,} then, {self.paths:,} now)")
        if self.seed != earlier.seed:
            changes.append(f"the seed ({earlier.seed} then, {self.seed} now)")
        return changes


@dataclass(frozen=True)
class SimulationRun:
    """A finished run kept for the page: its inputs, the simulation and the tornado's sensitivity run."""

    inputs: SimulationInputs
    simulation: SimulationResult
    sensitivity: SensitivityResult

    def stale_note(self, now: SimulationInputs) -> str | None:
        """The warning to show when the inputs on screen are not the ones the run used (None when they are)."""
        if now.fingerprint == self.inputs.fingerprint:
            return None
        changed = now.changes_since(self.inputs)
        return ("These results are for the inputs before your last change (" + "; ".join(changed)
                + "): press Simulate to update.")
