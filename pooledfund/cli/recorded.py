"""Recorded versions where a command takes files: ``run @3``, ``compare @1 @3``, ``export @signed-off``.

A value starting with ``@`` names a version in the versions database
(``--db``, ``POOLEDFUND_DB`` or ``pooledfund.db`` here); the version's own
input files, as recorded, are run again. SQLAlchemy is imported only when a
version is named, so commands on files start as quickly as before.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pooledfund.core.errors import InputError, InvalidInputError, Source
from pooledfund.core.money import format_gbp
from pooledfund.engine.results import RunResult
from pooledfund.engine.runner import run
from pooledfund.io.inputs import combine_scenarios, load_inputs
from pooledfund.io.store.references import database_location, is_reference, parse_reference
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario, check_scenario
from pooledfund.reports.tables import printable

if TYPE_CHECKING:  # SQLAlchemy is loaded only by a command that opens the database
    from pooledfund.io.store.records import Version
    from pooledfund.io.store.store import VersionStore


def open_store(db: str | None, *, create: bool = False) -> VersionStore:
    """The versions database named by ``--db`` (or its default), upgraded to this pooledfund's schema."""
    from pooledfund.io.store.store import VersionStore

    return VersionStore.open(database_location(db), create=create)


def version_number(store: VersionStore, text: str) -> int:
    """The number of the version ``text`` names (``3``, ``@3``, ``@latest``, ``@signed-off``, ``@plan``)."""
    value = text if is_reference(text) else f"@{text}"
    try:
        reference = parse_reference(value)
    except ValueError as exc:
        raise InvalidInputError([InputError(Source(text), str(exc))]) from None
    return store.resolve(replace(reference, text=text))


def database_file(db: str | None) -> tuple[Path, ...]:
    """The SQLite file of the versions database, as an input no output may replace (none for a server)."""
    path = database_location(db).path
    return (path,) if path is not None else ()


@dataclass(frozen=True)
class LoadedRun:
    """What a command runs: an agreement and its scenarios, and the version they came from, if any.

    Attributes:
        agreement: the agreement.
        scenarios: the scenarios, in the order they apply (the version's, then any files given after).
        version: the recorded version named instead of a file, or None.
        extra_files: scenario files given on top of the version's own.
    """

    agreement: Agreement
    scenarios: list[Scenario]
    version: Version | None = None
    extra_files: tuple[str, ...] = ()

    def sources(self) -> dict[str, bytes]:
        """The input files by name with their bytes (for the pack's list of sources and their SHA-256)."""
        if self.version is None:
            return {}
        prefix = f"@{self.version.info.id}/"
        found = {prefix + item.name: item.text.encode("utf-8") for item in self.version.inputs}
        found.update({path: Path(path).read_bytes() for path in self.extra_files})
        return found


def load_version(store: VersionStore, text: str) -> Version:
    """A recorded version, whole, named as on the command line."""
    return store.get(version_number(store, text))


def load_run(agreement_arg: str, scenario_paths: Sequence[str], db: str | None) -> LoadedRun:
    """The agreement and scenarios of a file (as every command loads them) or of a recorded version.

    For a version, any scenario files given apply after the version's own
    scenarios, each checked against the version's agreement.
    """
    if not is_reference(agreement_arg):
        agreement, scenarios = load_inputs(agreement_arg, scenario_paths)
        return LoadedRun(agreement, scenarios)
    from pooledfund.io.scenario_files import load_scenario
    from pooledfund.io.store.sources import version_records

    references = [path for path in scenario_paths if is_reference(path)]
    if references:
        raise InvalidInputError([InputError(Source(references[0]), "a recorded version is not a scenario: give "
                                                                   "scenario files after a version")])
    with open_store(db) as store:
        version = load_version(store, agreement_arg)
    agreement, scenarios = version_records(version)
    errors: list[InputError] = []
    for path in scenario_paths:
        scenario, found = load_scenario(path)
        errors += found
        if scenario is not None:
            errors += check_scenario(scenario, agreement, path)
            scenarios.append(scenario)
    if errors:
        raise InvalidInputError(errors)
    return LoadedRun(agreement, scenarios, version, tuple(scenario_paths))


def note_if_figures_moved(loaded: LoadedRun, result: RunResult) -> None:
    """Say on standard error if running a version again does not give the figures it recorded.

    The same files give the same figures unless pooledfund itself changed
    how it works them out; a signed-off figure must never differ silently.
    """
    version = loaded.version
    if version is None or loaded.extra_files:
        return
    from pooledfund.io.store.figures import run_figures

    fresh = {f.key: f.pence for f in run_figures(result, loaded.agreement)}
    recorded = {f.key: f.pence for f in version.figures}
    moved = sorted(key for key in recorded.keys() | fresh.keys() if recorded.get(key) != fresh.get(key))
    if not moved:
        return
    first = moved[0]
    year, level, _, item, measure = first
    then, now = (format_gbp(figures[first]) if first in figures else "none" for figures in (recorded, fresh))
    print(printable(
        f"pooledfund: note: {len(moved)} of version {version.info.id}'s figures "
        f"{'differs' if len(moved) == 1 else 'differ'} from those recorded by "
        f"pooledfund {version.info.tool_version} (e.g. {year} {level} {item} {measure}: recorded {then}, now {now}); "
        f"'pooledfund show @{version.info.id}' prints the recorded figures", keep_newlines=False), file=sys.stderr)


def compare_versions(texts: Sequence[str], db: str | None) -> list[RunResult]:
    """Each named version run again from its own files, labelled by its number and label, for ``compare``.

    The versions must be of one agreement with the same partners, years and
    arrangements, so each figure has its counterpart; otherwise the refusal
    says so and points to ``diff``, which compares anything.
    """
    from pooledfund.io.store.sources import version_records

    files = [text for text in texts if not is_reference(text)]
    if files:
        raise InvalidInputError([InputError(Source(files[0]), "compare takes versions or files, not both: give "
                                                              "only versions (@1 @3), or an agreement and its "
                                                              "scenario files")])
    with open_store(db) as store:
        versions = [load_version(store, text) for text in texts]
    results: list[RunResult] = []
    for text, version in zip(texts, versions, strict=True):
        agreement, scenarios = version_records(version)
        result = run(agreement, combine_scenarios(scenarios))
        note_if_figures_moved(LoadedRun(agreement, scenarios, version), result)
        results.append(replace(result, scenario_name=f"@{version.info.id} {version.info.label}"))
        base = results[0]
        shape = (result.agreement_id, result.partners, result.years,
                 [(a.year, a.arrangement_id) for a in result.arrangement_years])
        if shape != (base.agreement_id, base.partners, base.years,
                     [(a.year, a.arrangement_id) for a in base.arrangement_years]):
            raise InvalidInputError([InputError(Source(text), (
                f"version {version.info.id} ({version.info.agreement_id}) does not have the same agreement, "
                f"partners, years and arrangements as version {versions[0].info.id} "
                f"({versions[0].info.agreement_id}), so its figures cannot be set side by side; "
                f"'pooledfund diff @{versions[0].info.id} @{version.info.id}' shows every change"))])
    return results
