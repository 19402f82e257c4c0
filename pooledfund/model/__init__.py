"""The records an agreement and a scenario are made of, and the checks on them.

May import :mod:`pooledfund.core` and :mod:`pooledfund.agreements` only; reads no file. See docs.md.
"""
