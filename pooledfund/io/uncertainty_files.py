"""Reading the ``uncertainty:`` section of a scenario file.

The records and their checks are in :mod:`pooledfund.uncertainty.spec`; this
module only reads files and hands the section to
:func:`~pooledfund.uncertainty.spec.spec_from_data`.
"""

from __future__ import annotations

from pathlib import Path

from pooledfund.core.errors import InputError, Source
from pooledfund.io.scenario_files import load_scenario
from pooledfund.io.yamlio import read_yaml
from pooledfund.model.scenario import Scenario
from pooledfund.uncertainty.spec import UncertaintySpec, spec_from_data


def load_uncertainty(path: str | Path) -> tuple[UncertaintySpec | None, list[InputError]]:
    """Read the ``uncertainty:`` section of a scenario file; return it or every problem.

    A file without the section gives ``(None, [error])`` saying so.
    """
    name = str(path)
    data, lines, errors = read_yaml(path, name)
    if errors:
        return None, errors
    if not isinstance(data, dict) or "uncertainty" not in data:
        return None, [InputError(Source(name, 1), "this file has no 'uncertainty:' section (see docs/uncertainty.md)")]
    return spec_from_data(data["uncertainty"], lines, name)


def has_uncertainty(path: str | Path) -> bool:
    """Whether a readable YAML file has an ``uncertainty:`` section at its top level."""
    data, _, errors = read_yaml(path)
    return not errors and isinstance(data, dict) and "uncertainty" in data


def load_uncertain_scenario(path: str | Path) -> tuple[Scenario | None, UncertaintySpec | None, list[InputError]]:
    """Read a scenario file and its ``uncertainty:`` section, if any.

    Returns ``(scenario, spec, errors)``; ``spec`` is None when the file has no
    such section. The ``scenario:`` part is read exactly as
    :func:`pooledfund.io.scenario_files.load_scenario` reads it.
    """
    if not has_uncertainty(path):
        scenario, errors = load_scenario(path)
        return scenario, None, errors
    spec, spec_errors = load_uncertainty(path)
    scenario, scenario_errors = load_scenario(path)
    return scenario, spec, scenario_errors + spec_errors
