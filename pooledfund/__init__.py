"""pooledfund: model Section 75 pooled budgets and the Better Care Fund to the penny.

The flow (see docs/architecture.md): agreement and scenario files are read
by :mod:`pooledfund.io.loader` and :mod:`pooledfund.model.scenario` into frozen records;
:func:`pooledfund.engine.runner.run` projects spend and shares every variance;
:mod:`pooledfund.reports.tables` and :mod:`pooledfund.reports.explain` turn the result into
tables and words; :mod:`pooledfund.cli.app` is the command line.
"""

from __future__ import annotations

__version__ = "0.1.0"
