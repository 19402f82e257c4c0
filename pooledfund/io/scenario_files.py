"""Reading scenario files: the ``extends`` chain, validation file by file, and merging.

A scenario may ``extends:`` another file; its values then override the
parent's, and its lists (demand changes, contribution changes, shocks,
actuals) are added to the parent's. Each file of the chain is validated on
its own, so a mistake is reported in the file where it was written; the
validated records are then merged, keeping where each came from. The records
themselves are in :mod:`pooledfund.model.scenario`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pooledfund.core.errors import InputError, InvalidInputError, Source
from pooledfund.core.locations import LineMap, key_line, line_for
from pooledfund.io.yamlio import parse_yaml_text, read_yaml
from pooledfund.model.records import set_source, source_of
from pooledfund.model.scenario import Scenario
from pooledfund.model.validation import validate_document

#: How many files a scenario may build on through ``extends`` (each extending the next).
MAX_EXTENDS = 20
_LIST_FIELDS = {"demand", "contribution_changes", "shocks", "actuals"}


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child values override the parent's; lists are appended; mappings merge."""
    merged = dict(parent)
    for key, value in child.items():
        if key in _LIST_FIELDS and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class _ScenarioFile:
    """One file of an ``extends`` chain: its name, its ``scenario:`` body and its line map."""

    name: str
    body: dict[str, Any]
    lines: LineMap


def _read_chain(
    path: Path, name: str, seen: tuple[Path, ...], depth: int = 0
) -> tuple[list[_ScenarioFile], list[InputError]]:
    """The files of a scenario file's ``extends`` chain, oldest ancestor first.

    ``depth`` is how many ``extends`` steps led to this file.
    """
    data, lines, errors = read_yaml(path, name)
    if errors:
        return [], errors
    return _chain_from_data(data, lines, name, path.parent, seen, depth=depth)


def _chain_from_data(
    data: Any,
    lines: LineMap,
    name: str,
    folder: Path,
    seen: tuple[Path, ...],
    *,
    bundled_only: bool = False,
    depth: int = 0,
) -> tuple[list[_ScenarioFile], list[InputError]]:
    """The chain ending in already-parsed ``data``; parents are looked up in ``folder``.

    ``bundled_only`` (an upload, which has no folder of its own) allows only a
    plain file name of a scenario in ``folder``. ``depth`` is how many
    ``extends`` steps led to this file; a chain longer than
    :data:`MAX_EXTENDS` is refused where the step that is one too many is written.
    """
    if not isinstance(data, dict) or not isinstance(data.get("scenario"), dict):
        return [], [InputError(Source(name, 1), "a scenario file starts with a 'scenario:' section")]
    # `uncertainty:` (distributions for a Monte Carlo run) is read by pooledfund.uncertainty.
    extra = [k for k in data if k not in ("scenario", "uncertainty")]
    if extra:
        return [], [
            InputError(
                Source(name, key_line(lines, (k,)), str(k)),
                "is not a section of a scenario file (only 'scenario' and 'uncertainty')",
            )
            for k in extra
        ]
    here = _ScenarioFile(name, data["scenario"], lines)
    parent_name = here.body.get("extends")
    if parent_name is None:
        return [here], []
    extends_at = Source(name, lines.get(("scenario", "extends")), "scenario.extends")
    if depth >= MAX_EXTENDS:
        return [], [InputError(extends_at, f"the chain of scenarios extending one another is more than {MAX_EXTENDS} "
                                           f"files long here and is refused; a scenario may build on at most "
                                           f"{MAX_EXTENDS} others: combine some of them into one file")]
    parent_path = (folder / str(parent_name)).resolve()
    if bundled_only:
        bundled = sorted(p.name for p in folder.glob("*.yaml")) if folder.is_dir() else []
        if str(parent_name) not in bundled:
            return [], [InputError(extends_at, f"the scenario {parent_name} it extends is not one of the bundled "
                                               f"scenarios ({', '.join(bundled) or 'none'}); an uploaded scenario "
                                               "can only extend those")]
    if parent_path in seen:
        return [], [InputError(extends_at, f"{parent_name} extends this file again (a loop)")]
    if not parent_path.is_file():
        return [], [InputError(extends_at, f"the scenario {parent_name} it extends was not found next to this file")]
    parent_display = f"{folder.name}/{parent_name}" if bundled_only else str(Path(name).parent / str(parent_name))
    chain, parent_errors = _read_chain(parent_path, parent_display, (*seen, parent_path), depth + 1)
    if parent_errors:
        return [], parent_errors
    return [*chain, here], []


def _validate_chain(chain: list[_ScenarioFile]) -> tuple[Scenario | None, list[InputError]]:
    """Validate each file of a chain on its own, then merge them (see :func:`load_scenario`)."""
    errors: list[InputError] = []
    records: list[tuple[_ScenarioFile, Scenario]] = []
    for part in chain:
        record, found = validate_document(
            Scenario, part.body, part.lines, part.name, root=("scenario",), docs="docs/scenario-format.md"
        )
        errors += found
        if record is not None:
            records.append((part, record))
    if errors:
        return None, errors
    return _merge_records(records), []


def scenario_from_text(text: str, name: str, bundled: Path) -> tuple[Scenario | None, list[InputError]]:
    """A scenario from YAML text held in memory (an upload), named ``name`` in messages.

    It has no folder of its own, so ``extends:`` may name only a scenario in
    the ``bundled`` folder.
    """
    data, lines, errors = parse_yaml_text(text, name)
    if errors:
        return None, errors
    chain, errors = _chain_from_data(data, lines, name, bundled, (), bundled_only=True)
    if errors:
        return None, errors
    return _validate_chain(chain)


def scenario_from_chain(files: list[tuple[str, str]]) -> tuple[Scenario | None, list[InputError]]:
    """A scenario from the texts of its ``extends`` chain held in memory (a recorded version).

    ``files`` is the chain as :func:`chain_paths` lists it, each as its name
    and text: the scenario itself first, then the file it extends, and so on.
    Each file must extend the next one and the last none, as when it was read
    from disk; the chain is then validated and merged as :func:`load_scenario` does.
    """
    chain: list[_ScenarioFile] = []
    for index, (name, text) in enumerate(files):
        data, lines, errors = parse_yaml_text(text.replace("\r\n", "\n").replace("\r", "\n"), name)
        if errors:
            return None, errors
        if not isinstance(data, dict) or not isinstance(data.get("scenario"), dict):
            return None, [InputError(Source(name, 1), "a scenario file starts with a 'scenario:' section")]
        extends = data["scenario"].get("extends")
        last = index == len(files) - 1
        if (extends is None) != last:
            where = Source(name, lines.get(("scenario", "extends"), 1), "scenario.extends")
            message = (f"this file extends {extends}, but the record holds no file after it" if last else
                       f"the record holds {files[index + 1][0]} as the file this one extends, but it extends none")
            return None, [InputError(where, f"the recorded chain of scenario files is broken: {message}")]
        chain.insert(0, _ScenarioFile(name, data["scenario"], lines))
    if not chain:
        return None, [InputError(Source("scenario"), "no scenario file was given")]
    return _validate_chain(chain)


def load_scenario(path: str | Path, display_name: str | None = None) -> tuple[Scenario | None, list[InputError]]:
    """Read a scenario file (following ``extends``); return it or every problem.

    Each file of the chain is validated on its own, so a mistake is reported
    in the file (and with the list numbering) where it was written; the
    validated records are then merged, keeping where each came from.
    ``display_name`` is the name used in messages (defaults to the path as given).
    """
    file_path = Path(path)
    chain, errors = _read_chain(file_path, display_name or str(path), (file_path.resolve(),))
    if errors:
        return None, errors
    return _validate_chain(chain)


def _merge_records(records: list[tuple[_ScenarioFile, Scenario]]) -> Scenario:
    """Merge validated files, oldest first: lists append, mappings merge, later values win.

    Records inside lists keep their own file and line; each year of a
    mapping of rates remembers the file and line it was set in.
    """
    fields: dict[str, Any] = {}
    origins: dict[tuple[str, ...], Source] = {}
    for part, record in records:
        given = record.model_fields_set
        for name in type(record).model_fields:
            if name not in given:
                continue
            value = getattr(record, name)
            if name in _LIST_FIELDS:
                fields[name] = [*fields.get(name, []), *value]
            elif isinstance(value, dict):
                fields[name] = _merge(fields.get(name, {}), value)
            elif name not in {"name", "description"} or record is records[-1][1]:
                fields[name] = value
        for name in ("inflation", "demography"):
            for key, by_year in getattr(record, name).items():
                heading = key_line(part.lines, ("scenario", name, key))
                origins[(name, key)] = Source(part.name, heading, f"scenario.{name}.{key}")
                for year in by_year:
                    line = line_for(part.lines, ("scenario", name, key, year))
                    origins[(name, key, year)] = Source(part.name, line, f"scenario.{name}.{key}.{year}")
        for year in record.efficiency:
            line = line_for(part.lines, ("scenario", "efficiency", year))
            origins[("efficiency", year)] = Source(part.name, line, f"scenario.efficiency.{year}")
    fields.pop("extends", None)
    merged = Scenario(**fields)
    last_part, last = records[-1]
    set_source(merged, source_of(last) or Source(last_part.name))
    merged._origins = origins
    return merged


def require_scenario(path: str | Path) -> Scenario:
    """Load a scenario or raise :class:`InvalidInputError` listing every problem."""
    scenario, errors = load_scenario(path)
    if scenario is None:
        raise InvalidInputError(errors)
    return scenario


def chain_paths(path: str | Path) -> list[Path]:
    """Every file a scenario file reads through its ``extends`` chain, itself first, then each parent.

    Used to protect inputs: none of these may be an output of the run. A
    file that cannot be read, a missing parent or a loop ends the list there
    (loading the scenario reports those problems).
    """
    paths = [Path(path)]
    seen = {Path(path).resolve()}
    while True:
        data, _, errors = read_yaml(paths[-1])
        body = data.get("scenario") if isinstance(data, dict) else None
        parent = body.get("extends") if isinstance(body, dict) else None
        if errors or parent is None:
            return paths
        parent_path = (paths[-1].parent / str(parent)).resolve()
        if parent_path in seen or not parent_path.is_file():
            return paths
        seen.add(parent_path)
        paths.append(parent_path)
