"""The population commands: `export` (profiles to a table) and the table engines behind
`screen --engine` and `funnel --engine`."""

from __future__ import annotations

import datetime as dt
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
from .inputs import patient_files, trials_or_exit
from .writing import refuse_unfit_destination


class Engine(StrEnum):
    """Where a screening runs: profile by profile in Python, or on a table in DuckDB."""

    PYTHON = "python"
    DUCKDB = "duckdb"


def export_command(
    patients: Annotated[list[Path], typer.Argument(
        metavar="PATIENT", help="Patient profiles (YAML): files, folders or quoted globs.",
        show_default=False, readable=False)],
    destination: Annotated[Path, typer.Option(
        "--output", "-o", help="The table to write: .parquet, .jsonl or .ndjson.",
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
    failed: list[Problem] = []
    rows = (row(profile, vocabulary) for profile in _profiles(err, files, vocabulary, failed))
    try:
        written = write_table(rows, vocabulary, destination)
    except (TableError, OSError) as error:
        say(err, f"error: {error}")
        raise typer.Exit(1) from None
    say(err, f"{written} patient{'s' if written != 1 else ''} written to {destination}.")
    if problems or failed:
        raise typer.Exit(1)


def _profiles(err: Console, files: list[str], vocabulary: Vocabulary,
              failed: list[Problem]) -> Iterator[Any]:
    today = dt.date.today()
    for file in files:
        profile, problems = check_patient(file, today=today, vocabulary=vocabulary)
        if problems:
            render_problems(err, problems)
            failed += problems
        if profile is not None:
            yield profile
