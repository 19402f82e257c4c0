"""Errors: problems found in a user's files, and operational failures.

Problems in an agreement or scenario file are *values* (:class:`InputError`),
collected in one pass and returned, so a finance lead sees every mistake at
once. Operational failures (a file that cannot be read, an output that would
overwrite someone's work) are exceptions derived from :class:`PooledfundError`,
which the CLI and the dashboard catch in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, eq=False)
class Source:
    """Where a record came from: file, line (1-based, if known) and field path.

    Two sources always compare equal, so attaching one to a record never makes
    otherwise identical records differ (an agreement read from YAML equals the
    same agreement read back from a workbook).
    """

    file: str
    line: int | None = None
    path: str = ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Source)

    def __hash__(self) -> int:
        return 0

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where} {self.path}".rstrip()


@dataclass(frozen=True)
class InputError:
    """One problem in an input file, located and explained in plain words."""

    source: Source
    message: str

    def __str__(self) -> str:
        where = self.source.file if self.source.line is None else f"{self.source.file}:{self.source.line}"
        path = f" {self.source.path}" if self.source.path else ""
        return f"{where}{path}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        """The error as JSON-ready data for other tools."""
        return {
            "file": self.source.file,
            "line": self.source.line,
            "path": self.source.path,
            "message": self.message,
        }


class PooledfundError(Exception):
    """Base of every operational failure the user interface reports without a traceback."""


class InvalidInputError(PooledfundError):
    """One or more input files have problems; ``errors`` lists every one."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        count = len(errors)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} {noun} found:\n" + "\n".join(str(e) for e in errors))


class OutputExistsError(PooledfundError):
    """Writing would replace a file the user already has."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"{path} already exists; choose another name or pass --force to replace it")


class ConservationError(PooledfundError):
    """The engine's own books do not balance: a bug, never a figure to show."""


class AmountTooLargeError(InvalidInputError):
    """The inputs would drive an amount past what the model handles (£100bn a scheme a year).

    Raised by the engine before any figure can overflow, so a runaway
    scenario is refused, located at the scheme and the inputs that drove it
    there, instead of shown as a plausible-looking wrong number. It is an
    :class:`InvalidInputError`, so the command line lists its problems and
    exits with 1 like any other problem with the input.
    """
