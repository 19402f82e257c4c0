"""The bottom layer: pence arithmetic, financial years, field types, the BCF word lists, located errors.

Imports nothing else from pooledfund. See docs.md in this folder.
"""
