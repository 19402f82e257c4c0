"""Golden files of what a finance lead reads, through the real command line.

Every bundled example's ``explain`` for every year, ``run`` tables, ``compare``,
the ``run --json`` contract and the error listing of a deliberately broken
agreement are compared with files in ``tests/__snapshots__/``. Any change in a
word or a penny fails here with a diff; once intended, accept it with
``python -m pytest --snapshot-update`` and review ``git diff tests/__snapshots__``
(see docs/testing.md). The second half tests the snapshot helpers themselves.

The command line runs from the repository root with relative paths, as a user
types them, so the goldens name ``examples/bcf_northmoor.yaml``, not a folder
of this machine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from snapshot import SNAPSHOT_DIR, UPDATE_OPTION, Snapshot, compare_golden, mask, render, safe_name

from pooledfund.cli.app import main
from pooledfund.core.version import __version__
from pooledfund.io.loader import load_agreement

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "examples").glob("*.yaml"))
BCF = "examples/bcf_northmoor.yaml"

#: One scenario per example for ``explain``, chosen to exercise its risk share.
EXPLAIN_SCENARIOS = {
    "examples/bcf_northmoor.yaml": "scenarios/demand_shock.yaml",
    "examples/bcf_two_tier_2025_26.yaml": "scenarios/council_cut.yaml",
    "examples/ld_pooled_budget.yaml": "scenarios/high_inflation.yaml",
    "examples/residential_lead_commissioning.yaml": "scenarios/council_cut.yaml",
}


def _years(example: str) -> list[str]:
    agreement, errors = load_agreement(ROOT / example)
    assert agreement is not None, errors
    return list(agreement.years)


EXAMPLE_YEARS = [pytest.param(e, y, id=f"{Path(e).stem}-{y}") for e in EXAMPLES for y in _years(e)]
EXAMPLE_IDS = [Path(e).stem for e in EXAMPLES]


@dataclass(frozen=True)
class Outcome:
    """What the command line gave back: exit code and both streams."""

    code: int
    out: str
    err: str

    def listing(self) -> str:
        """All three as one text, for goldens where the exit code and errors matter."""
        return f"exit code: {self.code}\n--- stdout ---\n{self.out}--- stderr ---\n{self.err}"


Cli = Callable[..., Outcome]
"""``cli("run", "examples/x.yaml")`` runs ``pooledfund run examples/x.yaml``."""


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``pooledfund ARGS`` in-process from the repository root, as tests/test_cli.py does."""
    monkeypatch.chdir(ROOT)

    def _run(*args: str) -> Outcome:
        capsys.readouterr()  # drop anything printed before
        code = main(list(args))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return _run


def _ok(outcome: Outcome) -> str:
    assert outcome.code == 0, outcome.err
    assert outcome.err == ""
    return outcome.out


# --- explain -----------------------------------------------------------------------------------------


def test_every_example_has_a_golden_scenario() -> None:
    assert sorted(EXPLAIN_SCENARIOS) == EXAMPLES


@pytest.mark.parametrize(("example", "year"), EXAMPLE_YEARS)
def test_explain_base(example: str, year: str, cli: Cli, snapshot: Snapshot) -> None:
    snapshot(_ok(cli("explain", example, "--year", year)))


@pytest.mark.parametrize(("example", "year"), EXAMPLE_YEARS)
def test_explain_scenario(example: str, year: str, cli: Cli, snapshot: Snapshot) -> None:
    snapshot(_ok(cli("explain", example, "--scenario", EXPLAIN_SCENARIOS[example], "--year", year)))


# --- run, compare, JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_run_table(example: str, cli: Cli, snapshot: Snapshot) -> None:
    snapshot(_ok(cli("run", example)))


def test_run_table_bcf_demand_shock(cli: Cli, snapshot: Snapshot) -> None:
    snapshot(_ok(cli("run", BCF, "--scenario", "scenarios/demand_shock.yaml")))


def test_compare_bcf(cli: Cli, snapshot: Snapshot) -> None:
    scenarios = [f"scenarios/{name}.yaml" for name in ("base", "council_cut", "high_inflation")]
    snapshot(_ok(cli("compare", BCF, *scenarios)))


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_run_json_contract(example: str, cli: Cli, tmp_path: Path, snapshot: Snapshot) -> None:
    out = tmp_path / "result.json"
    printed = _ok(cli("run", example, "--json", str(out)))
    assert mask(printed.splitlines()[-1], temp_roots=(tmp_path.parent,)) == "JSON written to <tmp>/result.json"
    snapshot(json.loads(out.read_text(encoding="utf-8")))


# --- errors ------------------------------------------------------------------------------------------


def test_validate_broken_agreement(cli: Cli, snapshot: Snapshot) -> None:
    outcome = cli("validate", "tests/data/errors.yaml")
    assert outcome.code == 1
    snapshot(outcome.listing())


# --- the snapshot helpers themselves -----------------------------------------------------------------


def _snapshot(folder: Path, update: bool = False) -> Snapshot:
    return Snapshot(folder=folder, base_name="test_x-case_1", update=update, claimed={}, owner="test_x[case 1]")


def test_missing_golden_fails_and_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"missing: run `python -m pytest --snapshot-update`"):
        _snapshot(tmp_path)("hello\n")
    assert list(tmp_path.iterdir()) == []  # never created silently


def test_changed_text_fails_with_a_unified_diff(tmp_path: Path) -> None:
    (tmp_path / "test_x-case_1.txt").write_text("Net cost £10.00\nCheck: agrees\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception) as failure:
        _snapshot(tmp_path)("Net cost £10.01\nCheck: agrees\n")
    message = str(failure.value)
    assert "--snapshot-update" in message
    assert "@@" in message
    assert "\n-Net cost £10.00\n" in message
    assert "\n+Net cost £10.01\n" in message
    assert " Check: agrees" in message
    assert (tmp_path / "test_x-case_1.txt").read_text(encoding="utf-8") == "Net cost £10.00\nCheck: agrees\n"


def test_update_writes_then_the_same_output_passes(tmp_path: Path) -> None:
    _snapshot(tmp_path, update=True)("first\n")
    assert (tmp_path / "test_x-case_1.txt").read_text(encoding="utf-8") == "first\n"
    _snapshot(tmp_path)("first\n")
    _snapshot(tmp_path, update=True)("second")  # a changed output is rewritten, and passes
    assert (tmp_path / "test_x-case_1.txt").read_text(encoding="utf-8") == "second\n"
    with pytest.raises(pytest.fail.Exception):
        _snapshot(tmp_path)("first\n")


def test_json_is_written_with_sorted_keys_and_indent_2(tmp_path: Path) -> None:
    _snapshot(tmp_path, update=True)({"b": 1, "a": {"d": [1.5, "£"], "c": None}})
    text = (tmp_path / "test_x-case_1.json").read_text(encoding="utf-8")
    assert text == '{\n  "a": {\n    "c": null,\n    "d": [\n      1.5,\n      "£"\n    ]\n  },\n  "b": 1\n}\n'
    assert render("no newline") == ("no newline\n", ".txt")


def test_several_snapshots_in_one_test_need_names(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path, update=True)
    snap("one")
    snap("two", name="second table")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test_x-case_1-second_table.txt", "test_x-case_1.txt"]
    with pytest.raises(pytest.fail.Exception, match="name="):
        snap("three")


def test_two_tests_cannot_share_a_golden(tmp_path: Path) -> None:
    claimed: dict[Path, str] = {}
    Snapshot(folder=tmp_path, base_name="same", update=True, claimed=claimed, owner="test_a[x/y]")("a")
    with pytest.raises(pytest.fail.Exception, match="also the golden of test_a"):
        Snapshot(folder=tmp_path, base_name="same", update=True, claimed=claimed, owner="test_a[x y]")("b")


def test_safe_name_keeps_the_parametrisation_id() -> None:
    assert safe_name("test_explain_base[bcf_northmoor-2025-26]") == "test_explain_base-bcf_northmoor-2025-26"
    assert safe_name("test_a[x/y: z]") == "test_a-x_y_z"
    assert safe_name("test_b[..]") == "test_b-"


def test_mask_hides_what_varies_and_keeps_figures(tmp_path: Path) -> None:
    today = date(2026, 3, 31)
    digest = "ab" * 32
    text = (
        f"written to {tmp_path}/out.json and {ROOT}/examples/a.yaml by pooledfund {__version__} "
        f"on 2026-03-31 (31/03/2026, 31 March 2026); sha256 {digest}; "
        "2025-26 net cost £1,234.56, 2026-03-30"
    )
    assert mask(text, temp_roots=(tmp_path.parent,), today=today) == (
        "written to <tmp>/out.json and <repo>/examples/a.yaml by pooledfund <version> "
        "on <today> (<today>, <today>); sha256 <sha256>; "
        "2025-26 net cost £1,234.56, 2026-03-30"
    )


def test_compare_golden_masks_nothing_itself(tmp_path: Path) -> None:
    golden = tmp_path / "g.txt"
    compare_golden("as is\n", golden, update=True)
    compare_golden("as is\n", golden, update=False)
    with pytest.raises(pytest.fail.Exception, match="differs"):
        compare_golden("as was\n", golden, update=False)


def test_fixture_follows_the_option(snapshot: Snapshot, request: pytest.FixtureRequest) -> None:
    assert snapshot.update is bool(request.config.getoption(UPDATE_OPTION))
    assert snapshot.folder == SNAPSHOT_DIR / "test_goldens"
    assert snapshot.base_name == "test_fixture_follows_the_option"
