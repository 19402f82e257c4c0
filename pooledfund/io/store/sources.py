"""A version's input files: read from disk to be recorded, and turned back into records to be run again.

What is recorded is exactly what ran: the files are read once as bytes,
hashed, and the agreement and scenarios the engine runs are built from
those same texts, so a file changed on disk between the two can never give
figures that do not belong to the recorded text.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from pooledfund.core.errors import InputError, InvalidInputError, Source
from pooledfund.engine.runner import run
from pooledfund.io.inputs import combine_scenarios, load_inputs
from pooledfund.io.loader import agreement_from_data
from pooledfund.io.scenario_files import chain_paths, scenario_from_chain
from pooledfund.io.store.figures import run_figures
from pooledfund.io.store.kinds import kind_findings
from pooledfund.io.store.records import AGREEMENT_ROLE, SCENARIO_ROLE, InputText, NewVersion, Version
from pooledfund.io.yamlio import parse_yaml_text
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario, check_scenario


def _input_text(role: str, position: int, part: int, name: str, path: Path) -> InputText:
    """One file read as bytes: its text and the SHA-256 of those bytes."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError([InputError(Source(name), "the file is not UTF-8 text; save it as UTF-8")]) from None
    return InputText(role, position, part, name, hashlib.sha256(data).hexdigest(), text)


def read_run_files(agreement_path: str, scenario_paths: Sequence[str]) -> tuple[InputText, ...]:
    """The agreement and every scenario file with each file of its ``extends`` chain, as read now.

    A parent is named by its path from the current folder, as a message about it would name it.
    """
    files = [_input_text(AGREEMENT_ROLE, 0, 0, agreement_path, Path(agreement_path))]
    for position, scenario_path in enumerate(scenario_paths):
        for part, path in enumerate(chain_paths(scenario_path)):
            name = scenario_path if part == 0 else os.path.relpath(path)
            files.append(_input_text(SCENARIO_ROLE, position, part, name, path))
    return tuple(files)


def records_from_files(files: Sequence[InputText], prefix: str = "") -> tuple[Agreement, list[Scenario]]:
    """The agreement and scenarios the files hold, checked as when read from disk; every problem raised together.

    ``prefix`` goes before each file's name in messages (``@3/`` for a recorded version).
    """
    agreements = [f for f in files if f.role == AGREEMENT_ROLE]
    if len(agreements) != 1:
        raise InvalidInputError([InputError(Source(prefix or "version"), f"holds {len(agreements)} agreement files; "
                                                                          "a run has exactly one")])
    main = agreements[0]
    text = main.text.replace("\r\n", "\n").replace("\r", "\n")
    data, lines, errors = parse_yaml_text(text, prefix + main.name)
    agreement = None
    if not errors:
        agreement, errors = agreement_from_data(data, lines, prefix + main.name)
    scenarios: list[Scenario] = []
    positions = sorted({f.position for f in files if f.role == SCENARIO_ROLE})
    for position in positions:
        chain = sorted((f for f in files if f.role == SCENARIO_ROLE and f.position == position), key=lambda f: f.part)
        scenario, found = scenario_from_chain([(prefix + f.name, f.text) for f in chain])
        errors += found
        if scenario is not None:
            if agreement is not None:
                errors += check_scenario(scenario, agreement, prefix + chain[0].name)
            scenarios.append(scenario)
    if errors or agreement is None:
        raise InvalidInputError(errors)
    return agreement, scenarios


def version_records(version: Version) -> tuple[Agreement, list[Scenario]]:
    """The agreement and scenarios a recorded version ran, rebuilt from its stored texts."""
    return records_from_files(version.inputs, prefix=f"@{version.info.id}/")


def prepare_version(agreement_path: str, scenario_paths: Sequence[str], *, label: str, kind: str,
                    recorded_by: str) -> NewVersion:
    """Read, check and run an agreement under its scenarios; the version to record, figures and all.

    The kind is checked against the scenarios' actuals (:mod:`.kinds`): a
    kind that does not fit is refused, located; a plan with actuals is
    recorded with a warning.

    The files are first loaded as every command loads them (so problems are
    located in the files as named), then read once more as bytes: the run
    that gives the figures is built from exactly the recorded texts.
    """
    load_inputs(agreement_path, scenario_paths)
    files = read_run_files(agreement_path, scenario_paths)
    agreement, scenarios = records_from_files(files)
    problems, warnings = kind_findings(kind, scenarios)
    if problems:
        raise InvalidInputError(problems)
    scenario = combine_scenarios(scenarios)
    result = run(agreement, scenario)
    return NewVersion(label=label, kind=kind, recorded_by=recorded_by, agreement_id=agreement.id,
                      agreement_title=agreement.title, scenario_name=result.scenario_name, inputs=files,
                      figures=run_figures(result, agreement), warnings=tuple(warnings))
