"""What a finance lead reads: tables, the explain note, the BCF national-condition checks.

May import the engine, the model and core; never files, the dashboard or the command line. See docs.md.
"""
