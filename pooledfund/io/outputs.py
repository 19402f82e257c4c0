"""Writing outputs without ever losing what the user already has.

Every output (JSON, the Excel pack, an agreement file, the set of CSV files)
is written whole to a hidden temporary name beside its target and renamed
into place, so a reader sees the old file or the new one, never half of one.
An output goes only to a plain file or a new path: a folder, a link, a
device, a pipe or a socket is never written through or replaced, with
``--force`` or without, and no file read for the run may be an output.
Temporary files that a killed run left behind for the same target are
cleared before writing. A failure to write (a full or read-only disk) is
reported as one located line, as :class:`CannotWriteError`.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from pooledfund.core.errors import OutputExistsError, PooledfundError

#: When this process began writing-related work; only temporary files older than
#: this are taken to be left by a killed run (a newer one may be another run's).
STARTED = time.time()

_TEMP_NAME = "[a-z0-9_]{8}"  # the random part tempfile gives every name
_OTHER_KINDS = ((stat.S_ISFIFO, "pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "device"), (stat.S_ISBLK, "device"))


class CannotWriteError(PooledfundError, OSError):
    """The system refused to write an output (disk full, read-only, no permission).

    Still an ``OSError`` for code that handles those; the message names the
    output and the reason in one line.
    """

    def __init__(self, target: Path, exc: OSError) -> None:
        super().__init__(f"cannot write {target}: {exc.strerror or exc}")


def _folder_of(target: Path) -> Path:
    """The folder a path is in (the current folder for a bare name)."""
    return target.parent if str(target.parent) else Path(".")


def _lstat(target: Path) -> os.stat_result | None:
    """What is at ``target`` itself (a link is not followed), or None if nothing is."""
    try:
        return os.lstat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CannotWriteError(target, exc) from exc


def _refuse_what_is_not_a_plain_file(target: Path, info: os.stat_result) -> None:
    """Refuse a link, device, pipe or socket: writing there would replace it or send data elsewhere."""
    if stat.S_ISLNK(info.st_mode):
        raise PooledfundError(f"cannot write {target}: it is a link to another place; outputs are written only "
                              "to plain files, so give the path of the file itself or a new name")
    for test, kind in _OTHER_KINDS:
        if test(info.st_mode):
            raise PooledfundError(f"cannot write {target}: it is a {kind}, not a plain file; "
                                  "give the path of a plain file or a new name")


def _is_input(target: Path, inputs: tuple[str | Path, ...]) -> bool:
    """Whether ``target`` is one of the files read for the run (by path or, for a hard link, by identity)."""
    resolved = target.resolve()
    for item in inputs:
        if Path(item).resolve() == resolved:
            return True
        try:
            if os.path.samefile(item, target):
                return True
        except OSError:  # one of the two does not exist: not the same file
            continue
    return False


def check_output(path: str | Path, *, force: bool = False, inputs: tuple[str | Path, ...] = ()) -> None:
    """Refuse an output path that would lose the user's work, before any work is done.

    An output must be a plain file or a new path (not a folder, link, device,
    pipe or socket) and not one of the run's own input files (not even with
    ``--force``); it must not replace an existing file without ``force``, and
    must go into a folder that exists.
    """
    target = Path(path)
    info = _lstat(target)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise PooledfundError(f"cannot write {target}: it is a folder; give a file name")
    if info is not None:
        _refuse_what_is_not_a_plain_file(target, info)
    if _is_input(target, inputs):
        raise PooledfundError(f"cannot write {target}: it is one of the input files; choose another name")
    if info is not None and not force:
        raise OutputExistsError(str(target))
    directory = _folder_of(target)
    if not directory.is_dir():
        raise PooledfundError(f"cannot write {target}: the folder {directory} does not exist")


def _umask() -> int:
    """The process's umask (read without changing it for long)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _file_mode() -> int:
    """The permissions a new file gets here (read and write as the umask allows), not mkstemp's private 0600."""
    return 0o666 & ~_umask()


def clear_stale_temps(target: str | Path) -> None:
    """Remove the temporary files (or CSV set folders) a killed run left for ``target``.

    Only names made exactly as this module makes them for this target
    (``.NAME.<8 random characters>.tmp``, and ``.NAME.<8 random characters>.old`` once ``target`` is in
    place again) and older than this process are removed; anything else is
    left alone. Clearing is a courtesy: a name that cannot be removed is skipped.
    """
    target = Path(target)
    directory = _folder_of(target)
    suffixes = "tmp|old" if os.path.lexists(target) else "tmp"
    pattern = re.compile(rf"\.{re.escape(target.name)}\.{_TEMP_NAME}\.(?:{suffixes})")
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if info.st_mtime >= STARTED:
                continue
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(entry.path)
            elif stat.S_ISREG(info.st_mode):
                os.unlink(entry.path)
        except OSError:
            continue


def _write_file(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a file that is only ours (already created), and make sure it reached the disk."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _file_mode())
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.chmod(path, _file_mode())


def write_atomic(path: str | Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename.

    An existing file is only replaced when ``force`` is true, so a user's
    work is never overwritten by accident; a reader never sees half a file.
    A failure to write raises :class:`CannotWriteError` and leaves no
    temporary file.
    """
    check_output(path, force=force)
    target = Path(path)
    clear_stale_temps(target)
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=_folder_of(target))
        os.close(handle)
    except OSError as exc:
        raise CannotWriteError(target, exc) from exc
    try:
        _write_file(temp_name, data)
        os.replace(temp_name, target)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise CannotWriteError(target, exc) from exc
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def check_folder_output(path: str | Path, names: list[str], *, force: bool = False) -> None:
    """Refuse a folder for a set of files (the CSV files) that would lose the user's work.

    The set replaces the whole folder, so the folder must be new or hold only
    files of the set (and those only with ``force``); it must not be a link,
    nor the folder the command runs in or one holding it.
    """
    folder = Path(path)
    info = _lstat(folder)
    if info is None:
        return
    if not stat.S_ISDIR(info.st_mode):
        _refuse_what_is_not_a_plain_file(folder, info)
        raise PooledfundError(f"cannot write {folder}: it is a file; give a folder for the files")
    resolved = folder.resolve()
    if resolved == Path.cwd().resolve() or resolved in Path.cwd().resolve().parents:
        raise PooledfundError(f"cannot write into {folder}: it is the folder you are working in; give a new folder")
    present = sorted(os.listdir(folder))
    others = [name for name in present if name not in names]
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise PooledfundError(f"cannot write into {folder}: it also holds {shown}, which writing the set would "
                              "remove; give a new folder or one holding only these files")
    existing = [name for name in names if name in present]
    if existing and not force:
        raise PooledfundError(f"{folder} already has {', '.join(existing)}; choose another folder or pass --force")


def write_folder_atomic(path: str | Path, files: Mapping[str, bytes], *, force: bool = False) -> None:
    """Write a set of files as one folder: a reader sees the old set or the new one, never a mixture.

    The set is written into a hidden folder beside ``path`` and renamed into
    place; an existing folder (see :func:`check_folder_output`) is first
    renamed aside, then removed once the new one is in. Missing parent
    folders are created. A failure raises :class:`CannotWriteError` and
    leaves the old set as it was.
    """
    folder = Path(path)
    check_folder_output(folder, list(files), force=force)
    parent = _folder_of(folder)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CannotWriteError(folder, exc) from exc
    clear_stale_temps(folder)
    try:
        temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise CannotWriteError(folder, exc) from exc
    try:
        for name, data in files.items():
            _write_file(temp / name, data)
        os.chmod(temp, 0o777 & ~_umask())
        _swap_in(temp, folder)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise CannotWriteError(folder, exc) from exc
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _swap_in(new: Path, folder: Path) -> None:
    """Put the folder ``new`` at ``folder``; an old one there is moved aside first, then removed.

    If the new folder cannot be renamed in, the old one is put back.
    """
    if not os.path.lexists(folder):
        os.rename(new, folder)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=_folder_of(folder)))
    try:
        os.rename(folder, aside)  # replaces the empty placeholder folder
    except OSError:
        aside.rmdir()
        raise
    try:
        os.rename(new, folder)
    except OSError:
        os.rename(aside, folder)
        raise
    shutil.rmtree(aside, ignore_errors=True)
