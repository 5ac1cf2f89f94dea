"""Write a population screening: DuckDB writes the rows itself (JSON Lines, CSV, Parquet),
into a file beside the destination that takes its name at the end; or a table of verdicts
per trial on the terminal."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlglot import exp

from ..selection import NEAR_MISS
from ..sql import build as b
from ..sql.compiler import TrialQuery, written
from .population import TableFormat

__all__ = ["write_statuses"]

_VERDICTS = ("eligible", "needs_review", "ineligible")


def _flat(compiled: TrialQuery) -> exp.Select:
    """One row per patient: id, trial, verdict, then each criterion's status by its id."""
    return exp.select(b.column("patient_id"), exp.alias_(b.literal(compiled.trial.id), "trial"),
                      b.column("verdict"), *[b.column(ident) for ident in compiled.criteria]
                      ).from_(compiled.query.subquery("screened", copy=False))


def _long(compiled: TrialQuery) -> exp.Select:
    """One row per patient and criterion: id, trial, verdict, criterion, status."""
    pivot = exp.Pivot(expressions=[exp.to_identifier("status")], unpivot=True,
                      fields=[exp.In(this=exp.to_identifier("criterion"),
                                     expressions=[b.column(i) for i in compiled.criteria])])
    source = compiled.query.subquery("screened", copy=False)
    source.set("pivots", [pivot])
    return exp.select(b.column("patient_id"), exp.alias_(b.literal(compiled.trial.id), "trial"),
                      b.column("verdict"), b.column("criterion"), b.column("status")
                      ).from_(source)


def _quoted(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


@contextlib.contextmanager
def _target(destination: Path | None, suffix: str) -> Iterator[str]:
    """A temporary file DuckDB writes into: beside `destination`, which it replaces when the
    block ends normally; or copied to standard output."""
    folder = (destination.parent if destination is not None and str(destination.parent)
              else Path(".") if destination is not None else None)
    handle, path = tempfile.mkstemp(dir=folder, suffix=suffix,
                                    prefix=f".{destination.name}." if destination else "")
    os.close(handle)
    os.unlink(path)  # DuckDB creates it
    try:
        yield path
        if destination is None:
            sys.stdout.flush()
            with open(path, "rb") as written:
                shutil.copyfileobj(written, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            os.replace(path, destination)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def kept(compiled: TrialQuery, verdicts: Sequence[str]) -> TrialQuery:
    """The trial's query keeping only the patients whose verdict is one of `verdicts` (all
    of them when `verdicts` is empty): the list to review is `needs_review`."""
    if not verdicts:
        return compiled
    ways = []
    plain = [verdict for verdict in verdicts if verdict != NEAR_MISS]
    if plain:
        ways.append(b.in_list(b.column("verdict"), plain))
    if NEAR_MISS in verdicts:
        ways.append(_near_miss(compiled))
    chosen = exp.select(exp.Star()).from_(compiled.query.subquery("screened", copy=False)).where(
        exp.or_(*ways))
    return dataclasses.replace(compiled, query=b.grouped(chosen))  # type: ignore[arg-type]


def _near_miss(compiled: TrialQuery) -> exp.Expr:
    """Whether the patient fails exactly one of the trial's criteria."""
    total: exp.Expr = exp.Literal.number(0)
    for ident in compiled.criteria:
        total = exp.Add(this=total, expression=b.case([(exp.EQ(
            this=b.column(ident), expression=b.literal("fail")), exp.Literal.number(1))],
            exp.Literal.number(0)))
    return exp.EQ(this=total, expression=exp.Literal.number(1))


def write_statuses(out: Console, err: Console, connection: Any,
                   compiled: Sequence[TrialQuery], kind: TableFormat,
                   destination: Path | None, *, verdicts: Sequence[str] = ()) -> int:
    """Screen every trial over the table and write the result (with `verdicts`, the rows
    of a patient and trial with one of them); the number of patients in the table."""
    patients = int(connection.execute("SELECT count(*) FROM population").fetchone()[0])
    dialect = getattr(connection, "dialect", "duckdb")  # a SparkTable says "spark"
    if kind is TableFormat.TABLE:
        _summary(out, connection, compiled, patients, dialect, verdicts)
        return patients
    compiled = [kept(trial, verdicts) for trial in compiled]
    if dialect != "duckdb":
        _write_rows(connection, compiled, kind, destination, dialect)
        return patients
    if kind is TableFormat.JSONL:
        with _target(destination, ".jsonl") as path, open(path, "wb") as stream:
            for index, trial in enumerate(compiled):
                part = f"{path}.{index}"
                connection.execute(f"COPY ({_flat(trial).sql('duckdb')}) TO "
                                   f"{_quoted(part)} (FORMAT json)")
                with open(part, "rb") as written:
                    shutil.copyfileobj(written, stream)
                os.unlink(part)
        return patients
    union: exp.Query | None = None
    for trial in compiled:
        query = _long(trial)
        union = query if union is None else exp.union(union, query, distinct=False)
    if union is None:
        union = exp.select(*[exp.alias_(b.NULL, name) for name in (
            "patient_id", "trial", "verdict", "criterion", "status")]).limit(0)
    options = "FORMAT csv, HEADER true" if kind is TableFormat.CSV else "FORMAT parquet"
    with _target(destination, f".{kind.value}") as path:
        connection.execute(f"COPY ({union.sql('duckdb')}) TO {_quoted(path)} ({options})")
    return patients


def _write_rows(connection: Any, compiled: Sequence[TrialQuery], kind: TableFormat,
                destination: Path | None, dialect: str) -> None:
    """JSON Lines or CSV written here from the rows an engine without DuckDB's COPY streams
    back (Spark), in the layout DuckDB writes."""
    with _target(destination, f".{kind.value}") as path, open(
            path, "w", encoding="utf-8", newline="") as stream:
        table = csv.writer(stream, lineterminator="\n")
        if kind is TableFormat.CSV:
            table.writerow(["patient_id", "trial", "verdict", "criterion", "status"])
        for trial in compiled:
            cursor = connection.execute(written(_flat(trial), dialect))
            while rows := cursor.fetchmany(10_000):
                for patient, ident, verdict, *statuses in rows:
                    if kind is TableFormat.JSONL:
                        stream.write(json.dumps({
                            "patient_id": patient, "trial": ident, "verdict": verdict,
                            **dict(zip(trial.criteria, statuses, strict=True))},
                            ensure_ascii=False, separators=(",", ":")) + "\n")
                    else:
                        table.writerows([patient, ident, verdict, criterion, status]
                                        for criterion, status in zip(
                                            trial.criteria, statuses, strict=True))


def _summary(out: Console, connection: Any, compiled: Sequence[TrialQuery],
             patients: int, dialect: str, verdicts: Sequence[str] = ()) -> None:
    """Verdicts per trial, as counts of the table's patients (the chosen verdicts only)."""
    shown = [verdict for verdict in (*_VERDICTS, NEAR_MISS)
             if verdict in verdicts or (not verdicts and verdict != NEAR_MISS)]
    table = Table(title=f"{patients} patient{'s' if patients != 1 else ''}",
                  title_justify="left")
    table.add_column("trial", no_wrap=True)
    for verdict in shown:
        table.add_column(verdict, justify="right")
    for trial in compiled:
        counts = exp.select(*[exp.Sum(this=b.case([(
            _near_miss(trial) if verdict == NEAR_MISS else exp.EQ(
                this=b.column("verdict"), expression=b.literal(verdict)),
            exp.Literal.number(1))], exp.Literal.number(0))) for verdict in shown]).from_(
            trial.query.subquery("screened", copy=False))
        found = connection.execute(written(b.grouped(counts), dialect)).fetchone()
        table.add_row(trial.trial.id, *[str(int(count or 0)) for count in found])
    out.print(table, soft_wrap=True, markup=False)
