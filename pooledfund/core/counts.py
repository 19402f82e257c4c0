"""A count with its noun, singular or plural: "1 row", "24 schemes".

Printed counts read as a finance lead writes them; "1 rows" reads as a
mistake in the program and makes the reader doubt the figure beside it.
"""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """The count (with thousands separators) and the noun agreeing with it.

    Args:
        count: how many.
        word: the noun for one ("row", "version").
        words: the noun for several, when it is not ``word`` + "s".

    Returns:
        "1 row", "0 rows", "1,204 rows".
    """
    return f"{count:,} " + (word if count == 1 else (words or f"{word}s"))
