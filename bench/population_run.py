"""Screen a population table four ways and print patients per second, side by side:

    python bench/population.py --rows 1000000 -o bench/out/registry.parquet   # once
    python bench/population_run.py --table bench/out/registry.parquet

- DuckDB: each seed trial that compiles to SQL, statuses and verdicts of every patient
  materialised in a table (file reading is timed apart: the table is loaded first), beside a
  floor: the same rows written from the columns the trial's query reads, deciding nothing;
- a hand-written DuckDB query for AlloRx's criteria that read facts (I1, I2, E4, E6, E7,
  E11, S1) against the compiled query for the same criteria, with the results compared;
- Spark, local[2]: the same compiled queries in Spark's dialect over the same Parquet file,
  cached in Spark's memory first (timed apart), each query run to Spark's `noop` sink (every
  row and column worked out, nothing written); each trial's verdict counts are checked to be
  DuckDB's (`--no-spark` leaves it out; it needs pyspark and a Java runtime);
- the per-patient Python path (`screening.verdicts`) on a sample of the rows, extrapolated.

Peak memory is the process's maximum resident set size after each part.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from eligibility.loading import load_trials
from eligibility.rules import Trial
from eligibility.screening import verdicts
from eligibility.sql.compiler import TrialQuery, compile_trial, compile_trials
from eligibility.sql.layout import profile_of
from eligibility.vocabulary import DEFAULT

ROOT = Path(__file__).resolve().parents[1]
ALLORX = "NCT05003921"
ALLORX_FACT_CRITERIA = ("I1", "I2", "E4", "E6", "E7", "E11", "S1")

# The same criteria as a data engineer would write them in DuckDB's own SQL: the latest value
# of each fact is the last of its history, NULL is unknown, and a recency window of 30 days.
HAND_WRITTEN = """
WITH p AS (
  SELECT patient_id, coalesce(screening_date, DATE '2026-11-02') AS as_of,
         "als.diagnosed"[-1].value AS diagnosed,
         "consent.understands"[-1].value AS understands,
         "consent.willing"[-1].value AS willing,
         "sex"[-1].value AS sex,
         "reproductive.pregnant"[-1] AS pregnant,
         "reproductive.menopausal_status"[-1].value AS menopause,
         "reproductive.contraception"[-1].value AS contraception,
         list_filter(assessments,
                     lambda a: a.trial = 'NCT05003921' AND a.criterion = 'E6')[-1].answer
           AS e6,
         list_filter(assessments,
                     lambda a: a.trial = 'NCT05003921' AND a.criterion = 'E7')[-1].answer
           AS e7
  FROM population
), t AS (
  SELECT patient_id,
         diagnosed AS i1,
         understands AND willing AS i2,
         (sex = 'female') AND CASE WHEN pregnant.date IS NULL
                                     OR pregnant.date < as_of - 30 THEN NULL
                                   ELSE pregnant.value END AS e4,
         e6, e7,
         (sex = 'female' AND menopause IN ('premenopausal', 'perimenopausal'))
           AND contraception = false AS e11,
         diagnosed AS s1
  FROM p
), s AS (
  SELECT patient_id,
    CASE WHEN i1 IS NULL THEN 'unknown' WHEN i1 THEN 'pass' ELSE 'fail' END AS "I1",
    CASE WHEN i2 IS NULL THEN 'unknown' WHEN i2 THEN 'pass' ELSE 'fail' END AS "I2",
    CASE WHEN e4 IS NULL THEN 'unknown' WHEN e4 THEN 'fail' ELSE 'pass' END AS "E4",
    CASE WHEN e6 IS NULL THEN 'unknown' WHEN e6 THEN 'fail' ELSE 'pass' END AS "E6",
    CASE WHEN e7 IS NULL THEN 'unknown' WHEN e7 THEN 'fail' ELSE 'pass' END AS "E7",
    CASE WHEN e11 IS NULL THEN 'unknown' WHEN e11 THEN 'fail' ELSE 'pass' END AS "E11",
    CASE WHEN s1 IS NULL THEN 'unknown' WHEN s1 THEN 'pass' ELSE 'fail' END AS "S1"
  FROM t
)
SELECT *, CASE WHEN 'fail' IN ("I1", "I2", "E4", "E6", "E7", "E11", "S1") THEN 'ineligible'
               WHEN 'unknown' IN ("I1", "I2", "E4", "E6", "E7", "E11", "S1") THEN 'needs_review'
               ELSE 'eligible' END AS verdict
FROM s
"""


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(connection: duckdb.DuckDBPyConnection, sql: str, repeats: int) -> float:
    """The best of `repeats` runs of `sql` materialised into a table, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        connection.execute(f"CREATE OR REPLACE TEMP TABLE result AS {sql}")
        best = min(best, time.perf_counter() - started)
    return best


def floor(connection: duckdb.DuckDBPyConnection, query: str) -> str:
    """A query that reads every population column `query` reads and writes a row per patient
    from them, deciding nothing: the least a query over those columns costs (a list's length,
    a history's last record, a plain column as it is)."""
    import sqlglot
    from sqlglot import exp

    kinds = {name: kind for name, kind, *_ in connection.execute(
        "DESCRIBE population").fetchall()}
    read = sorted({column.name for column in sqlglot.parse_one(query, read="duckdb").find_all(
        exp.Column) if column.name in kinds})
    parts = []
    for name in read:
        kind = kinds[name]
        parts.append(f'len("{name}".items)' if kind.startswith("STRUCT(items") or
                     kind.startswith("STRUCT(complete") else
                     f'"{name}"[-1]' if kind.endswith("[]") else f'"{name}"')
    return f"SELECT {', '.join(parts)} FROM population"


def descendants_peak_mib() -> float:
    """The largest peak resident set (VmHWM) among this process's descendants: Spark's JVM."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    mine, grown = {os.getpid()}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in mine} - mine
        mine |= more
        grown = bool(more)
    peak = 0.0
    for pid in mine - {os.getpid()}:
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return peak


def verdict_counts(connection: Any, query: str) -> dict[str, int]:
    """Patients per verdict of a trial's query, on DuckDB or Spark."""
    found = connection.execute(f"SELECT verdict, count(*) FROM ({query}) AS screened "
                               "GROUP BY verdict").fetchall()
    return {verdict: int(count) for verdict, count in found}


def spark_part(options: argparse.Namespace, compiled: tuple[TrialQuery, ...],
               expected: dict[str, dict[str, int]]) -> dict[str, object]:
    """Spark local[2] on the same table: caching it (timed apart), then each compiled query
    to the `noop` sink, best of `--spark-repeats`; verdict counts compared with DuckDB's."""
    from pyspark.sql import SparkSession

    started = time.perf_counter()
    spark = (SparkSession.builder.master("local[2]").appName("eligibility-bench")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.ansi.enabled", "false")
             .config("spark.driver.memory", options.spark_memory)
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    starting = time.perf_counter() - started
    started = time.perf_counter()
    frame = spark.read.parquet(str(options.table)).cache()
    rows = frame.count()
    frame.createOrReplaceTempView("population")
    reading = time.perf_counter() - started
    print(f"spark: session {starting:.1f} s; read and cached {rows} rows in {reading:.1f} s "
          f"({rows / reading:,.0f} rows/s)")
    result: dict[str, object] = {"version": spark.version, "session_s": starting,
                                 "rows": rows, "reading_s": reading}
    per_trial = {}
    total = 0.0
    for query in compiled:
        sql = query.sql("spark")
        best = float("inf")
        for _ in range(options.spark_repeats):
            started = time.perf_counter()
            spark.sql(sql).write.format("noop").mode("overwrite").save()
            best = min(best, time.perf_counter() - started)
        total += best
        counts = {row[0]: int(row[1]) for row in spark.sql(
            f"SELECT verdict, count(*) FROM ({sql}) AS screened GROUP BY verdict").collect()}
        same = counts == expected[query.trial.id]
        per_trial[query.trial.id] = {"seconds": best, "patients_per_s": rows / best,
                                     "verdict_counts_as_duckdb": same}
        print(f"spark {query.trial.id}: {best:.2f} s, {rows / best:,.0f} patients/s; "
              f"verdict counts {'as DuckDB' if same else f'DIFFER: {counts}'}")
    jvm = descendants_peak_mib()
    print(f"spark, the {len(compiled)} trials: {total:.1f} s, {rows / total:,.0f} patients/s "
          f"for all of them; the JVM's peak {jvm:,.0f} MiB")
    spark.stop()
    return result | {"trials": per_trial, "all_s": total, "jvm_peak_mib": jvm}


def hardware() -> dict[str, object]:
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        memory = int(meminfo.readline().split()[1]) // 1024
    return {"cpu": model, "cores": os.cpu_count(), "memory_mib": memory,
            "python": platform.python_version(), "duckdb": duckdb.__version__,
            "load_average": os.getloadavg()}


def subset(trial: Trial, ids: tuple[str, ...]) -> Trial:
    return trial.model_copy(update={"criteria": tuple(
        criterion for criterion in trial.criteria if criterion.id in ids)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, default=ROOT / "bench/out/registry.parquet")
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-spark", dest="spark", action="store_false",
                        help="leave Spark out (it needs pyspark and a Java runtime)")
    parser.add_argument("--spark-repeats", type=int, default=2)
    parser.add_argument("--spark-memory", default="8g",
                        help="Spark's driver memory; the cached table must fit in it")
    options = parser.parse_args()
    trials = load_trials(ROOT / "rules")
    today = dt.date(2026, 11, 2)
    compiled, refused = compile_trials(trials, today=today)
    results: dict[str, object] = {"hardware": hardware(), "refused": [str(e) for e in refused]}
    print(json.dumps(results["hardware"]))
    connection = duckdb.connect()
    started = time.perf_counter()
    connection.execute(f"CREATE TABLE population AS SELECT * FROM read_parquet('{options.table}')")
    rows = connection.execute("SELECT count(*) FROM population").fetchone()[0]  # type: ignore[index]
    reading = time.perf_counter() - started
    print(f"read {rows} rows in {reading:.2f} s ({rows / reading:,.0f} rows/s), peak "
          f"{peak_mib():.0f} MiB")
    results |= {"rows": rows, "reading_s": reading}
    per_trial = {}
    expected = {}
    total = 0.0
    for query in compiled:
        seconds = timed(connection, query.sql(), options.repeats)
        least = timed(connection, floor(connection, query.sql()), options.repeats)
        total += seconds
        expected[query.trial.id] = verdict_counts(connection, query.sql())
        per_trial[query.trial.id] = {"criteria": len(query.criteria), "seconds": seconds,
                                     "patients_per_s": rows / seconds, "floor_s": least,
                                     "verdicts": expected[query.trial.id]}
        print(f"duckdb {query.trial.id} ({len(query.criteria)} criteria): {seconds:.2f} s, "
              f"{rows / seconds:,.0f} patients/s; the columns it reads alone {least:.2f} s "
              f"({seconds / least:.1f}x)")
    print(f"duckdb, the {len(compiled)} trials: {total:.2f} s, {rows / total:,.0f} "
          f"patients/s for all of them; peak {peak_mib():.0f} MiB")
    results |= {"duckdb": per_trial, "duckdb_all_s": total, "peak_after_duckdb_mib": peak_mib()}
    allorx = subset(next(t for t in trials if t.id == ALLORX), ALLORX_FACT_CRITERIA)
    generated = compile_trial(allorx, today=today).sql()
    compiled_s = timed(connection, generated, options.repeats)
    hand_s = timed(connection, HAND_WRITTEN, options.repeats)
    differ = connection.execute(f"SELECT count(*) FROM (({generated}) EXCEPT ALL "
                                f"({HAND_WRITTEN}))").fetchone()[0]  # type: ignore[index]
    print(f"AlloRx fact criteria: compiled {compiled_s:.2f} s, hand-written {hand_s:.2f} s, "
          f"ratio {compiled_s / hand_s:.2f}x; rows that differ: {differ}")
    results |= {"allorx_facts": {"compiled_s": compiled_s, "hand_written_s": hand_s,
                                 "ratio": compiled_s / hand_s, "rows_differing": differ}}
    sample = connection.execute(f"SELECT profile FROM population USING SAMPLE "
                                f"{options.sample} ROWS (reservoir, 7)").fetchall()
    connection.close()  # DuckDB's memory is given back before Spark caches its copy
    if options.spark:
        results["spark"] = spark_part(options, compiled, expected)
    profiles = [profile_of(text, DEFAULT) for (text,) in sample]
    runnable = [query.trial for query in compiled]
    started = time.perf_counter()
    for profile in profiles:
        on = profile.screening_date or today
        for trial in runnable:
            verdicts(profile, trial, as_of=on)
    python_s = time.perf_counter() - started
    rate = len(profiles) / python_s
    print(f"python per patient ({len(runnable)} trials), {len(profiles)} sampled: "
          f"{rate:,.0f} patients/s, so {rows / rate:,.0f} s for {rows} (extrapolated); "
          f"duckdb is {(rows / total) / rate:,.0f}x faster")
    results |= {"python": {"sample": len(profiles), "patients_per_s": rate,
                           "extrapolated_s": rows / rate},
                "peak_after_python_mib": peak_mib()}
    out = ROOT / "bench/out/population.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"peak {peak_mib():.0f} MiB; written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
