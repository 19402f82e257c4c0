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

from pooledfund.uncertainty.results import ArrangementSummary, PartnerSummary, SimulationResult
from pooledfund.uncertainty.sensitivity import BreakEven, SensitivityResult, break_even, sensitivity
from pooledfund.uncertainty.simulate import simulate
from pooledfund.uncertainty.spec import (
    NO_UNCERTAINTY,
    UncertaintySpec,
    check_uncertainty,
    spec_from_simple,
)
from pooledfund.uncertainty.statistics import Summary

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
