"""The `eligibility` command: parse arguments, call the library, render, choose the exit code."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

import typer

from .. import __version__
from .authoring import (
    PageFormat,
    SchemaKind,
    new_command,
    schema_command,
    show_command,
    vocabulary_command,
)
from .check import (
    CheckFormat,
    check_command,
    check_patient_quietly,
    check_report,
    github_annotation,
)
from .common import AsOf, TrialIds
from .fixtures import fixtures_command
from .inputs import check_trial_quietly
from .population import export_command
from .screen import Format, Patient, funnel_command, screen_command
from .writing import write_atomically

__all__ = [
    "AsOf",
    "CheckFormat",
    "Format",
    "PageFormat",
    "Patient",
    "SchemaKind",
    "TrialIds",
    "app",
    "check_command",
    "check_patient_quietly",
    "check_report",
    "check_trial_quietly",
    "funnel_command",
    "github_annotation",
    "main",
    "main_options",
    "new_command",
    "schema_command",
    "screen_command",
    "show_command",
    "vocabulary_command",
    "write_atomically",
]

app = typer.Typer(
    name="eligibility",
    help="Pre-screen patients for clinical trials, criterion by criterion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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


P = ParamSpec("P")
R = TypeVar("R")


def quiet_on_broken_pipe(command: Callable[P, R]) -> Callable[P, R]:
    """A command that stops quietly with status 0 when its reader goes away (`| head`), as
    Unix tools do, instead of a traceback or click's status 1."""
    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            # Nothing more can be said to the reader; point stdout at /dev/null so that the
            # flush at exit does not raise again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):  # a stdout without a file descriptor (tests)
                pass
            finally:
                os.close(devnull)
            raise typer.Exit(0) from None
    return run


# Registered here, in the order `eligibility --help` lists them, each with the line it shows
# there: short enough for an 80-column terminal, where click would cut a docstring's first
# sentence off with '...'.
for name, command, summary in (
        ("screen", screen_command, "Screen patients against the trials, explained."),
        ("funnel", funnel_command, "How many patients each criterion of a trial keeps."),
        ("export", export_command, "Write profiles as a population table (DuckDB)."),
        ("new", new_command, "Start a rule file from a ClinicalTrials.gov record."),
        ("check", check_command, "Validate rule files and profiles; screen no one."),
        ("schema", schema_command, "Print a JSON Schema for editors."),
        ("show", show_command, "Print a trial's criteria as a clinician reads them."),
        ("vocabulary", vocabulary_command, "List the facts and lists rules may read."),
        ("test", fixtures_command, "Screen the rule files' example patients.")):
    app.command(name, short_help=summary)(quiet_on_broken_pipe(command))


def _register_imports() -> None:
    from .importing import import_app

    for command in import_app.registered_commands:
        if command.callback is not None:
            command.callback = quiet_on_broken_pipe(command.callback)
    app.add_typer(import_app, name="import",
                  short_help="Make profiles from a FHIR bundle or a spreadsheet.")


_register_imports()


def main() -> None:
    """Console-script entry point."""
    app()
