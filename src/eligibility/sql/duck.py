"""Run compiled trials in DuckDB, embedded: statuses and verdicts row by row, and the counts
of a funnel, from a population table or from profiles in memory."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from ..patient import PatientProfile
from ..rules import Trial
from ..vocabulary import Vocabulary
from . import build as b
from .compiler import TrialQuery, compile_trial, written
from .layout import columns, row

if TYPE_CHECKING:
    import duckdb

__all__ = ["FunnelCounts", "connect", "funnel_counts", "funnel_numbers", "funnel_query",
           "screen_profiles", "statuses"]

Row = tuple[Any, ...]


def connect(*, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    import duckdb

    connection = duckdb.connect()
    # Rows are written as DuckDB's threads finish them: keeping the table's order made a
    # million patients' statuses take 14 GB (DuckDB holds back what is ahead of its turn),
    # and 650 MB without.
    connection.execute("SET preserve_insertion_order = false")
    if threads is not None:
        connection.execute(f"SET threads = {int(threads)}")
    return connection


def statuses(connection: duckdb.DuckDBPyConnection, compiled: TrialQuery, *,
             batch: int = 100_000) -> Iterator[Row]:
    """Each patient's row: id, one status per criterion, verdict; in batches, so memory holds
    one batch at a time."""
    cursor = connection.execute(compiled.sql("duckdb"))
    while rows := cursor.fetchmany(batch):
        yield from rows


FunnelCounts = tuple[int, tuple[tuple[int, int, int, int, int], ...], dict[str, int]]
"""Patients, then per criterion (passed, failed, unknown, remaining, first excluded), then
patients per verdict."""


def funnel_counts(connection: duckdb.DuckDBPyConnection, compiled: TrialQuery) -> FunnelCounts:
    """A funnel's counts in one query: each criterion's statuses, how many patients have
    failed none of the criteria so far, and how many it is the first to exclude."""
    dialect = getattr(connection, "dialect", "duckdb")  # a SparkTable says "spark"
    found = connection.execute(written(funnel_query(compiled), dialect)).fetchone()
    assert found is not None
    return funnel_numbers(compiled, tuple(found))


def funnel_query(compiled: TrialQuery) -> exp.Expr:
    """The one query of a funnel's counts (any dialect): patients, five counts per criterion,
    then patients per verdict."""
    ids = compiled.criteria
    selected: list[exp.Expr] = [b.func("COUNT", exp.Star())]

    def count(condition: exp.Expr) -> exp.Expr:
        return exp.Sum(this=b.case([(condition, exp.Literal.number(1))],
                                   exp.Literal.number(0)))

    def failed(ident: str) -> exp.Expr:
        return exp.EQ(this=b.column(ident), expression=b.literal("fail"))

    for index, ident in enumerate(ids):
        earlier = [b.not_(failed(other)) for other in ids[:index]]
        selected += [
            count(exp.EQ(this=b.column(ident), expression=b.literal("pass"))),
            count(failed(ident)),
            count(exp.EQ(this=b.column(ident), expression=b.literal("unknown"))),
            count(b.and_(*earlier, b.not_(failed(ident)))),
            count(b.and_(*earlier, failed(ident)) if earlier else failed(ident)),
        ]
    for verdict in ("eligible", "needs_review", "ineligible"):
        selected.append(count(exp.EQ(this=b.column("verdict"), expression=b.literal(verdict))))
    return b.grouped(exp.select(*selected).from_(compiled.query.subquery("screened", copy=False)))


def funnel_numbers(compiled: TrialQuery, found: Row) -> FunnelCounts:
    """`funnel_query`'s one row as counts."""
    ids = compiled.criteria
    numbers = [int(value or 0) for value in found]
    steps = tuple(tuple(numbers[1 + 5 * i: 6 + 5 * i]) for i in range(len(ids)))
    verdicts = dict(zip(("eligible", "needs_review", "ineligible"), numbers[-3:], strict=True))
    return numbers[0], steps, verdicts  # type: ignore[return-value]


def screen_profiles(profiles: Sequence[PatientProfile], trial: Trial, *,
                    as_of: dt.date | None = None, today: dt.date | None = None,
                    vocabulary: Vocabulary | None = None) -> dict[str, Row]:
    """Profiles screened in DuckDB through the table layout, by patient id: for comparing the
    SQL path with the per-patient one."""
    vocabulary = vocabulary or trial.vocabulary
    compiled = compile_trial(trial, as_of=as_of, today=today)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "population.jsonl"
        with open(path, "w", encoding="utf-8") as stream:
            for profile in profiles:
                stream.write(json.dumps(row(profile, vocabulary)) + "\n")
        with connect(threads=1) as connection:
            connection.read_json(str(path), format="newline_delimited",
                                 columns=columns(vocabulary)).create_view("population")
            return {found[0]: found for found in statuses(connection, compiled)}

