"""Ledger extracts to actuals: reading, mapping to schemes, reconciling, writing the actuals scenario.

See docs.md in this folder and docs/monitoring.md.
"""
