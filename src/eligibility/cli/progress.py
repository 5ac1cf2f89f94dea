"""A progress bar on standard error for long batches, that steps aside for other output."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from rich.console import Console

__all__ = ["Progress"]


class Progress:
    """A progress bar on a terminal for long batches; nothing when piped. `paused` steps it
    aside while something else prints to the same terminal."""

    def __init__(self, err: Console, total: int) -> None:
        self._bar: Any = None
        if total >= 25 and err.is_terminal:
            from rich.progress import Progress as Bar

            self._bar = Bar(console=err, transient=True)
            self._task = self._bar.add_task("screening", total=total)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def start(self) -> None:
        """Show the bar: after the workers are started, as the bar runs a thread."""
        if self._bar is not None:
            self._bar.start()

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        if self._bar is None or not self._bar.live.is_started:
            yield
            return
        self._bar.stop()
        try:
            yield
        finally:
            self._bar.start()
