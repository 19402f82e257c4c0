"""Hardening of outputs and of the command line's last line of defence.

Outputs go only to plain files or new paths (never over a device, a pipe, a
socket or through a link); the CSV files are written as one set; temporary
files left by a killed run are cleared; no file read for a run (including
every file of a scenario's ``extends`` chain) can be an output; no traceback
ever reaches a user; names cannot send escape sequences to the terminal; the
dashboard hides internal details and shows located messages.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import IO, Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pooledfund.cli import model_commands
from pooledfund.cli.app import main
from pooledfund.core.errors import PooledfundError
from pooledfund.io.excel import MAX_WORKBOOK_BYTES
from pooledfund.io.yamlio import check_output, write_atomic
from pooledfund.reports.tables import printable

ROOT = Path(__file__).resolve().parent.parent
BCF = str(ROOT / "examples" / "bcf_northmoor.yaml")
CSV_FILES = ["arrangements.csv", "cash_flow.csv", "partners.csv", "schemes.csv"]


def one_line(err: str) -> str:
    """Standard error holds exactly one line, with no traceback."""
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


# --- 1. only plain files or new paths are written --------------------------------------------------


@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
def test_a_pipe_is_never_replaced(tmp_path: Path, force: bool, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    assert main(["run", BCF, "--json", str(fifo), *(["--force"] if force else [])]) == 1
    err = one_line(capsys.readouterr().err)
    assert f"cannot write {fifo}: it is a pipe, not a plain file" in err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("force", [True, False], ids=["force", "no-force"])
def test_a_link_is_never_written_through_or_replaced(
    tmp_path: Path, force: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "mine.json"
    real.write_text("precious")
    link = tmp_path / "out.json"
    link.symlink_to(real)
    assert main(["run", BCF, "--json", str(link), *(["--force"] if force else [])]) == 1
    assert "it is a link" in one_line(capsys.readouterr().err)
    assert link.is_symlink() and real.read_text() == "precious"


def test_a_dangling_link_is_refused_too(tmp_path: Path) -> None:
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "elsewhere" / "x.json")
    with pytest.raises(PooledfundError, match="it is a link"):
        write_atomic(link, b"x", force=True)
    assert link.is_symlink()


def test_a_csv_folder_that_is_a_link_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "csv"
    link.symlink_to(real)
    assert main(["run", BCF, "--csv", str(link), "--force"]) == 1
    assert "it is a link" in one_line(capsys.readouterr().err)
    assert link.is_symlink() and list(real.iterdir()) == []


# --- 2. the CSV files are one set -----------------------------------------------------------------------


def _fail_third_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the third file opened for writing fail as a full disk would."""
    real_fdopen = os.fdopen
    calls = {"n": 0}

    def fdopen(fd: int, mode: str = "rb") -> IO[Any]:
        calls["n"] += 1
        if calls["n"] == 3:
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fdopen(fd, mode)

    monkeypatch.setattr(os, "fdopen", fdopen)


def test_a_failed_csv_write_leaves_the_old_set_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    for name in CSV_FILES:
        (folder / name).write_text(f"old {name}")
    _fail_third_file(monkeypatch)
    assert main(["run", BCF, "--csv", str(folder), "--force"]) == 1
    err = one_line(capsys.readouterr().err)
    assert f"cannot write {folder}: No space left on device" in err
    assert {p.name: p.read_text() for p in folder.iterdir()} == {name: f"old {name}" for name in CSV_FILES}
    assert [p.name for p in tmp_path.iterdir()] == ["csv"]


def test_a_new_csv_folder_appears_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fail_third_file(monkeypatch)
    assert main(["run", BCF, "--csv", str(tmp_path / "csv")]) == 1
    one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_csv_set_replaced_with_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "partners.csv").write_text("old")
    assert main(["run", BCF, "--csv", str(folder), "--force"]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in folder.iterdir()) == CSV_FILES
    assert (folder / "partners.csv").read_text().startswith("year,partner")
    assert [p.name for p in tmp_path.iterdir()] == ["csv"]


def test_other_files_in_a_csv_folder_are_never_lost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert main(["run", BCF, "--csv", str(folder), "--force"]) == 1
    assert "notes.txt" in one_line(capsys.readouterr().err)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


# --- 3. temporary files of a killed run are cleared ------------------------------------------------------


def test_stale_temp_files_of_the_same_target_are_cleared(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    stale = tmp_path / ".out.json.k2j_9xq0.tmp"
    fresh = tmp_path / ".out.json.a1b2c3d4.tmp"
    others = [tmp_path / ".other.json.k2j_9xq0.tmp", tmp_path / ".out.json.k2j_9xq0.tmp.bak",
              tmp_path / ".out.json.short.tmp", tmp_path / "out.json.k2j_9xq0.tmp"]
    for path in [stale, fresh, *others]:
        path.write_text("left by a killed run")
    long_ago = time.time() - 3600
    for path in [stale, *others]:
        os.utime(path, (long_ago, long_ago))
    write_atomic(target, b"new")
    assert not stale.exists()
    assert fresh.exists(), "a temp file newer than this process may be another run's, still writing"
    assert all(path.exists() for path in others)
    assert target.read_bytes() == b"new"


def test_a_stale_csv_set_folder_is_cleared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / ".csv.k2j_9xq0.tmp"
    stale.mkdir()
    (stale / "partners.csv").write_text("half")
    long_ago = time.time() - 3600
    os.utime(stale, (long_ago, long_ago))
    assert main(["run", BCF, "--csv", str(tmp_path / "csv")]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv"]


# --- 4. every file read for a run is protected ---------------------------------------------------------------


def test_a_parent_scenario_cannot_be_an_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parent = tmp_path / "parent.yaml"
    parent.write_bytes((ROOT / "scenarios" / "base.yaml").read_bytes())
    grandparent_text = parent.read_text()
    child = tmp_path / "child.yaml"
    child.write_text("scenario:\n  id: child\n  name: Child\n  extends: parent.yaml\n")
    assert main(["run", BCF, "--scenario", str(child)]) == 0
    capsys.readouterr()
    assert main(["run", BCF, "--scenario", str(child), "--json", str(parent), "--force"]) == 1
    assert "one of the input files" in one_line(capsys.readouterr().err)
    assert parent.read_text() == grandparent_text


def test_an_output_hard_linked_to_an_input_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "agreement.yaml"
    source.write_text("x")
    alias = tmp_path / "alias.yaml"
    os.link(source, alias)
    with pytest.raises(PooledfundError, match="one of the input files"):
        check_output(alias, force=True, inputs=(source,))


# --- 5. no traceback reaches a user -------------------------------------------------------------------------


def test_an_internal_error_is_one_line_and_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("boom\nsecond line")

    monkeypatch.setattr(model_commands, "run", broken)
    assert main(["run", BCF]) == 3
    err = one_line(capsys.readouterr().err)
    digest = hashlib.sha256(Path(BCF).read_bytes()).hexdigest()[:12]
    assert err.startswith("pooledfund: internal error (ValueError: boom\\nsecond line); please report this with "
                          "the input's SHA-256")
    assert digest in err


def test_a_full_disk_is_one_located_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    out = tmp_path / "out.json"
    assert main(["run", BCF, "--json", str(out)]) == 1
    err = one_line(capsys.readouterr().err)
    assert err == f"pooledfund: cannot write {out}: No space left on device\n"
    assert list(tmp_path.iterdir()) == []


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # `pooledfund run ... | head -1`: the reader goes away before the tables are printed.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; from pooledfund.cli.app import main; sys.exit(main())"
    proc = subprocess.Popen([sys.executable, "-c", code, "run", BCF], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) in (0, 141)
    assert err == ""


def test_an_interrupt_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(model_commands, "run", interrupted)
    assert main(["run", BCF]) == 130
    assert one_line(capsys.readouterr().err) == "pooledfund: interrupted; no output was left half-written\n"


# --- 6. names cannot drive the terminal ---------------------------------------------------------------------


def test_printable_escapes_control_characters() -> None:
    assert printable("Council\x1b[31m red\x07\r\u202eevil\nnext\ttab") == (
        "Council\\x1b[31m red\\x07\\r\\u202eevil\nnext\\ttab")
    assert printable("Northmoor £ café – ok") == "Northmoor £ café – ok"


def test_escape_sequences_in_names_are_shown_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = Path(BCF).read_text()
    assert "name: Northmoor Borough Council" in text
    agreement = tmp_path / "a.yaml"
    agreement.write_text(text.replace("name: Northmoor Borough Council", 'name: "Northmoor\\e[31m Council"'))
    for command in (["run", str(agreement)], ["explain", str(agreement), "--year", "2025-26"]):
        code = main(command)
        captured = capsys.readouterr()
        assert "\x1b" not in captured.out + captured.err
        if code == 0:
            assert "Northmoor\\x1b[31m Council" in captured.out
        else:  # a name with control characters may be refused as input; the message must be safe too
            assert code == 1


# --- 7. the dashboard --------------------------------------------------------------------------------------


def test_the_dashboard_config_hides_internals_and_caps_uploads() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_WORKBOOK_BYTES


def test_the_dashboard_shows_a_located_message_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from pooledfund.dashboard import data

    def broken(*_args: object, **_kwargs: object) -> None:
        raise PooledfundError("the pool cannot be run: a made-up reason")

    monkeypatch.setattr(data, "build_outputs", broken)
    st.cache_data.clear()  # an earlier test's run of the same inputs must not be served from the cache
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("the pool cannot be run: a made-up reason" in e.value for e in at.error)
