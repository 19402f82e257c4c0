"""Reading a ledger map file: safe YAML, validated into a :class:`~pooledfund.model.ledger_map.LedgerMap`.

The file has one section, ``ledger_map:`` (docs/monitoring.md describes
every field). Every problem is located at its line; the agreement the map
names is read relative to the map's own folder and the map is checked
against it (every scheme named must be one of its schemes).
"""

from __future__ import annotations

from pathlib import Path

from pooledfund.core.errors import InputError, Source
from pooledfund.core.locations import key_line
from pooledfund.io.loader import load_agreement
from pooledfund.io.yamlio import read_yaml
from pooledfund.model.agreement import Agreement
from pooledfund.model.ledger_map import LedgerMap, check_ledger_map
from pooledfund.model.validation import validate_document

DOCS = "docs/monitoring.md"


def load_ledger_map(path: str | Path, display_name: str | None = None) -> tuple[LedgerMap | None, list[InputError]]:
    """Read a map file on its own; return the map or every problem, located."""
    name = display_name or str(path)
    data, lines, errors = read_yaml(path, name)
    if errors:
        return None, errors
    if not isinstance(data, dict) or not isinstance(data.get("ledger_map"), dict):
        return None, [InputError(Source(name, 1), "a ledger map file starts with a 'ledger_map:' section "
                                                  f"(see {DOCS})")]
    extra = [key for key in data if key != "ledger_map"]
    if extra:
        return None, [InputError(Source(name, key_line(lines, (key,)), str(key)),
                                 "is not a section of a ledger map file (only 'ledger_map')") for key in extra]
    return validate_document(LedgerMap, data["ledger_map"], lines, name, root=("ledger_map",), docs=DOCS)


def agreement_path(map_path: str | Path, ledger_map: LedgerMap) -> Path:
    """The agreement file the map names, relative to the map's folder."""
    return Path(map_path).parent / ledger_map.agreement


def load_map_and_agreement(path: str | Path) -> tuple[LedgerMap | None, Agreement | None, list[InputError]]:
    """The map, the agreement it names and the map checked against it; or every problem found."""
    ledger_map, errors = load_ledger_map(path)
    if ledger_map is None:
        return None, None, errors
    agreement_file = agreement_path(path, ledger_map)
    if not agreement_file.is_file():
        where = Source(str(path), None, "ledger_map.agreement")
        return None, None, [InputError(where, f"the agreement {ledger_map.agreement} was not found (looked for "
                                              f"{agreement_file}); give its path relative to the map's folder")]
    agreement, errors = load_agreement(agreement_file)
    if agreement is None:
        return None, None, errors
    errors = check_ledger_map(ledger_map, agreement, str(path))
    if errors:
        return None, None, errors
    return ledger_map, agreement, []
