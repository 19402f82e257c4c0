"""Files in and out: YAML agreements and scenarios, the Excel pack, atomic writes.

May import every layer below it; never the dashboard or the command line. See docs.md.
"""
