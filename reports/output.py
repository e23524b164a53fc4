"""Where `clientvet report --out` may write, and writing there without surprises.

`--out` names a file, or a directory to write into under a name made from the check's number
and identifier (never from scraped text). A path that climbs with `..`, or a name that would
leave its directory, is refused; an existing file is replaced only with --force, and then
whole (a new file renamed over it), so a link in its place is replaced, not written through.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from clientvet.evidence import errors

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class OutputRefused(errors.ClientvetError):
    exit_code = errors.BAD_INPUT


def safe_name(text: str) -> str:
    """Text made into a file name: letters, digits, _ and - only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "report"


def check_file_name(check) -> str:
    """The file name (without extension) of a check's report or bundle: its identifier and number, never scraped text."""
    return safe_name(f"clientvet-{check.scheme}-{check.identifier}-check{check.id}")


def is_directory(out: str) -> bool:
    """`--out DIR/` or an existing directory: the report is written into it."""
    return out.endswith((os.sep, "/")) or Path(out).is_dir()


def targets(out: str, names: list[str]) -> list[Path]:
    """The files to write for `--out`: `out` itself (one file), or each name inside the directory `out` names."""
    path = Path(out)
    if ".." in path.parts:
        raise OutputRefused(f"--out {out}: a path that climbs with '..' is refused; name the directory directly")
    if not is_directory(out):
        if len(names) != 1:
            raise OutputRefused(f"--out {out}: this format writes {len(names)} files here; give a directory")
        return [path]
    if not path.is_dir():
        raise OutputRefused(f"--out {out}: no such directory")
    return [inside(path, name) for name in names]


def inside(directory: Path, name: str) -> Path:
    """`name` in `directory`; refused when the name would land anywhere else."""
    path = directory / name
    if not _SAFE_NAME.fullmatch(name) or path.resolve().parent != directory.resolve():
        raise OutputRefused(f"refusing to write {name!r}: it would leave {directory}")
    return path


def refuse_existing(paths: list[Path], force: bool) -> None:
    """Refuse before anything is rendered: a missing directory, a directory in the way, a file without --force."""
    for path in paths:
        if not path.parent.is_dir():
            raise OutputRefused(f"--out {path}: no directory {path.parent}")
        if path.is_dir():
            raise OutputRefused(f"--out {path}: a directory is in the way")
        if (path.exists() or path.is_symlink()) and not force:
            raise OutputRefused(f"{path} exists; give --force to replace it")


def write(files: dict[Path, bytes], force: bool) -> None:
    """Write every file: a new one exclusively, an existing one (with --force) by renaming a new file over it."""
    refuse_existing(list(files), force)
    for path, data in files.items():
        if force:
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)
            continue
        try:  # O_EXCL: never follows a link, never replaces a file that appeared meanwhile
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise OutputRefused(f"{path} exists; give --force to replace it") from None
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
