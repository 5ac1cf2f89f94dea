"""Put output on the terminal or in a file written whole, never over the command's own inputs
nor over anything that is not a regular file."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import typer
from rich.console import Console

from .common import say
from .interrupt import cleaned_up, held

_STANDARD_OUTPUT = frozenset({"-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"})


def to_standard_output(destination: Path | None) -> bool:
    """Whether `-o` names standard output: not given, `-` or `/dev/stdout`."""
    return destination is None or str(destination) in _STANDARD_OUTPUT


@contextlib.contextmanager
def output_stream(err: Console, destination: Path | None) -> Iterator[IO[str]]:
    """Standard output, or a stream whose text becomes `destination` only once the block ends
    normally; exit 1 saying why when the file cannot be written."""
    if to_standard_output(destination):
        yield sys.stdout
        sys.stdout.flush()
        return
    assert destination is not None
    try:
        with atomic_stream(destination) as stream:
            yield stream
    except OSError as error:
        say(err, f"error: cannot write {destination}: {error.strerror}")
        raise typer.Exit(1) from None
    say(err, f"wrote {destination}")


def refuse_unfit_destination(err: Console, destination: Path | None,
                             inputs: Iterable[str | Path]) -> None:
    """Exit 1 before anything is read or written when `-o` names one of the inputs, a device,
    a FIFO, a socket, a read-only file or a loop of symbolic links."""
    if to_standard_output(destination):
        return
    assert destination is not None
    reason = unfit(destination)
    if reason:
        advice = ("make it writable, or choose another file" if "read-only" in reason else
                  "choose another file" if "loop" in reason else
                  "leave out --output, or give - for standard output")
        say(err, f"error: --output {destination} {reason}; nothing was written ({advice})")
        raise typer.Exit(1)
    target = os.path.realpath(destination)
    for path in inputs:
        resolved = os.path.realpath(path)
        inside = os.path.join(resolved, "")  # with one final separator
        if target == resolved or (target.startswith(inside) and os.path.isdir(resolved)):
            say(err, f"error: --output {destination} would overwrite an input ({path}); "
                "choose another file")
            raise typer.Exit(1)


def unfit(destination: Path) -> str | None:
    """Why `destination` must not be replaced by a file we write, or None."""
    try:
        mode = destination.stat().st_mode
    except FileNotFoundError:
        return None  # a new file (or a link to one): fine
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "is a loop of symbolic links"
        return None  # writing it will say what is wrong
    except RuntimeError:  # a loop, as some Pythons say it
        return "is a loop of symbolic links"
    kinds = {stat.S_ISCHR: "a device", stat.S_ISBLK: "a device", stat.S_ISFIFO:
             "a named pipe (FIFO)", stat.S_ISSOCK: "a socket"}
    for test, kind in kinds.items():
        if test(mode):
            return f"is {kind}, not a file"
    if stat.S_ISREG(mode) and (mode & 0o222 == 0 or not os.access(destination, os.W_OK)):
        return "is read-only"
    return None


def write_atomically(destination: Path, text: str, *, replace: bool = True) -> None:
    """Write a whole file or nothing: a reader never sees half of it.

    With `replace=False` an existing file is never replaced, even one that appears while the
    text is written: FileExistsError is raised instead.
    """
    with atomic_stream(destination, replace=replace) as stream:
        stream.write(text)


@contextlib.contextmanager
def atomic_stream(destination: Path, *, replace: bool = True) -> Iterator[IO[str]]:
    """A stream into a temporary file beside `destination` that takes its name when the block
    ends normally. On an error, Ctrl-C, or a termination or hang-up signal the temporary file
    is removed and `destination` is left as it was (see `interrupt`)."""
    folder = destination.parent if str(destination.parent) else Path(".")
    guard = contextlib.ExitStack()
    with held():  # a signal between creating the file and guarding it would leave it behind
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{destination.name}.",
                                             suffix=".tmp")
        guard.enter_context(cleaned_up(temporary=temporary))
    try:
        with guard:
            os.chmod(temporary, mode_for(destination))  # mkstemp makes it private
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                yield stream
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


def mode_for(destination: Path) -> int:
    """The mode the file it replaces had, or the umask's default for a new file."""
    try:
        return destination.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
