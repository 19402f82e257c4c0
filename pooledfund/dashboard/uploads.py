"""Agreements and scenarios from bytes in memory (uploads), with the CLI's located messages.

The dashboard never writes an upload to disk: the bytes are checked for size
and encoding, parsed by :func:`pooledfund.io.yamlio.parse_yaml_text` and
validated by the same functions the command line uses
(:func:`pooledfund.io.loader.agreement_from_data`, the scenario model and its
``extends`` merge), so a mistake reads exactly as ``pooledfund validate``
would print it, with the uploaded file's name in place of a path.

Everything is keyed by a content hash, so an unchanged file is never read twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pooledfund.core.errors import InputError, Source
from pooledfund.io.loader import agreement_from_data
from pooledfund.io.scenario_files import scenario_from_text
from pooledfund.io.yamlio import MAX_YAML_BYTES, parse_yaml_text
from pooledfund.model.agreement import Agreement
from pooledfund.model.scenario import Scenario

if TYPE_CHECKING:
    from pooledfund.uncertainty.spec import UncertaintySpec

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class InputFile:
    """A file the user chose or uploaded: its name (as shown in messages) and its bytes."""

    name: str
    data: bytes

    @property
    def digest(self) -> str:
        """The SHA-256 of the name and bytes: the cache key of everything built from it."""
        return content_hash(self.name.encode("utf-8"), self.data)

    @property
    def is_workbook(self) -> bool:
        """Whether the file is an Excel workbook (by its name, or a zip signature)."""
        return self.name.lower().endswith(WORKBOOK_SUFFIXES) or self.data[:4] == b"PK\x03\x04"


def content_hash(*parts: bytes | str) -> str:
    """A SHA-256 hex digest of the parts, each length-prefixed so that no two splits collide."""
    digest = hashlib.sha256()
    for part in parts:
        raw = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return digest.hexdigest()


def bundled_files(folder: Path, prefix: str) -> dict[str, Path]:
    """The YAML files in a bundled folder, named as the CLI would name them (``examples/x.yaml``)."""
    if not folder.is_dir():
        return {}
    return {f"{prefix}/{p.name}": p for p in sorted(folder.iterdir()) if p.suffix in YAML_SUFFIXES}


def read_text(file: InputFile) -> tuple[str | None, list[InputError]]:
    """The file's UTF-8 text, refusing what :func:`pooledfund.io.yamlio.read_yaml` refuses, in its words."""
    size = len(file.data)
    if size > MAX_YAML_BYTES:
        return None, [InputError(Source(file.name),
                                 f"the file is {size:,} bytes; files over {MAX_YAML_BYTES:,} bytes are refused")]
    try:
        return file.data.decode("utf-8"), []
    except UnicodeDecodeError:
        return None, [InputError(Source(file.name), "the file is not UTF-8 text; save it as UTF-8")]


def agreement_from_file(file: InputFile) -> tuple[Agreement | None, list[InputError]]:
    """An agreement from a YAML file or an Excel workbook, or every problem found."""
    if file.is_workbook:
        from pooledfund.io.excel import agreement_from_workbook_bytes

        return agreement_from_workbook_bytes(file.data, file.name)
    text, errors = read_text(file)
    if text is None:
        return None, errors
    data, lines, errors = parse_yaml_text(text, file.name)
    if errors:
        return None, errors
    return agreement_from_data(data, lines, file.name)


def scenario_from_file(file: InputFile, library: Path | None) -> tuple[Scenario | None, list[InputError]]:
    """A scenario from YAML bytes; ``extends`` may name only a bundled scenario in ``library``."""
    text, errors = read_text(file)
    if text is None:
        return None, errors
    return scenario_from_text(text, file.name, library or Path("scenarios"))


def uncertainty_from_file(file: InputFile) -> tuple[UncertaintySpec | None, list[InputError]]:
    """The ``uncertainty:`` section of a scenario file in memory: None (and no problem) when it has none.

    Read as :func:`pooledfund.io.uncertainty_files.load_uncertainty` reads a
    file on disk, so a mistake in the section reads the same.
    """
    from pooledfund.uncertainty.spec import spec_from_data  # scipy: loaded only when a section is read

    text, errors = read_text(file)
    if text is None:
        return None, errors
    data, lines, errors = parse_yaml_text(text, file.name)
    if errors or not isinstance(data, dict) or "uncertainty" not in data:
        return None, errors
    return spec_from_data(data["uncertainty"], lines, file.name)
