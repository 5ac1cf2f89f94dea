"""Run compiled trials on Spark: the same sqlglot query, written in Spark's dialect, over a
population table read by Spark (`local[2]` on one machine, or a cluster's URL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..rules import Trial
from .compiler import compile_trial

__all__ = ["session", "statuses"]


def session(master: str = "local[2]") -> Any:
    """A Spark session for screening (no web UI; ANSI mode off, so that reading past the end
    of a list is NULL as in DuckDB)."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master).appName("eligibility")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.ansi.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


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
