"""The ``pooledfund`` command line: the parser, the entry point and how problems are printed.

Every command's options are in :mod:`~pooledfund.cli.commands`; the work of
each lives beside this module and is imported only when its command runs:
:mod:`~pooledfund.cli.model_commands` (validate, run, compare, explain),
:mod:`~pooledfund.cli.uncertainty` (simulate, sensitivity),
:mod:`~pooledfund.cli.excel` (export, import-xlsx),
:mod:`~pooledfund.cli.actuals_run` (actuals from a ledger extract) and
:mod:`~pooledfund.cli.versions` (record, history, show, diff, signoff, forget).

Exit codes: 0 all well; 1 a problem with the input files or with writing an
output (every problem is listed, located, on standard error); 2 the command
was used wrongly; 3 an internal error (a bug: one line asks for a report,
never a traceback); 130 interrupted (Ctrl-C); 141 the reader of the output
went away (``pooledfund run ... | head -1``), quietly.
"""

from __future__ import annotations

import argparse
import gc
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

from pooledfund.cli.commands import Handler, add_commands, handler_of
from pooledfund.core.errors import InputError, InvalidInputError, PooledfundError
from pooledfund.core.version import __version__
from pooledfund.reports.tables import printable

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_PIPE_CLOSED = 130, 141  # as a shell reports Ctrl-C and a closed pipe

#: Inputs bigger than this are named but not hashed in an internal-error line (hashing must not hang it).
MAX_HASHED_BYTES = 64 * 1024 * 1024
_INPUT_OPTIONS = ("agreement", "agreements", "actuals", "scenario", "scenarios", "files", "book", "thresholds",
                  "ledger", "map", "previous")


def _say_error(text: str) -> None:
    """One line on standard error, control characters escaped so it stays one line and cannot drive the terminal."""
    print(printable(text, keep_newlines=False), file=sys.stderr)


def _print_errors(errors: list[InputError]) -> None:
    """List every input problem, located, on standard error, then how many there were."""
    for error in errors:
        _say_error(str(error))
    count = len(errors)
    _say_error(f"{count} problem{'s' if count != 1 else ''} found.")


def _input_files(args: argparse.Namespace) -> list[Path]:
    """The input files named on the command line (``a.yaml+b.yaml`` counts as two)."""
    values: list[str] = []
    for option in _INPUT_OPTIONS:
        value = getattr(args, option, None)
        values += [value] if isinstance(value, str) else list(value or [])
    paths: list[Path] = []
    for value in values:
        parts = [value] if Path(value).exists() or "+" not in value else value.split("+")
        paths += [Path(part) for part in parts]
    return paths


def _fingerprints(args: argparse.Namespace) -> str:
    """Each plain input file's name and the first 12 hex digits of its SHA-256, for a bug report."""
    import hashlib  # only after a bug: not worth its start-up time on every command

    found: list[str] = []
    for path in _input_files(args):
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_HASHED_BYTES:
                continue
            with path.open("rb") as stream:
                found.append(f"{path.name} {hashlib.file_digest(stream, 'sha256').hexdigest()[:12]}")
        except OSError:
            continue
    return ", ".join(found)


def _internal_error(exc: Exception, args: argparse.Namespace) -> int:
    """A bug reached the top: one line asking for a report (never a traceback), exit 3."""
    fingerprints = _fingerprints(args)
    report = (f"the input's SHA-256 {fingerprints}" if fingerprints else "the command you ran")
    _say_error(f"pooledfund: internal error ({type(exc).__name__}: {exc}); please report this with {report}")
    return EXIT_INTERNAL


def _reader_gone() -> int:
    """The output's reader closed the pipe: stop quietly (the Python docs' recipe for SIGPIPE).

    Standard output is pointed at the null device so that flushing it at exit
    does not fail a second time.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (a test's capture): nothing left to flush
        pass
    return EXIT_PIPE_CLOSED


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs); ``command``: the one about to be read (see add_commands)."""
    parser = argparse.ArgumentParser(
        prog="pooledfund",
        description="Model Section 75 pooled budgets and the Better Care Fund: who pays what, to the penny.",
    )
    parser.add_argument("--version", action="version", version=f"pooledfund {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_commands(sub, command)
    return parser


def _load(args: argparse.Namespace, *, one_shot: bool) -> Handler:
    """The command's function, its modules imported with the garbage collector paused.

    Importing the model and the engine creates many objects and no garbage,
    so the collections Python would run meanwhile find nothing. In a
    one-shot process (the console script) they are then frozen: collections
    during the command never look at them (see :func:`pooledfund.cli.console`).
    """
    gc.disable()
    try:
        handler = handler_of(args)
        if one_shot:
            gc.freeze()
        return handler
    finally:
        gc.enable()


def main(argv: Sequence[str] | None = None, *, one_shot: bool = False) -> int:
    """Run the command ``argv`` names; ``one_shot``: the process ends after it (:func:`pooledfund.cli.console`)."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
    try:
        handler = _load(args, one_shot=one_shot)
        code = int(handler(args))
        sys.stdout.flush()  # a closed pipe is noticed here, not at exit
    except InvalidInputError as exc:
        _print_errors(exc.errors)
        return EXIT_INVALID
    except PooledfundError as exc:
        _say_error(f"pooledfund: {exc}")
        return EXIT_INVALID
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt:
        _say_error("pooledfund: interrupted; no output was left half-written")
        return EXIT_INTERRUPTED
    except OSError as exc:
        if exc.filename is None:
            return _internal_error(exc, args)
        _say_error(f"pooledfund: cannot use {exc.filename}: {exc.strerror or exc}")
        return EXIT_INVALID
    except Exception as exc:
        return _internal_error(exc, args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
