"""The package's layers hold, and the public API a notebook uses works.

The layers are declared as import-linter contracts in pyproject.toml; these
tests run ``lint-imports`` on the real package and on a copy with one
deliberate upward import, so a contract that could never fail would show.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pooledfund

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(project / "pyproject.toml"), "--no-cache"],
        cwd=project, env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=False,
    )


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "pooledfund", project / "pooledfund",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    return project


def test_the_layers_hold() -> None:
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "upward", "contract"),
    [
        ("engine/riskshare.py", "from pooledfund.io import yamlio",
         "pooledfund.engine is not allowed to import pooledfund.io"),
        ("core/money.py", "from pooledfund.model import records",
         "pooledfund.core is not allowed to import pooledfund.model"),
        ("reports/explain.py", "from pooledfund.cli import app",
         "pooledfund.reports is not allowed to import pooledfund.cli"),
        ("io/loader.py", "import streamlit", "pooledfund.io.loader -> streamlit"),
    ],
)
def test_an_upward_import_breaks_a_contract(tmp_path: Path, module: str, upward: str, contract: str) -> None:
    project = _copy_project(tmp_path)
    target = project / "pooledfund" / module
    target.write_text(target.read_text() + f"\n{upward}  # deliberate upward import\n")
    done = _lint_imports(project)
    assert done.returncode != 0
    assert contract in done.stdout, done.stdout


def test_every_public_name_resolves() -> None:
    for name in pooledfund.__all__:
        assert getattr(pooledfund, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        _ = pooledfund.not_a_name


def test_importing_the_package_loads_no_heavy_library() -> None:
    heavy = "('pandas', 'openpyxl', 'xlsxwriter', 'scipy', 'plotly', 'streamlit', 'sqlalchemy', 'psycopg')"
    code = f"import sys, pooledfund; print(' '.join(m for m in {heavy} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == ""


def test_reading_a_workbook_never_loads_the_writer() -> None:
    # XlsxWriter only writes the pack: import-xlsx and the dashboard's upload read with openpyxl alone.
    code = ("import sys; from pooledfund.io.excel import agreement_from_workbook_bytes, import_workbook; "
            "print('xlsxwriter' in sys.modules, 'openpyxl' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split() == ["False", "True"]


def test_the_notebook_example_runs(tmp_path: Path) -> None:
    import pooledfund as pf

    agreement = pf.read_agreement(ROOT / "examples/bcf_northmoor.yaml")
    scenario = pf.read_scenario(ROOT / "scenarios/demand_shock.yaml", agreement)
    result = pf.run(agreement, scenario)
    partners = pf.partner_frame(result)
    pf.export_workbook(agreement, [scenario], tmp_path / "pack.xlsx")
    assert set(partners["partner"]) == set(agreement.partner_ids)
    assert (tmp_path / "pack.xlsx").stat().st_size > 0
    # Same figures as the command line's run: the API is the same engine, not a copy.
    assert result.to_json() == pf.run(agreement, pf.read_scenario(ROOT / "scenarios/demand_shock.yaml")).to_json()


def test_the_readers_raise_one_error_listing_every_problem(tmp_path: Path) -> None:
    import pooledfund as pf

    agreement = pf.read_agreement(ROOT / "examples/bcf_northmoor.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario:\n  id: bad\n  shocks:\n    - {scheme: NOPE, month: 2025-07, amount: 1000}\n")
    with pytest.raises(pf.InvalidInputError) as caught:
        pf.read_scenario(bad, agreement)
    assert "'NOPE' is not a scheme in" in str(caught.value)
    with pytest.raises(pf.InvalidInputError, match="no 'uncertainty:' section"):
        pf.read_uncertainty(bad)
    with pytest.raises(pf.InvalidInputError, match=r"missing\.yaml: cannot read the file"):
        pf.read_agreement(tmp_path / "missing.yaml")


def test_every_module_is_on_its_folders_map() -> None:
    # Each folder's docs.md says what it holds; a module it does not name is a module nobody can find.
    missing = []
    for docs in sorted((ROOT / "pooledfund").rglob("docs.md")):
        text = docs.read_text()
        for module in sorted(docs.parent.glob("*.py")):
            if module.name == "__init__.py" or module.name in text:
                continue
            if module.name.startswith("sheet_") and "sheet_*.py" in text:
                continue
            missing.append(f"{docs.relative_to(ROOT)}: {module.name}")
    assert missing == []
    folders = {p.parent for p in (ROOT / "pooledfund").rglob("*.py") if "__pycache__" not in p.parts}
    assert sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "docs.md").exists()) == []


def test_the_command_line_loads_no_heavy_library_until_a_command_needs_it() -> None:
    # pandas (frames, CSV), openpyxl and xlsxwriter (the pack), scipy (Monte Carlo draws) and sqlalchemy and
    # psycopg (the versions database) are imported inside the commands that use them; plotly and streamlit
    # never by the command line.
    heavy = "('pandas', 'openpyxl', 'xlsxwriter', 'scipy', 'plotly', 'streamlit', 'sqlalchemy', 'psycopg')"
    code = f"import sys, pooledfund.cli; print(' '.join(m for m in {heavy} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == ""


HEAVY_LIBRARIES = ("pandas", "openpyxl", "scipy", "plotly", "streamlit", "sqlalchemy", "xlsxwriter")


@pytest.mark.parametrize("argv", [["run", "examples/bcf_northmoor.yaml"],
                                  ["run", "examples/bcf_northmoor.yaml", "--scenario", "scenarios/demand_shock.yaml"],
                                  ["compare", "examples/bcf_northmoor.yaml", "scenarios/council_cut.yaml"],
                                  ["--version"]],
                         ids=["run", "run-scenario", "compare", "version"])
def test_printing_a_run_loads_no_heavy_library(argv: list[str]) -> None:
    # The printed tables are built from plain rows: a whole `pooledfund run` (parse, load, run, print) in a
    # fresh process, whose imports Python itself lists (-X importtime), must not load any of these.
    code = f"import sys; from pooledfund.cli import main; sys.exit(main({argv!r}))"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "pooledfund" in imported  # the listing is real: the package itself is in it
    assert sorted({name.split(".")[0] for name in imported} & set(HEAVY_LIBRARIES)) == []
    if argv != ["--version"]:
        assert "pooledfund.engine.runner" in imported and "Northmoor" in done.stdout
    else:
        assert done.stdout.startswith("pooledfund ") and "pooledfund.engine.runner" not in imported


#: Modules only other commands need: a plain `run` must not import them (they cost its start-up).
OTHER_COMMANDS_MODULES = ("pooledfund.io.excel", "pooledfund.uncertainty", "pooledfund.io.ledger",
                          "pooledfund.io.store.store", "pooledfund.cli.excel", "pooledfund.cli.versions",
                          "pooledfund.cli.uncertainty", "pooledfund.cli.actuals_run", "pooledfund.reports.returns",
                          "pooledfund.engine.rollup", "pooledfund.reports.rollup")


def test_a_plain_run_imports_only_its_own_command() -> None:
    # The parser is built from pooledfund.cli.commands alone; each command's module is imported when it runs
    # (through importlib, which -X importtime does not list, so the modules are read from sys.modules after).
    code = ("import sys; from pooledfund.cli import main; code = main(['run', 'examples/bcf_northmoor.yaml']); "
            "print(' '.join(sorted(sys.modules)), file=sys.stderr); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = set(done.stderr.split())
    assert "pooledfund.cli.model_commands" in imported and "Northmoor" in done.stdout
    assert sorted(name for name in imported if name.startswith(OTHER_COMMANDS_MODULES)) == []


def test_every_command_names_a_function_that_exists() -> None:
    # A handler is a "module:function" string, so a misspelt one would only fail when that command runs.
    from pooledfund.cli.app import build_parser
    from pooledfund.cli.commands import handler_of

    parser = build_parser()
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    assert len(commands.choices) == 15  # validate run compare explain simulate sensitivity export import-xlsx actuals
    #                                     record history show diff signoff forget
    for name, command in commands.choices.items():
        handler = handler_of(argparse.Namespace(handler=command.get_default("handler")))
        assert callable(handler) and handler.__name__.startswith("cmd_"), name


def test_the_console_script_runs_main_and_leaves_a_users_plugin_setting_alone() -> None:
    # `pooledfund` (the installed script) is console(): main's output and exit code, plugins skipped unless the
    # user has said otherwise.
    code = ("import os, sys; from pooledfund.cli import console; sys.argv = ['pooledfund', 'run', "
            "'examples/bcf_northmoor.yaml']; code = console(); print(os.environ['PYDANTIC_DISABLE_PLUGINS']); "
            "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0 and "Northmoor" in done.stdout and done.stdout.rstrip().endswith("__all__")
    env = {**os.environ, "PYDANTIC_DISABLE_PLUGINS": "logfire"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False, env=env)
    assert done.returncode == 0 and done.stdout.rstrip().endswith("logfire")
    bad = code.replace("examples/bcf_northmoor.yaml", "examples/no_such_file.yaml")
    done = subprocess.run([sys.executable, "-c", bad], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 1 and "no_such_file.yaml" in done.stderr


def test_a_packages_public_names_stay_functions_whatever_is_imported_first() -> None:
    # A submodule named like a function its package exports (uncertainty/simulate.py and simulate()) would turn
    # the package's name into the module once the submodule is imported directly, so `from pooledfund.uncertainty
    # import simulate` would give a module. Every submodule is imported first here, in a fresh process.
    code = ("import importlib, pkgutil, pooledfund.uncertainty as u\n"
            "for m in pkgutil.iter_modules(u.__path__): importlib.import_module('pooledfund.uncertainty.' + m.name)\n"
            "import types\n"
            "print(' '.join(n for n in u.__all__ if isinstance(getattr(u, n), types.ModuleType)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == ""


def test_the_parser_built_for_one_command_reads_it_as_the_whole_parser_does() -> None:
    # build_parser(command) registers only that command's group; its options, defaults and help must be the
    # whole parser's, for every command.
    from pooledfund.cli.app import build_parser

    def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return dict(action.choices)

    whole = commands(build_parser())
    for name, parser in whole.items():
        alone = commands(build_parser(name))
        assert name in alone and len(alone) < len(whole)
        assert alone[name].format_help() == parser.format_help()
        assert {key: str(value) for key, value in alone[name]._defaults.items()} == \
            {key: str(value) for key, value in parser._defaults.items()}
    assert list(commands(build_parser("no-such-command"))) == list(whole)  # a misspelt one lists them all
