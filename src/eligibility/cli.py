"""The `eligibility` command: parse arguments, call the library, render, choose the exit code."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import __version__
from .loading import InputError, load_patient, load_trials, screening_date
from .render import render_problems, render_screenings
from .report import report
from .screening import screen_all

app = typer.Typer(
    name="eligibility",
    help="Pre-screen patients for clinical trials, criterion by criterion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def _consoles() -> tuple[Console, Console]:
    return Console(highlight=False), Console(stderr=True, highlight=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eligibility {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Pre-screen patients for clinical trials, criterion by criterion."""


@app.command("screen")
def screen_command(
    patient: Annotated[Path, typer.Argument(help="Patient profile (YAML).", show_default=False)],
    rules: Annotated[Path, typer.Option(help="Rule file, or folder of rule files.")] = Path(
        "rules"),
    trial: Annotated[list[str] | None, typer.Option(
        "--trial", help="Only this trial id (repeat for several).", show_default=False)] = None,
    as_of: Annotated[dt.datetime | None, typer.Option(
        "--as-of", formats=["%Y-%m-%d"], help="Screening date (YYYY-MM-DD); default: the "
        "profile's screening_date, else today.", show_default=False)] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.TABLE,
) -> None:
    """Screen one patient against every trial and explain each criterion.

    Exit status: 0 when the screening ran (whatever the verdicts), 1 when an input file
    cannot be used, 2 for a usage error.
    """
    out, err = _consoles()
    today = dt.date.today()
    day = as_of.date() if as_of else None
    try:
        trials = load_trials(rules)
        profile = load_patient(patient, as_of=day, today=today)
    except InputError as error:
        render_problems(err, error.problems)
        raise typer.Exit(1) from None
    if trial:
        known = {t.id for t in trials}
        unknown = [ident for ident in trial if ident not in known]
        if unknown:
            err.print(f"error: no rule file for trial {', '.join(unknown)} in {rules} "
                      f"(known: {', '.join(sorted(known))})", highlight=False)
            raise typer.Exit(1)
        trials = tuple(t for t in trials if t.id in trial)
    on = screening_date(profile, day, today)
    screenings = screen_all(profile, trials, as_of=on)
    if output is Format.JSON:
        document = report(screenings, patient_id=profile.id, as_of=on)
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    render_screenings(out, screenings, patient_id=profile.id, as_of=on)


def main() -> None:
    """Console-script entry point."""
    app()
