"""The population commands: `export` (profiles to a table) and the table engines behind
`screen --engine` and `funnel --engine`."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ..loading import Problem, check_patient, trials_vocabulary
from ..render import render_problems
from ..vocabulary import Vocabulary
from .common import RulesPath, consoles, say
from .inputs import patient_files, repeated_patient, trials_or_exit
from .writing import mode_for, refuse_unfit_destination, to_standard_output


class Engine(StrEnum):
    """Where a screening runs: profile by profile in Python, or on a table in DuckDB or
    Spark."""

    PYTHON = "python"
    DUCKDB = "duckdb"
    SPARK = "spark"


def export_command(
    patients: Annotated[list[Path], typer.Argument(
        metavar="PATIENT", help="Patient profiles (YAML): files, folders or quoted globs.",
        show_default=False, readable=False)],
    destination: Annotated[Path, typer.Option(
        "--output", "-o", help="The table to write: .parquet, .jsonl, .ndjson or .csv.",
        show_default=False)],
    rules: RulesPath = Path("rules"),
) -> None:
    """Write patient profiles as a population table (one row per patient) for
    `screen --engine duckdb`.

    Profiles are read with the vocabulary of the rule files (--rules). A profile that cannot
    be used is reported and the others are written. Exit status: 0 when every profile was
    written, 1 when one could not be used, 2 for a usage error.
    """
    from ..sql.layout import row
    from ..sql.tables import TableError, table_format, write_table

    _, err = consoles()
    try:
        table_format(destination)
    except TableError as error:
        say(err, f"error: {error}")
        raise typer.Exit(2) from None
    vocabulary = trials_vocabulary(trials_or_exit(err, rules, None))
    files, problems = patient_files(patients)
    refuse_unfit_destination(err, destination, [Path(file) for file in files])
    if problems:
        render_problems(err, problems)
    _writable_place(err, destination)
    failed: list[Problem] = []
    rows = (row(profile, vocabulary) for profile in _profiles(err, files, vocabulary, failed))
    mode = mode_for(destination)  # the replaced file's, else the umask's (not mkstemp's 0600)
    try:
        written = write_table(rows, vocabulary, destination)
        os.chmod(destination, mode)
    except TableError as error:
        say(err, f"error: {error}")
        raise typer.Exit(1) from None
    except OSError as error:
        say(err, f"error: cannot write {destination}: {error.strerror or error}")
        raise typer.Exit(1) from None
    say(err, f"{written} patient{'s' if written != 1 else ''} written to {destination}.")
    if problems or failed:
        raise typer.Exit(1)


def _profiles(err: Console, files: list[str], vocabulary: Vocabulary,
              failed: list[Problem]) -> Iterator[Any]:
    """The profiles that can be used, each patient once: a table holds one row per patient,
    and `screen` refuses one holding an id twice, so a second profile of an id is reported
    (with the file that has it) and left out, as a profile that cannot be used is."""
    today = dt.date.today()
    seen: dict[str, str] = {}
    for file in files:
        profile, problems = check_patient(file, today=today, vocabulary=vocabulary)
        if profile is not None and (repeated := repeated_patient(
                seen, profile.id, file, "a table holds each patient once (give each profile "
                "its own id); this one was not written", severity="error")) is not None:
            problems, profile = (*problems, repeated), None
        if problems:
            render_problems(err, problems)
            failed += problems
        if profile is not None:
            yield profile


class TableFormat(StrEnum):
    TABLE = "table"
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


def is_population_table(path: Path) -> bool:
    """Whether a file named on the command line is a population table (by its suffix)."""
    return path.suffix.lower() in (".parquet", ".jsonl", ".ndjson", ".csv")


def _opened(err: Console, table: Path, vocabulary: Vocabulary, engine: Engine,
            master: str) -> Any:
    """A connection with the table as `population` (DuckDB's, or a Spark session's on
    `master`); exit 1 when it cannot be read."""
    from ..sql.duck import connect
    from ..sql.tables import TableError, open_table

    if engine is Engine.SPARK:
        return _spark(err, table, vocabulary, master)
    connection = connect()
    try:
        open_table(connection, table, vocabulary)
    except TableError as error:
        connection.close()
        say(err, f"error: {error}")
        raise typer.Exit(1) from None
    return connection


def _spark(err: Console, table: Path, vocabulary: Vocabulary, master: str) -> Any:
    """The table opened in a Spark session on `master`; exit 1 when Spark or the table
    cannot be used."""
    from ..sql.tables import TableError

    try:
        from ..sql.spark import SparkTable, session
    except ImportError:
        say(err, "error: --engine spark needs pyspark (pip install 'eligibility[spark]') and a "
            "Java runtime")
        raise typer.Exit(1) from None
    from pyspark.errors import PySparkException

    try:
        spark = session(master)
    except (PySparkException, OSError, ValueError) as error:
        say(err, f"error: cannot start Spark on {master!r}: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else error!r} (is a "
            "Java runtime installed, and the cluster's URL right?)")
        raise typer.Exit(1) from None
    try:
        return SparkTable(spark, table, vocabulary)
    except TableError as error:
        say(err, f"error: {error}")
        raise typer.Exit(1) from None


@contextlib.contextmanager
def _query_errors(err: Console, table: Path, engine: Engine) -> Iterator[None]:
    """A table whose columns are named as the layout's but hold other fields (one exported by
    an earlier version) fails in the query: one message and exit 1, not a traceback."""
    failure: type[Exception]
    if engine is Engine.SPARK:
        from pyspark.errors import PySparkException

        failure = PySparkException
    else:
        import duckdb

        failure = duckdb.Error
    try:
        yield
    except failure as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        say(err, f"error: {table}: cannot be screened: {first} (a table exported by an "
            "earlier version: export it again with eligibility export)")
        raise typer.Exit(1) from None


def _compiled(err: Console, trials: tuple[Any, ...], as_of: dt.date | None) -> tuple[Any, ...]:
    """The trials that compile to SQL; each criterion that does not is reported."""
    from ..sql.compiler import compile_trials

    compiled, refused = compile_trials(trials, as_of=as_of)
    for error in refused:
        say(err, f"error: {error} (screen this trial from the YAML profiles, or a patient "
                 "of the table with --explain ID)")
    return compiled


def screen_table(table: Path, *, rules: Path, trial: list[str] | None, as_of: dt.date | None,
                 output: str, destination: Path | None, explain: list[str] | None,
                 engine: Engine = Engine.DUCKDB, master: str = "local[2]",
                 verdicts: tuple[str, ...] = ()) -> None:
    """`screen --engine duckdb|spark`: every patient of the table against every trial that
    compiles to SQL, written as statuses and verdicts (with `verdicts`, only the rows of a
    patient and trial with one of them); with --explain, chosen patients screened on the
    explained path instead."""
    out, err = consoles()
    trials = trials_or_exit(err, rules, trial, unknown_exit=2)
    vocabulary = trials_vocabulary(trials)
    try:
        kind = TableFormat(output)
    except ValueError:
        say(err, f"error: with a population table --format is one of "
            f"{', '.join(f.value for f in TableFormat)}, not {output!r}")
        raise typer.Exit(2) from None
    if to_standard_output(destination):
        destination = None  # `-o -` and `-o /dev/stdout` are standard output, as for profiles
    if kind is TableFormat.PARQUET and destination is None:
        say(err, "error: --format parquet needs --output FILE")
        raise typer.Exit(2)
    if kind is TableFormat.PARQUET and engine is Engine.SPARK:
        say(err, "error: --engine spark writes table, jsonl or csv (a Spark cluster writes "
            "Parquet as a folder of parts: screen with --format jsonl or csv, or in DuckDB)")
        raise typer.Exit(2)
    if destination is not None:
        refuse_unfit_destination(err, destination, [table, rules])
        _writable_place(err, destination)
    connection = _opened(err, table, vocabulary, engine, master)
    with connection:
        _no_later_dates(err, connection, table, vocabulary, as_of)
        if explain:
            if verdicts:
                say(err, "error: --explain names the patients to explain; --verdict chooses "
                    "among all of them: give one or the other")
                raise typer.Exit(2)
            _explain(out, err, connection, explain, trials, vocabulary, as_of)
            return
        compiled = _compiled(err, trials, as_of)
        from .population_output import write_statuses

        with _query_errors(err, table, engine):
            counts = write_statuses(out, err, connection, compiled, kind, destination,
                                    verdicts=verdicts)
    if len(compiled) < len(trials):
        patients = f"{counts} patient{'s' if counts != 1 else ''}"
        screened = (f"the others were screened ({patients})" if compiled else
                    "none was screened")
        say(err, f"{len(trials) - len(compiled)} of {len(trials)} "
            f"trial{'s' if len(trials) != 1 else ''} could not be compiled to SQL; {screened}",
            style="red")
        raise typer.Exit(1)


def _no_later_dates(err: Console, connection: Any, table: Path, vocabulary: Vocabulary,
                    as_of: dt.date | None) -> None:
    """Exit 1 when a row records a date after the day it is screened on."""
    from ..sql.compiler import as_of_column
    from ..sql.tables import TableError, refuse_later_dates

    try:
        refuse_later_dates(connection, table, vocabulary,
                           as_of_column(as_of, dt.date.today()).sql("duckdb"))
    except TableError as error:
        say(err, f"error: {error}")
        raise typer.Exit(1) from None


def _writable_place(err: Console, destination: Path) -> None:
    """Exit 1 before reading anything when `-o` names a folder, or a file in a folder that is
    not there (DuckDB would fail only after the whole screening or export)."""
    folder = destination.parent if str(destination.parent) else Path(".")
    if destination.is_dir():
        say(err, f"error: cannot write {destination}: it is a folder (give a file name in it)")
        raise typer.Exit(1)
    if not folder.is_dir():
        say(err, f"error: cannot write {destination}: no such folder {folder}")
        raise typer.Exit(1)


def _explain(out: Console, err: Console, connection: Any, wanted: list[str],
             trials: tuple[Any, ...], vocabulary: Vocabulary, as_of: dt.date | None) -> None:
    """Screen the chosen patients of the table on the explained path, as `screen` does one
    profile."""
    from sqlglot import exp

    from ..loading import screening_date
    from ..render import render_screenings
    from ..screening import screen_all
    from ..sql import build as b
    from ..sql.layout import profile_of

    query = exp.select(b.column("patient_id"), b.column("profile")).from_("population").where(
        b.in_list(b.column("patient_id"), wanted))
    found = dict(_all_rows(connection.execute(query.sql(getattr(connection, "dialect",
                                                                    "duckdb")))))
    missing = [ident for ident in wanted if ident not in found]
    for ident in wanted:
        if ident in found:
            if found[ident] is None:
                say(err, f"error: {ident}: the table has no profile column value to explain "
                    "from (make it with eligibility export)")
                missing.append(ident)
                continue
            profile = profile_of(found[ident], vocabulary)
            on = screening_date(profile, as_of, dt.date.today())
            render_screenings(out, screen_all(profile, trials, as_of=on), patient_id=ident,
                              as_of=on)
            out.print()
    for ident in missing:
        if ident not in found:
            say(err, f"error: no patient {ident!r} in the table")
    if missing:
        raise typer.Exit(1)


def _all_rows(cursor: Any) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    while rows := cursor.fetchmany(10_000):
        found += rows
    return found


def funnel_table(trial_id: str, table: Path, *, rules: Path, as_of: dt.date | None,
                 output: str, engine: Engine = Engine.DUCKDB, master: str = "local[2]") -> None:
    """`funnel --engine duckdb|spark`: one trial's attrition over the whole table, in one
    query."""
    from ..cohort import Funnel, FunnelStep
    from ..results import Verdict

    out, err = consoles()
    (chosen,) = trials_or_exit(err, rules, [trial_id])
    connection = _opened(err, table, chosen.vocabulary, engine, master)
    with connection:
        _no_later_dates(err, connection, table, chosen.vocabulary, as_of)
        compiled = _compiled(err, (chosen,), as_of)
        if not compiled:
            raise typer.Exit(1)
        from ..sql.duck import funnel_counts

        with _query_errors(err, table, engine):
            patients, steps, verdicts = funnel_counts(connection, compiled[0])
    result = Funnel(chosen, patients, tuple(
        FunnelStep(criterion, *counts) for criterion, counts in zip(
            chosen.criteria, steps, strict=True)),
        {verdict: verdicts[verdict.value] for verdict in Verdict})
    if output == "json":
        from ..escapes import json_text
        from ..report import funnel_report

        typer.echo(json_text(funnel_report(result), indent=2))
    elif output == "table":
        from ..render import render_funnel

        render_funnel(out, result)
    else:
        say(err, "error: funnel prints table or json")
        raise typer.Exit(2)
