"""What every command shares: the two consoles, one-line messages and the common options."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Literal, TypeVar, cast

import typer
from rich.console import Console

from ..durations import Duration
from ..escapes import visible

E = TypeVar("E", bound=StrEnum)


class _Trimmed(io.TextIOBase):
    """A stream without the spaces rich pads each table line with, so that a report piped
    into a file or diffed carries no trailing whitespace."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream  # bound now: a progress display later redirects sys.stderr
        self._pending = ""

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            self._stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._pending)
            self._pending = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._stream, "encoding", None) or "utf-8")


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Let the command stop quietly with status 0 (rich would exit with 1)."""
        self.quiet = True
        raise BrokenPipeError


def consoles() -> tuple[Console, Console]:
    """The stdout and stderr consoles; NO_COLOR turns off every style, not only colour. An
    output that cannot encode a character gets an escape for it instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        _tolerant(stream)
    colours: Literal["auto"] | None = None if os.environ.get("NO_COLOR") else "auto"
    out, err = cast(IO[str], _Trimmed(sys.stdout)), cast(IO[str], _Trimmed(sys.stderr))
    return (_Console(file=out, highlight=False, emoji=False, color_system=colours),
            _Console(file=err, stderr=True, highlight=False, emoji=False,
                     color_system=colours))


def _tolerant(stream: IO[str]) -> None:
    """Let a stream whose encoding is not Unicode (LANG=C on an old system, a Latin-1
    terminal, PYTHONIOENCODING=ascii) write `\\u2265` for a character it cannot encode."""
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
    if not encoding.startswith("utf") and isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="backslashreplace")


def say(console: Console, text: str, *, style: str | None = None) -> None:
    """Print one message as written: never wrapped at the terminal width (an editor jumps to
    the `file:line:col` in it), never read as rich markup (a path may hold brackets), and
    with any control character in it shown as an escape (a file name may hold ESC)."""
    console.print(visible(text), style=style, soft_wrap=True, highlight=False, markup=False,
                  emoji=False)


def _date(text: str | None) -> dt.date | None:
    """Parse --as-of."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # the form is right, the day is not
            raise typer.BadParameter(f"{text!r} is not a day of the calendar ({error})") from None
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def span(text: str | Duration) -> Duration:
    """Parse --horizon: a span of time no longer than a forecast looks."""
    from ..durations import parse_duration
    from ..forecast import LONGEST_HORIZON

    if isinstance(text, str) and text.strip().isdigit():  # `--horizon 12 months`, unquoted
        raise typer.BadParameter(f"{text.strip()} needs its unit in the same word: quote the "
                                 f"span (--horizon '{text.strip()} months') or join it "
                                 f"(--horizon {text.strip()}months)")
    try:
        found = parse_duration(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if found.after(dt.date(2000, 1, 1)) - dt.date(2000, 1, 1) > dt.timedelta(LONGEST_HORIZON):
        raise typer.BadParameter(f"{found} is further than a forecast looks (at most "
                                 f"{LONGEST_HORIZON} days, about 10 years)")
    return found


def choice(kind: type[E]) -> Callable[[str], E]:
    """A parser for an option that takes one of an enum's values, with a plain message."""
    def parse(text: str) -> E:
        if isinstance(text, kind):
            return text
        try:
            return kind(text)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise typer.BadParameter(f"expected one of {allowed}, got {text!r}") from None
    return parse


AsOf = Annotated[dt.date | None, typer.Option(
    "--as-of", parser=_date, metavar="YYYY-MM-DD", help="Screening date; default: each "
    "profile's screening_date, else today.", show_default=False)]
TrialIds = Annotated[list[str] | None, typer.Option(
    "--trial", metavar="NCT_ID", help="Only this trial (repeat for several).",
    show_default=False)]
RulesPath = Annotated[Path, typer.Option("--rules", help="Rule file, or folder of rule files.",
                                         readable=False)]
