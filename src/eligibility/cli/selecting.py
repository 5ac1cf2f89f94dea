"""`--verdict` and `--sort` for a batch: a sink that passes on the patients asked for, in the
order asked for, around any other sink.

Filtering keeps the stream: a patient is dropped as soon as it is screened (in the worker, before
its output is even made). Sorting cannot print anything before the last patient is screened, so
each patient's output waits in a spool: output text (JSON, JSON Lines, CSV) in a temporary file,
only its key and place in memory (about a hundred bytes a patient), and is copied out in order
at the end; a matrix row or a whole screening (the HTML page, `--detail`) waits in memory.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from ..loading import Problem
from ..results import Screening
from ..selection import Order, is_shown, sort_key
from .batch import Piece
from .sinks import Sink

__all__ = ["Selected", "Selecting"]


class Selected:
    """A piece maker (picklable, for the workers): `(key, piece)` for a patient shown, `(key,
    None)` for one left out, so that a left-out patient still counts as screened."""

    def __init__(self, piece: Piece, wanted: Collection[str], order: Order) -> None:
        self.piece, self.wanted, self.order = piece, frozenset(wanted), order

    def __call__(self, patient_id: str, as_of: dt.date,
                 screenings: tuple[Screening, ...]) -> tuple[tuple[object, ...], Any]:
        if not is_shown(screenings, self.wanted):
            return (), None
        return (sort_key(self.order, patient_id, screenings),
                self.piece(patient_id, as_of, screenings))


class Selecting:
    """Passes on the patients shown, at once (`--sort file`) or sorted when closed."""

    def __init__(self, inner: Sink, *, wanted: Collection[str], order: Order) -> None:
        self.piece: Piece = Selected(inner.piece, wanted, order)
        self._inner, self._order = inner, order
        self._spool = _Spool() if order is not Order.FILE else None
        self.screened = self.shown = 0

    def patient(self, piece: tuple[tuple[object, ...], Any]) -> None:
        key, kept = piece
        self.screened += 1
        if kept is None:
            return
        self.shown += 1
        if self._spool is None:
            self._inner.patient(kept)
        else:
            self._spool.add(key, kept)

    def problems(self, problems: Sequence[Problem]) -> None:
        self._inner.problems(problems)

    def close(self) -> None:
        if self._spool is not None:
            with self._spool:
                for kept in self._spool.in_order():
                    self._inner.patient(kept)
        self._inner.close()


class _Spool:
    """Pieces kept until the end, each with its sort key; text goes to a temporary file."""

    def __init__(self) -> None:
        # closed when the sink closes; unnamed on POSIX, so an interrupted run leaves nothing
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._places: list[tuple[tuple[object, ...], int, int, int]] = []
        self._kept: list[Any] = []

    def add(self, key: tuple[object, ...], piece: Any) -> None:
        number = len(self._places)  # ties keep the files' order
        if isinstance(piece, str):
            data = piece.encode("utf-8")
            self._places.append((key, number, self._file.tell(), len(data)))
            self._file.write(data)
        else:
            self._places.append((key, number, -1, len(self._kept)))
            self._kept.append(piece)

    def in_order(self) -> Iterator[Any]:
        for _, _, offset, size in sorted(self._places, key=lambda place: place[:2]):
            if offset < 0:
                yield self._kept[size]
            else:
                self._file.seek(offset)
                yield self._file.read(size).decode("utf-8")

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


