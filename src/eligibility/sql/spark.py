"""Run compiled trials on Spark: the same sqlglot query, written in Spark's dialect, over a
population table read by Spark (`local[2]` on one machine, or a cluster's URL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..rules import Trial
from ..vocabulary import Vocabulary
from .compiler import compile_trial
from .layout import columns
from .tables import TableError, one_row_per_patient, same_vocabulary, values_fit

__all__ = ["SparkTable", "session", "statuses"]


def session(master: str = "local[2]") -> Any:
    """A Spark session for screening (no web UI, no stage bars, Spark's own log at errors
    only; ANSI mode off, so that reading past the end of a list is NULL as in DuckDB)."""
    from pyspark.sql import SparkSession

    quiet = Path(__file__).with_name("spark-log4j2.properties").as_uri()
    spark = (SparkSession.builder.master(master).appName("eligibility")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")  # no stage bars on stderr
             .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={quiet}")
             .config("spark.sql.ansi.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkTable:
    """A Parquet population table opened in Spark as the view `population`, queried as a
    DuckDB connection is (`execute(sql).fetchone()`, `fetchmany(n)`), in Spark's dialect."""

    dialect = "spark"

    def __init__(self, spark: Any, path: Path, vocabulary: Vocabulary) -> None:
        if path.suffix.lower() != ".parquet":
            raise TableError(f"{path}: Spark reads a Parquet population table (export to a "
                             ".parquet file)")
        if not path.exists():
            raise TableError(f"{path}: no such file")
        from pyspark.errors import PySparkException

        try:
            frame = spark.read.parquet(str(path))
        except PySparkException as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else "unreadable"
            raise TableError(f"{path}: cannot be read as parquet: {first}") from None
        lacking = [name for name in columns(vocabulary) if name not in frame.columns]
        if lacking:
            shown = ", ".join(lacking[:5]) + (f" and {len(lacking) - 5} more"
                                              if len(lacking) > 5 else "")
            raise TableError(f"{path}: not a population table of this vocabulary: no column "
                             f"{shown} (make it with eligibility export)")
        frame.createOrReplaceTempView("population")
        self.spark = spark
        # The checks DuckDB makes of a table, in Spark's SQL: a table the per-patient path
        # would refuse is refused on either engine.
        one_row_per_patient(self, path)
        same_vocabulary(self, path, vocabulary)
        values_fit(self, path, vocabulary)

    def __enter__(self) -> SparkTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.spark.catalog.dropTempView("population")

    def execute(self, sql: str) -> _Rows:
        return _Rows(self.spark.sql(sql).toLocalIterator())


class _Rows:
    def __init__(self, rows: Iterator[Any]) -> None:
        self._rows = rows

    def fetchone(self) -> tuple[Any, ...] | None:
        found = next(self._rows, None)
        return None if found is None else tuple(found)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._rows]

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        found = []
        for row in self._rows:
            found.append(tuple(row))
            if len(found) == size:
                break
        return found


def statuses(spark: Any, table: Path, trials: Sequence[Trial], *,
             as_of: dt.date | None = None,
             today: dt.date | None = None) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Each trial's rows (patient id, one status per criterion, verdict) from a Parquet
    population table; `CompileError` for a trial with a criterion that has no SQL form."""
    spark.read.parquet(str(table)).createOrReplaceTempView("population")
    for trial in trials:
        query = compile_trial(trial, as_of=as_of, today=today)
        for found in spark.sql(query.sql("spark")).toLocalIterator():
            yield trial.id, tuple(found)
