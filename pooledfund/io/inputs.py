"""Loading the inputs of a run: one agreement and the scenarios applied to it in order.

Shared by every command (and the dashboard) so that all of them read, check and
combine files the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from pooledfund.core.errors import InvalidInputError
from pooledfund.io.loader import load_agreement
from pooledfund.io.scenario_files import _merge, load_scenario
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import BASE, Scenario, check_scenario


def load_inputs(agreement_path: str, scenario_paths: Sequence[str]) -> tuple[Agreement, list[Scenario]]:
    """Load an agreement and its scenario files, checking each scenario against it.

    Raises ``InvalidInputError`` listing every problem found in any of the files.
    """
    agreement, errors = load_agreement(agreement_path)
    scenarios: list[Scenario] = []
    for path in scenario_paths:
        scenario, scenario_errors = load_scenario(path)
        errors += scenario_errors
        if scenario is not None:
            if agreement is not None:
                errors += check_scenario(scenario, agreement, path)
            scenarios.append(scenario)
    if errors or agreement is None:
        raise InvalidInputError(errors)
    return agreement, scenarios


def combine_scenarios(scenarios: list[Scenario]) -> Scenario:
    """Several --scenario files apply in order, as if each extended the one before."""
    if not scenarios:
        return BASE
    if len(scenarios) == 1:
        return scenarios[0]
    data: dict = {}
    for scenario in scenarios:
        data = _merge(data, scenario.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True))
    data["id"] = "+".join(s.id for s in scenarios)
    data["name"] = " + ".join(s.label for s in scenarios)
    data.pop("extends", None)
    return Scenario.model_validate(data)
