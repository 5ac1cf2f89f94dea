"""The `eligibility` command: parse arguments, call the library, render, choose the exit code."""

from __future__ import annotations

from typing import Annotated

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
from .inputs import check_trial_quietly
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


# Registered here, in the order `eligibility --help` lists them.
app.command("screen")(screen_command)
app.command("funnel")(funnel_command)
app.command("new")(new_command)
app.command("check")(check_command)
app.command("schema")(schema_command)
app.command("show")(show_command)
app.command("vocabulary")(vocabulary_command)


def main() -> None:
    """Console-script entry point."""
    app()
