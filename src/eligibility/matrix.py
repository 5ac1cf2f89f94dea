"""The patients x trials matrix of a batch, printed while the patients are screened.

Memory stays flat however many patients there are: each patient is kept as its verdict counts
only until its rows are printed, in chunks. The columns are fixed from the trials (a verdict
cell is never wider than `NEEDS REVIEW` or `19 fail, 19 unknown` for a trial of 19 criteria)
and from the ids of the first chunk, so every chunk lines up with the header. A near miss
(a trial failed on exactly one criterion) names that criterion: `INELIGIBLE (E4)`. Nothing is ever
cut: on a terminal a long id wraps inside its column, and where the columns do not fit the
terminal each patient becomes a paragraph; piped, a longer id pushes its row to the right.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from rich.console import Console, RenderableType
from rich.text import Span, Text

from .collect import near_miss
from .render import VERDICT_WORDS, glyph, plural, visible
from .results import Screening, Status, Verdict
from .rules import Trial

__all__ = ["Matrix", "MatrixRow", "matrix_row", "render_matrix"]

_STYLE = {Verdict.ELIGIBLE: "bold green", Verdict.INELIGIBLE: "bold red",
          Verdict.NEEDS_REVIEW: "bold yellow"}
_GAP = "   "
_INDENT = "  "
_NARROWEST_ID = 12  # below this a column of ids is harder to read than a paragraph each


class Cell(NamedTuple):
    verdict: Verdict
    failed: int
    unknown: int
    missed: str = ""  # the one criterion failed, for a near miss


class MatrixRow(NamedTuple):
    """One patient of the matrix: all it keeps of their screenings."""

    patient_id: str
    as_of: dt.date
    cells: tuple[Cell, ...]


def matrix_row(patient_id: str, as_of: dt.date, screenings: Sequence[Screening]) -> MatrixRow:
    return MatrixRow(patient_id, as_of, tuple(
        Cell(s.verdict, len(s.with_status(Status.FAIL)), len(s.with_status(Status.UNKNOWN)),
             near_miss(s) or "")
        for s in screenings))


def _counts(cell: Cell, *, named: bool = False) -> str:
    """`2 fail, 3 unknown`; with `named`, a near miss names its criterion: `1 fail: E4, ...`."""
    failed = f"1 fail: {visible(cell.missed)}" if named and cell.missed else f"{cell.failed} fail"
    return f"{failed}, {cell.unknown} unknown"


def _verdict(cell: Cell) -> str:
    """`INELIGIBLE`, or for a near miss `INELIGIBLE (E4)`: the one criterion it fails."""
    word = VERDICT_WORDS[cell.verdict]
    return f"{word} ({visible(cell.missed)})" if cell.missed else word


class Matrix:
    """Print rows as they are added; `close` prints what is left and the totals per trial.

    The layout is chosen when the first chunk is printed: a title with the number of patients
    and their one screening date when the whole batch fits in that chunk (or `as_of` says
    the date), else an `As of` column and the count at the end.
    """

    def __init__(self, console: Console, trials: Sequence[Trial], *,
                 as_of: dt.date | None = None, first: int = 500, chunk: int = 100,
                 pause: Callable[[], AbstractContextManager[Any]] = contextlib.nullcontext,
                 ) -> None:
        self._console, self._trials, self._as_of = console, tuple(trials), as_of
        self._pause = pause  # around each print: a progress bar on the terminal steps aside
        self._first, self._chunk = first, chunk
        self._rows: list[MatrixRow] = []
        self._totals = [Counter[Verdict]() for _ in self._trials]
        self._misses = [0 for _ in self._trials]
        self._count = 0
        self._started = False
        self._streamed = False
        self._dated = False
        self._blocks = False
        self._id_width = 0
        self._widths = [max(len(t.id), len(visible(t.trial.short_name or "")),
                            *(len(word) for word in VERDICT_WORDS.values()),
                            len(_counts(Cell(Verdict.INELIGIBLE, len(t.criteria),
                                             len(t.criteria)))),
                            len(_verdict(Cell(Verdict.INELIGIBLE, 1, 0, max(
                                (c.id for c in t.criteria), key=len, default="")))))
                        for t in self._trials]

    def add(self, row: MatrixRow) -> None:
        self._count += 1
        for index, (totals, cell) in enumerate(zip(self._totals, row.cells, strict=True)):
            totals[cell.verdict] += 1
            self._misses[index] += bool(cell.missed)
        self._rows.append(row)
        if not self._started and len(self._rows) >= self._first:
            self._start(complete=False)
            self._print_rows()
        elif self._started and len(self._rows) >= self._chunk:
            self._print_rows()

    def close(self) -> None:
        if not self._count:
            return
        if not self._started:
            self._start(complete=True)
        self._print_rows()
        dot = glyph(self._console, "·")
        lines: list[RenderableType] = [Text("")]
        if self._streamed:
            lines.append(Text(plural(self._count, "patient")))
        for trial, totals, misses in zip(self._trials, self._totals, self._misses, strict=True):
            counts = f" {dot} ".join(f"{totals[v]} {VERDICT_WORDS[v].lower()}" for v in Verdict)
            near = f" ({misses} near miss{'es' if misses != 1 else ''})" if misses else ""
            lines.append(Text(f"{trial.id}: {counts}{near}"))
        if any(self._misses):
            lines.append(Text("(E4) after a verdict: a near miss, failing that one criterion "
                              "only.", style="dim"))
        self._print(*lines)

    def _print(self, *renderables: RenderableType) -> None:
        with self._pause():
            for renderable in renderables:
                self._console.print(renderable, soft_wrap=True)

    def _start(self, *, complete: bool) -> None:
        """Choose the columns from the rows so far, print the title and the header."""
        self._started, self._streamed = True, not complete
        days = {row.as_of for row in self._rows}
        day = self._as_of or (next(iter(days)) if len(days) == 1 and complete else None)
        self._dated = day is None
        dot = glyph(self._console, "·")
        title = plural(self._count, "patient") if complete else ""
        if day is not None:
            title += f"{f' {dot} ' if title else ''}as of {day.isoformat()}"
        natural = max(len("Patient"), *(len(visible(row.patient_id)) for row in self._rows))
        self._id_width = natural
        if self._console.is_terminal:
            room = self._console.width - self._fixed_width()
            self._id_width = min(natural, room)
            self._blocks = self._id_width < min(natural, _NARROWEST_ID)
        lines: list[RenderableType] = [Text(title, style="table.title")] if title else []
        lines.append(Text(""))
        if not self._blocks:
            lines.append(self._header())
        self._print(*lines)

    def _fixed_width(self) -> int:
        """Every column but the ids, with the gaps and the indent."""
        dates = len(_GAP) + 10 if self._dated else 0
        return len(_INDENT) + dates + sum(len(_GAP) + width for width in self._widths)

    def _header(self) -> Text:
        width = self._id_width
        first = _INDENT + " " * width + (_GAP + " " * 10 if self._dated else "")
        second = _INDENT + "Patient".ljust(width) + (_GAP + "As of".ljust(10) if self._dated
                                                     else "")
        for trial, column in zip(self._trials, self._widths, strict=True):
            first += _GAP + trial.id.ljust(column)
            second += _GAP + visible(trial.trial.short_name or "").ljust(column)
        lines = [first, second] if any(t.trial.short_name for t in self._trials) else [
            second]
        rule = glyph(self._console, "─") * (width + self._fixed_width() - 1)
        return Text.assemble(("\n".join(line.rstrip() for line in lines), "bold"), f"\n {rule}")

    def _print_rows(self) -> None:
        if not self._rows:
            return
        lines = _Lines()
        for row in self._rows:
            if self._blocks:
                self._block(lines, row)
            else:
                self._line(lines, row)
        self._print(lines.text())
        self._rows.clear()

    def _line(self, lines: _Lines, row: MatrixRow) -> None:
        """A patient in columns: verdicts on the first line, counts under them; an id too long
        for its column on a terminal wraps inside it."""
        ident, width = visible(row.patient_id), self._id_width
        parts = ([ident[start:start + width] for start in range(0, len(ident), width)]
                 if self._console.is_terminal and len(ident) > width else [ident])
        parts += [""] * (2 - len(parts))
        for number, part in enumerate(parts):
            line: list[tuple[str, str]] = [(_INDENT + part.ljust(width), "")]
            if self._dated:
                line.append((_GAP + (row.as_of.isoformat() if number == 0 else " " * 10), ""))
            for cell, column in zip(row.cells, self._widths, strict=True):
                line.append((_GAP, ""))
                if number == 0:
                    line.append((_verdict(cell).ljust(column), _STYLE[cell.verdict]))
                elif number == 1:
                    line.append((_counts(cell).ljust(column), "dim"))
            lines.add(line)

    def _block(self, lines: _Lines, row: MatrixRow) -> None:
        """A patient as a paragraph, for a terminal too narrow for the columns."""
        dot = glyph(self._console, "·")
        lines.add([(visible(row.patient_id), "bold"), (f" {dot} as of {row.as_of}", "")])
        for trial, cell in zip(self._trials, row.cells, strict=True):
            name = visible(f"{trial.id} {trial.trial.short_name or ''}".rstrip())
            lines.add([(f"  {name}: ", ""), (VERDICT_WORDS[cell.verdict], _STYLE[cell.verdict]),
                       (f" ({_counts(cell, named=True)})", "dim")])


class _Lines:
    """Styled lines gathered as plain text and spans, without trailing spaces: one `Text` a
    chunk, built at once (appending to a `Text` piece by piece costs more than the layout)."""

    def __init__(self) -> None:
        self._plain: list[str] = []
        self._spans: list[Span] = []
        self._length = 0

    def add(self, pieces: list[tuple[str, str]]) -> None:
        while pieces and not pieces[-1][0].rstrip():
            pieces.pop()
        if pieces:
            text, style = pieces[-1]
            pieces[-1] = (text.rstrip(), style)
        for text, style in pieces:
            if style:
                self._spans.append(Span(self._length, self._length + len(text), style))
            self._plain.append(text)
            self._length += len(text)
        self._plain.append("\n")
        self._length += 1

    def text(self) -> Text:
        plain = "".join(self._plain)
        return Text(plain[:-1], spans=self._spans)


def render_matrix(console: Console,
                  patients: Sequence[tuple[str, dt.date, Sequence[Screening]]]) -> None:
    """Patients x trials: each cell the verdict and its fail and unknown counts."""
    if not patients:
        return
    matrix = Matrix(console, [screening.trial for screening in patients[0][2]])
    for ident, as_of, screenings in patients:
        matrix.add(matrix_row(ident, as_of, screenings))
    matrix.close()
