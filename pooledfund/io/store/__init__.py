"""Versions of a run kept in an embedded database: recorded, listed, compared and signed off.

A finance lead records the runs they want to keep (the plan the board signed
off, each month's forecast, the outturn) with their input files and every
partner's, arrangement's and scheme's figures in pence. A signed-off version
can never be changed or deleted: the code refuses, and so does the database.

This package's ``__init__`` imports nothing: :mod:`.references`,
:mod:`.records` and :mod:`.errors` are light, and only :mod:`.store`,
:mod:`.database`, :mod:`.schema` and :mod:`.migrations` load SQLAlchemy, so
the command line starts without it. See docs.md.
"""
