"""Uncertainty: Monte Carlo runs, percentiles and sensitivity of each partner's exposure.

The public entry points (used by the CLI and the dashboard):

* :func:`spec_from_simple` builds a spec in code (files are read by
  :mod:`pooledfund.io.uncertainty_files`);
  :func:`check_uncertainty` checks it against an agreement;
* :func:`simulate` runs the paths and returns a :class:`SimulationResult`;
* :func:`sensitivity` gives the tornado and break-even values;
* :mod:`pooledfund.uncertainty.figures` builds the plotly charts.

See docs/uncertainty.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pooledfund.uncertainty.results import ArrangementSummary, PartnerSummary, SimulationResult
    from pooledfund.uncertainty.sensitivity_analysis import BreakEven, SensitivityResult, break_even, sensitivity
    from pooledfund.uncertainty.simulation import simulate
    from pooledfund.uncertainty.spec import NO_UNCERTAINTY, UncertaintySpec, check_uncertainty, spec_from_simple
    from pooledfund.uncertainty.statistics import Summary

#: Public name -> its module. Loaded on first use, so reading an ``uncertainty:`` section
#: (which needs only :mod:`pooledfund.uncertainty.spec`) does not import scipy.
_PUBLIC: dict[str, str] = {
    "ArrangementSummary": "pooledfund.uncertainty.results",
    "BreakEven": "pooledfund.uncertainty.sensitivity_analysis",
    "NO_UNCERTAINTY": "pooledfund.uncertainty.spec",
    "PartnerSummary": "pooledfund.uncertainty.results",
    "SensitivityResult": "pooledfund.uncertainty.sensitivity_analysis",
    "SimulationResult": "pooledfund.uncertainty.results",
    "Summary": "pooledfund.uncertainty.statistics",
    "UncertaintySpec": "pooledfund.uncertainty.spec",
    "break_even": "pooledfund.uncertainty.sensitivity_analysis",
    "check_uncertainty": "pooledfund.uncertainty.spec",
    "sensitivity": "pooledfund.uncertainty.sensitivity_analysis",
    "simulate": "pooledfund.uncertainty.simulation",
    "spec_from_simple": "pooledfund.uncertainty.spec",
}

__all__ = [
    "NO_UNCERTAINTY",
    "ArrangementSummary",
    "BreakEven",
    "PartnerSummary",
    "SensitivityResult",
    "SimulationResult",
    "Summary",
    "UncertaintySpec",
    "break_even",
    "check_uncertainty",
    "sensitivity",
    "simulate",
    "spec_from_simple",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is used (PEP 562)."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'pooledfund.uncertainty' has no attribute {name!r}")
    loaded = import_module(module)
    # Importing a submodule binds it on this package under its own name, so the module
    # ``sensitivity`` would hide the function ``sensitivity`` from a later import: bind every
    # public name the module holds now, the one named like it included.
    for public, home in _PUBLIC.items():
        if home == module:
            globals()[public] = getattr(loaded, public)
    return globals()[name]

