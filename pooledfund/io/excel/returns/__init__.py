"""The Better Care Fund quarterly and end-of-year return, as its own workbook.

* :func:`build_return` / :func:`return_bytes` / :func:`export_return`: the
  return for a quarter of the year of an actuals scenario: Cover, Income,
  Expenditure, National conditions and Risk share (see docs/monitoring.md,
  "Returns").
"""

from __future__ import annotations

from pooledfund.io.excel.returns.export import build_return, export_return, return_bytes

__all__ = ["build_return", "export_return", "return_bytes"]
