"""pooledfund: model Section 75 pooled budgets and the Better Care Fund to the penny.

The flow (see ``pooledfund/docs.md``): files are read by :mod:`pooledfund.io`
into the frozen records of :mod:`pooledfund.model`; :func:`pooledfund.engine.runner.run`
projects spend and shares every variance in pence; :mod:`pooledfund.reports`
turns the result into tables and words; :mod:`pooledfund.uncertainty` runs
many paths; :mod:`pooledfund.cli` and ``dashboard.py`` are the edges.

What a notebook needs is importable from here::

    import pooledfund as pf
    agreement = pf.read_agreement("examples/bcf_northmoor.yaml")
    scenario = pf.read_scenario("scenarios/demand_shock.yaml", agreement)
    result = pf.run(agreement, scenario)
    pf.partner_frame(result)                       # a pandas frame, in pence
    pf.export_workbook(agreement, [scenario], "pack.xlsx")

Names are loaded on first use, so ``import pooledfund`` stays quick and the
command line never pays for pandas, openpyxl or scipy it does not use.
"""

from __future__ import annotations

from importlib import import_module

from pooledfund.core.version import __version__

# Not typing.TYPE_CHECKING: importing typing would cost `pooledfund --version` a tenth of its time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pooledfund.core.errors import InputError, InvalidInputError, PooledfundError
    from pooledfund.engine.results import RunResult
    from pooledfund.engine.runner import run
    from pooledfund.io.excel import export_workbook, workbook_bytes
    from pooledfund.io.inputs import combine_scenarios
    from pooledfund.io.readers import read_agreement, read_scenario, read_uncertainty
    from pooledfund.model.agreement import Agreement
    from pooledfund.model.scenario import BASE, Scenario
    from pooledfund.reports.explain import explain
    from pooledfund.reports.tables import arrangement_frame, partner_frame, scheme_frame
    from pooledfund.uncertainty import SimulationResult, sensitivity, simulate, spec_from_simple

#: Public name -> the module that defines it.
_PUBLIC: dict[str, str] = {
    "Agreement": "pooledfund.model.agreement",
    "BASE": "pooledfund.model.scenario",
    "InputError": "pooledfund.core.errors",
    "InvalidInputError": "pooledfund.core.errors",
    "PooledfundError": "pooledfund.core.errors",
    "RunResult": "pooledfund.engine.results",
    "Scenario": "pooledfund.model.scenario",
    "SimulationResult": "pooledfund.uncertainty",
    "arrangement_frame": "pooledfund.reports.tables",
    "combine_scenarios": "pooledfund.io.inputs",
    "explain": "pooledfund.reports.explain",
    "export_workbook": "pooledfund.io.excel",
    "partner_frame": "pooledfund.reports.tables",
    "read_agreement": "pooledfund.io.readers",
    "read_scenario": "pooledfund.io.readers",
    "read_uncertainty": "pooledfund.io.readers",
    "run": "pooledfund.engine.runner",
    "scheme_frame": "pooledfund.reports.tables",
    "sensitivity": "pooledfund.uncertainty",
    "simulate": "pooledfund.uncertainty",
    "spec_from_simple": "pooledfund.uncertainty",
    "workbook_bytes": "pooledfund.io.excel",
}

__all__ = [
    "BASE",
    "Agreement",
    "InputError",
    "InvalidInputError",
    "PooledfundError",
    "RunResult",
    "Scenario",
    "SimulationResult",
    "__version__",
    "arrangement_frame",
    "combine_scenarios",
    "explain",
    "export_workbook",
    "partner_frame",
    "read_agreement",
    "read_scenario",
    "read_uncertainty",
    "run",
    "scheme_frame",
    "sensitivity",
    "simulate",
    "spec_from_simple",
    "workbook_bytes",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is used (PEP 562)."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'pooledfund' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
