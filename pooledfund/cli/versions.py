"""The ``record``, ``history``, ``show``, ``diff``, ``signoff`` and ``forget`` commands: versions a finance lead keeps.

``pooledfund record AGREEMENT [SCENARIO]... --label L --kind plan|month-N|outturn``
runs the files and keeps them with every figure in the versions database;
``history`` lists the versions; ``show V`` prints one; ``diff V1 V2`` says
what changed, file by file and penny by penny; ``signoff V --by --meeting
--date`` fixes a version for good; ``forget V`` deletes a draft. A version
is named ``3``, ``@3``, ``@latest``, ``@signed-off`` or ``@plan``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date

from pooledfund.cli.recorded import load_version, open_store, version_number
from pooledfund.cli.shared import say
from pooledfund.core.errors import InputError, InvalidInputError, Source
from pooledfund.core.money import format_gbp
from pooledfund.io.store.records import LABEL_MAX_CHARS, parse_kind
from pooledfund.reports.tables import printable

EXIT_OK = 0


def _one_line(value: str, option: str) -> str:
    """A name given on the command line: not empty, one line (it is printed in tables)."""
    text = value.strip()
    if not text or "\n" in text or "\r" in text:
        raise InvalidInputError([InputError(Source(option), f"{value!r}: give a name on one line")])
    return text


def _label(value: str) -> str:
    """A version's label: one line of at most :data:`LABEL_MAX_CHARS` characters, so history stays readable."""
    text = _one_line(value, "--label")
    if len(text) > LABEL_MAX_CHARS:
        raise InvalidInputError([InputError(Source("--label"), (
            f"the label is {len(text):,} characters long; a label is at most {LABEL_MAX_CHARS} (it is printed on "
            f"one line of 'pooledfund history'): shorten it, e.g. '{text[:40].rstrip()}...'"))])
    return text


def _tell(text: str) -> None:
    """A warning or note on standard error, so the command's output stays what it records."""
    print(printable(f"pooledfund: {text}", keep_newlines=False), file=sys.stderr)


def _clock_note() -> None:
    """Say when the time recorded is pinned by POOLEDFUND_NOW rather than the clock's."""
    from pooledfund.io.store.clock import NOW_ENV, pinned

    when = pinned()
    if when is not None:
        _tell(f"note: {NOW_ENV} is set, so the time kept is {when}, not the clock's (for building examples only)")


def _recorder(by: str | None) -> str:
    """Who is recording: ``--by``, else the name the operating system knows the user by."""
    if by is not None:
        return _one_line(by, "--by")
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        raise InvalidInputError([InputError(Source("--by"), "the operating system does not say who you are; "
                                                            "give your name with --by")]) from None


def cmd_record(args: argparse.Namespace) -> int:
    """Run an agreement under its scenarios and keep the files and every figure as a new draft version."""
    from pooledfund.io.store.sources import prepare_version

    try:
        kind = parse_kind(args.kind)
    except ValueError as exc:
        raise InvalidInputError([InputError(Source("--kind"), str(exc))]) from None
    label = _label(args.label)
    new = prepare_version(args.agreement, args.scenarios, label=label, kind=kind, recorded_by=_recorder(args.by))
    for warning in new.warnings:
        _tell(f"warning: {warning}")
    _clock_note()
    with open_store(args.db, create=True) as store:
        info = store.record(new)
        totals = store.variances().get(info.id, {})
        say(f"Recorded {info.describe()} in {store.shown}, by {info.recorded_by} at {info.recorded_at}.")
    for year, pence in sorted(totals.items()):
        say(f"  {year}: variance {format_gbp(pence, brackets=True)} (spend less budget; positive is an overspend)")
    say(f"Name it as @{info.id} ('pooledfund show @{info.id}'); once the board approves it: "
        f"pooledfund signoff @{info.id} --by NAME --meeting MEETING --date YYYY-MM-DD")
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    """Every version: number, label, kind, status, who recorded it and when, and its variance by year."""
    from pooledfund.io.store.text import history_text

    with open_store(args.db) as store:
        say(history_text(store.versions(), store.variances(), store.shown))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """One version: its details, its input files and their SHA-256, and its figures."""
    from pooledfund.io.store.text import show_text

    with open_store(args.db) as store:
        version = load_version(store, args.version)
    say(show_text(version))
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """What changed from one version to another: the files line by line, the figures to the penny."""
    from pooledfund.io.store.diff import diff_text

    with open_store(args.db) as store:
        first, second = load_version(store, args.first), load_version(store, args.second)
    say(diff_text(first, second))
    return EXIT_OK


def _meeting_date(value: str) -> date:
    """The ``--date`` of a sign-off, a real date written YYYY-MM-DD."""
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError([InputError(Source("--date"), f"{value!r} is not a date written YYYY-MM-DD "
                                                              "(e.g. 2026-03-18)")]) from None


def cmd_signoff(args: argparse.Namespace) -> int:
    """Mark a draft signed off by a person at a meeting on a date; it can never be changed or deleted after."""
    by, meeting = _one_line(args.by, "--by"), _one_line(args.meeting, "--meeting")
    signed_on = _meeting_date(args.date)
    _clock_note()
    with open_store(args.db) as store:
        info = store.sign_off(version_number(store, args.version), by=by, meeting=meeting, signed_on=signed_on)
    signed = info.sign_off.words() if info.sign_off is not None else ""
    say(f"Signed off {info.describe()} {signed}. It can no longer be changed or deleted.")
    return EXIT_OK


def cmd_forget(args: argparse.Namespace) -> int:
    """Delete a draft version (a signed-off one is refused)."""
    with open_store(args.db) as store:
        info = store.forget(version_number(store, args.version))
    say(f"Forgot {info.describe()}; its number is not given to another version.")
    return EXIT_OK
