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
from .coverage import Coverage, coverage
from .loading import (
    InputError,
    Problem,
    check_patient,
    check_trial,
    is_rule_file,
    load_patient,
    load_trial,
    load_trials,
    screening_date,
)
from .page import trial_markdown
from .render import render_coverage, render_problems, render_screenings, render_trial_page
from .report import report
from .rules import Trial
from .screening import screen_all
from .source import SourceSpan

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


class CheckFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


class PageFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"


class SchemaKind(StrEnum):
    RULES = "rules"
    PATIENT = "patient"


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


def _yaml_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
            files += found
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(SourceSpan(str(path), 1, 1), "", "no such file or folder"))
    return files, problems


@app.command("check")
def check_command(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Rule files, profiles or folders (default: rules/ and patients/).",
        show_default=False)] = None,
    output: Annotated[CheckFormat, typer.Option(
        "--format", help="text, json, or github (workflow annotations).")] = CheckFormat.TEXT,
    show_coverage: Annotated[bool, typer.Option(
        "--coverage", help="Also say per trial how many criteria are computable.")] = False,
) -> None:
    """Validate rule files and patient profiles without screening anyone.

    Every problem is reported as file:line:col: field: message. Exit status: 0 when no file
    has an error (warnings allowed), 1 when any has.
    """
    out, _ = _consoles()
    files, problems = _yaml_files(paths or [Path("rules"), Path("patients")])
    trials: list[Trial] = []
    kinds: dict[str, str] = {}
    for file in files:
        if is_rule_file(file):
            kinds[str(file)] = "rules"
            trial, found = check_trial_quietly(file)
            if trial is not None:
                trials.append(trial)
        else:
            kinds[str(file)] = "patient"
            found = check_patient_quietly(file)
        problems += found
    problems.sort()
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    rows = [coverage(trial) for trial in trials]
    if output is CheckFormat.JSON:
        typer.echo(json.dumps(check_report(files, kinds, problems, rows), indent=2,
                              ensure_ascii=False))
    elif output is CheckFormat.GITHUB:
        for problem in problems:
            typer.echo(github_annotation(problem))
    else:
        render_problems(out, problems)
        if show_coverage and rows:
            render_coverage(out, rows)
        summary = (f"checked {len(files)} file{'s' if len(files) != 1 else ''}: "
                   f"{errors} error{'s' if errors != 1 else ''}, "
                   f"{warnings} warning{'s' if warnings != 1 else ''}")
        out.print(summary, style="red" if errors else "green", highlight=False)
    if errors:
        raise typer.Exit(1)


def check_trial_quietly(file: Path) -> tuple[Trial | None, tuple[Problem, ...]]:
    try:
        return check_trial(file)
    except InputError as error:
        return None, error.problems


def check_patient_quietly(file: Path) -> tuple[Problem, ...]:
    try:
        return check_patient(file, today=dt.date.today())[1]
    except InputError as error:
        return error.problems


def check_report(files: list[Path], kinds: dict[str, str], problems: list[Problem],
                 rows: list[Coverage]) -> dict[str, object]:
    by_file: dict[str, list[dict[str, object]]] = {str(file): [] for file in files}
    for problem in problems:
        by_file.setdefault(problem.span.file, []).append({
            "line": problem.span.line, "column": problem.span.column, "field": problem.field,
            "severity": problem.severity, "message": problem.message})
    return {
        "schema_version": "1",
        "errors": sum(problem.severity == "error" for problem in problems),
        "warnings": sum(problem.severity == "warning" for problem in problems),
        "files": [{"path": path, "kind": kinds.get(path, "missing"), "problems": found}
                  for path, found in by_file.items()],
        "coverage": [vars(row) | {"curation_ids": list(row.curation_ids),
                                  "judgment_ids": list(row.judgment_ids)} for row in rows],
    }


def github_annotation(problem: Problem) -> str:
    """`::error file=...,line=..,col=..,title=field::message` for GitHub Actions."""
    def escape(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    title = escape(problem.field or "eligibility").replace(",", "%2C").replace(":", "%3A")
    return (f"::{problem.severity} file={problem.span.file},line={problem.span.line},"
            f"col={problem.span.column},title={title}::{escape(problem.message)}")


@app.command("schema")
def schema_command(
    kind: Annotated[SchemaKind, typer.Argument(help="rules or patient.")],
) -> None:
    """Print the JSON Schema of rule files or patient profiles (for editors)."""
    from .schema import patient_schema, rules_schema

    schema = rules_schema() if kind is SchemaKind.RULES else patient_schema()
    typer.echo(json.dumps(schema, indent=2, ensure_ascii=False))


@app.command("show")
def show_command(
    trial: Annotated[str, typer.Argument(help="A trial id (looked up in --rules) or a rule "
                                         "file.", show_default=False)],
    rules: Annotated[Path, typer.Option(help="Folder of rule files.")] = Path("rules"),
    output: Annotated[PageFormat, typer.Option("--format", help="text or markdown.")] = (
        PageFormat.TEXT),
) -> None:
    """Print a trial's criteria as a clinician reads them: protocol text beside the rule."""
    out, err = _consoles()
    path = Path(trial)
    if not path.suffix:
        path = rules / f"{trial}.yaml"
    try:
        loaded = load_trial(path)
    except InputError as error:
        render_problems(err, error.problems)
        raise typer.Exit(1) from None
    if output is PageFormat.MARKDOWN:
        typer.echo(trial_markdown(loaded), nl=False)
    else:
        render_trial_page(out, loaded)
