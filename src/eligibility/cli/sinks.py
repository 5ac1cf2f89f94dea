"""Where a batch's patients go as they are screened: a JSON document, JSON Lines, CSV, the
matrix (with each patient's tables before it, with --detail) or an HTML page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from functools import partial
from typing import IO, Any, Protocol

from rich.console import Console

from ..chart import About
from ..loading import Problem
from ..matrix import Matrix, matrix_row
from ..render import render_screenings
from ..report import (
    batch_json_end,
    batch_json_start,
    csv_header,
    patient_csv,
    patient_json,
    patient_json_line,
    problem_json_line,
)
from ..results import Screening
from ..rules import Trial
from .batch import Piece, keep

__all__ = ["Sink", "sink_for"]

Patient = tuple[str, dt.date, tuple[Screening, ...]]


class Sink(Protocol):
    """Takes each screened patient's piece, and the problems of the files that failed."""

    piece: Piece

    def patient(self, piece: Any) -> None: ...

    def problems(self, problems: Sequence[Problem]) -> None: ...

    def close(self) -> None: ...


class JsonDocument:
    """The batch document, written a patient at a time; failed files go at the end."""

    def __init__(self, stream: IO[str], *, ascii_only: bool) -> None:
        self.piece: Piece = partial(patient_json, ascii_only=ascii_only)
        self._stream, self._patients = stream, 0
        self._failed: list[Problem] = []
        stream.write(batch_json_start())

    def patient(self, piece: str) -> None:
        self._stream.write("," + piece if self._patients else piece)
        self._patients += 1

    def problems(self, problems: Sequence[Problem]) -> None:
        self._failed += problems

    def close(self) -> None:
        self._stream.write(batch_json_end(self._failed, patients=self._patients))


class JsonLines:
    """A line per patient, and a line per problem of a file that failed, as they come."""

    def __init__(self, stream: IO[str], *, ascii_only: bool) -> None:
        self.piece: Piece = partial(patient_json_line, ascii_only=ascii_only)
        self._stream, self._ascii_only = stream, ascii_only

    def patient(self, piece: str) -> None:
        self._stream.write(piece)

    def problems(self, problems: Sequence[Problem]) -> None:
        for problem in problems:
            self._stream.write(problem_json_line(problem, ascii_only=self._ascii_only))

    def close(self) -> None:
        self._stream.flush()


class Csv:
    """The header, then each patient's rows (problems are on standard error only)."""

    def __init__(self, stream: IO[str]) -> None:
        self.piece: Piece = patient_csv
        self._stream = stream
        stream.write(csv_header())

    def patient(self, piece: str) -> None:
        self._stream.write(piece)

    def problems(self, problems: Sequence[Problem]) -> None:
        pass

    def close(self) -> None:
        self._stream.flush()


class Tables:
    """The matrix, printed in chunks as patients come; with `detail`, each patient's
    tables first as they come, and the matrix (verdict counts only) at the end."""

    def __init__(self, console: Console, trials: Sequence[Trial], *, as_of: dt.date | None,
                 detail: bool, pause: Callable[[], AbstractContextManager[Any]]) -> None:
        self._console, self._detail, self._pause = console, detail, pause
        self.piece: Piece = keep if detail else matrix_row
        first = 2 ** 62 if detail else 500
        self._matrix = Matrix(console, trials, as_of=as_of, first=first, pause=pause)

    def patient(self, piece: Any) -> None:
        if self._detail:
            ident, on, screenings = piece
            with self._pause():
                render_screenings(self._console, screenings, patient_id=ident, as_of=on)
                self._console.print()
            piece = matrix_row(ident, on, screenings)
        self._matrix.add(piece)

    def problems(self, problems: Sequence[Problem]) -> None:
        pass

    def close(self) -> None:
        self._matrix.close()


class Html:
    """The printable page: it needs every patient for its funnels, so it keeps them all;
    `about` gives a patient's age and sex for the header of its printed pages."""

    def __init__(self, stream: IO[str], trials: Sequence[Trial], *, batch: bool) -> None:
        self.piece: Piece = keep
        self._stream, self._trials, self._batch = stream, trials, batch
        self._patients: list[Patient] = []
        self._problems: list[Problem] = []
        self._abouts: dict[str, About] = {}

    def about(self, who: About | None) -> None:
        if who is not None:
            self._abouts[who.patient_id] = who

    def patient(self, piece: Patient) -> None:
        self._patients.append(piece)

    def problems(self, problems: Sequence[Problem]) -> None:
        self._problems += problems

    def close(self) -> None:
        from ..cohort import funnel
        from ..html_report import html_page

        funnels = [funnel(trial, [patient[2][index] for patient in self._patients])
                   for index, trial in enumerate(self._trials)]
        self._stream.write(html_page(self._patients, funnels=funnels, problems=self._problems,
                                     batch=self._batch, abouts=self._abouts,
                                     generated=dt.datetime.now().astimezone()))


def sink_for(output: str, stream: IO[str], console: Console, trials: Sequence[Trial], *,
             as_of: dt.date | None, detail: bool, ascii_only: bool,
             pause: Callable[[], AbstractContextManager[Any]]) -> Sink:
    """The sink for `--format` (table, json, jsonl, csv or html) of a batch."""
    if output == "json":
        return JsonDocument(stream, ascii_only=ascii_only)
    if output == "jsonl":
        return JsonLines(stream, ascii_only=ascii_only)
    if output == "csv":
        return Csv(stream)
    if output == "html":
        return Html(stream, trials, batch=True)
    return Tables(console, trials, as_of=as_of, detail=detail, pause=pause)
