"""Readers for notebooks and scripts: each returns the record or raises one error listing every problem.

The command line and the dashboard use the errors-as-values loaders
(:func:`pooledfund.io.loader.load_agreement` returns ``(agreement or None,
[InputError, ...])``) so they can print every problem and carry on. In a
notebook it is more natural to get the record or an exception:
:class:`~pooledfund.core.errors.InvalidInputError`, whose message lists every
problem as ``file:line field.path: what is wrong``.
"""

from __future__ import annotations

from pathlib import Path

from pooledfund.core.errors import InvalidInputError
from pooledfund.io.loader import require_agreement
from pooledfund.io.scenario_files import load_scenario
from pooledfund.io.uncertainty_files import load_uncertainty
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario, check_scenario
from pooledfund.uncertainty.spec import UncertaintySpec, check_uncertainty


def read_agreement(path: str | Path) -> Agreement:
    """The agreement in ``path``, checked; raises :class:`InvalidInputError` listing every problem."""
    return require_agreement(path)


def read_scenario(path: str | Path, agreement: Agreement | None = None) -> Scenario:
    """The scenario in ``path`` (following ``extends``), checked against ``agreement`` when given.

    Checking against the agreement catches a scheme, partner or year the
    agreement does not have: a scenario naming one would otherwise change
    nothing and look like a plausible result.
    """
    scenario, errors = load_scenario(path)
    if scenario is not None and agreement is not None:
        errors += check_scenario(scenario, agreement, str(path))
    if scenario is None or errors:
        raise InvalidInputError(errors)
    return scenario


def read_uncertainty(path: str | Path, agreement: Agreement | None = None) -> UncertaintySpec:
    """The ``uncertainty:`` section of a scenario file, checked against ``agreement`` when given."""
    spec, errors = load_uncertainty(path)
    if spec is not None and agreement is not None:
        errors += check_uncertainty(spec, agreement, str(path))
    if spec is None or errors:
        raise InvalidInputError(errors)
    return spec
