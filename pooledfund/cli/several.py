"""Several agreements on one command line: ``AGREEMENT[:SCENARIO]`` arguments and folders.

``run``, ``simulate`` and ``export`` take one or more agreement arguments.
Each is one of:

* an agreement file: ``areas/northmoor.yaml``;
* a folder: every ``*.yaml`` / ``*.yml`` file directly in it, in name order;
* either of those followed by ``:`` and its own scenario:
  ``areas/northmoor.yaml:scenarios/northmoor_cut.yaml``; several scenario
  files joined by ``+`` apply in order (``a.yaml:base.yaml+cut.yaml``), and
  a folder's scenario applies to every file in it.

``--scenario S`` (repeatable) applies to every agreement instead. The two
ways do not mix: an argument with its own scenario and a ``--scenario``
option on the same command line is refused, located at the argument. An
agreement given without a scenario (and with no ``--scenario``) runs under
the base scenario. The same file given twice, or two files holding the same
agreement id, are refused: each agreement is counted once in the roll-up.

Every problem in every argument and file is listed, located, before any run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pooledfund.cli.shared import warn
from pooledfund.core.errors import InputError, InvalidInputError, Source
from pooledfund.model.agreement import Agreement

if TYPE_CHECKING:  # the matching is loaded only with several agreements, not on a plain run's start-up
    from pooledfund.engine.rollup import Matching

#: The files a folder argument brings in.
AGREEMENT_SUFFIXES = (".yaml", ".yml")

T = TypeVar("T")


@dataclass(frozen=True)
class AgreementInput:
    """One agreement to run and the scenario files applied to it.

    Attributes:
        argument: the command-line argument it came from, as typed (for messages).
        path: the agreement file (inside the folder, for a folder argument).
        scenarios: the scenario files applied in order (its own after ``:``, or every ``--scenario``).
        own_scenario: whether ``scenarios`` came after ``:`` (one scenario, its files applied in
            order) rather than from ``--scenario`` (which ``export`` shows side by side).
    """

    argument: str
    path: str
    scenarios: tuple[str, ...]
    own_scenario: bool = False


def _split(argument: str) -> tuple[str, str | None] | None:
    """The agreement path and the scenario text after ``:`` (None when there is no ``:`` part).

    The whole argument is a path when it exists or has no ``:`` (a missing
    file is then reported by the loader, like any unreadable file); otherwise
    the first ``:`` whose left side exists splits it (so a path holding ``:``
    still works). None: nothing on the left of any ``:`` exists.
    """
    if Path(argument).exists() or ":" not in argument:
        return argument, None
    for at, char in enumerate(argument):
        if char == ":" and at and Path(argument[:at]).exists():
            return argument[:at], argument[at + 1:]
    return None


def _folder_files(folder: Path) -> list[Path]:
    """The agreement files directly in ``folder``, in name order (hidden files left out)."""
    return sorted(path for path in folder.iterdir()
                  if path.suffix.lower() in AGREEMENT_SUFFIXES and not path.name.startswith(".") and path.is_file())


def parse_agreement_arguments(arguments: Sequence[str], shared: Sequence[str]) -> list[AgreementInput]:
    """Every agreement named by the arguments, with its scenarios.

    Args:
        arguments: the ``AGREEMENT[:SCENARIO]`` arguments, as typed.
        shared: the ``--scenario`` files, applied to every agreement.

    Raises:
        InvalidInputError: listing every argument that cannot be used, each located at itself.
    """
    inputs: list[AgreementInput] = []
    errors: list[InputError] = []
    for argument in arguments:
        where = Source(argument)
        split = _split(argument)
        if split is None:
            errors.append(InputError(where, "no agreement file or folder before any ':' exists; check the path "
                                            "(a scenario of its own goes after the agreement and a ':', "
                                            "e.g. area.yaml:cut.yaml)"))
            continue
        path, own_text = split
        own: tuple[str, ...] = ()
        if own_text is not None:
            own = tuple(own_text.split("+"))
            if not all(own):
                errors.append(InputError(where, "a scenario file is missing after ':' or around '+'; write "
                                                "area.yaml:scenario.yaml or area.yaml:base.yaml+cut.yaml"))
                continue
            missing = [name for name in own if not Path(name).is_file()]
            if missing:
                errors.append(InputError(where, f"the scenario file {missing[0]} does not exist"))
                continue
            if shared:
                errors.append(InputError(where, "this agreement has its own scenario (after ':') and --scenario "
                                                "gives one for every agreement; use one way or the other"))
                continue
        scenarios = own or tuple(shared)
        folder = Path(path)
        if folder.is_dir():
            files = _folder_files(folder)
            if not files:
                errors.append(InputError(where, "the folder holds no agreement files (*.yaml or *.yml)"))
            inputs += [AgreementInput(argument, str(file), scenarios, bool(own)) for file in files]
        else:
            inputs.append(AgreementInput(argument, path, scenarios, bool(own)))
    errors += _repeated_files(inputs)
    if errors:
        raise InvalidInputError(errors)
    return inputs


def _repeated_files(inputs: list[AgreementInput]) -> list[InputError]:
    """A file named twice (directly or through a folder) would be counted twice: refuse it."""
    errors: list[InputError] = []
    first: dict[Path, str] = {}
    for item in inputs:
        resolved = Path(item.path).resolve()
        if resolved in first:
            errors.append(InputError(Source(item.argument), f"{item.path} is already given by {first[resolved]}; "
                                                            "each agreement is counted once, so give it once"))
        else:
            first[resolved] = item.argument
    return errors


def load_each(inputs: Sequence[AgreementInput], load: Callable[[AgreementInput], T]) -> list[T]:
    """``load`` every agreement, listing the problems of all of them together (each once).

    ``load`` raises :class:`InvalidInputError` for an agreement with problems;
    a scenario file shared by every agreement reports its own problem once,
    not once per agreement.
    """
    loaded: list[T] = []
    errors: list[InputError] = []
    listed: set[str] = set()  # each problem as printed: file, line, field and words (errors compare by words only)
    for item in inputs:
        try:
            loaded.append(load(item))
        except InvalidInputError as exc:
            for error in exc.errors:
                if str(error) not in listed:
                    listed.add(str(error))
                    errors.append(error)
    if errors:
        raise InvalidInputError(errors)
    return loaded


def match_agreements(inputs: Sequence[AgreementInput], agreements: Sequence[Agreement]) -> Matching:
    """Match the partners of every agreement, refusing a repeated agreement id or a code given two names.

    Bodies matched as different but named the same (ignoring capitals, spaces
    and punctuation) are warned of on standard error, one located line each,
    and the command goes on (:attr:`Matching.warnings`).
    """
    from pooledfund.engine.rollup import match_partners, repeated_agreements

    labelled = [(item.path, agreement) for item, agreement in zip(inputs, agreements, strict=True)]
    errors = repeated_agreements(labelled)
    matching, conflicts = match_partners(labelled)
    errors += conflicts
    if errors:
        raise InvalidInputError(errors)
    for warning in matching.warnings:
        warn(str(warning))
    return matching
