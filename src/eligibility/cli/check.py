"""The `check` command: validate rule files and patient profiles without screening anyone."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..coverage import Coverage, coverage
from ..escapes import visible
from ..fixtures import fixture_problems
from ..loading import (
    InputError,
    Problem,
    assessment_problems,
    check_patient,
    folder_vocabulary,
    is_rule_file,
    is_vocabulary_file,
    load_trials,
    not_read,
    profile_warnings,
    repeated_trials,
    trials_vocabulary,
    vocabulary_files_beside,
)
from ..render import render_coverage, render_problems
from ..rules import Trial
from .common import choice, consoles, say
from .inputs import check_trial_quietly, yaml_files


class CheckFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


def check_command(
    paths: Annotated[list[Path] | None, typer.Argument(
        metavar="PATH", help="Rule files, profiles or folders, read with their sub-folders "
        "(default: rules/ and patients/).",
        show_default=False, readable=False)] = None,  # an unreadable file is a problem, exit 1
    output: Annotated[CheckFormat, typer.Option(
        "--format", parser=choice(CheckFormat), metavar="text|json|github",
        help="text, json, or github (workflow annotations).")] = CheckFormat.TEXT,
    show_coverage: Annotated[bool, typer.Option(
        "--coverage", help="Also say per trial how many criteria are computable.")] = False,
) -> None:
    """Validate rule files and patient profiles without screening anyone.

    Every problem is reported as file:line:col: field: message. Exit status: 0 when no file
    has an error (warnings allowed), 1 when any has.
    """
    out, _ = consoles()
    files, problems = yaml_files(paths or [Path("rules"), Path("patients")])
    trials: list[Trial] = []
    kinds = {str(file): _kind(file) for file in files}
    # Vocabulary files first: the rule files beside them are read with what they add (also
    # when a rule file is given alone, without its folder).
    given = [file for file in files if kinds[str(file)] == "vocabulary"]
    beside = [found for file in files if kinds[str(file)] == "rules"
              for found in vocabulary_files_beside(file)]
    vocabulary, broken = folder_vocabulary(dict.fromkeys([*given, *beside]))
    problems += broken
    for file in files:
        if kinds[str(file)] == "rules" and broken:
            problems.append(not_read(file))
        elif kinds[str(file)] == "rules":
            trial, found = check_trial_quietly(file, vocabulary)
            problems += found
            if trial is not None:
                trials.append(trial)
                problems += fixture_problems(trial)
    problems += repeated_trials(trials)
    # Assessments are checked against the trials checked, else against rules/ if it loads.
    against = trials or list(_quiet_trials(Path("rules")))
    for file in files:
        if kinds[str(file)] == "patient":
            problems += check_patient_quietly(file, against)
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
        say(out, summary, style="red" if errors else "green")
    if errors:
        raise typer.Exit(1)


def _kind(file: Path) -> str:
    if is_vocabulary_file(file):
        return "vocabulary"
    return "rules" if is_rule_file(file) else "patient"


def check_patient_quietly(file: Path, trials: Sequence[Trial] = ()) -> tuple[Problem, ...]:
    vocabulary = trials_vocabulary(trials)
    try:
        profile, problems = check_patient(file, today=dt.date.today(), vocabulary=vocabulary)
    except InputError as error:
        return error.problems
    if profile is not None and not problems:
        return (*assessment_problems(file, profile, trials),
                *profile_warnings(file, profile, vocabulary))
    return problems


def _quiet_trials(rules: Path) -> tuple[Trial, ...]:
    if not rules.exists():
        return ()
    try:
        return load_trials(rules)
    except InputError:
        return ()


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
        "files": [{"path": path, "kind": kinds.get(path, "folder" if Path(path).is_dir() else
                                                   "missing"), "problems": found}
                  for path, found in by_file.items()],
        "coverage": [vars(row) | {"curation_ids": list(row.curation_ids),
                                  "judgment_ids": list(row.judgment_ids),
                                  "partly_judgment_ids": list(row.partly_judgment_ids),
                                  "decided_by_data": row.decided_by_data} for row in rows],
    }


def github_annotation(problem: Problem) -> str:
    """`::error file=...,line=..,col=..,title=field::message` for GitHub Actions."""
    def escape(text: str) -> str:
        # Control characters from a file are shown as escapes, never sent raw to the log.
        return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))
    title = escape(problem.field or "eligibility").replace(",", "%2C").replace(":", "%3A")
    where = f",line={problem.span.line},col={problem.span.column}" if problem.span.line else ""
    return (f"::{problem.severity} file={escape(problem.span.file).replace(',', '%2C')}{where},"
            f"title={title}::{escape(problem.message)}")
