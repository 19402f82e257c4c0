"""Projection, cash flow, risk share and the run: an agreement and a scenario in, pence out.

May import :mod:`pooledfund.model`, :mod:`pooledfund.agreements` and :mod:`pooledfund.core`; never
reports, files, the dashboard or the command line. See docs.md.
"""
