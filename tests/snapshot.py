"""Golden files ("snapshots") for what a finance lead reads: explain, run, compare, JSON, errors.

A test asks the ``snapshot`` fixture (see ``conftest.py``) to compare a text or a
JSON-able value with a file in ``tests/__snapshots__/<test module>/`` named after
the test and its parametrisation id (``test_explain_base-bcf_northmoor-2025-26.txt``).
Any change in the words or figures then shows up twice: as a failing test with a
unified diff, and, once accepted with ``python -m pytest --snapshot-update``, as a
reviewable ``git diff tests/__snapshots__``.

Rules:

* Without ``--snapshot-update`` a missing golden fails (it is never created silently,
  so CI cannot pass on a file nobody reviewed) and a difference fails with a diff.
* With ``--snapshot-update`` the golden is (re)written and the test passes.
* JSON is written with sorted keys and an indent of 2, so a diff shows one value a line.
* Values that change from run to run or machine to machine are masked first by
  :func:`mask`: temporary paths, the checkout folder, the package version, today's
  date and SHA-256 hashes.
"""

from __future__ import annotations

import difflib
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from pooledfund.core.version import __version__

#: Where the goldens live (committed to git).
SNAPSHOT_DIR = Path(__file__).resolve().parent / "__snapshots__"

#: The checkout folder; masked so goldens do not depend on where the repository sits.
REPO_ROOT = Path(__file__).resolve().parent.parent

UPDATE_OPTION = "--snapshot-update"
UPDATE_HINT = f"run `python -m pytest {UPDATE_OPTION}` and review `git diff tests/__snapshots__`"

JsonValue = dict[str, "JsonValue"] | list["JsonValue"] | str | int | float | bool | None

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SHA256 = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")
#: One path segment after a separator (what follows a temporary root: the test's own folder).
_SEGMENT = r"(?:[/\\][^/\\\s'\"`:,;()\[\]{}<>]+)"


def safe_name(name: str) -> str:
    """A test's name with its parametrisation id as a file name that works on any system.

    ``test_explain[bcf_northmoor-2025-26]`` becomes ``test_explain-bcf_northmoor-2025-26``;
    any run of characters other than letters, digits, ``.``, ``_`` and ``-`` becomes ``_``.
    """
    if name.endswith("]") and "[" in name:
        stem, _, param = name[:-1].partition("[")
        name = f"{stem}-{param}"
    return _UNSAFE.sub("_", name).strip("_.") or "snapshot"


def _folder_variants(folder: Path | str) -> list[str]:
    """The folder as written and as resolved (macOS puts temp folders behind a symlink)."""
    text = str(folder).rstrip("/\\")
    return sorted({v for v in (text, str(Path(text).resolve())) if len(v) > 1}, key=len, reverse=True)


def _folder_masks(temp_roots: tuple[Path | str, ...]) -> list[tuple[re.Pattern[str], str]]:
    """Pattern and marker per volatile folder, longest first so a nested folder wins.

    A temporary root swallows the next path segment too (the test's own folder,
    whose name varies); the checkout folder is replaced alone.
    """
    found: dict[str, bool] = {}
    for root in (*temp_roots, tempfile.gettempdir()):
        found.update(dict.fromkeys(_folder_variants(root), True))
    for variant in _folder_variants(REPO_ROOT):
        found.setdefault(variant, False)
    masks = []
    for variant in sorted(found, key=len, reverse=True):
        tail = _SEGMENT + "?" if found[variant] else ""
        pattern = re.compile(r"(?<![\w.])" + re.escape(variant) + tail + r"(?![\w.-])")
        masks.append((pattern, "<tmp>" if found[variant] else "<repo>"))
    return masks


def mask(text: str, *, temp_roots: tuple[Path | str, ...] = (), today: date | None = None) -> str:
    """Replace what changes between runs or machines by a fixed marker, before comparing.

    * A path under one of ``temp_roots`` (e.g. pytest's per-session base temp folder)
      or under the system temporary folder: the root and the next folder (the test's
      own temporary folder) become ``<tmp>``, so
      ``/tmp/pytest-of-x/pytest-7/test_run0/out.json`` reads ``<tmp>/out.json``.
    * The checkout folder becomes ``<repo>``.
    * The package version (``pooledfund.core.version.__version__``) becomes ``<version>``.
    * Today's date (``2025-11-29``, ``29/11/2025``, ``29 November 2025``) becomes ``<today>``.
    * A SHA-256 hash (64 hexadecimal digits) becomes ``<sha256>``.

    Financial years such as ``2025-26`` and money such as ``£1,234.00`` are never touched.
    A golden that legitimately showed today's date would read ``<today>`` only on that
    day, which is why goldens are built from fixed inputs.
    """
    for pattern, marker in _folder_masks(temp_roots):
        text = pattern.sub(marker, text)
    text = re.sub(r"(?<![\w.])" + re.escape(__version__) + r"(?!\w|\.\d)", "<version>", text)
    day = today or date.today()
    for form in (day.isoformat(), day.strftime("%d/%m/%Y"), f"{day.day} {day:%B %Y}", day.strftime("%d %B %Y")):
        text = re.sub(r"(?<!\d)" + re.escape(form) + r"(?!\d)", "<today>", text)
    return _SHA256.sub("<sha256>", text)


def render(value: str | JsonValue) -> tuple[str, str]:
    """The text to store for ``value`` and the golden's file suffix.

    A string is stored as it is (ending in one newline); anything else is JSON with
    sorted keys and an indent of 2, so a changed figure is one changed line.
    """
    if isinstance(value, str):
        return value.rstrip("\n") + "\n", ".txt"
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n", ".json"


def compare_golden(actual: str, golden: Path, *, update: bool, shown_as: str | None = None) -> None:
    """Check ``actual`` against the golden file, or (re)write it when ``update`` is set.

    Fails the test (``pytest.fail``) when the golden is missing or differs; the
    message says how to accept the new output and, for a difference, shows a
    unified diff from the golden to the actual output.
    """
    label = shown_as or str(golden)
    if update:
        if not golden.is_file() or golden.read_text(encoding="utf-8") != actual:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_text(actual, encoding="utf-8", newline="\n")
        return
    if not golden.is_file():
        pytest.fail(f"golden file {label} is missing: {UPDATE_HINT}, then commit it.", pytrace=False)
    expected = golden.read_text(encoding="utf-8")
    if expected == actual:
        return
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True), fromfile=label, tofile="actual"
        )
    )
    pytest.fail(f"output differs from golden file {label}.\nIf the change is intended, {UPDATE_HINT}.\n\n{diff}",
                pytrace=False)


@dataclass
class Snapshot:
    """The ``snapshot`` fixture: compare a test's output with its golden file(s).

    Attributes:
        folder: where this test module's goldens live.
        base_name: the test's name with its parametrisation id, file-system safe.
        update: whether ``--snapshot-update`` was given (write instead of compare).
        temp_roots: temporary folders to mask (see :func:`mask`).
        claimed: golden paths already used in this session, to catch two tests
            whose names become the same file name.
    """

    folder: Path
    base_name: str
    update: bool = False
    temp_roots: tuple[Path | str, ...] = ()
    claimed: dict[Path, str] = field(default_factory=dict)
    owner: str = ""
    _unnamed_used: bool = field(default=False, init=False)

    def path_for(self, name: str | None, suffix: str) -> Path:
        """The golden file for this test (and ``name``, when a test takes several snapshots)."""
        stem = self.base_name if name is None else f"{self.base_name}-{safe_name(name)}"
        return self.folder / (stem + suffix)

    def __call__(self, value: str | JsonValue, name: str | None = None) -> None:
        """Compare ``value`` (text, or anything JSON can write) with this test's golden file."""
        if name is None:
            if self._unnamed_used:
                pytest.fail("this test takes several snapshots: give each one a name=", pytrace=False)
            self._unnamed_used = True
        text, suffix = render(value)
        golden = self.path_for(name, suffix)
        first_owner = self.claimed.setdefault(golden, self.owner)
        if first_owner != self.owner:
            pytest.fail(f"{golden.name} is also the golden of {first_owner}; rename one test or its id", pytrace=False)
        shown_as = golden.relative_to(REPO_ROOT).as_posix() if golden.is_relative_to(REPO_ROOT) else None
        compare_golden(mask(text, temp_roots=self.temp_roots), golden, update=self.update, shown_as=shown_as)
