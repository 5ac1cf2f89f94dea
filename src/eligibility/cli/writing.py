"""Put output on the terminal or in a file written whole, never over the command's own inputs."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

import typer
from rich.console import Console

from .common import say


def emit(err: Console, text: str, destination: Path | None) -> None:
    """Print `text`, or write it to `destination` atomically (temporary file, then rename)."""
    if destination is None:
        sys.stdout.write(text)
        return
    try:
        write_atomically(destination, text)
    except OSError as error:
        say(err, f"error: cannot write {destination}: {error.strerror}")
        raise typer.Exit(1) from None
    say(err, f"wrote {destination}")


def refuse_overwriting_inputs(err: Console, destination: Path | None,
                              inputs: list[Path]) -> None:
    if destination is None:
        return
    target = destination.resolve()
    for path in inputs:
        resolved = path.resolve()
        if target == resolved or (resolved.is_dir() and resolved in target.parents):
            say(err, f"error: --output {destination} would overwrite an input ({path}); "
                "choose another file")
            raise typer.Exit(1)


def write_atomically(destination: Path, text: str, *, replace: bool = True) -> None:
    """Write a whole file or nothing: a reader never sees half of it.

    With `replace=False` an existing file is never replaced, even one that appears while the
    text is written: FileExistsError is raised instead.
    """
    folder = destination.parent if str(destination.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{destination.name}.",
                                         suffix=".tmp")
    try:
        os.chmod(temporary, _mode_for(destination))  # mkstemp makes it private
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            os.replace(temporary, destination)
        else:
            _name_if_free(temporary, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _name_if_free(temporary: str, destination: Path) -> None:
    """Give the written file its name only if no file has it (a rename would replace one)."""
    try:
        os.link(temporary, destination)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename
        if destination.exists() or destination.is_symlink():
            raise FileExistsError(str(destination)) from None
        os.replace(temporary, destination)
        return
    os.unlink(temporary)


def _mode_for(destination: Path) -> int:
    """The mode the file it replaces had, or the umask's default for a new file."""
    try:
        return destination.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
